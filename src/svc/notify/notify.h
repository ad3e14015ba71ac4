/* svc/notify: e-mail notifications queued in the store and delivered over SMTP. */
#ifndef TEKEN_SVC_NOTIFY_H
#define TEKEN_SVC_NOTIFY_H

#include "svc/base/base.h"

/* ---- notifications (svc/notify.c) ---- */

/*
 * Queues an e-mail (recipient sealed as PII) inside the caller's transaction.
 * A subject longer than NOTIFY_MAX_SUBJECT bytes is cut (between UTF-8
 * characters, marked "..."), never refused: the mail still goes. A body
 * with a line over 998 bytes is sent quoted-printable.
 */
#define NOTIFY_MAX_SUBJECT 400u
enum tk_err notify_queue(struct svc_ctx *c, const char *recipient, const char *subject, const char *body) WARN_UNUSED;
/*
 * notify_queue with one file attached (attachment_id: a row of attachments,
 * svc/files): delivered as a MIME multipart/mixed message, the text part
 * first, the file base64-encoded (at most NOTIFY_MAX_ATTACHMENT bytes).
 */
#define NOTIFY_MAX_ATTACHMENT (16u * 1024u * 1024u)
enum tk_err notify_queue_file(struct svc_ctx *c, const char *recipient, const char *subject, const char *body,
    int64_t attachment_id) WARN_UNUSED;
/* Delivers queued mail over SMTP ([smtp] url, from); counts what was sent. */
enum tk_err notify_deliver(struct svc_ctx *c, int *sent, int *failed) WARN_UNUSED;
/* Queues expiry reminders 30, 7 and 1 days before notAfter (once each). */
enum tk_err notify_expiry_reminders(struct svc_ctx *c, int *queued) WARN_UNUSED;

/* ---- people to tell and reminders sent once (svc/notify/notify_once.c) ---- */

/* A syntactically plausible single e-mail address (no display name, no list). */
int notify_email_ok(const char *s);

#define NOTIFY_MAX_CONTACTS 16u
struct notify_contacts {
	char addr[NOTIFY_MAX_CONTACTS][256];
	size_t n;
};
/*
 * [monev] contacts: the comma-separated e-mail addresses the ministry and
 * the issuer name for agreement-level reminders (user accounts carry no
 * e-mail address). Bad entries are logged and skipped.
 */
void notify_contacts_load(const struct config *cfg, struct notify_contacts *ct);
/* Adds a plausible address not already listed (room kept for NOTIFY_MAX_CONTACTS); others are ignored. */
void notify_contacts_add(struct notify_contacts *ct, const char *addr);
/* Queues one mail to each address of ct inside the caller's transaction. */
enum tk_err notify_contacts_send(struct svc_ctx *c, const struct notify_contacts *ct, const char *subject, const char *body) WARN_UNUSED;
/* Queues one mail to each of [monev] contacts inside the caller's transaction; *n how many (0: nobody named). */
enum tk_err notify_contacts_queue(struct svc_ctx *c, const char *subject, const char *body, size_t *n) WARN_UNUSED;
/*
 * Claims the reminder (kind, ref) in oversight_reminders_sent inside the
 * caller's transaction: *claimed = 1 the first time on any node, 0 when it
 * was claimed before. Kinds are prefixed by their domain ("monev.", "reco."...).
 */
enum tk_err notify_claim_once(struct svc_ctx *c, const char *kind, const char *ref, int *claimed) WARN_UNUSED;

#endif

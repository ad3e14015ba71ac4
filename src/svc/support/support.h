/*
 * svc/support: technical-support tickets on authenticity, integrity and
 * non-repudiation (R12, PKS art. 4(2)c and 5(1)c; docs/support.md).
 *
 * Who opens a ticket: ministry staff (admin, verifikator, subscriber; the
 * CLI operator), applications (API key; the ticket's unit is one of its
 * key's units) and the public verify page (anonymous: a name and a
 * contact, sealed with svc/pii; the caller gets the ticket's ref and a
 * follow-up token shown once, of which only the SHA-256 is kept).
 * A ticket links a registry document, a certificate or the document file
 * itself; with a file, the verification service checks it under the
 * instance's policy (the public page's) and its JSON report is kept as
 * evidence (with the registry record when the file is one this instance
 * signed); with only a document id, the registry record is kept.
 *
 * The issuer side (auditors) is assigned, replies and resolves; ministry
 * admins see every ticket and reply for the ministry; the opener sees and
 * answers their own. Status: open -> answered (the first issuer reply sets
 * first_answer_at) -> resolved (resolved_at) -> closed; a message of the
 * opener on a resolved ticket reopens it. Every change commits with its
 * audit event (ticket.*), object "ticket:<ref>".
 */
#ifndef TEKEN_SVC_SUPPORT_H
#define TEKEN_SVC_SUPPORT_H

#include "svc/base/base.h"

#include <jansson.h>

#define SUPPORT_MAX_SUBJECT 300u                  /* bytes of a subject */
#define SUPPORT_MAX_TEXT (16u * 1024u)            /* bytes of a message */
#define SUPPORT_MAX_NAME 200u                     /* bytes of a reporter's name */
#define SUPPORT_MAX_CONTACT 254u                  /* bytes of a reporter's contact (e-mail or phone) */
#define SUPPORT_MAX_FILE MAX_REQ_BODY             /* bytes of the document attached to a ticket */
#define SUPPORT_PUBLIC_KEEP (10u * 1024u * 1024u) /* a public ticket's document is kept up to this size; larger ones keep their report and hash only */
#define SUPPORT_MAX_LIST 500u                     /* tickets in a list answer (newest first) */
#define SUPPORT_MAX_MESSAGES 200u                 /* messages of one ticket */
#define SUPPORT_TOKEN_BYTES 32u                   /* random bytes of a public follow-up token (hex on the wire) */
#define SUPPORT_REF_LEN 15u                       /* "TKT-YYYY-XXXXXX" */

/* What a new ticket says; strings borrowed, NULL when absent. */
struct support_open_in {
	const char *category;         /* authenticity | integrity | non_repudiation | other (required) */
	const char *subject;          /* required */
	const char *body;             /* the first message (required) */
	const char *document_id;      /* a registry document */
	const char *cert_serial;      /* a certificate of this instance (hex) */
	const char *unit;             /* application: one of its key's units (default: its only unit) */
	const char *reporter_name;    /* public: required */
	const char *reporter_contact; /* public: required (an e-mail address gets the replies' notices) */
	const uint8_t *file;          /* the document in question (a PDF), or NULL */
	size_t file_len;
	const char *file_name; /* the uploader's name for it (sanitised) */
};

/*
 * Opens a ticket. public_page 0: admins, Verifikators, subscribers, the
 * operator (channel staff) and applications (channel api). public_page 1
 * (the verify page's form): anyone, channel public, name and contact
 * required, a follow-up token issued (the token, not a session, is what
 * reads and answers the ticket later). With a file, it is
 * verified before the transaction (verify_svc, same policy as POST
 * /api/v1/verify) and kept with its report. *out: the ticket as
 * support_get() shows it to its opener; for the public channel also
 * "token", the follow-up secret, shown this once. Caller frees.
 */
enum tk_err support_open(struct svc_ctx *c, const struct support_open_in *in, int public_page, char **out) WARN_UNUSED;

/*
 * Tickets the caller may see, newest first (JSON array text, no messages):
 * auditors, admins and the operator all of them; others their own.
 * status: NULL or one of the four statuses. Caller frees.
 */
enum tk_err support_list(struct svc_ctx *c, const char *status, char **out) WARN_UNUSED;
/* One ticket with its messages, files and verification report; TK_ERR_NOT_FOUND when the caller may not see it. Caller frees. */
enum tk_err support_get(struct svc_ctx *c, int64_t id, char **out) WARN_UNUSED;
/* The public follow-up: the ticket ref with the token it was opened with (constant-time check); TK_ERR_NOT_FOUND otherwise. */
enum tk_err support_public_get(struct svc_ctx *c, const char *ref, const char *token, char **out) WARN_UNUSED;

/*
 * Adds a message. Auditors (issuer side: the first one sets first_answer_at
 * and status answered), admins and the operator (ministry side), the
 * opener (staff or application; on a resolved ticket it reopens it).
 * A closed ticket takes no messages (TK_ERR_CONFLICT). *out: the ticket.
 */
enum tk_err support_reply(struct svc_ctx *c, int64_t id, const char *body, char **out) WARN_UNUSED;
/* The public opener's message, by ref and token; reopens a resolved ticket. *out: the public view. */
enum tk_err support_public_reply(struct svc_ctx *c, const char *ref, const char *token, const char *body, char **out) WARN_UNUSED;
/* Assigns a ticket to an active auditor (assignee NULL: the caller). Auditors only. *out: the ticket. */
enum tk_err support_assign(struct svc_ctx *c, int64_t id, const char *assignee, char **out) WARN_UNUSED;
/* Resolves with a closing message (required) from the issuer side. Auditors only. *out: the ticket. */
enum tk_err support_resolve(struct svc_ctx *c, int64_t id, const char *note, char **out) WARN_UNUSED;
/* Closes a resolved ticket: its opener, an auditor, an admin or the operator. *out: the ticket. */
enum tk_err support_close(struct svc_ctx *c, int64_t id, char **out) WARN_UNUSED;
/* A file of a ticket (the document attached), for whoever may see the ticket. Appends to out; *name, *mime: copies, caller frees. */
enum tk_err support_file(struct svc_ctx *c, int64_t id, int64_t file_id, struct buf *out, char **name, char **mime) WARN_UNUSED;

/*
 * The year's summary (WIB calendar year; admins, auditors, operator):
 * opened, answered, resolved, closed, open now, by category, channel and
 * month, and the medians of time to first answer and to resolution in
 * seconds (null without values). Caller frees.
 */
enum tk_err support_summary(struct svc_ctx *c, int year, char **out) WARN_UNUSED;

/*
 * For the monitoring dashboard's open items (svc/monev): {"available":
 * true, "open", "answered", "unanswered", "oldest_unanswered_at" (ISO UTC
 * or null)}. No access check (the dashboard made it). Caller decrefs.
 */
enum tk_err support_open_items(struct svc_ctx *c, int64_t now, json_t **out) WARN_UNUSED;

#endif

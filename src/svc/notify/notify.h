/* svc/notify: e-mail notifications queued in the store and delivered over SMTP. */
#ifndef TEKEN_SVC_NOTIFY_H
#define TEKEN_SVC_NOTIFY_H

#include "svc/base/base.h"

/* ---- notifications (svc/notify.c) ---- */

/* Queues an e-mail (recipient sealed as PII) inside the caller's transaction. */
enum tk_err notify_queue(struct svc_ctx *c, const char *recipient, const char *subject, const char *body) WARN_UNUSED;
/*
 * A plausible single e-mail address: one '@', a dot after it, no empty
 * domain label, nothing that could break a header (shared by the domains
 * that queue mail to addresses people type: monev, support).
 */
int notify_email_ok(const char *s);
/* Delivers queued mail over SMTP ([smtp] url, from); counts what was sent. */
enum tk_err notify_deliver(struct svc_ctx *c, int *sent, int *failed) WARN_UNUSED;
/* Queues expiry reminders 30, 7 and 1 days before notAfter (once each). */
enum tk_err notify_expiry_reminders(struct svc_ctx *c, int *queued) WARN_UNUSED;

#endif

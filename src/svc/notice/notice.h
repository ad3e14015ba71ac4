/*
 * svc/notice: change notices of the certificate service (R13, PKS art.
 * 4(2)g and 5(1)g; docs/notices.md).
 *
 * The issuer side (role auditor, "issuer admins") drafts notices (title and
 * body in Indonesian and English, category, severity, effective date),
 * edits its drafts, publishes and withdraws them. Published and withdrawn
 * notices are public: the /notices page, the Atom feed (RFC 4287) and the
 * JSON feed; drafts never leave the issuer side. A withdrawn notice stays in
 * the feeds (Atom has no deletion) with its title prefixed "[DITARIK]" and
 * a new updated time.
 *
 * Publishing (and withdrawing) queues, in the same transaction, one webhook
 * delivery per active webhook and an e-mail to the ministry's contacts. The
 * jobs loop (or `teken notice deliver`) POSTs due deliveries, signed with
 * HMAC-SHA256 under the webhook's secret, and retries with backoff.
 *
 * The ministry's admins (and the operator, who acts for the ministry)
 * acknowledge each published notice once; unacknowledged ones count against
 * the implementation review (notice_ack_indicator) and show on the
 * monitoring dashboard (notice_open_items).
 *
 * Every change commits with its audit event: notice.* on object
 * "notice:<id>", webhook.* on "webhook:<id>".
 */
#ifndef TEKEN_SVC_NOTICE_H
#define TEKEN_SVC_NOTICE_H

#include "svc/base/base.h"

#include <jansson.h>

#define NOTICE_MAX_TITLE 300u              /* bytes of a title (each language) */
#define NOTICE_MAX_BODY (32u * 1024u)      /* bytes of a body (each language), plain text */
#define NOTICE_MAX_NOTE 2000u              /* bytes of an acknowledgement note or a withdrawal reason */
#define NOTICE_MAX_LIST 500u               /* notices in a list or feed (newest first) */
#define NOTICE_ACK_DAYS 14u                /* default [notice] ack_days */
#define NOTICE_WITHDRAWN_MARK "[DITARIK] " /* title prefix of a withdrawn notice in the feeds */

#define WEBHOOK_MAX_URL 2048u
#define WEBHOOK_MAX_DESC 300u
#define WEBHOOK_MAX_ACTIVE 64u          /* active webhooks (each publish queues one delivery per webhook) */
#define WEBHOOK_SECRET_BYTES 32u        /* random bytes of a secret (hex on the wire: 64 characters) */
#define WEBHOOK_TIMEOUT_S 10L           /* one attempt, connect to last byte */
#define WEBHOOK_BATCH 32u               /* deliveries one pass claims */
#define WEBHOOK_MAX_ATTEMPTS 6u         /* the first attempt and five retries, then failed */
#define WEBHOOK_PASS_BUDGET_S 30        /* a pass claims no more deliveries after this long (the jobs loop has other work) */
#define WEBHOOK_LEASE_S 300             /* a claimed delivery is retried by another node after this */
#define WEBHOOK_MAX_LIST 200u           /* deliveries in a list answer */
#define WEBHOOK_MAX_REPLY (64u * 1024u) /* bytes of a receiver's answer read (and dropped) */

/* What a notice says; strings borrowed, NULL when absent (update: unchanged). */
struct notice_in {
	const char *category; /* change | addition | development | maintenance | security */
	const char *severity; /* info | important | critical */
	const char *title_id, *title_en;
	const char *body_id, *body_en;
	const char *effective_on; /* YYYY-MM-DD (WIB) */
};

/*
 * Notices the caller may see, newest first (JSON array text): auditors
 * every one, drafts included; admins and the operator the published and
 * withdrawn ones with their acknowledgement. status: NULL or one of draft,
 * published, withdrawn, unacknowledged. Caller frees.
 */
enum tk_err notice_list(struct svc_ctx *c, const char *status, char **out) WARN_UNUSED;
/* One notice as notice_list shows it; TK_ERR_NOT_FOUND when the caller may not see it. Caller frees. */
enum tk_err notice_get(struct svc_ctx *c, int64_t id, char **out) WARN_UNUSED;
/* A draft (auditors; every field required). *out: the notice. */
enum tk_err notice_create(struct svc_ctx *c, const struct notice_in *in, char **out) WARN_UNUSED;
/* Changes the given fields of a draft (auditors); a published notice is not edited (TK_ERR_CONFLICT). */
enum tk_err notice_update(struct svc_ctx *c, int64_t id, const struct notice_in *in, char **out) WARN_UNUSED;
/* Publishes a draft (auditors): queues the webhook deliveries and the ministry's e-mail. */
enum tk_err notice_publish(struct svc_ctx *c, int64_t id, char **out) WARN_UNUSED;
/* Withdraws a published notice (auditors; reason optional): it stays public, marked withdrawn; webhooks and e-mail told. */
enum tk_err notice_withdraw(struct svc_ctx *c, int64_t id, const char *reason, char **out) WARN_UNUSED;
/* The ministry acknowledges a published (or withdrawn) notice once (admins, operator; note optional); again: TK_ERR_CONFLICT. */
enum tk_err notice_ack(struct svc_ctx *c, int64_t id, const char *note, char **out) WARN_UNUSED;

/* ---- public feeds (svc/notice/notice_feed.c; anyone) ---- */

enum notice_feed_format { NOTICE_FEED_ATOM,
	NOTICE_FEED_JSON };
/*
 * The public feed of published and withdrawn notices, newest first, into
 * out: an RFC 4287 Atom document or the JSON feed
 * {"notices":[{id,title:{id,en},body:{id,en},category,severity,
 * effective_on,published_at,updated_at,status,url}]}. *updated: the latest
 * entry's update time (0 with no entry), for Last-Modified.
 */
enum tk_err notice_feed(struct svc_ctx *c, enum notice_feed_format f, struct buf *out, int64_t *updated) WARN_UNUSED;

/* ---- webhooks (svc/notice/webhook.c; ministry admins and the operator) ---- */

/* Every webhook (no secrets), with its delivery counts. Caller frees. */
enum tk_err webhook_list(struct svc_ctx *c, char **out) WARN_UNUSED;
/* Registers a receiver (http or https URL without credentials or fragment). *out: the webhook with "secret", shown this once. */
enum tk_err webhook_create(struct svc_ctx *c, const char *url, const char *description, char **out) WARN_UNUSED;
/* Changes url, description (NULL: unchanged) and active (-1: unchanged, 0, 1). *out: the webhook. */
enum tk_err webhook_update(struct svc_ctx *c, int64_t id, const char *url, const char *description, int active, char **out) WARN_UNUSED;
/* Deletes a webhook with its deliveries and their attempts. */
enum tk_err webhook_delete(struct svc_ctx *c, int64_t id) WARN_UNUSED;
/* A new secret (the old one stops at once). *out: the webhook with "secret", shown this once. */
enum tk_err webhook_rotate(struct svc_ctx *c, int64_t id, char **out) WARN_UNUSED;
/* The webhook's deliveries, newest first, each with its attempts. Caller frees. */
enum tk_err webhook_deliveries(struct svc_ctx *c, int64_t id, char **out) WARN_UNUSED;
/* Sends a signed "ping" now (not queued, not retried); *out: {"delivered","code","error","ms"}. */
enum tk_err webhook_test(struct svc_ctx *c, int64_t id, char **out) WARN_UNUSED;
/*
 * One delivery pass (the jobs loop, `teken notice deliver`): claims the due
 * pending deliveries of active webhooks (safe across nodes), POSTs each,
 * logs the attempt and schedules the retry (30 s, 2 min, 10 min, 1 h, 6 h)
 * or marks it delivered or failed. Counts this pass's delivered and failed attempts.
 */
enum tk_err notice_deliver(struct svc_ctx *c, int *delivered, int *failed) WARN_UNUSED;

/* ---- for other services (no access check: the caller made it) ---- */

/*
 * The review's automatic indicator notices_acknowledged (svc/review): pass
 * unless a notice published more than [notice] ack_days (default 14) days
 * before now is still unacknowledged; *ev names them. Caller decrefs *ev.
 */
enum tk_err notice_ack_indicator(struct svc_ctx *c, int64_t now, int *pass, json_t **ev) WARN_UNUSED;
/*
 * For the monitoring dashboard's open items (svc/monev): {"available":true,
 * "unacknowledged", "overdue", "ack_days", "oldest_unacknowledged_at" (ISO
 * UTC or null)}. Caller decrefs.
 */
enum tk_err notice_open_items(struct svc_ctx *c, int64_t now, json_t **out) WARN_UNUSED;

#endif

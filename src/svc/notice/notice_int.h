/* Private to svc/notice: helpers shared by notices, feeds and webhooks. */
#ifndef TEKEN_SVC_NOTICE_INT_H
#define TEKEN_SVC_NOTICE_INT_H

#include "svc/base/base_int.h"
#include "svc/notice/notice.h"

/* The columns of a notice every view reads, in this order (notice_row_json). */
#define NOTICE_COLS                                                                                                                 \
	"id, category, severity, title_id, title_en, body_id, body_en, effective_on, status, created_by, created_at, published_by," \
	" published_at, updated_at, acked_by, acked_at, ack_note, withdrawn_at, withdrawn_by, withdraw_reason"

enum notice_view {
	NOTICE_VIEW_PUBLIC, /* the feeds and webhook payloads: no people */
	NOTICE_VIEW_STAFF,  /* the API: who drafted, published, acknowledged */
};

/* The issuer side: a person with role auditor. */
int notice_is_issuer(const struct svc_ctx *c);
/* The ministry side that acknowledges and keeps webhooks: a person with role admin, or the operator. */
int notice_is_ministry(const struct svc_ctx *c);
/* Appends an audit event on object "<kind>:<id>" with details (stolen; NULL: none). */
enum tk_err notice_audit(struct svc_ctx *c, const char *action, const char *kind, int64_t id, json_t *details) WARN_UNUSED;
/* A notice row (NOTICE_COLS from column 0) as JSON; NULL when out of memory. */
json_t *notice_row_json(struct svc_ctx *c, struct store_stmt *s, enum notice_view v);
/* The public address of a notice: <base>/notices#n<id>. */
enum tk_err notice_url(struct svc_ctx *c, int64_t id, char *out, size_t outsz) WARN_UNUSED;
/* ISO UTC time as JSON (null for 0 when nullable). */
json_t *notice_time_json(int64_t t);
/* [notice] ack_days. */
int64_t notice_ack_days(struct svc_ctx *c);
/*
 * Inside the caller's transaction: one pending delivery of event
 * ("notice.published", "notice.withdrawn") to each active webhook, due now,
 * carrying the notice's public JSON. *n: how many.
 */
enum tk_err webhook_queue(struct svc_ctx *c, int64_t notice_id, const char *event, json_t *notice, size_t *n) WARN_UNUSED;

#endif

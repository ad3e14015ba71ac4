/*
 * Change notices (R13, docs/notices.md): the public feeds /notices.atom
 * and /notices.json (conditional GET: ETag and Last-Modified, 304), the
 * notices API under /api/v1/notices and the webhooks API under
 * /api/v1/webhooks. The service decides who may do what (svc/notice).
 */
#define _XOPEN_SOURCE 700 /* strptime */
#define _DEFAULT_SOURCE   /* timegm */
#include "http/routes.h"

#include "crypto/crypto.h"
#include "svc/notice/notice.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define FEED_MAX_BYTES (NOTICE_MAX_LIST * (4u * NOTICE_MAX_BODY + 8192u))

/* Does an If-None-Match list (RFC 9110 13.1.2, weak comparison) name etag? */
static int etag_listed(const char *inm, const char *etag)
{
	size_t el = strlen(etag);

	while (*inm) {
		const char *end;
		size_t n;
		while (*inm == ' ' || *inm == '\t' || *inm == ',')
			inm++;
		if (*inm == '\0')
			break;
		if (*inm == '*')
			return 1;
		if (strncmp(inm, "W/", 2) == 0)
			inm += 2;
		end = strchr(inm, ',');
		n = end != NULL ? (size_t)(end - inm) : strlen(inm);
		while (n > 0 && (inm[n - 1] == ' ' || inm[n - 1] == '\t'))
			n--;
		if (n == el && memcmp(inm, etag, n) == 0)
			return 1;
		inm += n;
		if (end == NULL)
			break;
		inm = end;
	}
	return 0;
}

/* An IMF-fixdate (RFC 9110 5.6.7) as Unix seconds; -1 when it is not one. */
static int64_t http_date_parse(const char *s)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm)) == NULL || *end != '\0')
		return -1;
	return (int64_t)timegm(&tm);
}

static enum tk_err feed(struct http_req *rq, struct http_resp *rs, enum notice_feed_format f)
{
	struct buf body;
	char hex[65], etag[72], date[40];
	const char *inm, *ims;
	int64_t updated = 0;
	enum tk_err rc;

	buf_init(&body, FEED_MAX_BYTES);
	if ((rc = notice_feed(&rq->ctx, f, &body, &updated)) != TK_OK)
		goto out;
	sha256_hex(body.p, body.len, hex);
	hex[40] = '\0';
	http_date(updated, date);
	if ((rc = str_fmt(etag, sizeof(etag), "\"%s\"", hex)) != TK_OK ||
	    (rc = http_bytes(rs, 200, f == NOTICE_FEED_ATOM ? "application/atom+xml; charset=utf-8" : "application/json; charset=utf-8", body.p,
		 body.len)) != TK_OK ||
	    (rc = http_header(rs, "ETag", etag)) != TK_OK || (rc = http_header(rs, "Last-Modified", date)) != TK_OK ||
	    (rc = http_header(rs, "Cache-Control", "public, max-age=60")) != TK_OK)
		goto out;
	/* RFC 9110 13.2.2: If-None-Match when present, otherwise If-Modified-Since. */
	inm = http_header_get(rq, "If-None-Match");
	ims = http_header_get(rq, "If-Modified-Since");
	if (inm != NULL ? etag_listed(inm, etag) : ims != NULL && http_date_parse(ims) >= updated && http_date_parse(ims) >= 0) {
		rs->status = 304;
		buf_reset(&rs->body);
	}
out:
	buf_free(&body);
	return rc;
}

enum tk_err h_notices_atom(struct http_req *rq, struct http_resp *rs) { return feed(rq, rs, NOTICE_FEED_ATOM); }
enum tk_err h_notices_json(struct http_req *rq, struct http_resp *rs) { return feed(rq, rs, NOTICE_FEED_JSON); }

/* ------------------------------------------------------------ /api/v1/notices */

/* Renders what a service call made (*txt, freed here) once the call has returned rc. */
static enum tk_err answer(struct http_resp *rs, unsigned status, enum tk_err rc, char **txt)
{
	char *t = *txt;

	*txt = NULL;
	if (rc != TK_OK) {
		free(t);
		return rc;
	}
	if ((rc = http_json_text(rs, status, t)) != TK_OK)
		return rc;
	return http_header(rs, "Cache-Control", "no-store");
}

enum tk_err h_notices_list(struct http_req *rq, struct http_resp *rs)
{
	char *txt = NULL;

	enum tk_err rc = notice_list(&rq->ctx, http_query_get(rq, "status"), &txt);

	return answer(rs, 200, rc, &txt);
}

enum tk_err h_notice_get(struct http_req *rq, struct http_resp *rs)
{
	char *txt = NULL;
	int64_t id = 0;
	enum tk_err rc;

	if ((rc = http_id_param(rq->params[0], &id)) != TK_OK)
		return rc;
	rc = notice_get(&rq->ctx, id, &txt);
	return answer(rs, 200, rc, &txt);
}

/* The fields of a notice in a JSON body (shape only; the service checks values and limits). */
static enum tk_err notice_fields(json_t *j, struct notice_in *in)
{
	enum tk_err rc;

	memset(in, 0, sizeof(*in));
	if ((rc = http_json_str(j, "category", 0, 64, &in->category)) != TK_OK || (rc = http_json_str(j, "severity", 0, 64, &in->severity)) != TK_OK ||
	    (rc = http_json_str(j, "title_id", 0, MAX_JSON_BODY, &in->title_id)) != TK_OK ||
	    (rc = http_json_str(j, "title_en", 0, MAX_JSON_BODY, &in->title_en)) != TK_OK ||
	    (rc = http_json_str(j, "body_id", 0, MAX_JSON_BODY, &in->body_id)) != TK_OK ||
	    (rc = http_json_str(j, "body_en", 0, MAX_JSON_BODY, &in->body_en)) != TK_OK)
		return rc;
	return http_json_str(j, "effective_on", 0, 64, &in->effective_on);
}

enum tk_err h_notices_create(struct http_req *rq, struct http_resp *rs)
{
	struct notice_in in;
	json_t *j = NULL;
	char *txt = NULL;
	enum tk_err rc;

	if ((rc = http_body_json(rq, &j)) != TK_OK)
		return rc;
	if ((rc = notice_fields(j, &in)) == TK_OK)
		rc = notice_create(&rq->ctx, &in, &txt);
	json_decref(j);
	return answer(rs, 201, rc, &txt);
}

enum tk_err h_notice_update(struct http_req *rq, struct http_resp *rs)
{
	struct notice_in in;
	json_t *j = NULL;
	char *txt = NULL;
	int64_t id = 0;
	enum tk_err rc;

	if ((rc = http_id_param(rq->params[0], &id)) != TK_OK || (rc = http_body_json(rq, &j)) != TK_OK)
		return rc;
	if ((rc = notice_fields(j, &in)) == TK_OK)
		rc = notice_update(&rq->ctx, id, &in, &txt);
	json_decref(j);
	return answer(rs, 200, rc, &txt);
}

/* POST /api/v1/notices/{id}/{publish|withdraw|acknowledge}: an optional JSON body ({reason} or {note}). */
static enum tk_err state(struct http_req *rq, struct http_resp *rs, const char *what)
{
	json_t *j = NULL;
	const char *text = NULL;
	char *txt = NULL;
	int64_t id = 0;
	enum tk_err rc;

	if ((rc = http_id_param(rq->params[0], &id)) != TK_OK)
		return rc;
	if (rq->body.len > 0) {
		if ((rc = http_body_json(rq, &j)) != TK_OK)
			return rc;
		if ((rc = http_json_str(j, strcmp(what, "acknowledge") == 0 ? "note" : "reason", 0, NOTICE_MAX_NOTE + 1, &text)) != TK_OK) {
			json_decref(j);
			return rc;
		}
	}
	if (strcmp(what, "publish") == 0)
		rc = notice_publish(&rq->ctx, id, &txt);
	else if (strcmp(what, "withdraw") == 0)
		rc = notice_withdraw(&rq->ctx, id, text, &txt);
	else
		rc = notice_ack(&rq->ctx, id, text, &txt);
	json_decref(j);
	return answer(rs, 200, rc, &txt);
}

enum tk_err h_notice_publish(struct http_req *rq, struct http_resp *rs) { return state(rq, rs, "publish"); }
enum tk_err h_notice_withdraw(struct http_req *rq, struct http_resp *rs) { return state(rq, rs, "withdraw"); }
enum tk_err h_notice_acknowledge(struct http_req *rq, struct http_resp *rs) { return state(rq, rs, "acknowledge"); }

/* ------------------------------------------------------------ /api/v1/webhooks */

enum tk_err h_webhooks_list(struct http_req *rq, struct http_resp *rs)
{
	char *txt = NULL;

	enum tk_err rc = webhook_list(&rq->ctx, &txt);

	return answer(rs, 200, rc, &txt);
}

enum tk_err h_webhooks_create(struct http_req *rq, struct http_resp *rs)
{
	json_t *j = NULL;
	const char *url = NULL, *desc = NULL;
	char *txt = NULL;
	enum tk_err rc;

	if ((rc = http_body_json(rq, &j)) != TK_OK)
		return rc;
	if ((rc = http_json_str(j, "url", 1, WEBHOOK_MAX_URL + 1, &url)) == TK_OK && (rc = http_json_str(j, "description", 0, WEBHOOK_MAX_DESC + 1, &desc)) == TK_OK)
		rc = webhook_create(&rq->ctx, url, desc, &txt);
	json_decref(j);
	return answer(rs, 201, rc, &txt);
}

enum tk_err h_webhook_update(struct http_req *rq, struct http_resp *rs)
{
	json_t *j = NULL, *a;
	const char *url = NULL, *desc = NULL;
	char *txt = NULL;
	int64_t id = 0;
	int active = -1;
	enum tk_err rc;

	if ((rc = http_id_param(rq->params[0], &id)) != TK_OK || (rc = http_body_json(rq, &j)) != TK_OK)
		return rc;
	a = json_object_get(j, "active");
	if (a != NULL && !json_is_boolean(a))
		rc = tk_fail_code(TK_ERR_INVALID, "invalid_field", "active must be true or false");
	else if (a != NULL)
		active = json_is_true(a) ? 1 : 0;
	if (rc == TK_OK && (rc = http_json_str(j, "url", 0, WEBHOOK_MAX_URL + 1, &url)) == TK_OK &&
	    (rc = http_json_str(j, "description", 0, WEBHOOK_MAX_DESC + 1, &desc)) == TK_OK)
		rc = webhook_update(&rq->ctx, id, url, desc, active, &txt);
	json_decref(j);
	return answer(rs, 200, rc, &txt);
}

enum tk_err h_webhook_delete(struct http_req *rq, struct http_resp *rs)
{
	int64_t id = 0;
	enum tk_err rc;

	if ((rc = http_id_param(rq->params[0], &id)) != TK_OK || (rc = webhook_delete(&rq->ctx, id)) != TK_OK)
		return rc;
	return http_json(rs, 200, json_pack("{s:I, s:b}", "id", (json_int_t)id, "deleted", 1));
}

/* POST /api/v1/webhooks/{id}/{rotate|test}, GET .../deliveries */
static enum tk_err hook_op(struct http_req *rq, struct http_resp *rs, enum tk_err (*fn)(struct svc_ctx *, int64_t, char **))
{
	char *txt = NULL;
	int64_t id = 0;
	enum tk_err rc;

	if ((rc = http_id_param(rq->params[0], &id)) != TK_OK)
		return rc;
	rc = fn(&rq->ctx, id, &txt);
	return answer(rs, 200, rc, &txt);
}

enum tk_err h_webhook_rotate(struct http_req *rq, struct http_resp *rs) { return hook_op(rq, rs, webhook_rotate); }
enum tk_err h_webhook_test(struct http_req *rq, struct http_resp *rs) { return hook_op(rq, rs, webhook_test); }
enum tk_err h_webhook_deliveries(struct http_req *rq, struct http_resp *rs) { return hook_op(rq, rs, webhook_deliveries); }

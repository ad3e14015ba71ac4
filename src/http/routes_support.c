/*
 * Technical-support tickets (R12, docs/support.md): the staff and API
 * routes under /api/v1/tickets and the public page's routes under
 * /api/v1/public/tickets (open from the verify page, follow up by ref and
 * token). The service decides who sees and does what (svc/support).
 */
#include "http/multipart.h"
#include "http/ratelimit.h"
#include "http/routes.h"

#include "svc/support/support.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/*
 * Tickets the public page may open per client address and hour, on top of
 * the server's request rate: a ticket costs a verification and a stored
 * file.
 */
#define SUPPORT_PUBLIC_PER_HOUR 20u
#define SUPPORT_TOKEN_HEADER "X-Ticket-Token"

static struct http_window public_opened = HTTP_WINDOW_INIT(SUPPORT_PUBLIC_PER_HOUR, 3600);

/*
 * The fields of a new ticket from a JSON body, or from multipart text
 * parts plus the document in part 'file'. *fields holds the strings in (caller
 * decrefs); *form the parsed multipart (caller frees; in->file points into the body).
 */
static enum tk_err open_input(struct http_req *rq, struct support_open_in *in, json_t **fields, struct mp_form **form)
{
	static const char *const keys[] = { "category", "subject", "body", "document_id", "cert_serial", "unit", "name", "contact" };
	size_t i;
	enum tk_err rc;

	memset(in, 0, sizeof(*in));
	*fields = NULL;
	*form = NULL;
	if (http_ctype_is(rq->content_type, "multipart/form-data")) {
		const struct mp_part *f;
		if ((*form = calloc(1, sizeof(**form))) == NULL || (*fields = json_object()) == NULL)
			return tk_fail(TK_ERR_NOMEM, "out of memory");
		if ((rc = mp_parse(rq->content_type, rq->body.p, rq->body.len, *form)) != TK_OK)
			return rc;
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			const struct mp_part *p = mp_get(*form, keys[i]);
			json_t *v;
			if (p == NULL)
				continue;
			if (p->len > SUPPORT_MAX_TEXT)
				return tk_fail_code(TK_ERR_LIMIT, "too_long", "field '%s' is longer than %u bytes", keys[i], SUPPORT_MAX_TEXT);
			if ((v = json_stringn((const char *)p->data, p->len)) == NULL)
				return tk_fail_code(TK_ERR_INVALID, "invalid_field", "field '%s' is not UTF-8 text", keys[i]);
			if (json_object_set_new(*fields, keys[i], v) != 0)
				return tk_fail(TK_ERR_NOMEM, "out of memory");
		}
		if ((f = mp_get(*form, "file")) != NULL && f->len > 0) {
			in->file = f->data;
			in->file_len = f->len;
			in->file_name = f->filename;
		}
	} else if ((rc = http_body_json(rq, fields)) != TK_OK) {
		return rc;
	}
	/* Lengths are the service's to check (it names its limits); here only the shape. */
	if ((rc = http_json_str(*fields, "category", 0, SUPPORT_MAX_TEXT, &in->category)) != TK_OK ||
	    (rc = http_json_str(*fields, "subject", 0, SUPPORT_MAX_TEXT, &in->subject)) != TK_OK ||
	    (rc = http_json_str(*fields, "body", 0, SUPPORT_MAX_TEXT, &in->body)) != TK_OK ||
	    (rc = http_json_str(*fields, "document_id", 0, SUPPORT_MAX_TEXT, &in->document_id)) != TK_OK ||
	    (rc = http_json_str(*fields, "cert_serial", 0, SUPPORT_MAX_TEXT, &in->cert_serial)) != TK_OK ||
	    (rc = http_json_str(*fields, "unit", 0, SUPPORT_MAX_TEXT, &in->unit)) != TK_OK ||
	    (rc = http_json_str(*fields, "name", 0, SUPPORT_MAX_TEXT, &in->reporter_name)) != TK_OK ||
	    (rc = http_json_str(*fields, "contact", 0, SUPPORT_MAX_TEXT, &in->reporter_contact)) != TK_OK)
		return rc;
	return TK_OK;
}

static enum tk_err open_common(struct http_req *rq, struct http_resp *rs, int public_page)
{
	struct support_open_in in;
	struct mp_form *form = NULL;
	json_t *fields = NULL;
	char *txt = NULL;
	enum tk_err rc;

	if ((rc = open_input(rq, &in, &fields, &form)) == TK_OK && (rc = support_open(&rq->ctx, &in, public_page, &txt)) == TK_OK &&
	    (rc = http_json_text(rs, 201, txt)) == TK_OK)
		rc = http_header(rs, "Cache-Control", "no-store");
	json_decref(fields);
	free(form);
	return rc;
}

enum tk_err h_tickets_create(struct http_req *rq, struct http_resp *rs)
{
	return open_common(rq, rs, 0);
}

enum tk_err h_public_ticket_open(struct http_req *rq, struct http_resp *rs)
{
	if (!http_window_take(&public_opened, rq->ip, tk_now())) {
		enum tk_err rc = http_json(rs, 429, json_pack("{s:{s:s, s:s}}", "error", "code", "rate_limited", "message", "too many tickets from this address this hour; try again later"));
		return rc == TK_OK ? http_header(rs, "Retry-After", "3600") : rc;
	}
	return open_common(rq, rs, 1);
}

enum tk_err h_tickets_list(struct http_req *rq, struct http_resp *rs)
{
	char *txt = NULL;
	enum tk_err rc;

	if ((rc = support_list(&rq->ctx, http_query_get(rq, "status"), &txt)) != TK_OK)
		return rc;
	return http_json_text(rs, 200, txt);
}

enum tk_err h_tickets_summary(struct http_req *rq, struct http_resp *rs)
{
	const char *y = http_query_get(rq, "year");
	char *txt = NULL;
	int64_t year = 0;
	enum tk_err rc;

	if (y == NULL) {
		time_t wib = (time_t)(tk_now() + 7 * 3600);
		struct tm tm;
		year = gmtime_r(&wib, &tm) != NULL ? tm.tm_year + 1900 : 0;
	} else if (parse_i64_str(y, 2000, 9999, &year) != TK_OK) {
		return tk_fail_code(TK_ERR_INVALID, "invalid_year", "year must be 2000 to 9999");
	}
	if ((rc = support_summary(&rq->ctx, (int)year, &txt)) != TK_OK)
		return rc;
	return http_json_text(rs, 200, txt);
}

enum tk_err h_ticket_get(struct http_req *rq, struct http_resp *rs)
{
	char *txt = NULL;
	int64_t id = 0;
	enum tk_err rc;

	if ((rc = http_id_param(rq->params[0], &id)) != TK_OK || (rc = support_get(&rq->ctx, id, &txt)) != TK_OK)
		return rc;
	if ((rc = http_json_text(rs, 200, txt)) != TK_OK)
		return rc;
	return http_header(rs, "Cache-Control", "no-store");
}

/* POST /api/v1/tickets/{id}/{messages|assign|resolve|close} with a JSON body. */
static enum tk_err change(struct http_req *rq, struct http_resp *rs, const char *what)
{
	json_t *j = NULL;
	const char *v = NULL;
	char *txt = NULL;
	int64_t id = 0;
	enum tk_err rc;

	if ((rc = http_id_param(rq->params[0], &id)) != TK_OK)
		return rc;
	if (rq->body.len > 0 || strcmp(what, "close") != 0) {
		if ((rc = http_body_json(rq, &j)) != TK_OK)
			return rc;
	}
	if (strcmp(what, "messages") == 0) {
		if ((rc = http_json_str(j, "body", 1, SUPPORT_MAX_TEXT, &v)) == TK_OK)
			rc = support_reply(&rq->ctx, id, v, &txt);
	} else if (strcmp(what, "assign") == 0) {
		if ((rc = http_json_str(j, "assignee", 0, 64, &v)) == TK_OK)
			rc = support_assign(&rq->ctx, id, v, &txt);
	} else if (strcmp(what, "resolve") == 0) {
		if ((rc = http_json_str(j, "note", 1, SUPPORT_MAX_TEXT, &v)) == TK_OK)
			rc = support_resolve(&rq->ctx, id, v, &txt);
	} else {
		rc = support_close(&rq->ctx, id, &txt);
	}
	json_decref(j);
	if (rc != TK_OK)
		return rc;
	return http_json_text(rs, 200, txt);
}

enum tk_err h_ticket_reply(struct http_req *rq, struct http_resp *rs) { return change(rq, rs, "messages"); }
enum tk_err h_ticket_assign(struct http_req *rq, struct http_resp *rs) { return change(rq, rs, "assign"); }
enum tk_err h_ticket_resolve(struct http_req *rq, struct http_resp *rs) { return change(rq, rs, "resolve"); }
enum tk_err h_ticket_close(struct http_req *rq, struct http_resp *rs) { return change(rq, rs, "close"); }

enum tk_err h_ticket_file(struct http_req *rq, struct http_resp *rs)
{
	struct buf data;
	char *name = NULL, *mime = NULL;
	int64_t id = 0, fid = 0;
	enum tk_err rc;

	if ((rc = http_id_param(rq->params[0], &id)) != TK_OK || (rc = http_id_param(rq->params[1], &fid)) != TK_OK)
		return rc;
	buf_init(&data, SUPPORT_MAX_FILE);
	if ((rc = support_file(&rq->ctx, id, fid, &data, &name, &mime)) == TK_OK)
		rc = http_attachment(rs, "application/octet-stream", data.p, data.len, name);
	free(name);
	free(mime);
	buf_free(&data);
	return rc;
}

enum tk_err h_public_ticket_get(struct http_req *rq, struct http_resp *rs)
{
	char *txt = NULL;
	enum tk_err rc;

	if ((rc = support_public_get(&rq->ctx, rq->params[0], http_header_get(rq, SUPPORT_TOKEN_HEADER), &txt)) != TK_OK)
		return rc;
	if ((rc = http_json_text(rs, 200, txt)) != TK_OK)
		return rc;
	return http_header(rs, "Cache-Control", "no-store");
}

enum tk_err h_public_ticket_reply(struct http_req *rq, struct http_resp *rs)
{
	json_t *j = NULL;
	const char *token = NULL, *body = NULL;
	char *txt = NULL;
	enum tk_err rc;

	if ((rc = http_body_json(rq, &j)) != TK_OK)
		return rc;
	if ((rc = http_json_str(j, "token", 0, 2 * SUPPORT_TOKEN_BYTES, &token)) == TK_OK &&
	    (rc = http_json_str(j, "body", 1, SUPPORT_MAX_TEXT, &body)) == TK_OK) {
		if (token == NULL)
			token = http_header_get(rq, SUPPORT_TOKEN_HEADER);
		rc = support_public_reply(&rq->ctx, rq->params[0], token, body, &txt);
	}
	json_decref(j);
	if (rc != TK_OK)
		return rc;
	if ((rc = http_json_text(rs, 200, txt)) != TK_OK)
		return rc;
	return http_header(rs, "Cache-Control", "no-store");
}

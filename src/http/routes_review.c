/*
 * The implementation review (R11, docs/review.md): indicators, instrument
 * versions, reviews and their steps, evidence files, the report and its
 * signed copy. Admins and auditors; the service decides who may do which
 * step (svc/review).
 */
#include "http/multipart.h"
#include "http/routes.h"

#include "svc/review/review.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* txt by address: read after the service call that fills it has returned. */
static enum tk_err reply(struct http_resp *rs, unsigned status, enum tk_err rc, char **txt)
{
	if (rc != TK_OK)
		return rc;
	if ((rc = http_json_text(rs, status, *txt)) != TK_OK)
		return rc;
	return http_header(rs, "Cache-Control", "no-store");
}

enum tk_err h_review_indicators(struct http_req *rq, struct http_resp *rs)
{
	char *txt = NULL;

	return reply(rs, 200, review_indicators(&rq->ctx, &txt), &txt);
}

enum tk_err h_review_instruments_list(struct http_req *rq, struct http_resp *rs)
{
	char *txt = NULL;

	return reply(rs, 200, review_instrument_list(&rq->ctx, &txt), &txt);
}

/* The instrument JSON as the body (application/json). */
enum tk_err h_review_instruments_load(struct http_req *rq, struct http_resp *rs)
{
	char *txt = NULL;

	if (!http_ctype_is(rq->content_type, "application/json"))
		return tk_fail_code(TK_ERR_INVALID, "unsupported_media_type", "send the instrument as application/json");
	return reply(rs, 201, review_instrument_load(&rq->ctx, rq->body.p, rq->body.len, &txt), &txt);
}

enum tk_err h_review_instrument_get(struct http_req *rq, struct http_resp *rs)
{
	struct buf b;
	int64_t v = 0;
	enum tk_err rc;

	if ((rc = http_id_param(rq->params[0], &v)) != TK_OK)
		return rc;
	buf_init(&b, REVIEW_MAX_INSTRUMENT);
	if ((rc = review_instrument_get(&rq->ctx, v, &b)) == TK_OK && (rc = http_bytes(rs, 200, "application/json", b.p, b.len)) == TK_OK)
		rc = http_header(rs, "Cache-Control", "no-store");
	buf_free(&b);
	return rc;
}

enum tk_err h_reviews_list(struct http_req *rq, struct http_resp *rs)
{
	char *txt = NULL;

	return reply(rs, 200, review_list(&rq->ctx, &txt), &txt);
}

enum tk_err h_reviews_open(struct http_req *rq, struct http_resp *rs)
{
	json_t *j = NULL;
	char *txt = NULL;
	enum tk_err rc;

	if ((rc = http_body_json(rq, &j)) != TK_OK)
		return rc;
	rc = review_open(&rq->ctx, j, &txt);
	json_decref(j);
	return reply(rs, 201, rc, &txt);
}

enum tk_err h_review_get(struct http_req *rq, struct http_resp *rs)
{
	char *txt = NULL;
	int64_t id = 0;
	enum tk_err rc;

	if ((rc = http_id_param(rq->params[0], &id)) != TK_OK)
		return rc;
	return reply(rs, 200, review_get(&rq->ctx, id, &txt), &txt);
}

/* answers (ministry) and scores (reviewer): a JSON body each. */
static enum tk_err json_step(struct http_req *rq, struct http_resp *rs, enum tk_err (*fn)(struct svc_ctx *, int64_t, json_t *, char **))
{
	json_t *j = NULL;
	char *txt = NULL;
	int64_t id = 0;
	enum tk_err rc;

	if ((rc = http_id_param(rq->params[0], &id)) != TK_OK || (rc = http_body_json(rq, &j)) != TK_OK)
		return rc;
	rc = fn(&rq->ctx, id, j, &txt);
	json_decref(j);
	return reply(rs, 200, rc, &txt);
}

enum tk_err h_review_answers(struct http_req *rq, struct http_resp *rs)
{
	return json_step(rq, rs, review_answer);
}

enum tk_err h_review_scores(struct http_req *rq, struct http_resp *rs)
{
	return json_step(rq, rs, review_score);
}

static enum tk_err id_step(struct http_req *rq, struct http_resp *rs, enum tk_err (*fn)(struct svc_ctx *, int64_t, char **))
{
	char *txt = NULL;
	int64_t id = 0;
	enum tk_err rc;

	if ((rc = http_id_param(rq->params[0], &id)) != TK_OK)
		return rc;
	return reply(rs, 200, fn(&rq->ctx, id, &txt), &txt);
}

enum tk_err h_review_submit(struct http_req *rq, struct http_resp *rs)
{
	return id_step(rq, rs, review_submit);
}

enum tk_err h_review_close(struct http_req *rq, struct http_resp *rs)
{
	return id_step(rq, rs, review_close);
}

/* Evidence: multipart with parts 'indicator' (text) and 'file' (its name and type from the part). */
enum tk_err h_review_file_add(struct http_req *rq, struct http_resp *rs)
{
	struct mp_form *form = NULL;
	const struct mp_part *f, *ind;
	char indicator[REVIEW_MAX_ID + 1], *txt = NULL;
	int64_t id = 0;
	enum tk_err rc;

	if ((rc = http_id_param(rq->params[0], &id)) != TK_OK)
		return rc;
	if (!http_ctype_is(rq->content_type, "multipart/form-data"))
		return tk_fail_code(TK_ERR_INVALID, "unsupported_media_type", "send evidence as multipart/form-data with parts 'indicator' and 'file'");
	if ((form = calloc(1, sizeof(*form))) == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	if ((rc = mp_parse(rq->content_type, rq->body.p, rq->body.len, form)) != TK_OK)
		goto out;
	if ((f = mp_get(form, "file")) == NULL || f->filename[0] == '\0') {
		rc = tk_fail_code(TK_ERR_INVALID, "missing_field", "multipart part 'file' (with a file name) is required");
		goto out;
	}
	if ((ind = mp_get(form, "indicator")) == NULL || ind->len == 0 || ind->len > REVIEW_MAX_ID || memchr(ind->data, '\0', ind->len) != NULL) {
		rc = tk_fail_code(TK_ERR_INVALID, "missing_field", "multipart part 'indicator' (an indicator id) is required");
		goto out;
	}
	memcpy(indicator, ind->data, ind->len);
	indicator[ind->len] = '\0';
	{
		/* The type without parameters ("text/plain; charset=utf-8" is text/plain). */
		char mime[96];
		size_t n = strcspn(f->content_type, "; \t");
		memcpy(mime, f->content_type, n);
		mime[n] = '\0';
		if ((rc = review_file_add(&rq->ctx, id, indicator, f->filename, mime, f->data, f->len, &txt)) != TK_OK)
			goto out;
	}
	rc = reply(rs, 201, TK_OK, &txt);
out:
	free(form);
	return rc;
}

enum tk_err h_review_file_get(struct http_req *rq, struct http_resp *rs)
{
	struct buf b;
	char name[256], mime[128];
	int64_t id = 0, fid = 0;
	enum tk_err rc;

	if ((rc = http_id_param(rq->params[0], &id)) != TK_OK || (rc = http_id_param(rq->params[1], &fid)) != TK_OK)
		return rc;
	buf_init(&b, REVIEW_MAX_FILE);
	/* Served as an attachment, never inline. */
	if ((rc = review_file_get(&rq->ctx, id, fid, &b, name, mime)) == TK_OK)
		rc = http_attachment(rs, mime, b.p, b.len, name);
	buf_free(&b);
	return rc;
}

enum tk_err h_review_report_pdf(struct http_req *rq, struct http_resp *rs)
{
	struct buf pdf;
	char name[64];
	int64_t id = 0;
	enum tk_err rc;

	if ((rc = http_id_param(rq->params[0], &id)) != TK_OK)
		return rc;
	buf_init(&pdf, REVIEW_MAX_UPLOAD);
	if ((rc = review_report_pdf(&rq->ctx, id, &pdf)) == TK_OK && (rc = str_fmt(name, sizeof(name), "tinjauan-implementasi-%lld.pdf", (long long)id)) == TK_OK)
		rc = http_attachment(rs, "application/pdf", pdf.p, pdf.len, name);
	buf_free(&pdf);
	return rc;
}

/* The reviewer's signed report: an application/pdf body or the multipart part 'file'. */
enum tk_err h_review_report_signed(struct http_req *rq, struct http_resp *rs)
{
	struct mp_form *form = NULL;
	const uint8_t *p = NULL;
	size_t len = 0;
	char *txt = NULL;
	int64_t id = 0;
	enum tk_err rc;

	if ((rc = http_id_param(rq->params[0], &id)) != TK_OK)
		return rc;
	if ((rc = http_pdf_body(rq, "the signed report PDF", &form, &p, &len)) != TK_OK)
		goto out;
	if ((rc = review_signed_upload(&rq->ctx, id, p, len, &txt)) == TK_OK)
		rc = reply(rs, 200, TK_OK, &txt);
out:
	free(form);
	return rc;
}

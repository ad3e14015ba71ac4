/*
 * Security assessments (R6, docs/assessments.md): the issuer's requests,
 * the ministry's reports (multipart: the PDF 'file' and a JSON part
 * 'metadata'), the sealed file's download and the issuer's decision.
 * Admins and auditors; the service decides who does what (svc/assess).
 */
#include "http/multipart.h"
#include "http/routes.h"

#include "svc/assess/assess.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Confidential answers are not kept by browsers or proxies. */
static enum tk_err json_no_store(struct http_resp *rs, unsigned status, char *txt)
{
	enum tk_err rc;

	if ((rc = http_json_text(rs, status, txt)) != TK_OK)
		return rc;
	return http_header(rs, "Cache-Control", "no-store");
}

enum tk_err h_assessments_list(struct http_req *rq, struct http_resp *rs)
{
	char *txt = NULL;
	enum tk_err rc;

	if ((rc = assess_list(&rq->ctx, &txt)) != TK_OK)
		return rc;
	return json_no_store(rs, 200, txt);
}

enum tk_err h_assessments_request(struct http_req *rq, struct http_resp *rs)
{
	json_t *j = NULL;
	char *txt = NULL;
	enum tk_err rc;

	if ((rc = http_body_json(rq, &j)) != TK_OK)
		return rc;
	if ((rc = assess_request(&rq->ctx, j, &txt)) == TK_OK)
		rc = json_no_store(rs, 201, txt);
	json_decref(j);
	return rc;
}

enum tk_err h_assessment_get(struct http_req *rq, struct http_resp *rs)
{
	char *txt = NULL;
	int64_t id = 0;
	enum tk_err rc;

	if ((rc = http_id_param(rq->params[0], &id)) != TK_OK || (rc = assess_get(&rq->ctx, id, &txt)) != TK_OK)
		return rc;
	return json_no_store(rs, 200, txt);
}

/* multipart/form-data: 'file' (the PDF) and 'metadata' (a JSON object). */
enum tk_err h_assessment_upload(struct http_req *rq, struct http_resp *rs)
{
	struct mp_form *form = NULL;
	const struct mp_part *f, *m;
	json_t *meta = NULL;
	json_error_t jerr;
	char *txt = NULL;
	int64_t id = 0;
	enum tk_err rc;

	if ((rc = http_id_param(rq->params[0], &id)) != TK_OK)
		return rc;
	if (strncasecmp(rq->content_type, "multipart/form-data", 19) != 0)
		return tk_fail_code(TK_ERR_INVALID, "unsupported_media_type", "send the report as multipart/form-data: part 'file' (PDF) and part 'metadata' (JSON)");
	if ((form = calloc(1, sizeof(*form))) == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	if ((rc = mp_parse(rq->content_type, rq->body.p, rq->body.len, form)) != TK_OK)
		goto out;
	if ((f = mp_get(form, "file")) == NULL || f->len == 0) {
		rc = tk_fail_code(TK_ERR_INVALID, "missing_file", "multipart part 'file' (the report PDF) is required");
		goto out;
	}
	if ((m = mp_get(form, "metadata")) == NULL) {
		rc = tk_fail_code(TK_ERR_INVALID, "missing_field", "multipart part 'metadata' (a JSON object) is required");
		goto out;
	}
	if (m->len > ASSESS_MAX_META) {
		rc = tk_fail_code(TK_ERR_LIMIT, "too_large", "part 'metadata' is larger than %u bytes", ASSESS_MAX_META);
		goto out;
	}
	if ((meta = json_loadb((const char *)m->data, m->len, JSON_REJECT_DUPLICATES, &jerr)) == NULL || !json_is_object(meta)) {
		/* Position only: jansson's text quotes the input, which may hold findings. */
		rc = tk_fail_code(TK_ERR_INVALID, "invalid_json", "part 'metadata' is not a JSON object (%s line %d, column %d)",
		    meta == NULL ? "syntax error at" : "a JSON value but not an object, at", jerr.line, jerr.column);
		goto out;
	}
	if ((rc = assess_upload(&rq->ctx, id, meta, f->filename, f->data, f->len, &txt)) == TK_OK)
		rc = json_no_store(rs, 201, txt);
out:
	json_decref(meta);
	free(form);
	return rc;
}

/* The report file (?version=N, default the latest), as an attachment. */
enum tk_err h_assessment_file(struct http_req *rq, struct http_resp *rs)
{
	struct buf pdf;
	char fname[ASSESS_MAX_TITLE + 1];
	const char *vs = http_query_get(rq, "version");
	uint64_t v = 0;
	int64_t id = 0;
	enum tk_err rc;

	if ((rc = http_id_param(rq->params[0], &id)) != TK_OK)
		return rc;
	if (vs != NULL && (parse_u64_str(vs, INT64_MAX, &v) != TK_OK || v == 0))
		return tk_fail_code(TK_ERR_INVALID, "invalid_version", "version must be a positive number");
	buf_init(&pdf, (size_t)ASSESS_MAX_FILE + 1024);
	if ((rc = assess_file(&rq->ctx, id, (int64_t)v, &pdf, fname)) == TK_OK)
		rc = http_attachment(rs, "application/pdf", pdf.p, pdf.len, fname);
	buf_free(&pdf);
	return rc;
}

static enum tk_err decide(struct http_req *rq, struct http_resp *rs, int accept)
{
	json_t *j = NULL;
	const char *reason = NULL;
	char *txt = NULL;
	int64_t id = 0;
	enum tk_err rc;

	if ((rc = http_id_param(rq->params[0], &id)) != TK_OK)
		return rc;
	if (rq->body.len > 0) {
		if ((rc = http_body_json(rq, &j)) != TK_OK)
			return rc;
		if (json_object_get(j, "reason") != NULL && !json_is_string(json_object_get(j, "reason"))) {
			json_decref(j);
			return tk_fail_code(TK_ERR_INVALID, "invalid_field", "reason must be a string");
		}
		reason = json_string_value(json_object_get(j, "reason"));
	}
	if ((rc = assess_decide(&rq->ctx, id, accept, reason, &txt)) == TK_OK)
		rc = json_no_store(rs, 200, txt);
	json_decref(j);
	return rc;
}

enum tk_err h_assessment_accept(struct http_req *rq, struct http_resp *rs) { return decide(rq, rs, 1); }
enum tk_err h_assessment_return(struct http_req *rq, struct http_resp *rs) { return decide(rq, rs, 0); }

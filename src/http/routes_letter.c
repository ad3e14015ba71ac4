/*
 * Signed correspondence (R15, docs/agreements.md "Correspondence"):
 * /api/v1/letters. Handlers decode, call one svc/letter function, encode;
 * the service decides who may do what.
 */
#include "http/multipart.h"
#include "http/routes.h"

#include "svc/letter/letter.h"

#include <stdlib.h>
#include <string.h>

enum tk_err h_letters_list(struct http_req *rq, struct http_resp *rs)
{
	struct letter_filter f;
	const char *ag = http_query_get(rq, "agreement_id"), *mine = http_query_get(rq, "mine");
	char *txt = NULL;
	enum tk_err rc;

	memset(&f, 0, sizeof(f));
	if (ag != NULL && ag[0] != '\0' && (rc = http_id_param(ag, &f.agreement_id)) != TK_OK)
		return rc;
	f.kind = http_query_get(rq, "kind");
	f.status = http_query_get(rq, "status");
	f.direction = http_query_get(rq, "direction");
	f.mine = mine != NULL && strcmp(mine, "1") == 0;
	if ((rc = letter_list(&rq->ctx, &f, &txt)) != TK_OK)
		return rc;
	if ((rc = http_json_text(rs, 200, txt)) != TK_OK)
		return rc;
	return http_header(rs, "Cache-Control", "no-store");
}

enum tk_err h_letter_get(struct http_req *rq, struct http_resp *rs)
{
	return http_call_id(rq, rs, letter_get);
}

enum tk_err h_letter_deadline(struct http_req *rq, struct http_resp *rs)
{
	char *txt = NULL;
	enum tk_err rc;

	if ((rc = letter_deadline_hint(&rq->ctx, http_query_get(rq, "kind"), http_query_get(rq, "event_date"), http_query_get(rq, "letter_date"), &txt)) !=
	    TK_OK)
		return rc;
	return http_json_text(rs, 200, txt);
}

enum tk_err h_letters_create(struct http_req *rq, struct http_resp *rs)
{
	return http_call_json(rq, rs, 201, letter_draft);
}

enum tk_err h_letter_update(struct http_req *rq, struct http_resp *rs)
{
	return http_call_id_json(rq, rs, 200, letter_update);
}

enum tk_err h_letter_preview(struct http_req *rq, struct http_resp *rs)
{
	struct buf pdf;
	char name[64];
	int64_t id = 0;
	enum tk_err rc;

	if ((rc = http_id_param(rq->params[0], &id)) != TK_OK)
		return rc;
	buf_init(&pdf, LETTER_MAX_PDF);
	if ((rc = letter_preview(&rq->ctx, id, &pdf)) == TK_OK && (rc = str_fmt(name, sizeof(name), "pratinjau-surat-%lld.pdf", (long long)id)) == TK_OK)
		rc = http_attachment(rs, "application/pdf", pdf.p, pdf.len, name);
	buf_free(&pdf);
	return rc;
}

enum tk_err h_letter_sign(struct http_req *rq, struct http_resp *rs)
{
	json_t *j = NULL;
	const char *pp = NULL;
	char *txt = NULL;
	int64_t id = 0;
	enum tk_err rc;

	if ((rc = http_id_param(rq->params[0], &id)) != TK_OK || (rc = http_body_json(rq, &j)) != TK_OK)
		return rc;
	if ((rc = http_json_str(j, "passphrase", 1, 256, &pp)) == TK_OK && (rc = letter_sign(&rq->ctx, id, pp, &txt)) == TK_OK)
		rc = http_json_text(rs, 200, txt);
	json_decref(j);
	return rc;
}

enum tk_err h_letter_send(struct http_req *rq, struct http_resp *rs)
{
	return http_call_id(rq, rs, letter_send);
}

enum tk_err h_letter_ack(struct http_req *rq, struct http_resp *rs)
{
	json_t *j = NULL;
	char *txt = NULL;
	int64_t id = 0;
	enum tk_err rc;

	if ((rc = http_id_param(rq->params[0], &id)) != TK_OK)
		return rc;
	if (rq->body.len > 0 && (rc = http_body_json(rq, &j)) != TK_OK)
		return rc;
	if ((rc = letter_ack(&rq->ctx, id, j, &txt)) == TK_OK)
		rc = http_json_text(rs, 200, txt);
	json_decref(j);
	return rc;
}

/* multipart: part 'meta' (a JSON object) and part 'file' (the PDF). */
enum tk_err h_letters_incoming(struct http_req *rq, struct http_resp *rs)
{
	struct mp_form *form = NULL;
	const struct mp_part *meta, *file;
	json_t *j = NULL;
	json_error_t je;
	char *txt = NULL;
	enum tk_err rc;

	if (!http_ctype_is(rq->content_type, "multipart/form-data"))
		return tk_fail_code(TK_ERR_INVALID, "invalid_body", "send multipart/form-data with parts 'meta' (JSON) and 'file' (the PDF)");
	if ((form = calloc(1, sizeof(*form))) == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	if ((rc = mp_parse(rq->content_type, rq->body.p, rq->body.len, form)) != TK_OK)
		goto out;
	meta = mp_get(form, "meta");
	file = mp_get(form, "file");
	if (meta == NULL || file == NULL) {
		rc = tk_fail_code(TK_ERR_INVALID, "missing_field", "parts 'meta' (JSON) and 'file' (the PDF) are required");
		goto out;
	}
	j = json_loadb((const char *)meta->data, meta->len, JSON_REJECT_DUPLICATES, &je);
	if (!json_is_object(j)) {
		rc = tk_fail_code(TK_ERR_INVALID, "invalid_json", "part 'meta' must be a JSON object");
		goto out;
	}
	if ((rc = letter_incoming(&rq->ctx, j, file->data, file->len, &txt)) == TK_OK)
		rc = http_json_text(rs, 201, txt);
out:
	json_decref(j);
	free(form);
	return rc;
}

/* multipart part 'file' (the evidence, PDF/PNG/JPEG/text). */
enum tk_err h_letter_evidence_add(struct http_req *rq, struct http_resp *rs)
{
	struct mp_form *form = NULL;
	const struct mp_part *file;
	struct files_in fi;
	char *txt = NULL;
	int64_t id = 0;
	enum tk_err rc;

	if ((rc = http_id_param(rq->params[0], &id)) != TK_OK)
		return rc;
	if (!http_ctype_is(rq->content_type, "multipart/form-data"))
		return tk_fail_code(TK_ERR_INVALID, "invalid_body", "send multipart/form-data with part 'file'");
	if ((form = calloc(1, sizeof(*form))) == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	if ((rc = mp_parse(rq->content_type, rq->body.p, rq->body.len, form)) != TK_OK)
		goto out;
	if ((file = mp_get(form, "file")) == NULL) {
		rc = tk_fail_code(TK_ERR_INVALID, "missing_field", "part 'file' is required");
		goto out;
	}
	fi.filename = file->filename;
	fi.mime = file->content_type;
	fi.p = file->data;
	fi.len = file->len;
	if ((rc = letter_evidence_add(&rq->ctx, id, &fi, &txt)) == TK_OK)
		rc = http_json_text(rs, 201, txt);
out:
	free(form);
	return rc;
}

enum tk_err h_letter_evidence_get(struct http_req *rq, struct http_resp *rs)
{
	struct buf b;
	char name[FILES_MAX_NAME + 1], mime[32];
	int64_t id = 0, fid = 0;
	enum tk_err rc;

	if ((rc = http_id_param(rq->params[0], &id)) != TK_OK || (rc = http_id_param(rq->params[1], &fid)) != TK_OK)
		return rc;
	buf_init(&b, LETTER_MAX_EVIDENCE);
	if ((rc = letter_evidence_get(&rq->ctx, id, fid, &b, name, mime)) == TK_OK)
		rc = http_attachment(rs, mime, b.p, b.len, name);
	buf_free(&b);
	return rc;
}

enum tk_err h_letter_pdf(struct http_req *rq, struct http_resp *rs)
{
	struct buf b;
	char name[80];
	int64_t id = 0;
	enum tk_err rc;

	if ((rc = http_id_param(rq->params[0], &id)) != TK_OK)
		return rc;
	buf_init(&b, LETTER_MAX_PDF);
	if ((rc = letter_pdf(&rq->ctx, id, &b, name)) == TK_OK)
		rc = http_attachment(rs, "application/pdf", b.p, b.len, name);
	buf_free(&b);
	return rc;
}

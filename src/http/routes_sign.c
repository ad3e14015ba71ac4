/* Signing over HTTP: PAdES, CAdES and batches. */
#include "http/routes.h"

#include "http/multipart.h"
#include "pades/pades.h"
#include "svc/sign/sign.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum tk_err routes_sign_options(const struct http_req *rq, json_t *j, struct sign_in *in)
{
	json_t *vis = json_object_get(j, "visible"), *v;
	const char *s = NULL;
	enum tk_err rc;

	in->page = SIZE_MAX;
	if ((rc = http_json_str(j, "passphrase", 0, 256, &in->passphrase)) != TK_OK || (rc = http_json_str(j, "nik", 0, 16, &in->nik)) != TK_OK ||
	    (rc = http_json_str(j, "level", 0, 8, &in->level)) != TK_OK || (rc = http_json_str(j, "field", 0, 100, &in->field)) != TK_OK ||
	    (rc = http_json_str(j, "reason", 0, 200, &in->reason)) != TK_OK || (rc = http_json_str(j, "location", 0, 200, &in->location)) != TK_OK ||
	    (rc = http_json_str(j, "unit", 0, 200, &s)) != TK_OK)
		return rc;
	if ((v = json_object_get(j, "new_field")) != NULL) {
		if (!json_is_boolean(v))
			return tk_fail_code(TK_ERR_INVALID, "invalid_field", "new_field must be true or false");
		in->new_field = json_is_true(v);
	}
	if ((v = json_object_get(j, "certify")) != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 3)
			return tk_fail_code(TK_ERR_INVALID, "invalid_field", "certify must be 1, 2 or 3");
		in->docmdp = (int)json_integer_value(v);
	}
	if (vis != NULL && !json_is_null(vis)) {
		static const char *const k[4] = { "x", "y", "w", "h" };
		json_t *pg = json_object_get(vis, "page");
		size_t i;
		if (!json_is_object(vis))
			return tk_fail_code(TK_ERR_INVALID, "invalid_field", "visible must be {page, x, y, w, h} or {anchor, page?, w?, h?}");
		if (pg != NULL && !(json_is_integer(pg) && json_integer_value(pg) >= 1 && json_integer_value(pg) <= 100000))
			return tk_fail_code(TK_ERR_INVALID, "invalid_field", "visible.page must be a page number from 1");
		in->page = pg ? (size_t)json_integer_value(pg) - 1 : SIZE_MAX;
		/* An anchor text places the stamp (its lower-left corner at the text): x and y are not used, w and h default. */
		if ((rc = http_json_str(vis, "anchor", 0, 64, &in->anchor)) != TK_OK)
			return rc;
		if (in->anchor != NULL && in->anchor[0] == '\0')
			return tk_fail_code(TK_ERR_INVALID, "invalid_field", "visible.anchor must be 1 to 64 characters");
		for (i = 0; i < 4; i++) {
			json_t *n = json_object_get(vis, k[i]);
			if (in->anchor != NULL && n == NULL) {
				in->rect[i] = i == 2 ? 220 : i == 3 ? 80
								    : 0;
				continue;
			}
			if (!json_is_number(n) || json_number_value(n) < 0 || json_number_value(n) > 20000)
				return tk_fail_code(TK_ERR_INVALID, "invalid_field", "visible.%s must be a number of points", k[i]);
			in->rect[i] = json_number_value(n);
		}
		in->visible = 1;
	}
	/* Who may sign with what is the service's decision (sign_document); this only passes the request on. */
	in->unit = s;
	if (in->nik == NULL && rq->ctx.actor.kind == ACTOR_APPLICATION) {
		in->seal = 1;
		in->passphrase = NULL;
		if ((rc = http_json_str(j, "seal_key", 0, 60, &in->seal_key)) != TK_OK)
			return rc;
	}
	return TK_OK;
}

enum tk_err routes_form_options(const struct mp_form *f, json_t **out)
{
	const struct mp_part *o = mp_get(f, "options");
	json_error_t e;

	memset(&e, 0, sizeof(e));
	*out = o == NULL ? json_object() : json_loadb((const char *)o->data, o->len, JSON_REJECT_DUPLICATES, &e);
	if (*out == NULL && (o == NULL || json_error_code(&e) == json_error_out_of_memory))
		return tk_fail(TK_ERR_NOMEM, "out of memory reading part 'options'");
	if (*out == NULL || !json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return tk_fail_code(TK_ERR_INVALID, "malformed_json", "part 'options' is not a JSON object");
	}
	return TK_OK;
}

static void wipe_json_secret(json_t *j)
{
	json_t *pp = json_object_get(j, "passphrase");

	if (json_is_string(pp))
		OPENSSL_cleanse((void *)json_string_value(pp), json_string_length(pp));
}

static enum tk_err sign_one(struct http_req *rq, struct http_resp *rs, int cades)
{
	struct mp_form *form = calloc(1, sizeof(*form));
	const struct mp_part *file, *img;
	json_t *opts = NULL;
	struct sign_in in;
	struct sign_out out;
	enum tk_err rc;

	memset(&in, 0, sizeof(in));
	if (form == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	if ((rc = mp_parse(rq->content_type, rq->body.p, rq->body.len, form)) != TK_OK || (rc = routes_form_options(form, &opts)) != TK_OK)
		goto out;
	if ((file = mp_get(form, "file")) == NULL || file->len == 0) {
		rc = tk_fail_code(TK_ERR_INVALID, "missing_field", "multipart part 'file' is required");
		goto out;
	}
	if ((rc = routes_sign_options(rq, opts, &in)) != TK_OK)
		goto out;
	in.data = file->data;
	in.len = file->len;
	in.cades = cades;
	in.filename = file->filename;
	if ((img = mp_get(form, "image")) != NULL && img->len > 0) {
		if (!in.visible) {
			rc = tk_fail_code(TK_ERR_INVALID, "invalid_field", "a signature image needs a visible stamp (options.visible)");
			goto out;
		}
		in.image = img->data;
		in.image_len = img->len;
	}
	if ((rc = sign_document(&rq->ctx, &in, &out)) != TK_OK)
		goto out;
	if (cades)
		rc = http_bytes(rs, 200, "application/pkcs7-signature", out.out.p, out.out.len);
	else {
		/* The signed PDF: the original bytes followed by the new revision. */
		rc = http_bytes(rs, 200, "application/pdf", file->data, file->len);
		if (rc == TK_OK)
			rc = buf_append(&rs->body, out.out.p, out.out.len);
	}
	if (rc == TK_OK && (rc = http_header(rs, "X-Document-Id", out.document_id)) == TK_OK)
		rc = http_header(rs, "X-Signature-Level", out.level);
	buf_free(&out.out);
out:
	if (opts != NULL)
		wipe_json_secret(opts);
	json_decref(opts);
	free(form);
	return rc;
}

enum tk_err h_sign_pdf(struct http_req *rq, struct http_resp *rs) { return sign_one(rq, rs, 0); }
enum tk_err h_sign_cades(struct http_req *rq, struct http_resp *rs) { return sign_one(rq, rs, 1); }

/* Base64 (RFC 4648) of a then b, as one JSON string. */
static json_t *b64_json(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	struct buf joined, enc;
	json_t *j = NULL;

	buf_init(&joined, alen + blen + 1);
	buf_init(&enc, 4 * ((alen + blen + 2) / 3) + 1);
	if (buf_append(&joined, a, alen) == TK_OK && buf_append(&joined, b, blen) == TK_OK && b64_encode(joined.p, joined.len, &enc) == TK_OK)
		j = json_stringn((const char *)enc.p, enc.len);
	buf_free(&joined);
	buf_free(&enc);
	return j;
}

/* Many PDFs in one request ("file" parts), one passphrase, one result each. */
enum tk_err h_sign_batch(struct http_req *rq, struct http_resp *rs)
{
	struct mp_form *form = calloc(1, sizeof(*form));
	json_t *opts = NULL, *results = NULL;
	struct sign_in base;
	size_t i, n = 0, ok = 0;
	enum tk_err rc;

	memset(&base, 0, sizeof(base));
	if (form == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	if ((rc = mp_parse(rq->content_type, rq->body.p, rq->body.len, form)) != TK_OK || (rc = routes_form_options(form, &opts)) != TK_OK ||
	    (rc = routes_sign_options(rq, opts, &base)) != TK_OK)
		goto out;
	results = json_array();
	for (i = 0; i < form->n; i++) {
		const struct mp_part *p = &form->parts[i];
		struct sign_in in = base;
		struct sign_out out;
		json_t *r;
		if (strcmp(p->name, "file") != 0)
			continue;
		n++;
		in.data = p->data;
		in.len = p->len;
		in.filename = p->filename;
		tk_clear_error();
		rc = sign_document(&rq->ctx, &in, &out);
		if (rc == TK_OK) {
			r = json_pack("{s:s, s:b, s:s, s:s, s:o}", "filename", p->filename, "ok", 1, "document_id", out.document_id, "level",
			    out.level, "pdf_base64", b64_json(p->data, p->len, out.out.p, out.out.len));
			buf_free(&out.out);
			ok++;
		} else {
			struct http_public_error pe;
			http_error_public_last(rc, &pe);
			r = json_pack("{s:s, s:b, s:{s:s, s:s}}", "filename", p->filename, "ok", 0, "error", "code", pe.code, "message", pe.message);
			/* A wrong passphrase stops the batch: the next tries would only lock the key. */
			if (strcmp(pe.code, "passphrase_invalid") == 0) {
				json_array_append_new(results, r);
				break;
			}
		}
		json_array_append_new(results, r);
	}
	if (n == 0) {
		rc = tk_fail_code(TK_ERR_INVALID, "missing_field", "at least one multipart part 'file' is required");
		goto out;
	}
	rc = http_json(rs, 200, json_pack("{s:I, s:I, s:o}", "files", (json_int_t)n, "signed", (json_int_t)ok, "results", results));
	results = NULL;
out:
	json_decref(results);
	if (opts != NULL)
		wipe_json_secret(opts);
	json_decref(opts);
	free(form);
	return rc;
}

/* The signature fields of a PDF (the body, or multipart part "file"): where a signature can go. */
enum tk_err h_fields(struct http_req *rq, struct http_resp *rs)
{
	struct mp_form *form = NULL;
	struct pades_field *f = NULL;
	const uint8_t *data = rq->body.p;
	size_t len = rq->body.len, n = 0;
	json_t *arr = NULL;
	enum tk_err rc;

	if (rq->content_type != NULL && strncasecmp(rq->content_type, "multipart/form-data", 19) == 0) {
		const struct mp_part *p;
		if ((form = calloc(1, sizeof(*form))) == NULL)
			return tk_fail(TK_ERR_NOMEM, "out of memory");
		if ((rc = mp_parse(rq->content_type, rq->body.p, rq->body.len, form)) != TK_OK)
			goto out;
		if ((p = mp_get(form, "file")) == NULL) {
			rc = tk_fail_code(TK_ERR_INVALID, "missing_field", "multipart part 'file' is required");
			goto out;
		}
		data = p->data;
		len = p->len;
	}
	if ((f = calloc(PADES_MAX_FIELDS, sizeof(*f))) == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = sign_fields(&rq->ctx, data, len, f, PADES_MAX_FIELDS, &n)) != TK_OK)
		goto out;
	if ((arr = sign_fields_json(f, n)) == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
		goto out;
	}
	rc = http_json(rs, 200, arr);
	arr = NULL;
out:
	json_decref(arr);
	free(form);
	free(f);
	return rc;
}

/* The official's history: GET /api/v1/me/documents?q=&from=&to=&channel=&application=&limit=&before= */
enum tk_err h_my_documents(struct http_req *rq, struct http_resp *rs)
{
	struct sign_history_q q;
	const char *lim = http_query_get(rq, "limit");
	char *txt = NULL;
	enum tk_err rc;

	memset(&q, 0, sizeof(q));
	q.q = http_query_get(rq, "q");
	q.from = http_query_get(rq, "from");
	q.to = http_query_get(rq, "to");
	q.channel = http_query_get(rq, "channel");
	q.application = http_query_get(rq, "application");
	q.before = http_query_get(rq, "before");
	/* Empty form fields mean "any". */
	if (q.q != NULL && q.q[0] == '\0')
		q.q = NULL;
	if (q.from != NULL && q.from[0] == '\0')
		q.from = NULL;
	if (q.to != NULL && q.to[0] == '\0')
		q.to = NULL;
	if (q.channel != NULL && q.channel[0] == '\0')
		q.channel = NULL;
	if (q.application != NULL && q.application[0] == '\0')
		q.application = NULL;
	if (q.before != NULL && q.before[0] == '\0')
		q.before = NULL;
	if (lim != NULL && lim[0] != '\0' && (parse_u64_str(lim, SIGN_HISTORY_MAX, &q.limit) != TK_OK || q.limit == 0))
		return tk_fail_code(TK_ERR_INVALID, "invalid_limit", "limit must be 1 to %u", SIGN_HISTORY_MAX);
	if ((rc = sign_history_json(&rq->ctx, &q, &txt)) != TK_OK)
		return rc;
	return http_json_text(rs, 200, txt);
}

/* GET /api/v1/me/documents/{id}/file: the official's kept copy, with its original name. */
enum tk_err h_my_document_file(struct http_req *rq, struct http_resp *rs)
{
	struct buf out;
	char name[SIGN_FILENAME_MAX + 8], ctype[40];
	enum tk_err rc;

	buf_init(&out, MAX_PDF_BYTES);
	if ((rc = sign_my_file(&rq->ctx, rq->params[0], &out, name, ctype)) == TK_OK)
		rc = http_attachment(rs, ctype, out.p, out.len, name);
	buf_free(&out);
	return rc;
}

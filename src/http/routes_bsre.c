/*
 * Compatibility with the BSrE "Esign Client Service" API that government
 * applications call today (shared/reference/bsre-esign-client-api.md), so
 * an application can switch to teken by changing its base URL and its
 * Basic credentials. Only the application role may call these routes.
 *
 * v1: POST /api/sign/pdf (multipart) -> PDF bytes + header id_dokumen
 *     GET  /api/sign/download/{id}   -> PDF bytes (single use)
 *     GET  /api/user/status/{nik}    -> {status_code, status, message}
 * v2: POST /api/v2/sign/pdf (JSON)   -> {time, file:[base64...]}
 *     POST /api/v2/user/check/status -> {status_code, status, message}
 *     POST /api/v2/seal/pdf (JSON)   -> {time, file:[base64...]} with a unit seal
 *     GET  /api/v2/user/certificate/chain/{id} -> {success, data:[base64 DER...]}
 *     TOTP routes (seal activation, get/totp) -> 501 {error, status_code}
 * verify: POST /api/sign/verify (multipart signed_file), POST /api/v2/verify/pdf
 *     (JSON {file, password?}) -> the vendor's report shapes (svc/verify/verify_bsre.c)
 * Errors: HTTP 400 {"error":"Proses signing gagal : <message> <code>","status_code":400}
 * with the vendor's application codes 2011 (not registered) and 2031
 * (wrong passphrase) where they are known.
 */
#include "http/routes.h"

#include "http/multipart.h"
#include "svc/ra/ra.h"
#include "svc/sign/sign.h"
#include "svc/verify/verify_svc.h"
#include "pdf/pdf.h"

#include <openssl/crypto.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BSRE_KEEP_SECONDS 3600 /* v1 download window */

/* The status codes observed in the field; others are ours (documented in docs/bsre-compat.md). */
static int status_code_of(const char *status, int v2)
{
	static const struct {
		const char *s;
		int v1, v2;
	} m[] = {
		{ "ISSUE", 1111, 1111 },
		{ "NOT_REGISTERED", 1110, 2011 },
		{ "NO_CERTIFICATE", 1112, 2021 },
		{ "WAITING_FOR_VERIFICATION", 1113, 2022 },
		{ "SUSPEND", 1114, 2023 },
		{ "REVOKE", 1115, 2024 },
		{ "EXPIRED", 1116, 2025 },
	};
	size_t i;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (strcmp(m[i].s, status) == 0)
			return v2 ? m[i].v2 : m[i].v1;
	return 1006;
}

static const char *status_message(const char *status)
{
	if (strcmp(status, "ISSUE") == 0)
		return "User sudah terdaftar dan memiliki sertifikat dengan status ISSUE";
	if (strcmp(status, "NOT_REGISTERED") == 0)
		return "User belum terdaftar";
	if (strcmp(status, "NO_CERTIFICATE") == 0)
		return "User terdaftar tetapi belum memiliki sertifikat";
	if (strcmp(status, "WAITING_FOR_VERIFICATION") == 0)
		return "Permohonan sertifikat menunggu verifikasi";
	if (strcmp(status, "SUSPEND") == 0)
		return "Sertifikat sedang ditangguhkan";
	if (strcmp(status, "REVOKE") == 0)
		return "Sertifikat telah dicabut";
	return "Sertifikat telah kedaluwarsa";
}

/*
 * The vendor's error body; 2011/2031 codes at the end of the message. Our
 * own failures (store, I/O) keep the shape but say only that they happened,
 * with their 5xx status.
 */
static enum tk_err bsre_error(struct http_resp *rs, unsigned http_status, const char *what)
{
	const struct tk_error *e = tk_last_error();
	struct http_public_error pe;
	char msg[600];

	if (strcmp(e->code, "passphrase_invalid") == 0) {
		(void)!str_fmt(msg, sizeof(msg), "%s gagal : Passphrase anda salah 2031", what);
	} else if (strcmp(e->code, "not_registered") == 0) {
		(void)!str_fmt(msg, sizeof(msg), "%s gagal : User tidak terdaftar 2011", what);
	} else {
		http_error_public_last(e->err, &pe);
		if (pe.status >= 500)
			http_status = pe.status;
		(void)!str_fmt(msg, sizeof(msg), "%s gagal : %s", what, pe.message);
	}
	return http_json(rs, http_status, json_pack("{s:s, s:i}", "error", msg, "status_code", (int)http_status));
}

/* Finds the official by NIK or e-mail; an unusable certificate is an error here. */
static enum tk_err signer_of(struct http_req *rq, const char *nik, const char *email, int64_t *sid)
{
	char status[32];
	enum tk_err rc;

	if ((rc = ra_status(&rq->ctx, nik, email, status, sid)) != TK_OK)
		return rc;
	if (strcmp(status, "NOT_REGISTERED") == 0)
		return tk_fail_code(TK_ERR_NOT_FOUND, "not_registered", "user not registered");
	if (strcmp(status, "ISSUE") != 0)
		return tk_fail_code(TK_ERR_CONFLICT, "certificate_not_valid", "sertifikat berstatus %s", status);
	return TK_OK;
}

/* Reads an integer form field (decimal), with a default when absent. */
static enum tk_err form_num(const struct mp_form *f, const char *name, double dflt, double *out)
{
	const struct mp_part *p = mp_get(f, name);
	char tmp[32];
	char *end;

	if (p == NULL || p->len == 0) {
		*out = dflt;
		return TK_OK;
	}
	if (p->len >= sizeof(tmp))
		return tk_fail_code(TK_ERR_INVALID, "invalid_field", "%s is not a number", name);
	memcpy(tmp, p->data, p->len);
	tmp[p->len] = '\0';
	*out = strtod(tmp, &end);
	if (end == tmp || *end != '\0' || *out < 0 || *out > 20000)
		return tk_fail_code(TK_ERR_INVALID, "invalid_field", "%s is not a number", name);
	return TK_OK;
}

/* A form field as a NUL-terminated string in buf (at most sz-1 bytes). */
static const char *form_str(const struct mp_form *f, const char *name, char *buf, size_t sz)
{
	const struct mp_part *p = mp_get(f, name);

	if (p == NULL || p->len >= sz || memchr(p->data, '\0', p->len) != NULL)
		return NULL;
	memcpy(buf, p->data, p->len);
	buf[p->len] = '\0';
	return buf;
}

/* Visible placement shared by v1 and v2: page, x, y, w, h; tag placement is not supported. */
static enum tk_err placement(struct sign_in *in, const char *tampilan, double page, double x, double y, double w, double h, const char *tag)
{
	if (strcasecmp(tampilan, "invisible") == 0)
		return TK_OK;
	if (strcasecmp(tampilan, "visible") != 0)
		return tk_fail_code(TK_ERR_INVALID, "invalid_field", "tampilan must be visible or invisible");
	/* v2 numbers are any JSON number: bounded as v1's form fields are (and before the size_t conversion). */
	if (!(page >= 0 && page <= 20000 && x >= 0 && x <= 20000 && y >= 0 && y <= 20000 && w >= 0 && w <= 20000 && h >= 0 && h <= 20000))
		return tk_fail_code(TK_ERR_INVALID, "invalid_field", "page, position, width and height must be numbers from 0 to 20000");
	in->visible = 1;
	in->page = page >= 1 ? (size_t)page - 1 : 0;
	if (tag != NULL && tag[0] != '\0') {
		/* Placed at the tag character; a page given narrows the search. */
		in->anchor = tag;
		in->page = page >= 1 ? (size_t)page - 1 : SIZE_MAX;
	}
	in->rect[0] = x;
	in->rect[1] = y;
	in->rect[2] = w > 0 ? w : 200;
	in->rect[3] = h > 0 ? h : 80;
	return TK_OK;
}

enum tk_err bsre_v1_fields(const struct mp_form *form, struct bsre_v1_form *f, struct sign_in *in)
{
	const struct mp_part *file, *ttd;
	const char *tag_s;
	double page = 0, x = 0, y = 0, w = 0, h = 0;
	enum tk_err rc;

	if ((file = mp_get(form, "file")) == NULL || file->len == 0)
		return tk_fail_code(TK_ERR_INVALID, "missing_field", "file wajib diisi (PDF)");
	if (form_str(form, "nik", f->nik, sizeof(f->nik)) == NULL || form_str(form, "passphrase", f->pass, sizeof(f->pass)) == NULL)
		return tk_fail_code(TK_ERR_INVALID, "missing_field", "nik dan passphrase wajib diisi");
	if (form_str(form, "tampilan", f->tampilan, sizeof(f->tampilan)) == NULL)
		return tk_fail_code(TK_ERR_INVALID, "missing_field", "tampilan wajib diisi (visible atau invisible)");
	if ((rc = form_num(form, mp_get(form, "page") ? "page" : "halaman", 1, &page)) != TK_OK || (rc = form_num(form, "xAxis", 0, &x)) != TK_OK ||
	    (rc = form_num(form, "yAxis", 0, &y)) != TK_OK || (rc = form_num(form, "width", 0, &w)) != TK_OK ||
	    (rc = form_num(form, "height", 0, &h)) != TK_OK)
		return rc;
	tag_s = form_str(form, "tag_koordinat", f->tag, sizeof(f->tag));
	if ((rc = placement(in, f->tampilan, page, x, y, w, h, tag_s)) != TK_OK)
		return rc;
	if (mp_get(form, "image") != NULL && mp_get(form, "image")->len == 4 && memcmp(mp_get(form, "image")->data, "true", 4) == 0) {
		/* image=true: the specimen signature image goes on the stamp (the QR stays). */
		if ((ttd = mp_get(form, "imageTTD")) == NULL || ttd->len == 0)
			return tk_fail_code(TK_ERR_INVALID, "missing_field", "imageTTD wajib diisi bila image=true");
		in->image = ttd->data;
		in->image_len = ttd->len;
	}
	in->qr_url = form_str(form, "linkQR", f->link, sizeof(f->link));
	if (in->qr_url != NULL && strncmp(in->qr_url, "https://", 8) != 0 && strncmp(in->qr_url, "http://", 7) != 0)
		return tk_fail_code(TK_ERR_INVALID, "invalid_field", "linkQR must be an http(s) URL");
	in->data = file->data;
	in->len = file->len;
	in->channel = "bsre";
	in->passphrase = f->pass;
	in->reason = form_str(form, "reason", f->reason, sizeof(f->reason));
	in->location = form_str(form, "location", f->location, sizeof(f->location));
	in->keep_seconds = BSRE_KEEP_SECONDS;
	return TK_OK;
}

enum tk_err h_bsre_v1_sign(struct http_req *rq, struct http_resp *rs)
{
	struct mp_form *form = calloc(1, sizeof(*form));
	struct bsre_v1_form *f = calloc(1, sizeof(*f));
	struct sign_in in;
	struct sign_out out;
	enum tk_err rc;

	memset(&in, 0, sizeof(in));
	memset(&out, 0, sizeof(out));
	if (form == NULL || f == NULL) {
		free(form);
		free(f);
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	}
	if ((rc = mp_parse(rq->content_type, rq->body.p, rq->body.len, form)) != TK_OK || (rc = bsre_v1_fields(form, f, &in)) != TK_OK)
		goto fail;
	if ((rc = signer_of(rq, f->nik, NULL, &in.subscriber_id)) != TK_OK)
		goto fail;
	if ((rc = sign_document(&rq->ctx, &in, &out)) != TK_OK)
		goto fail;
	rc = http_bytes(rs, 200, "application/pdf", in.data, in.len);
	if (rc == TK_OK)
		rc = buf_append(&rs->body, out.out.p, out.out.len);
	if (rc == TK_OK)
		rc = http_header(rs, "id_dokumen", out.document_id);
	buf_free(&out.out);
	goto out;
fail:
	rc = bsre_error(rs, 400, "Proses signing");
out:
	OPENSSL_cleanse(f, sizeof(*f));
	OPENSSL_cleanse(rq->body.p, rq->body.len);
	free(f);
	free(form);
	return rc;
}

enum tk_err h_bsre_v1_download(struct http_req *rq, struct http_resp *rs)
{
	struct buf b;
	enum tk_err rc;

	buf_init(&b, MAX_PDF_BYTES);
	if ((rc = sign_download(&rq->ctx, rq->params[0], &b)) == TK_OK) {
		rc = http_bytes(rs, 200, "application/pdf", b.p, b.len);
	} else {
		struct http_public_error pe;
		http_error_public_last(rc, &pe);
		if (pe.status < 500)
			pe.status = 404;
		rc = http_json(rs, pe.status, json_pack("{s:s, s:i}", "error", pe.message, "status_code", (int)pe.status));
	}
	buf_free(&b);
	return rc;
}

static enum tk_err status_reply(struct http_req *rq, struct http_resp *rs, const char *nik, const char *email, int v2)
{
	char status[32];
	int64_t sid = 0;

	if (ra_status(&rq->ctx, nik, email, status, &sid) != TK_OK)
		return bsre_error(rs, 400, "Cek status");
	/* HTTP 200 in every case: clients branch on status / status_code. */
	return http_json(rs, 200, json_pack("{s:i, s:s, s:s}", "status_code", status_code_of(status, v2), "status", status, "message", status_message(status)));
}

enum tk_err h_bsre_v1_status(struct http_req *rq, struct http_resp *rs)
{
	return status_reply(rq, rs, rq->params[0], NULL, 0);
}

enum tk_err h_bsre_v2_status(struct http_req *rq, struct http_resp *rs)
{
	json_t *j = NULL;
	const char *nik = NULL, *email = NULL;
	enum tk_err rc;

	if (http_body_json(rq, &j) != TK_OK || http_json_str(j, "nik", 0, 16, &nik) != TK_OK || http_json_str(j, "email", 0, 254, &email) != TK_OK) {
		json_decref(j);
		return bsre_error(rs, 400, "Cek status");
	}
	rc = status_reply(rq, rs, nik, nik ? NULL : email, 1);
	json_decref(j);
	return rc;
}

enum tk_err bsre_v2_props(json_t *p, struct sign_in *in, struct buf *imgbuf)
{
	const char *tampilan = "INVISIBLE", *tag = NULL;
	json_t *v;
	enum tk_err rc;

	if (!json_is_object(p))
		return TK_OK;
	if ((v = json_object_get(p, "tampilan")) != NULL && json_is_string(v))
		tampilan = json_string_value(v);
	if ((v = json_object_get(p, "reason")) != NULL && json_is_string(v) && json_string_length(v) <= 200)
		in->reason = json_string_value(v);
	if ((v = json_object_get(p, "location")) != NULL && json_is_string(v) && json_string_length(v) <= 200)
		in->location = json_string_value(v);
	if ((v = json_object_get(p, "tag_koordinat")) != NULL && json_is_string(v))
		tag = json_string_value(v);
	if ((v = json_object_get(p, "imageBase64")) != NULL && json_is_string(v) && json_string_length(v) > 0) {
		buf_reset(imgbuf);
		if ((rc = buf_reserve(imgbuf, json_string_length(v))) != TK_OK ||
		    (rc = b64_decode(json_string_value(v), json_string_length(v), imgbuf->p, imgbuf->cap, &imgbuf->len)) != TK_OK)
			return rc;
		in->image = imgbuf->p;
		in->image_len = imgbuf->len;
	}
	return placement(in, tampilan, json_number_value(json_object_get(p, "page")), json_number_value(json_object_get(p, "originX")),
	    json_number_value(json_object_get(p, "originY")), json_number_value(json_object_get(p, "width")),
	    json_number_value(json_object_get(p, "height")), tag);
}

/*
 * Signs every base64 PDF of files with the signer in who (an official with
 * passphrase, or a seal), one signatureProperties entry per file or one for
 * all; the results (base64 of original + new revision) go to *result.
 */
static enum tk_err sign_files(struct http_req *rq, json_t *files, json_t *props, const struct sign_in *who, json_t **result)
{
	struct buf pdf, enc, imgbuf;
	size_t i;
	enum tk_err rc = TK_OK;

	buf_init(&pdf, MAX_REQ_BODY);
	buf_init(&enc, (size_t)MAX_REQ_BODY * 2);
	buf_init(&imgbuf, 8u << 20);
	if ((*result = json_array()) == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < json_array_size(files); i++) {
		json_t *f = json_array_get(files, i), *p;
		struct sign_in in;
		struct sign_out out;
		/* One properties entry per file, or one for all. */
		p = json_is_array(props) ? json_array_get(props, json_array_size(props) > i ? i : 0) : NULL;
		in = *who;
		if (!json_is_string(f)) {
			rc = tk_fail_code(TK_ERR_INVALID, "invalid_field", "file[%zu] is not a base64 string", i);
			goto out;
		}
		buf_reset(&pdf);
		if ((rc = buf_reserve(&pdf, json_string_length(f))) != TK_OK ||
		    (rc = b64_decode(json_string_value(f), json_string_length(f), pdf.p, pdf.cap, &pdf.len)) != TK_OK)
			goto out;
		if ((rc = bsre_v2_props(p, &in, &imgbuf)) != TK_OK)
			goto out;
		in.data = pdf.p;
		in.len = pdf.len;
		in.channel = "bsre";
		if ((rc = sign_document(&rq->ctx, &in, &out)) != TK_OK)
			goto out;
		buf_reset(&enc);
		/* base64 of original + new revision, in one go */
		rc = buf_append(&pdf, out.out.p, out.out.len);
		if (rc == TK_OK)
			rc = b64_encode(pdf.p, pdf.len, &enc);
		buf_free(&out.out);
		if (rc != TK_OK)
			goto out;
		if (json_array_append_new(*result, json_stringn((const char *)enc.p, enc.len)) != 0) {
			rc = tk_fail(TK_ERR_NOMEM, "out of memory");
			goto out;
		}
	}
out:
	if (rc != TK_OK) {
		json_decref(*result);
		*result = NULL;
	}
	buf_free(&pdf);
	buf_free(&enc);
	buf_free(&imgbuf);
	return rc;
}

static json_int_t elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (json_int_t)(t1.tv_sec - t0->tv_sec) * 1000 + (json_int_t)(t1.tv_nsec - t0->tv_nsec) / 1000000;
}

/* v2: {nik|email, passphrase, signatureProperties:[...], file:[base64...]} -> {time, file:[...]} */
enum tk_err h_bsre_v2_sign(struct http_req *rq, struct http_resp *rs)
{
	json_t *j = NULL, *files, *result = NULL;
	const char *nik = NULL, *email = NULL, *pass = NULL, *totp = NULL;
	struct sign_in who;
	struct timespec t0;
	enum tk_err rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(&who, 0, sizeof(who));
	if ((rc = http_body_json(rq, &j)) != TK_OK)
		goto fail;
	if ((rc = http_json_str(j, "nik", 0, 16, &nik)) != TK_OK || (rc = http_json_str(j, "email", 0, 254, &email)) != TK_OK ||
	    (rc = http_json_str(j, "passphrase", 0, 256, &pass)) != TK_OK || (rc = http_json_str(j, "totp", 0, 16, &totp)) != TK_OK)
		goto fail;
	if (pass == NULL) {
		rc = tk_fail_code(TK_ERR_INVALID, totp ? "totp_not_supported" : "missing_field",
		    totp ? "TOTP signing is not supported; use passphrase" : "passphrase wajib diisi");
		goto fail;
	}
	files = json_object_get(j, "file");
	if (!json_is_array(files) || json_array_size(files) == 0 || json_array_size(files) > 32) {
		rc = tk_fail_code(TK_ERR_INVALID, "missing_field", "file must be an array of 1 to 32 base64 PDFs");
		goto fail;
	}
	if ((rc = signer_of(rq, nik, nik ? NULL : email, &who.subscriber_id)) != TK_OK)
		goto fail;
	who.passphrase = pass;
	if ((rc = sign_files(rq, files, json_object_get(j, "signatureProperties"), &who, &result)) != TK_OK)
		goto fail;
	rc = http_json(rs, 200, json_pack("{s:I, s:o}", "time", elapsed_ms(&t0), "file", result));
	result = NULL;
	goto out;
fail:
	rc = bsre_error(rs, 400, "Proses signing");
out:
	if (pass != NULL)
		OPENSSL_cleanse((void *)pass, strlen(pass));
	json_decref(result);
	json_decref(j);
	return rc;
}

/*
 * v2 seal: {idSubscriber, totp, signatureProperties, file:[base64...]} ->
 * {time, file:[...]}. idSubscriber names the unit seal: its key name
 * ("seal-<n>") or its unit; an application uses only the seals of its
 * key's units (403 otherwise, decided in svc/sign). totp is accepted and
 * ignored: a unit seal has no second factor in teken (docs/bsre-compat.md).
 */
enum tk_err h_bsre_v2_seal(struct http_req *rq, struct http_resp *rs)
{
	json_t *j = NULL, *files, *result = NULL, *one = NULL;
	const char *id = NULL, *totp = NULL;
	struct sign_in who;
	struct timespec t0;
	enum tk_err rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(&who, 0, sizeof(who));
	if ((rc = http_body_json(rq, &j)) != TK_OK)
		goto fail;
	if ((rc = http_json_str(j, "idSubscriber", 1, 200, &id)) != TK_OK || (rc = http_json_str(j, "totp", 0, 16, &totp)) != TK_OK)
		goto fail;
	files = json_object_get(j, "file");
	if (json_is_string(files)) {
		/* One PDF as a plain string: taken as a list of one. */
		if ((one = json_pack("[O]", files)) == NULL) {
			rc = tk_fail(TK_ERR_NOMEM, "out of memory");
			goto fail;
		}
		files = one;
	}
	if (!json_is_array(files) || json_array_size(files) == 0 || json_array_size(files) > 32) {
		rc = tk_fail_code(TK_ERR_INVALID, "missing_field", "file must be an array of 1 to 32 base64 PDFs");
		goto fail;
	}
	who.seal = 1;
	if (strncmp(id, "seal-", 5) == 0)
		who.seal_key = id;
	else
		who.unit = id;
	if ((rc = sign_files(rq, files, json_object_get(j, "signatureProperties"), &who, &result)) != TK_OK)
		goto fail;
	rc = http_json(rs, 200, json_pack("{s:I, s:o}", "time", elapsed_ms(&t0), "file", result));
	result = NULL;
	goto out;
fail : {
	const struct tk_error *e = tk_last_error();
	rc = bsre_error(rs, e->err == TK_ERR_DENIED ? 403 : e->err == TK_ERR_NOT_FOUND ? 404
										       : 400,
	    "Proses segel");
}
out:
	json_decref(one);
	json_decref(result);
	json_decref(j);
	return rc;
}

/*
 * Verifications running at once through the BSrE routes; beyond this many a
 * caller gets 503 with Retry-After (the same budget idea as /api/v1/verify).
 */
#define BSRE_VERIFY_MAX_INFLIGHT 4

static atomic_int verify_inflight;

/* Runs one verification under the in-flight limit; the vendor's error body on failure. */
static enum tk_err bsre_verify(struct http_req *rq, struct http_resp *rs, const struct verify_svc_in *in, const char *file,
    enum verify_bsre_api api)
{
	json_t *report = NULL;
	enum tk_err rc;

	if (in->len == 0 || !pdf_header_ok(in->data, in->len)) {
		(void)!tk_fail_code(TK_ERR_INVALID, "not_a_pdf", "dokumen bukan PDF");
		return bsre_error(rs, 400, "Verifikasi");
	}
	if (atomic_fetch_add(&verify_inflight, 1) >= BSRE_VERIFY_MAX_INFLIGHT) {
		atomic_fetch_sub(&verify_inflight, 1);
		if ((rc = http_json(rs, 503, json_pack("{s:s, s:i}", "error", "Verifikasi gagal : server sibuk, coba lagi", "status_code", 503))) ==
		    TK_OK)
			rc = http_header(rs, "Retry-After", "2");
		return rc;
	}
	rc = verify_svc_bsre(&rq->ctx, in, file, api, &report);
	atomic_fetch_sub(&verify_inflight, 1);
	if (rc != TK_OK)
		return bsre_error(rs, 400, "Verifikasi");
	return http_json(rs, 200, report);
}

/* v1: multipart 'signed_file' -> reference 4.1 (nama_dokumen is the uploaded file's name). */
enum tk_err h_bsre_v1_verify(struct http_req *rq, struct http_resp *rs)
{
	struct mp_form *form = calloc(1, sizeof(*form));
	const struct mp_part *f;
	struct verify_svc_in in;
	enum tk_err rc;

	memset(&in, 0, sizeof(in));
	if (form == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	if ((rc = mp_parse(rq->content_type, rq->body.p, rq->body.len, form)) != TK_OK) {
		rc = bsre_error(rs, 400, "Verifikasi");
		goto out;
	}
	if ((f = mp_get(form, "signed_file")) == NULL || f->len == 0) {
		(void)!tk_fail_code(TK_ERR_INVALID, "missing_field", "signed_file wajib diisi (PDF)");
		rc = bsre_error(rs, 400, "Verifikasi");
		goto out;
	}
	in.data = f->data;
	in.len = f->len;
	rc = bsre_verify(rq, rs, &in, f->filename[0] ? f->filename : "signed_file.pdf", VERIFY_BSRE_V1);
out:
	free(form);
	return rc;
}

/* v2: {file: base64, password?} -> reference 4.2. */
enum tk_err h_bsre_v2_verify(struct http_req *rq, struct http_resp *rs)
{
	json_t *j = NULL, *f;
	struct verify_svc_in in;
	struct buf pdf;
	const char *password = NULL;
	enum tk_err rc;

	memset(&in, 0, sizeof(in));
	buf_init(&pdf, MAX_REQ_BODY);
	if ((rc = http_body_json(rq, &j)) != TK_OK || (rc = http_json_str(j, "password", 0, 256, &password)) != TK_OK)
		goto fail;
	if (!json_is_string(f = json_object_get(j, "file")) || json_string_length(f) == 0) {
		rc = tk_fail_code(TK_ERR_INVALID, "missing_field", "file wajib diisi (base64 PDF)");
		goto fail;
	}
	if ((rc = buf_reserve(&pdf, json_string_length(f) / 4 * 3 + 3)) != TK_OK ||
	    (rc = b64_decode(json_string_value(f), json_string_length(f), pdf.p, pdf.cap, &pdf.len)) != TK_OK)
		goto fail;
	in.data = pdf.p;
	in.len = pdf.len;
	in.password = password;
	rc = bsre_verify(rq, rs, &in, NULL, VERIFY_BSRE_V2);
	goto out;
fail:
	rc = bsre_error(rs, 400, "Verifikasi");
out:
	if (password != NULL)
		OPENSSL_cleanse((void *)password, strlen(password));
	buf_free(&pdf);
	json_decref(j);
	return rc;
}

/* v2: the certificate chain of an official (NIK or e-mail) -> {success:true, data:[base64 DER...]}. */
enum tk_err h_bsre_v2_chain(struct http_req *rq, struct http_resp *rs)
{
	json_t *data = NULL;
	struct http_public_error pe;
	enum tk_err rc;

	if ((rc = verify_svc_bsre_chain(&rq->ctx, rq->params[0], &data)) == TK_OK)
		return http_json(rs, 200, json_pack("{s:b, s:o}", "success", 1, "data", data));
	http_error_public_last(rc, &pe);
	if (pe.status < 500)
		pe.status = rc == TK_ERR_NOT_FOUND ? 404 : 400;
	return http_json(rs, pe.status, json_pack("{s:b, s:s, s:i}", "success", 0, "error", pe.message, "status_code", (int)pe.status));
}

/*
 * TOTP routes (seal activation, TOTP requests): teken has no TOTP second
 * factor, so they answer 501 in the vendor's error shape; clients branch on
 * the status or on status_code (docs/bsre-compat.md).
 */
enum tk_err h_bsre_totp_unsupported(struct http_req *rq, struct http_resp *rs)
{
	(void)rq;
	return http_json(rs, 501, json_pack("{s:s, s:i, s:b}", "error", "Fitur TOTP tidak didukung: segel unit dipakai tanpa aktivasi TOTP, penandatanganan memakai passphrase", "status_code", 501, "success", 0));
}

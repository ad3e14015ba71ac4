/* Registration authority: enrolment, requests, decisions, lifecycle, personal data. */
#include "http/routes.h"

#include "http/multipart.h"
#include "svc/ra/ra.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

/* Enrolment: multipart with a JSON part "data", evidence files "ktp", "sk",
 * "other", and an optional "csr" part (otherwise data.passphrase). */
enum tk_err h_enroll(struct http_req *rq, struct http_resp *rs)
{
	struct mp_form *form = NULL;
	struct ra_enroll_in in;
	struct ra_file files[MULTIPART_MAX_PARTS];
	const struct mp_part *data, *csr;
	json_t *j = NULL;
	json_error_t jerr;
	int64_t id = 0;
	size_t i, nf = 0;
	enum tk_err rc;

	memset(&in, 0, sizeof(in));
	if ((form = calloc(1, sizeof(*form))) == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	if ((rc = mp_parse(rq->content_type, rq->body.p, rq->body.len, form)) != TK_OK)
		goto out;
	if ((data = mp_get(form, "data")) == NULL) {
		rc = tk_fail_code(TK_ERR_INVALID, "missing_field", "multipart part 'data' (JSON) is required");
		goto out;
	}
	if ((j = json_loadb((const char *)data->data, data->len, JSON_REJECT_DUPLICATES, &jerr)) == NULL || !json_is_object(j)) {
		rc = tk_fail_code(TK_ERR_INVALID, "malformed_json", "part 'data' is not a JSON object");
		goto out;
	}
	if ((rc = http_json_str(j, "nik", 1, 16, &in.id.nik)) != TK_OK || (rc = http_json_str(j, "nip", 0, 18, &in.id.nip)) != TK_OK ||
	    (rc = http_json_str(j, "full_name", 1, 200, &in.id.full_name)) != TK_OK ||
	    (rc = http_json_str(j, "email", 1, 254, &in.id.email)) != TK_OK || (rc = http_json_str(j, "phone", 0, 20, &in.id.phone)) != TK_OK ||
	    (rc = http_json_str(j, "unit", 1, 200, &in.id.unit)) != TK_OK || (rc = http_json_str(j, "position", 1, 200, &in.id.position)) != TK_OK ||
	    (rc = http_json_str(j, "passphrase", 0, 256, &in.passphrase)) != TK_OK ||
	    (rc = http_json_str(j, "user", 0, 64, &in.username)) != TK_OK)
		goto out;
	for (i = 0; i < form->n; i++) {
		const struct mp_part *p = &form->parts[i];
		if (strcmp(p->name, "ktp") && strcmp(p->name, "sk") && strcmp(p->name, "other"))
			continue;
		files[nf].kind = p->name;
		files[nf].filename = p->filename;
		files[nf].data = p->data;
		files[nf].len = p->len;
		nf++;
	}
	in.files = files;
	in.nfiles = nf;
	if ((csr = mp_get(form, "csr")) != NULL) {
		in.csr = csr->data;
		in.csr_len = csr->len;
	}
	if ((rc = ra_enroll(&rq->ctx, &in, &id)) != TK_OK)
		goto out;
	rc = http_json(rs, 201, json_pack("{s:I, s:s}", "request_id", (json_int_t)id, "status", "pending"));
out:
	if (j != NULL) {
		/* The passphrase lived in this JSON: wipe it before freeing. */
		json_t *pp = json_object_get(j, "passphrase");
		if (json_is_string(pp))
			OPENSSL_cleanse((void *)json_string_value(pp), json_string_length(pp));
		json_decref(j);
	}
	OPENSSL_cleanse(rq->body.p, rq->body.len);
	free(form);
	return rc;
}

enum tk_err h_requests_list(struct http_req *rq, struct http_resp *rs)
{
	char *txt = NULL;
	enum tk_err rc;

	if ((rc = ra_requests_json(&rq->ctx, http_query_get(rq, "status"), &txt)) != TK_OK)
		return rc;
	return http_json_text(rs, 200, txt);
}

enum tk_err h_request_get(struct http_req *rq, struct http_resp *rs)
{
	return http_call_id(rq, rs, ra_request_json);
}

static enum tk_err decide(struct http_req *rq, struct http_resp *rs, int approve)
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
		if ((rc = http_json_str(j, "reason", !approve, 500, &reason)) != TK_OK)
			goto out;
	} else if (!approve) {
		return tk_fail_code(TK_ERR_INVALID, "reason_required", "a rejection needs {\"reason\": ...}");
	}
	if ((rc = ra_decide(&rq->ctx, id, approve, reason, &txt)) != TK_OK)
		goto out;
	rc = http_json_text(rs, 200, txt);
out:
	json_decref(j);
	return rc;
}

enum tk_err h_request_approve(struct http_req *rq, struct http_resp *rs) { return decide(rq, rs, 1); }
enum tk_err h_request_reject(struct http_req *rq, struct http_resp *rs) { return decide(rq, rs, 0); }

enum tk_err h_cert_revoke(struct http_req *rq, struct http_resp *rs)
{
	json_t *j = NULL;
	const char *reason;
	int64_t req = 0;
	int done = 0;
	enum tk_err rc;

	if ((rc = http_body_json(rq, &j)) != TK_OK)
		return rc;
	if ((rc = http_json_str(j, "reason", 1, 40, &reason)) == TK_OK &&
	    (rc = ra_revoke(&rq->ctx, rq->params[0], reason, &req, &done)) == TK_OK) {
		if (done)
			rc = http_json(rs, 200, json_pack("{s:s, s:s}", "serial", rq->params[0], "status", "revoked"));
		else
			rc = http_json(rs, 202, json_pack("{s:I, s:s}", "request_id", (json_int_t)req, "status", "pending"));
	}
	json_decref(j);
	return rc;
}

static enum tk_err hold(struct http_req *rq, struct http_resp *rs, int on)
{
	int64_t req = 0;
	enum tk_err rc;

	if ((rc = ra_hold(&rq->ctx, rq->params[0], on, &req)) != TK_OK)
		return rc;
	return http_json(rs, 202, json_pack("{s:I, s:s}", "request_id", (json_int_t)req, "status", "pending"));
}

enum tk_err h_cert_hold(struct http_req *rq, struct http_resp *rs) { return hold(rq, rs, 1); }
enum tk_err h_cert_release(struct http_req *rq, struct http_resp *rs) { return hold(rq, rs, 0); }

enum tk_err h_passphrase_change(struct http_req *rq, struct http_resp *rs)
{
	json_t *j = NULL;
	const char *old, *new_;
	enum tk_err rc;

	if ((rc = http_body_json(rq, &j)) != TK_OK)
		return rc;
	if ((rc = http_json_str(j, "old_passphrase", 1, 256, &old)) == TK_OK &&
	    (rc = http_json_str(j, "new_passphrase", 1, 256, &new_)) == TK_OK &&
	    (rc = ra_passphrase_change(&rq->ctx, old, new_)) == TK_OK)
		rc = http_json(rs, 200, json_pack("{s:b}", "changed", 1));
	OPENSSL_cleanse(rq->body.p, rq->body.len);
	json_decref(j);
	return rc;
}

static enum tk_err newkey(struct http_req *rq, struct http_resp *rs, int reset)
{
	json_t *j = NULL;
	const char *pass;
	int64_t req = 0;
	enum tk_err rc;

	if ((rc = http_body_json(rq, &j)) != TK_OK)
		return rc;
	if ((rc = http_json_str(j, "passphrase", 1, 256, &pass)) == TK_OK &&
	    (rc = reset ? ra_reset(&rq->ctx, rq->ctx.actor.user, pass, &req) : ra_renew(&rq->ctx, pass, &req)) == TK_OK)
		rc = http_json(rs, 202, json_pack("{s:I, s:s}", "request_id", (json_int_t)req, "status", "pending"));
	OPENSSL_cleanse(rq->body.p, rq->body.len);
	json_decref(j);
	return rc;
}

/* First-login activation: JSON {"passphrase"} (key made on the server) or
 * multipart with a "csr" part (the official's own key). */
enum tk_err h_activate(struct http_req *rq, struct http_resp *rs)
{
	struct mp_form *form = NULL;
	const struct mp_part *csr = NULL;
	const char *pass = NULL;
	json_t *j = NULL;
	char *txt = NULL;
	enum tk_err rc;

	if (strncmp(rq->content_type, "multipart/form-data", 19) == 0) {
		if ((form = calloc(1, sizeof(*form))) == NULL)
			return tk_fail(TK_ERR_NOMEM, "out of memory");
		if ((rc = mp_parse(rq->content_type, rq->body.p, rq->body.len, form)) != TK_OK)
			goto out;
		if ((csr = mp_get(form, "csr")) == NULL) {
			rc = tk_fail_code(TK_ERR_INVALID, "missing_field", "multipart part 'csr' (PKCS#10, PEM or DER) is required");
			goto out;
		}
	} else if ((rc = http_body_json(rq, &j)) != TK_OK || (rc = http_json_str(j, "passphrase", 1, 256, &pass)) != TK_OK) {
		goto out;
	}
	if ((rc = ra_activate(&rq->ctx, pass, csr ? csr->data : NULL, csr ? csr->len : 0, &txt)) != TK_OK)
		goto out;
	rc = http_json_text(rs, 201, txt);
out:
	if (pass != NULL)
		OPENSSL_cleanse((void *)pass, strlen(pass));
	OPENSSL_cleanse(rq->body.p, rq->body.len);
	json_decref(j);
	free(form);
	return rc;
}

enum tk_err h_passphrase_reset(struct http_req *rq, struct http_resp *rs) { return newkey(rq, rs, 1); }
enum tk_err h_renew(struct http_req *rq, struct http_resp *rs) { return newkey(rq, rs, 0); }

/* {"user"} (default: oneself): ask Verifikators to end an official's passphrase delays. */
enum tk_err h_unlock_request(struct http_req *rq, struct http_resp *rs)
{
	json_t *j = NULL;
	const char *user = NULL;
	int64_t req = 0;
	enum tk_err rc;

	if ((rc = http_body_json(rq, &j)) != TK_OK)
		return rc;
	if ((rc = http_json_str(j, "user", 0, 64, &user)) == TK_OK &&
	    (rc = ra_unlock_request(&rq->ctx, user != NULL ? user : rq->ctx.actor.user, &req)) == TK_OK)
		rc = http_json(rs, 202, json_pack("{s:I, s:s}", "request_id", (json_int_t)req, "status", "pending"));
	json_decref(j);
	return rc;
}

enum tk_err h_seal_request(struct http_req *rq, struct http_resp *rs)
{
	json_t *j = NULL;
	const char *cn, *unit;
	int64_t req = 0;
	enum tk_err rc;

	if ((rc = http_body_json(rq, &j)) != TK_OK)
		return rc;
	if ((rc = http_json_str(j, "common_name", 1, 64, &cn)) == TK_OK && (rc = http_json_str(j, "unit", 1, 200, &unit)) == TK_OK &&
	    (rc = ra_seal(&rq->ctx, cn, unit, &req)) == TK_OK)
		rc = http_json(rs, 202, json_pack("{s:I, s:s}", "request_id", (json_int_t)req, "status", "pending"));
	json_decref(j);
	return rc;
}

enum tk_err h_subscribers_list(struct http_req *rq, struct http_resp *rs)
{
	return http_call(rq, rs, ra_subscribers_json);
}

enum tk_err h_evidence_get(struct http_req *rq, struct http_resp *rs)
{
	struct buf b;
	char mime[32];
	int64_t id = 0;
	enum tk_err rc;

	if ((rc = http_id_param(rq->params[0], &id)) != TK_OK)
		return rc;
	buf_init_secret(&b, (size_t)64 << 20);
	if ((rc = ra_evidence_get(&rq->ctx, id, &b, mime)) == TK_OK && (rc = http_bytes(rs, 200, mime, b.p, b.len)) == TK_OK)
		rc = http_header(rs, "Content-Disposition", "attachment");
	buf_free(&b);
	return rc;
}

enum tk_err h_my_certs(struct http_req *rq, struct http_resp *rs)
{
	char *txt = NULL;
	enum tk_err rc;

	if ((rc = ra_my_certificates_json(&rq->ctx, rq->ctx.actor.user, &txt)) != TK_OK)
		return rc;
	return http_json_text(rs, 200, txt);
}

enum tk_err h_my_data(struct http_req *rq, struct http_resp *rs)
{
	char *txt = NULL;
	enum tk_err rc;

	if ((rc = ra_export_json(&rq->ctx, rq->ctx.actor.user, &txt)) != TK_OK)
		return rc;
	if ((rc = http_header(rs, "Content-Disposition", "attachment; filename=\"data-pribadi.json\"")) != TK_OK) {
		free(txt);
		return rc;
	}
	return http_json_text(rs, 200, txt);
}

/* Erasure is a request for Verifikators (202); an official asks for their own at /api/v1/me/erase. */
static enum tk_err erase(struct http_req *rq, struct http_resp *rs, int64_t id)
{
	int64_t req = 0;
	enum tk_err rc;

	if ((rc = ra_erase(&rq->ctx, id, &req)) != TK_OK)
		return rc;
	return http_json(rs, 202, json_pack("{s:I, s:s}", "request_id", (json_int_t)req, "status", "pending"));
}

enum tk_err h_subscriber_erase(struct http_req *rq, struct http_resp *rs)
{
	int64_t id = 0;
	enum tk_err rc;

	if ((rc = http_id_param(rq->params[0], &id)) != TK_OK)
		return rc;
	return erase(rq, rs, id);
}

enum tk_err h_my_erase(struct http_req *rq, struct http_resp *rs) { return erase(rq, rs, 0); }

/* {"subscriber_id": N | "pseudonym": "...", "reason": "..."}: a PII-access request (202). */
enum tk_err h_pii_access_request(struct http_req *rq, struct http_resp *rs)
{
	json_t *j = NULL, *sid;
	const char *pseudonym = NULL, *reason = NULL;
	int64_t req = 0;
	enum tk_err rc;

	if ((rc = http_body_json(rq, &j)) != TK_OK)
		return rc;
	sid = json_object_get(j, "subscriber_id");
	if (sid != NULL && (!json_is_integer(sid) || json_integer_value(sid) < 1)) {
		rc = tk_fail_code(TK_ERR_INVALID, "invalid_field", "subscriber_id must be a positive number");
		goto out;
	}
	if ((rc = http_json_str(j, "pseudonym", 0, 32, &pseudonym)) != TK_OK || (rc = http_json_str(j, "reason", 1, 500, &reason)) != TK_OK ||
	    (rc = ra_pii_access(&rq->ctx, sid ? (int64_t)json_integer_value(sid) : 0, pseudonym, reason, &req)) != TK_OK)
		goto out;
	rc = http_json(rs, 202, json_pack("{s:I, s:s}", "request_id", (json_int_t)req, "status", "pending"));
out:
	json_decref(j);
	return rc;
}

enum tk_err h_unlock_throttles(struct http_req *rq, struct http_resp *rs)
{
	return http_call(rq, rs, ra_unlock_throttles_json);
}

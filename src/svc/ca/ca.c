/* Certificate authority service: issue, revoke, CRL, chain. */
#include "svc/audit/audit.h"
#include "svc/base/base.h"
#include "svc/ca/ca.h"
#include "svc/pii/pii.h"
#include "svc/report/report.h"
#include "svc/trust/trust.h"
#include "svc/base/base_int.h"

#include "config/config.h"
#include "log/log.h"
#include "x509/x509.h"

#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define SERIAL_RETRIES 3

/* Looks name up in the instance's CA cache; fills id/cert/key_name on a hit. */
static int ca_cached(struct instance *inst, const char *name, int64_t *id, X509 **cert, char *key_name, size_t ksz)
{
	size_t i;
	int hit = 0;

	pthread_mutex_lock(&inst->key_lock);
	for (i = 0; i < inst->ncas; i++) {
		if (strcmp(inst->cas[i].name, name) != 0)
			continue;
		if (str_copy(key_name, ksz, inst->cas[i].key_name) != TK_OK)
			break;
		if (cert != NULL) {
			X509_up_ref(inst->cas[i].cert);
			*cert = inst->cas[i].cert;
		}
		if (id != NULL)
			*id = inst->cas[i].id;
		hit = 1;
		break;
	}
	pthread_mutex_unlock(&inst->key_lock);
	return hit;
}

static enum tk_err ca_fetch(struct svc_ctx *c, const char *name)
{
	struct instance *inst = c->inst;
	struct store_stmt *s = NULL;
	X509 *cert = NULL;
	int row = 0;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "SELECT id, key_name, cert FROM cas WHERE name = ?", &s)) != TK_OK)
		return rc;
	if ((rc = store_bind_text(s, 1, name)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_ca", "ca: no CA named '%s' (root, issuing)", name);
		goto out;
	}
	{
		size_t len = 0;
		const uint8_t *der = store_col_blob(s, 2, &len);
		if ((rc = x509_cert_parse(der, len, &cert)) != TK_OK) {
			tk_wrap(rc, "ca %s: stored certificate", name);
			goto out;
		}
	}
	pthread_mutex_lock(&inst->key_lock);
	if (inst->ncas < sizeof(inst->cas) / sizeof(inst->cas[0]) &&
	    str_copy(inst->cas[inst->ncas].name, sizeof(inst->cas[0].name), name) == TK_OK &&
	    str_copy(inst->cas[inst->ncas].key_name, sizeof(inst->cas[0].key_name), store_col_text(s, 1)) == TK_OK) {
		inst->cas[inst->ncas].id = store_col_i64(s, 0);
		inst->cas[inst->ncas].cert = cert;
		inst->ncas++;
		cert = NULL;
	} else {
		rc = tk_fail(TK_ERR_INTERNAL, "ca: too many CAs to cache");
	}
	pthread_mutex_unlock(&inst->key_lock);
out:
	X509_free(cert);
	store_finalize(s);
	return rc;
}

enum tk_err ca_load(struct svc_ctx *c, const char *name, int64_t *id, X509 **cert, struct key **key)
{
	char key_name[64];
	enum tk_err rc;

	if (!ca_cached(c->inst, name, id, cert, key_name, sizeof(key_name))) {
		if ((rc = ca_fetch(c, name)) != TK_OK)
			return rc;
		if (!ca_cached(c->inst, name, id, cert, key_name, sizeof(key_name)))
			return tk_fail(TK_ERR_INTERNAL, "ca: cache");
	}
	if (key != NULL && (rc = svc_key_load(c, key_name, key)) != TK_OK) {
		if (cert != NULL) {
			X509_free(*cert);
			*cert = NULL;
		}
		return rc;
	}
	return TK_OK;
}

enum tk_err ca_build(struct svc_ctx *c, const char *profile, EVP_PKEY *pubkey, const X509_NAME *subject, X509 **out,
    int64_t *ca_id)
{
	struct x509_profile prof;
	struct x509_issue_req r;
	X509 *issuer = NULL;
	struct key *k = NULL;
	char urlbuf[4][320];
	int64_t now = tk_now();
	enum tk_err rc;

	memset(&r, 0, sizeof(r));
	if ((rc = x509_profile_load(c->inst->cfg, profile, &prof)) != TK_OK)
		return rc;
	if (prof.ca)
		return tk_fail_code(TK_ERR_DENIED, "profile_not_issuable", "ca: profile %s is for CA certificates, made only by teken init",
		    profile);
	/* Every issuance passes here: CSRs (ca_issue) and stored subscriber keys (RA approval). */
	if ((rc = x509_pubkey_check(pubkey)) != TK_OK || (rc = x509_profile_check_key(&prof, pubkey)) != TK_OK ||
	    (rc = x509_profile_check_subject(&prof, subject)) != TK_OK)
		return rc;
	if ((rc = ca_load(c, "issuing", ca_id, &issuer, &k)) != TK_OK)
		return rc;
	if ((rc = svc_issue_urls(c->inst, "issuing", 1, urlbuf, &r.urls)) != TK_OK)
		goto out;
	r.profile = &prof;
	r.issuer = issuer;
	r.issuer_key = k;
	r.pubkey = pubkey;
	r.subject = subject;
	r.not_before = now - 60;
	r.not_after = now + (int64_t)prof.validity_days * 86400;
	r.digest = c->inst->digest;
	if ((rc = x509_serial_new(r.serial)) != TK_OK)
		goto out;
	rc = x509_issue(&r, out);
out:
	X509_free(issuer);
	key_free(k);
	return rc;
}

enum tk_err ca_issue(struct svc_ctx *c, const struct ca_issue_in *in, struct ca_issue_out *out)
{
	X509_REQ *req = NULL;
	X509_NAME *name = NULL;
	X509 *cert = NULL;
	int64_t ca_id = 0;
	int attempt;
	enum tk_err rc;

	buf_init(&out->der, MAX_CERT_BYTES);
	if ((rc = x509_csr_parse(in->csr, in->csr_len, &req)) != TK_OK)
		goto out;
	if (in->subject != NULL)
		rc = x509_name_parse(in->subject, &name);
	else if ((name = X509_NAME_dup(X509_REQ_get_subject_name(req))) == NULL)
		rc = tk_fail(TK_ERR_NOMEM, "ca: out of memory");
	if (rc != TK_OK)
		goto out;
	if (in->subject_nik != NULL) {
		char v[32];
		/* ETSI EN 319 412-1 5.1.3 semantics identifier: IDC (identity card) + ID (Indonesia). */
		if ((rc = nik_check(in->subject_nik)) != TK_OK || (rc = str_fmt(v, sizeof(v), "IDCID-%s", in->subject_nik)) != TK_OK)
			goto out;
		if (X509_NAME_get_index_by_NID(name, NID_serialNumber, -1) >= 0) {
			rc = tk_fail_code(TK_ERR_INVALID, "bad_subject", "ca: subject already has a serialNumber; drop it or --subject-nik");
			goto out;
		}
		if (!X509_NAME_add_entry_by_NID(name, NID_serialNumber, MBSTRING_UTF8, (const unsigned char *)v, -1, -1, 0)) {
			rc = tk_fail_ossl("ca: subject serialNumber");
			goto out;
		}
	}
	/* Sign outside the transaction; a serial collision (2^-158) only costs a retry. */
	for (attempt = 0; attempt < SERIAL_RETRIES; attempt++) {
		X509_free(cert);
		cert = NULL;
		if ((rc = ca_build(c, in->profile, X509_REQ_get0_pubkey(req), name, &cert, &ca_id)) != TK_OK)
			goto out;
		if ((rc = store_begin(c->st, STORE_TX_WRITE)) != TK_OK)
			goto out;
		rc = svc_insert_cert(c, cert, in->profile, ca_id, in->subscriber_id);
		if (rc == TK_OK)
			rc = store_commit(c->st);
		else
			store_rollback(c->st);
		if (rc != TK_ERR_EXISTS)
			break;
		log_msg(LOG_WARN, "ca.serial_collision", "serial collision, retrying");
	}
	if (rc != TK_OK)
		goto out;
	if ((rc = x509_serial_hex(cert, out->serial, sizeof(out->serial))) != TK_OK || (rc = x509_to_der(cert, &out->der)) != TK_OK)
		goto out;
	log_msg(LOG_INFO, "ca.issue", "issued %s under profile %s", out->serial, in->profile);
	trust_cert_changed(c, out->serial); /* pre-produce its OCSP response */
out:
	if (rc != TK_OK)
		buf_free(&out->der);
	X509_REQ_free(req);
	X509_NAME_free(name);
	X509_free(cert);
	return rc;
}

/* Lower-case hex without colons; must be 1..64 hex digits. */
enum tk_err ca_serial_normalise(const char *in, char out[65])
{
	size_t n = 0;
	const char *p;

	for (p = in; *p; p++) {
		if (*p == ':')
			continue;
		if (!isxdigit((unsigned char)*p) || n >= 64)
			return tk_fail_code(TK_ERR_INVALID, "bad_serial", "serial must be 1 to 64 hex digits");
		out[n++] = (char)tolower((unsigned char)*p);
	}
	out[n] = '\0';
	/* openssl prints serials without a leading zero byte: accept both. */
	if (n % 2 == 1) {
		if (n >= 64)
			return tk_fail_code(TK_ERR_INVALID, "bad_serial", "serial must be 1 to 64 hex digits");
		memmove(out + 1, out, n + 1);
		out[0] = '0';
		n++;
	}
	if (n == 0)
		return tk_fail_code(TK_ERR_INVALID, "bad_serial", "serial must be 1 to 64 hex digits");
	return TK_OK;
}

enum tk_err ca_revoke_in_tx(struct svc_ctx *c, const char *serial, int reason)
{
	struct store_stmt *s = NULL;
	char status[16];
	json_t *d = NULL;
	char *dtxt = NULL;
	int row = 0;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "SELECT status, profile FROM certs WHERE serial = ?", &s)) != TK_OK ||
	    (rc = store_bind_text(s, 1, serial)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_certificate", "revoke: no certificate with serial %s", serial);
		goto out;
	}
	if (strcmp(store_col_text(s, 1), "root-ca") == 0) {
		rc = tk_fail_code(TK_ERR_DENIED, "cannot_revoke_root", "revoke: a root certificate cannot be revoked; retire the hierarchy instead");
		goto out;
	}
	if ((rc = str_copy(status, sizeof(status), store_col_text(s, 0))) != TK_OK)
		goto out;
	store_finalize(s);
	s = NULL;
	if (strcmp(status, "revoked") == 0) {
		rc = tk_fail_code(TK_ERR_CONFLICT, "already_revoked", "revoke: certificate %s is already revoked", serial);
		goto out;
	}
	if (strcmp(status, "hold") == 0 && reason == 6) {
		rc = tk_fail_code(TK_ERR_CONFLICT, "already_on_hold", "revoke: certificate %s is already on hold", serial);
		goto out;
	}
	if ((rc = store_prepare(c->st, "UPDATE certs SET status = ?, revoked_at = ?, reason = ? WHERE serial = ?", &s)) != TK_OK ||
	    (rc = store_bind_text(s, 1, reason == 6 ? "hold" : "revoked")) != TK_OK ||
	    (rc = store_bind_i64(s, 2, tk_now())) != TK_OK || (rc = store_bind_i64(s, 3, reason)) != TK_OK ||
	    (rc = store_bind_text(s, 4, serial)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	d = json_pack("{s:s}", "reason", x509_reason_name(reason));
	if (d == NULL || (dtxt = json_dumps(d, JSON_COMPACT)) == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "revoke: out of memory");
		goto out;
	}
	rc = audit_append(c, reason == 6 ? "cert.hold" : "cert.revoke", serial, dtxt);
out:
	store_finalize(s);
	free(dtxt);
	json_decref(d);
	return rc;
}

enum tk_err ca_revoke(struct svc_ctx *c, const char *serial_in, const char *reason_name)
{
	char serial[65];
	int reason = 0;
	enum tk_err rc;

	if ((rc = ca_serial_normalise(serial_in, serial)) != TK_OK || (rc = x509_reason_parse(reason_name, &reason)) != TK_OK)
		return rc;
	if ((rc = store_begin(c->st, STORE_TX_WRITE)) != TK_OK)
		return rc;
	if ((rc = ca_revoke_in_tx(c, serial, reason)) != TK_OK) {
		store_rollback(c->st);
		return rc;
	}
	if ((rc = store_commit(c->st)) == TK_OK) {
		log_msg(LOG_INFO, "ca.revoke", "revoked %s (%s)", serial, x509_reason_name(reason));
		trust_cert_changed(c, serial); /* OCSP shows it at once */
		ca_crl_after_change(c);
	}
	return rc;
}

void ca_crl_after_change(struct svc_ctx *c)
{
	struct buf der;

	/* A new CRL right away, so /crl/issuing.crl never lags a revocation. */
	buf_init(&der, (size_t)1 << 31);
	if (ca_crl(c, "issuing", &der) != TK_OK)
		log_msg(LOG_WARN, "ca.crl", "CRL after revocation not made: %s", tk_errmsg());
	buf_free(&der);
}

static enum tk_err crl_validity_days(struct svc_ctx *c, const char *ca_name, uint64_t *days)
{
	int root = strcmp(ca_name, "root") == 0;
	enum tk_err rc = config_get_u64(c->inst->cfg, "ca", root ? "root_crl_validity_days" : "crl_validity_days",
	    root ? 90 : 7, 3650, days);

	if (rc == TK_OK && *days == 0)
		return tk_fail(TK_ERR_INVALID, "config [ca] %s must be at least 1", root ? "root_crl_validity_days" : "crl_validity_days");
	return rc;
}

struct crl_iter {
	struct store_stmt *s;
};

static enum tk_err crl_next(void *arg, struct x509_crl_entry *e, int *has)
{
	struct crl_iter *it = arg;
	const char *hex;
	enum tk_err rc;

	if ((rc = store_step(it->s, has)) != TK_OK || !*has)
		return rc;
	hex = store_col_text(it->s, 0);
	if ((rc = hex_decode(hex, strlen(hex), e->serial, sizeof(e->serial), &e->serial_len)) != TK_OK)
		return tk_wrap(rc, "crl: stored serial");
	e->revoked_at = store_col_i64(it->s, 1);
	e->reason = (int)store_col_i64(it->s, 2);
	return TK_OK;
}

enum tk_err ca_crl(struct svc_ctx *c, const char *ca_name, struct buf *out)
{
	struct crl_iter it = { NULL };
	struct store_stmt *s = NULL;
	X509 *cert = NULL;
	struct key *k = NULL;
	int64_t ca_id = 0, number = 0, now = tk_now(), next;
	uint64_t days;
	size_t start = out->len;
	int row;
	char num[64];
	enum tk_err rc;

	if ((rc = crl_validity_days(c, ca_name, &days)) != TK_OK)
		return rc;
	next = now + (int64_t)days * 86400;
	if ((rc = ca_load(c, ca_name, &ca_id, &cert, &k)) != TK_OK)
		return rc;
	/* One write transaction: the CRL number and the revoked set are consistent. */
	if ((rc = store_begin(c->st, STORE_TX_WRITE)) != TK_OK)
		goto out;
	/* CRL numbers never go back, even after a restore from an old backup:
	 * the next number is at least the current time (RFC 5280 5.2.3). */
	if ((rc = store_prepare(c->st, "UPDATE cas SET crl_number = CASE WHEN crl_number + 1 > ? THEN crl_number + 1 ELSE ? END"
				       " WHERE id = ? RETURNING crl_number",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, now)) != TK_OK || (rc = store_bind_i64(s, 2, now)) != TK_OK ||
	    (rc = store_bind_i64(s, 3, ca_id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto fail;
	number = store_col_i64(s, 0);
	store_finalize(s);
	s = NULL;
	if ((rc = store_prepare(c->st, "SELECT serial, revoked_at, reason FROM certs WHERE ca_id = ? AND status IN ('revoked', 'hold')", &it.s)) != TK_OK ||
	    (rc = store_bind_i64(it.s, 1, ca_id)) != TK_OK)
		goto fail;
	if ((rc = x509_crl_build(cert, k, c->inst->digest, (uint64_t)number, now, next, crl_next, &it, out)) != TK_OK)
		goto fail;
	store_finalize(it.s);
	it.s = NULL;
	if ((rc = store_prepare(c->st, "DELETE FROM crls WHERE ca_id = ?", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, ca_id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto fail;
	store_finalize(s);
	s = NULL;
	if ((rc = store_prepare(c->st, "INSERT INTO crls (ca_id, crl_number, this_update, next_update, der) VALUES (?, ?, ?, ?, ?)", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, ca_id)) != TK_OK || (rc = store_bind_i64(s, 2, number)) != TK_OK ||
	    (rc = store_bind_i64(s, 3, now)) != TK_OK || (rc = store_bind_i64(s, 4, next)) != TK_OK ||
	    (rc = store_bind_blob(s, 5, out->p + start, out->len - start)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto fail;
	store_finalize(s);
	s = NULL;
	if ((rc = str_fmt(num, sizeof(num), "{\"crl_number\":%lld}", (long long)number)) != TK_OK ||
	    (rc = audit_append(c, "crl.publish", ca_name, num)) != TK_OK)
		goto fail;
	rc = store_commit(c->st);
	goto out;
fail:
	store_rollback(c->st);
out:
	if (rc != TK_OK)
		out->len = start;
	store_finalize(it.s);
	store_finalize(s);
	X509_free(cert);
	key_free(k);
	return rc;
}

enum tk_err ca_chain_pem(struct svc_ctx *c, struct buf *out)
{
	static const char *const order[] = { "issuing", "root" };
	size_t i;
	enum tk_err rc = TK_OK;

	for (i = 0; i < 2 && rc == TK_OK; i++) {
		X509 *cert = NULL;
		if ((rc = ca_load(c, order[i], NULL, &cert, NULL)) == TK_OK)
			rc = x509_to_pem(cert, out);
		X509_free(cert);
	}
	return rc;
}

enum tk_err ca_cert_pem(struct svc_ctx *c, const char *serial_in, struct buf *out)
{
	struct store_stmt *s = NULL;
	X509 *cert = NULL;
	char serial[65];
	int row = 0;
	enum tk_err rc;

	if ((rc = ca_serial_normalise(serial_in, serial)) != TK_OK)
		return rc;
	if ((rc = store_prepare(c->st, "SELECT der FROM certs WHERE serial = ?", &s)) != TK_OK)
		return rc;
	if ((rc = store_bind_text(s, 1, serial)) == TK_OK && (rc = store_step(s, &row)) == TK_OK) {
		if (!row)
			rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_certificate", "no certificate with serial %s", serial);
		else {
			size_t len = 0;
			const uint8_t *der = store_col_blob(s, 0, &len);
			if ((rc = x509_cert_parse(der, len, &cert)) == TK_OK)
				rc = x509_to_pem(cert, out);
		}
	}
	X509_free(cert);
	store_finalize(s);
	return rc;
}

enum tk_err ca_crl_serve(struct svc_ctx *c, const char *ca_name, struct buf *out, int64_t *this_update, int64_t *next_update)
{
	usage_count(c, USAGE_CRL, NULL, NULL);
	return ca_crl_current(c, ca_name, out, this_update, next_update);
}

enum tk_err ca_crl_current(struct svc_ctx *c, const char *ca_name, struct buf *out, int64_t *this_update,
    int64_t *next_update)
{
	struct store_stmt *s = NULL;
	int64_t ca_id = 0, now = tk_now();
	int row = 0;
	enum tk_err rc;

	if ((rc = ca_load(c, ca_name, &ca_id, NULL, NULL)) != TK_OK)
		return rc;
	if ((rc = store_prepare(c->st, "SELECT der, this_update, next_update FROM crls WHERE ca_id = ?", &s)) != TK_OK)
		return rc;
	if ((rc = store_bind_i64(s, 1, ca_id)) == TK_OK && (rc = store_step(s, &row)) == TK_OK && row) {
		int64_t tu = store_col_i64(s, 1), nu = store_col_i64(s, 2);
		/* Refresh at half-life so relying parties never hold an expired CRL. */
		if (now < tu + (nu - tu) / 2) {
			size_t len = 0;
			const uint8_t *der = store_col_blob(s, 0, &len);
			rc = buf_append(out, der, len);
			*this_update = tu;
			*next_update = nu;
			store_finalize(s);
			return rc;
		}
	}
	store_finalize(s);
	if (rc != TK_OK)
		return rc;
	if ((rc = ca_crl(c, ca_name, out)) != TK_OK)
		return rc;
	*this_update = now;
	{
		uint64_t days;
		if ((rc = crl_validity_days(c, ca_name, &days)) != TK_OK)
			return rc;
		*next_update = now + (int64_t)days * 86400;
	}
	return TK_OK;
}

enum tk_err ca_cert_der(struct svc_ctx *c, const char *ca_name, struct buf *out)
{
	X509 *cert = NULL;
	enum tk_err rc;

	if ((rc = ca_load(c, ca_name, NULL, &cert, NULL)) != TK_OK)
		return rc;
	rc = x509_to_der(cert, out);
	X509_free(cert);
	return rc;
}

enum tk_err ca_release_in_tx(struct svc_ctx *c, const char *serial)
{
	struct store_stmt *s = NULL;
	int row;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "UPDATE certs SET status = 'valid', revoked_at = NULL, reason = NULL WHERE serial = ? AND status = 'hold'", &s)) != TK_OK ||
	    (rc = store_bind_text(s, 1, serial)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (store_changes(s) == 0) {
		rc = tk_fail_code(TK_ERR_CONFLICT, "not_on_hold", "certificate %s is not on hold", serial);
		goto out;
	}
	rc = audit_append(c, "cert.release", serial, NULL);
out:
	store_finalize(s);
	return rc;
}

/* The certificate meta names, with its serial; valid_only refuses a revoked or held one. */
static enum tk_err cert_by_meta(struct svc_ctx *c, const char *meta, int valid_only, X509 **out, char serial[65])
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "SELECT c.der, c.serial, c.status FROM certs c JOIN meta m ON m.value = c.serial WHERE m.key = ?", &s)) != TK_OK)
		return rc;
	if ((rc = store_bind_text(s, 1, meta)) == TK_OK && (rc = store_step(s, &row)) == TK_OK) {
		if (!row)
			rc = tk_fail(TK_ERR_NOT_FOUND, "%s: no such certificate", meta);
		else if (valid_only && strcmp(store_col_text(s, 2), "valid") != 0)
			rc = tk_fail_code(TK_ERR_CONFLICT, "certificate_not_valid", "%s: the certificate is revoked or suspended", meta);
		else {
			size_t len = 0;
			const uint8_t *der = store_col_blob(s, 0, &len);
			if (serial == NULL || (rc = str_copy(serial, 65, store_col_text(s, 1))) == TK_OK)
				rc = svc_cert_parse_cached(c->inst, der, len, out);
		}
	}
	store_finalize(s);
	return rc;
}

enum tk_err ca_cert_by_meta(struct svc_ctx *c, const char *meta, X509 **out)
{
	return cert_by_meta(c, meta, 0, out, NULL);
}

enum tk_err ca_cert_by_meta_valid(struct svc_ctx *c, const char *meta, X509 **out, char serial[65])
{
	return cert_by_meta(c, meta, 1, out, serial);
}

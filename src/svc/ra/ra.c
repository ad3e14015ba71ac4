/*
 * Registration authority: identity data and evidence, subscriber keys,
 * requests and Verifikator decisions (R2, R4, R9, R16).
 *
 * Every decision and its effect (issuance, revocation, key destruction)
 * commit in one transaction with their audit events.
 */
#include "svc/audit/audit.h"
#include "svc/base/base.h"
#include "svc/ca/ca.h"
#include "svc/notify/notify.h"
#include "svc/pii/pii.h"
#include "svc/ra/ra.h"
#include "svc/trust/trust.h"

#include "config/config.h"
#include "crypto/crypto.h"
#include "log/log.h"
#include "x509/x509.h"

#include <ctype.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#define RA_MAX_FAILED_UNLOCKS 5
#define RA_MAX_FILES 8

/* ------------------------------------------------------------ policy */

static enum tk_err approvals_needed(struct svc_ctx *c, const char *kind, int64_t *out)
{
	static const struct { const char *kind; uint64_t dflt; } d[] = {
		{"issue", 1}, {"seal", 2}, {"revoke", 2}, {"hold", 1}, {"release", 1}, {"reset", 1}, {"renew", 1},
	};
	char key[48];
	uint64_t v = 1;
	size_t i;
	enum tk_err rc;

	for (i = 0; i < sizeof(d) / sizeof(d[0]); i++)
		if (strcmp(d[i].kind, kind) == 0)
			v = d[i].dflt;
	if ((rc = str_fmt(key, sizeof(key), "approvals_%s", kind)) != TK_OK ||
	    (rc = config_get_u64(c->inst->cfg, "ra", key, v, 10, &v)) != TK_OK)
		return rc;
	*out = v < 1 ? 1 : (int64_t)v;
	return TK_OK;
}

/* R9: the agreement requires at least two appointed Verifikators. */
static enum tk_err quorum_check(struct svc_ctx *c)
{
	int64_t n = 0;
	uint64_t min;
	enum tk_err rc;

	if ((rc = config_get_u64(c->inst->cfg, "ra", "min_verifikators", 2, 100, &min)) != TK_OK)
		return rc;
	if (min < 2)
		min = 2;
	if ((rc = store_query_i64(c->st, "SELECT COUNT(*) FROM users WHERE role = 'verifikator' AND active = 1", NULL, &n)) != TK_OK)
		return rc;
	if (n < (int64_t)min)
		return tk_fail_code(TK_ERR_CONFLICT, "verifikator_quorum",
		    "only %lld active Verifikator(s); at least %llu are required (PKS art. 4(1)l)", (long long)n, (unsigned long long)min);
	return TK_OK;
}

static enum tk_err user_lookup(struct svc_ctx *c, const char *username, int64_t *id, char role[24])
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "SELECT id, role FROM users WHERE username = ? AND active = 1", &s)) != TK_OK)
		return rc;
	if ((rc = store_bind_text(s, 1, username)) == TK_OK && (rc = store_step(s, &row)) == TK_OK) {
		if (!row)
			rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_user", "no active user %s", username);
		else {
			*id = store_col_i64(s, 0);
			rc = str_copy(role, 24, store_col_text(s, 1));
		}
	}
	store_finalize(s);
	return rc;
}

enum tk_err ra_subscriber_of(struct svc_ctx *c, const char *username, int64_t *id)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "SELECT s.id FROM subscribers s JOIN users u ON u.id = s.user_id WHERE u.username = ? AND s.status = 'active'", &s)) != TK_OK)
		return rc;
	if ((rc = store_bind_text(s, 1, username)) == TK_OK && (rc = store_step(s, &row)) == TK_OK) {
		if (!row)
			rc = tk_fail_code(TK_ERR_NOT_FOUND, "not_enrolled", "%s has no subscriber record", username);
		else
			*id = store_col_i64(s, 0);
	}
	store_finalize(s);
	return rc;
}

/* ------------------------------------------------------------ validation */

static int text_ok(const char *s, size_t min, size_t max)
{
	size_t i, n;

	if (s == NULL)
		return min == 0;
	n = strlen(s);
	if (n < min || n > max)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

static enum tk_err identity_check(const struct ra_identity *id)
{
	size_t i;
	enum tk_err rc;

	if (id->nik == NULL)
		return tk_fail_code(TK_ERR_INVALID, "missing_field", "nik is required");
	if ((rc = nik_check(id->nik)) != TK_OK)
		return rc;
	if (id->nip != NULL && id->nip[0] != '\0') {
		if (strlen(id->nip) != 18)
			return tk_fail_code(TK_ERR_INVALID, "invalid_nip", "NIP must be exactly 18 digits");
		for (i = 0; i < 18; i++)
			if (!isdigit((unsigned char)id->nip[i]))
				return tk_fail_code(TK_ERR_INVALID, "invalid_nip", "NIP must be exactly 18 digits");
	}
	if (!text_ok(id->full_name, 1, 200))
		return tk_fail_code(TK_ERR_INVALID, "invalid_name", "full_name must be 1-200 printable characters");
	if (!text_ok(id->unit, 1, 200) || !text_ok(id->position, 1, 200))
		return tk_fail_code(TK_ERR_INVALID, "invalid_unit", "unit and position must be 1-200 printable characters");
	if (!text_ok(id->email, 3, 254) || strchr(id->email, '@') == NULL || strchr(id->email, ' ') != NULL ||
	    id->email[0] == '@' || strchr(id->email, '@')[1] == '\0')
		return tk_fail_code(TK_ERR_INVALID, "invalid_email", "email is not a valid address");
	if (id->phone != NULL && id->phone[0] != '\0') {
		size_t n = strlen(id->phone);
		if (n < 8 || n > 20)
			return tk_fail_code(TK_ERR_INVALID, "invalid_phone", "phone must be 8-20 digits, optionally starting with +");
		for (i = 0; i < n; i++)
			if (!isdigit((unsigned char)id->phone[i]) && !(i == 0 && id->phone[i] == '+'))
				return tk_fail_code(TK_ERR_INVALID, "invalid_phone", "phone must be 8-20 digits, optionally starting with +");
	}
	return TK_OK;
}

/* Evidence types are decided by content, never by name or declared type. */
static const char *sniff_mime(const uint8_t *p, size_t len)
{
	if (len >= 5 && memcmp(p, "%PDF-", 5) == 0)
		return "application/pdf";
	if (len >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
		return "image/png";
	if (len >= 3 && memcmp(p, "\xff\xd8\xff", 3) == 0)
		return "image/jpeg";
	return NULL;
}

/* A plain file name: no directories, no traversal, a safe character set. */
static enum tk_err filename_check(const char *name)
{
	size_t i, n = name ? strlen(name) : 0;

	if (n == 0 || n > 100 || strcmp(name, ".") == 0 || strstr(name, "..") != NULL || name[0] == '.')
		return tk_fail_code(TK_ERR_INVALID, "invalid_filename", "file name must be 1-100 characters without '..' or a leading dot");
	for (i = 0; i < n; i++) {
		char ch = name[i];
		if (!(isalnum((unsigned char)ch) || ch == '.' || ch == '-' || ch == '_' || ch == ' '))
			return tk_fail_code(TK_ERR_INVALID, "invalid_filename", "file name may hold only letters, digits, space, '.', '-' and '_'");
	}
	return TK_OK;
}

static enum tk_err files_check(struct svc_ctx *c, const struct ra_file *f, size_t n)
{
	const char *required = config_get_or(c->inst->cfg, "ra", "required_evidence", "ktp,sk");
	uint64_t max;
	size_t i;
	enum tk_err rc;

	if ((rc = config_get_u64(c->inst->cfg, "ra", "max_evidence_bytes", 10u << 20, 50u << 20, &max)) != TK_OK)
		return rc;
	if (n > RA_MAX_FILES)
		return tk_fail_code(TK_ERR_INVALID, "too_many_files", "at most %u evidence files", RA_MAX_FILES);
	for (i = 0; i < n; i++) {
		if (strcmp(f[i].kind, "ktp") && strcmp(f[i].kind, "sk") && strcmp(f[i].kind, "other"))
			return tk_fail_code(TK_ERR_INVALID, "invalid_evidence", "evidence kind must be ktp, sk or other");
		if ((rc = filename_check(f[i].filename)) != TK_OK)
			return rc;
		if (f[i].len == 0 || f[i].len > max)
			return tk_fail_code(TK_ERR_LIMIT, "evidence_too_large", "evidence file %s is empty or larger than %llu bytes",
			    f[i].filename, (unsigned long long)max);
		if (sniff_mime(f[i].data, f[i].len) == NULL)
			return tk_fail_code(TK_ERR_INVALID, "invalid_evidence", "evidence file %s is not a PDF, PNG or JPEG", f[i].filename);
	}
	/* Each required kind at least once. */
	{
		const char *p = required;
		while (*p) {
			char kind[16];
			size_t k = 0, j;
			int found = 0;
			while (*p == ',' || *p == ' ')
				p++;
			while (*p && *p != ',' && k < sizeof(kind) - 1)
				kind[k++] = *p++;
			kind[k] = '\0';
			if (k == 0)
				break;
			for (j = 0; j < n; j++)
				if (strcmp(f[j].kind, kind) == 0)
					found = 1;
			if (!found)
				return tk_fail_code(TK_ERR_INVALID, "missing_evidence", "evidence of kind '%s' is required", kind);
		}
	}
	return TK_OK;
}

static enum tk_err passphrase_check(struct svc_ctx *c, const char *pass, const char *nik, const char *username)
{
	uint64_t min;
	enum tk_err rc;

	if ((rc = config_get_u64(c->inst->cfg, "ra", "passphrase_min_length", 8, 256, &min)) != TK_OK)
		return rc;
	if (strlen(pass) < min || strlen(pass) > 256)
		return tk_fail_code(TK_ERR_INVALID, "weak_passphrase", "passphrase must be %llu to 256 characters", (unsigned long long)min);
	if ((nik != NULL && strstr(pass, nik) != NULL) || (username != NULL && strcmp(pass, username) == 0))
		return tk_fail_code(TK_ERR_INVALID, "weak_passphrase", "passphrase must not contain the NIK or equal the user name");
	return TK_OK;
}

/* ------------------------------------------------------------ keys */

static enum tk_err key_aad(const char *what, int64_t key_id, char *out, size_t sz)
{
	return str_fmt(out, sz, "teken-%s-v1:%lld", what, (long long)key_id);
}

/*
 * The passphrase layer's key: a fresh salt and the Argon2id key derived
 * from it. Made before a write transaction opens (Argon2 is slow on
 * purpose and must not hold the store's write lock); wipe with
 * OPENSSL_cleanse after use.
 */
struct subkey_kek {
	uint8_t salt[16];
	uint8_t k[32];
};

static enum tk_err subkey_kek_derive(const char *pass, struct subkey_kek *out)
{
	enum tk_err rc;

	if ((rc = rand_bytes(out->salt, sizeof(out->salt))) != TK_OK || (rc = kdf_passphrase(pass, out->salt, out->k)) != TK_OK)
		OPENSSL_cleanse(out, sizeof(*out));
	return rc;
}

/*
 * Subscriber key blob: instance-sealed( salt(16) || passphrase-sealed(PKCS#8) ).
 * The inner layer needs the passphrase; the outer layer needs the instance key,
 * so a stolen database alone allows no offline guessing. subkey_open() reads it.
 */
static enum tk_err subkey_seal_kek(struct svc_ctx *c, int64_t key_id, const struct subkey_kek *kek, EVP_PKEY *pk, struct buf *out)
{
	uint8_t *der = NULL;
	struct buf inner;
	char aad[64];
	int n = 0;
	enum tk_err rc;

	buf_init(&inner, MAX_KEY_BLOB_BYTES);
	if ((n = i2d_PrivateKey(pk, &der)) <= 0) {
		rc = tk_fail_ossl("subscriber key: encoding");
		goto out;
	}
	if ((rc = buf_append(&inner, kek->salt, sizeof(kek->salt))) != TK_OK || (rc = key_aad("subkey", key_id, aad, sizeof(aad))) != TK_OK ||
	    (rc = aead_seal(kek->k, aad, der, (size_t)n, &inner)) != TK_OK || (rc = key_aad("subkey-wrap", key_id, aad, sizeof(aad))) != TK_OK)
		goto out;
	rc = aead_seal(c->inst->ikey, aad, inner.p, inner.len, out);
out:
	if (der != NULL)
		OPENSSL_clear_free(der, (size_t)n);
	buf_free(&inner);
	return rc;
}

/* The same with the key derived here (callers that already hold a transaction). */
static enum tk_err subkey_seal(struct svc_ctx *c, int64_t key_id, const char *pass, EVP_PKEY *pk, struct buf *out)
{
	struct subkey_kek kek;
	enum tk_err rc;

	if ((rc = subkey_kek_derive(pass, &kek)) == TK_OK)
		rc = subkey_seal_kek(c, key_id, &kek, pk, out);
	OPENSSL_cleanse(&kek, sizeof(kek));
	return rc;
}

/* Opens a subscriber key; TK_ERR_CRYPTO with code passphrase_invalid on a wrong passphrase. */
static enum tk_err subkey_open(struct svc_ctx *c, int64_t key_id, const char *pass, const uint8_t *blob, size_t len,
    EVP_PKEY **out)
{
	struct buf inner, der;
	uint8_t k[32];
	char aad[64];
	const uint8_t *q;
	enum tk_err rc;

	buf_init_secret(&inner, MAX_KEY_BLOB_BYTES);
	buf_init_secret(&der, MAX_KEY_BLOB_BYTES);
	if ((rc = key_aad("subkey-wrap", key_id, aad, sizeof(aad))) != TK_OK)
		goto out;
	if ((rc = aead_open(c->inst->ikey, aad, blob, len, &inner)) != TK_OK || inner.len < 16) {
		rc = tk_fail(TK_ERR_CRYPTO, "subscriber key %lld: instance layer does not open (wrong instance key or tampered)", (long long)key_id);
		goto out;
	}
	if ((rc = kdf_passphrase(pass, inner.p, k)) != TK_OK || (rc = key_aad("subkey", key_id, aad, sizeof(aad))) != TK_OK)
		goto out;
	if (aead_open(k, aad, inner.p + 16, inner.len - 16, &der) != TK_OK) {
		rc = tk_fail_code(TK_ERR_CRYPTO, "passphrase_invalid", "passphrase wrong");
		goto out;
	}
	q = der.p;
	if ((*out = d2i_AutoPrivateKey(NULL, &q, (long)der.len)) == NULL)
		rc = tk_fail_ossl("subscriber key: decoding");
out:
	OPENSSL_cleanse(k, sizeof(k));
	buf_free(&inner);
	buf_free(&der);
	return rc;
}

/*
 * Adds a pending subscriber key inside the caller's transaction: generated
 * here and sealed under kek (derived from the official's passphrase before
 * the transaction), or the public key of a CSR (proof of possession
 * checked) whose private key stays with the subscriber.
 */
static enum tk_err key_add(struct svc_ctx *c, int64_t subscriber_id, const struct subkey_kek *kek, const uint8_t *csr,
    size_t csr_len, int64_t *key_id)
{
	struct store_stmt *s = NULL;
	X509_REQ *req = NULL;
	EVP_PKEY *pk = NULL;
	struct x509_profile prof;
	unsigned char *pub = NULL;
	struct buf blob;
	char alg[16];
	int publen = 0, row = 0;
	enum tk_err rc;

	buf_init(&blob, MAX_KEY_BLOB_BYTES);
	if (csr == NULL && kek == NULL) {
		rc = tk_fail(TK_ERR_INTERNAL, "subscriber key: neither a CSR nor a passphrase key");
		goto out;
	}
	if ((rc = x509_profile_load(c->inst->cfg, "individual", &prof)) != TK_OK)
		goto out;
	if (csr != NULL) {
		if ((rc = x509_csr_parse(csr, csr_len, &req)) != TK_OK)
			goto out;
		pk = X509_REQ_get_pubkey(req);
	} else if ((rc = key_generate(config_get_or(c->inst->cfg, "ra", "key_alg", "ec-p256"), &pk)) != TK_OK) {
		goto out;
	}
	if (pk == NULL) {
		rc = tk_fail_code(TK_ERR_INVALID, "bad_csr", "csr: no public key");
		goto out;
	}
	if ((rc = x509_profile_check_key(&prof, pk)) != TK_OK || (rc = key_alg_of(pk, alg)) != TK_OK)
		goto out;
	if ((publen = i2d_PUBKEY(pk, &pub)) <= 0) {
		rc = tk_fail_ossl("subscriber key: public key");
		goto out;
	}
	if ((rc = store_prepare(c->st, "INSERT INTO subscriber_keys (subscriber_id, alg, pubkey, created_at) VALUES (?, ?, ?, ?) RETURNING id", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, subscriber_id)) != TK_OK || (rc = store_bind_text(s, 2, alg)) != TK_OK ||
	    (rc = store_bind_blob(s, 3, pub, (size_t)publen)) != TK_OK || (rc = store_bind_i64(s, 4, tk_now())) != TK_OK ||
	    (rc = store_step(s, &row)) != TK_OK)
		goto out;
	*key_id = store_col_i64(s, 0);
	store_finalize(s);
	s = NULL;
	if (csr == NULL) {
		if ((rc = subkey_seal_kek(c, *key_id, kek, pk, &blob)) != TK_OK)
			goto out;
		if ((rc = store_prepare(c->st, "UPDATE subscriber_keys SET blob = ? WHERE id = ?", &s)) != TK_OK ||
		    (rc = store_bind_blob(s, 1, blob.p, blob.len)) != TK_OK || (rc = store_bind_i64(s, 2, *key_id)) != TK_OK ||
		    (rc = store_step(s, &row)) != TK_OK)
			goto out;
	}
	{
		char d[96];
		if ((rc = str_fmt(d, sizeof(d), "{\"alg\":\"%s\",\"held_by\":\"%s\"}", alg, csr ? "subscriber" : "server")) == TK_OK) {
			char obj[24];
			if ((rc = str_fmt(obj, sizeof(obj), "%lld", (long long)*key_id)) == TK_OK)
				rc = audit_append(c, "key.create", obj, d);
		}
	}
out:
	store_finalize(s);
	OPENSSL_free(pub);
	EVP_PKEY_free(pk);
	X509_REQ_free(req);
	buf_free(&blob);
	return rc;
}

/* ------------------------------------------------------------ requests */

static enum tk_err request_file(struct svc_ctx *c, const char *kind, int64_t subscriber_id, int64_t key_id, json_t *payload,
    int64_t *id)
{
	struct store_stmt *s = NULL;
	char *ptxt = NULL, obj[24];
	int64_t need;
	int row = 0;
	enum tk_err rc;

	if ((rc = approvals_needed(c, kind, &need)) != TK_OK)
		return rc;
	if ((ptxt = json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	if ((rc = store_prepare(c->st, "INSERT INTO requests (kind, subscriber_id, key_id, submitted_by, required_approvals, payload, created_at)"
		 " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id", &s)) != TK_OK)
		goto out;
	if ((rc = store_bind_text(s, 1, kind)) != TK_OK ||
	    (rc = subscriber_id ? store_bind_i64(s, 2, subscriber_id) : store_bind_null(s, 2)) != TK_OK ||
	    (rc = key_id ? store_bind_i64(s, 3, key_id) : store_bind_null(s, 3)) != TK_OK ||
	    (rc = store_bind_text(s, 4, c->actor.user)) != TK_OK || (rc = store_bind_i64(s, 5, need)) != TK_OK ||
	    (rc = store_bind_text(s, 6, ptxt)) != TK_OK || (rc = store_bind_i64(s, 7, tk_now())) != TK_OK ||
	    (rc = store_step(s, &row)) != TK_OK)
		goto out;
	*id = store_col_i64(s, 0);
	store_finalize(s);
	s = NULL;
	if ((rc = str_fmt(obj, sizeof(obj), "%lld", (long long)*id)) == TK_OK) {
		char action[32];
		if ((rc = str_fmt(action, sizeof(action), "request.%s", kind)) == TK_OK)
			rc = audit_append(c, action, obj, ptxt);
	}
	/*
	 * A Verifikator who files a revocation, suspension or resumption is its
	 * first approver: "two distinct Verifikators" are the one who asks and
	 * one other (with two appointed, the rule must stay satisfiable). Not for
	 * issuance: whoever files an enrolment never verifies it.
	 */
	if (rc == TK_OK && strcmp(c->actor.role, "verifikator") == 0 &&
	    (strcmp(kind, "revoke") == 0 || strcmp(kind, "hold") == 0 || strcmp(kind, "release") == 0)) {
		int row2;
		store_finalize(s);
		s = NULL;
		if ((rc = store_prepare(c->st, "INSERT INTO approvals (request_id, verifikator, decision, reason, at) VALUES (?, ?, 'approve', 'filed the request', ?)", &s)) == TK_OK &&
		    (rc = store_bind_i64(s, 1, *id)) == TK_OK && (rc = store_bind_text(s, 2, c->actor.user)) == TK_OK &&
		    (rc = store_bind_i64(s, 3, tk_now())) == TK_OK)
			rc = store_step(s, &row2);
	}
out:
	free(ptxt);
	store_finalize(s);
	return rc;
}

/* The subject of an individual certificate, from verified identity data only. */
static enum tk_err subject_for(struct svc_ctx *c, int64_t subscriber_id, X509_NAME **out, char email_out[256])
{
	struct store_stmt *s = NULL;
	struct buf nik, email;
	char sn[32], name[256], unit[256], pos[256];
	const char *org = config_get_or(c->inst->cfg, "instance", "organization", "Kementerian");
	int with_nik = strcmp(config_get_or(c->inst->cfg, "ra", "nik_in_certificate", "yes"), "yes") == 0;
	int row = 0;
	enum tk_err rc;

	buf_init_secret(&nik, 64);
	buf_init_secret(&email, 512);
	if ((rc = store_prepare(c->st, "SELECT full_name, unit, position, nik, email FROM subscribers WHERE id = ? AND status = 'active'", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, subscriber_id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_subscriber", "subscriber %lld not found", (long long)subscriber_id);
		goto out;
	}
	{
		size_t nl = 0, el = 0;
		const uint8_t *nb = store_col_blob(s, 3, &nl), *eb = store_col_blob(s, 4, &el);
		if ((rc = str_copy(name, sizeof(name), store_col_text(s, 0))) != TK_OK ||
		    (rc = str_copy(unit, sizeof(unit), store_col_text(s, 1))) != TK_OK ||
		    (rc = str_copy(pos, sizeof(pos), store_col_text(s, 2))) != TK_OK ||
		    (rc = pii_open(c->inst, "nik", nb, nl, &nik)) != TK_OK || (rc = pii_open(c->inst, "email", eb, el, &email)) != TK_OK)
			goto out;
	}
	if ((rc = str_fmt(sn, sizeof(sn), "IDCID-%s", (const char *)nik.p)) != TK_OK ||
	    (rc = str_copy(email_out, 256, (const char *)email.p)) != TK_OK)
		goto out;
	{
		const char *pairs[6][2] = {{"C", "ID"}, {"O", org}, {"OU", unit}, {"title", pos}, {"CN", name}, {"serialNumber", sn}};
		rc = x509_name_from_pairs((const char *const(*)[2])pairs, with_nik ? 6 : 5, out);
	}
out:
	store_finalize(s);
	buf_free(&nik);
	buf_free(&email);
	return rc;
}

/*
 * The NIK and/or the e-mail address of an active subscriber (either out
 * pointer may be NULL), opened for the service's own use: passphrase rules
 * and mail. No person sees them, so this is no pii.read.
 */
static enum tk_err subscriber_contact(struct svc_ctx *c, int64_t subscriber_id, char nik_out[17], char email_out[256])
{
	struct store_stmt *s = NULL;
	struct buf nik, email;
	int row = 0;
	enum tk_err rc;

	buf_init_secret(&nik, 64);
	buf_init_secret(&email, 512);
	if ((rc = store_prepare(c->st, "SELECT nik, email FROM subscribers WHERE id = ? AND status = 'active'", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, subscriber_id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_subscriber", "subscriber %lld not found", (long long)subscriber_id);
		goto out;
	}
	{
		size_t nl = 0, el = 0;
		const uint8_t *nb = store_col_blob(s, 0, &nl), *eb = store_col_blob(s, 1, &el);
		if (nik_out != NULL &&
		    ((rc = pii_open(c->inst, "nik", nb, nl, &nik)) != TK_OK || (rc = str_copy(nik_out, 17, (const char *)nik.p)) != TK_OK))
			goto out;
		if (email_out != NULL &&
		    ((rc = pii_open(c->inst, "email", eb, el, &email)) != TK_OK || (rc = str_copy(email_out, 256, (const char *)email.p)) != TK_OK))
			goto out;
	}
out:
	store_finalize(s);
	buf_free(&nik);
	buf_free(&email);
	return rc;
}

/*
 * An approved enrolment that names no key (staff enrolled the official):
 * nothing is certified yet. The official activates it themself with
 * ra_activate(), choosing a passphrase or sending a CSR that nobody else
 * ever sees (sole control, PKS art. 4(1)c); a mail tells them to.
 */
static enum tk_err activation_await(struct svc_ctx *c, int64_t subscriber_id, json_t *result)
{
	char email[256], body[1024];
	enum tk_err rc;

	if ((rc = subscriber_contact(c, subscriber_id, NULL, email)) != TK_OK)
		goto out;
	if ((rc = str_fmt(body, sizeof(body),
		 "Permohonan sertifikat elektronik Anda telah disetujui. Masuk ke %s/app dan lakukan aktivasi:\n"
		 "pilih sendiri passphrase penandatanganan Anda; sertifikat terbit setelah aktivasi.\n"
		 "Petugas tidak pernah menanyakan passphrase Anda.\n\n"
		 "Your certificate request has been approved. Log in at %s/app and activate it:\n"
		 "choose your own signing passphrase; the certificate is issued on activation.\n"
		 "Staff never ask for your passphrase.\n", c->inst->base_url, c->inst->base_url)) != TK_OK ||
	    (rc = notify_queue(c, email, "Aktivasi sertifikat elektronik / Activate your certificate", body)) != TK_OK)
		goto out;
	if (json_object_set_new(result, "activation", json_string("pending")) != 0)
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
out:
	OPENSSL_cleanse(email, sizeof(email));
	return rc;
}

/* Issues the certificate of a pending subscriber key (inside the transaction). */
static enum tk_err issue_for_key(struct svc_ctx *c, int64_t subscriber_id, int64_t key_id, json_t *result)
{
	struct store_stmt *s = NULL;
	X509_NAME *name = NULL;
	EVP_PKEY *pk = NULL;
	X509 *cert = NULL;
	char serial[65], email[256], body[512];
	int64_t ca_id = 0;
	int row = 0;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "SELECT pubkey FROM subscriber_keys WHERE id = ? AND subscriber_id = ? AND status = 'pending'", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, key_id)) != TK_OK || (rc = store_bind_i64(s, 2, subscriber_id)) != TK_OK ||
	    (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail_code(TK_ERR_CONFLICT, "key_not_pending", "the key of this request is no longer pending");
		goto out;
	}
	{
		size_t len = 0;
		const uint8_t *p = store_col_blob(s, 0, &len);
		if ((pk = d2i_PUBKEY(NULL, &p, (long)len)) == NULL) {
			rc = tk_fail_ossl("subscriber key: stored public key");
			goto out;
		}
	}
	store_finalize(s);
	s = NULL;
	if ((rc = subject_for(c, subscriber_id, &name, email)) != TK_OK ||
	    (rc = ca_build(c, "individual", pk, name, &cert, &ca_id)) != TK_OK ||
	    (rc = svc_insert_cert(c, cert, "individual", ca_id, subscriber_id)) != TK_OK ||
	    (rc = x509_serial_hex(cert, serial, sizeof(serial))) != TK_OK)
		goto out;
	if ((rc = store_prepare(c->st, "UPDATE subscriber_keys SET status = 'active', cert_serial = ? WHERE id = ?", &s)) != TK_OK ||
	    (rc = store_bind_text(s, 1, serial)) != TK_OK || (rc = store_bind_i64(s, 2, key_id)) != TK_OK ||
	    (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if ((rc = str_fmt(body, sizeof(body),
		 "Sertifikat elektronik Anda telah diterbitkan (nomor seri %s).\n"
		 "Your electronic certificate has been issued (serial %s).\n", serial, serial)) != TK_OK ||
	    (rc = notify_queue(c, email, "Sertifikat elektronik terbit / Certificate issued", body)) != TK_OK)
		goto out;
	if (json_object_set_new(result, "serial", json_string(serial)) != 0)
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
out:
	store_finalize(s);
	X509_NAME_free(name);
	X509_free(cert);
	EVP_PKEY_free(pk);
	return rc;
}

/* Destroys a subscriber's keys (blob wiped) and revokes their live certificates. */
static enum tk_err destroy_keys(struct svc_ctx *c, int64_t subscriber_id, int64_t keep_key_id, int reason)
{
	struct store_stmt *s = NULL;
	char serials[16][65];
	size_t n = 0, i;
	int row = 0;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "SELECT k.cert_serial FROM subscriber_keys k JOIN certs c ON c.serial = k.cert_serial"
		 " WHERE k.subscriber_id = ? AND k.id <> ? AND c.status IN ('valid', 'hold')", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, subscriber_id)) != TK_OK || (rc = store_bind_i64(s, 2, keep_key_id)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row && n < 16)
		if ((rc = str_copy(serials[n++], 65, store_col_text(s, 0))) != TK_OK)
			goto out;
	if (rc != TK_OK)
		goto out;
	store_finalize(s);
	s = NULL;
	for (i = 0; i < n; i++)
		if ((rc = ca_revoke_in_tx(c, serials[i], reason)) != TK_OK)
			goto out;
	if ((rc = store_prepare(c->st, "UPDATE subscriber_keys SET status = 'destroyed', blob = NULL, destroyed_at = ?"
		 " WHERE subscriber_id = ? AND id <> ? AND status <> 'destroyed'", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, tk_now())) != TK_OK || (rc = store_bind_i64(s, 2, subscriber_id)) != TK_OK ||
	    (rc = store_bind_i64(s, 3, keep_key_id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (store_changes(s) > 0) {
		char obj[24];
		if ((rc = str_fmt(obj, sizeof(obj), "%lld", (long long)subscriber_id)) == TK_OK)
			rc = audit_append(c, "key.destroy", obj, NULL);
	}
out:
	store_finalize(s);
	return rc;
}

/* Marks the key behind a revoked certificate destroyed: it can sign nothing valid again. */
static enum tk_err destroy_key_of_cert(struct svc_ctx *c, const char *serial)
{
	struct store_stmt *s = NULL;
	int row;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "UPDATE subscriber_keys SET status = 'destroyed', blob = NULL, destroyed_at = ? WHERE cert_serial = ?", &s)) == TK_OK &&
	    (rc = store_bind_i64(s, 1, tk_now())) == TK_OK && (rc = store_bind_text(s, 2, serial)) == TK_OK)
		rc = store_step(s, &row);
	store_finalize(s);
	return rc;
}

/* An organisational seal: key held by the instance, certificate under profile seal. */
static enum tk_err issue_seal(struct svc_ctx *c, int64_t request_id, json_t *payload, json_t *result)
{
	const char *cn = json_string_value(json_object_get(payload, "common_name"));
	const char *unit = json_string_value(json_object_get(payload, "unit"));
	const char *org = config_get_or(c->inst->cfg, "instance", "organization", "Kementerian");
	struct store_stmt *s = NULL;
	EVP_PKEY *pk = NULL;
	X509_NAME *name = NULL;
	X509 *cert = NULL;
	struct buf blob;
	char key_name[48], serial[65], alg[16];
	int64_t ca_id = 0;
	int row;
	enum tk_err rc;

	buf_init(&blob, MAX_KEY_BLOB_BYTES);
	if (cn == NULL || unit == NULL) {
		rc = tk_fail(TK_ERR_INTERNAL, "seal request without common_name or unit");
		goto out;
	}
	{
		const char *pairs[4][2] = {{"C", "ID"}, {"O", org}, {"OU", unit}, {"CN", cn}};
		if ((rc = x509_name_from_pairs((const char *const(*)[2])pairs, 4, &name)) != TK_OK)
			goto out;
	}
	if ((rc = str_fmt(key_name, sizeof(key_name), "seal-%lld", (long long)request_id)) != TK_OK ||
	    (rc = key_generate(config_get_or(c->inst->cfg, "ca", "leaf_key_alg", "ec-p256"), &pk)) != TK_OK ||
	    (rc = key_alg_of(pk, alg)) != TK_OK || (rc = key_soft_seal(c->inst->ikey, key_name, pk, &blob)) != TK_OK)
		goto out;
	if ((rc = store_prepare(c->st, "INSERT INTO keys (name, kind, alg, blob, created_at) VALUES (?, 'soft', ?, ?, ?)", &s)) != TK_OK ||
	    (rc = store_bind_text(s, 1, key_name)) != TK_OK || (rc = store_bind_text(s, 2, alg)) != TK_OK ||
	    (rc = store_bind_blob(s, 3, blob.p, blob.len)) != TK_OK || (rc = store_bind_i64(s, 4, tk_now())) != TK_OK ||
	    (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if ((rc = audit_append(c, "key.create", key_name, NULL)) != TK_OK ||
	    (rc = ca_build(c, "seal", pk, name, &cert, &ca_id)) != TK_OK ||
	    (rc = svc_insert_cert(c, cert, "seal", ca_id, 0)) != TK_OK || (rc = x509_serial_hex(cert, serial, sizeof(serial))) != TK_OK)
		goto out;
	{
		/* "cert.<key>" names the seal's certificate, as for the instance seal. */
		char mk[64];
		int r2;
		store_finalize(s);
		s = NULL;
		if ((rc = str_fmt(mk, sizeof(mk), "cert.%s", key_name)) != TK_OK ||
		    (rc = store_prepare(c->st, "INSERT INTO meta (key, value) VALUES (?, ?)", &s)) != TK_OK || (rc = store_bind_text(s, 1, mk)) != TK_OK ||
		    (rc = store_bind_text(s, 2, serial)) != TK_OK || (rc = store_step(s, &r2)) != TK_OK)
			goto out;
	}
	if (json_object_set_new(result, "serial", json_string(serial)) != 0 || json_object_set_new(result, "key_name", json_string(key_name)) != 0)
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
out:
	store_finalize(s);
	buf_free(&blob);
	EVP_PKEY_free(pk);
	X509_NAME_free(name);
	X509_free(cert);
	return rc;
}

/* Carries out an approved request inside the decision's transaction. */
static enum tk_err request_execute(struct svc_ctx *c, int64_t id, const char *kind, int64_t subscriber_id, int64_t key_id,
    json_t *payload, json_t *result)
{
	const char *serial = json_string_value(json_object_get(payload, "serial"));
	enum tk_err rc;

	if (strcmp(kind, "issue") == 0 && key_id == 0)
		return activation_await(c, subscriber_id, result);
	if (strcmp(kind, "issue") == 0 || strcmp(kind, "renew") == 0)
		return issue_for_key(c, subscriber_id, key_id, result);
	if (strcmp(kind, "reset") == 0) {
		/* A lost passphrase means a lost key: destroy it, then certify the new one. */
		if ((rc = destroy_keys(c, subscriber_id, key_id, 4 /* superseded */)) != TK_OK)
			return rc;
		return issue_for_key(c, subscriber_id, key_id, result);
	}
	if (strcmp(kind, "seal") == 0)
		return issue_seal(c, id, payload, result);
	if (serial == NULL)
		return tk_fail(TK_ERR_INTERNAL, "request %lld has no serial", (long long)id);
	if (strcmp(kind, "revoke") == 0) {
		int reason = 0;
		const char *rn = json_string_value(json_object_get(payload, "reason"));
		if ((rc = x509_reason_parse(rn ? rn : "unspecified", &reason)) != TK_OK || (rc = ca_revoke_in_tx(c, serial, reason)) != TK_OK)
			return rc;
		return destroy_key_of_cert(c, serial);
	}
	if (strcmp(kind, "hold") == 0)
		return ca_revoke_in_tx(c, serial, 6);
	if (strcmp(kind, "release") == 0)
		return ca_release_in_tx(c, serial);
	return tk_fail(TK_ERR_INTERNAL, "unknown request kind %s", kind);
}

struct decide_args {
	int64_t id;
	int approve;
	const char *reason;
};

static enum tk_err decide_tx(struct svc_ctx *c, void *arg)
{
	struct decide_args *a = arg;
	struct store_stmt *s = NULL;
	json_t *payload = NULL, *result = NULL;
	char kind[16], submitted_by[64], role[24], obj[24], *rtxt = NULL;
	int64_t subscriber_id = 0, key_id = 0, need = 0, have = 0, me = 0, concerned = 0;
	int row = 0;
	enum tk_err rc;

	if ((rc = quorum_check(c)) != TK_OK)
		return rc;
	if ((rc = user_lookup(c, c->actor.user, &me, role)) != TK_OK)
		return rc;
	if ((rc = store_prepare(c->st, "SELECT kind, subscriber_id, key_id, submitted_by, status, required_approvals, payload FROM requests WHERE id = ?", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, a->id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_request", "no request %lld", (long long)a->id);
		goto out;
	}
	if (strcmp(store_col_text(s, 4), "pending") != 0) {
		rc = tk_fail_code(TK_ERR_CONFLICT, "request_closed", "request %lld is already %s", (long long)a->id, store_col_text(s, 4));
		goto out;
	}
	if ((rc = str_copy(kind, sizeof(kind), store_col_text(s, 0))) != TK_OK ||
	    (rc = str_copy(submitted_by, sizeof(submitted_by), store_col_text(s, 3))) != TK_OK)
		goto out;
	subscriber_id = store_col_null(s, 1) ? 0 : store_col_i64(s, 1);
	key_id = store_col_null(s, 2) ? 0 : store_col_i64(s, 2);
	need = store_col_i64(s, 5);
	payload = json_loads(store_col_text(s, 6), 0, NULL);
	store_finalize(s);
	s = NULL;
	if (payload == NULL) {
		rc = tk_fail(TK_ERR_INTERNAL, "request %lld: stored payload unreadable", (long long)a->id);
		goto out;
	}
	/* Revocation requests concern the holder of the certificate. */
	if (subscriber_id == 0 && json_object_get(payload, "serial") != NULL) {
		if ((rc = store_prepare(c->st, "SELECT subscriber_id FROM certs WHERE serial = ?", &s)) != TK_OK ||
		    (rc = store_bind_text(s, 1, json_string_value(json_object_get(payload, "serial")))) != TK_OK ||
		    (rc = store_step(s, &row)) != TK_OK)
			goto out;
		if (row && !store_col_null(s, 0))
			subscriber_id = store_col_i64(s, 0);
		store_finalize(s);
		s = NULL;
	}
	if (strcmp(submitted_by, c->actor.user) == 0) {
		rc = tk_fail_code(TK_ERR_DENIED, "self_approval", "you submitted this request; another Verifikator must decide it");
		goto out;
	}
	if (subscriber_id != 0) {
		if ((rc = store_prepare(c->st, "SELECT COUNT(*) FROM subscribers WHERE id = ? AND user_id = ?", &s)) != TK_OK ||
		    (rc = store_bind_i64(s, 1, subscriber_id)) != TK_OK || (rc = store_bind_i64(s, 2, me)) != TK_OK ||
		    (rc = store_step(s, &row)) != TK_OK)
			goto out;
		concerned = store_col_i64(s, 0);
		store_finalize(s);
		s = NULL;
		if (concerned) {
			rc = tk_fail_code(TK_ERR_DENIED, "self_approval", "this request concerns you; another Verifikator must decide it");
			goto out;
		}
	}
	if (!a->approve && (a->reason == NULL || a->reason[0] == '\0')) {
		rc = tk_fail_code(TK_ERR_INVALID, "reason_required", "a rejection needs a reason");
		goto out;
	}
	if ((rc = store_prepare(c->st, "INSERT INTO approvals (request_id, verifikator, decision, reason, at) VALUES (?, ?, ?, ?, ?)", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, a->id)) != TK_OK || (rc = store_bind_text(s, 2, c->actor.user)) != TK_OK ||
	    (rc = store_bind_text(s, 3, a->approve ? "approve" : "reject")) != TK_OK ||
	    (rc = a->reason ? store_bind_text(s, 4, a->reason) : store_bind_null(s, 4)) != TK_OK ||
	    (rc = store_bind_i64(s, 5, tk_now())) != TK_OK || (rc = store_step(s, &row)) != TK_OK) {
		if (rc == TK_ERR_EXISTS)
			rc = tk_fail_code(TK_ERR_CONFLICT, "already_decided", "you have already decided request %lld", (long long)a->id);
		goto out;
	}
	store_finalize(s);
	s = NULL;
	if ((rc = str_fmt(obj, sizeof(obj), "%lld", (long long)a->id)) != TK_OK ||
	    (rc = audit_append(c, a->approve ? "request.approve" : "request.reject", obj, NULL)) != TK_OK)
		goto out;
	result = json_object();
	if (result == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (a->approve) {
		if ((rc = store_prepare(c->st, "SELECT COUNT(*) FROM approvals WHERE request_id = ? AND decision = 'approve'", &s)) != TK_OK ||
		    (rc = store_bind_i64(s, 1, a->id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
			goto out;
		have = store_col_i64(s, 0);
		store_finalize(s);
		s = NULL;
		if (have < need)
			goto out; /* waits for more approvals */
		if ((rc = request_execute(c, a->id, kind, subscriber_id, key_id, payload, result)) != TK_OK)
			goto out;
	} else if (key_id != 0) {
		/* A rejected key is never certified: wipe it now. */
		if ((rc = store_prepare(c->st, "UPDATE subscriber_keys SET status = 'destroyed', blob = NULL, destroyed_at = ? WHERE id = ?", &s)) != TK_OK ||
		    (rc = store_bind_i64(s, 1, tk_now())) != TK_OK || (rc = store_bind_i64(s, 2, key_id)) != TK_OK ||
		    (rc = store_step(s, &row)) != TK_OK)
			goto out;
		store_finalize(s);
		s = NULL;
	}
	if ((rtxt = json_dumps(result, JSON_COMPACT)) == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = store_prepare(c->st, "UPDATE requests SET status = ?, result = ?, reason = ?, decided_at = ? WHERE id = ?", &s)) != TK_OK ||
	    (rc = store_bind_text(s, 1, a->approve ? "approved" : "rejected")) != TK_OK || (rc = store_bind_text(s, 2, rtxt)) != TK_OK ||
	    (rc = a->reason ? store_bind_text(s, 3, a->reason) : store_bind_null(s, 3)) != TK_OK ||
	    (rc = store_bind_i64(s, 4, tk_now())) != TK_OK || (rc = store_bind_i64(s, 5, a->id)) != TK_OK ||
	    (rc = store_step(s, &row)) != TK_OK)
		goto out;
out:
	free(rtxt);
	json_decref(result);
	json_decref(payload);
	store_finalize(s);
	return rc;
}

/*
 * After a committed decision: the stored OCSP responses of the certificates
 * it touched are made again at once (best effort; the responder never
 * serves a response whose status differs from the certificate's anyway).
 */
static void notify_trust(struct svc_ctx *c, int64_t id)
{
	struct store_stmt *s = NULL;
	char serials[2][65];
	size_t n = 0, i;
	int row = 0;

	if (store_prepare(c->st, "SELECT payload, result FROM requests WHERE id = ? AND status = 'approved'", &s) != TK_OK)
		return;
	if (store_bind_i64(s, 1, id) == TK_OK && store_step(s, &row) == TK_OK && row) {
		for (i = 0; i < 2; i++) {
			json_t *j = json_loads(store_col_text(s, (int)i), 0, NULL);
			const char *v = json_string_value(json_object_get(j, "serial"));
			if (v != NULL && str_copy(serials[n], sizeof(serials[0]), v) == TK_OK)
				n++;
			json_decref(j);
		}
	}
	store_finalize(s);
	for (i = 0; i < n; i++)
		trust_cert_changed(c, serials[i]);
	if (n > 0)
		ca_crl_after_change(c);
}

enum tk_err ra_decide(struct svc_ctx *c, int64_t id, int approve, const char *reason, char **out)
{
	struct decide_args a = {id, approve, reason};
	enum tk_err rc;

	if (reason != NULL && !text_ok(reason, 0, 500))
		return tk_fail_code(TK_ERR_INVALID, "invalid_reason", "reason must be at most 500 printable characters");
	if ((rc = svc_in_tx(c, decide_tx, &a)) != TK_OK)
		return rc;
	notify_trust(c, id);
	return ra_request_json(c, id, out);
}

/* ------------------------------------------------------------ enrolment */

/* Takes a rejected official's old record out of the way of a new enrolment (audited). */
static enum tk_err retire_rejected(struct svc_ctx *c, int64_t sid)
{
	struct store_stmt *s = NULL;
	char obj[24];
	int row;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "UPDATE evidence SET blob = NULL, filename = '[diganti]' WHERE subscriber_id = ?", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, sid)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	store_finalize(s);
	s = NULL;
	/* The user link and indexes move to the new record; the old one keeps its history only. */
	if ((rc = store_prepare(c->st, "UPDATE subscribers SET user_id = NULL, nik_index = NULL, email_index = NULL, nik = NULL, nip = NULL,"
		 " email = NULL, phone = NULL, status = 'erased', erased_at = ? WHERE id = ?", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, tk_now())) != TK_OK || (rc = store_bind_i64(s, 2, sid)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if ((rc = str_fmt(obj, sizeof(obj), "%lld", (long long)sid)) == TK_OK)
		rc = audit_append(c, "subscriber.replace", obj, "{\"why\":\"enrolment rejected, enrolling again\"}");
out:
	store_finalize(s);
	return rc;
}

struct enroll_args {
	const struct ra_enroll_in *in;
	const char *username;
	const struct subkey_kek *kek; /* a passphrase's key, derived before the transaction; NULL without */
	int64_t request_id;
};

static enum tk_err enroll_tx(struct svc_ctx *c, void *arg)
{
	struct enroll_args *a = arg;
	const struct ra_enroll_in *in = a->in;
	const struct ra_identity *id = &in->id;
	struct store_stmt *s = NULL;
	struct buf nik, nip, email, phone, fblob;
	char idx[65], eidx[65], role[24];
	int64_t uid = 0, sid = 0, key_id = 0, existing = 0;
	json_t *payload = NULL;
	size_t i;
	int row = 0;
	enum tk_err rc;

	buf_init(&nik, 256);
	buf_init(&nip, 256);
	buf_init(&email, 1024);
	buf_init(&phone, 256);
	buf_init(&fblob, (size_t)64 << 20);
	if ((rc = quorum_check(c)) != TK_OK)
		goto out;
	if ((rc = user_lookup(c, a->username, &uid, role)) != TK_OK)
		goto out;
	if (strcmp(role, "subscriber") != 0) {
		rc = tk_fail_code(TK_ERR_INVALID, "not_a_subscriber", "user %s does not have the subscriber role", a->username);
		goto out;
	}
	pii_nik_index(c->inst, id->nik, idx);
	if ((rc = store_prepare(c->st, "SELECT COUNT(*) FROM subscribers WHERE user_id = ? OR nik_index = ?", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, uid)) != TK_OK || (rc = store_bind_text(s, 2, idx)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	existing = store_col_i64(s, 0);
	store_finalize(s);
	s = NULL;
	if (existing) {
		/* An official whose enrolment was rejected (no key in use or waiting,
		 * no open request, no approved enrolment awaiting activation) may
		 * enrol again: the old record is replaced. */
		int64_t old_sid = 0, busy = 0;
		if ((rc = store_prepare(c->st,
			 "SELECT s.id, (SELECT COUNT(*) FROM subscriber_keys k WHERE k.subscriber_id = s.id AND k.status IN ('active','locked','pending'))"
			 " + (SELECT COUNT(*) FROM requests r WHERE r.subscriber_id = s.id AND (r.status = 'pending'"
			 " OR (r.kind = 'issue' AND r.status = 'approved' AND r.key_id IS NULL)))"
			 " FROM subscribers s WHERE s.user_id = ? AND s.status = 'active' AND (s.nik_index = ? OR NOT EXISTS"
			 " (SELECT 1 FROM subscribers o WHERE o.nik_index = ? AND o.id <> s.id))", &s)) != TK_OK ||
		    (rc = store_bind_i64(s, 1, uid)) != TK_OK || (rc = store_bind_text(s, 2, idx)) != TK_OK ||
		    (rc = store_bind_text(s, 3, idx)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
			goto out;
		if (row) {
			old_sid = store_col_i64(s, 0);
			busy = store_col_i64(s, 1);
		}
		store_finalize(s);
		s = NULL;
		if (old_sid == 0 || busy != 0) {
			rc = tk_fail_code(TK_ERR_EXISTS, "already_enrolled", "this user or NIK is already registered; use renewal or passphrase reset");
			goto out;
		}
		if ((rc = retire_rejected(c, old_sid)) != TK_OK)
			goto out;
	}
	if ((rc = pii_seal(c->inst, "nik", id->nik, &nik)) != TK_OK || (rc = pii_seal(c->inst, "nip", id->nip ? id->nip : "", &nip)) != TK_OK ||
	    (rc = pii_seal(c->inst, "email", id->email, &email)) != TK_OK ||
	    (rc = pii_seal(c->inst, "phone", id->phone ? id->phone : "", &phone)) != TK_OK)
		goto out;
	pii_email_index(c->inst, id->email, eidx);
	if ((rc = store_prepare(c->st, "INSERT INTO subscribers (user_id, nik_index, nik, nip, email, phone, full_name, unit, position, created_at, email_index)"
		 " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, uid)) != TK_OK || (rc = store_bind_text(s, 2, idx)) != TK_OK ||
	    (rc = store_bind_blob(s, 3, nik.p, nik.len)) != TK_OK || (rc = store_bind_blob(s, 4, nip.p, nip.len)) != TK_OK ||
	    (rc = store_bind_blob(s, 5, email.p, email.len)) != TK_OK || (rc = store_bind_blob(s, 6, phone.p, phone.len)) != TK_OK ||
	    (rc = store_bind_text(s, 7, id->full_name)) != TK_OK || (rc = store_bind_text(s, 8, id->unit)) != TK_OK ||
	    (rc = store_bind_text(s, 9, id->position)) != TK_OK || (rc = store_bind_i64(s, 10, tk_now())) != TK_OK ||
	    (rc = store_bind_text(s, 11, eidx)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	sid = store_col_i64(s, 0);
	store_finalize(s);
	s = NULL;
	for (i = 0; i < in->nfiles; i++) {
		const struct ra_file *f = &in->files[i];
		char h[65], aad[64];
		sha256_hex(f->data, f->len, h);
		buf_reset(&fblob);
		if ((rc = str_fmt(aad, sizeof(aad), "evidence-%lld", (long long)sid)) != TK_OK ||
		    (rc = aead_seal(c->inst->pii_key, aad, f->data, f->len, &fblob)) != TK_OK)
			goto out;
		if ((rc = store_prepare(c->st, "INSERT INTO evidence (subscriber_id, kind, filename, mime, size, sha256, blob, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", &s)) != TK_OK ||
		    (rc = store_bind_i64(s, 1, sid)) != TK_OK || (rc = store_bind_text(s, 2, f->kind)) != TK_OK ||
		    (rc = store_bind_text(s, 3, f->filename)) != TK_OK || (rc = store_bind_text(s, 4, sniff_mime(f->data, f->len))) != TK_OK ||
		    (rc = store_bind_i64(s, 5, (int64_t)f->len)) != TK_OK || (rc = store_bind_text(s, 6, h)) != TK_OK ||
		    (rc = store_bind_blob(s, 7, fblob.p, fblob.len)) != TK_OK || (rc = store_bind_i64(s, 8, tk_now())) != TK_OK ||
		    (rc = store_step(s, &row)) != TK_OK)
			goto out;
		store_finalize(s);
		s = NULL;
	}
	{
		char obj[24];
		if ((rc = str_fmt(obj, sizeof(obj), "%lld", (long long)sid)) != TK_OK || (rc = audit_append(c, "subscriber.create", obj, NULL)) != TK_OK)
			goto out;
	}
	/* Without a key the official activates one after approval (ra_activate). */
	if ((a->kek != NULL || in->csr != NULL) && (rc = key_add(c, sid, a->kek, in->csr, in->csr_len, &key_id)) != TK_OK)
		goto out;
	payload = json_pack("{s:s, s:s}", "user", a->username, "key", in->csr ? "csr" : a->kek ? "server" : "activation");
	if (payload == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
		goto out;
	}
	rc = request_file(c, "issue", sid, key_id, payload, &a->request_id);
out:
	json_decref(payload);
	store_finalize(s);
	buf_free(&nik);
	buf_free(&nip);
	buf_free(&email);
	buf_free(&phone);
	buf_free(&fblob);
	return rc;
}

enum tk_err ra_enroll(struct svc_ctx *c, const struct ra_enroll_in *in, int64_t *request_id)
{
	struct enroll_args a = {in, in->username ? in->username : c->actor.user, NULL, 0};
	struct subkey_kek kek;
	int for_other = strcmp(a.username, c->actor.user) != 0;
	enum tk_err rc;

	memset(&kek, 0, sizeof(kek));
	if (strcmp(c->actor.role, "subscriber") == 0 && for_other)
		return tk_fail_code(TK_ERR_DENIED, "forbidden", "a subscriber can only enrol themself");
	/*
	 * Sole control of the signing key (PKS art. 4(1)c, UU 27/2022): whoever
	 * enrols someone else (a Verifikator, an admin, the console operator)
	 * brings identity and evidence only. A passphrase they chose, or a key
	 * pair they made for a CSR, would let them sign as the official. The
	 * official activates the key themself after approval (ra_activate).
	 */
	if (for_other && (in->passphrase != NULL || in->csr != NULL))
		return tk_fail_code(TK_ERR_DENIED, "sole_control",
		    "enrolling another person takes identity and evidence only: the official chooses their own passphrase "
		    "or sends their own CSR when activating (sole control of the signing key)");
	if ((rc = identity_check(&in->id)) != TK_OK || (rc = files_check(c, in->files, in->nfiles)) != TK_OK)
		return rc;
	if (in->passphrase != NULL && in->csr != NULL)
		return tk_fail_code(TK_ERR_INVALID, "key_mode", "give a passphrase (key made on the server) or a CSR (your own key), not both");
	if (in->passphrase != NULL) {
		if ((rc = passphrase_check(c, in->passphrase, in->id.nik, a.username)) != TK_OK ||
		    (rc = subkey_kek_derive(in->passphrase, &kek)) != TK_OK)
			return rc;
		a.kek = &kek;
	}
	rc = svc_in_tx(c, enroll_tx, &a);
	OPENSSL_cleanse(&kek, sizeof(kek));
	if (rc != TK_OK)
		return rc;
	*request_id = a.request_id;
	log_msg(LOG_INFO, "ra.enroll", "request %lld filed", (long long)a.request_id);
	return TK_OK;
}

/* ------------------------------------------------------------ lifecycle */

struct simple_args {
	const char *kind, *serial, *reason, *pass, *username, *cn, *unit;
	const struct subkey_kek *kek; /* reset, renew: the new passphrase's key, derived before the transaction */
	int64_t request_id;
	int done;
};

static enum tk_err cert_owner(struct svc_ctx *c, const char *serial, int64_t *subscriber_id, char status[16])
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "SELECT subscriber_id, status FROM certs WHERE serial = ?", &s)) != TK_OK)
		return rc;
	if ((rc = store_bind_text(s, 1, serial)) == TK_OK && (rc = store_step(s, &row)) == TK_OK) {
		if (!row)
			rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_certificate", "no certificate with serial %s", serial);
		else {
			*subscriber_id = store_col_null(s, 0) ? 0 : store_col_i64(s, 0);
			rc = str_copy(status, 16, store_col_text(s, 1));
		}
	}
	store_finalize(s);
	return rc;
}

static enum tk_err revoke_tx(struct svc_ctx *c, void *arg)
{
	struct simple_args *a = arg;
	int64_t owner = 0, mine = 0;
	char status[16];
	json_t *payload;
	enum tk_err rc;

	if ((rc = cert_owner(c, a->serial, &owner, status)) != TK_OK)
		return rc;
	if (strcmp(status, "revoked") == 0)
		return tk_fail_code(TK_ERR_CONFLICT, "already_revoked", "certificate %s is already revoked", a->serial);
	if (strcmp(c->actor.role, "subscriber") == 0) {
		/* The holder may always revoke their own certificate (e.g. a lost
		 * or compromised key), even without a Verifikator quorum. */
		if (ra_subscriber_of(c, c->actor.user, &mine) != TK_OK || owner != mine)
			return tk_fail_code(TK_ERR_DENIED, "not_your_certificate", "you can revoke only your own certificate");
		{
			int reason = 0;
			if ((rc = x509_reason_parse(a->reason, &reason)) != TK_OK || (rc = ca_revoke_in_tx(c, a->serial, reason)) != TK_OK)
				return rc;
		}
		a->done = 1;
		return destroy_key_of_cert(c, a->serial);
	}
	if ((rc = quorum_check(c)) != TK_OK)
		return rc;
	payload = json_pack("{s:s, s:s}", "serial", a->serial, "reason", a->reason);
	if (payload == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	rc = request_file(c, "revoke", 0, 0, payload, &a->request_id);
	json_decref(payload);
	return rc;
}

enum tk_err ra_revoke(struct svc_ctx *c, const char *serial, const char *reason, int64_t *request_id, int *done)
{
	struct simple_args a;
	char norm[65];
	int r;
	enum tk_err rc;

	memset(&a, 0, sizeof(a));
	if ((rc = ca_serial_normalise(serial, norm)) != TK_OK || (rc = x509_reason_parse(reason, &r)) != TK_OK)
		return rc;
	if (r == 6)
		return tk_fail_code(TK_ERR_INVALID, "bad_reason", "use the hold request to suspend a certificate");
	a.serial = norm;
	a.reason = reason;
	if ((rc = svc_in_tx(c, revoke_tx, &a)) != TK_OK)
		return rc;
	if (a.done) {
		trust_cert_changed(c, norm);
		ca_crl_after_change(c);
	}
	*request_id = a.request_id;
	*done = a.done;
	return TK_OK;
}

static enum tk_err hold_tx(struct svc_ctx *c, void *arg)
{
	struct simple_args *a = arg;
	int64_t owner = 0;
	char status[16];
	json_t *payload;
	enum tk_err rc;

	if ((rc = quorum_check(c)) != TK_OK || (rc = cert_owner(c, a->serial, &owner, status)) != TK_OK)
		return rc;
	if (strcmp(a->kind, "hold") == 0 && strcmp(status, "valid") != 0)
		return tk_fail_code(TK_ERR_CONFLICT, "not_valid", "certificate %s is %s, not valid", a->serial, status);
	if (strcmp(a->kind, "release") == 0 && strcmp(status, "hold") != 0)
		return tk_fail_code(TK_ERR_CONFLICT, "not_on_hold", "certificate %s is not on hold", a->serial);
	if ((payload = json_pack("{s:s}", "serial", a->serial)) == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	rc = request_file(c, a->kind, 0, 0, payload, &a->request_id);
	json_decref(payload);
	return rc;
}

enum tk_err ra_hold(struct svc_ctx *c, const char *serial, int hold, int64_t *request_id)
{
	struct simple_args a;
	char norm[65];
	enum tk_err rc;

	memset(&a, 0, sizeof(a));
	if ((rc = ca_serial_normalise(serial, norm)) != TK_OK)
		return rc;
	a.serial = norm;
	a.kind = hold ? "hold" : "release";
	if ((rc = svc_in_tx(c, hold_tx, &a)) != TK_OK)
		return rc;
	*request_id = a.request_id;
	return TK_OK;
}

/* reset and renew: a new server key for an enrolled subscriber, pending approval. */
static enum tk_err newkey_tx(struct svc_ctx *c, void *arg)
{
	struct simple_args *a = arg;
	int64_t sid = 0, key_id = 0, pending = 0;
	json_t *payload;
	enum tk_err rc;

	if ((rc = quorum_check(c)) != TK_OK || (rc = ra_subscriber_of(c, a->username, &sid)) != TK_OK)
		return rc;
	{
		char q[32];
		if ((rc = str_fmt(q, sizeof(q), "%lld", (long long)sid)) != TK_OK ||
		    (rc = store_query_i64(c->st, "SELECT COUNT(*) FROM requests WHERE status = 'pending' AND kind IN ('issue','reset','renew')"
			 " AND subscriber_id = CAST(? AS INTEGER)", q, &pending)) != TK_OK)
			return rc;
	}
	if (pending)
		return tk_fail_code(TK_ERR_CONFLICT, "request_pending", "a key request for this subscriber is already waiting for a Verifikator");
	if ((rc = key_add(c, sid, a->kek, NULL, 0, &key_id)) != TK_OK)
		return rc;
	if ((payload = json_pack("{s:s}", "user", a->username)) == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	rc = request_file(c, a->kind, sid, key_id, payload, &a->request_id);
	json_decref(payload);
	return rc;
}

static enum tk_err newkey(struct svc_ctx *c, const char *kind, const char *username, const char *pass, int64_t *request_id)
{
	struct simple_args a;
	struct subkey_kek kek;
	enum tk_err rc;

	memset(&a, 0, sizeof(a));
	if ((rc = passphrase_check(c, pass, NULL, username)) != TK_OK || (rc = subkey_kek_derive(pass, &kek)) != TK_OK)
		return rc;
	a.kind = kind;
	a.username = username;
	a.kek = &kek;
	rc = svc_in_tx(c, newkey_tx, &a);
	OPENSSL_cleanse(&kek, sizeof(kek));
	if (rc != TK_OK)
		return rc;
	*request_id = a.request_id;
	return TK_OK;
}

enum tk_err ra_reset(struct svc_ctx *c, const char *username, const char *new_passphrase, int64_t *request_id)
{
	/* Sole control: only the official chooses their new passphrase; staff approve the reset, never set it. */
	if (strcmp(username, c->actor.user) != 0)
		return tk_fail_code(TK_ERR_DENIED, strcmp(c->actor.role, "subscriber") == 0 ? "forbidden" : "sole_control",
		    "only the official themself chooses a new passphrase; a Verifikator approves the reset");
	return newkey(c, "reset", username, new_passphrase, request_id);
}

enum tk_err ra_renew(struct svc_ctx *c, const char *passphrase, int64_t *request_id)
{
	return newkey(c, "renew", c->actor.user, passphrase, request_id);
}

static enum tk_err seal_tx(struct svc_ctx *c, void *arg)
{
	struct simple_args *a = arg;
	json_t *payload;
	enum tk_err rc;

	if ((rc = quorum_check(c)) != TK_OK)
		return rc;
	if ((payload = json_pack("{s:s, s:s}", "common_name", a->cn, "unit", a->unit)) == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	rc = request_file(c, "seal", 0, 0, payload, &a->request_id);
	json_decref(payload);
	return rc;
}

enum tk_err ra_seal(struct svc_ctx *c, const char *common_name, const char *unit, int64_t *request_id)
{
	struct simple_args a;
	enum tk_err rc;

	memset(&a, 0, sizeof(a));
	if (!text_ok(common_name, 1, 64) || !text_ok(unit, 1, 200))
		return tk_fail_code(TK_ERR_INVALID, "invalid_name", "common_name (1-64) and unit (1-200) are required");
	a.cn = common_name;
	a.unit = unit;
	if ((rc = svc_in_tx(c, seal_tx, &a)) != TK_OK)
		return rc;
	*request_id = a.request_id;
	return TK_OK;
}

/* ------------------------------------------------------------ activation */

/*
 * May the subscriber activate now? TK_OK with their approved "issue"
 * request that names no key yet in *request_id; otherwise a 409 saying
 * why (key already there, enrolment not yet approved, nothing to activate).
 */
static enum tk_err activation_open(struct svc_ctx *c, int64_t subscriber_id, int64_t *request_id)
{
	struct store_stmt *s = NULL;
	int64_t keys, pending;
	int row = 0;
	enum tk_err rc;

	*request_id = 0;
	if ((rc = store_prepare(c->st,
		 "SELECT (SELECT COUNT(*) FROM subscriber_keys WHERE subscriber_id = ? AND status IN ('pending','active','locked')),"
		 " (SELECT COUNT(*) FROM requests WHERE subscriber_id = ? AND kind = 'issue' AND status = 'pending'),"
		 " (SELECT MAX(id) FROM requests WHERE subscriber_id = ? AND kind = 'issue' AND status = 'approved' AND key_id IS NULL)",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, subscriber_id)) != TK_OK || (rc = store_bind_i64(s, 2, subscriber_id)) != TK_OK ||
	    (rc = store_bind_i64(s, 3, subscriber_id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	keys = store_col_i64(s, 0);
	pending = store_col_i64(s, 1);
	*request_id = store_col_null(s, 2) ? 0 : store_col_i64(s, 2);
	if (keys > 0)
		rc = tk_fail_code(TK_ERR_CONFLICT, "already_activated", "your signing key already exists: activation happens once");
	else if (*request_id == 0 && pending > 0)
		rc = tk_fail_code(TK_ERR_CONFLICT, "not_approved", "your enrolment is still waiting for a Verifikator's approval");
	else if (*request_id == 0)
		rc = tk_fail_code(TK_ERR_CONFLICT, "nothing_to_activate", "there is no approved enrolment waiting for activation");
out:
	store_finalize(s);
	return rc;
}

struct activate_args {
	int64_t subscriber_id;
	const struct subkey_kek *kek; /* passphrase mode: derived before the transaction */
	const uint8_t *csr;           /* ... or the official's own key */
	size_t csr_len;
	int64_t request_id;
	char serial[65];
};

static enum tk_err activate_tx(struct svc_ctx *c, void *arg)
{
	struct activate_args *a = arg;
	struct store_stmt *s = NULL;
	json_t *result = NULL;
	const char *serial;
	char *rtxt = NULL, obj[24], d[192];
	int64_t key_id = 0;
	int row = 0;
	enum tk_err rc;

	if ((rc = activation_open(c, a->subscriber_id, &a->request_id)) != TK_OK ||
	    (rc = key_add(c, a->subscriber_id, a->kek, a->csr, a->csr_len, &key_id)) != TK_OK)
		return rc;
	if ((result = json_object()) == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	if ((rc = issue_for_key(c, a->subscriber_id, key_id, result)) != TK_OK)
		goto out;
	if ((serial = json_string_value(json_object_get(result, "serial"))) == NULL) {
		rc = tk_fail(TK_ERR_INTERNAL, "activation: issuance gave no serial");
		goto out;
	}
	if ((rc = str_copy(a->serial, sizeof(a->serial), serial)) != TK_OK)
		goto out;
	if (json_object_set_new(result, "activation", json_string("done")) != 0 ||
	    json_object_set_new(result, "activated_at", json_integer(tk_now())) != 0 || (rtxt = json_dumps(result, JSON_COMPACT)) == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
		goto out;
	}
	/* The request now names its key and certificate; the guard makes a
	 * concurrent second activation find nothing to claim. */
	if ((rc = store_prepare(c->st, "UPDATE requests SET key_id = ?, result = ? WHERE id = ? AND key_id IS NULL", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, key_id)) != TK_OK || (rc = store_bind_text(s, 2, rtxt)) != TK_OK ||
	    (rc = store_bind_i64(s, 3, a->request_id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (store_changes(s) != 1) {
		rc = tk_fail_code(TK_ERR_CONFLICT, "already_activated", "your signing key already exists: activation happens once");
		goto out;
	}
	if ((rc = str_fmt(obj, sizeof(obj), "%lld", (long long)key_id)) != TK_OK ||
	    (rc = str_fmt(d, sizeof(d), "{\"request\":%lld,\"serial\":\"%s\",\"held_by\":\"%s\"}", (long long)a->request_id, a->serial,
		 a->csr != NULL ? "subscriber" : "server")) != TK_OK)
		goto out;
	rc = audit_append(c, "key.activate", obj, d);
out:
	free(rtxt);
	json_decref(result);
	store_finalize(s);
	return rc;
}

enum tk_err ra_activate(struct svc_ctx *c, const char *passphrase, const uint8_t *csr, size_t csr_len, char **out_json)
{
	struct activate_args a;
	struct subkey_kek kek;
	char nik[17] = "";
	int64_t req = 0;
	json_t *j = NULL;
	enum tk_err rc;

	*out_json = NULL;
	memset(&a, 0, sizeof(a));
	memset(&kek, 0, sizeof(kek));
	/* Sole control: the official, logged in as themself; never staff, an application or the console. */
	if (c->actor.kind != ACTOR_PERSON || strcmp(c->actor.role, "subscriber") != 0)
		return tk_fail_code(TK_ERR_DENIED, "sole_control", "only the official, logged in as themself, activates their signing key");
	if ((passphrase == NULL) == (csr == NULL))
		return tk_fail_code(TK_ERR_INVALID, "key_mode", "give either a passphrase (key made on the server) or a CSR (your own key)");
	/* The cheap checks first: a refused activation costs no Argon2. */
	if ((rc = ra_subscriber_of(c, c->actor.user, &a.subscriber_id)) != TK_OK || (rc = activation_open(c, a.subscriber_id, &req)) != TK_OK)
		return rc;
	if (passphrase != NULL) {
		if ((rc = subscriber_contact(c, a.subscriber_id, nik, NULL)) != TK_OK ||
		    (rc = passphrase_check(c, passphrase, nik, c->actor.user)) != TK_OK || (rc = subkey_kek_derive(passphrase, &kek)) != TK_OK)
			goto out;
		a.kek = &kek;
	}
	a.csr = csr;
	a.csr_len = csr_len;
	if ((rc = svc_in_tx(c, activate_tx, &a)) != TK_OK)
		goto out;
	trust_cert_changed(c, a.serial);
	log_msg(LOG_INFO, "ra.activate", "request %lld activated", (long long)a.request_id);
	j = json_pack("{s:I, s:s, s:s, s:s}", "request_id", (json_int_t)a.request_id, "serial", a.serial, "key", csr != NULL ? "csr" : "server",
	    "status", "issued");
	if (j == NULL || (*out_json = json_dumps(j, JSON_COMPACT)) == NULL)
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
out:
	json_decref(j);
	OPENSSL_cleanse(&kek, sizeof(kek));
	OPENSSL_cleanse(nik, sizeof(nik));
	return rc;
}

enum tk_err ra_activation_state(struct svc_ctx *c, char state[16])
{
	int64_t sid = 0, req = 0;
	enum tk_err rc;

	if (c->actor.kind != ACTOR_PERSON || strcmp(c->actor.role, "subscriber") != 0)
		return str_copy(state, 16, "none");
	if ((rc = ra_subscriber_of(c, c->actor.user, &sid)) == TK_OK)
		rc = activation_open(c, sid, &req);
	if (rc == TK_ERR_NOT_FOUND || rc == TK_ERR_CONFLICT) {
		tk_clear_error();
		return str_copy(state, 16, "none");
	}
	if (rc != TK_OK)
		return rc;
	return str_copy(state, 16, "pending");
}

/* ------------------------------------------------------------ key use */

enum tk_err ra_passphrase_error(void)
{
	return tk_fail_code(TK_ERR_AUTH, "passphrase_invalid",
	    "passphrase wrong or signing locked (after %d wrong attempts a Verifikator must reset it)", RA_MAX_FAILED_UNLOCKS);
}

struct unlock_args {
	int64_t subscriber_id;
	const char *pass;
	EVP_PKEY *pk;
	char serial[65];
	int64_t key_id;
	int wrong;
};

static enum tk_err unlock_tx(struct svc_ctx *c, void *arg)
{
	struct unlock_args *a = arg;
	struct store_stmt *s = NULL;
	uint8_t *blob = NULL;
	size_t len = 0;
	int64_t failed = 0;
	int row = 0, locked = 0;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "SELECT id, blob, failed_attempts, status, cert_serial FROM subscriber_keys"
		 " WHERE subscriber_id = ? AND status IN ('active','locked') AND blob IS NOT NULL ORDER BY id DESC LIMIT 1", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, a->subscriber_id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (row) {
		const uint8_t *b = store_col_blob(s, 1, &len);
		a->key_id = store_col_i64(s, 0);
		failed = store_col_i64(s, 2);
		locked = strcmp(store_col_text(s, 3), "locked") == 0;
		if ((rc = str_copy(a->serial, sizeof(a->serial), store_col_text(s, 4))) != TK_OK)
			goto out;
		if ((blob = malloc(len ? len : 1)) == NULL) {
			rc = tk_fail(TK_ERR_NOMEM, "out of memory");
			goto out;
		}
		memcpy(blob, b, len);
	}
	store_finalize(s);
	s = NULL;
	if (!row || locked) {
		/* Same cost and answer as a wrong passphrase: nothing to learn here. */
		uint8_t salt[16] = {0}, k[32];
		if (kdf_passphrase(a->pass, salt, k) == TK_OK)
			OPENSSL_cleanse(k, sizeof(k));
		a->wrong = 1;
		goto out;
	}
	rc = subkey_open(c, a->key_id, a->pass, blob, len, &a->pk);
	if (rc == TK_ERR_CRYPTO && strcmp(tk_last_error()->code, "passphrase_invalid") == 0) {
		char obj[24];
		a->wrong = 1;
		failed++;
		if ((rc = store_prepare(c->st, "UPDATE subscriber_keys SET failed_attempts = ?, status = ? WHERE id = ?", &s)) != TK_OK ||
		    (rc = store_bind_i64(s, 1, failed)) != TK_OK ||
		    (rc = store_bind_text(s, 2, failed >= RA_MAX_FAILED_UNLOCKS ? "locked" : "active")) != TK_OK ||
		    (rc = store_bind_i64(s, 3, a->key_id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
			goto out;
		if ((rc = str_fmt(obj, sizeof(obj), "%lld", (long long)a->key_id)) != TK_OK ||
		    (rc = audit_append(c, failed >= RA_MAX_FAILED_UNLOCKS ? "key.locked" : "key.unlock_failed", obj, NULL)) != TK_OK)
			goto out;
		goto out;
	}
	if (rc != TK_OK)
		goto out;
	if (failed > 0) {
		if ((rc = store_prepare(c->st, "UPDATE subscriber_keys SET failed_attempts = 0 WHERE id = ?", &s)) != TK_OK ||
		    (rc = store_bind_i64(s, 1, a->key_id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
			goto out;
	}
out:
	if (blob != NULL)
		OPENSSL_clear_free(blob, len);
	store_finalize(s);
	return rc;
}

enum tk_err ra_key_unlock(struct svc_ctx *c, int64_t subscriber_id, const char *passphrase, struct key **key, X509 **cert)
{
	struct unlock_args a;
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	memset(&a, 0, sizeof(a));
	a.subscriber_id = subscriber_id;
	a.pass = passphrase;
	/* The failure count must persist even though the caller's operation fails. */
	if ((rc = svc_in_tx(c, unlock_tx, &a)) != TK_OK)
		goto fail;
	if (a.wrong) {
		rc = ra_passphrase_error();
		goto fail;
	}
	if ((rc = store_prepare(c->st, "SELECT der FROM certs WHERE serial = ? AND status = 'valid'", &s)) != TK_OK ||
	    (rc = store_bind_text(s, 1, a.serial)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto fail;
	if (!row) {
		rc = tk_fail_code(TK_ERR_CONFLICT, "certificate_not_valid", "your certificate is revoked, suspended or not yet issued");
		goto fail;
	}
	{
		size_t len = 0;
		const uint8_t *der = store_col_blob(s, 0, &len);
		if ((rc = x509_cert_parse(der, len, cert)) != TK_OK)
			goto fail;
	}
	store_finalize(s);
	s = NULL;
	if ((rc = key_from_pkey(a.serial, a.pk, key)) != TK_OK) {
		a.pk = NULL;
		X509_free(*cert);
		*cert = NULL;
		return rc;
	}
	return TK_OK;
fail:
	store_finalize(s);
	EVP_PKEY_free(a.pk);
	return rc;
}

static enum tk_err change_tx(struct svc_ctx *c, void *arg)
{
	struct simple_args *a = arg;
	struct unlock_args u;
	struct store_stmt *s = NULL;
	struct buf blob;
	int64_t sid = 0;
	int row;
	enum tk_err rc;

	memset(&u, 0, sizeof(u));
	buf_init(&blob, MAX_KEY_BLOB_BYTES);
	if ((rc = ra_subscriber_of(c, c->actor.user, &sid)) != TK_OK)
		goto out;
	u.subscriber_id = sid;
	u.pass = a->reason; /* old passphrase */
	if ((rc = unlock_tx(c, &u)) != TK_OK)
		goto out;
	if (u.wrong) {
		/* Commit the failure count, then report. */
		a->done = -1;
		goto out;
	}
	if ((rc = subkey_seal(c, u.key_id, a->pass, u.pk, &blob)) != TK_OK)
		goto out;
	if ((rc = store_prepare(c->st, "UPDATE subscriber_keys SET blob = ?, failed_attempts = 0 WHERE id = ?", &s)) != TK_OK ||
	    (rc = store_bind_blob(s, 1, blob.p, blob.len)) != TK_OK || (rc = store_bind_i64(s, 2, u.key_id)) != TK_OK ||
	    (rc = store_step(s, &row)) != TK_OK)
		goto out;
	{
		char obj[24];
		if ((rc = str_fmt(obj, sizeof(obj), "%lld", (long long)u.key_id)) == TK_OK)
			rc = audit_append(c, "key.passphrase_change", obj, NULL);
	}
out:
	store_finalize(s);
	EVP_PKEY_free(u.pk);
	buf_free(&blob);
	return rc;
}

enum tk_err ra_passphrase_change(struct svc_ctx *c, const char *old_pass, const char *new_pass)
{
	struct simple_args a;
	enum tk_err rc;

	memset(&a, 0, sizeof(a));
	if ((rc = passphrase_check(c, new_pass, NULL, c->actor.user)) != TK_OK)
		return rc;
	a.reason = old_pass;
	a.pass = new_pass;
	if ((rc = svc_in_tx(c, change_tx, &a)) != TK_OK)
		return rc;
	if (a.done == -1)
		return ra_passphrase_error();
	return TK_OK;
}

/* ------------------------------------------------------------ reading */

static json_t *request_row_json(struct store_stmt *s)
{
	json_t *payload = json_loads(store_col_text(s, 7), 0, NULL);
	json_t *result = store_col_null(s, 8) ? json_null() : json_loads(store_col_text(s, 8), 0, NULL);

	return json_pack("{s:I, s:s, s:o, s:s, s:s, s:I, s:o, s:o, s:s?, s:I, s:o?}", "id", (json_int_t)store_col_i64(s, 0),
	    "kind", store_col_text(s, 1), "subscriber_id", store_col_null(s, 2) ? json_null() : json_integer(store_col_i64(s, 2)),
	    "submitted_by", store_col_text(s, 3), "status", store_col_text(s, 4), "required_approvals", (json_int_t)store_col_i64(s, 5),
	    "payload", payload ? payload : json_null(), "result", result ? result : json_null(),
	    "reason", store_col_null(s, 9) ? NULL : store_col_text(s, 9), "created_at", (json_int_t)store_col_i64(s, 10),
	    "decided_at", store_col_null(s, 11) ? NULL : json_integer(store_col_i64(s, 11)));
}

#define REQUEST_COLS "id, kind, subscriber_id, submitted_by, status, required_approvals, key_id, payload, result, reason, created_at, decided_at"

enum tk_err ra_requests_json(struct svc_ctx *c, const char *status, char **out)
{
	struct store_stmt *s = NULL;
	json_t *arr = json_array();
	int row = 0;
	enum tk_err rc;

	if (arr == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	if (status != NULL && strcmp(status, "pending") && strcmp(status, "approved") && strcmp(status, "rejected")) {
		json_decref(arr);
		return tk_fail_code(TK_ERR_INVALID, "invalid_status", "status must be pending, approved or rejected");
	}
	rc = store_prepare(c->st, status ? "SELECT " REQUEST_COLS " FROM requests WHERE status = ? ORDER BY id DESC LIMIT 500"
					 : "SELECT " REQUEST_COLS " FROM requests ORDER BY id DESC LIMIT 500", &s);
	if (rc == TK_OK && status != NULL)
		rc = store_bind_text(s, 1, status);
	while (rc == TK_OK && (rc = store_step(s, &row)) == TK_OK && row) {
		json_t *r = request_row_json(s);
		/* A subscriber sees only requests about themself. */
		if (r != NULL && strcmp(c->actor.role, "subscriber") == 0) {
			int64_t mine = 0;
			json_t *sid = json_object_get(r, "subscriber_id");
			if (ra_subscriber_of(c, c->actor.user, &mine) != TK_OK || !json_is_integer(sid) || json_integer_value(sid) != mine) {
				tk_clear_error();
				json_decref(r);
				continue;
			}
		}
		if (r == NULL || json_array_append_new(arr, r) != 0)
			rc = tk_fail(TK_ERR_NOMEM, "out of memory");
	}
	if (rc == TK_OK && (*out = json_dumps(arr, JSON_COMPACT)) == NULL)
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
	store_finalize(s);
	json_decref(arr);
	return rc;
}

/* Identity of a subscriber with PII opened, for Verifikators deciding a request. */
static enum tk_err subscriber_json(struct svc_ctx *c, int64_t sid, int with_pii, json_t **out)
{
	static const char *const fields[] = {"nik", "nip", "email", "phone"};
	struct store_stmt *s = NULL;
	json_t *j = NULL, *ev = NULL;
	int row = 0;
	size_t i;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "SELECT s.id, u.username, s.full_name, s.unit, s.position, s.status, s.created_at, s.nik, s.nip, s.email, s.phone"
		 " FROM subscribers s LEFT JOIN users u ON u.id = s.user_id WHERE s.id = ?", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, sid)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_subscriber", "no subscriber %lld", (long long)sid);
		goto out;
	}
	j = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:I}", "id", (json_int_t)sid, "user", store_col_text(s, 1),
	    "full_name", store_col_text(s, 2), "unit", store_col_text(s, 3), "position", store_col_text(s, 4),
	    "status", store_col_text(s, 5), "created_at", (json_int_t)store_col_i64(s, 6));
	if (j == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; with_pii && i < 4; i++) {
		struct buf v;
		size_t len = 0;
		const uint8_t *b = store_col_blob(s, 7 + (int)i, &len);
		if (store_col_null(s, 7 + (int)i)) {
			json_object_set_new(j, fields[i], json_null());
			continue;
		}
		buf_init_secret(&v, 1024);
		if ((rc = pii_open(c->inst, fields[i], b, len, &v)) == TK_OK)
			json_object_set_new(j, fields[i], json_stringn((const char *)v.p, v.len));
		buf_free(&v);
		if (rc != TK_OK)
			goto out;
	}
	store_finalize(s);
	s = NULL;
	ev = json_array();
	if ((rc = store_prepare(c->st, "SELECT id, kind, filename, mime, size, sha256 FROM evidence WHERE subscriber_id = ? ORDER BY id", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, sid)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row)
		json_array_append_new(ev, json_pack("{s:I, s:s, s:s, s:s, s:I, s:s}", "id", (json_int_t)store_col_i64(s, 0), "kind",
		    store_col_text(s, 1), "filename", store_col_text(s, 2), "mime", store_col_text(s, 3), "size",
		    (json_int_t)store_col_i64(s, 4), "sha256", store_col_text(s, 5)));
	if (rc == TK_OK) {
		json_object_set_new(j, "evidence", ev);
		ev = NULL;
		*out = j;
		j = NULL;
	}
out:
	json_decref(ev);
	json_decref(j);
	store_finalize(s);
	return rc;
}

/* Reading personal data is logged (UU 27/2022): one audit event per look. */
static enum tk_err log_pii_read(struct svc_ctx *c, int64_t sid)
{
	char obj[24];
	enum tk_err rc;

	if ((rc = str_fmt(obj, sizeof(obj), "%lld", (long long)sid)) != TK_OK || (rc = store_begin(c->st, STORE_TX_WRITE)) != TK_OK)
		return rc;
	if ((rc = audit_append(c, "pii.read", obj, NULL)) != TK_OK) {
		store_rollback(c->st);
		return rc;
	}
	return store_commit(c->st);
}

enum tk_err ra_request_json(struct svc_ctx *c, int64_t id, char **out)
{
	struct store_stmt *s = NULL;
	json_t *r = NULL, *apps = NULL, *subj = NULL;
	int row = 0, staff = strcmp(c->actor.role, "verifikator") == 0 || strcmp(c->actor.role, "admin") == 0 ||
			     strcmp(c->actor.role, "auditor") == 0;
	int64_t sid = 0;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "SELECT " REQUEST_COLS " FROM requests WHERE id = ?", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_request", "no request %lld", (long long)id);
		goto out;
	}
	r = request_row_json(s);
	sid = store_col_null(s, 2) ? 0 : store_col_i64(s, 2);
	store_finalize(s);
	s = NULL;
	if (r == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (!staff) {
		int64_t mine = 0;
		if (ra_subscriber_of(c, c->actor.user, &mine) != TK_OK || mine != sid) {
			rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_request", "no request %lld", (long long)id);
			goto out;
		}
	}
	apps = json_array();
	if ((rc = store_prepare(c->st, "SELECT verifikator, decision, reason, at FROM approvals WHERE request_id = ? ORDER BY at", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, id)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row)
		json_array_append_new(apps, json_pack("{s:s, s:s, s:s?, s:I}", "verifikator", store_col_text(s, 0), "decision",
		    store_col_text(s, 1), "reason", store_col_null(s, 2) ? NULL : store_col_text(s, 2), "at", (json_int_t)store_col_i64(s, 3)));
	if (rc != TK_OK)
		goto out;
	store_finalize(s);
	s = NULL;
	json_object_set_new(r, "decisions", apps);
	apps = NULL;
	if (sid != 0) {
		if ((rc = subscriber_json(c, sid, 1, &subj)) != TK_OK)
			goto out;
		json_object_set_new(r, "subscriber", subj);
		subj = NULL;
		if (staff && (rc = log_pii_read(c, sid)) != TK_OK)
			goto out;
	}
	if ((*out = json_dumps(r, JSON_COMPACT)) == NULL)
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
out:
	json_decref(subj);
	json_decref(apps);
	json_decref(r);
	store_finalize(s);
	return rc;
}

enum tk_err ra_subscribers_json(struct svc_ctx *c, char **out)
{
	struct store_stmt *s = NULL;
	json_t *arr = json_array();
	int row = 0;
	enum tk_err rc;

	if (arr == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	/* The list shows no PII beyond what certificates carry anyway. */
	if ((rc = store_prepare(c->st, "SELECT s.id, u.username, s.full_name, s.unit, s.position, s.status, s.created_at,"
		 " (SELECT k.cert_serial FROM subscriber_keys k WHERE k.subscriber_id = s.id AND k.status IN ('active','locked') ORDER BY k.id DESC LIMIT 1)"
		 " FROM subscribers s LEFT JOIN users u ON u.id = s.user_id ORDER BY s.id LIMIT 1000", &s)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row)
		json_array_append_new(arr, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:s?}", "id", (json_int_t)store_col_i64(s, 0),
		    "user", store_col_text(s, 1), "full_name", store_col_text(s, 2), "unit", store_col_text(s, 3), "position",
		    store_col_text(s, 4), "status", store_col_text(s, 5), "created_at", (json_int_t)store_col_i64(s, 6),
		    "certificate", store_col_null(s, 7) ? NULL : store_col_text(s, 7)));
	if (rc == TK_OK && (*out = json_dumps(arr, JSON_COMPACT)) == NULL)
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
out:
	store_finalize(s);
	json_decref(arr);
	return rc;
}

enum tk_err ra_evidence_get(struct svc_ctx *c, int64_t id, struct buf *out, char mime[32])
{
	struct store_stmt *s = NULL;
	char aad[64];
	int64_t sid = 0;
	int row = 0;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "SELECT subscriber_id, mime, blob FROM evidence WHERE id = ? AND blob IS NOT NULL", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_evidence", "no evidence file %lld", (long long)id);
		goto out;
	}
	sid = store_col_i64(s, 0);
	{
		size_t len = 0;
		const uint8_t *b = store_col_blob(s, 2, &len);
		if ((rc = str_copy(mime, 32, store_col_text(s, 1))) != TK_OK || (rc = str_fmt(aad, sizeof(aad), "evidence-%lld", (long long)sid)) != TK_OK ||
		    (rc = aead_open(c->inst->pii_key, aad, b, len, out)) != TK_OK)
			goto out;
	}
	store_finalize(s);
	s = NULL;
	rc = log_pii_read(c, sid);
out:
	store_finalize(s);
	return rc;
}

/* A subscriber's certificates, oldest first: what a holder may see of them without an export. */
static enum tk_err subscriber_certs(struct svc_ctx *c, int64_t sid, json_t **out)
{
	struct store_stmt *s = NULL;
	json_t *certs = json_array();
	int row = 0;
	enum tk_err rc;

	if (certs == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	if ((rc = store_prepare(c->st, "SELECT serial, profile, subject, not_before, not_after, status FROM certs WHERE subscriber_id = ? ORDER BY created_at", &s)) == TK_OK &&
	    (rc = store_bind_i64(s, 1, sid)) == TK_OK) {
		while ((rc = store_step(s, &row)) == TK_OK && row) {
			json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:I, s:s}", "serial", store_col_text(s, 0), "profile", store_col_text(s, 1),
			    "subject", store_col_text(s, 2), "not_before", (json_int_t)store_col_i64(s, 3), "not_after",
			    (json_int_t)store_col_i64(s, 4), "status", store_col_text(s, 5));
			if (o == NULL || json_array_append_new(certs, o) != 0) {
				rc = tk_fail(TK_ERR_NOMEM, "out of memory");
				break;
			}
		}
	}
	store_finalize(s);
	if (rc != TK_OK) {
		json_decref(certs);
		return rc;
	}
	*out = certs;
	return TK_OK;
}

enum tk_err ra_my_certificates_json(struct svc_ctx *c, const char *username, char **out)
{
	json_t *certs = NULL;
	int64_t sid = 0;
	enum tk_err rc;

	if ((rc = ra_subscriber_of(c, username, &sid)) != TK_OK || (rc = subscriber_certs(c, sid, &certs)) != TK_OK)
		return rc;
	if ((*out = json_dumps(certs, JSON_COMPACT)) == NULL)
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
	json_decref(certs);
	return rc;
}

enum tk_err ra_export_json(struct svc_ctx *c, const char *username, char **out)
{
	json_t *subj = NULL, *certs = NULL;
	int64_t sid = 0;
	enum tk_err rc;

	if ((rc = ra_subscriber_of(c, username, &sid)) != TK_OK || (rc = subscriber_json(c, sid, 1, &subj)) != TK_OK)
		return rc;
	if ((rc = subscriber_certs(c, sid, &certs)) != TK_OK)
		goto out;
	json_object_set_new(subj, "certificates", certs);
	certs = NULL;
	json_object_set_new(subj, "exported_at", json_integer(tk_now()));
	json_object_set_new(subj, "legal_basis", json_string("UU 27/2022 tentang Pelindungan Data Pribadi, hak akses subjek data"));
	if ((*out = json_dumps(subj, JSON_INDENT(2) | JSON_SORT_KEYS)) == NULL)
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
	else
		rc = log_pii_read(c, sid);
out:
	json_decref(certs);
	json_decref(subj);
	return rc;
}

struct erase_args {
	int64_t sid;
	char email[256];
};

/* Queued mail to an erased address is dropped (recipients are sealed: open each). */
static enum tk_err purge_outbox(struct svc_ctx *c, const char *email)
{
	struct store_stmt *s = NULL, *d = NULL;
	int row = 0;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "SELECT id, recipient FROM outbox WHERE status IN ('queued', 'sending')", &s)) != TK_OK)
		return rc;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		struct buf to;
		size_t len = 0;
		const uint8_t *b = store_col_blob(s, 1, &len);
		int hit;
		buf_init_secret(&to, 1024);
		hit = pii_open(c->inst, "outbox", b, len, &to) == TK_OK && to.len == strlen(email) && memcmp(to.p, email, to.len) == 0;
		buf_free(&to);
		if (!hit)
			continue;
		if ((rc = store_prepare(c->st, "DELETE FROM outbox WHERE id = ?", &d)) == TK_OK && (rc = store_bind_i64(d, 1, store_col_i64(s, 0))) == TK_OK) {
			int r2;
			rc = store_step(d, &r2);
		}
		store_finalize(d);
		d = NULL;
		if (rc != TK_OK)
			break;
	}
	store_finalize(s);
	return rc;
}

static enum tk_err erase_tx(struct svc_ctx *c, void *arg)
{
	struct erase_args *a = arg;
	struct store_stmt *s = NULL;
	char obj[24];
	int row;
	enum tk_err rc;

	/* Live certificates of an erased person must not stay usable. */
	if ((rc = destroy_keys(c, a->sid, 0, 5 /* cessationOfOperation */)) != TK_OK)
		return rc;
	if ((rc = store_prepare(c->st, "UPDATE subscribers SET nik_index = NULL, email_index = NULL, nik = NULL, nip = NULL, email = NULL, phone = NULL,"
		 " full_name = '[dihapus]', unit = '[dihapus]', position = '[dihapus]', status = 'erased', erased_at = ?"
		 " WHERE id = ? AND status = 'active'", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, tk_now())) != TK_OK || (rc = store_bind_i64(s, 2, a->sid)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (store_changes(s) == 0) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_subscriber", "no active subscriber %lld", (long long)a->sid);
		goto out;
	}
	store_finalize(s);
	s = NULL;
	if ((rc = store_prepare(c->st, "UPDATE evidence SET blob = NULL, filename = '[dihapus]' WHERE subscriber_id = ?", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, a->sid)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	store_finalize(s);
	s = NULL;
	/* The account goes too (with its sessions), and no more mail to the address. */
	if ((rc = store_prepare(c->st, "UPDATE users SET active = 0 WHERE id = (SELECT user_id FROM subscribers WHERE id = ?)", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, a->sid)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	store_finalize(s);
	s = NULL;
	if ((rc = store_prepare(c->st, "DELETE FROM sessions WHERE user_id = (SELECT user_id FROM subscribers WHERE id = ?)", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, a->sid)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	store_finalize(s);
	s = NULL;
	if (a->email[0] != '\0' && (rc = purge_outbox(c, a->email)) != TK_OK)
		goto out;
	if ((rc = str_fmt(obj, sizeof(obj), "%lld", (long long)a->sid)) == TK_OK)
		rc = audit_append(c, "subscriber.erase", obj, "{\"kept\":\"certificates, audit records\"}");
out:
	store_finalize(s);
	return rc;
}

enum tk_err ra_erase(struct svc_ctx *c, int64_t subscriber_id)
{
	struct erase_args a;
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	memset(&a, 0, sizeof(a));
	a.sid = subscriber_id;
	/* The address, while it can still be read, to drop mail queued to it. */
	if ((rc = store_prepare(c->st, "SELECT email FROM subscribers WHERE id = ? AND email IS NOT NULL", &s)) == TK_OK &&
	    (rc = store_bind_i64(s, 1, subscriber_id)) == TK_OK && (rc = store_step(s, &row)) == TK_OK && row) {
		struct buf e;
		size_t len = 0;
		const uint8_t *b = store_col_blob(s, 0, &len);
		buf_init_secret(&e, 512);
		if (pii_open(c->inst, "email", b, len, &e) == TK_OK && e.len < sizeof(a.email)) {
			memcpy(a.email, e.p, e.len);
			a.email[e.len] = '\0';
		}
		buf_free(&e);
	}
	store_finalize(s);
	if (rc != TK_OK)
		return rc;
	rc = svc_in_tx(c, erase_tx, &a);
	OPENSSL_cleanse(a.email, sizeof(a.email));
	return rc;
}

enum tk_err ra_status(struct svc_ctx *c, const char *nik, const char *email, char status[32], int64_t *subscriber_id)
{
	struct store_stmt *s = NULL;
	char idx[65];
	int64_t sid = 0, now = tk_now();
	int row = 0;
	enum tk_err rc;

	*subscriber_id = 0;
	if (nik != NULL) {
		if ((rc = nik_check(nik)) != TK_OK)
			return str_copy(status, 32, "NOT_REGISTERED") == TK_OK ? TK_OK : rc;
		pii_nik_index(c->inst, nik, idx);
		rc = store_prepare(c->st, "SELECT id FROM subscribers WHERE nik_index = ? AND status = 'active'", &s);
	} else if (email != NULL) {
		pii_email_index(c->inst, email, idx);
		rc = store_prepare(c->st, "SELECT id FROM subscribers WHERE email_index = ? AND status = 'active'", &s);
	} else {
		return tk_fail_code(TK_ERR_INVALID, "missing_field", "nik or email is required");
	}
	if (rc != TK_OK)
		return rc;
	if ((rc = store_bind_text(s, 1, idx)) == TK_OK && (rc = store_step(s, &row)) == TK_OK && row)
		sid = store_col_i64(s, 0);
	store_finalize(s);
	s = NULL;
	if (rc != TK_OK)
		return rc;
	if (sid == 0)
		return str_copy(status, 32, "NOT_REGISTERED");
	*subscriber_id = sid;
	/* The newest certificate of the newest usable key decides. */
	if ((rc = store_prepare(c->st, "SELECT c.status, c.not_after, k.status FROM subscriber_keys k JOIN certs c ON c.serial = k.cert_serial"
		 " WHERE k.subscriber_id = ? ORDER BY k.id DESC LIMIT 1", &s)) != TK_OK)
		return rc;
	if ((rc = store_bind_i64(s, 1, sid)) == TK_OK && (rc = store_step(s, &row)) == TK_OK) {
		if (!row) {
			int64_t pending = 0;
			char q[32];
			store_finalize(s);
			s = NULL;
			if ((rc = str_fmt(q, sizeof(q), "%lld", (long long)sid)) != TK_OK ||
			    (rc = store_query_i64(c->st, "SELECT COUNT(*) FROM requests WHERE status = 'pending' AND subscriber_id = CAST(? AS INTEGER)", q,
				 &pending)) != TK_OK)
				return rc;
			return str_copy(status, 32, pending ? "WAITING_FOR_VERIFICATION" : "NO_CERTIFICATE");
		}
		if (strcmp(store_col_text(s, 0), "revoked") == 0)
			rc = str_copy(status, 32, "REVOKE");
		else if (strcmp(store_col_text(s, 0), "hold") == 0)
			rc = str_copy(status, 32, "SUSPEND");
		else if (store_col_i64(s, 1) < now)
			rc = str_copy(status, 32, "EXPIRED");
		else
			rc = str_copy(status, 32, "ISSUE");
	}
	store_finalize(s);
	return rc;
}

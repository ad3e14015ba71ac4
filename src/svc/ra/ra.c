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
#include "svc/base/base_int.h"

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

#define RA_MAX_FILES 8
#define RA_MAX_PII_ACCESS_HOURS 168 /* a week: the longest look at one person's data */
#define RA_MAX_ERASE_SERIALS 16

/* ------------------------------------------------------------ policy */

static enum tk_err approvals_needed(struct svc_ctx *c, const char *kind, int64_t *out)
{
	static const struct {
		const char *kind;
		uint64_t dflt;
	} d[] = {
		{ "issue", 1 },
		{ "seal", 2 },
		{ "revoke", 2 },
		{ "hold", 1 },
		{ "release", 1 },
		{ "reset", 1 },
		{ "renew", 1 },
		{ "unlock", 1 },
		{ "erase", 2 },
		{ "pii_access", 2 },
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
			/* User names may be e-mail addresses: errors never repeat them. */
			rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_user", "no active user of that name");
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
			rc = tk_fail_code(TK_ERR_NOT_FOUND, "not_enrolled", "this account has no subscriber record (not enrolled, or erased)");
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
		/* By position and kind, not by name: file names often carry a NIK or a name. */
		if (f[i].len == 0 || f[i].len > max)
			return tk_fail_code(TK_ERR_LIMIT, "evidence_too_large", "evidence file %zu (%s) is empty or larger than %llu bytes",
			    i + 1, f[i].kind, (unsigned long long)max);
		if (sniff_mime(f[i].data, f[i].len) == NULL)
			return tk_fail_code(TK_ERR_INVALID, "invalid_evidence", "evidence file %zu (%s) is not a PDF, PNG or JPEG", i + 1, f[i].kind);
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
		/* The subscriber's own key: refused here, before it is stored (RFC 5480, CA/B BR 6.1.5-6.1.6). */
		if ((pk = X509_REQ_get_pubkey(req)) != NULL && (rc = x509_pubkey_check(pk)) != TK_OK)
			goto out;
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
				       " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
		 &s)) != TK_OK)
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
	 * one other (with two appointed, the rule must stay satisfiable). Only a
	 * Verifikator, logged in as themself: an admin's filing counts for
	 * nothing and needs every approval from Verifikators (dual control).
	 * Not for issuance: whoever files an enrolment never verifies it.
	 */
	if (rc == TK_OK && c->actor.kind == ACTOR_PERSON && strcmp(c->actor.role, "verifikator") == 0 &&
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
/* The subject of an individual certificate, from verified identity data only. */
static enum tk_err subject_for(struct svc_ctx *c, int64_t subscriber_id, X509_NAME **out, char email_out[256])
{
	struct store_stmt *s = NULL;
	char sn[32], nik[17], name[256], unit[256], pos[256];
	const char *org = config_get_or(c->inst->cfg, "instance", "organization", "Kementerian");
	/* Off unless asked for: a certificate is handed to everyone who gets a
	 * signed document, and the NIK is not needed to verify a signature. */
	int with_nik = strcmp(config_get_or(c->inst->cfg, "ra", "nik_in_certificate", "no"), "yes") == 0;
	int row = 0;
	enum tk_err rc;

	if ((rc = subscriber_contact(c, subscriber_id, with_nik ? nik : NULL, email_out)) != TK_OK)
		goto out;
	if ((rc = store_prepare(c->st, "SELECT full_name, unit, position FROM subscribers WHERE id = ?", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, subscriber_id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK || !row)
		goto out;
	if ((rc = str_copy(name, sizeof(name), store_col_text(s, 0))) != TK_OK || (rc = str_copy(unit, sizeof(unit), store_col_text(s, 1))) != TK_OK ||
	    (rc = str_copy(pos, sizeof(pos), store_col_text(s, 2))) != TK_OK)
		goto out;
	if (with_nik && (rc = str_fmt(sn, sizeof(sn), "IDCID-%s", nik)) != TK_OK)
		goto out;
	{
		const char *pairs[6][2] = { { "C", "ID" }, { "O", org }, { "OU", unit }, { "title", pos }, { "CN", name }, { "serialNumber", with_nik ? sn : "" } };
		rc = x509_name_from_pairs((const char *const(*)[2])pairs, with_nik ? 6 : 5, out);
	}
out:
	OPENSSL_cleanse(nik, sizeof(nik));
	store_finalize(s);
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
		 "Staff never ask for your passphrase.\n",
		 c->inst->base_url, c->inst->base_url)) != TK_OK ||
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
		 "Your electronic certificate has been issued (serial %s).\n",
		 serial, serial)) != TK_OK ||
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
				       " WHERE k.subscriber_id = ? AND k.id <> ? AND c.status IN ('valid', 'hold')",
		 &s)) != TK_OK ||
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
				       " WHERE subscriber_id = ? AND id <> ? AND status <> 'destroyed'",
		 &s)) != TK_OK ||
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
		const char *pairs[4][2] = { { "C", "ID" }, { "O", org }, { "OU", unit }, { "CN", cn } };
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

static enum tk_err erase_in_tx(struct svc_ctx *c, int64_t sid, json_t *result);

/*
 * An approved PII-access request becomes a grant: its filer sees the full
 * record of that one subscriber until result.expires_at (pii_grant_find).
 * The hours were fixed when it was filed, so Verifikators approve a known
 * window.
 */
static enum tk_err pii_grant_in_tx(struct svc_ctx *c, int64_t id, int64_t sid, json_t *payload, json_t *result)
{
	json_int_t hours = json_integer_value(json_object_get(payload, "hours"));
	int64_t expires;
	char obj[24], d[96];
	enum tk_err rc;

	if (sid == 0 || hours < 1 || hours > RA_MAX_PII_ACCESS_HOURS)
		return tk_fail(TK_ERR_INTERNAL, "request %lld: PII-access request without subscriber or hours", (long long)id);
	expires = tk_now() + (int64_t)hours * 3600;
	if (json_object_set_new(result, "expires_at", json_integer(expires)) != 0)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	if ((rc = str_fmt(obj, sizeof(obj), "%lld", (long long)sid)) != TK_OK ||
	    (rc = str_fmt(d, sizeof(d), "{\"request\":%lld,\"expires_at\":%lld}", (long long)id, (long long)expires)) != TK_OK)
		return rc;
	return audit_append(c, "pii.grant", obj, d);
}

/* Carries out an approved request inside the decision's transaction. */
static enum tk_err unlock_execute(struct svc_ctx *c, int64_t subscriber_id, int64_t key_id);
static enum tk_err clear_own_throttle(struct svc_ctx *c, int64_t subscriber_id);

static enum tk_err request_execute(struct svc_ctx *c, int64_t id, const char *kind, int64_t subscriber_id, int64_t key_id,
    json_t *payload, json_t *result)
{
	const char *serial = json_string_value(json_object_get(payload, "serial"));
	enum tk_err rc;

	if (strcmp(kind, "issue") == 0 && key_id == 0)
		return activation_await(c, subscriber_id, result);
	if (strcmp(kind, "pii_access") == 0)
		return pii_grant_in_tx(c, id, subscriber_id, payload, result);
	if (strcmp(kind, "erase") == 0)
		return erase_in_tx(c, subscriber_id, result);

	if (strcmp(kind, "issue") == 0 || strcmp(kind, "renew") == 0)
		return issue_for_key(c, subscriber_id, key_id, result);
	if (strcmp(kind, "reset") == 0) {
		/* A lost passphrase means a lost key: destroy it, then certify the new one. */
		if ((rc = destroy_keys(c, subscriber_id, key_id, 4 /* superseded */)) != TK_OK ||
		    (rc = clear_own_throttle(c, subscriber_id)) != TK_OK)
			return rc;
		return issue_for_key(c, subscriber_id, key_id, result);
	}
	if (strcmp(kind, "seal") == 0)
		return issue_seal(c, id, payload, result);
	if (strcmp(kind, "unlock") == 0)
		return unlock_execute(c, subscriber_id, key_id);
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
	/* Decided here, not by the route: only an active Verifikator decides. */
	if (strcmp(role, "verifikator") != 0)
		return tk_fail_code(TK_ERR_DENIED, "forbidden", "only a Verifikator decides requests");
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
	char serials[RA_MAX_ERASE_SERIALS + 2][65];
	size_t n = 0, i, k;
	int row = 0;

	if (store_prepare(c->st, "SELECT payload, result FROM requests WHERE id = ? AND status = 'approved'", &s) != TK_OK)
		return;
	if (store_bind_i64(s, 1, id) == TK_OK && store_step(s, &row) == TK_OK && row) {
		for (i = 0; i < 2; i++) {
			json_t *j = json_loads(store_col_text(s, (int)i), 0, NULL);
			json_t *list = json_object_get(j, "revoked"); /* erasure: every certificate it revoked */
			const char *v = json_string_value(json_object_get(j, "serial"));
			if (v != NULL && n < sizeof(serials) / sizeof(serials[0]) && str_copy(serials[n], sizeof(serials[0]), v) == TK_OK)
				n++;
			for (k = 0; k < json_array_size(list); k++) {
				v = json_string_value(json_array_get(list, k));
				if (v != NULL && n < sizeof(serials) / sizeof(serials[0]) && str_copy(serials[n], sizeof(serials[0]), v) == TK_OK)
					n++;
			}
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
	struct decide_args a = { id, approve, reason };
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
				       " email = NULL, phone = NULL, status = 'erased', erased_at = ? WHERE id = ?",
		 &s)) != TK_OK ||
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
			 " (SELECT 1 FROM subscribers o WHERE o.nik_index = ? AND o.id <> s.id))",
			 &s)) != TK_OK ||
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
				       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
		 &s)) != TK_OK ||
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
		    (rc = pii_seal_blob(c->inst, aad, f->data, f->len, &fblob)) != TK_OK)
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
	payload = json_pack("{s:s, s:s}", "user", a->username, "key", in->csr ? "csr" : a->kek ? "server"
											       : "activation");
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
	struct enroll_args a = { in, in->username ? in->username : c->actor.user, NULL, 0 };
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

/*
 * Who may file a revocation, suspension or resumption for Verifikators to
 * decide: a Verifikator or admin (logged in), or the CA operator on the
 * machine. A holder revokes their own certificate directly (revoke_tx).
 */
static enum tk_err staff_filer_check(const struct svc_ctx *c)
{
	if (c->actor.kind == ACTOR_OPERATOR ||
	    (c->actor.kind == ACTOR_PERSON && (strcmp(c->actor.role, "verifikator") == 0 || strcmp(c->actor.role, "admin") == 0)))
		return TK_OK;
	return tk_fail_code(TK_ERR_DENIED, "forbidden", "only Verifikators and admins file requests on certificates");
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
	if ((rc = staff_filer_check(c)) != TK_OK || (rc = quorum_check(c)) != TK_OK)
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

	if ((rc = staff_filer_check(c)) != TK_OK || (rc = quorum_check(c)) != TK_OK ||
	    (rc = cert_owner(c, a->serial, &owner, status)) != TK_OK)
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
						 " AND subscriber_id = CAST(? AS INTEGER)",
			 q, &pending)) != TK_OK)
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
	if (c->actor.kind == ACTOR_APPLICATION || strcmp(username, c->actor.user) != 0)
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
	return tk_fail_code(TK_ERR_AUTH, "passphrase_invalid", "passphrase wrong (or no usable key for this official)");
}

/*
 * Passphrase guessing (issue "Who may act for whom"). Every attempt is
 * counted per official (on the key) and per caller (API key, person,
 * operator or address) *before* Argon2 runs, in one short write
 * transaction that also checks the delays under the store's write lock, so
 * parallel guesses cannot slip past the count; a right passphrase then
 * clears the official's counter and refunds the caller's reservation.
 * After a few free attempts each further failure doubles the delay (capped).
 * Other callers' failures never delay the official's own session (only
 * their own count does), so nobody can lock an official out; the caller's
 * count decays after [ra] unlock_caller_window_seconds without failures
 * rather than being reset by a success, so legitimate signatures cannot
 * launder guesses. A Verifikator-approved "unlock" request clears an
 * official's delay.
 */
#define RA_UNLOCK_FREE_OFFICIAL 3 /* wrong passphrases before the first delay */
#define RA_UNLOCK_FREE_CALLER 50  /* per caller and window, across officials */
#define RA_UNLOCK_CALLER_WINDOW 3600
#define RA_UNLOCK_BASE_DELAY 30 /* seconds, doubled per further failure */
#define RA_UNLOCK_MAX_DELAY 3600

/* Seconds to wait after the failures-th wrong passphrase (0: none). */
static int64_t unlock_delay(int64_t failures, int64_t free_attempts, int64_t max_delay)
{
	int64_t d = RA_UNLOCK_BASE_DELAY, i;

	if (failures < free_attempts)
		return 0;
	for (i = free_attempts; i < failures && d < max_delay; i++)
		d *= 2;
	return d < max_delay ? d : max_delay;
}

/* The throttle key of the caller: who is guessing, whatever official they try. */
static enum tk_err caller_key(const struct actor *a, char out[96])
{
	switch (a->kind) {
	case ACTOR_APPLICATION:
		return str_fmt(out, 96, "app:%lld", (long long)a->id);
	case ACTOR_PERSON:
		return str_fmt(out, 96, "user:%lld", (long long)a->id);
	case ACTOR_OPERATOR:
		return str_fmt(out, 96, "op:%.60s", a->user);
	default:
		return str_fmt(out, 96, "ip:%.60s", a->ip);
	}
}

struct unlock_limits {
	int64_t free_official, free_caller, window, max_delay;
};

static enum tk_err throttle_limits(struct svc_ctx *c, struct unlock_limits *l)
{
	uint64_t a, b, w, m;
	enum tk_err rc;

	if ((rc = config_get_u64(c->inst->cfg, "ra", "unlock_free_attempts", RA_UNLOCK_FREE_OFFICIAL, 100, &a)) != TK_OK ||
	    (rc = config_get_u64(c->inst->cfg, "ra", "unlock_free_attempts_caller", RA_UNLOCK_FREE_CALLER, 10000, &b)) != TK_OK ||
	    (rc = config_get_u64(c->inst->cfg, "ra", "unlock_caller_window_seconds", RA_UNLOCK_CALLER_WINDOW, 7 * 86400, &w)) != TK_OK ||
	    (rc = config_get_u64(c->inst->cfg, "ra", "unlock_max_delay_seconds", RA_UNLOCK_MAX_DELAY, 86400, &m)) != TK_OK)
		return rc;
	l->free_official = (int64_t)a;
	l->free_caller = (int64_t)b;
	l->window = w < 60 ? 60 : (int64_t)w;
	l->max_delay = m < RA_UNLOCK_BASE_DELAY ? RA_UNLOCK_BASE_DELAY : (int64_t)m;
	return TK_OK;
}

struct unlock_state {
	int64_t subscriber_id, key_id;
	int64_t failed; /* the official's count before this attempt */
	int64_t wait;   /* > 0: refused, seconds to wait */
	int own;        /* the caller is the official themself */
	char caller[96];
	char serial[65];
	struct buf blob; /* the sealed key */
	struct unlock_limits lim;
};

/*
 * Checks the delays and reserves this attempt as a failure (under the
 * write lock); reads the key to try. Sets u->wait instead when refused.
 */
static enum tk_err unlock_reserve_tx(struct svc_ctx *c, void *arg)
{
	struct unlock_state *u = arg;
	struct store_stmt *s = NULL;
	int64_t now = tk_now(), last_failed_at = 0, caller_failed = 0, caller_last = 0, w;
	int row = 0;
	enum tk_err rc;

	u->key_id = 0;
	u->own = 0;
	buf_reset(&u->blob);
	if ((rc = store_prepare(c->st, "SELECT k.id, k.blob, k.failed_attempts, k.last_failed_at, k.cert_serial, s.user_id"
				       " FROM subscriber_keys k JOIN subscribers s ON s.id = k.subscriber_id WHERE k.subscriber_id = ?"
				       " AND k.status IN ('active','locked') AND k.blob IS NOT NULL ORDER BY k.id DESC LIMIT 1",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, u->subscriber_id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (row) {
		size_t len = 0;
		const uint8_t *b = store_col_blob(s, 1, &len);
		u->key_id = store_col_i64(s, 0);
		u->failed = store_col_i64(s, 2);
		last_failed_at = store_col_i64(s, 3);
		u->own = c->actor.kind == ACTOR_PERSON && !store_col_null(s, 5) && store_col_i64(s, 5) == c->actor.id;
		if ((rc = buf_append(&u->blob, b, len)) != TK_OK || (rc = str_copy(u->serial, sizeof(u->serial), store_col_text(s, 4))) != TK_OK)
			goto out;
	}
	store_finalize(s);
	s = NULL;
	if ((rc = store_prepare(c->st, "SELECT failures, last_at FROM unlock_throttle WHERE caller = ?", &s)) != TK_OK ||
	    (rc = store_bind_text(s, 1, u->caller)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (row && store_col_i64(s, 1) > now - u->lim.window) {
		caller_failed = store_col_i64(s, 0);
		caller_last = store_col_i64(s, 1);
	}
	store_finalize(s);
	s = NULL;
	/* The official's own session answers only for its own guesses. */
	w = caller_last + unlock_delay(caller_failed, u->own ? u->lim.free_official : u->lim.free_caller, u->lim.max_delay) - now;
	if (u->key_id != 0 && !u->own) {
		int64_t wo = last_failed_at + unlock_delay(u->failed, u->lim.free_official, u->lim.max_delay) - now;
		if (wo > w)
			w = wo;
	}
	if (w > 0) {
		u->wait = w;
		goto out;
	}
	if ((rc = store_prepare(c->st, "INSERT INTO unlock_throttle (caller, failures, last_at) VALUES (?, 1, ?) ON CONFLICT (caller) DO UPDATE SET"
				       " failures = CASE WHEN unlock_throttle.last_at > ? THEN unlock_throttle.failures + 1 ELSE 1 END, last_at = excluded.last_at",
		 &s)) != TK_OK ||
	    (rc = store_bind_text(s, 1, u->caller)) != TK_OK || (rc = store_bind_i64(s, 2, now)) != TK_OK ||
	    (rc = store_bind_i64(s, 3, now - u->lim.window)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	store_finalize(s);
	s = NULL;
	if (u->key_id != 0 &&
	    ((rc = store_prepare(c->st, "UPDATE subscriber_keys SET failed_attempts = failed_attempts + 1, last_failed_at = ? WHERE id = ?", &s)) != TK_OK ||
		(rc = store_bind_i64(s, 1, now)) != TK_OK || (rc = store_bind_i64(s, 2, u->key_id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK))
		goto out;
out:
	store_finalize(s);
	return rc;
}

/* Queues a mail to the official about failed attempts on their key (inside the caller's tx). */
static enum tk_err notify_official_failures(struct svc_ctx *c, int64_t sid, int64_t failures, int64_t delay)
{
	struct store_stmt *s = NULL;
	struct buf email;
	char body[900];
	int row = 0;
	enum tk_err rc;

	buf_init_secret(&email, 512);
	if ((rc = store_prepare(c->st, "SELECT email FROM subscribers WHERE id = ? AND status = 'active'", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, sid)) != TK_OK || (rc = store_step(s, &row)) != TK_OK || !row)
		goto out;
	{
		size_t len = 0;
		const uint8_t *b = store_col_blob(s, 0, &len);
		if ((rc = pii_open(c->inst, "email", b, len, &email)) != TK_OK)
			goto out;
	}
	if ((rc = str_fmt(body, sizeof(body),
		 "Ada %lld percobaan passphrase yang salah untuk kunci tanda tangan Anda. Penandatanganan ditunda %lld detik.\n"
		 "Bila bukan Anda, hubungi Verifikator.\n\n"
		 "There were %lld wrong passphrase attempts on your signing key. Signing is paused for %lld seconds.\n"
		 "If this was not you, contact a Verifikator.\n",
		 (long long)failures, (long long)delay, (long long)failures, (long long)delay)) != TK_OK)
		goto out;
	rc = notify_queue(c, (const char *)email.p, "Percobaan passphrase salah / Wrong passphrase attempts", body);
out:
	store_finalize(s);
	buf_free(&email);
	return rc;
}

struct unlock_record {
	struct unlock_state *u;
	int wrong;
};

/* After the passphrase check: a success clears the official and refunds the caller; a failure is audited and told. */
static enum tk_err unlock_record_tx(struct svc_ctx *c, void *arg)
{
	struct unlock_record *r = arg;
	struct unlock_state *u = r->u;
	struct store_stmt *s = NULL;
	char obj[24];
	int row;
	enum tk_err rc = TK_OK;

	if (!r->wrong) {
		if ((rc = store_prepare(c->st, "UPDATE subscriber_keys SET failed_attempts = 0, last_failed_at = 0, status = 'active' WHERE id = ?", &s)) != TK_OK ||
		    (rc = store_bind_i64(s, 1, u->key_id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
			goto out;
		store_finalize(s);
		s = NULL;
		if ((rc = store_prepare(c->st, "UPDATE unlock_throttle SET failures = failures - 1 WHERE caller = ? AND failures > 0", &s)) != TK_OK ||
		    (rc = store_bind_text(s, 1, u->caller)) != TK_OK)
			goto out;
		rc = store_step(s, &row);
		goto out;
	}
	if (u->key_id == 0)
		goto out; /* no key: only the caller's count, already taken */
	if ((rc = str_fmt(obj, sizeof(obj), "%lld", (long long)u->key_id)) != TK_OK ||
	    (rc = audit_append(c, "key.unlock_failed", obj, NULL)) != TK_OK)
		goto out;
	/* The official hears of the first failure and of every delay that starts. */
	{
		int64_t n = u->failed + 1, d = unlock_delay(n, u->lim.free_official, u->lim.max_delay);
		if (n == 1 || d > 0)
			rc = notify_official_failures(c, u->subscriber_id, n, d);
	}
out:
	store_finalize(s);
	return rc;
}

/*
 * Opens the official's newest usable key with passphrase, throttled as
 * above. Wrong passphrase, no key and unknown official answer alike;
 * a running delay answers too_many_attempts (HTTP 429, with the wait)
 * without trying.
 */
static enum tk_err unlock_pkey(struct svc_ctx *c, int64_t subscriber_id, const char *passphrase, EVP_PKEY **pk,
    struct unlock_state *u)
{
	struct unlock_record rec;
	enum tk_err rc;

	*pk = NULL;
	memset(&rec, 0, sizeof(rec));
	rec.u = u;
	u->subscriber_id = subscriber_id;
	u->wait = 0;
	if ((rc = throttle_limits(c, &u->lim)) != TK_OK || (rc = caller_key(&c->actor, u->caller)) != TK_OK ||
	    (rc = svc_in_tx(c, unlock_reserve_tx, u)) != TK_OK)
		return rc;
	if (u->wait > 0) {
		tk_fail_code(TK_ERR_LIMIT, "too_many_attempts", "too many wrong passphrases; try again in %lld seconds", (long long)u->wait);
		return tk_error_retry_after(u->wait);
	}
	if (u->key_id == 0) {
		/* Same cost and answer as a wrong passphrase: nothing to learn here. */
		uint8_t salt[16] = { 0 }, k[32];
		if (kdf_passphrase(passphrase, salt, k) == TK_OK)
			OPENSSL_cleanse(k, sizeof(k));
		rec.wrong = 1;
	} else {
		rc = subkey_open(c, u->key_id, passphrase, u->blob.p, u->blob.len, pk);
		if (rc == TK_ERR_CRYPTO && strcmp(tk_last_error()->code, "passphrase_invalid") == 0)
			rec.wrong = 1;
		else if (rc != TK_OK)
			return rc;
	}
	if ((rc = svc_in_tx(c, unlock_record_tx, &rec)) != TK_OK) {
		EVP_PKEY_free(*pk);
		*pk = NULL;
		return rc;
	}
	return rec.wrong ? ra_passphrase_error() : TK_OK;
}

enum tk_err ra_key_unlock(struct svc_ctx *c, int64_t subscriber_id, const char *passphrase, struct key **key, X509 **cert)
{
	struct unlock_state u;
	struct store_stmt *s = NULL;
	EVP_PKEY *pk = NULL;
	int row = 0;
	enum tk_err rc;

	memset(&u, 0, sizeof(u));
	buf_init_secret(&u.blob, MAX_KEY_BLOB_BYTES);
	if ((rc = unlock_pkey(c, subscriber_id, passphrase, &pk, &u)) != TK_OK)
		goto out;
	if ((rc = store_prepare(c->st, "SELECT der FROM certs WHERE serial = ? AND status = 'valid'", &s)) != TK_OK ||
	    (rc = store_bind_text(s, 1, u.serial)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail_code(TK_ERR_CONFLICT, "certificate_not_valid", "your certificate is revoked, suspended or not yet issued");
		goto out;
	}
	{
		size_t len = 0;
		const uint8_t *der = store_col_blob(s, 0, &len);
		if ((rc = x509_cert_parse(der, len, cert)) != TK_OK)
			goto out;
	}
	rc = key_from_pkey(u.serial, pk, key);
	pk = NULL; /* key_from_pkey takes it, also on failure */
	if (rc != TK_OK) {
		X509_free(*cert);
		*cert = NULL;
	}
out:
	store_finalize(s);
	EVP_PKEY_free(pk);
	buf_free(&u.blob);
	return rc;
}

struct change_args {
	int64_t key_id;
	const struct buf *old_blob, *new_blob;
};

static enum tk_err change_tx(struct svc_ctx *c, void *arg)
{
	struct change_args *a = arg;
	struct store_stmt *s = NULL;
	char obj[24];
	int row;
	enum tk_err rc;

	/* Only if the key is still the one that was opened (no reset or change in between). */
	if ((rc = store_prepare(c->st, "UPDATE subscriber_keys SET blob = ?, failed_attempts = 0, last_failed_at = 0 WHERE id = ? AND blob = ?", &s)) != TK_OK ||
	    (rc = store_bind_blob(s, 1, a->new_blob->p, a->new_blob->len)) != TK_OK || (rc = store_bind_i64(s, 2, a->key_id)) != TK_OK ||
	    (rc = store_bind_blob(s, 3, a->old_blob->p, a->old_blob->len)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (store_changes(s) != 1) {
		rc = tk_fail_code(TK_ERR_CONFLICT, "key_changed", "your key changed meanwhile; try again");
		goto out;
	}
	if ((rc = str_fmt(obj, sizeof(obj), "%lld", (long long)a->key_id)) == TK_OK)
		rc = audit_append(c, "key.passphrase_change", obj, NULL);
out:
	store_finalize(s);
	return rc;
}

enum tk_err ra_passphrase_change(struct svc_ctx *c, const char *old_pass, const char *new_pass)
{
	struct unlock_state u;
	struct change_args a;
	struct buf blob;
	EVP_PKEY *pk = NULL;
	int64_t sid = 0;
	enum tk_err rc;

	memset(&u, 0, sizeof(u));
	buf_init_secret(&u.blob, MAX_KEY_BLOB_BYTES);
	buf_init(&blob, MAX_KEY_BLOB_BYTES);
	if (c->actor.kind != ACTOR_PERSON || strcmp(c->actor.role, "subscriber") != 0) {
		rc = tk_fail_code(TK_ERR_DENIED, "forbidden", "only the official changes their own passphrase");
		goto out;
	}
	if ((rc = passphrase_check(c, new_pass, NULL, c->actor.user)) != TK_OK || (rc = ra_subscriber_of(c, c->actor.user, &sid)) != TK_OK ||
	    (rc = unlock_pkey(c, sid, old_pass, &pk, &u)) != TK_OK)
		goto out;
	/* The new Argon2 derivation, before the write transaction. */
	if ((rc = subkey_seal(c, u.key_id, new_pass, pk, &blob)) != TK_OK)
		goto out;
	a.key_id = u.key_id;
	a.old_blob = &u.blob;
	a.new_blob = &blob;
	rc = svc_in_tx(c, change_tx, &a);
out:
	EVP_PKEY_free(pk);
	buf_free(&u.blob);
	buf_free(&blob);
	return rc;
}

struct unlock_req_args {
	const char *username;
	int64_t request_id;
};

static enum tk_err unlock_request_tx(struct svc_ctx *c, void *arg)
{
	struct unlock_req_args *a = arg;
	int64_t sid = 0, key_id = 0;
	json_t *payload;
	enum tk_err rc;

	if ((rc = quorum_check(c)) != TK_OK || (rc = ra_subscriber_of(c, a->username, &sid)) != TK_OK)
		return rc;
	{
		char q[32];
		if ((rc = str_fmt(q, sizeof(q), "%lld", (long long)sid)) != TK_OK)
			return rc;
		rc = store_query_i64(c->st, "SELECT id FROM subscriber_keys WHERE subscriber_id = CAST(? AS INTEGER)"
					    " AND status IN ('active','locked') AND failed_attempts > 0 ORDER BY id DESC LIMIT 1",
		    q, &key_id);
		if (rc == TK_ERR_NOT_FOUND)
			return tk_fail_code(TK_ERR_CONFLICT, "not_throttled", "this official's key has no failed attempts to clear");
		if (rc != TK_OK)
			return rc;
	}
	if ((payload = json_pack("{s:s}", "user", a->username)) == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	rc = request_file(c, "unlock", sid, key_id, payload, &a->request_id);
	json_decref(payload);
	return rc;
}

enum tk_err ra_unlock_request(struct svc_ctx *c, const char *username, int64_t *request_id)
{
	struct unlock_req_args a = { username, 0 };
	enum tk_err rc;

	if (c->actor.kind == ACTOR_APPLICATION || c->actor.kind == ACTOR_ANONYMOUS || strcmp(c->actor.role, "auditor") == 0)
		return tk_fail_code(TK_ERR_DENIED, "forbidden", "the official or RA staff file an unlock request");
	if (strcmp(c->actor.role, "subscriber") == 0 && strcmp(username, c->actor.user) != 0)
		return tk_fail_code(TK_ERR_DENIED, "forbidden", "a subscriber can only ask to unlock their own key");
	if ((rc = svc_in_tx(c, unlock_request_tx, &a)) != TK_OK)
		return rc;
	*request_id = a.request_id;
	return TK_OK;
}

enum tk_err ra_unlock_throttles_json(struct svc_ctx *c, char **out)
{
	struct store_stmt *s = NULL;
	struct unlock_limits lim;
	json_t *arr = json_array();
	int64_t now = tk_now();
	int row = 0;
	enum tk_err rc;

	if (arr == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	if (!(c->actor.kind == ACTOR_OPERATOR ||
		(c->actor.kind == ACTOR_PERSON && (strcmp(c->actor.role, "verifikator") == 0 || strcmp(c->actor.role, "admin") == 0)))) {
		rc = tk_fail_code(TK_ERR_DENIED, "forbidden", "throttled keys are shown to Verifikators and admins");
		goto out;
	}
	if ((rc = throttle_limits(c, &lim)) != TK_OK)
		goto out;
	/* Names only (as in the subscriber list): no sealed field is opened. */
	if ((rc = store_prepare(c->st, "SELECT s.id, u.username, s.full_name, s.unit, k.failed_attempts, k.last_failed_at, k.cert_serial,"
				       " r.id, r.submitted_by, r.created_at, r.required_approvals,"
				       " (SELECT COUNT(*) FROM approvals a WHERE a.request_id = r.id AND a.decision = 'approve')"
				       " FROM subscriber_keys k JOIN subscribers s ON s.id = k.subscriber_id LEFT JOIN users u ON u.id = s.user_id"
				       " LEFT JOIN requests r ON r.id = (SELECT MAX(p.id) FROM requests p WHERE p.kind = 'unlock' AND p.status = 'pending'"
				       " AND p.subscriber_id = s.id)"
				       " WHERE k.status IN ('active','locked') AND k.failed_attempts > 0 AND s.status = 'active'"
				       " ORDER BY k.last_failed_at DESC, k.id DESC LIMIT 500",
		 &s)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		int64_t failures = store_col_i64(s, 4), last = store_col_i64(s, 5);
		int64_t delay = unlock_delay(failures, lim.free_official, lim.max_delay);
		int64_t until = delay > 0 ? last + delay : 0;
		json_t *req = store_col_null(s, 7) ? json_null()
						   : json_pack("{s:I, s:s, s:I, s:I, s:I}", "id", (json_int_t)store_col_i64(s, 7), "submitted_by",
							 store_col_text(s, 8), "created_at", (json_int_t)store_col_i64(s, 9), "required_approvals",
							 (json_int_t)store_col_i64(s, 10), "approvals", (json_int_t)store_col_i64(s, 11));
		json_t *o = req == NULL ? NULL
					: json_pack("{s:I, s:o, s:s, s:s, s:I, s:I, s:I, s:I, s:b, s:s?, s:o}", "subscriber_id",
					      (json_int_t)store_col_i64(s, 0), "user", store_col_null(s, 1) ? json_null() : json_string(store_col_text(s, 1)),
					      "full_name", store_col_text(s, 2), "unit", store_col_text(s, 3), "failures", (json_int_t)failures,
					      "last_failed_at", (json_int_t)last, "delay_seconds", (json_int_t)delay, "wait_until", (json_int_t)until,
					      "throttled", until > now, "serial", store_col_null(s, 6) ? NULL : store_col_text(s, 6), "request", req);
		if (o == NULL || json_array_append_new(arr, o) != 0) {
			rc = tk_fail(TK_ERR_NOMEM, "out of memory");
			goto out;
		}
	}
	if (rc == TK_OK)
		rc = svc_json_dump(json_incref(arr), out);
out:
	store_finalize(s);
	json_decref(arr);
	return rc;
}

/* The official's own wrong guesses are forgiven (their session's count), after a Verifikator's decision. */
static enum tk_err clear_own_throttle(struct svc_ctx *c, int64_t subscriber_id)
{
	struct store_stmt *s = NULL;
	char caller[96];
	int64_t uid = 0;
	int row = 0;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "SELECT user_id FROM subscribers WHERE id = ?", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, subscriber_id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row || store_col_null(s, 0))
		goto out;
	uid = store_col_i64(s, 0);
	store_finalize(s);
	s = NULL;
	if ((rc = str_fmt(caller, sizeof(caller), "user:%lld", (long long)uid)) != TK_OK ||
	    (rc = store_prepare(c->st, "DELETE FROM unlock_throttle WHERE caller = ?", &s)) != TK_OK || (rc = store_bind_text(s, 1, caller)) != TK_OK)
		goto out;
	rc = store_step(s, &row);
out:
	store_finalize(s);
	return rc;
}

/* The approved "unlock" request: the official's delays end. */
static enum tk_err unlock_execute(struct svc_ctx *c, int64_t subscriber_id, int64_t key_id)
{
	struct store_stmt *s = NULL;
	int row;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "UPDATE subscriber_keys SET failed_attempts = 0, last_failed_at = 0, status = 'active'"
				       " WHERE id = ? AND status IN ('active','locked')",
		 &s)) == TK_OK &&
	    (rc = store_bind_i64(s, 1, key_id)) == TK_OK)
		rc = store_step(s, &row);
	store_finalize(s);
	return rc == TK_OK ? clear_own_throttle(c, subscriber_id) : rc;
}

/* ------------------------------------------------------------ who sees personal data (R16) */

/*
 * What one caller sees of one subscriber record (docs/security.md,
 * "Personal data: who sees what"):
 *   full           NIK, NIP, e-mail, phone, evidence files, name, account
 *   names          name and account; no sealed field, no evidence file
 *   pseudonymised  unit, position, status, dates and a pseudonym
 * Verifikators verify identity, so they see everything; so do the official
 * (their own record) and the operator on the machine, who holds
 * instance.key and could open every column anyway. Admins manage accounts
 * and see names; auditors see pseudonyms. An admin or auditor sees one
 * record in full while a PII-access request they filed, approved by
 * Verifikators, runs. Every full or names view of a record is logged.
 */
enum pii_view { PII_VIEW_NONE = 0,
	PII_VIEW_PSEUDONYM,
	PII_VIEW_NAMES,
	PII_VIEW_FULL };

struct pii_basis {
	enum pii_view view;
	const char *why; /* verifikator, self, operator, grant, admin, auditor */
	int64_t grant;   /* the approved pii_access request behind a grant */
};

static const char *pii_view_name(enum pii_view v)
{
	switch (v) {
	case PII_VIEW_FULL:
		return "full";
	case PII_VIEW_NAMES:
		return "names";
	case PII_VIEW_PSEUDONYM:
		return "pseudonymised";
	default:
		return "none";
	}
}

/* The newest unexpired grant of the caller for subscriber sid: *grant gets its request id, 0 when none. */
static enum tk_err pii_grant_find(struct svc_ctx *c, int64_t sid, int64_t *grant)
{
	struct store_stmt *s = NULL;
	int64_t now = tk_now();
	int row = 0;
	enum tk_err rc;

	*grant = 0;
	if ((rc = store_prepare(c->st, "SELECT id, result FROM requests WHERE kind = 'pii_access' AND status = 'approved'"
				       " AND submitted_by = ? AND subscriber_id = ? ORDER BY id DESC LIMIT 50",
		 &s)) != TK_OK ||
	    (rc = store_bind_text(s, 1, c->actor.user)) != TK_OK || (rc = store_bind_i64(s, 2, sid)) != TK_OK)
		goto out;
	while (*grant == 0 && (rc = store_step(s, &row)) == TK_OK && row) {
		json_t *r = store_col_null(s, 1) ? NULL : json_loads(store_col_text(s, 1), 0, NULL);
		json_t *e = json_object_get(r, "expires_at");
		if (json_is_integer(e) && json_integer_value(e) > now)
			*grant = store_col_i64(s, 0);
		json_decref(r);
	}
out:
	store_finalize(s);
	return rc;
}

/* The caller's view of subscriber sid (sid 0: of no record in particular). */
static enum tk_err pii_basis_of(struct svc_ctx *c, int64_t sid, struct pii_basis *b)
{
	const char *role = c->actor.role;
	int64_t mine = 0;
	enum tk_err rc;

	memset(b, 0, sizeof(*b));
	b->view = PII_VIEW_NONE;
	b->why = "none";
	if (c->actor.kind == ACTOR_OPERATOR) {
		b->view = PII_VIEW_FULL;
		b->why = "operator";
	} else if (c->actor.kind != ACTOR_PERSON) {
		return TK_OK;
	} else if (strcmp(role, "verifikator") == 0) {
		b->view = PII_VIEW_FULL;
		b->why = "verifikator";
	} else if (strcmp(role, "subscriber") == 0) {
		if (sid != 0 && ra_subscriber_of(c, c->actor.user, &mine) == TK_OK && mine == sid) {
			b->view = PII_VIEW_FULL;
			b->why = "self";
		}
		tk_clear_error();
	} else if (strcmp(role, "admin") == 0 || strcmp(role, "auditor") == 0) {
		if (sid != 0 && (rc = pii_grant_find(c, sid, &b->grant)) != TK_OK)
			return rc;
		if (b->grant != 0) {
			b->view = PII_VIEW_FULL;
			b->why = "grant";
		} else {
			b->view = strcmp(role, "admin") == 0 ? PII_VIEW_NAMES : PII_VIEW_PSEUDONYM;
			b->why = strcmp(role, "admin") == 0 ? "admin" : "auditor";
		}
	}
	return TK_OK;
}

/* The view of lists (requests, subscribers): never sealed fields, so no grant applies. */
static enum pii_view pii_list_view(const struct svc_ctx *c)
{
	if (c->actor.kind == ACTOR_OPERATOR)
		return PII_VIEW_NAMES;
	if (c->actor.kind != ACTOR_PERSON)
		return PII_VIEW_NONE;
	if (strcmp(c->actor.role, "verifikator") == 0 || strcmp(c->actor.role, "admin") == 0 || strcmp(c->actor.role, "subscriber") == 0)
		return PII_VIEW_NAMES;
	if (strcmp(c->actor.role, "auditor") == 0)
		return PII_VIEW_PSEUDONYM;
	return PII_VIEW_NONE;
}

/*
 * Reading personal data is logged (UU 27/2022): one audit event per look,
 * with what was seen and on what basis (never the data itself).
 */
static enum tk_err log_pii_read(struct svc_ctx *c, int64_t sid, const struct pii_basis *b, int64_t evidence_id)
{
	json_t *d = json_pack("{s:s, s:s}", "view", pii_view_name(b->view), "basis", b->why);
	char obj[24], *dtxt = NULL;
	enum tk_err rc;

	if (d == NULL || (b->grant != 0 && json_object_set_new(d, "grant", json_integer(b->grant)) != 0) ||
	    (evidence_id != 0 && json_object_set_new(d, "evidence", json_integer(evidence_id)) != 0) ||
	    (dtxt = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS)) == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = str_fmt(obj, sizeof(obj), "%lld", (long long)sid)) != TK_OK || (rc = store_begin(c->st, STORE_TX_WRITE)) != TK_OK)
		goto out;
	if ((rc = audit_append(c, "pii.read", obj, dtxt)) != TK_OK) {
		store_rollback(c->st);
		goto out;
	}
	rc = store_commit(c->st);
out:
	free(dtxt);
	json_decref(d);
	return rc;
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

/* Column 12 is the role of the submitter (NULL for the CLI operator). */
#define REQUEST_COLS "r.id, r.kind, r.subscriber_id, r.submitted_by, r.status, r.required_approvals, r.key_id, r.payload, r.result," \
		     " r.reason, r.created_at, r.decided_at, su.role"
#define REQUEST_FROM " FROM requests r LEFT JOIN users su ON su.username = r.submitted_by"

/*
 * Adds the subscriber's pseudonym to a request and, for a pseudonymised
 * view, takes out what names the official: their account in the payload,
 * their account as the submitter, the record id.
 */
static enum tk_err request_render(struct svc_ctx *c, json_t *r, int64_t sid, const char *submitter_role, enum pii_view view)
{
	char p[PII_PSEUDONYM_LEN + 1], who[PII_PSEUDONYM_LEN + 16];
	enum tk_err rc;

	p[0] = '\0';
	if (sid != 0) {
		pii_pseudonym(c->inst, sid, p);
		if (json_object_set_new(r, "subscriber_pseudonym", json_string(p)) != 0)
			return tk_fail(TK_ERR_NOMEM, "out of memory");
	}
	if (view != PII_VIEW_PSEUDONYM)
		return TK_OK;
	json_object_del(json_object_get(r, "payload"), "user");
	json_object_del(r, "subscriber_id");
	if (submitter_role != NULL && strcmp(submitter_role, "subscriber") == 0) {
		if ((rc = str_fmt(who, sizeof(who), "subscriber%s%s", p[0] ? ":" : "", p)) != TK_OK)
			return rc;
		if (json_object_set_new(r, "submitted_by", json_string(who)) != 0)
			return tk_fail(TK_ERR_NOMEM, "out of memory");
	}
	return TK_OK;
}

/*
 * Adds to each request of arr (newest first, as ra_requests_json lists
 * them) "approvals" (approving decisions so far) and "decisions"
 * [{verifikator, decision, at}], without reasons (those are in the
 * request itself): the queue shows who approved first and when, and which
 * requests the caller has already decided. One query for the whole list.
 */
static enum tk_err requests_add_decisions(struct svc_ctx *c, json_t *arr)
{
	struct store_stmt *s = NULL;
	size_t i, n = json_array_size(arr);
	int64_t lo, hi;
	int row = 0;
	enum tk_err rc;

	for (i = 0; i < n; i++) {
		json_t *r = json_array_get(arr, i);
		if (json_object_set_new(r, "approvals", json_integer(0)) != 0 || json_object_set_new(r, "decisions", json_array()) != 0)
			return tk_fail(TK_ERR_NOMEM, "out of memory");
	}
	if (n == 0)
		return TK_OK;
	hi = (int64_t)json_integer_value(json_object_get(json_array_get(arr, 0), "id"));
	lo = (int64_t)json_integer_value(json_object_get(json_array_get(arr, n - 1), "id"));
	if ((rc = store_prepare(c->st, "SELECT request_id, verifikator, decision, at FROM approvals WHERE request_id >= ? AND request_id <= ?"
				       " ORDER BY at, request_id",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, lo)) != TK_OK || (rc = store_bind_i64(s, 2, hi)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		int64_t id = store_col_i64(s, 0);
		json_t *r = NULL, *d;
		/* arr is sorted by id, newest first: binary search. */
		size_t a = 0, b = n;
		while (a < b) {
			size_t m = a + (b - a) / 2;
			int64_t mid = (int64_t)json_integer_value(json_object_get(json_array_get(arr, m), "id"));
			if (mid == id) {
				r = json_array_get(arr, m);
				break;
			}
			if (mid > id)
				a = m + 1;
			else
				b = m;
		}
		if (r == NULL)
			continue; /* a request of another status in the same id range */
		d = json_pack("{s:s, s:s, s:I}", "verifikator", store_col_text(s, 1), "decision", store_col_text(s, 2), "at",
		    (json_int_t)store_col_i64(s, 3));
		/* An official sees that and when their request was decided, not by which Verifikator. */
		if (d != NULL && c->actor.kind == ACTOR_PERSON && strcmp(c->actor.role, "subscriber") == 0)
			json_object_del(d, "verifikator");
		if (d == NULL || json_array_append_new(json_object_get(r, "decisions"), d) != 0) {
			rc = tk_fail(TK_ERR_NOMEM, "out of memory");
			goto out;
		}
		if (strcmp(store_col_text(s, 2), "approve") == 0 &&
		    json_object_set_new(r, "approvals", json_integer(json_integer_value(json_object_get(r, "approvals")) + 1)) != 0) {
			rc = tk_fail(TK_ERR_NOMEM, "out of memory");
			goto out;
		}
	}
out:
	store_finalize(s);
	return rc;
}

enum tk_err ra_requests_json(struct svc_ctx *c, const char *status, char **out)
{
	struct store_stmt *s = NULL;
	json_t *arr = json_array();
	enum pii_view view = pii_list_view(c);
	int own_only = strcmp(c->actor.role, "subscriber") == 0;
	int64_t mine = 0;
	int row = 0;
	enum tk_err rc;

	if (arr == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	if (view == PII_VIEW_NONE) {
		json_decref(arr);
		return tk_fail_code(TK_ERR_DENIED, "forbidden", "requests are for staff and the officials they concern");
	}
	if (status != NULL && strcmp(status, "pending") && strcmp(status, "approved") && strcmp(status, "rejected") && strcmp(status, "cancelled")) {
		json_decref(arr);
		return tk_fail_code(TK_ERR_INVALID, "invalid_status", "status must be pending, approved, rejected or cancelled");
	}
	/* A subscriber sees only requests about themself. */
	if (own_only && ra_subscriber_of(c, c->actor.user, &mine) != TK_OK) {
		tk_clear_error();
		mine = 0;
	}
	rc = store_prepare(c->st, status ? "SELECT " REQUEST_COLS REQUEST_FROM " WHERE r.status = ? ORDER BY r.id DESC LIMIT 500" : "SELECT " REQUEST_COLS REQUEST_FROM " ORDER BY r.id DESC LIMIT 500", &s);
	if (rc == TK_OK && status != NULL)
		rc = store_bind_text(s, 1, status);
	while (rc == TK_OK && (rc = store_step(s, &row)) == TK_OK && row) {
		int64_t sid = store_col_null(s, 2) ? 0 : store_col_i64(s, 2);
		json_t *r;
		if (own_only && (sid == 0 || sid != mine))
			continue;
		if ((r = request_row_json(s)) == NULL || json_array_append_new(arr, r) != 0) {
			rc = tk_fail(TK_ERR_NOMEM, "out of memory");
			break;
		}
		rc = request_render(c, r, sid, store_col_null(s, 12) ? NULL : store_col_text(s, 12), view);
	}
	store_finalize(s);
	s = NULL;
	if (rc == TK_OK)
		rc = requests_add_decisions(c, arr);
	if (rc == TK_OK && (*out = json_dumps(arr, JSON_COMPACT)) == NULL)
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
	json_decref(arr);
	return rc;
}

/* One subscriber record as the caller may see it (pii_basis_of decides view). */
static enum tk_err subscriber_json(struct svc_ctx *c, int64_t sid, enum pii_view view, json_t **out)
{
	static const char *const fields[] = { "nik", "nip", "email", "phone" };
	struct store_stmt *s = NULL;
	json_t *j = NULL, *ev = NULL;
	char pseud[PII_PSEUDONYM_LEN + 1];
	int row = 0;
	size_t i;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "SELECT s.id, u.username, s.full_name, s.unit, s.position, s.status, s.created_at, s.nik, s.nip, s.email, s.phone,"
				       " (SELECT COUNT(*) FROM evidence e WHERE e.subscriber_id = s.id AND e.blob IS NOT NULL)"
				       " FROM subscribers s LEFT JOIN users u ON u.id = s.user_id WHERE s.id = ?",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, sid)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_subscriber", "no subscriber %lld", (long long)sid);
		goto out;
	}
	pii_pseudonym(c->inst, sid, pseud);
	j = json_pack("{s:s, s:s, s:s, s:s, s:I, s:s}", "pseudonym", pseud, "unit", store_col_text(s, 3), "position",
	    store_col_text(s, 4), "status", store_col_text(s, 5), "created_at", (json_int_t)store_col_i64(s, 6), "view", pii_view_name(view));
	if (j == NULL || (view >= PII_VIEW_NAMES && (json_object_set_new(j, "id", json_integer(sid)) != 0 || json_object_set_new(j, "user", store_col_null(s, 1) ? json_null() : json_string(store_col_text(s, 1))) != 0 || json_object_set_new(j, "full_name", json_string(store_col_text(s, 2))) != 0)) ||
	    (view < PII_VIEW_FULL && json_object_set_new(j, "evidence_count", json_integer(store_col_i64(s, 11))) != 0)) {
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (view < PII_VIEW_FULL) {
		*out = j;
		j = NULL;
		goto out;
	}
	for (i = 0; i < 4; i++) {
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

enum tk_err ra_request_json(struct svc_ctx *c, int64_t id, char **out)
{
	struct store_stmt *s = NULL;
	json_t *r = NULL, *apps = NULL, *subj = NULL;
	struct pii_basis b;
	char submitter_role[24];
	int row = 0;
	int64_t sid = 0;
	enum tk_err rc;

	memset(&b, 0, sizeof(b));
	submitter_role[0] = '\0';
	if ((rc = store_prepare(c->st, "SELECT " REQUEST_COLS REQUEST_FROM " WHERE r.id = ?", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_request", "no request %lld", (long long)id);
		goto out;
	}
	r = request_row_json(s);
	sid = store_col_null(s, 2) ? 0 : store_col_i64(s, 2);
	if (!store_col_null(s, 12) && (rc = str_copy(submitter_role, sizeof(submitter_role), store_col_text(s, 12))) != TK_OK)
		goto out;
	store_finalize(s);
	s = NULL;
	if (r == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (sid != 0) {
		if ((rc = pii_basis_of(c, sid, &b)) != TK_OK)
			goto out;
	} else if (strcmp(c->actor.role, "subscriber") != 0) {
		b.view = pii_list_view(c); /* about a certificate or a seal: no record to open */
	}
	/* Someone else's request looks like no request at all to an official. */
	if (b.view == PII_VIEW_NONE) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_request", "no request %lld", (long long)id);
		goto out;
	}
	if ((rc = request_render(c, r, sid, submitter_role[0] ? submitter_role : NULL, b.view)) != TK_OK)
		goto out;
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
		if ((rc = subscriber_json(c, sid, b.view, &subj)) != TK_OK)
			goto out;
		json_object_set_new(r, "subscriber", subj);
		subj = NULL;
		if (b.view >= PII_VIEW_NAMES && (rc = log_pii_read(c, sid, &b, 0)) != TK_OK)
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
	enum pii_view view = pii_list_view(c);
	int row = 0;
	enum tk_err rc;

	if (arr == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	if (view == PII_VIEW_NONE || strcmp(c->actor.role, "subscriber") == 0) {
		json_decref(arr);
		return tk_fail_code(TK_ERR_DENIED, "forbidden", "the list of certificate holders is for staff");
	}
	/* The list opens no sealed field; auditors get pseudonyms instead of names. */
	if ((rc = store_prepare(c->st, "SELECT s.id, u.username, s.full_name, s.unit, s.position, s.status, s.created_at,"
				       " (SELECT k.cert_serial FROM subscriber_keys k WHERE k.subscriber_id = s.id AND k.status IN ('active','locked') ORDER BY k.id DESC LIMIT 1)"
				       " FROM subscribers s LEFT JOIN users u ON u.id = s.user_id ORDER BY s.id LIMIT 1000",
		 &s)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		char p[PII_PSEUDONYM_LEN + 1];
		json_t *o;
		pii_pseudonym(c->inst, store_col_i64(s, 0), p);
		o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:s?}", "pseudonym", p, "unit", store_col_text(s, 3), "position",
		    store_col_text(s, 4), "status", store_col_text(s, 5), "created_at", (json_int_t)store_col_i64(s, 6),
		    "certificate", store_col_null(s, 7) ? NULL : store_col_text(s, 7));
		if (o != NULL && view >= PII_VIEW_NAMES &&
		    (json_object_set_new(o, "id", json_integer(store_col_i64(s, 0))) != 0 ||
			json_object_set_new(o, "user", store_col_null(s, 1) ? json_null() : json_string(store_col_text(s, 1))) != 0 ||
			json_object_set_new(o, "full_name", json_string(store_col_text(s, 2))) != 0)) {
			json_decref(o);
			o = NULL;
		}
		if (o == NULL || json_array_append_new(arr, o) != 0) {
			rc = tk_fail(TK_ERR_NOMEM, "out of memory");
			break;
		}
	}
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
	struct pii_basis b;
	char aad[64];
	int64_t sid = 0;
	int row = 0;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "SELECT subscriber_id FROM evidence WHERE id = ? AND blob IS NOT NULL", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (row)
		sid = store_col_i64(s, 0);
	store_finalize(s);
	s = NULL;
	/* Whoever may not open it gets the same answer whether or not the file exists. */
	if ((rc = pii_basis_of(c, sid, &b)) != TK_OK)
		goto out;
	if (b.view != PII_VIEW_FULL) {
		rc = tk_fail_code(TK_ERR_DENIED, "pii_access_required",
		    "evidence files are shown to Verifikators, or with an approved PII-access request (kind pii_access) for this subscriber");
		goto out;
	}
	if (!row) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_evidence", "no evidence file %lld", (long long)id);
		goto out;
	}
	if ((rc = store_prepare(c->st, "SELECT mime, blob FROM evidence WHERE id = ? AND blob IS NOT NULL", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_evidence", "no evidence file %lld", (long long)id);
		goto out;
	}
	{
		size_t len = 0;
		const uint8_t *blob = store_col_blob(s, 1, &len);
		if ((rc = str_copy(mime, 32, store_col_text(s, 0))) != TK_OK || (rc = str_fmt(aad, sizeof(aad), "evidence-%lld", (long long)sid)) != TK_OK ||
		    (rc = pii_open_blob(c->inst, aad, blob, len, out)) != TK_OK)
			goto out;
	}
	store_finalize(s);
	s = NULL;
	rc = log_pii_read(c, sid, &b, id);
out:
	store_finalize(s);
	return rc;
}

/* Only the official themself (or the operator on the machine) reads their whole record this way. */
static enum tk_err own_record_check(const struct svc_ctx *c, const char *username)
{
	if (c->actor.kind == ACTOR_OPERATOR || (c->actor.kind == ACTOR_PERSON && strcmp(username, c->actor.user) == 0))
		return TK_OK;
	return tk_fail_code(TK_ERR_DENIED, "forbidden", "only the official themself can read this");
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
	if ((rc = store_prepare(c->st, "SELECT serial, profile, subject, not_before, not_after, status, der FROM certs WHERE subscriber_id = ? ORDER BY created_at", &s)) == TK_OK &&
	    (rc = store_bind_i64(s, 1, sid)) == TK_OK) {
		while ((rc = store_step(s, &row)) == TK_OK && row) {
			/* Issuer and key algorithm from the certificate itself, for the official's certificate page. */
			char issuer[512] = "", alg[16] = "";
			size_t dlen = 0;
			const unsigned char *der = store_col_blob(s, 6, &dlen);
			X509 *x = der != NULL && dlen <= LONG_MAX ? d2i_X509(NULL, &der, (long)dlen) : NULL;
			json_t *o;
			if (x != NULL && (x509_name_str(X509_get_issuer_name(x), issuer, sizeof(issuer)) != TK_OK ||
					     key_alg_of(X509_get0_pubkey(x), alg) != TK_OK)) {
				issuer[0] = '\0';
				alg[0] = '\0';
			}
			X509_free(x);
			o = json_pack("{s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:s}", "serial", store_col_text(s, 0), "profile", store_col_text(s, 1),
			    "subject", store_col_text(s, 2), "not_before", (json_int_t)store_col_i64(s, 3), "not_after",
			    (json_int_t)store_col_i64(s, 4), "status", store_col_text(s, 5), "issuer", issuer, "key_alg", alg);
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

	if ((rc = own_record_check(c, username)) != TK_OK || (rc = ra_subscriber_of(c, username, &sid)) != TK_OK ||
	    (rc = subscriber_certs(c, sid, &certs)) != TK_OK)
		return rc;
	if ((*out = json_dumps(certs, JSON_COMPACT)) == NULL)
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
	json_decref(certs);
	return rc;
}

enum tk_err ra_export_json(struct svc_ctx *c, const char *username, char **out)
{
	json_t *subj = NULL, *certs = NULL;
	struct pii_basis b;
	int64_t sid = 0;
	enum tk_err rc;

	memset(&b, 0, sizeof(b));
	b.view = PII_VIEW_FULL;
	b.why = c->actor.kind == ACTOR_OPERATOR ? "operator" : "self";
	if ((rc = own_record_check(c, username)) != TK_OK || (rc = ra_subscriber_of(c, username, &sid)) != TK_OK ||
	    (rc = subscriber_json(c, sid, PII_VIEW_FULL, &subj)) != TK_OK)
		return rc;
	if ((rc = subscriber_certs(c, sid, &certs)) != TK_OK)
		goto out;
	json_object_set_new(subj, "certificates", certs);
	certs = NULL;
	json_object_set_new(subj, "exported_at", json_integer(tk_now()));
	json_object_set_new(subj, "legal_basis", json_string("UU 27/2022 tentang Pelindungan Data Pribadi, hak akses subjek data"));
	if ((*out = json_dumps(subj, JSON_INDENT(2) | JSON_SORT_KEYS)) == NULL)
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
	else if ((rc = log_pii_read(c, sid, &b, 0)) != TK_OK) {
		free(*out);
		*out = NULL;
	}
out:
	json_decref(certs);
	json_decref(subj);
	return rc;
}

/* ------------------------------------------------------------ PII access and erasure requests */

struct pii_access_args {
	int64_t sid;
	const char *pseudonym, *reason;
	int64_t request_id;
};

/* The active subscriber behind a pseudonym: a scan, since pseudonyms are computed, never stored. */
static enum tk_err subscriber_by_pseudonym(struct svc_ctx *c, const char *pseudonym, int64_t *sid)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	*sid = 0;
	if ((rc = store_prepare(c->st, "SELECT id FROM subscribers WHERE status = 'active'", &s)) != TK_OK)
		return rc;
	while (*sid == 0 && (rc = store_step(s, &row)) == TK_OK && row) {
		char p[PII_PSEUDONYM_LEN + 1];
		pii_pseudonym(c->inst, store_col_i64(s, 0), p);
		if (strcmp(p, pseudonym) == 0)
			*sid = store_col_i64(s, 0);
	}
	store_finalize(s);
	if (rc == TK_OK && *sid == 0)
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_subscriber", "no active subscriber with that pseudonym");
	return rc;
}

static enum tk_err active_subscriber_check(struct svc_ctx *c, int64_t sid)
{
	char q[24];
	int64_t n = 0;
	enum tk_err rc;

	if ((rc = str_fmt(q, sizeof(q), "%lld", (long long)sid)) != TK_OK ||
	    (rc = store_query_i64(c->st, "SELECT COUNT(*) FROM subscribers WHERE id = CAST(? AS INTEGER) AND status = 'active'", q, &n)) != TK_OK)
		return rc;
	return n ? TK_OK : tk_fail_code(TK_ERR_NOT_FOUND, "unknown_subscriber", "no active subscriber %lld", (long long)sid);
}

static enum tk_err pii_access_tx(struct svc_ctx *c, void *arg)
{
	struct pii_access_args *a = arg;
	struct store_stmt *s = NULL;
	json_t *payload = NULL;
	uint64_t hours = 24;
	int row = 0;
	enum tk_err rc;

	if ((rc = quorum_check(c)) != TK_OK)
		return rc;
	if (a->pseudonym != NULL)
		rc = subscriber_by_pseudonym(c, a->pseudonym, &a->sid);
	else
		rc = active_subscriber_check(c, a->sid);
	if (rc != TK_OK)
		return rc;
	if ((rc = store_prepare(c->st, "SELECT COUNT(*) FROM requests WHERE kind = 'pii_access' AND status = 'pending'"
				       " AND submitted_by = ? AND subscriber_id = ?",
		 &s)) != TK_OK ||
	    (rc = store_bind_text(s, 1, c->actor.user)) != TK_OK || (rc = store_bind_i64(s, 2, a->sid)) != TK_OK ||
	    (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (store_col_i64(s, 0) != 0) {
		rc = tk_fail_code(TK_ERR_CONFLICT, "request_pending", "your PII-access request for this subscriber is already waiting for Verifikators");
		goto out;
	}
	/* The window is fixed now, so the Verifikators approve a known one. */
	if ((rc = config_get_u64(c->inst->cfg, "ra", "pii_access_hours", 24, RA_MAX_PII_ACCESS_HOURS, &hours)) != TK_OK)
		goto out;
	if (hours < 1)
		hours = 1;
	if ((payload = json_pack("{s:s, s:I}", "reason", a->reason, "hours", (json_int_t)hours)) == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
		goto out;
	}
	rc = request_file(c, "pii_access", a->sid, 0, payload, &a->request_id);
out:
	json_decref(payload);
	store_finalize(s);
	return rc;
}

enum tk_err ra_pii_access(struct svc_ctx *c, int64_t subscriber_id, const char *pseudonym, const char *reason, int64_t *request_id)
{
	struct pii_access_args a;
	size_t i;
	enum tk_err rc;

	memset(&a, 0, sizeof(a));
	if (c->actor.kind != ACTOR_PERSON || (strcmp(c->actor.role, "auditor") != 0 && strcmp(c->actor.role, "admin") != 0))
		return tk_fail_code(TK_ERR_DENIED, "forbidden", "PII-access requests are for auditors and admins (Verifikators see identity data already)");
	if (!text_ok(reason, 10, 500))
		return tk_fail_code(TK_ERR_INVALID, "invalid_reason", "reason must be 10 to 500 printable characters");
	if ((subscriber_id > 0) == (pseudonym != NULL))
		return tk_fail_code(TK_ERR_INVALID, "missing_field", "name the subscriber by subscriber_id or by pseudonym (one of them)");
	if (pseudonym != NULL) {
		if (strlen(pseudonym) != PII_PSEUDONYM_LEN)
			return tk_fail_code(TK_ERR_INVALID, "invalid_pseudonym", "a pseudonym is %d lowercase hex digits", PII_PSEUDONYM_LEN);
		for (i = 0; i < PII_PSEUDONYM_LEN; i++)
			if (!isxdigit((unsigned char)pseudonym[i]) || isupper((unsigned char)pseudonym[i]))
				return tk_fail_code(TK_ERR_INVALID, "invalid_pseudonym", "a pseudonym is %d lowercase hex digits", PII_PSEUDONYM_LEN);
	}
	a.sid = subscriber_id;
	a.pseudonym = pseudonym;
	a.reason = reason;
	if ((rc = svc_in_tx(c, pii_access_tx, &a)) != TK_OK)
		return rc;
	*request_id = a.request_id;
	return TK_OK;
}

struct erase_args {
	int64_t sid;
	int64_t request_id;
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

/*
 * Carries out an approved erasure inside the decision's transaction: live
 * certificates revoked (listed in result.revoked, for OCSP and the CRL after
 * the commit) and keys destroyed, PII replaced by a tombstone, evidence
 * deleted, the account closed, mail queued to the address dropped, other
 * pending requests about the person cancelled.
 */
static enum tk_err erase_in_tx(struct svc_ctx *c, int64_t sid, json_t *result)
{
	struct store_stmt *s = NULL;
	json_t *revoked = json_array();
	char email[256], obj[24], d[192];
	int64_t cancelled = 0;
	int row = 0;
	enum tk_err rc;

	email[0] = '\0';
	if (revoked == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	/* The address, while it can still be read, to drop mail queued to it. */
	if ((rc = store_prepare(c->st, "SELECT email FROM subscribers WHERE id = ? AND status = 'active'", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, sid)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_subscriber", "no active subscriber %lld", (long long)sid);
		goto out;
	}
	if (!store_col_null(s, 0)) {
		struct buf e;
		size_t len = 0;
		const uint8_t *b = store_col_blob(s, 0, &len);
		buf_init_secret(&e, 512);
		if (pii_open(c->inst, "email", b, len, &e) == TK_OK && e.len < sizeof(email)) {
			memcpy(email, e.p, e.len);
			email[e.len] = '\0';
		}
		buf_free(&e);
		tk_clear_error();
	}
	store_finalize(s);
	s = NULL;
	if ((rc = store_prepare(c->st, "SELECT k.cert_serial FROM subscriber_keys k JOIN certs c ON c.serial = k.cert_serial"
				       " WHERE k.subscriber_id = ? AND c.status IN ('valid', 'hold')",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, sid)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row)
		if (json_array_size(revoked) < RA_MAX_ERASE_SERIALS && json_array_append_new(revoked, json_string(store_col_text(s, 0))) != 0) {
			rc = tk_fail(TK_ERR_NOMEM, "out of memory");
			goto out;
		}
	if (rc != TK_OK)
		goto out;
	store_finalize(s);
	s = NULL;
	if (json_object_set_new(result, "revoked", revoked) != 0) {
		revoked = NULL;
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
		goto out;
	}
	revoked = NULL;
	/* Live certificates of an erased person must not stay usable. */
	if ((rc = destroy_keys(c, sid, 0, 5 /* cessationOfOperation */)) != TK_OK)
		goto out;
	if ((rc = store_prepare(c->st, "UPDATE subscribers SET nik_index = NULL, email_index = NULL, nik = NULL, nip = NULL, email = NULL, phone = NULL,"
				       " full_name = '[dihapus]', unit = '[dihapus]', position = '[dihapus]', status = 'erased', erased_at = ?"
				       " WHERE id = ? AND status = 'active'",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, tk_now())) != TK_OK || (rc = store_bind_i64(s, 2, sid)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	store_finalize(s);
	s = NULL;
	{
		/* Evidence, the signed copies kept for the official's re-download, and their documents' file names. */
		static const char *const wipe[] = {
			"UPDATE evidence SET blob = NULL, filename = '[dihapus]' WHERE subscriber_id = ?",
			"DELETE FROM document_files WHERE owner_copy = 1 AND id IN (SELECT id FROM documents WHERE subscriber_id = ?)",
			"UPDATE documents SET filename = NULL WHERE subscriber_id = ?",
		};
		size_t i;
		for (i = 0; i < sizeof(wipe) / sizeof(wipe[0]); i++) {
			if ((rc = store_prepare(c->st, wipe[i], &s)) != TK_OK || (rc = store_bind_i64(s, 1, sid)) != TK_OK ||
			    (rc = store_step(s, &row)) != TK_OK)
				goto out;
			store_finalize(s);
			s = NULL;
		}
	}
	/* The account goes too (with its sessions), and no more mail to the address. */
	if ((rc = store_prepare(c->st, "UPDATE users SET active = 0 WHERE id = (SELECT user_id FROM subscribers WHERE id = ?)", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, sid)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	store_finalize(s);
	s = NULL;
	if ((rc = store_prepare(c->st, "DELETE FROM sessions WHERE user_id = (SELECT user_id FROM subscribers WHERE id = ?)", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, sid)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	store_finalize(s);
	s = NULL;
	/* Nothing else about the person can be decided any more (the erasure itself is still pending here). */
	if ((rc = store_prepare(c->st, "UPDATE requests SET status = 'cancelled', reason = 'subscriber erased', decided_at = ?"
				       " WHERE subscriber_id = ? AND status = 'pending' AND kind <> 'erase'",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, tk_now())) != TK_OK || (rc = store_bind_i64(s, 2, sid)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	cancelled = store_changes(s);
	store_finalize(s);
	s = NULL;
	if (email[0] != '\0' && (rc = purge_outbox(c, email)) != TK_OK)
		goto out;
	if ((rc = str_fmt(obj, sizeof(obj), "%lld", (long long)sid)) == TK_OK &&
	    (rc = str_fmt(d, sizeof(d), "{\"kept\":\"certificates, audit records, document registry entries without file names\",\"cancelled_requests\":%lld}", (long long)cancelled)) == TK_OK)
		rc = audit_append(c, "subscriber.erase", obj, d);
out:
	OPENSSL_cleanse(email, sizeof(email));
	json_decref(revoked);
	store_finalize(s);
	return rc;
}

static enum tk_err erase_file_tx(struct svc_ctx *c, void *arg)
{
	struct erase_args *a = arg;
	int self = c->actor.kind == ACTOR_PERSON && strcmp(c->actor.role, "subscriber") == 0;
	int64_t mine = 0, pending = 0;
	json_t *payload;
	char q[24];
	enum tk_err rc;

	if ((rc = quorum_check(c)) != TK_OK)
		return rc;
	if (self) {
		if ((rc = ra_subscriber_of(c, c->actor.user, &mine)) != TK_OK)
			return rc;
		if (a->sid == 0)
			a->sid = mine;
		if (a->sid != mine)
			return tk_fail_code(TK_ERR_DENIED, "forbidden", "an official can ask only for the erasure of their own data");
	}
	if ((rc = active_subscriber_check(c, a->sid)) != TK_OK || (rc = str_fmt(q, sizeof(q), "%lld", (long long)a->sid)) != TK_OK ||
	    (rc = store_query_i64(c->st, "SELECT COUNT(*) FROM requests WHERE kind = 'erase' AND status = 'pending' AND subscriber_id = CAST(? AS INTEGER)",
		 q, &pending)) != TK_OK)
		return rc;
	if (pending)
		return tk_fail_code(TK_ERR_CONFLICT, "request_pending", "an erasure of this subscriber is already waiting for Verifikators");
	if ((payload = json_pack("{s:s}", "by", self ? "subject" : c->actor.kind == ACTOR_OPERATOR ? "operator"
												   : "admin")) == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	rc = request_file(c, "erase", a->sid, 0, payload, &a->request_id);
	json_decref(payload);
	return rc;
}

enum tk_err ra_erase(struct svc_ctx *c, int64_t subscriber_id, int64_t *request_id)
{
	struct erase_args a;
	int admin = c->actor.kind == ACTOR_OPERATOR || (c->actor.kind == ACTOR_PERSON && strcmp(c->actor.role, "admin") == 0);
	int self = c->actor.kind == ACTOR_PERSON && strcmp(c->actor.role, "subscriber") == 0;
	enum tk_err rc;

	memset(&a, 0, sizeof(a));
	if (!admin && !self)
		return tk_fail_code(TK_ERR_DENIED, "forbidden", "erasure is asked for by an admin or by the official themself");
	if (admin && subscriber_id <= 0)
		return tk_fail_code(TK_ERR_INVALID, "invalid_id", "subscriber id must be a positive number");
	a.sid = subscriber_id;
	if ((rc = svc_in_tx(c, erase_file_tx, &a)) != TK_OK)
		return rc;
	*request_id = a.request_id;
	return TK_OK;
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
		rc = store_prepare(c->st, "SELECT id, unit FROM subscribers WHERE nik_index = ? AND status = 'active'", &s);
	} else if (email != NULL) {
		pii_email_index(c->inst, email, idx);
		rc = store_prepare(c->st, "SELECT id, unit FROM subscribers WHERE email_index = ? AND status = 'active'", &s);
	} else {
		return tk_fail_code(TK_ERR_INVALID, "missing_field", "nik or email is required");
	}
	if (rc != TK_OK)
		return rc;
	/* An application sees only the officials of its units; the rest look unregistered to it. */
	if ((rc = store_bind_text(s, 1, idx)) == TK_OK && (rc = store_step(s, &row)) == TK_OK && row &&
	    (c->actor.kind != ACTOR_APPLICATION || actor_may_act_for_unit(&c->actor, store_col_text(s, 1))))
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
				       " WHERE k.subscriber_id = ? ORDER BY k.id DESC LIMIT 1",
		 &s)) != TK_OK)
		return rc;
	if ((rc = store_bind_i64(s, 1, sid)) == TK_OK && (rc = store_step(s, &row)) == TK_OK) {
		if (!row) {
			int64_t pending = 0;
			char q[32];
			store_finalize(s);
			s = NULL;
			if ((rc = str_fmt(q, sizeof(q), "%lld", (long long)sid)) != TK_OK ||
			    (rc = store_query_i64(c->st, "SELECT COUNT(*) FROM requests WHERE status = 'pending' AND kind IN ('issue','reset','renew')"
							 " AND subscriber_id = CAST(? AS INTEGER)",
				 q,
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

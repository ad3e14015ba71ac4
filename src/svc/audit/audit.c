/*
 * Append-only, hash-chained audit log with continuous signed checkpoints.
 *
 *   hash_n = SHA-256( "teken-audit-v1" || prev_hash_n || seq || ts || actor || role
 *                     || action || object || ip || details )
 *
 * with every field length-prefixed (4-byte big-endian), so no two different
 * events hash alike. audit_head holds the tip; updating it first takes the
 * row lock (PostgreSQL) or relies on the write lock (SQLite), which orders
 * concurrent appenders.
 *
 * Checkpoints anchor the tip (docs/security.md, "Audit anchoring"). A v2
 * checkpoint signs, with the dedicated audit key,
 *
 *   "teken-audit-checkpoint-v2|" num "|" prev "|" seq "|" hash "|" ts
 *
 * where num counts checkpoints from 1 and prev is the SHA-256 of the
 * previous checkpoint's signature (64 zeros for the first), so checkpoints
 * form a chain of their own: deleting, reordering or re-signing one breaks
 * the next link. v1 checkpoints ("teken-audit-checkpoint-v1|seq|hash|ts",
 * seal key) from before stay verifiable; none is made any more.
 *
 * Cadence: every [audit] checkpoint_events-th event is checkpointed inside
 * the transaction that appends it (an exact count, one signature per N
 * events, committed with the event); the jobs loop adds one at least every
 * checkpoint_seconds when events happened since, and catches up when an
 * inline checkpoint could not be made (no audit key yet, token down).
 */
#include "svc/audit/audit.h"
#include "svc/base/base.h"
#include "svc/ca/ca.h"
#include "svc/trust/trust.h"
#include "svc/base/base_int.h"
#include "svc/audit/audit_int.h"

#include "config/config.h"
#include "crypto/crypto.h"
#include "log/log.h"
#include "x509/x509.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pkcs7.h>
#include <openssl/ts.h>
#include <openssl/x509v3.h>
#include <string.h>

#define AUDIT_KEY_NAME "audit"
#define AUDIT_CERT_META "cert.audit"
#define AUDIT_HEADS_FORMAT "teken-audit-heads-v1"
#define CHECKPOINT_TBS_MAX 320
#define MAX_CHECKPOINT_SIG 8192

static void put_field(EVP_MD_CTX *ctx, const void *p, size_t len)
{
	uint8_t l[4] = { (uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len };

	EVP_DigestUpdate(ctx, l, 4);
	EVP_DigestUpdate(ctx, p, len);
}

enum tk_err audit_chain_hash(const struct audit_row *r, char out[65])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint8_t d[32];
	char num[2][24];
	const char *fields[7];
	size_t i;

	if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(ctx);
		return tk_fail_ossl("audit: hash");
	}
	if (str_fmt(num[0], sizeof(num[0]), "%lld", (long long)r->seq) != TK_OK ||
	    str_fmt(num[1], sizeof(num[1]), "%lld", (long long)r->ts) != TK_OK) {
		EVP_MD_CTX_free(ctx);
		return TK_ERR_INTERNAL;
	}
	fields[0] = r->actor;
	fields[1] = r->role;
	fields[2] = r->action;
	fields[3] = r->object;
	fields[4] = r->ip;
	fields[5] = r->details;
	fields[6] = NULL;
	put_field(ctx, "teken-audit-v1", 14);
	put_field(ctx, r->prev, strlen(r->prev));
	put_field(ctx, num[0], strlen(num[0]));
	put_field(ctx, num[1], strlen(num[1]));
	for (i = 0; fields[i] != NULL; i++)
		put_field(ctx, fields[i], strlen(fields[i]));
	EVP_DigestFinal_ex(ctx, d, NULL);
	EVP_MD_CTX_free(ctx);
	hex_encode(d, 32, out);
	return TK_OK;
}

/* [audit] checkpoint_events and checkpoint_seconds (docs/configuration.md). */
static enum tk_err cadence(const struct instance *inst, uint64_t *events, uint64_t *seconds)
{
	enum tk_err rc;

	if ((rc = config_get_u64(inst->cfg, "audit", "checkpoint_events", 1000, 1000000000, events)) != TK_OK ||
	    (rc = config_get_u64(inst->cfg, "audit", "checkpoint_seconds", 3600, 7 * 86400, seconds)) != TK_OK)
		return rc;
	if (*events == 0 || *seconds == 0)
		return tk_fail(TK_ERR_INVALID, "config [audit] checkpoint_events and checkpoint_seconds must be at least 1");
	return TK_OK;
}

/* ---------------------------------------------------------- the audit key */

/*
 * The audit certificate's profile, fixed here rather than in teken.conf so
 * that `teken ca issue` cannot make another certificate with the audit EKU.
 */
static enum tk_err audit_profile(struct x509_profile *p)
{
	enum tk_err rc;

	memset(p, 0, sizeof(*p));
	p->pathlen = -1;
	p->eku_critical = 1;
	p->validity_days = 1825;
	if ((rc = str_copy(p->name, sizeof(p->name), "audit")) != TK_OK ||
	    (rc = str_copy(p->key_usage, sizeof(p->key_usage), "digitalSignature")) != TK_OK ||
	    (rc = str_copy(p->ext_key_usage, sizeof(p->ext_key_usage), AUDIT_EKU_OID)) != TK_OK ||
	    (rc = str_copy(p->allowed_keys, sizeof(p->allowed_keys), "rsa2048,rsa3072,rsa4096,ec-p256,ec-p384")) != TK_OK ||
	    (rc = str_copy(p->subject_required, sizeof(p->subject_required), "CN,O")) != TK_OK)
		return rc;
	return str_copy(p->subject_allowed, sizeof(p->subject_allowed), "CN,O,C");
}

/* Serial of the audit certificate (meta cert.audit); *found = 0 when the instance has none. */
static enum tk_err audit_cert_serial(struct svc_ctx *c, char serial[65], int *found)
{
	struct store_stmt *s = NULL;
	enum tk_err rc;

	*found = 0;
	if ((rc = store_prepare(c->st, "SELECT value FROM meta WHERE key = '" AUDIT_CERT_META "'", &s)) != TK_OK)
		return rc;
	if ((rc = store_step(s, found)) == TK_OK && *found)
		rc = str_copy(serial, 65, store_col_text(s, 0));
	store_finalize(s);
	return rc;
}

/* A new key pair where the other instance keys are: on the token when the issuing CA's key is. */
static enum tk_err audit_key_generate(struct svc_ctx *c, struct key **k, EVP_PKEY **pk, char ref[KEY_P11_REF_MAX])
{
	const char *alg = config_get_or(c->inst->cfg, "ca", "leaf_key_alg", config_get_or(c->inst->cfg, "ca", "key_alg", "rsa3072"));
	struct key_p11_token t;
	char pin[PATH_MAX];
	int64_t on_token = 0;
	enum tk_err rc;

	ref[0] = '\0';
	if ((rc = store_query_i64(c->st,
		 "SELECT COUNT(*) FROM keys k JOIN cas a ON a.key_name = k.name WHERE a.name = 'issuing' AND k.kind = 'pkcs11'", NULL,
		 &on_token)) != TK_OK)
		return rc;
	if (on_token == 0)
		return key_generate(alg, pk);
	if ((rc = svc_hsm_token(c->inst, &t, pin)) != TK_OK)
		return rc;
	if (t.module == NULL || t.token == NULL || t.pin_file == NULL)
		return tk_fail_code(TK_ERR_INVALID, "hsm_config",
		    "audit: the instance keys are on a PKCS#11 token, but teken.conf has no complete [hsm] section (docs/hsm.md)");
	return key_p11_generate(&t, AUDIT_KEY_NAME, alg, k, pk, ref);
}

/* The audit certificate for pk under the issuing CA; nothing is stored. */
static enum tk_err audit_cert_build(struct svc_ctx *c, EVP_PKEY *pk, X509 **out, int64_t *ca_id)
{
	const char *org = config_get_or(c->inst->cfg, "instance", "organization", "teken");
	const char *pairs[3][2] = { { "C", "ID" }, { "O", org }, { "CN", "teken Audit Log" } };
	struct x509_profile prof;
	struct x509_issue_req r;
	X509_NAME *name = NULL;
	X509 *issuer = NULL;
	struct key *ik = NULL;
	char urlbuf[4][320];
	int64_t now = tk_now();
	enum tk_err rc;

	memset(&r, 0, sizeof(r));
	if ((rc = audit_profile(&prof)) != TK_OK || (rc = x509_profile_check_key(&prof, pk)) != TK_OK ||
	    (rc = x509_name_from_pairs((const char *const(*)[2])pairs, 3, &name)) != TK_OK)
		goto out;
	if ((rc = ca_load(c, "issuing", ca_id, &issuer, &ik)) != TK_OK ||
	    (rc = svc_issue_urls(c->inst, "issuing", 1, urlbuf, &r.urls)) != TK_OK || (rc = x509_serial_new(r.serial)) != TK_OK)
		goto out;
	r.profile = &prof;
	r.issuer = issuer;
	r.issuer_key = ik;
	r.pubkey = pk;
	r.subject = name;
	r.not_before = now - 60;
	r.not_after = now + (int64_t)prof.validity_days * 86400;
	r.digest = c->inst->digest;
	rc = x509_issue(&r, out);
out:
	X509_NAME_free(name);
	X509_free(issuer);
	key_free(ik);
	return rc;
}

/* Stores key, certificate and meta row with their audit events (inside a write transaction). */
static enum tk_err audit_key_store(struct svc_ctx *c, EVP_PKEY *pk, const char *ref, X509 *cert, int64_t ca_id)
{
	struct store_stmt *s = NULL;
	struct buf blob;
	char serial[65], alg[16];
	int row;
	enum tk_err rc;

	buf_init(&blob, MAX_KEY_BLOB_BYTES);
	if ((rc = key_alg_of(pk, alg)) != TK_OK || (rc = x509_serial_hex(cert, serial, sizeof(serial))) != TK_OK)
		goto out;
	if (ref[0] != '\0') {
		/* On the token: only the reference is stored, as for the other instance keys. */
		rc = store_prepare(c->st, "INSERT INTO keys (name, kind, alg, blob, ref, created_at) VALUES (?, 'pkcs11', ?, NULL, ?, ?)", &s);
		if (rc == TK_OK && (rc = store_bind_text(s, 3, ref)) == TK_OK)
			rc = store_bind_i64(s, 4, tk_now());
	} else {
		if ((rc = key_soft_seal(c->inst->ikey, AUDIT_KEY_NAME, pk, &blob)) != TK_OK)
			goto out;
		rc = store_prepare(c->st, "INSERT INTO keys (name, kind, alg, blob, created_at) VALUES (?, 'soft', ?, ?, ?)", &s);
		if (rc == TK_OK && (rc = store_bind_blob(s, 3, blob.p, blob.len)) == TK_OK)
			rc = store_bind_i64(s, 4, tk_now());
	}
	if (rc != TK_OK || (rc = store_bind_text(s, 1, AUDIT_KEY_NAME)) != TK_OK || (rc = store_bind_text(s, 2, alg)) != TK_OK ||
	    (rc = store_step(s, &row)) != TK_OK)
		goto out;
	store_finalize(s);
	s = NULL;
	if ((rc = audit_append(c, "key.create", AUDIT_KEY_NAME, ref[0] ? "{\"kind\":\"pkcs11\"}" : "{\"kind\":\"soft\"}")) != TK_OK ||
	    (rc = svc_insert_cert(c, cert, "audit", ca_id, 0)) != TK_OK)
		goto out;
	if ((rc = store_prepare(c->st, "INSERT INTO meta (key, value) VALUES ('" AUDIT_CERT_META "', ?)", &s)) != TK_OK ||
	    (rc = store_bind_text(s, 1, serial)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
out:
	store_finalize(s);
	buf_free(&blob);
	return rc;
}

enum tk_err audit_key_ensure(struct svc_ctx *c)
{
	struct key *k = NULL;
	EVP_PKEY *pk = NULL;
	X509 *cert = NULL;
	char serial[65], ref[KEY_P11_REF_MAX];
	int64_t ca_id = 0;
	int found = 0, lost = 0;
	enum tk_err rc;

	if (store_in_tx(c->st))
		return tk_fail(TK_ERR_INTERNAL, "audit: key creation inside a transaction");
	if ((rc = audit_cert_serial(c, serial, &found)) != TK_OK || found)
		return rc;
	/* Slow parts (key generation, issuance) outside the write lock. */
	ref[0] = '\0';
	if ((rc = audit_key_generate(c, &k, &pk, ref)) != TK_OK || (rc = audit_cert_build(c, pk, &cert, &ca_id)) != TK_OK)
		goto out;
	if ((rc = store_begin(c->st, STORE_TX_WRITE)) != TK_OK)
		goto out;
	/* Another node may have made it meanwhile: the write lock orders us. */
	if ((rc = audit_cert_serial(c, serial, &found)) != TK_OK || found) {
		store_rollback(c->st);
		lost = found;
		goto out;
	}
	rc = audit_key_store(c, pk, ref, cert, ca_id);
	if (rc == TK_OK)
		rc = store_commit(c->st);
	else
		store_rollback(c->st);
	if (rc == TK_ERR_EXISTS && audit_cert_serial(c, serial, &found) == TK_OK && found) {
		lost = 1;
		rc = TK_OK;
	}
	if (rc == TK_OK && !lost && x509_serial_hex(cert, serial, sizeof(serial)) == TK_OK)
		log_msg(LOG_INFO, "audit.key", "made the audit key (%s) and its certificate %s", ref[0] ? "token" : "software", serial);
out:
	/* A token key that was not stored would be an orphan on the HSM. */
	if ((rc != TK_OK || lost) && k != NULL && ref[0] != '\0') {
		struct tk_error saved = *tk_last_error();
		if (key_p11_destroy(k) != TK_OK)
			log_msg(LOG_WARN, "audit.key", "unused token key %s could not be removed", AUDIT_KEY_NAME);
		if (rc != TK_OK)
			tk_fail_code(saved.err, saved.code, "%s", saved.msg);
	}
	key_free(k);
	EVP_PKEY_free(pk);
	X509_free(cert);
	return rc;
}

/* ----------------------------------------------------------- checkpoints */

/* What a v1 checkpoint signature covers (seal key; verified, never made any more). */
static enum tk_err checkpoint_tbs_v1(int64_t seq, const char *hash, int64_t ts, char *out, size_t sz)
{
	return str_fmt(out, sz, "teken-audit-checkpoint-v1|%lld|%s|%lld", (long long)seq, hash, (long long)ts);
}

/* What a v2 checkpoint signature covers (audit key). */
static enum tk_err checkpoint_tbs_v2(int64_t num, const char *prev, int64_t seq, const char *hash, int64_t ts, char *out, size_t sz)
{
	return str_fmt(out, sz, "teken-audit-checkpoint-v2|%lld|%s|%lld|%s|%lld", (long long)num, prev, (long long)seq, hash,
	    (long long)ts);
}

/* Signs and stores a v2 checkpoint of the chain tip inside the caller's write transaction. */
static enum tk_err checkpoint_in_tx(struct svc_ctx *c, const struct key *k, const char *cert_serial, int64_t *seq_out)
{
	struct store_stmt *s = NULL;
	struct buf sig;
	char hash[65], prev[65] = AUDIT_ZERO_HASH, tbs[CHECKPOINT_TBS_MAX];
	int64_t seq = 0, num = 1, last_seq = 0, ts = tk_now();
	int row = 0;
	enum tk_err rc;

	buf_init(&sig, MAX_CHECKPOINT_SIG);
	if ((rc = store_prepare(c->st, "SELECT seq, hash FROM audit_head WHERE id = 1", &s)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail(TK_ERR_STORE, "audit: chain head missing");
		goto out;
	}
	seq = store_col_i64(s, 0);
	if ((rc = str_copy(hash, sizeof(hash), store_col_text(s, 1))) != TK_OK)
		goto out;
	store_finalize(s);
	s = NULL;
	if (seq == 0) {
		rc = tk_fail_code(TK_ERR_CONFLICT, "audit_empty", "audit: the log has no event to checkpoint");
		goto out;
	}
	if ((rc = store_prepare(c->st, "SELECT num, seq, signature FROM audit_checkpoints ORDER BY seq DESC LIMIT 1", &s)) != TK_OK ||
	    (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (row) {
		size_t slen = 0;
		const uint8_t *p = store_col_blob(s, 2, &slen);
		num = store_col_i64(s, 0) + 1;
		last_seq = store_col_i64(s, 1);
		sha256_hex(p, slen, prev);
	}
	store_finalize(s);
	s = NULL;
	if (last_seq == seq) {
		rc = tk_fail_code(TK_ERR_CONFLICT, "checkpoint_exists", "audit: a checkpoint at event %lld exists already", (long long)seq);
		goto out;
	}
	if (last_seq > seq) {
		rc = tk_fail(TK_ERR_STORE, "audit: checkpoint at event %lld lies past the chain tip %lld", (long long)last_seq, (long long)seq);
		goto out;
	}
	if ((rc = checkpoint_tbs_v2(num, prev, seq, hash, ts, tbs, sizeof(tbs))) != TK_OK ||
	    (rc = key_sign(k, EVP_sha256(), 0, (const uint8_t *)tbs, strlen(tbs), &sig)) != TK_OK)
		goto out;
	if ((rc = store_prepare(c->st,
		 "INSERT INTO audit_checkpoints (seq, hash, ts, signature, num, version, prev, cert_serial) VALUES (?, ?, ?, ?, ?, 2, ?, ?)",
		 &s)) != TK_OK)
		goto out;
	if ((rc = store_bind_i64(s, 1, seq)) != TK_OK || (rc = store_bind_text(s, 2, hash)) != TK_OK ||
	    (rc = store_bind_i64(s, 3, ts)) != TK_OK || (rc = store_bind_blob(s, 4, sig.p, sig.len)) != TK_OK ||
	    (rc = store_bind_i64(s, 5, num)) != TK_OK || (rc = store_bind_text(s, 6, prev)) != TK_OK ||
	    (rc = store_bind_text(s, 7, cert_serial)) != TK_OK || (rc = store_step(s, &row)) != TK_OK) {
		if (rc == TK_ERR_EXISTS)
			rc = tk_fail_code(TK_ERR_CONFLICT, "checkpoint_exists", "audit: checkpoint %lld exists already", (long long)num);
		goto out;
	}
	if (seq_out != NULL)
		*seq_out = seq;
out:
	store_finalize(s);
	buf_free(&sig);
	return rc;
}

/*
 * The checkpoint of every checkpoint_events-th event, in the appending
 * transaction. Best effort: without an audit key yet, or when signing
 * fails, the jobs loop catches up; the caller's transaction goes on and
 * its error state is left as it was.
 */
static void checkpoint_inline(struct svc_ctx *c, int64_t seq)
{
	struct tk_error saved = *tk_last_error();
	struct key *k = NULL;
	uint64_t every = 0, secs = 0;
	char serial[65];
	int found = 0;
	int64_t done = 0;

	if (cadence(c->inst, &every, &secs) != TK_OK || seq % (int64_t)every != 0)
		goto restore;
	if (audit_cert_serial(c, serial, &found) != TK_OK || !found)
		goto restore;
	if (svc_key_load(c, AUDIT_KEY_NAME, &k) != TK_OK || checkpoint_in_tx(c, k, serial, &done) != TK_OK)
		log_msg(LOG_WARN, "audit.checkpoint", "checkpoint at event %lld left to the jobs loop: %s", (long long)seq, tk_errmsg());
restore:
	key_free(k);
	if (saved.err == TK_OK)
		tk_clear_error();
	else
		tk_fail_code(saved.err, saved.code, "%s", saved.msg);
}

enum tk_err audit_append(struct svc_ctx *c, const char *action, const char *object, const char *details)
{
	struct store_stmt *s = NULL;
	struct audit_row r;
	char prev[65], hash[65];
	int row = 0;
	enum tk_err rc;

	if (!store_in_tx(c->st))
		return tk_fail(TK_ERR_INTERNAL, "audit: append outside a transaction");
	/* A prepared statement, kept by the store's cache: store_exec() would compile it on every event. */
	if ((rc = store_prepare(c->st, "UPDATE audit_head SET seq = seq + 1 WHERE id = 1", &s)) != TK_OK)
		return rc;
	rc = store_step(s, &row);
	store_finalize(s);
	s = NULL;
	if (rc != TK_OK)
		return rc;
	if ((rc = store_prepare(c->st, "SELECT seq, hash FROM audit_head WHERE id = 1", &s)) != TK_OK)
		return rc;
	if ((rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail(TK_ERR_STORE, "audit: chain head missing");
		goto out;
	}
	memset(&r, 0, sizeof(r));
	r.seq = store_col_i64(s, 0);
	if ((rc = str_copy(prev, sizeof(prev), store_col_text(s, 1))) != TK_OK)
		goto out;
	store_finalize(s);
	s = NULL;
	r.ts = tk_now();
	r.actor = c->actor.user;
	r.role = c->actor.role;
	r.action = action;
	r.object = object ? object : "";
	r.ip = c->actor.ip;
	r.details = details ? details : "{}";
	r.prev = prev;
	if ((rc = audit_chain_hash(&r, hash)) != TK_OK)
		goto out;
	if ((rc = store_prepare(c->st,
		 "INSERT INTO audit (seq, ts, actor, role, action, object, ip, details, prev_hash, hash)"
		 " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		 &s)) != TK_OK)
		goto out;
	if ((rc = store_bind_i64(s, 1, r.seq)) != TK_OK || (rc = store_bind_i64(s, 2, r.ts)) != TK_OK ||
	    (rc = store_bind_text(s, 3, r.actor)) != TK_OK || (rc = store_bind_text(s, 4, r.role)) != TK_OK ||
	    (rc = store_bind_text(s, 5, r.action)) != TK_OK || (rc = store_bind_text(s, 6, r.object)) != TK_OK ||
	    (rc = store_bind_text(s, 7, r.ip)) != TK_OK || (rc = store_bind_text(s, 8, r.details)) != TK_OK ||
	    (rc = store_bind_text(s, 9, prev)) != TK_OK || (rc = store_bind_text(s, 10, hash)) != TK_OK ||
	    (rc = store_step(s, &row)) != TK_OK)
		goto out;
	store_finalize(s);
	s = NULL;
	if ((rc = store_prepare(c->st, "UPDATE audit_head SET hash = ? WHERE id = 1", &s)) != TK_OK)
		goto out;
	if ((rc = store_bind_text(s, 1, hash)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	checkpoint_inline(c, r.seq);
out:
	store_finalize(s);
	return rc;
}

enum tk_err audit_checkpoint(struct svc_ctx *c, int64_t *seq_out)
{
	struct key *k = NULL;
	char serial[65];
	int found = 0;
	enum tk_err rc;

	if ((rc = audit_key_ensure(c)) != TK_OK || (rc = audit_cert_serial(c, serial, &found)) != TK_OK)
		return rc;
	if (!found)
		return tk_fail(TK_ERR_NOT_FOUND, "audit: the audit certificate (meta %s) is missing", AUDIT_CERT_META);
	if ((rc = svc_key_load(c, AUDIT_KEY_NAME, &k)) != TK_OK)
		return rc;
	if ((rc = store_begin(c->st, STORE_TX_WRITE)) == TK_OK) {
		if ((rc = checkpoint_in_tx(c, k, serial, seq_out)) == TK_OK)
			rc = store_commit(c->st);
		else
			store_rollback(c->st);
	}
	key_free(k);
	return rc;
}

enum tk_err audit_checkpoint_due(struct svc_ctx *c, int64_t now, int64_t *seq_out)
{
	struct store_stmt *s = NULL;
	uint64_t every = 0, secs = 0;
	int64_t head = 0, last_seq = 0, last_ts = 0;
	int row = 0;
	enum tk_err rc;

	*seq_out = 0;
	if ((rc = cadence(c->inst, &every, &secs)) != TK_OK ||
	    (rc = store_query_i64(c->st, "SELECT seq FROM audit_head WHERE id = 1", NULL, &head)) != TK_OK)
		return rc;
	if ((rc = store_prepare(c->st, "SELECT seq, ts FROM audit_checkpoints ORDER BY seq DESC LIMIT 1", &s)) != TK_OK)
		return rc;
	if ((rc = store_step(s, &row)) == TK_OK && row) {
		last_seq = store_col_i64(s, 0);
		last_ts = store_col_i64(s, 1);
	}
	store_finalize(s);
	if (rc != TK_OK || head <= last_seq)
		return rc;
	if (row && head - last_seq < (int64_t)every && now - last_ts < (int64_t)secs)
		return TK_OK;
	rc = audit_checkpoint(c, seq_out);
	if (rc != TK_OK && strcmp(tk_last_error()->code, "checkpoint_exists") == 0) {
		/* Another node was quicker. */
		*seq_out = 0;
		rc = TK_OK;
	}
	return rc;
}

/* ---------------------------------------------------------- verification */

static void bad(struct audit_report *r, int64_t seq, const char *what)
{
	if (r->first_bad_seq == 0) {
		r->first_bad_seq = seq > 0 ? seq : 1;
		if (str_fmt(r->problem, sizeof(r->problem), "event %lld: %s", (long long)seq, what) != TK_OK)
			r->problem[0] = '\0';
	}
}

/* A bad checkpoint; first_bad_seq is set too, so every caller that checks it sees the damage. */
static void bad_cp(struct audit_report *r, int64_t num, int64_t seq, const char *what)
{
	if (r->first_bad_seq == 0) {
		r->first_bad_seq = seq > 0 ? seq : 1;
		r->first_bad_checkpoint = num > 0 ? num : 1;
		if (str_fmt(r->problem, sizeof(r->problem), "checkpoint %lld (event %lld): %s", (long long)num, (long long)seq, what) != TK_OK)
			r->problem[0] = '\0';
	}
}

static enum tk_err cert_by_serial(struct svc_ctx *c, const char *serial, X509 **out)
{
	struct buf der;
	enum tk_err rc;

	buf_init(&der, MAX_CERT_BYTES);
	if ((rc = svc_query_blob(c, "SELECT der FROM certs WHERE serial = ?", serial, &der)) == TK_OK)
		rc = x509_cert_parse(der.p, der.len, out);
	buf_free(&der);
	return rc;
}

/*
 * Whether cert may sign v2 checkpoints: issued by the instance's issuing
 * CA (chain to its root; validity periods are not checked, old checkpoints
 * stay verifiable after the certificate expires) and carrying the audit EKU.
 */
static int cert_is_audit(X509 *cert, X509 *issuing, X509 *root, const char **why)
{
	X509_STORE *st = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	STACK_OF(X509) *chain = sk_X509_new_null();
	EXTENDED_KEY_USAGE *eku = NULL;
	ASN1_OBJECT *want = OBJ_txt2obj(AUDIT_EKU_OID, 1);
	int ok = 0, i;

	*why = "cannot check the certificate";
	if (st == NULL || ctx == NULL || chain == NULL || want == NULL || !X509_STORE_add_cert(st, root) ||
	    !sk_X509_push(chain, issuing) || !X509_STORE_CTX_init(ctx, st, cert, chain))
		goto out;
	X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_NO_CHECK_TIME);
	if (X509_check_issued(issuing, cert) != X509_V_OK || X509_verify_cert(ctx) != 1) {
		*why = "signed by a certificate that the issuing CA did not issue";
		goto out;
	}
	eku = X509_get_ext_d2i(cert, NID_ext_key_usage, NULL, NULL);
	for (i = 0; eku != NULL && i < sk_ASN1_OBJECT_num(eku); i++)
		if (OBJ_cmp(sk_ASN1_OBJECT_value(eku, i), want) == 0)
			ok = 1;
	*why = ok ? NULL : "signed by a certificate that is not the audit certificate (no audit key usage)";
out:
	EXTENDED_KEY_USAGE_free(eku);
	ASN1_OBJECT_free(want);
	sk_X509_free(chain);
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(st);
	ERR_clear_error();
	return ok;
}

static int sig_ok(X509 *cert, const uint8_t *sig, size_t slen, const char *tbs)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx != NULL && EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, X509_get0_pubkey(cert)) == 1 &&
		 EVP_DigestVerify(ctx, sig, slen, (const uint8_t *)tbs, strlen(tbs)) == 1;

	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}

/* What verify_checkpoints() keeps between rows. */
struct cp_state {
	X509 *seal, *root, *issuing;
	X509 *cert;      /* the audit certificate of the last v2 row */
	char serial[65]; /* its serial */
	const char *why; /* NULL when cert is an audit certificate */
	int64_t last_seq, last_ts;
};

/* Checks one v2 row's signer and signature; returns the problem or NULL. */
static const char *check_v2(struct svc_ctx *c, struct cp_state *st, const char *serial, const uint8_t *sig, size_t slen,
    const char *tbs, enum tk_err *rc)
{
	*rc = TK_OK;
	if (st->cert == NULL || strcmp(st->serial, serial) != 0) {
		X509_free(st->cert);
		st->cert = NULL;
		st->serial[0] = '\0';
		if (serial[0] == '\0' || cert_by_serial(c, serial, &st->cert) != TK_OK) {
			/* A missing or garbled certificate is damage to report; a failing store is an error. */
			if (serial[0] != '\0' && tk_last_error()->err == TK_ERR_STORE)
				*rc = TK_ERR_STORE;
			return "its signing certificate is missing from the store or unreadable";
		}
		if (str_copy(st->serial, sizeof(st->serial), serial) != TK_OK) {
			*rc = TK_ERR_INTERNAL;
			return "serial";
		}
		if (!cert_is_audit(st->cert, st->issuing, st->root, &st->why) && st->why == NULL)
			st->why = "not an audit certificate";
	}
	if (st->why != NULL)
		return st->why;
	if (!sig_ok(st->cert, sig, slen, tbs))
		return "signature does not verify with the audit certificate (forged or altered)";
	return NULL;
}

static enum tk_err verify_checkpoints(struct svc_ctx *c, struct audit_report *r, struct cp_state *st)
{
	struct store_stmt *s = NULL, *q = NULL;
	char prev[65] = AUDIT_ZERO_HASH, what[160];
	int64_t expect = 1;
	int row = 0, seen_v2 = 0;
	enum tk_err rc;

	if ((rc = ca_load(c, "root", NULL, &st->root, NULL)) != TK_OK || (rc = ca_load(c, "issuing", NULL, &st->issuing, NULL)) != TK_OK)
		return rc;
	if ((rc = store_prepare(c->st, "SELECT seq, hash, ts, signature, num, version, prev, cert_serial FROM audit_checkpoints ORDER BY seq",
		 &s)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		int64_t seq = store_col_i64(s, 0), ts = store_col_i64(s, 2);
		int64_t num = store_col_null(s, 4) ? 0 : store_col_i64(s, 4), version = store_col_i64(s, 5);
		const char *hash = store_col_text(s, 1), *problem = NULL;
		size_t slen = 0;
		const uint8_t *sig = store_col_blob(s, 3, &slen);
		char tbs[CHECKPOINT_TBS_MAX];
		int qrow = 0;

		r->checkpoints++;
		if (num != expect) {
			if (num > expect && str_fmt(what, sizeof(what), "missing (deleted): checkpoint %lld is followed by %lld",
						(long long)expect - 1, (long long)num) == TK_OK)
				bad_cp(r, expect, seq, what);
			else
				bad_cp(r, num, seq, "out of sequence (duplicated, renumbered or reordered)");
			break;
		}
		if (version == 1) {
			/* From before audit keys: signed with the seal key; never after a v2 one. */
			if (seen_v2) {
				bad_cp(r, num, seq, "a v1 (seal key) checkpoint after audit-key checkpoints");
				break;
			}
			if (st->seal == NULL && (rc = ca_cert_by_meta(c, "cert.seal", &st->seal)) != TK_OK)
				goto out;
			if ((rc = checkpoint_tbs_v1(seq, hash, ts, tbs, sizeof(tbs))) != TK_OK)
				goto out;
			if (!sig_ok(st->seal, sig, slen, tbs))
				problem = "signature does not verify";
		} else if (version == 2) {
			seen_v2 = 1;
			if (strcmp(store_col_text(s, 6), prev) != 0) {
				if (str_fmt(what, sizeof(what), "does not link to checkpoint %lld (that one was altered or replaced)",
					(long long)num - 1) != TK_OK)
					what[0] = '\0';
				problem = num > 1 ? what : "claims a predecessor but is number 1";
			} else {
				if ((rc = checkpoint_tbs_v2(num, prev, seq, hash, ts, tbs, sizeof(tbs))) != TK_OK)
					goto out;
				problem = check_v2(c, st, store_col_text(s, 7), sig, slen, tbs, &rc);
				if (rc != TK_OK)
					goto out;
			}
		} else {
			problem = "unknown checkpoint version";
		}
		if (problem != NULL) {
			bad_cp(r, num, seq, problem);
			break;
		}
		if ((rc = store_prepare(c->st, "SELECT hash FROM audit WHERE seq = ?", &q)) != TK_OK ||
		    (rc = store_bind_i64(q, 1, seq)) != TK_OK || (rc = store_step(q, &qrow)) != TK_OK)
			goto out;
		if (!qrow || strcmp(store_col_text(q, 0), hash) != 0) {
			bad_cp(r, num, seq, "its event differs from the signed checkpoint (rewritten or deleted)");
			break;
		}
		store_finalize(q);
		q = NULL;
		sha256_hex(sig, slen, prev);
		st->last_seq = seq;
		st->last_ts = ts;
		expect++;
	}
out:
	store_finalize(q);
	store_finalize(s);
	return rc;
}

/* The cadence check: events after the last checkpoint that should have one by now (a warning). */
static enum tk_err cadence_warning(struct svc_ctx *c, struct audit_report *r, int64_t head, const struct cp_state *st)
{
	uint64_t every = 0, secs = 0;
	int64_t oldest = 0, age, grace;
	enum tk_err rc;

	if (head <= st->last_seq)
		return TK_OK;
	r->unanchored = head - st->last_seq;
	if ((rc = cadence(c->inst, &every, &secs)) != TK_OK)
		return rc;
	{
		struct store_stmt *s = NULL;
		int row = 0;
		if ((rc = store_prepare(c->st, "SELECT ts FROM audit WHERE seq = ?", &s)) == TK_OK &&
		    (rc = store_bind_i64(s, 1, st->last_seq + 1)) == TK_OK && (rc = store_step(s, &row)) == TK_OK && row)
			oldest = store_col_i64(s, 0);
		store_finalize(s);
		if (rc != TK_OK)
			return rc;
	}
	/* One jobs-loop tick (60 s) of slack on top of the cadence. */
	grace = secs < 60 ? (int64_t)secs : 60;
	age = tk_now() - oldest;
	if (age > (int64_t)secs + grace)
		rc = str_fmt(r->warning, sizeof(r->warning),
		    "%lld event(s) after checkpoint at event %lld are not anchored; the oldest (event %lld) is %lld s old, over the"
		    " [audit] checkpoint_seconds cadence of %llu s",
		    (long long)r->unanchored, (long long)st->last_seq, (long long)st->last_seq + 1, (long long)age,
		    (unsigned long long)secs);
	else if (r->unanchored > (int64_t)every)
		rc = str_fmt(r->warning, sizeof(r->warning),
		    "%lld event(s) after checkpoint at event %lld are not anchored, more than [audit] checkpoint_events = %llu",
		    (long long)r->unanchored, (long long)st->last_seq, (unsigned long long)every);
	return rc;
}

/* SHA-256 of the audit certificate the instance signs with now ("" without one). */
static enum tk_err current_audit_cert_hash(struct svc_ctx *c, char out[65])
{
	struct buf der;
	char serial[65];
	int found = 0;
	enum tk_err rc;

	out[0] = '\0';
	if ((rc = audit_cert_serial(c, serial, &found)) != TK_OK || !found)
		return rc;
	buf_init(&der, MAX_CERT_BYTES);
	if ((rc = svc_query_blob(c, "SELECT der FROM certs WHERE serial = ?", serial, &der)) == TK_OK)
		sha256_hex(der.p, der.len, out);
	else if (rc == TK_ERR_NOT_FOUND)
		rc = TK_OK; /* verify_checkpoints() reports a missing signer */
	buf_free(&der);
	return rc;
}

enum tk_err audit_verify(struct svc_ctx *c, struct audit_report *r)
{
	struct store_stmt *s = NULL;
	struct cp_state st;
	char prev[65] = AUDIT_ZERO_HASH;
	int64_t expect = 1, head_seq = 0;
	int row = 0;
	enum tk_err rc;

	memset(r, 0, sizeof(*r));
	memset(&st, 0, sizeof(st));
	if ((rc = store_begin(c->st, STORE_TX_READ)) != TK_OK)
		return rc;
	if ((rc = store_prepare(c->st,
		 "SELECT seq, ts, actor, role, action, object, ip, details, prev_hash, hash FROM audit ORDER BY seq", &s)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		struct audit_row a;
		char h[65];
		a.seq = store_col_i64(s, 0);
		a.ts = store_col_i64(s, 1);
		a.actor = store_col_text(s, 2);
		a.role = store_col_text(s, 3);
		a.action = store_col_text(s, 4);
		a.object = store_col_text(s, 5);
		a.ip = store_col_text(s, 6);
		a.details = store_col_text(s, 7);
		a.prev = prev;
		r->events++;
		if (a.seq != expect) {
			bad(r, expect, a.seq > expect ? "missing (deleted)" : "out of order");
			break;
		}
		if (strcmp(store_col_text(s, 8), prev) != 0) {
			bad(r, a.seq, "does not link to the previous event (reordered or edited)");
			break;
		}
		if ((rc = audit_chain_hash(&a, h)) != TK_OK)
			goto out;
		if (strcmp(h, store_col_text(s, 9)) != 0) {
			bad(r, a.seq, "content does not match its hash (edited)");
			break;
		}
		memcpy(prev, h, sizeof(prev));
		expect++;
	}
	if (rc != TK_OK)
		goto out;
	store_finalize(s);
	s = NULL;
	if (r->first_bad_seq == 0) {
		if ((rc = store_prepare(c->st, "SELECT seq, hash FROM audit_head WHERE id = 1", &s)) != TK_OK ||
		    (rc = store_step(s, &row)) != TK_OK)
			goto out;
		head_seq = row ? store_col_i64(s, 0) : -1;
		if (!row || head_seq != expect - 1 || strcmp(store_col_text(s, 1), prev) != 0)
			bad(r, expect, "chain tip does not match the last event (events deleted at the end)");
		store_finalize(s);
		s = NULL;
	}
	if ((rc = verify_checkpoints(c, r, &st)) != TK_OK || (rc = current_audit_cert_hash(c, r->audit_cert_sha256)) != TK_OK)
		goto out;
	if (r->first_bad_seq == 0)
		rc = cadence_warning(c, r, head_seq, &st);
out:
	store_finalize(s);
	store_rollback(c->st);
	X509_free(st.seal);
	X509_free(st.root);
	X509_free(st.issuing);
	X509_free(st.cert);
	return rc;
}

/* ----------------------------------------------------- exported heads */

/* One stored checkpoint as a head object (the members the timestamp covers). */
static enum tk_err head_json(struct svc_ctx *c, struct store_stmt *s, json_t **out)
{
	struct buf b64, der;
	const char *b64s = NULL, *serial = store_col_text(s, 7);
	char cert_hash[65] = "";
	size_t slen = 0;
	const uint8_t *sig = store_col_blob(s, 3, &slen);
	json_t *h = NULL;
	enum tk_err rc;

	buf_init(&b64, 2 * MAX_CHECKPOINT_SIG);
	buf_init(&der, MAX_CERT_BYTES);
	if ((rc = b64_encode(sig, slen, &b64)) != TK_OK || (rc = buf_cstr(&b64, &b64s)) != TK_OK)
		goto out;
	if ((rc = svc_query_blob(c, "SELECT der FROM certs WHERE serial = ?", serial, &der)) != TK_OK)
		goto out;
	sha256_hex(der.p, der.len, cert_hash);
	h = json_pack("{s:I, s:I, s:s, s:I, s:I, s:s, s:s, s:s, s:s}", "number", (json_int_t)store_col_i64(s, 4), "seq",
	    (json_int_t)store_col_i64(s, 0), "hash", store_col_text(s, 1), "time", (json_int_t)store_col_i64(s, 2), "version",
	    (json_int_t)store_col_i64(s, 5), "prev", store_col_text(s, 6), "cert_serial", serial, "cert_sha256", cert_hash,
	    "signature", b64s);
	if (h == NULL)
		rc = tk_fail(TK_ERR_NOMEM, "audit: out of memory");
	*out = h;
out:
	buf_free(&b64);
	buf_free(&der);
	return rc;
}

/* The canonical bytes the timestamp covers: compact JSON, keys sorted. Caller frees. */
static enum tk_err heads_canonical(const json_t *heads, char **out)
{
	*out = json_dumps(heads, JSON_COMPACT | JSON_SORT_KEYS);
	return *out != NULL ? TK_OK : tk_fail(TK_ERR_NOMEM, "audit: out of memory");
}

/* Adds {"serial","sha256","pem"} of the certificate to certs unless it is there. */
static enum tk_err add_cert(struct svc_ctx *c, json_t *certs, const char *serial, const char *sha)
{
	struct buf pem;
	const char *p = NULL;
	size_t i;
	json_t *v;
	enum tk_err rc;

	json_array_foreach (certs, i, v)
		if (strcmp(json_string_value(json_object_get(v, "serial")), serial) == 0)
			return TK_OK;
	buf_init(&pem, 4 * MAX_CERT_BYTES);
	if ((rc = ca_cert_pem(c, serial, &pem)) == TK_OK && (rc = buf_cstr(&pem, &p)) == TK_OK &&
	    json_array_append_new(certs, json_pack("{s:s, s:s, s:s}", "serial", serial, "sha256", sha, "pem", p)) != 0)
		rc = tk_fail(TK_ERR_NOMEM, "audit: out of memory");
	buf_free(&pem);
	return rc;
}

enum tk_err audit_export_heads(struct svc_ctx *c, int64_t since, struct buf *out)
{
	struct audit_report rep;
	struct store_stmt *s = NULL;
	struct buf token, tok64;
	json_t *heads = json_array(), *certs = json_array(), *doc = NULL, *h = NULL;
	char *canon = NULL, *txt = NULL, digest_hex[2 * EVP_MAX_MD_SIZE + 1], when[32];
	const char *dname = timestamp_digest_name(c->inst), *t64 = NULL;
	const EVP_MD *md = EVP_get_digestbyname(dname);
	uint8_t dig[EVP_MAX_MD_SIZE];
	unsigned dlen = 0;
	int row = 0;
	enum tk_err rc;

	buf_init(&token, 256u << 10);
	buf_init(&tok64, 512u << 10);
	if (heads == NULL || certs == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "audit: out of memory");
		goto out;
	}
	/* Heads of a damaged log would anchor the damage. */
	if ((rc = audit_verify(c, &rep)) != TK_OK)
		goto out;
	if (rep.first_bad_seq != 0) {
		rc = tk_fail_code(TK_ERR_CONFLICT, "audit_broken", "audit: log damaged at %s; nothing exported", rep.problem);
		goto out;
	}
	if ((rc = store_prepare(c->st,
		 "SELECT seq, hash, ts, signature, num, version, prev, cert_serial FROM audit_checkpoints WHERE num >= ? ORDER BY num",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, since)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		if ((rc = head_json(c, s, &h)) != TK_OK)
			goto out;
		if ((rc = add_cert(c, certs, store_col_text(s, 7), json_string_value(json_object_get(h, "cert_sha256")))) != TK_OK)
			goto out;
		if (json_array_append_new(heads, h) != 0) {
			h = NULL;
			rc = tk_fail(TK_ERR_NOMEM, "audit: out of memory");
			goto out;
		}
		h = NULL;
	}
	if (rc != TK_OK)
		goto out;
	if (json_array_size(heads) == 0) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "no_checkpoints", "audit: no checkpoint numbered %lld or later; run teken audit checkpoint",
		    (long long)since);
		goto out;
	}
	if ((rc = heads_canonical(heads, &canon)) != TK_OK)
		goto out;
	if (md == NULL || EVP_Digest(canon, strlen(canon), dig, &dlen, md, NULL) != 1) {
		rc = tk_fail(TK_ERR_INVALID, "config [sign] tsa_digest must be sha256, sha384 or sha512");
		goto out;
	}
	hex_encode(dig, dlen, digest_hex);
	if ((rc = timestamp_token(c, (const uint8_t *)canon, strlen(canon), &token)) != TK_OK ||
	    (rc = b64_encode(token.p, token.len, &tok64)) != TK_OK || (rc = buf_cstr(&tok64, &t64)) != TK_OK)
		goto out;
	time_iso_utc(tk_now(), when);
	doc = json_pack("{s:s, s:s, s:s, s:I, s:O, s:{s:s, s:s}, s:O, s:s}", "format", AUDIT_HEADS_FORMAT, "instance", c->inst->base_url,
	    "exported_at", when, "since", (json_int_t)since, "heads", heads, "heads_digest", "alg", dname, "hex", digest_hex, "certs",
	    certs, "timestamp_token", t64);
	if (doc == NULL || (txt = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS)) == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "audit: out of memory");
		goto out;
	}
	if ((rc = buf_puts(out, txt)) == TK_OK)
		rc = buf_putc(out, '\n');
out:
	store_finalize(s);
	json_decref(h);
	json_decref(heads);
	json_decref(certs);
	json_decref(doc);
	free(canon);
	free(txt);
	buf_free(&token);
	buf_free(&tok64);
	return rc;
}

static enum tk_err heads_malformed(const char *what)
{
	return tk_fail_code(TK_ERR_INVALID, "heads_malformed", "audit: heads file: %s", what);
}

/* Checks that the token's message imprint is the digest of canon; fills the genTime. */
static enum tk_err token_matches(const char *tok64, const char *canon, struct audit_heads_report *r)
{
	struct buf der;
	PKCS7 *p7 = NULL;
	TS_TST_INFO *ti = NULL;
	const unsigned char *q;
	uint8_t dig[EVP_MAX_MD_SIZE];
	unsigned dlen = 0;
	enum tk_err rc;

	buf_init(&der, 256u << 10);
	if ((rc = buf_reserve(&der, strlen(tok64))) != TK_OK)
		goto out;
	if (b64_decode(tok64, strlen(tok64), der.p, der.cap, &der.len) != TK_OK) {
		rc = heads_malformed("timestamp_token is not base64");
		goto out;
	}
	q = der.p;
	if ((p7 = d2i_PKCS7(NULL, &q, (long)der.len)) == NULL || q != der.p + der.len || (ti = PKCS7_to_TS_TST_INFO(p7)) == NULL) {
		ERR_clear_error();
		rc = heads_malformed("timestamp_token is not an RFC 3161 TimeStampToken");
		goto out;
	}
	{
		TS_MSG_IMPRINT *mi = TS_TST_INFO_get_msg_imprint(ti);
		const ASN1_OCTET_STRING *d = TS_MSG_IMPRINT_get_msg(mi);
		const EVP_MD *md = EVP_get_digestbyobj(TS_MSG_IMPRINT_get_algo(mi)->algorithm);
		const ASN1_GENERALIZEDTIME *gt = TS_TST_INFO_get_time(ti);
		struct tm tm;
		if (md == NULL || EVP_Digest(canon, strlen(canon), dig, &dlen, md, NULL) != 1 || (size_t)ASN1_STRING_length(d) != dlen ||
		    CRYPTO_memcmp(ASN1_STRING_get0_data(d), dig, dlen) != 0) {
			ERR_clear_error();
			if (str_copy(r->problem, sizeof(r->problem), "the timestamp token does not cover these heads (the file was edited)") != TK_OK)
				r->problem[0] = '\0';
			rc = TK_OK;
			goto out;
		}
		if (gt != NULL && ASN1_TIME_to_tm(gt, &tm) == 1)
			time_iso_utc((int64_t)timegm(&tm), r->token_time);
	}
	rc = TK_OK;
out:
	TS_TST_INFO_free(ti);
	PKCS7_free(p7);
	buf_free(&der);
	return rc;
}

static int64_t jint(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);

	return json_is_integer(v) ? (int64_t)json_integer_value(v) : -1;
}

static const char *jstr(const json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));

	return v != NULL ? v : "";
}

/* Compares one exported head with the store; sets r->first_bad and r->problem on a mismatch. */
static enum tk_err head_check(struct svc_ctx *c, const json_t *h, struct audit_heads_report *r)
{
	struct store_stmt *s = NULL;
	struct buf b64, der;
	const char *b64s = NULL;
	char cert_hash[65] = "";
	int64_t num = jint(h, "number");
	int row = 0, same;
	enum tk_err rc;

	buf_init(&b64, 2 * MAX_CHECKPOINT_SIG);
	buf_init(&der, MAX_CERT_BYTES);
	if ((rc = store_prepare(c->st, "SELECT seq, hash, ts, signature, version, prev, cert_serial FROM audit_checkpoints WHERE num = ?",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, num)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		r->first_bad = num;
		rc = str_fmt(r->problem, sizeof(r->problem), "checkpoint %lld of the export is not in the store (deleted after export)",
		    (long long)num);
		goto out;
	}
	{
		size_t slen = 0;
		const uint8_t *sig = store_col_blob(s, 3, &slen);
		if ((rc = b64_encode(sig, slen, &b64)) != TK_OK || (rc = buf_cstr(&b64, &b64s)) != TK_OK)
			goto out;
	}
	rc = svc_query_blob(c, "SELECT der FROM certs WHERE serial = ?", store_col_text(s, 6), &der);
	if (rc == TK_OK)
		sha256_hex(der.p, der.len, cert_hash);
	else if (rc == TK_ERR_NOT_FOUND)
		rc = TK_OK;
	if (rc != TK_OK)
		goto out;
	same = jint(h, "seq") == store_col_i64(s, 0) && strcmp(jstr(h, "hash"), store_col_text(s, 1)) == 0 &&
	       jint(h, "time") == store_col_i64(s, 2) && strcmp(jstr(h, "signature"), b64s) == 0 &&
	       jint(h, "version") == store_col_i64(s, 4) && strcmp(jstr(h, "prev"), store_col_text(s, 5)) == 0 &&
	       strcmp(jstr(h, "cert_serial"), store_col_text(s, 6)) == 0 && strcmp(jstr(h, "cert_sha256"), cert_hash) == 0;
	if (!same) {
		r->first_bad = num;
		rc = str_fmt(r->problem, sizeof(r->problem),
		    "checkpoint %lld differs from the exported head (history rewritten after export)", (long long)num);
	}
out:
	store_finalize(s);
	buf_free(&b64);
	buf_free(&der);
	return rc;
}

enum tk_err audit_verify_heads(struct svc_ctx *c, const uint8_t *doc, size_t len, struct audit_heads_report *r)
{
	struct audit_report rep;
	json_error_t jerr;
	json_t *root = NULL, *heads, *h;
	char *canon = NULL;
	const char *tok;
	size_t i;
	int64_t expect = 0;
	enum tk_err rc;

	memset(r, 0, sizeof(*r));
	if (len > AUDIT_MAX_HEADS_BYTES)
		return tk_fail_code(TK_ERR_LIMIT, "heads_too_large", "audit: heads file larger than %u bytes", AUDIT_MAX_HEADS_BYTES);
	if ((root = json_loadb((const char *)doc, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL)
		return heads_malformed("not JSON");
	heads = json_object_get(root, "heads");
	tok = json_string_value(json_object_get(root, "timestamp_token"));
	if (!json_is_object(root) || strcmp(jstr(root, "format"), AUDIT_HEADS_FORMAT) != 0 || !json_is_array(heads) ||
	    json_array_size(heads) == 0 || tok == NULL) {
		rc = heads_malformed("not a " AUDIT_HEADS_FORMAT " document with heads and a timestamp_token");
		goto out;
	}
	json_array_foreach (heads, i, h) {
		int64_t n = jint(h, "number");
		if (!json_is_object(h) || n < 1 || (expect != 0 && n != expect)) {
			rc = heads_malformed("heads must be objects numbered consecutively from 1 or later");
			goto out;
		}
		expect = n + 1;
	}
	r->heads = (int64_t)json_array_size(heads);
	r->first = jint(json_array_get(heads, 0), "number");
	r->last = expect - 1;
	if ((rc = heads_canonical(heads, &canon)) != TK_OK || (rc = token_matches(tok, canon, r)) != TK_OK || r->problem[0] != '\0')
		goto out;
	/* The store must be intact itself, and still hold every exported head unchanged. */
	if ((rc = audit_verify(c, &rep)) != TK_OK)
		goto out;
	if (rep.first_bad_seq != 0) {
		r->first_bad = rep.first_bad_checkpoint;
		rc = str_fmt(r->problem, sizeof(r->problem), "the audit log is damaged at %s", rep.problem);
		goto out;
	}
	json_array_foreach (heads, i, h)
		if ((rc = head_check(c, h, r)) != TK_OK || r->problem[0] != '\0')
			goto out;
out:
	free(canon);
	json_decref(root);
	return rc;
}

/*
 * Append-only, hash-chained audit log.
 *
 *   hash_n = SHA-256( "teken-audit-v1" || prev_hash_n || seq || ts || actor || role
 *                     || action || object || ip || details )
 *
 * with every field length-prefixed (4-byte big-endian), so no two different
 * events hash alike. audit_head holds the tip; updating it first takes the
 * row lock (PostgreSQL) or relies on the write lock (SQLite), which orders
 * concurrent appenders. Checkpoints sign (seq, hash) with the seal key, so
 * rewriting the whole chain after a checkpoint is also detected.
 */
#include "svc/audit/audit.h"
#include "svc/base/base.h"

#include "crypto/crypto.h"
#include "x509/x509.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <string.h>

static void put_field(EVP_MD_CTX *ctx, const void *p, size_t len)
{
	uint8_t l[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len};

	EVP_DigestUpdate(ctx, l, 4);
	EVP_DigestUpdate(ctx, p, len);
}

struct audit_row {
	int64_t seq, ts;
	const char *actor, *role, *action, *object, *ip, *details, *prev;
};

static enum tk_err chain_hash(const struct audit_row *r, char out[65])
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

enum tk_err audit_append(struct svc_ctx *c, const char *action, const char *object, const char *details)
{
	struct store_stmt *s = NULL;
	struct audit_row r;
	char prev[65], hash[65];
	int row = 0;
	enum tk_err rc;

	if (!store_in_tx(c->st))
		return tk_fail(TK_ERR_INTERNAL, "audit: append outside a transaction");
	if ((rc = store_exec(c->st, "UPDATE audit_head SET seq = seq + 1 WHERE id = 1")) != TK_OK)
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
	if ((rc = chain_hash(&r, hash)) != TK_OK)
		goto out;
	if ((rc = store_prepare(c->st,
		 "INSERT INTO audit (seq, ts, actor, role, action, object, ip, details, prev_hash, hash)"
		 " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", &s)) != TK_OK)
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
out:
	store_finalize(s);
	return rc;
}

/* What a checkpoint signature covers. */
static enum tk_err checkpoint_tbs(int64_t seq, const char *hash, int64_t ts, char *out, size_t sz)
{
	return str_fmt(out, sz, "teken-audit-checkpoint-v1|%lld|%s|%lld", (long long)seq, hash, (long long)ts);
}

static enum tk_err load_seal_cert(struct svc_ctx *c, X509 **out)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "SELECT c.der FROM certs c JOIN meta m ON m.value = c.serial WHERE m.key = 'cert.seal'", &s)) != TK_OK)
		return rc;
	if ((rc = store_step(s, &row)) == TK_OK) {
		if (!row)
			rc = tk_fail(TK_ERR_NOT_FOUND, "audit: seal certificate missing");
		else {
			size_t len = 0;
			const uint8_t *der = store_col_blob(s, 0, &len);
			rc = x509_cert_parse(der, len, out);
		}
	}
	store_finalize(s);
	return rc;
}

enum tk_err audit_checkpoint(struct svc_ctx *c, int64_t *seq_out)
{
	struct store_stmt *s = NULL;
	struct key *k = NULL;
	struct buf sig;
	char hash[65], tbs[160];
	int64_t seq = 0, ts = tk_now();
	int row = 0;
	enum tk_err rc;

	buf_init(&sig, 8192);
	if ((rc = svc_key_load(c, "seal", &k)) != TK_OK)
		goto out;
	if ((rc = store_begin(c->st, STORE_TX_WRITE)) != TK_OK)
		goto out;
	if ((rc = store_prepare(c->st, "SELECT seq, hash FROM audit_head WHERE id = 1", &s)) != TK_OK ||
	    (rc = store_step(s, &row)) != TK_OK)
		goto rollback;
	if (!row) {
		rc = tk_fail(TK_ERR_STORE, "audit: chain head missing");
		goto rollback;
	}
	seq = store_col_i64(s, 0);
	if ((rc = str_copy(hash, sizeof(hash), store_col_text(s, 1))) != TK_OK)
		goto rollback;
	store_finalize(s);
	s = NULL;
	if ((rc = checkpoint_tbs(seq, hash, ts, tbs, sizeof(tbs))) != TK_OK ||
	    (rc = key_sign(k, EVP_sha256(), 0, (const uint8_t *)tbs, strlen(tbs), &sig)) != TK_OK)
		goto rollback;
	if ((rc = store_prepare(c->st, "INSERT INTO audit_checkpoints (seq, hash, ts, signature) VALUES (?, ?, ?, ?)", &s)) != TK_OK)
		goto rollback;
	if ((rc = store_bind_i64(s, 1, seq)) != TK_OK || (rc = store_bind_text(s, 2, hash)) != TK_OK ||
	    (rc = store_bind_i64(s, 3, ts)) != TK_OK || (rc = store_bind_blob(s, 4, sig.p, sig.len)) != TK_OK ||
	    (rc = store_step(s, &row)) != TK_OK) {
		if (rc == TK_ERR_EXISTS)
			rc = tk_fail_code(TK_ERR_CONFLICT, "checkpoint_exists", "audit: a checkpoint at event %lld exists already", (long long)seq);
		goto rollback;
	}
	store_finalize(s);
	s = NULL;
	if ((rc = store_commit(c->st)) != TK_OK)
		goto out;
	if (seq_out != NULL)
		*seq_out = seq;
	goto out;
rollback:
	store_rollback(c->st);
out:
	store_finalize(s);
	key_free(k);
	buf_free(&sig);
	return rc;
}

static void bad(struct audit_report *r, int64_t seq, const char *what)
{
	if (r->first_bad_seq == 0) {
		r->first_bad_seq = seq > 0 ? seq : 1;
		if (str_fmt(r->problem, sizeof(r->problem), "event %lld: %s", (long long)seq, what) != TK_OK)
			r->problem[0] = '\0';
	}
}

static enum tk_err verify_checkpoints(struct svc_ctx *c, struct audit_report *r)
{
	struct store_stmt *s = NULL, *q = NULL;
	X509 *seal = NULL;
	EVP_MD_CTX *ctx = NULL;
	int row = 0;
	enum tk_err rc;

	if ((rc = load_seal_cert(c, &seal)) != TK_OK)
		return rc;
	if ((rc = store_prepare(c->st, "SELECT seq, hash, ts, signature FROM audit_checkpoints ORDER BY seq", &s)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		int64_t seq = store_col_i64(s, 0);
		const char *hash = store_col_text(s, 1);
		size_t slen = 0;
		const uint8_t *sig = store_col_blob(s, 3, &slen);
		char tbs[160];
		int qrow = 0, ok;
		r->checkpoints++;
		if ((rc = checkpoint_tbs(seq, hash, store_col_i64(s, 2), tbs, sizeof(tbs))) != TK_OK)
			goto out;
		ctx = EVP_MD_CTX_new();
		ok = ctx != NULL && EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, X509_get0_pubkey(seal)) == 1 &&
		     EVP_DigestVerify(ctx, sig, slen, (const uint8_t *)tbs, strlen(tbs)) == 1;
		EVP_MD_CTX_free(ctx);
		ctx = NULL;
		ERR_clear_error();
		if (!ok) {
			bad(r, seq, "checkpoint signature does not verify");
			continue;
		}
		if ((rc = store_prepare(c->st, "SELECT hash FROM audit WHERE seq = ?", &q)) != TK_OK ||
		    (rc = store_bind_i64(q, 1, seq)) != TK_OK || (rc = store_step(q, &qrow)) != TK_OK)
			goto out;
		if (seq > 0 && (!qrow || strcmp(store_col_text(q, 0), hash) != 0))
			bad(r, seq, "event differs from the signed checkpoint (rewritten or deleted)");
		store_finalize(q);
		q = NULL;
	}
out:
	store_finalize(q);
	store_finalize(s);
	X509_free(seal);
	return rc;
}

enum tk_err audit_verify(struct svc_ctx *c, struct audit_report *r)
{
	struct store_stmt *s = NULL;
	char prev[65] = "0000000000000000000000000000000000000000000000000000000000000000";
	int64_t expect = 1, head_seq = 0;
	int row = 0;
	enum tk_err rc;

	memset(r, 0, sizeof(*r));
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
		if ((rc = chain_hash(&a, h)) != TK_OK)
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
	rc = verify_checkpoints(c, r);
out:
	store_finalize(s);
	store_rollback(c->st);
	return rc;
}

/* Online trust services: RFC 3161 time stamps and the pre-producing RFC 6960 / 5019 OCSP responder. */
#include "svc/audit/audit.h"
#include "svc/base/base.h"
#include "svc/ca/ca.h"
#include "svc/report/report.h"
#include "svc/trust/trust.h"
#include "svc/base/base_int.h"

#include "config/config.h"
#include "log/log.h"
#include "ocsp/ocsp.h"
#include "tsa/tsa.h"
#include "x509/x509.h"

#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TRUST_RELOAD_S 300      /* cached signers are re-read this often (certificate rollover) */
#define TRUST_REFRESH_BATCH 64u /* responses signed per write transaction in trust_ocsp_refresh() */
#define TRUST_MAX_RESP_BYTES (64u * 1024u)
#define TRUST_DEFAULT_VALIDITY_H 48u
#define TRUST_MAX_VALIDITY_H 240u /* 10 days, the usual upper bound for OCSP responses */
#define TRUST_MAX_CACHE_MS 60000u /* [ocsp] cache_ms: at most a minute of staleness across processes */
#define TRUST_CACHE_SLOTS 4096u   /* entries of the in-process answer cache (a power of two) */
#define TRUST_CACHE_LOCKS 64u
#define TRUST_SLOT_WAIT_MS 50 /* how long an on-demand answer waits for a signing slot */

/* Per-thread cache: a TS_RESP_CTX is not thread-safe, and parsing certificates per request is waste. */
struct trust_state {
	const struct instance *inst;
	const struct config *cfg;
	struct tsa_signer *tsa;
	int64_t tsa_at;
	struct ocsp_signer *ocsp;
	int64_t ocsp_at;
	struct ocsp_issuer issuer;
	int64_t issuing_id;
	int64_t validity;       /* seconds from thisUpdate to nextUpdate */
	unsigned max_on_demand; /* signatures in flight for on-demand answers, per process */
	int at_issuance;        /* [ocsp] produce_at_issuance */
	int64_t cache_ms;       /* [ocsp] cache_ms: in-process cache of stored answers; 0 = off */
};

/* The status of a certificate as the store has it. */
struct certinfo {
	char status[12]; /* valid, revoked, hold */
	int64_t revoked_at;
	int reason;
};

/* A response made for one certificate, to be stored. */
struct produced {
	char serial[65];
	struct certinfo ci;
	struct buf sha1, sha256; /* DER OCSPResponse per CertID hash; sha256 may be empty */
	int64_t this_update, next_update;
};

static pthread_key_t state_key;
static pthread_once_t state_once = PTHREAD_ONCE_INIT;
static atomic_uint on_demand_inflight;

static void state_clear(struct trust_state *ts)
{
	tsa_signer_free(ts->tsa);
	ocsp_signer_free(ts->ocsp);
	memset(ts, 0, sizeof(*ts));
}

static void state_destroy(void *p)
{
	if (p != NULL)
		state_clear(p);
	free(p);
}

static void state_at_exit(void)
{
	trust_thread_done();
}

/* The key's destructor frees a worker thread's cache when the thread ends; the
 * main thread's (a CLI command) is freed at exit, so callers need not remember. */
static void state_key_init(void)
{
	(void)pthread_key_create(&state_key, state_destroy);
	(void)atexit(state_at_exit);
}

void trust_thread_done(void)
{
	struct trust_state *ts;

	pthread_once(&state_once, state_key_init);
	ts = pthread_getspecific(state_key);
	if (ts != NULL) {
		pthread_setspecific(state_key, NULL);
		state_destroy(ts);
	}
}

/* The calling thread's cache, reset when the context belongs to another instance. */
static enum tk_err thread_state(struct svc_ctx *c, int create, struct trust_state **out)
{
	struct trust_state *ts;

	pthread_once(&state_once, state_key_init);
	ts = pthread_getspecific(state_key);
	if (ts == NULL && create) {
		if ((ts = calloc(1, sizeof(*ts))) == NULL)
			return tk_fail(TK_ERR_NOMEM, "trust: out of memory");
		if (pthread_setspecific(state_key, ts) != 0) {
			free(ts);
			return tk_fail(TK_ERR_NOMEM, "trust: thread state");
		}
	}
	if (ts != NULL && (ts->inst != c->inst || ts->cfg != c->inst->cfg)) {
		state_clear(ts);
		ts->inst = c->inst;
		ts->cfg = c->inst->cfg;
	}
	*out = ts;
	return TK_OK;
}

static unsigned default_on_demand(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 1 ? (unsigned)(n - 1) : 1u;
}

static enum tk_err ocsp_settings(const struct instance *inst, struct trust_state *ts)
{
	uint64_t h, m, cache;
	const char *v;
	enum tk_err rc;

	if ((rc = config_get_u64(inst->cfg, "ocsp", "validity_hours", TRUST_DEFAULT_VALIDITY_H, TRUST_MAX_VALIDITY_H, &h)) != TK_OK ||
	    (rc = config_get_u64(inst->cfg, "ocsp", "max_on_demand", default_on_demand(), 1024, &m)) != TK_OK ||
	    (rc = config_get_u64(inst->cfg, "ocsp", "cache_ms", 0, TRUST_MAX_CACHE_MS, &cache)) != TK_OK)
		return rc;
	if (h == 0 || m == 0)
		return tk_fail(TK_ERR_INVALID, "config [ocsp] validity_hours and max_on_demand must be at least 1");
	v = config_get_or(inst->cfg, "ocsp", "produce_at_issuance", "yes");
	if (strcmp(v, "yes") != 0 && strcmp(v, "no") != 0)
		return tk_fail(TK_ERR_INVALID, "config [ocsp] produce_at_issuance must be yes or no");
	ts->validity = (int64_t)h * 3600;
	ts->max_on_demand = (unsigned)m;
	ts->at_issuance = strcmp(v, "yes") == 0;
	ts->cache_ms = (int64_t)cache;
	return TK_OK;
}

/* The certificate whose serial meta row `key` names ("cert.tsa", "cert.ocsp"). Caller frees. */
static enum tk_err meta_cert(struct svc_ctx *c, const char *key, X509 **out)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	*out = NULL;
	if ((rc = store_prepare(c->st, "SELECT c.der FROM meta m JOIN certs c ON c.serial = m.value WHERE m.key = ?", &s)) != TK_OK)
		return rc;
	if ((rc = store_bind_text(s, 1, key)) == TK_OK && (rc = store_step(s, &row)) == TK_OK) {
		if (!row) {
			rc = tk_fail_code(TK_ERR_NOT_FOUND, "no_service_certificate", "trust: no %s certificate in the store", key);
		} else {
			size_t len = 0;
			const uint8_t *der = store_col_blob(s, 0, &len);
			if ((rc = x509_cert_parse(der, len, out)) != TK_OK)
				tk_wrap(rc, "trust: stored %s certificate", key);
		}
	}
	store_finalize(s);
	return rc;
}

static enum tk_err load_ocsp(struct svc_ctx *c, struct trust_state *ts)
{
	X509 *issuer = NULL, *cert = NULL;
	struct key *k = NULL;
	struct ocsp_signer *s = NULL;
	int64_t id = 0;
	enum tk_err rc;

	if ((rc = ocsp_settings(c->inst, ts)) != TK_OK || (rc = ca_load(c, "issuing", &id, &issuer, NULL)) != TK_OK ||
	    (rc = meta_cert(c, "cert.ocsp", &cert)) != TK_OK || (rc = svc_key_load(c, "ocsp", &k)) != TK_OK ||
	    (rc = ocsp_signer_new(k, cert, issuer, c->inst->digest, &s)) != TK_OK ||
	    (rc = ocsp_issuer_hashes(issuer, &ts->issuer)) != TK_OK)
		goto out;
	if (X509_cmp_time(X509_get0_notAfter(cert), NULL) <= 0)
		log_msg(LOG_ERROR, "ocsp.signer_expired", "the OCSP signing certificate has expired; issue a new one");
	ocsp_signer_free(ts->ocsp);
	ts->ocsp = s;
	s = NULL;
	ts->issuing_id = id;
	ts->ocsp_at = tk_now();
out:
	ocsp_signer_free(s);
	key_free(k);
	X509_free(cert);
	X509_free(issuer);
	return rc;
}

/* A usable OCSP signer; an old one stays in use when a periodic reload fails. */
static enum tk_err need_ocsp(struct svc_ctx *c, struct trust_state *ts)
{
	enum tk_err rc;

	if (ts->ocsp != NULL && tk_now() - ts->ocsp_at < TRUST_RELOAD_S)
		return TK_OK;
	rc = load_ocsp(c, ts);
	if (rc != TK_OK && ts->ocsp != NULL) {
		log_msg(LOG_WARN, "ocsp.reload_failed", "%s", tk_errmsg());
		ts->ocsp_at = tk_now();
		return TK_OK;
	}
	return rc;
}

static enum tk_err load_tsa(struct svc_ctx *c, struct trust_state *ts)
{
	const struct config *cfg = c->inst->cfg;
	struct tsa_settings set;
	STACK_OF(X509) *chain = NULL;
	X509 *cert = NULL, *issuing = NULL;
	struct key *k = NULL;
	struct tsa_signer *s = NULL;
	uint64_t acc;
	enum tk_err rc;

	memset(&set, 0, sizeof(set));
	set.policy_oid = config_get_or(cfg, "tsa", "policy_oid", TRUST_DEFAULT_TSA_POLICY);
	set.digests = config_get_or(cfg, "tsa", "digests", "sha256,sha384,sha512");
	set.sign_digest = config_get_or(cfg, "tsa", "sign_digest", c->inst->digest);
	if ((rc = config_get_u64(cfg, "tsa", "accuracy_seconds", 1, 3600, &acc)) != TK_OK)
		return rc;
	set.accuracy_s = (uint32_t)acc;
	if ((rc = meta_cert(c, "cert.tsa", &cert)) != TK_OK || (rc = svc_key_load(c, "tsa", &k)) != TK_OK ||
	    (rc = ca_load(c, "issuing", NULL, &issuing, NULL)) != TK_OK)
		goto out;
	/* certReq brings the intermediate; the root is the relying party's trust anchor. */
	if ((chain = sk_X509_new_null()) == NULL || !sk_X509_push(chain, issuing)) {
		rc = tk_fail(TK_ERR_NOMEM, "tsa: out of memory");
		goto out;
	}
	issuing = NULL;
	if ((rc = tsa_signer_new(&set, k, cert, chain, &s)) != TK_OK)
		goto out;
	if (X509_cmp_time(X509_get0_notAfter(cert), NULL) <= 0)
		log_msg(LOG_ERROR, "tsa.signer_expired", "the TSA certificate has expired; issue a new one");
	tsa_signer_free(ts->tsa);
	ts->tsa = s;
	ts->tsa_at = tk_now();
out:
	sk_X509_pop_free(chain, X509_free);
	X509_free(issuing);
	X509_free(cert);
	key_free(k);
	return rc;
}

enum tk_err trust_tsa_serve(struct svc_ctx *c, const uint8_t *req, size_t len, struct buf *out, int *granted)
{
	usage_count(c, USAGE_TSA, NULL, NULL);
	return trust_tsa_stamp(c, req, len, out, granted);
}

enum tk_err trust_tsa_stamp(struct svc_ctx *c, const uint8_t *req, size_t len, struct buf *out, int *granted)
{
	struct trust_state *ts = NULL;
	enum tk_err rc;

	*granted = 0;
	rc = thread_state(c, 1, &ts);
	if (rc == TK_OK && (ts->tsa == NULL || tk_now() - ts->tsa_at >= TRUST_RELOAD_S)) {
		rc = load_tsa(c, ts);
		if (rc != TK_OK && ts->tsa != NULL) {
			log_msg(LOG_WARN, "tsa.reload_failed", "%s", tk_errmsg());
			ts->tsa_at = tk_now();
			rc = TK_OK;
		}
	}
	if (rc != TK_OK) {
		log_msg(LOG_ERROR, "tsa.unavailable", "%s", tk_errmsg());
		return tsa_reject(TSA_FAIL_SYSTEM_FAILURE, "tsa: time-stamping is not available now", out);
	}
	/* Signing happens here, with no transaction open: the TSA never writes the store. */
	return tsa_respond(ts->tsa, req, len, out, granted);
}

/* ---------------------------------------------------------------- OCSP */

/*
 * Optional in-process cache of stored answers ([ocsp] cache_ms, default 0:
 * off). It saves the store lookup of the hot path, at a price: a status
 * change made by another process or node (or by a code path that does not
 * call trust_cert_changed()) shows after at most cache_ms. Changes through
 * trust_cert_changed() in this process drop the entry at once.
 */
struct cache_entry {
	const struct instance *inst;
	uint8_t serial[32];
	size_t serial_len;
	enum ocsp_hash hash;
	int64_t expires_ms, this_update, next_update;
	uint8_t *der;
	size_t len;
};

static struct cache_entry cache[TRUST_CACHE_SLOTS];
static pthread_mutex_t cache_locks[TRUST_CACHE_LOCKS] = {
#define L PTHREAD_MUTEX_INITIALIZER
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
	L,
#undef L
};

static int64_t mono_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static size_t cache_slot(const struct instance *inst, const uint8_t *serial, size_t len, enum ocsp_hash hash)
{
	uint64_t h = 1469598103934665603ull ^ (uint64_t)(uintptr_t)inst ^ (uint64_t)hash;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ serial[i]) * 1099511628211ull;
	return (size_t)(h & (TRUST_CACHE_SLOTS - 1));
}

static int cache_match(const struct cache_entry *e, const struct instance *inst, const uint8_t *serial, size_t len,
    enum ocsp_hash hash)
{
	return e->der != NULL && e->inst == inst && e->hash == hash && e->serial_len == len && memcmp(e->serial, serial, len) == 0;
}

/* Copies a live entry into out; 1 on a hit. */
static int cache_get(const struct trust_state *ts, const struct ocsp_certid *id, struct trust_ocsp_answer *out)
{
	size_t slot;
	struct cache_entry *e;
	int hit = 0;

	if (ts->cache_ms <= 0)
		return 0;
	slot = cache_slot(ts->inst, id->serial, id->serial_len, id->hash);
	e = &cache[slot];
	pthread_mutex_lock(&cache_locks[slot % TRUST_CACHE_LOCKS]);
	if (cache_match(e, ts->inst, id->serial, id->serial_len, id->hash) && mono_ms() < e->expires_ms &&
	    tk_now() < e->next_update) {
		buf_reset(&out->der);
		if (buf_append(&out->der, e->der, e->len) == TK_OK) {
			out->successful = out->cacheable = 1;
			out->this_update = e->this_update;
			out->next_update = e->next_update;
			hit = 1;
		}
	}
	pthread_mutex_unlock(&cache_locks[slot % TRUST_CACHE_LOCKS]);
	return hit;
}

static void cache_put(const struct trust_state *ts, const struct ocsp_certid *id, const struct trust_ocsp_answer *a)
{
	size_t slot;
	struct cache_entry *e;
	uint8_t *copy;

	if (ts->cache_ms <= 0 || (copy = malloc(a->der.len)) == NULL)
		return;
	memcpy(copy, a->der.p, a->der.len);
	slot = cache_slot(ts->inst, id->serial, id->serial_len, id->hash);
	e = &cache[slot];
	pthread_mutex_lock(&cache_locks[slot % TRUST_CACHE_LOCKS]);
	free(e->der);
	e->inst = ts->inst;
	memcpy(e->serial, id->serial, id->serial_len);
	e->serial_len = id->serial_len;
	e->hash = id->hash;
	e->expires_ms = mono_ms() + ts->cache_ms;
	e->this_update = a->this_update;
	e->next_update = a->next_update;
	e->der = copy;
	e->len = a->der.len;
	pthread_mutex_unlock(&cache_locks[slot % TRUST_CACHE_LOCKS]);
}

/* Drops the entries of a serial (both CertID hashes) of this instance. */
static void cache_drop(const struct instance *inst, const char *hex)
{
	uint8_t serial[32];
	size_t len = 0, slot;
	enum ocsp_hash h;

	if (hex_decode(hex, strlen(hex), serial, sizeof(serial), &len) != TK_OK) {
		tk_clear_error();
		return;
	}
	for (h = OCSP_HASH_SHA1; h <= OCSP_HASH_SHA256; h++) {
		slot = cache_slot(inst, serial, len, h);
		pthread_mutex_lock(&cache_locks[slot % TRUST_CACHE_LOCKS]);
		if (cache_match(&cache[slot], inst, serial, len, h)) {
			free(cache[slot].der);
			cache[slot].der = NULL;
		}
		pthread_mutex_unlock(&cache_locks[slot % TRUST_CACHE_LOCKS]);
	}
}

static int slot_acquire(const struct trust_state *ts)
{
	unsigned prev = atomic_fetch_add(&on_demand_inflight, 1u);

	if (prev >= ts->max_on_demand) {
		atomic_fetch_sub(&on_demand_inflight, 1u);
		return 0;
	}
	return 1;
}

static void slot_release(void)
{
	atomic_fetch_sub(&on_demand_inflight, 1u);
}

/* A slot, waiting up to TRUST_SLOT_WAIT_MS for one: bursts of nonce requests queue briefly, floods get tryLater. */
static int slot_acquire_wait(const struct trust_state *ts)
{
	const struct timespec ms = { 0, 1000000 };
	int i;

	for (i = 0; i < TRUST_SLOT_WAIT_MS; i++) {
		if (slot_acquire(ts))
			return 1;
		nanosleep(&ms, NULL);
	}
	return slot_acquire(ts);
}

static enum tk_err error_answer(struct trust_ocsp_answer *out, enum ocsp_resp_status st)
{
	buf_reset(&out->der);
	out->successful = 0;
	out->cacheable = 0;
	out->this_update = out->next_update = 0;
	return ocsp_resp_error(st, &out->der);
}

static enum tk_err certinfo_read(struct store_stmt *s, int col, struct certinfo *ci)
{
	enum tk_err rc = str_copy(ci->status, sizeof(ci->status), store_col_text(s, col));

	ci->revoked_at = store_col_null(s, col + 1) ? 0 : store_col_i64(s, col + 1);
	ci->reason = store_col_null(s, col + 2) ? 0 : (int)store_col_i64(s, col + 2);
	return rc;
}

/* Status of a serial issued by the issuing CA; *found = 0 when it is not ours. */
static enum tk_err cert_lookup(struct svc_ctx *c, int64_t ca_id, const char *hex, struct certinfo *ci, int *found)
{
	struct store_stmt *s = NULL;
	enum tk_err rc;

	*found = 0;
	if ((rc = store_prepare(c->st, "SELECT status, revoked_at, reason FROM certs WHERE serial = ? AND ca_id = ?", &s)) != TK_OK)
		return rc;
	if ((rc = store_bind_text(s, 1, hex)) == TK_OK && (rc = store_bind_i64(s, 2, ca_id)) == TK_OK &&
	    (rc = store_step(s, found)) == TK_OK && *found)
		rc = certinfo_read(s, 0, ci);
	store_finalize(s);
	return rc;
}

/* Fills a single response from the store's view; certificateHold is revoked with reason 6 (RFC 6960 2.2). */
static void single_from(const struct certinfo *ci, int found, struct ocsp_single *it)
{
	if (!found) {
		it->status = OCSP_CERT_UNKNOWN;
	} else if (strcmp(ci->status, "valid") == 0) {
		it->status = OCSP_CERT_GOOD;
	} else {
		it->status = OCSP_CERT_REVOKED;
		it->revoked_at = ci->revoked_at;
		it->reason = strcmp(ci->status, "hold") == 0 ? 6 : ci->reason;
	}
}

static void produced_init(struct produced *p)
{
	memset(p, 0, sizeof(*p));
	buf_init(&p->sha1, TRUST_MAX_RESP_BYTES);
	buf_init(&p->sha256, TRUST_MAX_RESP_BYTES);
}

static void produced_free(struct produced *p)
{
	buf_free(&p->sha1);
	buf_free(&p->sha256);
}

/* Signs the stored-form responses (our CertID, no nonce) of one certificate. No store access. */
static enum tk_err produce(const struct trust_state *ts, int with_sha256, struct produced *p)
{
	struct ocsp_single it;
	uint8_t serial[32];
	size_t slen = 0;
	enum tk_err rc;

	if ((rc = hex_decode(p->serial, strlen(p->serial), serial, sizeof(serial), &slen)) != TK_OK)
		return tk_wrap(rc, "ocsp: stored serial");
	memset(&it, 0, sizeof(it));
	it.serial = serial;
	it.serial_len = slen;
	single_from(&p->ci, 1, &it);
	p->this_update = tk_now();
	p->next_update = p->this_update + ts->validity;
	it.hash = OCSP_HASH_SHA1;
	if ((rc = ocsp_resp_build(ts->ocsp, &it, 1, NULL, p->this_update, p->next_update, &p->sha1)) != TK_OK)
		return rc;
	if (!with_sha256)
		return TK_OK;
	it.hash = OCSP_HASH_SHA256;
	return ocsp_resp_build(ts->ocsp, &it, 1, NULL, p->this_update, p->next_update, &p->sha256);
}

/*
 * Stores produced responses in one write transaction. A row whose
 * certificate changed status since it was signed is skipped (*skipped
 * counts them); a newer stored response is never replaced by an older one
 * (two nodes refreshing at once).
 */
static enum tk_err store_produced(struct svc_ctx *c, struct produced *const *ps, size_t n, size_t *skipped)
{
	struct store_stmt *chk = NULL, *up = NULL;
	int64_t now = tk_now();
	size_t i;
	int row;
	enum tk_err rc;

	*skipped = 0;
	if ((rc = store_begin(c->st, STORE_TX_WRITE)) != TK_OK)
		return rc;
	/* The store interface has no statement reset: one statement per use. */
	for (i = 0; i < n; i++) {
		const struct produced *p = ps[i];
		store_finalize(chk);
		chk = NULL;
		if ((rc = store_prepare(c->st, "SELECT status FROM certs WHERE serial = ?", &chk)) != TK_OK ||
		    (rc = store_bind_text(chk, 1, p->serial)) != TK_OK || (rc = store_step(chk, &row)) != TK_OK)
			goto fail;
		if (!row || strcmp(store_col_text(chk, 0), p->ci.status) != 0) {
			(*skipped)++;
			continue;
		}
		store_finalize(up);
		up = NULL;
		if ((rc = store_prepare(c->st,
			 "INSERT INTO ocsp_responses (serial, cert_status, der, der_sha256, this_update, next_update, produced_at)"
			 " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (serial) DO UPDATE SET cert_status = excluded.cert_status,"
			 " der = excluded.der, der_sha256 = excluded.der_sha256, this_update = excluded.this_update,"
			 " next_update = excluded.next_update, produced_at = excluded.produced_at"
			 " WHERE ocsp_responses.this_update <= excluded.this_update",
			 &up)) != TK_OK ||
		    (rc = store_bind_text(up, 1, p->serial)) != TK_OK || (rc = store_bind_text(up, 2, p->ci.status)) != TK_OK ||
		    (rc = store_bind_blob(up, 3, p->sha1.p, p->sha1.len)) != TK_OK ||
		    (rc = (p->sha256.len ? store_bind_blob(up, 4, p->sha256.p, p->sha256.len) : store_bind_null(up, 4))) != TK_OK ||
		    (rc = store_bind_i64(up, 5, p->this_update)) != TK_OK || (rc = store_bind_i64(up, 6, p->next_update)) != TK_OK ||
		    (rc = store_bind_i64(up, 7, now)) != TK_OK || (rc = store_step(up, &row)) != TK_OK)
			goto fail;
	}
	store_finalize(chk);
	store_finalize(up);
	return store_commit(c->st);
fail:
	store_finalize(chk);
	store_finalize(up);
	store_rollback(c->st);
	return rc;
}

/* Status of a serial of the issuing CA and whether a SHA-256 response is kept for it. */
static enum tk_err cert_row(struct svc_ctx *c, int64_t ca_id, const char *hex, struct certinfo *ci, int *had_sha256, int *found)
{
	struct store_stmt *s = NULL;
	enum tk_err rc;

	*found = *had_sha256 = 0;
	if ((rc = store_prepare(c->st,
		 "SELECT c.status, c.revoked_at, c.reason, CASE WHEN r.der_sha256 IS NULL THEN 0 ELSE 1 END FROM certs c"
		 " LEFT JOIN ocsp_responses r ON r.serial = c.serial WHERE c.serial = ? AND c.ca_id = ?",
		 &s)) != TK_OK)
		return rc;
	if ((rc = store_bind_text(s, 1, hex)) == TK_OK && (rc = store_bind_i64(s, 2, ca_id)) == TK_OK &&
	    (rc = store_step(s, found)) == TK_OK && *found) {
		rc = certinfo_read(s, 0, ci);
		*had_sha256 = store_col_i64(s, 3) != 0;
	}
	store_finalize(s);
	return rc;
}

/* Signs on demand: several CertIDs, a nonce, a serial we never issued, or a CertID in another encoding. */
static enum tk_err answer_on_demand(struct svc_ctx *c, struct trust_state *ts, const struct ocsp_req *r,
    struct trust_ocsp_answer *out)
{
	struct ocsp_single items[MAX_OCSP_REQ_CERTS];
	size_t i, n = ocsp_req_count(r);
	int64_t now = tk_now();
	enum tk_err rc = TK_OK;

	memset(items, 0, sizeof(items));
	for (i = 0; i < n; i++) {
		const struct ocsp_certid *id = ocsp_req_certid(r, i);
		struct certinfo ci;
		int found = 0;
		char hex[65];
		memset(&ci, 0, sizeof(ci));
		if (id->serial_len > 0) {
			hex_encode(id->serial, id->serial_len, hex);
			if ((rc = cert_lookup(c, ts->issuing_id, hex, &ci, &found)) != TK_OK) {
				log_msg(LOG_ERROR, "ocsp.store", "%s", tk_errmsg());
				return error_answer(out, OCSP_ST_TRY_LATER);
			}
		}
		items[i].req = r;
		items[i].req_index = i;
		single_from(&ci, found, &items[i]);
	}
	/* Each of these costs a signature: bound them so they cannot starve stored answers. */
	if (!slot_acquire_wait(ts))
		return error_answer(out, OCSP_ST_TRY_LATER);
	buf_reset(&out->der);
	rc = ocsp_resp_build(ts->ocsp, items, n, ocsp_req_has_nonce(r) ? r : NULL, now, now + ts->validity, &out->der);
	slot_release();
	if (rc != TK_OK) {
		log_msg(LOG_ERROR, "ocsp.sign", "%s", tk_errmsg());
		return error_answer(out, OCSP_ST_INTERNAL_ERROR);
	}
	out->successful = 1;
	out->cacheable = !ocsp_req_has_nonce(r);
	out->this_update = now;
	out->next_update = now + ts->validity;
	return TK_OK;
}

/* One CertID, no nonce, our encoding: a store lookup, unless the stored response is missing, stale or outdated. */
static enum tk_err answer_stored(struct svc_ctx *c, struct trust_state *ts, const struct ocsp_req *r,
    struct trust_ocsp_answer *out)
{
	const struct ocsp_certid *id = ocsp_req_certid(r, 0);
	int sha256 = id->hash == OCSP_HASH_SHA256;
	struct store_stmt *s = NULL;
	struct produced p;
	int64_t now = tk_now();
	int row = 0, have = 0, had_sha256 = 0, slot = 0;
	size_t skipped = 0;
	struct produced *pp = &p;
	enum tk_err rc;

	produced_init(&p);
	if (id->serial_len == 0) {
		rc = answer_on_demand(c, ts, r, out);
		goto out;
	}
	if (cache_get(ts, id, out)) {
		rc = TK_OK;
		goto out;
	}
	hex_encode(id->serial, id->serial_len, p.serial);
	/* The hot path: one lean statement (preparing it is most of the cost). */
	rc = store_prepare(c->st,
	    sha256 ? "SELECT c.status, r.cert_status, r.this_update, r.next_update, r.der_sha256 FROM certs c"
		     " LEFT JOIN ocsp_responses r ON r.serial = c.serial WHERE c.serial = ? AND c.ca_id = ?"
		   : "SELECT c.status, r.cert_status, r.this_update, r.next_update, r.der FROM certs c"
		     " LEFT JOIN ocsp_responses r ON r.serial = c.serial WHERE c.serial = ? AND c.ca_id = ?",
	    &s);
	if (rc == TK_OK && (rc = store_bind_text(s, 1, p.serial)) == TK_OK && (rc = store_bind_i64(s, 2, ts->issuing_id)) == TK_OK)
		rc = store_step(s, &row);
	if (rc != TK_OK) {
		log_msg(LOG_ERROR, "ocsp.store", "%s", tk_errmsg());
		rc = error_answer(out, OCSP_ST_TRY_LATER);
		goto out;
	}
	if (!row) { /* never issued by us: "unknown", signed now */
		store_finalize(s);
		s = NULL;
		rc = answer_on_demand(c, ts, r, out);
		goto out;
	}
	if (!store_col_null(s, 4) && strcmp(store_col_text(s, 1), store_col_text(s, 0)) == 0 && now < store_col_i64(s, 3)) {
		int64_t tu = store_col_i64(s, 2), nu = store_col_i64(s, 3);
		size_t len = 0;
		const uint8_t *der = store_col_blob(s, 4, &len);
		buf_reset(&out->der);
		if ((rc = buf_append(&out->der, der, len)) != TK_OK)
			goto out;
		have = 1;
		out->successful = 1;
		out->cacheable = 1;
		out->this_update = tu;
		out->next_update = nu;
		/* Fresh until half its validity; after that the first request refreshes it,
		 * unless signers are busy, when the still-valid response is good enough. */
		if (now < tu + (nu - tu) / 2) {
			cache_put(ts, id, out);
			rc = TK_OK;
			goto out;
		}
		if (!(slot = slot_acquire(ts))) {
			rc = TK_OK;
			goto out;
		}
	}
	store_finalize(s);
	s = NULL;
	/* Missing, outdated or stale: read what a new response needs. */
	if ((rc = cert_row(c, ts->issuing_id, p.serial, &p.ci, &had_sha256, &row)) != TK_OK) {
		log_msg(LOG_ERROR, "ocsp.store", "%s", tk_errmsg());
		rc = have ? TK_OK : error_answer(out, OCSP_ST_TRY_LATER);
		goto out;
	}
	if (!row) {
		if (slot)
			slot_release();
		slot = 0;
		rc = answer_on_demand(c, ts, r, out);
		goto out;
	}
	if (!slot && !(slot = slot_acquire_wait(ts))) {
		rc = error_answer(out, OCSP_ST_TRY_LATER);
		goto out;
	}
	rc = produce(ts, sha256 || had_sha256, &p);
	slot_release();
	slot = 0;
	if (rc != TK_OK) {
		log_msg(LOG_ERROR, "ocsp.sign", "%s", tk_errmsg());
		rc = have ? TK_OK : error_answer(out, OCSP_ST_INTERNAL_ERROR);
		goto out;
	}
	/* No transaction was open while signing; now one short write. */
	if (store_produced(c, &pp, 1, &skipped) != TK_OK)
		log_msg(LOG_WARN, "ocsp.store", "response for %s not stored: %s", p.serial, tk_errmsg());
	if (skipped) { /* the status changed while we signed: answer from the new status */
		rc = answer_on_demand(c, ts, r, out);
		goto out;
	}
	buf_reset(&out->der);
	if ((rc = buf_append(&out->der, sha256 ? p.sha256.p : p.sha1.p, sha256 ? p.sha256.len : p.sha1.len)) != TK_OK)
		goto out;
	out->successful = 1;
	out->cacheable = 1;
	out->this_update = p.this_update;
	out->next_update = p.next_update;
	if (!skipped)
		cache_put(ts, id, out);
out:
	if (slot)
		slot_release();
	store_finalize(s);
	produced_free(&p);
	return rc;
}

enum tk_err trust_ocsp_answer(struct svc_ctx *c, const uint8_t *req, size_t len, struct trust_ocsp_answer *out)
{
	struct ocsp_req *r = NULL;
	struct trust_state *ts = NULL;
	size_t i;
	enum tk_err rc;

	memset(out, 0, sizeof(*out));
	buf_init(&out->der, TRUST_MAX_RESP_BYTES);
	usage_count(c, USAGE_OCSP, NULL, NULL);
	if (ocsp_req_parse(req, len, &r) != TK_OK) {
		log_msg(LOG_DEBUG, "ocsp.malformed", "%s", tk_errmsg());
		return error_answer(out, OCSP_ST_MALFORMED);
	}
	if ((rc = thread_state(c, 1, &ts)) != TK_OK || (rc = need_ocsp(c, ts)) != TK_OK) {
		log_msg(LOG_ERROR, "ocsp.unavailable", "%s", tk_errmsg());
		rc = error_answer(out, OCSP_ST_INTERNAL_ERROR);
		goto out;
	}
	/* Only the issuing CA is served (by its delegated signer); anything else is not ours to answer. */
	for (i = 0; i < ocsp_req_count(r); i++)
		if (!ocsp_certid_matches(ocsp_req_certid(r, i), &ts->issuer)) {
			rc = error_answer(out, OCSP_ST_UNAUTHORIZED);
			goto out;
		}
	if (ocsp_req_count(r) == 1 && !ocsp_req_has_nonce(r) && ocsp_req_certid(r, 0)->canonical_alg)
		rc = answer_stored(c, ts, r, out);
	else
		rc = answer_on_demand(c, ts, r, out);
out:
	if (rc != TK_OK)
		buf_free(&out->der);
	ocsp_req_free(r);
	return rc;
}

/* Lower-case hex without colons, an even number of digits. */
static enum tk_err serial_norm(const char *in, char out[65])
{
	size_t n = 0;

	for (; *in; in++) {
		if (*in == ':')
			continue;
		if (!isxdigit((unsigned char)*in) || n >= 64)
			return tk_fail_code(TK_ERR_INVALID, "bad_serial", "serial must be 1 to 64 hex digits");
		out[n++] = (char)tolower((unsigned char)*in);
	}
	out[n] = '\0';
	if (n == 0 || n % 2 != 0)
		return tk_fail_code(TK_ERR_INVALID, "bad_serial", "serial must be an even number of hex digits");
	return TK_OK;
}

static enum tk_err refresh_one(struct svc_ctx *c, struct trust_state *ts, const char *serial)
{
	struct produced p, *pp = &p;
	size_t skipped = 0;
	int row = 0, had_sha256 = 0;
	enum tk_err rc;

	produced_init(&p);
	if ((rc = serial_norm(serial, p.serial)) != TK_OK)
		goto out;
	if ((rc = cert_row(c, ts->issuing_id, p.serial, &p.ci, &had_sha256, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_certificate", "ocsp: %s was not issued by the issuing CA", p.serial);
		goto out;
	}
	if ((rc = produce(ts, had_sha256, &p)) != TK_OK || (rc = store_produced(c, &pp, 1, &skipped)) != TK_OK)
		goto out;
	if (skipped)
		rc = tk_fail_code(TK_ERR_CONFLICT, "status_changed", "ocsp: %s changed status while its response was made", p.serial);
out:
	produced_free(&p);
	return rc;
}

enum tk_err trust_ocsp_refresh_serial(struct svc_ctx *c, const char *serial)
{
	struct trust_state *ts = NULL;
	enum tk_err rc;

	if ((rc = thread_state(c, 1, &ts)) != TK_OK || (rc = need_ocsp(c, ts)) != TK_OK)
		return rc;
	return refresh_one(c, ts, serial);
}

void trust_cert_changed(struct svc_ctx *c, const char *serial)
{
	struct trust_state tmp, *ts = NULL;
	struct certinfo ci;
	char hex[65];
	int found = 0;
	enum tk_err rc;

	memset(&tmp, 0, sizeof(tmp));
	if ((rc = serial_norm(serial, hex)) != TK_OK)
		goto out;
	cache_drop(c->inst, hex);
	/* A server thread reuses its signer; elsewhere (CLI) a temporary one leaves nothing cached behind. */
	if (thread_state(c, 0, &ts) != TK_OK || ts == NULL || ts->ocsp == NULL) {
		tmp.inst = c->inst;
		tmp.cfg = c->inst->cfg;
		ts = &tmp;
		rc = load_ocsp(c, ts);
	} else {
		rc = need_ocsp(c, ts);
	}
	if (rc != TK_OK)
		goto out;
	/* Issuance-time production may be switched off; status changes are always refreshed. */
	if (!ts->at_issuance && (rc = cert_lookup(c, ts->issuing_id, hex, &ci, &found)) == TK_OK && found &&
	    strcmp(ci.status, "valid") == 0)
		goto out;
	rc = refresh_one(c, ts, hex);
out:
	if (rc != TK_OK && rc != TK_ERR_NOT_FOUND)
		log_msg(LOG_WARN, "ocsp.refresh_failed", "serial %s: %s (requests will sign on demand)", serial, tk_errmsg());
	state_clear(&tmp);
	tk_clear_error();
}

enum tk_err trust_ocsp_refresh(struct svc_ctx *c, int force, struct trust_refresh_stats *out)
{
	struct trust_state *ts = NULL;
	struct store_stmt *s = NULL;
	struct produced batch[TRUST_REFRESH_BATCH], *ok[TRUST_REFRESH_BATCH];
	char last[65] = "", details[96];
	size_t i, n, nok, skipped;
	int64_t now = tk_now();
	int row;
	enum tk_err rc;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < TRUST_REFRESH_BATCH; i++)
		produced_init(&batch[i]);
	if ((rc = thread_state(c, 1, &ts)) != TK_OK || (rc = need_ocsp(c, ts)) != TK_OK)
		goto out;
	for (;;) {
		int sha256[TRUST_REFRESH_BATCH];
		if ((rc = store_prepare(c->st,
			 "SELECT c.serial, c.status, c.revoked_at, c.reason, CASE WHEN r.der_sha256 IS NULL THEN 0 ELSE 1 END FROM certs c"
			 " LEFT JOIN ocsp_responses r ON r.serial = c.serial"
			 " WHERE c.ca_id = ? AND c.not_after > ? AND c.serial > ? AND (? = 1 OR r.serial IS NULL"
			 " OR r.cert_status <> c.status OR r.this_update + (r.next_update - r.this_update) / 2 <= ?)"
			 " ORDER BY c.serial LIMIT ?",
			 &s)) != TK_OK ||
		    (rc = store_bind_i64(s, 1, ts->issuing_id)) != TK_OK || (rc = store_bind_i64(s, 2, now)) != TK_OK ||
		    (rc = store_bind_text(s, 3, last)) != TK_OK || (rc = store_bind_i64(s, 4, force ? 1 : 0)) != TK_OK ||
		    (rc = store_bind_i64(s, 5, now)) != TK_OK || (rc = store_bind_i64(s, 6, TRUST_REFRESH_BATCH)) != TK_OK)
			goto out;
		for (n = 0; n < TRUST_REFRESH_BATCH; n++) {
			if ((rc = store_step(s, &row)) != TK_OK)
				goto out;
			if (!row)
				break;
			buf_reset(&batch[n].sha1);
			buf_reset(&batch[n].sha256);
			if ((rc = str_copy(batch[n].serial, sizeof(batch[n].serial), store_col_text(s, 0))) != TK_OK ||
			    (rc = certinfo_read(s, 1, &batch[n].ci)) != TK_OK)
				goto out;
			sha256[n] = !store_col_null(s, 4) && store_col_i64(s, 4) != 0;
		}
		store_finalize(s);
		s = NULL;
		if (n == 0)
			break;
		/* Sign the batch with no transaction open, then write it in one. */
		for (i = 0, nok = 0; i < n; i++) {
			if (produce(ts, sha256[i], &batch[i]) == TK_OK) {
				ok[nok++] = &batch[i];
			} else {
				log_msg(LOG_WARN, "ocsp.refresh_failed", "serial %s: %s", batch[i].serial, tk_errmsg());
				out->failed++;
			}
		}
		if (nok > 0) {
			if ((rc = store_produced(c, ok, nok, &skipped)) != TK_OK)
				goto out;
			/* Skipped ones changed status meanwhile; the next run (or request) makes them. */
			out->refreshed += (int64_t)(nok - skipped);
		}
		if ((rc = str_copy(last, sizeof(last), batch[n - 1].serial)) != TK_OK)
			goto out;
		if (n < TRUST_REFRESH_BATCH)
			break;
	}
	/* The server runs this hourly on every node: an audit event only when something was done. */
	if (out->refreshed == 0 && out->failed == 0)
		goto out;
	if ((rc = str_fmt(details, sizeof(details), "{\"failed\":%lld,\"refreshed\":%lld}", (long long)out->failed,
		 (long long)out->refreshed)) != TK_OK)
		goto out;
	if ((rc = store_begin(c->st, STORE_TX_WRITE)) != TK_OK)
		goto out;
	if ((rc = audit_append(c, "ocsp.refresh", "issuing", details)) != TK_OK) {
		store_rollback(c->st);
		goto out;
	}
	rc = store_commit(c->st);
out:
	store_finalize(s);
	for (i = 0; i < TRUST_REFRESH_BATCH; i++)
		produced_free(&batch[i]);
	return rc;
}

/* Health and store-wide gauges (see monitor.h). */
#include "svc/monitor/monitor.h"
#include "config/config.h"
#include "svc/ca/ca.h"
#include "svc/jobs/jobs.h"
#include "store/store.h"

#include "log/log.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

enum tk_err monitor_health(struct svc_ctx *c, const char **failed)
{
	X509 *cert = NULL;
	struct key *k = NULL;
	enum tk_err rc;

	*failed = NULL;
	if ((rc = store_ping(c->st)) != TK_OK) {
		*failed = "store";
		return rc;
	}
	rc = ca_load(c, "issuing", NULL, &cert, &k);
	X509_free(cert);
	key_free(k);
	if (rc != TK_OK)
		*failed = "ca_keys";
	return rc;
}

enum tk_err monitor_gauges(struct svc_ctx *c, struct buf *out)
{
	static const struct {
		const char *name, *help, *sql;
	} gauges[] = {
		{ "teken_documents_signed_total", "Documents in the registry", "SELECT COUNT(*) FROM documents" },
		{ "teken_requests_pending", "Requests waiting for Verifikators", "SELECT COUNT(*) FROM requests WHERE status = 'pending'" },
		{ "teken_verifikators_active", "Active Verifikators (R9 needs at least 2)", "SELECT COUNT(*) FROM users WHERE role = 'verifikator' AND active = 1" },
		{ "teken_outbox_queued", "Notifications waiting for delivery", "SELECT COUNT(*) FROM outbox WHERE status = 'queued'" },
		{ "teken_audit_events_total", "Events in the audit chain", "SELECT seq FROM audit_head WHERE id = 1" },
	};
	static const char *const status[3] = { "valid", "revoked", "hold" };
	int64_t v;
	size_t i;
	enum tk_err rc;

	rc = buf_printf(out, "# HELP teken_certificates Certificates in the store by status\n# TYPE teken_certificates gauge\n");
	for (i = 0; rc == TK_OK && i < 3; i++)
		if ((rc = store_query_i64(c->st, "SELECT COUNT(*) FROM certs WHERE status = ?", status[i], &v)) == TK_OK)
			rc = buf_printf(out, "teken_certificates{status=\"%s\"} %lld\n", status[i], (long long)v);
	for (i = 0; rc == TK_OK && i < sizeof(gauges) / sizeof(gauges[0]); i++)
		if ((rc = store_query_i64(c->st, gauges[i].sql, NULL, &v)) == TK_OK)
			rc = buf_printf(out, "# HELP %s %s\n# TYPE %s gauge\n%s %lld\n", gauges[i].name, gauges[i].help, gauges[i].name, gauges[i].name,
			    (long long)v);
	return rc;
}

/* ---------------------------------------------------------------- readiness */

/* Store and key checks cost a commit and four signatures: one evaluation serves every probe for this long. */
#define READY_CACHE_S 5
#define READY_KEYS 4

/* The keys serving needs. Not the root: the CPS lets it be kept offline, and a probe is no use for a CA key. */
static const char *const ready_key_names[READY_KEYS] = { "issuing", "seal", "tsa", "ocsp" };

/* The last evaluation of the expensive checks, shared by the serving threads. */
static pthread_mutex_t ready_lock = PTHREAD_MUTEX_INITIALIZER;      /* guards the cache below */
static pthread_mutex_t ready_eval_lock = PTHREAD_MUTEX_INITIALIZER; /* one evaluation at a time */
static int ready_have;
static int64_t ready_at; /* CLOCK_MONOTONIC seconds */
static int ready_store_ok, ready_keys_ok;
static const char *ready_key_failed;

struct ready_result {
	int store_ok, keys_ok;
	const char *key_failed; /* static name of the first key that did not sign */
	char jobs[64];          /* "ok", "external", "not checked", "stuck: <job>" */
	int jobs_ok;
};

static enum tk_err probe_write(struct svc_ctx *c, void *arg)
{
	struct store_stmt *s = NULL;
	char v[24];
	int row = 0;
	enum tk_err rc;

	(void)arg;
	/* A committed one-row heartbeat: the write lock, the WAL (or PostgreSQL's) append and its
	 * fsync all happen, so a full disk or a read-only store shows; no audit event, nothing changed. */
	if ((rc = str_fmt(v, sizeof(v), "%lld", (long long)tk_now())) != TK_OK)
		return rc;
	if ((rc = store_prepare(c->st, "INSERT INTO meta (key, value) VALUES ('readyz.probe', ?)"
				       " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
		 &s)) == TK_OK &&
	    (rc = store_bind_text(s, 1, v)) == TK_OK)
		rc = store_step(s, &row);
	store_finalize(s);
	return rc;
}

/* Signs a fixed digest with the named key (a CA's current key, or a service key by name). */
static enum tk_err key_probe(struct svc_ctx *c, const char *name)
{
	static const uint8_t tbs[32] = "teken readiness probe, not data";
	struct key *k = NULL;
	X509 *cert = NULL;
	struct buf sig;
	enum tk_err rc;

	buf_init(&sig, 8192);
	if (strcmp(name, "issuing") == 0)
		rc = ca_load(c, name, NULL, &cert, &k);
	else
		rc = svc_key_load(c, name, &k);
	if (rc == TK_OK)
		rc = key_sign(k, EVP_sha256(), 0, tbs, sizeof(tbs), &sig);
	if (rc == TK_OK && sig.len == 0)
		rc = tk_fail(TK_ERR_CRYPTO, "key %s: empty signature", name);
	buf_free(&sig);
	X509_free(cert);
	key_free(k);
	return rc;
}

/* Fills r from the last evaluation when there is one younger than max_age seconds; 1 when it did. */
static int ready_last(struct ready_result *r, int64_t max_age)
{
	int have;

	pthread_mutex_lock(&ready_lock);
	have = ready_have && jobs_monotonic_s() - ready_at < max_age;
	if (have) {
		r->store_ok = ready_store_ok;
		r->keys_ok = ready_keys_ok;
		r->key_failed = ready_key_failed;
	}
	pthread_mutex_unlock(&ready_lock);
	return have;
}

static void ready_expensive(struct svc_ctx *c, struct ready_result *r)
{
	size_t i;

	if (ready_last(r, READY_CACHE_S))
		return;
	/* A probe storm while the store hangs: one probe waits for it, the others answer from the last result. */
	if (pthread_mutex_trylock(&ready_eval_lock) != 0) {
		if (ready_last(r, INT64_MAX))
			return;
		pthread_mutex_lock(&ready_eval_lock);
	}
	r->store_ok = svc_in_tx(c, probe_write, NULL) == TK_OK;
	if (!r->store_ok)
		log_msg(LOG_WARN, "readyz.store", "%s", tk_errmsg());
	r->keys_ok = 1;
	r->key_failed = NULL;
	for (i = 0; i < READY_KEYS && r->keys_ok; i++)
		if (key_probe(c, ready_key_names[i]) != TK_OK) {
			log_msg(LOG_WARN, "readyz.keys", "%s", tk_errmsg());
			r->keys_ok = 0;
			r->key_failed = ready_key_names[i];
		}
	pthread_mutex_lock(&ready_lock);
	ready_have = 1;
	ready_at = jobs_monotonic_s();
	ready_store_ok = r->store_ok;
	ready_keys_ok = r->keys_ok;
	ready_key_failed = r->key_failed;
	pthread_mutex_unlock(&ready_lock);
	pthread_mutex_unlock(&ready_eval_lock);
	tk_clear_error();
}

/* Jobs: this process's thread when it has one, else the last pass any node recorded in the store. */
static void ready_jobs(struct svc_ctx *c, struct ready_result *r)
{
	struct jobs_progress p[JOBS_MAX];
	size_t n = 0;
	int in_process = 0, found = 0;
	int64_t at = 0;
	uint64_t max_age = 0;

	jobs_progress(p, &n, &in_process);
	r->jobs_ok = 1;
	if (in_process) {
		int worst = jobs_stuck(p, n, jobs_monotonic_s());
		if (worst < 0) {
			snprintf(r->jobs, sizeof(r->jobs), "%s", "ok");
		} else {
			r->jobs_ok = 0;
			snprintf(r->jobs, sizeof(r->jobs), "stuck: %s", p[worst].name);
		}
		return;
	}
	/* Deployments that run the jobs from cron with the CLI (no record) set 0: nothing to check. */
	if (config_get_u64(instance_config(c->inst), "http", "ready_jobs_max_age", JOBS_STUCK_PERIODS * JOBS_PASS_S + JOBS_STUCK_SLACK_S,
		INT64_MAX, &max_age) != TK_OK) {
		log_msg(LOG_WARN, "readyz.jobs", "%s", tk_errmsg());
		max_age = JOBS_STUCK_PERIODS * JOBS_PASS_S + JOBS_STUCK_SLACK_S;
	}
	if (max_age == 0 || jobs_last_run(c, &at, &found) != TK_OK || !found) {
		/* No node has recorded a pass (or the store cannot say; the store check reports that). */
		tk_clear_error();
		snprintf(r->jobs, sizeof(r->jobs), "%s", "not checked");
		return;
	}
	if (tk_now() - at > (int64_t)max_age) {
		r->jobs_ok = 0;
		snprintf(r->jobs, sizeof(r->jobs), "stuck: external, last pass %lld s ago", (long long)(tk_now() - at));
		return;
	}
	snprintf(r->jobs, sizeof(r->jobs), "%s", "external");
}

static void ready_eval(struct svc_ctx *c, struct ready_result *r)
{
	memset(r, 0, sizeof(*r));
	ready_expensive(c, r);
	ready_jobs(c, r);
}

enum tk_err monitor_ready(struct svc_ctx *c, int *ready, char **out)
{
	struct ready_result r;
	char keys[48];
	json_t *failed, *doc;

	*out = NULL;
	ready_eval(c, &r);
	*ready = r.store_ok && r.keys_ok && r.jobs_ok;
	if (r.keys_ok)
		snprintf(keys, sizeof(keys), "%s", "ok");
	else
		snprintf(keys, sizeof(keys), "fail: %s", r.key_failed ? r.key_failed : "?");
	failed = json_array();
	if (failed != NULL && !r.store_ok)
		json_array_append_new(failed, json_string("store"));
	if (failed != NULL && !r.keys_ok)
		json_array_append_new(failed, json_string("keys"));
	if (failed != NULL && !r.jobs_ok)
		json_array_append_new(failed, json_string("jobs"));
	doc = json_pack("{s:s, s:{s:s, s:s, s:s}, s:o}", "status", *ready ? "ready" : "not_ready", "checks", "store",
	    r.store_ok ? "ok" : "fail", "keys", keys, "jobs", r.jobs, "failed", failed);
	if (doc == NULL || (*out = json_dumps(doc, JSON_COMPACT)) == NULL) {
		json_decref(doc);
		return tk_fail(TK_ERR_NOMEM, "monitor: out of memory");
	}
	json_decref(doc);
	return TK_OK;
}

enum tk_err monitor_ready_metrics(struct svc_ctx *c, struct buf *out)
{
	struct jobs_progress p[JOBS_MAX];
	struct ready_result r;
	size_t n = 0, i;
	int in_process = 0;
	enum tk_err rc;

	ready_eval(c, &r);
	rc = buf_printf(out,
	    "# HELP teken_ready Readiness as /readyz reports it: 1 ready, 0 not, overall and per check\n# TYPE teken_ready gauge\n"
	    "teken_ready %d\nteken_ready{check=\"store\"} %d\nteken_ready{check=\"keys\"} %d\nteken_ready{check=\"jobs\"} %d\n",
	    r.store_ok && r.keys_ok && r.jobs_ok, r.store_ok, r.keys_ok, r.jobs_ok);
	jobs_progress(p, &n, &in_process);
	if (rc == TK_OK && n > 0)
		rc = buf_printf(out, "# HELP teken_job_last_success_seconds Unix time of each periodic job's last successful run in this process"
				     " (0: none yet)\n# TYPE teken_job_last_success_seconds gauge\n");
	for (i = 0; rc == TK_OK && i < n; i++)
		rc = buf_printf(out, "teken_job_last_success_seconds{job=\"%s\"} %lld\n", p[i].name, (long long)p[i].last_ok);
	return rc;
}

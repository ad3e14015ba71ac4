/*
 * Periodic jobs of a running instance: deliver mail, queue expiry
 * reminders, keep CRLs and OCSP responses fresh, sign audit checkpoints when due.
 * Every job is safe to run on several nodes at once (idempotent or claimed
 * row by row), so `teken serve` runs them on every node.
 */
#include "svc/agreement/agreement.h"
#include "svc/assess/assess.h"
#include "svc/audit/audit.h"
#include "svc/auth/auth.h"
#include "svc/base/base.h"
#include "svc/ca/ca.h"
#include "svc/jobs/jobs.h"
#include "svc/letter/letter.h"
#include "svc/monev/monev.h"
#include "svc/notice/notice.h"
#include "svc/notify/notify.h"
#include "svc/report/report.h"
#include "svc/sign/sign.h"
#include "svc/policy/policy.h"
#include "svc/trust/trust.h"
#include "store/store.h"

#include "log/log.h"

#include <pthread.h>
#include <string.h>
#include <time.h>

#define JOBS_META_KEY "jobs.last_run"

enum { J_NOTIFY,
	J_WEBHOOKS,
	J_FILES,
	J_REMINDERS,
	J_CRL,
	J_OCSP,
	J_LOGINS,
	J_AUDIT,
	J_COUNT };

_Static_assert(J_COUNT <= JOBS_MAX, "jobs_progress() copies every job into JOBS_MAX entries");

/* This process's one jobs thread writes; request threads read (under lock). */
static pthread_mutex_t progress_lock = PTHREAD_MUTEX_INITIALIZER;
static int progress_started;
static struct jobs_progress progress[J_COUNT] = {
	{ "notify", JOBS_PASS_S, 0, 0, 0, 0 },
	{ "webhooks", JOBS_PASS_S, 0, 0, 0, 0 },
	{ "files", JOBS_PASS_S, 0, 0, 0, 0 },
	{ "reminders", 3600, 0, 0, 0, 0 },
	{ "crl", 3600, 0, 0, 0, 0 },
	{ "ocsp", 3600, 0, 0, 0, 0 },
	{ "logins", 3600, 0, 0, 0, 0 },
	{ "audit", JOBS_PASS_S, 0, 0, 0, 0 },
};

int64_t jobs_monotonic_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec;
}

void jobs_progress_start(void)
{
	size_t i;

	pthread_mutex_lock(&progress_lock);
	progress_started = 1;
	for (i = 0; i < J_COUNT; i++)
		progress[i].last_done = jobs_monotonic_s();
	pthread_mutex_unlock(&progress_lock);
}

void jobs_progress(struct jobs_progress out[JOBS_MAX], size_t *n, int *in_process)
{
	pthread_mutex_lock(&progress_lock);
	*in_process = progress_started;
	*n = progress_started ? J_COUNT : 0;
	memcpy(out, progress, sizeof(progress));
	pthread_mutex_unlock(&progress_lock);
}

int jobs_stuck(const struct jobs_progress *p, size_t n, int64_t now)
{
	int64_t late = 0;
	size_t i;
	int worst = -1;

	for (i = 0; i < n; i++)
		if (p[i].running)
			return now - p[i].started > JOBS_STUCK_PERIODS * p[i].period + JOBS_STUCK_SLACK_S ? (int)i : -1;
	for (i = 0; i < n; i++) {
		int64_t over = now - p[i].last_done - (JOBS_STUCK_PERIODS * p[i].period + JOBS_STUCK_SLACK_S);
		if (over > 0 && (worst < 0 || over > late)) {
			worst = (int)i;
			late = over;
		}
	}
	return worst;
}

static void job_begin(int j)
{
	pthread_mutex_lock(&progress_lock);
	progress[j].running = 1;
	progress[j].started = jobs_monotonic_s();
	pthread_mutex_unlock(&progress_lock);
}

/* A job returned: ok when it did its work (now: its tk_now()). */
static void job_end(int j, int64_t now, int ok)
{
	pthread_mutex_lock(&progress_lock);
	progress[j].running = 0;
	progress[j].last_done = jobs_monotonic_s();
	if (ok)
		progress[j].last_ok = now;
	pthread_mutex_unlock(&progress_lock);
}

static enum tk_err record_run(struct svc_ctx *c, void *arg)
{
	char v[24];
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	if ((rc = str_fmt(v, sizeof(v), "%lld", (long long)*(const int64_t *)arg)) != TK_OK)
		return rc;
	if ((rc = store_prepare(c->st, "INSERT INTO meta (key, value) VALUES ('" JOBS_META_KEY "', ?)"
				       " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
		 &s)) == TK_OK &&
	    (rc = store_bind_text(s, 1, v)) == TK_OK)
		rc = store_step(s, &row);
	store_finalize(s);
	return rc;
}

enum tk_err jobs_last_run(struct svc_ctx *c, int64_t *at, int *found)
{
	struct store_stmt *s = NULL;
	int row = 0;
	uint64_t v = 0;
	enum tk_err rc;

	*found = 0;
	*at = 0;
	if ((rc = store_prepare(c->st, "SELECT value FROM meta WHERE key = '" JOBS_META_KEY "'", &s)) != TK_OK)
		return rc;
	if ((rc = store_step(s, &row)) == TK_OK && row) {
		/* A value that is no number is no record. */
		if (parse_u64_str(store_col_text(s, 0), INT64_MAX, &v) == TK_OK) {
			*at = (int64_t)v;
			*found = 1;
		} else {
			tk_clear_error();
		}
	}
	store_finalize(s);
	return rc;
}

/* Logs a job's failure under event; returns rc. */
static enum tk_err job_warn(enum tk_err rc, const char *event)
{
	log_msg(LOG_WARN, event, "%s", tk_errmsg());
	return rc;
}

/* Ends job j: logs a failure under event; ok runs go on to their own info line. */
static int job_done(int j, int64_t now, enum tk_err rc, const char *event)
{
	if (rc != TK_OK)
		log_msg(LOG_WARN, event, "%s", tk_errmsg());
	job_end(j, now, rc == TK_OK);
	return rc == TK_OK;
}

enum tk_err jobs_run(struct svc_ctx *c, int64_t now, struct jobs_state *js)
{
	int sent = 0, failed = 0, queued = 0;
	struct buf crl;
	int64_t tu, nu;
	struct trust_refresh_stats ts;

	/* Each job reports its own failure and the others still run. */
	job_begin(J_NOTIFY);
	if (job_done(J_NOTIFY, now, notify_deliver(c, &sent, &failed), "jobs.notify") && sent + failed > 0)
		log_msg(LOG_INFO, "jobs.notify", "sent %d, failed %d", sent, failed);
	/* Change-notice webhooks (R13): due deliveries and retries, claimed one by one. */
	job_begin(J_WEBHOOKS);
	if (job_done(J_WEBHOOKS, now, notice_deliver(c, &sent, &failed), "jobs.webhooks") && sent + failed > 0)
		log_msg(LOG_INFO, "jobs.webhooks", "delivered %d, failed %d", sent, failed);
	/* Signed files kept for a download window (an application's single-use copy, an official's
	 * copy for [sign] keep_days) are deleted once it has passed. */
	{
		int64_t purged = 0;
		job_begin(J_FILES);
		if (job_done(J_FILES, now, sign_purge_files(c, now, &purged), "jobs.files") && purged > 0)
			log_msg(LOG_INFO, "jobs.files", "deleted %lld kept signed files past their time", (long long)purged);
	}
	if (now - js->last_hourly >= 3600) {
		enum tk_err worst = TK_OK, rc;
		js->last_hourly = now;
		job_begin(J_REMINDERS);
		if ((rc = notify_expiry_reminders(c, &queued)) != TK_OK)
			worst = job_warn(rc, "jobs.reminders");
		else if (queued > 0)
			log_msg(LOG_INFO, "jobs.reminders", "queued %d expiry reminders", queued);
		/* Monitoring and evaluation: the yearly evaluation and overdue follow-up actions (once each). */
		if ((rc = monev_reminders(c, &queued)) != TK_OK)
			worst = job_warn(rc, "jobs.monev");
		else if (queued > 0)
			log_msg(LOG_INFO, "jobs.monev", "queued %d monitoring and evaluation reminders", queued);
		/* Letters waiting past their reply_due for acknowledgement or answer (once each). */
		if ((rc = letter_reminders(c, &queued)) != TK_OK)
			worst = job_warn(rc, "jobs.letter");
		else if (queued > 0)
			log_msg(LOG_INFO, "jobs.letter", "queued %d letter reminders", queued);
		/* The yearly usage report to the issuer (R7): due soon, then overdue (once each). */
		if ((rc = report_reminders(c, &queued)) != TK_OK)
			worst = job_warn(rc, "jobs.report");
		else if (queued > 0)
			log_msg(LOG_INFO, "jobs.report", "queued %d usage report reminders", queued);
		/* Security-assessment requests past their due date (once each). */
		if ((rc = assess_reminders(c, &queued)) != TK_OK)
			worst = job_warn(rc, "jobs.assess");
		else if (queued > 0)
			log_msg(LOG_INFO, "jobs.assess", "queued %d overdue security-assessment reminders", queued);
		/* Recommendations of the issuer past their due date (once each). */
		if ((rc = reco_reminders(c, &queued)) != TK_OK)
			worst = job_warn(rc, "jobs.reco");
		else if (queued > 0)
			log_msg(LOG_INFO, "jobs.reco", "queued %d overdue recommendation reminders", queued);
		/* The agreement's end and renewal window, and contact changes not yet notified (once each). */
		if ((rc = agreement_reminders(c, &queued)) != TK_OK)
			worst = job_warn(rc, "jobs.agreement");
		else if (queued > 0)
			log_msg(LOG_INFO, "jobs.agreement", "queued %d agreement reminders", queued);
		job_end(J_REMINDERS, now, worst == TK_OK);
		job_begin(J_CRL);
		worst = TK_OK;
		buf_init(&crl, (size_t)1 << 31);
		if ((rc = ca_crl_current(c, "issuing", &crl, &tu, &nu)) != TK_OK)
			worst = job_warn(rc, "jobs.crl");
		buf_reset(&crl);
		if ((rc = ca_crl_current(c, "root", &crl, &tu, &nu)) != TK_OK)
			worst = job_warn(rc, "jobs.crl");
		buf_free(&crl);
		job_end(J_CRL, now, worst == TK_OK);
		memset(&ts, 0, sizeof(ts));
		job_begin(J_OCSP);
		(void)job_done(J_OCSP, now, trust_ocsp_refresh(c, 0, &ts), "jobs.ocsp");
		{
			/* Throttling rows of names nobody tried for a lock window. */
			int64_t purged = 0;
			job_begin(J_LOGINS);
			if (job_done(J_LOGINS, now, auth_purge_failures(c, now, &purged), "jobs.logins") && purged > 0)
				log_msg(LOG_INFO, "jobs.logins", "purged %lld stale login failure rows", (long long)purged);
		}
	}
	if (now - js->last_audit >= 60) {
		int64_t seq = 0;
		js->last_audit = now;
		/* At least every [audit] checkpoint_seconds when events happened, and a
		 * catch-up when an inline every-N-events checkpoint could not be made
		 * (first checkpoint of an upgraded instance makes the audit key). */
		job_begin(J_AUDIT);
		if (job_done(J_AUDIT, now, audit_checkpoint_due(c, now, &seq), "jobs.audit") && seq > 0)
			log_msg(LOG_INFO, "jobs.audit", "signed checkpoint at event %lld", (long long)seq);
	} else {
		/* Not due in this pass: nothing was owed, so it is not late either. */
		job_begin(J_AUDIT);
		job_end(J_AUDIT, now, 0);
	}
	/* The heartbeat nodes without jobs (`serve --no-jobs`) read for their readiness. */
	if (svc_in_tx(c, record_run, &now) != TK_OK)
		log_msg(LOG_WARN, "jobs", "cannot record the pass: %s", tk_errmsg());
	return TK_OK;
}

/* svc/jobs: periodic jobs of a serving node. */
#ifndef TEKEN_SVC_JOBS_H
#define TEKEN_SVC_JOBS_H

#include "svc/base/base.h"

/* ---- periodic jobs (svc/jobs.c) ---- */

struct jobs_state {
	int64_t last_hourly; /* reminders, CRL and OCSP freshness */
	int64_t last_audit;  /* last check for a due audit checkpoint (audit_checkpoint_due) */
};
/*
 * Runs what is due at now; failures are logged, never fatal. Each job's
 * progress is noted for jobs_progress(), and a pass that ends records its
 * time in the store (meta 'jobs.last_run'; no audit event: it is a
 * heartbeat, not a change of anything) for nodes that run no jobs.
 */
enum tk_err jobs_run(struct svc_ctx *c, int64_t now, struct jobs_state *js) WARN_UNUSED;

/* ---- progress, for readiness (/readyz) and /metrics ---- */

/* A job counts as stuck once it has not completed (well or not) for this many periods, plus JOBS_STUCK_SLACK_S. */
#define JOBS_STUCK_PERIODS 3
#define JOBS_STUCK_SLACK_S 30
/* How often a pass of the jobs runs (the minute jobs' period). */
#define JOBS_PASS_S 60
#define JOBS_MAX 8

struct jobs_progress {
	const char *name;  /* "notify", "webhooks", "files", "reminders", "crl", "ocsp", "logins", "audit" */
	int64_t period;    /* seconds */
	int64_t last_done; /* CLOCK_MONOTONIC seconds of its last completion (or of jobs_progress_start) */
	int64_t last_ok;   /* tk_now() of its last successful run; 0: none yet */
	int running;       /* started and not yet completed */
	int64_t started;   /* CLOCK_MONOTONIC seconds when the running job started */
};

/* The jobs thread of this process says it runs (once, before its first pass). */
void jobs_progress_start(void);
/*
 * Copies this process's job progress into out (JOBS_MAX entries) and sets
 * *n; *in_process is 0 (and *n 0) when no jobs thread runs here
 * (`teken serve --no-jobs`). Thread-safe.
 */
void jobs_progress(struct jobs_progress out[JOBS_MAX], size_t *n, int *in_process);
/*
 * The job to name as stuck at monotonic time now. The jobs run one after
 * another on one thread, so while a job runs within its own budget
 * (JOBS_STUCK_PERIODS of its periods plus JOBS_STUCK_SLACK_S from its start)
 * the others only wait and nothing is stuck; a running job over its budget
 * is the one that hangs. With none running, a job is late when it has not
 * completed for its budget (the thread is gone or hangs between jobs); the
 * latest is named. Returns its index, or -1 when none is stuck.
 */
int jobs_stuck(const struct jobs_progress *p, size_t n, int64_t now);
/* Seconds of CLOCK_MONOTONIC, the clock of last_done. */
int64_t jobs_monotonic_s(void);
/* The store's record of the last completed pass on any node (meta 'jobs.last_run'); *found 0 when none. */
enum tk_err jobs_last_run(struct svc_ctx *c, int64_t *at, int *found) WARN_UNUSED;

#endif

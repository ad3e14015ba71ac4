/* svc/jobs: periodic jobs of a serving node. */
#ifndef TEKEN_SVC_JOBS_H
#define TEKEN_SVC_JOBS_H

#include "svc/base/base.h"

/* ---- periodic jobs (svc/jobs.c) ---- */

struct jobs_state {
	int64_t last_hourly; /* reminders, CRL and OCSP freshness */
	int64_t last_audit;  /* last check for a due audit checkpoint (audit_checkpoint_due) */
};
/* Runs what is due at now; failures are logged, never fatal. */
enum tk_err jobs_run(struct svc_ctx *c, int64_t now, struct jobs_state *js) WARN_UNUSED;

#endif

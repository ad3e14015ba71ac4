/*
 * svc/monitor: what the instance says about its own health and load, for
 * probes (/healthz) and Prometheus (/metrics). Monitoring and evaluation
 * (R17) builds on it. Public routes: nothing here names a person.
 */
#ifndef TEKEN_SVC_MONITOR_H
#define TEKEN_SVC_MONITOR_H

#include "svc/base/base.h"

/*
 * Liveness: the store answers and the issuing CA's key loads. On failure
 * *failed names the check ("store", "ca_keys") and the error is returned.
 */
enum tk_err monitor_health(struct svc_ctx *c, const char **failed) WARN_UNUSED;

/*
 * Readiness (/readyz): the store takes a committed write (a heartbeat row,
 * no audit event), every online key (issuing and root CA, seal, TSA, OCSP)
 * signs a fixed digest, and the periodic jobs are not stuck (this process's
 * jobs thread: each job completed within JOBS_STUCK_PERIODS of its period;
 * under `serve --no-jobs`: the last pass any node recorded, "external", or
 * "not checked" when none has). Store and key results are kept for a few
 * seconds so a probe storm costs one commit and five signatures. *ready is
 * 1 when all pass; *out is the JSON
 *   {"status":"ready"|"not_ready","checks":{"store":..,"keys":..,"jobs":..},"failed":[names]}
 * (caller frees with free()). Details go to the log, never into *out.
 */
enum tk_err monitor_ready(struct svc_ctx *c, int *ready, char **out) WARN_UNUSED;
/* Appends teken_ready (overall and per check) and each job's last success, Prometheus text format. */
enum tk_err monitor_ready_metrics(struct svc_ctx *c, struct buf *out) WARN_UNUSED;

/* Appends the store-wide gauges in Prometheus text format 0.0.4 (HELP, TYPE, value lines). */
enum tk_err monitor_gauges(struct svc_ctx *c, struct buf *out) WARN_UNUSED;

#endif

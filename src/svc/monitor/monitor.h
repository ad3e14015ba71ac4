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

/* Appends the store-wide gauges in Prometheus text format 0.0.4 (HELP, TYPE, value lines). */
enum tk_err monitor_gauges(struct svc_ctx *c, struct buf *out) WARN_UNUSED;

#endif

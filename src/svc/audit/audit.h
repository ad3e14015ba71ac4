/* svc/audit: the hash-chained audit log and its signed checkpoints. */
#ifndef TEKEN_SVC_AUDIT_H
#define TEKEN_SVC_AUDIT_H

#include "svc/base/base.h"

/* ---- audit log (svc/audit.c) ---- */

/*
 * Appends an event to the hash chain. Must run inside a write transaction
 * so the event commits or rolls back with the change it records.
 * details is a JSON object text (or NULL) and must hold no secret.
 */
enum tk_err audit_append(struct svc_ctx *c, const char *action, const char *object, const char *details) WARN_UNUSED;

struct audit_report {
	int64_t events;
	int64_t checkpoints;
	int64_t first_bad_seq; /* 0 when the chain is intact */
	char problem[256];
};
/* Recomputes the chain and checks signed checkpoints; r->first_bad_seq != 0 on damage. */
enum tk_err audit_verify(struct svc_ctx *c, struct audit_report *r) WARN_UNUSED;
/* Signs the current chain tip with the seal key and stores the checkpoint. */
enum tk_err audit_checkpoint(struct svc_ctx *c, int64_t *seq) WARN_UNUSED;

#endif

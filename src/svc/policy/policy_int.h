/* Private to src/svc/policy: helpers shared by policy.c and policy_reco.c. */
#ifndef TEKEN_SVC_POLICY_INT_H
#define TEKEN_SVC_POLICY_INT_H

#include "svc/policy/policy.h"

/* Is the caller a logged-in person of this role? */
int pol_is_person(const struct svc_ctx *c, const char *role);
/* Admins, auditors (people) and the operator may read; TK_ERR_DENIED otherwise (what names the register). */
enum tk_err pol_read_allowed(const struct svc_ctx *c, const char *what) WARN_UNUSED;
/*
 * An optional (required = 0) or required string member of in within max
 * bytes, no NUL; *out NULL when absent. Required ones must not be empty.
 */
/* audit_append with details as JSON (stolen); object "<kind>:<id>". */
enum tk_err pol_audit(struct svc_ctx *c, const char *action, const char *kind, int64_t id, json_t *details) WARN_UNUSED;

#endif

/*
 * Private to src/svc/audit: the chain hash, shared by the log itself
 * (audit.c: append, verify) and the audit browser (audit_query.c), so both
 * compute it from one definition.
 */
#ifndef TEKEN_SVC_AUDIT_INT_H
#define TEKEN_SVC_AUDIT_INT_H

#include "core/core.h"

/* prev_hash of the first event. */
#define AUDIT_ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"

/* One event's hashed fields; the strings are borrowed. */
struct audit_row {
	int64_t seq, ts;
	const char *actor, *role, *action, *object, *ip, *details, *prev;
};

/*
 * The event's chain hash (audit.c head comment gives the layout) as 64
 * lowercase hex digits and a NUL in out.
 */
enum tk_err audit_chain_hash(const struct audit_row *r, char out[65]) WARN_UNUSED;

#endif

/* Private to src/svc/support: helpers shared by its files. */
#ifndef TEKEN_SVC_SUPPORT_INT_H
#define TEKEN_SVC_SUPPORT_INT_H

#include "svc/support/support.h"

/* Dumps j (stolen) into *out; caller frees. */
enum tk_err support_dump(json_t *j, char **out) WARN_UNUSED;
/* Is the caller on the issuer's side (a person with role auditor)? */
int support_is_issuer(const struct svc_ctx *c);
/* Does the caller see every ticket (auditors, admins, the operator)? */
int support_sees_all(const struct svc_ctx *c);

#endif

/* Private to src/svc/support: helpers shared by its files. */
#ifndef TEKEN_SVC_SUPPORT_INT_H
#define TEKEN_SVC_SUPPORT_INT_H

#include "svc/support/support.h"
#include "svc/base/base_int.h" /* svc_json_dump */

/* Is the caller on the issuer's side (a person with role auditor)? */
int support_is_issuer(const struct svc_ctx *c);
/* Does the caller see every ticket (auditors, admins, the operator)? */
int support_sees_all(const struct svc_ctx *c);

#endif

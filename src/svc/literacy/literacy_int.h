/* Private to src/svc/literacy: helpers shared by its files. */
#ifndef TEKEN_SVC_LITERACY_INT_H
#define TEKEN_SVC_LITERACY_INT_H

#include "svc/literacy/literacy.h"

/* Admins, auditors (people) and the CLI operator. */
int lit_is_staff(const struct svc_ctx *c);

#endif

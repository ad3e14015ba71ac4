/* Private to src/svc/agreement: helpers shared by its files. */
#ifndef TEKEN_SVC_AGREEMENT_INT_H
#define TEKEN_SVC_AGREEMENT_INT_H

#include "svc/agreement/agreement.h"

/* Admins, auditors (people) and the CLI operator; TK_ERR_DENIED (forbidden) otherwise. */
enum tk_err agreement_may_read(const struct svc_ctx *c) WARN_UNUSED;
/* Admins and the operator (the ministry keeps the register and runs its reminders). */
enum tk_err agreement_may_manage(const struct svc_ctx *c) WARN_UNUSED;
/* Appends audit event action on "agreement:<id>" with details (released; NULL is out of memory). */
enum tk_err agreement_audit(struct svc_ctx *c, const char *action, int64_t id, json_t *details) WARN_UNUSED;
/* The last day of a term of months from signed_day: signed_day + months - 1 day. */
int64_t agreement_term_end(int64_t signed_day, int months);

#endif

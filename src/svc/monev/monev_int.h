/* Private to src/svc/monev: helpers shared by its files. */
#ifndef TEKEN_SVC_MONEV_INT_H
#define TEKEN_SVC_MONEV_INT_H

#include "svc/monev/monev.h"

/* Admins, auditors (people) and the CLI operator; TK_ERR_DENIED otherwise. */
enum tk_err monev_allowed(const struct svc_ctx *c) WARN_UNUSED;
/* The evaluation as JSON (record, participants, actions, signatures). Caller decrefs. */
enum tk_err monev_record_json(struct svc_ctx *c, int64_t id, json_t **out) WARN_UNUSED;

#endif

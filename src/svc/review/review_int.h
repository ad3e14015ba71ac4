/* Private to src/svc/review: helpers shared by its files. */
#ifndef TEKEN_SVC_REVIEW_INT_H
#define TEKEN_SVC_REVIEW_INT_H

#include "svc/review/review.h"

#define REVIEW_WIB_OFFSET (7 * 3600)

/* Who may do what (docs/review.md "Roles"). */
enum review_may {
	REVIEW_READ,     /* admins, auditors */
	REVIEW_MINISTRY, /* admins: answer, evidence, submit, load an instrument */
	REVIEW_ISSUER,   /* auditors: open, score, close, signed report */
};
/* TK_OK when c->actor may (the CLI operator may everything); TK_ERR_DENIED otherwise. */
enum tk_err review_allowed(const struct svc_ctx *c, enum review_may what) WARN_UNUSED;

/*
 * The instrument of version (0: the newest; the shipped default is stored
 * as version 1 first when none is). *doc: the parsed, checked body (caller
 * decrefs); *ver and sha its version and SHA-256.
 */
enum tk_err review_instr_load(struct svc_ctx *c, int64_t version, json_t **doc, int64_t *ver, char sha[65]) WARN_UNUSED;
/* The indicator named id in doc, or NULL (borrowed). */
json_t *review_instr_indicator(json_t *doc, const char *id);
/* The scale {min, max, levels} of indicator ind (borrowed; checked at load). */
json_t *review_instr_scale(json_t *doc, json_t *ind);

/* 1 when id is one of the automatic indicators teken computes. */
int review_auto_known(const char *id);
/* Computes automatic indicator id: *pass 1/0, *evidence a JSON object (caller decrefs). */
enum tk_err review_auto_eval(struct svc_ctx *c, const char *id, int *pass, json_t **evidence) WARN_UNUSED;

/* The whole review as JSON (review_get's answer): record, instrument, indicators, recommendations. Caller decrefs. */
enum tk_err review_record_json(struct svc_ctx *c, int64_t id, json_t **out) WARN_UNUSED;
/* The WIB calendar year of a UTC time. */
int review_wib_year(int64_t t);
/* Round half up of num/den for num >= 0, den > 0. */
int64_t review_div_round(int64_t num, int64_t den);

#endif

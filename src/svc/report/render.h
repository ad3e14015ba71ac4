/*
 * Private to the usage-report renderers (render_csv.c, render_xlsx.c,
 * render_pdf.c): the report's tables as docs/reports.md defines them, and
 * one check of a report's JSON that every renderer runs first, so each can
 * then read the JSON without testing every type again.
 */
#ifndef TEKEN_SVC_REPORT_RENDER_H
#define TEKEN_SVC_REPORT_RENDER_H

#include "core/core.h"

#include <jansson.h>

#define REPORT_MAX_ROWS 10000u              /* rows of by_unit, by_application, verifikators */
#define REPORT_MAX_BREAKDOWN 1000u          /* entries of revoked_by_reason, signing_failures_by_cause */
#define REPORT_MAX_NAME 1024u               /* bytes of a unit, application, verifikator, reason or cause name */
#define REPORT_MAX_COUNT 9007199254740992LL /* 2^53: exact in a spreadsheet's doubles */
#define REPORT_MAX_COLS 64u                 /* figures of a row (documented and added ones) */

/* The figures of every row in docs/reports.md order. */
extern const char *const report_row_keys[];
extern const size_t report_row_nkeys;
/* The one figure that is not a count (a median in seconds, null without decisions). */
#define REPORT_MEDIAN_KEY "verifikator_median_decision_seconds"

/*
 * The columns of the report's rows: the documented figures in their order,
 * then any other figure the report's totals row carries (a later schema-1
 * report may add keys), sorted by name.
 */
struct report_cols {
	const char *key[REPORT_MAX_COLS];
	size_t n;
};

/*
 * Checks rep against docs/reports.md (schema 1): every key there with its
 * type, 12 months in order, every row with every figure (counts are
 * integers 0..2^53, the median an integer, a number or null), names
 * without NUL bytes and at most REPORT_MAX_NAME bytes, the limits above.
 * Fills cols. TK_ERR_INVALID (TK_ERR_LIMIT over a limit) with a message
 * naming the first offending key.
 */
enum tk_err report_check(const json_t *rep, struct report_cols *cols) WARN_UNUSED;

/* Is key a count (1) or the median (0)? */
int report_is_count(const char *key);
/* The row's figure as text: a count in decimal, the median with at most one decimal, "" for null. */
void report_cell(const json_t *row, const char *key, char out[40]);
/* The figure as a double (null: 0, *is_null set when is_null is not NULL). */
double report_num(const json_t *row, const char *key, int *is_null);
/* A string member (the check made sure it is one; "" otherwise). */
const char *report_str(const json_t *obj, const char *key);

#endif

/*
 * Private to svc/report: the renderers of a usage report. Each takes the
 * report's JSON (docs/reports.md, as report_usage_json() builds it) and
 * appends one format to out; none reads the store.
 */
#ifndef TEKEN_SVC_REPORT_INT_H
#define TEKEN_SVC_REPORT_INT_H

#include "svc/report/report.h"

/* Builds the report's JSON (docs/reports.md). Caller decrefs. */
enum tk_err report_usage_json(struct svc_ctx *c, int year, const char *unit, json_t **out) WARN_UNUSED;

/* Renders a report's JSON in format f (PDF: sealed by the instance). Appends to out. */
enum tk_err report_render(struct svc_ctx *c, const json_t *rep, enum report_format f, struct buf *out) WARN_UNUSED;
/* report_render_pdf() sealed PAdES B-LT by the instance seal. */
enum tk_err report_usage_sealed_pdf(struct svc_ctx *c, const json_t *rep, struct buf *out) WARN_UNUSED;

/* One CSV file per table (totals, by_month, by_unit, by_application, breakdowns), zipped. */
enum tk_err report_render_csv_zip(const json_t *rep, struct buf *out) WARN_UNUSED;
/* XLSX (libxlsxwriter): one sheet per table, totals row, frozen header row. */
enum tk_err report_render_xlsx(const json_t *rep, struct buf *out) WARN_UNUSED;
/*
 * The PDF in Indonesian (libharu via src/pdfgen): cover naming both
 * parties and the agreement numbers, summary table, monthly charts drawn
 * as vector graphics, per-unit tables, the R8 statement. Unsigned: the
 * caller seals it (sign_instance_document). statement is sign_statement().
 */
enum tk_err report_render_pdf(const json_t *rep, const char *statement, struct buf *out) WARN_UNUSED;

#endif

/*
 * svc/report: the annual usage report to the issuer (R7, PKS art. 4(1)g),
 * the request counters behind it, and the report's submission record.
 * docs/reports.md is the contract of the JSON and the other formats.
 */
#ifndef TEKEN_SVC_REPORT_H
#define TEKEN_SVC_REPORT_H

#include "svc/base/base.h"

#include <jansson.h>

/* ---- request counters (svc/report/counters.c) ---- */

/* usage_counters.metric values; detail is the channel or cause. */
#define USAGE_OCSP "ocsp"               /* an OCSP request answered (any status) */
#define USAGE_TSA "tsa"                 /* a time-stamp request answered (granted or not) */
#define USAGE_CRL "crl"                 /* a CRL served */
#define USAGE_VERIFY "verify"           /* a verification; detail: web, api, qr, bsre */
#define USAGE_SIGN_FAILED "sign_failed" /* a signing attempt refused; detail: the error code */

/*
 * Counts one event now for the report. Kept in this process's memory and
 * added to the store by usage_flush() (the jobs loop every few seconds,
 * before a report, and when the instance closes), so counting costs no
 * write on hot paths and a rolled-back transaction still counts its
 * failure. unit may be NULL; the application is c->actor's name when it
 * is an application. Never fails: an event that cannot be kept is logged.
 */
void usage_count(struct svc_ctx *c, const char *metric, const char *detail, const char *unit);
/*
 * Adds this process's pending counts to usage_counters in one write
 * transaction (each node adds its own: correct with several nodes).
 * On failure the counts stay pending for the next try.
 */
enum tk_err usage_flush(struct svc_ctx *c) WARN_UNUSED;
/* Counts not yet flushed (for tests and the shutdown log line). */
uint64_t usage_pending(void);

/* ---- the usage report (svc/report/usage.c) ---- */

enum report_format { REPORT_JSON,
	REPORT_CSV,
	REPORT_XLSX,
	REPORT_PDF };
/* "json" "csv" "xlsx" "pdf" -> format; -1 when unknown. */
int report_format_parse(const char *s);
/* Content type and file extension of a format. */
const char *report_format_mime(enum report_format f);
const char *report_format_ext(enum report_format f);

struct report_usage_opts {
	int year;         /* calendar year in WIB */
	const char *unit; /* NULL: the whole ministry; else one unit */
	enum report_format format;
};
/*
 * The usage report for a year as the caller may see it (admins and
 * auditors; the operator). Counts come from the registry, the
 * certificate store, the requests and the request counters (this
 * process's pending ones are flushed first). JSON, a zip of CSV files,
 * XLSX, or a PDF in Indonesian sealed by the instance (PAdES B-LT).
 * Appends to out.
 */
enum tk_err report_usage(struct svc_ctx *c, const struct report_usage_opts *o, struct buf *out) WARN_UNUSED;

/* ---- submission record (svc/report/submission.c) ---- */

/*
 * Freezes the report of year (and unit, NULL: whole) as a new version:
 * the JSON and the sealed PDF are kept with their SHA-256. Admins.
 * *version gets the new number.
 */
enum tk_err report_freeze(struct svc_ctx *c, int year, const char *unit, int *version) WARN_UNUSED;
/* Steps of a frozen version: approve (admin, not who froze it), send (admin: via outbox to
 * the issuer contact, or by_hand with a note), acknowledge (auditor). */
enum tk_err report_approve(struct svc_ctx *c, int year, const char *unit, int version) WARN_UNUSED;
enum tk_err report_send(struct svc_ctx *c, int year, const char *unit, int version, int by_hand, const char *note) WARN_UNUSED;
enum tk_err report_acknowledge(struct svc_ctx *c, int year, const char *unit, int version) WARN_UNUSED;
/*
 * {"year","due","obligation":"met|late|pending|overdue","versions":[...]} for a
 * year (admins, auditors). A year's obligation is met when a version was
 * sent (by outbox or by hand) by the due date, late when sent after it ([report] usage_due, MM-DD
 * of the next year, default 01-31); overdue after it without one.
 */
enum tk_err report_submissions(struct svc_ctx *c, int year, const char *unit, json_t **out) WARN_UNUSED;
/*
 * For the jobs loop and `teken report remind`: while last year's
 * ministry-wide report is not sent, queues a reminder to [monev] contacts
 * fourteen days before it is due and another once it is overdue, each once
 * on any number of nodes (notify_claim_once); nothing for a year that ended
 * before the instance was made. Operator (jobs) only.
 */
enum tk_err report_reminders(struct svc_ctx *c, int *queued) WARN_UNUSED;
/* The frozen PDF or JSON of a version, byte for byte (admins, auditors). */
enum tk_err report_frozen(struct svc_ctx *c, int year, const char *unit, int version, enum report_format f, struct buf *out) WARN_UNUSED;

#endif

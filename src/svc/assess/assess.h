/*
 * svc/assess: security-assessment reports (R6; PKS art. 4(1)e, 5(2)b;
 * docs/assessments.md). The issuer (role auditor) requests a report for a
 * named electronic system with a due date; the ministry (admins) uploads
 * the report PDF with its date, scope, assessor, findings by severity and
 * remediation status; the auditor accepts it or returns it with a reason,
 * and a returned request takes a corrected report (every version is kept,
 * the latest counts).
 *
 * Confidential: the file and the list of findings are sealed at rest
 * (pii_seal_blob, bound to their row); only admins, auditors and the CLI
 * operator see anything; reading one request (assess.read) and downloading
 * a file (assess.download) are audit events. The list shows no findings
 * text and is not logged (docs/assessments.md "Who sees what").
 *
 * Overdue: a request still awaiting a report (requested or returned) after
 * its due date (WIB). The monev dashboard shows it (assess_open_items) and
 * the jobs loop reminds [monev] contacts once (assess_reminders,
 * oversight_reminders_sent kind 'assess.overdue', ref the request id).
 */
#ifndef TEKEN_SVC_ASSESS_H
#define TEKEN_SVC_ASSESS_H

#include "svc/base/base.h"

#include <jansson.h>

#define ASSESS_MAX_TITLE 300u                                                /* bytes of system_name, assessor, a finding title, a filename */
#define ASSESS_MAX_TEXT (8u * 1024u)                                         /* bytes of scope, note, a return reason */
#define ASSESS_MAX_FINDINGS 500u                                             /* findings listed in one report */
#define ASSESS_MAX_COUNT 100000u                                             /* a severity count */
#define ASSESS_MAX_FILE (32u * 1024u * 1024u)                                /* a report PDF */
#define ASSESS_MAX_META (256u * 1024u)                                       /* the JSON metadata of a report (findings list included) */
#define ASSESS_UPLOAD_BODY (ASSESS_MAX_FILE + ASSESS_MAX_META + 64u * 1024u) /* the multipart body of an upload */
#define ASSESS_MAX_LIST 1000u                                                /* requests in a list answer (newest first) */
#define ASSESS_MAX_OVERDUE 100u                                              /* dashboard: overdue requests listed (the count is exact) */
#define ASSESS_REMIND_BATCH 64u                                              /* overdue reminders per jobs run; the rest on the next */

/* Requests, newest first: request fields, overdue flag, the latest report's summary (no findings text). JSON array text; caller frees. */
enum tk_err assess_list(struct svc_ctx *c, char **out) WARN_UNUSED;
/*
 * One request with every report version, findings opened (JSON object
 * text; caller frees). Logged as assess.read.
 */
enum tk_err assess_get(struct svc_ctx *c, int64_t id, char **out) WARN_UNUSED;
/*
 * The issuer asks for a report: {system_name, scope, due_on "YYYY-MM-DD"
 * (not before today, WIB), note?}. Auditors and the operator. *out: the
 * new request as assess_get() shows it. Caller frees.
 */
enum tk_err assess_request(struct svc_ctx *c, json_t *in, char **out) WARN_UNUSED;
/*
 * The ministry's report for request id (admins and the operator): p[0..len)
 * must be a PDF (header, %%EOF) of at most ASSESS_MAX_FILE bytes; meta is
 * {report_date, scope, assessor, remediation open|in_progress|remediated|
 * accepted, counts? {critical, high, medium, low, info}, findings? [{title,
 * severity critical|high|medium|low|info, status open|in_progress|
 * remediated|accepted}]}: counts, findings or both (then they must agree).
 * Refused once the request is accepted. filename is shown in lists. Does not
 * take ownership of p. *out: the request. Caller frees.
 */
enum tk_err assess_upload(struct svc_ctx *c, int64_t id, json_t *meta, const char *filename, const uint8_t *p, size_t len,
    char **out) WARN_UNUSED;
/*
 * The report file of request id, version (0: the latest), opened and
 * checked against its SHA-256; appended to out, its name into filename.
 * Logged as assess.download.
 */
enum tk_err assess_file(struct svc_ctx *c, int64_t id, int64_t version, struct buf *out, char filename[ASSESS_MAX_TITLE + 1]) WARN_UNUSED;
/*
 * The auditor's decision on a submitted report: accept (1), or return (0)
 * with a reason (required). Auditors and the operator. *out: the request.
 * (Same shape as cli_decide_fn.)
 */
enum tk_err assess_decide(struct svc_ctx *c, int64_t id, int accept, const char *reason, char **out) WARN_UNUSED;

/*
 * The monev dashboard's open item "assessments" (svc/monev/monev_dash.c):
 * {available, requested, submitted, overdue, overdue_list [{id,
 * system_name, due_on, status, days_overdue}]}. Caller decrefs *out.
 * Reads only; the caller has checked the role.
 */
enum tk_err assess_open_items(struct svc_ctx *c, int64_t now, json_t **out) WARN_UNUSED;
/*
 * For the jobs loop and `teken assess remind`: one reminder per overdue
 * request to [monev] contacts through the outbox, each at most once on any
 * number of nodes (oversight_reminders_sent 'assess.overdue'). With nobody
 * to tell nothing is claimed. *queued: messages queued.
 */
enum tk_err assess_reminders(struct svc_ctx *c, int *queued) WARN_UNUSED;

#endif

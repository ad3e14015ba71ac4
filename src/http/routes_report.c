/*
 * The annual usage report (docs/reports.md): the report in four formats
 * and its submission record. Parse, call one service function, render.
 */
#include "http/routes.h"
#include "svc/report/report.h"

#include <stdio.h>
#include <string.h>

/* A year from a path or query value; a clear 400 otherwise. */
static enum tk_err year_of(const char *s, int *year)
{
	int64_t v = 0;

	if (s == NULL)
		return tk_fail_code(TK_ERR_INVALID, "missing_field", "year is required (e.g. year=2026)");
	if (parse_i64_str(s, 2000, 9999, &v) != TK_OK)
		return tk_fail_code(TK_ERR_INVALID, "invalid_field", "year must be a number from 2000 to 9999");
	*year = (int)v;
	return TK_OK;
}

static enum tk_err version_of(const char *s, int *version)
{
	int64_t v = 0;

	if (parse_i64_str(s, 1, 1000000, &v) != TK_OK)
		return tk_fail_code(TK_ERR_INVALID, "invalid_field", "version must be a positive number");
	*version = (int)v;
	return TK_OK;
}

static enum tk_err format_of(const char *s, enum report_format dflt, enum report_format *f)
{
	int v = s ? report_format_parse(s) : (int)dflt;

	if (v < 0)
		return tk_fail_code(TK_ERR_INVALID, "invalid_field", "format must be json, csv, xlsx or pdf");
	*f = (enum report_format)v;
	return TK_OK;
}

/* A report file as a download (JSON is shown as JSON). */
static enum tk_err send_file(struct http_resp *rs, enum report_format f, int year, int version, const struct buf *b)
{
	char cd[128];
	enum tk_err rc;

	if ((rc = http_bytes(rs, 200, f == REPORT_JSON ? "application/json" : report_format_mime(f), b->p, b->len)) != TK_OK)
		return rc;
	if (version > 0)
		rc = str_fmt(cd, sizeof(cd), "attachment; filename=\"laporan-penggunaan-%d-v%d.%s\"", year, version, report_format_ext(f));
	else
		rc = str_fmt(cd, sizeof(cd), "attachment; filename=\"laporan-penggunaan-%d.%s\"", year, report_format_ext(f));
	return rc == TK_OK ? http_header(rs, "Content-Disposition", cd) : rc;
}

enum tk_err h_report_usage(struct http_req *rq, struct http_resp *rs)
{
	struct report_usage_opts o;
	struct buf out;
	enum tk_err rc;

	memset(&o, 0, sizeof(o));
	if ((rc = year_of(http_query_get(rq, "year"), &o.year)) != TK_OK ||
	    (rc = format_of(http_query_get(rq, "format"), REPORT_JSON, &o.format)) != TK_OK)
		return rc;
	o.unit = http_query_get(rq, "unit");
	buf_init(&out, (size_t)256 << 20);
	if ((rc = report_usage(&rq->ctx, &o, &out)) == TK_OK)
		rc = send_file(rs, o.format, o.year, 0, &out);
	buf_free(&out);
	return rc;
}

enum tk_err h_report_versions(struct http_req *rq, struct http_resp *rs)
{
	json_t *j = NULL;
	int year = 0;
	enum tk_err rc;

	if ((rc = year_of(rq->params[0], &year)) != TK_OK || (rc = report_submissions(&rq->ctx, year, http_query_get(rq, "unit"), &j)) != TK_OK)
		return rc;
	return http_json(rs, 200, j);
}

enum tk_err h_report_freeze(struct http_req *rq, struct http_resp *rs)
{
	int year = 0, version = 0;
	enum tk_err rc;

	if ((rc = year_of(rq->params[0], &year)) != TK_OK || (rc = report_freeze(&rq->ctx, year, http_query_get(rq, "unit"), &version)) != TK_OK)
		return rc;
	return http_json(rs, 201, json_pack("{s:i, s:i, s:s}", "year", year, "version", version, "status", "frozen"));
}

enum tk_err h_report_version_get(struct http_req *rq, struct http_resp *rs)
{
	enum report_format f = REPORT_PDF;
	struct buf out;
	int year = 0, version = 0;
	enum tk_err rc;

	if ((rc = year_of(rq->params[0], &year)) != TK_OK || (rc = version_of(rq->params[1], &version)) != TK_OK ||
	    (rc = format_of(http_query_get(rq, "format"), REPORT_PDF, &f)) != TK_OK)
		return rc;
	buf_init(&out, (size_t)256 << 20);
	if ((rc = report_frozen(&rq->ctx, year, http_query_get(rq, "unit"), version, f, &out)) == TK_OK)
		rc = send_file(rs, f, year, version, &out);
	buf_free(&out);
	return rc;
}

/* approve, send and acknowledge share the shape: year and version in the path, unit in the query. */
static enum tk_err version_step(struct http_req *rq, struct http_resp *rs, const char *done)
{
	const char *unit = http_query_get(rq, "unit"), *note = NULL;
	json_t *body = NULL, *hand;
	int year = 0, version = 0, by_hand = 0;
	enum tk_err rc;

	if ((rc = year_of(rq->params[0], &year)) != TK_OK || (rc = version_of(rq->params[1], &version)) != TK_OK)
		return rc;
	if (strcmp(done, "sent") == 0) {
		if (rq->body.len > 0 && (rc = http_body_json(rq, &body)) != TK_OK)
			return rc;
		if (body != NULL && (rc = http_json_str(body, "note", 0, 500, &note)) != TK_OK)
			goto out;
		hand = json_object_get(body, "by_hand");
		if (hand != NULL && !json_is_boolean(hand)) {
			rc = tk_fail_code(TK_ERR_INVALID, "invalid_field", "by_hand must be true or false");
			goto out;
		}
		by_hand = json_is_true(hand);
		rc = report_send(&rq->ctx, year, unit, version, by_hand, note);
	} else if (strcmp(done, "approved") == 0)
		rc = report_approve(&rq->ctx, year, unit, version);
	else
		rc = report_acknowledge(&rq->ctx, year, unit, version);
	if (rc == TK_OK)
		rc = http_json(rs, 200, json_pack("{s:i, s:i, s:s}", "year", year, "version", version, "status", done));
out:
	json_decref(body);
	return rc;
}

enum tk_err h_report_approve(struct http_req *rq, struct http_resp *rs)
{
	return version_step(rq, rs, "approved");
}

enum tk_err h_report_send(struct http_req *rq, struct http_resp *rs)
{
	return version_step(rq, rs, "sent");
}

enum tk_err h_report_acknowledge(struct http_req *rq, struct http_resp *rs)
{
	return version_step(rq, rs, "acknowledged");
}

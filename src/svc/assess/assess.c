/*
 * Security-assessment reports (R6): requests, uploads, decisions, the
 * confidential reads. Each change runs in one write transaction with its
 * audit event; so does each read of findings or of a file, whose event is
 * the record that someone saw them.
 */
#include "svc/assess/assess.h"
#include "svc/calendar/calendar.h"
#include "svc/base/base_int.h"

#include "svc/audit/audit.h"
#include "svc/monev/monev.h"
#include "svc/pii/pii.h"
#include "crypto/crypto.h"
#include "store/store.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

static const char *const severities[5] = { "critical", "high", "medium", "low", "info" };

/* ------------------------------------------------------------ helpers */

static int is_person(const struct svc_ctx *c, const char *role)
{
	return c->actor.kind == ACTOR_PERSON && strcmp(c->actor.role, role) == 0;
}

/* Who sees anything of an assessment: admins, auditors, the operator. */
static enum tk_err may_read(const struct svc_ctx *c)
{
	if (c->actor.kind == ACTOR_OPERATOR || is_person(c, "admin") || is_person(c, "auditor"))
		return TK_OK;
	return tk_fail_code(TK_ERR_DENIED, "forbidden", "security assessments are for ministry admins and issuer auditors");
}

/* The issuer's side: requests and decisions. */
static enum tk_err may_decide(const struct svc_ctx *c)
{
	if (c->actor.kind == ACTOR_OPERATOR || is_person(c, "auditor"))
		return TK_OK;
	return tk_fail_code(TK_ERR_DENIED, "forbidden", "only the issuer's auditors request security assessments and decide on reports");
}

/* The ministry's side: the reports. */
static enum tk_err may_upload(const struct svc_ctx *c)
{
	if (c->actor.kind == ACTOR_OPERATOR || is_person(c, "admin"))
		return TK_OK;
	return tk_fail_code(TK_ERR_DENIED, "forbidden", "only ministry admins upload security-assessment reports");
}

static int one_of(const char *s, const char *const *set, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(s, set[i]) == 0)
			return (int)i;
	return -1;
}

static const char *const remediations[4] = { "open", "in_progress", "remediated", "accepted" };

static json_t *iso_or_null(int64_t t, int null)
{
	char iso[32];

	if (null)
		return json_null();
	time_iso_utc(t, iso);
	return json_string(iso);
}

static enum tk_err audit_json(struct svc_ctx *c, const char *action, int64_t id, json_t *details)
{
	char obj[48], *d = NULL;
	enum tk_err rc;

	if ((rc = str_fmt(obj, sizeof(obj), "assessment:%lld", (long long)id)) != TK_OK || (rc = svc_json_dump(details, &d)) != TK_OK)
		return rc;
	rc = audit_append(c, action, obj, d);
	free(d);
	return rc;
}

/* Days from due ("YYYY-MM-DD") to today; 0 when not past. */
static int64_t days_past(const char *due, int64_t today)
{
	int64_t d = 0;

	if (cal_day_parse(due, "due_on", &d) != TK_OK) {
		tk_clear_error(); /* stored by us: cannot happen; never fail a read over it */
		return 0;
	}
	return today > d ? today - d : 0;
}

static int awaiting(const char *status)
{
	return strcmp(status, "requested") == 0 || strcmp(status, "returned") == 0;
}

/* ------------------------------------------------------------ reading */

#define REQ_COLS                                                                                                                 \
	"r.id, r.system_name, r.scope, r.due_on, r.status, r.note, r.requested_by, r.requested_at, r.answered_at, r.decided_by," \
	" r.decided_at, r.return_reason, r.updated_at"

/* The request columns of REQ_COLS (from col 0) as JSON. */
static json_t *request_json(struct store_stmt *s, int64_t today)
{
	const char *status = store_col_text(s, 4);
	int64_t past = awaiting(status) ? days_past(store_col_text(s, 3), today) : 0;

	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s?, s:s, s:o, s:o, s:s?, s:o, s:s?, s:o, s:b, s:I}", "id", (json_int_t)store_col_i64(s, 0),
	    "system_name", store_col_text(s, 1), "scope", store_col_text(s, 2), "due_on", store_col_text(s, 3), "status", status, "note",
	    store_col_null(s, 5) ? NULL : store_col_text(s, 5), "requested_by", store_col_text(s, 6), "requested_at",
	    iso_or_null(store_col_i64(s, 7), 0), "answered_at", iso_or_null(store_col_i64(s, 8), store_col_null(s, 8)), "decided_by",
	    store_col_null(s, 9) ? NULL : store_col_text(s, 9), "decided_at", iso_or_null(store_col_i64(s, 10), store_col_null(s, 10)),
	    "return_reason", store_col_null(s, 11) ? NULL : store_col_text(s, 11), "updated_at", iso_or_null(store_col_i64(s, 12), 0), "overdue",
	    past > 0, "days_overdue", (json_int_t)past);
}

#define REP_COLS                                                                                                                           \
	"p.version, p.report_date, p.scope, p.assessor, p.n_critical, p.n_high, p.n_medium, p.n_low, p.n_info, p.remediation, p.filename," \
	" p.size, p.sha256, p.uploaded_by, p.uploaded_at"

/* The report columns of REP_COLS starting at col0 as JSON (no findings list). */
static json_t *report_json(struct store_stmt *s, int col0)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:{s:I, s:I, s:I, s:I, s:I}, s:s, s:s, s:I, s:s, s:s, s:o}", "version",
	    (json_int_t)store_col_i64(s, col0), "report_date", store_col_text(s, col0 + 1), "scope", store_col_text(s, col0 + 2), "assessor",
	    store_col_text(s, col0 + 3), "counts", "critical", (json_int_t)store_col_i64(s, col0 + 4), "high", (json_int_t)store_col_i64(s, col0 + 5),
	    "medium", (json_int_t)store_col_i64(s, col0 + 6), "low", (json_int_t)store_col_i64(s, col0 + 7), "info",
	    (json_int_t)store_col_i64(s, col0 + 8), "remediation", store_col_text(s, col0 + 9), "filename", store_col_text(s, col0 + 10), "size",
	    (json_int_t)store_col_i64(s, col0 + 11), "sha256", store_col_text(s, col0 + 12), "uploaded_by", store_col_text(s, col0 + 13),
	    "uploaded_at", iso_or_null(store_col_i64(s, col0 + 14), 0));
}

static enum tk_err label_of(int64_t report_id, const char *what, char *out, size_t sz)
{
	return str_fmt(out, sz, "assessment-report-%lld-%s", (long long)report_id, what);
}

enum tk_err assess_list(struct svc_ctx *c, char **out)
{
	struct store_stmt *s = NULL;
	json_t *arr = NULL;
	int64_t today = cal_wib_day(tk_now());
	int row = 0;
	enum tk_err rc;

	if ((rc = may_read(c)) != TK_OK)
		return rc;
	if ((arr = json_array()) == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	/* The latest report of each request (its highest version) joined in; no findings list, nothing sealed. */
	if ((rc = store_prepare(c->st, "SELECT " REQ_COLS ", " REP_COLS " FROM assessment_requests r LEFT JOIN assessment_reports p"
				       " ON p.request_id = r.id AND p.version = (SELECT MAX(q.version) FROM assessment_reports q WHERE q.request_id = r.id)"
				       " ORDER BY r.id DESC LIMIT ?",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, ASSESS_MAX_LIST)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		json_t *o = request_json(s, today);
		if (o != NULL && json_object_set_new(o, "latest", store_col_null(s, 13) ? json_null() : report_json(s, 13)) != 0) {
			json_decref(o);
			o = NULL;
		}
		if (o == NULL || json_array_append_new(arr, o) != 0) {
			rc = tk_fail(TK_ERR_NOMEM, "out of memory");
			goto out;
		}
	}
	if (rc == TK_OK)
		rc = svc_json_dump(json_incref(arr), out);
out:
	store_finalize(s);
	json_decref(arr);
	return rc;
}

/* The request and its reports, findings opened, into *out (caller decrefs). */
static enum tk_err record_json(struct svc_ctx *c, int64_t id, json_t **out)
{
	struct store_stmt *s = NULL;
	json_t *r = NULL, *reps = NULL;
	int64_t today = cal_wib_day(tk_now());
	int row = 0;
	enum tk_err rc;

	*out = NULL;
	if ((rc = store_prepare(c->st, "SELECT " REQ_COLS " FROM assessment_requests r WHERE r.id = ?", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_assessment", "no security-assessment request %lld", (long long)id);
		goto out;
	}
	if ((r = request_json(s, today)) == NULL || (reps = json_array()) == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
		goto out;
	}
	store_finalize(s);
	s = NULL;
	if ((rc = store_prepare(c->st, "SELECT p.id, p.findings_sealed, " REP_COLS " FROM assessment_reports p WHERE p.request_id = ? ORDER BY p.version",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, id)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		char label[64];
		size_t blen = 0;
		const uint8_t *b = store_col_blob(s, 1, &blen);
		struct buf plain;
		json_t *o = NULL, *f = NULL;
		json_error_t jerr;

		buf_init_secret(&plain, (size_t)1 << 24);
		if ((rc = label_of(store_col_i64(s, 0), "findings", label, sizeof(label))) == TK_OK &&
		    (rc = pii_open_blob(c->inst, label, b, blen, &plain)) == TK_OK) {
			f = json_loadb((const char *)plain.p, plain.len, 0, &jerr);
			if (f == NULL)
				rc = tk_fail(TK_ERR_INTERNAL, "%s: sealed findings are not JSON", label);
		}
		buf_free(&plain);
		if (rc != TK_OK)
			goto out;
		if ((o = report_json(s, 2)) == NULL || json_object_set_new(o, "findings", f) != 0 || json_array_append_new(reps, o) != 0) {
			if (o == NULL)
				json_decref(f);
			rc = tk_fail(TK_ERR_NOMEM, "out of memory");
			goto out;
		}
	}
	if (rc != TK_OK)
		goto out;
	if (json_object_set(r, "reports", reps) != 0) {
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
		goto out;
	}
	*out = json_incref(r);
out:
	store_finalize(s);
	json_decref(r);
	json_decref(reps);
	return rc;
}

struct get_arg {
	int64_t id;
	const char *action; /* audit event of the read, or NULL (the answer to a change, logged by it) */
	json_t *rec;
};

static enum tk_err get_tx(struct svc_ctx *c, void *arg)
{
	struct get_arg *a = arg;
	json_t *reps;
	enum tk_err rc;

	if ((rc = record_json(c, a->id, &a->rec)) != TK_OK || a->action == NULL)
		return rc;
	reps = json_object_get(a->rec, "reports");
	return audit_json(c, a->action, a->id,
	    json_pack("{s:I, s:s}", "reports", (json_int_t)json_array_size(reps), "system_name",
		json_string_value(json_object_get(a->rec, "system_name"))));
}

/* The record after a change (that change's event records who did what) or for a logged read. */
static enum tk_err get_as(struct svc_ctx *c, int64_t id, const char *action, char **out)
{
	struct get_arg a = { id, action, NULL };
	enum tk_err rc;

	if ((rc = svc_in_tx(c, get_tx, &a)) == TK_OK)
		rc = svc_json_dump(a.rec, out);
	else
		json_decref(a.rec);
	return rc;
}

enum tk_err assess_get(struct svc_ctx *c, int64_t id, char **out)
{
	enum tk_err rc;

	if ((rc = may_read(c)) != TK_OK)
		return rc;
	return get_as(c, id, "assess.read", out);
}

/* ------------------------------------------------------------ request */

struct request_arg {
	const char *system_name, *scope, *due_on, *note;
	int64_t id;
};

static enum tk_err request_tx(struct svc_ctx *c, void *arg)
{
	struct request_arg *a = arg;
	struct store_stmt *s = NULL;
	int64_t now = tk_now();
	int row = 0;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "INSERT INTO assessment_requests (system_name, scope, due_on, status, note, requested_by, requested_at,"
				       " updated_at) VALUES (?, ?, ?, 'requested', ?, ?, ?, ?) RETURNING id",
		 &s)) != TK_OK ||
	    (rc = store_bind_text(s, 1, a->system_name)) != TK_OK || (rc = store_bind_text(s, 2, a->scope)) != TK_OK ||
	    (rc = store_bind_text(s, 3, a->due_on)) != TK_OK ||
	    (rc = a->note != NULL ? store_bind_text(s, 4, a->note) : store_bind_null(s, 4)) != TK_OK ||
	    (rc = store_bind_text(s, 5, c->actor.user)) != TK_OK || (rc = store_bind_i64(s, 6, now)) != TK_OK ||
	    (rc = store_bind_i64(s, 7, now)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail(TK_ERR_STORE, "assessment request: no id returned");
		goto out;
	}
	a->id = store_col_i64(s, 0);
	rc = audit_json(c, "assess.request", a->id, json_pack("{s:s, s:s}", "system_name", a->system_name, "due_on", a->due_on));
out:
	store_finalize(s);
	return rc;
}

enum tk_err assess_request(struct svc_ctx *c, json_t *in, char **out)
{
	struct request_arg a;
	int64_t due = 0;
	enum tk_err rc;

	if ((rc = may_decide(c)) != TK_OK)
		return rc;
	memset(&a, 0, sizeof(a));
	if (!json_is_object(in))
		return tk_fail_code(TK_ERR_INVALID, "invalid_body", "expected a JSON object {system_name, scope, due_on, note?}");
	if ((rc = svc_json_str(in, "system_name", 1, ASSESS_MAX_TITLE, &a.system_name)) != TK_OK ||
	    (rc = svc_json_str(in, "scope", 1, ASSESS_MAX_TEXT, &a.scope)) != TK_OK || (rc = svc_json_str(in, "due_on", 1, 10, &a.due_on)) != TK_OK ||
	    (rc = svc_json_str(in, "note", 0, ASSESS_MAX_TEXT, &a.note)) != TK_OK || (rc = cal_day_parse(a.due_on, "due_on", &due)) != TK_OK)
		return rc;
	if (due < cal_wib_day(tk_now()))
		return tk_fail_code(TK_ERR_INVALID, "invalid_date", "due_on %s is in the past", a.due_on);
	if ((rc = svc_in_tx(c, request_tx, &a)) != TK_OK)
		return rc;
	return get_as(c, a.id, NULL, out);
}

/* ------------------------------------------------------------ upload */

struct upload_arg {
	int64_t id;
	const char *report_date, *scope, *assessor, *remediation, *filename;
	int64_t counts[5];
	char *findings; /* canonical JSON text of the list */
	const uint8_t *p;
	size_t len;
	char sha[65];
	int64_t version;
};

/* A PDF by its shape (ISO 32000-1 7.5.2, 7.5.5): "%PDF-" within the first 1024 bytes, "%%EOF" within the last 1024. */
static enum tk_err pdf_shape(const uint8_t *p, size_t len)
{
	size_t i, head = len < 1024 ? len : 1024, tail0 = len > 1024 ? len - 1024 : 0;
	int hdr = 0, eof = 0;

	for (i = 0; !hdr && i + 5 <= head; i++)
		hdr = memcmp(p + i, "%PDF-", 5) == 0;
	for (i = tail0; !eof && i + 5 <= len; i++)
		eof = memcmp(p + i, "%%EOF", 5) == 0;
	if (!hdr || !eof)
		return tk_fail_code(TK_ERR_INVALID, "not_pdf", "the report must be a PDF (ISO 32000-1 7.5.2/7.5.5: %s missing)",
		    !hdr ? "%PDF- header" : "%%EOF trailer");
	return TK_OK;
}

/* A count member: a non-negative integer up to ASSESS_MAX_COUNT. */
static enum tk_err count_of(json_t *counts, const char *key, int64_t *out)
{
	json_t *v = json_object_get(counts, key);

	if (v == NULL || json_is_null(v)) {
		*out = 0;
		return TK_OK;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > (json_int_t)ASSESS_MAX_COUNT)
		return tk_fail_code(TK_ERR_INVALID, "invalid_counts", "counts.%s must be a whole number from 0 to %u", key, ASSESS_MAX_COUNT);
	*out = (int64_t)json_integer_value(v);
	return TK_OK;
}

/* counts and findings of meta into a: the list canonical, the counts given or derived, both agreeing. */
static enum tk_err findings_of(json_t *meta, struct upload_arg *a)
{
	json_t *counts = json_object_get(meta, "counts"), *list = json_object_get(meta, "findings"), *canon = NULL, *f;
	int64_t from_list[5] = { 0, 0, 0, 0, 0 };
	size_t i, k;
	enum tk_err rc = TK_OK;

	if ((counts == NULL || json_is_null(counts)) && (list == NULL || json_is_null(list)))
		return tk_fail_code(TK_ERR_INVALID, "missing_field", "give the findings by severity: counts {critical, high, medium, low, info}, findings [...], or both");
	if (counts != NULL && !json_is_null(counts) && !json_is_object(counts))
		return tk_fail_code(TK_ERR_INVALID, "invalid_counts", "counts must be an object {critical, high, medium, low, info}");
	if (list != NULL && !json_is_null(list) && !json_is_array(list))
		return tk_fail_code(TK_ERR_INVALID, "invalid_findings", "findings must be a list of {title, severity, status}");
	if (json_array_size(list) > ASSESS_MAX_FINDINGS)
		return tk_fail_code(TK_ERR_LIMIT, "too_many_findings", "at most %u findings in one report", ASSESS_MAX_FINDINGS);
	if ((canon = json_array()) == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	json_array_foreach (list, i, f) {
		const char *title, *sev, *st;
		int si;
		if (!json_is_object(f)) {
			rc = tk_fail_code(TK_ERR_INVALID, "invalid_findings", "finding %zu is not an object {title, severity, status}", i + 1);
			goto out;
		}
		if ((rc = svc_json_str(f, "title", 1, ASSESS_MAX_TITLE, &title)) != TK_OK || (rc = svc_json_str(f, "severity", 1, 16, &sev)) != TK_OK ||
		    (rc = svc_json_str(f, "status", 0, 16, &st)) != TK_OK)
			goto out;
		if ((si = one_of(sev, severities, 5)) < 0) {
			rc = tk_fail_code(TK_ERR_INVALID, "invalid_findings", "finding %zu: severity must be critical, high, medium, low or info", i + 1);
			goto out;
		}
		if (st == NULL)
			st = "open";
		if (one_of(st, remediations, 4) < 0) {
			rc = tk_fail_code(TK_ERR_INVALID, "invalid_findings", "finding %zu: status must be open, in_progress, remediated or accepted", i + 1);
			goto out;
		}
		from_list[si]++;
		if (json_array_append_new(canon, json_pack("{s:s, s:s, s:s}", "title", title, "severity", sev, "status", st)) != 0) {
			rc = tk_fail(TK_ERR_NOMEM, "out of memory");
			goto out;
		}
	}
	for (k = 0; k < 5; k++) {
		if (counts == NULL || json_is_null(counts)) {
			a->counts[k] = from_list[k];
			continue;
		}
		if ((rc = count_of(counts, severities[k], &a->counts[k])) != TK_OK)
			goto out;
		if (json_array_size(list) > 0 && a->counts[k] != from_list[k]) {
			rc = tk_fail_code(TK_ERR_INVALID, "findings_mismatch", "counts.%s is %lld but the findings list has %lld %s findings", severities[k],
			    (long long)a->counts[k], (long long)from_list[k], severities[k]);
			goto out;
		}
	}
	if ((a->findings = json_dumps(canon, JSON_COMPACT)) == NULL)
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
out:
	json_decref(canon);
	return rc;
}

static enum tk_err upload_tx(struct svc_ctx *c, void *arg)
{
	struct upload_arg *a = arg;
	struct store_stmt *s = NULL;
	struct buf file, fnd;
	char status[16] = "", label[64];
	int64_t now = tk_now(), rid = 0;
	int row = 0;
	enum tk_err rc;

	buf_init(&file, (size_t)ASSESS_MAX_FILE + 1024);
	buf_init(&fnd, (size_t)1 << 24);
	if ((rc = store_prepare(c->st, "SELECT status, (SELECT COALESCE(MAX(version), 0) FROM assessment_reports WHERE request_id = ?)"
				       " FROM assessment_requests WHERE id = ?",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, a->id)) != TK_OK || (rc = store_bind_i64(s, 2, a->id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_assessment", "no security-assessment request %lld", (long long)a->id);
		goto out;
	}
	if ((rc = str_copy(status, sizeof(status), store_col_text(s, 0))) != TK_OK)
		goto out;
	a->version = store_col_i64(s, 1) + 1;
	store_finalize(s);
	s = NULL;
	if (strcmp(status, "accepted") == 0) {
		rc = tk_fail_code(TK_ERR_CONFLICT, "assessment_accepted", "request %lld is accepted already: its report is final", (long long)a->id);
		goto out;
	}
	/* While the auditor decides, the report stays the one they read: a
	 * correction follows a return, so an acceptance is of what was seen. */
	if (strcmp(status, "submitted") == 0) {
		rc = tk_fail_code(TK_ERR_CONFLICT, "assessment_submitted",
		    "request %lld has a report awaiting the issuer's decision: a corrected version follows a return", (long long)a->id);
		goto out;
	}
	/* The row first: the seals are bound to its id. */
	if ((rc = store_prepare(c->st, "INSERT INTO assessment_reports (request_id, version, report_date, scope, assessor, n_critical, n_high,"
				       " n_medium, n_low, n_info, findings_sealed, remediation, filename, size, sha256, sealed, uploaded_by, uploaded_at)"
				       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, a->id)) != TK_OK || (rc = store_bind_i64(s, 2, a->version)) != TK_OK ||
	    (rc = store_bind_text(s, 3, a->report_date)) != TK_OK || (rc = store_bind_text(s, 4, a->scope)) != TK_OK ||
	    (rc = store_bind_text(s, 5, a->assessor)) != TK_OK || (rc = store_bind_i64(s, 6, a->counts[0])) != TK_OK ||
	    (rc = store_bind_i64(s, 7, a->counts[1])) != TK_OK || (rc = store_bind_i64(s, 8, a->counts[2])) != TK_OK ||
	    (rc = store_bind_i64(s, 9, a->counts[3])) != TK_OK || (rc = store_bind_i64(s, 10, a->counts[4])) != TK_OK ||
	    (rc = store_bind_blob(s, 11, "", 0)) != TK_OK || (rc = store_bind_text(s, 12, a->remediation)) != TK_OK ||
	    (rc = store_bind_text(s, 13, a->filename)) != TK_OK || (rc = store_bind_i64(s, 14, (int64_t)a->len)) != TK_OK ||
	    (rc = store_bind_text(s, 15, a->sha)) != TK_OK || (rc = store_bind_blob(s, 16, "", 0)) != TK_OK ||
	    (rc = store_bind_text(s, 17, c->actor.user)) != TK_OK || (rc = store_bind_i64(s, 18, now)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail(TK_ERR_STORE, "assessment report: no id returned");
		goto out;
	}
	rid = store_col_i64(s, 0);
	store_finalize(s);
	s = NULL;
	if ((rc = label_of(rid, "file", label, sizeof(label))) != TK_OK || (rc = pii_seal_blob(c->inst, label, a->p, a->len, &file)) != TK_OK ||
	    (rc = label_of(rid, "findings", label, sizeof(label))) != TK_OK ||
	    (rc = pii_seal_blob(c->inst, label, (const uint8_t *)a->findings, strlen(a->findings), &fnd)) != TK_OK)
		goto out;
	if ((rc = store_prepare(c->st, "UPDATE assessment_reports SET sealed = ?, findings_sealed = ? WHERE id = ?", &s)) != TK_OK ||
	    (rc = store_bind_blob(s, 1, file.p, file.len)) != TK_OK || (rc = store_bind_blob(s, 2, fnd.p, fnd.len)) != TK_OK ||
	    (rc = store_bind_i64(s, 3, rid)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	store_finalize(s);
	s = NULL;
	if ((rc = store_prepare(c->st, "UPDATE assessment_requests SET status = 'submitted', answered_at = ?, updated_at = ? WHERE id = ?", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, now)) != TK_OK || (rc = store_bind_i64(s, 2, now)) != TK_OK || (rc = store_bind_i64(s, 3, a->id)) != TK_OK ||
	    (rc = store_step(s, &row)) != TK_OK)
		goto out;
	/* The event names the file by hash and the counts; never the findings. */
	rc = audit_json(c, "assess.upload", a->id,
	    json_pack("{s:I, s:s, s:I, s:s, s:{s:I, s:I, s:I, s:I, s:I}}", "version", (json_int_t)a->version, "sha256", a->sha, "size",
		(json_int_t)a->len, "remediation", a->remediation, "counts", "critical", (json_int_t)a->counts[0], "high",
		(json_int_t)a->counts[1], "medium", (json_int_t)a->counts[2], "low", (json_int_t)a->counts[3], "info", (json_int_t)a->counts[4]));
out:
	store_finalize(s);
	buf_free(&file);
	buf_free(&fnd);
	return rc;
}

/* A file name to show: its last path component, control characters and quotes replaced, cut (on a UTF-8 boundary) to the limit. */
static enum tk_err clean_filename(const char *in, char out[ASSESS_MAX_TITLE + 1])
{
	const char *b = in != NULL ? in : "", *sl;
	size_t i, n;

	if ((sl = strrchr(b, '/')) != NULL)
		b = sl + 1;
	if ((sl = strrchr(b, '\\')) != NULL)
		b = sl + 1;
	n = strlen(b);
	if (n > ASSESS_MAX_TITLE) {
		n = ASSESS_MAX_TITLE;
		while (n > 0 && ((unsigned char)b[n] & 0xC0) == 0x80) /* b[n] is the first byte left out */
			n--;
	}
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)b[i];
		out[i] = (ch < 0x20 || ch == 0x7f || ch == '"') ? '_' : (char)ch;
	}
	out[n] = '\0';
	if (n == 0)
		return str_copy(out, ASSESS_MAX_TITLE + 1, "laporan-asesmen.pdf");
	return TK_OK;
}

enum tk_err assess_upload(struct svc_ctx *c, int64_t id, json_t *meta, const char *filename, const uint8_t *p, size_t len, char **out)
{
	struct upload_arg a;
	char fname[ASSESS_MAX_TITLE + 1];
	int64_t day = 0;
	enum tk_err rc;

	if ((rc = may_upload(c)) != TK_OK)
		return rc;
	memset(&a, 0, sizeof(a));
	if (!json_is_object(meta))
		return tk_fail_code(TK_ERR_INVALID, "invalid_body", "the report metadata must be a JSON object (docs/assessments.md)");
	if (len == 0)
		return tk_fail_code(TK_ERR_INVALID, "missing_file", "the report PDF is required");
	if (len > ASSESS_MAX_FILE)
		return tk_fail_code(TK_ERR_LIMIT, "too_large", "the report PDF is larger than %u bytes", ASSESS_MAX_FILE);
	if ((rc = pdf_shape(p, len)) != TK_OK)
		return rc;
	if ((rc = svc_json_str(meta, "report_date", 1, 10, &a.report_date)) != TK_OK || (rc = cal_day_parse(a.report_date, "report_date", &day)) != TK_OK ||
	    (rc = svc_json_str(meta, "scope", 1, ASSESS_MAX_TEXT, &a.scope)) != TK_OK ||
	    (rc = svc_json_str(meta, "assessor", 1, ASSESS_MAX_TITLE, &a.assessor)) != TK_OK ||
	    (rc = svc_json_str(meta, "remediation", 1, 16, &a.remediation)) != TK_OK)
		return rc;
	if (day > cal_wib_day(tk_now()))
		return tk_fail_code(TK_ERR_INVALID, "invalid_date", "report_date %s is in the future", a.report_date);
	if (one_of(a.remediation, remediations, 4) < 0)
		return tk_fail_code(TK_ERR_INVALID, "invalid_field", "remediation must be open, in_progress, remediated or accepted");
	if ((rc = clean_filename(filename, fname)) != TK_OK || (rc = findings_of(meta, &a)) != TK_OK)
		goto out;
	a.id = id;
	a.filename = fname;
	a.p = p;
	a.len = len;
	sha256_hex(p, len, a.sha);
	if ((rc = svc_in_tx(c, upload_tx, &a)) == TK_OK)
		rc = get_as(c, id, NULL, out);
out:
	if (a.findings != NULL) {
		OPENSSL_cleanse(a.findings, strlen(a.findings));
		free(a.findings);
	}
	return rc;
}

/* ------------------------------------------------------------ file */

struct file_arg {
	int64_t id, version;
	struct buf *out;
	char *filename;
};

static enum tk_err file_tx(struct svc_ctx *c, void *arg)
{
	struct file_arg *a = arg;
	struct store_stmt *s = NULL;
	char label[64], sha[65], want[65];
	size_t start = a->out->len;
	int row = 0;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "SELECT p.id, p.version, p.filename, p.sha256, p.sealed FROM assessment_reports p WHERE p.request_id = ?"
				       " AND (p.version = ? OR (? = 0 AND p.version = (SELECT MAX(q.version) FROM assessment_reports q WHERE q.request_id = p.request_id)))",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, a->id)) != TK_OK || (rc = store_bind_i64(s, 2, a->version)) != TK_OK ||
	    (rc = store_bind_i64(s, 3, a->version)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = a->version == 0 ? tk_fail_code(TK_ERR_NOT_FOUND, "no_report", "request %lld has no report yet", (long long)a->id)
				     : tk_fail_code(TK_ERR_NOT_FOUND, "no_report", "request %lld has no report version %lld", (long long)a->id,
					   (long long)a->version);
		goto out;
	}
	a->version = store_col_i64(s, 1);
	{
		size_t blen = 0;
		const uint8_t *b = store_col_blob(s, 4, &blen);
		if ((rc = str_copy(a->filename, ASSESS_MAX_TITLE + 1, store_col_text(s, 2))) != TK_OK ||
		    (rc = str_copy(want, sizeof(want), store_col_text(s, 3))) != TK_OK ||
		    (rc = label_of(store_col_i64(s, 0), "file", label, sizeof(label))) != TK_OK ||
		    (rc = pii_open_blob(c->inst, label, b, blen, a->out)) != TK_OK)
			goto out;
	}
	sha256_hex(a->out->p + start, a->out->len - start, sha);
	if (strcmp(sha, want) != 0) {
		rc = tk_fail(TK_ERR_CRYPTO, "%s: opened file does not match its SHA-256", label);
		goto out;
	}
	rc = audit_json(c, "assess.download", a->id, json_pack("{s:I, s:s}", "version", (json_int_t)a->version, "sha256", sha));
out:
	store_finalize(s);
	return rc;
}

enum tk_err assess_file(struct svc_ctx *c, int64_t id, int64_t version, struct buf *out, char filename[ASSESS_MAX_TITLE + 1])
{
	struct file_arg a;
	enum tk_err rc;

	if ((rc = may_read(c)) != TK_OK)
		return rc;
	if (version < 0)
		return tk_fail_code(TK_ERR_INVALID, "invalid_version", "version must be a positive number");
	a.id = id;
	a.version = version;
	a.out = out;
	a.filename = filename;
	return svc_in_tx(c, file_tx, &a);
}

/* ------------------------------------------------------------ decision */

struct decide_arg {
	int64_t id;
	int accept;
	const char *reason;
};

static enum tk_err decide_tx(struct svc_ctx *c, void *arg)
{
	struct decide_arg *a = arg;
	struct store_stmt *s = NULL;
	int64_t now = tk_now(), version = 0;
	int row = 0;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "SELECT status, (SELECT COALESCE(MAX(version), 0) FROM assessment_reports WHERE request_id = ?)"
				       " FROM assessment_requests WHERE id = ?",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, a->id)) != TK_OK || (rc = store_bind_i64(s, 2, a->id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_assessment", "no security-assessment request %lld", (long long)a->id);
		goto out;
	}
	if (strcmp(store_col_text(s, 0), "submitted") != 0) {
		rc = tk_fail_code(TK_ERR_CONFLICT, "assessment_not_submitted", "request %lld is %s: only a submitted report is accepted or returned",
		    (long long)a->id, store_col_text(s, 0));
		goto out;
	}
	version = store_col_i64(s, 1);
	store_finalize(s);
	s = NULL;
	if ((rc = store_prepare(c->st, "UPDATE assessment_requests SET status = ?, decided_by = ?, decided_at = ?, return_reason = ?, updated_at = ?"
				       " WHERE id = ? AND status = 'submitted'",
		 &s)) != TK_OK ||
	    (rc = store_bind_text(s, 1, a->accept ? "accepted" : "returned")) != TK_OK || (rc = store_bind_text(s, 2, c->actor.user)) != TK_OK ||
	    (rc = store_bind_i64(s, 3, now)) != TK_OK ||
	    (rc = a->accept ? store_bind_null(s, 4) : store_bind_text(s, 4, a->reason)) != TK_OK || (rc = store_bind_i64(s, 5, now)) != TK_OK ||
	    (rc = store_bind_i64(s, 6, a->id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	/* The reason often quotes findings: the log keeps its hash, the request row the text (sealed reads only). */
	{
		char rh[65] = "";
		if (!a->accept)
			sha256_hex((const uint8_t *)a->reason, strlen(a->reason), rh);
		rc = audit_json(c, a->accept ? "assess.accept" : "assess.return", a->id,
		    json_pack("{s:I, s:s?}", "version", (json_int_t)version, "reason_sha256", a->accept ? NULL : rh));
	}
out:
	store_finalize(s);
	return rc;
}

enum tk_err assess_decide(struct svc_ctx *c, int64_t id, int accept, const char *reason, char **out)
{
	struct decide_arg a = { id, accept, reason };
	enum tk_err rc;

	if ((rc = may_decide(c)) != TK_OK)
		return rc;
	if (!accept && (reason == NULL || reason[0] == '\0'))
		return tk_fail_code(TK_ERR_INVALID, "missing_field", "a returned report needs a reason");
	if (reason != NULL && strlen(reason) > ASSESS_MAX_TEXT)
		return tk_fail_code(TK_ERR_LIMIT, "too_long", "reason is longer than %u bytes", ASSESS_MAX_TEXT);
	if (accept)
		a.reason = NULL;
	if ((rc = svc_in_tx(c, decide_tx, &a)) != TK_OK)
		return rc;
	return get_as(c, id, NULL, out);
}

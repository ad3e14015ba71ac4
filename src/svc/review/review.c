/*
 * The review workflow (docs/review.md "Workflow"): open (auditor) ->
 * answered and submitted by the ministry (admins; the automatic results
 * frozen with their evidence at that moment) -> scored and closed by the
 * reviewer (scores per aspect and overall, maturity level, the report
 * PDF, svc/review/review_report.c). Every change runs in one write
 * transaction with its audit event.
 */
#include "svc/review/review_int.h"
#include "svc/base/base_int.h"

#include "svc/audit/audit.h"
#include "crypto/crypto.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------ helpers */

static enum tk_err nomem(void)
{
	return tk_fail(TK_ERR_NOMEM, "review: out of memory");
}

/* A strict calendar date "YYYY-MM-DD". */
static enum tk_err date_ok(const char *s, const char *what)
{
	struct tm tm;
	uint64_t y, m, d;
	time_t t;
	char back[16];

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-' || parse_u64(s, 4, 9999, &y) != TK_OK || parse_u64(s + 5, 2, 12, &m) != TK_OK ||
	    parse_u64(s + 8, 2, 31, &d) != TK_OK || y < 2000 || m < 1 || d < 1)
		return tk_fail_code(TK_ERR_INVALID, "invalid_date", "%s must be a date YYYY-MM-DD", what);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (int)y - 1900;
	tm.tm_mon = (int)m - 1;
	tm.tm_mday = (int)d;
	t = timegm(&tm);
	if (gmtime_r(&t, &tm) == NULL || strftime(back, sizeof(back), "%Y-%m-%d", &tm) == 0 || strcmp(back, s) != 0)
		return tk_fail_code(TK_ERR_INVALID, "invalid_date", "%s: %s is not a calendar date", what, s);
	return TK_OK;
}

static json_t *time_or_null(struct store_stmt *s, int col)
{
	char t[32];

	if (store_col_null(s, col))
		return json_null();
	time_iso_utc(store_col_i64(s, col), t);
	return json_string(t);
}

static json_t *str_or_null(struct store_stmt *s, int col)
{
	return store_col_null(s, col) ? json_null() : json_string(store_col_text(s, col));
}

static json_t *int_or_null(struct store_stmt *s, int col)
{
	return store_col_null(s, col) ? json_null() : json_integer(store_col_i64(s, col));
}

/* State and instrument version of review id; TK_ERR_NOT_FOUND when none. */
static enum tk_err review_state(struct svc_ctx *c, int64_t id, char state[16], int64_t *version)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "SELECT state, instrument_version FROM reviews WHERE id = ?", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_review", "no review %lld", (long long)id);
		goto out;
	}
	rc = str_copy(state, 16, store_col_text(s, 0));
	*version = store_col_i64(s, 1);
out:
	store_finalize(s);
	return rc;
}

static enum tk_err need_state(const char *state, const char *want, int64_t id, const char *doing)
{
	if (strcmp(state, want) == 0)
		return TK_OK;
	return tk_fail_code(TK_ERR_CONFLICT, "review_state", "review %lld is %s: %s needs it %s", (long long)id, state, doing, want);
}

static enum tk_err audit_review(struct svc_ctx *c, const char *action, int64_t id, json_t *details)
{
	char obj[48], *d = NULL;
	enum tk_err rc;

	if ((rc = str_fmt(obj, sizeof(obj), "review:%lld", (long long)id)) != TK_OK) {
		json_decref(details);
		return rc;
	}
	if ((rc = svc_json_dump(details, &d)) != TK_OK)
		return rc;
	rc = audit_append(c, action, obj, d);
	free(d);
	return rc;
}

/* ------------------------------------------------------------ reading */

/* The recommendations that point at this review (migration 13, another part's table: read only). */
static enum tk_err recommendations_json(struct svc_ctx *c, int64_t id, json_t **out)
{
	struct store_stmt *s = NULL;
	json_t *arr = json_array();
	char ref[48];
	int row = 0;
	enum tk_err rc;

	*out = NULL;
	if (arr == NULL)
		return nomem();
	if ((rc = str_fmt(ref, sizeof(ref), "review:%lld", (long long)id)) != TK_OK ||
	    (rc = store_prepare(c->st, "SELECT id, title, owner, due_on, status FROM recommendations WHERE source = 'review' AND source_ref = ?"
				       " ORDER BY due_on, id",
		 &s)) != TK_OK ||
	    (rc = store_bind_text(s, 1, ref)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		if (json_array_append_new(arr, json_pack("{s:I, s:s, s:s, s:s, s:s}", "id", (json_int_t)store_col_i64(s, 0), "title", store_col_text(s, 1),
						   "owner", store_col_text(s, 2), "due_on", store_col_text(s, 3), "status", store_col_text(s, 4))) != 0) {
			rc = nomem();
			goto out;
		}
	}
	if (rc == TK_OK) {
		*out = arr;
		arr = NULL;
	}
out:
	store_finalize(s);
	json_decref(arr);
	return rc;
}

/* Evidence files of a review, grouped by indicator: {indicator: [file...]}. */
static enum tk_err files_json(struct svc_ctx *c, int64_t id, json_t **out)
{
	struct store_stmt *s = NULL;
	json_t *by = json_object();
	int row = 0;
	enum tk_err rc;

	*out = NULL;
	if (by == NULL)
		return nomem();
	if ((rc = store_prepare(c->st, "SELECT id, indicator, filename, mime, size, sha256, uploaded_by, uploaded_at FROM review_files"
				       " WHERE review_id = ? ORDER BY id",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, id)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		const char *ind = store_col_text(s, 1);
		json_t *list = json_object_get(by, ind);
		if (list == NULL && (json_object_set_new(by, ind, list = json_array()) != 0 || list == NULL)) {
			rc = nomem();
			goto out;
		}
		if (json_array_append_new(list, json_pack("{s:I, s:s, s:s, s:I, s:s, s:s, s:o}", "id", (json_int_t)store_col_i64(s, 0), "filename",
						    store_col_text(s, 2), "mime", store_col_text(s, 3), "size", (json_int_t)store_col_i64(s, 4), "sha256",
						    store_col_text(s, 5), "uploaded_by", store_col_text(s, 6), "uploaded_at", time_or_null(s, 7))) != 0) {
			rc = nomem();
			goto out;
		}
	}
	if (rc == TK_OK) {
		*out = by;
		by = NULL;
	}
out:
	store_finalize(s);
	json_decref(by);
	return rc;
}

/* The indicators of a review with the instrument's definitions, answers, scores and files. */
static enum tk_err indicators_json(struct svc_ctx *c, int64_t id, json_t *doc, int live, json_t **out)
{
	struct store_stmt *s = NULL;
	json_t *arr = json_array(), *files = NULL, *v;
	size_t i;
	int row = 0;
	enum tk_err rc;

	*out = NULL;
	if (arr == NULL)
		return nomem();
	if ((rc = files_json(c, id, &files)) != TK_OK)
		goto out;
	json_array_foreach (json_object_get(doc, "indicators"), i, v) {
		const char *ind = json_string_value(json_object_get(v, "id"));
		int is_auto = strcmp(json_string_value(json_object_get(v, "evaluation")), "auto") == 0;
		json_t *o = json_deep_copy(v), *autoj = json_null(), *fl = json_object_get(files, ind);
		if (o == NULL || json_object_set(o, "scale", review_instr_scale(doc, v)) != 0 || json_array_append_new(arr, o) != 0) {
			json_decref(autoj);
			rc = nomem();
			goto out;
		}
		if ((rc = store_prepare(c->st, "SELECT auto_status, auto_evidence, self_level, self_note, answered_by, answered_at, level, reviewer_note,"
					       " scored_by, scored_at FROM review_answers WHERE review_id = ? AND indicator = ?",
			 &s)) != TK_OK ||
		    (rc = store_bind_i64(s, 1, id)) != TK_OK || (rc = store_bind_text(s, 2, ind)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
			goto out;
		if (is_auto && !live && row && !store_col_null(s, 0)) {
			json_error_t jerr;
			json_t *ev = json_loads(store_col_text(s, 1), 0, &jerr);
			autoj = json_pack("{s:s, s:o, s:b}", "status", store_col_text(s, 0), "evidence", ev ? ev : json_null(), "frozen", 1);
		} else if (is_auto && live) {
			json_t *ev = NULL;
			int pass = 0;
			if ((rc = review_auto_eval(c, ind, &pass, &ev)) != TK_OK)
				goto out;
			autoj = json_pack("{s:s, s:o, s:b}", "status", pass ? "pass" : "fail", "evidence", ev, "frozen", 0);
		}
		if (json_object_set_new(o, "auto", autoj) != 0 ||
		    json_object_set_new(o, "self_level", row ? int_or_null(s, 2) : json_null()) != 0 ||
		    json_object_set_new(o, "self_note", row ? str_or_null(s, 3) : json_null()) != 0 ||
		    json_object_set_new(o, "answered_by", row ? str_or_null(s, 4) : json_null()) != 0 ||
		    json_object_set_new(o, "answered_at", row ? time_or_null(s, 5) : json_null()) != 0 ||
		    json_object_set_new(o, "level", row ? int_or_null(s, 6) : json_null()) != 0 ||
		    json_object_set_new(o, "reviewer_note", row ? str_or_null(s, 7) : json_null()) != 0 ||
		    json_object_set_new(o, "scored_by", row ? str_or_null(s, 8) : json_null()) != 0 ||
		    json_object_set_new(o, "scored_at", row ? time_or_null(s, 9) : json_null()) != 0 ||
		    json_object_set(o, "files", fl != NULL ? fl : json_array()) != 0) {
			rc = nomem();
			goto out;
		}
		if (fl == NULL)
			json_decref(json_object_get(o, "files")); /* the fresh empty array: drop our reference */
		store_finalize(s);
		s = NULL;
	}
	*out = arr;
	arr = NULL;
out:
	store_finalize(s);
	json_decref(files);
	json_decref(arr);
	return rc;
}

/* The whole review as JSON (review_get's answer). Caller decrefs. */
enum tk_err review_record_json(struct svc_ctx *c, int64_t id, json_t **out)
{
	struct store_stmt *s = NULL;
	json_t *j = NULL, *doc = NULL, *inds = NULL, *recs = NULL, *result = NULL;
	int64_t ver = 0, ver2 = 0;
	char sha[65], state[16];
	int row = 0;
	enum tk_err rc;

	*out = NULL;
	if ((rc = store_prepare(c->st, "SELECT id, title, period_from, period_to, state, score_x100, maturity, findings, result_json, report_sha256,"
				       " signed_sha256, signer_dn, opened_by, opened_at, submitted_by, submitted_at, closed_by, closed_at, delivered_at,"
				       " instrument_version FROM reviews WHERE id = ?",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_review", "no review %lld", (long long)id);
		goto out;
	}
	ver = store_col_i64(s, 19);
	if ((rc = str_copy(state, sizeof(state), store_col_text(s, 4))) != TK_OK)
		goto out;
	if (!store_col_null(s, 8)) {
		json_error_t jerr;
		result = json_loads(store_col_text(s, 8), 0, &jerr);
	}
	j = json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:o, s:o, s:o, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "id",
	    (json_int_t)store_col_i64(s, 0), "title", store_col_text(s, 1), "period_from", store_col_text(s, 2), "period_to", store_col_text(s, 3),
	    "state", state, "score_x100", int_or_null(s, 5), "maturity", int_or_null(s, 6), "findings", store_col_text(s, 7), "result",
	    result ? result : json_null(), "report_sha256", str_or_null(s, 9), "signed_sha256", str_or_null(s, 10), "signer_dn", str_or_null(s, 11),
	    "opened_by", store_col_text(s, 12), "opened_at", time_or_null(s, 13), "submitted_by", str_or_null(s, 14), "submitted_at",
	    time_or_null(s, 15), "closed_by", str_or_null(s, 16), "closed_at", time_or_null(s, 17), "delivered_at", time_or_null(s, 18));
	result = NULL;
	store_finalize(s);
	s = NULL;
	if (j == NULL) {
		rc = nomem();
		goto out;
	}
	if ((rc = review_instr_load(c, ver, &doc, &ver2, sha)) != TK_OK ||
	    (rc = indicators_json(c, id, doc, strcmp(state, "open") == 0, &inds)) != TK_OK || (rc = recommendations_json(c, id, &recs)) != TK_OK)
		goto out;
	if (json_object_set_new(j, "instrument", json_pack("{s:I, s:s, s:O, s:O, s:O}", "version", (json_int_t)ver, "sha256", sha, "title", json_object_get(doc, "title"), "aspects", json_object_get(doc, "aspects"), "maturity", json_object_get(doc, "maturity"))) != 0 ||
	    json_object_set_new(j, "indicators", inds) != 0 || json_object_set_new(j, "recommendations", recs) != 0) {
		inds = recs = NULL;
		rc = nomem();
		goto out;
	}
	inds = recs = NULL;
	*out = j;
	j = NULL;
out:
	store_finalize(s);
	json_decref(j);
	json_decref(doc);
	json_decref(inds);
	json_decref(recs);
	json_decref(result);
	return rc;
}

enum tk_err review_get(struct svc_ctx *c, int64_t id, char **out)
{
	json_t *j = NULL;
	enum tk_err rc;

	if ((rc = review_allowed(c, REVIEW_READ)) != TK_OK || (rc = review_record_json(c, id, &j)) != TK_OK)
		return rc;
	return svc_json_dump(j, out);
}

enum tk_err review_list(struct svc_ctx *c, char **out)
{
	struct store_stmt *s = NULL;
	json_t *arr = NULL;
	int row = 0;
	enum tk_err rc;

	if ((rc = review_allowed(c, REVIEW_READ)) != TK_OK)
		return rc;
	if ((arr = json_array()) == NULL)
		return nomem();
	if ((rc = store_prepare(c->st, "SELECT id, title, period_from, period_to, state, instrument_version, score_x100, maturity, opened_by, opened_at,"
				       " closed_at, signed_sha256 IS NOT NULL FROM reviews ORDER BY id DESC LIMIT ?",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, REVIEW_MAX_LIST)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		if (json_array_append_new(arr, json_pack("{s:I, s:s, s:s, s:s, s:s, s:I, s:o, s:o, s:s, s:o, s:o, s:b}", "id",
						   (json_int_t)store_col_i64(s, 0), "title", store_col_text(s, 1), "period_from", store_col_text(s, 2),
						   "period_to", store_col_text(s, 3), "state", store_col_text(s, 4), "instrument_version",
						   (json_int_t)store_col_i64(s, 5), "score_x100", int_or_null(s, 6), "maturity", int_or_null(s, 7),
						   "opened_by", store_col_text(s, 8), "opened_at", time_or_null(s, 9), "closed_at", time_or_null(s, 10),
						   "signed", (int)store_col_i64(s, 11))) != 0) {
			rc = nomem();
			goto out;
		}
	}
	if (rc == TK_OK) {
		rc = svc_json_dump(arr, out);
		arr = NULL;
	}
out:
	store_finalize(s);
	json_decref(arr);
	return rc;
}

/* ------------------------------------------------------------ open */

struct open_arg {
	const char *title, *from, *to;
	json_t *doc;
	int64_t version, id;
};

static enum tk_err open_tx(struct svc_ctx *c, void *arg)
{
	struct open_arg *a = arg;
	struct store_stmt *s = NULL;
	json_t *v;
	size_t i;
	int row;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "INSERT INTO reviews (instrument_version, title, period_from, period_to, state, opened_by, opened_at, updated_at)"
				       " VALUES (?, ?, ?, ?, 'open', ?, ?, ?) RETURNING id",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, a->version)) != TK_OK || (rc = store_bind_text(s, 2, a->title)) != TK_OK ||
	    (rc = store_bind_text(s, 3, a->from)) != TK_OK || (rc = store_bind_text(s, 4, a->to)) != TK_OK ||
	    (rc = store_bind_text(s, 5, c->actor.user)) != TK_OK || (rc = store_bind_i64(s, 6, tk_now())) != TK_OK ||
	    (rc = store_bind_i64(s, 7, tk_now())) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail(TK_ERR_STORE, "review: no id returned");
		goto out;
	}
	a->id = store_col_i64(s, 0);
	store_finalize(s);
	s = NULL;
	json_array_foreach (json_object_get(a->doc, "indicators"), i, v) {
		int is_auto = strcmp(json_string_value(json_object_get(v, "evaluation")), "auto") == 0;
		if ((rc = store_prepare(c->st, "INSERT INTO review_answers (review_id, indicator, auto_status) VALUES (?, ?, ?)", &s)) != TK_OK ||
		    (rc = store_bind_i64(s, 1, a->id)) != TK_OK || (rc = store_bind_text(s, 2, json_string_value(json_object_get(v, "id")))) != TK_OK ||
		    (rc = is_auto ? store_bind_null(s, 3) : store_bind_text(s, 3, "manual")) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
			goto out;
		store_finalize(s);
		s = NULL;
	}
	rc = audit_review(c, "review.open", a->id,
	    json_pack("{s:s, s:s, s:s, s:I}", "title", a->title, "period_from", a->from, "period_to", a->to, "instrument_version", (json_int_t)a->version));
out:
	store_finalize(s);
	return rc;
}

enum tk_err review_open(struct svc_ctx *c, json_t *in, char **out)
{
	struct open_arg a;
	char sha[65];
	enum tk_err rc;

	if ((rc = review_allowed(c, REVIEW_ISSUER)) != TK_OK)
		return rc;
	memset(&a, 0, sizeof(a));
	if (!json_is_object(in))
		return tk_fail_code(TK_ERR_INVALID, "invalid_body", "a review is a JSON object {title, period_from, period_to}");
	if ((rc = svc_json_str(in, "title", 1, REVIEW_MAX_TITLE, &a.title)) != TK_OK || (rc = svc_json_str(in, "period_from", 1, 10, &a.from)) != TK_OK ||
	    (rc = svc_json_str(in, "period_to", 1, 10, &a.to)) != TK_OK || (rc = date_ok(a.from, "period_from")) != TK_OK ||
	    (rc = date_ok(a.to, "period_to")) != TK_OK)
		return rc;
	if (strcmp(a.from, a.to) > 0)
		return tk_fail_code(TK_ERR_INVALID, "invalid_period", "period_from %s is after period_to %s", a.from, a.to);
	/* The reviewer may name the instrument version (ministry admins load
	 * versions; the issuer chooses what it measures with); default the newest. */
	{
		json_t *v = json_object_get(in, "instrument_version");
		json_int_t want = 0;
		if (v != NULL && !json_is_null(v)) {
			if (!json_is_integer(v) || (want = json_integer_value(v)) < 1)
				return tk_fail_code(TK_ERR_INVALID, "invalid_field", "instrument_version must be a positive number");
		}
		if ((rc = review_instr_load(c, (int64_t)want, &a.doc, &a.version, sha)) != TK_OK)
			return rc;
	}
	if ((rc = svc_in_tx(c, open_tx, &a)) == TK_OK)
		rc = review_get(c, a.id, out);
	json_decref(a.doc);
	return rc;
}

/* ------------------------------------------------------------ answers and scores */

/* One {indicator, level, note?} entry checked against the instrument; *ind the indicator. */
static enum tk_err entry_ok(json_t *doc, json_t *e, size_t i, const char **ind_id, int64_t *level, const char **note, json_t **ind)
{
	json_t *sc, *lv;
	enum tk_err rc;

	if (!json_is_object(e))
		return tk_fail_code(TK_ERR_INVALID, "invalid_field", "entry %zu must be an object {indicator, level, note}", i);
	if ((rc = svc_json_str(e, "indicator", 1, REVIEW_MAX_ID, ind_id)) != TK_OK || (rc = svc_json_str(e, "note", 0, REVIEW_MAX_TEXT, note)) != TK_OK)
		return rc;
	if ((*ind = review_instr_indicator(doc, *ind_id)) == NULL)
		return tk_fail_code(TK_ERR_INVALID, "unknown_indicator", "the review's instrument has no indicator %s", *ind_id);
	sc = review_instr_scale(doc, *ind);
	lv = json_object_get(e, "level");
	if (!json_is_integer(lv) || json_integer_value(lv) < json_integer_value(json_object_get(sc, "min")) ||
	    json_integer_value(lv) > json_integer_value(json_object_get(sc, "max")))
		return tk_fail_code(TK_ERR_INVALID, "invalid_level", "%s: level must be an integer %lld..%lld (its scale %s)", *ind_id,
		    (long long)json_integer_value(json_object_get(sc, "min")), (long long)json_integer_value(json_object_get(sc, "max")),
		    json_string_value(json_object_get(*ind, "scale")));
	*level = json_integer_value(lv);
	return TK_OK;
}

struct answer_arg {
	int64_t id;
	json_t *entries;
	json_t *doc;
	int score; /* 0: ministry self-assessment, 1: reviewer's scores */
	const char *findings;
};

static enum tk_err answer_tx(struct svc_ctx *c, void *arg)
{
	struct answer_arg *a = arg;
	struct store_stmt *s = NULL;
	json_t *e, *done = json_array();
	char state[16];
	int64_t ver = 0;
	size_t i;
	int row;
	enum tk_err rc;

	if (done == NULL)
		return nomem();
	if ((rc = review_state(c, a->id, state, &ver)) != TK_OK ||
	    (rc = need_state(state, a->score ? "submitted" : "open", a->id, a->score ? "scoring" : "answering")) != TK_OK)
		goto out;
	json_array_foreach (a->entries, i, e) {
		const char *ind_id = NULL, *note = NULL;
		int64_t level = 0;
		json_t *ind = NULL;
		if ((rc = entry_ok(a->doc, e, i, &ind_id, &level, &note, &ind)) != TK_OK)
			goto out;
		if (!a->score && strcmp(json_string_value(json_object_get(ind, "evaluation")), "manual") != 0) {
			rc = tk_fail_code(TK_ERR_INVALID, "automatic_indicator", "%s is evaluated by teken from its records: the ministry answers the manual indicators",
			    ind_id);
			goto out;
		}
		if ((rc = store_prepare(c->st, a->score ? "UPDATE review_answers SET level = ?, reviewer_note = ?, scored_by = ?, scored_at = ?"
							  " WHERE review_id = ? AND indicator = ?"
							: "UPDATE review_answers SET self_level = ?, self_note = ?, answered_by = ?, answered_at = ?"
							  " WHERE review_id = ? AND indicator = ?",
			 &s)) != TK_OK ||
		    (rc = store_bind_i64(s, 1, level)) != TK_OK || (rc = note ? store_bind_text(s, 2, note) : store_bind_null(s, 2)) != TK_OK ||
		    (rc = store_bind_text(s, 3, c->actor.user)) != TK_OK || (rc = store_bind_i64(s, 4, tk_now())) != TK_OK ||
		    (rc = store_bind_i64(s, 5, a->id)) != TK_OK || (rc = store_bind_text(s, 6, ind_id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
			goto out;
		store_finalize(s);
		s = NULL;
		if (json_array_append_new(done, json_pack("{s:s, s:I}", "indicator", ind_id, "level", (json_int_t)level)) != 0) {
			rc = nomem();
			goto out;
		}
	}
	if (a->findings != NULL) {
		if ((rc = store_prepare(c->st, "UPDATE reviews SET findings = ?, updated_at = ? WHERE id = ?", &s)) != TK_OK ||
		    (rc = store_bind_text(s, 1, a->findings)) != TK_OK || (rc = store_bind_i64(s, 2, tk_now())) != TK_OK ||
		    (rc = store_bind_i64(s, 3, a->id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
			goto out;
	}
	rc = audit_review(c, a->score ? "review.score" : "review.answer", a->id, json_pack("{s:O, s:b}", "entries", done, "findings", a->findings != NULL));
out:
	store_finalize(s);
	json_decref(done);
	return rc;
}

static enum tk_err answer_common(struct svc_ctx *c, int64_t id, json_t *in, int score, char **out)
{
	struct answer_arg a;
	json_t *empty = NULL;
	char state[16], sha[65];
	int64_t ver = 0, ver2 = 0;
	enum tk_err rc;

	if ((rc = review_allowed(c, score ? REVIEW_ISSUER : REVIEW_MINISTRY)) != TK_OK)
		return rc;
	memset(&a, 0, sizeof(a));
	a.id = id;
	a.score = score;
	if (!json_is_object(in))
		return tk_fail_code(TK_ERR_INVALID, "invalid_body", "expected a JSON object");
	a.entries = json_object_get(in, score ? "scores" : "answers");
	if (a.entries == NULL && score) { /* the findings alone */
		if ((empty = json_array()) == NULL)
			return nomem();
		a.entries = empty;
	}
	if (!json_is_array(a.entries) || json_array_size(a.entries) > REVIEW_MAX_INDICATORS) {
		rc = tk_fail_code(TK_ERR_INVALID, "invalid_field", "%s must be an array of at most %u entries", score ? "scores" : "answers",
		    REVIEW_MAX_INDICATORS);
		goto out;
	}
	if ((score && (rc = svc_json_str(in, "findings", 0, REVIEW_MAX_TEXT, &a.findings)) != TK_OK) || (rc = review_state(c, id, state, &ver)) != TK_OK ||
	    (rc = review_instr_load(c, ver, &a.doc, &ver2, sha)) != TK_OK)
		goto out;
	if ((rc = svc_in_tx(c, answer_tx, &a)) == TK_OK)
		rc = review_get(c, id, out);
out:
	json_decref(a.doc);
	json_decref(empty);
	return rc;
}

enum tk_err review_answer(struct svc_ctx *c, int64_t id, json_t *in, char **out)
{
	return answer_common(c, id, in, 0, out);
}

enum tk_err review_score(struct svc_ctx *c, int64_t id, json_t *in, char **out)
{
	return answer_common(c, id, in, 1, out);
}

/* ------------------------------------------------------------ submit */

struct submit_arg {
	int64_t id;
	json_t *doc;
	json_t *autos; /* {indicator: {pass, evidence}} computed just before */
};

static enum tk_err submit_tx(struct svc_ctx *c, void *arg)
{
	struct submit_arg *a = arg;
	struct store_stmt *s = NULL;
	json_t *v, *missing = json_array(), *summary = json_object();
	char state[16];
	int64_t ver = 0;
	size_t i;
	int row = 0;
	enum tk_err rc;

	if (missing == NULL || summary == NULL) {
		rc = nomem();
		goto out;
	}
	if ((rc = review_state(c, a->id, state, &ver)) != TK_OK || (rc = need_state(state, "open", a->id, "submitting")) != TK_OK)
		goto out;
	if ((rc = store_prepare(c->st, "SELECT a.indicator FROM review_answers a WHERE a.review_id = ? AND a.auto_status = 'manual'"
				       " AND a.self_level IS NULL ORDER BY a.indicator",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, a->id)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row)
		if (json_array_append_new(missing, json_string(store_col_text(s, 0))) != 0) {
			rc = nomem();
			goto out;
		}
	if (rc != TK_OK)
		goto out;
	store_finalize(s);
	s = NULL;
	if (json_array_size(missing) > 0) {
		char *m = json_dumps(missing, JSON_COMPACT);
		rc = tk_fail_code(TK_ERR_CONFLICT, "unanswered_indicators", "every manual indicator needs a self-assessment level before submitting: %s missing",
		    m ? m : "some are");
		free(m);
		goto out;
	}
	json_array_foreach (json_object_get(a->doc, "indicators"), i, v) {
		const char *id = json_string_value(json_object_get(v, "id"));
		json_t *r = json_object_get(a->autos, id), *sc = review_instr_scale(a->doc, v);
		char *ev = NULL;
		int pass;
		if (r == NULL)
			continue;
		pass = json_is_true(json_object_get(r, "pass"));
		if ((ev = json_dumps(json_object_get(r, "evidence"), JSON_COMPACT)) == NULL) {
			rc = nomem();
			goto out;
		}
		/* The automatic verdict is also the proposed level (top or bottom of its scale); the reviewer may change it. */
		rc = store_prepare(c->st, "UPDATE review_answers SET auto_status = ?, auto_evidence = ?, level = ? WHERE review_id = ? AND indicator = ?", &s);
		if (rc == TK_OK && (rc = store_bind_text(s, 1, pass ? "pass" : "fail")) == TK_OK && (rc = store_bind_text(s, 2, ev)) == TK_OK &&
		    (rc = store_bind_i64(s, 3, json_integer_value(json_object_get(sc, pass ? "max" : "min")))) == TK_OK &&
		    (rc = store_bind_i64(s, 4, a->id)) == TK_OK && (rc = store_bind_text(s, 5, id)) == TK_OK)
			rc = store_step(s, &row);
		free(ev);
		store_finalize(s);
		s = NULL;
		if (rc != TK_OK)
			goto out;
		if (json_object_set_new(summary, id, json_string(pass ? "pass" : "fail")) != 0) {
			rc = nomem();
			goto out;
		}
	}
	if ((rc = store_prepare(c->st, "UPDATE reviews SET state = 'submitted', submitted_by = ?, submitted_at = ?, updated_at = ? WHERE id = ?", &s)) != TK_OK ||
	    (rc = store_bind_text(s, 1, c->actor.user)) != TK_OK || (rc = store_bind_i64(s, 2, tk_now())) != TK_OK ||
	    (rc = store_bind_i64(s, 3, tk_now())) != TK_OK || (rc = store_bind_i64(s, 4, a->id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	rc = audit_review(c, "review.submit", a->id, json_pack("{s:O}", "automatic", summary));
out:
	store_finalize(s);
	json_decref(missing);
	json_decref(summary);
	return rc;
}

enum tk_err review_submit(struct svc_ctx *c, int64_t id, char **out)
{
	struct submit_arg a;
	json_t *v;
	char state[16], sha[65];
	int64_t ver = 0, ver2 = 0;
	size_t i;
	enum tk_err rc;

	if ((rc = review_allowed(c, REVIEW_MINISTRY)) != TK_OK)
		return rc;
	memset(&a, 0, sizeof(a));
	a.id = id;
	if ((rc = review_state(c, id, state, &ver)) != TK_OK || (rc = need_state(state, "open", id, "submitting")) != TK_OK ||
	    (rc = review_instr_load(c, ver, &a.doc, &ver2, sha)) != TK_OK)
		return rc;
	if ((a.autos = json_object()) == NULL) {
		rc = nomem();
		goto out;
	}
	/* Computed outside the write transaction (the audit check opens its own); frozen inside it. */
	json_array_foreach (json_object_get(a.doc, "indicators"), i, v) {
		const char *ind = json_string_value(json_object_get(v, "id"));
		json_t *ev = NULL;
		int pass = 0;
		if (strcmp(json_string_value(json_object_get(v, "evaluation")), "auto") != 0)
			continue;
		if ((rc = review_auto_eval(c, ind, &pass, &ev)) != TK_OK)
			goto out;
		if (json_object_set_new(a.autos, ind, json_pack("{s:b, s:o}", "pass", pass, "evidence", ev)) != 0) {
			rc = nomem();
			goto out;
		}
	}
	if ((rc = svc_in_tx(c, submit_tx, &a)) == TK_OK)
		rc = review_get(c, id, out);
out:
	json_decref(a.doc);
	json_decref(a.autos);
	return rc;
}

/* ------------------------------------------------------------ evidence files */

/* The types accepted as evidence, each with the bytes it must start with ("" for text). */
static const struct {
	const char *mime;
	const char *magic;
	size_t magic_len;
} evidence_types[] = {
	{ "application/pdf", "%PDF-", 5 },
	{ "image/png", "\x89PNG\r\n\x1a\n", 8 },
	{ "image/jpeg", "\xff\xd8\xff", 3 },
	{ "text/plain", "", 0 },
};

static enum tk_err filename_ok(const char *name)
{
	size_t i, n = name != NULL ? strlen(name) : 0;

	if (n == 0 || n > 200)
		return tk_fail_code(TK_ERR_INVALID, "invalid_filename", "the evidence file needs a name of 1..200 bytes");
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)name[i];
		if (ch < 0x20 || ch == 0x7f || ch == '/' || ch == '\\' || ch == '"')
			return tk_fail_code(TK_ERR_INVALID, "invalid_filename", "the evidence file name holds a control character, slash or quote");
	}
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return tk_fail_code(TK_ERR_INVALID, "invalid_filename", "the evidence file needs a real name");
	return TK_OK;
}

struct file_arg {
	int64_t id, fid;
	const char *indicator, *filename, *mime;
	const uint8_t *p;
	size_t len;
	char sha[65];
};

static enum tk_err file_tx(struct svc_ctx *c, void *arg)
{
	struct file_arg *a = arg;
	struct store_stmt *s = NULL;
	char state[16];
	int64_t ver = 0, n = 0;
	int row = 0;
	enum tk_err rc;

	if ((rc = review_state(c, a->id, state, &ver)) != TK_OK || (rc = need_state(state, "open", a->id, "adding evidence")) != TK_OK)
		return rc;
	if ((rc = store_prepare(c->st, "SELECT COUNT(*) FROM review_files WHERE review_id = ? AND indicator = ?", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, a->id)) != TK_OK || (rc = store_bind_text(s, 2, a->indicator)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	n = store_col_i64(s, 0);
	store_finalize(s);
	s = NULL;
	if (n >= (int64_t)REVIEW_MAX_FILES) {
		rc = tk_fail_code(TK_ERR_LIMIT, "too_many_files", "%s has %u evidence files already", a->indicator, REVIEW_MAX_FILES);
		goto out;
	}
	if ((rc = store_prepare(c->st, "INSERT INTO review_files (review_id, indicator, filename, mime, size, sha256, data, uploaded_by, uploaded_at)"
				       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, a->id)) != TK_OK || (rc = store_bind_text(s, 2, a->indicator)) != TK_OK ||
	    (rc = store_bind_text(s, 3, a->filename)) != TK_OK || (rc = store_bind_text(s, 4, a->mime)) != TK_OK ||
	    (rc = store_bind_i64(s, 5, (int64_t)a->len)) != TK_OK || (rc = store_bind_text(s, 6, a->sha)) != TK_OK ||
	    (rc = store_bind_blob(s, 7, a->p, a->len)) != TK_OK || (rc = store_bind_text(s, 8, c->actor.user)) != TK_OK ||
	    (rc = store_bind_i64(s, 9, tk_now())) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	a->fid = row ? store_col_i64(s, 0) : 0;
	rc = audit_review(c, "review.file.add", a->id,
	    json_pack("{s:I, s:s, s:s, s:s, s:I, s:s}", "file", (json_int_t)a->fid, "indicator", a->indicator, "filename", a->filename, "mime", a->mime,
		"size", (json_int_t)a->len, "sha256", a->sha));
out:
	store_finalize(s);
	return rc;
}

enum tk_err review_file_add(struct svc_ctx *c, int64_t id, const char *indicator, const char *filename, const char *mime, const uint8_t *p,
    size_t len, char **out)
{
	struct file_arg a;
	json_t *doc = NULL;
	char state[16], sha[65];
	int64_t ver = 0, ver2 = 0;
	size_t i;
	int typed = 0;
	enum tk_err rc;

	if ((rc = review_allowed(c, REVIEW_MINISTRY)) != TK_OK)
		return rc;
	if (len > REVIEW_MAX_FILE)
		return tk_fail_code(TK_ERR_LIMIT, "too_large", "an evidence file is at most %u bytes", REVIEW_MAX_FILE);
	if (len == 0)
		return tk_fail_code(TK_ERR_INVALID, "empty_file", "the evidence file is empty");
	if ((rc = filename_ok(filename)) != TK_OK)
		return rc;
	if (indicator == NULL || indicator[0] == '\0')
		return tk_fail_code(TK_ERR_INVALID, "missing_field", "indicator is required");
	if (mime == NULL || mime[0] == '\0' || strcmp(mime, "application/octet-stream") == 0) {
		/* No useful declared type (a browser's or client's default): the bytes say which it is. */
		mime = NULL;
		for (i = 0; i < sizeof(evidence_types) / sizeof(evidence_types[0]) && mime == NULL; i++)
			if (evidence_types[i].magic_len > 0 && len >= evidence_types[i].magic_len &&
			    memcmp(p, evidence_types[i].magic, evidence_types[i].magic_len) == 0)
				mime = evidence_types[i].mime;
		if (mime == NULL)
			return tk_fail_code(TK_ERR_INVALID, "unsupported_type",
			    "evidence is a PDF, PNG or JPEG file (or text/plain when declared so); these bytes are none of them");
	}
	for (i = 0; i < sizeof(evidence_types) / sizeof(evidence_types[0]); i++) {
		if (strcmp(mime, evidence_types[i].mime) != 0)
			continue;
		typed = 1;
		if (len < evidence_types[i].magic_len || memcmp(p, evidence_types[i].magic, evidence_types[i].magic_len) != 0)
			return tk_fail_code(TK_ERR_INVALID, "type_mismatch", "the evidence file does not start like %s", mime);
		if (evidence_types[i].magic_len == 0 && memchr(p, '\0', len) != NULL)
			return tk_fail_code(TK_ERR_INVALID, "type_mismatch", "a text/plain evidence file holds NUL bytes");
	}
	if (!typed)
		return tk_fail_code(TK_ERR_INVALID, "unsupported_type", "evidence is application/pdf, image/png, image/jpeg or text/plain");
	if ((rc = review_state(c, id, state, &ver)) != TK_OK || (rc = review_instr_load(c, ver, &doc, &ver2, sha)) != TK_OK)
		return rc;
	if (review_instr_indicator(doc, indicator) == NULL) {
		json_decref(doc);
		return tk_fail_code(TK_ERR_INVALID, "unknown_indicator", "the review's instrument has no indicator %s", indicator);
	}
	json_decref(doc);
	memset(&a, 0, sizeof(a));
	a.id = id;
	a.indicator = indicator;
	a.filename = filename;
	a.mime = mime;
	a.p = p;
	a.len = len;
	sha256_hex(p, len, a.sha);
	if ((rc = svc_in_tx(c, file_tx, &a)) != TK_OK)
		return rc;
	return review_get(c, id, out);
}

struct fget_arg {
	int64_t id, fid;
	struct buf *out;
	char *filename, *mime;
};

static enum tk_err fget_tx(struct svc_ctx *c, void *arg)
{
	struct fget_arg *a = arg;
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "SELECT filename, mime, data, sha256 FROM review_files WHERE id = ? AND review_id = ?", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, a->fid)) != TK_OK || (rc = store_bind_i64(s, 2, a->id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_file", "review %lld has no evidence file %lld", (long long)a->id, (long long)a->fid);
		goto out;
	}
	{
		size_t len = 0;
		const uint8_t *p = store_col_blob(s, 2, &len);
		if ((rc = str_copy(a->filename, 256, store_col_text(s, 0))) != TK_OK || (rc = str_copy(a->mime, 128, store_col_text(s, 1))) != TK_OK ||
		    (rc = buf_append(a->out, p, len)) != TK_OK)
			goto out;
	}
	rc = audit_review(c, "review.file.read", a->id, json_pack("{s:I, s:s}", "file", (json_int_t)a->fid, "sha256", store_col_text(s, 3)));
out:
	store_finalize(s);
	return rc;
}

enum tk_err review_file_get(struct svc_ctx *c, int64_t id, int64_t fid, struct buf *out, char filename[256], char mime[128])
{
	struct fget_arg a;
	enum tk_err rc;

	if ((rc = review_allowed(c, REVIEW_READ)) != TK_OK)
		return rc;
	a.id = id;
	a.fid = fid;
	a.out = out;
	a.filename = filename;
	a.mime = mime;
	return svc_in_tx(c, fget_tx, &a);
}

/*
 * The holiday calendar and the agreement's deadlines (svc/calendar/calendar.h,
 * docs/agreements.md "Counting days").
 */
#include "svc/calendar/calendar.h"
#include "svc/base/base_int.h"

#include "config/config.h"
#include "crypto/crypto.h"
#include "store/store.h"
#include "svc/audit/audit.h"

#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define CAL_MAX_FILE (256 * 1024)

/* Fixed by law (UU/Keppres), the same every year: a year without a decree still has these. */
static const struct {
	int m, d;
	const char *name;
} fixed_days[] = {
	{ 1, 1, "Tahun Baru Masehi" },
	{ 5, 1, "Hari Buruh Internasional" },
	{ 6, 1, "Hari Lahir Pancasila" },
	{ 8, 17, "Hari Proklamasi Kemerdekaan Republik Indonesia" },
	{ 12, 25, "Kelahiran Yesus Kristus (Natal)" },
};

static const char *const rule_names[] = {
	"termination",
	"amendment",
	"contact-change",
	"force-majeure-verbal",
	"force-majeure-written",
};

/* ------------------------------------------------------------ who */

static enum tk_err may_read(const struct svc_ctx *c)
{
	if (c->actor.kind == ACTOR_OPERATOR ||
	    (c->actor.kind == ACTOR_PERSON && (strcmp(c->actor.role, "admin") == 0 || strcmp(c->actor.role, "auditor") == 0)))
		return TK_OK;
	return tk_fail_code(TK_ERR_DENIED, "forbidden", "the agreement's calendar is for admins (ministry) and auditors (issuer)");
}

static enum tk_err may_load(const struct svc_ctx *c)
{
	if (c->actor.kind == ACTOR_OPERATOR || (c->actor.kind == ACTOR_PERSON && strcmp(c->actor.role, "admin") == 0))
		return TK_OK;
	return tk_fail_code(TK_ERR_DENIED, "forbidden", "only admins load a year's holiday decree");
}

/* ------------------------------------------------------------ a year's holidays */

static int holiday_cmp(const void *a, const void *b)
{
	const struct cal_holiday *x = a, *y = b;

	if (x->day != y->day)
		return x->day < y->day ? -1 : 1;
	return strcmp(x->kind, y->kind);
}

static void year_init(struct cal_year *y, int year)
{
	memset(y, 0, sizeof(*y));
	y->year = year;
}

static enum tk_err check_year(int year)
{
	if (year < CAL_MIN_YEAR || year > CAL_MAX_YEAR)
		return tk_fail_code(TK_ERR_INVALID, "invalid_year", "the year must be %d..%d", CAL_MIN_YEAR, CAL_MAX_YEAR);
	return TK_OK;
}

/*
 * Fills y->h from a JSON array [{date, kind, name}] of that year: every date
 * in the year, kind national or cuti_bersama, a name, no (date, kind) twice.
 * where says what is being read, for errors.
 */
static enum tk_err parse_holidays(json_t *arr, struct cal_year *y, const char *where)
{
	size_t i;
	json_t *h;

	if (!json_is_array(arr))
		return tk_fail_code(TK_ERR_INVALID, "invalid_field", "%s: holidays must be an array", where);
	if (json_array_size(arr) > CAL_MAX_HOLIDAYS)
		return tk_fail_code(TK_ERR_LIMIT, "too_many", "%s: at most %d holidays in a year", where, CAL_MAX_HOLIDAYS);
	y->n = 0;
	json_array_foreach (arr, i, h) {
		const char *date = NULL, *kind = NULL, *name = NULL;
		struct cal_holiday *o = &y->h[y->n];
		int yy, mm, dd;
		size_t k;
		enum tk_err rc;
		char what[64];

		snprintf(what, sizeof(what), "holidays[%zu]", i);
		if (!json_is_object(h))
			return tk_fail_code(TK_ERR_INVALID, "invalid_field", "%s: %s must be an object {date, kind, name}", where, what);
		if ((rc = svc_json_str(h, "date", 1, 10, &date)) != TK_OK || (rc = svc_json_str(h, "kind", 1, 15, &kind)) != TK_OK ||
		    (rc = svc_json_str(h, "name", 1, sizeof(o->name) - 1, &name)) != TK_OK)
			return tk_wrap(rc, "%s: %s", where, what);
		if ((rc = cal_day_parse(date, what, &o->day)) != TK_OK)
			return tk_wrap(rc, "%s", where);
		cal_ymd(o->day, &yy, &mm, &dd);
		if (yy != y->year)
			return tk_fail_code(TK_ERR_INVALID, "invalid_date", "%s: %s %s is not in %d", where, what, date, y->year);
		if (strcmp(kind, "national") != 0 && strcmp(kind, "cuti_bersama") != 0)
			return tk_fail_code(TK_ERR_INVALID, "invalid_field", "%s: %s kind must be national or cuti_bersama", where, what);
		for (k = 0; k < y->n; k++)
			if (y->h[k].day == o->day && strcmp(y->h[k].kind, kind) == 0)
				return tk_fail_code(TK_ERR_INVALID, "duplicate", "%s: %s %s (%s) is listed twice", where, what, date, kind);
		snprintf(o->kind, sizeof(o->kind), "%s", kind);
		snprintf(o->name, sizeof(o->name), "%s", name);
		y->n++;
	}
	qsort(y->h, y->n, sizeof(y->h[0]), holiday_cmp);
	return TK_OK;
}

static void fixed_year(struct cal_year *y)
{
	size_t i;

	y->provisional = 1;
	snprintf(y->source, sizeof(y->source), "fixed");
	y->decree[0] = '\0';
	y->n = 0;
	for (i = 0; i < sizeof(fixed_days) / sizeof(fixed_days[0]); i++) {
		struct cal_holiday *o = &y->h[y->n++];
		o->day = cal_from_ymd(y->year, fixed_days[i].m, fixed_days[i].d);
		snprintf(o->kind, sizeof(o->kind), "national");
		snprintf(o->name, sizeof(o->name), "%s", fixed_days[i].name);
	}
}

/* The year from the store, when an admin loaded one; *found 0 otherwise. */
static enum tk_err year_from_store(struct svc_ctx *c, struct cal_year *y, int *found)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	*found = 0;
	if ((rc = store_prepare(c->st, "SELECT status, decree FROM holiday_years WHERE year = ?", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, y->year)) != TK_OK || (rc = store_step(s, &row)) != TK_OK || !row)
		goto out;
	*found = 1;
	y->provisional = strcmp(store_col_text(s, 0), "provisional") == 0;
	snprintf(y->decree, sizeof(y->decree), "%s", store_col_text(s, 1));
	snprintf(y->source, sizeof(y->source), "store");
	store_finalize(s);
	s = NULL;
	if ((rc = store_prepare(c->st, "SELECT day, kind, name FROM holidays WHERE year = ? ORDER BY day, kind", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, y->year)) != TK_OK)
		goto out;
	y->n = 0;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		struct cal_holiday *o;
		if (y->n == CAL_MAX_HOLIDAYS) {
			rc = tk_fail(TK_ERR_STORE, "calendar: more than %d holidays stored for %d", CAL_MAX_HOLIDAYS, y->year);
			break;
		}
		o = &y->h[y->n];
		if ((rc = cal_day_parse(store_col_text(s, 0), "stored holiday", &o->day)) != TK_OK)
			break;
		snprintf(o->kind, sizeof(o->kind), "%s", store_col_text(s, 1));
		snprintf(o->name, sizeof(o->name), "%s", store_col_text(s, 2));
		y->n++;
	}
out:
	store_finalize(s);
	return rc;
}

/* The year from the shipped data file; *found 0 when the file does not list it. */
static enum tk_err year_from_file(struct svc_ctx *c, struct cal_year *y, int *found)
{
	const char *path;
	uint8_t *p = NULL;
	size_t len = 0, i;
	json_t *doc, *years, *e;
	json_error_t jerr;
	char dflt[PATH_MAX];
	enum tk_err rc = TK_OK;

	*found = 0;
	if ((rc = str_fmt(dflt, sizeof(dflt), "%s/id-holidays.json", tk_data_dir())) != TK_OK)
		return rc;
	path = config_get_or(instance_config(c->inst), "agreement", "holidays_file", dflt);
	if (file_read(path, CAL_MAX_FILE, &p, &len) != TK_OK) {
		tk_clear_error();
		/* A missing data file would make every year silently provisional: say so instead. */
		return tk_fail(TK_ERR_IO, "calendar: cannot read the holiday data file %s (set [agreement] holidays_file)", path);
	}
	doc = json_loadb((const char *)p, len, JSON_REJECT_DUPLICATES, &jerr);
	free(p);
	if (doc == NULL)
		return tk_fail(TK_ERR_INVALID, "calendar: %s: line %d: %s", path, jerr.line, jerr.text);
	years = json_object_get(doc, "years");
	json_array_foreach (years, i, e) {
		json_t *yv = json_object_get(e, "year");
		const char *status, *decree;
		if (!json_is_integer(yv) || json_integer_value(yv) != y->year)
			continue;
		status = json_string_value(json_object_get(e, "status"));
		decree = json_string_value(json_object_get(e, "decree"));
		if ((rc = parse_holidays(json_object_get(e, "holidays"), y, path)) != TK_OK)
			break;
		y->provisional = status == NULL || strcmp(status, "decreed") != 0;
		snprintf(y->decree, sizeof(y->decree), "%s", decree != NULL ? decree : "");
		snprintf(y->source, sizeof(y->source), "shipped");
		*found = 1;
		break;
	}
	json_decref(doc);
	return rc;
}

enum tk_err cal_year_load(struct svc_ctx *c, int year, struct cal_year *out)
{
	enum tk_err rc;
	int found = 0;

	year_init(out, year);
	if ((rc = check_year(year)) != TK_OK)
		return rc;
	if ((rc = year_from_store(c, out, &found)) != TK_OK || found)
		return rc;
	if ((rc = year_from_file(c, out, &found)) != TK_OK || found)
		return rc;
	fixed_year(out);
	return TK_OK;
}

static const struct cal_holiday *holiday_on(const struct cal_year *y, int64_t day)
{
	size_t i;

	for (i = 0; i < y->n; i++)
		if (y->h[i].day == day)
			return &y->h[i];
	return NULL;
}

int cal_is_working_day(const struct cal_year *y, int64_t day, const struct cal_holiday **why)
{
	int wd = cal_weekday(day);

	*why = NULL;
	if (wd == 0 || wd == 6)
		return 0;
	*why = holiday_on(y, day);
	return *why == NULL;
}

/* ------------------------------------------------------------ deadlines */

const char *cal_rule_name(enum cal_rule r)
{
	return (size_t)r < sizeof(rule_names) / sizeof(rule_names[0]) ? rule_names[r] : "?";
}

enum tk_err cal_rule_parse(const char *s, enum cal_rule *out)
{
	size_t i;

	for (i = 0; s != NULL && i < sizeof(rule_names) / sizeof(rule_names[0]); i++)
		if (strcmp(s, rule_names[i]) == 0) {
			*out = (enum cal_rule)i;
			return TK_OK;
		}
	return tk_fail_code(TK_ERR_INVALID, "invalid_rule",
	    "rule must be termination, amendment, contact-change, force-majeure-verbal or force-majeure-written");
}

/* The calendars a count crosses: at most a few years, loaded once each. */
struct year_cache {
	struct cal_year *y[4];
	size_t n;
};

static enum tk_err year_for(struct svc_ctx *c, struct year_cache *yc, int64_t day, const struct cal_year **out)
{
	int yy, mm, dd;
	size_t i;
	enum tk_err rc;

	cal_ymd(day, &yy, &mm, &dd);
	for (i = 0; i < yc->n; i++)
		if (yc->y[i]->year == yy) {
			*out = yc->y[i];
			return TK_OK;
		}
	if (yc->n == sizeof(yc->y) / sizeof(yc->y[0]))
		return tk_fail(TK_ERR_INTERNAL, "calendar: a count crossed more than %zu years", yc->n);
	if ((yc->y[yc->n] = malloc(sizeof(struct cal_year))) == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	if ((rc = cal_year_load(c, yy, yc->y[yc->n])) != TK_OK) {
		free(yc->y[yc->n]);
		return rc;
	}
	*out = yc->y[yc->n++];
	return TK_OK;
}

/* Counts n working days from `from` (not counted) in direction step (+1 or -1). */
static enum tk_err count_working(struct svc_ctx *c, struct year_cache *yc, int n, int step, struct cal_deadline *out)
{
	int64_t d = out->from;
	int counted = 0;
	enum tk_err rc;

	while (counted < n) {
		const struct cal_year *y = NULL;
		const struct cal_holiday *why;
		d += step;
		if ((rc = year_for(c, yc, d, &y)) != TK_OK)
			return rc;
		if (y->provisional) {
			size_t k;
			for (k = 0; k < out->nprovisional && out->provisional_years[k] != y->year; k++)
				;
			if (k == out->nprovisional && k < sizeof(out->provisional_years) / sizeof(out->provisional_years[0]))
				out->provisional_years[out->nprovisional++] = y->year;
			out->provisional = 1;
		}
		if (cal_is_working_day(y, d, &why))
			counted++;
		else if (why != NULL && out->nskipped < sizeof(out->skipped) / sizeof(out->skipped[0]) &&
			 (out->nskipped == 0 || out->skipped[out->nskipped - 1].day != d))
			out->skipped[out->nskipped++] = *why;
	}
	out->deadline = d;
	out->working_days = counted;
	if (step < 0) /* counted backwards: list them in date order */
		qsort(out->skipped, out->nskipped, sizeof(out->skipped[0]), holiday_cmp);
	return TK_OK;
}

enum tk_err cal_working_days_from(struct svc_ctx *c, int64_t from, int n, int64_t *out, int *provisional)
{
	struct year_cache yc;
	struct cal_deadline *d = calloc(1, sizeof(*d));
	size_t i;
	enum tk_err rc;

	if (d == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	memset(&yc, 0, sizeof(yc));
	d->from = from;
	rc = count_working(c, &yc, n < 0 ? -n : n, n < 0 ? -1 : 1, d);
	for (i = 0; i < yc.n; i++)
		free(yc.y[i]);
	if (rc == TK_OK) {
		*out = d->deadline;
		if (provisional != NULL)
			*provisional = d->provisional;
	}
	free(d);
	return rc;
}

enum tk_err cal_deadline(struct svc_ctx *c, enum cal_rule rule, int64_t from, struct cal_deadline *out)
{
	struct year_cache yc;
	size_t i;
	enum tk_err rc = TK_OK;

	memset(out, 0, sizeof(*out));
	memset(&yc, 0, sizeof(yc));
	out->rule = rule;
	out->from = from;
	switch (rule) {
	case CAL_RULE_TERMINATION: /* art. 7(2): at least 60 calendar days before the proposed end */
		out->before = 1;
		out->deadline = from - 60;
		break;
	case CAL_RULE_AMENDMENT: /* art. 14(2): at least 45 working days before it takes effect */
		out->before = 1;
		rc = count_working(c, &yc, 45, -1, out);
		break;
	case CAL_RULE_CONTACT_CHANGE:        /* art. 15(2): within 7 working days */
	case CAL_RULE_FORCE_MAJEURE_WRITTEN: /* art. 11(3): in writing within 7 working days */
		rc = count_working(c, &yc, 7, 1, out);
		break;
	case CAL_RULE_FORCE_MAJEURE_VERBAL: /* art. 11(3): verbally within 2 working days */
		rc = count_working(c, &yc, 2, 1, out);
		break;
	default:
		rc = tk_fail(TK_ERR_INVALID, "calendar: unknown rule");
	}
	for (i = 0; i < yc.n; i++)
		free(yc.y[i]);
	if (rc == TK_OK) {
		int64_t span = out->deadline - out->from;
		out->calendar_days = (int)(span < 0 ? -span : span);
	}
	return rc;
}

/* ------------------------------------------------------------ JSON answers */

static json_t *holiday_json(const struct cal_holiday *h)
{
	static const char *const wd[7] = { "Minggu", "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu" };
	char d[16];

	cal_day_str(h->day, d);
	return json_pack("{s:s, s:s, s:s, s:s}", "date", d, "weekday", wd[cal_weekday(h->day)], "kind", h->kind, "name", h->name);
}

static const char *provisional_note(void)
{
	return "Belum ada SKB hari libur nasional dan cuti bersama untuk tahun ini: hanya hari libur bertanggal tetap yang dihitung (sementara).";
}

static const char *provisional_note_en(void)
{
	return "No holiday decree is loaded for this year: only the fixed-date national holidays are counted (provisional).";
}

static json_t *year_json(const struct cal_year *y)
{
	json_t *o, *arr = json_array();
	size_t i;

	for (i = 0; arr != NULL && i < y->n; i++)
		if (json_array_append_new(arr, holiday_json(&y->h[i])) != 0) {
			json_decref(arr);
			arr = NULL;
		}
	o = json_pack("{s:i, s:s, s:s, s:s, s:o*}", "year", y->year, "status", y->provisional ? "provisional" : "decreed", "source", y->source,
	    "decree", y->decree, "holidays", arr);
	if (o != NULL && y->provisional &&
	    (json_object_set_new(o, "note", json_string(provisional_note())) != 0 ||
		json_object_set_new(o, "note_en", json_string(provisional_note_en())) != 0)) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

enum tk_err calendar_holidays(struct svc_ctx *c, int year, char **out)
{
	struct cal_year *y;
	enum tk_err rc;

	*out = NULL;
	if ((rc = may_read(c)) != TK_OK)
		return rc;
	if ((y = malloc(sizeof(*y))) == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	if ((rc = cal_year_load(c, year, y)) == TK_OK)
		rc = svc_json_dump(year_json(y), out);
	free(y);
	return rc;
}

struct load_arg {
	struct cal_year *y;
};

static enum tk_err load_tx(struct svc_ctx *c, void *arg)
{
	struct load_arg *a = arg;
	struct store_stmt *s = NULL;
	char obj[32], *details = NULL;
	size_t i;
	int row;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "DELETE FROM holidays WHERE year = ?", &s)) != TK_OK || (rc = store_bind_i64(s, 1, a->y->year)) != TK_OK ||
	    (rc = store_step(s, &row)) != TK_OK)
		goto out;
	store_finalize(s);
	s = NULL;
	if ((rc = store_prepare(c->st, "DELETE FROM holiday_years WHERE year = ?", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, a->y->year)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	store_finalize(s);
	s = NULL;
	if ((rc = store_prepare(c->st, "INSERT INTO holiday_years (year, status, decree, loaded_by, loaded_at) VALUES (?, ?, ?, ?, ?)", &s)) !=
		TK_OK ||
	    (rc = store_bind_i64(s, 1, a->y->year)) != TK_OK ||
	    (rc = store_bind_text(s, 2, a->y->provisional ? "provisional" : "decreed")) != TK_OK ||
	    (rc = store_bind_text(s, 3, a->y->decree)) != TK_OK || (rc = store_bind_text(s, 4, c->actor.user)) != TK_OK ||
	    (rc = store_bind_i64(s, 5, tk_now())) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	store_finalize(s);
	s = NULL;
	for (i = 0; i < a->y->n; i++) {
		char d[16];
		cal_day_str(a->y->h[i].day, d);
		if ((rc = store_prepare(c->st, "INSERT INTO holidays (year, day, kind, name) VALUES (?, ?, ?, ?)", &s)) != TK_OK ||
		    (rc = store_bind_i64(s, 1, a->y->year)) != TK_OK || (rc = store_bind_text(s, 2, d)) != TK_OK ||
		    (rc = store_bind_text(s, 3, a->y->h[i].kind)) != TK_OK || (rc = store_bind_text(s, 4, a->y->h[i].name)) != TK_OK ||
		    (rc = store_step(s, &row)) != TK_OK)
			goto out;
		store_finalize(s);
		s = NULL;
	}
	snprintf(obj, sizeof(obj), "holidays:%d", a->y->year);
	if ((rc = svc_json_dump(json_pack("{s:s, s:s, s:I}", "status", a->y->provisional ? "provisional" : "decreed", "decree", a->y->decree,
				    "holidays", (json_int_t)a->y->n),
		 &details)) != TK_OK)
		goto out;
	rc = audit_append(c, "calendar.holidays_load", obj, details);
out:
	store_finalize(s);
	free(details);
	return rc;
}

enum tk_err calendar_holidays_load(struct svc_ctx *c, int year, json_t *in, char **out)
{
	struct load_arg a;
	const char *status = NULL, *decree = NULL;
	enum tk_err rc;

	*out = NULL;
	if ((rc = may_load(c)) != TK_OK || (rc = check_year(year)) != TK_OK)
		return rc;
	if (!json_is_object(in))
		return tk_fail_code(TK_ERR_INVALID, "invalid_body", "the body must be a JSON object {status, decree, holidays}");
	if ((rc = svc_json_str(in, "status", 1, 16, &status)) != TK_OK || (rc = svc_json_str(in, "decree", 0, 159, &decree)) != TK_OK)
		return rc;
	if (strcmp(status, "decreed") != 0 && strcmp(status, "provisional") != 0)
		return tk_fail_code(TK_ERR_INVALID, "invalid_field", "status must be decreed or provisional");
	if (strcmp(status, "decreed") == 0 && (decree == NULL || decree[0] == '\0'))
		return tk_fail_code(TK_ERR_INVALID, "missing_field", "a decreed year names its decree (decree)");
	if ((a.y = malloc(sizeof(*a.y))) == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	year_init(a.y, year);
	a.y->provisional = strcmp(status, "provisional") == 0;
	snprintf(a.y->decree, sizeof(a.y->decree), "%s", decree != NULL ? decree : "");
	snprintf(a.y->source, sizeof(a.y->source), "store");
	if ((rc = parse_holidays(json_object_get(in, "holidays"), a.y, "holidays")) == TK_OK && (rc = svc_in_tx(c, load_tx, &a)) == TK_OK)
		rc = svc_json_dump(year_json(a.y), out);
	free(a.y);
	return rc;
}

static enum tk_err reset_tx(struct svc_ctx *c, void *arg)
{
	const int *year = arg;
	struct store_stmt *s = NULL;
	char obj[32];
	int row;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "DELETE FROM holidays WHERE year = ?", &s)) != TK_OK || (rc = store_bind_i64(s, 1, *year)) != TK_OK ||
	    (rc = store_step(s, &row)) != TK_OK)
		goto out;
	store_finalize(s);
	if ((rc = store_prepare(c->st, "DELETE FROM holiday_years WHERE year = ? RETURNING year", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, *year)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "not_loaded", "no decree was loaded for %d: it already uses the shipped calendar", *year);
		goto out;
	}
	snprintf(obj, sizeof(obj), "holidays:%d", *year);
	rc = audit_append(c, "calendar.holidays_reset", obj, NULL);
out:
	store_finalize(s);
	return rc;
}

enum tk_err calendar_holidays_reset(struct svc_ctx *c, int year, char **out)
{
	enum tk_err rc;

	*out = NULL;
	if ((rc = may_load(c)) != TK_OK || (rc = check_year(year)) != TK_OK || (rc = svc_in_tx(c, reset_tx, &year)) != TK_OK)
		return rc;
	return calendar_holidays(c, year, out);
}

enum tk_err calendar_deadline(struct svc_ctx *c, const char *rule, const char *date, char **out)
{
	struct cal_deadline *d;
	enum cal_rule r;
	int64_t from;
	json_t *o, *dates, *detail;
	char from_s[16], dl[16];
	size_t i;
	enum tk_err rc;

	*out = NULL;
	if ((rc = may_read(c)) != TK_OK || (rc = cal_rule_parse(rule, &r)) != TK_OK || (rc = cal_day_parse(date, "date", &from)) != TK_OK)
		return rc;
	if ((d = malloc(sizeof(*d))) == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	if ((rc = cal_deadline(c, r, from, d)) != TK_OK) {
		free(d);
		return rc;
	}
	dates = json_array();
	detail = json_array();
	for (i = 0; dates != NULL && detail != NULL && i < d->nskipped; i++) {
		char s[16];
		cal_day_str(d->skipped[i].day, s);
		if (json_array_append_new(dates, json_string(s)) != 0 || json_array_append_new(detail, holiday_json(&d->skipped[i])) != 0)
			break;
	}
	cal_day_str(d->from, from_s);
	cal_day_str(d->deadline, dl);
	o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:o*, s:o*, s:b}", "rule", cal_rule_name(r), "from", from_s, "deadline", dl, "direction",
	    d->before ? "before" : "after", "calendar_days", d->calendar_days, "working_days_counted", d->working_days, "holidays_skipped", dates,
	    "holidays_skipped_detail", detail, "provisional", d->provisional);
	if (o != NULL && d->provisional) {
		char id[256], en[256];
		json_t *years = json_array();
		for (i = 0; years != NULL && i < d->nprovisional; i++)
			if (json_array_append_new(years, json_integer(d->provisional_years[i])) != 0)
				break;
		snprintf(id, sizeof(id), "Tahun %d belum memiliki SKB hari libur yang dimuat: hanya hari libur bertanggal tetap yang dihitung (sementara).",
		    d->provisional_years[0]);
		snprintf(en, sizeof(en), "No holiday decree is loaded for %d: only its fixed-date national holidays are counted (provisional).",
		    d->provisional_years[0]);
		if (json_object_set_new(o, "provisional_years", years) != 0 || json_object_set_new(o, "note", json_string(id)) != 0 ||
		    json_object_set_new(o, "note_en", json_string(en)) != 0) {
			json_decref(o);
			o = NULL;
		}
	}
	free(d);
	return svc_json_dump(o, out);
}

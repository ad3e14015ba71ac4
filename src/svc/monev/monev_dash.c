/*
 * The monitoring dashboard (R17): live counts, certificates about to
 * expire, signing volume per WIB day, service health and open items.
 * Read-only; names no person (units and serials only, as /api/v1/subscribers
 * shows auditors). Store-level liveness comes from svc/monitor.
 */
#include "svc/monev/monev_int.h"
#include "svc/calendar/calendar.h"
#include "svc/support/support.h"
#include "svc/notice/notice.h"
#include "svc/assess/assess.h"
#include "svc/policy/policy.h"

#include "svc/monitor/monitor.h"
#include "svc/report/report.h"
#include "svc/base/base_int.h"
#include "svc/trust/trust.h"
#include "config/config.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static enum tk_err count(struct svc_ctx *c, const char *sql, int64_t a1, int64_t a2, int nargs, int64_t *out)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	*out = 0;
	if ((rc = store_prepare(c->st, sql, &s)) == TK_OK && (nargs < 1 || (rc = store_bind_i64(s, 1, a1)) == TK_OK) &&
	    (nargs < 2 || (rc = store_bind_i64(s, 2, a2)) == TK_OK) && (rc = store_step(s, &row)) == TK_OK && row && !store_col_null(s, 0))
		*out = store_col_i64(s, 0);
	store_finalize(s);
	return rc;
}

static int set(json_t *o, const char *k, json_t *v)
{
	return json_object_set_new(o, k, v);
}

static enum tk_err counts_json(struct svc_ctx *c, int64_t now, json_t *d)
{
	int64_t today = cal_wib_day(now), day0 = today * 86400 - CAL_WIB_OFFSET, month0, v[5];
	time_t t = (time_t)(today * 86400);
	struct tm tm;
	enum tk_err rc;

	gmtime_r(&t, &tm);
	month0 = (today - (tm.tm_mday - 1)) * 86400 - CAL_WIB_OFFSET;
	if ((rc = count(c, "SELECT COUNT(*) FROM subscribers WHERE status = 'active'", 0, 0, 0, &v[0])) != TK_OK ||
	    (rc = count(c, "SELECT COUNT(*) FROM certs WHERE status = 'valid' AND not_before <= ? AND not_after > ? AND profile NOT IN ('root-ca','issuing-ca')", now, now, 2,
		 &v[1])) != TK_OK ||
	    (rc = count(c, "SELECT COUNT(*) FROM requests WHERE status = 'pending'", 0, 0, 0, &v[2])) != TK_OK ||
	    (rc = count(c, "SELECT COUNT(*) FROM documents WHERE signed_at >= ?", day0, 0, 1, &v[3])) != TK_OK ||
	    (rc = count(c, "SELECT COUNT(*) FROM documents WHERE signed_at >= ?", month0, 0, 1, &v[4])) != TK_OK)
		return rc;
	if (set(d, "counts", json_pack("{s:I, s:I, s:I, s:I, s:I}", "officials", (json_int_t)v[0], "certificates_active", (json_int_t)v[1], "requests_pending", (json_int_t)v[2], "documents_today", (json_int_t)v[3], "documents_month", (json_int_t)v[4])) != 0)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	return TK_OK;
}

static enum tk_err expiring_json(struct svc_ctx *c, int64_t now, json_t *d)
{
	struct store_stmt *s = NULL;
	json_t *list = json_array(), *o;
	int64_t n = 0, until = now + (int64_t)MONEV_EXPIRING_DAYS * 86400;
	int row = 0;
	enum tk_err rc;

	if (list == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	if ((rc = count(c, "SELECT COUNT(*) FROM certs WHERE status = 'valid' AND not_after > ? AND not_after <= ?", now, until, 2, &n)) != TK_OK)
		goto out;
	/* Unit and serial only: what the subscriber list shows every staff role. */
	if ((rc = store_prepare(c->st, "SELECT c.serial, c.profile, COALESCE(s.unit, ''), c.not_after FROM certs c LEFT JOIN subscribers s"
				       " ON s.id = c.subscriber_id WHERE c.status = 'valid' AND c.not_after > ? AND c.not_after <= ? ORDER BY c.not_after, c.serial LIMIT 100",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, now)) != TK_OK || (rc = store_bind_i64(s, 2, until)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		char iso[32];
		time_iso_utc(store_col_i64(s, 3), iso);
		o = json_pack("{s:s, s:s, s:s, s:s, s:I}", "serial", store_col_text(s, 0), "profile", store_col_text(s, 1), "unit", store_col_text(s, 2),
		    "not_after", iso, "days_left", (json_int_t)((store_col_i64(s, 3) - now) / 86400));
		if (o == NULL || json_array_append_new(list, o) != 0) {
			rc = tk_fail(TK_ERR_NOMEM, "out of memory");
			goto out;
		}
	}
	if (rc == TK_OK && set(d, "expiring", json_pack("{s:i, s:I, s:O}", "days", MONEV_EXPIRING_DAYS, "count", (json_int_t)n, "certificates", list)) != 0)
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
out:
	store_finalize(s);
	json_decref(list);
	return rc;
}

/* Documents signed per WIB day, the last MONEV_VOLUME_DAYS days including today, zeros included. */
static enum tk_err volume_json(struct svc_ctx *c, int64_t now, json_t *d)
{
	struct store_stmt *s = NULL;
	int64_t today = cal_wib_day(now), first = today - MONEV_VOLUME_DAYS + 1, n[MONEV_VOLUME_DAYS];
	json_t *series = json_array();
	int row = 0, i;
	enum tk_err rc;

	memset(n, 0, sizeof(n));
	if (series == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	if ((rc = store_prepare(c->st, "SELECT (signed_at + 25200) / 86400, COUNT(*) FROM documents WHERE signed_at >= ?"
				       " GROUP BY (signed_at + 25200) / 86400",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, first * 86400 - CAL_WIB_OFFSET)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		int64_t day = store_col_i64(s, 0);
		if (day >= first && day <= today)
			n[day - first] += store_col_i64(s, 1);
	}
	if (rc != TK_OK)
		goto out;
	for (i = 0; i < MONEV_VOLUME_DAYS; i++) {
		char ds[16];
		cal_day_str(first + i, ds);
		if (json_array_append_new(series, json_pack("{s:s, s:I}", "date", ds, "count", (json_int_t)n[i])) != 0) {
			rc = tk_fail(TK_ERR_NOMEM, "out of memory");
			goto out;
		}
	}
	if (set(d, "volume", json_pack("{s:i, s:s, s:O}", "days", MONEV_VOLUME_DAYS, "timezone", "WIB (UTC+07:00)", "series", series)) != 0)
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
out:
	store_finalize(s);
	json_decref(series);
	return rc;
}

static json_t *iso_or_null(int64_t t)
{
	char iso[32];

	if (t <= 0)
		return json_null();
	time_iso_utc(t, iso);
	return json_string(iso);
}

/* The validity of an instance certificate named in meta (cert.tsa, cert.ocsp): null when there is none. */
static json_t *instance_cert(struct svc_ctx *c, const char *meta_key, int64_t now)
{
	struct store_stmt *s = NULL;
	json_t *o = json_null();
	int row = 0;

	if (store_prepare(c->st, "SELECT c.serial, c.not_after, c.status FROM certs c JOIN meta m ON m.value = c.serial WHERE m.key = ?", &s) == TK_OK &&
	    store_bind_text(s, 1, meta_key) == TK_OK && store_step(s, &row) == TK_OK && row) {
		int64_t na = store_col_i64(s, 1);
		const char *st = store_col_text(s, 2);
		json_decref(o);
		o = json_pack("{s:s, s:o, s:I, s:s}", "serial", store_col_text(s, 0), "not_after", iso_or_null(na), "days_left",
		    (json_int_t)((na - now) / 86400), "status", strcmp(st, "valid") != 0 ? st : na <= now ? "expired"
													  : "valid");
	}
	store_finalize(s);
	tk_clear_error();
	return o;
}

/* TSA: our own TSA makes a token for a probe digest; an outside TSA ([sign] tsa_url) is named, not called. */
static json_t *tsa_health(struct svc_ctx *c, int64_t now)
{
	static const uint8_t probe[] = "teken monev dashboard probe";
	const char *url = config_get(c->inst->cfg, "sign", "tsa_url");
	struct buf tok;
	json_t *o;
	enum tk_err rc;

	if (url != NULL)
		return json_pack("{s:s, s:s, s:s}", "status", "not_probed", "source", "external", "detail", "outside TSA ([sign] tsa_url); not called from the dashboard");
	buf_init(&tok, 64u * 1024u);
	rc = timestamp_token(c, probe, sizeof(probe) - 1, &tok);
	o = json_pack("{s:s, s:s, s:s, s:o}", "status", rc == TK_OK ? "ok" : "failed", "source", "instance",
	    "detail", rc == TK_OK ? "a time-stamp token was made" : tk_errmsg(), "certificate", instance_cert(c, "cert.tsa", now));
	buf_free(&tok);
	tk_clear_error();
	return o;
}

static enum tk_err health_json(struct svc_ctx *c, int64_t now, json_t *d)
{
	struct store_stmt *s = NULL;
	struct timespec t0, t1;
	json_t *h = json_object(), *crls = json_array();
	const char *failed = NULL;
	int64_t n_ocsp = 0, stale = 0, oldest = 0, seq = 0, ckpt = 0;
	char tip[65] = "";
	int row = 0;
	enum tk_err rc, prc;

	if (h == NULL || crls == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
		goto out;
	}
	/* Store latency: one trivial round trip, and monitor's own liveness check. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	prc = store_ping(c->st);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	tk_clear_error();
	if (monitor_health(c, &failed) != TK_OK)
		tk_clear_error();
	if (set(h, "store", json_pack("{s:s, s:s, s:f}", "status", prc == TK_OK ? "ok" : "failed", "backend", store_backend(c->st) == STORE_POSTGRES ? "postgres" : "sqlite", "latency_ms", (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6)) != 0 ||
	    set(h, "liveness", json_pack("{s:s, s:s?}", "status", failed == NULL ? "ok" : "failed", "failed_check", failed)) != 0 ||
	    set(h, "tsa", tsa_health(c, now)) != 0) {
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = count(c, "SELECT COUNT(*) FROM ocsp_responses", 0, 0, 0, &n_ocsp)) != TK_OK ||
	    (rc = count(c, "SELECT COUNT(*) FROM ocsp_responses WHERE next_update < ?", now, 0, 1, &stale)) != TK_OK ||
	    (rc = count(c, "SELECT MIN(next_update) FROM ocsp_responses", 0, 0, 0, &oldest)) != TK_OK)
		goto out;
	if (set(h, "ocsp", json_pack("{s:s, s:I, s:I, s:o, s:o}", "status", stale == 0 ? "ok" : "stale", "responses", (json_int_t)n_ocsp, "stale", (json_int_t)stale, "oldest_next_update", iso_or_null(oldest), "signer_certificate", instance_cert(c, "cert.ocsp", now))) != 0) {
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = store_prepare(c->st, "SELECT a.name, l.crl_number, l.this_update, l.next_update FROM crls l JOIN cas a ON a.id = l.ca_id ORDER BY a.id",
		 &s)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		int64_t tu = store_col_i64(s, 2), nu = store_col_i64(s, 3);
		if (json_array_append_new(crls, json_pack("{s:s, s:I, s:o, s:o, s:I, s:s}", "ca", store_col_text(s, 0), "number",
						    (json_int_t)store_col_i64(s, 1), "this_update", iso_or_null(tu), "next_update", iso_or_null(nu), "age_seconds",
						    (json_int_t)(now - tu), "status", nu < now ? "stale" : "ok")) != 0) {
			rc = tk_fail(TK_ERR_NOMEM, "out of memory");
			goto out;
		}
	}
	store_finalize(s);
	s = NULL;
	if (rc != TK_OK)
		goto out;
	if ((rc = store_prepare(c->st, "SELECT seq, hash FROM audit_head WHERE id = 1", &s)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (row) {
		seq = store_col_i64(s, 0);
		if ((rc = str_copy(tip, sizeof(tip), store_col_text(s, 1))) != TK_OK)
			goto out;
	}
	store_finalize(s);
	s = NULL;
	if ((rc = count(c, "SELECT MAX(ts) FROM audit_checkpoints", 0, 0, 0, &ckpt)) != TK_OK)
		goto out;
	if (set(h, "crl", json_incref(crls)) != 0 ||
	    set(h, "audit", json_pack("{s:I, s:s, s:o, s:o}", "seq", (json_int_t)seq, "tip", tip, "last_checkpoint_at", iso_or_null(ckpt), "checkpoint_age_seconds", ckpt > 0 ? json_integer(now - ckpt) : json_null())) != 0 ||
	    set(d, "health", json_incref(h)) != 0)
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
out:
	store_finalize(s);
	json_decref(h);
	json_decref(crls);
	return rc;
}

/*
 * Open items. Each source adds one member to "open_items". Review
 * recommendations come from svc/policy (reco_open_items); a source with
 * no data yet is listed with "available": false. The
 * extension point is this table: a source whose tables exist replaces its
 * entry with a function counting its open and overdue rows.
 */
typedef enum tk_err (*open_items_fn)(struct svc_ctx *c, int64_t now, json_t **out);

static enum tk_err open_actions(struct svc_ctx *c, int64_t now, json_t **out)
{
	char today[16];
	int64_t open = 0, overdue = 0;
	enum tk_err rc;

	cal_day_str(cal_wib_day(now), today);
	if ((rc = store_query_i64(c->st, "SELECT COUNT(*) FROM evaluation_actions WHERE status IN ('open','in_progress')", NULL, &open)) != TK_OK ||
	    (rc = store_query_i64(c->st, "SELECT COUNT(*) FROM evaluation_actions WHERE status IN ('open','in_progress') AND due_on < ?", today,
		 &overdue)) != TK_OK)
		return rc;
	*out = json_pack("{s:b, s:I, s:I}", "available", 1, "open", (json_int_t)open, "overdue", (json_int_t)overdue);
	return *out == NULL ? tk_fail(TK_ERR_NOMEM, "out of memory") : TK_OK;
}

/* When the next evaluation is due: eleven months after the last one held (monev_reminders uses the same rule). */
static enum tk_err next_evaluation(struct svc_ctx *c, int64_t now, json_t **out)
{
	struct store_stmt *s = NULL;
	char last[16] = "", due[16];
	int64_t day = 0, count_all = 0;
	int row = 0;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "SELECT MAX(held_on), COUNT(*) FROM evaluations", &s)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (row && !store_col_null(s, 0) && (rc = str_copy(last, sizeof(last), store_col_text(s, 0))) != TK_OK)
		goto out;
	count_all = row ? store_col_i64(s, 1) : 0;
	if (last[0] != '\0' && (rc = cal_day_parse(last, "held_on", &day)) != TK_OK)
		goto out;
	if (last[0] == '\0') {
		int64_t made = 0;
		if ((rc = count(c, "SELECT MIN(created_at) FROM cas", 0, 0, 0, &made)) != TK_OK)
			goto out;
		day = cal_wib_day(made);
	}
	cal_day_str(cal_add_months(day, MONEV_REMIND_MONTHS), due);
	{
		char today[16];
		cal_day_str(cal_wib_day(now), today);
		*out = json_pack("{s:b, s:I, s:s?, s:s, s:b}", "available", 1, "evaluations", (json_int_t)count_all, "last_held_on",
		    last[0] ? last : NULL, "reminder_on", due, "due", strcmp(today, due) >= 0);
	}
	if (*out == NULL)
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
out:
	store_finalize(s);
	return rc;
}

/* Last year's usage report (R7): its obligation, due date and the versions' count. */
static enum tk_err usage_report(struct svc_ctx *c, int64_t now, json_t **out)
{
	time_t wib = (time_t)(now + 7 * 3600);
	struct tm tm;
	json_t *j = NULL;
	enum tk_err rc;

	gmtime_r(&wib, &tm);
	if ((rc = report_submissions(c, tm.tm_year + 1900 - 1, NULL, &j)) != TK_OK)
		return rc;
	*out = json_pack("{s:b, s:O, s:O, s:O, s:I}", "available", 1, "year", json_object_get(j, "year"), "due", json_object_get(j, "due"),
	    "obligation", json_object_get(j, "obligation"), "versions", (json_int_t)json_array_size(json_object_get(j, "versions")));
	json_decref(j);
	return *out != NULL ? TK_OK : tk_fail(TK_ERR_NOMEM, "out of memory");
}

static const struct {
	const char *name;
	open_items_fn fn; /* NULL: no data source in this store yet */
} open_sources[] = {
	{ "usage_report", usage_report },
	{ "evaluation_actions", open_actions },
	{ "evaluation", next_evaluation },
	{ "review_recommendations", reco_open_items },
	{ "tickets", support_open_items },
	{ "assessments", assess_open_items },
	{ "notices", notice_open_items },
};

static enum tk_err open_items_json(struct svc_ctx *c, int64_t now, json_t *d)
{
	json_t *o = json_object();
	size_t i;
	enum tk_err rc = TK_OK;

	if (o == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	for (i = 0; rc == TK_OK && i < sizeof(open_sources) / sizeof(open_sources[0]); i++) {
		json_t *v = NULL;
		if (open_sources[i].fn == NULL)
			v = json_pack("{s:b, s:s}", "available", 0, "note", "not recorded by this instance yet");
		else if ((rc = open_sources[i].fn(c, now, &v)) != TK_OK)
			break;
		if (v == NULL || set(o, open_sources[i].name, v) != 0)
			rc = tk_fail(TK_ERR_NOMEM, "out of memory");
	}
	if (rc == TK_OK && set(d, "open_items", json_incref(o)) != 0)
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
	json_decref(o);
	return rc;
}

enum tk_err monev_dashboard(struct svc_ctx *c, char **out)
{
	json_t *d;
	int64_t now = tk_now();
	char iso[32];
	enum tk_err rc;

	if ((rc = monev_allowed(c)) != TK_OK)
		return rc;
	if ((d = json_object()) == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	time_iso_utc(now, iso);
	if (set(d, "generated_at", json_string(iso)) != 0) {
		json_decref(d);
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	}
	/* Health first: the TSA probe may write (its own counters), outside any read transaction. */
	if ((rc = health_json(c, now, d)) != TK_OK || (rc = counts_json(c, now, d)) != TK_OK || (rc = expiring_json(c, now, d)) != TK_OK ||
	    (rc = volume_json(c, now, d)) != TK_OK || (rc = open_items_json(c, now, d)) != TK_OK) {
		json_decref(d);
		return rc;
	}
	return svc_json_dump(d, out);
}

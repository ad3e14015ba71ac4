/*
 * The tickets' yearly summary (times to first answer and to resolution,
 * medians) and the monitoring dashboard's open items (docs/support.md).
 */
#include "svc/support/support_int.h"

#include "store/store.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WIB_OFFSET (7 * 3600)

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* The median of v[0..n) (sorts v; the mean of the two middle values for an even count); JSON null without values. */
static json_t *median_json(int64_t *v, size_t n)
{
	if (n == 0)
		return json_null();
	qsort(v, n, sizeof(*v), cmp_i64);
	return json_integer(n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2);
}

/* [start, end) of a WIB calendar year in Unix time. */
static void year_bounds(int year, int64_t *start, int64_t *end)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mday = 1;
	*start = (int64_t)timegm(&tm) - WIB_OFFSET;
	tm.tm_year++;
	*end = (int64_t)timegm(&tm) - WIB_OFFSET;
}

static int month_of(int64_t t)
{
	time_t w = (time_t)(t + WIB_OFFSET);
	struct tm tm;

	return gmtime_r(&w, &tm) != NULL ? tm.tm_mon : 0;
}

static int bump(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_object_set_new(o, key, json_integer((v != NULL ? json_integer_value(v) : 0) + 1));
}

enum tk_err support_summary(struct svc_ctx *c, int year, char **out)
{
	struct store_stmt *s = NULL;
	int64_t start, end, *first = NULL, *resol = NULL, open_now = 0, unanswered_now = 0;
	size_t nfirst = 0, nresol = 0, cap = 0;
	int64_t opened = 0, answered = 0, resolved = 0, closed = 0, m_open[12] = { 0 }, m_res[12] = { 0 };
	json_t *o = NULL, *bycat = json_object(), *bych = json_object(), *bystat = json_object(), *months = json_array();
	int row = 0, i;
	enum tk_err rc;

	if (!support_sees_all(c)) {
		rc = tk_fail_code(TK_ERR_DENIED, "forbidden", "the tickets' summary is for admins (ministry) and auditors (issuer)");
		goto out;
	}
	if (year < 2000 || year > 9999) {
		rc = tk_fail_code(TK_ERR_INVALID, "invalid_year", "year must be 2000 to 9999");
		goto out;
	}
	if (bycat == NULL || bych == NULL || bystat == NULL || months == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
		goto out;
	}
	year_bounds(year, &start, &end);
	if ((rc = store_prepare(c->st, "SELECT category, channel, status, created_at, first_answer_at, resolved_at FROM tickets"
				       " WHERE created_at >= ? AND created_at < ?",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, start)) != TK_OK || (rc = store_bind_i64(s, 2, end)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		int64_t created = store_col_i64(s, 3);
		if (nfirst == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			int64_t *f = realloc(first, ncap * sizeof(*f)), *r;
			if (f == NULL) {
				rc = tk_fail(TK_ERR_NOMEM, "out of memory");
				goto out;
			}
			first = f;
			if ((r = realloc(resol, ncap * sizeof(*r))) == NULL) {
				rc = tk_fail(TK_ERR_NOMEM, "out of memory");
				goto out;
			}
			resol = r;
			cap = ncap;
		}
		opened++;
		m_open[month_of(created)]++;
		if (bump(bycat, store_col_text(s, 0)) != 0 || bump(bych, store_col_text(s, 1)) != 0 || bump(bystat, store_col_text(s, 2)) != 0) {
			rc = tk_fail(TK_ERR_NOMEM, "out of memory");
			goto out;
		}
		if (!store_col_null(s, 4)) {
			int64_t d = store_col_i64(s, 4) - created;
			answered++;
			first[nfirst++] = d < 0 ? 0 : d;
		}
		if (!store_col_null(s, 5)) {
			int64_t d = store_col_i64(s, 5) - created;
			resolved++;
			resol[nresol++] = d < 0 ? 0 : d;
			m_res[month_of(created)]++;
		}
		closed += strcmp(store_col_text(s, 2), "closed") == 0;
	}
	if (rc != TK_OK)
		goto out;
	store_finalize(s);
	s = NULL;
	if ((rc = store_query_i64(c->st, "SELECT COUNT(*) FROM tickets WHERE status IN ('open','answered')", NULL, &open_now)) != TK_OK ||
	    (rc = store_query_i64(c->st, "SELECT COUNT(*) FROM tickets WHERE status = 'open' AND first_answer_at IS NULL", NULL, &unanswered_now)) != TK_OK)
		goto out;
	for (i = 0; i < 12; i++)
		if (json_array_append_new(months, json_pack("{s:i, s:I, s:I}", "month", i + 1, "opened", (json_int_t)m_open[i], "resolved",
						      (json_int_t)m_res[i])) != 0) {
			rc = tk_fail(TK_ERR_NOMEM, "out of memory");
			goto out;
		}
	o = json_pack("{s:i, s:s, s:I, s:I, s:I, s:I, s:o, s:o, s:O, s:O, s:O, s:O, s:I, s:I}", "year", year, "timezone", "Asia/Jakarta",
	    "opened", (json_int_t)opened, "answered", (json_int_t)answered, "resolved", (json_int_t)resolved, "closed", (json_int_t)closed,
	    "median_first_answer_seconds", median_json(first, nfirst), "median_resolution_seconds", median_json(resol, nresol), "by_category",
	    bycat, "by_channel", bych, "by_status", bystat, "by_month", months, "open_now", (json_int_t)open_now, "unanswered_now",
	    (json_int_t)unanswered_now);
	rc = svc_json_dump(o, out);
	o = NULL;
out:
	store_finalize(s);
	free(first);
	free(resol);
	json_decref(bycat);
	json_decref(bych);
	json_decref(bystat);
	json_decref(months);
	return rc;
}

enum tk_err support_open_items(struct svc_ctx *c, int64_t now, json_t **out)
{
	struct store_stmt *s = NULL;
	int64_t open = 0, answered = 0, unanswered = 0, oldest = 0;
	int row = 0;
	enum tk_err rc;

	(void)now;
	*out = NULL;
	if ((rc = store_prepare(c->st, "SELECT COALESCE(SUM(CASE WHEN status = 'open' THEN 1 ELSE 0 END), 0),"
				       " COALESCE(SUM(CASE WHEN status = 'answered' THEN 1 ELSE 0 END), 0),"
				       " COALESCE(SUM(CASE WHEN status = 'open' AND first_answer_at IS NULL THEN 1 ELSE 0 END), 0),"
				       " MIN(CASE WHEN status = 'open' AND first_answer_at IS NULL THEN created_at END) FROM tickets",
		 &s)) != TK_OK ||
	    (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (row) {
		open = store_col_i64(s, 0);
		answered = store_col_i64(s, 1);
		unanswered = store_col_i64(s, 2);
		oldest = store_col_null(s, 3) ? 0 : store_col_i64(s, 3);
	}
	{
		char iso[32];
		if (oldest != 0)
			time_iso_utc(oldest, iso);
		*out = json_pack("{s:b, s:I, s:I, s:I, s:s?}", "available", 1, "open", (json_int_t)open, "answered", (json_int_t)answered,
		    "unanswered", (json_int_t)unanswered, "oldest_unanswered_at", oldest != 0 ? iso : NULL);
	}
	if (*out == NULL)
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
out:
	store_finalize(s);
	return rc;
}

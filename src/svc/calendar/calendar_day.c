/*
 * Day numbers (svc/calendar/calendar.h): proleptic Gregorian arithmetic on
 * days since 1970-01-01, without the C library's time zone machinery.
 */
#include "svc/calendar/calendar.h"

#include <stdio.h>
#include <string.h>

int64_t cal_wib_day(int64_t t)
{
	int64_t s = t + CAL_WIB_OFFSET;

	return s >= 0 ? s / 86400 : -((-s + 86399) / 86400);
}

int64_t cal_day_start(int64_t day)
{
	return day * 86400 - CAL_WIB_OFFSET;
}

/* Days from civil (H. Hinnant's algorithm): exact for every Gregorian date. */
int64_t cal_from_ymd(int y, int m, int d)
{
	int64_t yy = (int64_t)y - (m <= 2);
	int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t yoe = yy - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

void cal_ymd(int64_t day, int *y, int *m, int *d)
{
	int64_t z = day + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t dd = doy - (153 * mp + 2) / 5 + 1;
	int64_t mm = mp < 10 ? mp + 3 : mp - 9;

	*y = (int)(yoe + era * 400 + (mm <= 2));
	*m = (int)mm;
	*d = (int)dd;
}

int cal_weekday(int64_t day)
{
	/* 1970-01-01 was a Thursday (4). */
	int64_t w = (day + 4) % 7;

	return (int)(w < 0 ? w + 7 : w);
}

static int days_in_month(int y, int m)
{
	static const int n[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : n[m - 1];
}

int64_t cal_add_months(int64_t day, int months)
{
	int y, m, d;
	int64_t idx;

	cal_ymd(day, &y, &m, &d);
	idx = (int64_t)y * 12 + (m - 1) + months;
	y = (int)(idx >= 0 ? idx / 12 : -((-idx + 11) / 12));
	m = (int)(idx - (int64_t)y * 12) + 1;
	if (d > days_in_month(y, m))
		d = days_in_month(y, m);
	return cal_from_ymd(y, m, d);
}

void cal_day_str(int64_t day, char out[16])
{
	int y, m, d;

	cal_ymd(day, &y, &m, &d);
	if (y < 0 || y > 9999)
		out[0] = '\0';
	else
		snprintf(out, 16, "%04d-%02d-%02d", y, m, d);
}

enum tk_err cal_day_parse(const char *s, const char *what, int64_t *day)
{
	uint64_t y, m, d;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-' || parse_u64(s, 4, 9999, &y) != TK_OK ||
	    parse_u64(s + 5, 2, 12, &m) != TK_OK || parse_u64(s + 8, 2, 31, &d) != TK_OK) {
		tk_clear_error();
		return tk_fail_code(TK_ERR_INVALID, "invalid_date", "%s must be a date YYYY-MM-DD", what);
	}
	if (y < CAL_MIN_YEAR || y > CAL_MAX_YEAR)
		return tk_fail_code(TK_ERR_INVALID, "invalid_date", "%s: the year must be %d..%d", what, CAL_MIN_YEAR, CAL_MAX_YEAR);
	if (m < 1 || d < 1 || (int)d > days_in_month((int)y, (int)m)) /* 2026-02-30 and the like */
		return tk_fail_code(TK_ERR_INVALID, "invalid_date", "%s: %s is not a calendar date", what, s);
	*day = cal_from_ymd((int)y, (int)m, (int)d);
	return TK_OK;
}

/*
 * Unit tests for the day arithmetic of src/svc/calendar (calendar.h): WIB
 * day numbers, strict YYYY-MM-DD dates, adding months, weekdays, and the
 * outbox's e-mail plausibility check. Holidays and deadlines are tested end
 * to end by tests/integration/test_calendar.py (hand-computed dates).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "svc/calendar/calendar.h"
#include "svc/notify/notify.h"

#include <string.h>

static void test_wib_day(void **state)
{
	char s[16];

	(void)state;
	/* 2026-12-05 16:59:59 UTC is 23:59:59 WIB; one second later it is the 6th in Jakarta. */
	cal_day_str(cal_wib_day(1796489999), s);
	assert_string_equal(s, "2026-12-05");
	cal_day_str(cal_wib_day(1796490000), s);
	assert_string_equal(s, "2026-12-06");
	cal_day_str(cal_wib_day(0), s);
	assert_string_equal(s, "1970-01-01");
	/* Before 1970 the division still floors. */
	assert_int_equal(cal_wib_day(-7 * 3600 - 1), -1);
}

static void test_day_parse(void **state)
{
	static const char *const bad[] = { "", "2026-1-05", "2026/01/05", "2026-13-01", "2026-00-10", "2026-01-00", "2026-02-30",
		"2025-02-29", "1999-12-31", "2026-01-05 ", " 2026-01-05", "2026-01-0x", "+026-01-05", "20260105xx" };
	int64_t d = 0, d2 = 0;
	char s[16];
	size_t i;

	(void)state;
	assert_int_equal(cal_day_parse("2028-02-29", "held_on", &d), TK_OK); /* leap year */
	cal_day_str(d, s);
	assert_string_equal(s, "2028-02-29");
	assert_int_equal(cal_day_parse("2028-03-01", "held_on", &d2), TK_OK);
	assert_int_equal(d2 - d, 1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(cal_day_parse(bad[i], "held_on", &d), TK_ERR_INVALID);
		assert_string_equal(tk_last_error()->code, "invalid_date");
	}
	assert_int_equal(cal_day_parse(NULL, "due_on", &d), TK_ERR_INVALID);
}

static void test_add_months(void **state)
{
	static const struct {
		const char *from;
		int months;
		const char *to;
	} v[] = {
		{ "2026-12-05", 11, "2027-11-05" },
		{ "2026-01-31", 11, "2026-12-31" },
		{ "2026-03-31", 11, "2027-02-28" }, /* clamped to the month end */
		{ "2027-12-31", 12, "2028-12-31" },
		{ "2026-06-15", 0, "2026-06-15" },
	};
	char s[16];
	int64_t d;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(cal_day_parse(v[i].from, "x", &d), TK_OK);
		cal_day_str(cal_add_months(d, v[i].months), s);
		assert_string_equal(s, v[i].to);
	}
}

/* Every day 2000..2199 round-trips, and weekdays follow known anchors. */
static void test_days(void **state)
{
	int64_t d, first = cal_from_ymd(2000, 1, 1), last = cal_from_ymd(2199, 12, 31);
	int y, m, dd, py = 1999, pm = 12, pd = 31;
	char s[16];

	(void)state;
	assert_int_equal(first, 10957); /* 2000-01-01 */
	for (d = first; d <= last; d++) {
		cal_ymd(d, &y, &m, &dd);
		assert_int_equal(cal_from_ymd(y, m, dd), d);
		/* The next day of the previous one: day+1, or the 1st of the next month or year. */
		assert_true((y == py && m == pm && dd == pd + 1) || (y == py && m == pm + 1 && dd == 1 && pd >= 28) ||
			    (y == py + 1 && m == 1 && dd == 1 && pm == 12 && pd == 31));
		py = y;
		pm = m;
		pd = dd;
	}
	assert_int_equal(cal_weekday(cal_from_ymd(2026, 1, 1)), 4);             /* Thursday */
	assert_int_equal(cal_weekday(cal_from_ymd(2026, 12, 5)), 6);            /* Saturday */
	assert_int_equal(cal_weekday(cal_from_ymd(2029, 1, 23)), 2);            /* Tuesday */
	assert_int_equal(cal_weekday(cal_from_ymd(2000, 2, 29)), 2);            /* Tuesday, a leap day of a 400-year */
	assert_int_equal(cal_day_parse("2100-02-29", "x", &d), TK_ERR_INVALID); /* 2100 is not a leap year */
	assert_int_equal(cal_day_parse("2028-02-29", "x", &d), TK_OK);
	assert_int_equal(cal_day_parse("1999-12-31", "x", &d), TK_ERR_INVALID);
	cal_day_str(cal_from_ymd(2028, 11, 24) + 60, s);
	assert_string_equal(s, "2029-01-23");
	/* 00:00 WIB of a day is 17:00 UTC of the day before. */
	assert_int_equal(cal_day_start(cal_from_ymd(2026, 12, 6)), 1796490000);
}

static void test_email(void **state)
{
	(void)state;
	assert_true(notify_email_ok("dewi@kementerian.example"));
	assert_true(notify_email_ok("a.b+c@bssn.go.id"));
	assert_false(notify_email_ok("no-at.example"));
	assert_false(notify_email_ok("@kementerian.example"));
	assert_false(notify_email_ok("a@b@c.example"));
	assert_false(notify_email_ok("a@nodot"));
	assert_false(notify_email_ok("a@b."));
	assert_true(notify_email_ok("a@b.c"));
	assert_false(notify_email_ok("a b@c.example"));
	assert_false(notify_email_ok("a@c.example\r\nBcc: x@y.z"));
	assert_false(notify_email_ok("a@c.example,b@d.example"));
	assert_false(notify_email_ok("<a@c.example>"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wib_day),
		cmocka_unit_test(test_day_parse),
		cmocka_unit_test(test_add_months),
		cmocka_unit_test(test_days),
		cmocka_unit_test(test_email),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

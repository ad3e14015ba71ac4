/*
 * svc/calendar: calendar dates and the agreement's deadlines (R15,
 * docs/agreements.md "Counting days").
 *
 * A date is a day number: days since 1970-01-01, a calendar day in WIB
 * (UTC+7), the time zone both parties work in. Working days (hari kerja)
 * are Monday to Friday minus national holidays and collective leave (cuti
 * bersama) of the year's joint decree (SKB 3 Menteri). A year's holidays
 * come from, first, a decree an admin loaded into the store; else the
 * shipped data file (data/id-holidays.json); else the fixed-date national
 * holidays only, and such a year is "provisional" (said in every answer
 * that used it).
 *
 * Counting convention: the event date itself is never counted. "N days
 * before X" is the N-th calendar or working day counted backwards from X,
 * and that day is the deadline; "within N working days of X" ends on the
 * N-th working day after X.
 */
#ifndef TEKEN_SVC_CALENDAR_H
#define TEKEN_SVC_CALENDAR_H

#include "svc/base/base.h"

#include <jansson.h>

#define CAL_WIB_OFFSET (7 * 3600)
#define CAL_MIN_YEAR 2000
#define CAL_MAX_YEAR 2199
#define CAL_MAX_HOLIDAYS 64 /* per year */

/* ---- day numbers (pure) ---- */

/* The WIB day number of a UTC time (seconds). */
int64_t cal_wib_day(int64_t t);
/* The UTC time at which WIB day `day` begins (00:00 WIB). */
int64_t cal_day_start(int64_t day);
/* "YYYY-MM-DD" of a day number. */
void cal_day_str(int64_t day, char out[16]);
/* Parses a strict "YYYY-MM-DD" calendar date (2000..2199); what names the field in errors (invalid_date). */
enum tk_err cal_day_parse(const char *s, const char *what, int64_t *day) WARN_UNUSED;
/* Year, month (1..12), day (1..31) of a day number. */
void cal_ymd(int64_t day, int *y, int *m, int *d);
/* Day number of a valid year, month, day. */
int64_t cal_from_ymd(int y, int m, int d);
/* 0 = Sunday .. 6 = Saturday. */
int cal_weekday(int64_t day);
/* day plus months, clamped to the month's end (2025-01-31 + 1 month = 2025-02-28). */
int64_t cal_add_months(int64_t day, int months);

/* ---- the holiday calendar ---- */

struct cal_holiday {
	int64_t day;
	char kind[16];  /* "national" or "cuti_bersama" */
	char name[128]; /* Indonesian */
};

struct cal_year {
	int year;
	int provisional;  /* no decree known: fixed-date national holidays only */
	char source[16];  /* "store" (loaded by an admin), "shipped" (data file), "fixed" */
	char decree[160]; /* the decree's reference, "" when provisional */
	size_t n;
	struct cal_holiday h[CAL_MAX_HOLIDAYS]; /* sorted by day */
};

/* The holidays in force for year (store, shipped file or fixed dates; see above). Reads only. */
enum tk_err cal_year_load(struct svc_ctx *c, int year, struct cal_year *out) WARN_UNUSED;
/* 1 when day is Monday..Friday and no holiday of y (the calendar of day's year); *why: the holiday, or NULL. */
int cal_is_working_day(const struct cal_year *y, int64_t day, const struct cal_holiday **why);

/*
 * teken agreement holidays / GET /api/v1/agreement/holidays/{year}:
 * {"year", "status": "decreed"|"provisional", "source", "decree",
 *  "note" (when provisional), "holidays": [{"date","weekday","kind","name"}]}.
 * Admins and auditors (and the operator).
 */
enum tk_err calendar_holidays(struct svc_ctx *c, int year, char **out) WARN_UNUSED;

/*
 * Loads a year's decree (admins, operator): in {"status": "decreed"|"provisional",
 * "decree": "...", "holidays": [{"date","kind","name"}]}; every date in that
 * year, no duplicates, at most CAL_MAX_HOLIDAYS. Replaces what the store
 * had for the year; audited. *out: as calendar_holidays.
 */
enum tk_err calendar_holidays_load(struct svc_ctx *c, int year, json_t *in, char **out) WARN_UNUSED;

/* Drops a loaded decree (admins, operator): the year goes back to the shipped file or fixed dates. not_loaded when none. */
enum tk_err calendar_holidays_reset(struct svc_ctx *c, int year, char **out) WARN_UNUSED;

/* The agreement's deadline rules. */
enum cal_rule {
	CAL_RULE_TERMINATION,           /* notice >= 60 calendar days before the proposed end (art. 7(2)) */
	CAL_RULE_AMENDMENT,             /* announced >= 45 working days before it takes effect (art. 14(2)) */
	CAL_RULE_CONTACT_CHANGE,        /* notified within 7 working days of the change (art. 15(2)) */
	CAL_RULE_FORCE_MAJEURE_VERBAL,  /* reported verbally within 2 working days (art. 11(3)) */
	CAL_RULE_FORCE_MAJEURE_WRITTEN, /* in writing within 7 working days (art. 11(3)) */
};

/* "termination", "amendment", "contact-change", "force-majeure-verbal", "force-majeure-written". */
const char *cal_rule_name(enum cal_rule r);
/* Parses a rule name (invalid_rule when unknown). */
enum tk_err cal_rule_parse(const char *s, enum cal_rule *out) WARN_UNUSED;

struct cal_deadline {
	enum cal_rule rule;
	int64_t from;      /* the event date X */
	int64_t deadline;  /* the last valid day */
	int before;        /* 1: deadline before X (termination, amendment); 0: after */
	int calendar_days; /* days between from and deadline (positive) */
	int working_days;  /* working days counted (0 for a calendar-day rule) */
	int provisional;   /* a year used had no decree */
	int provisional_years[4];
	size_t nprovisional;
	size_t nskipped; /* holidays on weekdays passed over while counting, in date order */
	struct cal_holiday skipped[CAL_MAX_HOLIDAYS * 2];
};

/*
 * The n-th working day after `from` (n > 0) or before it (n < 0), `from`
 * itself not counted; *provisional (may be NULL) set when a year without a
 * decree was used.
 */
enum tk_err cal_working_days_from(struct svc_ctx *c, int64_t from, int n, int64_t *out, int *provisional) WARN_UNUSED;

/* Computes a rule's deadline from event date `from` (reads the holidays of the years it crosses). */
enum tk_err cal_deadline(struct svc_ctx *c, enum cal_rule rule, int64_t from, struct cal_deadline *out) WARN_UNUSED;

/*
 * teken agreement deadline / GET /api/v1/agreement/deadline: {"rule",
 * "from", "deadline", "direction": "before"|"after", "calendar_days",
 * "working_days_counted", "holidays_skipped": ["YYYY-MM-DD"...],
 * "holidays_skipped_detail": [{"date","kind","name"}], "provisional",
 * "note"?}. Admins and auditors (and the operator).
 */
enum tk_err calendar_deadline(struct svc_ctx *c, const char *rule, const char *date, char **out) WARN_UNUSED;

#endif

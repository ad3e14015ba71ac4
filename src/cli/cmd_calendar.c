/*
 * teken agreement deadline / teken agreement holidays: the agreement's
 * deadline arithmetic and the holiday calendar it counts with (svc/calendar,
 * docs/agreements.md "Counting days"), as the local operator.
 */
#include "cli/cli.h"
#include "svc/base/base.h"
#include "svc/calendar/calendar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A braced initializer in a macro, which clang-format 14 would lay out as a block: */
/* clang-format off */
#define END_OPTS {NULL, 0, NULL, NULL, 0}
/* clang-format on */
#define MAX_DECREE_FILE (64 * 1024)

static int year_opt(const char *cmd, const char *s, int *out)
{
	int64_t v = 0;

	if (cli_id_opt(cmd, "year", s, &v) != 0)
		return 2;
	if (v < CAL_MIN_YEAR || v > CAL_MAX_YEAR)
		return cli_usage_error(cmd, "--year must be %d..%d", CAL_MIN_YEAR, CAL_MAX_YEAR);
	*out = (int)v;
	return 0;
}

static int format_opt(const char *cmd, const char *fmt)
{
	if (strcmp(fmt, "json") != 0 && strcmp(fmt, "text") != 0)
		return cli_usage_error(cmd, "--format is json or text");
	return 0;
}

/* Text form of an answer: one line per holiday or the deadline sentence. */
static void print_text(const char *json, int deadline)
{
	json_error_t jerr;
	json_t *o = json_loads(json, 0, &jerr), *v;
	size_t i;

	if (o == NULL)
		return;
	if (deadline) {
		printf("%s %s: %s %s (%d calendar days, %d working days counted)\n", json_string_value(json_object_get(o, "rule")),
		    json_string_value(json_object_get(o, "from")), json_string_value(json_object_get(o, "direction")),
		    json_string_value(json_object_get(o, "deadline")), (int)json_integer_value(json_object_get(o, "calendar_days")),
		    (int)json_integer_value(json_object_get(o, "working_days_counted")));
		json_array_foreach (json_object_get(o, "holidays_skipped_detail"), i, v)
			printf("  skipped %s %s (%s)\n", json_string_value(json_object_get(v, "date")), json_string_value(json_object_get(v, "name")),
			    json_string_value(json_object_get(v, "kind")));
	} else {
		printf("%d %s %s\n", (int)json_integer_value(json_object_get(o, "year")), json_string_value(json_object_get(o, "status")),
		    json_string_value(json_object_get(o, "decree")));
		json_array_foreach (json_object_get(o, "holidays"), i, v)
			printf("  %s %-6s %-12s %s\n", json_string_value(json_object_get(v, "date")), json_string_value(json_object_get(v, "weekday")),
			    json_string_value(json_object_get(v, "kind")), json_string_value(json_object_get(v, "name")));
	}
	if (json_is_string(json_object_get(o, "note_en")))
		printf("note: %s\n", json_string_value(json_object_get(o, "note_en")));
	json_decref(o);
}

static int finish(enum tk_err rc, char **txt, const char *fmt, int deadline)
{
	if (rc != TK_OK || strcmp(fmt, "json") == 0)
		return cli_print_text(rc, txt);
	print_text(*txt, deadline);
	free(*txt);
	*txt = NULL;
	return 0;
}

/* deadline --dir D --rule R --date YYYY-MM-DD [--format json|text] */
int cmd_agreement_deadline(int argc, char **argv)
{
	const char *dir = NULL, *rule = NULL, *date = NULL, *fmt = "json";
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { "rule", 1, &rule, NULL, 1 }, { "date", 1, &date, NULL, 1 }, { "format", 1, &fmt, NULL, 0 },
		END_OPTS };
	struct instance *inst;
	struct svc_ctx c;
	char *txt = NULL;
	int r;

	if ((r = cli_parse("agreement deadline", argc, argv, opts)) != 0 || (r = format_opt("agreement deadline", fmt)) != 0 ||
	    (r = cli_open(dir, &inst, &c)) != 0)
		return r;
	r = finish(calendar_deadline(&c, rule, date, &txt), &txt, fmt, 1);
	cli_close(inst, &c);
	return r;
}

/*
 * holidays --dir D --year Y [--format json|text]
 * holidays load --dir D --year Y --file decree.json   (admin's decree, docs/agreements.md)
 * holidays reset --dir D --year Y                     (back to the shipped calendar)
 */
int cmd_agreement_holidays(int argc, char **argv)
{
	const char *dir = NULL, *year_s = NULL, *fmt = "json", *file = NULL, *cmd = "agreement holidays";
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { "year", 1, &year_s, NULL, 1 }, { "format", 1, &fmt, NULL, 0 }, { "file", 1, &file, NULL, 0 },
		END_OPTS };
	struct instance *inst;
	struct svc_ctx c;
	json_t *in = NULL;
	char *txt = NULL;
	int r, year = 0, load = 0, reset = 0;
	enum tk_err rc;

	if (argc > 0 && strcmp(argv[0], "load") == 0) {
		load = 1;
		cmd = "agreement holidays load";
	} else if (argc > 0 && strcmp(argv[0], "reset") == 0) {
		reset = 1;
		cmd = "agreement holidays reset";
	}
	if ((r = cli_parse(cmd, argc - (load || reset), argv + (load || reset), opts)) != 0 || (r = format_opt(cmd, fmt)) != 0 ||
	    (r = year_opt(cmd, year_s, &year)) != 0)
		return r;
	if (load && file == NULL)
		return cli_usage_error(cmd, "--file F (the decree as JSON) is required");
	if (!load && file != NULL)
		return cli_usage_error(cmd, "--file goes with 'holidays load'");
	if (load && (r = cli_read_json_object(cmd, file, MAX_DECREE_FILE, &in)) != 0)
		return r;
	if ((r = cli_open(dir, &inst, &c)) != 0) {
		json_decref(in);
		return r;
	}
	if (load)
		rc = calendar_holidays_load(&c, year, in, &txt);
	else if (reset)
		rc = calendar_holidays_reset(&c, year, &txt);
	else
		rc = calendar_holidays(&c, year, &txt);
	r = finish(rc, &txt, fmt, 0);
	json_decref(in);
	cli_close(inst, &c);
	return r;
}

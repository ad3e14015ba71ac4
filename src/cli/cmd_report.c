/* teken report usage|versions|freeze|approve|send|acknowledge|get (docs/reports.md) */
#include "cli/cli.h"
#include "svc/base/base.h"
#include "svc/report/report.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int year_arg(const char *cmd, const char *s, int *year)
{
	int64_t v = 0;

	if (parse_i64_str(s, 2000, 9999, &v) != TK_OK)
		return cli_usage_error(cmd, "--year takes a year from 2000 to 9999");
	*year = (int)v;
	return 0;
}

/* The operator, or with --as the named person (their password from --password-file). */
static int usage_cmd(int argc, char **argv)
{
	const char *dir = NULL, *years = NULL, *unit = NULL, *fmt = "json", *outp = "-";
	struct cli_opt opts[] = {
		{ "dir", 1, &dir, NULL, 1 },
		{ "year", 1, &years, NULL, 1 },
		{ "unit", 1, &unit, NULL, 0 },
		{ "format", 1, &fmt, NULL, 0 },
		{ "o", 1, &outp, NULL, 0 },
		{ NULL, 0, NULL, NULL, 0 },
	};
	struct report_usage_opts o;
	struct instance *inst;
	struct svc_ctx c;
	struct buf out;
	int r, f;

	memset(&o, 0, sizeof(o));
	if ((r = cli_parse("report usage", argc, argv, opts)) != 0 || (r = year_arg("report usage", years, &o.year)) != 0)
		return r;
	if ((f = report_format_parse(fmt)) < 0)
		return cli_usage_error("report usage", "--format is json, csv, xlsx or pdf");
	if (f != REPORT_JSON && strcmp(outp, "-") == 0)
		return cli_usage_error("report usage", "--format %s writes a file: give -o FILE", fmt);
	o.unit = unit;
	o.format = (enum report_format)f;
	if ((r = cli_open(dir, &inst, &c)) != 0)
		return r;
	buf_init(&out, (size_t)256 << 20);
	r = report_usage(&c, &o, &out) == TK_OK ? cli_output(outp, out.p, out.len) : cli_fail();
	buf_free(&out);
	cli_close(inst, &c);
	return r;
}

static int versions_cmd(int argc, char **argv)
{
	const char *dir = NULL, *years = NULL, *unit = NULL;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { "year", 1, &years, NULL, 1 }, { "unit", 1, &unit, NULL, 0 }, { NULL, 0, NULL, NULL, 0 } };
	struct instance *inst;
	struct svc_ctx c;
	json_t *j = NULL;
	char *txt = NULL;
	int r, year = 0;
	enum tk_err rc;

	if ((r = cli_parse("report versions", argc, argv, opts)) != 0 || (r = year_arg("report versions", years, &year)) != 0 ||
	    (r = cli_open(dir, &inst, &c)) != 0)
		return r;
	if ((rc = report_submissions(&c, year, unit, &j)) == TK_OK && (txt = json_dumps(j, JSON_INDENT(2))) == NULL)
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
	json_decref(j);
	r = cli_print_text(rc, &txt);
	cli_close(inst, &c);
	return r;
}

/* freeze, approve, send, acknowledge: --year [--version] [--unit] [--as U --password-file F]. */
static int step_cmd(const char *cmd, int argc, char **argv)
{
	const char *dir = NULL, *years = NULL, *unit = NULL, *vers = NULL, *as = NULL, *pwfile = NULL, *note = NULL;
	int by_hand = 0, freeze = strcmp(cmd, "report freeze") == 0, send = strcmp(cmd, "report send") == 0;
	struct cli_opt opts[] = {
		{ "dir", 1, &dir, NULL, 1 },
		{ "year", 1, &years, NULL, 1 },
		{ "unit", 1, &unit, NULL, 0 },
		{ "version", 1, &vers, NULL, !freeze },
		{ "as", 1, &as, NULL, 0 },
		{ "password-file", 1, &pwfile, NULL, 0 },
		{ "by-hand", 0, NULL, &by_hand, 0 },
		{ "note", 1, &note, NULL, 0 },
		{ NULL, 0, NULL, NULL, 0 },
	};
	struct instance *inst;
	struct svc_ctx c;
	int64_t v = 0;
	int r, year = 0, version = 0;
	enum tk_err rc;

	if ((r = cli_parse(cmd, argc, argv, opts)) != 0 || (r = year_arg(cmd, years, &year)) != 0)
		return r;
	if (!freeze && parse_i64_str(vers, 1, 1000000, &v) != TK_OK)
		return cli_usage_error(cmd, "--version takes a positive number");
	if (!send && (by_hand || note != NULL))
		return cli_usage_error(cmd, "--by-hand and --note belong to report send");
	version = (int)v;
	if ((r = cli_open_opt_as(dir, as, pwfile, &inst, &c)) != 0)
		return r;
	if (freeze)
		rc = report_freeze(&c, year, unit, &version);
	else if (send)
		rc = report_send(&c, year, unit, version, by_hand, note);
	else if (strcmp(cmd, "report approve") == 0)
		rc = report_approve(&c, year, unit, version);
	else
		rc = report_acknowledge(&c, year, unit, version);
	if (rc == TK_OK) {
		printf("usage report %d%s%s version %d: %s\n", year, unit ? " " : "", unit ? unit : "", version,
		    freeze ? "frozen" : send                             ? "sent"
				    : strcmp(cmd, "report approve") == 0 ? "approved"
									 : "acknowledged");
		r = 0;
	} else
		r = cli_fail();
	cli_close(inst, &c);
	return r;
}

static int freeze_cmd(int argc, char **argv)
{
	return step_cmd("report freeze", argc, argv);
}

static int approve_cmd(int argc, char **argv)
{
	return step_cmd("report approve", argc, argv);
}

static int send_cmd(int argc, char **argv)
{
	return step_cmd("report send", argc, argv);
}

static int ack_cmd(int argc, char **argv)
{
	return step_cmd("report acknowledge", argc, argv);
}

static int get_cmd(int argc, char **argv)
{
	const char *dir = NULL, *years = NULL, *unit = NULL, *vers = NULL, *fmt = "pdf", *outp = NULL;
	struct cli_opt opts[] = {
		{ "dir", 1, &dir, NULL, 1 },
		{ "year", 1, &years, NULL, 1 },
		{ "unit", 1, &unit, NULL, 0 },
		{ "version", 1, &vers, NULL, 1 },
		{ "format", 1, &fmt, NULL, 0 },
		{ "o", 1, &outp, NULL, 1 },
		{ NULL, 0, NULL, NULL, 0 },
	};
	struct instance *inst;
	struct svc_ctx c;
	struct buf out;
	int64_t v = 0;
	int r, year = 0, f;

	if ((r = cli_parse("report get", argc, argv, opts)) != 0 || (r = year_arg("report get", years, &year)) != 0)
		return r;
	if (parse_i64_str(vers, 1, 1000000, &v) != TK_OK)
		return cli_usage_error("report get", "--version takes a positive number");
	if ((f = report_format_parse(fmt)) != REPORT_PDF && f != REPORT_JSON)
		return cli_usage_error("report get", "--format is pdf or json (what a frozen version keeps)");
	if ((r = cli_open(dir, &inst, &c)) != 0)
		return r;
	buf_init(&out, (size_t)256 << 20);
	r = report_frozen(&c, year, unit, (int)v, (enum report_format)f, &out) == TK_OK ? cli_output(outp, out.p, out.len) : cli_fail();
	buf_free(&out);
	cli_close(inst, &c);
	return r;
}

static int remind_cmd(int argc, char **argv)
{
	return cli_remind_cmd("report remind", argc, argv, report_reminders);
}

int cmd_report(int argc, char **argv)
{
	static const struct cli_sub subs[] = {
		{ "usage", usage_cmd },
		{ "versions", versions_cmd },
		{ "freeze", freeze_cmd },
		{ "approve", approve_cmd },
		{ "send", send_cmd },
		{ "acknowledge", ack_cmd },
		{ "get", get_cmd },
		{ "remind", remind_cmd },
		{ NULL, NULL },
	};
	return cli_dispatch("report", argc, argv, subs, "usage, versions, freeze, approve, send, acknowledge, get or remind");
}

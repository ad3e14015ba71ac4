/*
 * teken ticket: technical-support tickets (R12, docs/support.md) from the
 * command line. As the local operator (ministry side, sees every ticket),
 * or with --as USER --password-file F as that person: the issuer's
 * auditors assign and resolve that way.
 */
#include "cli/cli.h"
#include "svc/base/base.h"
#include "svc/support/support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

/* Braced initializers in macros, which clang-format 14 would lay out as blocks: */
/* clang-format off */
#define END_OPTS {NULL, 0, NULL, NULL, 0}

/* Options every subcommand takes: the instance and, optionally, the person to act as. */
#define COMMON_OPTS(dir, as, pw) {"dir", 1, &(dir), NULL, 1}, {"as", 1, &(as), NULL, 0}, {"password-file", 1, &(pw), NULL, 0}
/* clang-format on */

/* As the operator, or as --as USER (cli_open_opt_as, shared with the report and policy commands). */
static int open_ctx(const char *cmd, const char *dir, const char *as, const char *pwfile, struct instance **inst, struct svc_ctx *c)
{
	if (as == NULL && pwfile != NULL)
		return cli_usage_error(cmd, "--password-file goes with --as USER");
	return cli_open_opt_as(dir, as, pwfile, inst, c);
}

/* A message from --body TEXT or --body-file F ("-": stdin); *owned is what to free. */
static int text_opt(const char *cmd, const char *what, const char *text, const char *file, const char **out, char **owned)
{
	uint8_t *p = NULL;
	size_t len = 0;

	*owned = NULL;
	*out = text;
	if (file == NULL)
		return text != NULL ? 0 : cli_usage_error(cmd, "give --%s TEXT or --%s-file F", what, what);
	if (text != NULL)
		return cli_usage_error(cmd, "give --%s or --%s-file, not both", what, what);
	if (strcmp(file, "-") == 0) {
		size_t cap = SUPPORT_MAX_TEXT + 2, n;
		if ((p = malloc(cap)) == NULL)
			return cli_usage_error(cmd, "out of memory");
		n = fread(p, 1, cap - 1, stdin);
		len = n;
	} else if (file_read(file, SUPPORT_MAX_TEXT + 1, &p, &len) != TK_OK) {
		return cli_fail();
	} else {
		uint8_t *q = realloc(p, len + 1);
		if (q == NULL) {
			free(p);
			return cli_usage_error(cmd, "out of memory");
		}
		p = q;
	}
	p[len] = '\0';
	if (memchr(p, '\0', len) != NULL) {
		free(p);
		return cli_usage_error(cmd, "%s: holds a NUL byte", file);
	}
	*owned = (char *)p;
	*out = *owned;
	return 0;
}

static int ticket_list_cmd(int argc, char **argv)
{
	const char *dir = NULL, *as = NULL, *pw = NULL, *status = NULL;
	struct cli_opt opts[] = { COMMON_OPTS(dir, as, pw), { "status", 1, &status, NULL, 0 }, END_OPTS };
	struct instance *inst;
	struct svc_ctx c;
	char *txt = NULL;
	int r;

	if ((r = cli_parse("ticket list", argc, argv, opts)) != 0 || (r = open_ctx("ticket list", dir, as, pw, &inst, &c)) != 0)
		return r;
	r = cli_print_text(support_list(&c, status, &txt), &txt);
	cli_close(inst, &c);
	return r;
}

static int ticket_get_cmd(int argc, char **argv)
{
	const char *dir = NULL, *as = NULL, *pw = NULL, *id_s = NULL, *file_s = NULL, *outp = NULL;
	struct cli_opt opts[] = { COMMON_OPTS(dir, as, pw), { "id", 1, &id_s, NULL, 1 }, { "file", 1, &file_s, NULL, 0 }, { "o", 1, &outp, NULL, 0 },
		END_OPTS };
	struct instance *inst;
	struct svc_ctx c;
	char *txt = NULL;
	int64_t id = 0, fid = 0;
	int r;

	if ((r = cli_parse("ticket get", argc, argv, opts)) != 0 || (r = cli_id_opt("ticket get", "id", id_s, &id)) != 0 ||
	    (file_s != NULL && (r = cli_id_opt("ticket get", "file", file_s, &fid)) != 0) || (r = open_ctx("ticket get", dir, as, pw, &inst, &c)) != 0)
		return r;
	if (file_s == NULL) {
		r = cli_print_text(support_get(&c, id, &txt), &txt);
	} else {
		/* --file N: the attached document, to -o F or stdout. */
		struct buf data;
		char *name = NULL, *mime = NULL;
		buf_init(&data, SUPPORT_MAX_FILE);
		r = support_file(&c, id, fid, &data, &name, &mime) == TK_OK ? cli_output(outp, data.p, data.len) : cli_fail();
		free(name);
		free(mime);
		buf_free(&data);
	}
	cli_close(inst, &c);
	return r;
}

static int ticket_open_cmd(int argc, char **argv)
{
	const char *dir = NULL, *as = NULL, *pw = NULL, *body = NULL, *body_file = NULL, *file = NULL;
	struct support_open_in in;
	struct cli_opt opts[] = { COMMON_OPTS(dir, as, pw), { "category", 1, &in.category, NULL, 1 }, { "subject", 1, &in.subject, NULL, 1 },
		{ "body", 1, &body, NULL, 0 }, { "body-file", 1, &body_file, NULL, 0 }, { "document-id", 1, &in.document_id, NULL, 0 },
		{ "cert-serial", 1, &in.cert_serial, NULL, 0 }, { "file", 1, &file, NULL, 0 }, END_OPTS };
	struct instance *inst;
	struct svc_ctx c;
	const uint8_t *p = NULL;
	size_t len = 0;
	char *txt = NULL, *owned = NULL;
	int r;

	memset(&in, 0, sizeof(in));
	if ((r = cli_parse("ticket open", argc, argv, opts)) != 0 || (r = text_opt("ticket open", "body", body, body_file, &in.body, &owned)) != 0)
		return r;
	if (file != NULL) {
		if (cli_map_file(file, &p, &len) != TK_OK) {
			free(owned);
			return cli_fail();
		}
		in.file = p;
		in.file_len = len;
		in.file_name = file;
	}
	if ((r = open_ctx("ticket open", dir, as, pw, &inst, &c)) == 0) {
		r = cli_print_text(support_open(&c, &in, 0, &txt), &txt);
		cli_close(inst, &c);
	}
	if (p != NULL)
		munmap((void *)(uintptr_t)p, len);
	free(owned);
	return r;
}

/* reply --body|--body-file, resolve --note|--note-file, assign [--assignee A], close */
static int ticket_change_cmd(const char *cmd, int argc, char **argv)
{
	const char *dir = NULL, *as = NULL, *pw = NULL, *id_s = NULL, *body = NULL, *body_file = NULL, *note = NULL, *note_file = NULL,
		   *assignee = NULL;
	struct cli_opt opts[] = { COMMON_OPTS(dir, as, pw), { "id", 1, &id_s, NULL, 1 }, { "body", 1, &body, NULL, 0 }, { "body-file", 1, &body_file, NULL, 0 },
		{ "note", 1, &note, NULL, 0 }, { "note-file", 1, &note_file, NULL, 0 }, { "assignee", 1, &assignee, NULL, 0 }, END_OPTS };
	struct instance *inst;
	struct svc_ctx c;
	const char *text = NULL;
	char *txt = NULL, *owned = NULL;
	int64_t id = 0;
	int r;
	enum tk_err rc;

	if ((r = cli_parse(cmd, argc, argv, opts)) != 0 || (r = cli_id_opt(cmd, "id", id_s, &id)) != 0)
		return r;
	if (strcmp(cmd, "ticket reply") == 0 && (r = text_opt(cmd, "body", body, body_file, &text, &owned)) != 0)
		return r;
	if (strcmp(cmd, "ticket resolve") == 0 && (r = text_opt(cmd, "note", note, note_file, &text, &owned)) != 0)
		return r;
	if ((r = open_ctx(cmd, dir, as, pw, &inst, &c)) != 0) {
		free(owned);
		return r;
	}
	if (strcmp(cmd, "ticket reply") == 0)
		rc = support_reply(&c, id, text, &txt);
	else if (strcmp(cmd, "ticket resolve") == 0)
		rc = support_resolve(&c, id, text, &txt);
	else if (strcmp(cmd, "ticket assign") == 0)
		rc = support_assign(&c, id, assignee, &txt);
	else
		rc = support_close(&c, id, &txt);
	r = cli_print_text(rc, &txt);
	cli_close(inst, &c);
	free(owned);
	return r;
}

static int ticket_reply_cmd(int argc, char **argv) { return ticket_change_cmd("ticket reply", argc, argv); }
static int ticket_resolve_cmd(int argc, char **argv) { return ticket_change_cmd("ticket resolve", argc, argv); }
static int ticket_assign_cmd(int argc, char **argv) { return ticket_change_cmd("ticket assign", argc, argv); }
static int ticket_close_cmd(int argc, char **argv) { return ticket_change_cmd("ticket close", argc, argv); }

static int ticket_summary_cmd(int argc, char **argv)
{
	const char *dir = NULL, *as = NULL, *pw = NULL, *year_s = NULL;
	struct cli_opt opts[] = { COMMON_OPTS(dir, as, pw), { "year", 1, &year_s, NULL, 0 }, END_OPTS };
	struct instance *inst;
	struct svc_ctx c;
	char *txt = NULL;
	int64_t year = 0;
	int r;

	if ((r = cli_parse("ticket summary", argc, argv, opts)) != 0)
		return r;
	if (year_s == NULL) {
		time_t wib = (time_t)(tk_now() + 7 * 3600);
		struct tm tm;
		year = gmtime_r(&wib, &tm) != NULL ? tm.tm_year + 1900 : 0;
	} else if (parse_i64_str(year_s, 2000, 9999, &year) != TK_OK) {
		return cli_usage_error("ticket summary", "--year must be 2000 to 9999");
	}
	if ((r = open_ctx("ticket summary", dir, as, pw, &inst, &c)) != 0)
		return r;
	r = cli_print_text(support_summary(&c, (int)year, &txt), &txt);
	cli_close(inst, &c);
	return r;
}

int cmd_ticket(int argc, char **argv)
{
	static const struct cli_sub subs[] = {
		{ "list", ticket_list_cmd },
		{ "get", ticket_get_cmd },
		{ "open", ticket_open_cmd },
		{ "reply", ticket_reply_cmd },
		{ "assign", ticket_assign_cmd },
		{ "resolve", ticket_resolve_cmd },
		{ "close", ticket_close_cmd },
		{ "summary", ticket_summary_cmd },
		{ NULL, NULL },
	};

	return cli_dispatch("ticket", argc, argv, subs, "list, get, open, reply, assign, resolve, close or summary");
}

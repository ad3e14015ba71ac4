/*
 * teken agreement: the agreement register (R15, docs/agreements.md) from
 * the command line, mirroring /api/v1/agreements: list, get, create,
 * update, end, upload and download the signed PDFs, addenda, contact
 * changes and history, and the reminders the jobs loop also queues. It
 * acts as the local operator (the ministry), or as a person with --as USER
 * --password-file F. `deadline` and `holidays` are the day counting of
 * svc/calendar (cmd_calendar.c). Output is JSON (--format json, the only
 * format).
 */
#include "cli/cli.h"
#include "svc/agreement/agreement.h"
#include "svc/base/base.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* A braced initializer in a macro, which clang-format 14 would lay out as a block: */
/* clang-format off */
#define END_OPTS {NULL, 0, NULL, NULL, 0}
/* clang-format on */

static int format_ok(const char *cmd, const char *format)
{
	if (format != NULL && strcmp(format, "json") != 0)
		return cli_usage_error(cmd, "--format: only json");
	return 0;
}

static int put(const char *cmd, json_t *j, const char *key, const char *v)
{
	if (v == NULL)
		return 0;
	if (json_object_set_new(j, key, json_string(v)) != 0)
		return cli_usage_error(cmd, "--%s must be UTF-8", key);
	return 0;
}

static int agreement_list_cmd(int argc, char **argv)
{
	const char *dir = NULL, *format = NULL, *as = NULL, *pwf = NULL;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { "format", 1, &format, NULL, 0 }, { "as", 1, &as, NULL, 0 },
		{ "password-file", 1, &pwf, NULL, 0 }, END_OPTS };
	struct instance *inst;
	struct svc_ctx c;
	char *txt = NULL;
	int r;

	if ((r = cli_parse("agreement list", argc, argv, opts)) != 0 || (r = format_ok("agreement list", format)) != 0 ||
	    (r = cli_open_opt_as(dir, as, pwf, &inst, &c)) != 0)
		return r;
	r = cli_print_text(agreement_list(&c, &txt), &txt);
	cli_close(inst, &c);
	return r;
}

static int agreement_get_cmd(int argc, char **argv)
{
	const char *dir = NULL, *id_s = NULL, *format = NULL, *as = NULL, *pwf = NULL;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { "id", 1, &id_s, NULL, 1 }, { "format", 1, &format, NULL, 0 }, { "as", 1, &as, NULL, 0 },
		{ "password-file", 1, &pwf, NULL, 0 }, END_OPTS };
	struct instance *inst;
	struct svc_ctx c;
	char *txt = NULL;
	int64_t id = 0;
	int r;

	if ((r = cli_parse("agreement get", argc, argv, opts)) != 0 || (r = format_ok("agreement get", format)) != 0 ||
	    (r = cli_id_opt("agreement get", "id", id_s, &id)) != 0 || (r = cli_open_opt_as(dir, as, pwf, &inst, &c)) != 0)
		return r;
	r = cli_print_text(agreement_get(&c, id, &txt), &txt);
	cli_close(inst, &c);
	return r;
}

/* create --file F | update --id N --file F | addendum --id N --file F: a JSON object as the API takes it. */
static int json_cmd(const char *cmd, int with_id, int argc, char **argv, enum tk_err (*create)(struct svc_ctx *, json_t *, char **),
    enum tk_err (*fn)(struct svc_ctx *, int64_t, json_t *, char **))
{
	const char *dir = NULL, *file = NULL, *id_s = NULL, *format = NULL, *as = NULL, *pwf = NULL;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { "file", 1, &file, NULL, 1 }, { "id", 1, &id_s, NULL, with_id },
		{ "format", 1, &format, NULL, 0 }, { "as", 1, &as, NULL, 0 }, { "password-file", 1, &pwf, NULL, 0 }, END_OPTS };
	struct instance *inst;
	struct svc_ctx c;
	json_t *j = NULL;
	char *txt = NULL;
	int64_t id = 0;
	int r;

	if ((r = cli_parse(cmd, argc, argv, opts)) != 0 || (r = format_ok(cmd, format)) != 0 ||
	    (with_id && (r = cli_id_opt(cmd, "id", id_s, &id)) != 0) || (r = cli_read_json_object(cmd, file, MAX_JSON_BODY, &j)) != 0)
		return r;
	if ((r = cli_open_opt_as(dir, as, pwf, &inst, &c)) != 0) {
		json_decref(j);
		return r;
	}
	r = cli_print_text(with_id ? fn(&c, id, j, &txt) : create(&c, j, &txt), &txt);
	cli_close(inst, &c);
	json_decref(j);
	return r;
}

static int agreement_create_cmd(int argc, char **argv)
{
	return json_cmd("agreement create", 0, argc, argv, agreement_create, NULL);
}

static int agreement_update_cmd(int argc, char **argv)
{
	return json_cmd("agreement update", 1, argc, argv, NULL, agreement_update);
}

static int agreement_addendum_cmd(int argc, char **argv)
{
	return json_cmd("agreement addendum", 1, argc, argv, NULL, agreement_addendum_add);
}

static int agreement_end_cmd(int argc, char **argv)
{
	const char *dir = NULL, *id_s = NULL, *on = NULL, *reason = NULL, *format = NULL, *as = NULL, *pwf = NULL;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { "id", 1, &id_s, NULL, 1 }, { "on", 1, &on, NULL, 1 }, { "reason", 1, &reason, NULL, 1 },
		{ "format", 1, &format, NULL, 0 }, { "as", 1, &as, NULL, 0 }, { "password-file", 1, &pwf, NULL, 0 }, END_OPTS };
	const char *cmd = "agreement end";
	struct instance *inst;
	struct svc_ctx c;
	json_t *j;
	char *txt = NULL;
	int64_t id = 0;
	int r;

	if ((r = cli_parse(cmd, argc, argv, opts)) != 0 || (r = format_ok(cmd, format)) != 0 || (r = cli_id_opt(cmd, "id", id_s, &id)) != 0)
		return r;
	if ((j = json_object()) == NULL)
		return cli_usage_error(cmd, "out of memory");
	if ((r = put(cmd, j, "ended_on", on)) != 0 || (r = put(cmd, j, "reason", reason)) != 0 || (r = cli_open_opt_as(dir, as, pwf, &inst, &c)) != 0) {
		json_decref(j);
		return r;
	}
	r = cli_print_text(agreement_end(&c, id, j, &txt), &txt);
	cli_close(inst, &c);
	json_decref(j);
	return r;
}

/* upload --id N --in signed.pdf [--addendum A] | download --id N [--addendum A] [-o F] */
static int pdf_cmd(const char *cmd, int upload, int argc, char **argv)
{
	const char *dir = NULL, *id_s = NULL, *aid_s = NULL, *in = NULL, *outp = NULL, *format = NULL, *as = NULL, *pwf = NULL;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { "id", 1, &id_s, NULL, 1 }, { "addendum", 1, &aid_s, NULL, 0 }, { "in", 1, &in, NULL, upload },
		{ "o", 1, &outp, NULL, 0 }, { "format", 1, &format, NULL, 0 }, { "as", 1, &as, NULL, 0 }, { "password-file", 1, &pwf, NULL, 0 }, END_OPTS };
	struct instance *inst;
	struct svc_ctx c;
	char *txt = NULL;
	int64_t id = 0, aid = 0;
	int r;

	if ((r = cli_parse(cmd, argc, argv, opts)) != 0 || (r = format_ok(cmd, format)) != 0 || (r = cli_id_opt(cmd, "id", id_s, &id)) != 0 ||
	    (aid_s != NULL && (r = cli_id_opt(cmd, "addendum", aid_s, &aid)) != 0))
		return r;
	if ((r = cli_open_opt_as(dir, as, pwf, &inst, &c)) != 0)
		return r;
	if (upload) {
		const uint8_t *p = NULL;
		size_t len = 0;
		if (cli_map_file(in, &p, &len) != TK_OK) {
			r = cli_fail();
		} else {
			r = cli_print_text(agreement_pdf_upload(&c, id, aid, p, len, &txt), &txt);
			munmap((void *)(uintptr_t)p, len);
		}
	} else {
		struct buf pdf;
		char name[96];
		buf_init(&pdf, AGREEMENT_MAX_PDF);
		r = agreement_pdf_get(&c, id, aid, &pdf, name) == TK_OK ? cli_output(outp, pdf.p, pdf.len) : cli_fail();
		buf_free(&pdf);
	}
	cli_close(inst, &c);
	return r;
}

static int agreement_upload_cmd(int argc, char **argv)
{
	return pdf_cmd("agreement upload", 1, argc, argv);
}

static int agreement_download_cmd(int argc, char **argv)
{
	return pdf_cmd("agreement download", 0, argc, argv);
}

/*
 * contact change --id N --party first|second --changed-on D --official O [--position P] [--address A] [--phone T] [--email E]
 * contact history --id N [--party P]
 */
static int agreement_contact_cmd(int argc, char **argv)
{
	const char *dir = NULL, *id_s = NULL, *party = NULL, *changed = NULL, *official = NULL, *position = NULL, *address = NULL, *phone = NULL,
		   *email = NULL, *format = NULL, *as = NULL, *pwf = NULL;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { "id", 1, &id_s, NULL, 1 }, { "party", 1, &party, NULL, 0 },
		{ "changed-on", 1, &changed, NULL, 0 }, { "official", 1, &official, NULL, 0 }, { "position", 1, &position, NULL, 0 },
		{ "address", 1, &address, NULL, 0 }, { "phone", 1, &phone, NULL, 0 }, { "email", 1, &email, NULL, 0 }, { "format", 1, &format, NULL, 0 },
		{ "as", 1, &as, NULL, 0 }, { "password-file", 1, &pwf, NULL, 0 }, END_OPTS };
	const char *cmd = "agreement contact";
	struct instance *inst;
	struct svc_ctx c;
	json_t *j = NULL;
	char *txt = NULL;
	int64_t id = 0;
	int r, change;

	if (argc < 1 || (strcmp(argv[0], "change") != 0 && strcmp(argv[0], "history") != 0))
		return cli_usage_error(cmd, "expected change or history");
	change = strcmp(argv[0], "change") == 0;
	if ((r = cli_parse(cmd, argc - 1, argv + 1, opts)) != 0 || (r = format_ok(cmd, format)) != 0 || (r = cli_id_opt(cmd, "id", id_s, &id)) != 0)
		return r;
	if (change) {
		if (party == NULL || changed == NULL || official == NULL)
			return cli_usage_error(cmd, "change needs --party, --changed-on and --official");
		if ((j = json_object()) == NULL)
			return cli_usage_error(cmd, "out of memory");
		if ((r = put(cmd, j, "party", party)) != 0 || (r = put(cmd, j, "changed_on", changed)) != 0 || (r = put(cmd, j, "official", official)) != 0 ||
		    (r = put(cmd, j, "position", position)) != 0 || (r = put(cmd, j, "address", address)) != 0 || (r = put(cmd, j, "phone", phone)) != 0 ||
		    (r = put(cmd, j, "email", email)) != 0) {
			json_decref(j);
			return r;
		}
	}
	if ((r = cli_open_opt_as(dir, as, pwf, &inst, &c)) != 0) {
		json_decref(j);
		return r;
	}
	r = cli_print_text(change ? agreement_contact_change(&c, id, j, &txt) : agreement_contact_history(&c, id, party, &txt), &txt);
	cli_close(inst, &c);
	json_decref(j);
	return r;
}

static int agreement_remind_cmd(int argc, char **argv)
{
	return cli_remind_cmd("agreement remind", argc, argv, agreement_reminders);
}

int cmd_agreement(int argc, char **argv)
{
	static const struct cli_sub subs[] = {
		{ "list", agreement_list_cmd },
		{ "get", agreement_get_cmd },
		{ "create", agreement_create_cmd },
		{ "update", agreement_update_cmd },
		{ "end", agreement_end_cmd },
		{ "upload", agreement_upload_cmd },
		{ "download", agreement_download_cmd },
		{ "addendum", agreement_addendum_cmd },
		{ "contact", agreement_contact_cmd },
		{ "remind", agreement_remind_cmd },
		{ "deadline", cmd_agreement_deadline },
		{ "holidays", cmd_agreement_holidays },
		{ NULL, NULL },
	};

	return cli_dispatch("agreement", argc, argv, subs,
	    "list, get, create, update, end, upload, download, addendum, contact, remind, deadline or holidays");
}

/*
 * teken monev: monitoring and evaluation (R17, docs/monev.md) from the
 * command line, as the local operator: the dashboard, evaluation records,
 * follow-up actions, the minutes (freeze, download, upload a signed file)
 * and the reminders the jobs loop also queues.
 */
#include "cli/cli.h"
#include "svc/base/base.h"
#include "svc/monev/monev.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* A braced initializer in a macro, which clang-format 14 would lay out as a block: */
/* clang-format off */
#define END_OPTS {NULL, 0, NULL, NULL, 0}
/* clang-format on */

static int monev_dashboard_cmd(int argc, char **argv)
{
	return cli_text_cmd("monev dashboard", argc, argv, monev_dashboard);
}

static int monev_list_cmd(int argc, char **argv)
{
	return cli_text_cmd("monev list", argc, argv, monev_list);
}

static int monev_show_cmd(int argc, char **argv)
{
	return cli_id_cmd("monev show", argc, argv, monev_get);
}

/* create --file F, or update --id N --file F */
static int record_cmd(const char *cmd, int update, int argc, char **argv)
{
	const char *dir = NULL, *file = NULL, *id_s = NULL;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { "file", 1, &file, NULL, 1 }, { "id", 1, &id_s, NULL, update }, END_OPTS };
	struct instance *inst;
	struct svc_ctx c;
	json_t *j = NULL;
	char *txt = NULL;
	int64_t id = 0;
	int r;

	if ((r = cli_parse(cmd, argc, argv, opts)) != 0 || (update && (r = cli_id_opt(cmd, "id", id_s, &id)) != 0) || (r = cli_read_json_object(cmd, file, MAX_JSON_BODY, &j)) != 0)
		return r;
	if ((r = cli_open(dir, &inst, &c)) != 0) {
		json_decref(j);
		return r;
	}
	r = cli_print_text(update ? monev_update(&c, id, j, &txt) : monev_create(&c, j, &txt), &txt);
	cli_close(inst, &c);
	json_decref(j);
	return r;
}

static int monev_create_cmd(int argc, char **argv) { return record_cmd("monev create", 0, argc, argv); }
static int monev_update_cmd(int argc, char **argv) { return record_cmd("monev update", 1, argc, argv); }

/* action add --id N --description T --owner O [--owner-email E] --due D | action update --id N --action A [--status S] [--note T] [--due D] */
static int monev_action_cmd(int argc, char **argv)
{
	const char *dir = NULL, *id_s = NULL, *aid_s = NULL, *desc = NULL, *owner = NULL, *email = NULL, *due = NULL, *status = NULL, *note = NULL;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { "id", 1, &id_s, NULL, 1 }, { "action", 1, &aid_s, NULL, 0 },
		{ "description", 1, &desc, NULL, 0 }, { "owner", 1, &owner, NULL, 0 }, { "owner-email", 1, &email, NULL, 0 }, { "due", 1, &due, NULL, 0 },
		{ "status", 1, &status, NULL, 0 }, { "note", 1, &note, NULL, 0 }, END_OPTS };
	struct instance *inst;
	struct svc_ctx c;
	json_t *j;
	char *txt = NULL;
	int64_t id = 0, aid = 0;
	int r, add;

	if (argc < 1 || (strcmp(argv[0], "add") != 0 && strcmp(argv[0], "update") != 0))
		return cli_usage_error("monev action", "expected add or update");
	add = strcmp(argv[0], "add") == 0;
	if ((r = cli_parse("monev action", argc - 1, argv + 1, opts)) != 0 || (r = cli_id_opt("monev action", "id", id_s, &id)) != 0)
		return r;
	if (!add && (aid_s == NULL || (r = cli_id_opt("monev action", "action", aid_s, &aid)) != 0))
		return r != 0 ? r : cli_usage_error("monev action", "update needs --action");
	if ((j = json_object()) == NULL)
		return cli_usage_error("monev action", "out of memory");
	if ((desc && json_object_set_new(j, "description", json_string(desc)) != 0) || (owner && json_object_set_new(j, "owner", json_string(owner)) != 0) ||
	    (email && json_object_set_new(j, "owner_email", json_string(email)) != 0) || (due && json_object_set_new(j, "due_on", json_string(due)) != 0) ||
	    (status && json_object_set_new(j, "status", json_string(status)) != 0) || (note && json_object_set_new(j, "closing_note", json_string(note)) != 0)) {
		json_decref(j);
		return cli_usage_error("monev action", "option values must be UTF-8");
	}
	if ((r = cli_open(dir, &inst, &c)) != 0) {
		json_decref(j);
		return r;
	}
	r = cli_print_text(add ? monev_action_add(&c, id, j, &txt) : monev_action_update(&c, id, aid, j, &txt), &txt);
	cli_close(inst, &c);
	json_decref(j);
	return r;
}

/* minutes freeze|get|upload --id N [-o F | --in F] */
static int monev_minutes_cmd(int argc, char **argv)
{
	const char *dir = NULL, *id_s = NULL, *outp = NULL, *in = NULL;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { "id", 1, &id_s, NULL, 1 }, { "o", 1, &outp, NULL, 0 }, { "in", 1, &in, NULL, 0 }, END_OPTS };
	struct instance *inst;
	struct svc_ctx c;
	char *txt = NULL;
	int64_t id = 0;
	int r;

	if (argc < 1 || (strcmp(argv[0], "freeze") != 0 && strcmp(argv[0], "get") != 0 && strcmp(argv[0], "upload") != 0))
		return cli_usage_error("monev minutes", "expected freeze, get or upload");
	if ((r = cli_parse("monev minutes", argc - 1, argv + 1, opts)) != 0 || (r = cli_id_opt("monev minutes", "id", id_s, &id)) != 0)
		return r;
	if (strcmp(argv[0], "upload") == 0 && in == NULL)
		return cli_usage_error("monev minutes", "upload needs --in signed.pdf");
	if ((r = cli_open(dir, &inst, &c)) != 0)
		return r;
	if (strcmp(argv[0], "freeze") == 0) {
		r = cli_print_text(monev_minutes_freeze(&c, id, &txt), &txt);
	} else if (strcmp(argv[0], "get") == 0) {
		struct buf pdf;
		buf_init(&pdf, MONEV_MAX_UPLOAD);
		r = monev_minutes_pdf(&c, id, &pdf) == TK_OK ? cli_output(outp, pdf.p, pdf.len) : cli_fail();
		buf_free(&pdf);
	} else {
		const uint8_t *p = NULL;
		size_t len = 0;
		if (cli_map_file(in, &p, &len) != TK_OK) {
			r = cli_fail();
		} else {
			r = cli_print_text(monev_minutes_upload(&c, id, p, len, &txt), &txt);
			munmap((void *)(uintptr_t)p, len);
		}
	}
	cli_close(inst, &c);
	return r;
}

static int monev_remind_cmd(int argc, char **argv)
{
	return cli_remind_cmd("monev remind", argc, argv, monev_reminders);
}

int cmd_monev(int argc, char **argv)
{
	static const struct cli_sub subs[] = {
		{ "dashboard", monev_dashboard_cmd },
		{ "list", monev_list_cmd },
		{ "show", monev_show_cmd },
		{ "create", monev_create_cmd },
		{ "update", monev_update_cmd },
		{ "action", monev_action_cmd },
		{ "minutes", monev_minutes_cmd },
		{ "remind", monev_remind_cmd },
		{ NULL, NULL },
	};

	return cli_dispatch("monev", argc, argv, subs, "dashboard, list, show, create, update, action, minutes or remind");
}

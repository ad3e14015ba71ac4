/*
 * teken event / teken literasi: training and socialisation events and the
 * public /literasi page text (R14, docs/literacy.md) from the command line,
 * as the local operator (the ministry's side).
 */
#include "cli/cli.h"
#include "svc/base/base.h"
#include "svc/literacy/literacy.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* A braced initializer in a macro, which clang-format 14 would lay out as a block: */
/* clang-format off */
#define END_OPTS {NULL, 0, NULL, NULL, 0}
/* clang-format on */

/* ------------------------------------------------------------ event */

static int event_list_cmd(int argc, char **argv)
{
	const char *dir = NULL, *year_s = NULL;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { "year", 1, &year_s, NULL, 0 }, END_OPTS };
	struct instance *inst;
	struct svc_ctx c;
	char *txt = NULL;
	uint64_t year = 0;
	int r;

	if ((r = cli_parse("event list", argc, argv, opts)) != 0)
		return r;
	if (year_s != NULL && (parse_u64_str(year_s, 9999, &year) != TK_OK || year == 0))
		return cli_usage_error("event list", "--year must be a year such as 2026");
	if ((r = cli_open(dir, &inst, &c)) != 0)
		return r;
	r = cli_print_text(event_list(&c, (int)year, &txt), &txt);
	cli_close(inst, &c);
	return r;
}

static int event_get_cmd(int argc, char **argv)
{
	return cli_id_cmd("event get", argc, argv, event_get);
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

	if ((r = cli_parse(cmd, argc, argv, opts)) != 0 || (update && (r = cli_id_opt(cmd, "id", id_s, &id)) != 0) ||
	    (r = cli_read_json_object(cmd, file, MAX_JSON_BODY, &j)) != 0)
		return r;
	if ((r = cli_open(dir, &inst, &c)) != 0) {
		json_decref(j);
		return r;
	}
	r = cli_print_text(update ? event_update(&c, id, j, &txt) : event_create(&c, j, &txt), &txt);
	cli_close(inst, &c);
	json_decref(j);
	return r;
}

static int event_create_cmd(int argc, char **argv) { return record_cmd("event create", 0, argc, argv); }
static int event_update_cmd(int argc, char **argv) { return record_cmd("event update", 1, argc, argv); }

static int event_status_cmd(int argc, char **argv)
{
	const char *dir = NULL, *id_s = NULL, *status = NULL;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { "id", 1, &id_s, NULL, 1 }, { "status", 1, &status, NULL, 1 }, END_OPTS };
	struct instance *inst;
	struct svc_ctx c;
	json_t *j;
	char *txt = NULL;
	int64_t id = 0;
	int r;

	if ((r = cli_parse("event status", argc, argv, opts)) != 0 || (r = cli_id_opt("event status", "id", id_s, &id)) != 0)
		return r;
	if ((j = json_pack("{s:s}", "status", status)) == NULL)
		return cli_usage_error("event status", "--status must be UTF-8");
	if ((r = cli_open(dir, &inst, &c)) != 0) {
		json_decref(j);
		return r;
	}
	r = cli_print_text(event_set_status(&c, id, j, &txt), &txt);
	cli_close(inst, &c);
	json_decref(j);
	return r;
}

/* participant add --id N (--subscriber S | --name N [--unit U] --party P) | participant remove --id N --participant P */
static int event_participant_cmd(int argc, char **argv)
{
	const char *dir = NULL, *id_s = NULL, *sub_s = NULL, *name = NULL, *unit = NULL, *party = NULL, *pid_s = NULL;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { "id", 1, &id_s, NULL, 1 }, { "subscriber", 1, &sub_s, NULL, 0 },
		{ "name", 1, &name, NULL, 0 }, { "unit", 1, &unit, NULL, 0 }, { "party", 1, &party, NULL, 0 }, { "participant", 1, &pid_s, NULL, 0 },
		END_OPTS };
	struct instance *inst;
	struct svc_ctx c;
	json_t *j = NULL;
	char *txt = NULL;
	int64_t id = 0, sid = 0, pid = 0;
	int r, add;

	if (argc < 1 || (strcmp(argv[0], "add") != 0 && strcmp(argv[0], "remove") != 0))
		return cli_usage_error("event participant", "expected add or remove");
	add = strcmp(argv[0], "add") == 0;
	if ((r = cli_parse("event participant", argc - 1, argv + 1, opts)) != 0 || (r = cli_id_opt("event participant", "id", id_s, &id)) != 0)
		return r;
	if (!add) {
		if (pid_s == NULL)
			return cli_usage_error("event participant", "remove needs --participant P");
		if ((r = cli_id_opt("event participant", "participant", pid_s, &pid)) != 0)
			return r;
	} else if (sub_s != NULL) {
		if ((r = cli_id_opt("event participant", "subscriber", sub_s, &sid)) != 0)
			return r;
		if (name != NULL || unit != NULL || party != NULL)
			return cli_usage_error("event participant", "--subscriber takes name and unit from the register: leave out --name, --unit, --party");
		j = json_pack("{s:I}", "subscriber_id", (json_int_t)sid);
	} else {
		if (name == NULL || party == NULL)
			return cli_usage_error("event participant", "add needs --subscriber S, or --name N --party first|second|public [--unit U]");
		j = json_pack("{s:s, s:s, s:s}", "name", name, "party", party, "unit", unit ? unit : "");
	}
	if (add && j == NULL)
		return cli_usage_error("event participant", "option values must be UTF-8");
	if ((r = cli_open(dir, &inst, &c)) != 0) {
		json_decref(j);
		return r;
	}
	r = cli_print_text(add ? event_participant_add(&c, id, j, &txt) : event_participant_remove(&c, id, pid, &txt), &txt);
	cli_close(inst, &c);
	json_decref(j);
	return r;
}

/* attend --id N --participant P [--absent] */
static int event_attend_cmd(int argc, char **argv)
{
	const char *dir = NULL, *id_s = NULL, *pid_s = NULL;
	int absent = 0;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { "id", 1, &id_s, NULL, 1 }, { "participant", 1, &pid_s, NULL, 1 },
		{ "absent", 0, NULL, &absent, 0 }, END_OPTS };
	struct instance *inst;
	struct svc_ctx c;
	json_t *j;
	char *txt = NULL;
	int64_t id = 0, pid = 0;
	int r;

	if ((r = cli_parse("event attend", argc, argv, opts)) != 0 || (r = cli_id_opt("event attend", "id", id_s, &id)) != 0 ||
	    (r = cli_id_opt("event attend", "participant", pid_s, &pid)) != 0)
		return r;
	if ((j = json_pack("{s:[{s:I, s:b}]}", "participants", "id", (json_int_t)pid, "attended", !absent)) == NULL)
		return cli_usage_error("event attend", "out of memory");
	if ((r = cli_open(dir, &inst, &c)) != 0) {
		json_decref(j);
		return r;
	}
	r = cli_print_text(event_attendance(&c, id, j, &txt), &txt);
	cli_close(inst, &c);
	json_decref(j);
	return r;
}

/* material add --id N --in F [--name NAME] [--type MIME] | material get --id N --file FID [-o OUT] */
static int event_material_cmd(int argc, char **argv)
{
	const char *dir = NULL, *id_s = NULL, *in = NULL, *name = NULL, *type = NULL, *fid_s = NULL, *outp = NULL;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { "id", 1, &id_s, NULL, 1 }, { "in", 1, &in, NULL, 0 }, { "name", 1, &name, NULL, 0 },
		{ "type", 1, &type, NULL, 0 }, { "file", 1, &fid_s, NULL, 0 }, { "o", 1, &outp, NULL, 0 }, END_OPTS };
	struct instance *inst;
	struct svc_ctx c;
	char *txt = NULL;
	int64_t id = 0, fid = 0;
	int r, add;

	if (argc < 1 || (strcmp(argv[0], "add") != 0 && strcmp(argv[0], "get") != 0))
		return cli_usage_error("event material", "expected add or get");
	add = strcmp(argv[0], "add") == 0;
	if ((r = cli_parse("event material", argc - 1, argv + 1, opts)) != 0 || (r = cli_id_opt("event material", "id", id_s, &id)) != 0)
		return r;
	if (add && in == NULL)
		return cli_usage_error("event material", "add needs --in FILE");
	if (!add && (fid_s == NULL || (r = cli_id_opt("event material", "file", fid_s, &fid)) != 0))
		return fid_s == NULL ? cli_usage_error("event material", "get needs --file ID") : r;
	if ((r = cli_open(dir, &inst, &c)) != 0)
		return r;
	if (add) {
		const uint8_t *p = NULL;
		size_t len = 0;
		const char *base = strrchr(in, '/');
		if (cli_map_file(in, &p, &len) != TK_OK) {
			r = cli_fail();
		} else {
			r = cli_print_text(event_material_add(&c, id, name ? name : (base ? base + 1 : in), type, p, len, &txt), &txt);
			munmap((void *)(uintptr_t)p, len);
		}
	} else {
		struct buf data;
		char filename[201], mime[32];
		buf_init(&data, EVENT_MAX_FILE);
		r = event_material_get(&c, id, fid, &data, filename, mime) == TK_OK ? cli_output(outp, data.p, data.len) : cli_fail();
		buf_free(&data);
	}
	cli_close(inst, &c);
	return r;
}

int cmd_event(int argc, char **argv)
{
	static const struct cli_sub subs[] = {
		{ "list", event_list_cmd },
		{ "get", event_get_cmd },
		{ "create", event_create_cmd },
		{ "update", event_update_cmd },
		{ "status", event_status_cmd },
		{ "participant", event_participant_cmd },
		{ "attend", event_attend_cmd },
		{ "material", event_material_cmd },
		{ NULL, NULL },
	};

	return cli_dispatch("event", argc, argv, subs, "list, get, create, update, status, participant, attend or material");
}

/* ------------------------------------------------------------ literasi */

/* get --dir D [--lang id|en]: the JSON, or with --lang that language's text alone. */
static int literasi_get_cmd(int argc, char **argv)
{
	const char *dir = NULL, *lang = NULL;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { "lang", 1, &lang, NULL, 0 }, END_OPTS };
	struct instance *inst;
	struct svc_ctx c;
	char *txt = NULL;
	int r;

	if ((r = cli_parse("literasi get", argc, argv, opts)) != 0)
		return r;
	if (lang != NULL && strcmp(lang, "id") != 0 && strcmp(lang, "en") != 0)
		return cli_usage_error("literasi get", "--lang must be id or en");
	if ((r = cli_open(dir, &inst, &c)) != 0)
		return r;
	if (lang == NULL) {
		r = cli_print_text(literacy_get(&c, &txt), &txt);
	} else if (literacy_get(&c, &txt) != TK_OK) {
		r = cli_fail();
	} else {
		json_t *j = json_loads(txt, 0, NULL);
		const char *body = json_string_value(json_object_get(j, strcmp(lang, "id") == 0 ? "body_id" : "body_en"));
		r = body != NULL ? cli_output(NULL, body, strlen(body)) : cli_usage_error("literasi get", "out of memory");
		json_decref(j);
		free(txt);
	}
	cli_close(inst, &c);
	return r;
}

/* set --dir D --file F --lang id|en: a new version with that language's text from F (UTF-8). */
static int literasi_set_cmd(int argc, char **argv)
{
	const char *dir = NULL, *file = NULL, *lang = NULL;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { "file", 1, &file, NULL, 1 }, { "lang", 1, &lang, NULL, 1 }, END_OPTS };
	struct instance *inst;
	struct svc_ctx c;
	const uint8_t *p = NULL;
	size_t len = 0;
	json_t *j;
	char *txt = NULL;
	int r;

	if ((r = cli_parse("literasi set", argc, argv, opts)) != 0)
		return r;
	if (strcmp(lang, "id") != 0 && strcmp(lang, "en") != 0)
		return cli_usage_error("literasi set", "--lang must be id or en");
	if (cli_map_file(file, &p, &len) != TK_OK)
		return cli_fail();
	if (len > LITERACY_MAX_TEXT) {
		munmap((void *)(uintptr_t)p, len);
		return cli_usage_error("literasi set", "the text is longer than %u bytes", LITERACY_MAX_TEXT);
	}
	j = json_object();
	if (j == NULL || json_object_set_new(j, strcmp(lang, "id") == 0 ? "body_id" : "body_en", json_stringn((const char *)p, len)) != 0) {
		munmap((void *)(uintptr_t)p, len);
		json_decref(j);
		return cli_usage_error("literasi set", "the file must be UTF-8 text");
	}
	munmap((void *)(uintptr_t)p, len);
	if ((r = cli_open(dir, &inst, &c)) != 0) {
		json_decref(j);
		return r;
	}
	r = cli_print_text(literacy_set(&c, j, &txt), &txt);
	cli_close(inst, &c);
	json_decref(j);
	return r;
}

static int literasi_versions_cmd(int argc, char **argv)
{
	return cli_text_cmd("literasi versions", argc, argv, literacy_versions);
}

int cmd_literasi(int argc, char **argv)
{
	static const struct cli_sub subs[] = {
		{ "get", literasi_get_cmd },
		{ "set", literasi_set_cmd },
		{ "versions", literasi_versions_cmd },
		{ NULL, NULL },
	};

	return cli_dispatch("literasi", argc, argv, subs, "get, set or versions");
}

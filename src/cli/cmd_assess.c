/*
 * teken assess: security-assessment reports (R6, docs/assessments.md) from
 * the command line. The local operator requests, uploads, reads and
 * downloads (each read and download is logged like the web's); accept and
 * return act as a named auditor (cli_decide), as the issuer decides.
 */
#include "cli/cli.h"
#include "svc/assess/assess.h"
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

static int assess_list_cmd(int argc, char **argv)
{
	return cli_text_cmd("assess list", argc, argv, assess_list);
}

static int assess_get_cmd(int argc, char **argv)
{
	return cli_id_cmd("assess get", argc, argv, assess_get);
}

static int assess_request_cmd(int argc, char **argv)
{
	const char *dir = NULL, *sys = NULL, *scope = NULL, *due = NULL, *note = NULL;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { "system", 1, &sys, NULL, 1 }, { "scope", 1, &scope, NULL, 1 }, { "due", 1, &due, NULL, 1 },
		{ "note", 1, &note, NULL, 0 }, END_OPTS };
	struct instance *inst;
	struct svc_ctx c;
	json_t *j;
	char *txt = NULL;
	int r;

	if ((r = cli_parse("assess request", argc, argv, opts)) != 0)
		return r;
	if ((j = json_pack("{s:s, s:s, s:s, s:s?}", "system_name", sys, "scope", scope, "due_on", due, "note", note)) == NULL)
		return cli_usage_error("assess request", "option values must be UTF-8");
	if ((r = cli_open(dir, &inst, &c)) != 0) {
		json_decref(j);
		return r;
	}
	r = cli_print_text(assess_request(&c, j, &txt), &txt);
	cli_close(inst, &c);
	json_decref(j);
	return r;
}

/* upload --id N --file report.pdf --meta meta.json ("-": stdin) */
static int assess_upload_cmd(int argc, char **argv)
{
	const char *dir = NULL, *id_s = NULL, *file = NULL, *metap = NULL;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { "id", 1, &id_s, NULL, 1 }, { "file", 1, &file, NULL, 1 }, { "meta", 1, &metap, NULL, 1 },
		END_OPTS };
	struct instance *inst;
	struct svc_ctx c;
	json_t *meta = NULL;
	const uint8_t *p = NULL;
	size_t len = 0;
	char *txt = NULL;
	int64_t id = 0;
	int r;

	if ((r = cli_parse("assess upload", argc, argv, opts)) != 0 || (r = cli_id_opt("assess upload", "id", id_s, &id)) != 0)
		return r;
	if ((r = cli_read_json_object("assess upload", metap, ASSESS_MAX_META, &meta)) != 0)
		return r;
	if (cli_map_file(file, &p, &len) != TK_OK) {
		json_decref(meta);
		return cli_fail();
	}
	if ((r = cli_open(dir, &inst, &c)) == 0) {
		const char *base = strrchr(file, '/');
		r = cli_print_text(assess_upload(&c, id, meta, base != NULL ? base + 1 : file, p, len, &txt), &txt);
		cli_close(inst, &c);
	}
	munmap((void *)(uintptr_t)p, len);
	json_decref(meta);
	return r;
}

/* download --id N [--version V] [-o F] */
static int assess_download_cmd(int argc, char **argv)
{
	const char *dir = NULL, *id_s = NULL, *ver_s = NULL, *outp = NULL;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { "id", 1, &id_s, NULL, 1 }, { "version", 1, &ver_s, NULL, 0 }, { "o", 1, &outp, NULL, 0 },
		END_OPTS };
	struct instance *inst;
	struct svc_ctx c;
	struct buf pdf;
	char fname[ASSESS_MAX_TITLE + 1];
	int64_t id = 0, ver = 0;
	int r;

	if ((r = cli_parse("assess download", argc, argv, opts)) != 0 || (r = cli_id_opt("assess download", "id", id_s, &id)) != 0 ||
	    (ver_s != NULL && (r = cli_id_opt("assess download", "version", ver_s, &ver)) != 0) || (r = cli_open(dir, &inst, &c)) != 0)
		return r;
	buf_init(&pdf, (size_t)ASSESS_MAX_FILE + 1024);
	r = assess_file(&c, id, ver, &pdf, fname) == TK_OK ? cli_output(outp, pdf.p, pdf.len) : cli_fail();
	buf_free(&pdf);
	cli_close(inst, &c);
	return r;
}

static int assess_accept_cmd(int argc, char **argv) { return cli_decide("assess accept", argc, argv, 1, assess_decide); }
static int assess_return_cmd(int argc, char **argv) { return cli_decide("assess return", argc, argv, 0, assess_decide); }

static int assess_remind_cmd(int argc, char **argv)
{
	return cli_remind_cmd("assess remind", argc, argv, assess_reminders);
}

int cmd_assess(int argc, char **argv)
{
	static const struct cli_sub subs[] = {
		{ "list", assess_list_cmd },
		{ "get", assess_get_cmd },
		{ "request", assess_request_cmd },
		{ "upload", assess_upload_cmd },
		{ "download", assess_download_cmd },
		{ "accept", assess_accept_cmd },
		{ "return", assess_return_cmd },
		{ "remind", assess_remind_cmd },
		{ NULL, NULL },
	};

	return cli_dispatch("assess", argc, argv, subs, "list, get, request, upload, download, accept, return or remind");
}

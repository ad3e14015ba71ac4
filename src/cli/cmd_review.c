/*
 * teken review: the implementation review (R11, docs/review.md) from the
 * command line, as the local operator: the automatic indicators, the
 * instrument versions, and every step of a review (open, answer, evidence,
 * submit, score, close, report, signed upload).
 */
#include "cli/cli.h"
#include "svc/base/base.h"
#include "svc/review/review.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* A braced initializer in a macro, which clang-format 14 would lay out as a block: */
/* clang-format off */
#define END_OPTS {NULL, 0, NULL, NULL, 0}
/* clang-format on */

/* indicators --dir D [--format json|text] */
static int review_indicators_cmd(int argc, char **argv)
{
	const char *dir = NULL, *fmt = "json";
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { "format", 1, &fmt, NULL, 0 }, END_OPTS };
	struct instance *inst;
	struct svc_ctx c;
	char *txt = NULL;
	int r;

	if ((r = cli_parse("review indicators", argc, argv, opts)) != 0)
		return r;
	if (strcmp(fmt, "json") != 0 && strcmp(fmt, "text") != 0)
		return cli_usage_error("review indicators", "--format is json or text");
	if ((r = cli_open(dir, &inst, &c)) != 0)
		return r;
	if (strcmp(fmt, "json") == 0) {
		r = cli_print_text(review_indicators(&c, &txt), &txt);
	} else if (review_indicators(&c, &txt) != TK_OK) {
		r = cli_fail();
	} else {
		json_error_t jerr;
		json_t *arr = json_loads(txt, 0, &jerr), *v;
		size_t i;
		json_array_foreach (arr, i, v) {
			printf("%-24s %s\n", json_string_value(json_object_get(v, "id")), json_string_value(json_object_get(v, "status")));
		}
		json_decref(arr);
		free(txt);
	}
	cli_close(inst, &c);
	return r;
}

/* instrument load --file F | list | get [--version N] [-o F] */
static int review_instrument_cmd(int argc, char **argv)
{
	const char *dir = NULL, *file = NULL, *ver_s = NULL, *outp = NULL;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { "file", 1, &file, NULL, 0 }, { "version", 1, &ver_s, NULL, 0 }, { "o", 1, &outp, NULL, 0 },
		END_OPTS };
	struct instance *inst;
	struct svc_ctx c;
	char *txt = NULL;
	int64_t ver = 0;
	int r;

	if (argc < 1 || (strcmp(argv[0], "load") != 0 && strcmp(argv[0], "list") != 0 && strcmp(argv[0], "get") != 0))
		return cli_usage_error("review instrument", "expected load, list or get");
	if ((r = cli_parse("review instrument", argc - 1, argv + 1, opts)) != 0 || (ver_s != NULL && (r = cli_id_opt("review instrument", "version", ver_s, &ver)) != 0))
		return r;
	if (strcmp(argv[0], "load") == 0 && file == NULL)
		return cli_usage_error("review instrument", "load needs --file instrument.json");
	if ((r = cli_open(dir, &inst, &c)) != 0)
		return r;
	if (strcmp(argv[0], "list") == 0) {
		r = cli_print_text(review_instrument_list(&c, &txt), &txt);
	} else if (strcmp(argv[0], "get") == 0) {
		struct buf b;
		buf_init(&b, REVIEW_MAX_INSTRUMENT);
		r = review_instrument_get(&c, ver, &b) == TK_OK ? cli_output(outp, b.p, b.len) : cli_fail();
		buf_free(&b);
	} else {
		uint8_t *p = NULL;
		size_t len = 0;
		if (file_read(file, REVIEW_MAX_INSTRUMENT, &p, &len) != TK_OK) {
			r = cli_fail();
		} else {
			r = cli_print_text(review_instrument_load(&c, p, len, &txt), &txt);
			free(p);
		}
	}
	cli_close(inst, &c);
	return r;
}

static int review_list_cmd(int argc, char **argv)
{
	return cli_text_cmd("review list", argc, argv, review_list);
}

/* open --title T --from YYYY-MM-DD --to YYYY-MM-DD */
static int review_open_cmd(int argc, char **argv)
{
	const char *dir = NULL, *title = NULL, *from = NULL, *to = NULL;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { "title", 1, &title, NULL, 1 }, { "from", 1, &from, NULL, 1 }, { "to", 1, &to, NULL, 1 },
		END_OPTS };
	struct instance *inst;
	struct svc_ctx c;
	json_t *j;
	char *txt = NULL;
	int r;

	if ((r = cli_parse("review open", argc, argv, opts)) != 0)
		return r;
	if ((j = json_pack("{s:s, s:s, s:s}", "title", title, "period_from", from, "period_to", to)) == NULL)
		return cli_usage_error("review open", "option values must be UTF-8");
	if ((r = cli_open(dir, &inst, &c)) != 0) {
		json_decref(j);
		return r;
	}
	r = cli_print_text(review_open(&c, j, &txt), &txt);
	cli_close(inst, &c);
	json_decref(j);
	return r;
}

/* get|submit|close --id N; answer|score --id N --file F; report --id N [-o F]; upload --id N --in F */
static int review_step(const char *cmd, int argc, char **argv)
{
	const char *dir = NULL, *id_s = NULL, *file = NULL, *outp = NULL, *in = NULL;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { "id", 1, &id_s, NULL, 1 }, { "file", 1, &file, NULL, 0 }, { "o", 1, &outp, NULL, 0 },
		{ "in", 1, &in, NULL, 0 }, END_OPTS };
	struct instance *inst;
	struct svc_ctx c;
	json_t *j = NULL;
	char *txt = NULL, full[32];
	int64_t id = 0;
	int r;

	if (snprintf(full, sizeof(full), "review %s", cmd) >= (int)sizeof(full))
		return cli_usage_error("review", "bad command");
	if ((r = cli_parse(full, argc, argv, opts)) != 0 || (r = cli_id_opt(full, "id", id_s, &id)) != 0)
		return r;
	if ((strcmp(cmd, "answer") == 0 || strcmp(cmd, "score") == 0) && (file == NULL || (r = cli_read_json_object(full, file, MAX_JSON_BODY, &j)) != 0))
		return r != 0 ? r : cli_usage_error(full, "needs --file F (JSON; \"-\" reads stdin)");
	if (strcmp(cmd, "upload") == 0 && in == NULL)
		return cli_usage_error(full, "needs --in signed.pdf");
	if ((r = cli_open(dir, &inst, &c)) != 0) {
		json_decref(j);
		return r;
	}
	if (strcmp(cmd, "get") == 0) {
		r = cli_print_text(review_get(&c, id, &txt), &txt);
	} else if (strcmp(cmd, "submit") == 0) {
		r = cli_print_text(review_submit(&c, id, &txt), &txt);
	} else if (strcmp(cmd, "close") == 0) {
		r = cli_print_text(review_close(&c, id, &txt), &txt);
	} else if (strcmp(cmd, "answer") == 0) {
		r = cli_print_text(review_answer(&c, id, j, &txt), &txt);
	} else if (strcmp(cmd, "score") == 0) {
		r = cli_print_text(review_score(&c, id, j, &txt), &txt);
	} else if (strcmp(cmd, "report") == 0) {
		struct buf pdf;
		buf_init(&pdf, REVIEW_MAX_UPLOAD);
		r = review_report_pdf(&c, id, &pdf) == TK_OK ? cli_output(outp, pdf.p, pdf.len) : cli_fail();
		buf_free(&pdf);
	} else {
		const uint8_t *p = NULL;
		size_t len = 0;
		if (cli_map_file(in, &p, &len) != TK_OK) {
			r = cli_fail();
		} else {
			r = cli_print_text(review_signed_upload(&c, id, p, len, &txt), &txt);
			munmap((void *)(uintptr_t)p, len);
		}
	}
	cli_close(inst, &c);
	json_decref(j);
	return r;
}

static int review_get_cmd(int argc, char **argv) { return review_step("get", argc, argv); }
static int review_answer_cmd(int argc, char **argv) { return review_step("answer", argc, argv); }
static int review_submit_cmd(int argc, char **argv) { return review_step("submit", argc, argv); }
static int review_score_cmd(int argc, char **argv) { return review_step("score", argc, argv); }
static int review_close_cmd(int argc, char **argv) { return review_step("close", argc, argv); }
static int review_report_cmd(int argc, char **argv) { return review_step("report", argc, argv); }
static int review_upload_cmd(int argc, char **argv) { return review_step("upload", argc, argv); }

/* evidence --id N --indicator I --in F --mime M [--name N] */
static int review_evidence_cmd(int argc, char **argv)
{
	const char *dir = NULL, *id_s = NULL, *ind = NULL, *in = NULL, *mime = NULL, *name = NULL;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { "id", 1, &id_s, NULL, 1 }, { "indicator", 1, &ind, NULL, 1 }, { "in", 1, &in, NULL, 1 },
		{ "mime", 1, &mime, NULL, 1 }, { "name", 1, &name, NULL, 0 }, END_OPTS };
	struct instance *inst;
	struct svc_ctx c;
	uint8_t *p = NULL;
	size_t len = 0;
	char *txt = NULL;
	int64_t id = 0;
	int r;

	if ((r = cli_parse("review evidence", argc, argv, opts)) != 0 || (r = cli_id_opt("review evidence", "id", id_s, &id)) != 0)
		return r;
	if (name == NULL) {
		const char *slash = strrchr(in, '/');
		name = slash != NULL ? slash + 1 : in;
	}
	if (file_read(in, REVIEW_MAX_FILE, &p, &len) != TK_OK)
		return cli_fail();
	if ((r = cli_open(dir, &inst, &c)) != 0) {
		free(p);
		return r;
	}
	r = cli_print_text(review_file_add(&c, id, ind, name, mime, p, len, &txt), &txt);
	cli_close(inst, &c);
	free(p);
	return r;
}

int cmd_review(int argc, char **argv)
{
	static const struct cli_sub subs[] = {
		{ "indicators", review_indicators_cmd },
		{ "instrument", review_instrument_cmd },
		{ "list", review_list_cmd },
		{ "open", review_open_cmd },
		{ "get", review_get_cmd },
		{ "answer", review_answer_cmd },
		{ "evidence", review_evidence_cmd },
		{ "submit", review_submit_cmd },
		{ "score", review_score_cmd },
		{ "close", review_close_cmd },
		{ "report", review_report_cmd },
		{ "upload", review_upload_cmd },
		{ NULL, NULL },
	};

	return cli_dispatch("review", argc, argv, subs,
	    "indicators, instrument, list, open, get, answer, evidence, submit, score, close, report or upload");
}

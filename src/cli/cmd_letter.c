/*
 * teken letter: signed correspondence (R15, docs/agreements.md
 * "Correspondence") from the command line. The operator acts for the
 * ministry (draft, send, incoming, ack recorded from mail); `sign` acts as
 * the named official (--as USER --password-file F) with their passphrase.
 */
#include "cli/cli.h"
#include "svc/base/base.h"
#include "svc/letter/letter.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* A braced initializer in a macro, which clang-format 14 would lay out as a block: */
/* clang-format off */
#define END_OPTS {NULL, 0, NULL, NULL, 0}
/* clang-format on */

static int letter_list_cmd(int argc, char **argv)
{
	const char *dir = NULL, *kind = NULL, *status = NULL, *direction = NULL, *ag = NULL;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { "kind", 1, &kind, NULL, 0 }, { "status", 1, &status, NULL, 0 },
		{ "direction", 1, &direction, NULL, 0 }, { "agreement", 1, &ag, NULL, 0 }, END_OPTS };
	struct letter_filter f;
	struct instance *inst;
	struct svc_ctx c;
	char *txt = NULL;
	int r;

	memset(&f, 0, sizeof(f));
	if ((r = cli_parse("letter list", argc, argv, opts)) != 0 || (ag != NULL && (r = cli_id_opt("letter list", "agreement", ag, &f.agreement_id)) != 0) ||
	    (r = cli_open(dir, &inst, &c)) != 0)
		return r;
	f.kind = kind;
	f.status = status;
	f.direction = direction;
	r = cli_print_text(letter_list(&c, &f, &txt), &txt);
	cli_close(inst, &c);
	return r;
}

/* get|send --dir D --id N */
static int id_cmd(const char *cmd, int argc, char **argv, enum tk_err (*fn)(struct svc_ctx *c, int64_t id, char **out))
{
	const char *dir = NULL, *id_s = NULL;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { "id", 1, &id_s, NULL, 1 }, END_OPTS };
	struct instance *inst;
	struct svc_ctx c;
	char *txt = NULL;
	int64_t id = 0;
	int r;

	if ((r = cli_parse(cmd, argc, argv, opts)) != 0 || (r = cli_id_opt(cmd, "id", id_s, &id)) != 0 || (r = cli_open(dir, &inst, &c)) != 0)
		return r;
	r = cli_print_text(fn(&c, id, &txt), &txt);
	cli_close(inst, &c);
	return r;
}

static int letter_get_cmd(int argc, char **argv)
{
	return id_cmd("letter get", argc, argv, letter_get);
}

static int letter_send_cmd(int argc, char **argv)
{
	return id_cmd("letter send", argc, argv, letter_send);
}

/* draft --dir D --file draft.json [--id N: update that draft] */
static int letter_draft_cmd(int argc, char **argv)
{
	const char *dir = NULL, *file = NULL, *id_s = NULL;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { "file", 1, &file, NULL, 1 }, { "id", 1, &id_s, NULL, 0 }, END_OPTS };
	struct instance *inst;
	struct svc_ctx c;
	json_t *j = NULL;
	char *txt = NULL;
	int64_t id = 0;
	int r;

	if ((r = cli_parse("letter draft", argc, argv, opts)) != 0 || (id_s != NULL && (r = cli_id_opt("letter draft", "id", id_s, &id)) != 0) ||
	    (r = cli_read_json_object("letter draft", file, MAX_JSON_BODY, &j)) != 0)
		return r;
	if ((r = cli_open(dir, &inst, &c)) != 0) {
		json_decref(j);
		return r;
	}
	r = cli_print_text(id != 0 ? letter_update(&c, id, j, &txt) : letter_draft(&c, j, &txt), &txt);
	json_decref(j);
	cli_close(inst, &c);
	return r;
}

/* sign --dir D --id N --as USER --password-file F --passphrase-file F */
static int letter_sign_cmd(int argc, char **argv)
{
	const char *dir = NULL, *id_s = NULL, *as = NULL, *pwfile = NULL, *ppfile = NULL;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { "id", 1, &id_s, NULL, 1 }, { "as", 1, &as, NULL, 1 }, { "password-file", 1, &pwfile, NULL, 1 },
		{ "passphrase-file", 1, &ppfile, NULL, 1 }, END_OPTS };
	struct instance *inst;
	struct svc_ctx c;
	char pp[257], *txt = NULL;
	int64_t id = 0;
	int r;

	if ((r = cli_parse("letter sign", argc, argv, opts)) != 0 || (r = cli_id_opt("letter sign", "id", id_s, &id)) != 0)
		return r;
	if (cli_read_secret(ppfile, pp, sizeof(pp)) != TK_OK)
		return cli_fail();
	if ((r = cli_open_opt_as(dir, as, pwfile, &inst, &c)) != 0) {
		OPENSSL_cleanse(pp, sizeof(pp));
		return r;
	}
	r = cli_print_text(letter_sign(&c, id, pp, &txt), &txt);
	OPENSSL_cleanse(pp, sizeof(pp));
	cli_close(inst, &c);
	return r;
}

/* incoming --dir D --file meta.json --in letter.pdf */
static int letter_incoming_cmd(int argc, char **argv)
{
	const char *dir = NULL, *file = NULL, *in = NULL;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { "file", 1, &file, NULL, 1 }, { "in", 1, &in, NULL, 1 }, END_OPTS };
	struct instance *inst;
	struct svc_ctx c;
	const uint8_t *p = NULL;
	size_t len = 0;
	json_t *j = NULL;
	char *txt = NULL;
	int r;

	if ((r = cli_parse("letter incoming", argc, argv, opts)) != 0 || (r = cli_read_json_object("letter incoming", file, MAX_JSON_BODY, &j)) != 0)
		return r;
	if (cli_map_file(in, &p, &len) != TK_OK) {
		json_decref(j);
		return cli_fail();
	}
	if ((r = cli_open(dir, &inst, &c)) == 0) {
		r = cli_print_text(letter_incoming(&c, j, p, len, &txt), &txt);
		cli_close(inst, &c);
	}
	munmap((void *)p, len);
	json_decref(j);
	return r;
}

/* ack --dir D --id N --on YYYY-MM-DD [--note T]: an acknowledgement received by mail */
static int letter_ack_cmd(int argc, char **argv)
{
	const char *dir = NULL, *id_s = NULL, *on = NULL, *note = NULL;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { "id", 1, &id_s, NULL, 1 }, { "on", 1, &on, NULL, 1 }, { "note", 1, &note, NULL, 0 }, END_OPTS };
	struct instance *inst;
	struct svc_ctx c;
	json_t *j;
	char *txt = NULL;
	int64_t id = 0;
	int r;

	if ((r = cli_parse("letter ack", argc, argv, opts)) != 0 || (r = cli_id_opt("letter ack", "id", id_s, &id)) != 0)
		return r;
	if ((j = json_pack("{s:s}", "acknowledged_on", on)) == NULL || (note != NULL && json_object_set_new(j, "note", json_string(note)) != 0)) {
		json_decref(j);
		return cli_usage_error("letter ack", "out of memory");
	}
	if ((r = cli_open(dir, &inst, &c)) == 0) {
		r = cli_print_text(letter_ack(&c, id, j, &txt), &txt);
		cli_close(inst, &c);
	}
	json_decref(j);
	return r;
}

/* evidence add --dir D --id N --in F [--name N]   /   evidence get --dir D --id N --file-id F [-o out] */
static int letter_evidence_cmd(int argc, char **argv)
{
	const char *dir = NULL, *id_s = NULL, *in = NULL, *name = NULL, *fid_s = NULL, *o = NULL;
	struct cli_opt add_opts[] = { { "dir", 1, &dir, NULL, 1 }, { "id", 1, &id_s, NULL, 1 }, { "in", 1, &in, NULL, 1 }, { "name", 1, &name, NULL, 0 }, END_OPTS };
	struct cli_opt get_opts[] = { { "dir", 1, &dir, NULL, 1 }, { "id", 1, &id_s, NULL, 1 }, { "file-id", 1, &fid_s, NULL, 1 }, { "o", 1, &o, NULL, 0 }, END_OPTS };
	struct instance *inst;
	struct svc_ctx c;
	char *txt = NULL;
	int64_t id = 0, fid = 0;
	int r;

	if (argc < 1 || (strcmp(argv[0], "add") != 0 && strcmp(argv[0], "get") != 0))
		return cli_usage_error("letter evidence", "expected add or get");
	if (strcmp(argv[0], "add") == 0) {
		const uint8_t *p = NULL;
		size_t len = 0;
		struct files_in fi;
		const char *base;
		if ((r = cli_parse("letter evidence add", argc - 1, argv + 1, add_opts)) != 0 || (r = cli_id_opt("letter evidence add", "id", id_s, &id)) != 0)
			return r;
		if (cli_map_file(in, &p, &len) != TK_OK)
			return cli_fail();
		base = strrchr(in, '/');
		fi.filename = name != NULL ? name : base != NULL ? base + 1
								 : in;
		fi.mime = NULL;
		fi.p = p;
		fi.len = len;
		if ((r = cli_open(dir, &inst, &c)) == 0) {
			r = cli_print_text(letter_evidence_add(&c, id, &fi, &txt), &txt);
			cli_close(inst, &c);
		}
		munmap((void *)p, len);
		return r;
	}
	if ((r = cli_parse("letter evidence get", argc - 1, argv + 1, get_opts)) != 0 || (r = cli_id_opt("letter evidence get", "id", id_s, &id)) != 0 ||
	    (r = cli_id_opt("letter evidence get", "file-id", fid_s, &fid)) != 0 || (r = cli_open(dir, &inst, &c)) != 0)
		return r;
	{
		struct buf b;
		char fname[FILES_MAX_NAME + 1], mime[32];
		buf_init(&b, LETTER_MAX_EVIDENCE);
		if (letter_evidence_get(&c, id, fid, &b, fname, mime) != TK_OK)
			r = cli_fail();
		else
			r = cli_output(o, b.p, b.len);
		buf_free(&b);
	}
	cli_close(inst, &c);
	return r;
}

/* pdf --dir D --id N [-o F] [--preview] */
static int letter_pdf_cmd(int argc, char **argv)
{
	const char *dir = NULL, *id_s = NULL, *o = NULL;
	int preview = 0;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { "id", 1, &id_s, NULL, 1 }, { "o", 1, &o, NULL, 0 }, { "preview", 0, NULL, &preview, 0 }, END_OPTS };
	struct instance *inst;
	struct svc_ctx c;
	struct buf b;
	char name[80];
	int64_t id = 0;
	int r;

	if ((r = cli_parse("letter pdf", argc, argv, opts)) != 0 || (r = cli_id_opt("letter pdf", "id", id_s, &id)) != 0 || (r = cli_open(dir, &inst, &c)) != 0)
		return r;
	buf_init(&b, LETTER_MAX_PDF);
	if ((preview ? letter_preview(&c, id, &b) : letter_pdf(&c, id, &b, name)) != TK_OK)
		r = cli_fail();
	else
		r = cli_output(o, b.p, b.len);
	buf_free(&b);
	cli_close(inst, &c);
	return r;
}

static int letter_remind_cmd(int argc, char **argv)
{
	return cli_remind_cmd("letter remind", argc, argv, letter_reminders);
}

int cmd_letter(int argc, char **argv)
{
	static const struct cli_sub subs[] = {
		{ "list", letter_list_cmd },
		{ "get", letter_get_cmd },
		{ "draft", letter_draft_cmd },
		{ "sign", letter_sign_cmd },
		{ "send", letter_send_cmd },
		{ "incoming", letter_incoming_cmd },
		{ "ack", letter_ack_cmd },
		{ "evidence", letter_evidence_cmd },
		{ "pdf", letter_pdf_cmd },
		{ "remind", letter_remind_cmd },
		{ NULL, NULL },
	};

	return cli_dispatch("letter", argc, argv, subs, "list, get, draft, sign, send, incoming, ack, evidence, pdf or remind");
}

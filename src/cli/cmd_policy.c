/*
 * teken reco / teken policy: the issuer's recommendations and the
 * ministry's internal policies (R5, docs/policy.md) from the command line.
 * Every command acts as the local operator, or as a person with
 * --as USER --password-file F (a decision that needs a person: the four
 * eyes of policy approval, an auditor's recommendation or accepted risk).
 */
#include "cli/cli.h"
#include "svc/base/base.h"
#include "svc/policy/policy.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* A braced initializer in a macro, which clang-format 14 would lay out as a block: */
/* clang-format off */
#define END_OPTS {NULL, 0, NULL, NULL, 0}
/* clang-format on */

/* Sets key to the string v when v is given; 0 or a usage error. */
static int put(const char *cmd, json_t *j, const char *key, const char *v)
{
	if (v == NULL)
		return 0;
	if (json_object_set_new(j, key, json_string(v)) != 0)
		return cli_usage_error(cmd, "--%s must be UTF-8", key);
	return 0;
}

/* The text of a file (--body-file), at most POLICY_MAX_TEXT bytes, into j.key. */
static int put_file(const char *cmd, json_t *j, const char *key, const char *path)
{
	uint8_t *p = NULL;
	size_t len = 0;
	json_t *v;

	if (path == NULL)
		return 0;
	if (file_read(path, POLICY_MAX_TEXT, &p, &len) != TK_OK)
		return cli_fail();
	v = json_stringn((const char *)p, len);
	free(p);
	if (v == NULL || json_object_set_new(j, key, v) != 0)
		return cli_usage_error(cmd, "%s: not UTF-8 text", path);
	return 0;
}

/* ------------------------------------------------------------ teken reco */

static int reco_list_cmd(int argc, char **argv)
{
	const char *dir = NULL, *status = NULL;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { "status", 1, &status, NULL, 0 }, END_OPTS };
	struct instance *inst;
	struct svc_ctx c;
	char *txt = NULL;
	int r;

	if ((r = cli_parse("reco list", argc, argv, opts)) != 0 || (r = cli_open(dir, &inst, &c)) != 0)
		return r;
	r = cli_print_text(reco_list(&c, status, &txt), &txt);
	cli_close(inst, &c);
	return r;
}

static int reco_show_cmd(int argc, char **argv)
{
	const char *dir = NULL, *id_s = NULL;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { "id", 1, &id_s, NULL, 1 }, END_OPTS };
	struct instance *inst;
	struct svc_ctx c;
	char *txt = NULL;
	int64_t id = 0;
	int r;

	if ((r = cli_parse("reco show", argc, argv, opts)) != 0 || (r = cli_id_opt("reco show", "id", id_s, &id)) != 0 || (r = cli_open(dir, &inst, &c)) != 0)
		return r;
	r = cli_print_text(reco_get(&c, id, &txt), &txt);
	cli_close(inst, &c);
	return r;
}

static int reco_create_cmd(int argc, char **argv)
{
	const char *dir = NULL, *as = NULL, *pwf = NULL, *source = NULL, *ref = NULL, *title = NULL, *body = NULL, *sev = NULL, *owner = NULL,
		   *email = NULL, *due = NULL;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { "as", 1, &as, NULL, 0 }, { "password-file", 1, &pwf, NULL, 0 },
		{ "source", 1, &source, NULL, 1 }, { "source-ref", 1, &ref, NULL, 0 }, { "title", 1, &title, NULL, 1 }, { "body", 1, &body, NULL, 1 },
		{ "severity", 1, &sev, NULL, 0 }, { "owner", 1, &owner, NULL, 1 }, { "owner-email", 1, &email, NULL, 0 }, { "due", 1, &due, NULL, 1 }, END_OPTS };
	const char *cmd = "reco create";
	struct instance *inst;
	struct svc_ctx c;
	json_t *j;
	char *txt = NULL;
	int r;

	if ((r = cli_parse(cmd, argc, argv, opts)) != 0)
		return r;
	if ((j = json_object()) == NULL)
		return cli_usage_error(cmd, "out of memory");
	if ((r = put(cmd, j, "source", source)) != 0 || (r = put(cmd, j, "source_ref", ref)) != 0 || (r = put(cmd, j, "title", title)) != 0 ||
	    (r = put(cmd, j, "body", body)) != 0 || (r = put(cmd, j, "severity", sev)) != 0 || (r = put(cmd, j, "owner", owner)) != 0 ||
	    (r = put(cmd, j, "owner_email", email)) != 0 || (r = put(cmd, j, "due_on", due)) != 0 ||
	    (r = cli_open_opt_as(dir, as, pwf, &inst, &c)) != 0) {
		json_decref(j);
		return r;
	}
	r = cli_print_text(reco_create(&c, j, &txt), &txt);
	cli_close(inst, &c);
	json_decref(j);
	return r;
}

static int reco_status_cmd(int argc, char **argv)
{
	const char *dir = NULL, *as = NULL, *pwf = NULL, *id_s = NULL, *status = NULL, *note = NULL;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { "as", 1, &as, NULL, 0 }, { "password-file", 1, &pwf, NULL, 0 }, { "id", 1, &id_s, NULL, 1 },
		{ "status", 1, &status, NULL, 1 }, { "note", 1, &note, NULL, 0 }, END_OPTS };
	const char *cmd = "reco status";
	struct instance *inst;
	struct svc_ctx c;
	json_t *j;
	char *txt = NULL;
	int64_t id = 0;
	int r;

	if ((r = cli_parse(cmd, argc, argv, opts)) != 0 || (r = cli_id_opt(cmd, "id", id_s, &id)) != 0)
		return r;
	if ((j = json_object()) == NULL)
		return cli_usage_error(cmd, "out of memory");
	if ((r = put(cmd, j, "status", status)) != 0 || (r = put(cmd, j, "closing_note", note)) != 0 ||
	    (r = cli_open_opt_as(dir, as, pwf, &inst, &c)) != 0) {
		json_decref(j);
		return r;
	}
	r = cli_print_text(reco_set_status(&c, id, j, &txt), &txt);
	cli_close(inst, &c);
	json_decref(j);
	return r;
}

/* evidence --id N --in FILE [--name NAME] [--type MIME] | evidence get --id N --file-id F [-o OUT] */
static int reco_evidence_cmd(int argc, char **argv)
{
	const char *dir = NULL, *as = NULL, *pwf = NULL, *id_s = NULL, *in = NULL, *name = NULL, *type = NULL, *fid_s = NULL, *outp = NULL;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { "as", 1, &as, NULL, 0 }, { "password-file", 1, &pwf, NULL, 0 }, { "id", 1, &id_s, NULL, 1 },
		{ "in", 1, &in, NULL, 0 }, { "name", 1, &name, NULL, 0 }, { "type", 1, &type, NULL, 0 }, { "file-id", 1, &fid_s, NULL, 0 }, { "o", 1, &outp, NULL, 0 },
		END_OPTS };
	const char *cmd = "reco evidence";
	struct instance *inst;
	struct svc_ctx c;
	char *txt = NULL;
	int64_t id = 0, fid = 0;
	int r, get;

	if (argc < 1 || (strcmp(argv[0], "add") != 0 && strcmp(argv[0], "get") != 0))
		return cli_usage_error(cmd, "expected add or get");
	get = strcmp(argv[0], "get") == 0;
	if ((r = cli_parse(cmd, argc - 1, argv + 1, opts)) != 0 || (r = cli_id_opt(cmd, "id", id_s, &id)) != 0)
		return r;
	if (get && (r = cli_id_opt(cmd, "file-id", fid_s, &fid)) != 0)
		return r;
	if (!get && in == NULL)
		return cli_usage_error(cmd, "add needs --in FILE");
	if ((r = cli_open_opt_as(dir, as, pwf, &inst, &c)) != 0)
		return r;
	if (get) {
		struct buf data;
		char fname[256], mime[96];
		buf_init(&data, RECO_MAX_FILE);
		r = reco_file_get(&c, id, fid, &data, fname, mime) == TK_OK ? cli_output(outp, data.p, data.len) : cli_fail();
		buf_free(&data);
	} else {
		const uint8_t *p = NULL;
		size_t len = 0;
		const char *base = strrchr(in, '/');
		if (cli_map_file(in, &p, &len) != TK_OK) {
			r = cli_fail();
		} else {
			r = cli_print_text(reco_file_add(&c, id, name ? name : base ? base + 1
										    : in,
					       type, p, len, &txt),
			    &txt);
			munmap((void *)(uintptr_t)p, len);
		}
	}
	cli_close(inst, &c);
	return r;
}

static int reco_remind_cmd(int argc, char **argv)
{
	return cli_remind_cmd("reco remind", argc, argv, reco_reminders);
}

int cmd_reco(int argc, char **argv)
{
	static const struct cli_sub subs[] = {
		{ "list", reco_list_cmd },
		{ "show", reco_show_cmd },
		{ "create", reco_create_cmd },
		{ "status", reco_status_cmd },
		{ "evidence", reco_evidence_cmd },
		{ "remind", reco_remind_cmd },
		{ NULL, NULL },
	};

	return cli_dispatch("reco", argc, argv, subs, "list, show, create, status, evidence or remind");
}

/* ------------------------------------------------------------ teken policy */

static int policy_list_cmd(int argc, char **argv)
{
	return cli_text_cmd("policy list", argc, argv, policy_list);
}

/* draft (name, kind required) or update (--id) */
static int policy_write_cmd(const char *cmd, int update, int argc, char **argv)
{
	const char *dir = NULL, *as = NULL, *pwf = NULL, *id_s = NULL, *name = NULL, *kind = NULL, *title = NULL, *body = NULL, *bodyf = NULL,
		   *app = NULL, *rules = NULL;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { "as", 1, &as, NULL, 0 }, { "password-file", 1, &pwf, NULL, 0 }, { "id", 1, &id_s, NULL, update },
		{ "name", 1, &name, NULL, !update }, { "kind", 1, &kind, NULL, !update }, { "title", 1, &title, NULL, !update }, { "body", 1, &body, NULL, 0 },
		{ "body-file", 1, &bodyf, NULL, 0 }, { "application", 1, &app, NULL, 0 }, { "rules", 1, &rules, NULL, 0 }, END_OPTS };
	struct instance *inst;
	struct svc_ctx c;
	json_t *j;
	char *txt = NULL;
	int64_t id = 0;
	int r;

	if ((r = cli_parse(cmd, argc, argv, opts)) != 0 || (update && (r = cli_id_opt(cmd, "id", id_s, &id)) != 0))
		return r;
	if (update && (name != NULL || kind != NULL))
		return cli_usage_error(cmd, "a version keeps its name and kind: draft a new version instead");
	if (body != NULL && bodyf != NULL)
		return cli_usage_error(cmd, "give --body or --body-file, not both");
	if (!update && body == NULL && bodyf == NULL)
		return cli_usage_error(cmd, "the policy text: --body TEXT or --body-file F");
	if ((j = json_object()) == NULL)
		return cli_usage_error(cmd, "out of memory");
	if ((r = put(cmd, j, "name", name)) != 0 || (r = put(cmd, j, "kind", kind)) != 0 || (r = put(cmd, j, "title", title)) != 0 ||
	    (r = put(cmd, j, "body", body)) != 0 || (r = put_file(cmd, j, "body", bodyf)) != 0 || (r = put(cmd, j, "application", app)) != 0)
		goto fail;
	if (rules != NULL) {
		json_error_t jerr;
		json_t *rj = json_loads(rules, 0, &jerr);
		if (rj == NULL) {
			r = cli_usage_error(cmd, "--rules: not JSON (%s)", jerr.text);
			goto fail;
		}
		if (json_object_set_new(j, "rules", rj) != 0) {
			r = cli_usage_error(cmd, "out of memory");
			goto fail;
		}
	}
	if ((r = cli_open_opt_as(dir, as, pwf, &inst, &c)) != 0)
		goto fail;
	r = cli_print_text(update ? policy_update(&c, id, j, &txt) : policy_draft(&c, j, &txt), &txt);
	cli_close(inst, &c);
fail:
	json_decref(j);
	return r;
}

static int policy_draft_cmd(int argc, char **argv) { return policy_write_cmd("policy draft", 0, argc, argv); }
static int policy_update_cmd(int argc, char **argv) { return policy_write_cmd("policy update", 1, argc, argv); }

/* show / approve / publish --id N, comment --id N --body T */
static int policy_id_cmd(const char *cmd, int argc, char **argv)
{
	const char *dir = NULL, *as = NULL, *pwf = NULL, *id_s = NULL, *body = NULL;
	int comment = strcmp(cmd, "policy comment") == 0;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { "as", 1, &as, NULL, 0 }, { "password-file", 1, &pwf, NULL, 0 }, { "id", 1, &id_s, NULL, 1 },
		{ "body", 1, &body, NULL, comment }, END_OPTS };
	struct instance *inst;
	struct svc_ctx c;
	char *txt = NULL;
	int64_t id = 0;
	enum tk_err rc;
	int r;

	if ((r = cli_parse(cmd, argc, argv, opts)) != 0 || (r = cli_id_opt(cmd, "id", id_s, &id)) != 0)
		return r;
	if (!comment && body != NULL)
		return cli_usage_error(cmd, "--body belongs to policy comment");
	if ((r = cli_open_opt_as(dir, as, pwf, &inst, &c)) != 0)
		return r;
	if (comment) {
		json_t *j = json_pack("{s:s}", "body", body);
		rc = j == NULL ? tk_fail_code(TK_ERR_INVALID, "invalid_field", "--body must be UTF-8") : policy_comment(&c, id, j, &txt);
		json_decref(j);
	} else if (strcmp(cmd, "policy approve") == 0)
		rc = policy_approve(&c, id, &txt);
	else if (strcmp(cmd, "policy publish") == 0)
		rc = policy_publish(&c, id, &txt);
	else if (strcmp(cmd, "policy withdraw") == 0)
		rc = policy_withdraw(&c, id, &txt);
	else
		rc = policy_get(&c, id, &txt);
	r = cli_print_text(rc, &txt);
	cli_close(inst, &c);
	return r;
}

static int policy_show_cmd(int argc, char **argv) { return policy_id_cmd("policy show", argc, argv); }
static int policy_comment_cmd(int argc, char **argv) { return policy_id_cmd("policy comment", argc, argv); }
static int policy_approve_cmd(int argc, char **argv) { return policy_id_cmd("policy approve", argc, argv); }
static int policy_publish_cmd(int argc, char **argv) { return policy_id_cmd("policy publish", argc, argv); }
static int policy_withdraw_cmd(int argc, char **argv) { return policy_id_cmd("policy withdraw", argc, argv); }

int cmd_policy(int argc, char **argv)
{
	static const struct cli_sub subs[] = {
		{ "list", policy_list_cmd },
		{ "show", policy_show_cmd },
		{ "draft", policy_draft_cmd },
		{ "update", policy_update_cmd },
		{ "comment", policy_comment_cmd },
		{ "approve", policy_approve_cmd },
		{ "publish", policy_publish_cmd },
		{ "withdraw", policy_withdraw_cmd },
		{ NULL, NULL },
	};

	return cli_dispatch("policy", argc, argv, subs, "list, show, draft, update, comment, approve, publish or withdraw");
}

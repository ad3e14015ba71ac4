/* Commands that act on an instance: opening it as the operator or as a person, decisions. (Options and output: cli_args.c.) */
#include "cli/cli.h"
#include "svc/auth/auth.h"
#include "svc/base/base.h"

#include <openssl/crypto.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cli_open(const char *dir, struct instance **inst, struct svc_ctx *ctx)
{
	/* The login of the process owner, not the $USER it claims. */
	struct passwd *pw = getpwuid(geteuid());
	const char *user = pw != NULL ? pw->pw_name : NULL;

	*inst = NULL;
	memset(ctx, 0, sizeof(*ctx));
	if (instance_open(dir, inst) != TK_OK)
		return cli_fail();
	/* The CLI is the operator on the machine: audit as "cli:<login>". */
	{
		char who[64];
		if (str_fmt(who, sizeof(who), "cli:%.40s", user && *user ? user : "unknown") != TK_OK ||
		    svc_ctx_open(*inst, who, "admin", "local", ctx) != TK_OK) {
			int r = cli_fail();
			instance_close(*inst);
			*inst = NULL;
			return r;
		}
	}
	return 0;
}

int cli_open_as(const char *dir, const char *user, const char *password, struct instance **inst, struct svc_ctx *ctx)
{
	char token[64], csrf[40];
	int r;

	if ((r = cli_open(dir, inst, ctx)) != 0)
		return r;
	/* A password someone else chose acts for nobody until its owner changes it (as over HTTP). */
	if (auth_login(ctx, user, password, token, csrf) != TK_OK || auth_session_admit(ctx, 0) != TK_OK) {
		r = cli_fail();
		cli_close(*inst, ctx);
		*inst = NULL;
		return r;
	}
	(void)!auth_logout(ctx, token);
	OPENSSL_cleanse(token, sizeof(token));
	return 0;
}

int cli_decide(const char *cmd, int argc, char **argv, int approve, cli_decide_fn fn)
{
	const char *dir = NULL, *ids = NULL, *as = NULL, *pwfile = NULL, *reason = NULL;
	struct cli_opt opts[] = {
		{ "dir", 1, &dir, NULL, 1 },
		{ "id", 1, &ids, NULL, 1 },
		{ "as", 1, &as, NULL, 1 },
		{ "password-file", 1, &pwfile, NULL, 1 },
		{ "reason", 1, &reason, NULL, 0 },
		{ NULL, 0, NULL, NULL, 0 },
	};
	struct instance *inst;
	struct svc_ctx c;
	char pw[300], *txt = NULL;
	uint64_t id;
	int r;

	if ((r = cli_parse(cmd, argc, argv, opts)) != 0)
		return r;
	if (parse_u64_str(ids, INT64_MAX, &id) != TK_OK)
		return cli_usage_error(cmd, "--id must be a number");
	if (cli_read_secret(pwfile, pw, sizeof(pw)) != TK_OK)
		return cli_fail();
	r = cli_open_as(dir, as, pw, &inst, &c);
	OPENSSL_cleanse(pw, sizeof(pw));
	if (r != 0)
		return r;
	r = cli_print_text(fn(&c, (int64_t)id, approve, reason, &txt), &txt);
	cli_close(inst, &c);
	return r;
}

int cli_open_opt_as(const char *dir, const char *as, const char *pwfile, struct instance **inst, struct svc_ctx *c)
{
	char pw[300];
	int r;

	if (as == NULL)
		return cli_open(dir, inst, c);
	if (pwfile == NULL) {
		tk_fail_code(TK_ERR_INVALID, "missing_field", "--as needs --password-file");
		return cli_fail();
	}
	if (cli_read_secret(pwfile, pw, sizeof(pw)) != TK_OK)
		return cli_fail();
	r = cli_open_as(dir, as, pw, inst, c);
	OPENSSL_cleanse(pw, sizeof(pw));
	return r;
}

void cli_close(struct instance *inst, struct svc_ctx *ctx)
{
	svc_ctx_done(ctx);
	instance_close(inst);
}

int cli_text_cmd(const char *cmd, int argc, char **argv, enum tk_err (*fn)(struct svc_ctx *c, char **out))
{
	const char *dir = NULL;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { NULL, 0, NULL, NULL, 0 } };
	struct instance *inst;
	struct svc_ctx c;
	char *txt = NULL;
	int r;

	if ((r = cli_parse(cmd, argc, argv, opts)) != 0 || (r = cli_open(dir, &inst, &c)) != 0)
		return r;
	r = cli_print_text(fn(&c, &txt), &txt);
	cli_close(inst, &c);
	return r;
}

int cli_remind_cmd(const char *cmd, int argc, char **argv, enum tk_err (*fn)(struct svc_ctx *c, int *queued))
{
	const char *dir = NULL;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { NULL, 0, NULL, NULL, 0 } };
	struct instance *inst;
	struct svc_ctx c;
	int r, queued = 0;

	if ((r = cli_parse(cmd, argc, argv, opts)) != 0 || (r = cli_open(dir, &inst, &c)) != 0)
		return r;
	r = fn(&c, &queued) == TK_OK ? 0 : cli_fail();
	if (r == 0)
		printf("queued %d reminders\n", queued);
	cli_close(inst, &c);
	return r;
}

int cli_id_cmd(const char *cmd, int argc, char **argv, enum tk_err (*fn)(struct svc_ctx *c, int64_t id, char **out))
{
	const char *dir = NULL, *id_s = NULL;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { "id", 1, &id_s, NULL, 1 }, { NULL, 0, NULL, NULL, 0 } };
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

int cli_id_opt(const char *cmd, const char *what, const char *s, int64_t *out)
{
	uint64_t v;

	if (s == NULL || parse_u64_str(s, INT64_MAX, &v) != TK_OK || v == 0) {
		tk_clear_error();
		return cli_usage_error(cmd, "--%s takes a positive number", what);
	}
	*out = (int64_t)v;
	return 0;
}

int cli_read_json_object(const char *cmd, const char *path, size_t max, json_t **out)
{
	json_error_t jerr;
	uint8_t *p = NULL;
	size_t len = 0;

	memset(&jerr, 0, sizeof(jerr));
	if (strcmp(path, "-") == 0) {
		*out = json_loadf(stdin, JSON_REJECT_DUPLICATES, &jerr);
	} else {
		if (file_read(path, max, &p, &len) != TK_OK)
			return cli_fail();
		*out = json_loadb((const char *)p, len, JSON_REJECT_DUPLICATES, &jerr);
		free(p);
	}
	if (*out == NULL || !json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return cli_usage_error(cmd, "%s: not a JSON object (line %d: %s)", path, jerr.line, jerr.text);
	}
	return 0;
}

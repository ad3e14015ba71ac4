/*
 * teken user add|list|deactivate|activate|role|passwd|requests|approve|reject
 * and teken apikey create|list|revoke: operators without the web UI.
 */
#include "cli/cli.h"
#include "svc/auth/auth.h"
#include "svc/base/base.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What a staff account change came to: made at once, or a request for admins. */
static void print_change(const char *done, const char *user, int64_t request_id)
{
	if (request_id == 0)
		printf("%s\n", done);
	else
		printf("account request %lld filed for %s; other admins approve it with: teken user approve --id %lld --as ADMIN --password-file F\n",
		    (long long)request_id, user, (long long)request_id);
}

static int user_add(int argc, char **argv)
{
	const char *dir = NULL, *user = NULL, *role = NULL, *name = NULL, *pwfile = NULL;
	struct cli_opt opts[] = {
		{ "dir", 1, &dir, NULL, 1 },
		{ "user", 1, &user, NULL, 1 },
		{ "role", 1, &role, NULL, 1 },
		{ "name", 1, &name, NULL, 0 },
		{ "password-file", 1, &pwfile, NULL, 1 },
		{ NULL, 0, NULL, NULL, 0 },
	};
	struct instance *inst;
	struct svc_ctx c;
	char pw[300], done[200];
	int64_t id = 0, req = 0;
	int r;

	if ((r = cli_parse("user add", argc, argv, opts)) != 0)
		return r;
	if (cli_read_secret(pwfile, pw, sizeof(pw)) != TK_OK)
		return cli_fail();
	if ((r = cli_open(dir, &inst, &c)) != 0) {
		OPENSSL_cleanse(pw, sizeof(pw));
		return r;
	}
	r = auth_user_add(&c, user, pw, role, name ? name : user, &id, &req) == TK_OK ? 0 : cli_fail();
	OPENSSL_cleanse(pw, sizeof(pw));
	if (r == 0 && str_fmt(done, sizeof(done), "created user %s (%s), id %lld", user, role, (long long)id) == TK_OK)
		print_change(done, user, req);
	cli_close(inst, &c);
	return r;
}

/* Operator recovery: the new password is read from a file or stdin, never from argv. */
static int user_passwd(int argc, char **argv)
{
	const char *dir = NULL, *user = NULL, *pwfile = NULL;
	struct cli_opt opts[] = {
		{ "dir", 1, &dir, NULL, 1 },
		{ "user", 1, &user, NULL, 1 },
		{ "password-file", 1, &pwfile, NULL, 1 },
		{ NULL, 0, NULL, NULL, 0 },
	};
	struct instance *inst;
	struct svc_ctx c;
	char pw[300];
	int r;

	if ((r = cli_parse("user passwd", argc, argv, opts)) != 0)
		return r;
	if (cli_read_secret(pwfile, pw, sizeof(pw)) != TK_OK)
		return cli_fail();
	if ((r = cli_open(dir, &inst, &c)) == 0) {
		r = auth_user_set_password(&c, user, pw) == TK_OK ? 0 : cli_fail();
		if (r == 0)
			printf("password of %s set; their sessions ended\n", user);
		cli_close(inst, &c);
	}
	OPENSSL_cleanse(pw, sizeof(pw));
	return r;
}

static int user_deactivate(int argc, char **argv)
{
	const char *dir = NULL, *user = NULL;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { "user", 1, &user, NULL, 1 }, { NULL, 0, NULL, NULL, 0 } };
	struct instance *inst;
	struct svc_ctx c;
	int r;

	if ((r = cli_parse("user deactivate", argc, argv, opts)) != 0 || (r = cli_open(dir, &inst, &c)) != 0)
		return r;
	r = auth_user_set_active(&c, user, 0, NULL) == TK_OK ? 0 : cli_fail();
	if (r == 0)
		printf("deactivated %s\n", user);
	cli_close(inst, &c);
	return r;
}

static int user_activate(int argc, char **argv)
{
	const char *dir = NULL, *user = NULL;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { "user", 1, &user, NULL, 1 }, { NULL, 0, NULL, NULL, 0 } };
	struct instance *inst;
	struct svc_ctx c;
	char done[120];
	int64_t req = 0;
	int r;

	if ((r = cli_parse("user activate", argc, argv, opts)) != 0 || (r = cli_open(dir, &inst, &c)) != 0)
		return r;
	r = auth_user_set_active(&c, user, 1, &req) == TK_OK ? 0 : cli_fail();
	if (r == 0 && str_fmt(done, sizeof(done), "activated %s", user) == TK_OK)
		print_change(done, user, req);
	cli_close(inst, &c);
	return r;
}

static int user_role(int argc, char **argv)
{
	const char *dir = NULL, *user = NULL, *role = NULL;
	struct cli_opt opts[] = {
		{ "dir", 1, &dir, NULL, 1 },
		{ "user", 1, &user, NULL, 1 },
		{ "role", 1, &role, NULL, 1 },
		{ NULL, 0, NULL, NULL, 0 },
	};
	struct instance *inst;
	struct svc_ctx c;
	char done[160];
	int64_t req = 0;
	int r;

	if ((r = cli_parse("user role", argc, argv, opts)) != 0 || (r = cli_open(dir, &inst, &c)) != 0)
		return r;
	r = auth_user_set_role(&c, user, role, &req) == TK_OK ? 0 : cli_fail();
	if (r == 0 && str_fmt(done, sizeof(done), "%s is now %s", user, role) == TK_OK)
		print_change(done, user, req);
	cli_close(inst, &c);
	return r;
}

static int user_requests(int argc, char **argv)
{
	const char *dir = NULL, *status = NULL;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { "status", 1, &status, NULL, 0 }, { NULL, 0, NULL, NULL, 0 } };
	struct instance *inst;
	struct svc_ctx c;
	char *txt = NULL;
	int r;

	if ((r = cli_parse("user requests", argc, argv, opts)) != 0 || (r = cli_open(dir, &inst, &c)) != 0)
		return r;
	r = cli_print_text(auth_account_requests_json(&c, status, &txt), &txt);
	cli_close(inst, &c);
	return r;
}

/* Decisions on account requests need an admin's own credentials even on the console (dual control is about people). */
static int user_approve(int argc, char **argv) { return cli_decide("user approve", argc, argv, 1, auth_account_request_decide); }
static int user_reject(int argc, char **argv) { return cli_decide("user reject", argc, argv, 0, auth_account_request_decide); }

static int user_list(int argc, char **argv) { return cli_text_cmd("user list", argc, argv, auth_user_list); }

int cmd_user(int argc, char **argv)
{
	static const struct cli_sub subs[] = {
		{ "add", user_add },
		{ "list", user_list },
		{ "deactivate", user_deactivate },
		{ "activate", user_activate },
		{ "role", user_role },
		{ "passwd", user_passwd },
		{ "requests", user_requests },
		{ "approve", user_approve },
		{ "reject", user_reject },
		{ NULL, NULL },
	};

	return cli_dispatch("user", argc, argv, subs, "add, list, deactivate, activate, role, passwd, requests, approve or reject");
}

static int apikey_create(int argc, char **argv)
{
	const char *dir = NULL, *name = NULL, *units = "";
	struct cli_opt opts[] = {
		{ "dir", 1, &dir, NULL, 1 },
		{ "name", 1, &name, NULL, 1 },
		{ "units", 1, &units, NULL, 0 },
		{ NULL, 0, NULL, NULL, 0 },
	};
	struct instance *inst;
	struct svc_ctx c;
	char key[80];
	int64_t id = 0;
	int r;

	if ((r = cli_parse("apikey create", argc, argv, opts)) != 0 || (r = cli_open(dir, &inst, &c)) != 0)
		return r;
	r = auth_apikey_create(&c, name, units, key, &id) == TK_OK ? 0 : cli_fail();
	if (r == 0)
		printf("%s\n", key); /* shown once; only its hash is stored */
	OPENSSL_cleanse(key, sizeof(key));
	cli_close(inst, &c);
	return r;
}

static int apikey_revoke(int argc, char **argv)
{
	const char *dir = NULL, *ids = NULL;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { "id", 1, &ids, NULL, 1 }, { NULL, 0, NULL, NULL, 0 } };
	struct instance *inst;
	struct svc_ctx c;
	uint64_t id;
	int r;

	if ((r = cli_parse("apikey revoke", argc, argv, opts)) != 0)
		return r;
	if (parse_u64_str(ids, INT64_MAX, &id) != TK_OK)
		return cli_usage_error("apikey revoke", "--id must be a number");
	if ((r = cli_open(dir, &inst, &c)) != 0)
		return r;
	r = auth_apikey_revoke(&c, (int64_t)id) == TK_OK ? 0 : cli_fail();
	cli_close(inst, &c);
	return r;
}

static int apikey_list(int argc, char **argv) { return cli_text_cmd("apikey list", argc, argv, auth_apikey_list); }

int cmd_apikey(int argc, char **argv)
{
	static const struct cli_sub subs[] = {
		{ "create", apikey_create },
		{ "list", apikey_list },
		{ "revoke", apikey_revoke },
		{ NULL, NULL },
	};

	return cli_dispatch("apikey", argc, argv, subs, "create, list or revoke");
}

/*
 * teken notice / teken webhook: change notices of the certificate service
 * and their webhook receivers (R13, docs/notices.md). As the local
 * operator (the ministry: lists, acknowledges, keeps webhooks, runs a
 * delivery pass), or with --as USER --password-file F as that person: the
 * issuer's admins (role auditor) draft, publish and withdraw that way.
 */
#include "cli/cli.h"
#include "svc/base/base.h"
#include "svc/notice/notice.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A braced initializer in a macro, which clang-format 14 would lay out as a block: */
/* clang-format off */
#define END_OPTS {NULL, 0, NULL, NULL, 0}
#define COMMON_OPTS(dir, as, pw) {"dir", 1, &(dir), NULL, 1}, {"as", 1, &(as), NULL, 0}, {"password-file", 1, &(pw), NULL, 0}
/* clang-format on */

static int open_ctx(const char *cmd, const char *dir, const char *as, const char *pwfile, struct instance **inst, struct svc_ctx *c)
{
	if (as == NULL && pwfile != NULL)
		return cli_usage_error(cmd, "--password-file goes with --as USER");
	return cli_open_opt_as(dir, as, pwfile, inst, c);
}

static int notice_list_cmd(int argc, char **argv)
{
	const char *dir = NULL, *as = NULL, *pw = NULL, *status = NULL;
	struct cli_opt opts[] = { COMMON_OPTS(dir, as, pw), { "status", 1, &status, NULL, 0 }, END_OPTS };
	struct instance *inst;
	struct svc_ctx c;
	char *txt = NULL;
	int r;

	if ((r = cli_parse("notice list", argc, argv, opts)) != 0 || (r = open_ctx("notice list", dir, as, pw, &inst, &c)) != 0)
		return r;
	r = cli_print_text(notice_list(&c, status, &txt), &txt);
	cli_close(inst, &c);
	return r;
}

/* create and update: the fields as options, or a JSON object (--json F, "-": stdin) with the API's keys; options win. */
static int notice_write_cmd(const char *cmd, int argc, char **argv)
{
	const char *dir = NULL, *as = NULL, *pw = NULL, *id_s = NULL, *jf = NULL;
	struct notice_in in, o;
	struct cli_opt opts[] = { COMMON_OPTS(dir, as, pw), { "id", 1, &id_s, NULL, 0 }, { "json", 1, &jf, NULL, 0 }, { "category", 1, &o.category, NULL, 0 },
		{ "severity", 1, &o.severity, NULL, 0 }, { "title-id", 1, &o.title_id, NULL, 0 }, { "title-en", 1, &o.title_en, NULL, 0 },
		{ "body-id", 1, &o.body_id, NULL, 0 }, { "body-en", 1, &o.body_en, NULL, 0 }, { "effective-on", 1, &o.effective_on, NULL, 0 }, END_OPTS };
	struct instance *inst;
	struct svc_ctx c;
	json_t *j = NULL;
	char *txt = NULL;
	int64_t id = 0;
	int update = strcmp(cmd, "notice update") == 0, r;

	memset(&in, 0, sizeof(in));
	memset(&o, 0, sizeof(o));
	if ((r = cli_parse(cmd, argc, argv, opts)) != 0)
		return r;
	if (update && (r = cli_id_opt(cmd, "id", id_s, &id)) != 0)
		return r;
	if (!update && id_s != NULL)
		return cli_usage_error(cmd, "--id goes with notice update");
	if (jf != NULL && (r = cli_read_json_object(cmd, jf, MAX_JSON_BODY, &j)) != 0)
		return r;
#define PICK(f, key) in.f = o.f != NULL ? o.f : json_string_value(json_object_get(j, key))
	PICK(category, "category");
	PICK(severity, "severity");
	PICK(title_id, "title_id");
	PICK(title_en, "title_en");
	PICK(body_id, "body_id");
	PICK(body_en, "body_en");
	PICK(effective_on, "effective_on");
#undef PICK
	if ((r = open_ctx(cmd, dir, as, pw, &inst, &c)) == 0) {
		r = cli_print_text(update ? notice_update(&c, id, &in, &txt) : notice_create(&c, &in, &txt), &txt);
		cli_close(inst, &c);
	}
	json_decref(j);
	return r;
}

static int notice_create_cmd(int argc, char **argv) { return notice_write_cmd("notice create", argc, argv); }
static int notice_update_cmd(int argc, char **argv) { return notice_write_cmd("notice update", argc, argv); }

/* get, publish, withdraw [--reason R], ack [--note N] */
static int notice_one_cmd(const char *cmd, int argc, char **argv)
{
	const char *dir = NULL, *as = NULL, *pw = NULL, *id_s = NULL, *text = NULL;
	int is_ack = strcmp(cmd, "notice ack") == 0, is_wd = strcmp(cmd, "notice withdraw") == 0;
	struct cli_opt opts[] = { COMMON_OPTS(dir, as, pw), { "id", 1, &id_s, NULL, 1 }, { is_ack ? "note" : "reason", 1, &text, NULL, 0 }, END_OPTS };
	struct instance *inst;
	struct svc_ctx c;
	char *txt = NULL;
	int64_t id = 0;
	int r;
	enum tk_err rc;

	if ((r = cli_parse(cmd, argc, argv, opts)) != 0 || (r = cli_id_opt(cmd, "id", id_s, &id)) != 0)
		return r;
	if (text != NULL && !is_ack && !is_wd)
		return cli_usage_error(cmd, "--reason goes with notice withdraw");
	if ((r = open_ctx(cmd, dir, as, pw, &inst, &c)) != 0)
		return r;
	if (strcmp(cmd, "notice get") == 0)
		rc = notice_get(&c, id, &txt);
	else if (strcmp(cmd, "notice publish") == 0)
		rc = notice_publish(&c, id, &txt);
	else if (is_wd)
		rc = notice_withdraw(&c, id, text, &txt);
	else
		rc = notice_ack(&c, id, text, &txt);
	r = cli_print_text(rc, &txt);
	cli_close(inst, &c);
	return r;
}

static int notice_get_cmd(int argc, char **argv) { return notice_one_cmd("notice get", argc, argv); }
static int notice_publish_cmd(int argc, char **argv) { return notice_one_cmd("notice publish", argc, argv); }
static int notice_withdraw_cmd(int argc, char **argv) { return notice_one_cmd("notice withdraw", argc, argv); }
static int notice_ack_cmd(int argc, char **argv) { return notice_one_cmd("notice ack", argc, argv); }

/* One delivery pass of the webhooks (what the jobs loop does), for tests and cron. */
static int notice_deliver_cmd(int argc, char **argv)
{
	const char *dir = NULL;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, END_OPTS };
	struct instance *inst;
	struct svc_ctx c;
	int r, delivered = 0, failed = 0;

	if ((r = cli_parse("notice deliver", argc, argv, opts)) != 0 || (r = cli_open(dir, &inst, &c)) != 0)
		return r;
	if (notice_deliver(&c, &delivered, &failed) != TK_OK)
		r = cli_fail();
	else
		printf("delivered %d, failed %d\n", delivered, failed);
	cli_close(inst, &c);
	return r;
}

int cmd_notice(int argc, char **argv)
{
	static const struct cli_sub subs[] = {
		{ "list", notice_list_cmd },
		{ "get", notice_get_cmd },
		{ "create", notice_create_cmd },
		{ "update", notice_update_cmd },
		{ "publish", notice_publish_cmd },
		{ "withdraw", notice_withdraw_cmd },
		{ "ack", notice_ack_cmd },
		{ "deliver", notice_deliver_cmd },
		{ NULL, NULL },
	};

	return cli_dispatch("notice", argc, argv, subs, "list, get, create, update, publish, withdraw, ack or deliver");
}

/* ------------------------------------------------------------ teken webhook */

static int webhook_list_cmd(int argc, char **argv)
{
	const char *dir = NULL, *as = NULL, *pw = NULL;
	struct cli_opt opts[] = { COMMON_OPTS(dir, as, pw), END_OPTS };
	struct instance *inst;
	struct svc_ctx c;
	char *txt = NULL;
	int r;

	if ((r = cli_parse("webhook list", argc, argv, opts)) != 0 || (r = open_ctx("webhook list", dir, as, pw, &inst, &c)) != 0)
		return r;
	r = cli_print_text(webhook_list(&c, &txt), &txt);
	cli_close(inst, &c);
	return r;
}

static int webhook_add_cmd(int argc, char **argv)
{
	const char *dir = NULL, *as = NULL, *pw = NULL, *url = NULL, *desc = NULL;
	struct cli_opt opts[] = { COMMON_OPTS(dir, as, pw), { "url", 1, &url, NULL, 1 }, { "description", 1, &desc, NULL, 0 }, END_OPTS };
	struct instance *inst;
	struct svc_ctx c;
	char *txt = NULL;
	int r;

	if ((r = cli_parse("webhook add", argc, argv, opts)) != 0 || (r = open_ctx("webhook add", dir, as, pw, &inst, &c)) != 0)
		return r;
	r = cli_print_text(webhook_create(&c, url, desc, &txt), &txt);
	cli_close(inst, &c);
	return r;
}

/* remove, rotate, deliveries, test, enable, disable: --id N */
static int webhook_one_cmd(const char *cmd, int argc, char **argv)
{
	const char *dir = NULL, *as = NULL, *pw = NULL, *id_s = NULL;
	struct cli_opt opts[] = { COMMON_OPTS(dir, as, pw), { "id", 1, &id_s, NULL, 1 }, END_OPTS };
	struct instance *inst;
	struct svc_ctx c;
	char *txt = NULL;
	int64_t id = 0;
	int r;
	enum tk_err rc;

	if ((r = cli_parse(cmd, argc, argv, opts)) != 0 || (r = cli_id_opt(cmd, "id", id_s, &id)) != 0 || (r = open_ctx(cmd, dir, as, pw, &inst, &c)) != 0)
		return r;
	if (strcmp(cmd, "webhook remove") == 0) {
		rc = webhook_delete(&c, id);
		if (rc == TK_OK && (txt = strdup("{\"deleted\":true}")) == NULL)
			rc = tk_fail(TK_ERR_NOMEM, "out of memory");
	} else if (strcmp(cmd, "webhook rotate") == 0) {
		rc = webhook_rotate(&c, id, &txt);
	} else if (strcmp(cmd, "webhook deliveries") == 0) {
		rc = webhook_deliveries(&c, id, &txt);
	} else if (strcmp(cmd, "webhook test") == 0) {
		rc = webhook_test(&c, id, &txt);
	} else {
		rc = webhook_update(&c, id, NULL, NULL, strcmp(cmd, "webhook enable") == 0, &txt);
	}
	r = cli_print_text(rc, &txt);
	cli_close(inst, &c);
	return r;
}

static int webhook_remove_cmd(int argc, char **argv) { return webhook_one_cmd("webhook remove", argc, argv); }
static int webhook_rotate_cmd(int argc, char **argv) { return webhook_one_cmd("webhook rotate", argc, argv); }
static int webhook_deliveries_cmd(int argc, char **argv) { return webhook_one_cmd("webhook deliveries", argc, argv); }
static int webhook_test_cmd(int argc, char **argv) { return webhook_one_cmd("webhook test", argc, argv); }
static int webhook_enable_cmd(int argc, char **argv) { return webhook_one_cmd("webhook enable", argc, argv); }
static int webhook_disable_cmd(int argc, char **argv) { return webhook_one_cmd("webhook disable", argc, argv); }

int cmd_webhook(int argc, char **argv)
{
	static const struct cli_sub subs[] = {
		{ "list", webhook_list_cmd },
		{ "add", webhook_add_cmd },
		{ "remove", webhook_remove_cmd },
		{ "rotate", webhook_rotate_cmd },
		{ "deliveries", webhook_deliveries_cmd },
		{ "test", webhook_test_cmd },
		{ "enable", webhook_enable_cmd },
		{ "disable", webhook_disable_cmd },
		{ NULL, NULL },
	};

	return cli_dispatch("webhook", argc, argv, subs, "list, add, remove, rotate, deliveries, test, enable or disable");
}

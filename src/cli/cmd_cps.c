/* teken cps publish|show */
#include "cli/cli.h"
#include "svc/base/base.h"
#include "svc/ca/ca.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cps_publish_cmd(int argc, char **argv)
{
	const char *dir = NULL, *file = NULL, *version = NULL;
	struct cli_opt opts[] = {
		{ "dir", 1, &dir, NULL, 1 },
		{ "file", 1, &file, NULL, 1 },
		{ "version", 1, &version, NULL, 1 },
		{ NULL, 0, NULL, NULL, 0 },
	};
	struct instance *inst;
	struct svc_ctx c;
	uint8_t *body = NULL;
	size_t len = 0;
	char hash[65];
	int r;

	if ((r = cli_parse("cps publish", argc, argv, opts)) != 0)
		return r;
	if (file_read(file, MAX_CPS_BYTES, &body, &len) != TK_OK)
		return cli_fail();
	if ((r = cli_open(dir, &inst, &c)) != 0) {
		free(body);
		return r;
	}
	r = cps_publish(&c, version, body, len, hash) == TK_OK ? 0 : cli_fail();
	if (r == 0)
		printf("published CPS version %s sha256 %s\n", version, hash);
	free(body);
	cli_close(inst, &c);
	return r;
}

static int cps_show_cmd(int argc, char **argv)
{
	const char *dir = NULL, *version = NULL;
	int meta = 0;
	struct cli_opt opts[] = {
		{ "dir", 1, &dir, NULL, 1 },
		{ "version", 1, &version, NULL, 0 },
		{ "meta", 0, NULL, &meta, 0 },
		{ NULL, 0, NULL, NULL, 0 },
	};
	struct instance *inst;
	struct svc_ctx c;
	struct cps_doc d;
	int r;

	if ((r = cli_parse("cps show", argc, argv, opts)) != 0 || (r = cli_open(dir, &inst, &c)) != 0)
		return r;
	if (cps_get(&c, version, &d) != TK_OK) {
		r = cli_fail();
	} else {
		if (meta) {
			char when[48];
			time_wib(d.published_at, when);
			printf("version: %s\nsha256: %s\npublished: %s\nurl: %s/cps\n", d.version, d.sha256, when, instance_base_url(inst));
			r = 0;
		} else {
			r = cli_output(NULL, d.body.p, d.body.len);
		}
		buf_free(&d.body);
	}
	cli_close(inst, &c);
	return r;
}

int cmd_cps(int argc, char **argv)
{
	static const struct cli_sub subs[] = {
		{ "publish", cps_publish_cmd },
		{ "show", cps_show_cmd },
		{ NULL, NULL },
	};

	return cli_dispatch("cps", argc, argv, subs, "publish or show");
}

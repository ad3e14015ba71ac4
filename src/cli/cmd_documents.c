/*
 * teken documents list: the document registry of one official (or all),
 * newest first, as the official's history page shows it (docs/signing.md).
 */
#include "cli/cli.h"
#include "svc/base/base.h"
#include "svc/sign/sign.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int documents_list(int argc, char **argv)
{
	const char *dir = NULL, *sub = NULL, *q = NULL, *from = NULL, *to = NULL, *channel = NULL, *app = NULL, *limit = NULL,
		   *before = NULL, *format = "json";
	struct cli_opt opts[] = {
		{ "dir", 1, &dir, NULL, 1 },
		{ "subscriber", 1, &sub, NULL, 0 },
		{ "q", 1, &q, NULL, 0 },
		{ "from", 1, &from, NULL, 0 },
		{ "to", 1, &to, NULL, 0 },
		{ "channel", 1, &channel, NULL, 0 },
		{ "application", 1, &app, NULL, 0 },
		{ "limit", 1, &limit, NULL, 0 },
		{ "before", 1, &before, NULL, 0 },
		{ "format", 1, &format, NULL, 0 },
		{ NULL, 0, NULL, NULL, 0 },
	};
	struct sign_history_q hq;
	struct instance *inst;
	struct svc_ctx c;
	char *txt = NULL;
	int r;

	if ((r = cli_parse("documents list", argc, argv, opts)) != 0)
		return r;
	if (strcmp(format, "json") != 0)
		return cli_usage_error("documents list", "--format must be json");
	memset(&hq, 0, sizeof(hq));
	if (limit != NULL && (parse_u64_str(limit, SIGN_HISTORY_MAX, &hq.limit) != TK_OK || hq.limit == 0))
		return cli_usage_error("documents list", "--limit must be 1 to %u", SIGN_HISTORY_MAX);
	hq.subscriber = sub;
	hq.q = q;
	hq.from = from;
	hq.to = to;
	hq.channel = channel;
	hq.application = app;
	hq.before = before;
	if ((r = cli_open(dir, &inst, &c)) != 0)
		return r;
	if (sign_history_json(&c, &hq, &txt) == TK_OK)
		printf("%s\n", txt);
	else
		r = cli_fail();
	free(txt);
	cli_close(inst, &c);
	return r;
}

int cmd_documents(int argc, char **argv)
{
	static const struct cli_sub subs[] = {
		{ "list", documents_list },
		{ NULL, NULL },
	};

	return cli_dispatch("documents", argc, argv, subs, "list");
}

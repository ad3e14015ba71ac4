/* teken settings: the instance settings with secrets redacted (svc/settings), as /api/v1/settings shows them. */
#include "cli/cli.h"

#include "svc/base/base.h"
#include "svc/settings/settings.h"

#include <string.h>

int cmd_settings(int argc, char **argv)
{
	const char *dir = NULL, *format = NULL;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { "format", 1, &format, NULL, 0 }, { NULL, 0, NULL, NULL, 0 } };
	struct instance *inst;
	struct svc_ctx c;
	char *txt = NULL;
	int r;

	if ((r = cli_parse("settings", argc, argv, opts)) != 0)
		return r;
	if (format != NULL && strcmp(format, "json") != 0)
		return cli_usage_error("settings", "--format must be json");
	if ((r = cli_open(dir, &inst, &c)) != 0)
		return r;
	r = cli_print_text(settings_json(&c, &txt), &txt);
	cli_close(inst, &c);
	return r;
}

/* teken ocsp refresh: re-sign stored OCSP responses before their nextUpdate (run from cron). */
#include "cli/cli.h"
#include "svc/base/base.h"
#include "svc/trust/trust.h"

#include <stdio.h>
#include <string.h>

static int ocsp_refresh_cmd(int argc, char **argv)
{
	const char *dir = NULL;
	int force = 0;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { "force", 0, NULL, &force, 0 }, { NULL, 0, NULL, NULL, 0 } };
	struct trust_refresh_stats st;
	struct instance *inst;
	struct svc_ctx c;
	int r;

	if ((r = cli_parse("ocsp refresh", argc, argv, opts)) != 0 || (r = cli_open(dir, &inst, &c)) != 0)
		return r;
	if (trust_ocsp_refresh(&c, force, &st) != TK_OK) {
		r = cli_fail();
	} else {
		printf("ocsp: %lld responses refreshed, %lld failed\n", (long long)st.refreshed, (long long)st.failed);
		r = st.failed ? 1 : 0;
	}
	trust_thread_done();
	cli_close(inst, &c);
	return r;
}

int cmd_ocsp(int argc, char **argv)
{
	static const struct cli_sub subs[] = {
		{ "refresh", ocsp_refresh_cmd },
		{ NULL, NULL },
	};

	return cli_dispatch("ocsp", argc, argv, subs, "refresh");
}

/*
 * teken jobs run: one pass of the periodic jobs that `teken serve` runs
 * every minute (svc/jobs), for nodes started with --no-jobs; the package's
 * teken-jobs.timer runs it. Every job runs (the hourly ones too): each is
 * idempotent or claims its rows, so a pass beside a serving node is safe.
 */
#include "cli/cli.h"
#include "svc/base/base.h"
#include "svc/jobs/jobs.h"
#include "svc/trust/trust.h"

#include <stdio.h>

static int jobs_run_cmd(int argc, char **argv)
{
	const char *dir = NULL;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { NULL, 0, NULL, NULL, 0 } };
	struct jobs_state js = { 0, 0 };
	struct instance *inst;
	struct svc_ctx c;
	int r;

	if ((r = cli_parse("jobs run", argc, argv, opts)) != 0 || (r = cli_open(dir, &inst, &c)) != 0)
		return r;
	/* Failures of single jobs are logged as warnings on standard error; the pass goes on. */
	r = jobs_run(&c, tk_now(), &js) != TK_OK ? cli_fail() : 0;
	trust_thread_done();
	cli_close(inst, &c);
	return r;
}

int cmd_jobs(int argc, char **argv)
{
	static const struct cli_sub subs[] = {
		{ "run", jobs_run_cmd },
		{ NULL, NULL },
	};

	return cli_dispatch("jobs", argc, argv, subs, "run");
}

/* teken serve: the HTTP server. */
#include "cli/cli.h"
#include "config/config.h"
#include "http/http.h"
#include "log/log.h"
#include "svc/base/base.h"

#include <stdio.h>

int cmd_serve(int argc, char **argv)
{
	const char *dir = NULL, *threads = NULL;
	struct http_opts o = { "127.0.0.1:8443", 0, NULL, NULL, 0 };
	struct cli_opt opts[] = {
		{ "dir", 1, &dir, NULL, 1 },
		{ "listen", 1, &o.listen, NULL, 0 },
		{ "threads", 1, &threads, NULL, 0 },
		{ "tls-cert", 1, &o.tls_cert, NULL, 0 },
		{ "tls-key", 1, &o.tls_key, NULL, 0 },
		{ "no-jobs", 0, NULL, &o.no_jobs, 0 },
		{ NULL, 0, NULL, NULL, 0 },
	};
	struct instance *inst = NULL;
	enum log_level lvl;
	uint64_t t = 0;
	int r;

	if ((r = cli_parse("serve", argc, argv, opts)) != 0)
		return r;
	if (threads != NULL && (parse_u64_str(threads, 256, &t) != TK_OK || t == 0))
		return cli_usage_error("serve", "--threads must be 1..256");
	o.threads = (unsigned)t;
	/* Before any key or passphrase is in memory: no core file may hold them. */
	if (core_disable_core_dumps() != TK_OK)
		return cli_fail();
	core_malloc_tune_server();
	if (instance_open(dir, &inst) != TK_OK)
		return cli_fail();
	if (log_level_parse(config_get_or(instance_config(inst), "instance", "log_level", "info"), &lvl) != TK_OK ||
	    log_open(lvl, config_get(instance_config(inst), "instance", "log_file")) != TK_OK) {
		r = cli_fail();
		goto out;
	}
	/* Migrate once, before any worker opens its own connection. */
	if (instance_migrate(inst) != TK_OK) {
		r = cli_fail();
		goto out;
	}
	r = http_serve(inst, &o) == TK_OK ? 0 : cli_fail();
out:
	instance_close(inst);
	return r;
}

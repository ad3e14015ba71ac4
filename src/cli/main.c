/* teken: one binary for the CLI and the server. */
#include "cli/cli.h"
#include "cli/help.h"
#include "log/log.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{ "init", cmd_init }, { "ca", cmd_ca }, { "cps", cmd_cps }, { "audit", cmd_audit }, { "bench", cmd_bench },
		{ "serve", cmd_serve }, { "user", cmd_user }, { "apikey", cmd_apikey },
		{ "ocsp", cmd_ocsp },
		{ "notice", cmd_notice }, { "webhook", cmd_webhook }, /* change notices (docs/notices.md) */
		{ "subscriber", cmd_subscriber }, { "request", cmd_request }, { "activate", cmd_activate }, { "notify", cmd_notify }, { "sign", cmd_sign }, { "documents", cmd_documents }, { "ltv", cmd_ltv }, { "backup", cmd_backup }, { "restore", cmd_restore },
		{ "verify", cmd_verify }, { "report", cmd_report }, { "monev", cmd_monev }, { "letter", cmd_letter }, { "assess", cmd_assess },
		{ "reco", cmd_reco }, { "policy", cmd_policy },
		{ "review", cmd_review }, { "ticket", cmd_ticket }, { "agreement", cmd_agreement },
		{ "event", cmd_event }, { "literasi", cmd_literasi },
		{ "settings", cmd_settings }, /* read-only, secrets redacted (docs/staff-pages.md) */
		{ "jobs", cmd_jobs },         /* one pass of the periodic jobs (teken-jobs.timer) */
	};
	size_t i;

	/* Before any JSON work: jansson wipes what it frees (passphrases arrive in JSON). */
	core_json_wiping_alloc_install();
	if (log_open(LOG_WARN, NULL) != TK_OK)
		return 1;
	/* The command reference (and teken(1), teken.conf(5)) comes from src/cli/help.c. */
	if (argc < 2) {
		help_overview(stderr);
		return 2;
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return cmd_help(argc - 2, argv + 2);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 2, argv + 2);
	fprintf(stderr, "teken: error: unknown command '%s' (see teken help)\n", argv[1]);
	return 2;
}

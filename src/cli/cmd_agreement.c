/*
 * teken agreement: the cooperation agreement (R15, docs/agreements.md).
 * Each subcommand lives with its domain: deadline and holidays in
 * cmd_calendar.c (svc/calendar).
 */
#include "cli/cli.h"

int cmd_agreement(int argc, char **argv)
{
	static const struct cli_sub subs[] = {
	    {"deadline", cmd_agreement_deadline},
	    {"holidays", cmd_agreement_holidays},
	    {NULL, NULL},
	};

	return cli_dispatch("agreement", argc, argv, subs, "deadline or holidays");
}

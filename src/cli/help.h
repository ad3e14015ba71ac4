/*
 * help: the one source of the command and configuration reference. The
 * tables in help.c feed `teken help` (the overview), `teken help COMMAND`,
 * `teken help conf`, and the manual pages teken(1) and teken.conf(5) that
 * the build writes with `teken help --man [conf] -o FILE` (CMakeLists.txt).
 * tests/integration/test_help.py checks that every command main.c
 * dispatches and every teken.conf key the code reads is in these tables.
 */
#ifndef TEKEN_HELP_H
#define TEKEN_HELP_H

#include <stddef.h>
#include <stdio.h>

/* One top-level command (argv[1]). */
struct help_cmd {
	const char *name;     /* as dispatched by main.c */
	const char *synopsis; /* usage lines, '\n'-separated, each starting with "teken" or indented */
	const char *summary;  /* one paragraph: what it does, for teken help NAME and teken(1) */
	const char *doc;      /* the docs/ page with the details (docs/README.md when none) */
};

/* One teken.conf key. */
struct help_key {
	const char *section; /* "http", or "profile NAME" for every profile */
	const char *key;
	const char *dflt;    /* the value used when the key is missing; "-" for none */
	const char *meaning; /* one line */
};

/* The tables; *n gets the number of entries. */
const struct help_cmd *help_cmds(size_t *n);
const struct help_key *help_keys(size_t *n);

/* The overview `teken help` prints (every command's synopsis) to out. */
void help_overview(FILE *out);

/*
 * teken help [COMMAND | conf] [--man [-o FILE]]: returns the exit code
 * (0, 1 on a write error, 2 on an unknown topic). argv excludes "help".
 */
int cmd_help(int argc, char **argv);

#endif

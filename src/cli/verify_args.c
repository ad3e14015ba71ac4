/*
 * What teken verify and teken-verify share and that needs no instance:
 * the list options and the exit code of a report (docs/verification.md).
 */
#include "cli/cli.h"
#include "verify/verify.h"

#include <string.h>

enum { EXIT_VERIFY_INDETERMINATE = 3,
	EXIT_VERIFY_FAILED = 4,
	EXIT_VERIFY_CHANGED = 5,
	EXIT_VERIFY_NO_SIGNATURE = 6 };

/* Takes --trust, --crl and --in (repeatable, each with one or more values) out of argv. */
int cli_verify_lists(int argc, char **argv, char **rest, int *nrest, const char **trust, size_t *ntrust, const char **crls,
    size_t *ncrls, const char **ins, size_t *nins)
{
	int i;

	*nrest = 0;
	for (i = 0; i < argc; i++) {
		const char *a = argv[i];
		const char **list = NULL;
		size_t *n = NULL;
		if (strncmp(a, "--trust", 7) == 0 && (a[7] == '\0' || a[7] == '='))
			list = trust, n = ntrust;
		else if (strncmp(a, "--crl", 5) == 0 && (a[5] == '\0' || a[5] == '='))
			list = crls, n = ncrls;
		else if (strncmp(a, "--in", 4) == 0 && (a[4] == '\0' || a[4] == '=')) {
			/* Any number of documents or folders (argc bounds the list). */
			if (strchr(a, '=') != NULL)
				ins[(*nins)++] = strchr(a, '=') + 1;
			else if (i + 1 >= argc || argv[i + 1][0] == '-')
				return cli_usage_error("verify", "option --in needs a file or a folder");
			while (i + 1 < argc && argv[i + 1][0] != '-')
				ins[(*nins)++] = argv[++i];
			continue;
		}
		if (list == NULL) {
			rest[(*nrest)++] = argv[i];
			continue;
		}
		if (strchr(a, '=') != NULL) {
			if (*n >= VERIFY_CLI_MAX_FILES)
				return cli_usage_error("verify", "at most %u --trust/--crl files", VERIFY_CLI_MAX_FILES);
			list[(*n)++] = strchr(a, '=') + 1;
			continue;
		}
		if (i + 1 >= argc || argv[i + 1][0] == '-')
			return cli_usage_error("verify", "option %s needs a file", a);
		while (i + 1 < argc && argv[i + 1][0] != '-') {
			if (*n >= VERIFY_CLI_MAX_FILES)
				return cli_usage_error("verify", "at most %u --trust/--crl files", VERIFY_CLI_MAX_FILES);
			list[(*n)++] = argv[++i];
		}
	}
	return 0;
}

int cli_verify_exit(const struct verify_report *r)
{
	if (r->no_signature)
		return EXIT_VERIFY_NO_SIGNATURE;
	if (r->ind == VERIFY_TOTAL_FAILED)
		return EXIT_VERIFY_FAILED;
	if (r->ind == VERIFY_INDETERMINATE)
		return EXIT_VERIFY_INDETERMINATE;
	return r->changed_after_signing ? EXIT_VERIFY_CHANGED : 0;
}

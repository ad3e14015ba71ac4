/*
 * The parts of the command line that need no instance: options, errors,
 * output, mapped input files, secrets from files. Kept apart from cli.c
 * (which opens instances) so that teken-verify links without the store,
 * the server and the network libraries.
 */
#include "cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "teken: error: %s: %s (see teken help)\n", cmd, msg);
	return 2;
}

int cli_dispatch(const char *cmd, int argc, char **argv, const struct cli_sub *subs, const char *expected)
{
	for (; argc >= 1 && subs->name != NULL; subs++)
		if (strcmp(argv[0], subs->name) == 0)
			return subs->run(argc - 1, argv + 1);
	return cli_usage_error(cmd, "expected %s", expected);
}

int cli_fail(void)
{
	char one[MAX_ERRMSG];
	const char *m = tk_errmsg();
	size_t i, n = 0;

	/* Exactly one line, whatever the message holds. */
	for (i = 0; m[i] && n < sizeof(one) - 1; i++)
		one[n++] = (m[i] == '\n' || m[i] == '\r') ? ' ' : m[i];
	one[n] = '\0';
	fprintf(stderr, "teken: error: %s\n", one);
	return 1;
}

int cli_parse(const char *cmd, int argc, char **argv, struct cli_opt *opts)
{
	int i;
	struct cli_opt *o;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i], *name, *eq, *val = NULL;
		size_t nlen;
		if (a[0] == '-' && a[1] != '-' && a[1] != '\0' && a[2] == '\0')
			name = a + 1; /* one-letter options: -o, -n */
		else if (strncmp(a, "--", 2) == 0)
			name = a + 2;
		else
			return cli_usage_error(cmd, "unexpected argument '%s'", a);
		eq = strchr(name, '=');
		nlen = eq ? (size_t)(eq - name) : strlen(name);
		for (o = opts; o->name != NULL; o++)
			if (strlen(o->name) == nlen && strncmp(o->name, name, nlen) == 0)
				break;
		if (o->name == NULL)
			return cli_usage_error(cmd, "unknown option '%s'", a);
		if (o->takes_value) {
			if (eq != NULL)
				val = eq + 1;
			else if (i + 1 < argc)
				val = argv[++i];
			else
				return cli_usage_error(cmd, "option --%s needs a value", o->name);
			*o->value = val;
		} else {
			if (eq != NULL)
				return cli_usage_error(cmd, "option --%s takes no value", o->name);
			*o->flag = 1;
		}
	}
	for (o = opts; o->name != NULL; o++)
		if (o->required && o->takes_value && *o->value == NULL)
			return cli_usage_error(cmd, "missing --%s", o->name);
	return 0;
}

int cli_print_text(enum tk_err rc, char **text)
{
	int r = rc == TK_OK ? 0 : cli_fail();

	if (r == 0)
		printf("%s\n", *text);
	free(*text);
	*text = NULL;
	return r;
}

int cli_output(const char *path, const void *p, size_t len)
{
	if (path == NULL || strcmp(path, "-") == 0) {
		const uint8_t *q = p;
		while (len > 0) {
			ssize_t n = write(1, q, len);
			if (n <= 0) {
				tk_fail(TK_ERR_IO, "cannot write to standard output");
				return cli_fail();
			}
			q += n;
			len -= (size_t)n;
		}
		return 0;
	}
	if (file_write_atomic(path, p, len, 0644) != TK_OK)
		return cli_fail();
	return 0;
}

enum tk_err cli_read_secret(const char *path, char *out, size_t sz)
{
	uint8_t *p = NULL;
	size_t len = 0, n;
	enum tk_err rc;

	if (strcmp(path, "-") == 0) {
		if (fgets(out, (int)sz, stdin) == NULL)
			return tk_fail(TK_ERR_INVALID, "no password on standard input");
		out[strcspn(out, "\r\n")] = '\0';
		return TK_OK;
	}
	if ((rc = file_read(path, 4096, &p, &len)) != TK_OK)
		return rc;
	for (n = 0; n < len && p[n] != '\n' && p[n] != '\r'; n++)
		;
	if (n >= sz) {
		OPENSSL_clear_free(p, len);
		return tk_fail(TK_ERR_INVALID, "password file: first line too long");
	}
	memcpy(out, p, n);
	out[n] = '\0';
	OPENSSL_clear_free(p, len);
	return TK_OK;
}

enum tk_err cli_map_file(const char *path, const uint8_t **p, size_t *len)
{
	struct stat sb;
	void *m;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return tk_fail(TK_ERR_IO, "cannot open %s: %s", path, strerror(errno));
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return tk_fail(TK_ERR_IO, "%s is not a regular file", path);
	}
	if (sb.st_size == 0 || (uint64_t)sb.st_size > MAX_PDF_BYTES) {
		close(fd);
		return tk_fail(TK_ERR_LIMIT, "%s is empty or larger than %llu bytes", path, (unsigned long long)MAX_PDF_BYTES);
	}
	m = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return tk_fail(TK_ERR_IO, "cannot map %s: %s", path, strerror(errno));
	*p = m;
	*len = (size_t)sb.st_size;
	return TK_OK;
}

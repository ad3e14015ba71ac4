/* INI configuration held as a flat list of (section, key, value). */
#include "config/config.h"

#include <ini.h>
#include <stdlib.h>
#include <string.h>

/* libinih's line buffer is 200 bytes including the newline and NUL. */
#define CONFIG_MAX_LINE 197u

struct entry {
	char *section;
	char *key;
	char *value;
};

struct config {
	struct entry *e;
	size_t n, cap;
	int oom;
};

static int on_entry(void *user, const char *section, const char *key, const char *value)
{
	struct config *c = user;
	struct entry *e;
	size_t i;

	for (i = 0; i < c->n; i++) {
		if (strcmp(c->e[i].section, section) == 0 && strcmp(c->e[i].key, key) == 0) {
			char *v = strdup(value);
			if (v == NULL) {
				c->oom = 1;
				return 0;
			}
			free(c->e[i].value);
			c->e[i].value = v;
			return 1;
		}
	}
	if (c->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 32;
		struct entry *ne = realloc(c->e, ncap * sizeof(*ne));
		if (ne == NULL) {
			c->oom = 1;
			return 0;
		}
		c->e = ne;
		c->cap = ncap;
	}
	e = &c->e[c->n];
	e->section = strdup(section);
	e->key = strdup(key);
	e->value = strdup(value);
	if (e->section == NULL || e->key == NULL || e->value == NULL) {
		free(e->section);
		free(e->key);
		free(e->value);
		c->oom = 1;
		return 0;
	}
	c->n++;
	return 1;
}

enum tk_err config_parse(const char *text, size_t len, const char *name, struct config **out)
{
	struct config *c;
	char *copy;
	int line;

	c = calloc(1, sizeof(*c));
	copy = malloc(len + 1);
	if (c == NULL || copy == NULL) {
		free(c);
		free(copy);
		return tk_fail(TK_ERR_NOMEM, "config: out of memory");
	}
	memcpy(copy, text, len);
	copy[len] = '\0';
	if (memchr(text, '\0', len) != NULL) {
		free(copy);
		config_free(c);
		return tk_fail(TK_ERR_INVALID, "config %s: contains a NUL byte", name);
	}
	/* libinih cuts lines at 200 bytes and reads the rest as a new line:
	 * refuse long lines instead of silently splitting a value. */
	{
		size_t i, start = 0, lineno = 1;
		for (i = 0; i <= len; i++) {
			if (i == len || copy[i] == '\n') {
				if (i - start > CONFIG_MAX_LINE) {
					free(copy);
					config_free(c);
					return tk_fail(TK_ERR_INVALID, "config %s: line %zu is longer than %u bytes", name, lineno, CONFIG_MAX_LINE);
				}
				start = i + 1;
				lineno++;
			}
		}
	}
	line = ini_parse_string(copy, on_entry, c);
	free(copy);
	if (c->oom) {
		config_free(c);
		return tk_fail(TK_ERR_NOMEM, "config: out of memory");
	}
	if (line != 0) {
		config_free(c);
		return tk_fail(TK_ERR_INVALID, "config %s: syntax error on line %d", name, line);
	}
	*out = c;
	return TK_OK;
}

enum tk_err config_load(const char *path, struct config **out)
{
	uint8_t *text = NULL;
	size_t len = 0;
	enum tk_err rc;

	if ((rc = file_read(path, MAX_CONFIG_BYTES, &text, &len)) != TK_OK)
		return tk_wrap(rc, "config");
	rc = config_parse((const char *)text, len, path, out);
	free(text);
	return rc;
}

void config_free(struct config *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++) {
		free(c->e[i].section);
		free(c->e[i].key);
		free(c->e[i].value);
	}
	free(c->e);
	free(c);
}

const char *config_get(const struct config *c, const char *section, const char *key)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (strcmp(c->e[i].section, section) == 0 && strcmp(c->e[i].key, key) == 0)
			return c->e[i].value;
	return NULL;
}

const char *config_get_or(const struct config *c, const char *section, const char *key, const char *dflt)
{
	const char *v = config_get(c, section, key);
	return v != NULL ? v : dflt;
}

enum tk_err config_get_u64(const struct config *c, const char *section, const char *key,
    uint64_t dflt, uint64_t max, uint64_t *out)
{
	const char *v = config_get(c, section, key);

	if (v == NULL) {
		*out = dflt;
		return TK_OK;
	}
	if (parse_u64_str(v, max, out) != TK_OK)
		return tk_fail(TK_ERR_INVALID, "config [%s] %s: '%s' is not a whole number up to %llu",
		    section, key, v, (unsigned long long)max);
	return TK_OK;
}

void config_each_section(const struct config *c, const char *prefix,
    void (*fn)(const char *section, void *arg), void *arg)
{
	size_t i, j, plen = strlen(prefix);

	for (i = 0; i < c->n; i++) {
		int seen = 0;
		if (strncmp(c->e[i].section, prefix, plen) != 0)
			continue;
		for (j = 0; j < i; j++)
			if (strcmp(c->e[j].section, c->e[i].section) == 0) {
				seen = 1;
				break;
			}
		if (!seen)
			fn(c->e[i].section, arg);
	}
}

size_t config_count(const struct config *c)
{
	return c->n;
}

int config_entry(const struct config *c, size_t i, const char **section, const char **key, const char **value)
{
	if (i >= c->n)
		return 0;
	*section = c->e[i].section;
	*key = c->e[i].key;
	*value = c->e[i].value;
	return 1;
}

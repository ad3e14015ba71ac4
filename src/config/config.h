/*
 * config: the instance configuration file (INI, parsed with libinih).
 *
 *   [section]            ; or [profile individual] for named sections
 *   key = value
 *
 * Keys and sections are case-sensitive; later duplicates replace earlier
 * ones. See docs/configuration.md for every key.
 */
#ifndef TEKEN_CONFIG_H
#define TEKEN_CONFIG_H

#include "core/core.h"

struct config;

/* Loads path; caller frees with config_free(). */
enum tk_err config_load(const char *path, struct config **out) WARN_UNUSED;
/* Parses INI text from memory (for tests and defaults). */
enum tk_err config_parse(const char *text, size_t len, const char *name, struct config **out) WARN_UNUSED;
void config_free(struct config *c);

/* Value or NULL; the string lives as long as c. */
const char *config_get(const struct config *c, const char *section, const char *key);
const char *config_get_or(const struct config *c, const char *section, const char *key, const char *dflt);
enum tk_err config_get_u64(const struct config *c, const char *section, const char *key,
    uint64_t dflt, uint64_t max, uint64_t *out) WARN_UNUSED;
/* Calls fn for each section whose name starts with prefix (e.g. "profile "). */
void config_each_section(const struct config *c, const char *prefix,
    void (*fn)(const char *section, void *arg), void *arg);
/*
 * Every (section, key, value) in file order, each key once with its
 * effective (last) value: i from 0 to config_count() - 1; config_entry()
 * returns 0 past the end. The strings live as long as c.
 */
size_t config_count(const struct config *c);
int config_entry(const struct config *c, size_t i, const char **section, const char **key, const char **value);

#endif

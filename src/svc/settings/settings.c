/* The instance settings, read-only and with secrets redacted (see settings.h). */
#include "svc/settings/settings.h"
#include "svc/base/base_int.h"
#include "config/config.h"
#include "store/store.h"

#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#ifndef TEKEN_VERSION
#define TEKEN_VERSION "unknown" /* set by CMake from `git describe` at configure time */
#endif

#define SETTINGS_MAX_VALUE 4096u /* teken.conf lines are at most 197 bytes; a generous bound */

/* Case-insensitive substring test on NUL-terminated ASCII. */
static int contains_ci(const char *s, size_t len, const char *needle)
{
	size_t n = strlen(needle), i, j;

	for (i = 0; i + n <= len; i++) {
		for (j = 0; j < n; j++)
			if (tolower((unsigned char)s[i + j]) != needle[j])
				break;
		if (j == n)
			return 1;
	}
	return 0;
}

static int name_is_secret(const char *name, size_t len)
{
	/* Named keys of teken.conf that hold algorithms and policies, not secrets (docs/configuration.md). */
	static const char *const plain[] = {
		"key_alg",
		"leaf_key_alg",
		"key_usage",
		"ext_key_usage",
		"allowed_keys",
		"passphrase_min_length",
		"author",
		"password_change_first_login",
	};
	static const char *const words[] = { "pass", "secret", "key", "token", "pin", "pwd", "auth", "credential", "cookie", "private" };
	size_t i;

	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		if (strlen(plain[i]) == len && memcmp(plain[i], name, len) == 0)
			return 0;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (contains_ci(name, len, words[i]))
			return 1;
	return 0;
}

int settings_key_is_secret(const char *key)
{
	return name_is_secret(key, strlen(key));
}

/* A parameter name's characters; '%' too, since libpq and URLs decode percent-escaped names ("pass%77ord"). */
static int is_ident(unsigned char ch)
{
	return isalnum(ch) || ch == '_' || ch == '-' || ch == '.' || ch == '%';
}

/*
 * Marks what to hide in v: the password of each URL's user information
 * (scheme://user:PASSWORD@host, RFC 3986 3.2.1; all of it when it has no
 * colon, since scheme://TOKEN@host is a credential too) and the value of each
 * name=value parameter whose name is a secret's (libpq conninfo
 * "password=...", query strings "?token=...").
 */
static void mark_secrets(const char *v, size_t len, uint8_t *hide)
{
	size_t i, j;

	for (i = 0; i + 3 <= len; i++) {
		size_t start, end, at = 0, colon = 0;
		if (memcmp(v + i, "://", 3) != 0)
			continue;
		start = i + 3;
		for (end = start; end < len && v[end] != '/' && v[end] != '?' && v[end] != '#' && !isspace((unsigned char)v[end]); end++)
			if (v[end] == '@')
				at = end;
		if (at == 0)
			continue;
		for (j = start; j < at; j++)
			if (v[j] == ':') {
				colon = j;
				break;
			}
		for (j = colon != 0 ? colon + 1 : start; j < at; j++)
			hide[j] = 1;
	}
	for (i = 0; i < len; i++) {
		size_t n, e;
		if (v[i] != '=')
			continue;
		/* "password = x" as libpq allows: blanks around '=' */
		for (e = i; e > 0 && (v[e - 1] == ' ' || v[e - 1] == '\t'); e--)
			;
		for (n = e; n > 0 && is_ident((unsigned char)v[n - 1]); n--)
			;
		if (n == e || !name_is_secret(v + n, e - n))
			continue;
		for (j = i + 1; j < len && (v[j] == ' ' || v[j] == '\t'); j++)
			;
		if (j < len && (v[j] == '\'' || v[j] == '"')) {
			char q = v[j];
			for (j++; j < len && v[j] != q; j++)
				hide[j] = 1;
		} else {
			for (; j < len && !isspace((unsigned char)v[j]) && v[j] != '&' && v[j] != ';' && v[j] != ','; j++)
				hide[j] = 1;
		}
	}
}

enum tk_err settings_redact_value(const char *value, struct buf *out, int *changed)
{
	size_t len = strlen(value), i;
	uint8_t *hide;
	enum tk_err rc = TK_OK;

	*changed = 0;
	buf_init(out, SETTINGS_MAX_VALUE * 4);
	if (len > SETTINGS_MAX_VALUE)
		return tk_fail(TK_ERR_LIMIT, "settings: a value is longer than %u bytes", SETTINGS_MAX_VALUE);
	if ((hide = calloc(len + 1, 1)) == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	mark_secrets(value, len, hide);
	for (i = 0; rc == TK_OK && i < len; i++) {
		if (!hide[i]) {
			rc = buf_putc(out, (uint8_t)value[i]);
			continue;
		}
		*changed = 1;
		while (i + 1 < len && hide[i + 1])
			i++;
		rc = buf_puts(out, SETTINGS_REDACTED);
	}
	free(hide);
	return rc;
}

/* One config entry as {"key","value","redacted"}. */
static json_t *entry_json(const char *key, const char *value)
{
	struct buf b;
	const char *txt = NULL;
	int changed = 0;
	json_t *o = NULL;

	if (settings_key_is_secret(key))
		return json_pack("{s:s, s:s, s:b}", "key", key, "value", value[0] ? SETTINGS_REDACTED : "", "redacted", value[0] != '\0');
	if (settings_redact_value(value, &b, &changed) == TK_OK && buf_cstr(&b, &txt) == TK_OK)
		o = json_pack("{s:s, s:s, s:b}", "key", key, "value", txt, "redacted", changed);
	else
		o = json_pack("{s:s, s:s, s:b}", "key", key, "value", SETTINGS_REDACTED, "redacted", 1);
	buf_free(&b);
	return o;
}

/* Config sections in file order, each with its keys ([profile x] sections keep their full name). */
static json_t *sections_json(const struct config *cfg)
{
	json_t *arr = json_array();
	size_t i, n = config_count(cfg);

	if (arr == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		const char *sec, *key, *val;
		json_t *s = NULL, *keys, *e;
		size_t k;
		if (!config_entry(cfg, i, &sec, &key, &val))
			break;
		for (k = 0; k < json_array_size(arr); k++)
			if (strcmp(json_string_value(json_object_get(json_array_get(arr, k), "name")), sec) == 0)
				s = json_array_get(arr, k);
		if (s == NULL) {
			if ((s = json_pack("{s:s, s:[]}", "name", sec, "keys")) == NULL || json_array_append_new(arr, s) != 0)
				goto oom;
		}
		keys = json_object_get(s, "keys");
		if ((e = entry_json(key, val)) == NULL || json_array_append_new(keys, e) != 0)
			goto oom;
	}
	return arr;
oom:
	json_decref(arr);
	return NULL;
}

/* The instance keys (no blob, no PKCS#11 reference: a URI may carry a PIN). */
static enum tk_err key_storage_json(struct svc_ctx *c, json_t **out)
{
	struct store_stmt *s = NULL;
	json_t *o = NULL, *keys = json_array();
	int row = 0, soft = 0, p11 = 0;
	const char *module = config_get(c->inst->cfg, "hsm", "module");
	enum tk_err rc;

	if (keys == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	if ((rc = store_prepare(c->st, "SELECT name, kind, alg FROM keys ORDER BY name", &s)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		int is_p11 = strcmp(store_col_text(s, 1), "pkcs11") == 0;
		if (is_p11)
			p11++;
		else
			soft++;
		if (json_array_append_new(keys, json_pack("{s:s, s:s, s:s}", "name", store_col_text(s, 0), "kind", is_p11 ? "pkcs11" : "file",
						    "alg", store_col_text(s, 2))) != 0) {
			rc = tk_fail(TK_ERR_NOMEM, "out of memory");
			goto out;
		}
	}
	if (rc != TK_OK)
		goto out;
	o = json_pack("{s:s, s:O}", "kind", p11 && soft ? "mixed" : p11 ? "pkcs11"
									: "file",
	    "keys", keys);
	if (o == NULL || (module != NULL && json_object_set_new(o, "hsm_module", json_string(module)) != 0)) {
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
		goto out;
	}
	*out = o;
	o = NULL;
out:
	json_decref(o);
	json_decref(keys);
	store_finalize(s);
	return rc;
}

enum tk_err settings_json(struct svc_ctx *c, char **out)
{
	json_t *j = NULL, *sections = NULL, *ks = NULL;
	struct buf url;
	const char *url_txt = NULL;
	int64_t schema = 0;
	int changed = 0;
	enum tk_err rc;

	buf_init(&url, 1);
	if (!(c->actor.kind == ACTOR_OPERATOR ||
		(c->actor.kind == ACTOR_PERSON && (strcmp(c->actor.role, "admin") == 0 || strcmp(c->actor.role, "auditor") == 0))))
		return tk_fail_code(TK_ERR_DENIED, "forbidden", "the instance settings are for admins and auditors");
	if ((rc = store_schema_version(c->st, &schema)) != TK_OK || (rc = key_storage_json(c, &ks)) != TK_OK ||
	    (rc = settings_redact_value(c->inst->store_url, &url, &changed)) != TK_OK || (rc = buf_cstr(&url, &url_txt)) != TK_OK)
		goto out;
	if ((sections = sections_json(c->inst->cfg)) == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
		goto out;
	}
	j = json_pack("{s:s, s:I, s:s, s:s, s:{s:s, s:s}, s:O, s:O}", "version", TEKEN_VERSION, "schema_version", (json_int_t)schema,
	    "base_url", c->inst->base_url, "mode", config_get_or(c->inst->cfg, "instance", "mode", "production"), "store", "backend",
	    strncmp(c->inst->store_url, "sqlite:", 7) == 0 ? "sqlite" : "postgresql", "url", url_txt, "key_storage", ks, "sections", sections);
	rc = svc_json_dump(j, out);
	j = NULL;
out:
	json_decref(j);
	json_decref(ks);
	json_decref(sections);
	buf_free(&url);
	return rc;
}

/*
 * JSON helpers every service uses for its request bodies and answers, in
 * one place so that every domain reports the same error codes for the same
 * mistakes (missing_field, invalid_field, too_long).
 */
#include "svc/base/base_int.h"

#include <string.h>

enum tk_err svc_json_str(json_t *in, const char *key, int required, size_t max, const char **out)
{
	json_t *v = json_object_get(in, key);

	*out = NULL;
	if (v == NULL || json_is_null(v)) {
		if (required)
			return tk_fail_code(TK_ERR_INVALID, "missing_field", "%s is required", key);
		return TK_OK;
	}
	if (!json_is_string(v))
		return tk_fail_code(TK_ERR_INVALID, "invalid_field", "%s must be a string", key);
	if (json_string_length(v) > max)
		return tk_fail_code(TK_ERR_LIMIT, "too_long", "%s is longer than %zu bytes", key, max);
	if (memchr(json_string_value(v), '\0', json_string_length(v)) != NULL)
		return tk_fail_code(TK_ERR_INVALID, "invalid_field", "%s holds a NUL character", key);
	if (required && json_string_length(v) == 0)
		return tk_fail_code(TK_ERR_INVALID, "missing_field", "%s must not be empty", key);
	*out = json_string_value(v);
	return TK_OK;
}

enum tk_err svc_json_dump(json_t *j, char **out)
{
	if (j == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	*out = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return *out == NULL ? tk_fail(TK_ERR_NOMEM, "out of memory") : TK_OK;
}

enum tk_err svc_check_text(const char *v, const char *what, int required, size_t max, int multiline)
{
	const unsigned char *p;

	if (v == NULL || v[0] == '\0') {
		if (required)
			return tk_fail_code(TK_ERR_INVALID, "missing_field", "%s is required", what);
		return TK_OK;
	}
	if (strlen(v) > max)
		return tk_fail_code(TK_ERR_LIMIT, "too_long", "%s is longer than %zu bytes", what, max);
	for (p = (const unsigned char *)v; *p; p++)
		if ((*p < 0x20 && !(multiline && (*p == '\n' || *p == '\t' || *p == '\r'))) || *p == 0x7f)
			return tk_fail_code(TK_ERR_INVALID, "invalid_field", "%s holds a control character", what);
	return TK_OK;
}

/*
 * Internal policies of the ministry (R5; PKS art. 4(1)d,f, 4(2)b) as
 * versioned documents, and the signing service's check of the
 * machine-readable part of a published signing policy.
 *
 * A version moves draft -> approved -> published -> superseded. The
 * drafter never approves their own draft (four eyes, compared by user
 * name as report approval does: the CLI operator "cli:<login>" is one
 * more name). Publishing supersedes the published version of the same
 * name in the same transaction; the partial unique index
 * policies_published keeps one published version per name even against
 * a second node.
 */
#include "svc/policy/policy_int.h"
#include "svc/base/base_int.h"

#include "svc/audit/audit.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ shared helpers */

int pol_is_person(const struct svc_ctx *c, const char *role)
{
	return c->actor.kind == ACTOR_PERSON && strcmp(c->actor.role, role) == 0;
}

enum tk_err pol_read_allowed(const struct svc_ctx *c, const char *what)
{
	if (c->actor.kind == ACTOR_OPERATOR || pol_is_person(c, "admin") || pol_is_person(c, "auditor"))
		return TK_OK;
	return tk_fail_code(TK_ERR_DENIED, "forbidden", "%s are for admins (ministry) and auditors (issuer)", what);
}

enum tk_err pol_audit(struct svc_ctx *c, const char *action, const char *kind, int64_t id, json_t *details)
{
	char obj[64], *d = NULL;
	enum tk_err rc;

	if ((rc = str_fmt(obj, sizeof(obj), "%s:%lld", kind, (long long)id)) != TK_OK) {
		json_decref(details);
		return rc;
	}
	if ((rc = svc_json_dump(details, &d)) != TK_OK)
		return rc;
	rc = audit_append(c, action, obj, d);
	free(d);
	return rc;
}

static enum tk_err admin_only(const struct svc_ctx *c, const char *what)
{
	if (c->actor.kind == ACTOR_OPERATOR || pol_is_person(c, "admin"))
		return TK_OK;
	return tk_fail_code(TK_ERR_DENIED, "forbidden", "%s: ministry admins only", what);
}

/* ------------------------------------------------------------ signing rules */

static const char *const levels_known[] = { "B-B", "B-T", "B-LT", "B-LTA" };
static const char *const kinds_known[] = { "pades", "cades" };

static int in_list(const char *s, const char *const *l, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(s, l[i]) == 0)
			return 1;
	return 0;
}

/* A non-empty array of distinct strings, each in known (when known != NULL) or within max bytes; canonical copy in *out. */
static enum tk_err string_set(json_t *v, const char *key, const char *const *known, size_t nknown, size_t maxn, json_t **out)
{
	json_t *e, *canon;
	size_t i, j;

	*out = NULL;
	if (!json_is_array(v) || json_array_size(v) == 0)
		return tk_fail_code(TK_ERR_INVALID, "invalid_rules", "rules.%s must be a non-empty list of strings", key);
	if (json_array_size(v) > maxn)
		return tk_fail_code(TK_ERR_LIMIT, "invalid_rules", "rules.%s has more than %zu entries", key, maxn);
	json_array_foreach (v, i, e) {
		if (!json_is_string(e) || json_string_length(e) == 0 || json_string_length(e) > 128 ||
		    memchr(json_string_value(e), '\0', json_string_length(e)) != NULL)
			return tk_fail_code(TK_ERR_INVALID, "invalid_rules", "rules.%s[%zu] must be a non-empty string (at most 128 bytes)", key, i);
		if (known != NULL && !in_list(json_string_value(e), known, nknown))
			return tk_fail_code(TK_ERR_INVALID, "invalid_rules", "rules.%s[%zu]: unknown value '%s'", key, i, json_string_value(e));
		for (j = 0; j < i; j++)
			if (strcmp(json_string_value(json_array_get(v, j)), json_string_value(e)) == 0)
				return tk_fail_code(TK_ERR_INVALID, "invalid_rules", "rules.%s lists '%s' twice", key, json_string_value(e));
	}
	if ((canon = json_deep_copy(v)) == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	*out = canon;
	return TK_OK;
}

enum tk_err policy_rules_canon(json_t *rules, char **out)
{
	const char *key;
	json_t *v, *canon = NULL, *set = NULL;
	enum tk_err rc = TK_OK;

	*out = NULL;
	if (!json_is_object(rules))
		return tk_fail_code(TK_ERR_INVALID, "invalid_rules", "rules must be a JSON object {levels, stamp, units, kinds}");
	json_object_foreach (rules, key, v) {
		if (strcmp(key, "levels") != 0 && strcmp(key, "stamp") != 0 && strcmp(key, "units") != 0 && strcmp(key, "kinds") != 0)
			return tk_fail_code(TK_ERR_INVALID, "invalid_rules", "rules: unknown member '%s' (known: levels, stamp, units, kinds)", key);
	}
	if (json_object_size(rules) == 0)
		return tk_fail_code(TK_ERR_INVALID, "invalid_rules", "rules must hold at least one of levels, stamp, units, kinds");
	if ((canon = json_object()) == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	/* A fixed order, so the stored text (and its audit) is the same for the same rules. */
	if ((v = json_object_get(rules, "levels")) != NULL) {
		if ((rc = string_set(v, "levels", levels_known, 4, 4, &set)) != TK_OK || json_object_set_new(canon, "levels", set) != 0)
			goto out;
	}
	if ((v = json_object_get(rules, "stamp")) != NULL) {
		const char *s = json_string_value(v);
		if (s == NULL || (strcmp(s, "visible") != 0 && strcmp(s, "invisible") != 0 && strcmp(s, "any") != 0)) {
			rc = tk_fail_code(TK_ERR_INVALID, "invalid_rules", "rules.stamp must be \"visible\", \"invisible\" or \"any\"");
			goto out;
		}
		if (json_object_set_new(canon, "stamp", json_string(s)) != 0)
			goto nomem;
	}
	if ((v = json_object_get(rules, "units")) != NULL) {
		if ((rc = string_set(v, "units", NULL, 0, POLICY_MAX_UNITS, &set)) != TK_OK || json_object_set_new(canon, "units", set) != 0)
			goto out;
		if (json_array_size(v) == 1 && strcmp(json_string_value(json_array_get(v, 0)), ACTOR_ALL_UNITS) == 0) {
			rc = tk_fail_code(TK_ERR_INVALID, "invalid_rules", "rules.units names units; leave it out to admit every unit of the key");
			goto out;
		}
	}
	if ((v = json_object_get(rules, "kinds")) != NULL) {
		if ((rc = string_set(v, "kinds", kinds_known, 2, 2, &set)) != TK_OK || json_object_set_new(canon, "kinds", set) != 0)
			goto out;
	}
	rc = svc_json_dump(json_incref(canon), out);
	if (rc == TK_OK && strlen(*out) > POLICY_MAX_RULES) {
		free(*out);
		*out = NULL;
		rc = tk_fail_code(TK_ERR_LIMIT, "too_long", "rules are longer than %u bytes", POLICY_MAX_RULES);
	}
	goto out;
nomem:
	rc = tk_fail(TK_ERR_NOMEM, "out of memory");
out:
	json_decref(canon);
	return rc;
}

/* Does the array hold s? */
static int arr_has(json_t *a, const char *s)
{
	json_t *e;
	size_t i;

	json_array_foreach (a, i, e)
		if (json_is_string(e) && strcmp(json_string_value(e), s) == 0)
			return 1;
	return 0;
}

/* "B-T, B-LT" of a string array, for messages. */
static void arr_text(json_t *a, char *out, size_t cap)
{
	json_t *e;
	size_t i, n = 0;

	out[0] = '\0';
	json_array_foreach (a, i, e) {
		const char *s = json_string_value(e);
		size_t l = s ? strlen(s) : 0;
		if (n + l + 3 >= cap)
			break;
		if (n > 0) {
			memcpy(out + n, ", ", 2);
			n += 2;
		}
		memcpy(out + n, s, l);
		n += l;
		out[n] = '\0';
	}
}

/* One published policy against the request. */
static enum tk_err check_one(const struct svc_ctx *c, const char *name, int64_t version, const char *rules_txt, const struct policy_sign_req *r)
{
	json_error_t jerr;
	json_t *rules = json_loads(rules_txt, 0, &jerr), *v;
	char allowed[600];
	enum tk_err rc = TK_OK;

	if (rules == NULL || !json_is_object(rules)) {
		/* Stored by policy_draft() after policy_rules_canon(): refuse rather than sign unchecked. */
		json_decref(rules);
		return tk_fail_code(TK_ERR_INTERNAL, "policy_unreadable", "signing policy '%s' version %lld: its rules cannot be read", name, (long long)version);
	}
	if ((v = json_object_get(rules, "kinds")) != NULL && !arr_has(v, r->cades ? "cades" : "pades")) {
		arr_text(v, allowed, sizeof(allowed));
		rc = tk_fail_code(TK_ERR_DENIED, "policy_kind", "signing policy '%s' version %lld (rule kinds) allows %s; this request is %s", name,
		    (long long)version, allowed, r->cades ? "cades" : "pades");
	} else if ((v = json_object_get(rules, "levels")) != NULL && !arr_has(v, r->level)) {
		arr_text(v, allowed, sizeof(allowed));
		rc = tk_fail_code(TK_ERR_DENIED, "policy_level", "signing policy '%s' version %lld (rule levels) allows %s; this request asks %s", name,
		    (long long)version, allowed, r->level);
	} else if (!r->cades && (v = json_object_get(rules, "stamp")) != NULL && strcmp(json_string_value(v), "any") != 0 &&
		   (strcmp(json_string_value(v), "visible") == 0) != (r->visible != 0)) {
		rc = tk_fail_code(TK_ERR_DENIED, "policy_stamp", "signing policy '%s' version %lld (rule stamp) requires a %s signature; this request is %s",
		    name, (long long)version, json_string_value(v), r->visible ? "visible" : "invisible");
	} else if ((v = json_object_get(rules, "units")) != NULL) {
		/* The unit the request acts for: the one it names, else the key's only unit. */
		const char *unit = r->unit;
		if (unit == NULL && c->actor.units[0] != '\0' && strchr(c->actor.units, ',') == NULL && strcmp(c->actor.units, ACTOR_ALL_UNITS) != 0)
			unit = c->actor.units;
		arr_text(v, allowed, sizeof(allowed));
		if (unit == NULL)
			rc = tk_fail_code(TK_ERR_DENIED, "policy_unit", "signing policy '%s' version %lld (rule units) allows units %s; name the unit of the request",
			    name, (long long)version, allowed);
		else if (!arr_has(v, unit))
			rc = tk_fail_code(TK_ERR_DENIED, "policy_unit", "signing policy '%s' version %lld (rule units) allows units %s; this request is for '%s'",
			    name, (long long)version, allowed, unit);
	}
	json_decref(rules);
	return rc;
}

enum tk_err policy_check_signing(struct svc_ctx *c, const struct policy_sign_req *r)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	if (c->actor.kind != ACTOR_APPLICATION)
		return TK_OK;
	if ((rc = store_prepare(c->st, "SELECT name, version, rules FROM policies WHERE kind = 'signing' AND state = 'published' AND application = ?"
				       " ORDER BY name",
		 &s)) != TK_OK ||
	    (rc = store_bind_text(s, 1, c->actor.user)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		if ((rc = check_one(c, store_col_text(s, 0), store_col_i64(s, 1), store_col_text(s, 2), r)) != TK_OK)
			break;
	}
out:
	store_finalize(s);
	return rc;
}

/* ------------------------------------------------------------ reading */

#define POLICY_COLS "id, name, version, kind, application, title, state, created_by, created_at, approved_by, approved_at, published_by," \
		    " published_at, updated_at, withdraw_requested_by"

static json_t *int_or_null(struct store_stmt *s, int col)
{
	return store_col_null(s, col) ? json_null() : json_integer(store_col_i64(s, col));
}

static json_t *text_or_null(struct store_stmt *s, int col)
{
	return store_col_null(s, col) ? json_null() : json_string(store_col_text(s, col));
}

static json_t *policy_row(struct store_stmt *s)
{
	return json_pack("{s:I, s:s, s:I, s:s, s:o, s:s, s:s, s:s, s:I, s:o, s:o, s:o, s:o, s:I, s:o}", "id", (json_int_t)store_col_i64(s, 0), "name",
	    store_col_text(s, 1), "version", (json_int_t)store_col_i64(s, 2), "kind", store_col_text(s, 3), "application", text_or_null(s, 4),
	    "title", store_col_text(s, 5), "state", store_col_text(s, 6), "created_by", store_col_text(s, 7), "created_at",
	    (json_int_t)store_col_i64(s, 8), "approved_by", text_or_null(s, 9), "approved_at", int_or_null(s, 10), "published_by",
	    text_or_null(s, 11), "published_at", int_or_null(s, 12), "updated_at", (json_int_t)store_col_i64(s, 13), "withdraw_requested_by",
	    text_or_null(s, 14));
}

enum tk_err policy_list(struct svc_ctx *c, char **out)
{
	struct store_stmt *s = NULL;
	json_t *arr;
	int row = 0;
	enum tk_err rc;

	if ((rc = pol_read_allowed(c, "internal policies")) != TK_OK)
		return rc;
	if ((arr = json_array()) == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	if ((rc = store_prepare(c->st, "SELECT " POLICY_COLS ", (SELECT COUNT(*) FROM policy_comments m WHERE m.policy_id = p.id)"
				       " FROM policies p ORDER BY name, version DESC LIMIT 500",
		 &s)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		json_t *o = policy_row(s);
		if (o == NULL || json_object_set_new(o, "comments", json_integer(store_col_i64(s, 15))) != 0 || json_array_append_new(arr, o) != 0) {
			rc = tk_fail(TK_ERR_NOMEM, "out of memory");
			break;
		}
	}
	if (rc == TK_OK)
		rc = svc_json_dump(json_incref(arr), out);
out:
	store_finalize(s);
	json_decref(arr);
	return rc;
}

/* The version as JSON: record, body, rules, comments, the versions of its name. */
static enum tk_err policy_json(struct svc_ctx *c, int64_t id, json_t **out)
{
	struct store_stmt *s = NULL;
	json_t *o = NULL, *comments = NULL, *versions = NULL;
	char name[POLICY_MAX_TITLE + 1];
	int row = 0;
	enum tk_err rc;

	*out = NULL;
	if ((rc = store_prepare(c->st, "SELECT " POLICY_COLS ", body, rules FROM policies WHERE id = ?", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_policy", "no policy version %lld", (long long)id);
		goto out;
	}
	if ((o = policy_row(s)) == NULL || json_object_set_new(o, "body", json_string(store_col_text(s, 15))) != 0)
		goto nomem;
	{
		json_t *rules = store_col_null(s, 16) ? json_null() : json_loads(store_col_text(s, 16), 0, NULL);
		if (rules == NULL || json_object_set_new(o, "rules", rules) != 0)
			goto nomem;
	}
	if ((rc = str_copy(name, sizeof(name), store_col_text(s, 1))) != TK_OK)
		goto out;
	store_finalize(s);
	s = NULL;
	if ((comments = json_array()) == NULL || (versions = json_array()) == NULL)
		goto nomem;
	if ((rc = store_prepare(c->st, "SELECT id, author, author_role, body, at FROM policy_comments WHERE policy_id = ? ORDER BY id", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, id)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		json_t *m = json_pack("{s:I, s:s, s:s, s:s, s:I}", "id", (json_int_t)store_col_i64(s, 0), "author", store_col_text(s, 1), "author_role",
		    store_col_text(s, 2), "body", store_col_text(s, 3), "at", (json_int_t)store_col_i64(s, 4));
		if (m == NULL || json_array_append_new(comments, m) != 0)
			goto nomem;
	}
	if (rc != TK_OK)
		goto out;
	store_finalize(s);
	s = NULL;
	if ((rc = store_prepare(c->st, "SELECT id, version, state, created_at, published_at FROM policies WHERE name = ? ORDER BY version DESC", &s)) != TK_OK ||
	    (rc = store_bind_text(s, 1, name)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		json_t *m = json_pack("{s:I, s:I, s:s, s:I, s:o}", "id", (json_int_t)store_col_i64(s, 0), "version", (json_int_t)store_col_i64(s, 1),
		    "state", store_col_text(s, 2), "created_at", (json_int_t)store_col_i64(s, 3), "published_at", int_or_null(s, 4));
		if (m == NULL || json_array_append_new(versions, m) != 0)
			goto nomem;
	}
	if (rc != TK_OK)
		goto out;
	if (json_object_set(o, "comments", comments) != 0 || json_object_set(o, "versions", versions) != 0)
		goto nomem;
	*out = json_incref(o);
	goto out;
nomem:
	rc = tk_fail(TK_ERR_NOMEM, "out of memory");
out:
	store_finalize(s);
	json_decref(o);
	json_decref(comments);
	json_decref(versions);
	return rc;
}

enum tk_err policy_get(struct svc_ctx *c, int64_t id, char **out)
{
	json_t *o = NULL;
	enum tk_err rc;

	if ((rc = pol_read_allowed(c, "internal policies")) != TK_OK || (rc = policy_json(c, id, &o)) != TK_OK)
		return rc;
	return svc_json_dump(o, out);
}

enum tk_err policy_mine(struct svc_ctx *c, char **out)
{
	struct store_stmt *s = NULL;
	json_t *arr;
	int row = 0;
	enum tk_err rc;

	if (c->actor.kind != ACTOR_APPLICATION)
		return tk_fail_code(TK_ERR_DENIED, "forbidden", "the signing policy of an application is read with its API key");
	if ((arr = json_array()) == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	if ((rc = store_prepare(c->st, "SELECT name, version, title, rules, published_at FROM policies WHERE kind = 'signing' AND state = 'published'"
				       " AND application = ? ORDER BY name",
		 &s)) != TK_OK ||
	    (rc = store_bind_text(s, 1, c->actor.user)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		json_t *rules = json_loads(store_col_text(s, 3), 0, NULL);
		json_t *o = rules == NULL ? NULL
					  : json_pack("{s:s, s:I, s:s, s:o, s:I}", "name", store_col_text(s, 0), "version", (json_int_t)store_col_i64(s, 1),
						"title", store_col_text(s, 2), "rules", rules, "published_at", (json_int_t)store_col_i64(s, 4));
		if (o == NULL || json_array_append_new(arr, o) != 0) {
			rc = tk_fail(TK_ERR_NOMEM, "out of memory");
			break;
		}
	}
	if (rc == TK_OK)
		rc = svc_json_dump(json_pack("{s:s, s:O}", "application", c->actor.user, "policies", arr), out);
out:
	store_finalize(s);
	json_decref(arr);
	return rc;
}

/* ------------------------------------------------------------ drafting */

/* A policy name: 1..64 of [a-z0-9._-], starting with a letter or digit (it is quoted in errors and URLs of people's notes). */
static enum tk_err name_ok(const char *n)
{
	size_t i, l = strlen(n);

	if (l == 0 || l > 64)
		return tk_fail_code(TK_ERR_INVALID, "invalid_name", "name must be 1 to 64 characters of a-z, 0-9, '.', '_' or '-'");
	for (i = 0; i < l; i++) {
		char ch = n[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || (i > 0 && (ch == '.' || ch == '_' || ch == '-'))))
			return tk_fail_code(TK_ERR_INVALID, "invalid_name", "name must be 1 to 64 characters of a-z, 0-9, '.', '_' or '-' (starting with a letter or digit)");
	}
	return TK_OK;
}

struct draft_in {
	const char *name, *kind, *title, *body, *application;
	char *rules; /* canonical text, owned; NULL: none given */
	int rules_given, app_given;
	int64_t id;
};

static enum tk_err draft_parse(json_t *in, int create, struct draft_in *d)
{
	json_t *r;
	enum tk_err rc;

	memset(d, 0, sizeof(*d));
	if (!json_is_object(in))
		return tk_fail_code(TK_ERR_INVALID, "invalid_body", "expected a JSON object");
	if (create && ((rc = svc_json_str(in, "name", 1, 64, &d->name)) != TK_OK || (rc = name_ok(d->name)) != TK_OK ||
			  (rc = svc_json_str(in, "kind", 1, 16, &d->kind)) != TK_OK))
		return rc;
	if (create && strcmp(d->kind, "signing") != 0 && strcmp(d->kind, "security") != 0 && strcmp(d->kind, "other") != 0)
		return tk_fail_code(TK_ERR_INVALID, "invalid_kind", "kind must be signing, security or other");
	if ((rc = svc_json_str(in, "title", create, POLICY_MAX_TITLE, &d->title)) != TK_OK ||
	    (rc = svc_json_str(in, "body", create, POLICY_MAX_TEXT, &d->body)) != TK_OK ||
	    (rc = svc_json_str(in, "application", 0, POLICY_MAX_TITLE, &d->application)) != TK_OK)
		return rc;
	if (!create && (d->title != NULL && d->title[0] == '\0'))
		return tk_fail_code(TK_ERR_INVALID, "missing_field", "title must not be empty");
	d->app_given = json_object_get(in, "application") != NULL;
	if (d->application != NULL && d->application[0] == '\0')
		d->application = NULL;
	r = json_object_get(in, "rules");
	d->rules_given = r != NULL;
	if (r != NULL && !json_is_null(r) && (rc = policy_rules_canon(r, &d->rules)) != TK_OK)
		return rc;
	return TK_OK;
}

/* A signing policy names its application and has rules; other kinds have neither. */
static enum tk_err kind_consistent(const char *kind, const char *application, const char *rules)
{
	if (strcmp(kind, "signing") == 0) {
		if (application == NULL)
			return tk_fail_code(TK_ERR_INVALID, "missing_field", "a signing policy names its application (the API key name)");
		if (rules == NULL)
			return tk_fail_code(TK_ERR_INVALID, "missing_field", "a signing policy carries rules {levels, stamp, units, kinds}");
		return TK_OK;
	}
	if (application != NULL || rules != NULL)
		return tk_fail_code(TK_ERR_INVALID, "invalid_field", "only a signing policy names an application and carries rules");
	return TK_OK;
}

static enum tk_err draft_tx(struct svc_ctx *c, void *arg)
{
	struct draft_in *d = arg;
	struct store_stmt *s = NULL;
	int64_t version = 0, now = tk_now();
	int row = 0;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "SELECT COALESCE(MAX(version), 0), MIN(kind), MAX(kind) FROM policies WHERE name = ?", &s)) != TK_OK ||
	    (rc = store_bind_text(s, 1, d->name)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	version = row ? store_col_i64(s, 0) + 1 : 1;
	if (row && !store_col_null(s, 1) && strcmp(store_col_text(s, 1), d->kind) != 0) {
		rc = tk_fail_code(TK_ERR_CONFLICT, "kind_mismatch", "policy '%s' is a %s policy; a new version keeps its kind", d->name, store_col_text(s, 1));
		goto out;
	}
	store_finalize(s);
	s = NULL;
	{
		int64_t pending = 0;
		if ((rc = store_query_i64(c->st, "SELECT COUNT(*) FROM policies WHERE name = ? AND state IN ('draft','approved')", d->name, &pending)) != TK_OK)
			goto out;
		if (pending > 0) {
			rc = tk_fail_code(TK_ERR_CONFLICT, "draft_pending", "policy '%s' has a version in draft or approved already: finish or edit that one",
			    d->name);
			goto out;
		}
	}
	if ((rc = store_prepare(c->st, "INSERT INTO policies (name, version, kind, application, title, body, rules, created_by, created_at, updated_at)"
				       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
		 &s)) != TK_OK ||
	    (rc = store_bind_text(s, 1, d->name)) != TK_OK || (rc = store_bind_i64(s, 2, version)) != TK_OK ||
	    (rc = store_bind_text(s, 3, d->kind)) != TK_OK ||
	    (rc = d->application ? store_bind_text(s, 4, d->application) : store_bind_null(s, 4)) != TK_OK ||
	    (rc = store_bind_text(s, 5, d->title)) != TK_OK || (rc = store_bind_text(s, 6, d->body)) != TK_OK ||
	    (rc = d->rules ? store_bind_text(s, 7, d->rules) : store_bind_null(s, 7)) != TK_OK || (rc = store_bind_text(s, 8, c->actor.user)) != TK_OK ||
	    (rc = store_bind_i64(s, 9, now)) != TK_OK || (rc = store_bind_i64(s, 10, now)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail(TK_ERR_STORE, "policy: insert returned no id");
		goto out;
	}
	d->id = store_col_i64(s, 0);
	rc = pol_audit(c, "policy.draft", "policy", d->id,
	    json_pack("{s:s, s:I, s:s, s:s?, s:s?}", "name", d->name, "version", (json_int_t)version, "kind", d->kind, "application", d->application,
		"rules", d->rules));
out:
	store_finalize(s);
	return rc;
}

enum tk_err policy_draft(struct svc_ctx *c, json_t *in, char **out)
{
	struct draft_in d;
	enum tk_err rc;

	if ((rc = admin_only(c, "drafting an internal policy")) != TK_OK)
		return rc;
	if ((rc = draft_parse(in, 1, &d)) == TK_OK && (rc = kind_consistent(d.kind, d.application, d.rules)) == TK_OK &&
	    (rc = svc_in_tx(c, draft_tx, &d)) == TK_OK)
		rc = policy_get(c, d.id, out);
	free(d.rules);
	return rc;
}

/* State, kind, application, rules and drafter of a version. */
struct pol_row {
	char state[16], kind[16], name[72];
	char application[POLICY_MAX_TITLE + 1];
	char created_by[64], withdraw_requested_by[64];
	int64_t version;
	int has_app, has_rules;
};

static enum tk_err load_row(struct svc_ctx *c, int64_t id, struct pol_row *p)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	memset(p, 0, sizeof(*p));
	if ((rc = store_prepare(c->st, "SELECT state, kind, name, application, created_by, version, rules, withdraw_requested_by FROM policies WHERE id = ?", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_policy", "no policy version %lld", (long long)id);
		goto out;
	}
	p->has_app = !store_col_null(s, 3);
	p->has_rules = !store_col_null(s, 6);
	p->version = store_col_i64(s, 5);
	if ((rc = str_copy(p->state, sizeof(p->state), store_col_text(s, 0))) != TK_OK ||
	    (rc = str_copy(p->kind, sizeof(p->kind), store_col_text(s, 1))) != TK_OK ||
	    (rc = str_copy(p->name, sizeof(p->name), store_col_text(s, 2))) != TK_OK ||
	    (rc = str_copy(p->application, sizeof(p->application), store_col_text(s, 3))) != TK_OK)
		goto out;
	if ((rc = str_copy(p->created_by, sizeof(p->created_by), store_col_text(s, 4))) != TK_OK)
		goto out;
	rc = str_copy(p->withdraw_requested_by, sizeof(p->withdraw_requested_by), store_col_text(s, 7));
out:
	store_finalize(s);
	return rc;
}

static enum tk_err update_tx(struct svc_ctx *c, void *arg)
{
	struct draft_in *d = arg;
	struct store_stmt *s = NULL;
	struct pol_row p;
	json_t *changed = NULL;
	int row;
	enum tk_err rc;

	if ((rc = load_row(c, d->id, &p)) != TK_OK)
		return rc;
	if (strcmp(p.state, "draft") != 0)
		return tk_fail_code(TK_ERR_CONFLICT, "policy_state", "policy '%s' version %lld is %s: only a draft changes", p.name, (long long)p.version, p.state);
	/* Only its drafter edits a draft; others comment. Otherwise a second admin
	 * could rewrite the rules and then approve them alone (four eyes). */
	if (c->actor.kind != ACTOR_OPERATOR && strcmp(p.created_by, c->actor.user) != 0)
		return tk_fail_code(TK_ERR_DENIED, "not_drafter", "only %s, who drafted policy '%s' version %lld, edits it; comment instead", p.created_by, p.name,
		    (long long)p.version);
	/* The kind's consistency on what the row will hold. */
	{
		const char *app = d->app_given ? d->application : (p.has_app ? p.application : NULL);
		const char *rules = d->rules_given ? d->rules : (p.has_rules ? "" : NULL);
		if ((rc = kind_consistent(p.kind, app, rules)) != TK_OK)
			return rc;
	}
	if (d->title == NULL && d->body == NULL && !d->app_given && !d->rules_given)
		return tk_fail_code(TK_ERR_INVALID, "nothing_to_change", "give title, body, application or rules");
	if ((rc = store_prepare(c->st, "UPDATE policies SET title = COALESCE(?, title), body = COALESCE(?, body),"
				       " application = CASE WHEN ? = 1 THEN ? ELSE application END, rules = CASE WHEN ? = 1 THEN ? ELSE rules END, updated_at = ? WHERE id = ?",
		 &s)) != TK_OK ||
	    (rc = d->title ? store_bind_text(s, 1, d->title) : store_bind_null(s, 1)) != TK_OK ||
	    (rc = d->body ? store_bind_text(s, 2, d->body) : store_bind_null(s, 2)) != TK_OK || (rc = store_bind_i64(s, 3, d->app_given)) != TK_OK ||
	    (rc = d->application ? store_bind_text(s, 4, d->application) : store_bind_null(s, 4)) != TK_OK ||
	    (rc = store_bind_i64(s, 5, d->rules_given)) != TK_OK || (rc = d->rules ? store_bind_text(s, 6, d->rules) : store_bind_null(s, 6)) != TK_OK ||
	    (rc = store_bind_i64(s, 7, tk_now())) != TK_OK || (rc = store_bind_i64(s, 8, d->id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	changed = json_pack("{s:s, s:I, s:b, s:b, s:s?, s:s?}", "name", p.name, "version", (json_int_t)p.version, "title", d->title != NULL, "body",
	    d->body != NULL, "application", d->application, "rules", d->rules);
	rc = pol_audit(c, "policy.update", "policy", d->id, changed);
out:
	store_finalize(s);
	return rc;
}

enum tk_err policy_update(struct svc_ctx *c, int64_t id, json_t *in, char **out)
{
	struct draft_in d;
	enum tk_err rc;

	if ((rc = admin_only(c, "editing an internal policy")) != TK_OK)
		return rc;
	if ((rc = draft_parse(in, 0, &d)) == TK_OK) {
		d.id = id;
		if ((rc = svc_in_tx(c, update_tx, &d)) == TK_OK)
			rc = policy_get(c, id, out);
	}
	free(d.rules);
	return rc;
}

struct comment_arg {
	int64_t id;
	const char *body;
};

static enum tk_err comment_tx(struct svc_ctx *c, void *arg)
{
	struct comment_arg *a = arg;
	struct store_stmt *s = NULL;
	struct pol_row p;
	char idtxt[24];
	int64_t n = 0, cid;
	int row = 0;
	enum tk_err rc;

	if ((rc = load_row(c, a->id, &p)) != TK_OK)
		return rc;
	if (strcmp(p.state, "superseded") == 0 || strcmp(p.state, "withdrawn") == 0)
		return tk_fail_code(TK_ERR_CONFLICT, "policy_state", "policy '%s' version %lld is %s: comment on its current version", p.name,
		    (long long)p.version, p.state);
	if ((rc = str_fmt(idtxt, sizeof(idtxt), "%lld", (long long)a->id)) != TK_OK ||
	    (rc = store_query_i64(c->st, "SELECT COUNT(*) FROM policy_comments WHERE policy_id = CAST(? AS INTEGER)", idtxt, &n)) != TK_OK)
		return rc;
	if (n >= POLICY_MAX_COMMENTS)
		return tk_fail_code(TK_ERR_LIMIT, "too_many_comments", "a policy version has at most %u comments", POLICY_MAX_COMMENTS);
	if ((rc = store_prepare(c->st, "INSERT INTO policy_comments (policy_id, author, author_role, body, at) VALUES (?, ?, ?, ?, ?) RETURNING id", &s)) !=
		TK_OK ||
	    (rc = store_bind_i64(s, 1, a->id)) != TK_OK || (rc = store_bind_text(s, 2, c->actor.user)) != TK_OK ||
	    (rc = store_bind_text(s, 3, c->actor.kind == ACTOR_OPERATOR ? "operator" : c->actor.role)) != TK_OK ||
	    (rc = store_bind_text(s, 4, a->body)) != TK_OK || (rc = store_bind_i64(s, 5, tk_now())) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	cid = row ? store_col_i64(s, 0) : 0;
	rc = pol_audit(c, "policy.comment", "policy", a->id,
	    json_pack("{s:s, s:I, s:I, s:s}", "name", p.name, "version", (json_int_t)p.version, "comment", (json_int_t)cid, "role",
		c->actor.kind == ACTOR_OPERATOR ? "operator" : c->actor.role));
out:
	store_finalize(s);
	return rc;
}

enum tk_err policy_comment(struct svc_ctx *c, int64_t id, json_t *in, char **out)
{
	struct comment_arg a = { id, NULL };
	enum tk_err rc;

	if ((rc = pol_read_allowed(c, "comments on internal policies")) != TK_OK)
		return rc;
	if (!json_is_object(in))
		return tk_fail_code(TK_ERR_INVALID, "invalid_body", "expected a JSON object {body}");
	if ((rc = svc_json_str(in, "body", 1, POLICY_MAX_TEXT, &a.body)) != TK_OK || (rc = svc_in_tx(c, comment_tx, &a)) != TK_OK)
		return rc;
	return policy_get(c, id, out);
}

enum { STEP_APPROVE,
	STEP_PUBLISH,
	STEP_WITHDRAW };

struct step_arg {
	int64_t id;
	int step;
};

static enum tk_err step_tx(struct svc_ctx *c, void *arg)
{
	struct step_arg *a = arg;
	struct store_stmt *s = NULL;
	struct pol_row p;
	int64_t now = tk_now(), superseded = 0;
	int row = 0;
	enum tk_err rc;

	if ((rc = load_row(c, a->id, &p)) != TK_OK)
		return rc;
	if (a->step == STEP_WITHDRAW) {
		/* A draft or approved version abandoned, or a published one no longer in force (nothing replaces it). */
		if (strcmp(p.state, "draft") != 0 && strcmp(p.state, "approved") != 0 && strcmp(p.state, "published") != 0)
			return tk_fail_code(TK_ERR_CONFLICT, "policy_state", "policy '%s' version %lld is %s: nothing to withdraw", p.name, (long long)p.version,
			    p.state);
		/* A published version binds applications: lifting it takes two admins
		 * (or the operator), like publishing it did. The first one's call is recorded. */
		if (strcmp(p.state, "published") == 0 && c->actor.kind != ACTOR_OPERATOR &&
		    (p.withdraw_requested_by[0] == '\0' || strcmp(p.withdraw_requested_by, c->actor.user) == 0)) {
			if ((rc = store_prepare(c->st, "UPDATE policies SET withdraw_requested_by = ?, updated_at = ? WHERE id = ?", &s)) != TK_OK ||
			    (rc = store_bind_text(s, 1, c->actor.user)) != TK_OK || (rc = store_bind_i64(s, 2, now)) != TK_OK ||
			    (rc = store_bind_i64(s, 3, a->id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
				goto out;
			rc = pol_audit(c, "policy.withdraw_request", "policy", a->id,
			    json_pack("{s:s, s:I, s:s?}", "name", p.name, "version", (json_int_t)p.version, "application", p.has_app ? p.application : NULL));
			goto out;
		}
		if ((rc = store_prepare(c->st, "UPDATE policies SET state = 'withdrawn', updated_at = ? WHERE id = ?", &s)) != TK_OK ||
		    (rc = store_bind_i64(s, 1, now)) != TK_OK || (rc = store_bind_i64(s, 2, a->id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
			goto out;
		rc = pol_audit(c, "policy.withdraw", "policy", a->id,
		    json_pack("{s:s, s:I, s:s, s:s?}", "name", p.name, "version", (json_int_t)p.version, "from", p.state, "application",
			p.has_app ? p.application : NULL));
		goto out;
	}
	if (strcmp(p.state, a->step == STEP_APPROVE ? "draft" : "approved") != 0)
		return tk_fail_code(TK_ERR_CONFLICT, "policy_state", "policy '%s' version %lld is %s; %s needs it %s", p.name, (long long)p.version, p.state,
		    a->step == STEP_APPROVE ? "approving" : "publishing", a->step == STEP_APPROVE ? "draft" : "approved");
	if (a->step == STEP_APPROVE && strcmp(p.created_by, c->actor.user) == 0)
		return tk_fail_code(TK_ERR_DENIED, "four_eyes", "another admin approves policy '%s' version %lld than the one who drafted it", p.name,
		    (long long)p.version);
	if (a->step == STEP_PUBLISH) {
		/* The published version of this name, if any, is superseded first (one published per name). */
		if ((rc = store_prepare(c->st, "SELECT version FROM policies WHERE name = ? AND state = 'published'", &s)) != TK_OK ||
		    (rc = store_bind_text(s, 1, p.name)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
			goto out;
		superseded = row ? store_col_i64(s, 0) : 0;
		store_finalize(s);
		s = NULL;
		if ((rc = store_prepare(c->st, "UPDATE policies SET state = 'superseded', updated_at = ? WHERE name = ? AND state = 'published'", &s)) !=
			TK_OK ||
		    (rc = store_bind_i64(s, 1, now)) != TK_OK || (rc = store_bind_text(s, 2, p.name)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
			goto out;
		store_finalize(s);
		s = NULL;
		rc = store_prepare(c->st, "UPDATE policies SET state = 'published', published_by = ?, published_at = ?, updated_at = ? WHERE id = ?", &s);
	} else
		rc = store_prepare(c->st, "UPDATE policies SET state = 'approved', approved_by = ?, approved_at = ?, updated_at = ? WHERE id = ?", &s);
	if (rc != TK_OK || (rc = store_bind_text(s, 1, c->actor.user)) != TK_OK || (rc = store_bind_i64(s, 2, now)) != TK_OK ||
	    (rc = store_bind_i64(s, 3, now)) != TK_OK || (rc = store_bind_i64(s, 4, a->id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	rc = pol_audit(c, a->step == STEP_APPROVE ? "policy.approve" : "policy.publish", "policy", a->id,
	    json_pack("{s:s, s:I, s:s?, s:o}", "name", p.name, "version", (json_int_t)p.version, "application", p.has_app ? p.application : NULL,
		"supersedes", superseded > 0 ? json_integer(superseded) : json_null()));
out:
	store_finalize(s);
	return rc;
}

enum tk_err policy_approve(struct svc_ctx *c, int64_t id, char **out)
{
	struct step_arg a = { id, STEP_APPROVE };
	enum tk_err rc;

	if ((rc = admin_only(c, "approving an internal policy")) != TK_OK || (rc = svc_in_tx(c, step_tx, &a)) != TK_OK)
		return rc;
	return policy_get(c, id, out);
}

enum tk_err policy_publish(struct svc_ctx *c, int64_t id, char **out)
{
	struct step_arg a = { id, STEP_PUBLISH };
	enum tk_err rc;

	if ((rc = admin_only(c, "publishing an internal policy")) != TK_OK || (rc = svc_in_tx(c, step_tx, &a)) != TK_OK)
		return rc;
	return policy_get(c, id, out);
}

enum tk_err policy_withdraw(struct svc_ctx *c, int64_t id, char **out)
{
	struct step_arg a = { id, STEP_WITHDRAW };
	enum tk_err rc;

	if ((rc = admin_only(c, "withdrawing an internal policy")) != TK_OK || (rc = svc_in_tx(c, step_tx, &a)) != TK_OK)
		return rc;
	return policy_get(c, id, out);
}

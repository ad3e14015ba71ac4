/*
 * The public /literasi page's text (R14, docs/literacy.md "The page"):
 * versions of an Indonesian and an English body, newest wins. The text is
 * a small Markdown subset the browser renders into DOM nodes (never HTML);
 * here it is only checked to be text of a bounded size.
 */
#include "svc/literacy/literacy.h"
#include "svc/literacy/literacy_int.h"

#include "svc/audit/audit.h"
#include "svc/base/base_int.h"
#include "crypto/crypto.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

static enum tk_err admins_only(const struct svc_ctx *c)
{
	if (c->actor.kind == ACTOR_OPERATOR || (c->actor.kind == ACTOR_PERSON && strcmp(c->actor.role, "admin") == 0))
		return TK_OK;
	return tk_fail_code(TK_ERR_DENIED, "forbidden", "the literacy page text is edited by the ministry's admins");
}

/* Control characters other than tab, newline and carriage return have no place in the page text. */
static enum tk_err text_ok(const char *s, const char *key)
{
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;
		if ((ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r') || ch == 0x7f)
			return tk_fail_code(TK_ERR_INVALID, "invalid_field", "%s holds a control character", key);
	}
	return TK_OK;
}

/* The current version as JSON ({version 0, builtin} when none); with_editor adds edited_by. */
static enum tk_err current_json(struct svc_ctx *c, int with_editor, json_t **out)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	*out = NULL;
	if ((rc = store_prepare(c->st, "SELECT version, body_id, body_en, edited_by, edited_at FROM literacy_pages ORDER BY version DESC LIMIT 1", &s)) !=
		TK_OK ||
	    (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row)
		*out = json_pack("{s:i, s:b, s:s, s:s, s:n}", "version", 0, "builtin", 1, "body_id", "", "body_en", "", "edited_at");
	else
		*out = json_pack("{s:I, s:b, s:s, s:s, s:I}", "version", (json_int_t)store_col_i64(s, 0), "builtin", 0, "body_id", store_col_text(s, 1),
		    "body_en", store_col_text(s, 2), "edited_at", (json_int_t)store_col_i64(s, 4));
	if (*out == NULL)
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
	else if (row && with_editor && json_object_set_new(*out, "edited_by", json_string(store_col_text(s, 3))) != 0)
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
out:
	store_finalize(s);
	return rc;
}

enum tk_err literacy_get(struct svc_ctx *c, char **out)
{
	json_t *o = NULL;
	enum tk_err rc;

	if ((rc = current_json(c, 0, &o)) != TK_OK)
		return rc;
	return svc_json_dump(o, out);
}

struct set_arg {
	const char *body_id, *body_en;
	int64_t version;
};

static enum tk_err set_tx(struct svc_ctx *c, void *arg)
{
	struct set_arg *a = arg;
	struct store_stmt *s = NULL;
	json_t *cur = NULL;
	char *bid = NULL, *ben = NULL, obj[48], *d = NULL, hid[65], hen[65];
	int row = 0;
	enum tk_err rc;

	/* A language left out keeps the current text: `teken literasi set --lang en` changes English only. */
	if ((rc = current_json(c, 0, &cur)) != TK_OK)
		goto out;
	if ((bid = strdup(a->body_id ? a->body_id : json_string_value(json_object_get(cur, "body_id")))) == NULL ||
	    (ben = strdup(a->body_en ? a->body_en : json_string_value(json_object_get(cur, "body_en")))) == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (bid[0] == '\0' && ben[0] == '\0') {
		rc = tk_fail_code(TK_ERR_INVALID, "missing_field", "body_id or body_en must hold the page text");
		goto out;
	}
	a->version = json_integer_value(json_object_get(cur, "version")) + 1;
	if ((rc = store_prepare(c->st, "INSERT INTO literacy_pages (version, body_id, body_en, edited_by, edited_at) VALUES (?, ?, ?, ?, ?)", &s)) !=
		TK_OK ||
	    (rc = store_bind_i64(s, 1, a->version)) != TK_OK || (rc = store_bind_text(s, 2, bid)) != TK_OK || (rc = store_bind_text(s, 3, ben)) != TK_OK ||
	    (rc = store_bind_text(s, 4, c->actor.user)) != TK_OK || (rc = store_bind_i64(s, 5, tk_now())) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	sha256_hex(bid, strlen(bid), hid);
	sha256_hex(ben, strlen(ben), hen);
	if ((rc = str_fmt(obj, sizeof(obj), "literasi:%lld", (long long)a->version)) != TK_OK ||
	    (rc = svc_json_dump(json_pack("{s:I, s:s, s:s, s:b, s:b}", "version", (json_int_t)a->version, "sha256_id", hid, "sha256_en", hen,
				    "changed_id", a->body_id != NULL, "changed_en", a->body_en != NULL),
		 &d)) != TK_OK)
		goto out;
	rc = audit_append(c, "literasi.edit", obj, d);
out:
	store_finalize(s);
	json_decref(cur);
	free(bid);
	free(ben);
	free(d);
	return rc;
}

enum tk_err literacy_set(struct svc_ctx *c, json_t *in, char **out)
{
	struct set_arg a;
	json_t *o = NULL;
	enum tk_err rc;

	if ((rc = admins_only(c)) != TK_OK)
		return rc;
	if (!json_is_object(in))
		return tk_fail_code(TK_ERR_INVALID, "invalid_body", "expected a JSON object");
	memset(&a, 0, sizeof(a));
	if ((rc = svc_json_str(in, "body_id", 0, LITERACY_MAX_TEXT, &a.body_id)) != TK_OK ||
	    (rc = svc_json_str(in, "body_en", 0, LITERACY_MAX_TEXT, &a.body_en)) != TK_OK)
		return rc;
	if (a.body_id == NULL && a.body_en == NULL)
		return tk_fail_code(TK_ERR_INVALID, "missing_field", "give body_id, body_en or both");
	if ((a.body_id != NULL && (rc = text_ok(a.body_id, "body_id")) != TK_OK) || (a.body_en != NULL && (rc = text_ok(a.body_en, "body_en")) != TK_OK))
		return rc;
	if ((rc = svc_in_tx(c, set_tx, &a)) != TK_OK || (rc = current_json(c, 1, &o)) != TK_OK)
		return rc;
	return svc_json_dump(o, out);
}

enum tk_err literacy_versions(struct svc_ctx *c, char **out)
{
	struct store_stmt *s = NULL;
	json_t *arr;
	int row = 0;
	enum tk_err rc;

	if ((rc = admins_only(c)) != TK_OK)
		return rc;
	if ((arr = json_array()) == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	if ((rc = store_prepare(c->st, "SELECT version, body_id, body_en, edited_by, edited_at FROM literacy_pages ORDER BY version DESC LIMIT 500",
		 &s)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:I}", "version", (json_int_t)store_col_i64(s, 0), "body_id", store_col_text(s, 1), "body_en",
		    store_col_text(s, 2), "edited_by", store_col_text(s, 3), "edited_at", (json_int_t)store_col_i64(s, 4));
		if (o == NULL || json_array_append_new(arr, o) != 0) {
			rc = tk_fail(TK_ERR_NOMEM, "out of memory");
			break;
		}
	}
	if (rc == TK_OK)
		rc = svc_json_dump(json_pack("{s:O}", "versions", arr), out);
out:
	store_finalize(s);
	json_decref(arr);
	return rc;
}

/*
 * svc/files: attachments of any record (see files.h). The owning domain
 * decides who may act; this module checks and keeps the bytes.
 */
#include "svc/files/files.h"

#include "crypto/crypto.h"
#include "store/store.h"
#include "svc/pii/pii.h"

#include <stdio.h>
#include <string.h>

static const struct {
	const char *mime;
	const char *magic;
	size_t magic_len;
} types[] = {
	{ "application/pdf", "%PDF-", 5 },
	{ "image/png", "\x89PNG\r\n\x1a\n", 8 },
	{ "image/jpeg", "\xff\xd8\xff", 3 },
	{ "text/plain", "", 0 },
};

/* Well-formed UTF-8 (no overlongs, no surrogates, at most U+10FFFF) without NUL. */
static int text_ok(const uint8_t *p, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint8_t b = p[i];
		size_t n, k;
		uint32_t cp;
		if (b == 0)
			return 0;
		if (b < 0x80) {
			i++;
			continue;
		}
		if (b >= 0xc2 && b <= 0xdf) {
			n = 1;
			cp = b & 0x1f;
		} else if (b >= 0xe0 && b <= 0xef) {
			n = 2;
			cp = b & 0x0f;
		} else if (b >= 0xf0 && b <= 0xf4) {
			n = 3;
			cp = b & 0x07;
		} else {
			return 0;
		}
		if (len - i <= n)
			return 0;
		for (k = 1; k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n + 1;
	}
	return 1;
}

static enum tk_err name_ok(const char *name, const char *what)
{
	size_t i, n = name != NULL ? strlen(name) : 0;

	if (n == 0 || n > FILES_MAX_NAME)
		return tk_fail_code(TK_ERR_INVALID, "invalid_filename", "%s needs a name of 1..%d bytes", what, FILES_MAX_NAME);
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)name[i];
		if (ch < 0x20 || ch == 0x7f || ch == '/' || ch == '\\' || ch == '"')
			return tk_fail_code(TK_ERR_INVALID, "invalid_filename", "%s: the name holds a control character, slash or quote", what);
	}
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || !text_ok((const uint8_t *)name, n))
		return tk_fail_code(TK_ERR_INVALID, "invalid_filename", "%s needs a real UTF-8 name", what);
	return TK_OK;
}

enum tk_err files_check(const struct files_in *in, size_t max, const char *what, struct files_checked *out)
{
	const char *mime = in->mime;
	size_t i;
	enum tk_err rc;

	memset(out, 0, sizeof(*out));
	if (in->len > max)
		return tk_fail_code(TK_ERR_LIMIT, "too_large", "%s is at most %zu bytes", what, max);
	if (in->p == NULL || in->len == 0)
		return tk_fail_code(TK_ERR_INVALID, "empty_file", "%s is empty", what);
	if ((rc = name_ok(in->filename, what)) != TK_OK)
		return rc;
	if (mime == NULL || mime[0] == '\0' || strcmp(mime, "application/octet-stream") == 0) {
		/* No useful declared type (a browser's or client's default): the bytes say which it is. */
		for (i = 0; i < sizeof(types) / sizeof(types[0]) && out->mime == NULL; i++)
			if (types[i].magic_len > 0 && in->len >= types[i].magic_len && memcmp(in->p, types[i].magic, types[i].magic_len) == 0)
				out->mime = types[i].mime;
		if (out->mime == NULL)
			return tk_fail_code(TK_ERR_INVALID, "unsupported_type",
			    "%s is a PDF, PNG or JPEG file (or text/plain when declared so); these bytes are none of them", what);
	} else {
		/* Parameters such as "; charset=utf-8" do not change the type. */
		size_t n = strcspn(mime, "; ");
		for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (strlen(types[i].mime) == n && strncmp(mime, types[i].mime, n) == 0)
				out->mime = types[i].mime;
		if (out->mime == NULL)
			return tk_fail_code(TK_ERR_INVALID, "unsupported_type", "%s is application/pdf, image/png, image/jpeg or text/plain", what);
	}
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (types[i].mime != out->mime)
			continue;
		if (in->len < types[i].magic_len || memcmp(in->p, types[i].magic, types[i].magic_len) != 0)
			return tk_fail_code(TK_ERR_INVALID, "type_mismatch", "%s does not start like %s", what, out->mime);
		if (types[i].magic_len == 0 && !text_ok(in->p, in->len))
			return tk_fail_code(TK_ERR_INVALID, "type_mismatch", "%s is declared text/plain but is not UTF-8 text", what);
	}
	sha256_hex(in->p, in->len, out->sha256);
	return TK_OK;
}

/* The sealing label binds a blob to its record and content: copied elsewhere it does not open. */
static void seal_label(const char *owner, int64_t owner_id, const char *sha256, char out[160])
{
	snprintf(out, 160, "attach:%.40s:%lld:%.64s", owner, (long long)owner_id, sha256);
}

enum tk_err files_add(struct svc_ctx *c, const char *owner, int64_t owner_id, const struct files_in *in, const struct files_checked *ck,
    int sealed, int64_t *id)
{
	struct store_stmt *s = NULL;
	struct buf blob;
	char label[160];
	int row = 0;
	enum tk_err rc = TK_OK;

	buf_init(&blob, in->len + 4096);
	if (sealed) {
		seal_label(owner, owner_id, ck->sha256, label);
		if ((rc = pii_seal_blob(c->inst, label, in->p, in->len, &blob)) != TK_OK)
			goto out;
	}
	if ((rc = store_prepare(c->st, "INSERT INTO attachments (owner, owner_id, filename, mime, size, sha256, sealed, data, added_by, at)"
				       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
		 &s)) != TK_OK ||
	    (rc = store_bind_text(s, 1, owner)) != TK_OK || (rc = store_bind_i64(s, 2, owner_id)) != TK_OK ||
	    (rc = store_bind_text(s, 3, in->filename)) != TK_OK || (rc = store_bind_text(s, 4, ck->mime)) != TK_OK ||
	    (rc = store_bind_i64(s, 5, (int64_t)in->len)) != TK_OK || (rc = store_bind_text(s, 6, ck->sha256)) != TK_OK ||
	    (rc = store_bind_i64(s, 7, sealed ? 1 : 0)) != TK_OK ||
	    (rc = sealed ? store_bind_blob(s, 8, blob.p, blob.len) : store_bind_blob(s, 8, in->p, in->len)) != TK_OK ||
	    (rc = store_bind_text(s, 9, c->actor.user)) != TK_OK || (rc = store_bind_i64(s, 10, tk_now())) != TK_OK ||
	    (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail(TK_ERR_STORE, "files: insert returned no id");
		goto out;
	}
	if (id != NULL)
		*id = store_col_i64(s, 0);
out:
	store_finalize(s);
	buf_free(&blob);
	return rc;
}

enum tk_err files_list_json(struct svc_ctx *c, const char *owner, int64_t owner_id, json_t *arr)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "SELECT id, filename, mime, size, sha256, added_by, at FROM attachments"
				       " WHERE owner = ? AND owner_id = ? ORDER BY id",
		 &s)) != TK_OK ||
	    (rc = store_bind_text(s, 1, owner)) != TK_OK || (rc = store_bind_i64(s, 2, owner_id)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		json_t *o = json_pack("{s:I, s:s, s:s, s:I, s:s, s:s, s:I}", "id", (json_int_t)store_col_i64(s, 0), "filename",
		    store_col_text(s, 1), "mime", store_col_text(s, 2), "size", (json_int_t)store_col_i64(s, 3), "sha256",
		    store_col_text(s, 4), "added_by", store_col_text(s, 5), "at", (json_int_t)store_col_i64(s, 6));
		if (o == NULL || json_array_append_new(arr, o) != 0) {
			rc = tk_fail(TK_ERR_NOMEM, "out of memory");
			break;
		}
	}
out:
	store_finalize(s);
	return rc;
}

enum tk_err files_count(struct svc_ctx *c, const char *owner, int64_t owner_id, int64_t *n)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	*n = 0;
	if ((rc = store_prepare(c->st, "SELECT COUNT(*) FROM attachments WHERE owner = ? AND owner_id = ?", &s)) == TK_OK &&
	    (rc = store_bind_text(s, 1, owner)) == TK_OK && (rc = store_bind_i64(s, 2, owner_id)) == TK_OK &&
	    (rc = store_step(s, &row)) == TK_OK && row)
		*n = store_col_i64(s, 0);
	store_finalize(s);
	return rc;
}

enum tk_err files_get(struct svc_ctx *c, const char *owner, int64_t owner_id, int64_t file_id, struct buf *out,
    char filename[FILES_MAX_NAME + 1], char mime[32])
{
	struct store_stmt *s = NULL;
	const uint8_t *p;
	size_t len = 0;
	char label[160];
	int row = 0;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "SELECT filename, mime, sha256, sealed, data FROM attachments WHERE id = ? AND owner = ? AND owner_id = ?",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, file_id)) != TK_OK || (rc = store_bind_text(s, 2, owner)) != TK_OK ||
	    (rc = store_bind_i64(s, 3, owner_id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_file", "no such file");
		goto out;
	}
	p = store_col_blob(s, 4, &len);
	if (store_col_i64(s, 3)) {
		seal_label(owner, owner_id, store_col_text(s, 2), label);
		rc = pii_open_blob(c->inst, label, p, len, out);
	} else {
		rc = buf_append(out, p, len);
	}
	if (rc != TK_OK)
		goto out;
	snprintf(filename, FILES_MAX_NAME + 1, "%s", store_col_text(s, 0));
	snprintf(mime, 32, "%s", store_col_text(s, 1));
out:
	store_finalize(s);
	return rc;
}

enum tk_err files_remove_all(struct svc_ctx *c, const char *owner, int64_t owner_id, int64_t *n)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	if (n != NULL && (rc = files_count(c, owner, owner_id, n)) != TK_OK)
		return rc;
	if ((rc = store_prepare(c->st, "DELETE FROM attachments WHERE owner = ? AND owner_id = ?", &s)) == TK_OK &&
	    (rc = store_bind_text(s, 1, owner)) == TK_OK && (rc = store_bind_i64(s, 2, owner_id)) == TK_OK)
		rc = store_step(s, &row);
	store_finalize(s);
	return rc;
}

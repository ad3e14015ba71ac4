/* Certification Practice Statement: versioned, immutable, hashed (R10). */
#include "svc/audit/audit.h"
#include "svc/base/base.h"
#include "svc/ca/ca.h"
#include "store/store.h"

#include "crypto/crypto.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static int version_ok(const char *v)
{
	size_t i, n = strlen(v);

	if (n == 0 || n > 32)
		return 0;
	for (i = 0; i < n; i++) {
		char ch = v[i];
		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '.' || ch == '-'))
			return 0;
	}
	return 1;
}

enum tk_err cps_publish(struct svc_ctx *c, const char *version, const uint8_t *body, size_t len, char hash[65])
{
	struct store_stmt *s = NULL;
	json_t *d = NULL;
	char *dtxt = NULL;
	int row;
	enum tk_err rc;

	if (!version_ok(version))
		return tk_fail_code(TK_ERR_INVALID, "bad_version", "cps: version must be 1-32 characters of letters, digits, '.' and '-'");
	if (len == 0 || len > MAX_CPS_BYTES)
		return tk_fail_code(TK_ERR_INVALID, "bad_cps", "cps: document is empty or larger than %u bytes", MAX_CPS_BYTES);
	if (memchr(body, '\0', len) != NULL)
		return tk_fail_code(TK_ERR_INVALID, "bad_cps", "cps: document must be UTF-8 Markdown text (found a NUL byte)");
	sha256_hex(body, len, hash);
	if ((rc = store_begin(c->st, STORE_TX_WRITE)) != TK_OK)
		return rc;
	if ((rc = store_prepare(c->st, "INSERT INTO cps (version, sha256, body, published_at, published_by) VALUES (?, ?, ?, ?, ?)", &s)) != TK_OK)
		goto fail;
	if ((rc = store_bind_text(s, 1, version)) != TK_OK || (rc = store_bind_text(s, 2, hash)) != TK_OK ||
	    (rc = store_bind_blob(s, 3, body, len)) != TK_OK || (rc = store_bind_i64(s, 4, tk_now())) != TK_OK ||
	    (rc = store_bind_text(s, 5, c->actor.user)) != TK_OK)
		goto fail;
	if ((rc = store_step(s, &row)) != TK_OK) {
		if (rc == TK_ERR_EXISTS)
			rc = tk_fail_code(TK_ERR_EXISTS, "version_exists", "cps: version %s is already published; versions are immutable", version);
		goto fail;
	}
	d = json_pack("{s:s}", "sha256", hash);
	if (d == NULL || (dtxt = json_dumps(d, JSON_COMPACT)) == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "cps: out of memory");
		goto fail;
	}
	if ((rc = audit_append(c, "cps.publish", version, dtxt)) != TK_OK)
		goto fail;
	store_finalize(s);
	s = NULL;
	rc = store_commit(c->st);
	goto out;
fail:
	store_rollback(c->st);
out:
	free(dtxt);
	json_decref(d);
	store_finalize(s);
	return rc;
}

enum tk_err cps_get(struct svc_ctx *c, const char *version, struct cps_doc *out)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	memset(out, 0, sizeof(*out));
	buf_init(&out->body, MAX_CPS_BYTES);
	rc = store_prepare(c->st, version != NULL ? "SELECT version, sha256, published_at, body FROM cps WHERE version = ?" : "SELECT version, sha256, published_at, body FROM cps ORDER BY published_at DESC, version DESC LIMIT 1", &s);
	if (rc != TK_OK)
		return rc;
	if (version != NULL && (rc = store_bind_text(s, 1, version)) != TK_OK)
		goto out;
	if ((rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = version ? tk_fail_code(TK_ERR_NOT_FOUND, "unknown_version", "cps: no version %s", version)
			     : tk_fail_code(TK_ERR_NOT_FOUND, "no_cps", "cps: no CPS published yet (teken cps publish)");
		goto out;
	}
	{
		size_t len = 0;
		const uint8_t *b = store_col_blob(s, 3, &len);
		if ((rc = str_copy(out->version, sizeof(out->version), store_col_text(s, 0))) != TK_OK ||
		    (rc = str_copy(out->sha256, sizeof(out->sha256), store_col_text(s, 1))) != TK_OK ||
		    (rc = buf_append(&out->body, b, len)) != TK_OK)
			goto out;
		out->published_at = store_col_i64(s, 2);
	}
out:
	if (rc != TK_OK)
		buf_free(&out->body);
	store_finalize(s);
	return rc;
}

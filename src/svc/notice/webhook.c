/*
 * Webhooks of change notices (docs/notices.md): receivers the ministry's
 * admins register, deliveries queued with each publish or withdrawal, and
 * the delivery pass that POSTs them, signed, with retries.
 *
 * A request is
 *   POST <url>
 *   Content-Type: application/json
 *   X-Teken-Event: notice.published | notice.withdrawn | ping
 *   X-Teken-Delivery: <delivery id> ("ping" for a test)
 *   X-Teken-Timestamp: <Unix seconds>
 *   X-Teken-Signature: sha256=<hex HMAC-SHA256(secret, timestamp "." raw body)>
 * where the secret is the 64-character string shown when the webhook was
 * made or rotated (its ASCII bytes are the HMAC key). 2xx is delivered;
 * anything else (another status, a redirect, a timeout after 10 s, no
 * connection) is retried after 30 s, 2 min, 10 min, 1 h and 6 h, then the
 * delivery fails. Every attempt is logged (status code, error, duration).
 */
#include "svc/notice/notice_int.h"

#include "crypto/crypto.h"
#include "log/log.h"
#include "svc/pii/pii.h"
#include "store/store.h"

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SECRET_LABEL "webhooks.secret"
#define SECRET_HEX (2 * WEBHOOK_SECRET_BYTES)

static const int64_t BACKOFF[WEBHOOK_MAX_ATTEMPTS - 1] = { 30, 120, 600, 3600, 21600 };

static enum tk_err nomem(void)
{
	return tk_fail(TK_ERR_NOMEM, "out of memory");
}

static enum tk_err ministry_only(const struct svc_ctx *c)
{
	if (notice_is_ministry(c))
		return TK_OK;
	return tk_fail_code(TK_ERR_DENIED, "forbidden", "webhooks are kept by the ministry's admins");
}

/* ------------------------------------------------------------ URLs and secrets */

/*
 * A receiver URL: http or https, a host, no user information (credentials
 * belong in the signature, not the URL), no fragment (never sent). *origin:
 * scheme://host[:port], what the audit log names (the path and query may
 * hold a token).
 */
static enum tk_err url_check(const char *url, char origin[300])
{
	CURLU *h = NULL;
	char *scheme = NULL, *host = NULL, *user = NULL, *pass = NULL, *frag = NULL, *port = NULL;
	const unsigned char *p;
	enum tk_err rc;

	if ((rc = svc_check_text(url, "url", 1, WEBHOOK_MAX_URL, 0)) != TK_OK)
		return rc;
	for (p = (const unsigned char *)url; *p; p++)
		if (*p == ' ')
			return tk_fail_code(TK_ERR_INVALID, "invalid_url", "url holds a space");
	if ((h = curl_url()) == NULL)
		return nomem();
	if (curl_url_set(h, CURLUPART_URL, url, 0) != CURLUE_OK || curl_url_get(h, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(h, CURLUPART_HOST, &host, 0) != CURLUE_OK || host[0] == '\0') {
		rc = tk_fail_code(TK_ERR_INVALID, "invalid_url", "url is not an absolute http or https URL with a host");
		goto out;
	}
	if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
		rc = tk_fail_code(TK_ERR_INVALID, "invalid_url", "url scheme must be http or https");
		goto out;
	}
	if (curl_url_get(h, CURLUPART_USER, &user, 0) != CURLUE_NO_USER || curl_url_get(h, CURLUPART_PASSWORD, &pass, 0) != CURLUE_NO_PASSWORD) {
		rc = tk_fail_code(TK_ERR_INVALID, "invalid_url", "url must not hold credentials (user:password@); the signature authenticates teken");
		goto out;
	}
	if (curl_url_get(h, CURLUPART_FRAGMENT, &frag, 0) != CURLUE_NO_FRAGMENT || strchr(url, '#') != NULL) {
		rc = tk_fail_code(TK_ERR_INVALID, "invalid_url", "url must not have a fragment (#...)");
		goto out;
	}
	if (curl_url_get(h, CURLUPART_PORT, &port, 0) != CURLUE_OK)
		port = NULL;
	rc = port != NULL ? str_fmt(origin, 300, "%s://%s:%s", scheme, host, port) : str_fmt(origin, 300, "%s://%s", scheme, host);
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(user);
	curl_free(pass);
	curl_free(frag);
	curl_free(port);
	curl_url_cleanup(h);
	return rc;
}

/* A fresh secret (hex, shown once) and its sealed form for the store. */
static enum tk_err secret_new(struct svc_ctx *c, char hex[SECRET_HEX + 1], struct buf *sealed)
{
	uint8_t raw[WEBHOOK_SECRET_BYTES];
	enum tk_err rc;

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return tk_fail_ossl("webhook: random secret");
	hex_encode(raw, sizeof(raw), hex);
	OPENSSL_cleanse(raw, sizeof(raw));
	rc = pii_seal_blob(c->inst, SECRET_LABEL, (const uint8_t *)hex, SECRET_HEX, sealed);
	return rc;
}

/* ------------------------------------------------------------ reading */

#define HOOK_COLS                                                                                            \
	"w.id, w.url, w.description, w.active, w.created_by, w.created_at, w.updated_at,"                    \
	" (SELECT COUNT(*) FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.status = 'pending'),"   \
	" (SELECT COUNT(*) FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.status = 'delivered')," \
	" (SELECT COUNT(*) FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.status = 'failed')"

static json_t *hook_json(struct store_stmt *s)
{
	return json_pack("{s:I, s:s, s:s, s:b, s:s, s:o, s:o, s:{s:I, s:I, s:I}}", "id", (json_int_t)store_col_i64(s, 0), "url", store_col_text(s, 1),
	    "description", store_col_text(s, 2), "active", store_col_i64(s, 3) != 0, "created_by", store_col_text(s, 4), "created_at",
	    notice_time_json(store_col_i64(s, 5)), "updated_at", notice_time_json(store_col_i64(s, 6)), "deliveries", "pending",
	    (json_int_t)store_col_i64(s, 7), "delivered", (json_int_t)store_col_i64(s, 8), "failed", (json_int_t)store_col_i64(s, 9));
}

static enum tk_err hook_load(struct svc_ctx *c, int64_t id, json_t **o)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	*o = NULL;
	if ((rc = store_prepare(c->st, "SELECT " HOOK_COLS " FROM webhooks w WHERE w.id = ?", &s)) == TK_OK && (rc = store_bind_i64(s, 1, id)) == TK_OK &&
	    (rc = store_step(s, &row)) == TK_OK) {
		if (!row)
			rc = tk_fail_code(TK_ERR_NOT_FOUND, "not_found", "no webhook %lld", (long long)id);
		else if ((*o = hook_json(s)) == NULL)
			rc = nomem();
	}
	store_finalize(s);
	return rc;
}

/* The webhook as JSON text, with the secret when one was just made. */
static enum tk_err hook_dump(struct svc_ctx *c, int64_t id, const char *secret, char **out)
{
	json_t *o = NULL;
	enum tk_err rc;

	if ((rc = hook_load(c, id, &o)) != TK_OK)
		return rc;
	if (secret != NULL && json_object_set_new(o, "secret", json_string(secret)) != 0) {
		json_decref(o);
		return nomem();
	}
	rc = svc_json_dump(o, out);
	return rc;
}

enum tk_err webhook_list(struct svc_ctx *c, char **out)
{
	struct store_stmt *s = NULL;
	json_t *arr;
	int row = 0;
	enum tk_err rc;

	if ((rc = ministry_only(c)) != TK_OK)
		return rc;
	if ((arr = json_array()) == NULL)
		return nomem();
	if ((rc = store_prepare(c->st, "SELECT " HOOK_COLS " FROM webhooks w ORDER BY w.id", &s)) == TK_OK) {
		while ((rc = store_step(s, &row)) == TK_OK && row) {
			json_t *o = hook_json(s);
			if (o == NULL || json_array_append_new(arr, o) != 0) {
				rc = nomem();
				break;
			}
		}
	}
	store_finalize(s);
	if (rc != TK_OK) {
		json_decref(arr);
		return rc;
	}
	return svc_json_dump(arr, out);
}

static json_t *opt_i64(struct store_stmt *s, int col)
{
	return store_col_null(s, col) ? json_null() : json_integer(store_col_i64(s, col));
}

static json_t *opt_text(struct store_stmt *s, int col)
{
	return store_col_null(s, col) ? json_null() : json_string(store_col_text(s, col));
}

enum tk_err webhook_deliveries(struct svc_ctx *c, int64_t id, char **out)
{
	struct store_stmt *s = NULL;
	json_t *hook = NULL, *arr = NULL, *d;
	size_t i;
	int row = 0;
	enum tk_err rc;

	if ((rc = ministry_only(c)) != TK_OK || (rc = hook_load(c, id, &hook)) != TK_OK)
		return rc;
	if ((arr = json_array()) == NULL) {
		rc = nomem();
		goto out;
	}
	if ((rc = store_prepare(c->st, "SELECT id, notice_id, event, status, attempts, next_at, last_code, last_error, created_at, updated_at"
				       " FROM webhook_deliveries WHERE webhook_id = ? ORDER BY id DESC LIMIT 200" /* WEBHOOK_MAX_LIST */,
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, id)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		int pending = strcmp(store_col_text(s, 3), "pending") == 0;
		json_t *o = json_pack("{s:I, s:I, s:s, s:s, s:I, s:o, s:o, s:o, s:o, s:o}", "id", (json_int_t)store_col_i64(s, 0), "notice_id",
		    (json_int_t)store_col_i64(s, 1), "event", store_col_text(s, 2), "status", store_col_text(s, 3), "attempt_count",
		    (json_int_t)store_col_i64(s, 4), "next_at", pending ? notice_time_json(store_col_i64(s, 5)) : json_null(), "last_code", opt_i64(s, 6),
		    "last_error", opt_text(s, 7), "created_at", notice_time_json(store_col_i64(s, 8)), "updated_at", notice_time_json(store_col_i64(s, 9)));
		if (o == NULL || json_array_append_new(arr, o) != 0) {
			rc = nomem();
			goto out;
		}
	}
	store_finalize(s);
	s = NULL;
	if (rc != TK_OK)
		goto out;
	/* The attempts of each, oldest first (a second pass: one statement open at a time). */
	json_array_foreach (arr, i, d) {
		json_t *att = json_array();
		if (att == NULL || json_object_set_new(d, "attempts", att) != 0) {
			rc = nomem();
			goto out;
		}
		if ((rc = store_prepare(c->st, "SELECT at, code, error, ms FROM webhook_attempts WHERE delivery_id = ? ORDER BY id", &s)) != TK_OK ||
		    (rc = store_bind_i64(s, 1, json_integer_value(json_object_get(d, "id")))) != TK_OK)
			goto out;
		while ((rc = store_step(s, &row)) == TK_OK && row) {
			json_t *a = json_pack("{s:o, s:o, s:o, s:I}", "at", notice_time_json(store_col_i64(s, 0)), "code", opt_i64(s, 1), "error", opt_text(s, 2),
			    "ms", (json_int_t)store_col_i64(s, 3));
			if (a == NULL || json_array_append_new(att, a) != 0) {
				rc = nomem();
				goto out;
			}
		}
		store_finalize(s);
		s = NULL;
		if (rc != TK_OK)
			goto out;
	}
	if (json_object_set_new(hook, "delivery_log", arr) != 0) {
		arr = NULL;
		rc = nomem();
		goto out;
	}
	arr = NULL;
	rc = svc_json_dump(hook, out);
	hook = NULL;
out:
	store_finalize(s);
	json_decref(arr);
	json_decref(hook);
	return rc;
}

/* ------------------------------------------------------------ changes */

struct hook_arg {
	int64_t id;
	const char *url, *description;
	int active;
	const char *origin;
	const uint8_t *sealed;
	size_t sealed_len;
};

static enum tk_err active_count_ok(struct svc_ctx *c)
{
	int64_t n = 0;
	enum tk_err rc;

	if ((rc = store_query_i64(c->st, "SELECT COUNT(*) FROM webhooks WHERE active = 1", NULL, &n)) != TK_OK)
		return rc;
	if (n >= (int64_t)WEBHOOK_MAX_ACTIVE)
		return tk_fail_code(TK_ERR_LIMIT, "too_many_webhooks", "at most %u active webhooks", WEBHOOK_MAX_ACTIVE);
	return TK_OK;
}

static enum tk_err create_tx(struct svc_ctx *c, void *arg)
{
	struct hook_arg *a = arg;
	struct store_stmt *s = NULL;
	int64_t now = tk_now();
	int row = 0;
	enum tk_err rc;

	if ((rc = active_count_ok(c)) != TK_OK)
		return rc;
	if ((rc = store_prepare(c->st, "INSERT INTO webhooks (url, secret, description, active, created_by, created_at, updated_at)"
				       " VALUES (?, ?, ?, 1, ?, ?, ?) RETURNING id",
		 &s)) == TK_OK &&
	    (rc = store_bind_text(s, 1, a->url)) == TK_OK && (rc = store_bind_blob(s, 2, a->sealed, a->sealed_len)) == TK_OK &&
	    (rc = store_bind_text(s, 3, a->description != NULL ? a->description : "")) == TK_OK && (rc = store_bind_text(s, 4, c->actor.user)) == TK_OK &&
	    (rc = store_bind_i64(s, 5, now)) == TK_OK && (rc = store_bind_i64(s, 6, now)) == TK_OK && (rc = store_step(s, &row)) == TK_OK) {
		if (!row)
			rc = tk_fail(TK_ERR_STORE, "webhook: insert returned no id");
		else
			a->id = store_col_i64(s, 0);
	}
	store_finalize(s);
	if (rc != TK_OK)
		return rc;
	return notice_audit(c, "webhook.create", "webhook", a->id, json_pack("{s:s}", "origin", a->origin));
}

enum tk_err webhook_create(struct svc_ctx *c, const char *url, const char *description, char **out)
{
	struct hook_arg a;
	struct buf sealed;
	char secret[SECRET_HEX + 1], origin[300];
	enum tk_err rc;

	memset(&a, 0, sizeof(a));
	if ((rc = ministry_only(c)) != TK_OK || (rc = url_check(url, origin)) != TK_OK ||
	    (rc = svc_check_text(description, "description", 0, WEBHOOK_MAX_DESC, 0)) != TK_OK)
		return rc;
	buf_init(&sealed, 4096);
	if ((rc = secret_new(c, secret, &sealed)) == TK_OK) {
		a.url = url;
		a.description = description;
		a.origin = origin;
		a.sealed = sealed.p;
		a.sealed_len = sealed.len;
		if ((rc = svc_in_tx(c, create_tx, &a)) == TK_OK)
			rc = hook_dump(c, a.id, secret, out);
	}
	OPENSSL_cleanse(secret, sizeof(secret));
	buf_free(&sealed);
	return rc;
}

static enum tk_err exists(struct svc_ctx *c, int64_t id, int *active)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "SELECT active FROM webhooks WHERE id = ?", &s)) == TK_OK && (rc = store_bind_i64(s, 1, id)) == TK_OK &&
	    (rc = store_step(s, &row)) == TK_OK) {
		if (!row)
			rc = tk_fail_code(TK_ERR_NOT_FOUND, "not_found", "no webhook %lld", (long long)id);
		else if (active != NULL)
			*active = store_col_i64(s, 0) != 0;
	}
	store_finalize(s);
	return rc;
}

static enum tk_err update_tx(struct svc_ctx *c, void *arg)
{
	struct hook_arg *a = arg;
	struct store_stmt *s = NULL;
	int was = 0, row = 0;
	enum tk_err rc;

	if ((rc = exists(c, a->id, &was)) != TK_OK)
		return rc;
	if (a->active == 1 && !was && (rc = active_count_ok(c)) != TK_OK)
		return rc;
	if ((rc = store_prepare(c->st, "UPDATE webhooks SET url = COALESCE(?, url), description = COALESCE(?, description),"
				       " active = CASE WHEN ? < 0 THEN active ELSE ? END, updated_at = ? WHERE id = ?",
		 &s)) != TK_OK)
		return rc;
	if ((rc = a->url != NULL ? store_bind_text(s, 1, a->url) : store_bind_null(s, 1)) == TK_OK &&
	    (rc = a->description != NULL ? store_bind_text(s, 2, a->description) : store_bind_null(s, 2)) == TK_OK &&
	    (rc = store_bind_i64(s, 3, a->active)) == TK_OK && (rc = store_bind_i64(s, 4, a->active)) == TK_OK &&
	    (rc = store_bind_i64(s, 5, tk_now())) == TK_OK && (rc = store_bind_i64(s, 6, a->id)) == TK_OK)
		rc = store_step(s, &row);
	store_finalize(s);
	if (rc != TK_OK)
		return rc;
	return notice_audit(c, a->active == 0 ? "webhook.deactivate" : a->active == 1 && !was ? "webhook.activate"
											      : "webhook.update",
	    "webhook", a->id,
	    json_pack("{s:s?, s:b, s:b}", "origin", a->origin, "description_changed", a->description != NULL, "active",
		a->active < 0 ? was : a->active));
}

enum tk_err webhook_update(struct svc_ctx *c, int64_t id, const char *url, const char *description, int active, char **out)
{
	struct hook_arg a;
	char origin[300];
	enum tk_err rc;

	memset(&a, 0, sizeof(a));
	if ((rc = ministry_only(c)) != TK_OK)
		return rc;
	if (url != NULL && (rc = url_check(url, origin)) != TK_OK)
		return rc;
	if ((rc = svc_check_text(description, "description", 0, WEBHOOK_MAX_DESC, 0)) != TK_OK)
		return rc;
	if (active < -1 || active > 1)
		return tk_fail_code(TK_ERR_INVALID, "invalid_field", "active must be true or false");
	a.id = id;
	a.url = url;
	a.description = description;
	a.active = active;
	a.origin = url != NULL ? origin : NULL;
	if ((rc = svc_in_tx(c, update_tx, &a)) != TK_OK)
		return rc;
	return hook_dump(c, id, NULL, out);
}

static enum tk_err exec_id(struct svc_ctx *c, const char *sql, int64_t id)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, sql, &s)) == TK_OK && (rc = store_bind_i64(s, 1, id)) == TK_OK)
		rc = store_step(s, &row);
	store_finalize(s);
	return rc;
}

static enum tk_err count_id(struct svc_ctx *c, const char *sql, int64_t id, int64_t *n)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	*n = 0;
	if ((rc = store_prepare(c->st, sql, &s)) == TK_OK && (rc = store_bind_i64(s, 1, id)) == TK_OK && (rc = store_step(s, &row)) == TK_OK && row)
		*n = store_col_i64(s, 0);
	store_finalize(s);
	return rc;
}

static enum tk_err delete_tx(struct svc_ctx *c, void *arg)
{
	struct hook_arg *a = arg;
	int64_t n = 0;
	enum tk_err rc;

	if ((rc = exists(c, a->id, NULL)) != TK_OK || (rc = count_id(c, "SELECT COUNT(*) FROM webhook_deliveries WHERE webhook_id = ?", a->id, &n)) != TK_OK ||
	    (rc = exec_id(c, "DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE webhook_id = ?)", a->id)) != TK_OK ||
	    (rc = exec_id(c, "DELETE FROM webhook_deliveries WHERE webhook_id = ?", a->id)) != TK_OK ||
	    (rc = exec_id(c, "DELETE FROM webhooks WHERE id = ?", a->id)) != TK_OK)
		return rc;
	return notice_audit(c, "webhook.delete", "webhook", a->id, json_pack("{s:I}", "deliveries_deleted", (json_int_t)n));
}

enum tk_err webhook_delete(struct svc_ctx *c, int64_t id)
{
	struct hook_arg a;
	enum tk_err rc;

	memset(&a, 0, sizeof(a));
	a.id = id;
	if ((rc = ministry_only(c)) != TK_OK)
		return rc;
	return svc_in_tx(c, delete_tx, &a);
}

static enum tk_err rotate_tx(struct svc_ctx *c, void *arg)
{
	struct hook_arg *a = arg;
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	if ((rc = exists(c, a->id, NULL)) != TK_OK)
		return rc;
	if ((rc = store_prepare(c->st, "UPDATE webhooks SET secret = ?, updated_at = ? WHERE id = ?", &s)) == TK_OK &&
	    (rc = store_bind_blob(s, 1, a->sealed, a->sealed_len)) == TK_OK && (rc = store_bind_i64(s, 2, tk_now())) == TK_OK &&
	    (rc = store_bind_i64(s, 3, a->id)) == TK_OK)
		rc = store_step(s, &row);
	store_finalize(s);
	if (rc != TK_OK)
		return rc;
	return notice_audit(c, "webhook.rotate", "webhook", a->id, NULL);
}

enum tk_err webhook_rotate(struct svc_ctx *c, int64_t id, char **out)
{
	struct hook_arg a;
	struct buf sealed;
	char secret[SECRET_HEX + 1];
	enum tk_err rc;

	memset(&a, 0, sizeof(a));
	if ((rc = ministry_only(c)) != TK_OK)
		return rc;
	buf_init(&sealed, 4096);
	if ((rc = secret_new(c, secret, &sealed)) == TK_OK) {
		a.id = id;
		a.sealed = sealed.p;
		a.sealed_len = sealed.len;
		if ((rc = svc_in_tx(c, rotate_tx, &a)) == TK_OK)
			rc = hook_dump(c, id, secret, out);
	}
	OPENSSL_cleanse(secret, sizeof(secret));
	buf_free(&sealed);
	return rc;
}

/* ------------------------------------------------------------ queueing */

enum tk_err webhook_queue(struct svc_ctx *c, int64_t notice_id, const char *event, json_t *notice, size_t *n)
{
	struct store_stmt *s = NULL;
	int64_t ids[WEBHOOK_MAX_ACTIVE], now = tk_now();
	size_t nids = 0, i;
	char *payload = NULL;
	int row = 0;
	enum tk_err rc;

	*n = 0;
	if ((payload = json_dumps(notice, JSON_COMPACT)) == NULL)
		return nomem();
	if ((rc = store_prepare(c->st, "SELECT id FROM webhooks WHERE active = 1 ORDER BY id", &s)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row && nids < WEBHOOK_MAX_ACTIVE)
		ids[nids++] = store_col_i64(s, 0);
	store_finalize(s);
	s = NULL;
	if (rc != TK_OK)
		goto out;
	for (i = 0; i < nids; i++) {
		if ((rc = store_prepare(c->st, "INSERT INTO webhook_deliveries (webhook_id, notice_id, event, status, attempts, next_at, created_at, updated_at,"
					       " payload) VALUES (?, ?, ?, 'pending', 0, ?, ?, ?, ?)",
			 &s)) != TK_OK ||
		    (rc = store_bind_i64(s, 1, ids[i])) != TK_OK || (rc = store_bind_i64(s, 2, notice_id)) != TK_OK ||
		    (rc = store_bind_text(s, 3, event)) != TK_OK || (rc = store_bind_i64(s, 4, now)) != TK_OK || (rc = store_bind_i64(s, 5, now)) != TK_OK ||
		    (rc = store_bind_i64(s, 6, now)) != TK_OK || (rc = store_bind_text(s, 7, payload)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
			goto out;
		store_finalize(s);
		s = NULL;
		(*n)++;
	}
out:
	store_finalize(s);
	free(payload);
	return rc;
}

/* ------------------------------------------------------------ sending */

static size_t drop_reply(char *p, size_t size, size_t n, void *arg)
{
	size_t *got = arg;

	(void)p;
	if (n != 0 && size > WEBHOOK_MAX_REPLY / n)
		return 0;
	*got += size * n;
	return *got > WEBHOOK_MAX_REPLY ? 0 : size * n;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct attempt {
	long code;       /* HTTP status, 0 when none came */
	char error[256]; /* "" when delivered */
	int64_t ms;
};

/*
 * POSTs body to url with the signature headers (see the top of this file).
 * Fills *at; returns TK_OK whatever the receiver did (at->error says), an
 * error only when the request could not be made at all.
 */
static enum tk_err post(const char *url, const char *secret, const char *event, const char *delivery, const char *body, struct attempt *at)
{
	CURL *curl = NULL;
	struct curl_slist *hdr = NULL;
	uint8_t mac[32];
	char line[160], hex[65], ts[24];
	size_t got = 0;
	struct buf signed_part;
	CURLcode cc = CURLE_OK;
	int64_t t0;
	enum tk_err rc;

	memset(at, 0, sizeof(*at));
	buf_init(&signed_part, strlen(body) + 64);
	if ((rc = str_fmt(ts, sizeof(ts), "%lld", (long long)tk_now())) != TK_OK ||
	    (rc = buf_printf(&signed_part, "%s.%s", ts, body)) != TK_OK)
		goto out;
	hmac_sha256((const uint8_t *)secret, strlen(secret), signed_part.p, signed_part.len, mac);
	hex_encode(mac, sizeof(mac), hex);
	if ((curl = curl_easy_init()) == NULL) {
		rc = nomem();
		goto out;
	}
#define ADD_HDR(...)                                                          \
	do {                                                                  \
		struct curl_slist *nx;                                        \
		if ((rc = str_fmt(line, sizeof(line), __VA_ARGS__)) != TK_OK) \
			goto out;                                             \
		if ((nx = curl_slist_append(hdr, line)) == NULL) {            \
			rc = nomem();                                         \
			goto out;                                             \
		}                                                             \
		hdr = nx;                                                     \
	} while (0)
	ADD_HDR("Content-Type: application/json");
	ADD_HDR("X-Teken-Event: %s", event);
	ADD_HDR("X-Teken-Delivery: %s", delivery);
	ADD_HDR("X-Teken-Timestamp: %s", ts);
	ADD_HDR("X-Teken-Signature: sha256=%s", hex);
	ADD_HDR("Expect:"); /* no 100-continue round trip */
#undef ADD_HDR
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(curl, CURLOPT_URL, url);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(curl, CURLOPT_PROXY, ""); /* no proxy from the environment */
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdr);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, drop_reply);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(curl, CURLOPT_WRITEDATA, &got);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(curl, CURLOPT_TIMEOUT, WEBHOOK_TIMEOUT_S);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(curl, CURLOPT_USERAGENT, "teken-webhook");
	if (cc != CURLE_OK) {
		rc = tk_fail(TK_ERR_INTERNAL, "webhook: libcurl option: %s", curl_easy_strerror(cc));
		goto out;
	}
	t0 = mono_ms();
	cc = curl_easy_perform(curl);
	at->ms = mono_ms() - t0;
	if (curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &at->code) != CURLE_OK)
		at->code = 0;
	if (cc == CURLE_WRITE_ERROR && at->code >= 200 && at->code < 300)
		cc = CURLE_OK; /* a long reply body is not the receiver's failure to take the delivery */
	if (cc != CURLE_OK)
		rc = str_fmt(at->error, sizeof(at->error), "%s", curl_easy_strerror(cc));
	else if (at->code < 200 || at->code > 299)
		rc = str_fmt(at->error, sizeof(at->error), "HTTP %ld%s", at->code, at->code >= 300 && at->code < 400 ? " (redirects are not followed)" : "");
	else
		rc = TK_OK;
out:
	OPENSSL_cleanse(mac, sizeof(mac));
	OPENSSL_cleanse(hex, sizeof(hex));
	curl_slist_free_all(hdr);
	curl_easy_cleanup(curl);
	buf_free(&signed_part);
	return rc;
}

/* The URL and opened secret of a webhook (secret: a secret buf, NUL-terminated). */
static enum tk_err hook_target(struct svc_ctx *c, int64_t id, char url[WEBHOOK_MAX_URL + 1], struct buf *secret)
{
	struct store_stmt *s = NULL;
	const char *str = NULL;
	int row = 0;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "SELECT url, secret FROM webhooks WHERE id = ?", &s)) == TK_OK && (rc = store_bind_i64(s, 1, id)) == TK_OK &&
	    (rc = store_step(s, &row)) == TK_OK) {
		size_t len = 0;
		const uint8_t *b;
		if (!row) {
			rc = tk_fail_code(TK_ERR_NOT_FOUND, "not_found", "no webhook %lld", (long long)id);
		} else if ((rc = str_copy(url, WEBHOOK_MAX_URL + 1, store_col_text(s, 0))) == TK_OK) {
			b = store_col_blob(s, 1, &len);
			if ((rc = pii_open_blob(c->inst, SECRET_LABEL, b, len, secret)) == TK_OK)
				rc = buf_cstr(secret, &str);
		}
	}
	store_finalize(s);
	return rc;
}

struct test_arg {
	int64_t id;
	const struct attempt *at;
};

static enum tk_err test_audit_tx(struct svc_ctx *c, void *arg)
{
	const struct test_arg *a = arg;

	return notice_audit(c, "webhook.test", "webhook", a->id,
	    json_pack("{s:b, s:I, s:s?}", "delivered", a->at->error[0] == '\0', "code", (json_int_t)a->at->code, "error", a->at->error[0] ? a->at->error : NULL));
}

enum tk_err webhook_test(struct svc_ctx *c, int64_t id, char **out)
{
	struct test_arg ta;
	struct buf secret;
	struct attempt at;
	char url[WEBHOOK_MAX_URL + 1], *body = NULL, now_iso[32];
	enum tk_err rc;

	if ((rc = ministry_only(c)) != TK_OK)
		return rc;
	buf_init_secret(&secret, 256);
	time_iso_utc(tk_now(), now_iso);
	if ((rc = hook_target(c, id, url, &secret)) != TK_OK)
		goto out;
	if ((body = json_dumps(json_pack("{s:s, s:I, s:s}", "event", "ping", "webhook_id", (json_int_t)id, "sent_at", now_iso),
		 JSON_COMPACT | JSON_SORT_KEYS)) == NULL) {
		rc = nomem();
		goto out;
	}
	if ((rc = post(url, (const char *)secret.p, "ping", "ping", body, &at)) != TK_OK)
		goto out;
	ta.id = id;
	ta.at = &at;
	if ((rc = svc_in_tx(c, test_audit_tx, &ta)) != TK_OK)
		goto out;
	rc = svc_json_dump(json_pack("{s:b, s:o, s:s?, s:I}", "delivered", at.error[0] == '\0', "code", at.code ? json_integer(at.code) : json_null(),
			       "error", at.error[0] ? at.error : NULL, "ms", (json_int_t)at.ms),
	    out);
out:
	free(body);
	buf_free(&secret);
	return rc;
}

/* ------------------------------------------------------------ the delivery pass */

struct claim {
	int64_t id, webhook_id, attempts;
	int claimed;
	char event[32];
	char *payload;
};

/* Claims one due delivery: moves its next_at past the lease, so no other node takes it meanwhile. */
static enum tk_err claim_tx(struct svc_ctx *c, void *arg)
{
	struct claim *k = arg;
	struct store_stmt *s = NULL;
	int64_t now = tk_now();
	int row = 0;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "UPDATE webhook_deliveries SET next_at = ?, updated_at = ? WHERE id = ? AND status = 'pending' AND next_at <= ?",
		 &s)) == TK_OK &&
	    (rc = store_bind_i64(s, 1, now + WEBHOOK_LEASE_S)) == TK_OK && (rc = store_bind_i64(s, 2, now)) == TK_OK &&
	    (rc = store_bind_i64(s, 3, k->id)) == TK_OK && (rc = store_bind_i64(s, 4, now)) == TK_OK && (rc = store_step(s, &row)) == TK_OK)
		k->claimed = store_changes(s) == 1;
	store_finalize(s);
	s = NULL;
	if (rc != TK_OK || !k->claimed)
		return rc;
	if ((rc = store_prepare(c->st, "SELECT webhook_id, event, attempts, payload FROM webhook_deliveries WHERE id = ?", &s)) == TK_OK &&
	    (rc = store_bind_i64(s, 1, k->id)) == TK_OK && (rc = store_step(s, &row)) == TK_OK && row) {
		k->webhook_id = store_col_i64(s, 0);
		k->attempts = store_col_i64(s, 2);
		if ((rc = str_copy(k->event, sizeof(k->event), store_col_text(s, 1))) == TK_OK && (k->payload = strdup(store_col_text(s, 3))) == NULL)
			rc = nomem();
	}
	store_finalize(s);
	return rc;
}

struct result {
	const struct claim *k;
	const struct attempt *at;
	int64_t at_time;
	int delivered, failed;
};

static enum tk_err record_tx(struct svc_ctx *c, void *arg)
{
	struct result *r = arg;
	struct store_stmt *s = NULL;
	int64_t n = r->k->attempts + 1, now = tk_now();
	int row = 0, ok = r->at->error[0] == '\0';
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "INSERT INTO webhook_attempts (delivery_id, at, code, error, ms) VALUES (?, ?, ?, ?, ?)", &s)) == TK_OK &&
	    (rc = store_bind_i64(s, 1, r->k->id)) == TK_OK && (rc = store_bind_i64(s, 2, r->at_time)) == TK_OK &&
	    (rc = r->at->code != 0 ? store_bind_i64(s, 3, r->at->code) : store_bind_null(s, 3)) == TK_OK &&
	    (rc = ok ? store_bind_null(s, 4) : store_bind_text(s, 4, r->at->error)) == TK_OK && (rc = store_bind_i64(s, 5, r->at->ms)) == TK_OK)
		rc = store_step(s, &row);
	store_finalize(s);
	s = NULL;
	if (rc != TK_OK)
		return rc;
	r->delivered = ok;
	r->failed = !ok && n >= (int64_t)WEBHOOK_MAX_ATTEMPTS;
	if ((rc = store_prepare(c->st, "UPDATE webhook_deliveries SET status = ?, attempts = ?, next_at = ?, last_code = ?, last_error = ?, updated_at = ?"
				       " WHERE id = ?",
		 &s)) == TK_OK &&
	    (rc = store_bind_text(s, 1, ok ? "delivered" : r->failed ? "failed"
								     : "pending")) == TK_OK &&
	    (rc = store_bind_i64(s, 2, n)) == TK_OK &&
	    (rc = store_bind_i64(s, 3, ok || r->failed ? now : now + BACKOFF[n - 1])) == TK_OK &&
	    (rc = r->at->code != 0 ? store_bind_i64(s, 4, r->at->code) : store_bind_null(s, 4)) == TK_OK &&
	    (rc = ok ? store_bind_null(s, 5) : store_bind_text(s, 5, r->at->error)) == TK_OK && (rc = store_bind_i64(s, 6, now)) == TK_OK &&
	    (rc = store_bind_i64(s, 7, r->k->id)) == TK_OK)
		rc = store_step(s, &row);
	store_finalize(s);
	return rc;
}

/* The body of a delivery: the event, the notice as queued and the delivery's id. */
static enum tk_err delivery_body(const struct claim *k, char **out)
{
	json_error_t jerr;
	json_t *notice = json_loads(k->payload, 0, &jerr), *doc;

	if (notice == NULL)
		return tk_fail(TK_ERR_STORE, "webhook: delivery %lld: stored payload is not JSON", (long long)k->id);
	doc = json_pack("{s:s, s:o, s:I}", "event", k->event, "notice", notice, "delivery_id", (json_int_t)k->id);
	if (doc == NULL)
		return nomem();
	*out = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(doc);
	return *out == NULL ? nomem() : TK_OK;
}

enum tk_err notice_deliver(struct svc_ctx *c, int *delivered, int *failed)
{
	struct store_stmt *s = NULL;
	int64_t due[WEBHOOK_BATCH], started = mono_ms();
	size_t n = 0, i;
	int row = 0;
	enum tk_err rc;

	*delivered = *failed = 0;
	if ((rc = store_prepare(c->st, "SELECT d.id FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id"
				       " WHERE d.status = 'pending' AND d.next_at <= ? AND w.active = 1 ORDER BY d.next_at, d.id LIMIT 32" /* WEBHOOK_BATCH */,
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, tk_now())) != TK_OK) {
		store_finalize(s);
		return rc;
	}
	while ((rc = store_step(s, &row)) == TK_OK && row && n < WEBHOOK_BATCH)
		due[n++] = store_col_i64(s, 0);
	store_finalize(s);
	if (rc != TK_OK)
		return rc;
	for (i = 0; i < n && mono_ms() - started < WEBHOOK_PASS_BUDGET_S * 1000; i++) {
		struct claim k;
		struct attempt at;
		struct result r;
		struct buf secret;
		char url[WEBHOOK_MAX_URL + 1], did[24], *body = NULL;
		int64_t t_at;

		memset(&k, 0, sizeof(k));
		k.id = due[i];
		if (svc_in_tx(c, claim_tx, &k) != TK_OK) {
			log_msg(LOG_WARN, "notice.webhook", "delivery %lld: claim: %s", (long long)k.id, tk_errmsg());
			free(k.payload);
			continue;
		}
		if (!k.claimed) {
			free(k.payload);
			continue; /* another node took it */
		}
		buf_init_secret(&secret, 256);
		t_at = tk_now();
		if ((rc = hook_target(c, k.webhook_id, url, &secret)) != TK_OK || (rc = delivery_body(&k, &body)) != TK_OK ||
		    (rc = str_fmt(did, sizeof(did), "%lld", (long long)k.id)) != TK_OK ||
		    (rc = post(url, (const char *)secret.p, k.event, did, body, &at)) != TK_OK) {
			/* Not the receiver's doing: logged, the lease lets a later pass retry. */
			log_msg(LOG_WARN, "notice.webhook", "delivery %lld: %s", (long long)k.id, tk_errmsg());
			buf_free(&secret);
			free(body);
			free(k.payload);
			continue;
		}
		buf_free(&secret);
		free(body);
		memset(&r, 0, sizeof(r));
		r.k = &k;
		r.at = &at;
		r.at_time = t_at;
		if (svc_in_tx(c, record_tx, &r) != TK_OK)
			log_msg(LOG_WARN, "notice.webhook", "delivery %lld: recording the attempt: %s", (long long)k.id, tk_errmsg());
		else if (r.delivered)
			(*delivered)++;
		else {
			(*failed)++;
			log_msg(LOG_WARN, "notice.webhook", "delivery %lld to webhook %lld, attempt %lld: %s", (long long)k.id, (long long)k.webhook_id,
			    (long long)k.attempts + 1, at.error);
		}
		free(k.payload);
	}
	return TK_OK;
}

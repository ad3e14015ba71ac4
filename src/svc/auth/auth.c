/* Users (Argon2id), sessions, login throttling and application API keys. */
#include "svc/audit/audit.h"
#include "svc/auth/auth.h"
#include "svc/base/base.h"

#include "config/config.h"
#include "crypto/crypto.h"
#include "log/log.h"

#include <argon2.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

/* OWASP's Argon2id baseline: 19 MiB, 2 passes, 1 lane. */
#define PW_T_COST 2u
#define PW_M_COST (19u * 1024u)
#define PW_PARALLEL 1u
#define PW_HASHLEN 32u
#define PW_SALTLEN 16u
#define PW_ENCODED_MAX 160u
#define PW_MIN_LEN 10u
#define PW_MAX_LEN 256u
/* Stale login_failures rows deleted per auth_purge_failures() call. */
#define AUTH_PURGE_MAX_ROWS 5000

static const char *const roles[] = {"admin", "verifikator", "subscriber", "application", "auditor"};

int auth_role_valid(const char *role)
{
	size_t i;

	for (i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (strcmp(roles[i], role) == 0)
			return 1;
	return 0;
}

static int username_ok(const char *u)
{
	size_t i, n = strlen(u);

	if (n < 3 || n > 64)
		return 0;
	for (i = 0; i < n; i++) {
		char ch = u[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == '_' || ch == '@'))
			return 0;
	}
	return 1;
}

static enum tk_err hash_password(const char *pw, char out[PW_ENCODED_MAX])
{
	uint8_t salt[PW_SALTLEN];
	enum tk_err rc;

	if ((rc = rand_bytes(salt, sizeof(salt))) != TK_OK)
		return rc;
	if (argon2id_hash_encoded(PW_T_COST, PW_M_COST, PW_PARALLEL, pw, strlen(pw), salt, sizeof(salt), PW_HASHLEN, out,
		PW_ENCODED_MAX) != ARGON2_OK)
		return tk_fail(TK_ERR_INTERNAL, "auth: password hashing failed");
	return TK_OK;
}

static void random_hex(uint8_t *tmp, size_t n, char *out, enum tk_err *rc)
{
	if ((*rc = rand_bytes(tmp, n)) == TK_OK)
		hex_encode(tmp, n, out);
	OPENSSL_cleanse(tmp, n);
}

/* The password policy, one place for creation and reset. */
static enum tk_err password_check(const char *user, const char *password)
{
	size_t pl = strlen(password);

	if (pl < PW_MIN_LEN || pl > PW_MAX_LEN)
		return tk_fail_code(TK_ERR_INVALID, "weak_password", "password must be %u to %u characters", PW_MIN_LEN, PW_MAX_LEN);
	if (strcmp(password, user) == 0)
		return tk_fail_code(TK_ERR_INVALID, "weak_password", "password must differ from the user name");
	return TK_OK;
}

/* Runs one statement binding user (and, when non-NULL, a first text value before it). */
static enum tk_err user_exec(struct svc_ctx *c, const char *sql, const char *first, const char *user, int64_t *changes)
{
	struct store_stmt *s = NULL;
	int row, i = 1;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, sql, &s)) != TK_OK)
		return rc;
	if ((first == NULL || (rc = store_bind_text(s, i++, first)) == TK_OK) && (rc = store_bind_text(s, i, user)) == TK_OK &&
	    (rc = store_step(s, &row)) == TK_OK && changes != NULL)
		*changes = store_changes(s);
	store_finalize(s);
	return rc;
}

enum tk_err auth_user_set_password(struct svc_ctx *c, const char *user, const char *password)
{
	char enc[PW_ENCODED_MAX];
	int64_t n = 0;
	enum tk_err rc;

	if ((rc = password_check(user, password)) != TK_OK || (rc = hash_password(password, enc)) != TK_OK)
		return rc;
	if ((rc = store_begin(c->st, STORE_TX_WRITE)) != TK_OK)
		goto out;
	/* Applications have no password; their credential is the API key. */
	if ((rc = user_exec(c, "UPDATE users SET pw_hash = ? WHERE username = ? AND role <> 'application'", enc, user, &n)) != TK_OK)
		goto fail;
	if (n == 0) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_user", "no user %s with a password", user);
		goto fail;
	}
	/* Whoever held the old password loses their sessions; the lockout is lifted. */
	if ((rc = user_exec(c, "DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE username = ?)", NULL, user, NULL)) != TK_OK ||
	    (rc = user_exec(c, "DELETE FROM login_failures WHERE username = ?", NULL, user, NULL)) != TK_OK ||
	    (rc = audit_append(c, "user.password_set", user, NULL)) != TK_OK)
		goto fail;
	rc = store_commit(c->st);
	goto out;
fail:
	store_rollback(c->st);
out:
	OPENSSL_cleanse(enc, sizeof(enc));
	return rc;
}

enum tk_err auth_user_add(struct svc_ctx *c, const char *user, const char *password, const char *role,
    const char *display_name, int64_t *id)
{
	struct store_stmt *s = NULL;
	char enc[PW_ENCODED_MAX], details[160];
	int row = 0;
	enum tk_err rc;

	if (!username_ok(user))
		return tk_fail_code(TK_ERR_INVALID, "invalid_username", "user name must be 3-64 characters of a-z 0-9 . - _ @");
	if (!auth_role_valid(role))
		return tk_fail_code(TK_ERR_INVALID, "invalid_role", "role must be admin, verifikator, subscriber, application or auditor");
	if ((rc = password_check(user, password)) != TK_OK)
		return rc;
	if (strlen(display_name) == 0 || strlen(display_name) > 200)
		return tk_fail_code(TK_ERR_INVALID, "invalid_name", "display name must be 1-200 characters");
	if ((rc = hash_password(password, enc)) != TK_OK)
		return rc;
	if ((rc = store_begin(c->st, STORE_TX_WRITE)) != TK_OK)
		return rc;
	if ((rc = store_prepare(c->st, "INSERT INTO users (username, display_name, role, pw_hash, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id", &s)) != TK_OK ||
	    (rc = store_bind_text(s, 1, user)) != TK_OK || (rc = store_bind_text(s, 2, display_name)) != TK_OK ||
	    (rc = store_bind_text(s, 3, role)) != TK_OK || (rc = store_bind_text(s, 4, enc)) != TK_OK ||
	    (rc = store_bind_i64(s, 5, tk_now())) != TK_OK || (rc = store_step(s, &row)) != TK_OK) {
		if (rc == TK_ERR_EXISTS)
			rc = tk_fail_code(TK_ERR_EXISTS, "user_exists", "user %s already exists", user);
		goto fail;
	}
	if (id != NULL)
		*id = store_col_i64(s, 0);
	store_finalize(s);
	s = NULL;
	if ((rc = str_fmt(details, sizeof(details), "{\"role\":\"%s\"}", role)) != TK_OK ||
	    (rc = audit_append(c, "user.create", user, details)) != TK_OK)
		goto fail;
	rc = store_commit(c->st);
	goto out;
fail:
	store_rollback(c->st);
out:
	OPENSSL_cleanse(enc, sizeof(enc));
	store_finalize(s);
	return rc;
}

/* Runs a parameterless query and returns its rows, each turned into an object by row_fn, as JSON array text. */
static enum tk_err rows_json(struct svc_ctx *c, const char *sql, json_t *(*row_fn)(struct store_stmt *s), char **json_out)
{
	struct store_stmt *s = NULL;
	json_t *arr = json_array();
	int row = 0;
	enum tk_err rc;

	if (arr == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	if ((rc = store_prepare(c->st, sql, &s)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		json_t *o = row_fn(s);
		if (o == NULL || json_array_append_new(arr, o) != 0) {
			rc = tk_fail(TK_ERR_NOMEM, "out of memory");
			goto out;
		}
	}
	if (rc == TK_OK && (*json_out = json_dumps(arr, JSON_COMPACT)) == NULL)
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
out:
	json_decref(arr);
	store_finalize(s);
	return rc;
}

static json_t *user_row(struct store_stmt *s)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:b, s:I}", "id", (json_int_t)store_col_i64(s, 0), "user", store_col_text(s, 1),
	    "display_name", store_col_text(s, 2), "role", store_col_text(s, 3), "active", (int)store_col_i64(s, 4), "created_at",
	    (json_int_t)store_col_i64(s, 5));
}

enum tk_err auth_user_list(struct svc_ctx *c, char **json_out)
{
	return rows_json(c, "SELECT id, username, display_name, role, active, created_at FROM users ORDER BY id", user_row, json_out);
}

/* The secret part of a key is never stored; the prefix identifies it in logs and in the Basic user name. */
static json_t *apikey_row(struct store_stmt *s)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:I, s:o}", "id", (json_int_t)store_col_i64(s, 0), "prefix", store_col_text(s, 1),
	    "name", store_col_text(s, 2), "units", store_col_text(s, 3), "created_at", (json_int_t)store_col_i64(s, 4),
	    "revoked_at", store_col_null(s, 5) ? json_null() : json_integer(store_col_i64(s, 5)));
}

enum tk_err auth_apikey_list(struct svc_ctx *c, char **json_out)
{
	return rows_json(c, "SELECT id, prefix, name, units, created_at, revoked_at FROM api_keys ORDER BY id", apikey_row, json_out);
}

enum tk_err auth_user_set_active(struct svc_ctx *c, const char *user, int active)
{
	int64_t n = 0;
	enum tk_err rc;

	if ((rc = store_begin(c->st, STORE_TX_WRITE)) != TK_OK)
		return rc;
	if ((rc = user_exec(c, active ? "UPDATE users SET active = 1 WHERE username = ?" : "UPDATE users SET active = 0 WHERE username = ?",
		 NULL, user, &n)) != TK_OK)
		goto fail;
	if (n == 0) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_user", "no user %s", user);
		goto fail;
	}
	/* A deactivated user loses every open session at once. */
	if (!active && (rc = user_exec(c, "DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE username = ?)", NULL, user, NULL)) != TK_OK)
		goto fail;
	if ((rc = audit_append(c, active ? "user.activate" : "user.deactivate", user, NULL)) != TK_OK)
		goto fail;
	return store_commit(c->st);
fail:
	store_rollback(c->st);
	return rc;
}

/* One audit event whose details are a JSON object built by the caller (stolen). */
static enum tk_err audit_json(struct svc_ctx *c, const char *action, const char *object, json_t *details)
{
	char *txt = NULL;
	enum tk_err rc;

	if (details == NULL || (txt = json_dumps(details, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
	else
		rc = audit_append(c, action, object, txt);
	free(txt);
	json_decref(details);
	return rc;
}

/* Records a failure for name; locks it once the limit is reached. Inside the caller's write transaction. */
static enum tk_err note_failure(struct svc_ctx *c, const char *user, uint64_t limit, uint64_t lock_s, int64_t now)
{
	struct store_stmt *s = NULL;
	int row;
	enum tk_err rc;

	if ((rc = store_prepare(c->st,
		 "INSERT INTO login_failures (username, failures, locked_until, last_failure_at) VALUES (?, 1, 0, ?)"
		 " ON CONFLICT (username) DO UPDATE SET failures = login_failures.failures + 1,"
		 " locked_until = CASE WHEN login_failures.failures + 1 >= ? THEN ? ELSE login_failures.locked_until END,"
		 " last_failure_at = excluded.last_failure_at", &s)) != TK_OK)
		return rc;
	if ((rc = store_bind_text(s, 1, user)) == TK_OK && (rc = store_bind_i64(s, 2, now)) == TK_OK &&
	    (rc = store_bind_i64(s, 3, (int64_t)limit)) == TK_OK && (rc = store_bind_i64(s, 4, now + (int64_t)lock_s)) == TK_OK)
		rc = store_step(s, &row);
	store_finalize(s);
	return rc;
}

/* The context's caller becomes this logged-in person. */
static enum tk_err set_person(struct svc_ctx *c, int64_t uid, const char *user, const char *role)
{
	enum tk_err rc;

	c->actor.kind = ACTOR_PERSON;
	c->actor.id = uid;
	c->actor.units[0] = '\0';
	if ((rc = str_copy(c->actor.user, sizeof(c->actor.user), user)) != TK_OK)
		return rc;
	return str_copy(c->actor.role, sizeof(c->actor.role), role);
}

/* locked_until of a name (0 when it has no failures). */
static enum tk_err lock_state(struct svc_ctx *c, const char *user, int64_t *locked_until)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	*locked_until = 0;
	if ((rc = store_prepare(c->st, "SELECT locked_until FROM login_failures WHERE username = ?", &s)) != TK_OK)
		return rc;
	if ((rc = store_bind_text(s, 1, user)) == TK_OK && (rc = store_step(s, &row)) == TK_OK && row)
		*locked_until = store_col_i64(s, 0);
	store_finalize(s);
	return rc;
}

/* What a login needs of a user row; found = 0 for an unknown name. */
struct login_row {
	int found;
	int64_t id;
	char hash[PW_ENCODED_MAX];
	char role[24];
	int active;
};

static enum tk_err login_row_load(struct svc_ctx *c, const char *user, struct login_row *r)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	memset(r, 0, sizeof(*r));
	if ((rc = store_prepare(c->st, "SELECT id, pw_hash, role, active FROM users WHERE username = ?", &s)) != TK_OK)
		return rc;
	if ((rc = store_bind_text(s, 1, user)) == TK_OK && (rc = store_step(s, &row)) == TK_OK && row) {
		r->found = 1;
		r->id = store_col_i64(s, 0);
		if ((rc = str_copy(r->hash, sizeof(r->hash), store_col_text(s, 1))) == TK_OK)
			rc = str_copy(r->role, sizeof(r->role), store_col_text(s, 2));
		r->active = (int)store_col_i64(s, 3);
	}
	store_finalize(s);
	return rc;
}

/*
 * Login runs in three steps so that Argon2id (tens of milliseconds, by
 * design) never holds the write lock: a flood of logins with made-up names
 * must not stall every writer of the instance. (1) read the lock state and
 * the user row without a transaction, (2) verify the password, (3) a short
 * write transaction re-checks the lock and the row and records the failure
 * or the session. A row that changed in between (new password,
 * deactivation) makes the attempt fail.
 */
enum tk_err auth_login(struct svc_ctx *c, const char *user, const char *password, char token_out[64],
    char csrf_out[40])
{
	/* A real hash of a random password: unknown users cost the same time. */
	static const char dummy[] = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$"
				    "Q2Y0n8zx1iD8nq3Oa+Cj0O9Ga1l4Y8K6wQf3u7yJc5E";
	struct store_stmt *s = NULL;
	struct login_row *before = NULL, *now_row = NULL;
	char thash[65], csrf[33];
	uint8_t tmp[24];
	int64_t now = tk_now(), locked_until = 0;
	uint64_t limit, lock_s, hours;
	int row = 0, ok;
	enum tk_err rc;

	csrf_out[0] = '\0';
	if ((rc = config_get_u64(c->inst->cfg, "http", "login_max_failures", 5, 100, &limit)) != TK_OK ||
	    (rc = config_get_u64(c->inst->cfg, "http", "login_lock_seconds", 900, 86400, &lock_s)) != TK_OK ||
	    (rc = config_get_u64(c->inst->cfg, "http", "session_hours", 8, 720, &hours)) != TK_OK)
		return rc;
	if (strlen(user) == 0 || strlen(user) > 64 || strlen(password) > PW_MAX_LEN)
		return tk_fail_code(TK_ERR_AUTH, "invalid_credentials", "user name or password is wrong");
	if (store_in_tx(c->st))
		return tk_fail(TK_ERR_INTERNAL, "auth: login must not run inside a transaction (Argon2id would hold it)");
	if ((before = calloc(1, sizeof(*before))) == NULL || (now_row = calloc(1, sizeof(*now_row))) == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
		goto out;
	}
	/* (1) Read only: a locked name costs no Argon2id and no write. */
	if ((rc = lock_state(c, user, &locked_until)) != TK_OK)
		goto out;
	if (locked_until > now) {
		rc = tk_fail_code(TK_ERR_LIMIT, "too_many_attempts", "too many failed logins; try again later");
		goto out;
	}
	if ((rc = login_row_load(c, user, before)) != TK_OK)
		goto out;
	/* (2) Outside any transaction. */
	ok = argon2id_verify(before->found ? before->hash : dummy, password, strlen(password)) == ARGON2_OK;
	ok = ok && before->found && before->active && strcmp(before->role, "application") != 0;
	/* (3) Short write transaction. */
	if ((rc = store_begin(c->st, STORE_TX_WRITE)) != TK_OK)
		goto out;
	if ((rc = lock_state(c, user, &locked_until)) != TK_OK)
		goto fail;
	if (locked_until > now) {
		/* Other attempts locked the name while this one was verified. */
		rc = tk_fail_code(TK_ERR_LIMIT, "too_many_attempts", "too many failed logins; try again later");
		goto fail;
	}
	if (locked_until != 0) {
		/* The lock has run out: the next attempts count from zero again. */
		if ((rc = user_exec(c, "DELETE FROM login_failures WHERE username = ?", NULL, user, NULL)) != TK_OK)
			goto fail;
	}
	if (ok) {
		/* The row the password was checked against must still be the user's. */
		if ((rc = login_row_load(c, user, now_row)) != TK_OK)
			goto fail;
		ok = now_row->found && now_row->id == before->id && now_row->active && strcmp(now_row->role, before->role) == 0 &&
		     strcmp(now_row->hash, before->hash) == 0;
	}
	if (!ok) {
		if ((rc = note_failure(c, user, limit, lock_s, now)) != TK_OK ||
		    (rc = audit_append(c, "auth.login_failed", user, NULL)) != TK_OK)
			goto fail;
		if ((rc = store_commit(c->st)) == TK_OK)
			rc = tk_fail_code(TK_ERR_AUTH, "invalid_credentials", "user name or password is wrong");
		goto out;
	}
	random_hex(tmp, 24, token_out, &rc);
	if (rc != TK_OK)
		goto fail;
	random_hex(tmp, 16, csrf, &rc);
	if (rc != TK_OK)
		goto fail;
	sha256_hex(token_out, strlen(token_out), thash);
	if ((rc = store_prepare(c->st, "INSERT INTO sessions (token_hash, user_id, csrf, ip, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)", &s)) != TK_OK ||
	    (rc = store_bind_text(s, 1, thash)) != TK_OK || (rc = store_bind_i64(s, 2, now_row->id)) != TK_OK ||
	    (rc = store_bind_text(s, 3, csrf)) != TK_OK || (rc = store_bind_text(s, 4, c->actor.ip)) != TK_OK ||
	    (rc = store_bind_i64(s, 5, now)) != TK_OK || (rc = store_bind_i64(s, 6, now + (int64_t)hours * 3600)) != TK_OK ||
	    (rc = store_step(s, &row)) != TK_OK)
		goto fail;
	store_finalize(s);
	s = NULL;
	if ((rc = user_exec(c, "DELETE FROM login_failures WHERE username = ?", NULL, user, NULL)) != TK_OK)
		goto fail;
	if ((rc = set_person(c, now_row->id, user, now_row->role)) != TK_OK || (rc = audit_append(c, "auth.login", user, NULL)) != TK_OK)
		goto fail;
	if ((rc = store_commit(c->st)) != TK_OK)
		goto out;
	rc = str_copy(csrf_out, 40, csrf);
	goto out;
fail:
	store_rollback(c->st);
out:
	store_finalize(s);
	if (before != NULL)
		OPENSSL_cleanse(before->hash, sizeof(before->hash));
	if (now_row != NULL)
		OPENSSL_cleanse(now_row->hash, sizeof(now_row->hash));
	free(before);
	free(now_row);
	if (rc != TK_OK)
		OPENSSL_cleanse(token_out, 64);
	return rc;
}

/*
 * login_failures gains a row for every name anyone tries, so rows whose
 * lock has run out and whose last failure is older than the lock window
 * are deleted, at most AUTH_PURGE_MAX_ROWS per call (the hourly job).
 */
enum tk_err auth_purge_failures(struct svc_ctx *c, int64_t now, int64_t *n)
{
	struct store_stmt *s = NULL;
	uint64_t lock_s;
	int row = 0;
	enum tk_err rc;

	*n = 0;
	if (c->actor.kind != ACTOR_OPERATOR)
		return tk_fail_code(TK_ERR_DENIED, "forbidden", "only the instance's own jobs purge login failures");
	if ((rc = config_get_u64(c->inst->cfg, "http", "login_lock_seconds", 900, 86400, &lock_s)) != TK_OK)
		return rc;
	if ((rc = store_begin(c->st, STORE_TX_WRITE)) != TK_OK)
		return rc;
	if ((rc = store_prepare(c->st, "DELETE FROM login_failures WHERE username IN (SELECT username FROM login_failures"
		 " WHERE locked_until <= ? AND last_failure_at < ? ORDER BY last_failure_at LIMIT ?)", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, now)) != TK_OK || (rc = store_bind_i64(s, 2, now - (int64_t)lock_s)) != TK_OK ||
	    (rc = store_bind_i64(s, 3, AUTH_PURGE_MAX_ROWS)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto fail;
	*n = store_changes(s);
	store_finalize(s);
	s = NULL;
	if (*n > 0 && (rc = audit_json(c, "auth.failures_purged", "login_failures", json_pack("{s:I}", "rows", (json_int_t)*n))) != TK_OK)
		goto fail;
	if ((rc = store_commit(c->st)) != TK_OK)
		*n = 0;
	return rc;
fail:
	store_finalize(s);
	store_rollback(c->st);
	*n = 0;
	return rc;
}

enum tk_err auth_session(struct svc_ctx *c, const char *token, char csrf_out[40])
{
	struct store_stmt *s = NULL;
	char thash[65];
	int row = 0;
	enum tk_err rc;

	csrf_out[0] = '\0';
	if (strlen(token) != 48)
		return tk_fail_code(TK_ERR_AUTH, "unauthenticated", "session expired or unknown; log in again");
	sha256_hex(token, 48, thash);
	if ((rc = store_prepare(c->st,
		 "SELECT u.id, u.username, u.role, s.csrf FROM sessions s JOIN users u ON u.id = s.user_id"
		 " WHERE s.token_hash = ? AND s.expires_at > ? AND u.active = 1", &s)) != TK_OK)
		return rc;
	if ((rc = store_bind_text(s, 1, thash)) == TK_OK && (rc = store_bind_i64(s, 2, tk_now())) == TK_OK &&
	    (rc = store_step(s, &row)) == TK_OK) {
		if (!row)
			rc = tk_fail_code(TK_ERR_AUTH, "unauthenticated", "session expired or unknown; log in again");
		else if ((rc = set_person(c, store_col_i64(s, 0), store_col_text(s, 1), store_col_text(s, 2))) == TK_OK)
			rc = str_copy(csrf_out, 40, store_col_text(s, 3));
	}
	store_finalize(s);
	return rc;
}

enum tk_err auth_logout(struct svc_ctx *c, const char *token)
{
	struct store_stmt *s = NULL;
	char thash[65];
	int row;
	enum tk_err rc;

	sha256_hex(token, strlen(token), thash);
	if ((rc = store_begin(c->st, STORE_TX_WRITE)) != TK_OK)
		return rc;
	if ((rc = store_prepare(c->st, "DELETE FROM sessions WHERE token_hash = ?", &s)) != TK_OK ||
	    (rc = store_bind_text(s, 1, thash)) != TK_OK || (rc = store_step(s, &row)) != TK_OK ||
	    (rc = audit_append(c, "auth.logout", c->actor.user, NULL)) != TK_OK) {
		store_rollback(c->st);
		store_finalize(s);
		return rc;
	}
	store_finalize(s);
	return store_commit(c->st);
}

enum tk_err auth_apikey_create(struct svc_ctx *c, const char *name, const char *units, char key_out[80], int64_t *id)
{
	struct store_stmt *s = NULL;
	uint8_t tmp[20];
	char prefix[17], secret[41], khash[65];
	json_t *d = NULL;
	char *dtxt = NULL;
	int row = 0;
	enum tk_err rc;

	if (strlen(name) == 0 || strlen(name) > 100)
		return tk_fail_code(TK_ERR_INVALID, "invalid_name", "application name must be 1-100 characters");
	if (strlen(units) > 250)
		return tk_fail_code(TK_ERR_INVALID, "invalid_units", "units list too long");
	random_hex(tmp, 8, prefix, &rc);
	if (rc != TK_OK)
		return rc;
	random_hex(tmp, 20, secret, &rc);
	if (rc != TK_OK)
		return rc;
	if ((rc = str_fmt(key_out, 80, "tk_%s_%s", prefix, secret)) != TK_OK)
		return rc;
	OPENSSL_cleanse(secret, sizeof(secret));
	sha256_hex(key_out, strlen(key_out), khash);
	if ((rc = store_begin(c->st, STORE_TX_WRITE)) != TK_OK)
		goto out;
	if ((rc = store_prepare(c->st, "INSERT INTO api_keys (prefix, key_hash, name, units, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id", &s)) != TK_OK ||
	    (rc = store_bind_text(s, 1, prefix)) != TK_OK || (rc = store_bind_text(s, 2, khash)) != TK_OK ||
	    (rc = store_bind_text(s, 3, name)) != TK_OK || (rc = store_bind_text(s, 4, units)) != TK_OK ||
	    (rc = store_bind_i64(s, 5, tk_now())) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto fail;
	if (id != NULL)
		*id = store_col_i64(s, 0);
	store_finalize(s);
	s = NULL;
	d = json_pack("{s:s, s:s, s:s}", "name", name, "units", units, "prefix", prefix);
	if (d == NULL || (dtxt = json_dumps(d, JSON_COMPACT)) == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
		goto fail;
	}
	if ((rc = audit_append(c, "apikey.create", name, dtxt)) != TK_OK)
		goto fail;
	rc = store_commit(c->st);
	goto out;
fail:
	store_rollback(c->st);
out:
	if (rc != TK_OK)
		OPENSSL_cleanse(key_out, 80);
	free(dtxt);
	json_decref(d);
	store_finalize(s);
	return rc;
}

enum tk_err auth_apikey(struct svc_ctx *c, const char *key)
{
	struct store_stmt *s = NULL;
	char prefix[17], khash[65];
	int row = 0;
	enum tk_err rc;

	/* tk_<16 hex>_<40 hex> */
	if (strlen(key) != 3 + 16 + 1 + 40 || strncmp(key, "tk_", 3) != 0 || key[19] != '_')
		return tk_fail_code(TK_ERR_AUTH, "unauthenticated", "invalid API key");
	memcpy(prefix, key + 3, 16);
	prefix[16] = '\0';
	sha256_hex(key, strlen(key), khash);
	if ((rc = store_prepare(c->st, "SELECT id, key_hash, name, units FROM api_keys WHERE prefix = ? AND revoked_at IS NULL", &s)) != TK_OK)
		return rc;
	if ((rc = store_bind_text(s, 1, prefix)) == TK_OK && (rc = store_step(s, &row)) == TK_OK) {
		if (!row || CRYPTO_memcmp(store_col_text(s, 1), khash, 64) != 0) {
			rc = tk_fail_code(TK_ERR_AUTH, "unauthenticated", "invalid API key");
		} else {
			c->actor.kind = ACTOR_APPLICATION;
			c->actor.id = store_col_i64(s, 0);
			if ((rc = str_copy(c->actor.user, sizeof(c->actor.user), store_col_text(s, 2))) == TK_OK &&
			    (rc = str_copy(c->actor.units, sizeof(c->actor.units), store_col_text(s, 3))) == TK_OK)
				rc = str_copy(c->actor.role, sizeof(c->actor.role), "application");
		}
	}
	store_finalize(s);
	return rc;
}

enum tk_err auth_apikey_revoke(struct svc_ctx *c, int64_t id)
{
	struct store_stmt *s = NULL;
	char obj[24];
	int row;
	enum tk_err rc;

	if ((rc = store_begin(c->st, STORE_TX_WRITE)) != TK_OK)
		return rc;
	if ((rc = store_prepare(c->st, "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, tk_now())) != TK_OK || (rc = store_bind_i64(s, 2, id)) != TK_OK ||
	    (rc = store_step(s, &row)) != TK_OK)
		goto fail;
	if (store_changes(s) == 0) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_api_key", "no active API key %lld", (long long)id);
		goto fail;
	}
	if ((rc = str_fmt(obj, sizeof(obj), "%lld", (long long)id)) != TK_OK || (rc = audit_append(c, "apikey.revoke", obj, NULL)) != TK_OK)
		goto fail;
	store_finalize(s);
	s = NULL;
	rc = store_commit(c->st);
	goto out;
fail:
	store_rollback(c->st);
out:
	store_finalize(s);
	return rc;
}

enum tk_err auth_basic_of_key(const char *key, char user[24], char password[48])
{
	/* tk_<16 hex prefix>_<40 hex secret> */
	if (strlen(key) != 60 || strncmp(key, "tk_", 3) != 0 || key[19] != '_')
		return tk_fail(TK_ERR_INVALID, "not an API key");
	memcpy(user, "esign-", 6);
	memcpy(user + 6, key + 3, 16);
	user[22] = '\0';
	memcpy(password, key + 20, 40);
	password[40] = '\0';
	return TK_OK;
}

enum tk_err auth_basic(struct svc_ctx *c, const char *b64)
{
	uint8_t raw[160];
	char key[80];
	size_t n = 0;
	const uint8_t *colon;
	enum tk_err rc;

	if (strlen(b64) > 200 || b64_decode(b64, strlen(b64), raw, sizeof(raw), &n) != TK_OK ||
	    (colon = memchr(raw, ':', n)) == NULL)
		return tk_fail_code(TK_ERR_AUTH, "unauthenticated", "invalid Basic credentials");
	/* user "esign-<16 hex>", password "<40 hex>" */
	if ((size_t)(colon - raw) != 22 || memcmp(raw, "esign-", 6) != 0 || n - (size_t)(colon - raw) - 1 != 40) {
		OPENSSL_cleanse(raw, sizeof(raw));
		return tk_fail_code(TK_ERR_AUTH, "unauthenticated", "invalid Basic credentials");
	}
	memcpy(key, "tk_", 3);
	memcpy(key + 3, raw + 6, 16);
	key[19] = '_';
	memcpy(key + 20, colon + 1, 40);
	key[60] = '\0';
	rc = auth_apikey(c, key);
	OPENSSL_cleanse(raw, sizeof(raw));
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

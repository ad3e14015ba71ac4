/* Users (Argon2id), sessions, login throttling and application API keys. */
#include "svc/audit/audit.h"
#include "svc/auth/auth.h"
#include "svc/base/base.h"
#include "svc/base/base_int.h"

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

static const char *const roles[] = { "admin", "verifikator", "subscriber", "application", "auditor" };

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

/*
 * [auth] password_change_first_login: a password someone else chose (an
 * admin's, the operator's) must be changed by its person at the next
 * login. Absent means no, so an upgraded instance keeps its behaviour
 * until the operator turns it on; `teken init` writes yes (no with --demo).
 */
static int first_login_change(const struct svc_ctx *c)
{
	return strcmp(config_get_or(c->inst->cfg, "auth", "password_change_first_login", "no"), "yes") == 0;
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

/* ------------------------------------------------ who manages accounts */

int auth_role_is_staff(const char *role)
{
	return strcmp(role, "admin") == 0 || strcmp(role, "verifikator") == 0;
}

/* Admins (a logged-in person) and the operator on the machine manage accounts. */
static enum tk_err may_manage_users(const struct svc_ctx *c)
{
	if (c->actor.kind == ACTOR_OPERATOR || (c->actor.kind == ACTOR_PERSON && strcmp(c->actor.role, "admin") == 0))
		return TK_OK;
	return tk_fail_code(TK_ERR_DENIED, "forbidden", "only an admin manages user accounts");
}

/*
 * [auth] staff_approvals: how many distinct admins agree to a staff account
 * change, the filing admin counting as the first. Never below two: one
 * admin alone must not be able to meet the two-Verifikator rule (R9).
 */
static enum tk_err staff_approvals(const struct svc_ctx *c, int64_t *out)
{
	uint64_t v;
	enum tk_err rc;

	if ((rc = config_get_u64(c->inst->cfg, "auth", "staff_approvals", 2, 10, &v)) != TK_OK)
		return rc;
	*out = v < 2 ? 2 : (int64_t)v;
	return TK_OK;
}

/*
 * Whether a change of a staff account waits for approvals (*out = 1) or is
 * made at once. Only the operator on the machine acts at once, and only
 * while the instance has fewer active admins than approvals are needed: no
 * request could ever be approved then (first-run bootstrap, teken init
 * --demo). Runs inside the write transaction of the change.
 */
static enum tk_err staff_change_waits(struct svc_ctx *c, int64_t need, int *out)
{
	int64_t admins = 0;
	enum tk_err rc;

	*out = 1;
	if (c->actor.kind != ACTOR_OPERATOR)
		return TK_OK;
	if ((rc = store_query_i64(c->st, "SELECT COUNT(*) FROM users WHERE role = 'admin' AND active = 1", NULL, &admins)) != TK_OK)
		return rc;
	*out = admins >= need;
	return TK_OK;
}

enum tk_err auth_user_set_password(struct svc_ctx *c, const char *user, const char *password)
{
	char enc[PW_ENCODED_MAX];
	int64_t n = 0;
	enum tk_err rc;

	if ((rc = may_manage_users(c)) != TK_OK || (rc = password_check(user, password)) != TK_OK ||
	    (rc = hash_password(password, enc)) != TK_OK)
		return rc;
	if ((rc = store_begin(c->st, STORE_TX_WRITE)) != TK_OK)
		goto out;
	/* Applications have no password; their credential is the API key. */
	/* The person must choose their own password next (when the instance asks for it). */
	if ((rc = user_exec(c, first_login_change(c) ? "UPDATE users SET pw_hash = ?, must_change_password = 1 WHERE username = ? AND role <> 'application'" : "UPDATE users SET pw_hash = ?, must_change_password = 0 WHERE username = ? AND role <> 'application'",
		 enc, user, &n)) != TK_OK)
		goto fail;
	if (n == 0) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_user", "no such user with a password");
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

struct account_change {
	const char *kind; /* create, activate or role */
	const char *user;
	const char *role;         /* the staff role the user gets or keeps */
	const char *display_name; /* create only */
	const char *pw_hash;      /* create only: Argon2id hash the filer chose */
};

/*
 * Files an account request inside the caller's write transaction. An admin
 * who files is its first approver; the operator is not an identified admin,
 * so an operator's request needs all its approvals from admins. The
 * password hash is stored with the request, never in the audit log.
 */
static enum tk_err account_request_file(struct svc_ctx *c, const struct account_change *ch, int64_t need, int64_t *id)
{
	struct store_stmt *s = NULL;
	int person = c->actor.kind == ACTOR_PERSON, row = 0;
	int64_t now = tk_now();
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "INSERT INTO account_requests (kind, username, role, display_name, pw_hash, filed_by,"
				       " filed_by_kind, required_approvals, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
		 &s)) != TK_OK)
		return rc;
	if ((rc = store_bind_text(s, 1, ch->kind)) != TK_OK || (rc = store_bind_text(s, 2, ch->user)) != TK_OK ||
	    (rc = store_bind_text(s, 3, ch->role)) != TK_OK ||
	    (rc = ch->display_name ? store_bind_text(s, 4, ch->display_name) : store_bind_null(s, 4)) != TK_OK ||
	    (rc = ch->pw_hash ? store_bind_text(s, 5, ch->pw_hash) : store_bind_null(s, 5)) != TK_OK ||
	    (rc = store_bind_text(s, 6, c->actor.user)) != TK_OK || (rc = store_bind_text(s, 7, person ? "person" : "operator")) != TK_OK ||
	    (rc = store_bind_i64(s, 8, need)) != TK_OK || (rc = store_bind_i64(s, 9, now)) != TK_OK ||
	    (rc = store_step(s, &row)) != TK_OK) {
		if (rc == TK_ERR_EXISTS)
			rc = tk_fail_code(TK_ERR_CONFLICT, "request_pending", "an account request for that user name is already pending");
		goto out;
	}
	*id = store_col_i64(s, 0);
	store_finalize(s);
	s = NULL;
	if (person) {
		if ((rc = store_prepare(c->st, "INSERT INTO account_approvals (request_id, admin, decision, reason, at)"
					       " VALUES (?, ?, 'approve', 'filed the request', ?)",
			 &s)) != TK_OK ||
		    (rc = store_bind_i64(s, 1, *id)) != TK_OK || (rc = store_bind_text(s, 2, c->actor.user)) != TK_OK ||
		    (rc = store_bind_i64(s, 3, now)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
			goto out;
	}
	rc = audit_json(c, "user.request", ch->user, json_pack("{s:I, s:s, s:s, s:I}", "request", (json_int_t)*id, "kind", ch->kind, "role", ch->role, "required_approvals", (json_int_t)need));
out:
	store_finalize(s);
	return rc;
}

/* Inserts a user row; *id receives its id. The password was chosen by an admin or the operator: see first_login_change(). */
static enum tk_err user_insert(struct svc_ctx *c, const char *user, const char *display_name, const char *role, const char *pw_hash,
    int64_t *id)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "INSERT INTO users (username, display_name, role, pw_hash, created_at, must_change_password)"
				       " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
		 &s)) != TK_OK)
		return rc;
	if ((rc = store_bind_text(s, 1, user)) != TK_OK || (rc = store_bind_text(s, 2, display_name)) != TK_OK ||
	    (rc = store_bind_text(s, 3, role)) != TK_OK || (rc = store_bind_text(s, 4, pw_hash)) != TK_OK ||
	    (rc = store_bind_i64(s, 5, tk_now())) != TK_OK || (rc = store_bind_i64(s, 6, first_login_change(c))) != TK_OK ||
	    (rc = store_step(s, &row)) != TK_OK) {
		if (rc == TK_ERR_EXISTS)
			rc = tk_fail_code(TK_ERR_EXISTS, "user_exists", "that user name is already taken");
	} else if (id != NULL) {
		*id = store_col_i64(s, 0);
	}
	store_finalize(s);
	return rc;
}

/* A request that would need approvals, with no way to report its id: refused. */
static enum tk_err approval_required(void)
{
	return tk_fail_code(TK_ERR_CONFLICT, "approval_required", "this change of a staff account needs a second admin's approval");
}

enum tk_err auth_user_add(struct svc_ctx *c, const char *user, const char *password, const char *role,
    const char *display_name, int64_t *id, int64_t *request_id)
{
	char enc[PW_ENCODED_MAX];
	int64_t need = 0, taken = 0, rid = 0, uid = 0;
	int waits = 0;
	enum tk_err rc;

	if (id != NULL)
		*id = 0;
	if (request_id != NULL)
		*request_id = 0;
	if ((rc = may_manage_users(c)) != TK_OK)
		return rc;
	if (!username_ok(user))
		return tk_fail_code(TK_ERR_INVALID, "invalid_username", "user name must be 3-64 characters of a-z 0-9 . - _ @");
	if (!auth_role_valid(role))
		return tk_fail_code(TK_ERR_INVALID, "invalid_role", "role must be admin, verifikator, subscriber, application or auditor");
	if (strcmp(role, "application") == 0)
		return tk_fail_code(TK_ERR_INVALID, "invalid_role", "applications use API keys: teken apikey create, POST /api/v1/apikeys");
	if ((rc = password_check(user, password)) != TK_OK)
		return rc;
	if (strlen(display_name) == 0 || strlen(display_name) > 200)
		return tk_fail_code(TK_ERR_INVALID, "invalid_name", "display name must be 1-200 characters");
	if ((rc = staff_approvals(c, &need)) != TK_OK)
		return rc;
	/* Argon2id before the write transaction: hashing must not hold the write lock. */
	if ((rc = hash_password(password, enc)) != TK_OK)
		return rc;
	if ((rc = store_begin(c->st, STORE_TX_WRITE)) != TK_OK)
		goto out;
	if (auth_role_is_staff(role) && (rc = staff_change_waits(c, need, &waits)) != TK_OK)
		goto fail;
	if (waits) {
		struct account_change ch = { "create", user, role, display_name, enc };
		if (request_id == NULL) {
			rc = approval_required();
			goto fail;
		}
		/* A name already taken is refused now, not when the last approval arrives. */
		if ((rc = store_query_i64(c->st, "SELECT COUNT(*) FROM users WHERE username = ?", user, &taken)) != TK_OK)
			goto fail;
		if (taken) {
			rc = tk_fail_code(TK_ERR_EXISTS, "user_exists", "that user name is already taken");
			goto fail;
		}
		if ((rc = account_request_file(c, &ch, need, &rid)) != TK_OK)
			goto fail;
	} else {
		if ((rc = user_insert(c, user, display_name, role, enc, &uid)) != TK_OK)
			goto fail;
		/* A staff account made at once is the operator's bootstrap: say so in the log. */
		if ((rc = audit_json(c, "user.create", user, auth_role_is_staff(role) ? json_pack("{s:s, s:b}", "role", role, "bootstrap", 1) : json_pack("{s:s}", "role", role))) != TK_OK)
			goto fail;
	}
	if ((rc = store_commit(c->st)) != TK_OK)
		goto out;
	if (id != NULL)
		*id = uid;
	if (request_id != NULL)
		*request_id = rid;
	goto out;
fail:
	store_rollback(c->st);
out:
	OPENSSL_cleanse(enc, sizeof(enc));
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

/* The role and active flag of a user; TK_ERR_NOT_FOUND when there is none. */
static enum tk_err user_state(struct svc_ctx *c, const char *user, char role[24], int *active)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "SELECT role, active FROM users WHERE username = ?", &s)) != TK_OK)
		return rc;
	if ((rc = store_bind_text(s, 1, user)) == TK_OK && (rc = store_step(s, &row)) == TK_OK) {
		if (!row)
			rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_user", "no such user");
		else if ((rc = str_copy(role, 24, store_col_text(s, 0))) == TK_OK)
			*active = (int)store_col_i64(s, 1);
	}
	store_finalize(s);
	return rc;
}

/* Ends every session of user (deactivation, role change). */
static enum tk_err end_sessions(struct svc_ctx *c, const char *user)
{
	return user_exec(c, "DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE username = ?)", NULL, user, NULL);
}

enum tk_err auth_user_set_active(struct svc_ctx *c, const char *user, int active, int64_t *request_id)
{
	char role[24];
	int64_t need = 0, rid = 0;
	int was = 0, waits = 0;
	enum tk_err rc;

	if (request_id != NULL)
		*request_id = 0;
	if ((rc = may_manage_users(c)) != TK_OK)
		return rc;
	if (!active && c->actor.kind == ACTOR_PERSON && strcmp(user, c->actor.user) == 0)
		return tk_fail_code(TK_ERR_CONFLICT, "self_deactivation", "you cannot deactivate yourself");
	if ((rc = staff_approvals(c, &need)) != TK_OK)
		return rc;
	if ((rc = store_begin(c->st, STORE_TX_WRITE)) != TK_OK)
		return rc;
	if ((rc = user_state(c, user, role, &was)) != TK_OK)
		goto fail;
	if ((was != 0) == (active != 0)) {
		store_rollback(c->st); /* nothing to change, nothing to record */
		return TK_OK;
	}
	/* Taking a right away needs one admin; giving a staff account back needs dual control. */
	if (active && auth_role_is_staff(role) && (rc = staff_change_waits(c, need, &waits)) != TK_OK)
		goto fail;
	if (waits) {
		struct account_change ch = { "activate", user, role, NULL, NULL };
		if (request_id == NULL) {
			rc = approval_required();
			goto fail;
		}
		if ((rc = account_request_file(c, &ch, need, &rid)) != TK_OK)
			goto fail;
	} else {
		if ((rc = user_exec(c, active ? "UPDATE users SET active = 1 WHERE username = ?" : "UPDATE users SET active = 0 WHERE username = ?",
			 NULL, user, NULL)) != TK_OK)
			goto fail;
		/* A deactivated user loses every open session at once. */
		if (!active && (rc = end_sessions(c, user)) != TK_OK)
			goto fail;
		if ((rc = audit_append(c, active ? "user.activate" : "user.deactivate", user, NULL)) != TK_OK)
			goto fail;
	}
	if ((rc = store_commit(c->st)) == TK_OK && request_id != NULL)
		*request_id = rid;
	return rc;
fail:
	store_rollback(c->st);
	return rc;
}

enum tk_err auth_user_set_role(struct svc_ctx *c, const char *user, const char *role, int64_t *request_id)
{
	char was[24];
	int64_t need = 0, rid = 0;
	int active = 0, waits = 0;
	enum tk_err rc;

	if (request_id != NULL)
		*request_id = 0;
	if ((rc = may_manage_users(c)) != TK_OK)
		return rc;
	if (!auth_role_valid(role) || strcmp(role, "application") == 0)
		return tk_fail_code(TK_ERR_INVALID, "invalid_role", "role must be admin, verifikator, subscriber or auditor");
	if (c->actor.kind == ACTOR_PERSON && strcmp(user, c->actor.user) == 0)
		return tk_fail_code(TK_ERR_CONFLICT, "self_role_change", "you cannot change your own role");
	if ((rc = staff_approvals(c, &need)) != TK_OK)
		return rc;
	if ((rc = store_begin(c->st, STORE_TX_WRITE)) != TK_OK)
		return rc;
	if ((rc = user_state(c, user, was, &active)) != TK_OK)
		goto fail;
	if (strcmp(was, "application") == 0) {
		rc = tk_fail_code(TK_ERR_INVALID, "invalid_role", "that is an application account; applications use API keys");
		goto fail;
	}
	if (strcmp(was, role) == 0) {
		store_rollback(c->st);
		return TK_OK;
	}
	if (auth_role_is_staff(role) && (rc = staff_change_waits(c, need, &waits)) != TK_OK)
		goto fail;
	if (waits) {
		struct account_change ch = { "role", user, role, NULL, NULL };
		if (request_id == NULL) {
			rc = approval_required();
			goto fail;
		}
		if ((rc = account_request_file(c, &ch, need, &rid)) != TK_OK)
			goto fail;
	} else {
		/* Sessions carry no role (it is read per request), but a changed role starts afresh. */
		if ((rc = user_exec(c, "UPDATE users SET role = ? WHERE username = ?", role, user, NULL)) != TK_OK ||
		    (rc = end_sessions(c, user)) != TK_OK ||
		    (rc = audit_json(c, "user.role", user, json_pack("{s:s, s:s}", "from", was, "to", role))) != TK_OK)
			goto fail;
	}
	if ((rc = store_commit(c->st)) == TK_OK && request_id != NULL)
		*request_id = rid;
	return rc;
fail:
	store_rollback(c->st);
	return rc;
}

/* ------------------------------------------------- account requests */

#define ACCOUNT_REQUEST_COLS \
	"id, kind, username, role, display_name, filed_by, filed_by_kind, status, required_approvals, reason, created_at, decided_at"

/* One account request as JSON, with its decisions (never the password hash). */
static enum tk_err account_request_row(struct svc_ctx *c, struct store_stmt *r, json_t **out)
{
	struct store_stmt *s = NULL;
	json_t *o, *dec = json_array();
	int64_t id = store_col_i64(r, 0), have = 0;
	int row = 0;
	enum tk_err rc;

	o = json_pack("{s:I, s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:I, s:o, s:I, s:o}", "id", (json_int_t)id, "kind", store_col_text(r, 1),
	    "user", store_col_text(r, 2), "role", store_col_text(r, 3), "display_name",
	    store_col_null(r, 4) ? json_null() : json_string(store_col_text(r, 4)), "filed_by", store_col_text(r, 5), "filed_by_kind",
	    store_col_text(r, 6), "status", store_col_text(r, 7), "required_approvals", (json_int_t)store_col_i64(r, 8), "reason",
	    store_col_null(r, 9) ? json_null() : json_string(store_col_text(r, 9)), "created_at", (json_int_t)store_col_i64(r, 10),
	    "decided_at", store_col_null(r, 11) ? json_null() : json_integer(store_col_i64(r, 11)));
	if (o == NULL || dec == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = store_prepare(c->st, "SELECT admin, decision, reason, at FROM account_approvals WHERE request_id = ? ORDER BY at, admin", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, id)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		json_t *d = json_pack("{s:s, s:s, s:o, s:I}", "admin", store_col_text(s, 0), "decision", store_col_text(s, 1), "reason",
		    store_col_null(s, 2) ? json_null() : json_string(store_col_text(s, 2)), "at", (json_int_t)store_col_i64(s, 3));
		if (d == NULL || json_array_append_new(dec, d) != 0) {
			rc = tk_fail(TK_ERR_NOMEM, "out of memory");
			goto out;
		}
		if (strcmp(store_col_text(s, 1), "approve") == 0)
			have++;
	}
	if (rc != TK_OK)
		goto out;
	if (json_object_set_new(o, "approvals", json_integer(have)) != 0 || json_object_set(o, "decisions", dec) != 0) {
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
		goto out;
	}
	*out = o;
	o = NULL;
out:
	store_finalize(s);
	json_decref(dec);
	json_decref(o);
	return rc;
}

/* Admins decide account requests; auditors may read them. */
static enum tk_err may_read_account_requests(const struct svc_ctx *c)
{
	if (c->actor.kind == ACTOR_OPERATOR ||
	    (c->actor.kind == ACTOR_PERSON && (strcmp(c->actor.role, "admin") == 0 || strcmp(c->actor.role, "auditor") == 0)))
		return TK_OK;
	return tk_fail_code(TK_ERR_DENIED, "forbidden", "only admins and auditors see account requests");
}

enum tk_err auth_account_requests_json(struct svc_ctx *c, const char *status, char **json_out)
{
	struct store_stmt *s = NULL;
	json_t *arr = NULL;
	int row = 0;
	enum tk_err rc;

	if ((rc = may_read_account_requests(c)) != TK_OK)
		return rc;
	if (status != NULL && strcmp(status, "pending") != 0 && strcmp(status, "approved") != 0 && strcmp(status, "rejected") != 0)
		return tk_fail_code(TK_ERR_INVALID, "invalid_status", "status must be pending, approved or rejected");
	if ((arr = json_array()) == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	rc = store_prepare(c->st, status ? "SELECT " ACCOUNT_REQUEST_COLS " FROM account_requests WHERE status = ? ORDER BY id DESC LIMIT 500" : "SELECT " ACCOUNT_REQUEST_COLS " FROM account_requests ORDER BY id DESC LIMIT 500", &s);
	if (rc == TK_OK && status != NULL)
		rc = store_bind_text(s, 1, status);
	while (rc == TK_OK && (rc = store_step(s, &row)) == TK_OK && row) {
		json_t *o = NULL;
		if ((rc = account_request_row(c, s, &o)) == TK_OK && json_array_append_new(arr, o) != 0)
			rc = tk_fail(TK_ERR_NOMEM, "out of memory");
	}
	if (rc == TK_OK && (*json_out = json_dumps(arr, JSON_COMPACT)) == NULL)
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
	store_finalize(s);
	json_decref(arr);
	return rc;
}

struct account_request {
	char kind[16];
	char user[65];
	char role[24];
	char display_name[201];
	char pw_hash[PW_ENCODED_MAX];
	char filed_by[64];
	int by_person;
	int pending;
	int64_t need;
};

static enum tk_err account_request_load(struct svc_ctx *c, int64_t id, struct account_request *r)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "SELECT kind, username, role, display_name, pw_hash, filed_by, filed_by_kind, status,"
				       " required_approvals FROM account_requests WHERE id = ?",
		 &s)) != TK_OK)
		return rc;
	if ((rc = store_bind_i64(s, 1, id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_request", "no account request %lld", (long long)id);
		goto out;
	}
	if ((rc = str_copy(r->kind, sizeof(r->kind), store_col_text(s, 0))) != TK_OK ||
	    (rc = str_copy(r->user, sizeof(r->user), store_col_text(s, 1))) != TK_OK ||
	    (rc = str_copy(r->role, sizeof(r->role), store_col_text(s, 2))) != TK_OK ||
	    (rc = str_copy(r->display_name, sizeof(r->display_name), store_col_text(s, 3))) != TK_OK ||
	    (rc = str_copy(r->pw_hash, sizeof(r->pw_hash), store_col_text(s, 4))) != TK_OK ||
	    (rc = str_copy(r->filed_by, sizeof(r->filed_by), store_col_text(s, 5))) != TK_OK)
		goto out;
	r->by_person = strcmp(store_col_text(s, 6), "person") == 0;
	r->pending = strcmp(store_col_text(s, 7), "pending") == 0;
	r->need = store_col_i64(s, 8);
out:
	store_finalize(s);
	return rc;
}

/* The change an approved request stands for, made now (same transaction as the last approval). */
static enum tk_err account_request_execute(struct svc_ctx *c, int64_t id, const struct account_request *r)
{
	char was[24], rid[24];
	int active = 0;
	int64_t n = 0;
	enum tk_err rc;

	if ((rc = str_fmt(rid, sizeof(rid), "%lld", (long long)id)) != TK_OK)
		return rc;
	if (strcmp(r->kind, "create") == 0) {
		if ((rc = user_insert(c, r->user, r->display_name, r->role, r->pw_hash, NULL)) != TK_OK)
			return rc;
		return audit_json(c, "user.create", r->user, json_pack("{s:s, s:I}", "role", r->role, "request", (json_int_t)id));
	}
	if ((rc = user_state(c, r->user, was, &active)) != TK_OK)
		return rc;
	if (strcmp(r->kind, "activate") == 0) {
		/* The request was for the account as it was: a role changed since needs a request of its own. */
		if (strcmp(was, r->role) != 0)
			return tk_fail_code(TK_ERR_CONFLICT, "request_stale", "the user is no longer a %s; reject request %s", r->role, rid);
		if ((rc = user_exec(c, "UPDATE users SET active = 1 WHERE username = ?", NULL, r->user, &n)) != TK_OK)
			return rc;
		return audit_json(c, "user.activate", r->user, json_pack("{s:s, s:I}", "role", r->role, "request", (json_int_t)id));
	}
	if ((rc = user_exec(c, "UPDATE users SET role = ? WHERE username = ?", r->role, r->user, &n)) != TK_OK ||
	    (rc = end_sessions(c, r->user)) != TK_OK)
		return rc;
	return audit_json(c, "user.role", r->user, json_pack("{s:s, s:s, s:I}", "from", was, "to", r->role, "request", (json_int_t)id));
}

struct decide_args {
	int64_t id;
	int approve;
	const char *reason;
};

static enum tk_err account_decide_tx(struct svc_ctx *c, void *arg)
{
	struct decide_args *a = arg;
	struct account_request *r;
	struct store_stmt *s = NULL;
	int64_t have = 0;
	int row = 0;
	enum tk_err rc;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	if ((rc = account_request_load(c, a->id, r)) != TK_OK)
		goto out;
	if (!r->pending) {
		rc = tk_fail_code(TK_ERR_CONFLICT, "request_closed", "account request %lld is already decided", (long long)a->id);
		goto out;
	}
	/* Withdrawing or refusing needs one admin; agreeing needs another than the filer and the person concerned. */
	if (a->approve && r->by_person && strcmp(r->filed_by, c->actor.user) == 0) {
		rc = tk_fail_code(TK_ERR_DENIED, "self_approval", "you filed this request; another admin must approve it");
		goto out;
	}
	if (a->approve && strcmp(r->user, c->actor.user) == 0) {
		rc = tk_fail_code(TK_ERR_DENIED, "self_approval", "this request concerns you; another admin must approve it");
		goto out;
	}
	/* A rejection replaces the rejecting admin's earlier approval (a filer withdrawing their request). */
	if ((rc = store_prepare(c->st, a->approve ? "INSERT INTO account_approvals (request_id, admin, decision, reason, at) VALUES (?, ?, ?, ?, ?)" : "INSERT INTO account_approvals (request_id, admin, decision, reason, at) VALUES (?, ?, ?, ?, ?)"
																		       " ON CONFLICT (request_id, admin) DO UPDATE SET decision = excluded.decision,"
																		       " reason = excluded.reason, at = excluded.at",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, a->id)) != TK_OK || (rc = store_bind_text(s, 2, c->actor.user)) != TK_OK ||
	    (rc = store_bind_text(s, 3, a->approve ? "approve" : "reject")) != TK_OK ||
	    (rc = a->reason ? store_bind_text(s, 4, a->reason) : store_bind_null(s, 4)) != TK_OK ||
	    (rc = store_bind_i64(s, 5, tk_now())) != TK_OK || (rc = store_step(s, &row)) != TK_OK) {
		if (rc == TK_ERR_EXISTS)
			rc = tk_fail_code(TK_ERR_CONFLICT, "already_decided", "you have already decided account request %lld", (long long)a->id);
		goto out;
	}
	store_finalize(s);
	s = NULL;
	if (a->approve)
		rc = audit_json(c, "user.request_approve", r->user, json_pack("{s:I}", "request", (json_int_t)a->id));
	else
		rc = audit_json(c, "user.request_reject", r->user, json_pack("{s:I, s:s}", "request", (json_int_t)a->id, "reason", a->reason));
	if (rc != TK_OK)
		goto out;
	if (a->approve) {
		if ((rc = store_prepare(c->st, "SELECT COUNT(*) FROM account_approvals WHERE request_id = ? AND decision = 'approve'", &s)) != TK_OK ||
		    (rc = store_bind_i64(s, 1, a->id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
			goto out;
		have = store_col_i64(s, 0);
		store_finalize(s);
		s = NULL;
		if (have < r->need)
			goto out; /* waits for more admins */
		if ((rc = account_request_execute(c, a->id, r)) != TK_OK)
			goto out;
	}
	/* Decided either way: the password hash leaves the request (it lives on in users when approved). */
	if ((rc = store_prepare(c->st, "UPDATE account_requests SET status = ?, pw_hash = NULL, reason = ?, decided_at = ? WHERE id = ?", &s)) != TK_OK ||
	    (rc = store_bind_text(s, 1, a->approve ? "approved" : "rejected")) != TK_OK ||
	    (rc = a->reason ? store_bind_text(s, 2, a->reason) : store_bind_null(s, 2)) != TK_OK ||
	    (rc = store_bind_i64(s, 3, tk_now())) != TK_OK || (rc = store_bind_i64(s, 4, a->id)) != TK_OK)
		goto out;
	rc = store_step(s, &row);
out:
	store_finalize(s);
	OPENSSL_cleanse(r->pw_hash, sizeof(r->pw_hash));
	free(r);
	return rc;
}

enum tk_err auth_account_request_decide(struct svc_ctx *c, int64_t id, int approve, const char *reason, char **json_out)
{
	struct decide_args a = { id, approve, reason };
	struct store_stmt *s = NULL;
	json_t *o = NULL;
	int row = 0;
	enum tk_err rc;

	/* A decision is a person's: the operator approves as an admin (teken user approve --as). */
	if (c->actor.kind != ACTOR_PERSON || strcmp(c->actor.role, "admin") != 0)
		return tk_fail_code(TK_ERR_DENIED, "forbidden", "only an admin, logged in as themself, decides account requests");
	if (!approve && (reason == NULL || reason[0] == '\0'))
		return tk_fail_code(TK_ERR_INVALID, "reason_required", "a rejection needs a reason");
	if (reason != NULL && strlen(reason) > 500)
		return tk_fail_code(TK_ERR_INVALID, "invalid_reason", "reason must be at most 500 characters");
	if ((rc = svc_in_tx(c, account_decide_tx, &a)) != TK_OK)
		return rc;
	if ((rc = store_prepare(c->st, "SELECT " ACCOUNT_REQUEST_COLS " FROM account_requests WHERE id = ?", &s)) != TK_OK)
		return rc;
	if ((rc = store_bind_i64(s, 1, id)) == TK_OK && (rc = store_step(s, &row)) == TK_OK && row &&
	    (rc = account_request_row(c, s, &o)) == TK_OK && (*json_out = json_dumps(o, JSON_COMPACT)) == NULL)
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
	json_decref(o);
	store_finalize(s);
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
		 " last_failure_at = excluded.last_failure_at",
		 &s)) != TK_OK)
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
	c->actor.pw_change = 0;
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
	int must_change;
};

static enum tk_err login_row_load(struct svc_ctx *c, const char *user, struct login_row *r)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	memset(r, 0, sizeof(*r));
	if ((rc = store_prepare(c->st, "SELECT id, pw_hash, role, active, must_change_password FROM users WHERE username = ?", &s)) != TK_OK)
		return rc;
	if ((rc = store_bind_text(s, 1, user)) == TK_OK && (rc = store_step(s, &row)) == TK_OK && row) {
		r->found = 1;
		r->id = store_col_i64(s, 0);
		if ((rc = str_copy(r->hash, sizeof(r->hash), store_col_text(s, 1))) == TK_OK)
			rc = str_copy(r->role, sizeof(r->role), store_col_text(s, 2));
		r->active = (int)store_col_i64(s, 3);
		r->must_change = store_col_i64(s, 4) != 0;
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
	c->actor.pw_change = now_row->must_change && first_login_change(c);
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
				       " WHERE locked_until <= ? AND last_failure_at < ? ORDER BY last_failure_at LIMIT ?)",
		 &s)) != TK_OK ||
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
		 "SELECT u.id, u.username, u.role, s.csrf, u.must_change_password FROM sessions s JOIN users u ON u.id = s.user_id"
		 " WHERE s.token_hash = ? AND s.expires_at > ? AND u.active = 1",
		 &s)) != TK_OK)
		return rc;
	if ((rc = store_bind_text(s, 1, thash)) == TK_OK && (rc = store_bind_i64(s, 2, tk_now())) == TK_OK &&
	    (rc = store_step(s, &row)) == TK_OK) {
		if (!row)
			rc = tk_fail_code(TK_ERR_AUTH, "unauthenticated", "session expired or unknown; log in again");
		else if ((rc = set_person(c, store_col_i64(s, 0), store_col_text(s, 1), store_col_text(s, 2))) == TK_OK) {
			c->actor.pw_change = store_col_i64(s, 4) != 0 && first_login_change(c);
			rc = str_copy(csrf_out, 40, store_col_text(s, 3));
		}
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

	if (strlen(name) == 0 || strlen(name) >= sizeof(((struct actor *)0)->user))
		return tk_fail_code(TK_ERR_INVALID, "invalid_name", "application name must be 1-%zu characters", sizeof(((struct actor *)0)->user) - 1);
	if (strlen(units) > 250)
		return tk_fail_code(TK_ERR_INVALID, "invalid_units", "units list too long");
	/* An application acts only for the units named here; every unit is an explicit choice ("*"), never a default. */
	if (units[0] == '\0' || strspn(units, " ,") == strlen(units))
		return tk_fail_code(TK_ERR_INVALID, "units_required",
		    "name the units the application may act for (comma list), or \"%s\" for every unit", ACTOR_ALL_UNITS);
	if (strchr(units, '*') != NULL && strcmp(units, ACTOR_ALL_UNITS) != 0)
		return tk_fail_code(TK_ERR_INVALID, "invalid_units", "\"%s\" (every unit) stands alone", ACTOR_ALL_UNITS);
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
	d = json_pack("{s:s, s:s, s:s, s:b}", "name", name, "units", units, "prefix", prefix, "all_units", strcmp(units, ACTOR_ALL_UNITS) == 0);
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

/* ------------------------------------------- one's own login password */

enum tk_err auth_session_admit(const struct svc_ctx *c, int allowed_before_change)
{
	if (c->actor.kind == ACTOR_PERSON && c->actor.pw_change && !allowed_before_change)
		return tk_fail_code(TK_ERR_DENIED, "password_change_required",
		    "change the password you were given first (POST /api/v1/me/password)");
	return TK_OK;
}

/* Runs sql binding an integer, then (when text is non-NULL) a text value; *changes: rows changed. */
static enum tk_err exec_i64_text(struct svc_ctx *c, const char *sql, int64_t v, const char *text, int64_t *changes)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, sql, &s)) != TK_OK)
		return rc;
	if ((rc = store_bind_i64(s, 1, v)) == TK_OK && (text == NULL || (rc = store_bind_text(s, 2, text)) == TK_OK) &&
	    (rc = store_step(s, &row)) == TK_OK && changes != NULL)
		*changes = store_changes(s);
	store_finalize(s);
	return rc;
}

/* Sets the new hash of user id and clears the must-change flag. */
static enum tk_err user_set_hash(struct svc_ctx *c, int64_t id, const char *enc, int64_t *changes)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "UPDATE users SET pw_hash = ?, must_change_password = 0 WHERE id = ?", &s)) != TK_OK)
		return rc;
	if ((rc = store_bind_text(s, 1, enc)) == TK_OK && (rc = store_bind_i64(s, 2, id)) == TK_OK && (rc = store_step(s, &row)) == TK_OK)
		*changes = store_changes(s);
	store_finalize(s);
	return rc;
}

/*
 * Like auth_login: the current password is checked outside any
 * transaction (Argon2id), a wrong one counts as a login failure of the
 * name (the same lock), and a short write transaction re-checks the row
 * before the new hash replaces it.
 */
enum tk_err auth_password_change(struct svc_ctx *c, const char *current, const char *new_pw, const char *keep_token)
{
	struct login_row *before = NULL, *now_row = NULL;
	char enc[PW_ENCODED_MAX], thash[65], user[64];
	int64_t now = tk_now(), locked_until = 0, ended = 0, changed = 0;
	uint64_t limit, lock_s;
	int ok, was_required;
	enum tk_err rc;

	memset(enc, 0, sizeof(enc));
	if (c->actor.kind != ACTOR_PERSON)
		return tk_fail_code(TK_ERR_DENIED, "forbidden", "only a person logged in changes their own login password");
	if ((rc = config_get_u64(c->inst->cfg, "http", "login_max_failures", 5, 100, &limit)) != TK_OK ||
	    (rc = config_get_u64(c->inst->cfg, "http", "login_lock_seconds", 900, 86400, &lock_s)) != TK_OK ||
	    (rc = str_copy(user, sizeof(user), c->actor.user)) != TK_OK)
		return rc;
	if (store_in_tx(c->st))
		return tk_fail(TK_ERR_INTERNAL, "auth: a password change must not run inside a transaction (Argon2id would hold it)");
	if (keep_token == NULL || strlen(keep_token) != 48)
		return tk_fail_code(TK_ERR_INVALID, "no_session", "a password is changed from a session");
	sha256_hex(keep_token, 48, thash);
	was_required = c->actor.pw_change;
	if ((before = calloc(1, sizeof(*before))) == NULL || (now_row = calloc(1, sizeof(*now_row))) == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = lock_state(c, user, &locked_until)) != TK_OK)
		goto out;
	if (locked_until > now) {
		rc = tk_fail_code(TK_ERR_LIMIT, "too_many_attempts", "too many wrong passwords; try again later");
		goto out;
	}
	if ((rc = login_row_load(c, user, before)) != TK_OK)
		goto out;
	if (!before->found || before->id != c->actor.id || !before->active) {
		rc = tk_fail_code(TK_ERR_AUTH, "unauthenticated", "session expired or unknown; log in again");
		goto out;
	}
	ok = strlen(current) <= PW_MAX_LEN && argon2id_verify(before->hash, current, strlen(current)) == ARGON2_OK;
	if (ok) {
		/* The policy speaks only to someone who knows the current password. */
		if ((rc = password_check(user, new_pw)) != TK_OK)
			goto out;
		if (strcmp(new_pw, current) == 0) {
			rc = tk_fail_code(TK_ERR_INVALID, "same_password", "the new password must differ from the current one");
			goto out;
		}
		if ((rc = hash_password(new_pw, enc)) != TK_OK)
			goto out;
	}
	if ((rc = store_begin(c->st, STORE_TX_WRITE)) != TK_OK)
		goto out;
	if (!ok) {
		if ((rc = note_failure(c, user, limit, lock_s, now)) != TK_OK ||
		    (rc = audit_append(c, "auth.password_change_failed", user, NULL)) != TK_OK)
			goto fail;
		if ((rc = store_commit(c->st)) == TK_OK)
			rc = tk_fail_code(TK_ERR_DENIED, "wrong_password", "the current password is wrong");
		goto out;
	}
	/* The row the password was checked against must still be the user's. */
	if ((rc = login_row_load(c, user, now_row)) != TK_OK)
		goto fail;
	if (!now_row->found || now_row->id != before->id || !now_row->active || strcmp(now_row->hash, before->hash) != 0) {
		rc = tk_fail_code(TK_ERR_CONFLICT, "password_changed", "the password was changed meanwhile; log in again");
		goto fail;
	}
	if ((rc = user_set_hash(c, before->id, enc, &changed)) != TK_OK)
		goto fail;
	/* Whoever else holds a session of this person (a stolen one included) loses it; this one stays. */
	if ((rc = exec_i64_text(c, "DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?", before->id, thash, &ended)) != TK_OK ||
	    (rc = user_exec(c, "DELETE FROM login_failures WHERE username = ?", NULL, user, NULL)) != TK_OK ||
	    (rc = audit_json(c, "auth.password_change", user, json_pack("{s:I, s:b}", "other_sessions_ended", (json_int_t)ended, "first_login", was_required))) != TK_OK)
		goto fail;
	if ((rc = store_commit(c->st)) != TK_OK)
		goto out;
	c->actor.pw_change = 0;
	goto out;
fail:
	store_rollback(c->st);
out:
	OPENSSL_cleanse(enc, sizeof(enc));
	if (before != NULL)
		OPENSSL_cleanse(before->hash, sizeof(before->hash));
	if (now_row != NULL)
		OPENSSL_cleanse(now_row->hash, sizeof(now_row->hash));
	free(before);
	free(now_row);
	return rc;
}

void auth_password_policy(unsigned *min_len, unsigned *max_len)
{
	*min_len = PW_MIN_LEN;
	*max_len = PW_MAX_LEN;
}

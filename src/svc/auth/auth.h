/* svc/auth: users, sessions, API keys and HTTP Basic credentials of applications. */
#ifndef TEKEN_SVC_AUTH_H
#define TEKEN_SVC_AUTH_H

#include "svc/base/base.h"

/* ---- users, sessions and API keys (svc/auth.c) ---- */

/* Roles: admin verifikator subscriber application auditor. */
int auth_role_valid(const char *role);
/* Staff roles (admin, verifikator): their accounts are under dual control. */
int auth_role_is_staff(const char *role);

/*
 * Dual control of staff accounts (R9, PKS art. 4(1)l; docs/security.md).
 * Creating an admin or Verifikator, reactivating one, or giving a user the
 * role admin or verifikator files an account request that [auth]
 * staff_approvals distinct admins must approve (default 2: the filing admin
 * counts as the first; a request the operator files needs them all from
 * admins). The change is made with the last approval, in its transaction.
 * Only the operator (ACTOR_OPERATOR) acts at once, and only while the
 * instance has fewer active admins than that (first-run bootstrap).
 * Other roles are one admin's decision. Callers are admins or the operator.
 *
 * These functions report a change made at once by TK_OK with *request_id
 * 0, and a filed request by TK_OK with *request_id set. request_id NULL
 * means "only at once": a change that would need approval is refused
 * ("approval_required") and nothing is filed.
 */
/* Creates a human user with an Argon2id password hash; *id is 0 when a request was filed instead. */
enum tk_err auth_user_add(struct svc_ctx *c, const char *user, const char *password, const char *role,
    const char *display_name, int64_t *id, int64_t *request_id) WARN_UNUSED;
/* Deactivates (at once; ends sessions) or reactivates a user. A person cannot deactivate themself. */
enum tk_err auth_user_set_active(struct svc_ctx *c, const char *user, int active, int64_t *request_id) WARN_UNUSED;
/* Changes a user's role (not to or from application) and ends their sessions. Not one's own. */
enum tk_err auth_user_set_role(struct svc_ctx *c, const char *user, const char *role, int64_t *request_id) WARN_UNUSED;
/* Account requests, newest first, with their decisions, as JSON array text (caller frees); status NULL for all. */
enum tk_err auth_account_requests_json(struct svc_ctx *c, const char *status, char **json_out) WARN_UNUSED;
/*
 * An admin's decision on an account request; the caller must be a person
 * (an admin logged in: HTTP session or `teken user approve --as`). Neither
 * the filer nor the person concerned may approve; any admin may reject
 * (reason required). json_out (caller frees) is the request afterwards.
 */
enum tk_err auth_account_request_decide(struct svc_ctx *c, int64_t id, int approve, const char *reason, char **json_out) WARN_UNUSED;
/* Lists users as a JSON array text (caller frees). */
enum tk_err auth_user_list(struct svc_ctx *c, char **json_out) WARN_UNUSED;
/* Sets a new password (operator recovery, e.g. a forgotten admin password): ends the user's sessions and lockout. */
enum tk_err auth_user_set_password(struct svc_ctx *c, const char *user, const char *password) WARN_UNUSED;
/*
 * Checks a password and opens a session. Unknown user and wrong password
 * give the same error ("invalid_credentials"); after too many failures the
 * name is locked for a while ("too_many_attempts"), whether it exists or not.
 * token_out receives the session token (shown once; only its hash is stored).
 * Argon2id runs outside any transaction, so calling it inside one is refused.
 */
enum tk_err auth_login(struct svc_ctx *c, const char *user, const char *password, char token_out[64],
    char csrf_out[40]) WARN_UNUSED;
/*
 * Deletes login_failures rows whose lock has run out and whose last failure
 * is older than [http] login_lock_seconds before now, a bounded number per
 * call (*n: how many). For the periodic jobs (operator context).
 */
enum tk_err auth_purge_failures(struct svc_ctx *c, int64_t now, int64_t *n) WARN_UNUSED;
/* The caller behind a session token, into c->actor (kind person); csrf_out gets the session CSRF token. */
enum tk_err auth_session(struct svc_ctx *c, const char *token, char csrf_out[40]) WARN_UNUSED;
enum tk_err auth_logout(struct svc_ctx *c, const char *token) WARN_UNUSED;
/*
 * Forced password change (docs/security.md): while c->actor.pw_change is
 * set (a person logging in with a password an admin or the operator chose,
 * under [auth] password_change_first_login = yes), the session may use only
 * what the route table marks as allowed before the change (who am I, change
 * the password, log out). The HTTP front door asks this for every request
 * of a session, before the handler runs: TK_OK, or TK_ERR_DENIED
 * "password_change_required".
 */
enum tk_err auth_session_admit(const struct svc_ctx *c, int allowed_before_change) WARN_UNUSED;
/*
 * A logged-in person changes their own login password: current must be
 * right (a wrong one counts as a login failure of the name and locks it the
 * same way: "wrong_password", then "too_many_attempts"), new_pw follows the
 * password policy ("weak_password") and differs from current
 * ("same_password"). Clears the must-change flag, ends the person's other
 * sessions (keep_token: the session of this request stays), audits
 * auth.password_change without secrets. Not inside a transaction.
 */
enum tk_err auth_password_change(struct svc_ctx *c, const char *current, const char *new_pw, const char *keep_token) WARN_UNUSED;
/* The password policy in words, for forms: minimum and maximum length. */
void auth_password_policy(unsigned *min_len, unsigned *max_len);
/* Creates an API key for an application; key_out is shown once. */
enum tk_err auth_apikey_create(struct svc_ctx *c, const char *name, const char *units, char key_out[80],
    int64_t *id) WARN_UNUSED;
/* The application behind an API key, into c->actor (kind application, with its units). */
enum tk_err auth_apikey(struct svc_ctx *c, const char *key) WARN_UNUSED;
/* Lists API keys (id, prefix, name, units, created_at, revoked_at; never the secret) as JSON array text. */
enum tk_err auth_apikey_list(struct svc_ctx *c, char **json_out) WARN_UNUSED;
/*
 * HTTP Basic credentials of an application (base64 "user:password" as in
 * the header): user "esign-<key prefix>", password the key's secret part,
 * so BSrE Esign Client integrations work with the same API key.
 */
enum tk_err auth_basic(struct svc_ctx *c, const char *b64) WARN_UNUSED;
/* The Basic credentials of an API key (user out: 24 bytes, password: 48). */
enum tk_err auth_basic_of_key(const char *key, char user[24], char password[48]) WARN_UNUSED;
enum tk_err auth_apikey_revoke(struct svc_ctx *c, int64_t id) WARN_UNUSED;

#endif

/* svc/auth: users, sessions, API keys and HTTP Basic credentials of applications. */
#ifndef TEKEN_SVC_AUTH_H
#define TEKEN_SVC_AUTH_H

#include "svc/base/base.h"

/* ---- users, sessions and API keys (svc/auth.c) ---- */

/* Roles: admin verifikator subscriber application auditor. */
int auth_role_valid(const char *role);
/* Creates a human user with an Argon2id password hash. */
enum tk_err auth_user_add(struct svc_ctx *c, const char *user, const char *password, const char *role,
    const char *display_name, int64_t *id) WARN_UNUSED;
/* Lists users as a JSON array text (caller frees). */
enum tk_err auth_user_list(struct svc_ctx *c, char **json_out) WARN_UNUSED;
enum tk_err auth_user_set_active(struct svc_ctx *c, const char *user, int active) WARN_UNUSED;
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

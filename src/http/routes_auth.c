/* Login, logout, users, account requests (dual control of staff accounts) and API keys. */
#include "http/routes.h"
#include "svc/auth/auth.h"
#include "svc/ra/ra.h"
#include "svc/sign/sign.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

enum tk_err h_login(struct http_req *rq, struct http_resp *rs)
{
	json_t *j = NULL;
	const char *user, *password;
	char token[64], cookie[160], csrf[40];
	enum tk_err rc;

	if ((rc = http_body_json(rq, &j)) != TK_OK)
		return rc;
	if ((rc = http_json_str(j, "user", 1, 64, &user)) != TK_OK || (rc = http_json_str(j, "password", 1, 256, &password)) != TK_OK)
		goto out;
	if ((rc = auth_login(&rq->ctx, user, password, token, csrf)) != TK_OK)
		goto out;
	rc = str_fmt(cookie, sizeof(cookie), "teken_session=%s; Path=/; HttpOnly; SameSite=Strict%s", token,
	    rq->tls ? "; Secure" : "");
	OPENSSL_cleanse(token, sizeof(token));
	if (rc != TK_OK || (rc = http_header(rs, "Set-Cookie", cookie)) != TK_OK)
		goto out;
	OPENSSL_cleanse(cookie, sizeof(cookie));
	rc = http_json(rs, 200, json_pack("{s:s, s:s, s:s, s:b}", "user", rq->ctx.actor.user, "role", rq->ctx.actor.role, "csrf_token", csrf, "password_change_required", rq->ctx.actor.pw_change));
out:
	json_decref(j);
	return rc;
}

enum tk_err h_logout(struct http_req *rq, struct http_resp *rs)
{
	const char *cookie = NULL;
	enum tk_err rc;

	if (rq->ctx.actor.kind != ACTOR_PERSON)
		return tk_fail_code(TK_ERR_INVALID, "no_session", "not logged in with a session");
	cookie = http_cookie_get(rq, "teken_session");
	if (cookie != NULL && (rc = auth_logout(&rq->ctx, cookie)) != TK_OK)
		return rc;
	if ((rc = http_header(rs, "Set-Cookie", "teken_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")) != TK_OK)
		return rc;
	return http_json(rs, 200, json_pack("{s:b}", "logged_out", 1));
}

enum tk_err h_me(struct http_req *rq, struct http_resp *rs)
{
	char activation[16];
	unsigned pmin = 0, pmax = 0;
	enum tk_err rc;

	if ((rc = ra_activation_state(&rq->ctx, activation)) != TK_OK)
		return rc;
	auth_password_policy(&pmin, &pmax);
	/* sign_statement: the R8 text this instance puts on every stamp, so a signer's preview shows what will be signed. */
	return http_json(rs, 200, json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:{s:i, s:i}, s:s}", "user", rq->ctx.actor.user, "role", rq->ctx.actor.role, "auth", actor_kind_name(&rq->ctx.actor), "csrf_token", rq->csrf, "activation", activation, "password_change_required", rq->ctx.actor.pw_change, "password_policy", "min_length", (int)pmin, "max_length", (int)pmax, "sign_statement", sign_statement(rq->ctx.inst)));
}

enum tk_err h_password_change(struct http_req *rq, struct http_resp *rs)
{
	json_t *j = NULL;
	const char *current, *new_pw;
	enum tk_err rc;

	if ((rc = http_body_json(rq, &j)) != TK_OK)
		return rc;
	if ((rc = http_json_str(j, "current", 1, 1024, &current)) == TK_OK && (rc = http_json_str(j, "new", 1, 1024, &new_pw)) == TK_OK &&
	    (rc = auth_password_change(&rq->ctx, current, new_pw, http_cookie_get(rq, "teken_session"))) == TK_OK)
		rc = http_json(rs, 200, json_pack("{s:b, s:b}", "changed", 1, "password_change_required", 0));
	if (j != NULL) {
		/* Both passwords lived in this JSON. */
		const char *keys[2] = { "current", "new" };
		size_t i;
		for (i = 0; i < 2; i++) {
			json_t *pw = json_object_get(j, keys[i]);
			if (json_is_string(pw))
				OPENSSL_cleanse((void *)json_string_value(pw), json_string_length(pw));
		}
		json_decref(j);
	}
	return rc;
}

enum tk_err h_users_list(struct http_req *rq, struct http_resp *rs)
{
	char *txt = NULL;
	enum tk_err rc = auth_user_list(&rq->ctx, &txt);

	if (rc != TK_OK)
		return rc;
	return http_json_text(rs, 200, txt);
}

enum tk_err h_apikeys_list(struct http_req *rq, struct http_resp *rs)
{
	char *txt = NULL;
	enum tk_err rc = auth_apikey_list(&rq->ctx, &txt);

	if (rc != TK_OK)
		return rc;
	return http_json_text(rs, 200, txt);
}

enum tk_err h_users_create(struct http_req *rq, struct http_resp *rs)
{
	json_t *j = NULL;
	const char *user, *password, *role, *name;
	int64_t id = 0, req = 0;
	enum tk_err rc;

	if ((rc = http_body_json(rq, &j)) != TK_OK)
		return rc;
	if ((rc = http_json_str(j, "user", 1, 64, &user)) != TK_OK || (rc = http_json_str(j, "password", 1, 256, &password)) != TK_OK ||
	    (rc = http_json_str(j, "role", 1, 24, &role)) != TK_OK || (rc = http_json_str(j, "display_name", 1, 200, &name)) != TK_OK)
		goto out;
	if ((rc = auth_user_add(&rq->ctx, user, password, role, name, &id, &req)) != TK_OK)
		goto out;
	if (req != 0)
		rc = http_json(rs, 202, json_pack("{s:I, s:s, s:s, s:s}", "request_id", (json_int_t)req, "status", "pending", "user", user, "role", role));
	else
		rc = http_json(rs, 201, json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id, "user", user, "role", role));
out:
	if (j != NULL) {
		/* The new user's password lived in this JSON. */
		json_t *pw = json_object_get(j, "password");
		if (json_is_string(pw))
			OPENSSL_cleanse((void *)json_string_value(pw), json_string_length(pw));
		json_decref(j);
	}
	return rc;
}

/* 200 with the account's new state, or 202 with the account request that now waits for admins. */
static enum tk_err user_change_reply(struct http_resp *rs, const char *user, int64_t req, json_t *done)
{
	if (req == 0)
		return http_json(rs, 200, done);
	json_decref(done);
	return http_json(rs, 202, json_pack("{s:I, s:s, s:s}", "request_id", (json_int_t)req, "status", "pending", "user", user));
}

enum tk_err h_user_deactivate(struct http_req *rq, struct http_resp *rs)
{
	enum tk_err rc;

	if ((rc = auth_user_set_active(&rq->ctx, rq->params[0], 0, NULL)) != TK_OK)
		return rc;
	return http_json(rs, 200, json_pack("{s:s, s:b}", "user", rq->params[0], "active", 0));
}

enum tk_err h_user_activate(struct http_req *rq, struct http_resp *rs)
{
	int64_t req = 0;
	enum tk_err rc;

	if ((rc = auth_user_set_active(&rq->ctx, rq->params[0], 1, &req)) != TK_OK)
		return rc;
	return user_change_reply(rs, rq->params[0], req, json_pack("{s:s, s:b}", "user", rq->params[0], "active", 1));
}

enum tk_err h_user_role(struct http_req *rq, struct http_resp *rs)
{
	json_t *j = NULL;
	const char *role;
	int64_t req = 0;
	enum tk_err rc;

	if ((rc = http_body_json(rq, &j)) != TK_OK)
		return rc;
	if ((rc = http_json_str(j, "role", 1, 24, &role)) == TK_OK &&
	    (rc = auth_user_set_role(&rq->ctx, rq->params[0], role, &req)) == TK_OK)
		rc = user_change_reply(rs, rq->params[0], req, json_pack("{s:s, s:s}", "user", rq->params[0], "role", role));
	json_decref(j);
	return rc;
}

enum tk_err h_account_requests_list(struct http_req *rq, struct http_resp *rs)
{
	char *txt = NULL;
	enum tk_err rc;

	if ((rc = auth_account_requests_json(&rq->ctx, http_query_get(rq, "status"), &txt)) != TK_OK)
		return rc;
	return http_json_text(rs, 200, txt);
}

static enum tk_err account_decide(struct http_req *rq, struct http_resp *rs, int approve)
{
	json_t *j = NULL;
	const char *reason = NULL;
	char *txt = NULL;
	uint64_t id;
	enum tk_err rc;

	if (parse_u64_str(rq->params[0], INT64_MAX, &id) != TK_OK)
		return tk_fail_code(TK_ERR_INVALID, "invalid_id", "account request id must be a number");
	if (rq->body.len > 0) {
		if ((rc = http_body_json(rq, &j)) != TK_OK)
			return rc;
		if ((rc = http_json_str(j, "reason", 0, 500, &reason)) != TK_OK)
			goto out;
	}
	if ((rc = auth_account_request_decide(&rq->ctx, (int64_t)id, approve, reason, &txt)) != TK_OK)
		goto out;
	rc = http_json_text(rs, 200, txt);
out:
	json_decref(j);
	return rc;
}

enum tk_err h_account_request_approve(struct http_req *rq, struct http_resp *rs) { return account_decide(rq, rs, 1); }
enum tk_err h_account_request_reject(struct http_req *rq, struct http_resp *rs) { return account_decide(rq, rs, 0); }

enum tk_err h_apikeys_create(struct http_req *rq, struct http_resp *rs)
{
	json_t *j = NULL;
	const char *name, *units;
	char key[80];
	int64_t id = 0;
	enum tk_err rc;

	if ((rc = http_body_json(rq, &j)) != TK_OK)
		return rc;
	if ((rc = http_json_str(j, "name", 1, 100, &name)) != TK_OK || (rc = http_json_str(j, "units", 0, 250, &units)) != TK_OK)
		goto out;
	if ((rc = auth_apikey_create(&rq->ctx, name, units ? units : "", key, &id)) != TK_OK)
		goto out;
	rc = http_json(rs, 201, json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)id, "name", name, "api_key", key, "note", "shown once: store it now"));
	OPENSSL_cleanse(key, sizeof(key));
out:
	json_decref(j);
	return rc;
}

enum tk_err h_apikey_revoke(struct http_req *rq, struct http_resp *rs)
{
	uint64_t id;
	enum tk_err rc;

	if (parse_u64_str(rq->params[0], INT64_MAX, &id) != TK_OK)
		return tk_fail_code(TK_ERR_INVALID, "invalid_id", "API key id must be a number");
	if ((rc = auth_apikey_revoke(&rq->ctx, (int64_t)id)) != TK_OK)
		return rc;
	return http_json(rs, 200, json_pack("{s:I, s:b}", "id", (json_int_t)id, "revoked", 1));
}

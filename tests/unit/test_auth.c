/*
 * svc/auth against a real instance (SQLite in a temp dir, or the
 * PostgreSQL database TEKEN_PG_URL names: tests/integration/test_store_pg.sh):
 * where Argon2id runs relative to the write lock, dual control of staff
 * accounts at the service layer, and the purge of stale login-failure rows.
 *
 * The Argon2 oracle is structural, not a timing: this file defines
 * argon2id_verify itself, so the test executable's definition wins over
 * libargon2's (the static tekencore objects bind to it at link time). The
 * stand-in checks, at the very moment auth_login verifies a password, that
 * the login's connection holds no transaction and that a second connection
 * can take the write lock, then calls the real verifier (argon2_verify).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "store/store.h"
#include "svc/auth/auth.h"
#include "svc/base/base.h"
#include "testinst.h"

#include <argon2.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char g_tmp[PATH_MAX];
static char g_dir[PATH_MAX];
static struct instance *g_inst;
/* The context whose auth_login is under test; NULL: the stand-in checks nothing. */
static struct svc_ctx *g_login_ctx;
static int g_verifies;

static void must(enum tk_err rc)
{
	if (rc != TK_OK)
		fail_msg("call failed: %s", tk_errmsg());
}

int argon2id_verify(const char *encoded, const void *pwd, const size_t pwdlen)
{
	struct store *other = NULL;

	g_verifies++;
	if (g_login_ctx != NULL) {
		assert_false(store_in_tx(g_login_ctx->st));
		/* The database's view: the write lock is free while the password is checked
		 * (with a writer holding it, this waits out the busy timeout and fails). */
		must(instance_connect(g_inst, &other));
		must(store_begin(other, STORE_TX_WRITE));
		store_rollback(other);
		store_close(other);
	}
	return argon2_verify(encoded, pwd, pwdlen, Argon2_id);
}

static int group_setup(void **state)
{
	(void)state;
	return testinst_open("auth", g_tmp, sizeof(g_tmp), g_dir, sizeof(g_dir), &g_inst);
}

static int group_teardown(void **state)
{
	(void)state;
	testinst_close(g_tmp, g_inst);
	return 0;
}

/* A context acting as the operator on the machine (the CLI). */
static void operator_ctx(struct svc_ctx *c)
{
	must(svc_ctx_open(g_inst, "cli:test", "admin", "local", c));
}

/* A context acting as a logged-in person. */
static void person_ctx(struct svc_ctx *c, const char *user, const char *password)
{
	char token[64], csrf[40];

	operator_ctx(c);
	must(auth_login(c, user, password, token, csrf));
	assert_int_equal(c->actor.kind, ACTOR_PERSON);
}

static int64_t q_i64(struct svc_ctx *c, const char *sql, const char *arg)
{
	int64_t v = -1;

	must(store_query_i64(c->st, sql, arg, &v));
	return v;
}

static void add_direct(struct svc_ctx *c, const char *user, const char *password, const char *role)
{
	int64_t id = 0, req = -1;

	must(auth_user_add(c, user, password, role, user, &id, &req));
	assert_true(id > 0);
	assert_int_equal(req, 0);
}

static void test_argon2_outside_write_tx(void **state)
{
	struct svc_ctx c;
	char token[64], csrf[40];
	int before;

	(void)state;
	operator_ctx(&c);
	add_direct(&c, "alice", "alice-password-1", "admin");
	g_login_ctx = &c;
	before = g_verifies;
	assert_int_equal(auth_login(&c, "alice", "wrong-password-1", token, csrf), TK_ERR_AUTH);
	assert_string_equal(tk_last_error()->code, "invalid_credentials");
	assert_int_equal(auth_login(&c, "nobody-at-all", "wrong-password-1", token, csrf), TK_ERR_AUTH);
	must(auth_login(&c, "alice", "alice-password-1", token, csrf));
	g_login_ctx = NULL;
	assert_int_equal(g_verifies - before, 3);
	assert_string_equal(c.actor.user, "alice");
	/* The failure of the unknown name was recorded with its time; the success cleared alice's. */
	assert_true(q_i64(&c, "SELECT last_failure_at FROM login_failures WHERE username = ?", "nobody-at-all") > 0);
	assert_int_equal(q_i64(&c, "SELECT COUNT(*) FROM login_failures WHERE username = ?", "alice"), 0);
	/* Inside a caller's transaction a login is refused rather than holding it through Argon2id. */
	must(store_begin(c.st, STORE_TX_WRITE));
	assert_int_equal(auth_login(&c, "alice", "alice-password-1", token, csrf), TK_ERR_INTERNAL);
	store_rollback(c.st);
	svc_ctx_done(&c);
}

static void test_staff_dual_control(void **state)
{
	struct svc_ctx op, a1, a2, sub;
	char *txt = NULL;
	int64_t id = -1, req = 0, users, req2 = 0;

	(void)state;
	operator_ctx(&op);
	/* Bootstrap: alice (previous test) is the only admin, so the operator adds a second one at once. */
	add_direct(&op, "bob", "bob-password-12", "admin");
	/* Now there are two: the operator's Verifikator is a request, and nothing else. */
	users = q_i64(&op, "SELECT COUNT(*) FROM users", NULL);
	assert_int_equal(auth_user_add(&op, "vera", "vera-password-1", "verifikator", "Vera", &id, NULL), TK_ERR_CONFLICT);
	assert_string_equal(tk_last_error()->code, "approval_required");
	assert_int_equal(q_i64(&op, "SELECT COUNT(*) FROM account_requests", NULL), 0);
	must(auth_user_add(&op, "vera", "vera-password-1", "verifikator", "Vera", &id, &req));
	assert_int_equal(id, 0);
	assert_true(req > 0);
	assert_int_equal(q_i64(&op, "SELECT COUNT(*) FROM users", NULL), users);
	/* Subscribers and auditors stay one admin's (here the operator's) decision. */
	add_direct(&op, "sam", "sam-password-12", "subscriber");
	add_direct(&op, "audrey", "audrey-password", "auditor");
	users += 2;
	/* The operator cannot decide: a decision is an admin's, as a person. */
	assert_int_equal(auth_account_request_decide(&op, req, 1, NULL, &txt), TK_ERR_DENIED);

	person_ctx(&a1, "alice", "alice-password-1");
	person_ctx(&a2, "bob", "bob-password-12");
	person_ctx(&sub, "sam", "sam-password-12");
	/* A person who is not an admin can neither file nor decide. */
	assert_int_equal(auth_user_add(&sub, "eve", "eve-password-1", "verifikator", "Eve", &id, &req2), TK_ERR_DENIED);
	assert_int_equal(auth_account_request_decide(&sub, req, 1, NULL, &txt), TK_ERR_DENIED);
	/* Operator-filed: the filer is no admin, so both admins approve. */
	must(auth_account_request_decide(&a1, req, 1, NULL, &txt));
	assert_non_null(strstr(txt, "\"status\":\"pending\""));
	free(txt);
	assert_int_equal(q_i64(&op, "SELECT COUNT(*) FROM users WHERE username = ?", "vera"), 0);
	assert_int_equal(auth_account_request_decide(&a1, req, 1, NULL, &txt), TK_ERR_CONFLICT);
	assert_string_equal(tk_last_error()->code, "already_decided");
	must(auth_account_request_decide(&a2, req, 1, NULL, &txt));
	assert_non_null(strstr(txt, "\"status\":\"approved\""));
	assert_null(strstr(txt, "argon2"));
	free(txt);
	assert_int_equal(q_i64(&op, "SELECT COUNT(*) FROM users WHERE username = ? AND role = 'verifikator' AND active = 1", "vera"), 1);
	users++;

	/* Admin-filed: the filer counts once and cannot approve; the second admin completes it. */
	must(auth_user_add(&a1, "victor", "victor-password", "verifikator", "Victor", &id, &req2));
	assert_true(req2 > 0);
	assert_int_equal(auth_account_request_decide(&a1, req2, 1, NULL, &txt), TK_ERR_DENIED);
	assert_string_equal(tk_last_error()->code, "self_approval");
	assert_int_equal(q_i64(&op, "SELECT COUNT(*) FROM users", NULL), users);
	/* One pending request per name. */
	assert_int_equal(auth_user_add(&a2, "victor", "victor-password", "admin", "Victor", &id, &req), TK_ERR_CONFLICT);
	assert_string_equal(tk_last_error()->code, "request_pending");
	must(auth_account_request_decide(&a2, req2, 1, NULL, &txt));
	free(txt);
	assert_int_equal(q_i64(&op, "SELECT COUNT(*) FROM users", NULL), users + 1);
	users++;

	/* A role change to verifikator waits; a rejection needs a reason and changes nothing. */
	must(auth_user_set_role(&a1, "sam", "verifikator", &req));
	assert_true(req > 0);
	assert_int_equal(auth_account_request_decide(&a2, req, 0, NULL, &txt), TK_ERR_INVALID);
	must(auth_account_request_decide(&a2, req, 0, "not appointed by decree", &txt));
	assert_non_null(strstr(txt, "\"status\":\"rejected\""));
	free(txt);
	assert_int_equal(q_i64(&op, "SELECT COUNT(*) FROM users WHERE username = ? AND role = 'subscriber'", "sam"), 1);
	/* The filer may withdraw (reject) their own request; it is then closed. */
	must(auth_user_add(&a1, "wanda", "wanda-password", "admin", "Wanda", &id, &req));
	must(auth_account_request_decide(&a1, req, 0, "filed by mistake", &txt));
	assert_non_null(strstr(txt, "\"status\":\"rejected\""));
	free(txt);
	assert_int_equal(auth_account_request_decide(&a2, req, 1, NULL, &txt), TK_ERR_CONFLICT);
	assert_string_equal(tk_last_error()->code, "request_closed");
	assert_int_equal(q_i64(&op, "SELECT COUNT(*) FROM users WHERE username = ?", "wanda"), 0);
	/* A role change away from staff is one admin's. */
	must(auth_user_set_role(&a1, "victor", "auditor", &req));
	assert_int_equal(req, 0);

	/* Reactivation of a Verifikator waits for the second admin; deactivation does not. */
	must(auth_user_set_active(&a1, "vera", 0, &req));
	assert_int_equal(req, 0);
	must(auth_user_set_active(&a1, "vera", 1, &req));
	assert_true(req > 0);
	assert_int_equal(q_i64(&op, "SELECT active FROM users WHERE username = ?", "vera"), 0);
	must(auth_account_request_decide(&a2, req, 1, NULL, &txt));
	free(txt);
	assert_int_equal(q_i64(&op, "SELECT active FROM users WHERE username = ?", "vera"), 1);
	/* Nobody deactivates themself. */
	assert_int_equal(auth_user_set_active(&a1, "alice", 0, &req), TK_ERR_CONFLICT);

	/* No password hash outlives a decision; none is ever in the audit log. */
	assert_int_equal(q_i64(&op, "SELECT COUNT(*) FROM account_requests WHERE status <> 'pending' AND pw_hash IS NOT NULL", NULL), 0);
	assert_int_equal(q_i64(&op, "SELECT COUNT(*) FROM audit WHERE details LIKE '%argon2%'", NULL), 0);
	assert_int_equal(q_i64(&op, "SELECT COUNT(*) FROM audit WHERE details LIKE '%password%'", NULL), 0);
	assert_true(q_i64(&op, "SELECT COUNT(*) FROM audit WHERE action = 'user.request_approve'", NULL) >= 4);
	assert_int_equal(q_i64(&op, "SELECT COUNT(*) FROM audit WHERE action = 'user.request_reject'", NULL), 2);
	svc_ctx_done(&sub);
	svc_ctx_done(&a2);
	svc_ctx_done(&a1);
	svc_ctx_done(&op);
}

static void insert_failure(struct svc_ctx *c, const char *user, int64_t locked_until, int64_t last)
{
	struct store_stmt *s = NULL;
	int row;

	must(store_prepare(c->st, "INSERT INTO login_failures (username, failures, locked_until, last_failure_at) VALUES (?, 1, ?, ?)", &s));
	must(store_bind_text(s, 1, user));
	must(store_bind_i64(s, 2, locked_until));
	must(store_bind_i64(s, 3, last));
	must(store_step(s, &row));
	store_finalize(s);
}

static void test_purge_failures(void **state)
{
	struct svc_ctx c, p;
	char name[32], token[64], csrf[40];
	int64_t now = tk_now(), n = -1, last;
	int i;

	(void)state;
	operator_ctx(&c);
	must(store_exec(c.st, "DELETE FROM login_failures"));
	/* Fresh failures (by a real login) and a name locked for a long time stay. */
	assert_int_equal(auth_login(&c, "fresh-name", "wrong-password-1", token, csrf), TK_ERR_AUTH);
	must(store_begin(c.st, STORE_TX_WRITE));
	insert_failure(&c, "still-locked", now + 100000, now - 200000);
	/* Old failures whose lock ran out (or never came) go, at most 5000 per call. */
	for (i = 0; i < 5010; i++) {
		must(str_fmt(name, sizeof(name), "random-%d", i));
		insert_failure(&c, name, i % 2 ? now - 10 : 0, now - 100000);
	}
	must(store_commit(c.st));
	/* Only the instance's own jobs (operator context) purge. */
	person_ctx(&p, "alice", "alice-password-1");
	assert_int_equal(auth_purge_failures(&p, now, &n), TK_ERR_DENIED);
	svc_ctx_done(&p);
	must(auth_purge_failures(&c, now, &n));
	assert_int_equal(n, 5000);
	must(auth_purge_failures(&c, now, &n));
	assert_int_equal(n, 10);
	must(auth_purge_failures(&c, now, &n));
	assert_int_equal(n, 0);
	assert_int_equal(q_i64(&c, "SELECT COUNT(*) FROM login_failures", NULL), 2);
	assert_int_equal(q_i64(&c, "SELECT COUNT(*) FROM audit WHERE action = 'auth.failures_purged'", NULL), 2);
	/* A lock window after its last failure the fresh name goes too; the long lock still stays. */
	last = q_i64(&c, "SELECT last_failure_at FROM login_failures WHERE username = ?", "fresh-name");
	assert_true(last >= now);
	must(auth_purge_failures(&c, last + 900, &n));
	assert_int_equal(n, 0);
	must(auth_purge_failures(&c, last + 901, &n));
	assert_int_equal(n, 1);
	assert_int_equal(q_i64(&c, "SELECT COUNT(*) FROM login_failures WHERE username = ?", "still-locked"), 1);
	svc_ctx_done(&c);
}

int main(void)
{
	/* In order: each builds on the accounts the previous one left. */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_argon2_outside_write_tx),
		cmocka_unit_test(test_staff_dual_control),
		cmocka_unit_test(test_purge_failures),
	};

	return cmocka_run_group_tests_name("auth", tests, group_setup, group_teardown);
}

/*
 * One store suite, run against both backends: SQLite in a temp dir always,
 * PostgreSQL when TEKEN_PG_URL names a server where the role may create
 * databases (tests/integration/test_store_pg.sh starts a throwaway cluster
 * and sets it). Every test gets a store of its own: a new SQLite file or a
 * new PostgreSQL database, dropped afterwards.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "store/store.h"

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define URL_MAX 1200
#define MAX_EXTRA 4

struct backend {
	const char *name;
	enum store_backend kind;
	char dir[PATH_MAX];     /* sqlite: this run's temp dir */
	char base_url[URL_MAX]; /* postgres: TEKEN_PG_URL */
	unsigned seq;
};

/* The backend the running group tests; cmocka runs tests one at a time. */
static struct backend *g_be;

struct location {
	char url[URL_MAX];
	char name[96]; /* sqlite file path or postgres database name */
};

struct fx {
	struct location loc[1 + MAX_EXTRA];
	int nloc;
	struct store *st; /* open on loc[0], migrated */
};

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static void must(enum tk_err rc)
{
	if (rc != TK_OK)
		fail_msg("store call failed: %s", tk_errmsg());
}

/* "postgres://u:p@h:port/db?x" with db replaced by name. */
static void pg_url_with_db(const char *base, const char *name, char *out, size_t outsz)
{
	const char *auth = strstr(base, "://");
	const char *path, *rest;

	assert_non_null(auth);
	auth += 3;
	path = auth + strcspn(auth, "/?");
	rest = path;
	if (*rest == '/')
		rest += strcspn(rest, "?");
	assert_true(snprintf(out, outsz, "%.*s/%s%s", (int)(path - base), base, name, rest) < (int)outsz);
}

static void pg_admin_exec(const char *sql)
{
	struct store *adm = NULL;

	must(store_open(g_be->base_url, 0, &adm));
	must(store_exec(adm, sql));
	store_close(adm);
}

/* A new, empty store location (not opened). */
static struct location *new_location(struct fx *f)
{
	struct location *l;
	char name[sizeof(l->name)];

	assert_true(f->nloc < 1 + MAX_EXTRA);
	l = &f->loc[f->nloc++];
	g_be->seq++;
	if (g_be->kind == STORE_SQLITE) {
		assert_true(snprintf(name, sizeof(name), "t%u.db", g_be->seq) < (int)sizeof(name));
		assert_true(snprintf(l->url, sizeof(l->url), "sqlite:%s/%s", g_be->dir, name) < (int)sizeof(l->url));
	} else {
		char sql[160];
		assert_true(snprintf(name, sizeof(name), "tk_store_%ld_%u", (long)getpid(), g_be->seq) < (int)sizeof(name));
		pg_url_with_db(g_be->base_url, name, l->url, sizeof(l->url));
		assert_true(snprintf(sql, sizeof(sql), "CREATE DATABASE %s", name) < (int)sizeof(sql));
		pg_admin_exec(sql);
	}
	memcpy(l->name, name, sizeof(name));
	return l;
}

static void drop_location(struct location *l)
{
	if (g_be->kind == STORE_SQLITE) {
		static const char *const sfx[] = { "", "-wal", "-shm", "-journal" };
		char p[PATH_MAX + 128];
		size_t i;
		for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
			if (snprintf(p, sizeof(p), "%s/%s%s", g_be->dir, l->name, sfx[i]) < (int)sizeof(p))
				(void)unlink(p);
		}
	} else {
		struct store *adm = NULL;
		char sql[160];
		/* FORCE: a test that failed half-way may leave a connection open. */
		if (snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", l->name) < (int)sizeof(sql) &&
		    store_open(g_be->base_url, 0, &adm) == TK_OK) {
			if (store_exec(adm, sql) != TK_OK)
				fprintf(stderr, "test_store: cannot drop %s: %s\n", l->name, tk_errmsg());
			store_close(adm);
		}
	}
}

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	*state = f;
	new_location(f);
	if (store_open(f->loc[0].url, 1, &f->st) != TK_OK) {
		fprintf(stderr, "test_store: open %s store: %s\n", g_be->name, tk_errmsg());
		return -1;
	}
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;
	int i;

	if (f == NULL)
		return 0;
	store_close(f->st);
	for (i = 0; i < f->nloc; i++)
		drop_location(&f->loc[i]);
	free(f);
	return 0;
}

static struct store *open_again(const char *url)
{
	struct store *st = NULL;

	must(store_open(url, 0, &st));
	return st;
}

static int64_t q_i64(struct store *st, const char *sql)
{
	int64_t v = -1;

	must(store_query_i64(st, sql, NULL, &v));
	return v;
}

static void exec_ok(struct store *st, const char *sql)
{
	must(store_exec(st, sql));
}

/* Runs a write statement with one text parameter; returns the error. */
static enum tk_err run_text(struct store *st, const char *sql, const char *arg)
{
	struct store_stmt *s = NULL;
	int row;
	enum tk_err rc;

	if ((rc = store_prepare(st, sql, &s)) != TK_OK)
		return rc;
	rc = store_bind_text(s, 1, arg);
	if (rc == TK_OK)
		rc = store_step(s, &row);
	store_finalize(s);
	return rc;
}

/* ---- the shared suite ---- */

static void test_migrations(void **state)
{
	struct fx *f = *state;
	struct store *st2 = NULL;
	int64_t v = 0, v2 = 0;

	assert_int_equal(store_backend(f->st), g_be->kind);
	must(store_ping(f->st));
	must(store_schema_version(f->st, &v));
	assert_true(v >= 1);
	assert_int_equal(q_i64(f->st, "SELECT COUNT(*) FROM schema_migrations"), v);
	/* Tables of migration 1 are there, with the seeded audit head. */
	assert_int_equal(q_i64(f->st, "SELECT COUNT(*) FROM audit_head"), 1);
	assert_int_equal(q_i64(f->st, "SELECT COUNT(*) FROM certs"), 0);
	assert_int_equal(q_i64(f->st, "SELECT COUNT(*) FROM meta"), 0);

	/* Reopening migrates nothing twice. */
	store_close(f->st);
	f->st = NULL;
	must(store_open(f->loc[0].url, 1, &st2));
	f->st = st2;
	must(store_schema_version(f->st, &v2));
	assert_int_equal(v2, v);
	assert_int_equal(q_i64(f->st, "SELECT COUNT(*) FROM schema_migrations"), v);
	assert_int_equal(q_i64(f->st, "SELECT COUNT(*) FROM audit_head"), 1);
}

/* Inserts an audit_checkpoints row of schema 5 (seq, hash, ts, signature). */
static void v5_checkpoint(struct store *st, int64_t seq, const char *hash)
{
	struct store_stmt *s = NULL;
	const uint8_t sig[3] = { 0x30, 0x00, (uint8_t)seq };
	int row;

	must(store_prepare(st, "INSERT INTO audit_checkpoints (seq, hash, ts, signature) VALUES (?, ?, ?, ?)", &s));
	must(store_bind_i64(s, 1, seq));
	must(store_bind_text(s, 2, hash));
	must(store_bind_i64(s, 3, 1700000000 + seq));
	must(store_bind_blob(s, 4, sig, sizeof(sig)));
	must(store_step(s, &row));
	store_finalize(s);
}

/*
 * Migration 8 (continuous audit checkpoints) on a store that has v1
 * checkpoints: they are numbered in chain order, keep version 1 and name
 * the seal certificate as signer; new rows need a unique number. The store
 * is taken back to schema 7 by hand (undoing 9, 10 and 11 as well), which works
 * while 11 is the newest migration: whoever adds migration 12 makes this
 * test fail and must extend it (the upgrade from schema 5 also stays covered by
 * tests/integration/test_audit_anchor.sh, SQLite fixture at schema 5).
 */
static void test_checkpoint_migration(void **state)
{
	static const char *const back_to_7[] = {
		/* migration 17 (the official's page, issue 14) */
		"DROP INDEX document_files_expires",
		"DROP INDEX documents_subscriber",
		"ALTER TABLE document_files DROP COLUMN owner_copy",
		"ALTER TABLE documents DROP COLUMN filename",
		"ALTER TABLE users DROP COLUMN must_change_password",
		"DROP INDEX audit_checkpoints_num",
		"ALTER TABLE audit_checkpoints DROP COLUMN num",
		"ALTER TABLE audit_checkpoints DROP COLUMN version",
		"ALTER TABLE audit_checkpoints DROP COLUMN prev",
		"ALTER TABLE audit_checkpoints DROP COLUMN cert_serial",
		"ALTER TABLE documents DROP COLUMN application_key_id",
		"DROP TABLE usage_counters",
		"DROP TABLE usage_reports",
		"DROP INDEX audit_ts",
		"DROP INDEX audit_object",
		"DROP INDEX audit_actor",
		"DROP INDEX certs_created",
		"DROP INDEX approvals_at",
		"ALTER TABLE documents DROP COLUMN visible",
		"ALTER TABLE documents DROP COLUMN channel",
		"DROP TABLE evaluation_signatures",
		"DROP TABLE evaluation_actions",
		"DROP TABLE evaluations",
		"DROP TABLE review_files",
		"DROP TABLE review_answers",
		"DROP TABLE reviews",
		"DROP TABLE review_instruments",
		"ALTER TABLE documents DROP COLUMN statement_sha256",
		"DROP TABLE oversight_reminders_sent",
		"DROP TABLE recommendation_files",
		"DROP TABLE recommendations",
		"DROP TABLE policy_comments",
		"DROP TABLE policies",
		"DROP TABLE assessment_reports",
		"DROP TABLE assessment_requests",
		"DROP TABLE literacy_pages",
		"ALTER TABLE outbox DROP COLUMN attachment_id",
		"DROP TABLE event_participants",
		"DROP TABLE events",
		"DROP TABLE webhook_attempts",
		"DROP TABLE webhook_deliveries",
		"DROP TABLE webhooks",
		"DROP TABLE notices",
		"DROP TABLE letters",
		"DROP TABLE agreement_contacts",
		"DROP TABLE agreement_addenda",
		"DROP TABLE agreements",
		"DROP TABLE holidays",
		"DROP TABLE holiday_years",
		"DROP TABLE attachments",
		"DROP TABLE ticket_files",
		"DROP TABLE ticket_messages",
		"DROP TABLE tickets",
		"DELETE FROM schema_migrations WHERE version >= 8",
		"INSERT INTO meta (key, value) VALUES ('cert.seal', '4a5e')",
		NULL,
	};
	struct fx *f = *state;
	struct store_stmt *s = NULL;
	int64_t v = 0;
	size_t i;
	int row = 0;

	must(store_schema_version(f->st, &v));
	assert_int_equal(v, 17); /* see above: this test reverses the newest migrations */
	must(store_begin(f->st, STORE_TX_WRITE));
	for (i = 0; back_to_7[i] != NULL; i++)
		exec_ok(f->st, back_to_7[i]);
	/* Out of order on purpose: numbers follow the chain (seq), not insertion. */
	v5_checkpoint(f->st, 40, "h40");
	v5_checkpoint(f->st, 11, "h11");
	v5_checkpoint(f->st, 25, "h25");
	must(store_commit(f->st));
	store_close(f->st);
	f->st = NULL;
	must(store_open(f->loc[0].url, 1, &f->st));
	must(store_schema_version(f->st, &v));
	assert_int_equal(v, 17);

	must(store_prepare(f->st, "SELECT seq, num, version, cert_serial, prev FROM audit_checkpoints ORDER BY seq", &s));
	for (i = 0; i < 3; i++) {
		static const int64_t seqs[3] = { 11, 25, 40 };
		must(store_step(s, &row));
		assert_true(row);
		assert_int_equal(store_col_i64(s, 0), seqs[i]);
		assert_int_equal(store_col_i64(s, 1), (int64_t)i + 1);
		assert_int_equal(store_col_i64(s, 2), 1);
		assert_string_equal(store_col_text(s, 3), "4a5e");
		assert_true(store_col_null(s, 4));
	}
	must(store_step(s, &row));
	assert_false(row);
	store_finalize(s);
	/* Checkpoint numbers are unique. */
	must(store_begin(f->st, STORE_TX_WRITE));
	assert_int_equal(run_text(f->st, "INSERT INTO audit_checkpoints (seq, hash, ts, signature, num, version, prev, cert_serial)"
					 " VALUES (50, 'h50', 1, 'x', 3, 2, ?, 'aa')",
			     "p"),
	    TK_ERR_EXISTS);
	assert_int_equal(run_text(f->st, "INSERT INTO audit_checkpoints (seq, hash, ts, signature, num, version, prev, cert_serial)"
					 " VALUES (50, 'h50', 1, 'x', 4, 2, ?, 'aa')",
			     "p"),
	    TK_OK);
	must(store_commit(f->st));
	assert_int_equal(q_i64(f->st, "SELECT version FROM audit_checkpoints WHERE seq = 50"), 2);
}

struct opener {
	const char *url;
	struct store *st;
	enum tk_err rc;
	char msg[MAX_ERRMSG];
};

static void *opener_main(void *arg)
{
	struct opener *o = arg;

	o->rc = store_open(o->url, 1, &o->st);
	if (o->rc != TK_OK)
		snprintf(o->msg, sizeof(o->msg), "%s", tk_errmsg());
	return NULL;
}

/* Two nodes starting at once on an empty store migrate it exactly once. */
static void test_concurrent_migration(void **state)
{
	struct fx *f = *state;
	struct location *l = new_location(f);
	struct opener o[3];
	pthread_t th[3];
	int64_t v = 0;
	int i;

	memset(o, 0, sizeof(o));
	for (i = 0; i < 3; i++) {
		o[i].url = l->url;
		assert_int_equal(pthread_create(&th[i], NULL, opener_main, &o[i]), 0);
	}
	for (i = 0; i < 3; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	for (i = 0; i < 3; i++)
		if (o[i].rc != TK_OK)
			fail_msg("opener %d: %s", i, o[i].msg);
	must(store_schema_version(o[0].st, &v));
	assert_int_equal(q_i64(o[1].st, "SELECT COUNT(*) FROM schema_migrations"), v);
	assert_int_equal(q_i64(o[2].st, "SELECT COUNT(*) FROM audit_head"), 1);
	for (i = 0; i < 3; i++)
		store_close(o[i].st);
}

static void test_text_and_i64(void **state)
{
	struct fx *f = *state;
	static const int64_t nums[] = { 0, 1, -1, 42, INT64_MAX, INT64_MIN, 1764000000LL, -4294967296LL };
	static const char *const texts[] = { "", "a", "Tanda tangan elektronik \xe2\x9c\x8d \xc3\xa9", "line1\nline2\ttab" };
	struct store_stmt *s = NULL;
	size_t i;
	int row;

	exec_ok(f->st, "CREATE TABLE t (id AUTOINC_PK, n INTEGER NOT NULL, s TEXT NOT NULL)");
	must(store_begin(f->st, STORE_TX_WRITE));
	for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		must(store_prepare(f->st, "INSERT INTO t (n, s) VALUES (?, ?)", &s));
		must(store_bind_i64(s, 1, nums[i]));
		must(store_bind_text(s, 2, texts[i % 4]));
		must(store_step(s, &row));
		assert_int_equal(row, 0);
		assert_int_equal(store_changes(s), 1);
		store_finalize(s);
	}
	must(store_commit(f->st));

	must(store_prepare(f->st, "SELECT id, n, s FROM t ORDER BY id", &s));
	for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		must(store_step(s, &row));
		assert_int_equal(row, 1);
		/* AUTOINC_PK counts from 1 in insertion order on both backends. */
		assert_int_equal(store_col_i64(s, 0), (int64_t)i + 1);
		assert_false(store_col_null(s, 1));
		assert_true(store_col_i64(s, 1) == nums[i]);
		assert_string_equal(store_col_text(s, 2), texts[i % 4]);
	}
	must(store_step(s, &row));
	assert_int_equal(row, 0);
	/* Stepping past the end stays at the end. */
	must(store_step(s, &row));
	assert_int_equal(row, 0);
	store_finalize(s);

	/* Integers compare as 64-bit values in expressions, not 32-bit. */
	must(store_prepare(f->st, "SELECT ? + 1", &s));
	must(store_bind_i64(s, 1, 5000000000LL));
	must(store_step(s, &row));
	assert_int_equal(row, 1);
	assert_true(store_col_i64(s, 0) == 5000000001LL);
	store_finalize(s);

	/* RETURNING gives the new id on both backends. */
	must(store_prepare(f->st, "INSERT INTO t (n, s) VALUES (?, 'r') RETURNING id", &s));
	must(store_bind_i64(s, 1, 7));
	must(store_step(s, &row));
	assert_int_equal(row, 1);
	assert_int_equal(store_col_i64(s, 0), (int64_t)(sizeof(nums) / sizeof(nums[0])) + 1);
	store_finalize(s);
}

static void check_blob(struct store *st, int64_t id, const uint8_t *p, size_t len)
{
	struct store_stmt *s = NULL;
	const uint8_t *got;
	size_t glen = 99;
	int row;

	must(store_prepare(st, "SELECT b, LENGTH(b) FROM blobs WHERE id = ?", &s));
	must(store_bind_i64(s, 1, id));
	must(store_step(s, &row));
	assert_int_equal(row, 1);
	assert_false(store_col_null(s, 0));
	got = store_col_blob(s, 0, &glen);
	assert_int_equal(glen, len);
	assert_int_equal(store_col_i64(s, 1), (int64_t)len);
	if (len > 0)
		assert_memory_equal(got, p, len);
	store_finalize(s);
}

static void test_blobs_exact(void **state)
{
	struct fx *f = *state;
	static const uint8_t nul[] = { 'a', 0, 'b', 0, 0, 0xff, '\\', 'x', '0', '0', 0 };
	const size_t big = 1024 * 1024;
	uint8_t all[256], *large;
	struct store_stmt *s = NULL;
	size_t i;
	int row;

	for (i = 0; i < sizeof(all); i++)
		all[i] = (uint8_t)i;
	large = malloc(big);
	assert_non_null(large);
	must(rand_bytes(large, big));
	memset(large + 1000, 0, 4096); /* a long run of NULs inside */

	exec_ok(f->st, "CREATE TABLE blobs (id INTEGER PRIMARY KEY, b BLOB)");
	must(store_begin(f->st, STORE_TX_WRITE));
	{
		const struct {
			const void *p;
			size_t len;
		} v[] = {
			{ "", 0 },
			{ NULL, 0 },
			{ nul, sizeof(nul) },
			{ all, sizeof(all) },
			{ large, big },
		};
		for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
			must(store_prepare(f->st, "INSERT INTO blobs (id, b) VALUES (?, ?)", &s));
			must(store_bind_i64(s, 1, (int64_t)i + 1));
			must(store_bind_blob(s, 2, v[i].p, v[i].len));
			must(store_step(s, &row));
			store_finalize(s);
		}
	}
	must(store_commit(f->st));

	/* An empty blob stays an empty blob, never NULL. */
	check_blob(f->st, 1, NULL, 0);
	check_blob(f->st, 2, NULL, 0);
	assert_int_equal(q_i64(f->st, "SELECT COUNT(*) FROM blobs WHERE b IS NULL"), 0);
	check_blob(f->st, 3, nul, sizeof(nul));
	check_blob(f->st, 4, all, sizeof(all));
	check_blob(f->st, 5, large, big);

	/* A blob bound as a parameter compares byte for byte. */
	must(store_prepare(f->st, "SELECT id FROM blobs WHERE b = ?", &s));
	must(store_bind_blob(s, 1, nul, sizeof(nul)));
	must(store_step(s, &row));
	assert_int_equal(row, 1);
	assert_int_equal(store_col_i64(s, 0), 3);
	store_finalize(s);
	free(large);
}

static void test_nulls(void **state)
{
	struct fx *f = *state;
	struct store_stmt *s = NULL;
	size_t len = 99;
	int row;

	exec_ok(f->st, "CREATE TABLE n (id INTEGER PRIMARY KEY, s TEXT, i INTEGER, b BLOB)");
	must(store_prepare(f->st, "INSERT INTO n (id, s, i, b) VALUES (1, ?, ?, ?)", &s));
	must(store_bind_null(s, 1));
	must(store_bind_null(s, 2));
	must(store_bind_null(s, 3));
	must(store_step(s, &row));
	store_finalize(s);
	/* A NULL text pointer binds NULL too. */
	must(store_prepare(f->st, "INSERT INTO n (id, s) VALUES (2, ?)", &s));
	must(store_bind_text(s, 1, NULL));
	must(store_step(s, &row));
	store_finalize(s);

	assert_int_equal(q_i64(f->st, "SELECT COUNT(*) FROM n WHERE s IS NULL AND i IS NULL AND b IS NULL"), 2);
	must(store_prepare(f->st, "SELECT s, i, b FROM n WHERE id = 1", &s));
	must(store_step(s, &row));
	assert_int_equal(row, 1);
	assert_true(store_col_null(s, 0));
	assert_true(store_col_null(s, 1));
	assert_true(store_col_null(s, 2));
	assert_string_equal(store_col_text(s, 0), "");
	assert_int_equal(store_col_i64(s, 1), 0);
	assert_null(store_col_blob(s, 2, &len));
	assert_int_equal(len, 0);
	store_finalize(s);
}

static void test_unique_violation(void **state)
{
	struct fx *f = *state;

	exec_ok(f->st, "CREATE TABLE u (k TEXT PRIMARY KEY, other TEXT UNIQUE)");
	must(run_text(f->st, "INSERT INTO u (k, other) VALUES (?, 'x')", "a"));

	/* Outside a transaction. */
	assert_int_equal(run_text(f->st, "INSERT INTO u (k) VALUES (?)", "a"), TK_ERR_EXISTS);
	assert_int_equal(tk_last_error()->err, TK_ERR_EXISTS);
	assert_string_equal(tk_last_error()->code, "already_exists");
	/* A UNIQUE column that is not the key. */
	assert_int_equal(run_text(f->st, "INSERT INTO u (k, other) VALUES (?, 'x')", "b"), TK_ERR_EXISTS);

	/* Inside one: the failed statement alone is undone, the rest commits. */
	must(store_begin(f->st, STORE_TX_WRITE));
	must(run_text(f->st, "INSERT INTO u (k) VALUES (?)", "c"));
	assert_int_equal(run_text(f->st, "INSERT INTO u (k) VALUES (?)", "c"), TK_ERR_EXISTS);
	assert_int_equal(run_text(f->st, "INSERT INTO u (k) VALUES (?)", "a"), TK_ERR_EXISTS);
	must(run_text(f->st, "INSERT INTO u (k) VALUES (?)", "d"));
	must(store_commit(f->st));
	assert_int_equal(q_i64(f->st, "SELECT COUNT(*) FROM u"), 3);
}

static void test_errors_keep_transaction(void **state)
{
	struct fx *f = *state;
	struct store_stmt *s = NULL;
	int row = 1;
	enum tk_err rc;

	exec_ok(f->st, "CREATE TABLE e (k TEXT PRIMARY KEY, n INTEGER CHECK (n >= 0))");
	must(store_begin(f->st, STORE_TX_WRITE));
	must(run_text(f->st, "INSERT INTO e (k, n) VALUES (?, 1)", "one"));
	assert_int_equal(store_exec(f->st, "INSERT INTO no_such_table VALUES (1)"), TK_ERR_STORE);
	/* A syntax error surfaces at prepare or at the first step. */
	rc = store_prepare(f->st, "SELEC nonsense", &s);
	if (rc == TK_OK) {
		rc = store_step(s, &row);
		store_finalize(s);
	}
	assert_int_equal(rc, TK_ERR_STORE);
	assert_int_equal(run_text(f->st, "INSERT INTO e (k, n) VALUES (?, -1)", "neg"), TK_ERR_STORE);
	must(run_text(f->st, "INSERT INTO e (k, n) VALUES (?, 2)", "two"));
	must(store_commit(f->st));
	assert_int_equal(q_i64(f->st, "SELECT COUNT(*) FROM e"), 2);

	/* Misuse is reported, not ignored. */
	assert_int_equal(store_commit(f->st), TK_ERR_INTERNAL);
	must(store_begin(f->st, STORE_TX_READ));
	assert_int_equal(store_begin(f->st, STORE_TX_READ), TK_ERR_INTERNAL);
	store_rollback(f->st);
	store_rollback(f->st); /* no transaction: accepted */
	must(store_prepare(f->st, "SELECT k FROM e WHERE k = ?", &s));
	assert_int_not_equal(store_bind_text(s, 2, "x"), TK_OK);
	assert_int_not_equal(store_bind_i64(s, 0, 1), TK_OK);
	store_finalize(s);
	store_finalize(NULL);
}

static void test_rollback_and_commit(void **state)
{
	struct fx *f = *state;
	struct store *other;

	exec_ok(f->st, "CREATE TABLE r (k TEXT PRIMARY KEY)");
	must(store_begin(f->st, STORE_TX_WRITE));
	assert_true(store_in_tx(f->st));
	must(run_text(f->st, "INSERT INTO r (k) VALUES (?)", "gone"));
	assert_int_equal(q_i64(f->st, "SELECT COUNT(*) FROM r"), 1);
	store_rollback(f->st);
	assert_false(store_in_tx(f->st));
	assert_int_equal(q_i64(f->st, "SELECT COUNT(*) FROM r"), 0);

	other = open_again(f->loc[0].url);
	must(store_begin(f->st, STORE_TX_WRITE));
	must(run_text(f->st, "INSERT INTO r (k) VALUES (?)", "kept"));
	/* Not visible to another connection before commit. */
	assert_int_equal(q_i64(other, "SELECT COUNT(*) FROM r"), 0);
	must(store_commit(f->st));
	assert_int_equal(q_i64(other, "SELECT COUNT(*) FROM r"), 1);
	store_close(other);

	/* Closing with an open transaction rolls it back. */
	must(store_begin(f->st, STORE_TX_WRITE));
	must(run_text(f->st, "INSERT INTO r (k) VALUES (?)", "closed"));
	store_close(f->st);
	f->st = open_again(f->loc[0].url);
	assert_int_equal(q_i64(f->st, "SELECT COUNT(*) FROM r"), 1);
	assert_int_equal(q_i64(f->st, "SELECT COUNT(*) FROM r WHERE k = 'kept'"), 1);
}

static void test_changes(void **state)
{
	struct fx *f = *state;
	struct store_stmt *s = NULL;
	int row;

	exec_ok(f->st, "CREATE TABLE c (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)");
	exec_ok(f->st, "INSERT INTO c (id, v) VALUES (1, 0), (2, 0), (3, 0), (4, 5)");

	must(store_prepare(f->st, "UPDATE c SET v = ? WHERE v = 0", &s));
	assert_int_equal(store_changes(s), 0);
	must(store_bind_i64(s, 1, 9));
	must(store_step(s, &row));
	assert_int_equal(row, 0);
	assert_int_equal(store_changes(s), 3);
	store_finalize(s);

	must(store_prepare(f->st, "DELETE FROM c WHERE id > ?", &s));
	must(store_bind_i64(s, 1, 100));
	must(store_step(s, &row));
	assert_int_equal(store_changes(s), 0);
	store_finalize(s);

	must(store_prepare(f->st, "DELETE FROM c WHERE id >= ?", &s));
	must(store_bind_i64(s, 1, 3));
	must(store_step(s, &row));
	assert_int_equal(store_changes(s), 2);
	store_finalize(s);
	assert_int_equal(q_i64(f->st, "SELECT COUNT(*) FROM c"), 2);
}

static void test_query_i64(void **state)
{
	struct fx *f = *state;
	int64_t v = -1;

	exec_ok(f->st, "CREATE TABLE q (k TEXT PRIMARY KEY, n INTEGER)");
	exec_ok(f->st, "INSERT INTO q (k, n) VALUES ('a', 10), ('b', 20), ('c', 30)");
	must(store_query_i64(f->st, "SELECT n FROM q WHERE k = ?", "b", &v));
	assert_int_equal(v, 20);
	must(store_query_i64(f->st, "SELECT COUNT(*) FROM q WHERE k <> ?", "b", &v));
	assert_int_equal(v, 2);
	must(store_query_i64(f->st, "SELECT SUM(n) FROM q", NULL, &v));
	assert_int_equal(v, 60);
	assert_int_equal(store_query_i64(f->st, "SELECT n FROM q WHERE k = ?", "zz", &v), TK_ERR_NOT_FOUND);
	/* A truth value reads as 1/0 on both backends. */
	must(store_query_i64(f->st, "SELECT COUNT(*) > 0 FROM q", NULL, &v));
	assert_int_equal(v, 1);
}

static void test_metacharacters_literal(void **state)
{
	struct fx *f = *state;
	static const char *const vals[] = {
		"'; DROP TABLE m; --",
		"?",
		"??",
		"$1",
		"$$",
		"a'b''c",
		"\"quoted\"",
		"\\",
		"\\x00ff",
		"%s%n%d",
		"/* not a comment */",
		"-- nor this",
		"BLOB INTEGER AUTOINC_PK",
		"E'\\n'",
		"x' OR '1'='1",
		";",
		"NULL",
	};
	struct store_stmt *s = NULL;
	size_t i;
	int row;

	exec_ok(f->st, "CREATE TABLE m (id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		must(store_prepare(f->st, "INSERT INTO m (id, v) VALUES (?, ?)", &s));
		must(store_bind_i64(s, 1, (int64_t)i));
		must(store_bind_text(s, 2, vals[i]));
		must(store_step(s, &row));
		store_finalize(s);
	}
	assert_int_equal(q_i64(f->st, "SELECT COUNT(*) FROM m"), (int64_t)(sizeof(vals) / sizeof(vals[0])));
	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		must(store_prepare(f->st, "SELECT id, v FROM m WHERE v = ?", &s));
		must(store_bind_text(s, 1, vals[i]));
		must(store_step(s, &row));
		assert_int_equal(row, 1);
		assert_int_equal(store_col_i64(s, 0), (int64_t)i);
		assert_string_equal(store_col_text(s, 1), vals[i]);
		must(store_step(s, &row));
		assert_int_equal(row, 0);
		store_finalize(s);
	}

	/* '?' and type words inside string literals are not rewritten. */
	must(store_prepare(f->st, "SELECT 'INTEGER BLOB ?', ?, 'it''s ?', ?", &s));
	must(store_bind_text(s, 1, "one"));
	must(store_bind_i64(s, 2, 2));
	must(store_step(s, &row));
	assert_int_equal(row, 1);
	assert_string_equal(store_col_text(s, 0), "INTEGER BLOB ?");
	assert_string_equal(store_col_text(s, 1), "one");
	assert_string_equal(store_col_text(s, 2), "it's ?");
	assert_int_equal(store_col_i64(s, 3), 2);
	store_finalize(s);
}

/* Several statements open at once on one connection, as SQLite allows. */
static void test_interleaved_statements(void **state)
{
	struct fx *f = *state;
	struct store_stmt *rd = NULL, *wr = NULL;
	int row, n = 0;

	exec_ok(f->st, "CREATE TABLE src (id INTEGER PRIMARY KEY)");
	exec_ok(f->st, "CREATE TABLE dst (id INTEGER PRIMARY KEY)");
	exec_ok(f->st, "INSERT INTO src (id) VALUES (1), (2), (3)");
	must(store_begin(f->st, STORE_TX_WRITE));
	must(store_prepare(f->st, "SELECT id FROM src ORDER BY id", &rd));
	for (;;) {
		must(store_step(rd, &row));
		if (!row)
			break;
		must(store_prepare(f->st, "INSERT INTO dst (id) VALUES (?)", &wr));
		must(store_bind_i64(wr, 1, store_col_i64(rd, 0) * 10));
		must(store_step(wr, &row));
		store_finalize(wr);
		n++;
	}
	store_finalize(rd);
	must(store_commit(f->st));
	assert_int_equal(n, 3);
	assert_int_equal(q_i64(f->st, "SELECT SUM(id) FROM dst"), 60);
}

/* ---- two connections: a write transaction excludes other writers ---- */

struct writer {
	struct store *st;
	atomic_int done;
	enum tk_err rc;
	int64_t seen;
	int iterations;
	char msg[MAX_ERRMSG];
};

/* Read-modify-write of the counter; lost updates show if writers overlap. */
static enum tk_err bump(struct store *st, int64_t *seen)
{
	struct store_stmt *s = NULL;
	int64_t n = 0;
	int row;
	enum tk_err rc;

	if ((rc = store_begin(st, STORE_TX_WRITE)) != TK_OK)
		return rc;
	if ((rc = store_query_i64(st, "SELECT n FROM counter WHERE id = 1", NULL, &n)) != TK_OK)
		goto out;
	if ((rc = store_prepare(st, "UPDATE counter SET n = ? WHERE id = 1", &s)) != TK_OK)
		goto out;
	rc = store_bind_i64(s, 1, n + 1);
	if (rc == TK_OK)
		rc = store_step(s, &row);
	store_finalize(s);
	if (rc == TK_OK)
		rc = store_commit(st);
out:
	if (rc != TK_OK)
		store_rollback(st);
	else if (seen != NULL)
		*seen = n;
	return rc;
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	int i;

	w->rc = TK_OK;
	for (i = 0; i < w->iterations && w->rc == TK_OK; i++)
		w->rc = bump(w->st, &w->seen);
	if (w->rc != TK_OK)
		snprintf(w->msg, sizeof(w->msg), "%s", tk_errmsg());
	atomic_store(&w->done, 1);
	return NULL;
}

static void test_write_lock_serialises(void **state)
{
	struct fx *f = *state;
	struct writer w;
	pthread_t th;
	struct store_stmt *s = NULL;
	int row;

	exec_ok(f->st, "CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)");
	exec_ok(f->st, "INSERT INTO counter (id, n) VALUES (1, 0)");
	memset(&w, 0, sizeof(w));
	w.st = open_again(f->loc[0].url);
	w.iterations = 1;

	/* A holds the write transaction, having written nothing yet... */
	must(store_begin(f->st, STORE_TX_WRITE));
	assert_int_equal(pthread_create(&th, NULL, writer_main, &w), 0);
	sleep_ms(400);
	/* ...so B, wanting to write, waits for it. */
	assert_int_equal(atomic_load(&w.done), 0);
	must(store_prepare(f->st, "UPDATE counter SET n = n + 10 WHERE id = 1", &s));
	must(store_step(s, &row));
	store_finalize(s);
	sleep_ms(100);
	assert_int_equal(atomic_load(&w.done), 0);
	must(store_commit(f->st));
	assert_int_equal(pthread_join(th, NULL), 0);
	if (w.rc != TK_OK)
		fail_msg("writer: %s", w.msg);
	/* B ran after A and saw its write. */
	assert_int_equal(w.seen, 10);
	assert_int_equal(q_i64(f->st, "SELECT n FROM counter WHERE id = 1"), 11);
	store_close(w.st);
}

static void test_no_lost_updates(void **state)
{
	struct fx *f = *state;
	struct writer w[2];
	pthread_t th[2];
	int i;

	exec_ok(f->st, "CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)");
	exec_ok(f->st, "INSERT INTO counter (id, n) VALUES (1, 0)");
	memset(w, 0, sizeof(w));
	for (i = 0; i < 2; i++) {
		w[i].st = open_again(f->loc[0].url);
		w[i].iterations = 25;
	}
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&th[i], NULL, writer_main, &w[i]), 0);
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	for (i = 0; i < 2; i++) {
		if (w[i].rc != TK_OK)
			fail_msg("writer %d: %s", i, w[i].msg);
		store_close(w[i].st);
	}
	assert_int_equal(q_i64(f->st, "SELECT n FROM counter WHERE id = 1"), 50);
}

/* ---- PostgreSQL only ---- */

static void test_pg_sqlstate_mapping(void **state)
{
	struct fx *f = *state;
	char v[64];

	assert_int_equal(store_exec(f->st, "DO $$ BEGIN RAISE EXCEPTION 'x' USING ERRCODE = '40001'; END $$"), TK_ERR_CONFLICT);
	assert_non_null(strstr(tk_errmsg(), "retry"));
	assert_int_equal(store_exec(f->st, "DO $$ BEGIN RAISE EXCEPTION 'x' USING ERRCODE = '40P01'; END $$"), TK_ERR_CONFLICT);
	assert_non_null(strstr(tk_errmsg(), "deadlock"));
	assert_int_equal(store_exec(f->st, "DO $$ BEGIN RAISE EXCEPTION 'x' USING ERRCODE = '23505'; END $$"), TK_ERR_EXISTS);
	/* Session settings are in place. */
	{
		struct store_stmt *s = NULL;
		int row;
		must(store_prepare(f->st, "SELECT current_setting('client_min_messages')", &s));
		must(store_step(s, &row));
		assert_int_equal(row, 1);
		assert_true(snprintf(v, sizeof(v), "%s", store_col_text(s, 0)) < (int)sizeof(v));
		store_finalize(s);
	}
	assert_string_equal(v, "warning");
}

struct locker {
	struct store *st;
	const char *first, *second;
	pthread_barrier_t *bar;
	enum tk_err rc;
};

static void *locker_main(void *arg)
{
	struct locker *l = arg;

	l->rc = store_begin(l->st, STORE_TX_READ);
	if (l->rc == TK_OK)
		l->rc = store_exec(l->st, l->first);
	pthread_barrier_wait(l->bar);
	if (l->rc == TK_OK)
		l->rc = store_exec(l->st, l->second);
	/* The victim gives way; then the other can finish. */
	store_rollback(l->st);
	return NULL;
}

/*
 * A real deadlock: two transactions that write without the write lock
 * (against the rules, which is how one arises) lock rows in opposite order.
 */
static void test_pg_deadlock_is_conflict(void **state)
{
	struct fx *f = *state;
	pthread_barrier_t bar;
	struct locker l[2];
	pthread_t th[2];
	int i;

	exec_ok(f->st, "CREATE TABLE dl (id INTEGER PRIMARY KEY, n INTEGER)");
	exec_ok(f->st, "INSERT INTO dl (id, n) VALUES (1, 0), (2, 0)");
	assert_int_equal(pthread_barrier_init(&bar, NULL, 2), 0);
	memset(l, 0, sizeof(l));
	l[0].first = "UPDATE dl SET n = 1 WHERE id = 1";
	l[0].second = "UPDATE dl SET n = 1 WHERE id = 2";
	l[1].first = "UPDATE dl SET n = 2 WHERE id = 2";
	l[1].second = "UPDATE dl SET n = 2 WHERE id = 1";
	for (i = 0; i < 2; i++) {
		l[i].st = open_again(f->loc[0].url);
		l[i].bar = &bar;
		assert_int_equal(pthread_create(&th[i], NULL, locker_main, &l[i]), 0);
	}
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	pthread_barrier_destroy(&bar);
	for (i = 0; i < 2; i++)
		store_close(l[i].st);
	/* Exactly one was chosen as the victim. */
	assert_true((l[0].rc == TK_ERR_CONFLICT) != (l[1].rc == TK_ERR_CONFLICT));
	assert_true(l[0].rc == TK_OK || l[1].rc == TK_OK);
}

/*
 * A connection the server dropped fails the statement in flight (its
 * outcome is unknown, so it is never re-run) and is re-established, with
 * its session settings, before the next one.
 */
static void test_pg_reconnects_between_transactions(void **state)
{
	struct fx *f = *state;
	struct store *killer = open_again(f->loc[0].url);
	char sql[80];
	int64_t pid = 0, ok = 0;

	pid = q_i64(f->st, "SELECT pg_backend_pid()");
	/*
	 * A literal: integers bind as int8 and this function takes int4.
	 * The timeout makes it wait (up to 10 s) until the backend is gone.
	 */
	assert_true(snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM (SELECT pg_terminate_backend(%lld, 10000)) x",
			(long long)pid) < (int)sizeof(sql));
	assert_int_equal(q_i64(killer, sql), 1);
	store_close(killer);

	assert_int_equal(store_ping(f->st), TK_ERR_STORE);
	must(store_ping(f->st));
	assert_int_not_equal(q_i64(f->st, "SELECT pg_backend_pid()"), pid);
	must(store_query_i64(f->st, "SELECT COUNT(*) FROM pg_settings WHERE name = 'client_min_messages' AND setting = ?",
	    "warning", &ok));
	assert_int_equal(ok, 1);
}

static void test_pg_wrong_password_hidden(void **state)
{
	struct store *st = NULL;
	char url[URL_MAX];
	const char *at = strchr(strstr(g_be->base_url, "://") + 3, '@');
	const char *user = strstr(g_be->base_url, "://") + 3;
	size_t ulen = strcspn(user, ":@");

	(void)state;
	if (at == NULL)
		skip();
	assert_true(snprintf(url, sizeof(url), "postgres://%.*s:Wr0ngPassw0rd%s", (int)ulen, user, at) < (int)sizeof(url));
	assert_int_equal(store_open(url, 0, &st), TK_ERR_STORE);
	assert_null(strstr(tk_errmsg(), "Wr0ngPassw0rd"));
	assert_non_null(strstr(tk_errmsg(), "cannot connect"));
}

/* ---- URL handling: needs no server ---- */

static void test_pg_url_password_never_in_errors(void **state)
{
	static const char *const urls[] = {
		"postgres://teken:S3cretPw@127.0.0.1:1/teken", /* refused */
		"postgresql://teken:S3cretPw@127.0.0.1:1/teken?connect_timeout=2",
		"postgres://teken:S3cret%zzPw@127.0.0.1/teken",                 /* bad escape */
		"postgres://teken@127.0.0.1:1/teken?password=S3cretPw&bogus=1", /* bad option */
		"postgres://teken:S3cretPw@[::1:5432/teken",                    /* bad IPv6: libpq quotes the URL */
		"postgres://teken:S3cretPw@127.0.0.1:notaport/teken",
	};
	struct store *st = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
		enum tk_err rc = store_open(urls[i], 0, &st);
		assert_int_not_equal(rc, TK_OK);
		if (strstr(tk_errmsg(), "S3cret") != NULL)
			fail_msg("password leaked for URL %zu: %s", i, tk_errmsg());
		assert_non_null(strstr(tk_errmsg(), "store: postgres"));
	}
}

/* ---- running ---- */

static int group_setup_sqlite(void **state)
{
	static struct backend be = { .name = "sqlite", .kind = STORE_SQLITE };
	const char *tmp = getenv("TMPDIR");

	(void)state;
	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	if (snprintf(be.dir, sizeof(be.dir), "%s/teken-test-store.XXXXXX", tmp) >= (int)sizeof(be.dir) ||
	    mkdtemp(be.dir) == NULL) {
		perror("test_store: mkdtemp");
		return -1;
	}
	g_be = &be;
	return 0;
}

static int group_teardown_sqlite(void **state)
{
	(void)state;
	if (rmdir(g_be->dir) != 0)
		perror("test_store: rmdir");
	return 0;
}

static int group_setup_pg(void **state)
{
	static struct backend be = { .name = "postgres", .kind = STORE_POSTGRES };
	const char *url = getenv("TEKEN_PG_URL");

	(void)state;
	if (url == NULL || snprintf(be.base_url, sizeof(be.base_url), "%s", url) >= (int)sizeof(be.base_url))
		return -1;
	g_be = &be;
	return 0;
}

#define SHARED_TESTS                                                                              \
	cmocka_unit_test_setup_teardown(test_migrations, fx_setup, fx_teardown),                  \
	    cmocka_unit_test_setup_teardown(test_checkpoint_migration, fx_setup, fx_teardown),    \
	    cmocka_unit_test_setup_teardown(test_concurrent_migration, fx_setup, fx_teardown),    \
	    cmocka_unit_test_setup_teardown(test_text_and_i64, fx_setup, fx_teardown),            \
	    cmocka_unit_test_setup_teardown(test_blobs_exact, fx_setup, fx_teardown),             \
	    cmocka_unit_test_setup_teardown(test_nulls, fx_setup, fx_teardown),                   \
	    cmocka_unit_test_setup_teardown(test_unique_violation, fx_setup, fx_teardown),        \
	    cmocka_unit_test_setup_teardown(test_errors_keep_transaction, fx_setup, fx_teardown), \
	    cmocka_unit_test_setup_teardown(test_rollback_and_commit, fx_setup, fx_teardown),     \
	    cmocka_unit_test_setup_teardown(test_changes, fx_setup, fx_teardown),                 \
	    cmocka_unit_test_setup_teardown(test_query_i64, fx_setup, fx_teardown),               \
	    cmocka_unit_test_setup_teardown(test_metacharacters_literal, fx_setup, fx_teardown),  \
	    cmocka_unit_test_setup_teardown(test_interleaved_statements, fx_setup, fx_teardown),  \
	    cmocka_unit_test_setup_teardown(test_write_lock_serialises, fx_setup, fx_teardown),   \
	    cmocka_unit_test_setup_teardown(test_no_lost_updates, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest sqlite_tests[] = { SHARED_TESTS };
	const struct CMUnitTest pg_tests[] = {
		SHARED_TESTS,
		cmocka_unit_test_setup_teardown(test_pg_sqlstate_mapping, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_pg_deadlock_is_conflict, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_pg_reconnects_between_transactions, fx_setup, fx_teardown),
		cmocka_unit_test(test_pg_wrong_password_hidden),
	};
	const struct CMUnitTest url_tests[] = {
		cmocka_unit_test(test_pg_url_password_never_in_errors),
	};
	const char *pg = getenv("TEKEN_PG_URL");
	int failed = 0;

	failed += cmocka_run_group_tests_name("store_sqlite", sqlite_tests, group_setup_sqlite, group_teardown_sqlite);
	failed += cmocka_run_group_tests_name("store_pg_url", url_tests, NULL, NULL);
	if (pg != NULL && *pg != '\0') {
		failed += cmocka_run_group_tests_name("store_postgres", pg_tests, group_setup_pg, NULL);
	} else {
		printf("test_store: TEKEN_PG_URL is not set: ran the SQLite suite only; "
		       "tests/integration/test_store_pg.sh runs it against a throwaway PostgreSQL cluster\n");
	}
	return failed == 0 ? 0 : 1;
}

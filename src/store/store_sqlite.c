/* SQLite backend: WAL, foreign keys, busy timeout, synchronous=FULL. */
#include "store/store_impl.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SQLITE_BUSY_MS 15000
#define SQ_WRITER_LOCKS 8

/*
 * Writers of one database file inside this process queue on a mutex before
 * BEGIN IMMEDIATE. Without it a writer that finds the file locked sleeps in
 * SQLite's busy handler (1, 2, 5, 10 ... 100 ms steps) however soon the
 * lock is free: concurrent signing requests measured 14 ms of sleep per
 * wait, longer than the signature. With it the next writer starts as soon
 * as the commit before it ends. Other processes still meet the busy
 * handler; the wait here is bounded by the same timeout.
 */
struct sq_writer_lock {
	char path[PATH_MAX];
	pthread_mutex_t m;
};

static struct sq_writer_lock writer_locks[SQ_WRITER_LOCKS];
static size_t n_writer_locks;
static pthread_mutex_t writer_locks_guard = PTHREAD_MUTEX_INITIALIZER;

/* The writer lock of the file at path (resolved); NULL when it cannot be named or the table is full. */
static pthread_mutex_t *writer_lock_of(const char *path)
{
	char real[PATH_MAX];
	pthread_mutex_t *m = NULL;
	size_t i;

	if (realpath(path, real) == NULL)
		return NULL;
	pthread_mutex_lock(&writer_locks_guard);
	for (i = 0; i < n_writer_locks && m == NULL; i++)
		if (strcmp(writer_locks[i].path, real) == 0)
			m = &writer_locks[i].m;
	if (m == NULL && n_writer_locks < SQ_WRITER_LOCKS) {
		struct sq_writer_lock *w = &writer_locks[n_writer_locks];
		memcpy(w->path, real, strlen(real) + 1);
		if (pthread_mutex_init(&w->m, NULL) == 0) {
			n_writer_locks++;
			m = &w->m;
		}
	}
	pthread_mutex_unlock(&writer_locks_guard);
	return m;
}

/*
 * Prepared statements are kept per connection and reused: preparing costs
 * more than running most of our queries (measured on the OCSP hot path).
 */
#define SQ_CACHE 64

struct sq_cached {
	char *sql; /* translated text, the cache key */
	sqlite3_stmt *stmt;
	int in_use;
};

struct sq_store {
	struct store base;
	sqlite3 *db;
	struct sq_cached cache[SQ_CACHE];
	pthread_mutex_t *writer; /* this file's writer lock in the process; NULL: SQLite's busy handler alone */
	int holds_writer;
};

struct sq_stmt {
	struct store_stmt base;
	sqlite3_stmt *s;
	struct sq_cached *cached; /* NULL: finalized when done */
	int64_t changes;
	int done;
};

static sqlite3 *db_of(struct store *st) { return ((struct sq_store *)st)->db; }

static enum tk_err sq_fail(sqlite3 *db, int rc, const char *what)
{
	int ext = sqlite3_extended_errcode(db);

	if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)
		return tk_fail(TK_ERR_EXISTS, "store: %s: duplicate key (%s)", what, sqlite3_errmsg(db));
	if (rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB)
		return tk_fail_code(TK_ERR_STORE, "store_corrupt", "store: %s: database file is corrupt (%s)", what, sqlite3_errmsg(db));
	/* The file system is full (SQLITE_FULL) or an I/O error was ENOSPC/EDQUOT (WAL, shm): the
	 * transaction is rolled back and nothing is stored; the client hears storage_full (507). */
	if ((rc & 0xff) == SQLITE_FULL || (ext & 0xff) == SQLITE_FULL ||
	    ((rc & 0xff) == SQLITE_IOERR && (sqlite3_system_errno(db) == ENOSPC || sqlite3_system_errno(db) == EDQUOT)))
		return tk_fail_code(TK_ERR_STORE, "storage_full", "store: %s: no space left for the database (%s)", what, sqlite3_errmsg(db));
	return tk_fail(TK_ERR_STORE, "store: %s: %s", what, sqlite3_errmsg(db));
}

static enum tk_err sq_exec(struct store *st, const char *sql)
{
	char *t = NULL;
	int rc;
	enum tk_err e;

	if ((e = store_translate(sql, STORE_SQLITE, &t)) != TK_OK)
		return e;
	rc = sqlite3_exec(db_of(st), t, NULL, NULL, NULL);
	free(t);
	if (rc != SQLITE_OK)
		return sq_fail(db_of(st), rc, "exec");
	return TK_OK;
}

static void writer_release(struct sq_store *sq)
{
	if (sq->holds_writer) {
		sq->holds_writer = 0;
		pthread_mutex_unlock(sq->writer);
	}
}

static int64_t monotonic_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/*
 * A writer waits SQLITE_BUSY_MS in all: first for the writers of this
 * process (the mutex), then, with what is left, for other processes
 * (SQLite's busy handler on BEGIN IMMEDIATE). One monotonic deadline, so a
 * clock step changes nothing and the two waits never add up.
 */
static enum tk_err sq_begin(struct store *st, enum store_txmode mode)
{
	struct sq_store *sq = (struct sq_store *)st;
	int64_t deadline = monotonic_ms() + SQLITE_BUSY_MS;
	int waited = 0;
	int rc;

	if (mode == STORE_TX_WRITE && sq->writer != NULL && !sq->holds_writer) {
		struct timespec until;
		int64_t left;
		int e;
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += SQLITE_BUSY_MS / 1000;
		until.tv_nsec += (long)(SQLITE_BUSY_MS % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		if ((e = pthread_mutex_clocklock(sq->writer, CLOCK_MONOTONIC, &until)) != 0)
			return tk_fail(TK_ERR_STORE, "store: begin: database is locked (%s)", e == ETIMEDOUT ? "timed out" : strerror(e));
		sq->holds_writer = 1;
		left = deadline - monotonic_ms();
		sqlite3_busy_timeout(sq->db, left > 1 ? (int)left : 1);
		waited = 1;
	}
	rc = sqlite3_exec(sq->db, mode == STORE_TX_WRITE ? "BEGIN IMMEDIATE" : "BEGIN", NULL, NULL, NULL);
	if (waited)
		sqlite3_busy_timeout(sq->db, SQLITE_BUSY_MS);
	if (rc != SQLITE_OK) {
		enum tk_err e = sq_fail(sq->db, rc, "begin");
		writer_release(sq);
		return e;
	}
	return TK_OK;
}

/* A failed COMMIT is followed by sq_rollback() (store_commit), which lets the writer lock go. */
static enum tk_err sq_commit(struct store *st)
{
	int rc = sqlite3_exec(db_of(st), "COMMIT", NULL, NULL, NULL);

	if (rc != SQLITE_OK)
		return sq_fail(db_of(st), rc, "commit");
	writer_release((struct sq_store *)st);
	return TK_OK;
}

static void sq_rollback(struct store *st)
{
	(void)sqlite3_exec(db_of(st), "ROLLBACK", NULL, NULL, NULL);
	writer_release((struct sq_store *)st);
}

static enum tk_err sq_prepare(struct store *st, const char *sql, struct store_stmt **out)
{
	struct sq_store *sq = (struct sq_store *)st;
	struct sq_stmt *s;
	struct sq_cached *slot = NULL;
	char *t = NULL;
	size_t i;
	int rc;
	enum tk_err e;

	if ((e = store_translate(sql, STORE_SQLITE, &t)) != TK_OK)
		return e;
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		free(t);
		return tk_fail(TK_ERR_NOMEM, "store: out of memory");
	}
	s->base.st = st;
	for (i = 0; i < SQ_CACHE; i++) {
		struct sq_cached *c = &sq->cache[i];
		if (c->stmt != NULL && !c->in_use && strcmp(c->sql, t) == 0) {
			c->in_use = 1;
			s->s = c->stmt;
			s->cached = c;
			free(t);
			*out = &s->base;
			return TK_OK;
		}
		if (slot == NULL && c->stmt == NULL)
			slot = c;
	}
	rc = sqlite3_prepare_v3(db_of(st), t, -1, slot ? SQLITE_PREPARE_PERSISTENT : 0, &s->s, NULL);
	if (rc != SQLITE_OK) {
		e = sq_fail(db_of(st), rc, "prepare");
		free(t);
		free(s);
		return e;
	}
	if (slot != NULL) {
		slot->sql = t;
		slot->stmt = s->s;
		slot->in_use = 1;
		s->cached = slot;
	} else {
		free(t);
	}
	*out = &s->base;
	return TK_OK;
}

static void sq_finalize(struct store_stmt *base)
{
	struct sq_stmt *s = (struct sq_stmt *)base;

	if (s->cached != NULL) {
		/* Back to the cache: reset state and drop the bound values. */
		sqlite3_reset(s->s);
		sqlite3_clear_bindings(s->s);
		s->cached->in_use = 0;
	} else {
		sqlite3_finalize(s->s);
	}
	free(s);
}

#define SQ(s) (((struct sq_stmt *)(s))->s)

static enum tk_err bind_rc(struct store_stmt *s, int rc)
{
	if (rc != SQLITE_OK)
		return sq_fail(db_of(s->st), rc, "bind");
	return TK_OK;
}

static enum tk_err sq_bind_text(struct store_stmt *s, int idx, const char *v)
{
	return bind_rc(s, sqlite3_bind_text(SQ(s), idx, v, -1, SQLITE_TRANSIENT));
}

static enum tk_err sq_bind_blob(struct store_stmt *s, int idx, const void *p, size_t len)
{
	if (len > 0x7fffffff)
		return tk_fail(TK_ERR_LIMIT, "store: value too large");
	/* An empty blob must stay a blob, not NULL. */
	return bind_rc(s, sqlite3_bind_blob(SQ(s), idx, len ? p : "", (int)len, SQLITE_TRANSIENT));
}

static enum tk_err sq_bind_i64(struct store_stmt *s, int idx, int64_t v)
{
	return bind_rc(s, sqlite3_bind_int64(SQ(s), idx, v));
}

static enum tk_err sq_bind_null(struct store_stmt *s, int idx)
{
	return bind_rc(s, sqlite3_bind_null(SQ(s), idx));
}

static enum tk_err sq_step(struct store_stmt *base, int *has_row)
{
	struct sq_stmt *s = (struct sq_stmt *)base;
	int rc;

	if (s->done) {
		*has_row = 0;
		return TK_OK;
	}
	rc = sqlite3_step(s->s);
	if (rc == SQLITE_ROW) {
		*has_row = 1;
		return TK_OK;
	}
	if (rc == SQLITE_DONE) {
		s->done = 1;
		s->changes = sqlite3_changes64(db_of(base->st));
		*has_row = 0;
		return TK_OK;
	}
	return sq_fail(db_of(base->st), rc, "step");
}

static int sq_col_null(struct store_stmt *s, int col) { return sqlite3_column_type(SQ(s), col) == SQLITE_NULL; }
static int64_t sq_col_i64(struct store_stmt *s, int col) { return sqlite3_column_int64(SQ(s), col); }

static const char *sq_col_text(struct store_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(SQ(s), col);
	return t ? (const char *)t : "";
}

static const uint8_t *sq_col_blob(struct store_stmt *s, int col, size_t *len)
{
	const void *p = sqlite3_column_blob(SQ(s), col);
	int n = sqlite3_column_bytes(SQ(s), col);

	*len = n > 0 ? (size_t)n : 0;
	return p;
}

static int64_t sq_changes(struct store_stmt *s) { return ((struct sq_stmt *)s)->changes; }

static void sq_close(struct store *st)
{
	struct sq_store *sq = (struct sq_store *)st;
	size_t i;

	for (i = 0; i < SQ_CACHE; i++) {
		sqlite3_finalize(sq->cache[i].stmt);
		free(sq->cache[i].sql);
	}
	writer_release(sq);
	sqlite3_close_v2(sq->db);
	free(st);
}

static const struct store_ops sq_ops = {
	sq_exec,
	sq_begin,
	sq_commit,
	sq_rollback,
	sq_prepare,
	sq_finalize,
	sq_bind_text,
	sq_bind_blob,
	sq_bind_i64,
	sq_bind_null,
	sq_step,
	sq_col_null,
	sq_col_i64,
	sq_col_text,
	sq_col_blob,
	sq_changes,
	sq_close,
};

enum tk_err store_sqlite_open(const char *path, struct store **out)
{
	static const char *pragmas[] = {
		"PRAGMA journal_mode=WAL",
		"PRAGMA synchronous=FULL", /* issuance and audit must survive power loss */
		"PRAGMA foreign_keys=ON",
		"PRAGMA secure_delete=ON", /* erased PII does not linger in free pages */
	};
	struct sq_store *st;
	size_t i;
	int rc;

	st = calloc(1, sizeof(*st));
	if (st == NULL)
		return tk_fail(TK_ERR_NOMEM, "store: out of memory");
	st->base.ops = &sq_ops;
	st->base.backend = STORE_SQLITE;
	rc = sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		enum tk_err e = tk_fail(TK_ERR_STORE, "store: cannot open %s: %s", path,
		    st->db ? sqlite3_errmsg(st->db) : "out of memory");
		sqlite3_close_v2(st->db);
		free(st);
		return e;
	}
	sqlite3_busy_timeout(st->db, SQLITE_BUSY_MS);
	sqlite3_extended_result_codes(st->db, 1);
	for (i = 0; i < sizeof(pragmas) / sizeof(pragmas[0]); i++) {
		int waited = 0;
		/* Switching a new file to WAL takes an exclusive lock and SQLite does
		 * not always call the busy handler for it: when several processes open
		 * a fresh store at once (a node and a CLI command, two nodes), one of
		 * them migrates while the others wait here, up to the busy timeout. */
		while ((rc = sqlite3_exec(st->db, pragmas[i], NULL, NULL, NULL)) != SQLITE_OK && ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) &&
		       waited < SQLITE_BUSY_MS) {
			sqlite3_sleep(10);
			waited += 10;
		}
		if (rc != SQLITE_OK) {
			enum tk_err e = sq_fail(st->db, rc, pragmas[i]);
			sqlite3_close_v2(st->db);
			free(st);
			return tk_wrap(e, "store %s", path);
		}
	}
	st->writer = writer_lock_of(path);
	*out = &st->base;
	return TK_OK;
}

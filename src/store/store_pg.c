/*
 * PostgreSQL backend on libpq, with the semantics of the SQLite backend:
 *
 * - Statements are translated by store_translate() ('?' -> $n and the few
 *   type names). Binds are collected and the statement runs on the first
 *   store_step() with PQexecParams: text as text, integers as int8 text,
 *   blobs as binary bytea. Results come back whole in text format (so
 *   several statements can be open on one connection, as on SQLite);
 *   bytea columns are decoded with PQunescapeBytea so store_col_blob()
 *   returns the exact bytes.
 * - STORE_TX_WRITE takes one transaction-scoped advisory lock right after
 *   BEGIN, so writers are serialised across all nodes the way BEGIN
 *   IMMEDIATE serialises them on SQLite: a writer sees a stable world for
 *   its whole transaction, and two writers never deadlock with each other.
 *   Reads run at READ COMMITTED without the lock.
 * - Inside a transaction every statement is guarded by a savepoint (sent
 *   with it in one pipelined round trip): a failing statement (say a
 *   duplicate key) is undone alone and the transaction stays usable, as on
 *   SQLite, instead of PostgreSQL's "current transaction is aborted" for
 *   everything after it.
 * - SQLSTATE 23505 -> TK_ERR_EXISTS; 40001 and 40P01 -> TK_ERR_CONFLICT; 53100 -> storage_full.
 * - The password of the URL never reaches an error message.
 */
#include "store/store_impl.h"
#include "log/log.h"

#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

/* Type OIDs from the server's catalog/pg_type.h, which libpq-dev does not ship. */
#define PG_BOOLOID 16
#define PG_BYTEAOID 17
#define PG_INT8OID 20

/* The wire protocol counts parameters in 16 bits. */
#define PG_MAX_PARAMS 65535
/* Largest value PostgreSQL stores in one field. */
#define PG_MAX_FIELD ((size_t)0x3fffffff)
/*
 * Key of the advisory lock that serialises write transactions: "teken" in
 * ASCII. Advisory locks are per database, so instances on separate
 * databases of one cluster do not block each other.
 */
#define PG_WRITE_LOCK_KEY "499917743470"
/* Same as SQLITE_BUSY_MS: how long a writer waits for another before failing. */
#define PG_LOCK_TIMEOUT "15s"
#define PG_CONNECT_TIMEOUT "10"

struct pg_store {
	struct store base;
	PGconn *conn;
};

struct pg_param {
	char *val; /* NULL binds SQL NULL */
	int len;
	int fmt;  /* 0 text, 1 binary */
	Oid type; /* 0 lets the server infer it from the context */
};

/* A bytea (or bool) column of the current row, decoded on first access. */
struct pg_cell {
	uint8_t *p; /* NUL-terminated so store_col_text() can hand it out too */
	size_t len;
	int decoded;
};

struct pg_stmt {
	struct store_stmt base;
	char *sql;
	int nparams;
	struct pg_param *params;
	PGresult *res;
	int nrows;
	int ncols;
	int row; /* current row, -1 before the first */
	int executed;
	int64_t changes;
	struct pg_cell *cells; /* ncols entries for the current row */
};

static PGconn *conn_of(struct store *st) { return ((struct pg_store *)st)->conn; }

/* libpq messages end in a newline and may span lines; errors are one line. */
static void one_line(const char *in, char *out, size_t outsz)
{
	size_t i = 0;

	for (; *in != '\0' && i + 1 < outsz; in++) {
		char c = *in;
		if (c == '\n' || c == '\r' || c == '\t')
			c = ' ';
		if (c == ' ' && (i == 0 || out[i - 1] == ' '))
			continue;
		out[i++] = c;
	}
	while (i > 0 && out[i - 1] == ' ')
		i--;
	out[i] = '\0';
}

static enum tk_err conn_fail(PGconn *c, const char *what)
{
	char m[MAX_ERRMSG];

	one_line(c != NULL ? PQerrorMessage(c) : "out of memory", m, sizeof(m));
	if (c != NULL && PQstatus(c) == CONNECTION_BAD)
		return tk_fail(TK_ERR_STORE, "store: postgres: %s: connection to the server is lost (%s)", what,
		    m[0] ? m : "no detail");
	return tk_fail(TK_ERR_STORE, "store: postgres: %s: %s", what, m[0] ? m : "unknown libpq error");
}

/*
 * Turns a failed result into our error. Only the primary message is used:
 * the detail of a duplicate key names the key's value, which may be
 * personal data (a NIK), and SQLite's messages name columns only.
 */
static enum tk_err res_fail(PGconn *c, const PGresult *r, const char *what)
{
	const char *state = r != NULL ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	const char *primary = r != NULL ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	char m[MAX_ERRMSG];

	if (state == NULL || primary == NULL)
		return conn_fail(c, what);
	one_line(primary, m, sizeof(m));
	if (strcmp(state, "23505") == 0)
		return tk_fail(TK_ERR_EXISTS, "store: %s: duplicate key (%s)", what, m);
	if (strcmp(state, "40001") == 0)
		return tk_fail(TK_ERR_CONFLICT, "store: %s: serialization failure: a concurrent transaction changed the same data; "
						"roll back and retry the transaction (%s)",
		    what, m);
	if (strcmp(state, "40P01") == 0)
		return tk_fail(TK_ERR_CONFLICT, "store: %s: deadlock with a concurrent transaction, which went ahead; "
						"roll back and retry the transaction (%s)",
		    what, m);
	if (strcmp(state, "55P03") == 0)
		return tk_fail(TK_ERR_STORE, "store: %s: gave up waiting for a lock after %s (%s)", what, PG_LOCK_TIMEOUT, m);
	if (strcmp(state, "53100") == 0) /* disk_full: the server's file system; nothing of the transaction is kept */
		return tk_fail_code(TK_ERR_STORE, "storage_full", "store: %s: the database server has no space left (%s)", what, m);
	if (strcmp(state, "XX001") == 0 || strcmp(state, "XX002") == 0)
		return tk_fail_code(TK_ERR_STORE, "store_corrupt", "store: %s: database is corrupt (%s)", what, m);
	return tk_fail(TK_ERR_STORE, "store: %s: %s (SQLSTATE %s)", what, m, state);
}

/* Runs a statement without parameters whose result does not matter beyond success. */
static enum tk_err run_simple(PGconn *c, const char *sql, const char *what)
{
	PGresult *r = PQexec(c, sql);
	ExecStatusType s = PQresultStatus(r);
	enum tk_err rc = TK_OK;

	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK && s != PGRES_EMPTY_QUERY)
		rc = res_fail(c, r, what);
	PQclear(r);
	return rc;
}

/* Server warnings go to our log as JSON lines, not raw to stderr. */
static void notice_to_log(void *arg, const PGresult *r)
{
	const char *sev = PQresultErrorField(r, PG_DIAG_SEVERITY_NONLOCALIZED);
	const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
	char m[MAX_ERRMSG];

	(void)arg;
	one_line(msg != NULL ? msg : "", m, sizeof(m));
	log_msg(LOG_WARN, "store_pg_notice", "postgres %s: %s", sev != NULL ? sev : "NOTICE", m);
}

/*
 * Per-session settings, applied after every (re)connect:
 * client_min_messages keeps "already exists, skipping" notices of
 * CREATE TABLE IF NOT EXISTS quiet; bytea_output=hex is what
 * PQunescapeBytea reads best; lock_timeout bounds waiting for another writer.
 */
static enum tk_err pg_session_setup(PGconn *c)
{
	PQsetNoticeReceiver(c, notice_to_log, NULL);
	return run_simple(c,
	    "SET client_min_messages = warning; SET bytea_output = hex; SET lock_timeout = '" PG_LOCK_TIMEOUT "'",
	    "session setup");
}

/*
 * A connection that dropped (server restart, failover) is re-established
 * once, but only between transactions: a transaction cut off is lost and
 * the caller must hear about it.
 */
static enum tk_err pg_ensure(struct store *st)
{
	PGconn *c = conn_of(st);

	if (PQstatus(c) == CONNECTION_OK)
		return TK_OK;
	if (st->in_tx)
		return tk_fail(TK_ERR_STORE, "store: postgres: connection lost inside a transaction; the transaction is gone");
	PQreset(c);
	if (PQstatus(c) != CONNECTION_OK)
		return conn_fail(c, "reconnect");
	return pg_session_setup(c);
}

static int in_server_tx(PGconn *c)
{
	PGTransactionStatusType t = PQtransactionStatus(c);
	return t == PQTRANS_INTRANS || t == PQTRANS_INERROR;
}

/* After a guarded statement failed: undo it alone, keep the transaction. */
static void undo_statement(PGconn *c)
{
	if (PQtransactionStatus(c) == PQTRANS_INERROR)
		PQclear(PQexec(c, "ROLLBACK TO SAVEPOINT tk_stmt; RELEASE SAVEPOINT tk_stmt"));
}

static enum tk_err pg_exec(struct store *st, const char *sql)
{
	PGconn *c = conn_of(st);
	char *t = NULL;
	int guard;
	enum tk_err rc;

	if ((rc = pg_ensure(st)) != TK_OK)
		return rc;
	if ((rc = store_translate(sql, STORE_POSTGRES, &t)) != TK_OK)
		return rc;
	guard = in_server_tx(c);
	if (guard && (rc = run_simple(c, "SAVEPOINT tk_stmt", "exec")) != TK_OK)
		goto out;
	rc = run_simple(c, t, "exec");
	if (guard) {
		if (rc == TK_OK)
			rc = run_simple(c, "RELEASE SAVEPOINT tk_stmt", "exec");
		else
			undo_statement(c);
	}
out:
	free(t);
	return rc;
}

static enum tk_err pg_begin(struct store *st, enum store_txmode mode)
{
	PGconn *c = conn_of(st);
	enum tk_err rc;

	if ((rc = pg_ensure(st)) != TK_OK)
		return rc;
	if (mode == STORE_TX_WRITE)
		rc = run_simple(c, "BEGIN; SELECT pg_advisory_xact_lock(" PG_WRITE_LOCK_KEY ")", "begin");
	else
		rc = run_simple(c, "BEGIN", "begin");
	if (rc != TK_OK && in_server_tx(c))
		PQclear(PQexec(c, "ROLLBACK"));
	return rc;
}

static enum tk_err pg_commit(struct store *st)
{
	PGconn *c = conn_of(st);
	PGresult *r = PQexec(c, "COMMIT");
	enum tk_err rc = TK_OK;

	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		rc = res_fail(c, r, "commit");
	else if (strcmp(PQcmdStatus(r), "ROLLBACK") == 0)
		/* PostgreSQL answers COMMIT of an aborted transaction with ROLLBACK. */
		rc = tk_fail(TK_ERR_STORE, "store: commit: the transaction had failed and was rolled back");
	PQclear(r);
	return rc;
}

static void pg_rollback(struct store *st)
{
	PGconn *c = conn_of(st);

	/* ROLLBACK outside a transaction makes the server warn; skip it. */
	if (in_server_tx(c))
		PQclear(PQexec(c, "ROLLBACK"));
}

/* Counts '?' outside string literals exactly as store_translate() numbers them. */
static int count_placeholders(const char *sql)
{
	int in_str = 0, n = 0;

	for (; *sql != '\0'; sql++) {
		if (*sql == '\'')
			in_str = !in_str;
		else if (!in_str && *sql == '?')
			n++;
	}
	return n;
}

static void cells_reset(struct pg_stmt *s)
{
	int i;

	if (s->cells == NULL)
		return;
	for (i = 0; i < s->ncols; i++) {
		free(s->cells[i].p);
		s->cells[i].p = NULL;
		s->cells[i].len = 0;
		s->cells[i].decoded = 0;
	}
}

static void pg_finalize(struct store_stmt *base)
{
	struct pg_stmt *s = (struct pg_stmt *)base;
	int i;

	cells_reset(s);
	free(s->cells);
	PQclear(s->res);
	if (s->params != NULL)
		for (i = 0; i < s->nparams; i++)
			free(s->params[i].val);
	free(s->params);
	free(s->sql);
	free(s);
}

/*
 * Nothing goes to the server here: parameter types are known only once
 * bound, so the statement is parsed on the first store_step(), where
 * syntax errors surface.
 */
static enum tk_err pg_prepare(struct store *st, const char *sql, struct store_stmt **out)
{
	struct pg_stmt *s = NULL;
	enum tk_err rc = TK_ERR_NOMEM;
	int n = count_placeholders(sql);

	if (n > PG_MAX_PARAMS) {
		rc = tk_fail(TK_ERR_LIMIT, "store: prepare: %d parameters, PostgreSQL takes at most %d", n, PG_MAX_PARAMS);
		goto out;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		goto nomem;
	s->base.st = st;
	s->row = -1;
	s->nparams = n;
	if (n > 0 && (s->params = calloc((size_t)n, sizeof(*s->params))) == NULL)
		goto nomem;
	if ((rc = store_translate(sql, STORE_POSTGRES, &s->sql)) != TK_OK)
		goto out;
	*out = &s->base;
	s = NULL;
	rc = TK_OK;
	goto out;
nomem:
	rc = tk_fail(TK_ERR_NOMEM, "store: out of memory");
out:
	if (s != NULL)
		pg_finalize(&s->base);
	return rc;
}

/* Stores a copy of a value for parameter idx (from 1); val NULL binds NULL. */
static enum tk_err bind_set(struct store_stmt *base, int idx, const void *val, size_t len, int fmt, Oid type)
{
	struct pg_stmt *s = (struct pg_stmt *)base;
	struct pg_param *p;
	char *copy = NULL;

	if (s->executed)
		return tk_fail(TK_ERR_INTERNAL, "store: bind: statement already stepped; prepare it again");
	if (idx < 1 || idx > s->nparams)
		return tk_fail(TK_ERR_STORE, "store: bind: parameter %d out of range (statement has %d)", idx, s->nparams);
	if (len > PG_MAX_FIELD)
		return tk_fail(TK_ERR_LIMIT, "store: bind: value of %zu bytes is over PostgreSQL's 1 GiB field limit", len);
	if (val != NULL) {
		/* One spare byte: keeps text NUL-terminated and an empty blob non-NULL. */
		copy = malloc(len + 1);
		if (copy == NULL)
			return tk_fail(TK_ERR_NOMEM, "store: out of memory");
		if (len > 0)
			memcpy(copy, val, len);
		copy[len] = '\0';
	}
	p = &s->params[idx - 1];
	free(p->val);
	p->val = copy;
	p->len = (int)len;
	p->fmt = fmt;
	p->type = type;
	return TK_OK;
}

static enum tk_err pg_bind_text(struct store_stmt *s, int idx, const char *v)
{
	if (v == NULL)
		return bind_set(s, idx, NULL, 0, 0, 0);
	return bind_set(s, idx, v, strlen(v), 0, 0);
}

static enum tk_err pg_bind_blob(struct store_stmt *s, int idx, const void *p, size_t len)
{
	/* An empty blob must stay a blob, not NULL. */
	return bind_set(s, idx, len > 0 ? p : "", len, 1, PG_BYTEAOID);
}

/*
 * Integers are sent as int8 so 64-bit values (serials, times) never meet
 * an int4 inferred from an expression like "? + 1".
 */
static enum tk_err pg_bind_i64(struct store_stmt *s, int idx, int64_t v)
{
	char num[24];

	if (str_fmt(num, sizeof(num), "%lld", (long long)v) != TK_OK)
		return tk_fail(TK_ERR_INTERNAL, "store: bind: cannot format integer");
	return bind_set(s, idx, num, strlen(num), 0, PG_INT8OID);
}

static enum tk_err pg_bind_null(struct store_stmt *s, int idx)
{
	return bind_set(s, idx, NULL, 0, 0, 0);
}

/*
 * Runs sql with parameters inside a savepoint, in one round trip through
 * pipeline mode: SAVEPOINT, the statement, RELEASE, sync. On failure the
 * statement alone is rolled back. *out gets the statement's result.
 */
static enum tk_err run_guarded(PGconn *c, const char *sql, int n, const Oid *types, const char *const *vals,
    const int *lens, const int *fmts, PGresult **out)
{
	PGresult *r, *res = NULL, *err = NULL;
	int q = 0, nulls = 0, synced = 0;
	enum tk_err rc;

	if (!PQenterPipelineMode(c))
		return conn_fail(c, "step");
	if (!PQsendQueryParams(c, "SAVEPOINT tk_stmt", 0, NULL, NULL, NULL, NULL, 0) ||
	    !PQsendQueryParams(c, sql, n, types, vals, lens, fmts, 0) ||
	    !PQsendQueryParams(c, "RELEASE SAVEPOINT tk_stmt", 0, NULL, NULL, NULL, NULL, 0) ||
	    !PQpipelineSync(c)) {
		rc = conn_fail(c, "step");
		goto out;
	}
	/*
	 * One NULL ends each query's results and the sync point ends the
	 * pipeline; NULLs in a row only come from a dead connection.
	 */
	while (!synced && nulls < 4) {
		r = PQgetResult(c);
		if (r == NULL) {
			q++;
			nulls++;
			continue;
		}
		nulls = 0;
		switch (PQresultStatus(r)) {
		case PGRES_PIPELINE_SYNC:
			synced = 1;
			PQclear(r);
			break;
		case PGRES_FATAL_ERROR:
			if (err == NULL)
				err = r;
			else
				PQclear(r);
			break;
		default: /* the statement's result; SAVEPOINT, RELEASE or aborted ones are dropped */
			if (q == 1 && res == NULL && PQresultStatus(r) != PGRES_PIPELINE_ABORTED)
				res = r;
			else
				PQclear(r);
			break;
		}
	}
	if (err != NULL) {
		rc = res_fail(c, err, "step");
		goto out;
	}
	if (!synced || res == NULL) {
		rc = conn_fail(c, "step");
		goto out;
	}
	*out = res;
	res = NULL;
	rc = TK_OK;
out:
	(void)PQexitPipelineMode(c);
	if (rc != TK_OK && synced)
		undo_statement(c);
	PQclear(res);
	PQclear(err);
	return rc;
}

/* Rows changed, from the command tag; zero for anything but a write. */
static int64_t tag_changes(PGresult *r)
{
	const char *tag = PQcmdStatus(r);
	const char *n = PQcmdTuples(r);
	int64_t v = 0;

	if (strncmp(tag, "INSERT", 6) != 0 && strncmp(tag, "UPDATE", 6) != 0 &&
	    strncmp(tag, "DELETE", 6) != 0 && strncmp(tag, "MERGE", 5) != 0)
		return 0;
	if (*n == '\0' || parse_i64_str(n, 0, INT64_MAX, &v) != TK_OK)
		return 0;
	return v;
}

static enum tk_err pg_execute(struct pg_stmt *s)
{
	PGconn *c = conn_of(s->base.st);
	const char **vals = NULL;
	int *lens = NULL, *fmts = NULL;
	Oid *types = NULL;
	PGresult *r = NULL;
	ExecStatusType status;
	int i, n = s->nparams;
	enum tk_err rc;

	if ((rc = pg_ensure(s->base.st)) != TK_OK)
		return rc;
	if (n > 0) {
		vals = calloc((size_t)n, sizeof(*vals));
		lens = calloc((size_t)n, sizeof(*lens));
		fmts = calloc((size_t)n, sizeof(*fmts));
		types = calloc((size_t)n, sizeof(*types));
		if (vals == NULL || lens == NULL || fmts == NULL || types == NULL) {
			rc = tk_fail(TK_ERR_NOMEM, "store: out of memory");
			goto out;
		}
		for (i = 0; i < n; i++) {
			vals[i] = s->params[i].val;
			lens[i] = s->params[i].len;
			fmts[i] = s->params[i].fmt;
			types[i] = s->params[i].type;
		}
	}
	if (in_server_tx(c)) {
		if ((rc = run_guarded(c, s->sql, n, types, vals, lens, fmts, &r)) != TK_OK)
			goto out;
	} else {
		r = PQexecParams(c, s->sql, n, types, vals, lens, fmts, 0);
	}
	status = PQresultStatus(r);
	if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK && status != PGRES_EMPTY_QUERY) {
		rc = status == PGRES_FATAL_ERROR || r == NULL ? res_fail(c, r, "step")
							      : tk_fail(TK_ERR_STORE, "store: step: unsupported result (%s)", PQresStatus(status));
		goto out;
	}
	s->ncols = PQnfields(r);
	s->nrows = PQntuples(r);
	s->changes = tag_changes(r);
	if (s->ncols > 0 && (s->cells = calloc((size_t)s->ncols, sizeof(*s->cells))) == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "store: out of memory");
		goto out;
	}
	s->res = r;
	r = NULL;
	rc = TK_OK;
out:
	PQclear(r);
	free(vals);
	free(lens);
	free(fmts);
	free(types);
	return rc;
}

static enum tk_err pg_step(struct store_stmt *base, int *has_row)
{
	struct pg_stmt *s = (struct pg_stmt *)base;
	enum tk_err rc;

	*has_row = 0;
	if (!s->executed) {
		/* Executed once: a failed statement is not retried by stepping again. */
		s->executed = 1;
		if ((rc = pg_execute(s)) != TK_OK)
			return rc;
	}
	if (s->res == NULL)
		return TK_OK;
	cells_reset(s);
	if (s->row < s->nrows)
		s->row++;
	*has_row = s->row < s->nrows;
	return TK_OK;
}

static int valid_cell(struct pg_stmt *s, int col)
{
	return s->res != NULL && s->row >= 0 && s->row < s->nrows && col >= 0 && col < s->ncols;
}

static int pg_col_null(struct store_stmt *base, int col)
{
	struct pg_stmt *s = (struct pg_stmt *)base;

	if (!valid_cell(s, col))
		return 1;
	return PQgetisnull(s->res, s->row, col);
}

/*
 * bytea arrives hex-escaped and bool as 't'/'f'; both are decoded once per
 * row so blob and text accessors see what SQLite would give: the exact
 * bytes, and 1/0 for truth values.
 */
static struct pg_cell *cell_decoded(struct pg_stmt *s, int col)
{
	struct pg_cell *cell = &s->cells[col];
	Oid type = PQftype(s->res, col);
	const char *v;

	if (type != PG_BYTEAOID && type != PG_BOOLOID)
		return NULL;
	if (cell->decoded || PQgetisnull(s->res, s->row, col))
		return cell->decoded ? cell : NULL;
	v = PQgetvalue(s->res, s->row, col);
	if (type == PG_BOOLOID) {
		cell->p = malloc(2);
		if (cell->p == NULL)
			return NULL;
		cell->p[0] = *v == 't' ? '1' : '0';
		cell->p[1] = '\0';
		cell->len = 1;
	} else {
		size_t n = 0;
		unsigned char *u = PQunescapeBytea((const unsigned char *)v, &n);
		if (u == NULL)
			return NULL;
		cell->p = malloc(n + 1);
		if (cell->p == NULL) {
			PQfreemem(u);
			return NULL;
		}
		if (n > 0)
			memcpy(cell->p, u, n);
		cell->p[n] = '\0';
		cell->len = n;
		PQfreemem(u);
	}
	cell->decoded = 1;
	return cell;
}

static const char *pg_col_text(struct store_stmt *base, int col)
{
	struct pg_stmt *s = (struct pg_stmt *)base;
	struct pg_cell *cell;

	if (!valid_cell(s, col))
		return "";
	if ((cell = cell_decoded(s, col)) != NULL)
		return (const char *)cell->p;
	if (PQftype(s->res, col) == PG_BYTEAOID)
		return ""; /* NULL, or out of memory while decoding: never the hex escape */
	return PQgetvalue(s->res, s->row, col);
}

/*
 * Lenient like sqlite3_column_int64(): the leading integer of the text
 * ("12.5" -> 12, NUMERIC sums), 0 when there is none.
 */
static int64_t pg_col_i64(struct store_stmt *base, int col)
{
	const char *v = pg_col_text(base, col);
	char *end = NULL;
	long long n = strtoll(v, &end, 10);

	if (end == v)
		return 0;
	return (int64_t)n;
}

static const uint8_t *pg_col_blob(struct store_stmt *base, int col, size_t *len)
{
	struct pg_stmt *s = (struct pg_stmt *)base;
	struct pg_cell *cell;
	int n;

	*len = 0;
	if (!valid_cell(s, col) || PQgetisnull(s->res, s->row, col))
		return NULL;
	if ((cell = cell_decoded(s, col)) != NULL) {
		*len = cell->len;
		return cell->p;
	}
	if (PQftype(s->res, col) == PG_BYTEAOID)
		return NULL; /* out of memory while decoding */
	n = PQgetlength(s->res, s->row, col);
	*len = n > 0 ? (size_t)n : 0;
	return (const uint8_t *)PQgetvalue(s->res, s->row, col);
}

static int64_t pg_changes(struct store_stmt *s) { return ((struct pg_stmt *)s)->changes; }

static void pg_close(struct store *st)
{
	PQfinish(conn_of(st));
	free(st);
}

static const struct store_ops pg_ops = {
	pg_exec,
	pg_begin,
	pg_commit,
	pg_rollback,
	pg_prepare,
	pg_finalize,
	pg_bind_text,
	pg_bind_blob,
	pg_bind_i64,
	pg_bind_null,
	pg_step,
	pg_col_null,
	pg_col_i64,
	pg_col_text,
	pg_col_blob,
	pg_changes,
	pg_close,
};

/* ---- opening, and keeping the password out of messages ---- */

#define PG_MAX_SECRETS 8

struct pg_secrets {
	char *s[PG_MAX_SECRETS];
	size_t n;
};

static void secrets_add(struct pg_secrets *sec, const char *p, size_t len)
{
	char *c;

	if (len == 0 || sec->n == PG_MAX_SECRETS)
		return;
	c = malloc(len + 1);
	if (c == NULL)
		return;
	memcpy(c, p, len);
	c[len] = '\0';
	sec->s[sec->n++] = c;
}

static void secrets_free(struct pg_secrets *sec)
{
	size_t i;

	for (i = 0; i < sec->n; i++) {
		/* The password is a secret: wipe it, do not just free it. */
		volatile char *v = sec->s[i];
		while (*v != '\0')
			*v++ = '\0';
		free(sec->s[i]);
	}
	sec->n = 0;
}

/*
 * The password as written in the URL, in both places libpq takes it from:
 * "postgres://user:PASSWORD@host" (libpq ends the user part at the first
 * '@' or '/') and "?password=PASSWORD". libpq's URL errors quote these raw
 * tokens, even the whole URL, so they are found without libpq's parser.
 */
static void secrets_from_url(struct pg_secrets *sec, const char *url)
{
	const char *p = strstr(url, "://");
	const char *q;

	if (p != NULL) {
		size_t n;
		const char *colon;
		p += 3;
		n = strcspn(p, "@/");
		colon = memchr(p, ':', n);
		if (p[n] == '@' && colon != NULL)
			secrets_add(sec, colon + 1, n - (size_t)(colon + 1 - p));
	}
	for (q = strchr(url, '?'); q != NULL; q = strchr(q, '&')) {
		q++;
		if (strncmp(q, "password=", 9) == 0)
			secrets_add(sec, q + 9, strcspn(q + 9, "&"));
	}
}

/* Copies msg into out (one line) with every secret replaced by "***". */
static void redact(const char *msg, const struct pg_secrets *sec, char *out, size_t outsz)
{
	char line[MAX_ERRMSG];
	const char *m = line;
	size_t o = 0, i;

	one_line(msg, line, sizeof(line));
	while (*m != '\0' && o + 1 < outsz) {
		for (i = 0; i < sec->n; i++) {
			size_t n = strlen(sec->s[i]);
			if (strncmp(m, sec->s[i], n) == 0)
				break;
		}
		if (i < sec->n) {
			size_t k;
			for (k = 0; k < 3 && o + 1 < outsz; k++)
				out[o++] = '*';
			m += strlen(sec->s[i]);
		} else {
			out[o++] = *m++;
		}
	}
	out[o] = '\0';
}

static const char *opt_value(const PQconninfoOption *opts, const char *key, const char *dflt)
{
	for (; opts != NULL && opts->keyword != NULL; opts++)
		if (strcmp(opts->keyword, key) == 0)
			return opts->val != NULL && *opts->val != '\0' ? opts->val : dflt;
	return dflt;
}

/*
 * Connects to a libpq URI ("postgres://user:pw@host:port/db?sslmode=...").
 * A connect_timeout of 10 s and application name "teken" apply unless the
 * URL sets its own.
 */
enum tk_err store_pg_open(const char *conninfo, struct store **out)
{
	const char *const keys[] = { "connect_timeout", "fallback_application_name", "dbname", NULL };
	const char *vals[] = { PG_CONNECT_TIMEOUT, "teken", conninfo, NULL };
	struct pg_secrets sec = { { NULL }, 0 };
	PQconninfoOption *opts = NULL;
	struct pg_store *st = NULL;
	char *perr = NULL;
	char m[MAX_ERRMSG];
	enum tk_err rc;

	secrets_from_url(&sec, conninfo);
	opts = PQconninfoParse(conninfo, &perr);
	if (opts == NULL) {
		redact(perr != NULL ? perr : "out of memory", &sec, m, sizeof(m));
		rc = tk_fail(TK_ERR_INVALID, "store: postgres: invalid connection URL: %s", m);
		goto out;
	}
	secrets_add(&sec, opt_value(opts, "password", ""), strlen(opt_value(opts, "password", "")));
	st = calloc(1, sizeof(*st));
	if (st == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "store: out of memory");
		goto out;
	}
	st->base.ops = &pg_ops;
	st->base.backend = STORE_POSTGRES;
	st->conn = PQconnectdbParams(keys, vals, 1);
	if (st->conn == NULL || PQstatus(st->conn) != CONNECTION_OK) {
		redact(st->conn != NULL ? PQerrorMessage(st->conn) : "out of memory", &sec, m, sizeof(m));
		rc = tk_fail(TK_ERR_STORE, "store: postgres: cannot connect to database %s on %s port %s as %s: %s",
		    opt_value(opts, "dbname", "(default)"), opt_value(opts, "host", "(default)"),
		    opt_value(opts, "port", "(default)"), opt_value(opts, "user", "(default)"), m);
		goto out;
	}
	if ((rc = pg_session_setup(st->conn)) != TK_OK)
		goto out;
	*out = &st->base;
	st = NULL;
	rc = TK_OK;
out:
	if (st != NULL) {
		PQfinish(st->conn);
		free(st);
	}
	if (opts != NULL) {
		PQconninfoOption *o;
		for (o = opts; o->keyword != NULL; o++)
			if (o->val != NULL && strcmp(o->keyword, "password") == 0)
				memset(o->val, 0, strlen(o->val));
		PQconninfoFree(opts);
	}
	PQfreemem(perr);
	secrets_free(&sec);
	return rc;
}

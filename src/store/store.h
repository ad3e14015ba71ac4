/*
 * store: the database behind an instance, as a small SQL interface with two
 * implementations: SQLite (embedded, one machine) and PostgreSQL (several
 * stateless nodes). Callers write portable SQL with '?' placeholders; each
 * backend adapts placeholders and the few type names that differ:
 *   AUTOINC_PK  -> INTEGER PRIMARY KEY AUTOINCREMENT | BIGSERIAL PRIMARY KEY
 *   BLOB        -> BLOB | BYTEA
 *   INTEGER     -> INTEGER | BIGINT
 *
 * A struct store is one connection and is used by one thread at a time.
 * Every write happens inside store_begin(STORE_TX_WRITE) ... store_commit().
 * Unique-constraint violations come back as TK_ERR_EXISTS on both backends.
 */
#ifndef TEKEN_STORE_H
#define TEKEN_STORE_H

#include "core/core.h"

struct store;
struct store_stmt;

enum store_backend { STORE_SQLITE,
	STORE_POSTGRES };
enum store_txmode { STORE_TX_READ,
	STORE_TX_WRITE };

/*
 * Opens "sqlite:/path/file.db" (or a plain path) or "postgres://..." /
 * "postgresql://..."; applies pending schema migrations when migrate is
 * set. Caller frees with store_close().
 */
enum tk_err store_open(const char *url, int migrate, struct store **out) WARN_UNUSED;
void store_close(struct store *st);
enum store_backend store_backend(const struct store *st);
/* Current schema version (number of applied migrations). */
enum tk_err store_schema_version(struct store *st, int64_t *out) WARN_UNUSED;
/* Cheap liveness check (SELECT 1). */
enum tk_err store_ping(struct store *st) WARN_UNUSED;

/*
 * Transactions. STORE_TX_WRITE takes the write lock up front on SQLite
 * (BEGIN IMMEDIATE) so two writers never deadlock on upgrade.
 * store_rollback() accepts being called with no transaction open.
 */
enum tk_err store_begin(struct store *st, enum store_txmode mode) WARN_UNUSED;
enum tk_err store_commit(struct store *st) WARN_UNUSED;
void store_rollback(struct store *st);
int store_in_tx(const struct store *st);

/* Runs SQL without parameters or results (DDL, PRAGMA). */
enum tk_err store_exec(struct store *st, const char *sql) WARN_UNUSED;

/* Prepared statements; the statement belongs to st; free with store_finalize(). */
enum tk_err store_prepare(struct store *st, const char *sql, struct store_stmt **out) WARN_UNUSED;
void store_finalize(struct store_stmt *s);
/* Parameters are numbered from 1 in the order of their '?'. Values are copied. */
enum tk_err store_bind_text(struct store_stmt *s, int idx, const char *v) WARN_UNUSED;
enum tk_err store_bind_blob(struct store_stmt *s, int idx, const void *p, size_t len) WARN_UNUSED;
enum tk_err store_bind_i64(struct store_stmt *s, int idx, int64_t v) WARN_UNUSED;
enum tk_err store_bind_null(struct store_stmt *s, int idx) WARN_UNUSED;
/* Advances to the next row: *has_row = 1 with a row, 0 when done. */
enum tk_err store_step(struct store_stmt *s, int *has_row) WARN_UNUSED;
/* Columns from 0. Returned pointers live until the next step or finalize. */
int store_col_null(struct store_stmt *s, int col);
int64_t store_col_i64(struct store_stmt *s, int col);
const char *store_col_text(struct store_stmt *s, int col); /* "" for NULL */
const uint8_t *store_col_blob(struct store_stmt *s, int col, size_t *len);
/* Rows changed by the last write statement executed through s. */
int64_t store_changes(struct store_stmt *s);

/* Convenience: runs a statement expected to return one integer (e.g. COUNT). */
enum tk_err store_query_i64(struct store *st, const char *sql, const char *text_arg, int64_t *out) WARN_UNUSED;

#endif

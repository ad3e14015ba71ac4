/* Backend-independent part of the store: dispatch, SQL translation, helpers. */
#include "store/store_impl.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

enum tk_err store_open(const char *url, int migrate, struct store **out)
{
	struct store *st = NULL;
	enum tk_err rc;

	if (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0)
		rc = store_pg_open(url, &st);
	else if (strncmp(url, "sqlite:", 7) == 0)
		rc = store_sqlite_open(url + 7, &st);
	else
		rc = store_sqlite_open(url, &st);
	if (rc != TK_OK)
		return rc;
	if (migrate && (rc = store_migrate(st)) != TK_OK) {
		store_close(st);
		return rc;
	}
	*out = st;
	return TK_OK;
}

void store_close(struct store *st)
{
	if (st == NULL)
		return;
	if (st->in_tx)
		store_rollback(st);
	st->ops->close(st);
}

enum store_backend store_backend(const struct store *st) { return st->backend; }
int store_in_tx(const struct store *st) { return st->in_tx; }

enum tk_err store_begin(struct store *st, enum store_txmode mode)
{
	enum tk_err rc;

	if (st->in_tx)
		return tk_fail(TK_ERR_INTERNAL, "store: transaction already open");
	if ((rc = st->ops->begin(st, mode)) != TK_OK)
		return rc;
	st->in_tx = 1;
	return TK_OK;
}

enum tk_err store_commit(struct store *st)
{
	enum tk_err rc;

	if (!st->in_tx)
		return tk_fail(TK_ERR_INTERNAL, "store: commit without transaction");
	rc = st->ops->commit(st);
	if (rc != TK_OK) {
		st->ops->rollback(st);
	}
	st->in_tx = 0;
	return rc;
}

void store_rollback(struct store *st)
{
	if (st == NULL || !st->in_tx)
		return;
	st->ops->rollback(st);
	st->in_tx = 0;
}

enum tk_err store_exec(struct store *st, const char *sql) { return st->ops->exec(st, sql); }
enum tk_err store_prepare(struct store *st, const char *sql, struct store_stmt **out) { return st->ops->prepare(st, sql, out); }
void store_finalize(struct store_stmt *s)
{
	if (s != NULL)
		s->st->ops->finalize(s);
}
enum tk_err store_bind_text(struct store_stmt *s, int idx, const char *v) { return s->st->ops->bind_text(s, idx, v); }
enum tk_err store_bind_blob(struct store_stmt *s, int idx, const void *p, size_t len) { return s->st->ops->bind_blob(s, idx, p, len); }
enum tk_err store_bind_i64(struct store_stmt *s, int idx, int64_t v) { return s->st->ops->bind_i64(s, idx, v); }
enum tk_err store_bind_null(struct store_stmt *s, int idx) { return s->st->ops->bind_null(s, idx); }
enum tk_err store_step(struct store_stmt *s, int *has_row) { return s->st->ops->step(s, has_row); }
int store_col_null(struct store_stmt *s, int col) { return s->st->ops->col_null(s, col); }
int64_t store_col_i64(struct store_stmt *s, int col) { return s->st->ops->col_i64(s, col); }
const char *store_col_text(struct store_stmt *s, int col) { return s->st->ops->col_text(s, col); }
const uint8_t *store_col_blob(struct store_stmt *s, int col, size_t *len) { return s->st->ops->col_blob(s, col, len); }
int64_t store_changes(struct store_stmt *s) { return s->st->ops->changes(s); }

enum tk_err store_ping(struct store *st)
{
	int64_t one = 0;
	enum tk_err rc = store_query_i64(st, "SELECT 1", NULL, &one);

	if (rc == TK_OK && one != 1)
		return tk_fail(TK_ERR_STORE, "store: ping returned %lld", (long long)one);
	return rc;
}

enum tk_err store_query_i64(struct store *st, const char *sql, const char *text_arg, int64_t *out)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	if ((rc = store_prepare(st, sql, &s)) != TK_OK)
		return rc;
	if (text_arg != NULL && (rc = store_bind_text(s, 1, text_arg)) != TK_OK)
		goto out;
	if ((rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail(TK_ERR_NOT_FOUND, "store: query returned no row");
		goto out;
	}
	*out = store_col_i64(s, 0);
out:
	store_finalize(s);
	return rc;
}

enum tk_err store_schema_version(struct store *st, int64_t *out)
{
	return store_query_i64(st, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", NULL, out);
}

/*
 * Word-level rewriting of portable SQL. Words inside string literals are
 * left alone; '?' placeholders become $n for PostgreSQL.
 */
enum tk_err store_translate(const char *sql, enum store_backend b, char **out)
{
	static const struct {
		const char *word, *sqlite, *pg;
	} map[] = {
		{ "AUTOINC_PK", "INTEGER PRIMARY KEY AUTOINCREMENT", "BIGSERIAL PRIMARY KEY" },
		{ "BLOB", "BLOB", "BYTEA" },
		{ "INTEGER", "INTEGER", "BIGINT" },
	};
	struct buf o;
	const char *p = sql;
	int in_str = 0, nparam = 0;
	enum tk_err rc = TK_OK;

	buf_init(&o, strlen(sql) * 3 + 64);
	while (*p && rc == TK_OK) {
		if (*p == '\'') {
			in_str = !in_str;
			rc = buf_putc(&o, (uint8_t)*p++);
		} else if (!in_str && *p == '?' && b == STORE_POSTGRES) {
			rc = buf_printf(&o, "$%d", ++nparam);
			p++;
		} else if (!in_str && (isalpha((unsigned char)*p) || *p == '_')) {
			const char *w = p;
			size_t n, i;
			int done = 0;
			while (isalnum((unsigned char)*p) || *p == '_')
				p++;
			n = (size_t)(p - w);
			for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
				if (strlen(map[i].word) == n && memcmp(map[i].word, w, n) == 0) {
					rc = buf_puts(&o, b == STORE_POSTGRES ? map[i].pg : map[i].sqlite);
					done = 1;
					break;
				}
			}
			if (!done)
				rc = buf_append(&o, w, n);
		} else {
			rc = buf_putc(&o, (uint8_t)*p++);
		}
	}
	if (rc == TK_OK)
		rc = buf_putc(&o, 0);
	if (rc != TK_OK) {
		buf_free(&o);
		return rc;
	}
	*out = (char *)buf_take(&o, NULL);
	return TK_OK;
}

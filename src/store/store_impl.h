/* Private to src/store: the backend operations behind store.h. */
#ifndef TEKEN_STORE_IMPL_H
#define TEKEN_STORE_IMPL_H

#include "store/store.h"

struct store_ops {
	enum tk_err (*exec)(struct store *st, const char *sql);
	enum tk_err (*begin)(struct store *st, enum store_txmode mode);
	enum tk_err (*commit)(struct store *st);
	void (*rollback)(struct store *st);
	enum tk_err (*prepare)(struct store *st, const char *sql, struct store_stmt **out);
	void (*finalize)(struct store_stmt *s);
	enum tk_err (*bind_text)(struct store_stmt *s, int idx, const char *v);
	enum tk_err (*bind_blob)(struct store_stmt *s, int idx, const void *p, size_t len);
	enum tk_err (*bind_i64)(struct store_stmt *s, int idx, int64_t v);
	enum tk_err (*bind_null)(struct store_stmt *s, int idx);
	enum tk_err (*step)(struct store_stmt *s, int *has_row);
	int (*col_null)(struct store_stmt *s, int col);
	int64_t (*col_i64)(struct store_stmt *s, int col);
	const char *(*col_text)(struct store_stmt *s, int col);
	const uint8_t *(*col_blob)(struct store_stmt *s, int col, size_t *len);
	int64_t (*changes)(struct store_stmt *s);
	void (*close)(struct store *st);
};

/* Common head of every backend's connection struct. */
struct store {
	const struct store_ops *ops;
	enum store_backend backend;
	int in_tx;
};

/* Common head of every backend's statement struct. */
struct store_stmt {
	struct store *st;
};

enum tk_err store_sqlite_open(const char *path, struct store **out);
enum tk_err store_pg_open(const char *conninfo, struct store **out);

/* Rewrites portable DDL/SQL for a backend (see store.h); caller frees. */
enum tk_err store_translate(const char *sql, enum store_backend b, char **out);

/* Applies the schema migrations in store_schema.c. */
enum tk_err store_migrate(struct store *st);

#endif

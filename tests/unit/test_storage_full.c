/*
 * A full store is told apart from a bug: SQLite's SQLITE_FULL (made here
 * with PRAGMA max_page_count, the same code a full file system gives)
 * becomes the code storage_full, which clients see as HTTP 507 with a fixed
 * message; the transaction is rolled back and the store works on.
 * tests/integration/test_disk_full.py does the same on a real full tmpfs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/core.h"
#include "http/http.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BLOB_BYTES (256u * 1024u)

static enum tk_err insert_blob(struct store *st, const uint8_t *p, size_t len)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	if ((rc = store_prepare(st, "INSERT INTO t (b) VALUES (?)", &s)) == TK_OK &&
	    (rc = store_bind_blob(s, 1, p, len)) == TK_OK)
		rc = store_step(s, &row);
	store_finalize(s);
	return rc;
}

static void test_sqlite_full_is_storage_full(void **state)
{
	char dir[] = "/tmp/teken-storefull.XXXXXX", url[128], path[96];
	struct store *st = NULL;
	struct http_public_error pe;
	uint8_t *blob = calloc(1, BLOB_BYTES);
	int64_t n = -1;
	enum tk_err rc;

	(void)state;
	assert_non_null(blob);
	assert_non_null(mkdtemp(dir));
	assert_true(snprintf(path, sizeof(path), "%s/t.db", dir) < (int)sizeof(path));
	assert_true(snprintf(url, sizeof(url), "sqlite:%s", path) < (int)sizeof(url));
	assert_int_equal(store_open(url, 0, &st), TK_OK);
	assert_int_equal(store_exec(st, "CREATE TABLE t (b BLOB)"), TK_OK);
	assert_int_equal(insert_blob(st, blob, 16), TK_OK);
	/* No page beyond those the file has: the next big row does not fit. */
	assert_int_equal(store_exec(st, "PRAGMA max_page_count = 8"), TK_OK);

	assert_int_equal(store_begin(st, STORE_TX_WRITE), TK_OK);
	rc = insert_blob(st, blob, BLOB_BYTES);
	assert_int_equal(rc, TK_ERR_STORE);
	assert_string_equal(tk_last_error()->code, "storage_full");
	assert_non_null(strstr(tk_errmsg(), "no space left"));
	store_rollback(st);

	http_error_public(rc, tk_last_error(), &pe);
	assert_int_equal(pe.status, 507);
	assert_string_equal(pe.code, "storage_full");
	assert_non_null(strstr(pe.message, "storage is full"));
	assert_null(strstr(pe.message, dir)); /* no path, no SQL for clients */
	assert_null(strstr(pe.message, "INSERT"));
	assert_true(pe.withheld); /* the real message goes to the server log */

	/* Nothing of it was kept, and small writes still work. */
	assert_int_equal(store_query_i64(st, "SELECT COUNT(*) FROM t", NULL, &n), TK_OK);
	assert_int_equal(n, 1);
	assert_int_equal(insert_blob(st, blob, 16), TK_OK);

	store_close(st);
	free(blob);
	assert_true(snprintf(path, sizeof(path), "%s/t.db", dir) < (int)sizeof(path));
	unlink(path);
	rmdir(dir);
}

/* Other store and I/O failures stay withheld 503s; storage_full of a file write is 507 too. */
static void test_other_errors_unchanged(void **state)
{
	struct http_public_error pe;

	(void)state;
	tk_clear_error();
	(void)tk_fail(TK_ERR_STORE, "store: step: disk I/O error");
	http_error_public(TK_ERR_STORE, tk_last_error(), &pe);
	assert_int_equal(pe.status, 503);
	assert_string_equal(pe.code, "internal_error");

	tk_clear_error();
	(void)tk_fail_code(TK_ERR_IO, "storage_full", "cannot write /srv/teken/x: No space left on device");
	http_error_public(TK_ERR_IO, tk_last_error(), &pe);
	assert_int_equal(pe.status, 507);
	assert_string_equal(pe.code, "storage_full");
	assert_null(strstr(pe.message, "/srv"));

	/* A service cannot smuggle the code onto a client error: only store and I/O errors. */
	tk_clear_error();
	(void)tk_fail_code(TK_ERR_INVALID, "storage_full", "bad");
	http_error_public(TK_ERR_INVALID, tk_last_error(), &pe);
	assert_int_equal(pe.status, 400);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sqlite_full_is_storage_full),
		cmocka_unit_test(test_other_errors_unchanged),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

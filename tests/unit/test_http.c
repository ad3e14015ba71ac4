/*
 * Unit tests for the HTTP front door's pure parts: what clients see of an
 * error (http_error_public), the per-address token buckets
 * (src/http/ratelimit.c) on a made-up clock, and jansson's wiping allocator
 * (src/core/harden.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/core.h"
#include "http/http.h"
#include "http/ratelimit.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* errors as clients see them                                          */
/* ------------------------------------------------------------------ */

static void public_of(enum tk_err e, const char *code, const char *msg, struct http_public_error *pe)
{
	tk_clear_error();
	if (code != NULL)
		(void)tk_fail_code(e, code, "%s", msg);
	else
		(void)tk_fail(e, "%s", msg);
	http_error_public(e, tk_last_error(), pe);
}

static void test_error_internal_classes_withheld(void **state)
{
	static const struct {
		enum tk_err e;
		unsigned status;
	} cases[] = { { TK_ERR_STORE, 503 }, { TK_ERR_IO, 503 }, { TK_ERR_NOMEM, 500 }, { TK_ERR_INTERNAL, 500 } };
	struct http_public_error pe;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		public_of(cases[i].e, NULL, "store: step: no such table: subscribers (SELECT id FROM subscribers)", &pe);
		assert_int_equal(pe.status, cases[i].status);
		assert_string_equal(pe.code, "internal_error");
		assert_string_equal(pe.message, "internal error; see the server log");
		assert_int_equal(pe.withheld, 1);
	}
	/* An explicit code of a store error is no more public than its text. */
	public_of(TK_ERR_STORE, "store_corrupt", "store: x: database file is corrupt (file is not a database)", &pe);
	assert_string_equal(pe.code, "internal_error");
	public_of(TK_ERR_IO, "hsm_wrong_pin", "hsm: wrong PIN for token 'teken' (PIN file /etc/teken/pin)", &pe);
	assert_string_equal(pe.code, "internal_error");
	assert_null(strstr(pe.message, "/etc"));
	/* A documented outside-service code stays; its text does not. */
	public_of(TK_ERR_IO, "tsa_unavailable", "timestamp: TSA http://10.0.0.5/tsa: Couldn't connect to server", &pe);
	assert_int_equal(pe.status, 503);
	assert_string_equal(pe.code, "tsa_unavailable");
	assert_string_equal(pe.message, "internal error; see the server log");
}

static void test_error_store_conflicts_withheld(void **state)
{
	struct http_public_error pe;

	(void)state;
	/* The store's own duplicate-key and serialisation errors carry the class default code. */
	public_of(TK_ERR_EXISTS, NULL, "store: insert: duplicate key (UNIQUE constraint failed: users.name)", &pe);
	assert_int_equal(pe.status, 409);
	assert_string_equal(pe.code, "already_exists");
	assert_null(strstr(pe.message, "UNIQUE"));
	assert_int_equal(pe.withheld, 1);
	public_of(TK_ERR_CONFLICT, NULL, "store: step: serialization failure: could not serialize access", &pe);
	assert_int_equal(pe.status, 409);
	assert_null(strstr(pe.message, "serialization"));
	assert_int_equal(pe.withheld, 1);
	/* A service's named conflict is meant for the caller. */
	public_of(TK_ERR_CONFLICT, "already_revoked", "certificate 0A is already revoked", &pe);
	assert_string_equal(pe.code, "already_revoked");
	assert_string_equal(pe.message, "certificate 0A is already revoked");
	assert_int_equal(pe.withheld, 0);
}

static void test_error_caller_errors_kept(void **state)
{
	struct http_public_error pe;

	(void)state;
	public_of(TK_ERR_INVALID, "missing_field", "field 'user' is required", &pe);
	assert_int_equal(pe.status, 400);
	assert_string_equal(pe.code, "missing_field");
	assert_string_equal(pe.message, "field 'user' is required");
	assert_int_equal(pe.withheld, 0);
	public_of(TK_ERR_NOT_FOUND, NULL, "no such request", &pe);
	assert_int_equal(pe.status, 404);
	assert_string_equal(pe.code, "not_found");
	public_of(TK_ERR_LIMIT, "too_many_attempts", "too many failed logins; wait 15 minutes", &pe);
	assert_int_equal(pe.status, 429);
	public_of(TK_ERR_CRYPTO, "passphrase_invalid", "wrong passphrase", &pe);
	assert_int_equal(pe.status, 422);
	assert_string_equal(pe.code, "passphrase_invalid");
}

/* ------------------------------------------------------------------ */
/* token buckets                                                       */
/* ------------------------------------------------------------------ */

static unsigned take_n(struct http_rl *rl, const char *addr, uint64_t now, unsigned n)
{
	unsigned ok = 0, retry = 0, i;

	for (i = 0; i < n; i++)
		ok += (unsigned)http_rl_take(rl, addr, now, &retry);
	return ok;
}

static void test_rl_burst_and_refill(void **state)
{
	struct http_rl *rl = NULL;
	unsigned retry = 0;

	(void)state;
	assert_int_equal(http_rl_new(5, 10, HTTP_RL_BUCKETS, &rl), TK_OK);
	assert_int_equal(take_n(rl, "192.0.2.1", 1000, 15), 10);
	assert_int_equal(http_rl_take(rl, "192.0.2.1", 1000, &retry), 0);
	assert_int_equal(retry, 1);
	/* 5 per second: 200 ms brings one back, 2 s the whole burst. */
	assert_int_equal(take_n(rl, "192.0.2.1", 1200, 3), 1);
	assert_int_equal(take_n(rl, "192.0.2.1", 3200, 20), 10);
	/* Others have their own budget; IPv4-mapped IPv6 is the IPv4 address. */
	assert_int_equal(take_n(rl, "192.0.2.2", 3200, 3), 3);
	assert_int_equal(take_n(rl, "::ffff:192.0.2.1", 3200, 1), 0);
	/* One budget per IPv6 /64. */
	assert_int_equal(take_n(rl, "2001:db8:1:2::1", 3200, 6), 6);
	assert_int_equal(take_n(rl, "2001:db8:1:2:ffff::9", 3200, 6), 4);
	assert_int_equal(take_n(rl, "2001:db8:1:3::1", 3200, 1), 1);
	/* A clock that goes back takes nothing away and gives nothing. */
	assert_int_equal(take_n(rl, "192.0.2.1", 100, 1), 0);
	http_rl_free(rl);
	http_rl_free(NULL);
}

static void test_rl_slow_rate_retry_after(void **state)
{
	struct http_rl *rl = NULL;
	unsigned retry = 0;

	(void)state;
	assert_int_equal(http_rl_new(1, 1, 16, &rl), TK_OK);
	assert_int_equal(http_rl_take(rl, "198.51.100.7", 5000, &retry), 1);
	assert_int_equal(http_rl_take(rl, "198.51.100.7", 5100, &retry), 0);
	assert_int_equal(retry, 1);
	http_rl_free(rl);
	assert_int_equal(http_rl_new(0, 1, 16, &rl), TK_ERR_INVALID);
	assert_int_equal(http_rl_new(1, 1, 12, &rl), TK_ERR_INVALID);
	assert_null(rl);
}

static void test_rl_table_bounded(void **state)
{
	struct http_rl *rl = NULL;
	char a[48];
	unsigned i, fresh = 0;

	(void)state;
	/* Far more addresses than buckets: old ones are evicted, new ones always get a bucket. */
	assert_int_equal(http_rl_new(1, 2, 64, &rl), TK_OK);
	for (i = 0; i < 5000; i++) {
		assert_int_equal(str_fmt(a, sizeof(a), "10.%u.%u.%u", i >> 16, (i >> 8) & 255, i & 255), TK_OK);
		fresh += take_n(rl, a, 1000 + i, 1);
	}
	assert_int_equal(fresh, 5000);
	/* A busy address kept in the table stays limited while strangers pass by. */
	assert_int_equal(take_n(rl, "203.0.113.5", 100000, 5), 2);
	for (i = 0; i < HTTP_RL_PROBE / 2; i++) {
		assert_int_equal(str_fmt(a, sizeof(a), "172.16.0.%u", i), TK_OK);
		(void)take_n(rl, a, 100000, 1);
	}
	assert_int_equal(take_n(rl, "203.0.113.5", 100000, 1), 0);
	http_rl_free(rl);
}

/* ------------------------------------------------------------------ */
/* jansson's allocator                                                 */
/* ------------------------------------------------------------------ */

static void test_json_wiping_alloc(void **state)
{
	json_t *before, *after;
	char *txt;

	(void)state;
	/* Made before the install and freed after it: still one allocator underneath. */
	before = json_pack("{s:s}", "passphrase", "rahasia-sekali-2026");
	assert_non_null(before);
	core_json_wiping_alloc_install();
	core_json_wiping_alloc_install();
	assert_int_equal(core_json_wiping_alloc_installed(), 1);
	after = json_loads("{\"passphrase\":\"rahasia-lain-2026\"}", 0, NULL);
	assert_non_null(after);
	/* json_dumps text is freed with free() all over the code base: that must stay valid. */
	txt = json_dumps(after, JSON_COMPACT);
	assert_non_null(txt);
	assert_string_equal(txt, "{\"passphrase\":\"rahasia-lain-2026\"}");
	free(txt);
	json_decref(after);
	json_decref(before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_internal_classes_withheld),
		cmocka_unit_test(test_error_store_conflicts_withheld),
		cmocka_unit_test(test_error_caller_errors_kept),
		cmocka_unit_test(test_rl_burst_and_refill),
		cmocka_unit_test(test_rl_slow_rate_retry_after),
		cmocka_unit_test(test_rl_table_bounded),
		cmocka_unit_test(test_json_wiping_alloc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

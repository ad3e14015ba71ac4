/*
 * Unit tests for src/core (errors, bounded buffers, checked parsers, hex,
 * time, files, strict DER framing) and src/config (INI parsing).
 * Good, bad and hostile inputs; every test is self-contained and frees
 * what it allocates (LeakSanitizer runs under the sanitizer build).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "config/config.h"
#include "core/core.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define assert_ok(expr)                                                               \
	do {                                                                          \
		enum tk_err rc_ = (expr);                                             \
		if (rc_ != TK_OK)                                                     \
			fail_msg("%s failed (%d): %s", #expr, (int)rc_, tk_errmsg()); \
	} while (0)

#define assert_err(expr, want)                                                        \
	do {                                                                          \
		enum tk_err rc_ = (expr);                                             \
		if (rc_ != (want))                                                    \
			fail_msg("%s returned %d, expected %d (%s)", #expr, (int)rc_, \
			    (int)(want), tk_errmsg());                                \
	} while (0)

/* 2026-11-25T10:00:00Z */
#define T_2026_11_25 1795600800LL

/* ------------------------------------------------------------------ */
/* errors                                                              */
/* ------------------------------------------------------------------ */

static void test_err_fail_sets_default_code(void **state)
{
	(void)state;
	tk_clear_error();
	assert_int_equal(tk_fail(TK_ERR_LIMIT, "thing %d too big", 5), TK_ERR_LIMIT);
	assert_int_equal(tk_last_error()->err, TK_ERR_LIMIT);
	assert_string_equal(tk_last_error()->code, "too_large");
	assert_string_equal(tk_last_error()->msg, "thing 5 too big");
	assert_string_equal(tk_errmsg(), "thing 5 too big");

	assert_int_equal(tk_fail(TK_ERR_INVALID, "x"), TK_ERR_INVALID);
	assert_string_equal(tk_last_error()->code, "invalid_input");
	tk_clear_error();
	assert_int_equal(tk_last_error()->err, TK_OK);
	assert_string_equal(tk_last_error()->code, "");
	assert_string_equal(tk_errmsg(), "unknown error");
}

static void test_err_default_codes_distinct(void **state)
{
	static const enum tk_err all[] = { TK_OK, TK_ERR_INVALID, TK_ERR_NOT_FOUND, TK_ERR_EXISTS, TK_ERR_CONFLICT,
		TK_ERR_DENIED, TK_ERR_AUTH, TK_ERR_LIMIT, TK_ERR_CRYPTO, TK_ERR_IO, TK_ERR_STORE, TK_ERR_NOMEM,
		TK_ERR_INTERNAL };
	size_t i, j, n = sizeof(all) / sizeof(all[0]);

	(void)state;
	for (i = 0; i < n; i++) {
		const char *c = tk_err_code_default(all[i]);
		size_t k;
		assert_non_null(c);
		assert_true(strlen(c) > 0 && strlen(c) < sizeof(((struct tk_error *)0)->code));
		for (k = 0; c[k]; k++) /* snake_case */
			assert_true((c[k] >= 'a' && c[k] <= 'z') || c[k] == '_');
		for (j = 0; j < i; j++)
			assert_string_not_equal(c, tk_err_code_default(all[j]));
	}
	assert_string_equal(tk_err_code_default(TK_ERR_EXISTS), "already_exists");
	assert_string_equal(tk_err_code_default(TK_ERR_CRYPTO), "crypto_failure");
	assert_string_equal(tk_err_code_default((enum tk_err)999), "internal_error");
}

static void test_err_fail_code_and_truncation(void **state)
{
	char longcode[200], longmsg[2000];

	(void)state;
	assert_int_equal(tk_fail_code(TK_ERR_CONFLICT, "verifikator_quorum", "need %u", 2u), TK_ERR_CONFLICT);
	assert_int_equal(tk_last_error()->err, TK_ERR_CONFLICT);
	assert_string_equal(tk_last_error()->code, "verifikator_quorum");
	assert_string_equal(tk_errmsg(), "need 2");

	/* Over-long code and message are cut, never overflow. */
	memset(longcode, 'c', sizeof(longcode) - 1);
	longcode[sizeof(longcode) - 1] = '\0';
	memset(longmsg, 'm', sizeof(longmsg) - 1);
	longmsg[sizeof(longmsg) - 1] = '\0';
	assert_int_equal(tk_fail_code(TK_ERR_INVALID, longcode, "%s", longmsg), TK_ERR_INVALID);
	assert_int_equal(strlen(tk_last_error()->code), sizeof(tk_last_error()->code) - 1);
	assert_int_equal(strlen(tk_last_error()->msg), MAX_ERRMSG - 1);
	tk_clear_error();
}

static void test_err_wrap(void **state)
{
	char big[600];

	(void)state;
	tk_clear_error();
	tk_fail(TK_ERR_NOT_FOUND, "inner");
	/* The first recorded error wins; wrap only adds context. */
	assert_int_equal(tk_wrap(TK_ERR_IO, "outer %d", 1), TK_ERR_IO);
	assert_int_equal(tk_last_error()->err, TK_ERR_NOT_FOUND);
	assert_string_equal(tk_last_error()->code, "not_found");
	assert_string_equal(tk_errmsg(), "outer 1: inner");

	tk_clear_error();
	assert_int_equal(tk_wrap(TK_ERR_IO, "ctx"), TK_ERR_IO);
	assert_int_equal(tk_last_error()->err, TK_ERR_IO);
	assert_string_equal(tk_last_error()->code, "io_error");
	assert_string_equal(tk_errmsg(), "ctx: ");

	/* Long chains are truncated within the message buffer. */
	memset(big, 'p', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	tk_fail(TK_ERR_INVALID, "%s", big);
	tk_wrap(TK_ERR_INVALID, "%s", big);
	tk_wrap(TK_ERR_INVALID, "short");
	assert_true(strlen(tk_errmsg()) < MAX_ERRMSG);
	assert_memory_equal(tk_errmsg(), "short: ", 7);
	tk_clear_error();
}

static void test_err_fail_ossl(void **state)
{
	const unsigned char junk[] = { 0x30, 0x03, 0x02, 0x01 };
	const unsigned char *q = junk;
	X509 *x;

	(void)state;
	ERR_clear_error();
	x = d2i_X509(NULL, &q, (long)sizeof(junk));
	assert_null(x);
	assert_true(ERR_peek_error() != 0);
	assert_int_equal(tk_fail_ossl("parsing %s", "junk"), TK_ERR_CRYPTO);
	assert_string_equal(tk_last_error()->code, "crypto_failure");
	assert_memory_equal(tk_errmsg(), "parsing junk: ", 14);
	assert_true(strlen(tk_errmsg()) > 14);
	/* The OpenSSL queue is left empty for the next operation. */
	assert_int_equal(ERR_peek_error(), 0);

	assert_int_equal(tk_fail_ossl("nothing queued"), TK_ERR_CRYPTO);
	assert_string_equal(tk_errmsg(), "nothing queued: unknown reason");
	tk_clear_error();
}

static void *other_thread(void *arg)
{
	(void)arg;
	tk_fail_code(TK_ERR_DENIED, "other_thread", "set in another thread");
	return NULL;
}

static void test_err_thread_local(void **state)
{
	pthread_t th;

	(void)state;
	tk_fail(TK_ERR_INVALID, "mine");
	assert_int_equal(pthread_create(&th, NULL, other_thread, NULL), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(tk_last_error()->err, TK_ERR_INVALID);
	assert_string_equal(tk_errmsg(), "mine");
	tk_clear_error();
}

/* ------------------------------------------------------------------ */
/* buffers                                                             */
/* ------------------------------------------------------------------ */

static void test_buf_append_within_limit(void **state)
{
	struct buf b;
	const char *s;
	uint8_t *p;
	size_t len = 99;

	(void)state;
	buf_init(&b, 10);
	assert_null(b.p);
	assert_int_equal(b.max, 10);
	assert_ok(buf_append(&b, "hello", 5));
	assert_ok(buf_append(&b, NULL, 0)); /* empty append is a no-op */
	assert_ok(buf_putc(&b, ' '));
	assert_ok(buf_puts(&b, "abcd"));
	assert_int_equal(b.len, 10);
	assert_memory_equal(b.p, "hello abcd", 10);
	/* Exactly at the limit the NUL still fits (not counted in len). */
	assert_ok(buf_cstr(&b, &s));
	assert_string_equal(s, "hello abcd");
	assert_int_equal(b.len, 10);
	assert_true(b.cap <= b.max + 1);

	/* One more byte is over the limit; nothing changes. */
	assert_err(buf_putc(&b, 'x'), TK_ERR_LIMIT);
	assert_string_equal(tk_last_error()->code, "too_large");
	assert_int_equal(b.len, 10);
	assert_memory_equal(b.p, "hello abcd", 10);

	p = buf_take(&b, &len);
	assert_non_null(p);
	assert_int_equal(len, 10);
	assert_memory_equal(p, "hello abcd", 10);
	assert_null(b.p);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	assert_int_equal(b.max, 10); /* reusable with the same limit */
	free(p);

	assert_ok(buf_puts(&b, "again"));
	assert_int_equal(b.len, 5);
	buf_free(&b);
	assert_null(b.p);
	buf_free(&b); /* twice is fine */
	buf_free(NULL);
}

static void test_buf_limit_checked_before_growth(void **state)
{
	struct buf b;
	uint8_t big[64];

	(void)state;
	memset(big, 'z', sizeof(big));
	buf_init(&b, 16);
	/* An oversized first append must fail without allocating anything. */
	assert_err(buf_append(&b, big, 17), TK_ERR_LIMIT);
	assert_null(b.p);
	assert_int_equal(b.cap, 0);
	assert_int_equal(b.len, 0);

	/* Overflowing sizes are refused, not wrapped around. */
	assert_err(buf_reserve(&b, SIZE_MAX), TK_ERR_LIMIT);
	assert_err(buf_reserve(&b, SIZE_MAX - 1), TK_ERR_LIMIT);
	assert_null(b.p);

	assert_ok(buf_append(&b, big, 10));
	assert_err(buf_append(&b, big, 7), TK_ERR_LIMIT);
	assert_err(buf_reserve(&b, SIZE_MAX - 5), TK_ERR_LIMIT);
	assert_int_equal(b.len, 10);
	assert_ok(buf_append(&b, big, 6));
	assert_int_equal(b.len, 16);
	assert_true(b.cap <= 17);
	buf_free(&b);

	/* A huge maximum does not mean a huge allocation. */
	buf_init(&b, SIZE_MAX / 2);
	assert_ok(buf_append(&b, big, 3));
	assert_true(b.cap < 4096);
	buf_free(&b);
}

static void test_buf_zero_max_and_cstr(void **state)
{
	struct buf b;
	const char *s = NULL;
	uint8_t *p;
	size_t len = 7;

	(void)state;
	buf_init(&b, 0);
	assert_err(buf_putc(&b, 'a'), TK_ERR_LIMIT);
	assert_ok(buf_cstr(&b, &s));
	assert_non_null(s);
	assert_string_equal(s, "");
	buf_free(&b);

	/* buf_take of a never-used buffer gives NULL and length 0. */
	buf_init(&b, 8);
	p = buf_take(&b, &len);
	assert_null(p);
	assert_int_equal(len, 0);
	p = buf_take(&b, NULL);
	assert_null(p);
	buf_free(&b);
}

static void test_buf_printf_bounded(void **state)
{
	struct buf b;
	const char *s;

	(void)state;
	buf_init(&b, 8);
	assert_ok(buf_printf(&b, "%d-%s", 42, "ab"));
	assert_ok(buf_cstr(&b, &s));
	assert_string_equal(s, "42-ab");
	assert_err(buf_printf(&b, "%s", "abcd"), TK_ERR_LIMIT);
	assert_int_equal(b.len, 5);
	assert_ok(buf_printf(&b, "%s", "xyz"));
	assert_ok(buf_cstr(&b, &s));
	assert_string_equal(s, "42-abxyz");
	assert_ok(buf_printf(&b, "%s", "")); /* empty output fits even when full */
	buf_free(&b);

	/* Growth across many reallocations keeps the content intact. */
	buf_init(&b, 100000);
	for (int i = 0; i < 10000; i++)
		assert_ok(buf_printf(&b, "%04d", i % 10000));
	assert_int_equal(b.len, 40000);
	assert_memory_equal(b.p + 4 * 9999, "9999", 4);
	assert_memory_equal(b.p + 4 * 1234, "1234", 4);
	buf_free(&b);
}

static void test_buf_secret_and_reset(void **state)
{
	struct buf b;
	uint8_t chunk[300];

	(void)state;
	memset(chunk, 0xA5, sizeof(chunk));
	buf_init_secret(&b, 4096);
	assert_int_equal(b.secret, 1);
	assert_ok(buf_append(&b, chunk, 10));
	/* Growth of a secret buffer copies (and wipes the old block). */
	assert_ok(buf_append(&b, chunk, sizeof(chunk)));
	assert_ok(buf_append(&b, chunk, sizeof(chunk)));
	assert_int_equal(b.len, 610);
	for (size_t i = 0; i < b.len; i++)
		assert_int_equal(b.p[i], 0xA5);
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_non_null(b.p);
	assert_int_equal(b.p[0], 0); /* wiped */
	assert_int_equal(b.p[609], 0);
	assert_ok(buf_puts(&b, "k"));
	assert_int_equal(b.p[0], 'k');
	buf_free(&b);

	buf_init(&b, 64);
	assert_ok(buf_puts(&b, "plain"));
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_ok(buf_puts(&b, "x"));
	assert_int_equal(b.len, 1);
	buf_free(&b);
}

static void test_str_copy_and_fmt(void **state)
{
	char dst[4];
	char sentinel[8];

	(void)state;
	memset(sentinel, 'S', sizeof(sentinel));
	assert_ok(str_copy(dst, sizeof(dst), "abc"));
	assert_string_equal(dst, "abc");
	assert_ok(str_copy(dst, sizeof(dst), ""));
	assert_string_equal(dst, "");
	memcpy(dst, "zzz", 4);
	/* Refuses to truncate and leaves the destination alone. */
	assert_err(str_copy(dst, sizeof(dst), "abcd"), TK_ERR_LIMIT);
	assert_string_equal(dst, "zzz");
	assert_err(str_copy(dst, 0, ""), TK_ERR_LIMIT);
	assert_err(str_copy(dst, 1, "a"), TK_ERR_LIMIT);
	assert_ok(str_copy(dst, 1, ""));

	assert_ok(str_fmt(dst, sizeof(dst), "%d", 123));
	assert_string_equal(dst, "123");
	assert_err(str_fmt(dst, sizeof(dst), "%d", 1234), TK_ERR_LIMIT);
	assert_err(str_fmt(dst, sizeof(dst), "%s/%s", "ab", "cd"), TK_ERR_LIMIT);
	assert_ok(str_fmt(dst, sizeof(dst), "%s", ""));
	assert_string_equal(dst, "");
	assert_memory_equal(sentinel, "SSSSSSSS", 8);
}

/* ------------------------------------------------------------------ */
/* numbers                                                             */
/* ------------------------------------------------------------------ */

static void test_parse_u64_good(void **state)
{
	uint64_t v = 1;

	(void)state;
	assert_ok(parse_u64("0", 1, 0, &v));
	assert_int_equal(v, 0);
	assert_ok(parse_u64("42", 2, 42, &v));
	assert_int_equal(v, 42);
	assert_ok(parse_u64("007", 3, 100, &v));
	assert_int_equal(v, 7);
	/* Only len bytes are read: no NUL termination needed. */
	assert_ok(parse_u64("123abc", 3, 1000, &v));
	assert_int_equal(v, 123);
	assert_ok(parse_u64_str("18446744073709551615", UINT64_MAX, &v));
	assert_true(v == UINT64_MAX);
	assert_ok(parse_u64_str("18446744073709551610", UINT64_MAX, &v));
	assert_true(v == UINT64_MAX - 5);
	assert_ok(parse_u64_str("10000000000000000000", UINT64_MAX, &v));
	assert_true(v == 10000000000000000000ull);
}

static void test_parse_u64_bad(void **state)
{
	static const char *const bad[] = {
		"",
		"+1",
		"-1",
		" 1",
		"1 ",
		"1\n",
		"0x10",
		"1e3",
		"1.0",
		"١",
		"1,000",
		"--1",
		"a",
		"18446744073709551616", /* UINT64_MAX + 1 */
		"18446744073709551620",
		"99999999999999999999",
		"100000000000000000000", /* 21 digits */
		"000000000000000000001", /* 21 digits even though small */
		"184467440737095516150",
	};
	uint64_t v = 777;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum tk_err rc = parse_u64_str(bad[i], UINT64_MAX, &v);
		if (rc != TK_ERR_INVALID)
			fail_msg("parse_u64_str(\"%s\") returned %d", bad[i], (int)rc);
		assert_int_equal(v, 777); /* out untouched on failure */
	}
	assert_err(parse_u64("5", 0, 10, &v), TK_ERR_INVALID);
	assert_err(parse_u64("1\0002", 3, 1000, &v), TK_ERR_INVALID); /* embedded NUL */
	assert_err(parse_u64_str("11", 10, &v), TK_ERR_INVALID);      /* over max */
	assert_err(parse_u64_str("18446744073709551615", UINT64_MAX - 1, &v), TK_ERR_INVALID);
	assert_err(parse_u64_str("1", 0, &v), TK_ERR_INVALID);
	assert_int_equal(v, 777);
	assert_ok(parse_u64_str("10", 10, &v));
	assert_int_equal(v, 10);
}

static void test_parse_i64_str(void **state)
{
	int64_t v = 5;

	(void)state;
	assert_ok(parse_i64_str("-5", -10, 10, &v));
	assert_int_equal(v, -5);
	assert_ok(parse_i64_str("-0", -10, 10, &v));
	assert_int_equal(v, 0);
	assert_ok(parse_i64_str("9223372036854775807", INT64_MIN, INT64_MAX, &v));
	assert_true(v == INT64_MAX);
	assert_ok(parse_i64_str("-9223372036854775807", INT64_MIN, INT64_MAX, &v));
	assert_true(v == -INT64_MAX);
	assert_err(parse_i64_str("9223372036854775808", INT64_MIN, INT64_MAX, &v), TK_ERR_INVALID);
	assert_err(parse_i64_str("-9223372036854775809", INT64_MIN, INT64_MAX, &v), TK_ERR_INVALID);
	assert_err(parse_i64_str("", -10, 10, &v), TK_ERR_INVALID);
	assert_err(parse_i64_str("-", -10, 10, &v), TK_ERR_INVALID);
	assert_err(parse_i64_str("--1", -10, 10, &v), TK_ERR_INVALID);
	assert_err(parse_i64_str("+1", -10, 10, &v), TK_ERR_INVALID);
	assert_err(parse_i64_str("- 1", -10, 10, &v), TK_ERR_INVALID);
	assert_err(parse_i64_str("11", -10, 10, &v), TK_ERR_INVALID);
	assert_err(parse_i64_str("-11", -10, 10, &v), TK_ERR_INVALID);
	assert_err(parse_i64_str("-1", 0, 16, &v), TK_ERR_INVALID);
	assert_err(parse_i64_str("17", 0, 16, &v), TK_ERR_INVALID);
	assert_true(v == -INT64_MAX); /* untouched by the failures */
}

/* The most negative int64 is a valid value of the range [INT64_MIN, ...]. */
static void test_parse_i64_str_accepts_int64_min(void **state)
{
	int64_t v = 0;

	(void)state;
	assert_ok(parse_i64_str("-9223372036854775808", INT64_MIN, INT64_MAX, &v));
	assert_true(v == INT64_MIN);
}

/* ------------------------------------------------------------------ */
/* hex                                                                 */
/* ------------------------------------------------------------------ */

static void test_hex_roundtrip(void **state)
{
	uint8_t all[256], back[256];
	char hex[513];
	size_t n = 0;

	(void)state;
	for (int i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	hex_encode(all, sizeof(all), hex);
	assert_int_equal(strlen(hex), 512);
	assert_memory_equal(hex, "000102030405060708090a0b0c0d0e0f10", 34);
	assert_string_equal(hex + 500, "fafbfcfdfeff");
	assert_ok(hex_decode(hex, 512, back, sizeof(back), &n));
	assert_int_equal(n, 256);
	assert_memory_equal(all, back, 256);

	hex_encode(all, 0, hex);
	assert_string_equal(hex, "");
	n = 9;
	assert_ok(hex_decode("", 0, back, 0, &n));
	assert_int_equal(n, 0);

	/* Either case decodes. */
	assert_ok(hex_decode("DEADbeefAbCd", 12, back, 6, &n));
	assert_int_equal(n, 6);
	assert_memory_equal(back, "\xde\xad\xbe\xef\xab\xcd", 6);
	/* Only slen characters are read. */
	assert_ok(hex_decode("0a0bzz", 4, back, 2, &n));
	assert_int_equal(n, 2);
}

static void test_hex_decode_bad(void **state)
{
	static const char *const bad[] = { "0", "abc", "zz", "0g", "g0", " 0", "0 ", "0x", "-1", "+1", "1\n", "\xc3\xa9" };
	uint8_t out[16];
	size_t n = 12345, i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum tk_err rc = hex_decode(bad[i], strlen(bad[i]), out, sizeof(out), &n);
		if (rc != TK_ERR_INVALID)
			fail_msg("hex_decode(\"%s\") returned %d", bad[i], (int)rc);
	}
	assert_err(hex_decode("00\0000", 4, out, sizeof(out), &n), TK_ERR_INVALID);
	assert_int_equal(n, 12345); /* untouched on failure */
	/* Capacity: 2 bytes do not fit in 1, checked before writing. */
	memset(out, 0x77, sizeof(out));
	assert_err(hex_decode("0102", 4, out, 1, &n), TK_ERR_LIMIT);
	assert_int_equal(out[0], 0x77);
	assert_err(hex_decode("01", 2, out, 0, &n), TK_ERR_LIMIT);
	assert_ok(hex_decode("0102", 4, out, 2, &n));
	assert_int_equal(n, 2);
}

/* ------------------------------------------------------------------ */
/* time                                                                */
/* ------------------------------------------------------------------ */

static void test_time_iso_and_wib(void **state)
{
	char iso[32], wib[48];

	(void)state;
	time_iso_utc(T_2026_11_25, iso);
	assert_string_equal(iso, "2026-11-25T10:00:00Z");
	time_wib(T_2026_11_25, wib);
	assert_string_equal(wib, "2026-11-25 17:00:00 WIB (UTC+07:00)");
	/* +7h crosses midnight, month and year ends. */
	time_wib(T_2026_11_25 + 10 * 3600, wib);
	assert_string_equal(wib, "2026-11-26 03:00:00 WIB (UTC+07:00)");
	time_wib(1798761600LL - 3600, wib); /* 2026-12-31T23:00:00Z */
	assert_string_equal(wib, "2027-01-01 06:00:00 WIB (UTC+07:00)");
	time_iso_utc(0, iso);
	assert_string_equal(iso, "1970-01-01T00:00:00Z");
	time_wib(0, wib);
	assert_string_equal(wib, "1970-01-01 07:00:00 WIB (UTC+07:00)");
	time_iso_utc(-1, iso);
	assert_string_equal(iso, "1969-12-31T23:59:59Z");
	time_iso_utc(951782400LL, iso);
	assert_string_equal(iso, "2000-02-29T00:00:00Z");
	time_iso_utc(4102444799LL, iso);
	assert_string_equal(iso, "2099-12-31T23:59:59Z");
	assert_true(tk_now() > 1700000000LL);
}

static void test_time_parse_iso_good(void **state)
{
	static const int64_t ts[] = { 0, 1, 59, 951782400LL, T_2026_11_25, 1767225600LL, 2556144000LL, 4102444799LL };
	int64_t t = 0;
	char iso[32];
	size_t i;

	(void)state;
	assert_ok(time_parse_iso("2026-11-25T10:00:00Z", &t));
	assert_int_equal(t, T_2026_11_25);
	assert_ok(time_parse_iso("1970-01-01T00:00:00Z", &t));
	assert_int_equal(t, 0);
	assert_ok(time_parse_iso("2024-02-29T23:59:59Z", &t));
	assert_int_equal(t, 1709251199LL);
	assert_ok(time_parse_iso("2026-12-31T23:59:59Z", &t));
	assert_int_equal(t, 1798761599LL);
	for (i = 0; i < sizeof(ts) / sizeof(ts[0]); i++) {
		time_iso_utc(ts[i], iso);
		assert_ok(time_parse_iso(iso, &t));
		assert_int_equal(t, ts[i]);
	}
}

static void test_time_parse_iso_bad(void **state)
{
	static const char *const bad[] = {
		"",
		"2026-11-25",
		"2026-11-25T10:00:00",
		"2026-11-25T10:00:00z",
		"2026-11-25 10:00:00Z",
		"2026-11-25t10:00:00Z",
		"2026-11-25T10:00:00+07:00",
		"2026-11-25T10:00:00.5Z",
		"2026-11-25T10:00:00ZZ",
		"2026-11-25T10:00:00Z ",
		" 2026-11-25T10:00:00Z",
		"2026/11/25T10:00:00Z",
		"2026-11-25T10-00-00Z",
		"2026-1-25T10:00:00Z",
		"26-11-25T10:00:00Zxx",
		"+026-11-25T10:00:00Z",
		"-026-11-25T10:00:00Z",
		" 026-11-25T10:00:00Z",
		"2026-+1-25T10:00:00Z",
		"2026-11-2aT10:00:00Z",
		"2026-11-25T1 :00:00Z",
		"2026-11-25T10:00:-1Z",
		"2026-13-25T10:00:00Z",
		"2026-00-25T10:00:00Z",
		"2026-11-00T10:00:00Z",
		"2026-11-32T10:00:00Z",
		"2026-11-25T24:00:00Z",
		"2026-11-25T10:60:00Z",
		"2026-11-25T10:00:61Z",
		"2026-11-25T99:99:99Z",
		"\xef\xbc\x92\xef\xbc\x90\xef\xbc\x92\xef\xbc\x96-11-25T10Z",
	};
	int64_t t = 4242;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum tk_err rc = time_parse_iso(bad[i], &t);
		if (rc != TK_ERR_INVALID)
			fail_msg("time_parse_iso(\"%s\") returned %d", bad[i], (int)rc);
	}
	assert_int_equal(t, 4242);
}

/*
 * Days that do not exist in their month are out of range: they must be
 * refused, not silently moved into the next month by timegm().
 */
static void test_time_parse_iso_rejects_impossible_dates(void **state)
{
	static const char *const bad[] = {
		"2026-02-31T00:00:00Z", /* would become 2026-03-03 */
		"2026-02-29T00:00:00Z", /* 2026 is not a leap year */
		"2025-02-29T00:00:00Z",
		"2100-02-29T00:00:00Z", /* not a leap year (century) */
		"2026-04-31T12:00:00Z",
		"2026-06-31T12:00:00Z",
		"2026-09-31T12:00:00Z",
		"2026-11-31T12:00:00Z",
	};
	int64_t t = 0;
	char iso[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum tk_err rc = time_parse_iso(bad[i], &t);
		if (rc == TK_OK) {
			time_iso_utc(t, iso);
			fail_msg("time_parse_iso(\"%s\") accepted an impossible date as %s", bad[i], iso);
		}
		assert_int_equal(rc, TK_ERR_INVALID);
	}
	assert_ok(time_parse_iso("2000-02-29T00:00:00Z", &t));
	assert_int_equal(t, 951782400LL);
}

/* ------------------------------------------------------------------ */
/* files (each test gets its own temp dir)                             */
/* ------------------------------------------------------------------ */

struct tmpdir {
	char path[PATH_MAX];
};

static int tmpdir_setup(void **state)
{
	struct tmpdir *d = calloc(1, sizeof(*d));
	const char *base = getenv("TMPDIR");

	if (d == NULL)
		return -1;
	snprintf(d->path, sizeof(d->path), "%s/teken-test-core-XXXXXX", base && *base ? base : "/tmp");
	if (mkdtemp(d->path) == NULL) {
		free(d);
		return -1;
	}
	*state = d;
	return 0;
}

static int tmpdir_teardown(void **state)
{
	struct tmpdir *d = *state;
	DIR *dir;
	struct dirent *de;

	if (d == NULL)
		return 0;
	dir = opendir(d->path);
	if (dir != NULL) {
		while ((de = readdir(dir)) != NULL) {
			char p[PATH_MAX * 2];
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(p, sizeof(p), "%s/%s", d->path, de->d_name);
			if (unlink(p) != 0)
				rmdir(p);
		}
		closedir(dir);
	}
	rmdir(d->path);
	free(d);
	return 0;
}

static size_t dir_entries(const char *path)
{
	DIR *dir = opendir(path);
	struct dirent *de;
	size_t n = 0;

	assert_non_null(dir);
	while ((de = readdir(dir)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(dir);
	return n;
}

static void tpath(const struct tmpdir *d, const char *name, char out[PATH_MAX])
{
	assert_ok(path_join(out, PATH_MAX, d->path, name));
}

static void assert_file(const char *path, const void *want, size_t wantlen)
{
	uint8_t *p = NULL;
	size_t len = 0;

	assert_ok(file_read(path, 1 << 20, &p, &len));
	assert_non_null(p);
	assert_int_equal(len, wantlen);
	if (wantlen)
		assert_memory_equal(p, want, wantlen);
	free(p);
}

static void test_file_write_atomic_and_read(void **state)
{
	struct tmpdir *d = *state;
	char path[PATH_MAX];
	struct stat st;
	uint8_t bin[1000];

	for (size_t i = 0; i < sizeof(bin); i++)
		bin[i] = (uint8_t)(i * 7);
	bin[10] = 0; /* binary with NUL bytes */
	tpath(d, "a.bin", path);
	assert_ok(file_write_atomic(path, bin, sizeof(bin), 0600));
	assert_file(path, bin, sizeof(bin));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(dir_entries(d->path), 1); /* no temp file left behind */

	/* Replacing keeps one file with the new content and mode. */
	assert_ok(file_write_atomic(path, "new", 3, 0640));
	assert_file(path, "new", 3);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(dir_entries(d->path), 1);

	/* An empty file reads as a non-NULL, zero-length buffer. */
	assert_ok(file_write_atomic(path, "", 0, 0600));
	assert_file(path, "", 0);
}

static void test_file_read_limits_and_errors(void **state)
{
	struct tmpdir *d = *state;
	char path[PATH_MAX], missing[PATH_MAX];
	uint8_t data[100000], *p = NULL;
	size_t len = 0;

	memset(data, 'q', sizeof(data));
	tpath(d, "big", path);
	assert_ok(file_write_atomic(path, data, sizeof(data), 0600));
	/* Larger than max (and than one 64 KiB read): refused, nothing returned. */
	assert_err(file_read(path, sizeof(data) - 1, &p, &len), TK_ERR_LIMIT);
	assert_null(p);
	assert_ok(file_read(path, sizeof(data), &p, &len));
	assert_int_equal(len, sizeof(data));
	assert_memory_equal(p, data, sizeof(data));
	free(p);
	p = NULL;

	tpath(d, "missing", missing);
	assert_err(file_read(missing, 100, &p, &len), TK_ERR_IO);
	assert_string_equal(tk_last_error()->code, "io_error");
	assert_null(p);
	/* A directory is not a file. */
	assert_err(file_read(d->path, 100, &p, &len), TK_ERR_IO);
	assert_null(p);
}

static void test_file_create_excl(void **state)
{
	struct tmpdir *d = *state;
	char path[PATH_MAX], nodir[PATH_MAX];
	struct stat st;

	tpath(d, "once.txt", path);
	assert_ok(file_create_excl(path, "first", 5, 0600));
	assert_file(path, "first", 5);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);

	/* A second create must fail and leave the existing file untouched. */
	assert_err(file_create_excl(path, "second!", 7, 0644), TK_ERR_EXISTS);
	assert_string_equal(tk_last_error()->code, "already_exists");
	assert_file(path, "first", 5);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_nlink, 1);
	assert_int_equal(dir_entries(d->path), 1); /* no temp file left */

	tpath(d, "no/such/dir/x", nodir);
	assert_err(file_create_excl(nodir, "x", 1, 0600), TK_ERR_IO);
	assert_err(file_write_atomic(nodir, "x", 1, 0600), TK_ERR_IO);
	assert_int_equal(dir_entries(d->path), 1);
}

static void test_file_create_excl_symlink(void **state)
{
	struct tmpdir *d = *state;
	char link_path[PATH_MAX], target[PATH_MAX];
	struct stat st;

	/* A dangling symlink planted at the path must not be followed. */
	tpath(d, "planted", link_path);
	tpath(d, "victim", target);
	assert_int_equal(symlink(target, link_path), 0);
	assert_err(file_create_excl(link_path, "x", 1, 0600), TK_ERR_EXISTS);
	assert_int_equal(lstat(target, &st), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(dir_entries(d->path), 1);

	/* file_write_atomic replaces the link itself, never writes through it. */
	assert_ok(file_write_atomic(target, "orig", 4, 0600));
	assert_ok(file_write_atomic(link_path, "replaced", 8, 0600));
	assert_int_equal(lstat(link_path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_file(target, "orig", 4);
	assert_file(link_path, "replaced", 8);
}

static void test_path_join(void **state)
{
	char out[8];

	(void)state;
	assert_ok(path_join(out, sizeof(out), "a", "b"));
	assert_string_equal(out, "a/b");
	assert_ok(path_join(out, sizeof(out), "abc", "def"));
	assert_string_equal(out, "abc/def");
	assert_err(path_join(out, sizeof(out), "abcd", "def"), TK_ERR_LIMIT);
}

/* ------------------------------------------------------------------ */
/* DER framing                                                         */
/* ------------------------------------------------------------------ */

static void test_der_read_good(void **state)
{
	static const uint8_t octets[] = { 0x04, 0x03, 'a', 'b', 'c', 0xff, 0xff };
	static const uint8_t empty_seq[] = { 0x30, 0x00 };
	uint8_t tag = 0;
	const uint8_t *val = NULL;
	size_t vlen = 0, total = 0;
	uint8_t long_form[3 + 128];

	(void)state;
	assert_ok(der_read(octets, sizeof(octets), &tag, &val, &vlen, &total));
	assert_int_equal(tag, 0x04);
	assert_ptr_equal(val, octets + 2);
	assert_int_equal(vlen, 3);
	assert_int_equal(total, 5); /* trailing bytes are the caller's business */

	assert_ok(der_read(empty_seq, sizeof(empty_seq), &tag, &val, &vlen, &total));
	assert_int_equal(tag, 0x30);
	assert_int_equal(vlen, 0);
	assert_int_equal(total, 2);

	/* Context-specific constructed tag [0] and long form length 0x81 0x80. */
	long_form[0] = 0xa0;
	long_form[1] = 0x81;
	long_form[2] = 0x80;
	memset(long_form + 3, 0x55, 128);
	assert_ok(der_read(long_form, sizeof(long_form), &tag, &val, &vlen, &total));
	assert_int_equal(tag, 0xa0);
	assert_int_equal(vlen, 128);
	assert_int_equal(total, 131);
	assert_ptr_equal(val, long_form + 3);
}

static void test_der_read_hostile(void **state)
{
	static const struct {
		const char *what;
		uint8_t b[12];
		size_t len;
	} bad[] = {
		{ "empty", { 0 }, 0 },
		{ "tag only", { 0x04 }, 1 },
		{ "indefinite length", { 0x30, 0x80, 0x00, 0x00 }, 4 },
		{ "non-minimal 0x81 for 5", { 0x04, 0x81, 0x05, 1, 2, 3, 4, 5 }, 8 },
		{ "non-minimal 0x81 for 127", { 0x04, 0x81, 0x7f }, 3 },
		{ "non-minimal leading zero", { 0x04, 0x82, 0x00, 0x05, 1, 2, 3, 4, 5 }, 9 },
		{ "non-minimal 0x82 00 80", { 0x04, 0x82, 0x00, 0x80 }, 4 },
		{ "length past end", { 0x04, 0x05, 1, 2, 3, 4 }, 6 },
		{ "long length past end", { 0x04, 0x81, 0x80, 1, 2 }, 5 },
		{ "length bytes missing", { 0x04, 0x82, 0x01 }, 3 },
		{ "length bytes missing 2", { 0x04, 0x81 }, 2 },
		{ "huge 8-byte length", { 0x04, 0x88, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0 }, 12 },
		{ "8-byte length 2^63", { 0x04, 0x88, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, 12 },
		{ "9 length bytes", { 0x04, 0x89, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, 12 },
		{ "0xff length form", { 0x04, 0xff, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 }, 12 },
		{ "multi-byte tag", { 0x1f, 0x81, 0x00, 0x00 }, 4 },
		{ "multi-byte context tag", { 0xbf, 0x20, 0x00 }, 3 },
		{ "multi-byte tag 0x5f", { 0x5f, 0x01, 0x00 }, 3 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t tag = 0x99;
		const uint8_t *val = (const uint8_t *)"sentinel";
		size_t vlen = 4242, total = 4343;
		/* Copy to an exact-size heap block so ASan catches any over-read. */
		uint8_t *p = malloc(bad[i].len ? bad[i].len : 1);
		enum tk_err rc;
		assert_non_null(p);
		memcpy(p, bad[i].b, bad[i].len);
		rc = der_read(p, bad[i].len, &tag, &val, &vlen, &total);
		free(p);
		if (rc != TK_ERR_INVALID)
			fail_msg("der_read accepted %s (rc %d)", bad[i].what, (int)rc);
		assert_int_equal(tag, 0x99);
		assert_int_equal(vlen, 4242);
		assert_int_equal(total, 4343);
	}
}

static void test_der_read_every_prefix(void **state)
{
	uint8_t full[4 + 300];
	uint8_t tag;
	const uint8_t *val;
	size_t vlen, total, n;

	(void)state;
	full[0] = 0x04;
	full[1] = 0x82;
	full[2] = 0x01;
	full[3] = 0x2c; /* 300 */
	memset(full + 4, 0x11, 300);
	assert_ok(der_read(full, sizeof(full), &tag, &val, &vlen, &total));
	assert_int_equal(vlen, 300);
	/* Every truncation is rejected, and none reads outside the prefix. */
	for (n = 0; n < sizeof(full); n++) {
		uint8_t *p = malloc(n ? n : 1);
		assert_non_null(p);
		memcpy(p, full, n);
		assert_err(der_read(p, n, &tag, &val, &vlen, &total), TK_ERR_INVALID);
		free(p);
	}
}

static void test_der_put_header_roundtrip(void **state)
{
	static const struct {
		size_t len;
		uint8_t hdr[6];
		size_t hlen;
	} cases[] = {
		{ 0, { 0x04, 0x00 }, 2 },
		{ 1, { 0x04, 0x01 }, 2 },
		{ 127, { 0x04, 0x7f }, 2 },
		{ 128, { 0x04, 0x81, 0x80 }, 3 },
		{ 255, { 0x04, 0x81, 0xff }, 3 },
		{ 256, { 0x04, 0x82, 0x01, 0x00 }, 4 },
		{ 65535, { 0x04, 0x82, 0xff, 0xff }, 4 },
		{ 65536, { 0x04, 0x83, 0x01, 0x00, 0x00 }, 5 },
		{ 70000, { 0x04, 0x83, 0x01, 0x11, 0x70 }, 5 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b;
		uint8_t *payload = malloc(cases[i].len + 1);
		uint8_t tag = 0;
		const uint8_t *val = NULL;
		size_t vlen = 0, total = 0;

		assert_non_null(payload);
		for (size_t k = 0; k < cases[i].len; k++)
			payload[k] = (uint8_t)(k * 31 + 7);
		buf_init(&b, 1u << 20);
		assert_ok(der_put_header(&b, 0x04, cases[i].len));
		assert_int_equal(b.len, cases[i].hlen);
		assert_memory_equal(b.p, cases[i].hdr, cases[i].hlen);
		assert_ok(buf_append(&b, payload, cases[i].len));
		assert_ok(der_read(b.p, b.len, &tag, &val, &vlen, &total));
		assert_int_equal(tag, 0x04);
		assert_int_equal(vlen, cases[i].len);
		assert_int_equal(total, b.len);
		if (cases[i].len)
			assert_memory_equal(val, payload, cases[i].len);

		/* der_put_tlv gives the same bytes. */
		{
			struct buf t;
			buf_init(&t, 1u << 20);
			assert_ok(der_put_tlv(&t, 0x04, payload, cases[i].len));
			assert_int_equal(t.len, b.len);
			assert_memory_equal(t.p, b.p, b.len);
			buf_free(&t);
		}
		/* One byte short is rejected. */
		assert_err(der_read(b.p, b.len - 1, &tag, &val, &vlen, &total), TK_ERR_INVALID);
		buf_free(&b);
		free(payload);
	}
}

static void test_der_put_respects_buf_limit(void **state)
{
	struct buf b;
	uint8_t v[10] = { 0 };

	(void)state;
	buf_init(&b, 11);
	assert_err(der_put_tlv(&b, 0x04, v, 10), TK_ERR_LIMIT); /* needs 12 */
	buf_free(&b);
	buf_init(&b, 12);
	assert_ok(der_put_tlv(&b, 0x04, v, 10));
	assert_int_equal(b.len, 12);
	buf_free(&b);
	buf_init(&b, 2);
	assert_err(der_put_header(&b, 0x30, 200), TK_ERR_LIMIT);
	buf_free(&b);
}

static void test_der_nested_walk(void **state)
{
	/* SEQUENCE { INTEGER 5, SEQUENCE { OCTET STRING "hi" } } built and walked back. */
	struct buf inner, outer;
	uint8_t tag;
	const uint8_t *val, *p;
	size_t vlen, total, left;

	(void)state;
	buf_init(&inner, 256);
	buf_init(&outer, 256);
	assert_ok(der_put_tlv(&inner, 0x02, (const uint8_t *)"\x05", 1));
	{
		struct buf s;
		buf_init(&s, 64);
		assert_ok(der_put_tlv(&s, 0x04, (const uint8_t *)"hi", 2));
		assert_ok(der_put_tlv(&inner, 0x30, s.p, s.len));
		buf_free(&s);
	}
	assert_ok(der_put_tlv(&outer, 0x30, inner.p, inner.len));
	assert_int_equal(outer.len, 11);
	assert_memory_equal(outer.p, "\x30\x09\x02\x01\x05\x30\x04\x04\x02hi", 11);

	assert_ok(der_read(outer.p, outer.len, &tag, &val, &vlen, &total));
	assert_int_equal(total, outer.len);
	p = val;
	left = vlen;
	assert_ok(der_read(p, left, &tag, &val, &vlen, &total));
	assert_int_equal(tag, 0x02);
	p += total;
	left -= total;
	assert_ok(der_read(p, left, &tag, &val, &vlen, &total));
	assert_int_equal(tag, 0x30);
	assert_int_equal(total, left);
	/* The inner element claims more than the outer holds: rejected. */
	outer.p[6] = 0x05;
	assert_err(der_read(p, left, &tag, &val, &vlen, &total), TK_ERR_INVALID);
	buf_free(&inner);
	buf_free(&outer);
}

/* ------------------------------------------------------------------ */
/* config                                                              */
/* ------------------------------------------------------------------ */

static struct config *parse_ok(const char *text)
{
	struct config *c = NULL;

	assert_ok(config_parse(text, strlen(text), "test.ini", &c));
	assert_non_null(c);
	return c;
}

static void test_config_sections_and_values(void **state)
{
	static const char text[] =
	    "; comment line\n"
	    "# another comment\n"
	    "top = level\n"
	    "\n"
	    "[instance]\n"
	    "name =   teken   \n"
	    "country=ID\n"
	    "Name = upper\n"
	    "empty =\n"
	    "with_eq = a=b=c\n"
	    "\n"
	    "[profile individual]\n"
	    "key_usage = digitalSignature,nonRepudiation\n"
	    "[Instance]\n"
	    "name = other-section\n";
	struct config *c = parse_ok(text);

	(void)state;
	assert_string_equal(config_get(c, "instance", "name"), "teken");
	assert_string_equal(config_get(c, "instance", "country"), "ID");
	/* Keys and sections are case-sensitive. */
	assert_string_equal(config_get(c, "instance", "Name"), "upper");
	assert_string_equal(config_get(c, "Instance", "name"), "other-section");
	assert_string_equal(config_get(c, "instance", "empty"), "");
	assert_string_equal(config_get(c, "instance", "with_eq"), "a=b=c");
	assert_string_equal(config_get(c, "profile individual", "key_usage"), "digitalSignature,nonRepudiation");
	/* Keys before the first section live in section "". */
	assert_string_equal(config_get(c, "", "top"), "level");
	assert_null(config_get(c, "instance", "missing"));
	assert_null(config_get(c, "nope", "name"));
	assert_null(config_get(c, "instance", "key_usage"));
	assert_string_equal(config_get_or(c, "instance", "missing", "dflt"), "dflt");
	assert_string_equal(config_get_or(c, "instance", "name", "dflt"), "teken");
	assert_null(config_get_or(c, "instance", "missing", NULL));
	config_free(c);
	config_free(NULL);
}

static void test_config_duplicates_replace(void **state)
{
	static const char text[] =
	    "[a]\n"
	    "k = first\n"
	    "x = 1\n"
	    "[b]\n"
	    "k = other\n"
	    "[a]\n"
	    "k = second\n"
	    "y = 2\n"
	    "k = third\n";
	struct config *c = parse_ok(text);

	(void)state;
	assert_string_equal(config_get(c, "a", "k"), "third");
	assert_string_equal(config_get(c, "a", "x"), "1");
	assert_string_equal(config_get(c, "a", "y"), "2");
	assert_string_equal(config_get(c, "b", "k"), "other");
	config_free(c);
}

static void test_config_line_endings_and_bom(void **state)
{
	static const char crlf[] = "[a]\r\nk = v\r\nn = 5\r\n";
	static const char bom[] = "\xef\xbb\xbf[a]\nk = v\n";
	struct config *c;
	uint64_t u = 0;

	(void)state;
	c = parse_ok(crlf);
	assert_string_equal(config_get(c, "a", "k"), "v");
	assert_ok(config_get_u64(c, "a", "n", 0, 10, &u));
	assert_int_equal(u, 5);
	config_free(c);
	c = parse_ok(bom);
	assert_string_equal(config_get(c, "a", "k"), "v");
	config_free(c);
	c = parse_ok("");
	assert_null(config_get(c, "", ""));
	config_free(c);
	/* Only len bytes count: the rest of the string is not parsed. */
	assert_ok(config_parse("[a]\nk = v\n[b]\nz = 1\n", 10, "t", &c));
	assert_string_equal(config_get(c, "a", "k"), "v");
	assert_null(config_get(c, "b", "z"));
	config_free(c);
}

static void test_config_syntax_errors(void **state)
{
	static const struct {
		const char *text;
		const char *line;
	} bad[] = {
		{ "[a]\nno equals sign here\n", "line 2" },
		{ "[unterminated\nk = v\n", "line 1" },
		{ "[a]\nk = v\n[b\n", "line 3" },
		{ "[a]\nk = v\nx\ny = 1\n", "line 3" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct config *c = NULL;
		enum tk_err rc = config_parse(bad[i].text, strlen(bad[i].text), "bad.ini", &c);
		if (rc != TK_ERR_INVALID)
			fail_msg("config_parse accepted case %zu (rc %d)", i, (int)rc);
		assert_null(c);
		assert_non_null(strstr(tk_errmsg(), "bad.ini"));
		if (strstr(tk_errmsg(), bad[i].line) == NULL)
			fail_msg("case %zu: message '%s' does not name %s", i, tk_errmsg(), bad[i].line);
	}
}

static void test_config_rejects_nul(void **state)
{
	static const char text[] = "[a]\nk = v\0hidden = 1\n";
	struct config *c = NULL;

	(void)state;
	assert_err(config_parse(text, sizeof(text) - 1, "nul.ini", &c), TK_ERR_INVALID);
	assert_null(c);
	assert_non_null(strstr(tk_errmsg(), "NUL"));
	assert_err(config_parse("\0", 1, "nul.ini", &c), TK_ERR_INVALID);
	assert_null(c);
}

/*
 * A value longer than the INI reader's line buffer must not be cut, with
 * its tail parsed as a separate line (which can smuggle in a key). Either
 * the whole value is kept or the file is rejected.
 */
static void test_config_long_line_not_split(void **state)
{
	char text[1024], value[600];
	struct config *c = NULL;
	enum tk_err rc;

	(void)state;
	memset(value, 'C', 192);
	memcpy(value + 192, "evil = 1", 9);
	snprintf(text, sizeof(text), "[a]\nname = %s\n", value);
	rc = config_parse(text, strlen(text), "long.ini", &c);
	if (rc == TK_OK) {
		const char *name = config_get(c, "a", "name");
		const char *evil = config_get(c, "a", "evil");
		size_t nlen = name ? strlen(name) : 0;
		config_free(c);
		if (evil != NULL || nlen != strlen(value))
			fail_msg("over-long line was split: name has %zu of %zu bytes and key 'evil' was %s", nlen,
			    strlen(value), evil ? "injected" : "not injected");
	}

	/* A plain long value (no '=' in the tail) must not be cut either. */
	memset(value, 'D', 300);
	value[300] = '\0';
	snprintf(text, sizeof(text), "[a]\nname = %s\nother = 1\n", value);
	c = NULL;
	rc = config_parse(text, strlen(text), "long.ini", &c);
	if (rc == TK_OK) {
		const char *name = config_get(c, "a", "name");
		size_t nlen = name ? strlen(name) : 0;
		config_free(c);
		if (nlen != 300)
			fail_msg("over-long value silently truncated to %zu bytes", nlen);
	}
}

static void test_config_get_u64(void **state)
{
	static const char text[] =
	    "[n]\n"
	    "ok = 42\n"
	    "zero = 0\n"
	    "big = 18446744073709551615\n"
	    "over = 18446744073709551616\n"
	    "neg = -1\n"
	    "frac = 1.5\n"
	    "hex = 0x10\n"
	    "word = ten\n"
	    "empty =\n"
	    "spaced = 1 2\n";
	struct config *c = parse_ok(text);
	uint64_t v = 0;
	static const char *const bad[] = { "over", "neg", "frac", "hex", "word", "empty", "spaced" };
	size_t i;

	(void)state;
	assert_ok(config_get_u64(c, "n", "ok", 7, 100, &v));
	assert_int_equal(v, 42);
	assert_ok(config_get_u64(c, "n", "ok", 7, 42, &v));
	assert_int_equal(v, 42);
	assert_err(config_get_u64(c, "n", "ok", 7, 41, &v), TK_ERR_INVALID);
	assert_non_null(strstr(tk_errmsg(), "[n] ok"));
	assert_ok(config_get_u64(c, "n", "zero", 7, 100, &v));
	assert_int_equal(v, 0);
	assert_ok(config_get_u64(c, "n", "missing", 7, 100, &v));
	assert_int_equal(v, 7); /* default when absent */
	assert_ok(config_get_u64(c, "n", "big", 0, UINT64_MAX, &v));
	assert_true(v == UINT64_MAX);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 99;
		if (config_get_u64(c, "n", bad[i], 7, UINT64_MAX, &v) != TK_ERR_INVALID)
			fail_msg("config_get_u64 accepted %s", bad[i]);
		assert_string_equal(tk_last_error()->code, "invalid_input");
	}
	config_free(c);
}

struct seen {
	char names[8][64];
	size_t n;
};

static void collect(const char *section, void *arg)
{
	struct seen *s = arg;

	assert_true(s->n < 8);
	assert_ok(str_copy(s->names[s->n], sizeof(s->names[0]), section));
	s->n++;
}

static void test_config_each_section(void **state)
{
	static const char text[] =
	    "[instance]\nname = x\n"
	    "[profile root-ca]\nca = yes\nkey_usage = keyCertSign\n"
	    "[profile individual]\nkey_usage = digitalSignature\n"
	    "[profiles]\nk = v\n"
	    "[profile root-ca]\nvalidity_days = 1\n"
	    "[ca]\nkey_alg = ec-p256\n";
	struct config *c = parse_ok(text);
	struct seen s;

	(void)state;
	memset(&s, 0, sizeof(s));
	config_each_section(c, "profile ", collect, &s);
	assert_int_equal(s.n, 2); /* each once, in file order; "profiles" does not match */
	assert_string_equal(s.names[0], "profile root-ca");
	assert_string_equal(s.names[1], "profile individual");

	memset(&s, 0, sizeof(s));
	config_each_section(c, "", collect, &s);
	assert_int_equal(s.n, 5);
	assert_string_equal(s.names[0], "instance");
	assert_string_equal(s.names[3], "profiles");
	assert_string_equal(s.names[4], "ca");

	memset(&s, 0, sizeof(s));
	config_each_section(c, "nothing", collect, &s);
	assert_int_equal(s.n, 0);
	assert_string_equal(config_get(c, "profile root-ca", "validity_days"), "1");
	assert_string_equal(config_get(c, "profile root-ca", "ca"), "yes");
	config_free(c);
}

static void test_config_load(void **state)
{
	struct tmpdir *d = *state;
	char path[PATH_MAX], missing[PATH_MAX];
	struct config *c = NULL;
	char *big;

	tpath(d, "teken.conf", path);
	assert_ok(file_write_atomic(path, "[ca]\ndigest = sha256\n", 21, 0600));
	assert_ok(config_load(path, &c));
	assert_string_equal(config_get(c, "ca", "digest"), "sha256");
	config_free(c);
	c = NULL;

	tpath(d, "missing.conf", missing);
	assert_err(config_load(missing, &c), TK_ERR_IO);
	assert_null(c);
	assert_non_null(strstr(tk_errmsg(), "config"));

	/* Larger than MAX_CONFIG_BYTES: refused before parsing. */
	big = malloc(MAX_CONFIG_BYTES + 1);
	assert_non_null(big);
	memset(big, '\n', MAX_CONFIG_BYTES + 1);
	memcpy(big, "[a]\nk = v\n", 10);
	assert_ok(file_write_atomic(path, big, MAX_CONFIG_BYTES + 1, 0600));
	assert_err(config_load(path, &c), TK_ERR_LIMIT);
	assert_null(c);
	assert_ok(file_write_atomic(path, big, MAX_CONFIG_BYTES, 0600));
	assert_ok(config_load(path, &c));
	assert_string_equal(config_get(c, "a", "k"), "v");
	config_free(c);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_err_fail_sets_default_code),
		cmocka_unit_test(test_err_default_codes_distinct),
		cmocka_unit_test(test_err_fail_code_and_truncation),
		cmocka_unit_test(test_err_wrap),
		cmocka_unit_test(test_err_fail_ossl),
		cmocka_unit_test(test_err_thread_local),
		cmocka_unit_test(test_buf_append_within_limit),
		cmocka_unit_test(test_buf_limit_checked_before_growth),
		cmocka_unit_test(test_buf_zero_max_and_cstr),
		cmocka_unit_test(test_buf_printf_bounded),
		cmocka_unit_test(test_buf_secret_and_reset),
		cmocka_unit_test(test_str_copy_and_fmt),
		cmocka_unit_test(test_parse_u64_good),
		cmocka_unit_test(test_parse_u64_bad),
		cmocka_unit_test(test_parse_i64_str),
		cmocka_unit_test(test_parse_i64_str_accepts_int64_min),
		cmocka_unit_test(test_hex_roundtrip),
		cmocka_unit_test(test_hex_decode_bad),
		cmocka_unit_test(test_time_iso_and_wib),
		cmocka_unit_test(test_time_parse_iso_good),
		cmocka_unit_test(test_time_parse_iso_bad),
		cmocka_unit_test(test_time_parse_iso_rejects_impossible_dates),
		cmocka_unit_test_setup_teardown(test_file_write_atomic_and_read, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_file_read_limits_and_errors, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_file_create_excl, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_file_create_excl_symlink, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test(test_path_join),
		cmocka_unit_test(test_der_read_good),
		cmocka_unit_test(test_der_read_hostile),
		cmocka_unit_test(test_der_read_every_prefix),
		cmocka_unit_test(test_der_put_header_roundtrip),
		cmocka_unit_test(test_der_put_respects_buf_limit),
		cmocka_unit_test(test_der_nested_walk),
		cmocka_unit_test(test_config_sections_and_values),
		cmocka_unit_test(test_config_duplicates_replace),
		cmocka_unit_test(test_config_line_endings_and_bom),
		cmocka_unit_test(test_config_syntax_errors),
		cmocka_unit_test(test_config_rejects_nul),
		cmocka_unit_test(test_config_long_line_not_split),
		cmocka_unit_test(test_config_get_u64),
		cmocka_unit_test(test_config_each_section),
		cmocka_unit_test_setup_teardown(test_config_load, tmpdir_setup, tmpdir_teardown),
	};

	return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}

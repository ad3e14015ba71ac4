/*
 * Unit tests for src/svc/review: the strict instrument check
 * (review_instrument_check) on the shipped default and on good, bad and
 * hostile variants of it, and the rounding of scores. The workflow is
 * tested end to end by tests/integration/test_review.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "svc/review/review_int.h"

#include <stdlib.h>
#include <string.h>

static json_t *load_default(void)
{
	const char *src = getenv("TEKEN_SRC");
	char path[4096];
	json_error_t jerr;
	json_t *j;

	assert_non_null(src);
	assert_true(snprintf(path, sizeof(path), "%s/data/review-instrument.json", src) < (int)sizeof(path));
	j = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	assert_non_null(j);
	return j;
}

/* Checks j (dumped); returns the result and leaves the error for the caller. */
static enum tk_err check_json(json_t *j)
{
	char *txt = json_dumps(j, JSON_COMPACT);
	enum tk_err rc;

	assert_non_null(txt);
	rc = review_instrument_check((const uint8_t *)txt, strlen(txt));
	free(txt);
	return rc;
}

static void expect_bad(json_t *j, const char *needle)
{
	assert_int_equal(check_json(j), TK_ERR_INVALID);
	assert_string_equal(tk_last_error()->code, "invalid_instrument");
	if (strstr(tk_last_error()->msg, needle) == NULL)
		fail_msg("message \"%s\" does not name \"%s\"", tk_last_error()->msg, needle);
	json_decref(j);
}

static json_t *ind(json_t *d, size_t i)
{
	return json_array_get(json_object_get(d, "indicators"), i);
}

static void test_default_ok(void **state)
{
	json_t *d = load_default();

	(void)state;
	assert_int_equal(check_json(d), TK_OK);
	json_decref(d);
}

static void test_bad_variants(void **state)
{
	json_t *d;

	(void)state;
	d = load_default(); /* a duplicate indicator id */
	json_array_append_new(json_object_get(d, "indicators"), json_deep_copy(ind(d, 0)));
	expect_bad(d, "duplicate indicator id");

	d = load_default(); /* an unknown aspect */
	json_object_set_new(ind(d, 3), "aspect", json_string("keuangan"));
	expect_bad(d, "aspect names none");

	d = load_default(); /* aspect weights not summing to 100 */
	json_object_set_new(json_array_get(json_object_get(d, "aspects"), 0), "weight", json_integer(21));
	expect_bad(d, "sum to 100");

	d = load_default(); /* an indicator weight of 0 */
	json_object_set_new(ind(d, 0), "weight", json_integer(0));
	expect_bad(d, "weight must be an integer 1..1000");

	d = load_default(); /* a weight as a string */
	json_object_set_new(ind(d, 0), "weight", json_string("3"));
	expect_bad(d, "weight");

	d = load_default(); /* a scale with a level missing */
	json_array_remove(json_object_get(json_object_get(json_object_get(d, "scales"), "kematangan"), "levels"), 2);
	expect_bad(d, "scales.kematangan");

	d = load_default(); /* levels out of order */
	json_object_set_new(json_array_get(json_object_get(json_object_get(json_object_get(d, "scales"), "kematangan"), "levels"), 1), "level",
	    json_integer(3));
	expect_bad(d, "in order");

	d = load_default(); /* an unknown scale */
	json_object_set_new(ind(d, 0), "scale", json_string("nope"));
	expect_bad(d, "scale names none");

	d = load_default(); /* a typo'd member is refused, not ignored */
	json_object_set_new(ind(d, 0), "wieght", json_integer(1));
	expect_bad(d, "unknown member \"wieght\"");

	d = load_default(); /* "auto" for an id teken does not compute */
	json_object_set_new(ind(d, 0), "evaluation", json_string("auto"));
	expect_bad(d, "no automatic indicator");

	d = load_default(); /* an id with capitals or a slash */
	json_object_set_new(ind(d, 0), "id", json_string("Kebijakan/1"));
	expect_bad(d, "id is");

	d = load_default(); /* a requirement out of range */
	json_array_append_new(json_object_get(ind(d, 0), "requirements"), json_string("R19"));
	expect_bad(d, "R1..R18");

	d = load_default(); /* maturity not starting at 0 */
	json_object_set_new(json_array_get(json_object_get(d, "maturity"), 0), "min_x100", json_integer(5));
	expect_bad(d, "starts at 0");

	d = load_default(); /* maturity not rising */
	json_object_set_new(json_array_get(json_object_get(d, "maturity"), 2), "min_x100", json_integer(100));
	expect_bad(d, "rise strictly");

	d = load_default(); /* the wrong format */
	json_object_set_new(d, "format", json_string("teken-review-instrument/2"));
	expect_bad(d, "format");

	d = load_default(); /* an English title missing */
	json_object_del(json_object_get(ind(d, 0), "title"), "en");
	expect_bad(d, "English");
}

/* Removing every indicator of one requirement leaves it uncovered; an aspect without indicators is refused too. */
static void test_coverage(void **state)
{
	json_t *d = load_default(), *arr, *v;
	size_t i;

	(void)state;
	arr = json_object_get(d, "indicators");
	for (i = json_array_size(arr); i-- > 0;) {
		v = json_array_get(arr, i);
		json_t *r;
		size_t k;
		json_array_foreach (json_object_get(v, "requirements"), k, r) {
			if (strcmp(json_string_value(r), "R13") == 0) {
				json_array_remove(arr, i);
				break;
			}
		}
	}
	expect_bad(d, "requirement R13 is covered by no indicator");

	d = load_default();
	arr = json_object_get(d, "indicators");
	for (i = json_array_size(arr); i-- > 0;)
		if (strcmp(json_string_value(json_object_get(json_array_get(arr, i), "aspect")), "pelaporan_kerja_sama") == 0)
			json_array_remove(arr, i);
	expect_bad(d, "without indicators");
}

static void test_hostile(void **state)
{
	static const char *const bad[] = { "", "null", "[]", "{", "{\"format\":\"teken-review-instrument/1\",\"format\":\"x\"}", "\"text\"", "{}" };
	size_t i, n = 300000;
	char *big;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(review_instrument_check((const uint8_t *)bad[i], strlen(bad[i])), TK_ERR_INVALID);
		assert_string_equal(tk_last_error()->code, "invalid_instrument");
	}
	/* Over the limit: refused before parsing. */
	big = malloc(n);
	assert_non_null(big);
	memset(big, ' ', n);
	assert_int_equal(review_instrument_check((const uint8_t *)big, n), TK_ERR_LIMIT);
	/* Deep nesting inside a member: jansson's depth limit, then our check, never a crash. */
	memset(big, '[', 5000);
	assert_int_equal(review_instrument_check((const uint8_t *)big, 5000), TK_ERR_INVALID);
	free(big);
	/* Not NUL-terminated: only len bytes are read. */
	assert_int_equal(review_instrument_check((const uint8_t *)"{}garbage", 2), TK_ERR_INVALID);
}

static void test_rounding(void **state)
{
	(void)state;
	assert_int_equal(review_div_round(0, 3), 0);
	assert_int_equal(review_div_round(1, 2), 1); /* half up */
	assert_int_equal(review_div_round(1, 3), 0);
	assert_int_equal(review_div_round(2, 3), 1);
	assert_int_equal(review_div_round(10000 * 3, 4), 7500);
	assert_int_equal(review_div_round(10000 * 1, 3), 3333);
	assert_int_equal(review_div_round(10000 * 2, 3), 6667);
	assert_int_equal(review_wib_year(1798736399), 2026); /* 2026-12-31 16:59:59 UTC = 23:59:59 WIB */
	assert_int_equal(review_wib_year(1798736400), 2027); /* one second later it is 2027 in Jakarta */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_ok),
		cmocka_unit_test(test_bad_variants),
		cmocka_unit_test(test_coverage),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_rounding),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

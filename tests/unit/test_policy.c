/*
 * Unit tests for the signing-rules validator of src/svc/policy
 * (policy_rules_canon, docs/policy.md "Signing rules"): good rules come
 * back canonical (members in a fixed order), bad and hostile ones are
 * refused with invalid_rules. Enforcement is tested end to end by
 * tests/integration/test_policy.py (our API and the BSrE route).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "svc/policy/policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static enum tk_err canon(const char *in, char **out)
{
	json_error_t jerr;
	json_t *j = json_loads(in, JSON_DECODE_ANY, &jerr);
	enum tk_err rc;

	assert_non_null(j);
	rc = policy_rules_canon(j, out);
	json_decref(j);
	return rc;
}

static void test_good(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "{\"levels\":[\"B-T\",\"B-LT\"]}", "{\"levels\":[\"B-T\",\"B-LT\"]}" },
		/* Canonical order: levels, stamp, units, kinds, whatever order they came in. */
		{ "{\"kinds\":[\"pades\"],\"stamp\":\"invisible\",\"units\":[\"Biro Umum\"],\"levels\":[\"B-LTA\"]}",
		    "{\"levels\":[\"B-LTA\"],\"stamp\":\"invisible\",\"units\":[\"Biro Umum\"],\"kinds\":[\"pades\"]}" },
		{ "{\"stamp\":\"any\"}", "{\"stamp\":\"any\"}" },
		{ "{\"kinds\":[\"cades\",\"pades\"]}", "{\"kinds\":[\"cades\",\"pades\"]}" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out = NULL;
		assert_int_equal(canon(cases[i].in, &out), TK_OK);
		assert_string_equal(out, cases[i].want);
		free(out);
	}
}

static void test_bad(void **state)
{
	static const char *const bad[] = {
		"{}",
		"[]",
		"\"B-T\"",
		"null",
		"{\"levels\":[]}",
		"{\"levels\":\"B-T\"}",
		"{\"levels\":[\"B-X\"]}",
		"{\"levels\":[\"b-t\"]}",
		"{\"levels\":[\"B-T\",\"B-T\"]}",
		"{\"levels\":[1]}",
		"{\"stamp\":\"sometimes\"}",
		"{\"stamp\":true}",
		"{\"units\":[]}",
		"{\"units\":[\"\"]}",
		"{\"units\":[\"*\"]}",
		"{\"units\":[\"A\",\"A\"]}",
		"{\"kinds\":[\"xades\"]}",
		"{\"colour\":\"red\"}",
		"{\"levels\":[\"B-T\"],\"extra\":1}",
		"{\"levels\":[\"B-B\",\"B-T\",\"B-LT\",\"B-LTA\",\"B-B\"]}",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *out = NULL;
		enum tk_err rc = canon(bad[i], &out);
		if (rc == TK_OK)
			fail_msg("accepted bad rules %s as %s", bad[i], out);
		assert_null(out);
		assert_string_equal(tk_last_error()->code, "invalid_rules");
	}
}

static void test_limits(void **state)
{
	char buf[8192], *out = NULL;
	size_t n = 0, i;

	(void)state;
	/* More units than POLICY_MAX_UNITS. */
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "{\"units\":[");
	for (i = 0; i <= POLICY_MAX_UNITS; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s\"unit %zu\"", i ? "," : "", i);
	snprintf(buf + n, sizeof(buf) - n, "]}");
	assert_int_not_equal(canon(buf, &out), TK_OK);
	assert_null(out);
	/* A unit name over 128 bytes. */
	memset(buf, 0, sizeof(buf));
	memcpy(buf, "{\"units\":[\"", 11);
	memset(buf + 11, 'x', 129);
	memcpy(buf + 140, "\"]}", 3);
	assert_int_not_equal(canon(buf, &out), TK_OK);
	assert_null(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

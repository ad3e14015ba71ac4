/*
 * Unit tests for the redaction of the settings view (src/svc/settings):
 * which key names hide their whole value, and the credentials hidden inside
 * other values (URL user information, name=value parameters), including
 * odd and hostile shapes. The route itself is tested end to end by
 * tests/integration/test_staff_settings.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "svc/settings/settings.h"

#include <stdlib.h>
#include <string.h>

static void test_secret_names(void **state)
{
	static const char *const secret[] = { "password", "smtp_pass", "client_secret", "api_key", "KEY", "token", "pin_file", "pin", "db_pwd",
		"AccessToken" };
	static const char *const plain[] = { "key_alg", "leaf_key_alg", "key_usage", "ext_key_usage", "allowed_keys", "passphrase_min_length",
		"url", "store", "public_base_url", "validity_days", "name" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(secret) / sizeof(secret[0]); i++)
		assert_true(settings_key_is_secret(secret[i]));
	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		assert_false(settings_key_is_secret(plain[i]));
}

static void expect(const char *in, const char *want, int want_changed)
{
	struct buf b;
	const char *out = NULL;
	int changed = -1;

	assert_int_equal(settings_redact_value(in, &b, &changed), TK_OK);
	assert_int_equal(buf_cstr(&b, &out), TK_OK);
	assert_string_equal(out, want);
	assert_int_equal(changed, want_changed);
	buf_free(&b);
}

static void test_values(void **state)
{
	(void)state;
	expect("smtps://user:s3cret@mail.example.id:465", "smtps://user:[redacted]@mail.example.id:465", 1);
	expect("postgres://teken:p%40ss@db/teken?sslmode=require", "postgres://teken:[redacted]@db/teken?sslmode=require", 1);
	expect("postgresql://teken@db/teken?passfile=/etc/pgpass", "postgresql://[redacted]@db/teken?passfile=[redacted]", 1); /* cautious: any pass* parameter; a user part without ':' may be a token */
	expect("https://ghp_T0K3N@hooks.example.id/x", "https://[redacted]@hooks.example.id/x", 1);
	expect("host=db password = s3cret user=t", "host=db password = [redacted] user=t", 1); /* libpq allows blanks around '=' */
	expect("host=db pass%77ord=s3cret", "host=db pass%77ord=[redacted]", 1);               /* percent-escaped name */
	expect("host=db user=t password=abc sslmode=require", "host=db user=t password=[redacted] sslmode=require", 1);
	expect("host=db password='a b c' port=1", "host=db password='[redacted]' port=1", 1);
	expect("https://h/x?token=abc&next=1", "https://h/x?token=[redacted]&next=1", 1);
	expect("https://h/x?a=1#pw:x@y", "https://h/x?a=1#pw:x@y", 0); /* '@' after the authority is not user information */
	expect("user@example.id", "user@example.id", 0);
	expect("sqlite:teken.db", "sqlite:teken.db", 0);
	expect("", "", 0);
	expect("://:@", "://:@", 0); /* empty password: nothing to hide */
	expect("a://b:c@d e://f:g@h", "a://b:[redacted]@d e://f:[redacted]@h", 1);
	expect("=x password=", "=x password=", 0); /* no name, empty value */
	expect("password='unterminated", "password='[redacted]", 1);
	expect("secret=1,other=2", "secret=[redacted],other=2", 1);
}

static void test_long_value(void **state)
{
	char *v = malloc(8192);
	struct buf b;
	int changed = 0;

	(void)state;
	assert_non_null(v);
	memset(v, 'a', 8191);
	v[8191] = '\0';
	assert_int_equal(settings_redact_value(v, &b, &changed), TK_ERR_LIMIT);
	buf_free(&b);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_secret_names),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_long_value),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

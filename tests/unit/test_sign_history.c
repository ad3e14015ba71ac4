/*
 * Unit tests for sign_filename_clean (src/svc/sign/history.c): the name the
 * registry keeps for an uploaded file, from hostile multipart filenames.
 * The history query and re-download are tested end to end by
 * tests/integration/test_account.py (registry rows read with SQL).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "svc/sign/sign.h"

#include <string.h>

static void clean(const char *in, const char *want)
{
	char out[SIGN_FILENAME_MAX + 1];

	sign_filename_clean(in, out);
	assert_string_equal(out, want);
}

static void test_plain_and_paths(void **state)
{
	(void)state;
	clean("surat.pdf", "surat.pdf");
	clean("Surat Undangan Rapat.pdf", "Surat Undangan Rapat.pdf");
	clean("../../etc/passwd", "passwd");
	clean("C:\\Users\\siti\\nota.pdf", "nota.pdf");
	clean("dir/", "");
	clean("..", "");
	clean(" . ", "");
	clean("", "");
	clean(NULL, "");
}

static void test_bytes(void **state)
{
	(void)state;
	/* Control characters (header injection in a later Content-Disposition) become '_'. */
	clean("a\r\nb\tc\x7f.pdf", "a__b_c_.pdf");
	/* Valid UTF-8 stays, invalid sequences are replaced byte by byte. */
	clean("laporan-\xc3\xa9t\xc3\xa9.pdf", "laporan-\xc3\xa9t\xc3\xa9.pdf");
	clean("x\xc3(.pdf", "x_(.pdf");              /* truncated sequence */
	clean("x\xc0\xaf.pdf", "x__.pdf");           /* overlong '/' */
	clean("x\xed\xa0\x80.pdf", "x___.pdf");      /* UTF-16 surrogate */
	clean("x\xf4\x90\x80\x80.pdf", "x____.pdf"); /* past U+10FFFF */
	clean("\xf0\x9f\x93\x84.pdf", "\xf0\x9f\x93\x84.pdf");
}

static void test_length(void **state)
{
	char in[600], out[SIGN_FILENAME_MAX + 1];
	size_t i;

	(void)state;
	memset(in, 'a', 450);
	in[450] = '\0';
	sign_filename_clean(in, out);
	assert_int_equal(strlen(out), SIGN_FILENAME_MAX);
	/* A multi-byte character that does not fit whole is left out, never cut. */
	memset(in, 'a', SIGN_FILENAME_MAX - 1);
	memcpy(in + SIGN_FILENAME_MAX - 1, "\xc3\xa9\xc3\xa9", 5);
	sign_filename_clean(in, out);
	assert_int_equal(strlen(out), SIGN_FILENAME_MAX - 1);
	for (i = 0; i < strlen(out); i++)
		assert_int_equal(out[i], 'a');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_and_paths),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_length),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

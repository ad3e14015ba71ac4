/*
 * Unit tests for the multipart/form-data parser (src/http/multipart.c,
 * RFC 7578 and RFC 2046 5.1): boundaries plain and quoted, preambles and
 * padding, quoted parameters, missing and bad delimiters, line-ending
 * variants, limits, and what filename* and spoofed parameters do.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/core.h"
#include "http/multipart.h"

#include <stdlib.h>
#include <string.h>

static struct mp_form form; /* 32 parts of ~400 bytes: not on the stack of every test */

static enum tk_err parse(const char *ct, const char *body)
{
	tk_clear_error();
	return mp_parse(ct, (const uint8_t *)body, strlen(body), &form);
}

static void assert_part(const struct mp_part *p, const char *name, const char *filename, const char *data)
{
	assert_non_null(p);
	assert_string_equal(p->name, name);
	assert_string_equal(p->filename, filename);
	assert_int_equal(p->len, strlen(data));
	assert_memory_equal(p->data, data, p->len);
}

static void assert_bad(enum tk_err rc, const char *code)
{
	assert_int_not_equal(rc, TK_OK);
	assert_string_equal(tk_last_error()->code, code);
}

static void test_mp_basic(void **state)
{
	(void)state;
	assert_int_equal(parse("multipart/form-data; boundary=XyZ",
			     "--XyZ\r\n"
			     "Content-Disposition: form-data; name=\"reason\"\r\n\r\n"
			     "key compromise\r\n"
			     "--XyZ\r\n"
			     "Content-Disposition: form-data; name=\"file\"; filename=\"surat.pdf\"\r\n"
			     "Content-Type: application/pdf\r\n\r\n"
			     "%PDF-1.7\r\nbinary --XyZ inline\r\n"
			     "--XyZ--\r\n"),
	    TK_OK);
	assert_int_equal(form.n, 2);
	assert_part(mp_get(&form, "reason"), "reason", "", "key compromise");
	/* Data may hold CRLFs and the boundary text itself when it does not start a line. */
	assert_part(mp_get(&form, "file"), "file", "surat.pdf", "%PDF-1.7\r\nbinary --XyZ inline");
	assert_string_equal(mp_get(&form, "file")->content_type, "application/pdf");
	assert_null(mp_get(&form, "missing"));
	/* At the start of a line it is a delimiter (RFC 2046 5.1.1: senders choose a boundary the data lacks): refused. */
	assert_bad(parse("multipart/form-data; boundary=XyZ",
		       "--XyZ\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nbinary\r\n--XyZnot a delimiter\r\n--XyZ--\r\n"),
	    "malformed_multipart");
	/* An empty part is a part. */
	assert_int_equal(parse("multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=e\r\n\r\n\r\n--b--"), TK_OK);
	assert_part(mp_get(&form, "e"), "e", "", "");
}

static void test_mp_boundaries(void **state)
{
	char ct[128], body[256];

	(void)state;
	/* Quoted boundary with characters a token may not hold (RFC 2046 5.1.1 bchars include space). */
	assert_int_equal(parse("multipart/form-data; boundary=\"a b:c\"",
			     "--a b:c\r\nContent-Disposition: form-data; name=x\r\n\r\n1\r\n--a b:c--\r\n"),
	    TK_OK);
	assert_part(mp_get(&form, "x"), "x", "", "1");
	/* Parameters after the boundary, case-insensitive media type and parameter name. */
	assert_int_equal(parse("Multipart/Form-Data; BOUNDARY=q1; charset=utf-8",
			     "--q1\r\nContent-Disposition: form-data; name=x\r\n\r\n2\r\n--q1--"),
	    TK_OK);
	assert_part(mp_get(&form, "x"), "x", "", "2");
	/* A preamble before the first delimiter, transport padding after delimiters. */
	assert_int_equal(parse("multipart/form-data; boundary=p",
			     "This is a preamble.\r\n--p  \t\r\nContent-Disposition: form-data; name=x\r\n\r\n3\r\n--p--\r\nepilogue"),
	    TK_OK);
	assert_part(mp_get(&form, "x"), "x", "", "3");
	/* 70 characters is the most a boundary may have; 71 is refused. */
	memset(body, 'b', 71);
	body[70] = '\0';
	assert_int_equal(str_fmt(ct, sizeof(ct), "multipart/form-data; boundary=%s", body), TK_OK);
	{
		char full[400];
		assert_int_equal(str_fmt(full, sizeof(full), "--%s\r\nContent-Disposition: form-data; name=x\r\n\r\n4\r\n--%s--", body, body), TK_OK);
		assert_int_equal(parse(ct, full), TK_OK);
	}
	body[70] = 'b';
	body[71] = '\0';
	assert_int_equal(str_fmt(ct, sizeof(ct), "multipart/form-data; boundary=%s", body), TK_OK);
	assert_bad(parse(ct, "--x"), "malformed_multipart");
	/* No boundary, an empty one, another media type, no Content-Type at all. */
	assert_bad(parse("multipart/form-data", "--\r\n"), "malformed_multipart");
	assert_bad(parse("multipart/form-data; boundary=\"\"", "--\r\n"), "malformed_multipart");
	assert_bad(parse("multipart/mixed; boundary=b", "--b\r\n"), "unsupported_media_type");
	assert_bad(parse("application/json", "{}"), "unsupported_media_type");
	tk_clear_error();
	assert_int_not_equal(mp_parse(NULL, (const uint8_t *)"", 0, &form), TK_OK);
	/* A body that never names the boundary. */
	assert_bad(parse("multipart/form-data; boundary=b", "just text"), "malformed_multipart");
	assert_bad(parse("multipart/form-data; boundary=b", ""), "malformed_multipart");
}

static void test_mp_missing_final_boundary(void **state)
{
	(void)state;
	/* The last part never ends. */
	assert_bad(parse("multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=x\r\n\r\ndata without end"),
	    "malformed_multipart");
	/* It ends, but the close delimiter "--" never comes: the body was cut. */
	assert_bad(parse("multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=x\r\n\r\n1\r\n--b"),
	    "malformed_multipart");
	/* Headers that never end. */
	assert_bad(parse("multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=x\r\n"), "malformed_multipart");
	/* Only a close delimiter: no parts. */
	assert_bad(parse("multipart/form-data; boundary=b", "--b--\r\n"), "malformed_multipart");
}

static void test_mp_line_endings(void **state)
{
	(void)state;
	/* RFC 2046 5.1.1 delimiters are CRLF: bare LF bodies are refused, not half-parsed. */
	assert_bad(parse("multipart/form-data; boundary=b", "--b\nContent-Disposition: form-data; name=x\n\n1\n--b--\n"),
	    "malformed_multipart");
	/* CRLF on the delimiter line but LF-only header end: the header block never ends. */
	assert_bad(parse("multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=x\n\n1\r\n--b--\r\n"),
	    "malformed_multipart");
	/* A bare CR after the delimiter. */
	assert_bad(parse("multipart/form-data; boundary=b", "--b\rContent-Disposition: form-data; name=x\r\n\r\n1\r\n--b--"),
	    "malformed_multipart");
	/* A data LF before the delimiter belongs to the data. */
	assert_int_equal(parse("multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=x\r\n\r\nline\n\r\n--b--"),
	    TK_OK);
	assert_part(mp_get(&form, "x"), "x", "", "line\n");
}

static void test_mp_params(void **state)
{
	(void)state;
	/* Escapes in quoted strings; parameters without blanks; header names in any case. */
	assert_int_equal(parse("multipart/form-data; boundary=b",
			     "--b\r\ncontent-disposition: form-data;name=\"f\";filename=\"a\\\"b\\\\c.pdf\"\r\n"
			     "CONTENT-TYPE: application/pdf\r\n\r\nX\r\n--b--"),
	    TK_OK);
	assert_part(mp_get(&form, "f"), "f", "a\"b\\c.pdf", "X");
	assert_string_equal(form.parts[0].content_type, "application/pdf");
	/* A quoted file name holding "; name=" names no field: the real name stays. */
	assert_int_equal(parse("multipart/form-data; boundary=b",
			     "--b\r\nContent-Disposition: form-data; filename=\"x; name=evil\"; name=\"file\"\r\n\r\nX\r\n--b--"),
	    TK_OK);
	assert_part(mp_get(&form, "file"), "file", "x; name=evil", "X");
	assert_null(mp_get(&form, "evil"));
	/* "filename=" is not "name=", and "name*=" is not "name=". */
	assert_bad(parse("multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; filename=\"f.pdf\"\r\n\r\nX\r\n--b--"),
	    "malformed_multipart");
	assert_bad(parse("multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name*=UTF-8''x\r\n\r\nX\r\n--b--"),
	    "malformed_multipart");
	/*
	 * filename* (RFC 5987) MUST NOT be used in form data (RFC 7578 4.2): it
	 * is ignored, so the part carries only the plain filename, or none.
	 */
	assert_int_equal(parse("multipart/form-data; boundary=b",
			     "--b\r\nContent-Disposition: form-data; name=\"file\"; filename*=UTF-8''%E2%80%AE.pdf\r\n\r\nX\r\n--b--"),
	    TK_OK);
	assert_part(mp_get(&form, "file"), "file", "", "X");
	assert_int_equal(parse("multipart/form-data; boundary=b",
			     "--b\r\nContent-Disposition: form-data; name=\"file\"; filename*=UTF-8''evil.exe; filename=\"ok.pdf\"\r\n\r\nX\r\n--b--"),
	    TK_OK);
	assert_part(mp_get(&form, "file"), "file", "ok.pdf", "X");
	/* An unterminated quoted file name is refused; so is a part without Content-Disposition. */
	assert_bad(parse("multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=f; filename=\"open\r\n\r\nX\r\n--b--"),
	    "malformed_multipart");
	assert_bad(parse("multipart/form-data; boundary=b", "--b\r\nContent-Type: text/plain\r\n\r\nX\r\n--b--"), "malformed_multipart");
	/* The first part of a name wins in mp_get. */
	assert_int_equal(parse("multipart/form-data; boundary=b",
			     "--b\r\nContent-Disposition: form-data; name=x\r\n\r\n1\r\n--b\r\nContent-Disposition: form-data; name=x\r\n\r\n2\r\n--b--"),
	    TK_OK);
	assert_int_equal(form.n, 2);
	assert_part(mp_get(&form, "x"), "x", "", "1");
}

static void test_mp_limits(void **state)
{
	struct buf b;
	char name[300];
	size_t i;

	(void)state;
	/* MULTIPART_MAX_PARTS parts are fine, one more is 413-class too_many_parts. */
	buf_init(&b, 1 << 20);
	for (i = 0; i <= MULTIPART_MAX_PARTS; i++) {
		assert_int_equal(buf_printf(&b, "--b\r\nContent-Disposition: form-data; name=p%zu\r\n\r\n%zu\r\n", i, i), TK_OK);
		if (i == MULTIPART_MAX_PARTS - 1) {
			size_t keep = b.len;
			assert_int_equal(buf_puts(&b, "--b--"), TK_OK);
			tk_clear_error();
			assert_int_equal(mp_parse("multipart/form-data; boundary=b", b.p, b.len, &form), TK_OK);
			assert_int_equal(form.n, MULTIPART_MAX_PARTS);
			b.len = keep;
		}
	}
	assert_int_equal(buf_puts(&b, "--b--"), TK_OK);
	tk_clear_error();
	assert_int_equal(mp_parse("multipart/form-data; boundary=b", b.p, b.len, &form), TK_ERR_LIMIT);
	assert_string_equal(tk_last_error()->code, "too_many_parts");
	/* Part headers beyond MULTIPART_MAX_HEADER. */
	buf_reset(&b);
	assert_int_equal(buf_puts(&b, "--b\r\nContent-Disposition: form-data; name=x\r\nX-Pad: "), TK_OK);
	for (i = 0; i < MULTIPART_MAX_HEADER; i++)
		assert_int_equal(buf_putc(&b, 'a'), TK_OK);
	assert_int_equal(buf_puts(&b, "\r\n\r\nX\r\n--b--"), TK_OK);
	tk_clear_error();
	assert_int_not_equal(mp_parse("multipart/form-data; boundary=b", b.p, b.len, &form), TK_OK);
	assert_string_equal(tk_last_error()->code, "malformed_multipart");
	buf_free(&b);
	/* Names and file names longer than their fields: refused, never cut or overflowed. */
	memset(name, 'n', sizeof(name));
	name[sizeof(name) - 1] = '\0';
	{
		char body[800];
		assert_int_equal(str_fmt(body, sizeof(body), "--b\r\nContent-Disposition: form-data; name=\"%.64s\"\r\n\r\nX\r\n--b--", name), TK_OK);
		assert_bad(parse("multipart/form-data; boundary=b", body), "malformed_multipart");
		assert_int_equal(str_fmt(body, sizeof(body), "--b\r\nContent-Disposition: form-data; name=\"%.63s\"\r\n\r\nX\r\n--b--", name), TK_OK);
		assert_int_equal(parse("multipart/form-data; boundary=b", body), TK_OK);
		assert_int_equal(strlen(form.parts[0].name), 63);
		assert_int_equal(str_fmt(body, sizeof(body), "--b\r\nContent-Disposition: form-data; name=f; filename=\"%.256s\"\r\n\r\nX\r\n--b--", name),
		    TK_OK);
		assert_bad(parse("multipart/form-data; boundary=b", body), "malformed_multipart");
	}
	/* A long Content-Type is cut to its field, never past it. */
	{
		char body[400];
		assert_int_equal(str_fmt(body, sizeof(body), "--b\r\nContent-Disposition: form-data; name=f\r\nContent-Type: %.200s\r\n\r\nX\r\n--b--", name),
		    TK_OK);
		assert_int_equal(parse("multipart/form-data; boundary=b", body), TK_OK);
		assert_int_equal(strlen(form.parts[0].content_type), sizeof(form.parts[0].content_type) - 1);
	}
}

static void test_mp_binary_not_nul_terminated(void **state)
{
	/* The parser takes a length: data with NULs, and a body not followed by a NUL (ASan checks the reads). */
	static const char tmpl[] = "--b\r\nContent-Disposition: form-data; name=bin\r\n\r\nA\0B\0C\r\n--b--";
	uint8_t *p = malloc(sizeof(tmpl) - 1);

	(void)state;
	assert_non_null(p);
	memcpy(p, tmpl, sizeof(tmpl) - 1);
	tk_clear_error();
	assert_int_equal(mp_parse("multipart/form-data; boundary=b", p, sizeof(tmpl) - 1, &form), TK_OK);
	assert_int_equal(form.parts[0].len, 5);
	assert_memory_equal(form.parts[0].data, "A\0B\0C", 5);
	/* Every prefix of the body: an error or a result, never a read past the end. */
	{
		size_t n;
		for (n = 0; n < sizeof(tmpl) - 1; n++) {
			uint8_t *q = malloc(n ? n : 1);
			assert_non_null(q);
			memcpy(q, tmpl, n);
			tk_clear_error();
			if (mp_parse("multipart/form-data; boundary=b", q, n, &form) == TK_OK)
				assert_true(form.n > 0 && form.parts[0].data + form.parts[0].len <= q + n);
			free(q);
		}
	}
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mp_basic),
		cmocka_unit_test(test_mp_boundaries),
		cmocka_unit_test(test_mp_missing_final_boundary),
		cmocka_unit_test(test_mp_line_endings),
		cmocka_unit_test(test_mp_params),
		cmocka_unit_test(test_mp_limits),
		cmocka_unit_test(test_mp_binary_not_nul_terminated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

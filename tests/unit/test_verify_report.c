/*
 * Unit tests for the printable validation reports (src/verify/verify_html.c,
 * verify_pdfrep.c, verify_doc.c) and the PDF layer under them
 * (src/pdfgen): the HTML escaper against hostile input, byte for byte; a
 * report whose every document string is hostile rendered to HTML without
 * one live tag; the same report as a PDF (well formed, page breaks, long
 * unbroken strings, non-Latin-1 names, invalid UTF-8); pdfgen's limits and
 * misuse.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pdfgen/pdfgen.h"
#include "verify/verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define assert_ok(expr)                                                               \
	do {                                                                          \
		enum tk_err rc_ = (expr);                                             \
		if (rc_ != TK_OK)                                                     \
			fail_msg("%s failed (%d): %s", #expr, (int)rc_, tk_errmsg()); \
	} while (0)

static void esc_is(const char *in, const char *want)
{
	struct buf b;
	const char *s = NULL;

	buf_init(&b, 1u << 20);
	assert_ok(verify_html_escape(&b, in));
	assert_ok(buf_cstr(&b, &s));
	assert_string_equal(s, want);
	buf_free(&b);
}

static void test_escape_hostile(void **state)
{
	(void)state;
	esc_is("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;");
	esc_is("\" onmouseover=\"alert(1)", "&quot; onmouseover=&quot;alert(1)");
	esc_is("' onfocus='x", "&#39; onfocus=&#39;x");
	esc_is("&lt;already&gt;", "&amp;lt;already&amp;gt;");
	esc_is("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;");
	esc_is("]]><!--<x>-->", "]]&gt;&lt;!--&lt;x&gt;--&gt;");
	esc_is("Zoë Ελληνικά Şükrü", "Zoë Ελληνικά Şükrü");
	esc_is("", "");
	esc_is(NULL, "");
	esc_is("plain", "plain");
	esc_is("<<>>&&", "&lt;&lt;&gt;&gt;&amp;&amp;");
}

static void test_escape_long(void **state)
{
	size_t n = 100000, i;
	char *in = malloc(n + 1);
	struct buf b;

	(void)state;
	assert_non_null(in);
	for (i = 0; i < n; i++)
		in[i] = i % 2 ? '<' : 'a';
	in[n] = '\0';
	buf_init(&b, 1u << 20);
	assert_ok(verify_html_escape(&b, in));
	assert_int_equal(b.len, n / 2 + (n / 2) * 4);
	buf_free(&b);
	/* A buffer too small for the result: an error, never a cut escape. */
	buf_init(&b, 1000);
	assert_int_not_equal(verify_html_escape(&b, in), TK_OK);
	buf_free(&b);
	free(in);
}

#define HOSTILE_SIGNER "<img src=x onerror=alert(1)>"
#define HOSTILE_REASON "<script>alert(1)</script>"
#define HOSTILE_FIELD "\"><svg/onload=alert(1)>"

/* A report as the engine would fill it, every document string hostile. */
static struct verify_report *hostile_report(size_t nsigs, int utf8)
{
	struct verify_report *r = calloc(1, sizeof(*r));
	size_t i;

	assert_non_null(r);
	r->sigs = calloc(nsigs, sizeof(*r->sigs));
	r->changes = calloc(1, sizeof(*r->changes));
	assert_non_null(r->sigs);
	assert_non_null(r->changes);
	r->nsigs = nsigs;
	r->size = 12345;
	memset(r->sha256, 'a', 64);
	r->validation_time = 1796000000;
	r->pdf_major = 1;
	r->pdf_minor = 7;
	r->nrevisions = 3;
	r->ind = VERIFY_TOTAL_FAILED;
	r->sub = VERIFY_SUB_HASH_FAILURE;
	snprintf(r->notice, sizeof(r->notice), "notice <b>bold</b>");
	r->nchanges = 1;
	r->changes[0].revision = 2;
	r->changes[0].start = 100;
	r->changes[0].end = 200;
	r->changes[0].kinds = VERIFY_MOD_PAGE_CONTENT | VERIFY_MOD_ANNOTATION;
	r->changes[0].ndetails = 1;
	snprintf(r->changes[0].details[0], sizeof(r->changes[0].details[0]), "object 7 <changed>");
	r->changed_after_signing = 1;
	for (i = 0; i < nsigs; i++) {
		struct verify_sig *s = &r->sigs[i];
		size_t k;
		s->index = i + 1;
		snprintf(s->field, sizeof(s->field), "%s", HOSTILE_FIELD);
		snprintf(s->signer, sizeof(s->signer), "%s", utf8 ? "Zoë Ελληνικά \xff\xfe broken" : HOSTILE_SIGNER);
		/* One long unbroken string: it must wrap inside its cell. */
		for (k = 0; k < sizeof(s->signer_dn) - 1; k++)
			s->signer_dn[k] = (char)('A' + k % 26);
		snprintf(s->issuer_dn, sizeof(s->issuer_dn), "CN=Issuer </td></tr></table><script>x</script>");
		snprintf(s->reason, sizeof(s->reason), "%s", HOSTILE_REASON);
		snprintf(s->location, sizeof(s->location), "line1\nline2\ttab");
		snprintf(s->msg, sizeof(s->msg), "the digest does not match <%s>", "here");
		snprintf(s->level, sizeof(s->level), "PAdES-BASELINE-T");
		s->revision = 1;
		s->ind = VERIFY_TOTAL_FAILED;
		s->sub = VERIFY_SUB_HASH_FAILURE;
		s->has_signing_time = 1;
		s->signing_time = 1795000000;
		s->nchain = 2;
		snprintf(s->chain[0], sizeof(s->chain[0]), "CN=<leaf>");
		snprintf(s->chain[1], sizeof(s->chain[1]), "CN=root");
		s->rev = VERIFY_REV_GOOD;
		snprintf(s->rev_source, sizeof(s->rev_source), "registry");
		s->nts = 1;
		s->ts[0].ind = VERIFY_TOTAL_PASSED;
		s->ts[0].gen_time = 1795000001;
		snprintf(s->ts[0].tsa, sizeof(s->ts[0].tsa), "CN=<tsa>");
		for (k = 0; k < VERIFY_BB_COUNT_; k++) {
			s->bb[k].done = k <= VERIFY_BB_CV;
			s->bb[k].ind = k == VERIFY_BB_CV ? VERIFY_TOTAL_FAILED : VERIFY_TOTAL_PASSED;
			snprintf(s->bb[k].msg, sizeof(s->bb[k].msg), "block <%zu>", k);
		}
	}
	return r;
}

static void test_html_hostile(void **state)
{
	struct verify_report *r = hostile_report(2, 0);
	struct verify_doc_info info = { "<b>name</b>.pdf", "https://teken.example", "https://teken.example/v/abc", 0 };
	struct buf b;
	const char *s = NULL;

	(void)state;
	buf_init(&b, 16u << 20);
	assert_ok(verify_report_html(r, &info, &b));
	assert_ok(buf_cstr(&b, &s));
	/* No live markup from the document, and no script at all. */
	assert_null(strstr(s, "<script"));
	assert_null(strstr(s, "<img"));
	assert_null(strstr(s, "<svg"));
	assert_null(strstr(s, "<b>"));
	assert_null(strstr(s, "<changed>"));
	assert_null(strstr(s, "<leaf>"));
	assert_null(strstr(s, "</td></tr></table><script>"));
	assert_non_null(strstr(s, "&lt;img src=x onerror=alert(1)&gt;"));
	assert_non_null(strstr(s, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_non_null(strstr(s, "&quot;&gt;&lt;svg/onload=alert(1)&gt;"));
	assert_non_null(strstr(s, "&lt;b&gt;name&lt;/b&gt;.pdf"));
	assert_non_null(strstr(s, "line1<br>line2 tab"));
	/* Self-contained, with a CSP that forbids scripts and outside resources. */
	assert_non_null(strstr(s, "Content-Security-Policy"));
	assert_non_null(strstr(s, "default-src 'none'"));
	assert_null(strstr(s, "src=\"http"));
	assert_null(strstr(s, "href=\"http"));
	/* The verdict, both languages, and the document's hash. */
	assert_non_null(strstr(s, "TIDAK SAH / NOT VALID"));
	assert_non_null(strstr(s, "Sedikitnya satu tanda tangan TIDAK SAH."));
	assert_non_null(strstr(s, "At least one signature is NOT VALID."));
	assert_non_null(strstr(s, r->sha256));
	assert_non_null(strstr(s, "Laporan rinci / Detailed report"));
	assert_non_null(strstr(s, "https://teken.example/v/abc"));
	buf_free(&b);
	verify_report_free(r);
}

static void test_html_no_signature(void **state)
{
	struct verify_report *r = calloc(1, sizeof(*r));
	struct verify_doc_info info = { "plain.pdf", NULL, NULL, 0 };
	struct buf b;
	const char *s = NULL;

	(void)state;
	assert_non_null(r);
	r->no_signature = 1;
	r->ind = VERIFY_INDETERMINATE;
	memset(r->sha256, 'b', 64);
	buf_init(&b, 16u << 20);
	assert_ok(verify_report_html(r, &info, &b));
	assert_ok(buf_cstr(&b, &s));
	assert_non_null(strstr(s, "TIDAK ADA TANDA TANGAN / NO SIGNATURE"));
	assert_non_null(strstr(s, "tanpa instans / no instance"));
	buf_free(&b);
	verify_report_free(r);
}

static size_t count(const struct buf *b, const char *needle)
{
	size_t n = strlen(needle), i, c = 0;

	for (i = 0; i + n <= b->len; i++)
		if (memcmp(b->p + i, needle, n) == 0)
			c++;
	return c;
}

static int has(const struct buf *b, const char *needle)
{
	return count(b, needle) > 0;
}

/* The text of a PDF by poppler's pdftotext (an oracle outside our code; missing is a failure). Caller frees. */
static char *pdftotext(const struct buf *b)
{
	char tmpl[] = "/tmp/teken-vrep-XXXXXX", cmd[128];
	char *out = malloc(1u << 20);
	int fd = mkstemp(tmpl);
	FILE *f, *pp;
	size_t n;

	assert_non_null(out);
	assert_true(fd >= 0);
	f = fdopen(fd, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(b->p, 1, b->len, f), b->len);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "pdftotext -q %s - 2>/dev/null", tmpl);
	pp = popen(cmd, "r");
	assert_non_null(pp);
	n = fread(out, 1, (1u << 20) - 1, pp);
	out[n] = '\0';
	assert_int_equal(pclose(pp), 0);
	unlink(tmpl);
	return out;
}

static void test_pdf_report(void **state)
{
	struct verify_report *r = hostile_report(12, 1);
	struct verify_doc_info info = { "dokumen.pdf", NULL, NULL, 0 };
	struct buf b;

	(void)state;
	buf_init(&b, 64u << 20);
	assert_ok(verify_report_pdf(r, &info, &b));
	assert_true(b.len > 1000);
	assert_memory_equal(b.p, "%PDF-", 5);
	assert_true(has(&b, "%%EOF"));
	assert_true(has(&b, "/Type /Page"));
	/* Twelve signatures with long strings do not fit on one page. */
	assert_true(count(&b, "/Type /Page") - count(&b, "/Type /Pages") > 2);
	/* Oracle: pdftotext extracts the non-Latin-1 name (embedded DejaVu) and U+FFFD for the broken bytes. */
	{
		char *out = pdftotext(&b);
		assert_non_null(strstr(out, "Zoë Ελληνικά"));
		assert_non_null(strstr(out, "\xef\xbf\xbd"));
		assert_non_null(strstr(out, "TIDAK SAH / NOT VALID"));
		assert_non_null(strstr(out, "Halaman 1 /"));
		free(out);
	}
	buf_free(&b);
	verify_report_free(r);
}

static void test_pdfgen_flow(void **state)
{
	struct pdfgen *g = NULL;
	struct pdfgen_opts o = { "t", "a", "s", "footer", 0 };
	static const double w[3] = { 1, 2, 3 };
	static const char *const head[3] = { "A", "B", "C" };
	char big[3000];
	struct buf b;
	size_t i;

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_ok(pdfgen_new(&o, &g));
	assert_ok(pdfgen_heading(g, 1, "Judul / Title"));
	assert_ok(pdfgen_paragraph(g, big, 0, 0));
	assert_ok(pdfgen_paragraph(g, "invalid \xc3\x28 utf-8 \xed\xa0\x80 surrogate \xf0\x9f\x98\x80 emoji \x01 control", 0, 0));
	assert_ok(pdfgen_notice(g, PDFGEN_BAD, "Title", big));
	assert_ok(pdfgen_table_begin(g, 3, w, head));
	for (i = 0; i < 200; i++) {
		const char *cells[3] = { "row", big + (i % 2900), NULL };
		assert_ok(pdfgen_table_row(g, cells, (enum pdfgen_tone)(i % 5)));
	}
	assert_ok(pdfgen_table_end(g));
	assert_ok(pdfgen_kv(g, "key", "value"));
	assert_true(pdfgen_pages(g) > 3);
	/* Misuse is an error, not a crash. */
	assert_int_not_equal(pdfgen_table_end(g), TK_OK);
	assert_int_not_equal(pdfgen_table_row(g, head, PDFGEN_PLAIN), TK_OK);
	assert_int_not_equal(pdfgen_table_begin(g, PDFGEN_MAX_COLS + 1, w, NULL), TK_OK);
	buf_init(&b, 64u << 20);
	assert_ok(pdfgen_finish(g, &b));
	assert_memory_equal(b.p, "%PDF-", 5);
	assert_int_not_equal(pdfgen_paragraph(g, "after", 0, 0), TK_OK);
	assert_int_not_equal(pdfgen_finish(g, &b), TK_OK);
	buf_free(&b);
	pdfgen_free(g);
	pdfgen_free(NULL);
}

static void test_pdfgen_limits(void **state)
{
	struct pdfgen *g = NULL;
	struct pdfgen_opts o = { NULL, NULL, NULL, NULL, 1 };
	char *huge = malloc(PDFGEN_MAX_TEXT + 2);
	struct buf b;

	(void)state;
	assert_non_null(huge);
	memset(huge, 'y', PDFGEN_MAX_TEXT + 1);
	huge[PDFGEN_MAX_TEXT + 1] = '\0';
	/* The built-in font: Latin-1 only, the rest becomes '?'. */
	assert_ok(pdfgen_new(&o, &g));
	assert_int_equal(pdfgen_paragraph(g, huge, 0, 0), TK_ERR_LIMIT);
	assert_ok(pdfgen_paragraph(g, "Zoë Ελληνικά", 0, 0));
	buf_init(&b, 64u << 20);
	assert_ok(pdfgen_finish(g, &b));
	assert_memory_equal(b.p, "%PDF-", 5);
	buf_free(&b);
	pdfgen_free(g);
	free(huge);
}

/* Text that flows over page breaks while a table with a header is open: the header drawn again on each page must not disturb it. */
static void test_pdfgen_text_across_breaks(void **state)
{
	struct pdfgen *g = NULL;
	struct pdfgen_opts o = { NULL, NULL, NULL, "f", 0 };
	static const double w[2] = { 1, 1 };
	static const char *const head[2] = { "HEADONE", "HEADTWO" };
	struct buf text, b;
	char *out, word[32];
	size_t i;

	(void)state;
	buf_init(&text, 1u << 20);
	for (i = 0; i < 3000; i++)
		assert_ok(buf_printf(&text, "w%zu ", i));
	assert_ok(buf_putc(&text, '\0'));
	assert_ok(pdfgen_new(&o, &g));
	assert_ok(pdfgen_table_begin(g, 2, w, head));
	assert_ok(pdfgen_paragraph(g, (const char *)text.p, 0, 0));
	/* Notices draw after making room: a page break there repeats the header first. */
	for (i = 0; i < 80; i++) {
		const char *cells[2] = { "a", "b" };
		snprintf(word, sizeof(word), "notice%zu body", i);
		assert_ok(pdfgen_table_row(g, cells, PDFGEN_PLAIN));
		assert_ok(pdfgen_notice(g, PDFGEN_INFO, "T", word));
	}
	assert_ok(pdfgen_table_end(g));
	assert_true(pdfgen_pages(g) > 1);
	buf_init(&b, 64u << 20);
	assert_ok(pdfgen_finish(g, &b));
	out = pdftotext(&b);
	for (i = 0; i < 3000; i += 137) {
		snprintf(word, sizeof(word), "w%zu ", i);
		if (strstr(out, word) == NULL && (snprintf(word, sizeof(word), "w%zu\n", i), strstr(out, word) == NULL))
			fail_msg("word w%zu lost", i);
	}
	for (i = 0; i < 80; i++) {
		snprintf(word, sizeof(word), "notice%zu body", i);
		if (strstr(out, word) == NULL)
			fail_msg("notice %zu lost", i);
	}
	assert_non_null(strstr(out, "HEADONE"));
	free(out);
	buf_free(&b);
	buf_free(&text);
	pdfgen_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_hostile),
		cmocka_unit_test(test_escape_long),
		cmocka_unit_test(test_html_hostile),
		cmocka_unit_test(test_html_no_signature),
		cmocka_unit_test(test_pdf_report),
		cmocka_unit_test(test_pdfgen_flow),
		cmocka_unit_test(test_pdfgen_limits),
		cmocka_unit_test(test_pdfgen_text_across_breaks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Unit tests for the usage report's renderers (src/svc/report/render_*.c),
 * the zip writer under the CSV one (src/zip) and pdfgen's charts: the
 * sample report (tests/data/report/usage-sample.json, two units with a
 * comma, quotes and a non-ASCII dash in their names) in all three formats;
 * the same input makes the same CSV and XLSX bytes; CSV quoting and
 * formula injection; a report without units and one with 200 units and
 * very long names; malformed reports refused with TK_ERR_INVALID.
 *
 * With TEKEN_REPORT_OUT set to a directory, the rendered files are written
 * there for tests/integration/test_report_render.py, which judges them
 * with independent tools (python zipfile and csv, qpdf, pdftotext,
 * pdffonts, pdftoppm).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pdfgen/pdfgen.h"
#include "svc/report/render.h"
#include "svc/report/report_int.h"
#include "zip/zip.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define assert_ok(expr)                                                               \
	do {                                                                          \
		enum tk_err rc_ = (expr);                                             \
		if (rc_ != TK_OK)                                                     \
			fail_msg("%s failed (%d): %s", #expr, (int)rc_, tk_errmsg()); \
	} while (0)

#define OUT_MAX (128u * 1024u * 1024u)
static const char statement[] = "Dokumen ini telah ditandatangani secara elektronik menggunakan sertifikat elektronik yang diterbitkan oleh "
				"Balai Besar Sertifikasi Elektronik (BSrE), Badan Siber dan Sandi Negara.";

static json_t *load_sample(void)
{
	const char *src = getenv("TEKEN_SRC");
	char path[1024];
	uint8_t *p = NULL;
	size_t len = 0;
	json_error_t je;
	json_t *j;

	assert_non_null(src);
	assert_ok(str_fmt(path, sizeof(path), "%s/tests/data/report/usage-sample.json", src));
	assert_ok(file_read(path, 4u << 20, &p, &len));
	j = json_loadb((const char *)p, len, 0, &je);
	free(p);
	if (j == NULL)
		fail_msg("usage-sample.json: %s at line %d", je.text, je.line);
	return j;
}

/* Writes b to $TEKEN_REPORT_OUT/name when the integration test asks for the files. */
static void save(const char *name, const struct buf *b)
{
	const char *dir = getenv("TEKEN_REPORT_OUT");
	char path[1024];

	if (dir == NULL || dir[0] == '\0')
		return;
	assert_ok(path_join(path, sizeof(path), dir, name));
	assert_ok(file_write_atomic(path, b->p, b->len, 0644));
}

/* Renders rep in the three formats, checks their magic, saves them as <stem>.zip/.xlsx/.pdf. */
static void render_all(const json_t *rep, const char *stem, size_t *pdf_pages_hint)
{
	struct buf z, x, p;
	char name[128];

	buf_init(&z, OUT_MAX);
	buf_init(&x, OUT_MAX);
	buf_init(&p, OUT_MAX);
	assert_ok(report_render_csv_zip(rep, &z));
	assert_ok(report_render_xlsx(rep, &x));
	assert_ok(report_render_pdf(rep, statement, &p));
	assert_true(z.len > 22 && memcmp(z.p, "PK\x03\x04", 4) == 0);
	assert_true(x.len > 22 && memcmp(x.p, "PK\x03\x04", 4) == 0);
	assert_true(p.len > 1000 && memcmp(p.p, "%PDF-", 5) == 0);
	if (pdf_pages_hint != NULL)
		*pdf_pages_hint = p.len;
	snprintf(name, sizeof(name), "%s.zip", stem);
	save(name, &z);
	snprintf(name, sizeof(name), "%s.xlsx", stem);
	save(name, &x);
	snprintf(name, sizeof(name), "%s.pdf", stem);
	save(name, &p);
	buf_free(&z);
	buf_free(&x);
	buf_free(&p);
}

/* The CSV entry name of the zip z, NUL-terminated into a new buffer (caller frees). */
static char *csv_entry(const struct buf *z, const char *name)
{
	struct zip_item *it = NULL;
	size_t n = 0, i;
	char *s = NULL;

	assert_ok(zip_read(z->p, z->len, 16, 16u << 20, 64u << 20, &it, &n));
	for (i = 0; i < n; i++)
		if (strcmp(it[i].name, name) == 0) {
			s = calloc(1, it[i].data.len + 1);
			assert_non_null(s);
			memcpy(s, it[i].data.p, it[i].data.len);
		}
	zip_items_free(it, n);
	if (s == NULL)
		fail_msg("no %s in the zip", name);
	return s;
}

static void test_sample(void **state)
{
	static const char *const names[7] = { "totals.csv", "by_month.csv", "by_unit.csv", "by_application.csv", "revoked_by_reason.csv",
		"signing_failures_by_cause.csv", "verifikators.csv" };
	json_t *rep = load_sample();
	struct buf z;
	struct zip_item *it = NULL;
	size_t n = 0, i;
	char *csv;

	(void)state;
	render_all(rep, "usage-sample", NULL);
	buf_init(&z, OUT_MAX);
	assert_ok(report_render_csv_zip(rep, &z));
	assert_ok(zip_read(z.p, z.len, 16, 16u << 20, 64u << 20, &it, &n));
	assert_int_equal(n, 7);
	for (i = 0; i < 7; i++)
		assert_string_equal(it[i].name, names[i]);
	zip_items_free(it, n);
	/* RFC 4180: the comma and the quotes survive, quoted and doubled; the header in the documented order. */
	csv = csv_entry(&z, "by_unit.csv");
	assert_non_null(strstr(csv, "\r\n\"Dinas Pendidikan & Kebudayaan, Bagian \"\"Umum\"\"\",52,"));
	assert_non_null(strstr(csv, "\r\nSekretariat Jenderal \xE2\x80\x94 Biro Hukum,45,"));
	assert_true(strncmp(csv, "unit,certificates_issued,certificates_renewed,certificates_revoked,", 67) == 0);
	assert_non_null(strstr(csv, ",verifikator_median_decision_seconds,support_tickets,training_events,training_participants\r\n"));
	free(csv);
	csv = csv_entry(&z, "totals.csv");
	assert_true(strncmp(csv, "certificates_issued,", 20) == 0);
	assert_non_null(strstr(csv, "\r\n130,28,11,"));
	free(csv);
	csv = csv_entry(&z, "revoked_by_reason.csv");
	assert_string_equal(csv, "reason,count\r\naffiliationChanged,2\r\ncessationOfOperation,1\r\nkeyCompromise,3\r\nsuperseded,5\r\n");
	free(csv);
	csv = csv_entry(&z, "verifikators.csv");
	assert_non_null(strstr(csv, "\r\nVerifikator Cadangan,0,0,\r\n")); /* a null median: an empty cell */
	free(csv);
	buf_free(&z);
	json_decref(rep);
}

static void test_deterministic(void **state)
{
	json_t *rep = load_sample();
	struct buf a, b;

	(void)state;
	buf_init(&a, OUT_MAX);
	buf_init(&b, OUT_MAX);
	assert_ok(report_render_csv_zip(rep, &a));
	assert_ok(report_render_csv_zip(rep, &b));
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.p, b.p, a.len);
	buf_reset(&a);
	buf_reset(&b);
	assert_ok(report_render_xlsx(rep, &a));
	assert_ok(report_render_xlsx(rep, &b));
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.p, b.p, a.len);
	buf_free(&a);
	buf_free(&b);
	json_decref(rep);
}

static void test_csv_injection(void **state)
{
	json_t *rep = load_sample();
	json_t *units = json_object_get(rep, "by_unit");
	struct buf z;
	char *csv;

	(void)state;
	json_object_set_new(json_array_get(units, 0), "unit", json_string("=HYPERLINK(\"http://x.invalid\",\"klik\")"));
	json_object_set_new(json_array_get(units, 1), "unit", json_string("-2+3\r\nbaris dua"));
	buf_init(&z, OUT_MAX);
	assert_ok(report_render_csv_zip(rep, &z));
	csv = csv_entry(&z, "by_unit.csv");
	assert_non_null(strstr(csv, "\r\n\"'=HYPERLINK(\"\"http://x.invalid\"\",\"\"klik\"\")\",52,"));
	assert_non_null(strstr(csv, "\r\n\"'-2+3\r\nbaris dua\",45,"));
	free(csv);
	buf_free(&z);
	json_decref(rep);
}

/* Every renderer refuses rep with TK_ERR_INVALID (or TK_ERR_LIMIT when limit). */
static void refused(json_t *rep, int limit, const char *what)
{
	struct buf b;
	enum tk_err want = limit ? TK_ERR_LIMIT : TK_ERR_INVALID, rc;

	buf_init(&b, OUT_MAX);
	if ((rc = report_render_csv_zip(rep, &b)) != want)
		fail_msg("csv accepted or mis-refused %s: %d %s", what, (int)rc, tk_errmsg());
	if ((rc = report_render_xlsx(rep, &b)) != want)
		fail_msg("xlsx accepted or mis-refused %s: %d %s", what, (int)rc, tk_errmsg());
	if ((rc = report_render_pdf(rep, statement, &b)) != want)
		fail_msg("pdf accepted or mis-refused %s: %d %s", what, (int)rc, tk_errmsg());
	assert_int_equal(b.len, 0);
	buf_free(&b);
	json_decref(rep);
}

static void test_invalid(void **state)
{
	json_t *r, *a;
	size_t i;
	struct buf b;

	(void)state;
	refused(json_array(), 0, "an array");
	r = load_sample();
	json_object_del(r, "totals");
	refused(r, 0, "no totals");
	r = load_sample();
	json_object_set_new(json_object_get(r, "totals"), "documents_signed", json_string("12"));
	refused(r, 0, "a string count");
	r = load_sample();
	json_object_set_new(json_object_get(r, "totals"), "documents_signed", json_integer(-1));
	refused(r, 0, "a negative count");
	r = load_sample();
	json_object_set_new(json_object_get(r, "totals"), "documents_signed", json_real(3.5));
	refused(r, 0, "a fractional count");
	r = load_sample();
	json_object_set_new(json_object_get(r, "totals"), "documents_signed", json_integer(REPORT_MAX_COUNT + 1));
	refused(r, 0, "a count over 2^53");
	r = load_sample();
	json_object_del(json_array_get(json_object_get(r, "by_unit"), 1), "verifications_qr");
	refused(r, 0, "a unit row without a figure");
	r = load_sample();
	json_object_set_new(json_array_get(json_object_get(r, "by_unit"), 0), "unit", json_stringn("a\0b", 3));
	refused(r, 0, "a NUL in a unit name");
	r = load_sample();
	json_object_set_new(json_array_get(json_object_get(r, "by_unit"), 0), "unit", json_integer(3));
	refused(r, 0, "a number as unit name");
	r = load_sample();
	json_array_remove(json_object_get(r, "by_month"), 11);
	refused(r, 0, "11 months");
	r = load_sample();
	json_object_set_new(json_array_get(json_object_get(r, "by_month"), 3), "month", json_integer(5));
	refused(r, 0, "months out of order");
	r = load_sample();
	json_object_set_new(r, "schema", json_integer(2));
	refused(r, 0, "schema 2");
	r = load_sample();
	json_object_set_new(r, "generated_at", json_string("yesterday"));
	refused(r, 0, "a bad generated_at");
	r = load_sample();
	json_object_set_new(r, "year", json_integer(0));
	refused(r, 0, "year 0");
	r = load_sample();
	json_object_del(json_object_get(json_object_get(r, "instance"), "agreement"), "user_number");
	refused(r, 0, "no agreement number");
	r = load_sample();
	json_object_set_new(json_object_get(r, "breakdown"), "revoked_by_reason", json_array());
	refused(r, 0, "reasons as an array");
	r = load_sample();
	json_object_set_new(json_object_get(json_object_get(r, "breakdown"), "signing_failures_by_cause"), "x", json_true());
	refused(r, 0, "a cause count true");
	r = load_sample();
	json_object_set_new(json_array_get(json_object_get(json_object_get(r, "breakdown"), "verifikators"), 0), "median_decision_seconds",
	    json_string("1 jam"));
	refused(r, 0, "a median as text");
	r = load_sample();
	json_object_set_new(json_object_get(r, "totals"), REPORT_MEDIAN_KEY, json_real(-1.5)); /* jansson has no NaN */
	refused(r, 0, "a negative median");
	r = load_sample();
	{
		char big[REPORT_MAX_NAME + 2];
		memset(big, 'x', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		json_object_set_new(json_array_get(json_object_get(r, "by_unit"), 0), "unit", json_string(big));
	}
	refused(r, 0, "a unit name over the limit");
	r = load_sample();
	a = json_object_get(r, "by_unit");
	for (i = 0; i < REPORT_MAX_ROWS; i++)
		json_array_append(a, json_array_get(a, 0));
	refused(r, 1, "too many units");
	/* The PDF needs the statement. */
	r = load_sample();
	buf_init(&b, OUT_MAX);
	assert_int_equal(report_render_pdf(r, NULL, &b), TK_ERR_INVALID);
	assert_int_equal(report_render_pdf(r, "", &b), TK_ERR_INVALID);
	/* An output too small: an error, not a cut file. */
	buf_free(&b);
	buf_init(&b, 100);
	assert_int_not_equal(report_render_csv_zip(r, &b), TK_OK);
	assert_int_not_equal(report_render_xlsx(r, &b), TK_OK);
	assert_int_not_equal(report_render_pdf(r, statement, &b), TK_OK);
	buf_free(&b);
	json_decref(r);
}

static void test_empty(void **state)
{
	json_t *r = load_sample(), *bd;

	(void)state;
	json_object_set_new(r, "by_unit", json_array());
	json_object_set_new(r, "by_application", json_array());
	bd = json_object_get(r, "breakdown");
	json_object_set_new(bd, "revoked_by_reason", json_object());
	json_object_set_new(bd, "signing_failures_by_cause", json_object());
	json_object_set_new(bd, "verifikators", json_array());
	json_object_set_new(json_object_get(r, "totals"), REPORT_MEDIAN_KEY, json_null());
	json_object_set_new(json_object_get(r, "instance"), "organization", json_string(""));
	json_object_set_new(r, "unit", json_string("Biro Umum"));
	render_all(r, "usage-empty", NULL);
	json_decref(r);
}

/* A report made in June: the line of active certificates stops at June. */
static void test_mid_year(void **state)
{
	json_t *r = load_sample();
	size_t m;

	(void)state;
	json_object_set_new(r, "generated_at", json_string("2026-06-15T03:00:00Z"));
	for (m = 6; m < 12; m++)
		json_object_set_new(json_array_get(json_object_get(r, "by_month"), m), "certificates_active", json_integer(0));
	render_all(r, "usage-midyear", NULL);
	json_decref(r);
}

/* 200 units, one with a 3000-character name without a space and one with 400 words. */
static void test_many_units(void **state)
{
	json_t *r = load_sample(), *units, *tmpl;
	struct buf longname;
	char name[64];
	size_t i;

	(void)state;
	units = json_object_get(r, "by_unit");
	tmpl = json_deep_copy(json_array_get(units, 0));
	json_array_clear(units);
	buf_init(&longname, 1u << 20);
	for (i = 0; i < 200; i++) {
		json_t *u = json_deep_copy(tmpl);
		buf_reset(&longname);
		if (i == 7) {
			size_t k;
			for (k = 0; k < 1000; k++)
				assert_ok(buf_puts(&longname, "\xC3\xA9")); /* é: two bytes, within 1024 bytes with the prefix */
		} else if (i == 8) {
			size_t k;
			for (k = 0; k < 100; k++)
				assert_ok(buf_puts(&longname, "Bagian "));
		}
		snprintf(name, sizeof(name), "Unit %03zu ", i);
		{
			struct buf full;
			const char *s = NULL;
			buf_init(&full, 1u << 20);
			assert_ok(buf_puts(&full, name));
			assert_ok(buf_append(&full, longname.p, longname.len > 1000 ? 1000 : longname.len));
			assert_ok(buf_cstr(&full, &s));
			json_object_set_new(u, "unit", json_string(s));
			buf_free(&full);
		}
		json_object_set_new(u, "documents_signed", json_integer((json_int_t)i * 7));
		json_array_append_new(units, u);
	}
	json_decref(tmpl);
	buf_free(&longname);
	render_all(r, "usage-200", NULL);
	json_decref(r);
}

/* A figure a later schema-1 report adds: a column after the documented ones. */
static void test_added_key(void **state)
{
	json_t *r = load_sample();
	struct buf z;
	size_t i;
	char *csv;

	(void)state;
	json_object_set_new(json_object_get(r, "totals"), "zz_new_figure", json_integer(5));
	for (i = 0; i < 12; i++)
		json_object_set_new(json_array_get(json_object_get(r, "by_month"), i), "zz_new_figure", json_integer(0));
	for (i = 0; i < 2; i++) {
		json_object_set_new(json_array_get(json_object_get(r, "by_unit"), i), "zz_new_figure", json_integer(1));
		json_object_set_new(json_array_get(json_object_get(r, "by_application"), i), "zz_new_figure", json_integer(2));
	}
	buf_init(&z, OUT_MAX);
	assert_ok(report_render_csv_zip(r, &z));
	csv = csv_entry(&z, "totals.csv");
	assert_non_null(strstr(csv, ",training_participants,zz_new_figure\r\n"));
	assert_non_null(strstr(csv, ",5\r\n"));
	free(csv);
	buf_free(&z);
	/* ... and every row must then have it. */
	json_object_del(json_array_get(json_object_get(r, "by_unit"), 1), "zz_new_figure");
	refused(r, 0, "a unit without the added figure");
}

static void test_zip_write(void **state)
{
	static const uint8_t a[] = "alpha,beta\r\n1,2\r\n";
	struct zip_entry_in e[3] = { { "a.csv", a, sizeof(a) - 1 }, { "b/c.csv", a, 5 }, { "empty.txt", NULL, 0 } };
	struct zip_entry_in bad[2] = { { "x.csv", a, 1 }, { "x.csv", a, 2 } };
	struct zip_item *it = NULL;
	struct buf out;
	size_t n = 0;

	(void)state;
	buf_init(&out, 1u << 20);
	assert_ok(zip_write(e, 2, 1767225600, &out));
	assert_ok(zip_read(out.p, out.len, 4, 1024, 4096, &it, &n));
	assert_int_equal(n, 2);
	assert_string_equal(it[0].name, "a.csv");
	assert_int_equal(it[0].data.len, sizeof(a) - 1);
	assert_memory_equal(it[0].data.p, a, sizeof(a) - 1);
	assert_string_equal(it[1].name, "b/c.csv");
	assert_memory_equal(it[1].data.p, a, 5);
	zip_items_free(it, n);
	/* An empty entry is written (zip_read skips it as empty, by its own rule). */
	buf_reset(&out);
	assert_ok(zip_write(e, 3, 1767225600, &out));
	assert_int_equal(zip_write(bad, 2, 0, &out), TK_ERR_INVALID);
	bad[1].name = "../evil";
	assert_int_equal(zip_write(bad, 2, 0, &out), TK_ERR_INVALID);
	bad[1].name = "/abs";
	assert_int_equal(zip_write(bad, 2, 0, &out), TK_ERR_INVALID);
	bad[1].name = "";
	assert_int_equal(zip_write(bad, 2, 0, &out), TK_ERR_INVALID);
	bad[1].name = "tab\there";
	assert_int_equal(zip_write(bad, 2, 0, &out), TK_ERR_INVALID);
	buf_free(&out);
	buf_init(&out, 64);
	assert_int_equal(zip_write(e, 2, 0, &out), TK_ERR_LIMIT);
	assert_int_equal(out.len, 0);
	buf_free(&out);
}

static void test_nice_axis(void **state)
{
	double step, top;

	(void)state;
	pdfgen_nice_axis(0, 5, 1, &step, &top);
	assert_true(step == 1 && top == 1);
	pdfgen_nice_axis(7, 5, 1, &step, &top);
	assert_true(step == 2 && top == 8);
	pdfgen_nice_axis(1234, 5, 1, &step, &top);
	assert_true(step == 500 && top == 1500);
	pdfgen_nice_axis(10000, 5, 1, &step, &top);
	assert_true(step == 2000 && top == 10000);
	pdfgen_nice_axis(3, 5, 1, &step, &top);
	assert_true(step == 1 && top == 3);
	pdfgen_nice_axis(0.3, 5, 0, &step, &top);
	assert_true(fabs(step - 0.1) < 1e-12 && fabs(top - 0.3) < 1e-9);
	pdfgen_nice_axis(NAN, 5, 1, &step, &top);
	assert_true(step == 1 && top == 1);
}

static void test_chart_misuse(void **state)
{
	static const double v[3] = { 1, NAN, -5 };
	static const double nan3[3] = { NAN, NAN, NAN };
	static const char *const cats[3] = { "a", NULL, "a very long category label that cannot fit" };
	struct pdfgen_series s = { "seri", v };
	struct pdfgen_chart c;
	struct pdfgen_opts o = { .title = "t" };
	struct pdfgen *g = NULL;
	struct buf out;

	(void)state;
	assert_ok(pdfgen_new(&o, &g));
	memset(&c, 0, sizeof(c));
	c.ncats = 0;
	c.cats = cats;
	c.nseries = 1;
	c.series = &s;
	assert_int_equal(pdfgen_chart(g, &c), TK_ERR_INVALID);
	c.ncats = PDFGEN_CHART_MAX_CATS + 1;
	assert_int_equal(pdfgen_chart(g, &c), TK_ERR_INVALID);
	c.ncats = 3;
	c.nseries = 0;
	assert_int_equal(pdfgen_chart(g, &c), TK_ERR_INVALID);
	c.nseries = 1;
	c.kind = PDFGEN_CHART_STACKED;
	c.value_labels = 1;
	assert_ok(pdfgen_chart(g, &c));
	c.kind = PDFGEN_CHART_LINES;
	c.height = 10000;
	assert_ok(pdfgen_chart(g, &c));
	/* A line of NaN only: no point at all, and no error. */
	s.values = nan3;
	assert_ok(pdfgen_chart(g, &c));
	buf_init(&out, 8u << 20);
	assert_ok(pdfgen_finish(g, &out));
	assert_true(out.len > 100);
	buf_free(&out);
	pdfgen_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sample),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_csv_injection),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_mid_year),
		cmocka_unit_test(test_many_units),
		cmocka_unit_test(test_added_key),
		cmocka_unit_test(test_zip_write),
		cmocka_unit_test(test_nice_axis),
		cmocka_unit_test(test_chart_misuse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

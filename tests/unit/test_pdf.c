/*
 * Tests of src/pdf: objects and the lexer, xref tables and streams, hybrid,
 * linearised and incrementally updated files from independent producers
 * (tests/data/pdf, built by scripts/make-pdf-corpus.sh), hostile files, and
 * the incremental writer judged by qpdf --check, mutool draw and pdfinfo.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "pdf/pdf.h"
#include "pdf/pdf_int.h" /* the derived file key, for the known-answer tests */

#define OK(x) assert_int_equal((x), TK_OK)
#define CONTENT "q 0 0 1 rg 20 20 160 160 re f Q\n"

/* ---- helpers ---- */

static char *corpus_path(const char *name)
{
	const char *src = getenv("TEKEN_SRC");
	static char path[4096];

	if (src == NULL)
		src = ".";
	if (str_fmt(path, sizeof(path), "%s/tests/data/pdf/%s", src, name) != TK_OK)
		fail_msg("path too long");
	return path;
}

static uint8_t *load_file(const char *name, size_t *len)
{
	uint8_t *p = NULL;

	if (file_read(corpus_path(name), MAX_PDF_BYTES, &p, len) != TK_OK)
		fail_msg("cannot read %s: %s (run scripts/make-pdf-corpus.sh?)", name, tk_errmsg());
	return p;
}

/* Builds small PDFs in memory with a correct classic xref. */
struct pb {
	struct buf b;
	size_t off[128];
	unsigned n;
};

static void pb_begin(struct pb *pb)
{
	memset(pb, 0, sizeof(*pb));
	buf_init(&pb->b, 64u << 20);
	OK(buf_puts(&pb->b, "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"));
}

static void pb_obj(struct pb *pb, const char *body)
{
	pb->off[++pb->n] = pb->b.len;
	OK(buf_printf(&pb->b, "%u 0 obj\n%s\nendobj\n", pb->n, body));
}

static void pb_stream(struct pb *pb, const char *dict, const void *data, size_t len)
{
	pb->off[++pb->n] = pb->b.len;
	OK(buf_printf(&pb->b, "%u 0 obj\n<< %s /Length %zu >>\nstream\n", pb->n, dict, len));
	OK(buf_append(&pb->b, data, len));
	OK(buf_puts(&pb->b, "\nendstream\nendobj\n"));
}

static void pb_end(struct pb *pb, const char *extra)
{
	size_t x = pb->b.len;
	unsigned i;

	OK(buf_printf(&pb->b, "xref\n0 %u\n0000000000 65535 f\r\n", pb->n + 1));
	for (i = 1; i <= pb->n; i++)
		OK(buf_printf(&pb->b, "%010zu 00000 n\r\n", pb->off[i]));
	OK(buf_printf(&pb->b, "trailer\n<< /Size %u /Root 1 0 R %s >>\nstartxref\n%zu\n%%%%EOF\n", pb->n + 1,
	    extra ? extra : "", x));
}

/* Catalog, pages and one page with content stream 4: objects 1 to 4. */
static void pb_base(struct pb *pb)
{
	static const char content[] = "q 0 0 1 rg 20 20 160 160 re f Q\n";

	pb_begin(pb);
	pb_obj(pb, "<< /Type /Catalog /Pages 2 0 R >>");
	pb_obj(pb, "<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 200 200] >>");
	pb_obj(pb, "<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>");
	pb_stream(pb, "", content, sizeof(content) - 1);
}

static struct pdf_doc *load_buf(const struct buf *b)
{
	struct pdf_doc *d = NULL;

	if (pdf_doc_load(b->p, b->len, 0, &d) != TK_OK)
		fail_msg("load: %s", tk_errmsg());
	return d;
}

static const struct pdf_obj *obj(struct pdf_doc *d, uint32_t num)
{
	const struct pdf_obj *o = NULL;

	if (pdf_get_object(d, num, 0, &o) != TK_OK)
		fail_msg("object %u: %s", num, tk_errmsg());
	return o;
}

static void assert_str(const struct pdf_obj *o, const char *want)
{
	const uint8_t *p;
	size_t n;

	assert_true(pdf_as_string(o, &p, &n));
	assert_int_equal(n, strlen(want));
	assert_memory_equal(p, want, n);
}

/* Reads everything a consumer could touch; errors are fine, crashes are not. */
static void walk_all(struct pdf_doc *d)
{
	uint32_t num, n = pdf_xref_size(d);
	size_t np = 0, i;
	const struct pdf_revision *revs;
	size_t nrev;

	for (num = 0; num < n; num++) {
		struct pdf_xref_info xi;
		const struct pdf_obj *o;
		pdf_xref_get(d, num, &xi);
		if (xi.type != PDF_XREF_INUSE && xi.type != PDF_XREF_COMPRESSED)
			continue;
		if (pdf_get_object(d, num, xi.gen, &o) != TK_OK)
			continue;
		if (pdf_obj_type(o) == PDF_STREAM) {
			struct buf b;
			buf_init(&b, 16u << 20);
			if (pdf_stream_decode(d, o, &b) != TK_OK)
				tk_clear_error();
			buf_free(&b);
		}
	}
	if (pdf_page_count(d, &np) == TK_OK) {
		for (i = 0; i < np; i++) {
			const struct pdf_page *pg;
			OK(pdf_page_get(d, i, &pg));
		}
	}
	if (pdf_revisions(d, &revs, &nrev) != TK_OK)
		tk_clear_error();
}

/* ---- oracles ---- */

static bool have_tool(const char *t)
{
	char cmd[256];

	if (str_fmt(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", t) != TK_OK)
		return false;
	return system(cmd) == 0;
}

/* Runs cmd, keeps its output (stdout and stderr) in out; returns the exit status. */
static int run(const char *cmd, char *out, size_t outsz)
{
	char full[8192];
	FILE *f;
	size_t n = 0;
	int st;

	if (str_fmt(full, sizeof(full), "%s 2>&1", cmd) != TK_OK)
		return -1;
	if ((f = popen(full, "r")) == NULL)
		return -1;
	while (n + 1 < outsz) {
		size_t r = fread(out + n, 1, outsz - n - 1, f);
		if (r == 0)
			break;
		n += r;
	}
	out[n] = '\0';
	{
		char sink[4096];
		while (fread(sink, 1, sizeof(sink), f) > 0)
			;
	}
	st = pclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char tmpdir[64];

static int setup_tmp(void **state)
{
	(void)state;
	if (str_copy(tmpdir, sizeof(tmpdir), "/tmp/teken-pdf-XXXXXX") != TK_OK || mkdtemp(tmpdir) == NULL)
		return -1;
	return 0;
}

static int teardown_tmp(void **state)
{
	char cmd[128];

	(void)state;
	if (tmpdir[0] != '\0' && str_fmt(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir) == TK_OK && system(cmd) != 0)
		return -1;
	return 0;
}

/* ---- objects, lexer and serializer ---- */

static void test_objects(void **state)
{
	struct pb pb;
	struct pdf_doc *d;
	const struct pdf_obj *o, *v;
	const char *nm;
	size_t nl;
	int64_t i;
	double r;
	bool b;
	uint32_t rn;
	uint16_t rg;

	(void)state;
	pb_base(&pb);
	pb_obj(&pb, "<< /Lit (a\\(b\\)c\\\\d\\n\\101\\7x\\\r\nend) /Hex <48 65 6c6C 6f 7> /Nm /A#20B#2fc "
		    "/Int -42 /Real -.5 /Real2 3. /T true /F false /Nul null /Ref 4 0 R /Arr [1 [2 [3]] (s) /n 4 0 R 5] "
		    "/Dup 1 /Dup 2 /Nested << /K << /L [<<>>] >> >> /CR (a\r\nb\rc) >>");
	pb_end(&pb, NULL);
	d = load_buf(&pb.b);
	assert_null(pdf_doc_damage(d));
	assert_int_equal(pdf_xref_kind(d), PDF_XREF_TABLE);
	o = obj(d, 5);
	assert_int_equal(pdf_obj_type(o), PDF_DICT);
	assert_str(pdf_dict_get(o, "Lit"), "a(b)c\\d\nA\007xend");
	assert_str(pdf_dict_get(o, "Hex"), "Hello\x70");
	assert_true(pdf_as_name(pdf_dict_get(o, "Nm"), &nm, &nl));
	assert_int_equal(nl, 5);
	assert_memory_equal(nm, "A B/c", 5);
	assert_true(pdf_as_int(pdf_dict_get(o, "Int"), &i));
	assert_int_equal(i, -42);
	assert_true(pdf_as_real(pdf_dict_get(o, "Real"), &r));
	assert_true(r == -0.5);
	assert_true(pdf_as_real(pdf_dict_get(o, "Real2"), &r));
	assert_true(r == 3.0);
	assert_true(pdf_as_bool(pdf_dict_get(o, "T"), &b) && b);
	assert_true(pdf_as_bool(pdf_dict_get(o, "F"), &b) && !b);
	assert_true(pdf_is_null(pdf_dict_get(o, "Nul")));
	assert_true(pdf_as_ref(pdf_dict_get(o, "Ref"), &rn, &rg));
	assert_int_equal(rn, 4);
	assert_int_equal(rg, 0);
	v = pdf_dict_get(o, "Arr");
	assert_int_equal(pdf_array_len(v), 6);
	assert_int_equal(pdf_obj_type(pdf_array_get(v, 4)), PDF_REF);
	assert_int_equal(pdf_array_len(pdf_array_get(pdf_array_get(v, 1), 1)), 1);
	assert_null(pdf_array_get(v, 6));
	assert_true(pdf_as_int(pdf_dict_get(o, "Dup"), &i));
	assert_int_equal(i, 2); /* the last of duplicate keys wins */
	assert_str(pdf_dict_get(o, "CR"), "a\nb\nc");
	assert_null(pdf_dict_get(o, "Missing"));
	OK(pdf_dict_get_resolved(d, o, "Ref", &v));
	assert_int_equal(pdf_obj_type(v), PDF_STREAM);
	/* Serialize, parse back, serialize again: the same bytes. */
	{
		struct buf s1, s2;
		struct pb pb2;
		struct pdf_doc *d2;
		buf_init(&s1, 1u << 20);
		buf_init(&s2, 1u << 20);
		OK(pdf_obj_serialize(o, &s1));
		OK(buf_putc(&s1, '\0'));
		pb_base(&pb2);
		pb_obj(&pb2, (const char *)s1.p);
		pb_end(&pb2, NULL);
		d2 = load_buf(&pb2.b);
		OK(pdf_obj_serialize(obj(d2, 5), &s2));
		assert_int_equal(s1.len - 1, s2.len);
		assert_memory_equal(s1.p, s2.p, s2.len);
		pdf_doc_free(d2);
		buf_free(&pb2.b);
		buf_free(&s1);
		buf_free(&s2);
	}
	pdf_doc_free(d);
	buf_free(&pb.b);
}

static void test_serialize_golden(void **state)
{
	struct pb pb;
	struct pdf_doc *d;
	struct pdf_update *u;
	struct pdf_obj *dict, *arr;
	struct buf s;
	static const char want[] = "<</A [1 -2.5 0.125 (p\\(q\\)) <00ff> /N#20#23 3 0 R true null] /Z <<>>>>";

	(void)state;
	pb_base(&pb);
	pb_end(&pb, NULL);
	d = load_buf(&pb.b);
	OK(pdf_update_new(d, &u));
	dict = pdf_new_dict(u);
	arr = pdf_new_array(u);
	OK(pdf_dict_set(u, dict, "Z", pdf_new_dict(u)));
	OK(pdf_dict_set(u, dict, "A", arr));
	OK(pdf_array_push(u, arr, pdf_new_int(u, 1)));
	OK(pdf_array_push(u, arr, pdf_new_real(u, -2.5)));
	OK(pdf_array_push(u, arr, pdf_new_real(u, 0.125)));
	OK(pdf_array_push(u, arr, pdf_new_string(u, (const uint8_t *)"p(q)", 4)));
	OK(pdf_array_push(u, arr, pdf_new_string(u, (const uint8_t *)"\x00\xff", 2)));
	OK(pdf_array_push(u, arr, pdf_new_name(u, "N #")));
	OK(pdf_array_push(u, arr, pdf_new_ref(u, 3, 0)));
	OK(pdf_array_push(u, arr, pdf_new_bool(u, true)));
	OK(pdf_array_push(u, arr, pdf_new_null(u)));
	OK(pdf_dict_set(u, dict, "Gone", pdf_new_int(u, 9)));
	OK(pdf_dict_del(u, dict, "Gone"));
	buf_init(&s, 4096);
	OK(pdf_obj_serialize(dict, &s));
	assert_int_equal(s.len, strlen(want));
	assert_memory_equal(s.p, want, s.len);
	/* NULL from a failed constructor is refused, never written. */
	assert_int_not_equal(pdf_dict_set(u, dict, "X", NULL), TK_OK);
	assert_int_not_equal(pdf_update_set_object(u, 9, 0, NULL), TK_OK);
	/* Objects read from a document cannot be changed in place. */
	assert_int_not_equal(pdf_dict_set(u, (struct pdf_obj *)(uintptr_t)obj(d, 1), "X", pdf_new_int(u, 1)), TK_OK);
	/* Cycles made by a caller stop at the nesting limit. */
	OK(pdf_array_push(u, arr, arr));
	buf_reset(&s);
	assert_int_equal(pdf_obj_serialize(dict, &s), TK_ERR_LIMIT);
	buf_free(&s);
	pdf_update_free(u);
	pdf_doc_free(d);
	buf_free(&pb.b);
}

/* ---- filters ---- */

static void deflate_buf(const uint8_t *in, size_t n, struct buf *out)
{
	uLongf zl = compressBound(n);

	OK(buf_reserve(out, zl));
	assert_int_equal(compress2(out->p + out->len, &zl, in, n, 9), Z_OK);
	out->len += zl;
}

static void check_decode(struct pdf_doc *d, uint32_t num, const void *want, size_t n)
{
	struct buf b;

	buf_init(&b, 1u << 20);
	if (pdf_stream_decode(d, obj(d, num), &b) != TK_OK)
		fail_msg("decode %u: %s", num, tk_errmsg());
	assert_int_equal(b.len, n);
	assert_memory_equal(b.p, want, n);
	buf_free(&b);
}

static void test_filters(void **state)
{
	struct pb pb;
	struct pdf_doc *d;
	struct buf z, enc;
	uint8_t img[3 * 4 * 3], raw[3 * (1 + 4 * 3)];
	size_t i, r;
	struct buf b;

	(void)state;
	for (i = 0; i < sizeof(img); i++)
		img[i] = (uint8_t)(i * 37 + 11);
	pb_base(&pb);
	/* 5: AHx */
	pb_stream(&pb, "/Filter /ASCIIHexDecode", "48656C6c 6f7>", 13);
	/* 6: A85 */
	pb_stream(&pb, "/Filter /ASCII85Decode", "9jqo^BlbD-BleB1DJ+*+F(f,q~>", 27);
	/* 7: TIFF predictor 2, 3 colours, 4 columns, 3 rows */
	buf_init(&enc, 1u << 20);
	for (r = 0; r < 3; r++)
		for (i = 0; i < 12; i++)
			OK(buf_putc(&enc, (uint8_t)(img[r * 12 + i] - (i >= 3 ? img[r * 12 + i - 3] : 0))));
	buf_init(&z, 64u << 20);
	deflate_buf(enc.p, enc.len, &z);
	pb_stream(&pb, "/Filter /FlateDecode /DecodeParms << /Predictor 2 /Colors 3 /Columns 4 >>", z.p, z.len);
	/* 8: PNG predictors: rows with Sub, Up and Paeth (filter bytes 1, 2, 4) */
	{
		static const uint8_t ft[3] = { 1, 2, 4 };
		size_t k = 0;
		for (r = 0; r < 3; r++) {
			raw[k++] = ft[r];
			for (i = 0; i < 12; i++) {
				uint8_t a = i >= 3 ? img[r * 12 + i - 3] : 0, bb = r > 0 ? img[(r - 1) * 12 + i] : 0,
					c = (i >= 3 && r > 0) ? img[(r - 1) * 12 + i - 3] : 0, pr = 0;
				if (ft[r] == 1)
					pr = a;
				else if (ft[r] == 2)
					pr = bb;
				else {
					int p = a + bb - c, pa = abs(p - a), pbv = abs(p - bb), pc = abs(p - c);
					pr = (pa <= pbv && pa <= pc) ? a : (pbv <= pc ? bb : c);
				}
				raw[k++] = (uint8_t)(img[r * 12 + i] - pr);
			}
		}
		buf_reset(&z);
		deflate_buf(raw, k, &z);
	}
	pb_stream(&pb, "/Filter [/FlateDecode] /DecodeParms [<< /Predictor 12 /Colors 3 /Columns 4 >>]", z.p, z.len);
	/* 9: an unsupported filter; 10: a chain longer than MAX_PDF_FILTERS; 11: corrupt Flate */
	pb_stream(&pb, "/Filter /DCTDecode", "\xff\xd8", 2);
	pb_stream(&pb, "/Filter [/AHx /AHx /AHx /AHx /AHx /AHx /AHx /AHx /AHx]", "00>", 3);
	pb_stream(&pb, "/Filter /FlateDecode", "\x78\x9c\xff\xff\xff\xff", 6);
	/* 12: a bomb of 50 MB of zeros */
	{
		uint8_t *zeros = calloc(1, 50u << 20);
		assert_non_null(zeros);
		buf_reset(&z);
		deflate_buf(zeros, 50u << 20, &z);
		free(zeros);
	}
	pb_stream(&pb, "/Filter /FlateDecode", z.p, z.len);
	pb_end(&pb, NULL);
	d = load_buf(&pb.b);
	check_decode(d, 5, "Hello\x70", 6);
	check_decode(d, 6, "Man is distinguished", 20);
	check_decode(d, 7, img, sizeof(img));
	check_decode(d, 8, img, sizeof(img));
	buf_init(&b, 1u << 20);
	assert_int_equal(pdf_stream_decode(d, obj(d, 9), &b), TK_ERR_INVALID);
	assert_string_equal(tk_last_error()->code, "pdf_unsupported_filter");
	assert_non_null(strstr(tk_errmsg(), "DCTDecode"));
	assert_int_equal(pdf_stream_decode(d, obj(d, 10), &b), TK_ERR_LIMIT);
	assert_int_equal(pdf_stream_decode(d, obj(d, 11), &b), TK_ERR_INVALID);
	assert_non_null(strstr(tk_errmsg(), "ISO 32000-1 7.4.4"));
	assert_int_equal(pdf_stream_decode(d, obj(d, 12), &b), TK_ERR_LIMIT);
	assert_non_null(strstr(tk_errmsg(), "MAX_INFLATE"));
	buf_free(&b);
	pdf_doc_free(d);
	buf_free(&z);
	buf_free(&enc);
	buf_free(&pb.b);
}

/* ---- corpus: good files ---- */

struct good {
	const char *name;
	size_t pages;
	enum pdf_xref_kind kind;
	size_t revisions;
};

static const struct good goods[] = {
	{ "gs-3pages.pdf", 3, PDF_XREF_TABLE, 1 },
	{ "gs-a85.pdf", 3, PDF_XREF_TABLE, 1 },
	{ "gs-pdf13.pdf", 3, PDF_XREF_TABLE, 1 },
	{ "qpdf-objstm.pdf", 3, PDF_XREF_STREAM, 1 },
	{ "qpdf-linear.pdf", 3, PDF_XREF_TABLE, 1 },
	{ "qpdf-linear-objstm.pdf", 3, PDF_XREF_STREAM, 1 },
	{ "qpdf-qdf.pdf", 3, PDF_XREF_TABLE, 1 },
	{ "qpdf-4pages.pdf", 4, PDF_XREF_TABLE, 1 },
	{ "mu-create.pdf", 2, PDF_XREF_TABLE, 1 },
	{ "mu-ahx.pdf", 2, PDF_XREF_TABLE, 1 },
	{ "mu-clean.pdf", 3, PDF_XREF_TABLE, 1 },
	{ "mu-incr2.pdf", 3, PDF_XREF_TABLE, 2 },
	{ "mu-incr3.pdf", 3, PDF_XREF_TABLE, 3 },
	{ "mu-incr-objstm.pdf", 3, PDF_XREF_STREAM, 2 },
	{ "mu-incr-linear.pdf", 3, PDF_XREF_TABLE, 2 },
	{ "hw-minimal.pdf", 1, PDF_XREF_TABLE, 1 },
	{ "hw-inherit.pdf", 3, PDF_XREF_TABLE, 1 },
	{ "hw-hybrid.pdf", 1, PDF_XREF_HYBRID, 1 },
	{ "hw-freelist.pdf", 1, PDF_XREF_TABLE, 2 },
	{ "hw-filters.pdf", 1, PDF_XREF_TABLE, 1 },
	{ "hw-eof-garbage.pdf", 3, PDF_XREF_TABLE, 1 },
	{ "hw-no-eol.pdf", 3, PDF_XREF_TABLE, 1 },
};

static void test_good_corpus(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(goods) / sizeof(goods[0]); i++) {
		const struct good *g = &goods[i];
		size_t len, np, nrev, k;
		uint8_t *p = load_file(g->name, &len);
		struct pdf_doc *d = NULL;
		const struct pdf_revision *revs;
		const struct pdf_obj *cat;
		uint32_t num;

		if (pdf_doc_load(p, len, PDF_LOAD_NO_REPAIR, &d) != TK_OK)
			fail_msg("%s: %s", g->name, tk_errmsg());
		if (pdf_doc_damage(d) != NULL)
			fail_msg("%s: damaged: %s", g->name, pdf_doc_damage(d));
		assert_int_equal(pdf_xref_kind(d), g->kind);
		OK(pdf_catalog(d, &cat));
		assert_true(pdf_name_is(pdf_dict_get(cat, "Type"), "Catalog"));
		if (pdf_page_count(d, &np) != TK_OK)
			fail_msg("%s: %s", g->name, tk_errmsg());
		if (np != g->pages)
			fail_msg("%s: %zu pages, want %zu", g->name, np, g->pages);
		OK(pdf_revisions(d, &revs, &nrev));
		if (nrev != g->revisions)
			fail_msg("%s: %zu revisions, want %zu", g->name, nrev, g->revisions);
		for (k = 1; k < nrev; k++)
			assert_true(revs[k].end > revs[k - 1].end);
		assert_true(revs[nrev - 1].end <= len);
		/* Every object of a good file reads, and every stream decodes. */
		for (num = 1; num < pdf_xref_size(d); num++) {
			struct pdf_xref_info xi;
			const struct pdf_obj *o;
			pdf_xref_get(d, num, &xi);
			if (xi.type != PDF_XREF_INUSE && xi.type != PDF_XREF_COMPRESSED)
				continue;
			if (pdf_get_object(d, num, xi.gen, &o) != TK_OK)
				fail_msg("%s: object %u: %s", g->name, num, tk_errmsg());
			if (pdf_obj_type(o) == PDF_STREAM) {
				struct buf b;
				buf_init(&b, 64u << 20);
				if (pdf_stream_decode(d, o, &b) != TK_OK)
					fail_msg("%s: decode %u: %s", g->name, num, tk_errmsg());
				buf_free(&b);
			}
		}
		/* Each revision loads on its own, with one revision fewer than the next. */
		for (k = 0; k + 1 < nrev; k++) {
			struct pdf_doc *old = NULL;
			const struct pdf_revision *orevs;
			size_t on;
			if (pdf_doc_load(p, revs[k].end, PDF_LOAD_NO_REPAIR, &old) != TK_OK)
				fail_msg("%s: revision %zu: %s", g->name, k, tk_errmsg());
			OK(pdf_revisions(old, &orevs, &on));
			assert_int_equal(on, k + 1);
			pdf_doc_free(old);
		}
		pdf_doc_free(d);
		free(p);
	}
}

static void test_inherit_and_special(void **state)
{
	size_t len, np;
	uint8_t *p;
	struct pdf_doc *d;
	const struct pdf_page *pg;
	const struct pdf_obj *o, *info;
	struct pdf_xref_info xi;
	unsigned maj, min;

	(void)state;
	p = load_file("hw-inherit.pdf", &len);
	OK(pdf_doc_load(p, len, 0, &d));
	pdf_doc_version(d, &maj, &min);
	assert_int_equal(maj, 1);
	assert_int_equal(min, 5);
	OK(pdf_page_count(d, &np));
	assert_int_equal(np, 3);
	OK(pdf_page_get(d, 0, &pg));
	assert_int_equal(pg->num, 6);
	assert_true(pg->media_box[2] == 100 && pg->media_box[3] == 100);
	assert_true(pg->crop_box[2] == 100);
	assert_int_equal(pg->rotate, 180);
	assert_non_null(pg->resources);
	OK(pdf_page_get(d, 1, &pg));
	assert_int_equal(pg->num, 7);
	assert_true(pg->media_box[2] == 500 && pg->media_box[3] == 700);
	assert_int_equal(pg->rotate, 270);
	OK(pdf_page_get(d, 2, &pg));
	assert_int_equal(pg->num, 3);
	assert_true(pg->crop_box[0] == 10 && pg->crop_box[3] == 600);
	assert_int_equal(pg->rotate, 0);
	assert_non_null(pg->resources);
	assert_int_equal(pdf_page_get(d, 3, &pg), TK_ERR_NOT_FOUND);
	pdf_doc_free(d);
	free(p);

	/* Hybrid: /Info lives in an object stream listed only by /XRefStm. */
	p = load_file("hw-hybrid.pdf", &len);
	OK(pdf_doc_load(p, len, PDF_LOAD_NO_REPAIR, &d));
	OK(pdf_dict_get_resolved(d, pdf_trailer(d), "Info", &info));
	assert_str(pdf_dict_get(info, "Title"), "Hybrid file");
	pdf_xref_get(d, 5, &xi);
	assert_int_equal(xi.type, PDF_XREF_COMPRESSED);
	assert_int_equal(xi.stm, 6);
	pdf_doc_free(d);
	free(p);

	/* Free list: object 5 was deleted by the second revision. */
	p = load_file("hw-freelist.pdf", &len);
	OK(pdf_doc_load(p, len, PDF_LOAD_NO_REPAIR, &d));
	pdf_xref_get(d, 5, &xi);
	assert_int_equal(xi.type, PDF_XREF_FREE);
	assert_int_equal(xi.gen, 1);
	pdf_xref_get(d, 0, &xi);
	assert_int_equal(xi.type, PDF_XREF_NONE);
	assert_int_equal(pdf_get_object(d, 5, 0, &o), TK_ERR_NOT_FOUND);
	pdf_doc_free(d);
	free(p);

	/* Content through [/ASCIIHexDecode /FlateDecode] and [/ASCII85Decode /FlateDecode]. */
	p = load_file("hw-filters.pdf", &len);
	OK(pdf_doc_load(p, len, 0, &d));
	check_decode(d, 4, CONTENT, strlen(CONTENT));
	pdf_doc_free(d);
	free(p);
	p = load_file("gs-a85.pdf", &len);
	OK(pdf_doc_load(p, len, 0, &d));
	{
		const struct pdf_page *pg0;
		const struct pdf_obj *c;
		struct buf b;
		OK(pdf_page_get(d, 0, &pg0));
		OK(pdf_dict_get_resolved(d, pg0->dict, "Contents", &c));
		buf_init(&b, 1u << 20);
		OK(pdf_stream_decode(d, c, &b));
		OK(buf_putc(&b, 0));
		assert_non_null(strstr((const char *)b.p, "Tj"));
		buf_free(&b);
	}
	pdf_doc_free(d);
	free(p);
}

/* ---- a revision appended right after "%%EOF", without an end-of-line ---- */

/* Appends "N 0 obj body endobj" and records its offset. */
static void put_obj(struct buf *b, size_t *offs, unsigned num, const char *body)
{
	offs[num] = b->len;
	OK(buf_printf(b, "%u 0 obj\n%s\nendobj\n", num, body));
}

static void test_eof_without_eol(void **state)
{
	struct buf b;
	size_t offs[8] = { 0 }, x1, x2, n, i;
	struct pdf_doc *d;
	const struct pdf_revision *revs;
	const struct pdf_obj *o, *info;
	int broken;

	(void)state;
	for (broken = 0; broken < 2; broken++) {
		buf_init(&b, 1u << 16);
		OK(buf_printf(&b, "%%PDF-1.7\n"));
		put_obj(&b, offs, 1, "<< /Type /Catalog /Pages 2 0 R >>");
		put_obj(&b, offs, 2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
		put_obj(&b, offs, 3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 100 100] >>");
		x1 = b.len;
		OK(buf_printf(&b, "xref\n0 4\n0000000000 65535 f \n"));
		for (i = 1; i <= 3; i++)
			OK(buf_printf(&b, "%010zu 00000 n \n", offs[i]));
		OK(buf_printf(&b, "trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n%zu\n%%%%EOF", x1));
		/* The second revision starts at once: "%%EOF4 0 obj". */
		put_obj(&b, offs, 4, "<< /Title (kedua) >>");
		x2 = b.len;
		OK(buf_printf(&b, "xref\n4 1\n%010zu 00000 n \ntrailer\n<< /Size 5 /Root 1 0 R /Info 4 0 R /Prev %zu >>\nstartxref\n%zu\n%%%%EOF\n",
		    offs[4], x1, broken ? (size_t)7 : x2));
		assert_non_null(memmem(b.p, b.len, "%%EOF4 0 obj", 12));
		OK(pdf_doc_load(b.p, b.len, broken ? 0 : PDF_LOAD_NO_REPAIR, &d));
		assert_int_equal(pdf_xref_kind(d), broken ? PDF_XREF_REBUILT : PDF_XREF_TABLE);
		/* Rebuilding by scanning finds the object glued to "%%EOF" too. */
		OK(pdf_get_object(d, 4, 0, &o));
		OK(pdf_dict_get_resolved(d, pdf_trailer(d), "Info", &info));
		assert_str(pdf_dict_get(info, "Title"), "kedua");
		OK(pdf_revisions(d, &revs, &n));
		assert_int_equal(n, 2); /* rebuilt: any startxref inside the file closes a revision */
		/* The first revision ends where its %%EOF ends: no end-of-line belongs to it. */
		assert_int_equal(revs[0].eof, offs[4]);
		assert_int_equal(revs[0].end, offs[4]);
		x1 = revs[0].end;
		pdf_doc_free(d);
		if (!broken) {
			OK(pdf_doc_load(b.p, x1, PDF_LOAD_NO_REPAIR, &d));
			assert_int_equal(pdf_get_object(d, 4, 0, &o), TK_ERR_NOT_FOUND);
			pdf_doc_free(d);
		}
		buf_free(&b);
	}
}

/* ---- corpus: hostile files ---- */

static struct pdf_doc *try_load(const char *name, unsigned flags, enum tk_err *rc, uint8_t **p)
{
	size_t len;
	struct pdf_doc *d = NULL;

	*p = load_file(name, &len);
	*rc = pdf_doc_load(*p, len, flags, &d);
	if (d != NULL)
		walk_all(d);
	return d;
}

static void expect_load_fail(const char *name, enum tk_err err, const char *code, const char *msgpart)
{
	enum tk_err rc;
	uint8_t *p;
	struct pdf_doc *d = try_load(name, 0, &rc, &p);

	if (rc != err)
		fail_msg("%s: got %d (%s), want %d", name, rc, tk_errmsg(), err);
	assert_null(d);
	if (code != NULL)
		assert_string_equal(tk_last_error()->code, code);
	if (msgpart != NULL && strstr(tk_errmsg(), msgpart) == NULL)
		fail_msg("%s: message \"%s\" lacks \"%s\"", name, tk_errmsg(), msgpart);
	free(p);
}

static void test_hostile(void **state)
{
	enum tk_err rc;
	uint8_t *p;
	struct pdf_doc *d;
	const struct pdf_obj *o, *cat;
	size_t np;
	struct buf b;

	(void)state;
	expect_load_fail("bad-empty.pdf", TK_ERR_INVALID, "pdf_not_pdf", "7.5.2");
	expect_load_fail("bad-notpdf.bin", TK_ERR_INVALID, "pdf_not_pdf", "%PDF-");
	expect_load_fail("bad-garbage.pdf", TK_ERR_INVALID, NULL, "ISO 32000-1");
	/* Encrypted with a user password: refused until it is given (test_encrypted opens it). */
	expect_load_fail("bad-encrypted.pdf", TK_ERR_INVALID, "pdf_password", "encrypted with a user password");
	/* bad-encrypted-objstm.pdf has the empty user password: it opens now (test_encrypted). */

	/* Truncated files: rebuilt by scanning or refused, never a crash. */
	d = try_load("bad-truncated.pdf", 0, &rc, &p);
	assert_true(rc == TK_OK || rc == TK_ERR_INVALID);
	pdf_doc_free(d);
	free(p);
	d = try_load("bad-truncated-xref.pdf", 0, &rc, &p);
	OK(rc);
	assert_int_equal(pdf_xref_kind(d), PDF_XREF_REBUILT);
	assert_non_null(pdf_doc_damage(d));
	OK(pdf_page_count(d, &np));
	assert_int_equal(np, 3);
	pdf_doc_free(d);
	free(p);
	d = try_load("bad-truncated-xref.pdf", PDF_LOAD_NO_REPAIR, &rc, &p);
	assert_int_equal(rc, TK_ERR_INVALID);
	free(p);

	/* /Length too long, too short, indirect to nothing, indirect to itself. */
	d = try_load("bad-length-lie.pdf", 0, &rc, &p);
	OK(rc);
	check_decode(d, 4, CONTENT, strlen(CONTENT));
	check_decode(d, 5, CONTENT, strlen(CONTENT));
	check_decode(d, 6, CONTENT, strlen(CONTENT));
	check_decode(d, 7, CONTENT, strlen(CONTENT));
	pdf_doc_free(d);
	free(p);

	/* An entry past the end: the object is found by scanning and the damage reported. */
	d = try_load("bad-xref-outside.pdf", 0, &rc, &p);
	OK(rc);
	assert_non_null(pdf_doc_damage(d));
	assert_non_null(strstr(pdf_doc_damage(d), "xref entry 3 points past end of file"));
	pdf_doc_free(d);
	free(p);
	d = try_load("bad-xref-outside.pdf", PDF_LOAD_NO_REPAIR, &rc, &p);
	OK(rc); /* the catalog is fine; object 3 is not */
	assert_int_equal(pdf_get_object(d, 3, 0, &o), TK_ERR_INVALID);
	assert_non_null(strstr(tk_errmsg(), "ISO 32000-1 7.5.4: xref entry 3 points past end of file"));
	pdf_doc_free(d);
	free(p);

	d = try_load("bad-startxref-outside.pdf", 0, &rc, &p);
	OK(rc);
	assert_int_equal(pdf_xref_kind(d), PDF_XREF_REBUILT);
	pdf_doc_free(d);
	free(p);

	d = try_load("bad-prev-cycle.pdf", PDF_LOAD_NO_REPAIR, &rc, &p);
	assert_int_equal(rc, TK_ERR_INVALID);
	assert_non_null(strstr(tk_errmsg(), "loops"));
	free(p);
	d = try_load("bad-prev-cycle.pdf", 0, &rc, &p);
	OK(rc);
	assert_non_null(strstr(pdf_doc_damage(d), "7.5.6"));
	pdf_doc_free(d);
	free(p);

	d = try_load("bad-nested.pdf", 0, &rc, &p);
	OK(rc);
	assert_int_equal(pdf_get_object(d, 5, 0, &o), TK_ERR_INVALID);
	assert_non_null(strstr(tk_errmsg(), "MAX_PDF_NESTING"));
	pdf_doc_free(d);
	free(p);

	d = try_load("bad-huge-objnum.pdf", 0, &rc, &p);
	OK(rc);
	OK(pdf_catalog(d, &cat));
	OK(pdf_dict_get_resolved(d, cat, "Big", &o));
	assert_true(pdf_is_null(o));
	assert_true(pdf_xref_size(d) <= MAX_XREF_ENTRIES);
	pdf_doc_free(d);
	free(p);

	d = try_load("bad-page-cycle.pdf", 0, &rc, &p);
	OK(rc);
	assert_int_equal(pdf_page_count(d, &np), TK_ERR_INVALID);
	assert_non_null(strstr(tk_errmsg(), "7.7.3.2"));
	pdf_doc_free(d);
	free(p);

	d = try_load("bad-deep-pages.pdf", 0, &rc, &p);
	OK(rc);
	assert_int_equal(pdf_page_count(d, &np), TK_ERR_LIMIT);
	assert_non_null(strstr(tk_errmsg(), "MAX_PDF_PAGE_DEPTH"));
	pdf_doc_free(d);
	free(p);

	buf_init(&b, 256u << 20);
	d = try_load("bad-flate-bomb.pdf", 0, &rc, &p);
	OK(rc);
	assert_int_equal(pdf_stream_decode(d, obj(d, 5), &b), TK_ERR_LIMIT);
	pdf_doc_free(d);
	free(p);

	d = try_load("bad-lzw.pdf", 0, &rc, &p);
	OK(rc);
	assert_int_equal(pdf_stream_decode(d, obj(d, 4), &b), TK_ERR_INVALID);
	assert_string_equal(tk_last_error()->code, "pdf_unsupported_filter");
	assert_non_null(strstr(tk_errmsg(), "LZWDecode"));
	pdf_doc_free(d);
	free(p);
	buf_free(&b);

	d = try_load("bad-missing-xref.pdf", 0, &rc, &p);
	OK(rc);
	assert_int_equal(pdf_xref_kind(d), PDF_XREF_REBUILT);
	OK(pdf_page_count(d, &np));
	assert_int_equal(np, 1);
	pdf_doc_free(d);
	free(p);

	d = try_load("bad-objstm-loop.pdf", 0, &rc, &p);
	OK(rc);
	assert_int_not_equal(pdf_get_object(d, 5, 0, &o), TK_OK);
	assert_int_not_equal(pdf_get_object(d, 7, 0, &o), TK_OK);
	pdf_doc_free(d);
	free(p);
}

/* Every prefix and many one-byte changes of small files: errors, never crashes. */
/* ---- encrypted documents (ISO 32000-1 7.6.3, ISO 32000-2 7.6.4) ---- */

/*
 * Known answers: the file keys qpdf reports for the enc-* fixtures
 * (qpdf --show-encryption --show-encryption-key, with --password=geheim for
 * the user-password ones); algorithm 2 (R2-R4) and 2.A/2.B (R5, R6) must
 * derive the same key from the same password, the user's or the owner's.
 */
struct enc_case {
	const char *file, *password, *key_hex, *desc;
};

static const struct enc_case enc_cases[] = {
	{ "enc-rc4-40.pdf", NULL, "ee50d75aec", "RC4 with a 40-bit key, R2" },
	{ "enc-rc4-128.pdf", NULL, "7d1ff0fdc1ab249677061198526061a7", "RC4 with a 128-bit key, R3" },
	{ "enc-aes128-clearmeta.pdf", NULL, "9a478987c427e728852e9cf0ccf28221", "AES-128 with a 128-bit key, R4" },
	{ "enc-aes256.pdf", NULL, "f117ad82a5791cdc5115030c4aa1a05664239749ef1cce20082547120be9458d", "AES-256, R6" },
	{ "enc-aes256-r5.pdf", "", "7bd6814012646b73f56644adad370062cb60be0483b77284593261c1e9a62954",
	    "AES-256, R5 (deprecated Adobe extension)" },
	{ "enc-user-rc4-128.pdf", "geheim", "04b3c2831e69ad8f80115fd365ed5455", "RC4 with a 128-bit key, R3" },
	{ "enc-user-rc4-128.pdf", "pemilik", "04b3c2831e69ad8f80115fd365ed5455", "RC4 with a 128-bit key, R3" },
	{ "enc-user-aes256.pdf", "geheim", "8e7804135c15e638bd9670e69d7cf7541e277a3f7a065ba0432b46c37bfd5dfd", "AES-256, R6" },
	{ "enc-user-aes256.pdf", "pemilik", "8e7804135c15e638bd9670e69d7cf7541e277a3f7a065ba0432b46c37bfd5dfd", "AES-256, R6" },
};

static void hex_of(const uint8_t *p, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hx[p[i] >> 4];
		out[2 * i + 1] = hx[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static bool buf_has(const struct buf *b, const char *s)
{
	return b->len >= strlen(s) && memmem(b->p, b->len, s, strlen(s)) != NULL;
}

static void test_encrypted(void **state)
{
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(enc_cases) / sizeof(enc_cases[0]); k++) {
		const struct enc_case *c = &enc_cases[k];
		size_t len, np;
		uint8_t *p = load_file(c->file, &len);
		struct pdf_doc *d = NULL;
		const struct pdf_obj *info, *cat, *meta;
		const struct pdf_page *pg;
		const uint8_t *raw;
		size_t rawlen;
		char key[65];
		struct buf b;
		struct pdf_update *u = NULL;

		if (pdf_doc_load_pw(p, len, 0, c->password, &d) != TK_OK)
			fail_msg("%s (password %s): %s", c->file, c->password ? c->password : "none", tk_errmsg());
		hex_of(d->crypt->key, d->crypt->keylen, key);
		if (strcmp(key, c->key_hex) != 0)
			fail_msg("%s: file key %s, qpdf says %s", c->file, key, c->key_hex);
		assert_string_equal(pdf_doc_encryption(d), c->desc);
		/* Strings: /Info /Title as qpdf --decrypt shows it. */
		OK(pdf_dict_get_resolved(d, pdf_trailer(d), "Info", &info));
		assert_str(pdf_dict_get(info, "Title"), "Laporan Rahasia (uji)");
		assert_str(pdf_dict_get(info, "Author"), "Budi Santoso");
		/* Streams: the page content, and the XMP metadata (left in clear by --cleartext-metadata). */
		OK(pdf_page_count(d, &np));
		assert_int_equal(np, 1);
		OK(pdf_page_get(d, 0, &pg));
		buf_init(&b, 1u << 20);
		{
			const struct pdf_obj *content;
			OK(pdf_dict_get_resolved(d, pg->dict, "Contents", &content));
			assert_true(pdf_stream_raw(content, &raw, &rawlen, NULL));
			assert_null(memmem(raw, rawlen, "Teken encrypted page", 20));
			OK(pdf_stream_decode(d, content, &b));
			if (!buf_has(&b, "(Teken encrypted page)Tj"))
				fail_msg("%s: page content not decrypted", c->file);
		}
		buf_reset(&b);
		OK(pdf_catalog(d, &cat));
		OK(pdf_dict_get_resolved(d, cat, "Metadata", &meta));
		OK(pdf_stream_decode(d, meta, &b));
		assert_true(buf_has(&b, "<?xpacket begin="));
		buf_free(&b);
		/* We do not write encrypted updates. */
		assert_int_equal(pdf_update_new(d, &u), TK_ERR_INVALID);
		assert_string_equal(tk_last_error()->code, "pdf_encrypted");
		assert_null(u);
		pdf_doc_free(d);
		free(p);
	}

	/* A user password is needed: a clear refusal, with or without a wrong password. */
	{
		static const char *const files[] = { "enc-user-rc4-128.pdf", "enc-user-aes256.pdf", "bad-encrypted.pdf" };
		for (k = 0; k < 3; k++) {
			size_t len;
			uint8_t *p = load_file(files[k], &len);
			struct pdf_doc *d = NULL;
			assert_int_equal(pdf_doc_load(p, len, 0, &d), TK_ERR_INVALID);
			assert_string_equal(tk_last_error()->code, "pdf_password");
			assert_non_null(strstr(tk_errmsg(), "user password"));
			assert_int_equal(pdf_doc_load_pw(p, len, 0, "salah", &d), TK_ERR_INVALID);
			assert_string_equal(tk_last_error()->code, "pdf_password");
			assert_non_null(strstr(tk_errmsg(), "neither"));
			assert_null(d);
			free(p);
		}
	}
	/* The corpus' own encrypted files: R6 with user password "user", AES-128 with object streams. */
	{
		size_t len, np;
		uint8_t *p = load_file("bad-encrypted.pdf", &len);
		struct pdf_doc *d = NULL;
		const struct pdf_obj *info;
		OK(pdf_doc_load_pw(p, len, 0, "user", &d));
		OK(pdf_page_count(d, &np));
		assert_int_equal(np, 3);
		OK(pdf_dict_get_resolved(d, pdf_trailer(d), "Info", &info));
		assert_str(pdf_dict_get(info, "Producer"), "GPL Ghostscript 10.00.0");
		pdf_doc_free(d);
		free(p);

		p = load_file("bad-encrypted-objstm.pdf", &len);
		OK(pdf_doc_load(p, len, 0, &d));
		assert_string_equal(pdf_doc_encryption(d), "AES-128 with a 128-bit key, R4");
		assert_int_equal(pdf_xref_kind(d), PDF_XREF_STREAM);
		OK(pdf_page_count(d, &np));
		assert_int_equal(np, 3);
		{
			const struct pdf_page *pg;
			const struct pdf_obj *content;
			struct buf b;
			struct pdf_xref_info xi;
			OK(pdf_page_get(d, 1, &pg));
			pdf_xref_get(d, pg->num, &xi);
			assert_int_equal(xi.type, PDF_XREF_COMPRESSED); /* the page came out of a decrypted object stream */
			OK(pdf_dict_get_resolved(d, pg->dict, "Contents", &content));
			buf_init(&b, 1u << 20);
			OK(pdf_stream_decode(d, content, &b));
			assert_true(buf_has(&b, "Teken page two, A4"));
			buf_free(&b);
		}
		pdf_doc_free(d);
		free(p);
	}
}

/*
 * enc-cryptfilter.pdf (scripts/make-enc-cryptfilter.py): /StmF and /StrF
 * /Identity, so strings and streams are in clear, except the page content
 * behind a /Crypt filter naming the RC4 filter /StdCF (7.4.10). MuPDF
 * (mutool show) decodes that stream to the same bytes; the key is qpdf's.
 */
static void test_crypt_filter(void **state)
{
	size_t len;
	uint8_t *p = load_file("enc-cryptfilter.pdf", &len);
	struct pdf_doc *d = NULL;
	const struct pdf_obj *info, *x;
	const struct pdf_page *pg;
	const struct pdf_obj *content;
	char key[65];
	struct buf b;

	(void)state;
	OK(pdf_doc_load(p, len, 0, &d));
	hex_of(d->crypt->key, d->crypt->keylen, key);
	assert_string_equal(key, "4de3d4932d1e3fa3b4b2a8cfb5f8c000");
	assert_string_equal(pdf_doc_encryption(d), "Identity crypt filters (in clear), R4");
	OK(pdf_dict_get_resolved(d, pdf_trailer(d), "Info", &info));
	assert_str(pdf_dict_get(info, "Title"), "Identity: strings in clear");
	OK(pdf_page_get(d, 0, &pg));
	OK(pdf_dict_get_resolved(d, pg->dict, "Contents", &content));
	buf_init(&b, 1u << 20);
	OK(pdf_stream_decode(d, content, &b));
	assert_int_equal(b.len, strlen(CONTENT));
	assert_memory_equal(b.p, CONTENT, b.len);
	buf_reset(&b);
	x = obj(d, 6);
	OK(pdf_stream_decode(d, x, &b));
	assert_true(buf_has(&b, "% plain stream, StmF Identity"));
	buf_free(&b);
	pdf_doc_free(d);
	free(p);
}

/* Builds a one-page document whose trailer names /Encrypt 5 0 R = enc. */
static void enc_doc(struct buf *out, const char *enc, const char *id)
{
	struct pb pb;
	char extra[256];

	pb_base(&pb);
	pb_obj(&pb, enc);
	if (str_fmt(extra, sizeof(extra), "/Encrypt 5 0 R %s", id ? id : "") != TK_OK)
		fail_msg("extra");
	pb_end(&pb, extra);
	*out = pb.b;
}

static void expect_enc_fail(const char *enc, const char *id, const char *code, const char *msgpart)
{
	struct buf b;
	struct pdf_doc *d = NULL;
	enum tk_err rc;

	enc_doc(&b, enc, id);
	rc = pdf_doc_load(b.p, b.len, 0, &d);
	if (rc == TK_OK)
		fail_msg("/Encrypt %s loaded", enc);
	assert_null(d);
	if (strcmp(tk_last_error()->code, code) != 0 || strstr(tk_errmsg(), msgpart) == NULL)
		fail_msg("/Encrypt %s: got %s \"%s\", want %s \"%s\"", enc, tk_last_error()->code, tk_errmsg(), code, msgpart);
	buf_free(&b);
}

#define O32 "<00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff>"
#define O48 "<00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff0011223344556677aabbccddeeff0011>"
#define ID "/ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>]"

static void test_encrypt_hostile(void **state)
{
	(void)state;
	expect_enc_fail("<< /Filter /Standard /V 2 /R 99 /Length 128 /O " O32 " /U " O32 " /P -4 >>", ID, "pdf_encrypt_invalid", "/R");
	expect_enc_fail("<< /Filter /Standard /V 2 /R 3 /Length 7 /O " O32 " /U " O32 " /P -4 >>", ID, "pdf_encrypt_invalid", "/Length");
	expect_enc_fail("<< /Filter /Standard /V 2 /R 3 /Length 4096 /O " O32 " /U " O32 " /P -4 >>", ID, "pdf_encrypt_invalid", "/Length");
	expect_enc_fail("<< /Filter /Standard /V 2 /R 3 /Length 128 /O <0011> /U " O32 " /P -4 >>", ID, "pdf_encrypt_invalid", "/O");
	expect_enc_fail("<< /Filter /Standard /V 2 /R 3 /Length 128 /O " O32 " /U 12 /P -4 >>", ID, "pdf_encrypt_invalid", "/U");
	expect_enc_fail("<< /Filter /Standard /V 2 /R 3 /Length 128 /O " O32 " /U " O32 " >>", ID, "pdf_encrypt_invalid", "/P");
	expect_enc_fail("<< /Filter /Standard /V 2 /R 3 /Length 128 /O " O32 " /U " O32 " /P -4 >>", NULL, "pdf_encrypt_invalid", "/ID");
	expect_enc_fail("<< /Filter /Standard /V 5 /R 6 /O " O32 " /U " O32 " /P -4 >>", ID, "pdf_encrypt_invalid", "48 bytes");
	expect_enc_fail("<< /Filter /Standard /V 5 /R 6 /O " O48 " /U " O48 " /OE <00> /UE <00> /P -4 /StmF /StdCF /StrF /StdCF "
			"/CF << /StdCF << /CFM /AESV3 >> >> >>",
	    ID, "pdf_encrypt_invalid", "/OE");
	expect_enc_fail("<< /Filter /Standard /V 5 /R 3 /O " O48 " /U " O48 " /P -4 >>", ID, "pdf_encrypt_invalid", "/V");
	expect_enc_fail("<< /Filter /Standard /V 4 /R 4 /O " O32 " /U " O32 " /P -4 /StmF /Nope /StrF /Nope >>", ID, "pdf_encrypt_invalid",
	    "/CF");
	expect_enc_fail("<< /Filter /Standard /V 4 /R 4 /O " O32 " /U " O32 " /P -4 /StmF /X /StrF /X /CF << /X << /CFM /ROT13 >> >> >>", ID,
	    "pdf_crypt_unsupported", "/CFM");
	expect_enc_fail("<< /Filter /Adobe.PubSec /V 4 /R 4 >>", ID, "pdf_crypt_unsupported", "Adobe.PubSec");
	expect_enc_fail("<< /Filter /Standard /V 3 /R 3 /O " O32 " /U " O32 " /P -4 >>", ID, "pdf_crypt_unsupported", "/V 3");
	expect_enc_fail("42", ID, "pdf_encrypt_invalid", "not a dictionary");
	/* Well formed, but /U was not made from the empty password: one is needed. */
	expect_enc_fail("<< /Filter /Standard /V 2 /R 3 /Length 128 /O " O32 " /U " O32 " /P -4 >>", ID, "pdf_password", "user password");
	expect_enc_fail("<< /Filter /Standard /V 5 /R 6 /O " O48 " /U " O48 " /OE " O32 " /UE " O32 " /P -4 /StmF /StdCF /StrF /StdCF "
			"/CF << /StdCF << /CFM /AESV3 >> >> >>",
	    ID, "pdf_password", "user password");

	/* Every byte of a real /Encrypt dictionary changed: an error or a load, never a crash. */
	{
		static const char *const names[] = { "enc-rc4-128.pdf", "enc-aes256.pdf", "enc-aes128-clearmeta.pdf" };
		size_t f;
		for (f = 0; f < 3; f++) {
			size_t len, i, start, end;
			uint8_t *p = load_file(names[f], &len), *q = malloc(len);
			const uint8_t *e = memmem(p, len, "/Filter /Standard", 17);
			assert_non_null(q);
			assert_non_null(e);
			start = (size_t)(e - p);
			while (start > 0 && memcmp(p + start, "obj", 3) != 0)
				start--;
			end = (size_t)((const uint8_t *)memmem(p + start, len - start, "endobj", 6) - p);
			for (i = start; i < end; i++) {
				static const uint8_t subst[] = { '0', '9', ' ', '<', '(', '/', 0xff, '5' };
				struct pdf_doc *d = NULL;
				memcpy(q, p, len);
				q[i] = subst[i % sizeof(subst)];
				if (pdf_doc_load(q, len, 0, &d) == TK_OK)
					walk_all(d);
				else
					assert_true(tk_errmsg()[0] != '\0');
				pdf_doc_free(d);
			}
			free(q);
			free(p);
		}
	}
}

static void test_mutations(void **state)
{
	static const char *const names[] = { "hw-minimal.pdf", "hw-hybrid.pdf", "qpdf-objstm.pdf", "mu-incr2.pdf", "enc-rc4-40.pdf",
		"bad-encrypted-objstm.pdf" };
	size_t f;

	(void)state;
	for (f = 0; f < sizeof(names) / sizeof(names[0]); f++) {
		size_t len, cut, i;
		uint8_t *p = load_file(names[f], &len);
		uint8_t *q = malloc(len);
		assert_non_null(q);
		for (cut = 0; cut <= len; cut += (len > 1000 ? 3 : 1)) {
			struct pdf_doc *d = NULL;
			memcpy(q, p, cut);
			if (pdf_doc_load(q, cut, 0, &d) == TK_OK)
				walk_all(d);
			pdf_doc_free(d);
		}
		for (i = 0; i < len; i += 2) {
			static const uint8_t subst[] = { '0', '9', ' ', '<', '(', '[', '/', 0xff };
			struct pdf_doc *d = NULL;
			memcpy(q, p, len);
			q[i] = subst[i % sizeof(subst)];
			if (pdf_doc_load(q, len, 0, &d) == TK_OK)
				walk_all(d);
			pdf_doc_free(d);
		}
		free(q);
		free(p);
	}
}

/* ---- incremental writer ---- */

static enum tk_err cb_collect(void *ctx, const uint8_t *p, size_t n)
{
	return buf_append(ctx, p, n);
}

/*
 * Appends a revision to the document in p: a new /Info, a new object
 * referenced from a copy of the catalog, a compressed stream; checks it with
 * our parser. The output is left in out.
 */
static void append_revision(const char *name, const uint8_t *p, size_t len, struct buf *out)
{
	struct pdf_doc *d = NULL, *d2 = NULL;
	struct pdf_update *u = NULL;
	struct pdf_obj *info, *mark, *cat;
	const struct pdf_obj *ocat, *o, *oid, *nid;
	uint32_t inum, mnum, snum, rnum;
	uint16_t rgen;
	size_t np = 0, np2 = 0, nrev = 0, nrev2 = 0, off, slen;
	const struct pdf_revision *revs;
	enum pdf_xref_kind kind, want;
	struct buf viacb;
	static const char data[] = "teken stream data, compressed by the writer";

	if (pdf_doc_load(p, len, 0, &d) != TK_OK)
		fail_msg("%s: %s", name, tk_errmsg());
	kind = pdf_xref_kind(d);
	if (pdf_page_count(d, &np) != TK_OK)
		np = 0;
	OK(pdf_revisions(d, &revs, &nrev));
	OK(pdf_catalog(d, &ocat));
	pdf_catalog_ref(d, &rnum, &rgen);
	OK(pdf_update_new(d, &u));
	OK(pdf_update_alloc(u, &inum));
	OK(pdf_update_alloc(u, &mnum));
	OK(pdf_update_alloc(u, &snum));
	assert_true(inum >= pdf_xref_size(d));
	info = pdf_new_dict(u);
	OK(pdf_dict_set(u, info, "Title", pdf_new_string(u, (const uint8_t *)"teken (revision)", 16)));
	OK(pdf_dict_set(u, info, "Producer", pdf_new_string(u, (const uint8_t *)"teken pdf", 9)));
	OK(pdf_update_set_object(u, inum, 0, info));
	OK(pdf_update_set_info(u, inum, 0));
	mark = pdf_new_dict(u);
	OK(pdf_dict_set(u, mark, "Type", pdf_new_name(u, "TekenMarker")));
	OK(pdf_dict_set(u, mark, "Data", pdf_new_ref(u, snum, 0)));
	OK(pdf_update_set_object(u, mnum, 0, mark));
	OK(pdf_update_set_stream(u, snum, 0, NULL, (const uint8_t *)data, sizeof(data) - 1, PDF_STREAM_FLATE));
	cat = pdf_obj_copy(u, ocat);
	OK(pdf_dict_set(u, cat, "TekenTest", pdf_new_ref(u, mnum, 0)));
	OK(pdf_update_set_object(u, rnum, rgen, cat));
	OK(pdf_update_write(u, out));
	/* The same bytes through the callback. */
	buf_init(&viacb, out->max);
	OK(pdf_update_write_cb(u, cb_collect, &viacb));
	assert_int_equal(viacb.len, out->len);
	assert_memory_equal(viacb.p, out->p, out->len);
	buf_free(&viacb);
	/* Earlier bytes never change. */
	assert_true(out->len > len);
	assert_memory_equal(out->p, p, len);
	OK(pdf_update_object_span(u, mnum, &off, &slen));
	assert_true(off >= len && off + slen <= out->len);
	{
		char hdr[32];
		OK(str_fmt(hdr, sizeof(hdr), "%u 0 obj", mnum));
		assert_memory_equal(out->p + off, hdr, strlen(hdr));
		assert_memory_equal(out->p + off + slen - 7, "endobj\n", 7);
	}
	assert_int_equal(pdf_update_object_span(u, 1u << 20, &off, &slen), TK_ERR_NOT_FOUND);

	/* Our own reading of the result. */
	if (pdf_doc_load(out->p, out->len, pdf_doc_damage(d) ? 0 : PDF_LOAD_NO_REPAIR, &d2) != TK_OK)
		fail_msg("%s: reload: %s", name, tk_errmsg());
	want = kind == PDF_XREF_STREAM ? PDF_XREF_STREAM : PDF_XREF_TABLE;
	if (kind == PDF_XREF_REBUILT)
		want = pdf_xref_kind(d2); /* complete table or stream, checked by the oracles */
	assert_int_equal(pdf_xref_kind(d2), want);
	OK(pdf_catalog(d2, &o));
	OK(pdf_dict_get_resolved(d2, o, "TekenTest", &o));
	assert_true(pdf_name_is(pdf_dict_get(o, "Type"), "TekenMarker"));
	OK(pdf_dict_get_resolved(d2, o, "Data", &o));
	check_decode(d2, snum, data, sizeof(data) - 1);
	OK(pdf_dict_get_resolved(d2, pdf_trailer(d2), "Info", &o));
	assert_str(pdf_dict_get(o, "Title"), "teken (revision)");
	if (np > 0) {
		if (pdf_page_count(d2, &np2) != TK_OK || np2 != np)
			fail_msg("%s: after the update %zu pages (%s), before %zu", name, np2, tk_errmsg(), np);
	}
	{
		const struct pdf_revision *r2;
		OK(pdf_revisions(d2, &r2, &nrev2));
		if (kind != PDF_XREF_REBUILT)
			assert_int_equal(nrev2, nrev + 1);
		assert_int_equal(r2[nrev2 - 1].end, out->len);
	}
	/* /ID: the first element is kept. */
	oid = pdf_dict_get(pdf_trailer(d), "ID");
	nid = pdf_dict_get(pdf_trailer(d2), "ID");
	assert_int_equal(pdf_array_len(nid), 2);
	if (pdf_array_len(oid) == 2) {
		const uint8_t *a, *b2;
		size_t al, bl;
		assert_true(pdf_as_string(pdf_array_get(oid, 0), &a, &al));
		assert_true(pdf_as_string(pdf_array_get(nid, 0), &b2, &bl));
		assert_int_equal(al, bl);
		assert_memory_equal(a, b2, al);
		assert_true(pdf_as_string(pdf_array_get(nid, 1), &b2, &bl));
		assert_int_equal(bl, 16);
	}
	pdf_doc_free(d2);
	pdf_update_free(u);
	pdf_doc_free(d);
}

/* hostile: the original itself is damaged, so qpdf may warn (exit 3) but not fail (exit 2). */
static void oracle_check(const char *name, const uint8_t *p, size_t len, size_t want_pages, bool hostile)
{
	char path[256], cmd[512], out[8192];
	int st;
	const char *pg;

	OK(str_fmt(path, sizeof(path), "%s/%s", tmpdir, name));
	OK(file_write_atomic(path, p, len, 0600));
	if (have_tool("qpdf")) {
		OK(str_fmt(cmd, sizeof(cmd), "qpdf --check '%s'", path));
		st = run(cmd, out, sizeof(out));
		if (st != 0 && !(hostile && st == 3))
			fail_msg("%s: qpdf --check exit %d:\n%s", name, st, out);
	}
	if (have_tool("mutool")) {
		OK(str_fmt(cmd, sizeof(cmd), "mutool draw -o /dev/null '%s'", path));
		if ((st = run(cmd, out, sizeof(out))) != 0 || (!hostile && strstr(out, "error") != NULL))
			fail_msg("%s: mutool draw exit %d:\n%s", name, st, out);
	}
	if (have_tool("pdfinfo")) {
		uint64_t n;
		OK(str_fmt(cmd, sizeof(cmd), "pdfinfo '%s'", path));
		if ((st = run(cmd, out, sizeof(out))) != 0 || (!hostile && strstr(out, "Syntax") != NULL))
			fail_msg("%s: pdfinfo exit %d:\n%s", name, st, out);
		if ((pg = strstr(out, "\nPages:")) == NULL)
			fail_msg("%s: pdfinfo printed no page count:\n%s", name, out);
		pg += 7;
		while (*pg == ' ')
			pg++;
		{
			size_t k = 0;
			while (pg[k] >= '0' && pg[k] <= '9')
				k++;
			OK(parse_u64(pg, k, 1000000, &n));
		}
		if (n != want_pages)
			fail_msg("%s: pdfinfo says %llu pages, we say %zu", name, (unsigned long long)n, want_pages);
	}
	if (have_tool("pdfsig")) {
		/* pdfsig (poppler) must read the file: "no signatures" (exit 2) without syntax errors. */
		OK(str_fmt(cmd, sizeof(cmd), "pdfsig '%s'", path));
		st = run(cmd, out, sizeof(out));
		if ((st != 0 && st != 2) || strstr(out, "does not contain any signatures") == NULL ||
		    (!hostile && strstr(out, "Syntax") != NULL))
			fail_msg("%s: pdfsig exit %d:\n%s", name, st, out);
	}
	unlink(path);
}

static void test_writer_oracles(void **state)
{
	static const char *const extra[] = { "bad-startxref-outside.pdf", "bad-missing-xref.pdf", "bad-truncated-xref.pdf",
		"bad-prev-cycle.pdf", "bad-length-lie.pdf", "bad-xref-outside.pdf" };
	size_t i, n = sizeof(goods) / sizeof(goods[0]);

	(void)state;
	if (!have_tool("qpdf") || !have_tool("mutool") || !have_tool("pdfinfo"))
		fprintf(stderr, "test_pdf: some oracles (qpdf, mutool, pdfinfo) are missing; their checks are skipped\n");
	for (i = 0; i < n + sizeof(extra) / sizeof(extra[0]); i++) {
		const char *name = i < n ? goods[i].name : extra[i - n];
		size_t len, np;
		uint8_t *p = load_file(name, &len);
		struct buf out, out2;
		struct pdf_doc *d;
		char oname[128];

		OK(pdf_doc_load(p, len, 0, &d));
		OK(pdf_page_count(d, &np));
		pdf_doc_free(d);
		if (i < n)
			oracle_check(name, p, len, np, false); /* our page count matches pdfinfo's on the original */
		buf_init(&out, MAX_PDF_BYTES);
		append_revision(name, p, len, &out);
		OK(str_fmt(oname, sizeof(oname), "rev1-%s", name));
		oracle_check(oname, out.p, out.len, np, i >= n);
		/* And a second update on top of our own. */
		buf_init(&out2, MAX_PDF_BYTES);
		append_revision(oname, out.p, out.len, &out2);
		OK(str_fmt(oname, sizeof(oname), "rev2-%s", name));
		oracle_check(oname, out2.p, out2.len, np, i >= n);
		buf_free(&out2);
		buf_free(&out);
		free(p);
	}
}

static void test_writer_details(void **state)
{
	struct pb pb;
	struct pdf_doc *d, *d2;
	struct pdf_update *u;
	struct buf tail, out;
	uint32_t n;
	size_t off, len;
	const struct pdf_obj *o;

	(void)state;
	/* A file without /ID and without an end-of-line after %%EOF. */
	pb_base(&pb);
	pb_end(&pb, NULL);
	pb.b.len--; /* drop the final LF */
	d = load_buf(&pb.b);
	OK(pdf_update_new(d, &u));
	buf_init(&tail, 1u << 20);
	assert_int_not_equal(pdf_update_object_span(u, 1, &off, &len), TK_OK); /* not written yet */
	OK(pdf_update_alloc(u, &n));
	assert_int_equal(n, 5);
	OK(pdf_update_set_stream(u, n, 0, NULL, (const uint8_t *)"raw", 3, 0));
	OK(pdf_update_write_tail(u, &tail));
	assert_int_equal(tail.p[0], '\n');
	OK(buf_putc(&tail, 0));
	assert_non_null(strstr((const char *)tail.p, "5 0 obj\n<</Length 3>>\nstream\nraw\nendstream\nendobj\n"));
	assert_non_null(strstr((const char *)tail.p, "/Size 6 /Root 1 0 R /ID [<"));
	assert_non_null(strstr((const char *)tail.p, "xref\n5 1\n"));
	tail.len--;
	buf_init(&out, 1u << 20);
	OK(buf_append(&out, pb.b.p, pb.b.len));
	OK(buf_append(&out, tail.p, tail.len));
	OK(pdf_doc_load(out.p, out.len, PDF_LOAD_NO_REPAIR, &d2));
	o = obj(d2, 5);
	{
		const uint8_t *rp;
		size_t rl;
		assert_true(pdf_stream_raw(o, &rp, &rl, &off));
		assert_int_equal(rl, 3);
		assert_memory_equal(rp, "raw", 3);
		assert_memory_equal(out.p + off, "raw", 3);
	}
	pdf_doc_free(d2);
	/* Replacing object 4 with a bad type is refused; a stream as a direct object too. */
	assert_int_not_equal(pdf_update_set_object(u, 4, 0, obj(d, 4)), TK_OK);
	assert_int_not_equal(pdf_update_set_object(u, 0, 0, pdf_new_null(u)), TK_OK);
	buf_free(&out);
	buf_free(&tail);
	pdf_update_free(u);
	pdf_doc_free(d);
	buf_free(&pb.b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_objects),
		cmocka_unit_test(test_serialize_golden),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_good_corpus),
		cmocka_unit_test(test_inherit_and_special),
		cmocka_unit_test(test_eof_without_eol),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_encrypted),
		cmocka_unit_test(test_encrypt_hostile),
		cmocka_unit_test(test_crypt_filter),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_writer_details),
		cmocka_unit_test(test_writer_oracles),
	};

	return cmocka_run_group_tests(tests, setup_tmp, teardown_tmp);
}

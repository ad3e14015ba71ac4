/*
 * libFuzzer target for src/pdf: loads the input, reads every object the
 * xref lists, decodes every stream, walks the page tree, lists revisions,
 * then appends a revision with the incremental writer and checks that the
 * result loads again (a writer bug is a crash here).
 */
#include <stdint.h>
#include <stdlib.h>

#include "pdf/pdf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Bounds the work per input so that the fuzzer explores instead of waiting. */
#define FUZZ_MAX_OBJECTS 20000u
#define FUZZ_MAX_DECODED (8u * 1024u * 1024u)

static size_t doc_len(const struct pdf_doc *d)
{
	size_t len;

	(void)pdf_doc_data(d, &len);
	return len;
}

static void walk(struct pdf_doc *d)
{
	uint32_t num, n = pdf_xref_size(d);
	size_t np = 0, i, nrev;
	const struct pdf_revision *revs;

	if (n > FUZZ_MAX_OBJECTS)
		n = FUZZ_MAX_OBJECTS;
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
			buf_init(&b, FUZZ_MAX_DECODED);
			if (pdf_stream_decode(d, o, &b) != TK_OK)
				tk_clear_error();
			buf_free(&b);
		} else {
			struct buf b;
			buf_init(&b, FUZZ_MAX_DECODED);
			if (pdf_obj_serialize(o, &b) != TK_OK)
				tk_clear_error();
			buf_free(&b);
		}
	}
	if (pdf_page_count(d, &np) == TK_OK) {
		for (i = 0; i < np; i++) {
			const struct pdf_page *pg;
			const struct pdf_obj *c;
			if (pdf_page_get(d, i, &pg) != TK_OK)
				abort(); /* the count said it was there */
			if (pdf_dict_get_resolved(d, pg->dict, "Contents", &c) != TK_OK)
				tk_clear_error();
		}
	}
	if (pdf_revisions(d, &revs, &nrev) == TK_OK) {
		for (i = 0; i < nrev; i++)
			if (revs[i].end > doc_len(d))
				abort();
	}
}

static enum tk_err update(struct pdf_doc *d)
{
	struct pdf_update *u = NULL;
	struct pdf_obj *info, *cat;
	const struct pdf_obj *ocat;
	struct buf out;
	uint32_t n, rn;
	uint16_t rg;
	struct pdf_doc *d2 = NULL;
	enum tk_err rc;

	buf_init(&out, MAX_PDF_BYTES);
	if ((rc = pdf_catalog(d, &ocat)) != TK_OK || (rc = pdf_update_new(d, &u)) != TK_OK ||
	    (rc = pdf_update_alloc(u, &n)) != TK_OK)
		goto out;
	pdf_catalog_ref(d, &rn, &rg);
	info = pdf_new_dict(u);
	cat = pdf_obj_copy(u, ocat);
	if ((rc = pdf_dict_set(u, info, "Producer", pdf_new_string(u, (const uint8_t *)"fuzz", 4))) != TK_OK ||
	    (rc = pdf_update_set_object(u, n, 0, info)) != TK_OK || (rc = pdf_update_set_info(u, n, 0)) != TK_OK ||
	    (rc = pdf_dict_set(u, cat, "FuzzInfo", pdf_new_ref(u, n, 0))) != TK_OK ||
	    (rc = pdf_update_set_object(u, rn, rg, cat)) != TK_OK)
		goto out;
	if ((rc = pdf_update_write(u, &out)) != TK_OK)
		goto out;
	/* What we wrote must load again and show our catalog. */
	if (pdf_doc_load(out.p, out.len, 0, &d2) != TK_OK)
		abort();
	{
		const struct pdf_obj *c2;
		if (pdf_catalog(d2, &c2) != TK_OK || pdf_dict_get(c2, "FuzzInfo") == NULL)
			abort();
	}
out:
	pdf_doc_free(d2);
	pdf_update_free(u);
	buf_free(&out);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pdf_doc *d = NULL;

	if (pdf_doc_load(data, size, 0, &d) == TK_OK) {
		walk(d);
		if (update(d) != TK_OK)
			tk_clear_error();
	}
	pdf_doc_free(d);
	tk_clear_error();
	return 0;
}

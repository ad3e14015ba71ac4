/* Enumerating the signatures of a PDF: AcroForm fields (and their kids) whose /V has /Contents. */
#include "pades/pades.h"

#include "pdf/pdf.h"

#include <string.h>

#define SIGS_MAX_FIELDS 4096u

static enum tk_err add_sig(struct pdf_doc *doc, const struct pdf_obj *v, struct pades_sigs *out)
{
	const struct pdf_obj *c = NULL, *sf = NULL;
	const uint8_t *p;
	size_t len;
	enum tk_err rc;

	if ((rc = pdf_dict_get_resolved(doc, v, "Contents", &c)) != TK_OK)
		return rc;
	if (c == NULL || !pdf_as_string(c, &p, &len) || len == 0)
		return TK_OK;
	if (out->n == PADES_MAX_SIGS)
		return tk_fail(TK_ERR_LIMIT, "pades: more than %u signatures", PADES_MAX_SIGS);
	if ((rc = pdf_dict_get_resolved(doc, v, "SubFilter", &sf)) != TK_OK)
		return rc;
	buf_init(&out->s[out->n].contents, len);
	if ((rc = buf_append(&out->s[out->n].contents, p, len)) != TK_OK)
		return rc;
	out->s[out->n].doc_timestamp = pdf_name_is(sf, "ETSI.RFC3161");
	out->n++;
	return TK_OK;
}

enum tk_err pades_signatures(const uint8_t *pdf, size_t len, struct pades_sigs *out)
{
	struct pdf_doc *doc = NULL;
	const struct pdf_obj *cat = NULL, *acro = NULL, *fields = NULL;
	const struct pdf_obj *stack[SIGS_MAX_FIELDS];
	size_t top = 0, seen = 0, i;
	enum tk_err rc;

	memset(out, 0, sizeof(*out));
	if ((rc = pdf_doc_load(pdf, len, 0, &doc)) != TK_OK || (rc = pdf_catalog(doc, &cat)) != TK_OK ||
	    (rc = pdf_dict_get_resolved(doc, cat, "AcroForm", &acro)) != TK_OK)
		goto out;
	if (acro == NULL || (rc = pdf_dict_get_resolved(doc, acro, "Fields", &fields)) != TK_OK)
		goto out;
	for (i = pdf_array_len(fields); i > 0 && top < SIGS_MAX_FIELDS; i--)
		stack[top++] = pdf_array_get(fields, i - 1);
	/* Depth-first over fields and kids, bounded: no recursion, no cycles beyond the budget. */
	while (top > 0 && rc == TK_OK) {
		const struct pdf_obj *f = NULL, *ft = NULL, *v = NULL, *kids = NULL;
		if (++seen > SIGS_MAX_FIELDS) {
			rc = tk_fail(TK_ERR_LIMIT, "pdf: more than %u form fields", SIGS_MAX_FIELDS);
			break;
		}
		if ((rc = pdf_resolve(doc, stack[--top], &f)) != TK_OK || pdf_obj_type(f) != PDF_DICT)
			continue;
		if ((rc = pdf_dict_get_resolved(doc, f, "FT", &ft)) != TK_OK || (rc = pdf_dict_get_resolved(doc, f, "V", &v)) != TK_OK ||
		    (rc = pdf_dict_get_resolved(doc, f, "Kids", &kids)) != TK_OK)
			break;
		if (pdf_name_is(ft, "Sig") && pdf_obj_type(v) == PDF_DICT && (rc = add_sig(doc, v, out)) != TK_OK)
			break;
		for (i = pdf_array_len(kids); i > 0 && top < SIGS_MAX_FIELDS; i--)
			stack[top++] = pdf_array_get(kids, i - 1);
	}
out:
	pdf_doc_free(doc);
	if (rc != TK_OK)
		pades_sigs_free(out);
	return rc;
}

void pades_sigs_free(struct pades_sigs *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		buf_free(&s->s[i].contents);
	s->n = 0;
}

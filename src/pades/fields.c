/*
 * Signature fields a document already has (ISO 32000-1 12.7.3, 12.7.4.5):
 * forms prepared with a box "Tanda tangan Kepala Dinas" carry an empty
 * /FT /Sig field whose widget sits where the signature belongs. We find
 * them through the AcroForm field tree (kids, inherited /FT, fully
 * qualified names), locate each widget's page and rectangle, and give the
 * rectangle in displayed coordinates, the convention of a visible stamp.
 */
#include "pades/pades.h"
#include "pades/pades_int.h"
#include "pdf/pdf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIELDS_MAX_NODES 65536u /* field-tree nodes walked */
#define FIELDS_MAX_DEPTH 32u    /* levels of /Kids */

void pades_page_view(const struct pdf_page *pg, double *vw, double *vh, double cm[6])
{
	double x0 = pg->crop_box[0], y0 = pg->crop_box[1], x1 = pg->crop_box[2], y1 = pg->crop_box[3];
	double w = x1 - x0, h = y1 - y0;

	switch (pg->rotate) {
	case 90:
		*vw = h, *vh = w;
		cm[0] = 0, cm[1] = 1, cm[2] = -1, cm[3] = 0, cm[4] = x1, cm[5] = y0;
		break;
	case 180:
		*vw = w, *vh = h;
		cm[0] = -1, cm[1] = 0, cm[2] = 0, cm[3] = -1, cm[4] = x1, cm[5] = y1;
		break;
	case 270:
		*vw = h, *vh = w;
		cm[0] = 0, cm[1] = -1, cm[2] = 1, cm[3] = 0, cm[4] = x0, cm[5] = y1;
		break;
	default:
		*vw = w, *vh = h;
		cm[0] = 1, cm[1] = 0, cm[2] = 0, cm[3] = 1, cm[4] = x0, cm[5] = y0;
	}
}

struct walk {
	struct pdf_doc *doc;
	struct sigfield *out;
	size_t max, n, nodes;
};

static int is_widget(const struct pdf_obj *d)
{
	return pdf_name_is(pdf_dict_get(d, "Subtype"), "Widget") || pdf_dict_get(d, "Rect") != NULL;
}

/* Appends ".partial" (or "partial" at the root) to name; names too long are cut, never overflowed. */
static void name_join(char *name, size_t sz, const struct pdf_obj *t)
{
	const uint8_t *p;
	size_t l, at = strlen(name), i;

	if (!pdf_as_string(t, &p, &l))
		return;
	if (at > 0 && at + 1 < sz)
		name[at++] = '.';
	for (i = 0; i < l && at + 1 < sz; i++)
		name[at++] = p[i] >= 0x20 && p[i] != 0x7f ? (char)p[i] : '?';
	name[at] = '\0';
}

static enum tk_err add_field(struct walk *w, const struct pdf_obj *ref, const struct pdf_obj *field, const char *name)
{
	const struct pdf_obj *kids = NULL, *v = NULL, *wref = ref, *widget = field;
	struct sigfield *f;
	enum tk_err rc;

	if (!is_widget(field)) {
		/* A signature field has one widget; take the first kid that is one. */
		size_t i;
		if ((rc = pdf_dict_get_resolved(w->doc, field, "Kids", &kids)) != TK_OK)
			return rc;
		widget = NULL;
		for (i = 0; i < pdf_array_len(kids) && widget == NULL; i++) {
			const struct pdf_obj *k = NULL;
			if ((rc = pdf_resolve(w->doc, pdf_array_get(kids, i), &k)) != TK_OK)
				return rc;
			if (k != NULL && pdf_obj_type(k) == PDF_DICT && is_widget(k)) {
				widget = k;
				wref = pdf_array_get(kids, i);
			}
		}
		if (widget == NULL)
			return TK_OK; /* no widget: nothing to place a signature in */
	}
	if (w->n == w->max)
		return tk_fail_code(TK_ERR_LIMIT, "pdf_limit", "pades: more than %zu signature fields", w->max);
	f = &w->out[w->n];
	memset(f, 0, sizeof(*f));
	if (!pdf_as_ref(ref, &f->field_num, &f->field_gen) || !pdf_as_ref(wref, &f->widget_num, &f->widget_gen))
		return TK_OK; /* direct objects cannot be updated on their own; not offered */
	f->field = field;
	f->widget = widget;
	snprintf(f->pub.name, sizeof(f->pub.name), "%s", name);
	if ((rc = pdf_dict_get_resolved(w->doc, field, "V", &v)) != TK_OK)
		return rc;
	f->pub.has_value = v != NULL && !pdf_is_null(v);
	f->pub.page = PADES_PAGE_LAST;
	w->n++;
	return TK_OK;
}

static enum tk_err walk_node(struct walk *w, const struct pdf_obj *ref, unsigned depth, const char *parent, int parent_sig)
{
	const struct pdf_obj *node = NULL, *kids = NULL, *ft;
	char name[256];
	int sig = parent_sig;
	size_t i;
	enum tk_err rc;

	if (++w->nodes > FIELDS_MAX_NODES)
		return tk_fail_code(TK_ERR_LIMIT, "pdf_limit", "pades: more than %u form fields", FIELDS_MAX_NODES);
	if (depth > FIELDS_MAX_DEPTH)
		return tk_fail_code(TK_ERR_LIMIT, "pdf_limit", "pades: form fields nested deeper than %u levels", FIELDS_MAX_DEPTH);
	if ((rc = pdf_resolve(w->doc, ref, &node)) != TK_OK)
		return rc;
	if (node == NULL || pdf_obj_type(node) != PDF_DICT)
		return TK_OK;
	if ((ft = pdf_dict_get(node, "FT")) != NULL)
		sig = pdf_name_is(ft, "Sig");
	snprintf(name, sizeof(name), "%s", parent);
	name_join(name, sizeof(name), pdf_dict_get(node, "T"));
	if ((rc = pdf_dict_get_resolved(w->doc, node, "Kids", &kids)) != TK_OK)
		return rc;
	/* Kids that are widgets without their own /T belong to this field (12.7.3.1). */
	for (i = 0; i < pdf_array_len(kids); i++) {
		const struct pdf_obj *k = NULL;
		if ((rc = pdf_resolve(w->doc, pdf_array_get(kids, i), &k)) != TK_OK)
			return rc;
		if (k != NULL && pdf_obj_type(k) == PDF_DICT && pdf_dict_get(k, "T") != NULL)
			break;
	}
	if (pdf_array_len(kids) > 0 && i < pdf_array_len(kids)) {
		for (i = 0; i < pdf_array_len(kids); i++)
			if ((rc = walk_node(w, pdf_array_get(kids, i), depth + 1, name, sig)) != TK_OK)
				return rc;
		return TK_OK;
	}
	return sig && name[0] ? add_field(w, ref, node, name) : TK_OK;
}

/* The displayed rectangle (x, y, w, h) of a user-space /Rect on a page seen through cm. */
static void displayed_rect(const double r[4], const double cm[6], double out[4])
{
	double lo[2] = { 1e30, 1e30 }, hi[2] = { -1e30, -1e30 };
	double ux[4] = { r[0], r[2], r[0], r[2] }, uy[4] = { r[1], r[1], r[3], r[3] };
	size_t i;

	/* cm is a rotation plus translation: its inverse is the transpose. */
	for (i = 0; i < 4; i++) {
		double dx = ux[i] - cm[4], dy = uy[i] - cm[5];
		double x = cm[0] * dx + cm[1] * dy, y = cm[2] * dx + cm[3] * dy;
		lo[0] = x < lo[0] ? x : lo[0];
		lo[1] = y < lo[1] ? y : lo[1];
		hi[0] = x > hi[0] ? x : hi[0];
		hi[1] = y > hi[1] ? y : hi[1];
	}
	out[0] = lo[0];
	out[1] = lo[1];
	out[2] = hi[0] - lo[0];
	out[3] = hi[1] - lo[1];
}

/* Page of each widget: its /P when that names a page, else the page whose /Annots lists it. */
static enum tk_err locate(struct pdf_doc *doc, struct sigfield *f, size_t n)
{
	size_t npages = 0, k, i, j, left = n;
	enum tk_err rc;

	if ((rc = pdf_page_count(doc, &npages)) != TK_OK)
		return rc;
	for (k = 0; k < npages && left > 0; k++) {
		const struct pdf_page *pg = NULL;
		const struct pdf_obj *annots = NULL;
		if ((rc = pdf_page_get(doc, k, &pg)) != TK_OK)
			return rc;
		if ((rc = pdf_dict_get_resolved(doc, pg->dict, "Annots", &annots)) != TK_OK)
			return rc;
		for (i = 0; i < n; i++) {
			uint32_t pn;
			uint16_t pgen;
			int here = 0;
			if (f[i].pub.page != PADES_PAGE_LAST)
				continue;
			if (pdf_as_ref(pdf_dict_get(f[i].widget, "P"), &pn, &pgen) && pn == pg->num && pg->num != 0)
				here = 1;
			for (j = 0; !here && j < pdf_array_len(annots); j++) {
				uint32_t an;
				uint16_t ag;
				here = pdf_as_ref(pdf_array_get(annots, j), &an, &ag) && an == f[i].widget_num && ag == f[i].widget_gen;
			}
			f[i].in_annots = 0;
			for (j = 0; here && j < pdf_array_len(annots); j++) {
				uint32_t an;
				uint16_t ag;
				if (pdf_as_ref(pdf_array_get(annots, j), &an, &ag) && an == f[i].widget_num && ag == f[i].widget_gen)
					f[i].in_annots = 1;
			}
			if (here) {
				double r[4] = { 0, 0, 0, 0 }, vw, vh, cm[6];
				const struct pdf_obj *rect = NULL;
				if ((rc = pdf_dict_get_resolved(doc, f[i].widget, "Rect", &rect)) != TK_OK)
					return rc;
				for (j = 0; j < 4 && pdf_array_len(rect) == 4; j++)
					if (!pdf_as_real(pdf_array_get(rect, j), &r[j]))
						r[j] = 0;
				/* A /Rect may name any two opposite corners (7.9.5). */
				if (r[0] > r[2]) {
					double s = r[0];
					r[0] = r[2], r[2] = s;
				}
				if (r[1] > r[3]) {
					double s = r[1];
					r[1] = r[3], r[3] = s;
				}
				pades_page_view(pg, &vw, &vh, cm);
				displayed_rect(r, cm, f[i].pub.rect);
				f[i].pub.page = k;
				left--;
			}
		}
	}
	return TK_OK;
}

enum tk_err sigfields_find(struct pdf_doc *doc, struct sigfield *out, size_t max, size_t *n)
{
	const struct pdf_obj *cat = NULL, *acro = NULL, *fields = NULL;
	struct walk w = { doc, out, max, 0, 0 };
	size_t i;
	enum tk_err rc;

	*n = 0;
	if ((rc = pdf_catalog(doc, &cat)) != TK_OK || (rc = pdf_dict_get_resolved(doc, cat, "AcroForm", &acro)) != TK_OK)
		return rc;
	if (acro == NULL || pdf_obj_type(acro) != PDF_DICT)
		return TK_OK;
	if ((rc = pdf_dict_get_resolved(doc, acro, "Fields", &fields)) != TK_OK)
		return rc;
	for (i = 0; i < pdf_array_len(fields); i++)
		if ((rc = walk_node(&w, pdf_array_get(fields, i), 0, "", 0)) != TK_OK)
			return rc;
	if ((rc = locate(doc, out, w.n)) != TK_OK)
		return rc;
	*n = w.n;
	return TK_OK;
}

int sigfield_usable(const struct sigfield *f)
{
	return !f->pub.has_value && f->pub.page != PADES_PAGE_LAST && f->pub.rect[2] >= 1.0 && f->pub.rect[3] >= 1.0;
}

enum tk_err pades_fields(const uint8_t *pdf, size_t len, struct pades_field *out, size_t max, size_t *n)
{
	struct pdf_doc *doc = NULL;
	struct sigfield *f = NULL;
	size_t i, found = 0;
	enum tk_err rc;

	*n = 0;
	if (max == 0 || (f = calloc(max, sizeof(*f))) == NULL)
		return tk_fail(TK_ERR_NOMEM, "pades: out of memory");
	if ((rc = pdf_doc_load(pdf, len, 0, &doc)) == TK_OK && (rc = sigfields_find(doc, f, max, &found)) == TK_OK) {
		for (i = 0; i < found; i++)
			out[i] = f[i].pub;
		*n = found;
	}
	pdf_doc_free(doc);
	free(f);
	return rc;
}

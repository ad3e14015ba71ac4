/*
 * What a later revision changed (ISO 32000-1 7.5.6 incremental updates,
 * 12.8.2.2 DocMDP): the document as of one revision is compared with the
 * next, object number by object number. Entries that point at the same
 * bytes are equal; other objects are parsed from both and compared
 * structurally (references as references, streams by dictionary and raw
 * bytes). A changed object is classified by what it is (signature
 * dictionary, catalog, AcroForm, page, annotation, field, /DSS, metadata)
 * or, for plain streams and arrays, by who refers to it in the newer
 * revision (page content, an annotation's appearance, a page's /Annots,
 * the form's /Fields). New objects that nothing changed refers to are
 * harmless and ignored: every way to make them visible changes an object
 * that is classified.
 */
#include "verify/verify_int.h"

#include "pdf/pdf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DIFF_MAX_ROLES (1u << 20) /* objects given a role (content, annotations, ...) */
#define DIFF_MAX_PAGES (1u << 16) /* pages examined for roles (page numbers, content, annotations) */
#define DIFF_MAX_PARENTS 32u      /* /Parent steps when inheriting /FT */

void vd_detail(struct verify_change *ch, const char *fmt, ...)
{
	va_list ap;

	if (ch->ndetails >= VERIFY_MAX_DETAILS)
		return;
	va_start(ap, fmt);
	vsnprintf(ch->details[ch->ndetails], sizeof(ch->details[0]), fmt, ap);
	va_end(ap);
	/* The same line twice says nothing new. */
	if (ch->ndetails > 0 && strcmp(ch->details[ch->ndetails], ch->details[ch->ndetails - 1]) == 0)
		return;
	ch->ndetails++;
}

enum role_kind { ROLE_CONTENT = 1,
	ROLE_ANNOTS,
	ROLE_AP,
	ROLE_WIDGET_AP,
	ROLE_FIELDS,
	ROLE_PAGE,
	ROLE_FONTDICT,
	ROLE_XODICT,
	ROLE_FONT,
	ROLE_XOBJECT };

struct role {
	uint32_t num;
	uint8_t kind;
	uint32_t page; /* from 1 */
};

struct dctx {
	struct vctx *v;
	struct pdf_doc *a, *b;
	struct verify_change *ch;
	size_t *work;
	uint32_t root_b, acro_b, dss_b, info_b;
	uint32_t *dss_nums;
	size_t ndss, capdss;
	struct role *roles;
	size_t nroles, caproles;
	int roles_built;
	enum tk_err err;
};

static void mark(struct dctx *d, unsigned kind, const char *fmt, ...) PRINTF_LIKE(3, 4);
static void mark(struct dctx *d, unsigned kind, const char *fmt, ...)
{
	char line[120];
	va_list ap;

	d->ch->kinds |= kind;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	vd_detail(d->ch, "%s: %s", verify_mod_name(kind), line);
}

/* A visible change on page (from 1; 0 when unknown), of shadow class shadow (VERIFY_SHADOW_*, may be 0). */
static void touch(struct dctx *d, uint32_t page, unsigned shadow)
{
	size_t i;

	d->ch->shadow |= shadow;
	if (page == 0)
		return;
	for (i = 0; i < d->ch->npages && i < VERIFY_MAX_PAGE_LIST; i++)
		if (d->ch->pages[i] == page)
			return;
	if (d->ch->npages < VERIFY_MAX_PAGE_LIST)
		d->ch->pages[d->ch->npages] = page;
	d->ch->npages++;
}

/* ---- structural equality ---- */

static int obj_equal(const struct pdf_obj *x, const struct pdf_obj *y, unsigned depth, size_t *work);

static int dict_equal(const struct pdf_obj *x, const struct pdf_obj *y, unsigned depth, size_t *work, int skip_length)
{
	size_t i = 0, j = 0, nx = pdf_dict_len(x), ny = pdf_dict_len(y);

	for (;;) {
		const char *kx = NULL, *ky = NULL;
		size_t lx = 0, ly = 0;
		const struct pdf_obj *vx = NULL, *vy = NULL;
		int hx = i < nx && pdf_dict_entry(x, i, &kx, &lx, &vx), hy = j < ny && pdf_dict_entry(y, j, &ky, &ly, &vy);
		if (skip_length && hx && lx == 6 && memcmp(kx, "Length", 6) == 0) {
			i++;
			continue;
		}
		if (skip_length && hy && ly == 6 && memcmp(ky, "Length", 6) == 0) {
			j++;
			continue;
		}
		if (!hx || !hy)
			return hx == hy;
		if (lx != ly || memcmp(kx, ky, lx) != 0 || !obj_equal(vx, vy, depth + 1, work))
			return 0;
		i++;
		j++;
	}
}

static int obj_equal(const struct pdf_obj *x, const struct pdf_obj *y, unsigned depth, size_t *work)
{
	enum pdf_type t = pdf_obj_type(x);
	size_t i, n;

	(*work)++;
	if (x == y)
		return 1;
	if (t != pdf_obj_type(y) || depth > MAX_PDF_NESTING)
		return 0;
	switch (t) {
	case PDF_NULL:
		return 1;
	case PDF_BOOL: {
		bool a = false, b = false;
		return pdf_as_bool(x, &a) && pdf_as_bool(y, &b) && a == b;
	}
	case PDF_INT: {
		int64_t a = 0, b = 0;
		return pdf_as_int(x, &a) && pdf_as_int(y, &b) && a == b;
	}
	case PDF_REAL: {
		double a = 0, b = 0;
		return pdf_as_real(x, &a) && pdf_as_real(y, &b) && a == b;
	}
	case PDF_STRING: {
		const uint8_t *a, *b;
		size_t la, lb;
		return pdf_as_string(x, &a, &la) && pdf_as_string(y, &b, &lb) && la == lb && memcmp(a, b, la) == 0;
	}
	case PDF_NAME: {
		const char *a, *b;
		size_t la, lb;
		return pdf_as_name(x, &a, &la) && pdf_as_name(y, &b, &lb) && la == lb && memcmp(a, b, la) == 0;
	}
	case PDF_REF: {
		uint32_t na, nb;
		uint16_t ga, gb;
		return pdf_as_ref(x, &na, &ga) && pdf_as_ref(y, &nb, &gb) && na == nb && ga == gb;
	}
	case PDF_ARRAY:
		n = pdf_array_len(x);
		if (n != pdf_array_len(y))
			return 0;
		for (i = 0; i < n; i++)
			if (!obj_equal(pdf_array_get(x, i), pdf_array_get(y, i), depth + 1, work))
				return 0;
		return 1;
	case PDF_DICT:
		return dict_equal(x, y, depth, work, 0);
	case PDF_STREAM: {
		const uint8_t *a, *b;
		size_t la, lb;
		if (!pdf_stream_raw(x, &a, &la, NULL) || !pdf_stream_raw(y, &b, &lb, NULL) || la != lb)
			return 0;
		*work += la / 64;
		return memcmp(a, b, la) == 0 && dict_equal(pdf_stream_dict(x), pdf_stream_dict(y), depth, work, 1);
	}
	}
	return 0;
}

/* ---- what an object is ---- */

static const struct pdf_obj *dict_of(const struct pdf_obj *o)
{
	return pdf_obj_type(o) == PDF_STREAM ? pdf_stream_dict(o) : pdf_obj_type(o) == PDF_DICT ? o
												: NULL;
}

static int type_is(const struct pdf_obj *o, const char *t)
{
	return pdf_name_is(pdf_dict_get(dict_of(o), "Type"), t);
}

static int is_sigdict(const struct pdf_obj *o)
{
	const struct pdf_obj *d = dict_of(o);

	return d != NULL && (type_is(d, "Sig") || type_is(d, "DocTimeStamp") ||
				(pdf_dict_get(d, "ByteRange") != NULL && pdf_dict_get(d, "Contents") != NULL && pdf_dict_get(d, "Filter") != NULL));
}

static int is_doc_ts(const struct pdf_obj *o)
{
	return type_is(o, "DocTimeStamp") || pdf_name_is(pdf_dict_get(dict_of(o), "SubFilter"), "ETSI.RFC3161");
}

static int is_field_or_annot(const struct pdf_obj *o)
{
	const struct pdf_obj *d = pdf_obj_type(o) == PDF_DICT ? o : NULL;

	return d != NULL && (type_is(d, "Annot") || pdf_dict_get(d, "FT") != NULL || (pdf_dict_get(d, "Subtype") && pdf_dict_get(d, "Rect")) ||
				(pdf_dict_get(d, "T") != NULL && (pdf_dict_get(d, "Kids") || pdf_dict_get(d, "Parent"))));
}

/* The field type of a field or widget, inherited through /Parent (12.7.3.1). */
static int field_ft(struct pdf_doc *doc, const struct pdf_obj *o, char out[8])
{
	unsigned i;

	out[0] = '\0';
	for (i = 0; o != NULL && pdf_obj_type(o) == PDF_DICT && i < DIFF_MAX_PARENTS; i++) {
		const struct pdf_obj *ft = pdf_dict_get(o, "FT"), *parent = NULL;
		const char *p;
		size_t n;
		if (pdf_as_name(ft, &p, &n)) {
			snprintf(out, 8, "%.*s", (int)(n < 7 ? n : 7), p);
			return 1;
		}
		if (pdf_dict_get_resolved(doc, o, "Parent", &parent) != TK_OK) {
			tk_clear_error();
			return 0;
		}
		o = parent;
	}
	return 0;
}

static void subtype_name(const struct pdf_obj *o, char out[24])
{
	const char *p;
	size_t n;

	if (pdf_as_name(pdf_dict_get(dict_of(o), "Subtype"), &p, &n))
		snprintf(out, 24, "%.*s", (int)(n < 23 ? n : 23), p);
	else
		snprintf(out, 24, "?");
}

/* Resolves o in doc; NULL (error cleared) when it cannot be read. */
static const struct pdf_obj *res(struct pdf_doc *doc, const struct pdf_obj *o)
{
	const struct pdf_obj *r = NULL;

	if (o == NULL)
		return NULL;
	if (pdf_resolve(doc, o, &r) != TK_OK) {
		tk_clear_error();
		return NULL;
	}
	return r;
}

/* ---- roles of plain objects in the newer revision ---- */

static void role_put(struct dctx *d, uint32_t num, enum role_kind kind, uint32_t page);

static void role_add(struct dctx *d, const struct pdf_obj *ref, enum role_kind kind, uint32_t page)
{
	uint32_t num;
	uint16_t gen;

	if (pdf_as_ref(ref, &num, &gen))
		role_put(d, num, kind, page);
}

static void role_put(struct dctx *d, uint32_t num, enum role_kind kind, uint32_t page)
{
	if (d->nroles >= DIFF_MAX_ROLES)
		return;
	if (d->nroles == d->caproles) {
		size_t nc = d->caproles ? d->caproles * 2 : 64;
		struct role *nr = realloc(d->roles, nc * sizeof(*nr));
		if (nr == NULL) {
			d->err = tk_fail(TK_ERR_NOMEM, "verify: out of memory");
			return;
		}
		d->roles = nr;
		d->caproles = nc;
	}
	d->roles[d->nroles].num = num;
	d->roles[d->nroles].kind = (uint8_t)kind;
	d->roles[d->nroles].page = page;
	d->nroles++;
}

static void roles_of_ap(struct dctx *d, const struct pdf_obj *ap, enum role_kind kind, uint32_t page)
{
	static const char *const keys[] = { "N", "R", "D" };
	size_t i, j;

	ap = res(d->b, ap);
	for (i = 0; i < 3 && pdf_obj_type(ap) == PDF_DICT; i++) {
		const struct pdf_obj *e = pdf_dict_get(ap, keys[i]), *er;
		if (pdf_obj_type(e) == PDF_REF) {
			role_add(d, e, kind, page);
			er = res(d->b, e);
		} else {
			er = e;
		}
		/* Appearance states: a dictionary of streams (12.5.5). */
		if (pdf_obj_type(er) == PDF_DICT)
			for (j = 0; j < pdf_dict_len(er) && j < 64; j++) {
				const char *k;
				size_t kl;
				const struct pdf_obj *sv;
				if (pdf_dict_entry(er, j, &k, &kl, &sv))
					role_add(d, sv, kind, page);
			}
	}
}

static int role_cmp(const void *x, const void *y)
{
	const struct role *a = x, *b = y;

	return a->num < b->num ? -1 : a->num > b->num ? 1
						      : (int)a->kind - (int)b->kind;
}

static void roles_build(struct dctx *d)
{
	size_t np = 0, i, j;
	const struct pdf_obj *cat = NULL, *acro, *fields;

	d->roles_built = 1;
	if (pdf_page_count(d->b, &np) != TK_OK) {
		tk_clear_error();
		np = 0;
	}
	for (i = 0; i < np && i < DIFF_MAX_PAGES && d->err == TK_OK && *d->work <= VERIFY_MAX_DIFF_WORK; i++) {
		const struct pdf_page *pg = NULL;
		const struct pdf_obj *c, *cr, *an, *ar;
		if (pdf_page_get(d->b, i, &pg) != TK_OK) {
			tk_clear_error();
			continue;
		}
		if (pg->num != 0)
			role_put(d, pg->num, ROLE_PAGE, (uint32_t)i + 1);
		c = pdf_dict_get(pg->dict, "Contents");
		role_add(d, c, ROLE_CONTENT, (uint32_t)i + 1);
		cr = res(d->b, c);
		for (j = 0; pdf_obj_type(cr) == PDF_ARRAY && j < pdf_array_len(cr); j++)
			role_add(d, pdf_array_get(cr, j), ROLE_CONTENT, (uint32_t)i + 1);
		role_add(d, pdf_dict_get(pg->dict, "Resources"), ROLE_CONTENT, (uint32_t)i + 1);
		if (pdf_obj_type(pg->resources) == PDF_DICT) {
			static const char *const rk[] = { "Font", "XObject" };
			size_t k, m;
			for (k = 0; k < 2; k++) {
				const struct pdf_obj *sub = pdf_dict_get(pg->resources, rk[k]), *sr;
				role_add(d, sub, k == 0 ? ROLE_FONTDICT : ROLE_XODICT, (uint32_t)i + 1);
				sr = res(d->b, sub);
				for (m = 0; pdf_obj_type(sr) == PDF_DICT && m < pdf_dict_len(sr) && m < 1024; m++) {
					const char *kn;
					size_t kl;
					const struct pdf_obj *rv;
					if (pdf_dict_entry(sr, m, &kn, &kl, &rv))
						role_add(d, rv, k == 0 ? ROLE_FONT : ROLE_XOBJECT, (uint32_t)i + 1);
				}
				(*d->work) += m;
			}
		}
		an = pdf_dict_get(pg->dict, "Annots");
		role_add(d, an, ROLE_ANNOTS, (uint32_t)i + 1);
		ar = res(d->b, an);
		for (j = 0; pdf_obj_type(ar) == PDF_ARRAY && j < pdf_array_len(ar) && j < 4096; j++) {
			const struct pdf_obj *a = res(d->b, pdf_array_get(ar, j));
			char ft[8];
			(*d->work)++;
			if (pdf_obj_type(a) != PDF_DICT)
				continue;
			roles_of_ap(d, pdf_dict_get(a, "AP"), field_ft(d->b, a, ft) ? ROLE_WIDGET_AP : ROLE_AP, (uint32_t)i + 1);
		}
		(*d->work) += 16;
	}
	if (pdf_catalog(d->b, &cat) == TK_OK && (acro = res(d->b, pdf_dict_get(cat, "AcroForm"))) != NULL &&
	    (fields = pdf_dict_get(acro, "Fields")) != NULL)
		role_add(d, fields, ROLE_FIELDS, 0);
	tk_clear_error();
	if (d->nroles > 1)
		qsort(d->roles, d->nroles, sizeof(d->roles[0]), role_cmp);
}

/* The role of object num (the first by kind, or exactly kind when it is not 0); NULL when none. */
static const struct role *role_find(struct dctx *d, uint32_t num, enum role_kind kind)
{
	size_t lo = 0, hi;

	if (!d->roles_built)
		roles_build(d);
	hi = d->nroles;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (d->roles[mid].num < num)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < d->nroles && d->roles[lo].num == num; lo++)
		if (kind == 0 ? d->roles[lo].kind != ROLE_PAGE : d->roles[lo].kind == kind)
			return &d->roles[lo];
	return NULL;
}

static const struct role *role_of(struct dctx *d, uint32_t num)
{
	return role_find(d, num, 0);
}

/* Objects reachable from the newer /DSS (ETSI EN 319 142-1 5.4.2): certificates, CRLs, OCSP responses, VRI. */
static void dss_add(struct dctx *d, const struct pdf_obj *ref)
{
	uint32_t num;
	uint16_t gen;

	if (!pdf_as_ref(ref, &num, &gen) || d->ndss >= 4u * VERIFY_MAX_DSS_ITEMS)
		return;
	if (d->ndss == d->capdss) {
		size_t nc = d->capdss ? d->capdss * 2 : 32;
		uint32_t *nn = realloc(d->dss_nums, nc * sizeof(*nn));
		if (nn == NULL) {
			d->err = tk_fail(TK_ERR_NOMEM, "verify: out of memory");
			return;
		}
		d->dss_nums = nn;
		d->capdss = nc;
	}
	d->dss_nums[d->ndss++] = num;
}

static void dss_array(struct dctx *d, const struct pdf_obj *a)
{
	const struct pdf_obj *ar;
	size_t i;

	dss_add(d, a);
	ar = res(d->b, a);
	for (i = 0; pdf_obj_type(ar) == PDF_ARRAY && i < pdf_array_len(ar) && i < VERIFY_MAX_DSS_ITEMS; i++)
		dss_add(d, pdf_array_get(ar, i));
}

static void dss_collect(struct dctx *d, const struct pdf_obj *cat)
{
	static const char *const lists[] = { "Certs", "CRLs", "OCSPs" };
	static const char *const vlists[] = { "Cert", "CRL", "OCSP", "TS" };
	const struct pdf_obj *dss_ref = pdf_dict_get(cat, "DSS"), *dss, *vri;
	uint32_t num;
	uint16_t gen;
	size_t i, j;

	if (pdf_as_ref(dss_ref, &num, &gen))
		d->dss_b = num;
	if ((dss = res(d->b, dss_ref)) == NULL || pdf_obj_type(dss) != PDF_DICT)
		return;
	for (i = 0; i < 3; i++)
		dss_array(d, pdf_dict_get(dss, lists[i]));
	dss_add(d, pdf_dict_get(dss, "VRI"));
	vri = res(d->b, pdf_dict_get(dss, "VRI"));
	for (i = 0; pdf_obj_type(vri) == PDF_DICT && i < pdf_dict_len(vri) && i < VERIFY_MAX_DSS_ITEMS; i++) {
		const char *k;
		size_t kl;
		const struct pdf_obj *e, *er;
		if (!pdf_dict_entry(vri, i, &k, &kl, &e))
			continue;
		dss_add(d, e);
		er = res(d->b, e);
		for (j = 0; pdf_obj_type(er) == PDF_DICT && j < 4; j++)
			dss_array(d, pdf_dict_get(er, vlists[j]));
	}
}

static int in_dss(const struct dctx *d, uint32_t num)
{
	size_t i;

	if (num == d->dss_b && num != 0)
		return 1;
	for (i = 0; i < d->ndss; i++)
		if (d->dss_nums[i] == num)
			return 1;
	return 0;
}

/* ---- classification ---- */

/* Elements of two arrays of references: what was added and removed. */
static void array_delta(struct dctx *d, const struct pdf_obj *aa, const struct pdf_obj *ab,
    void (*added)(struct dctx *, const struct pdf_obj *, uint32_t), void (*removed)(struct dctx *, const struct pdf_obj *, uint32_t),
    uint32_t ctx)
{
	size_t i, j, na = pdf_array_len(aa), nb = pdf_array_len(ab);

	*d->work += na + nb;
	if ((uint64_t)na * nb > 16u * 1024u * 1024u) {
		mark(d, VERIFY_MOD_OTHER, "an array of %zu entries changed (too large to compare)", nb);
		return;
	}
	for (j = 0; j < nb; j++) {
		const struct pdf_obj *e = pdf_array_get(ab, j);
		int found = 0;
		for (i = 0; i < na && !found; i++)
			found = obj_equal(pdf_array_get(aa, i), e, 0, d->work);
		if (!found)
			added(d, e, ctx);
	}
	for (i = 0; i < na; i++) {
		const struct pdf_obj *e = pdf_array_get(aa, i);
		int found = 0;
		for (j = 0; j < nb && !found; j++)
			found = obj_equal(pdf_array_get(ab, j), e, 0, d->work);
		if (!found)
			removed(d, e, ctx);
	}
}

static void annot_added(struct dctx *d, const struct pdf_obj *e, uint32_t page)
{
	const struct pdf_obj *a = res(d->b, e);
	char ft[8], st[24];

	subtype_name(a, st);
	if (field_ft(d->b, a, ft)) {
		if (strcmp(ft, "Sig") == 0)
			mark(d, VERIFY_MOD_SIGNATURE, "signature widget added on page %u", page);
		else
			mark(d, VERIFY_MOD_OTHER, "form field widget (%s) added on page %u", ft, page);
	} else if (pdf_dict_get(dict_of(a), "AP") != NULL && strcmp(st, "Link") != 0 && strcmp(st, "Popup") != 0) {
		mark(d, VERIFY_MOD_ANNOTATION, "/%s annotation added on page %u, drawn over the signed content", st, page);
		touch(d, page, VERIFY_SHADOW_HIDE);
	} else {
		mark(d, VERIFY_MOD_ANNOTATION, "/%s annotation added on page %u", st, page);
	}
}

static void annot_removed(struct dctx *d, const struct pdf_obj *e, uint32_t page)
{
	const struct pdf_obj *a = res(d->a, e);
	char ft[8], st[24];

	subtype_name(a, st);
	if (field_ft(d->a, a, ft))
		mark(d, VERIFY_MOD_OTHER, "form field widget (%s) removed from page %u", ft, page);
	else
		mark(d, VERIFY_MOD_ANNOTATION, "/%s annotation removed from page %u", st, page);
}

static void field_added(struct dctx *d, const struct pdf_obj *e, uint32_t unused)
{
	const struct pdf_obj *f = res(d->b, e);
	char ft[8];

	(void)unused;
	if (field_ft(d->b, f, ft) && strcmp(ft, "Sig") == 0)
		mark(d, VERIFY_MOD_SIGNATURE, "signature field added to the form");
	else
		mark(d, VERIFY_MOD_OTHER, "form field (%s) added", ft[0] ? ft : "?");
}

static void field_removed(struct dctx *d, const struct pdf_obj *e, uint32_t unused)
{
	(void)e;
	(void)unused;
	mark(d, VERIFY_MOD_OTHER, "form field removed");
}

static void annots_diff(struct dctx *d, const struct pdf_obj *aa, const struct pdf_obj *ab, uint32_t page)
{
	aa = res(d->a, aa);
	ab = res(d->b, ab);
	if ((aa != NULL && pdf_obj_type(aa) != PDF_ARRAY) || (ab != NULL && pdf_obj_type(ab) != PDF_ARRAY)) {
		mark(d, VERIFY_MOD_ANNOTATION, "/Annots of page %u replaced", page);
		return;
	}
	array_delta(d, aa, ab, annot_added, annot_removed, page);
}

static void fields_diff(struct dctx *d, const struct pdf_obj *fa, const struct pdf_obj *fb)
{
	fa = res(d->a, fa);
	fb = res(d->b, fb);
	if ((fa != NULL && pdf_obj_type(fa) != PDF_ARRAY) || (fb != NULL && pdf_obj_type(fb) != PDF_ARRAY)) {
		mark(d, VERIFY_MOD_OTHER, "/Fields of the form replaced");
		return;
	}
	array_delta(d, fa, fb, field_added, field_removed, 0);
}

/* Calls fn for every key whose value differs between two dictionaries. */
static void dict_delta(struct dctx *d, const struct pdf_obj *x, const struct pdf_obj *y,
    void (*fn)(struct dctx *, const char *key, const struct pdf_obj *, const struct pdf_obj *, void *), void *arg)
{
	size_t i, n;
	char key[64];

	for (i = 0, n = pdf_dict_len(y); i < n; i++) {
		const char *k;
		size_t kl;
		const struct pdf_obj *vy, *vx;
		if (!pdf_dict_entry(y, i, &k, &kl, &vy))
			continue;
		snprintf(key, sizeof(key), "%.*s", (int)(kl < 63 ? kl : 63), k);
		vx = pdf_dict_get(x, key);
		if (vx == NULL || !obj_equal(vx, vy, 0, d->work))
			fn(d, key, vx, vy, arg);
	}
	for (i = 0, n = pdf_dict_len(x); i < n; i++) {
		const char *k;
		size_t kl;
		const struct pdf_obj *vx;
		if (!pdf_dict_entry(x, i, &k, &kl, &vx))
			continue;
		snprintf(key, sizeof(key), "%.*s", (int)(kl < 63 ? kl : 63), k);
		if (pdf_dict_get(y, key) == NULL)
			fn(d, key, vx, NULL, arg);
	}
}

static void acro_key(struct dctx *d, const char *key, const struct pdf_obj *va, const struct pdf_obj *vb, void *arg)
{
	(void)arg;
	if (strcmp(key, "Fields") == 0)
		fields_diff(d, va, vb);
	else if (strcmp(key, "SigFlags") == 0)
		mark(d, VERIFY_MOD_SIGNATURE, "/SigFlags of the form set");
	else if (strcmp(key, "DR") == 0 || strcmp(key, "DA") == 0 || strcmp(key, "Q") == 0 || strcmp(key, "NeedAppearances") == 0 ||
		 strcmp(key, "XFA") == 0 || strcmp(key, "CO") == 0)
		mark(d, VERIFY_MOD_FORM_FILL, "form /%s changed", key);
	else
		mark(d, VERIFY_MOD_OTHER, "form /%s changed", key);
}

static void acroform_diff(struct dctx *d, const struct pdf_obj *fa, const struct pdf_obj *fb)
{
	fa = res(d->a, fa);
	fb = res(d->b, fb);
	if (pdf_obj_type(fb) != PDF_DICT) {
		if (fa != NULL)
			mark(d, VERIFY_MOD_OTHER, "the interactive form was removed");
		return;
	}
	dict_delta(d, pdf_obj_type(fa) == PDF_DICT ? fa : NULL, fb, acro_key, NULL);
}

static void catalog_key(struct dctx *d, const char *key, const struct pdf_obj *va, const struct pdf_obj *vb, void *arg)
{
	(void)arg;
	if (strcmp(key, "AcroForm") == 0)
		acroform_diff(d, va, vb);
	else if (strcmp(key, "DSS") == 0 || strcmp(key, "Extensions") == 0)
		mark(d, VERIFY_MOD_DSS, "catalog /%s %s", key, va == NULL ? "added" : "changed");
	else if (strcmp(key, "Metadata") == 0)
		mark(d, VERIFY_MOD_METADATA, "XMP metadata replaced");
	else if (strcmp(key, "Pages") == 0)
		mark(d, VERIFY_MOD_PAGE_CONTENT, "the page tree was replaced");
	else if (strcmp(key, "Perms") == 0)
		mark(d, VERIFY_MOD_OTHER, "document permissions (/Perms) changed");
	else
		mark(d, VERIFY_MOD_OTHER, "catalog /%s changed", key);
}

struct page_arg {
	uint32_t page;
};

/* A page's /Contents before and after: appended to (drawn over what was signed) or replaced. */
static void contents_diff(struct dctx *d, const struct pdf_obj *va, const struct pdf_obj *vb, uint32_t page)
{
	const struct pdf_obj *ab = res(d->b, vb);
	size_t i, na, nb;

	na = pdf_obj_type(va) == PDF_ARRAY ? pdf_array_len(va) : va != NULL ? 1
									    : 0;
	nb = pdf_obj_type(ab) == PDF_ARRAY ? pdf_array_len(ab) : 0;
	if (na > 0 && nb > na) {
		const struct pdf_obj *aa = pdf_obj_type(va) == PDF_ARRAY ? va : NULL;
		for (i = 0; i < na; i++)
			if (!obj_equal(aa != NULL ? pdf_array_get(aa, i) : va, pdf_array_get(ab, i), 0, d->work))
				break;
		if (i == na) {
			mark(d, VERIFY_MOD_PAGE_CONTENT, "page %u: content appended, drawn over what was signed", page);
			touch(d, page, VERIFY_SHADOW_HIDE);
			return;
		}
	}
	if (vb == NULL) {
		mark(d, VERIFY_MOD_PAGE_CONTENT, "page %u: content removed", page);
		touch(d, page, VERIFY_SHADOW_HIDE);
		return;
	}
	mark(d, VERIFY_MOD_PAGE_CONTENT, "page %u: content stream replaced", page);
	touch(d, page, VERIFY_SHADOW_REPLACE);
}

struct res_arg {
	uint32_t page;
	const char *what; /* "font", "XObject" */
};

static void res_entry(struct dctx *d, const char *key, const struct pdf_obj *va, const struct pdf_obj *vb, void *arg)
{
	const struct res_arg *ra = arg;

	if (va == NULL) {
		mark(d, VERIFY_MOD_PAGE_CONTENT, "page %u: %s /%s added to the resources", ra->page, ra->what, key);
		touch(d, ra->page, 0);
	} else if (vb == NULL) {
		mark(d, VERIFY_MOD_PAGE_CONTENT, "page %u: %s /%s removed from the resources", ra->page, ra->what, key);
		touch(d, ra->page, VERIFY_SHADOW_HIDE);
	} else {
		mark(d, VERIFY_MOD_PAGE_CONTENT, "page %u: %s /%s replaced by another object", ra->page, ra->what, key);
		touch(d, ra->page, VERIFY_SHADOW_REPLACE);
	}
}

/* Two resource dictionaries (7.8.3): which fonts and XObjects changed; anything else is a resources change. */
static void resources_diff(struct dctx *d, const struct pdf_obj *va, const struct pdf_obj *vb, uint32_t page)
{
	static const char *const keys[] = { "Font", "XObject" };
	static const char *const what[] = { "font", "XObject" };
	const struct pdf_obj *ra = res(d->a, va), *rb = res(d->b, vb);
	size_t k, before = d->ch->ndetails;
	unsigned kinds = d->ch->kinds;

	if (pdf_obj_type(ra) != PDF_DICT || pdf_obj_type(rb) != PDF_DICT) {
		mark(d, VERIFY_MOD_PAGE_CONTENT, "page %u: resources replaced", page);
		touch(d, page, VERIFY_SHADOW_REPLACE);
		return;
	}
	for (k = 0; k < 2; k++) {
		const struct pdf_obj *sa = res(d->a, pdf_dict_get(ra, keys[k])), *sb = res(d->b, pdf_dict_get(rb, keys[k]));
		struct res_arg arg = { page, what[k] };
		if (sa == NULL && sb == NULL)
			continue;
		dict_delta(d, pdf_obj_type(sa) == PDF_DICT ? sa : NULL, pdf_obj_type(sb) == PDF_DICT ? sb : NULL, res_entry, &arg);
	}
	if (d->ch->ndetails == before && d->ch->kinds == kinds) {
		mark(d, VERIFY_MOD_PAGE_CONTENT, "page %u: resources changed", page);
		touch(d, page, 0);
	}
}

static void page_key(struct dctx *d, const char *key, const struct pdf_obj *va, const struct pdf_obj *vb, void *arg)
{
	const struct page_arg *pa = arg;

	if (strcmp(key, "Annots") == 0) {
		annots_diff(d, va, vb, pa->page);
	} else if (strcmp(key, "Contents") == 0) {
		contents_diff(d, va, vb, pa->page);
	} else if (strcmp(key, "Resources") == 0) {
		resources_diff(d, va, vb, pa->page);
	} else if (strcmp(key, "MediaBox") == 0 || strcmp(key, "CropBox") == 0 || strcmp(key, "Rotate") == 0) {
		mark(d, VERIFY_MOD_PAGE_CONTENT, "page %u: /%s changed: what is shown of the page changed", pa->page, key);
		touch(d, pa->page, VERIFY_SHADOW_HIDE);
	} else {
		mark(d, VERIFY_MOD_PAGE_CONTENT, "page %u: /%s changed", pa->page, key);
		touch(d, pa->page, 0);
	}
}

static uint32_t page_number(struct dctx *d, uint32_t num)
{
	const struct role *r = role_find(d, num, ROLE_PAGE);

	return r != NULL ? r->page : 0;
}

static void field_changed(struct dctx *d, uint32_t num, const struct pdf_obj *oa, const struct pdf_obj *ob)
{
	char ft[8], st[24];
	const struct pdf_obj *va = pdf_dict_get(oa, "V"), *vb = pdf_dict_get(ob, "V");

	if (field_ft(d->b, ob, ft)) {
		if (strcmp(ft, "Sig") == 0) {
			if (pdf_is_null(va) && !pdf_is_null(vb))
				mark(d, VERIFY_MOD_SIGNATURE, "empty signature field (object %u) signed", num);
			else if (!obj_equal(va, vb, 0, d->work))
				mark(d, VERIFY_MOD_OTHER, "the value of signature field (object %u) was replaced", num);
			else
				mark(d, VERIFY_MOD_ANNOTATION, "appearance of signature field (object %u) changed", num);
		} else {
			mark(d, VERIFY_MOD_FORM_FILL, "%s field (object %u) changed", ft, num);
		}
		return;
	}
	subtype_name(ob, st);
	mark(d, VERIFY_MOD_ANNOTATION, "/%s annotation (object %u) changed", st, num);
}

static void classify(struct dctx *d, uint32_t num, const struct pdf_obj *oa, const struct pdf_obj *ob)
{
	const struct pdf_obj *db = dict_of(ob);

	if (ob == NULL) {
		if (type_is(oa, "XRef") || type_is(oa, "ObjStm"))
			return;
		mark(d, VERIFY_MOD_OTHER, "object %u deleted", num);
		return;
	}
	if (type_is(ob, "XRef") || type_is(ob, "ObjStm"))
		return;
	if (num == d->root_b) {
		dict_delta(d, dict_of(oa), db, catalog_key, NULL);
		return;
	}
	if (num == d->acro_b && d->acro_b != 0) {
		acroform_diff(d, oa, ob);
		return;
	}
	if (is_sigdict(ob)) {
		if (oa != NULL)
			mark(d, VERIFY_MOD_OTHER, "signature dictionary (object %u) changed", num);
		else if (is_doc_ts(ob))
			mark(d, VERIFY_MOD_DOC_TIMESTAMP, "document timestamp (object %u) added", num);
		else
			mark(d, VERIFY_MOD_SIGNATURE, "signature (object %u) added", num);
		return;
	}
	if (type_is(ob, "DSS") || in_dss(d, num)) {
		mark(d, VERIFY_MOD_DSS, "validation data (object %u) %s", num, oa ? "changed" : "added");
		return;
	}
	if (num == d->info_b && d->info_b != 0) {
		mark(d, VERIFY_MOD_METADATA, "document information dictionary changed");
		return;
	}
	if (oa == NULL)
		return; /* new and unreferenced by anything unchanged: judged through its referrers */
	if (type_is(ob, "Page")) {
		struct page_arg pa = { page_number(d, num) };
		dict_delta(d, dict_of(oa), db, page_key, &pa);
		return;
	}
	if (type_is(ob, "Pages")) {
		mark(d, VERIFY_MOD_PAGE_CONTENT, "page tree node (object %u) changed", num);
		return;
	}
	if (type_is(ob, "Metadata")) {
		mark(d, VERIFY_MOD_METADATA, "XMP metadata (object %u) changed", num);
		return;
	}
	if (is_field_or_annot(ob)) {
		field_changed(d, num, dict_of(oa), db);
		return;
	}
	{
		const struct role *r = role_of(d, num);
		if (d->err != TK_OK)
			return;
		if (r == NULL) {
			mark(d, VERIFY_MOD_OTHER, "object %u (%s) changed", num, pdf_type_name(pdf_obj_type(ob)));
			return;
		}
		switch (r->kind) {
		case ROLE_CONTENT:
			if (pdf_obj_type(ob) == PDF_STREAM) {
				mark(d, VERIFY_MOD_PAGE_CONTENT, "page %u: content stream (object %u) rewritten", r->page, num);
				touch(d, r->page, VERIFY_SHADOW_REPLACE);
			} else if (pdf_obj_type(ob) == PDF_DICT) {
				resources_diff(d, oa, ob, r->page);
			} else {
				mark(d, VERIFY_MOD_PAGE_CONTENT, "page %u: content or resources (object %u) changed", r->page, num);
				touch(d, r->page, VERIFY_SHADOW_REPLACE);
			}
			break;
		case ROLE_FONTDICT:
		case ROLE_XODICT: {
			struct res_arg arg = { r->page, r->kind == ROLE_FONTDICT ? "font" : "XObject" };
			if (pdf_obj_type(oa) == PDF_DICT && pdf_obj_type(ob) == PDF_DICT)
				dict_delta(d, oa, ob, res_entry, &arg);
			else
				mark(d, VERIFY_MOD_PAGE_CONTENT, "page %u: resources (object %u) replaced", r->page, num);
			touch(d, r->page, VERIFY_SHADOW_REPLACE);
			break;
		}
		case ROLE_FONT:
			mark(d, VERIFY_MOD_PAGE_CONTENT, "page %u: font (object %u) replaced: the same text codes can show other glyphs",
			    r->page, num);
			touch(d, r->page, VERIFY_SHADOW_REPLACE);
			break;
		case ROLE_XOBJECT:
			mark(d, VERIFY_MOD_PAGE_CONTENT, "page %u: image or form XObject (object %u) replaced", r->page, num);
			touch(d, r->page, VERIFY_SHADOW_REPLACE);
			break;
		case ROLE_ANNOTS:
			annots_diff(d, oa, ob, r->page);
			break;
		case ROLE_AP:
			mark(d, VERIFY_MOD_ANNOTATION, "page %u: annotation appearance (object %u) changed", r->page, num);
			break;
		case ROLE_WIDGET_AP:
			mark(d, VERIFY_MOD_FORM_FILL, "page %u: field appearance (object %u) changed", r->page, num);
			break;
		case ROLE_FIELDS:
			fields_diff(d, oa, ob);
			break;
		default:
			mark(d, VERIFY_MOD_OTHER, "object %u changed", num);
		}
	}
}

/* ---- pages as lists of page objects ---- */

enum tk_err vd_page_list(struct pdf_doc *doc, uint32_t **nums, size_t *n)
{
	size_t np = 0, i;
	uint32_t *v;

	*nums = NULL;
	*n = 0;
	if (pdf_page_count(doc, &np) != TK_OK) {
		if (tk_last_error()->err == TK_ERR_NOMEM)
			return TK_ERR_NOMEM;
		tk_clear_error();
		return TK_ERR_INVALID;
	}
	if (np > DIFF_MAX_PAGES)
		return TK_ERR_LIMIT;
	if ((v = calloc(np ? np : 1, sizeof(*v))) == NULL)
		return tk_fail(TK_ERR_NOMEM, "verify: out of memory");
	for (i = 0; i < np; i++) {
		const struct pdf_page *pg = NULL;
		if (pdf_page_get(doc, i, &pg) == TK_OK)
			v[i] = pg->num;
		tk_clear_error();
	}
	*nums = v;
	*n = np;
	return TK_OK;
}

static int u32_cmp(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;

	return a < b ? -1 : a > b;
}

static int u32_in(const uint32_t *sorted, size_t n, uint32_t x)
{
	return n > 0 && bsearch(&x, sorted, n, sizeof(x), u32_cmp) != NULL;
}

/* Positions (from 1) of the entries of x that are not in y; direct pages (0) are never counted. */
static enum tk_err list_missing(const uint32_t *x, size_t nx, const uint32_t *y, size_t ny, uint32_t *out, size_t *nout)
{
	uint32_t *sy = malloc((ny ? ny : 1) * sizeof(*sy));
	size_t i;

	*nout = 0;
	if (sy == NULL)
		return tk_fail(TK_ERR_NOMEM, "verify: out of memory");
	if (ny > 0)
		memcpy(sy, y, ny * sizeof(*sy));
	qsort(sy, ny, sizeof(*sy), u32_cmp);
	for (i = 0; i < nx; i++)
		if (x[i] != 0 && !u32_in(sy, ny, x[i])) {
			if (*nout < VERIFY_MAX_PAGE_LIST)
				out[*nout] = (uint32_t)i + 1;
			(*nout)++;
		}
	free(sy);
	return TK_OK;
}

enum tk_err vd_pages_compare(const uint32_t *a, size_t na, const uint32_t *b, size_t nb, struct verify_pages *out)
{
	enum tk_err rc;

	out->known = 1;
	out->signed_count = na;
	out->now_count = nb;
	if ((rc = list_missing(b, nb, a, na, out->added, &out->nadded)) != TK_OK)
		return rc;
	if ((rc = list_missing(a, na, b, nb, out->removed, &out->nremoved)) != TK_OK)
		return rc;
	/* Same count, same objects, other order: the pages were reordered. */
	if (out->nadded == 0 && out->nremoved == 0 && na == nb && na > 0 && memcmp(a, b, na * sizeof(*a)) != 0)
		out->reordered = 1;
	return TK_OK;
}

/* Pages added and removed between a and b, as details of ch. */
static enum tk_err pages_delta(struct dctx *d)
{
	uint32_t *pa = NULL, *pb = NULL;
	size_t na = 0, nb = 0, i;
	struct verify_pages pg;
	enum tk_err rc;

	memset(&pg, 0, sizeof(pg));
	if ((rc = vd_page_list(d->a, &pa, &na)) != TK_OK || (rc = vd_page_list(d->b, &pb, &nb)) != TK_OK) {
		if (rc == TK_ERR_NOMEM)
			goto out;
		rc = TK_OK; /* the page tree is judged through the objects that changed */
		goto out;
	}
	*d->work += na + nb;
	if ((rc = vd_pages_compare(pa, na, pb, nb, &pg)) != TK_OK)
		goto out;
	for (i = 0; i < pg.nadded && i < VERIFY_MAX_PAGE_LIST; i++)
		mark(d, VERIFY_MOD_PAGE_CONTENT, "page %u added (the document had %zu pages, now %zu)", pg.added[i], na, nb);
	for (i = 0; i < pg.nremoved && i < VERIFY_MAX_PAGE_LIST; i++)
		mark(d, VERIFY_MOD_PAGE_CONTENT, "page %u removed (the document had %zu pages, now %zu)", pg.removed[i], na, nb);
	if (pg.nremoved > 0)
		d->ch->shadow |= VERIFY_SHADOW_HIDE;
	if (pg.reordered) {
		mark(d, VERIFY_MOD_PAGE_CONTENT, "the pages were put in another order");
		d->ch->shadow |= VERIFY_SHADOW_REPLACE;
	}
	d->ch->pages_added += pg.nadded;
	d->ch->pages_removed += pg.nremoved;
out:
	free(pa);
	free(pb);
	return rc;
}

/* Do two xref entries certainly name the same bytes of the shared prefix? */
static int same_entry(struct pdf_doc *a, struct pdf_doc *b, const struct pdf_xref_info *x, const struct pdf_xref_info *y)
{
	int ex = x->type == PDF_XREF_INUSE || x->type == PDF_XREF_COMPRESSED, ey = y->type == PDF_XREF_INUSE || y->type == PDF_XREF_COMPRESSED;
	struct pdf_xref_info sx, sy;

	if (!ex && !ey)
		return 1;
	if (x->type != y->type || x->gen != y->gen)
		return 0;
	if (x->type == PDF_XREF_INUSE)
		return x->off == y->off;
	if (x->stm != y->stm || x->idx != y->idx)
		return 0;
	pdf_xref_get(a, x->stm, &sx);
	pdf_xref_get(b, y->stm, &sy);
	return sx.type == PDF_XREF_INUSE && sy.type == PDF_XREF_INUSE && sx.off == sy.off;
}

static const struct pdf_obj *get_obj(struct pdf_doc *doc, uint32_t num, const struct pdf_xref_info *x, int *bad)
{
	const struct pdf_obj *o = NULL;
	enum tk_err rc;

	if (x->type != PDF_XREF_INUSE && x->type != PDF_XREF_COMPRESSED)
		return NULL;
	rc = pdf_get_object(doc, num, x->gen, &o);
	if (rc != TK_OK) {
		tk_clear_error();
		*bad = 1;
		return NULL;
	}
	return o;
}

enum tk_err vd_compare(struct vctx *v, struct pdf_doc *a, struct pdf_doc *b, struct verify_change *ch, size_t *work)
{
	struct dctx d;
	const struct pdf_obj *cat = NULL, *info;
	uint32_t n, size, ra;
	uint16_t g;
	enum tk_err rc = TK_OK;

	memset(&d, 0, sizeof(d));
	d.v = v;
	d.a = a;
	d.b = b;
	d.ch = ch;
	d.work = work;
	pdf_catalog_ref(b, &d.root_b, &g);
	pdf_catalog_ref(a, &ra, &g);
	if (ra != d.root_b)
		mark(&d, VERIFY_MOD_OTHER, "the document catalog was replaced by object %u", d.root_b);
	if (pdf_catalog(b, &cat) == TK_OK) {
		uint32_t an;
		if (pdf_as_ref(pdf_dict_get(cat, "AcroForm"), &an, &g))
			d.acro_b = an;
		dss_collect(&d, cat);
	}
	tk_clear_error();
	if ((rc = pages_delta(&d)) != TK_OK)
		goto out;
	info = pdf_dict_get(pdf_trailer(b), "Info");
	if (pdf_as_ref(info, &n, &g))
		d.info_b = n;
	if (!obj_equal(pdf_dict_get(pdf_trailer(a), "Info"), info, 0, work))
		mark(&d, VERIFY_MOD_METADATA, "the trailer points to another document information dictionary");
	if (ra != d.root_b) {
		const struct pdf_obj *ca = NULL;
		if (pdf_catalog(a, &ca) == TK_OK && cat != NULL)
			dict_delta(&d, ca, cat, catalog_key, NULL);
		tk_clear_error();
	}

	size = pdf_xref_size(a) > pdf_xref_size(b) ? pdf_xref_size(a) : pdf_xref_size(b);
	for (n = 1; n < size && d.err == TK_OK; n++) {
		struct pdf_xref_info xa, xb;
		const struct pdf_obj *oa, *ob;
		int bad = 0;
		if ((++*work & 0xffffu) == 0 && (rc = vctx_check_time(v)) != TK_OK)
			goto out;
		if (*work > VERIFY_MAX_DIFF_WORK) {
			ch->kinds |= VERIFY_MOD_UNANALYSED;
			vd_detail(ch, "unanalysed: comparing revisions exceeded VERIFY_MAX_DIFF_WORK");
			break;
		}
		pdf_xref_get(a, n, &xa);
		pdf_xref_get(b, n, &xb);
		if (same_entry(a, b, &xa, &xb))
			continue;
		oa = get_obj(a, n, &xa, &bad);
		ob = get_obj(b, n, &xb, &bad);
		if (bad && ob == NULL && xb.type != PDF_XREF_FREE && xb.type != PDF_XREF_NONE) {
			mark(&d, VERIFY_MOD_OTHER, "object %u is unreadable in the newer revision", n);
			continue;
		}
		if (oa != NULL && ob != NULL && obj_equal(oa, ob, 0, work))
			continue;
		classify(&d, n, oa, ob);
	}
	rc = d.err;
out:
	free(d.roles);
	free(d.dss_nums);
	return rc;
}

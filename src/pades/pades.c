/*
 * PAdES signing: builds the incremental update, hashes the byte ranges
 * around the /Contents placeholder, signs the digest as CMS and patches
 * the placeholder in place (ISO 32000-1 12.8, ETSI EN 319 142-1).
 */
#include "pades/pades.h"

#include "pades/pades_int.h"
#include "pdf/pdf.h"

#include <stdio.h>
#include <string.h>

#define BYTERANGE_PLACEHOLDER 9999999999LL
#define PADES_MAX_PAGES_TOUCHED 4096u

void pades_date(int64_t t, char out[32])
{
	struct tm tm;
	time_t tt = (time_t)(t + 7 * 3600);

	gmtime_r(&tt, &tm);
	strftime(out, 32, "D:%Y%m%d%H%M%S+07'00'", &tm);
}

/* Copies of page dictionaries changed by this update, by object number. */
struct touched {
	uint32_t num[PADES_MAX_PAGES_TOUCHED];
	struct pdf_obj *dict[PADES_MAX_PAGES_TOUCHED];
	size_t n;
};

static struct pdf_obj *page_copy(struct pdf_update *u, struct touched *t, const struct pdf_page *pg)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->num[i] == pg->num)
			return t->dict[i];
	if (t->n == PADES_MAX_PAGES_TOUCHED) {
		tk_fail(TK_ERR_LIMIT, "pades: too many pages to change");
		return NULL;
	}
	t->num[t->n] = pg->num;
	t->dict[t->n] = pdf_obj_copy(u, pg->dict);
	return t->dict[t->n++];
}

static struct pdf_obj *std_font(struct pdf_update *u, const char *base, uint32_t *num)
{
	struct pdf_obj *f = pdf_new_dict(u);

	if (pdf_dict_set(u, f, "Type", pdf_new_name(u, "Font")) != TK_OK || pdf_dict_set(u, f, "Subtype", pdf_new_name(u, "Type1")) != TK_OK ||
	    pdf_dict_set(u, f, "BaseFont", pdf_new_name(u, base)) != TK_OK ||
	    pdf_dict_set(u, f, "Encoding", pdf_new_name(u, "WinAnsiEncoding")) != TK_OK || pdf_update_alloc(u, num) != TK_OK ||
	    pdf_update_set_object(u, *num, 0, f) != TK_OK)
		return NULL;
	return pdf_new_ref(u, *num, 0);
}

static struct pdf_obj *num_array(struct pdf_update *u, const double *v, size_t n)
{
	struct pdf_obj *a = pdf_new_array(u);
	size_t i;

	for (i = 0; a != NULL && i < n; i++)
		if (pdf_array_push(u, a, pdf_new_real(u, v[i])) != TK_OK)
			return NULL;
	return a;
}

/* A page's resources with one more font, set on the page copy. */
static enum tk_err add_font_resource(struct pdf_doc *doc, struct pdf_update *u, const struct pdf_page *pg, struct pdf_obj *pcopy,
    const char *name, const struct pdf_obj *font)
{
	const struct pdf_obj *res = pg->resources, *fonts = NULL;
	struct pdf_obj *rcopy, *fcopy;
	enum tk_err rc;

	rcopy = res != NULL ? pdf_obj_copy(u, res) : pdf_new_dict(u);
	if (rcopy == NULL)
		return tk_fail(TK_ERR_NOMEM, "pades: out of memory");
	if (res != NULL && (rc = pdf_dict_get_resolved(doc, res, "Font", &fonts)) != TK_OK)
		return rc;
	fcopy = fonts != NULL && pdf_obj_type(fonts) == PDF_DICT ? pdf_obj_copy(u, fonts) : pdf_new_dict(u);
	if ((rc = pdf_dict_set(u, fcopy, name, font)) != TK_OK || (rc = pdf_dict_set(u, rcopy, "Font", fcopy)) != TK_OK)
		return rc;
	return pdf_dict_set(u, pcopy, "Resources", rcopy);
}

/* Wraps the page content in q/Q and appends extra content after it. */
static enum tk_err append_content(struct pdf_doc *doc, struct pdf_update *u, const struct pdf_page *pg, struct pdf_obj *pcopy,
    const struct buf *extra)
{
	const struct pdf_obj *cur = pdf_dict_get(pg->dict, "Contents"), *resolved = NULL;
	struct pdf_obj *arr = pdf_new_array(u);
	uint32_t qn, en;
	size_t i;
	enum tk_err rc;

	if (arr == NULL)
		return tk_fail(TK_ERR_NOMEM, "pades: out of memory");
	if ((rc = pdf_update_alloc(u, &qn)) != TK_OK || (rc = pdf_update_set_stream(u, qn, 0, NULL, (const uint8_t *)"q\n", 2, 0)) != TK_OK ||
	    (rc = pdf_array_push(u, arr, pdf_new_ref(u, qn, 0))) != TK_OK)
		return rc;
	if (cur != NULL) {
		if ((rc = pdf_resolve(doc, cur, &resolved)) != TK_OK)
			return rc;
		if (pdf_obj_type(resolved) == PDF_ARRAY) {
			for (i = 0; i < pdf_array_len(resolved); i++)
				if ((rc = pdf_array_push(u, arr, pdf_array_get(resolved, i))) != TK_OK)
					return rc;
		} else if (pdf_obj_type(cur) == PDF_REF) {
			if ((rc = pdf_array_push(u, arr, cur)) != TK_OK)
				return rc;
		}
	}
	{
		struct buf b;
		buf_init(&b, extra->len + 16);
		rc = buf_puts(&b, "Q\n");
		if (rc == TK_OK)
			rc = buf_append(&b, extra->p, extra->len);
		if (rc == TK_OK && (rc = pdf_update_alloc(u, &en)) == TK_OK)
			rc = pdf_update_set_stream(u, en, 0, NULL, b.p, b.len, b.len > 16384 ? PDF_STREAM_FLATE : 0);
		buf_free(&b);
		if (rc != TK_OK || (rc = pdf_array_push(u, arr, pdf_new_ref(u, en, 0))) != TK_OK)
			return rc;
	}
	return pdf_dict_set(u, pcopy, "Contents", arr);
}

/*
 * Sets the widget's /Rect from a rectangle on the page as displayed and its
 * normal appearance to a form of w x h with content (fonts F1, F2; image Im1).
 */
static enum tk_err widget_appearance(struct pdf_update *u, struct pdf_obj *widget, const double cm[6], double x, double y, double w,
    double h, const struct buf *content, const struct pdf_obj *img_ref, uint32_t *f1, uint32_t *f2)
{
	double r[4] = { 1e30, 1e30, -1e30, -1e30 }, px[4] = { x, x + w, x, x + w }, py[4] = { y, y, y + h, y + h };
	double mx[6] = { cm[0], cm[1], cm[2], cm[3], 0, 0 }, bbox[4] = { 0, 0, w, h };
	struct pdf_obj *ap = pdf_new_dict(u), *form = pdf_new_dict(u), *res = pdf_new_dict(u), *fonts = pdf_new_dict(u);
	const struct pdf_obj *fr1, *fr2;
	uint32_t ap_num;
	size_t i;
	enum tk_err rc;

	/* Rect: the displayed rectangle mapped to user space; the form's Matrix turns it upright. */
	for (i = 0; i < 4; i++) {
		double ux = cm[0] * px[i] + cm[2] * py[i] + cm[4], uy = cm[1] * px[i] + cm[3] * py[i] + cm[5];
		r[0] = ux < r[0] ? ux : r[0];
		r[1] = uy < r[1] ? uy : r[1];
		r[2] = ux > r[2] ? ux : r[2];
		r[3] = uy > r[3] ? uy : r[3];
	}
	if ((rc = pdf_dict_set(u, widget, "Rect", num_array(u, r, 4))) != TK_OK)
		return rc;
	fr1 = std_font(u, "Helvetica", f1);
	fr2 = std_font(u, "Helvetica-Bold", f2);
	if (img_ref != NULL) {
		struct pdf_obj *xo = pdf_new_dict(u);
		if ((rc = pdf_dict_set(u, xo, "Im1", img_ref)) != TK_OK || (rc = pdf_dict_set(u, res, "XObject", xo)) != TK_OK)
			return rc;
	}
	if ((rc = pdf_dict_set(u, fonts, "F1", fr1)) != TK_OK || (rc = pdf_dict_set(u, fonts, "F2", fr2)) != TK_OK ||
	    (rc = pdf_dict_set(u, res, "Font", fonts)) != TK_OK || (rc = pdf_dict_set(u, form, "Type", pdf_new_name(u, "XObject"))) != TK_OK ||
	    (rc = pdf_dict_set(u, form, "Subtype", pdf_new_name(u, "Form"))) != TK_OK ||
	    (rc = pdf_dict_set(u, form, "BBox", num_array(u, bbox, 4))) != TK_OK ||
	    (rc = pdf_dict_set(u, form, "Matrix", num_array(u, mx, 6))) != TK_OK || (rc = pdf_dict_set(u, form, "Resources", res)) != TK_OK ||
	    (rc = pdf_update_alloc(u, &ap_num)) != TK_OK ||
	    /* zlib's set-up costs more than a small stamp saves. */
	    (rc = pdf_update_set_stream(u, ap_num, 0, form, content->p, content->len, content->len > 16384 ? PDF_STREAM_FLATE : 0)) != TK_OK ||
	    (rc = pdf_dict_set(u, ap, "N", pdf_new_ref(u, ap_num, 0))) != TK_OK)
		return rc;
	return pdf_dict_set(u, widget, "AP", ap);
}

/* The signature image as an image XObject, with its alpha as /SMask (ISO 32000-1 8.9.5, 11.6.5.3). */
static enum tk_err image_xobject(struct pdf_update *u, const uint8_t *p, size_t len, const struct pdf_obj **ref, double *aspect)
{
	struct stamp_image im;
	struct pdf_obj *d, *m;
	uint32_t num, mnum;
	enum tk_err rc;

	if ((rc = image_decode(p, len, &im)) != TK_OK)
		return rc;
	d = pdf_new_dict(u);
	if ((rc = pdf_dict_set(u, d, "Type", pdf_new_name(u, "XObject"))) != TK_OK ||
	    (rc = pdf_dict_set(u, d, "Subtype", pdf_new_name(u, "Image"))) != TK_OK ||
	    (rc = pdf_dict_set(u, d, "Width", pdf_new_int(u, im.width))) != TK_OK ||
	    (rc = pdf_dict_set(u, d, "Height", pdf_new_int(u, im.height))) != TK_OK ||
	    (rc = pdf_dict_set(u, d, "ColorSpace", pdf_new_name(u, im.components == 1 ? "DeviceGray" : "DeviceRGB"))) != TK_OK ||
	    (rc = pdf_dict_set(u, d, "BitsPerComponent", pdf_new_int(u, 8))) != TK_OK)
		goto out;
	if (im.dct && (rc = pdf_dict_set(u, d, "Filter", pdf_new_name(u, "DCTDecode"))) != TK_OK)
		goto out;
	if (im.alpha.len > 0) {
		m = pdf_new_dict(u);
		if ((rc = pdf_dict_set(u, m, "Type", pdf_new_name(u, "XObject"))) != TK_OK ||
		    (rc = pdf_dict_set(u, m, "Subtype", pdf_new_name(u, "Image"))) != TK_OK ||
		    (rc = pdf_dict_set(u, m, "Width", pdf_new_int(u, im.width))) != TK_OK ||
		    (rc = pdf_dict_set(u, m, "Height", pdf_new_int(u, im.height))) != TK_OK ||
		    (rc = pdf_dict_set(u, m, "ColorSpace", pdf_new_name(u, "DeviceGray"))) != TK_OK ||
		    (rc = pdf_dict_set(u, m, "BitsPerComponent", pdf_new_int(u, 8))) != TK_OK || (rc = pdf_update_alloc(u, &mnum)) != TK_OK ||
		    (rc = pdf_update_set_stream(u, mnum, 0, m, im.alpha.p, im.alpha.len, PDF_STREAM_FLATE)) != TK_OK ||
		    (rc = pdf_dict_set(u, d, "SMask", pdf_new_ref(u, mnum, 0))) != TK_OK)
			goto out;
	}
	if ((rc = pdf_update_alloc(u, &num)) != TK_OK ||
	    (rc = pdf_update_set_stream(u, num, 0, d, im.data.p, im.data.len, im.dct ? 0 : PDF_STREAM_FLATE)) != TK_OK)
		goto out;
	*ref = pdf_new_ref(u, num, 0);
	*aspect = (double)im.width / (double)im.height;
out:
	image_free(&im);
	return rc;
}

/* Certification with P=1 forbids any change, signatures included (12.8.2.2). */
static enum tk_err check_docmdp(struct pdf_doc *doc, const struct pdf_obj *cat, int certify, int visible)
{
	const struct pdf_obj *perms = NULL, *sig = NULL, *acro = NULL, *fields = NULL;
	enum tk_err rc;

	if ((rc = pdf_dict_get_resolved(doc, cat, "Perms", &perms)) != TK_OK)
		return rc;
	if (perms != NULL && (rc = pdf_dict_get_resolved(doc, perms, "DocMDP", &sig)) != TK_OK)
		return rc;
	if (sig != NULL) {
		const struct pdf_obj *ref = NULL;
		size_t i;
		if (certify)
			return tk_fail_code(TK_ERR_CONFLICT, "already_certified", "pades: the document is already certified; add an approval signature");
		if ((rc = pdf_dict_get_resolved(doc, sig, "Reference", &ref)) != TK_OK)
			return rc;
		for (i = 0; i < pdf_array_len(ref); i++) {
			const struct pdf_obj *sr = NULL, *tp = NULL, *p = NULL;
			int64_t v = 2;
			if (pdf_resolve(doc, pdf_array_get(ref, i), &sr) != TK_OK || pdf_dict_get_resolved(doc, sr, "TransformParams", &tp) != TK_OK ||
			    tp == NULL || pdf_dict_get_resolved(doc, tp, "P", &p) != TK_OK)
				continue;
			if (p != NULL && pdf_as_int(p, &v) && v == 1)
				return tk_fail_code(TK_ERR_CONFLICT, "document_locked",
				    "pades: the document is certified with no changes allowed (DocMDP P=1); it cannot be signed again");
		}
		/* P=2/3 allow signing, not new page content: a footer in the page content would break it. */
		if (!visible)
			return tk_fail_code(TK_ERR_CONFLICT, "certified_needs_visible",
			    "pades: the document is certified and [sign] statement_pages = every would change its pages; sign it with a visible stamp");
	}
	if (certify) {
		/* A certification signature must be the first signature. */
		if ((rc = pdf_dict_get_resolved(doc, cat, "AcroForm", &acro)) != TK_OK)
			return rc;
		if (acro != NULL && (rc = pdf_dict_get_resolved(doc, acro, "Fields", &fields)) != TK_OK)
			return rc;
		if (pdf_array_len(fields) > 0) {
			size_t i;
			for (i = 0; i < pdf_array_len(fields); i++) {
				const struct pdf_obj *f = NULL, *v = NULL;
				if (pdf_resolve(doc, pdf_array_get(fields, i), &f) == TK_OK && pdf_dict_get_resolved(doc, f, "V", &v) == TK_OK &&
				    v != NULL && pdf_obj_type(v) == PDF_DICT)
					return tk_fail_code(TK_ERR_CONFLICT, "already_signed", "pades: a certification signature must come before any other signature");
			}
		}
	}
	return TK_OK;
}

struct hash_src {
	const uint8_t *pdf;
	size_t len;
	const uint8_t *tail;
	size_t cs, ce, tl; /* tail offsets of the contents span and tail length */
	int step;
};

static enum tk_err next_range(void *arg, const uint8_t **p, size_t *n)
{
	struct hash_src *h = arg;

	switch (h->step++) {
	case 0:
		*p = h->pdf;
		*n = h->len;
		break;
	case 1:
		*p = h->tail;
		*n = h->cs;
		break;
	case 2:
		*p = h->tail + h->ce;
		*n = h->tl - h->ce;
		break;
	default: *p = NULL; *n = 0;
	}
	return TK_OK;
}

/* Finds "key" then the delimiters open..close after it inside span; offsets relative to span. */
static enum tk_err find_value(const uint8_t *span, size_t n, const char *key, char open, char close, size_t *a, size_t *b)
{
	const uint8_t *k = memmem(span, n, key, strlen(key)), *o, *c;

	if (k == NULL)
		return tk_fail(TK_ERR_INTERNAL, "pades: %s not found in the signature object", key);
	o = memchr(k, open, n - (size_t)(k - span));
	if (o == NULL)
		return tk_fail(TK_ERR_INTERNAL, "pades: %s value not found", key);
	c = memchr(o, close, n - (size_t)(o - span));
	if (c == NULL)
		return tk_fail(TK_ERR_INTERNAL, "pades: %s value not terminated", key);
	*a = (size_t)(o - span);
	*b = (size_t)(c - span);
	return TK_OK;
}

/*
 * The prepared field to sign into: the one named; else (a BSrE tag) the
 * empty field named like the anchor text; else, when no placement was
 * asked for, the document's only empty field with a visible box. NULL
 * means a new field. *sf is the caller's to free.
 */
static enum tk_err pick_field(struct pdf_doc *doc, const struct pades_opts *o, struct sigfield **sf, size_t *nsf,
    const struct sigfield **target)
{
	const char *want = o->field_name;
	size_t i, usable = 0;
	enum tk_err rc;

	*target = NULL;
	if ((*sf = calloc(PADES_MAX_FIELDS, sizeof(**sf))) == NULL)
		return tk_fail(TK_ERR_NOMEM, "pades: out of memory");
	if ((rc = sigfields_find(doc, *sf, PADES_MAX_FIELDS, nsf)) != TK_OK)
		return rc;
	if (want == NULL && o->visible.enabled && o->visible.anchor != NULL)
		for (i = 0; i < *nsf && want == NULL; i++)
			if (!(*sf)[i].pub.has_value && strcmp((*sf)[i].pub.name, o->visible.anchor) == 0)
				want = o->visible.anchor;
	if (want != NULL) {
		for (i = 0; i < *nsf && *target == NULL; i++)
			if (strcmp((*sf)[i].pub.name, want) == 0)
				*target = &(*sf)[i];
		if (*target == NULL)
			return tk_fail_code(TK_ERR_NOT_FOUND, "field_not_found", "pades: the document has no signature field named '%s'", want);
		if ((*target)->pub.has_value)
			return tk_fail_code(TK_ERR_CONFLICT, "field_signed", "pades: field '%s' is already signed", want);
		if ((*target)->pub.page == PADES_PAGE_LAST)
			return tk_fail_code(TK_ERR_INVALID, "field_no_page", "pades: field '%s' has no widget on any page", want);
		return TK_OK;
	}
	if (o->new_field || o->visible.enabled)
		return TK_OK;
	for (i = 0; i < *nsf; i++)
		if (sigfield_usable(&(*sf)[i]) && usable++ == 0)
			*target = &(*sf)[i];
	if (usable != 1)
		*target = NULL;
	return TK_OK;
}

static enum tk_err sign_once(const uint8_t *pdf, size_t len, const struct pades_opts *o, size_t placeholder, struct buf *tail,
    size_t *pages, size_t *needed)
{
	struct pdf_doc *doc = NULL;
	struct pdf_update *u = NULL;
	struct touched *t = NULL;
	const struct pdf_obj *cat = NULL, *acro = NULL, *fields = NULL, *annots = NULL;
	const struct pdf_page *pg = NULL;
	struct pdf_obj *sig, *widget, *catcopy, *acrocopy, *fieldscopy, *pcopy, *annotscopy, *br;
	struct buf der, tok, withts, content;
	uint32_t sig_num, w_num, f1 = 0, f2 = 0, acro_num = 0;
	uint16_t acro_gen = 0, w_gen = 0;
	size_t npages = 0, page_idx, i, off = 0, olen = 0, ca, cb, ba, bb;
	double vw, vh, cm[6];
	char date[32], name[48];
	uint8_t digest[CMS_MAX_DIGEST];
	size_t dlen = 0;
	int64_t when = o->signing_time ? o->signing_time : tk_now();
	struct cms_sign_opts copts = { o->rsa_pss, 0, 0, 0 };
	struct sigfield *sf = NULL;
	const struct sigfield *target = NULL;
	size_t nsf = 0;
	int vis = o->visible.enabled;
	double vrect[4];
	const char *vanchor = o->visible.anchor;
	enum tk_err rc;

	memcpy(vrect, o->visible.rect, sizeof(vrect));
	buf_init(&der, CMS_MAX_BYTES);
	buf_init(&tok, CMS_MAX_TOKEN_BYTES);
	buf_init(&withts, CMS_MAX_BYTES);
	buf_init(&content, 1 << 20);
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "pades: out of memory");
		goto out;
	}
	if ((rc = pdf_doc_load(pdf, len, 0, &doc)) != TK_OK || (rc = pdf_catalog(doc, &cat)) != TK_OK ||
	    (rc = pdf_page_count(doc, &npages)) != TK_OK)
		goto out;
	if (npages == 0) {
		rc = tk_fail_code(TK_ERR_INVALID, "pdf_no_pages", "pdf: ISO 32000-1 7.7.3: the document has no pages");
		goto out;
	}
	*pages = npages;
	if (!o->doc_timestamp && (rc = pick_field(doc, o, &sf, &nsf, &target)) != TK_OK)
		goto out;
	if (target != NULL) {
		/* The field decides where the signature goes: its page, its rectangle (none: the statement band). */
		vanchor = NULL;
		vis = target->pub.rect[2] >= 1.0 && target->pub.rect[3] >= 1.0;
		memcpy(vrect, target->pub.rect, sizeof(vrect));
	}
	/* DocMDP never forbids DSS and document timestamps (ISO 32000-2 12.8.2.2.2). */
	if (!o->doc_timestamp && (rc = check_docmdp(doc, cat, o->docmdp, vis || !o->statement_every_page)) != TK_OK)
		goto out;
	page_idx = target != NULL ? target->pub.page : vis && o->visible.page != PADES_PAGE_LAST ? o->visible.page
												 : npages - 1;
	if (vis && vanchor != NULL && o->visible.page == PADES_PAGE_LAST) {
		/* No page given: the first page that shows the anchor text. */
		size_t k;
		for (k = 0; k < npages; k++) {
			double ax, ay;
			if ((rc = pdf_page_get(doc, k, &pg)) != TK_OK)
				goto out;
			rc = anchor_find(doc, pg, vanchor, &ax, &ay);
			if (rc == TK_OK)
				break;
			if (rc != TK_ERR_NOT_FOUND)
				goto out;
		}
		if (k == npages) {
			rc = tk_fail_code(TK_ERR_NOT_FOUND, "anchor_not_found", "pades: the text '%s' was not found in the document", vanchor);
			goto out;
		}
		page_idx = k;
	}
	if (page_idx >= npages) {
		rc = tk_fail_code(TK_ERR_INVALID, "bad_page", "pades: page %zu does not exist (the document has %zu)", page_idx + 1, npages);
		goto out;
	}
	if ((rc = pdf_page_get(doc, page_idx, &pg)) != TK_OK)
		goto out;
	if (pg->num == 0) {
		rc = tk_fail_code(TK_ERR_INVALID, "pdf_unsupported", "pdf: page %zu is a direct object and cannot be updated", page_idx + 1);
		goto out;
	}
	if ((rc = pdf_update_new(doc, &u)) != TK_OK)
		goto out;

	/* The signature dictionary with its placeholders. */
	pades_date(when, date);
	sig = pdf_new_dict(u);
	br = pdf_new_array(u);
	for (i = 0; i < 4; i++)
		if ((rc = pdf_array_push(u, br, pdf_new_int(u, i == 0 ? 0 : BYTERANGE_PLACEHOLDER))) != TK_OK)
			goto out;
	if ((rc = pdf_dict_set(u, sig, "Type", pdf_new_name(u, o->doc_timestamp ? "DocTimeStamp" : "Sig"))) != TK_OK ||
	    (rc = pdf_dict_set(u, sig, "Filter", pdf_new_name(u, "Adobe.PPKLite"))) != TK_OK ||
	    (rc = pdf_dict_set(u, sig, "SubFilter", pdf_new_name(u, o->doc_timestamp ? "ETSI.RFC3161" : "ETSI.CAdES.detached"))) != TK_OK ||
	    (!o->doc_timestamp && (rc = pdf_dict_set(u, sig, "M", pdf_new_string(u, (const uint8_t *)date, strlen(date)))) != TK_OK) ||
	    (rc = pdf_dict_set(u, sig, "ByteRange", br)) != TK_OK)
		goto out;
	{
		static const uint8_t zeros[64] = { 0 };
		struct buf z;
		buf_init(&z, placeholder);
		for (i = 0; rc == TK_OK && i < placeholder; i += sizeof(zeros))
			rc = buf_append(&z, zeros, placeholder - i < sizeof(zeros) ? placeholder - i : sizeof(zeros));
		if (rc == TK_OK)
			rc = pdf_dict_set(u, sig, "Contents", pdf_new_hexstring(u, z.p, z.len));
		buf_free(&z);
		if (rc != TK_OK)
			goto out;
	}
	if (o->reason && (rc = pdf_dict_set(u, sig, "Reason", pdf_new_string(u, (const uint8_t *)o->reason, strlen(o->reason)))) != TK_OK)
		goto out;
	if (o->location && (rc = pdf_dict_set(u, sig, "Location", pdf_new_string(u, (const uint8_t *)o->location, strlen(o->location)))) != TK_OK)
		goto out;
	if (o->contact && (rc = pdf_dict_set(u, sig, "ContactInfo", pdf_new_string(u, (const uint8_t *)o->contact, strlen(o->contact)))) != TK_OK)
		goto out;
	if (o->signer_name && (rc = pdf_dict_set(u, sig, "Name", pdf_new_string(u, (const uint8_t *)o->signer_name, strlen(o->signer_name)))) != TK_OK)
		goto out;
	if (o->docmdp) {
		struct pdf_obj *ref = pdf_new_array(u), *sr = pdf_new_dict(u), *tp = pdf_new_dict(u);
		if ((rc = pdf_dict_set(u, tp, "Type", pdf_new_name(u, "TransformParams"))) != TK_OK ||
		    (rc = pdf_dict_set(u, tp, "P", pdf_new_int(u, o->docmdp))) != TK_OK || (rc = pdf_dict_set(u, tp, "V", pdf_new_name(u, "1.2"))) != TK_OK ||
		    (rc = pdf_dict_set(u, sr, "Type", pdf_new_name(u, "SigRef"))) != TK_OK ||
		    (rc = pdf_dict_set(u, sr, "TransformMethod", pdf_new_name(u, "DocMDP"))) != TK_OK ||
		    (rc = pdf_dict_set(u, sr, "TransformParams", tp)) != TK_OK || (rc = pdf_array_push(u, ref, sr)) != TK_OK ||
		    (rc = pdf_dict_set(u, sig, "Reference", ref)) != TK_OK)
			goto out;
	}
	if ((rc = pdf_update_alloc(u, &sig_num)) != TK_OK || (rc = pdf_update_set_object(u, sig_num, 0, sig)) != TK_OK)
		goto out;

	/* AcroForm with the field (ISO 32000-1 12.7.2, 12.7.4.5). */
	if ((rc = pdf_dict_get_resolved(doc, cat, "AcroForm", &acro)) != TK_OK)
		goto out;
	if (acro != NULL && pdf_obj_type(acro) != PDF_DICT)
		acro = NULL;
	if (acro != NULL && (rc = pdf_dict_get_resolved(doc, acro, "Fields", &fields)) != TK_OK)
		goto out;
	acrocopy = acro ? pdf_obj_copy(u, acro) : pdf_new_dict(u);
	fieldscopy = pdf_new_array(u);
	widget = NULL;
	w_num = 0;
	w_gen = 0;
	for (i = 0; i < pdf_array_len(fields); i++)
		if ((rc = pdf_array_push(u, fieldscopy, pdf_array_get(fields, i))) != TK_OK)
			goto out;
	if (target != NULL) {
		w_num = target->widget_num;
		w_gen = target->widget_gen;
		widget = pdf_obj_copy(u, target->widget);
		if (target->field_num != target->widget_num) {
			/* The value goes on the field, the appearance on its widget kid. */
			struct pdf_obj *fcopy = pdf_obj_copy(u, target->field);
			if ((rc = pdf_dict_set(u, fcopy, "V", pdf_new_ref(u, sig_num, 0))) != TK_OK ||
			    (rc = pdf_update_set_object(u, target->field_num, target->field_gen, fcopy)) != TK_OK)
				goto out;
		}
		if ((rc = pdf_dict_set(u, widget, "P", pdf_new_ref(u, pg->num, pg->gen))) != TK_OK)
			goto out;
		if (!target->in_annots) {
			/* Some producers forget the page's /Annots: a widget not listed there is not shown. */
			pcopy = page_copy(u, t, pg);
			if (pcopy == NULL || (rc = pdf_dict_get_resolved(doc, pg->dict, "Annots", &annots)) != TK_OK)
				goto out;
			annotscopy = annots && pdf_obj_type(annots) == PDF_ARRAY ? pdf_obj_copy(u, annots) : pdf_new_array(u);
			if ((rc = pdf_array_push(u, annotscopy, pdf_new_ref(u, w_num, w_gen))) != TK_OK ||
			    (rc = pdf_dict_set(u, pcopy, "Annots", annotscopy)) != TK_OK)
				goto out;
		}
	}
	if (widget == NULL) {
		size_t k = pdf_array_len(fields) + 1;
		if ((rc = str_fmt(name, sizeof(name), o->doc_timestamp ? "DocTimeStamp%zu" : "Signature%zu", k)) != TK_OK)
			goto out;
		widget = pdf_new_dict(u);
		if ((rc = pdf_update_alloc(u, &w_num)) != TK_OK ||
		    (rc = pdf_dict_set(u, widget, "Type", pdf_new_name(u, "Annot"))) != TK_OK ||
		    (rc = pdf_dict_set(u, widget, "Subtype", pdf_new_name(u, "Widget"))) != TK_OK ||
		    (rc = pdf_dict_set(u, widget, "FT", pdf_new_name(u, "Sig"))) != TK_OK ||
		    (rc = pdf_dict_set(u, widget, "T", pdf_new_string(u, (const uint8_t *)name, strlen(name)))) != TK_OK ||
		    (rc = pdf_dict_set(u, widget, "P", pdf_new_ref(u, pg->num, pg->gen))) != TK_OK ||
		    (rc = pdf_array_push(u, fieldscopy, pdf_new_ref(u, w_num, 0))) != TK_OK)
			goto out;
		/* The widget joins the page's annotations. */
		pcopy = page_copy(u, t, pg);
		if (pcopy == NULL || (rc = pdf_dict_get_resolved(doc, pg->dict, "Annots", &annots)) != TK_OK)
			goto out;
		annotscopy = annots && pdf_obj_type(annots) == PDF_ARRAY ? pdf_obj_copy(u, annots) : pdf_new_array(u);
		if ((rc = pdf_array_push(u, annotscopy, pdf_new_ref(u, w_num, 0))) != TK_OK || (rc = pdf_dict_set(u, pcopy, "Annots", annotscopy)) != TK_OK)
			goto out;
	}
	/* On a separate widget kid too: poppler (pdfsig, Evince, Okular) reads /V from the widget, others from the field. */
	if ((rc = pdf_dict_set(u, widget, "V", pdf_new_ref(u, sig_num, 0))) != TK_OK)
		goto out;
	if ((rc = pdf_dict_set(u, widget, "F", pdf_new_int(u, 132))) != TK_OK) /* print + locked */
		goto out;

	pades_page_view(pg, &vw, &vh, cm);
	if (o->doc_timestamp) {
		/* A document timestamp has no appearance and adds no statement of its own. */
		double zero[4] = { 0, 0, 0, 0 };
		if ((rc = pdf_dict_set(u, widget, "Rect", num_array(u, zero, 4))) != TK_OK)
			goto out;
	} else if (vis) {
		double x = vrect[0], y = vrect[1], w = vrect[2], h = vrect[3];
		/* A document's own field: its author chose the box, so fill it at the best size it allows rather than refuse. */
		struct stamp_text st = { o->signer_name ? o->signer_name : "", o->signer_title, NULL, o->statement, o->verify_url,
			target != NULL ? PADES_STAMP_FLOOR_FS : o->visible.min_fs };
		char shown[48];
		const struct pdf_obj *img_ref = NULL;
		double img_aspect = 0;
		if (vanchor != NULL) {
			/* The stamp's lower-left corner goes to the anchor glyph, kept on the page. */
			double ux, uy;
			if ((rc = anchor_find(doc, pg, vanchor, &ux, &uy)) != TK_OK)
				goto out;
			x = cm[0] * (ux - cm[4]) + cm[1] * (uy - cm[5]);
			y = cm[2] * (ux - cm[4]) + cm[3] * (uy - cm[5]);
			if (w <= 0)
				w = 220;
			if (h <= 0)
				h = 80;
			x = x + w > vw ? vw - w : x;
			y = y + h > vh ? vh - h : y;
			x = x < 0 ? 0 : x;
			y = y < 0 ? 0 : y;
		}
		if (w <= 0 || h <= 0 || x < 0 || y < 0 || x + w > vw + 0.01 || y + h > vh + 0.01) {
			rc = tk_fail_code(TK_ERR_INVALID, "bad_rect", "pades: the stamp rectangle %.0f,%.0f %.0fx%.0f lies outside the page (%.0f x %.0f)",
			    x, y, w, h, vw, vh);
			goto out;
		}
		time_wib(when, shown);
		st.when = shown;
		if (o->visible.image != NULL && (rc = image_xobject(u, o->visible.image, o->visible.image_len, &img_ref, &img_aspect)) != TK_OK)
			goto out;
		if ((rc = stamp_draw(&st, w, h, img_aspect, &content)) != TK_OK)
			goto out;
		if ((rc = widget_appearance(u, widget, cm, x, y, w, h, &content, img_ref, &f1, &f2)) != TK_OK)
			goto out;
	} else if (!o->statement_every_page) {
		/*
		 * Invisible signature: the R8 statement, never absent, is the
		 * appearance of the signature's widget, a band at the foot of the
		 * last page. An annotation, not page content: earlier signatures
		 * and a DocMDP certification see a signature added, nothing changed.
		 */
		double band = 0;
		if ((rc = stamp_footer_form(o->statement, vw, &content, &band)) != TK_OK ||
		    (rc = widget_appearance(u, widget, cm, 0, 0, vw, band, &content, NULL, &f1, &f2)) != TK_OK)
			goto out;
	} else {
		/* Every page (policy): footers in the page content of each page. */
		double zero[4] = { 0, 0, 0, 0 };
		const struct pdf_obj *fr;
		size_t k;
		if ((rc = pdf_dict_set(u, widget, "Rect", num_array(u, zero, 4))) != TK_OK)
			goto out;
		if ((fr = std_font(u, "Helvetica", &f1)) == NULL) {
			rc = tk_fail(TK_ERR_NOMEM, "pades: out of memory");
			goto out;
		}
		for (k = 0; k < npages; k++) {
			const struct pdf_page *p2;
			double w2, h2, cm2[6];
			if ((rc = pdf_page_get(doc, k, &p2)) != TK_OK)
				goto out;
			if (p2->num == 0)
				continue;
			pades_page_view(p2, &w2, &h2, cm2);
			buf_reset(&content);
			if ((pcopy = page_copy(u, t, p2)) == NULL || (rc = stamp_footer(o->statement, w2, h2, cm2, &content)) != TK_OK ||
			    (rc = append_content(doc, u, p2, pcopy, &content)) != TK_OK || (rc = add_font_resource(doc, u, p2, pcopy, "TkF1", fr)) != TK_OK)
				goto out;
		}
	}
	if ((rc = pdf_update_set_object(u, w_num, w_gen, widget)) != TK_OK)
		goto out;
	for (i = 0; i < t->n; i++)
		if ((rc = pdf_update_set_object(u, t->num[i], 0, t->dict[i])) != TK_OK)
			goto out;
	if ((rc = pdf_dict_set(u, acrocopy, "Fields", fieldscopy)) != TK_OK ||
	    (rc = pdf_dict_set(u, acrocopy, "SigFlags", pdf_new_int(u, 3))) != TK_OK)
		goto out;
	{
		const struct pdf_obj *acro_entry = pdf_dict_get(cat, "AcroForm");
		uint32_t cnum;
		uint16_t cgen;
		pdf_catalog_ref(doc, &cnum, &cgen);
		catcopy = pdf_obj_copy(u, cat);
		if (acro_entry != NULL && pdf_as_ref(acro_entry, &acro_num, &acro_gen) && acro != NULL) {
			if ((rc = pdf_update_set_object(u, acro_num, acro_gen, acrocopy)) != TK_OK)
				goto out;
		} else if ((rc = pdf_dict_set(u, catcopy, "AcroForm", acrocopy)) != TK_OK) {
			goto out;
		}
		if (o->docmdp) {
			struct pdf_obj *perms = pdf_new_dict(u);
			if ((rc = pdf_dict_set(u, perms, "DocMDP", pdf_new_ref(u, sig_num, 0))) != TK_OK || (rc = pdf_dict_set(u, catcopy, "Perms", perms)) != TK_OK)
				goto out;
		}
		if ((rc = pdf_update_set_object(u, cnum, cgen, catcopy)) != TK_OK)
			goto out;
	}

	/* Write, then locate and patch the placeholders in the tail. */
	buf_reset(tail);
	if ((rc = pdf_update_write_tail(u, tail)) != TK_OK || (rc = pdf_update_object_span(u, sig_num, &off, &olen)) != TK_OK)
		goto out;
	if (off < len || off - len + olen > tail->len) {
		rc = tk_fail(TK_ERR_INTERNAL, "pades: signature object outside the new revision");
		goto out;
	}
	off -= len;
	if ((rc = find_value(tail->p + off, olen, "/Contents", '<', '>', &ca, &cb)) != TK_OK ||
	    (rc = find_value(tail->p + off, olen, "/ByteRange", '[', ']', &ba, &bb)) != TK_OK)
		goto out;
	{
		size_t cs = off + ca, ce = off + cb + 1, total = len + tail->len;
		char brtxt[128];
		int n = snprintf(brtxt, sizeof(brtxt), "[0 %zu %zu %zu", len + cs, len + ce, total - (len + ce));
		size_t width = bb - ba; /* from '[' up to, not including, ']' */
		struct hash_src hs = { pdf, len, tail->p, cs, ce, tail->len, 0 };
		if (n < 0 || (size_t)n > width) {
			rc = tk_fail(TK_ERR_INTERNAL, "pades: /ByteRange placeholder too small");
			goto out;
		}
		memset(tail->p + off + ba, ' ', width);
		memcpy(tail->p + off + ba, brtxt, (size_t)n);
		if ((rc = cms_digest_stream(o->md, next_range, &hs, digest, &dlen)) != TK_OK)
			goto out;
		if (o->doc_timestamp) {
			if ((rc = o->doc_ts(o->ts_arg, o->md, digest, dlen, &der)) != TK_OK)
				goto out;
		} else if ((rc = cms_sign_digest(o->key, o->cert, o->chain, o->nchain, o->md, digest, dlen, &copts, &der)) != TK_OK) {
			goto out;
		}
		if (!o->doc_timestamp && o->timestamp != NULL) {
			const uint8_t *sv;
			size_t svl;
			if ((rc = cms_signature_value(der.p, der.len, &sv, &svl)) != TK_OK || (rc = o->timestamp(o->ts_arg, sv, svl, &tok)) != TK_OK ||
			    (rc = cms_add_unsigned_attr_timestamp(der.p, der.len, tok.p, tok.len, &withts)) != TK_OK)
				goto out;
			buf_reset(&der);
			if ((rc = buf_append(&der, withts.p, withts.len)) != TK_OK)
				goto out;
		}
		if (der.len * 2 > cb - ca - 1) {
			*needed = der.len;
			rc = tk_fail(TK_ERR_LIMIT, "pades: signature of %zu bytes does not fit the placeholder", der.len);
			goto out;
		}
		{
			char *hex = (char *)tail->p + cs + 1;
			static const char digits[] = "0123456789abcdef";
			for (i = 0; i < der.len; i++) {
				hex[2 * i] = digits[der.p[i] >> 4];
				hex[2 * i + 1] = digits[der.p[i] & 15];
			}
		}
	}
	rc = TK_OK;
out:
	pdf_update_free(u);
	pdf_doc_free(doc);
	free(sf);
	free(t);
	buf_free(&der);
	buf_free(&tok);
	buf_free(&withts);
	buf_free(&content);
	return rc;
}

enum tk_err pades_sign(const uint8_t *pdf, size_t len, const struct pades_opts *o, struct buf *tail, size_t *pages)
{
	struct cms_sign_opts copts = { o->rsa_pss, 0, 0, 0 };
	size_t est = 0, needed = 0, placeholder;
	int attempt;
	enum tk_err rc;

	if (o->doc_timestamp) {
		size_t start = tail->len;
		placeholder = o->ts_estimate ? o->ts_estimate : 12288;
		for (attempt = 0; attempt < 3; attempt++) {
			needed = 0;
			rc = sign_once(pdf, len, o, placeholder, tail, pages, &needed);
			if (rc != TK_ERR_LIMIT || needed == 0)
				break;
			tail->len = start;
			placeholder = needed + needed / 4 + 1024;
		}
		return rc;
	}
	if (o->statement == NULL || o->statement[0] == '\0')
		return tk_fail_code(TK_ERR_INVALID, "statement_required", "pades: the BSrE statement (R8) is required");
	if (o->docmdp < 0 || o->docmdp > 3)
		return tk_fail_code(TK_ERR_INVALID, "bad_docmdp", "pades: DocMDP permission must be 1, 2 or 3");
	/* A quick upper bound (certificates + signature + attributes); building a
	 * dummy CMS for an exact size costs as much as signing. Too small only
	 * costs a retry. */
	{
		int n = i2d_X509(o->cert, NULL), ks = EVP_PKEY_get_size(key_pkey(o->key));
		size_t i;
		if (n <= 0 || ks <= 0)
			return tk_fail_ossl("pades: sizing the signature");
		est = (size_t)n + (size_t)ks + 1536;
		for (i = 0; i < o->nchain; i++) {
			int m = i2d_X509(o->chain[i], NULL);
			est += m > 0 ? (size_t)m : 2048;
		}
		if (o->timestamp)
			est += o->ts_estimate ? o->ts_estimate : 8192;
	}
	(void)copts;
	placeholder = est;
	for (attempt = 0; attempt < 3; attempt++) {
		size_t start = tail->len;
		needed = 0;
		rc = sign_once(pdf, len, o, placeholder, tail, pages, &needed);
		if (rc != TK_ERR_LIMIT || needed == 0)
			break;
		/* The estimate was short (e.g. a larger timestamp): retry with room to spare. */
		tail->len = start;
		placeholder = needed + needed / 4 + 1024;
	}
	return rc;
}

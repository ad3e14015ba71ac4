/*
 * Document Security Store (ISO 32000-2 12.8.4.3, ETSI EN 319 142-1 5.4.2):
 * the certificates, CRLs and OCSP responses a verifier needs long after
 * the signing, added in their own incremental update (PAdES B-LT).
 */
#include "pades/pades.h"

#include "pdf/pdf.h"

#include <openssl/sha.h>
#include <string.h>

#define DSS_MAX_ITEMS 1024u

/* Streams for each blob, appended to arr (a copy of an existing array or new). */
static enum tk_err add_streams(struct pdf_update *u, const struct pades_blob *b, size_t n, struct pdf_obj *arr, struct pdf_obj *vri_arr)
{
	size_t i, j;
	enum tk_err rc;

	for (i = 0; i < n; i++) {
		uint32_t num;
		uint8_t h[32], h2[32];
		int dup = 0;
		SHA256(b[i].p, b[i].len, h);
		for (j = 0; j < i && !dup; j++) {
			SHA256(b[j].p, b[j].len, h2);
			dup = memcmp(h, h2, 32) == 0;
		}
		if (dup)
			continue;
		if ((rc = pdf_update_alloc(u, &num)) != TK_OK || (rc = pdf_update_set_stream(u, num, 0, NULL, b[i].p, b[i].len, PDF_STREAM_FLATE)) != TK_OK ||
		    (rc = pdf_array_push(u, arr, pdf_new_ref(u, num, 0))) != TK_OK ||
		    (vri_arr != NULL && (rc = pdf_array_push(u, vri_arr, pdf_new_ref(u, num, 0))) != TK_OK))
			return rc;
	}
	return TK_OK;
}

static struct pdf_obj *array_of(struct pdf_doc *doc, struct pdf_update *u, const struct pdf_obj *dss, const char *key)
{
	const struct pdf_obj *a = NULL;

	if (dss != NULL && pdf_dict_get_resolved(doc, dss, key, &a) == TK_OK && pdf_obj_type(a) == PDF_ARRAY)
		return pdf_obj_copy(u, a);
	return pdf_new_array(u);
}

enum tk_err pades_add_dss(const uint8_t *pdf, size_t len, const struct pades_dss *d, struct buf *tail)
{
	struct pdf_doc *doc = NULL;
	struct pdf_update *u = NULL;
	const struct pdf_obj *cat = NULL, *dss = NULL, *vri = NULL, *ext = NULL;
	struct pdf_obj *ndss, *certs, *crls, *ocsps, *nvri, *catcopy, *vcert, *vcrl, *vocsp;
	uint32_t dss_num, cnum;
	uint16_t cgen;
	size_t i;
	enum tk_err rc;

	if (d->ncerts + d->ncrls + d->nocsps > DSS_MAX_ITEMS)
		return tk_fail(TK_ERR_LIMIT, "pades: more than %u validation items", DSS_MAX_ITEMS);
	if ((rc = pdf_doc_load(pdf, len, 0, &doc)) != TK_OK || (rc = pdf_catalog(doc, &cat)) != TK_OK || (rc = pdf_update_new(doc, &u)) != TK_OK)
		goto out;
	if ((rc = pdf_dict_get_resolved(doc, cat, "DSS", &dss)) != TK_OK)
		goto out;
	if (dss != NULL && pdf_obj_type(dss) != PDF_DICT)
		dss = NULL;
	ndss = dss ? pdf_obj_copy(u, dss) : pdf_new_dict(u);
	certs = array_of(doc, u, dss, "Certs");
	crls = array_of(doc, u, dss, "CRLs");
	ocsps = array_of(doc, u, dss, "OCSPs");
	vcert = pdf_new_array(u);
	vcrl = pdf_new_array(u);
	vocsp = pdf_new_array(u);
	if ((rc = add_streams(u, d->certs, d->ncerts, certs, vcert)) != TK_OK || (rc = add_streams(u, d->crls, d->ncrls, crls, vcrl)) != TK_OK ||
	    (rc = add_streams(u, d->ocsps, d->nocsps, ocsps, vocsp)) != TK_OK)
		goto out;
	if ((rc = pdf_dict_set(u, ndss, "Certs", certs)) != TK_OK || (rc = pdf_dict_set(u, ndss, "CRLs", crls)) != TK_OK ||
	    (rc = pdf_dict_set(u, ndss, "OCSPs", ocsps)) != TK_OK)
		goto out;
	/* VRI: per signature, keyed by the upper-case hex SHA-1 of its /Contents value. */
	if (d->nsigs > 0) {
		if (dss != NULL && (rc = pdf_dict_get_resolved(doc, dss, "VRI", &vri)) != TK_OK)
			goto out;
		nvri = vri && pdf_obj_type(vri) == PDF_DICT ? pdf_obj_copy(u, vri) : pdf_new_dict(u);
		for (i = 0; i < d->nsigs; i++) {
			uint8_t h[20];
			char key[41];
			size_t k;
			struct pdf_obj *e = pdf_new_dict(u);
			SHA1(d->sigs[i].p, d->sigs[i].len, h);
			hex_encode(h, sizeof(h), key);
			for (k = 0; k < 40; k++)
				key[k] = (char)(key[k] >= 'a' ? key[k] - 32 : key[k]);
			if ((rc = pdf_dict_set(u, e, "Cert", vcert)) != TK_OK || (rc = pdf_dict_set(u, e, "CRL", vcrl)) != TK_OK ||
			    (rc = pdf_dict_set(u, e, "OCSP", vocsp)) != TK_OK || (rc = pdf_dict_set(u, nvri, key, e)) != TK_OK)
				goto out;
		}
		if ((rc = pdf_dict_set(u, ndss, "VRI", nvri)) != TK_OK)
			goto out;
	}
	if ((rc = pdf_update_alloc(u, &dss_num)) != TK_OK || (rc = pdf_update_set_object(u, dss_num, 0, ndss)) != TK_OK)
		goto out;
	pdf_catalog_ref(doc, &cnum, &cgen);
	catcopy = pdf_obj_copy(u, cat);
	if ((rc = pdf_dict_set(u, catcopy, "DSS", pdf_new_ref(u, dss_num, 0))) != TK_OK)
		goto out;
	/* The extension level that introduced the DSS (ISO 32000-1 7.12, ETSI EN 319 142-1 5.4.2). */
	if ((rc = pdf_dict_get_resolved(doc, cat, "Extensions", &ext)) != TK_OK)
		goto out;
	if (ext == NULL) {
		struct pdf_obj *e = pdf_new_dict(u), *adbe = pdf_new_dict(u);
		if ((rc = pdf_dict_set(u, adbe, "BaseVersion", pdf_new_name(u, "1.7"))) != TK_OK ||
		    (rc = pdf_dict_set(u, adbe, "ExtensionLevel", pdf_new_int(u, 5))) != TK_OK || (rc = pdf_dict_set(u, e, "ADBE", adbe)) != TK_OK ||
		    (rc = pdf_dict_set(u, catcopy, "Extensions", e)) != TK_OK)
			goto out;
	}
	if ((rc = pdf_update_set_object(u, cnum, cgen, catcopy)) != TK_OK)
		goto out;
	rc = pdf_update_write_tail(u, tail);
out:
	pdf_update_free(u);
	pdf_doc_free(doc);
	return rc;
}

/*
 * teken ltv extend: brings any signed PDF (ours or another tool's) to
 * PAdES B-LTA. Collects the certificates embedded in every signature and
 * signature timestamp, revocation data for each (ours from the store; for
 * certificates of other CAs, the CRL at their HTTP distribution point,
 * fetched through net_fetch() under the [ltv] fetch_allow policy with a
 * time and size budget), writes them to a /DSS revision,
 * then adds a document timestamp over the whole file.
 */
#include "svc/base/base.h"
#include "svc/ca/ca.h"
#include "svc/trust/trust.h"
#include "svc/base/base_int.h"

#include "cms/cms.h"
#include "log/log.h"
#include "net/net.h"
#include "pades/pades.h"
#include "x509/x509.h"

#include <openssl/err.h>
#include <stdlib.h>
#include <openssl/x509v3.h>
#include <string.h>

#define LTV_MAX_ITEMS 256u
#define LTV_FETCH_BYTES (20u << 20)
#define LTV_FETCH_TIMEOUT NET_FETCH_TIMEOUT

struct ltv_set {
	STACK_OF(X509) *certs;
	struct buf der[LTV_MAX_ITEMS];
	struct pades_blob blobs_certs[LTV_MAX_ITEMS], blobs_crls[LTV_MAX_ITEMS], blobs_ocsps[LTV_MAX_ITEMS];
	size_t nder, ncerts, ncrls, nocsps;
	char crl_urls[32][256];
	size_t nurls;
	struct net_policy fetch; /* [ltv] fetch_allow: where CRLs named by outside certificates may be fetched */
};

static struct buf *new_item(struct ltv_set *s)
{
	if (s->nder == LTV_MAX_ITEMS)
		return NULL;
	buf_init(&s->der[s->nder], LTV_FETCH_BYTES);
	return &s->der[s->nder++];
}

static void add_cert(struct ltv_set *s, X509 *x)
{
	int i;

	for (i = 0; i < sk_X509_num(s->certs); i++)
		if (X509_cmp(sk_X509_value(s->certs, i), x) == 0)
			return;
	if (X509_up_ref(x) == 1 && !sk_X509_push(s->certs, x))
		X509_free(x);
}

/* Certificates of a CMS (signature or timestamp token), and of its timestamps. */
static enum tk_err collect_cms(const uint8_t *p, size_t len, struct ltv_set *s, int depth)
{
	struct cms_info *info = NULL;
	const uint8_t *val;
	size_t vlen, total = 0, i;
	uint8_t tag;
	enum tk_err rc;

	/* /Contents is zero-padded: the CMS is the first DER element. */
	if ((rc = der_read(p, len, &tag, &val, &vlen, &total)) != TK_OK)
		return tk_wrap(rc, "ltv: signature value");
	if ((rc = cms_parse(p, total, &info)) != TK_OK)
		return rc;
	for (i = 0; i < (size_t)sk_X509_num(info->certs); i++)
		add_cert(s, sk_X509_value(info->certs, (int)i));
	for (i = 0; depth == 0 && i < info->n_timestamps && rc == TK_OK; i++)
		rc = collect_cms(info->timestamps[i].der, info->timestamps[i].len, s, 1);
	cms_info_free(info);
	return rc;
}

/* A CRL from an http(s) URL the policy allows, checked to be a CRL; nothing on failure (logged). */
static int fetch_crl(const struct net_policy *pol, const char *url, struct buf *out)
{
	const unsigned char *q;
	X509_CRL *crl;
	int ok = 0;

	if (net_fetch(pol, url, LTV_FETCH_BYTES, LTV_FETCH_TIMEOUT, out) != TK_OK) {
		log_msg(LOG_WARN, "ltv.crl_fetch", "%s", tk_errmsg()); /* names the host only */
		return 0;
	}
	q = out->p;
	crl = d2i_X509_CRL(NULL, &q, (long)out->len);
	ok = crl != NULL && q == out->p + out->len;
	X509_CRL_free(crl);
	ERR_clear_error();
	return ok;
}

enum tk_err ltv_extend(struct svc_ctx *c, const uint8_t *pdf, size_t len, int lta, struct buf *tail, struct ltv_report *r)
{
	struct pades_sigs sigs;
	struct ltv_set *s = NULL;
	struct pades_blob vri[PADES_MAX_SIGS];
	struct pades_dss dss;
	X509 *issuing = NULL, *root = NULL;
	struct buf full, t2, *b;
	size_t i, nvri = 0;
	int crl_issuing = 0, crl_root = 0;
	int64_t tu, nu;
	enum tk_err rc;

	memset(r, 0, sizeof(*r));
	memset(&sigs, 0, sizeof(sigs));
	buf_init(&full, MAX_PDF_BYTES);
	buf_init(&t2, MAX_PDF_BYTES);
	if ((s = calloc(1, sizeof(*s))) == NULL || (s->certs = sk_X509_new_null()) == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "ltv: out of memory");
		goto out;
	}
	if ((rc = net_policy_load(c->inst->cfg, "ltv", c->inst->base_url, &s->fetch)) != TK_OK ||
	    (rc = pades_signatures(pdf, len, &sigs)) != TK_OK)
		goto out;
	for (i = 0; i < sigs.n; i++) {
		if ((rc = collect_cms(sigs.s[i].contents.p, sigs.s[i].contents.len, s, 0)) != TK_OK) {
			tk_wrap(rc, "ltv: signature %zu", i + 1);
			goto out;
		}
		if (!sigs.s[i].doc_timestamp) {
			vri[nvri].p = sigs.s[i].contents.p;
			vri[nvri++].len = sigs.s[i].contents.len;
		}
	}
	if (nvri == 0) {
		rc = tk_fail_code(TK_ERR_INVALID, "no_signature", "ltv: the document has no signature to preserve");
		goto out;
	}
	r->signatures = nvri;
	if ((rc = ca_load(c, "issuing", NULL, &issuing, NULL)) != TK_OK || (rc = ca_load(c, "root", NULL, &root, NULL)) != TK_OK)
		goto out;
	/* Our TSA signs the document timestamp: its certificate and chain go in too. */
	add_cert(s, issuing);
	add_cert(s, root);
	{
		X509 *tsa = NULL;
		if (ca_cert_by_meta(c, "cert.tsa", &tsa) == TK_OK)
			add_cert(s, tsa);
		X509_free(tsa);
	}
	for (i = 0; i < (size_t)sk_X509_num(s->certs); i++) {
		X509 *x = sk_X509_value(s->certs, (int)i);
		char serial[65], url[256];
		if ((b = new_item(s)) == NULL)
			break;
		if ((rc = x509_to_der(x, b)) != TK_OK)
			goto out;
		s->blobs_certs[s->ncerts].p = b->p;
		s->blobs_certs[s->ncerts++].len = b->len;
		if (X509_check_issued(x, x) == X509_V_OK)
			continue; /* a root: trusted as such, nothing to check */
		if (X509_check_issued(issuing, x) == X509_V_OK || X509_check_issued(root, x) == X509_V_OK) {
			int by_issuing = X509_check_issued(issuing, x) == X509_V_OK;
			int *have = by_issuing ? &crl_issuing : &crl_root;
			if (!*have && (b = new_item(s)) != NULL) {
				if ((rc = ca_crl_current(c, by_issuing ? "issuing" : "root", b, &tu, &nu)) != TK_OK)
					goto out;
				s->blobs_crls[s->ncrls].p = b->p;
				s->blobs_crls[s->ncrls++].len = b->len;
				*have = 1;
			}
			if (by_issuing && x509_serial_hex(x, serial, sizeof(serial)) == TK_OK && (b = new_item(s)) != NULL) {
				rc = svc_query_blob(c, "SELECT der FROM ocsp_responses WHERE serial = ?", serial, b);
				if (rc == TK_ERR_NOT_FOUND && trust_ocsp_refresh_serial(c, serial) == TK_OK)
					rc = svc_query_blob(c, "SELECT der FROM ocsp_responses WHERE serial = ?", serial, b);
				if (rc == TK_OK) {
					s->blobs_ocsps[s->nocsps].p = b->p;
					s->blobs_ocsps[s->nocsps++].len = b->len;
				}
				rc = TK_OK;
			}
			continue;
		}
		/* Another CA's certificate: its CRL, once per distribution point. */
		if (x509_crl_url(x, url, sizeof(url))) {
			size_t k;
			int dup = 0;
			for (k = 0; k < s->nurls; k++)
				dup |= strcmp(s->crl_urls[k], url) == 0;
			if (dup)
				continue;
			if (s->nurls < 32 && str_copy(s->crl_urls[s->nurls], sizeof(s->crl_urls[0]), url) == TK_OK)
				s->nurls++;
			if ((b = new_item(s)) != NULL && fetch_crl(&s->fetch, url, b)) {
				s->blobs_crls[s->ncrls].p = b->p;
				s->blobs_crls[s->ncrls++].len = b->len;
				continue;
			}
		}
		r->missing++;
		if (r->missing_what[0] == '\0') {
			char name[200];
			if (x509_name_str(X509_get_subject_name(x), name, sizeof(name)) == TK_OK &&
			    str_fmt(r->missing_what, sizeof(r->missing_what), "no revocation data reachable for %s", name) != TK_OK)
				r->missing_what[0] = '\0';
		}
	}
	memset(&dss, 0, sizeof(dss));
	dss.certs = s->blobs_certs;
	dss.ncerts = s->ncerts;
	dss.crls = s->blobs_crls;
	dss.ncrls = s->ncrls;
	dss.ocsps = s->blobs_ocsps;
	dss.nocsps = s->nocsps;
	dss.sigs = vri;
	dss.nsigs = nvri;
	r->certs = s->ncerts;
	r->crls = s->ncrls;
	r->ocsps = s->nocsps;
	if ((rc = pades_add_dss(pdf, len, &dss, &t2)) != TK_OK || (rc = buf_append(tail, t2.p, t2.len)) != TK_OK)
		goto out;
	if (!lta)
		goto out;
	if ((rc = buf_append(&full, pdf, len)) != TK_OK || (rc = buf_append(&full, t2.p, t2.len)) != TK_OK)
		goto out;
	rc = svc_doc_timestamp(c, full.p, full.len, tail);
out:
	if (s != NULL) {
		for (i = 0; i < s->nder; i++)
			buf_free(&s->der[i]);
		sk_X509_pop_free(s->certs, X509_free);
		free(s);
	}
	pades_sigs_free(&sigs);
	X509_free(issuing);
	X509_free(root);
	buf_free(&full);
	buf_free(&t2);
	return rc;
}

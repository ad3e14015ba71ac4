/*
 * Unit tests for src/verify on documents built here with an in-memory PKI
 * (root, TSA, signers with chosen validity and key size), our PAdES signer,
 * our TSA and our DSS writer: every indication the engine gives is
 * provoked on purpose (HASH_FAILURE, SIG_CRYPTO_FAILURE, REVOKED,
 * OUT_OF_BOUNDS_*, NO_CERTIFICATE_CHAIN_FOUND, TRY_LATER,
 * CRYPTO_CONSTRAINTS_FAILURE, FORMAT_FAILURE, DocMDP), proof of existence
 * from signature and document timestamps (an expired signer with a
 * timestamp passes), levels B/T/LT/LTA, classified changes after signing,
 * CAdES, BER framing, and hostile input: bit flips all over a signed file,
 * every truncation, edited /ByteRange values and the PDF corpus of
 * tests/data/pdf. With TEKEN_VERIFY_SEED_DIR set it writes the fuzz seeds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "testpki.h"

#include "cms/cms.h"
#include "keys/keys.h"
#include "pades/pades.h"
#include "pdf/pdf.h"
#include "tsa/tsa.h"
#include "verify/verify.h"

#include <ctype.h>
#include <dirent.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pkcs7.h>
#include <openssl/rsa.h>
#include <openssl/ts.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define assert_ok(expr)                                                               \
	do {                                                                          \
		enum tk_err rc_ = (expr);                                             \
		if (rc_ != TK_OK)                                                     \
			fail_msg("%s failed (%d): %s", #expr, (int)rc_, tk_errmsg()); \
	} while (0)

#define DAY 86400L
#define STATEMENT "Dokumen ini ditandatangani secara elektronik (uji)."

static EVP_PKEY *root_key, *tsa_key, *sig_key, *weak_key;
static X509 *root_cert, *tsa_cert, *sig_cert, *weak_cert, *other_root;
static struct key *sig_k, *weak_k, *tsa_k;
static struct tsa_signer *tsa;
static uint8_t *base_pdf;
static size_t base_len;

/* ---- PKI ---- */

static X509 *mk_cert(const char *cn, EVP_PKEY *pub, X509 *issuer, EVP_PKEY *ikey, long serial, int ca, const char *eku, long nb, long na)
{
	return tp_cert(cn, pub, issuer, ikey, serial, ca, "critical,digitalSignature,nonRepudiation", eku, nb, na);
}

/* A CRL of the root listing the given certificates as revoked at revoked_at (keyCompromise), current for `days`. */
static void mk_crl_days(X509 *const *revoked, size_t n, long revoked_at, long days, struct buf *out)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *t = ASN1_TIME_new();
	unsigned char *der = NULL;
	size_t i;
	int len;

	assert_non_null(crl);
	assert_int_equal(X509_CRL_set_version(crl, 1), 1);
	assert_int_equal(X509_CRL_set_issuer_name(crl, X509_get_subject_name(root_cert)), 1);
	assert_non_null(X509_gmtime_adj(t, -60));
	assert_int_equal(X509_CRL_set1_lastUpdate(crl, t), 1);
	assert_non_null(X509_gmtime_adj(t, days * DAY));
	assert_int_equal(X509_CRL_set1_nextUpdate(crl, t), 1);
	for (i = 0; i < n; i++) {
		X509_REVOKED *r = X509_REVOKED_new();
		ASN1_TIME *rt = ASN1_TIME_new();
		ASN1_ENUMERATED *reason = ASN1_ENUMERATED_new();
		assert_non_null(X509_gmtime_adj(rt, revoked_at));
		assert_int_equal(X509_REVOKED_set_serialNumber(r, X509_get_serialNumber(revoked[i])), 1);
		assert_int_equal(X509_REVOKED_set_revocationDate(r, rt), 1);
		assert_int_equal(ASN1_ENUMERATED_set(reason, 1), 1);
		assert_int_equal(X509_REVOKED_add1_ext_i2d(r, NID_crl_reason, reason, 0, 0), 1);
		assert_int_equal(X509_CRL_add0_revoked(crl, r), 1);
		ASN1_TIME_free(rt);
		ASN1_ENUMERATED_free(reason);
	}
	assert_int_equal(X509_CRL_sort(crl), 1);
	assert_true(X509_CRL_sign(crl, root_key, EVP_sha256()) > 0);
	len = i2d_X509_CRL(crl, &der);
	assert_true(len > 0);
	assert_ok(buf_append(out, der, (size_t)len));
	OPENSSL_free(der);
	ASN1_TIME_free(t);
	X509_CRL_free(crl);
}

static void mk_crl(X509 *const *revoked, size_t n, long revoked_at, struct buf *out)
{
	mk_crl_days(revoked, n, revoked_at, 7, out);
}

static enum tk_err make_token(enum cms_md md, const uint8_t *digest, size_t dlen, struct buf *token)
{
	TS_REQ *req = TS_REQ_new();
	TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
	X509_ALGOR *alg = X509_ALGOR_new();
	unsigned char *der = NULL;
	const unsigned char *q;
	struct buf resp;
	TS_RESP *r = NULL;
	int n, granted = 0;
	enum tk_err rc = TK_ERR_INTERNAL;

	buf_init(&resp, 1 << 20);
	if (req == NULL || mi == NULL || alg == NULL)
		goto out;
	X509_ALGOR_set0(alg, OBJ_nid2obj(md == CMS_MD_SHA384 ? NID_sha384 : md == CMS_MD_SHA512 ? NID_sha512
												: NID_sha256),
	    V_ASN1_NULL, NULL);
	if (TS_MSG_IMPRINT_set_algo(mi, alg) != 1 || TS_MSG_IMPRINT_set_msg(mi, (unsigned char *)digest, (int)dlen) != 1 ||
	    TS_REQ_set_version(req, 1) != 1 || TS_REQ_set_msg_imprint(req, mi) != 1 || TS_REQ_set_cert_req(req, 1) != 1)
		goto out;
	if ((n = i2d_TS_REQ(req, &der)) <= 0)
		goto out;
	if ((rc = tsa_respond(tsa, der, (size_t)n, &resp, &granted)) != TK_OK)
		goto out;
	rc = TK_ERR_INTERNAL;
	q = resp.p;
	if (!granted || (r = d2i_TS_RESP(NULL, &q, (long)resp.len)) == NULL)
		goto out;
	{
		PKCS7 *tok = TS_RESP_get_token(r);
		unsigned char *td = NULL;
		int tl = i2d_PKCS7(tok, &td);
		if (tl > 0)
			rc = buf_append(token, td, (size_t)tl);
		OPENSSL_free(td);
	}
out:
	OPENSSL_free(der);
	TS_RESP_free(r);
	TS_REQ_free(req);
	TS_MSG_IMPRINT_free(mi);
	X509_ALGOR_free(alg);
	buf_free(&resp);
	return rc;
}

static enum tk_err ts_cb(void *arg, const uint8_t *sv, size_t len, struct buf *token)
{
	uint8_t d[CMS_MAX_DIGEST];
	size_t dl = 0;
	enum tk_err rc;

	(void)arg;
	if ((rc = cms_digest(CMS_MD_SHA256, sv, len, d, &dl)) != TK_OK)
		return rc;
	return make_token(CMS_MD_SHA256, d, dl, token);
}

static enum tk_err doc_ts_cb(void *arg, enum cms_md md, const uint8_t *digest, size_t dlen, struct buf *token)
{
	(void)arg;
	return make_token(md, digest, dlen, token);
}

static int group_setup(void **state)
{
	struct tsa_settings set = { "1.2.3.4.5", "sha256,sha384,sha512", "sha256", 1, 0 };
	STACK_OF(X509) *chain;
	EVP_PKEY *other_key;
	char path[4096];
	const char *src = getenv("TEKEN_SRC");

	(void)state;
	root_key = EVP_EC_gen("P-256");
	tsa_key = EVP_EC_gen("P-256");
	sig_key = EVP_EC_gen("P-256");
	weak_key = EVP_RSA_gen(1024);
	other_key = EVP_EC_gen("P-256");
	if (!root_key || !tsa_key || !sig_key || !weak_key || !other_key)
		return -1;
	root_cert = mk_cert("Test Root", root_key, NULL, root_key, 1, 1, NULL, -DAY, 3650 * DAY);
	tsa_cert = mk_cert("Test TSA", tsa_key, root_cert, root_key, 2, 0, "critical,timeStamping", -DAY, 3650 * DAY);
	/* The signer expires in 30 days: validations "in 60 days" need proof of existence. */
	sig_cert = mk_cert("Siti Penanda Tangan", sig_key, root_cert, root_key, 3, 0, NULL, -DAY, 30 * DAY);
	weak_cert = mk_cert("Weak Key Signer", weak_key, root_cert, root_key, 4, 0, NULL, -DAY, 30 * DAY);
	other_root = mk_cert("Other Root", other_key, NULL, other_key, 9, 1, NULL, -DAY, 3650 * DAY);
	EVP_PKEY_free(other_key);
	if (EVP_PKEY_up_ref(sig_key) != 1 || key_from_pkey("sig", sig_key, &sig_k) != TK_OK || EVP_PKEY_up_ref(weak_key) != 1 ||
	    key_from_pkey("weak", weak_key, &weak_k) != TK_OK || EVP_PKEY_up_ref(tsa_key) != 1 || key_from_pkey("tsa", tsa_key, &tsa_k) != TK_OK)
		return -1;
	chain = sk_X509_new_null();
	if (chain == NULL || tsa_signer_new(&set, tsa_k, tsa_cert, chain, &tsa) != TK_OK)
		return -1;
	sk_X509_free(chain);
	if (src == NULL || str_fmt(path, sizeof(path), "%s/tests/data/pdf/gs-pdf13.pdf", src) != TK_OK ||
	    file_read(path, 1 << 24, &base_pdf, &base_len) != TK_OK)
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	tsa_signer_free(tsa);
	key_free(sig_k);
	key_free(weak_k);
	key_free(tsa_k);
	X509_free(root_cert);
	X509_free(tsa_cert);
	X509_free(sig_cert);
	X509_free(weak_cert);
	X509_free(other_root);
	EVP_PKEY_free(root_key);
	EVP_PKEY_free(tsa_key);
	EVP_PKEY_free(sig_key);
	EVP_PKEY_free(weak_key);
	free(base_pdf);
	return 0;
}

/* ---- documents ---- */

/* in followed by a new signature revision, into out (owned by the caller). */
static void sign(const uint8_t *in, size_t len, const struct key *k, X509 *cert, int bt, int docmdp, struct buf *out)
{
	struct pades_opts o;
	struct buf tail;
	size_t pages = 0;

	memset(&o, 0, sizeof(o));
	o.key = k;
	o.cert = cert;
	o.md = CMS_MD_SHA256;
	o.statement = STATEMENT;
	o.signer_name = "Siti";
	o.docmdp = docmdp;
	if (bt) {
		o.timestamp = ts_cb;
		o.ts_estimate = 4096;
	}
	buf_init(&tail, 1 << 24);
	assert_ok(pades_sign(in, len, &o, &tail, &pages));
	buf_init(out, 1 << 24);
	assert_ok(buf_append(out, in, len));
	assert_ok(buf_append(out, tail.p, tail.len));
	buf_free(&tail);
}

static void append_dss(struct buf *doc, const struct buf *crl)
{
	struct pades_blob certs[2], crls[1];
	struct pades_dss dss;
	struct buf tail;
	unsigned char *d1 = NULL, *d2 = NULL;
	int l1 = i2d_X509(sig_cert, &d1), l2 = i2d_X509(root_cert, &d2);

	assert_true(l1 > 0 && l2 > 0);
	certs[0].p = d1;
	certs[0].len = (size_t)l1;
	certs[1].p = d2;
	certs[1].len = (size_t)l2;
	crls[0].p = crl->p;
	crls[0].len = crl->len;
	memset(&dss, 0, sizeof(dss));
	dss.certs = certs;
	dss.ncerts = 2;
	dss.crls = crls;
	dss.ncrls = 1;
	buf_init(&tail, 1 << 24);
	assert_ok(pades_add_dss(doc->p, doc->len, &dss, &tail));
	assert_ok(buf_append(doc, tail.p, tail.len));
	buf_free(&tail);
	OPENSSL_free(d1);
	OPENSSL_free(d2);
}

static void append_doc_ts(struct buf *doc)
{
	struct pades_opts o;
	struct buf tail;
	size_t pages = 0;

	memset(&o, 0, sizeof(o));
	o.md = CMS_MD_SHA256;
	o.statement = STATEMENT;
	o.doc_timestamp = 1;
	o.doc_ts = doc_ts_cb;
	o.ts_estimate = 4096;
	buf_init(&tail, 1 << 24);
	assert_ok(pades_sign(doc->p, doc->len, &o, &tail, &pages));
	assert_ok(buf_append(doc, tail.p, tail.len));
	buf_free(&tail);
}

/* An incremental update through our PDF engine: page 1 gets more content, or an annotation. */
static void append_change(struct buf *doc, int annotation)
{
	struct pdf_doc *d = NULL;
	struct pdf_update *u = NULL;
	const struct pdf_page *pg = NULL;
	struct pdf_obj *copy;
	struct buf tail;
	uint32_t num;

	buf_init(&tail, 1 << 24);
	assert_ok(pdf_doc_load(doc->p, doc->len, 0, &d));
	assert_ok(pdf_page_get(d, 0, &pg));
	assert_ok(pdf_update_new(d, &u));
	copy = pdf_obj_copy(u, pg->dict);
	assert_non_null(copy);
	if (annotation) {
		struct pdf_obj *a = pdf_new_dict(u), *arr = pdf_new_array(u), *rect = pdf_new_array(u);
		const struct pdf_obj *old = pdf_dict_get(pg->dict, "Annots"), *olda = NULL;
		size_t i;
		assert_ok(pdf_resolve(d, old, &olda));
		for (i = 0; i < pdf_array_len(olda); i++)
			assert_ok(pdf_array_push(u, arr, pdf_array_get(olda, i)));
		for (i = 0; i < 4; i++)
			assert_ok(pdf_array_push(u, rect, pdf_new_int(u, (int64_t)(i * 50))));
		assert_ok(pdf_dict_set(u, a, "Type", pdf_new_name(u, "Annot")));
		assert_ok(pdf_dict_set(u, a, "Subtype", pdf_new_name(u, "Text")));
		assert_ok(pdf_dict_set(u, a, "Rect", rect));
		assert_ok(pdf_dict_set(u, a, "Contents", pdf_new_string(u, (const uint8_t *)"catatan", 7)));
		assert_ok(pdf_update_alloc(u, &num));
		assert_ok(pdf_update_set_object(u, num, 0, a));
		assert_ok(pdf_array_push(u, arr, pdf_new_ref(u, num, 0)));
		assert_ok(pdf_dict_set(u, copy, "Annots", arr));
	} else {
		static const char extra[] = "q 1 0 0 rg 10 10 100 40 re f Q\n";
		struct pdf_obj *arr = pdf_new_array(u);
		assert_ok(pdf_update_alloc(u, &num));
		assert_ok(pdf_update_set_stream(u, num, 0, NULL, (const uint8_t *)extra, sizeof(extra) - 1, 0));
		assert_ok(pdf_array_push(u, arr, pdf_dict_get(pg->dict, "Contents")));
		assert_ok(pdf_array_push(u, arr, pdf_new_ref(u, num, 0)));
		assert_ok(pdf_dict_set(u, copy, "Contents", arr));
	}
	assert_ok(pdf_update_set_object(u, pg->num, pg->gen, copy));
	assert_ok(pdf_update_write_tail(u, &tail));
	pdf_update_free(u);
	pdf_doc_free(d);
	assert_ok(buf_append(doc, tail.p, tail.len));
	buf_free(&tail);
}

/* ---- verifying ---- */

struct trustset {
	int anchors;     /* root as anchor */
	int other;       /* another root instead */
	struct buf *crl; /* CRL to add */
};

static struct verify_report *verify(const struct buf *doc, const struct trustset *ts, int64_t now, int rev_optional)
{
	struct verify_trust *t = NULL;
	struct verify_report *r = NULL;
	struct verify_opts o;
	json_t *j = NULL;
	struct buf txt;

	assert_ok(verify_trust_new(&t));
	if (ts->anchors)
		assert_ok(verify_trust_add_anchor(t, root_cert));
	if (ts->other)
		assert_ok(verify_trust_add_anchor(t, other_root));
	if (ts->crl)
		assert_ok(verify_trust_add_crls(t, ts->crl->p, ts->crl->len, "crl"));
	memset(&o, 0, sizeof(o));
	o.trust = t;
	o.now = now;
	o.revocation_optional = rev_optional;
	assert_ok(verify_pdf(doc->p, doc->len, &o, &r));
	/* Both renderings work on every report. */
	assert_ok(verify_report_json(r, "t.pdf", &j));
	assert_non_null(json_object_get(j, "signatures"));
	assert_string_equal(json_string_value(json_object_get(j, "indication")), verify_ind_name(r->ind));
	json_decref(j);
	buf_init(&txt, 1 << 20);
	assert_ok(verify_report_text(r, "t.pdf", &txt));
	assert_true(txt.len > 0);
	buf_free(&txt);
	verify_trust_free(t);
	return r;
}

static void expect(const struct verify_report *r, size_t i, enum verify_ind ind, enum verify_sub sub)
{
	assert_true(i < r->nsigs);
	if (r->sigs[i].ind != ind || r->sigs[i].sub != sub)
		fail_msg("signature %zu: got %s/%s (%s), want %s/%s", i + 1, verify_ind_name(r->sigs[i].ind), verify_sub_name(r->sigs[i].sub),
		    r->sigs[i].msg, verify_ind_name(ind), verify_sub_name(sub));
}

static void seed(const char *name, const struct buf *b)
{
	const char *dir = getenv("TEKEN_VERIFY_SEED_DIR");
	char path[4096];

	if (dir == NULL || str_fmt(path, sizeof(path), "%s/%s", dir, name) != TK_OK)
		return;
	assert_ok(file_write_atomic(path, b->p, b->len, 0644));
}

/* ---- tests ---- */

static void test_valid_and_trust(void **state)
{
	struct buf doc, crl;
	struct verify_report *r;
	struct trustset all = { 1, 0, &crl }, none = { 0, 0, NULL }, other = { 0, 1, &crl }, norev = { 1, 0, NULL };

	(void)state;
	buf_init(&crl, 1 << 20);
	mk_crl(NULL, 0, 0, &crl);
	sign(base_pdf, base_len, sig_k, sig_cert, 0, 0, &doc);
	seed("bb.pdf", &doc);

	r = verify(&doc, &all, 0, 0);
	assert_int_equal(r->nsigs, 1);
	expect(r, 0, VERIFY_TOTAL_PASSED, VERIFY_SUB_NONE);
	assert_string_equal(r->sigs[0].level, "PAdES-BASELINE-B");
	assert_true(r->sigs[0].covers_whole_document);
	assert_string_equal(r->sigs[0].signer, "Siti Penanda Tangan");
	assert_int_equal(r->sigs[0].rev, VERIFY_REV_GOOD);
	assert_int_equal(r->nchanges, 0);
	assert_false(r->changed_after_signing);
	assert_int_equal(r->ind, VERIFY_TOTAL_PASSED);
	verify_report_free(r);

	r = verify(&doc, &none, 0, 0);
	expect(r, 0, VERIFY_INDETERMINATE, VERIFY_SUB_NO_CERTIFICATE_CHAIN_FOUND);
	verify_report_free(r);
	r = verify(&doc, &other, 0, 0);
	expect(r, 0, VERIFY_INDETERMINATE, VERIFY_SUB_NO_CERTIFICATE_CHAIN_FOUND);
	verify_report_free(r);
	/* No revocation data: not a pass unless the caller says it is optional. */
	r = verify(&doc, &norev, 0, 0);
	expect(r, 0, VERIFY_INDETERMINATE, VERIFY_SUB_TRY_LATER);
	verify_report_free(r);
	r = verify(&doc, &norev, 0, 1);
	expect(r, 0, VERIFY_TOTAL_PASSED, VERIFY_SUB_NONE);
	verify_report_free(r);
	/* Ten days on, the week-long CRL is stale: no revocation data any more. */
	r = verify(&doc, &all, tk_now() + 10 * DAY, 0);
	expect(r, 0, VERIFY_INDETERMINATE, VERIFY_SUB_TRY_LATER);
	verify_report_free(r);
	buf_free(&doc);
	buf_free(&crl);
}

static void test_tampering(void **state)
{
	struct buf doc, crl, bad;
	struct verify_report *r;
	struct trustset all = { 1, 0, &crl };
	const uint8_t *sv;
	size_t svl, i, flips = 0, gap0, gap1;
	uint8_t *cms;

	(void)state;
	buf_init(&crl, 1 << 20);
	mk_crl(NULL, 0, 0, &crl);
	sign(base_pdf, base_len, sig_k, sig_cert, 0, 0, &doc);

	/* A byte of the page content: HASH_FAILURE. */
	buf_init(&bad, 1 << 24);
	assert_ok(buf_append(&bad, doc.p, doc.len));
	bad.p[base_len / 2] ^= 0x01;
	r = verify(&bad, &all, 0, 0);
	expect(r, 0, VERIFY_TOTAL_FAILED, VERIFY_SUB_HASH_FAILURE);
	verify_report_free(r);

	/* A byte of the signature value inside the CMS: SIG_CRYPTO_FAILURE. */
	{
		const uint8_t *lt = (const uint8_t *)memmem(doc.p + base_len, doc.len - base_len, "/Contents <", 11);
		size_t hex0, n;
		assert_non_null(lt);
		hex0 = (size_t)(lt - doc.p) + 11;
		for (n = 0; isxdigit(doc.p[hex0 + n]); n++)
			;
		cms = malloc(n / 2);
		assert_non_null(cms);
		for (i = 0; i < n / 2; i++) {
			char h[3] = { (char)doc.p[hex0 + 2 * i], (char)doc.p[hex0 + 2 * i + 1], 0 };
			cms[i] = (uint8_t)strtoul(h, NULL, 16);
		}
		{
			uint8_t tag;
			const uint8_t *val;
			size_t vlen, total;
			assert_ok(der_read(cms, n / 2, &tag, &val, &vlen, &total));
			assert_ok(cms_signature_value(cms, total, &sv, &svl));
		}
		memcpy(bad.p, doc.p, doc.len);
		i = hex0 + 2 * (size_t)(sv - cms + (ptrdiff_t)svl / 2);
		bad.p[i] = bad.p[i] == '0' ? '1' : '0';
		free(cms);
		r = verify(&bad, &all, 0, 0);
		expect(r, 0, VERIFY_TOTAL_FAILED, VERIFY_SUB_SIG_CRYPTO_FAILURE);
		verify_report_free(r);
	}

	/*
	 * Any bit flipped outside /Contents: never an unqualified pass. (Inside
	 * the CMS, unsigned parts such as the digestAlgorithms set may change
	 * without harm, as RFC 5652 allows.)
	 */
	r = verify(&doc, &all, 0, 0);
	gap0 = (size_t)r->sigs[0].byte_range[1];
	gap1 = (size_t)r->sigs[0].byte_range[2];
	verify_report_free(r);
	for (i = 0; i < doc.len; i += (i >= gap0 && i < gap1) ? 61 : 1) {
		struct verify_trust *t = NULL;
		struct verify_opts o;
		enum tk_err rc;
		memcpy(bad.p, doc.p, doc.len);
		bad.p[i] ^= (uint8_t)(1u << (i % 8));
		assert_ok(verify_trust_new(&t));
		assert_ok(verify_trust_add_anchor(t, root_cert));
		assert_ok(verify_trust_add_crls(t, crl.p, crl.len, "crl"));
		memset(&o, 0, sizeof(o));
		o.trust = t;
		rc = verify_pdf(bad.p, bad.len, &o, &r);
		if (rc == TK_OK) {
			if (r->ind == VERIFY_TOTAL_PASSED && !r->changed_after_signing && r->nsigs == 1 && (i < gap0 || i >= gap1))
				fail_msg("flipping a bit at offset %zu still passes", i);
			verify_report_free(r);
		} else {
			tk_clear_error();
		}
		verify_trust_free(t);
		flips++;
	}
	assert_true(flips > 100);
	buf_free(&bad);
	buf_free(&doc);
	buf_free(&crl);
}

static void test_revoked(void **state)
{
	struct buf doc, crl, late;
	struct verify_report *r;
	struct trustset t1 = { 1, 0, &crl }, t2 = { 1, 0, &late };

	(void)state;
	buf_init(&crl, 1 << 20);
	buf_init(&late, 1 << 20);
	mk_crl(&sig_cert, 1, -3600, &crl);
	sign(base_pdf, base_len, sig_k, sig_cert, 0, 0, &doc);
	r = verify(&doc, &t1, 0, 0);
	expect(r, 0, VERIFY_TOTAL_FAILED, VERIFY_SUB_REVOKED);
	assert_int_equal(r->sigs[0].rev, VERIFY_REV_REVOKED);
	verify_report_free(r);
	buf_free(&doc);

	/* With a signature timestamp before the revocation, the signature stands (proof of existence). */
	sign(base_pdf, base_len, sig_k, sig_cert, 1, 0, &doc);
	mk_crl(&sig_cert, 1, 3600, &late);
	r = verify(&doc, &t2, tk_now() + 7200, 0);
	expect(r, 0, VERIFY_TOTAL_PASSED, VERIFY_SUB_NONE);
	assert_true(r->sigs[0].poe);
	verify_report_free(r);
	buf_free(&doc);
	buf_free(&crl);
	buf_free(&late);
}

static void test_expiry_and_poe(void **state)
{
	struct buf bb, bt, crl, lcrl;
	struct verify_report *r;
	struct trustset withcrl = { 1, 0, &crl }, nocrl = { 1, 0, NULL }, longcrl = { 1, 0, &lcrl };
	int64_t later = tk_now() + 60 * DAY;

	(void)state;
	buf_init(&crl, 1 << 20);
	buf_init(&lcrl, 1 << 20);
	mk_crl(NULL, 0, 0, &crl);
	mk_crl_days(NULL, 0, 0, 90, &lcrl);
	sign(base_pdf, base_len, sig_k, sig_cert, 0, 0, &bb);
	sign(base_pdf, base_len, sig_k, sig_cert, 1, 0, &bt);
	seed("bt.pdf", &bt);

	r = verify(&bb, &nocrl, later, 0);
	expect(r, 0, VERIFY_INDETERMINATE, VERIFY_SUB_OUT_OF_BOUNDS_NO_POE);
	verify_report_free(r);
	/* A CRL that went stale before the validation time says nothing. */
	r = verify(&bb, &withcrl, later, 0);
	expect(r, 0, VERIFY_INDETERMINATE, VERIFY_SUB_OUT_OF_BOUNDS_NO_POE);
	verify_report_free(r);
	/* A current CRL made while the certificate was valid: not revoked, but still no proof of existence. */
	r = verify(&bb, &longcrl, later, 0);
	expect(r, 0, VERIFY_INDETERMINATE, VERIFY_SUB_OUT_OF_BOUNDS_NOT_REVOKED);
	verify_report_free(r);

	/* B-T: the timestamp proves the signature existed while the certificate was valid. */
	r = verify(&bt, &withcrl, later, 0);
	expect(r, 0, VERIFY_TOTAL_PASSED, VERIFY_SUB_NONE);
	assert_string_equal(r->sigs[0].level, "PAdES-BASELINE-T");
	assert_true(r->sigs[0].poe);
	assert_int_equal(r->sigs[0].nts, 1);
	assert_int_equal(r->sigs[0].ts[0].ind, VERIFY_TOTAL_PASSED);
	verify_report_free(r);

	/* And today, with the certificate still valid. */
	r = verify(&bt, &withcrl, 0, 0);
	expect(r, 0, VERIFY_TOTAL_PASSED, VERIFY_SUB_NONE);
	verify_report_free(r);
	buf_free(&bb);
	buf_free(&bt);
	buf_free(&crl);
	buf_free(&lcrl);
}

static void test_weak_key(void **state)
{
	struct buf doc, crl;
	struct verify_report *r;
	struct trustset all = { 1, 0, &crl };

	(void)state;
	buf_init(&crl, 1 << 20);
	mk_crl(NULL, 0, 0, &crl);
	sign(base_pdf, base_len, weak_k, weak_cert, 0, 0, &doc);
	r = verify(&doc, &all, 0, 0);
	expect(r, 0, VERIFY_INDETERMINATE, VERIFY_SUB_CRYPTO_CONSTRAINTS_FAILURE);
	assert_string_equal(r->sigs[0].key, "rsa1024");
	verify_report_free(r);
	buf_free(&doc);
	buf_free(&crl);
}

static void test_levels_lta(void **state)
{
	struct buf doc, crl;
	struct verify_report *r;
	struct trustset all = { 1, 0, NULL };
	size_t i;

	(void)state;
	buf_init(&crl, 1 << 20);
	mk_crl(NULL, 0, 0, &crl);
	sign(base_pdf, base_len, sig_k, sig_cert, 1, 0, &doc);
	append_dss(&doc, &crl);
	r = verify(&doc, &all, 0, 0);
	expect(r, 0, VERIFY_TOTAL_PASSED, VERIFY_SUB_NONE);
	assert_string_equal(r->sigs[0].level, "PAdES-BASELINE-LT");
	assert_false(r->changed_after_signing);
	verify_report_free(r);

	append_doc_ts(&doc);
	seed("lta.pdf", &doc);
	r = verify(&doc, &all, 0, 0);
	assert_int_equal(r->nsigs, 2);
	expect(r, 0, VERIFY_TOTAL_PASSED, VERIFY_SUB_NONE);
	expect(r, 1, VERIFY_TOTAL_PASSED, VERIFY_SUB_NONE);
	assert_true(r->sigs[1].doc_timestamp);
	assert_string_equal(r->sigs[0].level, "PAdES-BASELINE-LTA");
	assert_int_equal(r->sigs[0].covering_doc_ts, 1);
	assert_false(r->changed_after_signing);
	for (i = 0; i < r->nchanges; i++)
		assert_int_equal(r->changes[i].kinds & ~(VERIFY_MOD_SIGNATURE | VERIFY_MOD_DSS | VERIFY_MOD_DOC_TIMESTAMP), 0);
	verify_report_free(r);

	/* Long after the signer expired, the archive timestamp still proves existence. */
	r = verify(&doc, &all, tk_now() + 90 * DAY, 0);
	expect(r, 0, VERIFY_TOTAL_PASSED, VERIFY_SUB_NONE);
	verify_report_free(r);
	buf_free(&doc);
	buf_free(&crl);
}

static void test_changes_after(void **state)
{
	struct buf doc, crl;
	struct verify_report *r;
	struct trustset all = { 1, 0, &crl };

	(void)state;
	buf_init(&crl, 1 << 20);
	mk_crl(NULL, 0, 0, &crl);

	/* Approval signature, then new page content: reported, the signature itself still valid. */
	sign(base_pdf, base_len, sig_k, sig_cert, 0, 0, &doc);
	append_change(&doc, 0);
	seed("changed.pdf", &doc);
	r = verify(&doc, &all, 0, 0);
	expect(r, 0, VERIFY_TOTAL_PASSED, VERIFY_SUB_NONE);
	assert_true(r->changed_after_signing);
	assert_false(r->sigs[0].covers_whole_document);
	assert_int_equal(r->nchanges, 1);
	assert_true(r->changes[0].kinds & VERIFY_MOD_PAGE_CONTENT);
	verify_report_free(r);
	buf_free(&doc);

	/* Certified P=1, then an annotation: forbidden. */
	sign(base_pdf, base_len, sig_k, sig_cert, 0, 1, &doc);
	append_change(&doc, 1);
	r = verify(&doc, &all, 0, 0);
	expect(r, 0, VERIFY_TOTAL_FAILED, VERIFY_SUB_SIG_CONSTRAINTS_FAILURE);
	assert_int_equal(r->sigs[0].docmdp, 1);
	assert_true(r->changes[0].kinds & VERIFY_MOD_ANNOTATION);
	verify_report_free(r);
	buf_free(&doc);

	/* Certified P=3 allows annotations; P=2 does not. */
	sign(base_pdf, base_len, sig_k, sig_cert, 0, 3, &doc);
	append_change(&doc, 1);
	r = verify(&doc, &all, 0, 0);
	expect(r, 0, VERIFY_TOTAL_PASSED, VERIFY_SUB_NONE);
	verify_report_free(r);
	buf_free(&doc);
	sign(base_pdf, base_len, sig_k, sig_cert, 0, 2, &doc);
	append_change(&doc, 1);
	r = verify(&doc, &all, 0, 0);
	expect(r, 0, VERIFY_TOTAL_FAILED, VERIFY_SUB_SIG_CONSTRAINTS_FAILURE);
	verify_report_free(r);

	/* Certified P=2, then a second (visible-free) signature that only adds a signature: allowed. */
	{
		struct buf two;
		sign(base_pdf, base_len, sig_k, sig_cert, 0, 2, &two);
		buf_free(&doc);
		doc = two;
	}
	{
		struct buf two;
		struct pades_opts o;
		struct buf tail;
		size_t pages;
		memset(&o, 0, sizeof(o));
		o.key = sig_k;
		o.cert = sig_cert;
		o.md = CMS_MD_SHA256;
		o.statement = STATEMENT;
		o.visible.enabled = 1;
		o.visible.page = PADES_PAGE_LAST;
		o.visible.rect[0] = 10;
		o.visible.rect[1] = 10;
		o.visible.rect[2] = 200;
		o.visible.rect[3] = 60;
		buf_init(&tail, 1 << 24);
		assert_ok(pades_sign(doc.p, doc.len, &o, &tail, &pages));
		buf_init(&two, 1 << 24);
		assert_ok(buf_append(&two, doc.p, doc.len));
		assert_ok(buf_append(&two, tail.p, tail.len));
		buf_free(&tail);
		seed("two.pdf", &two);
		r = verify(&two, &all, 0, 0);
		expect(r, 0, VERIFY_TOTAL_PASSED, VERIFY_SUB_NONE);
		expect(r, 1, VERIFY_TOTAL_PASSED, VERIFY_SUB_NONE);
		assert_true(r->changes[0].kinds & VERIFY_MOD_SIGNATURE);
		assert_false(r->changed_after_signing);
		verify_report_free(r);

		/* Garbage after the last %%EOF is reported, not ignored. */
		assert_ok(buf_puts(&two, "\n1 0 obj << /Type /Catalog >> endobj junk\n"));
		r = verify(&two, &all, 0, 0);
		assert_true(r->changed_after_signing);
		assert_true(r->changes[r->nchanges - 1].kinds & VERIFY_MOD_APPENDED);
		assert_false(r->sigs[1].covers_whole_document);
		verify_report_free(r);
		buf_free(&two);
	}
	buf_free(&doc);
	buf_free(&crl);
}

/* Replaces the first occurrence of from (same length as to) after offset. */
static void patch(struct buf *b, size_t after, const char *from, const char *to)
{
	uint8_t *p = memmem(b->p + after, b->len - after, from, strlen(from));

	assert_non_null(p);
	assert_int_equal(strlen(from), strlen(to));
	memcpy(p, to, strlen(to));
}

static void test_format(void **state)
{
	struct buf doc, crl, bad;
	struct verify_report *r;
	struct trustset all = { 1, 0, &crl };
	char br[128], edit[128];
	const uint8_t *b0;
	long long a, b, c, d;
	int n;

	(void)state;
	buf_init(&crl, 1 << 20);
	mk_crl(NULL, 0, 0, &crl);
	sign(base_pdf, base_len, sig_k, sig_cert, 0, 0, &doc);
	b0 = memmem(doc.p + base_len, doc.len - base_len, "/ByteRange [", 12);
	assert_non_null(b0);
	n = 0;
	{
		char tmp[128];
		size_t k = 0;
		const uint8_t *q = b0 + 12;
		while (k + 1 < sizeof(tmp) && q[k] != ']') {
			tmp[k] = (char)q[k];
			k++;
		}
		tmp[k] = '\0';
		{
			char *e;
			a = strtoll(tmp, &e, 10);
			b = strtoll(e, &e, 10);
			c = strtoll(e, &e, 10);
			d = strtoll(e, &e, 10);
		}
		memcpy(br, tmp, k + 1);
		n = (int)k;
	}
	assert_int_equal(a, 0);
	buf_init(&bad, 1 << 24);

	{
		static const struct {
			long long da, db, dc, dd;
		} cases[] = {
			{ 1, 0, 0, 0 },  /* does not start at 0 */
			{ 0, 1, 0, 0 },  /* gap shifted: not the hex string */
			{ 0, 0, 0, 9 },  /* ends past the file */
			{ 0, 0, -1, 0 }, /* gap too short */
			{ 0, 0, 0, -5 }, /* ends inside the revision */
		};
		size_t i;
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			int m = snprintf(edit, sizeof(edit), "%lld %lld %lld %lld", a + cases[i].da, b + cases[i].db, c + cases[i].dc, d + cases[i].dd);
			assert_true(m > 0 && m <= n);
			memset(edit + m, ' ', (size_t)(n - m));
			edit[n] = '\0';
			buf_reset(&bad);
			assert_ok(buf_append(&bad, doc.p, doc.len));
			patch(&bad, base_len, br, edit);
			r = verify(&bad, &all, 0, 0);
			if (r->sigs[0].ind == VERIFY_TOTAL_PASSED)
				fail_msg("ByteRange case %zu passes", i);
			assert_int_equal(r->sigs[0].sub, i == 1 || i == 3 ? VERIFY_SUB_FORMAT_FAILURE : r->sigs[0].sub);
			verify_report_free(r);
		}
	}
	/* A negative entry, and a non-hex digit in /Contents. */
	{
		int m = snprintf(edit, sizeof(edit), "-%lld %lld %lld %lld", a + 1, b, c, d);
		memset(edit + m, ' ', (size_t)(n - m));
		edit[n] = '\0';
		buf_reset(&bad);
		assert_ok(buf_append(&bad, doc.p, doc.len));
		patch(&bad, base_len, br, edit);
		r = verify(&bad, &all, 0, 0);
		expect(r, 0, VERIFY_TOTAL_FAILED, VERIFY_SUB_FORMAT_FAILURE);
		verify_report_free(r);
	}
	buf_reset(&bad);
	assert_ok(buf_append(&bad, doc.p, doc.len));
	bad.p[b + 5] = 'g';
	r = verify(&bad, &all, 0, 0);
	expect(r, 0, VERIFY_TOTAL_FAILED, VERIFY_SUB_FORMAT_FAILURE);
	verify_report_free(r);
	/* Zero padding that is not zero. */
	buf_reset(&bad);
	assert_ok(buf_append(&bad, doc.p, doc.len));
	bad.p[c - 3] = '7';
	r = verify(&bad, &all, 0, 0);
	expect(r, 0, VERIFY_TOTAL_FAILED, VERIFY_SUB_FORMAT_FAILURE);
	verify_report_free(r);
	/* An unknown SubFilter. */
	buf_reset(&bad);
	assert_ok(buf_append(&bad, doc.p, doc.len));
	patch(&bad, base_len, "/ETSI.CAdES.detached", "/ETSI.CAdES.detacheX");
	r = verify(&bad, &all, 0, 0);
	expect(r, 0, VERIFY_TOTAL_FAILED, VERIFY_SUB_FORMAT_FAILURE);
	verify_report_free(r);

	buf_free(&bad);
	buf_free(&doc);
	buf_free(&crl);
}

/* Rewrites the top SEQUENCE of the CMS in /Contents with an indefinite length (BER), keeping the size. */
static void test_ber(void **state)
{
	struct buf doc, crl;
	struct verify_report *r;
	struct trustset all = { 1, 0, &crl };
	uint8_t *lt;
	size_t hex0;

	(void)state;
	buf_init(&crl, 1 << 20);
	mk_crl(NULL, 0, 0, &crl);
	sign(base_pdf, base_len, sig_k, sig_cert, 0, 0, &doc);
	lt = memmem(doc.p + base_len, doc.len - base_len, "/Contents <3082", 15);
	assert_non_null(lt);
	hex0 = (size_t)(lt - doc.p) + 11;
	{
		/* 30 82 LL LL <content> -> 30 80 <content> 00 00 : same size. */
		size_t clen, i;
		char h[5] = { (char)doc.p[hex0 + 4], (char)doc.p[hex0 + 5], (char)doc.p[hex0 + 6], (char)doc.p[hex0 + 7], 0 };
		clen = strtoul(h, NULL, 16);
		memmove(doc.p + hex0 + 4, doc.p + hex0 + 8, 2 * clen);
		memcpy(doc.p + hex0 + 2, "80", 2);
		memcpy(doc.p + hex0 + 4 + 2 * clen, "0000", 4);
		for (i = 0; i < 4; i++)
			assert_true(isxdigit(doc.p[hex0 + 4 + 2 * clen + i]));
	}
	r = verify(&doc, &all, 0, 0);
	expect(r, 0, VERIFY_TOTAL_PASSED, VERIFY_SUB_NONE);
	assert_non_null(strstr(r->sigs[0].bb[VERIFY_BB_FC].msg, "BER"));
	verify_report_free(r);
	seed("ber.pdf", &doc);
	buf_free(&doc);
	buf_free(&crl);
}

static void test_cades(void **state)
{
	struct buf sig, content, crl;
	struct verify_trust *t = NULL;
	struct verify_report *r = NULL;
	struct verify_opts o;
	struct cms_sign_opts so = { 0, 1, 0, 0 };
	X509 *chain[1] = { root_cert };

	(void)state;
	buf_init(&sig, CMS_MAX_BYTES);
	buf_init(&crl, 1 << 20);
	buf_init(&content, 1 << 20);
	mk_crl(NULL, 0, 0, &crl);
	assert_ok(buf_puts(&content, "isi berkas yang ditandatangani\n"));
	assert_ok(cms_sign_detached(sig_k, sig_cert, chain, 0, CMS_MD_SHA256, content.p, content.len, &so, &sig));
	assert_ok(verify_trust_new(&t));
	assert_ok(verify_trust_add_anchor(t, root_cert));
	assert_ok(verify_trust_add_crls(t, crl.p, crl.len, "crl"));
	memset(&o, 0, sizeof(o));
	o.trust = t;
	assert_ok(verify_cades(sig.p, sig.len, content.p, content.len, &o, &r));
	expect(r, 0, VERIFY_TOTAL_PASSED, VERIFY_SUB_NONE);
	assert_string_equal(r->sigs[0].level, "CAdES-BASELINE-B");
	verify_report_free(r);
	content.p[0] ^= 1;
	assert_ok(verify_cades(sig.p, sig.len, content.p, content.len, &o, &r));
	expect(r, 0, VERIFY_TOTAL_FAILED, VERIFY_SUB_HASH_FAILURE);
	verify_report_free(r);
	assert_int_equal(verify_cades(content.p, content.len, sig.p, sig.len, &o, &r), TK_ERR_INVALID);
	assert_int_equal(verify_cades(sig.p, sig.len - 1, content.p, content.len, &o, &r), TK_ERR_INVALID);
	verify_trust_free(t);
	buf_free(&sig);
	buf_free(&crl);
	buf_free(&content);
}

/* A detached CMS over content by OpenSSL's own API (not our signer): digest md, CMS_NOATTR or not. */
static void openssl_detached(X509 *cert, EVP_PKEY *pk, const struct buf *content, const EVP_MD *md, unsigned flags, struct buf *out)
{
	BIO *in = BIO_new_mem_buf(content->p, (int)content->len);
	CMS_ContentInfo *cms;
	uint8_t *der = NULL;
	int n;

	assert_non_null(in);
	cms = CMS_sign(NULL, NULL, NULL, NULL, CMS_DETACHED | CMS_BINARY | CMS_PARTIAL | flags);
	assert_non_null(cms);
	assert_non_null(CMS_add1_signer(cms, cert, pk, md, CMS_BINARY | flags));
	assert_int_equal(CMS_final(cms, in, NULL, CMS_DETACHED | CMS_BINARY | flags), 1);
	n = i2d_CMS_ContentInfo(cms, &der);
	assert_true(n > 0);
	buf_init(out, CMS_MAX_BYTES);
	assert_ok(buf_append(out, der, (size_t)n));
	OPENSSL_free(der);
	CMS_ContentInfo_free(cms);
	BIO_free(in);
}

/* CAdES from other signers: no signed attributes, SHA-3, SHA-1 (issue 13). */
static void test_cades_foreign(void **state)
{
	static const struct {
		const char *md;
		unsigned flags;
		enum verify_ind ind;
		enum verify_sub sub;
		enum verify_sub tampered;
	} v[] = {
		{ "SHA256", CMS_NOATTR, VERIFY_TOTAL_PASSED, VERIFY_SUB_NONE, VERIFY_SUB_SIG_CRYPTO_FAILURE },
		{ "SHA3-256", 0, VERIFY_TOTAL_PASSED, VERIFY_SUB_NONE, VERIFY_SUB_HASH_FAILURE },
		{ "SHA3-384", CMS_NOATTR, VERIFY_TOTAL_PASSED, VERIFY_SUB_NONE, VERIFY_SUB_SIG_CRYPTO_FAILURE },
		{ "SHA1", 0, VERIFY_INDETERMINATE, VERIFY_SUB_CRYPTO_CONSTRAINTS_FAILURE, VERIFY_SUB_HASH_FAILURE },
		{ "SHA1", CMS_NOATTR, VERIFY_INDETERMINATE, VERIFY_SUB_CRYPTO_CONSTRAINTS_FAILURE, VERIFY_SUB_SIG_CRYPTO_FAILURE },
	};
	struct buf content, crl;
	struct verify_trust *t = NULL;
	struct verify_opts o;
	size_t i;
	/* RSA: OpenSSL 3.0's CMS signs SHA-3 only with RSA. */
	EVP_PKEY *rk = EVP_RSA_gen(2048);
	X509 *rc;

	(void)state;
	assert_non_null(rk);
	rc = mk_cert("RSA Signer Lain", rk, root_cert, root_key, 5, 0, NULL, -DAY, 30 * DAY);
	buf_init(&crl, 1 << 20);
	buf_init(&content, 1 << 20);
	mk_crl(NULL, 0, 0, &crl);
	assert_ok(buf_puts(&content, "berkas dari penanda tangan lain\n"));
	assert_ok(verify_trust_new(&t));
	assert_ok(verify_trust_add_anchor(t, root_cert));
	assert_ok(verify_trust_add_crls(t, crl.p, crl.len, "crl"));
	memset(&o, 0, sizeof(o));
	o.trust = t;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct verify_report *r = NULL;
		struct buf sig;
		json_t *j = NULL, *w;
		EVP_MD *md = EVP_MD_fetch(NULL, v[i].md, NULL);
		assert_non_null(md);
		openssl_detached(rc, rk, &content, md, v[i].flags, &sig);
		assert_ok(verify_cades(sig.p, sig.len, content.p, content.len, &o, &r));
		expect(r, 0, v[i].ind, v[i].sub);
		assert_true(r->sigs[0].bb[VERIFY_BB_CV].done && r->sigs[0].bb[VERIFY_BB_CV].ind == VERIFY_TOTAL_PASSED);
		assert_int_equal(r->sigs[0].nwarnings, 0);
		assert_ok(verify_report_json(r, "x.p7s", &j));
		w = json_object_get(json_array_get(json_object_get(j, "signatures"), 0), "warnings");
		assert_true(json_is_array(w) && json_array_size(w) == 0);
		json_decref(j);
		verify_report_free(r);
		content.p[2] ^= 1;
		assert_ok(verify_cades(sig.p, sig.len, content.p, content.len, &o, &r));
		expect(r, 0, VERIFY_TOTAL_FAILED, v[i].tampered);
		verify_report_free(r);
		content.p[2] ^= 1;
		buf_free(&sig);
		EVP_MD_free(md);
	}
	verify_trust_free(t);
	X509_free(rc);
	EVP_PKEY_free(rk);
	buf_free(&crl);
	buf_free(&content);
}

/* Every file of the PDF corpus, hostile ones included, and every truncation of a signed file. */
static void test_hostile(void **state)
{
	const char *src = getenv("TEKEN_SRC");
	char dir[4096];
	DIR *d;
	struct dirent *e;
	struct verify_trust *t = NULL;
	struct verify_opts o;
	struct buf doc;
	size_t files = 0, cut;

	(void)state;
	assert_non_null(src);
	assert_ok(str_fmt(dir, sizeof(dir), "%s/tests/data/pdf", src));
	assert_ok(verify_trust_new(&t));
	assert_ok(verify_trust_add_anchor(t, root_cert));
	memset(&o, 0, sizeof(o));
	o.trust = t;
	d = opendir(dir);
	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		char path[8192];
		uint8_t *p = NULL;
		size_t len = 0;
		struct verify_report *r = NULL;
		enum tk_err rc;
		if (e->d_name[0] == '.')
			continue;
		assert_ok(str_fmt(path, sizeof(path), "%s/%s", dir, e->d_name));
		assert_ok(file_read(path, 1 << 26, &p, &len));
		rc = verify_pdf(p, len, &o, &r);
		if (rc == TK_OK)
			verify_report_free(r);
		else
			assert_true(tk_errmsg()[0] != '\0');
		tk_clear_error();
		free(p);
		files++;
	}
	closedir(d);
	assert_true(files > 20);

	sign(base_pdf, base_len, sig_k, sig_cert, 0, 0, &doc);
	for (cut = 0; cut < doc.len; cut += cut < base_len ? 997 : 23) {
		struct verify_report *r = NULL;
		if (verify_pdf(doc.p, cut, &o, &r) == TK_OK) {
			if (r->ind == VERIFY_TOTAL_PASSED)
				fail_msg("a file cut at %zu of %zu passes", cut, doc.len);
			verify_report_free(r);
		}
		tk_clear_error();
	}
	{
		struct verify_report *r = NULL;
		/* The signed part alone (no trailing newline) is not a whole revision. */
		assert_ok(verify_pdf(doc.p, doc.len - 1, &o, &r));
		expect(r, 0, VERIFY_TOTAL_FAILED, VERIFY_SUB_FORMAT_FAILURE);
		verify_report_free(r);
	}
	{
		/* A header and nothing else: a report (no signature, structure unreadable), never only an error. */
		struct verify_report *r = NULL;
		assert_ok(verify_pdf((const uint8_t *)"%PDF-1.4\n", 9, &o, &r));
		assert_true(r->no_signature && r->unreadable && r->nsigs == 0 && r->damage[0] != '\0' && strstr(r->notice, "cannot be read") != NULL);
		verify_report_free(r);
		/* No header in the first 1024 bytes: not a PDF. */
		assert_int_equal(verify_pdf((const uint8_t *)"GIF89a nothing", 14, &o, &r), TK_ERR_INVALID);
		assert_string_equal(tk_last_error()->code, "not_a_pdf");
		tk_clear_error();
	}
	{
		/* The signed file with its structure wiped: the raw scan still finds the signature and its signer. */
		struct verify_report *r = NULL;
		uint8_t *q = malloc(doc.len);
		size_t i;
		assert_non_null(q);
		memcpy(q, doc.p, doc.len);
		for (i = 0; i + 9 <= doc.len; i++)
			if (memcmp(q + i, "startxref", 9) == 0 || memcmp(q + i, "trailer", 7) == 0 || memcmp(q + i, "/Root", 5) == 0 ||
			    memcmp(q + i, "/Catalog", 8) == 0)
				q[i + 1] = 'X';
		assert_ok(verify_pdf(q, doc.len, &o, &r));
		assert_true(r->unreadable);
		assert_int_equal(r->nsigs, 1);
		expect(r, 0, VERIFY_TOTAL_FAILED, VERIFY_SUB_FORMAT_FAILURE);
		assert_true(r->sigs[0].signer[0] != '\0');
		assert_int_equal(r->ind, VERIFY_TOTAL_FAILED);
		verify_report_free(r);
		free(q);
	}
	buf_free(&doc);
	verify_trust_free(t);
}

static void test_trust_inputs(void **state)
{
	struct verify_trust *t = NULL;

	(void)state;
	assert_ok(verify_trust_new(&t));
	assert_int_equal(verify_trust_add_anchors(t, (const uint8_t *)"nonsense", 8, "x"), TK_ERR_INVALID);
	assert_int_equal(verify_trust_add_anchors(t, (const uint8_t *)"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", 58, "x"),
	    TK_ERR_INVALID);
	assert_int_equal(verify_trust_add_crls(t, (const uint8_t *)"\x30\x03\x02\x01\x01", 5, "x"), TK_ERR_INVALID);
	assert_int_equal(verify_trust_add_path(t, "/nonexistent/teken/roots.pem"), TK_ERR_IO);
	assert_int_equal(verify_trust_anchor_count(t), 0);
	assert_ok(verify_trust_add_anchor(t, root_cert));
	assert_ok(verify_trust_add_anchor(t, root_cert));
	assert_int_equal(verify_trust_anchor_count(t), 1);
	verify_trust_free(t);
	verify_trust_free(NULL);
	verify_report_free(NULL);
	tk_clear_error();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_and_trust),
		cmocka_unit_test(test_tampering),
		cmocka_unit_test(test_revoked),
		cmocka_unit_test(test_expiry_and_poe),
		cmocka_unit_test(test_weak_key),
		cmocka_unit_test(test_levels_lta),
		cmocka_unit_test(test_changes_after),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_ber),
		cmocka_unit_test(test_cades),
		cmocka_unit_test(test_cades_foreign),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_trust_inputs),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

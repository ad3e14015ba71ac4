/*
 * BSrE Esign Client verification responses (shared/reference/bsre-esign-
 * client-api.md 4.1 and 4.2) from a teken verification report, and the
 * certificate chain of an official (reference 1). The verdicts are the
 * engine's (src/verify, the same as `teken verify`); this file only
 * renames them into the vendor's fields and reads from each signature's
 * CMS the few values a report does not keep (signature value, message
 * digest, embedded certificates, the TSA certificate).
 *
 * The field-by-field mapping and the known differences are in
 * docs/bsre-compat.md; keep the two in step.
 */
#include "svc/audit/audit.h"
#include "svc/base/base.h"
#include "svc/ca/ca.h"
#include "svc/ra/ra.h"
#include "svc/report/report.h"
#include "svc/verify/verify_svc.h"
#include "svc/base/base_int.h"

#include "cms/cms.h"
#include "x509/x509.h"

#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BSRE_MAX_CHAIN 9u /* certificates listed per signature (as struct verify_sig.chain) */

/* The vendor's texts (reference 4.1 and 4.2); the ones not seen in the field are ours. */
#define NOTES_VALID "Tanda tangan elektronik valid dan dokumen merupakan dokumen asli sejak ditandatangani"
#define NOTES_MODIFIED "Konten Dokumen mengalami perubahan oleh pihak yang tidak berhak"
#define NOTES_UNTRUSTED "Sertifikat penanda tangan tidak diterbitkan oleh penyelenggara sertifikasi elektronik yang dipercaya"
#define NOTES_INDETERMINATE "Tanda tangan elektronik belum dapat dipastikan keabsahannya"
#define NOTES_INVALID "Tanda tangan elektronik tidak valid"
#define DESC_VALID "Dokumen valid, Sertifikat yang digunakan terpercaya"
#define DESC_UNTRUSTED "Dokumen valid, Sertifikat yang digunakan tidak terpercaya"
#define DESC_NO_SIGNATURE "Dokumen tidak memiliki tanda tangan elektronik"
#define DESC_MODIFIED "Dokumen tidak valid, konten dokumen mengalami perubahan setelah ditandatangani"
#define DESC_INVALID "Dokumen tidak valid, tanda tangan elektronik tidak valid"
#define DESC_CHANGED "Dokumen diubah setelah ditandatangani; tanda tangan elektronik hanya berlaku untuk versi yang ditandatangani"
#define DESC_WARNING "Tanda tangan elektronik belum dapat divalidasi sepenuhnya"

/* What one signature's CMS adds to the report (all owned). */
struct sig_cms {
	CMS_ContentInfo *cms;
	STACK_OF(X509) *certs;              /* embedded certificates */
	X509 *signer;                       /* one of certs, borrowed */
	char id[72];                        /* "S-" + SHA-256 of the CMS DER, upper-case hex */
	char *sigval;                       /* hex of the signature value */
	char hash[2 * EVP_MAX_MD_SIZE + 1]; /* hex of the signed messageDigest attribute; "" when absent */
	CMS_ContentInfo *tst;               /* the first signature timestamp token */
	X509 *tsa;                          /* its signer, borrowed from tst_certs */
	STACK_OF(X509) *tst_certs;
	char tst_id[72]; /* "T-" + SHA-256 of the token DER */
};

static void sig_cms_free(struct sig_cms *x)
{
	CMS_ContentInfo_free(x->cms);
	sk_X509_pop_free(x->certs, X509_free);
	free(x->sigval);
	CMS_ContentInfo_free(x->tst);
	sk_X509_pop_free(x->tst_certs, X509_free);
	memset(x, 0, sizeof(*x));
}

static void id_of(const char *prefix, const uint8_t *p, size_t len, char out[72])
{
	uint8_t md[32];
	unsigned mdl = 0;
	size_t i, n = strlen(prefix);

	memcpy(out, prefix, n);
	if (EVP_Digest(p, len, md, &mdl, EVP_sha256(), NULL) != 1 || mdl != sizeof(md)) {
		out[n] = '\0';
		return;
	}
	hex_encode(md, sizeof(md), out + n);
	for (i = n; out[i]; i++)
		out[i] = (char)toupper((unsigned char)out[i]);
}

/* The SignerInfo's certificate among certs (borrowed), or NULL. */
static X509 *signer_in(CMS_SignerInfo *si, STACK_OF(X509) *certs)
{
	int i;

	for (i = 0; certs != NULL && i < sk_X509_num(certs); i++)
		if (CMS_SignerInfo_cert_cmp(si, sk_X509_value(certs, i)) == 0)
			return sk_X509_value(certs, i);
	return NULL;
}

/*
 * The signature timestamp token (id-aa-signatureTimeStampToken, RFC 3161
 * Appendix A) of si, parsed, with its signer certificate. Best effort:
 * a token that does not parse leaves the fields empty (the engine has
 * judged it already).
 */
static void read_token(CMS_SignerInfo *si, struct sig_cms *x)
{
	ASN1_TYPE *t;
	const unsigned char *p;
	CMS_SignerInfo *tsi;
	int idx = CMS_unsigned_get_attr_by_NID(si, NID_id_smime_aa_timeStampToken, -1);
	X509_ATTRIBUTE *a = idx >= 0 ? CMS_unsigned_get_attr(si, idx) : NULL;

	if (a == NULL || (t = X509_ATTRIBUTE_get0_type(a, 0)) == NULL || t->type != V_ASN1_SEQUENCE)
		return;
	p = ASN1_STRING_get0_data(t->value.sequence);
	id_of("T-", p, (size_t)ASN1_STRING_length(t->value.sequence), x->tst_id);
	if ((x->tst = d2i_CMS_ContentInfo(NULL, &p, ASN1_STRING_length(t->value.sequence))) == NULL)
		return;
	x->tst_certs = CMS_get1_certs(x->tst);
	if (CMS_get0_SignerInfos(x->tst) != NULL && (tsi = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(x->tst), 0)) != NULL)
		x->tsa = signer_in(tsi, x->tst_certs);
}

/*
 * The CMS of a signature: the hex string /Contents between the two byte
 * ranges (ISO 32000-1 12.8.1), decoded and parsed by OpenSSL (BER as
 * pdfsig writes it is accepted; the engine has already judged its form).
 * Leaves *x empty when the ranges or the CMS are unusable.
 */
static enum tk_err read_cms(const uint8_t *pdf, size_t len, const struct verify_sig *s, struct sig_cms *x)
{
	STACK_OF(CMS_SignerInfo) *sis;
	CMS_SignerInfo *si;
	ASN1_OCTET_STRING *sv, *md;
	const unsigned char *p;
	uint8_t *der = NULL;
	size_t start, end, i, n = 0;
	int hi = -1;

	memset(x, 0, sizeof(*x));
	if (s->byte_range[1] < 0 || s->byte_range[2] < 0)
		return TK_OK;
	start = (size_t)s->byte_range[0] + (size_t)s->byte_range[1];
	end = (size_t)s->byte_range[2];
	if (s->byte_range[0] != 0 || start + 2 > end || end > len || pdf[start] != '<' || pdf[end - 1] != '>' ||
	    (end - start) / 2 > CMS_MAX_BYTES)
		return TK_OK;
	if ((der = malloc((end - start) / 2 + 1)) == NULL)
		return tk_fail(TK_ERR_NOMEM, "verify: out of memory");
	for (i = start + 1; i < end - 1; i++) {
		int v;
		uint8_t ch = pdf[i];
		if (ch >= '0' && ch <= '9')
			v = ch - '0';
		else if (ch >= 'a' && ch <= 'f')
			v = ch - 'a' + 10;
		else if (ch >= 'A' && ch <= 'F')
			v = ch - 'A' + 10;
		else if (ch == ' ' || ch == '\r' || ch == '\n' || ch == '\t' || ch == '\f')
			continue;
		else
			break;
		if (hi < 0) {
			hi = v;
		} else {
			der[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	if (hi >= 0) /* ISO 32000-1 7.3.4.3: an odd final digit is followed by 0 */
		der[n++] = (uint8_t)(hi << 4);
	p = der;
	if (n == 0 || n > LONG_MAX || (x->cms = d2i_CMS_ContentInfo(NULL, &p, (long)n)) == NULL) {
		ERR_clear_error();
		free(der);
		return TK_OK;
	}
	id_of("S-", der, (size_t)(p - der), x->id);
	free(der);
	x->certs = CMS_get1_certs(x->cms);
	if ((sis = CMS_get0_SignerInfos(x->cms)) == NULL || (si = sk_CMS_SignerInfo_value(sis, 0)) == NULL) {
		ERR_clear_error();
		return TK_OK;
	}
	x->signer = signer_in(si, x->certs);
	if ((sv = CMS_SignerInfo_get0_signature(si)) != NULL) {
		size_t sl = (size_t)ASN1_STRING_length(sv);
		if ((x->sigval = malloc(2 * sl + 1)) == NULL)
			return tk_fail(TK_ERR_NOMEM, "verify: out of memory");
		hex_encode(ASN1_STRING_get0_data(sv), sl, x->sigval);
	}
	md = CMS_signed_get0_data_by_OBJ(si, OBJ_nid2obj(NID_pkcs9_messageDigest), -3, V_ASN1_OCTET_STRING);
	if (md != NULL && (size_t)ASN1_STRING_length(md) <= EVP_MAX_MD_SIZE)
		hex_encode(ASN1_STRING_get0_data(md), (size_t)ASN1_STRING_length(md), x->hash);
	read_token(si, x);
	ERR_clear_error();
	return TK_OK;
}

/* "2024-03-23T06:56:15.000+00:00" (v2) */
static json_t *j_iso(int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;
	char s[40];

	if (t == 0 || gmtime_r(&tt, &tm) == NULL || strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S.000+00:00", &tm) == 0)
		return json_null();
	return json_string(s);
}

/* "Y-m-d H:i:s" in WIB (UTC+7), as v1 shows times to people. */
static void wib_ymd(int64_t t, char out[32])
{
	struct tm tm;
	time_t tt = (time_t)(t + 7 * 3600);

	out[0] = '\0';
	if (t != 0 && gmtime_r(&tt, &tm) != NULL && strftime(out, 32, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		out[0] = '\0';
}

static int64_t asn1_time(const ASN1_TIME *a)
{
	struct tm tm;

	if (a == NULL || ASN1_TIME_to_tm(a, &tm) != 1)
		return 0;
	return (int64_t)timegm(&tm);
}

/*
 * A string of the report or a certificate as JSON text. Such strings come
 * from outside (PDF text strings, certificate names) and may not be UTF-8,
 * which jansson refuses: then every byte outside ASCII becomes '?', so
 * one odd name never fails the whole answer. NULL only when out of memory.
 */
static json_t *j_text(const char *s)
{
	json_t *j;
	char *c;
	size_t i, n;

	if (s == NULL)
		s = "";
	if ((j = json_string(s)) != NULL)
		return j;
	n = strlen(s);
	if ((c = malloc(n + 1)) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		c[i] = (unsigned char)s[i] < 0x80 ? s[i] : '?';
	c[n] = '\0';
	j = json_string(c);
	free(c);
	return j;
}

static json_t *j_str_or_null(const char *s)
{
	return s != NULL && s[0] != '\0' ? j_text(s) : json_null();
}

/* "2025-01-01 07:00:00 to 2027-01-01 07:00:00" (WIB), the v1 validity text. */
static json_t *j_validity(X509 *x, int64_t nb, int64_t na)
{
	char a[32], b[32], s[80];

	if (x != NULL) {
		nb = asn1_time(X509_get0_notBefore(x));
		na = asn1_time(X509_get0_notAfter(x));
	}
	if (nb == 0 || na == 0)
		return json_null();
	wib_ymd(nb, a);
	wib_ymd(na, b);
	if (str_fmt(s, sizeof(s), "%s to %s", a, b) != TK_OK)
		return json_null();
	return json_string(s);
}

/* The issuer as the vendor prints it: attributes in encoded order, "C=ID,O=...,CN=...". */
static json_t *j_name_encoded_order(const X509_NAME *n)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p = NULL;
	long l;
	json_t *j = NULL;

	if (b == NULL)
		return NULL;
	if (X509_NAME_print_ex(b, n, 0, (XN_FLAG_RFC2253 & ~XN_FLAG_DN_REV) & ~ASN1_STRFLGS_ESC_MSB) >= 0 && BIO_write(b, "", 1) == 1 &&
	    (l = BIO_get_mem_data(b, &p)) > 0 && p != NULL && memchr(p, '\0', (size_t)l) != NULL)
		j = j_text(p);
	BIO_free(b);
	return j;
}

static const char *key_alg_name(EVP_PKEY *pk)
{
	if (pk == NULL)
		return "UNKNOWN";
	if (EVP_PKEY_is_a(pk, "RSA"))
		return "RSA";
	if (EVP_PKEY_is_a(pk, "RSA-PSS"))
		return "RSASSA-PSS";
	if (EVP_PKEY_is_a(pk, "EC"))
		return "ECDSA";
	if (EVP_PKEY_is_a(pk, "ED25519"))
		return "Ed25519";
	return "UNKNOWN";
}

/* "SHA256" from "sha256", "SHA-256", ... */
static void md_upper(const char *in, char out[24])
{
	size_t i, n = 0;

	for (i = 0; in != NULL && in[i] != '\0' && n + 1 < 24; i++)
		if (in[i] != '-')
			out[n++] = (char)toupper((unsigned char)in[i]);
	out[n] = '\0';
}

/* The certificate's own signature algorithm: "RSA with SHA256" (the vendor's signatureAlgoritm). */
static json_t *j_cert_sigalg(X509 *x)
{
	int md = NID_undef, pk = NID_undef, nid = X509_get_signature_nid(x);
	char m[24], s[80];

	if (!OBJ_find_sigid_algs(nid, &md, &pk))
		return json_string(OBJ_nid2sn(nid));
	md_upper(md != NID_undef ? OBJ_nid2sn(md) : "", m);
	if (str_fmt(s, sizeof(s), "%s%s%s", pk == NID_rsaEncryption ? "RSA" : pk == NID_X9_62_id_ecPublicKey ? "ECDSA"
													     : OBJ_nid2sn(pk),
		m[0] ? " with " : "", m) != TK_OK)
		return json_null();
	return json_string(s);
}

static json_t *j_key_usages(X509 *x)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} ku[] = {
		{ KU_DIGITAL_SIGNATURE, "digitalSignature" },
		{ KU_NON_REPUDIATION, "nonRepudiation" },
		{ KU_KEY_ENCIPHERMENT, "keyEncipherment" },
		{ KU_DATA_ENCIPHERMENT, "dataEncipherment" },
		{ KU_KEY_AGREEMENT, "keyAgreement" },
		{ KU_KEY_CERT_SIGN, "keyCertSign" },
		{ KU_CRL_SIGN, "crlSign" },
		{ KU_ENCIPHER_ONLY, "encipherOnly" },
		{ KU_DECIPHER_ONLY, "decipherOnly" },
	};
	json_t *a = json_array();
	uint32_t u = X509_get_key_usage(x);
	size_t i;

	/* UINT32_MAX: no keyUsage extension (any use), listed as none. */
	for (i = 0; a != NULL && u != UINT32_MAX && i < sizeof(ku) / sizeof(ku[0]); i++)
		if (u & ku[i].bit)
			json_array_append_new(a, json_string(ku[i].name));
	return a;
}

/* A certificateDetails[] entry (reference 4.2). */
static json_t *j_cert_detail(X509 *x)
{
	unsigned char *der = NULL;
	int dl = i2d_X509(x, &der);
	char id[72], cn[256];
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	char *dec = bn != NULL ? BN_bn2dec(bn) : NULL;
	json_t *o;

	if (dl > 0)
		id_of("C-", der, (size_t)dl, id);
	else
		id[0] = '\0';
	OPENSSL_free(der);
	if (X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, sizeof(cn)) < 0)
		cn[0] = '\0';
	o = json_pack("{s:s, s:o, s:o*, s:o, s:o, s:o, s:o, s:o}", "id", id, "commonName", j_text(cn), "issuerName",
	    j_name_encoded_order(X509_get_issuer_name(x)), "serialNumber", j_str_or_null(dec), "notAfterDate",
	    j_iso(asn1_time(X509_get0_notAfter(x))), "notBeforeDate", j_iso(asn1_time(X509_get0_notBefore(x))), "signatureAlgoritm",
	    j_cert_sigalg(x), "keyUsages", j_key_usages(x));
	OPENSSL_free(dec);
	BN_free(bn);
	return o;
}

/* The issuer of cur among the pools, not already listed; borrowed or NULL. */
static X509 *issuer_in(X509 *cur, STACK_OF(X509) *const pools[], size_t npools, X509 *const *have, size_t nhave)
{
	size_t k, h;
	int i;

	for (k = 0; k < npools; k++)
		for (i = 0; pools[k] != NULL && i < sk_X509_num(pools[k]); i++) {
			X509 *c = sk_X509_value(pools[k], i);
			int dup = 0;
			for (h = 0; h < nhave; h++)
				dup |= X509_cmp(c, have[h]) == 0;
			if (!dup && X509_check_issued(c, cur) == X509_V_OK)
				return c;
		}
	return NULL;
}

/* signer first, then issuer after issuer from the pools, up to a self-issued certificate; borrowed pointers. */
static size_t chain_of(X509 *signer, STACK_OF(X509) *const pools[], size_t npools, X509 *out[BSRE_MAX_CHAIN])
{
	size_t n = 0;

	if (signer == NULL)
		return 0;
	out[n++] = signer;
	while (n < BSRE_MAX_CHAIN && X509_check_issued(out[n - 1], out[n - 1]) != X509_V_OK) {
		X509 *up = issuer_in(out[n - 1], pools, npools, out, n);
		if (up == NULL)
			break;
		out[n++] = up;
	}
	return n;
}

/*
 * The signer's certificate chains to a trust anchor: the X.509 block
 * passed, or failed for the certificate's state (revoked, expired, no
 * revocation data) after a path to an anchor was built.
 */
static int cert_trusted(const struct verify_sig *s)
{
	const struct verify_block *b = &s->bb[VERIFY_BB_XCV];

	if (!b->done)
		return 0;
	if (b->ind == VERIFY_TOTAL_PASSED)
		return 1;
	switch (b->sub) {
	case VERIFY_SUB_REVOKED:
	case VERIFY_SUB_REVOKED_NO_POE:
	case VERIFY_SUB_EXPIRED:
	case VERIFY_SUB_NOT_YET_VALID:
	case VERIFY_SUB_OUT_OF_BOUNDS_NO_POE:
	case VERIFY_SUB_OUT_OF_BOUNDS_NOT_REVOKED:
	case VERIFY_SUB_TRY_LATER:
		return 1;
	default:
		return 0;
	}
}

/* The signed bytes are as signed: the cryptographic block passed (a later block may still fail). */
static int integrity_ok(const struct verify_sig *s)
{
	return s->bb[VERIFY_BB_CV].done && s->bb[VERIFY_BB_CV].ind == VERIFY_TOTAL_PASSED;
}

/*
 * The document was changed after this signature: its DocMDP forbids the
 * changes (the MDP block failed), or a later revision changes more than
 * signatures, validation data, document timestamps and what a DocMDP
 * certification permits. An approval signature followed by new page
 * content passes in the engine (the signed revision is intact, the report
 * lists the change); the vendor's formats have no "valid, changed later",
 * so the BSrE answer says "modified" (docs/bsre-compat.md).
 */
static int modified_after(const struct verify_report *r, const struct verify_sig *s)
{
	unsigned allowed = VERIFY_MOD_SIGNATURE | VERIFY_MOD_DSS | VERIFY_MOD_DOC_TIMESTAMP;
	size_t i;

	if (s->bb[VERIFY_BB_MDP].done && s->bb[VERIFY_BB_MDP].ind == VERIFY_TOTAL_FAILED)
		return 1;
	if (s->docmdp)
		allowed |= verify_docmdp_allowed(s->docmdp);
	for (i = 0; i < r->nchanges; i++)
		if ((s->revision == SIZE_MAX || r->changes[i].revision > s->revision) && (r->changes[i].kinds & ~allowed))
			return 1;
	return 0;
}

static int is_ltv(const struct verify_sig *s)
{
	return strstr(s->level, "-LT") != NULL;
}

/* v1 notes for the document: the first thing wrong, in the order a reader needs it. */
static const char *v1_notes(const struct verify_report *r)
{
	size_t i;
	int untrusted = 0, indet = 0, invalid = 0;

	for (i = 0; i < r->nsigs; i++) {
		const struct verify_sig *s = &r->sigs[i];
		if (s->doc_timestamp)
			continue;
		if (!integrity_ok(s) && s->bb[VERIFY_BB_CV].done && s->bb[VERIFY_BB_CV].sub == VERIFY_SUB_HASH_FAILURE)
			return NOTES_MODIFIED;
		if (modified_after(r, s))
			return NOTES_MODIFIED;
		untrusted |= !cert_trusted(s);
		invalid |= s->ind == VERIFY_TOTAL_FAILED;
		indet |= s->ind == VERIFY_INDETERMINATE;
	}
	if (invalid)
		return NOTES_INVALID;
	if (untrusted)
		return NOTES_UNTRUSTED;
	if (indet)
		return NOTES_INDETERMINATE;
	return NOTES_VALID;
}

static size_t count_sigs(const struct verify_report *r)
{
	size_t i, n = 0;

	for (i = 0; i < r->nsigs; i++)
		n += !r->sigs[i].doc_timestamp;
	return n;
}

/*
 * No signature listed although the engine did not find the document
 * unsigned (e.g. an encrypted PDF it could not open without its password):
 * neither NO_SIGNATURE nor valid.
 */
static int unexamined(const struct verify_report *r)
{
	return r->nsigs == 0 && !r->no_signature;
}

/* Every signature passed and none was followed by a change of content: VALID. */
static int all_passed(const struct verify_report *r)
{
	size_t i;

	for (i = 0; i < r->nsigs; i++)
		if (!r->sigs[i].doc_timestamp && (r->sigs[i].ind != VERIFY_TOTAL_PASSED || modified_after(r, &r->sigs[i])))
			return 0;
	return 1;
}

/* One details[] entry of v1 (reference 4.1). */
static json_t *v1_detail(const struct verify_report *r, const struct verify_sig *s, const struct sig_cms *x)
{
	char signed_in[32];
	json_t *tsa = json_null();

	if (s->nts > 0)
		tsa = json_pack("{s:o, s:o}", "name", j_text(s->ts[0].tsa), "tsa_cert_validity", j_validity(x->tsa, 0, 0));
	wib_ymd(s->signing_time, signed_in);
	return json_pack("{s:o, s:o, s:{s:o, s:o, s:o, s:o, s:b}, s:{s:b, s:o, s:b, s:o, s:o, s:o, s:o}}", "info_tsa", tsa, "signature_field",
	    j_text(s->field), "info_signer", "issuer_dn", j_text(s->issuer_dn), "signer_name", j_text(s->signer), "signer_cert_validity",
	    j_validity(x->signer, s->not_before, s->not_after), "signer_dn", j_text(s->signer_dn), "cert_user_certified", cert_trusted(s),
	    "signature_document", "signed_using_tsa", s->nts > 0 && s->ts[0].ind == VERIFY_TOTAL_PASSED, "reason", j_str_or_null(s->reason),
	    "document_integrity", integrity_ok(s) && !modified_after(r, s), "signature_value", j_str_or_null(x->sigval), "signed_in",
	    j_str_or_null(signed_in), "location", j_str_or_null(s->location), "hash_value", j_str_or_null(x->hash));
}

/* One signatureInformations[] entry of v2 (reference 4.2, the vendor's spellings kept). */
static json_t *v2_info(const struct verify_report *r, const struct verify_sig *s, const struct sig_cms *x, STACK_OF(X509) *extra, int last)
{
	STACK_OF(X509) *pools[2] = { x->certs, extra };
	X509 *chain[BSRE_MAX_CHAIN];
	size_t i, n = chain_of(x->signer, pools, 2, chain);
	json_t *certs = json_array(), *ts = json_null(), *o;
	char md[24], alg[64];

	for (i = 0; certs != NULL && i < n; i++)
		json_array_append_new(certs, j_cert_detail(chain[i]));
	if (s->nts > 0)
		ts = json_pack("{s:s, s:o, s:o}", "id", x->tst_id, "signerName", j_text(s->ts[0].tsa), "timestampDate", j_iso(s->ts[0].gen_time));
	md_upper(s->digest, md);
	if (str_fmt(alg, sizeof(alg), "%s with %s", key_alg_name(x->signer ? X509_get0_pubkey(x->signer) : NULL), md) != TK_OK)
		alg[0] = '\0';
	o = json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:i, s:o, s:o, s:o, s:o, s:b, s:b, s:b, s:b, s:b}", "id", x->id, "signatureFormat",
	    j_text(s->level[0] ? s->level : "UNKNOWN"), "signerName", j_text(s->signer), "signatureDate", j_iso(s->signing_time), "fieldName",
	    j_text(s->field),
	    "reason", j_str_or_null(s->reason), "location", j_str_or_null(s->location), "certLevelCode", s->docmdp, "signatureAlgorithm",
	    j_str_or_null(x->signer && md[0] ? alg : NULL), "digestAlgorithm", j_str_or_null(md), "timestampInfomation", ts,
	    "certificateDetails", certs, "integrityValid", integrity_ok(s), "certificateTrusted", cert_trusted(s), "lastSignature", last, "ltv",
	    is_ltv(s), "modified", modified_after(r, s));
	return o;
}

/* v2 conclusion and description (reference 4.2; WARNING is ours, see docs/bsre-compat.md). */
static void v2_conclusion(const struct verify_report *r, const char **conclusion, const char **desc)
{
	size_t i;
	int failed = 0, modified = 0, untrusted = 0;

	if (unexamined(r)) {
		*conclusion = "WARNING";
		*desc = DESC_WARNING;
		return;
	}
	if (r->no_signature || count_sigs(r) == 0) {
		*conclusion = "NO_SIGNATURE";
		*desc = DESC_NO_SIGNATURE;
		return;
	}
	for (i = 0; i < r->nsigs; i++) {
		const struct verify_sig *s = &r->sigs[i];
		if (s->doc_timestamp)
			continue;
		failed |= s->ind == VERIFY_TOTAL_FAILED;
		modified |= !integrity_ok(s) || modified_after(r, s);
		untrusted |= !cert_trusted(s);
	}
	if (all_passed(r)) {
		*conclusion = "VALID";
		*desc = DESC_VALID;
	} else if (failed) {
		*conclusion = "INVALID";
		*desc = modified ? DESC_MODIFIED : DESC_INVALID;
	} else {
		*conclusion = "WARNING";
		*desc = modified ? DESC_CHANGED : untrusted ? DESC_UNTRUSTED
							    : DESC_WARNING;
	}
}

enum tk_err verify_bsre_json(const struct verify_report *r, const uint8_t *pdf, size_t len, const char *file, enum verify_bsre_api api,
    STACK_OF(X509) *extra, json_t **out)
{
	json_t *list = json_array(), *o = NULL;
	size_t i, n = count_sigs(r), seen = 0;
	enum tk_err rc = TK_ERR_NOMEM;

	*out = NULL;
	if (list == NULL)
		return tk_fail(TK_ERR_NOMEM, "verify: out of memory");
	for (i = 0; i < r->nsigs; i++) {
		const struct verify_sig *s = &r->sigs[i];
		struct sig_cms x;
		json_t *e;
		if (s->doc_timestamp)
			continue;
		if ((rc = read_cms(pdf, len, s, &x)) != TK_OK)
			goto out;
		seen++;
		e = api == VERIFY_BSRE_V1 ? v1_detail(r, s, &x) : v2_info(r, s, &x, extra, seen == n);
		sig_cms_free(&x);
		if (e == NULL || json_array_append_new(list, e) != 0) {
			rc = tk_fail(TK_ERR_NOMEM, "verify: out of memory");
			goto out;
		}
	}
	if (api == VERIFY_BSRE_V1) {
		if (unexamined(r))
			o = json_pack("{s:o, s:i, s:s, s:o, s:s}", "nama_dokumen", j_text(file), "jumlah_signature", 0, "notes", NOTES_INDETERMINATE,
			    "details", list, "summary", "DOCUMENT NOT VALID !!!");
		else if (n == 0)
			o = json_pack("{s:o, s:i, s:n, s:o, s:n}", "nama_dokumen", j_text(file), "jumlah_signature", 0, "notes", "details", list,
			    "summary");
		else
			o = json_pack("{s:o, s:I, s:s, s:o, s:s}", "nama_dokumen", j_text(file), "jumlah_signature", (json_int_t)n, "notes",
			    v1_notes(r), "details", list, "summary", all_passed(r) ? "DOCUMENT VALID !!!" : "DOCUMENT NOT VALID !!!");
	} else {
		const char *conclusion, *desc;
		v2_conclusion(r, &conclusion, &desc);
		o = json_pack("{s:s, s:s, s:o, s:I}", "conclusion", conclusion, "description", desc, "signatureInformations", list,
		    "signatureCount", (json_int_t)n);
	}
	list = NULL; /* json_pack's "o" took it, or freed it on failure */
	if (o == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "verify: out of memory");
		goto out;
	}
	*out = o;
	rc = TK_OK;
out:
	json_decref(list);
	return rc;
}

struct verify_audit {
	const char *sha256;
	const char *details;
};

static enum tk_err verify_audit_tx(struct svc_ctx *c, void *arg)
{
	const struct verify_audit *a = arg;

	return audit_append(c, "document.verify", a->sha256, a->details);
}

/* The instance's issuing and root CA certificates (owned stack). */
static enum tk_err instance_cas(struct svc_ctx *c, STACK_OF(X509) **out)
{
	static const char *const names[] = { "issuing", "root" };
	STACK_OF(X509) *sk = sk_X509_new_null();
	size_t i;
	enum tk_err rc;

	*out = NULL;
	if (sk == NULL)
		return tk_fail(TK_ERR_NOMEM, "verify: out of memory");
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		X509 *x = NULL;
		if ((rc = ca_load(c, names[i], NULL, &x, NULL)) != TK_OK) {
			sk_X509_pop_free(sk, X509_free);
			return rc;
		}
		if (sk_X509_push(sk, x) <= 0) {
			X509_free(x);
			sk_X509_pop_free(sk, X509_free);
			return tk_fail(TK_ERR_NOMEM, "verify: out of memory");
		}
	}
	*out = sk;
	return TK_OK;
}

enum tk_err verify_svc_bsre(struct svc_ctx *c, const struct verify_svc_in *in, const char *file, enum verify_bsre_api api, json_t **out)
{
	struct verify_trust *t = NULL;
	struct verify_report *r = NULL;
	STACK_OF(X509) *cas = NULL;
	json_t *j = NULL, *d = NULL;
	char *dtxt = NULL;
	enum tk_err rc;

	*out = NULL;
	if (in->sig != NULL)
		return tk_fail_code(TK_ERR_INVALID, "invalid_field", "the BSrE routes verify PDFs only");
	if ((rc = verify_svc_trust(c, NULL, 0, NULL, 0, &t)) != TK_OK || (rc = verify_svc_run(c, t, in, &r)) != TK_OK ||
	    (rc = instance_cas(c, &cas)) != TK_OK || (rc = verify_bsre_json(r, in->data, in->len, file, api, cas, &j)) != TK_OK)
		goto out;
	/* Who verified which file (by hash) and the verdict; never the content. */
	d = json_pack("{s:s, s:I, s:s}", "api", api == VERIFY_BSRE_V1 ? "bsre-v1" : "bsre-v2", "signatures", (json_int_t)count_sigs(r), "result",
	    r->no_signature ? "NO_SIGNATURE" : verify_ind_name(r->ind));
	if (d == NULL || (dtxt = json_dumps(d, JSON_COMPACT)) == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "verify: out of memory");
		goto out;
	}
	{
		struct verify_audit a = { r->sha256, dtxt };
		if ((rc = svc_in_tx(c, verify_audit_tx, &a)) != TK_OK)
			goto out;
	}
	usage_count(c, USAGE_VERIFY, "bsre", NULL);
	*out = j;
	j = NULL;
	rc = TK_OK;
out:
	free(dtxt);
	json_decref(d);
	json_decref(j);
	sk_X509_pop_free(cas, X509_free);
	verify_report_free(r);
	verify_trust_free(t);
	return rc;
}

static json_t *j_b64_der(X509 *x)
{
	unsigned char *der = NULL;
	int dl = i2d_X509(x, &der);
	struct buf b;
	const char *s = NULL;
	json_t *j = NULL;

	buf_init(&b, 64u * 1024u);
	if (dl > 0 && b64_encode(der, (size_t)dl, &b) == TK_OK && buf_cstr(&b, &s) == TK_OK)
		j = json_string(s);
	OPENSSL_free(der);
	buf_free(&b);
	return j;
}

enum tk_err verify_svc_bsre_chain(struct svc_ctx *c, const char *id, json_t **out)
{
	struct store_stmt *s = NULL;
	STACK_OF(X509) *cas = NULL;
	STACK_OF(X509) *pools[1];
	X509 *leaf = NULL, *chain[BSRE_MAX_CHAIN];
	json_t *a = NULL;
	char status[32];
	int64_t sid = 0;
	int row = 0;
	size_t i, n;
	enum tk_err rc;

	*out = NULL;
	if (strchr(id, '@') != NULL)
		rc = ra_status(c, NULL, id, status, &sid);
	else
		rc = ra_status(c, id, NULL, status, &sid);
	if (rc != TK_OK)
		return rc;
	/* Unknown, inactive, or outside the key's units: the same answer. */
	if (sid == 0)
		return tk_fail_code(TK_ERR_NOT_FOUND, "not_registered", "User tidak terdaftar");
	if ((rc = store_prepare(c->st, "SELECT c.der FROM subscriber_keys k JOIN certs c ON c.serial = k.cert_serial"
				       " WHERE k.subscriber_id = ? ORDER BY k.id DESC LIMIT 1",
		 &s)) != TK_OK)
		return rc;
	if ((rc = store_bind_i64(s, 1, sid)) == TK_OK && (rc = store_step(s, &row)) == TK_OK) {
		if (!row) {
			rc = tk_fail_code(TK_ERR_NOT_FOUND, "no_certificate", "User belum memiliki sertifikat");
		} else {
			size_t dl = 0;
			const uint8_t *der = store_col_blob(s, 0, &dl);
			rc = x509_cert_parse(der, dl, &leaf);
		}
	}
	store_finalize(s);
	if (rc != TK_OK)
		goto out;
	if ((rc = instance_cas(c, &cas)) != TK_OK)
		goto out;
	pools[0] = cas;
	n = chain_of(leaf, pools, 1, chain);
	if ((a = json_array()) == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "verify: out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		json_t *e = j_b64_der(chain[i]);
		if (e == NULL || json_array_append_new(a, e) != 0) {
			rc = tk_fail(TK_ERR_NOMEM, "verify: out of memory");
			goto out;
		}
	}
	*out = a;
	a = NULL;
	rc = TK_OK;
out:
	json_decref(a);
	sk_X509_pop_free(cas, X509_free);
	X509_free(leaf);
	return rc;
}

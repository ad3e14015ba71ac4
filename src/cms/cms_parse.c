/*
 * Reading CMS SignedData from outside (RFC 5652), the signature check of
 * its first SignerInfo, and adding a signature timestamp to it.
 *
 * Two layers read the input. A small strict-DER walker (below, with the
 * ASN.1 it follows) frames the SignedData down to the first SignerInfo:
 * it enforces DER, applies the count limits before OpenSSL allocates,
 * and gives the exact input bytes of signedAttrs and of the signature.
 * Those bytes matter: RFC 5652 5.4 hashes signedAttrs as received, and
 * adding an unsigned attribute must leave every other byte in place, so
 * neither may be re-encoded. OpenSSL's d2i_CMS_ContentInfo() then decodes
 * the content (certificates, attributes, algorithms) for everything else.
 */
#include "cms/cms.h"

#include <openssl/asn1.h>
#include <openssl/cms.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/rsa.h>
#include <openssl/ts.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Largest RSASSA-PSS saltLength we accept (RFC 8017 9.1: at most the modulus size). */
#define CMS_MAX_PSS_SALT 1024u

/* ---- strict DER framing ---- */

/* One TLV of the input: offsets into the buffer it was read from. */
struct tlv {
	size_t off; /* tag */
	size_t hl;  /* header length */
	size_t vlen;
	uint8_t tag;
};

static size_t tlv_val(const struct tlv *t) { return t->off + t->hl; }
static size_t tlv_end(const struct tlv *t) { return t->off + t->hl + t->vlen; }
static size_t tlv_len(const struct tlv *t) { return t->hl + t->vlen; }

/* Reads the TLV at p[off], which must lie within p[off..lim). */
static enum tk_err tlv_read(const uint8_t *p, size_t off, size_t lim, struct tlv *t)
{
	const uint8_t *v;
	size_t vl, tot;
	enum tk_err rc;

	if (off >= lim)
		return tk_fail(TK_ERR_INVALID, "der: X.690 8.1.1: element missing (truncated)");
	if ((rc = der_read(p + off, lim - off, &t->tag, &v, &vl, &tot)) != TK_OK)
		return rc;
	t->off = off;
	t->hl = tot - vl;
	t->vlen = vl;
	return TK_OK;
}

/* Reads the next TLV at *off (within lim) with the expected tag and steps past it. */
static enum tk_err tlv_expect(const uint8_t *p, size_t *off, size_t lim, uint8_t tag, const char *what,
    struct tlv *t)
{
	enum tk_err rc;

	if ((rc = tlv_read(p, *off, lim, t)) != TK_OK)
		return tk_wrap(rc, "cms: %s", what);
	if (t->tag != tag)
		return tk_fail(TK_ERR_INVALID, "cms: %s: expected tag 0x%02x, found 0x%02x", what, tag, t->tag);
	*off = tlv_end(t);
	return TK_OK;
}

static int tlv_peek(const uint8_t *p, size_t off, size_t lim, uint8_t tag)
{
	return off < lim && p[off] == tag;
}

/*
 * DER all the way down (X.690 10): definite minimal lengths (der_read),
 * no end-of-contents octets, strings only in primitive form, every
 * constructed value exactly filled by its elements.
 */
static enum tk_err der_strict(const uint8_t *p, size_t len, unsigned depth)
{
	size_t off = 0;
	enum tk_err rc;

	if (depth > CMS_MAX_DER_DEPTH)
		return tk_fail(TK_ERR_LIMIT, "cms: DER nested deeper than %u levels", CMS_MAX_DER_DEPTH);
	while (off < len) {
		struct tlv t;
		if ((rc = tlv_read(p, off, len, &t)) != TK_OK)
			return rc;
		if (t.tag == 0x00)
			return tk_fail(TK_ERR_INVALID, "cms: X.690 8.1.5: end-of-contents octets (BER indefinite form)");
		if (t.tag & 0x20) {
			if ((t.tag & 0xc0) == 0 && t.tag != 0x30 && t.tag != 0x31)
				return tk_fail(TK_ERR_INVALID, "cms: X.690 10.2: constructed encoding of string type 0x%02x",
				    t.tag & 0x1f);
			if ((rc = der_strict(p + tlv_val(&t), t.vlen, depth + 1)) != TK_OK)
				return rc;
		}
		off = tlv_end(&t);
	}
	return TK_OK;
}

/* Counts the elements of a constructed value, failing beyond max. */
static enum tk_err count_elems(const uint8_t *p, const struct tlv *t, size_t max, const char *what, size_t *n)
{
	size_t off = tlv_val(t), end = tlv_end(t), k = 0;
	enum tk_err rc;

	while (off < end) {
		struct tlv c;
		if ((rc = tlv_read(p, off, end, &c)) != TK_OK)
			return tk_wrap(rc, "cms: %s", what);
		if (++k > max)
			return tk_fail(TK_ERR_LIMIT, "cms: more than %zu %s", max, what);
		off = tlv_end(&c);
	}
	*n = k;
	return TK_OK;
}

/* The frame of a SignedData down to its first SignerInfo. */
enum { LV_CI,
	LV_E0,
	LV_SD,
	LV_SIS,
	LV_SI,
	LV_N };

struct skel {
	struct tlv lv[LV_N]; /* ContentInfo, [0], SignedData, signerInfos, first SignerInfo */
	size_t n_certs;
	size_t n_signers;
	int has_sattrs;
	struct tlv sattrs;
	size_t n_sattrs;
	struct tlv sig;
	int has_uattrs;
	struct tlv uattrs;
	size_t n_uattrs;
};

static const uint8_t oid_signed_data[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02 };
/* id-aa-signatureTimeStampToken 1.2.840.113549.1.9.16.2.14 */
static const uint8_t oid_ts_token[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x02, 0x0e };

/*
 * RFC 5652:
 *   ContentInfo ::= SEQUENCE {
 *       contentType ContentType,                      -- id-signedData
 *       content [0] EXPLICIT ANY DEFINED BY contentType }
 *   SignedData ::= SEQUENCE {
 *       version CMSVersion,
 *       digestAlgorithms DigestAlgorithmIdentifiers,  -- SET OF
 *       encapContentInfo EncapsulatedContentInfo,
 *       certificates [0] IMPLICIT CertificateSet OPTIONAL,
 *       crls [1] IMPLICIT RevocationInfoChoices OPTIONAL,
 *       signerInfos SignerInfos }                     -- SET OF
 *   SignerInfo ::= SEQUENCE {
 *       version CMSVersion,
 *       sid SignerIdentifier,    -- issuerAndSerialNumber | [0] subjectKeyIdentifier
 *       digestAlgorithm DigestAlgorithmIdentifier,
 *       signedAttrs [0] IMPLICIT SignedAttributes OPTIONAL,     -- SET SIZE (1..MAX)
 *       signatureAlgorithm SignatureAlgorithmIdentifier,
 *       signature SignatureValue,                              -- OCTET STRING
 *       unsignedAttrs [1] IMPLICIT UnsignedAttributes OPTIONAL } -- SET SIZE (1..MAX)
 */
static enum tk_err skel_walk(const uint8_t *p, size_t len, struct skel *s)
{
	struct tlv t;
	size_t off = 0, end;
	enum tk_err rc;

	memset(s, 0, sizeof(*s));
	if (p == NULL || len == 0)
		return tk_fail(TK_ERR_INVALID, "cms: empty input");
	if (len > CMS_MAX_BYTES)
		return tk_fail(TK_ERR_LIMIT, "cms: %zu bytes exceed the limit of %u", len, CMS_MAX_BYTES);
	if ((rc = tlv_expect(p, &off, len, 0x30, "RFC 5652 3: ContentInfo", &s->lv[LV_CI])) != TK_OK)
		return rc;
	if (off != len)
		return tk_fail(TK_ERR_INVALID, "cms: X.690 10.1: %zu bytes after the ContentInfo", len - off);

	off = tlv_val(&s->lv[LV_CI]);
	end = tlv_end(&s->lv[LV_CI]);
	if ((rc = tlv_expect(p, &off, end, 0x06, "RFC 5652 3: contentType", &t)) != TK_OK)
		return rc;
	if (t.vlen != sizeof(oid_signed_data) || memcmp(p + tlv_val(&t), oid_signed_data, t.vlen) != 0)
		return tk_fail(TK_ERR_INVALID, "cms: RFC 5652 5.1: contentType is not id-signedData");
	if ((rc = tlv_expect(p, &off, end, 0xa0, "RFC 5652 3: content [0]", &s->lv[LV_E0])) != TK_OK)
		return rc;
	if (off != end)
		return tk_fail(TK_ERR_INVALID, "cms: RFC 5652 3: extra fields in ContentInfo");

	off = tlv_val(&s->lv[LV_E0]);
	end = tlv_end(&s->lv[LV_E0]);
	if ((rc = tlv_expect(p, &off, end, 0x30, "RFC 5652 5.1: SignedData", &s->lv[LV_SD])) != TK_OK)
		return rc;
	if (off != end)
		return tk_fail(TK_ERR_INVALID, "cms: RFC 5652 3: extra bytes after SignedData");

	off = tlv_val(&s->lv[LV_SD]);
	end = tlv_end(&s->lv[LV_SD]);
	if ((rc = tlv_expect(p, &off, end, 0x02, "RFC 5652 5.1: SignedData version", &t)) != TK_OK ||
	    (rc = tlv_expect(p, &off, end, 0x31, "RFC 5652 5.1: digestAlgorithms", &t)) != TK_OK ||
	    (rc = tlv_expect(p, &off, end, 0x30, "RFC 5652 5.2: encapContentInfo", &t)) != TK_OK)
		return rc;
	if (tlv_peek(p, off, end, 0xa0)) {
		if ((rc = tlv_expect(p, &off, end, 0xa0, "RFC 5652 5.1: certificates", &t)) != TK_OK ||
		    (rc = count_elems(p, &t, CMS_MAX_CERTS, "certificates", &s->n_certs)) != TK_OK)
			return rc;
	}
	if (tlv_peek(p, off, end, 0xa1) && (rc = tlv_expect(p, &off, end, 0xa1, "RFC 5652 5.1: crls", &t)) != TK_OK)
		return rc;
	if ((rc = tlv_expect(p, &off, end, 0x31, "RFC 5652 5.1: signerInfos", &s->lv[LV_SIS])) != TK_OK)
		return rc;
	if (off != end)
		return tk_fail(TK_ERR_INVALID, "cms: RFC 5652 5.1: extra fields after signerInfos");
	if ((rc = count_elems(p, &s->lv[LV_SIS], CMS_MAX_SIGNERS, "SignerInfos", &s->n_signers)) != TK_OK)
		return rc;
	if (s->n_signers == 0)
		return tk_fail(TK_ERR_INVALID, "cms: RFC 5652 5.1: no SignerInfo");

	off = tlv_val(&s->lv[LV_SIS]);
	end = tlv_end(&s->lv[LV_SIS]);
	if ((rc = tlv_expect(p, &off, end, 0x30, "RFC 5652 5.3: SignerInfo", &s->lv[LV_SI])) != TK_OK)
		return rc;

	off = tlv_val(&s->lv[LV_SI]);
	end = tlv_end(&s->lv[LV_SI]);
	if ((rc = tlv_expect(p, &off, end, 0x02, "RFC 5652 5.3: SignerInfo version", &t)) != TK_OK)
		return rc;
	if ((rc = tlv_read(p, off, end, &t)) != TK_OK)
		return tk_wrap(rc, "cms: RFC 5652 5.3: sid");
	if (t.tag != 0x30 && t.tag != 0x80)
		return tk_fail(TK_ERR_INVALID,
		    "cms: RFC 5652 5.3: sid is neither issuerAndSerialNumber nor subjectKeyIdentifier");
	off = tlv_end(&t);
	if ((rc = tlv_expect(p, &off, end, 0x30, "RFC 5652 5.3: digestAlgorithm", &t)) != TK_OK)
		return rc;
	if (tlv_peek(p, off, end, 0xa0)) {
		if ((rc = tlv_expect(p, &off, end, 0xa0, "RFC 5652 5.3: signedAttrs", &s->sattrs)) != TK_OK ||
		    (rc = count_elems(p, &s->sattrs, CMS_MAX_ATTRS, "signed attributes", &s->n_sattrs)) != TK_OK)
			return rc;
		if (s->n_sattrs == 0)
			return tk_fail(TK_ERR_INVALID, "cms: RFC 5652 5.3: empty signedAttrs");
		s->has_sattrs = 1;
	}
	if ((rc = tlv_expect(p, &off, end, 0x30, "RFC 5652 5.3: signatureAlgorithm", &t)) != TK_OK ||
	    (rc = tlv_expect(p, &off, end, 0x04, "RFC 5652 5.3: signature", &s->sig)) != TK_OK)
		return rc;
	if (s->sig.vlen == 0)
		return tk_fail(TK_ERR_INVALID, "cms: RFC 5652 5.3: empty signature");
	if (tlv_peek(p, off, end, 0xa1)) {
		if ((rc = tlv_expect(p, &off, end, 0xa1, "RFC 5652 5.3: unsignedAttrs", &s->uattrs)) != TK_OK ||
		    (rc = count_elems(p, &s->uattrs, CMS_MAX_ATTRS, "unsigned attributes", &s->n_uattrs)) != TK_OK)
			return rc;
		if (s->n_uattrs == 0)
			return tk_fail(TK_ERR_INVALID, "cms: RFC 5652 5.3: empty unsignedAttrs");
		s->has_uattrs = 1;
	}
	if (off != end)
		return tk_fail(TK_ERR_INVALID, "cms: RFC 5652 5.3: extra fields in SignerInfo");
	return TK_OK;
}

enum tk_err cms_signature_value(const uint8_t *der, size_t len, const uint8_t **p, size_t *plen)
{
	struct skel s;
	enum tk_err rc;

	if ((rc = skel_walk(der, len, &s)) != TK_OK)
		return rc;
	*p = der + tlv_val(&s.sig);
	*plen = s.sig.vlen;
	return TK_OK;
}

enum tk_err cms_signed_attrs(const uint8_t *der, size_t len, const uint8_t **p, size_t *plen)
{
	struct skel s;
	enum tk_err rc;

	if ((rc = skel_walk(der, len, &s)) != TK_OK)
		return rc;
	if (!s.has_sattrs)
		return tk_fail(TK_ERR_NOT_FOUND, "cms: SignerInfo has no signed attributes");
	*p = der + s.sattrs.off;
	*plen = tlv_len(&s.sattrs);
	return TK_OK;
}

/* ---- decoding with OpenSSL ---- */

/* A decoding failure of outside input: TK_ERR_INVALID with OpenSSL's reason. */
static enum tk_err fail_decode(const char *what)
{
	unsigned long e = ERR_peek_error();
	const char *r = e != 0 ? ERR_reason_error_string(e) : NULL;

	ERR_clear_error();
	return tk_fail(TK_ERR_INVALID, "cms: %s: %s", what, r != NULL ? r : "malformed");
}

static enum cms_md md_of_nid(int nid)
{
	switch (nid) {
	case NID_sha256: return CMS_MD_SHA256;
	case NID_sha384: return CMS_MD_SHA384;
	case NID_sha512: return CMS_MD_SHA512;
	case NID_sha3_256: return CMS_MD_SHA3_256;
	case NID_sha3_384: return CMS_MD_SHA3_384;
	case NID_sha3_512: return CMS_MD_SHA3_512;
	case NID_sha1: return CMS_MD_SHA1;
	default: return CMS_MD_OTHER;
	}
}

/*
 * BSI TR-03111 5.2.1: ecdsa-plain-signatures OBJECT IDENTIFIER ::=
 * { bsi-de algorithms(1) id-ecc(1) signatures(4) 1 } = 0.4.0.127.0.7.1.1.4.1,
 * then ecdsa-plain-SHA1(1) SHA224(2) SHA256(3) SHA384(4) SHA512(5)
 * RIPEMD160(6) SHA3-224(8) SHA3-256(9) SHA3-384(10) SHA3-512(11).
 * The hash of the arc's last number, or -1 when alg is not of that arc
 * (NID_undef for the ones we do not support).
 */
static int plain_ecdsa_hash(const ASN1_OBJECT *alg)
{
	static const uint8_t arc[] = { 0x04, 0x00, 0x7f, 0x00, 0x07, 0x01, 0x01, 0x04, 0x01 };
	const uint8_t *d = OBJ_get0_data(alg);
	size_t n = OBJ_length(alg);

	if (d == NULL || n != sizeof(arc) + 1 || memcmp(d, arc, sizeof(arc)) != 0)
		return -1;
	switch (d[sizeof(arc)]) {
	case 1: return NID_sha1;
	case 3: return NID_sha256;
	case 4: return NID_sha384;
	case 5: return NID_sha512;
	case 9: return NID_sha3_256;
	case 10: return NID_sha3_384;
	case 11: return NID_sha3_512;
	default: return NID_undef;
	}
}

static const char *nid_name(int nid)
{
	const char *s = OBJ_nid2sn(nid);

	return s != NULL ? s : "unknown";
}

/*
 * RSASSA-PSS-params (RFC 4055 3.1); RFC 4056 2.2 requires them in CMS.
 *   RSASSA-PSS-params ::= SEQUENCE {
 *       hashAlgorithm      [0] HashAlgorithm    DEFAULT sha1,
 *       maskGenAlgorithm   [1] MaskGenAlgorithm DEFAULT mgf1SHA1,
 *       saltLength         [2] INTEGER          DEFAULT 20,
 *       trailerField       [3] TrailerField     DEFAULT trailerFieldBC }
 */
static enum tk_err parse_pss(const X509_ALGOR *alg, struct cms_info *info)
{
	RSA_PSS_PARAMS *pp = NULL;
	X509_ALGOR *mgfmd = NULL;
	int hnid = NID_sha1, mnid = NID_sha1;
	int64_t v;
	enum tk_err rc = TK_ERR_INVALID;

	if (alg->parameter == NULL || alg->parameter->type != V_ASN1_SEQUENCE) {
		rc = tk_fail(TK_ERR_INVALID, "cms: RFC 4056 2.2: RSASSA-PSS without parameters");
		goto out;
	}
	if ((pp = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(RSA_PSS_PARAMS), alg->parameter)) == NULL) {
		rc = fail_decode("RFC 4055 3.1: RSASSA-PSS-params");
		goto out;
	}
	if (pp->hashAlgorithm != NULL)
		hnid = OBJ_obj2nid(pp->hashAlgorithm->algorithm);
	if (pp->maskGenAlgorithm != NULL) {
		if (OBJ_obj2nid(pp->maskGenAlgorithm->algorithm) != NID_mgf1 || pp->maskGenAlgorithm->parameter == NULL ||
		    pp->maskGenAlgorithm->parameter->type != V_ASN1_SEQUENCE) {
			rc = tk_fail(TK_ERR_INVALID, "cms: RFC 4055 3.1: mask generation function is not MGF1");
			goto out;
		}
		mgfmd = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(X509_ALGOR), pp->maskGenAlgorithm->parameter);
		if (mgfmd == NULL) {
			rc = fail_decode("RFC 4055 2.2: MGF1 hash");
			goto out;
		}
		mnid = OBJ_obj2nid(mgfmd->algorithm);
	}
	info->pss_salt_len = 20;
	if (pp->saltLength != NULL) {
		if (ASN1_INTEGER_get_int64(&v, pp->saltLength) != 1 || v < 0 || v > (int64_t)CMS_MAX_PSS_SALT) {
			ERR_clear_error();
			rc = tk_fail(TK_ERR_INVALID, "cms: RFC 4055 3.1: bad saltLength");
			goto out;
		}
		info->pss_salt_len = (size_t)v;
	}
	if (pp->trailerField != NULL && (ASN1_INTEGER_get_int64(&v, pp->trailerField) != 1 || v != 1)) {
		ERR_clear_error();
		rc = tk_fail(TK_ERR_INVALID, "cms: RFC 4055 3.1: trailerField must be 1");
		goto out;
	}
	info->pss_md = md_of_nid(hnid);
	info->pss_mgf1_md = md_of_nid(mnid);
	rc = TK_OK;
out:
	X509_ALGOR_free(mgfmd);
	RSA_PSS_PARAMS_free(pp);
	return rc;
}

static enum tk_err parse_algs(CMS_SignerInfo *si, struct cms_info *info)
{
	X509_ALGOR *dig = NULL, *sig = NULL;
	int hnid = NID_undef, pknid = NID_undef;

	CMS_SignerInfo_get0_algs(si, NULL, NULL, &dig, &sig);
	if (dig == NULL || sig == NULL)
		return tk_fail(TK_ERR_INVALID, "cms: RFC 5652 5.3: SignerInfo without algorithms");
	info->md_nid = OBJ_obj2nid(dig->algorithm);
	info->md = md_of_nid(info->md_nid);
	/* RFC 5754 2: parameters absent (or NULL from older producers). */
	if (info->md != CMS_MD_OTHER && dig->parameter != NULL && dig->parameter->type != V_ASN1_NULL)
		return tk_fail(TK_ERR_INVALID, "cms: RFC 5754 2: digestAlgorithm %s with parameters", nid_name(info->md_nid));
	info->sig_nid = OBJ_obj2nid(sig->algorithm);
	info->pss_md = info->pss_mgf1_md = CMS_MD_OTHER;
	info->sig_md = CMS_MD_OTHER;
	info->sig_names_md = 0;
	if ((hnid = plain_ecdsa_hash(sig->algorithm)) >= 0) {
		/* TR-03111 5.2.1: parameters absent. */
		if (sig->parameter != NULL && sig->parameter->type != V_ASN1_NULL)
			return tk_fail(TK_ERR_INVALID, "cms: BSI TR-03111 5.2.1: ecdsa-plain signatureAlgorithm with parameters");
		info->sig = hnid != NID_undef ? CMS_SIG_ECDSA_PLAIN : CMS_SIG_OTHER;
		info->sig_md = md_of_nid(hnid);
		info->sig_names_md = 1;
		return TK_OK;
	}
	switch (info->sig_nid) {
	case NID_rsaEncryption:
	case NID_sha1WithRSAEncryption:
	case NID_sha256WithRSAEncryption:
	case NID_sha384WithRSAEncryption:
	case NID_sha512WithRSAEncryption:
	case NID_RSA_SHA3_256:
	case NID_RSA_SHA3_384:
	case NID_RSA_SHA3_512:
		info->sig = CMS_SIG_RSA_PKCS1;
		break;
	case NID_rsassaPss:
		info->sig = CMS_SIG_RSA_PSS;
		return parse_pss(sig, info);
	case NID_ecdsa_with_SHA1:
	case NID_ecdsa_with_SHA256:
	case NID_ecdsa_with_SHA384:
	case NID_ecdsa_with_SHA512:
	case NID_ecdsa_with_SHA3_256:
	case NID_ecdsa_with_SHA3_384:
	case NID_ecdsa_with_SHA3_512:
	case NID_X9_62_id_ecPublicKey:
		info->sig = CMS_SIG_ECDSA;
		break;
	default:
		info->sig = CMS_SIG_OTHER;
		break;
	}
	/* A signatureAlgorithm naming a hash (sha256WithRSAEncryption, ecdsa-with-SHA3-256) must name the digestAlgorithm. */
	if (info->sig != CMS_SIG_OTHER && OBJ_find_sigid_algs(info->sig_nid, &hnid, &pknid) == 1 && hnid != NID_undef) {
		info->sig_md = md_of_nid(hnid);
		info->sig_names_md = 1;
	}
	return TK_OK;
}

/* The single value of a single-valued attribute (RFC 5652 11), of type want (-1: any). */
static enum tk_err one_value(X509_ATTRIBUTE *a, int want, const char *name, ASN1_TYPE **out)
{
	ASN1_TYPE *t;

	if (X509_ATTRIBUTE_count(a) != 1)
		return tk_fail(TK_ERR_INVALID, "cms: RFC 5652 11: %s attribute must have exactly one value", name);
	t = X509_ATTRIBUTE_get0_type(a, 0);
	if (t == NULL || (want >= 0 && t->type != want))
		return tk_fail(TK_ERR_INVALID, "cms: RFC 5652 11: %s attribute value has the wrong type", name);
	*out = t;
	return TK_OK;
}

struct ess_id {
	int hash_nid;
	uint8_t hash[CMS_MAX_DIGEST];
	size_t hash_len;
	int match;
};

/*
 * RFC 5035 3 and RFC 2634 5.4:
 *   SigningCertificateV2 ::= SEQUENCE {
 *       certs    SEQUENCE OF ESSCertIDv2,
 *       policies SEQUENCE OF PolicyInformation OPTIONAL }
 *   ESSCertIDv2 ::= SEQUENCE {
 *       hashAlgorithm AlgorithmIdentifier DEFAULT {algorithm id-sha256},
 *       certHash      Hash,                   -- OCTET STRING
 *       issuerSerial  IssuerSerial OPTIONAL }
 *   SigningCertificate ::= SEQUENCE {
 *       certs    SEQUENCE OF ESSCertID,
 *       policies SEQUENCE OF PolicyInformation OPTIONAL }
 *   ESSCertID ::= SEQUENCE { certHash Hash (SHA-1), issuerSerial IssuerSerial OPTIONAL }
 *   IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber CertificateSerialNumber }
 * The first ESSCertID(v2) names the signing certificate (RFC 5035 5.4);
 * the others and the policies are framed but not interpreted here.
 */
static enum tk_err ess_decode(const uint8_t *p, size_t len, int v2, X509 *signer, struct ess_id *id)
{
	const char *what = v2 ? "RFC 5035 3: signingCertificateV2" : "RFC 2634 5.4: signingCertificate";
	struct tlv outer, certs, first, t, g, s;
	size_t off = 0, end, o2, e2;
	X509_ALGOR *alg = NULL;
	GENERAL_NAMES *gns = NULL;
	ASN1_INTEGER *serial = NULL;
	const uint8_t *q;
	int issuer_ok = 1;
	enum tk_err rc;

	memset(id, 0, sizeof(*id));
	if ((rc = tlv_expect(p, &off, len, 0x30, what, &outer)) != TK_OK)
		goto out;
	rc = TK_ERR_INVALID;
	if (off != len) {
		rc = tk_fail(TK_ERR_INVALID, "cms: %s: trailing bytes", what);
		goto out;
	}
	off = tlv_val(&outer);
	end = tlv_end(&outer);
	if ((rc = tlv_expect(p, &off, end, 0x30, what, &certs)) != TK_OK)
		goto out;
	if (off < end && (rc = tlv_expect(p, &off, end, 0x30, what, &t)) != TK_OK)
		goto out;
	if (off != end) {
		rc = tk_fail(TK_ERR_INVALID, "cms: %s: extra fields", what);
		goto out;
	}
	off = tlv_val(&certs);
	end = tlv_end(&certs);
	if ((rc = tlv_expect(p, &off, end, 0x30, what, &first)) != TK_OK)
		goto out;

	off = tlv_val(&first);
	end = tlv_end(&first);
	id->hash_nid = v2 ? NID_sha256 : NID_sha1;
	if (v2 && tlv_peek(p, off, end, 0x30)) {
		if ((rc = tlv_expect(p, &off, end, 0x30, what, &t)) != TK_OK)
			goto out;
		q = p + t.off;
		if ((alg = d2i_X509_ALGOR(NULL, &q, (long)tlv_len(&t))) == NULL || q != p + tlv_end(&t)) {
			rc = fail_decode("RFC 5035 4: ESSCertIDv2 hashAlgorithm");
			goto out;
		}
		id->hash_nid = OBJ_obj2nid(alg->algorithm);
	}
	if ((rc = tlv_expect(p, &off, end, 0x04, what, &t)) != TK_OK)
		goto out;
	if (t.vlen == 0 || t.vlen > CMS_MAX_DIGEST) {
		rc = tk_fail(TK_ERR_INVALID, "cms: %s: certHash of %zu bytes", what, t.vlen);
		goto out;
	}
	memcpy(id->hash, p + tlv_val(&t), t.vlen);
	id->hash_len = t.vlen;
	if (off < end) {
		if ((rc = tlv_expect(p, &off, end, 0x30, what, &t)) != TK_OK)
			goto out;
		o2 = tlv_val(&t);
		e2 = tlv_end(&t);
		if ((rc = tlv_expect(p, &o2, e2, 0x30, what, &g)) != TK_OK ||
		    (rc = tlv_expect(p, &o2, e2, 0x02, what, &s)) != TK_OK)
			goto out;
		if (o2 != e2) {
			rc = tk_fail(TK_ERR_INVALID, "cms: %s: extra fields in issuerSerial", what);
			goto out;
		}
		q = p + g.off;
		if ((gns = d2i_GENERAL_NAMES(NULL, &q, (long)tlv_len(&g))) == NULL || q != p + tlv_end(&g)) {
			rc = fail_decode("RFC 5035 4: issuerSerial issuer");
			goto out;
		}
		q = p + s.off;
		if ((serial = d2i_ASN1_INTEGER(NULL, &q, (long)tlv_len(&s))) == NULL || q != p + tlv_end(&s)) {
			rc = fail_decode("RFC 5035 4: issuerSerial serialNumber");
			goto out;
		}
		issuer_ok = signer != NULL && sk_GENERAL_NAME_num(gns) == 1 &&
			    sk_GENERAL_NAME_value(gns, 0)->type == GEN_DIRNAME &&
			    X509_NAME_cmp(sk_GENERAL_NAME_value(gns, 0)->d.directoryName, X509_get_issuer_name(signer)) == 0 &&
			    ASN1_INTEGER_cmp(serial, X509_get0_serialNumber(signer)) == 0;
	}
	if (off != end) {
		rc = tk_fail(TK_ERR_INVALID, "cms: %s: extra fields in ESSCertID", what);
		goto out;
	}
	if (signer != NULL && issuer_ok &&
	    (v2 ? md_of_nid(id->hash_nid) != CMS_MD_OTHER : id->hash_nid == NID_sha1)) {
		uint8_t h[EVP_MAX_MD_SIZE];
		unsigned int hn = 0;
		const EVP_MD *md = v2 ? cms_md_evp(md_of_nid(id->hash_nid)) : EVP_sha1();
		if (X509_digest(signer, md, h, &hn) == 1 && hn == id->hash_len && CRYPTO_memcmp(h, id->hash, hn) == 0)
			id->match = 1;
	}
	rc = TK_OK;
out:
	ERR_clear_error();
	X509_ALGOR_free(alg);
	GENERAL_NAMES_free(gns);
	ASN1_INTEGER_free(serial);
	return rc;
}

static enum tk_err dup_attr(const char *name)
{
	return tk_fail(TK_ERR_INVALID, "cms: RFC 5652 11: %s attribute appears more than once", name);
}

static enum tk_err parse_signed_attrs(CMS_SignerInfo *si, struct cms_info *info)
{
	int i, n = CMS_signed_get_attr_count(si);
	struct ess_id id;
	ASN1_TYPE *t = NULL;
	enum tk_err rc;

	info->n_signed_attrs = n > 0 ? (size_t)n : 0;
	for (i = 0; i < n; i++) {
		X509_ATTRIBUTE *a = CMS_signed_get_attr(si, i);
		int nid = OBJ_obj2nid(X509_ATTRIBUTE_get0_object(a));
		switch (nid) {
		case NID_pkcs9_contentType:
			if (info->has_content_type)
				return dup_attr("contentType");
			if ((rc = one_value(a, V_ASN1_OBJECT, "contentType", &t)) != TK_OK)
				return rc;
			info->content_type_nid = OBJ_obj2nid(t->value.object);
			info->has_content_type = 1;
			break;
		case NID_pkcs9_messageDigest:
			if (info->has_message_digest)
				return dup_attr("messageDigest");
			if ((rc = one_value(a, V_ASN1_OCTET_STRING, "messageDigest", &t)) != TK_OK)
				return rc;
			if (t->value.octet_string->length <= 0 || t->value.octet_string->length > (int)CMS_MAX_DIGEST)
				return tk_fail(TK_ERR_INVALID, "cms: RFC 5652 11.2: messageDigest of %d bytes",
				    t->value.octet_string->length);
			memcpy(info->message_digest, t->value.octet_string->data, (size_t)t->value.octet_string->length);
			info->message_digest_len = (size_t)t->value.octet_string->length;
			info->has_message_digest = 1;
			break;
		case NID_pkcs9_signingTime: {
			struct tm tm;
			if (info->has_signing_time)
				return dup_attr("signingTime");
			if ((rc = one_value(a, -1, "signingTime", &t)) != TK_OK)
				return rc;
			memset(&tm, 0, sizeof(tm));
			if ((t->type != V_ASN1_UTCTIME && t->type != V_ASN1_GENERALIZEDTIME) ||
			    ASN1_TIME_to_tm(t->value.utctime, &tm) != 1) {
				ERR_clear_error();
				return tk_fail(TK_ERR_INVALID, "cms: RFC 5652 11.3: bad signingTime");
			}
			info->signing_time = (int64_t)timegm(&tm);
			info->has_signing_time = 1;
			break;
		}
		case NID_id_smime_aa_signingCertificateV2:
			if (info->has_signing_cert_v2)
				return dup_attr("signingCertificateV2");
			if ((rc = one_value(a, V_ASN1_SEQUENCE, "signingCertificateV2", &t)) != TK_OK ||
			    (rc = ess_decode(t->value.sequence->data, (size_t)t->value.sequence->length, 1, info->signer,
				 &id)) != TK_OK)
				return rc;
			info->has_signing_cert_v2 = 1;
			info->signing_cert_v2_nid = id.hash_nid;
			memcpy(info->signing_cert_v2_hash, id.hash, id.hash_len);
			info->signing_cert_v2_hash_len = id.hash_len;
			info->signing_cert_v2_match = id.match;
			break;
		case NID_id_smime_aa_signingCertificate:
			if (info->has_signing_cert)
				return dup_attr("signingCertificate");
			if ((rc = one_value(a, V_ASN1_SEQUENCE, "signingCertificate", &t)) != TK_OK ||
			    (rc = ess_decode(t->value.sequence->data, (size_t)t->value.sequence->length, 0, info->signer,
				 &id)) != TK_OK)
				return rc;
			info->has_signing_cert = 1;
			info->signing_cert_match = id.match;
			break;
		default:
			break;
		}
	}
	return TK_OK;
}

static enum tk_err parse_unsigned_attrs(CMS_SignerInfo *si, struct cms_info *info)
{
	int i, j, n = CMS_unsigned_get_attr_count(si);

	info->n_unsigned_attrs = n > 0 ? (size_t)n : 0;
	for (i = 0; i < n; i++) {
		X509_ATTRIBUTE *a = CMS_unsigned_get_attr(si, i);
		if (OBJ_obj2nid(X509_ATTRIBUTE_get0_object(a)) != NID_id_smime_aa_timeStampToken)
			continue;
		for (j = 0; j < X509_ATTRIBUTE_count(a); j++) {
			ASN1_TYPE *t = X509_ATTRIBUTE_get0_type(a, j);
			struct cms_token *tok;
			if (t == NULL || t->type != V_ASN1_SEQUENCE || t->value.sequence->length <= 0)
				return tk_fail(TK_ERR_INVALID, "cms: RFC 3161 Appendix A: timestamp token is not a ContentInfo");
			if (info->n_timestamps == CMS_MAX_TIMESTAMPS)
				return tk_fail(TK_ERR_LIMIT, "cms: more than %u signature timestamps", CMS_MAX_TIMESTAMPS);
			if ((size_t)t->value.sequence->length > CMS_MAX_TOKEN_BYTES)
				return tk_fail(TK_ERR_LIMIT, "cms: timestamp token of %d bytes exceeds the limit of %u",
				    t->value.sequence->length, CMS_MAX_TOKEN_BYTES);
			tok = &info->timestamps[info->n_timestamps];
			if ((tok->der = malloc((size_t)t->value.sequence->length)) == NULL)
				return tk_fail(TK_ERR_NOMEM, "cms: out of memory");
			memcpy(tok->der, t->value.sequence->data, (size_t)t->value.sequence->length);
			tok->len = (size_t)t->value.sequence->length;
			info->n_timestamps++;
		}
	}
	return TK_OK;
}

struct span {
	const uint8_t *p;
	size_t len;
};

/* X.690 11.6: SET OF components in ascending order of their encodings. */
static int span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->p, y->p, n);

	if (c != 0)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

/*
 * X.690 11.6: the elements of a DER SET OF are in ascending order of their
 * encodings (shorter first when one is a prefix of the other). 1 when the
 * set t of p is, 0 when not.
 */
static int set_of_sorted(const uint8_t *p, const struct tlv *t)
{
	size_t off = tlv_val(t), end = tlv_end(t), poff = 0, plen = 0;
	int first = 1;

	while (off < end) {
		struct tlv c;
		size_t n;
		int cmp;
		if (tlv_read(p, off, end, &c) != TK_OK) {
			tk_clear_error();
			return 0;
		}
		if (!first) {
			n = plen < tlv_len(&c) ? plen : tlv_len(&c);
			cmp = memcmp(p + poff, p + c.off, n);
			if (cmp > 0 || (cmp == 0 && plen > tlv_len(&c)))
				return 0;
		}
		first = 0;
		poff = c.off;
		plen = tlv_len(&c);
		off = tlv_end(&c);
	}
	return 1;
}

static enum tk_err copy_bytes(const uint8_t *p, size_t len, uint8_t **out)
{
	if ((*out = malloc(len > 0 ? len : 1)) == NULL)
		return tk_fail(TK_ERR_NOMEM, "cms: out of memory");
	memcpy(*out, p, len);
	return TK_OK;
}

/*
 * The DER encoding of the signed attributes t of p when they arrived out of
 * order: the same elements sorted (X.690 11.6), SET tag, same length.
 * *out is malloc'd, tlv_len(t) bytes.
 */
static enum tk_err sorted_copy(const uint8_t *p, const struct tlv *t, uint8_t **out)
{
	struct span elems[CMS_MAX_ATTRS];
	size_t n = 0, off = tlv_val(t), end = tlv_end(t), at, i;
	enum tk_err rc;

	while (off < end) {
		struct tlv c;
		if ((rc = tlv_read(p, off, end, &c)) != TK_OK)
			return rc;
		if (n == CMS_MAX_ATTRS)
			return tk_fail(TK_ERR_LIMIT, "cms: more than %u signed attributes", CMS_MAX_ATTRS);
		elems[n].p = p + c.off;
		elems[n].len = tlv_len(&c);
		n++;
		off = tlv_end(&c);
	}
	qsort(elems, n, sizeof(elems[0]), span_cmp);
	if ((rc = copy_bytes(p + t->off, tlv_len(t), out)) != TK_OK)
		return rc;
	(*out)[0] = 0x31;
	for (i = 0, at = t->hl; i < n; i++) {
		memcpy(*out + at, elems[i].p, elems[i].len);
		at += elems[i].len;
	}
	return TK_OK;
}

enum tk_err cms_parse(const uint8_t *der, size_t len, struct cms_info **out)
{
	struct cms_info *info = NULL;
	CMS_ContentInfo *cms = NULL;
	STACK_OF(CMS_SignerInfo) *sis;
	CMS_SignerInfo *si;
	ASN1_OCTET_STRING **pos, *sigos;
	struct skel sk;
	const uint8_t *q;
	int i;
	enum tk_err rc;

	*out = NULL;
	if ((rc = skel_walk(der, len, &sk)) != TK_OK || (rc = der_strict(der, len, 0)) != TK_OK)
		goto out;
	rc = TK_ERR_INVALID;
	q = der;
	cms = d2i_CMS_ContentInfo(NULL, &q, (long)len);
	if (cms == NULL || q != der + len) {
		rc = fail_decode("RFC 5652 5: SignedData");
		goto out;
	}
	if (OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed ||
	    (sis = CMS_get0_SignerInfos(cms)) == NULL || sk_CMS_SignerInfo_num(sis) <= 0 ||
	    (size_t)sk_CMS_SignerInfo_num(sis) != sk.n_signers) {
		rc = tk_fail(TK_ERR_INVALID, "cms: RFC 5652 5.1: not a SignedData with SignerInfos");
		goto out;
	}
	if ((info = calloc(1, sizeof(*info))) == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "cms: out of memory");
		goto out;
	}
	info->n_signers = sk.n_signers;
	info->econtent_nid = OBJ_obj2nid(CMS_get0_eContentType(cms));
	pos = CMS_get0_content(cms);
	info->detached = pos == NULL || *pos == NULL;

	info->certs = CMS_get1_certs(cms);
	if (info->certs == NULL && (info->certs = sk_X509_new_null()) == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "cms: out of memory");
		goto out;
	}
	si = sk_CMS_SignerInfo_value(sis, 0);
	for (i = 0; i < sk_X509_num(info->certs); i++) {
		X509 *c = sk_X509_value(info->certs, i);
		if (CMS_SignerInfo_cert_cmp(si, c) == 0 && X509_up_ref(c) == 1) {
			info->signer = c;
			break;
		}
	}
	if ((rc = parse_algs(si, info)) != TK_OK)
		goto out;
	if (sk.has_sattrs) {
		info->has_signed_attrs = 1;
		if ((rc = parse_signed_attrs(si, info)) != TK_OK)
			goto out;
		/* As signed: the [0] IMPLICIT tag read as SET OF (RFC 5652 5.4). */
		if ((rc = copy_bytes(der + sk.sattrs.off, tlv_len(&sk.sattrs), &info->signed_attrs_der)) != TK_OK)
			goto out;
		info->signed_attrs_der[0] = 0x31;
		info->signed_attrs_len = tlv_len(&sk.sattrs);
		info->signed_attrs_unsorted = !set_of_sorted(der, &sk.sattrs);
		if (info->signed_attrs_unsorted && (rc = sorted_copy(der, &sk.sattrs, &info->signed_attrs_sorted)) != TK_OK)
			goto out;
	}
	if ((rc = parse_unsigned_attrs(si, info)) != TK_OK)
		goto out;
	sigos = CMS_SignerInfo_get0_signature(si);
	if (sigos == NULL || (size_t)sigos->length != sk.sig.vlen ||
	    memcmp(sigos->data, der + tlv_val(&sk.sig), sk.sig.vlen) != 0) {
		rc = tk_fail(TK_ERR_INVALID, "cms: RFC 5652 5.3: signature value is inconsistent");
		goto out;
	}
	if ((rc = copy_bytes(der + tlv_val(&sk.sig), sk.sig.vlen, &info->signature)) != TK_OK)
		goto out;
	info->signature_len = sk.sig.vlen;
	*out = info;
	info = NULL;
	rc = TK_OK;
out:
	ERR_clear_error();
	cms_info_free(info);
	CMS_ContentInfo_free(cms);
	return rc;
}

void cms_info_free(struct cms_info *info)
{
	size_t i;

	if (info == NULL)
		return;
	sk_X509_pop_free(info->certs, X509_free);
	X509_free(info->signer);
	for (i = 0; i < info->n_timestamps; i++)
		free(info->timestamps[i].der);
	free(info->signed_attrs_der);
	free(info->signed_attrs_sorted);
	free(info->signature);
	free(info);
}

/* ---- signature check ---- */

/*
 * BSI TR-03111 5.2.1 plain format: r || s, each exactly as long as the
 * group order, turned into the ECDSA-Sig-Value (RFC 5480 / X9.62)
 *   ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }
 * that OpenSSL verifies. The DER goes to *out (OPENSSL_free()).
 */
static enum tk_err plain_to_der(EVP_PKEY *pk, const uint8_t *sig, size_t len, uint8_t **out, size_t *outlen)
{
	ECDSA_SIG *es = NULL;
	BIGNUM *r = NULL, *s = NULL;
	EC_GROUP *grp = NULL;
	char gname[64];
	size_t half, olen;
	int n;
	enum tk_err rc = TK_ERR_CRYPTO;

	*out = NULL;
	if (EVP_PKEY_get_group_name(pk, gname, sizeof(gname), NULL) != 1 ||
	    (grp = EC_GROUP_new_by_curve_name(OBJ_sn2nid(gname))) == NULL) {
		rc = tk_fail(TK_ERR_INVALID, "cms: BSI TR-03111 5.2.1: the signer's curve is not a named curve we know");
		goto out;
	}
	olen = ((size_t)EC_GROUP_order_bits(grp) + 7) / 8;
	if (len % 2 != 0 || (half = len / 2) != olen) {
		rc = tk_fail(TK_ERR_CRYPTO, "cms: BSI TR-03111 5.2.1: plain ECDSA signature of %zu bytes, want 2 x %zu", len, olen);
		goto out;
	}
	if ((es = ECDSA_SIG_new()) == NULL || (r = BN_bin2bn(sig, (int)half, NULL)) == NULL ||
	    (s = BN_bin2bn(sig + half, (int)half, NULL)) == NULL || ECDSA_SIG_set0(es, r, s) != 1) {
		rc = tk_fail_ossl("cms: plain ECDSA signature");
		goto out;
	}
	r = s = NULL; /* owned by es */
	if ((n = i2d_ECDSA_SIG(es, out)) <= 0) {
		*out = NULL;
		rc = tk_fail_ossl("cms: plain ECDSA signature");
		goto out;
	}
	*outlen = (size_t)n;
	rc = TK_OK;
out:
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(es);
	EC_GROUP_free(grp);
	return rc;
}

/*
 * The signature value of info over hash h (hl bytes of md): PKCS #1 v1.5
 * (DigestInfo of md), RSASSA-PSS with the parsed parameters, or ECDSA.
 * TK_ERR_CRYPTO when it does not verify.
 */
static enum tk_err verify_hash(const struct cms_info *info, EVP_PKEY *pk, const EVP_MD *md, const uint8_t *h, size_t hl)
{
	EVP_PKEY_CTX *pctx = NULL;
	uint8_t *conv = NULL;
	const uint8_t *sig = info->signature;
	size_t siglen = info->signature_len;
	enum tk_err rc = TK_ERR_CRYPTO;

	if (info->sig == CMS_SIG_ECDSA_PLAIN) {
		if ((rc = plain_to_der(pk, info->signature, info->signature_len, &conv, &siglen)) != TK_OK)
			goto out;
		sig = conv;
	}
	if ((pctx = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL)) == NULL || EVP_PKEY_verify_init(pctx) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(pctx, md) != 1) {
		rc = tk_fail_ossl("cms: verify init");
		goto out;
	}
	if (info->sig == CMS_SIG_RSA_PKCS1 && EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) {
		rc = tk_fail_ossl("cms: RSA padding");
		goto out;
	}
	if (info->sig == CMS_SIG_RSA_PSS &&
	    (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
		EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, cms_md_evp(info->pss_mgf1_md)) != 1 ||
		EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, (int)info->pss_salt_len) != 1)) {
		rc = tk_fail_ossl("cms: RSA-PSS parameters");
		goto out;
	}
	if (EVP_PKEY_verify(pctx, sig, siglen, h, hl) != 1) {
		/* Out of memory is no verdict on the signature. */
		rc = tk_ossl_take_nomem() ? tk_fail(TK_ERR_NOMEM, "cms: out of memory verifying the signature")
					  : tk_fail(TK_ERR_CRYPTO, "cms: RFC 5652 5.6: signature does not verify with the signer's public key");
		goto out;
	}
	rc = TK_OK;
out:
	ERR_clear_error();
	OPENSSL_free(conv);
	EVP_PKEY_CTX_free(pctx);
	return rc;
}

/* The signer's key must fit the signature algorithm, and a hash the algorithm names must be the digestAlgorithm. */
static enum tk_err check_alg(const struct cms_info *info, EVP_PKEY *pk)
{
	switch (info->sig) {
	case CMS_SIG_RSA_PKCS1:
		if (!EVP_PKEY_is_a(pk, "RSA"))
			return tk_fail(TK_ERR_CRYPTO, "cms: RSA signature but the signer key is not RSA");
		break;
	case CMS_SIG_RSA_PSS:
		if (!EVP_PKEY_is_a(pk, "RSA") && !EVP_PKEY_is_a(pk, "RSA-PSS"))
			return tk_fail(TK_ERR_CRYPTO, "cms: RSA-PSS signature but the signer key is not RSA");
		if (info->pss_md != info->md || info->pss_mgf1_md == CMS_MD_OTHER)
			return tk_fail(TK_ERR_INVALID,
			    "cms: RFC 4056 3: RSASSA-PSS hash differs from digestAlgorithm or is not accepted");
		break;
	case CMS_SIG_ECDSA:
	case CMS_SIG_ECDSA_PLAIN:
		if (!EVP_PKEY_is_a(pk, "EC"))
			return tk_fail(TK_ERR_CRYPTO, "cms: ECDSA signature but the signer key is not EC");
		break;
	case CMS_SIG_OTHER:
	default:
		return tk_fail(TK_ERR_INVALID, "cms: signature algorithm %s is not supported",
		    info->sig_nid != NID_undef ? nid_name(info->sig_nid) : "(unknown OID)");
	}
	if (info->sig_names_md && info->sig_md != info->md)
		return tk_fail(TK_ERR_INVALID, "cms: RFC 5754 3: signatureAlgorithm %s does not match digestAlgorithm %s",
		    info->sig == CMS_SIG_ECDSA_PLAIN ? "ecdsa-plain" : nid_name(info->sig_nid), nid_name(info->md_nid));
	return TK_OK;
}

enum tk_err cms_verify_signature(const struct cms_info *info, const uint8_t *digest, size_t digest_len)
{
	return cms_verify_signature_ex(info, digest, digest_len, NULL);
}

enum tk_err cms_verify_signature_ex(const struct cms_info *info, const uint8_t *digest, size_t digest_len, int *resorted)
{
	EVP_PKEY *pk;
	const EVP_MD *md;
	uint8_t h[CMS_MAX_DIGEST];
	size_t hl = 0;
	enum tk_err rc;

	if (info == NULL || digest == NULL)
		return tk_fail(TK_ERR_INVALID, "cms: nothing to verify");
	if (info->signer == NULL)
		return tk_fail(TK_ERR_CRYPTO, "cms: RFC 5652 5.3: the signer certificate named by sid is not embedded");
	if ((md = cms_md_evp(info->md)) == NULL)
		return tk_fail(TK_ERR_INVALID, "cms: digest algorithm %s is not supported (SHA-2, SHA-3, SHA-1)",
		    nid_name(info->md_nid));
	if ((pk = X509_get0_pubkey(info->signer)) == NULL)
		return tk_fail_ossl("cms: signer public key");
	if ((rc = check_alg(info, pk)) != TK_OK)
		return rc;
	if (digest_len != cms_md_size(info->md))
		return tk_fail(TK_ERR_CRYPTO, "cms: digest of %zu bytes for %s", digest_len, cms_md_name(info->md));
	if (!info->has_signed_attrs) {
		/* RFC 5652 5.4: without signedAttrs the content digest is what is signed; 5.3: only for id-data. */
		if (info->econtent_nid != NID_pkcs7_data)
			return tk_fail(TK_ERR_CRYPTO, "cms: RFC 5652 5.3: signedAttrs are required when eContentType is not id-data");
		if ((rc = verify_hash(info, pk, md, digest, digest_len)) == TK_ERR_CRYPTO)
			return tk_fail(TK_ERR_CRYPTO, "cms: RFC 5652 5.4: without signed attributes the signature must verify over the "
						      "content digest, and it does not: the content or the signature was changed");
		return rc;
	}
	if (info->signed_attrs_der == NULL)
		return tk_fail(TK_ERR_INVALID, "cms: signed attributes were not kept");
	if (!info->has_content_type || info->content_type_nid != info->econtent_nid)
		return tk_fail(TK_ERR_CRYPTO, "cms: RFC 5652 11.1: contentType attribute missing or not the eContentType");
	if (!info->has_message_digest)
		return tk_fail(TK_ERR_CRYPTO, "cms: RFC 5652 11.2: messageDigest attribute missing");
	if (info->message_digest_len != digest_len || CRYPTO_memcmp(info->message_digest, digest, digest_len) != 0)
		return tk_fail(TK_ERR_CRYPTO, "cms: RFC 5652 11.2: messageDigest does not match the content");
	if ((info->has_signing_cert_v2 && !info->signing_cert_v2_match) ||
	    (info->has_signing_cert && !info->signing_cert_match))
		return tk_fail(TK_ERR_CRYPTO, "cms: RFC 5035 5.4: signingCertificate attribute does not name the signer certificate");
	/* RFC 5652 5.4: the digest of the signed attributes as received (the SET OF tag in place of [0]). */
	if ((rc = cms_digest(info->md, info->signed_attrs_der, info->signed_attrs_len, h, &hl)) != TK_OK)
		return rc;
	rc = verify_hash(info, pk, md, h, hl);
	if (rc != TK_ERR_CRYPTO || info->signed_attrs_sorted == NULL)
		return rc;
	/*
	 * Out of DER order as received: 5.4 says the DER encoding is signed, which
	 * is the sorted one (what a signer that re-encodes, e.g. BouncyCastle, signed).
	 */
	tk_clear_error();
	if ((rc = cms_digest(info->md, info->signed_attrs_sorted, info->signed_attrs_len, h, &hl)) != TK_OK)
		return rc;
	if ((rc = verify_hash(info, pk, md, h, hl)) == TK_OK && resorted != NULL)
		*resorted = 1;
	return rc;
}

/* ---- adding a signature timestamp ---- */

/* The token's messageImprint (RFC 3161 2.4.2) must be the hash of the signature value. */
static enum tk_err ts_imprint_check(const uint8_t *tok, size_t toklen, const uint8_t *sig, size_t siglen)
{
	PKCS7 *p7 = NULL;
	TS_TST_INFO *tst = NULL;
	TS_MSG_IMPRINT *mi;
	ASN1_OCTET_STRING *m;
	const uint8_t *q = tok;
	uint8_t h[CMS_MAX_DIGEST];
	size_t hn = 0;
	enum cms_md md;
	enum tk_err rc = TK_ERR_INVALID;

	if ((p7 = d2i_PKCS7(NULL, &q, (long)toklen)) == NULL || q != tok + toklen) {
		rc = fail_decode("RFC 3161 2.4.2: timestamp token");
		goto out;
	}
	if ((tst = PKCS7_to_TS_TST_INFO(p7)) == NULL) {
		rc = fail_decode("RFC 3161 2.4.2: timestamp token TSTInfo");
		goto out;
	}
	mi = TS_TST_INFO_get_msg_imprint(tst);
	md = md_of_nid(OBJ_obj2nid(TS_MSG_IMPRINT_get_algo(mi)->algorithm));
	if (md == CMS_MD_OTHER || md == CMS_MD_SHA1) {
		rc = tk_fail(TK_ERR_INVALID, "cms: RFC 3161 2.4.2: timestamp imprint hash is not SHA-2 or SHA-3");
		goto out;
	}
	if ((rc = cms_digest(md, sig, siglen, h, &hn)) != TK_OK)
		goto out;
	m = TS_MSG_IMPRINT_get_msg(mi);
	if (m == NULL || (size_t)m->length != hn || CRYPTO_memcmp(m->data, h, hn) != 0) {
		rc = tk_fail(TK_ERR_CRYPTO,
		    "cms: ETSI EN 319 122-1 5.3: timestamp token is not over this signature value (messageImprint differs)");
		goto out;
	}
	rc = TK_OK;
out:
	ERR_clear_error();
	TS_TST_INFO_free(tst);
	PKCS7_free(p7);
	return rc;
}

static size_t hdr_len(size_t vlen)
{
	size_t n = 2;

	if (vlen >= 0x80)
		for (; vlen > 0; vlen >>= 8)
			n++;
	return n;
}

/*
 * Writes der with bytes [a, b) of the first SignerInfo replaced by r, and
 * the five enclosing lengths adjusted; all other bytes are copied as they are.
 */
static enum tk_err splice(const uint8_t *der, const struct skel *s, size_t a, size_t b, const uint8_t *r, size_t rlen,
    struct buf *out)
{
	static const uint8_t tags[LV_N] = { 0x30, 0xa0, 0x30, 0x31, 0x30 };
	size_t newv[LV_N], grow = rlen - (b - a), total;
	int k;
	enum tk_err rc;

	for (k = LV_N - 1; k >= 0; k--) {
		newv[k] = s->lv[k].vlen + grow;
		grow += hdr_len(newv[k]) - s->lv[k].hl;
	}
	total = hdr_len(newv[LV_CI]) + newv[LV_CI];
	if (total > CMS_MAX_BYTES)
		return tk_fail(TK_ERR_LIMIT, "cms: %zu bytes exceed the limit of %u", total, CMS_MAX_BYTES);
	if ((rc = buf_reserve(out, total)) != TK_OK)
		return rc;
	for (k = 0; k < LV_N; k++) {
		size_t from = tlv_val(&s->lv[k]), to = k + 1 < LV_N ? s->lv[k + 1].off : a;
		if ((rc = der_put_header(out, tags[k], newv[k])) != TK_OK ||
		    (rc = buf_append(out, der + from, to - from)) != TK_OK)
			return rc;
	}
	if ((rc = buf_append(out, r, rlen)) != TK_OK ||
	    (rc = buf_append(out, der + b, tlv_end(&s->lv[LV_SI]) - b)) != TK_OK)
		return rc;
	for (k = LV_N - 2; k >= 0; k--) {
		size_t from = tlv_end(&s->lv[k + 1]), to = tlv_end(&s->lv[k]);
		if ((rc = buf_append(out, der + from, to - from)) != TK_OK)
			return rc;
	}
	return TK_OK;
}

enum tk_err cms_add_unsigned_attr_timestamp(const uint8_t *der, size_t len, const uint8_t *token, size_t token_len,
    struct buf *der_out)
{
	struct cms_info *before = NULL, *after = NULL;
	struct skel s;
	struct tlv t;
	struct span elems[CMS_MAX_ATTRS];
	struct buf attr, set, res;
	size_t n = 0, off, end, a, b, i, ts_len, mark = der_out->len;
	enum tk_err rc;

	buf_init(&attr, CMS_MAX_BYTES);
	buf_init(&set, CMS_MAX_BYTES);
	buf_init(&res, CMS_MAX_BYTES);
	/* The input must be a SignedData we accept as a whole. */
	if ((rc = cms_parse(der, len, &before)) != TK_OK || (rc = skel_walk(der, len, &s)) != TK_OK)
		goto out;
	if (token == NULL || token_len == 0) {
		rc = tk_fail(TK_ERR_INVALID, "cms: empty timestamp token");
		goto out;
	}
	if (token_len > CMS_MAX_TOKEN_BYTES) {
		rc = tk_fail(TK_ERR_LIMIT, "cms: timestamp token of %zu bytes exceeds the limit of %u", token_len,
		    CMS_MAX_TOKEN_BYTES);
		goto out;
	}
	off = 0;
	if ((rc = tlv_expect(token, &off, token_len, 0x30, "RFC 3161 2.4.2: TimeStampToken", &t)) != TK_OK)
		goto out;
	if (off != token_len) {
		rc = tk_fail(TK_ERR_INVALID, "cms: X.690 10.1: bytes after the timestamp token");
		goto out;
	}
	if ((rc = der_strict(token, token_len, 0)) != TK_OK ||
	    (rc = ts_imprint_check(token, token_len, der + tlv_val(&s.sig), s.sig.vlen)) != TK_OK)
		goto out;

	/* Attribute ::= SEQUENCE { attrType OBJECT IDENTIFIER, attrValues SET OF AttributeValue } */
	ts_len = 2 + sizeof(oid_ts_token) + hdr_len(token_len) + token_len;
	if ((rc = der_put_header(&attr, 0x30, ts_len)) != TK_OK ||
	    (rc = der_put_tlv(&attr, 0x06, oid_ts_token, sizeof(oid_ts_token))) != TK_OK ||
	    (rc = der_put_tlv(&attr, 0x31, token, token_len)) != TK_OK)
		goto out;

	/* unsignedAttrs: the existing attributes and ours, in DER order. */
	if (s.has_uattrs) {
		off = tlv_val(&s.uattrs);
		end = tlv_end(&s.uattrs);
		while (off < end) {
			if ((rc = tlv_read(der, off, end, &t)) != TK_OK)
				goto out;
			elems[n].p = der + off;
			elems[n].len = tlv_len(&t);
			n++;
			off = tlv_end(&t);
		}
		a = s.uattrs.off;
		b = tlv_end(&s.uattrs);
	} else {
		a = b = tlv_end(&s.sig);
	}
	if (n >= CMS_MAX_ATTRS) {
		rc = tk_fail(TK_ERR_LIMIT, "cms: more than %u unsigned attributes", CMS_MAX_ATTRS);
		goto out;
	}
	elems[n].p = attr.p;
	elems[n].len = attr.len;
	n++;
	qsort(elems, n, sizeof(elems[0]), span_cmp);
	for (i = 0, end = 0; i < n; i++)
		end += elems[i].len;
	if ((rc = der_put_header(&set, 0xa1, end)) != TK_OK)
		goto out;
	for (i = 0; i < n; i++)
		if ((rc = buf_append(&set, elems[i].p, elems[i].len)) != TK_OK)
			goto out;

	if ((rc = splice(der, &s, a, b, set.p, set.len, &res)) != TK_OK)
		goto out;
	/* What we wrote must parse, with one more timestamp and the same signature. */
	if ((rc = cms_parse(res.p, res.len, &after)) != TK_OK) {
		rc = tk_wrap(TK_ERR_INTERNAL, "cms: SignedData with the timestamp added");
		goto out;
	}
	if (after->n_timestamps != before->n_timestamps + 1 || after->signature_len != before->signature_len ||
	    memcmp(after->signature, before->signature, after->signature_len) != 0 ||
	    after->signed_attrs_len != before->signed_attrs_len ||
	    (before->signed_attrs_len > 0 &&
		memcmp(after->signed_attrs_der, before->signed_attrs_der, after->signed_attrs_len) != 0)) {
		rc = tk_fail(TK_ERR_INTERNAL, "cms: adding the timestamp changed the signature");
		goto out;
	}
	rc = buf_append(der_out, res.p, res.len);
out:
	if (rc != TK_OK)
		der_out->len = mark;
	cms_info_free(before);
	cms_info_free(after);
	buf_free(&attr);
	buf_free(&set);
	buf_free(&res);
	return rc;
}

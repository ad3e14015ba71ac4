/*
 * CMS SignedData signing over a precomputed content digest (RFC 5652 5,
 * ETSI EN 319 122-1 CAdES baseline, ETSI EN 319 142-1 PAdES baseline).
 *
 * OpenSSL builds the structure (CMS_sign with CMS_PARTIAL, CMS_add1_signer)
 * and encodes it; we add the signed attributes ourselves and sign their
 * DER through key_sign(). OpenSSL's own CMS_SignerInfo_sign() cannot be
 * used: in OpenSSL 3.0 it always adds a signingTime attribute, which the
 * PAdES baseline forbids, and it would sign with the EVP_PKEY directly
 * instead of through our key interface.
 *
 * The bytes signed are taken from the encoded output itself (the
 * signedAttrs element with its tag read as SET, RFC 5652 5.4), so they
 * are exactly what a verifier hashes; the finished DER is parsed back and
 * verified before it leaves this file.
 */
#include "cms/cms.h"

#include <openssl/asn1.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/ess.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

/* Largest signature value we accept from key_sign() (RSA-16384). */
#define CMS_MAX_SIG_BYTES 2048u

/*
 * Room for one id-aa-signatureTimeStampToken attribute around a token:
 * Attribute SEQUENCE header (<= 4) + OID TLV (13) + SET header (<= 4) +
 * unsignedAttrs [1] header (<= 4) + growth of the five enclosing length
 * fields (ContentInfo, [0], SignedData, signerInfos, SignerInfo: <= 3 each).
 */
#define CMS_TS_ATTR_OVERHEAD 48u
/* Framing around revocation data stored in the CMS (headers and lengths). */
#define CMS_REVOCATION_OVERHEAD 32u

const char *cms_md_name(enum cms_md md)
{
	switch (md) {
	case CMS_MD_SHA256: return "sha256";
	case CMS_MD_SHA384: return "sha384";
	case CMS_MD_SHA512: return "sha512";
	case CMS_MD_SHA3_256: return "sha3-256";
	case CMS_MD_SHA3_384: return "sha3-384";
	case CMS_MD_SHA3_512: return "sha3-512";
	case CMS_MD_SHA1: return "sha1";
	case CMS_MD_OTHER: break;
	}
	return "other";
}

size_t cms_md_size(enum cms_md md)
{
	switch (md) {
	case CMS_MD_SHA256: return 32;
	case CMS_MD_SHA384: return 48;
	case CMS_MD_SHA512: return 64;
	case CMS_MD_SHA3_256: return 32;
	case CMS_MD_SHA3_384: return 48;
	case CMS_MD_SHA3_512: return 64;
	case CMS_MD_SHA1: return 20;
	case CMS_MD_OTHER: break;
	}
	return 0;
}

const EVP_MD *cms_md_evp(enum cms_md md)
{
	switch (md) {
	case CMS_MD_SHA256: return EVP_sha256();
	case CMS_MD_SHA384: return EVP_sha384();
	case CMS_MD_SHA512: return EVP_sha512();
	case CMS_MD_SHA3_256: return EVP_sha3_256();
	case CMS_MD_SHA3_384: return EVP_sha3_384();
	case CMS_MD_SHA3_512: return EVP_sha3_512();
	case CMS_MD_SHA1: return EVP_sha1();
	case CMS_MD_OTHER: break;
	}
	return NULL;
}

enum tk_err cms_md_parse(const char *name, enum cms_md *out)
{
	enum cms_md m;

	for (m = CMS_MD_SHA256; m <= CMS_MD_SHA512; m++) {
		if (strcmp(name, cms_md_name(m)) == 0) {
			*out = m;
			return TK_OK;
		}
	}
	return tk_fail(TK_ERR_INVALID, "cms: unknown digest '%s' (sha256, sha384, sha512)", name);
}

const char *cms_sig_name(enum cms_sig sig)
{
	switch (sig) {
	case CMS_SIG_RSA_PKCS1: return "rsa-pkcs1";
	case CMS_SIG_RSA_PSS: return "rsa-pss";
	case CMS_SIG_ECDSA: return "ecdsa";
	case CMS_SIG_ECDSA_PLAIN: return "ecdsa-plain";
	case CMS_SIG_OTHER: break;
	}
	return "other";
}

static enum tk_err md_check(enum cms_md md)
{
	if (cms_md_evp(md) == NULL)
		return tk_fail(TK_ERR_INVALID, "cms: digest must be sha256, sha384 or sha512");
	return TK_OK;
}

enum tk_err cms_digest(enum cms_md md, const uint8_t *p, size_t len, uint8_t out[CMS_MAX_DIGEST], size_t *outlen)
{
	unsigned int n = 0;
	enum tk_err rc;

	if ((rc = md_check(md)) != TK_OK)
		return rc;
	if (EVP_Digest(p, len, out, &n, cms_md_evp(md), NULL) != 1)
		return tk_fail_ossl("cms: %s digest", cms_md_name(md));
	*outlen = n;
	return TK_OK;
}

enum tk_err cms_digest_stream(enum cms_md md, cms_read_fn next, void *arg, uint8_t out[CMS_MAX_DIGEST],
    size_t *outlen)
{
	EVP_MD_CTX *ctx = NULL;
	unsigned int n = 0;
	enum tk_err rc;

	if ((rc = md_check(md)) != TK_OK)
		goto out;
	rc = TK_ERR_CRYPTO;
	if ((ctx = EVP_MD_CTX_new()) == NULL || EVP_DigestInit_ex(ctx, cms_md_evp(md), NULL) != 1) {
		rc = tk_fail_ossl("cms: %s digest", cms_md_name(md));
		goto out;
	}
	for (;;) {
		const uint8_t *p = NULL;
		size_t len = 0;
		if ((rc = next(arg, &p, &len)) != TK_OK)
			goto out;
		if (len == 0)
			break;
		if (EVP_DigestUpdate(ctx, p, len) != 1) {
			rc = tk_fail_ossl("cms: %s digest", cms_md_name(md));
			goto out;
		}
	}
	if (EVP_DigestFinal_ex(ctx, out, &n) != 1) {
		rc = tk_fail_ossl("cms: %s digest", cms_md_name(md));
		goto out;
	}
	*outlen = n;
	rc = TK_OK;
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

/*
 * RSASSA-PSS-params (RFC 4055 3.1) for digest md: hashAlgorithm md,
 * maskGenAlgorithm MGF1 with md, saltLength = digest length, trailerField
 * left at its DEFAULT 1 (so absent in DER). This is what key_sign() does
 * with pss = 1.
 *
 *   RSASSA-PSS-params ::= SEQUENCE {
 *       hashAlgorithm      [0] HashAlgorithm    DEFAULT sha1,
 *       maskGenAlgorithm   [1] MaskGenAlgorithm DEFAULT mgf1SHA1,
 *       saltLength         [2] INTEGER          DEFAULT 20,
 *       trailerField       [3] TrailerField     DEFAULT trailerFieldBC }
 */
static enum tk_err set_pss_alg(CMS_SignerInfo *si, const EVP_MD *md)
{
	RSA_PSS_PARAMS *pp = NULL;
	X509_ALGOR *mgf1md = NULL, *alg = NULL;
	ASN1_STRING *mgfos = NULL, *os = NULL;
	enum tk_err rc = TK_ERR_CRYPTO;

	if ((pp = RSA_PSS_PARAMS_new()) == NULL || (pp->hashAlgorithm = X509_ALGOR_new()) == NULL ||
	    (pp->maskGenAlgorithm = X509_ALGOR_new()) == NULL || (pp->saltLength = ASN1_INTEGER_new()) == NULL ||
	    (mgf1md = X509_ALGOR_new()) == NULL) {
		rc = tk_fail_ossl("cms: RSASSA-PSS parameters");
		goto out;
	}
	X509_ALGOR_set_md(pp->hashAlgorithm, md);
	X509_ALGOR_set_md(mgf1md, md);
	if ((mgfos = ASN1_item_pack(mgf1md, ASN1_ITEM_rptr(X509_ALGOR), NULL)) == NULL ||
	    X509_ALGOR_set0(pp->maskGenAlgorithm, OBJ_nid2obj(NID_mgf1), V_ASN1_SEQUENCE, mgfos) != 1) {
		rc = tk_fail_ossl("cms: RSASSA-PSS MGF1 parameters");
		goto out;
	}
	mgfos = NULL;
	if (ASN1_INTEGER_set(pp->saltLength, (long)EVP_MD_get_size(md)) != 1 ||
	    (os = ASN1_item_pack(pp, ASN1_ITEM_rptr(RSA_PSS_PARAMS), NULL)) == NULL) {
		rc = tk_fail_ossl("cms: RSASSA-PSS parameters");
		goto out;
	}
	CMS_SignerInfo_get0_algs(si, NULL, NULL, NULL, &alg);
	if (alg == NULL || X509_ALGOR_set0(alg, OBJ_nid2obj(NID_rsassaPss), V_ASN1_SEQUENCE, os) != 1) {
		rc = tk_fail_ossl("cms: RSASSA-PSS signatureAlgorithm");
		goto out;
	}
	os = NULL;
	rc = TK_OK;
out:
	ASN1_STRING_free(os);
	ASN1_STRING_free(mgfos);
	X509_ALGOR_free(mgf1md);
	RSA_PSS_PARAMS_free(pp);
	return rc;
}

/*
 * signingCertificateV2 (RFC 5035 3) naming the signer by the SHA-256 of
 * its certificate plus issuerSerial. SHA-256 is the DEFAULT hashAlgorithm
 * of ESSCertIDv2, so OpenSSL leaves it out as DER requires.
 */
static enum tk_err add_signing_cert_v2(CMS_SignerInfo *si, X509 *signer)
{
	ESS_SIGNING_CERT_V2 *sc = NULL;
	ASN1_STRING *seq = NULL;
	uint8_t *der = NULL;
	int n;
	enum tk_err rc = TK_ERR_CRYPTO;

	if ((sc = OSSL_ESS_signing_cert_v2_new_init(EVP_sha256(), signer, NULL, 1)) == NULL ||
	    (n = i2d_ESS_SIGNING_CERT_V2(sc, &der)) <= 0 || (seq = ASN1_STRING_new()) == NULL ||
	    ASN1_STRING_set(seq, der, n) != 1 ||
	    CMS_signed_add1_attr_by_NID(si, NID_id_smime_aa_signingCertificateV2, V_ASN1_SEQUENCE, seq, -1) != 1) {
		rc = tk_fail_ossl("cms: signingCertificateV2 attribute");
		goto out;
	}
	rc = TK_OK;
out:
	OPENSSL_free(der);
	ASN1_STRING_free(seq);
	ESS_SIGNING_CERT_V2_free(sc);
	return rc;
}

static enum tk_err add_signing_time(CMS_SignerInfo *si, int64_t at)
{
	ASN1_TIME *t;
	enum tk_err rc = TK_OK;

	if (at == 0)
		at = tk_now();
	/* UTCTime through 2049, GeneralizedTime after (RFC 5652 11.3). */
	t = ASN1_TIME_set(NULL, (time_t)at);
	if (t == NULL || CMS_signed_add1_attr_by_NID(si, NID_pkcs9_signingTime, ASN1_STRING_type(t), t, -1) != 1)
		rc = tk_fail_ossl("cms: signingTime attribute");
	ASN1_TIME_free(t);
	return rc;
}

static int is_self_signed(X509 *c)
{
	return (X509_get_extension_flags(c) & EXFLAG_SS) != 0;
}

/* Adds c unless an equal certificate is already in the SignedData. */
static enum tk_err add_cert_once(CMS_ContentInfo *cms, X509 *c)
{
	STACK_OF(X509) *have = CMS_get1_certs(cms);
	int i, dup = 0;
	enum tk_err rc = TK_OK;

	for (i = 0; i < sk_X509_num(have); i++)
		if (X509_cmp(sk_X509_value(have, i), c) == 0)
			dup = 1;
	sk_X509_pop_free(have, X509_free);
	if (!dup && CMS_add1_cert(cms, c) != 1)
		rc = tk_fail_ossl("cms: adding a chain certificate");
	return rc;
}

static enum tk_err encode(CMS_ContentInfo *cms, struct buf *out)
{
	uint8_t *der = NULL;
	int n = i2d_CMS_ContentInfo(cms, &der);
	enum tk_err rc;

	if (n <= 0)
		return tk_fail_ossl("cms: encoding SignedData");
	rc = buf_append(out, der, (size_t)n);
	OPENSSL_free(der);
	return rc;
}

/*
 * Verifies the signature we just made over the signed attributes with the
 * certificate's public key: a key, token or fault that produced a wrong
 * signature never leaves this function. (Re-parsing the whole SignedData
 * would cost more than signing; the structure is covered by the tests.)
 */
static enum tk_err self_check(const struct buf *tbs, const struct buf *sig, X509 *signer, const EVP_MD *evp, int pss)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	int ok;

	ok = ctx != NULL && EVP_DigestVerifyInit(ctx, &pctx, evp, NULL, X509_get0_pubkey(signer)) == 1 &&
	     (!pss || (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
			  EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1)) &&
	     EVP_DigestVerify(ctx, sig->p, sig->len, tbs->p, tbs->len) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok) {
		ERR_clear_error();
		return tk_fail(TK_ERR_CRYPTO, "cms: our own signature does not verify (key or token fault)");
	}
	return TK_OK;
}

/*
 * Builds the SignedData. dummy: size estimation only; the signature is a
 * zero-filled value of the key's maximum signature size and the key is
 * never used to sign.
 */
static enum tk_err build(const struct key *k, X509 *signer, X509 *const *chain, size_t nchain, enum cms_md md,
    const uint8_t *digest, size_t dlen, const struct cms_sign_opts *opts, int dummy, struct buf *der_out)
{
	static const struct cms_sign_opts defaults;
	const struct cms_sign_opts *o = opts ? opts : &defaults;
	CMS_ContentInfo *cms = NULL;
	CMS_SignerInfo *si;
	X509_ALGOR *sigalg = NULL;
	EVP_PKEY *pk;
	const EVP_MD *evp;
	struct buf der, tbs, sig;
	const uint8_t *sa;
	size_t salen, i;
	int is_rsa, is_ec;
	enum tk_err rc = TK_ERR_INVALID;

	buf_init(&der, CMS_MAX_BYTES);
	buf_init(&tbs, CMS_MAX_BYTES);
	buf_init(&sig, CMS_MAX_SIG_BYTES);
	if (k == NULL || signer == NULL || (nchain > 0 && chain == NULL)) {
		rc = tk_fail(TK_ERR_INVALID, "cms: key and signer certificate are required");
		goto out;
	}
	if ((rc = md_check(md)) != TK_OK)
		goto out;
	if (md != CMS_MD_SHA256 && md != CMS_MD_SHA384 && md != CMS_MD_SHA512) {
		rc = tk_fail(TK_ERR_INVALID, "cms: we sign with sha256, sha384 or sha512, not %s", cms_md_name(md));
		goto out;
	}
	evp = cms_md_evp(md);
	if (digest == NULL || dlen != cms_md_size(md)) {
		rc = tk_fail(TK_ERR_INVALID, "cms: %s digest must be %zu bytes, got %zu", cms_md_name(md),
		    cms_md_size(md), dlen);
		goto out;
	}
	if (nchain > MAX_CHAIN_DEPTH) {
		rc = tk_fail(TK_ERR_LIMIT, "cms: %zu chain certificates exceed the limit of %u", nchain, MAX_CHAIN_DEPTH);
		goto out;
	}
	pk = key_pkey(k);
	is_rsa = EVP_PKEY_is_a(pk, "RSA");
	is_ec = EVP_PKEY_is_a(pk, "EC");
	if (!is_rsa && !is_ec) {
		rc = tk_fail(TK_ERR_INVALID, "cms: key %s is neither RSA nor EC", key_name(k));
		goto out;
	}
	if (o->rsa_pss && !is_rsa) {
		rc = tk_fail(TK_ERR_INVALID, "cms: RSA-PSS needs an RSA key; key %s is EC", key_name(k));
		goto out;
	}
	if (X509_check_private_key(signer, pk) != 1) {
		ERR_clear_error();
		rc = tk_fail(TK_ERR_INVALID, "cms: key %s does not belong to the signer certificate", key_name(k));
		goto out;
	}

	rc = TK_ERR_CRYPTO;
	cms = CMS_sign(NULL, NULL, NULL, NULL, CMS_PARTIAL | CMS_DETACHED | CMS_BINARY | CMS_NOSMIMECAP);
	if (cms == NULL) {
		rc = tk_fail_ossl("cms: SignedData");
		goto out;
	}
	/* Adds the signer certificate, sid (issuerAndSerialNumber), digestAlgorithm and the signature algorithm. */
	si = CMS_add1_signer(cms, signer, pk, evp, CMS_PARTIAL | CMS_BINARY | CMS_NOSMIMECAP);
	if (si == NULL) {
		rc = tk_fail_ossl("cms: SignerInfo");
		goto out;
	}
	if (o->rsa_pss && (rc = set_pss_alg(si, evp)) != TK_OK)
		goto out;
	CMS_SignerInfo_get0_algs(si, NULL, NULL, NULL, &sigalg);
	if (sigalg == NULL || OBJ_obj2nid(sigalg->algorithm) == NID_undef) {
		rc = tk_fail(TK_ERR_INTERNAL, "cms: no signature algorithm for key %s", key_name(k));
		goto out;
	}

	/* Signed attributes (RFC 5652 11.1, 11.2; RFC 5035; RFC 5652 11.3 on request). */
	if (CMS_signed_add1_attr_by_NID(si, NID_pkcs9_contentType, V_ASN1_OBJECT, OBJ_nid2obj(NID_pkcs7_data), -1) != 1 ||
	    CMS_signed_add1_attr_by_NID(si, NID_pkcs9_messageDigest, V_ASN1_OCTET_STRING, digest, (int)dlen) != 1) {
		rc = tk_fail_ossl("cms: signed attributes");
		goto out;
	}
	if ((rc = add_signing_cert_v2(si, signer)) != TK_OK)
		goto out;
	if (o->signing_time && (rc = add_signing_time(si, o->signing_time_at)) != TK_OK)
		goto out;

	for (i = 0; i < nchain; i++) {
		if (chain[i] == NULL) {
			rc = tk_fail(TK_ERR_INVALID, "cms: chain certificate %zu is missing", i);
			goto out;
		}
		if (!o->include_root && is_self_signed(chain[i]))
			continue;
		if ((rc = add_cert_once(cms, chain[i])) != TK_OK)
			goto out;
	}

	/*
	 * The signed attributes as they will be encoded: OpenSSL sorts the
	 * SET OF on output (X.690 11.6), so take them from an encoding (with
	 * a placeholder signature, which they do not depend on).
	 */
	if (ASN1_STRING_set(CMS_SignerInfo_get0_signature(si), "", 1) != 1) {
		rc = tk_fail_ossl("cms: placeholder signature");
		goto out;
	}
	if ((rc = encode(cms, &der)) != TK_OK)
		goto out;
	if ((rc = cms_signed_attrs(der.p, der.len, &sa, &salen)) != TK_OK) {
		rc = tk_wrap(TK_ERR_INTERNAL, "cms: our own SignedData");
		goto out;
	}
	if ((rc = buf_putc(&tbs, 0x31)) != TK_OK || (rc = buf_append(&tbs, sa + 1, salen - 1)) != TK_OK)
		goto out;

	if (dummy) {
		int n = EVP_PKEY_get_size(pk);
		if (n <= 0 || (size_t)n > CMS_MAX_SIG_BYTES) {
			rc = tk_fail_ossl("cms: signature size of key %s", key_name(k));
			goto out;
		}
		if ((rc = buf_reserve(&sig, (size_t)n)) != TK_OK)
			goto out;
		memset(sig.p, 0xff, (size_t)n);
		sig.len = (size_t)n;
	} else if ((rc = key_sign(k, evp, o->rsa_pss, tbs.p, tbs.len, &sig)) != TK_OK) {
		goto out;
	}
	if (sig.len > INT32_MAX || ASN1_STRING_set(CMS_SignerInfo_get0_signature(si), sig.p, (int)sig.len) != 1) {
		rc = tk_fail_ossl("cms: setting the signature value");
		goto out;
	}
	der.len = 0;
	if ((rc = encode(cms, &der)) != TK_OK)
		goto out;
	if (!dummy && (rc = self_check(&tbs, &sig, signer, evp, o->rsa_pss)) != TK_OK)
		goto out;
	rc = buf_append(der_out, der.p, der.len);
out:
	CMS_ContentInfo_free(cms);
	buf_free(&der);
	buf_free(&tbs);
	buf_free(&sig);
	return rc;
}

enum tk_err cms_sign_digest(const struct key *k, X509 *signer, X509 *const *chain, size_t nchain, enum cms_md md,
    const uint8_t *digest, size_t digest_len, const struct cms_sign_opts *opts, struct buf *der_out)
{
	return build(k, signer, chain, nchain, md, digest, digest_len, opts, 0, der_out);
}

enum tk_err cms_sign_stream(const struct key *k, X509 *signer, X509 *const *chain, size_t nchain, enum cms_md md,
    cms_read_fn next, void *arg, const struct cms_sign_opts *opts, struct buf *der_out)
{
	uint8_t d[CMS_MAX_DIGEST];
	size_t dlen = 0;
	enum tk_err rc;

	if ((rc = cms_digest_stream(md, next, arg, d, &dlen)) != TK_OK)
		return rc;
	return cms_sign_digest(k, signer, chain, nchain, md, d, dlen, opts, der_out);
}

enum tk_err cms_sign_detached(const struct key *k, X509 *signer, X509 *const *chain, size_t nchain, enum cms_md md,
    const uint8_t *content, size_t len, const struct cms_sign_opts *opts, struct buf *der_out)
{
	uint8_t d[CMS_MAX_DIGEST];
	size_t dlen = 0;
	enum tk_err rc;

	if (content == NULL && len > 0)
		return tk_fail(TK_ERR_INVALID, "cms: no content");
	if ((rc = cms_digest(md, content ? content : (const uint8_t *)"", len, d, &dlen)) != TK_OK)
		return rc;
	return cms_sign_digest(k, signer, chain, nchain, md, d, dlen, opts, der_out);
}

enum tk_err cms_estimate_size(const struct key *k, X509 *signer, X509 *const *chain, size_t nchain, enum cms_md md,
    const struct cms_sign_opts *opts, size_t ts_token_bytes, size_t revocation_bytes, size_t *out)
{
	uint8_t zero[CMS_MAX_DIGEST] = { 0 };
	struct buf b;
	size_t n;
	enum tk_err rc;

	buf_init(&b, CMS_MAX_BYTES);
	if ((rc = build(k, signer, chain, nchain, md, zero, cms_md_size(md), opts, 1, &b)) != TK_OK)
		goto out;
	rc = TK_ERR_LIMIT;
	if (ts_token_bytes > CMS_MAX_TOKEN_BYTES) {
		rc = tk_fail(TK_ERR_LIMIT, "cms: timestamp room of %zu bytes exceeds the limit of %u", ts_token_bytes,
		    CMS_MAX_TOKEN_BYTES);
		goto out;
	}
	n = b.len;
	if (ts_token_bytes > 0)
		n += ts_token_bytes + CMS_TS_ATTR_OVERHEAD;
	if (revocation_bytes > 0) {
		if (revocation_bytes > CMS_MAX_BYTES) {
			rc = tk_fail(TK_ERR_LIMIT, "cms: revocation room of %zu bytes exceeds the limit of %u",
			    revocation_bytes, CMS_MAX_BYTES);
			goto out;
		}
		n += revocation_bytes + CMS_REVOCATION_OVERHEAD;
	}
	if (n > CMS_MAX_BYTES) {
		rc = tk_fail(TK_ERR_LIMIT, "cms: estimated %zu bytes exceed the limit of %u", n, CMS_MAX_BYTES);
		goto out;
	}
	*out = n;
	rc = TK_OK;
out:
	buf_free(&b);
	return rc;
}

/*
 * CRL building (RFC 5280 5.1). OpenSSL's X509_CRL keeps every entry as a
 * tree of small allocations (~500 bytes each), too much for million-entry
 * CRLs, so the revoked list is streamed into DER here. Only framing is
 * ours: names, times, algorithm identifiers and signatures come from OpenSSL.
 *
 *   CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm, signatureValue BIT STRING }
 *   TBSCertList ::= SEQUENCE { version INTEGER (v2), signature AlgorithmIdentifier, issuer Name,
 *       thisUpdate Time, nextUpdate Time OPTIONAL,
 *       revokedCertificates SEQUENCE OF SEQUENCE { userCertificate CertificateSerialNumber,
 *           revocationDate Time, crlEntryExtensions Extensions OPTIONAL } OPTIONAL,
 *       crlExtensions [0] EXPLICIT Extensions OPTIONAL }
 */
#include "x509/x509.h"

#include <openssl/core_names.h>
#include <openssl/x509v3.h>
#include <string.h>

#define TAG_INTEGER 0x02
#define TAG_BITSTRING 0x03
#define TAG_OCTETSTRING 0x04
#define TAG_OID 0x06
#define TAG_ENUMERATED 0x0a
#define TAG_UTCTIME 0x17
#define TAG_GENTIME 0x18
#define TAG_SEQ 0x30
#define TAG_CTX0 0xa0

/* Time ::= UTCTime (1950..2049) | GeneralizedTime (RFC 5280 5.1.2.4). */
static enum tk_err put_time(struct buf *b, int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;
	char s[20];
	size_t n;

	gmtime_r(&tt, &tm);
	if (tm.tm_year + 1900 >= 1950 && tm.tm_year + 1900 < 2050) {
		n = strftime(s, sizeof(s), "%y%m%d%H%M%SZ", &tm);
		return der_put_tlv(b, TAG_UTCTIME, (const uint8_t *)s, n);
	}
	n = strftime(s, sizeof(s), "%Y%m%d%H%M%SZ", &tm);
	return der_put_tlv(b, TAG_GENTIME, (const uint8_t *)s, n);
}

/* INTEGER from big-endian magnitude bytes (non-negative). */
static enum tk_err put_uint(struct buf *b, const uint8_t *p, size_t len)
{
	enum tk_err rc;

	while (len > 1 && p[0] == 0) {
		p++;
		len--;
	}
	if (len == 0)
		return der_put_tlv(b, TAG_INTEGER, (const uint8_t *)"\0", 1);
	if (p[0] & 0x80) {
		if ((rc = der_put_header(b, TAG_INTEGER, len + 1)) != TK_OK || (rc = buf_putc(b, 0)) != TK_OK)
			return rc;
		return buf_append(b, p, len);
	}
	return der_put_tlv(b, TAG_INTEGER, p, len);
}

static enum tk_err put_entry(struct buf *b, const struct x509_crl_entry *e)
{
	/* reasonCode (2.5.29.21) extension with ENUMERATED value */
	static const uint8_t reason_ext_head[] = { 0x30, 0x0c, 0x30, 0x0a, 0x06, 0x03, 0x55, 0x1d, 0x15, 0x04, 0x03, 0x0a, 0x01 };
	struct buf tmp;
	uint8_t small[64];
	enum tk_err rc;

	/* RFC 5280 5.3.1 reasons (7 is unused; removeFromCRL belongs to delta CRLs). */
	if (e->reason < 0 || e->reason > 10 || e->reason == 7 || e->reason == 8)
		return tk_fail(TK_ERR_INVALID, "crl: RFC 5280 5.3.1: invalid reason code %d", e->reason);
	{
		size_t z = 0;
		while (z < e->serial_len && z < sizeof(e->serial) && e->serial[z] == 0)
			z++;
		if (e->serial_len == 0 || e->serial_len > sizeof(e->serial) || e->serial_len - z > 20)
			return tk_fail(TK_ERR_INVALID, "crl: RFC 5280 4.1.2.2: serial of %zu octets", e->serial_len);
	}
	/* Entries are small: frame them in a small scratch buffer. */
	buf_init(&tmp, sizeof(small) * 2);
	rc = put_uint(&tmp, e->serial, e->serial_len);
	if (rc == TK_OK)
		rc = put_time(&tmp, e->revoked_at);
	if (rc == TK_OK && e->reason > 0) {
		rc = buf_append(&tmp, reason_ext_head, sizeof(reason_ext_head));
		if (rc == TK_OK)
			rc = buf_putc(&tmp, (uint8_t)e->reason);
	}
	if (rc == TK_OK)
		rc = der_put_tlv(b, TAG_SEQ, tmp.p, tmp.len);
	buf_free(&tmp);
	return rc;
}

/* Extension ::= SEQUENCE { extnID, extnValue OCTET STRING } (not critical). */
static enum tk_err put_ext(struct buf *b, const uint8_t *oid, size_t oidlen, const uint8_t *val, size_t vlen)
{
	struct buf in;
	enum tk_err rc;

	buf_init(&in, 4096);
	rc = der_put_tlv(&in, TAG_OID, oid, oidlen);
	if (rc == TK_OK)
		rc = der_put_tlv(&in, TAG_OCTETSTRING, val, vlen);
	if (rc == TK_OK)
		rc = der_put_tlv(b, TAG_SEQ, in.p, in.len);
	buf_free(&in);
	return rc;
}

static enum tk_err put_crl_exts(struct buf *b, X509 *issuer, uint64_t crl_number)
{
	static const uint8_t oid_aki[] = { 0x55, 0x1d, 0x23 };
	static const uint8_t oid_crlnum[] = { 0x55, 0x1d, 0x14 };
	const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(issuer);
	struct buf aki, num, exts;
	uint8_t nb[8];
	size_t i;
	enum tk_err rc;

	if (ski == NULL)
		return tk_fail(TK_ERR_INVALID, "crl: issuer certificate has no subjectKeyIdentifier");
	buf_init(&aki, 256);
	buf_init(&num, 32);
	buf_init(&exts, 1024);
	/* AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING } */
	rc = der_put_header(&aki, TAG_SEQ, (size_t)ASN1_STRING_length(ski) + 2);
	if (rc == TK_OK)
		rc = der_put_tlv(&aki, 0x80, ASN1_STRING_get0_data(ski), (size_t)ASN1_STRING_length(ski));
	for (i = 0; i < 8; i++)
		nb[i] = (uint8_t)(crl_number >> (56 - 8 * i));
	if (rc == TK_OK)
		rc = put_uint(&num, nb, 8);
	if (rc == TK_OK) {
		struct buf seq;
		buf_init(&seq, 1024);
		rc = put_ext(&seq, oid_aki, sizeof(oid_aki), aki.p, aki.len);
		if (rc == TK_OK)
			rc = put_ext(&seq, oid_crlnum, sizeof(oid_crlnum), num.p, num.len);
		if (rc == TK_OK)
			rc = der_put_tlv(&exts, TAG_SEQ, seq.p, seq.len);
		buf_free(&seq);
	}
	if (rc == TK_OK)
		rc = der_put_tlv(b, TAG_CTX0, exts.p, exts.len);
	buf_free(&aki);
	buf_free(&num);
	buf_free(&exts);
	return rc;
}

enum tk_err x509_crl_build(X509 *issuer, const struct key *k, const char *digest, uint64_t crl_number,
    int64_t this_update, int64_t next_update, x509_crl_next_fn next, void *arg, struct buf *out)
{
	EVP_MD_CTX *mctx = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	const EVP_MD *md = EVP_get_digestbyname(digest);
	uint8_t algid[256];
	size_t algid_len = 0, siglen = 0, count = 0;
	unsigned char *name_der = NULL;
	int name_len;
	struct buf revoked, head, tbs, sig, tail;
	OSSL_PARAM params[2];
	enum tk_err rc;

	buf_init(&revoked, (size_t)1 << 31);
	buf_init(&head, 64 * 1024);
	buf_init(&tbs, (size_t)1 << 31);
	buf_init(&sig, 4096);
	buf_init(&tail, 8192);
	if (md == NULL) {
		rc = tk_fail(TK_ERR_INVALID, "crl: unknown digest %s", digest);
		goto out;
	}
	mctx = EVP_MD_CTX_new();
	if (mctx == NULL || EVP_DigestSignInit(mctx, &pctx, md, NULL, key_pkey(k)) != 1) {
		rc = tk_fail_ossl("crl: sign init");
		goto out;
	}
	/* The AlgorithmIdentifier matching this key and digest, from the provider. */
	params[0] = OSSL_PARAM_construct_octet_string(OSSL_SIGNATURE_PARAM_ALGORITHM_ID, algid, sizeof(algid));
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_PKEY_CTX_get_params(pctx, params) != 1 || !OSSL_PARAM_modified(&params[0])) {
		rc = tk_fail_ossl("crl: signature algorithm identifier");
		goto out;
	}
	algid_len = params[0].return_size;

	for (;;) {
		struct x509_crl_entry e;
		int has = 0;
		memset(&e, 0, sizeof(e));
		if ((rc = next(arg, &e, &has)) != TK_OK)
			goto out;
		if (!has)
			break;
		if ((rc = put_entry(&revoked, &e)) != TK_OK)
			goto out;
		count++;
	}

	/* version v2, signature, issuer, thisUpdate, nextUpdate */
	name_len = i2d_X509_NAME(X509_get_subject_name(issuer), &name_der);
	if (name_len <= 0) {
		rc = tk_fail_ossl("crl: issuer name");
		goto out;
	}
	if ((rc = der_put_tlv(&head, TAG_INTEGER, (const uint8_t *)"\x01", 1)) != TK_OK ||
	    (rc = buf_append(&head, algid, algid_len)) != TK_OK ||
	    (rc = buf_append(&head, name_der, (size_t)name_len)) != TK_OK ||
	    (rc = put_time(&head, this_update)) != TK_OK ||
	    (rc = put_time(&head, next_update)) != TK_OK)
		goto out;
	if ((rc = put_crl_exts(&tail, issuer, crl_number)) != TK_OK)
		goto out;
	{
		/* revokedCertificates is left out when empty (RFC 5280 5.1.2.6). */
		struct buf rh;
		size_t body;
		buf_init(&rh, 16);
		if (count > 0 && (rc = der_put_header(&rh, TAG_SEQ, revoked.len)) != TK_OK) {
			buf_free(&rh);
			goto out;
		}
		body = head.len + rh.len + (count > 0 ? revoked.len : 0) + tail.len;
		if ((rc = buf_reserve(&tbs, body + 16)) != TK_OK || (rc = der_put_header(&tbs, TAG_SEQ, body)) != TK_OK ||
		    (rc = buf_append(&tbs, head.p, head.len)) != TK_OK || (rc = buf_append(&tbs, rh.p, rh.len)) != TK_OK ||
		    (count > 0 && (rc = buf_append(&tbs, revoked.p, revoked.len)) != TK_OK) ||
		    (rc = buf_append(&tbs, tail.p, tail.len)) != TK_OK) {
			buf_free(&rh);
			goto out;
		}
		buf_free(&rh);
		buf_free(&revoked);
	}

	if (EVP_DigestSign(mctx, NULL, &siglen, tbs.p, tbs.len) != 1 || (rc = buf_reserve(&sig, siglen + 1)) != TK_OK) {
		rc = tk_fail_ossl("crl: sign");
		goto out;
	}
	sig.p[0] = 0; /* BIT STRING: no unused bits */
	if (EVP_DigestSign(mctx, sig.p + 1, &siglen, tbs.p, tbs.len) != 1) {
		rc = tk_fail_ossl("crl: sign");
		goto out;
	}
	sig.len = siglen + 1;
	buf_reset(&tail);
	if ((rc = buf_append(&tail, algid, algid_len)) != TK_OK ||
	    (rc = der_put_tlv(&tail, TAG_BITSTRING, sig.p, sig.len)) != TK_OK)
		goto out;
	if ((rc = buf_reserve(out, tbs.len + tail.len + 16)) != TK_OK ||
	    (rc = der_put_header(out, TAG_SEQ, tbs.len + tail.len)) != TK_OK ||
	    (rc = buf_append(out, tbs.p, tbs.len)) != TK_OK || (rc = buf_append(out, tail.p, tail.len)) != TK_OK)
		goto out;
	rc = TK_OK;
out:
	OPENSSL_free(name_der);
	EVP_MD_CTX_free(mctx);
	buf_free(&revoked);
	buf_free(&head);
	buf_free(&tbs);
	buf_free(&sig);
	buf_free(&tail);
	return rc;
}

/* OCSP requests (strict parsing) and responses (signed or error) on OpenSSL. */
#include "ocsp/ocsp.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <stdlib.h>
#include <string.h>

struct ocsp_req {
	OCSP_REQUEST *req;
	size_t n;
	struct ocsp_certid ids[MAX_OCSP_REQ_CERTS];
	OCSP_CERTID *cid[MAX_OCSP_REQ_CERTS]; /* owned by req */
	int has_nonce;
};

struct ocsp_signer {
	struct key *k;
	X509 *cert;
	X509 *issuer;
	EVP_MD *md;
};

/* AlgorithmIdentifier {OID, NULL} of SHA-1 and SHA-256, as OpenSSL's OCSP_cert_id_new() writes them. */
static const uint8_t alg_sha1_null[] = { 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00 };
static const uint8_t alg_sha256_null[] = { 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
	0x05, 0x00 };

void ocsp_req_free(struct ocsp_req *r)
{
	if (r == NULL)
		return;
	OCSP_REQUEST_free(r->req);
	free(r);
}

size_t ocsp_req_count(const struct ocsp_req *r)
{
	return r->n;
}

const struct ocsp_certid *ocsp_req_certid(const struct ocsp_req *r, size_t i)
{
	return i < r->n ? &r->ids[i] : NULL;
}

int ocsp_req_has_nonce(const struct ocsp_req *r)
{
	return r->has_nonce;
}

/*
 * TBSRequest version: DEFAULT v1, so absent in DER; an explicit v1 is
 * tolerated (common), anything else is refused (RFC 6960 4.1.2).
 */
static enum tk_err check_version(const uint8_t *p, size_t len)
{
	const uint8_t *v, *tbs, *iv;
	size_t vlen, total, tlen, ivlen;
	uint8_t tag;
	enum tk_err rc;

	if ((rc = der_read(p, len, &tag, &v, &vlen, &total)) != TK_OK)
		return rc;
	if ((rc = der_read(v, vlen, &tag, &tbs, &tlen, &total)) != TK_OK)
		return rc;
	if (tag != 0x30)
		return tk_fail(TK_ERR_INVALID, "ocsp: RFC 6960 4.1.1: tbsRequest is not a SEQUENCE");
	if (tlen < 2 || tbs[0] != 0xa0)
		return TK_OK;
	if ((rc = der_read(tbs, tlen, &tag, &v, &vlen, &total)) != TK_OK ||
	    (rc = der_read(v, vlen, &tag, &iv, &ivlen, &total)) != TK_OK)
		return rc;
	if (tag != 0x02 || ivlen != 1 || iv[0] != 0)
		return tk_fail(TK_ERR_INVALID, "ocsp: RFC 6960 4.1.2: unsupported request version (only v1)");
	return TK_OK;
}

/* Nonce length per RFC 8954 2.1: the OCTET STRING inside extnValue, or extnValue itself when not wrapped. */
static enum tk_err check_nonce(X509_EXTENSION *ext)
{
	const ASN1_OCTET_STRING *os = X509_EXTENSION_get_data(ext);
	const uint8_t *p = ASN1_STRING_get0_data(os), *v;
	size_t len = (size_t)ASN1_STRING_length(os), vlen, total, n = len;
	uint8_t tag;

	if (len >= 2 && der_read(p, len, &tag, &v, &vlen, &total) == TK_OK && tag == 0x04 && total == len)
		n = vlen;
	else
		tk_clear_error();
	if (n < 1 || n > MAX_OCSP_NONCE_BYTES)
		return tk_fail(TK_ERR_INVALID, "ocsp: RFC 8954 2.1: nonce of %zu bytes (1 to %u allowed)", n,
		    MAX_OCSP_NONCE_BYTES);
	return TK_OK;
}

static enum tk_err read_certid(OCSP_CERTID *cid, struct ocsp_certid *out)
{
	ASN1_OCTET_STRING *nh = NULL, *kh = NULL;
	ASN1_OBJECT *md = NULL;
	ASN1_INTEGER *serial = NULL;
	unsigned char *der = NULL;
	const uint8_t *v, *alg;
	size_t vlen, total, alen;
	uint8_t tag;
	int n, nid;
	enum tk_err rc = TK_OK;

	memset(out, 0, sizeof(*out));
	if (!OCSP_id_get0_info(&nh, &md, &kh, &serial, cid))
		return tk_fail(TK_ERR_INVALID, "ocsp: RFC 6960 4.1.1: unreadable CertID");
	nid = OBJ_obj2nid(md);
	out->hash = nid == NID_sha1 ? OCSP_HASH_SHA1 : nid == NID_sha256 ? OCSP_HASH_SHA256
									 : OCSP_HASH_OTHER;
	if ((size_t)ASN1_STRING_length(nh) <= sizeof(out->name_hash) &&
	    (size_t)ASN1_STRING_length(kh) <= sizeof(out->key_hash)) {
		out->name_hash_len = (size_t)ASN1_STRING_length(nh);
		memcpy(out->name_hash, ASN1_STRING_get0_data(nh), out->name_hash_len);
		out->key_hash_len = (size_t)ASN1_STRING_length(kh);
		memcpy(out->key_hash, ASN1_STRING_get0_data(kh), out->key_hash_len);
	} else {
		out->hash = OCSP_HASH_OTHER;
	}
	if (ASN1_STRING_type(serial) == V_ASN1_INTEGER && ASN1_STRING_length(serial) > 0 &&
	    (size_t)ASN1_STRING_length(serial) <= sizeof(out->serial)) {
		out->serial_len = (size_t)ASN1_STRING_length(serial);
		memcpy(out->serial, ASN1_STRING_get0_data(serial), out->serial_len);
	}
	/* Our stored responses carry {OID, NULL}; another encoding of the same
	 * algorithm is answered on demand so the CertID echoes byte for byte. */
	if ((n = i2d_OCSP_CERTID(cid, &der)) <= 0)
		return tk_fail_ossl("ocsp: CertID encoding");
	if (der_read(der, (size_t)n, &tag, &v, &vlen, &total) == TK_OK &&
	    der_read(v, vlen, &tag, &alg, &alen, &total) == TK_OK) {
		/* v starts the AlgorithmIdentifier TLV, total bytes long. */
		(void)alg;
		(void)alen;
		out->canonical_alg = (out->hash == OCSP_HASH_SHA1 && total == sizeof(alg_sha1_null) &&
					 memcmp(v, alg_sha1_null, total) == 0) ||
				     (out->hash == OCSP_HASH_SHA256 && total == sizeof(alg_sha256_null) &&
					 memcmp(v, alg_sha256_null, total) == 0);
	} else {
		rc = tk_wrap(TK_ERR_INVALID, "ocsp: CertID");
	}
	OPENSSL_free(der);
	return rc;
}

enum tk_err ocsp_req_parse(const uint8_t *p, size_t len, struct ocsp_req **out)
{
	struct ocsp_req *r = NULL;
	const unsigned char *q = p;
	unsigned char *re = NULL;
	const uint8_t *v;
	size_t vlen, total, i;
	uint8_t tag;
	int n, k, cnt;
	enum tk_err rc;

	*out = NULL;
	if (len == 0)
		return tk_fail(TK_ERR_INVALID, "ocsp: RFC 6960 4.1.1: empty request");
	if (len > MAX_OCSP_REQ_BYTES)
		return tk_fail(TK_ERR_LIMIT, "ocsp: request of %zu bytes exceeds the limit of %u", len, MAX_OCSP_REQ_BYTES);
	if ((rc = der_read(p, len, &tag, &v, &vlen, &total)) != TK_OK)
		return tk_wrap(rc, "ocsp: request");
	if (tag != 0x30 || total != len)
		return tk_fail(TK_ERR_INVALID, "ocsp: RFC 6960 4.1.1: request is not one DER SEQUENCE (%zu trailing bytes)",
		    len - total);
	if ((rc = check_version(p, len)) != TK_OK)
		return rc;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return tk_fail(TK_ERR_NOMEM, "ocsp: out of memory");
	r->req = d2i_OCSP_REQUEST(NULL, &q, (long)len);
	if (r->req == NULL || q != p + len) {
		rc = tk_fail(TK_ERR_INVALID, "ocsp: RFC 6960 4.1.1: request does not decode as OCSPRequest");
		goto out;
	}
	/* Only canonical DER: what we echo and what we hash must be what was sent. */
	n = i2d_OCSP_REQUEST(r->req, &re);
	if (n <= 0 || (size_t)n != len || memcmp(re, p, len) != 0) {
		rc = tk_fail(TK_ERR_INVALID, "ocsp: X.690 10: request is not in canonical DER");
		goto out;
	}
	cnt = OCSP_request_onereq_count(r->req);
	if (cnt < 1 || (size_t)cnt > MAX_OCSP_REQ_CERTS) {
		rc = tk_fail(cnt < 1 ? TK_ERR_INVALID : TK_ERR_LIMIT, "ocsp: RFC 6960 4.1.1: %d certificates in requestList (1 to %u)",
		    cnt, MAX_OCSP_REQ_CERTS);
		goto out;
	}
	for (i = 0; i < (size_t)cnt; i++) {
		OCSP_ONEREQ *one = OCSP_request_onereq_get0(r->req, (int)i);
		for (k = 0; k < OCSP_ONEREQ_get_ext_count(one); k++)
			if (X509_EXTENSION_get_critical(OCSP_ONEREQ_get_ext(one, k))) {
				rc = tk_fail(TK_ERR_INVALID, "ocsp: RFC 6960 4.4: unsupported critical singleRequestExtension");
				goto out;
			}
		r->cid[i] = OCSP_onereq_get0_id(one);
		if ((rc = read_certid(r->cid[i], &r->ids[i])) != TK_OK)
			goto out;
	}
	r->n = (size_t)cnt;
	for (k = 0; k < OCSP_REQUEST_get_ext_count(r->req); k++) {
		X509_EXTENSION *ext = OCSP_REQUEST_get_ext(r->req, k);
		int nid = OBJ_obj2nid(X509_EXTENSION_get_object(ext));
		if (nid == NID_id_pkix_OCSP_Nonce) {
			if (r->has_nonce) {
				rc = tk_fail(TK_ERR_INVALID, "ocsp: RFC 6960 4.4.1: more than one nonce");
				goto out;
			}
			if ((rc = check_nonce(ext)) != TK_OK)
				goto out;
			r->has_nonce = 1;
		} else if (X509_EXTENSION_get_critical(ext)) {
			rc = tk_fail(TK_ERR_INVALID, "ocsp: RFC 6960 4.4: unsupported critical requestExtension");
			goto out;
		}
	}
	*out = r;
	r = NULL;
	rc = TK_OK;
out:
	OPENSSL_free(re);
	ocsp_req_free(r);
	return rc;
}

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-' || c == ' ')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

enum tk_err ocsp_b64_decode(const char *s, size_t len, struct buf *out)
{
	uint32_t acc = 0;
	size_t i, data = 0, pad = 0;
	unsigned bits = 0;
	enum tk_err rc;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		int v;
		if (c == '=') {
			pad++;
			continue;
		}
		if (pad != 0 || (v = b64_value(c)) < 0)
			return tk_fail(TK_ERR_INVALID, "ocsp: RFC 6960 A.1: bad base64 in GET request at offset %zu", i);
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		data++;
		if (bits >= 8) {
			bits -= 8;
			if ((rc = buf_putc(out, (uint8_t)(acc >> bits))) != TK_OK)
				return rc;
			acc &= (1u << bits) - 1;
		}
	}
	/* A lone sextet, too much padding, or stray low bits: not base64 of anything. */
	if (data % 4 == 1 || pad > 2 || (pad != 0 && (data + pad) % 4 != 0) || acc != 0)
		return tk_fail(TK_ERR_INVALID, "ocsp: RFC 6960 A.1: bad base64 length or padding in GET request");
	return TK_OK;
}

static enum tk_err digest(const EVP_MD *md, const void *p, size_t len, uint8_t *out, size_t outlen)
{
	unsigned int n = 0;

	if (!EVP_Digest(p, len, out, &n, md, NULL) || n != outlen)
		return tk_fail_ossl("ocsp: issuer hash");
	return TK_OK;
}

enum tk_err ocsp_issuer_hashes(X509 *issuer, struct ocsp_issuer *out)
{
	const unsigned char *name = NULL;
	size_t nlen = 0;
	const ASN1_BIT_STRING *key = X509_get0_pubkey_bitstr(issuer);
	enum tk_err rc;

	if (key == NULL || !X509_NAME_get0_der(X509_get_subject_name(issuer), &name, &nlen))
		return tk_fail_ossl("ocsp: issuer name or key");
	if ((rc = digest(EVP_sha1(), name, nlen, out->name_sha1, 20)) != TK_OK ||
	    (rc = digest(EVP_sha1(), key->data, (size_t)key->length, out->key_sha1, 20)) != TK_OK ||
	    (rc = digest(EVP_sha256(), name, nlen, out->name_sha256, 32)) != TK_OK)
		return rc;
	return digest(EVP_sha256(), key->data, (size_t)key->length, out->key_sha256, 32);
}

int ocsp_certid_matches(const struct ocsp_certid *id, const struct ocsp_issuer *is)
{
	switch (id->hash) {
	case OCSP_HASH_SHA1:
		return id->name_hash_len == 20 && id->key_hash_len == 20 && memcmp(id->name_hash, is->name_sha1, 20) == 0 &&
		       memcmp(id->key_hash, is->key_sha1, 20) == 0;
	case OCSP_HASH_SHA256:
		return id->name_hash_len == 32 && id->key_hash_len == 32 && memcmp(id->name_hash, is->name_sha256, 32) == 0 &&
		       memcmp(id->key_hash, is->key_sha256, 32) == 0;
	case OCSP_HASH_OTHER:
		break;
	}
	return 0;
}

enum tk_err ocsp_signer_new(struct key *k, X509 *signer_cert, X509 *issuer, const char *digest_name,
    struct ocsp_signer **out)
{
	struct ocsp_signer *s;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return tk_fail(TK_ERR_NOMEM, "ocsp: out of memory");
	if ((s->md = EVP_MD_fetch(NULL, digest_name, NULL)) == NULL) {
		free(s);
		return tk_fail_ossl("ocsp: digest %s", digest_name);
	}
	if (X509_check_private_key(signer_cert, key_pkey(k)) != 1) {
		EVP_MD_free(s->md);
		free(s);
		return tk_fail(TK_ERR_CRYPTO, "ocsp: the OCSP signing key does not match its certificate");
	}
	X509_up_ref(signer_cert);
	X509_up_ref(issuer);
	s->k = key_ref(k);
	s->cert = signer_cert;
	s->issuer = issuer;
	*out = s;
	return TK_OK;
}

void ocsp_signer_free(struct ocsp_signer *s)
{
	if (s == NULL)
		return;
	key_free(s->k);
	X509_free(s->cert);
	X509_free(s->issuer);
	EVP_MD_free(s->md);
	free(s);
}

/* Our CertID of a serial under the signer's issuer (caller frees). */
static enum tk_err own_certid(const struct ocsp_signer *s, const struct ocsp_single *it, OCSP_CERTID **out)
{
	ASN1_INTEGER *serial = ASN1_INTEGER_new();
	const EVP_MD *md = it->hash == OCSP_HASH_SHA256 ? EVP_sha256() : EVP_sha1();
	enum tk_err rc = TK_OK;

	if (it->hash == OCSP_HASH_OTHER || it->serial_len == 0 || it->serial_len > 32)
		rc = tk_fail(TK_ERR_INVALID, "ocsp: CertID needs SHA-1 or SHA-256 and a serial of 1 to 32 bytes");
	else if (serial == NULL || !ASN1_STRING_set(serial, it->serial, (int)it->serial_len) ||
		 (*out = OCSP_cert_id_new(md, X509_get_subject_name(s->issuer), X509_get0_pubkey_bitstr(s->issuer), serial)) == NULL)
		rc = tk_fail_ossl("ocsp: CertID");
	ASN1_INTEGER_free(serial);
	return rc;
}

/* RFC 5280 5.3.1 reasons that may appear (7 is unused; 0 is left out as in CRLs). */
static int reason_code(int r)
{
	return r >= 1 && r <= 10 && r != 7 ? r : OCSP_REVOKED_STATUS_NOSTATUS;
}

enum tk_err ocsp_resp_build(const struct ocsp_signer *s, const struct ocsp_single *items, size_t n,
    const struct ocsp_req *nonce_req, int64_t this_update, int64_t next_update, struct buf *out)
{
	OCSP_BASICRESP *bs = NULL;
	OCSP_RESPONSE *resp = NULL;
	ASN1_GENERALIZEDTIME *tu = NULL, *nu = NULL;
	unsigned char *der = NULL;
	size_t i;
	int len;
	enum tk_err rc;

	if (n == 0 || n > MAX_OCSP_REQ_CERTS)
		return tk_fail(TK_ERR_INVALID, "ocsp: %zu single responses (1 to %u)", n, MAX_OCSP_REQ_CERTS);
	ERR_clear_error(); /* see the check after signing */
	if ((bs = OCSP_BASICRESP_new()) == NULL || (tu = ASN1_GENERALIZEDTIME_set(NULL, (time_t)this_update)) == NULL ||
	    (nu = ASN1_GENERALIZEDTIME_set(NULL, (time_t)next_update)) == NULL) {
		rc = tk_fail_ossl("ocsp: response");
		goto out;
	}
	for (i = 0; i < n; i++) {
		const struct ocsp_single *it = &items[i];
		OCSP_CERTID *own = NULL, *cid;
		ASN1_GENERALIZEDTIME *rt = NULL;
		int ok;
		if (it->req != NULL) {
			if (it->req_index >= it->req->n) {
				rc = tk_fail(TK_ERR_INTERNAL, "ocsp: request index out of range");
				goto out;
			}
			cid = it->req->cid[it->req_index];
		} else {
			if ((rc = own_certid(s, it, &own)) != TK_OK)
				goto out;
			cid = own;
		}
		if (it->status == OCSP_CERT_REVOKED && (rt = ASN1_GENERALIZEDTIME_set(NULL, (time_t)it->revoked_at)) == NULL) {
			OCSP_CERTID_free(own);
			rc = tk_fail_ossl("ocsp: revocation time");
			goto out;
		}
		ok = OCSP_basic_add1_status(bs, cid,
			 it->status == OCSP_CERT_GOOD ? V_OCSP_CERTSTATUS_GOOD : it->status == OCSP_CERT_REVOKED ? V_OCSP_CERTSTATUS_REVOKED
														 : V_OCSP_CERTSTATUS_UNKNOWN,
			 it->status == OCSP_CERT_REVOKED ? reason_code(it->reason) : OCSP_REVOKED_STATUS_NOSTATUS, rt, tu, nu) != NULL;
		ASN1_TIME_free(rt);
		OCSP_CERTID_free(own);
		if (!ok) {
			rc = tk_fail_ossl("ocsp: single response");
			goto out;
		}
	}
	if (nonce_req != NULL && nonce_req->has_nonce && OCSP_copy_nonce(bs, nonce_req->req) != 1) {
		rc = tk_fail_ossl("ocsp: nonce");
		goto out;
	}
	/* Under allocation failure OpenSSL can report success with an empty
	 * signature, or sign after a failed encoding it only left in the error
	 * queue (found by the failing-allocation tests): check what we send. */
	if (!OCSP_basic_sign(bs, s->cert, key_pkey(s->k), s->md, NULL, OCSP_RESPID_KEY) ||
	    OCSP_resp_get0_signature(bs) == NULL || ASN1_STRING_length(OCSP_resp_get0_signature(bs)) <= 0 ||
	    ERR_peek_error() != 0) {
		rc = tk_fail_ossl("ocsp: signing the response");
		goto out;
	}
	if ((resp = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs)) == NULL ||
	    OCSP_response_status(resp) != OCSP_RESPONSE_STATUS_SUCCESSFUL || (len = i2d_OCSP_RESPONSE(resp, &der)) <= 0) {
		rc = tk_fail_ossl("ocsp: response encoding");
		goto out;
	}
	rc = buf_append(out, der, (size_t)len);
out:
	OPENSSL_free(der);
	OCSP_RESPONSE_free(resp);
	OCSP_BASICRESP_free(bs);
	ASN1_TIME_free(tu);
	ASN1_TIME_free(nu);
	return rc;
}

enum tk_err ocsp_resp_error(enum ocsp_resp_status st, struct buf *out)
{
	/* OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED } without responseBytes. */
	const uint8_t der[5] = { 0x30, 0x03, 0x0a, 0x01, (uint8_t)st };

	if (st == OCSP_ST_SUCCESSFUL || (int)st == 4 || (int)st > 6)
		return tk_fail(TK_ERR_INTERNAL, "ocsp: %d is not an error status", (int)st);
	return buf_append(out, der, sizeof(der));
}

/* RFC 3161 time-stamp responses: strict request checks, TS_RESP_CTX signing, rejections. */
#include "tsa/tsa.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/ts.h>
#include <stdlib.h>
#include <string.h>

#define TSA_SERIAL_RANDOM 16u /* 128 random bits per token serial */
#define TSA_TEXT_MAX 200u     /* statusString of a rejection */

struct tsa_signer {
	TS_RESP_CTX *ctx;
	struct key *k;
	int ncerts; /* certificates a certReq token carries: the TSA's and the chain */
};

/*
 * Token serials: 0x01 followed by 128 random bits, so the INTEGER is always
 * positive and 17 bytes long (RFC 3161 2.4.2 allows up to 160 bits). Random
 * serials need no coordination between nodes; a collision among 2^40
 * tokens has probability about 2^-49.
 */
static ASN1_INTEGER *serial_cb(TS_RESP_CTX *ctx, void *data)
{
	uint8_t r[1 + TSA_SERIAL_RANDOM];
	ASN1_INTEGER *s;

	(void)ctx;
	(void)data;
	r[0] = 0x01;
	if (rand_bytes(r + 1, TSA_SERIAL_RANDOM) != TK_OK)
		return NULL;
	if ((s = ASN1_INTEGER_new()) != NULL && !ASN1_STRING_set(s, r, (int)sizeof(r))) {
		ASN1_INTEGER_free(s);
		s = NULL;
	}
	return s;
}

static enum tk_err add_digests(TS_RESP_CTX *ctx, const char *list)
{
	char name[16];
	const char *p = list, *e;
	size_t n, count = 0;

	while (*p) {
		const EVP_MD *md;
		while (*p == ' ' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		for (e = p; *e && *e != ',' && *e != ' '; e++)
			;
		n = (size_t)(e - p);
		if (n >= sizeof(name))
			return tk_fail(TK_ERR_INVALID, "tsa: unknown digest in [tsa] digests");
		memcpy(name, p, n);
		name[n] = '\0';
		if (strcmp(name, "sha1") && strcmp(name, "sha256") && strcmp(name, "sha384") && strcmp(name, "sha512"))
			return tk_fail(TK_ERR_INVALID, "tsa: [tsa] digests: '%s' is not one of sha256, sha384, sha512, sha1", name);
		if ((md = EVP_get_digestbyname(name)) == NULL || !TS_RESP_CTX_add_md(ctx, md))
			return tk_fail_ossl("tsa: digest %s", name);
		count++;
		p = e;
	}
	if (count == 0)
		return tk_fail(TK_ERR_INVALID, "tsa: [tsa] digests lists no digest");
	return TK_OK;
}

enum tk_err tsa_signer_new(const struct tsa_settings *set, struct key *k, X509 *cert, STACK_OF(X509) *chain,
    struct tsa_signer **out)
{
	struct tsa_signer *s = NULL;
	ASN1_OBJECT *policy = NULL;
	const EVP_MD *smd;
	enum tk_err rc;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return tk_fail(TK_ERR_NOMEM, "tsa: out of memory");
	if ((s->ctx = TS_RESP_CTX_new()) == NULL) {
		rc = tk_fail_ossl("tsa: context");
		goto out;
	}
	/* OpenSSL refuses a signer without the critical timeStamping EKU (RFC 3161 2.3). */
	if (!TS_RESP_CTX_set_signer_cert(s->ctx, cert)) {
		rc = tk_fail_ossl("tsa: the TSA certificate is not usable for time stamping (RFC 3161 2.3)");
		goto out;
	}
	if (X509_check_private_key(cert, key_pkey(k)) != 1) {
		rc = tk_fail(TK_ERR_CRYPTO, "tsa: the TSA key does not match its certificate");
		goto out;
	}
	if (!TS_RESP_CTX_set_signer_key(s->ctx, key_pkey(k))) {
		rc = tk_fail_ossl("tsa: key");
		goto out;
	}
	if ((smd = EVP_get_digestbyname(set->sign_digest)) == NULL || !TS_RESP_CTX_set_signer_digest(s->ctx, smd) ||
	    !TS_RESP_CTX_set_ess_cert_id_digest(s->ctx, EVP_sha256())) {
		rc = tk_fail_ossl("tsa: digest %s", set->sign_digest);
		goto out;
	}
	if ((policy = OBJ_txt2obj(set->policy_oid, 1)) == NULL) {
		rc = tk_fail(TK_ERR_INVALID, "tsa: policy OID '%s' is not a dotted OID", set->policy_oid);
		goto out;
	}
	if (!TS_RESP_CTX_set_def_policy(s->ctx, policy)) {
		rc = tk_fail_ossl("tsa: policy");
		goto out;
	}
	if ((rc = add_digests(s->ctx, set->digests)) != TK_OK)
		goto out;
	if ((set->accuracy_s || set->accuracy_ms) && !TS_RESP_CTX_set_accuracy(s->ctx, (int)set->accuracy_s, (int)set->accuracy_ms, 0)) {
		rc = tk_fail_ossl("tsa: accuracy");
		goto out;
	}
	if (chain != NULL && !TS_RESP_CTX_set_certs(s->ctx, chain)) {
		rc = tk_fail_ossl("tsa: certificate chain");
		goto out;
	}
	s->ncerts = 1 + (chain != NULL ? sk_X509_num(chain) : 0);
	TS_RESP_CTX_add_flags(s->ctx, TS_TSA_NAME);
	TS_RESP_CTX_set_serial_cb(s->ctx, serial_cb, NULL);
	s->k = key_ref(k);
	*out = s;
	s = NULL;
	rc = TK_OK;
out:
	ASN1_OBJECT_free(policy);
	tsa_signer_free(s);
	return rc;
}

void tsa_signer_free(struct tsa_signer *s)
{
	if (s == NULL)
		return;
	TS_RESP_CTX_free(s->ctx);
	key_free(s->k);
	free(s);
}

/* tsa_req_check(), also telling whether the request sets certReq. */
static enum tk_err req_check(const uint8_t *p, size_t len, enum tsa_fail *fail, int *cert_req)
{
	const unsigned char *q = p;
	unsigned char *re = NULL;
	const uint8_t *v;
	size_t vlen, total;
	uint8_t tag;
	TS_REQ *req = NULL;
	int n;
	enum tk_err rc;

	*fail = TSA_FAIL_BAD_DATA_FORMAT;
	if (len == 0)
		return tk_fail(TK_ERR_INVALID, "tsa: RFC 3161 2.4.1: empty request");
	if (len > MAX_TSA_REQ_BYTES)
		return tk_fail(TK_ERR_LIMIT, "tsa: request of %zu bytes exceeds the limit of %u", len, MAX_TSA_REQ_BYTES);
	if ((rc = der_read(p, len, &tag, &v, &vlen, &total)) != TK_OK)
		return tk_wrap(rc, "tsa: request");
	if (tag != 0x30 || total != len)
		return tk_fail(TK_ERR_INVALID, "tsa: RFC 3161 2.4.1: request is not one DER SEQUENCE (%zu trailing bytes)",
		    len - total);
	req = d2i_TS_REQ(NULL, &q, (long)len);
	if (req == NULL || q != p + len) {
		rc = tk_fail(TK_ERR_INVALID, "tsa: RFC 3161 2.4.1: request does not decode as TimeStampReq");
		goto out;
	}
	n = i2d_TS_REQ(req, &re);
	if (n <= 0 || (size_t)n != len || memcmp(re, p, len) != 0) {
		rc = tk_fail(TK_ERR_INVALID, "tsa: X.690 10: request is not in canonical DER");
		goto out;
	}
	*cert_req = TS_REQ_get_cert_req(req);
	rc = TK_OK;
out:
	OPENSSL_free(re);
	TS_REQ_free(req);
	return rc;
}

enum tk_err tsa_req_check(const uint8_t *p, size_t len, enum tsa_fail *fail)
{
	int cert_req = 0;

	return req_check(p, len, fail, &cert_req);
}

/*
 * OpenSSL ignores some failures while it builds a token (adding the
 * certificates, for one) and can leave an empty status INTEGER that is
 * sent as "granted"; the failing-allocation test found both. So a grant
 * goes out only with a known status, a token with one non-empty
 * signature, and every certificate certReq asked for.
 */
static int response_sane(const struct tsa_signer *s, TS_RESP *resp, long status, int cert_req)
{
	PKCS7 *tok = TS_RESP_get_token(resp);
	STACK_OF(PKCS7_SIGNER_INFO) *sis;
	PKCS7_SIGNER_INFO *si;

	if (status < TS_STATUS_GRANTED || status > TS_STATUS_REVOCATION_NOTIFICATION)
		return 0;
	if (status != TS_STATUS_GRANTED && status != TS_STATUS_GRANTED_WITH_MODS)
		return 1;
	if (tok == NULL || TS_RESP_get_tst_info(resp) == NULL || !PKCS7_type_is_signed(tok) || tok->d.sign == NULL)
		return 0;
	sis = PKCS7_get_signer_info(tok);
	if (sis == NULL || sk_PKCS7_SIGNER_INFO_num(sis) != 1 || (si = sk_PKCS7_SIGNER_INFO_value(sis, 0)) == NULL ||
	    si->enc_digest == NULL || ASN1_STRING_length(si->enc_digest) <= 0)
		return 0;
	if (cert_req && (tok->d.sign->cert == NULL || sk_X509_num(tok->d.sign->cert) != s->ncerts))
		return 0;
	return 1;
}

/*
 * OpenSSL can set a rejection's status and failInfo only inside
 * TS_RESP_create_response(); for requests we refuse before that, the few
 * bytes are written here with the core DER helpers:
 *   SEQUENCE { SEQUENCE { INTEGER 2, SEQUENCE { UTF8String text }, BIT STRING failInfo } }
 */
enum tk_err tsa_reject(enum tsa_fail fail, const char *text, struct buf *out)
{
	uint8_t bits[5];
	size_t tlen = strlen(text), nbytes = (size_t)fail / 8u + 1u;
	struct buf str, si;
	enum tk_err rc;

	if ((unsigned)fail > 31u)
		return tk_fail(TK_ERR_INTERNAL, "tsa: failInfo bit %u", (unsigned)fail);
	if (tlen > TSA_TEXT_MAX)
		tlen = TSA_TEXT_MAX;
	/* Named bit list (X.690 11.2.2): no trailing zero bits. */
	memset(bits, 0, sizeof(bits));
	bits[0] = (uint8_t)(7u - (unsigned)fail % 8u);
	bits[nbytes] = (uint8_t)(0x80u >> ((unsigned)fail % 8u));
	buf_init(&str, 2 * TSA_TEXT_MAX);
	buf_init(&si, 4 * TSA_TEXT_MAX);
	if ((rc = der_put_tlv(&str, 0x0c, (const uint8_t *)text, tlen)) != TK_OK ||
	    (rc = der_put_tlv(&si, 0x02, (const uint8_t *)"\x02", 1)) != TK_OK ||
	    (rc = der_put_tlv(&si, 0x30, str.p, str.len)) != TK_OK ||
	    (rc = der_put_tlv(&si, 0x03, bits, nbytes + 1)) != TK_OK ||
	    (rc = der_put_header(out, 0x30, si.len + (si.len < 0x80 ? 2 : si.len < 0x100 ? 3
											 : 4))) != TK_OK)
		goto out;
	rc = der_put_tlv(out, 0x30, si.p, si.len);
out:
	buf_free(&str);
	buf_free(&si);
	return rc;
}

enum tk_err tsa_respond(struct tsa_signer *s, const uint8_t *req, size_t len, struct buf *out, int *granted)
{
	BIO *bio = NULL;
	TS_RESP *resp = NULL;
	unsigned char *der = NULL;
	enum tsa_fail fail;
	char text[TSA_TEXT_MAX + 1];
	long status;
	int n, cert_req = 0;
	enum tk_err rc;

	*granted = 0;
	if (req_check(req, len, &fail, &cert_req) != TK_OK) {
		if (str_copy(text, sizeof(text), tk_errmsg()) != TK_OK)
			memcpy(text, "tsa: bad request", sizeof("tsa: bad request"));
		return tsa_reject(fail, text, out);
	}
	if ((bio = BIO_new_mem_buf(req, (int)len)) == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "tsa: out of memory");
		goto out;
	}
	/* Version, algorithm, imprint length, policy and extensions are judged by
	 * OpenSSL, which answers with the matching rejection itself. */
	ERR_clear_error();
	if ((resp = TS_RESP_create_response(s->ctx, bio)) == NULL) {
		rc = tsa_reject(TSA_FAIL_SYSTEM_FAILURE, "tsa: cannot make a response now", out);
		goto out;
	}
	status = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(resp)));
	/* OpenSSL also ignores a failed encoding of the signed attributes and
	 * signs the wrong bytes; it leaves an error queued when it does. */
	if (!response_sane(s, resp, status, cert_req) ||
	    ((status == TS_STATUS_GRANTED || status == TS_STATUS_GRANTED_WITH_MODS) && ERR_peek_error() != 0)) {
		ERR_clear_error();
		rc = tsa_reject(TSA_FAIL_SYSTEM_FAILURE, "tsa: cannot make a token now", out);
		goto out;
	}
	if ((n = i2d_TS_RESP(resp, &der)) <= 0) {
		rc = tsa_reject(TSA_FAIL_SYSTEM_FAILURE, "tsa: cannot encode the response", out);
		goto out;
	}
	if ((rc = buf_append(out, der, (size_t)n)) != TK_OK)
		goto out;
	*granted = status == TS_STATUS_GRANTED || status == TS_STATUS_GRANTED_WITH_MODS;
out:
	OPENSSL_free(der);
	TS_RESP_free(resp);
	BIO_free(bio);
	return rc;
}

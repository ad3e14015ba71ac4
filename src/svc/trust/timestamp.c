/*
 * RFC 3161 timestamp client: asks the instance's own TSA (in-process) or an
 * outside TSA ([sign] tsa_url, over HTTP with libcurl) for a token over
 * data, and checks what comes back (status, imprint, nonce) before use.
 * The hash algorithm is configurable per TSA ([sign] tsa_digest), since
 * some TSAs accept only one.
 */
#include "svc/base/base.h"
#include "svc/trust/trust.h"
#include "svc/base/base_int.h"

#include "config/config.h"

#include <curl/curl.h>
#include <limits.h>
#include <openssl/rand.h>
#include <openssl/ts.h>
#include <string.h>

struct sink {
	struct buf *b;
	int overflow;
};

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;

	if (buf_append(s->b, p, size * n) != TK_OK) {
		s->overflow = 1;
		return 0;
	}
	return size * n;
}

static enum tk_err post_tsa(const char *url, const uint8_t *req, size_t len, struct buf *out)
{
	CURL *curl = curl_easy_init();
	struct curl_slist *h = NULL;
	struct sink s = { out, 0 };
	long code = 0;
	CURLcode cc;
	enum tk_err rc = TK_OK;

	if (curl == NULL)
		return tk_fail(TK_ERR_NOMEM, "timestamp: out of memory");
	h = curl_slist_append(NULL, "Content-Type: application/timestamp-query");
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, req);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)len);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 20L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)out->max);
	cc = curl_easy_perform(curl);
	if (cc != CURLE_OK)
		rc = tk_fail_code(TK_ERR_IO, "tsa_unavailable", "timestamp: TSA %s: %s", url, s.overflow || cc == CURLE_FILESIZE_EXCEEDED ? "reply too large" : curl_easy_strerror(cc));
	else if (curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK && code != 200)
		rc = tk_fail_code(TK_ERR_IO, "tsa_unavailable", "timestamp: TSA %s answered HTTP %ld", url, code);
	curl_slist_free_all(h);
	curl_easy_cleanup(curl);
	return rc;
}

const char *timestamp_digest_name(const struct instance *inst)
{
	return config_get_or(inst->cfg, "sign", "tsa_digest", "sha256");
}

enum tk_err timestamp_token(struct svc_ctx *c, const uint8_t *data, size_t len, struct buf *token)
{
	const EVP_MD *md = EVP_get_digestbyname(timestamp_digest_name(c->inst));
	uint8_t dig[EVP_MAX_MD_SIZE];
	unsigned dlen = 0;

	if (md == NULL || EVP_Digest(data, len, dig, &dlen, md, NULL) != 1)
		return tk_fail(TK_ERR_INVALID, "config [sign] tsa_digest must be sha256, sha384 or sha512");
	return timestamp_token_digest(c, dig, dlen, token);
}

enum tk_err timestamp_reply_token(TS_REQ *req, const uint8_t *reply, size_t len, struct buf *token)
{
	const unsigned char *q = reply;
	TS_RESP *resp = NULL;
	TS_VERIFY_CTX *vctx = NULL;
	unsigned char *der = NULL;
	int n;
	enum tk_err rc = TK_ERR_CRYPTO;

	if (len > LONG_MAX || (resp = d2i_TS_RESP(NULL, &q, (long)len)) == NULL || q != reply + len) {
		rc = tk_fail_code(TK_ERR_CRYPTO, "tsa_bad_reply", "timestamp: RFC 3161 2.4.2: the TSA reply is not a TimeStampResp");
		goto out;
	}
	/* Status granted, imprint and nonce ours (the TSA signature is checked by verifiers). */
	if ((vctx = TS_REQ_to_TS_VERIFY_CTX(req, NULL)) == NULL) {
		rc = tk_fail_ossl("timestamp: verify context");
		goto out;
	}
	TS_VERIFY_CTX_set_flags(vctx, TS_VFY_VERSION | TS_VFY_IMPRINT | TS_VFY_NONCE);
	if (TS_RESP_verify_response(vctx, resp) != 1) {
		rc = tk_fail_ossl("timestamp: the TSA reply does not match the request");
		goto out;
	}
	if ((n = i2d_PKCS7(TS_RESP_get_token(resp), &der)) <= 0) {
		rc = tk_fail_ossl("timestamp: token");
		goto out;
	}
	rc = buf_append(token, der, (size_t)n);
out:
	OPENSSL_free(der);
	TS_VERIFY_CTX_free(vctx);
	TS_RESP_free(resp);
	return rc;
}

enum tk_err timestamp_token_digest(struct svc_ctx *c, const uint8_t *dig, size_t dlen, struct buf *token)
{
	const char *url = config_get(c->inst->cfg, "sign", "tsa_url");
	const char *dname = timestamp_digest_name(c->inst);
	const EVP_MD *md = EVP_get_digestbyname(dname);
	TS_REQ *req = NULL;
	TS_MSG_IMPRINT *mi = NULL;
	X509_ALGOR *alg = NULL;
	ASN1_INTEGER *nonce = NULL;
	uint8_t nb[16];
	unsigned char *der = NULL;
	struct buf reply;
	int n, granted = 0;
	enum tk_err rc = TK_ERR_CRYPTO;

	buf_init(&reply, 256u << 10);
	if (md == NULL || (strcmp(dname, "sha256") && strcmp(dname, "sha384") && strcmp(dname, "sha512")))
		return tk_fail(TK_ERR_INVALID, "config [sign] tsa_digest must be sha256, sha384 or sha512");
	if ((size_t)EVP_MD_get_size(md) != dlen)
		return tk_fail(TK_ERR_INTERNAL, "timestamp: digest of %zu bytes for %s", dlen, dname);
	if (RAND_bytes(nb, sizeof(nb)) != 1)
		return tk_fail_ossl("timestamp: nonce");
	nb[0] = (uint8_t)((nb[0] & 0x3f) | 0x40); /* positive and minimal: strict TSAs reject a leading zero byte */
	if ((req = TS_REQ_new()) == NULL || (mi = TS_MSG_IMPRINT_new()) == NULL || (alg = X509_ALGOR_new()) == NULL ||
	    (nonce = ASN1_INTEGER_new()) == NULL || !TS_REQ_set_version(req, 1) ||
	    !X509_ALGOR_set0(alg, OBJ_nid2obj(EVP_MD_get_type(md)), V_ASN1_NULL, NULL) || !TS_MSG_IMPRINT_set_algo(mi, alg) ||
	    !TS_MSG_IMPRINT_set_msg(mi, (unsigned char *)dig, (int)dlen) || !TS_REQ_set_msg_imprint(req, mi) || !ASN1_STRING_set(nonce, nb, sizeof(nb)) ||
	    !TS_REQ_set_nonce(req, nonce) || !TS_REQ_set_cert_req(req, 1) || (n = i2d_TS_REQ(req, &der)) <= 0) {
		rc = tk_fail_ossl("timestamp: request");
		goto out;
	}
	if (url != NULL)
		rc = post_tsa(url, der, (size_t)n, &reply);
	else if ((rc = trust_tsa_stamp(c, der, (size_t)n, &reply, &granted)) == TK_OK && !granted)
		rc = tk_fail_code(TK_ERR_CRYPTO, "tsa_rejected", "timestamp: our TSA refused the request");
	if (rc != TK_OK)
		goto out;
	rc = timestamp_reply_token(req, reply.p, reply.len, token);
out:
	OPENSSL_free(der);
	ASN1_INTEGER_free(nonce);
	TS_MSG_IMPRINT_free(mi);
	X509_ALGOR_free(alg);
	TS_REQ_free(req);
	buf_free(&reply);
	return rc;
}

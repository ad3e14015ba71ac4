/*
 * libFuzzer target for src/ocsp: parses the input as a DER OCSPRequest
 * (or, when it starts with '/', as the path of a GET request: base64, then
 * DER), matches every CertID against a fixed issuer and, for requests that
 * parse, builds and signs the on-demand response that echoes their CertIDs
 * and nonce. The response must decode with OpenSSL; anything else aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ocsp/ocsp.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ocsp_signer *signer;
static struct ocsp_issuer issuer;

static X509 *mk_cert(const char *cn, EVP_PKEY *pub, X509 *iss, EVP_PKEY *ikey, int ca)
{
	X509 *c = X509_new();
	X509_NAME *n = X509_NAME_new();
	X509V3_CTX ctx;
	X509_EXTENSION *e;

	if (c == NULL || n == NULL)
		abort();
	X509_set_version(c, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(c), ca ? 1 : 2);
	X509_gmtime_adj(X509_getm_notBefore(c), -3600);
	X509_gmtime_adj(X509_getm_notAfter(c), 86400);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(c, n);
	X509_set_issuer_name(c, iss ? X509_get_subject_name(iss) : n);
	X509_set_pubkey(c, pub);
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, iss ? iss : c, c, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &ctx, NID_ext_key_usage, ca ? "serverAuth" : "OCSPSigning");
	X509_add_ext(c, e, -1);
	X509_EXTENSION_free(e);
	if (X509_sign(c, ikey, EVP_sha256()) <= 0)
		abort();
	X509_NAME_free(n);
	return c;
}

static void init(void)
{
	EVP_PKEY *cak = EVP_EC_gen("P-256"), *sk = EVP_EC_gen("P-256");
	X509 *ca, *sc;
	struct key *k = NULL;

	if (cak == NULL || sk == NULL)
		abort();
	ca = mk_cert("Fuzz CA", cak, NULL, cak, 1);
	sc = mk_cert("Fuzz OCSP", sk, ca, cak, 0);
	if (key_from_pkey("ocsp", sk, &k) != TK_OK || ocsp_signer_new(k, sc, ca, "sha256", &signer) != TK_OK ||
	    ocsp_issuer_hashes(ca, &issuer) != TK_OK)
		abort();
	key_free(k);
	X509_free(sc);
	X509_free(ca);
	EVP_PKEY_free(cak);
}

static void answer(const uint8_t *p, size_t len)
{
	struct ocsp_single items[MAX_OCSP_REQ_CERTS];
	struct ocsp_req *r = NULL;
	struct buf out;
	size_t i, n;

	if (ocsp_req_parse(p, len, &r) != TK_OK)
		return;
	n = ocsp_req_count(r);
	if (n == 0 || n > MAX_OCSP_REQ_CERTS)
		abort();
	memset(items, 0, sizeof(items));
	for (i = 0; i < n; i++) {
		const struct ocsp_certid *id = ocsp_req_certid(r, i);
		items[i].req = r;
		items[i].req_index = i;
		items[i].status = !ocsp_certid_matches(id, &issuer) ? OCSP_CERT_UNKNOWN : id->serial_len && (id->serial[0] & 1) ? OCSP_CERT_REVOKED
																: OCSP_CERT_GOOD;
		items[i].reason = id->serial_len ? id->serial[id->serial_len - 1] % 12 : 0;
		items[i].revoked_at = 1700000000;
	}
	buf_init(&out, 1 << 20);
	if (ocsp_resp_build(signer, items, n, ocsp_req_has_nonce(r) ? r : NULL, 1700000000, 1700086400, &out) == TK_OK) {
		const unsigned char *q = out.p;
		OCSP_RESPONSE *resp = d2i_OCSP_RESPONSE(NULL, &q, (long)out.len);
		OCSP_BASICRESP *bs = resp ? OCSP_response_get1_basic(resp) : NULL;
		if (bs == NULL || OCSP_resp_count(bs) != (int)n)
			abort();
		OCSP_BASICRESP_free(bs);
		OCSP_RESPONSE_free(resp);
	}
	buf_free(&out);
	ocsp_req_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (signer == NULL)
		init();
	if (size > 0 && data[0] == '/') {
		struct buf der;
		buf_init(&der, MAX_OCSP_REQ_BYTES);
		if (ocsp_b64_decode((const char *)data + 1, size - 1, &der) == TK_OK)
			answer(der.p, der.len);
		buf_free(&der);
	} else {
		answer(data, size);
	}
	tk_clear_error();
	ERR_clear_error();
	return 0;
}

/*
 * libFuzzer target for src/tsa: answers the input as a TimeStampReq with a
 * signer built at start-up. Every input must get a response that decodes
 * with OpenSSL, a token exactly when it is granted, and a failInfo when it
 * is rejected; anything else aborts.
 */
#include <stdint.h>
#include <stdlib.h>

#include "tsa/tsa.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ts.h>
#include <openssl/x509v3.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tsa_signer *signer;

static X509 *mk_cert(const char *cn, EVP_PKEY *pub, X509 *iss, EVP_PKEY *ikey, const char *eku)
{
	X509 *c = X509_new();
	X509_NAME *n = X509_NAME_new();
	X509V3_CTX ctx;
	X509_EXTENSION *e;

	if (c == NULL || n == NULL)
		abort();
	X509_set_version(c, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(c), iss ? 2 : 1);
	X509_gmtime_adj(X509_getm_notBefore(c), -3600);
	X509_gmtime_adj(X509_getm_notAfter(c), 86400);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(c, n);
	X509_set_issuer_name(c, iss ? X509_get_subject_name(iss) : n);
	X509_set_pubkey(c, pub);
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, iss ? iss : c, c, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &ctx, NID_ext_key_usage, eku);
	X509_add_ext(c, e, -1);
	X509_EXTENSION_free(e);
	if (X509_sign(c, ikey, EVP_sha256()) <= 0)
		abort();
	X509_NAME_free(n);
	return c;
}

static void init(void)
{
	struct tsa_settings set = { "2.16.360.1.1.1.99.2", "sha256,sha384,sha512", "sha256", 1, 0 };
	EVP_PKEY *cak = EVP_EC_gen("P-256"), *tk = EVP_EC_gen("P-256");
	STACK_OF(X509) *chain = sk_X509_new_null();
	X509 *ca, *tc;
	struct key *k = NULL;

	if (cak == NULL || tk == NULL || chain == NULL)
		abort();
	ca = mk_cert("Fuzz CA", cak, NULL, cak, "serverAuth");
	tc = mk_cert("Fuzz TSA", tk, ca, cak, "critical,timeStamping");
	sk_X509_push(chain, ca);
	if (key_from_pkey("tsa", tk, &k) != TK_OK || tsa_signer_new(&set, k, tc, chain, &signer) != TK_OK)
		abort();
	key_free(k);
	X509_free(tc);
	sk_X509_pop_free(chain, X509_free);
	EVP_PKEY_free(cak);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf out;
	const unsigned char *q;
	TS_RESP *resp;
	long status;
	int granted = -1;

	if (signer == NULL)
		init();
	buf_init(&out, 1 << 20);
	if (tsa_respond(signer, data, size, &out, &granted) != TK_OK)
		abort();
	q = out.p;
	resp = d2i_TS_RESP(NULL, &q, (long)out.len);
	if (resp == NULL || q != out.p + out.len)
		abort();
	status = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(resp)));
	if (granted != (status == TS_STATUS_GRANTED) || granted != (TS_RESP_get_token(resp) != NULL))
		abort();
	if (!granted && TS_STATUS_INFO_get0_failure_info(TS_RESP_get_status_info(resp)) == NULL)
		abort();
	TS_RESP_free(resp);
	buf_free(&out);
	tk_clear_error();
	ERR_clear_error();
	return 0;
}

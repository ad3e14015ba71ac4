/* testpki: small certificates made directly with OpenSSL, independent of our x509 module, for unit tests. */
#ifndef TEKEN_TESTPKI_H
#define TEKEN_TESTPKI_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <openssl/x509v3.h>

static inline void tp_add_ext(X509 *c, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, c, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	assert_non_null(e);
	assert_int_equal(X509_add_ext(c, e, -1), 1);
	X509_EXTENSION_free(e);
}

/*
 * A certificate for pub signed by ikey (self-signed when issuer is NULL), valid from
 * now+nb to now+na seconds. CAs get keyCertSign,cRLSign; others leaf_ku; eku may be NULL.
 */
static inline X509 *tp_cert(const char *cn, EVP_PKEY *pub, X509 *issuer, EVP_PKEY *ikey, long serial, int ca, const char *leaf_ku,
    const char *eku, long nb, long na)
{
	X509 *c = X509_new();
	X509_NAME *n = X509_NAME_new();
	X509 *iss;

	assert_non_null(c);
	iss = issuer ? issuer : c;
	assert_int_equal(X509_set_version(c, 2), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(c), serial), 1);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(c), nb));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(c), na));
	assert_int_equal(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0), 1);
	assert_int_equal(X509_set_subject_name(c, n), 1);
	assert_int_equal(X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) : n), 1);
	assert_int_equal(X509_set_pubkey(c, pub), 1);
	tp_add_ext(c, iss, NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
	tp_add_ext(c, iss, NID_key_usage, ca ? "critical,keyCertSign,cRLSign" : leaf_ku);
	tp_add_ext(c, iss, NID_subject_key_identifier, "hash");
	if (eku != NULL)
		tp_add_ext(c, iss, NID_ext_key_usage, eku);
	assert_true(X509_sign(c, ikey, EVP_sha256()) > 0);
	X509_NAME_free(n);
	return c;
}

#endif

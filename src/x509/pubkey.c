/*
 * Public-key policy for keys that come from outside (CSRs, subscriber
 * keys): RFC 5280 4.1.2.7, RFC 5480 2.1.1 (EC parameters), RFC 8017 3.1
 * (RSA public key) and the CA/Browser Forum Baseline Requirements 6.1.5-6.1.6
 * (sizes, exponent range, key validation).
 */
#include "x509/x509.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <string.h>

/* Longest EC encoding or group name OpenSSL reports ("named_curve", "prime256v1"). */
#define PUBKEY_PARAM_MAX 64u

/* Accepted named curves (RFC 5480 2.1.1.1) under the names OpenSSL reports for them. */
static const struct {
	const char *ossl;
	const char *shown;
} ec_curves[] = {
	{ "prime256v1", "P-256" },
	{ "secp384r1", "P-384" },
};

/* Full public-key validation (SP 800-56A 5.6.2.3.3 for EC, SP 800-56B 6.4.2.1 for RSA). */
static enum tk_err pubkey_validate(EVP_PKEY *pk, const char *what)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
	int ok;

	if (ctx == NULL)
		return tk_fail_ossl("x509: %s public key", what);
	ok = EVP_PKEY_public_check(ctx);
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	if (ok != 1)
		return tk_fail_code(TK_ERR_INVALID, "key_not_allowed",
		    "x509: CA/B BR 6.1.6: the %s public key fails public-key validation", what);
	return TK_OK;
}

static enum tk_err pubkey_check_ec(EVP_PKEY *pk)
{
	char enc[PUBKEY_PARAM_MAX] = "", group[PUBKEY_PARAM_MAX] = "";
	size_t n = 0, i;

	/* OpenSSL 3 maps explicit parameters that equal a known curve to its
	 * name, so the group name alone does not tell them apart: the
	 * encoding does. */
	if (EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_EC_ENCODING, enc, sizeof(enc), &n) != 1 ||
	    strcmp(enc, OSSL_PKEY_EC_ENCODING_GROUP) != 0) {
		ERR_clear_error();
		return tk_fail_code(TK_ERR_INVALID, "key_not_allowed",
		    "x509: RFC 5480 2.1.1: explicit EC parameters are not accepted; use a named curve (P-256 or P-384)");
	}
	if (EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), &n) != 1) {
		ERR_clear_error();
		return tk_fail_code(TK_ERR_INVALID, "key_not_allowed",
		    "x509: RFC 5480 2.1.1.1: EC key without a named curve; use P-256 or P-384");
	}
	for (i = 0; i < sizeof(ec_curves) / sizeof(ec_curves[0]); i++)
		if (strcmp(group, ec_curves[i].ossl) == 0)
			return pubkey_validate(pk, ec_curves[i].shown);
	return tk_fail_code(TK_ERR_INVALID, "key_not_allowed",
	    "x509: RFC 5480 2.1.1.1: EC curve %s is not accepted; use P-256 or P-384", group);
}

static enum tk_err pubkey_check_rsa(EVP_PKEY *pk)
{
	BIGNUM *n = NULL, *e = NULL, *emin = NULL;
	int bits;
	enum tk_err rc = TK_ERR_INVALID;

	if (EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &n) != 1 ||
	    EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &e) != 1 || (emin = BN_new()) == NULL ||
	    !BN_set_word(emin, X509_RSA_MIN_EXPONENT)) {
		rc = tk_fail_ossl("x509: RSA public key");
		goto out;
	}
	bits = BN_num_bits(n);
	if (bits < (int)X509_RSA_MIN_BITS || bits > (int)X509_RSA_MAX_BITS) {
		rc = tk_fail_code(TK_ERR_INVALID, "key_not_allowed",
		    "x509: CA/B BR 6.1.5: RSA modulus of %d bits is not accepted; use %u to %u bits", bits,
		    X509_RSA_MIN_BITS, X509_RSA_MAX_BITS);
		goto out;
	}
	if (!BN_is_odd(n)) {
		rc = tk_fail_code(TK_ERR_INVALID, "key_not_allowed", "x509: CA/B BR 6.1.6: RSA modulus is even");
		goto out;
	}
	if (!BN_is_odd(e) || BN_cmp(e, emin) < 0 || BN_num_bits(e) > (int)X509_RSA_MAX_EXPONENT_BITS) {
		rc = tk_fail_code(TK_ERR_INVALID, "key_not_allowed",
		    "x509: CA/B BR 6.1.6: RSA public exponent must be odd, at least %u and below 2^%u",
		    X509_RSA_MIN_EXPONENT, X509_RSA_MAX_EXPONENT_BITS);
		goto out;
	}
	rc = pubkey_validate(pk, "RSA");
out:
	BN_free(n);
	BN_free(e);
	BN_free(emin);
	return rc;
}

enum tk_err x509_pubkey_check(EVP_PKEY *pk)
{
	const char *type;

	if (pk == NULL)
		return tk_fail_code(TK_ERR_INVALID, "key_not_allowed", "x509: RFC 5280 4.1.2.7: no subject public key");
	/* EVP_PKEY_is_a(pk, "RSA") is false for RSASSA-PSS keys, which are refused below. */
	if (EVP_PKEY_is_a(pk, "EC"))
		return pubkey_check_ec(pk);
	if (EVP_PKEY_is_a(pk, "RSA"))
		return pubkey_check_rsa(pk);
	type = EVP_PKEY_get0_type_name(pk);
	/* Ed25519 is only verified in foreign signatures (src/verify); our
	 * signing path (key_sign) has no EdDSA, so such certificates would be unusable. */
	return tk_fail_code(TK_ERR_INVALID, "key_not_allowed",
	    "x509: RFC 5280 4.1.2.7: %s public keys are not accepted; use EC P-256 or P-384, or RSA of %u to %u bits",
	    type != NULL ? type : "this kind of", X509_RSA_MIN_BITS, X509_RSA_MAX_BITS);
}

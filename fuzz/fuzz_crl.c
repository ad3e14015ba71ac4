/*
 * libFuzzer target for the CRLs teken consumes when it validates
 * (src/verify/verify_trust.c): the input is taken as a --crl file
 * (verify_trust_add_crls: one DER CRL or PEM with any number) and as a CRL
 * the online hook fetched (online_check: d2i, then crl_check). Each time a
 * detached CAdES signature of the fixture PKI (fuzz/fixture_pki.h) is
 * verified, so the CRL meets a real chain: issuer match, CRL signature,
 * lookup of the signer's serial, reason code, freshness.
 *
 * Oracle: a CRL that decides the signer's status (revoked or good, source
 * crl-file or online-crl) must be one the root really signed, checked again
 * here with OpenSSL alone. Seeds: CRLs made by `openssl ca` (fuzz/mkseeds.sh).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verify/verify.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "fixture_pki.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t *cur;
static size_t cur_len;
static EVP_PKEY *root_key;

static enum tk_err online(void *arg, X509 *cert, X509 *issuer, struct buf *ocsp, struct buf *crl)
{
	(void)arg;
	(void)cert;
	(void)issuer;
	(void)ocsp;
	return buf_append(crl, cur, cur_len);
}

static void setup(void)
{
	BIO *b;
	X509 *x;

	if (root_key != NULL)
		return;
	if ((b = BIO_new_mem_buf(fx_root_pem, (int)strlen(fx_root_pem))) == NULL ||
	    (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) == NULL || (root_key = X509_get_pubkey(x)) == NULL)
		abort();
	X509_free(x);
	BIO_free(b);
}

/* Did the root sign one of the CRLs in data (DER, or PEM with several)? */
static int root_signed(const uint8_t *data, size_t size)
{
	const unsigned char *q = data;
	X509_CRL *c = d2i_X509_CRL(NULL, &q, (long)size);
	BIO *b;
	int ok = 0;

	if (c != NULL) {
		ok = X509_CRL_verify(c, root_key) == 1;
		X509_CRL_free(c);
	}
	if (!ok && (b = BIO_new_mem_buf(data, (int)size)) != NULL) {
		while (!ok && (c = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL)) != NULL) {
			ok = X509_CRL_verify(c, root_key) == 1;
			X509_CRL_free(c);
		}
		BIO_free(b);
	}
	ERR_clear_error();
	return ok;
}

static void run(struct verify_trust *t, const uint8_t *data, size_t size)
{
	struct verify_opts o;
	struct verify_report *r = NULL;

	memset(&o, 0, sizeof(o));
	o.trust = t;
	o.now = 1811808000; /* 2027-06-01T00:00:00Z, inside the fixture's validity */
	o.max_seconds = 5;
	if (verify_cades(fx_cades, sizeof(fx_cades), (const uint8_t *)fx_content, strlen(fx_content), &o, &r) != TK_OK) {
		tk_clear_error();
		return;
	}
	if (getenv("TEKEN_FUZZ_DEBUG") != NULL && r->nsigs == 1)
		fprintf(stderr, "fuzz: rev %d source %s ind %d sub %d: %s\n", (int)r->sigs[0].rev, r->sigs[0].rev_source,
		    (int)r->sigs[0].ind, (int)r->sigs[0].sub, r->sigs[0].msg);
	if (r->nsigs == 1 && (r->sigs[0].rev == VERIFY_REV_GOOD || r->sigs[0].rev == VERIFY_REV_REVOKED) &&
	    (strcmp(r->sigs[0].rev_source, "crl-file") == 0 || strcmp(r->sigs[0].rev_source, "online-crl") == 0) &&
	    !root_signed(data, size))
		abort(); /* a CRL the root did not sign decided the status */
	verify_report_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct verify_trust *t = NULL;

	setup();
	/* As a --crl file. */
	if (verify_trust_new(&t) != TK_OK ||
	    verify_trust_add_anchors(t, (const uint8_t *)fx_root_pem, strlen(fx_root_pem), "fixture root") != TK_OK)
		abort();
	if (verify_trust_add_crls(t, data, size, "fuzz CRL") == TK_OK)
		run(t, data, size);
	else
		tk_clear_error();
	verify_trust_free(t);
	/* As fetched by the online hook; what is not one DER CRL the engine drops right after d2i. */
	{
		const unsigned char *q = data;
		X509_CRL *c = size > 0 ? d2i_X509_CRL(NULL, &q, (long)size) : NULL;
		if (c == NULL) {
			ERR_clear_error();
			return 0;
		}
		X509_CRL_free(c);
	}
	if (verify_trust_new(&t) != TK_OK ||
	    verify_trust_add_anchors(t, (const uint8_t *)fx_root_pem, strlen(fx_root_pem), "fixture root") != TK_OK)
		abort();
	cur = data;
	cur_len = size;
	verify_trust_set_online(t, online, NULL, NULL);
	run(t, data, size);
	verify_trust_free(t);
	return 0;
}

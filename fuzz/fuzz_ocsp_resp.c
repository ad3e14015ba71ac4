/*
 * libFuzzer target for the OCSP responses teken consumes when it validates
 * (src/verify/verify_trust.c online_check and ocsp_check_one): the input is
 * the OCSPResponse the online hook fetched while a detached CAdES signature
 * of the fixture PKI (fuzz/fixture_pki.h) is verified, so the response
 * meets a real chain: response status, BasicOCSPResponse, CertID matching
 * under each hash, responder by name or key hash, delegated responder
 * (id-kp-OCSPSigning issued by the CA), signature, cert status, reason,
 * thisUpdate/nextUpdate freshness.
 *
 * Oracle: a response that decides the signer's status (online-ocsp, good
 * or revoked) must be signed by the root or by a certificate the root
 * issued, checked again here with OpenSSL alone. Seeds: responses made by
 * `openssl ocsp` (fuzz/mkseeds.sh): good, revoked, unknown, delegated,
 * key-hash responder id without certificates, SHA-384 CertID, a bad
 * signature and the unsigned error statuses.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verify/verify.h"

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "fixture_pki.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t *cur;
static size_t cur_len;
static X509 *root;
static struct verify_trust *trust;

static enum tk_err online(void *arg, X509 *cert, X509 *issuer, struct buf *ocsp, struct buf *crl)
{
	(void)arg;
	(void)cert;
	(void)issuer;
	(void)crl;
	return buf_append(ocsp, cur, cur_len);
}

static void setup(void)
{
	BIO *b;

	if (trust != NULL)
		return;
	if ((b = BIO_new_mem_buf(fx_root_pem, (int)strlen(fx_root_pem))) == NULL ||
	    (root = PEM_read_bio_X509(b, NULL, NULL, NULL)) == NULL)
		abort();
	BIO_free(b);
	if (verify_trust_new(&trust) != TK_OK || verify_trust_add_anchor(trust, root) != TK_OK)
		abort();
	verify_trust_set_online(trust, online, NULL, NULL);
}

/* Is data a successful response signed by the root or by a certificate the root issued? */
static int root_vouches(const uint8_t *data, size_t size)
{
	const unsigned char *q = data;
	OCSP_RESPONSE *resp = d2i_OCSP_RESPONSE(NULL, &q, (long)size);
	OCSP_BASICRESP *bs = resp != NULL ? OCSP_response_get1_basic(resp) : NULL;
	STACK_OF(X509) *extra = sk_X509_new_null();
	X509 *signer = NULL;
	int ok = 0;

	if (bs != NULL && extra != NULL && sk_X509_push(extra, root) > 0 && OCSP_resp_get0_signer(bs, &signer, extra) == 1 &&
	    OCSP_basic_verify(bs, extra, NULL, OCSP_NOVERIFY | OCSP_NOEXPLICIT) == 1)
		ok = X509_cmp(signer, root) == 0 || X509_verify(signer, X509_get0_pubkey(root)) == 1;
	sk_X509_free(extra);
	OCSP_BASICRESP_free(bs);
	OCSP_RESPONSE_free(resp);
	ERR_clear_error();
	return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct verify_opts o;
	struct verify_report *r = NULL;

	setup();
	{
		/* What is no successful OCSPResponse the engine drops right after d2i: no need to verify for that. */
		const unsigned char *q = data;
		OCSP_RESPONSE *resp = size > 0 ? d2i_OCSP_RESPONSE(NULL, &q, (long)size) : NULL;
		int ok = resp != NULL && OCSP_response_status(resp) == OCSP_RESPONSE_STATUS_SUCCESSFUL;
		OCSP_RESPONSE_free(resp);
		ERR_clear_error();
		if (!ok)
			return 0;
	}
	cur = data;
	cur_len = size;
	memset(&o, 0, sizeof(o));
	o.trust = trust;
	o.now = 1811808000; /* 2027-06-01T00:00:00Z, inside the fixture's validity */
	o.max_seconds = 5;
	if (verify_cades(fx_cades, sizeof(fx_cades), (const uint8_t *)fx_content, strlen(fx_content), &o, &r) != TK_OK) {
		tk_clear_error();
		return 0;
	}
	if (getenv("TEKEN_FUZZ_DEBUG") != NULL && r->nsigs == 1)
		fprintf(stderr, "fuzz: rev %d source %s ind %d sub %d: %s\n", (int)r->sigs[0].rev, r->sigs[0].rev_source,
		    (int)r->sigs[0].ind, (int)r->sigs[0].sub, r->sigs[0].msg);
	if (r->nsigs == 1 && (r->sigs[0].rev == VERIFY_REV_GOOD || r->sigs[0].rev == VERIFY_REV_REVOKED) &&
	    strcmp(r->sigs[0].rev_source, "online-ocsp") == 0 && !root_vouches(data, size))
		abort(); /* a response nobody the root vouches for decided the status */
	verify_report_free(r);
	return 0;
}

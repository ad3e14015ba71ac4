/*
 * libFuzzer target for the CSR path of issuance (src/x509, as svc/ca
 * ca_issue and ca_build run it): x509_csr_parse (PEM or DER, proof of
 * possession), the public-key policy (x509_pubkey_check), the
 * 'individual' profile that teken init writes (allowed keys, required and
 * allowed subject attributes), the one-line rendering of the subject, and
 * then issuance itself (x509_issue) under a CA made at start-up.
 *
 * Oracles: an accepted CSR yields a certificate that carries the CSR's own
 * public key and subject and verifies under the CA key (OpenSSL alone);
 * an accepted key is EC P-256/P-384 or RSA of at least 2048 bits.
 * Seeds: requests made by `openssl req` (fuzz/mkseeds.sh).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "keys/keys.h"
#include "x509/x509.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The profiles as teken init writes them (src/svc/base/instance.c). */
static const char profiles[] =
    "[profile root-ca]\n"
    "ca = yes\n"
    "key_usage = keyCertSign,cRLSign\n"
    "validity_days = 7300\n"
    "\n"
    "[profile individual]\n"
    "key_usage = digitalSignature,nonRepudiation\n"
    "ext_key_usage = emailProtection,documentSigning\n"
    "validity_days = 730\n"
    "allowed_keys = rsa2048,rsa3072,rsa4096,ec-p256,ec-p384\n"
    "subject_required = CN\n"
    "subject_allowed = CN,O,OU,C,L,ST,serialNumber,title,emailAddress\n";

static struct config *cfg;
static struct x509_profile leaf_prof;
static struct key *ca_key;
static X509 *ca_cert;

static void setup(void)
{
	struct x509_profile root_prof;
	struct x509_issue_req r;
	EVP_PKEY *pk = NULL;
	X509_NAME *n = NULL;

	if (cfg != NULL)
		return;
	if (config_parse(profiles, sizeof(profiles) - 1, "fuzz profiles", &cfg) != TK_OK ||
	    x509_profile_load(cfg, "root-ca", &root_prof) != TK_OK || x509_profile_load(cfg, "individual", &leaf_prof) != TK_OK ||
	    key_generate("ec-p256", &pk) != TK_OK || key_from_pkey("fuzz-ca", pk, &ca_key) != TK_OK ||
	    x509_name_parse("CN=Fuzz CSR CA, O=Fuzz, C=ID", &n) != TK_OK)
		abort();
	memset(&r, 0, sizeof(r));
	r.profile = &root_prof;
	r.issuer_key = ca_key;
	r.pubkey = pk;
	r.subject = n;
	r.not_before = 1800000000;
	r.not_after = 1800000000 + 7300 * 86400LL;
	r.digest = "sha256";
	if (x509_serial_new(r.serial) != TK_OK || x509_issue(&r, &ca_cert) != TK_OK)
		abort();
	X509_NAME_free(n);
	/* pk belongs to ca_key now. */
}

static void issue(X509_REQ *req, EVP_PKEY *pk, const X509_NAME *subject)
{
	struct x509_issue_req r;
	X509 *c = NULL;
	struct buf der;
	char alg[16];

	/* What the policy let through. */
	if (key_alg_of(pk, alg) != TK_OK ||
	    (strcmp(alg, "ec-p256") && strcmp(alg, "ec-p384") && strcmp(alg, "rsa2048") && strcmp(alg, "rsa3072") &&
		strcmp(alg, "rsa4096")))
		abort();
	memset(&r, 0, sizeof(r));
	r.profile = &leaf_prof;
	r.issuer = ca_cert;
	r.issuer_key = ca_key;
	r.pubkey = pk;
	r.subject = subject;
	r.not_before = 1800000000;
	r.not_after = 1800000000 + 730 * 86400LL;
	r.digest = "sha256";
	r.urls.crl = "http://fuzz.example/crl";
	r.urls.ocsp = "http://fuzz.example/ocsp";
	r.urls.policy_oid = "1.3.6.1.4.1.99999.1";
	if (x509_serial_new(r.serial) != TK_OK)
		abort();
	if (x509_issue(&r, &c) != TK_OK) {
		/* A subject OpenSSL cannot put into a certificate is refused, never a crash. */
		tk_clear_error();
		return;
	}
	if (EVP_PKEY_eq(X509_get0_pubkey(c), X509_REQ_get0_pubkey(req)) != 1 ||
	    X509_NAME_cmp(X509_get_subject_name(c), subject) != 0 || X509_verify(c, X509_get0_pubkey(ca_cert)) != 1)
		abort();
	buf_init(&der, MAX_CERT_BYTES);
	if (x509_to_der(c, &der) != TK_OK)
		tk_clear_error();
	buf_free(&der);
	X509_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	X509_REQ *req = NULL;
	const X509_NAME *subject;
	EVP_PKEY *pk;
	char line[MAX_SUBJECT_BYTES];

	setup();
	if (x509_csr_parse(data, size, &req) != TK_OK) {
		tk_clear_error();
		goto out;
	}
	subject = X509_REQ_get_subject_name(req);
	pk = X509_REQ_get0_pubkey(req);
	if (x509_name_str(subject, line, sizeof(line)) != TK_OK)
		tk_clear_error();
	/* ca_build's order: key policy, profile keys, profile subject. */
	if (pk == NULL || x509_pubkey_check(pk) != TK_OK || x509_profile_check_key(&leaf_prof, pk) != TK_OK ||
	    x509_profile_check_subject(&leaf_prof, subject) != TK_OK) {
		tk_clear_error();
		goto out;
	}
	issue(req, pk, subject);
out:
	X509_REQ_free(req);
	ERR_clear_error();
	return 0;
}

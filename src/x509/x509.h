/*
 * x509: certificate profiles, subject names, CSR checks, certificate and
 * CRL building on OpenSSL. No store and no policy here: the CA service
 * (src/svc/ca.c) decides what to issue; this module builds it correctly.
 */
#ifndef TEKEN_X509_H
#define TEKEN_X509_H

#include "core/core.h"
#include "keys/keys.h"

#include <openssl/x509.h>

struct config;

#define X509_SERIAL_LEN 20u

/* A certificate profile, read from a [profile NAME] config section. */
struct x509_profile {
	char name[32];
	int ca;                  /* basicConstraints cA */
	int pathlen;             /* -1: no pathLenConstraint */
	char key_usage[160];     /* comma list: digitalSignature,nonRepudiation,... */
	char ext_key_usage[256]; /* comma list of names or OIDs; empty: none */
	int eku_critical;
	int ocsp_nocheck; /* id-pkix-ocsp-nocheck (RFC 6960 4.2.2.2.1) */
	uint64_t validity_days;
	char allowed_keys[96];     /* comma list of key algorithms (keys.h names) */
	char subject_required[96]; /* comma list of attribute short names */
	char subject_allowed[160];
};

/* URLs and policy put in issued certificates; NULL members are left out. */
struct x509_urls {
	const char *crl;        /* cRLDistributionPoints */
	const char *ocsp;       /* authorityInfoAccess id-ad-ocsp */
	const char *ca_issuers; /* authorityInfoAccess id-ad-caIssuers */
	const char *policy_oid; /* certificatePolicies */
	const char *cps;        /* CPS qualifier of that policy */
};

struct x509_issue_req {
	const struct x509_profile *profile;
	X509 *issuer; /* NULL: self-signed (root) */
	const struct key *issuer_key;
	EVP_PKEY *pubkey; /* subject public key */
	const X509_NAME *subject;
	uint8_t serial[X509_SERIAL_LEN];
	int64_t not_before, not_after;
	const char *digest; /* sha256, sha384, sha512 */
	struct x509_urls urls;
};

/* Reads profile NAME from config; fails with "unknown_profile" when absent. */
enum tk_err x509_profile_load(const struct config *cfg, const char *name, struct x509_profile *out) WARN_UNUSED;
/* Checks that a key algorithm (keys.h name) is allowed by the profile. */
enum tk_err x509_profile_check_key(const struct x509_profile *p, EVP_PKEY *pk) WARN_UNUSED;
/* Public-key policy (CA/Browser Forum Baseline Requirements 6.1.5-6.1.6). */
#define X509_RSA_MIN_BITS 2048u
#define X509_RSA_MAX_BITS 8192u
#define X509_RSA_MIN_EXPONENT 65537u    /* 2^16 + 1 */
#define X509_RSA_MAX_EXPONENT_BITS 256u /* e < 2^256 */

/*
 * Checks a public key that comes from outside (a CSR, a subscriber's own
 * key) before anything is issued for it: EC on the named curves P-256 or
 * P-384 only (RFC 5480 2.1.1; explicit parameters refused), RSA with a
 * modulus of X509_RSA_MIN_BITS..X509_RSA_MAX_BITS bits and an odd exponent
 * in [65537, 2^256), and public-key validation passed; every other type
 * refused. Fails with TK_ERR_INVALID and code "key_not_allowed". Does not
 * take ownership of pk. The profile's allowed_keys is checked separately
 * by x509_profile_check_key().
 */
enum tk_err x509_pubkey_check(EVP_PKEY *pk) WARN_UNUSED;
/* Checks required and allowed subject attributes against the profile. */
enum tk_err x509_profile_check_subject(const struct x509_profile *p, const X509_NAME *n) WARN_UNUSED;

/*
 * Parses "CN=Name, O=Org, C=ID" (RFC 4514 style, '\' escapes) or
 * "/C=ID/O=Org/CN=Name" into a new X509_NAME (UTF-8). Caller frees.
 */
enum tk_err x509_name_parse(const char *s, X509_NAME **out) WARN_UNUSED;
/*
 * Builds a name from (short name, value) pairs, most significant first.
 * Values are taken literally (no separators parsed), as UTF-8. Caller frees.
 */
enum tk_err x509_name_from_pairs(const char *const (*pairs)[2], size_t n, X509_NAME **out) WARN_UNUSED;
/* One-line RFC 2253 rendering into out. */
enum tk_err x509_name_str(const X509_NAME *n, char *out, size_t outsz) WARN_UNUSED;

/*
 * Parses a PKCS#10 request (PEM or DER) and verifies its self-signature
 * (proof of possession). Caller frees *out with X509_REQ_free().
 */
enum tk_err x509_csr_parse(const uint8_t *p, size_t len, X509_REQ **out) WARN_UNUSED;
/* Parses one certificate (PEM or DER). Caller frees. */
enum tk_err x509_cert_parse(const uint8_t *p, size_t len, X509 **out) WARN_UNUSED;

/* Fresh 20-byte positive serial with the top byte in 0x40..0x7f (always 20 bytes in DER). */
enum tk_err x509_serial_new(uint8_t out[X509_SERIAL_LEN]) WARN_UNUSED;
/* Lower-case hex of a certificate's serial (up to 2*20+1 bytes). */
enum tk_err x509_serial_hex(const X509 *c, char *out, size_t outsz) WARN_UNUSED;

/* Builds and signs a certificate. Caller frees *out with X509_free(). */
enum tk_err x509_issue(const struct x509_issue_req *r, X509 **out) WARN_UNUSED;

/* DER of a certificate appended to out. */
enum tk_err x509_to_der(X509 *c, struct buf *out) WARN_UNUSED;
enum tk_err x509_to_pem(X509 *c, struct buf *out) WARN_UNUSED;
/* RFC 7468 PEM of any DER with the given label ("CERTIFICATE", "X509 CRL"). */
enum tk_err x509_der_to_pem(const char *label, const uint8_t *der, size_t len, struct buf *out) WARN_UNUSED;

/* One revoked entry for x509_crl_build(). */
struct x509_crl_entry {
	uint8_t serial[32];
	size_t serial_len;
	int64_t revoked_at;
	int reason; /* RFC 5280 CRLReason; 0 (unspecified) is left out */
};

/* Iterator: fills e and sets *has = 1, or sets *has = 0 at the end. */
typedef enum tk_err (*x509_crl_next_fn)(void *arg, struct x509_crl_entry *e, int *has);

/*
 * Builds and signs a full CRL (RFC 5280 5.1) with CRL number and
 * authorityKeyIdentifier, streaming entries from next() straight into DER,
 * so memory is about 50 bytes per entry. Appends the DER to out.
 */
enum tk_err x509_crl_build(X509 *issuer, const struct key *k, const char *digest, uint64_t crl_number,
    int64_t this_update, int64_t next_update, x509_crl_next_fn next, void *arg, struct buf *out) WARN_UNUSED;

/* RFC 5280 reason names: unspecified keyCompromise cACompromise affiliationChanged
 * superseded cessationOfOperation certificateHold privilegeWithdrawn aACompromise. */
/* The first http(s) URI of a certificate's CRL distribution points (RFC 5280 4.2.1.13); 0 when none. */
int x509_crl_url(X509 *x, char *out, size_t sz);
/* The first http(s) OCSP responder of its Authority Information Access (RFC 5280 4.2.2.1); 0 when none. */
int x509_ocsp_url(X509 *x, char *out, size_t sz);
enum tk_err x509_reason_parse(const char *s, int *out) WARN_UNUSED;
const char *x509_reason_name(int reason);

#endif

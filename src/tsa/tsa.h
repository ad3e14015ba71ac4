/*
 * tsa: RFC 3161 time-stamp responses on OpenSSL's TS_RESP_CTX. No store and
 * no configuration reading: the trust service (src/svc/trust.c) hands in
 * the key, the certificates and the settings; this module checks requests
 * strictly and answers every one of them with a TimeStampResp, granted
 * (with a token) or rejected (PKIStatusInfo with a failInfo).
 *
 * ASN.1 (RFC 3161 2.4.1, 2.4.2), for reference:
 *   TimeStampReq ::= SEQUENCE { version INTEGER { v1(1) },
 *                               messageImprint MessageImprint,
 *                               reqPolicy TSAPolicyId OPTIONAL,
 *                               nonce INTEGER OPTIONAL,
 *                               certReq BOOLEAN DEFAULT FALSE,
 *                               extensions [0] IMPLICIT Extensions OPTIONAL }
 *   MessageImprint ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier, hashedMessage OCTET STRING }
 *   TimeStampResp ::= SEQUENCE { status PKIStatusInfo, timeStampToken TimeStampToken OPTIONAL }
 *   PKIStatusInfo ::= SEQUENCE { status PKIStatus, statusString PKIFreeText OPTIONAL,
 *                                failInfo PKIFailureInfo OPTIONAL }
 */
#ifndef TEKEN_TSA_H
#define TEKEN_TSA_H

#include "core/core.h"
#include "keys/keys.h"

#include <openssl/x509.h>

/* PKIFailureInfo bits (RFC 3161 2.4.2). */
enum tsa_fail {
	TSA_FAIL_BAD_ALG = 0,
	TSA_FAIL_BAD_REQUEST = 2,
	TSA_FAIL_BAD_DATA_FORMAT = 5,
	TSA_FAIL_TIME_NOT_AVAILABLE = 14,
	TSA_FAIL_UNACCEPTED_POLICY = 15,
	TSA_FAIL_UNACCEPTED_EXTENSION = 16,
	TSA_FAIL_ADD_INFO_NOT_AVAILABLE = 17,
	TSA_FAIL_SYSTEM_FAILURE = 25,
};

struct tsa_settings {
	const char *policy_oid;  /* default policy, dotted OID */
	const char *digests;     /* accepted messageImprint hashes: comma list of sha256,sha384,sha512,sha1 */
	const char *sign_digest; /* hash of the token's signature: sha256, sha384, sha512 */
	uint32_t accuracy_s;     /* accuracy in seconds (0: left out) */
	uint32_t accuracy_ms;
};

/*
 * A signer wraps one TS_RESP_CTX, which is not thread-safe: use one per
 * thread. The key is referenced (key_ref), the certificate and chain are
 * up-ref'd; chain (may be NULL) holds the CA certificates sent with the
 * token when the request sets certReq. Free with tsa_signer_free().
 */
struct tsa_signer;
enum tk_err tsa_signer_new(const struct tsa_settings *set, struct key *k, X509 *cert, STACK_OF(X509) *chain,
    struct tsa_signer **out) WARN_UNUSED;
void tsa_signer_free(struct tsa_signer *s);

/*
 * Checks a DER TimeStampReq before OpenSSL sees it: at most
 * MAX_TSA_REQ_BYTES, one canonical DER value with nothing after it.
 * On failure *fail names the failInfo to answer with and the error
 * message says why. tsa_respond() calls it.
 */
enum tk_err tsa_req_check(const uint8_t *p, size_t len, enum tsa_fail *fail) WARN_UNUSED;

/*
 * Answers a request: appends a DER TimeStampResp to out, granted with a
 * token (genTime from the system clock, a random 128-bit serial, the
 * request's nonce echoed, ESSCertIDv2 with SHA-256) or a rejection with
 * the fitting failInfo. Returns TK_OK whenever out holds a response;
 * *granted is 1 for a token. Errors mean no response could be made at
 * all (out of memory).
 */
enum tk_err tsa_respond(struct tsa_signer *s, const uint8_t *req, size_t len, struct buf *out, int *granted) WARN_UNUSED;

/* Appends a rejection (status 2, the failInfo bit, text as statusString) to out. */
enum tk_err tsa_reject(enum tsa_fail fail, const char *text, struct buf *out) WARN_UNUSED;

#endif

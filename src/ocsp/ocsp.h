/*
 * ocsp: RFC 6960 OCSP requests and responses on OpenSSL, in the RFC 5019
 * lightweight profile. No store and no policy: this module parses requests
 * strictly, matches CertIDs against an issuer, and builds signed responses
 * or unsigned error responses. Which status a certificate has, when a
 * response is made and where it is kept is the trust service's business
 * (src/svc/trust.c).
 *
 * ASN.1 (RFC 6960 4.1.1, 4.2.1), for reference:
 *   OCSPRequest ::= SEQUENCE { tbsRequest TBSRequest,
 *                              optionalSignature [0] EXPLICIT Signature OPTIONAL }
 *   TBSRequest  ::= SEQUENCE { version [0] EXPLICIT Version DEFAULT v1,
 *                              requestorName [1] EXPLICIT GeneralName OPTIONAL,
 *                              requestList SEQUENCE OF Request,
 *                              requestExtensions [2] EXPLICIT Extensions OPTIONAL }
 *   Request     ::= SEQUENCE { reqCert CertID,
 *                              singleRequestExtensions [0] EXPLICIT Extensions OPTIONAL }
 *   CertID      ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier,
 *                              issuerNameHash OCTET STRING, issuerKeyHash OCTET STRING,
 *                              serialNumber CertificateSerialNumber }
 */
#ifndef TEKEN_OCSP_H
#define TEKEN_OCSP_H

#include "core/core.h"
#include "keys/keys.h"

#include <openssl/ocsp.h>
#include <openssl/x509.h>

/* OCSPResponseStatus (RFC 6960 4.2.1); 4 is not used. */
enum ocsp_resp_status {
	OCSP_ST_SUCCESSFUL = 0,
	OCSP_ST_MALFORMED = 1,
	OCSP_ST_INTERNAL_ERROR = 2,
	OCSP_ST_TRY_LATER = 3,
	OCSP_ST_SIG_REQUIRED = 5,
	OCSP_ST_UNAUTHORIZED = 6,
};

/* Hash algorithms of a CertID that this responder answers for. */
enum ocsp_hash { OCSP_HASH_OTHER = 0,
	OCSP_HASH_SHA1,
	OCSP_HASH_SHA256 };

/* One CertID of a request, as plain data. */
struct ocsp_certid {
	enum ocsp_hash hash; /* OCSP_HASH_OTHER: unsupported algorithm */
	int canonical_alg;   /* hashAlgorithm is exactly {OID, NULL}, as our stored responses encode it */
	uint8_t name_hash[64];
	size_t name_hash_len;
	uint8_t key_hash[64];
	size_t key_hash_len;
	uint8_t serial[32]; /* magnitude bytes, as certs.serial stores them in hex */
	size_t serial_len;  /* 0: negative, zero-length or longer than 32 bytes (never ours) */
};

struct ocsp_req;

/*
 * Parses a DER OCSPRequest strictly: at most MAX_OCSP_REQ_BYTES, exactly
 * one canonical DER value (re-encoding gives the same bytes), version v1,
 * 1..MAX_OCSP_REQ_CERTS CertIDs, a nonce of 1..MAX_OCSP_NONCE_BYTES
 * (RFC 8954), no critical extension we do not know. optionalSignature is
 * accepted and ignored (RFC 5019 2.1.2). Any failure is TK_ERR_INVALID or
 * TK_ERR_LIMIT with the clause in the message: answer malformedRequest.
 * Caller frees *out with ocsp_req_free(). ocsp_resp_build() answers it.
 */
enum tk_err ocsp_req_parse(const uint8_t *p, size_t len, struct ocsp_req **out) WARN_UNUSED;
void ocsp_req_free(struct ocsp_req *r);
size_t ocsp_req_count(const struct ocsp_req *r);
/* The i-th CertID (i < ocsp_req_count()); owned by r. */
const struct ocsp_certid *ocsp_req_certid(const struct ocsp_req *r, size_t i);
int ocsp_req_has_nonce(const struct ocsp_req *r);

/*
 * Decodes the base64 part of a GET URL (RFC 6960 A.1, RFC 5019 5): the
 * path after "/ocsp/", already percent-decoded. Accepts the standard and
 * the URL-safe alphabet, optional padding, and ' ' for '+' (form decoding).
 * Appends the DER to out; fails on any other byte or a bad length.
 */
enum tk_err ocsp_b64_decode(const char *s, size_t len, struct buf *out) WARN_UNUSED;

/* SHA-1 and SHA-256 hashes of an issuer's name and key (RFC 6960 4.1.1). */
struct ocsp_issuer {
	uint8_t name_sha1[20], key_sha1[20];
	uint8_t name_sha256[32], key_sha256[32];
};
enum tk_err ocsp_issuer_hashes(X509 *issuer, struct ocsp_issuer *out) WARN_UNUSED;
/* 1 when the CertID names this issuer with SHA-1 or SHA-256; 0 otherwise. */
int ocsp_certid_matches(const struct ocsp_certid *id, const struct ocsp_issuer *is);

/* A responder: the delegated OCSP signing certificate, its key and the CA it answers for. */
struct ocsp_signer;

/*
 * Makes a responder from a key (a reference is taken), its certificate and
 * the issuer certificate (both up-ref'd); digest names the signature hash
 * ("sha256"). Immutable afterwards: threads may share it. Free with
 * ocsp_signer_free().
 */
enum tk_err ocsp_signer_new(struct key *k, X509 *signer_cert, X509 *issuer, const char *digest,
    struct ocsp_signer **out) WARN_UNUSED;
void ocsp_signer_free(struct ocsp_signer *s);

enum ocsp_cert_status { OCSP_CERT_GOOD = 0,
	OCSP_CERT_REVOKED = 1,
	OCSP_CERT_UNKNOWN = 2 };

/* The status of one certificate in a response. */
struct ocsp_single {
	/* Either the CertID of a request, echoed as sent ... */
	const struct ocsp_req *req;
	size_t req_index;
	/* ... or (req == NULL) our own CertID for this serial with hash. */
	const uint8_t *serial;
	size_t serial_len;
	enum ocsp_hash hash;
	enum ocsp_cert_status status;
	int64_t revoked_at;
	int reason; /* RFC 5280 CRLReason; < 0 or 0 (unspecified): left out */
};

/*
 * Builds and signs a successful OCSPResponse (BasicOCSPResponse, responder
 * ID by key hash, the signer certificate included) with n single responses,
 * thisUpdate/nextUpdate as given and producedAt now. When nonce_req is not
 * NULL its nonce is echoed. Appends the DER to out. ocsp_req_parse() reads
 * the requests it answers.
 */
enum tk_err ocsp_resp_build(const struct ocsp_signer *s, const struct ocsp_single *items, size_t n,
    const struct ocsp_req *nonce_req, int64_t this_update, int64_t next_update, struct buf *out) WARN_UNUSED;

/* Appends an unsigned error response (malformedRequest, tryLater, ...) to out. */
enum tk_err ocsp_resp_error(enum ocsp_resp_status st, struct buf *out) WARN_UNUSED;

#endif

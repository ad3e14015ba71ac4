/*
 * svc/trust: the online trust services (R2, R3): the RFC 3161 time-stamping
 * authority and the RFC 6960 / RFC 5019 OCSP responder. The protocol work
 * is done by src/tsa and src/ocsp; this file decides what to answer from
 * the store and the configuration ([tsa], [ocsp]; docs/trust-services.md).
 *
 * OCSP responses are pre-produced: one signed response per certificate of
 * the issuing CA is kept in the store (table ocsp_responses), made at
 * issuance and revocation (trust_cert_changed), refreshed at half its
 * validity by the server's hourly job or `teken ocsp refresh` and, as a
 * safety net, by the first request that finds it stale. A request without nonce for one
 * certificate is then a store lookup. Requests with a nonce, for several
 * certificates or for serials we never issued are signed on demand, with a
 * bounded number of signatures in flight per process (tryLater beyond).
 *
 * Signers (the TSA's TS_RESP_CTX, the OCSP signer) are cached per thread
 * and hold their own references (keys, certificates), so they outlive
 * nothing: a worker thread's cache is freed when the thread ends, the main
 * thread's at exit, or earlier with trust_thread_done().
 */
#ifndef TEKEN_SVC_TRUST_H
#define TEKEN_SVC_TRUST_H

#include "svc/base/base.h"
#include "cms/cms.h"

#include <openssl/ts.h>

#define TRUST_DEFAULT_TSA_POLICY "2.16.360.1.1.1.99.2" /* placeholder arc, like the CPS policy OID */

/*
 * Answers a DER TimeStampReq with a DER TimeStampResp appended to out:
 * a token, or a rejection with failInfo (badRequest, badAlg,
 * badDataFormat, unacceptedPolicy, unacceptedExtension, systemFailure).
 * Never touches the store's write path. *granted is 1 for a token.
 * Returns an error only when no response at all could be made.
 */
enum tk_err trust_tsa_stamp(struct svc_ctx *c, const uint8_t *req, size_t len, struct buf *out, int *granted) WARN_UNUSED;
/* trust_tsa_stamp() for a relying party (POST /tsa): counted for the usage report; signing's own time stamps are not. */
enum tk_err trust_tsa_serve(struct svc_ctx *c, const uint8_t *req, size_t len, struct buf *out, int *granted) WARN_UNUSED;

struct trust_ocsp_answer {
	struct buf der;      /* DER OCSPResponse; caller frees with buf_free() */
	int successful;      /* responseStatus successful (signed) */
	int cacheable;       /* successful and without nonce: HTTP caching headers apply */
	int64_t this_update; /* of a successful answer */
	int64_t next_update;
};

/*
 * Answers a DER OCSPRequest: always fills out->der with an OCSPResponse
 * (successful, or malformedRequest / unauthorized / tryLater /
 * internalError). CertIDs naming another issuer, or hashed with anything
 * but SHA-1 or SHA-256, are unauthorized (RFC 5019 2.2.3). Returns an
 * error only when no response at all could be made; out->der is then empty.
 */
enum tk_err trust_ocsp_answer(struct svc_ctx *c, const uint8_t *req, size_t len, struct trust_ocsp_answer *out) WARN_UNUSED;

/* Produces and stores the OCSP response of one certificate (hex serial) of the issuing CA. */
enum tk_err trust_ocsp_refresh_serial(struct svc_ctx *c, const char *serial) WARN_UNUSED;

struct trust_refresh_stats {
	int64_t refreshed; /* responses signed and stored */
	int64_t failed;    /* certificates whose response could not be made */
};

/*
 * Refreshes stored OCSP responses of the issuing CA's unexpired
 * certificates: missing ones, ones whose certificate status changed and
 * ones past half their validity (all when force is set). Signs outside
 * transactions and writes in batches; writes one audit event when it
 * made or failed anything. `teken serve` runs it hourly (svc/jobs.c).
 */
enum tk_err trust_ocsp_refresh(struct svc_ctx *c, int force, struct trust_refresh_stats *out) WARN_UNUSED;

/*
 * Hook for the CA service after a certificate was issued or its status
 * changed (committed): refreshes that serial's stored response at once.
 * Best effort: a failure is logged, and the responder never serves a
 * stored response whose status differs from the certificate's anyway.
 */
void trust_cert_changed(struct svc_ctx *c, const char *serial);

/* Frees the signers this thread cached. Safe to call when there are none. */
void trust_thread_done(void);

/* ---- time-stamp client (svc/trust/timestamp.c) ---- */

/*
 * An RFC 3161 token (DER ContentInfo) over data from the configured TSA:
 * [sign] tsa_url, or this instance's own TSA in-process. Checked for
 * status, imprint and nonce. Appends to token.
 */
enum tk_err timestamp_token(struct svc_ctx *c, const uint8_t *data, size_t len, struct buf *token) WARN_UNUSED;
/* The same over a digest made with timestamp_digest_name(). */
enum tk_err timestamp_token_digest(struct svc_ctx *c, const uint8_t *digest, size_t dlen, struct buf *token) WARN_UNUSED;
/* The digest the configured TSA is asked to stamp ("sha256" by default). */
const char *timestamp_digest_name(const struct instance *inst);
/*
 * Checks a TSA's reply to req (RFC 3161 2.4.2): one DER TimeStampResp and
 * nothing after it, status granted, version, imprint and nonce those of
 * req; appends the token (DER ContentInfo) to token. The token's signature
 * is left to verifiers. Does not take ownership of req or reply.
 * timestamp_token_digest() calls it on what the TSA sent back.
 */
enum tk_err timestamp_reply_token(TS_REQ *req, const uint8_t *reply, size_t len, struct buf *token) WARN_UNUSED;
/* pades_opts.doc_ts for this instance's timestamp source (arg: struct svc_ctx *). */
enum tk_err svc_doc_ts(void *arg, enum cms_md md, const uint8_t *digest, size_t dlen, struct buf *token) WARN_UNUSED;
/* Appends to tail a document timestamp revision (PAdES B-LTA) over pdf[0..len). */
enum tk_err svc_doc_timestamp(struct svc_ctx *c, const uint8_t *pdf, size_t len, struct buf *tail) WARN_UNUSED;

/* ---- long-term validation (svc/ltv.c) ---- */

struct ltv_report {
	size_t signatures, certs, crls, ocsps;
	size_t missing; /* certificates without reachable revocation data */
	char missing_what[256];
};
/*
 * Adds a /DSS with validation data for every signature (PAdES B-LT) and,
 * with lta, a document timestamp (B-LTA) to pdf; the new revisions are
 * appended to tail.
 */
enum tk_err ltv_extend(struct svc_ctx *c, const uint8_t *pdf, size_t len, int lta, struct buf *tail, struct ltv_report *r) WARN_UNUSED;

#endif

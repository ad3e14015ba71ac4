/*
 * Private to src/verify: the trust store layout, the per-verification
 * context and the helpers shared by the PDF, CAdES, timestamp and
 * revision-comparison code. The public API is verify.h.
 */
#ifndef TEKEN_VERIFY_INT_H
#define TEKEN_VERIFY_INT_H

#include "verify/verify.h"

#include "cms/cms.h"

#include <openssl/ocsp.h>
#include <openssl/x509.h>

struct pdf_doc;

struct verify_trust {
	X509_STORE *store; /* anchors only */
	STACK_OF(X509) *anchors;
	STACK_OF(X509_CRL) *crls; /* --crl files */
	verify_status_fn status;
	void *status_arg;
	verify_online_fn online; /* NULL: no network */
	void *online_arg;
	void (*online_free)(void *);
};

/* One verification. */
struct vctx {
	const struct verify_opts *o;
	const struct verify_trust *trust;
	struct verify_report *r;
	int64_t now;
	int64_t deadline_ms; /* CLOCK_MONOTONIC milliseconds */
	/* validation data carried by the document (/DSS) */
	STACK_OF(X509) *pool; /* certificates (untrusted) */
	STACK_OF(X509_CRL) *crls;
	OCSP_BASICRESP **ocsps; /* basic OCSP responses */
	size_t nocsps, capocsps;
	size_t dss_items, dss_bytes;
};

/* Byte ranges of a buffer, hashed in place. */
struct vranges {
	const uint8_t *p;
	size_t off[2], len[2];
	size_t n;
};

/* ---- verify_trust.c ---- */

void vctx_init(struct vctx *v, const struct verify_opts *o, struct verify_report *r);
void vctx_done(struct vctx *v);
/* TK_ERR_LIMIT with a message once the time budget is spent. */
enum tk_err vctx_check_time(struct vctx *v) WARN_UNUSED;

/* Result of path validation of one certificate. */
struct vpath {
	enum verify_ind ind;
	enum verify_sub sub;
	char msg[320];
	STACK_OF(X509) *chain;      /* owned; leaf first, anchor last; NULL when none was built */
	enum verify_rev_status rev; /* of the leaf */
	char rev_source[48];
	int64_t revoked_at;
	int revoked_reason;
	int rev_from_dss; /* the leaf's status came from /DSS data */
};
void vpath_free(struct vpath *p);

#define VPATH_TSA 0x1u          /* purpose timeStamping (RFC 3161 2.3) */
#define VPATH_POE 0x2u          /* "at" is proven by a timestamp (proof of existence) */
#define VPATH_REV_OPTIONAL 0x4u /* missing revocation data for the leaf is acceptable */
/*
 * Validates leaf to a trust anchor at time at (ETSI EN 319 102-1 5.2.6),
 * with extra (may be NULL) and the /DSS certificates as intermediates,
 * then the revocation status of each non-anchor certificate at that time.
 * Fills *out (free with vpath_free()); errors only for memory and budget.
 */
enum tk_err vx_path(struct vctx *v, X509 *leaf, STACK_OF(X509) *extra, int64_t at, unsigned flags, struct vpath *out) WARN_UNUSED;

/*
 * Algorithm policy for a key (ETSI TS 119 312 style): RSA >= 2048 bits,
 * EC >= 256 bits, Ed25519/Ed448. 0 and a reason in why when refused.
 */
int vx_key_ok(EVP_PKEY *pk, char *why, size_t whysz);
/* "rsa2048", "ec-p256", ... into out. */
void vx_key_name(EVP_PKEY *pk, char *out, size_t outsz);
/* Subject commonName (else the RFC 2253 subject) into out. */
void vx_cert_cn(X509 *c, char *out, size_t outsz);
void vx_name(const X509_NAME *n, char *out, size_t outsz);
/* ASN1_TIME to UTC seconds; 0 when unreadable. */
int64_t vx_time(const ASN1_TIME *t);
/* Streams ranges into a digest of md (any EVP digest). */
enum tk_err vx_digest(const EVP_MD *md, const struct vranges *r, uint8_t *out, size_t *outlen) WARN_UNUSED;

/* ---- verify_sig.c ---- */

/* What the caller knows about the signed data of one CMS signature. */
struct vsigned {
	const struct vranges *ranges; /* the signed bytes */
	int enveloped_sha1;           /* adbe.pkcs7.sha1: eContent is SHA-1 of the ranges */
	int64_t doc_poe;              /* earliest genTime of valid document timestamps covering it; 0: none */
	int pades;                    /* 1: PAdES (no CMS signingTime expected) */
	int cades;
};

/*
 * Runs ISC, CV, SAV, signature timestamps and XCV for one CMS SignedData
 * der[0..len) (already framed), filling s (signer, times, blocks, level
 * base and final indication except MDP). Errors only for memory and budget.
 */
enum tk_err vs_check_cms(struct vctx *v, struct verify_sig *s, const uint8_t *der, size_t len, const struct vsigned *sd) WARN_UNUSED;

/*
 * Validates an RFC 3161 TimeStampToken der[0..len) whose imprint must be
 * the hash of data; the TSA path is checked at check_at. Fills *ts and,
 * when tsa_cert is not NULL, an up-ref'd TSA certificate. Errors only for
 * memory and budget; verdicts go into ts.
 */
enum tk_err vs_check_token(struct vctx *v, const uint8_t *der, size_t len, const struct vranges *data, int64_t check_at,
    struct verify_ts *ts, X509 **tsa_cert) WARN_UNUSED;

/* Size of the BER (or DER) element at p[0..len), indefinite lengths included; 0 when malformed. */
size_t vx_ber_size(const uint8_t *p, size_t len);

/* Sets a block's result. */
void vb_set(struct verify_sig *s, enum verify_bb b, enum verify_ind ind, enum verify_sub sub, const char *fmt, ...)
    PRINTF_LIKE(5, 6);
/* Sets the final indication from the blocks (ETSI EN 319 102-1 5.3 order). */
void vs_conclude(struct verify_sig *s);
/* Adds a warning to s (kept up to its capacity): something a standard forbids that did not change what was signed. */
void vs_warn(struct verify_sig *s, const char *fmt, ...) PRINTF_LIKE(2, 3);

/* ---- verify_diff.c ---- */

/*
 * Compares the document as of revision a with the next one b (both loaded
 * from prefixes of the same file) and records the kinds of change in *ch.
 * *work counts xref entries examined against VERIFY_MAX_DIFF_WORK.
 */
enum tk_err vd_compare(struct vctx *v, struct pdf_doc *a, struct pdf_doc *b, struct verify_change *ch, size_t *work) WARN_UNUSED;
/*
 * The page objects of doc in page order (0 for a page that is a direct
 * dictionary) into a malloc'd *nums (caller frees). TK_ERR_INVALID or
 * TK_ERR_LIMIT (error cleared) when the page tree cannot be walked.
 */
enum tk_err vd_page_list(struct pdf_doc *doc, uint32_t **nums, size_t *n) WARN_UNUSED;
/* Pages of b not in a (added, numbered in b) and of a not in b (removed, numbered in a), into *out. */
enum tk_err vd_pages_compare(const uint32_t *a, size_t na, const uint32_t *b, size_t nb, struct verify_pages *out) WARN_UNUSED;
/* Adds a formatted detail line to ch (kept up to VERIFY_MAX_DETAILS). */
void vd_detail(struct verify_change *ch, const char *fmt, ...) PRINTF_LIKE(2, 3);

#endif

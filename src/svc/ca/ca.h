/* svc/ca: the certificate authority (R2) and its practice statement (R10). */
#ifndef TEKEN_SVC_CA_H
#define TEKEN_SVC_CA_H

#include "svc/base/base.h"
#include "x509/x509.h"

/* ---- certificate authority (svc/ca.c) ---- */

struct ca_issue_in {
	const uint8_t *csr;
	size_t csr_len;
	const char *profile;
	const char *subject;     /* NULL: from the CSR, checked against the profile */
	const char *subject_nik; /* optional: 16-digit NIK as serialNumber IDCID-... */
	int64_t subscriber_id;   /* 0: none */
};

struct ca_issue_out {
	char serial[41];
	struct buf der; /* caller frees with buf_free() */
};

/* Issues from a CSR under the issuing CA; certificate and audit in one transaction. */
enum tk_err ca_issue(struct svc_ctx *c, const struct ca_issue_in *in, struct ca_issue_out *out) WARN_UNUSED;
/* Revokes by serial (hex, any case, colons allowed) with an RFC 5280 reason name. */
enum tk_err ca_revoke(struct svc_ctx *c, const char *serial, const char *reason) WARN_UNUSED;
/* Builds a fresh full CRL of a CA ("issuing" or "root"), stores it, appends DER to out. */
enum tk_err ca_crl(struct svc_ctx *c, const char *ca_name, struct buf *out) WARN_UNUSED;
/*
 * The published CRL of a CA (DER appended to out): the stored one while it
 * is fresh (less than half its validity used), otherwise a new one.
 */
enum tk_err ca_crl_current(struct svc_ctx *c, const char *ca_name, struct buf *out, int64_t *this_update,
    int64_t *next_update) WARN_UNUSED;
/* ca_crl_current() for a relying party (GET /crl/{ca}.crl): counted for the usage report. */
enum tk_err ca_crl_serve(struct svc_ctx *c, const char *ca_name, struct buf *out, int64_t *this_update,
    int64_t *next_update) WARN_UNUSED;
/* A service certificate recorded in meta ("cert.seal", "cert.tsa", "cert.ocsp"). Caller frees. */
enum tk_err ca_cert_by_meta(struct svc_ctx *c, const char *meta, X509 **out) WARN_UNUSED;
/* The same, refusing a revoked or held certificate (certificate_not_valid); serial gets its hex serial. */
enum tk_err ca_cert_by_meta_valid(struct svc_ctx *c, const char *meta, X509 **out, char serial[65]) WARN_UNUSED;
/* DER of a CA certificate ("root", "issuing"). */
enum tk_err ca_cert_der(struct svc_ctx *c, const char *ca_name, struct buf *out) WARN_UNUSED;
/* PEM of the issuing CA then the root. */
enum tk_err ca_chain_pem(struct svc_ctx *c, struct buf *out) WARN_UNUSED;
/* PEM of one issued certificate by serial. */
enum tk_err ca_cert_pem(struct svc_ctx *c, const char *serial, struct buf *out) WARN_UNUSED;
/* Loads a CA's certificate and key ("root", "issuing"). Caller frees both. */
enum tk_err ca_load(struct svc_ctx *c, const char *name, int64_t *id, X509 **cert, struct key **key) WARN_UNUSED;

/* ---- certification practice statement (svc/cps.c) ---- */

/* Stores a new CPS version (Markdown); versions are immutable. */
enum tk_err cps_publish(struct svc_ctx *c, const char *version, const uint8_t *body, size_t len,
    char sha256_hex_out[65]) WARN_UNUSED;

struct cps_doc {
	char version[64];
	char sha256[65];
	int64_t published_at;
	struct buf body; /* caller frees */
};
/* Latest version when version is NULL. */
enum tk_err cps_get(struct svc_ctx *c, const char *version, struct cps_doc *out) WARN_UNUSED;

/* ---- for the other services, inside their transactions ---- */

/* Records an issued certificate with its DER and an audit event (inside a write tx). */
enum tk_err svc_insert_cert(struct svc_ctx *c, X509 *cert, const char *profile, int64_t ca_id,
    int64_t subscriber_id) WARN_UNUSED;
/* CRL/AIA/CPS URLs and policy for certificates issued by CA ca_name; strings live in buf. */
enum tk_err svc_issue_urls(const struct instance *inst, const char *ca_name, int with_ocsp, char buf[4][320],
    struct x509_urls *u) WARN_UNUSED;
/*
 * Builds and signs a certificate under the issuing CA for pubkey and subject
 * (checked against the profile); nothing is stored. Caller frees *out.
 */
enum tk_err ca_build(struct svc_ctx *c, const char *profile, EVP_PKEY *pubkey, const X509_NAME *subject, X509 **out,
    int64_t *ca_id) WARN_UNUSED;
/* Revokes a certificate inside the caller's write transaction (with audit). */
enum tk_err ca_revoke_in_tx(struct svc_ctx *c, const char *serial_hex, int reason) WARN_UNUSED;
/* Lower-case hex without colons (1..64 digits), as certs.serial stores it. */
enum tk_err ca_serial_normalise(const char *in, char out[65]) WARN_UNUSED;
/* Takes a certificate off hold (status valid again) inside the caller's transaction. */
enum tk_err ca_release_in_tx(struct svc_ctx *c, const char *serial_hex) WARN_UNUSED;
/* Publishes a fresh issuing-CA CRL after a status change (best effort, logged). */
void ca_crl_after_change(struct svc_ctx *c);

#endif

/* Private to src/svc: helpers shared between service files. */
#ifndef TEKEN_SVC_INTERNAL_H
#define TEKEN_SVC_INTERNAL_H

#include "svc/svc.h"
#include "cms/cms.h"
#include "x509/x509.h"

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
/* Runs fn(c, arg) in a write transaction; commits on TK_OK, rolls back otherwise. */
enum tk_err svc_in_tx(struct svc_ctx *c, enum tk_err (*fn)(struct svc_ctx *c, void *arg), void *arg) WARN_UNUSED;

/*
 * The one answer to a wrong passphrase, a locked key, a missing key or an
 * unknown official: callers must not be able to tell them apart.
 */
enum tk_err ra_passphrase_error(void);

/* pades_opts.doc_ts for this instance's timestamp source (arg: struct svc_ctx *). */
enum tk_err svc_doc_ts(void *arg, enum cms_md md, const uint8_t *digest, size_t dlen, struct buf *token) WARN_UNUSED;

/* Appends the one blob column of the row sql (one text parameter) selects; TK_ERR_NOT_FOUND when none. */
enum tk_err svc_query_blob(struct svc_ctx *c, const char *sql, const char *arg, struct buf *out) WARN_UNUSED;
/* Appends to tail a document timestamp revision (PAdES B-LTA) over pdf[0..len). */
enum tk_err svc_doc_timestamp(struct svc_ctx *c, const uint8_t *pdf, size_t len, struct buf *tail) WARN_UNUSED;

/* Publishes a fresh issuing-CA CRL after a status change (best effort, logged). */
void ca_crl_after_change(struct svc_ctx *c);

#endif

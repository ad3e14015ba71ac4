/*
 * svc/verify: signature verification as a service (issue 7). The engine in
 * src/verify knows nothing of instances; this file adds what an instance
 * knows: its root CA as a trust anchor, extra anchors from [verify] trust,
 * the status of the certificates it issued (its registry answers like an
 * OCSP responder would), and the document registry, whose record is
 * attached when the verified file is byte-identical to a document this
 * instance signed. Every function accepts c == NULL for verification
 * without an instance (teken verify --trust ...).
 */
#ifndef TEKEN_SVC_VERIFY_SVC_H
#define TEKEN_SVC_VERIFY_SVC_H

#include "svc/base/base.h"
#include "verify/verify.h"
#include <jansson.h>

#define VERIFY_SVC_MAX_SECONDS 20u        /* default time budget of one verification over HTTP ([verify] max_seconds) */
#define VERIFY_SVC_MAX_OBJECTS (1u << 20) /* default object numbers of a PDF over HTTP ([verify] max_objects) */

struct verify_svc_in {
	const uint8_t *data;     /* the PDF, or for CAdES the signed content; borrowed */
	size_t len;
	const uint8_t *sig;      /* CAdES: the detached .p7s (DER); NULL for a PDF */
	size_t sig_len;
	int64_t at;              /* validation time; 0: now */
	unsigned max_seconds;    /* 0: [verify] max_seconds, else VERIFY_SVC_MAX_SECONDS */
	int revocation_optional; /* missing revocation data is a note, not TRY_LATER */
	uint32_t max_objects;    /* 0: [verify] max_objects with an instance, else unbounded (MAX_PDF_OBJECTS) */
	int page_changes;        /* VERIFY_SVC_PAGES_*: pages added or removed after a signature */
};
#define VERIFY_SVC_PAGES_CONFIG 0 /* [verify] page_changes = fail|warn with an instance; fail without */
#define VERIFY_SVC_PAGES_FAIL   1
#define VERIFY_SVC_PAGES_WARN   2

/*
 * Builds a trust store: with an instance, its root CA, the anchors named
 * by [verify] trust (a PEM file or a directory) and its registry as the
 * status source of its own certificates (c must outlive the trust); then
 * the anchor files or directories paths[0..npaths) and the CRL files
 * crls[0..ncrls). Caller frees *out with verify_trust_free().
 */
enum tk_err verify_svc_trust(struct svc_ctx *c, const char *const *paths, size_t npaths, const char *const *crls, size_t ncrls,
    struct verify_trust **out) WARN_UNUSED;

/*
 * Verifies in->data (PDF) or in->sig over in->data (CAdES) against t.
 * Caller frees *out with verify_report_free(). Errors as verify_pdf().
 */
enum tk_err verify_svc_run(struct svc_ctx *c, const struct verify_trust *t, const struct verify_svc_in *in,
    struct verify_report **out) WARN_UNUSED;

/*
 * The detailed JSON report (verify_report_json()) plus, with an instance,
 * "registry": the record of the document this instance signed whose
 * SHA-256 equals the verified file's, or null. Caller owns *out.
 */
enum tk_err verify_svc_json(struct svc_ctx *c, const struct verify_report *r, const char *file, json_t **out) WARN_UNUSED;

/*
 * One call for the HTTP front: trust of the instance, verification with
 * the [verify] time budget, JSON report. Caller owns *out.
 */
enum tk_err verify_svc_request(struct svc_ctx *c, const struct verify_svc_in *in, const char *file, json_t **out) WARN_UNUSED;

/*
 * The public registry record of a signed document (the QR code target):
 * id, sha256, size, pages, kind, level, signer, signed_at, application,
 * unit and the current status of the signing certificate. Ids that are not
 * 26 base32 characters are TK_ERR_NOT_FOUND without a store lookup.
 * Caller owns *out.
 */
enum tk_err verify_svc_document(struct svc_ctx *c, const char *id, json_t **out) WARN_UNUSED;

#endif

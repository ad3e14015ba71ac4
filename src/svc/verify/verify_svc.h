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
	const uint8_t *data; /* the PDF, or for CAdES the signed content; borrowed */
	size_t len;
	const uint8_t *sig; /* CAdES: the detached .p7s (DER); NULL for a PDF */
	size_t sig_len;
	int64_t at;              /* validation time; 0: now */
	unsigned max_seconds;    /* 0: [verify] max_seconds, else VERIFY_SVC_MAX_SECONDS */
	int revocation_optional; /* missing revocation data is a note, not TRY_LATER */
	uint32_t max_objects;    /* 0: [verify] max_objects with an instance, else unbounded (MAX_PDF_OBJECTS) */
	const char *password;    /* an encrypted PDF's user (or owner) password; NULL: the empty one. Borrowed, never logged or kept */
	int page_changes;        /* VERIFY_SVC_PAGES_*: pages added or removed after a signature */
	const char *channel;     /* usage report channel of a request: "web" (the public page) or "api" (NULL) */
};
#define VERIFY_SVC_PAGES_CONFIG 0 /* [verify] page_changes = fail|warn with an instance; fail without */
#define VERIFY_SVC_PAGES_FAIL 1
#define VERIFY_SVC_PAGES_WARN 2

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
 * Online revocation on t (svc/verify/verify_online.c): the OCSP responder
 * or CRL a certificate names, for certificates no other source answers
 * for, fetched under [verify] fetch_allow / fetch_private when the
 * instance's configuration has fetch_allow, else from any host whose
 * addresses are all public (also for c == NULL, the CLI without --dir).
 * Answers are cached in the process until their nextUpdate.
 */
enum tk_err verify_svc_online(struct svc_ctx *c, struct verify_trust *t) WARN_UNUSED;
/* [verify] revocation = online: verify_svc_trust() installs online revocation itself. */
int verify_svc_online_configured(const struct svc_ctx *c);

/*
 * Verifies in->data (PDF) or in->sig over in->data (CAdES) against t.
 * Caller frees *out with verify_report_free(). Errors as verify_pdf().
 */
enum tk_err verify_svc_run(struct svc_ctx *c, const struct verify_trust *t, const struct verify_svc_in *in,
    struct verify_report **out) WARN_UNUSED;

/*
 * A counter-party's signed copy of a PDF teken made (monev minutes, review
 * report): p[0..len) must begin with base[0..base_len), add to it, carry
 * exactly want signatures in all (document time stamps aside), every one
 * TOTAL_PASSED under the instance's policy, and the newest must cover the
 * whole of base. what names the file in messages and prefixes the error
 * codes (<what>_encrypted, _not_extended, _signature_invalid,
 * _signature_count, _not_covered). On success *report holds the report
 * (caller frees with verify_report_free()) and *newest points into it at
 * the added signature. Does not take ownership of base or p.
 */
enum tk_err verify_svc_extension(struct svc_ctx *c, const char *what, const uint8_t *base, size_t base_len, const uint8_t *p, size_t len,
    int64_t want, struct verify_report **report, const struct verify_sig **newest) WARN_UNUSED;

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

/* One document of a batch: a label (its file name) and its bytes, borrowed. */
struct verify_batch_item {
	const char *name;
	const uint8_t *data;
	size_t len;
};
#define VERIFY_BATCH_MAX_FILES 100u /* documents in one batch request */
#define VERIFY_BATCH_SECONDS 120u   /* the whole batch; later documents get a "batch_time" error entry */
/*
 * Verifies items[0..n) with the instance's trust (svc/verify/verify_batch.c):
 * {"count":n, "results":[report (verify_svc_json, "file" = its name) or
 * {"file","error":{"code","message"}} for a document that could not be
 * verified]}, in order. Caller owns *out.
 */
enum tk_err verify_svc_batch(struct svc_ctx *c, const struct verify_batch_item *items, size_t n, json_t **out) WARN_UNUSED;
/* The entry of a document that could not be verified: {"file", "error":{"code","message"}} (batch and folder mode). */
json_t *verify_svc_error_item(const char *name, const struct tk_error *e);

/* ---- printable reports ---- */

enum verify_svc_format { VERIFY_SVC_JSON = 0,
	VERIFY_SVC_HTML,
	VERIFY_SVC_PDF };

#define VERIFY_SVC_MAX_FILE_NAME 120u /* bytes of a document name kept for the report */

/*
 * The printable report of r (verify_report_html / verify_report_pdf) for
 * the document named file. With an instance: the verifier is its base URL,
 * the registry record is linked when the file is one this instance signed,
 * and the PDF is sealed by the instance itself (sign_instance_document:
 * instance seal, PAdES B-LT), *sealed = 1. Any caller of the verification
 * service gets the sealed report; that gives no use of the seal for
 * anything else. Without an instance (c NULL) the PDF is not signed and
 * says so, *sealed = 0. Appends to out.
 */
enum tk_err verify_svc_render(struct svc_ctx *c, const struct verify_report *r, const char *file, enum verify_svc_format fmt,
    struct buf *out, int *sealed) WARN_UNUSED;

/*
 * verify_svc_request() for a printable report: trust of the instance,
 * verification with the [verify] time budget, then verify_svc_render().
 */
enum tk_err verify_svc_request_report(struct svc_ctx *c, const struct verify_svc_in *in, const char *file, enum verify_svc_format fmt,
    struct buf *out) WARN_UNUSED;

/*
 * The name of an uploaded document as the reports show it: the last path
 * component, control characters, bidirectional controls and quotes dropped, cut at
 * VERIFY_SVC_MAX_FILE_NAME bytes on a UTF-8 boundary; "upload.pdf" when
 * nothing is left. raw may be NULL.
 */
void verify_svc_file_name(const char *raw, char out[VERIFY_SVC_MAX_FILE_NAME + 1]);

/*
 * The public registry record of a signed document (the QR code target):
 * id, sha256, size, pages, kind, level, signer, signed_at, application,
 * unit and the current status of the signing certificate. Ids that are not
 * 26 base32 characters are TK_ERR_NOT_FOUND without a store lookup.
 * Caller owns *out.
 */
enum tk_err verify_svc_document(struct svc_ctx *c, const char *id, json_t **out) WARN_UNUSED;

/* ---- BSrE Esign Client compatibility (svc/verify/verify_bsre.c, docs/bsre-compat.md) ---- */

enum verify_bsre_api { VERIFY_BSRE_V1 = 1,
	VERIFY_BSRE_V2 = 2 };

/*
 * Maps a report to the BSrE Esign Client verification response: v1
 * (POST /api/sign/verify, reference 4.1: nama_dokumen = file, details[],
 * summary) or v2 (POST /api/v2/verify/pdf, reference 4.2: conclusion,
 * signatureInformations[] with the vendor's spellings). What the report
 * does not hold (signature value, message digest, certificates, the TSA
 * certificate) is read from each signature's CMS at its /ByteRange in
 * pdf[0..len), which must be the bytes r was made from. extra holds
 * certificates that may complete a chain (the instance's CAs); may be
 * NULL. Pure: no store, no clock. Caller owns *out.
 */
enum tk_err verify_bsre_json(const struct verify_report *r, const uint8_t *pdf, size_t len, const char *file, enum verify_bsre_api api,
    STACK_OF(X509) *extra, json_t **out) WARN_UNUSED;

/*
 * One call for the BSrE routes: verifies in->data (a PDF) with the same
 * trust and engine as `teken verify` on this instance, records the
 * verification in the audit log ("document.verify", object the file's
 * SHA-256, no content) and maps the report with verify_bsre_json().
 * Caller owns *out.
 */
enum tk_err verify_svc_bsre(struct svc_ctx *c, const struct verify_svc_in *in, const char *file, enum verify_bsre_api api,
    json_t **out) WARN_UNUSED;

/*
 * BSrE GET /api/v2/user/certificate/chain/{id}: the newest certificate of
 * the official whose NIK (16 digits) or e-mail (contains '@') is id, then
 * its issuing CA and root, each as base64 DER, in *out (a JSON array).
 * An application sees only the officials of its key's units: anyone
 * else, unknown or without a certificate is TK_ERR_NOT_FOUND
 * ("not_registered" / "no_certificate"). Caller owns *out.
 */
enum tk_err verify_svc_bsre_chain(struct svc_ctx *c, const char *id, json_t **out) WARN_UNUSED;

#endif

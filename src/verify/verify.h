/*
 * verify: validation of PAdES and CAdES signatures after the model of
 * ETSI EN 319 102-1 (building blocks, indications, sub-indications).
 *
 * For a PDF, every signature field of the AcroForm (kids included) whose
 * value is a signature or document-timestamp dictionary is checked:
 *   FC   format checking: /ByteRange sane and covering its whole revision
 *        except exactly the /Contents hex string, /Contents well formed,
 *        SubFilter known, one detached SignerInfo (ISO 32000-1 12.8,
 *        ETSI EN 319 142-1);
 *   ISC  identification of the signing certificate (ESS signingCertificate
 *        (V2) must name it);
 *   XCV  X.509 path validation (OpenSSL X509_verify_cert) to the trust
 *        anchors of a struct verify_trust, intermediates from the CMS, the
 *        /DSS and the trust store, at the best signature time, with
 *        revocation from /DSS CRLs and OCSP responses, CRL files and an
 *        optional status callback (the instance's own registry);
 *   CV   cryptographic verification: the digest of the byte ranges is
 *        streamed from the caller's buffer (never copied), then the CMS
 *        signature over the signed attributes;
 *   SAV  signature acceptance: algorithm policy (SHA-1, RSA < 2048 bits,
 *        EC < 256 bits: INDETERMINATE CRYPTO_CONSTRAINTS_FAILURE);
 *   TS   signature timestamps (B-T) and document timestamps (B-LTA): imprint,
 *        token signature, TSA path; a valid timestamp is proof of existence
 *        and moves the validation time back to its genTime;
 *   MDP  modifications after signing: every later revision is compared
 *        object by object with the one before it and classified; DocMDP
 *        certification levels are enforced.
 *
 * Nothing here reads files or the store: the caller hands in buffers, a
 * trust store and options (src/svc/verify_svc.c does the instance part).
 * A report is plain data; verify_report_json() and verify_report_text()
 * render it.
 */
#ifndef TEKEN_VERIFY_H
#define TEKEN_VERIFY_H

#include "core/core.h"

#include <jansson.h>
#include <openssl/x509.h>

/* ---- limits on what one verification may cost ---- */
#define VERIFY_MAX_SIGNATURES 100u                 /* signature fields with a value in one PDF */
#define VERIFY_MAX_FIELDS (64u * 1024u)            /* form fields walked (kids included) */
#define VERIFY_MAX_FIELD_DEPTH 32u                 /* levels of /Kids */
#define VERIFY_MAX_REVISIONS 256u                  /* revisions after the first signature that are compared */
#define VERIFY_MAX_DIFF_WORK (64u * 1024u * 1024u) /* xref entries compared over all revisions */
#define VERIFY_MAX_DSS_ITEMS 512u                  /* certificates + CRLs + OCSP responses taken from /DSS */
#define VERIFY_MAX_DSS_BYTES (64u * 1024u * 1024u) /* decoded /DSS data in total */
#define VERIFY_MAX_CRL_BYTES (32u * 1024u * 1024u) /* one CRL (file or /DSS stream) */
#define VERIFY_MAX_TRUST_CERTS 1024u               /* trust anchors loaded */
#define VERIFY_MAX_DETAILS 8u                      /* change details kept per revision */
#define VERIFY_DEFAULT_SECONDS 30u                 /* time budget of one verification when none is given */

/* ---- indications (ETSI EN 319 102-1 5.1.3); larger is worse ---- */
enum verify_ind {
	VERIFY_TOTAL_PASSED = 0,
	VERIFY_INDETERMINATE = 1,
	VERIFY_TOTAL_FAILED = 2,
};

enum verify_sub {
	VERIFY_SUB_NONE = 0,
	VERIFY_SUB_FORMAT_FAILURE,
	VERIFY_SUB_HASH_FAILURE,
	VERIFY_SUB_SIG_CRYPTO_FAILURE,
	VERIFY_SUB_REVOKED,
	VERIFY_SUB_EXPIRED,
	VERIFY_SUB_NOT_YET_VALID,
	VERIFY_SUB_SIG_CONSTRAINTS_FAILURE,
	VERIFY_SUB_CHAIN_CONSTRAINTS_FAILURE,
	VERIFY_SUB_CERTIFICATE_CHAIN_GENERAL_FAILURE,
	VERIFY_SUB_CRYPTO_CONSTRAINTS_FAILURE,
	VERIFY_SUB_NO_SIGNING_CERTIFICATE_FOUND,
	VERIFY_SUB_NO_CERTIFICATE_CHAIN_FOUND,
	VERIFY_SUB_REVOKED_NO_POE,
	VERIFY_SUB_REVOKED_CA_NO_POE,
	VERIFY_SUB_OUT_OF_BOUNDS_NO_POE,
	VERIFY_SUB_OUT_OF_BOUNDS_NOT_REVOKED,
	VERIFY_SUB_TRY_LATER,
	VERIFY_SUB_SIGNED_DATA_NOT_FOUND,
	VERIFY_SUB_NO_POE,
	VERIFY_SUB_COUNT_,
};

/* "TOTAL_PASSED", ...; "HASH_FAILURE", ... ("" for VERIFY_SUB_NONE). */
const char *verify_ind_name(enum verify_ind i);
const char *verify_sub_name(enum verify_sub s);

/* Building blocks, in the order they run. */
enum verify_bb {
	VERIFY_BB_FC = 0, /* format checking */
	VERIFY_BB_ISC,    /* identification of the signing certificate */
	VERIFY_BB_XCV,    /* X.509 certificate validation (with revocation) */
	VERIFY_BB_CV,     /* cryptographic verification */
	VERIFY_BB_SAV,    /* signature acceptance validation */
	VERIFY_BB_TS,     /* timestamp validation and proof of existence */
	VERIFY_BB_MDP,    /* modification detection after signing (DocMDP) */
	VERIFY_BB_COUNT_,
};
/* "format_checking", ... */
const char *verify_bb_name(enum verify_bb b);

struct verify_block {
	int done; /* 0: not run (an earlier block decided) */
	enum verify_ind ind;
	enum verify_sub sub;
	char msg[320];
};

/* ---- kinds of change found in a later revision ---- */
#define VERIFY_MOD_SIGNATURE 0x001u     /* a signature added (field, widget, signature dictionary) */
#define VERIFY_MOD_DSS 0x002u           /* validation data (/DSS) added or extended */
#define VERIFY_MOD_DOC_TIMESTAMP 0x004u /* a document timestamp added */
#define VERIFY_MOD_FORM_FILL 0x008u     /* form field values or their appearances */
#define VERIFY_MOD_ANNOTATION 0x010u    /* annotations added, changed or removed */
#define VERIFY_MOD_PAGE_CONTENT 0x020u  /* page content, resources or the page tree */
#define VERIFY_MOD_METADATA 0x040u      /* document information or XMP metadata */
#define VERIFY_MOD_OTHER 0x080u         /* any other object changed or deleted */
#define VERIFY_MOD_APPENDED 0x100u      /* bytes after the last %%EOF that are not a revision */
#define VERIFY_MOD_UNANALYSED 0x200u    /* the revision could not be compared (damaged, over a limit) */
/* Kinds a DocMDP P value permits (ISO 32000-1 12.8.2.2 Table 254); DSS and document timestamps always. */
unsigned verify_docmdp_allowed(int p);
/* Kind names for reports: "signature", "dss", ...; one per bit. */
const char *verify_mod_name(unsigned bit);

/*
 * Visible-content changes, named after the shadow attacks on PDF signatures
 * (Mainka, Mladenov, Rohlmann, NDSS 2021): hide (something shown in the
 * signed revision is covered or dropped later), replace (a content stream,
 * font or XObject the page draws with is swapped), both: hide-and-replace.
 */
#define VERIFY_SHADOW_HIDE 0x1u
#define VERIFY_SHADOW_REPLACE 0x2u
#define VERIFY_MAX_PAGE_LIST 32u /* page numbers kept per list (added, removed, changed) */

struct verify_change {
	size_t revision;                      /* revision number from 0; for VERIFY_MOD_APPENDED the count of revisions */
	size_t start, end;                    /* bytes of the file it occupies */
	unsigned kinds;                       /* VERIFY_MOD_* */
	unsigned shadow;                      /* VERIFY_SHADOW_* found in this revision */
	uint32_t pages[VERIFY_MAX_PAGE_LIST]; /* pages (numbers in this revision, from 1) whose visible content changed */
	size_t npages;                        /* how many (may exceed the list) */
	size_t pages_added, pages_removed;    /* page objects added to or removed from the page tree */
	char details[VERIFY_MAX_DETAILS][120];
	size_t ndetails;
};

/* ---- results ---- */

enum verify_rev_status { VERIFY_REV_NOT_CHECKED = 0,
	VERIFY_REV_GOOD,
	VERIFY_REV_REVOKED,
	VERIFY_REV_UNKNOWN };

struct verify_ts {
	int document; /* 1: document timestamp (its own entry); 0: signature timestamp in the CMS */
	enum verify_ind ind;
	enum verify_sub sub;
	char msg[320];
	int64_t gen_time;   /* 0 when unreadable */
	int64_t checked_at; /* time the TSA path was validated at */
	char tsa[256];      /* TSA certificate subject */
	char md[16];        /* imprint hash */
};

struct verify_sig {
	size_t index;      /* from 1, in file order */
	char field[256];   /* fully qualified field name */
	int doc_timestamp; /* /Type /DocTimeStamp, SubFilter ETSI.RFC3161 */
	char subfilter[64];
	int64_t byte_range[4];
	size_t revision; /* revision it was added in; SIZE_MAX when unknown */
	int covers_whole_document;
	int docmdp;           /* certification signature: DocMDP P (1..3); 0: approval */
	struct verify_pages { /* the pages as signed against the pages now (pages.known 0: not compared) */
		int known;
		size_t signed_count, now_count;
		uint32_t added[VERIFY_MAX_PAGE_LIST];   /* page numbers in the current document */
		uint32_t removed[VERIFY_MAX_PAGE_LIST]; /* page numbers in the signed revision */
		uint32_t changed[VERIFY_MAX_PAGE_LIST]; /* pages whose visible content a later revision changed */
		size_t nadded, nremoved, nchanged;      /* totals (may exceed the lists) */
		int reordered;                          /* same pages in another order */
		unsigned shadow;                        /* VERIFY_SHADOW_* over all later revisions */
	} pages;

	/* signer (from the signing certificate) */
	char signer[256]; /* commonName, else the subject */
	char signer_dn[512];
	char issuer_dn[512];
	char serial[72];
	int64_t not_before, not_after;
	char key[24];    /* "rsa2048", "ec-p256", ... */
	char digest[16]; /* digestAlgorithm */
	char sig_alg[16];
	char reason[256], location[256], name[256];

	/* time */
	int has_signing_time;
	int64_t signing_time; /* claimed: CMS signingTime or the dictionary's /M */
	char signing_time_source[16];
	int64_t best_signature_time; /* validation time used for the signer's path */
	int poe;                     /* best_signature_time comes from a valid timestamp */

	char level[32]; /* PAdES-BASELINE-B|T|LT|LTA, PKCS7-B|T|LT|LTA, CAdES-BASELINE-B|T, "" */
	char level_note[256];

	struct verify_ts ts[8]; /* signature timestamps (CMS unsigned attribute) */
	size_t nts;
	size_t covering_doc_ts; /* document timestamps that cover this signature */

	char chain[9][256]; /* subjects, signer first, trust anchor last */
	size_t nchain;
	enum verify_rev_status rev;
	char rev_source[48]; /* "dss-crl", "dss-ocsp", "crl-file", "registry", ... */
	int64_t revoked_at;
	int revoked_reason;
	int rev_in_dss; /* the document's /DSS holds revocation data for the signer (B-LT) */

	struct verify_block bb[VERIFY_BB_COUNT_];
	enum verify_ind ind;
	enum verify_sub sub;
	char msg[320];         /* why, for the final indication */
	char warnings[4][200]; /* rules broken without changing what was signed (e.g. signed attributes not in DER order) */
	size_t nwarnings;
};

struct verify_report {
	int cades;       /* 1: CAdES over a content file; 0: PDF */
	size_t size;     /* bytes of the document (CAdES: of the content) */
	char sha256[65]; /* of the whole document (CAdES: the content) */
	int64_t validation_time;
	unsigned pdf_major, pdf_minor;
	size_t nrevisions;
	char damage[320];    /* "" or why the cross-reference data had to be repaired (or could not be) */
	int unreadable;      /* the object structure could not be parsed at all: signatures come from a raw
	                             * scan of the bytes, each TOTAL_FAILED FORMAT_FAILURE */
	char encryption[64]; /* "" or how the PDF is encrypted (standard security handler), e.g. "AES-256, R6" */
	int needs_password;  /* 1: encrypted with a user password that was not given or is wrong: not examined */
	int no_signature;    /* the PDF holds no signed signature field (BSrE NO_SIGNATURE): nsigs == 0,
	                             * ind INDETERMINATE, notice says why when the file looks cut or damaged */
	char notice[400];    /* "" or a plain statement about the document as a whole: why it holds no signature,
	                             * or why it could not be examined at all (then nsigs is 0, ind INDETERMINATE) */

	struct verify_sig *sigs; /* signatures and document timestamps, in file order */
	size_t nsigs;
	struct verify_change *changes; /* per revision after the first signed one, then appended bytes */
	size_t nchanges;
	int certified;             /* a DocMDP certification signature is present: its P */
	int changed_after_signing; /* something other than signatures, DSS or document timestamps came later */

	enum verify_ind ind; /* worst of all signatures and document timestamps */
	enum verify_sub sub;
};

/* ---- trust store ---- */

/*
 * Trust anchors, extra certificates, CRLs and a revocation status hook,
 * built once and then shared read-only by any number of verifications
 * (also across threads). Free with verify_trust_free().
 */
struct verify_trust;

/*
 * Status of cert (issued by issuer) from an authoritative registry, such as
 * the instance's own certificate table. Sets *known = 0 when it knows
 * nothing; otherwise *revoked, *revoked_at and *reason (RFC 5280 CRLReason).
 */
typedef enum tk_err (*verify_status_fn)(void *arg, X509 *cert, X509 *issuer, int *known, int *revoked,
    int64_t *revoked_at, int *reason);

/*
 * Online revocation: fetches current revocation data for cert (issued by
 * issuer) when neither the document, the CRL files nor the status hook gave
 * a status. Appends a DER OCSPResponse to ocsp and/or a DER CRL to crl
 * (either may stay empty); the engine checks them as it checks /DSS data.
 * Must be thread-safe when the trust store is shared. A failure other than
 * "nothing found" stops the verification.
 */
typedef enum tk_err (*verify_online_fn)(void *arg, X509 *cert, X509 *issuer, struct buf *ocsp, struct buf *crl);

enum tk_err verify_trust_new(struct verify_trust **out) WARN_UNUSED;
void verify_trust_free(struct verify_trust *t);
/* Adds every certificate of a PEM (or one DER) buffer as a trust anchor; what names it in errors. */
enum tk_err verify_trust_add_anchors(struct verify_trust *t, const uint8_t *p, size_t len, const char *what) WARN_UNUSED;
/* Adds the anchors of a PEM/DER file, or of every *.pem, *.crt, *.cer, *.der file of a directory. */
enum tk_err verify_trust_add_path(struct verify_trust *t, const char *path) WARN_UNUSED;
/* Adds one anchor (up-ref'd, not owned). */
enum tk_err verify_trust_add_anchor(struct verify_trust *t, X509 *cert) WARN_UNUSED;
/* Adds the CRLs of a DER or PEM file (a --crl file). */
enum tk_err verify_trust_add_crl_file(struct verify_trust *t, const char *path) WARN_UNUSED;
/* Adds the CRLs of a DER or PEM buffer (a --crl file); signatures are checked when used. */
enum tk_err verify_trust_add_crls(struct verify_trust *t, const uint8_t *p, size_t len, const char *what) WARN_UNUSED;
/* Installs the status hook (arg is borrowed). */
void verify_trust_set_status(struct verify_trust *t, verify_status_fn fn, void *arg);
/* Installs the online revocation hook; free_arg (may be NULL) releases arg with the trust store. */
void verify_trust_set_online(struct verify_trust *t, verify_online_fn fn, void *arg, void (*free_arg)(void *));
size_t verify_trust_anchor_count(const struct verify_trust *t);

/* ---- verification ---- */

struct verify_opts {
	const struct verify_trust *trust; /* required */
	int64_t now;                      /* validation time; 0: the current time */
	unsigned max_seconds;             /* time budget; 0: VERIFY_DEFAULT_SECONDS */
	int revocation_optional;          /* 1: missing revocation data for the signer is a note, not TRY_LATER */
	uint32_t max_objects;             /* refuse (TK_ERR_LIMIT) documents with more object numbers; 0: MAX_PDF_OBJECTS.
	                             * Memory grows with it: up to three revisions are held at once. */
	const char *password;             /* an encrypted PDF's user (or owner) password; NULL: the empty user password. Borrowed, never kept */
	int page_changes_allowed;         /* 1: pages added or removed after a signature are a warning; 0 (default): that
	                             * signature fails (TOTAL_FAILED, SIG_CONSTRAINTS_FAILURE) */
};

/*
 * Verifies every signature of the PDF in p[0..len). Does not take
 * ownership of p and never copies it (an mmap is fine). Returns TK_OK
 * with a report for any file with a %PDF- header, even when every
 * signature fails, there is none (no_signature set, nsigs 0) or the file
 * is damaged: then r->damage says why, signatures found by a raw scan of
 * the bytes are reported as TOTAL_FAILED FORMAT_FAILURE. An encrypted PDF
 * that cannot be opened (user password needed or wrong, another security
 * handler, RC4 not available) is a report too: no signatures, ind
 * INDETERMINATE, notice saying why and, for a password, needs_password.
 * TK_ERR_INVALID (code "not_a_pdf") without a header in the first 1024
 * bytes, "pdf_encrypt_invalid" for a malformed /Encrypt, TK_ERR_LIMIT over
 * a named limit or the time budget. Caller frees *out with verify_report_free().
 */
enum tk_err verify_pdf(const uint8_t *p, size_t len, const struct verify_opts *o, struct verify_report **out) WARN_UNUSED;

/*
 * Verifies a detached CAdES signature sig[0..siglen) (DER SignedData, a
 * .p7s) over content[0..len). Same ownership and results as verify_pdf().
 */
enum tk_err verify_cades(const uint8_t *sig, size_t siglen, const uint8_t *content, size_t len,
    const struct verify_opts *o, struct verify_report **out) WARN_UNUSED;

/* Accepts NULL. */
void verify_report_free(struct verify_report *r);

/* ---- rendering ---- */

/*
 * The detailed report as a JSON object (DESIGN.md section 5 fields first:
 * file, signatures[{indication, subindication, signer, signing_time, level,
 * covers_whole_document, modifications_after, ...}], indication). file may
 * be NULL. Caller owns *out (json_decref).
 */
enum tk_err verify_report_json(const struct verify_report *r, const char *file, json_t **out) WARN_UNUSED;
/* The simple report as text, Indonesian first with English, appended to out. */
enum tk_err verify_report_text(const struct verify_report *r, const char *file, struct buf *out) WARN_UNUSED;

/* ---- printable reports (verify_doc.c, verify_html.c, verify_pdfrep.c) ---- */

/*
 * What a printable report says about itself besides the validation: the
 * document's name, who validated it and how the report is authenticated.
 * Every string may come from outside (an upload's file name) and is
 * escaped by the renderers.
 */
struct verify_doc_info {
	const char *file;         /* the document's name as given; NULL: none */
	const char *verifier;     /* the validating instance (its base URL); NULL: no instance */
	const char *registry_url; /* the registry record of this very file (<base>/v/<id>); NULL: none */
	int sealed;               /* PDF: 1 the caller seals the report (it says by whom); 0 it says visibly it is not signed */
};

/*
 * The simple report (verdict and one row per signature, Indonesian first,
 * English beside) followed by the detailed report (per signature the ETSI
 * EN 319 102-1 building blocks, chain, revocation data, timestamps; then
 * revisions and changes), as one self-contained HTML document: inline CSS,
 * no script, no outside resource, a restrictive CSP meta element; every
 * string of the document is escaped. Appended to out.
 */
enum tk_err verify_report_html(const struct verify_report *r, const struct verify_doc_info *info, struct buf *out) WARN_UNUSED;
/* The same report as an A4 PDF (src/pdfgen), appended to out; unsigned (the service seals it). */
enum tk_err verify_report_pdf(const struct verify_report *r, const struct verify_doc_info *info, struct buf *out) WARN_UNUSED;
/* Appends s with & < > " ' escaped as HTML character references (safe in text and quoted attributes). NULL: nothing. */
enum tk_err verify_html_escape(struct buf *out, const char *s) WARN_UNUSED;

#endif

/*
 * pades: PAdES signing of PDF documents (ETSI EN 319 142-1) on our PDF
 * engine and CMS layer. A signature is one incremental update holding the
 * signature dictionary, its widget and AcroForm field, the visible stamp or
 * the BSrE statement footer (R8), and a /Contents placeholder that is
 * filled once the byte ranges are hashed. Earlier bytes are never touched,
 * so earlier signatures stay valid.
 */
#ifndef TEKEN_PADES_H
#define TEKEN_PADES_H

#include "cms/cms.h"
#include "core/core.h"
#include "keys/keys.h"

#include <openssl/x509.h>

#define PADES_PAGE_LAST SIZE_MAX

/* A visible stamp: page and rectangle, or an anchor text to place it at. */
struct pades_visible {
	int enabled;
	size_t page;          /* from 0; PADES_PAGE_LAST for the last page */
	double rect[4];       /* x, y, width, height in points, origin at the bottom-left of the page as displayed */
	const char *anchor;   /* when set: the first occurrence of this text on the page gives x, y */
	const uint8_t *image; /* optional signature image (PNG or JPEG) */
	size_t image_len;
	/* Smallest stamp type size allowed (points). 0: the legible minimum, a box
	 * too small for it is refused (stamp_too_small). PADES_STAMP_FLOOR_FS for
	 * boxes the caller cannot change (a document's own field is always so). */
	double min_fs;
};
#define PADES_STAMP_FLOOR_FS 2.5

struct pades_opts {
	const struct key *key;
	X509 *cert;
	X509 *const *chain; /* issuing CA first */
	size_t nchain;
	enum cms_md md;
	int rsa_pss;
	const char *reason, *location, *contact; /* optional */
	int docmdp;                              /* 0: approval signature; 1..3: certification, DocMDP P value */
	const char *field_name;                  /* sign into this empty signature field (fully qualified name); NULL: see new_field */
	int new_field;                           /* with no field_name: 1 always adds a field; 0 signs into the document's one empty,
	                          * visible signature field when it has exactly one and no stamp placement is asked for */
	const char *statement;                   /* R8 statement: required, never empty */
	int statement_every_page;
	const char *verify_url; /* QR target, <base>/v/<document-id> */
	const char *signer_name;
	const char *signer_title; /* position and unit */
	int64_t signing_time;     /* /M and the time shown; 0: now */
	struct pades_visible visible;
	/* PAdES B-T: called with the signature value; appends an RFC 3161 token. NULL: B-B. */
	enum tk_err (*timestamp)(void *arg, const uint8_t *sigvalue, size_t len, struct buf *token);
	void *ts_arg;
	size_t ts_estimate; /* bytes reserved for the token */
	/* Document timestamp (PAdES B-LTA): /Type /DocTimeStamp, /SubFilter /ETSI.RFC3161,
	 * contents from doc_ts() over the byte-range digest (md); key, cert and stamp unused. */
	int doc_timestamp;
	enum tk_err (*doc_ts)(void *arg, enum cms_md md, const uint8_t *digest, size_t dlen, struct buf *token);
};

#define PADES_MAX_FIELDS 256u

/* A signature field the document already holds. */
struct pades_field {
	char name[256]; /* fully qualified (ISO 32000-1 12.7.3.2) */
	size_t page;    /* from 0; PADES_PAGE_LAST when no page shows its widget */
	double rect[4]; /* x, y, width, height as displayed, origin bottom-left (as struct pades_visible) */
	int has_value;  /* already signed */
};
/* Lists up to max signature fields of pdf (TK_ERR_LIMIT beyond); *n gets the count. */
enum tk_err pades_fields(const uint8_t *pdf, size_t len, struct pades_field *out, size_t max, size_t *n) WARN_UNUSED;

/* One DER object of validation data. */
struct pades_blob {
	const uint8_t *p;
	size_t len;
};

/* Validation data for the Document Security Store (ETSI EN 319 142-1 5.4.2). */
struct pades_dss {
	const struct pades_blob *certs, *crls, *ocsps;
	size_t ncerts, ncrls, nocsps;
	const struct pades_blob *sigs; /* signature /Contents values: VRI entries are keyed by their SHA-1 */
	size_t nsigs;
};

#define PADES_MAX_SIGS 64u

/* The signatures of a document, in field order. */
struct pades_sigs {
	struct {
		struct buf contents; /* the decoded /Contents (CMS or timestamp token, with padding) */
		int doc_timestamp;   /* /SubFilter /ETSI.RFC3161 */
	} s[PADES_MAX_SIGS];
	size_t n;
};
/* Lists the signature values of pdf; free with pades_sigs_free(). */
enum tk_err pades_signatures(const uint8_t *pdf, size_t len, struct pades_sigs *out) WARN_UNUSED;
void pades_sigs_free(struct pades_sigs *s);

/*
 * Appends a revision holding a /DSS with the given validation data (merged
 * with an existing /DSS) to tail. Does not keep pdf.
 */
enum tk_err pades_add_dss(const uint8_t *pdf, size_t len, const struct pades_dss *dss, struct buf *tail) WARN_UNUSED;

/*
 * Signs pdf[0..len) and appends the new revision to tail (the signed file
 * is pdf followed by tail). The /Contents placeholder is sized from the CMS
 * estimate and enlarged automatically when the signature does not fit.
 * *pages receives the page count. Does not keep pdf.
 */
enum tk_err pades_sign(const uint8_t *pdf, size_t len, const struct pades_opts *o, struct buf *tail, size_t *pages) WARN_UNUSED;

/* "D:20261125170000+07'00'" for t shown in WIB (ISO 32000-1 7.9.4). */
void pades_date(int64_t t, char out[32]);

#endif

/* svc/sign: who signs with which key, the R8 statement, the document registry. */
#ifndef TEKEN_SVC_SIGN_H
#define TEKEN_SVC_SIGN_H

#include "svc/base/base.h"

#include <jansson.h>

/* ---- signing (svc/sign.c) ---- */

struct sign_in {
	const uint8_t *data; /* the PDF (or any file for CAdES) */
	size_t len;
	int cades;              /* detached CMS of data instead of PAdES */
	int seal;               /* sign with a seal: applications their unit's, the operator any */
	const char *seal_key;   /* the seal by key name ("seal-<n>" from an approved seal request; "seal": instance, operator only) */
	const char *subscriber; /* operator (CLI): the official's user name; officials always sign as themselves */
	const char *nik;        /* application: the official by NIK (must be of one of its key's units) */
	const char *passphrase; /* the subscriber's passphrase */
	const char *level;      /* "B-B" (default), "B-T" */
	int docmdp;             /* certification P value, 0: approval */
	const char *field;      /* existing empty field to use (fully qualified name) */
	int new_field;          /* add a field even when the document has one prepared empty field (else signed into it) */
	const char *reason, *location;
	int visible;
	size_t page; /* from 0; SIZE_MAX: last (or, with anchor, the first page showing it) */
	double rect[4];
	const char *anchor;   /* place the stamp at this text (rect gives only width and height) */
	const uint8_t *image; /* signature image on the stamp (PNG or JPEG) */
	size_t image_len;
	const char *unit;      /* application: the unit it acts for (checked against the key and the official) */
	int64_t subscriber_id; /* application: the official found by the caller (takes precedence over nik) */
	const char *qr_url;    /* QR target instead of <base>/v/<id> (BSrE linkQR) */
	int64_t keep_seconds;  /* keep the signed file for one download (BSrE v1) */
	const char *channel;   /* front door for the usage report: "bsre"; NULL: "web" for a person, "api" for an application, "cli" */
	const char *filename;  /* the uploaded file's name (multipart filename; any bytes: cleaned by sign_filename_clean), or NULL */
};

struct sign_out {
	char document_id[32];
	char level[24];
	size_t pages;
	struct buf out; /* PAdES: the new revision to append; CAdES: the .p7s (caller frees) */
};

/*
 * Signs a PDF (PAdES, with the R8 statement) or any file (CAdES), records
 * it in the document registry and the audit log. Who may sign with which
 * key is decided here from c->actor, the same for every front door:
 * officials sign as themselves; applications for officials and with seals
 * of their key's units only, checked before any passphrase is tried; the
 * instance's own keys are the operator's. Caller frees out->out.
 */
enum tk_err sign_document(struct svc_ctx *c, const struct sign_in *in, struct sign_out *out) WARN_UNUSED;
/*
 * The signature fields a PDF holds (for a signer choosing where to sign):
 * up to max entries, *n the count. Signers only: officials, applications
 * and the operator; nothing is stored.
 */
struct pades_field;
enum tk_err sign_fields(struct svc_ctx *c, const uint8_t *pdf, size_t len, struct pades_field *out, size_t max, size_t *n) WARN_UNUSED;
/* {"fields":[{"name","page" (from 1, null: on no page),"rect":{"x","y","w","h"},"signed"}]} of sign_fields()/pades_fields(). */
json_t *sign_fields_json(const struct pades_field *f, size_t n);
/* The signed file kept for app (single use: deleted once read). */
enum tk_err sign_download(struct svc_ctx *c, const char *document_id, struct buf *out) WARN_UNUSED;

/* ---- the official's history and re-download (svc/sign/history.c; docs/signing.md) ---- */

#define SIGN_FILENAME_MAX 200u  /* bytes of a registry file name; longer names are cut at a character boundary */
#define SIGN_HISTORY_MAX 100u   /* rows per page of sign_history_json */
#define SIGN_PURGE_MAX_ROWS 500 /* expired kept files deleted per sign_purge_files() call */

/*
 * A file name as the registry keeps it: the last path component, control
 * characters and invalid UTF-8 replaced by '_', cut to SIGN_FILENAME_MAX
 * bytes; "" when nothing is left.
 */
void sign_filename_clean(const char *in, char out[SIGN_FILENAME_MAX + 1]);

struct sign_history_q {
	const char *subscriber;  /* operator: the official's user name (NULL: every document); a person: NULL or themself */
	const char *q;           /* part of the file name or of the document id (case-insensitive), or NULL */
	const char *from, *to;   /* "YYYY-MM-DD" WIB days, both included, or NULL */
	const char *channel;     /* web, api, bsre, cli, or NULL */
	const char *application; /* the signing application's name (exact), or NULL */
	uint64_t limit;          /* 1..SIGN_HISTORY_MAX; 0: 20 */
	const char *before;      /* the "next" cursor of the previous page, or NULL */
};
/*
 * The signed documents of an official from the registry, newest first:
 * {"documents":[{id, signed_at, signed_at_wib, filename, sha256, size, pages,
 * level, kind, channel, application, verify_url, downloadable, keep_until}],
 * "next": cursor or null}. A person (an official) sees only their own;
 * the operator any official's. Caller frees *out.
 */
enum tk_err sign_history_json(struct svc_ctx *c, const struct sign_history_q *q, char **out) WARN_UNUSED;
/*
 * The official's kept copy of a document they signed through the web, as
 * often as they like until [sign] keep_days have passed; TK_ERR_NOT_FOUND
 * ("unknown_document") for anything else, another official's document
 * included (its existence is not revealed). filename gets the name to offer
 * (the uploaded one, or "<id>.pdf"), ctype the media type. Audited
 * (document.redownload).
 */
enum tk_err sign_my_file(struct svc_ctx *c, const char *document_id, struct buf *out, char filename[SIGN_FILENAME_MAX + 8],
    char ctype[40]) WARN_UNUSED;
/*
 * Deletes kept files whose time is over (the official's copies and the
 * applications' single-use ones), at most SIGN_PURGE_MAX_ROWS per call;
 * *n: how many. Safe on several nodes at once. For the periodic jobs
 * (operator context); audited when it deleted any.
 */
enum tk_err sign_purge_files(struct svc_ctx *c, int64_t now, int64_t *n) WARN_UNUSED;

/* The R8 statement text configured for this instance (never empty). */
const char *sign_statement(const struct instance *inst);
/* The canonical BSrE statement compiled into teken (the default of [sign] statement). */
const char *sign_statement_default(void);

#endif

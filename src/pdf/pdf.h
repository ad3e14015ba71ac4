/*
 * pdf: our own PDF engine (ISO 32000-1), small, zero-copy and fuzzed.
 *
 * Reading: pdf_doc_load() works over a read-only buffer that the caller owns
 * (it may be an mmap of a 2 GB file); the document never copies it and
 * objects point into it. The cross-reference data (classic tables, xref
 * streams, hybrid files, /Prev chains, linearised files) is read at load
 * time into a table indexed by object number (O(1) lookup); objects are
 * parsed on first use and cached for the life of the document. When the
 * cross-reference data is unusable the document is rebuilt by scanning for
 * "N G obj" as viewers do, and pdf_doc_damage() says why.
 *
 * Writing: a struct pdf_update collects new and replaced objects and appends
 * them to the original bytes as one incremental update (ISO 32000-1 7.5.6)
 * that never changes an earlier byte.
 *
 * Lifetimes: buffer >= struct pdf_doc >= struct pdf_update >= objects made
 * by the update. Objects read from a document are owned by the document and
 * are const; never free them. A document and its updates are used by one
 * thread at a time (lookups fill caches).
 *
 * Errors carry messages naming the object and the clause of ISO 32000-1,
 * e.g. "pdf: ISO 32000-1 7.5.4: xref entry 12 points past end of file".
 */
#ifndef TEKEN_PDF_H
#define TEKEN_PDF_H

#include <stdbool.h>

#include "core/core.h"

struct pdf_doc;
struct pdf_obj;
struct pdf_update;

enum pdf_type {
	PDF_NULL = 0,
	PDF_BOOL,
	PDF_INT,
	PDF_REAL,
	PDF_STRING,
	PDF_NAME,
	PDF_ARRAY,
	PDF_DICT,
	PDF_STREAM,
	PDF_REF,
};

/* ---- loading ---- */

/* Load flags. */
#define PDF_LOAD_NO_REPAIR 0x1u /* fail instead of rebuilding a broken xref by scanning */

/*
 * Loads the document in p[0..len). Does not take ownership of p and never
 * writes to it; p must stay valid and unchanged until pdf_doc_free().
 * Fails with TK_ERR_LIMIT when len exceeds MAX_PDF_BYTES, and with
 * TK_ERR_INVALID (message naming the clause) for anything that is not a
 * usable PDF. Loading the prefix p[0..rev.end) of a file gives the document
 * as it was at that revision (see pdf_revisions()). Caller frees *out with
 * pdf_doc_free().
 *
 * Encrypted documents (standard security handler, ISO 32000-1 7.6.3 and
 * ISO 32000-2 7.6.4: RC4 40-128, AES-128, AES-256 R5/R6) open with the
 * empty user password; strings and streams are decrypted as they are
 * read (pdf_stream_raw() still gives the bytes as stored). Otherwise the
 * load fails with code "pdf_password" (a user password is needed),
 * "pdf_crypt_unsupported" (another security handler or method, or RC4 not
 * available from OpenSSL) or "pdf_encrypt_invalid" (malformed /Encrypt).
 */
enum tk_err pdf_doc_load(const uint8_t *p, size_t len, unsigned flags, struct pdf_doc **out) WARN_UNUSED;
/*
 * pdf_doc_load() with a password for an encrypted document (the user or
 * the owner password; NULL or "" for the empty user password). The
 * password is not kept; it is ignored for a document that is not encrypted.
 */
enum tk_err pdf_doc_load_pw(const uint8_t *p, size_t len, unsigned flags, const char *password, struct pdf_doc **out) WARN_UNUSED;
/* NULL for a document that is not encrypted; else its method, e.g. "AES-256, R6" (owned by doc). */
const char *pdf_doc_encryption(const struct pdf_doc *doc);
/* Frees the document and every object read from it; accepts NULL. */
void pdf_doc_free(struct pdf_doc *doc);

/* The buffer given to pdf_doc_load(). */
const uint8_t *pdf_doc_data(const struct pdf_doc *doc, size_t *len);
/* Header version, e.g. 1 and 7 for "%PDF-1.7". */
void pdf_doc_version(const struct pdf_doc *doc, unsigned *major, unsigned *minor);
/*
 * NULL for a document whose xref was read as written; otherwise a message
 * (owned by doc) saying why it was rebuilt by scanning or where a broken
 * entry was found. Signature verification should treat such files with care.
 */
const char *pdf_doc_damage(const struct pdf_doc *doc);
/* The newest trailer dictionary (for xref streams: the stream dictionary). Owned by doc. */
const struct pdf_obj *pdf_trailer(const struct pdf_doc *doc);
/* The document catalog (/Root, resolved); fails when it is not a dictionary. */
enum tk_err pdf_catalog(struct pdf_doc *doc, const struct pdf_obj **out) WARN_UNUSED;
/* The /Root reference of the trailer. */
void pdf_catalog_ref(const struct pdf_doc *doc, uint32_t *num, uint16_t *gen);

/* How the newest cross-reference section is written. */
enum pdf_xref_kind {
	PDF_XREF_TABLE,   /* classic "xref" table (7.5.4) */
	PDF_XREF_STREAM,  /* cross-reference stream (7.5.8) */
	PDF_XREF_HYBRID,  /* classic table whose trailer has /XRefStm (7.5.8.4) */
	PDF_XREF_REBUILT, /* none usable: rebuilt by scanning */
};
enum pdf_xref_kind pdf_xref_kind(const struct pdf_doc *doc);
/* Offset given by the last startxref (0 for a rebuilt xref). */
uint64_t pdf_startxref(const struct pdf_doc *doc);

/* ---- cross-reference entries (7.5.4, 7.5.8.3) ---- */

enum pdf_xref_type {
	PDF_XREF_NONE = 0,   /* no entry: a reference to it is a reference to null */
	PDF_XREF_FREE,       /* on the free list; next = next free object number */
	PDF_XREF_INUSE,      /* at byte offset off */
	PDF_XREF_COMPRESSED, /* object number stm, index idx in an object stream */
};
struct pdf_xref_info {
	enum pdf_xref_type type;
	uint16_t gen;
	uint64_t off; /* INUSE: byte offset; FREE: next free object number */
	uint32_t stm; /* COMPRESSED: object stream number */
	uint32_t idx; /* COMPRESSED: index inside it */
};
/* One more than the highest object number with an entry. */
uint32_t pdf_xref_size(const struct pdf_doc *doc);
/* The merged entry for num (newest revision wins); type NONE when absent. */
void pdf_xref_get(const struct pdf_doc *doc, uint32_t num, struct pdf_xref_info *out);

/* ---- revisions ---- */

struct pdf_revision {
	uint64_t startxref; /* offset of the xref section this revision closes */
	size_t eof;         /* offset just after "%%EOF" */
	size_t end;         /* eof plus the end-of-line marker after it, if any */
};
/*
 * The revisions in file order: one per "startxref N %%EOF" whose N is a
 * cross-reference section that was read (for a rebuilt xref: any N inside the
 * file). A linearised file's first-page "startxref 0" is not a revision.
 * The array is owned by doc and valid until pdf_doc_free().
 */
enum tk_err pdf_revisions(struct pdf_doc *doc, const struct pdf_revision **out, size_t *n) WARN_UNUSED;

/* ---- objects ---- */

/*
 * Object num with generation gen, parsed on first use and cached; owned by
 * doc. TK_ERR_NOT_FOUND when there is no such object (free, absent or other
 * generation); TK_ERR_INVALID when it is there but malformed.
 */
enum tk_err pdf_get_object(struct pdf_doc *doc, uint32_t num, uint16_t gen, const struct pdf_obj **out) WARN_UNUSED;
/*
 * Follows an indirect reference (chains too, with a bound); any other object
 * is returned as is. A reference to an absent object gives the null object
 * (7.3.10); a malformed target is an error.
 */
enum tk_err pdf_resolve(struct pdf_doc *doc, const struct pdf_obj *o, const struct pdf_obj **out) WARN_UNUSED;
/* pdf_dict_get() then pdf_resolve(); *out is NULL when the key is absent. */
enum tk_err pdf_dict_get_resolved(struct pdf_doc *doc, const struct pdf_obj *dict, const char *key,
    const struct pdf_obj **out) WARN_UNUSED;

/*
 * Type checks and views. They never fail loudly: a NULL object is null, and
 * a view returns false (recording no error) when the type differs, so the
 * caller can name the clause in its own message.
 */
enum pdf_type pdf_obj_type(const struct pdf_obj *o);
const char *pdf_type_name(enum pdf_type t);
bool pdf_is_null(const struct pdf_obj *o);
/* Does p start like a PDF file ("%PDF-", ISO 32000-1 7.5.2)? The one cheap check before parsing. */
bool pdf_header_ok(const uint8_t *p, size_t len);
bool pdf_as_bool(const struct pdf_obj *o, bool *out);
bool pdf_as_int(const struct pdf_obj *o, int64_t *out);
/* Integers and reals. */
bool pdf_as_real(const struct pdf_obj *o, double *out);
/* Decoded bytes of a literal or hex string; not NUL-terminated. */
bool pdf_as_string(const struct pdf_obj *o, const uint8_t **p, size_t *len);
/* Decoded name without the '/'; not NUL-terminated. */
bool pdf_as_name(const struct pdf_obj *o, const char **p, size_t *len);
/* True when o is the name /name. */
bool pdf_name_is(const struct pdf_obj *o, const char *name);
bool pdf_as_ref(const struct pdf_obj *o, uint32_t *num, uint16_t *gen);
/* 0 for a non-array. */
size_t pdf_array_len(const struct pdf_obj *o);
/* NULL when out of range or not an array. */
const struct pdf_obj *pdf_array_get(const struct pdf_obj *o, size_t i);
/* Dictionaries and streams (their dictionary): number of keys, 0 otherwise. */
size_t pdf_dict_len(const struct pdf_obj *o);
/* The value for key (without '/'), NULL when absent; works on streams too. */
const struct pdf_obj *pdf_dict_get(const struct pdf_obj *o, const char *key);
/* The i-th entry (keys are kept sorted); false when out of range. */
bool pdf_dict_entry(const struct pdf_obj *o, size_t i, const char **key, size_t *keylen, const struct pdf_obj **val);
/* The dictionary of a stream. */
const struct pdf_obj *pdf_stream_dict(const struct pdf_obj *o);
/*
 * The encoded bytes of a stream as stored (for a stream read from a file,
 * a span of the document's buffer at *off); false for a non-stream.
 */
bool pdf_stream_raw(const struct pdf_obj *o, const uint8_t **p, size_t *len, size_t *off);
/*
 * Appends the decoded data of stream to out, applying /Filter with its
 * /DecodeParms: FlateDecode (with PNG predictors and TIFF predictor 2 for
 * 8-bit components), ASCIIHexDecode, ASCII85Decode, in chains; in an
 * encrypted document the data is decrypted first (a leading /Crypt filter
 * names how, ISO 32000-1 7.4.10). Other filters fail with code
 * "pdf_unsupported_filter". Output is bounded by out->max,
 * MAX_INFLATE_BYTES and MAX_INFLATE_RATIO times the encoded size.
 */
enum tk_err pdf_stream_decode(struct pdf_doc *doc, const struct pdf_obj *stream, struct buf *out) WARN_UNUSED;

/* ---- pages (7.7.3) ---- */

struct pdf_page {
	uint32_t num; /* page object; 0 when the kid was a direct dictionary */
	uint16_t gen;
	const struct pdf_obj *dict;      /* the page dictionary */
	const struct pdf_obj *resources; /* inherited /Resources (resolved) or NULL */
	double media_box[4];             /* inherited /MediaBox; US Letter when absent */
	double crop_box[4];              /* inherited /CropBox; the media box when absent */
	int rotate;                      /* inherited /Rotate as 0, 90, 180 or 270 */
};
/*
 * Number of pages (leaves of the page tree found by walking it; /Count is not
 * trusted). The tree is walked once, without recursion, with a depth limit of
 * MAX_PDF_PAGE_DEPTH and a visited set against cycles.
 */
enum tk_err pdf_page_count(struct pdf_doc *doc, size_t *out) WARN_UNUSED;
/* Page i (from 0) with inherited attributes; the struct is owned by doc. */
enum tk_err pdf_page_get(struct pdf_doc *doc, size_t i, const struct pdf_page **out) WARN_UNUSED;

/* ---- serialising ---- */

/*
 * Appends the PDF syntax of a direct object (7.3) to out: the inverse of the
 * parser behind pdf_get_object(). References are written as "N G R"; streams
 * cannot be written this way (use pdf_update_set_stream()). Fails on nesting
 * deeper than MAX_PDF_NESTING and on non-finite reals.
 */
enum tk_err pdf_obj_serialize(const struct pdf_obj *o, struct buf *out) WARN_UNUSED;

/* ---- incremental update (7.5.6) ---- */

/*
 * A new revision for doc. Fails with code "pdf_encrypted" for an encrypted
 * document (we do not write encrypted updates). Borrows doc (and its buffer) until
 * pdf_update_free(). Objects made by the pdf_new_*() functions below belong
 * to the update and are freed with it.
 */
enum tk_err pdf_update_new(struct pdf_doc *doc, struct pdf_update **out) WARN_UNUSED;
void pdf_update_free(struct pdf_update *u);

/*
 * Constructors; they return NULL when out of memory (error recorded) and a
 * NULL passed to pdf_dict_set()/pdf_array_push()/pdf_update_set_object()
 * fails there, so calls can be nested.
 */
struct pdf_obj *pdf_new_null(struct pdf_update *u);
struct pdf_obj *pdf_new_bool(struct pdf_update *u, bool v);
struct pdf_obj *pdf_new_int(struct pdf_update *u, int64_t v);
struct pdf_obj *pdf_new_real(struct pdf_update *u, double v);
/* Copies p; written as a literal string when printable, else as hex. */
struct pdf_obj *pdf_new_string(struct pdf_update *u, const uint8_t *p, size_t len);
/* Copies p; always written as a hex string (e.g. a /Contents placeholder). */
struct pdf_obj *pdf_new_hexstring(struct pdf_update *u, const uint8_t *p, size_t len);
/* name without '/'; copied. */
struct pdf_obj *pdf_new_name(struct pdf_update *u, const char *name);
struct pdf_obj *pdf_new_ref(struct pdf_update *u, uint32_t num, uint16_t gen);
struct pdf_obj *pdf_new_array(struct pdf_update *u);
struct pdf_obj *pdf_new_dict(struct pdf_update *u);
/*
 * A shallow copy of an array or dictionary (or a stream's dictionary) that
 * can be changed; the values are shared with the original, which is
 * unchanged. Other objects are returned as they are.
 */
struct pdf_obj *pdf_obj_copy(struct pdf_update *u, const struct pdf_obj *o);
/* Appends v (not copied: it must outlive the update) to an array made or copied by u. */
enum tk_err pdf_array_push(struct pdf_update *u, struct pdf_obj *array, const struct pdf_obj *v) WARN_UNUSED;
/* Sets key (without '/') to v in a dictionary made or copied by u; v NULL fails. */
enum tk_err pdf_dict_set(struct pdf_update *u, struct pdf_obj *dict, const char *key, const struct pdf_obj *v) WARN_UNUSED;
/* Removes key when present. */
enum tk_err pdf_dict_del(struct pdf_update *u, struct pdf_obj *dict, const char *key) WARN_UNUSED;

/* A fresh object number (from the trailer /Size or the highest entry, upward), generation 0. */
enum tk_err pdf_update_alloc(struct pdf_update *u, uint32_t *num) WARN_UNUSED;
/* Adds or replaces object num gen with the direct object v (not a stream). */
enum tk_err pdf_update_set_object(struct pdf_update *u, uint32_t num, uint16_t gen, const struct pdf_obj *v) WARN_UNUSED;
#define PDF_STREAM_FLATE 0x1u /* compress data and set /Filter /FlateDecode */
/*
 * Adds or replaces object num gen with a stream of dictionary dict (may be
 * NULL) and data (copied). /Length is set by the writer; with
 * PDF_STREAM_FLATE the data is compressed and /Filter set, otherwise data
 * is written as given (already encoded if dict names a /Filter).
 */
enum tk_err pdf_update_set_stream(struct pdf_update *u, uint32_t num, uint16_t gen, const struct pdf_obj *dict,
    const uint8_t *data, size_t len, unsigned flags) WARN_UNUSED;
/* Replaces the trailer's /Info reference (carried over otherwise). */
enum tk_err pdf_update_set_info(struct pdf_update *u, uint32_t num, uint16_t gen) WARN_UNUSED;

/*
 * Writes the appended bytes only (new objects, xref section, trailer,
 * startxref, %%EOF) to tail. Offsets inside are those of the final file,
 * original bytes followed by tail; the original is used as is, even with
 * garbage or no end-of-line after its last %%EOF (tail then starts with an
 * end-of-line). The xref section has the style of the original's newest one:
 * a classic table after a table or a hybrid file, an xref stream after an xref
 * stream; after a rebuilt xref, a complete table (or stream when objects live
 * in object streams) without /Prev. The trailer carries /Size, /Prev, /Root,
 * /Info and /ID (first element kept, second new). May be called again after
 * more changes.
 */
enum tk_err pdf_update_write_tail(struct pdf_update *u, struct buf *tail) WARN_UNUSED;
/* Appends original bytes followed by the tail to out. */
enum tk_err pdf_update_write(struct pdf_update *u, struct buf *out) WARN_UNUSED;
/*
 * Streams original bytes then the tail through write (called with chunks of
 * at most 1 MiB; a non-OK return stops and is returned).
 */
enum tk_err pdf_update_write_cb(struct pdf_update *u, enum tk_err (*write)(void *ctx, const uint8_t *p, size_t n),
    void *ctx) WARN_UNUSED;
/*
 * After a write: where object num was written in the final file ("N G obj"
 * to the end of "endobj"), so a signer can find and patch its placeholder.
 * TK_ERR_NOT_FOUND when num was not part of the update.
 */
enum tk_err pdf_update_object_span(const struct pdf_update *u, uint32_t num, size_t *off, size_t *len) WARN_UNUSED;

#endif

/*
 * core: errors, bounded buffers, limits, checked number parsing and time.
 * Depends on nothing of ours; everything else in teken depends on it.
 */
#ifndef TEKEN_CORE_H
#define TEKEN_CORE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define WARN_UNUSED __attribute__((warn_unused_result))
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))

/* ---- limits: every limit on outside input has a name here ---- */
#define MAX_CSR_BYTES (64u * 1024u)
#define MAX_CERT_BYTES (64u * 1024u)
#define MAX_CONFIG_BYTES (1u * 1024u * 1024u)
#define MAX_CPS_BYTES (4u * 1024u * 1024u)
#define MAX_KEY_BLOB_BYTES (64u * 1024u)
#define MAX_SUBJECT_BYTES 1024u
#define MAX_CHAIN_DEPTH 8u
#define MAX_REQ_BODY (50u * 1024u * 1024u)
#define MAX_JSON_BODY (64u * 1024u)
#define MAX_PDF_BYTES (2048ull * 1024u * 1024u)
#define MAX_PDF_OBJECTS (8u * 1024u * 1024u)
#define MAX_PDF_NESTING 64u
#define MAX_XREF_ENTRIES (8u * 1024u * 1024u)
#define MAX_PDF_REVISIONS 4096u
#define MAX_INFLATE_RATIO 1000u
#define MAX_INFLATE_BYTES (256u * 1024u * 1024u)
#define MAX_ERRMSG 512u
/* pdf engine (src/pdf) */
#define MAX_PDF_DOC_MEMORY (1024u * 1024u * 1024u) /* parsed objects and decoded object streams of one document */
#define MAX_PDF_PAGE_DEPTH 128u                    /* levels of the page tree */
#define MAX_PDF_FILTERS 8u                         /* filters in one stream's chain */
#define MAX_PDF_WORK_FACTOR 64u                    /* bytes the lexer may examine per byte of file ... */
#define MAX_PDF_WORK_MIN (64u * 1024u * 1024u)     /* ... with at least this many */
#define MAX_INFLATE_FLOOR (64u * 1024u)            /* decoded bytes allowed whatever the ratio */
/* online trust services (src/tsa, src/ocsp) */
#define MAX_TSA_REQ_BYTES 4096u  /* TimeStampReq; larger gets a badDataFormat rejection */
#define MAX_OCSP_REQ_BYTES 4096u /* OCSPRequest; larger gets malformedRequest */
#define MAX_OCSP_REQ_CERTS 16u   /* CertIDs in one OCSPRequest */
#define MAX_OCSP_NONCE_BYTES 32u /* RFC 8954 2.1 */

/* ---- errors ---- */
enum tk_err {
	TK_OK = 0,
	TK_ERR_INVALID,   /* bad input from the caller or outside: 400 */
	TK_ERR_NOT_FOUND, /* 404 */
	TK_ERR_EXISTS,    /* already exists / duplicate: 409 */
	TK_ERR_CONFLICT,  /* state does not allow it: 409 */
	TK_ERR_DENIED,    /* not allowed: 403 */
	TK_ERR_AUTH,      /* not authenticated: 401 */
	TK_ERR_LIMIT,     /* input over a named limit: 413 */
	TK_ERR_CRYPTO,    /* cryptographic failure (bad tag, bad signature) */
	TK_ERR_IO,        /* file system */
	TK_ERR_STORE,     /* database */
	TK_ERR_NOMEM,
	TK_ERR_INTERNAL,
};

/*
 * The last error of this thread: a machine code (snake_case, used in HTTP
 * error bodies) and a message for humans. Messages never hold secrets.
 */
struct tk_error {
	enum tk_err err;
	char code[48];
	char msg[MAX_ERRMSG];
	int64_t retry_after; /* seconds, for throttling errors (HTTP Retry-After); 0: unknown */
};

/* Records err with a default code for it and a formatted message; returns err. */
enum tk_err tk_fail(enum tk_err err, const char *fmt, ...) PRINTF_LIKE(2, 3);
/* Same with an explicit machine code such as "verifikator_quorum". */
enum tk_err tk_fail_code(enum tk_err err, const char *code, const char *fmt, ...)
    PRINTF_LIKE(3, 4);
/* Records an OpenSSL failure: our context, then OpenSSL's first reason. */
enum tk_err tk_fail_ossl(const char *fmt, ...) PRINTF_LIKE(1, 2);
/* Empties OpenSSL's error queue; 1 when it held an allocation failure (ERR_R_MALLOC_FAILURE). */
int tk_ossl_take_nomem(void);
/* Prefixes the current message with more context ("ca: " + old message). */
enum tk_err tk_wrap(enum tk_err err, const char *fmt, ...) PRINTF_LIKE(2, 3);
const struct tk_error *tk_last_error(void);
const char *tk_errmsg(void);
const char *tk_err_code_default(enum tk_err err);
void tk_clear_error(void);
/* Attaches how long to wait (seconds) to the last error; returns its code. */
enum tk_err tk_error_retry_after(int64_t seconds);

/* ---- growable buffer with a maximum size fixed at creation ---- */
struct buf {
	uint8_t *p;
	size_t len;
	size_t cap;
	size_t max;
	int secret; /* cleanse on grow and free */
};

void buf_init(struct buf *b, size_t max);
void buf_init_secret(struct buf *b, size_t max);
enum tk_err buf_reserve(struct buf *b, size_t extra) WARN_UNUSED;
enum tk_err buf_append(struct buf *b, const void *p, size_t n) WARN_UNUSED;
enum tk_err buf_putc(struct buf *b, uint8_t c) WARN_UNUSED;
enum tk_err buf_puts(struct buf *b, const char *s) WARN_UNUSED;
enum tk_err buf_printf(struct buf *b, const char *fmt, ...) PRINTF_LIKE(2, 3) WARN_UNUSED;
enum tk_err buf_vprintf(struct buf *b, const char *fmt, va_list ap) WARN_UNUSED;
/* Ensures a NUL after the data (not counted in len); returns the string. */
enum tk_err buf_cstr(struct buf *b, const char **out) WARN_UNUSED;
/* Hands the bytes to the caller (free with free()); leaves b empty. */
uint8_t *buf_take(struct buf *b, size_t *len);
void buf_reset(struct buf *b);
void buf_free(struct buf *b);

/* Bounded string copy into a fixed array; fails when it does not fit. */
enum tk_err str_copy(char *dst, size_t dstsz, const char *src) WARN_UNUSED;
/* Is item (exactly, case-sensitive) one of the comma-separated entries of list? Spaces around entries are ignored; NULL list: no. */
int str_list_has(const char *list, const char *item);
/* snprintf that fails instead of truncating. */
enum tk_err str_fmt(char *dst, size_t dstsz, const char *fmt, ...) PRINTF_LIKE(3, 4) WARN_UNUSED;

/* ---- checked number parsing (no atoi & co.) ---- */
enum tk_err parse_u64(const char *p, size_t len, uint64_t max, uint64_t *out) WARN_UNUSED;
enum tk_err parse_u64_str(const char *s, uint64_t max, uint64_t *out) WARN_UNUSED;
enum tk_err parse_i64_str(const char *s, int64_t min, int64_t max, int64_t *out) WARN_UNUSED;

/* ---- hex ---- */
/* Lower-case hex of p into out (2*len+1 bytes). */
void hex_encode(const uint8_t *p, size_t len, char *out);
/* Decodes even-length hex (either case) into out (cap bytes); *outlen set. */
enum tk_err hex_decode(const char *s, size_t slen, uint8_t *out, size_t cap, size_t *outlen) WARN_UNUSED;

/* ---- base64 (RFC 4648 4, padding optional, no whitespace) ---- */
/* Decodes into out (cap bytes); fails on any other character. */
enum tk_err b64_decode(const char *s, size_t slen, uint8_t *out, size_t cap, size_t *outlen) WARN_UNUSED;
/* Appends the encoding of p to out. */
enum tk_err b64_encode(const uint8_t *p, size_t len, struct buf *out) WARN_UNUSED;

/* ---- time: UTC inside, WIB (UTC+7) shown to people ---- */
int64_t tk_now(void);
/* "2026-11-25T10:00:00Z" into out (>= 21 bytes). */
void time_iso_utc(int64_t t, char out[32]);
/* "2026-11-25 17:00:00 WIB (UTC+07:00)" into out. */
void time_wib(int64_t t, char out[48]);
enum tk_err time_parse_iso(const char *s, int64_t *out) WARN_UNUSED;

/* ---- files ---- */
/* Reads a whole file up to max bytes; caller frees *out. A NUL follows the data (not counted). */
enum tk_err file_read(const char *path, size_t max, uint8_t **out, size_t *len) WARN_UNUSED;
/*
 * Writes a file atomically (temp file in the same dir, fsync, rename) with
 * the given mode; an existing file is replaced only on success.
 */
enum tk_err file_write_atomic(const char *path, const void *p, size_t len, unsigned mode) WARN_UNUSED;
/* Same, but fails with TK_ERR_EXISTS when path exists (O_EXCL on the final link). */
enum tk_err file_create_excl(const char *path, const void *p, size_t len, unsigned mode) WARN_UNUSED;
enum tk_err path_join(char *out, size_t outsz, const char *dir, const char *name) WARN_UNUSED;
/*
 * Shipped files (paths.c): the static web UI and the data files (review
 * instrument, holidays). A build tree's binaries use the source tree; the
 * installed binaries (CMake install rules) use <datadir>/teken/{web,data},
 * found relative to the executable. [http] web_root, [review]
 * instrument_file and [agreement] holidays_file override them. Static
 * strings, never NULL.
 */
const char *tk_web_dir(void);
const char *tk_data_dir(void);

/* ---- DER framing (X.690) where OpenSSL has no streaming encoder ---- */
/* Appends tag and a minimal definite length for a value of len bytes. */
enum tk_err der_put_header(struct buf *b, uint8_t tag, size_t len) WARN_UNUSED;
/* Appends a complete TLV. */
enum tk_err der_put_tlv(struct buf *b, uint8_t tag, const uint8_t *p, size_t len) WARN_UNUSED;
/*
 * Reads one TLV at p[0..len): strict DER (no indefinite or non-minimal
 * lengths, single-byte tags, value within len). Sets tag, value span and
 * total size of the TLV.
 */
enum tk_err der_read(const uint8_t *p, size_t len, uint8_t *tag, const uint8_t **val, size_t *vlen,
    size_t *total) WARN_UNUSED;

/* ---- randomness (CSPRNG) ---- */
enum tk_err rand_bytes(uint8_t *p, size_t n) WARN_UNUSED;

/* ---- process hardening (harden.c) ---- */
/* Sets RLIMIT_CORE to 0 (soft and hard) and marks the process not dumpable. For servers, at start. */
enum tk_err core_disable_core_dumps(void) WARN_UNUSED;
/*
 * Makes jansson wipe every block it frees (parsed passphrases, dump
 * buffers). Idempotent and safe at any time: blocks allocated before stay
 * valid, and text from json_dumps may still be freed with free().
 */
void core_json_wiping_alloc_install(void);
/* 1 when jansson allocates through the wiping functions above. */
int core_json_wiping_alloc_installed(void);
/*
 * Keeps the allocator from handing freed heap back to the kernel after
 * every request (glibc trims an arena's top as soon as 128 KiB are free,
 * and the next request faults the same pages in again; measured as a
 * tenth of the server's CPU on the signing path). For servers, at start.
 */
void core_malloc_tune_server(void);

#endif

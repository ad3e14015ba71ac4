/*
 * Private to src/pdf: object layout, the arena, the lexer and the document.
 * Nothing outside src/pdf includes this; the public API is pdf.h.
 */
#ifndef TEKEN_PDF_INT_H
#define TEKEN_PDF_INT_H

#include "pdf/pdf.h"

/* ---- arena: every object of a document (or an update) lives here ---- */
struct arena_chunk;
struct arena {
	struct arena_chunk *head;
	void **big; /* blocks handed over (decoded object streams) */
	size_t nbig, capbig;
	size_t *used; /* shared byte count checked against a budget */
	size_t budget;
};
void arena_init(struct arena *a, size_t *used, size_t budget);
void arena_free(struct arena *a);
/* NULL (error recorded) when out of memory or over budget. */
void *arena_alloc(struct arena *a, size_t n);
/* Takes ownership of p (malloc'd, n bytes); frees p on failure. */
enum tk_err arena_adopt(struct arena *a, void *p, size_t n) WARN_UNUSED;

/* ---- objects ---- */
#define OBJ_F_HEX 0x1u /* string was (or is to be) written in hex */
#define OBJ_F_MUT 0x2u /* made or copied by an update: may be changed */

struct pdf_kv {
	const char *key;
	size_t klen;
	const struct pdf_obj *val;
};

struct objstm;

struct pdf_stm {
	const struct pdf_obj *dict;
	const uint8_t *p;
	size_t len;
	size_t off;
	uint32_t num; /* for messages */
	uint16_t gen;
	struct objstm *ostm; /* cache when it is an object stream */
};

struct pdf_obj {
	uint8_t type;  /* enum pdf_type */
	uint8_t flags; /* OBJ_F_* */
	union {
		bool b;
		int64_t i;
		double r;
		struct {
			const uint8_t *p;
			size_t len;
		} s; /* string and name */
		struct {
			const struct pdf_obj **v;
			size_t n, cap;
		} a;
		struct {
			struct pdf_kv *e;
			size_t n, cap;
		} d;
		struct pdf_stm *st; /* out of line: keeps every object at 32 bytes */
		struct {
			uint32_t num;
			uint16_t gen;
		} ref;
	} u;
};

extern const struct pdf_obj pdf_null_obj;

/* ---- lexer (7.2, 7.3) over any byte span: the file or a decoded object stream ---- */
enum tok_kind {
	TOK_EOF = 0,
	TOK_INT,
	TOK_REAL,
	TOK_STRING, /* span inside the parentheses */
	TOK_HEX,    /* span inside the angle brackets */
	TOK_NAME,   /* span after '/' */
	TOK_ARRAY_OPEN,
	TOK_ARRAY_CLOSE,
	TOK_DICT_OPEN,
	TOK_DICT_CLOSE,
	TOK_KEYWORD,
	TOK_ERROR,
};
struct tok {
	enum tok_kind kind;
	size_t start, end; /* span of the token's text (see above) */
	int64_t i;
	double r;
};
struct lex {
	const uint8_t *p;
	size_t len;
	size_t pos;
	size_t *work; /* bytes examined so far, against a budget; may be NULL */
	size_t work_max;
	int over; /* set when work exceeded work_max */
};

void lex_init(struct lex *lx, const uint8_t *p, size_t len, size_t pos);
void lex_next(struct lex *lx, struct tok *t);
bool tok_is_kw(const struct lex *lx, const struct tok *t, const char *kw);
bool pdf_is_ws(uint8_t c);
bool pdf_is_delim(uint8_t c);
/* Position of needle at or after from, or SIZE_MAX; counted as work. */
size_t lex_find(struct lex *lx, size_t from, const char *needle);

/* ---- cross-reference table: two-level, O(1) by object number ---- */
#define XPAGE_BITS 12u
#define XPAGE_SIZE (1u << XPAGE_BITS)

enum { XE_NONE = 0,
	XE_FREE,
	XE_INUSE,
	XE_COMP };

struct xent {
	uint64_t off; /* INUSE: offset; COMP: object stream number; FREE: next free */
	uint32_t idx; /* COMP: index */
	uint16_t gen;
	uint8_t type;              /* XE_* */
	uint8_t busy;              /* being parsed: a reference back to it is a loop */
	const struct pdf_obj *obj; /* parsed object, once read */
};

struct xtable {
	struct xent **pages;
	uint32_t npages; /* allocated slots in pages[] */
	uint32_t size;   /* 1 + highest number set */
};

struct xent *xt_get(const struct xtable *t, uint32_t num);
/* Slot for num, allocating its page; NULL with error when out of memory. */
struct xent *xt_slot(struct xtable *t, uint32_t num);
void xt_free(struct xtable *t);

/* ---- the standard security handler (pdf_crypt.c) ---- */
enum pdf_cm { PDF_CM_NONE = 0,
	PDF_CM_IDENTITY,
	PDF_CM_RC4,
	PDF_CM_AESV2,
	PDF_CM_AESV3 };
struct pdf_crypt {
	int v, r;
	uint8_t key[32]; /* the file key (secret: cleansed on free) */
	size_t keylen;
	enum pdf_cm stm, str; /* methods of /StmF and /StrF (V1, V2: RC4) */
	bool encrypt_metadata;
	char desc[64]; /* "AES-256, R6", "RC4 with a 40-bit key, R2", ... */
};
/*
 * Authenticates password (NULL: the empty user password) against the
 * /Encrypt dictionary enc with the first /ID string of id. Codes:
 * "pdf_password" (a user password is needed or the one given is wrong),
 * "pdf_crypt_unsupported" (another handler or method, RC4 not available),
 * "pdf_encrypt_invalid" (malformed dictionary). Frees with pdf_crypt_free().
 */
enum tk_err pdf_crypt_open(const struct pdf_obj *enc, const struct pdf_obj *id, const char *password, struct pdf_crypt **out) WARN_UNUSED;
void pdf_crypt_free(struct pdf_crypt *c);
bool pdf_crypt_rc4_available(void);
/* Decrypts in[0..len) of object num gen with method m into out (room for len bytes, no overlap). */
enum tk_err pdf_crypt_data(const struct pdf_crypt *c, enum pdf_cm m, uint32_t num, uint16_t gen, const uint8_t *in, size_t len,
    uint8_t *out, size_t *outlen) WARN_UNUSED;

/* ---- the document ---- */
struct pdf_doc {
	const uint8_t *p;
	size_t len;
	unsigned flags;
	unsigned vmaj, vmin;
	size_t mem;  /* bytes held in the arena */
	size_t work; /* lexer work, against work_max */
	size_t work_max;
	struct arena arena;
	struct xtable xref;
	struct xtable scan; /* index built by scanning, used when xref entries are wrong */
	int scan_state;     /* 0 not built, 2 building, 1 built, -1 failed */
	int depth;          /* nesting of object reads (length objects, object streams) */
	const struct pdf_obj *trailer;
	uint32_t root_num;
	uint16_t root_gen;
	enum pdf_xref_kind kind;
	uint64_t startxref;
	uint64_t *sections; /* offsets of xref sections read */
	size_t nsections;
	uint32_t alloc_min;               /* first object number safe for new objects */
	bool has_comp;                    /* some entries are in object streams */
	struct pdf_crypt *crypt;          /* NULL unless the document is encrypted */
	const struct pdf_obj *crypt_dict; /* its /Encrypt dictionary (never decrypted) */
	uint32_t enc_num;                 /* object number of /Encrypt; UINT32_MAX when direct */
	uint16_t enc_gen;
	char damage[MAX_ERRMSG];
	struct pdf_revision *revs;
	size_t nrevs;
	int revs_done;
	struct pdf_page *pages;
	size_t npages;
	int pages_done;
	/* parser scratch, reused: items of open arrays and dictionaries */
	const struct pdf_obj **stk;
	size_t nstk, capstk;
	struct skv *kvs;
	size_t nkvs, capkvs;
};

struct skv {
	struct pdf_kv kv;
	size_t order;
};

/* Parses one direct object at lx (a stream keyword after it is not consumed). */
enum tk_err pdf_parse_value(struct pdf_doc *d, struct lex *lx, uint32_t num, uint16_t gen,
    const struct pdf_obj **out) WARN_UNUSED;
/* Parses "num gen obj ... endobj" at off in the file; expect_num UINT32_MAX accepts any. */
enum tk_err pdf_parse_indirect(struct pdf_doc *d, size_t off, uint32_t expect_num, uint16_t expect_gen,
    const struct pdf_obj **out, uint32_t *got_num, uint16_t *got_gen) WARN_UNUSED;
void lex_doc(struct pdf_doc *d, struct lex *lx, const uint8_t *p, size_t len, size_t pos);
struct pdf_obj *obj_new(struct arena *a, enum pdf_type t);
/* Sorts a dictionary's entries by key, the last of equal keys wins. */
void dict_sort(struct skv *e, size_t *n);
int key_cmp(const char *a, size_t al, const char *b, size_t bl);

/* pdf_obj.c: index where key is, or would be inserted, in a sorted dictionary. */
size_t pdf_dict_find_i(const struct pdf_obj *o, const char *key, size_t kl, bool *found);
/* pdf_doc.c: the value of an indirect /Length when it can be read without looping. */
bool pdf_length_lookup(struct pdf_doc *d, uint32_t num, uint16_t gen, int64_t *out);

/* pdf_crypt.c: decrypts the strings of indirect object num gen in place (none of the 7.6.2 exceptions). */
enum tk_err pdf_crypt_object(struct pdf_doc *d, uint32_t num, uint16_t gen, const struct pdf_obj *o) WARN_UNUSED;
/*
 * pdf_crypt.c: how the data of stream st is to be decrypted (PDF_CM_NONE:
 * not at all); crypt_parms are the /DecodeParms of a leading /Crypt filter.
 */
enum tk_err pdf_crypt_stream_method(struct pdf_doc *d, const struct pdf_obj *st, const struct pdf_obj *crypt_parms,
    bool has_crypt_filter, enum pdf_cm *out) WARN_UNUSED;

/* Scanning for "N G obj" when the xref is broken (pdf_doc.c). */
enum tk_err pdf_scan_build(struct pdf_doc *d, struct xtable *t, const struct pdf_obj **trailer) WARN_UNUSED;

#endif

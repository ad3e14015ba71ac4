/*
 * The document (ISO 32000-1 7.5): header, cross-reference tables and streams,
 * hybrid files, /Prev chains, rebuilding by scanning when the xref is broken,
 * object streams, object lookup, revisions and the page tree.
 */
#include "pdf/pdf_int.h"

#include <stdlib.h>
#include <string.h>

/* Reads of one object may nest (an indirect /Length, an object stream); this bounds it. */
#define READ_DEPTH 8

/* ---- xref table ---- */

struct xent *xt_get(const struct xtable *t, uint32_t num)
{
	uint32_t pg = num >> XPAGE_BITS;

	if (num >= t->size || pg >= t->npages || t->pages[pg] == NULL)
		return NULL;
	return &t->pages[pg][num & (XPAGE_SIZE - 1)];
}

struct xent *xt_slot(struct xtable *t, uint32_t num)
{
	uint32_t pg = num >> XPAGE_BITS;

	if (num >= MAX_XREF_ENTRIES) {
		tk_fail(TK_ERR_LIMIT, "pdf: ISO 32000-1 7.5.4: object number %u exceeds MAX_XREF_ENTRIES", num);
		return NULL;
	}
	if (pg >= t->npages) {
		uint32_t n = pg + 1 > t->npages * 2 ? pg + 1 : t->npages * 2;
		struct xent **np = realloc(t->pages, n * sizeof(*np));
		if (np == NULL) {
			tk_fail(TK_ERR_NOMEM, "pdf: out of memory");
			return NULL;
		}
		memset(np + t->npages, 0, (n - t->npages) * sizeof(*np));
		t->pages = np;
		t->npages = n;
	}
	if (t->pages[pg] == NULL && (t->pages[pg] = calloc(XPAGE_SIZE, sizeof(struct xent))) == NULL) {
		tk_fail(TK_ERR_NOMEM, "pdf: out of memory");
		return NULL;
	}
	if (num >= t->size)
		t->size = num + 1;
	return &t->pages[pg][num & (XPAGE_SIZE - 1)];
}

void xt_free(struct xtable *t)
{
	uint32_t i;

	for (i = 0; i < t->npages; i++)
		free(t->pages[i]);
	free(t->pages);
	memset(t, 0, sizeof(*t));
}

/* ---- small helpers ---- */

static void note_damage(struct pdf_doc *d, const char *msg)
{
	if (d->damage[0] == '\0' && str_copy(d->damage, sizeof(d->damage), msg) != TK_OK) {
		memcpy(d->damage, msg, sizeof(d->damage) - 1);
		d->damage[sizeof(d->damage) - 1] = '\0';
	}
}

static size_t rfind(const uint8_t *p, size_t len, const char *needle)
{
	size_t nl = strlen(needle), i;

	if (len < nl)
		return SIZE_MAX;
	for (i = len - nl + 1; i-- > 0;)
		if (p[i] == (uint8_t)needle[0] && memcmp(p + i, needle, nl) == 0)
			return i;
	return SIZE_MAX;
}

static bool is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* ---- object streams (7.5.7) ---- */

struct objstm {
	const uint8_t *data;
	size_t len;
	size_t first;
	uint32_t n;
	uint32_t *nums;
	size_t *offs;
};

static enum tk_err objstm_open(struct pdf_doc *d, const struct pdf_obj *st, struct objstm **out)
{
	struct buf b;
	struct objstm *os;
	const struct pdf_obj *no = NULL, *fo = NULL;
	int64_t n, first;
	struct lex lx;
	uint32_t i;
	enum tk_err rc;

	if (st->u.st->ostm != NULL) {
		*out = st->u.st->ostm;
		return TK_OK;
	}
	if ((rc = pdf_dict_get_resolved(d, st, "N", &no)) != TK_OK || (rc = pdf_dict_get_resolved(d, st, "First", &fo)) != TK_OK)
		return rc;
	if (!pdf_as_int(no, &n) || !pdf_as_int(fo, &first) || n < 0 || first < 0)
		return tk_fail(TK_ERR_INVALID, "pdf: ISO 32000-1 7.5.7: object stream %u has no valid /N and /First",
		    st->u.st->num);
	buf_init(&b, MAX_INFLATE_BYTES);
	if ((rc = pdf_stream_decode(d, st, &b)) != TK_OK) {
		buf_free(&b);
		return rc;
	}
	if ((uint64_t)first > b.len || (uint64_t)n > (uint64_t)first / 2 + 1) {
		buf_free(&b);
		return tk_fail(TK_ERR_INVALID, "pdf: ISO 32000-1 7.5.7: object stream %u: /N %lld and /First %lld do not fit its %zu bytes",
		    st->u.st->num, (long long)n, (long long)first, b.len);
	}
	if ((os = arena_alloc(&d->arena, sizeof(*os))) == NULL) {
		buf_free(&b);
		return TK_ERR_NOMEM;
	}
	os->len = b.len;
	os->first = (size_t)first;
	os->n = (uint32_t)n;
	{
		size_t blen = b.len;
		uint8_t *data = buf_take(&b, NULL);
		if (data == NULL && (data = malloc(1)) == NULL)
			return tk_fail(TK_ERR_NOMEM, "pdf: out of memory");
		if ((rc = arena_adopt(&d->arena, data, blen)) != TK_OK)
			return rc;
		os->data = data;
	}
	if ((os->nums = arena_alloc(&d->arena, (os->n + 1) * sizeof(*os->nums))) == NULL ||
	    (os->offs = arena_alloc(&d->arena, (os->n + 1) * sizeof(*os->offs))) == NULL)
		return TK_ERR_NOMEM;
	lex_doc(d, &lx, os->data, os->first, 0);
	for (i = 0; i < os->n; i++) {
		struct tok a, o;
		lex_next(&lx, &a);
		lex_next(&lx, &o);
		if (a.kind != TOK_INT || o.kind != TOK_INT || a.i < 0 || a.i > (int64_t)UINT32_MAX || o.i < 0 ||
		    (uint64_t)o.i > os->len - os->first)
			return tk_fail(TK_ERR_INVALID, "pdf: ISO 32000-1 7.5.7: object stream %u: entry %u of its header is not two valid integers",
			    st->u.st->num, i);
		os->nums[i] = (uint32_t)a.i;
		os->offs[i] = (size_t)o.i;
	}
	((struct pdf_obj *)st)->u.st->ostm = os;
	*out = os;
	return TK_OK;
}

static enum tk_err get_obj(struct pdf_doc *d, uint32_t num, uint16_t gen, const struct pdf_obj **out);

static enum tk_err load_compressed(struct pdf_doc *d, uint32_t stm, uint32_t idx, uint32_t num, const struct pdf_obj **out)
{
	const struct xent *se = xt_get(&d->xref, stm);
	const struct pdf_obj *st;
	struct objstm *os;
	struct lex lx;
	uint32_t i;
	enum tk_err rc;

	if (se == NULL || se->type != XE_INUSE)
		return tk_fail(TK_ERR_INVALID, "pdf: ISO 32000-1 7.5.8.3: object %u is said to be in object stream %u, which is not an uncompressed object",
		    num, stm);
	if ((rc = get_obj(d, stm, se->gen, &st)) != TK_OK)
		return tk_wrap(rc, "pdf: object stream %u holding object %u", stm, num);
	if (st->type != PDF_STREAM)
		return tk_fail(TK_ERR_INVALID, "pdf: ISO 32000-1 7.5.7: object %u holding object %u is not a stream", stm, num);
	if ((rc = objstm_open(d, st, &os)) != TK_OK)
		return rc;
	if (idx >= os->n || os->nums[idx] != num) {
		/* A wrong index: the header says where the object is. */
		for (i = 0; i < os->n && os->nums[i] != num; i++)
			;
		if (i == os->n)
			return tk_fail(TK_ERR_INVALID, "pdf: ISO 32000-1 7.5.7: object %u is not in object stream %u", num, stm);
		idx = i;
	}
	lex_doc(d, &lx, os->data, os->len, os->first + os->offs[idx]);
	return pdf_parse_value(d, &lx, num, 0, out);
}

/* ---- scanning for "N G obj" (what viewers do with a broken xref) ---- */

static bool parse_header_back(const uint8_t *p, size_t q, uint32_t *num, uint16_t *gen, size_t *start)
{
	size_t j = q, e;
	uint64_t v = 0, g = 0, m = 1;

	while (j > 0 && pdf_is_ws(p[j - 1]))
		j--;
	for (e = j; j > 0 && is_digit(p[j - 1]) && e - j < 5; j--) {
		g += (uint64_t)(p[j - 1] - '0') * m;
		m *= 10;
	}
	if (j == e || g > 65535 || (j > 0 && is_digit(p[j - 1])))
		return false;
	e = j;
	while (j > 0 && pdf_is_ws(p[j - 1]))
		j--;
	if (j == e)
		return false;
	m = 1;
	for (e = j; j > 0 && is_digit(p[j - 1]) && e - j < 10; j--) {
		v += (uint64_t)(p[j - 1] - '0') * m;
		m *= 10;
	}
	/* "%%EOF1 0 obj": a revision appended without an end-of-line after the previous one (readers accept it). */
	if (j == e || (j > 0 && !pdf_is_ws(p[j - 1]) && !pdf_is_delim(p[j - 1]) && !(j >= 5 && memcmp(p + j - 5, "%%EOF", 5) == 0)) ||
	    v >= MAX_XREF_ENTRIES)
		return false;
	*num = (uint32_t)v;
	*gen = (uint16_t)g;
	*start = j;
	return true;
}

struct numlist {
	uint32_t *v;
	size_t n, cap;
};

static enum tk_err numlist_push(struct numlist *l, uint32_t x)
{
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 16;
		uint32_t *nv = realloc(l->v, nc * sizeof(*nv));
		if (nv == NULL)
			return tk_fail(TK_ERR_NOMEM, "pdf: out of memory");
		l->v = nv;
		l->cap = nc;
	}
	l->v[l->n++] = x;
	return TK_OK;
}

enum tk_err pdf_scan_build(struct pdf_doc *d, struct xtable *t, const struct pdf_obj **trailer)
{
	struct lex lx;
	struct numlist ostms = { 0 }, xrefs = { 0 };
	const struct pdf_obj *best = NULL;
	size_t pos = 0, q, i;
	enum tk_err rc;

	lex_doc(d, &lx, d->p, d->len, 0);
	while ((q = lex_find(&lx, pos, "obj")) != SIZE_MAX) {
		uint32_t num;
		uint16_t gen;
		size_t start;
		struct xent *e;
		struct tok tk, prev;
		bool is_ostm = false, is_xref = false;

		pos = q + 3;
		if ((q + 3 < d->len && !pdf_is_ws(d->p[q + 3]) && !pdf_is_delim(d->p[q + 3])) ||
		    !parse_header_back(d->p, q, &num, &gen, &start))
			continue;
		if ((e = xt_slot(t, num)) == NULL) {
			rc = TK_ERR_NOMEM;
			goto out;
		}
		e->type = XE_INUSE; /* a later definition wins, as in an incremental update */
		e->off = start;
		e->gen = gen;
		e->obj = NULL;
		/* Skip the body so that bytes inside strings and streams are not taken for headers. */
		lx.pos = q + 3;
		memset(&prev, 0, sizeof(prev));
		for (;;) {
			lex_next(&lx, &tk);
			if (lx.over) {
				rc = tk_fail(TK_ERR_LIMIT, "pdf: document needs too much parsing work while scanning for objects");
				goto out;
			}
			if (tk.kind == TOK_EOF) {
				pos = d->len;
				break;
			}
			if (tk.kind == TOK_ERROR) {
				if (lx.pos >= d->len)
					break; /* an unclosed string: resume after the header */
				continue;
			}
			if (tk.kind == TOK_NAME && prev.kind == TOK_NAME && prev.end - prev.start == 4 &&
			    memcmp(d->p + prev.start, "Type", 4) == 0) {
				if (tk.end - tk.start == 6 && memcmp(d->p + tk.start, "ObjStm", 6) == 0)
					is_ostm = true;
				if (tk.end - tk.start == 4 && memcmp(d->p + tk.start, "XRef", 4) == 0)
					is_xref = true;
			}
			if (tok_is_kw(&lx, &tk, "endobj")) {
				pos = tk.end;
				break;
			}
			if (tok_is_kw(&lx, &tk, "stream")) {
				size_t f = lex_find(&lx, tk.end, "endstream");
				pos = f == SIZE_MAX ? d->len : f + 9;
				break;
			}
			if (tok_is_kw(&lx, &tk, "obj") || tok_is_kw(&lx, &tk, "trailer") || tok_is_kw(&lx, &tk, "xref") ||
			    tok_is_kw(&lx, &tk, "startxref")) {
				pos = tk.start;
				break;
			}
			prev = tk;
		}
		if (is_ostm && (rc = numlist_push(&ostms, num)) != TK_OK)
			goto out;
		if (is_xref && (rc = numlist_push(&xrefs, num)) != TK_OK)
			goto out;
	}
	if (lx.over) {
		rc = tk_fail(TK_ERR_LIMIT, "pdf: document needs too much parsing work while scanning for objects");
		goto out;
	}
	/* The last trailer (or xref stream dictionary) naming a /Root wins. */
	for (pos = 0; (q = lex_find(&lx, pos, "trailer")) != SIZE_MAX; pos = q + 7) {
		const struct pdf_obj *v;
		struct lex l2;
		lex_doc(d, &l2, d->p, d->len, q + 7);
		if (pdf_parse_value(d, &l2, UINT32_MAX, 0, &v) == TK_OK && v->type == PDF_DICT &&
		    pdf_obj_type(pdf_dict_get(v, "Root")) == PDF_REF)
			best = v;
	}
	for (i = 0; best == NULL && i < xrefs.n; i++) {
		const struct xent *e = xt_get(t, xrefs.v[i]);
		const struct pdf_obj *v;
		if (e != NULL && pdf_parse_indirect(d, e->off, UINT32_MAX, 0, &v, NULL, NULL) == TK_OK &&
		    pdf_obj_type(pdf_dict_get(v, "Root")) == PDF_REF)
			best = pdf_stream_dict(v);
	}
	/* Objects inside object streams fill the numbers no plain object took. */
	for (i = 0; i < ostms.n; i++) {
		const struct xent *e = xt_get(t, ostms.v[i]);
		const struct pdf_obj *v;
		struct objstm *os;
		uint32_t k;
		if (e == NULL || pdf_parse_indirect(d, e->off, UINT32_MAX, 0, &v, NULL, NULL) != TK_OK ||
		    v->type != PDF_STREAM || objstm_open(d, v, &os) != TK_OK)
			continue;
		for (k = 0; k < os->n; k++) {
			struct xent *x;
			if (os->nums[k] >= MAX_XREF_ENTRIES || (x = xt_slot(t, os->nums[k])) == NULL)
				continue;
			if (x->type == XE_NONE) {
				x->type = XE_COMP;
				x->off = ostms.v[i];
				x->idx = k;
				x->gen = 0;
				d->has_comp = true;
			}
		}
	}
	if (best == NULL) {
		/* No trailer: the last object that says /Type /Catalog is the root. */
		uint32_t n, root = 0;
		uint16_t rgen = 0;
		struct pdf_obj *tr, *ref;
		struct pdf_kv *kv;
		for (n = 1; n < t->size; n++) {
			const struct xent *e = xt_get(t, n);
			const struct pdf_obj *v;
			if (e == NULL || e->type != XE_INUSE)
				continue;
			if (pdf_parse_indirect(d, e->off, n, e->gen, &v, NULL, NULL) == TK_OK &&
			    pdf_name_is(pdf_dict_get(v, "Type"), "Catalog") && (root == 0 || e->off > xt_get(t, root)->off)) {
				root = n;
				rgen = e->gen;
			}
		}
		if (root == 0) {
			rc = tk_fail(TK_ERR_INVALID, "pdf: ISO 32000-1 7.5.5: no trailer and no catalog found by scanning the file");
			goto out;
		}
		rc = TK_ERR_NOMEM;
		if ((tr = obj_new(&d->arena, PDF_DICT)) == NULL || (ref = obj_new(&d->arena, PDF_REF)) == NULL ||
		    (kv = arena_alloc(&d->arena, sizeof(*kv))) == NULL)
			goto out;
		ref->u.ref.num = root;
		ref->u.ref.gen = rgen;
		kv->key = "Root";
		kv->klen = 4;
		kv->val = ref;
		tr->u.d.e = kv;
		tr->u.d.n = tr->u.d.cap = 1;
		best = tr;
	}
	*trailer = best;
	rc = TK_OK;
out:
	free(ostms.v);
	free(xrefs.v);
	return rc;
}

/* The scan index, built once, for entries that do not hold what they promise. */
/*
 * Where a scan of the file finds object num (*out NULL: nowhere, or no
 * scan). Fails only when memory runs out: that is no damage of the file,
 * and a later lookup scans again.
 */
static enum tk_err scan_lookup(struct pdf_doc *d, uint32_t num, const struct xent **out)
{
	const struct pdf_obj *tr;
	enum tk_err rc;

	*out = NULL;
	if (d->flags & PDF_LOAD_NO_REPAIR)
		return TK_OK;
	if (d->kind == PDF_XREF_REBUILT)
		return TK_OK; /* the table already is the scan */
	if (d->scan_state == 0) {
		d->scan_state = 2; /* building: a lookup made while scanning must not scan again */
		rc = pdf_scan_build(d, &d->scan, &tr);
		d->scan_state = rc == TK_OK ? 1 : rc == TK_ERR_NOMEM ? 0
								     : -1;
		if (rc == TK_ERR_NOMEM)
			return rc;
	}
	if (d->scan_state == 1)
		*out = xt_get(&d->scan, num);
	return TK_OK;
}

/* ---- objects ---- */

static enum tk_err get_obj(struct pdf_doc *d, uint32_t num, uint16_t gen, const struct pdf_obj **out)
{
	struct xent *e = xt_get(&d->xref, num);
	const struct pdf_obj *o = NULL;
	enum tk_err rc;

	if (e == NULL || e->type == XE_NONE || e->type == XE_FREE || (e->type == XE_INUSE && e->gen != gen) ||
	    (e->type == XE_COMP && gen != 0))
		return tk_fail(TK_ERR_NOT_FOUND, "pdf: ISO 32000-1 7.3.10: object %u %u is not in the cross-reference table",
		    num, (unsigned)gen);
	if (e->obj != NULL) {
		*out = e->obj;
		return TK_OK;
	}
	if (e->busy)
		return tk_fail(TK_ERR_INVALID, "pdf: ISO 32000-1 7.3.10: object %u %u refers back to itself while it is read",
		    num, (unsigned)gen);
	if (d->depth >= READ_DEPTH)
		return tk_fail(TK_ERR_LIMIT, "pdf: ISO 32000-1 7.5.7: object %u %u: lengths and object streams nest too deeply",
		    num, (unsigned)gen);
	e->busy = 1;
	d->depth++;
	if (e->type == XE_COMP) {
		rc = load_compressed(d, (uint32_t)e->off, e->idx, num, &o);
	} else {
		if (e->off >= d->len)
			rc = tk_fail(TK_ERR_INVALID, "pdf: ISO 32000-1 7.5.4: xref entry %u points past end of file", num);
		else
			rc = pdf_parse_indirect(d, (size_t)e->off, num, gen, &o, NULL, NULL);
		if (rc == TK_ERR_INVALID) {
			const struct xent *s = NULL;
			char why[MAX_ERRMSG];
			enum tk_err src;
			memcpy(why, tk_last_error()->msg, sizeof(why));
			/* Running out of memory while repairing is that error, not the damage. */
			if ((src = scan_lookup(d, num, &s)) == TK_OK && s != NULL && s->type == XE_INUSE && s->gen == gen && s->off != e->off)
				src = pdf_parse_indirect(d, (size_t)s->off, num, gen, &o, NULL, NULL);
			else if (src == TK_OK)
				src = TK_ERR_INVALID;
			if (src == TK_OK) {
				note_damage(d, why);
				rc = TK_OK;
			} else if (src == TK_ERR_NOMEM) {
				rc = src;
			} else {
				tk_fail(TK_ERR_INVALID, "%s", why);
			}
		}
	}
	if (rc == TK_OK && e->type != XE_COMP)
		rc = pdf_crypt_object(d, num, gen, o); /* 7.6.2: objects in object streams are decrypted with their stream */
	d->depth--;
	e->busy = 0;
	if (rc != TK_OK)
		return rc;
	e->obj = o;
	*out = o;
	return TK_OK;
}

enum tk_err pdf_get_object(struct pdf_doc *d, uint32_t num, uint16_t gen, const struct pdf_obj **out)
{
	return get_obj(d, num, gen, out);
}

bool pdf_length_lookup(struct pdf_doc *d, uint32_t num, uint16_t gen, int64_t *out)
{
	const struct pdf_obj *o;
	const struct xent *e = xt_get(&d->xref, num);

	if (e == NULL || e->busy || d->depth >= READ_DEPTH / 2)
		return false;
	if (get_obj(d, num, gen, &o) != TK_OK)
		return false;
	return pdf_as_int(o, out);
}

enum tk_err pdf_resolve(struct pdf_doc *d, const struct pdf_obj *o, const struct pdf_obj **out)
{
	unsigned i;
	enum tk_err rc;

	for (i = 0; i < MAX_PDF_NESTING && pdf_obj_type(o) == PDF_REF; i++) {
		const struct pdf_obj *t;
		rc = get_obj(d, o->u.ref.num, o->u.ref.gen, &t);
		if (rc == TK_ERR_NOT_FOUND) {
			*out = &pdf_null_obj; /* 7.3.10: a reference to nothing is null */
			return TK_OK;
		}
		if (rc != TK_OK)
			return rc;
		o = t;
	}
	if (pdf_obj_type(o) == PDF_REF)
		return tk_fail(TK_ERR_INVALID, "pdf: ISO 32000-1 7.3.10: chain of references longer than MAX_PDF_NESTING");
	*out = o;
	return TK_OK;
}

enum tk_err pdf_dict_get_resolved(struct pdf_doc *d, const struct pdf_obj *dict, const char *key,
    const struct pdf_obj **out)
{
	const struct pdf_obj *v = pdf_dict_get(dict, key);

	*out = NULL;
	if (v == NULL)
		return TK_OK;
	return pdf_resolve(d, v, out);
}

/* ---- cross-reference sections ---- */

struct tent {
	uint32_t num;
	struct xent e;
};

static void set_if_unset(struct pdf_doc *d, struct xent *x, const struct xent *v)
{
	if (x->type != XE_NONE)
		return; /* a newer section already said */
	*x = *v;
	if (v->type == XE_COMP)
		d->has_comp = true;
}

/* 7.5.8: entries of an xref stream at off; its dictionary becomes *trailer. */
static enum tk_err read_xref_stream(struct pdf_doc *d, size_t off, const struct pdf_obj **trailer)
{
	const struct pdf_obj *st, *w, *idx, *sz;
	struct buf b;
	int64_t wv[3], size, ws;
	size_t pos = 0, i, nidx;
	enum tk_err rc;

	buf_init(&b, MAX_INFLATE_BYTES);
	if ((rc = pdf_parse_indirect(d, off, UINT32_MAX, 0, &st, NULL, NULL)) != TK_OK)
		return rc;
	if (st->type != PDF_STREAM || (!pdf_name_is(pdf_dict_get(st, "Type"), "XRef") && pdf_dict_get(st, "W") == NULL))
		return tk_fail(TK_ERR_INVALID, "pdf: ISO 32000-1 7.5.8.2: object at offset %zu is not a cross-reference stream", off);
	w = pdf_dict_get(st, "W");
	sz = pdf_dict_get(st, "Size");
	if (pdf_array_len(w) != 3 || !pdf_as_int(sz, &size) || size < 0)
		return tk_fail(TK_ERR_INVALID, "pdf: ISO 32000-1 7.5.8.2: xref stream %u has no valid /W or /Size", st->u.st->num);
	for (i = 0; i < 3; i++)
		if (!pdf_as_int(pdf_array_get(w, i), &wv[i]) || wv[i] < 0 || wv[i] > 8)
			return tk_fail(TK_ERR_INVALID, "pdf: ISO 32000-1 7.5.8.2: xref stream %u: /W field %zu is not 0 to 8", st->u.st->num, i);
	ws = wv[0] + wv[1] + wv[2];
	if (ws == 0)
		return tk_fail(TK_ERR_INVALID, "pdf: ISO 32000-1 7.5.8.2: xref stream %u: /W fields are all zero", st->u.st->num);
	idx = pdf_dict_get(st, "Index");
	nidx = idx ? pdf_array_len(idx) : 2;
	if (nidx % 2 != 0)
		return tk_fail(TK_ERR_INVALID, "pdf: ISO 32000-1 7.5.8.2: xref stream %u: /Index has an odd length", st->u.st->num);
	if ((rc = pdf_stream_decode(d, st, &b)) != TK_OK)
		goto out;
	for (i = 0; i < nidx; i += 2) {
		int64_t start = 0, count = size, k;
		if (idx != NULL && (!pdf_as_int(pdf_array_get(idx, i), &start) || !pdf_as_int(pdf_array_get(idx, i + 1), &count)))
			count = -1;
		if (start < 0 || count < 0 || start > (int64_t)MAX_XREF_ENTRIES || count > (int64_t)MAX_XREF_ENTRIES - start) {
			rc = tk_fail(TK_ERR_INVALID, "pdf: ISO 32000-1 7.5.8.2: xref stream %u: subsection %lld %lld is invalid or exceeds MAX_XREF_ENTRIES",
			    st->u.st->num, (long long)start, (long long)count);
			goto out;
		}
		for (k = 0; k < count; k++) {
			uint64_t f[3] = { 1, 0, 0 };
			struct xent v;
			struct xent *x;
			int fi, bi;
			if (b.len - pos < (size_t)ws) {
				rc = tk_fail(TK_ERR_INVALID, "pdf: ISO 32000-1 7.5.8.3: xref stream %u ends before entry %lld",
				    st->u.st->num, (long long)start + (long long)k);
				goto out;
			}
			for (fi = 0; fi < 3; fi++) {
				if (wv[fi] == 0)
					continue;
				f[fi] = 0;
				for (bi = 0; bi < wv[fi]; bi++)
					f[fi] = f[fi] << 8 | b.p[pos++];
			}
			memset(&v, 0, sizeof(v));
			if (f[0] == 0) {
				v.type = XE_FREE;
				v.off = f[1];
				v.gen = (uint16_t)(f[2] > 65535 ? 65535 : f[2]);
			} else if (f[0] == 1) {
				v.type = XE_INUSE;
				v.off = f[1];
				v.gen = (uint16_t)(f[2] > 65535 ? 65535 : f[2]);
			} else if (f[0] == 2) {
				if (f[1] >= MAX_XREF_ENTRIES || f[2] > UINT32_MAX)
					continue;
				v.type = XE_COMP;
				v.off = f[1];
				v.idx = (uint32_t)f[2];
			} else {
				continue; /* 7.5.8.3: other types are references to null */
			}
			if (start + k == 0)
				continue;
			if ((x = xt_slot(&d->xref, (uint32_t)(start + k))) == NULL) {
				rc = TK_ERR_NOMEM;
				goto out;
			}
			set_if_unset(d, x, &v);
		}
	}
	*trailer = st->u.st->dict;
	rc = TK_OK;
out:
	buf_free(&b);
	return rc;
}

static bool lex_uint(struct lex *lx, uint64_t max, uint64_t *out)
{
	struct tok t;

	lex_next(lx, &t);
	if (t.kind != TOK_INT || t.i < 0 || (uint64_t)t.i > max)
		return false;
	*out = (uint64_t)t.i;
	return true;
}

/* 7.5.4: a classic table at off ("xref" already checked), then its trailer (7.5.5). */
static enum tk_err read_xref_table(struct pdf_doc *d, size_t off, const struct pdf_obj **trailer, bool *hybrid)
{
	struct lex lx;
	struct tok t;
	struct tent *ents = NULL;
	size_t n = 0, cap = 0, i;
	const struct pdf_obj *tr, *xs;
	bool first_sub = true;
	enum tk_err rc;

	lex_doc(d, &lx, d->p, d->len, off);
	lex_next(&lx, &t); /* "xref" */
	for (;;) {
		uint64_t start, count, k;
		size_t save = lx.pos;
		lex_next(&lx, &t);
		if (tok_is_kw(&lx, &t, "trailer"))
			break;
		lx.pos = save;
		if (!lex_uint(&lx, MAX_XREF_ENTRIES, &start) || !lex_uint(&lx, MAX_XREF_ENTRIES, &count) ||
		    start + count > MAX_XREF_ENTRIES) {
			rc = tk_fail(TK_ERR_INVALID, "pdf: ISO 32000-1 7.5.4: xref table at offset %zu: bad subsection header "
						     "or more than MAX_XREF_ENTRIES objects near offset %zu",
			    off, save);
			goto out;
		}
		for (k = 0; k < count; k++) {
			uint64_t eo, eg;
			struct tent *te;
			size_t p;
			/* Generations are five digits; MuPDF writes 65536 for entry 0, so clamp. */
			if (!lex_uint(&lx, UINT64_MAX >> 1, &eo) || !lex_uint(&lx, 99999, &eg)) {
				rc = tk_fail(TK_ERR_INVALID, "pdf: ISO 32000-1 7.5.4: xref entry %llu is malformed",
				    (unsigned long long)start + (unsigned long long)k);
				goto out;
			}
			p = lx.pos;
			while (p < d->len && pdf_is_ws(d->p[p]))
				p++;
			if (p >= d->len || (d->p[p] != 'n' && d->p[p] != 'f')) {
				rc = tk_fail(TK_ERR_INVALID, "pdf: ISO 32000-1 7.5.4: xref entry %llu has no n or f marker",
				    (unsigned long long)start + (unsigned long long)k);
				goto out;
			}
			lx.pos = p + 1;
			if (first_sub && k == 0 && start == 1 && d->p[p] == 'f' && eg >= 65535 && eo == 0)
				start = 0; /* a common writer bug: "1 n" for a table that starts at object 0 */
			if (n == cap) {
				size_t nc = cap ? cap * 2 : 256;
				struct tent *ne = realloc(ents, nc * sizeof(*ne));
				if (ne == NULL) {
					rc = tk_fail(TK_ERR_NOMEM, "pdf: out of memory");
					goto out;
				}
				ents = ne;
				cap = nc;
			}
			te = &ents[n++];
			memset(te, 0, sizeof(*te));
			te->num = (uint32_t)(start + k);
			te->e.gen = (uint16_t)(eg > 65535 ? 65535 : eg);
			te->e.off = eo;
			te->e.type = d->p[p] == 'n' ? XE_INUSE : XE_FREE;
			if (te->e.type == XE_INUSE && eo == 0)
				te->e.type = XE_FREE; /* "0000000000 00000 n" means no object */
		}
		first_sub = false;
	}
	if ((rc = pdf_parse_value(d, &lx, UINT32_MAX, 0, &tr)) != TK_OK)
		goto out;
	if (tr->type != PDF_DICT) {
		rc = tk_fail(TK_ERR_INVALID, "pdf: ISO 32000-1 7.5.5: trailer at offset %zu is not a dictionary", off);
		goto out;
	}
	xs = pdf_dict_get(tr, "XRefStm");
	*hybrid = false;
	if (xs != NULL) {
		int64_t xo;
		const struct pdf_obj *dummy;
		/* 7.5.8.4: a hybrid file; the stream's entries come before the table's. */
		if (!pdf_as_int(xs, &xo) || xo < 0 || (uint64_t)xo >= d->len) {
			rc = tk_fail(TK_ERR_INVALID, "pdf: ISO 32000-1 7.5.8.4: /XRefStm of the trailer at offset %zu points outside the file", off);
			goto out;
		}
		if ((rc = read_xref_stream(d, (size_t)xo, &dummy)) != TK_OK)
			goto out;
		*hybrid = true;
	}
	for (i = 0; i < n; i++) {
		struct xent *x;
		if (ents[i].num == 0)
			continue;
		if ((x = xt_slot(&d->xref, ents[i].num)) == NULL) {
			rc = TK_ERR_NOMEM;
			goto out;
		}
		set_if_unset(d, x, &ents[i].e);
	}
	*trailer = tr;
	rc = TK_OK;
out:
	free(ents);
	return rc;
}

/* Reads the /Prev chain from startxref; the first trailer is the document's. */
static enum tk_err read_xref_chain(struct pdf_doc *d, const struct pdf_obj ***trailers, size_t *ntr)
{
	size_t sx, i;
	struct lex lx;
	uint64_t off;
	enum tk_err rc;

	if ((sx = rfind(d->p, d->len, "startxref")) == SIZE_MAX)
		return tk_fail(TK_ERR_INVALID, "pdf: ISO 32000-1 7.5.5: no startxref in the file");
	lex_doc(d, &lx, d->p, d->len, sx + 9);
	if (!lex_uint(&lx, UINT64_MAX >> 1, &off) || off >= d->len)
		return tk_fail(TK_ERR_INVALID, "pdf: ISO 32000-1 7.5.5: startxref at offset %zu does not give an offset inside the file", sx);
	d->startxref = off;
	for (;;) {
		const struct pdf_obj *tr = NULL, *prev, **nt;
		struct tok t;
		bool hybrid = false;
		int64_t pv;

		for (i = 0; i < d->nsections; i++)
			if (d->sections[i] == off)
				return tk_fail(TK_ERR_INVALID, "pdf: ISO 32000-1 7.5.6: /Prev chain loops back to the xref section at offset %llu",
				    (unsigned long long)off);
		if (d->nsections >= MAX_PDF_REVISIONS)
			return tk_fail(TK_ERR_LIMIT, "pdf: ISO 32000-1 7.5.6: more than MAX_PDF_REVISIONS xref sections");
		{
			uint64_t *ns = realloc(d->sections, (d->nsections + 1) * sizeof(*ns));
			if (ns == NULL)
				return tk_fail(TK_ERR_NOMEM, "pdf: out of memory");
			d->sections = ns;
			d->sections[d->nsections++] = off;
		}
		lex_doc(d, &lx, d->p, d->len, (size_t)off);
		lex_next(&lx, &t);
		if (tok_is_kw(&lx, &t, "xref")) {
			if ((rc = read_xref_table(d, t.start, &tr, &hybrid)) != TK_OK)
				return rc;
			if (d->nsections == 1)
				d->kind = hybrid ? PDF_XREF_HYBRID : PDF_XREF_TABLE;
		} else if (t.kind == TOK_INT) {
			if ((rc = read_xref_stream(d, t.start, &tr)) != TK_OK)
				return rc;
			if (d->nsections == 1)
				d->kind = PDF_XREF_STREAM;
		} else {
			return tk_fail(TK_ERR_INVALID, "pdf: ISO 32000-1 7.5.5: offset %llu given by startxref or /Prev holds no xref table or stream",
			    (unsigned long long)off);
		}
		if ((nt = realloc(*trailers, (*ntr + 1) * sizeof(*nt))) == NULL)
			return tk_fail(TK_ERR_NOMEM, "pdf: out of memory");
		*trailers = nt;
		nt[(*ntr)++] = tr;
		prev = pdf_dict_get(tr, "Prev");
		if (prev == NULL)
			break;
		if (!pdf_as_int(prev, &pv) || pv < 0 || (uint64_t)pv >= d->len)
			return tk_fail(TK_ERR_INVALID, "pdf: ISO 32000-1 7.5.6: /Prev of the xref section at offset %llu points outside the file",
			    (unsigned long long)off);
		off = (uint64_t)pv;
	}
	return TK_OK;
}

/* TK_OK: /Root is a catalog dictionary; TK_ERR_NOMEM: memory ran out finding out (no damage); TK_ERR_INVALID: not. */
static enum tk_err root_check(struct pdf_doc *d)
{
	const struct pdf_obj *o;
	enum tk_err rc;

	if (d->root_num == 0)
		return TK_ERR_INVALID;
	if ((rc = get_obj(d, d->root_num, d->root_gen, &o)) == TK_ERR_NOMEM)
		return rc;
	return rc == TK_OK && o->type == PDF_DICT ? TK_OK : TK_ERR_INVALID;
}

static void reset_xref(struct pdf_doc *d)
{
	xt_free(&d->xref);
	free(d->sections);
	d->sections = NULL;
	d->nsections = 0;
	d->has_comp = false;
	d->startxref = 0;
}

/*
 * 7.6.1: the newest /Encrypt of the trailers and the first /ID; opens the
 * security handler with password. The /Encrypt object is read (and cached)
 * before decryption starts, so it stays as written.
 */
static enum tk_err open_crypt(struct pdf_doc *d, const struct pdf_obj *const *trs, size_t ntr, const char *password)
{
	const struct pdf_obj *er = NULL, *id = NULL, *enc = NULL;
	size_t i;
	enum tk_err rc;

	for (i = 0; i < ntr; i++) {
		if (er == NULL && !pdf_is_null(pdf_dict_get(trs[i], "Encrypt")))
			er = pdf_dict_get(trs[i], "Encrypt");
		if (id == NULL && pdf_array_len(pdf_dict_get(trs[i], "ID")) >= 1)
			id = pdf_dict_get(trs[i], "ID");
	}
	if (er == NULL)
		return TK_OK;
	d->enc_num = UINT32_MAX;
	if (pdf_as_ref(er, &d->enc_num, &d->enc_gen) && (rc = get_obj(d, d->enc_num, d->enc_gen, &enc)) != TK_OK)
		return tk_wrap(rc == TK_ERR_NOT_FOUND ? TK_ERR_INVALID : rc, "pdf: ISO 32000-1 7.6.1: the trailer's /Encrypt cannot be read");
	if (enc == NULL)
		enc = er;
	d->crypt_dict = enc;
	return pdf_crypt_open(enc, id, password, &d->crypt);
}

enum tk_err pdf_doc_load(const uint8_t *p, size_t len, unsigned flags, struct pdf_doc **out)
{
	return pdf_doc_load_pw(p, len, flags, NULL, out);
}

enum tk_err pdf_doc_load_pw(const uint8_t *p, size_t len, unsigned flags, const char *password, struct pdf_doc **out)
{
	struct pdf_doc *d = NULL;
	const struct pdf_obj **trs = NULL;
	size_t ntr = 0, i, h;
	enum tk_err rc = TK_ERR_INVALID;

	*out = NULL;
	if ((uint64_t)len > MAX_PDF_BYTES)
		return tk_fail(TK_ERR_LIMIT, "pdf: file of %zu bytes exceeds MAX_PDF_BYTES", len);
	if (p == NULL || len < 8)
		return tk_fail_code(TK_ERR_INVALID, "pdf_not_pdf", "pdf: ISO 32000-1 7.5.2: not a PDF file (too short)");
	{
		const uint8_t *hp = memmem(p, len < 1024 ? len : 1024, "%PDF-", 5);
		if (hp == NULL)
			return tk_fail_code(TK_ERR_INVALID, "pdf_not_pdf",
			    "pdf: ISO 32000-1 7.5.2: not a PDF file (no %%PDF- header in the first 1024 bytes)");
		h = (size_t)(hp - p);
	}
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return tk_fail(TK_ERR_NOMEM, "pdf: out of memory");
	d->p = p;
	d->len = len;
	d->flags = flags;
	d->work_max = len > (SIZE_MAX - MAX_PDF_WORK_MIN) / MAX_PDF_WORK_FACTOR ? SIZE_MAX : len * MAX_PDF_WORK_FACTOR + MAX_PDF_WORK_MIN;
	arena_init(&d->arena, &d->mem, MAX_PDF_DOC_MEMORY);
	if (h + 7 < len && is_digit(p[h + 5]) && p[h + 6] == '.' && is_digit(p[h + 7])) {
		d->vmaj = (unsigned)(p[h + 5] - '0');
		d->vmin = (unsigned)(p[h + 7] - '0');
	}
	rc = read_xref_chain(d, &trs, &ntr);
	if (rc == TK_OK) {
		d->trailer = trs[0];
		if ((rc = open_crypt(d, trs, ntr, password)) != TK_OK && d->crypt_dict != NULL)
			goto out; /* the handler itself refused: no repair helps */
		for (i = 0; i < ntr && d->root_num == 0; i++) {
			const struct pdf_obj *r = pdf_dict_get(trs[i], "Root");
			if (pdf_obj_type(r) == PDF_REF) {
				d->root_num = r->u.ref.num;
				d->root_gen = r->u.ref.gen;
			}
		}
		if (rc == TK_OK && (rc = root_check(d)) == TK_ERR_INVALID) {
			rc = tk_fail(TK_ERR_INVALID, "pdf: ISO 32000-1 7.7.2: the trailer's /Root is not a catalog dictionary");
			if (d->damage[0] != '\0')
				rc = tk_fail(TK_ERR_INVALID, "%s", d->damage);
		}
	}
	if (rc == TK_ERR_NOMEM || (rc == TK_ERR_LIMIT && d->work > d->work_max))
		goto out;
	if (rc != TK_OK) {
		const struct pdf_obj *tr = NULL;
		char why[MAX_ERRMSG];
		if (flags & PDF_LOAD_NO_REPAIR)
			goto out;
		memcpy(why, tk_last_error()->msg, sizeof(why));
		/* 7.5.4 is unusable: rebuild by scanning, as viewers do. */
		reset_xref(d);
		d->damage[0] = '\0';
		note_damage(d, why);
		d->kind = PDF_XREF_REBUILT;
		d->root_num = 0;
		if ((rc = pdf_scan_build(d, &d->xref, &tr)) != TK_OK) {
			tk_wrap(rc, "pdf: xref unusable (%s) and rebuilding failed", why);
			goto out;
		}
		d->trailer = tr;
		pdf_crypt_free(d->crypt);
		d->crypt = NULL;
		d->crypt_dict = NULL;
		if ((rc = open_crypt(d, &tr, 1, password)) != TK_OK)
			goto out;
		if (d->crypt != NULL) {
			/* Object streams could not be read before the key was known: scan again with it. */
			reset_xref(d);
			if ((rc = pdf_scan_build(d, &d->xref, &tr)) != TK_OK) {
				tk_wrap(rc, "pdf: xref unusable (%s) and rebuilding failed", why);
				goto out;
			}
			d->trailer = tr;
		}
		if (pdf_obj_type(pdf_dict_get(tr, "Root")) == PDF_REF) {
			d->root_num = pdf_dict_get(tr, "Root")->u.ref.num;
			d->root_gen = pdf_dict_get(tr, "Root")->u.ref.gen;
		}
		if ((rc = root_check(d)) != TK_OK) {
			if (rc != TK_ERR_NOMEM)
				rc = tk_fail(TK_ERR_INVALID, "pdf: ISO 32000-1 7.7.2: no catalog dictionary (xref unusable: %s)", why);
			goto out;
		}
	}
	{
		int64_t sz;
		d->alloc_min = d->xref.size;
		if (pdf_as_int(pdf_dict_get(d->trailer, "Size"), &sz) && sz > (int64_t)d->alloc_min &&
		    sz <= (int64_t)MAX_XREF_ENTRIES)
			d->alloc_min = (uint32_t)sz;
		if (d->alloc_min == 0)
			d->alloc_min = 1;
	}
	*out = d;
	d = NULL;
	rc = TK_OK;
out:
	free(trs);
	pdf_doc_free(d);
	return rc;
}

void pdf_doc_free(struct pdf_doc *d)
{
	if (d == NULL)
		return;
	xt_free(&d->xref);
	xt_free(&d->scan);
	pdf_crypt_free(d->crypt);
	arena_free(&d->arena);
	free(d->sections);
	free(d->revs);
	free(d->pages);
	free(d->stk);
	free(d->kvs);
	free(d);
}

const uint8_t *pdf_doc_data(const struct pdf_doc *d, size_t *len)
{
	*len = d->len;
	return d->p;
}

void pdf_doc_version(const struct pdf_doc *d, unsigned *major, unsigned *minor)
{
	*major = d->vmaj;
	*minor = d->vmin;
}

const char *pdf_doc_encryption(const struct pdf_doc *d)
{
	return d->crypt != NULL ? d->crypt->desc : NULL;
}

const char *pdf_doc_damage(const struct pdf_doc *d)
{
	return d->damage[0] ? d->damage : NULL;
}

const struct pdf_obj *pdf_trailer(const struct pdf_doc *d)
{
	return d->trailer;
}

enum tk_err pdf_catalog(struct pdf_doc *d, const struct pdf_obj **out)
{
	const struct pdf_obj *o;
	enum tk_err rc;

	if ((rc = get_obj(d, d->root_num, d->root_gen, &o)) != TK_OK)
		return rc;
	if (o->type != PDF_DICT)
		return tk_fail(TK_ERR_INVALID, "pdf: ISO 32000-1 7.7.2: catalog %u %u is not a dictionary", d->root_num,
		    (unsigned)d->root_gen);
	*out = o;
	return TK_OK;
}

void pdf_catalog_ref(const struct pdf_doc *d, uint32_t *num, uint16_t *gen)
{
	*num = d->root_num;
	*gen = d->root_gen;
}

enum pdf_xref_kind pdf_xref_kind(const struct pdf_doc *d)
{
	return d->kind;
}

uint64_t pdf_startxref(const struct pdf_doc *d)
{
	return d->startxref;
}

uint32_t pdf_xref_size(const struct pdf_doc *d)
{
	return d->xref.size;
}

void pdf_xref_get(const struct pdf_doc *d, uint32_t num, struct pdf_xref_info *out)
{
	const struct xent *e = xt_get(&d->xref, num);

	memset(out, 0, sizeof(*out));
	if (e == NULL)
		return;
	switch (e->type) {
	case XE_FREE:
		out->type = PDF_XREF_FREE;
		out->off = e->off;
		out->gen = e->gen;
		break;
	case XE_INUSE:
		out->type = PDF_XREF_INUSE;
		out->off = e->off;
		out->gen = e->gen;
		break;
	case XE_COMP:
		out->type = PDF_XREF_COMPRESSED;
		out->stm = (uint32_t)e->off;
		out->idx = e->idx;
		break;
	default:
		break;
	}
}

/* ---- revisions ---- */

enum tk_err pdf_revisions(struct pdf_doc *d, const struct pdf_revision **out, size_t *n)
{
	struct lex lx;
	size_t pos = 0, f, cap = 0;

	if (d->revs_done) {
		*out = d->revs;
		*n = d->nrevs;
		return TK_OK;
	}
	lex_init(&lx, d->p, d->len, 0);
	while ((f = lex_find(&lx, pos, "%%EOF")) != SIZE_MAX) {
		size_t j = f, e;
		uint64_t v = 0, m = 1;
		bool ok = false;
		pos = f + 5;
		while (j > 0 && pdf_is_ws(d->p[j - 1]))
			j--;
		for (e = j; j > 0 && is_digit(d->p[j - 1]) && e - j < 19; j--) {
			v += (uint64_t)(d->p[j - 1] - '0') * m;
			m *= 10;
		}
		if (j == e)
			continue;
		e = j;
		while (j > 0 && pdf_is_ws(d->p[j - 1]))
			j--;
		if (j == e || j < 9 || memcmp(d->p + j - 9, "startxref", 9) != 0)
			continue;
		if (d->kind == PDF_XREF_REBUILT) {
			ok = v > 0 && v < d->len;
		} else {
			size_t k;
			for (k = 0; k < d->nsections && !ok; k++)
				ok = d->sections[k] == v;
		}
		if (!ok)
			continue;
		if (d->nrevs >= MAX_PDF_REVISIONS)
			return tk_fail(TK_ERR_LIMIT, "pdf: ISO 32000-1 7.5.6: more than MAX_PDF_REVISIONS revisions");
		if (d->nrevs == cap) {
			size_t nc = cap ? cap * 2 : 8;
			struct pdf_revision *nr = realloc(d->revs, nc * sizeof(*nr));
			if (nr == NULL)
				return tk_fail(TK_ERR_NOMEM, "pdf: out of memory");
			d->revs = nr;
			cap = nc;
		}
		d->revs[d->nrevs].startxref = v;
		d->revs[d->nrevs].eof = f + 5;
		e = f + 5;
		if (e < d->len && d->p[e] == '\r')
			e++;
		if (e < d->len && d->p[e] == '\n')
			e++;
		d->revs[d->nrevs].end = e;
		d->nrevs++;
	}
	d->revs_done = 1;
	*out = d->revs;
	*n = d->nrevs;
	return TK_OK;
}

/* ---- page tree (7.7.3) ---- */

struct inh {
	const struct pdf_obj *res, *mbox, *cbox, *rot;
};

struct pframe {
	const struct pdf_obj *kids;
	size_t i;
	struct inh inh;
};

/* A malformed attribute is ignored (the inherited one stays), as viewers do; running out of memory is not. */
static enum tk_err attr(struct pdf_doc *d, const struct pdf_obj *node, const char *key, const struct pdf_obj **v)
{
	enum tk_err rc;

	if ((rc = pdf_dict_get_resolved(d, node, key, v)) == TK_ERR_NOMEM)
		return rc;
	if (rc != TK_OK) {
		tk_clear_error();
		*v = NULL;
	}
	return TK_OK;
}

static enum tk_err inherit(struct pdf_doc *d, const struct pdf_obj *node, struct inh *in)
{
	const struct pdf_obj *v;
	enum tk_err rc;

	if ((rc = attr(d, node, "Resources", &v)) != TK_OK)
		return rc;
	if (pdf_obj_type(v) == PDF_DICT)
		in->res = v;
	if ((rc = attr(d, node, "MediaBox", &v)) != TK_OK)
		return rc;
	if (pdf_array_len(v) == 4)
		in->mbox = v;
	if ((rc = attr(d, node, "CropBox", &v)) != TK_OK)
		return rc;
	if (pdf_array_len(v) == 4)
		in->cbox = v;
	if ((rc = attr(d, node, "Rotate", &v)) != TK_OK)
		return rc;
	if (pdf_obj_type(v) == PDF_INT)
		in->rot = v;
	return TK_OK;
}

static bool rect(struct pdf_doc *d, const struct pdf_obj *a, double r[4])
{
	size_t i;

	if (pdf_array_len(a) != 4)
		return false;
	for (i = 0; i < 4; i++) {
		const struct pdf_obj *v;
		if (pdf_resolve(d, pdf_array_get(a, i), &v) != TK_OK || !pdf_as_real(v, &r[i]))
			return false;
	}
	/* Any two diagonally opposite corners (ISO 32000-1 7.9.5): lower-left first. */
	if (r[0] > r[2]) {
		double t = r[0];
		r[0] = r[2], r[2] = t;
	}
	if (r[1] > r[3]) {
		double t = r[1];
		r[1] = r[3], r[3] = t;
	}
	return true;
}

static enum tk_err add_page(struct pdf_doc *d, size_t *cap, uint32_t num, uint16_t gen, const struct pdf_obj *dict,
    const struct inh *in)
{
	struct pdf_page *pg;
	int64_t rot = 0;

	if (d->npages == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct pdf_page *np = realloc(d->pages, nc * sizeof(*np));
		if (np == NULL)
			return tk_fail(TK_ERR_NOMEM, "pdf: out of memory");
		d->pages = np;
		*cap = nc;
	}
	pg = &d->pages[d->npages++];
	memset(pg, 0, sizeof(*pg));
	pg->num = num;
	pg->gen = gen;
	pg->dict = dict;
	pg->resources = in->res;
	if (!rect(d, in->mbox, pg->media_box)) {
		pg->media_box[2] = 612; /* US Letter, what viewers assume */
		pg->media_box[3] = 792;
	}
	if (!rect(d, in->cbox, pg->crop_box))
		memcpy(pg->crop_box, pg->media_box, sizeof(pg->crop_box));
	/* The crop box is clipped to the media box (ISO 32000-1 14.11.2), as viewers show it; none left: the media box. */
	pg->crop_box[0] = pg->crop_box[0] > pg->media_box[0] ? pg->crop_box[0] : pg->media_box[0];
	pg->crop_box[1] = pg->crop_box[1] > pg->media_box[1] ? pg->crop_box[1] : pg->media_box[1];
	pg->crop_box[2] = pg->crop_box[2] < pg->media_box[2] ? pg->crop_box[2] : pg->media_box[2];
	pg->crop_box[3] = pg->crop_box[3] < pg->media_box[3] ? pg->crop_box[3] : pg->media_box[3];
	if (pg->crop_box[2] <= pg->crop_box[0] || pg->crop_box[3] <= pg->crop_box[1])
		memcpy(pg->crop_box, pg->media_box, sizeof(pg->crop_box));
	if (pdf_as_int(in->rot, &rot) && rot % 90 == 0)
		pg->rotate = (int)(((rot % 360) + 360) % 360);
	return TK_OK;
}

static enum tk_err walk_pages(struct pdf_doc *d)
{
	const struct pdf_obj *cat = NULL, *root = NULL, *rref = NULL;
	struct pframe *stk = NULL;
	uint8_t *seen = NULL;
	size_t sp = 0, cap = 0;
	uint32_t nseen = d->xref.size;
	struct inh top;
	enum tk_err rc;

	memset(&top, 0, sizeof(top));
	if ((rc = pdf_catalog(d, &cat)) != TK_OK)
		return rc;
	rref = pdf_dict_get(cat, "Pages");
	if ((rc = pdf_resolve(d, rref, &root)) != TK_OK)
		return rc;
	if (pdf_obj_type(root) != PDF_DICT)
		return tk_fail(TK_ERR_INVALID, "pdf: ISO 32000-1 7.7.2: catalog has no /Pages dictionary");
	if (d->scan.size > nseen)
		nseen = d->scan.size;
	if ((seen = calloc((size_t)nseen / 8 + 1, 1)) == NULL ||
	    (stk = calloc(MAX_PDF_PAGE_DEPTH + 1, sizeof(*stk))) == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "pdf: out of memory");
		goto out;
	}
	if (pdf_obj_type(rref) == PDF_REF && rref->u.ref.num < nseen)
		seen[rref->u.ref.num / 8] |= (uint8_t)(1u << (rref->u.ref.num % 8));
	if ((rc = inherit(d, root, &top)) != TK_OK)
		goto out;
	if (pdf_dict_get(root, "Kids") == NULL && pdf_name_is(pdf_dict_get(root, "Type"), "Page")) {
		/* A lone page as the root of the tree: accept it as viewers do. */
		rc = add_page(d, &cap, pdf_obj_type(rref) == PDF_REF ? rref->u.ref.num : 0,
		    pdf_obj_type(rref) == PDF_REF ? rref->u.ref.gen : 0, root, &top);
		goto out;
	}
	if ((rc = pdf_dict_get_resolved(d, root, "Kids", &stk[0].kids)) != TK_OK)
		goto out;
	stk[0].inh = top;
	sp = 1;
	while (sp > 0) {
		struct pframe *f = &stk[sp - 1];
		const struct pdf_obj *kref, *kid, *kids;
		uint32_t num = 0;
		uint16_t gen = 0;

		if (f->i >= pdf_array_len(f->kids)) {
			sp--;
			continue;
		}
		kref = pdf_array_get(f->kids, f->i++);
		if (pdf_as_ref(kref, &num, &gen)) {
			if (num < nseen) {
				if (seen[num / 8] & (1u << (num % 8))) {
					rc = tk_fail(TK_ERR_INVALID, "pdf: ISO 32000-1 7.7.3.2: page tree visits object %u %u twice (a cycle or a shared kid)",
					    num, (unsigned)gen);
					goto out;
				}
				seen[num / 8] |= (uint8_t)(1u << (num % 8));
			}
		}
		if ((rc = pdf_resolve(d, kref, &kid)) != TK_OK)
			goto out;
		if (pdf_obj_type(kid) != PDF_DICT) {
			if (pdf_is_null(kid))
				continue; /* a kid that is not there: skipped, as viewers do */
			rc = tk_fail(TK_ERR_INVALID, "pdf: ISO 32000-1 7.7.3.2: page tree node %u %u is a %s, not a dictionary",
			    num, (unsigned)gen, pdf_type_name(pdf_obj_type(kid)));
			goto out;
		}
		kids = pdf_dict_get(kid, "Kids");
		if (pdf_name_is(pdf_dict_get(kid, "Type"), "Pages") || (kids != NULL && !pdf_name_is(pdf_dict_get(kid, "Type"), "Page"))) {
			struct pframe *nf;
			if (sp > MAX_PDF_PAGE_DEPTH) {
				rc = tk_fail(TK_ERR_LIMIT, "pdf: ISO 32000-1 7.7.3.2: page tree deeper than MAX_PDF_PAGE_DEPTH at object %u %u",
				    num, (unsigned)gen);
				goto out;
			}
			nf = &stk[sp];
			memset(nf, 0, sizeof(*nf));
			nf->inh = f->inh;
			if ((rc = inherit(d, kid, &nf->inh)) != TK_OK ||
			    (rc = pdf_dict_get_resolved(d, kid, "Kids", &nf->kids)) != TK_OK)
				goto out;
			sp++;
			continue;
		}
		{
			struct inh in = f->inh;
			if ((rc = inherit(d, kid, &in)) != TK_OK || (rc = add_page(d, &cap, num, gen, kid, &in)) != TK_OK)
				goto out;
		}
	}
	rc = TK_OK;
out:
	free(seen);
	free(stk);
	return rc;
}

enum tk_err pdf_page_count(struct pdf_doc *d, size_t *out)
{
	enum tk_err rc;

	if (!d->pages_done) {
		d->npages = 0;
		if ((rc = walk_pages(d)) != TK_OK) {
			d->npages = 0;
			return rc;
		}
		d->pages_done = 1;
	}
	*out = d->npages;
	return TK_OK;
}

enum tk_err pdf_page_get(struct pdf_doc *d, size_t i, const struct pdf_page **out)
{
	size_t n;
	enum tk_err rc;

	if ((rc = pdf_page_count(d, &n)) != TK_OK)
		return rc;
	if (i >= n)
		return tk_fail(TK_ERR_NOT_FOUND, "pdf: page %zu does not exist (the document has %zu)", i + 1, n);
	*out = &d->pages[i];
	return TK_OK;
}

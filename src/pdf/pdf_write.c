/*
 * Incremental update (ISO 32000-1 7.5.6): new and replaced objects, then a
 * cross-reference section in the style of the original's newest one, then
 * the trailer, startxref and %%EOF, all appended after the original's last
 * byte. Nothing before that byte is ever changed.
 */
#include "pdf/pdf_int.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

struct uent {
	uint32_t num;
	uint16_t gen;
	const struct pdf_obj *obj; /* direct object, or the dictionary of a stream */
	const uint8_t *data;       /* stream data (in the update's arena), or NULL */
	size_t len;
	bool is_stream;
	size_t span_off, span_len; /* where it was written, after a write */
};

struct pdf_update {
	struct pdf_doc *doc;
	struct arena arena;
	size_t mem;
	struct uent *e;
	size_t n, cap;
	uint32_t next;
	bool info_set;
	uint32_t info_num;
	uint16_t info_gen;
	bool written;
};

/* Update memory is bounded like a document's. */
enum tk_err pdf_update_new(struct pdf_doc *doc, struct pdf_update **out)
{
	struct pdf_update *u;

	*out = NULL;
	if (doc->crypt != NULL)
		return tk_fail_code(TK_ERR_INVALID, "pdf_encrypted",
		    "pdf: ISO 32000-1 7.6: the document is encrypted (%s); writing an incremental update into an encrypted document "
		    "is not supported",
		    doc->crypt->desc);
	if ((u = calloc(1, sizeof(*u))) == NULL)
		return tk_fail(TK_ERR_NOMEM, "pdf: out of memory");
	u->doc = doc;
	arena_init(&u->arena, &u->mem, MAX_PDF_DOC_MEMORY);
	u->next = doc->alloc_min;
	*out = u;
	return TK_OK;
}

void pdf_update_free(struct pdf_update *u)
{
	if (u == NULL)
		return;
	arena_free(&u->arena);
	free(u->e);
	free(u);
}

/* ---- constructors ---- */

static struct pdf_obj *mk(struct pdf_update *u, enum pdf_type t)
{
	struct pdf_obj *o = obj_new(&u->arena, t);

	if (o != NULL)
		o->flags |= OBJ_F_MUT;
	return o;
}

struct pdf_obj *pdf_new_null(struct pdf_update *u)
{
	return mk(u, PDF_NULL);
}

struct pdf_obj *pdf_new_bool(struct pdf_update *u, bool v)
{
	struct pdf_obj *o = mk(u, PDF_BOOL);

	if (o != NULL)
		o->u.b = v;
	return o;
}

struct pdf_obj *pdf_new_int(struct pdf_update *u, int64_t v)
{
	struct pdf_obj *o = mk(u, PDF_INT);

	if (o != NULL)
		o->u.i = v;
	return o;
}

struct pdf_obj *pdf_new_real(struct pdf_update *u, double v)
{
	struct pdf_obj *o = mk(u, PDF_REAL);

	if (o != NULL)
		o->u.r = v;
	return o;
}

static struct pdf_obj *new_bytes(struct pdf_update *u, enum pdf_type t, const void *p, size_t len)
{
	struct pdf_obj *o = mk(u, t);
	uint8_t *q;

	if (o == NULL || (q = arena_alloc(&u->arena, len)) == NULL)
		return NULL;
	if (len > 0)
		memcpy(q, p, len);
	o->u.s.p = q;
	o->u.s.len = len;
	return o;
}

struct pdf_obj *pdf_new_string(struct pdf_update *u, const uint8_t *p, size_t len)
{
	return new_bytes(u, PDF_STRING, p, len);
}

struct pdf_obj *pdf_new_hexstring(struct pdf_update *u, const uint8_t *p, size_t len)
{
	struct pdf_obj *o = new_bytes(u, PDF_STRING, p, len);

	if (o != NULL)
		o->flags |= OBJ_F_HEX;
	return o;
}

struct pdf_obj *pdf_new_name(struct pdf_update *u, const char *name)
{
	return new_bytes(u, PDF_NAME, name, strlen(name));
}

struct pdf_obj *pdf_new_ref(struct pdf_update *u, uint32_t num, uint16_t gen)
{
	struct pdf_obj *o = mk(u, PDF_REF);

	if (o != NULL) {
		o->u.ref.num = num;
		o->u.ref.gen = gen;
	}
	return o;
}

struct pdf_obj *pdf_new_array(struct pdf_update *u)
{
	return mk(u, PDF_ARRAY);
}

struct pdf_obj *pdf_new_dict(struct pdf_update *u)
{
	return mk(u, PDF_DICT);
}

struct pdf_obj *pdf_obj_copy(struct pdf_update *u, const struct pdf_obj *o)
{
	struct pdf_obj *c;

	if (o != NULL && o->type == PDF_STREAM)
		o = o->u.st->dict;
	if (o == NULL || (o->type != PDF_ARRAY && o->type != PDF_DICT))
		return (struct pdf_obj *)(uintptr_t)o; /* immutable scalars are shared */
	if ((c = mk(u, (enum pdf_type)o->type)) == NULL)
		return NULL;
	if (o->type == PDF_ARRAY) {
		if (o->u.a.n > 0) {
			if ((c->u.a.v = arena_alloc(&u->arena, o->u.a.n * sizeof(*c->u.a.v))) == NULL)
				return NULL;
			memcpy(c->u.a.v, o->u.a.v, o->u.a.n * sizeof(*c->u.a.v));
		}
		c->u.a.n = c->u.a.cap = o->u.a.n;
	} else {
		if (o->u.d.n > 0) {
			if ((c->u.d.e = arena_alloc(&u->arena, o->u.d.n * sizeof(*c->u.d.e))) == NULL)
				return NULL;
			memcpy(c->u.d.e, o->u.d.e, o->u.d.n * sizeof(*c->u.d.e));
		}
		c->u.d.n = c->u.d.cap = o->u.d.n;
	}
	return c;
}

static enum tk_err need_mut(const struct pdf_obj *o, enum pdf_type t, const char *fn)
{
	if (o == NULL || o->type != t || !(o->flags & OBJ_F_MUT))
		return tk_fail(TK_ERR_INVALID, "pdf: %s needs a %s made or copied by the update", fn, pdf_type_name(t));
	return TK_OK;
}

enum tk_err pdf_array_push(struct pdf_update *u, struct pdf_obj *a, const struct pdf_obj *v)
{
	enum tk_err rc;

	if (v == NULL)
		return tk_fail(TK_ERR_NOMEM, "pdf: pdf_array_push without a value (out of memory?)");
	if ((rc = need_mut(a, PDF_ARRAY, "pdf_array_push")) != TK_OK)
		return rc;
	if (a->u.a.n == a->u.a.cap) {
		size_t nc = a->u.a.cap ? a->u.a.cap * 2 : 8;
		const struct pdf_obj **nv = arena_alloc(&u->arena, nc * sizeof(*nv));
		if (nv == NULL)
			return TK_ERR_NOMEM;
		if (a->u.a.n > 0)
			memcpy(nv, a->u.a.v, a->u.a.n * sizeof(*nv));
		a->u.a.v = nv;
		a->u.a.cap = nc;
	}
	a->u.a.v[a->u.a.n++] = v;
	return TK_OK;
}

enum tk_err pdf_dict_set(struct pdf_update *u, struct pdf_obj *d, const char *key, const struct pdf_obj *v)
{
	size_t kl = strlen(key), i;
	bool found;
	char *k;
	enum tk_err rc;

	if (v == NULL)
		return tk_fail(TK_ERR_NOMEM, "pdf: pdf_dict_set /%s without a value (out of memory?)", key);
	if ((rc = need_mut(d, PDF_DICT, "pdf_dict_set")) != TK_OK)
		return rc;
	i = pdf_dict_find_i(d, key, kl, &found);
	if (found) {
		d->u.d.e[i].val = v;
		return TK_OK;
	}
	if ((k = arena_alloc(&u->arena, kl + 1)) == NULL)
		return TK_ERR_NOMEM;
	memcpy(k, key, kl + 1);
	if (d->u.d.n == d->u.d.cap) {
		size_t nc = d->u.d.cap ? d->u.d.cap * 2 : 8;
		struct pdf_kv *ne = arena_alloc(&u->arena, nc * sizeof(*ne));
		if (ne == NULL)
			return TK_ERR_NOMEM;
		if (d->u.d.n > 0)
			memcpy(ne, d->u.d.e, d->u.d.n * sizeof(*ne));
		d->u.d.e = ne;
		d->u.d.cap = nc;
	}
	memmove(d->u.d.e + i + 1, d->u.d.e + i, (d->u.d.n - i) * sizeof(*d->u.d.e));
	d->u.d.e[i].key = k;
	d->u.d.e[i].klen = kl;
	d->u.d.e[i].val = v;
	d->u.d.n++;
	return TK_OK;
}

enum tk_err pdf_dict_del(struct pdf_update *u, struct pdf_obj *d, const char *key)
{
	bool found;
	size_t i;
	enum tk_err rc;

	(void)u;
	if ((rc = need_mut(d, PDF_DICT, "pdf_dict_del")) != TK_OK)
		return rc;
	i = pdf_dict_find_i(d, key, strlen(key), &found);
	if (found) {
		memmove(d->u.d.e + i, d->u.d.e + i + 1, (d->u.d.n - i - 1) * sizeof(*d->u.d.e));
		d->u.d.n--;
	}
	return TK_OK;
}

/* ---- the set of objects ---- */

enum tk_err pdf_update_alloc(struct pdf_update *u, uint32_t *num)
{
	if (u->next >= MAX_XREF_ENTRIES - 1)
		return tk_fail(TK_ERR_LIMIT, "pdf: no object number left under MAX_XREF_ENTRIES");
	*num = u->next++;
	return TK_OK;
}

static enum tk_err slot(struct pdf_update *u, uint32_t num, uint16_t gen, struct uent **out)
{
	size_t i;

	if (num == 0 || num >= MAX_XREF_ENTRIES - 1)
		return tk_fail(TK_ERR_INVALID, "pdf: object number %u cannot be written", num);
	for (i = 0; i < u->n; i++)
		if (u->e[i].num == num)
			break;
	if (i == u->n) {
		if (u->n == u->cap) {
			size_t nc = u->cap ? u->cap * 2 : 16;
			struct uent *ne = realloc(u->e, nc * sizeof(*ne));
			if (ne == NULL)
				return tk_fail(TK_ERR_NOMEM, "pdf: out of memory");
			u->e = ne;
			u->cap = nc;
		}
		u->n++;
	}
	memset(&u->e[i], 0, sizeof(u->e[i]));
	u->e[i].num = num;
	u->e[i].gen = gen;
	if (num >= u->next)
		u->next = num + 1;
	*out = &u->e[i];
	return TK_OK;
}

enum tk_err pdf_update_set_object(struct pdf_update *u, uint32_t num, uint16_t gen, const struct pdf_obj *v)
{
	struct uent *e = NULL;
	enum tk_err rc;

	if (v == NULL)
		return tk_fail(TK_ERR_NOMEM, "pdf: pdf_update_set_object %u without a value (out of memory?)", num);
	if (v->type == PDF_STREAM)
		return tk_fail(TK_ERR_INVALID, "pdf: object %u: use pdf_update_set_stream() for streams", num);
	if ((rc = slot(u, num, gen, &e)) != TK_OK)
		return rc;
	e->obj = v;
	return TK_OK;
}

enum tk_err pdf_update_set_stream(struct pdf_update *u, uint32_t num, uint16_t gen, const struct pdf_obj *dict,
    const uint8_t *data, size_t len, unsigned flags)
{
	struct pdf_obj *d;
	struct uent *e = NULL;
	uint8_t *q;
	size_t qlen = len;
	enum tk_err rc;

	if (dict != NULL && dict->type != PDF_DICT && dict->type != PDF_STREAM)
		return tk_fail(TK_ERR_INVALID, "pdf: object %u: a stream needs a dictionary", num);
	d = dict ? pdf_obj_copy(u, dict) : pdf_new_dict(u);
	if (d == NULL)
		return TK_ERR_NOMEM;
	if (flags & PDF_STREAM_FLATE) {
		uLongf zl = compressBound((uLong)len);
		if ((uint64_t)len > MAX_INFLATE_BYTES)
			return tk_fail(TK_ERR_LIMIT, "pdf: object %u: stream data exceeds MAX_INFLATE_BYTES", num);
		if ((q = arena_alloc(&u->arena, zl)) == NULL)
			return TK_ERR_NOMEM;
		if (compress2(q, &zl, data, (uLong)len, Z_BEST_COMPRESSION) != Z_OK)
			return tk_fail(TK_ERR_INTERNAL, "pdf: object %u: zlib cannot compress", num);
		qlen = zl;
		if ((rc = pdf_dict_set(u, d, "Filter", pdf_new_name(u, "FlateDecode"))) != TK_OK)
			return rc;
		if ((rc = pdf_dict_del(u, d, "DecodeParms")) != TK_OK)
			return rc;
	} else {
		if ((q = arena_alloc(&u->arena, len)) == NULL)
			return TK_ERR_NOMEM;
		if (len > 0)
			memcpy(q, data, len);
	}
	if ((rc = pdf_dict_set(u, d, "Length", pdf_new_int(u, (int64_t)qlen))) != TK_OK)
		return rc;
	if ((rc = slot(u, num, gen, &e)) != TK_OK)
		return rc;
	e->obj = d;
	e->data = q;
	e->len = qlen;
	e->is_stream = true;
	return TK_OK;
}

enum tk_err pdf_update_set_info(struct pdf_update *u, uint32_t num, uint16_t gen)
{
	u->info_set = true;
	u->info_num = num;
	u->info_gen = gen;
	return TK_OK;
}

/* ---- writing ---- */

static int uent_cmp(const void *a, const void *b)
{
	const struct uent *x = a, *y = b;

	return x->num < y->num ? -1 : x->num > y->num ? 1
						      : 0;
}

struct xrow {
	uint32_t num;
	uint8_t type; /* 1 in use, 2 compressed */
	uint16_t gen;
	uint64_t f2; /* offset or object stream */
	uint32_t f3; /* index */
};

static int xrow_cmp(const void *a, const void *b)
{
	const struct xrow *x = a, *y = b;

	return x->num < y->num ? -1 : x->num > y->num ? 1
						      : 0;
}

static enum tk_err put_id(struct pdf_update *u, struct buf *t, const uint8_t id2[16])
{
	const struct pdf_obj *id = pdf_dict_get(u->doc->trailer, "ID"), *first;
	const uint8_t *p = id2;
	size_t n = 16, i;
	enum tk_err rc;

	if (pdf_resolve(u->doc, id, &id) != TK_OK)
		id = NULL;
	first = pdf_array_get(id, 0);
	if (pdf_resolve(u->doc, first, &first) != TK_OK || !pdf_as_string(first, &p, &n) || n == 0 || n > 256) {
		p = id2; /* no usable /ID: the first element is new too (14.4) */
		n = 16;
	}
	if ((rc = buf_puts(t, " /ID [<")) != TK_OK)
		return rc;
	for (i = 0; i < n; i++)
		if ((rc = buf_printf(t, "%02x", p[i])) != TK_OK)
			return rc;
	if ((rc = buf_puts(t, "> <")) != TK_OK)
		return rc;
	for (i = 0; i < 16; i++)
		if ((rc = buf_printf(t, "%02x", id2[i])) != TK_OK)
			return rc;
	return buf_puts(t, ">]");
}

/* Trailer keys shared by tables and xref streams (7.5.5, 14.4). */
static enum tk_err put_trailer_keys(struct pdf_update *u, struct buf *t, uint32_t size, const uint8_t id2[16], bool full)
{
	struct pdf_doc *d = u->doc;
	const struct pdf_obj *info = pdf_dict_get(d->trailer, "Info");
	enum tk_err rc;

	if ((rc = buf_printf(t, "/Size %u /Root %u %u R", size, d->root_num, (unsigned)d->root_gen)) != TK_OK)
		return rc;
	if (u->info_set) {
		if ((rc = buf_printf(t, " /Info %u %u R", u->info_num, (unsigned)u->info_gen)) != TK_OK)
			return rc;
	} else if (pdf_obj_type(info) == PDF_REF || pdf_obj_type(info) == PDF_DICT) {
		if ((rc = buf_puts(t, " /Info ")) != TK_OK || (rc = pdf_obj_serialize(info, t)) != TK_OK)
			return rc;
	}
	if ((rc = put_id(u, t, id2)) != TK_OK)
		return rc;
	if (!full && (rc = buf_printf(t, " /Prev %llu", (unsigned long long)d->startxref)) != TK_OK)
		return rc;
	return TK_OK;
}

static enum tk_err add_row(struct xrow **rows, size_t *n, size_t *cap, const struct xrow *r)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		struct xrow *nr = realloc(*rows, nc * sizeof(*nr));
		if (nr == NULL)
			return tk_fail(TK_ERR_NOMEM, "pdf: out of memory");
		*rows = nr;
		*cap = nc;
	}
	(*rows)[(*n)++] = *r;
	return TK_OK;
}

enum tk_err pdf_update_write_tail(struct pdf_update *u, struct buf *t)
{
	struct pdf_doc *d = u->doc;
	struct xrow *rows = NULL;
	size_t nrows = 0, caprows = 0, i, j, t0 = t->len;
	size_t base = d->len;
	bool full = d->kind == PDF_XREF_REBUILT;
	bool as_stream = d->kind == PDF_XREF_STREAM || (full && d->has_comp);
	uint32_t size = u->next, xnum = 0;
	uint8_t id2[32];
	unsigned int idlen = 0;
	EVP_MD_CTX *md = NULL;
	uint64_t xoff;
	enum tk_err rc;

	if (d->root_num == 0) {
		rc = tk_fail(TK_ERR_INVALID, "pdf: ISO 32000-1 7.5.5: the original has no /Root to carry over");
		goto out;
	}
#define POS() (base + (t->len - t0))
	if (base > 0 && d->p[base - 1] != '\n' && d->p[base - 1] != '\r' && (rc = buf_putc(t, '\n')) != TK_OK)
		goto out;
	qsort(u->e, u->n, sizeof(*u->e), uent_cmp);
	for (i = 0; i < u->n; i++) {
		struct uent *e = &u->e[i];
		struct xrow r = { e->num, 1, e->gen, POS(), 0 };
		e->span_off = POS();
		if ((rc = buf_printf(t, "%u %u obj\n", e->num, (unsigned)e->gen)) != TK_OK ||
		    (rc = pdf_obj_serialize(e->obj, t)) != TK_OK)
			goto out;
		if (e->is_stream && ((rc = buf_puts(t, "\nstream\n")) != TK_OK || (rc = buf_append(t, e->data, e->len)) != TK_OK ||
					(rc = buf_puts(t, "\nendstream")) != TK_OK))
			goto out;
		if ((rc = buf_puts(t, "\nendobj\n")) != TK_OK)
			goto out;
		e->span_len = POS() - e->span_off;
		if ((rc = add_row(&rows, &nrows, &caprows, &r)) != TK_OK)
			goto out;
	}
	if (full) {
		/* After a rebuilt xref every object is listed: /Prev would lead to the broken section. */
		uint32_t num;
		for (num = 1; num < d->xref.size; num++) {
			const struct xent *x = xt_get(&d->xref, num);
			struct xrow r = { num, 0, 0, 0, 0 };
			bool mine = false;
			for (j = 0; j < u->n && !mine; j++)
				mine = u->e[j].num == num;
			if (x == NULL || mine || (x->type != XE_INUSE && x->type != XE_COMP))
				continue;
			r.type = x->type == XE_INUSE ? 1 : 2;
			r.gen = x->type == XE_INUSE ? x->gen : 0;
			r.f2 = x->off;
			r.f3 = x->idx;
			if ((rc = add_row(&rows, &nrows, &caprows, &r)) != TK_OK)
				goto out;
		}
		qsort(rows, nrows, sizeof(*rows), xrow_cmp);
	}
	if (as_stream) {
		xnum = size++;
		{
			struct xrow r = { xnum, 1, 0, 0, 0 };
			if ((rc = add_row(&rows, &nrows, &caprows, &r)) != TK_OK)
				goto out;
		}
	}
	/* The new second /ID element: a digest of where and what this update is (14.4). */
	{
		uint8_t b8[16];
		for (i = 0; i < 8; i++) {
			b8[i] = (uint8_t)((uint64_t)base >> (8 * i));
			b8[8 + i] = (uint8_t)(d->startxref >> (8 * i));
		}
		if ((md = EVP_MD_CTX_new()) == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1 ||
		    EVP_DigestUpdate(md, b8, sizeof(b8)) != 1 || EVP_DigestUpdate(md, t->p + t0, t->len - t0) != 1 ||
		    EVP_DigestFinal_ex(md, id2, &idlen) != 1) {
			rc = tk_fail_ossl("pdf: digest for /ID");
			goto out;
		}
	}
	xoff = POS();
	if (!as_stream) {
		if ((rc = buf_puts(t, "xref\n")) != TK_OK)
			goto out;
		if (full && (rc = buf_puts(t, "0 1\n0000000000 65535 f\r\n")) != TK_OK)
			goto out;
		for (i = 0; i < nrows; i = j) {
			for (j = i + 1; j < nrows && rows[j].num == rows[j - 1].num + 1; j++)
				;
			if ((rc = buf_printf(t, "%u %zu\n", rows[i].num, j - i)) != TK_OK)
				goto out;
			for (size_t k = i; k < j; k++)
				if ((rc = buf_printf(t, "%010llu %05u n\r\n", (unsigned long long)rows[k].f2, (unsigned)rows[k].gen)) != TK_OK)
					goto out;
		}
		if ((rc = buf_puts(t, "trailer\n<<")) != TK_OK || (rc = put_trailer_keys(u, t, size, id2, full)) != TK_OK ||
		    (rc = buf_puts(t, ">>\n")) != TK_OK)
			goto out;
	} else {
		/* 7.5.8: /W [1 w 2]; the stream's own entry is its offset. */
		uint64_t maxf2 = xoff;
		unsigned w = 1;
		struct buf data;
		rows[nrows - 1].f2 = xoff;
		qsort(rows, nrows, sizeof(*rows), xrow_cmp);
		for (i = 0; i < nrows; i++)
			if (rows[i].f2 > maxf2)
				maxf2 = rows[i].f2;
		while (w < 8 && (maxf2 >> (8 * w)) != 0)
			w++;
		buf_init(&data, (size_t)nrows * (3 + w) + 16);
		for (i = 0; i < nrows; i++) {
			uint8_t row[16];
			unsigned k, m = 0;
			uint32_t f3 = rows[i].type == 1 ? rows[i].gen : rows[i].f3;
			row[m++] = rows[i].type;
			for (k = w; k-- > 0;)
				row[m++] = (uint8_t)(rows[i].f2 >> (8 * k));
			row[m++] = (uint8_t)(f3 >> 8);
			row[m++] = (uint8_t)f3;
			if (f3 > 65535 && rows[i].type == 2) {
				buf_free(&data);
				rc = tk_fail(TK_ERR_LIMIT, "pdf: object stream index %u does not fit the xref stream", f3);
				goto out;
			}
			if ((rc = buf_append(&data, row, m)) != TK_OK) {
				buf_free(&data);
				goto out;
			}
		}
		if ((rc = buf_printf(t, "%u 0 obj\n<</Type /XRef /W [1 %u 2] /Index [", xnum, w)) != TK_OK)
			goto xs_out;
		if (full && (rc = buf_puts(t, "0 1 ")) != TK_OK)
			goto xs_out;
		for (i = 0; i < nrows; i = j) {
			for (j = i + 1; j < nrows && rows[j].num == rows[j - 1].num + 1; j++)
				;
			if ((rc = buf_printf(t, "%s%u %zu", i ? " " : "", rows[i].num, j - i)) != TK_OK)
				goto xs_out;
		}
		if ((rc = buf_printf(t, "] /Length %zu ", data.len + (full ? 3 + w : 0))) != TK_OK ||
		    (rc = put_trailer_keys(u, t, size, id2, full)) != TK_OK || (rc = buf_puts(t, ">>\nstream\n")) != TK_OK)
			goto xs_out;
		if (full) {
			uint8_t z[16];
			unsigned m = 0, k;
			z[m++] = 0;
			for (k = 0; k < w; k++)
				z[m++] = 0;
			z[m++] = 0xff;
			z[m++] = 0xff;
			if ((rc = buf_append(t, z, m)) != TK_OK)
				goto xs_out;
		}
		if ((rc = buf_append(t, data.p, data.len)) != TK_OK || (rc = buf_puts(t, "\nendstream\nendobj\n")) != TK_OK)
			goto xs_out;
	xs_out:
		buf_free(&data);
		if (rc != TK_OK)
			goto out;
	}
	if ((rc = buf_printf(t, "startxref\n%llu\n%%%%EOF\n", (unsigned long long)xoff)) != TK_OK)
		goto out;
#undef POS
	u->written = true;
	rc = TK_OK;
out:
	EVP_MD_CTX_free(md);
	free(rows);
	if (rc != TK_OK)
		t->len = t0;
	return rc;
}

enum tk_err pdf_update_write(struct pdf_update *u, struct buf *out)
{
	struct buf tail;
	enum tk_err rc;

	buf_init(&tail, out->max);
	if ((rc = pdf_update_write_tail(u, &tail)) == TK_OK && (rc = buf_reserve(out, u->doc->len + tail.len)) == TK_OK &&
	    (rc = buf_append(out, u->doc->p, u->doc->len)) == TK_OK)
		rc = buf_append(out, tail.p, tail.len);
	buf_free(&tail);
	return rc;
}

enum tk_err pdf_update_write_cb(struct pdf_update *u, enum tk_err (*write)(void *ctx, const uint8_t *p, size_t n), void *ctx)
{
	struct buf tail;
	size_t off = 0;
	enum tk_err rc;

	buf_init(&tail, MAX_PDF_BYTES);
	if ((rc = pdf_update_write_tail(u, &tail)) != TK_OK)
		goto out;
	while (off < u->doc->len) {
		size_t n = u->doc->len - off > (1u << 20) ? (1u << 20) : u->doc->len - off;
		if ((rc = write(ctx, u->doc->p + off, n)) != TK_OK)
			goto out;
		off += n;
	}
	rc = tail.len > 0 ? write(ctx, tail.p, tail.len) : TK_OK;
out:
	buf_free(&tail);
	return rc;
}

enum tk_err pdf_update_object_span(const struct pdf_update *u, uint32_t num, size_t *off, size_t *len)
{
	size_t i;

	if (!u->written)
		return tk_fail(TK_ERR_NOT_FOUND, "pdf: the update has not been written");
	for (i = 0; i < u->n; i++) {
		if (u->e[i].num == num) {
			*off = u->e[i].span_off;
			*len = u->e[i].span_len;
			return TK_OK;
		}
	}
	return tk_fail(TK_ERR_NOT_FOUND, "pdf: object %u is not part of the update", num);
}

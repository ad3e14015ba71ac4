/*
 * Objects (ISO 32000-1 7.3): the arena they live in, the lexer (7.2), the
 * parser of direct objects and of "N G obj ... endobj" with streams, the
 * read-only views of pdf.h and the serializer, which is the parser's inverse.
 */
#include "pdf/pdf_int.h"

#include <math.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

/* ---- arena ---- */

#define ARENA_CHUNK (64u * 1024u)

struct arena_chunk {
	struct arena_chunk *next;
	size_t used, cap;
	/* 8 is enough for every object we store (no long double). */
	alignas(8) unsigned char data[];
};

void arena_init(struct arena *a, size_t *used, size_t budget)
{
	memset(a, 0, sizeof(*a));
	a->used = used;
	a->budget = budget;
}

void arena_free(struct arena *a)
{
	struct arena_chunk *c, *next;
	size_t i;

	if (a == NULL)
		return;
	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	for (i = 0; i < a->nbig; i++)
		free(a->big[i]);
	free(a->big);
	a->head = NULL;
	a->big = NULL;
	a->nbig = a->capbig = 0;
}

static bool arena_charge(struct arena *a, size_t n)
{
	if (n > a->budget || *a->used > a->budget - n) {
		tk_fail(TK_ERR_LIMIT, "pdf: document needs more than %zu bytes of memory (MAX_PDF_DOC_MEMORY)", a->budget);
		return false;
	}
	*a->used += n;
	return true;
}

void *arena_alloc(struct arena *a, size_t n)
{
	struct arena_chunk *c = a->head;
	size_t al = 8;
	size_t need, cap;

	if (n == 0)
		n = 1;
	if (n > SIZE_MAX / 2) {
		tk_fail(TK_ERR_NOMEM, "pdf: out of memory");
		return NULL;
	}
	need = (n + al - 1) & ~(al - 1);
	if (c != NULL && c->cap - c->used >= need) {
		void *r = c->data + c->used;
		c->used += need;
		return r;
	}
	cap = need > ARENA_CHUNK / 4 ? need : ARENA_CHUNK;
	if (!arena_charge(a, cap + sizeof(*c)))
		return NULL;
	c = malloc(sizeof(*c) + cap);
	if (c == NULL) {
		tk_fail(TK_ERR_NOMEM, "pdf: out of memory");
		return NULL;
	}
	c->cap = cap;
	c->used = need;
	if (cap == need && a->head != NULL) {
		/* A big block: keep the current chunk's free space in front. */
		c->next = a->head->next;
		a->head->next = c;
	} else {
		c->next = a->head;
		a->head = c;
	}
	return c->data;
}

enum tk_err arena_adopt(struct arena *a, void *p, size_t n)
{
	if (a->nbig == a->capbig) {
		size_t ncap = a->capbig ? a->capbig * 2 : 16;
		void **nb = realloc(a->big, ncap * sizeof(*nb));
		if (nb == NULL) {
			free(p);
			return tk_fail(TK_ERR_NOMEM, "pdf: out of memory");
		}
		a->big = nb;
		a->capbig = ncap;
	}
	if (!arena_charge(a, n)) {
		free(p);
		return TK_ERR_LIMIT;
	}
	a->big[a->nbig++] = p;
	return TK_OK;
}

struct pdf_obj *obj_new(struct arena *a, enum pdf_type t)
{
	struct pdf_obj *o = arena_alloc(a, sizeof(*o));

	if (o == NULL)
		return NULL;
	memset(o, 0, sizeof(*o));
	o->type = (uint8_t)t;
	return o;
}

const struct pdf_obj pdf_null_obj = { .type = PDF_NULL };

/* ---- lexer ---- */

bool pdf_is_ws(uint8_t c)
{
	return c == 0 || c == 9 || c == 10 || c == 12 || c == 13 || c == 32;
}

bool pdf_is_delim(uint8_t c)
{
	return c == '(' || c == ')' || c == '<' || c == '>' || c == '[' || c == ']' || c == '{' || c == '}' ||
	       c == '/' || c == '%';
}

void lex_init(struct lex *lx, const uint8_t *p, size_t len, size_t pos)
{
	memset(lx, 0, sizeof(*lx));
	lx->p = p;
	lx->len = len;
	lx->pos = pos;
}

void lex_doc(struct pdf_doc *d, struct lex *lx, const uint8_t *p, size_t len, size_t pos)
{
	lex_init(lx, p, len, pos);
	lx->work = &d->work;
	lx->work_max = d->work_max;
}

static bool lex_charge(struct lex *lx, size_t n)
{
	if (lx->work == NULL)
		return true;
	*lx->work += n;
	if (*lx->work > lx->work_max) {
		lx->over = 1;
		return false;
	}
	return true;
}

/* Number syntax of 7.3.3: [+-]digits[.digits] or [+-].digits; no exponent. */
static bool parse_number(const uint8_t *p, size_t n, struct tok *t)
{
	size_t i = 0;
	int neg = 0, digits = 0, dot = 0;
	uint64_t iv = 0;
	int over = 0;
	double rv = 0, scale = 1;

	if (i < n && (p[i] == '+' || p[i] == '-')) {
		neg = p[i] == '-';
		i++;
	}
	for (; i < n; i++) {
		if (p[i] >= '0' && p[i] <= '9') {
			unsigned dg = (unsigned)(p[i] - '0');
			digits++;
			if (dot) {
				scale /= 10;
				rv += dg * scale;
			} else {
				rv = rv * 10 + dg;
				if (iv > (UINT64_MAX - dg) / 10)
					over = 1;
				else
					iv = iv * 10 + dg;
			}
		} else if (p[i] == '.' && !dot) {
			dot = 1;
		} else {
			return false;
		}
	}
	if (digits == 0)
		return false;
	if (!dot && !over && iv <= (uint64_t)INT64_MAX) {
		t->kind = TOK_INT;
		t->i = neg ? -(int64_t)iv : (int64_t)iv;
		t->r = (double)t->i;
		return true;
	}
	t->kind = TOK_REAL;
	t->r = neg ? -rv : rv;
	return true;
}

void lex_next(struct lex *lx, struct tok *t)
{
	const uint8_t *p = lx->p;
	size_t n = lx->len, i = lx->pos, j;

	memset(t, 0, sizeof(*t));
	for (;;) {
		while (i < n && pdf_is_ws(p[i]))
			i++;
		if (i < n && p[i] == '%') {
			while (i < n && p[i] != '\r' && p[i] != '\n')
				i++;
			continue;
		}
		break;
	}
	t->start = t->end = i;
	if (i >= n) {
		t->kind = TOK_EOF;
		goto done;
	}
	switch (p[i]) {
	case '[':
		t->kind = TOK_ARRAY_OPEN;
		i++;
		break;
	case ']':
		t->kind = TOK_ARRAY_CLOSE;
		i++;
		break;
	case '<':
		if (i + 1 < n && p[i + 1] == '<') {
			t->kind = TOK_DICT_OPEN;
			i += 2;
			break;
		}
		for (j = i + 1; j < n && p[j] != '>'; j++)
			;
		if (j >= n) {
			t->kind = TOK_ERROR;
			i = n;
			break;
		}
		t->kind = TOK_HEX;
		t->start = i + 1;
		t->end = j;
		i = j + 1;
		break;
	case '>':
		if (i + 1 < n && p[i + 1] == '>') {
			t->kind = TOK_DICT_CLOSE;
			i += 2;
		} else {
			t->kind = TOK_ERROR;
			i++;
		}
		break;
	case '(': {
		size_t depth = 1;
		for (j = i + 1; j < n; j++) {
			if (p[j] == '\\') {
				j++;
				continue;
			}
			if (p[j] == '(')
				depth++;
			else if (p[j] == ')' && --depth == 0)
				break;
		}
		if (j >= n) {
			t->kind = TOK_ERROR;
			i = n;
			break;
		}
		t->kind = TOK_STRING;
		t->start = i + 1;
		t->end = j;
		i = j + 1;
		break;
	}
	case '/':
		for (j = i + 1; j < n && !pdf_is_ws(p[j]) && !pdf_is_delim(p[j]); j++)
			;
		t->kind = TOK_NAME;
		t->start = i + 1;
		t->end = j;
		i = j;
		break;
	case ')':
	case '{':
	case '}':
		t->kind = TOK_ERROR;
		i++;
		break;
	default:
		for (j = i; j < n && !pdf_is_ws(p[j]) && !pdf_is_delim(p[j]); j++)
			;
		t->start = i;
		t->end = j;
		if ((p[i] >= '0' && p[i] <= '9') || p[i] == '+' || p[i] == '-' || p[i] == '.') {
			if (!parse_number(p + i, j - i, t))
				t->kind = TOK_ERROR;
		} else {
			t->kind = TOK_KEYWORD;
		}
		i = j;
		break;
	}
done:
	if (!lex_charge(lx, i - lx->pos + 1))
		t->kind = TOK_ERROR;
	lx->pos = i;
}

bool tok_is_kw(const struct lex *lx, const struct tok *t, const char *kw)
{
	size_t n = strlen(kw);

	return t->kind == TOK_KEYWORD && t->end - t->start == n && memcmp(lx->p + t->start, kw, n) == 0;
}

size_t lex_find(struct lex *lx, size_t from, const char *needle)
{
	size_t nl = strlen(needle);
	const uint8_t *r;

	if (from >= lx->len || lx->len - from < nl)
		return SIZE_MAX;
	r = memmem(lx->p + from, lx->len - from, needle, nl);
	if (!lex_charge(lx, r ? (size_t)(r - (lx->p + from)) + nl : lx->len - from))
		return SIZE_MAX;
	return r ? (size_t)(r - lx->p) : SIZE_MAX;
}

/* ---- parser ---- */

/* Where an object is, for messages. */
struct pctx {
	uint32_t num;
	uint16_t gen;
};

static enum tk_err perr(const struct lex *lx, const struct pctx *c, size_t at, const char *clause, const char *what)
{
	if (lx->over)
		return tk_fail(TK_ERR_LIMIT, "pdf: document needs too much parsing work (more than %zu bytes examined)",
		    lx->work_max);
	if (c->num != UINT32_MAX)
		return tk_fail(TK_ERR_INVALID, "pdf: ISO 32000-1 %s: object %u %u: %s at offset %zu", clause, c->num,
		    (unsigned)c->gen, what, at);
	return tk_fail(TK_ERR_INVALID, "pdf: ISO 32000-1 %s: %s at offset %zu", clause, what, at);
}

static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static enum tk_err make_name(struct pdf_doc *d, const struct lex *lx, const struct tok *t, const uint8_t **out,
    size_t *outlen)
{
	const uint8_t *s = lx->p + t->start;
	size_t n = t->end - t->start, i, k = 0;
	uint8_t *q;

	if (memchr(s, '#', n) == NULL) {
		*out = s;
		*outlen = n;
		return TK_OK;
	}
	if ((q = arena_alloc(&d->arena, n)) == NULL)
		return TK_ERR_NOMEM;
	for (i = 0; i < n; i++) {
		int hi, lo;
		if (s[i] == '#' && i + 2 < n && (hi = hexval(s[i + 1])) >= 0 && (lo = hexval(s[i + 2])) >= 0) {
			q[k++] = (uint8_t)(hi << 4 | lo);
			i += 2;
		} else {
			q[k++] = s[i];
		}
	}
	*out = q;
	*outlen = k;
	return TK_OK;
}

static enum tk_err make_string(struct pdf_doc *d, const struct lex *lx, const struct tok *t, const struct pctx *c,
    struct pdf_obj *o)
{
	const uint8_t *s = lx->p + t->start;
	size_t n = t->end - t->start, i, k = 0;
	uint8_t *q;

	if (t->kind == TOK_HEX) {
		int hi = -1;
		if ((q = arena_alloc(&d->arena, n / 2 + 1)) == NULL)
			return TK_ERR_NOMEM;
		for (i = 0; i < n; i++) {
			int v;
			if (pdf_is_ws(s[i]))
				continue;
			if ((v = hexval(s[i])) < 0)
				return perr(lx, c, t->start + i, "7.3.4.3", "hexadecimal string has a non-hex character");
			if (hi < 0) {
				hi = v;
			} else {
				q[k++] = (uint8_t)(hi << 4 | v);
				hi = -1;
			}
		}
		if (hi >= 0)
			q[k++] = (uint8_t)(hi << 4); /* odd count: final digit is followed by 0 */
		o->flags |= OBJ_F_HEX;
		o->u.s.p = q;
		o->u.s.len = k;
		return TK_OK;
	}
	if (memchr(s, '\\', n) == NULL && memchr(s, '\r', n) == NULL) {
		o->u.s.p = s; /* zero-copy: nothing to decode */
		o->u.s.len = n;
		return TK_OK;
	}
	if ((q = arena_alloc(&d->arena, n)) == NULL)
		return TK_ERR_NOMEM;
	for (i = 0; i < n; i++) {
		uint8_t ch = s[i];
		if (ch == '\r') {
			/* 7.3.4.2: an unescaped end-of-line is read as LF */
			q[k++] = '\n';
			if (i + 1 < n && s[i + 1] == '\n')
				i++;
			continue;
		}
		if (ch != '\\' || i + 1 >= n) {
			if (ch != '\\')
				q[k++] = ch;
			continue;
		}
		ch = s[++i];
		switch (ch) {
		case 'n': q[k++] = '\n'; break;
		case 'r': q[k++] = '\r'; break;
		case 't': q[k++] = '\t'; break;
		case 'b': q[k++] = '\b'; break;
		case 'f': q[k++] = '\f'; break;
		case '\r':
			if (i + 1 < n && s[i + 1] == '\n')
				i++;
			break;
		case '\n':
			break;
		default:
			if (ch >= '0' && ch <= '7') {
				unsigned v = (unsigned)(ch - '0');
				int m;
				for (m = 0; m < 2 && i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '7'; m++)
					v = v * 8 + (unsigned)(s[++i] - '0');
				q[k++] = (uint8_t)(v & 0xff);
			} else {
				q[k++] = ch; /* \( \) \\ and unknown escapes: the character itself */
			}
			break;
		}
	}
	o->u.s.p = q;
	o->u.s.len = k;
	return TK_OK;
}

static enum tk_err stk_push(struct pdf_doc *d, const struct pdf_obj *o)
{
	if (d->nstk == d->capstk) {
		size_t ncap = d->capstk ? d->capstk * 2 : 64;
		const struct pdf_obj **nv = realloc(d->stk, ncap * sizeof(*nv));
		if (nv == NULL)
			return tk_fail(TK_ERR_NOMEM, "pdf: out of memory");
		d->stk = nv;
		d->capstk = ncap;
	}
	d->stk[d->nstk++] = o;
	return TK_OK;
}

static enum tk_err kv_push(struct pdf_doc *d, const struct skv *e)
{
	if (d->nkvs == d->capkvs) {
		size_t ncap = d->capkvs ? d->capkvs * 2 : 64;
		struct skv *nv = realloc(d->kvs, ncap * sizeof(*nv));
		if (nv == NULL)
			return tk_fail(TK_ERR_NOMEM, "pdf: out of memory");
		d->kvs = nv;
		d->capkvs = ncap;
	}
	d->kvs[d->nkvs++] = *e;
	return TK_OK;
}

int key_cmp(const char *a, size_t al, const char *b, size_t bl)
{
	int r = memcmp(a, b, al < bl ? al : bl);

	if (r != 0)
		return r;
	return al < bl ? -1 : al > bl ? 1
				      : 0;
}

static int skv_cmp(const void *x, const void *y)
{
	const struct skv *a = x, *b = y;
	int r = key_cmp(a->kv.key, a->kv.klen, b->kv.key, b->kv.klen);

	if (r != 0)
		return r;
	return a->order < b->order ? -1 : a->order > b->order ? 1
							      : 0;
}

void dict_sort(struct skv *e, size_t *n)
{
	size_t i, k = 0;

	if (*n < 2)
		return;
	qsort(e, *n, sizeof(*e), skv_cmp);
	/* Of equal keys the last written wins, as in qpdf, pdf.js and MuPDF. */
	for (i = 0; i < *n; i++) {
		if (i + 1 < *n && key_cmp(e[i].kv.key, e[i].kv.klen, e[i + 1].kv.key, e[i + 1].kv.klen) == 0)
			continue;
		e[k++] = e[i];
	}
	*n = k;
}

static enum tk_err parse_tok(struct pdf_doc *d, struct lex *lx, const struct pctx *c, unsigned depth,
    const struct tok *t, const struct pdf_obj **out);

static enum tk_err parse_array(struct pdf_doc *d, struct lex *lx, const struct pctx *c, unsigned depth,
    size_t at, const struct pdf_obj **out)
{
	size_t base = d->nstk, n, i;
	struct pdf_obj *o;
	struct tok t;
	const struct pdf_obj *v;
	enum tk_err rc;

	for (;;) {
		lex_next(lx, &t);
		if (t.kind == TOK_ARRAY_CLOSE)
			break;
		if (t.kind == TOK_EOF || t.kind == TOK_ERROR) {
			rc = perr(lx, c, at, "7.3.6", "array is not closed");
			goto out;
		}
		if ((rc = parse_tok(d, lx, c, depth, &t, &v)) != TK_OK)
			goto out;
		if ((rc = stk_push(d, v)) != TK_OK)
			goto out;
	}
	n = d->nstk - base;
	rc = TK_ERR_NOMEM;
	if ((o = obj_new(&d->arena, PDF_ARRAY)) == NULL)
		goto out;
	if (n > 0 && (o->u.a.v = arena_alloc(&d->arena, n * sizeof(*o->u.a.v))) == NULL)
		goto out;
	for (i = 0; i < n; i++)
		o->u.a.v[i] = d->stk[base + i];
	o->u.a.n = o->u.a.cap = n;
	*out = o;
	rc = TK_OK;
out:
	d->nstk = base;
	return rc;
}

static enum tk_err parse_dict(struct pdf_doc *d, struct lex *lx, const struct pctx *c, unsigned depth, size_t at,
    const struct pdf_obj **out)
{
	size_t base = d->nkvs, n, i;
	struct pdf_obj *o;
	struct tok t;
	struct skv e;
	const uint8_t *key;
	enum tk_err rc;

	for (;;) {
		lex_next(lx, &t);
		if (t.kind == TOK_DICT_CLOSE)
			break;
		if (t.kind == TOK_EOF || t.kind == TOK_ERROR) {
			rc = perr(lx, c, at, "7.3.7", "dictionary is not closed");
			goto out;
		}
		if (t.kind != TOK_NAME) {
			rc = perr(lx, c, t.start, "7.3.7", "dictionary key is not a name");
			goto out;
		}
		if ((rc = make_name(d, lx, &t, &key, &e.kv.klen)) != TK_OK)
			goto out;
		e.kv.key = (const char *)key;
		lex_next(lx, &t);
		if (t.kind == TOK_DICT_CLOSE || t.kind == TOK_EOF || t.kind == TOK_ERROR) {
			rc = perr(lx, c, t.start, "7.3.7", "dictionary key has no value");
			goto out;
		}
		if ((rc = parse_tok(d, lx, c, depth, &t, &e.kv.val)) != TK_OK)
			goto out;
		e.order = d->nkvs - base;
		if ((rc = kv_push(d, &e)) != TK_OK)
			goto out;
	}
	n = d->nkvs - base;
	if (n > 1)
		dict_sort(d->kvs + base, &n);
	rc = TK_ERR_NOMEM;
	if ((o = obj_new(&d->arena, PDF_DICT)) == NULL)
		goto out;
	if (n > 0 && (o->u.d.e = arena_alloc(&d->arena, n * sizeof(*o->u.d.e))) == NULL)
		goto out;
	for (i = 0; i < n; i++)
		o->u.d.e[i] = d->kvs[base + i].kv;
	o->u.d.n = o->u.d.cap = n;
	*out = o;
	rc = TK_OK;
out:
	d->nkvs = base;
	return rc;
}

static enum tk_err parse_tok(struct pdf_doc *d, struct lex *lx, const struct pctx *c, unsigned depth,
    const struct tok *t, const struct pdf_obj **out)
{
	struct pdf_obj *o = NULL;
	enum tk_err rc;

	switch (t->kind) {
	case TOK_INT: {
		/* "N G R" needs two tokens of look-ahead (7.3.10). */
		if (t->i >= 0 && t->i <= (int64_t)UINT32_MAX) {
			size_t save = lx->pos;
			struct tok t2, t3;
			lex_next(lx, &t2);
			if (t2.kind == TOK_INT && t2.i >= 0 && t2.i <= 65535) {
				lex_next(lx, &t3);
				if (tok_is_kw(lx, &t3, "R")) {
					if ((o = obj_new(&d->arena, PDF_REF)) == NULL)
						return TK_ERR_NOMEM;
					o->u.ref.num = (uint32_t)t->i;
					o->u.ref.gen = (uint16_t)t2.i;
					*out = o;
					return TK_OK;
				}
			}
			lx->pos = save;
		}
		if ((o = obj_new(&d->arena, PDF_INT)) == NULL)
			return TK_ERR_NOMEM;
		o->u.i = t->i;
		break;
	}
	case TOK_REAL:
		if ((o = obj_new(&d->arena, PDF_REAL)) == NULL)
			return TK_ERR_NOMEM;
		o->u.r = t->r;
		break;
	case TOK_STRING:
	case TOK_HEX:
		if ((o = obj_new(&d->arena, PDF_STRING)) == NULL)
			return TK_ERR_NOMEM;
		if ((rc = make_string(d, lx, t, c, o)) != TK_OK)
			return rc;
		break;
	case TOK_NAME:
		if ((o = obj_new(&d->arena, PDF_NAME)) == NULL)
			return TK_ERR_NOMEM;
		if ((rc = make_name(d, lx, t, &o->u.s.p, &o->u.s.len)) != TK_OK)
			return rc;
		break;
	case TOK_ARRAY_OPEN:
	case TOK_DICT_OPEN:
		if (depth + 1 > MAX_PDF_NESTING)
			return perr(lx, c, t->start, "7.3", "arrays and dictionaries nested deeper than MAX_PDF_NESTING");
		if (t->kind == TOK_ARRAY_OPEN)
			return parse_array(d, lx, c, depth + 1, t->start, out);
		return parse_dict(d, lx, c, depth + 1, t->start, out);
	case TOK_KEYWORD:
		if (tok_is_kw(lx, t, "null")) {
			*out = &pdf_null_obj;
			return TK_OK;
		}
		if (tok_is_kw(lx, t, "true") || tok_is_kw(lx, t, "false")) {
			if ((o = obj_new(&d->arena, PDF_BOOL)) == NULL)
				return TK_ERR_NOMEM;
			o->u.b = tok_is_kw(lx, t, "true");
			break;
		}
		return perr(lx, c, t->start, "7.3", "unexpected keyword where an object was expected");
	case TOK_EOF:
		return perr(lx, c, t->start, "7.3", "end of data where an object was expected");
	default:
		return perr(lx, c, t->start, "7.2", "malformed token");
	}
	*out = o;
	return TK_OK;
}

enum tk_err pdf_parse_value(struct pdf_doc *d, struct lex *lx, uint32_t num, uint16_t gen, const struct pdf_obj **out)
{
	struct pctx c = { num, gen };
	struct tok t;

	lex_next(lx, &t);
	return parse_tok(d, lx, &c, 0, &t, out);
}

enum tk_err pdf_parse_indirect(struct pdf_doc *d, size_t off, uint32_t expect_num, uint16_t expect_gen,
    const struct pdf_obj **out, uint32_t *got_num, uint16_t *got_gen)
{
	struct lex lx;
	struct tok tn, tg, tk;
	struct pctx c = { expect_num, expect_gen };
	const struct pdf_obj *v, *lenobj;
	struct pdf_obj *st;
	size_t ds, de, f;
	int64_t L = -1;
	enum tk_err rc;

	lex_doc(d, &lx, d->p, d->len, off);
	lex_next(&lx, &tn);
	lex_next(&lx, &tg);
	lex_next(&lx, &tk);
	if (tn.kind != TOK_INT || tg.kind != TOK_INT || !tok_is_kw(&lx, &tk, "obj") || tn.i < 0 ||
	    tn.i > (int64_t)UINT32_MAX || tg.i < 0 || tg.i > 65535)
		return perr(&lx, &c, off, "7.3.10", "no \"N G obj\" where the object should start");
	if (expect_num != UINT32_MAX && ((uint32_t)tn.i != expect_num || (uint16_t)tg.i != expect_gen)) {
		char what[96];
		if (str_fmt(what, sizeof(what), "found object %lld %lld instead", (long long)tn.i, (long long)tg.i) !=
		    TK_OK)
			what[0] = '\0';
		return perr(&lx, &c, off, "7.5.4", what);
	}
	c.num = (uint32_t)tn.i;
	c.gen = (uint16_t)tg.i;
	if (got_num != NULL)
		*got_num = c.num;
	if (got_gen != NULL)
		*got_gen = c.gen;
	if ((rc = pdf_parse_value(d, &lx, c.num, c.gen, &v)) != TK_OK)
		return rc;
	lex_next(&lx, &tk);
	if (!tok_is_kw(&lx, &tk, "stream")) {
		/* A missing endobj is tolerated, as every viewer does. */
		*out = v;
		return TK_OK;
	}
	if (v->type != PDF_DICT)
		return perr(&lx, &c, tk.start, "7.3.8.1", "stream keyword after an object that is not a dictionary");
	ds = tk.end;
	if (ds < d->len && d->p[ds] == '\r')
		ds++;
	if (ds < d->len && d->p[ds] == '\n')
		ds++;
	lenobj = pdf_dict_get(v, "Length");
	if (lenobj != NULL && lenobj->type == PDF_INT)
		L = lenobj->u.i;
	else if (lenobj != NULL && lenobj->type == PDF_REF && !pdf_length_lookup(d, lenobj->u.ref.num, lenobj->u.ref.gen, &L))
		L = -1;
	de = SIZE_MAX;
	if (L >= 0 && (uint64_t)L <= d->len - ds) {
		/* /Length is believed only when "endstream" follows it. */
		size_t a = ds + (size_t)L;
		while (a < d->len && pdf_is_ws(d->p[a]))
			a++;
		if (d->len - a >= 9 && memcmp(d->p + a, "endstream", 9) == 0)
			de = ds + (size_t)L;
	}
	if (de == SIZE_MAX) {
		/* 7.3.8.1: /Length is wrong or unknown; find "endstream" as viewers do. */
		if ((f = lex_find(&lx, ds, "endstream")) == SIZE_MAX)
			return perr(&lx, &c, ds, "7.3.8.1", "stream has no endstream");
		de = f;
		if (de > ds && d->p[de - 1] == '\n')
			de--;
		if (de > ds && d->p[de - 1] == '\r')
			de--;
	}
	if ((st = obj_new(&d->arena, PDF_STREAM)) == NULL ||
	    (st->u.st = arena_alloc(&d->arena, sizeof(*st->u.st))) == NULL)
		return TK_ERR_NOMEM;
	memset(st->u.st, 0, sizeof(*st->u.st));
	st->u.st->dict = v;
	st->u.st->p = d->p + ds;
	st->u.st->len = de - ds;
	st->u.st->off = ds;
	st->u.st->num = c.num;
	st->u.st->gen = c.gen;
	*out = st;
	return TK_OK;
}

/* ---- views ---- */

enum pdf_type pdf_obj_type(const struct pdf_obj *o)
{
	return o == NULL ? PDF_NULL : (enum pdf_type)o->type;
}

const char *pdf_type_name(enum pdf_type t)
{
	static const char *const names[] = { "null", "boolean", "integer", "real", "string", "name", "array",
		"dictionary", "stream", "reference" };

	return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "unknown";
}

bool pdf_is_null(const struct pdf_obj *o)
{
	return o == NULL || o->type == PDF_NULL;
}

bool pdf_as_bool(const struct pdf_obj *o, bool *out)
{
	if (o == NULL || o->type != PDF_BOOL)
		return false;
	*out = o->u.b;
	return true;
}

bool pdf_as_int(const struct pdf_obj *o, int64_t *out)
{
	if (o == NULL || o->type != PDF_INT)
		return false;
	*out = o->u.i;
	return true;
}

bool pdf_as_real(const struct pdf_obj *o, double *out)
{
	if (o != NULL && o->type == PDF_INT) {
		*out = (double)o->u.i;
		return true;
	}
	if (o == NULL || o->type != PDF_REAL)
		return false;
	*out = o->u.r;
	return true;
}

bool pdf_as_string(const struct pdf_obj *o, const uint8_t **p, size_t *len)
{
	if (o == NULL || o->type != PDF_STRING)
		return false;
	*p = o->u.s.p;
	*len = o->u.s.len;
	return true;
}

bool pdf_as_name(const struct pdf_obj *o, const char **p, size_t *len)
{
	if (o == NULL || o->type != PDF_NAME)
		return false;
	*p = (const char *)o->u.s.p;
	*len = o->u.s.len;
	return true;
}

bool pdf_name_is(const struct pdf_obj *o, const char *name)
{
	size_t n = strlen(name);

	return o != NULL && o->type == PDF_NAME && o->u.s.len == n && memcmp(o->u.s.p, name, n) == 0;
}

bool pdf_as_ref(const struct pdf_obj *o, uint32_t *num, uint16_t *gen)
{
	if (o == NULL || o->type != PDF_REF)
		return false;
	*num = o->u.ref.num;
	*gen = o->u.ref.gen;
	return true;
}

size_t pdf_array_len(const struct pdf_obj *o)
{
	return o != NULL && o->type == PDF_ARRAY ? o->u.a.n : 0;
}

const struct pdf_obj *pdf_array_get(const struct pdf_obj *o, size_t i)
{
	if (o == NULL || o->type != PDF_ARRAY || i >= o->u.a.n)
		return NULL;
	return o->u.a.v[i];
}

static const struct pdf_obj *as_dict(const struct pdf_obj *o)
{
	if (o != NULL && o->type == PDF_STREAM)
		o = o->u.st->dict;
	return o != NULL && o->type == PDF_DICT ? o : NULL;
}

size_t pdf_dict_len(const struct pdf_obj *o)
{
	o = as_dict(o);
	return o ? o->u.d.n : 0;
}

/* Binary search: entries are sorted (dict_sort, pdf_dict_set). */
static size_t dict_find(const struct pdf_obj *o, const char *key, size_t kl, bool *found)
{
	size_t lo = 0, hi = o->u.d.n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = key_cmp(o->u.d.e[mid].key, o->u.d.e[mid].klen, key, kl);
		if (r == 0) {
			*found = true;
			return mid;
		}
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

const struct pdf_obj *pdf_dict_get(const struct pdf_obj *o, const char *key)
{
	bool found;
	size_t i;

	o = as_dict(o);
	if (o == NULL)
		return NULL;
	i = dict_find(o, key, strlen(key), &found);
	return found ? o->u.d.e[i].val : NULL;
}

bool pdf_dict_entry(const struct pdf_obj *o, size_t i, const char **key, size_t *keylen, const struct pdf_obj **val)
{
	o = as_dict(o);
	if (o == NULL || i >= o->u.d.n)
		return false;
	*key = o->u.d.e[i].key;
	*keylen = o->u.d.e[i].klen;
	*val = o->u.d.e[i].val;
	return true;
}

const struct pdf_obj *pdf_stream_dict(const struct pdf_obj *o)
{
	return o != NULL && o->type == PDF_STREAM ? o->u.st->dict : NULL;
}

bool pdf_stream_raw(const struct pdf_obj *o, const uint8_t **p, size_t *len, size_t *off)
{
	if (o == NULL || o->type != PDF_STREAM)
		return false;
	*p = o->u.st->p;
	*len = o->u.st->len;
	if (off != NULL)
		*off = o->u.st->off;
	return true;
}

size_t pdf_dict_find_i(const struct pdf_obj *o, const char *key, size_t kl, bool *found)
{
	return dict_find(o, key, kl, found);
}

/* ---- serializer: the inverse of pdf_parse_value() ---- */

static bool name_regular(uint8_t c)
{
	return c > 0x20 && c < 0x7f && c != '#' && !pdf_is_delim(c);
}

static enum tk_err put_name(struct buf *out, const uint8_t *p, size_t n)
{
	static const char hx[] = "0123456789ABCDEF";
	enum tk_err rc;
	size_t i;

	if ((rc = buf_putc(out, '/')) != TK_OK)
		return rc;
	for (i = 0; i < n; i++) {
		if (name_regular(p[i])) {
			rc = buf_putc(out, p[i]);
		} else {
			char e[3] = { '#', hx[p[i] >> 4], hx[p[i] & 15] };
			rc = buf_append(out, e, 3);
		}
		if (rc != TK_OK)
			return rc;
	}
	return TK_OK;
}

static enum tk_err put_string(struct buf *out, const uint8_t *p, size_t n, bool hex)
{
	static const char hx[] = "0123456789abcdef";
	enum tk_err rc;
	size_t i;

	for (i = 0; i < n && !hex; i++)
		if (p[i] < 0x20 || p[i] > 0x7e)
			hex = true;
	if (hex) {
		if ((rc = buf_reserve(out, 2 * n + 2)) != TK_OK)
			return rc;
		out->p[out->len++] = '<';
		for (i = 0; i < n; i++) {
			out->p[out->len++] = (uint8_t)hx[p[i] >> 4];
			out->p[out->len++] = (uint8_t)hx[p[i] & 15];
		}
		out->p[out->len++] = '>';
		return TK_OK;
	}
	if ((rc = buf_putc(out, '(')) != TK_OK)
		return rc;
	for (i = 0; i < n; i++) {
		if ((p[i] == '(' || p[i] == ')' || p[i] == '\\') && (rc = buf_putc(out, '\\')) != TK_OK)
			return rc;
		if ((rc = buf_putc(out, p[i])) != TK_OK)
			return rc;
	}
	return buf_putc(out, ')');
}

static enum tk_err put_real(struct buf *out, double v)
{
	char tmp[64];
	size_t n;

	if (!isfinite(v) || fabs(v) > 1e18)
		return tk_fail(TK_ERR_INVALID, "pdf: ISO 32000-1 7.3.3: real number %g cannot be written", v);
	if (str_fmt(tmp, sizeof(tmp), "%.6f", v) != TK_OK)
		return tk_fail(TK_ERR_INTERNAL, "pdf: cannot format a real number");
	n = strlen(tmp);
	while (n > 0 && tmp[n - 1] == '0')
		n--;
	if (n > 0 && (tmp[n - 1] == '.' || tmp[n - 1] == ','))
		n--;
	if (n == 0 || (n == 1 && tmp[0] == '-'))
		return buf_putc(out, '0');
	for (size_t i = 0; i < n; i++)
		if (tmp[i] == ',')
			tmp[i] = '.'; /* never a locale's decimal comma */
	if (n == 2 && tmp[0] == '-' && tmp[1] == '0')
		return buf_putc(out, '0');
	return buf_append(out, tmp, n);
}

static enum tk_err ser(const struct pdf_obj *o, struct buf *out, unsigned depth)
{
	enum tk_err rc;
	size_t i;

	if (depth > MAX_PDF_NESTING)
		return tk_fail(TK_ERR_LIMIT, "pdf: ISO 32000-1 7.3: object nested deeper than MAX_PDF_NESTING");
	switch (pdf_obj_type(o)) {
	case PDF_NULL:
		return buf_puts(out, "null");
	case PDF_BOOL:
		return buf_puts(out, o->u.b ? "true" : "false");
	case PDF_INT:
		return buf_printf(out, "%lld", (long long)o->u.i);
	case PDF_REAL:
		return put_real(out, o->u.r);
	case PDF_STRING:
		return put_string(out, o->u.s.p, o->u.s.len, (o->flags & OBJ_F_HEX) != 0);
	case PDF_NAME:
		return put_name(out, o->u.s.p, o->u.s.len);
	case PDF_REF:
		return buf_printf(out, "%u %u R", o->u.ref.num, (unsigned)o->u.ref.gen);
	case PDF_ARRAY:
		if ((rc = buf_putc(out, '[')) != TK_OK)
			return rc;
		for (i = 0; i < o->u.a.n; i++) {
			if (i > 0 && (rc = buf_putc(out, ' ')) != TK_OK)
				return rc;
			if ((rc = ser(o->u.a.v[i], out, depth + 1)) != TK_OK)
				return rc;
		}
		return buf_putc(out, ']');
	case PDF_DICT:
		if ((rc = buf_puts(out, "<<")) != TK_OK)
			return rc;
		for (i = 0; i < o->u.d.n; i++) {
			const struct pdf_kv *e = &o->u.d.e[i];
			if (pdf_is_null(e->val))
				continue; /* 7.3.7: a null value is the same as no entry */
			if ((rc = put_name(out, (const uint8_t *)e->key, e->klen)) != TK_OK || (rc = buf_putc(out, ' ')) != TK_OK ||
			    (rc = ser(e->val, out, depth + 1)) != TK_OK)
				return rc;
			if (i + 1 < o->u.d.n && (rc = buf_putc(out, ' ')) != TK_OK)
				return rc;
		}
		return buf_puts(out, ">>");
	case PDF_STREAM:
		return tk_fail(TK_ERR_INVALID, "pdf: ISO 32000-1 7.3.8: a stream cannot be written as a direct object");
	}
	return tk_fail(TK_ERR_INTERNAL, "pdf: unknown object type");
}

enum tk_err pdf_obj_serialize(const struct pdf_obj *o, struct buf *out)
{
	return ser(o, out, 0);
}

bool pdf_header_ok(const uint8_t *p, size_t len)
{
	return p != NULL && len >= 5 && memcmp(p, "%PDF-", 5) == 0;
}

/*
 * Anchor placement: where a tag text (e.g. "^" or "#TTD#") is drawn on a
 * page, found by interpreting the page's content stream text operators
 * (ISO 32000-1 9.4) with the text and graphics matrices. Simple fonts only:
 * string bytes are taken as character codes (WinAnsi-like). Glyph widths
 * for advancing are Helvetica's, scaled by the font size: close enough to
 * find where a run starts, which is what placement needs.
 */
#include "pades/pades_int.h"

#include "pdf/pdf.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define ANCHOR_MAX_CHARS (1u << 20) /* characters of page text examined */
#define ANCHOR_MAX_OPERANDS 64u
#define ANCHOR_MAX_GSTACK 64u

struct glyph {
	uint8_t c;
	double x, y;
};

struct tstate {
	double ctm[6], tm[6], tlm[6];
	double size, leading, charsp, wordsp, hscale;
};

struct operand {
	int kind; /* 0 number, 1 string, 2 array start marker, 3 name/other */
	double num;
	size_t off, len; /* string bytes in the decoded string buffer */
};

static void mul(const double a[6], const double b[6], double out[6])
{
	double r[6];

	r[0] = a[0] * b[0] + a[1] * b[2];
	r[1] = a[0] * b[1] + a[1] * b[3];
	r[2] = a[2] * b[0] + a[3] * b[2];
	r[3] = a[2] * b[1] + a[3] * b[3];
	r[4] = a[4] * b[0] + a[5] * b[2] + b[4];
	r[5] = a[4] * b[1] + a[5] * b[3] + b[5];
	memcpy(out, r, sizeof(r));
}

static void translate(double m[6], double tx, double ty)
{
	double t[6] = { 1, 0, 0, 1, tx, ty };

	mul(t, m, m);
}

struct scan {
	const uint8_t *p;
	size_t len, pos;
	struct buf strs; /* decoded string bytes of the current operands */
	struct glyph *g;
	size_t ng, capg;
	struct tstate ts;
	double stack[ANCHOR_MAX_GSTACK][6];
	size_t depth;
	struct operand ops[ANCHOR_MAX_OPERANDS];
	size_t nops;
	int in_array;
};

static int is_delim(uint8_t c)
{
	return c == '(' || c == ')' || c == '<' || c == '>' || c == '[' || c == ']' || c == '{' || c == '}' || c == '/' || c == '%';
}

static int is_ws(uint8_t c)
{
	return c == 0 || c == 9 || c == 10 || c == 12 || c == 13 || c == 32;
}

/* Literal string (7.3.4.2) at s->pos (after '('); appends decoded bytes. */
static enum tk_err lit_string(struct scan *s)
{
	int depth = 1;
	enum tk_err rc = TK_OK;

	while (s->pos < s->len && rc == TK_OK) {
		uint8_t c = s->p[s->pos++];
		if (c == '\\' && s->pos < s->len) {
			uint8_t e = s->p[s->pos++];
			switch (e) {
			case 'n': rc = buf_putc(&s->strs, '\n'); break;
			case 'r': rc = buf_putc(&s->strs, '\r'); break;
			case 't': rc = buf_putc(&s->strs, '\t'); break;
			case 'b': rc = buf_putc(&s->strs, '\b'); break;
			case 'f': rc = buf_putc(&s->strs, '\f'); break;
			case '\r':
				if (s->pos < s->len && s->p[s->pos] == '\n')
					s->pos++;
				break;
			case '\n': break;
			default:
				if (e >= '0' && e <= '7') {
					unsigned v = (unsigned)(e - '0');
					int k;
					for (k = 0; k < 2 && s->pos < s->len && s->p[s->pos] >= '0' && s->p[s->pos] <= '7'; k++)
						v = v * 8 + (unsigned)(s->p[s->pos++] - '0');
					rc = buf_putc(&s->strs, (uint8_t)v);
				} else {
					rc = buf_putc(&s->strs, e);
				}
			}
			continue;
		}
		if (c == '(')
			depth++;
		else if (c == ')' && --depth == 0)
			return TK_OK;
		rc = buf_putc(&s->strs, c);
	}
	return rc == TK_OK ? tk_fail(TK_ERR_INVALID, "anchor: unterminated string in content stream") : rc;
}

static enum tk_err hex_string(struct scan *s)
{
	int hi = -1;
	enum tk_err rc = TK_OK;

	while (s->pos < s->len && rc == TK_OK) {
		uint8_t c = s->p[s->pos++];
		int v;
		if (c == '>') {
			if (hi >= 0)
				rc = buf_putc(&s->strs, (uint8_t)(hi << 4));
			return rc;
		}
		if (is_ws(c))
			continue;
		v = isdigit(c) ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10
				       : (c >= 'A' && c <= 'F')   ? c - 'A' + 10
								  : -1;
		if (v < 0)
			return tk_fail(TK_ERR_INVALID, "anchor: bad hex string in content stream");
		if (hi < 0)
			hi = v;
		else {
			rc = buf_putc(&s->strs, (uint8_t)(hi << 4 | v));
			hi = -1;
		}
	}
	return rc == TK_OK ? tk_fail(TK_ERR_INVALID, "anchor: unterminated hex string") : rc;
}

static double num(const struct scan *s, size_t i)
{
	return i < s->nops && s->ops[i].kind == 0 ? s->ops[i].num : 0;
}

/* Records the glyphs of a string shown at the current text matrix and advances it. */
static enum tk_err show(struct scan *s, size_t off, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		uint8_t c = s->strs.p[off + i];
		double trm[6], adv;
		if (s->ng == s->capg) {
			size_t nc = s->capg ? s->capg * 2 : 1024;
			struct glyph *ng;
			if (nc > ANCHOR_MAX_CHARS)
				return tk_fail(TK_ERR_LIMIT, "anchor: page text longer than %u characters", ANCHOR_MAX_CHARS);
			ng = realloc(s->g, nc * sizeof(*ng));
			if (ng == NULL)
				return tk_fail(TK_ERR_NOMEM, "anchor: out of memory");
			s->g = ng;
			s->capg = nc;
		}
		mul(s->ts.tm, s->ts.ctm, trm);
		s->g[s->ng].c = c;
		s->g[s->ng].x = trm[4];
		s->g[s->ng].y = trm[5];
		s->ng++;
		adv = (glyph_width(c) * s->ts.size + s->ts.charsp + (c == ' ' ? s->ts.wordsp : 0)) * s->ts.hscale;
		translate(s->ts.tm, adv, 0);
	}
	return TK_OK;
}

static enum tk_err next_line(struct scan *s, double tx, double ty)
{
	translate(s->ts.tlm, tx, ty);
	memcpy(s->ts.tm, s->ts.tlm, sizeof(s->ts.tm));
	return TK_OK;
}

/* Applies operator op (with s->ops) to the state. */
static enum tk_err apply(struct scan *s, const char *op)
{
	enum tk_err rc = TK_OK;
	size_t i;

	if (strcmp(op, "q") == 0) {
		if (s->depth < ANCHOR_MAX_GSTACK)
			memcpy(s->stack[s->depth], s->ts.ctm, sizeof(s->ts.ctm));
		s->depth++;
	} else if (strcmp(op, "Q") == 0) {
		if (s->depth > 0 && --s->depth < ANCHOR_MAX_GSTACK)
			memcpy(s->ts.ctm, s->stack[s->depth], sizeof(s->ts.ctm));
	} else if (strcmp(op, "cm") == 0 && s->nops == 6) {
		double m[6];
		for (i = 0; i < 6; i++)
			m[i] = num(s, i);
		mul(m, s->ts.ctm, s->ts.ctm);
	} else if (strcmp(op, "BT") == 0) {
		double id[6] = { 1, 0, 0, 1, 0, 0 };
		memcpy(s->ts.tm, id, sizeof(id));
		memcpy(s->ts.tlm, id, sizeof(id));
	} else if (strcmp(op, "Tf") == 0 && s->nops == 2) {
		s->ts.size = num(s, 1);
	} else if (strcmp(op, "TL") == 0) {
		s->ts.leading = num(s, 0);
	} else if (strcmp(op, "Tc") == 0) {
		s->ts.charsp = num(s, 0);
	} else if (strcmp(op, "Tw") == 0) {
		s->ts.wordsp = num(s, 0);
	} else if (strcmp(op, "Tz") == 0) {
		s->ts.hscale = num(s, 0) / 100.0;
	} else if (strcmp(op, "Td") == 0) {
		rc = next_line(s, num(s, 0), num(s, 1));
	} else if (strcmp(op, "TD") == 0) {
		s->ts.leading = -num(s, 1);
		rc = next_line(s, num(s, 0), num(s, 1));
	} else if (strcmp(op, "Tm") == 0 && s->nops == 6) {
		for (i = 0; i < 6; i++)
			s->ts.tlm[i] = num(s, i);
		memcpy(s->ts.tm, s->ts.tlm, sizeof(s->ts.tm));
	} else if (strcmp(op, "T*") == 0) {
		rc = next_line(s, 0, -s->ts.leading);
	} else if (strcmp(op, "Tj") == 0 && s->nops >= 1 && s->ops[s->nops - 1].kind == 1) {
		rc = show(s, s->ops[s->nops - 1].off, s->ops[s->nops - 1].len);
	} else if ((strcmp(op, "'") == 0 || strcmp(op, "\"") == 0) && s->nops >= 1 && s->ops[s->nops - 1].kind == 1) {
		if (op[0] == '"' && s->nops == 3) {
			s->ts.wordsp = num(s, 0);
			s->ts.charsp = num(s, 1);
		}
		if ((rc = next_line(s, 0, -s->ts.leading)) == TK_OK)
			rc = show(s, s->ops[s->nops - 1].off, s->ops[s->nops - 1].len);
	} else if (strcmp(op, "TJ") == 0) {
		for (i = 0; i < s->nops && rc == TK_OK; i++) {
			if (s->ops[i].kind == 1)
				rc = show(s, s->ops[i].off, s->ops[i].len);
			else if (s->ops[i].kind == 0)
				translate(s->ts.tm, -s->ops[i].num / 1000.0 * s->ts.size * s->ts.hscale, 0);
		}
	}
	s->nops = 0;
	buf_reset(&s->strs);
	return rc;
}

static void push(struct scan *s, int kind, double v, size_t off, size_t len)
{
	if (s->nops < ANCHOR_MAX_OPERANDS) {
		s->ops[s->nops].kind = kind;
		s->ops[s->nops].num = v;
		s->ops[s->nops].off = off;
		s->ops[s->nops].len = len;
		s->nops++;
	}
}

/* Skips inline image data: BI ... ID <data> EI (8.9.7). */
static void skip_inline_image(struct scan *s)
{
	while (s->pos + 2 < s->len) {
		if (is_ws(s->p[s->pos]) && s->p[s->pos + 1] == 'E' && s->p[s->pos + 2] == 'I' &&
		    (s->pos + 3 >= s->len || is_ws(s->p[s->pos + 3]))) {
			s->pos += 3;
			return;
		}
		s->pos++;
	}
	s->pos = s->len;
}

static enum tk_err scan_content(struct scan *s)
{
	enum tk_err rc = TK_OK;

	while (s->pos < s->len && rc == TK_OK) {
		uint8_t c = s->p[s->pos];
		if (is_ws(c)) {
			s->pos++;
		} else if (c == '%') {
			while (s->pos < s->len && s->p[s->pos] != '\n' && s->p[s->pos] != '\r')
				s->pos++;
		} else if (c == '(') {
			size_t off = s->strs.len;
			s->pos++;
			if ((rc = lit_string(s)) == TK_OK)
				push(s, 1, 0, off, s->strs.len - off);
		} else if (c == '<' && s->pos + 1 < s->len && s->p[s->pos + 1] == '<') {
			s->pos += 2; /* dictionaries (marked content properties) are skipped */
			push(s, 3, 0, 0, 0);
		} else if (c == '<') {
			size_t off = s->strs.len;
			s->pos++;
			if ((rc = hex_string(s)) == TK_OK)
				push(s, 1, 0, off, s->strs.len - off);
		} else if (c == '>' || c == '[' || c == ']' || c == '{' || c == '}') {
			s->pos++;
		} else if (c == '/') {
			s->pos++;
			while (s->pos < s->len && !is_ws(s->p[s->pos]) && !is_delim(s->p[s->pos]))
				s->pos++;
			push(s, 3, 0, 0, 0);
		} else if (isdigit(c) || c == '-' || c == '+' || c == '.') {
			char tmp[32];
			size_t k = 0;
			while (s->pos < s->len && (isdigit(s->p[s->pos]) || s->p[s->pos] == '-' || s->p[s->pos] == '+' || s->p[s->pos] == '.')) {
				if (k < sizeof(tmp) - 1)
					tmp[k++] = (char)s->p[s->pos];
				s->pos++;
			}
			tmp[k] = '\0';
			push(s, 0, strtod(tmp, NULL), 0, 0);
		} else {
			char op[8];
			size_t k = 0;
			while (s->pos < s->len && !is_ws(s->p[s->pos]) && !is_delim(s->p[s->pos])) {
				if (k < sizeof(op) - 1)
					op[k++] = (char)s->p[s->pos];
				s->pos++;
			}
			op[k] = '\0';
			if (k == 0) {
				s->pos++; /* a stray delimiter */
				continue;
			}
			if (strcmp(op, "ID") == 0) {
				skip_inline_image(s);
				s->nops = 0;
				buf_reset(&s->strs);
				continue;
			}
			rc = apply(s, op);
		}
	}
	return rc;
}

enum tk_err anchor_find(struct pdf_doc *doc, const struct pdf_page *pg, const char *text, double *x, double *y)
{
	const struct pdf_obj *contents = NULL;
	struct buf data;
	struct scan s;
	size_t tl = strlen(text), i, k, n;
	enum tk_err rc;

	if (tl == 0 || tl > 64)
		return tk_fail_code(TK_ERR_INVALID, "bad_anchor", "anchor text must be 1 to 64 characters");
	memset(&s, 0, sizeof(s));
	buf_init(&data, MAX_INFLATE_BYTES);
	buf_init(&s.strs, 1 << 20);
	if ((rc = pdf_dict_get_resolved(doc, pg->dict, "Contents", &contents)) != TK_OK)
		goto out;
	/* The page's content: one stream or an array of streams, joined (7.8.2). */
	n = pdf_obj_type(contents) == PDF_ARRAY ? pdf_array_len(contents) : (contents != NULL ? 1 : 0);
	for (i = 0; i < n; i++) {
		const struct pdf_obj *st = contents;
		if (pdf_obj_type(contents) == PDF_ARRAY && (rc = pdf_resolve(doc, pdf_array_get(contents, i), &st)) != TK_OK)
			goto out;
		if (pdf_obj_type(st) != PDF_STREAM)
			continue;
		if ((rc = pdf_stream_decode(doc, st, &data)) != TK_OK || (rc = buf_putc(&data, '\n')) != TK_OK)
			goto out;
	}
	s.p = data.p;
	s.len = data.len;
	s.ts.ctm[0] = s.ts.ctm[3] = 1;
	s.ts.tm[0] = s.ts.tm[3] = s.ts.tlm[0] = s.ts.tlm[3] = 1;
	s.ts.size = 12;
	s.ts.hscale = 1;
	if ((rc = scan_content(&s)) != TK_OK)
		goto out;
	for (i = 0; i + tl <= s.ng; i++) {
		for (k = 0; k < tl && s.g[i + k].c == (uint8_t)text[k]; k++)
			;
		if (k == tl) {
			*x = s.g[i].x;
			*y = s.g[i].y;
			rc = TK_OK;
			goto out;
		}
	}
	rc = tk_fail_code(TK_ERR_NOT_FOUND, "anchor_not_found",
	    "pades: the text '%s' was not found on the page (only simple fonts with single-byte text are searched)", text);
out:
	free(s.g);
	buf_free(&s.strs);
	buf_free(&data);
	return rc;
}

/* pdfgen: flowing A4 documents on libharu (see pdfgen.h). */
#include "pdfgen/pdfgen.h"

#include <hpdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PAGE_W 595.276
#define PAGE_H 841.89
#define M_LEFT 56.0
#define M_RIGHT 56.0
#define M_TOP 56.0
#define M_BOTTOM 70.0 /* room for the footer (and, on a signed document, the signature statement band below it) */
#define FOOTER_Y 44.0
#define TEXT_W (PAGE_W - M_LEFT - M_RIGHT)
#define SIZE_BODY 9.5
#define SIZE_SMALL 8.0
#define LEAD 1.32
#define CELL_PAD 3.5

struct pdfgen {
	HPDF_Doc doc;
	HPDF_Font font, bold;
	int utf8;                /* fonts take UTF-8; else WinAnsi (Latin-1) */
	HPDF_STATUS err, detail; /* set by the libharu error handler */
	int broken;              /* a libharu error happened: the document is unusable */
	int finished;
	HPDF_Page *pages;
	size_t npages;
	size_t cur; /* page being drawn on */
	double y;   /* top of the free space on the current page */
	int at_top;
	char footer[256];
	/* open table */
	int in_table, kv_table;
	size_t ncols;
	double colw[PDFGEN_MAX_COLS];
	char *header[PDFGEN_MAX_COLS];
	struct buf san;  /* sanitised text of the element being laid out */
	struct buf line; /* one line, NUL-terminated for HPDF_Page_TextOut */
};

/* One laid-out line: a slice of a sanitised text. */
struct span {
	size_t off, len;
};

struct lines {
	struct span *v;
	size_t n, cap;
};

static void on_error(HPDF_STATUS e, HPDF_STATUS detail, void *arg)
{
	struct pdfgen *g = arg;

	if (g->err == 0) {
		g->err = e;
		g->detail = detail;
	}
}

/* Turns a recorded libharu error into ours; the document is unusable afterwards. */
static enum tk_err check(struct pdfgen *g, const char *what)
{
	enum tk_err rc;

	if (g->broken && g->err == 0)
		return tk_fail(TK_ERR_INTERNAL, "pdfgen: the document is unusable after an earlier error");
	if (g->err == 0)
		return TK_OK;
	rc = tk_fail(g->err == HPDF_FAILD_TO_ALLOC_MEM ? TK_ERR_NOMEM : TK_ERR_INTERNAL, "pdfgen: libharu error 0x%04X (detail %u) %s",
	    (unsigned)g->err, (unsigned)g->detail, what);
	HPDF_ResetError(g->doc);
	g->err = 0;
	g->broken = 1;
	return rc;
}

/* ---- text sanitising ---- */

/* Decodes one UTF-8 sequence at p[0..n); returns its length (1 for an invalid byte, *cp = 0xFFFD). */
static size_t utf8_next(const unsigned char *p, size_t n, uint32_t *cp)
{
	uint32_t c = p[0], min;
	size_t len, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if ((c & 0xE0) == 0xC0)
		len = 2, c &= 0x1F, min = 0x80;
	else if ((c & 0xF0) == 0xE0)
		len = 3, c &= 0x0F, min = 0x800;
	else if ((c & 0xF8) == 0xF0)
		len = 4, c &= 0x07, min = 0x10000;
	else {
		*cp = 0xFFFD;
		return 1;
	}
	if (len > n) {
		*cp = 0xFFFD;
		return 1;
	}
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80) {
			*cp = 0xFFFD;
			return 1;
		}
		c = (c << 6) | (p[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		c = 0xFFFD;
	*cp = c;
	return len;
}

/*
 * Copies s into dst (g->san for sanitise()) in the fonts' encoding: control characters but '\n'
 * become spaces; outside the Basic Multilingual Plane (which libharu's
 * UTF-8 encoder does not take) U+FFFD; with the built-in font, everything
 * outside Latin-1 '?'. NUL-terminated.
 */
static enum tk_err sanitise_to(struct pdfgen *g, const char *s, struct buf *dst)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p), i = 0;
	enum tk_err rc = TK_OK;

	buf_reset(dst);
	if (n > PDFGEN_MAX_TEXT)
		return tk_fail(TK_ERR_LIMIT, "pdfgen: a text of %zu bytes is over the limit of %u", n, PDFGEN_MAX_TEXT);
	while (i < n && rc == TK_OK) {
		uint32_t cp;
		i += utf8_next(p + i, n - i, &cp);
		if (cp == '\n')
			rc = buf_putc(dst, '\n');
		else if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0) || cp == 0x2028 || cp == 0x2029)
			rc = buf_putc(dst, ' ');
		else if (!g->utf8)
			rc = buf_putc(dst, cp <= 0xFF ? (uint8_t)cp : '?');
		else {
			uint8_t u[3];
			if (cp > 0xFFFF)
				cp = 0xFFFD;
			if (cp < 0x80)
				rc = buf_putc(dst, (uint8_t)cp);
			else if (cp < 0x800) {
				u[0] = (uint8_t)(0xC0 | (cp >> 6));
				u[1] = (uint8_t)(0x80 | (cp & 0x3F));
				rc = buf_append(dst, u, 2);
			} else {
				u[0] = (uint8_t)(0xE0 | (cp >> 12));
				u[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
				u[2] = (uint8_t)(0x80 | (cp & 0x3F));
				rc = buf_append(dst, u, 3);
			}
		}
	}
	if (rc == TK_OK)
		rc = buf_putc(dst, '\0');
	if (rc == TK_OK)
		dst->len--; /* the NUL stays in the buffer, not in the length */
	return rc;
}

static enum tk_err sanitise(struct pdfgen *g, const char *s)
{
	return sanitise_to(g, s, &g->san);
}

/* Length of the character at p[0..n) in the sanitised encoding. */
static size_t char_len(const struct pdfgen *g, const unsigned char *p, size_t n)
{
	uint32_t cp;

	return g->utf8 ? utf8_next(p, n, &cp) : 1;
}

static double width(struct pdfgen *g, HPDF_Font f, double size, const char *p, size_t n)
{
	HPDF_TextWidth tw;

	if (n == 0)
		return 0;
	tw = HPDF_Font_TextWidth(f, (const HPDF_BYTE *)p, (HPDF_UINT)n);
	(void)g;
	return (double)tw.width * size / 1000.0;
}

static enum tk_err lines_push(struct lines *l, size_t off, size_t len)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct span *v = realloc(l->v, cap * sizeof(*v));
		if (v == NULL)
			return tk_fail(TK_ERR_NOMEM, "pdfgen: out of memory");
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n].off = off;
	l->v[l->n].len = len;
	l->n++;
	return TK_OK;
}

/*
 * Breaks src (sanitised) into lines no wider than w: at spaces when a word fits, at
 * '\n' always, between characters when one word is wider than the line.
 */
static enum tk_err wrap_buf(struct pdfgen *g, const struct buf *src, HPDF_Font f, double size, double w, struct lines *out)
{
	const char *t = (const char *)src->p;
	size_t n = src->len, pos = 0;
	enum tk_err rc;

	out->n = 0;
	if (n == 0)
		return lines_push(out, 0, 0);
	while (pos < n) {
		size_t start = pos, fit = SIZE_MAX, j = pos;
		for (;;) {
			while (j < n && t[j] != ' ' && t[j] != '\n')
				j++;
			if (width(g, f, size, t + start, j - start) <= w) {
				fit = j;
				if (j >= n || t[j] == '\n') {
					if ((rc = lines_push(out, start, j - start)) != TK_OK)
						return rc;
					pos = j + 1;
					break;
				}
				j++; /* past the space */
				continue;
			}
			if (fit != SIZE_MAX && fit > start) {
				if ((rc = lines_push(out, start, fit - start)) != TK_OK)
					return rc;
				pos = fit;
				while (pos < n && t[pos] == ' ')
					pos++;
				break;
			}
			/* One word wider than the line: as many characters as fit, at least one. */
			{
				size_t k = start, cl;
				while (k < n && t[k] != '\n') {
					cl = char_len(g, (const unsigned char *)t + k, n - k);
					if (k > start && width(g, f, size, t + start, k + cl - start) > w)
						break;
					k += cl;
				}
				if ((rc = lines_push(out, start, k - start)) != TK_OK)
					return rc;
				pos = k;
				while (pos < n && t[pos] == ' ')
					pos++;
			}
			break;
		}
	}
	return TK_OK;
}

static enum tk_err wrap(struct pdfgen *g, HPDF_Font f, double size, double w, struct lines *out)
{
	return wrap_buf(g, &g->san, f, size, w, out);
}

/* ---- pages ---- */

static enum tk_err new_page(struct pdfgen *g);

static enum tk_err draw_text(struct pdfgen *g, HPDF_Font f, double size, double x, double y, const char *p, size_t n, const double rgb[3])
{
	enum tk_err rc;
	HPDF_Page pg = g->pages[g->cur];

	if (n == 0)
		return TK_OK;
	buf_reset(&g->line);
	if ((rc = buf_append(&g->line, p, n)) != TK_OK || (rc = buf_putc(&g->line, '\0')) != TK_OK)
		return rc;
	HPDF_Page_SetRGBFill(pg, (HPDF_REAL)rgb[0], (HPDF_REAL)rgb[1], (HPDF_REAL)rgb[2]);
	HPDF_Page_BeginText(pg);
	HPDF_Page_SetFontAndSize(pg, f, (HPDF_REAL)size);
	HPDF_Page_TextOut(pg, (HPDF_REAL)x, (HPDF_REAL)y, (const char *)g->line.p);
	HPDF_Page_EndText(pg);
	return check(g, "drawing text");
}

static const double ink[3] = { 0.1, 0.1, 0.12 };
static const double grey[3] = { 0.35, 0.35, 0.38 };

static void tone_colours(enum pdfgen_tone t, double fill[3], double edge[3])
{
	static const double c[5][2][3] = {
		{ { 1, 1, 1 }, { 0.75, 0.75, 0.78 } },
		{ { 0.88, 0.96, 0.89 }, { 0.18, 0.55, 0.25 } },
		{ { 1.0, 0.95, 0.80 }, { 0.78, 0.55, 0.0 } },
		{ { 0.99, 0.88, 0.88 }, { 0.72, 0.12, 0.12 } },
		{ { 0.90, 0.93, 0.98 }, { 0.25, 0.40, 0.70 } },
	};
	size_t i = (size_t)t < 5 ? (size_t)t : 0;
	memcpy(fill, c[i][0], sizeof(c[i][0]));
	memcpy(edge, c[i][1], sizeof(c[i][1]));
}

static enum tk_err rect(struct pdfgen *g, double x, double y, double w, double h, const double fill[3], const double *edge)
{
	HPDF_Page pg = g->pages[g->cur];

	HPDF_Page_SetRGBFill(pg, (HPDF_REAL)fill[0], (HPDF_REAL)fill[1], (HPDF_REAL)fill[2]);
	if (edge != NULL) {
		HPDF_Page_SetRGBStroke(pg, (HPDF_REAL)edge[0], (HPDF_REAL)edge[1], (HPDF_REAL)edge[2]);
		HPDF_Page_SetLineWidth(pg, 0.8f);
	}
	HPDF_Page_Rectangle(pg, (HPDF_REAL)x, (HPDF_REAL)y, (HPDF_REAL)w, (HPDF_REAL)h);
	if (edge != NULL)
		HPDF_Page_FillStroke(pg);
	else
		HPDF_Page_Fill(pg);
	return check(g, "drawing a box");
}

static enum tk_err hline(struct pdfgen *g, double x0, double x1, double y, double lw, const double rgb[3])
{
	HPDF_Page pg = g->pages[g->cur];

	HPDF_Page_SetRGBStroke(pg, (HPDF_REAL)rgb[0], (HPDF_REAL)rgb[1], (HPDF_REAL)rgb[2]);
	HPDF_Page_SetLineWidth(pg, (HPDF_REAL)lw);
	HPDF_Page_MoveTo(pg, (HPDF_REAL)x0, (HPDF_REAL)y);
	HPDF_Page_LineTo(pg, (HPDF_REAL)x1, (HPDF_REAL)y);
	HPDF_Page_Stroke(pg);
	return check(g, "drawing a rule");
}

/* Makes room for h points, on a new page when needed. */
static enum tk_err ensure(struct pdfgen *g, double h)
{
	if (g->y - h >= M_BOTTOM || g->at_top)
		return TK_OK;
	return new_page(g);
}

/* ---- tables ---- */

static enum tk_err table_row(struct pdfgen *g, const char *const *cells, enum pdfgen_tone tone, int header);

static enum tk_err new_page(struct pdfgen *g)
{
	HPDF_Page pg, *v;
	enum tk_err rc;

	if (g->npages >= PDFGEN_MAX_PAGES)
		return tk_fail(TK_ERR_LIMIT, "pdfgen: more than %u pages", PDFGEN_MAX_PAGES);
	if ((v = realloc(g->pages, (g->npages + 1) * sizeof(*v))) == NULL)
		return tk_fail(TK_ERR_NOMEM, "pdfgen: out of memory");
	g->pages = v;
	pg = HPDF_AddPage(g->doc);
	if ((rc = check(g, "adding a page")) != TK_OK)
		return rc;
	HPDF_Page_SetSize(pg, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
	if ((rc = check(g, "sizing a page")) != TK_OK)
		return rc;
	g->cur = g->npages;
	g->pages[g->npages++] = pg;
	g->y = PAGE_H - M_TOP;
	g->at_top = 1;
	/* The header of an open table again. */
	if (g->in_table && g->header[0] != NULL)
		return table_row(g, (const char *const *)g->header, PDFGEN_PLAIN, 1);
	return TK_OK;
}

enum tk_err pdfgen_new(const struct pdfgen_opts *o, struct pdfgen **out)
{
	struct pdfgen *g;
	enum tk_err rc;

	*out = NULL;
	if ((g = calloc(1, sizeof(*g))) == NULL)
		return tk_fail(TK_ERR_NOMEM, "pdfgen: out of memory");
	buf_init(&g->san, PDFGEN_MAX_TEXT * 2 + 16);
	buf_init(&g->line, PDFGEN_MAX_TEXT * 2 + 16);
	if ((g->doc = HPDF_New(on_error, g)) == NULL) {
		free(g);
		return tk_fail(TK_ERR_NOMEM, "pdfgen: libharu could not start a document");
	}
	HPDF_SetCompressionMode(g->doc, HPDF_COMP_ALL);
	if (!o->no_embed && access(PDFGEN_FONT, R_OK) == 0 && access(PDFGEN_FONT_BOLD, R_OK) == 0) {
		const char *n1, *n2;
		HPDF_UseUTFEncodings(g->doc);
		n1 = HPDF_LoadTTFontFromFile(g->doc, PDFGEN_FONT, HPDF_TRUE);
		n2 = HPDF_LoadTTFontFromFile(g->doc, PDFGEN_FONT_BOLD, HPDF_TRUE);
		if (n1 != NULL && n2 != NULL) {
			g->font = HPDF_GetFont(g->doc, n1, "UTF-8");
			g->bold = HPDF_GetFont(g->doc, n2, "UTF-8");
			g->utf8 = 1;
		}
	}
	if (!g->utf8) {
		HPDF_ResetError(g->doc); /* a font file that would not load: the built-in font instead */
		g->err = 0;
		g->font = HPDF_GetFont(g->doc, "Helvetica", "WinAnsiEncoding");
		g->bold = HPDF_GetFont(g->doc, "Helvetica-Bold", "WinAnsiEncoding");
	}
	if ((rc = check(g, "loading fonts")) != TK_OK || g->font == NULL || g->bold == NULL) {
		if (rc == TK_OK)
			rc = tk_fail(TK_ERR_INTERNAL, "pdfgen: no usable font");
		pdfgen_free(g);
		return rc;
	}
	/* Document information in ASCII (libharu writes it in the current encoding). */
	{
		const char *const info[3] = { o->title, o->author, o->subject };
		static const HPDF_InfoType types[3] = { HPDF_INFO_TITLE, HPDF_INFO_AUTHOR, HPDF_INFO_SUBJECT };
		size_t i, k;
		for (i = 0; i < 3; i++) {
			char a[256];
			if (info[i] == NULL)
				continue;
			for (k = 0; info[i][k] && k < sizeof(a) - 1; k++)
				a[k] = info[i][k] >= 0x20 && info[i][k] < 0x7F ? info[i][k] : '?';
			a[k] = '\0';
			HPDF_SetInfoAttr(g->doc, types[i], a);
		}
		HPDF_SetInfoAttr(g->doc, HPDF_INFO_CREATOR, "teken pdfgen (libharu)");
	}
	if (o->footer != NULL && (rc = str_copy(g->footer, sizeof(g->footer), o->footer)) != TK_OK) {
		pdfgen_free(g);
		return rc;
	}
	if ((rc = check(g, "setting document information")) != TK_OK || (rc = new_page(g)) != TK_OK) {
		pdfgen_free(g);
		return rc;
	}
	*out = g;
	return TK_OK;
}

void pdfgen_free(struct pdfgen *g)
{
	size_t i;

	if (g == NULL)
		return;
	if (g->doc != NULL)
		HPDF_Free(g->doc);
	for (i = 0; i < PDFGEN_MAX_COLS; i++)
		free(g->header[i]);
	free(g->pages);
	buf_free(&g->san);
	buf_free(&g->line);
	free(g);
}

size_t pdfgen_pages(const struct pdfgen *g)
{
	return g->npages;
}

static enum tk_err usable(struct pdfgen *g)
{
	if (g->finished)
		return tk_fail(TK_ERR_INTERNAL, "pdfgen: the document is already finished");
	return check(g, "earlier");
}

/* Lays out g->san as lines at x in width w, page by page. */
static enum tk_err flow(struct pdfgen *g, HPDF_Font f, double size, double x, double w, const double rgb[3])
{
	struct lines l = { NULL, 0, 0 };
	size_t i;
	enum tk_err rc;

	if ((rc = wrap(g, f, size, w, &l)) != TK_OK)
		goto out;
	for (i = 0; i < l.n; i++) {
		if ((rc = ensure(g, size * LEAD)) != TK_OK)
			goto out;
		if ((rc = draw_text(g, f, size, x, g->y - size, (const char *)g->san.p + l.v[i].off, l.v[i].len, rgb)) != TK_OK)
			goto out;
		g->y -= size * LEAD;
		g->at_top = 0;
	}
out:
	free(l.v);
	return rc;
}

enum tk_err pdfgen_heading(struct pdfgen *g, int level, const char *text)
{
	static const double sizes[3] = { 16.0, 12.5, 10.5 };
	double size = sizes[level < 1 ? 0 : level > 3 ? 2
						      : level - 1];
	enum tk_err rc;

	if ((rc = usable(g)) != TK_OK || (rc = sanitise(g, text)) != TK_OK)
		return rc;
	if (!g->at_top)
		g->y -= level <= 2 ? 10 : 6;
	/* Kept with what follows: room for the heading and three body lines. */
	if ((rc = ensure(g, size * LEAD * 2 + SIZE_BODY * LEAD * 3)) != TK_OK)
		return rc;
	if ((rc = flow(g, g->bold, size, M_LEFT, TEXT_W, ink)) != TK_OK)
		return rc;
	if (level <= 2) {
		if ((rc = hline(g, M_LEFT, PAGE_W - M_RIGHT, g->y + 1, level == 1 ? 1.2 : 0.6, grey)) != TK_OK)
			return rc;
		g->y -= 4;
	} else {
		g->y -= 1;
	}
	return TK_OK;
}

enum tk_err pdfgen_paragraph(struct pdfgen *g, const char *text, int bold, int small)
{
	enum tk_err rc;

	if ((rc = usable(g)) != TK_OK || (rc = sanitise(g, text)) != TK_OK)
		return rc;
	if ((rc = flow(g, bold ? g->bold : g->font, small ? SIZE_SMALL : SIZE_BODY, M_LEFT, TEXT_W, small ? grey : ink)) != TK_OK)
		return rc;
	g->y -= 3;
	return TK_OK;
}

enum tk_err pdfgen_space(struct pdfgen *g, double pt)
{
	enum tk_err rc;

	if ((rc = usable(g)) != TK_OK)
		return rc;
	if (g->at_top || pt <= 0)
		return TK_OK;
	if (g->y - pt < M_BOTTOM)
		return new_page(g);
	g->y -= pt;
	return TK_OK;
}

enum tk_err pdfgen_page_break(struct pdfgen *g)
{
	enum tk_err rc;

	if ((rc = usable(g)) != TK_OK)
		return rc;
	return g->at_top ? TK_OK : new_page(g);
}

enum tk_err pdfgen_notice(struct pdfgen *g, enum pdfgen_tone tone, const char *title, const char *text)
{
	struct lines lt = { NULL, 0, 0 }, lb = { NULL, 0, 0 };
	struct buf tbuf;
	double fill[3], edge[3], pad = 7, h, inner = TEXT_W - 2 * pad - 4, y;
	size_t i;
	enum tk_err rc;

	buf_init(&tbuf, PDFGEN_MAX_TEXT * 2 + 16);
	if ((rc = usable(g)) != TK_OK)
		goto out;
	tone_colours(tone, fill, edge);
	/* The title's lines are laid out from a copy: g->san then holds the body. */
	if (title != NULL) {
		if ((rc = sanitise(g, title)) != TK_OK || (rc = wrap(g, g->bold, SIZE_BODY + 1.5, inner, &lt)) != TK_OK ||
		    (rc = buf_append(&tbuf, g->san.p, g->san.len)) != TK_OK)
			goto out;
	}
	if ((rc = sanitise(g, text)) != TK_OK)
		goto out;
	if (text != NULL && (rc = wrap(g, g->font, SIZE_BODY, inner, &lb)) != TK_OK)
		goto out;
	h = 2 * pad + (double)lt.n * (SIZE_BODY + 1.5) * LEAD + (double)lb.n * SIZE_BODY * LEAD + (lt.n && lb.n ? 2 : 0);
	if (h > PAGE_H - M_TOP - M_BOTTOM) {
		/* Longer than a page: no box, the text flows. */
		const char *keep = text;
		if (title != NULL && (rc = pdfgen_paragraph(g, title, 1, 0)) != TK_OK)
			goto out;
		rc = keep != NULL ? pdfgen_paragraph(g, keep, 0, 0) : TK_OK;
		goto out;
	}
	if (!g->at_top)
		g->y -= 4;
	if ((rc = ensure(g, h)) != TK_OK)
		goto out;
	if ((rc = rect(g, M_LEFT, g->y - h, TEXT_W, h, fill, NULL)) != TK_OK ||
	    (rc = rect(g, M_LEFT, g->y - h, 4, h, edge, NULL)) != TK_OK)
		goto out;
	y = g->y - pad;
	for (i = 0; i < lt.n; i++) {
		double sz = SIZE_BODY + 1.5;
		if ((rc = draw_text(g, g->bold, sz, M_LEFT + 4 + pad, y - sz, (const char *)tbuf.p + lt.v[i].off, lt.v[i].len, ink)) != TK_OK)
			goto out;
		y -= sz * LEAD;
	}
	if (lt.n && lb.n)
		y -= 2;
	for (i = 0; i < lb.n; i++) {
		if ((rc = draw_text(g, g->font, SIZE_BODY, M_LEFT + 4 + pad, y - SIZE_BODY, (const char *)g->san.p + lb.v[i].off, lb.v[i].len, ink)) !=
		    TK_OK)
			goto out;
		y -= SIZE_BODY * LEAD;
	}
	g->y -= h + 6;
	g->at_top = 0;
out:
	free(lt.v);
	free(lb.v);
	buf_free(&tbuf);
	return rc;
}

enum tk_err pdfgen_table_begin(struct pdfgen *g, size_t ncols, const double *widths, const char *const *header)
{
	double sum = 0;
	size_t i;
	enum tk_err rc;

	if ((rc = usable(g)) != TK_OK)
		return rc;
	if (g->in_table)
		return tk_fail(TK_ERR_INTERNAL, "pdfgen: a table is already open");
	if (ncols == 0 || ncols > PDFGEN_MAX_COLS)
		return tk_fail(TK_ERR_INVALID, "pdfgen: a table has 1 to %u columns", PDFGEN_MAX_COLS);
	for (i = 0; i < ncols; i++)
		sum += widths[i] > 0 ? widths[i] : 0;
	for (i = 0; i < ncols; i++)
		g->colw[i] = sum > 0 ? TEXT_W * (widths[i] > 0 ? widths[i] : 0) / sum : TEXT_W / (double)ncols;
	g->ncols = ncols;
	g->kv_table = header == NULL;
	for (i = 0; i < PDFGEN_MAX_COLS; i++) {
		free(g->header[i]);
		g->header[i] = NULL;
	}
	if (!g->at_top)
		g->y -= 2;
	if (header != NULL) {
		for (i = 0; i < ncols; i++)
			if ((g->header[i] = strdup(header[i] ? header[i] : "")) == NULL)
				return tk_fail(TK_ERR_NOMEM, "pdfgen: out of memory");
		/* The header with at least one row under it. */
		if ((rc = ensure(g, 6 * SIZE_BODY * LEAD)) != TK_OK)
			return rc;
		if ((rc = table_row(g, header, PDFGEN_PLAIN, 1)) != TK_OK)
			return rc;
	}
	g->in_table = 1;
	return TK_OK;
}

/*
 * One row: each cell wrapped in its column. A row that fits on a page is
 * kept whole; a taller one is drawn line by line across pages.
 */
static enum tk_err table_row(struct pdfgen *g, const char *const *cells, enum pdfgen_tone tone, int header)
{
	struct lines l[PDFGEN_MAX_COLS];
	struct buf text[PDFGEN_MAX_COLS];
	double fill[3], edge[3], lead = SIZE_BODY * LEAD, h, x;
	static const double head_fill[3] = { 0.90, 0.91, 0.93 };
	size_t c, k, maxl = 1;
	enum tk_err rc = TK_OK;

	memset(l, 0, sizeof(l));
	for (c = 0; c < g->ncols; c++)
		buf_init(&text[c], PDFGEN_MAX_TEXT * 2 + 16);
	tone_colours(tone, fill, edge);
	for (c = 0; c < g->ncols && rc == TK_OK; c++) {
		HPDF_Font f = header || (g->kv_table && c == 0) ? g->bold : g->font;
		/* Into the row's own buffers: a page break inside may draw the header row again (g->san stays the caller's). */
		if ((rc = sanitise_to(g, cells[c], &text[c])) == TK_OK)
			rc = wrap_buf(g, &text[c], f, SIZE_BODY, g->colw[c] - 2 * CELL_PAD, &l[c]);
		if (l[c].n > maxl)
			maxl = l[c].n;
	}
	if (rc != TK_OK)
		goto out;
	h = (double)maxl * lead + 2 * CELL_PAD;
	if (h <= PAGE_H - M_TOP - M_BOTTOM - 4 * lead) {
		/* Whole on one page (new_page may draw the header first, which moves y). */
		if (!header && (rc = ensure(g, h)) != TK_OK)
			goto out;
		if (header || tone != PDFGEN_PLAIN)
			if ((rc = rect(g, M_LEFT, g->y - h, TEXT_W, h, header ? head_fill : fill, NULL)) != TK_OK)
				goto out;
		if ((rc = hline(g, M_LEFT, PAGE_W - M_RIGHT, g->y, 0.4, edge)) != TK_OK)
			goto out;
		for (k = 0; k < maxl; k++) {
			x = M_LEFT;
			for (c = 0; c < g->ncols; c++) {
				HPDF_Font f = header || (g->kv_table && c == 0) ? g->bold : g->font;
				if (k < l[c].n &&
				    (rc = draw_text(g, f, SIZE_BODY, x + CELL_PAD, g->y - CELL_PAD - (double)k * lead - SIZE_BODY,
					 (const char *)text[c].p + l[c].v[k].off, l[c].v[k].len, ink)) != TK_OK)
					goto out;
				x += g->colw[c];
			}
		}
		g->y -= h;
		g->at_top = 0;
		goto out;
	}
	/* Taller than a page: line by line. */
	if ((rc = hline(g, M_LEFT, PAGE_W - M_RIGHT, g->y, 0.4, edge)) != TK_OK)
		goto out;
	g->y -= CELL_PAD;
	for (k = 0; k < maxl; k++) {
		if ((rc = ensure(g, lead)) != TK_OK)
			goto out;
		x = M_LEFT;
		for (c = 0; c < g->ncols; c++) {
			HPDF_Font f = header || (g->kv_table && c == 0) ? g->bold : g->font;
			if (k < l[c].n && (rc = draw_text(g, f, SIZE_BODY, x + CELL_PAD, g->y - SIZE_BODY, (const char *)text[c].p + l[c].v[k].off,
					       l[c].v[k].len, ink)) != TK_OK)
				goto out;
			x += g->colw[c];
		}
		g->y -= lead;
		g->at_top = 0;
	}
	g->y -= CELL_PAD;
out:
	for (c = 0; c < g->ncols; c++) {
		free(l[c].v);
		buf_free(&text[c]);
	}
	return rc;
}

enum tk_err pdfgen_table_row(struct pdfgen *g, const char *const *cells, enum pdfgen_tone tone)
{
	enum tk_err rc;

	if ((rc = usable(g)) != TK_OK)
		return rc;
	if (!g->in_table)
		return tk_fail(TK_ERR_INTERNAL, "pdfgen: a row outside a table");
	return table_row(g, cells, tone, 0);
}

enum tk_err pdfgen_table_end(struct pdfgen *g)
{
	static const double edge[3] = { 0.75, 0.75, 0.78 };
	size_t i;
	enum tk_err rc;

	if ((rc = usable(g)) != TK_OK)
		return rc;
	if (!g->in_table)
		return tk_fail(TK_ERR_INTERNAL, "pdfgen: no table is open");
	g->in_table = 0;
	for (i = 0; i < PDFGEN_MAX_COLS; i++) {
		free(g->header[i]);
		g->header[i] = NULL;
	}
	if (!g->at_top && (rc = hline(g, M_LEFT, PAGE_W - M_RIGHT, g->y, 0.4, edge)) != TK_OK)
		return rc;
	g->y -= 6;
	return TK_OK;
}

enum tk_err pdfgen_kv(struct pdfgen *g, const char *key, const char *value)
{
	static const double w[2] = { 0.34, 0.66 };
	const char *cells[2] = { key, value };
	enum tk_err rc;

	if ((rc = usable(g)) != TK_OK)
		return rc;
	if (g->in_table)
		return g->ncols == 2 ? table_row(g, cells, PDFGEN_PLAIN, 0) : tk_fail(TK_ERR_INTERNAL, "pdfgen: a key-value row in a wider table");
	if ((rc = pdfgen_table_begin(g, 2, w, NULL)) != TK_OK || (rc = table_row(g, cells, PDFGEN_PLAIN, 0)) != TK_OK)
		return rc;
	return pdfgen_table_end(g);
}

enum tk_err pdfgen_finish(struct pdfgen *g, struct buf *out)
{
	size_t i;
	enum tk_err rc;
	HPDF_UINT32 size;

	if ((rc = usable(g)) != TK_OK)
		return rc;
	if (g->in_table && (rc = pdfgen_table_end(g)) != TK_OK)
		return rc;
	g->finished = 1;
	for (i = 0; i < g->npages; i++) {
		char right[128];
		double wr;
		snprintf(right, sizeof(right), "Halaman %zu / %zu - Page %zu of %zu", i + 1, g->npages, i + 1, g->npages);
		g->cur = i;
		if ((rc = hline(g, M_LEFT, PAGE_W - M_RIGHT, FOOTER_Y + 10, 0.4, grey)) != TK_OK)
			return rc;
		if ((rc = sanitise(g, g->footer)) != TK_OK)
			return rc;
		{
			struct lines l = { NULL, 0, 0 };
			double avail = TEXT_W - width(g, g->font, 7.0, right, strlen(right)) - 12;
			rc = wrap(g, g->font, 7.0, avail, &l);
			if (rc == TK_OK && l.n > 0)
				rc = draw_text(g, g->font, 7.0, M_LEFT, FOOTER_Y, (const char *)g->san.p + l.v[0].off, l.v[0].len, grey);
			free(l.v);
			if (rc != TK_OK)
				return rc;
		}
		wr = width(g, g->font, 7.0, right, strlen(right));
		if ((rc = draw_text(g, g->font, 7.0, PAGE_W - M_RIGHT - wr, FOOTER_Y, right, strlen(right), grey)) != TK_OK)
			return rc;
	}
	HPDF_SaveToStream(g->doc);
	if ((rc = check(g, "writing the document")) != TK_OK)
		return rc;
	size = HPDF_GetStreamSize(g->doc);
	if (size == 0 || size > PDFGEN_MAX_BYTES)
		return tk_fail(TK_ERR_LIMIT, "pdfgen: the document is %u bytes (limit %u)", (unsigned)size, PDFGEN_MAX_BYTES);
	if ((rc = buf_reserve(out, size)) != TK_OK)
		return rc;
	{
		HPDF_UINT32 got = size;
		HPDF_STATUS st = HPDF_ReadFromStream(g->doc, out->p + out->len, &got);
		if ((st != HPDF_OK && st != HPDF_STREAM_EOF) || got != size) {
			g->err = g->err ? g->err : st;
			return check(g, "reading the document back");
		}
		HPDF_ResetError(g->doc);
		g->err = 0;
		out->len += got;
	}
	return TK_OK;
}

/* ---- charts ---- */

void pdfgen_nice_axis(double max, unsigned ticks, int integer, double *step, double *top)
{
	double raw, mag, norm, s;

	if (!(max > 0) || !isfinite(max))
		max = 0;
	if (ticks == 0)
		ticks = 5;
	raw = max > 0 ? max / (double)ticks : 1;
	mag = pow(10.0, floor(log10(raw)));
	norm = raw / mag;
	s = (norm <= 1.0 ? 1.0 : norm <= 2.0 ? 2.0
			     : norm <= 5.0   ? 5.0
					     : 10.0) *
	    mag;
	if (integer && s < 1)
		s = 1;
	*step = s;
	*top = ceil(max / s - 1e-9) * s;
	if (*top < s)
		*top = s;
}

/* A value as text: whole numbers with digit groups (sep), others with up to 2 decimals. */
static void fmt_value(double v, const char *sep, char out[48])
{
	char d[40];
	size_t n, i, o = 0, sl = sep ? strlen(sep) : 0;

	if (v != floor(v) || fabs(v) >= 1e15) {
		snprintf(out, 48, "%.2f", v);
		return;
	}
	snprintf(d, sizeof(d), "%.0f", fabs(v));
	n = strlen(d);
	if (v < 0)
		out[o++] = '-';
	for (i = 0; i < n && o + sl + 2 < 48; i++) {
		if (i > 0 && (n - i) % 3 == 0 && sl > 0 && sl < 4) {
			memcpy(out + o, sep, sl);
			o += sl;
		}
		out[o++] = d[i];
	}
	out[o] = '\0';
}

static double clean(double v)
{
	return isfinite(v) && v > 0 ? v : 0;
}

/*
 * Draws text (sanitised into tmp, one line) within maxw at x (align 0
 * left, 1 centre, 2 right of x); cut with "..." when wider, nothing when
 * not even that fits.
 */
static enum tk_err label(struct pdfgen *g, struct buf *tmp, HPDF_Font f, double size, const char *text, double maxw, double x, double y,
    int align, const double rgb[3])
{
	size_t n, i;
	double w, ew;
	enum tk_err rc;

	if ((rc = sanitise_to(g, text, tmp)) != TK_OK)
		return rc;
	for (i = 0; i < tmp->len; i++)
		if (tmp->p[i] == '\n')
			tmp->p[i] = ' ';
	n = tmp->len;
	w = width(g, f, size, (const char *)tmp->p, n);
	if (w > maxw) {
		ew = width(g, f, size, "...", 3);
		/* The longest prefix (whole characters) that fits with the dots. */
		{
			size_t k = 0, best = 0;
			while (k < tmp->len) {
				size_t cl = char_len(g, tmp->p + k, tmp->len - k);
				if (width(g, f, size, (const char *)tmp->p, k + cl) + ew > maxw)
					break;
				k += cl;
				best = k;
			}
			n = best;
		}
		if (n == 0 && ew > maxw)
			return TK_OK;
		tmp->len = n;
		if ((rc = buf_append(tmp, "...", 3)) != TK_OK)
			return rc;
		n = tmp->len;
		w = width(g, f, size, (const char *)tmp->p, n);
	}
	if (align == 1)
		x -= w / 2;
	else if (align == 2)
		x -= w;
	return draw_text(g, f, size, x, y, (const char *)tmp->p, n, rgb);
}

static const double palette[PDFGEN_CHART_MAX_SERIES][3] = {
	{ 0.20, 0.40, 0.70 },
	{ 0.92, 0.52, 0.12 },
	{ 0.25, 0.60, 0.30 },
	{ 0.78, 0.20, 0.25 },
	{ 0.50, 0.35, 0.65 },
	{ 0.55, 0.40, 0.30 },
	{ 0.85, 0.45, 0.70 },
	{ 0.45, 0.45, 0.45 },
};

enum tk_err pdfgen_chart(struct pdfgen *g, const struct pdfgen_chart *c)
{
	static const double grid[3] = { 0.86, 0.86, 0.88 }, axis[3] = { 0.30, 0.30, 0.33 };
	struct buf tmp;
	double plot_h, title_h, ylab_h, xlab_h = SIZE_SMALL * LEAD + 2, leg_h, total, max = 0, step, top, axis_w = 0;
	double x0, x1, y0, y1, slot, lx, ly, item_h = SIZE_SMALL * LEAD + 3;
	double legw[PDFGEN_CHART_MAX_SERIES];
	size_t i, s, rows = 1;
	char t[48];
	enum tk_err rc;
	HPDF_Page pg;

	buf_init(&tmp, PDFGEN_MAX_TEXT * 2 + 16);
	if ((rc = usable(g)) != TK_OK)
		goto out;
	if (g->in_table) {
		rc = tk_fail(TK_ERR_INTERNAL, "pdfgen: a chart inside a table");
		goto out;
	}
	if (c->ncats == 0 || c->ncats > PDFGEN_CHART_MAX_CATS || c->nseries == 0 || c->nseries > PDFGEN_CHART_MAX_SERIES || c->series == NULL) {
		rc = tk_fail(TK_ERR_INVALID, "pdfgen: a chart has 1 to %u categories and 1 to %u series", PDFGEN_CHART_MAX_CATS,
		    PDFGEN_CHART_MAX_SERIES);
		goto out;
	}
	for (s = 0; s < c->nseries; s++)
		if (c->series[s].values == NULL) {
			rc = tk_fail(TK_ERR_INVALID, "pdfgen: chart series %zu has no values", s + 1);
			goto out;
		}
	plot_h = c->height > 0 ? c->height : 150;
	plot_h = plot_h < 60 ? 60 : plot_h > 400 ? 400
						 : plot_h;
	title_h = c->title != NULL ? (SIZE_BODY + 1.5) * LEAD + 2 : 0;
	ylab_h = c->y_label != NULL ? SIZE_SMALL * LEAD + 2 : 0;
	/* The scale. */
	for (i = 0; i < c->ncats; i++) {
		double sum = 0;
		for (s = 0; s < c->nseries; s++) {
			double v = clean(c->series[s].values[i]);
			sum += v;
			if (v > max)
				max = v;
		}
		if (c->kind == PDFGEN_CHART_STACKED && sum > max)
			max = sum;
	}
	pdfgen_nice_axis(max, 5, c->integer, &step, &top);
	for (i = 0; i <= (size_t)(top / step + 0.5); i++) {
		fmt_value((double)i * step, c->thousands, t);
		if (width(g, g->font, SIZE_SMALL, t, strlen(t)) > axis_w)
			axis_w = width(g, g->font, SIZE_SMALL, t, strlen(t));
	}
	axis_w += 8;
	/* The legend's rows. */
	lx = 0;
	for (s = 0; s < c->nseries; s++) {
		if ((rc = sanitise_to(g, c->series[s].name, &tmp)) != TK_OK)
			goto out;
		legw[s] = 8 + 4 + width(g, g->font, SIZE_SMALL, (const char *)tmp.p, tmp.len) + 14;
		if (legw[s] > TEXT_W)
			legw[s] = TEXT_W;
		if (lx > 0 && lx + legw[s] > TEXT_W) {
			rows++;
			lx = 0;
		}
		lx += legw[s];
	}
	leg_h = (double)rows * item_h + 4;
	total = title_h + ylab_h + plot_h + 4 + xlab_h + leg_h + 8;
	if (!g->at_top)
		g->y -= 6;
	if ((rc = ensure(g, total)) != TK_OK)
		goto out;
	pg = g->pages[g->cur];
	ly = g->y;
	if (c->title != NULL) {
		if ((rc = label(g, &tmp, g->bold, SIZE_BODY + 1.5, c->title, TEXT_W, M_LEFT, ly - (SIZE_BODY + 1.5), 0, ink)) != TK_OK)
			goto out;
		ly -= title_h;
	}
	if (c->y_label != NULL) {
		if ((rc = label(g, &tmp, g->font, SIZE_SMALL, c->y_label, TEXT_W, M_LEFT, ly - SIZE_SMALL, 0, grey)) != TK_OK)
			goto out;
		ly -= ylab_h;
	}
	x0 = M_LEFT + axis_w;
	x1 = M_LEFT + TEXT_W;
	y1 = ly - 4;
	y0 = y1 - plot_h;
	slot = (x1 - x0) / (double)c->ncats;
	/* Grid and ticks. */
	for (i = 0; i <= (size_t)(top / step + 0.5); i++) {
		double y = y0 + plot_h * ((double)i * step / top);
		if (i > 0 && (rc = hline(g, x0, x1, y, 0.4, grid)) != TK_OK)
			goto out;
		fmt_value((double)i * step, c->thousands, t);
		if ((rc = label(g, &tmp, g->font, SIZE_SMALL, t, axis_w, x0 - 4, y - SIZE_SMALL / 3, 2, grey)) != TK_OK)
			goto out;
	}
	/* Bars or lines. */
	for (i = 0; i < c->ncats; i++) {
		double cx = x0 + slot * (double)i, gw = slot * 0.72, gx = cx + (slot - gw) / 2, base = y0, vtop = 0;
		if (c->kind == PDFGEN_CHART_LINES)
			break;
		for (s = 0; s < c->nseries; s++) {
			double v = clean(c->series[s].values[i]), h = plot_h * v / top;
			if (c->kind == PDFGEN_CHART_STACKED) {
				if (h > 0 && (rc = rect(g, gx, base, gw, h, palette[s], NULL)) != TK_OK)
					goto out;
				base += h;
				vtop += v;
			} else {
				double bw = gw / (double)c->nseries;
				if (h > 0 && (rc = rect(g, gx + bw * (double)s, y0, bw * 0.92, h, palette[s], NULL)) != TK_OK)
					goto out;
				if (c->value_labels && v > 0) {
					fmt_value(v, c->thousands, t);
					if (width(g, g->font, SIZE_SMALL - 1.5, t, strlen(t)) <= bw + 2 &&
					    (rc = label(g, &tmp, g->font, SIZE_SMALL - 1.5, t, bw + 2, gx + bw * ((double)s + 0.46), y0 + h + 2, 1, ink)) != TK_OK)
						goto out;
				}
			}
		}
		if (c->kind == PDFGEN_CHART_STACKED && c->value_labels && vtop > 0) {
			fmt_value(vtop, c->thousands, t);
			if ((rc = label(g, &tmp, g->font, SIZE_SMALL - 1, t, slot, cx + slot / 2, base + 2, 1, ink)) != TK_OK)
				goto out;
		}
	}
	if (c->kind == PDFGEN_CHART_LINES) {
		for (s = 0; s < c->nseries; s++) {
			HPDF_Page_SetRGBStroke(pg, (HPDF_REAL)palette[s][0], (HPDF_REAL)palette[s][1], (HPDF_REAL)palette[s][2]);
			HPDF_Page_SetLineWidth(pg, 1.4f);
			int pen = 0, path = 0;
			/* NaN is no point: the line breaks there (a month not begun, say). */
			for (i = 0; i < c->ncats; i++) {
				double px = x0 + slot * ((double)i + 0.5), py = y0 + plot_h * clean(c->series[s].values[i]) / top;
				if (isnan(c->series[s].values[i])) {
					pen = 0;
					continue;
				}
				if (!pen)
					HPDF_Page_MoveTo(pg, (HPDF_REAL)px, (HPDF_REAL)py);
				else
					HPDF_Page_LineTo(pg, (HPDF_REAL)px, (HPDF_REAL)py);
				pen = path = 1;
			}
			if (path)
				HPDF_Page_Stroke(pg);
			if ((rc = check(g, "drawing a line")) != TK_OK)
				goto out;
			for (i = 0; i < c->ncats; i++) {
				double px = x0 + slot * ((double)i + 0.5), py = y0 + plot_h * clean(c->series[s].values[i]) / top;
				if (isnan(c->series[s].values[i]))
					continue;
				if ((rc = rect(g, px - 2, py - 2, 4, 4, palette[s], NULL)) != TK_OK)
					goto out;
				if (c->value_labels && c->nseries == 1) {
					fmt_value(clean(c->series[s].values[i]), c->thousands, t);
					if ((rc = label(g, &tmp, g->font, SIZE_SMALL - 1.5, t, slot, px, py + 4, 1, ink)) != TK_OK)
						goto out;
				}
			}
		}
	}
	/* Axes and category labels. */
	if ((rc = hline(g, x0, x1, y0, 0.8, axis)) != TK_OK)
		goto out;
	HPDF_Page_SetRGBStroke(pg, (HPDF_REAL)axis[0], (HPDF_REAL)axis[1], (HPDF_REAL)axis[2]);
	HPDF_Page_SetLineWidth(pg, 0.8f);
	HPDF_Page_MoveTo(pg, (HPDF_REAL)x0, (HPDF_REAL)y0);
	HPDF_Page_LineTo(pg, (HPDF_REAL)x0, (HPDF_REAL)y1);
	HPDF_Page_Stroke(pg);
	if ((rc = check(g, "drawing an axis")) != TK_OK)
		goto out;
	for (i = 0; i < c->ncats; i++)
		if (c->cats != NULL && c->cats[i] != NULL &&
		    (rc = label(g, &tmp, g->font, SIZE_SMALL, c->cats[i], slot - 2, x0 + slot * ((double)i + 0.5), y0 - 3 - SIZE_SMALL, 1, ink)) !=
			TK_OK)
			goto out;
	/* Legend. */
	lx = M_LEFT;
	ly = y0 - 4 - xlab_h;
	for (s = 0; s < c->nseries; s++) {
		if (lx > M_LEFT && lx + legw[s] > M_LEFT + TEXT_W) {
			lx = M_LEFT;
			ly -= item_h;
		}
		if ((rc = rect(g, lx, ly - SIZE_SMALL, 8, 8, palette[s], NULL)) != TK_OK ||
		    (rc = label(g, &tmp, g->font, SIZE_SMALL, c->series[s].name, legw[s] - 12, lx + 12, ly - SIZE_SMALL + 0.5, 0, ink)) != TK_OK)
			goto out;
		lx += legw[s];
	}
	g->y -= total;
	g->at_top = 0;
out:
	buf_free(&tmp);
	return rc;
}

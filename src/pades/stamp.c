/*
 * Stamps and footers drawn with the standard 14 fonts (Helvetica, WinAnsi):
 * no embedded or raster fonts, text stays searchable. The QR code is drawn
 * as filled rectangles (libqrencode gives the modules).
 */
#include "pades/pades_int.h"

#include <qrencode.h>
#include <stdlib.h>
#include <string.h>

/* Helvetica advance widths (1/1000 em) for ASCII 32..126, from the Adobe AFM. */
static const short helv[95] = {
	278,
	278,
	355,
	556,
	556,
	889,
	667,
	191,
	333,
	333,
	389,
	584,
	278,
	333,
	278,
	278,
	556,
	556,
	556,
	556,
	556,
	556,
	556,
	556,
	556,
	556,
	278,
	278,
	584,
	584,
	584,
	556,
	1015,
	667,
	667,
	722,
	722,
	667,
	611,
	778,
	722,
	278,
	500,
	667,
	556,
	833,
	722,
	778,
	667,
	778,
	722,
	667,
	611,
	722,
	667,
	944,
	667,
	667,
	611,
	278,
	278,
	278,
	469,
	556,
	333,
	556,
	556,
	500,
	556,
	556,
	278,
	556,
	556,
	222,
	222,
	500,
	222,
	833,
	556,
	556,
	556,
	556,
	333,
	500,
	278,
	556,
	500,
	722,
	500,
	500,
	500,
	334,
	260,
	334,
	584,
};
/* Helvetica-Bold, same range. */
static const short helvb[95] = {
	278,
	333,
	474,
	556,
	556,
	889,
	722,
	238,
	333,
	333,
	389,
	584,
	278,
	333,
	278,
	278,
	556,
	556,
	556,
	556,
	556,
	556,
	556,
	556,
	556,
	556,
	333,
	333,
	584,
	584,
	584,
	611,
	975,
	722,
	722,
	722,
	722,
	667,
	611,
	778,
	722,
	278,
	556,
	722,
	611,
	833,
	722,
	778,
	667,
	778,
	722,
	667,
	611,
	722,
	667,
	944,
	667,
	667,
	611,
	333,
	278,
	333,
	584,
	556,
	333,
	556,
	611,
	556,
	611,
	556,
	333,
	611,
	611,
	278,
	278,
	556,
	278,
	889,
	611,
	611,
	611,
	611,
	389,
	556,
	333,
	611,
	556,
	778,
	556,
	556,
	500,
	389,
	280,
	389,
	584,
};

/* Next code point of UTF-8 text mapped to WinAnsi (Latin-1 range); '?' otherwise. */
static unsigned char next_winansi(const char **s)
{
	const unsigned char *p = (const unsigned char *)*s;
	unsigned cp;

	if (p[0] < 0x80) {
		*s += 1;
		return p[0];
	}
	if ((p[0] & 0xe0) == 0xc0 && (p[1] & 0xc0) == 0x80) {
		cp = ((unsigned)(p[0] & 0x1f) << 6) | (p[1] & 0x3f);
		*s += 2;
		return cp >= 0xa0 && cp <= 0xff ? (unsigned char)cp : '?';
	}
	/* Longer sequences are outside WinAnsi's Latin-1 part. */
	*s += 1;
	while ((**s & 0xc0) == 0x80)
		*s += 1;
	return '?';
}

static double char_width(unsigned char c, int bold)
{
	unsigned idx = (unsigned)c - 32u;

	if (idx < 95u)
		return (bold ? helvb[idx] : helv[idx]) / 1000.0;
	return 0.556;
}

double glyph_width(unsigned char c)
{
	return char_width(c, 0);
}

double text_width(const char *s, int bold)
{
	double w = 0;

	while (*s)
		w += char_width(next_winansi(&s), bold);
	return w;
}

/* Appends (text) with PDF string escapes (7.3.4.2), text mapped to WinAnsi. */
static enum tk_err put_string(struct buf *b, const char *s, size_t n)
{
	const char *end = s + n;
	enum tk_err rc = buf_putc(b, '(');

	while (rc == TK_OK && s < end) {
		unsigned char c = next_winansi(&s);
		if (c == '(' || c == ')' || c == '\\')
			rc = buf_printf(b, "\\%c", c);
		else if (c < 32 || c > 126)
			rc = buf_printf(b, "\\%03o", c);
		else
			rc = buf_putc(b, c);
	}
	return rc == TK_OK ? buf_putc(b, ')') : rc;
}

/* Greedy word wrap: calls back with each line [p, p+n). At most max_lines lines. */
static size_t wrap(const char *s, double size, double maxw, int bold, const char **lines, size_t *lens, size_t max_lines)
{
	size_t n = 0;

	while (*s && n < max_lines) {
		const char *line = s, *last_break = NULL, *q = s;
		double w = 0;
		while (*s == ' ')
			s++;
		line = s;
		q = s;
		while (*q) {
			const char *before = q;
			unsigned char c = next_winansi(&q);
			w += char_width(c, bold) * size;
			if (c == ' ')
				last_break = before;
			if (w > maxw && before > line) {
				q = last_break && last_break > line ? last_break : before;
				break;
			}
		}
		lines[n] = line;
		lens[n] = (size_t)(q - line);
		n++;
		s = q;
	}
	return n;
}

static enum tk_err draw_qr(struct buf *b, const char *url, double x, double y, double size)
{
	QRcode *q = QRcode_encodeString(url, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	double m;
	int r, c;
	enum tk_err rc = TK_OK;

	if (q == NULL)
		return tk_fail(TK_ERR_INVALID, "stamp: verification URL too long for a QR code");
	/* A quiet zone of two modules on each side (ISO/IEC 18004 asks four; two reads well in print). */
	m = size / (q->width + 4);
	rc = buf_printf(b, "q 1 g %.3f %.3f %.3f %.3f re f 0 g\n", x, y, size, size);
	for (r = 0; rc == TK_OK && r < q->width; r++) {
		c = 0;
		while (rc == TK_OK && c < q->width) {
			int start;
			if (!(q->data[r * q->width + c] & 1)) {
				c++;
				continue;
			}
			start = c;
			while (c < q->width && (q->data[r * q->width + c] & 1))
				c++;
			/* Row r counts from the top; PDF y grows upward. */
			rc = buf_printf(b, "%.3f %.3f %.3f %.3f re\n", x + (start + 2) * m, y + size - (r + 3) * m, (c - start) * m, m);
		}
	}
	if (rc == TK_OK)
		rc = buf_puts(b, "f Q\n");
	QRcode_free(q);
	return rc;
}

/*
 * Stamp layout. The text column right of the QR code holds, top down: the
 * header, the signer's name (bold), their title, the time, then the R8
 * statement. Every block wraps; the type shrinks until all of it fits inside
 * the box, down to STAMP_MIN_FS (the statement is set at 0.8 of it: 4 pt,
 * the smallest we call legible on paper). A box that cannot hold it all at
 * that size is refused with the size that would (never a clipped statement).
 */
#define STAMP_MIN_FS 5.0
#define STAMP_MAX_FS 12.0
#define STAMP_MAX_LINES 40
/* Helvetica's extent above and below the baseline, generously (FontBBox 931 / -225). */
#define STAMP_ASCENT 0.93
#define STAMP_DESCENT 0.23

static const char stamp_header[] = "Ditandatangani secara elektronik oleh:";

struct stamp_line {
	const char *p;
	size_t n;
	double size;
	int bold;
	double gap; /* extra space above this line (points) */
};

struct stamp_layout {
	double pad, qr, tx, tw, top;
	size_t n;
	struct stamp_line l[STAMP_MAX_LINES];
};

/* Adds text wrapped to width tw at size; 0 when it needs more than max_lines or the layout is full. */
static int add_block(struct stamp_layout *L, const char *text, double size, int bold, size_t max_lines, double gap)
{
	const char *lines[24];
	size_t lens[24], n, i, used = 0;

	if (text == NULL || text[0] == '\0')
		return 1;
	if (max_lines > 24)
		max_lines = 24;
	n = wrap(text, size, L->tw, bold, lines, lens, max_lines);
	for (i = 0; i < n; i++)
		used = (size_t)(lines[i] + lens[i] - text);
	while (text[used] == ' ')
		used++;
	if (text[used] != '\0' || L->n + n > STAMP_MAX_LINES)
		return 0; /* text left over: it does not fit in max_lines */
	for (i = 0; i < n; i++) {
		/* A single word wider than the column is broken by wrap(); a line still wider means no fit. */
		const char *q = lines[i];
		double wdt = 0;
		while (q < lines[i] + lens[i])
			wdt += char_width(next_winansi(&q), bold) * size;
		if (wdt > L->tw + 0.01)
			return 0;
		L->l[L->n].p = lines[i];
		L->l[L->n].n = lens[i];
		L->l[L->n].size = size;
		L->l[L->n].bold = bold;
		L->l[L->n].gap = i == 0 ? gap : 0;
		L->n++;
	}
	return 1;
}

/* Height from the top of the first line to the bottom of the last. */
static double layout_height(const struct stamp_layout *L)
{
	double hgt = 0;
	size_t i;

	for (i = 0; i < L->n; i++)
		hgt += i == 0 ? STAMP_ASCENT * L->l[i].size : L->l[i].gap + 1.18 * L->l[i].size;
	return L->n > 0 ? hgt + STAMP_DESCENT * L->l[L->n - 1].size : 0;
}

/* Geometry of a w x h stamp: padding, QR square, text column, top of the text. */
static void layout_frame(const struct stamp_text *t, double w, double h, double img_aspect, struct stamp_layout *L)
{
	double m = w < h ? w : h;

	memset(L, 0, sizeof(*L));
	L->pad = m * 0.06 < 2 ? 2 : m * 0.06 > 6 ? 6
						 : m * 0.06;
	/* The QR code is a square as high as the box, but never more than 40% of its width. */
	L->qr = t->url != NULL ? h - 2 * L->pad : 0;
	if (L->qr > 0.4 * w)
		L->qr = 0.4 * w;
	if (L->qr < 0)
		L->qr = 0;
	L->tx = L->pad + (L->qr > 0 ? L->qr + L->pad : 0);
	L->tw = w - L->tx - L->pad;
	L->top = h - L->pad;
	if (img_aspect > 0 && L->tw > 0) {
		double ih = h * 0.32, iw = ih * img_aspect;
		if (iw > L->tw)
			ih = L->tw / img_aspect;
		L->top -= ih + L->pad * 0.5;
	}
}

/* Lays the text out at font size fs; 1 when all of it fits inside the box. */
static int layout_at(const struct stamp_text *t, double fs, struct stamp_layout *L)
{
	L->n = 0;
	if (L->tw < 10)
		return 0;
	if (!add_block(L, stamp_header, fs * 0.85, 0, 2, 0) || !add_block(L, t->name, fs, 1, 4, 0) ||
	    !add_block(L, t->title, fs * 0.85, 0, 3, 0) || !add_block(L, t->when, fs * 0.85, 0, 2, 0) ||
	    !add_block(L, t->statement, fs * 0.8, 0, 20, fs * 0.3))
		return 0;
	return layout_height(L) <= L->top - L->pad + 0.01;
}

/* The largest size in [t->min_fs or STAMP_MIN_FS, STAMP_MAX_FS] (quarter points) at which w x h holds the text; 0 if none. */
static double layout_fit(const struct stamp_text *t, double w, double h, double img_aspect, struct stamp_layout *L)
{
	double fs, start = h / 6.0, min = t->min_fs > 0 ? t->min_fs : STAMP_MIN_FS;

	if (start > STAMP_MAX_FS)
		start = STAMP_MAX_FS;
	start = (double)(long)(start * 4) / 4.0;
	/* NOLINTNEXTLINE(cert-flp30-c): quarter-point steps from a multiple of 0.25 are exact in binary floating point */
	for (fs = start; fs >= min - 0.001; fs -= 0.25) {
		layout_frame(t, w, h, img_aspect, L);
		if (layout_at(t, fs, L))
			return fs;
	}
	return 0;
}

enum tk_err stamp_check(const struct stamp_text *t, double w, double h, double img_aspect)
{
	struct stamp_layout *L = malloc(sizeof(*L));
	double v;
	int ok;

	if (L == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	ok = w > 0 && h > 0 && w <= 14400 && h <= 14400 && layout_fit(t, w, h, img_aspect, L) > 0;
	if (!ok) {
		/* Say what would do: the height this width needs, else the width this height needs. */
		/* NOLINTNEXTLINE(cert-flp30-c): whole numbers below 2^53 step by 2 exactly */
		for (v = h < 20 ? 20 : (double)(long)h + 1; !ok && v <= 2000; v += 2)
			if (layout_fit(t, w, v, img_aspect, L) > 0) {
				free(L);
				return tk_fail_code(TK_ERR_INVALID, "stamp_too_small",
				    "stamp: %.0f x %.0f points is too small for the signer, the time and the BSrE statement at a legible size;"
				    " at this width it needs at least %.0f points of height (e.g. %.0f x %.0f)",
				    w, h, v, w, v);
			}
		/* NOLINTNEXTLINE(cert-flp30-c): whole numbers below 2^53 step by 2 exactly */
		for (v = w < 40 ? 40 : (double)(long)w + 1; !ok && v <= 2000; v += 2)
			if (layout_fit(t, v, h, img_aspect, L) > 0) {
				free(L);
				return tk_fail_code(TK_ERR_INVALID, "stamp_too_small",
				    "stamp: %.0f x %.0f points is too small for the signer, the time and the BSrE statement at a legible size;"
				    " at this height it needs at least %.0f points of width (e.g. %.0f x %.0f)",
				    w, h, v, v, h);
			}
		free(L);
		return tk_fail_code(TK_ERR_INVALID, "stamp_too_small",
		    "stamp: %.0f x %.0f points is too small for the signer, the time and the BSrE statement at a legible size; try 240 x 90", w, h);
	}
	free(L);
	return TK_OK;
}

enum tk_err stamp_draw(const struct stamp_text *t, double w, double h, double img_aspect, struct buf *b)
{
	struct stamp_layout *L;
	double fs, y = 0;
	size_t i;
	enum tk_err rc;

	if ((rc = stamp_check(t, w, h, img_aspect)) != TK_OK)
		return rc;
	if ((L = malloc(sizeof(*L))) == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	fs = layout_fit(t, w, h, img_aspect, L);
	/* Frame and background. */
	rc = buf_printf(b, "q 1 g 0 0 %.3f %.3f re f 0.2 0.3 0.6 RG 0.8 w 0.4 0.4 %.3f %.3f re S Q\n", w, h, w - 0.8, h - 0.8);
	if (rc == TK_OK && t->url != NULL && L->qr > 0)
		rc = draw_qr(b, t->url, L->pad, (h - L->qr) / 2, L->qr);
	if (rc == TK_OK && img_aspect > 0) {
		/* The signature image on top of the text column, aspect kept. */
		double ih = h * 0.32, iw = ih * img_aspect;
		if (iw > L->tw) {
			iw = L->tw;
			ih = iw / img_aspect;
		}
		rc = buf_printf(b, "q %.3f 0 0 %.3f %.3f %.3f cm /Im1 Do Q\n", iw, ih, L->tx, h - L->pad - ih);
	}
	if (rc == TK_OK)
		rc = buf_puts(b, "BT 0.1 0.1 0.1 rg ");
	for (i = 0; rc == TK_OK && i < L->n; i++) {
		const struct stamp_line *ln = &L->l[i];
		double ny = i == 0 ? L->top - STAMP_ASCENT * ln->size : y - ln->gap - 1.18 * ln->size;
		/* Td moves relative to the previous line's start: the first from the origin. */
		rc = buf_printf(b, "/%s %.2f Tf %.3f %.3f Td ", ln->bold ? "F2" : "F1", ln->size, i == 0 ? L->tx : 0.0, i == 0 ? ny : ny - y);
		if (rc == TK_OK)
			rc = put_string(b, ln->p, ln->n);
		if (rc == TK_OK)
			rc = buf_puts(b, " Tj ");
		y = ny;
	}
	(void)fs;
	free(L);
	return rc == TK_OK ? buf_puts(b, "ET\n") : rc;
}

enum tk_err stamp_footer(const char *statement, double vw, double vh, const double cm[6], struct buf *b)
{
	const char *lines[8];
	size_t lens[8], n, i;
	double fs = 6.0, margin = 18, y;
	enum tk_err rc;

	(void)vh;
	n = wrap(statement, fs, vw - 2 * margin, 0, lines, lens, 8);
	y = 8 + fs * 1.2 * (double)(n - 1);
	/* Wrapped in q/Q so the page's own graphics state is untouched. */
	rc = buf_printf(b, "\nq %.4f %.4f %.4f %.4f %.4f %.4f cm BT 0.25 0.25 0.25 rg /TkF1 %.1f Tf %.3f %.3f Td ", cm[0], cm[1], cm[2],
	    cm[3], cm[4], cm[5], fs, margin, y);
	for (i = 0; rc == TK_OK && i < n; i++) {
		if (i > 0)
			rc = buf_printf(b, "0 %.3f Td ", -fs * 1.2);
		if (rc == TK_OK)
			rc = put_string(b, lines[i], lens[i]);
		if (rc == TK_OK)
			rc = buf_puts(b, " Tj ");
	}
	return rc == TK_OK ? buf_puts(b, "ET Q\n") : rc;
}

enum tk_err stamp_footer_form(const char *statement, double vw, struct buf *b, double *band)
{
	const char *lines[8];
	size_t lens[8], n, i;
	double fs = 6.0, margin = 18, y;
	enum tk_err rc;

	n = wrap(statement, fs, vw - 2 * margin, 0, lines, lens, 8);
	*band = 8 + fs * 1.2 * (double)n + 2;
	y = 8 + fs * 1.2 * (double)(n - 1);
	rc = buf_printf(b, "BT 0.25 0.25 0.25 rg /F1 %.1f Tf %.3f %.3f Td ", fs, margin, y);
	for (i = 0; rc == TK_OK && i < n; i++) {
		if (i > 0)
			rc = buf_printf(b, "0 %.3f Td ", -fs * 1.2);
		if (rc == TK_OK)
			rc = put_string(b, lines[i], lens[i]);
		if (rc == TK_OK)
			rc = buf_puts(b, " Tj ");
	}
	return rc == TK_OK ? buf_puts(b, "ET\n") : rc;
}

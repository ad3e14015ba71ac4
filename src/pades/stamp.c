/*
 * Stamps and footers drawn with the standard 14 fonts (Helvetica, WinAnsi):
 * no embedded or raster fonts, text stays searchable. The QR code is drawn
 * as filled rectangles (libqrencode gives the modules).
 */
#include "pades/pades_int.h"

#include <qrencode.h>
#include <string.h>

/* Helvetica advance widths (1/1000 em) for ASCII 32..126, from the Adobe AFM. */
static const short helv[95] = {
	278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556, 556,
	556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
	667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556,
	556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
};
/* Helvetica-Bold, same range. */
static const short helvb[95] = {
	278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556, 556,
	556, 556, 333, 333, 584, 584, 584, 611, 975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778,
	667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, 333, 556, 611, 556, 611, 556, 333, 611,
	611, 278, 278, 556, 278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
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

enum tk_err stamp_draw(const struct stamp_text *t, double w, double h, double img_aspect, struct buf *b)
{
	const char *lines[24];
	size_t lens[24], n, i;
	double pad = h * 0.06, qr = t->url ? h - 2 * pad : 0, tx = pad + (qr > 0 ? qr + pad : 0), tw = w - tx - pad;
	double fs, y, top = h - pad;
	enum tk_err rc;

	if (w < 40 || h < 20)
		return tk_fail_code(TK_ERR_INVALID, "stamp_too_small", "stamp: the rectangle must be at least 40 x 20 points");
	/* Frame and background. */
	if ((rc = buf_printf(b, "q 1 g 0 0 %.3f %.3f re f 0.2 0.3 0.6 RG 0.8 w 0.4 0.4 %.3f %.3f re S Q\n", w, h, w - 0.8, h - 0.8)) != TK_OK)
		return rc;
	if (t->url != NULL && (rc = draw_qr(b, t->url, pad, pad, qr)) != TK_OK)
		return rc;
	if (tw < 20)
		return TK_OK;
	if (img_aspect > 0) {
		/* The signature image on top of the text column, aspect kept. */
		double ih = h * 0.32, iw = ih * img_aspect;
		if (iw > tw) {
			iw = tw;
			ih = iw / img_aspect;
		}
		if ((rc = buf_printf(b, "q %.3f 0 0 %.3f %.3f %.3f cm /Im1 Do Q\n", iw, ih, tx, h - pad - ih)) != TK_OK)
			return rc;
		top = h - pad - ih - pad * 0.5;
	}
	/* Shrink the type until the text block fits. */
	for (fs = h / 9.0; fs > 3.0; fs -= 0.25) {
		double stmt = fs * 0.8;
		size_t nst = wrap(t->statement, stmt, tw, 0, lines, lens, 24);
		double need = fs * 1.2 * 4 + stmt * 1.15 * (double)nst;
		if (need <= top && text_width(t->name, 1) * fs * 1.05 <= tw)
			break;
	}
	if (fs < 3.0)
		fs = 3.0;
	y = top - fs;
	rc = buf_printf(b, "BT 0.1 0.1 0.1 rg /F1 %.2f Tf %.3f %.3f Td ", fs * 0.85, tx, y);
	if (rc == TK_OK)
		rc = put_string(b, "Ditandatangani secara elektronik oleh:", strlen("Ditandatangani secara elektronik oleh:"));
	if (rc == TK_OK)
		rc = buf_printf(b, " Tj /F2 %.2f Tf 0 %.3f Td ", fs, -fs * 1.2);
	if (rc == TK_OK)
		rc = put_string(b, t->name, strlen(t->name));
	if (rc == TK_OK)
		rc = buf_printf(b, " Tj /F1 %.2f Tf 0 %.3f Td ", fs * 0.85, -fs * 1.15);
	if (rc == TK_OK && t->title != NULL) {
		n = wrap(t->title, fs * 0.85, tw, 0, lines, lens, 1);
		if (n == 1)
			rc = put_string(b, lines[0], lens[0]);
		else
			rc = put_string(b, "", 0);
		if (rc == TK_OK)
			rc = buf_printf(b, " Tj 0 %.3f Td ", -fs * 1.15);
	}
	if (rc == TK_OK)
		rc = put_string(b, t->when, strlen(t->when));
	if (rc == TK_OK)
		rc = buf_printf(b, " Tj /F1 %.2f Tf ", fs * 0.8);
	n = wrap(t->statement, fs * 0.8, tw, 0, lines, lens, 24);
	for (i = 0; rc == TK_OK && i < n; i++) {
		rc = buf_printf(b, "0 %.3f Td ", -(i == 0 ? fs * 1.3 : fs * 0.8 * 1.15));
		if (rc == TK_OK)
			rc = put_string(b, lines[i], lens[i]);
		if (rc == TK_OK)
			rc = buf_puts(b, " Tj ");
	}
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

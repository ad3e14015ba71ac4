/* Private to src/pades: content-stream drawing for stamps and footers. */
#ifndef TEKEN_PADES_INT_H
#define TEKEN_PADES_INT_H

#include "core/core.h"

struct stamp_text {
	const char *name;      /* signer */
	const char *title;     /* position / unit */
	const char *when;      /* signing time shown to people (WIB) */
	const char *statement; /* R8 */
	const char *url;       /* QR target; NULL: no QR */
};

/* A decoded signature image: 8-bit samples (or JPEG bytes) and an optional alpha channel. */
struct stamp_image {
	uint32_t width, height;
	unsigned components; /* 1 gray, 3 RGB */
	int dct;             /* data is a JPEG file (DCTDecode) */
	struct buf data;
	struct buf alpha;    /* width*height bytes, empty when opaque */
};
/* Decodes a PNG or JPEG signature image; free with image_free(). */
enum tk_err image_decode(const uint8_t *p, size_t len, struct stamp_image *im) WARN_UNUSED;
void image_free(struct stamp_image *im);

/*
 * The content of a stamp form of w x h points (fonts /F1 Helvetica, /F2
 * Helvetica-Bold). img_aspect > 0 (width/height) draws image /Im1 above the text.
 */
enum tk_err stamp_draw(const struct stamp_text *t, double w, double h, double img_aspect, struct buf *out) WARN_UNUSED;
/*
 * A footer with the statement at the bottom of a page displayed as vw x vh
 * points; cm maps displayed coordinates to user space. Font /TkF1.
 */
enum tk_err stamp_footer(const char *statement, double vw, double vh, const double cm[6], struct buf *out) WARN_UNUSED;
/* Advance width of one WinAnsi byte in Helvetica at size 1. */
double glyph_width(unsigned char c);
/* The statement as the content of a form vw wide (font /F1); *band gets its height. */
enum tk_err stamp_footer_form(const char *statement, double vw, struct buf *out, double *band) WARN_UNUSED;
/* Width of UTF-8 text in Helvetica at size 1 (after WinAnsi mapping). */
double text_width(const char *s, int bold);

struct pdf_doc;
struct pdf_page;
/*
 * Finds the first occurrence of text (single-byte, simple-font text) in the
 * page's content and sets *x, *y to the user-space origin of its first
 * glyph. TK_ERR_NOT_FOUND with code "anchor_not_found" otherwise.
 */
enum tk_err anchor_find(struct pdf_doc *doc, const struct pdf_page *pg, const char *text, double *x, double *y) WARN_UNUSED;

#endif

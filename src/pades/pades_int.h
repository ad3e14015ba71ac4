/* Private to src/pades: content-stream drawing for stamps and footers. */
#ifndef TEKEN_PADES_INT_H
#define TEKEN_PADES_INT_H

#include "core/core.h"
#include "pades/pades.h"

struct stamp_text {
	const char *name;      /* signer */
	const char *title;     /* position / unit */
	const char *when;      /* signing time shown to people (WIB) */
	const char *statement; /* R8 */
	const char *url;       /* QR target; NULL: no QR */
	/* Smallest type size (points) the layout may use; 0: the legible minimum (5,
	 * the statement at 4). A document's own signature field, whose box the caller
	 * cannot choose, may go lower rather than refuse the document. */
	double min_fs;
};

/* A decoded signature image: 8-bit samples (or JPEG bytes) and an optional alpha channel. */
struct stamp_image {
	uint32_t width, height;
	unsigned components; /* 1 gray, 3 RGB */
	int dct;             /* data is a JPEG file (DCTDecode) */
	struct buf data;
	struct buf alpha; /* width*height bytes, empty when opaque */
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
 * Whether a w x h stamp holds all of t (wrapped, shrunk to a legible
 * minimum); stamp_too_small with the size that would otherwise.
 */
enum tk_err stamp_check(const struct stamp_text *t, double w, double h, double img_aspect) WARN_UNUSED;
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

/* Displayed size of a page and the matrix from displayed to user space (/Rotate). */
void pades_page_view(const struct pdf_page *pg, double *vw, double *vh, double cm[6]);

struct pdf_obj;
/* A signature field of the document with the objects behind it (fields.c). */
struct sigfield {
	struct pades_field pub;
	uint32_t field_num, widget_num; /* the terminal field, and its widget (the same object when merged) */
	uint16_t field_gen, widget_gen;
	const struct pdf_obj *field, *widget;
	int in_annots; /* the widget is listed in its page's /Annots */
};
/* Every signature field with a widget held as an indirect object, in field-tree order. */
enum tk_err sigfields_find(struct pdf_doc *doc, struct sigfield *out, size_t max, size_t *n) WARN_UNUSED;
/* Empty, on a page, with a rectangle a stamp can be drawn in. */
int sigfield_usable(const struct sigfield *f);

#endif

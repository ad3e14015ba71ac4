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

/* The content of a stamp form of w x h points (fonts /F1 Helvetica, /F2 Helvetica-Bold; image /Im1 when has_image). */
enum tk_err stamp_draw(const struct stamp_text *t, double w, double h, int has_image, struct buf *out) WARN_UNUSED;
/*
 * A footer with the statement at the bottom of a page displayed as vw x vh
 * points; cm maps displayed coordinates to user space. Font /TkF1.
 */
enum tk_err stamp_footer(const char *statement, double vw, double vh, const double cm[6], struct buf *out) WARN_UNUSED;
/* Width of UTF-8 text in Helvetica at size 1 (after WinAnsi mapping). */
double text_width(const char *s, int bold);

#endif

/*
 * pdfgen: a small layer over libharu (libhpdf) for the documents teken
 * writes itself: validation reports, the annual usage report, the
 * implementation-review report, letters. A4 portrait, one column, a cursor
 * that flows down the page and starts a new page when the next line does
 * not fit; headings, wrapped paragraphs, tinted notices, tables (key-value
 * or with a header row) whose rows wrap inside their cells, and a footer
 * on every page with the document's footer text and "page i / n".
 *
 * Text is UTF-8. When DejaVu Sans (Debian fonts-dejavu-core) is installed
 * it is embedded (subset, Identity-H, with a ToUnicode map, so pdftotext
 * extracts every character); otherwise the built-in Helvetica is used and
 * characters outside Latin-1 become '?'. Input is never trusted: invalid
 * UTF-8 becomes U+FFFD, control characters become spaces, and a word wider
 * than the column is broken between characters.
 *
 * Usage:
 *   struct pdfgen *g = NULL;
 *   struct pdfgen_opts o = {.title = "...", .footer = "..."};
 *   if (pdfgen_new(&o, &g) == TK_OK && pdfgen_heading(g, 1, "Title") == TK_OK && ...)
 *           rc = pdfgen_finish(g, &out);      // out: a struct buf the caller owns
 *   pdfgen_free(g);
 *
 * libharu errors become TK_ERR_INTERNAL (TK_ERR_NOMEM for its allocation
 * failures) with the libharu error number in the message. Not thread-safe
 * per document; separate documents may be built on separate threads.
 */
#ifndef TEKEN_PDFGEN_H
#define TEKEN_PDFGEN_H

#include "core/core.h"

#define PDFGEN_MAX_TEXT (256u * 1024u)         /* bytes of one paragraph or cell */
#define PDFGEN_MAX_PAGES 2000u                 /* pages of one document */
#define PDFGEN_MAX_COLS 8u                     /* columns of a table */
#define PDFGEN_MAX_BYTES (64u * 1024u * 1024u) /* the finished file */
#define PDFGEN_FONT "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
#define PDFGEN_FONT_BOLD "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"

struct pdfgen;

struct pdfgen_opts {
	const char *title;   /* document information /Title (may be NULL) */
	const char *author;  /* /Author (may be NULL) */
	const char *subject; /* /Subject (may be NULL) */
	const char *footer;  /* left of every page's footer (may be NULL) */
	int no_embed;        /* 1: built-in Helvetica even when DejaVu is installed (smaller file, Latin-1 only) */
};

/* Tints of notices and table cells. */
enum pdfgen_tone { PDFGEN_PLAIN = 0,
	PDFGEN_OK,
	PDFGEN_WARN,
	PDFGEN_BAD,
	PDFGEN_INFO };

/* A new document with its first page. Caller frees with pdfgen_free(). */
enum tk_err pdfgen_new(const struct pdfgen_opts *o, struct pdfgen **out) WARN_UNUSED;
/* Accepts NULL. */
void pdfgen_free(struct pdfgen *g);

/* A heading, level 1 (document title), 2 (section) or 3 (subsection); kept with the next lines. */
enum tk_err pdfgen_heading(struct pdfgen *g, int level, const char *text) WARN_UNUSED;
/* A wrapped paragraph; bold 1 for bold type, small 1 for the small size. */
enum tk_err pdfgen_paragraph(struct pdfgen *g, const char *text, int bold, int small) WARN_UNUSED;
/* A tinted box with a bold first line (title, may be NULL) and wrapped text (may be NULL). */
enum tk_err pdfgen_notice(struct pdfgen *g, enum pdfgen_tone tone, const char *title, const char *text) WARN_UNUSED;
/* Vertical space in points (at most a page; none at the top of a page). */
enum tk_err pdfgen_space(struct pdfgen *g, double pt) WARN_UNUSED;
/* Starts a new page unless the cursor is at the top of one. */
enum tk_err pdfgen_page_break(struct pdfgen *g) WARN_UNUSED;

/*
 * Tables: pdfgen_table_begin() with the column widths as fractions of the
 * text width (they are scaled to sum to 1) and a header row (NULL for a
 * key-value table, whose first column is then set in bold), then rows,
 * then pdfgen_table_end(). A row that does not fit starts a new page and
 * the header is repeated; a row taller than a page continues on the next.
 * Cells may be NULL (empty).
 */
enum tk_err pdfgen_table_begin(struct pdfgen *g, size_t ncols, const double *widths, const char *const *header) WARN_UNUSED;
enum tk_err pdfgen_table_row(struct pdfgen *g, const char *const *cells, enum pdfgen_tone tone) WARN_UNUSED;
enum tk_err pdfgen_table_end(struct pdfgen *g) WARN_UNUSED;
/* One key-value pair: a two-column table row of its own (begin/end implied when no table is open). */
enum tk_err pdfgen_kv(struct pdfgen *g, const char *key, const char *value) WARN_UNUSED;

/*
 * Charts drawn as vector graphics (no images), the full text width: a
 * title, a y axis from 0 with round steps (1, 2 or 5 x 10^k) and light
 * grid lines, the categories along the x axis (labels cut with "..." when
 * wider than their slot), and a legend under it. Grouped bars put the
 * series side by side in each category, stacked bars on top of each
 * other, lines join each series' points. Values below zero, NaN and
 * infinities are drawn as 0, except NaN in a line: no point, the line
 * breaks there (a period not begun). The chart is kept whole: a new page starts
 * when it does not fit.
 */
#define PDFGEN_CHART_MAX_SERIES 8u
#define PDFGEN_CHART_MAX_CATS 64u

enum pdfgen_chart_kind { PDFGEN_CHART_GROUPED = 0,
	PDFGEN_CHART_STACKED,
	PDFGEN_CHART_LINES };

struct pdfgen_series {
	const char *name;     /* in the legend */
	const double *values; /* ncats values */
};

struct pdfgen_chart {
	const char *title;       /* above the chart (may be NULL) */
	const char *y_label;     /* what the y axis counts, small, above it (may be NULL) */
	size_t ncats;            /* 1..PDFGEN_CHART_MAX_CATS */
	const char *const *cats; /* their labels (entries may be NULL) */
	size_t nseries;          /* 1..PDFGEN_CHART_MAX_SERIES */
	const struct pdfgen_series *series;
	enum pdfgen_chart_kind kind;
	double height;         /* of the plot area in points; 0: 150; kept within 60..400 */
	int integer;           /* 1: whole-number ticks (counts) */
	int value_labels;      /* 1: the value above each bar (of a stack: its total) where it fits */
	const char *thousands; /* digit group separator of the labels (NULL: none), e.g. "." */
};

enum tk_err pdfgen_chart(struct pdfgen *g, const struct pdfgen_chart *c) WARN_UNUSED;
/*
 * A round axis for values from 0 to max with about ticks steps: *step is
 * 1, 2 or 5 x 10^k (at least 1 when integer), *top the first multiple of
 * it at or above max (at least one step).
 */
void pdfgen_nice_axis(double max, unsigned ticks, int integer, double *step, double *top);

/* Pages so far. */
size_t pdfgen_pages(const struct pdfgen *g);

/*
 * Draws the footers ("<footer>   Halaman i / n - Page i of n") and appends
 * the finished PDF to out. The document cannot be extended afterwards.
 */
enum tk_err pdfgen_finish(struct pdfgen *g, struct buf *out) WARN_UNUSED;

#endif

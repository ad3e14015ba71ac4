/*
 * Private to src/verify: the content of the printable report, walked once
 * and drawn by two back ends (verify_html.c, verify_pdfrep.c) through a
 * small sink, so the HTML and the PDF say the same things in the same order.
 */
#ifndef TEKEN_VERIFY_DOC_H
#define TEKEN_VERIFY_DOC_H

#include "verify/verify.h"

/* Tints, the same numbers as enum pdfgen_tone. */
enum vdoc_tone { VDOC_PLAIN = 0,
	VDOC_OK,
	VDOC_WARN,
	VDOC_BAD,
	VDOC_INFO };
#define VDOC_LABEL 1 /* paragraph styles: a bold label above a table */
#define VDOC_SMALL 2 /* small print */

struct vdoc_sink {
	void *arg;
	int pdf; /* 1: the PDF back end (the report speaks of its own signature) */
	enum tk_err (*heading)(void *arg, int level, const char *text);
	enum tk_err (*notice)(void *arg, enum vdoc_tone tone, const char *title, const char *text);
	enum tk_err (*para)(void *arg, const char *text, int style); /* 0 body, VDOC_LABEL, VDOC_SMALL */
	/* head NULL: a key-value table (first column in bold) */
	enum tk_err (*table_begin)(void *arg, size_t ncols, const double *widths, const char *const *head);
	enum tk_err (*row)(void *arg, const char *const *cells, enum vdoc_tone tone);
	enum tk_err (*table_end)(void *arg);
};

/* Walks the report r into the sink; strings handed over are raw (the sink escapes). */
enum tk_err vdoc_walk(const struct verify_report *r, const struct verify_doc_info *info, const struct vdoc_sink *s) WARN_UNUSED;

/* Texts shared with verify_report_text() (verify_report.c). */
void verify_summary(const struct verify_report *r, const char **id, const char **en);
const char *verify_ind_text(enum verify_ind i); /* "SAH / VALID", ... */
const char *verify_sub_text(enum verify_sub s); /* "Isi dokumen berubah ... / The signed content was changed"; "" for none */
const char *verify_mod_text(unsigned bit);      /* one VERIFY_MOD_* bit, Indonesian / English */

#endif

/* The printable report as an A4 PDF (verify.h) on src/pdfgen; the service seals it. */
#include "verify/verify_doc.h"
#include "pdfgen/pdfgen.h"

#include <stdio.h>

static enum tk_err p_heading(void *arg, int level, const char *s)
{
	return pdfgen_heading(arg, level, s);
}

static enum tk_err p_notice(void *arg, enum vdoc_tone tone, const char *title, const char *s)
{
	return pdfgen_notice(arg, (enum pdfgen_tone)tone, title, s);
}

static enum tk_err p_para(void *arg, const char *s, int style)
{
	return pdfgen_paragraph(arg, s, style == VDOC_LABEL, style == VDOC_SMALL);
}

static enum tk_err p_table_begin(void *arg, size_t ncols, const double *widths, const char *const *head)
{
	return pdfgen_table_begin(arg, ncols, widths, head);
}

static enum tk_err p_row(void *arg, const char *const *cells, enum vdoc_tone tone)
{
	return pdfgen_table_row(arg, cells, (enum pdfgen_tone)tone);
}

static enum tk_err p_table_end(void *arg)
{
	return pdfgen_table_end(arg);
}

enum tk_err verify_report_pdf(const struct verify_report *r, const struct verify_doc_info *info, struct buf *out)
{
	struct pdfgen *g = NULL;
	struct pdfgen_opts o = { 0 };
	char footer[200], title[160];
	enum tk_err rc;

	snprintf(title, sizeof(title), "Laporan verifikasi / Validation report %.64s", r->sha256);
	snprintf(footer, sizeof(footer), "Laporan verifikasi / Validation report - SHA-256 %.16s...%s", r->sha256,
	    info->sealed ? "" : " - TIDAK DITANDATANGANI / NOT SIGNED");
	o.title = title;
	o.author = info->verifier ? info->verifier : "teken verify";
	o.subject = "ETSI EN 319 102-1 validation report";
	o.footer = footer;
	if ((rc = pdfgen_new(&o, &g)) == TK_OK) {
		struct vdoc_sink s = { g, 1, p_heading, p_notice, p_para, p_table_begin, p_row, p_table_end };
		if ((rc = vdoc_walk(r, info, &s)) == TK_OK)
			rc = pdfgen_finish(g, out);
	}
	pdfgen_free(g);
	return rc;
}

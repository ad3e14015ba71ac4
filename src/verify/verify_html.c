/*
 * The printable report as one self-contained HTML file (verify.h): inline
 * CSS, no script, no outside resource, and a CSP that forbids both, so a
 * signer name that slipped through escaping still could not run. Every
 * string of the verified document (signer names, reasons, field names,
 * messages quoting it) is attacker-controlled and goes through
 * verify_html_escape().
 */
#include "verify/verify_doc.h"

#include <string.h>

enum tk_err verify_html_escape(struct buf *out, const char *s)
{
	size_t i, run = 0;
	enum tk_err rc = TK_OK;

	if (s == NULL)
		return TK_OK;
	for (i = 0; s[i] != '\0' && rc == TK_OK; i++) {
		const char *rep;
		switch (s[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: rep = NULL; break;
		}
		if (rep == NULL) {
			run++;
			continue;
		}
		if (run > 0)
			rc = buf_append(out, s + i - run, run);
		if (rc == TK_OK)
			rc = buf_puts(out, rep);
		run = 0;
	}
	if (rc == TK_OK && run > 0)
		rc = buf_append(out, s + i - run, run);
	return rc;
}

/* Escaped text with line breaks as <br> and other control characters as spaces. */
static enum tk_err text(struct buf *out, const char *s)
{
	char chunk[512];
	size_t n = 0;
	enum tk_err rc = TK_OK;

	if (s == NULL)
		return TK_OK;
	for (; *s != '\0' && rc == TK_OK; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '\n' || n == sizeof(chunk) - 1) {
			chunk[n] = '\0';
			rc = verify_html_escape(out, chunk);
			n = 0;
			if (rc == TK_OK && c == '\n') {
				rc = buf_puts(out, "<br>");
				continue;
			}
		}
		chunk[n++] = (char)(c < 0x20 || c == 0x7F ? ' ' : c);
	}
	if (rc == TK_OK && n > 0) {
		chunk[n] = '\0';
		rc = verify_html_escape(out, chunk);
	}
	return rc;
}

static const char *tone_class(enum vdoc_tone t)
{
	switch (t) {
	case VDOC_OK: return "ok";
	case VDOC_WARN: return "warn";
	case VDOC_BAD: return "bad";
	case VDOC_INFO: return "info";
	default: return "plain";
	}
}

struct hs {
	struct buf *out;
	int kv;
	size_t ncols;
};

static enum tk_err h_heading(void *arg, int level, const char *s)
{
	struct hs *h = arg;
	enum tk_err rc;
	int l = level < 1 ? 1 : level > 3 ? 3
					  : level;

	if ((rc = buf_printf(h->out, "<h%d>", l)) != TK_OK || (rc = text(h->out, s)) != TK_OK)
		return rc;
	return buf_printf(h->out, "</h%d>\n", l);
}

static enum tk_err h_notice(void *arg, enum vdoc_tone tone, const char *title, const char *s)
{
	struct hs *h = arg;
	enum tk_err rc;

	if ((rc = buf_printf(h->out, "<div class=\"notice %s\">", tone_class(tone))) != TK_OK)
		return rc;
	if (title != NULL && ((rc = buf_puts(h->out, "<p class=\"title\">")) != TK_OK || (rc = text(h->out, title)) != TK_OK ||
				 (rc = buf_puts(h->out, "</p>")) != TK_OK))
		return rc;
	if (s != NULL && ((rc = buf_puts(h->out, "<p>")) != TK_OK || (rc = text(h->out, s)) != TK_OK || (rc = buf_puts(h->out, "</p>")) != TK_OK))
		return rc;
	return buf_puts(h->out, "</div>\n");
}

static enum tk_err h_para(void *arg, const char *s, int style)
{
	struct hs *h = arg;
	enum tk_err rc;

	if ((rc = buf_puts(h->out, style == VDOC_SMALL ? "<p class=\"small\">" : style == VDOC_LABEL ? "<p class=\"label\">"
												     : "<p>")) != TK_OK ||
	    (rc = text(h->out, s)) != TK_OK)
		return rc;
	return buf_puts(h->out, "</p>\n");
}

static enum tk_err h_table_begin(void *arg, size_t ncols, const double *widths, const char *const *head)
{
	struct hs *h = arg;
	size_t i;
	enum tk_err rc;

	h->kv = head == NULL;
	h->ncols = ncols;
	if ((rc = buf_puts(h->out, h->kv ? "<table class=\"kv\">\n<colgroup>" : "<table>\n<colgroup>")) != TK_OK)
		return rc;
	for (i = 0; i < ncols; i++)
		if ((rc = buf_printf(h->out, "<col style=\"width:%.0f%%\">", widths[i] * 100)) != TK_OK)
			return rc;
	if ((rc = buf_puts(h->out, "</colgroup>\n")) != TK_OK)
		return rc;
	if (head == NULL)
		return buf_puts(h->out, "<tbody>\n");
	if ((rc = buf_puts(h->out, "<thead><tr>")) != TK_OK)
		return rc;
	for (i = 0; i < ncols; i++)
		if ((rc = buf_puts(h->out, "<th scope=\"col\">")) != TK_OK || (rc = text(h->out, head[i])) != TK_OK ||
		    (rc = buf_puts(h->out, "</th>")) != TK_OK)
			return rc;
	return buf_puts(h->out, "</tr></thead>\n<tbody>\n");
}

static enum tk_err h_row(void *arg, const char *const *cells, enum vdoc_tone tone)
{
	struct hs *h = arg;
	size_t i;
	enum tk_err rc;

	if ((rc = buf_printf(h->out, "<tr class=\"%s\">", tone_class(tone))) != TK_OK)
		return rc;
	for (i = 0; i < h->ncols; i++) {
		const char *open = h->kv && i == 0 ? "<th scope=\"row\">" : "<td>", *close = h->kv && i == 0 ? "</th>" : "</td>";
		if ((rc = buf_puts(h->out, open)) != TK_OK || (rc = text(h->out, cells[i])) != TK_OK || (rc = buf_puts(h->out, close)) != TK_OK)
			return rc;
	}
	return buf_puts(h->out, "</tr>\n");
}

static enum tk_err h_table_end(void *arg)
{
	struct hs *h = arg;
	return buf_puts(h->out, "</tbody>\n</table>\n");
}

static const char css[] =
    "body{font-family:'DejaVu Sans',Arial,Helvetica,sans-serif;font-size:14px;line-height:1.45;color:#1a1a1f;max-width:60rem;"
    "margin:1.5rem auto;padding:0 1rem}"
    "h1{font-size:1.6rem;margin:0 0 .2rem;border-bottom:2px solid #555}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #999}"
    "h3{font-size:1.05rem;margin-top:1.5rem}"
    "table{border-collapse:collapse;width:100%;margin:.4rem 0 1rem;table-layout:fixed}"
    "th,td{border:1px solid #c4c4ca;padding:.3rem .45rem;vertical-align:top;text-align:left;overflow-wrap:anywhere;word-break:break-word}"
    "thead th{background:#e6e8ec}table.kv th{background:#f5f5f7;font-weight:600}"
    "tr.ok td{background:#e1f5e3}tr.warn td{background:#fff3cc}tr.bad td{background:#fde1e1}"
    ".notice{border-left:6px solid #999;background:#f4f4f6;padding:.5rem .8rem;margin:.8rem 0}"
    ".notice p{margin:.2rem 0;overflow-wrap:anywhere}.notice .title{font-weight:700;font-size:1.1rem}"
    ".notice.ok{border-color:#2e8c40;background:#e1f5e3}.notice.warn{border-color:#c78c00;background:#fff3cc}"
    ".notice.bad{border-color:#b81f1f;background:#fde1e1}.notice.info{border-color:#4066b3;background:#e6edfa}"
    ".small{font-size:.85rem;color:#555}.label{font-weight:700;margin:.8rem 0 .2rem}"
    "@media print{body{margin:0;max-width:none}h2,h3{break-after:avoid}tr{break-inside:avoid}}";

enum tk_err verify_report_html(const struct verify_report *r, const struct verify_doc_info *info, struct buf *out)
{
	struct hs h = { out, 0, 0 };
	struct vdoc_sink s = { &h, 0, h_heading, h_notice, h_para, h_table_begin, h_row, h_table_end };
	enum tk_err rc;

	if ((rc = buf_puts(out, "<!doctype html>\n<html lang=\"id\">\n<head>\n<meta charset=\"utf-8\">\n"
				"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
				"img-src data:; base-uri 'none'; form-action 'none'\">\n"
				"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
				"<meta name=\"referrer\" content=\"no-referrer\">\n<title>Laporan verifikasi / Validation report ")) != TK_OK ||
	    (rc = text(out, r->sha256)) != TK_OK || (rc = buf_printf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n<main>\n", css)) != TK_OK)
		return rc;
	if ((rc = vdoc_walk(r, info, &s)) != TK_OK)
		return rc;
	return buf_puts(out, "</main>\n</body>\n</html>\n");
}

/*
 * The usage report as XLSX (docs/reports.md, "XLSX") with libxlsxwriter:
 * one sheet per table, named like the CSV files (totals, by_month, ...),
 * with the same columns, a bold frozen header row and, under every table
 * but totals (which is itself the totals row), a bold totals row. Each of
 * its figures is a formula written with its computed value, so a reader
 * without a calculation engine shows the number too: SUM of the column;
 * for the median the year's median from totals (a median is not a sum);
 * for certificates_active in by_month the year's figure from totals (a
 * stock at the year's end, or now in a year not over: not a sum of
 * months, and not December's 0 before December).
 *
 * libxlsxwriter writes to a file: a mkstemp() file under $TMPDIR (0600),
 * read back into out and unlinked on every path.
 */
#include "svc/report/report_int.h"
#include "svc/report/render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#define XLSX_MAX_BYTES (64u * 1024u * 1024u)

struct sheet {
	lxw_worksheet *ws;
	double width[REPORT_MAX_COLS + 1];
	size_t ncols;
};

struct xl {
	lxw_workbook *wb;
	lxw_format *head, *count, *num, *tot_label, *tot_count, *tot_num;
	lxw_error err; /* the first libxlsxwriter error */
};

static void note(struct xl *x, lxw_error e)
{
	if (e != LXW_NO_ERROR && x->err == LXW_NO_ERROR)
		x->err = e;
}

/* Characters of a UTF-8 string (the column width is in characters). */
static size_t chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

static void fit(struct sheet *sh, size_t col, double w)
{
	if (col <= REPORT_MAX_COLS && w > sh->width[col])
		sh->width[col] = w;
}

static void put_str(struct xl *x, struct sheet *sh, lxw_row_t r, lxw_col_t c, const char *s, lxw_format *f)
{
	note(x, worksheet_write_string(sh->ws, r, c, s, f));
	fit(sh, c, (double)chars(s) + 2);
}

static void put_num(struct xl *x, struct sheet *sh, lxw_row_t r, lxw_col_t c, double v, lxw_format *f)
{
	char t[40];

	note(x, worksheet_write_number(sh->ws, r, c, v, f));
	snprintf(t, sizeof(t), "%.0f", v);
	fit(sh, c, (double)strlen(t) + 3);
}

/* =SUM over rows 1..n (0-based row 0 is the header) of column c, with its value. */
static void put_sum(struct xl *x, struct sheet *sh, lxw_row_t r, lxw_col_t c, size_t n, double sum)
{
	char col[LXW_MAX_COL_NAME_LENGTH + 4], f[64];

	if (n == 0) {
		put_num(x, sh, r, c, 0, x->tot_count);
		return;
	}
	lxw_col_to_name(col, c, 0);
	snprintf(f, sizeof(f), "=SUM(%s2:%s%zu)", col, col, n + 1);
	note(x, worksheet_write_formula_num(sh->ws, r, c, f, x->tot_count, sum));
}

static enum tk_err new_sheet(struct xl *x, const char *name, struct sheet *sh)
{
	memset(sh, 0, sizeof(*sh));
	if ((sh->ws = workbook_add_worksheet(x->wb, name)) == NULL)
		return tk_fail(TK_ERR_INTERNAL, "report: xlsx: cannot add the sheet %s", name);
	worksheet_freeze_panes(sh->ws, 1, 0);
	return TK_OK;
}

static void widths(struct xl *x, struct sheet *sh)
{
	size_t c;

	for (c = 0; c < sh->ncols && c <= REPORT_MAX_COLS; c++) {
		double w = sh->width[c] < 8 ? 8 : sh->width[c] > 60 ? 60
								    : sh->width[c];
		note(x, worksheet_set_column(sh->ws, (lxw_col_t)c, (lxw_col_t)c, w, NULL));
	}
}

/*
 * A sheet of report rows: the label column (NULL: none), then every figure;
 * a totals row under them when label is not NULL.
 */
static enum tk_err rows_sheet(struct xl *x, const char *name, const json_t *rep, const json_t *rows, const char *label,
    const struct report_cols *cols)
{
	struct sheet sh;
	size_t n = label != NULL ? json_array_size(rows) : 1, i, k, off = label != NULL;
	const json_t *totals = json_object_get(rep, "totals");
	enum tk_err rc;

	if ((rc = new_sheet(x, name, &sh)) != TK_OK)
		return rc;
	sh.ncols = cols->n + off;
	if (label != NULL)
		put_str(x, &sh, 0, 0, label, x->head);
	for (k = 0; k < cols->n; k++)
		put_str(x, &sh, 0, (lxw_col_t)(k + off), cols->key[k], x->head);
	for (i = 0; i < n; i++) {
		const json_t *r = label != NULL ? json_array_get(rows, i) : rows;
		if (label != NULL) {
			const json_t *l = json_object_get(r, label);
			if (json_is_string(l))
				put_str(x, &sh, (lxw_row_t)(i + 1), 0, json_string_value(l), NULL);
			else
				put_num(x, &sh, (lxw_row_t)(i + 1), 0, (double)json_integer_value(l), NULL);
		}
		for (k = 0; k < cols->n; k++) {
			int is_null;
			double v = report_num(r, cols->key[k], &is_null);
			if (!is_null)
				put_num(x, &sh, (lxw_row_t)(i + 1), (lxw_col_t)(k + off), v, report_is_count(cols->key[k]) ? x->count : x->num);
		}
	}
	if (label != NULL) {
		lxw_row_t tr = (lxw_row_t)(n + 1);
		put_str(x, &sh, tr, 0, "Jumlah / Total", x->tot_label);
		for (k = 0; k < cols->n; k++) {
			lxw_col_t c = (lxw_col_t)(k + off);
			if (!report_is_count(cols->key[k])) {
				int is_null;
				double v = report_num(totals, cols->key[k], &is_null);
				if (!is_null)
					put_num(x, &sh, tr, c, v, x->tot_num);
			} else if (strcmp(label, "month") == 0 && strcmp(cols->key[k], "certificates_active") == 0) {
				/* A stock, not a flow: the year's figure (year end, or now in a year not over). */
				put_num(x, &sh, tr, c, report_num(totals, cols->key[k], NULL), x->tot_count);
			} else {
				double sum = 0;
				for (i = 0; i < n; i++)
					sum += report_num(json_array_get(rows, i), cols->key[k], NULL);
				put_sum(x, &sh, tr, c, n, sum);
			}
		}
	}
	widths(x, &sh);
	return TK_OK;
}

static int cmp_key(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static enum tk_err map_sheet(struct xl *x, const char *name, const json_t *m, const char *kcol)
{
	struct sheet sh;
	const char **keys = NULL;
	const char *k;
	json_t *v;
	size_t n = 0, i;
	double sum = 0;
	enum tk_err rc;

	if ((rc = new_sheet(x, name, &sh)) != TK_OK)
		return rc;
	if ((keys = calloc(json_object_size(m) + 1, sizeof(*keys))) == NULL)
		return tk_fail(TK_ERR_NOMEM, "report: out of memory");
	json_object_foreach ((json_t *)m, k, v)
		keys[n++] = k;
	qsort(keys, n, sizeof(*keys), cmp_key);
	sh.ncols = 2;
	put_str(x, &sh, 0, 0, kcol, x->head);
	put_str(x, &sh, 0, 1, "count", x->head);
	for (i = 0; i < n; i++) {
		double c = (double)json_integer_value(json_object_get(m, keys[i]));
		put_str(x, &sh, (lxw_row_t)(i + 1), 0, keys[i], NULL);
		put_num(x, &sh, (lxw_row_t)(i + 1), 1, c, x->count);
		sum += c;
	}
	put_str(x, &sh, (lxw_row_t)(n + 1), 0, "Jumlah / Total", x->tot_label);
	put_sum(x, &sh, (lxw_row_t)(n + 1), 1, n, sum);
	widths(x, &sh);
	free(keys);
	return TK_OK;
}

static enum tk_err verifikators_sheet(struct xl *x, const json_t *rep, const json_t *a)
{
	static const char *const cols[4] = { "verifikator", "approvals", "rejections", "median_decision_seconds" };
	struct sheet sh;
	size_t n = json_array_size(a), i, k;
	double sum[3] = { 0, 0, 0 };
	int is_null;
	enum tk_err rc;

	if ((rc = new_sheet(x, "verifikators", &sh)) != TK_OK)
		return rc;
	sh.ncols = 4;
	for (k = 0; k < 4; k++)
		put_str(x, &sh, 0, (lxw_col_t)k, cols[k], x->head);
	for (i = 0; i < n; i++) {
		const json_t *r = json_array_get(a, i);
		put_str(x, &sh, (lxw_row_t)(i + 1), 0, report_str(r, "verifikator"), NULL);
		for (k = 1; k < 4; k++) {
			double v = report_num(r, cols[k], &is_null);
			if (!is_null)
				put_num(x, &sh, (lxw_row_t)(i + 1), (lxw_col_t)k, v, k < 3 ? x->count : x->num);
			sum[k - 1] += v;
		}
	}
	put_str(x, &sh, (lxw_row_t)(n + 1), 0, "Jumlah / Total", x->tot_label);
	put_sum(x, &sh, (lxw_row_t)(n + 1), 1, n, sum[0]);
	put_sum(x, &sh, (lxw_row_t)(n + 1), 2, n, sum[1]);
	{
		double med = report_num(json_object_get(rep, "totals"), REPORT_MEDIAN_KEY, &is_null);
		if (!is_null)
			put_num(x, &sh, (lxw_row_t)(n + 1), 3, med, x->tot_num);
	}
	widths(x, &sh);
	return TK_OK;
}

static lxw_format *fmt(lxw_workbook *wb, int bold, const char *num)
{
	lxw_format *f = workbook_add_format(wb);

	if (f != NULL && bold)
		format_set_bold(f);
	if (f != NULL && num != NULL)
		format_set_num_format(f, num);
	return f;
}

enum tk_err report_render_xlsx(const json_t *rep, struct buf *out)
{
	struct report_cols cols;
	struct xl x;
	lxw_workbook_options wo;
	lxw_doc_properties props;
	const char *tmp = getenv("TMPDIR");
	char path[512], title[96];
	uint8_t *data = NULL;
	size_t len = 0;
	int fd = -1, made = 0;
	int64_t t = 0;
	const json_t *bd;
	lxw_error ce;
	enum tk_err rc;

	memset(&x, 0, sizeof(x));
	if ((rc = report_check(rep, &cols)) != TK_OK)
		return rc;
	if ((rc = time_parse_iso(report_str(rep, "generated_at"), &t)) != TK_OK)
		return rc;
	if (tmp == NULL || tmp[0] != '/')
		tmp = "/tmp";
	if ((rc = str_fmt(path, sizeof(path), "%s/teken-report-XXXXXX", tmp)) != TK_OK)
		return rc;
	if ((fd = mkstemp(path)) < 0)
		return tk_fail(TK_ERR_IO, "report: xlsx: cannot make a temporary file in %s", tmp);
	made = 1;
	close(fd);
	memset(&wo, 0, sizeof(wo));
	wo.tmpdir = (char *)tmp;
	if ((x.wb = workbook_new_opt(path, &wo)) == NULL) {
		rc = tk_fail(TK_ERR_INTERNAL, "report: xlsx: cannot start a workbook");
		goto out;
	}
	snprintf(title, sizeof(title), "Laporan penggunaan sertifikat elektronik %lld", (long long)json_integer_value(json_object_get(rep, "year")));
	memset(&props, 0, sizeof(props));
	props.title = title;
	props.author = "teken";
	props.created = (time_t)t; /* the report's time: the same report, the same document properties */
	note(&x, workbook_set_properties(x.wb, &props));
	x.head = fmt(x.wb, 1, NULL);
	x.count = fmt(x.wb, 0, "#,##0");
	x.num = fmt(x.wb, 0, "#,##0.0");
	x.tot_label = fmt(x.wb, 1, NULL);
	x.tot_count = fmt(x.wb, 1, "#,##0");
	x.tot_num = fmt(x.wb, 1, "#,##0.0");
	if (x.head == NULL || x.count == NULL || x.num == NULL || x.tot_label == NULL || x.tot_count == NULL || x.tot_num == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "report: xlsx: out of memory");
		goto out;
	}
	bd = json_object_get(rep, "breakdown");
	if ((rc = rows_sheet(&x, "totals", rep, json_object_get(rep, "totals"), NULL, &cols)) != TK_OK ||
	    (rc = rows_sheet(&x, "by_month", rep, json_object_get(rep, "by_month"), "month", &cols)) != TK_OK ||
	    (rc = rows_sheet(&x, "by_unit", rep, json_object_get(rep, "by_unit"), "unit", &cols)) != TK_OK ||
	    (rc = rows_sheet(&x, "by_application", rep, json_object_get(rep, "by_application"), "application", &cols)) != TK_OK ||
	    (rc = map_sheet(&x, "revoked_by_reason", json_object_get(bd, "revoked_by_reason"), "reason")) != TK_OK ||
	    (rc = map_sheet(&x, "signing_failures_by_cause", json_object_get(bd, "signing_failures_by_cause"), "cause")) != TK_OK ||
	    (rc = verifikators_sheet(&x, rep, json_object_get(bd, "verifikators"))) != TK_OK ||
	    (json_object_get(bd, "documents_by_channel") != NULL &&
		(rc = map_sheet(&x, "documents_by_channel", json_object_get(bd, "documents_by_channel"), "channel")) != TK_OK))
		goto out;
	if (x.err != LXW_NO_ERROR) {
		rc = tk_fail(TK_ERR_INTERNAL, "report: xlsx: %s", lxw_strerror(x.err));
		goto out;
	}
	ce = workbook_close(x.wb);
	x.wb = NULL;
	if (ce != LXW_NO_ERROR) {
		rc = tk_fail(TK_ERR_IO, "report: xlsx: cannot write the workbook: %s", lxw_strerror(ce));
		goto out;
	}
	if ((rc = file_read(path, XLSX_MAX_BYTES, &data, &len)) != TK_OK)
		goto out;
	rc = buf_append(out, data, len);
out:
	if (x.wb != NULL)
		(void)workbook_close(x.wb); /* frees it (writing an unused file that is unlinked below) */
	if (made)
		unlink(path);
	free(data);
	return rc;
}

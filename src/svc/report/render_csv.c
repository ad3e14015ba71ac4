/*
 * The usage report as a zip of CSV files (docs/reports.md, "CSV"): one file
 * per table, RFC 4180 (CRLF line ends, fields with a comma, quote, CR or LF
 * quoted, quotes doubled), UTF-8 without a byte-order mark, the header row
 * holding the JSON keys in their documented order.
 *
 * A text cell that a spreadsheet program would take for a formula (it
 * starts with = + - @, a tab or a CR) gets a leading apostrophe (OWASP,
 * "CSV injection"): a unit named "=HYPERLINK(...)" stays text. Numbers are
 * written as they are.
 */
#include "svc/report/report_int.h"
#include "svc/report/render.h"
#include "zip/zip.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CSV_MAX_BYTES (64u * 1024u * 1024u) /* one CSV file */

static enum tk_err field(struct buf *b, const char *s, int first)
{
	int inj = s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL;
	enum tk_err rc;
	size_t i;

	if (!first && (rc = buf_putc(b, ',')) != TK_OK)
		return rc;
	if (!inj && strpbrk(s, ",\"\r\n") == NULL)
		return buf_puts(b, s);
	if ((rc = buf_puts(b, inj ? "\"'" : "\"")) != TK_OK)
		return rc;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] == '"' && (rc = buf_putc(b, '"')) != TK_OK)
			return rc;
		if ((rc = buf_putc(b, (uint8_t)s[i])) != TK_OK)
			return rc;
	}
	return buf_putc(b, '"');
}

static enum tk_err eol(struct buf *b)
{
	return buf_puts(b, "\r\n");
}

/* A table of report rows: the label column (NULL: none), then every figure. */
static enum tk_err rows_csv(const json_t *rows, size_t nrows, const char *label, const struct report_cols *cols, struct buf *b)
{
	char cell[40] = "";
	size_t i, k;
	enum tk_err rc;

	if (label != NULL && (rc = field(b, label, 1)) != TK_OK)
		return rc;
	for (k = 0; k < cols->n; k++)
		if ((rc = field(b, cols->key[k], label == NULL && k == 0)) != TK_OK)
			return rc;
	if ((rc = eol(b)) != TK_OK)
		return rc;
	for (i = 0; i < nrows; i++) {
		const json_t *r = json_is_array(rows) ? json_array_get(rows, i) : rows;
		if (label != NULL) {
			const json_t *l = json_object_get(r, label);
			if (json_is_integer(l))
				snprintf(cell, sizeof(cell), "%lld", (long long)json_integer_value(l));
			if ((rc = field(b, json_is_string(l) ? json_string_value(l) : cell, 1)) != TK_OK)
				return rc;
		}
		for (k = 0; k < cols->n; k++) {
			report_cell(r, cols->key[k], cell);
			if ((rc = field(b, cell, label == NULL && k == 0)) != TK_OK)
				return rc;
		}
		if ((rc = eol(b)) != TK_OK)
			return rc;
	}
	return TK_OK;
}

static int cmp_key(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* {name: n} as two columns, sorted by name (jansson keeps no order we could promise). */
static enum tk_err map_csv(const json_t *m, const char *kcol, struct buf *b)
{
	const char **keys = NULL;
	const char *k;
	json_t *v;
	char cell[40] = "";
	size_t n = 0, i;
	enum tk_err rc;

	if ((keys = calloc(json_object_size(m) + 1, sizeof(*keys))) == NULL)
		return tk_fail(TK_ERR_NOMEM, "report: out of memory");
	json_object_foreach ((json_t *)m, k, v)
		keys[n++] = k;
	qsort(keys, n, sizeof(*keys), cmp_key);
	if ((rc = field(b, kcol, 1)) != TK_OK || (rc = field(b, "count", 0)) != TK_OK || (rc = eol(b)) != TK_OK)
		goto out;
	for (i = 0; i < n; i++) {
		snprintf(cell, sizeof(cell), "%lld", (long long)json_integer_value(json_object_get(m, keys[i])));
		if ((rc = field(b, keys[i], 1)) != TK_OK || (rc = field(b, cell, 0)) != TK_OK || (rc = eol(b)) != TK_OK)
			goto out;
	}
out:
	free(keys);
	return rc;
}

static enum tk_err verifikators_csv(const json_t *a, struct buf *b)
{
	static const char *const cols[4] = { "verifikator", "approvals", "rejections", "median_decision_seconds" };
	char cell[40] = "";
	size_t i, k;
	enum tk_err rc;

	for (k = 0; k < 4; k++)
		if ((rc = field(b, cols[k], k == 0)) != TK_OK)
			return rc;
	if ((rc = eol(b)) != TK_OK)
		return rc;
	for (i = 0; i < json_array_size(a); i++) {
		const json_t *r = json_array_get(a, i);
		if ((rc = field(b, report_str(r, "verifikator"), 1)) != TK_OK)
			return rc;
		for (k = 1; k < 4; k++) {
			report_cell(r, cols[k], cell);
			if ((rc = field(b, cell, 0)) != TK_OK)
				return rc;
		}
		if ((rc = eol(b)) != TK_OK)
			return rc;
	}
	return TK_OK;
}

enum tk_err report_render_csv_zip(const json_t *rep, struct buf *out)
{
	/* documents_by_channel came after schema 1's first reports: its file only when the report has it. */
	static const char *const names[8] = { "totals.csv", "by_month.csv", "by_unit.csv", "by_application.csv", "revoked_by_reason.csv",
		"signing_failures_by_cause.csv", "verifikators.csv", "documents_by_channel.csv" };
	struct report_cols cols;
	struct buf csv[8];
	struct zip_entry_in e[8];
	const json_t *bd, *channels;
	int64_t t = 0;
	size_t i, n = 7;
	enum tk_err rc;

	for (i = 0; i < 8; i++)
		buf_init(&csv[i], CSV_MAX_BYTES);
	if ((rc = report_check(rep, &cols)) != TK_OK)
		goto out;
	bd = json_object_get(rep, "breakdown");
	channels = json_object_get(bd, "documents_by_channel");
	if ((rc = rows_csv(json_object_get(rep, "totals"), 1, NULL, &cols, &csv[0])) != TK_OK ||
	    (rc = rows_csv(json_object_get(rep, "by_month"), 12, "month", &cols, &csv[1])) != TK_OK ||
	    (rc = rows_csv(json_object_get(rep, "by_unit"), json_array_size(json_object_get(rep, "by_unit")), "unit", &cols, &csv[2])) != TK_OK ||
	    (rc = rows_csv(json_object_get(rep, "by_application"), json_array_size(json_object_get(rep, "by_application")), "application", &cols,
		 &csv[3])) != TK_OK ||
	    (rc = map_csv(json_object_get(bd, "revoked_by_reason"), "reason", &csv[4])) != TK_OK ||
	    (rc = map_csv(json_object_get(bd, "signing_failures_by_cause"), "cause", &csv[5])) != TK_OK ||
	    (rc = verifikators_csv(json_object_get(bd, "verifikators"), &csv[6])) != TK_OK ||
	    (channels != NULL && (rc = map_csv(channels, "channel", &csv[n++])) != TK_OK))
		goto out;
	for (i = 0; i < n; i++) {
		e[i].name = names[i];
		e[i].data = csv[i].p;
		e[i].len = csv[i].len;
	}
	/* Every entry carries the report's own time: the same report, the same bytes. */
	if ((rc = time_parse_iso(report_str(rep, "generated_at"), &t)) != TK_OK)
		goto out;
	rc = zip_write(e, n, t, out);
out:
	for (i = 0; i < 8; i++)
		buf_free(&csv[i]);
	return rc;
}

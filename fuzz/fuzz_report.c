/*
 * libFuzzer target for the usage report's check and CSV renderer
 * (src/svc/report/render_common.c, render_csv.c) and the zip writer under
 * it: the input as JSON; what report_check() accepts must render, and the
 * archive must read back (zip_read) as the seven CSV files, each ending in
 * CRLF; what it refuses is refused by every renderer with the same code,
 * and nothing is appended. (The XLSX and PDF renderers run the same check
 * first; they are too slow per input to fuzz here and have their own
 * tests in tests/unit/test_report_render.c.)
 *
 * Seeds (fuzz/corpus/fuzz_report/): the sample report of the unit tests
 * and the same without units, applications or breakdowns.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "svc/report/render.h"
#include "svc/report/report_int.h"
#include "zip/zip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct report_cols cols;
	struct zip_item *it = NULL;
	struct buf out;
	json_t *rep;
	size_t n = 0, i;
	enum tk_err rc, rc2;

	if ((rep = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL)) == NULL)
		return 0;
	buf_init(&out, 64u << 20);
	rc = report_check(rep, &cols);
	rc2 = report_render_csv_zip(rep, &out);
	if (rc != rc2)
		abort();
	if (rc != TK_OK) {
		if ((rc != TK_ERR_INVALID && rc != TK_ERR_LIMIT) || out.len != 0)
			abort();
	} else {
		if (cols.n < report_row_nkeys || cols.n > REPORT_MAX_COLS)
			abort();
		if (zip_read(out.p, out.len, 16, 64u << 20, 64u << 20, &it, &n) != TK_OK || n != 7)
			abort();
		for (i = 0; i < n; i++)
			if (it[i].data.len < 2 || memcmp(it[i].data.p + it[i].data.len - 2, "\r\n", 2) != 0)
				abort();
		zip_items_free(it, n);
	}
	buf_free(&out);
	json_decref(rep);
	tk_clear_error();
	return 0;
}

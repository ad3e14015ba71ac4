/*
 * Many documents in one request (POST /api/v1/verify/batch): one trust
 * store for all of them, the usual per-document budget, and a budget for
 * the whole batch so that one request cannot hold a verification slot for
 * long: documents past it get an error entry, not a report.
 */
#include "svc/report/report.h"
#include "svc/verify/verify_svc.h"

#include "pdf/pdf.h"

#include <string.h>

json_t *verify_svc_error_item(const char *name, const struct tk_error *e)
{
	return json_pack("{s:s, s:{s:s, s:s}}", "file", name, "error", "code", e->code[0] ? e->code : "error", "message", e->msg);
}

enum tk_err verify_svc_batch(struct svc_ctx *c, const struct verify_batch_item *items, size_t n, json_t **out)
{
	struct verify_trust *t = NULL;
	json_t *results = NULL;
	int64_t deadline = tk_now() + VERIFY_BATCH_SECONDS;
	size_t i;
	enum tk_err rc;

	*out = NULL;
	if (n == 0)
		return tk_fail_code(TK_ERR_INVALID, "missing_field", "no document to verify");
	if (n > VERIFY_BATCH_MAX_FILES)
		return tk_fail_code(TK_ERR_LIMIT, "too_many_files", "at most %u documents in one batch", VERIFY_BATCH_MAX_FILES);
	if ((rc = verify_svc_trust(c, NULL, 0, NULL, 0, &t)) != TK_OK)
		return rc;
	if ((results = json_array()) == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct verify_svc_in in;
		struct verify_report *r = NULL;
		json_t *j = NULL;
		memset(&in, 0, sizeof(in));
		in.data = items[i].data;
		in.len = items[i].len;
		if (tk_now() >= deadline)
			tk_fail_code(TK_ERR_LIMIT, "batch_time", "the batch used its %u seconds before this document", VERIFY_BATCH_SECONDS);
		else if (!pdf_header_ok(items[i].data, items[i].len))
			tk_fail_code(TK_ERR_INVALID, "not_a_pdf", "the file is not a PDF (no %%PDF- header)");
		else if ((rc = verify_svc_run(c, t, &in, &r)) == TK_OK && (rc = verify_svc_json(c, r, items[i].name, &j)) == TK_OK)
			usage_count(c, USAGE_VERIFY, "api", NULL);
		verify_report_free(r);
		if (j == NULL) {
			/* The store failing is the server's problem, not this document's. */
			if (tk_last_error()->err == TK_ERR_STORE || tk_last_error()->err == TK_ERR_NOMEM) {
				rc = tk_last_error()->err;
				goto out;
			}
			j = verify_svc_error_item(items[i].name, tk_last_error());
			tk_clear_error();
		}
		if (j == NULL || json_array_append_new(results, j) != 0) {
			rc = tk_fail(TK_ERR_NOMEM, "out of memory");
			goto out;
		}
	}
	*out = json_pack("{s:I, s:o}", "count", (json_int_t)n, "results", results);
	results = NULL;
	rc = *out != NULL ? TK_OK : tk_fail(TK_ERR_NOMEM, "out of memory");
out:
	json_decref(results);
	verify_trust_free(t);
	return rc;
}

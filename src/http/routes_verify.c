/* Public verification: POST /api/v1/verify and the document registry lookup behind the QR code. */
#include "http/ratelimit.h"
#include "http/routes.h"
#include "pdf/pdf.h"

#include "http/multipart.h"
#include "svc/verify/verify_svc.h"
#include "zip/zip.h"

#include <strings.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/*
 * Verifications running at once in this process. Each may hold a few
 * parsed revisions of a 50 MB upload for up to its time budget; beyond
 * this many a caller gets 503 with Retry-After instead of a slow server.
 */
#define VERIFY_HTTP_MAX_INFLIGHT 4

static atomic_int inflight;

static enum tk_err error_json(struct http_resp *rs, unsigned status, const char *code, const char *msg)
{
	return http_json(rs, status, json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", msg));
}

/*
 * The report format from the Accept header: the first of application/json,
 * text/html, application/pdf it lists (parameters and q-values aside);
 * JSON when it names none of them.
 */
static enum verify_svc_format accept_format(const char *accept)
{
	const char *p = accept;

	while (p != NULL && *p != '\0') {
		size_t n;
		while (*p == ' ' || *p == ',')
			p++;
		n = strcspn(p, ",;");
		while (n > 0 && p[n - 1] == ' ')
			n--;
		if (n == 16 && strncasecmp(p, "application/json", n) == 0)
			return VERIFY_SVC_JSON;
		if (n == 9 && strncasecmp(p, "text/html", n) == 0)
			return VERIFY_SVC_HTML;
		if (n == 15 && strncasecmp(p, "application/pdf", n) == 0)
			return VERIFY_SVC_PDF;
		p = strchr(p, ',');
	}
	return VERIFY_SVC_JSON;
}

enum tk_err h_verify(struct http_req *rq, struct http_resp *rs)
{
	struct mp_form *form = NULL;
	struct verify_svc_in in;
	char name[VERIFY_SVC_MAX_FILE_NAME + 1];
	enum verify_svc_format fmt = accept_format(http_header_get(rq, "Accept"));
	json_t *report = NULL;
	struct buf doc;
	enum tk_err rc;

	buf_init(&doc, MAX_PDF_BYTES);
	verify_svc_file_name(NULL, name);

	memset(&in, 0, sizeof(in));
	/* The public page says it is the page (?via=web): the usage report counts the channels apart. */
	in.channel = http_query_get(rq, "via") != NULL && strcmp(http_query_get(rq, "via"), "web") == 0 ? "web" : "api";
	if (http_ctype_is(rq->content_type, "application/pdf") || http_ctype_is(rq->content_type, "application/octet-stream")) {
		in.data = rq->body.p;
		in.len = rq->body.len;
	} else if (http_ctype_is(rq->content_type, "multipart/form-data")) {
		const struct mp_part *f, *sig;
		if ((form = calloc(1, sizeof(*form))) == NULL) {
			rc = tk_fail(TK_ERR_NOMEM, "out of memory");
			goto out;
		}
		if ((rc = mp_parse(rq->content_type, rq->body.p, rq->body.len, form)) != TK_OK)
			goto out;
		if ((f = mp_get(form, "file")) == NULL || f->len == 0) {
			rc = tk_fail_code(TK_ERR_INVALID, "missing_field", "multipart part 'file' is required");
			goto out;
		}
		in.data = f->data;
		in.len = f->len;
		/* The uploader's own name for the file, sanitised (it is shown in reports and the page). */
		verify_svc_file_name(f->filename, name);
		/* A detached CAdES signature of the file, when given. */
		if ((sig = mp_get(form, "signature")) != NULL && sig->len > 0) {
			in.sig = sig->data;
			in.sig_len = sig->len;
		}
	} else {
		buf_free(&doc);
		return error_json(rs, 415, "unsupported_media_type",
		    "send the PDF as application/pdf, or multipart/form-data with part 'file' (and 'signature' for a .p7s)");
	}
	if (in.len == 0) {
		rc = tk_fail_code(TK_ERR_INVALID, "missing_field", "the request body is empty");
		goto out;
	}
	if (in.sig == NULL && !pdf_header_ok(in.data, in.len)) {
		rc = tk_fail_code(TK_ERR_INVALID, "not_a_pdf", "the file is not a PDF (no %%PDF- header)");
		goto out;
	}
	if (atomic_fetch_add(&inflight, 1) >= VERIFY_HTTP_MAX_INFLIGHT) {
		atomic_fetch_sub(&inflight, 1);
		if ((rc = error_json(rs, 503, "busy", "too many verifications are running; try again in a few seconds")) == TK_OK)
			rc = http_header(rs, "Retry-After", "2");
		goto out;
	}
	/* The printable reports (and sealing the PDF) count against the same in-flight limit. */
	if (fmt == VERIFY_SVC_JSON)
		rc = verify_svc_request(&rq->ctx, &in, name, &report);
	else
		rc = verify_svc_request_report(&rq->ctx, &in, name, fmt, &doc);
	atomic_fetch_sub(&inflight, 1);
	if (rc == TK_OK && fmt == VERIFY_SVC_JSON) {
		rc = http_json(rs, 200, report);
		report = NULL;
		if (rc == TK_OK)
			rc = http_header(rs, "Vary", "Accept");
	} else if (rc == TK_OK) {
		int pdf = fmt == VERIFY_SVC_PDF;
		/* A download, never rendered in this origin. */
		if ((rc = http_bytes(rs, 200, pdf ? "application/pdf" : "text/html; charset=utf-8", doc.p, doc.len)) == TK_OK)
			rc = http_header(rs, "Content-Disposition",
			    pdf ? "attachment; filename=\"laporan-verifikasi.pdf\"" : "attachment; filename=\"laporan-verifikasi.html\"");
		if (rc == TK_OK)
			rc = http_header(rs, "Vary", "Accept");
	}
out:
	buf_free(&doc);
	json_decref(report);
	free(form);
	return rc;
}

/*
 * Many documents at once (any signed-in caller): several multipart parts
 * "file", or one ZIP archive as the body (application/zip), whose entries
 * are the documents. One verification slot for the whole batch.
 */
enum tk_err h_verify_batch(struct http_req *rq, struct http_resp *rs)
{
	struct mp_form *form = NULL;
	struct zip_item *zitems = NULL;
	struct verify_batch_item *items = NULL;
	size_t n = 0, nz = 0, i;
	json_t *out = NULL;
	enum tk_err rc;

	if ((items = calloc(VERIFY_BATCH_MAX_FILES, sizeof(*items))) == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	if (http_ctype_is(rq->content_type, "application/zip")) {
		if ((rc = zip_read(rq->body.p, rq->body.len, VERIFY_BATCH_MAX_FILES, MAX_REQ_BODY, 4u * MAX_REQ_BODY, &zitems, &nz)) != TK_OK)
			goto out;
		for (i = 0; i < nz; i++) {
			items[n].name = zitems[i].name;
			items[n].data = zitems[i].data.p;
			items[n++].len = zitems[i].data.len;
		}
	} else if (http_ctype_is(rq->content_type, "multipart/form-data")) {
		if ((form = calloc(1, sizeof(*form))) == NULL) {
			rc = tk_fail(TK_ERR_NOMEM, "out of memory");
			goto out;
		}
		if ((rc = mp_parse(rq->content_type, rq->body.p, rq->body.len, form)) != TK_OK)
			goto out;
		for (i = 0; i < form->n; i++) {
			const struct mp_part *p = &form->parts[i];
			if (strcmp(p->name, "file") != 0)
				continue;
			if (n == VERIFY_BATCH_MAX_FILES) {
				rc = tk_fail_code(TK_ERR_LIMIT, "too_many_files", "at most %u documents in one batch", VERIFY_BATCH_MAX_FILES);
				goto out;
			}
			items[n].name = p->filename[0] ? p->filename : "upload.pdf";
			items[n].data = p->data;
			items[n++].len = p->len;
		}
	} else {
		rc = error_json(rs, 415, "unsupported_media_type", "send multipart/form-data with parts 'file', or one application/zip archive");
		goto out;
	}
	if (atomic_fetch_add(&inflight, 1) >= VERIFY_HTTP_MAX_INFLIGHT) {
		atomic_fetch_sub(&inflight, 1);
		if ((rc = error_json(rs, 503, "busy", "too many verifications are running; try again in a few seconds")) == TK_OK)
			rc = http_header(rs, "Retry-After", "2");
		goto out;
	}
	rc = verify_svc_batch(&rq->ctx, items, n, &out);
	atomic_fetch_sub(&inflight, 1);
	if (rc == TK_OK) {
		rc = http_json(rs, 200, out);
		out = NULL;
	}
out:
	json_decref(out);
	zip_items_free(zitems, nz);
	free(items);
	free(form);
	return rc;
}

/*
 * Registry lookups per client address and minute. Ids are 128 random bits,
 * so guessing is hopeless anyway; the limit keeps anyone from trying at
 * volume.
 */
#define DOC_LOOKUPS_PER_MINUTE 120u

static struct http_window lookups = HTTP_WINDOW_INIT(DOC_LOOKUPS_PER_MINUTE, 60);

enum tk_err h_document_get(struct http_req *rq, struct http_resp *rs)
{
	json_t *rec = NULL;
	enum tk_err rc;

	if (!http_window_take(&lookups, rq->ip, tk_now())) {
		if ((rc = error_json(rs, 429, "rate_limited", "too many registry lookups from this address; try again in a minute")) == TK_OK)
			rc = http_header(rs, "Retry-After", "60");
		return rc;
	}
	if ((rc = verify_svc_document(&rq->ctx, rq->params[0], &rec)) != TK_OK)
		return rc;
	if ((rc = http_json(rs, 200, rec)) == TK_OK)
		rc = http_header(rs, "Cache-Control", "no-store");
	return rc;
}

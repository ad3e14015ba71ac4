/*
 * The agreement register (R15, docs/agreements.md): agreements, addenda,
 * the signed PDFs (verified on upload), contacts and their history.
 * Admins manage, auditors read and record their own side's contact
 * changes; the service decides (svc/agreement).
 */
#include "http/multipart.h"
#include "http/routes.h"

#include "svc/agreement/agreement.h"

#include <stdlib.h>
#include <string.h>

enum tk_err h_agreements_list(struct http_req *rq, struct http_resp *rs)
{
	return http_call(rq, rs, agreement_list);
}

enum tk_err h_agreement_get(struct http_req *rq, struct http_resp *rs)
{
	return http_call_id(rq, rs, agreement_get);
}

enum tk_err h_agreements_create(struct http_req *rq, struct http_resp *rs)
{
	return http_call_json(rq, rs, 201, agreement_create);
}

enum tk_err h_agreement_update(struct http_req *rq, struct http_resp *rs)
{
	return http_call_id_json(rq, rs, 200, agreement_update);
}

enum tk_err h_agreement_end(struct http_req *rq, struct http_resp *rs)
{
	return http_call_id_json(rq, rs, 200, agreement_end);
}

enum tk_err h_agreement_addendum_add(struct http_req *rq, struct http_resp *rs)
{
	return http_call_id_json(rq, rs, 201, agreement_addendum_add);
}

enum tk_err h_agreement_contact_change(struct http_req *rq, struct http_resp *rs)
{
	return http_call_id_json(rq, rs, 201, agreement_contact_change);
}

enum tk_err h_agreement_contacts(struct http_req *rq, struct http_resp *rs)
{
	char *txt = NULL;
	int64_t id = 0;
	enum tk_err rc;

	if ((rc = http_id_param(rq->params[0], &id)) != TK_OK ||
	    (rc = agreement_contact_history(&rq->ctx, id, http_query_get(rq, "party"), &txt)) != TK_OK)
		return rc;
	return http_json_text(rs, 200, txt);
}

/* The signed PDF of the agreement (aid 0) or an addendum: an application/pdf body or the multipart part 'file'. */
static enum tk_err pdf_upload(struct http_req *rq, struct http_resp *rs, int addendum)
{
	struct mp_form *form = NULL;
	const uint8_t *p = NULL;
	size_t len = 0;
	char *txt = NULL;
	int64_t id = 0, aid = 0;
	enum tk_err rc;

	if ((rc = http_id_param(rq->params[0], &id)) != TK_OK || (addendum && (rc = http_id_param(rq->params[1], &aid)) != TK_OK))
		return rc;
	if ((rc = http_pdf_body(rq, addendum ? "the signed addendum PDF" : "the signed agreement PDF", &form, &p, &len)) != TK_OK)
		goto out;
	if ((rc = agreement_pdf_upload(&rq->ctx, id, aid, p, len, &txt)) == TK_OK)
		rc = http_json_text(rs, 200, txt);
out:
	free(form);
	return rc;
}

static enum tk_err pdf_download(struct http_req *rq, struct http_resp *rs, int addendum)
{
	struct buf pdf;
	char name[96];
	int64_t id = 0, aid = 0;
	enum tk_err rc;

	if ((rc = http_id_param(rq->params[0], &id)) != TK_OK || (addendum && (rc = http_id_param(rq->params[1], &aid)) != TK_OK))
		return rc;
	buf_init(&pdf, AGREEMENT_MAX_PDF);
	if ((rc = agreement_pdf_get(&rq->ctx, id, aid, &pdf, name)) == TK_OK)
		rc = http_attachment(rs, "application/pdf", pdf.p, pdf.len, name);
	buf_free(&pdf);
	return rc;
}

enum tk_err h_agreement_pdf_upload(struct http_req *rq, struct http_resp *rs)
{
	return pdf_upload(rq, rs, 0);
}

enum tk_err h_agreement_pdf_get(struct http_req *rq, struct http_resp *rs)
{
	return pdf_download(rq, rs, 0);
}

enum tk_err h_agreement_addendum_pdf_upload(struct http_req *rq, struct http_resp *rs)
{
	return pdf_upload(rq, rs, 1);
}

enum tk_err h_agreement_addendum_pdf_get(struct http_req *rq, struct http_resp *rs)
{
	return pdf_download(rq, rs, 1);
}

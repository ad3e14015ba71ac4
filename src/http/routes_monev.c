/*
 * Monitoring and evaluation (R17, docs/monev.md): the dashboard, evaluation
 * records, follow-up actions and the minutes signed by both parties.
 * Admins and auditors; the service decides (svc/monev).
 */
#include "http/multipart.h"
#include "http/routes.h"

#include "svc/monev/monev.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum tk_err h_dashboard(struct http_req *rq, struct http_resp *rs)
{
	char *txt = NULL;
	enum tk_err rc;

	if ((rc = monev_dashboard(&rq->ctx, &txt)) != TK_OK)
		return rc;
	if ((rc = http_json_text(rs, 200, txt)) != TK_OK)
		return rc;
	return http_header(rs, "Cache-Control", "no-store");
}

enum tk_err h_evaluations_list(struct http_req *rq, struct http_resp *rs)
{
	return http_call(rq, rs, monev_list);
}

enum tk_err h_evaluation_get(struct http_req *rq, struct http_resp *rs)
{
	return http_call_id(rq, rs, monev_get);
}

enum tk_err h_evaluations_create(struct http_req *rq, struct http_resp *rs)
{
	return http_call_json(rq, rs, 201, monev_create);
}

enum tk_err h_evaluation_update(struct http_req *rq, struct http_resp *rs)
{
	return http_call_id_json(rq, rs, 200, monev_update);
}

enum tk_err h_evaluation_action_add(struct http_req *rq, struct http_resp *rs)
{
	return http_call_id_json(rq, rs, 201, monev_action_add);
}

enum tk_err h_evaluation_action_update(struct http_req *rq, struct http_resp *rs)
{
	json_t *j = NULL;
	char *txt = NULL;
	int64_t id = 0, aid = 0;
	enum tk_err rc;

	if ((rc = http_id_param(rq->params[0], &id)) != TK_OK || (rc = http_id_param(rq->params[1], &aid)) != TK_OK ||
	    (rc = http_body_json(rq, &j)) != TK_OK)
		return rc;
	if ((rc = monev_action_update(&rq->ctx, id, aid, j, &txt)) == TK_OK)
		rc = http_json_text(rs, 200, txt);
	json_decref(j);
	return rc;
}

enum tk_err h_evaluation_minutes_freeze(struct http_req *rq, struct http_resp *rs)
{
	return http_call_id(rq, rs, monev_minutes_freeze);
}

enum tk_err h_evaluation_minutes_pdf(struct http_req *rq, struct http_resp *rs)
{
	struct buf pdf;
	char name[64];
	int64_t id = 0;
	enum tk_err rc;

	if ((rc = http_id_param(rq->params[0], &id)) != TK_OK)
		return rc;
	buf_init(&pdf, MONEV_MAX_UPLOAD);
	if ((rc = monev_minutes_pdf(&rq->ctx, id, &pdf)) == TK_OK && (rc = str_fmt(name, sizeof(name), "berita-acara-monev-%lld.pdf", (long long)id)) == TK_OK)
		rc = http_attachment(rs, "application/pdf", pdf.p, pdf.len, name);
	buf_free(&pdf);
	return rc;
}

/* The signed minutes: an application/pdf body or the multipart part 'file'. */
enum tk_err h_evaluation_minutes_signed(struct http_req *rq, struct http_resp *rs)
{
	struct mp_form *form = NULL;
	const uint8_t *p = NULL;
	size_t len = 0;
	char *txt = NULL;
	int64_t id = 0;
	enum tk_err rc;

	if ((rc = http_id_param(rq->params[0], &id)) != TK_OK)
		return rc;
	if ((rc = http_pdf_body(rq, "the signed minutes PDF", &form, &p, &len)) != TK_OK)
		goto out;
	if ((rc = monev_minutes_upload(&rq->ctx, id, p, len, &txt)) == TK_OK)
		rc = http_json_text(rs, 200, txt);
out:
	free(form);
	return rc;
}

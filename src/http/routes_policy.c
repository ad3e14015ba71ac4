/*
 * Recommendations of the issuer and the ministry's internal policies (R5,
 * docs/policy.md). Admins and auditors; applications read the signing
 * policy that applies to them. The service decides (svc/policy).
 */
#include "http/multipart.h"
#include "http/routes.h"

#include "svc/policy/policy.h"

#include <stdlib.h>
#include <string.h>

/* Answers 200 (201 when created) with the text a service call made. */
static enum tk_err answer(struct http_resp *rs, enum tk_err rc, unsigned status, char *txt)
{
	if (rc != TK_OK) {
		free(txt);
		return rc;
	}
	return http_json_text(rs, status, txt);
}

/* A JSON body, one service call taking (ctx, id, json). */
typedef enum tk_err (*id_json_fn)(struct svc_ctx *c, int64_t id, json_t *in, char **out);

static enum tk_err id_json(struct http_req *rq, struct http_resp *rs, id_json_fn fn, unsigned status)
{
	json_t *j = NULL;
	char *txt = NULL;
	int64_t id = 0;
	enum tk_err rc;

	if ((rc = http_id_param(rq->params[0], &id)) != TK_OK || (rc = http_body_json(rq, &j)) != TK_OK)
		return rc;
	rc = fn(&rq->ctx, id, j, &txt);
	json_decref(j);
	return answer(rs, rc, status, txt);
}

/* ------------------------------------------------------------ recommendations */

enum tk_err h_recos_list(struct http_req *rq, struct http_resp *rs)
{
	char *txt = NULL;
	enum tk_err rc = reco_list(&rq->ctx, http_query_get(rq, "status"), &txt);

	return answer(rs, rc, 200, txt);
}

enum tk_err h_recos_create(struct http_req *rq, struct http_resp *rs)
{
	json_t *j = NULL;
	char *txt = NULL;
	enum tk_err rc;

	if ((rc = http_body_json(rq, &j)) != TK_OK)
		return rc;
	rc = reco_create(&rq->ctx, j, &txt);
	json_decref(j);
	return answer(rs, rc, 201, txt);
}

enum tk_err h_reco_get(struct http_req *rq, struct http_resp *rs)
{
	char *txt = NULL;
	int64_t id = 0;
	enum tk_err rc;

	if ((rc = http_id_param(rq->params[0], &id)) != TK_OK)
		return rc;
	rc = reco_get(&rq->ctx, id, &txt);
	return answer(rs, rc, 200, txt);
}

enum tk_err h_reco_status(struct http_req *rq, struct http_resp *rs)
{
	return id_json(rq, rs, reco_set_status, 200);
}

/* Evidence of closure: multipart part 'file' (its filename and type kept). */
enum tk_err h_reco_file_add(struct http_req *rq, struct http_resp *rs)
{
	struct mp_form *form = NULL;
	const struct mp_part *f;
	char *txt = NULL;
	int64_t id = 0;
	enum tk_err rc;

	if ((rc = http_id_param(rq->params[0], &id)) != TK_OK)
		return rc;
	if ((form = calloc(1, sizeof(*form))) == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	if ((rc = mp_parse(rq->content_type, rq->body.p, rq->body.len, form)) != TK_OK)
		goto out;
	if ((f = mp_get(form, "file")) == NULL || f->len == 0) {
		rc = tk_fail_code(TK_ERR_INVALID, "missing_field", "multipart part 'file' (the evidence of closure) is required");
		goto out;
	}
	rc = reco_file_add(&rq->ctx, id, f->filename[0] ? f->filename : "bukti", f->content_type, f->data, f->len, &txt);
	rc = answer(rs, rc, 201, txt);
out:
	free(form);
	return rc;
}

enum tk_err h_reco_file_get(struct http_req *rq, struct http_resp *rs)
{
	struct buf data;
	char filename[256], mime[96];
	int64_t id = 0, fid = 0;
	enum tk_err rc;

	if ((rc = http_id_param(rq->params[0], &id)) != TK_OK || (rc = http_id_param(rq->params[1], &fid)) != TK_OK)
		return rc;
	buf_init(&data, RECO_MAX_FILE);
	if ((rc = reco_file_get(&rq->ctx, id, fid, &data, filename, mime)) == TK_OK)
		rc = http_attachment(rs, "application/octet-stream", data.p, data.len, filename);
	buf_free(&data);
	return rc;
}

/* ------------------------------------------------------------ policies */

enum tk_err h_policies_list(struct http_req *rq, struct http_resp *rs)
{
	char *txt = NULL;
	enum tk_err rc = policy_list(&rq->ctx, &txt);

	return answer(rs, rc, 200, txt);
}

enum tk_err h_policies_draft(struct http_req *rq, struct http_resp *rs)
{
	json_t *j = NULL;
	char *txt = NULL;
	enum tk_err rc;

	if ((rc = http_body_json(rq, &j)) != TK_OK)
		return rc;
	rc = policy_draft(&rq->ctx, j, &txt);
	json_decref(j);
	return answer(rs, rc, 201, txt);
}

enum tk_err h_policy_get(struct http_req *rq, struct http_resp *rs)
{
	char *txt = NULL;
	int64_t id = 0;
	enum tk_err rc;

	if ((rc = http_id_param(rq->params[0], &id)) != TK_OK)
		return rc;
	rc = policy_get(&rq->ctx, id, &txt);
	return answer(rs, rc, 200, txt);
}

enum tk_err h_policy_update(struct http_req *rq, struct http_resp *rs)
{
	return id_json(rq, rs, policy_update, 200);
}

enum tk_err h_policy_comment(struct http_req *rq, struct http_resp *rs)
{
	return id_json(rq, rs, policy_comment, 201);
}

static enum tk_err step(struct http_req *rq, struct http_resp *rs, enum tk_err (*fn)(struct svc_ctx *c, int64_t id, char **out))
{
	char *txt = NULL;
	int64_t id = 0;
	enum tk_err rc;

	if ((rc = http_id_param(rq->params[0], &id)) != TK_OK)
		return rc;
	rc = fn(&rq->ctx, id, &txt);
	return answer(rs, rc, 200, txt);
}

enum tk_err h_policy_approve(struct http_req *rq, struct http_resp *rs)
{
	return step(rq, rs, policy_approve);
}

enum tk_err h_policy_publish(struct http_req *rq, struct http_resp *rs)
{
	return step(rq, rs, policy_publish);
}

enum tk_err h_policy_withdraw(struct http_req *rq, struct http_resp *rs)
{
	return step(rq, rs, policy_withdraw);
}

enum tk_err h_my_signing_policy(struct http_req *rq, struct http_resp *rs)
{
	char *txt = NULL;
	enum tk_err rc = policy_mine(&rq->ctx, &txt);

	return answer(rs, rc, 200, txt);
}

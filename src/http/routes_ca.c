/* Certificate and audit resources. */
#include "http/routes.h"
#include "svc/audit/audit.h"
#include "svc/ca/ca.h"

enum tk_err h_ca_chain(struct http_req *rq, struct http_resp *rs)
{
	struct buf pem;
	enum tk_err rc;

	buf_init(&pem, 1 << 20);
	if ((rc = ca_chain_pem(&rq->ctx, &pem)) == TK_OK)
		rc = http_bytes(rs, 200, "application/x-pem-file", pem.p, pem.len);
	buf_free(&pem);
	return rc;
}

enum tk_err h_cert_get(struct http_req *rq, struct http_resp *rs)
{
	struct buf pem;
	enum tk_err rc;

	buf_init(&pem, 1 << 16);
	if ((rc = ca_cert_pem(&rq->ctx, rq->params[0], &pem)) == TK_OK)
		rc = http_bytes(rs, 200, "application/x-pem-file", pem.p, pem.len);
	buf_free(&pem);
	return rc;
}

enum tk_err h_audit_verify(struct http_req *rq, struct http_resp *rs)
{
	struct audit_report r;
	enum tk_err rc;

	if ((rc = audit_verify(&rq->ctx, &r)) != TK_OK)
		return rc;
	return http_json(rs, 200, json_pack("{s:b, s:I, s:I, s:I, s:s}", "intact", r.first_bad_seq == 0, "events", (json_int_t)r.events, "checkpoints", (json_int_t)r.checkpoints, "first_bad_seq", (json_int_t)r.first_bad_seq, "problem", r.problem));
}

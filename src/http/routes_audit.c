/* The audit browser: GET /api/v1/audit (docs/audit-browser.md). */
#include "http/routes.h"
#include "svc/audit/audit.h"

#include <string.h>

enum tk_err h_audit_search(struct http_req *rq, struct http_resp *rs)
{
	struct audit_query q;
	const char *fmt = http_query_get(rq, "format");
	struct buf csv;
	json_t *out = NULL;
	enum tk_err rc;

	q.from = http_query_get(rq, "from");
	q.to = http_query_get(rq, "to");
	q.actor = http_query_get(rq, "actor");
	q.action = http_query_get(rq, "action");
	q.object = http_query_get(rq, "object");
	q.object_type = http_query_get(rq, "object_type");
	q.outcome = http_query_get(rq, "outcome");
	q.limit = http_query_get(rq, "limit");
	q.cursor = http_query_get(rq, "cursor");
	q.chain = http_query_get(rq, "chain");
	if (fmt == NULL || fmt[0] == '\0' || strcmp(fmt, "json") == 0) {
		if ((rc = audit_search(&rq->ctx, &q, &out)) != TK_OK)
			return rc;
		return http_json(rs, 200, out);
	}
	if (strcmp(fmt, "csv") != 0)
		return tk_fail_code(TK_ERR_INVALID, "bad_filter", "audit search: format must be json or csv");
	buf_init(&csv, AUDIT_EXPORT_MAX_BYTES);
	if ((rc = audit_search_csv(&rq->ctx, &q, &csv)) == TK_OK &&
	    (rc = http_header(rs, "Content-Disposition", "attachment; filename=\"teken-audit.csv\"")) == TK_OK)
		rc = http_bytes(rs, 200, "text/csv; charset=utf-8", csv.p, csv.len);
	buf_free(&csv);
	return rc;
}

/*
 * The agreement's calendar (svc/calendar, docs/agreements.md "Counting
 * days"): the holidays a year counts with, an admin's decree for a year,
 * and the deadline of one of the agreement's rules. The service decides
 * who may (admins and auditors read; admins load).
 */
#include "http/routes.h"

#include "svc/calendar/calendar.h"

#include <stdlib.h>

static enum tk_err year_param(struct http_req *rq, int *year)
{
	int64_t v = 0;
	enum tk_err rc;

	if ((rc = http_id_param(rq->params[0], &v)) != TK_OK)
		return rc;
	if (v < CAL_MIN_YEAR || v > CAL_MAX_YEAR)
		return tk_fail_code(TK_ERR_INVALID, "invalid_year", "the year must be %d..%d", CAL_MIN_YEAR, CAL_MAX_YEAR);
	*year = (int)v;
	return TK_OK;
}

enum tk_err h_agreement_holidays_get(struct http_req *rq, struct http_resp *rs)
{
	char *txt = NULL;
	int year = 0;
	enum tk_err rc;

	if ((rc = year_param(rq, &year)) != TK_OK || (rc = calendar_holidays(&rq->ctx, year, &txt)) != TK_OK)
		return rc;
	return http_json_text(rs, 200, txt);
}

enum tk_err h_agreement_holidays_put(struct http_req *rq, struct http_resp *rs)
{
	json_t *j = NULL;
	char *txt = NULL;
	int year = 0;
	enum tk_err rc;

	if ((rc = year_param(rq, &year)) != TK_OK || (rc = http_body_json(rq, &j)) != TK_OK)
		return rc;
	if ((rc = calendar_holidays_load(&rq->ctx, year, j, &txt)) == TK_OK)
		rc = http_json_text(rs, 200, txt);
	json_decref(j);
	return rc;
}

enum tk_err h_agreement_holidays_delete(struct http_req *rq, struct http_resp *rs)
{
	char *txt = NULL;
	int year = 0;
	enum tk_err rc;

	if ((rc = year_param(rq, &year)) != TK_OK || (rc = calendar_holidays_reset(&rq->ctx, year, &txt)) != TK_OK)
		return rc;
	return http_json_text(rs, 200, txt);
}

enum tk_err h_agreement_deadline(struct http_req *rq, struct http_resp *rs)
{
	char *txt = NULL;
	const char *rule = http_query_get(rq, "rule"), *date = http_query_get(rq, "date");
	enum tk_err rc;

	if (rule == NULL || date == NULL)
		return tk_fail_code(TK_ERR_INVALID, "missing_field", "give ?rule=...&date=YYYY-MM-DD");
	if ((rc = calendar_deadline(&rq->ctx, rule, date, &txt)) != TK_OK)
		return rc;
	return http_json_text(rs, 200, txt);
}

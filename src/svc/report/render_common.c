/* The report's tables and the check every renderer runs first (see render.h). */
#include "svc/report/render.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const report_row_keys[] = {
	"certificates_issued",
	"certificates_renewed",
	"certificates_revoked",
	"certificates_suspended",
	"certificates_active",
	"certificates_expiring_next_year",
	"documents_signed",
	"documents_pades",
	"documents_cades",
	"documents_visible",
	"documents_invisible",
	"documents_by_official",
	"documents_by_seal",
	"documents_level_b_b",
	"documents_level_b_t",
	"documents_level_b_lt",
	"documents_level_b_lta",
	"verifications",
	"verifications_web",
	"verifications_api",
	"verifications_qr",
	"verifications_bsre",
	"ocsp_requests",
	"tsa_requests",
	"crl_requests",
	"signing_failures",
	"verifikator_approvals",
	"verifikator_rejections",
	REPORT_MEDIAN_KEY,
	"support_tickets",
	"training_events",
	"training_participants",
};
const size_t report_row_nkeys = sizeof(report_row_keys) / sizeof(report_row_keys[0]);

static enum tk_err bad(const char *what, const char *why)
{
	return tk_fail_code(TK_ERR_INVALID, "report_invalid", "report: docs/reports.md: %s %s", what, why);
}

int report_is_count(const char *key)
{
	return strcmp(key, REPORT_MEDIAN_KEY) != 0;
}

static int count_ok(const json_t *v)
{
	return json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= REPORT_MAX_COUNT;
}

static int median_ok(const json_t *v)
{
	if (json_is_null(v))
		return 1;
	if (json_is_integer(v))
		return count_ok(v);
	return json_is_real(v) && isfinite(json_real_value(v)) && json_real_value(v) >= 0 && json_real_value(v) <= (double)REPORT_MAX_COUNT;
}

/* A string of at most REPORT_MAX_NAME bytes without NUL. */
static int name_ok(const json_t *v, size_t max)
{
	return json_is_string(v) && json_string_length(v) <= max && strlen(json_string_value(v)) == json_string_length(v);
}

static enum tk_err check_row(const json_t *row, const char *where, const char *label, int label_type, const struct report_cols *cols)
{
	char what[96];
	size_t i;

	if (!json_is_object(row))
		return bad(where, "is not an object");
	if (label != NULL) {
		const json_t *l = json_object_get(row, label);
		if (label_type == 0 ? !name_ok(l, REPORT_MAX_NAME) : !json_is_integer(l)) {
			snprintf(what, sizeof(what), "%s.%s", where, label);
			return bad(what, label_type == 0 ? "is missing or not a string of at most 1024 bytes" : "is missing or not an integer");
		}
	}
	for (i = 0; i < cols->n; i++) {
		const json_t *v = json_object_get(row, cols->key[i]);
		if (report_is_count(cols->key[i]) ? !count_ok(v) : !median_ok(v)) {
			snprintf(what, sizeof(what), "%s.%s", where, cols->key[i]);
			return bad(what, report_is_count(cols->key[i]) ? "is missing or not an integer from 0 to 2^53"
								       : "is missing or not a non-negative number or null");
		}
	}
	return TK_OK;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The documented figures, then the totals row's other integer keys by name. */
static enum tk_err find_cols(const json_t *totals, struct report_cols *cols)
{
	const char *k;
	json_t *v;
	size_t i, first;

	cols->n = 0;
	for (i = 0; i < report_row_nkeys; i++)
		cols->key[cols->n++] = report_row_keys[i];
	first = cols->n;
	json_object_foreach ((json_t *)totals, k, v) {
		int known = 0;
		for (i = 0; i < report_row_nkeys && !known; i++)
			known = strcmp(k, report_row_keys[i]) == 0;
		if (known || !json_is_integer(v))
			continue;
		if (cols->n == REPORT_MAX_COLS)
			return tk_fail_code(TK_ERR_LIMIT, "report_invalid", "report: more than %u figures in a row", REPORT_MAX_COLS);
		if (strlen(k) > 64)
			return bad("a key of totals", "is longer than 64 bytes");
		cols->key[cols->n++] = k;
	}
	qsort(cols->key + first, cols->n - first, sizeof(cols->key[0]), cmp_str);
	return TK_OK;
}

static enum tk_err check_rows(const json_t *a, const char *name, const char *label, size_t max, const struct report_cols *cols)
{
	char where[64];
	size_t i;
	enum tk_err rc;

	if (!json_is_array(a))
		return bad(name, "is missing or not an array");
	if (json_array_size(a) > max)
		return tk_fail_code(TK_ERR_LIMIT, "report_invalid", "report: %s has %zu rows (at most %zu)", name, json_array_size(a), max);
	for (i = 0; i < json_array_size(a); i++) {
		snprintf(where, sizeof(where), "%s[%zu]", name, i);
		if ((rc = check_row(json_array_get(a, i), where, label, 0, cols)) != TK_OK)
			return rc;
	}
	return TK_OK;
}

static enum tk_err check_counts_map(const json_t *m, const char *name)
{
	const char *k;
	json_t *v;
	char what[96];

	if (!json_is_object(m))
		return bad(name, "is missing or not an object");
	if (json_object_size(m) > REPORT_MAX_BREAKDOWN)
		return tk_fail_code(TK_ERR_LIMIT, "report_invalid", "report: %s has more than %u entries", name, REPORT_MAX_BREAKDOWN);
	json_object_foreach ((json_t *)m, k, v) {
		if (strlen(k) == 0 || strlen(k) > 128)
			return bad(name, "has a key that is empty or longer than 128 bytes");
		if (!count_ok(v)) {
			snprintf(what, sizeof(what), "%s.%.64s", name, k);
			return bad(what, "is not an integer from 0 to 2^53");
		}
	}
	return TK_OK;
}

enum tk_err report_check(const json_t *rep, struct report_cols *cols)
{
	static const char *const inst_keys[] = { "organization", "base_url", "issuer" };
	static const char *const agr_keys[] = { "title", "user_number", "issuer_number", "signed_on" };
	const json_t *v, *inst, *agr, *bd;
	size_t i;
	int64_t t;
	enum tk_err rc;

	cols->n = 0;
	if (!json_is_object(rep))
		return bad("the report", "is not a JSON object");
	v = json_object_get(rep, "report");
	if (!json_is_string(v) || strcmp(json_string_value(v), "usage") != 0)
		return bad("report", "is not \"usage\"");
	v = json_object_get(rep, "schema");
	if (!json_is_integer(v) || json_integer_value(v) != 1)
		return bad("schema", "is not 1 (the schema these renderers know)");
	v = json_object_get(rep, "year");
	if (!json_is_integer(v) || json_integer_value(v) < 1970 || json_integer_value(v) > 9999)
		return bad("year", "is missing or not a year from 1970 to 9999");
	v = json_object_get(rep, "unit");
	if (!json_is_null(v) && !name_ok(v, REPORT_MAX_NAME))
		return bad("unit", "is neither null nor a string of at most 1024 bytes");
	v = json_object_get(rep, "generated_at");
	if (!json_is_string(v) || time_parse_iso(json_string_value(v), &t) != TK_OK) {
		tk_clear_error();
		return bad("generated_at", "is missing or not an ISO 8601 UTC time");
	}
	v = json_object_get(rep, "timezone");
	if (!name_ok(v, 64))
		return bad("timezone", "is missing or not a string");
	inst = json_object_get(rep, "instance");
	if (!json_is_object(inst))
		return bad("instance", "is missing or not an object");
	for (i = 0; i < sizeof(inst_keys) / sizeof(inst_keys[0]); i++)
		if (!name_ok(json_object_get(inst, inst_keys[i]), REPORT_MAX_NAME))
			return bad("instance", "lacks organization, base_url or issuer as strings of at most 1024 bytes");
	agr = json_object_get(inst, "agreement");
	if (!json_is_object(agr))
		return bad("instance.agreement", "is missing or not an object");
	for (i = 0; i < sizeof(agr_keys) / sizeof(agr_keys[0]); i++)
		if (!name_ok(json_object_get(agr, agr_keys[i]), REPORT_MAX_NAME))
			return bad("instance.agreement", "lacks title, user_number, issuer_number or signed_on as strings of at most 1024 bytes");
	v = json_object_get(rep, "totals");
	if (!json_is_object(v))
		return bad("totals", "is missing or not an object");
	if ((rc = find_cols(v, cols)) != TK_OK || (rc = check_row(v, "totals", NULL, 0, cols)) != TK_OK)
		return rc;
	v = json_object_get(rep, "by_month");
	if (!json_is_array(v) || json_array_size(v) != 12)
		return bad("by_month", "is missing or not an array of 12 rows");
	for (i = 0; i < 12; i++) {
		char where[32];
		snprintf(where, sizeof(where), "by_month[%zu]", i);
		if ((rc = check_row(json_array_get(v, i), where, "month", 1, cols)) != TK_OK)
			return rc;
		if (json_integer_value(json_object_get(json_array_get(v, i), "month")) != (json_int_t)i + 1)
			return bad(where, "is not the month of its place (1 to 12 in order)");
	}
	if ((rc = check_rows(json_object_get(rep, "by_unit"), "by_unit", "unit", REPORT_MAX_ROWS, cols)) != TK_OK ||
	    (rc = check_rows(json_object_get(rep, "by_application"), "by_application", "application", REPORT_MAX_ROWS, cols)) != TK_OK)
		return rc;
	bd = json_object_get(rep, "breakdown");
	if (!json_is_object(bd))
		return bad("breakdown", "is missing or not an object");
	if ((rc = check_counts_map(json_object_get(bd, "revoked_by_reason"), "breakdown.revoked_by_reason")) != TK_OK ||
	    (rc = check_counts_map(json_object_get(bd, "signing_failures_by_cause"), "breakdown.signing_failures_by_cause")) != TK_OK ||
	    (json_object_get(bd, "documents_by_channel") != NULL && /* optional: added to schema 1 later */
		(rc = check_counts_map(json_object_get(bd, "documents_by_channel"), "breakdown.documents_by_channel")) != TK_OK))
		return rc;
	v = json_object_get(bd, "verifikators");
	if (!json_is_array(v))
		return bad("breakdown.verifikators", "is missing or not an array");
	if (json_array_size(v) > REPORT_MAX_ROWS)
		return tk_fail_code(TK_ERR_LIMIT, "report_invalid", "report: breakdown.verifikators has more than %u rows", REPORT_MAX_ROWS);
	for (i = 0; i < json_array_size(v); i++) {
		const json_t *r = json_array_get(v, i);
		if (!json_is_object(r) || !name_ok(json_object_get(r, "verifikator"), REPORT_MAX_NAME) ||
		    !count_ok(json_object_get(r, "approvals")) || !count_ok(json_object_get(r, "rejections")) ||
		    !median_ok(json_object_get(r, "median_decision_seconds")))
			return bad("breakdown.verifikators",
			    "has a row without verifikator (string), approvals, rejections (integers) or median_decision_seconds (number or null)");
	}
	return TK_OK;
}

void report_cell(const json_t *row, const char *key, char out[40])
{
	const json_t *v = json_object_get(row, key);

	if (json_is_integer(v))
		snprintf(out, 40, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v)) {
		double d = json_real_value(v);
		if (d == floor(d))
			snprintf(out, 40, "%.0f", d);
		else
			snprintf(out, 40, "%.1f", d);
	} else
		out[0] = '\0';
}

double report_num(const json_t *row, const char *key, int *is_null)
{
	const json_t *v = json_object_get(row, key);

	if (is_null != NULL)
		*is_null = !json_is_number(v);
	return json_is_number(v) ? json_number_value(v) : 0.0;
}

const char *report_str(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s != NULL ? s : "";
}

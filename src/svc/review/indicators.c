/*
 * The automatic indicators of the implementation review (docs/review.md
 * "Automatic indicators"): each reads teken's own records and answers
 * pass or fail with the evidence it looked at (who, which documents,
 * which hash, counts and the failing rows), so the reviewer can check the
 * verdict rather than trust it.
 */
#include "svc/review/review_int.h"
#include "svc/base/base_int.h"

#include "svc/audit/audit.h"
#include "svc/ca/ca.h"
#include "svc/notice/notice.h"
#include "svc/report/report.h"
#include "svc/sign/sign.h"
#include "crypto/crypto.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EVIDENCE_ROWS 50 /* failing rows named in an evidence object (counts stay exact) */

static enum tk_err nomem(void)
{
	return tk_fail(TK_ERR_NOMEM, "review: out of memory");
}

static int add(json_t *arr, json_t *v)
{
	return v == NULL || json_array_append_new(arr, v) != 0;
}

static json_t *time_json(int64_t t)
{
	char s[32];

	time_iso_utc(t, s);
	return json_string(s);
}

/* Today's WIB date "YYYY-MM-DD". */
static void wib_today(char out[16])
{
	time_t t = (time_t)(tk_now() + REVIEW_WIB_OFFSET);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(out, 16, "%Y-%m-%d", &tm) == 0)
		out[0] = '\0';
}

/* PKS art. 4(1)l: at least two active Verifikators; the inactive ones are named too. */
static enum tk_err verifikator_minimum(struct svc_ctx *c, int *pass, json_t **ev)
{
	struct store_stmt *s = NULL;
	json_t *active = json_array(), *inactive = json_array();
	int row = 0;
	enum tk_err rc;

	if (active == NULL || inactive == NULL) {
		rc = nomem();
		goto out;
	}
	if ((rc = store_prepare(c->st, "SELECT username, active FROM users WHERE role = 'verifikator' ORDER BY username", &s)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		if (add(store_col_i64(s, 1) ? active : inactive, json_string(store_col_text(s, 0)))) {
			rc = nomem();
			goto out;
		}
	}
	if (rc != TK_OK)
		goto out;
	*pass = json_array_size(active) >= REVIEW_MIN_VERIFIKATORS;
	*ev = json_pack("{s:i, s:I, s:O, s:O}", "required", REVIEW_MIN_VERIFIKATORS, "active_count", (json_int_t)json_array_size(active), "active",
	    active, "inactive", inactive);
	rc = *ev == NULL ? nomem() : TK_OK;
out:
	store_finalize(s);
	json_decref(active);
	json_decref(inactive);
	return rc;
}

/*
 * PKS art. 4(1)j (R8): the newest REVIEW_SAMPLE_DOCS documents of the
 * registry, each PAdES one's recorded statement hash against the SHA-256
 * of the canonical BSrE statement compiled into teken. CAdES signatures
 * place no text (not applicable); documents signed before the registry
 * kept the hash are "unknown", never a pass.
 */
static enum tk_err bsre_statement(struct svc_ctx *c, int *pass, json_t **ev)
{
	const char *canon = sign_statement_default();
	struct store_stmt *s = NULL;
	json_t *differ = json_array(), *unknown = json_array();
	int64_t nsample = 0, nok = 0, ncades = 0, ndiffer = 0, nunknown = 0;
	char want[65];
	int row = 0;
	enum tk_err rc;

	if (differ == NULL || unknown == NULL) {
		rc = nomem();
		goto out;
	}
	sha256_hex(canon, strlen(canon), want);
	if ((rc = store_prepare(c->st, "SELECT id, kind, statement_sha256, signed_at FROM documents ORDER BY signed_at DESC, id LIMIT ?", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, REVIEW_SAMPLE_DOCS)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		nsample++;
		if (strcmp(store_col_text(s, 1), "cades") == 0) {
			ncades++;
		} else if (store_col_null(s, 2)) {
			nunknown++;
			if (nunknown <= EVIDENCE_ROWS && add(unknown, json_string(store_col_text(s, 0)))) {
				rc = nomem();
				goto out;
			}
		} else if (strcmp(store_col_text(s, 2), want) == 0) {
			nok++;
		} else {
			ndiffer++;
			if (ndiffer <= EVIDENCE_ROWS && add(differ, json_pack("{s:s, s:s, s:o}", "document", store_col_text(s, 0), "statement_sha256",
									store_col_text(s, 2), "signed_at", time_json(store_col_i64(s, 3))))) {
				rc = nomem();
				goto out;
			}
		}
	}
	if (rc != TK_OK)
		goto out;
	/* Nothing signed yet is nothing wrong; something signed must show the statement at least once. */
	*pass = ndiffer == 0 && (nok > 0 || nsample == ncades);
	*ev = json_pack("{s:s, s:i, s:I, s:I, s:I, s:I, s:I, s:O, s:O, s:s}", "canonical_sha256", want, "sample_limit", REVIEW_SAMPLE_DOCS,
	    "sampled", (json_int_t)nsample, "matching", (json_int_t)nok, "cades_not_applicable", (json_int_t)ncades, "different_count",
	    (json_int_t)ndiffer, "unknown_count", (json_int_t)nunknown, "different", differ, "unknown", unknown, "checked",
	    "the SHA-256 of the statement recorded in the registry when each document was signed (not re-read from the PDF)");
	rc = *ev == NULL ? nomem() : TK_OK;
out:
	store_finalize(s);
	json_decref(differ);
	json_decref(unknown);
	return rc;
}

/* PKS art. 4(2)d (R10): the newest CPS, its stored hash recomputed over its body. */
static enum tk_err cps_published(struct svc_ctx *c, int *pass, json_t **ev)
{
	struct cps_doc d;
	char got[65];
	enum tk_err rc;

	rc = cps_get(c, NULL, &d);
	if (rc == TK_ERR_NOT_FOUND) {
		tk_clear_error();
		*pass = 0;
		*ev = json_pack("{s:n, s:s}", "version", "problem", "no CPS has been published (teken cps publish)");
		buf_free(&d.body);
		return *ev == NULL ? nomem() : TK_OK;
	}
	if (rc != TK_OK) {
		buf_free(&d.body);
		return rc;
	}
	sha256_hex(d.body.p, d.body.len, got);
	*pass = strcmp(got, d.sha256) == 0;
	*ev = json_pack("{s:s, s:s, s:s, s:o, s:I, s:b}", "version", d.version, "sha256", d.sha256, "body_sha256", got, "published_at",
	    time_json(d.published_at), "size", (json_int_t)d.body.len, "hash_matches", *pass);
	buf_free(&d.body);
	return *ev == NULL ? nomem() : TK_OK;
}

/*
 * PKS art. 4(1)g (R7): the usage report of year Y is due on [report]
 * usage_due of Y+1. The "current" report is last year's once its due date
 * has passed; before that (January, by default) it is the year before
 * last's, whose due date has passed. Pass when a version of it was sent
 * (on time or late) or acknowledged.
 */
static enum tk_err usage_report_current(struct svc_ctx *c, int *pass, json_t **ev)
{
	json_t *sub = NULL;
	int year = review_wib_year(tk_now()) - 1;
	const char *ob;
	enum tk_err rc;

	if ((rc = report_submissions(c, year, NULL, &sub)) != TK_OK)
		return rc;
	if (strcmp(json_string_value(json_object_get(sub, "obligation")), "pending") == 0) {
		json_decref(sub);
		year--;
		if ((rc = report_submissions(c, year, NULL, &sub)) != TK_OK)
			return rc;
	}
	ob = json_string_value(json_object_get(sub, "obligation"));
	*pass = strcmp(ob, "met") == 0 || strcmp(ob, "late") == 0;
	*ev = json_pack("{s:i, s:O, s:s, s:O}", "year", year, "due", json_object_get(sub, "due"), "obligation", ob, "versions",
	    json_object_get(sub, "versions"));
	json_decref(sub);
	return *ev == NULL ? nomem() : TK_OK;
}

/* The audit hash chain and its signed checkpoints (svc/audit). */
static enum tk_err audit_chain_intact(struct svc_ctx *c, int *pass, json_t **ev)
{
	struct audit_report r;
	enum tk_err rc;

	if ((rc = audit_verify(c, &r)) != TK_OK)
		return rc;
	*pass = r.first_bad_seq == 0 && r.first_bad_checkpoint == 0;
	*ev = json_pack("{s:I, s:I, s:I, s:I, s:I, s:s, s:s}", "events", (json_int_t)r.events, "checkpoints", (json_int_t)r.checkpoints,
	    "first_bad_seq", (json_int_t)r.first_bad_seq, "first_bad_checkpoint", (json_int_t)r.first_bad_checkpoint, "unanchored",
	    (json_int_t)r.unanchored, "problem", r.problem, "warning", r.warning);
	return *ev == NULL ? nomem() : TK_OK;
}

/*
 * PKS art. 4(2)a (R2): no stored CRL is past its nextUpdate (teken makes a
 * CA's CRL on the first request and again at half-life: a CA with none
 * yet is listed as "not_generated", not a failure, but at least one CRL
 * must exist); no pre-produced OCSP response of a certificate still
 * within its validity period is past its nextUpdate.
 */
static enum tk_err revocation_fresh(struct svc_ctx *c, int *pass, json_t **ev)
{
	struct store_stmt *s = NULL;
	json_t *crls = json_array(), *stale = json_array();
	int64_t now = tk_now(), nocsp = 0, nstale = 0, nstale_crl = 0, nmissing = 0;
	int row = 0;
	enum tk_err rc;

	if (crls == NULL || stale == NULL) {
		rc = nomem();
		goto out;
	}
	if ((rc = store_prepare(c->st, "SELECT a.name, r.crl_number, r.this_update, r.next_update FROM cas a LEFT JOIN crls r ON r.ca_id = a.id"
				       " ORDER BY a.id",
		 &s)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		int missing = store_col_null(s, 3), fresh = !missing && store_col_i64(s, 3) > now;
		nmissing += missing;
		nstale_crl += !missing && !fresh;
		if (add(crls, missing ? json_pack("{s:s, s:s}", "ca", store_col_text(s, 0), "status", "not_generated")
				      : json_pack("{s:s, s:I, s:o, s:o, s:s}", "ca", store_col_text(s, 0), "crl_number", (json_int_t)store_col_i64(s, 1),
					    "this_update", time_json(store_col_i64(s, 2)), "next_update", time_json(store_col_i64(s, 3)), "status",
					    fresh ? "fresh" : "stale"))) {
			rc = nomem();
			goto out;
		}
	}
	if (rc != TK_OK)
		goto out;
	store_finalize(s);
	s = NULL;
	if ((rc = store_prepare(c->st, "SELECT o.serial, o.next_update FROM ocsp_responses o JOIN certs k ON k.serial = o.serial"
				       " WHERE k.not_after > ? ORDER BY o.next_update, o.serial",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, now)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		nocsp++;
		if (store_col_i64(s, 1) <= now) {
			nstale++;
			if (nstale <= EVIDENCE_ROWS &&
			    add(stale, json_pack("{s:s, s:o}", "serial", store_col_text(s, 0), "next_update", time_json(store_col_i64(s, 1))))) {
				rc = nomem();
				goto out;
			}
		}
	}
	if (rc != TK_OK)
		goto out;
	*pass = nstale_crl == 0 && nstale == 0 && (int64_t)json_array_size(crls) > nmissing;
	*ev = json_pack("{s:o, s:O, s:I, s:I, s:O}", "now", time_json(now), "crls", crls, "ocsp_responses", (json_int_t)nocsp, "ocsp_stale_count",
	    (json_int_t)nstale, "ocsp_stale", stale);
	rc = *ev == NULL ? nomem() : TK_OK;
out:
	store_finalize(s);
	json_decref(crls);
	json_decref(stale);
	return rc;
}

/* No document of the registry signed after its certificate's notAfter or at/after its revocation. */
static enum tk_err expired_not_used(struct svc_ctx *c, int *pass, json_t **ev)
{
	struct store_stmt *s = NULL;
	json_t *bad = json_array();
	int64_t ndocs = 0, nbad = 0;
	int row = 0;
	enum tk_err rc;

	if (bad == NULL)
		return nomem();
	if ((rc = store_query_i64(c->st, "SELECT COUNT(*) FROM documents", NULL, &ndocs)) != TK_OK)
		goto out;
	if ((rc = store_prepare(c->st, "SELECT d.id, d.cert_serial, d.signed_at, k.not_after, k.status, k.revoked_at FROM documents d"
				       " JOIN certs k ON k.serial = d.cert_serial WHERE d.signed_at > k.not_after"
				       " OR (k.status = 'revoked' AND k.revoked_at IS NOT NULL AND d.signed_at >= k.revoked_at)"
				       " ORDER BY d.signed_at, d.id",
		 &s)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		nbad++;
		if (nbad <= EVIDENCE_ROWS &&
		    add(bad, json_pack("{s:s, s:s, s:o, s:o, s:s, s:o}", "document", store_col_text(s, 0), "cert_serial", store_col_text(s, 1), "signed_at",
				 time_json(store_col_i64(s, 2)), "not_after", time_json(store_col_i64(s, 3)), "cert_status", store_col_text(s, 4),
				 "revoked_at", store_col_null(s, 5) ? json_null() : time_json(store_col_i64(s, 5))))) {
			rc = nomem();
			goto out;
		}
	}
	if (rc != TK_OK)
		goto out;
	*pass = nbad == 0;
	*ev = json_pack("{s:I, s:I, s:O}", "documents_checked", (json_int_t)ndocs, "violations_count", (json_int_t)nbad, "violations", bad);
	rc = *ev == NULL ? nomem() : TK_OK;
out:
	store_finalize(s);
	json_decref(bad);
	return rc;
}

/*
 * PKS art. 4(1)e (R6): every security-assessment request is answered by
 * its due date. Unanswered: status 'requested' (nothing uploaded) or
 * 'returned' (sent back to the ministry for a new report); overdue: its
 * due_on (a WIB date) is before today (the due day itself still counts).
 */
static enum tk_err assessment_on_file(struct svc_ctx *c, int *pass, json_t **ev)
{
	struct store_stmt *s = NULL;
	json_t *overdue = json_array();
	int64_t total = 0, open = 0, nover = 0;
	char today[16];
	int row = 0;
	enum tk_err rc;

	if (overdue == NULL)
		return nomem();
	wib_today(today);
	if ((rc = store_query_i64(c->st, "SELECT COUNT(*) FROM assessment_requests", NULL, &total)) != TK_OK ||
	    (rc = store_query_i64(c->st, "SELECT COUNT(*) FROM assessment_requests WHERE status IN ('requested','returned')", NULL, &open)) != TK_OK)
		goto out;
	if ((rc = store_prepare(c->st, "SELECT id, system_name, due_on, status FROM assessment_requests WHERE status IN ('requested','returned')"
				       " AND due_on < ? ORDER BY due_on, id",
		 &s)) != TK_OK ||
	    (rc = store_bind_text(s, 1, today)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		nover++;
		if (nover <= EVIDENCE_ROWS && add(overdue, json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)store_col_i64(s, 0), "system_name",
							       store_col_text(s, 1), "due_on", store_col_text(s, 2), "status", store_col_text(s, 3)))) {
			rc = nomem();
			goto out;
		}
	}
	if (rc != TK_OK)
		goto out;
	*pass = nover == 0;
	*ev = json_pack("{s:s, s:I, s:I, s:I, s:O}", "today", today, "requests", (json_int_t)total, "unanswered", (json_int_t)open, "overdue_count",
	    (json_int_t)nover, "overdue", overdue);
	rc = *ev == NULL ? nomem() : TK_OK;
out:
	store_finalize(s);
	json_decref(overdue);
	return rc;
}

/* PKS art. 12 (R17): an evaluation record held within the current WIB calendar year. */
static enum tk_err monev_held(struct svc_ctx *c, int *pass, json_t **ev)
{
	struct store_stmt *s = NULL;
	json_t *found = json_array();
	int year = review_wib_year(tk_now());
	char from[16], to[16];
	int row = 0;
	enum tk_err rc;

	if (found == NULL)
		return nomem();
	if ((rc = str_fmt(from, sizeof(from), "%04d-01-01", year)) != TK_OK || (rc = str_fmt(to, sizeof(to), "%04d-12-31", year)) != TK_OK)
		goto out;
	if ((rc = store_prepare(c->st, "SELECT id, held_on, title, state FROM evaluations WHERE held_on >= ? AND held_on <= ? ORDER BY held_on DESC, id",
		 &s)) != TK_OK ||
	    (rc = store_bind_text(s, 1, from)) != TK_OK || (rc = store_bind_text(s, 2, to)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		if (json_array_size(found) < EVIDENCE_ROWS && add(found, json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)store_col_i64(s, 0), "held_on",
									     store_col_text(s, 1), "title", store_col_text(s, 2), "state", store_col_text(s, 3)))) {
			rc = nomem();
			goto out;
		}
	}
	if (rc != TK_OK)
		goto out;
	*pass = json_array_size(found) > 0;
	*ev = json_pack("{s:i, s:O}", "year", year, "evaluations", found);
	rc = *ev == NULL ? nomem() : TK_OK;
out:
	store_finalize(s);
	json_decref(found);
	return rc;
}

/* PKS art. 4(2)g, 5(1)g (R13): every change notice acknowledged within [notice] ack_days of publication (svc/notice). */
static enum tk_err notices_acknowledged(struct svc_ctx *c, int *pass, json_t **ev)
{
	return notice_ack_indicator(c, tk_now(), pass, ev);
}

static const struct {
	const char *id;
	enum tk_err (*fn)(struct svc_ctx *c, int *pass, json_t **ev);
} autos[] = {
	{ "verifikator_minimum", verifikator_minimum },
	{ "bsre_statement", bsre_statement },
	{ "cps_published", cps_published },
	{ "usage_report_current", usage_report_current },
	{ "audit_chain_intact", audit_chain_intact },
	{ "revocation_fresh", revocation_fresh },
	{ "expired_not_used", expired_not_used },
	{ "assessment_on_file", assessment_on_file },
	{ "monev_held", monev_held },
	{ "notices_acknowledged", notices_acknowledged },
};

int review_auto_known(const char *id)
{
	size_t i;

	for (i = 0; i < sizeof(autos) / sizeof(autos[0]); i++)
		if (strcmp(autos[i].id, id) == 0)
			return 1;
	return 0;
}

enum tk_err review_auto_eval(struct svc_ctx *c, const char *id, int *pass, json_t **evidence)
{
	size_t i;

	*evidence = NULL;
	*pass = 0;
	for (i = 0; i < sizeof(autos) / sizeof(autos[0]); i++)
		if (strcmp(autos[i].id, id) == 0)
			return autos[i].fn(c, pass, evidence);
	return tk_fail_code(TK_ERR_INVALID, "unknown_indicator", "no automatic indicator %s", id);
}

enum tk_err review_indicators(struct svc_ctx *c, char **out)
{
	json_t *doc = NULL, *arr = NULL, *v;
	int64_t ver = 0;
	char sha[65];
	size_t i;
	enum tk_err rc;

	if ((rc = review_allowed(c, REVIEW_READ)) != TK_OK || (rc = review_instr_load(c, 0, &doc, &ver, sha)) != TK_OK)
		return rc;
	if ((arr = json_array()) == NULL) {
		rc = nomem();
		goto out;
	}
	json_array_foreach (json_object_get(doc, "indicators"), i, v) {
		const char *id = json_string_value(json_object_get(v, "id"));
		json_t *ev = NULL;
		int pass = 0;
		if (strcmp(json_string_value(json_object_get(v, "evaluation")), "auto") == 0) {
			if ((rc = review_auto_eval(c, id, &pass, &ev)) != TK_OK)
				goto out;
			if (add(arr, json_pack("{s:s, s:s, s:o}", "id", id, "status", pass ? "pass" : "fail", "evidence", ev))) {
				rc = nomem();
				goto out;
			}
		} else if (add(arr, json_pack("{s:s, s:s, s:n}", "id", id, "status", "manual", "evidence"))) {
			rc = nomem();
			goto out;
		}
	}
	rc = svc_json_dump(arr, out);
	arr = NULL;
out:
	json_decref(doc);
	json_decref(arr);
	return rc;
}

/*
 * The agreement register (R15; docs/agreements.md "Register"): agreements,
 * addenda, the signed PDFs verified on upload, contacts with their history,
 * the demo agreement of a fresh instance and the particulars other
 * services print (agreement_current). Reminders: agreement_remind.c.
 */
#include "svc/agreement/agreement_int.h"

#include "config/config.h"
#include "svc/audit/audit.h"
#include "svc/base/base_int.h"
#include "svc/calendar/calendar.h"
#include "svc/notify/notify.h"
#include "svc/verify/verify_svc.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ helpers */

static int is_role(const struct svc_ctx *c, const char *role)
{
	return c->actor.kind == ACTOR_PERSON && strcmp(c->actor.role, role) == 0;
}

enum tk_err agreement_may_read(const struct svc_ctx *c)
{
	if (c->actor.kind == ACTOR_OPERATOR || is_role(c, "admin") || is_role(c, "auditor"))
		return TK_OK;
	return tk_fail_code(TK_ERR_DENIED, "forbidden", "the agreement register is for admins (ministry) and auditors (issuer)");
}

enum tk_err agreement_may_manage(const struct svc_ctx *c)
{
	if (c->actor.kind == ACTOR_OPERATOR || is_role(c, "admin"))
		return TK_OK;
	return tk_fail_code(TK_ERR_DENIED, "forbidden", "only the ministry's admins manage the agreement register");
}

/* A member that is a string checked by svc_check_text; *out NULL when absent. */
static enum tk_err member(json_t *in, const char *key, int required, size_t max, int multiline, const char **out)
{
	enum tk_err rc;

	*out = NULL;
	if ((rc = svc_json_str(in, key, required, max, out)) != TK_OK)
		return rc;
	return svc_check_text(*out, key, required, max, multiline);
}

/* A member that is a date YYYY-MM-DD; *s NULL when absent (and not required). */
static enum tk_err member_day(json_t *in, const char *key, int required, const char **s, int64_t *day)
{
	enum tk_err rc;

	*s = NULL;
	if ((rc = svc_json_str(in, key, required, 10, s)) != TK_OK)
		return rc;
	if (*s == NULL || (*s)[0] == '\0') {
		*s = NULL;
		return required ? tk_fail_code(TK_ERR_INVALID, "missing_field", "%s is required", key) : TK_OK;
	}
	return cal_day_parse(*s, key, day);
}

enum tk_err agreement_audit(struct svc_ctx *c, const char *action, int64_t id, json_t *details)
{
	char obj[48], *d = NULL;
	enum tk_err rc;

	if ((rc = str_fmt(obj, sizeof(obj), "agreement:%lld", (long long)id)) != TK_OK || (rc = svc_json_dump(details, &d)) != TK_OK)
		return rc;
	rc = audit_append(c, action, obj, d);
	free(d);
	return rc;
}

/* The last day of a term: signed_on + months - 1 day (art. 7(1): signed 2025-01-24 for 48 months runs through 2029-01-23). */
int64_t agreement_term_end(int64_t signed_day, int months)
{
	return cal_add_months(signed_day, months) - 1;
}

static json_t *opt_text(struct store_stmt *s, int col)
{
	return store_col_null(s, col) ? json_null() : json_string(store_col_text(s, col));
}

static json_t *opt_i64(struct store_stmt *s, int col)
{
	return store_col_null(s, col) ? json_null() : json_integer(store_col_i64(s, col));
}

/* ------------------------------------------------------------ reading */

/* pdf_sha256, LENGTH(pdf), pdf_indication, pdf_subindication, pdf_verification, pdf_uploaded_by, pdf_uploaded_at, document_id from col on. */
#define PDF_COLS "pdf_sha256, LENGTH(pdf), pdf_indication, pdf_subindication, pdf_verification, pdf_uploaded_by, pdf_uploaded_at, document_id"

static json_t *pdf_json(struct store_stmt *s, int col)
{
	json_error_t jerr;
	json_t *sigs;

	if (store_col_null(s, col))
		return json_null();
	sigs = store_col_null(s, col + 4) ? NULL : json_loads(store_col_text(s, col + 4), 0, &jerr);
	return json_pack("{s:s, s:I, s:o, s:o, s:o, s:o, s:o, s:o}", "sha256", store_col_text(s, col), "size", (json_int_t)store_col_i64(s, col + 1),
	    "indication", opt_text(s, col + 2), "subindication", opt_text(s, col + 3), "signatures", sigs != NULL ? sigs : json_array(),
	    "uploaded_by", opt_text(s, col + 5), "uploaded_at", opt_i64(s, col + 6), "document_id", opt_text(s, col + 7));
}

#define AGR_COLS "id, title, number_first, number_second, party_first, party_second, signed_on, term_months, ends_on, status, ended_on," \
		 " end_reason, created_by, created_at, updated_at, " PDF_COLS
#define AGR_PDF_COL 15

static json_t *agreement_row_json(struct store_stmt *s, int64_t today)
{
	int64_t ends = 0;
	const char *status = store_col_text(s, 9);
	json_t *o;

	if (cal_day_parse(store_col_text(s, 8), "ends_on", &ends) != TK_OK) {
		tk_clear_error();
		ends = today; /* stored by us: cannot happen; a read never fails over it */
	}
	o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:o, s:o, s:s, s:I, s:I, s:I, s:b, s:o}", "id",
	    (json_int_t)store_col_i64(s, 0), "title", store_col_text(s, 1), "number_first", store_col_text(s, 2), "number_second",
	    store_col_text(s, 3), "party_first", store_col_text(s, 4), "party_second", store_col_text(s, 5), "signed_on", store_col_text(s, 6),
	    "term_months", (json_int_t)store_col_i64(s, 7), "ends_on", store_col_text(s, 8), "status", status, "ended_on", opt_text(s, 10),
	    "end_reason", opt_text(s, 11), "created_by", store_col_text(s, 12), "created_at", (json_int_t)store_col_i64(s, 13), "updated_at",
	    (json_int_t)store_col_i64(s, 14), "days_left", (json_int_t)(ends - today), "in_force_now",
	    strcmp(status, "ended") != 0 && today <= ends, "pdf", pdf_json(s, AGR_PDF_COL));
	return o;
}

#define CONTACT_COLS "id, party, official, position, address, phone, email, valid_from, valid_to, changed_on, notice_due, letter_id," \
		     " recorded_by, recorded_at"

static json_t *contact_row_json(struct store_stmt *s, int64_t today)
{
	const char *party = store_col_text(s, 1), *st;
	int64_t due = 0;

	if (store_col_null(s, 9))
		st = "initial";
	else if (strcmp(party, "first") != 0)
		st = "received";
	else if (!store_col_null(s, 11))
		st = "notified";
	else if (!store_col_null(s, 10) && cal_day_parse(store_col_text(s, 10), "notice_due", &due) == TK_OK && today > due)
		st = "overdue";
	else
		st = "pending";
	tk_clear_error();
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:s, s:s, s:I}", "id", (json_int_t)store_col_i64(s, 0), "party",
	    party, "official", store_col_text(s, 2), "position", store_col_text(s, 3), "address", store_col_text(s, 4), "phone",
	    store_col_text(s, 5), "email", store_col_text(s, 6), "valid_from", store_col_text(s, 7), "valid_to", opt_text(s, 8), "changed_on",
	    opt_text(s, 9), "notice_due", opt_text(s, 10), "letter_id", opt_i64(s, 11), "notice_status", st, "recorded_by",
	    store_col_text(s, 12), "recorded_at", (json_int_t)store_col_i64(s, 13));
}

/* Appends the contact rows of id (party NULL: both), oldest first. */
static enum tk_err contacts_json(struct svc_ctx *c, int64_t id, const char *party, int64_t today, json_t *arr)
{
	struct store_stmt *s = NULL;
	int row = 0;
	size_t n = 0;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, party == NULL ? "SELECT " CONTACT_COLS " FROM agreement_contacts WHERE agreement_id = ? ORDER BY id" : "SELECT " CONTACT_COLS " FROM agreement_contacts WHERE agreement_id = ? AND party = ? ORDER BY id",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, id)) != TK_OK || (party != NULL && (rc = store_bind_text(s, 2, party)) != TK_OK))
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row && n < AGREEMENT_MAX_CONTACTS) {
		json_t *o = contact_row_json(s, today);
		if (o == NULL || json_array_append_new(arr, o) != 0) {
			rc = tk_fail(TK_ERR_NOMEM, "out of memory");
			break;
		}
		n++;
	}
out:
	store_finalize(s);
	return rc;
}

static enum tk_err addenda_json(struct svc_ctx *c, int64_t id, json_t *arr)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "SELECT id, number, title, signed_on, effective_on, summary, extends_to, created_by, created_at, " PDF_COLS " FROM agreement_addenda WHERE agreement_id = ? ORDER BY id", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, id)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:I, s:o}", "id", (json_int_t)store_col_i64(s, 0), "number",
		    store_col_text(s, 1), "title", store_col_text(s, 2), "signed_on", store_col_text(s, 3), "effective_on", store_col_text(s, 4),
		    "summary", store_col_text(s, 5), "extends_to", opt_text(s, 6), "created_by", store_col_text(s, 7), "created_at",
		    (json_int_t)store_col_i64(s, 8), "pdf", pdf_json(s, 9));
		if (o == NULL || json_array_append_new(arr, o) != 0) {
			rc = tk_fail(TK_ERR_NOMEM, "out of memory");
			break;
		}
	}
out:
	store_finalize(s);
	return rc;
}

static enum tk_err record_json(struct svc_ctx *c, int64_t id, json_t **out)
{
	struct store_stmt *s = NULL;
	json_t *o = NULL, *add = json_array(), *hist = json_array(), *cur = json_object();
	int64_t today = cal_wib_day(tk_now());
	char td[16];
	size_t i;
	json_t *row;
	int r = 0;
	enum tk_err rc;

	*out = NULL;
	if (add == NULL || hist == NULL || cur == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = store_prepare(c->st, "SELECT " AGR_COLS " FROM agreements WHERE id = ?", &s)) != TK_OK || (rc = store_bind_i64(s, 1, id)) != TK_OK ||
	    (rc = store_step(s, &r)) != TK_OK)
		goto out;
	if (!r) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_agreement", "no agreement %lld", (long long)id);
		goto out;
	}
	if ((o = agreement_row_json(s, today)) == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
		goto out;
	}
	store_finalize(s);
	s = NULL;
	if ((rc = addenda_json(c, id, add)) != TK_OK || (rc = contacts_json(c, id, NULL, today, hist)) != TK_OK)
		goto out;
	/* The current contact of each party: its row without valid_to (the newest such). */
	json_object_set_new(cur, "first", json_null());
	json_object_set_new(cur, "second", json_null());
	json_array_foreach (hist, i, row) {
		if (json_is_null(json_object_get(row, "valid_to")))
			json_object_set(cur, json_string_value(json_object_get(row, "party")), row);
	}
	cal_day_str(today, td);
	if (json_object_set(o, "addenda", add) != 0 || json_object_set(o, "contacts", cur) != 0 || json_object_set(o, "contact_history", hist) != 0 ||
	    json_object_set_new(o, "today", json_string(td)) != 0) {
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
		goto out;
	}
	*out = o;
	o = NULL;
out:
	store_finalize(s);
	json_decref(o);
	json_decref(add);
	json_decref(hist);
	json_decref(cur);
	return rc;
}

enum tk_err agreement_get(struct svc_ctx *c, int64_t id, char **out)
{
	json_t *o = NULL;
	enum tk_err rc;

	if ((rc = agreement_may_read(c)) != TK_OK || (rc = record_json(c, id, &o)) != TK_OK)
		return rc;
	return svc_json_dump(o, out);
}

enum tk_err agreement_list(struct svc_ctx *c, char **out)
{
	struct store_stmt *s = NULL;
	int64_t today = cal_wib_day(tk_now());
	json_t *arr;
	int row = 0;
	size_t n = 0;
	enum tk_err rc;

	if ((rc = agreement_may_read(c)) != TK_OK)
		return rc;
	if ((arr = json_array()) == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	if ((rc = store_prepare(c->st, "SELECT " AGR_COLS ", (SELECT COUNT(*) FROM agreement_addenda a WHERE a.agreement_id = agreements.id)"
				       " FROM agreements ORDER BY signed_on DESC, id DESC LIMIT 200",
		 &s)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row && n < AGREEMENT_MAX_LIST) {
		json_t *o = agreement_row_json(s, today);
		if (o == NULL || json_object_set_new(o, "addenda_count", json_integer(store_col_i64(s, AGR_PDF_COL + 8))) != 0 ||
		    json_array_append_new(arr, o) != 0) {
			rc = tk_fail(TK_ERR_NOMEM, "out of memory");
			break;
		}
		n++;
	}
	if (rc == TK_OK)
		rc = svc_json_dump(json_incref(arr), out);
out:
	store_finalize(s);
	json_decref(arr);
	return rc;
}

enum tk_err agreement_contact_history(struct svc_ctx *c, int64_t id, const char *party, char **out)
{
	json_t *arr;
	int64_t n = 0;
	char idtxt[24];
	enum tk_err rc;

	if ((rc = agreement_may_read(c)) != TK_OK)
		return rc;
	if (party != NULL && strcmp(party, "first") != 0 && strcmp(party, "second") != 0)
		return tk_fail_code(TK_ERR_INVALID, "invalid_party", "party must be first or second");
	if ((rc = str_fmt(idtxt, sizeof(idtxt), "%lld", (long long)id)) != TK_OK ||
	    (rc = store_query_i64(c->st, "SELECT COUNT(*) FROM agreements WHERE id = CAST(? AS INTEGER)", idtxt, &n)) != TK_OK)
		return rc;
	if (n == 0)
		return tk_fail_code(TK_ERR_NOT_FOUND, "unknown_agreement", "no agreement %lld", (long long)id);
	if ((arr = json_array()) == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	if ((rc = contacts_json(c, id, party, cal_wib_day(tk_now()), arr)) != TK_OK) {
		json_decref(arr);
		return rc;
	}
	return svc_json_dump(arr, out);
}

/* ------------------------------------------------------------ particulars */

struct particulars {
	const char *title, *number_first, *number_second, *party_first, *party_second, *signed_on;
	int64_t signed_day;
	int64_t term; /* 0: absent */
};

static enum tk_err particulars_parse(json_t *in, int create, struct particulars *p)
{
	json_t *t;
	enum tk_err rc;

	memset(p, 0, sizeof(*p));
	if (!json_is_object(in))
		return tk_fail_code(TK_ERR_INVALID, "invalid_body", "expected a JSON object");
	if ((rc = member(in, "title", create, AGREEMENT_MAX_TITLE, 0, &p->title)) != TK_OK ||
	    (rc = member(in, "number_first", create, AGREEMENT_MAX_NUMBER, 0, &p->number_first)) != TK_OK ||
	    (rc = member(in, "number_second", create, AGREEMENT_MAX_NUMBER, 0, &p->number_second)) != TK_OK ||
	    (rc = member(in, "party_first", create, AGREEMENT_MAX_TITLE, 0, &p->party_first)) != TK_OK ||
	    (rc = member(in, "party_second", create, AGREEMENT_MAX_TITLE, 0, &p->party_second)) != TK_OK ||
	    (rc = member_day(in, "signed_on", create, &p->signed_on, &p->signed_day)) != TK_OK)
		return rc;
	/* On an update a given member must not be empty: the register keeps both numbers and both parties. */
	if (!create) {
		const char *v[] = { p->title, p->number_first, p->number_second, p->party_first, p->party_second };
		const char *k[] = { "title", "number_first", "number_second", "party_first", "party_second" };
		size_t i;
		for (i = 0; i < 5; i++)
			if (v[i] != NULL && v[i][0] == '\0')
				return tk_fail_code(TK_ERR_INVALID, "missing_field", "%s must not be empty", k[i]);
	}
	if (p->signed_on != NULL && p->signed_day > cal_wib_day(tk_now()) + 1)
		return tk_fail_code(TK_ERR_INVALID, "signed_in_future", "signed_on %s is in the future: register an agreement once it is signed",
		    p->signed_on);
	t = json_object_get(in, "term_months");
	if (t != NULL && !json_is_null(t)) {
		if (!json_is_integer(t) || json_integer_value(t) < AGREEMENT_MIN_TERM || json_integer_value(t) > AGREEMENT_MAX_TERM)
			return tk_fail_code(TK_ERR_INVALID, "invalid_term", "term_months must be a whole number of months from %d to %d",
			    AGREEMENT_MIN_TERM, AGREEMENT_MAX_TERM);
		p->term = (int64_t)json_integer_value(t);
	}
	return TK_OK;
}

struct contact_in {
	const char *official, *position, *address, *phone, *email;
};

static enum tk_err contact_parse(json_t *in, const char *where, struct contact_in *ci)
{
	enum tk_err rc;

	memset(ci, 0, sizeof(*ci));
	if (!json_is_object(in))
		return tk_fail_code(TK_ERR_INVALID, "invalid_contact", "%s must be an object {official, position, address, phone, email}", where);
	if ((rc = member(in, "official", 1, AGREEMENT_MAX_FIELD, 0, &ci->official)) != TK_OK ||
	    (rc = member(in, "position", 0, AGREEMENT_MAX_FIELD, 0, &ci->position)) != TK_OK ||
	    (rc = member(in, "address", 0, AGREEMENT_MAX_FIELD, 1, &ci->address)) != TK_OK ||
	    (rc = member(in, "phone", 0, 64, 0, &ci->phone)) != TK_OK || (rc = member(in, "email", 0, AGREEMENT_MAX_EMAIL, 0, &ci->email)) != TK_OK)
		return tk_wrap(rc, "%s", where);
	if (ci->email != NULL && ci->email[0] != '\0' && !notify_email_ok(ci->email))
		return tk_fail_code(TK_ERR_INVALID, "invalid_email", "%s: email is not one e-mail address", where);
	return TK_OK;
}

/* Inserts a contact row. changed_on NULL: the first contact (no notice clock). */
static enum tk_err contact_insert(struct svc_ctx *c, int64_t id, const char *party, const struct contact_in *ci, const char *valid_from,
    const char *changed_on, const char *notice_due, int64_t *cid)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "INSERT INTO agreement_contacts (agreement_id, party, official, position, address, phone, email, valid_from,"
				       " changed_on, notice_due, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, id)) != TK_OK || (rc = store_bind_text(s, 2, party)) != TK_OK ||
	    (rc = store_bind_text(s, 3, ci->official)) != TK_OK || (rc = store_bind_text(s, 4, ci->position ? ci->position : "")) != TK_OK ||
	    (rc = store_bind_text(s, 5, ci->address ? ci->address : "")) != TK_OK || (rc = store_bind_text(s, 6, ci->phone ? ci->phone : "")) != TK_OK ||
	    (rc = store_bind_text(s, 7, ci->email ? ci->email : "")) != TK_OK || (rc = store_bind_text(s, 8, valid_from)) != TK_OK ||
	    (rc = changed_on ? store_bind_text(s, 9, changed_on) : store_bind_null(s, 9)) != TK_OK ||
	    (rc = notice_due ? store_bind_text(s, 10, notice_due) : store_bind_null(s, 10)) != TK_OK ||
	    (rc = store_bind_text(s, 11, c->actor.user)) != TK_OK || (rc = store_bind_i64(s, 12, tk_now())) != TK_OK ||
	    (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row)
		rc = tk_fail(TK_ERR_STORE, "agreement: insert returned no id");
	else if (cid != NULL)
		*cid = store_col_i64(s, 0);
out:
	store_finalize(s);
	return rc;
}

struct create_arg {
	struct particulars p;
	struct contact_in ci[2];
	int has[2];
	int64_t id;
	const char *seed; /* "demo" for the seed */
};

static enum tk_err create_tx(struct svc_ctx *c, void *arg)
{
	struct create_arg *a = arg;
	struct store_stmt *s = NULL;
	static const char *const parties[2] = { "first", "second" };
	int64_t now = tk_now();
	int term = a->p.term > 0 ? (int)a->p.term : AGREEMENT_DEFAULT_TERM;
	char ends[16];
	size_t i;
	int row = 0;
	enum tk_err rc;

	cal_day_str(agreement_term_end(a->p.signed_day, term), ends);
	if ((rc = store_prepare(c->st, "INSERT INTO agreements (title, number_first, number_second, party_first, party_second, signed_on, term_months,"
				       " ends_on, status, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'in_force', ?, ?, ?) RETURNING id",
		 &s)) != TK_OK ||
	    (rc = store_bind_text(s, 1, a->p.title)) != TK_OK || (rc = store_bind_text(s, 2, a->p.number_first)) != TK_OK ||
	    (rc = store_bind_text(s, 3, a->p.number_second)) != TK_OK || (rc = store_bind_text(s, 4, a->p.party_first)) != TK_OK ||
	    (rc = store_bind_text(s, 5, a->p.party_second)) != TK_OK || (rc = store_bind_text(s, 6, a->p.signed_on)) != TK_OK ||
	    (rc = store_bind_i64(s, 7, term)) != TK_OK || (rc = store_bind_text(s, 8, ends)) != TK_OK ||
	    (rc = store_bind_text(s, 9, c->actor.user)) != TK_OK || (rc = store_bind_i64(s, 10, now)) != TK_OK ||
	    (rc = store_bind_i64(s, 11, now)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail(TK_ERR_STORE, "agreement: insert returned no id");
		goto out;
	}
	a->id = store_col_i64(s, 0);
	store_finalize(s);
	s = NULL;
	for (i = 0; i < 2; i++)
		if (a->has[i] && (rc = contact_insert(c, a->id, parties[i], &a->ci[i], a->p.signed_on, NULL, NULL, NULL)) != TK_OK)
			goto out;
	rc = agreement_audit(c, "agreement.create", a->id,
	    json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:s?}", "title", a->p.title, "number_first", a->p.number_first, "number_second",
		a->p.number_second, "signed_on", a->p.signed_on, "term_months", (json_int_t)term, "ends_on", ends, "seed", a->seed));
out:
	store_finalize(s);
	return rc;
}

static enum tk_err create_parse(json_t *in, struct create_arg *a)
{
	json_t *cts;
	static const char *const parties[2] = { "first", "second" };
	size_t i;
	enum tk_err rc;

	if ((rc = particulars_parse(in, 1, &a->p)) != TK_OK)
		return rc;
	cts = json_object_get(in, "contacts");
	if (cts != NULL && !json_is_null(cts)) {
		if (!json_is_object(cts))
			return tk_fail_code(TK_ERR_INVALID, "invalid_contact", "contacts must be an object {first, second}");
		for (i = 0; i < 2; i++) {
			json_t *x = json_object_get(cts, parties[i]);
			char where[32];
			if (x == NULL || json_is_null(x))
				continue;
			if ((rc = str_fmt(where, sizeof(where), "contacts.%s", parties[i])) != TK_OK || (rc = contact_parse(x, where, &a->ci[i])) != TK_OK)
				return rc;
			a->has[i] = 1;
		}
	}
	return TK_OK;
}

enum tk_err agreement_create(struct svc_ctx *c, json_t *in, char **out)
{
	struct create_arg a;
	enum tk_err rc;

	memset(&a, 0, sizeof(a));
	if ((rc = agreement_may_manage(c)) != TK_OK || (rc = create_parse(in, &a)) != TK_OK || (rc = svc_in_tx(c, create_tx, &a)) != TK_OK)
		return rc;
	return agreement_get(c, a.id, out);
}

/* The columns of an agreement the write paths decide on. */
struct agr_state {
	char status[16], signed_on[16], ends_on[16];
	int64_t term;
	int64_t signed_day, ends_day;
	int has_extension;
	int64_t extension_day; /* the furthest extends_to */
};

static enum tk_err state_load(struct svc_ctx *c, int64_t id, struct agr_state *st)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	memset(st, 0, sizeof(*st));
	if ((rc = store_prepare(c->st, "SELECT status, signed_on, ends_on, term_months, (SELECT MAX(extends_to) FROM agreement_addenda a"
				       " WHERE a.agreement_id = agreements.id) FROM agreements WHERE id = ?",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_agreement", "no agreement %lld", (long long)id);
		goto out;
	}
	st->term = store_col_i64(s, 3);
	if ((rc = str_copy(st->status, sizeof(st->status), store_col_text(s, 0))) != TK_OK ||
	    (rc = str_copy(st->signed_on, sizeof(st->signed_on), store_col_text(s, 1))) != TK_OK ||
	    (rc = str_copy(st->ends_on, sizeof(st->ends_on), store_col_text(s, 2))) != TK_OK ||
	    (rc = cal_day_parse(st->signed_on, "signed_on", &st->signed_day)) != TK_OK || (rc = cal_day_parse(st->ends_on, "ends_on", &st->ends_day)) != TK_OK)
		goto out;
	if (!store_col_null(s, 4)) {
		st->has_extension = 1;
		rc = cal_day_parse(store_col_text(s, 4), "extends_to", &st->extension_day);
	}
out:
	store_finalize(s);
	return rc;
}

struct update_arg {
	struct particulars p;
	int64_t id;
};

static enum tk_err update_tx(struct svc_ctx *c, void *arg)
{
	struct update_arg *a = arg;
	struct store_stmt *s = NULL;
	struct agr_state st;
	json_t *changed = json_array();
	const char *names[] = { "title", "number_first", "number_second", "party_first", "party_second", "signed_on" };
	const char *vals[] = { a->p.title, a->p.number_first, a->p.number_second, a->p.party_first, a->p.party_second, a->p.signed_on };
	int64_t signed_day, ends_day, term;
	char ends[16];
	size_t i;
	int row = 0;
	enum tk_err rc;

	if (changed == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	if ((rc = state_load(c, a->id, &st)) != TK_OK)
		goto out;
	if (strcmp(st.status, "ended") == 0) {
		rc = tk_fail_code(TK_ERR_CONFLICT, "agreement_ended", "agreement %lld has ended: its particulars no longer change", (long long)a->id);
		goto out;
	}
	for (i = 0; i < 6; i++)
		if (vals[i] != NULL && json_array_append_new(changed, json_string(names[i])) != 0) {
			rc = tk_fail(TK_ERR_NOMEM, "out of memory");
			goto out;
		}
	if (a->p.term > 0 && json_array_append_new(changed, json_string("term_months")) != 0) {
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (json_array_size(changed) == 0) {
		rc = tk_fail_code(TK_ERR_INVALID, "nothing_to_change",
		    "give at least one of title, number_first, number_second, party_first, party_second, signed_on, term_months");
		goto out;
	}
	signed_day = a->p.signed_on != NULL ? a->p.signed_day : st.signed_day;
	term = a->p.term > 0 ? a->p.term : st.term;
	ends_day = agreement_term_end(signed_day, (int)term);
	/* An extending addendum keeps its end unless the new term runs longer. */
	if (st.has_extension && st.extension_day > ends_day)
		ends_day = st.extension_day;
	cal_day_str(ends_day, ends);
	if ((rc = store_prepare(c->st, "UPDATE agreements SET title = COALESCE(?, title), number_first = COALESCE(?, number_first),"
				       " number_second = COALESCE(?, number_second), party_first = COALESCE(?, party_first), party_second = COALESCE(?, party_second),"
				       " signed_on = COALESCE(?, signed_on), term_months = ?, ends_on = ?, updated_at = ? WHERE id = ?",
		 &s)) != TK_OK)
		goto out;
	for (i = 0; i < 6; i++)
		if ((rc = vals[i] ? store_bind_text(s, (int)i + 1, vals[i]) : store_bind_null(s, (int)i + 1)) != TK_OK)
			goto out;
	if ((rc = store_bind_i64(s, 7, term)) != TK_OK || (rc = store_bind_text(s, 8, ends)) != TK_OK || (rc = store_bind_i64(s, 9, tk_now())) != TK_OK ||
	    (rc = store_bind_i64(s, 10, a->id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	rc = agreement_audit(c, "agreement.update", a->id, json_pack("{s:O, s:s, s:s}", "changed", changed, "ends_on_before", st.ends_on, "ends_on", ends));
out:
	store_finalize(s);
	json_decref(changed);
	return rc;
}

enum tk_err agreement_update(struct svc_ctx *c, int64_t id, json_t *in, char **out)
{
	struct update_arg a;
	enum tk_err rc;

	memset(&a, 0, sizeof(a));
	a.id = id;
	if ((rc = agreement_may_manage(c)) != TK_OK || (rc = particulars_parse(in, 0, &a.p)) != TK_OK)
		return rc;
	if (json_object_get(in, "contacts") != NULL)
		return tk_fail_code(TK_ERR_INVALID, "use_contact_change", "contacts change through POST /api/v1/agreements/{id}/contacts, which keeps their history");
	if ((rc = svc_in_tx(c, update_tx, &a)) != TK_OK)
		return rc;
	return agreement_get(c, id, out);
}

struct end_arg {
	int64_t id, day;
	const char *ended_on, *reason;
};

static enum tk_err end_tx(struct svc_ctx *c, void *arg)
{
	struct end_arg *a = arg;
	struct store_stmt *s = NULL;
	struct agr_state st;
	int row = 0;
	enum tk_err rc;

	if ((rc = state_load(c, a->id, &st)) != TK_OK)
		return rc;
	if (strcmp(st.status, "ended") == 0)
		return tk_fail_code(TK_ERR_CONFLICT, "agreement_ended", "agreement %lld has ended already", (long long)a->id);
	if (a->day < st.signed_day)
		return tk_fail_code(TK_ERR_INVALID, "ended_before_signed", "ended_on %s precedes the signing date %s", a->ended_on, st.signed_on);
	if ((rc = store_prepare(c->st, "UPDATE agreements SET status = 'ended', ended_on = ?, end_reason = ?, updated_at = ? WHERE id = ?", &s)) == TK_OK &&
	    (rc = store_bind_text(s, 1, a->ended_on)) == TK_OK && (rc = store_bind_text(s, 2, a->reason)) == TK_OK &&
	    (rc = store_bind_i64(s, 3, tk_now())) == TK_OK && (rc = store_bind_i64(s, 4, a->id)) == TK_OK)
		rc = store_step(s, &row);
	store_finalize(s);
	if (rc != TK_OK)
		return rc;
	return agreement_audit(c, "agreement.end", a->id,
	    json_pack("{s:s, s:s, s:s, s:s}", "ended_on", a->ended_on, "reason", a->reason, "status_before", st.status, "ends_on", st.ends_on));
}

enum tk_err agreement_end(struct svc_ctx *c, int64_t id, json_t *in, char **out)
{
	struct end_arg a;
	enum tk_err rc;

	memset(&a, 0, sizeof(a));
	a.id = id;
	if ((rc = agreement_may_manage(c)) != TK_OK)
		return rc;
	if (!json_is_object(in))
		return tk_fail_code(TK_ERR_INVALID, "invalid_body", "expected a JSON object");
	if ((rc = member_day(in, "ended_on", 1, &a.ended_on, &a.day)) != TK_OK || (rc = member(in, "reason", 1, AGREEMENT_MAX_TEXT, 1, &a.reason)) != TK_OK)
		return rc;
	if ((rc = svc_in_tx(c, end_tx, &a)) != TK_OK)
		return rc;
	return agreement_get(c, id, out);
}

/* ------------------------------------------------------------ addenda */

struct addendum_arg {
	int64_t id, aid;
	const char *number, *title, *signed_on, *effective_on, *summary, *extends_to;
	int64_t signed_day, effective_day, extends_day;
};

static enum tk_err addendum_tx(struct svc_ctx *c, void *arg)
{
	struct addendum_arg *a = arg;
	struct store_stmt *s = NULL;
	struct agr_state st;
	int64_t n = 0;
	char idtxt[24];
	int row = 0;
	enum tk_err rc;

	if ((rc = state_load(c, a->id, &st)) != TK_OK)
		return rc;
	if (strcmp(st.status, "ended") == 0)
		return tk_fail_code(TK_ERR_CONFLICT, "agreement_ended", "agreement %lld has ended: it takes no addendum", (long long)a->id);
	if (a->signed_day < st.signed_day)
		return tk_fail_code(TK_ERR_INVALID, "addendum_before_agreement", "the addendum's signed_on %s precedes the agreement's %s", a->signed_on,
		    st.signed_on);
	if (a->extends_to != NULL && a->extends_day <= st.ends_day)
		return tk_fail_code(TK_ERR_INVALID, "extends_not_later", "extends_to %s must be after the current end %s", a->extends_to, st.ends_on);
	if ((rc = str_fmt(idtxt, sizeof(idtxt), "%lld", (long long)a->id)) != TK_OK ||
	    (rc = store_query_i64(c->st, "SELECT COUNT(*) FROM agreement_addenda WHERE agreement_id = CAST(? AS INTEGER)", idtxt, &n)) != TK_OK)
		return rc;
	if (n >= AGREEMENT_MAX_ADDENDA)
		return tk_fail_code(TK_ERR_LIMIT, "too_many_addenda", "an agreement has at most %u addenda", AGREEMENT_MAX_ADDENDA);
	if ((rc = store_prepare(c->st, "INSERT INTO agreement_addenda (agreement_id, number, title, signed_on, effective_on, summary, extends_to,"
				       " created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, a->id)) != TK_OK || (rc = store_bind_text(s, 2, a->number)) != TK_OK ||
	    (rc = store_bind_text(s, 3, a->title)) != TK_OK || (rc = store_bind_text(s, 4, a->signed_on)) != TK_OK ||
	    (rc = store_bind_text(s, 5, a->effective_on)) != TK_OK || (rc = store_bind_text(s, 6, a->summary ? a->summary : "")) != TK_OK ||
	    (rc = a->extends_to ? store_bind_text(s, 7, a->extends_to) : store_bind_null(s, 7)) != TK_OK ||
	    (rc = store_bind_text(s, 8, c->actor.user)) != TK_OK || (rc = store_bind_i64(s, 9, tk_now())) != TK_OK ||
	    (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail(TK_ERR_STORE, "agreement: insert returned no id");
		goto out;
	}
	a->aid = store_col_i64(s, 0);
	store_finalize(s);
	s = NULL;
	if (a->extends_to != NULL &&
	    ((rc = store_prepare(c->st, "UPDATE agreements SET ends_on = ?, status = 'extended', updated_at = ? WHERE id = ?", &s)) != TK_OK ||
		(rc = store_bind_text(s, 1, a->extends_to)) != TK_OK || (rc = store_bind_i64(s, 2, tk_now())) != TK_OK ||
		(rc = store_bind_i64(s, 3, a->id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK))
		goto out;
	rc = agreement_audit(c, "agreement.addendum.create", a->id,
	    json_pack("{s:I, s:s, s:s, s:s, s:s?, s:s?}", "addendum", (json_int_t)a->aid, "number", a->number, "signed_on", a->signed_on,
		"effective_on", a->effective_on, "extends_to", a->extends_to, "ends_on_before", a->extends_to ? st.ends_on : NULL));
out:
	store_finalize(s);
	return rc;
}

enum tk_err agreement_addendum_add(struct svc_ctx *c, int64_t id, json_t *in, char **out)
{
	struct addendum_arg a;
	enum tk_err rc;

	memset(&a, 0, sizeof(a));
	a.id = id;
	if ((rc = agreement_may_manage(c)) != TK_OK)
		return rc;
	if (!json_is_object(in))
		return tk_fail_code(TK_ERR_INVALID, "invalid_body", "expected a JSON object");
	if ((rc = member(in, "number", 1, AGREEMENT_MAX_NUMBER, 0, &a.number)) != TK_OK || (rc = member(in, "title", 1, AGREEMENT_MAX_TITLE, 0, &a.title)) != TK_OK ||
	    (rc = member_day(in, "signed_on", 1, &a.signed_on, &a.signed_day)) != TK_OK ||
	    (rc = member_day(in, "effective_on", 1, &a.effective_on, &a.effective_day)) != TK_OK ||
	    (rc = member(in, "summary", 0, AGREEMENT_MAX_TEXT, 1, &a.summary)) != TK_OK ||
	    (rc = member_day(in, "extends_to", 0, &a.extends_to, &a.extends_day)) != TK_OK)
		return rc;
	if (a.signed_day > cal_wib_day(tk_now()) + 1)
		return tk_fail_code(TK_ERR_INVALID, "signed_in_future", "signed_on %s is in the future: register an addendum once it is signed", a.signed_on);
	if (a.effective_day < a.signed_day)
		return tk_fail_code(TK_ERR_INVALID, "effective_before_signed", "effective_on %s precedes signed_on %s", a.effective_on, a.signed_on);
	if ((rc = svc_in_tx(c, addendum_tx, &a)) != TK_OK)
		return rc;
	return agreement_get(c, id, out);
}

/* ------------------------------------------------------------ signed PDFs */

/* What the verifier said of an upload, kept with it. */
struct pdf_check {
	char sha256[65];
	char indication[32], subindication[48];
	char *summary; /* JSON array text of the signatures */
	char document_id[32];
};

/* Verifies p under the instance's trust; refuses no PDF, no signature, a failed signature. */
static enum tk_err pdf_verify(struct svc_ctx *c, const uint8_t *p, size_t len, struct pdf_check *pc)
{
	struct verify_trust *t = NULL;
	struct verify_report *r = NULL;
	struct verify_svc_in in;
	struct store_stmt *s = NULL;
	json_t *sigs = NULL;
	size_t i, signed_n = 0;
	int row = 0;
	enum tk_err rc;

	memset(&in, 0, sizeof(in));
	if (len < 8 || memcmp(p, "%PDF-", 5) != 0)
		return tk_fail_code(TK_ERR_INVALID, "not_pdf", "the signed agreement must be a PDF file");
	in.data = p;
	in.len = len;
	in.revocation_optional = 1; /* the signers' certificates may come from another CA; the indication says what was known */
	if ((rc = verify_svc_trust(c, NULL, 0, NULL, 0, &t)) != TK_OK || (rc = verify_svc_run(c, t, &in, &r)) != TK_OK)
		goto out;
	if ((sigs = json_array()) == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < r->nsigs; i++) {
		const struct verify_sig *g = &r->sigs[i];
		char st[32] = "";
		if (!g->doc_timestamp)
			signed_n++;
		if (g->has_signing_time)
			time_iso_utc(g->signing_time, st);
		if (json_array_append_new(sigs, json_pack("{s:I, s:b, s:s, s:s, s:s?, s:s, s:s, s:s}", "index", (json_int_t)g->index, "timestamp",
						    g->doc_timestamp, "signer", g->signer, "issuer_dn", g->issuer_dn, "signing_time", st[0] ? st : NULL,
						    "level", g->level, "indication", verify_ind_name(g->ind), "subindication", verify_sub_name(g->sub))) != 0) {
			rc = tk_fail(TK_ERR_NOMEM, "out of memory");
			goto out;
		}
	}
	if (r->needs_password) {
		rc = tk_fail_code(TK_ERR_INVALID, "pdf_encrypted", "the PDF is encrypted with a password: upload the agreement as signed, without a password");
		goto out;
	}
	if (signed_n == 0 || r->no_signature) {
		rc = tk_fail_code(TK_ERR_INVALID, "no_signature", "the PDF holds no signature: upload the agreement as signed by the parties");
		goto out;
	}
	if (r->ind == VERIFY_TOTAL_FAILED) {
		rc = tk_fail_code(TK_ERR_CRYPTO, "signature_failed", "a signature of the PDF failed verification (%s): it is not kept",
		    verify_sub_name(r->sub));
		goto out;
	}
	if ((rc = str_copy(pc->sha256, sizeof(pc->sha256), r->sha256)) != TK_OK ||
	    (rc = str_copy(pc->indication, sizeof(pc->indication), verify_ind_name(r->ind))) != TK_OK ||
	    (rc = str_copy(pc->subindication, sizeof(pc->subindication), r->ind == VERIFY_TOTAL_PASSED ? "" : verify_sub_name(r->sub))) != TK_OK ||
	    (rc = svc_json_dump(json_incref(sigs), &pc->summary)) != TK_OK)
		goto out;
	/* The registry record when this instance signed these very bytes (as svc/verify finds it). */
	if ((rc = store_prepare(c->st, "SELECT id FROM documents WHERE sha256 = ? ORDER BY signed_at DESC LIMIT 1", &s)) != TK_OK ||
	    (rc = store_bind_text(s, 1, pc->sha256)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (row)
		rc = str_copy(pc->document_id, sizeof(pc->document_id), store_col_text(s, 0));
out:
	store_finalize(s);
	json_decref(sigs);
	verify_report_free(r);
	verify_trust_free(t);
	return rc;
}

struct upload_arg {
	int64_t id, aid;
	const uint8_t *p;
	size_t len;
	struct pdf_check pc;
};

static enum tk_err upload_tx(struct svc_ctx *c, void *arg)
{
	struct upload_arg *a = arg;
	struct store_stmt *s = NULL;
	struct agr_state st;
	char before[65] = "";
	int64_t n = 0;
	int row = 0;
	enum tk_err rc;

	if ((rc = state_load(c, a->id, &st)) != TK_OK)
		return rc;
	if (a->aid != 0) {
		if ((rc = store_prepare(c->st, "SELECT COUNT(*) FROM agreement_addenda WHERE id = ? AND agreement_id = ?", &s)) != TK_OK ||
		    (rc = store_bind_i64(s, 1, a->aid)) != TK_OK || (rc = store_bind_i64(s, 2, a->id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
			goto out;
		n = row ? store_col_i64(s, 0) : 0;
		store_finalize(s);
		s = NULL;
		if (n == 0) {
			rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_addendum", "agreement %lld has no addendum %lld", (long long)a->id, (long long)a->aid);
			goto out;
		}
	}
	/* A replaced file stays named in the audit log: which one was on record before. */
	if ((rc = store_prepare(c->st, a->aid != 0 ? "SELECT pdf_sha256 FROM agreement_addenda WHERE id = ?" : "SELECT pdf_sha256 FROM agreements WHERE id = ?",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, a->aid != 0 ? a->aid : a->id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (row && !store_col_null(s, 0) && (rc = str_copy(before, sizeof(before), store_col_text(s, 0))) != TK_OK)
		goto out;
	store_finalize(s);
	s = NULL;
	if ((rc = store_prepare(c->st, a->aid != 0 ? "UPDATE agreement_addenda SET pdf = ?, pdf_sha256 = ?, pdf_indication = ?, pdf_subindication = ?, pdf_verification = ?,"
						     " pdf_uploaded_by = ?, pdf_uploaded_at = ?, document_id = ? WHERE id = ?"
						   : "UPDATE agreements SET pdf = ?, pdf_sha256 = ?, pdf_indication = ?, pdf_subindication = ?, pdf_verification = ?,"
						     " pdf_uploaded_by = ?, pdf_uploaded_at = ?, document_id = ? WHERE id = ?",
		 &s)) != TK_OK ||
	    (rc = store_bind_blob(s, 1, a->p, a->len)) != TK_OK || (rc = store_bind_text(s, 2, a->pc.sha256)) != TK_OK ||
	    (rc = store_bind_text(s, 3, a->pc.indication)) != TK_OK ||
	    (rc = a->pc.subindication[0] ? store_bind_text(s, 4, a->pc.subindication) : store_bind_null(s, 4)) != TK_OK ||
	    (rc = store_bind_text(s, 5, a->pc.summary)) != TK_OK || (rc = store_bind_text(s, 6, c->actor.user)) != TK_OK ||
	    (rc = store_bind_i64(s, 7, tk_now())) != TK_OK ||
	    (rc = a->pc.document_id[0] ? store_bind_text(s, 8, a->pc.document_id) : store_bind_null(s, 8)) != TK_OK ||
	    (rc = store_bind_i64(s, 9, a->aid != 0 ? a->aid : a->id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (a->aid == 0) {
		store_finalize(s);
		s = NULL;
		if ((rc = store_prepare(c->st, "UPDATE agreements SET updated_at = ? WHERE id = ?", &s)) != TK_OK ||
		    (rc = store_bind_i64(s, 1, tk_now())) != TK_OK || (rc = store_bind_i64(s, 2, a->id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
			goto out;
	}
	rc = agreement_audit(c, a->aid != 0 ? "agreement.addendum.pdf" : "agreement.pdf", a->id,
	    json_pack("{s:o, s:s, s:I, s:s, s:s?, s:s?, s:s?}", "addendum", a->aid != 0 ? json_integer(a->aid) : json_null(), "sha256", a->pc.sha256,
		"size", (json_int_t)a->len, "indication", a->pc.indication, "subindication", a->pc.subindication[0] ? a->pc.subindication : NULL,
		"document_id", a->pc.document_id[0] ? a->pc.document_id : NULL, "replaces_sha256", before[0] ? before : NULL));
out:
	store_finalize(s);
	return rc;
}

enum tk_err agreement_pdf_upload(struct svc_ctx *c, int64_t id, int64_t addendum_id, const uint8_t *p, size_t len, char **out)
{
	struct upload_arg a;
	struct agr_state st;
	enum tk_err rc;

	memset(&a, 0, sizeof(a));
	a.id = id;
	a.aid = addendum_id;
	a.p = p;
	a.len = len;
	if ((rc = agreement_may_manage(c)) != TK_OK)
		return rc;
	if (len > AGREEMENT_MAX_PDF)
		return tk_fail_code(TK_ERR_LIMIT, "too_large", "the signed PDF is larger than %u bytes", AGREEMENT_MAX_PDF);
	/* An unknown agreement is said before the (slow) verification. */
	if ((rc = state_load(c, id, &st)) != TK_OK)
		return rc;
	if ((rc = pdf_verify(c, p, len, &a.pc)) == TK_OK && (rc = svc_in_tx(c, upload_tx, &a)) == TK_OK)
		rc = agreement_get(c, id, out);
	free(a.pc.summary);
	return rc;
}

enum tk_err agreement_pdf_get(struct svc_ctx *c, int64_t id, int64_t addendum_id, struct buf *out, char name[96])
{
	struct store_stmt *s = NULL;
	const uint8_t *p;
	size_t len = 0;
	int row = 0;
	enum tk_err rc;

	if ((rc = agreement_may_read(c)) != TK_OK)
		return rc;
	if (addendum_id != 0)
		rc = store_prepare(c->st, "SELECT pdf FROM agreement_addenda WHERE id = ? AND agreement_id = ?", &s);
	else
		rc = store_prepare(c->st, "SELECT pdf FROM agreements WHERE id = ?", &s);
	if (rc != TK_OK || (rc = store_bind_i64(s, 1, addendum_id != 0 ? addendum_id : id)) != TK_OK ||
	    (addendum_id != 0 && (rc = store_bind_i64(s, 2, id)) != TK_OK) || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = addendum_id != 0 ? tk_fail_code(TK_ERR_NOT_FOUND, "unknown_addendum", "agreement %lld has no addendum %lld", (long long)id, (long long)addendum_id)
				      : tk_fail_code(TK_ERR_NOT_FOUND, "unknown_agreement", "no agreement %lld", (long long)id);
		goto out;
	}
	if (store_col_null(s, 0)) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "no_pdf", "no signed PDF was uploaded for this %s", addendum_id != 0 ? "addendum" : "agreement");
		goto out;
	}
	p = store_col_blob(s, 0, &len);
	if ((rc = buf_append(out, p, len)) != TK_OK)
		goto out;
	rc = addendum_id != 0 ? str_fmt(name, 96, "adendum-%lld-%lld.pdf", (long long)id, (long long)addendum_id)
			      : str_fmt(name, 96, "perjanjian-%lld.pdf", (long long)id);
out:
	store_finalize(s);
	return rc;
}

/* ------------------------------------------------------------ contacts */

struct contact_arg {
	int64_t id, cid;
	const char *party, *changed_on;
	int64_t changed_day;
	struct contact_in ci;
	char notice_due[16];
};

static enum tk_err contact_tx(struct svc_ctx *c, void *arg)
{
	struct contact_arg *a = arg;
	struct store_stmt *s = NULL;
	struct agr_state st;
	struct cal_deadline dl;
	int64_t prev_id = 0, prev_from = 0;
	char prev_official[AGREEMENT_MAX_FIELD + 1] = "";
	int row = 0;
	enum tk_err rc;

	if ((rc = state_load(c, a->id, &st)) != TK_OK)
		return rc;
	if (strcmp(st.status, "ended") == 0)
		return tk_fail_code(TK_ERR_CONFLICT, "agreement_ended", "agreement %lld has ended: its contacts no longer change", (long long)a->id);
	if ((rc = store_prepare(c->st, "SELECT id, valid_from, official FROM agreement_contacts WHERE agreement_id = ? AND party = ? AND valid_to IS NULL"
				       " ORDER BY id DESC LIMIT 1",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, a->id)) != TK_OK || (rc = store_bind_text(s, 2, a->party)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (row) {
		prev_id = store_col_i64(s, 0);
		if ((rc = cal_day_parse(store_col_text(s, 1), "valid_from", &prev_from)) != TK_OK ||
		    (rc = str_copy(prev_official, sizeof(prev_official), store_col_text(s, 2))) != TK_OK)
			goto out;
		if (a->changed_day < prev_from) {
			rc = tk_fail_code(TK_ERR_INVALID, "changed_before_current", "changed_on %s precedes the current contact's valid_from %s", a->changed_on,
			    store_col_text(s, 1));
			goto out;
		}
	}
	store_finalize(s);
	s = NULL;
	/* Art. 15(2): the other party is notified within 7 working days of the change. */
	if ((rc = cal_deadline(c, CAL_RULE_CONTACT_CHANGE, a->changed_day, &dl)) != TK_OK)
		goto out;
	cal_day_str(dl.deadline, a->notice_due);
	if (prev_id != 0 &&
	    ((rc = store_prepare(c->st, "UPDATE agreement_contacts SET valid_to = ? WHERE id = ?", &s)) != TK_OK ||
		(rc = store_bind_text(s, 1, a->changed_on)) != TK_OK || (rc = store_bind_i64(s, 2, prev_id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK))
		goto out;
	if ((rc = contact_insert(c, a->id, a->party, &a->ci, a->changed_on, a->changed_on, a->notice_due, &a->cid)) != TK_OK)
		goto out;
	/* Officials' names are the parties' published contacts; phone, address and e-mail stay out of the log. */
	rc = agreement_audit(c, "agreement.contact.change", a->id,
	    json_pack("{s:s, s:I, s:o, s:s, s:s, s:s, s:s, s:b}", "party", a->party, "contact", (json_int_t)a->cid, "replaces", prev_id != 0 ? json_integer(prev_id) : json_null(),
		"official_before", prev_official, "official", a->ci.official, "changed_on", a->changed_on, "notice_due", a->notice_due, "provisional",
		dl.provisional));
out:
	store_finalize(s);
	return rc;
}

enum tk_err agreement_contact_change(struct svc_ctx *c, int64_t id, json_t *in, char **out)
{
	struct contact_arg a;
	enum tk_err rc;

	memset(&a, 0, sizeof(a));
	a.id = id;
	if ((rc = agreement_may_read(c)) != TK_OK)
		return rc;
	if (!json_is_object(in))
		return tk_fail_code(TK_ERR_INVALID, "invalid_body", "expected a JSON object");
	if ((rc = svc_json_str(in, "party", 1, 8, &a.party)) != TK_OK)
		return rc;
	if (strcmp(a.party, "first") != 0 && strcmp(a.party, "second") != 0)
		return tk_fail_code(TK_ERR_INVALID, "invalid_party", "party must be first (the ministry) or second (the issuer)");
	/* The issuer's auditors record their own side's change (from their letter); the ministry's side is the ministry's. */
	if (strcmp(a.party, "first") == 0 && (rc = agreement_may_manage(c)) != TK_OK)
		return tk_fail_code(TK_ERR_DENIED, "forbidden", "only the ministry's admins record a change of PIHAK I's contact");
	if ((rc = member_day(in, "changed_on", 1, &a.changed_on, &a.changed_day)) != TK_OK || (rc = contact_parse(in, "contact", &a.ci)) != TK_OK)
		return rc;
	if ((rc = svc_in_tx(c, contact_tx, &a)) != TK_OK)
		return rc;
	return agreement_get(c, id, out);
}

/* ------------------------------------------------------------ for other services */

static enum tk_err from_config(struct svc_ctx *c, struct agreement_info *o)
{
	const struct config *cfg = c->inst->cfg;
	enum tk_err rc;

	o->id = 0;
	if ((rc = str_copy(o->title, sizeof(o->title), config_get_or(cfg, "agreement", "title", ""))) != TK_OK ||
	    (rc = str_copy(o->number_first, sizeof(o->number_first), config_get_or(cfg, "agreement", "user_number", ""))) != TK_OK ||
	    (rc = str_copy(o->number_second, sizeof(o->number_second), config_get_or(cfg, "agreement", "issuer_number", ""))) != TK_OK ||
	    (rc = str_copy(o->signed_on, sizeof(o->signed_on), config_get_or(cfg, "agreement", "signed_on", ""))) != TK_OK ||
	    (rc = str_copy(o->party_first, sizeof(o->party_first), config_get_or(cfg, "instance", "organization", ""))) != TK_OK ||
	    (rc = str_copy(o->party_second, sizeof(o->party_second),
		 config_get_or(cfg, "agreement", "issuer", "Balai Besar Sertifikasi Elektronik (BSrE), Badan Siber dan Sandi Negara"))) != TK_OK)
		return tk_wrap(rc, "[agreement] in teken.conf");
	o->ends_on[0] = '\0';
	return TK_OK;
}

enum tk_err agreement_current(struct svc_ctx *c, struct agreement_info *o)
{
	struct store_stmt *s = NULL;
	const char *conf_email = config_get(c->inst->cfg, "agreement", "issuer_email");
	int row = 0;
	enum tk_err rc;

	memset(o, 0, sizeof(*o));
	if ((rc = store_prepare(c->st, "SELECT a.id, a.title, a.number_first, a.number_second, a.party_first, a.party_second, a.signed_on, a.ends_on,"
				       " (SELECT k.email FROM agreement_contacts k WHERE k.agreement_id = a.id AND k.party = 'second' AND k.valid_to IS NULL ORDER BY k.id DESC LIMIT 1)"
				       " FROM agreements a WHERE a.status <> 'ended' ORDER BY a.signed_on DESC, a.id DESC LIMIT 1",
		 &s)) != TK_OK ||
	    (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = from_config(c, o);
	} else {
		o->id = store_col_i64(s, 0);
		if ((rc = str_copy(o->title, sizeof(o->title), store_col_text(s, 1))) != TK_OK ||
		    (rc = str_copy(o->number_first, sizeof(o->number_first), store_col_text(s, 2))) != TK_OK ||
		    (rc = str_copy(o->number_second, sizeof(o->number_second), store_col_text(s, 3))) != TK_OK ||
		    (rc = str_copy(o->party_first, sizeof(o->party_first), store_col_text(s, 4))) != TK_OK ||
		    (rc = str_copy(o->party_second, sizeof(o->party_second), store_col_text(s, 5))) != TK_OK ||
		    (rc = str_copy(o->signed_on, sizeof(o->signed_on), store_col_text(s, 6))) != TK_OK ||
		    (rc = str_copy(o->ends_on, sizeof(o->ends_on), store_col_text(s, 7))) != TK_OK ||
		    (rc = str_copy(o->issuer_email, sizeof(o->issuer_email), store_col_text(s, 8))) != TK_OK)
			goto out;
	}
	if (rc == TK_OK)
		rc = str_copy(o->issuer, sizeof(o->issuer),
		    config_get_or(c->inst->cfg, "agreement", "issuer", "Balai Besar Sertifikasi Elektronik (BSrE), Badan Siber dan Sandi Negara"));
	/* The contact's e-mail first; teken.conf's when the register has none. */
	if (rc == TK_OK && o->issuer_email[0] == '\0' && conf_email != NULL && conf_email[0] != '\0')
		rc = str_copy(o->issuer_email, sizeof(o->issuer_email), conf_email);
out:
	store_finalize(s);
	return rc;
}

/* ------------------------------------------------------------ the demo agreement */

enum tk_err agreement_seed_demo(struct svc_ctx *c, const char *organization)
{
	struct create_arg a;
	char party_first[AGREEMENT_MAX_TITLE + 1];
	enum tk_err rc;

	if (c->actor.kind != ACTOR_OPERATOR)
		return tk_fail_code(TK_ERR_DENIED, "forbidden", "the demo agreement is seeded by teken init only");
	/* "Sekretariat Jenderal Kementerian Contoh": the secretariat of the instance's organisation signs for PIHAK I. */
	if ((rc = str_fmt(party_first, sizeof(party_first), "Sekretariat Jenderal %s",
		 organization != NULL && organization[0] != '\0' ? organization : "Kementerian Contoh")) != TK_OK)
		return rc;
	memset(&a, 0, sizeof(a));
	a.p.title = "Perjanjian Kerja Sama tentang Pemanfaatan Sertifikat Elektronik pada Sistem Elektronik (contoh)";
	a.p.number_first = "800/123/SJ/2025";
	a.p.number_second = "45/PKS/BSrE/2025";
	a.p.party_first = party_first;
	a.p.party_second = "Sekretariat Utama Badan Siber dan Sandi Negara";
	a.p.signed_on = "2025-01-24";
	a.p.term = AGREEMENT_DEFAULT_TERM;
	if ((rc = cal_day_parse(a.p.signed_on, "signed_on", &a.p.signed_day)) != TK_OK)
		return rc;
	a.seed = "demo";
	a.has[0] = a.has[1] = 1;
	a.ci[0].official = "Budi Contoh, S.Kom., M.T. (contoh)";
	a.ci[0].position = "Kepala Pusat Data dan Informasi";
	a.ci[0].address = "Jl. Contoh Raya No. 1, Jakarta Pusat 10110";
	a.ci[0].phone = "+62 21 0000 0001";
	/* No e-mail addresses: the demo's contacts are placeholders, and mail (usage
	 * reports, tickets, letters, reminders) must go to a real contact recorded by
	 * an admin, or to [agreement] issuer_email / [monev] contacts until then. */
	a.ci[0].email = "";
	a.ci[1].official = "Sari Contoh, S.T., M.Kom. (contoh)";
	a.ci[1].position = "Kepala Balai Besar Sertifikasi Elektronik";
	a.ci[1].address = "Jl. Contoh Sandi No. 70, Jakarta Selatan 12550";
	a.ci[1].phone = "+62 21 0000 0002";
	a.ci[1].email = "";
	return svc_in_tx(c, create_tx, &a);
}

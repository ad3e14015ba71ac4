/*
 * Signed correspondence (R15): drafts, deadlines, signing by the named
 * official, sending through the outbox, incoming letters and
 * acknowledgements. See letter.h for the roles and the JSON.
 *
 * Deadline choices (docs/agreements.md "Correspondence"):
 *   - termination (art. 7(2)) and amendment proposal (art. 14(2)) dated
 *     after their deadline are refused (too_late): a late notice has no
 *     effect, so sending one would only mislead;
 *   - contact change (15(2)) and force majeure (11(3)) past their deadline
 *     are allowed and flagged late: the obligation is to notify, and
 *     refusing would make the breach worse;
 *   - an amendment proposal must be answered before it takes effect:
 *     reply_due = effective date - 1 calendar day;
 *   - a contact change is acknowledged within 7 working days of sending
 *     (the contact-change rule counted from the send date).
 */
#include "svc/letter/letter_int.h"

#include "svc/agreement/agreement.h"
#include "svc/audit/audit.h"
#include "svc/base/base_int.h"
#include "svc/calendar/calendar.h"
#include "svc/files/files.h"
#include "svc/notify/notify.h"
#include "svc/sign/sign.h"
#include "svc/verify/verify_svc.h"
#include "crypto/crypto.h"
#include "log/log.h"
#include "store/store.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

static const char *const KINDS[] = { "termination", "amendment_proposal", "amendment_answer", "contact_change",
	"force_majeure_verbal", "force_majeure_written", "general", NULL };

static int in_list(const char *s, const char *const *l)
{
	for (; *l != NULL; l++)
		if (strcmp(s, *l) == 0)
			return 1;
	return 0;
}

static int is_ministry(const struct svc_ctx *c)
{
	return c->actor.kind == ACTOR_OPERATOR || (c->actor.kind == ACTOR_PERSON && strcmp(c->actor.role, "admin") == 0);
}

static int is_auditor(const struct svc_ctx *c)
{
	return c->actor.kind == ACTOR_PERSON && strcmp(c->actor.role, "auditor") == 0;
}

static int is_subscriber(const struct svc_ctx *c)
{
	return c->actor.kind == ACTOR_PERSON && strcmp(c->actor.role, "subscriber") == 0;
}

static int64_t today(void)
{
	return cal_wib_day(tk_now());
}

const char *letter_field(const struct letter_row *r, const char *key)
{
	const char *s = json_string_value(json_object_get(r->fields, key));

	return s != NULL ? s : "";
}

static void row_free(struct letter_row *r)
{
	json_decref(r->fields);
	r->fields = NULL;
}

#define ROW_COLS "id, agreement_id, direction, kind, number, subject, fields, letter_date, COALESCE(event_date, ''), COALESCE(deadline, ''),"        \
		 " COALESCE(reply_due, ''), COALESCE(in_reply_to, 0), status, recipient, COALESCE(pdf_sha256, ''), COALESCE(document_id, ''),"       \
		 " COALESCE(signed_by, ''), COALESCE(signed_at, 0), COALESCE(sent_at, 0), COALESCE(received_on, ''), COALESCE(acknowledged_on, '')," \
		 " COALESCE(acknowledged_by, ''), created_by, created_at, updated_at, CASE WHEN pdf IS NULL THEN 0 ELSE 1 END"

static enum tk_err row_read(struct store_stmt *s, struct letter_row *r)
{
	json_error_t je;
	enum tk_err rc;

	memset(r, 0, sizeof(*r));
	r->id = store_col_i64(s, 0);
	r->agreement_id = store_col_i64(s, 1);
	r->in_reply_to = store_col_i64(s, 11);
	r->signed_at = store_col_i64(s, 17);
	r->sent_at = store_col_i64(s, 18);
	r->created_at = store_col_i64(s, 23);
	r->updated_at = store_col_i64(s, 24);
	r->has_pdf = (int)store_col_i64(s, 25);
	if ((rc = str_copy(r->direction, sizeof(r->direction), store_col_text(s, 2))) != TK_OK ||
	    (rc = str_copy(r->kind, sizeof(r->kind), store_col_text(s, 3))) != TK_OK ||
	    (rc = str_copy(r->number, sizeof(r->number), store_col_text(s, 4))) != TK_OK ||
	    (rc = str_copy(r->subject, sizeof(r->subject), store_col_text(s, 5))) != TK_OK ||
	    (rc = str_copy(r->letter_date, sizeof(r->letter_date), store_col_text(s, 7))) != TK_OK ||
	    (rc = str_copy(r->event_date, sizeof(r->event_date), store_col_text(s, 8))) != TK_OK ||
	    (rc = str_copy(r->deadline, sizeof(r->deadline), store_col_text(s, 9))) != TK_OK ||
	    (rc = str_copy(r->reply_due, sizeof(r->reply_due), store_col_text(s, 10))) != TK_OK ||
	    (rc = str_copy(r->status, sizeof(r->status), store_col_text(s, 12))) != TK_OK ||
	    (rc = str_copy(r->recipient, sizeof(r->recipient), store_col_text(s, 13))) != TK_OK ||
	    (rc = str_copy(r->pdf_sha256, sizeof(r->pdf_sha256), store_col_text(s, 14))) != TK_OK ||
	    (rc = str_copy(r->document_id, sizeof(r->document_id), store_col_text(s, 15))) != TK_OK ||
	    (rc = str_copy(r->signed_by, sizeof(r->signed_by), store_col_text(s, 16))) != TK_OK ||
	    (rc = str_copy(r->received_on, sizeof(r->received_on), store_col_text(s, 19))) != TK_OK ||
	    (rc = str_copy(r->acknowledged_on, sizeof(r->acknowledged_on), store_col_text(s, 20))) != TK_OK ||
	    (rc = str_copy(r->acknowledged_by, sizeof(r->acknowledged_by), store_col_text(s, 21))) != TK_OK ||
	    (rc = str_copy(r->created_by, sizeof(r->created_by), store_col_text(s, 22))) != TK_OK)
		return rc;
	r->fields = json_loads(store_col_text(s, 6), JSON_REJECT_DUPLICATES, &je);
	if (!json_is_object(r->fields)) {
		json_decref(r->fields);
		r->fields = json_object();
		if (r->fields == NULL)
			return tk_fail(TK_ERR_NOMEM, "out of memory");
	}
	return TK_OK;
}

static enum tk_err row_load(struct svc_ctx *c, int64_t id, struct letter_row *r)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	memset(r, 0, sizeof(*r));
	if ((rc = store_prepare(c->st, "SELECT " ROW_COLS " FROM letters WHERE id = ?", &s)) != TK_OK || (rc = store_bind_i64(s, 1, id)) != TK_OK ||
	    (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row)
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_letter", "letter %lld not found", (long long)id);
	else
		rc = row_read(s, r);
out:
	store_finalize(s);
	return rc;
}

/* Who sees a letter: the ministry all; the issuer what was sent to it and what it wrote; the signatory their own outgoing ones. */
static int may_read(const struct svc_ctx *c, const struct letter_row *r)
{
	if (is_ministry(c))
		return 1;
	if (is_auditor(c))
		return strcmp(r->direction, "incoming") == 0 ||
		       (strcmp(r->status, "sent") == 0 || strcmp(r->status, "acknowledged") == 0 || strcmp(r->status, "answered") == 0);
	if (is_subscriber(c))
		return strcmp(r->direction, "outgoing") == 0 && strcmp(letter_field(r, "signatory"), c->actor.user) == 0;
	return 0;
}

static enum tk_err row_load_visible(struct svc_ctx *c, int64_t id, struct letter_row *r)
{
	enum tk_err rc = row_load(c, id, r);

	if (rc == TK_OK && !may_read(c, r)) {
		row_free(r);
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_letter", "letter %lld not found", (long long)id);
	}
	return rc;
}

static json_t *str_or_null(const char *s)
{
	return s[0] != '\0' ? json_string(s) : json_null();
}

static json_t *i64_or_null(int64_t v)
{
	return v != 0 ? json_integer((json_int_t)v) : json_null();
}

static enum tk_err row_json(struct svc_ctx *c, const struct letter_row *r, json_t **out)
{
	char t[16];
	json_t *j, *ev = json_array();
	int late = r->deadline[0] != '\0' && strcmp(r->letter_date, r->deadline) > 0;
	int overdue;
	enum tk_err rc;

	cal_day_str(today(), t);
	overdue = r->reply_due[0] != '\0' && strcmp(t, r->reply_due) > 0 &&
		  ((strcmp(r->direction, "outgoing") == 0 && strcmp(r->status, "sent") == 0) ||
		      (strcmp(r->kind, "amendment_proposal") == 0 && (strcmp(r->status, "received") == 0 || strcmp(r->status, "acknowledged") == 0)));
	if (ev == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	if ((rc = files_list_json(c, "letters", r->id, ev)) != TK_OK) {
		json_decref(ev);
		return rc;
	}
	j = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:O, s:o, s:s, s:o, s:o, s:b, s:o, s:b, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o,"
		      " s:o, s:o, s:o, s:s, s:I, s:I, s:o}",
	    "id", (json_int_t)r->id, "agreement_id", (json_int_t)r->agreement_id, "direction", r->direction, "kind", r->kind, "number", r->number,
	    "subject", r->subject, "fields", r->fields, "signatory", str_or_null(letter_field(r, "signatory")), "letter_date", r->letter_date,
	    "event_date", str_or_null(r->event_date), "deadline", str_or_null(r->deadline), "late", late, "reply_due", str_or_null(r->reply_due),
	    "reply_overdue", overdue, "in_reply_to", i64_or_null(r->in_reply_to), "status", r->status, "recipient", str_or_null(r->recipient),
	    "pdf_sha256", str_or_null(r->pdf_sha256), "document_id", str_or_null(r->document_id), "signed_by", str_or_null(r->signed_by),
	    "signed_at", i64_or_null(r->signed_at), "sent_at", i64_or_null(r->sent_at), "received_on", str_or_null(r->received_on),
	    "acknowledged_on", str_or_null(r->acknowledged_on), "acknowledged_by", str_or_null(r->acknowledged_by), "has_pdf",
	    r->has_pdf ? json_true() : json_false(), "created_by", r->created_by, "created_at", (json_int_t)r->created_at, "updated_at",
	    (json_int_t)r->updated_at, "evidence", ev);
	if (j == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	*out = j;
	return TK_OK;
}

static enum tk_err row_dump(struct svc_ctx *c, int64_t id, char **out)
{
	struct letter_row r;
	json_t *j = NULL;
	enum tk_err rc;

	if ((rc = row_load(c, id, &r)) != TK_OK)
		return rc;
	if ((rc = row_json(c, &r, &j)) == TK_OK)
		rc = svc_json_dump(j, out);
	row_free(&r);
	return rc;
}

/* ---- the register (read only: tables of svc/agreement, migration 16) ---- */

enum tk_err letter_agreement_load(struct svc_ctx *c, int64_t id, struct letter_agreement *a)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	memset(a, 0, sizeof(*a));
	if ((rc = store_prepare(c->st, "SELECT id, title, number_first, number_second, party_first, party_second, signed_on FROM agreements WHERE id = ?",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_agreement", "agreement %lld not found", (long long)id);
		goto out;
	}
	a->id = store_col_i64(s, 0);
	if ((rc = str_copy(a->title, sizeof(a->title), store_col_text(s, 1))) != TK_OK ||
	    (rc = str_copy(a->number_first, sizeof(a->number_first), store_col_text(s, 2))) != TK_OK ||
	    (rc = str_copy(a->number_second, sizeof(a->number_second), store_col_text(s, 3))) != TK_OK ||
	    (rc = str_copy(a->party_first, sizeof(a->party_first), store_col_text(s, 4))) != TK_OK ||
	    (rc = str_copy(a->party_second, sizeof(a->party_second), store_col_text(s, 5))) != TK_OK)
		goto out;
	rc = str_copy(a->signed_on, sizeof(a->signed_on), store_col_text(s, 6));
out:
	store_finalize(s);
	return rc;
}

static enum tk_err contact_read(struct store_stmt *s, struct letter_contact *ct)
{
	enum tk_err rc;

	ct->id = store_col_i64(s, 0);
	if ((rc = str_copy(ct->party, sizeof(ct->party), store_col_text(s, 1))) != TK_OK ||
	    (rc = str_copy(ct->official, sizeof(ct->official), store_col_text(s, 2))) != TK_OK ||
	    (rc = str_copy(ct->position, sizeof(ct->position), store_col_text(s, 3))) != TK_OK ||
	    (rc = str_copy(ct->address, sizeof(ct->address), store_col_text(s, 4))) != TK_OK ||
	    (rc = str_copy(ct->phone, sizeof(ct->phone), store_col_text(s, 5))) != TK_OK ||
	    (rc = str_copy(ct->email, sizeof(ct->email), store_col_text(s, 6))) != TK_OK ||
	    (rc = str_copy(ct->valid_from, sizeof(ct->valid_from), store_col_text(s, 7))) != TK_OK)
		return rc;
	return str_copy(ct->changed_on, sizeof(ct->changed_on), store_col_text(s, 8));
}

#define CONTACT_COLS "id, party, official, position, address, phone, email, valid_from, COALESCE(changed_on, '')"

enum tk_err letter_contact_current(struct svc_ctx *c, int64_t agreement_id, const char *party, struct letter_contact *ct)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	memset(ct, 0, sizeof(*ct));
	if ((rc = store_prepare(c->st, "SELECT " CONTACT_COLS " FROM agreement_contacts WHERE agreement_id = ? AND party = ? AND valid_to IS NULL"
				       " ORDER BY valid_from DESC, id DESC LIMIT 1",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, agreement_id)) != TK_OK || (rc = store_bind_text(s, 2, party)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (row)
		rc = contact_read(s, ct);
out:
	store_finalize(s);
	return rc;
}

static enum tk_err contact_by_id(struct svc_ctx *c, int64_t agreement_id, int64_t id, struct letter_contact *ct)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	memset(ct, 0, sizeof(*ct));
	if ((rc = store_prepare(c->st, "SELECT " CONTACT_COLS " FROM agreement_contacts WHERE id = ? AND agreement_id = ?", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, id)) != TK_OK || (rc = store_bind_i64(s, 2, agreement_id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row)
		rc = tk_fail_code(TK_ERR_INVALID, "unknown_contact", "contact %lld is not a contact of agreement %lld", (long long)id,
		    (long long)agreement_id);
	else
		rc = contact_read(s, ct);
out:
	store_finalize(s);
	return rc;
}

/* The contact a new one replaced: the latest of the same party that started before it. */
static enum tk_err contact_previous(struct svc_ctx *c, const struct letter_contact *now, int64_t agreement_id, struct letter_contact *ct)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	memset(ct, 0, sizeof(*ct));
	if ((rc = store_prepare(c->st, "SELECT " CONTACT_COLS " FROM agreement_contacts WHERE agreement_id = ? AND party = ? AND id <> ?"
				       " AND valid_from <= ? ORDER BY valid_from DESC, id DESC LIMIT 1",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, agreement_id)) != TK_OK || (rc = store_bind_text(s, 2, now->party)) != TK_OK ||
	    (rc = store_bind_i64(s, 3, now->id)) != TK_OK || (rc = store_bind_text(s, 4, now->valid_from)) != TK_OK ||
	    (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (row)
		rc = contact_read(s, ct);
out:
	store_finalize(s);
	return rc;
}

/* The agreement a letter is about: agreement_id when given, else the one in force (agreement_current); it must exist. */
static enum tk_err agreement_of(struct svc_ctx *c, json_t *v, int64_t *id)
{
	struct letter_agreement a0;
	struct agreement_info info;
	enum tk_err rc;

	if (v != NULL && !json_is_null(v)) {
		if (!json_is_integer(v) || json_integer_value(v) <= 0)
			return tk_fail_code(TK_ERR_INVALID, "invalid_field", "agreement_id must be a positive number");
		*id = (int64_t)json_integer_value(v);
	} else {
		if ((rc = agreement_current(c, &info)) != TK_OK)
			return rc;
		if (info.id == 0)
			return tk_fail_code(TK_ERR_CONFLICT, "no_agreement", "no agreement in force in the register: record the agreement first");
		*id = info.id;
	}
	return letter_agreement_load(c, *id, &a0);
}

/* The signatory: an active subscriber account with an active subscriber record. */
static enum tk_err signatory_load(struct svc_ctx *c, const char *user, struct letter_signatory *sg)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	memset(sg, 0, sizeof(*sg));
	if ((rc = store_prepare(c->st, "SELECT u.username, s.full_name, s.position, s.unit FROM users u JOIN subscribers s ON s.user_id = u.id"
				       " WHERE u.username = ? AND u.role = 'subscriber' AND u.active = 1 AND s.status = 'active'",
		 &s)) != TK_OK ||
	    (rc = store_bind_text(s, 1, user)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail_code(TK_ERR_INVALID, "invalid_signatory", "the signatory must be an active official (subscriber) of this instance");
		goto out;
	}
	if ((rc = str_copy(sg->user, sizeof(sg->user), store_col_text(s, 0))) != TK_OK ||
	    (rc = str_copy(sg->name, sizeof(sg->name), store_col_text(s, 1))) != TK_OK ||
	    (rc = str_copy(sg->position, sizeof(sg->position), store_col_text(s, 2))) != TK_OK)
		goto out;
	rc = str_copy(sg->unit, sizeof(sg->unit), store_col_text(s, 3));
out:
	store_finalize(s);
	return rc;
}

/* ---- deadlines ---- */

static int rule_of(const char *kind, enum cal_rule *rule)
{
	if (strcmp(kind, "termination") == 0)
		*rule = CAL_RULE_TERMINATION;
	else if (strcmp(kind, "amendment_proposal") == 0)
		*rule = CAL_RULE_AMENDMENT;
	else if (strcmp(kind, "contact_change") == 0)
		*rule = CAL_RULE_CONTACT_CHANGE;
	else if (strcmp(kind, "force_majeure_verbal") == 0)
		*rule = CAL_RULE_FORCE_MAJEURE_VERBAL;
	else if (strcmp(kind, "force_majeure_written") == 0)
		*rule = CAL_RULE_FORCE_MAJEURE_WRITTEN;
	else
		return 0;
	return 1;
}

static int refused_when_late(const char *kind)
{
	return strcmp(kind, "termination") == 0 || strcmp(kind, "amendment_proposal") == 0;
}

/*
 * For a "before" rule: the earliest event date E whose deadline is on or
 * after letter date L (the deadline moves forward with E, never back).
 */
static enum tk_err earliest_event(struct svc_ctx *c, enum cal_rule rule, int64_t l, int64_t *e)
{
	enum tk_err rc;

	if (rule == CAL_RULE_TERMINATION) {
		*e = l + 60;
		return TK_OK;
	}
	/* Amendment: 45 working days must lie in [l, e - 1], so e - 1 is the 45th working day counted from l itself. */
	if ((rc = cal_working_days_from(c, l - 1, 45, e, NULL)) != TK_OK)
		return rc;
	*e += 1;
	return TK_OK;
}

/* Deadline and reply_due of a letter ("" when none); refuses a late termination or amendment (too_late). */
static enum tk_err dates_compute(struct svc_ctx *c, const char *kind, const char *direction, const char *letter_date, const char *event_date,
    char deadline[16], char reply_due[16])
{
	struct cal_deadline d;
	enum cal_rule rule;
	int64_t l = 0, e = 0, earliest = 0;
	char dl[16], ed[16];
	enum tk_err rc;

	deadline[0] = reply_due[0] = '\0';
	if ((rc = cal_day_parse(letter_date, "letter_date", &l)) != TK_OK)
		return rc;
	if (!rule_of(kind, &rule))
		return TK_OK;
	if (event_date[0] == '\0')
		return tk_fail_code(TK_ERR_INVALID, "missing_field", "a %s letter needs event_date (%s)", kind,
		    rule == CAL_RULE_TERMINATION ? "the proposed end" : rule == CAL_RULE_AMENDMENT    ? "the effective date"
								    : rule == CAL_RULE_CONTACT_CHANGE ? "the date of the change"
												      : "the date of the force majeure");
	if ((rc = cal_day_parse(event_date, "event_date", &e)) != TK_OK || (rc = cal_deadline(c, rule, e, &d)) != TK_OK)
		return rc;
	cal_day_str(d.deadline, deadline);
	if (rule == CAL_RULE_AMENDMENT)
		cal_day_str(e - 1, reply_due);
	if (strcmp(direction, "outgoing") == 0 && refused_when_late(kind) && l > d.deadline) {
		if ((rc = earliest_event(c, rule, l, &earliest)) != TK_OK)
			return rc;
		cal_day_str(d.deadline, dl);
		cal_day_str(earliest, ed);
		if (rule == CAL_RULE_TERMINATION)
			return tk_fail_code(TK_ERR_INVALID, "too_late",
			    "too late: a termination notice must be dated at least 60 calendar days before the proposed end (art. 7(2)); for an end on %s"
			    " the letter must be dated by %s; a letter dated %s can propose an end on %s at the earliest",
			    event_date, dl, letter_date, ed);
		return tk_fail_code(TK_ERR_INVALID, "too_late",
		    "too late: an amendment must be proposed at least 45 working days before it takes effect (art. 14(2)); for an effective date of %s"
		    " the letter must be dated by %s; a letter dated %s can propose an effective date of %s at the earliest",
		    event_date, dl, letter_date, ed);
	}
	return TK_OK;
}

enum tk_err letter_deadline_hint(struct svc_ctx *c, const char *kind, const char *event_date, const char *letter_date, char **out)
{
	struct cal_deadline d;
	enum cal_rule rule;
	char lds[16], dl[16] = "", rd[16] = "", ed[16] = "";
	int64_t l = 0, e = 0, earliest = 0;
	int has_rule;
	enum tk_err rc;

	if (!is_ministry(c))
		return tk_fail_code(TK_ERR_DENIED, "forbidden", "only the ministry's admins draft letters");
	if (kind == NULL || !in_list(kind, KINDS))
		return tk_fail_code(TK_ERR_INVALID, "invalid_kind", "kind must be one of termination, amendment_proposal, amendment_answer,"
								    " contact_change, force_majeure_verbal, force_majeure_written, general");
	if (letter_date == NULL || letter_date[0] == '\0')
		cal_day_str(today(), lds);
	else if ((rc = str_copy(lds, sizeof(lds), letter_date)) != TK_OK)
		return tk_fail_code(TK_ERR_INVALID, "invalid_date", "letter_date must be YYYY-MM-DD");
	if ((rc = cal_day_parse(lds, "letter_date", &l)) != TK_OK)
		return rc;
	has_rule = rule_of(kind, &rule);
	if (!has_rule || event_date == NULL || event_date[0] == '\0')
		return svc_json_dump(json_pack("{s:s, s:s, s:n, s:n, s:b, s:n, s:n, s:b}", "kind", kind, "letter_date", lds, "event_date", "deadline",
					 "late", 0, "earliest_event_date", "reply_due", "ok", 1),
		    out);
	if ((rc = cal_day_parse(event_date, "event_date", &e)) != TK_OK || (rc = cal_deadline(c, rule, e, &d)) != TK_OK)
		return rc;
	cal_day_str(d.deadline, dl);
	if (rule == CAL_RULE_AMENDMENT)
		cal_day_str(e - 1, rd);
	if (d.before) {
		if ((rc = earliest_event(c, rule, l, &earliest)) != TK_OK)
			return rc;
		cal_day_str(earliest, ed);
	}
	return svc_json_dump(json_pack("{s:s, s:s, s:s, s:s, s:b, s:o, s:o, s:b, s:s, s:i, s:i, s:b}", "kind", kind, "letter_date", lds, "event_date",
				 event_date, "deadline", dl, "late", l > d.deadline, "earliest_event_date", str_or_null(ed), "reply_due",
				 str_or_null(rd), "ok", !(l > d.deadline && refused_when_late(kind)), "rule", cal_rule_name(rule),
				 "working_days_counted", d.working_days, "calendar_days", d.calendar_days, "provisional", d.provisional),
	    out);
}

/* ---- drafts ---- */

/* Keys of "fields" and their limits; contact_id is a number. */
static const struct {
	const char *key;
	size_t max;
} FIELD_KEYS[] = {
	{ "sifat", 40 },
	{ "lampiran", 80 },
	{ "place", 60 },
	{ "body", 8000 },
	{ "reason", 2000 },
	{ "summary", 4000 },
	{ "description", 4000 },
	{ "reported_by", 200 },
	{ "reported_to", 200 },
	{ "channel", 100 },
	{ "reported_at", 40 },
	{ NULL, 0 },
};

/* Merges in's "fields" into f (checked); null removes a key. */
static enum tk_err fields_merge(json_t *f, json_t *in)
{
	const char *k;
	json_t *v;
	size_t i;

	if (in == NULL)
		return TK_OK;
	if (!json_is_object(in))
		return tk_fail_code(TK_ERR_INVALID, "invalid_field", "fields must be an object");
	json_object_foreach (in, k, v) {
		if (strcmp(k, "contact_id") == 0) {
			if (json_is_null(v))
				json_object_del(f, k);
			else if (!json_is_integer(v) || json_integer_value(v) <= 0)
				return tk_fail_code(TK_ERR_INVALID, "invalid_field", "fields.contact_id must be a positive number");
			else if (json_object_set(f, k, v) != 0)
				return tk_fail(TK_ERR_NOMEM, "out of memory");
			continue;
		}
		for (i = 0; FIELD_KEYS[i].key != NULL && strcmp(FIELD_KEYS[i].key, k) != 0; i++)
			;
		if (FIELD_KEYS[i].key == NULL)
			return tk_fail_code(TK_ERR_INVALID, "invalid_field", "fields.%s is not a field of a letter", k);
		if (json_is_null(v)) {
			json_object_del(f, k);
			continue;
		}
		if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
			return tk_fail_code(TK_ERR_INVALID, "invalid_field", "fields.%s must be text", k);
		if (json_string_length(v) > FIELD_KEYS[i].max)
			return tk_fail_code(TK_ERR_LIMIT, "too_long", "fields.%s is longer than %zu bytes", k, FIELD_KEYS[i].max);
		if (json_object_set(f, k, v) != 0)
			return tk_fail(TK_ERR_NOMEM, "out of memory");
	}
	return TK_OK;
}

static const char *default_subject(const char *kind)
{
	if (strcmp(kind, "termination") == 0)
		return "Pemberitahuan Pengakhiran Perjanjian Kerja Sama";
	if (strcmp(kind, "amendment_proposal") == 0)
		return "Usulan Perubahan Perjanjian Kerja Sama";
	if (strcmp(kind, "amendment_answer") == 0)
		return "Tanggapan atas Usulan Perubahan Perjanjian Kerja Sama";
	if (strcmp(kind, "contact_change") == 0)
		return "Pemberitahuan Perubahan Narahubung";
	if (strcmp(kind, "force_majeure_verbal") == 0)
		return "Catatan Laporan Lisan Keadaan Kahar";
	if (strcmp(kind, "force_majeure_written") == 0)
		return "Pemberitahuan Keadaan Kahar (Force Majeure)";
	return "Surat";
}

/* Applies in to r (a new or existing draft) and checks the result; the row is then written by the caller. */
static enum tk_err draft_apply(struct svc_ctx *c, struct letter_row *r, json_t *in, int creating)
{
	static const char *const KEYS[] = { "agreement_id", "kind", "number", "subject", "letter_date", "event_date", "signatory", "in_reply_to",
		"fields", NULL };
	const char *k, *number = NULL, *subject = NULL, *ld = NULL, *ed = NULL, *sgn = NULL;
	json_t *v, *irt;
	struct letter_signatory sg;
	enum tk_err rc;

	json_object_foreach (in, k, v)
		if (!in_list(k, KEYS))
			return tk_fail_code(TK_ERR_INVALID, "invalid_field", "%s is not a field of a letter draft", k);
	if (!creating && (json_object_get(in, "agreement_id") != NULL || json_object_get(in, "kind") != NULL))
		return tk_fail_code(TK_ERR_INVALID, "invalid_field", "agreement_id and kind are fixed when the draft is made");
	if ((rc = svc_json_str(in, "number", 0, 120, &number)) != TK_OK || (rc = svc_json_str(in, "subject", 0, 500, &subject)) != TK_OK ||
	    (rc = svc_json_str(in, "letter_date", 0, 10, &ld)) != TK_OK || (rc = svc_json_str(in, "event_date", 0, 10, &ed)) != TK_OK ||
	    (rc = svc_json_str(in, "signatory", 0, 63, &sgn)) != TK_OK)
		return rc;
	if (number != NULL && (rc = str_copy(r->number, sizeof(r->number), number)) != TK_OK)
		return rc;
	if (subject != NULL && (rc = str_copy(r->subject, sizeof(r->subject), subject)) != TK_OK)
		return rc;
	if (ld != NULL && (rc = str_copy(r->letter_date, sizeof(r->letter_date), ld)) != TK_OK)
		return rc;
	if (ed != NULL && (rc = str_copy(r->event_date, sizeof(r->event_date), ed)) != TK_OK)
		return rc;
	if (sgn != NULL && json_object_set_new(r->fields, "signatory", json_string(sgn)) != 0)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	if ((rc = fields_merge(r->fields, json_object_get(in, "fields"))) != TK_OK)
		return rc;
	irt = json_object_get(in, "in_reply_to");
	if (irt != NULL && !json_is_null(irt)) {
		if (!json_is_integer(irt) || json_integer_value(irt) <= 0)
			return tk_fail_code(TK_ERR_INVALID, "invalid_field", "in_reply_to must be a letter id");
		r->in_reply_to = (int64_t)json_integer_value(irt);
	} else if (irt != NULL)
		r->in_reply_to = 0;
	if (r->subject[0] == '\0' && (rc = str_copy(r->subject, sizeof(r->subject), default_subject(r->kind))) != TK_OK)
		return rc;
	if (r->letter_date[0] == '\0')
		cal_day_str(today(), r->letter_date);
	/* What each kind needs. */
	if (strcmp(r->kind, "force_majeure_verbal") == 0) {
		if (letter_field(r, "reported_by")[0] == '\0' || letter_field(r, "reported_to")[0] == '\0' || letter_field(r, "channel")[0] == '\0')
			return tk_fail_code(TK_ERR_INVALID, "missing_field",
			    "a verbal force-majeure report is recorded with fields.reported_by, fields.reported_to and fields.channel (who, to whom, how);"
			    " letter_date is the day it was reported");
	} else {
		if (letter_field(r, "signatory")[0] == '\0')
			return tk_fail_code(TK_ERR_INVALID, "missing_field", "signatory (the official who signs the letter) is required");
		if ((rc = signatory_load(c, letter_field(r, "signatory"), &sg)) != TK_OK)
			return rc;
	}
	if (strcmp(r->kind, "contact_change") == 0) {
		struct letter_contact ct;
		json_int_t cid = json_integer_value(json_object_get(r->fields, "contact_id"));
		if (cid <= 0)
			return tk_fail_code(TK_ERR_INVALID, "missing_field", "a contact-change letter names the new contact (fields.contact_id, from the register)");
		if ((rc = contact_by_id(c, r->agreement_id, (int64_t)cid, &ct)) != TK_OK)
			return rc;
		if (strcmp(ct.party, "first") != 0)
			return tk_fail_code(TK_ERR_INVALID, "unknown_contact", "an outgoing contact-change letter announces a contact of the ministry (party first)");
		/* The change's date comes from the register unless this request gives one. */
		if (ed == NULL && (rc = str_copy(r->event_date, sizeof(r->event_date), ct.changed_on[0] ? ct.changed_on : ct.valid_from)) != TK_OK)
			return rc;
	}
	if (strcmp(r->kind, "amendment_answer") == 0) {
		struct letter_row p;
		if (r->in_reply_to == 0)
			return tk_fail_code(TK_ERR_INVALID, "missing_field", "an answer names the proposal it answers (in_reply_to)");
		if ((rc = row_load(c, r->in_reply_to, &p)) != TK_OK)
			return tk_fail_code(TK_ERR_INVALID, "invalid_field", "in_reply_to: letter %lld not found", (long long)r->in_reply_to);
		rc = p.agreement_id == r->agreement_id && strcmp(p.kind, "amendment_proposal") == 0 && strcmp(p.direction, "incoming") == 0 ? TK_OK : tk_fail_code(TK_ERR_INVALID, "invalid_field", "in_reply_to must be an incoming amendment proposal of the same agreement");
		row_free(&p);
		if (rc != TK_OK)
			return rc;
	} else if (r->in_reply_to != 0) {
		struct letter_row p;
		if ((rc = row_load(c, r->in_reply_to, &p)) != TK_OK)
			return tk_fail_code(TK_ERR_INVALID, "invalid_field", "in_reply_to: letter %lld not found", (long long)r->in_reply_to);
		rc = p.agreement_id == r->agreement_id ? TK_OK : tk_fail_code(TK_ERR_INVALID, "invalid_field", "in_reply_to is a letter of another agreement");
		row_free(&p);
		if (rc != TK_OK)
			return rc;
	}
	return dates_compute(c, r->kind, r->direction, r->letter_date, r->event_date, r->deadline, r->reply_due);
}

struct write_args {
	struct letter_row *r;
	int creating;
	const char *action;
};

static enum tk_err bind_opt(struct store_stmt *s, int i, const char *v)
{
	return v[0] != '\0' ? store_bind_text(s, i, v) : store_bind_null(s, i);
}

static enum tk_err draft_write_tx(struct svc_ctx *c, void *arg)
{
	struct write_args *a = arg;
	struct letter_row *r = a->r;
	struct store_stmt *s = NULL;
	char *fields = NULL, obj[40], *d = NULL;
	int64_t now = tk_now();
	int row, verbal = strcmp(r->kind, "force_majeure_verbal") == 0;
	enum tk_err rc;

	if ((fields = json_dumps(r->fields, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	if (a->creating)
		rc = store_prepare(c->st, "INSERT INTO letters (number, subject, fields, letter_date, event_date, deadline, reply_due, in_reply_to,"
					  " agreement_id, direction, kind, status, sent_at, created_by, created_at, updated_at)"
					  " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'outgoing', ?, ?, ?, ?, ?, ?) RETURNING id",
		    &s);
	else
		rc = store_prepare(c->st, "UPDATE letters SET number = ?, subject = ?, fields = ?, letter_date = ?, event_date = ?, deadline = ?,"
					  " reply_due = ?, in_reply_to = ?, updated_at = ? WHERE id = ? AND status = 'draft'",
		    &s);
	if (rc != TK_OK || (rc = store_bind_text(s, 1, r->number)) != TK_OK || (rc = store_bind_text(s, 2, r->subject)) != TK_OK ||
	    (rc = store_bind_text(s, 3, fields)) != TK_OK || (rc = store_bind_text(s, 4, r->letter_date)) != TK_OK ||
	    (rc = bind_opt(s, 5, r->event_date)) != TK_OK || (rc = bind_opt(s, 6, r->deadline)) != TK_OK || (rc = bind_opt(s, 7, r->reply_due)) != TK_OK ||
	    (rc = r->in_reply_to ? store_bind_i64(s, 8, r->in_reply_to) : store_bind_null(s, 8)) != TK_OK)
		goto out;
	if (a->creating) {
		if ((rc = store_bind_i64(s, 9, r->agreement_id)) != TK_OK || (rc = store_bind_text(s, 10, r->kind)) != TK_OK ||
		    (rc = store_bind_text(s, 11, verbal ? "sent" : "draft")) != TK_OK ||
		    (rc = verbal ? store_bind_i64(s, 12, now) : store_bind_null(s, 12)) != TK_OK || (rc = store_bind_text(s, 13, c->actor.user)) != TK_OK ||
		    (rc = store_bind_i64(s, 14, now)) != TK_OK || (rc = store_bind_i64(s, 15, now)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
			goto out;
		if (!row) {
			rc = tk_fail(TK_ERR_STORE, "letter: insert returned no id");
			goto out;
		}
		r->id = store_col_i64(s, 0);
	} else {
		if ((rc = store_bind_i64(s, 9, now)) != TK_OK || (rc = store_bind_i64(s, 10, r->id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
			goto out;
		if (store_changes(s) != 1) {
			rc = tk_fail_code(TK_ERR_CONFLICT, "letter_not_draft", "letter %lld is no longer a draft", (long long)r->id);
			goto out;
		}
	}
	store_finalize(s);
	s = NULL;
	if (a->creating && r->number[0] == '\0') {
		/* A number until the secretariat gives one: <id>/PKS-TTE/<year>. */
		if ((rc = str_fmt(r->number, sizeof(r->number), "%lld/PKS-TTE/%.4s", (long long)r->id, r->letter_date)) != TK_OK ||
		    (rc = store_prepare(c->st, "UPDATE letters SET number = ? WHERE id = ?", &s)) != TK_OK || (rc = store_bind_text(s, 1, r->number)) != TK_OK ||
		    (rc = store_bind_i64(s, 2, r->id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
			goto out;
		store_finalize(s);
		s = NULL;
	}
	if ((rc = str_fmt(obj, sizeof(obj), "letter:%lld", (long long)r->id)) != TK_OK ||
	    (rc = svc_json_dump(json_pack("{s:s, s:s, s:s, s:o, s:o, s:b}", "kind", r->kind, "number", r->number, "letter_date", r->letter_date,
				    "event_date", str_or_null(r->event_date), "deadline", str_or_null(r->deadline), "late",
				    r->deadline[0] != '\0' && strcmp(r->letter_date, r->deadline) > 0),
		 &d)) != TK_OK)
		goto out;
	rc = audit_append(c, a->action, obj, d);
out:
	store_finalize(s);
	free(fields);
	free(d);
	return rc;
}

enum tk_err letter_draft(struct svc_ctx *c, json_t *in, char **out)
{
	struct letter_row r;
	struct write_args a;
	const char *kind = NULL;
	enum tk_err rc;

	if (!is_ministry(c))
		return tk_fail_code(TK_ERR_DENIED, "forbidden", "only the ministry's admins draft letters");
	memset(&r, 0, sizeof(r));
	if ((rc = svc_json_str(in, "kind", 1, 31, &kind)) != TK_OK)
		return rc;
	if (!in_list(kind, KINDS))
		return tk_fail_code(TK_ERR_INVALID, "invalid_kind", "kind must be one of termination, amendment_proposal, amendment_answer,"
								    " contact_change, force_majeure_verbal, force_majeure_written, general");
	if ((rc = agreement_of(c, json_object_get(in, "agreement_id"), &r.agreement_id)) != TK_OK)
		return rc;
	if ((r.fields = json_object()) == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	if ((rc = str_copy(r.kind, sizeof(r.kind), kind)) != TK_OK || (rc = str_copy(r.direction, sizeof(r.direction), "outgoing")) != TK_OK ||
	    (rc = draft_apply(c, &r, in, 1)) != TK_OK)
		goto out;
	a.r = &r;
	a.creating = 1;
	a.action = strcmp(kind, "force_majeure_verbal") == 0 ? "letter.record" : "letter.draft";
	if ((rc = svc_in_tx(c, draft_write_tx, &a)) != TK_OK)
		goto out;
	rc = row_dump(c, r.id, out);
out:
	row_free(&r);
	return rc;
}

enum tk_err letter_update(struct svc_ctx *c, int64_t id, json_t *in, char **out)
{
	struct letter_row r;
	struct write_args a;
	enum tk_err rc;

	if (!is_ministry(c))
		return tk_fail_code(TK_ERR_DENIED, "forbidden", "only the ministry's admins draft letters");
	if ((rc = row_load(c, id, &r)) != TK_OK)
		return rc;
	if (strcmp(r.status, "draft") != 0) {
		rc = tk_fail_code(TK_ERR_CONFLICT, "letter_not_draft", "letter %lld is %s: only drafts change", (long long)id, r.status);
		goto out;
	}
	if ((rc = draft_apply(c, &r, in, 0)) != TK_OK)
		goto out;
	a.r = &r;
	a.creating = 0;
	a.action = "letter.update";
	if ((rc = svc_in_tx(c, draft_write_tx, &a)) != TK_OK)
		goto out;
	rc = row_dump(c, id, out);
out:
	row_free(&r);
	return rc;
}

/* ---- rendering and signing ---- */

/* Renders r as it stands (letter_pdf.c does the layout). */
static enum tk_err render_row(struct svc_ctx *c, const struct letter_row *r, struct buf *pdf)
{
	struct letter_agreement ag;
	struct letter_contact to, from, changed, previous;
	struct letter_signatory sg;
	struct letter_row reply;
	struct letter_doc d;
	int64_t nev = 0;
	enum tk_err rc;

	memset(&d, 0, sizeof(d));
	memset(&reply, 0, sizeof(reply));
	memset(&changed, 0, sizeof(changed));
	memset(&previous, 0, sizeof(previous));
	if ((rc = letter_agreement_load(c, r->agreement_id, &ag)) != TK_OK || (rc = letter_contact_current(c, r->agreement_id, "second", &to)) != TK_OK ||
	    (rc = letter_contact_current(c, r->agreement_id, "first", &from)) != TK_OK ||
	    (rc = signatory_load(c, letter_field(r, "signatory"), &sg)) != TK_OK || (rc = files_count(c, "letters", r->id, &nev)) != TK_OK)
		return rc;
	if (strcmp(r->kind, "contact_change") == 0) {
		json_int_t cid = json_integer_value(json_object_get(r->fields, "contact_id"));
		if ((rc = contact_by_id(c, r->agreement_id, (int64_t)cid, &changed)) != TK_OK ||
		    (rc = contact_previous(c, &changed, r->agreement_id, &previous)) != TK_OK)
			return rc;
		d.changed = &changed;
		d.previous = &previous;
	}
	if (r->in_reply_to != 0) {
		if ((rc = row_load(c, r->in_reply_to, &reply)) != TK_OK)
			return rc;
		d.reply_to = &reply;
	}
	d.r = r;
	d.ag = &ag;
	d.to = &to;
	d.from = &from;
	d.sg = &sg;
	d.nevidence = (size_t)nev;
	rc = letter_render(&d, pdf);
	row_free(&reply);
	return rc;
}

static int is_signatory(const struct svc_ctx *c, const struct letter_row *r)
{
	return is_subscriber(c) && strcmp(letter_field(r, "signatory"), c->actor.user) == 0;
}

enum tk_err letter_preview(struct svc_ctx *c, int64_t id, struct buf *pdf)
{
	struct letter_row r;
	enum tk_err rc;

	if (!is_ministry(c) && !is_subscriber(c))
		return tk_fail_code(TK_ERR_DENIED, "forbidden", "only the ministry's admins and the signatory preview drafts");
	if ((rc = row_load_visible(c, id, &r)) != TK_OK)
		return rc;
	if (strcmp(r.status, "draft") != 0)
		rc = tk_fail_code(TK_ERR_CONFLICT, "letter_not_draft", "letter %lld is %s: download its PDF instead", (long long)id, r.status);
	else if (!is_ministry(c) && !is_signatory(c, &r))
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_letter", "letter %lld not found", (long long)id);
	else
		rc = render_row(c, &r, pdf);
	row_free(&r);
	return rc;
}

struct signed_args {
	struct letter_row *r;
	const struct buf *pdf;
	const char *sha, *document_id;
};

static enum tk_err signed_tx(struct svc_ctx *c, void *arg)
{
	struct signed_args *a = arg;
	struct store_stmt *s = NULL;
	char obj[40], *d = NULL;
	int row;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "UPDATE letters SET status = 'signed', pdf = ?, pdf_sha256 = ?, document_id = ?, signed_by = ?, signed_at = ?,"
				       " letter_date = ?, deadline = ?, reply_due = ?, updated_at = ? WHERE id = ? AND status = 'draft'",
		 &s)) != TK_OK ||
	    (rc = store_bind_blob(s, 1, a->pdf->p, a->pdf->len)) != TK_OK || (rc = store_bind_text(s, 2, a->sha)) != TK_OK ||
	    (rc = store_bind_text(s, 3, a->document_id)) != TK_OK || (rc = store_bind_text(s, 4, c->actor.user)) != TK_OK ||
	    (rc = store_bind_i64(s, 5, tk_now())) != TK_OK || (rc = store_bind_text(s, 6, a->r->letter_date)) != TK_OK ||
	    (rc = bind_opt(s, 7, a->r->deadline)) != TK_OK || (rc = bind_opt(s, 8, a->r->reply_due)) != TK_OK ||
	    (rc = store_bind_i64(s, 9, tk_now())) != TK_OK || (rc = store_bind_i64(s, 10, a->r->id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (store_changes(s) != 1) {
		rc = tk_fail_code(TK_ERR_CONFLICT, "letter_not_draft", "letter %lld is no longer a draft", (long long)a->r->id);
		goto out;
	}
	if ((rc = str_fmt(obj, sizeof(obj), "letter:%lld", (long long)a->r->id)) != TK_OK ||
	    (rc = svc_json_dump(json_pack("{s:s, s:s, s:s, s:s}", "document_id", a->document_id, "sha256", a->sha, "letter_date", a->r->letter_date,
				    "number", a->r->number),
		 &d)) != TK_OK)
		goto out;
	rc = audit_append(c, "letter.sign", obj, d);
out:
	store_finalize(s);
	free(d);
	return rc;
}

enum tk_err letter_sign(struct svc_ctx *c, int64_t id, const char *passphrase, char **out)
{
	struct letter_row r;
	struct buf pdf;
	struct sign_in in;
	struct sign_out so;
	struct signed_args a;
	char sha[65];
	enum tk_err rc;

	memset(&so, 0, sizeof(so));
	buf_init(&pdf, LETTER_MAX_PDF);
	if (!is_subscriber(c))
		return tk_fail_code(TK_ERR_DENIED, "not_signatory", "a letter is signed by the official named on it, as themselves (teken letter sign --as)");
	if ((rc = row_load_visible(c, id, &r)) != TK_OK)
		return rc;
	if (!is_signatory(c, &r)) {
		rc = tk_fail_code(TK_ERR_DENIED, "not_signatory", "letter %lld names another signatory", (long long)id);
		goto out;
	}
	if (strcmp(r.status, "draft") != 0) {
		rc = tk_fail_code(TK_ERR_CONFLICT, "letter_not_draft", "letter %lld is %s, not a draft waiting for a signature", (long long)id, r.status);
		goto out;
	}
	if (passphrase == NULL || passphrase[0] == '\0') {
		rc = tk_fail_code(TK_ERR_INVALID, "missing_field", "passphrase is required");
		goto out;
	}
	/* The letter is dated the day it is signed; its deadline is checked again for that date. */
	cal_day_str(today(), r.letter_date);
	if ((rc = dates_compute(c, r.kind, r.direction, r.letter_date, r.event_date, r.deadline, r.reply_due)) != TK_OK ||
	    (rc = render_row(c, &r, &pdf)) != TK_OK)
		goto out;
	memset(&in, 0, sizeof(in));
	in.data = pdf.p;
	in.len = pdf.len;
	in.passphrase = passphrase;
	in.level = "B-T";
	in.reason = "Surat resmi Perjanjian Kerja Sama";
	in.location = letter_field(&r, "place")[0] ? letter_field(&r, "place") : "Jakarta";
	in.visible = 1;
	in.page = SIZE_MAX;
	in.anchor = LETTER_STAMP_ANCHOR;
	in.rect[2] = 230;
	in.rect[3] = 70;
	in.new_field = 1;
	if ((rc = sign_document(c, &in, &so)) != TK_OK)
		goto out;
	if ((rc = buf_append(&pdf, so.out.p, so.out.len)) != TK_OK)
		goto out;
	sha256_hex(pdf.p, pdf.len, sha);
	a.r = &r;
	a.pdf = &pdf;
	a.sha = sha;
	a.document_id = so.document_id;
	if ((rc = svc_in_tx(c, signed_tx, &a)) != TK_OK)
		goto out;
	rc = row_dump(c, id, out);
out:
	buf_free(&so.out);
	buf_free(&pdf);
	row_free(&r);
	return rc;
}

/* ---- sending ---- */

struct send_args {
	struct letter_row *r;
	const struct letter_agreement *ag;
	const char *email, *official;
};

static enum tk_err send_tx(struct svc_ctx *c, void *arg)
{
	struct send_args *a = arg;
	struct letter_row *r = a->r;
	struct store_stmt *s = NULL;
	struct buf pdf;
	struct files_in fi;
	struct files_checked ck;
	int64_t att = 0;
	char fname[96], subj[700], *body = NULL, obj[40], *d = NULL, ld[40];
	int row;
	enum tk_err rc;

	buf_init(&pdf, LETTER_MAX_PDF);
	if (strcmp(r->direction, "outgoing") == 0 && refused_when_late(r->kind)) {
		/* Signed in time is not enough: a notice counts from when it goes out (art. 7(2), 14(2)). */
		char t[16], dl[16], rd[16];
		cal_day_str(today(), t);
		if ((rc = dates_compute(c, r->kind, r->direction, t, r->event_date, dl, rd)) != TK_OK) {
			rc = tk_wrap(rc, "letter %lld was signed in time but is sent too late; draft and sign a new one", (long long)r->id);
			goto out;
		}
	}
	if ((rc = store_prepare(c->st, "SELECT pdf FROM letters WHERE id = ? AND status = 'signed'", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, r->id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail_code(TK_ERR_CONFLICT, "letter_not_signed", "letter %lld is not signed (or was sent meanwhile)", (long long)r->id);
		goto out;
	}
	{
		size_t len = 0;
		const uint8_t *p = store_col_blob(s, 0, &len);
		if ((rc = buf_append(&pdf, p, len)) != TK_OK)
			goto out;
	}
	store_finalize(s);
	s = NULL;
	/* The file the mail carries: one attachment row (owner letters_sent), so the outbox keeps a reference, not a copy per retry. */
	if ((rc = str_fmt(fname, sizeof(fname), "surat-%lld.pdf", (long long)r->id)) != TK_OK)
		goto out;
	fi.filename = fname;
	fi.mime = "application/pdf";
	fi.p = pdf.p;
	fi.len = pdf.len;
	/* The mail carries it: the outbox's limit is the one that counts here. */
	if ((rc = files_check(&fi, LETTER_MAX_PDF < NOTIFY_MAX_ATTACHMENT ? LETTER_MAX_PDF : NOTIFY_MAX_ATTACHMENT, "the signed letter", &ck)) != TK_OK ||
	    (rc = files_add(c, "letters_sent", r->id, &fi, &ck, 0, &att)) != TK_OK)
		goto out;
	letter_date_id(r->letter_date, ld);
	if ((rc = str_fmt(subj, sizeof(subj), "Surat %s: %s", r->number, r->subject)) != TK_OK)
		goto out;
	/* Subjects stay one line; the SMTP layer refuses line breaks in headers. */
	for (char *p = subj; *p; p++)
		if (*p == '\r' || *p == '\n')
			*p = ' ';
	body = NULL;
	{
		struct buf b;
		buf_init(&b, 16384);
		rc = buf_printf(&b,
		    "Yth. %s,\n\nTerlampir surat %s nomor %s tanggal %s perihal \"%s\", ditandatangani secara elektronik, sehubungan dengan"
		    " Perjanjian Kerja Sama nomor %s / %s.\nMohon konfirmasi penerimaan surat ini (di teken: menu Surat, atau balasan tertulis).\n\n"
		    "Dear %s,\n\nAttached is letter no. %s of %s (%s), electronically signed, under cooperation agreement no. %s / %s."
		    " Please acknowledge receipt (in teken: Letters, or in writing).\n",
		    a->official[0] ? a->official : "Bapak/Ibu", a->ag->party_first, r->number, ld, r->subject, a->ag->number_first, a->ag->number_second,
		    a->official[0] ? a->official : "Sir or Madam", r->number, r->letter_date, r->subject, a->ag->number_first, a->ag->number_second);
		if (rc == TK_OK)
			rc = buf_cstr(&b, (const char **)&body);
		if (rc == TK_OK && (body = strdup(body)) == NULL)
			rc = tk_fail(TK_ERR_NOMEM, "out of memory");
		buf_free(&b);
		if (rc != TK_OK)
			goto out;
	}
	if ((rc = notify_queue_file(c, a->email, subj, body, att)) != TK_OK)
		goto out;
	if ((rc = store_prepare(c->st, "UPDATE letters SET status = 'sent', sent_at = ?, recipient = ?, reply_due = ?, updated_at = ? WHERE id = ? AND status = 'signed'",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, tk_now())) != TK_OK || (rc = store_bind_text(s, 2, a->email)) != TK_OK ||
	    (rc = bind_opt(s, 3, r->reply_due)) != TK_OK || (rc = store_bind_i64(s, 4, tk_now())) != TK_OK || (rc = store_bind_i64(s, 5, r->id)) != TK_OK ||
	    (rc = store_step(s, &row)) != TK_OK)
		goto out;
	store_finalize(s);
	s = NULL;
	if (strcmp(r->kind, "contact_change") == 0) {
		/* The register's contact change is now notified by this letter. */
		if ((rc = store_prepare(c->st, "UPDATE agreement_contacts SET letter_id = ? WHERE id = ? AND agreement_id = ?", &s)) != TK_OK ||
		    (rc = store_bind_i64(s, 1, r->id)) != TK_OK || (rc = store_bind_i64(s, 2, (int64_t)json_integer_value(json_object_get(r->fields, "contact_id")))) != TK_OK ||
		    (rc = store_bind_i64(s, 3, r->agreement_id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
			goto out;
		store_finalize(s);
		s = NULL;
	}
	if (strcmp(r->kind, "amendment_answer") == 0 && r->in_reply_to != 0) {
		if ((rc = store_prepare(c->st, "UPDATE letters SET status = 'answered', updated_at = ? WHERE id = ? AND status IN ('received','acknowledged')", &s)) != TK_OK ||
		    (rc = store_bind_i64(s, 1, tk_now())) != TK_OK || (rc = store_bind_i64(s, 2, r->in_reply_to)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
			goto out;
		store_finalize(s);
		s = NULL;
	}
	if ((rc = str_fmt(obj, sizeof(obj), "letter:%lld", (long long)r->id)) != TK_OK ||
	    (rc = svc_json_dump(json_pack("{s:s, s:I, s:o}", "number", r->number, "attachment_id", (json_int_t)att, "reply_due", str_or_null(r->reply_due)),
		 &d)) != TK_OK)
		goto out;
	rc = audit_append(c, "letter.send", obj, d);
out:
	store_finalize(s);
	buf_free(&pdf);
	free(body);
	free(d);
	return rc;
}

enum tk_err letter_send(struct svc_ctx *c, int64_t id, char **out)
{
	struct letter_row r;
	struct letter_agreement ag;
	struct letter_contact to;
	struct send_args a;
	enum tk_err rc;

	if (!is_ministry(c))
		return tk_fail_code(TK_ERR_DENIED, "forbidden", "only the ministry's admins send letters");
	if ((rc = row_load(c, id, &r)) != TK_OK)
		return rc;
	if (strcmp(r.status, "signed") != 0) {
		rc = tk_fail_code(TK_ERR_CONFLICT, "letter_not_signed", "letter %lld is %s: only a signed letter is sent", (long long)id, r.status);
		goto out;
	}
	if ((rc = letter_agreement_load(c, r.agreement_id, &ag)) != TK_OK || (rc = letter_contact_current(c, r.agreement_id, "second", &to)) != TK_OK)
		goto out;
	if (to.id == 0 || !notify_email_ok(to.email)) {
		rc = tk_fail_code(TK_ERR_CONFLICT, "no_recipient",
		    "the other party has no current contact with an e-mail address in the register (art. 15(1)): record it first");
		goto out;
	}
	if (strcmp(r.kind, "contact_change") == 0) {
		/* Acknowledged within 7 working days of sending (the contact-change rule from the send date). */
		struct cal_deadline d;
		if ((rc = cal_deadline(c, CAL_RULE_CONTACT_CHANGE, today(), &d)) != TK_OK)
			goto out;
		cal_day_str(d.deadline, r.reply_due);
	}
	a.r = &r;
	a.ag = &ag;
	a.email = to.email;
	a.official = to.official;
	if ((rc = svc_in_tx(c, send_tx, &a)) != TK_OK)
		goto out;
	rc = row_dump(c, id, out);
out:
	row_free(&r);
	return rc;
}

/* ---- incoming letters ---- */

struct incoming_args {
	struct letter_row *r;
	const uint8_t *pdf;
	size_t len;
	const char *sha;
	int64_t contact_id;
};

static enum tk_err incoming_tx(struct svc_ctx *c, void *arg)
{
	struct incoming_args *a = arg;
	struct letter_row *r = a->r;
	struct store_stmt *s = NULL;
	char *fields = NULL, obj[40], *d = NULL;
	int64_t now = tk_now();
	int row;
	enum tk_err rc;

	if ((fields = json_dumps(r->fields, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	if ((rc = store_prepare(c->st, "INSERT INTO letters (agreement_id, direction, kind, number, subject, fields, letter_date, event_date, deadline,"
				       " reply_due, in_reply_to, status, pdf, pdf_sha256, received_on, created_by, created_at, updated_at)"
				       " VALUES (?, 'incoming', ?, ?, ?, ?, ?, ?, ?, ?, ?, 'received', ?, ?, ?, ?, ?, ?) RETURNING id",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, r->agreement_id)) != TK_OK || (rc = store_bind_text(s, 2, r->kind)) != TK_OK ||
	    (rc = store_bind_text(s, 3, r->number)) != TK_OK || (rc = store_bind_text(s, 4, r->subject)) != TK_OK ||
	    (rc = store_bind_text(s, 5, fields)) != TK_OK || (rc = store_bind_text(s, 6, r->letter_date)) != TK_OK ||
	    (rc = bind_opt(s, 7, r->event_date)) != TK_OK || (rc = bind_opt(s, 8, r->deadline)) != TK_OK || (rc = bind_opt(s, 9, r->reply_due)) != TK_OK ||
	    (rc = r->in_reply_to ? store_bind_i64(s, 10, r->in_reply_to) : store_bind_null(s, 10)) != TK_OK ||
	    (rc = store_bind_blob(s, 11, a->pdf, a->len)) != TK_OK || (rc = store_bind_text(s, 12, a->sha)) != TK_OK ||
	    (rc = store_bind_text(s, 13, r->received_on)) != TK_OK || (rc = store_bind_text(s, 14, c->actor.user)) != TK_OK ||
	    (rc = store_bind_i64(s, 15, now)) != TK_OK || (rc = store_bind_i64(s, 16, now)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail(TK_ERR_STORE, "letter: insert returned no id");
		goto out;
	}
	r->id = store_col_i64(s, 0);
	store_finalize(s);
	s = NULL;
	if (strcmp(r->kind, "amendment_answer") == 0 && r->in_reply_to != 0) {
		if ((rc = store_prepare(c->st, "UPDATE letters SET status = 'answered', updated_at = ? WHERE id = ? AND direction = 'outgoing'"
					       " AND kind = 'amendment_proposal' AND status IN ('sent','acknowledged')",
			 &s)) != TK_OK ||
		    (rc = store_bind_i64(s, 1, now)) != TK_OK || (rc = store_bind_i64(s, 2, r->in_reply_to)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
			goto out;
		store_finalize(s);
		s = NULL;
	}
	if (a->contact_id != 0) {
		/* The issuer's contact change this letter notified (the register records the change itself). */
		if ((rc = store_prepare(c->st, "UPDATE agreement_contacts SET letter_id = ? WHERE id = ? AND agreement_id = ? AND party = 'second'", &s)) != TK_OK ||
		    (rc = store_bind_i64(s, 1, r->id)) != TK_OK || (rc = store_bind_i64(s, 2, a->contact_id)) != TK_OK ||
		    (rc = store_bind_i64(s, 3, r->agreement_id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
			goto out;
		store_finalize(s);
		s = NULL;
	}
	if ((rc = str_fmt(obj, sizeof(obj), "letter:%lld", (long long)r->id)) != TK_OK ||
	    (rc = svc_json_dump(json_pack("{s:s, s:s, s:s, s:s, s:O}", "kind", r->kind, "number", r->number, "received_on", r->received_on, "sha256",
				    a->sha, "verification", json_object_get(r->fields, "verification")),
		 &d)) != TK_OK)
		goto out;
	rc = audit_append(c, "letter.incoming", obj, d);
out:
	store_finalize(s);
	free(fields);
	free(d);
	return rc;
}

/* The indication of an incoming PDF under the instance's trust (kept in fields.verification). */
static enum tk_err incoming_verify(struct svc_ctx *c, const uint8_t *pdf, size_t len, json_t **out)
{
	struct verify_trust *t = NULL;
	struct verify_report *rep = NULL;
	struct verify_svc_in in;
	const char *signer = "";
	size_t i, n = 0;
	enum tk_err rc;

	memset(&in, 0, sizeof(in));
	in.data = pdf;
	in.len = len;
	in.revocation_optional = 1;
	if ((rc = verify_svc_trust(c, NULL, 0, NULL, 0, &t)) != TK_OK || (rc = verify_svc_run(c, t, &in, &rep)) != TK_OK)
		goto out;
	for (i = 0; i < rep->nsigs; i++)
		if (!rep->sigs[i].doc_timestamp) {
			if (n == 0)
				signer = rep->sigs[i].signer;
			n++;
		}
	*out = json_pack("{s:s, s:s, s:I, s:b, s:s}", "indication", n == 0 ? "UNSIGNED" : verify_ind_name(rep->ind), "subindication",
	    n == 0 ? "" : verify_sub_name(rep->sub), "signatures", (json_int_t)n, "signed", n > 0, "signer", signer);
	if (*out == NULL)
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
out:
	verify_report_free(rep);
	verify_trust_free(t);
	return rc;
}

enum tk_err letter_incoming(struct svc_ctx *c, json_t *meta, const uint8_t *pdf, size_t len, char **out)
{
	static const char *const KEYS[] = { "agreement_id", "kind", "number", "subject", "letter_date", "received_on", "event_date", "in_reply_to",
		"contact_id", NULL };
	struct letter_row r;
	struct incoming_args a;
	const char *k, *kind = NULL, *number = NULL, *subject = NULL, *ld = NULL, *ro = NULL, *ed = NULL;
	json_t *v, *ver = NULL;
	int64_t l = 0, rcv = 0;
	char sha[65];
	enum tk_err rc;

	memset(&r, 0, sizeof(r));
	memset(&a, 0, sizeof(a));
	if (!is_ministry(c))
		return tk_fail_code(TK_ERR_DENIED, "forbidden", "only the ministry's admins register incoming letters");
	json_object_foreach (meta, k, v)
		if (!in_list(k, KEYS))
			return tk_fail_code(TK_ERR_INVALID, "invalid_field", "%s is not a field of an incoming letter", k);
	if ((rc = svc_json_str(meta, "kind", 1, 31, &kind)) != TK_OK || (rc = svc_json_str(meta, "number", 1, 120, &number)) != TK_OK ||
	    (rc = svc_json_str(meta, "subject", 1, 500, &subject)) != TK_OK || (rc = svc_json_str(meta, "letter_date", 1, 10, &ld)) != TK_OK ||
	    (rc = svc_json_str(meta, "received_on", 1, 10, &ro)) != TK_OK || (rc = svc_json_str(meta, "event_date", 0, 10, &ed)) != TK_OK)
		return rc;
	if (!in_list(kind, KINDS) || strcmp(kind, "force_majeure_verbal") == 0)
		return tk_fail_code(TK_ERR_INVALID, "invalid_kind", "kind must be the kind of a written letter (termination, amendment_proposal,"
								    " amendment_answer, contact_change, force_majeure_written, general)");
	if ((rc = cal_day_parse(ld, "letter_date", &l)) != TK_OK || (rc = cal_day_parse(ro, "received_on", &rcv)) != TK_OK)
		return rc;
	if (rcv > today() || rcv < l)
		return tk_fail_code(TK_ERR_INVALID, "invalid_date", "received_on must lie between the letter's date and today");
	if (len == 0)
		return tk_fail_code(TK_ERR_INVALID, "empty_file", "the incoming letter's PDF is empty");
	if (len > LETTER_MAX_PDF)
		return tk_fail_code(TK_ERR_LIMIT, "too_large", "the incoming letter's PDF is larger than %u bytes", LETTER_MAX_PDF);
	if (len < 5 || memcmp(pdf, "%PDF-", 5) != 0)
		return tk_fail_code(TK_ERR_INVALID, "not_a_pdf", "the incoming letter is not a PDF (a scan is registered as a PDF)");
	if ((rc = agreement_of(c, json_object_get(meta, "agreement_id"), &r.agreement_id)) != TK_OK)
		return rc;
	if ((r.fields = json_object()) == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	if ((rc = str_copy(r.kind, sizeof(r.kind), kind)) != TK_OK || (rc = str_copy(r.direction, sizeof(r.direction), "incoming")) != TK_OK ||
	    (rc = str_copy(r.number, sizeof(r.number), number)) != TK_OK || (rc = str_copy(r.subject, sizeof(r.subject), subject)) != TK_OK ||
	    (rc = str_copy(r.letter_date, sizeof(r.letter_date), ld)) != TK_OK || (rc = str_copy(r.received_on, sizeof(r.received_on), ro)) != TK_OK ||
	    (ed != NULL && (rc = str_copy(r.event_date, sizeof(r.event_date), ed)) != TK_OK))
		goto out;
	v = json_object_get(meta, "in_reply_to");
	if (v != NULL && !json_is_null(v)) {
		struct letter_row p;
		if (!json_is_integer(v) || json_integer_value(v) <= 0) {
			rc = tk_fail_code(TK_ERR_INVALID, "invalid_field", "in_reply_to must be a letter id");
			goto out;
		}
		r.in_reply_to = (int64_t)json_integer_value(v);
		if ((rc = row_load(c, r.in_reply_to, &p)) != TK_OK) {
			rc = tk_fail_code(TK_ERR_INVALID, "invalid_field", "in_reply_to: letter %lld not found", (long long)r.in_reply_to);
			goto out;
		}
		rc = p.agreement_id == r.agreement_id && strcmp(p.direction, "outgoing") == 0 ? TK_OK : tk_fail_code(TK_ERR_INVALID, "invalid_field", "in_reply_to must be an outgoing letter of the same agreement");
		/* An answer answers a proposal: it must not close a termination or a contact change. */
		if (rc == TK_OK && strcmp(kind, "amendment_answer") == 0 && strcmp(p.kind, "amendment_proposal") != 0)
			rc = tk_fail_code(TK_ERR_INVALID, "invalid_field", "an amendment_answer replies to an amendment_proposal, not to a %s letter", p.kind);
		row_free(&p);
		if (rc != TK_OK)
			goto out;
	}
	v = json_object_get(meta, "contact_id");
	if (v != NULL && !json_is_null(v)) {
		struct letter_contact ct;
		if (strcmp(kind, "contact_change") != 0 || !json_is_integer(v) || json_integer_value(v) <= 0) {
			rc = tk_fail_code(TK_ERR_INVALID, "invalid_field", "contact_id (a contact of the issuer in the register) goes with a contact_change letter");
			goto out;
		}
		a.contact_id = (int64_t)json_integer_value(v);
		if ((rc = contact_by_id(c, r.agreement_id, a.contact_id, &ct)) != TK_OK)
			goto out;
		if (strcmp(ct.party, "second") != 0) {
			rc = tk_fail_code(TK_ERR_INVALID, "unknown_contact", "an incoming contact change is a contact of the issuer (party second)");
			goto out;
		}
		if (r.event_date[0] == '\0' && (rc = str_copy(r.event_date, sizeof(r.event_date), ct.changed_on[0] ? ct.changed_on : ct.valid_from)) != TK_OK)
			goto out;
		if (json_object_set_new(r.fields, "contact_id", json_integer((json_int_t)a.contact_id)) != 0) {
			rc = tk_fail(TK_ERR_NOMEM, "out of memory");
			goto out;
		}
	}
	/* The clocks run for the issuer too: its deadline (flagged late, never refused) and, for a proposal, our reply_due. */
	if ((rc = dates_compute(c, r.kind, r.direction, r.letter_date, r.event_date, r.deadline, r.reply_due)) != TK_OK)
		goto out;
	if ((rc = incoming_verify(c, pdf, len, &ver)) != TK_OK)
		goto out;
	if (json_object_set_new(r.fields, "verification", ver) != 0) {
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
		goto out;
	}
	sha256_hex(pdf, len, sha);
	a.r = &r;
	a.pdf = pdf;
	a.len = len;
	a.sha = sha;
	if ((rc = svc_in_tx(c, incoming_tx, &a)) != TK_OK)
		goto out;
	rc = row_dump(c, r.id, out);
out:
	row_free(&r);
	return rc;
}

/* ---- acknowledgement ---- */

struct ack_args {
	int64_t id;
	const char *on;
	const char *note;
};

static enum tk_err ack_tx(struct svc_ctx *c, void *arg)
{
	struct ack_args *a = arg;
	struct store_stmt *s = NULL;
	char obj[40], *d = NULL;
	int row;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "UPDATE letters SET status = 'acknowledged', acknowledged_on = ?, acknowledged_by = ?, updated_at = ?"
				       " WHERE id = ? AND direction = 'outgoing' AND status = 'sent'",
		 &s)) != TK_OK ||
	    (rc = store_bind_text(s, 1, a->on)) != TK_OK || (rc = store_bind_text(s, 2, c->actor.user)) != TK_OK ||
	    (rc = store_bind_i64(s, 3, tk_now())) != TK_OK || (rc = store_bind_i64(s, 4, a->id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (store_changes(s) != 1) {
		rc = tk_fail_code(TK_ERR_CONFLICT, "letter_not_sent", "letter %lld is not a sent letter waiting for acknowledgement", (long long)a->id);
		goto out;
	}
	if ((rc = str_fmt(obj, sizeof(obj), "letter:%lld", (long long)a->id)) != TK_OK ||
	    (rc = svc_json_dump(json_pack("{s:s, s:s, s:s}", "acknowledged_on", a->on, "by", is_auditor(c) ? "issuer" : "recorded_by_ministry", "note",
				    a->note != NULL ? a->note : ""),
		 &d)) != TK_OK)
		goto out;
	rc = audit_append(c, "letter.ack", obj, d);
out:
	store_finalize(s);
	free(d);
	return rc;
}

enum tk_err letter_ack(struct svc_ctx *c, int64_t id, json_t *in, char **out)
{
	struct letter_row r;
	struct ack_args a;
	const char *on = NULL, *note = NULL, *k;
	char t[16];
	int64_t day = 0, sent_day;
	json_t *v;
	enum tk_err rc;

	if (!is_ministry(c) && !is_auditor(c))
		return tk_fail_code(TK_ERR_DENIED, "forbidden", "the issuer acknowledges a letter (or a ministry admin records its acknowledgement)");
	if (in != NULL)
		json_object_foreach (in, k, v)
			if (strcmp(k, "acknowledged_on") != 0 && strcmp(k, "note") != 0)
				return tk_fail_code(TK_ERR_INVALID, "invalid_field", "%s is not a field of an acknowledgement", k);
	if (in != NULL && ((rc = svc_json_str(in, "acknowledged_on", 0, 10, &on)) != TK_OK || (rc = svc_json_str(in, "note", 0, 1000, &note)) != TK_OK))
		return rc;
	if ((rc = row_load_visible(c, id, &r)) != TK_OK)
		return rc;
	if (strcmp(r.kind, "force_majeure_verbal") == 0) {
		/* A record of a telephone call kept by the ministry: there is no letter to acknowledge. */
		rc = tk_fail_code(TK_ERR_CONFLICT, "not_a_letter", "letter %lld records a verbal report; the written notice is what the issuer acknowledges",
		    (long long)id);
		goto out;
	}
	if (strcmp(r.direction, "outgoing") != 0 || strcmp(r.status, "sent") != 0) {
		rc = tk_fail_code(TK_ERR_CONFLICT, "letter_not_sent", "letter %lld is %s %s: only a sent letter is acknowledged", (long long)id, r.direction, r.status);
		goto out;
	}
	cal_day_str(today(), t);
	if (is_auditor(c)) {
		if (on != NULL) {
			rc = tk_fail_code(TK_ERR_INVALID, "invalid_field", "the issuer acknowledges today; acknowledged_on is for a ministry admin recording a mailed one");
			goto out;
		}
		on = t;
	} else {
		if (on == NULL) {
			rc = tk_fail_code(TK_ERR_INVALID, "missing_field", "acknowledged_on (the date of the acknowledgement received by mail) is required");
			goto out;
		}
		sent_day = cal_wib_day(r.sent_at);
		if ((rc = cal_day_parse(on, "acknowledged_on", &day)) != TK_OK)
			goto out;
		if (day > today() || day < sent_day) {
			rc = tk_fail_code(TK_ERR_INVALID, "invalid_date", "acknowledged_on must lie between the day the letter was sent and today");
			goto out;
		}
	}
	a.id = id;
	a.on = on;
	a.note = note;
	if ((rc = svc_in_tx(c, ack_tx, &a)) != TK_OK)
		goto out;
	rc = row_dump(c, id, out);
out:
	row_free(&r);
	return rc;
}

/* ---- evidence, PDF, list ---- */

struct ev_args {
	int64_t id;
	const struct files_in *f;
	const struct files_checked *ck;
	int64_t file_id;
};

static enum tk_err evidence_tx(struct svc_ctx *c, void *arg)
{
	struct ev_args *a = arg;
	char obj[40], *d = NULL;
	enum tk_err rc;

	if ((rc = files_add(c, "letters", a->id, a->f, a->ck, 0, &a->file_id)) != TK_OK)
		return rc;
	if ((rc = str_fmt(obj, sizeof(obj), "letter:%lld", (long long)a->id)) != TK_OK ||
	    (rc = svc_json_dump(json_pack("{s:I, s:s, s:s, s:s}", "file_id", (json_int_t)a->file_id, "filename", a->f->filename, "mime", a->ck->mime,
				    "sha256", a->ck->sha256),
		 &d)) != TK_OK)
		return rc;
	rc = audit_append(c, "letter.evidence", obj, d);
	free(d);
	return rc;
}

enum tk_err letter_evidence_add(struct svc_ctx *c, int64_t id, const struct files_in *f, char **out)
{
	struct letter_row r;
	struct files_checked ck;
	struct ev_args a;
	enum tk_err rc;

	if (!is_ministry(c))
		return tk_fail_code(TK_ERR_DENIED, "forbidden", "only the ministry's admins add evidence to letters");
	if ((rc = row_load(c, id, &r)) != TK_OK)
		return rc;
	if (strcmp(r.status, "draft") != 0 && strcmp(r.status, "received") != 0) {
		rc = tk_fail_code(TK_ERR_CONFLICT, "letter_not_draft", "evidence goes with a draft (before it is signed) or a received letter; letter %lld is %s",
		    (long long)id, r.status);
		goto out;
	}
	if ((rc = files_check(f, LETTER_MAX_EVIDENCE, "the evidence file", &ck)) != TK_OK)
		goto out;
	a.id = id;
	a.f = f;
	a.ck = &ck;
	a.file_id = 0;
	if ((rc = svc_in_tx(c, evidence_tx, &a)) != TK_OK)
		goto out;
	rc = row_dump(c, id, out);
out:
	row_free(&r);
	return rc;
}

enum tk_err letter_evidence_get(struct svc_ctx *c, int64_t id, int64_t file_id, struct buf *out, char filename[FILES_MAX_NAME + 1], char mime[32])
{
	struct letter_row r;
	enum tk_err rc;

	if ((rc = row_load_visible(c, id, &r)) != TK_OK)
		return rc;
	row_free(&r);
	return files_get(c, "letters", id, file_id, out, filename, mime);
}

enum tk_err letter_pdf(struct svc_ctx *c, int64_t id, struct buf *out, char name[80])
{
	struct letter_row r;
	struct buf tmp;
	enum tk_err rc;

	if ((rc = row_load_visible(c, id, &r)) != TK_OK)
		return rc;
	if (!r.has_pdf) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "no_pdf", "letter %lld has no PDF yet (%s)", (long long)id, r.status);
		goto out;
	}
	if ((rc = str_fmt(name, 80, "surat-%lld-%s.pdf", (long long)id, r.direction)) != TK_OK)
		goto out;
	{
		char ids[24];
		if ((rc = str_fmt(ids, sizeof(ids), "%lld", (long long)id)) != TK_OK)
			goto out;
		buf_init(&tmp, LETTER_MAX_PDF);
		rc = svc_query_blob(c, "SELECT pdf FROM letters WHERE id = CAST(? AS INTEGER)", ids, &tmp);
		if (rc == TK_OK)
			rc = buf_append(out, tmp.p, tmp.len);
		buf_free(&tmp);
	}
out:
	row_free(&r);
	return rc;
}

enum tk_err letter_get(struct svc_ctx *c, int64_t id, char **out)
{
	struct letter_row r;
	json_t *j = NULL;
	enum tk_err rc;

	if ((rc = row_load_visible(c, id, &r)) != TK_OK)
		return rc;
	if ((rc = row_json(c, &r, &j)) == TK_OK)
		rc = svc_json_dump(j, out);
	row_free(&r);
	return rc;
}

enum tk_err letter_list(struct svc_ctx *c, const struct letter_filter *f, char **out)
{
	struct store_stmt *s = NULL;
	json_t *arr = json_array(), *j;
	struct letter_row r;
	size_t n = 0;
	int row = 0;
	enum tk_err rc;

	memset(&r, 0, sizeof(r));
	if (arr == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	if (!is_ministry(c) && !is_auditor(c) && !is_subscriber(c)) {
		json_decref(arr);
		return tk_fail_code(TK_ERR_DENIED, "forbidden", "letters are for the ministry's admins, the issuer and the signatories");
	}
	if (f->kind != NULL && !in_list(f->kind, KINDS)) {
		json_decref(arr);
		return tk_fail_code(TK_ERR_INVALID, "invalid_kind", "unknown letter kind");
	}
	if ((rc = store_prepare(c->st, "SELECT " ROW_COLS " FROM letters WHERE (? = 0 OR agreement_id = ?) AND (? = '' OR kind = ?)"
				       " AND (? = '' OR status = ?) AND (? = '' OR direction = ?) ORDER BY id DESC",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, f->agreement_id)) != TK_OK || (rc = store_bind_i64(s, 2, f->agreement_id)) != TK_OK ||
	    (rc = store_bind_text(s, 3, f->kind ? f->kind : "")) != TK_OK || (rc = store_bind_text(s, 4, f->kind ? f->kind : "")) != TK_OK ||
	    (rc = store_bind_text(s, 5, f->status ? f->status : "")) != TK_OK || (rc = store_bind_text(s, 6, f->status ? f->status : "")) != TK_OK ||
	    (rc = store_bind_text(s, 7, f->direction ? f->direction : "")) != TK_OK || (rc = store_bind_text(s, 8, f->direction ? f->direction : "")) != TK_OK)
		goto out;
	while (n < LETTER_MAX_LIST && (rc = store_step(s, &row)) == TK_OK && row) {
		if ((rc = row_read(s, &r)) != TK_OK)
			goto out;
		if (may_read(c, &r) && (!f->mine || strcmp(letter_field(&r, "signatory"), c->actor.user) == 0)) {
			/* Evidence lists need their own statement: the list carries counts only through get. */
			j = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:b, s:o, s:s, s:o, s:o, s:o}", "id", (json_int_t)r.id, "agreement_id",
			    (json_int_t)r.agreement_id, "direction", r.direction, "kind", r.kind, "number", r.number, "subject", r.subject, "letter_date",
			    r.letter_date, "event_date", str_or_null(r.event_date), "deadline", str_or_null(r.deadline), "late",
			    r.deadline[0] != '\0' && strcmp(r.letter_date, r.deadline) > 0, "reply_due", str_or_null(r.reply_due), "status", r.status,
			    "signatory", str_or_null(letter_field(&r, "signatory")), "acknowledged_on", str_or_null(r.acknowledged_on), "received_on",
			    str_or_null(r.received_on));
			if (j == NULL || json_array_append_new(arr, j) != 0) {
				rc = tk_fail(TK_ERR_NOMEM, "out of memory");
				goto out;
			}
			n++;
		}
		row_free(&r);
	}
	if (rc != TK_OK)
		goto out;
	store_finalize(s);
	s = NULL;
	rc = svc_json_dump(json_pack("{s:O}", "letters", arr), out);
out:
	row_free(&r);
	store_finalize(s);
	json_decref(arr);
	return rc;
}

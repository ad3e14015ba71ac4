/*
 * Evaluation records and follow-up actions (R17, PKS art. 12). Each change
 * runs in one write transaction with its audit event; the record is
 * editable while its minutes are a draft, the actions stay editable after
 * (following up is what happens after the meeting).
 */
#include "svc/monev/monev_int.h"
#include "svc/calendar/calendar.h"
#include "svc/base/base_int.h"

#include "svc/audit/audit.h"
#include "svc/notify/notify.h"
#include "svc/pii/pii.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------ helpers */

enum tk_err monev_allowed(const struct svc_ctx *c)
{
	if (c->actor.kind == ACTOR_OPERATOR)
		return TK_OK;
	if (c->actor.kind == ACTOR_PERSON && (strcmp(c->actor.role, "admin") == 0 || strcmp(c->actor.role, "auditor") == 0))
		return TK_OK;
	return tk_fail_code(TK_ERR_DENIED, "forbidden", "monitoring and evaluation is for admins (ministry) and auditors (issuer)");
}

/*
 * Checks participants [{name, party, role}] and returns their canonical
 * JSON text (only those members). Both parties must be there: the
 * evaluation is a joint one (PKS art. 12).
 */
static enum tk_err participants_text(json_t *arr, char **out)
{
	json_t *canon = NULL, *p;
	size_t i;
	int ministry = 0, issuer = 0;
	enum tk_err rc = TK_OK;

	if (!json_is_array(arr) || json_array_size(arr) == 0)
		return tk_fail_code(TK_ERR_INVALID, "invalid_participants", "participants must be a list of {name, party, role}");
	if (json_array_size(arr) > MONEV_MAX_PARTICIPANTS)
		return tk_fail_code(TK_ERR_LIMIT, "too_many_participants", "at most %u participants", MONEV_MAX_PARTICIPANTS);
	if ((canon = json_array()) == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	json_array_foreach (arr, i, p) {
		const char *name, *party, *role;
		if (!json_is_object(p)) {
			rc = tk_fail_code(TK_ERR_INVALID, "invalid_participants", "participant %zu is not an object", i + 1);
			break;
		}
		if ((rc = svc_json_str(p, "name", 1, MONEV_MAX_TITLE, &name)) != TK_OK || (rc = svc_json_str(p, "party", 1, 16, &party)) != TK_OK ||
		    (rc = svc_json_str(p, "role", 0, MONEV_MAX_TITLE, &role)) != TK_OK)
			break;
		if (strcmp(party, "ministry") == 0)
			ministry = 1;
		else if (strcmp(party, "issuer") == 0)
			issuer = 1;
		else {
			rc = tk_fail_code(TK_ERR_INVALID, "invalid_participants", "participant %zu: party must be ministry or issuer", i + 1);
			break;
		}
		if (json_array_append_new(canon, json_pack("{s:s, s:s, s:s}", "name", name, "party", party, "role", role ? role : "")) != 0) {
			rc = tk_fail(TK_ERR_NOMEM, "out of memory");
			break;
		}
	}
	if (rc == TK_OK && (!ministry || !issuer))
		rc = tk_fail_code(TK_ERR_INVALID, "participants_both_parties",
		    "participants must include the ministry and the issuer (BSSN/BSrE): the evaluation is a joint one");
	if (rc == TK_OK)
		rc = svc_json_dump(json_incref(canon), out);
	json_decref(canon);
	return rc;
}

static enum tk_err audit_json(struct svc_ctx *c, const char *action, int64_t id, json_t *details)
{
	char obj[48], *d = NULL;
	enum tk_err rc;

	if ((rc = str_fmt(obj, sizeof(obj), "evaluation:%lld", (long long)id)) != TK_OK || (rc = svc_json_dump(details, &d)) != TK_OK)
		return rc;
	rc = audit_append(c, action, obj, d);
	free(d);
	return rc;
}

/* ------------------------------------------------------------ reading */

static enum tk_err actions_json(struct svc_ctx *c, int64_t id, json_t *arr)
{
	struct store_stmt *s = NULL;
	int64_t today = cal_wib_day(tk_now());
	int row = 0;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "SELECT id, description, owner, owner_email, due_on, status, closing_note, created_by, created_at,"
				       " updated_at, closed_at FROM evaluation_actions WHERE evaluation_id = ? ORDER BY id",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, id)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		struct buf email;
		size_t blen = 0;
		const uint8_t *b = store_col_blob(s, 3, &blen);
		const char *status = store_col_text(s, 5);
		int64_t due = 0;
		int open = strcmp(status, "open") == 0 || strcmp(status, "in_progress") == 0;
		json_t *o;

		buf_init(&email, 1024);
		/* The owner's contact is sealed like other personal data; staff of both parties see it. */
		if (!store_col_null(s, 3) && (rc = pii_open(c->inst, "monev_owner_email", b, blen, &email)) == TK_OK)
			rc = buf_cstr(&email, &(const char *){ NULL });
		if (rc == TK_OK && cal_day_parse(store_col_text(s, 4), "due_on", &due) != TK_OK)
			due = today; /* stored by us: cannot happen; never fail a read over it */
		tk_clear_error();
		o = rc != TK_OK ? NULL
				: json_pack("{s:I, s:s, s:s, s:s?, s:s, s:s, s:s?, s:b, s:s, s:I, s:I, s:o}", "id", (json_int_t)store_col_i64(s, 0),
				      "description", store_col_text(s, 1), "owner", store_col_text(s, 2), "owner_email",
				      email.len > 0 ? (const char *)email.p : NULL, "due_on", store_col_text(s, 4), "status", status, "closing_note",
				      store_col_null(s, 6) ? NULL : store_col_text(s, 6), "overdue", open && due < today, "created_by",
				      store_col_text(s, 7), "created_at", (json_int_t)store_col_i64(s, 8), "updated_at",
				      (json_int_t)store_col_i64(s, 9), "closed_at",
				      store_col_null(s, 10) ? json_null() : json_integer(store_col_i64(s, 10)));
		buf_free(&email);
		if (rc != TK_OK)
			break;
		if (o == NULL || json_array_append_new(arr, o) != 0) {
			rc = tk_fail(TK_ERR_NOMEM, "out of memory");
			break;
		}
	}
out:
	store_finalize(s);
	return rc;
}

static enum tk_err signatures_json(struct svc_ctx *c, int64_t id, json_t *arr)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "SELECT seq, sha256, signer, signer_dn, issuer_dn, cert_serial, signing_time, indication, uploaded_by,"
				       " uploaded_at, LENGTH(pdf) FROM evaluation_signatures WHERE evaluation_id = ? ORDER BY seq",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, id)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:I, s:I}", "seq", (json_int_t)store_col_i64(s, 0), "sha256",
		    store_col_text(s, 1), "signer", store_col_text(s, 2), "signer_dn", store_col_text(s, 3), "issuer_dn", store_col_text(s, 4),
		    "cert_serial", store_col_text(s, 5), "signing_time", store_col_null(s, 6) ? json_null() : json_integer(store_col_i64(s, 6)),
		    "indication", store_col_text(s, 7), "uploaded_by", store_col_text(s, 8), "uploaded_at", (json_int_t)store_col_i64(s, 9),
		    "size", (json_int_t)store_col_i64(s, 10));
		if (o == NULL || json_array_append_new(arr, o) != 0) {
			rc = tk_fail(TK_ERR_NOMEM, "out of memory");
			break;
		}
	}
out:
	store_finalize(s);
	return rc;
}

#define RECORD_COLS "id, held_on, title, place, participants, summary, findings, minutes, state, frozen_sha256, frozen_by, frozen_at," \
		    " created_by, created_at, updated_at, LENGTH(frozen_pdf)"

/* One row of RECORD_COLS as JSON; full adds the texts. */
static json_t *row_json(struct store_stmt *s, int full)
{
	json_error_t jerr;
	json_t *parts = json_loads(store_col_text(s, 4), 0, &jerr);
	json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:o, s:s, s:s?, s:s?, s:o, s:s, s:I, s:I}", "id", (json_int_t)store_col_i64(s, 0),
	    "held_on", store_col_text(s, 1), "title", store_col_text(s, 2), "place", store_col_text(s, 3), "participants",
	    parts != NULL ? parts : json_array(), "state", store_col_text(s, 8), "frozen_sha256",
	    store_col_null(s, 9) ? NULL : store_col_text(s, 9), "frozen_by", store_col_null(s, 10) ? NULL : store_col_text(s, 10), "frozen_at",
	    store_col_null(s, 11) ? json_null() : json_integer(store_col_i64(s, 11)), "created_by", store_col_text(s, 12), "created_at",
	    (json_int_t)store_col_i64(s, 13), "updated_at", (json_int_t)store_col_i64(s, 14));

	if (o != NULL && full &&
	    (json_object_set_new(o, "summary", json_string(store_col_text(s, 5))) != 0 ||
		json_object_set_new(o, "findings", json_string(store_col_text(s, 6))) != 0 ||
		json_object_set_new(o, "minutes", json_string(store_col_text(s, 7))) != 0 ||
		json_object_set_new(o, "frozen_size", store_col_null(s, 15) ? json_null() : json_integer(store_col_i64(s, 15))) != 0)) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

enum tk_err monev_record_json(struct svc_ctx *c, int64_t id, json_t **out)
{
	struct store_stmt *s = NULL;
	json_t *o = NULL, *acts = json_array(), *sigs = json_array();
	int row = 0;
	enum tk_err rc;

	*out = NULL;
	if (acts == NULL || sigs == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = store_prepare(c->st, "SELECT " RECORD_COLS " FROM evaluations WHERE id = ?", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_evaluation", "no evaluation %lld", (long long)id);
		goto out;
	}
	if ((o = row_json(s, 1)) == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
		goto out;
	}
	store_finalize(s);
	s = NULL;
	if ((rc = actions_json(c, id, acts)) != TK_OK || (rc = signatures_json(c, id, sigs)) != TK_OK)
		goto out;
	if (json_object_set(o, "actions", acts) != 0 || json_object_set(o, "signatures", sigs) != 0) {
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
		goto out;
	}
	*out = o;
	o = NULL;
out:
	store_finalize(s);
	json_decref(o);
	json_decref(acts);
	json_decref(sigs);
	return rc;
}

enum tk_err monev_list(struct svc_ctx *c, char **out)
{
	struct store_stmt *s = NULL;
	json_t *arr;
	int row = 0;
	enum tk_err rc;

	if ((rc = monev_allowed(c)) != TK_OK)
		return rc;
	if ((arr = json_array()) == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	if ((rc = store_prepare(c->st, "SELECT " RECORD_COLS ", (SELECT COUNT(*) FROM evaluation_actions a WHERE a.evaluation_id = e.id"
				       " AND a.status IN ('open','in_progress')) FROM evaluations e ORDER BY held_on DESC, id DESC LIMIT 500",
		 &s)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		json_t *o = row_json(s, 0);
		if (o == NULL || json_object_set_new(o, "actions_open", json_integer(store_col_i64(s, 16))) != 0 ||
		    json_array_append_new(arr, o) != 0) {
			rc = tk_fail(TK_ERR_NOMEM, "out of memory");
			break;
		}
	}
	if (rc == TK_OK)
		rc = svc_json_dump(json_incref(arr), out);
out:
	store_finalize(s);
	json_decref(arr);
	return rc;
}

enum tk_err monev_get(struct svc_ctx *c, int64_t id, char **out)
{
	json_t *o = NULL;
	enum tk_err rc;

	if ((rc = monev_allowed(c)) != TK_OK || (rc = monev_record_json(c, id, &o)) != TK_OK)
		return rc;
	return svc_json_dump(o, out);
}

/* ------------------------------------------------------------ writing */

/* The members of an evaluation a create or update call gives; NULL when absent. */
struct eval_in {
	const char *held_on, *title, *place, *summary, *findings, *minutes;
	char *participants; /* canonical JSON text, owned */
	int64_t held_day;
};

static enum tk_err eval_in_parse(json_t *in, int create, struct eval_in *e)
{
	json_t *p;
	enum tk_err rc;

	memset(e, 0, sizeof(*e));
	if (!json_is_object(in))
		return tk_fail_code(TK_ERR_INVALID, "invalid_body", "expected a JSON object");
	if ((rc = svc_json_str(in, "held_on", create, 10, &e->held_on)) != TK_OK || (rc = svc_json_str(in, "title", create, MONEV_MAX_TITLE, &e->title)) != TK_OK ||
	    (rc = svc_json_str(in, "place", create, MONEV_MAX_TITLE, &e->place)) != TK_OK ||
	    (rc = svc_json_str(in, "summary", create, MONEV_MAX_TEXT, &e->summary)) != TK_OK ||
	    (rc = svc_json_str(in, "findings", 0, MONEV_MAX_TEXT, &e->findings)) != TK_OK ||
	    (rc = svc_json_str(in, "minutes", 0, MONEV_MAX_TEXT, &e->minutes)) != TK_OK)
		return rc;
	if (e->held_on != NULL && (rc = cal_day_parse(e->held_on, "held_on", &e->held_day)) != TK_OK)
		return rc;
	/* A meeting is recorded after it is held (a day of slack for time zones). */
	if (e->held_on != NULL && e->held_day > cal_wib_day(tk_now()) + 1)
		return tk_fail_code(TK_ERR_INVALID, "held_in_future", "held_on %s is in the future: record a meeting once it is held", e->held_on);
	p = json_object_get(in, "participants");
	if (p != NULL || create)
		return participants_text(p, &e->participants);
	return TK_OK;
}

struct create_arg {
	struct eval_in *e;
	int64_t id;
};

static enum tk_err create_tx(struct svc_ctx *c, void *arg)
{
	struct create_arg *a = arg;
	struct store_stmt *s = NULL;
	int64_t now = tk_now();
	int row;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "INSERT INTO evaluations (held_on, title, place, participants, summary, findings, minutes, created_by,"
				       " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
		 &s)) != TK_OK ||
	    (rc = store_bind_text(s, 1, a->e->held_on)) != TK_OK || (rc = store_bind_text(s, 2, a->e->title)) != TK_OK ||
	    (rc = store_bind_text(s, 3, a->e->place)) != TK_OK || (rc = store_bind_text(s, 4, a->e->participants)) != TK_OK ||
	    (rc = store_bind_text(s, 5, a->e->summary)) != TK_OK || (rc = store_bind_text(s, 6, a->e->findings ? a->e->findings : "")) != TK_OK ||
	    (rc = store_bind_text(s, 7, a->e->minutes ? a->e->minutes : "")) != TK_OK || (rc = store_bind_text(s, 8, c->actor.user)) != TK_OK ||
	    (rc = store_bind_i64(s, 9, now)) != TK_OK || (rc = store_bind_i64(s, 10, now)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail(TK_ERR_STORE, "monev: insert returned no id");
		goto out;
	}
	a->id = store_col_i64(s, 0);
	rc = audit_json(c, "monev.create", a->id, json_pack("{s:s, s:s}", "held_on", a->e->held_on, "title", a->e->title));
out:
	store_finalize(s);
	return rc;
}

enum tk_err monev_create(struct svc_ctx *c, json_t *in, char **out)
{
	struct eval_in e;
	struct create_arg a = { &e, 0 };
	enum tk_err rc;

	if ((rc = monev_allowed(c)) != TK_OK)
		return rc;
	if ((rc = eval_in_parse(in, 1, &e)) == TK_OK && (rc = svc_in_tx(c, create_tx, &a)) == TK_OK)
		rc = monev_get(c, a.id, out);
	free(e.participants);
	return rc;
}

/* The state of an evaluation; TK_ERR_NOT_FOUND when there is none. */
static enum tk_err eval_state(struct svc_ctx *c, int64_t id, char state[24])
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "SELECT state FROM evaluations WHERE id = ?", &s)) == TK_OK && (rc = store_bind_i64(s, 1, id)) == TK_OK &&
	    (rc = store_step(s, &row)) == TK_OK) {
		if (!row)
			rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_evaluation", "no evaluation %lld", (long long)id);
		else
			rc = str_copy(state, 24, store_col_text(s, 0));
	}
	store_finalize(s);
	return rc;
}

struct update_arg {
	struct eval_in *e;
	int64_t id;
};

static enum tk_err set_text(struct svc_ctx *c, int64_t id, const char *col, const char *v)
{
	struct store_stmt *s = NULL;
	char sql[128];
	int row;
	enum tk_err rc;

	/* col is one of the fixed names below, never caller input. */
	if ((rc = str_fmt(sql, sizeof(sql), "UPDATE evaluations SET %s = ?, updated_at = ? WHERE id = ?", col)) == TK_OK &&
	    (rc = store_prepare(c->st, sql, &s)) == TK_OK && (rc = store_bind_text(s, 1, v)) == TK_OK &&
	    (rc = store_bind_i64(s, 2, tk_now())) == TK_OK && (rc = store_bind_i64(s, 3, id)) == TK_OK)
		rc = store_step(s, &row);
	store_finalize(s);
	return rc;
}

static enum tk_err update_tx(struct svc_ctx *c, void *arg)
{
	struct update_arg *a = arg;
	const struct {
		const char *col;
		const char *v;
	} f[] = {
		{ "held_on", a->e->held_on },
		{ "title", a->e->title },
		{ "place", a->e->place },
		{ "participants", a->e->participants },
		{ "summary", a->e->summary },
		{ "findings", a->e->findings },
		{ "minutes", a->e->minutes },
	};
	json_t *changed = json_array();
	char state[24];
	size_t i;
	enum tk_err rc;

	if (changed == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	if ((rc = eval_state(c, a->id, state)) != TK_OK)
		goto out;
	if (strcmp(state, "draft") != 0) {
		rc = tk_fail_code(TK_ERR_CONFLICT, "minutes_frozen", "evaluation %lld is %s: its record no longer changes (the minutes are frozen)",
		    (long long)a->id, state);
		goto out;
	}
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if (f[i].v == NULL)
			continue;
		if ((rc = set_text(c, a->id, f[i].col, f[i].v)) != TK_OK)
			goto out;
		if (json_array_append_new(changed, json_string(f[i].col)) != 0) {
			rc = tk_fail(TK_ERR_NOMEM, "out of memory");
			goto out;
		}
	}
	if (json_array_size(changed) == 0) {
		rc = tk_fail_code(TK_ERR_INVALID, "nothing_to_change", "give at least one of held_on, title, place, participants, summary, findings, minutes");
		goto out;
	}
	rc = audit_json(c, "monev.update", a->id, json_pack("{s:O}", "changed", changed));
out:
	json_decref(changed);
	return rc;
}

enum tk_err monev_update(struct svc_ctx *c, int64_t id, json_t *in, char **out)
{
	struct eval_in e;
	struct update_arg a = { &e, id };
	enum tk_err rc;

	if ((rc = monev_allowed(c)) != TK_OK)
		return rc;
	if ((rc = eval_in_parse(in, 0, &e)) == TK_OK && (rc = svc_in_tx(c, update_tx, &a)) == TK_OK)
		rc = monev_get(c, id, out);
	free(e.participants);
	return rc;
}

/* ------------------------------------------------------------ actions */

struct action_arg {
	int64_t id, aid;
	const char *description, *owner, *owner_email, *due_on, *status, *note;
};

static enum tk_err action_add_tx(struct svc_ctx *c, void *arg)
{
	struct action_arg *a = arg;
	struct store_stmt *s = NULL;
	struct buf sealed;
	char state[24];
	int64_t n = 0, now = tk_now();
	int row;
	enum tk_err rc;

	buf_init(&sealed, 4096);
	if ((rc = eval_state(c, a->id, state)) != TK_OK)
		goto out;
	{
		char idtxt[24];
		if ((rc = str_fmt(idtxt, sizeof(idtxt), "%lld", (long long)a->id)) != TK_OK ||
		    (rc = store_query_i64(c->st, "SELECT COUNT(*) FROM evaluation_actions WHERE evaluation_id = CAST(? AS INTEGER)", idtxt, &n)) != TK_OK)
			goto out;
	}
	if (n >= MONEV_MAX_ACTIONS) {
		rc = tk_fail_code(TK_ERR_LIMIT, "too_many_actions", "an evaluation has at most %u follow-up actions", MONEV_MAX_ACTIONS);
		goto out;
	}
	if (a->owner_email != NULL && a->owner_email[0] != '\0' && (rc = pii_seal(c->inst, "monev_owner_email", a->owner_email, &sealed)) != TK_OK)
		goto out;
	if ((rc = store_prepare(c->st, "INSERT INTO evaluation_actions (evaluation_id, description, owner, owner_email, due_on, created_by,"
				       " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, a->id)) != TK_OK || (rc = store_bind_text(s, 2, a->description)) != TK_OK ||
	    (rc = store_bind_text(s, 3, a->owner)) != TK_OK ||
	    (rc = sealed.len > 0 ? store_bind_blob(s, 4, sealed.p, sealed.len) : store_bind_null(s, 4)) != TK_OK ||
	    (rc = store_bind_text(s, 5, a->due_on)) != TK_OK || (rc = store_bind_text(s, 6, c->actor.user)) != TK_OK ||
	    (rc = store_bind_i64(s, 7, now)) != TK_OK || (rc = store_bind_i64(s, 8, now)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail(TK_ERR_STORE, "monev: insert returned no id");
		goto out;
	}
	a->aid = store_col_i64(s, 0);
	/* The owner's e-mail stays out of the audit log (personal data). */
	rc = audit_json(c, "monev.action.add", a->id, json_pack("{s:I, s:s, s:s}", "action", (json_int_t)a->aid, "owner", a->owner, "due_on", a->due_on));
out:
	store_finalize(s);
	buf_free(&sealed);
	return rc;
}

enum tk_err monev_action_add(struct svc_ctx *c, int64_t id, json_t *in, char **out)
{
	struct action_arg a;
	int64_t day;
	enum tk_err rc;

	memset(&a, 0, sizeof(a));
	a.id = id;
	if ((rc = monev_allowed(c)) != TK_OK)
		return rc;
	if (!json_is_object(in))
		return tk_fail_code(TK_ERR_INVALID, "invalid_body", "expected a JSON object");
	if ((rc = svc_json_str(in, "description", 1, MONEV_MAX_TEXT, &a.description)) != TK_OK ||
	    (rc = svc_json_str(in, "owner", 1, MONEV_MAX_TITLE, &a.owner)) != TK_OK || (rc = svc_json_str(in, "owner_email", 0, 254, &a.owner_email)) != TK_OK ||
	    (rc = svc_json_str(in, "due_on", 1, 10, &a.due_on)) != TK_OK || (rc = cal_day_parse(a.due_on, "due_on", &day)) != TK_OK)
		return rc;
	if (a.owner_email != NULL && a.owner_email[0] != '\0' && !notify_email_ok(a.owner_email))
		return tk_fail_code(TK_ERR_INVALID, "invalid_email", "owner_email is not an e-mail address");
	if ((rc = svc_in_tx(c, action_add_tx, &a)) != TK_OK)
		return rc;
	return monev_get(c, id, out);
}

static enum tk_err action_update_tx(struct svc_ctx *c, void *arg)
{
	struct action_arg *a = arg;
	struct store_stmt *s = NULL;
	char status[24];
	int64_t now = tk_now();
	int row = 0, closing;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "SELECT status FROM evaluation_actions WHERE id = ? AND evaluation_id = ?", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, a->aid)) != TK_OK || (rc = store_bind_i64(s, 2, a->id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_action", "evaluation %lld has no action %lld", (long long)a->id, (long long)a->aid);
		goto out;
	}
	if ((rc = str_copy(status, sizeof(status), store_col_text(s, 0))) != TK_OK)
		goto out;
	store_finalize(s);
	s = NULL;
	if (strcmp(status, "done") == 0 || strcmp(status, "cancelled") == 0) {
		rc = tk_fail_code(TK_ERR_CONFLICT, "action_closed", "action %lld is %s already", (long long)a->aid, status);
		goto out;
	}
	closing = a->status != NULL && (strcmp(a->status, "done") == 0 || strcmp(a->status, "cancelled") == 0);
	if ((rc = store_prepare(c->st, "UPDATE evaluation_actions SET status = COALESCE(?, status), closing_note = COALESCE(?, closing_note),"
				       " due_on = COALESCE(?, due_on), updated_at = ?, closed_at = ? WHERE id = ?",
		 &s)) != TK_OK ||
	    (rc = a->status ? store_bind_text(s, 1, a->status) : store_bind_null(s, 1)) != TK_OK ||
	    (rc = a->note ? store_bind_text(s, 2, a->note) : store_bind_null(s, 2)) != TK_OK ||
	    (rc = a->due_on ? store_bind_text(s, 3, a->due_on) : store_bind_null(s, 3)) != TK_OK || (rc = store_bind_i64(s, 4, now)) != TK_OK ||
	    (rc = closing ? store_bind_i64(s, 5, now) : store_bind_null(s, 5)) != TK_OK || (rc = store_bind_i64(s, 6, a->aid)) != TK_OK ||
	    (rc = store_step(s, &row)) != TK_OK)
		goto out;
	rc = audit_json(c, closing ? "monev.action.close" : "monev.action.update", a->id,
	    json_pack("{s:I, s:s, s:s?, s:s?}", "action", (json_int_t)a->aid, "from", status, "status", a->status, "due_on", a->due_on));
out:
	store_finalize(s);
	return rc;
}

enum tk_err monev_action_update(struct svc_ctx *c, int64_t id, int64_t action_id, json_t *in, char **out)
{
	static const char *const statuses[] = { "open", "in_progress", "done", "cancelled" };
	struct action_arg a;
	int64_t day;
	size_t i;
	int known = 0;
	enum tk_err rc;

	memset(&a, 0, sizeof(a));
	a.id = id;
	a.aid = action_id;
	if ((rc = monev_allowed(c)) != TK_OK)
		return rc;
	if (!json_is_object(in))
		return tk_fail_code(TK_ERR_INVALID, "invalid_body", "expected a JSON object");
	if ((rc = svc_json_str(in, "status", 0, 16, &a.status)) != TK_OK || (rc = svc_json_str(in, "closing_note", 0, MONEV_MAX_TEXT, &a.note)) != TK_OK ||
	    (rc = svc_json_str(in, "due_on", 0, 10, &a.due_on)) != TK_OK)
		return rc;
	if (a.due_on != NULL && (rc = cal_day_parse(a.due_on, "due_on", &day)) != TK_OK)
		return rc;
	for (i = 0; a.status != NULL && i < sizeof(statuses) / sizeof(statuses[0]); i++)
		known |= strcmp(a.status, statuses[i]) == 0;
	if (a.status != NULL && !known)
		return tk_fail_code(TK_ERR_INVALID, "invalid_status", "status must be open, in_progress, done or cancelled");
	if (a.status == NULL && a.note == NULL && a.due_on == NULL)
		return tk_fail_code(TK_ERR_INVALID, "nothing_to_change", "give status, closing_note or due_on");
	if (a.status != NULL && (strcmp(a.status, "done") == 0 || strcmp(a.status, "cancelled") == 0) && (a.note == NULL || a.note[0] == '\0'))
		return tk_fail_code(TK_ERR_INVALID, "closing_note_required", "closing an action (done or cancelled) needs a closing_note");
	if ((rc = svc_in_tx(c, action_update_tx, &a)) != TK_OK)
		return rc;
	return monev_get(c, id, out);
}

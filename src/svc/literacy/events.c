/*
 * Training and socialisation events (R14, docs/literacy.md "Events"):
 * records, participants, attendance and materials. Each change runs in one
 * write transaction with its audit event; the organiser side changes an
 * event (the ministry for "first", the issuer for "second", both for
 * "joint").
 */
#include "svc/literacy/literacy.h"
#include "svc/literacy/literacy_int.h"

#include "svc/audit/audit.h"
#include "svc/base/base_int.h"
#include "svc/calendar/calendar.h"
#include "svc/files/files.h"
#include "svc/pii/pii.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OWNER "events" /* svc/files owner of the materials */

/* ------------------------------------------------------------ who */

int lit_is_staff(const struct svc_ctx *c)
{
	if (c->actor.kind == ACTOR_OPERATOR)
		return 1;
	return c->actor.kind == ACTOR_PERSON && (strcmp(c->actor.role, "admin") == 0 || strcmp(c->actor.role, "auditor") == 0);
}

static enum tk_err staff_only(const struct svc_ctx *c)
{
	if (lit_is_staff(c))
		return TK_OK;
	return tk_fail_code(TK_ERR_DENIED, "forbidden", "events are recorded by admins (ministry) and auditors (issuer)");
}

/* The caller's party: "second" for the issuer's auditors, "first" for the ministry (admins, the CLI operator). */
static const char *side_of(const struct svc_ctx *c)
{
	return c->actor.kind == ACTOR_PERSON && strcmp(c->actor.role, "auditor") == 0 ? "second" : "first";
}

static enum tk_err organiser_side(const struct svc_ctx *c, const char *organiser)
{
	if (strcmp(organiser, "joint") == 0 || strcmp(organiser, side_of(c)) == 0)
		return TK_OK;
	return tk_fail_code(TK_ERR_DENIED, "not_organiser", "only the organising party (%s) changes this event",
	    strcmp(organiser, "first") == 0 ? "the ministry" : "the issuer");
}

static enum tk_err nomem(void)
{
	return tk_fail(TK_ERR_NOMEM, "out of memory");
}

static enum tk_err audit_event(struct svc_ctx *c, const char *action, int64_t id, json_t *details)
{
	char obj[48], *d = NULL;
	enum tk_err rc;

	if ((rc = str_fmt(obj, sizeof(obj), "event:%lld", (long long)id)) != TK_OK) {
		json_decref(details);
		return rc;
	}
	if ((rc = svc_json_dump(details, &d)) != TK_OK)
		return rc;
	rc = audit_append(c, action, obj, d);
	free(d);
	return rc;
}

/* ------------------------------------------------------------ input */

static int one_of(const char *s, const char *const *set)
{
	for (; *set != NULL; set++)
		if (strcmp(s, *set) == 0)
			return 1;
	return 0;
}

static const char *const KINDS[] = { "sosialisasi", "bimtek", "media", NULL };
static const char *const ORGANISERS[] = { "first", "second", "joint", NULL };
static const char *const STATUSES[] = { "planned", "held", "cancelled", NULL };

static enum tk_err json_bool(json_t *in, const char *key, int *out)
{
	json_t *v = json_object_get(in, key);

	*out = -1;
	if (v == NULL || json_is_null(v))
		return TK_OK;
	if (!json_is_boolean(v))
		return tk_fail_code(TK_ERR_INVALID, "invalid_field", "%s must be true or false", key);
	*out = json_is_true(v);
	return TK_OK;
}

/* speakers [{name, party first|second, position?}] as canonical JSON text. */
static enum tk_err speakers_text(json_t *arr, char **out)
{
	json_t *canon, *p;
	size_t i;
	enum tk_err rc = TK_OK;

	if (!json_is_array(arr))
		return tk_fail_code(TK_ERR_INVALID, "invalid_speakers", "speakers must be a list of {name, party, position}");
	if (json_array_size(arr) > EVENT_MAX_SPEAKERS)
		return tk_fail_code(TK_ERR_LIMIT, "too_many_speakers", "at most %u speakers", EVENT_MAX_SPEAKERS);
	if ((canon = json_array()) == NULL)
		return nomem();
	json_array_foreach (arr, i, p) {
		const char *name, *party, *position;
		if (!json_is_object(p)) {
			rc = tk_fail_code(TK_ERR_INVALID, "invalid_speakers", "speaker %zu is not an object", i + 1);
			break;
		}
		if ((rc = svc_json_str(p, "name", 1, EVENT_MAX_TITLE, &name)) != TK_OK || (rc = svc_json_str(p, "party", 1, 16, &party)) != TK_OK ||
		    (rc = svc_json_str(p, "position", 0, EVENT_MAX_TITLE, &position)) != TK_OK)
			break;
		if (strcmp(party, "first") != 0 && strcmp(party, "second") != 0) {
			rc = tk_fail_code(TK_ERR_INVALID, "invalid_speakers", "speaker %zu: party must be first (ministry) or second (issuer)", i + 1);
			break;
		}
		if (json_array_append_new(canon, json_pack("{s:s, s:s, s:s}", "name", name, "party", party, "position", position ? position : "")) != 0) {
			rc = nomem();
			break;
		}
	}
	if (rc == TK_OK)
		rc = svc_json_dump(json_incref(canon), out);
	json_decref(canon);
	return rc;
}

/* audience [unit...] as canonical JSON text. */
static enum tk_err audience_text(json_t *arr, char **out)
{
	json_t *canon, *u;
	size_t i;
	enum tk_err rc = TK_OK;

	if (!json_is_array(arr))
		return tk_fail_code(TK_ERR_INVALID, "invalid_audience", "audience must be a list of unit names");
	if (json_array_size(arr) > EVENT_MAX_AUDIENCE)
		return tk_fail_code(TK_ERR_LIMIT, "too_many_units", "at most %u units in the audience", EVENT_MAX_AUDIENCE);
	if ((canon = json_array()) == NULL)
		return nomem();
	json_array_foreach (arr, i, u) {
		const char *s = json_string_value(u);
		if (s == NULL || json_string_length(u) == 0 || json_string_length(u) > EVENT_MAX_TITLE ||
		    memchr(s, '\0', json_string_length(u)) != NULL) {
			rc = tk_fail_code(TK_ERR_INVALID, "invalid_audience", "audience unit %zu must be a name of 1..%u bytes", i + 1, EVENT_MAX_TITLE);
			break;
		}
		if (json_array_append_new(canon, json_string(s)) != 0) {
			rc = nomem();
			break;
		}
	}
	if (rc == TK_OK)
		rc = svc_json_dump(json_incref(canon), out);
	json_decref(canon);
	return rc;
}

/* The members of an event a create or update call gives; NULL / -1 when absent. */
struct ev_in {
	const char *kind, *title, *description, *starts_on, *ends_on, *place, *organiser;
	char *speakers, *audience; /* canonical JSON text, owned */
	int online, is_public;
};

static void ev_in_free(struct ev_in *e)
{
	free(e->speakers);
	free(e->audience);
}

static enum tk_err ev_in_parse(json_t *in, int create, struct ev_in *e)
{
	json_t *v;
	int64_t d = 0;
	enum tk_err rc;

	memset(e, 0, sizeof(*e));
	e->online = e->is_public = -1;
	if (!json_is_object(in))
		return tk_fail_code(TK_ERR_INVALID, "invalid_body", "expected a JSON object");
	if ((rc = svc_json_str(in, "kind", create, 16, &e->kind)) != TK_OK || (rc = svc_json_str(in, "title", create, EVENT_MAX_TITLE, &e->title)) != TK_OK ||
	    (rc = svc_json_str(in, "description", 0, EVENT_MAX_TEXT, &e->description)) != TK_OK ||
	    (rc = svc_json_str(in, "starts_on", create, 10, &e->starts_on)) != TK_OK || (rc = svc_json_str(in, "ends_on", 0, 10, &e->ends_on)) != TK_OK ||
	    (rc = svc_json_str(in, "place", 0, EVENT_MAX_TITLE, &e->place)) != TK_OK ||
	    (rc = svc_json_str(in, "organiser", create, 16, &e->organiser)) != TK_OK || (rc = json_bool(in, "online", &e->online)) != TK_OK ||
	    (rc = json_bool(in, "is_public", &e->is_public)) != TK_OK)
		return rc;
	if (!create && e->title != NULL && e->title[0] == '\0')
		return tk_fail_code(TK_ERR_INVALID, "missing_field", "title must not be empty");
	if (e->kind != NULL && !one_of(e->kind, KINDS))
		return tk_fail_code(TK_ERR_INVALID, "invalid_kind", "kind must be sosialisasi, bimtek (bimbingan teknis) or media");
	if (e->organiser != NULL && !one_of(e->organiser, ORGANISERS))
		return tk_fail_code(TK_ERR_INVALID, "invalid_organiser", "organiser must be first (ministry), second (issuer) or joint");
	if (e->starts_on != NULL && (rc = cal_day_parse(e->starts_on, "starts_on", &d)) != TK_OK)
		return rc;
	if (e->ends_on != NULL && e->ends_on[0] != '\0' && (rc = cal_day_parse(e->ends_on, "ends_on", &d)) != TK_OK)
		return rc;
	if (e->ends_on != NULL && e->ends_on[0] == '\0')
		e->ends_on = NULL;
	if ((v = json_object_get(in, "speakers")) != NULL && !json_is_null(v) && (rc = speakers_text(v, &e->speakers)) != TK_OK)
		return rc;
	if ((v = json_object_get(in, "audience")) != NULL && !json_is_null(v) && (rc = audience_text(v, &e->audience)) != TK_OK)
		return rc;
	return TK_OK;
}

/* ------------------------------------------------------------ reading */

#define EVENT_COLS "id, kind, title, description, starts_on, ends_on, place, online, organiser, speakers, audience, is_public, status," \
		   " created_by, created_at, updated_at"

struct ev_row {
	int64_t id;
	char organiser[8], status[16], starts_on[16];
};

/* One row of EVENT_COLS as JSON; full adds description, speakers and audience; pub leaves out who recorded it. */
static json_t *row_json(struct store_stmt *s, int full, int pub)
{
	json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:b, s:s}", "id", (json_int_t)store_col_i64(s, 0), "kind",
	    store_col_text(s, 1), "title", store_col_text(s, 2), "starts_on", store_col_text(s, 4), "ends_on", store_col_text(s, 5), "place",
	    store_col_text(s, 6), "online", store_col_i64(s, 7) != 0, "organiser", store_col_text(s, 8), "is_public", store_col_i64(s, 11) != 0,
	    "status", store_col_text(s, 12));

	if (o == NULL)
		return NULL;
	if (full) {
		json_t *sp = json_loads(store_col_text(s, 9), 0, NULL), *au = json_loads(store_col_text(s, 10), 0, NULL);
		if (json_object_set_new(o, "description", json_string(store_col_text(s, 3))) != 0 ||
		    json_object_set_new(o, "speakers", sp != NULL ? sp : json_array()) != 0 ||
		    json_object_set_new(o, "audience", au != NULL ? au : json_array()) != 0) {
			json_decref(o);
			return NULL;
		}
	}
	if (!pub && (json_object_set_new(o, "created_by", json_string(store_col_text(s, 13))) != 0 ||
			json_object_set_new(o, "created_at", json_integer(store_col_i64(s, 14))) != 0 ||
			json_object_set_new(o, "updated_at", json_integer(store_col_i64(s, 15))) != 0)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* The row's identity and state (TK_ERR_NOT_FOUND unknown_event). */
static enum tk_err ev_load(struct svc_ctx *c, int64_t id, struct ev_row *r)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	memset(r, 0, sizeof(*r));
	if ((rc = store_prepare(c->st, "SELECT organiser, status, starts_on FROM events WHERE id = ?", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_event", "no event %lld", (long long)id);
		goto out;
	}
	r->id = id;
	snprintf(r->organiser, sizeof(r->organiser), "%s", store_col_text(s, 0));
	snprintf(r->status, sizeof(r->status), "%s", store_col_text(s, 1));
	snprintf(r->starts_on, sizeof(r->starts_on), "%s", store_col_text(s, 2));
out:
	store_finalize(s);
	return rc;
}

static enum tk_err participants_json(struct svc_ctx *c, int64_t id, json_t *arr)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "SELECT id, subscriber_id, user_id, name, unit, party, attended, added_by, added_at FROM event_participants"
				       " WHERE event_id = ? ORDER BY id",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, id)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		/* The issuer's auditors see certificate holders as pseudonyms (svc/ra's list): so here too, for those picked from the register. */
		int pseud = !store_col_null(s, 1) && c->actor.kind == ACTOR_PERSON && strcmp(c->actor.role, "auditor") == 0;
		char p[PII_PSEUDONYM_LEN + 1];
		json_t *o;
		if (pseud)
			pii_pseudonym(c->inst, store_col_i64(s, 1), p);
		o = json_pack("{s:I, s:o, s:o, s:s, s:s, s:s, s:b, s:s, s:I}", "id", (json_int_t)store_col_i64(s, 0), "subscriber_id",
		    store_col_null(s, 1) || pseud ? json_null() : json_integer(store_col_i64(s, 1)), "user_id",
		    store_col_null(s, 2) || pseud ? json_null() : json_integer(store_col_i64(s, 2)), "name", pseud ? p : store_col_text(s, 3),
		    "unit", store_col_text(s, 4),
		    "party", store_col_text(s, 5), "attended", store_col_i64(s, 6) != 0, "added_by", store_col_text(s, 7), "added_at",
		    (json_int_t)store_col_i64(s, 8));
		if (o != NULL && (json_object_set_new(o, "from_register", json_boolean(!store_col_null(s, 1))) != 0 ||
				     (pseud && json_object_set_new(o, "pseudonym", json_true()) != 0))) {
			json_decref(o);
			o = NULL;
		}
		if (o == NULL || json_array_append_new(arr, o) != 0) {
			rc = nomem();
			break;
		}
	}
out:
	store_finalize(s);
	return rc;
}

/* The event as JSON (record, participants, materials). Caller decrefs. */
static enum tk_err ev_json(struct svc_ctx *c, int64_t id, json_t **out)
{
	struct store_stmt *s = NULL;
	json_t *o = NULL, *parts = json_array(), *mats = json_array();
	int row = 0;
	enum tk_err rc;

	*out = NULL;
	if (parts == NULL || mats == NULL) {
		rc = nomem();
		goto out;
	}
	if ((rc = store_prepare(c->st, "SELECT " EVENT_COLS " FROM events WHERE id = ?", &s)) != TK_OK || (rc = store_bind_i64(s, 1, id)) != TK_OK ||
	    (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_event", "no event %lld", (long long)id);
		goto out;
	}
	if ((o = row_json(s, 1, 0)) == NULL) {
		rc = nomem();
		goto out;
	}
	store_finalize(s);
	s = NULL;
	if ((rc = participants_json(c, id, parts)) != TK_OK || (rc = files_list_json(c, OWNER, id, mats)) != TK_OK)
		goto out;
	if (json_object_set(o, "participants", parts) != 0 || json_object_set(o, "materials", mats) != 0) {
		rc = nomem();
		goto out;
	}
	*out = o;
	o = NULL;
out:
	store_finalize(s);
	json_decref(o);
	json_decref(parts);
	json_decref(mats);
	return rc;
}

enum tk_err event_list(struct svc_ctx *c, int year, char **out)
{
	struct store_stmt *s = NULL;
	json_t *arr;
	char from[16], to[16];
	int row = 0;
	enum tk_err rc;

	if ((rc = staff_only(c)) != TK_OK)
		return rc;
	if (year != 0 && (year < CAL_MIN_YEAR || year > CAL_MAX_YEAR))
		return tk_fail_code(TK_ERR_INVALID, "invalid_year", "year must be between %d and %d", CAL_MIN_YEAR, CAL_MAX_YEAR);
	if ((rc = str_fmt(from, sizeof(from), "%04d-01-01", year ? year : CAL_MIN_YEAR)) != TK_OK ||
	    (rc = str_fmt(to, sizeof(to), "%04d-01-01", year ? year + 1 : CAL_MAX_YEAR + 1)) != TK_OK)
		return rc;
	if ((arr = json_array()) == NULL)
		return nomem();
	if ((rc = store_prepare(c->st, "SELECT " EVENT_COLS ","
				       " (SELECT COUNT(*) FROM event_participants p WHERE p.event_id = e.id),"
				       " (SELECT COUNT(*) FROM event_participants p WHERE p.event_id = e.id AND p.attended = 1),"
				       " (SELECT COUNT(*) FROM attachments a WHERE a.owner = 'events' AND a.owner_id = e.id)"
				       " FROM events e WHERE starts_on >= ? AND starts_on < ? ORDER BY starts_on DESC, id DESC LIMIT 1000",
		 &s)) != TK_OK ||
	    (rc = store_bind_text(s, 1, from)) != TK_OK || (rc = store_bind_text(s, 2, to)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		json_t *o = row_json(s, 0, 0);
		if (o != NULL && (json_object_set_new(o, "participants", json_integer(store_col_i64(s, 16))) != 0 ||
				     json_object_set_new(o, "attended", json_integer(store_col_i64(s, 17))) != 0 ||
				     json_object_set_new(o, "materials", json_integer(store_col_i64(s, 18))) != 0)) {
			json_decref(o);
			o = NULL;
		}
		if (o == NULL || json_array_append_new(arr, o) != 0) { /* append takes o, also when it fails */
			rc = nomem();
			break;
		}
	}
	if (rc == TK_OK)
		rc = svc_json_dump(json_pack("{s:O}", "events", arr), out);
out:
	store_finalize(s);
	json_decref(arr);
	return rc;
}

enum tk_err event_get(struct svc_ctx *c, int64_t id, char **out)
{
	json_t *o = NULL;
	enum tk_err rc;

	if ((rc = staff_only(c)) != TK_OK || (rc = ev_json(c, id, &o)) != TK_OK)
		return rc;
	return svc_json_dump(o, out);
}

/* Public materials: no uploader. */
static enum tk_err public_materials(struct svc_ctx *c, int64_t id, json_t **out)
{
	json_t *arr = json_array(), *m;
	size_t i;
	enum tk_err rc;

	*out = NULL;
	if (arr == NULL)
		return nomem();
	if ((rc = files_list_json(c, OWNER, id, arr)) != TK_OK) {
		json_decref(arr);
		return rc;
	}
	json_array_foreach (arr, i, m) {
		json_object_del(m, "added_by");
		json_object_del(m, "at");
	}
	*out = arr;
	return TK_OK;
}

static enum tk_err public_rows(struct svc_ctx *c, const char *sql, const char *today, json_t *arr)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, sql, &s)) != TK_OK || (rc = store_bind_text(s, 1, today)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		json_t *o = row_json(s, 1, 1), *mats = NULL;
		if (o == NULL) {
			rc = nomem();
			break;
		}
		json_object_del(o, "is_public");
		if ((rc = public_materials(c, store_col_i64(s, 0), &mats)) != TK_OK) {
			json_decref(o);
			break;
		}
		if (json_object_set_new(o, "materials", mats) != 0) {
			json_decref(o);
			rc = nomem();
			break;
		}
		if (json_array_append_new(arr, o) != 0) {
			rc = nomem();
			break;
		}
	}
out:
	store_finalize(s);
	return rc;
}

enum tk_err events_public(struct svc_ctx *c, char **out)
{
	json_t *up = json_array(), *past = json_array();
	char today[16];
	enum tk_err rc;

	cal_day_str(cal_wib_day(tk_now()), today);
	if (up == NULL || past == NULL) {
		rc = nomem();
		goto out;
	}
	if ((rc = store_begin(c->st, STORE_TX_READ)) != TK_OK)
		goto out;
	if ((rc = public_rows(c, "SELECT " EVENT_COLS " FROM events WHERE is_public = 1 AND status <> 'cancelled' AND ends_on >= ?"
				 " ORDER BY starts_on, id LIMIT 1000",
		 today, up)) == TK_OK &&
	    (rc = public_rows(c, "SELECT " EVENT_COLS " FROM events WHERE is_public = 1 AND status <> 'cancelled' AND ends_on < ?"
				 " ORDER BY starts_on DESC, id DESC LIMIT 20",
		 today, past)) == TK_OK)
		rc = store_commit(c->st);
	else
		store_rollback(c->st);
	if (rc == TK_OK)
		rc = svc_json_dump(json_pack("{s:s, s:O, s:O}", "today", today, "upcoming", up, "past", past), out);
out:
	json_decref(up);
	json_decref(past);
	return rc;
}

enum tk_err event_material_get(struct svc_ctx *c, int64_t id, int64_t file_id, struct buf *data, char filename[201], char mime[32])
{
	struct store_stmt *s = NULL;
	int row = 0, visible = 0;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "SELECT is_public, status FROM events WHERE id = ?", &s)) != TK_OK || (rc = store_bind_i64(s, 1, id)) != TK_OK ||
	    (rc = store_step(s, &row)) != TK_OK)
		goto out;
	/* Staff see every event's materials; everyone else only a public, not cancelled event's, and the same 404 otherwise. */
	visible = row && (lit_is_staff(c) || (store_col_i64(s, 0) != 0 && strcmp(store_col_text(s, 1), "cancelled") != 0));
	store_finalize(s);
	s = NULL;
	if (!visible) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_event", "no event %lld", (long long)id);
		goto out;
	}
	rc = files_get(c, OWNER, id, file_id, data, filename, mime);
out:
	store_finalize(s);
	return rc;
}

/* ------------------------------------------------------------ writing */

struct tx_arg {
	int64_t id, pid;
	struct ev_in *e;
	json_t *in;
	const char *status;
	struct files_in *file;
	struct files_checked *ck;
};

static enum tk_err check_dates(const char *starts_on, const char *ends_on)
{
	/* Both are strict YYYY-MM-DD: text order is date order. */
	if (strcmp(ends_on, starts_on) < 0)
		return tk_fail_code(TK_ERR_INVALID, "invalid_dates", "ends_on %s is before starts_on %s", ends_on, starts_on);
	return TK_OK;
}

static enum tk_err create_tx(struct svc_ctx *c, void *arg)
{
	struct tx_arg *a = arg;
	struct ev_in *e = a->e;
	struct store_stmt *s = NULL;
	int64_t now = tk_now();
	const char *ends = e->ends_on ? e->ends_on : e->starts_on;
	int row = 0;
	enum tk_err rc;

	if ((rc = check_dates(e->starts_on, ends)) != TK_OK)
		return rc;
	if ((rc = store_prepare(c->st, "INSERT INTO events (kind, title, description, starts_on, ends_on, place, online, organiser, speakers, audience,"
				       " is_public, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
		 &s)) != TK_OK ||
	    (rc = store_bind_text(s, 1, e->kind)) != TK_OK || (rc = store_bind_text(s, 2, e->title)) != TK_OK ||
	    (rc = store_bind_text(s, 3, e->description ? e->description : "")) != TK_OK || (rc = store_bind_text(s, 4, e->starts_on)) != TK_OK ||
	    (rc = store_bind_text(s, 5, ends)) != TK_OK || (rc = store_bind_text(s, 6, e->place ? e->place : "")) != TK_OK ||
	    (rc = store_bind_i64(s, 7, e->online > 0)) != TK_OK || (rc = store_bind_text(s, 8, e->organiser)) != TK_OK ||
	    (rc = store_bind_text(s, 9, e->speakers ? e->speakers : "[]")) != TK_OK ||
	    (rc = store_bind_text(s, 10, e->audience ? e->audience : "[]")) != TK_OK || (rc = store_bind_i64(s, 11, e->is_public > 0)) != TK_OK ||
	    (rc = store_bind_text(s, 12, c->actor.user)) != TK_OK || (rc = store_bind_i64(s, 13, now)) != TK_OK ||
	    (rc = store_bind_i64(s, 14, now)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail(TK_ERR_STORE, "events: insert returned no id");
		goto out;
	}
	a->id = store_col_i64(s, 0);
	rc = audit_event(c, "event.create", a->id,
	    json_pack("{s:s, s:s, s:s, s:s, s:s, s:b}", "kind", e->kind, "title", e->title, "starts_on", e->starts_on, "ends_on", ends, "organiser",
		e->organiser, "is_public", e->is_public > 0));
out:
	store_finalize(s);
	return rc;
}

/* Answers with the event after a change. */
static enum tk_err answer(struct svc_ctx *c, enum tk_err rc, int64_t id, char **out)
{
	json_t *o = NULL;

	if (rc != TK_OK)
		return rc;
	if ((rc = ev_json(c, id, &o)) != TK_OK)
		return rc;
	return svc_json_dump(o, out);
}

/* A change of event id by a JSON object in: staff only, fn in one transaction, the event after it. */
static enum tk_err change_by_json(struct svc_ctx *c, int64_t id, json_t *in, enum tk_err (*fn)(struct svc_ctx *, void *), char **out)
{
	struct tx_arg a;
	enum tk_err rc;

	if ((rc = staff_only(c)) != TK_OK)
		return rc;
	if (!json_is_object(in))
		return tk_fail_code(TK_ERR_INVALID, "invalid_body", "expected a JSON object");
	memset(&a, 0, sizeof(a));
	a.id = id;
	a.in = in;
	return answer(c, svc_in_tx(c, fn, &a), id, out);
}

enum tk_err event_create(struct svc_ctx *c, json_t *in, char **out)
{
	struct ev_in e;
	struct tx_arg a;
	enum tk_err rc;

	if ((rc = staff_only(c)) != TK_OK)
		return rc;
	if ((rc = ev_in_parse(in, 1, &e)) == TK_OK && (rc = organiser_side(c, e.organiser)) == TK_OK) {
		memset(&a, 0, sizeof(a));
		a.e = &e;
		rc = svc_in_tx(c, create_tx, &a); /* a.id is known only after the call */
		rc = answer(c, rc, a.id, out);
	}
	ev_in_free(&e);
	return rc;
}

/* Loads the event for a change by its organiser side; refuses a cancelled one when live is set. */
static enum tk_err ev_for_change(struct svc_ctx *c, int64_t id, int live, struct ev_row *r)
{
	enum tk_err rc;

	if ((rc = ev_load(c, id, r)) != TK_OK || (rc = organiser_side(c, r->organiser)) != TK_OK)
		return rc;
	if (live && strcmp(r->status, "cancelled") == 0)
		return tk_fail_code(TK_ERR_CONFLICT, "event_cancelled", "event %lld is cancelled: set it back to planned first", (long long)id);
	return TK_OK;
}

static enum tk_err set_text(struct svc_ctx *c, int64_t id, const char *col_sql, const char *v, json_t *changed, const char *key)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	if (v == NULL)
		return TK_OK;
	if ((rc = store_prepare(c->st, col_sql, &s)) == TK_OK && (rc = store_bind_text(s, 1, v)) == TK_OK && (rc = store_bind_i64(s, 2, id)) == TK_OK)
		rc = store_step(s, &row);
	store_finalize(s);
	if (rc == TK_OK && json_array_append_new(changed, json_string(key)) != 0)
		rc = nomem();
	return rc;
}

static enum tk_err set_int(struct svc_ctx *c, int64_t id, const char *col_sql, int v, json_t *changed, const char *key)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	if (v < 0)
		return TK_OK;
	if ((rc = store_prepare(c->st, col_sql, &s)) == TK_OK && (rc = store_bind_i64(s, 1, v)) == TK_OK && (rc = store_bind_i64(s, 2, id)) == TK_OK)
		rc = store_step(s, &row);
	store_finalize(s);
	if (rc == TK_OK && json_array_append_new(changed, json_string(key)) != 0)
		rc = nomem();
	return rc;
}

static enum tk_err update_tx(struct svc_ctx *c, void *arg)
{
	struct tx_arg *a = arg;
	struct ev_in *e = a->e;
	struct ev_row r;
	struct store_stmt *s = NULL;
	json_t *changed = NULL;
	char starts[16], ends[16];
	int row = 0;
	enum tk_err rc;

	if ((rc = ev_for_change(c, a->id, 1, &r)) != TK_OK)
		return rc;
	/* Changing the organiser must keep the caller on the organising side (no handing an event away by mistake). */
	if (e->organiser != NULL && (rc = organiser_side(c, e->organiser)) != TK_OK)
		return rc;
	if ((rc = store_prepare(c->st, "SELECT starts_on, ends_on FROM events WHERE id = ?", &s)) != TK_OK || (rc = store_bind_i64(s, 1, a->id)) != TK_OK ||
	    (rc = store_step(s, &row)) != TK_OK)
		goto out;
	snprintf(starts, sizeof(starts), "%s", e->starts_on ? e->starts_on : store_col_text(s, 0));
	snprintf(ends, sizeof(ends), "%s", e->ends_on ? e->ends_on : store_col_text(s, 1));
	store_finalize(s);
	s = NULL;
	/* Moving only the start past the old end moves a one-day event along. */
	if (e->starts_on != NULL && e->ends_on == NULL && strcmp(ends, starts) < 0)
		snprintf(ends, sizeof(ends), "%s", starts);
	if ((rc = check_dates(starts, ends)) != TK_OK)
		goto out;
	/* A held event keeps its start date in the past (it was held). */
	if (strcmp(r.status, "held") == 0) {
		char today[16];
		cal_day_str(cal_wib_day(tk_now()), today);
		if (strcmp(starts, today) > 0) {
			rc = tk_fail_code(TK_ERR_CONFLICT, "event_held", "event %lld was held: its start date cannot move into the future", (long long)a->id);
			goto out;
		}
	}
	if ((changed = json_array()) == NULL) {
		rc = nomem();
		goto out;
	}
	if ((rc = set_text(c, a->id, "UPDATE events SET kind = ? WHERE id = ?", e->kind, changed, "kind")) != TK_OK ||
	    (rc = set_text(c, a->id, "UPDATE events SET title = ? WHERE id = ?", e->title, changed, "title")) != TK_OK ||
	    (rc = set_text(c, a->id, "UPDATE events SET description = ? WHERE id = ?", e->description, changed, "description")) != TK_OK ||
	    (rc = set_text(c, a->id, "UPDATE events SET starts_on = ? WHERE id = ?", e->starts_on ? starts : NULL, changed, "starts_on")) != TK_OK ||
	    (rc = set_text(c, a->id, "UPDATE events SET ends_on = ? WHERE id = ?", e->ends_on || e->starts_on ? ends : NULL, changed, "ends_on")) != TK_OK ||
	    (rc = set_text(c, a->id, "UPDATE events SET place = ? WHERE id = ?", e->place, changed, "place")) != TK_OK ||
	    (rc = set_text(c, a->id, "UPDATE events SET organiser = ? WHERE id = ?", e->organiser, changed, "organiser")) != TK_OK ||
	    (rc = set_text(c, a->id, "UPDATE events SET speakers = ? WHERE id = ?", e->speakers, changed, "speakers")) != TK_OK ||
	    (rc = set_text(c, a->id, "UPDATE events SET audience = ? WHERE id = ?", e->audience, changed, "audience")) != TK_OK ||
	    (rc = set_int(c, a->id, "UPDATE events SET online = ? WHERE id = ?", e->online, changed, "online")) != TK_OK ||
	    (rc = set_int(c, a->id, "UPDATE events SET is_public = ? WHERE id = ?", e->is_public, changed, "is_public")) != TK_OK)
		goto out;
	if (json_array_size(changed) == 0) {
		rc = tk_fail_code(TK_ERR_INVALID, "nothing_to_change", "give at least one member to change");
		goto out;
	}
	if ((rc = store_prepare(c->st, "UPDATE events SET updated_at = ? WHERE id = ?", &s)) != TK_OK || (rc = store_bind_i64(s, 1, tk_now())) != TK_OK ||
	    (rc = store_bind_i64(s, 2, a->id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	rc = audit_event(c, "event.update", a->id, json_pack("{s:O}", "changed", changed));
out:
	store_finalize(s);
	json_decref(changed);
	return rc;
}

enum tk_err event_update(struct svc_ctx *c, int64_t id, json_t *in, char **out)
{
	struct ev_in e;
	struct tx_arg a;
	enum tk_err rc;

	if ((rc = staff_only(c)) != TK_OK)
		return rc;
	if ((rc = ev_in_parse(in, 0, &e)) == TK_OK) {
		memset(&a, 0, sizeof(a));
		a.id = id;
		a.e = &e;
		rc = answer(c, svc_in_tx(c, update_tx, &a), id, out);
	}
	ev_in_free(&e);
	return rc;
}

static enum tk_err started(const struct ev_row *r, const char *what)
{
	char today[16];

	cal_day_str(cal_wib_day(tk_now()), today);
	if (strcmp(r->starts_on, today) > 0)
		return tk_fail_code(TK_ERR_CONFLICT, "event_not_started", "event %lld starts on %s (WIB): %s once it has started", (long long)r->id,
		    r->starts_on, what);
	return TK_OK;
}

static enum tk_err status_tx(struct svc_ctx *c, void *arg)
{
	struct tx_arg *a = arg;
	struct ev_row r;
	struct store_stmt *s = NULL;
	int row = 0, ok;
	enum tk_err rc;

	if ((rc = ev_for_change(c, a->id, 0, &r)) != TK_OK)
		return rc;
	ok = (strcmp(r.status, "planned") == 0 && strcmp(a->status, "planned") != 0) ||
	     (strcmp(r.status, "cancelled") == 0 && strcmp(a->status, "planned") == 0);
	if (!ok)
		return tk_fail_code(TK_ERR_CONFLICT, "invalid_transition", "event %lld is %s: it cannot become %s", (long long)a->id, r.status, a->status);
	if (strcmp(a->status, "held") == 0 && (rc = started(&r, "mark it held")) != TK_OK)
		return rc;
	if ((rc = store_prepare(c->st, "UPDATE events SET status = ?, updated_at = ? WHERE id = ?", &s)) == TK_OK &&
	    (rc = store_bind_text(s, 1, a->status)) == TK_OK && (rc = store_bind_i64(s, 2, tk_now())) == TK_OK &&
	    (rc = store_bind_i64(s, 3, a->id)) == TK_OK)
		rc = store_step(s, &row);
	store_finalize(s);
	if (rc == TK_OK)
		rc = audit_event(c, "event.status", a->id, json_pack("{s:s, s:s}", "from", r.status, "to", a->status));
	return rc;
}

enum tk_err event_set_status(struct svc_ctx *c, int64_t id, json_t *in, char **out)
{
	struct tx_arg a;
	const char *st = NULL;
	enum tk_err rc;

	if ((rc = staff_only(c)) != TK_OK)
		return rc;
	if (!json_is_object(in))
		return tk_fail_code(TK_ERR_INVALID, "invalid_body", "expected a JSON object");
	if ((rc = svc_json_str(in, "status", 1, 16, &st)) != TK_OK)
		return rc;
	if (!one_of(st, STATUSES))
		return tk_fail_code(TK_ERR_INVALID, "invalid_status", "status must be planned, held or cancelled");
	memset(&a, 0, sizeof(a));
	a.id = id;
	a.status = st;
	return answer(c, svc_in_tx(c, status_tx, &a), id, out);
}

static enum tk_err count_of(struct svc_ctx *c, const char *sql, int64_t id, int64_t *n)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	*n = 0;
	if ((rc = store_prepare(c->st, sql, &s)) == TK_OK && (rc = store_bind_i64(s, 1, id)) == TK_OK && (rc = store_step(s, &row)) == TK_OK && row)
		*n = store_col_i64(s, 0);
	store_finalize(s);
	return rc;
}

static enum tk_err participant_add_tx(struct svc_ctx *c, void *arg)
{
	struct tx_arg *a = arg;
	struct ev_row r;
	struct store_stmt *s = NULL;
	json_t *jsid = json_object_get(a->in, "subscriber_id");
	const char *name = NULL, *unit = NULL, *party = NULL;
	char *copy_name = NULL, *copy_unit = NULL;
	int64_t n = 0, sid = 0, uid = 0;
	int row = 0, has_uid = 0;
	enum tk_err rc;

	if ((rc = ev_for_change(c, a->id, 1, &r)) != TK_OK)
		return rc;
	if ((rc = count_of(c, "SELECT COUNT(*) FROM event_participants WHERE event_id = ?", a->id, &n)) != TK_OK)
		return rc;
	if (n >= EVENT_MAX_PARTICIPANTS)
		return tk_fail_code(TK_ERR_LIMIT, "too_many_participants", "an event has at most %u participants", EVENT_MAX_PARTICIPANTS);
	if (jsid != NULL && !json_is_null(jsid)) {
		/* From the register: names are shown to the ministry's admins only (auditors see pseudonyms), so only they pick. */
		if (!(c->actor.kind == ACTOR_OPERATOR || strcmp(c->actor.role, "admin") == 0))
			return tk_fail_code(TK_ERR_DENIED, "register_admins_only",
			    "participants from the subscriber register are added by the ministry's admins; add others as free text");
		if (!json_is_integer(jsid) || json_integer_value(jsid) <= 0)
			return tk_fail_code(TK_ERR_INVALID, "invalid_field", "subscriber_id must be a positive number");
		sid = json_integer_value(jsid);
		if ((rc = store_prepare(c->st, "SELECT full_name, unit, status, user_id FROM subscribers WHERE id = ?", &s)) != TK_OK ||
		    (rc = store_bind_i64(s, 1, sid)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
			goto out;
		if (!row || strcmp(store_col_text(s, 2), "active") != 0) {
			rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_subscriber", "no active subscriber %lld in the register", (long long)sid);
			goto out;
		}
		if ((copy_name = strdup(store_col_text(s, 0))) == NULL || (copy_unit = strdup(store_col_text(s, 1))) == NULL) {
			rc = nomem();
			goto out;
		}
		has_uid = !store_col_null(s, 3);
		uid = store_col_i64(s, 3);
		store_finalize(s);
		s = NULL;
		if ((rc = store_prepare(c->st, "SELECT COUNT(*) FROM event_participants WHERE event_id = ? AND subscriber_id = ?", &s)) != TK_OK ||
		    (rc = store_bind_i64(s, 1, a->id)) != TK_OK || (rc = store_bind_i64(s, 2, sid)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
			goto out;
		if (row && store_col_i64(s, 0) > 0) {
			rc = tk_fail_code(TK_ERR_EXISTS, "already_participant", "subscriber %lld is already a participant", (long long)sid);
			goto out;
		}
		store_finalize(s);
		s = NULL;
		name = copy_name;
		unit = copy_unit;
		party = "first";
	} else {
		if ((rc = svc_json_str(a->in, "name", 1, EVENT_MAX_TITLE, &name)) != TK_OK ||
		    (rc = svc_json_str(a->in, "unit", 0, EVENT_MAX_TITLE, &unit)) != TK_OK || (rc = svc_json_str(a->in, "party", 1, 16, &party)) != TK_OK)
			goto out;
		if (strcmp(party, "first") != 0 && strcmp(party, "second") != 0 && strcmp(party, "public") != 0) {
			rc = tk_fail_code(TK_ERR_INVALID, "invalid_party", "party must be first (ministry), second (issuer) or public");
			goto out;
		}
	}
	if ((rc = store_prepare(c->st, "INSERT INTO event_participants (event_id, subscriber_id, user_id, name, unit, party, added_by, added_at)"
				       " VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, a->id)) != TK_OK || (rc = sid ? store_bind_i64(s, 2, sid) : store_bind_null(s, 2)) != TK_OK ||
	    (rc = has_uid ? store_bind_i64(s, 3, uid) : store_bind_null(s, 3)) != TK_OK || (rc = store_bind_text(s, 4, name)) != TK_OK ||
	    (rc = store_bind_text(s, 5, unit ? unit : "")) != TK_OK || (rc = store_bind_text(s, 6, party)) != TK_OK ||
	    (rc = store_bind_text(s, 7, c->actor.user)) != TK_OK || (rc = store_bind_i64(s, 8, tk_now())) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail(TK_ERR_STORE, "events: insert returned no id");
		goto out;
	}
	a->pid = store_col_i64(s, 0);
	/* The audit names the participant by row and source, not by name (names are personal data; the record keeps them). */
	rc = audit_event(c, "event.participant.add", a->id,
	    json_pack("{s:I, s:s, s:o}", "participant", (json_int_t)a->pid, "party", party, "subscriber_id", sid ? json_integer(sid) : json_null()));
out:
	store_finalize(s);
	free(copy_name);
	free(copy_unit);
	return rc;
}

enum tk_err event_participant_add(struct svc_ctx *c, int64_t id, json_t *in, char **out)
{
	return change_by_json(c, id, in, participant_add_tx, out);
}

static enum tk_err participant_remove_tx(struct svc_ctx *c, void *arg)
{
	struct tx_arg *a = arg;
	struct ev_row r;
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	if ((rc = ev_for_change(c, a->id, 1, &r)) != TK_OK)
		return rc;
	if ((rc = store_prepare(c->st, "DELETE FROM event_participants WHERE id = ? AND event_id = ?", &s)) == TK_OK &&
	    (rc = store_bind_i64(s, 1, a->pid)) == TK_OK && (rc = store_bind_i64(s, 2, a->id)) == TK_OK && (rc = store_step(s, &row)) == TK_OK &&
	    store_changes(s) == 0)
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_participant", "event %lld has no participant %lld", (long long)a->id, (long long)a->pid);
	store_finalize(s);
	if (rc == TK_OK)
		rc = audit_event(c, "event.participant.remove", a->id, json_pack("{s:I}", "participant", (json_int_t)a->pid));
	return rc;
}

enum tk_err event_participant_remove(struct svc_ctx *c, int64_t id, int64_t pid, char **out)
{
	struct tx_arg a;
	enum tk_err rc;

	if ((rc = staff_only(c)) != TK_OK)
		return rc;
	memset(&a, 0, sizeof(a));
	a.id = id;
	a.pid = pid;
	return answer(c, svc_in_tx(c, participant_remove_tx, &a), id, out);
}

static enum tk_err attendance_tx(struct svc_ctx *c, void *arg)
{
	struct tx_arg *a = arg;
	struct ev_row r;
	json_t *list = json_object_get(a->in, "participants"), *p, *present = NULL, *absent = NULL;
	size_t i;
	enum tk_err rc;

	if ((rc = ev_for_change(c, a->id, 1, &r)) != TK_OK || (rc = started(&r, "mark attendance")) != TK_OK)
		return rc;
	if (!json_is_array(list) || json_array_size(list) == 0 || json_array_size(list) > EVENT_MAX_PARTICIPANTS)
		return tk_fail_code(TK_ERR_INVALID, "invalid_attendance", "participants must be a list of 1..%u {id, attended}", EVENT_MAX_PARTICIPANTS);
	if ((present = json_array()) == NULL || (absent = json_array()) == NULL) {
		rc = nomem();
		goto out;
	}
	json_array_foreach (list, i, p) {
		json_t *jid = json_object_get(p, "id"), *jat = json_object_get(p, "attended");
		struct store_stmt *s = NULL;
		int row = 0;
		if (!json_is_integer(jid) || json_integer_value(jid) <= 0 || !json_is_boolean(jat)) {
			rc = tk_fail_code(TK_ERR_INVALID, "invalid_attendance", "entry %zu must be {id: number, attended: true|false}", i + 1);
			goto out;
		}
		if ((rc = store_prepare(c->st, "UPDATE event_participants SET attended = ? WHERE id = ? AND event_id = ?", &s)) == TK_OK &&
		    (rc = store_bind_i64(s, 1, json_is_true(jat))) == TK_OK && (rc = store_bind_i64(s, 2, json_integer_value(jid))) == TK_OK &&
		    (rc = store_bind_i64(s, 3, a->id)) == TK_OK && (rc = store_step(s, &row)) == TK_OK && store_changes(s) == 0)
			rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_participant", "event %lld has no participant %lld", (long long)a->id,
			    (long long)json_integer_value(jid));
		store_finalize(s);
		if (rc != TK_OK)
			goto out;
		if (json_array_append_new(json_is_true(jat) ? present : absent, json_integer(json_integer_value(jid))) != 0) {
			rc = nomem();
			goto out;
		}
	}
	rc = audit_event(c, "event.attendance", a->id, json_pack("{s:O, s:O}", "attended", present, "absent", absent));
out:
	json_decref(present);
	json_decref(absent);
	return rc;
}

enum tk_err event_attendance(struct svc_ctx *c, int64_t id, json_t *in, char **out)
{
	return change_by_json(c, id, in, attendance_tx, out);
}

static enum tk_err material_tx(struct svc_ctx *c, void *arg)
{
	struct tx_arg *a = arg;
	struct ev_row r;
	int64_t n = 0, fid = 0;
	enum tk_err rc;

	if ((rc = ev_for_change(c, a->id, 1, &r)) != TK_OK || (rc = files_count(c, OWNER, a->id, &n)) != TK_OK)
		return rc;
	if (n >= EVENT_MAX_MATERIALS)
		return tk_fail_code(TK_ERR_LIMIT, "too_many_materials", "an event has at most %u materials", EVENT_MAX_MATERIALS);
	/* Materials are meant to be handed out (public events publish them): not sealed. */
	if ((rc = files_add(c, OWNER, a->id, a->file, a->ck, 0, &fid)) != TK_OK)
		return rc;
	return audit_event(c, "event.material.add", a->id,
	    json_pack("{s:I, s:s, s:s, s:I, s:s}", "file", (json_int_t)fid, "filename", a->file->filename, "mime", a->ck->mime, "size",
		(json_int_t)a->file->len, "sha256", a->ck->sha256));
}

enum tk_err event_material_add(struct svc_ctx *c, int64_t id, const char *filename, const char *mime, const uint8_t *p, size_t len, char **out)
{
	struct files_in f = { filename, mime, p, len };
	struct files_checked ck;
	struct tx_arg a;
	enum tk_err rc;

	if ((rc = staff_only(c)) != TK_OK || (rc = files_check(&f, EVENT_MAX_FILE, "the material", &ck)) != TK_OK)
		return rc;
	memset(&a, 0, sizeof(a));
	a.id = id;
	a.file = &f;
	a.ck = &ck;
	return answer(c, svc_in_tx(c, material_tx, &a), id, out);
}

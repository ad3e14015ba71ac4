/*
 * Change notices (R13; docs/notices.md): drafting, publishing, withdrawing
 * and acknowledging, the review's indicator and the dashboard's open items.
 * The public feeds are in notice_feed.c, webhooks in webhook.c.
 */
#include "svc/notice/notice_int.h"

#include "config/config.h"
#include "svc/agreement/agreement.h"
#include "svc/audit/audit.h"
#include "svc/calendar/calendar.h"
#include "svc/notify/notify.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

static enum tk_err nomem(void)
{
	return tk_fail(TK_ERR_NOMEM, "out of memory");
}

/* ------------------------------------------------------------ helpers */

static int is_role(const struct svc_ctx *c, const char *role)
{
	return c->actor.kind == ACTOR_PERSON && strcmp(c->actor.role, role) == 0;
}

int notice_is_issuer(const struct svc_ctx *c)
{
	return is_role(c, "auditor");
}

int notice_is_ministry(const struct svc_ctx *c)
{
	return c->actor.kind == ACTOR_OPERATOR || is_role(c, "admin");
}

enum tk_err notice_audit(struct svc_ctx *c, const char *action, const char *kind, int64_t id, json_t *details)
{
	char obj[48], *d = NULL;
	enum tk_err rc;

	if ((rc = str_fmt(obj, sizeof(obj), "%s:%lld", kind, (long long)id)) != TK_OK) {
		json_decref(details);
		return rc;
	}
	if (details != NULL && (rc = svc_json_dump(details, &d)) != TK_OK)
		return rc;
	rc = audit_append(c, action, obj, d);
	free(d);
	return rc;
}

json_t *notice_time_json(int64_t t)
{
	char s[32];

	if (t == 0)
		return json_null();
	time_iso_utc(t, s);
	return json_string(s);
}

static json_t *col_time(struct store_stmt *s, int col)
{
	return store_col_null(s, col) ? json_null() : notice_time_json(store_col_i64(s, col));
}

static json_t *col_text(struct store_stmt *s, int col)
{
	return store_col_null(s, col) ? json_null() : json_string(store_col_text(s, col));
}

enum tk_err notice_url(struct svc_ctx *c, int64_t id, char *out, size_t outsz)
{
	return str_fmt(out, outsz, "%s/notices#n%lld", instance_base_url(c->inst), (long long)id);
}

json_t *notice_row_json(struct svc_ctx *c, struct store_stmt *s, enum notice_view v)
{
	char url[512];
	int64_t id = store_col_i64(s, 0);
	json_t *o;

	if (notice_url(c, id, url, sizeof(url)) != TK_OK)
		return NULL;
	o = json_pack("{s:I, s:{s:s, s:s}, s:{s:s, s:s}, s:s, s:s, s:s, s:o, s:o, s:s, s:s}", "id", (json_int_t)id, "title", "id",
	    store_col_text(s, 3), "en", store_col_text(s, 4), "body", "id", store_col_text(s, 5), "en", store_col_text(s, 6), "category",
	    store_col_text(s, 1), "severity", store_col_text(s, 2), "effective_on", store_col_text(s, 7), "published_at", col_time(s, 12),
	    "updated_at", notice_time_json(store_col_i64(s, 13)), "status", store_col_text(s, 8), "url", url);
	if (o == NULL)
		return NULL;
	if (v == NOTICE_VIEW_PUBLIC) {
		if (!store_col_null(s, 17) && json_object_set_new(o, "withdrawn_at", col_time(s, 17)) != 0) {
			json_decref(o);
			return NULL;
		}
		return o;
	}
	if (json_object_set_new(o, "created_by", json_string(store_col_text(s, 9))) != 0 ||
	    json_object_set_new(o, "created_at", notice_time_json(store_col_i64(s, 10))) != 0 ||
	    json_object_set_new(o, "published_by", col_text(s, 11)) != 0 || json_object_set_new(o, "acknowledged", json_boolean(!store_col_null(s, 15))) != 0 ||
	    json_object_set_new(o, "acked_by", col_text(s, 14)) != 0 || json_object_set_new(o, "acked_at", col_time(s, 15)) != 0 ||
	    json_object_set_new(o, "ack_note", col_text(s, 16)) != 0 || json_object_set_new(o, "withdrawn_at", col_time(s, 17)) != 0 ||
	    json_object_set_new(o, "withdrawn_by", col_text(s, 18)) != 0 || json_object_set_new(o, "withdraw_reason", col_text(s, 19)) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int64_t notice_ack_days(struct svc_ctx *c)
{
	uint64_t v = NOTICE_ACK_DAYS;

	if (config_get_u64(c->inst->cfg, "notice", "ack_days", NOTICE_ACK_DAYS, 3650, &v) != TK_OK || v == 0)
		v = NOTICE_ACK_DAYS;
	return (int64_t)v;
}

static int one_of(const char *v, const char *const *set)
{
	for (; *set != NULL; set++)
		if (strcmp(v, *set) == 0)
			return 1;
	return 0;
}

static const char *const CATEGORIES[] = { "change", "addition", "development", "maintenance", "security", NULL };
static const char *const SEVERITIES[] = { "info", "important", "critical", NULL };

/* Checks the fields given (all of them when required). */
static enum tk_err check_in(const struct notice_in *in, int required)
{
	int64_t day;
	enum tk_err rc;

	if ((rc = svc_check_text(in->category, "category", required, 32, 0)) != TK_OK ||
	    (rc = svc_check_text(in->severity, "severity", required, 32, 0)) != TK_OK ||
	    (rc = svc_check_text(in->title_id, "title_id", required, NOTICE_MAX_TITLE, 0)) != TK_OK ||
	    (rc = svc_check_text(in->title_en, "title_en", required, NOTICE_MAX_TITLE, 0)) != TK_OK ||
	    (rc = svc_check_text(in->body_id, "body_id", required, NOTICE_MAX_BODY, 1)) != TK_OK ||
	    (rc = svc_check_text(in->body_en, "body_en", required, NOTICE_MAX_BODY, 1)) != TK_OK ||
	    (rc = svc_check_text(in->effective_on, "effective_on", required, 10, 0)) != TK_OK)
		return rc;
	if (in->category != NULL && in->category[0] && !one_of(in->category, CATEGORIES))
		return tk_fail_code(TK_ERR_INVALID, "invalid_category", "category must be change, addition, development, maintenance or security");
	if (in->severity != NULL && in->severity[0] && !one_of(in->severity, SEVERITIES))
		return tk_fail_code(TK_ERR_INVALID, "invalid_severity", "severity must be info, important or critical");
	if (in->effective_on != NULL && in->effective_on[0] && (rc = cal_day_parse(in->effective_on, "effective_on", &day)) != TK_OK)
		return rc;
	return TK_OK;
}

/* May the caller see a notice of this status? Auditors every one; the ministry all but drafts. */
static int may_see(const struct svc_ctx *c, const char *status)
{
	if (notice_is_issuer(c))
		return 1;
	return notice_is_ministry(c) && strcmp(status, "draft") != 0;
}

static enum tk_err may_read(const struct svc_ctx *c)
{
	if (notice_is_issuer(c) || notice_is_ministry(c))
		return TK_OK;
	return tk_fail_code(TK_ERR_DENIED, "forbidden", "notices are managed by the issuer's and the ministry's admins; the public feed is at /notices");
}

/* The notice as the caller may see it (*o, caller decrefs) and its status. */
static enum tk_err load(struct svc_ctx *c, int64_t id, enum notice_view v, json_t **o, char status[16])
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	*o = NULL;
	if ((rc = store_prepare(c->st, "SELECT " NOTICE_COLS " FROM notices WHERE id = ?", &s)) != TK_OK || (rc = store_bind_i64(s, 1, id)) != TK_OK ||
	    (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row || !may_see(c, store_col_text(s, 8))) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "not_found", "no notice %lld", (long long)id);
		goto out;
	}
	if (status != NULL && (rc = str_copy(status, 16, store_col_text(s, 8))) != TK_OK)
		goto out;
	if ((*o = notice_row_json(c, s, v)) == NULL)
		rc = nomem();
out:
	store_finalize(s);
	return rc;
}

static enum tk_err dump_staff(struct svc_ctx *c, int64_t id, char **out)
{
	json_t *o = NULL;
	enum tk_err rc;

	if ((rc = load(c, id, NOTICE_VIEW_STAFF, &o, NULL)) != TK_OK)
		return rc;
	return svc_json_dump(o, out);
}

/* ------------------------------------------------------------ reading */

enum tk_err notice_list(struct svc_ctx *c, const char *status, char **out)
{
	struct store_stmt *s = NULL;
	json_t *arr = NULL;
	char sql[512];
	int row = 0;
	enum tk_err rc;

	if ((rc = may_read(c)) != TK_OK)
		return rc;
	if (status != NULL && strcmp(status, "draft") != 0 && strcmp(status, "published") != 0 && strcmp(status, "withdrawn") != 0 &&
	    strcmp(status, "unacknowledged") != 0)
		return tk_fail_code(TK_ERR_INVALID, "invalid_status", "status must be draft, published, withdrawn or unacknowledged");
	if ((rc = str_fmt(sql, sizeof(sql), "SELECT " NOTICE_COLS " FROM notices WHERE %s%s ORDER BY COALESCE(published_at, created_at) DESC, id DESC LIMIT %u",
		 notice_is_issuer(c) ? "1 = 1" : "status <> 'draft'",
		 status == NULL                          ? ""
		 : strcmp(status, "unacknowledged") == 0 ? " AND status = 'published' AND acked_at IS NULL"
							 : " AND status = ?",
		 NOTICE_MAX_LIST)) != TK_OK)
		return rc;
	if ((arr = json_array()) == NULL)
		return nomem();
	if ((rc = store_prepare(c->st, sql, &s)) != TK_OK)
		goto out;
	if (status != NULL && strcmp(status, "unacknowledged") != 0 && (rc = store_bind_text(s, 1, status)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		json_t *o = notice_row_json(c, s, NOTICE_VIEW_STAFF);
		if (o == NULL || json_array_append_new(arr, o) != 0) {
			rc = nomem();
			goto out;
		}
	}
	if (rc != TK_OK)
		goto out;
	rc = svc_json_dump(arr, out);
	arr = NULL;
out:
	store_finalize(s);
	json_decref(arr);
	return rc;
}

enum tk_err notice_get(struct svc_ctx *c, int64_t id, char **out)
{
	enum tk_err rc;

	if ((rc = may_read(c)) != TK_OK)
		return rc;
	return dump_staff(c, id, out);
}

/* ------------------------------------------------------------ drafting */

static enum tk_err issuer_only(const struct svc_ctx *c, const char *what)
{
	if (notice_is_issuer(c))
		return TK_OK;
	return tk_fail_code(TK_ERR_DENIED, "forbidden", "only the issuer's admins (role auditor) %s notices", what);
}

struct create_arg {
	const struct notice_in *in;
	int64_t id;
};

static enum tk_err create_tx(struct svc_ctx *c, void *arg)
{
	struct create_arg *a = arg;
	const struct notice_in *in = a->in;
	struct store_stmt *s = NULL;
	int64_t now = tk_now();
	int row = 0;
	enum tk_err rc;

	if ((rc = store_prepare(c->st,
		 "INSERT INTO notices (category, severity, title_id, title_en, body_id, body_en, effective_on, status, created_by, created_at,"
		 " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'draft', ?, ?, ?) RETURNING id",
		 &s)) != TK_OK ||
	    (rc = store_bind_text(s, 1, in->category)) != TK_OK || (rc = store_bind_text(s, 2, in->severity)) != TK_OK ||
	    (rc = store_bind_text(s, 3, in->title_id)) != TK_OK || (rc = store_bind_text(s, 4, in->title_en)) != TK_OK ||
	    (rc = store_bind_text(s, 5, in->body_id)) != TK_OK || (rc = store_bind_text(s, 6, in->body_en)) != TK_OK ||
	    (rc = store_bind_text(s, 7, in->effective_on)) != TK_OK || (rc = store_bind_text(s, 8, c->actor.user)) != TK_OK ||
	    (rc = store_bind_i64(s, 9, now)) != TK_OK || (rc = store_bind_i64(s, 10, now)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail(TK_ERR_STORE, "notice: insert returned no id");
		goto out;
	}
	a->id = store_col_i64(s, 0);
	store_finalize(s);
	s = NULL;
	rc = notice_audit(c, "notice.create", "notice", a->id,
	    json_pack("{s:s, s:s, s:s, s:s}", "category", in->category, "severity", in->severity, "effective_on", in->effective_on, "title_id",
		in->title_id));
out:
	store_finalize(s);
	return rc;
}

enum tk_err notice_create(struct svc_ctx *c, const struct notice_in *in, char **out)
{
	struct create_arg a = { in, 0 };
	enum tk_err rc;

	if ((rc = issuer_only(c, "draft")) != TK_OK || (rc = check_in(in, 1)) != TK_OK || (rc = svc_in_tx(c, create_tx, &a)) != TK_OK)
		return rc;
	return dump_staff(c, a.id, out);
}

/* The status of a notice inside a transaction (TK_ERR_NOT_FOUND when none). */
static enum tk_err status_of(struct svc_ctx *c, int64_t id, char status[16], int *acked)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "SELECT status, acked_at FROM notices WHERE id = ?", &s)) == TK_OK && (rc = store_bind_i64(s, 1, id)) == TK_OK &&
	    (rc = store_step(s, &row)) == TK_OK) {
		if (!row)
			rc = tk_fail_code(TK_ERR_NOT_FOUND, "not_found", "no notice %lld", (long long)id);
		else if ((rc = str_copy(status, 16, store_col_text(s, 0))) == TK_OK && acked != NULL)
			*acked = !store_col_null(s, 1);
	}
	store_finalize(s);
	return rc;
}

struct update_arg {
	int64_t id;
	const struct notice_in *in;
};

static enum tk_err bind_opt(struct store_stmt *s, int idx, const char *v)
{
	return v != NULL && v[0] != '\0' ? store_bind_text(s, idx, v) : store_bind_null(s, idx);
}

static enum tk_err update_tx(struct svc_ctx *c, void *arg)
{
	struct update_arg *a = arg;
	const struct notice_in *in = a->in;
	struct store_stmt *s = NULL;
	char status[16];
	json_t *fields = NULL;
	int row = 0;
	enum tk_err rc;

	if ((rc = status_of(c, a->id, status, NULL)) != TK_OK)
		return rc;
	if (strcmp(status, "draft") != 0)
		return tk_fail_code(TK_ERR_CONFLICT, "not_draft", "notice %lld is %s; only drafts are edited (withdraw it and publish a new one)",
		    (long long)a->id, status);
	if ((rc = store_prepare(c->st,
		 "UPDATE notices SET category = COALESCE(?, category), severity = COALESCE(?, severity), title_id = COALESCE(?, title_id),"
		 " title_en = COALESCE(?, title_en), body_id = COALESCE(?, body_id), body_en = COALESCE(?, body_en),"
		 " effective_on = COALESCE(?, effective_on), updated_at = ? WHERE id = ? AND status = 'draft'",
		 &s)) != TK_OK)
		return rc;
	if ((rc = bind_opt(s, 1, in->category)) == TK_OK && (rc = bind_opt(s, 2, in->severity)) == TK_OK && (rc = bind_opt(s, 3, in->title_id)) == TK_OK &&
	    (rc = bind_opt(s, 4, in->title_en)) == TK_OK && (rc = bind_opt(s, 5, in->body_id)) == TK_OK && (rc = bind_opt(s, 6, in->body_en)) == TK_OK &&
	    (rc = bind_opt(s, 7, in->effective_on)) == TK_OK && (rc = store_bind_i64(s, 8, tk_now())) == TK_OK && (rc = store_bind_i64(s, 9, a->id)) == TK_OK)
		rc = store_step(s, &row);
	store_finalize(s);
	if (rc != TK_OK)
		return rc;
	if ((fields = json_array()) == NULL)
		return nomem();
	{
		static const char *const names[] = { "category", "severity", "title_id", "title_en", "body_id", "body_en", "effective_on" };
		const char *vals[] = { in->category, in->severity, in->title_id, in->title_en, in->body_id, in->body_en, in->effective_on };
		size_t i;
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (vals[i] != NULL && vals[i][0] != '\0' && json_array_append_new(fields, json_string(names[i])) != 0) {
				json_decref(fields);
				return nomem();
			}
	}
	return notice_audit(c, "notice.update", "notice", a->id, json_pack("{s:o}", "fields", fields));
}

enum tk_err notice_update(struct svc_ctx *c, int64_t id, const struct notice_in *in, char **out)
{
	struct update_arg a = { id, in };
	enum tk_err rc;

	if ((rc = issuer_only(c, "edit")) != TK_OK || (rc = check_in(in, 0)) != TK_OK || (rc = svc_in_tx(c, update_tx, &a)) != TK_OK)
		return rc;
	return dump_staff(c, id, out);
}

/* ------------------------------------------------------------ publishing */

/*
 * The one place the ministry's e-mail recipients of a notice are chosen:
 * for now the [monev] contacts (notify_contacts_queue). When the agreement
 * register (svc/agreement) names the ministry's contact
 * (agreement_current()), switch this function to that address.
 */
static enum tk_err mail_ministry(struct svc_ctx *c, const char *subject, const char *body, size_t *n)
{
	struct notify_contacts ct;
	enum tk_err rc;

	*n = 0;
	if ((rc = agreement_ministry_contacts(c, 0, &ct)) != TK_OK)
		return rc;
	*n = ct.n;
	return notify_contacts_send(c, &ct, subject, body);
}

/* The e-mail of a published or withdrawn notice (Indonesian first, English). */
static enum tk_err mail_notice(struct svc_ctx *c, json_t *pub, int withdrawn, size_t *n)
{
	const char *tid = json_string_value(json_object_get(json_object_get(pub, "title"), "id"));
	const char *ten = json_string_value(json_object_get(json_object_get(pub, "title"), "en"));
	const char *bid = json_string_value(json_object_get(json_object_get(pub, "body"), "id"));
	const char *ben = json_string_value(json_object_get(json_object_get(pub, "body"), "en"));
	const char *url = json_string_value(json_object_get(pub, "url"));
	const char *cat = json_string_value(json_object_get(pub, "category"));
	const char *sev = json_string_value(json_object_get(pub, "severity"));
	const char *eff = json_string_value(json_object_get(pub, "effective_on"));
	struct buf subj, body;
	const char *ss = NULL, *bs = NULL;
	enum tk_err rc;

	buf_init(&subj, 1024);
	buf_init(&body, 4 * NOTICE_MAX_BODY);
	/* svc/notify encodes a non-ASCII subject (RFC 2047) and cuts a long one. */
	rc = buf_printf(&subj, "[teken] %s: %s", withdrawn ? "Pemberitahuan ditarik / Notice withdrawn" : "Pemberitahuan layanan sertifikat / Certificate service notice",
	    tid);
	if (rc == TK_OK)
		rc = buf_printf(&body,
		    "%s"
		    "%s\n\nKategori: %s; tingkat: %s; berlaku mulai: %s\n\n%s\n\n"
		    "Mohon konfirmasi penerimaan pemberitahuan ini di aplikasi teken.\n"
		    "Pemberitahuan: %s\n\n-- English --\n\n%s"
		    "%s\n\nCategory: %s; severity: %s; effective: %s\n\n%s\n\n"
		    "Please acknowledge this notice in the teken application.\nNotice: %s\n",
		    withdrawn ? "PEMBERITAHUAN INI DITARIK.\n\n" : "", tid, cat, sev, eff, bid, url, withdrawn ? "THIS NOTICE HAS BEEN WITHDRAWN.\n\n" : "",
		    ten, cat, sev, eff, ben, url);
	if (rc == TK_OK && (rc = buf_cstr(&subj, &ss)) == TK_OK && (rc = buf_cstr(&body, &bs)) == TK_OK)
		rc = mail_ministry(c, ss, bs, n);
	buf_free(&subj);
	buf_free(&body);
	return rc;
}

struct state_arg {
	int64_t id;
	const char *text; /* withdraw: reason; ack: note */
	int withdraw;
};

static enum tk_err public_json(struct svc_ctx *c, int64_t id, json_t **o)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	*o = NULL;
	if ((rc = store_prepare(c->st, "SELECT " NOTICE_COLS " FROM notices WHERE id = ?", &s)) == TK_OK && (rc = store_bind_i64(s, 1, id)) == TK_OK &&
	    (rc = store_step(s, &row)) == TK_OK) {
		if (!row)
			rc = tk_fail_code(TK_ERR_NOT_FOUND, "not_found", "no notice %lld", (long long)id);
		else if ((*o = notice_row_json(c, s, NOTICE_VIEW_PUBLIC)) == NULL)
			rc = nomem();
	}
	store_finalize(s);
	return rc;
}

static enum tk_err publish_tx(struct svc_ctx *c, void *arg)
{
	struct state_arg *a = arg;
	struct store_stmt *s = NULL;
	json_t *pub = NULL;
	char status[16];
	int64_t now = tk_now();
	size_t hooks = 0, mails = 0;
	int row = 0;
	enum tk_err rc;

	if ((rc = status_of(c, a->id, status, NULL)) != TK_OK)
		return rc;
	if (a->withdraw && strcmp(status, "published") != 0)
		return tk_fail_code(TK_ERR_CONFLICT, "not_published", "notice %lld is %s; only a published notice is withdrawn", (long long)a->id, status);
	if (!a->withdraw && strcmp(status, "draft") != 0)
		return tk_fail_code(TK_ERR_CONFLICT, "not_draft", "notice %lld is %s; only a draft is published", (long long)a->id, status);
	if ((rc = store_prepare(c->st, a->withdraw ? "UPDATE notices SET status = 'withdrawn', withdrawn_by = ?, withdrawn_at = ?, updated_at = ?,"
						     " withdraw_reason = ? WHERE id = ? AND status = 'published'"
						   : "UPDATE notices SET status = 'published', published_by = ?, published_at = ?, updated_at = ?"
						     " WHERE id = ? AND status = 'draft'",
		 &s)) != TK_OK)
		return rc;
	if ((rc = store_bind_text(s, 1, c->actor.user)) == TK_OK && (rc = store_bind_i64(s, 2, now)) == TK_OK && (rc = store_bind_i64(s, 3, now)) == TK_OK) {
		if (a->withdraw)
			rc = a->text != NULL && a->text[0] ? store_bind_text(s, 4, a->text) : store_bind_null(s, 4);
		if (rc == TK_OK && (rc = store_bind_i64(s, a->withdraw ? 5 : 4, a->id)) == TK_OK)
			rc = store_step(s, &row);
	}
	store_finalize(s);
	if (rc != TK_OK)
		return rc;
	if ((rc = public_json(c, a->id, &pub)) != TK_OK)
		return rc;
	if ((rc = webhook_queue(c, a->id, a->withdraw ? "notice.withdrawn" : "notice.published", pub, &hooks)) == TK_OK &&
	    (rc = mail_notice(c, pub, a->withdraw, &mails)) == TK_OK)
		rc = notice_audit(c, a->withdraw ? "notice.withdraw" : "notice.publish", "notice", a->id,
		    a->withdraw ? json_pack("{s:I, s:I, s:s?}", "webhook_deliveries", (json_int_t)hooks, "emails", (json_int_t)mails, "reason",
				      a->text != NULL && a->text[0] ? a->text : NULL)
				: json_pack("{s:I, s:I}", "webhook_deliveries", (json_int_t)hooks, "emails", (json_int_t)mails));
	json_decref(pub);
	return rc;
}

enum tk_err notice_publish(struct svc_ctx *c, int64_t id, char **out)
{
	struct state_arg a = { id, NULL, 0 };
	enum tk_err rc;

	if ((rc = issuer_only(c, "publish")) != TK_OK || (rc = svc_in_tx(c, publish_tx, &a)) != TK_OK)
		return rc;
	return dump_staff(c, id, out);
}

enum tk_err notice_withdraw(struct svc_ctx *c, int64_t id, const char *reason, char **out)
{
	struct state_arg a = { id, reason, 1 };
	enum tk_err rc;

	if ((rc = issuer_only(c, "withdraw")) != TK_OK || (rc = svc_check_text(reason, "reason", 0, NOTICE_MAX_NOTE, 1)) != TK_OK ||
	    (rc = svc_in_tx(c, publish_tx, &a)) != TK_OK)
		return rc;
	return dump_staff(c, id, out);
}

/* ------------------------------------------------------------ acknowledgement */

static enum tk_err ack_tx(struct svc_ctx *c, void *arg)
{
	struct state_arg *a = arg;
	struct store_stmt *s = NULL;
	char status[16];
	int acked = 0, row = 0;
	enum tk_err rc;

	if ((rc = status_of(c, a->id, status, &acked)) != TK_OK)
		return rc;
	if (strcmp(status, "draft") == 0)
		return tk_fail_code(TK_ERR_NOT_FOUND, "not_found", "no notice %lld", (long long)a->id);
	if (acked)
		return tk_fail_code(TK_ERR_CONFLICT, "already_acknowledged", "notice %lld was acknowledged before", (long long)a->id);
	if ((rc = store_prepare(c->st, "UPDATE notices SET acked_by = ?, acked_at = ?, ack_note = ? WHERE id = ? AND acked_at IS NULL", &s)) != TK_OK)
		return rc;
	if ((rc = store_bind_text(s, 1, c->actor.user)) == TK_OK && (rc = store_bind_i64(s, 2, tk_now())) == TK_OK &&
	    (rc = a->text != NULL && a->text[0] ? store_bind_text(s, 3, a->text) : store_bind_null(s, 3)) == TK_OK &&
	    (rc = store_bind_i64(s, 4, a->id)) == TK_OK && (rc = store_step(s, &row)) == TK_OK && store_changes(s) != 1)
		rc = tk_fail_code(TK_ERR_CONFLICT, "already_acknowledged", "notice %lld was acknowledged before", (long long)a->id);
	store_finalize(s);
	if (rc != TK_OK)
		return rc;
	return notice_audit(c, "notice.acknowledge", "notice", a->id, json_pack("{s:s, s:s?}", "status", status, "note", a->text != NULL && a->text[0] ? a->text : NULL));
}

enum tk_err notice_ack(struct svc_ctx *c, int64_t id, const char *note, char **out)
{
	struct state_arg a = { id, note, 0 };
	enum tk_err rc;

	if (!notice_is_ministry(c))
		return tk_fail_code(TK_ERR_DENIED, "forbidden", "only the ministry's admins acknowledge notices");
	if ((rc = svc_check_text(note, "note", 0, NOTICE_MAX_NOTE, 1)) != TK_OK || (rc = svc_in_tx(c, ack_tx, &a)) != TK_OK)
		return rc;
	return dump_staff(c, id, out);
}

/* ------------------------------------------------------------ review and dashboard */

#define EVIDENCE_ROWS 20

enum tk_err notice_ack_indicator(struct svc_ctx *c, int64_t now, int *pass, json_t **ev)
{
	struct store_stmt *s = NULL;
	int64_t days = notice_ack_days(c), published = 0, unacked = 0, nover = 0;
	json_t *overdue = json_array();
	int row = 0;
	enum tk_err rc;

	*pass = 0;
	*ev = NULL;
	if (overdue == NULL)
		return nomem();
	if ((rc = store_query_i64(c->st, "SELECT COUNT(*) FROM notices WHERE status = 'published'", NULL, &published)) != TK_OK ||
	    (rc = store_query_i64(c->st, "SELECT COUNT(*) FROM notices WHERE status = 'published' AND acked_at IS NULL", NULL, &unacked)) != TK_OK)
		goto out;
	if ((rc = store_prepare(c->st, "SELECT id, title_id, severity, published_at FROM notices WHERE status = 'published' AND acked_at IS NULL"
				       " AND published_at < ? ORDER BY published_at, id",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, now - days * 86400)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		nover++;
		if (nover <= EVIDENCE_ROWS &&
		    json_array_append_new(overdue, json_pack("{s:I, s:s, s:s, s:o}", "id", (json_int_t)store_col_i64(s, 0), "title", store_col_text(s, 1),
						       "severity", store_col_text(s, 2), "published_at", notice_time_json(store_col_i64(s, 3)))) != 0) {
			rc = nomem();
			goto out;
		}
	}
	if (rc != TK_OK)
		goto out;
	*pass = nover == 0;
	*ev = json_pack("{s:I, s:I, s:I, s:I, s:O}", "ack_days", (json_int_t)days, "published", (json_int_t)published, "unacknowledged",
	    (json_int_t)unacked, "overdue_count", (json_int_t)nover, "overdue", overdue);
	rc = *ev == NULL ? nomem() : TK_OK;
out:
	store_finalize(s);
	json_decref(overdue);
	return rc;
}

enum tk_err notice_open_items(struct svc_ctx *c, int64_t now, json_t **out)
{
	struct store_stmt *s = NULL;
	int64_t days = notice_ack_days(c), unacked = 0, over = 0, oldest = 0;
	int row = 0;
	enum tk_err rc;

	*out = NULL;
	if ((rc = store_prepare(c->st, "SELECT COUNT(*), COALESCE(SUM(CASE WHEN published_at < ? THEN 1 ELSE 0 END), 0), MIN(published_at)"
				       " FROM notices WHERE status = 'published' AND acked_at IS NULL",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, now - days * 86400)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (row) {
		unacked = store_col_i64(s, 0);
		over = store_col_i64(s, 1);
		oldest = store_col_null(s, 2) ? 0 : store_col_i64(s, 2);
	}
	*out = json_pack("{s:b, s:I, s:I, s:I, s:o}", "available", 1, "unacknowledged", (json_int_t)unacked, "overdue", (json_int_t)over, "ack_days",
	    (json_int_t)days, "oldest_unacknowledged_at", notice_time_json(oldest));
	if (*out == NULL)
		rc = nomem();
out:
	store_finalize(s);
	return rc;
}

/*
 * Recommendations of the issuer (R5; PKS art. 4(1)d,f, 4(2)b): recorded by
 * auditors, followed up by the ministry's admins with evidence, reminded
 * through the outbox when overdue.
 *
 * Status rule (docs/policy.md "Recommendations"): admins move
 * open <-> in_progress -> done; done needs a closing note and at least one
 * evidence file. accepted_risk (the ministry does not follow the
 * recommendation and lives with the risk) is the issuer's decision: only
 * an auditor sets it, with a closing note. Both are final. The operator
 * (CLI) may do either.
 */
#include "svc/policy/policy_int.h"
#include "svc/calendar/calendar.h"

#include "svc/monev/monev.h" /* WIB calendar days */
#include "svc/base/base_int.h"
#include "svc/notify/notify.h"
#include "svc/pii/pii.h"
#include "crypto/crypto.h"
#include "log/log.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

#define RECO_PII_FIELD "reco_owner_email"

static const char *const sources[] = { "review", "assessment", "advice", "monev" };
static const char *const severities[] = { "low", "medium", "high", "critical" };

static int one_of(const char *s, const char *const *l, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(s, l[i]) == 0)
			return 1;
	return 0;
}

/* ------------------------------------------------------------ reading */

#define RECO_COLS "id, source, source_ref, title, body, severity, owner, owner_email, due_on, status, closing_note, created_by, created_at," \
		  " updated_at, closed_at"

/* One row as JSON; the owner's e-mail opened (staff of both parties see it). NULL with the error set. */
static json_t *reco_row(struct svc_ctx *c, struct store_stmt *s, int64_t today)
{
	struct buf email;
	size_t blen = 0;
	const uint8_t *b = store_col_blob(s, 7, &blen);
	const char *status = store_col_text(s, 9);
	int open = strcmp(status, "open") == 0 || strcmp(status, "in_progress") == 0;
	int64_t due = today;
	json_t *o = NULL;

	buf_init(&email, 1024);
	if (!store_col_null(s, 7) && (pii_open(c->inst, RECO_PII_FIELD, b, blen, &email) != TK_OK || buf_cstr(&email, &(const char *){ NULL }) != TK_OK))
		goto out;
	if (cal_day_parse(store_col_text(s, 8), "due_on", &due) != TK_OK)
		due = today; /* stored by us after the same check: never fail a read over it */
	tk_clear_error();
	o = json_pack("{s:I, s:s, s:s?, s:s, s:s, s:s, s:s, s:s?, s:s, s:s, s:s?, s:b, s:s, s:I, s:I, s:o}", "id", (json_int_t)store_col_i64(s, 0),
	    "source", store_col_text(s, 1), "source_ref", store_col_null(s, 2) ? NULL : store_col_text(s, 2), "title", store_col_text(s, 3), "body",
	    store_col_text(s, 4), "severity", store_col_text(s, 5), "owner", store_col_text(s, 6), "owner_email",
	    email.len > 0 ? (const char *)email.p : NULL, "due_on", store_col_text(s, 8), "status", status, "closing_note",
	    store_col_null(s, 10) ? NULL : store_col_text(s, 10), "overdue", open && due < today, "created_by", store_col_text(s, 11), "created_at",
	    (json_int_t)store_col_i64(s, 12), "updated_at", (json_int_t)store_col_i64(s, 13), "closed_at",
	    store_col_null(s, 14) ? json_null() : json_integer(store_col_i64(s, 14)));
	if (o == NULL)
		tk_fail(TK_ERR_NOMEM, "out of memory");
out:
	buf_free(&email);
	return o;
}

enum tk_err reco_list(struct svc_ctx *c, const char *status, char **out)
{
	struct store_stmt *s = NULL;
	int64_t today = cal_wib_day(tk_now());
	char today_s[16];
	json_t *arr;
	int row = 0, overdue = 0;
	enum tk_err rc;

	if ((rc = pol_read_allowed(c, "recommendations")) != TK_OK)
		return rc;
	if (status != NULL && status[0] == '\0')
		status = NULL;
	if (status != NULL && strcmp(status, "overdue") == 0)
		overdue = 1;
	else if (status != NULL && !one_of(status, (const char *const[]){ "open", "in_progress", "done", "accepted_risk" }, 4))
		return tk_fail_code(TK_ERR_INVALID, "invalid_status", "status must be open, in_progress, done, accepted_risk or overdue");
	cal_day_str(today, today_s);
	if ((arr = json_array()) == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	if (overdue)
		rc = store_prepare(c->st, "SELECT " RECO_COLS " FROM recommendations WHERE status IN ('open','in_progress') AND due_on < ?"
					  " ORDER BY due_on, id LIMIT 500",
		    &s);
	else if (status != NULL)
		rc = store_prepare(c->st, "SELECT " RECO_COLS " FROM recommendations WHERE status = ? ORDER BY id DESC LIMIT 500", &s);
	else
		rc = store_prepare(c->st, "SELECT " RECO_COLS " FROM recommendations ORDER BY id DESC LIMIT 500", &s);
	if (rc != TK_OK || (status != NULL && (rc = store_bind_text(s, 1, overdue ? today_s : status)) != TK_OK))
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		json_t *o = reco_row(c, s, today);
		if (o == NULL) {
			rc = tk_last_error()->err != TK_OK ? tk_last_error()->err : TK_ERR_INTERNAL;
			break;
		}
		if (json_array_append_new(arr, o) != 0) {
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

static enum tk_err reco_json(struct svc_ctx *c, int64_t id, json_t **out)
{
	struct store_stmt *s = NULL;
	json_t *o = NULL, *files = NULL;
	int row = 0;
	enum tk_err rc;

	*out = NULL;
	if ((rc = store_prepare(c->st, "SELECT " RECO_COLS " FROM recommendations WHERE id = ?", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_recommendation", "no recommendation %lld", (long long)id);
		goto out;
	}
	if ((o = reco_row(c, s, cal_wib_day(tk_now()))) == NULL) {
		rc = tk_last_error()->err != TK_OK ? tk_last_error()->err : TK_ERR_INTERNAL;
		goto out;
	}
	store_finalize(s);
	s = NULL;
	if ((files = json_array()) == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = store_prepare(c->st, "SELECT id, filename, mime, size, sha256, uploaded_by, uploaded_at FROM recommendation_files"
				       " WHERE recommendation_id = ? ORDER BY id",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, id)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		json_t *f = json_pack("{s:I, s:s, s:s, s:I, s:s, s:s, s:I}", "id", (json_int_t)store_col_i64(s, 0), "filename", store_col_text(s, 1), "mime",
		    store_col_text(s, 2), "size", (json_int_t)store_col_i64(s, 3), "sha256", store_col_text(s, 4), "uploaded_by", store_col_text(s, 5),
		    "uploaded_at", (json_int_t)store_col_i64(s, 6));
		if (f == NULL || json_array_append_new(files, f) != 0) {
			rc = tk_fail(TK_ERR_NOMEM, "out of memory");
			break;
		}
	}
	if (rc == TK_OK && json_object_set(o, "files", files) != 0)
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
	if (rc == TK_OK)
		*out = json_incref(o);
out:
	store_finalize(s);
	json_decref(o);
	json_decref(files);
	return rc;
}

enum tk_err reco_get(struct svc_ctx *c, int64_t id, char **out)
{
	json_t *o = NULL;
	enum tk_err rc;

	if ((rc = pol_read_allowed(c, "recommendations")) != TK_OK || (rc = reco_json(c, id, &o)) != TK_OK)
		return rc;
	return svc_json_dump(o, out);
}

/* ------------------------------------------------------------ writing */

struct create_arg {
	const char *source, *source_ref, *title, *body, *severity, *owner, *owner_email, *due_on;
	int64_t id;
};

static enum tk_err create_tx(struct svc_ctx *c, void *arg)
{
	struct create_arg *a = arg;
	struct store_stmt *s = NULL;
	struct buf sealed;
	int64_t now = tk_now();
	int row = 0;
	enum tk_err rc;

	buf_init(&sealed, 4096);
	if (a->owner_email != NULL && (rc = pii_seal(c->inst, RECO_PII_FIELD, a->owner_email, &sealed)) != TK_OK)
		goto out;
	if ((rc = store_prepare(c->st, "INSERT INTO recommendations (source, source_ref, title, body, severity, owner, owner_email, due_on, created_by,"
				       " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
		 &s)) != TK_OK ||
	    (rc = store_bind_text(s, 1, a->source)) != TK_OK ||
	    (rc = a->source_ref ? store_bind_text(s, 2, a->source_ref) : store_bind_null(s, 2)) != TK_OK ||
	    (rc = store_bind_text(s, 3, a->title)) != TK_OK || (rc = store_bind_text(s, 4, a->body)) != TK_OK ||
	    (rc = store_bind_text(s, 5, a->severity)) != TK_OK || (rc = store_bind_text(s, 6, a->owner)) != TK_OK ||
	    (rc = sealed.len > 0 ? store_bind_blob(s, 7, sealed.p, sealed.len) : store_bind_null(s, 7)) != TK_OK ||
	    (rc = store_bind_text(s, 8, a->due_on)) != TK_OK || (rc = store_bind_text(s, 9, c->actor.user)) != TK_OK ||
	    (rc = store_bind_i64(s, 10, now)) != TK_OK || (rc = store_bind_i64(s, 11, now)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail(TK_ERR_STORE, "recommendation: insert returned no id");
		goto out;
	}
	a->id = store_col_i64(s, 0);
	/* The owner's e-mail stays out of the audit log (personal data). */
	rc = pol_audit(c, "reco.create", "recommendation", a->id,
	    json_pack("{s:s, s:s?, s:s, s:s, s:s, s:s}", "source", a->source, "source_ref", a->source_ref, "title", a->title, "severity", a->severity,
		"owner", a->owner, "due_on", a->due_on));
out:
	store_finalize(s);
	buf_free(&sealed);
	return rc;
}

/* source_ref: "<word>:<id>" or any short label without control characters. */
static int ref_ok(const char *r)
{
	for (; *r; r++)
		if ((unsigned char)*r < 0x20 || *r == 0x7f)
			return 0;
	return 1;
}

enum tk_err reco_create(struct svc_ctx *c, json_t *in, char **out)
{
	struct create_arg a;
	int64_t day;
	enum tk_err rc;

	memset(&a, 0, sizeof(a));
	if (!(c->actor.kind == ACTOR_OPERATOR || pol_is_person(c, "auditor")))
		return tk_fail_code(TK_ERR_DENIED, "forbidden", "recommendations are made by the issuer (auditors)");
	if (!json_is_object(in))
		return tk_fail_code(TK_ERR_INVALID, "invalid_body", "expected a JSON object");
	if ((rc = svc_json_str(in, "source", 1, 16, &a.source)) != TK_OK || (rc = svc_json_str(in, "source_ref", 0, 64, &a.source_ref)) != TK_OK ||
	    (rc = svc_json_str(in, "title", 1, POLICY_MAX_TITLE, &a.title)) != TK_OK || (rc = svc_json_str(in, "body", 1, POLICY_MAX_TEXT, &a.body)) != TK_OK ||
	    (rc = svc_json_str(in, "severity", 0, 16, &a.severity)) != TK_OK || (rc = svc_json_str(in, "owner", 1, POLICY_MAX_TITLE, &a.owner)) != TK_OK ||
	    (rc = svc_json_str(in, "owner_email", 0, 254, &a.owner_email)) != TK_OK || (rc = svc_json_str(in, "due_on", 1, 10, &a.due_on)) != TK_OK ||
	    (rc = cal_day_parse(a.due_on, "due_on", &day)) != TK_OK)
		return rc;
	if (!one_of(a.source, sources, 4))
		return tk_fail_code(TK_ERR_INVALID, "invalid_source", "source must be review, assessment, advice or monev");
	if (a.severity == NULL)
		a.severity = "medium";
	if (!one_of(a.severity, severities, 4))
		return tk_fail_code(TK_ERR_INVALID, "invalid_severity", "severity must be low, medium, high or critical");
	if (a.source_ref != NULL && a.source_ref[0] == '\0')
		a.source_ref = NULL;
	if (a.source_ref != NULL && !ref_ok(a.source_ref))
		return tk_fail_code(TK_ERR_INVALID, "invalid_field", "source_ref holds control characters");
	if (a.owner_email != NULL && a.owner_email[0] == '\0')
		a.owner_email = NULL;
	if (a.owner_email != NULL && !notify_email_ok(a.owner_email))
		return tk_fail_code(TK_ERR_INVALID, "invalid_email", "owner_email is not an e-mail address");
	if ((rc = svc_in_tx(c, create_tx, &a)) != TK_OK)
		return rc;
	return reco_get(c, a.id, out);
}

struct status_arg {
	int64_t id;
	const char *status, *note;
};

static enum tk_err status_tx(struct svc_ctx *c, void *arg)
{
	struct status_arg *a = arg;
	struct store_stmt *s = NULL;
	char from[24], idtxt[24];
	int64_t now = tk_now(), nfiles = 0;
	int row = 0, closing = strcmp(a->status, "done") == 0 || strcmp(a->status, "accepted_risk") == 0;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "SELECT status FROM recommendations WHERE id = ?", &s)) != TK_OK || (rc = store_bind_i64(s, 1, a->id)) != TK_OK ||
	    (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_recommendation", "no recommendation %lld", (long long)a->id);
		goto out;
	}
	if ((rc = str_copy(from, sizeof(from), store_col_text(s, 0))) != TK_OK)
		goto out;
	store_finalize(s);
	s = NULL;
	if (strcmp(from, "done") == 0 || strcmp(from, "accepted_risk") == 0) {
		rc = tk_fail_code(TK_ERR_CONFLICT, "recommendation_closed", "recommendation %lld is %s already", (long long)a->id, from);
		goto out;
	}
	if (strcmp(from, a->status) == 0) {
		rc = tk_fail_code(TK_ERR_CONFLICT, "recommendation_state", "recommendation %lld is %s already", (long long)a->id, from);
		goto out;
	}
	if (strcmp(a->status, "done") == 0) {
		if ((rc = str_fmt(idtxt, sizeof(idtxt), "%lld", (long long)a->id)) != TK_OK ||
		    (rc = store_query_i64(c->st, "SELECT COUNT(*) FROM recommendation_files WHERE recommendation_id = CAST(? AS INTEGER)", idtxt, &nfiles)) !=
			TK_OK)
			goto out;
		if (nfiles == 0) {
			rc = tk_fail_code(TK_ERR_CONFLICT, "evidence_required", "recommendation %lld: upload the evidence of closure before marking it done",
			    (long long)a->id);
			goto out;
		}
	}
	if ((rc = store_prepare(c->st, "UPDATE recommendations SET status = ?, closing_note = COALESCE(?, closing_note), updated_at = ?, closed_at = ?"
				       " WHERE id = ?",
		 &s)) != TK_OK ||
	    (rc = store_bind_text(s, 1, a->status)) != TK_OK || (rc = a->note ? store_bind_text(s, 2, a->note) : store_bind_null(s, 2)) != TK_OK ||
	    (rc = store_bind_i64(s, 3, now)) != TK_OK || (rc = closing ? store_bind_i64(s, 4, now) : store_bind_null(s, 4)) != TK_OK ||
	    (rc = store_bind_i64(s, 5, a->id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	rc = pol_audit(c, closing ? "reco.close" : "reco.status", "recommendation", a->id,
	    json_pack("{s:s, s:s, s:I}", "from", from, "status", a->status, "evidence_files", (json_int_t)nfiles));
out:
	store_finalize(s);
	return rc;
}

enum tk_err reco_set_status(struct svc_ctx *c, int64_t id, json_t *in, char **out)
{
	struct status_arg a = { id, NULL, NULL };
	int op = c->actor.kind == ACTOR_OPERATOR, admin = pol_is_person(c, "admin"), auditor = pol_is_person(c, "auditor");
	enum tk_err rc;

	if (!op && !admin && !auditor)
		return tk_fail_code(TK_ERR_DENIED, "forbidden", "recommendations are followed up by admins (ministry) and auditors (issuer)");
	if (!json_is_object(in))
		return tk_fail_code(TK_ERR_INVALID, "invalid_body", "expected a JSON object {status, closing_note}");
	if ((rc = svc_json_str(in, "status", 1, 16, &a.status)) != TK_OK || (rc = svc_json_str(in, "closing_note", 0, POLICY_MAX_TEXT, &a.note)) != TK_OK)
		return rc;
	if (!one_of(a.status, (const char *const[]){ "open", "in_progress", "done", "accepted_risk" }, 4))
		return tk_fail_code(TK_ERR_INVALID, "invalid_status", "status must be open, in_progress, done or accepted_risk");
	if (strcmp(a.status, "accepted_risk") == 0 && !op && !auditor)
		return tk_fail_code(TK_ERR_DENIED, "issuer_decides",
		    "accepting the risk of not following a recommendation is the issuer's decision (an auditor sets accepted_risk)");
	if (strcmp(a.status, "accepted_risk") != 0 && !op && !admin)
		return tk_fail_code(TK_ERR_DENIED, "ministry_follows_up", "the ministry's admins move a recommendation to open, in_progress or done");
	if ((strcmp(a.status, "done") == 0 || strcmp(a.status, "accepted_risk") == 0) && (a.note == NULL || a.note[0] == '\0'))
		return tk_fail_code(TK_ERR_INVALID, "closing_note_required", "closing a recommendation (done or accepted_risk) needs a closing_note");
	if ((rc = svc_in_tx(c, status_tx, &a)) != TK_OK)
		return rc;
	return reco_get(c, id, out);
}

struct file_arg {
	int64_t id;
	const char *filename, *mime;
	const uint8_t *p;
	size_t len;
	char sha[65];
	int64_t fid;
};

static enum tk_err file_tx(struct svc_ctx *c, void *arg)
{
	struct file_arg *a = arg;
	struct store_stmt *s = NULL;
	char idtxt[24];
	int64_t n = 0;
	int row = 0;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "SELECT status FROM recommendations WHERE id = ?", &s)) != TK_OK || (rc = store_bind_i64(s, 1, a->id)) != TK_OK ||
	    (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_recommendation", "no recommendation %lld", (long long)a->id);
		goto out;
	}
	if (strcmp(store_col_text(s, 0), "open") != 0 && strcmp(store_col_text(s, 0), "in_progress") != 0) {
		rc = tk_fail_code(TK_ERR_CONFLICT, "recommendation_closed", "recommendation %lld is %s: its evidence is final", (long long)a->id,
		    store_col_text(s, 0));
		goto out;
	}
	store_finalize(s);
	s = NULL;
	if ((rc = str_fmt(idtxt, sizeof(idtxt), "%lld", (long long)a->id)) != TK_OK ||
	    (rc = store_query_i64(c->st, "SELECT COUNT(*) FROM recommendation_files WHERE recommendation_id = CAST(? AS INTEGER)", idtxt, &n)) != TK_OK)
		goto out;
	if (n >= RECO_MAX_FILES) {
		rc = tk_fail_code(TK_ERR_LIMIT, "too_many_files", "a recommendation holds at most %u evidence files", RECO_MAX_FILES);
		goto out;
	}
	if ((rc = store_prepare(c->st, "INSERT INTO recommendation_files (recommendation_id, filename, mime, size, sha256, data, uploaded_by, uploaded_at)"
				       " VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, a->id)) != TK_OK || (rc = store_bind_text(s, 2, a->filename)) != TK_OK ||
	    (rc = store_bind_text(s, 3, a->mime)) != TK_OK || (rc = store_bind_i64(s, 4, (int64_t)a->len)) != TK_OK ||
	    (rc = store_bind_text(s, 5, a->sha)) != TK_OK || (rc = store_bind_blob(s, 6, a->p, a->len)) != TK_OK ||
	    (rc = store_bind_text(s, 7, c->actor.user)) != TK_OK || (rc = store_bind_i64(s, 8, tk_now())) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	a->fid = row ? store_col_i64(s, 0) : 0;
	store_finalize(s);
	s = NULL;
	/* Evidence on an open recommendation means work has started. */
	if ((rc = store_prepare(c->st, "UPDATE recommendations SET status = CASE WHEN status = 'open' THEN 'in_progress' ELSE status END, updated_at = ?"
				       " WHERE id = ?",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, tk_now())) != TK_OK || (rc = store_bind_i64(s, 2, a->id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	rc = pol_audit(c, "reco.evidence", "recommendation", a->id,
	    json_pack("{s:I, s:s, s:I, s:s}", "file", (json_int_t)a->fid, "filename", a->filename, "size", (json_int_t)a->len, "sha256", a->sha));
out:
	store_finalize(s);
	return rc;
}

/* A file name people gave: 1..200 bytes, no path separators or control characters (it goes back out in Content-Disposition). */
static enum tk_err filename_ok(const char *f)
{
	size_t i, l = strlen(f);

	if (l == 0 || l > 200)
		return tk_fail_code(TK_ERR_INVALID, "invalid_filename", "the evidence file needs a name of 1 to 200 bytes");
	for (i = 0; i < l; i++)
		if ((unsigned char)f[i] < 0x20 || f[i] == 0x7f || f[i] == '/' || f[i] == '\\' || f[i] == '"')
			return tk_fail_code(TK_ERR_INVALID, "invalid_filename", "the evidence file name holds '/', '\\', '\"' or a control character");
	return TK_OK;
}

enum tk_err reco_file_add(struct svc_ctx *c, int64_t id, const char *filename, const char *mime, const uint8_t *p, size_t len, char **out)
{
	struct file_arg a;
	enum tk_err rc;

	memset(&a, 0, sizeof(a));
	if (!(c->actor.kind == ACTOR_OPERATOR || pol_is_person(c, "admin")))
		return tk_fail_code(TK_ERR_DENIED, "forbidden", "evidence of closure is uploaded by the ministry's admins");
	if (len == 0)
		return tk_fail_code(TK_ERR_INVALID, "missing_field", "the evidence file is empty");
	if (len > RECO_MAX_FILE)
		return tk_fail_code(TK_ERR_LIMIT, "too_large", "an evidence file is at most %u bytes", RECO_MAX_FILE);
	if ((rc = filename_ok(filename)) != TK_OK)
		return rc;
	if (mime == NULL || mime[0] == '\0' || strlen(mime) > 95 || strpbrk(mime, "\r\n\"") != NULL)
		mime = "application/octet-stream";
	a.id = id;
	a.filename = filename;
	a.mime = mime;
	a.p = p;
	a.len = len;
	sha256_hex(p, len, a.sha);
	if ((rc = svc_in_tx(c, file_tx, &a)) != TK_OK)
		return rc;
	return reco_get(c, id, out);
}

struct file_get_arg {
	int64_t id, fid;
	struct buf *out;
	char *filename, *mime;
};

static enum tk_err file_get_tx(struct svc_ctx *c, void *arg)
{
	struct file_get_arg *a = arg;
	struct store_stmt *s = NULL;
	size_t len = 0;
	const uint8_t *p;
	int row = 0;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "SELECT filename, mime, data, sha256 FROM recommendation_files WHERE id = ? AND recommendation_id = ?", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, a->fid)) != TK_OK || (rc = store_bind_i64(s, 2, a->id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_file", "recommendation %lld has no evidence file %lld", (long long)a->id, (long long)a->fid);
		goto out;
	}
	p = store_col_blob(s, 2, &len);
	if ((rc = str_copy(a->filename, 256, store_col_text(s, 0))) != TK_OK || (rc = str_copy(a->mime, 96, store_col_text(s, 1))) != TK_OK ||
	    (rc = buf_append(a->out, p, len)) != TK_OK)
		goto out;
	rc = pol_audit(c, "reco.evidence.read", "recommendation", a->id, json_pack("{s:I, s:s}", "file", (json_int_t)a->fid, "sha256", store_col_text(s, 3)));
out:
	store_finalize(s);
	return rc;
}

enum tk_err reco_file_get(struct svc_ctx *c, int64_t id, int64_t file_id, struct buf *out, char filename[256], char mime[96])
{
	struct file_get_arg a = { id, file_id, out, filename, mime };
	enum tk_err rc;

	if ((rc = pol_read_allowed(c, "recommendations")) != TK_OK)
		return rc;
	return svc_in_tx(c, file_get_tx, &a);
}

/* ------------------------------------------------------------ dashboard */

enum tk_err reco_open_items(struct svc_ctx *c, int64_t now, json_t **out)
{
	struct store_stmt *s = NULL;
	char today[16];
	int64_t open = 0, inprog = 0, overdue = 0;
	json_t *list = NULL;
	int row = 0;
	enum tk_err rc;

	*out = NULL;
	cal_day_str(cal_wib_day(now), today);
	if ((rc = store_query_i64(c->st, "SELECT COUNT(*) FROM recommendations WHERE status = 'open'", NULL, &open)) != TK_OK ||
	    (rc = store_query_i64(c->st, "SELECT COUNT(*) FROM recommendations WHERE status = 'in_progress'", NULL, &inprog)) != TK_OK ||
	    (rc = store_query_i64(c->st, "SELECT COUNT(*) FROM recommendations WHERE status IN ('open','in_progress') AND due_on < ?", today, &overdue)) !=
		TK_OK)
		return rc;
	if ((list = json_array()) == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	if ((rc = store_prepare(c->st, "SELECT id, title, owner, due_on, severity, status, source, source_ref FROM recommendations"
				       " WHERE status IN ('open','in_progress') AND due_on < ? ORDER BY due_on, id LIMIT 50",
		 &s)) != TK_OK ||
	    (rc = store_bind_text(s, 1, today)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s?}", "id", (json_int_t)store_col_i64(s, 0), "title", store_col_text(s, 1),
		    "owner", store_col_text(s, 2), "due_on", store_col_text(s, 3), "severity", store_col_text(s, 4), "status", store_col_text(s, 5),
		    "source", store_col_text(s, 6), "source_ref", store_col_null(s, 7) ? NULL : store_col_text(s, 7));
		if (o == NULL || json_array_append_new(list, o) != 0) {
			rc = tk_fail(TK_ERR_NOMEM, "out of memory");
			break;
		}
	}
	if (rc == TK_OK && (*out = json_pack("{s:b, s:I, s:I, s:I, s:O}", "available", 1, "open", (json_int_t)open, "in_progress", (json_int_t)inprog,
				"overdue", (json_int_t)overdue, "overdue_list", list)) == NULL)
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
out:
	store_finalize(s);
	json_decref(list);
	return rc;
}

/* ------------------------------------------------------------ reminders */

struct overdue {
	int64_t id;
	char due[16], owner[POLICY_MAX_TITLE + 1], title[POLICY_MAX_TITLE + 1], severity[16];
	struct buf email;
};

struct remind_arg {
	int queued;
};

static enum tk_err remind_tx(struct svc_ctx *c, void *arg)
{
	struct remind_arg *ra = arg;
	struct store_stmt *s = NULL;
	struct notify_contacts ct;
	struct overdue *o = NULL;
	char today[16];
	size_t n = 0, i, j;
	int row = 0;
	enum tk_err rc;

	notify_contacts_load(c->inst->cfg, &ct);
	cal_day_str(cal_wib_day(tk_now()), today);
	if ((o = calloc(RECO_REMIND_BATCH, sizeof(*o))) == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	if ((rc = store_prepare(c->st, "SELECT r.id, r.due_on, r.owner, r.title, r.severity, r.owner_email FROM recommendations r"
				       " WHERE r.status IN ('open','in_progress') AND r.due_on < ? AND NOT EXISTS (SELECT 1 FROM oversight_reminders_sent x"
				       " WHERE x.kind = 'reco.overdue' AND x.ref = CAST(r.id AS TEXT)) ORDER BY r.id LIMIT 64",
		 &s)) != TK_OK ||
	    (rc = store_bind_text(s, 1, today)) != TK_OK)
		goto out;
	while (n < RECO_REMIND_BATCH && (rc = store_step(s, &row)) == TK_OK && row) {
		size_t blen = 0;
		const uint8_t *b = store_col_blob(s, 5, &blen);
		buf_init(&o[n].email, 1024);
		o[n].id = store_col_i64(s, 0);
		n++;
		if ((rc = str_copy(o[n - 1].due, sizeof(o[n - 1].due), store_col_text(s, 1))) != TK_OK ||
		    (rc = str_copy(o[n - 1].owner, sizeof(o[n - 1].owner), store_col_text(s, 2))) != TK_OK ||
		    (rc = str_copy(o[n - 1].title, sizeof(o[n - 1].title), store_col_text(s, 3))) != TK_OK ||
		    (rc = str_copy(o[n - 1].severity, sizeof(o[n - 1].severity), store_col_text(s, 4))) != TK_OK ||
		    (!store_col_null(s, 5) && ((rc = pii_open(c->inst, RECO_PII_FIELD, b, blen, &o[n - 1].email)) != TK_OK ||
						  (rc = buf_cstr(&o[n - 1].email, &(const char *){ NULL })) != TK_OK)))
			break;
	}
	store_finalize(s);
	s = NULL;
	if (rc != TK_OK)
		goto out;
	for (i = 0; i < n; i++) {
		char ref[24], subj[200], body[2000];
		int claimed = 0;
		size_t nrcpt = o[i].email.len > 0 ? 1 : ct.n;
		if (nrcpt == 0) {
			log_msg(LOG_WARN, "reco.reminders", "recommendation %lld is overdue but has no owner e-mail and [monev] contacts names nobody",
			    (long long)o[i].id);
			continue;
		}
		if ((rc = str_fmt(ref, sizeof(ref), "%lld", (long long)o[i].id)) != TK_OK || (rc = notify_claim_once(c, "reco.overdue", ref, &claimed)) != TK_OK)
			goto out;
		if (!claimed)
			continue;
		if ((rc = str_fmt(subj, sizeof(subj), "Rekomendasi lewat batas waktu / Recommendation overdue (#%lld)", (long long)o[i].id)) != TK_OK ||
		    (rc = str_fmt(body, sizeof(body),
			 "Rekomendasi BSSN/BSrE no. %lld (tingkat: %s, penanggung jawab: %s) melewati batas waktu %s dan belum selesai:\n%s\n"
			 "Perbarui statusnya dan unggah bukti penyelesaian di teken (menu Rekomendasi).\n\n"
			 "Recommendation %lld of the issuer (severity: %s, owner: %s) passed its due date %s and is not closed:\n%s\n"
			 "Please update its status and upload the evidence of closure in teken (Recommendations).\n",
			 (long long)o[i].id, o[i].severity, o[i].owner, o[i].due, o[i].title, (long long)o[i].id, o[i].severity, o[i].owner, o[i].due,
			 o[i].title)) != TK_OK)
			goto out;
		if (o[i].email.len > 0) {
			if ((rc = notify_queue(c, (const char *)o[i].email.p, subj, body)) != TK_OK)
				goto out;
		} else {
			for (j = 0; j < ct.n; j++)
				if ((rc = notify_queue(c, ct.addr[j], subj, body)) != TK_OK)
					goto out;
		}
		if ((rc = pol_audit(c, "reco.reminder", "recommendation", o[i].id,
			 json_pack("{s:s, s:s, s:I}", "kind", "reco.overdue", "due_on", o[i].due, "recipients", (json_int_t)nrcpt))) != TK_OK)
			goto out;
		ra->queued += (int)nrcpt;
	}
out:
	store_finalize(s);
	for (i = 0; i < n; i++)
		buf_free(&o[i].email);
	free(o);
	return rc;
}

enum tk_err reco_reminders(struct svc_ctx *c, int *queued)
{
	struct remind_arg a = { 0 };
	enum tk_err rc;

	*queued = 0;
	if ((rc = pol_read_allowed(c, "recommendation reminders")) != TK_OK)
		return rc;
	if ((rc = svc_in_tx(c, remind_tx, &a)) == TK_OK)
		*queued = a.queued;
	return rc;
}

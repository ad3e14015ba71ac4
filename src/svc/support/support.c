/*
 * Support tickets (R12; docs/support.md): opening (with the verification
 * report as evidence), reading, replies, assignment, resolution, closing.
 * The summary and the dashboard's open items are in support_summary.c.
 */
#include "svc/support/support_int.h"

#include "config/config.h"
#include "crypto/crypto.h"
#include "svc/agreement/agreement.h"
#include "svc/audit/audit.h"
#include "svc/notify/notify.h"
#include "svc/pii/pii.h"
#include "svc/verify/verify_svc.h"
#include "store/store.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ helpers */

static int is_role(const struct svc_ctx *c, const char *role)
{
	return c->actor.kind == ACTOR_PERSON && strcmp(c->actor.role, role) == 0;
}

int support_is_issuer(const struct svc_ctx *c)
{
	return is_role(c, "auditor");
}

/* Sees every ticket: the issuer's auditors, the ministry's admins and the operator. */
int support_sees_all(const struct svc_ctx *c)
{
	return c->actor.kind == ACTOR_OPERATOR || is_role(c, "auditor") || is_role(c, "admin");
}

/* The side a message of the caller is on. */
static const char *side_of(const struct svc_ctx *c)
{
	if (support_is_issuer(c))
		return "issuer";
	if (c->actor.kind == ACTOR_APPLICATION)
		return "application";
	if (c->actor.kind == ACTOR_ANONYMOUS)
		return "public";
	return "ministry";
}

static enum tk_err audit_ticket(struct svc_ctx *c, const char *action, const char *ref, json_t *details)
{
	char obj[48], *d = NULL;
	enum tk_err rc;

	if ((rc = str_fmt(obj, sizeof(obj), "ticket:%s", ref)) != TK_OK || (rc = svc_json_dump(details, &d)) != TK_OK)
		return rc;
	rc = audit_append(c, action, obj, d);
	free(d);
	return rc;
}

/* The columns of a ticket row every decision needs. */
struct ticket_row {
	int64_t id;
	char ref[SUPPORT_REF_LEN + 1];
	char channel[16];
	char status[16];
	char opened_by[64];
	char subject[SUPPORT_MAX_SUBJECT + 1];
	char access_hash[65];
	int has_first_answer;
};

/* Loads a ticket by id (ref NULL) or by ref; TK_ERR_NOT_FOUND when there is none. */
static enum tk_err ticket_load(struct svc_ctx *c, int64_t id, const char *ref, struct ticket_row *t)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	memset(t, 0, sizeof(*t));
	rc = store_prepare(c->st,
	    ref == NULL ? "SELECT id, ref, channel, status, opened_by, subject, COALESCE(access_hash, ''), first_answer_at FROM tickets WHERE id = ?"
			: "SELECT id, ref, channel, status, opened_by, subject, COALESCE(access_hash, ''), first_answer_at FROM tickets WHERE ref = ?",
	    &s);
	if (rc == TK_OK)
		rc = ref == NULL ? store_bind_i64(s, 1, id) : store_bind_text(s, 1, ref);
	if (rc == TK_OK)
		rc = store_step(s, &row);
	if (rc == TK_OK && !row)
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_ticket", "no such ticket");
	if (rc == TK_OK) {
		t->id = store_col_i64(s, 0);
		t->has_first_answer = !store_col_null(s, 7);
		if ((rc = str_copy(t->ref, sizeof(t->ref), store_col_text(s, 1))) == TK_OK &&
		    (rc = str_copy(t->channel, sizeof(t->channel), store_col_text(s, 2))) == TK_OK &&
		    (rc = str_copy(t->status, sizeof(t->status), store_col_text(s, 3))) == TK_OK &&
		    (rc = str_copy(t->opened_by, sizeof(t->opened_by), store_col_text(s, 4))) == TK_OK &&
		    (rc = str_copy(t->subject, sizeof(t->subject), store_col_text(s, 5))) == TK_OK)
			rc = str_copy(t->access_hash, sizeof(t->access_hash), store_col_text(s, 6));
	}
	store_finalize(s);
	return rc;
}

/* Is the caller the staff member or application that opened t? */
static int is_opener(const struct svc_ctx *c, const struct ticket_row *t)
{
	if (c->actor.kind == ACTOR_APPLICATION)
		return strcmp(t->channel, "api") == 0 && strcmp(t->opened_by, c->actor.user) == 0;
	if (c->actor.kind == ACTOR_PERSON || c->actor.kind == ACTOR_OPERATOR)
		return strcmp(t->channel, "staff") == 0 && strcmp(t->opened_by, c->actor.user) == 0;
	return 0;
}

/* Loads a ticket the caller may see; someone else's is "not found" (hiding it is the refusal). */
static enum tk_err ticket_visible(struct svc_ctx *c, int64_t id, struct ticket_row *t)
{
	enum tk_err rc;

	if (c->actor.kind == ACTOR_ANONYMOUS)
		return tk_fail_code(TK_ERR_DENIED, "forbidden", "log in, or follow a ticket up with its ref and token");
	if ((rc = ticket_load(c, id, NULL, t)) != TK_OK)
		return rc;
	if (!support_sees_all(c) && !is_opener(c, t))
		return tk_fail_code(TK_ERR_NOT_FOUND, "unknown_ticket", "no such ticket");
	return TK_OK;
}

/* Loads a public ticket by ref and checks the follow-up token against its hash in constant time. */
static enum tk_err ticket_by_token(struct svc_ctx *c, const char *ref, const char *token, struct ticket_row *t)
{
	char h[65];
	enum tk_err rc;

	if (ref == NULL || token == NULL || strlen(ref) != SUPPORT_REF_LEN || strlen(token) != 2 * SUPPORT_TOKEN_BYTES)
		return tk_fail_code(TK_ERR_NOT_FOUND, "unknown_ticket", "no ticket with this ref and token");
	rc = ticket_load(c, 0, ref, t);
	if (rc == TK_ERR_NOT_FOUND || (rc == TK_OK && strlen(t->access_hash) != 64)) {
		tk_clear_error();
		return tk_fail_code(TK_ERR_NOT_FOUND, "unknown_ticket", "no ticket with this ref and token");
	}
	if (rc != TK_OK)
		return rc;
	sha256_hex(token, strlen(token), h);
	if (CRYPTO_memcmp(h, t->access_hash, 64) != 0)
		return tk_fail_code(TK_ERR_NOT_FOUND, "unknown_ticket", "no ticket with this ref and token");
	return TK_OK;
}

/* ------------------------------------------------------------ reading */

enum ticket_view {
	VIEW_STAFF,  /* the opener (staff or application) */
	VIEW_ALL,    /* auditors, admins, operator: the reporter's contact too */
	VIEW_PUBLIC, /* the public opener: staff names withheld */
};

static json_t *opt_i64(struct store_stmt *s, int col)
{
	return store_col_null(s, col) ? json_null() : json_integer(store_col_i64(s, col));
}

static json_t *opt_text(struct store_stmt *s, int col)
{
	return store_col_null(s, col) ? json_null() : json_string(store_col_text(s, col));
}

static enum tk_err messages_json(struct svc_ctx *c, int64_t id, enum ticket_view v, json_t *arr)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "SELECT id, author, side, body, at FROM ticket_messages WHERE ticket_id = ? ORDER BY id", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, id)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		const char *side = store_col_text(s, 2);
		/* The public sees which side wrote, not the names of the staff who did. */
		const char *author = v != VIEW_PUBLIC              ? store_col_text(s, 1)
				     : strcmp(side, "issuer") == 0 ? "BSSN/BSrE"
				     : strcmp(side, "public") == 0 ? store_col_text(s, 1)
								   : "Kementerian";
		json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:I}", "id", (json_int_t)store_col_i64(s, 0), "author", author, "side", side, "body",
		    store_col_text(s, 3), "at", (json_int_t)store_col_i64(s, 4));
		if (o == NULL || json_array_append_new(arr, o) != 0) {
			rc = tk_fail(TK_ERR_NOMEM, "out of memory");
			break;
		}
	}
out:
	store_finalize(s);
	return rc;
}

static enum tk_err files_json(struct svc_ctx *c, int64_t id, json_t *arr)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "SELECT id, filename, mime, size, sha256, added_by, at FROM ticket_files WHERE ticket_id = ? ORDER BY id", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, id)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		json_t *o = json_pack("{s:I, s:s, s:s, s:I, s:s, s:I}", "id", (json_int_t)store_col_i64(s, 0), "filename", store_col_text(s, 1),
		    "mime", store_col_text(s, 2), "size", (json_int_t)store_col_i64(s, 3), "sha256", store_col_text(s, 4), "at",
		    (json_int_t)store_col_i64(s, 6));
		if (o == NULL || json_array_append_new(arr, o) != 0) {
			rc = tk_fail(TK_ERR_NOMEM, "out of memory");
			break;
		}
	}
out:
	store_finalize(s);
	return rc;
}

#define TICKET_COLS "id, ref, channel, category, subject, status, opened_by, reporter_name, unit, application, document_id, cert_serial," \
		    " assignee, created_at, first_answer_at, resolved_at, updated_at, verification_report IS NOT NULL"

/* One row of TICKET_COLS as JSON (no messages, no report). */
static json_t *row_json(struct store_stmt *s, enum ticket_view v)
{
	json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:o, s:o, s:I, s:o, s:o, s:I, s:b}", "id",
	    (json_int_t)store_col_i64(s, 0), "ref", store_col_text(s, 1), "channel", store_col_text(s, 2), "category", store_col_text(s, 3),
	    "subject", store_col_text(s, 4), "status", store_col_text(s, 5), "reporter_name", opt_text(s, 7), "unit", store_col_text(s, 8),
	    "application", store_col_text(s, 9), "document_id", opt_text(s, 10), "cert_serial", opt_text(s, 11), "created_at",
	    (json_int_t)store_col_i64(s, 13), "first_answer_at", opt_i64(s, 14), "resolved_at", opt_i64(s, 15), "updated_at",
	    (json_int_t)store_col_i64(s, 16), "has_verification_report", store_col_i64(s, 17) != 0);

	/* Time to first answer and to resolution of this ticket, in seconds (the summary's medians are over these). */
	if (o != NULL &&
	    (json_object_set_new(o, "first_answer_seconds", store_col_null(s, 14) ? json_null() : json_integer(store_col_i64(s, 14) - store_col_i64(s, 13))) != 0 ||
		json_object_set_new(o, "resolution_seconds", store_col_null(s, 15) ? json_null() : json_integer(store_col_i64(s, 15) - store_col_i64(s, 13))) != 0)) {
		json_decref(o);
		return NULL;
	}
	if (o != NULL && v != VIEW_PUBLIC &&
	    (json_object_set_new(o, "opened_by", json_string(store_col_text(s, 6))) != 0 ||
		json_object_set_new(o, "assignee", opt_text(s, 12)) != 0)) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

/* The whole ticket as the view shows it. Caller decrefs *out. */
static enum tk_err ticket_json(struct svc_ctx *c, int64_t id, enum ticket_view v, json_t **out)
{
	struct store_stmt *s = NULL;
	json_t *o = NULL, *msgs = json_array(), *files = json_array(), *report = NULL;
	struct buf contact;
	int row = 0;
	enum tk_err rc;

	*out = NULL;
	buf_init_secret(&contact, 1024);
	if (msgs == NULL || files == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = store_prepare(c->st, "SELECT " TICKET_COLS ", verification_report, reporter_contact FROM tickets WHERE id = ?", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_ticket", "no such ticket");
		goto out;
	}
	if ((o = row_json(s, v)) == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (!store_col_null(s, 18)) {
		json_error_t jerr;
		report = json_loads(store_col_text(s, 18), 0, &jerr);
	}
	if (json_object_set_new(o, "verification_report", report != NULL ? report : json_null()) != 0) {
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
		goto out;
	}
	/* The reporter's contact is personal data: the issuer and the ministry's admins see it, not the list. */
	if (v == VIEW_ALL && !store_col_null(s, 19)) {
		size_t blen = 0;
		const uint8_t *b = store_col_blob(s, 19, &blen);
		const char *txt = NULL;
		if ((rc = pii_open(c->inst, "ticket_contact", b, blen, &contact)) != TK_OK || (rc = buf_cstr(&contact, &txt)) != TK_OK)
			goto out;
		if (json_object_set_new(o, "reporter_contact", json_string(txt)) != 0) {
			rc = tk_fail(TK_ERR_NOMEM, "out of memory");
			goto out;
		}
	}
	store_finalize(s);
	s = NULL;
	if ((rc = messages_json(c, id, v, msgs)) != TK_OK || (rc = files_json(c, id, files)) != TK_OK)
		goto out;
	if (json_object_set(o, "messages", msgs) != 0 || json_object_set(o, "files", files) != 0) {
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
		goto out;
	}
	*out = o;
	o = NULL;
out:
	store_finalize(s);
	buf_free(&contact);
	json_decref(o);
	json_decref(msgs);
	json_decref(files);
	return rc;
}

static enum ticket_view view_of(const struct svc_ctx *c)
{
	return support_sees_all(c) ? VIEW_ALL : VIEW_STAFF;
}

static enum tk_err contact_read_tx(struct svc_ctx *c, void *arg)
{
	return audit_ticket(c, "ticket.contact.read", (const char *)arg, json_pack("{s:s}", "field", "reporter_contact"));
}

enum tk_err support_get(struct svc_ctx *c, int64_t id, char **out)
{
	struct ticket_row t;
	json_t *o = NULL;
	enum tk_err rc;

	if ((rc = ticket_visible(c, id, &t)) != TK_OK || (rc = ticket_json(c, id, view_of(c), &o)) != TK_OK)
		return rc;
	/* The reporter's contact is personal data: who read it is in the audit log, like pii.read for officials. */
	if (json_object_get(o, "reporter_contact") != NULL && (rc = svc_in_tx(c, contact_read_tx, t.ref)) != TK_OK) {
		json_decref(o);
		return rc;
	}
	return svc_json_dump(o, out);
}

enum tk_err support_public_get(struct svc_ctx *c, const char *ref, const char *token, char **out)
{
	struct ticket_row t;
	json_t *o = NULL;
	enum tk_err rc;

	if ((rc = ticket_by_token(c, ref, token, &t)) != TK_OK || (rc = ticket_json(c, t.id, VIEW_PUBLIC, &o)) != TK_OK)
		return rc;
	return svc_json_dump(o, out);
}

static int status_known(const char *s)
{
	return strcmp(s, "open") == 0 || strcmp(s, "answered") == 0 || strcmp(s, "resolved") == 0 || strcmp(s, "closed") == 0;
}

enum tk_err support_list(struct svc_ctx *c, const char *status, char **out)
{
	struct store_stmt *s = NULL;
	json_t *arr;
	int all = support_sees_all(c), row = 0, i = 1;
	enum tk_err rc;

	if (c->actor.kind == ACTOR_ANONYMOUS)
		return tk_fail_code(TK_ERR_DENIED, "forbidden", "log in to list tickets");
	if (status != NULL && status[0] != '\0' && !status_known(status))
		return tk_fail_code(TK_ERR_INVALID, "invalid_status", "status must be open, answered, resolved or closed");
	if (status != NULL && status[0] == '\0')
		status = NULL;
	if ((arr = json_array()) == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	{
		char sql[512];
		if ((rc = str_fmt(sql, sizeof(sql), "SELECT " TICKET_COLS ", (SELECT COUNT(*) FROM ticket_messages m WHERE m.ticket_id = t.id)"
						    " FROM tickets t WHERE %s%s ORDER BY created_at DESC, id DESC LIMIT %u",
			 all ? "1 = 1" : "channel = ? AND opened_by = ?", status != NULL ? " AND status = ?" : "", SUPPORT_MAX_LIST)) != TK_OK ||
		    (rc = store_prepare(c->st, sql, &s)) != TK_OK)
			goto out;
	}
	if (!all && ((rc = store_bind_text(s, i++, c->actor.kind == ACTOR_APPLICATION ? "api" : "staff")) != TK_OK ||
			(rc = store_bind_text(s, i++, c->actor.user)) != TK_OK))
		goto out;
	if (status != NULL && (rc = store_bind_text(s, i++, status)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		json_t *o = row_json(s, all ? VIEW_ALL : VIEW_STAFF);
		if (o == NULL || json_object_set_new(o, "messages", json_integer(store_col_i64(s, 18))) != 0 || json_array_append_new(arr, o) != 0) {
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

enum tk_err support_file(struct svc_ctx *c, int64_t id, int64_t file_id, struct buf *out, char **name, char **mime)
{
	struct store_stmt *s = NULL;
	struct ticket_row t;
	int row = 0;
	enum tk_err rc;

	*name = *mime = NULL;
	if ((rc = ticket_visible(c, id, &t)) != TK_OK)
		return rc;
	if ((rc = store_prepare(c->st, "SELECT filename, mime, data FROM ticket_files WHERE id = ? AND ticket_id = ?", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, file_id)) != TK_OK || (rc = store_bind_i64(s, 2, id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_file", "ticket %s has no file %lld", t.ref, (long long)file_id);
		goto out;
	}
	{
		size_t len = 0;
		const uint8_t *p = store_col_blob(s, 2, &len);
		if ((rc = buf_append(out, p, len)) != TK_OK)
			goto out;
	}
	*name = strdup(store_col_text(s, 0));
	*mime = strdup(store_col_text(s, 1));
	if (*name == NULL || *mime == NULL) {
		free(*name);
		free(*mime);
		*name = *mime = NULL;
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
	}
out:
	store_finalize(s);
	return rc;
}

/* ------------------------------------------------------------ notices */

/* The e-mail of the opener, when one is known: the public reporter's contact, a subscriber's address. */
static enum tk_err opener_email(struct svc_ctx *c, int64_t id, char out[SUPPORT_MAX_CONTACT + 1])
{
	struct store_stmt *s = NULL;
	struct buf plain;
	int row = 0;
	enum tk_err rc;

	out[0] = '\0';
	buf_init_secret(&plain, 1024);
	if ((rc = store_prepare(c->st, "SELECT t.reporter_contact, s.email FROM tickets t LEFT JOIN users u ON t.channel = 'staff' AND"
				       " u.username = t.opened_by LEFT JOIN subscribers s ON s.user_id = u.id AND s.status = 'active' WHERE t.id = ?",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK || !row)
		goto out;
	{
		int col = !store_col_null(s, 0) ? 0 : !store_col_null(s, 1) ? 1
									    : -1;
		size_t blen = 0;
		const uint8_t *b;
		const char *txt = NULL;
		if (col < 0)
			goto out;
		b = store_col_blob(s, col, &blen);
		if ((rc = pii_open(c->inst, col == 0 ? "ticket_contact" : "email", b, blen, &plain)) != TK_OK || (rc = buf_cstr(&plain, &txt)) != TK_OK)
			goto out;
		if (notify_email_ok(txt) && strlen(txt) <= SUPPORT_MAX_CONTACT)
			rc = str_copy(out, SUPPORT_MAX_CONTACT + 1, txt);
	}
out:
	store_finalize(s);
	buf_free(&plain);
	return rc;
}

/* Tells the opener (when an e-mail is known) what happened to their ticket; no token, no message text. */
static enum tk_err notify_opener(struct svc_ctx *c, const struct ticket_row *t, const char *what_id, const char *what_en)
{
	/* The body holds the subject (<= SUPPORT_MAX_SUBJECT) and the base URL (< 256) twice each, plus ~400 bytes of text. */
	char to[SUPPORT_MAX_CONTACT + 1], subject[160], body[2 * SUPPORT_MAX_SUBJECT + 2 * 256 + 1024];
	enum tk_err rc;

	if ((rc = opener_email(c, t->id, to)) != TK_OK || to[0] == '\0')
		return rc;
	if ((rc = str_fmt(subject, sizeof(subject), "[teken] Tiket %s: %s / Ticket %s: %s", t->ref, what_id, t->ref, what_en)) != TK_OK ||
	    (rc = str_fmt(body, sizeof(body),
		 "Tiket dukungan teknis %s (%s): %s.\nBaca balasannya di %s/verify (tindak lanjut tiket: nomor tiket dan token Anda) atau di aplikasi teken.\n\n"
		 "Technical-support ticket %s (%s): %s.\nRead the reply at %s/verify (ticket follow-up: your ticket number and token) or in the teken app.\n",
		 t->ref, t->subject, what_id, instance_base_url(c->inst), t->ref, t->subject, what_en, instance_base_url(c->inst))) != TK_OK)
		return rc;
	return notify_queue(c, to, subject, body);
}

/*
 * Tells the issuer's support contact ([support] issuer_email, else PIHAK
 * II's contact e-mail in the agreement register, else [agreement]
 * issuer_email: svc/agreement) of a new ticket.
 */
static enum tk_err notify_issuer(struct svc_ctx *c, const char *ref, const char *category, const char *subject)
{
	const struct config *cfg = instance_config(c->inst);
	const char *to = config_get(cfg, "support", "issuer_email");
	char subj[160], body[2 * SUPPORT_MAX_SUBJECT + 2 * 256 + 1024]; /* as in notify_opener */
	struct agreement_info ai;
	enum tk_err rc;

	if (to == NULL || to[0] == '\0') {
		if ((rc = agreement_current(c, &ai)) != TK_OK)
			return rc;
		to = ai.issuer_email;
	}
	if (to == NULL || !notify_email_ok(to))
		return TK_OK;
	if ((rc = str_fmt(subj, sizeof(subj), "[teken] Tiket baru %s / New ticket %s", ref, ref)) != TK_OK ||
	    (rc = str_fmt(body, sizeof(body),
		 "Tiket dukungan teknis baru %s (kategori %s): %s.\nTanggapi di %s/app (menu Tiket).\n\n"
		 "New technical-support ticket %s (category %s): %s.\nAnswer it at %s/app (Tickets).\n",
		 ref, category, subject, instance_base_url(c->inst), ref, category, subject, instance_base_url(c->inst))) != TK_OK)
		return rc;
	return notify_queue(c, to, subj, body);
}

/* ------------------------------------------------------------ opening */

struct open_arg {
	const struct support_open_in *in;
	const char *channel, *unit, *application, *document_id, *cert_serial;
	char docid[64]; /* the registry id the verification found */
	char *report;   /* JSON text of the evidence, or NULL */
	char file_sha256[65];
	char file_name[VERIFY_SVC_MAX_FILE_NAME + 1];
	char token_hash[65]; /* public channel */
	char ref[SUPPORT_REF_LEN + 1];
	int64_t id;
	int public; /* opened on the public page: the reporter's name and contact, a token */
};

/* "TKT-YYYY-XXXXXX": the WIB year and six characters of Crockford base32 (no I, L, O, U). */
static enum tk_err make_ref(char out[SUPPORT_REF_LEN + 1])
{
	static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
	time_t wib = (time_t)(tk_now() + 7 * 3600);
	struct tm tm;
	uint8_t r[6];
	char tail[7];
	size_t i;
	enum tk_err rc;

	if ((rc = rand_bytes(r, sizeof(r))) != TK_OK)
		return rc;
	for (i = 0; i < 6; i++)
		tail[i] = alphabet[r[i] & 31];
	tail[6] = '\0';
	if (gmtime_r(&wib, &tm) == NULL)
		return tk_fail(TK_ERR_INTERNAL, "support: clock out of range");
	return str_fmt(out, SUPPORT_REF_LEN + 1, "TKT-%04d-%s", tm.tm_year + 1900, tail);
}

static enum tk_err add_message(struct svc_ctx *c, int64_t id, const char *author, const char *side, const char *body, int64_t at)
{
	struct store_stmt *s = NULL;
	int64_t n = 0;
	char idtxt[24];
	int row;
	enum tk_err rc;

	if ((rc = str_fmt(idtxt, sizeof(idtxt), "%lld", (long long)id)) != TK_OK ||
	    (rc = store_query_i64(c->st, "SELECT COUNT(*) FROM ticket_messages WHERE ticket_id = CAST(? AS INTEGER)", idtxt, &n)) != TK_OK)
		return rc;
	if (n >= SUPPORT_MAX_MESSAGES)
		return tk_fail_code(TK_ERR_LIMIT, "too_many_messages", "a ticket holds at most %u messages; open a new one", SUPPORT_MAX_MESSAGES);
	if ((rc = store_prepare(c->st, "INSERT INTO ticket_messages (ticket_id, author, side, body, at) VALUES (?, ?, ?, ?, ?)", &s)) == TK_OK &&
	    (rc = store_bind_i64(s, 1, id)) == TK_OK && (rc = store_bind_text(s, 2, author)) == TK_OK && (rc = store_bind_text(s, 3, side)) == TK_OK &&
	    (rc = store_bind_text(s, 4, body)) == TK_OK && (rc = store_bind_i64(s, 5, at)) == TK_OK)
		rc = store_step(s, &row);
	store_finalize(s);
	return rc;
}

static enum tk_err open_tx(struct svc_ctx *c, void *arg)
{
	struct open_arg *a = arg;
	const struct support_open_in *in = a->in;
	struct store_stmt *s = NULL;
	struct buf sealed;
	int64_t now = tk_now(), taken = 1;
	int row = 0, tries;
	const char *author;
	enum tk_err rc = TK_OK;

	buf_init(&sealed, 4096);
	for (tries = 0; tries < 4 && taken; tries++)
		if ((rc = make_ref(a->ref)) != TK_OK || (rc = store_query_i64(c->st, "SELECT COUNT(*) FROM tickets WHERE ref = ?", a->ref, &taken)) != TK_OK)
			goto out;
	if (taken) {
		rc = tk_fail(TK_ERR_INTERNAL, "support: no free ticket number");
		goto out;
	}
	if (a->public && in->reporter_contact != NULL && in->reporter_contact[0] != '\0' &&
	    (rc = pii_seal(c->inst, "ticket_contact", in->reporter_contact, &sealed)) != TK_OK)
		goto out;
	author = a->public ? in->reporter_name : c->actor.user;
	if ((rc = store_prepare(c->st, "INSERT INTO tickets (ref, channel, category, subject, status, opened_by, reporter_name, reporter_contact,"
				       " access_hash, unit, application, document_id, cert_serial, verification_report, created_at, updated_at)"
				       " VALUES (?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
		 &s)) != TK_OK ||
	    (rc = store_bind_text(s, 1, a->ref)) != TK_OK || (rc = store_bind_text(s, 2, a->channel)) != TK_OK ||
	    (rc = store_bind_text(s, 3, in->category)) != TK_OK || (rc = store_bind_text(s, 4, in->subject)) != TK_OK ||
	    (rc = store_bind_text(s, 5, c->actor.kind == ACTOR_ANONYMOUS ? "anonymous" : c->actor.user)) != TK_OK ||
	    (rc = a->public ? store_bind_text(s, 6, in->reporter_name) : store_bind_null(s, 6)) != TK_OK ||
	    (rc = sealed.len > 0 ? store_bind_blob(s, 7, sealed.p, sealed.len) : store_bind_null(s, 7)) != TK_OK ||
	    (rc = a->token_hash[0] ? store_bind_text(s, 8, a->token_hash) : store_bind_null(s, 8)) != TK_OK ||
	    (rc = store_bind_text(s, 9, a->unit)) != TK_OK || (rc = store_bind_text(s, 10, a->application)) != TK_OK ||
	    (rc = a->document_id ? store_bind_text(s, 11, a->document_id) : store_bind_null(s, 11)) != TK_OK ||
	    (rc = a->cert_serial ? store_bind_text(s, 12, a->cert_serial) : store_bind_null(s, 12)) != TK_OK ||
	    (rc = a->report ? store_bind_text(s, 13, a->report) : store_bind_null(s, 13)) != TK_OK || (rc = store_bind_i64(s, 14, now)) != TK_OK ||
	    (rc = store_bind_i64(s, 15, now)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail(TK_ERR_STORE, "support: insert returned no id");
		goto out;
	}
	a->id = store_col_i64(s, 0);
	store_finalize(s);
	s = NULL;
	if ((rc = add_message(c, a->id, author, a->public ? "public" : side_of(c), in->body, now)) != TK_OK)
		goto out;
	/* Anonymous callers do not get to fill the store: past SUPPORT_PUBLIC_KEEP
	 * the verification report and the file's SHA-256 are the evidence. */
	if (in->file != NULL && (!a->public || in->file_len <= SUPPORT_PUBLIC_KEEP)) {
		int r2;
		if ((rc = store_prepare(c->st, "INSERT INTO ticket_files (ticket_id, filename, mime, size, sha256, data, added_by, at)"
					       " VALUES (?, ?, 'application/pdf', ?, ?, ?, ?, ?)",
			 &s)) != TK_OK ||
		    (rc = store_bind_i64(s, 1, a->id)) != TK_OK || (rc = store_bind_text(s, 2, a->file_name)) != TK_OK ||
		    (rc = store_bind_i64(s, 3, (int64_t)in->file_len)) != TK_OK || (rc = store_bind_text(s, 4, a->file_sha256)) != TK_OK ||
		    (rc = store_bind_blob(s, 5, in->file, in->file_len)) != TK_OK || (rc = store_bind_text(s, 6, author)) != TK_OK ||
		    (rc = store_bind_i64(s, 7, now)) != TK_OK || (rc = store_step(s, &r2)) != TK_OK)
			goto out;
	}
	/* The reporter's name and contact and the message stay out of the audit log (personal data, free text). */
	if ((rc = audit_ticket(c, "ticket.open", a->ref,
		 json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:s?, s:b, s:b}", "channel", a->channel, "category", in->category, "unit", a->unit,
		     "document_id", a->document_id, "cert_serial", a->cert_serial, "file_sha256", a->file_sha256[0] ? a->file_sha256 : NULL,
		     "verification_report", a->report != NULL, "file_kept", in->file != NULL && (!a->public || in->file_len <= SUPPORT_PUBLIC_KEEP)))) != TK_OK)
		goto out;
	rc = notify_issuer(c, a->ref, in->category, in->subject);
out:
	store_finalize(s);
	buf_free(&sealed);
	return rc;
}

static int category_known(const char *s)
{
	return strcmp(s, "authenticity") == 0 || strcmp(s, "integrity") == 0 || strcmp(s, "non_repudiation") == 0 || strcmp(s, "other") == 0;
}

/* The ticket's unit: an application's (one of its key's units), a subscriber's own; "" for others. */
static enum tk_err unit_of_caller(struct svc_ctx *c, const char *given, char out[256])
{
	out[0] = '\0';
	if (c->actor.kind == ACTOR_APPLICATION) {
		if (given != NULL && given[0] != '\0') {
			if (!actor_may_act_for_unit(&c->actor, given))
				return tk_fail_code(TK_ERR_DENIED, "unit_not_permitted", "this API key does not act for unit %s", given);
			return str_copy(out, 256, given);
		}
		if (strcmp(c->actor.units, ACTOR_ALL_UNITS) == 0 || strchr(c->actor.units, ',') != NULL || c->actor.units[0] == '\0')
			return tk_fail_code(TK_ERR_INVALID, "unit_required", "this API key acts for several units: name the ticket's unit");
		return str_copy(out, 256, c->actor.units);
	}
	if (given != NULL && given[0] != '\0')
		return tk_fail_code(TK_ERR_INVALID, "invalid_field", "unit is for applications; a person's ticket carries their own unit");
	if (c->actor.kind == ACTOR_PERSON && strcmp(c->actor.role, "subscriber") == 0) {
		struct store_stmt *s = NULL;
		int row = 0;
		enum tk_err rc;
		if ((rc = store_prepare(c->st, "SELECT unit FROM subscribers WHERE user_id = ?", &s)) == TK_OK &&
		    (rc = store_bind_i64(s, 1, c->actor.id)) == TK_OK && (rc = store_step(s, &row)) == TK_OK && row)
			rc = str_copy(out, 256, store_col_text(s, 0));
		store_finalize(s);
		return rc;
	}
	return TK_OK;
}

/* A certificate serial of this instance (hex, as the registry writes it). */
static enum tk_err check_serial(struct svc_ctx *c, const char *serial)
{
	int64_t n = 0;
	enum tk_err rc;
	size_t i, len = strlen(serial);

	if (len == 0 || len > 64)
		return tk_fail_code(TK_ERR_INVALID, "invalid_serial", "cert_serial must be a certificate serial number in hex");
	for (i = 0; i < len; i++)
		if (!((serial[i] >= '0' && serial[i] <= '9') || (serial[i] >= 'a' && serial[i] <= 'f') || (serial[i] >= 'A' && serial[i] <= 'F')))
			return tk_fail_code(TK_ERR_INVALID, "invalid_serial", "cert_serial must be a certificate serial number in hex");
	if ((rc = store_query_i64(c->st, "SELECT COUNT(*) FROM certs WHERE serial = ?", serial, &n)) != TK_OK)
		return rc;
	return n > 0 ? TK_OK : tk_fail_code(TK_ERR_NOT_FOUND, "unknown_certificate", "no certificate %s was issued by this instance", serial);
}

/*
 * The evidence: the file's verification report (the registry record inside
 * when this instance signed it), or an error entry when it could not be
 * verified at all; for a document id alone, {"registry": record}.
 */
static enum tk_err evidence(struct svc_ctx *c, struct open_arg *a, char unit_from_doc[256])
{
	const struct support_open_in *in = a->in;
	json_t *j = NULL;
	enum tk_err rc = TK_OK;

	unit_from_doc[0] = '\0';
	if (in->file != NULL && a->document_id != NULL) {
		/* A document id given with the file must name a registry document too. */
		json_t *rec = NULL;
		if ((rc = verify_svc_document(c, a->document_id, &rec)) != TK_OK)
			return rc == TK_ERR_NOT_FOUND ? tk_fail_code(TK_ERR_NOT_FOUND, "unknown_document", "no document %s in the registry", a->document_id) : rc;
		json_decref(rec);
	}
	if (in->file != NULL) {
		struct verify_trust *t = NULL;
		struct verify_report *r = NULL;
		struct verify_svc_in vin;

		memset(&vin, 0, sizeof(vin));
		vin.data = in->file;
		vin.len = in->file_len;
		verify_svc_file_name(in->file_name, a->file_name);
		sha256_hex(in->file, in->file_len, a->file_sha256);
		if ((rc = verify_svc_trust(c, NULL, 0, NULL, 0, &t)) == TK_OK && (rc = verify_svc_run(c, t, &vin, &r)) == TK_OK)
			rc = verify_svc_json(c, r, a->file_name, &j);
		verify_report_free(r);
		verify_trust_free(t);
		if (rc == TK_ERR_NOMEM || rc == TK_ERR_STORE)
			return rc;
		if (rc != TK_OK) {
			/* A file that cannot be verified is itself what the ticket is about: keep why. */
			j = verify_svc_error_item(a->file_name, tk_last_error());
			tk_clear_error();
			rc = j != NULL ? TK_OK : tk_fail(TK_ERR_NOMEM, "out of memory");
		}
		if (rc == TK_OK) {
			json_t *reg = json_object_get(j, "registry");
			if (json_is_object(reg) && json_is_string(json_object_get(reg, "id")) && a->document_id == NULL &&
			    (rc = str_copy(a->docid, sizeof(a->docid), json_string_value(json_object_get(reg, "id")))) == TK_OK)
				a->document_id = a->docid;
			if (rc == TK_OK && json_is_object(reg) && json_is_string(json_object_get(reg, "unit")))
				rc = str_copy(unit_from_doc, 256, json_string_value(json_object_get(reg, "unit")));
		}
	} else if (a->document_id != NULL) {
		json_t *rec = NULL;
		if ((rc = verify_svc_document(c, a->document_id, &rec)) != TK_OK) {
			if (rc == TK_ERR_NOT_FOUND)
				return tk_fail_code(TK_ERR_NOT_FOUND, "unknown_document", "no document %s in the registry", a->document_id);
			return rc;
		}
		if (json_is_string(json_object_get(rec, "unit")))
			rc = str_copy(unit_from_doc, 256, json_string_value(json_object_get(rec, "unit")));
		if ((j = json_pack("{s:o}", "registry", rec)) == NULL)
			rc = tk_fail(TK_ERR_NOMEM, "out of memory");
	}
	if (rc == TK_OK && j != NULL && (a->report = json_dumps(j, JSON_COMPACT)) == NULL)
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
	json_decref(j);
	return rc;
}

enum tk_err support_open(struct svc_ctx *c, const struct support_open_in *in, int public_page, char **out)
{
	struct open_arg a;
	char unit[256], doc_unit[256], token[2 * SUPPORT_TOKEN_BYTES + 1];
	uint8_t raw[SUPPORT_TOKEN_BYTES];
	json_t *o = NULL;
	int public = public_page != 0;
	enum tk_err rc;

	memset(&a, 0, sizeof(a));
	a.in = in;
	a.public = public;
	token[0] = '\0';
	if (!public && c->actor.kind == ACTOR_ANONYMOUS)
		return tk_fail_code(TK_ERR_DENIED, "forbidden", "log in, or report a problem from the public verify page");
	if (!public && c->actor.kind == ACTOR_PERSON && strcmp(c->actor.role, "auditor") == 0)
		return tk_fail_code(TK_ERR_DENIED, "forbidden", "tickets are opened by the ministry's staff, applications and the public; the issuer answers them");
	if (!public && c->actor.kind == ACTOR_PERSON && strcmp(c->actor.role, "admin") != 0 && strcmp(c->actor.role, "verifikator") != 0 &&
	    strcmp(c->actor.role, "subscriber") != 0)
		return tk_fail_code(TK_ERR_DENIED, "forbidden", "your role does not open tickets");
	if ((rc = svc_check_text(in->category, "category", 1, 32, 0)) != TK_OK)
		return rc;
	if (!category_known(in->category))
		return tk_fail_code(TK_ERR_INVALID, "invalid_category", "category must be authenticity, integrity, non_repudiation or other");
	if ((rc = svc_check_text(in->subject, "subject", 1, SUPPORT_MAX_SUBJECT, 0)) != TK_OK ||
	    (rc = svc_check_text(in->body, "body", 1, SUPPORT_MAX_TEXT, 1)) != TK_OK ||
	    (rc = svc_check_text(in->document_id, "document_id", 0, 64, 0)) != TK_OK ||
	    (rc = svc_check_text(in->cert_serial, "cert_serial", 0, 64, 0)) != TK_OK ||
	    (rc = svc_check_text(in->reporter_name, "name", public, SUPPORT_MAX_NAME, 0)) != TK_OK ||
	    (rc = svc_check_text(in->reporter_contact, "contact", public, SUPPORT_MAX_CONTACT, 0)) != TK_OK)
		return rc;
	if (in->file != NULL && (in->file_len == 0 || in->file_len > SUPPORT_MAX_FILE))
		return tk_fail_code(TK_ERR_LIMIT, "file_too_large", "the document must be 1 byte to %u bytes", SUPPORT_MAX_FILE);
	if (in->file == NULL && (in->document_id == NULL || in->document_id[0] == '\0') && (in->cert_serial == NULL || in->cert_serial[0] == '\0') &&
	    public)
		return tk_fail_code(TK_ERR_INVALID, "missing_subject_matter",
		    "attach the document that does not verify, or give its registry id or the certificate's serial");
	if (in->cert_serial != NULL && in->cert_serial[0] != '\0' && (rc = check_serial(c, in->cert_serial)) != TK_OK)
		return rc;
	if (public)
		unit[0] = '\0'; /* from the document, below */
	else if ((rc = unit_of_caller(c, in->unit, unit)) != TK_OK)
		return rc;
	a.channel = public ? "public" : c->actor.kind == ACTOR_APPLICATION ? "api"
									   : "staff";
	a.application = !public && c->actor.kind == ACTOR_APPLICATION ? c->actor.user : "";
	a.document_id = in->document_id != NULL && in->document_id[0] != '\0' ? in->document_id : NULL;
	a.cert_serial = in->cert_serial != NULL && in->cert_serial[0] != '\0' ? in->cert_serial : NULL;
	/* Verification outside the write transaction: it may take the [verify] time budget. */
	if ((rc = evidence(c, &a, doc_unit)) != TK_OK)
		goto out;
	/* A public ticket about a document of this instance belongs to the document's unit. */
	if (unit[0] == '\0' && public && (rc = str_copy(unit, sizeof(unit), doc_unit)) != TK_OK)
		goto out;
	a.unit = unit;
	if (public) {
		if ((rc = rand_bytes(raw, sizeof(raw))) != TK_OK)
			goto out;
		hex_encode(raw, sizeof(raw), token);
		OPENSSL_cleanse(raw, sizeof(raw));
		sha256_hex(token, strlen(token), a.token_hash);
	}
	if ((rc = svc_in_tx(c, open_tx, &a)) != TK_OK)
		goto out;
	if ((rc = ticket_json(c, a.id, public ? VIEW_PUBLIC : VIEW_STAFF, &o)) != TK_OK)
		goto out;
	if (public && json_object_set_new(o, "token", json_string(token)) != 0) {
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
		goto out;
	}
	rc = svc_json_dump(o, out);
	o = NULL;
out:
	OPENSSL_cleanse(token, sizeof(token));
	json_decref(o);
	free(a.report);
	return rc;
}

/* ------------------------------------------------------------ replies and decisions */

struct change_arg {
	struct ticket_row *t;
	const char *body;     /* message, or NULL */
	const char *assignee; /* assign */
	const char *author;   /* message author */
	const char *side;
	enum { CH_REPLY,
		CH_ASSIGN,
		CH_RESOLVE,
		CH_CLOSE } kind;
	int opener; /* the caller opened the ticket */
};

static enum tk_err set_status(struct svc_ctx *c, int64_t id, const char *status, int first_answer, int resolved, int clear_resolved, int64_t now)
{
	struct store_stmt *s = NULL;
	int row;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "UPDATE tickets SET status = ?, updated_at = ?,"
				       " first_answer_at = CASE WHEN ? = 1 AND first_answer_at IS NULL THEN ? ELSE first_answer_at END,"
				       " resolved_at = CASE WHEN ? = 1 THEN ? WHEN ? = 1 THEN NULL ELSE resolved_at END WHERE id = ?",
		 &s)) == TK_OK &&
	    (rc = store_bind_text(s, 1, status)) == TK_OK && (rc = store_bind_i64(s, 2, now)) == TK_OK &&
	    (rc = store_bind_i64(s, 3, first_answer)) == TK_OK && (rc = store_bind_i64(s, 4, now)) == TK_OK &&
	    (rc = store_bind_i64(s, 5, resolved)) == TK_OK && (rc = store_bind_i64(s, 6, now)) == TK_OK &&
	    (rc = store_bind_i64(s, 7, clear_resolved)) == TK_OK && (rc = store_bind_i64(s, 8, id)) == TK_OK)
		rc = store_step(s, &row);
	store_finalize(s);
	return rc;
}

static enum tk_err change_tx(struct svc_ctx *c, void *arg)
{
	struct change_arg *a = arg;
	struct ticket_row *t = a->t;
	int64_t now = tk_now();
	const char *from;
	char status[16];
	enum tk_err rc;

	/* Re-read inside the transaction: the status decides. */
	if ((rc = ticket_load(c, t->id, NULL, t)) != TK_OK)
		return rc;
	from = t->status;
	if ((rc = str_copy(status, sizeof(status), t->status)) != TK_OK)
		return rc;
	if (strcmp(t->status, "closed") == 0)
		return tk_fail_code(TK_ERR_CONFLICT, "ticket_closed", "ticket %s is closed; open a new one", t->ref);
	switch (a->kind) {
	case CH_REPLY: {
		int issuer = strcmp(a->side, "issuer") == 0, reopen = a->opener && strcmp(t->status, "resolved") == 0;
		if ((rc = add_message(c, t->id, a->author, a->side, a->body, now)) != TK_OK)
			return rc;
		if (issuer && strcmp(t->status, "open") == 0)
			rc = set_status(c, t->id, "answered", 1, 0, 0, now);
		else if (reopen)
			rc = set_status(c, t->id, "open", 0, 0, 1, now);
		else
			rc = set_status(c, t->id, t->status, issuer, 0, 0, now);
		if (rc != TK_OK)
			return rc;
		if ((rc = audit_ticket(c, reopen ? "ticket.reopen" : "ticket.reply", t->ref,
			 json_pack("{s:s, s:s, s:s, s:I}", "side", a->side, "from", status, "to",
			     issuer && strcmp(status, "open") == 0 ? "answered" : reopen ? "open"
											 : status,
			     "bytes", (json_int_t)strlen(a->body)))) != TK_OK)
			return rc;
		if (issuer)
			rc = notify_opener(c, t, "ada balasan dari BSSN/BSrE", "BSSN/BSrE replied");
		return rc;
	}
	case CH_ASSIGN: {
		struct store_stmt *s = NULL;
		int64_t n = 0;
		int row;
		if ((rc = store_query_i64(c->st, "SELECT COUNT(*) FROM users WHERE username = ? AND role = 'auditor' AND active = 1", a->assignee, &n)) != TK_OK)
			return rc;
		if (n == 0)
			return tk_fail_code(TK_ERR_INVALID, "invalid_assignee", "%s is not an active auditor (the issuer's side answers tickets)", a->assignee);
		if ((rc = store_prepare(c->st, "UPDATE tickets SET assignee = ?, updated_at = ? WHERE id = ?", &s)) == TK_OK &&
		    (rc = store_bind_text(s, 1, a->assignee)) == TK_OK && (rc = store_bind_i64(s, 2, now)) == TK_OK &&
		    (rc = store_bind_i64(s, 3, t->id)) == TK_OK)
			rc = store_step(s, &row);
		store_finalize(s);
		if (rc != TK_OK)
			return rc;
		return audit_ticket(c, "ticket.assign", t->ref, json_pack("{s:s}", "assignee", a->assignee));
	}
	case CH_RESOLVE:
		if (strcmp(t->status, "resolved") == 0)
			return tk_fail_code(TK_ERR_CONFLICT, "ticket_state", "ticket %s is resolved already", t->ref);
		if ((rc = add_message(c, t->id, a->author, a->side, a->body, now)) != TK_OK ||
		    (rc = set_status(c, t->id, "resolved", 1, 1, 0, now)) != TK_OK ||
		    (rc = audit_ticket(c, "ticket.resolve", t->ref, json_pack("{s:s, s:I}", "from", status, "bytes", (json_int_t)strlen(a->body)))) != TK_OK)
			return rc;
		return notify_opener(c, t, "diselesaikan", "resolved");
	case CH_CLOSE:
		if (strcmp(t->status, "resolved") != 0)
			return tk_fail_code(TK_ERR_CONFLICT, "ticket_state", "ticket %s is %s: only a resolved ticket is closed", t->ref, from);
		if ((rc = set_status(c, t->id, "closed", 0, 0, 0, now)) != TK_OK)
			return rc;
		return audit_ticket(c, "ticket.close", t->ref, json_pack("{s:s}", "from", status));
	}
	return tk_fail(TK_ERR_INTERNAL, "support: unknown change");
}

enum tk_err support_reply(struct svc_ctx *c, int64_t id, const char *body, char **out)
{
	struct ticket_row t;
	struct change_arg a;
	enum tk_err rc;

	if ((rc = svc_check_text(body, "body", 1, SUPPORT_MAX_TEXT, 1)) != TK_OK || (rc = ticket_visible(c, id, &t)) != TK_OK)
		return rc;
	memset(&a, 0, sizeof(a));
	a.t = &t;
	a.kind = CH_REPLY;
	a.body = body;
	a.author = c->actor.user;
	a.side = side_of(c);
	a.opener = is_opener(c, &t);
	/* A Verifikator or subscriber reaches only their own tickets (ticket_visible); admins answer for the ministry. */
	if ((rc = svc_in_tx(c, change_tx, &a)) != TK_OK)
		return rc;
	return support_get(c, id, out);
}

enum tk_err support_public_reply(struct svc_ctx *c, const char *ref, const char *token, const char *body, char **out)
{
	struct ticket_row t;
	struct change_arg a;
	enum tk_err rc;

	if ((rc = svc_check_text(body, "body", 1, SUPPORT_MAX_TEXT, 1)) != TK_OK || (rc = ticket_by_token(c, ref, token, &t)) != TK_OK)
		return rc;
	memset(&a, 0, sizeof(a));
	a.t = &t;
	a.kind = CH_REPLY;
	a.body = body;
	a.side = "public";
	a.opener = 1;
	{
		/* The reporter's own name, as they gave it, is the author of their messages. */
		char name[SUPPORT_MAX_NAME + 1] = "";
		struct store_stmt *s = NULL;
		int row = 0;
		if ((rc = store_prepare(c->st, "SELECT COALESCE(reporter_name, '') FROM tickets WHERE id = ?", &s)) == TK_OK &&
		    (rc = store_bind_i64(s, 1, t.id)) == TK_OK && (rc = store_step(s, &row)) == TK_OK && row)
			rc = str_copy(name, sizeof(name), store_col_text(s, 0));
		store_finalize(s);
		if (rc != TK_OK)
			return rc;
		a.author = name[0] ? name : "anonymous";
		if ((rc = svc_in_tx(c, change_tx, &a)) != TK_OK)
			return rc;
	}
	return support_public_get(c, ref, token, out);
}

enum tk_err support_assign(struct svc_ctx *c, int64_t id, const char *assignee, char **out)
{
	struct ticket_row t;
	struct change_arg a;
	enum tk_err rc;

	if (!support_is_issuer(c))
		return tk_fail_code(TK_ERR_DENIED, "forbidden", "tickets are assigned on the issuer's side (auditors)");
	if (assignee == NULL || assignee[0] == '\0')
		assignee = c->actor.user;
	if ((rc = svc_check_text(assignee, "assignee", 1, 63, 0)) != TK_OK || (rc = ticket_visible(c, id, &t)) != TK_OK)
		return rc;
	memset(&a, 0, sizeof(a));
	a.t = &t;
	a.kind = CH_ASSIGN;
	a.assignee = assignee;
	if ((rc = svc_in_tx(c, change_tx, &a)) != TK_OK)
		return rc;
	return support_get(c, id, out);
}

enum tk_err support_resolve(struct svc_ctx *c, int64_t id, const char *note, char **out)
{
	struct ticket_row t;
	struct change_arg a;
	enum tk_err rc;

	if (!support_is_issuer(c))
		return tk_fail_code(TK_ERR_DENIED, "forbidden", "tickets are resolved by the issuer's side (auditors)");
	if ((rc = svc_check_text(note, "note", 1, SUPPORT_MAX_TEXT, 1)) != TK_OK || (rc = ticket_visible(c, id, &t)) != TK_OK)
		return rc;
	memset(&a, 0, sizeof(a));
	a.t = &t;
	a.kind = CH_RESOLVE;
	a.body = note;
	a.author = c->actor.user;
	a.side = "issuer";
	if ((rc = svc_in_tx(c, change_tx, &a)) != TK_OK)
		return rc;
	return support_get(c, id, out);
}

enum tk_err support_close(struct svc_ctx *c, int64_t id, char **out)
{
	struct ticket_row t;
	struct change_arg a;
	enum tk_err rc;

	if ((rc = ticket_visible(c, id, &t)) != TK_OK)
		return rc;
	memset(&a, 0, sizeof(a));
	a.t = &t;
	a.kind = CH_CLOSE;
	if ((rc = svc_in_tx(c, change_tx, &a)) != TK_OK)
		return rc;
	return support_get(c, id, out);
}

/*
 * The submission record of the usage report (R7, PKS art. 4(1)g): a year's
 * report is frozen as a version (JSON and sealed PDF kept with their
 * SHA-256), approved by a second admin, sent to the issuer's contact
 * through the outbox or recorded as delivered by hand, and acknowledged
 * by the issuer (an auditor). The year's obligation is met once a version
 * went out by the due date.
 */
#include "svc/agreement/agreement.h"
#include "svc/audit/audit.h"
#include "svc/base/base.h"
#include "svc/notify/notify.h"
#include "svc/report/report.h"
#include "svc/report/report_int.h"
#include "svc/base/base_int.h"

#include "config/config.h"
#include "crypto/crypto.h"
#include "log/log.h"
#include "pdfgen/pdfgen.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WIB_OFFSET 25200
#define NOTE_MAX 500

static int is_person(const struct actor *a, const char *role)
{
	return a->kind == ACTOR_PERSON && strcmp(a->role, role) == 0;
}

/* Admins act for the ministry; the operator (CLI) too. */
static enum tk_err need_admin(const struct svc_ctx *c)
{
	if (is_person(&c->actor, "admin") || c->actor.kind == ACTOR_OPERATOR)
		return TK_OK;
	return tk_fail_code(TK_ERR_DENIED, "forbidden", "only an admin of the ministry does this");
}

static enum tk_err need_reader(const struct svc_ctx *c)
{
	if (is_person(&c->actor, "admin") || is_person(&c->actor, "auditor") || c->actor.kind == ACTOR_OPERATOR)
		return TK_OK;
	return tk_fail_code(TK_ERR_DENIED, "forbidden", "usage reports are for admins and auditors");
}

/* The audit object of a version: usage/<year>[/<unit>]/v<n>. */
static enum tk_err version_object(int year, const char *unit, int version, char *out, size_t cap)
{
	return unit ? str_fmt(out, cap, "usage/%d/%s/v%d", year, unit, version) : str_fmt(out, cap, "usage/%d/v%d", year, version);
}

struct freeze_args {
	int year;
	const char *unit;
	const char *json;
	const struct buf *pdf;
	char json_sha[65], pdf_sha[65];
	int version;
};

static enum tk_err freeze_tx(struct svc_ctx *c, void *arg)
{
	struct freeze_args *a = arg;
	struct store_stmt *s = NULL;
	char obj[300], *dtxt = NULL;
	json_t *d = NULL;
	int64_t have = 0;
	int row;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "SELECT COALESCE(MAX(version), 0) FROM usage_reports WHERE year = ? AND unit = ?", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, a->year)) != TK_OK || (rc = store_bind_text(s, 2, a->unit ? a->unit : "")) != TK_OK ||
	    (rc = store_step(s, &row)) != TK_OK)
		goto out;
	have = row ? store_col_i64(s, 0) : 0;
	store_finalize(s);
	s = NULL;
	a->version = (int)have + 1;
	if ((rc = store_prepare(c->st, "INSERT INTO usage_reports (year, version, unit, report_json, json_sha256, pdf, pdf_sha256, status,"
				       " frozen_by, frozen_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'frozen', ?, ?)",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, a->year)) != TK_OK || (rc = store_bind_i64(s, 2, a->version)) != TK_OK ||
	    (rc = store_bind_text(s, 3, a->unit ? a->unit : "")) != TK_OK || (rc = store_bind_text(s, 4, a->json)) != TK_OK ||
	    (rc = store_bind_text(s, 5, a->json_sha)) != TK_OK || (rc = store_bind_blob(s, 6, a->pdf->p, a->pdf->len)) != TK_OK ||
	    (rc = store_bind_text(s, 7, a->pdf_sha)) != TK_OK || (rc = store_bind_text(s, 8, c->actor.user)) != TK_OK ||
	    (rc = store_bind_i64(s, 9, tk_now())) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if ((rc = version_object(a->year, a->unit, a->version, obj, sizeof(obj))) != TK_OK)
		goto out;
	if ((d = json_pack("{s:s, s:s}", "json_sha256", a->json_sha, "pdf_sha256", a->pdf_sha)) == NULL ||
	    (dtxt = json_dumps(d, JSON_COMPACT)) == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "report: out of memory");
		goto out;
	}
	rc = audit_append(c, "report.freeze", obj, dtxt);
out:
	free(dtxt);
	json_decref(d);
	store_finalize(s);
	return rc;
}

enum tk_err report_freeze(struct svc_ctx *c, int year, const char *unit, int *version)
{
	struct freeze_args a;
	json_t *rep = NULL;
	char *txt = NULL;
	struct buf pdf;
	enum tk_err rc;

	*version = 0;
	if ((rc = need_admin(c)) != TK_OK)
		return rc;
	memset(&a, 0, sizeof(a));
	buf_init(&pdf, PDFGEN_MAX_BYTES);
	/* Built and sealed first (the seal has transactions of its own), then recorded in one. */
	if ((rc = report_usage_json(c, year, unit, &rep)) != TK_OK || (rc = report_usage_sealed_pdf(c, rep, &pdf)) != TK_OK)
		goto out;
	if ((txt = json_dumps(rep, JSON_INDENT(2))) == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "report: out of memory");
		goto out;
	}
	a.year = year;
	a.unit = unit;
	a.json = txt;
	a.pdf = &pdf;
	sha256_hex((const uint8_t *)txt, strlen(txt), a.json_sha);
	sha256_hex(pdf.p, pdf.len, a.pdf_sha);
	if ((rc = svc_in_tx(c, freeze_tx, &a)) == TK_OK)
		*version = a.version;
out:
	free(txt);
	json_decref(rep);
	buf_free(&pdf);
	return rc;
}

/* ---------------------------------------------------------------- steps */

enum step { STEP_APPROVE,
	STEP_SEND,
	STEP_ACK };

struct step_args {
	enum step step;
	int year, version, by_hand;
	const char *unit, *note;
};

/* The issuer's contact for reports: PIHAK II's contact e-mail in the register, else [agreement] issuer_email (svc/agreement). */
static enum tk_err issuer_contact(struct svc_ctx *c, struct agreement_info *ai)
{
	return agreement_current(c, ai);
}

/* unit as a query value ("&unit=..." percent-encoded), or "" for the whole ministry. */
static enum tk_err unit_query(const char *unit, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;
	const unsigned char *p;

	out[0] = '\0';
	if (unit == NULL)
		return TK_OK;
	if (cap < 7)
		return tk_fail(TK_ERR_LIMIT, "report: unit name too long for a link");
	memcpy(out, "&unit=", 6);
	n = 6;
	for (p = (const unsigned char *)unit; *p; p++) {
		int plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_';
		if (n + (plain ? 1 : 3) >= cap)
			return tk_fail(TK_ERR_LIMIT, "report: unit name too long for a link");
		if (plain)
			out[n++] = (char)*p;
		else {
			out[n++] = '%';
			out[n++] = hex[*p >> 4];
			out[n++] = hex[*p & 15];
		}
	}
	out[n] = '\0';
	return TK_OK;
}

static enum tk_err queue_to_issuer(struct svc_ctx *c, const struct step_args *a, const char *pdf_sha)
{
	char subject[300], body[3072], uq[700];
	struct agreement_info ai;
	enum tk_err rc;

	if ((rc = unit_query(a->unit, uq, sizeof(uq))) != TK_OK || (rc = issuer_contact(c, &ai)) != TK_OK)
		return rc;

	if ((rc = str_fmt(subject, sizeof(subject), "Laporan penggunaan sertifikat elektronik %d%s%s (versi %d)", a->year, a->unit ? " - " : "",
		 a->unit ? a->unit : "", a->version)) != TK_OK ||
	    (rc = str_fmt(body, sizeof(body),
		 "Yth. %s,\n\n"
		 "Sesuai Perjanjian Kerja Sama pasal 4 ayat (1) huruf g, %s menyampaikan laporan penggunaan sertifikat elektronik "
		 "tahun %d (versi %d).\n\n"
		 "Unduh laporan (PDF bertanda tangan elektronik) setelah masuk sebagai auditor:\n%s/api/v1/reports/usage/%d/versions/%d?format=pdf%s\n"
		 "SHA-256 berkas PDF: %s\n\n"
		 "Mohon konfirmasi penerimaan melalui aplikasi teken (menu Laporan).\n\n"
		 "-- \nThe usage report for %d (version %d) is ready for the issuer; the SHA-256 above identifies the signed PDF.\n",
		 config_get_or(c->inst->cfg, "agreement", "issuer", "BSrE"), config_get_or(c->inst->cfg, "instance", "organization", "Kementerian"),
		 a->year, a->version, c->inst->base_url, a->year, a->version, uq, pdf_sha, a->year,
		 a->version)) != TK_OK)
		return rc;
	return notify_queue(c, ai.issuer_email, subject, body);
}

static enum tk_err step_tx(struct svc_ctx *c, void *arg)
{
	static const char *const need[] = { [STEP_APPROVE] = "frozen", [STEP_SEND] = "approved", [STEP_ACK] = "sent" };
	static const char *const action[] = { [STEP_APPROVE] = "report.approve", [STEP_SEND] = "report.send", [STEP_ACK] = "report.acknowledge" };
	struct step_args *a = arg;
	struct store_stmt *s = NULL;
	char obj[300], pdf_sha[65], frozen_by[64], *dtxt = NULL;
	json_t *d = NULL;
	int row = 0;
	int64_t now = tk_now();
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "SELECT status, frozen_by, pdf_sha256 FROM usage_reports WHERE year = ? AND unit = ? AND version = ?", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, a->year)) != TK_OK || (rc = store_bind_text(s, 2, a->unit ? a->unit : "")) != TK_OK ||
	    (rc = store_bind_i64(s, 3, a->version)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "report_not_found", "no frozen usage report %d version %d", a->year, a->version);
		goto out;
	}
	if (strcmp(store_col_text(s, 0), need[a->step]) != 0) {
		rc = tk_fail_code(TK_ERR_CONFLICT, "report_state", "the report version is %s; this step needs it %s", store_col_text(s, 0), need[a->step]);
		goto out;
	}
	if ((rc = str_copy(frozen_by, sizeof(frozen_by), store_col_text(s, 1))) != TK_OK || (rc = str_copy(pdf_sha, sizeof(pdf_sha), store_col_text(s, 2))) != TK_OK)
		goto out;
	store_finalize(s);
	s = NULL;
	if (a->step == STEP_APPROVE && strcmp(frozen_by, c->actor.user) == 0) {
		rc = tk_fail_code(TK_ERR_DENIED, "four_eyes", "another admin approves the report than the one who froze it");
		goto out;
	}
	if (a->step == STEP_APPROVE)
		rc = store_prepare(c->st, "UPDATE usage_reports SET status = 'approved', approved_by = ?, approved_at = ? WHERE year = ? AND unit = ? AND version = ?", &s);
	else if (a->step == STEP_SEND)
		rc = store_prepare(c->st, "UPDATE usage_reports SET status = 'sent', sent_by = ?, sent_at = ?, sent_via = ?, sent_note = ?"
					  " WHERE year = ? AND unit = ? AND version = ?",
		    &s);
	else
		rc = store_prepare(c->st, "UPDATE usage_reports SET status = 'acknowledged', acknowledged_by = ?, acknowledged_at = ?"
					  " WHERE year = ? AND unit = ? AND version = ?",
		    &s);
	if (rc != TK_OK || (rc = store_bind_text(s, 1, c->actor.user)) != TK_OK || (rc = store_bind_i64(s, 2, now)) != TK_OK)
		goto out;
	{
		int k = 3;
		if (a->step == STEP_SEND &&
		    ((rc = store_bind_text(s, k++, a->by_hand ? "hand" : "outbox")) != TK_OK ||
			(rc = a->note ? store_bind_text(s, k++, a->note) : store_bind_null(s, k++)) != TK_OK))
			goto out;
		if ((rc = store_bind_i64(s, k++, a->year)) != TK_OK || (rc = store_bind_text(s, k++, a->unit ? a->unit : "")) != TK_OK ||
		    (rc = store_bind_i64(s, k, a->version)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
			goto out;
	}
	if (a->step == STEP_SEND && !a->by_hand && (rc = queue_to_issuer(c, a, pdf_sha)) != TK_OK)
		goto out;
	if ((rc = version_object(a->year, a->unit, a->version, obj, sizeof(obj))) != TK_OK)
		goto out;
	if (a->step == STEP_SEND) {
		if ((d = json_pack("{s:s, s:s?}", "via", a->by_hand ? "hand" : "outbox", "note", a->note)) == NULL ||
		    (dtxt = json_dumps(d, JSON_COMPACT)) == NULL) {
			rc = tk_fail(TK_ERR_NOMEM, "report: out of memory");
			goto out;
		}
	}
	rc = audit_append(c, action[a->step], obj, dtxt);
out:
	free(dtxt);
	json_decref(d);
	store_finalize(s);
	return rc;
}

static enum tk_err step_run(struct svc_ctx *c, struct step_args *a)
{
	if (a->version < 1)
		return tk_fail_code(TK_ERR_INVALID, "invalid_field", "version must be a positive number");
	return svc_in_tx(c, step_tx, a);
}

enum tk_err report_approve(struct svc_ctx *c, int year, const char *unit, int version)
{
	struct step_args a = { STEP_APPROVE, year, version, 0, unit, NULL };
	enum tk_err rc = need_admin(c);
	return rc != TK_OK ? rc : step_run(c, &a);
}

enum tk_err report_send(struct svc_ctx *c, int year, const char *unit, int version, int by_hand, const char *note)
{
	struct step_args a = { STEP_SEND, year, version, by_hand, unit, note };
	enum tk_err rc;

	if ((rc = need_admin(c)) != TK_OK)
		return rc;
	if (note != NULL && strlen(note) > NOTE_MAX)
		return tk_fail_code(TK_ERR_INVALID, "invalid_field", "the note is at most %d characters", NOTE_MAX);
	if (by_hand && (note == NULL || note[0] == '\0'))
		return tk_fail_code(TK_ERR_INVALID, "missing_field", "say how the report was delivered by hand (note: letter number, date, to whom)");
	if (!by_hand) {
		struct agreement_info ai;
		if ((rc = issuer_contact(c, &ai)) != TK_OK)
			return rc;
		if (ai.issuer_email[0] == '\0')
			return tk_fail_code(TK_ERR_CONFLICT, "no_issuer_contact",
			    "no issuer contact: record PIHAK II's contact e-mail in the agreement register (or set [agreement] issuer_email in"
			    " teken.conf), or record a delivery by hand");
	}
	return step_run(c, &a);
}

enum tk_err report_acknowledge(struct svc_ctx *c, int year, const char *unit, int version)
{
	struct step_args a = { STEP_ACK, year, version, 0, unit, NULL };

	/* The issuer acknowledges receipt: its auditors, not the ministry. */
	if (!is_person(&c->actor, "auditor"))
		return tk_fail_code(TK_ERR_DENIED, "forbidden", "the issuer's auditor acknowledges receipt");
	return step_run(c, &a);
}

/* ---------------------------------------------------------------- reading */

/* Due date of year's report: [report] usage_due (MM-DD of the next year, WIB end of day), default 01-31. */
static enum tk_err due_of(const struct svc_ctx *c, int year, int64_t *due)
{
	const char *v = config_get_or(c->inst->cfg, "report", "usage_due", "01-31");
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	struct tm tm;
	uint64_t mm = 0, dd = 0;

	if (strlen(v) != 5 || v[2] != '-' || parse_u64(v, 2, 12, &mm) != TK_OK || parse_u64(v + 3, 2, 31, &dd) != TK_OK || mm < 1 || dd < 1 ||
	    (int)dd > days[mm - 1]) {
		tk_clear_error();
		return tk_fail_code(TK_ERR_INVALID, "bad_config", "config [report] usage_due must be MM-DD, e.g. 01-31");
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year + 1 - 1900;
	tm.tm_mon = (int)mm - 1;
	tm.tm_mday = (int)dd + 1; /* the whole due day counts */
	*due = (int64_t)timegm(&tm) - WIB_OFFSET;
	return TK_OK;
}

static json_t *str_or_null(struct store_stmt *s, int col)
{
	return store_col_null(s, col) ? json_null() : json_string(store_col_text(s, col));
}

static json_t *time_or_null(struct store_stmt *s, int col)
{
	char t[32];
	if (store_col_null(s, col))
		return json_null();
	time_iso_utc(store_col_i64(s, col), t);
	return json_string(t);
}

enum tk_err report_submissions(struct svc_ctx *c, int year, const char *unit, json_t **out)
{
	struct store_stmt *s = NULL;
	json_t *j = NULL, *versions = NULL;
	int64_t due = 0, sent_first = 0;
	char due_s[32];
	int row = 0;
	enum tk_err rc;

	*out = NULL;
	if ((rc = need_reader(c)) != TK_OK || (rc = due_of(c, year, &due)) != TK_OK)
		return rc;
	if ((versions = json_array()) == NULL)
		return tk_fail(TK_ERR_NOMEM, "report: out of memory");
	if ((rc = store_prepare(c->st, "SELECT version, status, json_sha256, pdf_sha256, frozen_by, frozen_at, approved_by, approved_at,"
				       " sent_via, sent_by, sent_at, sent_note, acknowledged_by, acknowledged_at"
				       " FROM usage_reports WHERE year = ? AND unit = ? ORDER BY version",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, year)) != TK_OK || (rc = store_bind_text(s, 2, unit ? unit : "")) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		json_t *v = json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
		    "version", (json_int_t)store_col_i64(s, 0), "status", store_col_text(s, 1), "json_sha256", store_col_text(s, 2),
		    "pdf_sha256", store_col_text(s, 3), "frozen_by", store_col_text(s, 4), "frozen_at", time_or_null(s, 5),
		    "approved_by", str_or_null(s, 6), "approved_at", time_or_null(s, 7), "sent_via", str_or_null(s, 8),
		    "sent_by", str_or_null(s, 9), "sent_at", time_or_null(s, 10), "sent_note", str_or_null(s, 11),
		    "acknowledged_by", str_or_null(s, 12), "acknowledged_at", time_or_null(s, 13));
		if (v == NULL || json_array_append_new(versions, v) != 0) {
			rc = tk_fail(TK_ERR_NOMEM, "report: out of memory");
			goto out;
		}
		if (!store_col_null(s, 10) && (sent_first == 0 || store_col_i64(s, 10) < sent_first))
			sent_first = store_col_i64(s, 10);
	}
	if (rc != TK_OK)
		goto out;
	time_iso_utc(due, due_s);
	j = json_pack("{s:i, s:o, s:s, s:s, s:o}", "year", year, "unit", unit ? json_string(unit) : json_null(), "due", due_s,
	    "obligation", sent_first != 0 && sent_first < due ? "met" : sent_first != 0 ? "late"
								    : tk_now() >= due   ? "overdue"
											: "pending",
	    "versions", versions);
	versions = NULL;
	if (j == NULL)
		rc = tk_fail(TK_ERR_NOMEM, "report: out of memory");
	*out = j;
out:
	json_decref(versions);
	store_finalize(s);
	return rc;
}

enum tk_err report_frozen(struct svc_ctx *c, int year, const char *unit, int version, enum report_format f, struct buf *out)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	if ((rc = need_reader(c)) != TK_OK)
		return rc;
	if (f != REPORT_PDF && f != REPORT_JSON)
		return tk_fail_code(TK_ERR_INVALID, "invalid_field", "a frozen report is kept as pdf and json");
	if ((rc = store_prepare(c->st, f == REPORT_PDF ? "SELECT pdf FROM usage_reports WHERE year = ? AND unit = ? AND version = ?" : "SELECT report_json FROM usage_reports WHERE year = ? AND unit = ? AND version = ?", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, year)) != TK_OK || (rc = store_bind_text(s, 2, unit ? unit : "")) != TK_OK ||
	    (rc = store_bind_i64(s, 3, version)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row)
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "report_not_found", "no frozen usage report %d version %d", year, version);
	else if (f == REPORT_PDF) {
		size_t len = 0;
		const uint8_t *p = store_col_blob(s, 0, &len);
		rc = buf_append(out, p, len);
	} else
		rc = buf_append(out, store_col_text(s, 0), strlen(store_col_text(s, 0)));
out:
	store_finalize(s);
	return rc;
}

/* -------------------------------------------------------------- reminders */

#define REMIND_BEFORE_DAYS 14

struct remind_args {
	int year;
	int64_t due;
	int overdue;
	int queued;
};

static enum tk_err remind_tx(struct svc_ctx *c, void *arg)
{
	struct remind_args *a = arg;
	struct notify_contacts ct;
	char ref[16], due_s[32], body[1200], *d = NULL;
	const char *kind = a->overdue ? "report.usage_overdue" : "report.usage_due";
	int64_t sent = 0;
	int claimed = 0;
	size_t i;
	enum tk_err rc;

	/* Any version of the ministry-wide report sent (by outbox or by hand) meets the obligation. */
	{
		struct store_stmt *s = NULL;
		int row = 0;
		if ((rc = store_prepare(c->st, "SELECT COUNT(*) FROM usage_reports WHERE year = ? AND unit = '' AND sent_at IS NOT NULL", &s)) == TK_OK &&
		    (rc = store_bind_i64(s, 1, a->year)) == TK_OK && (rc = store_step(s, &row)) == TK_OK && row)
			sent = store_col_i64(s, 0);
		store_finalize(s);
		if (rc != TK_OK || sent > 0)
			return rc;
	}
	notify_contacts_load(c->inst->cfg, &ct);
	if (ct.n == 0) {
		log_msg(LOG_WARN, "report.reminders", "the %d usage report is due (PKS art. 4(1)g) but [monev] contacts names nobody to tell", a->year);
		return TK_OK;
	}
	if ((rc = str_fmt(ref, sizeof(ref), "%d", a->year)) != TK_OK || (rc = notify_claim_once(c, kind, ref, &claimed)) != TK_OK || !claimed)
		return rc;
	/* The due date as the WIB calendar day it ends (due_of gives the first instant after it). */
	time_iso_utc(a->due - 1 + WIB_OFFSET, due_s);
	due_s[10] = '\0';
	if ((rc = str_fmt(body, sizeof(body),
		 a->overdue ? "Laporan penggunaan sertifikat elektronik tahun %d belum dikirim kepada BSrE, padahal batas waktunya %s (PKS pasal 4 ayat (1) huruf g)."
			      " Bekukan, setujui dan kirim laporan itu di teken (menu Laporan).\n\n"
			      "The %d usage report on electronic certificates has not been sent to BSrE; it was due on %s (agreement art. 4(1)g)."
			      " Freeze, approve and send it in teken (Reports).\n"
			    : "Laporan penggunaan sertifikat elektronik tahun %d harus dikirim kepada BSrE paling lambat %s (PKS pasal 4 ayat (1) huruf g)."
			      " Bekukan, setujui dan kirim laporan itu di teken (menu Laporan).\n\n"
			      "The %d usage report on electronic certificates is due to BSrE by %s (agreement art. 4(1)g)."
			      " Freeze, approve and send it in teken (Reports).\n",
		 a->year, due_s, a->year, due_s)) != TK_OK)
		return rc;
	for (i = 0; i < ct.n; i++)
		if ((rc = notify_queue(c, ct.addr[i], a->overdue ? "Laporan penggunaan terlambat / Usage report overdue" : "Laporan penggunaan jatuh tempo / Usage report due",
			 body)) != TK_OK)
			return rc;
	{
		json_t *j = json_pack("{s:s, s:i, s:s, s:I}", "kind", kind, "year", a->year, "due", due_s, "recipients", (json_int_t)ct.n);
		d = j != NULL ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
		json_decref(j);
		if (d == NULL)
			return tk_fail(TK_ERR_NOMEM, "report: out of memory");
	}
	rc = audit_append(c, "report.reminder", "usage", d);
	free(d);
	if (rc == TK_OK)
		a->queued += (int)ct.n;
	return rc;
}

enum tk_err report_reminders(struct svc_ctx *c, int *queued)
{
	struct remind_args a;
	int64_t now = tk_now(), made = 0, year_end;
	struct tm tm;
	time_t t = (time_t)(now + WIB_OFFSET);
	enum tk_err rc;

	*queued = 0;
	if (c->actor.kind != ACTOR_OPERATOR)
		return tk_fail_code(TK_ERR_DENIED, "forbidden", "reminders are queued by the jobs loop or the operator");
	memset(&a, 0, sizeof(a));
	if (gmtime_r(&t, &tm) == NULL)
		return tk_fail(TK_ERR_INTERNAL, "report: bad clock");
	a.year = tm.tm_year + 1900 - 1;
	if ((rc = due_of(c, a.year, &a.due)) != TK_OK)
		return rc;
	/* Nothing to report for a year that ended before this instance existed. */
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = a.year + 1 - 1900;
	tm.tm_mday = 1;
	year_end = (int64_t)timegm(&tm) - WIB_OFFSET;
	if ((rc = store_query_i64(c->st, "SELECT COALESCE(MIN(created_at), 0) FROM cas", NULL, &made)) != TK_OK)
		return rc;
	if (made == 0 || made >= year_end || now < a.due - (int64_t)REMIND_BEFORE_DAYS * 86400)
		return TK_OK;
	a.overdue = now >= a.due;
	if ((rc = svc_in_tx(c, remind_tx, &a)) == TK_OK)
		*queued = a.queued;
	return rc;
}

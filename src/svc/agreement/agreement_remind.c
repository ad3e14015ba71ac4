/*
 * Reminders of the agreement register through the outbox (svc/notify), to
 * [monev] contacts and PIHAK I's current contact e-mail, each claimed once
 * (notify_claim_once) in the transaction that queues it:
 *   - agreement.expiry, ref "<id>:<ends_on>:<stage>": the latest stage
 *     reached of [agreement] remind_months (months before ends_on, default
 *     "6,3"; stage "6m", "3m") and of ends_on itself (stage "end"). An
 *     extension moves ends_on and so arms the stages again;
 *   - agreement.contact_warning / agreement.contact_overdue, ref the
 *     contact row: a change of PIHAK I's contact with no letter yet
 *     (letter_id NULL), from the second working day before its notice_due,
 *     and once notice_due has passed (art. 15(2)).
 * With nobody to tell a reminder is not claimed and waits for configuration.
 */
#include "svc/agreement/agreement_int.h"

#include "config/config.h"
#include "log/log.h"
#include "svc/base/base_int.h"
#include "svc/calendar/calendar.h"
#include "svc/notify/notify.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

enum tk_err agreement_ministry_contacts(struct svc_ctx *c, int64_t id, struct notify_contacts *out)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	notify_contacts_load(c->inst->cfg, out);
	/* id 0: the agreement in force (the newest not ended). */
	if ((rc = store_prepare(c->st, id > 0 ? "SELECT email FROM agreement_contacts WHERE agreement_id = ? AND party = 'first' AND valid_to IS NULL"
						" ORDER BY id DESC LIMIT 1"
					      : "SELECT k.email FROM agreement_contacts k JOIN agreements a ON a.id = k.agreement_id"
						" WHERE a.status <> 'ended' AND k.party = 'first' AND k.valid_to IS NULL ORDER BY a.id DESC, k.id DESC LIMIT 1",
		 &s)) == TK_OK &&
	    (id <= 0 || (rc = store_bind_i64(s, 1, id)) == TK_OK) && (rc = store_step(s, &row)) == TK_OK && row)
		notify_contacts_add(out, store_col_text(s, 0));
	store_finalize(s);
	return rc;
}

static enum tk_err audit_reminder(struct svc_ctx *c, int64_t id, const char *kind, const char *ref, size_t n)
{
	return agreement_audit(c, "agreement.reminder", id, json_pack("{s:s, s:s, s:I}", "kind", kind, "ref", ref, "recipients", (json_int_t)n));
}

/* [agreement] remind_months: months (1..120) before ends_on, largest first; bad entries are logged and skipped. */
static size_t remind_months(const struct config *cfg, int out[AGREEMENT_MAX_REMIND])
{
	const char *p = config_get_or(cfg, "agreement", "remind_months", AGREEMENT_REMIND_DEFAULT);
	size_t n = 0, i, j;

	while (p != NULL && *p != '\0' && n < AGREEMENT_MAX_REMIND) {
		const char *e = strchr(p, ',');
		size_t len = e != NULL ? (size_t)(e - p) : strlen(p);
		uint64_t v = 0;
		while (len > 0 && *p == ' ') {
			p++;
			len--;
		}
		while (len > 0 && p[len - 1] == ' ')
			len--;
		if (len > 0 && parse_u64(p, len, 120, &v) == TK_OK && v > 0)
			out[n++] = (int)v;
		else {
			tk_clear_error();
			log_msg(LOG_WARN, "agreement.reminders", "[agreement] remind_months: an entry is not a number of months from 1 to 120; skipped");
		}
		p = e != NULL ? e + 1 : NULL;
	}
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (out[j] > out[i]) {
				int t = out[i];
				out[i] = out[j];
				out[j] = t;
			}
	return n;
}

struct agr {
	int64_t id;
	char title[AGREEMENT_MAX_TITLE + 1], number[AGREEMENT_MAX_NUMBER + 1], ends_on[16];
};

static enum tk_err remind_expiry(struct svc_ctx *c, int64_t today, int *queued)
{
	struct store_stmt *s = NULL;
	struct agr *a = NULL;
	int months[AGREEMENT_MAX_REMIND];
	size_t nm = remind_months(c->inst->cfg, months), n = 0, i, k;
	int row = 0;
	enum tk_err rc;

	if ((a = calloc(16, sizeof(*a))) == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	if ((rc = store_prepare(c->st, "SELECT id, title, number_first, ends_on FROM agreements WHERE status <> 'ended' ORDER BY id LIMIT 16", &s)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row && n < 16) {
		a[n].id = store_col_i64(s, 0);
		if ((rc = str_copy(a[n].title, sizeof(a[n].title), store_col_text(s, 1))) != TK_OK ||
		    (rc = str_copy(a[n].number, sizeof(a[n].number), store_col_text(s, 2))) != TK_OK ||
		    (rc = str_copy(a[n].ends_on, sizeof(a[n].ends_on), store_col_text(s, 3))) != TK_OK)
			break;
		n++;
	}
	store_finalize(s);
	s = NULL;
	if (rc != TK_OK)
		goto out;
	for (i = 0; i < n; i++) {
		struct notify_contacts r;
		char stage[16] = "", ref[64], subj[200], body[2000];
		int64_t ends = 0;
		int claimed = 0, m = 0;
		if ((rc = cal_day_parse(a[i].ends_on, "ends_on", &ends)) != TK_OK)
			goto out;
		if (today >= ends) {
			rc = str_copy(stage, sizeof(stage), "end");
		} else {
			/* The latest window reached: the smallest number of months whose start has come. */
			for (k = 0; k < nm; k++)
				if (today >= cal_add_months(ends, -months[k]))
					m = months[k];
			if (m > 0)
				rc = str_fmt(stage, sizeof(stage), "%dm", m);
		}
		if (rc != TK_OK)
			goto out;
		if (stage[0] == '\0')
			continue;
		if ((rc = agreement_ministry_contacts(c, a[i].id, &r)) != TK_OK)
			goto out;
		if (r.n == 0) {
			log_msg(LOG_WARN, "agreement.reminders", "agreement %lld: an expiry reminder is due but nobody is named ([monev] contacts, PIHAK I's e-mail)",
			    (long long)a[i].id);
			continue;
		}
		if ((rc = str_fmt(ref, sizeof(ref), "%lld:%s:%s", (long long)a[i].id, a[i].ends_on, stage)) != TK_OK ||
		    (rc = notify_claim_once(c, "agreement.expiry", ref, &claimed)) != TK_OK)
			goto out;
		if (!claimed)
			continue;
		if (m == 0)
			rc = str_fmt(subj, sizeof(subj), "Perjanjian kerja sama berakhir / The cooperation agreement ends (%s)", a[i].ends_on);
		else
			rc = str_fmt(subj, sizeof(subj), "Perjanjian kerja sama berakhir dalam %d bulan / The cooperation agreement ends in %d months (%s)", m, m,
			    a[i].ends_on);
		if (rc != TK_OK ||
		    (rc = str_fmt(body, sizeof(body),
			 "Perjanjian \"%s\" (nomor %s) berlaku sampai dengan %s (PKS pasal 7 ayat (1)).\n"
			 "%s"
			 "Perpanjangan atau perjanjian baru perlu disiapkan bersama BSSN; pengakhiran lebih awal diberitahukan secara tertulis paling lambat"
			 " 60 hari kalender sebelumnya (pasal 7 ayat (2)). Lihat teken, menu Perjanjian.\n\n"
			 "The agreement \"%s\" (number %s) is in force through %s (art. 7(1)).\n"
			 "%s"
			 "A renewal or a new agreement is to be prepared with BSSN; an early end needs written notice at least 60 calendar days before"
			 " (art. 7(2)). See teken, Agreement.\n",
			 a[i].title, a[i].number, a[i].ends_on, m == 0 ? "Hari ini atau sebelumnya masa berlakunya telah sampai pada akhirnya.\n" : "",
			 a[i].title, a[i].number, a[i].ends_on, m == 0 ? "Its term has reached its end.\n" : "")) != TK_OK ||
		    (rc = notify_contacts_send(c, &r, subj, body)) != TK_OK || (rc = audit_reminder(c, a[i].id, "agreement.expiry", ref, r.n)) != TK_OK)
			goto out;
		*queued += (int)r.n;
	}
out:
	store_finalize(s);
	free(a);
	return rc;
}

struct pending {
	int64_t cid, id;
	char official[AGREEMENT_MAX_FIELD + 1], changed_on[16], notice_due[16];
};

static enum tk_err remind_contacts(struct svc_ctx *c, int64_t today, int *queued)
{
	struct store_stmt *s = NULL;
	struct pending *p = NULL;
	size_t n = 0, i;
	int row = 0;
	enum tk_err rc;

	if ((p = calloc(64, sizeof(*p))) == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	/* Not yet told of being overdue; a bounded batch per run, the rest on the next. */
	if ((rc = store_prepare(c->st, "SELECT k.id, k.agreement_id, k.official, k.changed_on, k.notice_due FROM agreement_contacts k"
				       " JOIN agreements a ON a.id = k.agreement_id WHERE k.party = 'first' AND k.changed_on IS NOT NULL AND k.notice_due IS NOT NULL"
				       " AND k.letter_id IS NULL AND a.status <> 'ended' AND NOT EXISTS (SELECT 1 FROM oversight_reminders_sent r"
				       " WHERE r.kind = 'agreement.contact_overdue' AND r.ref = CAST(k.id AS TEXT)) ORDER BY k.id LIMIT 64",
		 &s)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row && n < 64) {
		p[n].cid = store_col_i64(s, 0);
		p[n].id = store_col_i64(s, 1);
		if ((rc = str_copy(p[n].official, sizeof(p[n].official), store_col_text(s, 2))) != TK_OK ||
		    (rc = str_copy(p[n].changed_on, sizeof(p[n].changed_on), store_col_text(s, 3))) != TK_OK ||
		    (rc = str_copy(p[n].notice_due, sizeof(p[n].notice_due), store_col_text(s, 4))) != TK_OK)
			break;
		n++;
	}
	store_finalize(s);
	s = NULL;
	if (rc != TK_OK)
		goto out;
	for (i = 0; i < n; i++) {
		struct notify_contacts r;
		const char *kind;
		char ref[24], subj[200], body[2000];
		int64_t due = 0, warn = 0;
		int claimed = 0, overdue;
		if ((rc = cal_day_parse(p[i].notice_due, "notice_due", &due)) != TK_OK)
			goto out;
		overdue = today > due;
		if (!overdue) {
			if ((rc = cal_working_days_from(c, due, -AGREEMENT_WARN_WORKING_DAYS, &warn, NULL)) != TK_OK)
				goto out;
			if (today < warn)
				continue;
		}
		kind = overdue ? "agreement.contact_overdue" : "agreement.contact_warning";
		if ((rc = agreement_ministry_contacts(c, p[i].id, &r)) != TK_OK)
			goto out;
		if (r.n == 0) {
			log_msg(LOG_WARN, "agreement.reminders", "contact change %lld: a notice reminder is due but nobody is named", (long long)p[i].cid);
			continue;
		}
		if ((rc = str_fmt(ref, sizeof(ref), "%lld", (long long)p[i].cid)) != TK_OK || (rc = notify_claim_once(c, kind, ref, &claimed)) != TK_OK)
			goto out;
		if (!claimed)
			continue;
		if (overdue)
			rc = str_fmt(subj, sizeof(subj), "Pemberitahuan perubahan kontak terlambat / Contact-change notice overdue (batas %s)", p[i].notice_due);
		else
			rc = str_fmt(subj, sizeof(subj), "Batas pemberitahuan perubahan kontak %s / Contact-change notice due %s", p[i].notice_due, p[i].notice_due);
		if (rc != TK_OK ||
		    (rc = str_fmt(body, sizeof(body),
			 "Kontak PIHAK I berubah pada %s (kini: %s). Perubahan ini wajib diberitahukan secara tertulis kepada PIHAK II paling lambat"
			 " 7 hari kerja setelahnya, yaitu %s (PKS pasal 15 ayat (2)). %s\n"
			 "Buat dan kirim surat perubahan kontak di teken (menu Perjanjian, Surat).\n\n"
			 "PIHAK I's contact changed on %s (now: %s). The change must be notified in writing to PIHAK II within 7 working days,"
			 " by %s (art. 15(2)). %s\n"
			 "Write and send the contact-change letter in teken (Agreement, Letters).\n",
			 p[i].changed_on, p[i].official, p[i].notice_due,
			 overdue ? "Batas waktu itu telah lewat dan belum ada surat yang tercatat." : "Belum ada surat yang tercatat.", p[i].changed_on,
			 p[i].official, p[i].notice_due, overdue ? "That day has passed and no letter is recorded." : "No letter is recorded yet.")) != TK_OK ||
		    (rc = notify_contacts_send(c, &r, subj, body)) != TK_OK || (rc = audit_reminder(c, p[i].id, kind, ref, r.n)) != TK_OK)
			goto out;
		*queued += (int)r.n;
	}
out:
	store_finalize(s);
	free(p);
	return rc;
}

struct remind_arg {
	int queued;
};

static enum tk_err remind_tx(struct svc_ctx *c, void *arg)
{
	struct remind_arg *a = arg;
	int64_t today = cal_wib_day(tk_now());
	enum tk_err rc;

	if ((rc = remind_expiry(c, today, &a->queued)) != TK_OK)
		return rc;
	return remind_contacts(c, today, &a->queued);
}

enum tk_err agreement_reminders(struct svc_ctx *c, int *queued)
{
	struct remind_arg a = { 0 };
	enum tk_err rc;

	*queued = 0;
	/* The ministry's reminders: the issuer's auditors do not claim or send them. */
	if ((rc = agreement_may_manage(c)) != TK_OK)
		return rc;
	if ((rc = svc_in_tx(c, remind_tx, &a)) == TK_OK)
		*queued = a.queued;
	return rc;
}

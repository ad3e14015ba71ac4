/*
 * Reminders of monitoring and evaluation, through the outbox (svc/notify):
 *   - evaluation due: eleven calendar months after the last evaluation held
 *     (or after the instance was made, before the first one), to the
 *     addresses of [monev] contacts: user accounts carry no e-mail address,
 *     so the ministry and the issuer name who is told;
 *   - overdue action: a follow-up action still open after its due date, to
 *     its owner's e-mail, else to the contacts.
 * Each reminder is claimed (notify_claim_once, kinds monev.*) in the same
 * transaction that queues it, so a restart or a second node never queues it
 * twice; with nobody to tell it is not claimed and waits for configuration.
 */
#include "svc/monev/monev_int.h"
#include "svc/calendar/calendar.h"

#include "svc/audit/audit.h"
#include "svc/notify/notify.h"
#include "svc/pii/pii.h"
#include "svc/base/base_int.h"
#include "config/config.h"
#include "log/log.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

static enum tk_err audit_reminder(struct svc_ctx *c, const char *kind, const char *object, const char *ref, size_t recipients)
{
	char *d = NULL;
	enum tk_err rc;

	if ((rc = svc_json_dump(json_pack("{s:s, s:s, s:I}", "kind", kind, "ref", ref, "recipients", (json_int_t)recipients), &d)) != TK_OK)
		return rc;
	rc = audit_append(c, "monev.reminder", object, d);
	free(d);
	return rc;
}

/* The evaluation-due reminder, when due and not sent. */
static enum tk_err remind_evaluation(struct svc_ctx *c, const struct notify_contacts *ct, int64_t today, int *queued)
{
	struct store_stmt *s = NULL;
	char last[16] = "", ref[40], due[16], body[900];
	int64_t base = 0, made = 0;
	int row = 0, claimed = 0;
	size_t i;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "SELECT MAX(held_on) FROM evaluations", &s)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (row && !store_col_null(s, 0) && (rc = str_copy(last, sizeof(last), store_col_text(s, 0))) != TK_OK)
		goto out;
	store_finalize(s);
	s = NULL;
	if (last[0] != '\0') {
		if ((rc = cal_day_parse(last, "held_on", &base)) != TK_OK)
			goto out;
		rc = str_fmt(ref, sizeof(ref), "after:%s", last);
	} else {
		char d0[16];
		if ((rc = store_query_i64(c->st, "SELECT COALESCE(MIN(created_at), 0) FROM cas", NULL, &made)) != TK_OK)
			goto out;
		base = cal_wib_day(made);
		cal_day_str(base, d0);
		rc = str_fmt(ref, sizeof(ref), "instance:%s", d0);
	}
	if (rc != TK_OK || today < cal_add_months(base, MONEV_REMIND_MONTHS))
		goto out;
	if (ct->n == 0) {
		log_msg(LOG_WARN, "monev.reminders", "an evaluation is due (PKS art. 12) but [monev] contacts names nobody to tell");
		goto out;
	}
	if ((rc = notify_claim_once(c, "monev.evaluation_due", ref, &claimed)) != TK_OK || !claimed)
		goto out;
	cal_day_str(cal_add_months(base, 12), due);
	if (last[0] != '\0')
		rc = str_fmt(body, sizeof(body),
		    "Monitoring dan evaluasi kerja sama (PKS pasal 12) dilakukan paling sedikit sekali setahun. Evaluasi terakhir diadakan pada %s."
		    " Jadwalkan evaluasi bersama Kementerian dan BSSN/BSrE paling lambat %s, lalu catat di teken (menu Monev).\n\n"
		    "Monitoring and evaluation of the cooperation (agreement art. 12) is due at least once a year. The last evaluation was held on %s."
		    " Schedule the joint evaluation of the ministry and BSSN/BSrE by %s and record it in teken (Monev).\n",
		    last, due, last, due);
	else
		rc = str_fmt(body, sizeof(body),
		    "Monitoring dan evaluasi kerja sama (PKS pasal 12) dilakukan paling sedikit sekali setahun. Belum ada evaluasi yang dicatat"
		    " sejak instansi ini dibuat. Jadwalkan evaluasi bersama Kementerian dan BSSN/BSrE paling lambat %s, lalu catat di teken (menu Monev).\n\n"
		    "Monitoring and evaluation of the cooperation (agreement art. 12) is due at least once a year. No evaluation has been recorded"
		    " since this instance was made. Schedule the joint evaluation of the ministry and BSSN/BSrE by %s and record it in teken (Monev).\n",
		    due, due);
	if (rc != TK_OK)
		goto out;
	for (i = 0; i < ct->n; i++)
		if ((rc = notify_queue(c, ct->addr[i], "Monev kerja sama jatuh tempo / Cooperation evaluation due", body)) != TK_OK)
			goto out;
	if ((rc = audit_reminder(c, "evaluation_due", "monev", ref, ct->n)) != TK_OK)
		goto out;
	*queued += (int)ct->n;
out:
	store_finalize(s);
	return rc;
}

struct overdue {
	int64_t id, eval_id;
	char due[16], owner[MONEV_MAX_TITLE + 1];
	char *desc;
	struct buf email;
};

/* One reminder per overdue action, to its owner (else the contacts). */
static enum tk_err remind_actions(struct svc_ctx *c, const struct notify_contacts *ct, int64_t today, int *queued)
{
	struct store_stmt *s = NULL;
	struct overdue *o = NULL;
	char today_s[16];
	size_t n = 0, i, j;
	int row = 0;
	enum tk_err rc;

	cal_day_str(today, today_s);
	if ((o = calloc(64, sizeof(*o))) == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	/* Not yet reminded; a bounded batch per run, the rest on the next. */
	if ((rc = store_prepare(c->st, "SELECT a.id, a.evaluation_id, a.due_on, a.owner, a.description, a.owner_email FROM evaluation_actions a"
				       " WHERE a.status IN ('open','in_progress') AND a.due_on < ? AND NOT EXISTS (SELECT 1 FROM oversight_reminders_sent r"
				       " WHERE r.kind = 'monev.action_overdue' AND r.ref = CAST(a.id AS TEXT)) ORDER BY a.id LIMIT 64",
		 &s)) != TK_OK ||
	    (rc = store_bind_text(s, 1, today_s)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row && n < 64) {
		size_t blen = 0;
		const uint8_t *b = store_col_blob(s, 5, &blen);
		o[n].id = store_col_i64(s, 0);
		o[n].eval_id = store_col_i64(s, 1);
		buf_init(&o[n].email, 1024);
		o[n].desc = strdup(store_col_text(s, 4));
		if (o[n].desc == NULL) {
			rc = tk_fail(TK_ERR_NOMEM, "out of memory");
			n++;
			break;
		}
		if ((rc = str_copy(o[n].due, sizeof(o[n].due), store_col_text(s, 2))) != TK_OK ||
		    (rc = str_copy(o[n].owner, sizeof(o[n].owner), store_col_text(s, 3))) != TK_OK ||
		    (!store_col_null(s, 5) && ((rc = pii_open(c->inst, "monev_owner_email", b, blen, &o[n].email)) != TK_OK ||
						  (rc = buf_cstr(&o[n].email, &(const char *){ NULL })) != TK_OK))) {
			n++;
			break;
		}
		n++;
	}
	store_finalize(s);
	s = NULL;
	if (rc != TK_OK)
		goto out;
	for (i = 0; i < n; i++) {
		char ref[24], subj[160], body[1200], desc[400];
		int claimed = 0;
		size_t nrcpt = o[i].email.len > 0 ? 1 : ct->n;
		if (nrcpt == 0) {
			log_msg(LOG_WARN, "monev.reminders", "action %lld is overdue but has no owner e-mail and [monev] contacts names nobody",
			    (long long)o[i].id);
			continue;
		}
		if ((rc = str_fmt(ref, sizeof(ref), "%lld", (long long)o[i].id)) != TK_OK || (rc = notify_claim_once(c, "monev.action_overdue", ref, &claimed)) != TK_OK)
			goto out;
		if (!claimed)
			continue;
		/* A long description is cut on a UTF-8 boundary for the mail. */
		{
			size_t dl = strlen(o[i].desc);
			if (dl >= sizeof(desc)) {
				dl = sizeof(desc) - 4;
				while (dl > 0 && ((unsigned char)o[i].desc[dl] & 0xC0) == 0x80)
					dl--;
			}
			/* NOLINTNEXTLINE(bugprone-not-null-terminated-result): the next memcpy writes the NUL */
			memcpy(desc, o[i].desc, dl);
			memcpy(desc + dl, dl < strlen(o[i].desc) ? "..." : "", dl < strlen(o[i].desc) ? 4 : 1);
		}
		if ((rc = str_fmt(subj, sizeof(subj), "Tindak lanjut monev lewat batas waktu / Evaluation follow-up overdue (#%lld)", (long long)o[i].id)) != TK_OK ||
		    (rc = str_fmt(body, sizeof(body),
			 "Tindak lanjut evaluasi no. %lld (penanggung jawab: %s) melewati batas waktu %s dan belum selesai:\n%s\n"
			 "Perbarui statusnya di teken (menu Monev).\n\n"
			 "Follow-up action of evaluation %lld (owner: %s) passed its due date %s and is not closed:\n%s\n"
			 "Please update its status in teken (Monev).\n",
			 (long long)o[i].eval_id, o[i].owner, o[i].due, desc, (long long)o[i].eval_id, o[i].owner, o[i].due, desc)) != TK_OK)
			goto out;
		if (o[i].email.len > 0) {
			if ((rc = notify_queue(c, (const char *)o[i].email.p, subj, body)) != TK_OK)
				goto out;
		} else {
			for (j = 0; j < ct->n; j++)
				if ((rc = notify_queue(c, ct->addr[j], subj, body)) != TK_OK)
					goto out;
		}
		{
			char obj[48];
			if ((rc = str_fmt(obj, sizeof(obj), "evaluation:%lld", (long long)o[i].eval_id)) != TK_OK ||
			    (rc = audit_reminder(c, "action_overdue", obj, ref, nrcpt)) != TK_OK)
				goto out;
		}
		*queued += (int)nrcpt;
	}
out:
	store_finalize(s);
	for (i = 0; i < n; i++) {
		free(o[i].desc);
		buf_free(&o[i].email);
	}
	free(o);
	return rc;
}

struct remind_arg {
	int queued;
};

static enum tk_err remind_tx(struct svc_ctx *c, void *arg)
{
	struct remind_arg *a = arg;
	struct notify_contacts ct;
	int64_t today = cal_wib_day(tk_now());
	enum tk_err rc;

	notify_contacts_load(c->inst->cfg, &ct);
	if ((rc = remind_evaluation(c, &ct, today, &a->queued)) != TK_OK)
		return rc;
	return remind_actions(c, &ct, today, &a->queued);
}

enum tk_err monev_reminders(struct svc_ctx *c, int *queued)
{
	struct remind_arg a = { 0 };
	enum tk_err rc;

	*queued = 0;
	if ((rc = monev_allowed(c)) != TK_OK)
		return rc;
	if ((rc = svc_in_tx(c, remind_tx, &a)) == TK_OK)
		*queued = a.queued;
	return rc;
}

/*
 * Reminders of letters waiting for the other side, through the outbox:
 *   - a sent letter past its reply_due without acknowledgement (contact
 *     change: 7 working days after sending) or answer (amendment proposal);
 *   - an incoming amendment proposal the ministry has not answered by its
 *     reply_due.
 * To the [monev] contacts and the ministry's current contact in the
 * register (user accounts carry no e-mail address, so the letter's creator
 * is reached through them). Each once (notify_claim_once, kind
 * letter.reply_overdue, ref the letter id) in the transaction that queues
 * it; with nobody to tell it is not claimed and waits for configuration.
 */
#include "svc/letter/letter_int.h"

#include "svc/agreement/agreement.h"
#include "svc/audit/audit.h"
#include "svc/base/base_int.h"
#include "svc/calendar/calendar.h"
#include "svc/notify/notify.h"
#include "log/log.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

#define REMIND_BATCH 64

struct due_letter {
	int64_t id, agreement_id;
	char direction[16], kind[32], number[128], subject[512], reply_due[16], status[16];
};

static enum tk_err remind_one(struct svc_ctx *c, const struct due_letter *l, int *queued)
{
	struct notify_contacts ct;
	char ref[32], subj[700], body[2400], obj[40], *d = NULL;
	int claimed = 0, incoming = strcmp(l->direction, "incoming") == 0;
	enum tk_err rc;

	if ((rc = agreement_ministry_contacts(c, l->agreement_id, &ct)) != TK_OK)
		return rc;
	if (ct.n == 0) {
		log_msg(LOG_WARN, "letter.reminders", "letter %lld waits past %s but nobody is named to tell ([monev] contacts, the ministry's contact)",
		    (long long)l->id, l->reply_due);
		return TK_OK;
	}
	if ((rc = str_fmt(ref, sizeof(ref), "%lld", (long long)l->id)) != TK_OK || (rc = notify_claim_once(c, "letter.reply_overdue", ref, &claimed)) != TK_OK ||
	    !claimed)
		return rc;
	if ((rc = str_fmt(subj, sizeof(subj), "Surat %s menunggu %s / Letter %s awaits %s", l->number, incoming ? "jawaban" : "tanggapan", l->number,
		 incoming ? "an answer" : "a reply")) != TK_OK)
		return rc;
	for (char *p = subj; *p; p++)
		if (*p == '\r' || *p == '\n')
			*p = ' ';
	if (incoming)
		rc = str_fmt(body, sizeof(body),
		    "Usulan perubahan Perjanjian dari PIHAK KEDUA (surat nomor %s, \"%s\") harus dijawab secara tertulis paling lambat %s (Pasal 14 ayat (2))"
		    " dan belum dijawab. Buat surat jawaban di teken (menu Surat).\n\n"
		    "The issuer's amendment proposal (letter %s, \"%s\") had to be answered in writing by %s (art. 14(2)) and has not been."
		    " Draft the answer in teken (Letters).\n",
		    l->number, l->subject, l->reply_due, l->number, l->subject, l->reply_due);
	else
		rc = str_fmt(body, sizeof(body),
		    "Surat nomor %s (\"%s\") kepada PIHAK KEDUA belum %s sampai batas %s. Hubungi narahubung PIHAK KEDUA dan catat tanggapannya di teken"
		    " (menu Surat).\n\nLetter %s (\"%s\") to the issuer has not been %s by %s. Contact the issuer's contact person and record the reply"
		    " in teken (Letters).\n",
		    l->number, l->subject, strcmp(l->kind, "amendment_proposal") == 0 ? "dijawab" : "dikonfirmasi penerimaannya", l->reply_due, l->number,
		    l->subject, strcmp(l->kind, "amendment_proposal") == 0 ? "answered" : "acknowledged", l->reply_due);
	if (rc != TK_OK)
		return rc;
	if ((rc = notify_contacts_send(c, &ct, subj, body)) != TK_OK)
		return rc;
	if ((rc = str_fmt(obj, sizeof(obj), "letter:%lld", (long long)l->id)) != TK_OK ||
	    (rc = svc_json_dump(json_pack("{s:s, s:s, s:I}", "kind", "reply_overdue", "reply_due", l->reply_due, "recipients", (json_int_t)ct.n), &d)) != TK_OK)
		return rc;
	rc = audit_append(c, "letter.reminder", obj, d);
	free(d);
	if (rc == TK_OK)
		*queued += (int)ct.n;
	return rc;
}

static enum tk_err remind_tx(struct svc_ctx *c, void *arg)
{
	int *queued = arg;
	struct store_stmt *s = NULL;
	struct due_letter *l = NULL;
	char t[16];
	size_t n = 0, i;
	int row = 0;
	enum tk_err rc;

	cal_day_str(cal_wib_day(tk_now()), t);
	if ((l = calloc(REMIND_BATCH, sizeof(*l))) == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	if ((rc = store_prepare(c->st, "SELECT id, agreement_id, direction, kind, number, subject, reply_due, status FROM letters"
				       " WHERE reply_due IS NOT NULL AND reply_due < ?"
				       " AND ((direction = 'outgoing' AND status = 'sent')"
				       "  OR (kind = 'amendment_proposal' AND status IN ('received','acknowledged')))"
				       " AND NOT EXISTS (SELECT 1 FROM oversight_reminders_sent r WHERE r.kind = 'letter.reply_overdue' AND r.ref = CAST(letters.id AS TEXT))"
				       " ORDER BY id LIMIT 64",
		 &s)) != TK_OK ||
	    (rc = store_bind_text(s, 1, t)) != TK_OK)
		goto out;
	while (n < REMIND_BATCH && (rc = store_step(s, &row)) == TK_OK && row) {
		l[n].id = store_col_i64(s, 0);
		l[n].agreement_id = store_col_i64(s, 1);
		if ((rc = str_copy(l[n].direction, sizeof(l[n].direction), store_col_text(s, 2))) != TK_OK ||
		    (rc = str_copy(l[n].kind, sizeof(l[n].kind), store_col_text(s, 3))) != TK_OK ||
		    (rc = str_copy(l[n].number, sizeof(l[n].number), store_col_text(s, 4))) != TK_OK ||
		    (rc = str_copy(l[n].subject, sizeof(l[n].subject), store_col_text(s, 5))) != TK_OK ||
		    (rc = str_copy(l[n].reply_due, sizeof(l[n].reply_due), store_col_text(s, 6))) != TK_OK ||
		    (rc = str_copy(l[n].status, sizeof(l[n].status), store_col_text(s, 7))) != TK_OK)
			goto out;
		n++;
	}
	if (rc != TK_OK)
		goto out;
	store_finalize(s);
	s = NULL;
	for (i = 0; i < n; i++)
		if ((rc = remind_one(c, &l[i], queued)) != TK_OK)
			goto out;
out:
	store_finalize(s);
	free(l);
	return rc;
}

enum tk_err letter_reminders(struct svc_ctx *c, int *queued)
{
	*queued = 0;
	if (c->actor.kind != ACTOR_OPERATOR && !(c->actor.kind == ACTOR_PERSON && strcmp(c->actor.role, "admin") == 0))
		return tk_fail_code(TK_ERR_DENIED, "forbidden", "reminders are run by the jobs loop or the operator");
	return svc_in_tx(c, remind_tx, queued);
}

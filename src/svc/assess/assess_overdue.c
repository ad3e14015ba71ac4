/*
 * Overdue security-assessment requests: a request still awaiting a report
 * (requested, or returned for correction) after its due date, WIB. Shown
 * as an open item of the monev dashboard and reminded once through the
 * outbox to [monev] contacts: the claim (oversight_reminders_sent, kind
 * 'assess.overdue', ref the request id) commits with the queued mails, so
 * a restart or a second node never queues it twice.
 */
#include "svc/assess/assess.h"
#include "svc/calendar/calendar.h"

#include "svc/audit/audit.h"
#include "svc/monev/monev.h"
#include "svc/notify/notify.h"
#include "svc/base/base_int.h"
#include "log/log.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

enum tk_err assess_open_items(struct svc_ctx *c, int64_t now, json_t **out)
{
	struct store_stmt *s = NULL;
	json_t *o = NULL, *list = NULL;
	char today[16];
	int64_t tday = cal_wib_day(now), awaiting = 0, submitted = 0, overdue = 0;
	int row = 0;
	enum tk_err rc;

	*out = NULL;
	cal_day_str(tday, today);
	if ((rc = store_query_i64(c->st, "SELECT COUNT(*) FROM assessment_requests WHERE status IN ('requested','returned')", NULL, &awaiting)) != TK_OK ||
	    (rc = store_query_i64(c->st, "SELECT COUNT(*) FROM assessment_requests WHERE status = 'submitted'", NULL, &submitted)) != TK_OK ||
	    (rc = store_query_i64(c->st, "SELECT COUNT(*) FROM assessment_requests WHERE status IN ('requested','returned') AND due_on < ?", today,
		 &overdue)) != TK_OK)
		return rc;
	if ((list = json_array()) == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	if ((rc = store_prepare(c->st, "SELECT id, system_name, due_on, status FROM assessment_requests WHERE status IN ('requested','returned')"
				       " AND due_on < ? ORDER BY due_on, id LIMIT ?",
		 &s)) != TK_OK ||
	    (rc = store_bind_text(s, 1, today)) != TK_OK || (rc = store_bind_i64(s, 2, ASSESS_MAX_OVERDUE)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		int64_t due = 0;
		if (cal_day_parse(store_col_text(s, 2), "due_on", &due) != TK_OK) {
			tk_clear_error(); /* stored by us: cannot happen */
			due = tday;
		}
		if (json_array_append_new(list, json_pack("{s:I, s:s, s:s, s:s, s:I}", "id", (json_int_t)store_col_i64(s, 0), "system_name",
						    store_col_text(s, 1), "due_on", store_col_text(s, 2), "status", store_col_text(s, 3), "days_overdue",
						    (json_int_t)(tday - due))) != 0) {
			rc = tk_fail(TK_ERR_NOMEM, "out of memory");
			goto out;
		}
	}
	if (rc != TK_OK)
		goto out;
	if ((o = json_pack("{s:b, s:I, s:I, s:I, s:O}", "available", 1, "requested", (json_int_t)awaiting, "submitted", (json_int_t)submitted,
		 "overdue", (json_int_t)overdue, "overdue_list", list)) == NULL)
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
	*out = o;
out:
	store_finalize(s);
	json_decref(list);
	return rc;
}

struct overdue_req {
	int64_t id;
	char due[16], name[ASSESS_MAX_TITLE + 1];
};

struct remind_arg {
	int queued;
};

static enum tk_err remind_tx(struct svc_ctx *c, void *arg)
{
	struct remind_arg *a = arg;
	struct notify_contacts ct;
	struct store_stmt *s = NULL;
	struct overdue_req *o = NULL;
	char today[16];
	size_t n = 0, i, j;
	int row = 0;
	enum tk_err rc;

	notify_contacts_load(c->inst->cfg, &ct);
	cal_day_str(cal_wib_day(tk_now()), today);
	if ((o = calloc(ASSESS_REMIND_BATCH, sizeof(*o))) == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	if ((rc = store_prepare(c->st, "SELECT r.id, r.due_on, r.system_name FROM assessment_requests r WHERE r.status IN ('requested','returned')"
				       " AND r.due_on < ? AND NOT EXISTS (SELECT 1 FROM oversight_reminders_sent x WHERE x.kind = 'assess.overdue'"
				       " AND x.ref = CAST(r.id AS TEXT)) ORDER BY r.id LIMIT ?",
		 &s)) != TK_OK ||
	    (rc = store_bind_text(s, 1, today)) != TK_OK || (rc = store_bind_i64(s, 2, ASSESS_REMIND_BATCH)) != TK_OK)
		goto out;
	while (n < ASSESS_REMIND_BATCH && (rc = store_step(s, &row)) == TK_OK && row) {
		o[n].id = store_col_i64(s, 0);
		if ((rc = str_copy(o[n].due, sizeof(o[n].due), store_col_text(s, 1))) != TK_OK ||
		    (rc = str_copy(o[n].name, sizeof(o[n].name), store_col_text(s, 2))) != TK_OK)
			goto out;
		n++;
	}
	store_finalize(s);
	s = NULL;
	if (rc != TK_OK || n == 0)
		goto out;
	if (ct.n == 0) {
		log_msg(LOG_WARN, "assess.reminders", "%zu security-assessment request(s) overdue but [monev] contacts names nobody to tell", n);
		goto out;
	}
	for (i = 0; i < n; i++) {
		char ref[24], subj[200], body[1400], *d = NULL;
		int claimed = 0;
		if ((rc = str_fmt(ref, sizeof(ref), "%lld", (long long)o[i].id)) != TK_OK || (rc = notify_claim_once(c, "assess.overdue", ref, &claimed)) != TK_OK)
			goto out;
		if (!claimed)
			continue;
		/* The system's name only: nothing of any finding goes into a mail. */
		if ((rc = str_fmt(subj, sizeof(subj), "Laporan asesmen keamanan lewat batas waktu / Security assessment report overdue (#%lld)",
			 (long long)o[i].id)) != TK_OK ||
		    (rc = str_fmt(body, sizeof(body),
			 "Laporan asesmen keamanan untuk sistem elektronik \"%s\" yang diminta BSSN (PKS pasal 4(1)e, 5(2)b; permintaan no. %lld)"
			 " belum diterima hingga batas waktu %s. Unggah laporan di teken (menu Asesmen Keamanan).\n\n"
			 "The security-assessment report for the electronic system \"%s\" requested by BSSN (agreement art. 4(1)e, 5(2)b;"
			 " request %lld) was due on %s and has not been received. Please upload it in teken (Security assessments).\n",
			 o[i].name, (long long)o[i].id, o[i].due, o[i].name, (long long)o[i].id, o[i].due)) != TK_OK)
			goto out;
		for (j = 0; j < ct.n; j++)
			if ((rc = notify_queue(c, ct.addr[j], subj, body)) != TK_OK)
				goto out;
		{
			char obj[48];
			json_t *dj = json_pack("{s:s, s:s, s:I}", "kind", "assess.overdue", "due_on", o[i].due, "recipients", (json_int_t)ct.n);
			if (dj == NULL || (d = json_dumps(dj, JSON_COMPACT)) == NULL) {
				json_decref(dj);
				rc = tk_fail(TK_ERR_NOMEM, "out of memory");
				goto out;
			}
			json_decref(dj);
			if ((rc = str_fmt(obj, sizeof(obj), "assessment:%lld", (long long)o[i].id)) == TK_OK)
				rc = audit_append(c, "assess.reminder", obj, d);
			free(d);
			if (rc != TK_OK)
				goto out;
		}
		a->queued += (int)ct.n;
	}
out:
	store_finalize(s);
	free(o);
	return rc;
}

enum tk_err assess_reminders(struct svc_ctx *c, int *queued)
{
	struct remind_arg a = { 0 };
	enum tk_err rc;

	*queued = 0;
	if (c->actor.kind != ACTOR_OPERATOR && !(c->actor.kind == ACTOR_PERSON && (strcmp(c->actor.role, "admin") == 0 ||
										      strcmp(c->actor.role, "auditor") == 0)))
		return tk_fail_code(TK_ERR_DENIED, "forbidden", "security assessments are for ministry admins and issuer auditors");
	if ((rc = svc_in_tx(c, remind_tx, &a)) == TK_OK)
		*queued = a.queued;
	return rc;
}

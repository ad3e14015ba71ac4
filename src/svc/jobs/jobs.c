/*
 * Periodic jobs of a running instance: deliver mail, queue expiry
 * reminders, keep CRLs and OCSP responses fresh, sign audit checkpoints when due.
 * Every job is safe to run on several nodes at once (idempotent or claimed
 * row by row), so `teken serve` runs them on every node.
 */
#include "svc/agreement/agreement.h"
#include "svc/assess/assess.h"
#include "svc/audit/audit.h"
#include "svc/auth/auth.h"
#include "svc/base/base.h"
#include "svc/ca/ca.h"
#include "svc/jobs/jobs.h"
#include "svc/letter/letter.h"
#include "svc/monev/monev.h"
#include "svc/notice/notice.h"
#include "svc/notify/notify.h"
#include "svc/report/report.h"
#include "svc/sign/sign.h"
#include "svc/policy/policy.h"
#include "svc/trust/trust.h"
#include "store/store.h"

#include "log/log.h"

#include <string.h>

enum tk_err jobs_run(struct svc_ctx *c, int64_t now, struct jobs_state *js)
{
	int sent = 0, failed = 0, queued = 0;
	struct buf crl;
	int64_t tu, nu;
	struct trust_refresh_stats ts;

	/* Each job reports its own failure and the others still run. */
	if (notify_deliver(c, &sent, &failed) != TK_OK)
		log_msg(LOG_WARN, "jobs.notify", "%s", tk_errmsg());
	else if (sent + failed > 0)
		log_msg(LOG_INFO, "jobs.notify", "sent %d, failed %d", sent, failed);
	/* Change-notice webhooks (R13): due deliveries and retries, claimed one by one. */
	if (notice_deliver(c, &sent, &failed) != TK_OK)
		log_msg(LOG_WARN, "jobs.webhooks", "%s", tk_errmsg());
	else if (sent + failed > 0)
		log_msg(LOG_INFO, "jobs.webhooks", "delivered %d, failed %d", sent, failed);
	/* Signed files kept for a download window (an application's single-use copy, an official's
	 * copy for [sign] keep_days) are deleted once it has passed. */
	{
		int64_t purged = 0;
		if (sign_purge_files(c, now, &purged) != TK_OK)
			log_msg(LOG_WARN, "jobs.files", "%s", tk_errmsg());
		else if (purged > 0)
			log_msg(LOG_INFO, "jobs.files", "deleted %lld kept signed files past their time", (long long)purged);
	}
	if (now - js->last_hourly >= 3600) {
		js->last_hourly = now;
		if (notify_expiry_reminders(c, &queued) != TK_OK)
			log_msg(LOG_WARN, "jobs.reminders", "%s", tk_errmsg());
		else if (queued > 0)
			log_msg(LOG_INFO, "jobs.reminders", "queued %d expiry reminders", queued);
		/* Monitoring and evaluation: the yearly evaluation and overdue follow-up actions (once each). */
		if (monev_reminders(c, &queued) != TK_OK)
			log_msg(LOG_WARN, "jobs.monev", "%s", tk_errmsg());
		else if (queued > 0)
			log_msg(LOG_INFO, "jobs.monev", "queued %d monitoring and evaluation reminders", queued);
		/* Letters waiting past their reply_due for acknowledgement or answer (once each). */
		if (letter_reminders(c, &queued) != TK_OK)
			log_msg(LOG_WARN, "jobs.letter", "%s", tk_errmsg());
		else if (queued > 0)
			log_msg(LOG_INFO, "jobs.letter", "queued %d letter reminders", queued);
		/* The yearly usage report to the issuer (R7): due soon, then overdue (once each). */
		if (report_reminders(c, &queued) != TK_OK)
			log_msg(LOG_WARN, "jobs.report", "%s", tk_errmsg());
		else if (queued > 0)
			log_msg(LOG_INFO, "jobs.report", "queued %d usage report reminders", queued);
		/* Security-assessment requests past their due date (once each). */
		if (assess_reminders(c, &queued) != TK_OK)
			log_msg(LOG_WARN, "jobs.assess", "%s", tk_errmsg());
		else if (queued > 0)
			log_msg(LOG_INFO, "jobs.assess", "queued %d overdue security-assessment reminders", queued);
		/* Recommendations of the issuer past their due date (once each). */
		if (reco_reminders(c, &queued) != TK_OK)
			log_msg(LOG_WARN, "jobs.reco", "%s", tk_errmsg());
		else if (queued > 0)
			log_msg(LOG_INFO, "jobs.reco", "queued %d overdue recommendation reminders", queued);
		/* The agreement's end and renewal window, and contact changes not yet notified (once each). */
		if (agreement_reminders(c, &queued) != TK_OK)
			log_msg(LOG_WARN, "jobs.agreement", "%s", tk_errmsg());
		else if (queued > 0)
			log_msg(LOG_INFO, "jobs.agreement", "queued %d agreement reminders", queued);
		buf_init(&crl, (size_t)1 << 31);
		if (ca_crl_current(c, "issuing", &crl, &tu, &nu) != TK_OK)
			log_msg(LOG_WARN, "jobs.crl", "%s", tk_errmsg());
		buf_reset(&crl);
		if (ca_crl_current(c, "root", &crl, &tu, &nu) != TK_OK)
			log_msg(LOG_WARN, "jobs.crl", "%s", tk_errmsg());
		buf_free(&crl);
		memset(&ts, 0, sizeof(ts));
		if (trust_ocsp_refresh(c, 0, &ts) != TK_OK)
			log_msg(LOG_WARN, "jobs.ocsp", "%s", tk_errmsg());
		{
			/* Throttling rows of names nobody tried for a lock window. */
			int64_t purged = 0;
			if (auth_purge_failures(c, now, &purged) != TK_OK)
				log_msg(LOG_WARN, "jobs.logins", "%s", tk_errmsg());
			else if (purged > 0)
				log_msg(LOG_INFO, "jobs.logins", "purged %lld stale login failure rows", (long long)purged);
		}
	}
	if (now - js->last_audit >= 60) {
		int64_t seq = 0;
		js->last_audit = now;
		/* At least every [audit] checkpoint_seconds when events happened, and a
		 * catch-up when an inline every-N-events checkpoint could not be made
		 * (first checkpoint of an upgraded instance makes the audit key). */
		if (audit_checkpoint_due(c, now, &seq) != TK_OK)
			log_msg(LOG_WARN, "jobs.audit", "%s", tk_errmsg());
		else if (seq > 0)
			log_msg(LOG_INFO, "jobs.audit", "signed checkpoint at event %lld", (long long)seq);
	}
	return TK_OK;
}

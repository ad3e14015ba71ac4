/*
 * svc/letter: signed correspondence under the agreement (R15, art. 7(2),
 * 11(3), 14(2), 15; docs/agreements.md "Correspondence").
 *
 * An outgoing letter is drafted by an admin from a template filled from the
 * register (tables agreements, agreement_contacts), rendered to PDF in the
 * ministry's letter layout (src/pdfgen), signed PAdES by the official named
 * on the draft with their own certificate and passphrase (svc/sign
 * sign_document, its policy unchanged), and sent to the other party's
 * current contact through the outbox with the signed PDF attached. Incoming
 * letters are registered with their date of receipt (their PDF verified and
 * the indication kept). Deadlines come from svc/calendar (cal_deadline).
 *
 * Roles: admin (and the CLI operator) drafts, sends, registers incoming
 * letters and records acknowledgements received by mail; the subscriber
 * named as signatory previews and signs; the auditor (issuer side) reads
 * letters addressed to the issuer and acknowledges them. Every change is
 * one transaction with an audit event (letter.*).
 *
 * JSON of a letter: {"id","agreement_id","direction","kind","number",
 * "subject","fields":{...},"signatory","letter_date","event_date",
 * "deadline","late","reply_due","reply_overdue","in_reply_to","status",
 * "recipient","pdf_sha256","document_id","signed_by","signed_at","sent_at",
 * "received_on","acknowledged_on","acknowledged_by","created_by",
 * "created_at","updated_at","evidence":[files]}.
 */
#ifndef TEKEN_SVC_LETTER_H
#define TEKEN_SVC_LETTER_H

#include "svc/base/base.h"
#include "svc/files/files.h"

#include <jansson.h>

#define LETTER_MAX_PDF (20u * 1024u * 1024u)      /* an incoming letter's PDF, a rendered letter */
#define LETTER_MAX_EVIDENCE (10u * 1024u * 1024u) /* one evidence file */
#define LETTER_MAX_LIST 500u                      /* letters in one list answer */
#define LETTER_UPLOAD_BODY (LETTER_MAX_PDF + 64u * 1024u)

/* Filters of letter_list (NULL / 0: any). */
struct letter_filter {
	int64_t agreement_id;
	const char *kind, *status, *direction;
	int mine; /* subscriber: only letters naming me as signatory (always so for subscribers) */
};

/* {"letters":[letter...]} visible to the caller, newest first. */
enum tk_err letter_list(struct svc_ctx *c, const struct letter_filter *f, char **out) WARN_UNUSED;
/* One letter (unknown_letter when the caller may not see it). */
enum tk_err letter_get(struct svc_ctx *c, int64_t id, char **out) WARN_UNUSED;

/*
 * A new outgoing draft (admins, operator): in {"agreement_id"? (default the
 * agreement with the smallest id), "kind", "number"?, "subject"?,
 * "letter_date"? (default today, WIB), "event_date"?, "signatory" (user
 * name of a subscriber), "in_reply_to"?, "fields": {"sifat","lampiran",
 * "place","body","reason","summary","description","contact_id",
 * "reported_by","reported_to","channel"}}. A termination or amendment
 * proposal dated too late is refused (too_late, with the latest valid
 * letter date and the earliest valid event date in the message). A
 * force_majeure_verbal record is complete at once (status sent, no PDF).
 */
enum tk_err letter_draft(struct svc_ctx *c, json_t *in, char **out) WARN_UNUSED;
/* Changes a draft (same keys except agreement_id and kind); letter_not_draft otherwise. */
enum tk_err letter_update(struct svc_ctx *c, int64_t id, json_t *in, char **out) WARN_UNUSED;
/*
 * {"kind","letter_date","event_date","deadline","late","earliest_event_date",
 * "reply_due","rule":{cal_deadline},"ok"} for the draft form's live hint
 * (admins, operator). Nothing stored.
 */
enum tk_err letter_deadline_hint(struct svc_ctx *c, const char *kind, const char *event_date, const char *letter_date,
    char **out) WARN_UNUSED;
/* The draft rendered as it would be signed (not signed): admins, operator, the named signatory. Appends to pdf. */
enum tk_err letter_preview(struct svc_ctx *c, int64_t id, struct buf *pdf) WARN_UNUSED;
/*
 * The named signatory signs the draft (subscriber, as themselves): the
 * letter is dated today (deadline checked again), rendered and signed
 * PAdES-B-T with a visible stamp; status signed.
 */
enum tk_err letter_sign(struct svc_ctx *c, int64_t id, const char *passphrase, char **out) WARN_UNUSED;
/*
 * Sends a signed letter (admins, operator) to the other party's current
 * contact e-mail through the outbox with the signed PDF attached; status
 * sent. A contact change gets reply_due = 7 working days after sending and
 * is linked to its agreement_contacts row (letter_id).
 */
enum tk_err letter_send(struct svc_ctx *c, int64_t id, char **out) WARN_UNUSED;
/*
 * Registers an incoming letter (admins, operator): meta {"agreement_id"?,
 * "kind","number","subject","letter_date","received_on","event_date"?,
 * "in_reply_to"?,"contact_id"?} and its PDF (verified, indication kept;
 * an unsigned scan is accepted and marked so).
 */
enum tk_err letter_incoming(struct svc_ctx *c, json_t *meta, const uint8_t *pdf, size_t len, char **out) WARN_UNUSED;
/*
 * The other party acknowledges a sent letter: the auditor (today) or an
 * admin/operator recording one received by mail (in {"acknowledged_on"}).
 */
enum tk_err letter_ack(struct svc_ctx *c, int64_t id, json_t *in, char **out) WARN_UNUSED;
/* Adds an evidence file (admins, operator) to a draft or received letter. */
enum tk_err letter_evidence_add(struct svc_ctx *c, int64_t id, const struct files_in *f, char **out) WARN_UNUSED;
/* One evidence file of a letter the caller may see. */
enum tk_err letter_evidence_get(struct svc_ctx *c, int64_t id, int64_t file_id, struct buf *out, char filename[FILES_MAX_NAME + 1],
    char mime[32]) WARN_UNUSED;
/* The letter's PDF (signed, or the incoming one); name: a download name. */
enum tk_err letter_pdf(struct svc_ctx *c, int64_t id, struct buf *out, char name[80]) WARN_UNUSED;

/*
 * Reminders (jobs loop hourly, teken letter remind): a sent letter past its
 * reply_due without acknowledgement or answer, and an incoming amendment
 * proposal not answered by its reply_due, to [monev] contacts and the
 * ministry's current contact in the register; once each (letter.reply_overdue).
 */
enum tk_err letter_reminders(struct svc_ctx *c, int *queued) WARN_UNUSED;

#endif

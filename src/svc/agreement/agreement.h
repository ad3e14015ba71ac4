/*
 * svc/agreement: the agreement register (R15, PKS art. 7, 14, 15;
 * docs/agreements.md "Register").
 *
 * An agreement (PKS) between PIHAK I (the ministry, certificate user) and
 * PIHAK II (BSSN, the issuer) has both parties' numbers, a signing date and
 * a term in months (48 by default, art. 7(1)); it is in force through
 * ends_on = signed_on + term - 1 day (signed 2025-01-24 for four years: in
 * force through 2029-01-23). An addendum that extends it moves ends_on and
 * makes the status "extended"; ending it records the day and the reason.
 * The signed PDF of the agreement and of each addendum is verified on
 * upload (svc/verify, the instance's trust): a PDF without a signature or
 * with a signature that fails (TOTAL_FAILED) is refused, otherwise it is
 * kept with its SHA-256, its indication and, when this instance signed
 * those very bytes, the id of its registry record (documents).
 *
 * Contacts (art. 15(1)) per party ("first", "second") keep their history:
 * the current row has valid_to NULL; a change closes it and opens the next
 * with changed_on and notice_due, the last day to notify the other party
 * (cal_deadline CAL_RULE_CONTACT_CHANGE: 7 working days, art. 15(2)). A
 * change of party first is notified by a letter (svc/letter sets
 * agreement_contacts.letter_id); a change of party second is recorded from
 * their letter.
 *
 * Who: admins (ministry) and the CLI operator manage everything; auditors
 * (issuer) read everything and record changes of party second's contacts;
 * anyone else is refused (forbidden). Every change commits with its audit
 * event (agreement.*), object "agreement:<id>".
 *
 * Tables agreements, agreement_addenda and agreement_contacts (migration
 * 16) are also read by svc/letter by their column names.
 */
#ifndef TEKEN_SVC_AGREEMENT_H
#define TEKEN_SVC_AGREEMENT_H

#include "svc/base/base.h"
#include "svc/notify/notify.h"

#include <jansson.h>

#define AGREEMENT_MAX_TITLE 300u        /* bytes of a title or a party's name */
#define AGREEMENT_MAX_NUMBER 100u       /* bytes of an agreement or addendum number */
#define AGREEMENT_MAX_TEXT (8u * 1024u) /* bytes of a summary or an end reason */
#define AGREEMENT_MAX_FIELD 300u        /* bytes of a contact's official, position, address or phone */
#define AGREEMENT_MAX_EMAIL 254u
#define AGREEMENT_MAX_PDF MAX_REQ_BODY /* bytes of a signed PDF upload */
#define AGREEMENT_MAX_LIST 200u        /* agreements in a list answer */
#define AGREEMENT_MAX_ADDENDA 100u     /* addenda of one agreement */
#define AGREEMENT_MAX_CONTACTS 500u    /* contact rows (history) of one agreement in an answer */
#define AGREEMENT_MIN_TERM 1
#define AGREEMENT_MAX_TERM 240         /* months */
#define AGREEMENT_DEFAULT_TERM 48      /* art. 7(1): four years */
#define AGREEMENT_REMIND_DEFAULT "6,3" /* [agreement] remind_months: months before ends_on */
#define AGREEMENT_MAX_REMIND 8u        /* entries of remind_months */
#define AGREEMENT_WARN_WORKING_DAYS 2  /* warning this many working days before a contact change's notice_due */

/* List (JSON array text, newest signed first; no addenda or contacts). Admins, auditors, operator. Caller frees. */
enum tk_err agreement_list(struct svc_ctx *c, char **out) WARN_UNUSED;

/*
 * One agreement (JSON object text): its particulars, ends_on, status,
 * "today", "days_left" (to ends_on, negative once past), "in_force_now",
 * "pdf" (null or {sha256, size, indication, subindication, signatures,
 * document_id, uploaded_by, uploaded_at}), "addenda" (oldest first, each
 * with its own "pdf"), "contacts" {"first": row|null, "second": row|null}
 * (the current ones) and "contact_history" (every row, oldest first). A
 * contact row: {id, party, official, position, address, phone, email,
 * valid_from, valid_to, changed_on, notice_due, letter_id, notice_status
 * ("initial", "notified", "pending", "overdue"; party first only, else
 * "received"), recorded_by, recorded_at}. TK_ERR_NOT_FOUND
 * (unknown_agreement). Caller frees.
 */
enum tk_err agreement_get(struct svc_ctx *c, int64_t id, char **out) WARN_UNUSED;

/*
 * Creates an agreement from {title, number_first, number_second,
 * party_first, party_second, signed_on "YYYY-MM-DD", term_months? (48)}
 * and optional "contacts": {"first": {official, position?, address?,
 * phone?, email?}, "second": {...}} valid from signed_on. Admins and the
 * operator. *out: as agreement_get(). Caller frees.
 */
enum tk_err agreement_create(struct svc_ctx *c, json_t *in, char **out) WARN_UNUSED;
/*
 * Changes the given particulars (title, number_first, number_second,
 * party_first, party_second, signed_on, term_months); ends_on follows
 * (unless an addendum extended it). An ended agreement does not change
 * (agreement_ended). Admins and the operator. *out: as agreement_get().
 */
enum tk_err agreement_update(struct svc_ctx *c, int64_t id, json_t *in, char **out) WARN_UNUSED;
/* Ends it: {ended_on "YYYY-MM-DD", reason}; status ended. Admins and the operator. *out: as agreement_get(). */
enum tk_err agreement_end(struct svc_ctx *c, int64_t id, json_t *in, char **out) WARN_UNUSED;

/*
 * Keeps the signed PDF of the agreement (addendum_id 0) or of one of its
 * addenda, verified first (see above): no_signature (400) when it holds
 * none, signature_failed (422) when one is TOTAL_FAILED, not_pdf (400)
 * when it is no PDF; nothing changes then. Replaces an earlier upload.
 * Admins and the operator. *out: as agreement_get(). Does not take
 * ownership of p.
 */
enum tk_err agreement_pdf_upload(struct svc_ctx *c, int64_t id, int64_t addendum_id, const uint8_t *p, size_t len, char **out) WARN_UNUSED;
/* The kept signed PDF (addendum_id 0: the agreement's); no_pdf (404) when none. Appends to out; *name: a file name (caller's array). */
enum tk_err agreement_pdf_get(struct svc_ctx *c, int64_t id, int64_t addendum_id, struct buf *out, char name[96]) WARN_UNUSED;

/*
 * Adds an addendum {number, title, signed_on, effective_on, summary?,
 * extends_to?}: extends_to (after the current ends_on) becomes ends_on and
 * the status "extended". Admins and the operator. *out: as agreement_get().
 */
enum tk_err agreement_addendum_add(struct svc_ctx *c, int64_t id, json_t *in, char **out) WARN_UNUSED;

/*
 * Records a change of a party's contact: {party "first"|"second",
 * changed_on "YYYY-MM-DD", official, position?, address?, phone?, email?}.
 * The current row gets valid_to = changed_on; the new one valid_from =
 * changed_on, notice_due = the contact-change deadline of changed_on.
 * changed_on may not precede the current row's valid_from. Party first:
 * admins and the operator; party second: also auditors. *out: as
 * agreement_get().
 */
enum tk_err agreement_contact_change(struct svc_ctx *c, int64_t id, json_t *in, char **out) WARN_UNUSED;
/* The contact rows (party NULL: both), oldest first (JSON array text, rows as in agreement_get). Caller frees. */
enum tk_err agreement_contact_history(struct svc_ctx *c, int64_t id, const char *party, char **out) WARN_UNUSED;

/*
 * The agreement in force as other services print it (usage report,
 * review report, the issuer's e-mail address for reports and tickets):
 * the newest agreement of the register not ended, and the current e-mail
 * of party second's contact; with no such agreement (or an empty e-mail)
 * the [agreement] settings of teken.conf (title, user_number,
 * issuer_number, signed_on, issuer_email). The certification body's name
 * (issuer: BSrE, a unit of PIHAK II) is not a particular of the register:
 * always [agreement] issuer. Reads only; no access
 * check (the calling service made its own). Empty strings when unknown.
 */
struct agreement_info {
	int64_t id; /* 0: from teken.conf */
	char title[AGREEMENT_MAX_TITLE + 1];
	char number_first[AGREEMENT_MAX_NUMBER + 1];  /* the ministry's number (user_number) */
	char number_second[AGREEMENT_MAX_NUMBER + 1]; /* the issuer's number (issuer_number) */
	char party_first[AGREEMENT_MAX_TITLE + 1];
	char party_second[AGREEMENT_MAX_TITLE + 1]; /* PIHAK II, the signatory for the issuer */
	char issuer[AGREEMENT_MAX_TITLE + 1];       /* the certification body reports name: [agreement] issuer (default BSrE) */
	char signed_on[16];
	char ends_on[16]; /* "" from teken.conf */
	char issuer_email[AGREEMENT_MAX_EMAIL + 1];
};
enum tk_err agreement_current(struct svc_ctx *c, struct agreement_info *out) WARN_UNUSED;

/*
 * Whom the ministry's agreement-level mail goes to: [monev] contacts plus
 * PIHAK I's current contact e-mail in the register, each once. id: that
 * agreement; 0: the agreement in force. Reads only.
 */
enum tk_err agreement_ministry_contacts(struct svc_ctx *c, int64_t id, struct notify_contacts *out) WARN_UNUSED;

/*
 * For `teken init`: the demo agreement (signed 2025-01-24 for four years)
 * between the Secretariat-General of the instance's organisation and the
 * Main Secretariat of BSSN, with demo contacts of both parties
 * (addresses under .example), audited as agreement.create. The operator only.
 */
enum tk_err agreement_seed_demo(struct svc_ctx *c, const char *organization) WARN_UNUSED;

/*
 * For the jobs loop and `teken agreement remind`: through the outbox, each
 * once (notify_claim_once, kinds agreement.*), to [monev] contacts and
 * party first's current contact e-mail:
 *   - agreement.expiry: the latest of the windows [agreement] remind_months
 *     (default "6,3") months before ends_on reached, and ends_on itself;
 *   - agreement.contact_warning / agreement.contact_overdue: a change of
 *     party first's contact without a letter, 2 working days before its
 *     notice_due, and after it.
 */
enum tk_err agreement_reminders(struct svc_ctx *c, int *queued) WARN_UNUSED;

#endif

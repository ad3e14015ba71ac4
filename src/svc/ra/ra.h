/*
 * svc/ra: the registration authority: enrolment with evidence, the
 * Verifikator queue (R9), subscriber keys, revocation and hold requests.
 */
#ifndef TEKEN_SVC_RA_H
#define TEKEN_SVC_RA_H

#include "svc/base/base.h"

/* ---- registration authority (svc/ra.c) ---- */

struct ra_identity {
	const char *nik, *nip, *full_name, *email, *phone, *unit, *position;
};

struct ra_file {
	const char *kind; /* "sk" (appointment decree), "ktp" (ID card), "other" */
	const char *filename;
	const uint8_t *data;
	size_t len;
};

struct ra_enroll_in {
	struct ra_identity id;
	const struct ra_file *files;
	size_t nfiles;
	const char *passphrase; /* server-generated key, sealed under it ... */
	const uint8_t *csr;     /* ... or the subscriber's own key; neither: activated after approval */
	size_t csr_len;
	const char *username; /* account of the official; NULL: the caller */
};

/*
 * Records identity, evidence and (optionally) key, and files an "issue"
 * request. Sole control: a caller enrolling someone else (staff, the
 * console) gives no passphrase and no CSR (403 sole_control); the official
 * then activates their key with ra_activate() once the request is approved.
 */
enum tk_err ra_enroll(struct svc_ctx *c, const struct ra_enroll_in *in, int64_t *request_id) WARN_UNUSED;
/*
 * First-login activation by the official themself (a logged-in person with
 * role subscriber): with their approved enrolment that names no key, makes
 * the key (server-held under passphrase, checked like at enrolment, or the
 * public key of their CSR) and issues the certificate in one transaction
 * (audit "key.activate"). Once only: later calls are a 409. *out_json gets
 * {"request_id","serial","key","status"} (caller frees).
 */
enum tk_err ra_activate(struct svc_ctx *c, const char *passphrase, const uint8_t *csr, size_t csr_len, char **out_json) WARN_UNUSED;
/* "pending" when the caller is an official whose approved enrolment awaits ra_activate(), else "none". */
enum tk_err ra_activation_state(struct svc_ctx *c, char state[16]) WARN_UNUSED;
/*
 * Requests as JSON text (caller frees); status NULL for all. What the
 * caller sees is decided here (docs/security.md, "Personal data: who sees
 * what"): officials only their own; auditors pseudonymised rows (no
 * subscriber_id, no account names of officials, a subscriber_pseudonym).
 */
enum tk_err ra_requests_json(struct svc_ctx *c, const char *status, char **out) WARN_UNUSED;
/*
 * One request with its decisions and, when it concerns an official, their
 * record as the caller may see it: full for Verifikators, the official and
 * the operator; names for admins; pseudonymised for auditors; full for an
 * admin or auditor holding an unexpired PII-access grant for that official.
 * Every full or names view is logged (pii.read). *out: caller frees.
 */
enum tk_err ra_request_json(struct svc_ctx *c, int64_t id, char **out) WARN_UNUSED;
/*
 * A Verifikator's decision. Enforces R9: at least two active Verifikators,
 * no decision on one's own request or on a request that concerns oneself,
 * one decision per Verifikator, N-of-M approvals per kind. When the last
 * approval arrives the request is carried out in the same transaction.
 * *out gets the request as JSON (caller frees).
 */
enum tk_err ra_decide(struct svc_ctx *c, int64_t id, int approve, const char *reason, char **out) WARN_UNUSED;
/*
 * Revocation: a subscriber revoking their own certificate takes effect at
 * once (*done = 1); a Verifikator or admin files a request for Verifikators
 * (a Verifikator's filing counts as the first approval, an admin's does not).
 */
enum tk_err ra_revoke(struct svc_ctx *c, const char *serial, const char *reason, int64_t *request_id, int *done) WARN_UNUSED;
/* Suspend (certificateHold) or resume a certificate: a request for Verifikators. */
enum tk_err ra_hold(struct svc_ctx *c, const char *serial, int hold, int64_t *request_id) WARN_UNUSED;
/* Lost passphrase: a new key sealed under new_passphrase, pending approval; the old key is destroyed on approval.
 * Only for the caller's own account (sole control: staff approve resets, never choose the passphrase). */
enum tk_err ra_reset(struct svc_ctx *c, const char *username, const char *new_passphrase, int64_t *request_id) WARN_UNUSED;
/* Renewal: a new key under passphrase for the same verified identity. */
enum tk_err ra_renew(struct svc_ctx *c, const char *passphrase, int64_t *request_id) WARN_UNUSED;
/* An organisational seal certificate for a unit (two approvals by default). */
enum tk_err ra_seal(struct svc_ctx *c, const char *common_name, const char *unit, int64_t *request_id) WARN_UNUSED;
/* Re-seals the caller's active key under a new passphrase (needs the old one; throttled like signing). */
enum tk_err ra_passphrase_change(struct svc_ctx *c, const char *old_pass, const char *new_pass) WARN_UNUSED;
/*
 * Unlocks the newest active key of a subscriber for signing. A wrong
 * passphrase and a missing key give the same error ("passphrase_invalid").
 * Wrong passphrases are throttled per official and per caller (c->actor)
 * with growing delays ("too_many_attempts", HTTP 429, while one runs); the
 * official is mailed; nothing locks a key for good. Argon2 runs outside
 * any write transaction.
 */
/* Files an "unlock" request (the official, or RA staff for them): once approved, the official's delays end. */
enum tk_err ra_unlock_request(struct svc_ctx *c, const char *username, int64_t *request_id) WARN_UNUSED;
/*
 * Officials whose newest usable key has wrong-passphrase attempts to clear
 * (what ra_unlock_request() accepts), newest failure first, as JSON text
 * (caller frees): [{subscriber_id, user, full_name, unit, failures,
 * last_failed_at, delay_seconds, wait_until, throttled, serial,
 * request: null | {id, submitted_by, created_at, required_approvals, approvals}}].
 * wait_until is 0 while the official is within the free attempts. For
 * Verifikators, admins and the operator; names only, no sealed field.
 */
enum tk_err ra_unlock_throttles_json(struct svc_ctx *c, char **out) WARN_UNUSED;
enum tk_err ra_key_unlock(struct svc_ctx *c, int64_t subscriber_id, const char *passphrase, struct key **key,
    X509 **cert) WARN_UNUSED;
/* Certificate status of an official in the BSrE vocabulary: ISSUE, NOT_REGISTERED,
 * NO_CERTIFICATE, WAITING_FOR_VERIFICATION, SUSPEND, REVOKE, EXPIRED. An
 * application (c->actor) sees only officials of its units: others are NOT_REGISTERED. */
enum tk_err ra_status(struct svc_ctx *c, const char *nik, const char *email, char status[32], int64_t *subscriber_id) WARN_UNUSED;
/* The subscriber id of a user name (TK_ERR_NOT_FOUND when none). */
enum tk_err ra_subscriber_of(struct svc_ctx *c, const char *username, int64_t *id) WARN_UNUSED;
/* Subscribers as JSON for staff (no sealed field opened; auditors get pseudonyms, not names). Caller frees. */
enum tk_err ra_subscribers_json(struct svc_ctx *c, char **out) WARN_UNUSED;
/* Everything held about the subscriber behind username (UU 27/2022 access right); only for that official (or the operator). */
enum tk_err ra_export_json(struct svc_ctx *c, const char *username, char **out) WARN_UNUSED;
/* The certificates of the subscriber behind username (serial, profile, subject, validity, status); only for that official. */
enum tk_err ra_my_certificates_json(struct svc_ctx *c, const char *username, char **out) WARN_UNUSED;
/*
 * An evidence file, opened (access logged); mime as sniffed at upload.
 * Callers without the full view of its owner (pii_access_required) cannot
 * tell whether the file exists.
 */
enum tk_err ra_evidence_get(struct svc_ctx *c, int64_t id, struct buf *out, char mime[32]) WARN_UNUSED;
/*
 * A PII-access request (kind pii_access) of an auditor or admin for one
 * official, named by subscriber_id (> 0) or by pseudonym (the other 0/NULL),
 * with a reason. Verifikators decide it like any request; once approved the
 * filer sees that official's full record for [ra] pii_access_hours.
 */
enum tk_err ra_pii_access(struct svc_ctx *c, int64_t subscriber_id, const char *pseudonym, const char *reason,
    int64_t *request_id) WARN_UNUSED;
/*
 * Erasure (kind erase), filed by an admin for any official or by an official
 * for themself (subscriber_id 0: the caller's own record). Verifikators
 * decide it; on the last approval the certificates are revoked, keys
 * destroyed, PII replaced by a tombstone and the account closed; certificates
 * and audit records stay.
 */
enum tk_err ra_erase(struct svc_ctx *c, int64_t subscriber_id, int64_t *request_id) WARN_UNUSED;

/*
 * The one answer to a wrong passphrase, a locked key, a missing key or an
 * unknown official: callers must not be able to tell them apart.
 */
enum tk_err ra_passphrase_error(void);

#endif

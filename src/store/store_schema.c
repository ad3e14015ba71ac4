/*
 * Schema migrations, applied in order at open. Never edit a migration that
 * has shipped: add a new one. Portable SQL only (see store.h).
 */
#include "store/store_impl.h"

#include <stddef.h>

static const char *const migration_1[] = {
	/* Key material: software keys are AES-256-GCM blobs under the instance
	 * key; PKCS#11 keys are a reference (token label + key id), no blob. */
	"CREATE TABLE keys ("
	" name TEXT PRIMARY KEY,"
	" kind TEXT NOT NULL CHECK (kind IN ('soft','pkcs11')),"
	" alg TEXT NOT NULL,"
	" blob BLOB,"
	" ref TEXT,"
	" created_at INTEGER NOT NULL)",

	"CREATE TABLE cas ("
	" id AUTOINC_PK,"
	" name TEXT NOT NULL UNIQUE,"
	" parent_id INTEGER REFERENCES cas(id),"
	" key_name TEXT NOT NULL REFERENCES keys(name),"
	" cert BLOB NOT NULL,"
	" crl_number INTEGER NOT NULL DEFAULT 0,"
	" created_at INTEGER NOT NULL)",

	/* Every certificate ever issued, with its full DER. serial is lower-case
	 * hex of the positive 20-byte serial; unique per store (not only per CA). */
	"CREATE TABLE certs ("
	" serial TEXT PRIMARY KEY,"
	" ca_id INTEGER REFERENCES cas(id),"
	" profile TEXT NOT NULL,"
	" subject TEXT NOT NULL,"
	" not_before INTEGER NOT NULL,"
	" not_after INTEGER NOT NULL,"
	" der BLOB NOT NULL,"
	" status TEXT NOT NULL DEFAULT 'valid' CHECK (status IN ('valid','revoked','hold')),"
	" revoked_at INTEGER,"
	" reason INTEGER,"
	" subscriber_id INTEGER,"
	" created_at INTEGER NOT NULL)",
	"CREATE INDEX certs_ca_status ON certs(ca_id, status)",

	/* The latest CRL of each CA, served as published. */
	"CREATE TABLE crls ("
	" ca_id INTEGER PRIMARY KEY REFERENCES cas(id),"
	" crl_number INTEGER NOT NULL,"
	" this_update INTEGER NOT NULL,"
	" next_update INTEGER NOT NULL,"
	" der BLOB NOT NULL)",

	/* Certification Practice Statement versions (R10). */
	"CREATE TABLE cps ("
	" version TEXT PRIMARY KEY,"
	" sha256 TEXT NOT NULL,"
	" body BLOB NOT NULL,"
	" published_at INTEGER NOT NULL,"
	" published_by TEXT NOT NULL)",

	/* Hash-chained, append-only audit log. audit_head serialises appenders
	 * on both backends (row lock / write lock) and holds the chain tip. */
	"CREATE TABLE audit ("
	" seq INTEGER PRIMARY KEY,"
	" ts INTEGER NOT NULL,"
	" actor TEXT NOT NULL,"
	" role TEXT NOT NULL,"
	" action TEXT NOT NULL,"
	" object TEXT NOT NULL,"
	" ip TEXT NOT NULL,"
	" details TEXT NOT NULL,"
	" prev_hash TEXT NOT NULL,"
	" hash TEXT NOT NULL)",
	"CREATE TABLE audit_head ("
	" id INTEGER PRIMARY KEY CHECK (id = 1),"
	" seq INTEGER NOT NULL,"
	" hash TEXT NOT NULL)",
	"INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, "
	"'0000000000000000000000000000000000000000000000000000000000000000')",
	/* Signed checkpoints of the chain tip (seal key), for `teken audit verify`. */
	"CREATE TABLE audit_checkpoints ("
	" seq INTEGER PRIMARY KEY,"
	" hash TEXT NOT NULL,"
	" ts INTEGER NOT NULL,"
	" signature BLOB NOT NULL)",

	"CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
	NULL,
};

/* People, sessions and application keys (issue: registration and HTTP API). */
static const char *const migration_2[] = {
	"CREATE TABLE users ("
	" id AUTOINC_PK,"
	" username TEXT NOT NULL UNIQUE,"
	" display_name TEXT NOT NULL,"
	" role TEXT NOT NULL CHECK (role IN ('admin','verifikator','subscriber','application','auditor')),"
	" pw_hash TEXT NOT NULL,"
	" active INTEGER NOT NULL DEFAULT 1,"
	" created_at INTEGER NOT NULL)",
	/* Failed logins by name, known or not, so lockout reveals nothing. */
	"CREATE TABLE login_failures ("
	" username TEXT PRIMARY KEY,"
	" failures INTEGER NOT NULL,"
	" locked_until INTEGER NOT NULL)",
	"CREATE TABLE sessions ("
	" token_hash TEXT PRIMARY KEY,"
	" user_id INTEGER NOT NULL REFERENCES users(id),"
	" csrf TEXT NOT NULL,"
	" ip TEXT NOT NULL,"
	" created_at INTEGER NOT NULL,"
	" expires_at INTEGER NOT NULL)",
	"CREATE INDEX sessions_user ON sessions(user_id)",
	"CREATE TABLE api_keys ("
	" id AUTOINC_PK,"
	" prefix TEXT NOT NULL UNIQUE,"
	" key_hash TEXT NOT NULL,"
	" name TEXT NOT NULL,"
	" units TEXT NOT NULL,"
	" created_at INTEGER NOT NULL,"
	" revoked_at INTEGER)",
	NULL,
};

/*
 * Registration authority (R2, R4, R9, R16). Personal data (NIK, NIP, e-mail,
 * phone, evidence files) is AES-256-GCM sealed under a key derived from the
 * instance key; NIK lookup goes through an HMAC blind index.
 */
static const char *const migration_3[] = {
	"CREATE TABLE subscribers ("
	" id AUTOINC_PK,"
	" user_id INTEGER UNIQUE REFERENCES users(id),"
	" nik_index TEXT UNIQUE,"
	" email_index TEXT,"
	" nik BLOB,"
	" nip BLOB,"
	" email BLOB,"
	" phone BLOB,"
	" full_name TEXT NOT NULL,"
	" unit TEXT NOT NULL,"
	" position TEXT NOT NULL,"
	" status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active','erased')),"
	" created_at INTEGER NOT NULL,"
	" erased_at INTEGER)",
	"CREATE TABLE evidence ("
	" id AUTOINC_PK,"
	" subscriber_id INTEGER NOT NULL REFERENCES subscribers(id),"
	" kind TEXT NOT NULL,"
	" filename TEXT NOT NULL,"
	" mime TEXT NOT NULL,"
	" size INTEGER NOT NULL,"
	" sha256 TEXT NOT NULL,"
	" blob BLOB,"
	" created_at INTEGER NOT NULL)",
	/* Subscriber private keys: passphrase-sealed, then instance-sealed. */
	"CREATE TABLE subscriber_keys ("
	" id AUTOINC_PK,"
	" subscriber_id INTEGER NOT NULL REFERENCES subscribers(id),"
	" alg TEXT NOT NULL,"
	" pubkey BLOB NOT NULL,"
	" blob BLOB,"
	" cert_serial TEXT,"
	" failed_attempts INTEGER NOT NULL DEFAULT 0,"
	" status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','active','locked','destroyed')),"
	" created_at INTEGER NOT NULL,"
	" destroyed_at INTEGER)",
	/* Requests that need Verifikator approval: issue, seal, revoke, hold,
	 * release, reset, renew. payload is JSON without secrets. */
	"CREATE TABLE requests ("
	" id AUTOINC_PK,"
	" kind TEXT NOT NULL,"
	" subscriber_id INTEGER REFERENCES subscribers(id),"
	" key_id INTEGER REFERENCES subscriber_keys(id),"
	" submitted_by TEXT NOT NULL,"
	" status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','approved','rejected','cancelled')),"
	" required_approvals INTEGER NOT NULL,"
	" payload TEXT NOT NULL,"
	" result TEXT,"
	" reason TEXT,"
	" created_at INTEGER NOT NULL,"
	" decided_at INTEGER)",
	"CREATE INDEX requests_status ON requests(status)",
	"CREATE TABLE approvals ("
	" request_id INTEGER NOT NULL REFERENCES requests(id),"
	" verifikator TEXT NOT NULL,"
	" decision TEXT NOT NULL CHECK (decision IN ('approve','reject')),"
	" reason TEXT,"
	" at INTEGER NOT NULL,"
	" PRIMARY KEY (request_id, verifikator))",
	/* Notifications waiting for delivery (SMTP), and reminders already sent. */
	"CREATE TABLE outbox ("
	" id AUTOINC_PK,"
	" recipient BLOB NOT NULL,"
	" subject TEXT NOT NULL,"
	" body TEXT NOT NULL,"
	" status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued','sending','sent','failed')),"
	" attempts INTEGER NOT NULL DEFAULT 0,"
	" last_error TEXT,"
	" created_at INTEGER NOT NULL,"
	" claimed_at INTEGER,"
	" sent_at INTEGER)",
	"CREATE TABLE reminders_sent ("
	" serial TEXT NOT NULL,"
	" days INTEGER NOT NULL,"
	" at INTEGER NOT NULL,"
	" PRIMARY KEY (serial, days))",
	NULL,
};

/*
 * Online trust services (R2): pre-produced OCSP responses, one row per
 * certificate of the issuing CA (src/svc/trust.c). der answers SHA-1
 * CertIDs (RFC 5019), der_sha256 SHA-256 ones (made on first request).
 * cert_status is the certs.status the response states; a row whose
 * certificate changed status since is never served.
 */
static const char *const migration_4[] = {
	"CREATE TABLE ocsp_responses ("
	" serial TEXT PRIMARY KEY REFERENCES certs(serial),"
	" cert_status TEXT NOT NULL CHECK (cert_status IN ('valid','revoked','hold')),"
	" der BLOB NOT NULL,"
	" der_sha256 BLOB,"
	" this_update INTEGER NOT NULL,"
	" next_update INTEGER NOT NULL,"
	" produced_at INTEGER NOT NULL)",
	NULL,
};

/* Document registry (R3, R7, R8): every signed output, for the QR page and usage reports. */
static const char *const migration_5[] = {
	"CREATE TABLE documents ("
	" id TEXT PRIMARY KEY,"
	" sha256 TEXT NOT NULL,"
	" size INTEGER NOT NULL,"
	" pages INTEGER NOT NULL,"
	" kind TEXT NOT NULL CHECK (kind IN ('pades','cades')),"
	" level TEXT NOT NULL,"
	" signer TEXT NOT NULL,"
	" cert_serial TEXT NOT NULL,"
	" subscriber_id INTEGER,"
	" application TEXT,"
	" unit TEXT,"
	" signed_by TEXT NOT NULL,"
	" signed_at INTEGER NOT NULL)",
	"CREATE INDEX documents_signed_at ON documents(signed_at)",
	"CREATE INDEX documents_sha256 ON documents(sha256)",
	/* Signed files kept for a short while for clients of the BSrE-style
	 * download endpoint (single use, then deleted by the jobs). */
	"CREATE TABLE document_files ("
	" id TEXT PRIMARY KEY REFERENCES documents(id),"
	" data BLOB NOT NULL,"
	" expires_at INTEGER NOT NULL)",
	"CREATE INDEX subscribers_email ON subscribers(email_index)",
	NULL,
};

/* Passphrase throttling per official (last failure) and per caller; no more permanent locks. */
static const char *const migration_6[] = {
	"ALTER TABLE subscriber_keys ADD COLUMN last_failed_at INTEGER NOT NULL DEFAULT 0",
	"UPDATE subscriber_keys SET status = 'active' WHERE status = 'locked'",
	"CREATE TABLE unlock_throttle ("
	" caller TEXT PRIMARY KEY,"
	" failures INTEGER NOT NULL,"
	" last_at INTEGER NOT NULL)",
	NULL,
};

/*
 * Dual control of staff accounts (R9, PKS art. 4(1)l) and login throttling
 * housekeeping (src/svc/auth/auth.c). A new admin or Verifikator account,
 * the reactivation of one, or a role change to admin or verifikator waits
 * in account_requests until enough other admins approve it. pw_hash is the
 * Argon2id hash the filer set (never the password); it moves into users on
 * approval and is cleared on rejection. One pending request per user name.
 * login_failures.last_failure_at lets the periodic jobs purge stale rows.
 */
static const char *const migration_7[] = {
	"CREATE TABLE account_requests ("
	" id AUTOINC_PK,"
	" kind TEXT NOT NULL CHECK (kind IN ('create','activate','role')),"
	" username TEXT NOT NULL,"
	" role TEXT NOT NULL CHECK (role IN ('admin','verifikator')),"
	" display_name TEXT,"
	" pw_hash TEXT,"
	" filed_by TEXT NOT NULL,"
	" filed_by_kind TEXT NOT NULL CHECK (filed_by_kind IN ('person','operator')),"
	" status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','approved','rejected')),"
	" required_approvals INTEGER NOT NULL,"
	" reason TEXT,"
	" created_at INTEGER NOT NULL,"
	" decided_at INTEGER)",
	"CREATE UNIQUE INDEX account_requests_pending ON account_requests(username) WHERE status = 'pending'",
	"CREATE TABLE account_approvals ("
	" request_id INTEGER NOT NULL REFERENCES account_requests(id),"
	" admin TEXT NOT NULL,"
	" decision TEXT NOT NULL CHECK (decision IN ('approve','reject')),"
	" reason TEXT,"
	" at INTEGER NOT NULL,"
	" PRIMARY KEY (request_id, admin))",
	"ALTER TABLE login_failures ADD COLUMN last_failure_at INTEGER NOT NULL DEFAULT 0",
	"CREATE INDEX login_failures_last ON login_failures(last_failure_at)",
	NULL,
};

/*
 * Continuous audit checkpoints (docs/security.md, "Audit anchoring"): a
 * number, the hash of the previous checkpoint's signature, the signing
 * certificate and the tbs version per row. Checkpoints made before (v1,
 * seal key) are numbered in chain order and keep verifying as v1; the
 * audit key itself is made by the service on first need, since key
 * generation needs the instance key or the token, which SQL does not have.
 */
static const char *const migration_8[] = {
	"ALTER TABLE audit_checkpoints ADD COLUMN num INTEGER",
	"ALTER TABLE audit_checkpoints ADD COLUMN version INTEGER NOT NULL DEFAULT 1",
	"ALTER TABLE audit_checkpoints ADD COLUMN prev TEXT",
	"ALTER TABLE audit_checkpoints ADD COLUMN cert_serial TEXT",
	/* NOLINTNEXTLINE(bugprone-suspicious-missing-comma): one statement written on two lines */
	"UPDATE audit_checkpoints SET num = (SELECT COUNT(*) FROM audit_checkpoints p WHERE p.seq <= audit_checkpoints.seq),"
	" cert_serial = (SELECT value FROM meta WHERE key = 'cert.seal')",
	"CREATE UNIQUE INDEX audit_checkpoints_num ON audit_checkpoints(num)",
	NULL,
};

/* The API key that signed a document: names are not unique, the key's id is (single-use downloads). */
static const char *const migration_9[] = {
	"ALTER TABLE documents ADD COLUMN application_key_id INTEGER",
	NULL,
};

/*
 * Usage reporting (R7, docs/reports.md) and the audit browser (R16).
 * usage_counters: request counts kept by the services (OCSP, TSA, CRL,
 * verifications by channel, failed signing attempts by cause), added to
 * per node from memory (svc/report/counters.c); day is the day number
 * since 1970-01-01 in WIB (UTC+7), detail the channel or cause, unit and
 * application '' when not known. documents learn whether the stamp was
 * visible and through which front door they were signed. usage_reports
 * holds each frozen version of a year's report (the JSON and the sealed
 * PDF, with hashes) and its submission record. The indexes serve the
 * report's range scans and the audit browser's filters.
 */
static const char *const migration_10[] = {
	"CREATE TABLE usage_counters ("
	" day INTEGER NOT NULL,"
	" metric TEXT NOT NULL,"
	" detail TEXT NOT NULL,"
	" unit TEXT NOT NULL,"
	" application TEXT NOT NULL,"
	" n INTEGER NOT NULL,"
	" PRIMARY KEY (day, metric, detail, unit, application))",
	"ALTER TABLE documents ADD COLUMN visible INTEGER NOT NULL DEFAULT 0",
	"ALTER TABLE documents ADD COLUMN channel TEXT NOT NULL DEFAULT 'api'",
	"CREATE TABLE usage_reports ("
	" id AUTOINC_PK,"
	" year INTEGER NOT NULL,"
	" version INTEGER NOT NULL,"
	" unit TEXT NOT NULL,"
	" report_json TEXT NOT NULL,"
	" json_sha256 TEXT NOT NULL,"
	" pdf BLOB NOT NULL,"
	" pdf_sha256 TEXT NOT NULL,"
	" status TEXT NOT NULL CHECK (status IN ('frozen','approved','sent','acknowledged')),"
	" frozen_by TEXT NOT NULL,"
	" frozen_at INTEGER NOT NULL,"
	" approved_by TEXT,"
	" approved_at INTEGER,"
	" sent_via TEXT CHECK (sent_via IN ('outbox','hand')),"
	" sent_by TEXT,"
	" sent_at INTEGER,"
	" sent_note TEXT,"
	" acknowledged_by TEXT,"
	" acknowledged_at INTEGER,"
	" UNIQUE (year, unit, version))",
	"CREATE INDEX audit_ts ON audit(ts)",
	"CREATE INDEX audit_object ON audit(object)",
	"CREATE INDEX audit_actor ON audit(actor)",
	"CREATE INDEX certs_created ON certs(created_at)",
	"CREATE INDEX approvals_at ON approvals(at)",
	NULL,
};

/*
 * Monitoring and evaluation of the cooperation (R17, PKS art. 12,
 * docs/monev.md): evaluation meetings with their participants (JSON list),
 * summary, findings and minutes text; follow-up actions; the minutes PDF
 * teken renders and freezes (hash kept) and the two signed uploads, one per
 * party, each extending the one before; reminders already queued, keyed by
 * kind and reference so a restart or a second node never sends one twice.
 * Dates people chose (held_on, due_on) are WIB calendar dates YYYY-MM-DD.
 */
static const char *const migration_11[] = {
	"CREATE TABLE evaluations ("
	" id AUTOINC_PK,"
	" held_on TEXT NOT NULL,"
	" title TEXT NOT NULL,"
	" place TEXT NOT NULL,"
	" participants TEXT NOT NULL,"
	" summary TEXT NOT NULL,"
	" findings TEXT NOT NULL,"
	" minutes TEXT NOT NULL,"
	" state TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft','frozen','signed_by_first','signed_by_both')),"
	" frozen_pdf BLOB,"
	" frozen_sha256 TEXT,"
	" frozen_by TEXT,"
	" frozen_at INTEGER,"
	" created_by TEXT NOT NULL,"
	" created_at INTEGER NOT NULL,"
	" updated_at INTEGER NOT NULL)",
	"CREATE INDEX evaluations_held_on ON evaluations(held_on)",
	"CREATE TABLE evaluation_actions ("
	" id AUTOINC_PK,"
	" evaluation_id INTEGER NOT NULL REFERENCES evaluations(id),"
	" description TEXT NOT NULL,"
	" owner TEXT NOT NULL,"
	" owner_email BLOB,"
	" due_on TEXT NOT NULL,"
	" status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','in_progress','done','cancelled')),"
	" closing_note TEXT,"
	" created_by TEXT NOT NULL,"
	" created_at INTEGER NOT NULL,"
	" updated_at INTEGER NOT NULL,"
	" closed_at INTEGER)",
	"CREATE INDEX evaluation_actions_eval ON evaluation_actions(evaluation_id)",
	"CREATE INDEX evaluation_actions_status ON evaluation_actions(status, due_on)",
	"CREATE TABLE evaluation_signatures ("
	" evaluation_id INTEGER NOT NULL REFERENCES evaluations(id),"
	" seq INTEGER NOT NULL CHECK (seq IN (1, 2)),"
	" pdf BLOB NOT NULL,"
	" sha256 TEXT NOT NULL,"
	" signer TEXT NOT NULL,"
	" signer_dn TEXT NOT NULL,"
	" issuer_dn TEXT NOT NULL,"
	" cert_serial TEXT NOT NULL,"
	" signing_time INTEGER,"
	" indication TEXT NOT NULL,"
	" uploaded_by TEXT NOT NULL,"
	" uploaded_at INTEGER NOT NULL,"
	" PRIMARY KEY (evaluation_id, seq))",
	"CREATE TABLE monev_reminders_sent ("
	" kind TEXT NOT NULL,"
	" ref TEXT NOT NULL,"
	" at INTEGER NOT NULL,"
	" PRIMARY KEY (kind, ref))",
	NULL,
};

/*
 * Oversight, part 1 (R11, docs/review.md): the implementation review.
 * review_instruments holds each loaded version of the measuring instrument
 * (the JSON catalogue of aspects and indicators, kept whole with its hash,
 * so an old review keeps the version it used). A review is opened by an
 * auditor for a period; review_answers holds one row per indicator (the
 * automatic result with its evidence frozen when the ministry submits,
 * the ministry's self-assessment, the reviewer's score and note);
 * review_files the evidence uploads (levels are points on the indicator's
 * scale; the overall score is kept in hundredths, the store has no floats); the report PDF teken renders is kept
 * with its hash, then the reviewer's signed PDF. documents learn the
 * SHA-256 of the R8 statement they carry (the bsre_statement indicator).
 * oversight_reminders_sent: reminders already queued (svc/notify
 * notify_claim_once), keyed by kind and reference, so a restart or a
 * second node never sends one twice; monev's claims move into it.
 */
static const char *const migration_12[] = {
	"CREATE TABLE review_instruments ("
	" version INTEGER PRIMARY KEY,"
	" title TEXT NOT NULL,"
	" body TEXT NOT NULL,"
	" sha256 TEXT NOT NULL,"
	" loaded_by TEXT NOT NULL,"
	" loaded_at INTEGER NOT NULL)",
	"CREATE TABLE reviews ("
	" id AUTOINC_PK,"
	" instrument_version INTEGER NOT NULL REFERENCES review_instruments(version),"
	" title TEXT NOT NULL,"
	" period_from TEXT NOT NULL,"
	" period_to TEXT NOT NULL,"
	" state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open','submitted','verified','closed')),"
	" score_x100 INTEGER,"
	" maturity INTEGER,"
	" findings TEXT NOT NULL DEFAULT '',"
	" result_json TEXT,"
	" report_pdf BLOB,"
	" report_sha256 TEXT,"
	" signed_pdf BLOB,"
	" signed_sha256 TEXT,"
	" signer_dn TEXT,"
	" opened_by TEXT NOT NULL,"
	" opened_at INTEGER NOT NULL,"
	" submitted_by TEXT,"
	" submitted_at INTEGER,"
	" closed_by TEXT,"
	" closed_at INTEGER,"
	" delivered_at INTEGER,"
	" updated_at INTEGER NOT NULL)",
	"CREATE INDEX reviews_state ON reviews(state)",
	"CREATE TABLE review_answers ("
	" review_id INTEGER NOT NULL REFERENCES reviews(id),"
	" indicator TEXT NOT NULL,"
	" auto_status TEXT CHECK (auto_status IN ('pass','fail','manual')),"
	" auto_evidence TEXT,"
	" self_level INTEGER,"
	" self_note TEXT,"
	" answered_by TEXT,"
	" answered_at INTEGER,"
	" level INTEGER,"
	" reviewer_note TEXT,"
	" scored_by TEXT,"
	" scored_at INTEGER,"
	" PRIMARY KEY (review_id, indicator))",
	"CREATE TABLE review_files ("
	" id AUTOINC_PK,"
	" review_id INTEGER NOT NULL REFERENCES reviews(id),"
	" indicator TEXT NOT NULL,"
	" filename TEXT NOT NULL,"
	" mime TEXT NOT NULL,"
	" size INTEGER NOT NULL,"
	" sha256 TEXT NOT NULL,"
	" data BLOB NOT NULL,"
	" uploaded_by TEXT NOT NULL,"
	" uploaded_at INTEGER NOT NULL)",
	"CREATE INDEX review_files_review ON review_files(review_id)",
	"ALTER TABLE documents ADD COLUMN statement_sha256 TEXT",
	"CREATE TABLE oversight_reminders_sent ("
	" kind TEXT NOT NULL,"
	" ref TEXT NOT NULL,"
	" at INTEGER NOT NULL,"
	" PRIMARY KEY (kind, ref))",
	"INSERT INTO oversight_reminders_sent (kind, ref, at) SELECT 'monev.' || kind, ref, at FROM monev_reminders_sent",
	"DROP TABLE monev_reminders_sent",
	NULL,
};

/*
 * Oversight, part 2 (R5, docs/policy.md): recommendations from reviews,
 * assessments, the issuer's technical advice or evaluations, with owner,
 * due date, status and evidence of closure; the ministry's internal
 * policies as versioned documents (drafted, commented on by auditors,
 * approved, published; one published version per name), whose rules
 * (JSON) the signing service enforces for the application they name. A
 * published version is withdrawn by two admins: withdraw_requested_by
 * holds the first one's name until another confirms.
 */
static const char *const migration_13[] = {
	"CREATE TABLE recommendations ("
	" id AUTOINC_PK,"
	" source TEXT NOT NULL CHECK (source IN ('review','assessment','advice','monev')),"
	" source_ref TEXT,"
	" title TEXT NOT NULL,"
	" body TEXT NOT NULL,"
	" severity TEXT NOT NULL DEFAULT 'medium' CHECK (severity IN ('low','medium','high','critical')),"
	" owner TEXT NOT NULL,"
	" owner_email BLOB,"
	" due_on TEXT NOT NULL,"
	" status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','in_progress','done','accepted_risk')),"
	" closing_note TEXT,"
	" created_by TEXT NOT NULL,"
	" created_at INTEGER NOT NULL,"
	" updated_at INTEGER NOT NULL,"
	" closed_at INTEGER)",
	"CREATE INDEX recommendations_status ON recommendations(status, due_on)",
	"CREATE TABLE recommendation_files ("
	" id AUTOINC_PK,"
	" recommendation_id INTEGER NOT NULL REFERENCES recommendations(id),"
	" filename TEXT NOT NULL,"
	" mime TEXT NOT NULL,"
	" size INTEGER NOT NULL,"
	" sha256 TEXT NOT NULL,"
	" data BLOB NOT NULL,"
	" uploaded_by TEXT NOT NULL,"
	" uploaded_at INTEGER NOT NULL)",
	"CREATE TABLE policies ("
	" id AUTOINC_PK,"
	" name TEXT NOT NULL,"
	" version INTEGER NOT NULL,"
	" kind TEXT NOT NULL CHECK (kind IN ('signing','security','other')),"
	" application TEXT,"
	" title TEXT NOT NULL,"
	" body TEXT NOT NULL,"
	" rules TEXT,"
	" state TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft','approved','published','superseded','withdrawn')),"
	" created_by TEXT NOT NULL,"
	" created_at INTEGER NOT NULL,"
	" approved_by TEXT,"
	" approved_at INTEGER,"
	" published_by TEXT,"
	" published_at INTEGER,"
	" withdraw_requested_by TEXT,"
	" updated_at INTEGER NOT NULL,"
	" UNIQUE (name, version))",
	"CREATE UNIQUE INDEX policies_published ON policies(name) WHERE state = 'published'",
	"CREATE INDEX policies_application ON policies(application, state)",
	"CREATE TABLE policy_comments ("
	" id AUTOINC_PK,"
	" policy_id INTEGER NOT NULL REFERENCES policies(id),"
	" author TEXT NOT NULL,"
	" author_role TEXT NOT NULL,"
	" body TEXT NOT NULL,"
	" at INTEGER NOT NULL)",
	NULL,
};

/*
 * Oversight, part 3 (R6, docs/assessments.md): security-assessment reports
 * the issuer requests for a named electronic system, with a due date; the
 * ministry's answer: the report file (AES-256-GCM sealed under a key of
 * the instance, bound to its row, never stored in the clear), its date,
 * scope, assessor, findings by severity and remediation status. status
 * 'requested' is unanswered; 'submitted' once a report is on file;
 * 'accepted' or 'returned' (return_reason) by the auditor; a returned
 * request takes a corrected report (a new version; all are kept, the
 * latest counts). Contract (read by the implementation review):
 * assessment_requests.id, system_name, due_on, status.
 * assessment_reports: the severity counts are plain (dashboards, the
 * review); the list of findings (titles say what is vulnerable) is sealed
 * JSON in findings_sealed, like the file.
 */
static const char *const migration_14[] = {
	"CREATE TABLE assessment_requests ("
	" id AUTOINC_PK,"
	" system_name TEXT NOT NULL,"
	" scope TEXT NOT NULL,"
	" due_on TEXT NOT NULL,"
	" status TEXT NOT NULL DEFAULT 'requested' CHECK (status IN ('requested','submitted','accepted','returned')),"
	" note TEXT,"
	" requested_by TEXT NOT NULL,"
	" requested_at INTEGER NOT NULL,"
	" answered_at INTEGER,"
	" decided_by TEXT,"
	" decided_at INTEGER,"
	" return_reason TEXT,"
	" updated_at INTEGER NOT NULL)",
	"CREATE INDEX assessment_requests_status ON assessment_requests(status, due_on)",
	"CREATE TABLE assessment_reports ("
	" id AUTOINC_PK,"
	" request_id INTEGER NOT NULL REFERENCES assessment_requests(id),"
	" version INTEGER NOT NULL,"
	" report_date TEXT NOT NULL,"
	" scope TEXT NOT NULL,"
	" assessor TEXT NOT NULL,"
	" n_critical INTEGER NOT NULL,"
	" n_high INTEGER NOT NULL,"
	" n_medium INTEGER NOT NULL,"
	" n_low INTEGER NOT NULL,"
	" n_info INTEGER NOT NULL,"
	" findings_sealed BLOB NOT NULL,"
	" remediation TEXT NOT NULL CHECK (remediation IN ('open','in_progress','remediated','accepted')),"
	" filename TEXT NOT NULL,"
	" size INTEGER NOT NULL,"
	" sha256 TEXT NOT NULL,"
	" sealed BLOB NOT NULL,"
	" uploaded_by TEXT NOT NULL,"
	" uploaded_at INTEGER NOT NULL,"
	" UNIQUE (request_id, version))",
	NULL,
};

/*
 * Oversight, part 4 (R12, docs/support.md): technical-support tickets on
 * authenticity, integrity and non-repudiation, opened by ministry staff,
 * applications or the public verify page, linked to a registry document,
 * a certificate or a verification report (kept as evidence). ref is the
 * number people quote; access_hash the SHA-256 of the follow-up token a
 * member of the public holds; reporter_contact is sealed personal data.
 * first_answer_at / resolved_at give the times the usage report counts.
 */
static const char *const migration_15[] = {
	"CREATE TABLE tickets ("
	" id AUTOINC_PK,"
	" ref TEXT NOT NULL UNIQUE,"
	" channel TEXT NOT NULL CHECK (channel IN ('staff','api','public')),"
	" category TEXT NOT NULL CHECK (category IN ('authenticity','integrity','non_repudiation','other')),"
	" subject TEXT NOT NULL,"
	" status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','answered','resolved','closed')),"
	" opened_by TEXT NOT NULL,"
	" reporter_name TEXT,"
	" reporter_contact BLOB,"
	" access_hash TEXT,"
	" unit TEXT NOT NULL DEFAULT '',"
	" application TEXT NOT NULL DEFAULT '',"
	" document_id TEXT,"
	" cert_serial TEXT,"
	" verification_report TEXT,"
	" assignee TEXT,"
	" created_at INTEGER NOT NULL,"
	" first_answer_at INTEGER,"
	" resolved_at INTEGER,"
	" updated_at INTEGER NOT NULL)",
	"CREATE INDEX tickets_created ON tickets(created_at)",
	"CREATE INDEX tickets_status ON tickets(status)",
	"CREATE TABLE ticket_messages ("
	" id AUTOINC_PK,"
	" ticket_id INTEGER NOT NULL REFERENCES tickets(id),"
	" author TEXT NOT NULL,"
	" side TEXT NOT NULL CHECK (side IN ('ministry','issuer','public','application')),"
	" body TEXT NOT NULL,"
	" at INTEGER NOT NULL)",
	"CREATE INDEX ticket_messages_ticket ON ticket_messages(ticket_id)",
	"CREATE TABLE ticket_files ("
	" id AUTOINC_PK,"
	" ticket_id INTEGER NOT NULL REFERENCES tickets(id),"
	" filename TEXT NOT NULL,"
	" mime TEXT NOT NULL,"
	" size INTEGER NOT NULL,"
	" sha256 TEXT NOT NULL,"
	" data BLOB NOT NULL,"
	" added_by TEXT NOT NULL,"
	" at INTEGER NOT NULL)",
	NULL,
};

/*
 * The agreement's own life (R13, R14, R15; docs/agreements.md, notices.md,
 * literacy.md). One migration for the four parts built together:
 *
 * attachments: files of any record (owner names the table, owner_id its
 * row): letter evidence, event materials. svc/files keeps them, sealed by
 * the instance key when the owner asks; the owning domain decides who may
 * add or read. Dates that are calendar dates (not instants) are TEXT
 * YYYY-MM-DD in WIB, the agreement's own time zone.
 */
static const char *const migration_16[] = {
	"CREATE TABLE attachments ("
	" id AUTOINC_PK,"
	" owner TEXT NOT NULL,"
	" owner_id INTEGER NOT NULL,"
	" filename TEXT NOT NULL,"
	" mime TEXT NOT NULL,"
	" size INTEGER NOT NULL,"
	" sha256 TEXT NOT NULL,"
	" sealed INTEGER NOT NULL DEFAULT 0,"
	" data BLOB NOT NULL,"
	" added_by TEXT NOT NULL,"
	" at INTEGER NOT NULL)",
	"CREATE INDEX attachments_owner ON attachments(owner, owner_id)",
	/* The holiday calendar (svc/calendar): a year loaded by an admin from its
	 * decree (SKB 3 Menteri) overrides the shipped data file for that year. */
	"CREATE TABLE holiday_years ("
	" year INTEGER PRIMARY KEY,"
	" status TEXT NOT NULL CHECK (status IN ('decreed','provisional')),"
	" decree TEXT NOT NULL DEFAULT '',"
	" loaded_by TEXT NOT NULL,"
	" loaded_at INTEGER NOT NULL)",
	"CREATE TABLE holidays ("
	" year INTEGER NOT NULL REFERENCES holiday_years(year),"
	" day TEXT NOT NULL,"
	" kind TEXT NOT NULL CHECK (kind IN ('national','cuti_bersama')),"
	" name TEXT NOT NULL,"
	" PRIMARY KEY (day, kind))",
	/* Agreement register (R15). ends_on follows signed_on + term_months and
	 * any extending addendum; status in_force/extended/ended. The signed PDF
	 * (of the agreement, of an addendum) keeps its verification: indication,
	 * sub-indication, a summary of the signatures as JSON, who uploaded it. */
	"CREATE TABLE agreements ("
	" id AUTOINC_PK,"
	" title TEXT NOT NULL,"
	" number_first TEXT NOT NULL,"
	" number_second TEXT NOT NULL,"
	" party_first TEXT NOT NULL,"
	" party_second TEXT NOT NULL,"
	" signed_on TEXT NOT NULL,"
	" term_months INTEGER NOT NULL DEFAULT 48,"
	" ends_on TEXT NOT NULL,"
	" status TEXT NOT NULL DEFAULT 'in_force' CHECK (status IN ('in_force','extended','ended')),"
	" ended_on TEXT,"
	" end_reason TEXT,"
	" document_id TEXT,"
	" pdf BLOB,"
	" pdf_sha256 TEXT,"
	" created_by TEXT NOT NULL,"
	" created_at INTEGER NOT NULL,"
	" updated_at INTEGER NOT NULL,"
	" pdf_indication TEXT,"
	" pdf_subindication TEXT,"
	" pdf_verification TEXT,"
	" pdf_uploaded_by TEXT,"
	" pdf_uploaded_at INTEGER)",
	"CREATE TABLE agreement_addenda ("
	" id AUTOINC_PK,"
	" agreement_id INTEGER NOT NULL REFERENCES agreements(id),"
	" number TEXT NOT NULL,"
	" title TEXT NOT NULL,"
	" signed_on TEXT NOT NULL,"
	" effective_on TEXT NOT NULL,"
	" summary TEXT NOT NULL DEFAULT '',"
	" extends_to TEXT,"
	" document_id TEXT,"
	" pdf BLOB,"
	" pdf_sha256 TEXT,"
	" created_by TEXT NOT NULL,"
	" created_at INTEGER NOT NULL,"
	" pdf_indication TEXT,"
	" pdf_subindication TEXT,"
	" pdf_verification TEXT,"
	" pdf_uploaded_by TEXT,"
	" pdf_uploaded_at INTEGER)",
	/* Contacts per party with their history: the current one has valid_to
	 * NULL. changed_on is the change's date, notice_due the last day to
	 * notify the other party (7 working days, art. 15(2)), letter_id the
	 * letter that did. */
	"CREATE TABLE agreement_contacts ("
	" id AUTOINC_PK,"
	" agreement_id INTEGER NOT NULL REFERENCES agreements(id),"
	" party TEXT NOT NULL CHECK (party IN ('first','second')),"
	" official TEXT NOT NULL,"
	" position TEXT NOT NULL DEFAULT '',"
	" address TEXT NOT NULL DEFAULT '',"
	" phone TEXT NOT NULL DEFAULT '',"
	" email TEXT NOT NULL DEFAULT '',"
	" valid_from TEXT NOT NULL,"
	" valid_to TEXT,"
	" changed_on TEXT,"
	" notice_due TEXT,"
	" letter_id INTEGER,"
	" recorded_by TEXT NOT NULL,"
	" recorded_at INTEGER NOT NULL)",
	"CREATE INDEX agreement_contacts_agreement ON agreement_contacts(agreement_id, party)",
	/* Correspondence: outgoing letters rendered, signed and sent from teken,
	 * incoming ones registered with their date of receipt. event_date is what
	 * the letter is about (proposed end, effective date, date of the change
	 * or of the force majeure); deadline the last valid day for sending it;
	 * reply_due when the other party must answer or acknowledge. */
	"CREATE TABLE letters ("
	" id AUTOINC_PK,"
	" agreement_id INTEGER NOT NULL REFERENCES agreements(id),"
	" direction TEXT NOT NULL CHECK (direction IN ('outgoing','incoming')),"
	" kind TEXT NOT NULL CHECK (kind IN ('termination','amendment_proposal','amendment_answer','contact_change',"
	"'force_majeure_verbal','force_majeure_written','general')),"
	" number TEXT NOT NULL DEFAULT '',"
	" subject TEXT NOT NULL,"
	" fields TEXT NOT NULL DEFAULT '{}',"
	" letter_date TEXT NOT NULL,"
	" event_date TEXT,"
	" deadline TEXT,"
	" reply_due TEXT,"
	" in_reply_to INTEGER REFERENCES letters(id),"
	" status TEXT NOT NULL CHECK (status IN ('draft','signed','sent','received','acknowledged','answered','withdrawn')),"
	" recipient TEXT NOT NULL DEFAULT '',"
	" pdf BLOB,"
	" pdf_sha256 TEXT,"
	" document_id TEXT,"
	" signed_by TEXT,"
	" signed_at INTEGER,"
	" sent_at INTEGER,"
	" received_on TEXT,"
	" acknowledged_on TEXT,"
	" acknowledged_by TEXT,"
	" created_by TEXT NOT NULL,"
	" created_at INTEGER NOT NULL,"
	" updated_at INTEGER NOT NULL)",
	"CREATE INDEX letters_agreement ON letters(agreement_id, kind)",
	/* Change notices of the certificate service (R13): published by the
	 * issuer side, acknowledged once by the ministry (acked_*). */
	"CREATE TABLE notices ("
	" id AUTOINC_PK,"
	" category TEXT NOT NULL CHECK (category IN ('change','addition','development','maintenance','security')),"
	" severity TEXT NOT NULL CHECK (severity IN ('info','important','critical')),"
	" title_id TEXT NOT NULL,"
	" title_en TEXT NOT NULL,"
	" body_id TEXT NOT NULL,"
	" body_en TEXT NOT NULL,"
	" effective_on TEXT NOT NULL,"
	" status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft','published','withdrawn')),"
	" created_by TEXT NOT NULL,"
	" created_at INTEGER NOT NULL,"
	" published_by TEXT,"
	" published_at INTEGER,"
	" updated_at INTEGER NOT NULL,"
	" acked_by TEXT,"
	" acked_at INTEGER,"
	" ack_note TEXT,"
	" withdrawn_at INTEGER,"
	" withdrawn_by TEXT,"
	" withdraw_reason TEXT)",
	"CREATE INDEX notices_published ON notices(status, published_at)",
	/* Webhook receivers: secret sealed by the instance key (HMAC-SHA256 key). */
	"CREATE TABLE webhooks ("
	" id AUTOINC_PK,"
	" url TEXT NOT NULL,"
	" secret BLOB NOT NULL,"
	" description TEXT NOT NULL DEFAULT '',"
	" active INTEGER NOT NULL DEFAULT 1,"
	" created_by TEXT NOT NULL,"
	" created_at INTEGER NOT NULL,"
	" updated_at INTEGER NOT NULL)",
	"CREATE TABLE webhook_deliveries ("
	" id AUTOINC_PK,"
	" webhook_id INTEGER NOT NULL REFERENCES webhooks(id),"
	" notice_id INTEGER NOT NULL REFERENCES notices(id),"
	" event TEXT NOT NULL,"
	" status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','delivered','failed')),"
	" attempts INTEGER NOT NULL DEFAULT 0,"
	" next_at INTEGER NOT NULL,"
	" last_code INTEGER,"
	" last_error TEXT,"
	" created_at INTEGER NOT NULL,"
	" updated_at INTEGER NOT NULL,"
	" payload TEXT NOT NULL DEFAULT '{}')",
	"CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, next_at)",
	"CREATE TABLE webhook_attempts ("
	" id AUTOINC_PK,"
	" delivery_id INTEGER NOT NULL REFERENCES webhook_deliveries(id),"
	" at INTEGER NOT NULL,"
	" code INTEGER,"
	" error TEXT,"
	" ms INTEGER NOT NULL)",
	/* Literacy, socialisation and training (R14). */
	"CREATE TABLE events ("
	" id AUTOINC_PK,"
	" kind TEXT NOT NULL CHECK (kind IN ('sosialisasi','bimtek','media')),"
	" title TEXT NOT NULL,"
	" description TEXT NOT NULL DEFAULT '',"
	" starts_on TEXT NOT NULL,"
	" ends_on TEXT NOT NULL,"
	" place TEXT NOT NULL DEFAULT '',"
	" organiser TEXT NOT NULL CHECK (organiser IN ('first','second','joint')),"
	" speakers TEXT NOT NULL DEFAULT '[]',"
	" audience TEXT NOT NULL DEFAULT '[]',"
	" is_public INTEGER NOT NULL DEFAULT 0,"
	" status TEXT NOT NULL DEFAULT 'planned' CHECK (status IN ('planned','held','cancelled')),"
	" created_by TEXT NOT NULL,"
	" created_at INTEGER NOT NULL,"
	" updated_at INTEGER NOT NULL,"
	" online INTEGER NOT NULL DEFAULT 0)",
	"CREATE INDEX events_starts ON events(starts_on)",
	"CREATE TABLE event_participants ("
	" id AUTOINC_PK,"
	" event_id INTEGER NOT NULL REFERENCES events(id),"
	" user_id INTEGER,"
	" name TEXT NOT NULL,"
	" unit TEXT NOT NULL DEFAULT '',"
	" party TEXT NOT NULL CHECK (party IN ('first','second','public')),"
	" attended INTEGER NOT NULL DEFAULT 0,"
	" added_by TEXT NOT NULL,"
	" added_at INTEGER NOT NULL,"
	" subscriber_id INTEGER)",
	"CREATE INDEX event_participants_event ON event_participants(event_id)",
	/* An outbox message may carry one attachment (a signed letter). */
	"ALTER TABLE outbox ADD COLUMN attachment_id INTEGER",
	/* The public /literasi page's text, versioned (newest wins). */
	"CREATE TABLE literacy_pages ("
	" version INTEGER PRIMARY KEY,"
	" body_id TEXT NOT NULL,"
	" body_en TEXT NOT NULL,"
	" edited_by TEXT NOT NULL,"
	" edited_at INTEGER NOT NULL)",
	/* Literacy (R14): public events by their end. */
	"CREATE INDEX events_public ON events(is_public, ends_on)",
	/* Change notices (R13): delivery and attempt logs by parent. */
	"CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries(webhook_id, id)",
	"CREATE INDEX webhook_attempts_delivery ON webhook_attempts(delivery_id, id)",
	"CREATE INDEX agreement_addenda_agreement ON agreement_addenda(agreement_id)",
	NULL,
};

/*
 * The official's own page (issue 14; docs/security.md, docs/signing.md).
 * users.must_change_password: 1 while a person logs in with a password
 * someone else chose (an admin's or the operator's; [auth]
 * password_change_first_login); the session may then only change it.
 * documents.filename: the signed file's name as uploaded, for the
 * official's history. document_files.owner_copy: 1 for the official's copy
 * of a file signed through the web, kept [sign] keep_days and downloadable
 * again until then; 0 for an application's single-use BSrE v1 copy.
 */
static const char *const migration_17[] = {
	"ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0",
	"ALTER TABLE documents ADD COLUMN filename TEXT",
	"ALTER TABLE document_files ADD COLUMN owner_copy INTEGER NOT NULL DEFAULT 0",
	"CREATE INDEX documents_subscriber ON documents(subscriber_id, signed_at)",
	"CREATE INDEX document_files_expires ON document_files(expires_at)",
	NULL,
};

static const char *const *const migrations[] = {
	migration_1,
	migration_2,
	migration_3,
	migration_4,
	migration_5,
	migration_6,
	migration_7,
	migration_8,
	migration_9,
	migration_10,
	migration_11,
	migration_12,
	migration_13,
	migration_14,
	migration_15,
	migration_16,
	migration_17,
};

enum tk_err store_migrate(struct store *st)
{
	int64_t have = 0;
	size_t v, i;
	enum tk_err rc;

	if ((rc = store_begin(st, STORE_TX_WRITE)) != TK_OK)
		return rc;
	rc = store_exec(st, "CREATE TABLE IF NOT EXISTS schema_migrations ("
			    " version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
	if (rc == TK_OK)
		rc = store_schema_version(st, &have);
	if (rc != TK_OK)
		goto fail;
	if (have > (int64_t)(sizeof(migrations) / sizeof(migrations[0]))) {
		rc = tk_fail(TK_ERR_STORE, "store: schema version %lld is newer than this teken (%zu); upgrade teken",
		    (long long)have, sizeof(migrations) / sizeof(migrations[0]));
		goto fail;
	}
	for (v = (size_t)have; v < sizeof(migrations) / sizeof(migrations[0]); v++) {
		struct store_stmt *s = NULL;
		int row;
		for (i = 0; migrations[v][i] != NULL; i++)
			if ((rc = store_exec(st, migrations[v][i])) != TK_OK) {
				tk_wrap(rc, "migration %zu", v + 1);
				goto fail;
			}
		if ((rc = store_prepare(st, "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)", &s)) != TK_OK)
			goto fail;
		rc = store_bind_i64(s, 1, (int64_t)v + 1);
		if (rc == TK_OK)
			rc = store_bind_i64(s, 2, tk_now());
		if (rc == TK_OK)
			rc = store_step(s, &row);
		store_finalize(s);
		if (rc != TK_OK)
			goto fail;
	}
	return store_commit(st);
fail:
	store_rollback(st);
	return rc;
}

/*
 * svc: the service layer, the only place that combines store, keys and
 * policy. CLI commands and HTTP handlers call one function here each.
 *
 * An instance is a directory (config, instance key, SQLite store or a
 * PostgreSQL URL). struct instance is shared, read-only after open; every
 * caller (a CLI run, an HTTP request) works through a struct svc_ctx that
 * carries its own store connection and the actor for the audit log.
 */
#ifndef TEKEN_SVC_H
#define TEKEN_SVC_H

#include "core/core.h"
#include "keys/keys.h"
#include "store/store.h"

#include <limits.h>
#include <openssl/x509.h>
#include <pthread.h>

#define INSTANCE_KEY_CACHE 16

struct config;

struct instance {
	char dir[PATH_MAX];
	char store_url[PATH_MAX + 16];
	struct config *cfg;
	uint8_t ikey[32]; /* instance key: wraps software keys and PII keys */
	char base_url[256];
	char digest[16];
	char policy_oid[64];
	uint8_t pii_key[32];   /* seals personal data columns (HKDF of ikey) */
	uint8_t index_key[32]; /* HMAC key of the NIK blind index */
	/* Decrypted keys, loaded once per process (decoding an RSA key costs
	 * more than signing with it). Names are immutable, so no invalidation. */
	pthread_mutex_t key_lock;
	struct key *keys[INSTANCE_KEY_CACHE];
	size_t nkeys;
	/* CA certificates by name, parsed once (decoding is costly in OpenSSL 3). */
	struct {
		char name[32];
		char key_name[64];
		int64_t id;
		X509 *cert;
	} cas[4];
	size_t ncas;
};

/* Who acts, for the audit log. */
struct actor {
	char user[64];
	char role[24];
	char ip[48];
};

struct svc_ctx {
	struct instance *inst;
	struct store *st;
	struct actor actor;
};

/* Who is calling over HTTP, after authentication. */
struct auth_principal {
	int64_t id;       /* user id or API key id; 0 when anonymous */
	char user[64];
	char role[24];    /* "" when anonymous */
	char kind[8];     /* "session", "apikey" or "" */
	char csrf[40];    /* session CSRF token */
	char units[256];  /* API key: comma list of units it may act for */
};

/* ---- instance (svc/instance.c) ---- */

struct init_opts {
	const char *dir;
	const char *store_url;   /* NULL: sqlite in dir */
	const char *key_alg;     /* CA keys; NULL: rsa3072 */
	const char *leaf_key_alg;/* TSA, OCSP, seal; NULL: same as key_alg */
	const char *base_url;    /* NULL: http://127.0.0.1:8443 */
	const char *org;         /* NULL: demo ministry name */
	const char *cps_file;    /* optional first CPS (Markdown) */
	const char *policy_oid;  /* certificatePolicies OID; NULL: the placeholder arc */
	/* All three or none: the five instance keys are generated on this PKCS#11
	 * token instead of in software (docs/hsm.md). */
	const char *pkcs11_module;   /* module (shared library) path */
	const char *pkcs11_token;    /* token label */
	const char *pkcs11_pin_file; /* file with the user PIN, mode 0600 */
	int demo;
};

/*
 * Creates a new instance in opts->dir: config, instance key, store, root
 * and issuing CA, TSA, OCSP signer and seal certificates, all in one
 * transaction with audit events. Refuses (TK_ERR_EXISTS) an initialised
 * dir; on any failure removes what it created.
 */
enum tk_err instance_init(const struct init_opts *opts) WARN_UNUSED;
/* Opens an instance; caller frees with instance_close(). */
enum tk_err instance_open(const char *dir, struct instance **out) WARN_UNUSED;
void instance_close(struct instance *inst);
/* Opens a store connection of the instance for one thread. */
enum tk_err instance_connect(struct instance *inst, struct store **out) WARN_UNUSED;
/* Fills a context with a fresh connection; release with svc_ctx_done(). */
enum tk_err svc_ctx_open(struct instance *inst, const char *user, const char *role, const char *ip,
    struct svc_ctx *out) WARN_UNUSED;
void svc_ctx_done(struct svc_ctx *c);
/* Loads a private key by name (software or PKCS#11). Caller frees. */
enum tk_err svc_key_load(struct svc_ctx *c, const char *name, struct key **out) WARN_UNUSED;

/* ---- users, sessions and API keys (svc/auth.c) ---- */

/* Roles: admin verifikator subscriber application auditor. */
int auth_role_valid(const char *role);
/* Creates a human user with an Argon2id password hash. */
enum tk_err auth_user_add(struct svc_ctx *c, const char *user, const char *password, const char *role,
    const char *display_name, int64_t *id) WARN_UNUSED;
/* Lists users as a JSON array text (caller frees). */
enum tk_err auth_user_list(struct svc_ctx *c, char **json_out) WARN_UNUSED;
enum tk_err auth_user_set_active(struct svc_ctx *c, const char *user, int active) WARN_UNUSED;
/* Sets a new password (operator recovery, e.g. a forgotten admin password): ends the user's sessions and lockout. */
enum tk_err auth_user_set_password(struct svc_ctx *c, const char *user, const char *password) WARN_UNUSED;
/*
 * Checks a password and opens a session. Unknown user and wrong password
 * give the same error ("invalid_credentials"); after too many failures the
 * name is locked for a while ("too_many_attempts"), whether it exists or not.
 * token_out receives the session token (shown once; only its hash is stored).
 */
enum tk_err auth_login(struct svc_ctx *c, const char *user, const char *password, char token_out[64],
    struct auth_principal *who) WARN_UNUSED;
enum tk_err auth_session(struct svc_ctx *c, const char *token, struct auth_principal *who) WARN_UNUSED;
enum tk_err auth_logout(struct svc_ctx *c, const char *token) WARN_UNUSED;
/* Creates an API key for an application; key_out is shown once. */
enum tk_err auth_apikey_create(struct svc_ctx *c, const char *name, const char *units, char key_out[80],
    int64_t *id) WARN_UNUSED;
enum tk_err auth_apikey(struct svc_ctx *c, const char *key, struct auth_principal *who) WARN_UNUSED;
/* Lists API keys (id, prefix, name, units, created_at, revoked_at; never the secret) as JSON array text. */
enum tk_err auth_apikey_list(struct svc_ctx *c, char **json_out) WARN_UNUSED;
/*
 * HTTP Basic credentials of an application (base64 "user:password" as in
 * the header): user "esign-<key prefix>", password the key's secret part,
 * so BSrE Esign Client integrations work with the same API key.
 */
enum tk_err auth_basic(struct svc_ctx *c, const char *b64, struct auth_principal *who) WARN_UNUSED;
/* The Basic credentials of an API key (user out: 24 bytes, password: 48). */
enum tk_err auth_basic_of_key(const char *key, char user[24], char password[48]) WARN_UNUSED;
enum tk_err auth_apikey_revoke(struct svc_ctx *c, int64_t id) WARN_UNUSED;

/* ---- personal data (svc/pii.c) ---- */

/* Seals a PII value under the instance PII key, bound to its field name. */
enum tk_err pii_seal(const struct instance *inst, const char *field, const char *value, struct buf *out) WARN_UNUSED;
/* Opens a sealed value into out as a NUL-terminated string (use a secret buf). */
enum tk_err pii_open(const struct instance *inst, const char *field, const uint8_t *blob, size_t len,
    struct buf *out) WARN_UNUSED;
/* HMAC-SHA-256 blind index of a NIK, hex. */
void pii_nik_index(const struct instance *inst, const char *nik, char out[65]);
/* Blind index of an e-mail address (compared case-insensitively), hex. */
void pii_email_index(const struct instance *inst, const char *email, char out[65]);
/* 16 digits with a plausible province code and birth date part. */
enum tk_err nik_check(const char *nik) WARN_UNUSED;

/* ---- registration authority (svc/ra.c) ---- */

struct ra_identity {
	const char *nik, *nip, *full_name, *email, *phone, *unit, *position;
};

struct ra_file {
	const char *kind;     /* "sk" (appointment decree), "ktp" (ID card), "other" */
	const char *filename;
	const uint8_t *data;
	size_t len;
};

struct ra_enroll_in {
	struct ra_identity id;
	const struct ra_file *files;
	size_t nfiles;
	const char *passphrase;  /* server-generated key, sealed under it ... */
	const uint8_t *csr;      /* ... or the subscriber's own key */
	size_t csr_len;
	const char *username;    /* account of the official; NULL: the caller */
};

/* Records identity, evidence and key, and files an "issue" request. */
enum tk_err ra_enroll(struct svc_ctx *c, const struct ra_enroll_in *in, int64_t *request_id) WARN_UNUSED;
/* Requests as JSON text (caller frees); status NULL for all. */
enum tk_err ra_requests_json(struct svc_ctx *c, const char *status, char **out) WARN_UNUSED;
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
 * once (*done = 1); anyone else files a request for Verifikators.
 */
enum tk_err ra_revoke(struct svc_ctx *c, const char *serial, const char *reason, int64_t *request_id, int *done) WARN_UNUSED;
/* Suspend (certificateHold) or resume a certificate: a request for Verifikators. */
enum tk_err ra_hold(struct svc_ctx *c, const char *serial, int hold, int64_t *request_id) WARN_UNUSED;
/* Lost passphrase: a new key sealed under new_passphrase, pending approval; the old key is destroyed on approval. */
enum tk_err ra_reset(struct svc_ctx *c, const char *username, const char *new_passphrase, int64_t *request_id) WARN_UNUSED;
/* Renewal: a new key under passphrase for the same verified identity. */
enum tk_err ra_renew(struct svc_ctx *c, const char *passphrase, int64_t *request_id) WARN_UNUSED;
/* An organisational seal certificate for a unit (two approvals by default). */
enum tk_err ra_seal(struct svc_ctx *c, const char *common_name, const char *unit, int64_t *request_id) WARN_UNUSED;
/* Re-seals the caller's active key under a new passphrase (needs the old one). */
enum tk_err ra_passphrase_change(struct svc_ctx *c, const char *old_pass, const char *new_pass) WARN_UNUSED;
/*
 * Unlocks the newest active key of a subscriber for signing. A wrong
 * passphrase and a missing key give the same error ("passphrase_invalid");
 * too many wrong passphrases lock the key until a reset.
 */
enum tk_err ra_key_unlock(struct svc_ctx *c, int64_t subscriber_id, const char *passphrase, struct key **key,
    X509 **cert) WARN_UNUSED;
/* Certificate status of an official in the BSrE vocabulary: ISSUE, NOT_REGISTERED,
 * NO_CERTIFICATE, WAITING_FOR_VERIFICATION, SUSPEND, REVOKE, EXPIRED. */
enum tk_err ra_status(struct svc_ctx *c, const char *nik, const char *email, char status[32], int64_t *subscriber_id) WARN_UNUSED;
/* The subscriber id of a user name (TK_ERR_NOT_FOUND when none). */
enum tk_err ra_subscriber_of(struct svc_ctx *c, const char *username, int64_t *id) WARN_UNUSED;
/* Subscribers as JSON (PII opened only for admin/verifikator callers). */
enum tk_err ra_subscribers_json(struct svc_ctx *c, char **out) WARN_UNUSED;
/* Everything held about the subscriber behind username (UU 27/2022 access right). */
enum tk_err ra_export_json(struct svc_ctx *c, const char *username, char **out) WARN_UNUSED;
/* The certificates of the subscriber behind username (serial, profile, subject, validity, status); no PII read. */
enum tk_err ra_my_certificates_json(struct svc_ctx *c, const char *username, char **out) WARN_UNUSED;
/* An evidence file, opened (access logged); mime as sniffed at upload. */
enum tk_err ra_evidence_get(struct svc_ctx *c, int64_t id, struct buf *out, char mime[32]) WARN_UNUSED;
/* Erasure: PII replaced by a tombstone; certificates and audit records stay. */
enum tk_err ra_erase(struct svc_ctx *c, int64_t subscriber_id) WARN_UNUSED;

/* ---- notifications (svc/notify.c) ---- */

/* Queues an e-mail (recipient sealed as PII) inside the caller's transaction. */
enum tk_err notify_queue(struct svc_ctx *c, const char *recipient, const char *subject, const char *body) WARN_UNUSED;
/* Delivers queued mail over SMTP ([smtp] url, from); counts what was sent. */
enum tk_err notify_deliver(struct svc_ctx *c, int *sent, int *failed) WARN_UNUSED;
/* Queues expiry reminders 30, 7 and 1 days before notAfter (once each). */
enum tk_err notify_expiry_reminders(struct svc_ctx *c, int *queued) WARN_UNUSED;

/* ---- signing (svc/sign.c) ---- */

struct sign_in {
	const uint8_t *data;      /* the PDF (or any file for CAdES) */
	size_t len;
	int cades;                /* detached CMS of data instead of PAdES */
	int seal;                 /* sign with the instance seal ... */
	const char *seal_key;     /* ... or with this seal (key name from an approved seal request, "seal-<n>") */
	const char *subscriber;   /* or: a subscriber's user name ... */
	const char *nik;          /* ... or NIK (applications) */
	const char *passphrase;   /* the subscriber's passphrase */
	const char *level;        /* "B-B" (default), "B-T" */
	int docmdp;               /* certification P value, 0: approval */
	const char *field;        /* existing empty field to use */
	const char *reason, *location;
	int visible;
	size_t page;              /* from 0; SIZE_MAX: last (or, with anchor, the first page showing it) */
	double rect[4];
	const char *anchor;       /* place the stamp at this text (rect gives only width and height) */
	const uint8_t *image;     /* signature image on the stamp (PNG or JPEG) */
	size_t image_len;
	const char *application;  /* API key name, for the registry */
	const char *unit;
	int64_t subscriber_id;    /* or: the subscriber found by the caller (takes precedence) */
	const char *qr_url;       /* QR target instead of <base>/v/<id> (BSrE linkQR) */
	int64_t keep_seconds;     /* keep the signed file for one download (BSrE v1) */
};

struct sign_out {
	char document_id[32];
	char level[24];
	size_t pages;
	struct buf out;           /* PAdES: the new revision to append; CAdES: the .p7s (caller frees) */
};

/*
 * Signs a PDF (PAdES, with the R8 statement) or any file (CAdES), records
 * it in the document registry and the audit log. Caller frees out->out.
 */
enum tk_err sign_document(struct svc_ctx *c, const struct sign_in *in, struct sign_out *out) WARN_UNUSED;
/* The signed file kept for app (single use: deleted once read). */
enum tk_err sign_download(struct svc_ctx *c, const char *document_id, const char *app, struct buf *out) WARN_UNUSED;
/*
 * An RFC 3161 token (DER ContentInfo) over data from the configured TSA:
 * [sign] tsa_url, or this instance's own TSA in-process. Checked for
 * status, imprint and nonce. Appends to token.
 */
enum tk_err timestamp_token(struct svc_ctx *c, const uint8_t *data, size_t len, struct buf *token) WARN_UNUSED;
/* The same over a digest made with timestamp_digest_name(). */
enum tk_err timestamp_token_digest(struct svc_ctx *c, const uint8_t *digest, size_t dlen, struct buf *token) WARN_UNUSED;
/* The digest the configured TSA is asked to stamp ("sha256" by default). */
const char *timestamp_digest_name(const struct instance *inst);
/* ---- long-term validation (svc/ltv.c) ---- */

struct ltv_report {
	size_t signatures, certs, crls, ocsps;
	size_t missing;         /* certificates without reachable revocation data */
	char missing_what[256];
};
/*
 * Adds a /DSS with validation data for every signature (PAdES B-LT) and,
 * with lta, a document timestamp (B-LTA) to pdf; the new revisions are
 * appended to tail.
 */
enum tk_err ltv_extend(struct svc_ctx *c, const uint8_t *pdf, size_t len, int lta, struct buf *tail, struct ltv_report *r) WARN_UNUSED;

/* The R8 statement text configured for this instance (never empty). */
const char *sign_statement(const struct instance *inst);

/* ---- backup and restore (svc/backup.c) ---- */

/* A tar of MANIFEST.json, teken.conf, a consistent copy of teken.db and, if asked, instance.key. */
enum tk_err backup_create(struct svc_ctx *c, int with_key, struct buf *out) WARN_UNUSED;
/*
 * Restores a backup into a new instance directory, checking every member
 * against the manifest and the audit chain afterwards; on failure nothing
 * is left behind. key_file supplies an instance key kept apart.
 */
struct audit_report;
enum tk_err backup_restore(const char *dir, const uint8_t *p, size_t len, const char *key_file, struct audit_report *report) WARN_UNUSED;

/* ---- periodic jobs (svc/jobs.c) ---- */

struct jobs_state {
	int64_t last_hourly; /* reminders, CRL and OCSP freshness */
	int64_t last_daily;  /* signed audit checkpoint */
};
/* Runs what is due at now; failures are logged, never fatal. */
enum tk_err jobs_run(struct svc_ctx *c, int64_t now, struct jobs_state *js) WARN_UNUSED;

/* ---- audit log (svc/audit.c) ---- */

/*
 * Appends an event to the hash chain. Must run inside a write transaction
 * so the event commits or rolls back with the change it records.
 * details is a JSON object text (or NULL) and must hold no secret.
 */
enum tk_err audit_append(struct svc_ctx *c, const char *action, const char *object, const char *details) WARN_UNUSED;

struct audit_report {
	int64_t events;
	int64_t checkpoints;
	int64_t first_bad_seq; /* 0 when the chain is intact */
	char problem[256];
};
/* Recomputes the chain and checks signed checkpoints; r->first_bad_seq != 0 on damage. */
enum tk_err audit_verify(struct svc_ctx *c, struct audit_report *r) WARN_UNUSED;
/* Signs the current chain tip with the seal key and stores the checkpoint. */
enum tk_err audit_checkpoint(struct svc_ctx *c, int64_t *seq) WARN_UNUSED;

/* ---- certificate authority (svc/ca.c) ---- */

struct ca_issue_in {
	const uint8_t *csr;
	size_t csr_len;
	const char *profile;
	const char *subject;     /* NULL: from the CSR, checked against the profile */
	const char *subject_nik; /* optional: 16-digit NIK as serialNumber IDCID-... */
	int64_t subscriber_id;   /* 0: none */
};

struct ca_issue_out {
	char serial[41];
	struct buf der; /* caller frees with buf_free() */
};

/* Issues from a CSR under the issuing CA; certificate and audit in one transaction. */
enum tk_err ca_issue(struct svc_ctx *c, const struct ca_issue_in *in, struct ca_issue_out *out) WARN_UNUSED;
/* Revokes by serial (hex, any case, colons allowed) with an RFC 5280 reason name. */
enum tk_err ca_revoke(struct svc_ctx *c, const char *serial, const char *reason) WARN_UNUSED;
/* Builds a fresh full CRL of a CA ("issuing" or "root"), stores it, appends DER to out. */
enum tk_err ca_crl(struct svc_ctx *c, const char *ca_name, struct buf *out) WARN_UNUSED;
/*
 * The published CRL of a CA (DER appended to out): the stored one while it
 * is fresh (less than half its validity used), otherwise a new one.
 */
enum tk_err ca_crl_current(struct svc_ctx *c, const char *ca_name, struct buf *out, int64_t *this_update,
    int64_t *next_update) WARN_UNUSED;
/* A service certificate recorded in meta ("cert.seal", "cert.tsa", "cert.ocsp"). Caller frees. */
enum tk_err ca_cert_by_meta(struct svc_ctx *c, const char *meta, X509 **out) WARN_UNUSED;
/* DER of a CA certificate ("root", "issuing"). */
enum tk_err ca_cert_der(struct svc_ctx *c, const char *ca_name, struct buf *out) WARN_UNUSED;
/* PEM of the issuing CA then the root. */
enum tk_err ca_chain_pem(struct svc_ctx *c, struct buf *out) WARN_UNUSED;
/* PEM of one issued certificate by serial. */
enum tk_err ca_cert_pem(struct svc_ctx *c, const char *serial, struct buf *out) WARN_UNUSED;
/* Loads a CA's certificate and key ("root", "issuing"). Caller frees both. */
enum tk_err ca_load(struct svc_ctx *c, const char *name, int64_t *id, X509 **cert, struct key **key) WARN_UNUSED;

/* ---- certification practice statement (svc/cps.c) ---- */

/* Stores a new CPS version (Markdown); versions are immutable. */
enum tk_err cps_publish(struct svc_ctx *c, const char *version, const uint8_t *body, size_t len,
    char sha256_hex_out[65]) WARN_UNUSED;

struct cps_doc {
	char version[64];
	char sha256[65];
	int64_t published_at;
	struct buf body; /* caller frees */
};
/* Latest version when version is NULL. */
enum tk_err cps_get(struct svc_ctx *c, const char *version, struct cps_doc *out) WARN_UNUSED;

#endif

/*
 * svc/base: the instance (directory, config, keys, store), the caller
 * (struct actor) and the per-call context every service function takes.
 */
#ifndef TEKEN_SVC_BASE_H
#define TEKEN_SVC_BASE_H

#include "core/core.h"
#include "keys/keys.h"
#include <limits.h>
#include <openssl/x509.h>
#include <pthread.h>

#define INSTANCE_KEY_CACHE 16
#define INSTANCE_CERT_CACHE 256 /* parsed certificates kept by svc_cert_parse_cached(): every unit seal of a ministry */

struct config;
struct store; /* opaque to front ends: only src/svc talks to the store */

/* An open instance: directory, configuration, keys. Opaque outside src/svc (svc/base/base_int.h). */
struct instance;

/*
 * The caller of a service function. Every service entry point receives it
 * (in its svc_ctx) and decides by it: role, who the person or application
 * is and, for an application, the units its API key may act for. The CLI
 * is a named operator on the machine (kind ACTOR_OPERATOR); an HTTP
 * request starts anonymous and is filled in by auth_session/auth_apikey.
 */
enum actor_kind {
	ACTOR_ANONYMOUS = 0,
	ACTOR_PERSON,      /* logged-in human (session cookie) */
	ACTOR_APPLICATION, /* API key (Bearer or BSrE-style Basic) */
	ACTOR_OPERATOR,    /* the CLI, as the logged-in OS user */
};

#define ACTOR_ALL_UNITS "*" /* an API key's explicit, audited "every unit" */

struct actor {
	enum actor_kind kind;
	char role[24];   /* admin verifikator subscriber application auditor; "public" when anonymous */
	int64_t id;      /* users.id of a person, api_keys.id of an application; 0 otherwise */
	char user[64];   /* login name, application (API key) name, "cli:<login>" or "anonymous" */
	char units[256]; /* application: comma list of its key's units, or ACTOR_ALL_UNITS */
	char ip[48];
	int pw_change; /* person: must change the password someone else chose before anything else (auth_session_admit) */
};

/* "session", "apikey", "operator" or "" (for /api/v1/me). */
const char *actor_kind_name(const struct actor *a);
/* Is the actor an application whose key may act for unit? Exact match; "*" admits every unit. */
int actor_may_act_for_unit(const struct actor *a, const char *unit);

struct svc_ctx {
	struct instance *inst;
	struct store *st;
	struct actor actor;
};

/* ---- instance (svc/instance.c) ---- */

struct init_opts {
	const char *dir;
	const char *store_url;    /* NULL: sqlite in dir */
	const char *key_alg;      /* CA keys; NULL: rsa3072 */
	const char *leaf_key_alg; /* TSA, OCSP, seal; NULL: same as key_alg */
	const char *base_url;     /* NULL: http://127.0.0.1:8443 */
	const char *org;          /* NULL: demo ministry name */
	const char *cps_file;     /* optional first CPS (Markdown) */
	const char *policy_oid;   /* certificatePolicies OID; NULL: the placeholder arc */
	/* All three or none: the instance keys (five, and the audit key) are
	 * generated on this PKCS#11 token instead of in software (docs/hsm.md). */
	const char *pkcs11_module;   /* module (shared library) path */
	const char *pkcs11_token;    /* token label */
	const char *pkcs11_pin_file; /* file with the user PIN, mode 0600 */
	int demo;
};

/*
 * Creates a new instance in opts->dir: config, instance key, store, root
 * and issuing CA, TSA, OCSP signer and seal certificates, all in one
 * transaction with audit events, then the audit key (audit_key_ensure()).
 * Refuses (TK_ERR_EXISTS) an initialised dir; on any failure removes what
 * it created.
 */
enum tk_err instance_init(const struct init_opts *opts) WARN_UNUSED;
/* Opens an instance; caller frees with instance_close(). */
enum tk_err instance_open(const char *dir, struct instance **out) WARN_UNUSED;
void instance_close(struct instance *inst);
/* The instance's configuration (teken.conf), for front ends' own settings ([http], [instance] log). */
const struct config *instance_config(const struct instance *inst);
/* The public base URL ([instance] public_base_url). */
const char *instance_base_url(const struct instance *inst);
/* The message digest the instance signs with ("sha256", ...). */
const char *instance_digest(const struct instance *inst);
/* Applies pending store migrations once (before serving threads open their own connections). */
enum tk_err instance_migrate(struct instance *inst) WARN_UNUSED;
/*
 * For a serving thread: sets c->inst and c->st to this thread's store
 * connection (opened on first use, closed when the thread ends); c->actor
 * is left as it is. Call svc_ctx_request_end() when the request is done.
 */
enum tk_err svc_ctx_thread(struct instance *inst, struct svc_ctx *c) WARN_UNUSED;
/* Ends a request on a thread context: a transaction a handler left open is rolled back. */
void svc_ctx_request_end(struct svc_ctx *c);
/* Opens a store connection of the instance for one thread. */
enum tk_err instance_connect(struct instance *inst, struct store **out) WARN_UNUSED;
/* Fills a context with a fresh connection; release with svc_ctx_done(). */
enum tk_err svc_ctx_open(struct instance *inst, const char *user, const char *role, const char *ip,
    struct svc_ctx *out) WARN_UNUSED;
void svc_ctx_done(struct svc_ctx *c);
/*
 * The instance's [hsm] token from teken.conf: members NULL when not set; a
 * relative pin_file is made absolute (into pin) against the instance dir.
 */
enum tk_err svc_hsm_token(const struct instance *inst, struct key_p11_token *t, char pin[PATH_MAX]) WARN_UNUSED;
/* Loads a private key by name (software or PKCS#11). Caller frees. */
enum tk_err svc_key_load(struct svc_ctx *c, const char *name, struct key **out) WARN_UNUSED;
/*
 * x509_cert_parse() for the certificates the instance reads again and again
 * (its seals on every signing request): the parsed certificate of exactly
 * these DER bytes comes from a small per-process cache. Decoding the public
 * key costs OpenSSL 3 a provider lookup, about a tenth of a signing request.
 * The store still decides which certificate and whether it is valid; only
 * the parse is kept. *out is the caller's reference (X509_free).
 */
enum tk_err svc_cert_parse_cached(struct instance *inst, const uint8_t *der, size_t len, X509 **out) WARN_UNUSED;

/* ---- shared by the services (svc/base/instance.c) ---- */

/* Runs fn(c, arg) in a write transaction; commits on TK_OK, rolls back otherwise. */
enum tk_err svc_in_tx(struct svc_ctx *c, enum tk_err (*fn)(struct svc_ctx *c, void *arg), void *arg) WARN_UNUSED;
/* Appends the one blob column of the row sql (one text parameter) selects; TK_ERR_NOT_FOUND when none. */
enum tk_err svc_query_blob(struct svc_ctx *c, const char *sql, const char *arg, struct buf *out) WARN_UNUSED;

#endif

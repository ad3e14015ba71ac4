/*
 * Private to src/svc: the layout of an open instance. Front ends (src/http,
 * src/cli) see struct instance as opaque and use the accessors in base.h.
 */
#ifndef TEKEN_SVC_BASE_INT_H
#define TEKEN_SVC_BASE_INT_H

#include "svc/base/base.h"
#include "store/store.h"

#include <jansson.h>
#include <limits.h>
#include <openssl/x509.h>
#include <pthread.h>

struct instance {
	char dir[PATH_MAX];
	char store_url[PATH_MAX + 16];
	struct config *cfg;
	uint8_t ikey[32]; /* instance key: wraps software keys and PII keys */
	char base_url[256];
	char digest[16];
	char policy_oid[64];
	int migrated;          /* this process brought the schema up to date once (atomic): later connections skip it */
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
	/* svc_cert_parse_cached(): parsed certificates by their exact DER, replaced round robin. */
	struct {
		uint8_t *der;
		size_t len;
		X509 *cert;
	} certs[INSTANCE_CERT_CACHE];
	size_t ncerts, next_cert;
};

/* ---- JSON of requests and answers (svc/base/json.c) ---- */

/*
 * A string member of in within max bytes and without NUL; *out NULL when it
 * is absent (or null) and not required; a required one must not be empty.
 * Errors: missing_field, invalid_field, too_long (TK_ERR_LIMIT).
 */
enum tk_err svc_json_str(json_t *in, const char *key, int required, size_t max, const char **out) WARN_UNUSED;
/*
 * A text within max bytes: required (non-empty) or optional (NULL or "");
 * no control characters, except line breaks and tabs when multiline.
 * Errors: missing_field, too_long (TK_ERR_LIMIT), invalid_field.
 */
enum tk_err svc_check_text(const char *v, const char *what, int required, size_t max, int multiline) WARN_UNUSED;
/* Dumps j compactly into *out (caller frees) and releases j; j NULL is out of memory. */
enum tk_err svc_json_dump(json_t *j, char **out) WARN_UNUSED;

#endif

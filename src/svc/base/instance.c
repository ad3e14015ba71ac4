/* Instance directory: creation (teken init) and opening. */
#include "svc/agreement/agreement.h"
#include "svc/audit/audit.h"
#include "svc/auth/auth.h"
#include "svc/base/base.h"
#include "svc/ca/ca.h"
#include "svc/ra/ra.h"
#include "svc/report/report.h"
#include "svc/base/base_int.h"

#include "config/config.h"
#include "crypto/crypto.h"
#include "log/log.h"
#include "x509/x509.h"

#include <errno.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define INSTANCE_KEY_FILE "instance.key"
#define CONFIG_FILE "teken.conf"

/* The configuration written by `teken init`; docs/configuration.md explains each key. */
static const char config_template[] =
    "; teken instance configuration (docs/configuration.md)\n"
    "[instance]\n"
    "name = %s\n"
    "organization = %s\n"
    "country = ID\n"
    "public_base_url = %s\n"
    "store = %s\n"
    "log_level = info\n"
    "mode = %s\n"
    "\n"
    "[ca]\n"
    "key_alg = %s\n"
    "leaf_key_alg = %s\n"
    "digest = sha256\n"
    "policy_oid = %s\n"
    "crl_validity_days = 7\n"
    "root_crl_validity_days = 90\n"
    "\n"
    "[profile root-ca]\n"
    "ca = yes\n"
    "key_usage = keyCertSign,cRLSign\n"
    "validity_days = 7300\n"
    "\n"
    "[profile issuing-ca]\n"
    "ca = yes\n"
    "pathlen = 0\n"
    "key_usage = keyCertSign,cRLSign\n"
    "validity_days = 3650\n"
    "\n"
    "[profile individual]\n"
    "key_usage = digitalSignature,nonRepudiation\n"
    "ext_key_usage = emailProtection,documentSigning\n"
    "validity_days = 730\n"
    "allowed_keys = rsa2048,rsa3072,rsa4096,ec-p256,ec-p384\n"
    "subject_required = CN\n"
    "subject_allowed = CN,O,OU,C,L,ST,serialNumber,title,emailAddress\n"
    "\n"
    "[profile seal]\n"
    "key_usage = digitalSignature,nonRepudiation\n"
    "ext_key_usage = emailProtection,documentSigning\n"
    "validity_days = 1095\n"
    "subject_required = CN,O\n"
    "subject_allowed = CN,O,OU,C,L,ST,organizationIdentifier\n"
    "\n"
    "[profile tsa]\n"
    "key_usage = digitalSignature,nonRepudiation\n"
    "ext_key_usage = timeStamping\n"
    "eku_critical = yes\n"
    "validity_days = 1825\n"
    "subject_required = CN,O\n"
    "\n"
    "[profile ocsp]\n"
    "key_usage = digitalSignature\n"
    "ext_key_usage = OCSPSigning\n"
    "ocsp_nocheck = yes\n"
    "validity_days = 365\n"
    "subject_required = CN,O\n"
    "\n"
    "[auth]\n"
    "; a password an admin or the operator chose is changed by its person at the next login (docs/security.md)\n"
    "password_change_first_login = %s\n"
    "\n"
    "[sign]\n"
    "; days an official may download again a file they signed in the web app (0: never kept; docs/signing.md)\n"
    "keep_days = 30\n";

static void trim_slash(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && s[n - 1] == '/')
		s[--n] = '\0';
}

/* Instance settings that every service reads; checked once at open. */
static enum tk_err load_settings(struct instance *inst)
{
	const char *v;
	enum tk_err rc;

	v = config_get_or(inst->cfg, "instance", "public_base_url", "http://127.0.0.1:8443");
	if (strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0)
		return tk_fail(TK_ERR_INVALID, "config [instance] public_base_url must start with http:// or https://");
	if ((rc = str_copy(inst->base_url, sizeof(inst->base_url), v)) != TK_OK)
		return tk_wrap(rc, "config [instance] public_base_url");
	trim_slash(inst->base_url);
	v = config_get_or(inst->cfg, "ca", "digest", "sha256");
	if (strcmp(v, "sha256") && strcmp(v, "sha384") && strcmp(v, "sha512"))
		return tk_fail(TK_ERR_INVALID, "config [ca] digest must be sha256, sha384 or sha512");
	if ((rc = str_copy(inst->digest, sizeof(inst->digest), v)) != TK_OK)
		return rc;
	v = config_get_or(inst->cfg, "ca", "policy_oid", "2.16.360.1.1.1.99.1");
	if ((rc = str_copy(inst->policy_oid, sizeof(inst->policy_oid), v)) != TK_OK)
		return tk_wrap(rc, "config [ca] policy_oid");
	v = config_get_or(inst->cfg, "instance", "store", "sqlite:teken.db");
	if (strncmp(v, "sqlite:", 7) == 0 && v[7] != '/')
		rc = str_fmt(inst->store_url, sizeof(inst->store_url), "sqlite:%s/%s", inst->dir, v + 7);
	else
		rc = str_copy(inst->store_url, sizeof(inst->store_url), v);
	return rc;
}

static enum tk_err read_instance_key(const char *dir, uint8_t out[32])
{
	char path[PATH_MAX];
	struct stat sb;
	uint8_t *p = NULL;
	size_t len = 0;
	enum tk_err rc;

	if ((rc = path_join(path, sizeof(path), dir, INSTANCE_KEY_FILE)) != TK_OK)
		return rc;
	if (stat(path, &sb) != 0)
		return tk_fail(TK_ERR_IO, "instance key %s: %s", path, strerror(errno));
	/* Like ssh with private keys: refuse a key others can read. */
	if ((sb.st_mode & 077) != 0)
		return tk_fail(TK_ERR_DENIED, "instance key %s: permissions %03o are too open (need 0600)", path,
		    (unsigned)(sb.st_mode & 0777));
	if ((rc = file_read(path, 64, &p, &len)) != TK_OK)
		return rc;
	if (len != 32) {
		OPENSSL_clear_free(p, len);
		return tk_fail(TK_ERR_INVALID, "instance key %s: must be exactly 32 bytes, found %zu", path, len);
	}
	memcpy(out, p, 32);
	OPENSSL_clear_free(p, len);
	return TK_OK;
}

enum tk_err instance_open(const char *dir, struct instance **out)
{
	struct instance *inst;
	char path[PATH_MAX];
	enum tk_err rc;

	inst = calloc(1, sizeof(*inst));
	if (inst == NULL)
		return tk_fail(TK_ERR_NOMEM, "instance: out of memory");
	pthread_mutex_init(&inst->key_lock, NULL);
	if ((rc = str_copy(inst->dir, sizeof(inst->dir), dir)) != TK_OK)
		goto fail;
	if ((rc = path_join(path, sizeof(path), dir, CONFIG_FILE)) != TK_OK)
		goto fail;
	if (access(path, F_OK) != 0) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "no_instance", "%s is not a teken instance (no %s); run teken init --dir %s",
		    dir, CONFIG_FILE, dir);
		goto fail;
	}
	if ((rc = config_load(path, &inst->cfg)) != TK_OK)
		goto fail;
	if ((rc = load_settings(inst)) != TK_OK)
		goto fail;
	if ((rc = read_instance_key(dir, inst->ikey)) != TK_OK)
		goto fail;
	if ((rc = hkdf_sha256(inst->ikey, "teken-pii-v1", inst->pii_key)) != TK_OK ||
	    (rc = hkdf_sha256(inst->ikey, "teken-nik-index-v1", inst->index_key)) != TK_OK)
		goto fail;
	*out = inst;
	return TK_OK;
fail:
	instance_close(inst);
	return rc;
}

void instance_close(struct instance *inst)
{
	struct svc_ctx c;

	if (inst == NULL)
		return;
	/* The usage counts this process still holds (svc/report/counters.c) go to the store before it ends. */
	if (usage_pending() > 0 && svc_ctx_open(inst, "teken", "admin", "local", &c) == TK_OK) {
		if (usage_flush(&c) != TK_OK)
			log_msg(LOG_WARN, "usage.flush", "counts lost at close: %s", tk_errmsg());
		svc_ctx_done(&c);
	}
	while (inst->nkeys > 0)
		key_free(inst->keys[--inst->nkeys]);
	while (inst->ncas > 0)
		X509_free(inst->cas[--inst->ncas].cert);
	while (inst->ncerts > 0) {
		inst->ncerts--;
		X509_free(inst->certs[inst->ncerts].cert);
		free(inst->certs[inst->ncerts].der);
	}
	pthread_mutex_destroy(&inst->key_lock);
	config_free(inst->cfg);
	OPENSSL_cleanse(inst->ikey, sizeof(inst->ikey));
	OPENSSL_cleanse(inst->pii_key, sizeof(inst->pii_key));
	OPENSSL_cleanse(inst->index_key, sizeof(inst->index_key));
	free(inst);
}

/*
 * The first connection of a process migrates the schema (a write
 * transaction); later ones only connect. Serving threads connect on first
 * use, and a write at that moment would fail their first request while the
 * store takes no writes (a read-only or full database) and queue every new
 * thread on the write lock.
 */
enum tk_err instance_connect(struct instance *inst, struct store **out)
{
	int migrated = __atomic_load_n(&inst->migrated, __ATOMIC_ACQUIRE);
	enum tk_err rc = store_open(inst->store_url, !migrated, out);

	if (rc == TK_OK && !migrated)
		__atomic_store_n(&inst->migrated, 1, __ATOMIC_RELEASE);
	return rc;
}

enum tk_err svc_ctx_open(struct instance *inst, const char *user, const char *role, const char *ip,
    struct svc_ctx *out)
{
	enum tk_err rc;

	memset(out, 0, sizeof(*out));
	out->inst = inst;
	out->actor.kind = ACTOR_OPERATOR;
	if ((rc = str_copy(out->actor.user, sizeof(out->actor.user), user)) != TK_OK ||
	    (rc = str_copy(out->actor.role, sizeof(out->actor.role), role)) != TK_OK ||
	    (rc = str_copy(out->actor.ip, sizeof(out->actor.ip), ip)) != TK_OK)
		return rc;
	return instance_connect(inst, &out->st);
}

enum tk_err svc_in_tx(struct svc_ctx *c, enum tk_err (*fn)(struct svc_ctx *c, void *arg), void *arg)
{
	enum tk_err rc;

	if ((rc = store_begin(c->st, STORE_TX_WRITE)) != TK_OK)
		return rc;
	if ((rc = fn(c, arg)) != TK_OK) {
		/* Keep fn's error: a rollback never fails in a way worth reporting. */
		store_rollback(c->st);
		return rc;
	}
	return store_commit(c->st);
}

const struct config *instance_config(const struct instance *inst) { return inst->cfg; }
const char *instance_base_url(const struct instance *inst) { return inst->base_url; }
const char *instance_digest(const struct instance *inst) { return inst->digest; }

enum tk_err instance_migrate(struct instance *inst)
{
	struct store *st = NULL;
	enum tk_err rc;

	__atomic_store_n(&inst->migrated, 0, __ATOMIC_RELEASE);
	rc = instance_connect(inst, &st); /* the first connection migrates */

	store_close(st);
	return rc;
}

/* One store connection per serving thread, closed when the thread ends. */
static pthread_key_t thread_store_key;
static pthread_once_t thread_store_once = PTHREAD_ONCE_INIT;

static void thread_store_destroy(void *p) { store_close(p); }
static void thread_store_key_init(void) { (void)pthread_key_create(&thread_store_key, thread_store_destroy); }

enum tk_err svc_ctx_thread(struct instance *inst, struct svc_ctx *c)
{
	struct store *st;
	enum tk_err rc;

	pthread_once(&thread_store_once, thread_store_key_init);
	st = pthread_getspecific(thread_store_key);
	if (st == NULL) {
		if ((rc = instance_connect(inst, &st)) != TK_OK)
			return rc;
		pthread_setspecific(thread_store_key, st);
	}
	c->inst = inst;
	c->st = st;
	return TK_OK;
}

void svc_ctx_request_end(struct svc_ctx *c)
{
	if (c->st != NULL && store_in_tx(c->st))
		store_rollback(c->st);
}

const char *actor_kind_name(const struct actor *a)
{
	switch (a->kind) {
	case ACTOR_PERSON:
		return "session";
	case ACTOR_APPLICATION:
		return "apikey";
	case ACTOR_OPERATOR:
		return "operator";
	default:
		return "";
	}
}

int actor_may_act_for_unit(const struct actor *a, const char *unit)
{
	if (a->kind != ACTOR_APPLICATION || unit == NULL || unit[0] == '\0')
		return 0;
	return strcmp(a->units, ACTOR_ALL_UNITS) == 0 || str_list_has(a->units, unit);
}

void svc_ctx_done(struct svc_ctx *c)
{
	if (c == NULL)
		return;
	store_close(c->st);
	c->st = NULL;
}

/*
 * A token key: module, token and PIN file from [hsm] in teken.conf (a
 * relative pin_file is relative to the instance dir); the reference in the
 * keys table names the object and supplies module and token when [hsm]
 * does not.
 */
enum tk_err svc_hsm_token(const struct instance *inst, struct key_p11_token *t, char pin[PATH_MAX])
{
	const char *pf = config_get(inst->cfg, "hsm", "pin_file");

	t->module = config_get(inst->cfg, "hsm", "module");
	t->token = config_get(inst->cfg, "hsm", "token");
	t->pin_file = pf;
	if (pf != NULL && pf[0] != '/') {
		enum tk_err rc = path_join(pin, PATH_MAX, inst->dir, pf);
		if (rc != TK_OK)
			return rc;
		t->pin_file = pin;
	}
	return TK_OK;
}

static enum tk_err p11_key_open(const struct instance *inst, const char *name, const char *ref, struct key **out)
{
	struct key_p11_token t;
	char pin[PATH_MAX];
	enum tk_err rc;

	if ((rc = svc_hsm_token(inst, &t, pin)) != TK_OK)
		return rc;
	return key_p11_open(&t, name, ref, out);
}

/* The cache slot holding exactly these DER bytes, or inst->ncerts; the caller holds key_lock. */
static size_t cert_cache_find(const struct instance *inst, const uint8_t *der, size_t len)
{
	size_t i;

	for (i = 0; i < inst->ncerts; i++)
		if (inst->certs[i].len == len && memcmp(inst->certs[i].der, der, len) == 0)
			break;
	return i;
}

enum tk_err svc_cert_parse_cached(struct instance *inst, const uint8_t *der, size_t len, X509 **out)
{
	X509 *x = NULL;
	uint8_t *copy;
	size_t i;
	enum tk_err rc;

	*out = NULL;
	pthread_mutex_lock(&inst->key_lock);
	if ((i = cert_cache_find(inst, der, len)) < inst->ncerts) {
		X509_up_ref(inst->certs[i].cert);
		*out = inst->certs[i].cert;
		pthread_mutex_unlock(&inst->key_lock);
		return TK_OK;
	}
	pthread_mutex_unlock(&inst->key_lock);
	if ((rc = x509_cert_parse(der, len, &x)) != TK_OK)
		return rc;
	*out = x;
	pthread_mutex_lock(&inst->key_lock);
	/* Another thread may have cached the same certificate meanwhile (one entry each); out of
	 * memory, it is not cached: the caller still has its certificate. */
	if (cert_cache_find(inst, der, len) == inst->ncerts && (copy = malloc(len)) != NULL) {
		memcpy(copy, der, len);
		X509_up_ref(x);
		if (inst->ncerts < INSTANCE_CERT_CACHE) {
			i = inst->ncerts++;
		} else {
			/* Full (renewed seals, many units): the oldest goes; its holders keep their references. */
			i = inst->next_cert;
			inst->next_cert = (inst->next_cert + 1) % INSTANCE_CERT_CACHE;
			X509_free(inst->certs[i].cert);
			free(inst->certs[i].der);
		}
		inst->certs[i].der = copy;
		inst->certs[i].len = len;
		inst->certs[i].cert = x;
	}
	pthread_mutex_unlock(&inst->key_lock);
	return TK_OK;
}

enum tk_err svc_key_load(struct svc_ctx *c, const char *name, struct key **out)
{
	struct instance *inst = c->inst;
	struct store_stmt *s = NULL;
	int row = 0;
	size_t i;
	enum tk_err rc;

	pthread_mutex_lock(&inst->key_lock);
	for (i = 0; i < inst->nkeys; i++)
		if (strcmp(key_name(inst->keys[i]), name) == 0) {
			*out = key_ref(inst->keys[i]);
			pthread_mutex_unlock(&inst->key_lock);
			return TK_OK;
		}
	pthread_mutex_unlock(&inst->key_lock);
	if ((rc = store_prepare(c->st, "SELECT kind, blob, ref FROM keys WHERE name = ?", &s)) != TK_OK)
		return rc;
	if ((rc = store_bind_text(s, 1, name)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail(TK_ERR_NOT_FOUND, "key %s: not in the store", name);
		goto out;
	}
	if (strcmp(store_col_text(s, 0), "soft") == 0) {
		size_t len = 0;
		const uint8_t *blob = store_col_blob(s, 1, &len);
		rc = key_soft_open(c->inst->ikey, name, blob, len, out);
	} else {
		rc = p11_key_open(inst, name, store_col_text(s, 2), out);
	}
	if (rc == TK_OK) {
		pthread_mutex_lock(&inst->key_lock);
		if (inst->nkeys < INSTANCE_KEY_CACHE)
			inst->keys[inst->nkeys++] = key_ref(*out);
		pthread_mutex_unlock(&inst->key_lock);
	}
out:
	store_finalize(s);
	return rc;
}

/* ---------------------------------------------------------------- init */

/* Files created by init, removed again if init fails half-way. */
struct created {
	char path[6][PATH_MAX];
	int n;
};

static void created_add(struct created *cr, const char *path)
{
	if (cr->n < 6 && str_copy(cr->path[cr->n], PATH_MAX, path) == TK_OK)
		cr->n++;
}

static void created_undo(struct created *cr)
{
	int i;

	for (i = cr->n - 1; i >= 0; i--)
		unlink(cr->path[i]);
}

/* A key pair and its certificate made during init. */
struct made {
	const char *key_name;
	const char *profile;
	const char *cn;
	EVP_PKEY *pk;
	struct key *k;
	X509 *cert;
	char alg[16];
	char ref[KEY_P11_REF_MAX]; /* token key: its reference; "" for a software key */
};

static enum tk_err insert_key(struct svc_ctx *c, struct made *m)
{
	struct store_stmt *s = NULL;
	struct buf blob;
	int row;
	enum tk_err rc;

	buf_init(&blob, MAX_KEY_BLOB_BYTES);
	if (m->ref[0] != '\0') {
		/* On the token: only the reference is stored, never key material or the PIN. */
		if ((rc = store_prepare(c->st, "INSERT INTO keys (name, kind, alg, blob, ref, created_at) VALUES (?, 'pkcs11', ?, NULL, ?, ?)", &s)) != TK_OK)
			goto out;
		if ((rc = store_bind_text(s, 1, m->key_name)) != TK_OK || (rc = store_bind_text(s, 2, m->alg)) != TK_OK ||
		    (rc = store_bind_text(s, 3, m->ref)) != TK_OK || (rc = store_bind_i64(s, 4, tk_now())) != TK_OK ||
		    (rc = store_step(s, &row)) != TK_OK)
			goto out;
		rc = audit_append(c, "key.create", m->key_name, "{\"kind\":\"pkcs11\"}");
		goto out;
	}
	if ((rc = key_soft_seal(c->inst->ikey, m->key_name, m->pk, &blob)) != TK_OK)
		goto out;
	if ((rc = store_prepare(c->st, "INSERT INTO keys (name, kind, alg, blob, created_at) VALUES (?, 'soft', ?, ?, ?)", &s)) != TK_OK)
		goto out;
	if ((rc = store_bind_text(s, 1, m->key_name)) != TK_OK || (rc = store_bind_text(s, 2, m->alg)) != TK_OK ||
	    (rc = store_bind_blob(s, 3, blob.p, blob.len)) != TK_OK || (rc = store_bind_i64(s, 4, tk_now())) != TK_OK ||
	    (rc = store_step(s, &row)) != TK_OK)
		goto out;
	rc = audit_append(c, "key.create", m->key_name, NULL);
out:
	store_finalize(s);
	buf_free(&blob);
	return rc;
}

/* Records a certificate in certs; ca_id 0 means "the CA named ca_name". */
static enum tk_err insert_cert(struct svc_ctx *c, X509 *cert, const char *profile, int64_t ca_id,
    int64_t subscriber_id)
{
	struct store_stmt *s = NULL;
	struct buf der;
	char serial[65], subject[MAX_SUBJECT_BYTES];
	struct tm nb, na;
	json_t *d = NULL;
	char *dtxt = NULL;
	int row;
	enum tk_err rc;

	buf_init(&der, MAX_CERT_BYTES);
	if ((rc = x509_serial_hex(cert, serial, sizeof(serial))) != TK_OK ||
	    (rc = x509_name_str(X509_get_subject_name(cert), subject, sizeof(subject))) != TK_OK ||
	    (rc = x509_to_der(cert, &der)) != TK_OK)
		goto out;
	if (!ASN1_TIME_to_tm(X509_get0_notBefore(cert), &nb) || !ASN1_TIME_to_tm(X509_get0_notAfter(cert), &na)) {
		rc = tk_fail_ossl("certificate: validity");
		goto out;
	}
	if ((rc = store_prepare(c->st,
		 "INSERT INTO certs (serial, ca_id, profile, subject, not_before, not_after, der, subscriber_id, created_at)"
		 " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
		 &s)) != TK_OK)
		goto out;
	if ((rc = store_bind_text(s, 1, serial)) != TK_OK ||
	    (rc = (ca_id ? store_bind_i64(s, 2, ca_id) : store_bind_null(s, 2))) != TK_OK ||
	    (rc = store_bind_text(s, 3, profile)) != TK_OK || (rc = store_bind_text(s, 4, subject)) != TK_OK ||
	    (rc = store_bind_i64(s, 5, (int64_t)timegm(&nb))) != TK_OK ||
	    (rc = store_bind_i64(s, 6, (int64_t)timegm(&na))) != TK_OK ||
	    (rc = store_bind_blob(s, 7, der.p, der.len)) != TK_OK ||
	    (rc = (subscriber_id ? store_bind_i64(s, 8, subscriber_id) : store_bind_null(s, 8))) != TK_OK ||
	    (rc = store_bind_i64(s, 9, tk_now())) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	/* The subject may carry a NIK: the audit log (append-only, never erased)
	 * refers to the certificate record instead of copying personal data. */
	d = json_pack("{s:s}", "profile", profile);
	dtxt = d ? json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	if (dtxt == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "audit: out of memory");
		goto out;
	}
	rc = audit_append(c, "cert.issue", serial, dtxt);
out:
	free(dtxt);
	json_decref(d);
	store_finalize(s);
	buf_free(&der);
	return rc;
}

enum tk_err svc_insert_cert(struct svc_ctx *c, X509 *cert, const char *profile, int64_t ca_id, int64_t subscriber_id)
{
	return insert_cert(c, cert, profile, ca_id, subscriber_id);
}

static enum tk_err insert_ca(struct svc_ctx *c, const char *name, int64_t parent, const char *key_name, X509 *cert,
    int64_t *id)
{
	struct store_stmt *s = NULL;
	struct buf der;
	int row = 0;
	enum tk_err rc;

	buf_init(&der, MAX_CERT_BYTES);
	if ((rc = x509_to_der(cert, &der)) != TK_OK)
		goto out;
	if ((rc = store_prepare(c->st, "INSERT INTO cas (name, parent_id, key_name, cert, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id", &s)) != TK_OK)
		goto out;
	if ((rc = store_bind_text(s, 1, name)) != TK_OK ||
	    (rc = (parent ? store_bind_i64(s, 2, parent) : store_bind_null(s, 2))) != TK_OK ||
	    (rc = store_bind_text(s, 3, key_name)) != TK_OK || (rc = store_bind_blob(s, 4, der.p, der.len)) != TK_OK ||
	    (rc = store_bind_i64(s, 5, tk_now())) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail(TK_ERR_STORE, "store: insert returned no id");
		goto out;
	}
	*id = store_col_i64(s, 0);
	{
		int more;
		rc = store_step(s, &more);
	}
out:
	store_finalize(s);
	buf_free(&der);
	return rc;
}

static enum tk_err set_meta(struct svc_ctx *c, const char *key, const char *value)
{
	struct store_stmt *s = NULL;
	int row;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "INSERT INTO meta (key, value) VALUES (?, ?)", &s)) != TK_OK)
		return rc;
	if ((rc = store_bind_text(s, 1, key)) == TK_OK && (rc = store_bind_text(s, 2, value)) == TK_OK)
		rc = store_step(s, &row);
	store_finalize(s);
	return rc;
}

/* URLs for certificates issued by CA ca_name. */
static enum tk_err urls_for(const struct instance *inst, const char *ca_name, int with_ocsp, char buf[3][320],
    struct x509_urls *u)
{
	enum tk_err rc;

	memset(u, 0, sizeof(*u));
	if ((rc = str_fmt(buf[0], 320, "%s/crl/%s.crl", inst->base_url, ca_name)) != TK_OK ||
	    (rc = str_fmt(buf[1], 320, "%s/ca/%s.crt", inst->base_url, ca_name)) != TK_OK ||
	    (rc = str_fmt(buf[2], 320, "%s/ocsp", inst->base_url)) != TK_OK)
		return rc;
	u->crl = buf[0];
	u->ca_issuers = buf[1];
	u->ocsp = with_ocsp ? buf[2] : NULL;
	return TK_OK;
}

enum tk_err svc_issue_urls(const struct instance *inst, const char *ca_name, int with_ocsp, char buf[4][320],
    struct x509_urls *u)
{
	enum tk_err rc = urls_for(inst, ca_name, with_ocsp, buf, u);

	if (rc != TK_OK || (rc = str_fmt(buf[3], 320, "%s/cps", inst->base_url)) != TK_OK)
		return rc;
	u->cps = buf[3];
	u->policy_oid = inst->policy_oid;
	return TK_OK;
}

static enum tk_err make_cert(struct svc_ctx *c, struct made *m, struct made *issuer, const char *ca_name, int with_ocsp,
    const char *org)
{
	struct x509_profile prof;
	struct x509_issue_req r;
	X509_NAME *name = NULL;
	char subj[512], urlbuf[4][320];
	int64_t now = tk_now();
	enum tk_err rc;

	memset(&r, 0, sizeof(r));
	if ((rc = x509_profile_load(c->inst->cfg, m->profile, &prof)) != TK_OK)
		return rc;
	if ((rc = str_fmt(subj, sizeof(subj), "/C=ID/O=%s/CN=%s", org, m->cn)) != TK_OK ||
	    (rc = x509_name_parse(subj, &name)) != TK_OK)
		return rc;
	r.profile = &prof;
	r.issuer = issuer ? issuer->cert : NULL;
	r.issuer_key = issuer ? issuer->k : m->k;
	r.pubkey = m->pk;
	r.subject = name;
	r.not_before = now - 60; /* tolerate small clock skew of relying parties */
	r.not_after = now + (int64_t)prof.validity_days * 86400;
	r.digest = c->inst->digest;
	if (issuer != NULL && (rc = svc_issue_urls(c->inst, ca_name, with_ocsp, urlbuf, &r.urls)) != TK_OK)
		goto out;
	if ((rc = x509_serial_new(r.serial)) != TK_OK)
		goto out;
	rc = x509_issue(&r, &m->cert);
out:
	X509_NAME_free(name);
	return rc;
}

/* A random demo password: 16 characters from an unambiguous alphabet. */
static enum tk_err demo_password(char out[17])
{
	static const char alphabet[] = "abcdefghjkmnpqrstuvwxyzACDEFGHJKLMNPQRSTUVWXYZ23456789";
	uint8_t r[16];
	size_t i;
	enum tk_err rc = rand_bytes(r, sizeof(r));

	for (i = 0; i < 16; i++)
		out[i] = alphabet[r[i] % (sizeof(alphabet) - 1)];
	out[16] = '\0';
	return rc;
}

#define DEMO_SUBSCRIBER "pejabat"
#define DEMO_NIK "3174015708850003"

/* A 1x1 PNG and a one-page PDF: stand-ins for the ID card and decree scans. */
static const uint8_t demo_png[] = {
	0x89,
	0x50,
	0x4e,
	0x47,
	0x0d,
	0x0a,
	0x1a,
	0x0a,
	0x00,
	0x00,
	0x00,
	0x0d,
	0x49,
	0x48,
	0x44,
	0x52,
	0x00,
	0x00,
	0x00,
	0x01,
	0x00,
	0x00,
	0x00,
	0x01,
	0x08,
	0x06,
	0x00,
	0x00,
	0x00,
	0x1f,
	0x15,
	0xc4,
	0x89,
	0x00,
	0x00,
	0x00,
	0x0d,
	0x49,
	0x44,
	0x41,
	0x54,
	0x78,
	0x9c,
	0x63,
	0xf8,
	0xcf,
	0xc0,
	0xf0,
	0x1f,
	0x00,
	0x05,
	0x00,
	0x01,
	0xff,
	0x89,
	0x99,
	0x3d,
	0x1d,
	0x00,
	0x00,
	0x00,
	0x00,
	0x49,
	0x45,
	0x4e,
	0x44,
	0xae,
	0x42,
	0x60,
	0x82,
};
static const char demo_pdf[] =
    "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    "3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

/*
 * The demo official, as in production: staff (the init operator) enrol them
 * with identity and evidence only, verifikator1 approves, and then the
 * official themself (a logged-in person with role subscriber) activates
 * the key with a passphrase only they hold (sole control, PKS art. 4(1)c).
 * That passphrase goes to demo.json, because the demo official is us.
 */
static enum tk_err seed_demo_subscriber(struct svc_ctx *c, char password[17], char passphrase[17])
{
	struct ra_file files[2] = {
		{ "ktp", "ktp-demo.png", demo_png, sizeof(demo_png) },
		{ "sk", "sk-pengangkatan-demo.pdf", (const uint8_t *)demo_pdf, sizeof(demo_pdf) - 1 },
	};
	struct ra_enroll_in in;
	struct actor saved = c->actor;
	char *txt = NULL;
	int64_t req = 0, uid = 0;
	enum tk_err rc;

	memset(&in, 0, sizeof(in));
	if ((rc = demo_password(password)) != TK_OK || (rc = demo_password(passphrase)) != TK_OK ||
	    (rc = auth_user_add(c, DEMO_SUBSCRIBER, password, "subscriber", "Siti Rahmawati", &uid, NULL)) != TK_OK)
		return rc;
	in.id.nik = DEMO_NIK;
	in.id.nip = "198508172010012003";
	in.id.full_name = "Siti Rahmawati";
	in.id.email = "siti.rahmawati@kementerian.example";
	in.id.phone = "+6281234567890";
	in.id.unit = "Sekretariat Jenderal";
	in.id.position = "Kepala Biro Umum";
	in.files = files;
	in.nfiles = 2;
	in.username = DEMO_SUBSCRIBER;
	if ((rc = ra_enroll(c, &in, &req)) != TK_OK)
		return rc;
	c->actor.kind = ACTOR_PERSON;
	if ((rc = str_copy(c->actor.user, sizeof(c->actor.user), "verifikator1")) != TK_OK ||
	    (rc = str_copy(c->actor.role, sizeof(c->actor.role), "verifikator")) != TK_OK ||
	    (rc = ra_decide(c, req, 1, "demo: identitas diperiksa", &txt)) != TK_OK)
		goto out;
	free(txt);
	txt = NULL;
	/* First login of the official: they choose the passphrase. */
	c->actor.id = uid;
	if ((rc = str_copy(c->actor.user, sizeof(c->actor.user), DEMO_SUBSCRIBER)) != TK_OK ||
	    (rc = str_copy(c->actor.role, sizeof(c->actor.role), "subscriber")) != TK_OK)
		goto out;
	rc = ra_activate(c, passphrase, NULL, 0, &txt);
out:
	free(txt);
	c->actor = saved;
	return rc;
}

/* The demo unit's seal, requested by the admin and approved by both Verifikators. */
static enum tk_err seed_demo_seal(struct svc_ctx *c)
{
	static const char *const vs[2] = { "verifikator1", "verifikator2" };
	struct actor saved = c->actor;
	char *txt = NULL;
	int64_t req = 0;
	size_t i;
	enum tk_err rc;

	if ((rc = ra_seal(c, "Segel Sekretariat Jenderal", "Sekretariat Jenderal", &req)) != TK_OK)
		return rc;
	for (i = 0; i < 2 && rc == TK_OK; i++) {
		c->actor.kind = ACTOR_PERSON;
		if ((rc = str_copy(c->actor.user, sizeof(c->actor.user), vs[i])) != TK_OK ||
		    (rc = str_copy(c->actor.role, sizeof(c->actor.role), "verifikator")) != TK_OK)
			break;
		rc = ra_decide(c, req, 1, "demo: segel unit", &txt);
		free(txt);
		txt = NULL;
		/* The filer may count as the first approval: the request is then done. */
		if (rc != TK_OK && strcmp(tk_last_error()->code, "request_closed") == 0) {
			tk_clear_error();
			rc = TK_OK;
			break;
		}
	}
	c->actor = saved;
	return rc;
}

/*
 * Seeds the demo: an admin, two Verifikators, an auditor and an application
 * API key, and writes their credentials to demo.json (0600). It grows with
 * the features that exist: the subscriber arrives with the registration service.
 * The staff accounts use the operator's first-run bootstrap of dual control
 * (fewer active admins than [auth] staff_approvals): request_id NULL makes
 * auth_user_add refuse rather than file a request if that ever changes.
 */
static enum tk_err seed_demo(struct svc_ctx *c, const char *dir, struct created *cr)
{
	static const struct {
		const char *user, *role, *name;
	} people[] = {
		{ "admin", "admin", "Admin Pusdatin" },
		{ "verifikator1", "verifikator", "Verifikator Satu" },
		{ "verifikator2", "verifikator", "Verifikator Dua" },
		{ "auditor", "auditor", "Auditor BSSN" },
	};
	char pw[4][17], key[80], path[PATH_MAX], sub_pw[17], passphrase[17], buser[24], bpass[48];
	json_t *j = NULL, *ver;
	char *txt = NULL;
	size_t i;
	enum tk_err rc;

	for (i = 0; i < 4; i++)
		if ((rc = demo_password(pw[i])) != TK_OK ||
		    (rc = auth_user_add(c, people[i].user, pw[i], people[i].role, people[i].name, NULL, NULL)) != TK_OK)
			goto out;
	if ((rc = auth_apikey_create(c, "Aplikasi Demo (e-Office)", "Sekretariat Jenderal", key, NULL)) != TK_OK)
		goto out;
	if ((rc = seed_demo_subscriber(c, sub_pw, passphrase)) != TK_OK || (rc = seed_demo_seal(c)) != TK_OK)
		goto out;
	ver = json_pack("[{s:s, s:s}, {s:s, s:s}]", "user", people[1].user, "password", pw[1], "user", people[2].user,
	    "password", pw[2]);
	if ((rc = auth_basic_of_key(key, buser, bpass)) != TK_OK)
		goto out;
	j = json_pack("{s:s, s:s, s:{s:s, s:s}, s:o, s:{s:s, s:s}, s:{s:s, s:s, s:s}, s:{s:s, s:s, s:s, s:s}}", "mode", "demo",
	    "base_url", c->inst->base_url, "admin", "user", people[0].user, "password", pw[0], "verifikators", ver, "auditor",
	    "user", people[3].user, "password", pw[3], "application", "api_key", key, "basic_user", buser, "basic_password", bpass,
	    "subscriber", "user", DEMO_SUBSCRIBER, "password", sub_pw, "nik", DEMO_NIK, "passphrase", passphrase);
	if (j == NULL || (txt = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS)) == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "init: out of memory");
		goto out;
	}
	if ((rc = path_join(path, sizeof(path), dir, "demo.json")) == TK_OK &&
	    (rc = file_create_excl(path, txt, strlen(txt), 0600)) == TK_OK)
		created_add(cr, path);
out:
	if (txt != NULL)
		OPENSSL_cleanse(txt, strlen(txt));
	free(txt);
	json_decref(j);
	OPENSSL_cleanse(pw, sizeof(pw));
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(sub_pw, sizeof(sub_pw));
	OPENSSL_cleanse(bpass, sizeof(bpass));
	OPENSSL_cleanse(passphrase, sizeof(passphrase));
	return rc;
}

/*
 * Checks the --pkcs11-* options: all three or none; values go into
 * teken.conf, so they must be one line without INI comment characters. The
 * PIN file is stored as an absolute path (pin_abs).
 */
static enum tk_err p11_opts(const struct init_opts *o, struct key_p11_token *t, char pin_abs[PATH_MAX])
{
	const char *v[3] = { o->pkcs11_module, o->pkcs11_token, o->pkcs11_pin_file };
	size_t i, n = 0;

	for (i = 0; i < 3; i++)
		n += v[i] != NULL;
	if (n == 0)
		return TK_OK;
	if (n != 3)
		return tk_fail(TK_ERR_INVALID, "init: --pkcs11-module, --pkcs11-token and --pkcs11-pin-file go together");
	for (i = 0; i < 3; i++)
		if (v[i][0] == '\0' || strpbrk(v[i], "\r\n;#") != NULL || v[i][0] == ' ' || v[i][strlen(v[i]) - 1] == ' ')
			return tk_fail(TK_ERR_INVALID, "init: PKCS#11 module, token and PIN file must be one line without ';' or '#'");
	if (realpath(o->pkcs11_pin_file, pin_abs) == NULL)
		return tk_fail(TK_ERR_IO, "init: PIN file %s: %s", o->pkcs11_pin_file, strerror(errno));
	if (strpbrk(pin_abs, "\r\n;#") != NULL)
		return tk_fail(TK_ERR_INVALID, "init: the PIN file path must not contain ';' or '#'");
	t->module = o->pkcs11_module;
	t->token = o->pkcs11_token;
	t->pin_file = pin_abs;
	return TK_OK;
}

enum tk_err instance_init(const struct init_opts *o)
{
	struct made made[5] = {
		{ "ca-root", "root-ca", "teken Root CA", NULL, NULL, NULL, "", "" },
		{ "ca-issuing", "issuing-ca", "teken Issuing CA", NULL, NULL, NULL, "", "" },
		{ "tsa", "tsa", "teken Time Stamping Authority", NULL, NULL, NULL, "", "" },
		{ "ocsp", "ocsp", "teken OCSP Responder", NULL, NULL, NULL, "", "" },
		{ "seal", "seal", "teken Segel Instansi", NULL, NULL, NULL, "", "" },
	};
	struct key_p11_token p11 = { NULL, NULL, NULL };
	char pin_abs[PATH_MAX];
	struct created cr;
	struct instance *inst = NULL;
	struct svc_ctx c;
	char path[PATH_MAX], store_url[PATH_MAX + 16];
	uint8_t ikey[32];
	struct buf conf;
	const char *key_alg = o->key_alg ? o->key_alg : "rsa3072";
	const char *leaf_alg = o->leaf_key_alg ? o->leaf_key_alg : key_alg;
	const char *base = o->base_url ? o->base_url : "http://127.0.0.1:8443";
	const char *org = o->org ? o->org : "Kementerian Contoh Republik Indonesia";
	int64_t root_id = 0, issuing_id = 0;
	int made_dir = 0;
	size_t i;
	enum tk_err rc;

	memset(&cr, 0, sizeof(cr));
	memset(&c, 0, sizeof(c));
	buf_init(&conf, 64 * 1024);
	if (!key_alg_valid(key_alg) || !key_alg_valid(leaf_alg)) {
		rc = tk_fail(TK_ERR_INVALID, "init: unknown key algorithm (rsa2048, rsa3072, rsa4096, ec-p256, ec-p384)");
		goto out;
	}
	if (strchr(org, '\n') || strchr(base, '\n') || strchr(org, '/') || strlen(org) > 200) {
		rc = tk_fail(TK_ERR_INVALID, "init: organization must be one line without '/' and at most 200 bytes");
		goto out;
	}
	if ((rc = p11_opts(o, &p11, pin_abs)) != TK_OK)
		goto out;
	if (mkdir(o->dir, 0750) == 0)
		made_dir = 1;
	else if (errno != EEXIST) {
		rc = tk_fail(TK_ERR_IO, "init: cannot create %s: %s", o->dir, strerror(errno));
		goto out;
	}
	if ((rc = path_join(path, sizeof(path), o->dir, CONFIG_FILE)) != TK_OK)
		goto out;
	if (access(path, F_OK) == 0) {
		rc = tk_fail_code(TK_ERR_EXISTS, "instance_exists", "init: %s is already a teken instance", o->dir);
		goto out;
	}
	/* --store sqlite | sqlite:PATH | postgres://... | postgresql://... */
	if (o->store_url == NULL || strcmp(o->store_url, "sqlite") == 0)
		rc = str_copy(store_url, sizeof(store_url), "sqlite:teken.db");
	else if (strncmp(o->store_url, "sqlite:", 7) == 0 || strncmp(o->store_url, "postgres://", 11) == 0 ||
		 strncmp(o->store_url, "postgresql://", 13) == 0)
		rc = str_copy(store_url, sizeof(store_url), o->store_url);
	else
		rc = tk_fail(TK_ERR_INVALID, "init: --store must be sqlite, sqlite:PATH or a postgres:// URL");
	if (rc != TK_OK)
		goto out;
	if (o->policy_oid != NULL) {
		ASN1_OBJECT *obj = OBJ_txt2obj(o->policy_oid, 1);
		if (obj == NULL || strspn(o->policy_oid, "0123456789.") != strlen(o->policy_oid)) {
			ASN1_OBJECT_free(obj);
			rc = tk_fail(TK_ERR_INVALID, "init: --policy-oid must be a dotted OID such as 2.16.360.1.1.1.99.1");
			goto out;
		}
		ASN1_OBJECT_free(obj);
	}

	/* Keys and certificates are made before anything touches the disk. */
	if ((rc = rand_bytes(ikey, sizeof(ikey))) != TK_OK)
		goto out;
	for (i = 0; i < 5; i++) {
		if (p11.module != NULL) {
			/* On the token; made[i].pk is then the public key only. */
			if ((rc = key_p11_generate(&p11, made[i].key_name, i < 2 ? key_alg : leaf_alg, &made[i].k, &made[i].pk,
				 made[i].ref)) != TK_OK ||
			    (rc = key_alg_of(made[i].pk, made[i].alg)) != TK_OK)
				goto out;
			continue;
		}
		if ((rc = key_generate(i < 2 ? key_alg : leaf_alg, &made[i].pk)) != TK_OK)
			goto out;
		if (EVP_PKEY_up_ref(made[i].pk) != 1 || (rc = key_from_pkey(made[i].key_name, made[i].pk, &made[i].k)) != TK_OK) {
			rc = tk_fail(TK_ERR_INTERNAL, "init: key reference");
			goto out;
		}
		if ((rc = key_alg_of(made[i].pk, made[i].alg)) != TK_OK)
			goto out;
	}

	/* Instance key first (O_EXCL), then the config that marks the dir as an instance. */
	if ((rc = path_join(path, sizeof(path), o->dir, INSTANCE_KEY_FILE)) != TK_OK)
		goto out;
	if ((rc = file_create_excl(path, ikey, sizeof(ikey), 0600)) != TK_OK)
		goto out;
	created_add(&cr, path);
	if ((rc = buf_printf(&conf, config_template, o->demo ? "teken demo" : "teken", org, base, store_url,
		 o->demo ? "demo" : "production", key_alg, leaf_alg,
		 o->policy_oid ? o->policy_oid : "2.16.360.1.1.1.99.1", o->demo ? "no" : "yes")) != TK_OK)
		goto out;
	/* The token reference; the PIN stays in its own file (docs/hsm.md). */
	if (p11.module != NULL && (rc = buf_printf(&conf, "\n[hsm]\nmodule = %s\ntoken = %s\npin_file = %s\n", p11.module,
				       p11.token, p11.pin_file)) != TK_OK)
		goto out;
	if ((rc = path_join(path, sizeof(path), o->dir, CONFIG_FILE)) != TK_OK ||
	    (rc = file_create_excl(path, conf.p, conf.len, 0640)) != TK_OK)
		goto out;
	created_add(&cr, path);
	if ((rc = instance_open(o->dir, &inst)) != TK_OK)
		goto out;
	if (strncmp(inst->store_url, "sqlite:", 7) == 0) {
		const char *sfx[3] = { "", "-wal", "-shm" };
		for (i = 0; i < 3; i++) {
			char p2[PATH_MAX + 16];
			if (str_fmt(p2, sizeof(p2), "%s%s", inst->store_url + 7, sfx[i]) == TK_OK) {
				if (access(p2, F_OK) == 0) {
					rc = tk_fail_code(TK_ERR_EXISTS, "instance_exists", "init: store %s already exists", p2);
					goto out;
				}
				created_add(&cr, p2);
			}
		}
	}
	if ((rc = svc_ctx_open(inst, "teken-init", "admin", "local", &c)) != TK_OK)
		goto out;

	if ((rc = make_cert(&c, &made[0], NULL, NULL, 0, org)) != TK_OK ||
	    (rc = make_cert(&c, &made[1], &made[0], "root", 0, org)) != TK_OK)
		goto out;
	for (i = 2; i < 5; i++)
		if ((rc = make_cert(&c, &made[i], &made[1], "issuing", 1, org)) != TK_OK)
			goto out;

	if ((rc = store_begin(c.st, STORE_TX_WRITE)) != TK_OK)
		goto out;
	{
		int64_t existing = 0;
		if ((rc = store_query_i64(c.st, "SELECT COUNT(*) FROM cas", NULL, &existing)) != TK_OK)
			goto rollback;
		if (existing != 0) {
			rc = tk_fail_code(TK_ERR_EXISTS, "instance_exists", "init: the store already holds a CA hierarchy");
			goto rollback;
		}
	}
	if ((rc = audit_append(&c, "instance.init", o->dir, NULL)) != TK_OK)
		goto rollback;
	for (i = 0; i < 5; i++)
		if ((rc = insert_key(&c, &made[i])) != TK_OK)
			goto rollback;
	if ((rc = insert_ca(&c, "root", 0, "ca-root", made[0].cert, &root_id)) != TK_OK ||
	    (rc = insert_ca(&c, "issuing", root_id, "ca-issuing", made[1].cert, &issuing_id)) != TK_OK ||
	    (rc = insert_cert(&c, made[0].cert, "root-ca", root_id, 0)) != TK_OK ||
	    (rc = insert_cert(&c, made[1].cert, "issuing-ca", root_id, 0)) != TK_OK)
		goto rollback;
	for (i = 2; i < 5; i++) {
		char serial[65];
		char mk[32];
		if ((rc = insert_cert(&c, made[i].cert, made[i].profile, issuing_id, 0)) != TK_OK ||
		    (rc = x509_serial_hex(made[i].cert, serial, sizeof(serial))) != TK_OK ||
		    (rc = str_fmt(mk, sizeof(mk), "cert.%s", made[i].key_name)) != TK_OK ||
		    (rc = set_meta(&c, mk, serial)) != TK_OK)
			goto rollback;
	}
	if ((rc = store_commit(c.st)) != TK_OK)
		goto out;

	if (o->cps_file != NULL) {
		uint8_t *body = NULL;
		size_t len = 0;
		char h[65];
		if ((rc = file_read(o->cps_file, MAX_CPS_BYTES, &body, &len)) != TK_OK)
			goto out;
		rc = cps_publish(&c, "1.0", body, len, h);
		free(body);
		if (rc != TK_OK)
			goto out;
	}
	/* Every fresh instance holds the agreement it serves: the demo one, for the admins to correct (docs/agreements.md). */
	if ((rc = agreement_seed_demo(&c, org)) != TK_OK)
		goto out;
	if (o->demo && (rc = seed_demo(&c, o->dir, &cr)) != TK_OK)
		goto out;
	/* Last, so a failure before it leaves no audit key on a token; made the
	 * way an instance from before audit keys makes it on first need. */
	if ((rc = audit_key_ensure(&c)) != TK_OK)
		goto out;
	log_msg(LOG_INFO, "instance.init", "created instance in %s", o->dir);
	rc = TK_OK;
	goto out;
rollback:
	store_rollback(c.st);
out:
	svc_ctx_done(&c);
	instance_close(inst);
	if (rc != TK_OK) {
		/* Keep the caller's error message: cleanup must not overwrite it. */
		struct tk_error saved = *tk_last_error();
		created_undo(&cr);
		if (made_dir)
			rmdir(o->dir);
		/* Token keys of a failed init would be orphans on the HSM. */
		for (i = 0; i < 5; i++)
			if (made[i].k != NULL && made[i].ref[0] != '\0' && key_p11_destroy(made[i].k) != TK_OK)
				log_msg(LOG_WARN, "instance.init", "token key %s of the failed init could not be removed",
				    made[i].key_name);
		tk_fail_code(saved.err, saved.code, "%s", saved.msg);
	}
	for (i = 0; i < 5; i++) {
		key_free(made[i].k);
		EVP_PKEY_free(made[i].pk);
		X509_free(made[i].cert);
	}
	OPENSSL_cleanse(ikey, sizeof(ikey));
	buf_free(&conf);
	return rc;
}

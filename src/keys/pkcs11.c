/*
 * PKCS#11 keys: key pairs generated and used on a token (an HSM in
 * production, SoftHSM2 in tests). docs/hsm.md is the operator's guide.
 *
 * How a token key becomes an EVP_PKEY that X509_sign, CMS, TS, OCSP and
 * EVP_DigestSign* accept unchanged: a small OpenSSL 3 provider,
 * "teken-pkcs11", built into this file and loaded into a private library
 * context (so that fetches of "RSA" or "EC" by the rest of the program never
 * land here). Its key management holds a reference to the token object and a
 * copy of the public key; its signature implementation hashes in-process and
 * has the token sign the digest (CKM_RSA_PKCS over a DigestInfo,
 * CKM_RSA_PKCS_PSS, CKM_ECDSA). Why not the pkcs11 ENGINE or an RSA_METHOD:
 * OpenSSL 3.0 treats such keys as legacy ("foreign") keys, which cannot
 * answer OSSL_SIGNATURE_PARAM_ALGORITHM_ID, and x509/crl.c needs it.
 *
 * Threads: the module is initialised with CKF_OS_LOCKING_OK; each signature
 * takes a session of its own from a small pool (a session runs one
 * operation at a time), so teken serve signs from several threads at once.
 * One session stays open for the life of the token handle, because a login
 * lasts only while the application has a session open.
 *
 * Errors: a token, PIN file or module problem at use time is the server's
 * condition, not the caller's: TK_ERR_IO (HTTP 503, message logged, not
 * shown) with codes hsm_*.
 *
 * Secrets: the PIN is read from its file at login, checked for 0600, and
 * wiped; private keys are CKA_SENSITIVE and not extractable, and the key
 * management refuses to export private parts.
 */
#include "keys/keys.h"
#include "keys/keys_int.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/bn.h>
#include <openssl/core.h>
#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Last: in its default compatibility mode p11-kit's header #defines common
 * lower-case words (value, count, params, ...) as CK_ field names. */
#include <p11-kit/pkcs11.h>

#define P11_PROV_NAME "teken-pkcs11"
#define P11_PROPQ "provider=teken-pkcs11"
/* Custom key-management parameter: a pointer to a struct p11_key, used to
 * hand a token key to EVP_PKEY_fromdata() and to get it back. */
#define P11_PARAM_KEY "teken-p11-key"
#define P11_IDLE_SESSIONS 8u
#define P11_MAX_PIN 256u
#define P11_ID_BYTES 16u
#define P11_MAX_SLOTS 256u
#define P11_MAX_ATTR 4096u /* largest public-key attribute we read */

/* ------------------------------------------------------------ registry */

struct p11_module {
	struct p11_module *next;
	char path[PATH_MAX];
	void *dl;
	CK_FUNCTION_LIST_PTR f;
	int users;       /* open tokens; C_Finalize when the last one closes */
	int initialized; /* by us: ours to finalize */
};

struct p11_token {
	struct p11_token *next;
	struct p11_module *mod;
	CK_SLOT_ID slot;
	char label[33];
	char pin_file[PATH_MAX];
	int refs;                /* under reg_lock */
	pthread_mutex_t lock;    /* idle sessions, re-login */
	CK_SESSION_HANDLE login; /* held open: keeps the login alive */
	CK_SESSION_HANDLE idle[P11_IDLE_SESSIONS];
	size_t nidle;
};

/*
 * Modules stay loaded for the life of the process once opened (unloading a
 * library that may have registered exit handlers is not safe); tokens are
 * refcounted by the keys that use them.
 */
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct p11_module *modules;
static struct p11_token *tokens;

/* A token key, public-only when tok is NULL (a key imported for comparison). */
struct p11_key {
	int ec;
	EVP_PKEY *pub; /* the public key, in the default library context */
	struct p11_token *tok;
	CK_OBJECT_HANDLE priv, pubobj;
	char label[64];
};

static const char *rv_name(CK_RV rv)
{
	switch (rv) {
	case CKR_OK: return "CKR_OK";
	case CKR_HOST_MEMORY: return "CKR_HOST_MEMORY";
	case CKR_GENERAL_ERROR: return "CKR_GENERAL_ERROR";
	case CKR_FUNCTION_FAILED: return "CKR_FUNCTION_FAILED";
	case CKR_ARGUMENTS_BAD: return "CKR_ARGUMENTS_BAD";
	case CKR_ATTRIBUTE_VALUE_INVALID: return "CKR_ATTRIBUTE_VALUE_INVALID";
	case CKR_DEVICE_ERROR: return "CKR_DEVICE_ERROR";
	case CKR_DEVICE_MEMORY: return "CKR_DEVICE_MEMORY";
	case CKR_DEVICE_REMOVED: return "CKR_DEVICE_REMOVED";
	case CKR_KEY_HANDLE_INVALID: return "CKR_KEY_HANDLE_INVALID";
	case CKR_KEY_TYPE_INCONSISTENT: return "CKR_KEY_TYPE_INCONSISTENT";
	case CKR_MECHANISM_INVALID: return "CKR_MECHANISM_INVALID";
	case CKR_MECHANISM_PARAM_INVALID: return "CKR_MECHANISM_PARAM_INVALID";
	case CKR_OBJECT_HANDLE_INVALID: return "CKR_OBJECT_HANDLE_INVALID";
	case CKR_PIN_INCORRECT: return "CKR_PIN_INCORRECT";
	case CKR_PIN_LOCKED: return "CKR_PIN_LOCKED";
	case CKR_SESSION_CLOSED: return "CKR_SESSION_CLOSED";
	case CKR_SESSION_HANDLE_INVALID: return "CKR_SESSION_HANDLE_INVALID";
	case CKR_TEMPLATE_INCONSISTENT: return "CKR_TEMPLATE_INCONSISTENT";
	case CKR_TOKEN_NOT_PRESENT: return "CKR_TOKEN_NOT_PRESENT";
	case CKR_TOKEN_WRITE_PROTECTED: return "CKR_TOKEN_WRITE_PROTECTED";
	case CKR_USER_NOT_LOGGED_IN: return "CKR_USER_NOT_LOGGED_IN";
	case CKR_CRYPTOKI_NOT_INITIALIZED: return "CKR_CRYPTOKI_NOT_INITIALIZED";
	default: return "CKR error";
	}
}

static enum tk_err module_open(const char *path, struct p11_module **out)
{
	struct p11_module *m;
	CK_C_GetFunctionList getfl;
	CK_C_INITIALIZE_ARGS args;
	CK_RV rv;

	for (m = modules; m != NULL; m = m->next)
		if (strcmp(m->path, path) == 0)
			break;
	if (m == NULL) {
		void *dl;
		const char *why;
		if ((m = calloc(1, sizeof(*m))) == NULL)
			return tk_fail(TK_ERR_NOMEM, "hsm: out of memory");
		if (str_copy(m->path, sizeof(m->path), path) != TK_OK) {
			free(m);
			return tk_fail(TK_ERR_IO, "hsm: module path is too long");
		}
		dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
		if (dl == NULL) {
			why = dlerror();
			free(m);
			return tk_fail_code(TK_ERR_IO, "hsm_module", "hsm: module %s cannot be loaded: %s", path, why ? why : "unknown reason");
		}
		*(void **)&getfl = dlsym(dl, "C_GetFunctionList");
		if (getfl == NULL || getfl(&m->f) != CKR_OK || m->f == NULL) {
			dlclose(dl);
			free(m);
			return tk_fail_code(TK_ERR_IO, "hsm_module", "hsm: module %s cannot be loaded: not a PKCS#11 module", path);
		}
		m->dl = dl;
		m->next = modules;
		modules = m;
	}
	if (m->users == 0) {
		memset(&args, 0, sizeof(args));
		args.flags = CKF_OS_LOCKING_OK;
		rv = m->f->C_Initialize(&args);
		if (rv == CKR_OK)
			m->initialized = 1;
		else if (rv != CKR_CRYPTOKI_ALREADY_INITIALIZED)
			return tk_fail(TK_ERR_IO, "hsm: module %s cannot be initialised (%s)", path, rv_name(rv));
	}
	m->users++;
	*out = m;
	return TK_OK;
}

static void module_close(struct p11_module *m)
{
	if (--m->users == 0 && m->initialized) {
		m->f->C_Finalize(NULL);
		m->initialized = 0;
	}
}

/*
 * Reads the PIN: a regular file of mode 0600 or stricter (like the instance
 * key), one line; a trailing newline is not part of it. The caller wipes pin.
 */
static enum tk_err pin_read(const char *path, char pin[P11_MAX_PIN + 2], size_t *len)
{
	struct stat sb;
	ssize_t n;
	size_t got = 0;
	int fd;
	enum tk_err rc = TK_ERR_IO;

	if (path == NULL || path[0] == '\0')
		return tk_fail_code(TK_ERR_IO, "hsm_pin_file", "hsm: no PIN file configured ([hsm] pin_file)");
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return tk_fail_code(TK_ERR_IO, "hsm_pin_file", "hsm: PIN file %s: %s", path, strerror(errno));
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		rc = tk_fail_code(TK_ERR_IO, "hsm_pin_file", "hsm: PIN file %s is not a regular file", path);
		goto out;
	}
	if ((sb.st_mode & 077) != 0) {
		rc = tk_fail_code(TK_ERR_IO, "hsm_pin_file", "hsm: PIN file %s: permissions %03o are too open (need 0600)", path,
		    (unsigned)(sb.st_mode & 0777));
		goto out;
	}
	while (got < P11_MAX_PIN + 2) {
		n = read(fd, pin + got, P11_MAX_PIN + 2 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = tk_fail(TK_ERR_IO, "hsm: PIN file %s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got > 0 && pin[got - 1] == '\n')
		got--;
	if (got > 0 && pin[got - 1] == '\r')
		got--;
	if (got > P11_MAX_PIN) {
		rc = tk_fail_code(TK_ERR_IO, "hsm_pin_file", "hsm: PIN file %s holds more than %u bytes", path, P11_MAX_PIN);
		goto out;
	}
	if (got == 0 || memchr(pin, '\n', got) != NULL) {
		rc = tk_fail_code(TK_ERR_IO, "hsm_pin_file", "hsm: PIN file %s must hold the PIN on one line", path);
		goto out;
	}
	*len = got;
	rc = TK_OK;
out:
	close(fd);
	return rc;
}

static enum tk_err token_login(struct p11_token *t, CK_SESSION_HANDLE s)
{
	char pin[P11_MAX_PIN + 2];
	size_t len = 0;
	CK_RV rv;
	enum tk_err rc;

	if ((rc = pin_read(t->pin_file, pin, &len)) != TK_OK)
		goto out;
	rv = t->mod->f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)pin, (CK_ULONG)len);
	if (rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN)
		rc = TK_OK;
	else if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LEN_RANGE)
		rc = tk_fail_code(TK_ERR_IO, "hsm_wrong_pin", "hsm: wrong PIN for token '%s' (PIN file %s)", t->label,
		    t->pin_file);
	else if (rv == CKR_PIN_LOCKED)
		rc = tk_fail_code(TK_ERR_IO, "hsm_pin_locked", "hsm: the PIN of token '%s' is locked", t->label);
	else
		rc = tk_fail_code(TK_ERR_IO, "hsm_login", "hsm: login to token '%s' failed (%s)", t->label, rv_name(rv));
out:
	OPENSSL_cleanse(pin, sizeof(pin));
	return rc;
}

/* Finds the slot whose token has this label (blank-padded to 32 bytes). */
static enum tk_err token_find(struct p11_module *m, const char *label, CK_SLOT_ID *slot)
{
	CK_SLOT_ID *slots = NULL;
	CK_ULONG n = 0, i;
	CK_TOKEN_INFO info;
	size_t ll = strlen(label);
	CK_RV rv;
	enum tk_err rc = TK_ERR_NOT_FOUND;

	if ((rv = m->f->C_GetSlotList(CK_TRUE, NULL, &n)) != CKR_OK)
		return tk_fail(TK_ERR_IO, "hsm: listing the slots of %s failed (%s)", m->path, rv_name(rv));
	if (n > P11_MAX_SLOTS)
		n = P11_MAX_SLOTS;
	if (n > 0 && (slots = calloc(n, sizeof(*slots))) == NULL)
		return tk_fail(TK_ERR_NOMEM, "hsm: out of memory");
	if (n > 0 && (rv = m->f->C_GetSlotList(CK_TRUE, slots, &n)) != CKR_OK) {
		rc = tk_fail(TK_ERR_IO, "hsm: listing the slots of %s failed (%s)", m->path, rv_name(rv));
		goto out;
	}
	for (i = 0; i < n; i++) {
		size_t k;
		if (m->f->C_GetTokenInfo(slots[i], &info) != CKR_OK)
			continue;
		for (k = ll; k < sizeof(info.label) && info.label[k] == ' '; k++)
			;
		if (k == sizeof(info.label) && memcmp(info.label, label, ll) == 0) {
			if (!(info.flags & CKF_TOKEN_INITIALIZED))
				break;
			*slot = slots[i];
			rc = TK_OK;
			goto out;
		}
	}
	rc = tk_fail_code(TK_ERR_IO, "hsm_token_not_found", "hsm: token '%s' not found in %s", label, m->path);
out:
	free(slots);
	return rc;
}

/* Opens (or shares) the logged-in handle of a token. */
static enum tk_err token_open(const char *module, const char *label, const char *pin_file, struct p11_token **out)
{
	struct p11_token *t;
	struct p11_module *m = NULL;
	CK_RV rv;
	enum tk_err rc;

	if (strlen(label) == 0 || strlen(label) > 32)
		return tk_fail(TK_ERR_IO, "hsm: token label must be 1 to 32 bytes");
	pthread_mutex_lock(&reg_lock);
	for (t = tokens; t != NULL; t = t->next)
		if (strcmp(t->mod->path, module) == 0 && strcmp(t->label, label) == 0) {
			t->refs++;
			*out = t;
			pthread_mutex_unlock(&reg_lock);
			return TK_OK;
		}
	if ((rc = module_open(module, &m)) != TK_OK)
		goto out;
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "hsm: out of memory");
		goto out;
	}
	t->mod = m;
	t->login = CK_INVALID_HANDLE;
	pthread_mutex_init(&t->lock, NULL);
	if ((rc = str_copy(t->label, sizeof(t->label), label)) != TK_OK ||
	    (rc = str_copy(t->pin_file, sizeof(t->pin_file), pin_file ? pin_file : "")) != TK_OK ||
	    (rc = token_find(m, label, &t->slot)) != TK_OK)
		goto fail;
	if ((rv = m->f->C_OpenSession(t->slot, CKF_SERIAL_SESSION, NULL, NULL, &t->login)) != CKR_OK) {
		t->login = CK_INVALID_HANDLE;
		rc = tk_fail(TK_ERR_IO, "hsm: cannot open a session on token '%s' (%s)", label, rv_name(rv));
		goto fail;
	}
	if ((rc = token_login(t, t->login)) != TK_OK)
		goto fail;
	t->refs = 1;
	t->next = tokens;
	tokens = t;
	*out = t;
	m = NULL;
	rc = TK_OK;
	goto out;
fail:
	if (t->login != CK_INVALID_HANDLE)
		m->f->C_CloseSession(t->login);
	pthread_mutex_destroy(&t->lock);
	free(t);
out:
	if (m != NULL)
		module_close(m);
	pthread_mutex_unlock(&reg_lock);
	return rc;
}

static void token_ref(struct p11_token *t)
{
	pthread_mutex_lock(&reg_lock);
	t->refs++;
	pthread_mutex_unlock(&reg_lock);
}

static void token_close(struct p11_token *t)
{
	struct p11_token **pp;

	if (t == NULL)
		return;
	pthread_mutex_lock(&reg_lock);
	if (--t->refs > 0) {
		pthread_mutex_unlock(&reg_lock);
		return;
	}
	for (pp = &tokens; *pp != NULL; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	while (t->nidle > 0)
		t->mod->f->C_CloseSession(t->idle[--t->nidle]);
	t->mod->f->C_Logout(t->login);
	t->mod->f->C_CloseSession(t->login);
	module_close(t->mod);
	pthread_mutex_destroy(&t->lock);
	free(t);
	pthread_mutex_unlock(&reg_lock);
}

static CK_RV session_get(struct p11_token *t, int rw, CK_SESSION_HANDLE *s)
{
	if (!rw) {
		pthread_mutex_lock(&t->lock);
		if (t->nidle > 0) {
			*s = t->idle[--t->nidle];
			pthread_mutex_unlock(&t->lock);
			return CKR_OK;
		}
		pthread_mutex_unlock(&t->lock);
	}
	return t->mod->f->C_OpenSession(t->slot, CKF_SERIAL_SESSION | (rw ? CKF_RW_SESSION : 0), NULL, NULL, s);
}

/* Returns a session to the pool; a session that failed is closed instead. */
static void session_put(struct p11_token *t, CK_SESSION_HANDLE s, int rw, CK_RV last)
{
	int keep = !rw && last != CKR_SESSION_HANDLE_INVALID && last != CKR_SESSION_CLOSED &&
		   last != CKR_DEVICE_REMOVED && last != CKR_TOKEN_NOT_PRESENT && last != CKR_DEVICE_ERROR;

	pthread_mutex_lock(&t->lock);
	if (keep && t->nidle < P11_IDLE_SESSIONS) {
		t->idle[t->nidle++] = s;
		s = CK_INVALID_HANDLE;
	}
	pthread_mutex_unlock(&t->lock);
	if (s != CK_INVALID_HANDLE)
		t->mod->f->C_CloseSession(s);
}

/*
 * One signature on the token. A token that forgot our login (an HSM
 * restarted) gets one more login with the PIN from the file.
 */
static CK_RV token_sign(const struct p11_key *k, CK_MECHANISM *mech, const uint8_t *in, size_t inlen, uint8_t *out,
    size_t *outlen)
{
	struct p11_token *t = k->tok;
	CK_SESSION_HANDLE s;
	CK_ULONG n = (CK_ULONG)*outlen;
	CK_RV rv;
	int tries;

	if ((rv = session_get(t, 0, &s)) != CKR_OK)
		return rv;
	for (tries = 0; tries < 2; tries++) {
		rv = t->mod->f->C_SignInit(s, mech, k->priv);
		if (rv == CKR_USER_NOT_LOGGED_IN && tries == 0) {
			pthread_mutex_lock(&t->lock);
			if (token_login(t, s) != TK_OK)
				tries = 2;
			pthread_mutex_unlock(&t->lock);
			tk_clear_error();
			continue;
		}
		break;
	}
	if (rv == CKR_OK) {
		n = (CK_ULONG)*outlen;
		rv = t->mod->f->C_Sign(s, (CK_BYTE_PTR)in, (CK_ULONG)inlen, out, &n);
		if (rv == CKR_OK)
			*outlen = (size_t)n;
	}
	session_put(t, s, 0, rv);
	return rv;
}

/* --------------------------------------------------- OpenSSL errors */

enum {
	P11R_SIGN = 1,
	P11R_MECH,
	P11R_LOGIN,
	P11R_DIGEST,
	P11R_PRIVATE,
	P11R_PARAM,
	P11R_SESSION,
};

static ERR_STRING_DATA p11_reasons[] = {
	{ ERR_PACK(0, 0, P11R_SIGN), "hsm: the token failed to sign" },
	{ ERR_PACK(0, 0, P11R_MECH), "hsm: the token does not support this signature mechanism" },
	{ ERR_PACK(0, 0, P11R_LOGIN), "hsm: not logged in to the token (check the PIN file)" },
	{ ERR_PACK(0, 0, P11R_DIGEST), "hsm: unsupported digest for a token key" },
	{ ERR_PACK(0, 0, P11R_PRIVATE), "hsm: token private keys cannot be exported" },
	{ ERR_PACK(0, 0, P11R_PARAM), "hsm: unsupported signature parameter for a token key" },
	{ ERR_PACK(0, 0, P11R_SESSION), "hsm: the token session was lost" },
	{ 0, NULL },
};

static int p11_errlib;

static void raise_rv(CK_RV rv)
{
	int reason = P11R_SIGN;

	if (rv == CKR_MECHANISM_INVALID || rv == CKR_MECHANISM_PARAM_INVALID || rv == CKR_KEY_TYPE_INCONSISTENT ||
	    rv == CKR_KEY_FUNCTION_NOT_PERMITTED)
		reason = P11R_MECH;
	else if (rv == CKR_USER_NOT_LOGGED_IN)
		reason = P11R_LOGIN;
	else if (rv == CKR_SESSION_HANDLE_INVALID || rv == CKR_SESSION_CLOSED || rv == CKR_DEVICE_REMOVED ||
		 rv == CKR_TOKEN_NOT_PRESENT)
		reason = P11R_SESSION;
	ERR_raise_data(p11_errlib, reason, "%s", rv_name(rv));
}

/* ------------------------------------------------ provider: key management */

static void p11_key_free(struct p11_key *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->pub);
	token_close(k->tok);
	free(k);
}

static void *km_new_rsa(void *provctx)
{
	(void)provctx;
	return calloc(1, sizeof(struct p11_key));
}

static void *km_new_ec(void *provctx)
{
	struct p11_key *k = calloc(1, sizeof(*k));

	(void)provctx;
	if (k != NULL)
		k->ec = 1;
	return k;
}

static void km_free(void *kd)
{
	p11_key_free(kd);
}

static int km_has(const void *kd, int selection)
{
	const struct p11_key *k = kd;

	if (k == NULL)
		return 0;
	if ((selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) && k->tok == NULL)
		return 0;
	if ((selection & (OSSL_KEYMGMT_SELECT_PUBLIC_KEY | OSSL_KEYMGMT_SELECT_DOMAIN_PARAMETERS)) && k->pub == NULL)
		return 0;
	return 1;
}

/*
 * Two ways in: our own parameter naming a token key (from
 * key_from_token()), or public-key parameters exported by another
 * provider, so that EVP_PKEY_eq(certificate key, token key) can compare.
 * Private parameters from elsewhere are never taken.
 */
static int km_import(void *kd, int selection, const OSSL_PARAM prm[])
{
	struct p11_key *k = kd;
	const OSSL_PARAM *p = OSSL_PARAM_locate_const(prm, P11_PARAM_KEY);
	EVP_PKEY_CTX *ctx = NULL;
	int ok = 0;

	if (k == NULL || k->pub != NULL)
		return 0;
	if (p != NULL) {
		const void *vp = NULL;
		const struct p11_key *src;
		size_t len = 0;
		if (!OSSL_PARAM_get_octet_ptr(p, &vp, &len) || len != sizeof(*src) || vp == NULL)
			return 0;
		src = vp;
		if (src->ec != k->ec || src->pub == NULL || !EVP_PKEY_up_ref(src->pub))
			return 0;
		k->pub = src->pub;
		if (src->tok != NULL)
			token_ref(src->tok);
		k->tok = src->tok;
		k->priv = src->priv;
		k->pubobj = src->pubobj;
		memcpy(k->label, src->label, sizeof(k->label));
		return 1;
	}
	if (!(selection & OSSL_KEYMGMT_SELECT_PUBLIC_KEY))
		return 0;
	ctx = EVP_PKEY_CTX_new_from_name(NULL, k->ec ? "EC" : "RSA", NULL);
	if (ctx != NULL && EVP_PKEY_fromdata_init(ctx) == 1 && EVP_PKEY_fromdata(ctx, &k->pub, EVP_PKEY_PUBLIC_KEY, (OSSL_PARAM *)prm) == 1)
		ok = 1;
	EVP_PKEY_CTX_free(ctx);
	return ok;
}

static const OSSL_PARAM *km_import_types_rsa(int selection)
{
	static const OSSL_PARAM t[] = {
		OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_N, NULL, 0),
		OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_E, NULL, 0),
		OSSL_PARAM_octet_ptr(P11_PARAM_KEY, NULL, 0),
		OSSL_PARAM_END,
	};
	(void)selection;
	return t;
}

static const OSSL_PARAM *km_import_types_ec(int selection)
{
	static const OSSL_PARAM t[] = {
		OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, NULL, 0),
		OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, NULL, 0),
		OSSL_PARAM_octet_ptr(P11_PARAM_KEY, NULL, 0),
		OSSL_PARAM_END,
	};
	(void)selection;
	return t;
}

/* Public parts only: asked for the private key, export fails, which is
 * also what makes OpenSSL use our signature code instead of its own. */
static int km_export(void *kd, int selection, OSSL_CALLBACK *cb, void *cbarg)
{
	struct p11_key *k = kd;
	OSSL_PARAM *prm = NULL;
	int ok;

	if (k == NULL || k->pub == NULL)
		return 0;
	if (selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) {
		ERR_raise(p11_errlib, P11R_PRIVATE);
		return 0;
	}
	if (EVP_PKEY_todata(k->pub, EVP_PKEY_PUBLIC_KEY, &prm) != 1)
		return 0;
	ok = cb(prm, cbarg);
	OSSL_PARAM_free(prm);
	return ok;
}

static const OSSL_PARAM *km_export_types_rsa(int selection)
{
	static const OSSL_PARAM t[] = {
		OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_N, NULL, 0),
		OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_E, NULL, 0),
		OSSL_PARAM_END,
	};
	(void)selection;
	return t;
}

static const OSSL_PARAM *km_export_types_ec(int selection)
{
	static const OSSL_PARAM t[] = {
		OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, NULL, 0),
		OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, NULL, 0),
		OSSL_PARAM_END,
	};
	(void)selection;
	return t;
}

/* Sizes, group, default digest, public parts: answered by the public key. */
static int km_get_params(void *kd, OSSL_PARAM prm[])
{
	struct p11_key *k = kd;
	OSSL_PARAM *p;

	if (k == NULL || k->pub == NULL)
		return 0;
	if ((p = OSSL_PARAM_locate(prm, P11_PARAM_KEY)) != NULL && !OSSL_PARAM_set_octet_ptr(p, k, sizeof(*k)))
		return 0;
	return EVP_PKEY_get_params(k->pub, prm);
}

static const OSSL_PARAM *km_gettable_params(void *provctx)
{
	static const OSSL_PARAM t[] = {
		OSSL_PARAM_int(OSSL_PKEY_PARAM_BITS, NULL),
		OSSL_PARAM_int(OSSL_PKEY_PARAM_SECURITY_BITS, NULL),
		OSSL_PARAM_int(OSSL_PKEY_PARAM_MAX_SIZE, NULL),
		OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_DEFAULT_DIGEST, NULL, 0),
		OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, NULL, 0),
		OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_N, NULL, 0),
		OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_E, NULL, 0),
		OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, NULL, 0),
		OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, NULL, 0),
		OSSL_PARAM_octet_ptr(P11_PARAM_KEY, NULL, 0),
		OSSL_PARAM_END,
	};
	(void)provctx;
	return t;
}

static int km_match(const void *kd1, const void *kd2, int selection)
{
	const struct p11_key *a = kd1, *b = kd2;

	(void)selection;
	if (a == NULL || b == NULL || a->pub == NULL || b->pub == NULL)
		return 0;
	return EVP_PKEY_eq(a->pub, b->pub) == 1;
}

static const char *km_opname_rsa(int op)
{
	return op == OSSL_OP_SIGNATURE ? "RSA" : NULL;
}

static const char *km_opname_ec(int op)
{
	return op == OSSL_OP_SIGNATURE ? "ECDSA" : NULL;
}

#define FN(id, f)                       \
	{                               \
		id, (void (*)(void))(f) \
	}
#define KEYMGMT_COMMON                                                                        \
	FN(OSSL_FUNC_KEYMGMT_FREE, km_free), FN(OSSL_FUNC_KEYMGMT_HAS, km_has),               \
	    FN(OSSL_FUNC_KEYMGMT_IMPORT, km_import), FN(OSSL_FUNC_KEYMGMT_EXPORT, km_export), \
	    FN(OSSL_FUNC_KEYMGMT_GET_PARAMS, km_get_params),                                  \
	    FN(OSSL_FUNC_KEYMGMT_GETTABLE_PARAMS, km_gettable_params), FN(OSSL_FUNC_KEYMGMT_MATCH, km_match)

static const OSSL_DISPATCH km_rsa[] = {
	FN(OSSL_FUNC_KEYMGMT_NEW, km_new_rsa),
	KEYMGMT_COMMON,
	FN(OSSL_FUNC_KEYMGMT_IMPORT_TYPES, km_import_types_rsa),
	FN(OSSL_FUNC_KEYMGMT_EXPORT_TYPES, km_export_types_rsa),
	FN(OSSL_FUNC_KEYMGMT_QUERY_OPERATION_NAME, km_opname_rsa),
	{ 0, NULL },
};

static const OSSL_DISPATCH km_ec[] = {
	FN(OSSL_FUNC_KEYMGMT_NEW, km_new_ec),
	KEYMGMT_COMMON,
	FN(OSSL_FUNC_KEYMGMT_IMPORT_TYPES, km_import_types_ec),
	FN(OSSL_FUNC_KEYMGMT_EXPORT_TYPES, km_export_types_ec),
	FN(OSSL_FUNC_KEYMGMT_QUERY_OPERATION_NAME, km_opname_ec),
	{ 0, NULL },
};

/* ------------------------------------------------- provider: signature */

struct p11_sig {
	struct p11_key *k; /* borrowed: OpenSSL keeps the key alive during the operation */
	EVP_MD *md;
	EVP_MD_CTX *mdctx;
	int pad;       /* RSA_PKCS1_PADDING or RSA_PKCS1_PSS_PADDING */
	int saltlen;   /* RSA_PSS_SALTLEN_DIGEST, _MAX, _AUTO or bytes */
	int digesting; /* data is being hashed: the digest is fixed */
};

static void *sig_new(void *provctx, const char *propq)
{
	struct p11_sig *c = calloc(1, sizeof(*c));

	(void)provctx;
	(void)propq;
	if (c != NULL) {
		c->pad = RSA_PKCS1_PADDING;
		c->saltlen = RSA_PSS_SALTLEN_DIGEST;
	}
	return c;
}

static void sig_free(void *vc)
{
	struct p11_sig *c = vc;

	if (c == NULL)
		return;
	EVP_MD_CTX_free(c->mdctx);
	EVP_MD_free(c->md);
	free(c);
}

static void *sig_dup(void *vc)
{
	struct p11_sig *c = vc, *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return NULL;
	*d = *c;
	d->md = NULL;
	d->mdctx = NULL;
	if ((c->md != NULL && !EVP_MD_up_ref(c->md)) ||
	    (c->mdctx != NULL && ((d->mdctx = EVP_MD_CTX_new()) == NULL || !EVP_MD_CTX_copy_ex(d->mdctx, c->mdctx)))) {
		EVP_MD_CTX_free(d->mdctx);
		free(d);
		return NULL;
	}
	d->md = c->md;
	return d;
}

/* The digests a token signature may use, with their PKCS#11 names for PSS. */
static int md_ck(const EVP_MD *md, CK_MECHANISM_TYPE *hash, CK_RSA_PKCS_MGF_TYPE *mgf)
{
	switch (EVP_MD_get_type(md)) {
	case NID_sha1:
		*hash = CKM_SHA_1;
		*mgf = CKG_MGF1_SHA1;
		return 1;
	case NID_sha224:
		*hash = CKM_SHA224;
		*mgf = CKG_MGF1_SHA224;
		return 1;
	case NID_sha256:
		*hash = CKM_SHA256;
		*mgf = CKG_MGF1_SHA256;
		return 1;
	case NID_sha384:
		*hash = CKM_SHA384;
		*mgf = CKG_MGF1_SHA384;
		return 1;
	case NID_sha512:
		*hash = CKM_SHA512;
		*mgf = CKG_MGF1_SHA512;
		return 1;
	default: return 0;
	}
}

static int sig_set_md(struct p11_sig *c, const char *name)
{
	EVP_MD *md = EVP_MD_fetch(NULL, name, NULL);
	CK_MECHANISM_TYPE h;
	CK_RSA_PKCS_MGF_TYPE g;

	if (md == NULL || !md_ck(md, &h, &g)) {
		EVP_MD_free(md);
		ERR_raise_data(p11_errlib, P11R_DIGEST, "%s", name);
		return 0;
	}
	EVP_MD_free(c->md);
	c->md = md;
	return 1;
}

static int sig_set_params(void *vc, const OSSL_PARAM prm[])
{
	struct p11_sig *c = vc;
	const OSSL_PARAM *p;

	if (prm == NULL)
		return 1;
	if ((p = OSSL_PARAM_locate_const(prm, OSSL_SIGNATURE_PARAM_DIGEST)) != NULL) {
		const char *name = NULL;
		EVP_MD *m;
		int same;
		if (!OSSL_PARAM_get_utf8_string_ptr(p, &name))
			return 0;
		if (c->digesting) {
			/* Hashing has begun: the DigestInfo must name the digest used. */
			if ((m = EVP_MD_fetch(NULL, name, NULL)) == NULL)
				return 0;
			same = EVP_MD_get_type(m) == EVP_MD_get_type(c->md);
			EVP_MD_free(m);
			if (!same) {
				ERR_raise_data(p11_errlib, P11R_PARAM, "digest cannot change after init");
				return 0;
			}
		} else if (!sig_set_md(c, name)) {
			return 0;
		}
	}
	if ((p = OSSL_PARAM_locate_const(prm, OSSL_SIGNATURE_PARAM_PAD_MODE)) != NULL) {
		int pad = 0;
		const char *s = NULL;
		if (p->data_type == OSSL_PARAM_UTF8_STRING && OSSL_PARAM_get_utf8_string_ptr(p, &s))
			pad = strcmp(s, OSSL_PKEY_RSA_PAD_MODE_PKCSV15) == 0 ? RSA_PKCS1_PADDING
			      : strcmp(s, OSSL_PKEY_RSA_PAD_MODE_PSS) == 0   ? RSA_PKCS1_PSS_PADDING
									     : 0;
		else if (!OSSL_PARAM_get_int(p, &pad))
			return 0;
		if (c->k != NULL && c->k->ec)
			pad = 0;
		if (pad != RSA_PKCS1_PADDING && pad != RSA_PKCS1_PSS_PADDING) {
			ERR_raise_data(p11_errlib, P11R_PARAM, "padding mode");
			return 0;
		}
		c->pad = pad;
	}
	if ((p = OSSL_PARAM_locate_const(prm, OSSL_SIGNATURE_PARAM_PSS_SALTLEN)) != NULL) {
		int sl = 0;
		const char *s = NULL;
		if (p->data_type == OSSL_PARAM_UTF8_STRING && OSSL_PARAM_get_utf8_string_ptr(p, &s)) {
			uint64_t v = 0;
			if (strcmp(s, OSSL_PKEY_RSA_PSS_SALT_LEN_DIGEST) == 0)
				sl = RSA_PSS_SALTLEN_DIGEST;
			else if (strcmp(s, OSSL_PKEY_RSA_PSS_SALT_LEN_MAX) == 0)
				sl = RSA_PSS_SALTLEN_MAX;
			else if (strcmp(s, OSSL_PKEY_RSA_PSS_SALT_LEN_AUTO) == 0)
				sl = RSA_PSS_SALTLEN_AUTO;
			else if (parse_u64_str(s, 1024, &v) == TK_OK)
				sl = (int)v;
			else {
				tk_clear_error();
				ERR_raise_data(p11_errlib, P11R_PARAM, "PSS salt length");
				return 0;
			}
		} else if (!OSSL_PARAM_get_int(p, &sl) || sl < RSA_PSS_SALTLEN_MAX) {
			ERR_raise_data(p11_errlib, P11R_PARAM, "PSS salt length");
			return 0;
		}
		c->saltlen = sl;
	}
	if ((p = OSSL_PARAM_locate_const(prm, OSSL_SIGNATURE_PARAM_MGF1_DIGEST)) != NULL) {
		/* MGF1 uses the signature digest; the token mechanism is built so. */
		const char *name = NULL;
		EVP_MD *m;
		int same;
		if (!OSSL_PARAM_get_utf8_string_ptr(p, &name) || (m = EVP_MD_fetch(NULL, name, NULL)) == NULL)
			return 0;
		same = c->md == NULL || EVP_MD_get_type(m) == EVP_MD_get_type(c->md);
		EVP_MD_free(m);
		if (!same) {
			ERR_raise_data(p11_errlib, P11R_PARAM, "MGF1 digest must equal the signature digest");
			return 0;
		}
	}
	return 1;
}

static const OSSL_PARAM *sig_settable(void *vc, void *provctx)
{
	static const OSSL_PARAM t[] = {
		OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_DIGEST, NULL, 0),
		OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_PAD_MODE, NULL, 0),
		OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_PSS_SALTLEN, NULL, 0),
		OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_MGF1_DIGEST, NULL, 0),
		OSSL_PARAM_END,
	};
	(void)vc;
	(void)provctx;
	return t;
}

/* Salt length in bytes for the current settings (RFC 8017 9.1.1). */
static int pss_salt(const struct p11_sig *c, size_t *out)
{
	int bits = EVP_PKEY_get_bits(c->k->pub);
	size_t hl = (size_t)EVP_MD_get_size(c->md);
	size_t emlen = ((size_t)bits - 1 + 7) / 8;

	if (bits <= 0 || emlen < hl + 2)
		return 0;
	if (c->saltlen == RSA_PSS_SALTLEN_DIGEST)
		*out = hl;
	else if (c->saltlen == RSA_PSS_SALTLEN_MAX || c->saltlen == RSA_PSS_SALTLEN_AUTO)
		*out = emlen - hl - 2;
	else if (c->saltlen >= 0 && (size_t)c->saltlen <= emlen - hl - 2)
		*out = (size_t)c->saltlen;
	else
		return 0;
	return 1;
}

/* The signature AlgorithmIdentifier, DER (RFC 4055, RFC 5758). */
static int sig_algid(const struct p11_sig *c, uint8_t **der, int *len)
{
	X509_ALGOR *alg = X509_ALGOR_new(), *mgf1md = NULL;
	RSA_PSS_PARAMS *pp = NULL;
	ASN1_STRING *os = NULL, *mgfos = NULL;
	int nid = NID_undef, ok = 0;
	size_t salt;

	if (alg == NULL || c->md == NULL)
		goto out;
	if (c->k->ec || c->pad == RSA_PKCS1_PADDING) {
		if (!OBJ_find_sigid_by_algs(&nid, EVP_MD_get_type(c->md), c->k->ec ? NID_X9_62_id_ecPublicKey : NID_rsaEncryption) ||
		    !X509_ALGOR_set0(alg, OBJ_nid2obj(nid), c->k->ec ? V_ASN1_UNDEF : V_ASN1_NULL, NULL))
			goto out;
	} else {
		if (!pss_salt(c, &salt) || (pp = RSA_PSS_PARAMS_new()) == NULL ||
		    (pp->hashAlgorithm = X509_ALGOR_new()) == NULL || (pp->maskGenAlgorithm = X509_ALGOR_new()) == NULL ||
		    (mgf1md = X509_ALGOR_new()) == NULL)
			goto out;
		X509_ALGOR_set_md(pp->hashAlgorithm, c->md);
		X509_ALGOR_set_md(mgf1md, c->md);
		if ((mgfos = ASN1_item_pack(mgf1md, ASN1_ITEM_rptr(X509_ALGOR), NULL)) == NULL ||
		    !X509_ALGOR_set0(pp->maskGenAlgorithm, OBJ_nid2obj(NID_mgf1), V_ASN1_SEQUENCE, mgfos))
			goto out;
		mgfos = NULL;
		if (salt != 20 && ((pp->saltLength = ASN1_INTEGER_new()) == NULL || !ASN1_INTEGER_set(pp->saltLength, (long)salt)))
			goto out;
		if ((os = ASN1_item_pack(pp, ASN1_ITEM_rptr(RSA_PSS_PARAMS), NULL)) == NULL ||
		    !X509_ALGOR_set0(alg, OBJ_nid2obj(NID_rsassaPss), V_ASN1_SEQUENCE, os))
			goto out;
		os = NULL;
	}
	*der = NULL;
	*len = i2d_X509_ALGOR(alg, der);
	ok = *len > 0;
out:
	ASN1_STRING_free(os);
	ASN1_STRING_free(mgfos);
	X509_ALGOR_free(mgf1md);
	RSA_PSS_PARAMS_free(pp);
	X509_ALGOR_free(alg);
	return ok;
}

static int sig_get_params(void *vc, OSSL_PARAM prm[])
{
	struct p11_sig *c = vc;
	OSSL_PARAM *p;

	if (c == NULL || c->k == NULL)
		return 0;
	if ((p = OSSL_PARAM_locate(prm, OSSL_SIGNATURE_PARAM_ALGORITHM_ID)) != NULL) {
		uint8_t *der = NULL;
		int len = 0, ok = sig_algid(c, &der, &len) && OSSL_PARAM_set_octet_string(p, der, (size_t)len);
		OPENSSL_free(der);
		if (!ok)
			return 0;
	}
	if ((p = OSSL_PARAM_locate(prm, OSSL_SIGNATURE_PARAM_DIGEST)) != NULL &&
	    (c->md == NULL || !OSSL_PARAM_set_utf8_string(p, EVP_MD_get0_name(c->md))))
		return 0;
	if ((p = OSSL_PARAM_locate(prm, OSSL_SIGNATURE_PARAM_PAD_MODE)) != NULL) {
		const char *s = c->pad == RSA_PKCS1_PSS_PADDING ? OSSL_PKEY_RSA_PAD_MODE_PSS : OSSL_PKEY_RSA_PAD_MODE_PKCSV15;
		if (p->data_type == OSSL_PARAM_UTF8_STRING ? !OSSL_PARAM_set_utf8_string(p, s) : !OSSL_PARAM_set_int(p, c->pad))
			return 0;
	}
	if ((p = OSSL_PARAM_locate(prm, OSSL_SIGNATURE_PARAM_PSS_SALTLEN)) != NULL && !OSSL_PARAM_set_int(p, c->saltlen))
		return 0;
	return 1;
}

static const OSSL_PARAM *sig_gettable(void *vc, void *provctx)
{
	static const OSSL_PARAM t[] = {
		OSSL_PARAM_octet_string(OSSL_SIGNATURE_PARAM_ALGORITHM_ID, NULL, 0),
		OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_DIGEST, NULL, 0),
		OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_PAD_MODE, NULL, 0),
		OSSL_PARAM_int(OSSL_SIGNATURE_PARAM_PSS_SALTLEN, NULL),
		OSSL_PARAM_END,
	};
	(void)vc;
	(void)provctx;
	return t;
}

static int sig_init(void *vc, void *kd, const OSSL_PARAM prm[])
{
	struct p11_sig *c = vc;
	struct p11_key *k = kd;

	if (k == NULL || k->tok == NULL) {
		ERR_raise(p11_errlib, P11R_PRIVATE);
		return 0;
	}
	c->k = k;
	return sig_set_params(c, prm);
}

static int sig_digest_init(void *vc, const char *mdname, void *kd, const OSSL_PARAM prm[])
{
	struct p11_sig *c = vc;

	c->digesting = 0;
	if (!sig_init(vc, kd, NULL) || !sig_set_md(c, mdname != NULL ? mdname : "SHA256") || !sig_set_params(c, prm))
		return 0;
	if (c->mdctx == NULL && (c->mdctx = EVP_MD_CTX_new()) == NULL)
		return 0;
	if (!EVP_DigestInit_ex2(c->mdctx, c->md, NULL))
		return 0;
	c->digesting = 1;
	return 1;
}

static int sig_digest_update(void *vc, const unsigned char *data, size_t len)
{
	struct p11_sig *c = vc;

	return c->mdctx != NULL && EVP_DigestUpdate(c->mdctx, data, len);
}

/* Signs a digest on the token; sig of sigsize bytes receives DER (EC) or the RSA block. */
static int sign_digest(struct p11_sig *c, unsigned char *sig, size_t *siglen, size_t sigsize, const uint8_t *h,
    size_t hlen)
{
	struct p11_key *k = c->k;
	CK_MECHANISM mech;
	CK_RSA_PKCS_PSS_PARAMS pss;
	uint8_t *di = NULL, raw[2 * 66];
	size_t n, salt;
	int dilen = 0, ok = 0;
	CK_RV rv;

	memset(&mech, 0, sizeof(mech));
	if (c->md == NULL || hlen != (size_t)EVP_MD_get_size(c->md)) {
		ERR_raise_data(p11_errlib, P11R_DIGEST, "digest length");
		return 0;
	}
	if (k->ec) {
		ECDSA_SIG *es = NULL;
		BIGNUM *r = NULL, *s = NULL;
		unsigned char *q = sig;
		int dl;
		mech.mechanism = CKM_ECDSA;
		n = sizeof(raw);
		if ((rv = token_sign(k, &mech, h, hlen, raw, &n)) != CKR_OK) {
			raise_rv(rv);
			return 0;
		}
		/* PKCS#11 2.40 2.3.1: r and s, each as long as the order. */
		if (n == 0 || n % 2 != 0 || (es = ECDSA_SIG_new()) == NULL || (r = BN_bin2bn(raw, (int)(n / 2), NULL)) == NULL ||
		    (s = BN_bin2bn(raw + n / 2, (int)(n / 2), NULL)) == NULL || !ECDSA_SIG_set0(es, r, s)) {
			BN_free(r);
			BN_free(s);
			ECDSA_SIG_free(es);
			ERR_raise_data(p11_errlib, P11R_SIGN, "ECDSA signature of %zu bytes", n);
			return 0;
		}
		dl = i2d_ECDSA_SIG(es, NULL);
		ok = dl > 0 && (size_t)dl <= sigsize && i2d_ECDSA_SIG(es, &q) == dl;
		ECDSA_SIG_free(es);
		if (ok)
			*siglen = (size_t)dl;
		return ok;
	}
	n = sigsize;
	if (c->pad == RSA_PKCS1_PSS_PADDING) {
		if (!md_ck(c->md, &pss.hashAlg, &pss.mgf) || !pss_salt(c, &salt)) {
			ERR_raise_data(p11_errlib, P11R_PARAM, "PSS salt length");
			return 0;
		}
		pss.sLen = (CK_ULONG)salt;
		mech.mechanism = CKM_RSA_PKCS_PSS;
		mech.pParameter = &pss;
		mech.ulParameterLen = sizeof(pss);
		rv = token_sign(k, &mech, h, hlen, sig, &n);
	} else {
		/* RFC 8017 9.2: the DigestInfo, with NULL parameters. */
		X509_SIG *xs = X509_SIG_new();
		X509_ALGOR *a = NULL;
		ASN1_OCTET_STRING *d = NULL;
		if (xs != NULL)
			X509_SIG_getm(xs, &a, &d);
		if (xs == NULL || !X509_ALGOR_set0(a, OBJ_nid2obj(EVP_MD_get_type(c->md)), V_ASN1_NULL, NULL) ||
		    !ASN1_OCTET_STRING_set(d, h, (int)hlen) || (dilen = i2d_X509_SIG(xs, &di)) <= 0) {
			X509_SIG_free(xs);
			return 0;
		}
		X509_SIG_free(xs);
		mech.mechanism = CKM_RSA_PKCS;
		rv = token_sign(k, &mech, di, (size_t)dilen, sig, &n);
		OPENSSL_free(di);
	}
	if (rv != CKR_OK) {
		raise_rv(rv);
		return 0;
	}
	*siglen = n;
	return 1;
}

static int sig_digest_final(void *vc, unsigned char *sig, size_t *siglen, size_t sigsize)
{
	struct p11_sig *c = vc;
	uint8_t h[EVP_MAX_MD_SIZE];
	unsigned int hl = 0;

	if (c->k == NULL || c->mdctx == NULL)
		return 0;
	if (sig == NULL) {
		*siglen = (size_t)EVP_PKEY_get_size(c->k->pub);
		return 1;
	}
	if (!EVP_DigestFinal_ex(c->mdctx, h, &hl))
		return 0;
	return sign_digest(c, sig, siglen, sigsize, h, hl);
}

/* EVP_PKEY_sign(): tbs is a digest; without a digest set, its length picks SHA-2. */
static int sig_sign(void *vc, unsigned char *sig, size_t *siglen, size_t sigsize, const unsigned char *tbs,
    size_t tbslen)
{
	struct p11_sig *c = vc;

	if (c->k == NULL)
		return 0;
	if (sig == NULL) {
		*siglen = (size_t)EVP_PKEY_get_size(c->k->pub);
		return 1;
	}
	if (c->md == NULL && !sig_set_md(c, tbslen == 48 ? "SHA384" : tbslen == 64 ? "SHA512"
										   : "SHA256"))
		return 0;
	return sign_digest(c, sig, siglen, sigsize, tbs, tbslen);
}

static const OSSL_DISPATCH sig_fns[] = {
	FN(OSSL_FUNC_SIGNATURE_NEWCTX, sig_new),
	FN(OSSL_FUNC_SIGNATURE_FREECTX, sig_free),
	FN(OSSL_FUNC_SIGNATURE_DUPCTX, sig_dup),
	FN(OSSL_FUNC_SIGNATURE_SIGN_INIT, sig_init),
	FN(OSSL_FUNC_SIGNATURE_SIGN, sig_sign),
	FN(OSSL_FUNC_SIGNATURE_DIGEST_SIGN_INIT, sig_digest_init),
	FN(OSSL_FUNC_SIGNATURE_DIGEST_SIGN_UPDATE, sig_digest_update),
	FN(OSSL_FUNC_SIGNATURE_DIGEST_SIGN_FINAL, sig_digest_final),
	FN(OSSL_FUNC_SIGNATURE_GET_CTX_PARAMS, sig_get_params),
	FN(OSSL_FUNC_SIGNATURE_GETTABLE_CTX_PARAMS, sig_gettable),
	FN(OSSL_FUNC_SIGNATURE_SET_CTX_PARAMS, sig_set_params),
	FN(OSSL_FUNC_SIGNATURE_SETTABLE_CTX_PARAMS, sig_settable),
	{ 0, NULL },
};

/* ------------------------------------------------- provider: setup */

/* Same names as OpenSSL's default provider, so EVP_PKEY_is_a(k, "RSA") holds. */
static const OSSL_ALGORITHM prov_keymgmt[] = {
	{ "RSA:rsaEncryption:1.2.840.113549.1.1.1", P11_PROPQ, km_rsa, "RSA key on a PKCS#11 token" },
	{ "EC:id-ecPublicKey:1.2.840.10045.2.1", P11_PROPQ, km_ec, "EC key on a PKCS#11 token" },
	{ NULL, NULL, NULL, NULL },
};

static const OSSL_ALGORITHM prov_signature[] = {
	{ "RSA:rsaEncryption:1.2.840.113549.1.1.1", P11_PROPQ, sig_fns, "RSA signature on a PKCS#11 token" },
	{ "ECDSA", P11_PROPQ, sig_fns, "ECDSA on a PKCS#11 token" },
	{ NULL, NULL, NULL, NULL },
};

static const OSSL_ALGORITHM *prov_query(void *provctx, int op, int *no_store)
{
	(void)provctx;
	*no_store = 0;
	if (op == OSSL_OP_KEYMGMT)
		return prov_keymgmt;
	if (op == OSSL_OP_SIGNATURE)
		return prov_signature;
	return NULL;
}

static const OSSL_DISPATCH prov_fns[] = {
	FN(OSSL_FUNC_PROVIDER_QUERY_OPERATION, prov_query),
	{ 0, NULL },
};

static int prov_init(const OSSL_CORE_HANDLE *handle, const OSSL_DISPATCH *in, const OSSL_DISPATCH **out,
    void **provctx)
{
	(void)handle;
	(void)in;
	*out = prov_fns;
	*provctx = NULL;
	return 1;
}

static pthread_once_t prov_once = PTHREAD_ONCE_INIT;
static OSSL_LIB_CTX *prov_libctx; /* lives as long as the process */

static void prov_setup(void)
{
	OSSL_LIB_CTX *lc;

	p11_errlib = ERR_get_next_error_library();
	ERR_load_strings(p11_errlib, p11_reasons);
	if ((lc = OSSL_LIB_CTX_new()) == NULL)
		return;
	if (OSSL_PROVIDER_add_builtin(lc, P11_PROV_NAME, prov_init) != 1 || OSSL_PROVIDER_load(lc, P11_PROV_NAME) == NULL) {
		OSSL_LIB_CTX_free(lc);
		return;
	}
	prov_libctx = lc;
}

/* ------------------------------------------------------ token objects */

static CK_RV find_one(struct p11_token *t, CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls, const uint8_t *id, size_t idlen,
    const char *label, CK_OBJECT_HANDLE *out, CK_ULONG *found)
{
	CK_ATTRIBUTE tmpl[3];
	CK_OBJECT_HANDLE h[2];
	CK_ULONG n = 0, na = 0;
	CK_RV rv, rv2;

	tmpl[na++] = (CK_ATTRIBUTE){ CKA_CLASS, &cls, sizeof(cls) };
	if (idlen > 0)
		tmpl[na++] = (CK_ATTRIBUTE){ CKA_ID, (void *)id, (CK_ULONG)idlen };
	else
		tmpl[na++] = (CK_ATTRIBUTE){ CKA_LABEL, (void *)label, (CK_ULONG)strlen(label) };
	if ((rv = t->mod->f->C_FindObjectsInit(s, tmpl, na)) != CKR_OK)
		return rv;
	rv = t->mod->f->C_FindObjects(s, h, 2, &n);
	rv2 = t->mod->f->C_FindObjectsFinal(s);
	if (rv == CKR_OK)
		rv = rv2;
	*found = n;
	if (rv == CKR_OK && n >= 1)
		*out = h[0];
	return rv;
}

/* Reads one attribute into a new buffer (caller frees). */
static CK_RV attr_get(struct p11_token *t, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type, uint8_t **out,
    size_t *len)
{
	CK_ATTRIBUTE a = { type, NULL, 0 };
	CK_RV rv;

	*out = NULL;
	if ((rv = t->mod->f->C_GetAttributeValue(s, o, &a, 1)) != CKR_OK)
		return rv;
	if (a.ulValueLen == 0 || a.ulValueLen == CK_UNAVAILABLE_INFORMATION || a.ulValueLen > P11_MAX_ATTR)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	if ((a.pValue = malloc(a.ulValueLen)) == NULL)
		return CKR_HOST_MEMORY;
	if ((rv = t->mod->f->C_GetAttributeValue(s, o, &a, 1)) != CKR_OK) {
		free(a.pValue);
		return rv;
	}
	*out = a.pValue;
	*len = a.ulValueLen;
	return CKR_OK;
}

/* The public key of a token key pair, as an ordinary EVP_PKEY. */
static enum tk_err read_public(struct p11_key *k, CK_SESSION_HANDLE s)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *prm = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	uint8_t *a = NULL, *b = NULL;
	size_t al = 0, bl = 0;
	BIGNUM *n = NULL, *e = NULL;
	ASN1_OCTET_STRING *pt = NULL; /* the builder refers to it until OSSL_PARAM_BLD_to_param() */
	CK_RV rv;
	enum tk_err rc = TK_ERR_CRYPTO;

	if (bld == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "hsm: out of memory");
		goto out;
	}
	if (!k->ec) {
		if ((rv = attr_get(k->tok, s, k->pubobj, CKA_MODULUS, &a, &al)) != CKR_OK ||
		    (rv = attr_get(k->tok, s, k->pubobj, CKA_PUBLIC_EXPONENT, &b, &bl)) != CKR_OK) {
			rc = tk_fail(TK_ERR_IO, "hsm: reading the public key of '%s' failed (%s)", k->label, rv_name(rv));
			goto out;
		}
		if ((n = BN_bin2bn(a, (int)al, NULL)) == NULL || (e = BN_bin2bn(b, (int)bl, NULL)) == NULL ||
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e)) {
			rc = tk_fail_ossl("hsm: public key of '%s'", k->label);
			goto out;
		}
	} else {
		const uint8_t *q;
		ASN1_OBJECT *oid = NULL;
		const char *group = NULL;
		if ((rv = attr_get(k->tok, s, k->pubobj, CKA_EC_PARAMS, &a, &al)) != CKR_OK ||
		    (rv = attr_get(k->tok, s, k->pubobj, CKA_EC_POINT, &b, &bl)) != CKR_OK) {
			rc = tk_fail(TK_ERR_IO, "hsm: reading the public key of '%s' failed (%s)", k->label, rv_name(rv));
			goto out;
		}
		q = a;
		if ((oid = d2i_ASN1_OBJECT(NULL, &q, (long)al)) != NULL && q == a + al)
			group = OBJ_nid2sn(OBJ_obj2nid(oid));
		ASN1_OBJECT_free(oid);
		if (group == NULL || OBJ_sn2nid(group) == NID_undef) {
			rc = tk_fail(TK_ERR_IO, "hsm: key '%s' is on a curve without a name", k->label);
			goto out;
		}
		/* PKCS#11 2.40 2.3.3: CKA_EC_POINT is a DER OCTET STRING; some
		 * modules give the bare point, which starts with 0x04 too. */
		q = b;
		if ((pt = d2i_ASN1_OCTET_STRING(NULL, &q, (long)bl)) != NULL && q == b + bl)
			al = (size_t)ASN1_STRING_length(pt);
		if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) ||
		    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt ? ASN1_STRING_get0_data(pt) : b,
			pt ? al : bl)) {
			rc = tk_fail_ossl("hsm: public key of '%s'", k->label);
			goto out;
		}
	}
	if ((prm = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, k->ec ? "EC" : "RSA", NULL)) == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &k->pub, EVP_PKEY_PUBLIC_KEY, prm) != 1) {
		rc = tk_fail_ossl("hsm: public key of '%s'", k->label);
		goto out;
	}
	rc = TK_OK;
out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(prm);
	OSSL_PARAM_BLD_free(bld);
	ASN1_OCTET_STRING_free(pt);
	BN_free(n);
	BN_free(e);
	free(a);
	free(b);
	return rc;
}

/* Makes the struct key whose EVP_PKEY lives in our provider; k stays the caller's. */
static enum tk_err key_from_token(const char *name, struct p11_key *k, struct key **out)
{
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pk = NULL;
	OSSL_PARAM prm[2];
	void *vp = k;
	enum tk_err rc;

	pthread_once(&prov_once, prov_setup);
	if (prov_libctx == NULL)
		return tk_fail(TK_ERR_INTERNAL, "hsm: the PKCS#11 provider cannot be loaded");
	prm[0] = OSSL_PARAM_construct_octet_ptr(P11_PARAM_KEY, &vp, sizeof(*k));
	prm[1] = OSSL_PARAM_construct_end();
	if ((ctx = EVP_PKEY_CTX_new_from_name(prov_libctx, k->ec ? "EC" : "RSA", P11_PROPQ)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 || EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_KEYPAIR, prm) != 1) {
		rc = tk_fail_ossl("hsm: key %s", name);
		goto out;
	}
	rc = key_new(name, KEY_PKCS11, pk, out);
	pk = NULL;
out:
	EVP_PKEY_free(pk);
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

/* ------------------------------------------------------------ refs */

/*
 * RFC 7512 percent-encoding: unreserved characters stay (and '/' where
 * allow_slash); with all, every byte is encoded (2.3: always so for id).
 */
static enum tk_err pct_put(struct buf *b, const uint8_t *p, size_t len, int allow_slash, int all)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;
	enum tk_err rc = TK_OK;

	for (i = 0; i < len && rc == TK_OK; i++) {
		uint8_t ch = p[i];
		if (!all && ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
				ch == '.' || ch == '_' || ch == '~' || (allow_slash && ch == '/')))
			rc = buf_putc(b, ch);
		else if ((rc = buf_putc(b, '%')) == TK_OK && (rc = buf_putc(b, (uint8_t)hex[ch >> 4])) == TK_OK)
			rc = buf_putc(b, (uint8_t)hex[ch & 15]);
	}
	return rc;
}

/* Writes the reference that ref_parse() reads back. */
static enum tk_err ref_format(const char *module, const char *token, const char *label, const uint8_t *id, size_t idlen,
    char ref[KEY_P11_REF_MAX])
{
	struct buf b;
	enum tk_err rc;

	buf_init(&b, KEY_P11_REF_MAX - 1);
	if ((rc = buf_puts(&b, "pkcs11:token=")) != TK_OK ||
	    (rc = pct_put(&b, (const uint8_t *)token, strlen(token), 0, 0)) != TK_OK ||
	    (rc = buf_puts(&b, ";object=")) != TK_OK ||
	    (rc = pct_put(&b, (const uint8_t *)label, strlen(label), 0, 0)) != TK_OK ||
	    (rc = buf_puts(&b, ";id=")) != TK_OK || (rc = pct_put(&b, id, idlen, 0, 1)) != TK_OK ||
	    (rc = buf_puts(&b, ";type=private?module-path=")) != TK_OK ||
	    (rc = pct_put(&b, (const uint8_t *)module, strlen(module), 1, 0)) != TK_OK) {
		rc = tk_wrap(rc, "hsm: key reference");
		goto out;
	}
	memcpy(ref, b.p, b.len);
	ref[b.len] = '\0';
out:
	buf_free(&b);
	return rc;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Decodes p[0..len) into out (cap bytes; with text, NUL-terminated and without NULs). */
static int pct_get(const char *p, size_t len, uint8_t *out, size_t cap, size_t *outlen, int text)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		int ch = (unsigned char)p[i];
		if (ch == '%') {
			int hi, lo;
			if (i + 2 >= len || (hi = hexval(p[i + 1])) < 0 || (lo = hexval(p[i + 2])) < 0)
				return 0;
			ch = hi * 16 + lo;
			i += 2;
		}
		if (n + (text ? 1 : 0) >= cap || (text && ch == 0))
			return 0;
		out[n++] = (uint8_t)ch;
	}
	if (text)
		out[n] = '\0';
	*outlen = n;
	return 1;
}

struct p11_ref {
	char module[PATH_MAX];
	char token[33];
	char object[64];
	uint8_t id[64];
	size_t idlen;
};

/* Parses a reference from ref_format(); attributes we do not know are refused. */
static enum tk_err ref_parse(const char *name, const char *ref, struct p11_ref *r)
{
	const char *p, *end, *q;
	size_t n;
	int query = 0;

	memset(r, 0, sizeof(*r));
	if (ref == NULL || strncmp(ref, "pkcs11:", 7) != 0)
		return tk_fail(TK_ERR_INTERNAL, "key %s: the stored PKCS#11 reference is not a pkcs11: URI", name);
	p = ref + 7;
	while (*p != '\0') {
		const char *eq;
		for (end = p; *end != '\0' && *end != (query ? '&' : ';') && *end != '?'; end++)
			;
		if ((eq = memchr(p, '=', (size_t)(end - p))) == NULL)
			goto bad;
		q = eq + 1;
		n = (size_t)(eq - p);
		if (!query && n == 5 && memcmp(p, "token", 5) == 0) {
			if (!pct_get(q, (size_t)(end - q), (uint8_t *)r->token, sizeof(r->token), &n, 1))
				goto bad;
		} else if (!query && n == 6 && memcmp(p, "object", 6) == 0) {
			if (!pct_get(q, (size_t)(end - q), (uint8_t *)r->object, sizeof(r->object), &n, 1))
				goto bad;
		} else if (!query && n == 2 && memcmp(p, "id", 2) == 0) {
			if (!pct_get(q, (size_t)(end - q), r->id, sizeof(r->id), &r->idlen, 0))
				goto bad;
		} else if (!query && n == 4 && memcmp(p, "type", 4) == 0) {
			if ((size_t)(end - q) != 7 || memcmp(q, "private", 7) != 0)
				goto bad;
		} else if (query && n == 11 && memcmp(p, "module-path", 11) == 0) {
			if (!pct_get(q, (size_t)(end - q), (uint8_t *)r->module, sizeof(r->module), &n, 1))
				goto bad;
		} else {
			goto bad;
		}
		if (*end == '?') {
			if (query)
				goto bad;
			query = 1;
		}
		p = *end != '\0' ? end + 1 : end;
	}
	if (r->token[0] == '\0' || (r->idlen == 0 && r->object[0] == '\0'))
		goto bad;
	return TK_OK;
bad:
	return tk_fail(TK_ERR_INTERNAL, "key %s: the stored PKCS#11 reference is malformed", name);
}

/* ------------------------------------------------------------ public */

static const struct {
	const char *alg;
	CK_ULONG rsa_bits;
	const uint8_t *ec_params; /* DER OID of the named curve */
	size_t ec_len;
} p11_algs[] = {
	{ "rsa2048", 2048, NULL, 0 },
	{ "rsa3072", 3072, NULL, 0 },
	{ "rsa4096", 4096, NULL, 0 },
	{ "ec-p256", 0, (const uint8_t *)"\x06\x08\x2a\x86\x48\xce\x3d\x03\x01\x07", 10 },
	{ "ec-p384", 0, (const uint8_t *)"\x06\x05\x2b\x81\x04\x00\x22", 7 },
};

/* Reads back what the token made of the private key: it must stay inside. */
static enum tk_err check_private(struct p11_token *t, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, const char *name)
{
	CK_BBOOL sens = CK_FALSE, extr = CK_TRUE;
	CK_ATTRIBUTE a[2] = { { CKA_SENSITIVE, &sens, sizeof(sens) }, { CKA_EXTRACTABLE, &extr, sizeof(extr) } };
	CK_RV rv = t->mod->f->C_GetAttributeValue(s, h, a, 2);

	if (rv != CKR_OK)
		return tk_fail(TK_ERR_IO, "hsm: reading the attributes of key '%s' failed (%s)", name, rv_name(rv));
	if (sens != CK_TRUE || extr != CK_FALSE)
		return tk_fail(TK_ERR_IO, "hsm: the token made key '%s' extractable; refusing it", name);
	return TK_OK;
}

enum tk_err key_p11_generate(const struct key_p11_token *cfg, const char *name, const char *alg, struct key **out,
    EVP_PKEY **pub, char ref[KEY_P11_REF_MAX])
{
	struct p11_key k;
	CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
	CK_OBJECT_CLASS cpub = CKO_PUBLIC_KEY, cpriv = CKO_PRIVATE_KEY;
	CK_KEY_TYPE kt;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_BYTE e65537[3] = { 1, 0, 1 };
	CK_MECHANISM mech = { 0, NULL, 0 };
	CK_ATTRIBUTE tpub[9], tpriv[12];
	CK_ULONG npub = 0, npriv = 0, bits = 0;
	uint8_t id[P11_ID_BYTES];
	size_t i;
	CK_RV rv;
	int made = 0;
	enum tk_err rc;

	memset(&k, 0, sizeof(k));
	*out = NULL;
	*pub = NULL;
	for (i = 0; i < sizeof(p11_algs) / sizeof(p11_algs[0]); i++)
		if (strcmp(p11_algs[i].alg, alg) == 0)
			break;
	if (i == sizeof(p11_algs) / sizeof(p11_algs[0]))
		return tk_fail(TK_ERR_INVALID, "hsm: unknown algorithm '%s' (rsa2048, rsa3072, rsa4096, ec-p256, ec-p384)", alg);
	if (cfg == NULL || cfg->module == NULL || cfg->token == NULL)
		return tk_fail(TK_ERR_INVALID, "hsm: module and token are required");
	if (strlen(name) == 0 || strlen(name) >= sizeof(k.label))
		return tk_fail(TK_ERR_INVALID, "hsm: key name must be 1 to %zu bytes", sizeof(k.label) - 1);
	if (RAND_bytes(id, sizeof(id)) != 1)
		return tk_fail_ossl("hsm: key id");
	memcpy(k.label, name, strlen(name) + 1);
	k.ec = p11_algs[i].rsa_bits == 0;
	kt = k.ec ? CKK_EC : CKK_RSA;
	bits = p11_algs[i].rsa_bits;
	if ((rc = token_open(cfg->module, cfg->token, cfg->pin_file, &k.tok)) != TK_OK)
		return rc;

	tpub[npub++] = (CK_ATTRIBUTE){ CKA_CLASS, &cpub, sizeof(cpub) };
	tpub[npub++] = (CK_ATTRIBUTE){ CKA_KEY_TYPE, &kt, sizeof(kt) };
	tpub[npub++] = (CK_ATTRIBUTE){ CKA_TOKEN, &yes, sizeof(yes) };
	tpub[npub++] = (CK_ATTRIBUTE){ CKA_VERIFY, &yes, sizeof(yes) };
	tpub[npub++] = (CK_ATTRIBUTE){ CKA_LABEL, (void *)name, (CK_ULONG)strlen(name) };
	tpub[npub++] = (CK_ATTRIBUTE){ CKA_ID, id, sizeof(id) };
	if (k.ec) {
		tpub[npub++] = (CK_ATTRIBUTE){ CKA_EC_PARAMS, (void *)p11_algs[i].ec_params, (CK_ULONG)p11_algs[i].ec_len };
		mech.mechanism = CKM_EC_KEY_PAIR_GEN;
	} else {
		tpub[npub++] = (CK_ATTRIBUTE){ CKA_MODULUS_BITS, &bits, sizeof(bits) };
		tpub[npub++] = (CK_ATTRIBUTE){ CKA_PUBLIC_EXPONENT, e65537, sizeof(e65537) };
		mech.mechanism = CKM_RSA_PKCS_KEY_PAIR_GEN;
	}
	tpriv[npriv++] = (CK_ATTRIBUTE){ CKA_CLASS, &cpriv, sizeof(cpriv) };
	tpriv[npriv++] = (CK_ATTRIBUTE){ CKA_KEY_TYPE, &kt, sizeof(kt) };
	tpriv[npriv++] = (CK_ATTRIBUTE){ CKA_TOKEN, &yes, sizeof(yes) };
	tpriv[npriv++] = (CK_ATTRIBUTE){ CKA_PRIVATE, &yes, sizeof(yes) };
	tpriv[npriv++] = (CK_ATTRIBUTE){ CKA_SENSITIVE, &yes, sizeof(yes) };
	tpriv[npriv++] = (CK_ATTRIBUTE){ CKA_EXTRACTABLE, &no, sizeof(no) };
	tpriv[npriv++] = (CK_ATTRIBUTE){ CKA_SIGN, &yes, sizeof(yes) };
	tpriv[npriv++] = (CK_ATTRIBUTE){ CKA_DECRYPT, &no, sizeof(no) };
	tpriv[npriv++] = (CK_ATTRIBUTE){ CKA_UNWRAP, &no, sizeof(no) };
	tpriv[npriv++] = (CK_ATTRIBUTE){ CKA_DERIVE, &no, sizeof(no) };
	tpriv[npriv++] = (CK_ATTRIBUTE){ CKA_LABEL, (void *)name, (CK_ULONG)strlen(name) };
	tpriv[npriv++] = (CK_ATTRIBUTE){ CKA_ID, id, sizeof(id) };

	if ((rv = session_get(k.tok, 1, &s)) != CKR_OK) {
		rc = tk_fail(TK_ERR_IO, "hsm: cannot open a read-write session on token '%s' (%s)", cfg->token, rv_name(rv));
		goto out;
	}
	rv = k.tok->mod->f->C_GenerateKeyPair(s, &mech, tpub, npub, tpriv, npriv, &k.pubobj, &k.priv);
	if (rv != CKR_OK) {
		rc = tk_fail(TK_ERR_IO, "hsm: generating %s key '%s' on token '%s' failed (%s)", alg, name, cfg->token,
		    rv_name(rv));
		goto out;
	}
	made = 1;
	if ((rc = check_private(k.tok, s, k.priv, name)) != TK_OK || (rc = read_public(&k, s)) != TK_OK ||
	    (rc = ref_format(cfg->module, cfg->token, name, id, sizeof(id), ref)) != TK_OK ||
	    (rc = key_from_token(name, &k, out)) != TK_OK)
		goto out;
	if (!EVP_PKEY_up_ref(k.pub)) {
		rc = tk_fail(TK_ERR_INTERNAL, "hsm: key reference");
		goto out;
	}
	*pub = k.pub;
	rc = TK_OK;
out:
	if (rc != TK_OK && made) {
		k.tok->mod->f->C_DestroyObject(s, k.priv);
		k.tok->mod->f->C_DestroyObject(s, k.pubobj);
	}
	if (rc != TK_OK) {
		key_free(*out);
		*out = NULL;
	}
	if (s != CK_INVALID_HANDLE)
		session_put(k.tok, s, 1, CKR_OK);
	EVP_PKEY_free(k.pub);
	token_close(k.tok);
	return rc;
}

enum tk_err key_p11_open(const struct key_p11_token *cfg, const char *name, const char *ref, struct key **out)
{
	struct p11_ref r;
	struct p11_key k;
	CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
	CK_KEY_TYPE kt = 0;
	CK_ATTRIBUTE a = { CKA_KEY_TYPE, &kt, sizeof(kt) };
	CK_ULONG found = 0;
	const char *module, *token;
	CK_RV rv;
	enum tk_err rc;

	memset(&k, 0, sizeof(k));
	if ((rc = ref_parse(name, ref, &r)) != TK_OK)
		return rc;
	module = cfg != NULL && cfg->module != NULL ? cfg->module : r.module;
	token = cfg != NULL && cfg->token != NULL ? cfg->token : r.token;
	if (module[0] == '\0')
		return tk_fail(TK_ERR_IO, "key %s: no PKCS#11 module configured ([hsm] module)", name);
	if ((rc = str_copy(k.label, sizeof(k.label), r.object[0] ? r.object : name)) != TK_OK)
		return rc;
	if ((rc = token_open(module, token, cfg ? cfg->pin_file : NULL, &k.tok)) != TK_OK)
		return rc;
	if ((rv = session_get(k.tok, 0, &s)) != CKR_OK) {
		rc = tk_fail(TK_ERR_IO, "hsm: cannot open a session on token '%s' (%s)", token, rv_name(rv));
		s = CK_INVALID_HANDLE;
		goto out;
	}
	rv = find_one(k.tok, s, CKO_PRIVATE_KEY, r.id, r.idlen, k.label, &k.priv, &found);
	if (rv == CKR_OK && found != 1) {
		rc = tk_fail_code(TK_ERR_IO, "hsm_key_not_found", "hsm: key '%s' %s on token '%s'", k.label,
		    found == 0 ? "not found" : "is ambiguous (two objects with its id)", token);
		goto out;
	}
	if (rv == CKR_OK)
		rv = find_one(k.tok, s, CKO_PUBLIC_KEY, r.id, r.idlen, k.label, &k.pubobj, &found);
	if (rv == CKR_OK && found != 1) {
		rc = tk_fail_code(TK_ERR_IO, "hsm_key_not_found", "hsm: public key of '%s' %s on token '%s'", k.label,
		    found == 0 ? "not found" : "is ambiguous", token);
		goto out;
	}
	if (rv == CKR_OK)
		rv = k.tok->mod->f->C_GetAttributeValue(s, k.priv, &a, 1);
	if (rv != CKR_OK) {
		rc = tk_fail(TK_ERR_IO, "hsm: looking up key '%s' on token '%s' failed (%s)", k.label, token, rv_name(rv));
		goto out;
	}
	if (kt != CKK_RSA && kt != CKK_EC) {
		rc = tk_fail(TK_ERR_IO, "hsm: key '%s' is neither RSA nor EC", k.label);
		goto out;
	}
	k.ec = kt == CKK_EC;
	if ((rc = read_public(&k, s)) != TK_OK)
		goto out;
	rc = key_from_token(name, &k, out);
out:
	if (s != CK_INVALID_HANDLE)
		session_put(k.tok, s, 0, rv);
	EVP_PKEY_free(k.pub);
	token_close(k.tok);
	return rc;
}

enum tk_err key_p11_destroy(struct key *key)
{
	struct p11_key *k = NULL;
	OSSL_PARAM prm[2];
	void *vp = NULL;
	CK_SESSION_HANDLE s;
	CK_RV rv, rv2;

	if (key == NULL || key_kind(key) != KEY_PKCS11)
		return tk_fail(TK_ERR_INVALID, "hsm: not a token key");
	prm[0] = OSSL_PARAM_construct_octet_ptr(P11_PARAM_KEY, &vp, sizeof(*k));
	prm[1] = OSSL_PARAM_construct_end();
	if (EVP_PKEY_get_params(key_pkey(key), prm) != 1 || vp == NULL)
		return tk_fail_ossl("hsm: key %s", key_name(key));
	k = vp;
	if ((rv = session_get(k->tok, 1, &s)) != CKR_OK)
		return tk_fail(TK_ERR_IO, "hsm: cannot open a read-write session (%s)", rv_name(rv));
	rv = k->tok->mod->f->C_DestroyObject(s, k->priv);
	rv2 = k->tok->mod->f->C_DestroyObject(s, k->pubobj);
	session_put(k->tok, s, 1, CKR_OK);
	if (rv != CKR_OK || rv2 != CKR_OK)
		return tk_fail(TK_ERR_IO, "hsm: destroying key '%s' failed (%s)", k->label, rv_name(rv != CKR_OK ? rv : rv2));
	return TK_OK;
}

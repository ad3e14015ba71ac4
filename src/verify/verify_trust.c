/*
 * Trust anchors, revocation data and X.509 path validation
 * (ETSI EN 319 102-1 5.2.6 X.509 certificate validation, 5.2.5 revocation
 * freshness) on OpenSSL's X509_verify_cert().
 */
#include "verify/verify_int.h"

#include <dirent.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define TRUST_FILE_MAX (16u * 1024u * 1024u) /* one PEM bundle */

/* ---- small helpers ---- */

int64_t vx_time(const ASN1_TIME *t)
{
	struct tm tm;

	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	return (int64_t)timegm(&tm);
}

void vx_name(const X509_NAME *n, char *out, size_t outsz)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p = NULL;
	long len;

	out[0] = '\0';
	if (b == NULL)
		return;
	if (n != NULL && X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
		len = BIO_get_mem_data(b, &p);
		if (len > 0 && p != NULL) {
			size_t k = (size_t)len < outsz - 1 ? (size_t)len : outsz - 1;
			memcpy(out, p, k);
			out[k] = '\0';
		}
	}
	BIO_free(b);
}

void vx_cert_cn(X509 *c, char *out, size_t outsz)
{
	const X509_NAME *n = X509_get_subject_name(c);
	int i = X509_NAME_get_index_by_NID(n, NID_commonName, -1);

	out[0] = '\0';
	if (i >= 0) {
		const ASN1_STRING *s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, i));
		unsigned char *u = NULL;
		int ul = ASN1_STRING_to_UTF8(&u, s);
		if (ul > 0) {
			size_t k = (size_t)ul < outsz - 1 ? (size_t)ul : outsz - 1;
			memcpy(out, u, k);
			out[k] = '\0';
		}
		OPENSSL_free(u);
	}
	if (out[0] == '\0')
		vx_name(n, out, outsz);
}

void vx_key_name(EVP_PKEY *pk, char *out, size_t outsz)
{
	int bits = pk ? EVP_PKEY_get_bits(pk) : 0;

	if (pk == NULL)
		snprintf(out, outsz, "unknown");
	else if (EVP_PKEY_is_a(pk, "RSA") || EVP_PKEY_is_a(pk, "RSA-PSS"))
		snprintf(out, outsz, "rsa%d", bits);
	else if (EVP_PKEY_is_a(pk, "EC"))
		snprintf(out, outsz, "ec-p%d", bits);
	else if (EVP_PKEY_is_a(pk, "ED25519"))
		snprintf(out, outsz, "ed25519");
	else if (EVP_PKEY_is_a(pk, "ED448"))
		snprintf(out, outsz, "ed448");
	else
		snprintf(out, outsz, "other%d", bits);
}

int vx_key_ok(EVP_PKEY *pk, char *why, size_t whysz)
{
	int bits = pk ? EVP_PKEY_get_bits(pk) : 0;

	if (pk == NULL) {
		snprintf(why, whysz, "no public key");
		return 0;
	}
	if (EVP_PKEY_is_a(pk, "RSA") || EVP_PKEY_is_a(pk, "RSA-PSS")) {
		if (bits < 2048) {
			snprintf(why, whysz, "RSA key of %d bits (at least 2048 required, ETSI TS 119 312 6.2)", bits);
			return 0;
		}
		return 1;
	}
	if (EVP_PKEY_is_a(pk, "EC")) {
		if (bits < 256) {
			snprintf(why, whysz, "EC key of %d bits (at least 256 required, ETSI TS 119 312 6.2)", bits);
			return 0;
		}
		return 1;
	}
	if (EVP_PKEY_is_a(pk, "ED25519") || EVP_PKEY_is_a(pk, "ED448"))
		return 1;
	snprintf(why, whysz, "public key algorithm is not accepted");
	return 0;
}

struct vr_state {
	const struct vranges *r;
	size_t i;
};

static enum tk_err vr_next(void *arg, const uint8_t **p, size_t *len)
{
	struct vr_state *s = arg;

	if (s->i >= s->r->n) {
		*p = NULL;
		*len = 0;
		return TK_OK;
	}
	*p = s->r->p + s->r->off[s->i];
	*len = s->r->len[s->i];
	s->i++;
	return TK_OK;
}

enum tk_err vx_digest(const EVP_MD *md, const struct vranges *r, uint8_t *out, size_t *outlen)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	struct vr_state st = { r, 0 };
	unsigned int n = 0;
	enum tk_err rc = TK_ERR_CRYPTO;

	if (c == NULL || EVP_DigestInit_ex(c, md, NULL) != 1) {
		rc = tk_fail_ossl("verify: digest init");
		goto out;
	}
	for (;;) {
		const uint8_t *p;
		size_t len;
		(void)vr_next(&st, &p, &len);
		if (len == 0 && p == NULL)
			break;
		/* Large ranges in slices: EVP lengths are size_t, but keep updates bounded. */
		while (len > 0) {
			size_t k = len > (64u << 20) ? (64u << 20) : len;
			if (EVP_DigestUpdate(c, p, k) != 1) {
				rc = tk_fail_ossl("verify: digest");
				goto out;
			}
			p += k;
			len -= k;
		}
	}
	if (EVP_DigestFinal_ex(c, out, &n) != 1) {
		rc = tk_fail_ossl("verify: digest final");
		goto out;
	}
	*outlen = n;
	rc = TK_OK;
out:
	EVP_MD_CTX_free(c);
	return rc;
}

/* ---- trust store ---- */

enum tk_err verify_trust_new(struct verify_trust **out)
{
	struct verify_trust *t = calloc(1, sizeof(*t));

	*out = NULL;
	if (t == NULL || (t->store = X509_STORE_new()) == NULL || (t->anchors = sk_X509_new_null()) == NULL ||
	    (t->crls = sk_X509_CRL_new_null()) == NULL) {
		verify_trust_free(t);
		return tk_fail(TK_ERR_NOMEM, "verify: out of memory");
	}
	*out = t;
	return TK_OK;
}

void verify_trust_free(struct verify_trust *t)
{
	if (t == NULL)
		return;
	X509_STORE_free(t->store);
	sk_X509_pop_free(t->anchors, X509_free);
	sk_X509_CRL_pop_free(t->crls, X509_CRL_free);
	if (t->online_free != NULL)
		t->online_free(t->online_arg);
	free(t);
}

void verify_trust_set_online(struct verify_trust *t, verify_online_fn fn, void *arg, void (*free_arg)(void *))
{
	if (t->online_free != NULL)
		t->online_free(t->online_arg);
	t->online = fn;
	t->online_arg = arg;
	t->online_free = free_arg;
}

void verify_trust_set_status(struct verify_trust *t, verify_status_fn fn, void *arg)
{
	t->status = fn;
	t->status_arg = arg;
}

size_t verify_trust_anchor_count(const struct verify_trust *t)
{
	return (size_t)sk_X509_num(t->anchors);
}

enum tk_err verify_trust_add_anchor(struct verify_trust *t, X509 *cert)
{
	int i;

	for (i = 0; i < sk_X509_num(t->anchors); i++)
		if (X509_cmp(sk_X509_value(t->anchors, i), cert) == 0)
			return TK_OK;
	if ((size_t)sk_X509_num(t->anchors) >= VERIFY_MAX_TRUST_CERTS)
		return tk_fail(TK_ERR_LIMIT, "verify: more than %u trust anchors", VERIFY_MAX_TRUST_CERTS);
	if (X509_STORE_add_cert(t->store, cert) != 1 || X509_up_ref(cert) != 1)
		return tk_fail_ossl("verify: adding a trust anchor");
	if (sk_X509_push(t->anchors, cert) <= 0) {
		X509_free(cert);
		return tk_fail(TK_ERR_NOMEM, "verify: out of memory");
	}
	return TK_OK;
}

static int is_pem(const uint8_t *p, size_t len)
{
	return len >= 11 && memmem(p, len, "-----BEGIN ", 11) != NULL;
}

enum tk_err verify_trust_add_anchors(struct verify_trust *t, const uint8_t *p, size_t len, const char *what)
{
	BIO *b = NULL;
	X509 *c = NULL;
	size_t n = 0;
	enum tk_err rc = TK_ERR_INVALID;

	if (len > TRUST_FILE_MAX) {
		rc = tk_fail(TK_ERR_LIMIT, "verify: %s is larger than %u bytes", what, TRUST_FILE_MAX);
		goto out;
	}
	if (!is_pem(p, len)) {
		const uint8_t *q = p;
		c = d2i_X509(NULL, &q, (long)len);
		if (c == NULL || q != p + len) {
			rc = tk_fail(TK_ERR_INVALID, "verify: %s is neither PEM nor one DER certificate (RFC 5280 4.1)", what);
			goto out;
		}
		rc = verify_trust_add_anchor(t, c);
		goto out;
	}
	if ((b = BIO_new_mem_buf(p, (int)len)) == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "verify: out of memory");
		goto out;
	}
	for (;;) {
		X509_free(c);
		c = PEM_read_bio_X509(b, NULL, NULL, NULL);
		if (c == NULL)
			break;
		if ((rc = verify_trust_add_anchor(t, c)) != TK_OK)
			goto out;
		n++;
	}
	ERR_clear_error();
	if (n == 0) {
		rc = tk_fail(TK_ERR_INVALID, "verify: %s holds no PEM certificate (RFC 7468 5.1)", what);
		goto out;
	}
	rc = TK_OK;
out:
	ERR_clear_error();
	X509_free(c);
	BIO_free(b);
	return rc;
}

static int has_cert_suffix(const char *name)
{
	static const char *const sfx[] = { ".pem", ".crt", ".cer", ".der" };
	size_t n = strlen(name), i;

	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++)
		if (n > 4 && strcmp(name + n - 4, sfx[i]) == 0)
			return 1;
	return 0;
}

static enum tk_err add_file(struct verify_trust *t, const char *path)
{
	uint8_t *p = NULL;
	size_t len = 0;
	enum tk_err rc;

	if ((rc = file_read(path, TRUST_FILE_MAX, &p, &len)) != TK_OK)
		return rc;
	rc = verify_trust_add_anchors(t, p, len, path);
	free(p);
	return rc;
}

enum tk_err verify_trust_add_path(struct verify_trust *t, const char *path)
{
	struct stat sb;
	DIR *d;
	struct dirent *e;
	size_t files = 0;
	enum tk_err rc = TK_OK;

	if (stat(path, &sb) != 0)
		return tk_fail(TK_ERR_IO, "verify: trust store %s does not exist", path);
	if (!S_ISDIR(sb.st_mode))
		return add_file(t, path);
	if ((d = opendir(path)) == NULL)
		return tk_fail(TK_ERR_IO, "verify: cannot read the trust directory %s", path);
	while (rc == TK_OK && (e = readdir(d)) != NULL) {
		char full[4096];
		struct stat fs;
		if (e->d_name[0] == '.' || !has_cert_suffix(e->d_name))
			continue;
		if ((rc = path_join(full, sizeof(full), path, e->d_name)) != TK_OK)
			break;
		if (stat(full, &fs) != 0 || !S_ISREG(fs.st_mode))
			continue;
		rc = add_file(t, full);
		files++;
	}
	closedir(d);
	if (rc == TK_OK && files == 0)
		rc = tk_fail(TK_ERR_INVALID, "verify: the trust directory %s holds no .pem, .crt, .cer or .der file", path);
	return rc;
}

enum tk_err verify_trust_add_crl_file(struct verify_trust *t, const char *path)
{
	uint8_t *p = NULL;
	size_t len = 0;
	enum tk_err rc;

	if ((rc = file_read(path, VERIFY_MAX_CRL_BYTES, &p, &len)) != TK_OK)
		return rc;
	rc = verify_trust_add_crls(t, p, len, path);
	free(p);
	return rc;
}

enum tk_err verify_trust_add_crls(struct verify_trust *t, const uint8_t *p, size_t len, const char *what)
{
	BIO *b = NULL;
	X509_CRL *c = NULL;
	size_t n = 0;
	enum tk_err rc = TK_ERR_INVALID;

	if (len > VERIFY_MAX_CRL_BYTES) {
		rc = tk_fail(TK_ERR_LIMIT, "verify: %s is larger than %u bytes", what, VERIFY_MAX_CRL_BYTES);
		goto out;
	}
	if (!is_pem(p, len)) {
		const uint8_t *q = p;
		c = d2i_X509_CRL(NULL, &q, (long)len);
		if (c == NULL || q != p + len) {
			rc = tk_fail(TK_ERR_INVALID, "verify: %s is neither PEM nor one DER CRL (RFC 5280 5.1)", what);
			goto out;
		}
		if (sk_X509_CRL_push(t->crls, c) <= 0) {
			rc = tk_fail(TK_ERR_NOMEM, "verify: out of memory");
			goto out;
		}
		c = NULL;
		rc = TK_OK;
		goto out;
	}
	if ((b = BIO_new_mem_buf(p, (int)len)) == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "verify: out of memory");
		goto out;
	}
	while ((c = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL)) != NULL) {
		if (sk_X509_CRL_push(t->crls, c) <= 0) {
			rc = tk_fail(TK_ERR_NOMEM, "verify: out of memory");
			goto out;
		}
		c = NULL;
		n++;
	}
	if (n == 0) {
		rc = tk_fail(TK_ERR_INVALID, "verify: %s holds no PEM CRL (RFC 7468 9)", what);
		goto out;
	}
	rc = TK_OK;
out:
	ERR_clear_error();
	X509_CRL_free(c);
	BIO_free(b);
	return rc;
}

/* ---- the context of one verification ---- */

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void vctx_init(struct vctx *v, const struct verify_opts *o, struct verify_report *r)
{
	memset(v, 0, sizeof(*v));
	v->o = o;
	v->trust = o->trust;
	v->r = r;
	v->now = o->now ? o->now : tk_now();
	v->deadline_ms = mono_ms() + 1000 * (int64_t)(o->max_seconds ? o->max_seconds : VERIFY_DEFAULT_SECONDS);
	v->pool = sk_X509_new_null();
	v->crls = sk_X509_CRL_new_null();
}

void vctx_done(struct vctx *v)
{
	sk_X509_pop_free(v->pool, X509_free);
	sk_X509_CRL_pop_free(v->crls, X509_CRL_free);
	{
		size_t i;
		for (i = 0; i < v->nocsps; i++)
			OCSP_BASICRESP_free(v->ocsps[i]);
		free(v->ocsps);
	}
	v->pool = NULL;
	v->crls = NULL;
	v->ocsps = NULL;
}

enum tk_err vctx_check_time(struct vctx *v)
{
	if (v->pool == NULL || v->crls == NULL)
		return tk_fail(TK_ERR_NOMEM, "verify: out of memory");
	if (mono_ms() > v->deadline_ms)
		return tk_fail_code(TK_ERR_LIMIT, "verify_budget", "verify: the time budget of %u s for one document is spent",
		    v->o->max_seconds ? v->o->max_seconds : VERIFY_DEFAULT_SECONDS);
	return TK_OK;
}

void vpath_free(struct vpath *p)
{
	sk_X509_pop_free(p->chain, X509_free);
	p->chain = NULL;
}

/* ---- revocation (RFC 5280 5, RFC 6960) ---- */

struct vrev {
	enum verify_rev_status st;
	char source[48];
	int64_t revoked_at;
	int reason;
	int from_dss;
	int dss_seen; /* /DSS data gave a status (good or revoked) */
};

static void rev_merge(struct vrev *acc, enum verify_rev_status st, const char *source, int64_t at, int reason, int dss)
{
	if (st == VERIFY_REV_REVOKED) {
		if (acc->st != VERIFY_REV_REVOKED || at < acc->revoked_at) {
			acc->st = st;
			acc->revoked_at = at;
			acc->reason = reason;
			snprintf(acc->source, sizeof(acc->source), "%s", source);
			acc->from_dss = dss;
		}
	} else if (st == VERIFY_REV_GOOD && acc->st != VERIFY_REV_REVOKED) {
		if (acc->st != VERIFY_REV_GOOD || (dss && !acc->from_dss)) {
			acc->st = st;
			snprintf(acc->source, sizeof(acc->source), "%s", source);
			acc->from_dss = dss;
		}
	} else if (st == VERIFY_REV_UNKNOWN && acc->st == VERIFY_REV_NOT_CHECKED) {
		acc->st = st;
		snprintf(acc->source, sizeof(acc->source), "%s", source);
	}
}

static int crl_reason(X509_REVOKED *r)
{
	ASN1_ENUMERATED *e = X509_REVOKED_get_ext_d2i(r, NID_crl_reason, NULL, NULL);
	long v = 0;

	if (e != NULL) {
		v = ASN1_ENUMERATED_get(e);
		ASN1_ENUMERATED_free(e);
	}
	return v >= 0 && v <= 10 ? (int)v : 0;
}

/*
 * Revocation freshness (ETSI EN 319 102-1 5.2.5, simplified): a "not
 * revoked" answer counts when it was issued after the time in question or
 * was still current then (nextUpdate not before it). A revocation counts
 * whenever it is stated.
 */
static int fresh(int64_t this_update, int64_t next_update, int64_t at)
{
	return this_update >= at || next_update == 0 || next_update >= at;
}

static void crl_check(STACK_OF(X509_CRL) *crls, X509 *cert, X509 *issuer, int64_t at, const char *source, int dss, struct vrev *acc)
{
	EVP_PKEY *ik = X509_get0_pubkey(issuer);
	int64_t na = vx_time(X509_get0_notAfter(cert));
	int i;

	for (i = 0; i < sk_X509_CRL_num(crls); i++) {
		X509_CRL *c = sk_X509_CRL_value(crls, i);
		X509_REVOKED *rv = NULL;
		int found;
		if (X509_NAME_cmp(X509_CRL_get_issuer(c), X509_get_subject_name(issuer)) != 0)
			continue;
		if (ik == NULL || X509_CRL_verify(c, ik) != 1) {
			ERR_clear_error();
			continue;
		}
		found = X509_CRL_get0_by_cert(c, &rv, cert);
		if (found == 1 && rv != NULL)
			rev_merge(acc, VERIFY_REV_REVOKED, source, vx_time(X509_REVOKED_get0_revocationDate(rv)), crl_reason(rv), dss);
		else if ((vx_time(X509_CRL_get0_lastUpdate(c)) <= na || na == 0) &&
			 fresh(vx_time(X509_CRL_get0_lastUpdate(c)), vx_time(X509_CRL_get0_nextUpdate(c)), at))
			/* A CRL issued after the certificate expired says nothing about it (RFC 5280 3.3). */
			rev_merge(acc, VERIFY_REV_GOOD, source, 0, 0, dss);
	}
	ERR_clear_error();
}

/* The OCSP responder must be the issuer or a certificate it delegated id-kp-OCSPSigning to (RFC 6960 4.2.2.2). */
static int ocsp_signer_ok(OCSP_BASICRESP *bs, X509 *issuer, STACK_OF(X509) *pool)
{
	X509 *signer = NULL;
	STACK_OF(X509) *certs = sk_X509_dup(pool);
	int ok = 0;

	if (certs == NULL)
		return 0;
	if (sk_X509_push(certs, issuer) <= 0)
		goto out;
	if (OCSP_resp_get0_signer(bs, &signer, certs) != 1 || signer == NULL)
		goto out;
	if (OCSP_basic_verify(bs, certs, NULL, OCSP_NOVERIFY | OCSP_NOEXPLICIT) != 1)
		goto out;
	if (X509_cmp(signer, issuer) == 0)
		ok = 1;
	else if (X509_check_issued(issuer, signer) == X509_V_OK && X509_verify(signer, X509_get0_pubkey(issuer)) == 1 &&
		 (X509_get_extension_flags(signer) & EXFLAG_XKUSAGE) && (X509_get_extended_key_usage(signer) & XKU_OCSP_SIGN))
		ok = 1;
out:
	ERR_clear_error();
	sk_X509_free(certs);
	return ok;
}

/* What one basic OCSP response says about cert, when its signer may speak for issuer (RFC 6960 4.2.2.2). */
static void ocsp_check_one(struct vctx *v, OCSP_BASICRESP *bs, X509 *cert, X509 *issuer, int64_t at, const char *source, int dss,
    struct vrev *acc)
{
	int j, checked = 0, ok = 0;

	for (j = 0; j < OCSP_resp_count(bs); j++) {
		OCSP_SINGLERESP *sr = OCSP_resp_get0(bs, j);
		const OCSP_CERTID *cid = OCSP_SINGLERESP_get0_id(sr);
		ASN1_OBJECT *mdoid = NULL;
		OCSP_CERTID *mine;
		const EVP_MD *md;
		int reason = 0, st;
		ASN1_GENERALIZEDTIME *rt = NULL, *tu = NULL, *nu = NULL;
		if (OCSP_id_get0_info(NULL, &mdoid, NULL, NULL, (OCSP_CERTID *)cid) != 1 || (md = EVP_get_digestbyobj(mdoid)) == NULL)
			continue;
		if ((mine = OCSP_cert_to_id(md, cert, issuer)) == NULL)
			continue;
		st = OCSP_id_cmp(mine, cid);
		OCSP_CERTID_free(mine);
		if (st != 0)
			continue;
		if (!checked) {
			ok = ocsp_signer_ok(bs, issuer, v->pool);
			checked = 1;
		}
		if (!ok)
			break;
		st = OCSP_single_get0_status(sr, &reason, &rt, &tu, &nu);
		if (st == V_OCSP_CERTSTATUS_REVOKED)
			rev_merge(acc, VERIFY_REV_REVOKED, source, vx_time(rt), reason > 0 ? reason : 0, dss);
		else if (st == V_OCSP_CERTSTATUS_GOOD && fresh(vx_time(tu), vx_time(nu), at))
			rev_merge(acc, VERIFY_REV_GOOD, source, 0, 0, dss);
		else if (st != V_OCSP_CERTSTATUS_GOOD)
			rev_merge(acc, VERIFY_REV_UNKNOWN, source, 0, 0, dss);
	}
	ERR_clear_error();
}

static void ocsp_check(struct vctx *v, X509 *cert, X509 *issuer, int64_t at, struct vrev *acc)
{
	size_t i;

	for (i = 0; i < v->nocsps; i++)
		ocsp_check_one(v, v->ocsps[i], cert, issuer, at, "dss-ocsp", 1, acc);
}

/*
 * Revocation data fetched from the network by the trust store's online
 * hook, checked exactly like data carried by the document: an OCSP
 * response (its signer must speak for the issuer) and CRLs (signed by the
 * issuer). Unreadable data is ignored: the status stays unknown.
 */
static enum tk_err online_check(struct vctx *v, X509 *cert, X509 *issuer, int64_t at, struct vrev *acc)
{
	struct buf ocsp, crl;
	enum tk_err rc;

	buf_init(&ocsp, VERIFY_MAX_CRL_BYTES);
	buf_init(&crl, VERIFY_MAX_CRL_BYTES);
	rc = v->trust->online(v->trust->online_arg, cert, issuer, &ocsp, &crl);
	if (rc == TK_OK && ocsp.len > 0) {
		const unsigned char *q = ocsp.p;
		OCSP_RESPONSE *resp = d2i_OCSP_RESPONSE(NULL, &q, (long)ocsp.len);
		OCSP_BASICRESP *bs = resp != NULL && OCSP_response_status(resp) == OCSP_RESPONSE_STATUS_SUCCESSFUL ? OCSP_response_get1_basic(resp) : NULL;
		if (bs != NULL)
			ocsp_check_one(v, bs, cert, issuer, at, "online-ocsp", 0, acc);
		OCSP_BASICRESP_free(bs);
		OCSP_RESPONSE_free(resp);
	}
	if (rc == TK_OK && crl.len > 0 && acc->st != VERIFY_REV_GOOD && acc->st != VERIFY_REV_REVOKED) {
		STACK_OF(X509_CRL) *sk = sk_X509_CRL_new_null();
		const unsigned char *q = crl.p;
		X509_CRL *c = d2i_X509_CRL(NULL, &q, (long)crl.len);
		if (sk != NULL && c != NULL && sk_X509_CRL_push(sk, c) > 0) {
			c = NULL;
			crl_check(sk, cert, issuer, at, "online-crl", 0, acc);
		}
		X509_CRL_free(c);
		sk_X509_CRL_pop_free(sk, X509_CRL_free);
	}
	ERR_clear_error();
	buf_free(&ocsp);
	buf_free(&crl);
	return rc;
}

static enum tk_err rev_check(struct vctx *v, X509 *cert, X509 *issuer, int64_t at, struct vrev *acc)
{
	memset(acc, 0, sizeof(*acc));
	/* The document's own data first (it decides the level), then CRL files and the registry; a revocation anywhere wins. */
	ocsp_check(v, cert, issuer, at, acc);
	crl_check(v->crls, cert, issuer, at, "dss-crl", 1, acc);
	acc->dss_seen = acc->st == VERIFY_REV_GOOD || acc->st == VERIFY_REV_REVOKED;
	crl_check(v->trust->crls, cert, issuer, at, "crl-file", 0, acc);
	if (v->trust->status != NULL) {
		int known = 0, revoked = 0, reason = 0;
		int64_t when = 0;
		enum tk_err rc = v->trust->status(v->trust->status_arg, cert, issuer, &known, &revoked, &when, &reason);
		if (rc != TK_OK)
			return rc;
		/* The registry is authoritative and always current. */
		if (known)
			rev_merge(acc, revoked ? VERIFY_REV_REVOKED : VERIFY_REV_GOOD, "registry", when, reason, 0);
	}
	/* The network last, and only when nothing else answered. */
	if (v->trust->online != NULL && acc->st != VERIFY_REV_GOOD && acc->st != VERIFY_REV_REVOKED)
		return online_check(v, cert, issuer, at, acc);
	return TK_OK;
}

/* ---- path validation ---- */

struct vcb {
	int time_err; /* first X509_V_ERR_CERT_HAS_EXPIRED / NOT_YET_VALID seen */
	int time_depth;
};

static int verify_cb(int ok, X509_STORE_CTX *ctx)
{
	if (!ok) {
		int e = X509_STORE_CTX_get_error(ctx);
		struct vcb *rec = X509_STORE_CTX_get_app_data(ctx);
		if (rec != NULL && (e == X509_V_ERR_CERT_HAS_EXPIRED || e == X509_V_ERR_CERT_NOT_YET_VALID)) {
			int d = X509_STORE_CTX_get_error_depth(ctx);
			/* Continue so the chain is built; the time verdict is made afterwards. */
			if (rec->time_err == 0 || d < rec->time_depth) {
				rec->time_err = e;
				rec->time_depth = d;
			}
			return 1;
		}
	}
	return ok;
}

static void path_fail(struct vpath *out, enum verify_ind ind, enum verify_sub sub, const char *fmt, ...) PRINTF_LIKE(4, 5);
static void path_fail(struct vpath *out, enum verify_ind ind, enum verify_sub sub, const char *fmt, ...)
{
	va_list ap;

	out->ind = ind;
	out->sub = sub;
	va_start(ap, fmt);
	vsnprintf(out->msg, sizeof(out->msg), fmt, ap);
	va_end(ap);
}

static enum verify_sub map_x509_err(int e)
{
	switch (e) {
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_CERT_UNTRUSTED:
		return VERIFY_SUB_NO_CERTIFICATE_CHAIN_FOUND;
	case X509_V_ERR_CA_KEY_TOO_SMALL:
	case X509_V_ERR_EE_KEY_TOO_SMALL:
	case X509_V_ERR_CA_MD_TOO_WEAK:
		return VERIFY_SUB_CRYPTO_CONSTRAINTS_FAILURE;
	case X509_V_ERR_INVALID_CA:
	case X509_V_ERR_PATH_LENGTH_EXCEEDED:
	case X509_V_ERR_INVALID_PURPOSE:
	case X509_V_ERR_CERT_REJECTED:
	case X509_V_ERR_KEYUSAGE_NO_CERTSIGN:
	case X509_V_ERR_INVALID_EXTENSION:
	case X509_V_ERR_INVALID_POLICY_EXTENSION:
	case X509_V_ERR_NO_EXPLICIT_POLICY:
	case X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION:
	case X509_V_ERR_PERMITTED_VIOLATION:
	case X509_V_ERR_EXCLUDED_VIOLATION:
	case X509_V_ERR_SUBTREE_MINMAX:
	case X509_V_ERR_UNSUPPORTED_CONSTRAINT_TYPE:
	case X509_V_ERR_UNSUPPORTED_NAME_SYNTAX:
	case X509_V_ERR_CERT_CHAIN_TOO_LONG:
		return VERIFY_SUB_CHAIN_CONSTRAINTS_FAILURE;
	default:
		return VERIFY_SUB_CERTIFICATE_CHAIN_GENERAL_FAILURE;
	}
}

static const char *reason_name(int r)
{
	static const char *const n[] = { "unspecified", "keyCompromise", "cACompromise", "affiliationChanged", "superseded",
		"cessationOfOperation", "certificateHold", "(7)", "removeFromCRL", "privilegeWithdrawn", "aACompromise" };
	return r >= 0 && r <= 10 ? n[r] : "unspecified";
}

enum tk_err vx_path(struct vctx *v, X509 *leaf, STACK_OF(X509) *extra, int64_t at, unsigned flags, struct vpath *out)
{
	X509_STORE_CTX *ctx = NULL;
	STACK_OF(X509) *untrusted = NULL;
	X509_VERIFY_PARAM *param;
	struct vcb rec = { 0, 0 };
	char when[32], subj[256];
	int ok, i, n;
	enum tk_err rc = TK_ERR_NOMEM;

	memset(out, 0, sizeof(*out));
	out->ind = VERIFY_TOTAL_PASSED;
	time_iso_utc(at, when);
	vx_cert_cn(leaf, subj, sizeof(subj));
	if ((rc = vctx_check_time(v)) != TK_OK)
		goto out;
	rc = TK_ERR_NOMEM;
	if ((untrusted = extra ? sk_X509_dup(extra) : sk_X509_new_null()) == NULL)
		goto nomem;
	for (i = 0; i < sk_X509_num(v->pool); i++)
		if (sk_X509_push(untrusted, sk_X509_value(v->pool, i)) <= 0)
			goto nomem;
	if ((ctx = X509_STORE_CTX_new()) == NULL || X509_STORE_CTX_init(ctx, v->trust->store, leaf, untrusted) != 1)
		goto nomem;
	param = X509_STORE_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_set_time(param, (time_t)at);
	X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
	X509_VERIFY_PARAM_set_depth(param, (int)MAX_CHAIN_DEPTH);
	if ((flags & VPATH_TSA) && X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_TIMESTAMP_SIGN) != 1)
		goto nomem;
	X509_STORE_CTX_set_app_data(ctx, &rec);
	X509_STORE_CTX_set_verify_cb(ctx, verify_cb);
	ok = X509_verify_cert(ctx);
	if (ok != 1) {
		int e = X509_STORE_CTX_get_error(ctx);
		enum verify_sub sub = map_x509_err(e);
		if (sub == VERIFY_SUB_NO_CERTIFICATE_CHAIN_FOUND)
			path_fail(out, VERIFY_INDETERMINATE, sub,
			    "no chain from '%s' to a trust anchor (ETSI EN 319 102-1 5.2.6: %s, depth %d)", subj,
			    X509_verify_cert_error_string(e), X509_STORE_CTX_get_error_depth(ctx));
		else
			path_fail(out, VERIFY_INDETERMINATE, sub, "certificate path of '%s' at %s: %s at depth %d (RFC 5280 6.1)", subj,
			    when, X509_verify_cert_error_string(e), X509_STORE_CTX_get_error_depth(ctx));
		rc = TK_OK;
		goto out;
	}
	if ((out->chain = X509_STORE_CTX_get1_chain(ctx)) == NULL)
		goto nomem;
	n = sk_X509_num(out->chain);

	/* Algorithms of the path: no SHA-1/MD5 certificate signatures and no short keys below the anchor. */
	for (i = 0; i + 1 < n; i++) {
		X509 *c = sk_X509_value(out->chain, i);
		int mdnid = NID_undef, pknid = NID_undef;
		char why[160], cn[200];
		vx_cert_cn(c, cn, sizeof(cn));
		if (X509_get_signature_info(c, &mdnid, &pknid, NULL, NULL) == 1 && (mdnid == NID_sha1 || mdnid == NID_md5)) {
			path_fail(out, VERIFY_INDETERMINATE, VERIFY_SUB_CRYPTO_CONSTRAINTS_FAILURE,
			    "certificate '%s' is signed with %s (ETSI TS 119 312: not accepted)", cn, OBJ_nid2sn(mdnid));
			rc = TK_OK;
			goto out;
		}
		if (!vx_key_ok(X509_get0_pubkey(c), why, sizeof(why))) {
			path_fail(out, VERIFY_INDETERMINATE, VERIFY_SUB_CRYPTO_CONSTRAINTS_FAILURE, "certificate '%s': %s", cn, why);
			rc = TK_OK;
			goto out;
		}
	}
	ERR_clear_error();
	/* The signer's key must be for signatures (ETSI EN 319 412-2 4.3.2). */
	if (!(flags & VPATH_TSA) && (X509_get_extension_flags(leaf) & EXFLAG_KUSAGE) &&
	    !(X509_get_key_usage(leaf) & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION))) {
		path_fail(out, VERIFY_INDETERMINATE, VERIFY_SUB_CHAIN_CONSTRAINTS_FAILURE,
		    "the key usage of '%s' allows neither digitalSignature nor nonRepudiation (ETSI EN 319 412-2 4.3.2)", subj);
		rc = TK_OK;
		goto out;
	}

	/* Revocation of every certificate below the anchor, at the validation time. */
	for (i = 0; i + 1 < n; i++) {
		X509 *c = sk_X509_value(out->chain, i), *iss = sk_X509_value(out->chain, i + 1);
		struct vrev rv;
		char cn[200], rt[32];
		if ((rc = rev_check(v, c, iss, at, &rv)) != TK_OK)
			goto out;
		if (i == 0) {
			out->rev = rv.st == VERIFY_REV_NOT_CHECKED ? VERIFY_REV_UNKNOWN : rv.st;
			snprintf(out->rev_source, sizeof(out->rev_source), "%s", rv.st == VERIFY_REV_NOT_CHECKED ? "none" : rv.source);
			out->revoked_at = rv.revoked_at;
			out->revoked_reason = rv.reason;
			out->rev_from_dss = rv.dss_seen;
		}
		if (rv.st != VERIFY_REV_REVOKED || rv.revoked_at > at)
			continue;
		vx_cert_cn(c, cn, sizeof(cn));
		time_iso_utc(rv.revoked_at, rt);
		if (i > 0) {
			if (out->ind == VERIFY_TOTAL_PASSED)
				path_fail(out, VERIFY_INDETERMINATE, VERIFY_SUB_REVOKED_CA_NO_POE,
				    "CA certificate '%s' was revoked at %s (%s, per %s), before %s", cn, rt, reason_name(rv.reason), rv.source, when);
		} else if (rv.reason == 6) {
			path_fail(out, VERIFY_INDETERMINATE, VERIFY_SUB_TRY_LATER,
			    "the signing certificate '%s' is suspended (certificateHold since %s, per %s)", cn, rt, rv.source);
		} else {
			path_fail(out, VERIFY_TOTAL_FAILED, VERIFY_SUB_REVOKED,
			    "the signing certificate '%s' was revoked at %s (%s, per %s), not after the best signature time %s "
			    "(ETSI EN 319 102-1 5.6.2.4)",
			    cn, rt, reason_name(rv.reason), rv.source, when);
		}
	}
	if (out->ind == VERIFY_TOTAL_FAILED) {
		rc = TK_OK;
		goto out;
	}

	/* Validity periods (ignored while building, judged here). */
	if (rec.time_err != 0) {
		X509 *c = sk_X509_value(out->chain, rec.time_depth < n ? rec.time_depth : 0);
		char cn[200], nb[32], na[32];
		vx_cert_cn(c, cn, sizeof(cn));
		time_iso_utc(vx_time(X509_get0_notBefore(c)), nb);
		time_iso_utc(vx_time(X509_get0_notAfter(c)), na);
		if (rec.time_err == X509_V_ERR_CERT_NOT_YET_VALID && rec.time_depth == 0)
			path_fail(out, VERIFY_TOTAL_FAILED, VERIFY_SUB_NOT_YET_VALID,
			    "the signature existed at %s, before the signing certificate '%s' became valid (%s)", when, cn, nb);
		else if (rec.time_depth == 0 && out->rev == VERIFY_REV_GOOD)
			path_fail(out, VERIFY_INDETERMINATE, VERIFY_SUB_OUT_OF_BOUNDS_NOT_REVOKED,
			    "the signing certificate '%s' is valid %s to %s, not at %s, and no proof of existence within that time "
			    "(it was not revoked per %s)",
			    cn, nb, na, when, out->rev_source);
		else
			path_fail(out, VERIFY_INDETERMINATE, VERIFY_SUB_OUT_OF_BOUNDS_NO_POE,
			    "%s '%s' is valid %s to %s, not at %s, and there is no proof of existence within that time "
			    "(ETSI EN 319 102-1 5.6.2.4)",
			    rec.time_depth == 0 ? "the signing certificate" : "CA certificate", cn, nb, na, when);
		rc = TK_OK;
		goto out;
	}
	if (out->ind != VERIFY_TOTAL_PASSED) {
		rc = TK_OK;
		goto out;
	}
	if (n > 1 && out->rev == VERIFY_REV_UNKNOWN && !(flags & VPATH_REV_OPTIONAL)) {
		path_fail(out, VERIFY_INDETERMINATE, VERIFY_SUB_TRY_LATER,
		    "no revocation information for '%s' (no usable CRL or OCSP response in /DSS, --crl or the registry; "
		    "ETSI EN 319 102-1 5.2.5)",
		    subj);
		rc = TK_OK;
		goto out;
	}
	rc = TK_OK;
	goto out;
nomem:
	rc = tk_fail(TK_ERR_NOMEM, "verify: out of memory during path validation");
out:
	ERR_clear_error();
	X509_STORE_CTX_free(ctx);
	sk_X509_free(untrusted);
	return rc;
}

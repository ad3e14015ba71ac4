/*
 * Online revocation for verification (issue 13): when neither the document
 * nor the operator's CRL files nor this instance's registry know the status
 * of a certificate, fetch it where the certificate says: the OCSP responder
 * of its Authority Information Access (RFC 6960 A.1, GET), else the first
 * http(s) CRL distribution point (RFC 5280 4.2.1.13). Every fetch goes
 * through net_fetch() under an allow-list ([verify] fetch_allow), with a
 * size and time limit. The engine (src/verify) checks what comes back
 * exactly like /DSS data: OCSP signer authorised by the issuer, CRL signed
 * by the issuer, freshness.
 *
 * Answers are cached in the process until their nextUpdate (at most a day,
 * not at all without one), so a folder of documents signed under one CA
 * costs one fetch per CA and responder, not one per file.
 */
#include "svc/verify/verify_svc.h"
#include "svc/base/base_int.h"

#include "config/config.h"
#include "log/log.h"
#include "net/net.h"
#include "x509/x509.h"

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define ONLINE_MAX_BYTES (4u << 20) /* one OCSP response or CRL */
#define ONLINE_TIMEOUT 5L           /* seconds per fetch */
#define ONLINE_CACHE 128u           /* cached answers */
#define ONLINE_MAX_TTL 86400        /* seconds an answer is kept at most */

struct online {
	struct net_policy pol;
};

static struct {
	char key[NET_MAX_URL + 96];
	struct buf der;
	int64_t until;
} cache[ONLINE_CACHE];
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

static int cache_get(const char *key, struct buf *out)
{
	int64_t now = tk_now();
	size_t i;
	int hit = 0;

	pthread_mutex_lock(&cache_lock);
	for (i = 0; i < ONLINE_CACHE && !hit; i++)
		if (cache[i].until > now && strcmp(cache[i].key, key) == 0)
			hit = buf_append(out, cache[i].der.p, cache[i].der.len) == TK_OK;
	pthread_mutex_unlock(&cache_lock);
	return hit;
}

static void cache_put(const char *key, const struct buf *der, int64_t until)
{
	int64_t now = tk_now();
	size_t i, slot = 0;

	if (until <= now)
		return;
	if (until > now + ONLINE_MAX_TTL)
		until = now + ONLINE_MAX_TTL;
	pthread_mutex_lock(&cache_lock);
	/* The same key, else an expired slot, else the one that expires first. */
	for (i = 0; i < ONLINE_CACHE; i++) {
		if (strcmp(cache[i].key, key) == 0 || cache[i].until <= now) {
			slot = i;
			break;
		}
		if (cache[i].until < cache[slot].until)
			slot = i;
	}
	if (cache[slot].der.max == 0)
		buf_init(&cache[slot].der, ONLINE_MAX_BYTES); /* kept for the life of the process */
	buf_reset(&cache[slot].der);
	if (buf_append(&cache[slot].der, der->p, der->len) == TK_OK && str_copy(cache[slot].key, sizeof(cache[slot].key), key) == TK_OK)
		cache[slot].until = until;
	else
		cache[slot].until = 0;
	pthread_mutex_unlock(&cache_lock);
}

static int64_t asn1_time(const ASN1_TIME *t)
{
	struct tm tm;

	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	return (int64_t)timegm(&tm);
}

/* The OCSP request for cert as the path segment of RFC 6960 A.1 (base64, then URL-encoded). */
static enum tk_err ocsp_get_url(X509 *cert, X509 *issuer, const char *base, char *out, size_t sz)
{
	OCSP_REQUEST *req = OCSP_REQUEST_new();
	OCSP_CERTID *id = OCSP_cert_to_id(EVP_sha1(), cert, issuer); /* SHA-1 CertID: what every responder understands */
	unsigned char *der = NULL;
	struct buf b64;
	size_t at, i, n = strlen(base);
	int len = 0;
	enum tk_err rc = TK_ERR_NOMEM;

	buf_init(&b64, 4096);
	if (req == NULL || id == NULL || OCSP_request_add0_id(req, id) == NULL)
		goto out;
	id = NULL;
	if ((len = i2d_OCSP_REQUEST(req, &der)) <= 0 || (rc = b64_encode(der, (size_t)len, &b64)) != TK_OK)
		goto out;
	if ((rc = str_fmt(out, sz, "%s%s", base, n > 0 && base[n - 1] == '/' ? "" : "/")) != TK_OK)
		goto out;
	at = strlen(out);
	for (i = 0; i < b64.len; i++) {
		char c = (char)b64.p[i];
		const char *enc = c == '+' ? "%2B" : c == '/' ? "%2F"
						 : c == '='   ? "%3D"
							      : NULL;
		size_t k = enc ? 3 : 1;
		if (at + k + 1 > sz) {
			rc = tk_fail(TK_ERR_LIMIT, "verify: OCSP request URL too long");
			goto out;
		}
		if (enc)
			memcpy(out + at, enc, 3);
		else
			out[at] = c;
		at += k;
	}
	out[at] = '\0';
	rc = TK_OK;
out:
	if (rc == TK_ERR_NOMEM && tk_last_error()->err == TK_OK)
		tk_fail(TK_ERR_NOMEM, "verify: out of memory");
	OCSP_CERTID_free(id);
	OCSP_REQUEST_free(req);
	OPENSSL_free(der);
	buf_free(&b64);
	ERR_clear_error();
	return rc;
}

/* nextUpdate of the first single response; 0 when the response cannot be cached. */
static int64_t ocsp_until(const struct buf *der)
{
	const unsigned char *q = der->p;
	OCSP_RESPONSE *r = d2i_OCSP_RESPONSE(NULL, &q, (long)der->len);
	OCSP_BASICRESP *bs = r != NULL && OCSP_response_status(r) == OCSP_RESPONSE_STATUS_SUCCESSFUL ? OCSP_response_get1_basic(r) : NULL;
	int64_t until = 0;

	if (bs != NULL && OCSP_resp_count(bs) > 0) {
		ASN1_GENERALIZEDTIME *rt = NULL, *tu = NULL, *nu = NULL;
		int reason = 0;
		OCSP_single_get0_status(OCSP_resp_get0(bs, 0), &reason, &rt, &tu, &nu);
		until = asn1_time(nu);
	}
	OCSP_BASICRESP_free(bs);
	OCSP_RESPONSE_free(r);
	ERR_clear_error();
	return until;
}

static int64_t crl_until(const struct buf *der)
{
	const unsigned char *q = der->p;
	X509_CRL *c = d2i_X509_CRL(NULL, &q, (long)der->len);
	int64_t until = c != NULL ? asn1_time(X509_CRL_get0_nextUpdate(c)) : 0;

	X509_CRL_free(c);
	ERR_clear_error();
	return until;
}

/* Cached or fetched; failures are logged (host only) and leave out empty. */
static void fetch(const struct online *o, const char *key, const char *url, int ocsp, struct buf *out)
{
	if (cache_get(key, out))
		return;
	if (net_fetch(&o->pol, url, ONLINE_MAX_BYTES, ONLINE_TIMEOUT, out) != TK_OK) {
		log_msg(LOG_WARN, ocsp ? "verify.ocsp_fetch" : "verify.crl_fetch", "%s", tk_errmsg());
		tk_clear_error();
		buf_reset(out);
		return;
	}
	cache_put(key, out, ocsp ? ocsp_until(out) : crl_until(out));
}

static enum tk_err online_fetch(void *arg, X509 *cert, X509 *issuer, struct buf *ocsp, struct buf *crl)
{
	const struct online *o = arg;
	char url[NET_MAX_URL], get[NET_MAX_URL], key[NET_MAX_URL + 96], serial[72];

	if (x509_serial_hex(cert, serial, sizeof(serial)) != TK_OK) {
		tk_clear_error();
		return TK_OK;
	}
	if (x509_ocsp_url(cert, url, sizeof(url)) && ocsp_get_url(cert, issuer, url, get, sizeof(get)) == TK_OK &&
	    str_fmt(key, sizeof(key), "ocsp %s %08lx %s", url, X509_issuer_name_hash(cert), serial) == TK_OK) {
		fetch(o, key, get, 1, ocsp);
		if (ocsp_until(ocsp) != 0)
			return TK_OK; /* a usable answer: no CRL needed */
	}
	tk_clear_error();
	if (x509_crl_url(cert, url, sizeof(url)) && str_fmt(key, sizeof(key), "crl %s", url) == TK_OK)
		fetch(o, key, url, 0, crl);
	tk_clear_error();
	return TK_OK;
}

enum tk_err verify_svc_online(struct svc_ctx *c, struct verify_trust *t)
{
	struct online *o = calloc(1, sizeof(*o));
	enum tk_err rc;

	if (o == NULL)
		return tk_fail(TK_ERR_NOMEM, "verify: out of memory");
	net_policy_init(&o->pol);
	/* An allow-list when the operator wrote one; else any host with public addresses only (no SSRF into the ministry). */
	if (c != NULL && config_get(c->inst->cfg, "verify", "fetch_allow") != NULL)
		rc = net_policy_load(c->inst->cfg, "verify", c->inst->base_url, &o->pol);
	else
		rc = net_policy_add(&o->pol, "*");
	if (rc != TK_OK) {
		free(o);
		return rc;
	}
	verify_trust_set_online(t, online_fetch, o, free);
	return TK_OK;
}

int verify_svc_online_configured(const struct svc_ctx *c)
{
	return c != NULL && strcmp(config_get_or(c->inst->cfg, "verify", "revocation", "offline"), "online") == 0;
}

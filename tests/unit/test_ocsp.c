/*
 * Unit tests for src/ocsp: strict request parsing (good, bad and hostile
 * requests, every truncation and every bit flip of a good one, failing
 * allocations), base64 of GET paths, issuer matching, and responses judged
 * by OpenSSL's own verifier (OCSP_basic_verify, OCSP_resp_find_status,
 * OCSP_check_nonce). Requests are built with OpenSSL's request builder, so
 * what we parse is what a real client sends; the seed corpus of
 * fuzz_ocsp_req is read as extra fixtures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "testpki.h"

#include "ocsp/ocsp.h"

#include <dirent.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define assert_ok(expr)                                                               \
	do {                                                                          \
		enum tk_err rc_ = (expr);                                             \
		if (rc_ != TK_OK)                                                     \
			fail_msg("%s failed (%d): %s", #expr, (int)rc_, tk_errmsg()); \
	} while (0)

/* Fixtures made once: a CA, its delegated OCSP signer, an unrelated CA, a leaf. */
static EVP_PKEY *ca_key, *signer_key, *other_key, *leaf_key;
static X509 *ca_cert, *signer_cert, *other_cert, *leaf_cert;
static struct key *signer_k;

/* ---- allocation failure injection (OpenSSL allocations) ---- */
static long alloc_count, alloc_fail_at;

static void *t_malloc(size_t n, const char *f, int l)
{
	(void)f;
	(void)l;
	if (alloc_fail_at > 0 && ++alloc_count == alloc_fail_at)
		return NULL;
	return malloc(n);
}

static void *t_realloc(void *p, size_t n, const char *f, int l)
{
	(void)f;
	(void)l;
	if (alloc_fail_at > 0 && ++alloc_count == alloc_fail_at)
		return NULL;
	return realloc(p, n);
}

static void t_free(void *p, const char *f, int l)
{
	(void)f;
	(void)l;
	free(p);
}

static EVP_PKEY *gen_p256(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");

	assert_non_null(k);
	return k;
}

static X509 *mk_cert(const char *cn, EVP_PKEY *pub, X509 *issuer, EVP_PKEY *ikey, long serial, int ca, const char *eku)
{
	return tp_cert(cn, pub, issuer, ikey, serial, ca, "critical,digitalSignature", eku, -3600, 30L * 86400);
}

static int group_setup(void **state)
{
	(void)state;
	ca_key = gen_p256();
	signer_key = gen_p256();
	other_key = gen_p256();
	leaf_key = gen_p256();
	ca_cert = mk_cert("Test Issuing CA", ca_key, NULL, ca_key, 1, 1, NULL);
	other_cert = mk_cert("Other CA", other_key, NULL, other_key, 1, 1, NULL);
	signer_cert = mk_cert("Test OCSP", signer_key, ca_cert, ca_key, 2, 0, "OCSPSigning");
	leaf_cert = mk_cert("Leaf", leaf_key, ca_cert, ca_key, 0x1234567, 0, NULL);
	if (EVP_PKEY_up_ref(signer_key) != 1 || key_from_pkey("ocsp", signer_key, &signer_k) != TK_OK)
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	key_free(signer_k);
	X509_free(ca_cert);
	X509_free(signer_cert);
	X509_free(other_cert);
	X509_free(leaf_cert);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(signer_key);
	EVP_PKEY_free(other_key);
	EVP_PKEY_free(leaf_key);
	return 0;
}

/* A DER request for cert under issuer with md; nonce_len 0: none. Caller frees *der. */
static size_t mk_req(X509 *cert, X509 *issuer, const EVP_MD *md, int nonce_len, uint8_t **der)
{
	OCSP_REQUEST *r = OCSP_REQUEST_new();
	OCSP_CERTID *id = OCSP_cert_to_id(md, cert, issuer);
	unsigned char *p = NULL;
	int n;

	assert_non_null(r);
	assert_non_null(id);
	assert_non_null(OCSP_request_add0_id(r, id));
	if (nonce_len > 0)
		assert_int_equal(OCSP_request_add1_nonce(r, NULL, nonce_len), 1);
	n = i2d_OCSP_REQUEST(r, &p);
	assert_true(n > 0);
	OCSP_REQUEST_free(r);
	*der = malloc((size_t)n);
	assert_non_null(*der);
	memcpy(*der, p, (size_t)n);
	OPENSSL_free(p);
	return (size_t)n;
}

/* DER helpers for hand-made requests. */
static size_t tlv(uint8_t *out, uint8_t tag, const uint8_t *v, size_t n)
{
	size_t h = 0;

	out[h++] = tag;
	if (n < 0x80) {
		out[h++] = (uint8_t)n;
	} else if (n < 0x100) {
		out[h++] = 0x81;
		out[h++] = (uint8_t)n;
	} else {
		out[h++] = 0x82;
		out[h++] = (uint8_t)(n >> 8);
		out[h++] = (uint8_t)n;
	}
	memmove(out + h, v, n);
	return h + n;
}

/* Wraps one Request (its TLV) n times plus optional requestExtensions into an OCSPRequest. */
static size_t wrap_req(const uint8_t *one, size_t onelen, size_t times, const uint8_t *exts, size_t extlen, uint8_t *out)
{
	static uint8_t a[16384], b[16384];
	size_t n = 0, i, m;

	for (i = 0; i < times; i++) {
		memcpy(a + n, one, onelen);
		n += onelen;
	}
	m = tlv(b, 0x30, a, n); /* requestList */
	if (exts != NULL) {
		uint8_t e[8192];
		size_t el = tlv(e, 0x30, exts, extlen);
		size_t el2 = tlv(b + m, 0xa2, e, el);
		m += el2;
	}
	n = tlv(a, 0x30, b, m); /* TBSRequest */
	return tlv(out, 0x30, a, n);
}

/* The first Request TLV inside a DER OCSPRequest made by mk_req. */
static const uint8_t *first_request(const uint8_t *der, size_t len, size_t *onelen)
{
	const uint8_t *v, *tbs, *list, *one;
	size_t vl, t, tl, ll, ol;
	uint8_t tag;

	assert_ok(der_read(der, len, &tag, &v, &vl, &t));
	assert_ok(der_read(v, vl, &tag, &tbs, &tl, &t));
	assert_ok(der_read(tbs, tl, &tag, &list, &ll, &t));
	assert_ok(der_read(list, ll, &tag, &one, &ol, &t));
	*onelen = t;
	return list;
}

static void test_parse_good(void **state)
{
	struct ocsp_issuer is;
	struct ocsp_req *r = NULL;
	const struct ocsp_certid *id;
	uint8_t *der;
	size_t len;

	(void)state;
	assert_ok(ocsp_issuer_hashes(ca_cert, &is));
	len = mk_req(leaf_cert, ca_cert, EVP_sha1(), 0, &der);
	assert_ok(ocsp_req_parse(der, len, &r));
	assert_int_equal(ocsp_req_count(r), 1);
	assert_false(ocsp_req_has_nonce(r));
	id = ocsp_req_certid(r, 0);
	assert_int_equal(id->hash, OCSP_HASH_SHA1);
	assert_true(id->canonical_alg);
	assert_int_equal(id->serial_len, 4);
	assert_memory_equal(id->serial, "\x01\x23\x45\x67", 4);
	assert_true(ocsp_certid_matches(id, &is));
	assert_null(ocsp_req_certid(r, 1));
	ocsp_req_free(r);
	free(der);

	len = mk_req(leaf_cert, ca_cert, EVP_sha256(), 16, &der);
	assert_ok(ocsp_req_parse(der, len, &r));
	assert_true(ocsp_req_has_nonce(r));
	assert_int_equal(ocsp_req_certid(r, 0)->hash, OCSP_HASH_SHA256);
	assert_true(ocsp_certid_matches(ocsp_req_certid(r, 0), &is));
	ocsp_req_free(r);
	free(der);
}

static void test_parse_other_issuer_and_hash(void **state)
{
	struct ocsp_issuer is;
	struct ocsp_req *r = NULL;
	uint8_t *der;
	size_t len;

	(void)state;
	assert_ok(ocsp_issuer_hashes(ca_cert, &is));
	/* Another issuer: parses, does not match. */
	len = mk_req(leaf_cert, other_cert, EVP_sha1(), 0, &der);
	assert_ok(ocsp_req_parse(der, len, &r));
	assert_false(ocsp_certid_matches(ocsp_req_certid(r, 0), &is));
	ocsp_req_free(r);
	free(der);
	/* SHA-384 and MD5: parse as "other", never match. */
	len = mk_req(leaf_cert, ca_cert, EVP_sha384(), 0, &der);
	assert_ok(ocsp_req_parse(der, len, &r));
	assert_int_equal(ocsp_req_certid(r, 0)->hash, OCSP_HASH_OTHER);
	assert_false(ocsp_req_certid(r, 0)->canonical_alg);
	assert_false(ocsp_certid_matches(ocsp_req_certid(r, 0), &is));
	ocsp_req_free(r);
	free(der);
	len = mk_req(leaf_cert, ca_cert, EVP_md5(), 0, &der);
	assert_ok(ocsp_req_parse(der, len, &r));
	assert_false(ocsp_certid_matches(ocsp_req_certid(r, 0), &is));
	ocsp_req_free(r);
	free(der);
}

/* hashAlgorithm without the NULL parameters: valid, answered on demand (not canonical). */
static void test_parse_absent_params(void **state)
{
	static uint8_t out[4096], one[512];
	struct ocsp_issuer is;
	struct ocsp_req *r = NULL;
	uint8_t *der;
	const uint8_t *list, *p;
	size_t len, onelen, n;

	(void)state;
	assert_ok(ocsp_issuer_hashes(ca_cert, &is));
	len = mk_req(leaf_cert, ca_cert, EVP_sha1(), 0, &der);
	list = first_request(der, len, &onelen);
	/* Request { CertID { 30 09 06 05 2b0e03021a 05 00, ... } }: drop the NULL, fix three lengths. */
	p = memmem(list, onelen, "\x30\x09\x06\x05\x2b\x0e\x03\x02\x1a\x05\x00", 11);
	assert_non_null(p);
	n = (size_t)(p - list);
	memcpy(one, list, n);
	one[n] = 0x30;
	one[n + 1] = 0x07;
	memcpy(one + n + 2, p + 2, 7);
	memcpy(one + n + 9, p + 11, onelen - n - 11);
	one[1] = (uint8_t)(one[1] - 2); /* Request */
	one[3] = (uint8_t)(one[3] - 2); /* CertID */
	len = wrap_req(one, onelen - 2, 1, NULL, 0, out);
	assert_ok(ocsp_req_parse(out, len, &r));
	assert_int_equal(ocsp_req_certid(r, 0)->hash, OCSP_HASH_SHA1);
	assert_false(ocsp_req_certid(r, 0)->canonical_alg);
	assert_true(ocsp_certid_matches(ocsp_req_certid(r, 0), &is));
	ocsp_req_free(r);
	free(der);
}

static void expect_bad(const uint8_t *p, size_t len, const char *what)
{
	struct ocsp_req *r = (struct ocsp_req *)1;

	if (ocsp_req_parse(p, len, &r) == TK_OK)
		fail_msg("%s: parsed but must be refused", what);
	assert_null(r);
	assert_true(strncmp(tk_errmsg(), "ocsp: ", 6) == 0 || strncmp(tk_errmsg(), "der: ", 5) == 0);
}

static void test_parse_bad(void **state)
{
	static uint8_t out[16384], big[8192], ext[1024];
	uint8_t *der;
	const uint8_t *list;
	size_t len, onelen, n, el;
	uint8_t nonce_oid[] = { 0x06, 0x09, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x02 };
	uint8_t inner[1024], octet[1024], e1[1024];

	(void)state;
	len = mk_req(leaf_cert, ca_cert, EVP_sha1(), 0, &der);
	expect_bad((const uint8_t *)"", 0, "empty");
	expect_bad((const uint8_t *)"\x30", 1, "one byte");
	expect_bad((const uint8_t *)"\x30\x00", 2, "empty sequence");
	expect_bad((const uint8_t *)"\x04\x00", 2, "octet string");
	/* Every truncation. */
	for (n = 0; n < len; n++)
		expect_bad(der, n, "truncated");
	/* Trailing bytes. */
	memcpy(out, der, len);
	out[len] = 0;
	expect_bad(out, len + 1, "trailing byte");
	/* BER: long-form length where short is due; indefinite length. */
	out[0] = 0x30;
	out[1] = 0x81;
	out[2] = der[1];
	memcpy(out + 3, der + 2, len - 2);
	expect_bad(out, len + 1, "non-minimal length");
	out[1] = 0x80;
	memcpy(out + 2, der + 2, len - 2);
	out[len] = 0;
	out[len + 1] = 0;
	expect_bad(out, len + 2, "indefinite length");
	/* Version 2. */
	list = first_request(der, len, &onelen);
	{
		uint8_t tbs[1024], a[1024];
		size_t m = 0;
		memcpy(tbs, "\xa0\x03\x02\x01\x01", 5);
		m = 5 + tlv(tbs + 5, 0x30, list, onelen);
		m = tlv(a, 0x30, tbs, m);
		n = tlv(out, 0x30, a, m);
		expect_bad(out, n, "version 2");
	}
	/* No certificate, too many certificates. */
	n = wrap_req(list, onelen, 0, NULL, 0, out);
	expect_bad(out, n, "empty requestList");
	n = wrap_req(list, onelen, MAX_OCSP_REQ_CERTS + 1, NULL, 0, out);
	expect_bad(out, n, "too many certificates");
	n = wrap_req(list, onelen, MAX_OCSP_REQ_CERTS, NULL, 0, out);
	{
		struct ocsp_req *r = NULL;
		assert_ok(ocsp_req_parse(out, n, &r));
		assert_int_equal(ocsp_req_count(r), MAX_OCSP_REQ_CERTS);
		ocsp_req_free(r);
	}
	/* Nonces of 0 and 33 bytes (RFC 8954), and two nonces. */
	{
		size_t sizes[] = { 0, MAX_OCSP_NONCE_BYTES + 1 };
		size_t i;
		for (i = 0; i < 2; i++) {
			memset(inner, 'N', sizeof(inner));
			el = tlv(octet, 0x04, inner, sizes[i]);
			el = tlv(e1, 0x04, octet, el);
			memcpy(ext, nonce_oid, sizeof(nonce_oid));
			memcpy(ext + sizeof(nonce_oid), e1, el);
			el = tlv(e1, 0x30, ext, sizeof(nonce_oid) + el);
			n = wrap_req(list, onelen, 1, e1, el, out);
			expect_bad(out, n, "bad nonce length");
		}
		memset(inner, 'N', sizeof(inner));
		el = tlv(octet, 0x04, inner, 16);
		el = tlv(e1, 0x04, octet, el);
		memcpy(ext, nonce_oid, sizeof(nonce_oid));
		memcpy(ext + sizeof(nonce_oid), e1, el);
		el = tlv(e1, 0x30, ext, sizeof(nonce_oid) + el);
		memcpy(ext, e1, el);
		memcpy(ext + el, e1, el);
		n = wrap_req(list, onelen, 1, ext, 2 * el, out);
		expect_bad(out, n, "two nonces");
	}
	/* An unknown critical extension; the same non-critical is fine. */
	{
		static const uint8_t crit[] = { 0x30, 0x0c, 0x06, 0x03, 0x2a, 0x03, 0x04, 0x01, 0x01, 0xff, 0x04, 0x02, 0x05, 0x00 };
		static const uint8_t noncrit[] = { 0x30, 0x09, 0x06, 0x03, 0x2a, 0x03, 0x04, 0x04, 0x02, 0x05, 0x00 };
		struct ocsp_req *r = NULL;
		n = wrap_req(list, onelen, 1, crit, sizeof(crit), out);
		expect_bad(out, n, "critical extension");
		n = wrap_req(list, onelen, 1, noncrit, sizeof(noncrit), out);
		assert_ok(ocsp_req_parse(out, n, &r));
		ocsp_req_free(r);
	}
	/* Over the size limit: TK_ERR_LIMIT. */
	{
		struct ocsp_req *r = NULL;
		memset(big, 'B', sizeof(big));
		el = tlv(ext, 0x06, (const uint8_t *)"\x2a\x03\x04", 3);
		n = tlv(out, 0x30, big, MAX_OCSP_REQ_BYTES + 100);
		assert_int_equal(ocsp_req_parse(out, n, &r), TK_ERR_LIMIT);
		(void)el;
	}
	free(der);
}

/* Negative or oversized serials parse but can never be ours (serial_len 0). */
static void test_parse_odd_serials(void **state)
{
	OCSP_REQUEST *r = OCSP_REQUEST_new();
	ASN1_INTEGER *s = ASN1_INTEGER_new();
	struct ocsp_req *pr = NULL;
	unsigned char *p = NULL;
	int n;

	(void)state;
	assert_int_equal(ASN1_INTEGER_set(s, -5), 1);
	assert_non_null(OCSP_request_add0_id(r, OCSP_cert_id_new(EVP_sha1(), X509_get_subject_name(ca_cert),
						    X509_get0_pubkey_bitstr(ca_cert), s)));
	n = i2d_OCSP_REQUEST(r, &p);
	assert_true(n > 0);
	assert_ok(ocsp_req_parse(p, (size_t)n, &pr));
	assert_int_equal(ocsp_req_certid(pr, 0)->serial_len, 0);
	ocsp_req_free(pr);
	OPENSSL_free(p);
	OCSP_REQUEST_free(r);
	ASN1_INTEGER_free(s);
}

/* Deterministic xorshift, so a failure reproduces. */
static uint32_t rng = 0x2545F491u;
static uint32_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static void test_parse_hostile(void **state)
{
	uint8_t buf[600];
	uint8_t *der;
	size_t len, i, bit;
	struct ocsp_req *r;

	(void)state;
	len = mk_req(leaf_cert, ca_cert, EVP_sha256(), 32, &der);
	/* Every single bit flip: refused or parsed, never a crash or a leak. */
	for (i = 0; i < len; i++)
		for (bit = 0; bit < 8; bit++) {
			memcpy(buf, der, len);
			buf[i] ^= (uint8_t)(1u << bit);
			r = NULL;
			if (ocsp_req_parse(buf, len, &r) == TK_OK) {
				assert_true(ocsp_req_count(r) == 1);
				ocsp_req_free(r);
			}
		}
	/* Random bytes behind a SEQUENCE header. */
	for (i = 0; i < 2000; i++) {
		size_t n = 2 + next_rand() % (sizeof(buf) - 2), k;
		buf[0] = 0x30;
		buf[1] = n - 2 < 0x80 ? (uint8_t)(n - 2) : 0x7f;
		for (k = 2; k < n; k++)
			buf[k] = (uint8_t)next_rand();
		r = NULL;
		if (ocsp_req_parse(buf, n, &r) == TK_OK)
			ocsp_req_free(r);
	}
	free(der);
}

/* The seed corpus of the fuzz target, as extra fixtures: nothing crashes, good seeds parse. */
static void test_parse_corpus(void **state)
{
	const char *src = getenv("TEKEN_SRC");
	char dir[4096], path[8192];
	struct dirent *e;
	DIR *d;
	size_t good = 0;

	(void)state;
	if (src == NULL)
		skip();
	assert_ok(str_fmt(dir, sizeof(dir), "%s/fuzz/corpus/fuzz_ocsp_req", src));
	if ((d = opendir(dir)) == NULL)
		skip();
	while ((e = readdir(d)) != NULL) {
		uint8_t *p = NULL;
		size_t len = 0;
		struct ocsp_req *r = NULL;
		if (e->d_name[0] == '.')
			continue;
		assert_ok(str_fmt(path, sizeof(path), "%s/%s", dir, e->d_name));
		assert_ok(file_read(path, 1 << 20, &p, &len));
		if (ocsp_req_parse(p, len, &r) == TK_OK) {
			if (strncmp(e->d_name, "bad-", 4) == 0)
				fail_msg("%s parsed but is a bad seed", e->d_name);
			good++;
			ocsp_req_free(r);
		} else if (strncmp(e->d_name, "good-", 5) == 0) {
			fail_msg("%s does not parse: %s", e->d_name, tk_errmsg());
		}
		free(p);
	}
	closedir(d);
	assert_true(good > 0);
}

/* Failing the N-th OpenSSL allocation: an error or success, never a crash or leak. */
static void test_parse_alloc_failures(void **state)
{
	uint8_t *der;
	size_t len;
	long n;
	int succeeded = 0;

	(void)state;
	len = mk_req(leaf_cert, ca_cert, EVP_sha1(), 16, &der);
	for (n = 1; n < 2000 && !succeeded; n++) {
		struct ocsp_req *r = NULL;
		alloc_count = 0;
		alloc_fail_at = n;
		if (ocsp_req_parse(der, len, &r) == TK_OK) {
			succeeded = alloc_count < n;
			ocsp_req_free(r);
		}
		alloc_fail_at = 0;
		ERR_clear_error();
	}
	assert_true(succeeded);
	free(der);
}

static void test_b64(void **state)
{
	static const struct {
		const char *in, *out;
	} good[] = {
		{ "", "" },
		{ "TQ==", "M" },
		{ "TQ", "M" },
		{ "TWE=", "Ma" },
		{ "TWE", "Ma" },
		{ "TWFu", "Man" },
		{ "-_-_", "\xfb\xff\xbf" },
		{ "+/+/", "\xfb\xff\xbf" },
		{ " / /", "\xfb\xff\xbf" },
	};
	static const char *const bad[] = { "T", "TQ=", "TQ===", "TQ==TQ==", "TWE=x", "TR==", "TWF=", "!!!!", "TW\nE", "TWE%3D",
		"TW\xc3\xa9" };
	struct buf b;
	size_t i;
	char big[8000];

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		buf_init(&b, 64);
		assert_ok(ocsp_b64_decode(good[i].in, strlen(good[i].in), &b));
		assert_int_equal(b.len, strlen(good[i].out));
		if (b.len)
			assert_memory_equal(b.p, good[i].out, b.len);
		buf_free(&b);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		buf_init(&b, 64);
		if (ocsp_b64_decode(bad[i], strlen(bad[i]), &b) == TK_OK)
			fail_msg("'%s' decoded", bad[i]);
		buf_free(&b);
	}
	memset(big, 'A', sizeof(big));
	buf_init(&b, MAX_OCSP_REQ_BYTES);
	assert_int_equal(ocsp_b64_decode(big, sizeof(big), &b), TK_ERR_LIMIT);
	buf_free(&b);
}

/* ---- responses ---- */

static X509_STORE *trust_store(void)
{
	X509_STORE *st = X509_STORE_new();

	assert_non_null(st);
	assert_int_equal(X509_STORE_add_cert(st, ca_cert), 1);
	return st;
}

static OCSP_BASICRESP *decode_basic(const struct buf *b)
{
	const unsigned char *q = b->p;
	OCSP_RESPONSE *resp = d2i_OCSP_RESPONSE(NULL, &q, (long)b->len);
	OCSP_BASICRESP *bs;

	assert_non_null(resp);
	assert_ptr_equal(q, b->p + b->len);
	assert_int_equal(OCSP_response_status(resp), OCSP_RESPONSE_STATUS_SUCCESSFUL);
	bs = OCSP_response_get1_basic(resp);
	assert_non_null(bs);
	OCSP_RESPONSE_free(resp);
	return bs;
}

static void check_status(OCSP_BASICRESP *bs, X509 *cert, const EVP_MD *md, int want, int want_reason, int64_t tu, int64_t nu)
{
	OCSP_CERTID *id = OCSP_cert_to_id(md, cert, ca_cert);
	ASN1_GENERALIZEDTIME *rev = NULL, *thisupd = NULL, *nextupd = NULL;
	int status = -1, reason = -2;
	int64_t t;
	struct tm tm;

	assert_int_equal(OCSP_resp_find_status(bs, id, &status, &reason, &rev, &thisupd, &nextupd), 1);
	assert_int_equal(status, want);
	if (want == V_OCSP_CERTSTATUS_REVOKED)
		assert_int_equal(reason, want_reason); /* -1: revocationReason absent */
	assert_int_equal(ASN1_TIME_to_tm(thisupd, &tm), 1);
	t = (int64_t)timegm(&tm);
	assert_true(t == tu);
	assert_int_equal(ASN1_TIME_to_tm(nextupd, &tm), 1);
	t = (int64_t)timegm(&tm);
	assert_true(t == nu);
	assert_true(OCSP_check_validity(thisupd, nextupd, 300, -1) == 1);
	if (want == V_OCSP_CERTSTATUS_REVOKED)
		assert_non_null(rev);
	OCSP_CERTID_free(id);
}

static void test_resp_own_certid(void **state)
{
	struct ocsp_signer *s = NULL;
	struct ocsp_single it;
	struct buf b;
	OCSP_BASICRESP *bs;
	X509_STORE *st = trust_store();
	const ASN1_OCTET_STRING *keyid = NULL;
	const X509_NAME *byname = NULL;
	int64_t now = tk_now();
	static const uint8_t serial[] = { 0x01, 0x23, 0x45, 0x67 };
	static const struct {
		enum ocsp_cert_status st;
		int reason, want, want_reason;
	} cases[] = {
		{ OCSP_CERT_GOOD, 0, V_OCSP_CERTSTATUS_GOOD, -1 },
		{ OCSP_CERT_REVOKED, 1, V_OCSP_CERTSTATUS_REVOKED, 1 },
		{ OCSP_CERT_REVOKED, 6, V_OCSP_CERTSTATUS_REVOKED, 6 },
		{ OCSP_CERT_REVOKED, 0, V_OCSP_CERTSTATUS_REVOKED, -1 }, /* unspecified: left out */
		{ OCSP_CERT_REVOKED, 7, V_OCSP_CERTSTATUS_REVOKED, -1 }, /* unused value: left out */
		{ OCSP_CERT_UNKNOWN, 0, V_OCSP_CERTSTATUS_UNKNOWN, -1 },
	};
	size_t i, h;

	(void)state;
	assert_ok(ocsp_signer_new(signer_k, signer_cert, ca_cert, "sha256", &s));
	for (h = 0; h < 2; h++)
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			memset(&it, 0, sizeof(it));
			it.serial = serial;
			it.serial_len = sizeof(serial);
			it.hash = h ? OCSP_HASH_SHA256 : OCSP_HASH_SHA1;
			it.status = cases[i].st;
			it.reason = cases[i].reason;
			it.revoked_at = now - 100;
			buf_init(&b, 1 << 16);
			assert_ok(ocsp_resp_build(s, &it, 1, NULL, now, now + 3600, &b));
			bs = decode_basic(&b);
			assert_int_equal(OCSP_basic_verify(bs, NULL, st, 0), 1);
			assert_int_equal(sk_X509_num(OCSP_resp_get0_certs(bs)), 1);
			assert_int_equal(OCSP_resp_get0_id(bs, &keyid, &byname), 1);
			assert_non_null(keyid);
			assert_null(byname);
			assert_int_equal(OCSP_resp_count(bs), 1);
			check_status(bs, leaf_cert, h ? EVP_sha256() : EVP_sha1(), cases[i].want, cases[i].want_reason, now, now + 3600);
			assert_int_equal(OCSP_BASICRESP_get_ext_by_NID(bs, NID_id_pkix_OCSP_Nonce, -1), -1);
			OCSP_BASICRESP_free(bs);
			buf_free(&b);
		}
	/* A CertID needs a known hash and a serial. */
	it.hash = OCSP_HASH_OTHER;
	buf_init(&b, 1 << 16);
	assert_int_equal(ocsp_resp_build(s, &it, 1, NULL, now, now + 60, &b), TK_ERR_INVALID);
	it.hash = OCSP_HASH_SHA1;
	it.serial_len = 0;
	assert_int_equal(ocsp_resp_build(s, &it, 1, NULL, now, now + 60, &b), TK_ERR_INVALID);
	assert_int_equal(ocsp_resp_build(s, &it, 0, NULL, now, now + 60, &b), TK_ERR_INVALID);
	buf_free(&b);
	ocsp_signer_free(s);
	X509_STORE_free(st);
}

static void test_resp_echo_and_nonce(void **state)
{
	struct ocsp_signer *s = NULL;
	struct ocsp_single items[2];
	struct ocsp_req *r = NULL;
	OCSP_REQUEST *oreq;
	OCSP_BASICRESP *bs;
	X509_STORE *st = trust_store();
	struct buf b;
	uint8_t *der;
	const unsigned char *q;
	size_t len;
	int64_t now = tk_now();

	(void)state;
	assert_ok(ocsp_signer_new(signer_k, signer_cert, ca_cert, "sha256", &s));
	len = mk_req(leaf_cert, ca_cert, EVP_sha256(), 32, &der);
	assert_ok(ocsp_req_parse(der, len, &r));
	memset(items, 0, sizeof(items));
	items[0].req = r;
	items[0].status = OCSP_CERT_REVOKED;
	items[0].reason = 4;
	items[0].revoked_at = now - 5;
	buf_init(&b, 1 << 16);
	assert_ok(ocsp_resp_build(s, items, 1, r, now, now + 60, &b));
	bs = decode_basic(&b);
	assert_int_equal(OCSP_basic_verify(bs, NULL, st, 0), 1);
	q = der;
	oreq = d2i_OCSP_REQUEST(NULL, &q, (long)len);
	assert_non_null(oreq);
	assert_int_equal(OCSP_check_nonce(oreq, bs), 1);
	check_status(bs, leaf_cert, EVP_sha256(), V_OCSP_CERTSTATUS_REVOKED, 4, now, now + 60);
	OCSP_REQUEST_free(oreq);
	OCSP_BASICRESP_free(bs);
	/* Out-of-range request index. */
	items[0].req_index = 1;
	buf_reset(&b);
	assert_int_equal(ocsp_resp_build(s, items, 1, NULL, now, now + 60, &b), TK_ERR_INTERNAL);
	buf_free(&b);
	ocsp_req_free(r);
	free(der);
	ocsp_signer_free(s);
	X509_STORE_free(st);
}

/* Failing the N-th OpenSSL allocation while building: an error, or a response OpenSSL verifies. */
static void test_resp_alloc_failures(void **state)
{
	struct ocsp_signer *s = NULL;
	struct ocsp_single it;
	struct ocsp_req *r = NULL;
	X509_STORE *st = trust_store();
	uint8_t *der;
	size_t len;
	long n;
	int done = 0;
	int64_t now = tk_now();

	(void)state;
	assert_ok(ocsp_signer_new(signer_k, signer_cert, ca_cert, "sha256", &s));
	len = mk_req(leaf_cert, ca_cert, EVP_sha1(), 16, &der);
	assert_ok(ocsp_req_parse(der, len, &r));
	memset(&it, 0, sizeof(it));
	it.req = r;
	it.status = OCSP_CERT_REVOKED;
	it.reason = 1;
	it.revoked_at = now - 10;
	for (n = 1; n < 20000 && !done; n++) {
		struct buf b;
		enum tk_err rc;
		buf_init(&b, 1 << 16);
		alloc_count = 0;
		alloc_fail_at = n;
		rc = ocsp_resp_build(s, &it, 1, r, now, now + 60, &b);
		done = alloc_count < n;
		alloc_fail_at = 0;
		if (rc == TK_OK) {
			OCSP_BASICRESP *bs = decode_basic(&b);
			assert_int_equal(OCSP_basic_verify(bs, NULL, st, 0), 1);
			OCSP_BASICRESP_free(bs);
		} else {
			assert_true(!done);
		}
		buf_free(&b);
		ERR_clear_error();
	}
	assert_true(done);
	ocsp_req_free(r);
	free(der);
	ocsp_signer_free(s);
	X509_STORE_free(st);
}

static void test_signer_mismatch(void **state)
{
	struct ocsp_signer *s = NULL;
	struct key *k = NULL;

	(void)state;
	assert_int_equal(EVP_PKEY_up_ref(other_key), 1);
	assert_ok(key_from_pkey("other", other_key, &k));
	assert_int_equal(ocsp_signer_new(k, signer_cert, ca_cert, "sha256", &s), TK_ERR_CRYPTO);
	assert_null(s);
	assert_int_not_equal(ocsp_signer_new(signer_k, signer_cert, ca_cert, "nosuchdigest", &s), TK_OK);
	assert_null(s);
	key_free(k);
	ocsp_signer_free(NULL);
}

static void test_resp_error(void **state)
{
	static const enum ocsp_resp_status sts[] = { OCSP_ST_MALFORMED, OCSP_ST_INTERNAL_ERROR, OCSP_ST_TRY_LATER,
		OCSP_ST_SIG_REQUIRED, OCSP_ST_UNAUTHORIZED };
	struct buf b;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(sts) / sizeof(sts[0]); i++) {
		const unsigned char *q;
		OCSP_RESPONSE *resp;
		buf_init(&b, 16);
		assert_ok(ocsp_resp_error(sts[i], &b));
		q = b.p;
		resp = d2i_OCSP_RESPONSE(NULL, &q, (long)b.len);
		assert_non_null(resp);
		assert_int_equal(OCSP_response_status(resp), (int)sts[i]);
		assert_null(OCSP_response_get1_basic(resp));
		OCSP_RESPONSE_free(resp);
		buf_free(&b);
	}
	buf_init(&b, 16);
	assert_int_equal(ocsp_resp_error(OCSP_ST_SUCCESSFUL, &b), TK_ERR_INTERNAL);
	assert_int_equal(ocsp_resp_error((enum ocsp_resp_status)4, &b), TK_ERR_INTERNAL);
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_other_issuer_and_hash),
		cmocka_unit_test(test_parse_absent_params),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_parse_odd_serials),
		cmocka_unit_test(test_parse_hostile),
		cmocka_unit_test(test_parse_corpus),
		cmocka_unit_test(test_parse_alloc_failures),
		cmocka_unit_test(test_b64),
		cmocka_unit_test(test_resp_own_certid),
		cmocka_unit_test(test_resp_echo_and_nonce),
		cmocka_unit_test(test_resp_alloc_failures),
		cmocka_unit_test(test_signer_mismatch),
		cmocka_unit_test(test_resp_error),
	};

	/* Before any OpenSSL allocation: route them through the failure injector. */
	if (!CRYPTO_set_mem_functions(t_malloc, t_realloc, t_free))
		return 1;
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

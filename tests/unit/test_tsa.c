/*
 * Unit tests for src/tsa: tokens judged by OpenSSL's own verifier
 * (TS_RESP_verify_response with imprint, nonce and chain), TSTInfo fields
 * (policy, accuracy, serial shape and uniqueness, ESSCertIDv2, certReq),
 * and rejections with the right failInfo for bad, hostile and truncated
 * requests, every bit flip of a good one and failing allocations. Requests
 * are built with OpenSSL's TS_REQ builder; the seed corpus of fuzz_tsa_req
 * is read as extra fixtures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "testpki.h"

#include "tsa/tsa.h"

#include <dirent.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pkcs7.h>
#include <openssl/ts.h>
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

#define POLICY "2.16.360.1.1.1.99.2"

static EVP_PKEY *ca_key, *tsa_key, *other_key;
static X509 *ca_cert, *tsa_cert, *noeku_cert;
static struct key *tsa_k;

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

static X509 *mk_cert(const char *cn, EVP_PKEY *pub, X509 *issuer, EVP_PKEY *ikey, long serial, int ca, const char *eku)
{
	return tp_cert(cn, pub, issuer, ikey, serial, ca, "critical,digitalSignature,nonRepudiation", eku, -3600, 30L * 86400);
}

static int group_setup(void **state)
{
	(void)state;
	ca_key = EVP_EC_gen("P-256");
	tsa_key = EVP_EC_gen("P-256");
	other_key = EVP_EC_gen("P-256");
	if (ca_key == NULL || tsa_key == NULL || other_key == NULL)
		return -1;
	ca_cert = mk_cert("Test Issuing CA", ca_key, NULL, ca_key, 1, 1, NULL);
	tsa_cert = mk_cert("Test TSA", tsa_key, ca_cert, ca_key, 2, 0, "critical,timeStamping");
	noeku_cert = mk_cert("Not a TSA", tsa_key, ca_cert, ca_key, 3, 0, NULL);
	if (EVP_PKEY_up_ref(tsa_key) != 1 || key_from_pkey("tsa", tsa_key, &tsa_k) != TK_OK)
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	key_free(tsa_k);
	X509_free(ca_cert);
	X509_free(tsa_cert);
	X509_free(noeku_cert);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(tsa_key);
	EVP_PKEY_free(other_key);
	return 0;
}

static struct tsa_signer *mk_signer(const char *digests)
{
	struct tsa_settings set = { POLICY, digests, "sha256", 1, 0 };
	STACK_OF(X509) *chain = sk_X509_new_null();
	struct tsa_signer *s = NULL;

	assert_non_null(chain);
	assert_int_equal(sk_X509_push(chain, ca_cert), 1);
	assert_ok(tsa_signer_new(&set, tsa_k, tsa_cert, chain, &s));
	sk_X509_free(chain);
	return s;
}

static const uint8_t data[] = "Surat Keputusan Nomor 1 Tahun 2026";

/* A DER TimeStampReq over data; policy NULL: none; nonce 0: none. Caller frees *der. */
static size_t mk_req(const EVP_MD *md, const char *policy, long nonce, int cert_req, uint8_t **der)
{
	TS_REQ *r = TS_REQ_new();
	TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
	X509_ALGOR *alg = X509_ALGOR_new();
	uint8_t h[EVP_MAX_MD_SIZE];
	unsigned int hl = 0;
	unsigned char *p = NULL;
	int n;

	assert_int_equal(TS_REQ_set_version(r, 1), 1);
	assert_int_equal(EVP_Digest(data, sizeof(data) - 1, h, &hl, md, NULL), 1);
	assert_int_equal(X509_ALGOR_set0(alg, OBJ_nid2obj(EVP_MD_get_type(md)), V_ASN1_NULL, NULL), 1);
	assert_int_equal(TS_MSG_IMPRINT_set_algo(mi, alg), 1);
	assert_int_equal(TS_MSG_IMPRINT_set_msg(mi, h, (int)hl), 1);
	assert_int_equal(TS_REQ_set_msg_imprint(r, mi), 1);
	if (policy != NULL) {
		ASN1_OBJECT *o = OBJ_txt2obj(policy, 1);
		assert_int_equal(TS_REQ_set_policy_id(r, o), 1);
		ASN1_OBJECT_free(o);
	}
	if (nonce != 0) {
		ASN1_INTEGER *i = ASN1_INTEGER_new();
		assert_int_equal(ASN1_INTEGER_set(i, nonce), 1);
		assert_int_equal(TS_REQ_set_nonce(r, i), 1);
		ASN1_INTEGER_free(i);
	}
	assert_int_equal(TS_REQ_set_cert_req(r, cert_req), 1);
	n = i2d_TS_REQ(r, &p);
	assert_true(n > 0);
	*der = malloc((size_t)n);
	assert_non_null(*der);
	memcpy(*der, p, (size_t)n);
	OPENSSL_free(p);
	TS_REQ_free(r);
	TS_MSG_IMPRINT_free(mi);
	X509_ALGOR_free(alg);
	return (size_t)n;
}

static TS_RESP *decode(const struct buf *b)
{
	const unsigned char *q = b->p;
	TS_RESP *r = d2i_TS_RESP(NULL, &q, (long)b->len);
	unsigned char *re = NULL;
	int n;

	assert_non_null(r);
	assert_ptr_equal(q, b->p + b->len);
	/* What we send is canonical DER. */
	n = i2d_TS_RESP(r, &re);
	assert_int_equal((size_t)n, b->len);
	assert_memory_equal(re, b->p, b->len);
	OPENSSL_free(re);
	return r;
}

static long status_of(TS_RESP *r)
{
	return ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(r)));
}

static void expect_reject(const struct buf *b, int failbit)
{
	TS_RESP *r = decode(b);
	const ASN1_BIT_STRING *fi = TS_STATUS_INFO_get0_failure_info(TS_RESP_get_status_info(r));
	int i;

	assert_int_equal(status_of(r), TS_STATUS_REJECTION);
	assert_null(TS_RESP_get_token(r));
	assert_non_null(fi);
	for (i = 0; i < 32; i++)
		if (ASN1_BIT_STRING_get_bit(fi, i) != (i == failbit))
			fail_msg("failInfo bit %d is %d (want only bit %d)", i, ASN1_BIT_STRING_get_bit(fi, i), failbit);
	TS_RESP_free(r);
}

/* Verifies a granted response with OpenSSL against data, nonce and the CA. */
static void verify_token(const struct buf *b, const uint8_t *reqder, size_t reqlen, int with_certs)
{
	TS_RESP *r = decode(b);
	const unsigned char *q = reqder;
	TS_REQ *req = d2i_TS_REQ(NULL, &q, (long)reqlen);
	TS_VERIFY_CTX *v;
	X509_STORE *st = X509_STORE_new();
	STACK_OF(X509) *untrusted = sk_X509_new_null();

	assert_non_null(req);
	assert_int_equal(status_of(r), TS_STATUS_GRANTED);
	v = TS_REQ_to_TS_VERIFY_CTX(req, NULL);
	assert_non_null(v);
	assert_int_equal(X509_STORE_add_cert(st, ca_cert), 1);
	TS_VERIFY_CTX_set_store(v, st);
	if (!with_certs) {
		X509_up_ref(tsa_cert);
		assert_int_equal(sk_X509_push(untrusted, tsa_cert), 1);
	}
	TS_VERIFY_CTX_set_certs(v, untrusted);
	TS_VERIFY_CTX_add_flags(v, TS_VFY_SIGNATURE | TS_VFY_SIGNER);
	if (TS_RESP_verify_response(v, r) != 1) {
		ERR_print_errors_fp(stderr);
		fail_msg("OpenSSL does not verify our token");
	}
	TS_VERIFY_CTX_free(v);
	TS_REQ_free(req);
	TS_RESP_free(r);
}

static void test_granted_verifies(void **state)
{
	struct tsa_signer *s = mk_signer("sha256,sha384,sha512");
	const EVP_MD *mds[3];
	struct buf b;
	uint8_t *der;
	size_t len, i;
	int granted;

	(void)state;
	mds[0] = EVP_sha256();
	mds[1] = EVP_sha384();
	mds[2] = EVP_sha512();
	for (i = 0; i < 3; i++) {
		len = mk_req(mds[i], NULL, 0x1234567 + (long)i, 1, &der);
		buf_init(&b, 1 << 16);
		assert_ok(tsa_respond(s, der, len, &b, &granted));
		assert_true(granted);
		verify_token(&b, der, len, 1);
		buf_free(&b);
		free(der);
	}
	/* Without certReq: no certificates in the token, verifies with them supplied. */
	len = mk_req(EVP_sha256(), POLICY, 0, 0, &der);
	buf_init(&b, 1 << 16);
	assert_ok(tsa_respond(s, der, len, &b, &granted));
	assert_true(granted);
	{
		TS_RESP *r = decode(&b);
		PKCS7 *tok = TS_RESP_get_token(r);
		assert_non_null(tok);
		assert_true(tok->d.sign->cert == NULL || sk_X509_num(tok->d.sign->cert) == 0);
		TS_RESP_free(r);
	}
	verify_token(&b, der, len, 0);
	buf_free(&b);
	free(der);
	tsa_signer_free(s);
}

static void test_tstinfo_fields(void **state)
{
	struct tsa_signer *s = mk_signer("sha256");
	struct buf b;
	uint8_t *der;
	size_t len;
	int granted, i, found_v2 = 0;
	TS_RESP *r;
	TS_TST_INFO *ti;
	const TS_ACCURACY *acc;
	PKCS7 *tok;
	STACK_OF(PKCS7_SIGNER_INFO) *sis;
	const ASN1_INTEGER *serial;
	char txt[80];

	(void)state;
	len = mk_req(EVP_sha256(), NULL, 987654321, 1, &der);
	buf_init(&b, 1 << 16);
	assert_ok(tsa_respond(s, der, len, &b, &granted));
	r = decode(&b);
	ti = TS_RESP_get_tst_info(r);
	assert_non_null(ti);
	assert_int_equal(TS_TST_INFO_get_version(ti), 1);
	assert_true(OBJ_obj2txt(txt, sizeof(txt), TS_TST_INFO_get_policy_id(ti), 1) > 0);
	assert_string_equal(txt, POLICY);
	assert_int_equal(ASN1_INTEGER_get(TS_TST_INFO_get_nonce(ti)), 987654321);
	acc = TS_TST_INFO_get_accuracy(ti);
	assert_non_null(acc);
	assert_int_equal(ASN1_INTEGER_get(TS_ACCURACY_get_seconds(acc)), 1);
	serial = TS_TST_INFO_get_serial(ti);
	assert_int_equal(ASN1_STRING_length(serial), 17);
	assert_int_equal(ASN1_STRING_get0_data(serial)[0], 0x01);
	assert_non_null(TS_TST_INFO_get_tsa(ti));
	assert_false(TS_TST_INFO_get_ordering(ti));
	/* genTime within a few seconds of now. */
	{
		struct tm tm;
		assert_int_equal(ASN1_TIME_to_tm(TS_TST_INFO_get_time(ti), &tm), 1);
		assert_true(llabs((long long)timegm(&tm) - (long long)tk_now()) <= 5);
	}
	/* certReq: TSA certificate and the chain; ESSCertIDv2 (SHA-256) signed attribute. */
	tok = TS_RESP_get_token(r);
	assert_int_equal(sk_X509_num(tok->d.sign->cert), 2);
	sis = PKCS7_get_signer_info(tok);
	assert_int_equal(sk_PKCS7_SIGNER_INFO_num(sis), 1);
	for (i = 0; i < X509at_get_attr_count(sk_PKCS7_SIGNER_INFO_value(sis, 0)->auth_attr); i++) {
		X509_ATTRIBUTE *a = X509at_get_attr(sk_PKCS7_SIGNER_INFO_value(sis, 0)->auth_attr, i);
		if (OBJ_obj2nid(X509_ATTRIBUTE_get0_object(a)) == NID_id_smime_aa_signingCertificateV2)
			found_v2 = 1;
		assert_int_not_equal(OBJ_obj2nid(X509_ATTRIBUTE_get0_object(a)), NID_id_smime_aa_signingCertificate);
	}
	assert_true(found_v2);
	TS_RESP_free(r);
	buf_free(&b);
	free(der);
	tsa_signer_free(s);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_serials_unique(void **state)
{
	struct tsa_signer *s = mk_signer("sha256");
	char *ser[200];
	uint8_t *der;
	size_t len, i;
	int granted;

	(void)state;
	len = mk_req(EVP_sha256(), NULL, 1, 0, &der);
	for (i = 0; i < 200; i++) {
		struct buf b;
		TS_RESP *r;
		BIGNUM *bn;
		buf_init(&b, 1 << 16);
		assert_ok(tsa_respond(s, der, len, &b, &granted));
		r = decode(&b);
		bn = ASN1_INTEGER_to_BN(TS_TST_INFO_get_serial(TS_RESP_get_tst_info(r)), NULL);
		ser[i] = BN_bn2hex(bn);
		BN_free(bn);
		TS_RESP_free(r);
		buf_free(&b);
	}
	qsort(ser, 200, sizeof(ser[0]), cmp_str);
	for (i = 1; i < 200; i++)
		assert_string_not_equal(ser[i - 1], ser[i]);
	for (i = 0; i < 200; i++)
		OPENSSL_free(ser[i]);
	free(der);
	tsa_signer_free(s);
}

static void respond_expect_reject(struct tsa_signer *s, const uint8_t *p, size_t len, int failbit)
{
	struct buf b;
	int granted = 1;

	buf_init(&b, 1 << 16);
	assert_ok(tsa_respond(s, p, len, &b, &granted));
	assert_false(granted);
	expect_reject(&b, failbit);
	buf_free(&b);
}

static void test_rejections(void **state)
{
	struct tsa_signer *s = mk_signer("sha256,sha384,sha512");
	static uint8_t buf[8192];
	uint8_t *der;
	size_t len, n;

	(void)state;
	/* Digests we do not accept, a foreign policy. */
	len = mk_req(EVP_sha1(), NULL, 0, 0, &der);
	respond_expect_reject(s, der, len, TSA_FAIL_BAD_ALG);
	free(der);
	len = mk_req(EVP_md5(), NULL, 0, 0, &der);
	respond_expect_reject(s, der, len, TSA_FAIL_BAD_ALG);
	free(der);
	len = mk_req(EVP_sha256(), "1.2.3.4", 0, 0, &der);
	respond_expect_reject(s, der, len, TSA_FAIL_UNACCEPTED_POLICY);
	free(der);
	/* Structure: empty, garbage, every truncation, trailing bytes, BER, too large. */
	len = mk_req(EVP_sha256(), NULL, 77, 1, &der);
	respond_expect_reject(s, (const uint8_t *)"", 0, TSA_FAIL_BAD_DATA_FORMAT);
	respond_expect_reject(s, (const uint8_t *)"\x30\x03\x02\x01\x01", 5, TSA_FAIL_BAD_DATA_FORMAT);
	respond_expect_reject(s, (const uint8_t *)"hello", 5, TSA_FAIL_BAD_DATA_FORMAT);
	for (n = 0; n < len; n++)
		respond_expect_reject(s, der, n, TSA_FAIL_BAD_DATA_FORMAT);
	memcpy(buf, der, len);
	buf[len] = 0;
	respond_expect_reject(s, buf, len + 1, TSA_FAIL_BAD_DATA_FORMAT);
	buf[0] = 0x30;
	buf[1] = 0x81;
	buf[2] = der[1];
	memcpy(buf + 3, der + 2, len - 2);
	respond_expect_reject(s, buf, len + 1, TSA_FAIL_BAD_DATA_FORMAT);
	buf[1] = 0x80;
	memcpy(buf + 2, der + 2, len - 2);
	buf[len] = buf[len + 1] = 0;
	respond_expect_reject(s, buf, len + 2, TSA_FAIL_BAD_DATA_FORMAT);
	memset(buf, 0, sizeof(buf));
	buf[0] = 0x30;
	buf[1] = 0x82;
	buf[2] = (uint8_t)((MAX_TSA_REQ_BYTES + 10) >> 8);
	buf[3] = (uint8_t)(MAX_TSA_REQ_BYTES + 10);
	respond_expect_reject(s, buf, MAX_TSA_REQ_BYTES + 14, TSA_FAIL_BAD_DATA_FORMAT);
	/* certReq FALSE written out (DEFAULT must be omitted in DER). */
	{
		uint8_t *d2;
		size_t l2 = mk_req(EVP_sha256(), NULL, 0, 0, &d2);
		memcpy(buf, d2, l2);
		buf[1] = (uint8_t)(buf[1] + 3);
		memcpy(buf + l2, "\x01\x01\x00", 3);
		respond_expect_reject(s, buf, l2 + 3, TSA_FAIL_BAD_DATA_FORMAT);
		free(d2);
	}
	/* version 2: badRequest (from OpenSSL's checks). */
	memcpy(buf, der, len);
	assert_memory_equal(buf + 2, "\x02\x01\x01", 3);
	buf[4] = 2;
	respond_expect_reject(s, buf, len, TSA_FAIL_BAD_REQUEST);
	/* Imprint of the wrong length for its algorithm: badDataFormat. */
	{
		TS_REQ *r;
		const unsigned char *q = der;
		unsigned char *p = NULL;
		int m;
		r = d2i_TS_REQ(NULL, &q, (long)len);
		assert_int_equal(ASN1_OCTET_STRING_set(TS_MSG_IMPRINT_get_msg(TS_REQ_get_msg_imprint(r)), (const unsigned char *)"short", 5), 1);
		m = i2d_TS_REQ(r, &p);
		respond_expect_reject(s, p, (size_t)m, TSA_FAIL_BAD_DATA_FORMAT);
		OPENSSL_free(p);
		TS_REQ_free(r);
	}
	/* An extension: unacceptedExtension. */
	{
		TS_REQ *r;
		const unsigned char *q = der;
		unsigned char *p = NULL;
		X509_EXTENSION *e;
		ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
		ASN1_OBJECT *obj = OBJ_txt2obj("1.2.3.4", 1);
		int m;
		r = d2i_TS_REQ(NULL, &q, (long)len);
		assert_int_equal(ASN1_OCTET_STRING_set(os, (const unsigned char *)"\x05\x00", 2), 1);
		e = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, os);
		assert_non_null(e);
		assert_int_equal(TS_REQ_add_ext(r, e, -1), 1);
		m = i2d_TS_REQ(r, &p);
		respond_expect_reject(s, p, (size_t)m, TSA_FAIL_UNACCEPTED_EXTENSION);
		ASN1_OBJECT_free(obj);
		X509_EXTENSION_free(e);
		ASN1_OCTET_STRING_free(os);
		OPENSSL_free(p);
		TS_REQ_free(r);
	}
	free(der);
	tsa_signer_free(s);
}

static uint32_t rng = 0x9E3779B9u;
static uint32_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

/* Every bit flip of a good request: always a response that decodes, never a crash or leak. */
static void test_hostile(void **state)
{
	struct tsa_signer *s = mk_signer("sha256,sha384,sha512");
	uint8_t buf[512];
	uint8_t *der;
	size_t len, i, bit;
	int granted;

	(void)state;
	len = mk_req(EVP_sha256(), POLICY, 42, 1, &der);
	for (i = 0; i < len; i++)
		for (bit = 0; bit < 8; bit++) {
			struct buf b;
			TS_RESP *r;
			memcpy(buf, der, len);
			buf[i] ^= (uint8_t)(1u << bit);
			buf_init(&b, 1 << 16);
			assert_ok(tsa_respond(s, buf, len, &b, &granted));
			r = decode(&b);
			assert_int_equal(status_of(r) == TS_STATUS_GRANTED, granted);
			TS_RESP_free(r);
			buf_free(&b);
		}
	for (i = 0; i < 500; i++) {
		struct buf b;
		size_t n = next_rand() % sizeof(buf), k;
		for (k = 0; k < n; k++)
			buf[k] = (uint8_t)next_rand();
		if (n > 0)
			buf[0] = 0x30;
		buf_init(&b, 1 << 16);
		assert_ok(tsa_respond(s, buf, n, &b, &granted));
		buf_free(&b);
	}
	free(der);
	tsa_signer_free(s);
}

static void test_reject_encoding(void **state)
{
	static const enum tsa_fail all[] = { TSA_FAIL_BAD_ALG, TSA_FAIL_BAD_REQUEST, TSA_FAIL_BAD_DATA_FORMAT,
		TSA_FAIL_TIME_NOT_AVAILABLE, TSA_FAIL_UNACCEPTED_POLICY, TSA_FAIL_UNACCEPTED_EXTENSION,
		TSA_FAIL_ADD_INFO_NOT_AVAILABLE, TSA_FAIL_SYSTEM_FAILURE };
	char longtext[1000];
	struct buf b;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		TS_RESP *r;
		const STACK_OF(ASN1_UTF8STRING) *text;
		buf_init(&b, 1024);
		assert_ok(tsa_reject(all[i], "tsa: because", &b));
		expect_reject(&b, (int)all[i]);
		r = decode(&b);
		text = TS_STATUS_INFO_get0_text(TS_RESP_get_status_info(r));
		assert_int_equal(sk_ASN1_UTF8STRING_num(text), 1);
		assert_string_equal((const char *)ASN1_STRING_get0_data(sk_ASN1_UTF8STRING_value(text, 0)), "tsa: because");
		TS_RESP_free(r);
		buf_free(&b);
	}
	/* Long text is cut, the encoding stays valid (long-form lengths). */
	memset(longtext, 'x', sizeof(longtext) - 1);
	longtext[sizeof(longtext) - 1] = '\0';
	buf_init(&b, 1024);
	assert_ok(tsa_reject(TSA_FAIL_BAD_REQUEST, longtext, &b));
	expect_reject(&b, TSA_FAIL_BAD_REQUEST);
	buf_free(&b);
	buf_init(&b, 1024);
	assert_int_equal(tsa_reject((enum tsa_fail)40, "x", &b), TK_ERR_INTERNAL);
	buf_free(&b);
}

static void test_signer_settings(void **state)
{
	struct tsa_settings set = { POLICY, "sha256", "sha256", 1, 0 };
	struct tsa_signer *s = NULL;
	struct key *k = NULL;
	static const char *const bad_digests[] = { "", ",", "md5", "sha256,foo", "sha3-256", "averyveryverylongdigestname" };
	size_t i;

	(void)state;
	/* A certificate without the critical timeStamping EKU is refused (RFC 3161 2.3). */
	assert_int_not_equal(tsa_signer_new(&set, tsa_k, noeku_cert, NULL, &s), TK_OK);
	assert_null(s);
	/* A key that is not the certificate's. */
	assert_int_equal(EVP_PKEY_up_ref(other_key), 1);
	assert_ok(key_from_pkey("other", other_key, &k));
	assert_int_equal(tsa_signer_new(&set, k, tsa_cert, NULL, &s), TK_ERR_CRYPTO);
	key_free(k);
	set.policy_oid = "not an oid";
	assert_int_equal(tsa_signer_new(&set, tsa_k, tsa_cert, NULL, &s), TK_ERR_INVALID);
	set.policy_oid = POLICY;
	for (i = 0; i < sizeof(bad_digests) / sizeof(bad_digests[0]); i++) {
		set.digests = bad_digests[i];
		if (tsa_signer_new(&set, tsa_k, tsa_cert, NULL, &s) == TK_OK)
			fail_msg("digests '%s' accepted", bad_digests[i]);
		assert_null(s);
	}
	/* SHA-1 imprints only when configured. */
	set.digests = "sha1, sha256";
	assert_ok(tsa_signer_new(&set, tsa_k, tsa_cert, NULL, &s));
	{
		uint8_t *der;
		size_t len = mk_req(EVP_sha1(), NULL, 5, 1, &der);
		struct buf b;
		int granted = 0;
		buf_init(&b, 1 << 16);
		assert_ok(tsa_respond(s, der, len, &b, &granted));
		assert_true(granted);
		buf_free(&b);
		free(der);
	}
	tsa_signer_free(s);
	tsa_signer_free(NULL);
}

static void test_corpus(void **state)
{
	const char *src = getenv("TEKEN_SRC");
	struct tsa_signer *s;
	char dir[4096], path[8192];
	struct dirent *e;
	DIR *d;
	size_t seen = 0;

	(void)state;
	if (src == NULL)
		skip();
	assert_ok(str_fmt(dir, sizeof(dir), "%s/fuzz/corpus/fuzz_tsa_req", src));
	if ((d = opendir(dir)) == NULL)
		skip();
	s = mk_signer("sha256,sha384,sha512");
	while ((e = readdir(d)) != NULL) {
		uint8_t *p = NULL;
		size_t len = 0;
		struct buf b;
		enum tsa_fail fail;
		int granted = 0, ok;
		if (e->d_name[0] == '.')
			continue;
		assert_ok(str_fmt(path, sizeof(path), "%s/%s", dir, e->d_name));
		assert_ok(file_read(path, 1 << 20, &p, &len));
		ok = tsa_req_check(p, len, &fail) == TK_OK;
		buf_init(&b, 1 << 16);
		assert_ok(tsa_respond(s, p, len, &b, &granted));
		if (strncmp(e->d_name, "good-", 5) == 0 && !granted)
			fail_msg("%s not granted", e->d_name);
		if (strncmp(e->d_name, "bad-", 4) == 0 && ok)
			fail_msg("%s passes the structural check", e->d_name);
		if (strncmp(e->d_name, "rej-", 4) == 0 && (!ok || granted))
			fail_msg("%s: want a well-formed request that is rejected", e->d_name);
		buf_free(&b);
		free(p);
		seen++;
	}
	closedir(d);
	tsa_signer_free(s);
	assert_true(seen > 0);
}

static void test_alloc_failures(void **state)
{
	struct tsa_signer *s = mk_signer("sha256");
	uint8_t *der;
	size_t len;
	long n;
	int done = 0;

	(void)state;
	len = mk_req(EVP_sha256(), NULL, 9, 1, &der);
	for (n = 1; n < 20000 && !done; n++) {
		struct buf b;
		int granted = 0;
		enum tk_err rc;
		buf_init(&b, 1 << 16);
		alloc_count = 0;
		alloc_fail_at = n;
		rc = tsa_respond(s, der, len, &b, &granted);
		done = alloc_count < n;
		alloc_fail_at = 0;
		if (rc == TK_OK && b.len > 0) {
			TS_RESP *r = decode(&b);
			TS_RESP_free(r);
		}
		/* A grant under failing allocations must still be a token OpenSSL verifies. */
		if (rc == TK_OK && granted)
			verify_token(&b, der, len, 1);
		if (done)
			assert_true(granted);
		buf_free(&b);
		ERR_clear_error();
	}
	assert_true(done);
	free(der);
	tsa_signer_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_granted_verifies),
		cmocka_unit_test(test_tstinfo_fields),
		cmocka_unit_test(test_serials_unique),
		cmocka_unit_test(test_rejections),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_reject_encoding),
		cmocka_unit_test(test_signer_settings),
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_alloc_failures),
	};

	if (!CRYPTO_set_mem_functions(t_malloc, t_realloc, t_free))
		return 1;
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

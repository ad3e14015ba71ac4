/*
 * Tests of src/cms: detached CMS SignedData signing (RSA PKCS#1 v1.5,
 * RSA-PSS, ECDSA; SHA-256/384/512), size estimation, signature timestamps
 * and parsing of hostile input.
 *
 * A throwaway PKI is built here with OpenSSL directly (not src/x509):
 * root (RSA-2048) -> issuing CA (EC P-256) -> signers (RSA-2048, RSA-3072,
 * EC P-256) and a TSA. Outputs are judged by independent oracles:
 * `openssl cms -verify -cades` (signature, chain, signingCertificateV2),
 * `openssl cms -cmsout -print` (which attributes and algorithms are there)
 * and `openssl ts -verify` (the timestamp covers our signature value).
 *
 * With TEKEN_CMS_SEED_DIR set, the test also writes the CMS blobs it makes
 * into that directory (the seed corpus of fuzz/fuzz_cms.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cms/cms.h"

#include <openssl/cms.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ts.h>
#include <openssl/x509v3.h>

#define assert_ok(expr)                                                               \
	do {                                                                          \
		enum tk_err rc_ = (expr);                                             \
		if (rc_ != TK_OK)                                                     \
			fail_msg("%s failed (%d): %s", #expr, (int)rc_, tk_errmsg()); \
	} while (0)

#define assert_err(expr, want)                                                        \
	do {                                                                          \
		enum tk_err rc_ = (expr);                                             \
		if (rc_ != (want))                                                    \
			fail_msg("%s returned %d, expected %d (%s)", #expr, (int)rc_, \
			    (int)(want), tk_errmsg());                                \
	} while (0)

#define CONTENT_LEN (300u * 1024u + 17u)
#define SIG_MAX CMS_MAX_BYTES

enum { S_RSA2048,
	S_RSA3072,
	S_P256,
	NSIGNERS };

/* The throwaway PKI and content, made once for the group; tests only read them. */
static struct {
	char dir[64];
	EVP_PKEY *root_pk, *ca_pk, *tsa_pk, *pk[NSIGNERS];
	X509 *root, *ca, *tsa, *cert[NSIGNERS];
	struct key *key[NSIGNERS];
	uint8_t *content;
	uint8_t digest[CMS_MD_OTHER][CMS_MAX_DIGEST]; /* of content, per enum cms_md */
	int have_openssl;
} G;

/* ---- helpers ---- */

static const char *path(const char *name)
{
	static char p[8][256]; /* a few live at once, e.g. in one command line */
	static unsigned i;
	char *out = p[i++ % 8];

	if (str_fmt(out, sizeof(p[0]), "%s/%s", G.dir, name) != TK_OK)
		fail_msg("path too long");
	return out;
}

static void write_file(const char *name, const void *p, size_t len)
{
	FILE *f = fopen(path(name), "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void seed(const char *name, const struct buf *b)
{
	const char *dir = getenv("TEKEN_CMS_SEED_DIR");
	char p[512];
	FILE *f = NULL;

	if (dir == NULL || *dir == '\0')
		return;
	if (str_fmt(p, sizeof(p), "%s/%s", dir, name) != TK_OK || (f = fopen(p, "wb")) == NULL)
		fail_msg("cannot write seed %s", name);
	assert_int_equal(fwrite(b->p, 1, b->len, f), b->len);
	assert_int_equal(fclose(f), 0);
}

/* Runs cmd with stderr joined to stdout, keeps the output in out; returns the exit status. */
static int run(const char *cmd, char *out, size_t outsz)
{
	char full[4096];
	FILE *f;
	size_t n = 0;
	int st;

	if (str_fmt(full, sizeof(full), "%s 2>&1", cmd) != TK_OK)
		return -1;
	if ((f = popen(full, "r")) == NULL)
		return -1;
	while (n + 1 < outsz) {
		size_t r = fread(out + n, 1, outsz - n - 1, f);
		if (r == 0)
			break;
		n += r;
	}
	out[n] = '\0';
	{
		char sink[4096];
		while (fread(sink, 1, sizeof(sink), f) > 0)
			;
	}
	st = pclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void write_pem_cert(const char *name, X509 *const *certs, size_t n)
{
	FILE *f = fopen(path(name), "w");
	size_t i;

	assert_non_null(f);
	for (i = 0; i < n; i++)
		assert_int_equal(PEM_write_X509(f, certs[i]), 1);
	assert_int_equal(fclose(f), 0);
}

/* The oracle: `openssl cms -verify` of sig against content, trusting only the root; cades: ESS checks too. */
static int oracle_verify_as(const struct buf *sig, const uint8_t *content, size_t len, int cades, char *out, size_t outsz)
{
	char cmd[1024];

	write_file("sig.p7s", sig->p, sig->len);
	write_file("content.bin", content, len);
	if (str_fmt(cmd, sizeof(cmd),
		"openssl cms -verify -binary -inform DER -in '%s' -content '%s' -CAfile '%s' -purpose any %s -out /dev/null",
		path("sig.p7s"), path("content.bin"), path("root.pem"), cades ? "-cades" : "") != TK_OK)
		fail_msg("command too long");
	return run(cmd, out, outsz);
}

static int oracle_verify(const struct buf *sig, const uint8_t *content, size_t len, char *out, size_t outsz)
{
	return oracle_verify_as(sig, content, len, 1, out, outsz);
}

static void oracle_print(const struct buf *sig, char *out, size_t outsz)
{
	char cmd[512];

	write_file("print.p7s", sig->p, sig->len);
	if (str_fmt(cmd, sizeof(cmd), "openssl cms -cmsout -print -inform DER -in '%s'", path("print.p7s")) != TK_OK)
		fail_msg("command too long");
	if (run(cmd, out, outsz) != 0)
		fail_msg("openssl cms -print failed: %s", out);
}

static void expect_oracle_ok(const struct buf *sig, const uint8_t *content, size_t len)
{
	static char out[16384];

	if (!G.have_openssl)
		return;
	if (oracle_verify(sig, content, len, out, sizeof(out)) != 0)
		fail_msg("openssl cms -verify rejected our signature:\n%s", out);
	if (strstr(out, "Verification successful") == NULL)
		fail_msg("openssl cms -verify said:\n%s", out);
}

/* The oracle for signatures without ESS signing-certificate attributes (other signers). */
static void expect_oracle_ok_cms(const struct buf *sig, const uint8_t *content, size_t len)
{
	static char out[16384];

	if (!G.have_openssl)
		return;
	if (oracle_verify_as(sig, content, len, 0, out, sizeof(out)) != 0 || strstr(out, "Verification successful") == NULL)
		fail_msg("openssl cms -verify rejected the signature:\n%s", out);
}

static void expect_oracle_fail(const struct buf *sig, const uint8_t *content, size_t len)
{
	static char out[16384];

	if (!G.have_openssl)
		return;
	if (oracle_verify(sig, content, len, out, sizeof(out)) == 0)
		fail_msg("openssl cms -verify accepted a tampered signature:\n%s", out);
}

static size_t count_str(const char *hay, const char *needle)
{
	size_t n = 0;
	const char *p = hay;

	while ((p = strstr(p, needle)) != NULL) {
		n++;
		p += strlen(needle);
	}
	return n;
}

static const uint8_t *find_bytes(const uint8_t *hay, size_t hlen, const uint8_t *needle, size_t nlen)
{
	size_t i;

	for (i = 0; nlen <= hlen && i + nlen <= hlen; i++)
		if (memcmp(hay + i, needle, nlen) == 0)
			return hay + i;
	return NULL;
}

static void add_ext(X509 *c, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, ctx, nid, value);

	assert_non_null(e);
	assert_int_equal(X509_add_ext(c, e, -1), 1);
	X509_EXTENSION_free(e);
}

/* A certificate made with OpenSSL directly; issuer NULL: self-signed. */
static X509 *make_cert(const char *cn, EVP_PKEY *pub, X509 *issuer, EVP_PKEY *issuer_key, int ca, int tsa, long serial)
{
	X509 *c = X509_new();
	X509_NAME *n = X509_NAME_new();
	X509V3_CTX ctx;

	assert_non_null(c);
	assert_non_null(n);
	assert_int_equal(X509_set_version(c, 2), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(c), serial), 1);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(c), -3600));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(c), 86400L * 365));
	assert_int_equal(X509_NAME_add_entry_by_txt(n, "C", MBSTRING_ASC, (const unsigned char *)"ID", -1, -1, 0), 1);
	assert_int_equal(X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)"teken test", -1, -1, 0), 1);
	assert_int_equal(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0), 1);
	assert_int_equal(X509_set_subject_name(c, n), 1);
	assert_int_equal(X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) : n), 1);
	assert_int_equal(X509_set_pubkey(c, pub), 1);
	X509V3_set_ctx(&ctx, issuer ? issuer : c, c, NULL, NULL, 0);
	add_ext(c, &ctx, NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
	add_ext(c, &ctx, NID_key_usage, ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature,nonRepudiation");
	add_ext(c, &ctx, NID_subject_key_identifier, "hash");
	add_ext(c, &ctx, NID_authority_key_identifier, "keyid:always");
	if (tsa)
		add_ext(c, &ctx, NID_ext_key_usage, "critical,timeStamping");
	assert_true(X509_sign(c, issuer_key, EVP_sha256()) > 0);
	X509_NAME_free(n);
	return c;
}

static EVP_PKEY *gen(const char *alg)
{
	EVP_PKEY *pk = NULL;

	if (key_generate(alg, &pk) != TK_OK)
		fail_msg("key_generate(%s): %s", alg, tk_errmsg());
	return pk;
}

static struct key *wrap(const char *name, EVP_PKEY *pk)
{
	struct key *k = NULL;

	assert_int_equal(EVP_PKEY_up_ref(pk), 1);
	assert_ok(key_from_pkey(name, pk, &k));
	return k;
}

static X509 *const *chain2(void)
{
	static X509 *c[2];

	c[0] = G.ca;
	c[1] = G.root;
	return c;
}

static void sign_buf(int s, enum cms_md md, const struct cms_sign_opts *o, struct buf *out)
{
	buf_init(out, SIG_MAX);
	assert_ok(cms_sign_detached(G.key[s], G.cert[s], chain2(), 2, md, G.content, CONTENT_LEN, o, out));
}

/* An RFC 3161 token over data from the test TSA, made with OpenSSL's TS responder. */
static void make_token(const uint8_t *data, size_t len, enum cms_md md, struct buf *out)
{
	TS_REQ *req = TS_REQ_new();
	TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
	X509_ALGOR *alg = X509_ALGOR_new();
	TS_RESP_CTX *ctx = TS_RESP_CTX_new();
	ASN1_OBJECT *policy = OBJ_txt2obj("1.3.6.1.4.1.99999.1", 1);
	STACK_OF(X509) *certs = sk_X509_new_null();
	BIO *bio = BIO_new(BIO_s_mem());
	TS_RESP *resp;
	uint8_t h[CMS_MAX_DIGEST], *der = NULL;
	size_t hn = 0;
	int n;

	assert_true(req && mi && alg && ctx && policy && certs && bio);
	X509_ALGOR_set_md(alg, cms_md_evp(md));
	assert_int_equal(TS_MSG_IMPRINT_set_algo(mi, alg), 1);
	assert_ok(cms_digest(md, data, len, h, &hn));
	assert_int_equal(TS_MSG_IMPRINT_set_msg(mi, h, (int)hn), 1);
	assert_int_equal(TS_REQ_set_version(req, 1), 1);
	assert_int_equal(TS_REQ_set_msg_imprint(req, mi), 1);
	assert_int_equal(TS_REQ_set_cert_req(req, 1), 1);
	assert_true(i2d_TS_REQ_bio(bio, req) > 0);
	assert_int_equal(TS_RESP_CTX_set_signer_cert(ctx, G.tsa), 1);
	assert_int_equal(TS_RESP_CTX_set_signer_key(ctx, G.tsa_pk), 1);
	assert_int_equal(TS_RESP_CTX_set_signer_digest(ctx, EVP_sha256()), 1);
	assert_int_equal(TS_RESP_CTX_set_def_policy(ctx, policy), 1);
	assert_int_equal(sk_X509_push(certs, G.ca), 1);
	assert_int_equal(TS_RESP_CTX_set_certs(ctx, certs), 1);
	assert_int_equal(TS_RESP_CTX_add_md(ctx, cms_md_evp(md)), 1);
	resp = TS_RESP_create_response(ctx, bio);
	assert_non_null(resp);
	assert_int_equal(ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(resp))), 0);
	n = i2d_PKCS7(TS_RESP_get_token(resp), &der);
	assert_true(n > 0);
	buf_init(out, CMS_MAX_TOKEN_BYTES);
	assert_ok(buf_append(out, der, (size_t)n));
	OPENSSL_free(der);
	TS_RESP_free(resp);
	BIO_free(bio);
	sk_X509_free(certs);
	ASN1_OBJECT_free(policy);
	TS_RESP_CTX_free(ctx);
	X509_ALGOR_free(alg);
	TS_MSG_IMPRINT_free(mi);
	TS_REQ_free(req);
}

/* ---- fixture ---- */

static int group_setup(void **state)
{
	static const char *const algs[NSIGNERS] = { "rsa2048", "rsa3072", "ec-p256" };
	static const char *const names[NSIGNERS] = { "Signer RSA-2048", "Signer RSA-3072", "Signer P-256" };
	size_t i, n;
	enum cms_md m;

	(void)state;
	if (str_copy(G.dir, sizeof(G.dir), "/tmp/teken-cms-XXXXXX") != TK_OK || mkdtemp(G.dir) == NULL)
		return -1;
	G.have_openssl = system("openssl version >/dev/null 2>&1") == 0;
	if (!G.have_openssl)
		fprintf(stderr, "test_cms: openssl CLI missing; oracle checks skipped\n");
	G.root_pk = gen("rsa2048");
	G.ca_pk = gen("ec-p256");
	G.tsa_pk = gen("rsa2048");
	G.root = make_cert("Test Root CA", G.root_pk, NULL, G.root_pk, 1, 0, 1);
	G.ca = make_cert("Test Issuing CA", G.ca_pk, G.root, G.root_pk, 1, 0, 2);
	G.tsa = make_cert("Test TSA", G.tsa_pk, G.ca, G.ca_pk, 0, 1, 3);
	for (i = 0; i < NSIGNERS; i++) {
		G.pk[i] = gen(algs[i]);
		G.cert[i] = make_cert(names[i], G.pk[i], G.ca, G.ca_pk, 0, 0, (long)(10 + i));
		G.key[i] = wrap(algs[i], G.pk[i]);
	}
	if ((G.content = malloc(CONTENT_LEN)) == NULL || RAND_bytes(G.content, (int)CONTENT_LEN) != 1)
		return -1;
	memcpy(G.content, "%PDF-1.7\n", 9);
	for (m = CMS_MD_SHA256; m < CMS_MD_OTHER; m++)
		if (cms_digest(m, G.content, CONTENT_LEN, G.digest[m], &n) != TK_OK)
			return -1;
	{
		X509 *root[1] = { G.root };
		X509 *tsa[2] = { G.tsa, G.ca };
		write_pem_cert("root.pem", root, 1);
		write_pem_cert("tsa-chain.pem", tsa, 2);
	}
	return 0;
}

static int group_teardown(void **state)
{
	char cmd[128];
	size_t i;

	(void)state;
	for (i = 0; i < NSIGNERS; i++) {
		key_free(G.key[i]);
		X509_free(G.cert[i]);
		EVP_PKEY_free(G.pk[i]);
	}
	X509_free(G.root);
	X509_free(G.ca);
	X509_free(G.tsa);
	EVP_PKEY_free(G.root_pk);
	EVP_PKEY_free(G.ca_pk);
	EVP_PKEY_free(G.tsa_pk);
	free(G.content);
	if (G.dir[0] != '\0' && str_fmt(cmd, sizeof(cmd), "rm -rf '%s'", G.dir) == TK_OK && system(cmd) != 0)
		return -1;
	return 0;
}

/* ---- tests ---- */

static void test_md_helpers(void **state)
{
	enum cms_md m = CMS_MD_OTHER;

	(void)state;
	assert_string_equal(cms_md_name(CMS_MD_SHA384), "sha384");
	assert_int_equal(cms_md_size(CMS_MD_SHA512), 64);
	assert_int_equal(cms_md_size(CMS_MD_OTHER), 0);
	assert_null(cms_md_evp(CMS_MD_OTHER));
	assert_ok(cms_md_parse("sha512", &m));
	assert_int_equal(m, CMS_MD_SHA512);
	assert_err(cms_md_parse("sha1", &m), TK_ERR_INVALID);
	/* Read from others' signatures, never signed with. */
	assert_err(cms_md_parse("sha3-256", &m), TK_ERR_INVALID);
	assert_string_equal(cms_md_name(CMS_MD_SHA3_384), "sha3-384");
	assert_int_equal(cms_md_size(CMS_MD_SHA3_256), 32);
	assert_int_equal(cms_md_size(CMS_MD_SHA1), 20);
	assert_ptr_equal(cms_md_evp(CMS_MD_SHA3_512), EVP_sha3_512());
	assert_string_equal(cms_sig_name(CMS_SIG_RSA_PSS), "rsa-pss");
	assert_string_equal(cms_sig_name(CMS_SIG_ECDSA_PLAIN), "ecdsa-plain");
	{
		struct buf b;
		buf_init(&b, SIG_MAX);
		assert_err(cms_sign_digest(G.key[S_RSA2048], G.cert[S_RSA2048], NULL, 0, CMS_MD_SHA3_256, G.digest[CMS_MD_SHA3_256], 32,
			       NULL, &b),
		    TK_ERR_INVALID);
		assert_err(cms_sign_digest(G.key[S_RSA2048], G.cert[S_RSA2048], NULL, 0, CMS_MD_SHA1, G.digest[CMS_MD_SHA1], 20, NULL, &b),
		    TK_ERR_INVALID);
		assert_int_equal(b.len, 0);
		buf_free(&b);
	}
}

/* Common checks on what cms_parse() says about one of our signatures. */
static void check_parsed(const struct buf *sig, int s, enum cms_md md, enum cms_sig alg, size_t ncerts,
    int signing_time)
{
	struct cms_info *info = NULL;
	uint8_t bad[CMS_MAX_DIGEST];
	uint8_t h[32];
	unsigned int hn = 0;

	assert_ok(cms_parse(sig->p, sig->len, &info));
	assert_int_equal(info->n_signers, 1);
	assert_int_equal(info->econtent_nid, NID_pkcs7_data);
	assert_true(info->detached);
	assert_non_null(info->signer);
	assert_int_equal(X509_cmp(info->signer, G.cert[s]), 0);
	assert_int_equal((size_t)sk_X509_num(info->certs), ncerts);
	assert_int_equal(info->md, md);
	assert_int_equal(info->sig, alg);
	assert_true(info->has_signed_attrs);
	assert_true(info->has_content_type);
	assert_int_equal(info->content_type_nid, NID_pkcs7_data);
	assert_true(info->has_message_digest);
	assert_int_equal(info->message_digest_len, cms_md_size(md));
	assert_memory_equal(info->message_digest, G.digest[md], cms_md_size(md));
	assert_int_equal(info->has_signing_time, signing_time);
	assert_true(info->has_signing_cert_v2);
	assert_true(info->signing_cert_v2_match);
	assert_int_equal(info->signing_cert_v2_nid, NID_sha256);
	assert_int_equal(X509_digest(G.cert[s], EVP_sha256(), h, &hn), 1);
	assert_int_equal(info->signing_cert_v2_hash_len, 32);
	assert_memory_equal(info->signing_cert_v2_hash, h, 32);
	assert_false(info->has_signing_cert);
	assert_int_equal(info->n_signed_attrs, signing_time ? 4 : 3);
	assert_int_equal(info->n_timestamps, 0);
	assert_ok(cms_verify_signature(info, G.digest[md], cms_md_size(md)));
	/* Another content: messageDigest differs. */
	memcpy(bad, G.digest[md], sizeof(bad));
	bad[0] ^= 1;
	assert_err(cms_verify_signature(info, bad, cms_md_size(md)), TK_ERR_CRYPTO);
	assert_non_null(strstr(tk_errmsg(), "messageDigest"));
	assert_err(cms_verify_signature(info, G.digest[md], cms_md_size(md) - 1), TK_ERR_CRYPTO);
	cms_info_free(info);
}

/* The PAdES baseline default: SHA-256, PKCS#1 v1.5, no signingTime, no root. */
static void test_rsa2048_default(void **state)
{
	static char out[65536];
	struct buf sig;

	(void)state;
	sign_buf(S_RSA2048, CMS_MD_SHA256, NULL, &sig);
	seed("rsa2048-sha256.p7s", &sig);
	check_parsed(&sig, S_RSA2048, CMS_MD_SHA256, CMS_SIG_RSA_PKCS1, 2, 0);
	expect_oracle_ok(&sig, G.content, CONTENT_LEN);
	if (G.have_openssl) {
		oracle_print(&sig, out, sizeof(out));
		assert_null(strstr(out, "signingTime"));
		assert_null(strstr(out, "SMIMECapabilities"));
		assert_non_null(strstr(out, "id-smime-aa-signingCertificateV2"));
		assert_non_null(strstr(out, "contentType"));
		assert_non_null(strstr(out, "messageDigest"));
		assert_non_null(strstr(out, "algorithm: sha256 (2.16.840.1.101.3.4.2.1)"));
		assert_non_null(strstr(out, "algorithm: rsaEncryption"));
		assert_int_equal(count_str(out, "cert_info:"), 2);
	}
	buf_free(&sig);
}

static void test_rsa3072_pss_sha384(void **state)
{
	static char out[65536];
	struct cms_sign_opts o = { .rsa_pss = 1, .include_root = 1 };
	struct cms_info *info = NULL;
	struct buf sig;

	(void)state;
	sign_buf(S_RSA3072, CMS_MD_SHA384, &o, &sig);
	seed("rsa3072-pss-sha384.p7s", &sig);
	check_parsed(&sig, S_RSA3072, CMS_MD_SHA384, CMS_SIG_RSA_PSS, 3, 0);
	assert_ok(cms_parse(sig.p, sig.len, &info));
	assert_int_equal(info->pss_md, CMS_MD_SHA384);
	assert_int_equal(info->pss_mgf1_md, CMS_MD_SHA384);
	assert_int_equal(info->pss_salt_len, 48);
	assert_int_equal(info->signature_len, 384);
	cms_info_free(info);
	expect_oracle_ok(&sig, G.content, CONTENT_LEN);
	if (G.have_openssl) {
		oracle_print(&sig, out, sizeof(out));
		assert_null(strstr(out, "signingTime"));
		assert_non_null(strstr(out, "id-smime-aa-signingCertificateV2"));
		assert_non_null(strstr(out, "algorithm: rsassaPss"));
		assert_non_null(strstr(out, "mgf1"));
		assert_non_null(strstr(out, "algorithm: sha384 (2.16.840.1.101.3.4.2.2)"));
		assert_int_equal(count_str(out, "cert_info:"), 3);
	}
	buf_free(&sig);
}

static void test_ec_p256_sha512(void **state)
{
	static char out[65536];
	struct buf sig;

	(void)state;
	sign_buf(S_P256, CMS_MD_SHA512, NULL, &sig);
	seed("p256-sha512.p7s", &sig);
	check_parsed(&sig, S_P256, CMS_MD_SHA512, CMS_SIG_ECDSA, 2, 0);
	expect_oracle_ok(&sig, G.content, CONTENT_LEN);
	if (G.have_openssl) {
		oracle_print(&sig, out, sizeof(out));
		assert_null(strstr(out, "signingTime"));
		assert_non_null(strstr(out, "id-smime-aa-signingCertificateV2"));
		assert_non_null(strstr(out, "algorithm: ecdsa-with-SHA512"));
		assert_non_null(strstr(out, "algorithm: sha512 (2.16.840.1.101.3.4.2.3)"));
	}
	buf_free(&sig);
}

/* Every key with every digest and padding verifies with the oracle. */
static void test_matrix(void **state)
{
	enum cms_md m;
	int s, pss;

	(void)state;
	for (s = 0; s < NSIGNERS; s++) {
		for (m = CMS_MD_SHA256; m <= CMS_MD_SHA512; m++) {
			for (pss = 0; pss <= (s == S_P256 ? 0 : 1); pss++) {
				struct cms_sign_opts o = { .rsa_pss = pss };
				struct buf sig;
				sign_buf(s, m, &o, &sig);
				check_parsed(&sig, s, m, s == S_P256 ? CMS_SIG_ECDSA : pss ? CMS_SIG_RSA_PSS
											   : CMS_SIG_RSA_PKCS1,
				    2, 0);
				expect_oracle_ok(&sig, G.content, CONTENT_LEN);
				buf_free(&sig);
			}
		}
	}
}

/* CAdES may state a signing time; PAdES never gets one by default. */
static void test_signing_time_option(void **state)
{
	static char out[65536];
	struct cms_sign_opts o = { .signing_time = 1, .signing_time_at = 1767225600 }; /* 2026-01-01T00:00:00Z */
	struct cms_info *info = NULL;
	struct buf sig;

	(void)state;
	sign_buf(S_RSA2048, CMS_MD_SHA256, &o, &sig);
	seed("rsa2048-signingtime.p7s", &sig);
	check_parsed(&sig, S_RSA2048, CMS_MD_SHA256, CMS_SIG_RSA_PKCS1, 2, 1);
	assert_ok(cms_parse(sig.p, sig.len, &info));
	assert_int_equal(info->signing_time, 1767225600);
	cms_info_free(info);
	expect_oracle_ok(&sig, G.content, CONTENT_LEN);
	if (G.have_openssl) {
		oracle_print(&sig, out, sizeof(out));
		assert_non_null(strstr(out, "signingTime"));
		assert_non_null(strstr(out, "UTCTIME:Jan  1 00:00:00 2026 GMT"));
	}
	buf_free(&sig);
}

struct chunks {
	const uint8_t *p;
	size_t len, off, step;
	int fail_at; /* fail on this call (0: never) */
	int calls;
};

static enum tk_err next_chunk(void *arg, const uint8_t **p, size_t *len)
{
	struct chunks *c = arg;
	size_t n;

	if (++c->calls == c->fail_at)
		return tk_fail(TK_ERR_IO, "test: read error");
	n = c->len - c->off < c->step ? c->len - c->off : c->step;
	*p = c->p + c->off;
	*len = n;
	c->off += n;
	return TK_OK;
}

/* Streaming over byte ranges gives the same signature as the whole buffer (PKCS#1 v1.5 is deterministic). */
static void test_stream(void **state)
{
	struct chunks c = { G.content, CONTENT_LEN, 0, 4093, 0, 0 };
	struct buf a, b;
	uint8_t d[CMS_MAX_DIGEST];
	size_t dn = 0;

	(void)state;
	sign_buf(S_RSA2048, CMS_MD_SHA256, NULL, &a);
	buf_init(&b, SIG_MAX);
	assert_ok(cms_sign_stream(G.key[S_RSA2048], G.cert[S_RSA2048], chain2(), 2, CMS_MD_SHA256, next_chunk, &c, NULL, &b));
	assert_true(c.calls > 70);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.p, b.p, a.len);
	/* A precomputed digest gives the same bytes again. */
	b.len = 0;
	assert_ok(cms_sign_digest(G.key[S_RSA2048], G.cert[S_RSA2048], chain2(), 2, CMS_MD_SHA256,
	    G.digest[CMS_MD_SHA256], 32, NULL, &b));
	assert_memory_equal(a.p, b.p, a.len);
	/* The reader's error comes through. */
	c.off = 0;
	c.calls = 0;
	c.fail_at = 3;
	assert_err(cms_digest_stream(CMS_MD_SHA256, next_chunk, &c, d, &dn), TK_ERR_IO);
	b.len = 0;
	c.off = 0;
	c.calls = 0;
	assert_err(cms_sign_stream(G.key[S_RSA2048], G.cert[S_RSA2048], NULL, 0, CMS_MD_SHA256, next_chunk, &c, NULL, &b),
	    TK_ERR_IO);
	assert_int_equal(b.len, 0);
	/* Empty content is content too. */
	assert_ok(cms_sign_detached(G.key[S_P256], G.cert[S_P256], chain2(), 2, CMS_MD_SHA256, NULL, 0, NULL, &b));
	expect_oracle_ok(&b, (const uint8_t *)"", 0);
	buf_free(&a);
	buf_free(&b);
}

static void test_tamper(void **state)
{
	struct cms_info *info = NULL;
	struct buf sig, t;
	uint8_t *content;
	const uint8_t *sv, *sa, *md;
	size_t svl, sal;
	int s;

	(void)state;
	for (s = 0; s < NSIGNERS; s++) {
		sign_buf(s, CMS_MD_SHA256, NULL, &sig);
		/* Content changed after signing. */
		content = malloc(CONTENT_LEN);
		assert_non_null(content);
		memcpy(content, G.content, CONTENT_LEN);
		content[CONTENT_LEN / 2] ^= 0x20;
		expect_oracle_fail(&sig, content, CONTENT_LEN);
		free(content);

		/* Signature value changed. */
		buf_init(&t, SIG_MAX);
		assert_ok(buf_append(&t, sig.p, sig.len));
		assert_ok(cms_signature_value(t.p, t.len, &sv, &svl));
		t.p[(size_t)(sv - t.p) + svl / 2] ^= 0x01;
		assert_ok(cms_parse(t.p, t.len, &info));
		assert_err(cms_verify_signature(info, G.digest[CMS_MD_SHA256], 32), TK_ERR_CRYPTO);
		assert_non_null(strstr(tk_errmsg(), "signature does not verify"));
		cms_info_free(info);
		expect_oracle_fail(&t, G.content, CONTENT_LEN);

		/* messageDigest changed in place (and the content to match): the signature breaks. */
		t.len = 0;
		assert_ok(buf_append(&t, sig.p, sig.len));
		assert_ok(cms_signed_attrs(t.p, t.len, &sa, &sal));
		md = find_bytes(sa, sal, G.digest[CMS_MD_SHA256], 32);
		assert_non_null(md);
		t.p[(size_t)(md - t.p)] ^= 0x80;
		assert_ok(cms_parse(t.p, t.len, &info));
		{
			uint8_t d2[32];
			memcpy(d2, G.digest[CMS_MD_SHA256], 32);
			d2[0] ^= 0x80;
			assert_err(cms_verify_signature(info, d2, 32), TK_ERR_CRYPTO);
			assert_non_null(strstr(tk_errmsg(), "signature does not verify"));
		}
		cms_info_free(info);
		expect_oracle_fail(&t, G.content, CONTENT_LEN);

		/* signingCertificateV2 hash changed: names another certificate. */
		t.len = 0;
		assert_ok(buf_append(&t, sig.p, sig.len));
		{
			uint8_t h[32];
			unsigned int hn = 0;
			const uint8_t *hp;
			assert_int_equal(X509_digest(G.cert[s], EVP_sha256(), h, &hn), 1);
			assert_ok(cms_signed_attrs(t.p, t.len, &sa, &sal));
			hp = find_bytes(sa, sal, h, 32);
			assert_non_null(hp);
			t.p[(size_t)(hp - t.p) + 31] ^= 0x01;
		}
		assert_ok(cms_parse(t.p, t.len, &info));
		assert_true(info->has_signing_cert_v2);
		assert_false(info->signing_cert_v2_match);
		assert_err(cms_verify_signature(info, G.digest[CMS_MD_SHA256], 32), TK_ERR_CRYPTO);
		assert_non_null(strstr(tk_errmsg(), "RFC 5035"));
		cms_info_free(info);
		expect_oracle_fail(&t, G.content, CONTENT_LEN);
		buf_free(&t);
		buf_free(&sig);
	}
}

/* Flipping any byte of the SignerInfo or the signer certificate never leaves a valid signature. */
static void test_bitflips(void **state)
{
	struct buf sig, t;
	const uint8_t *sa, *sv, *cert;
	size_t sal, svl, i, lo, hi, clo, chi, passed = 0, parsed = 0;
	uint8_t *cder = NULL;
	int cl;

	(void)state;
	sign_buf(S_P256, CMS_MD_SHA256, NULL, &sig);
	assert_ok(cms_signed_attrs(sig.p, sig.len, &sa, &sal));
	assert_ok(cms_signature_value(sig.p, sig.len, &sv, &svl));
	lo = (size_t)(sa - sig.p);
	hi = (size_t)(sv - sig.p) + svl;
	cl = i2d_X509(G.cert[S_P256], &cder);
	assert_true(cl > 0);
	cert = find_bytes(sig.p, sig.len, cder, (size_t)cl);
	assert_non_null(cert);
	clo = (size_t)(cert - sig.p);
	chi = clo + (size_t)cl;
	OPENSSL_free(cder);
	buf_init(&t, SIG_MAX);
	assert_ok(buf_append(&t, sig.p, sig.len));
	for (i = 0; i < sig.len; i++) {
		static const uint8_t masks[] = { 0x01, 0x80, 0xff };
		size_t j;
		for (j = 0; j < sizeof(masks); j++) {
			struct cms_info *info = NULL;
			t.p[i] ^= masks[j];
			if (cms_parse(t.p, t.len, &info) == TK_OK) {
				parsed++;
				if (cms_verify_signature(info, G.digest[CMS_MD_SHA256], 32) == TK_OK) {
					passed++;
					if ((i >= lo && i < hi) || (i >= clo && i < chi))
						fail_msg("flip 0x%02x at %zu (signed part) still verifies", masks[j], i);
				}
			} else {
				assert_true(tk_errmsg()[0] != '\0');
			}
			cms_info_free(info);
			t.p[i] ^= masks[j];
		}
	}
	assert_true(parsed > 0);
	(void)passed;
	buf_free(&t);
	buf_free(&sig);
}

static void test_timestamp(void **state)
{
	static char out[65536];
	struct buf sig, tok, tok2, ts1, ts2, other;
	struct cms_info *info = NULL;
	const uint8_t *sv, *sv2;
	size_t svl, svl2, est = 0;
	CMS_ContentInfo *cms;
	const uint8_t *q;

	(void)state;
	sign_buf(S_RSA2048, CMS_MD_SHA256, NULL, &sig);
	assert_ok(cms_signature_value(sig.p, sig.len, &sv, &svl));
	assert_int_equal(svl, 256);
	/* Cross-check the signature value with OpenSSL's own decoder. */
	q = sig.p;
	cms = d2i_CMS_ContentInfo(NULL, &q, (long)sig.len);
	assert_non_null(cms);
	{
		ASN1_OCTET_STRING *os = CMS_SignerInfo_get0_signature(sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0));
		assert_int_equal((size_t)os->length, svl);
		assert_memory_equal(os->data, sv, svl);
	}
	CMS_ContentInfo_free(cms);

	make_token(sv, svl, CMS_MD_SHA256, &tok);
	{
		/* fuzz_cms reads a SignedData followed by a token for it as a timestamp to add. */
		struct buf pair;
		buf_init(&pair, SIG_MAX);
		assert_ok(buf_append(&pair, sig.p, sig.len));
		assert_ok(buf_append(&pair, tok.p, tok.len));
		seed("rsa2048-sig-then-token.bin", &pair);
		buf_free(&pair);
	}
	buf_init(&ts1, SIG_MAX);
	assert_ok(cms_add_unsigned_attr_timestamp(sig.p, sig.len, tok.p, tok.len, &ts1));
	seed("rsa2048-timestamped.p7s", &ts1);
	/* Everything signed stays as it was. */
	assert_ok(cms_signature_value(ts1.p, ts1.len, &sv2, &svl2));
	assert_int_equal(svl2, svl);
	assert_memory_equal(sv2, sv, svl);
	assert_ok(cms_parse(ts1.p, ts1.len, &info));
	assert_int_equal(info->n_timestamps, 1);
	assert_int_equal(info->timestamps[0].len, tok.len);
	assert_memory_equal(info->timestamps[0].der, tok.p, tok.len);
	assert_int_equal(info->n_unsigned_attrs, 1);
	assert_ok(cms_verify_signature(info, G.digest[CMS_MD_SHA256], 32));
	cms_info_free(info);
	expect_oracle_ok(&ts1, G.content, CONTENT_LEN);
	if (G.have_openssl) {
		char cmd[1024];
		oracle_print(&ts1, out, sizeof(out));
		assert_non_null(strstr(out, "id-smime-aa-timeStampToken"));
		/* The token is over exactly the bytes cms_signature_value() gives. */
		write_file("sigvalue.bin", sv2, svl2);
		write_file("token.der", tok.p, tok.len);
		assert_ok(str_fmt(cmd, sizeof(cmd),
		    "openssl ts -verify -data '%s' -in '%s' -token_in -CAfile '%s' -untrusted '%s'", path("sigvalue.bin"),
		    path("token.der"), path("root.pem"), path("tsa-chain.pem")));
		if (run(cmd, out, sizeof(out)) != 0 || strstr(out, "Verification: OK") == NULL)
			fail_msg("openssl ts -verify: %s", out);
	}

	/* A second timestamp (SHA-512 imprint) goes next to the first. */
	make_token(sv, svl, CMS_MD_SHA512, &tok2);
	buf_init(&ts2, SIG_MAX);
	assert_ok(cms_add_unsigned_attr_timestamp(ts1.p, ts1.len, tok2.p, tok2.len, &ts2));
	assert_ok(cms_parse(ts2.p, ts2.len, &info));
	assert_int_equal(info->n_timestamps, 2);
	assert_int_equal(info->n_unsigned_attrs, 2);
	assert_ok(cms_verify_signature(info, G.digest[CMS_MD_SHA256], 32));
	cms_info_free(info);
	expect_oracle_ok(&ts2, G.content, CONTENT_LEN);

	/* The room cms_estimate_size() leaves for a token is enough. */
	assert_ok(cms_estimate_size(G.key[S_RSA2048], G.cert[S_RSA2048], chain2(), 2, CMS_MD_SHA256, NULL, tok.len, 0,
	    &est));
	assert_true(est >= ts1.len);
	assert_true(est - ts1.len < 64);

	/* A token over other bytes is refused, and so is garbage. */
	make_token((const uint8_t *)"other", 5, CMS_MD_SHA256, &other);
	ts2.len = 0;
	assert_err(cms_add_unsigned_attr_timestamp(sig.p, sig.len, other.p, other.len, &ts2), TK_ERR_CRYPTO);
	assert_non_null(strstr(tk_errmsg(), "messageImprint"));
	assert_int_equal(ts2.len, 0);
	assert_err(cms_add_unsigned_attr_timestamp(sig.p, sig.len, (const uint8_t *)"\x30\x03\x02\x01\x01", 5, &ts2),
	    TK_ERR_INVALID);
	assert_err(cms_add_unsigned_attr_timestamp(sig.p, sig.len, tok.p, tok.len - 1, &ts2), TK_ERR_INVALID);
	assert_err(cms_add_unsigned_attr_timestamp(sig.p, sig.len, NULL, 0, &ts2), TK_ERR_INVALID);
	/* The input must itself be good. */
	assert_err(cms_add_unsigned_attr_timestamp(sig.p, sig.len - 1, tok.p, tok.len, &ts2), TK_ERR_INVALID);
	/* Our own signature as a "token" is not a TimeStampToken. */
	assert_err(cms_add_unsigned_attr_timestamp(sig.p, sig.len, sig.p, sig.len, &ts2), TK_ERR_INVALID);
	assert_int_equal(ts2.len, 0);

	buf_free(&sig);
	buf_free(&tok);
	buf_free(&tok2);
	buf_free(&other);
	buf_free(&ts1);
	buf_free(&ts2);
}

static void test_estimate(void **state)
{
	int s, pss, st;
	enum cms_md m;

	(void)state;
	for (s = 0; s < NSIGNERS; s++) {
		for (m = CMS_MD_SHA256; m <= CMS_MD_SHA512; m++) {
			for (pss = 0; pss <= (s == S_P256 ? 0 : 1); pss++) {
				for (st = 0; st <= 1; st++) {
					struct cms_sign_opts o = { .rsa_pss = pss, .signing_time = st, .include_root = st };
					struct buf sig;
					size_t est = 0, est2 = 0;
					assert_ok(cms_estimate_size(G.key[s], G.cert[s], chain2(), 2, m, &o, 0, 0, &est));
					sign_buf(s, m, &o, &sig);
					assert_true(est >= sig.len);
					/* RSA signatures have a fixed size; ECDSA ones vary by a few bytes. */
					assert_true(est - sig.len <= (s == S_P256 ? 8u : 0u));
					assert_ok(cms_estimate_size(G.key[s], G.cert[s], chain2(), 2, m, &o, 6000, 10000, &est2));
					assert_true(est2 >= est + 16000);
					buf_free(&sig);
				}
			}
		}
	}
	{
		size_t est = 0;
		assert_err(cms_estimate_size(G.key[0], G.cert[0], NULL, 0, CMS_MD_SHA256, NULL, CMS_MAX_TOKEN_BYTES + 1, 0,
			       &est),
		    TK_ERR_LIMIT);
		assert_err(cms_estimate_size(G.key[0], G.cert[0], NULL, 0, CMS_MD_SHA256, NULL, 0, CMS_MAX_BYTES, &est),
		    TK_ERR_LIMIT);
	}
}

static void test_bad_args(void **state)
{
	struct cms_sign_opts pss = { .rsa_pss = 1 };
	X509 *many[MAX_CHAIN_DEPTH + 1];
	struct buf b;
	size_t i;

	(void)state;
	buf_init(&b, SIG_MAX);
	assert_err(cms_sign_digest(G.key[S_P256], G.cert[S_P256], NULL, 0, CMS_MD_SHA256, G.digest[0], 32, &pss, &b),
	    TK_ERR_INVALID);
	assert_non_null(strstr(tk_errmsg(), "RSA-PSS"));
	assert_err(cms_sign_digest(G.key[S_RSA2048], G.cert[S_RSA2048], NULL, 0, CMS_MD_SHA256, G.digest[0], 31, NULL, &b),
	    TK_ERR_INVALID);
	assert_err(cms_sign_digest(G.key[S_RSA2048], G.cert[S_RSA2048], NULL, 0, CMS_MD_SHA384, G.digest[0], 32, NULL, &b),
	    TK_ERR_INVALID);
	assert_err(cms_sign_digest(G.key[S_RSA2048], G.cert[S_RSA2048], NULL, 0, CMS_MD_OTHER, G.digest[0], 32, NULL, &b),
	    TK_ERR_INVALID);
	assert_err(cms_sign_digest(G.key[S_RSA2048], G.cert[S_RSA3072], NULL, 0, CMS_MD_SHA256, G.digest[0], 32, NULL, &b),
	    TK_ERR_INVALID);
	assert_non_null(strstr(tk_errmsg(), "does not belong"));
	assert_err(cms_sign_digest(NULL, G.cert[S_RSA2048], NULL, 0, CMS_MD_SHA256, G.digest[0], 32, NULL, &b),
	    TK_ERR_INVALID);
	for (i = 0; i < MAX_CHAIN_DEPTH + 1; i++)
		many[i] = G.ca;
	assert_err(cms_sign_digest(G.key[S_RSA2048], G.cert[S_RSA2048], many, MAX_CHAIN_DEPTH + 1, CMS_MD_SHA256,
		       G.digest[0], 32, NULL, &b),
	    TK_ERR_LIMIT);
	assert_int_equal(b.len, 0);
	/* Duplicates in the chain are embedded once. */
	assert_ok(cms_sign_digest(G.key[S_RSA2048], G.cert[S_RSA2048], many, 3, CMS_MD_SHA256, G.digest[0], 32, NULL, &b));
	{
		struct cms_info *info = NULL;
		assert_ok(cms_parse(b.p, b.len, &info));
		assert_int_equal(sk_X509_num(info->certs), 2);
		cms_info_free(info);
	}
	/* The output buffer's limit is honoured. */
	{
		struct buf small;
		buf_init(&small, 100);
		assert_err(cms_sign_digest(G.key[S_RSA2048], G.cert[S_RSA2048], NULL, 0, CMS_MD_SHA256, G.digest[0], 32, NULL,
			       &small),
		    TK_ERR_LIMIT);
		buf_free(&small);
	}
	buf_free(&b);
}

/* Signatures made by the openssl CLI (signingTime, SMIME capabilities, keyid, attached) parse and verify. */
static void test_openssl_made(void **state)
{
	static char out[16384];
	static const struct {
		const char *flags;
		int cades, keyid, attached;
	} v[] = {
		{ "", 0, 0, 0 },
		{ "-cades", 1, 0, 0 },
		{ "-keyid -md sha384", 0, 1, 0 },
		{ "-nodetach -cades", 1, 0, 1 },
	};
	FILE *f;
	size_t i;

	(void)state;
	if (!G.have_openssl)
		skip();
	f = fopen(path("signer.key"), "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_PrivateKey(f, G.pk[S_RSA2048], NULL, NULL, 0, NULL, NULL), 1);
	assert_int_equal(fclose(f), 0);
	write_pem_cert("signer.pem", &G.cert[S_RSA2048], 1);
	write_pem_cert("ca.pem", &G.ca, 1);
	write_file("content.bin", G.content, CONTENT_LEN);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char cmd[1024];
		uint8_t *der = NULL;
		size_t len = 0;
		struct cms_info *info = NULL;
		struct buf b;
		assert_ok(str_fmt(cmd, sizeof(cmd),
		    "openssl cms -sign -binary %s -in '%s' -signer '%s' -inkey '%s' -certfile '%s' -outform DER -out '%s'",
		    v[i].flags, path("content.bin"), path("signer.pem"), path("signer.key"), path("ca.pem"),
		    path("os.p7s")));
		if (run(cmd, out, sizeof(out)) != 0)
			fail_msg("%s: %s", cmd, out);
		assert_ok(file_read(path("os.p7s"), CMS_MAX_BYTES, &der, &len));
		assert_ok(cms_parse(der, len, &info));
		assert_non_null(info->signer);
		assert_int_equal(X509_cmp(info->signer, G.cert[S_RSA2048]), 0);
		assert_true(info->has_signing_time);
		assert_true(info->signing_time > tk_now() - 600 && info->signing_time <= tk_now() + 5);
		assert_int_equal(info->has_signing_cert_v2, v[i].cades);
		assert_int_equal(info->signing_cert_v2_match, v[i].cades);
		assert_int_equal(info->detached, !v[i].attached);
		assert_ok(cms_verify_signature(info, G.digest[info->md], cms_md_size(info->md)));
		if (v[i].keyid)
			assert_int_equal(info->md, CMS_MD_SHA384);
		cms_info_free(info);
		if (i == 0) {
			buf_init(&b, SIG_MAX);
			assert_ok(buf_append(&b, der, len));
			seed("openssl-made.p7s", &b);
			buf_free(&b);
		}
		free(der);
	}
}

/* ---- hostile input ---- */

/* Small DER builder for synthetic SignedData. */
static void tlv(struct buf *out, uint8_t tag, const struct buf *in)
{
	assert_ok(der_put_tlv(out, tag, in->p, in->len));
}

static void raw(struct buf *out, const void *p, size_t n)
{
	assert_ok(buf_append(out, p, n));
}

static const uint8_t OID_SIGNED[] = { 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02 };
static const uint8_t OID_DATA[] = { 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01 };
static const uint8_t ALG_SHA256[] = { 0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01 };
static const uint8_t ALG_RSA[] = { 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00 };
/* issuerAndSerialNumber { issuer Name (empty), serialNumber 1 } */
static const uint8_t SID[] = { 0x30, 0x05, 0x30, 0x00, 0x02, 0x01, 0x01 };
static const uint8_t ATTR_CT[] = { 0x30, 0x18, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x03,
	0x31, 0x0b, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01 };

static void attr_md(struct buf *out)
{
	static const uint8_t head[] = { 0x30, 0x2f, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x04,
		0x31, 0x22, 0x04, 0x20 };
	raw(out, head, sizeof(head));
	raw(out, G.digest[0], 32);
}

/*
 * ContentInfo { signedData, [0] { SignedData { 1, {sha256}, {data},
 * [0] certs?, [1] crls?, { SignerInfo * nsi } } } } with the given pieces.
 */
static void synth(struct buf *out, const struct buf *certs, const struct buf *crls, const struct buf *sattrs,
    const struct buf *uattrs, size_t nsi, const uint8_t *sid, size_t sidlen)
{
	struct buf si, sis, sd, sdseq, e0, ci;
	size_t i;

	buf_init(&si, CMS_MAX_BYTES * 2);
	buf_init(&sis, CMS_MAX_BYTES * 2);
	buf_init(&sd, CMS_MAX_BYTES * 2);
	buf_init(&sdseq, CMS_MAX_BYTES * 2);
	buf_init(&e0, CMS_MAX_BYTES * 2);
	buf_init(&ci, CMS_MAX_BYTES * 2);
	raw(&si, "\x02\x01\x01", 3);
	raw(&si, sid, sidlen);
	raw(&si, ALG_SHA256, sizeof(ALG_SHA256));
	if (sattrs)
		tlv(&si, 0xa0, sattrs);
	raw(&si, ALG_RSA, sizeof(ALG_RSA));
	raw(&si, "\x04\x02\xab\xcd", 4);
	if (uattrs)
		tlv(&si, 0xa1, uattrs);
	for (i = 0; i < nsi; i++)
		tlv(&sis, 0x30, &si);
	raw(&sd, "\x02\x01\x01", 3);
	raw(&sd, "\x31\x0d", 2);
	raw(&sd, ALG_SHA256, sizeof(ALG_SHA256));
	raw(&sd, "\x30\x0b", 2);
	raw(&sd, OID_DATA, sizeof(OID_DATA));
	if (certs)
		tlv(&sd, 0xa0, certs);
	if (crls)
		tlv(&sd, 0xa1, crls);
	tlv(&sd, 0x31, &sis);
	tlv(&sdseq, 0x30, &sd);
	raw(&e0, OID_SIGNED, sizeof(OID_SIGNED));
	tlv(&e0, 0xa0, &sdseq);
	tlv(&ci, 0x30, &e0);
	buf_init(out, CMS_MAX_BYTES * 2);
	raw(out, ci.p, ci.len);
	buf_free(&si);
	buf_free(&sis);
	buf_free(&sd);
	buf_free(&sdseq);
	buf_free(&e0);
	buf_free(&ci);
}

/* ---- signatures as other signers make them (issue 13) ---- */

/* A detached CMS over G.content by OpenSSL's own API: the given digest, flags (CMS_NOATTR, ...). */
static void openssl_cms(int s, const EVP_MD *md, unsigned flags, struct buf *out)
{
	CMS_ContentInfo *cms;
	BIO *in = BIO_new_mem_buf(G.content, (int)CONTENT_LEN);
	uint8_t *der = NULL;
	int n;

	assert_non_null(in);
	cms = CMS_sign(NULL, NULL, NULL, NULL, CMS_DETACHED | CMS_BINARY | CMS_PARTIAL | flags);
	assert_non_null(cms);
	assert_non_null(CMS_add1_signer(cms, G.cert[s], G.pk[s], md, CMS_BINARY | flags));
	assert_int_equal(CMS_add1_cert(cms, G.ca), 1);
	assert_int_equal(CMS_final(cms, in, NULL, CMS_DETACHED | CMS_BINARY | flags), 1);
	n = i2d_CMS_ContentInfo(cms, &der);
	assert_true(n > 0);
	buf_init(out, SIG_MAX);
	raw(out, der, (size_t)n);
	OPENSSL_free(der);
	CMS_ContentInfo_free(cms);
	BIO_free(in);
}

static void test_foreign_openssl(void **state)
{
	static const struct {
		int s;
		enum cms_md md;
		unsigned flags;
	} v[] = {
		{ S_RSA2048, CMS_MD_SHA256, CMS_NOATTR }, /* RFC 5652 5.4: signature over the content digest */
		{ S_P256, CMS_MD_SHA256, CMS_NOATTR },
		{ S_RSA3072, CMS_MD_SHA3_256, 0 }, /* SHA-3 with signed attributes */
		{ S_RSA2048, CMS_MD_SHA3_512, CMS_NOATTR },
		{ S_RSA2048, CMS_MD_SHA1, 0 }, /* checked like any digest; policy is the verifier's */
		{ S_RSA2048, CMS_MD_SHA1, CMS_NOATTR },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct buf b;
		struct cms_info *info = NULL;
		uint8_t bad[CMS_MAX_DIGEST];
		size_t dl = cms_md_size(v[i].md);
		openssl_cms(v[i].s, cms_md_evp(v[i].md), v[i].flags, &b);
		assert_ok(cms_parse(b.p, b.len, &info));
		assert_int_equal(info->md, v[i].md);
		assert_int_equal(info->has_signed_attrs, (v[i].flags & CMS_NOATTR) ? 0 : 1);
		assert_int_equal(info->signed_attrs_unsorted, 0);
		assert_int_equal(info->sig, v[i].s == S_P256 ? CMS_SIG_ECDSA : CMS_SIG_RSA_PKCS1);
		assert_ok(cms_verify_signature(info, G.digest[v[i].md], dl));
		/* Another content: a failed signature (no signed attributes) or messageDigest mismatch. */
		memcpy(bad, G.digest[v[i].md], dl);
		bad[3] ^= 0x01;
		assert_err(cms_verify_signature(info, bad, dl), TK_ERR_CRYPTO);
		/* The digest of another algorithm's size is refused, not read past. */
		assert_err(cms_verify_signature(info, G.digest[v[i].md], dl == 32 ? 48 : 32), TK_ERR_CRYPTO);
		cms_info_free(info);
		expect_oracle_ok_cms(&b, G.content, CONTENT_LEN);
		if (i == 0)
			seed("openssl-noattr.p7s", &b);
		buf_free(&b);
	}
}

/* issuerAndSerialNumber of c, DER. */
static void sid_of(X509 *c, struct buf *out)
{
	uint8_t *n = NULL, *sn = NULL;
	int nl = i2d_X509_NAME(X509_get_issuer_name(c), &n), sl = i2d_ASN1_INTEGER(X509_get0_serialNumber(c), &sn);
	struct buf in;

	assert_true(nl > 0 && sl > 0);
	buf_init(&in, 4096);
	raw(&in, n, (size_t)nl);
	raw(&in, sn, (size_t)sl);
	buf_init(out, 4096);
	tlv(out, 0x30, &in);
	buf_free(&in);
	OPENSSL_free(n);
	OPENSSL_free(sn);
}

/*
 * ContentInfo(SignedData) over id-data, detached, with the signer's certificate, one SignerInfo with
 * digestAlgorithm md_alg (DER AlgorithmIdentifier), signedAttrs sattrs (a DER SET, tag 0x31; NULL: none),
 * signatureAlgorithm sig_alg and the signature value sig.
 */
static void foreign_sd(int s, const uint8_t *md_alg, size_t mdl, const struct buf *sattrs, const uint8_t *sig_alg, size_t sal,
    const uint8_t *sig, size_t siglen, struct buf *out)
{
	struct buf si, sis, sd, sdseq, e0, ci, sid, cert, tmp, mds;
	uint8_t *cd = NULL, *cad = NULL;
	int cl = i2d_X509(G.cert[s], &cd), cal = i2d_X509(G.ca, &cad);

	assert_true(cl > 0 && cal > 0);
	buf_init(&si, SIG_MAX);
	buf_init(&sis, SIG_MAX);
	buf_init(&sd, SIG_MAX);
	buf_init(&sdseq, SIG_MAX);
	buf_init(&e0, SIG_MAX);
	buf_init(&ci, SIG_MAX);
	buf_init(&cert, SIG_MAX);
	buf_init(&tmp, SIG_MAX);
	buf_init(&mds, SIG_MAX);
	sid_of(G.cert[s], &sid);
	raw(&si, "\x02\x01\x01", 3);
	raw(&si, sid.p, sid.len);
	raw(&si, md_alg, mdl);
	if (sattrs != NULL) {
		raw(&si, "\xa0", 1);
		raw(&si, sattrs->p + 1, sattrs->len - 1);
	}
	raw(&si, sig_alg, sal);
	assert_ok(der_put_tlv(&si, 0x04, sig, siglen));
	tlv(&sis, 0x30, &si);
	raw(&sd, "\x02\x01\x01", 3);
	raw(&tmp, md_alg, mdl);
	tlv(&mds, 0x31, &tmp);
	raw(&sd, mds.p, mds.len);
	raw(&sd, "\x30\x0b", 2);
	raw(&sd, OID_DATA, sizeof(OID_DATA));
	raw(&cert, cd, (size_t)cl);
	raw(&cert, cad, (size_t)cal);
	tlv(&sd, 0xa0, &cert);
	tlv(&sd, 0x31, &sis);
	tlv(&sdseq, 0x30, &sd);
	raw(&e0, OID_SIGNED, sizeof(OID_SIGNED));
	tlv(&e0, 0xa0, &sdseq);
	tlv(&ci, 0x30, &e0);
	buf_init(out, SIG_MAX);
	raw(out, ci.p, ci.len);
	OPENSSL_free(cd);
	OPENSSL_free(cad);
	buf_free(&si);
	buf_free(&sis);
	buf_free(&sd);
	buf_free(&sdseq);
	buf_free(&e0);
	buf_free(&ci);
	buf_free(&sid);
	buf_free(&cert);
	buf_free(&tmp);
	buf_free(&mds);
}

/* ECDSA over hash h by the P-256 signer, as r || s of 32 bytes each (BSI TR-03111 5.2.1). */
static void sign_plain(const uint8_t *h, size_t hl, uint8_t out[64])
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(G.pk[S_P256], NULL);
	uint8_t der[80];
	const uint8_t *q = der;
	size_t dl = sizeof(der);
	ECDSA_SIG *es;
	const BIGNUM *r, *s;

	assert_non_null(c);
	assert_int_equal(EVP_PKEY_sign_init(c), 1);
	assert_int_equal(EVP_PKEY_sign(c, der, &dl, h, hl), 1);
	es = d2i_ECDSA_SIG(NULL, &q, (long)dl);
	assert_non_null(es);
	ECDSA_SIG_get0(es, &r, &s);
	assert_int_equal(BN_bn2binpad(r, out, 32), 32);
	assert_int_equal(BN_bn2binpad(s, out + 32, 32), 32);
	ECDSA_SIG_free(es);
	EVP_PKEY_CTX_free(c);
}

/* ecdsa-plain-SHA256 0.4.0.127.0.7.1.1.4.1.3 and ecdsa-plain-SHA384 (.4), parameters absent. */
static const uint8_t ALG_PLAIN256[] = { 0x30, 0x0c, 0x06, 0x0a, 0x04, 0x00, 0x7f, 0x00, 0x07, 0x01, 0x01, 0x04, 0x01, 0x03 };
static const uint8_t ALG_PLAIN384[] = { 0x30, 0x0c, 0x06, 0x0a, 0x04, 0x00, 0x7f, 0x00, 0x07, 0x01, 0x01, 0x04, 0x01, 0x04 };
static const uint8_t ALG_ECDSA256[] = { 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02 };

static void test_foreign_plain_ecdsa(void **state)
{
	uint8_t sig[64];
	struct buf b;
	struct cms_info *info = NULL;

	(void)state;
	/* No signed attributes: r || s over the content digest itself. */
	sign_plain(G.digest[CMS_MD_SHA256], 32, sig);
	foreign_sd(S_P256, ALG_SHA256, sizeof(ALG_SHA256), NULL, ALG_PLAIN256, sizeof(ALG_PLAIN256), sig, 64, &b);
	assert_ok(cms_parse(b.p, b.len, &info));
	assert_int_equal(info->sig, CMS_SIG_ECDSA_PLAIN);
	assert_int_equal(info->sig_nid, NID_undef);
	assert_int_equal(info->sig_md, CMS_MD_SHA256);
	assert_ok(cms_verify_signature(info, G.digest[CMS_MD_SHA256], 32));
	cms_info_free(info);
	seed("ecdsa-plain.p7s", &b);
	buf_free(&b);

	/* One bit of s changed. */
	sig[40] ^= 0x01;
	foreign_sd(S_P256, ALG_SHA256, sizeof(ALG_SHA256), NULL, ALG_PLAIN256, sizeof(ALG_PLAIN256), sig, 64, &b);
	assert_ok(cms_parse(b.p, b.len, &info));
	assert_err(cms_verify_signature(info, G.digest[CMS_MD_SHA256], 32), TK_ERR_CRYPTO);
	cms_info_free(info);
	buf_free(&b);
	sig[40] ^= 0x01;

	/* The wrong length (63, 66 bytes) is a signature failure, not a crash. */
	foreign_sd(S_P256, ALG_SHA256, sizeof(ALG_SHA256), NULL, ALG_PLAIN256, sizeof(ALG_PLAIN256), sig, 63, &b);
	assert_ok(cms_parse(b.p, b.len, &info));
	assert_err(cms_verify_signature(info, G.digest[CMS_MD_SHA256], 32), TK_ERR_CRYPTO);
	cms_info_free(info);
	buf_free(&b);

	/* ecdsa-plain-SHA384 over a SHA-256 digestAlgorithm: refused (RFC 5754 3 in spirit). */
	foreign_sd(S_P256, ALG_SHA256, sizeof(ALG_SHA256), NULL, ALG_PLAIN384, sizeof(ALG_PLAIN384), sig, 64, &b);
	assert_ok(cms_parse(b.p, b.len, &info));
	assert_err(cms_verify_signature(info, G.digest[CMS_MD_SHA256], 32), TK_ERR_INVALID);
	cms_info_free(info);
	buf_free(&b);

	/* The same r || s as a DER ECDSA-Sig-Value under ecdsa-with-SHA256 is an ordinary signature. */
	{
		ECDSA_SIG *es = ECDSA_SIG_new();
		uint8_t *d = NULL;
		int dl;
		assert_non_null(es);
		assert_int_equal(ECDSA_SIG_set0(es, BN_bin2bn(sig, 32, NULL), BN_bin2bn(sig + 32, 32, NULL)), 1);
		dl = i2d_ECDSA_SIG(es, &d);
		assert_true(dl > 0);
		foreign_sd(S_P256, ALG_SHA256, sizeof(ALG_SHA256), NULL, ALG_ECDSA256, sizeof(ALG_ECDSA256), d, (size_t)dl, &b);
		assert_ok(cms_parse(b.p, b.len, &info));
		assert_int_equal(info->sig, CMS_SIG_ECDSA);
		assert_ok(cms_verify_signature(info, G.digest[CMS_MD_SHA256], 32));
		cms_info_free(info);
		expect_oracle_ok_cms(&b, G.content, CONTENT_LEN);
		buf_free(&b);
		OPENSSL_free(d);
		ECDSA_SIG_free(es);
	}
}

/*
 * Signed attributes in the order given (messageDigest first is not DER order), signed as they are
 * (order 0, 1), or signed in DER order but sent unsorted (order 2).
 */
static void test_foreign_unsorted_attrs(void **state)
{
	int order;

	(void)state;
	for (order = 0; order <= 2; order++) {
		struct buf in, set, b, sig, sorted_in, sorted_set;
		struct cms_info *info = NULL;
		EVP_MD_CTX *c = EVP_MD_CTX_new();
		size_t sl = 0;
		int resorted = 0;
		buf_init(&in, 4096);
		buf_init(&set, 4096);
		buf_init(&sig, 4096);
		buf_init(&sorted_in, 4096);
		buf_init(&sorted_set, 4096);
		if (order == 0) {
			raw(&in, ATTR_CT, sizeof(ATTR_CT));
			attr_md(&in);
		} else {
			attr_md(&in);
			raw(&in, ATTR_CT, sizeof(ATTR_CT));
		}
		tlv(&set, 0x31, &in);
		raw(&sorted_in, ATTR_CT, sizeof(ATTR_CT));
		attr_md(&sorted_in);
		tlv(&sorted_set, 0x31, &sorted_in);
		assert_non_null(c);
		assert_int_equal(EVP_DigestSignInit(c, NULL, EVP_sha256(), NULL, G.pk[S_RSA2048]), 1);
		{
			const struct buf *tbs = order == 2 ? &sorted_set : &set;
			assert_int_equal(EVP_DigestSign(c, NULL, &sl, tbs->p, tbs->len), 1);
			assert_ok(buf_reserve(&sig, sl));
			assert_int_equal(EVP_DigestSign(c, sig.p, &sl, tbs->p, tbs->len), 1);
		}
		sig.len = sl;
		foreign_sd(S_RSA2048, ALG_SHA256, sizeof(ALG_SHA256), &set, ALG_RSA, sizeof(ALG_RSA), sig.p, sig.len, &b);
		assert_ok(cms_parse(b.p, b.len, &info));
		assert_int_equal(info->signed_attrs_unsorted, order != 0);
		assert_true(order == 0 ? info->signed_attrs_sorted == NULL
				       : memcmp(info->signed_attrs_sorted, sorted_set.p, sorted_set.len) == 0);
		assert_ok(cms_verify_signature_ex(info, G.digest[CMS_MD_SHA256], 32, &resorted));
		assert_int_equal(resorted, order == 2);
		assert_ok(cms_verify_signature(info, G.digest[CMS_MD_SHA256], 32));
		/* Neither encoding helps a changed content. */
		{
			uint8_t bad[32];
			memcpy(bad, G.digest[CMS_MD_SHA256], 32);
			bad[0] ^= 1;
			assert_int_equal(cms_verify_signature(info, bad, 32), TK_ERR_CRYPTO);
		}
		cms_info_free(info);
		/* OpenSSL hashes the received encoding: it agrees on orders 0 and 1 (and refuses 2). */
		if (order < 2)
			expect_oracle_ok_cms(&b, G.content, CONTENT_LEN);
		if (order == 2)
			seed("unsorted-attrs.p7s", &b);
		buf_free(&b);
		buf_free(&in);
		buf_free(&set);
		buf_free(&sig);
		buf_free(&sorted_in);
		buf_free(&sorted_set);
		EVP_MD_CTX_free(c);
	}
}

static enum tk_err parse_only(const struct buf *b)
{
	struct cms_info *info = NULL;
	enum tk_err rc = cms_parse(b->p, b->len, &info);

	if (rc == TK_OK) {
		/* Parsed: verification must refuse cleanly. */
		assert_int_not_equal(cms_verify_signature(info, G.digest[0], 32), TK_OK);
	}
	assert_true(rc == TK_OK ? info != NULL : info == NULL);
	cms_info_free(info);
	return rc;
}

static void test_synthetic(void **state)
{
	struct buf b, sa, ua, certs, deep, crls;
	size_t i;

	(void)state;
	/* The synthetic frame itself parses (no signer certificate: verify refuses). */
	buf_init(&sa, 4096);
	raw(&sa, ATTR_CT, sizeof(ATTR_CT));
	attr_md(&sa);
	synth(&b, NULL, NULL, &sa, NULL, 1, SID, sizeof(SID));
	seed("synthetic.p7s", &b);
	assert_ok(parse_only(&b));
	{
		struct cms_info *info = NULL;
		assert_ok(cms_parse(b.p, b.len, &info));
		assert_null(info->signer);
		assert_int_equal(sk_X509_num(info->certs), 0);
		assert_true(info->has_message_digest);
		assert_err(cms_verify_signature(info, G.digest[0], 32), TK_ERR_CRYPTO);
		assert_non_null(strstr(tk_errmsg(), "not embedded"));
		cms_info_free(info);
	}
	buf_free(&b);

	/* Duplicated messageDigest (RFC 5652 11.2). */
	attr_md(&sa);
	synth(&b, NULL, NULL, &sa, NULL, 1, SID, sizeof(SID));
	assert_err(parse_only(&b), TK_ERR_INVALID);
	assert_non_null(strstr(tk_errmsg(), "more than once"));
	buf_free(&b);

	/* Empty signedAttrs, no SignerInfo, a bad sid. */
	sa.len = 0;
	synth(&b, NULL, NULL, &sa, NULL, 1, SID, sizeof(SID));
	assert_err(parse_only(&b), TK_ERR_INVALID);
	buf_free(&b);
	synth(&b, NULL, NULL, NULL, NULL, 0, SID, sizeof(SID));
	assert_err(parse_only(&b), TK_ERR_INVALID);
	assert_non_null(strstr(tk_errmsg(), "no SignerInfo"));
	buf_free(&b);
	synth(&b, NULL, NULL, NULL, NULL, 1, (const uint8_t *)"\x02\x01\x01", 3);
	assert_err(parse_only(&b), TK_ERR_INVALID);
	assert_non_null(strstr(tk_errmsg(), "sid"));
	buf_free(&b);

	/* Limits: SignerInfos, certificates, attributes. */
	synth(&b, NULL, NULL, NULL, NULL, CMS_MAX_SIGNERS + 1, SID, sizeof(SID));
	assert_err(parse_only(&b), TK_ERR_LIMIT);
	buf_free(&b);
	buf_init(&certs, CMS_MAX_BYTES);
	{
		uint8_t *cder = NULL;
		int cl = i2d_X509(G.ca, &cder);
		assert_true(cl > 0);
		for (i = 0; i < CMS_MAX_CERTS + 1; i++)
			raw(&certs, cder, (size_t)cl);
		OPENSSL_free(cder);
	}
	synth(&b, &certs, NULL, NULL, NULL, 1, SID, sizeof(SID));
	assert_err(parse_only(&b), TK_ERR_LIMIT);
	buf_free(&b);
	buf_init(&ua, CMS_MAX_BYTES);
	for (i = 0; i < CMS_MAX_ATTRS + 1; i++)
		raw(&ua, ATTR_CT, sizeof(ATTR_CT));
	synth(&b, NULL, NULL, NULL, &ua, 1, SID, sizeof(SID));
	assert_err(parse_only(&b), TK_ERR_LIMIT);
	buf_free(&b);

	/* Deep nesting inside crls. */
	buf_init(&deep, 4096);
	raw(&deep, "\x05\x00", 2);
	for (i = 0; i < CMS_MAX_DER_DEPTH + 4; i++) {
		struct buf w;
		buf_init(&w, 4096);
		tlv(&w, 0x30, &deep);
		deep.len = 0;
		raw(&deep, w.p, w.len);
		buf_free(&w);
	}
	buf_init(&crls, 4096);
	raw(&crls, deep.p, deep.len);
	synth(&b, NULL, &crls, NULL, NULL, 1, SID, sizeof(SID));
	assert_err(parse_only(&b), TK_ERR_LIMIT);
	assert_non_null(strstr(tk_errmsg(), "nested"));
	buf_free(&b);

	/* A constructed OCTET STRING (BER) anywhere. */
	crls.len = 0;
	raw(&crls, "\x24\x04\x04\x02\xab\xcd", 6);
	synth(&b, NULL, &crls, NULL, NULL, 1, SID, sizeof(SID));
	assert_err(parse_only(&b), TK_ERR_INVALID);
	assert_non_null(strstr(tk_errmsg(), "X.690 10.2"));
	buf_free(&b);

	/* Garbage where certificates go: OpenSSL's decoder refuses, cleanly. */
	certs.len = 0;
	raw(&certs, "\x30\x03\x02\x01\x05", 5);
	synth(&b, &certs, NULL, NULL, NULL, 1, SID, sizeof(SID));
	assert_err(parse_only(&b), TK_ERR_INVALID);
	buf_free(&b);

	buf_free(&sa);
	buf_free(&ua);
	buf_free(&certs);
	buf_free(&deep);
	buf_free(&crls);
}

static void test_hostile(void **state)
{
	struct cms_info *info = NULL;
	struct buf sig, t;
	const uint8_t *p;
	size_t plen, i;
	uint8_t *big;
	uint32_t x = 0x12345678u;

	(void)state;
	assert_err(cms_parse(NULL, 0, &info), TK_ERR_INVALID);
	assert_null(info);
	assert_err(cms_parse((const uint8_t *)"", 0, &info), TK_ERR_INVALID);
	assert_err(cms_signature_value((const uint8_t *)"\x30\x00", 2, &p, &plen), TK_ERR_INVALID);

	sign_buf(S_P256, CMS_MD_SHA256, NULL, &sig);
	/* Every truncation fails cleanly. */
	for (i = 0; i < sig.len; i++) {
		assert_err(cms_parse(sig.p, i, &info), TK_ERR_INVALID);
		assert_null(info);
		assert_int_not_equal(cms_signature_value(sig.p, i, &p, &plen), TK_OK);
	}
	/* Trailing bytes (a zero-padded /Contents must be trimmed by the caller). */
	buf_init(&t, SIG_MAX);
	assert_ok(buf_append(&t, sig.p, sig.len));
	assert_ok(buf_putc(&t, 0));
	assert_err(cms_parse(t.p, t.len, &info), TK_ERR_INVALID);
	assert_non_null(strstr(tk_errmsg(), "after the ContentInfo"));
	/* BER indefinite length for the outer SEQUENCE. */
	{
		uint8_t tag;
		const uint8_t *v;
		size_t vl, tot;
		assert_ok(der_read(sig.p, sig.len, &tag, &v, &vl, &tot));
		t.len = 0;
		assert_ok(buf_append(&t, "\x30\x80", 2));
		assert_ok(buf_append(&t, v, vl));
		assert_ok(buf_append(&t, "\x00\x00", 2));
		assert_err(cms_parse(t.p, t.len, &info), TK_ERR_INVALID);
		assert_non_null(strstr(tk_errmsg(), "indefinite"));
		/* Non-minimal length. */
		t.len = 0;
		assert_ok(buf_append(&t, "\x30\x84", 2));
		assert_ok(buf_putc(&t, (uint8_t)(vl >> 24)));
		assert_ok(buf_putc(&t, (uint8_t)(vl >> 16)));
		assert_ok(buf_putc(&t, (uint8_t)(vl >> 8)));
		assert_ok(buf_putc(&t, (uint8_t)vl));
		assert_ok(buf_append(&t, v, vl));
		assert_err(cms_parse(t.p, t.len, &info), TK_ERR_INVALID);
		assert_non_null(strstr(tk_errmsg(), "non-minimal"));
	}
	/* Not a SignedData: a certificate, an id-data ContentInfo. */
	{
		uint8_t *cder = NULL;
		int cl = i2d_X509(G.ca, &cder);
		assert_err(cms_parse(cder, (size_t)cl, &info), TK_ERR_INVALID);
		OPENSSL_free(cder);
		assert_err(cms_parse((const uint8_t *)"\x30\x0b\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x01", 13, &info),
		    TK_ERR_INVALID);
		assert_non_null(strstr(tk_errmsg(), "id-signedData"));
	}
	/* Over the size limit, checked before anything else. */
	big = calloc(1, (size_t)CMS_MAX_BYTES + 1);
	assert_non_null(big);
	memcpy(big, sig.p, sig.len);
	assert_err(cms_parse(big, (size_t)CMS_MAX_BYTES + 1, &info), TK_ERR_LIMIT);
	free(big);
	/* Random bytes, and random bytes behind a plausible header. */
	for (i = 0; i < 2000; i++) {
		size_t n = 1 + i % 700, j;
		t.len = 0;
		for (j = 0; j < n; j++) {
			x = x * 1103515245u + 12345u;
			assert_ok(buf_putc(&t, (uint8_t)(x >> 16)));
		}
		if (i % 2 == 0 && n > 20)
			memcpy(t.p, sig.p, 15);
		if (cms_parse(t.p, t.len, &info) == TK_OK)
			fail_msg("random input %zu parsed", i);
		assert_null(info);
	}
	buf_free(&t);
	buf_free(&sig);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_md_helpers),
		cmocka_unit_test(test_rsa2048_default),
		cmocka_unit_test(test_rsa3072_pss_sha384),
		cmocka_unit_test(test_ec_p256_sha512),
		cmocka_unit_test(test_matrix),
		cmocka_unit_test(test_signing_time_option),
		cmocka_unit_test(test_stream),
		cmocka_unit_test(test_tamper),
		cmocka_unit_test(test_bitflips),
		cmocka_unit_test(test_timestamp),
		cmocka_unit_test(test_estimate),
		cmocka_unit_test(test_bad_args),
		cmocka_unit_test(test_openssl_made),
		cmocka_unit_test(test_synthetic),
		cmocka_unit_test(test_foreign_openssl),
		cmocka_unit_test(test_foreign_plain_ecdsa),
		cmocka_unit_test(test_foreign_unsorted_attrs),
		cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

/*
 * Unit tests for src/keys/pkcs11.c: token keys on a throwaway SoftHSM2
 * token (its own SOFTHSM2_CONF and token directory under a temp dir, so the
 * test runs in parallel with others). Signatures made on the token are
 * checked with OpenSSL's verifier and the public key; OpenSSL builders
 * (X509_sign, the signature AlgorithmIdentifier query of x509/crl.c,
 * X509_check_private_key) take the token key as they take a software key.
 * The token tests are skipped (cmocka skip) when SoftHSM2 is not installed;
 * tests/integration/test_hsm.sh fails then instead.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "keys/keys.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MODULE "/usr/lib/softhsm/libsofthsm2.so"
#define TOKEN "teken-unit"
#define PIN "4711-unit-pin"

#define assert_ok(expr)                                                               \
	do {                                                                          \
		enum tk_err rc_ = (expr);                                             \
		if (rc_ != TK_OK)                                                     \
			fail_msg("%s failed (%d): %s", #expr, (int)rc_, tk_errmsg()); \
	} while (0)

static char g_dir[256];
static char g_pin[300], g_badpin[300], g_loosepin[300];
static int g_have_softhsm;

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static int group_setup(void **state)
{
	char path[300], cmd[1024];

	(void)state;
	if (access(MODULE, R_OK) != 0 || system("command -v softhsm2-util >/dev/null 2>&1") != 0)
		return 0;
	snprintf(g_dir, sizeof(g_dir), "%s/teken-p11-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(g_dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/tokens", g_dir);
	if (mkdir(path, 0700) != 0)
		return -1;
	snprintf(cmd, sizeof(cmd), "directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n", g_dir);
	snprintf(path, sizeof(path), "%s/softhsm2.conf", g_dir);
	write_file(path, cmd, 0600);
	setenv("SOFTHSM2_CONF", path, 1);
	snprintf(cmd, sizeof(cmd),
	    "softhsm2-util --init-token --free --label %s --pin %s --so-pin so-%s >/dev/null", TOKEN, PIN, PIN);
	if (system(cmd) != 0)
		return -1;
	snprintf(g_pin, sizeof(g_pin), "%s/pin", g_dir);
	write_file(g_pin, PIN "\n", 0600);
	snprintf(g_badpin, sizeof(g_badpin), "%s/badpin", g_dir);
	write_file(g_badpin, "not-the-pin\n", 0600);
	snprintf(g_loosepin, sizeof(g_loosepin), "%s/loosepin", g_dir);
	write_file(g_loosepin, PIN "\n", 0644);
	g_have_softhsm = 1;
	return 0;
}

static int group_teardown(void **state)
{
	char cmd[400];

	(void)state;
	if (g_dir[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
		if (system(cmd) != 0)
			return -1;
	}
	return 0;
}

#define NEED_SOFTHSM()                                                      \
	do {                                                                \
		if (!g_have_softhsm) {                                      \
			print_message("softhsm2 not installed: skipped\n"); \
			skip();                                             \
		}                                                           \
	} while (0)

static const struct key_p11_token tok = { MODULE, TOKEN, NULL };

static struct key_p11_token cfg_with(const char *pin_file)
{
	struct key_p11_token t = tok;

	t.pin_file = pin_file;
	return t;
}

static void verify_sig(EVP_PKEY *pub, const EVP_MD *md, int pss, const uint8_t *msg, size_t len, const struct buf *sig)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;

	assert_non_null(ctx);
	assert_int_equal(EVP_DigestVerifyInit(ctx, &pctx, md, NULL, pub), 1);
	if (pss) {
		assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), 1);
		assert_int_equal(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST), 1);
	}
	if (EVP_DigestVerify(ctx, sig->p, sig->len, msg, len) != 1)
		fail_msg("token signature does not verify with the public key");
	EVP_MD_CTX_free(ctx);
}

static void gen(const char *name, const char *alg, struct key **k, EVP_PKEY **pub, char ref[KEY_P11_REF_MAX])
{
	struct key_p11_token t = cfg_with(g_pin);

	assert_ok(key_p11_generate(&t, name, alg, k, pub, ref));
}

static void test_generate_and_sign(void **state)
{
	static const char *const algs[] = { "rsa2048", "ec-p256", "ec-p384" };
	static const uint8_t msg[] = "Surat Keputusan Nomor 1 Tahun 2025";
	size_t i;

	(void)state;
	NEED_SOFTHSM();
	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		struct key *k = NULL;
		EVP_PKEY *pub = NULL;
		char ref[KEY_P11_REF_MAX], alg[16];
		struct buf sig;
		int pss;

		gen("unit-sign", algs[i], &k, &pub, ref);
		assert_int_equal(key_kind(k), KEY_PKCS11);
		assert_string_equal(key_name(k), "unit-sign");
		assert_int_equal(strncmp(ref, "pkcs11:token=" TOKEN ";object=unit-sign;id=%", 38), 0);
		assert_null(strstr(ref, PIN));
		assert_ok(key_alg_of(pub, alg));
		assert_string_equal(alg, algs[i]);
		/* The token key answers like the software key would. */
		assert_ok(key_alg_of(key_pkey(k), alg));
		assert_string_equal(alg, algs[i]);
		assert_int_equal(EVP_PKEY_get_size(key_pkey(k)), EVP_PKEY_get_size(pub));
		assert_int_equal(EVP_PKEY_is_a(key_pkey(k), i == 0 ? "RSA" : "EC"), 1);
		assert_int_equal(EVP_PKEY_eq(key_pkey(k), pub), 1);
		for (pss = 0; pss <= (i == 0); pss++) {
			const EVP_MD *mds[2] = { EVP_sha256(), EVP_sha384() };
			size_t m;
			for (m = 0; m < 2; m++) {
				buf_init(&sig, 4096);
				assert_ok(key_sign(k, mds[m], pss, msg, sizeof(msg), &sig));
				verify_sig(pub, mds[m], pss, msg, sizeof(msg), &sig);
				buf_free(&sig);
			}
		}
		assert_ok(key_p11_destroy(k));
		key_free(k);
		EVP_PKEY_free(pub);
	}
}

/* What x509/cert.c, x509/crl.c and the TSA/OCSP signers do with key_pkey(). */
static void test_openssl_builders(void **state)
{
	struct key *k = NULL;
	EVP_PKEY *pub = NULL, *other = NULL;
	char ref[KEY_P11_REF_MAX];
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	uint8_t algid[256];
	OSSL_PARAM prm[2];
	const unsigned char *q;
	X509_ALGOR *alg;

	(void)state;
	NEED_SOFTHSM();
	gen("unit-x509", "ec-p256", &k, &pub, ref);
	assert_non_null(x);
	assert_int_equal(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"unit", -1, -1, 0), 1);
	assert_int_equal(X509_set_version(x, 2), 1);
	assert_int_equal(X509_set_subject_name(x, n), 1);
	assert_int_equal(X509_set_issuer_name(x, n), 1);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), 0));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 3600));
	assert_int_equal(X509_set_pubkey(x, pub), 1);
	assert_true(X509_sign(x, key_pkey(k), EVP_sha256()) > 0);
	assert_int_equal(X509_verify(x, pub), 1);
	assert_int_equal(X509_check_private_key(x, key_pkey(k)), 1);
	other = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	assert_non_null(other);
	assert_int_not_equal(X509_check_private_key(x, other), 1);
	ERR_clear_error();

	/* The AlgorithmIdentifier query of x509/crl.c. */
	assert_int_equal(EVP_DigestSignInit(mctx, &pctx, EVP_sha384(), NULL, key_pkey(k)), 1);
	prm[0] = OSSL_PARAM_construct_octet_string(OSSL_SIGNATURE_PARAM_ALGORITHM_ID, algid, sizeof(algid));
	prm[1] = OSSL_PARAM_construct_end();
	assert_int_equal(EVP_PKEY_CTX_get_params(pctx, prm), 1);
	assert_true(OSSL_PARAM_modified(&prm[0]));
	q = algid;
	alg = d2i_X509_ALGOR(NULL, &q, (long)prm[0].return_size);
	assert_non_null(alg);
	assert_int_equal(OBJ_obj2nid(alg->algorithm), NID_ecdsa_with_SHA384);
	X509_ALGOR_free(alg);

	/* Private parts never leave the token. */
	assert_true(i2d_PrivateKey(key_pkey(k), NULL) <= 0);
	ERR_clear_error();

	assert_ok(key_p11_destroy(k));
	EVP_MD_CTX_free(mctx);
	X509_NAME_free(n);
	X509_free(x);
	EVP_PKEY_free(other);
	EVP_PKEY_free(pub);
	key_free(k);
}

static void test_open_by_ref(void **state)
{
	static const uint8_t msg[] = "dokumen";
	struct key_p11_token t = cfg_with(g_pin), none = { NULL, NULL, NULL };
	struct key *k = NULL, *k2 = NULL;
	EVP_PKEY *pub = NULL;
	char ref[KEY_P11_REF_MAX];
	struct buf sig;

	(void)state;
	NEED_SOFTHSM();
	gen("unit-ref", "rsa2048", &k, &pub, ref);
	key_free(k);
	k = NULL;
	/* Module and token from the reference itself. */
	none.pin_file = g_pin;
	assert_ok(key_p11_open(&none, "unit-ref", ref, &k2));
	assert_int_equal(EVP_PKEY_eq(key_pkey(k2), pub), 1);
	buf_init(&sig, 4096);
	assert_ok(key_sign(k2, EVP_sha256(), 0, msg, sizeof(msg), &sig));
	verify_sig(pub, EVP_sha256(), 0, msg, sizeof(msg), &sig);
	buf_free(&sig);
	key_free(k2);
	k2 = NULL;
	/* Configured module and token take precedence. */
	assert_ok(key_p11_open(&t, "unit-ref", ref, &k2));
	assert_ok(key_p11_destroy(k2));
	key_free(k2);
	k2 = NULL;
	/* Gone from the token: a clear one-line error. */
	assert_int_equal(key_p11_open(&t, "unit-ref", ref, &k2), TK_ERR_IO);
	assert_non_null(strstr(tk_errmsg(), "hsm: key 'unit-ref' not found on token '" TOKEN "'"));
	EVP_PKEY_free(pub);
}

struct thr {
	struct key *k;
	EVP_PKEY *pub;
	int ok;
};

static void *signer(void *arg)
{
	struct thr *t = arg;
	uint8_t msg[32];
	int i;

	t->ok = 1;
	for (i = 0; i < 40 && t->ok; i++) {
		struct buf sig;
		EVP_MD_CTX *ctx = EVP_MD_CTX_new();
		memset(msg, i, sizeof(msg));
		buf_init(&sig, 4096);
		if (ctx == NULL || key_sign(t->k, EVP_sha256(), i % 2, msg, sizeof(msg), &sig) != TK_OK)
			t->ok = 0;
		else {
			EVP_PKEY_CTX *pctx = NULL;
			if (EVP_DigestVerifyInit(ctx, &pctx, EVP_sha256(), NULL, t->pub) != 1 ||
			    (i % 2 && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
					  EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1)) ||
			    EVP_DigestVerify(ctx, sig.p, sig.len, msg, sizeof(msg)) != 1)
				t->ok = 0;
		}
		EVP_MD_CTX_free(ctx);
		buf_free(&sig);
	}
	return NULL;
}

/* teken serve signs from several threads with one shared key. */
static void test_threads(void **state)
{
	struct thr t[4];
	pthread_t th[4];
	struct key *k = NULL;
	EVP_PKEY *pub = NULL;
	char ref[KEY_P11_REF_MAX];
	size_t i;

	(void)state;
	NEED_SOFTHSM();
	gen("unit-threads", "rsa2048", &k, &pub, ref);
	for (i = 0; i < 4; i++) {
		t[i].k = key_ref(k);
		t[i].pub = pub;
		assert_int_equal(pthread_create(&th[i], NULL, signer, &t[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_true(t[i].ok);
		key_free(t[i].k);
	}
	assert_ok(key_p11_destroy(k));
	key_free(k);
	EVP_PKEY_free(pub);
}

static void test_errors(void **state)
{
	struct key_p11_token bad = cfg_with(g_badpin), loose = cfg_with(g_loosepin), nopin = cfg_with(NULL);
	struct key_p11_token notok = { MODULE, "no-such-token", NULL }, nomod = { "/nonexistent/libnothing.so", TOKEN, NULL };
	struct key *k = NULL;
	EVP_PKEY *pub = NULL;
	char ref[KEY_P11_REF_MAX];

	(void)state;
	NEED_SOFTHSM();
	notok.pin_file = g_pin;
	nomod.pin_file = g_pin;
	assert_int_equal(key_p11_generate(&bad, "x", "ec-p256", &k, &pub, ref), TK_ERR_IO);
	assert_string_equal(tk_last_error()->code, "hsm_wrong_pin");
	assert_non_null(strstr(tk_errmsg(), "hsm: wrong PIN for token '" TOKEN "' (PIN file "));
	assert_null(strstr(tk_errmsg(), "not-the-pin"));
	assert_null(k);
	assert_int_equal(key_p11_generate(&loose, "x", "ec-p256", &k, &pub, ref), TK_ERR_IO);
	assert_non_null(strstr(tk_errmsg(), "permissions 644 are too open (need 0600)"));
	assert_int_not_equal(key_p11_generate(&nopin, "x", "ec-p256", &k, &pub, ref), TK_OK);
	assert_non_null(strstr(tk_errmsg(), "hsm: no PIN file configured"));
	assert_int_equal(key_p11_generate(&notok, "x", "ec-p256", &k, &pub, ref), TK_ERR_IO);
	assert_non_null(strstr(tk_errmsg(), "hsm: token 'no-such-token' not found"));
	assert_int_not_equal(key_p11_generate(&nomod, "x", "ec-p256", &k, &pub, ref), TK_OK);
	assert_non_null(strstr(tk_errmsg(), "hsm: module /nonexistent/libnothing.so cannot be loaded"));
	assert_int_equal(key_p11_generate(&tok, "x", "dsa1024", &k, &pub, ref), TK_ERR_INVALID);
	assert_null(k);
	assert_null(pub);
}

static void test_bad_refs(void **state)
{
	static const char *const refs[] = {
		"",
		"file:///etc/passwd",
		"pkcs11:",
		"pkcs11:object=x",
		"pkcs11:token=" TOKEN,
		"pkcs11:token=" TOKEN ";id=%4",
		"pkcs11:token=" TOKEN ";id=%zz",
		"pkcs11:token=" TOKEN ";object=a%00b",
		"pkcs11:token=" TOKEN ";object=x;pin-value=1234",
		"pkcs11:token=" TOKEN ";object=x;type=public",
		"pkcs11:token=" TOKEN ";object=x?module-path=/a?b=c",
		"pkcs11:token=0123456789012345678901234567890123456789;object=x",
	};
	struct key_p11_token t = cfg_with(g_pin);
	struct key *k = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
		if (key_p11_open(&t, "k", refs[i], &k) != TK_ERR_INTERNAL)
			fail_msg("reference '%s' accepted", refs[i]);
		assert_null(k);
		assert_non_null(strstr(tk_errmsg(), "PKCS#11 reference"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generate_and_sign),
		cmocka_unit_test(test_openssl_builders),
		cmocka_unit_test(test_open_by_ref),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_bad_refs),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

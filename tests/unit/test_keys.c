/*
 * Unit tests for src/crypto (AES-256-GCM sealing, SHA-256, HMAC) and
 * src/keys (generation, algorithm names, sealing under the instance key,
 * signing). Signatures are checked with OpenSSL's own verifier, sealed
 * blobs with an independent AES-GCM decryption.
 *
 * Key pairs of the five algorithms are generated once for the group
 * (RSA-4096 is slow) and only read by the tests.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "crypto/crypto.h"
#include "keys/keys.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

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

static const char *const alg_names[] = { "rsa2048", "rsa3072", "rsa4096", "ec-p256", "ec-p384" };
#define NALGS (sizeof(alg_names) / sizeof(alg_names[0]))
enum { RSA2048,
	RSA3072,
	RSA4096,
	P256,
	P384 };

/* Generated once in group setup; tests only read them. */
static EVP_PKEY *g_keys[NALGS];

static const uint8_t ikey_a[32] = {
	0x00,
	0x01,
	0x02,
	0x03,
	0x04,
	0x05,
	0x06,
	0x07,
	0x08,
	0x09,
	0x0a,
	0x0b,
	0x0c,
	0x0d,
	0x0e,
	0x0f,
	0x10,
	0x11,
	0x12,
	0x13,
	0x14,
	0x15,
	0x16,
	0x17,
	0x18,
	0x19,
	0x1a,
	0x1b,
	0x1c,
	0x1d,
	0x1e,
	0x1f,
};

static int group_setup(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NALGS; i++) {
		if (key_generate(alg_names[i], &g_keys[i]) != TK_OK) {
			fprintf(stderr, "key_generate(%s): %s\n", alg_names[i], tk_errmsg());
			return -1;
		}
	}
	return 0;
}

static int group_teardown(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NALGS; i++) {
		EVP_PKEY_free(g_keys[i]);
		g_keys[i] = NULL;
	}
	return 0;
}

/* A struct key over a shared key pair (the wrapper gets its own reference). */
static struct key *wrap(const char *name, EVP_PKEY *pk)
{
	struct key *k = NULL;

	assert_int_equal(EVP_PKEY_up_ref(pk), 1);
	assert_ok(key_from_pkey(name, pk, &k));
	assert_non_null(k);
	return k;
}

/* The public half only, through a SubjectPublicKeyInfo round trip. */
static EVP_PKEY *public_only(EVP_PKEY *pk)
{
	unsigned char *der = NULL;
	const unsigned char *q;
	int n = i2d_PUBKEY(pk, &der);
	EVP_PKEY *pub;

	assert_true(n > 0);
	q = der;
	pub = d2i_PUBKEY(NULL, &q, n);
	OPENSSL_free(der);
	assert_non_null(pub);
	return pub;
}

/* ------------------------------------------------------------------ */
/* hashes                                                              */
/* ------------------------------------------------------------------ */

static void hexof(const uint8_t *p, size_t n, char *out)
{
	hex_encode(p, n, out);
}

static void test_sha256_vectors(void **state)
{
	uint8_t d[32];
	char hex[65];

	(void)state;
	sha256("abc", 3, d);
	hexof(d, 32, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sha256("", 0, d);
	hexof(d, 32, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, hex);
	assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_hmac_sha256_rfc4231(void **state)
{
	uint8_t key[131], d[32];
	char hex[65];
	static const char data6[] = "Test Using Larger Than Block-Size Key - Hash Key First";

	(void)state;
	memset(key, 0x0b, 20);
	hmac_sha256(key, 20, "Hi There", 8, d);
	hexof(d, 32, hex);
	assert_string_equal(hex, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	hmac_sha256((const uint8_t *)"Jefe", 4, "what do ya want for nothing?", 28, d);
	hexof(d, 32, hex);
	assert_string_equal(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	memset(key, 0xaa, sizeof(key));
	hmac_sha256(key, sizeof(key), data6, strlen(data6), d);
	hexof(d, 32, hex);
	assert_string_equal(hex, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

/* ------------------------------------------------------------------ */
/* AEAD                                                                */
/* ------------------------------------------------------------------ */

/* Independent decryption of "TKA1" | nonce | ct | tag with raw EVP calls. */
static int oracle_open(const uint8_t key[32], const char *aad, const uint8_t *blob, size_t len, uint8_t *pt)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0, fin = 0, ok;
	size_t ctlen = len - 32;

	assert_non_null(ctx);
	ok = len >= 32 && memcmp(blob, "TKA1", 4) == 0 &&
	     EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) == 1 &&
	     EVP_DecryptInit_ex(ctx, NULL, NULL, key, blob + 4) == 1 &&
	     EVP_DecryptUpdate(ctx, NULL, &n, (const uint8_t *)aad, (int)strlen(aad)) == 1 &&
	     EVP_DecryptUpdate(ctx, pt, &n, blob + 16, (int)ctlen) == 1 &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, (void *)(blob + 16 + ctlen)) == 1 &&
	     EVP_DecryptFinal_ex(ctx, pt + n, &fin) == 1;
	EVP_CIPHER_CTX_free(ctx);
	return ok;
}

static void test_aead_roundtrip(void **state)
{
	static const size_t lens[] = { 0, 1, 15, 16, 17, 1000 };
	uint8_t pt[1000], check[1000];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(pt); i++)
		pt[i] = (uint8_t)(i * 13 + 1);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		struct buf blob, out;
		size_t n = lens[i];

		buf_init(&blob, 4096);
		buf_init_secret(&out, 4096);
		/* Appends after what is already there. */
		assert_ok(buf_puts(&blob, "prefix"));
		assert_ok(buf_puts(&out, "keep"));
		assert_ok(aead_seal(ikey_a, "key:ca-issuing", pt, n, &blob));
		assert_int_equal(blob.len, 6 + n + AEAD_OVERHEAD);
		assert_memory_equal(blob.p, "prefixTKA1", 10);
		if (n > 8) /* not stored in clear */
			assert_true(memcmp(blob.p + 6 + 16, pt, n) != 0);
		assert_true(oracle_open(ikey_a, "key:ca-issuing", blob.p + 6, blob.len - 6, check));
		if (n)
			assert_memory_equal(check, pt, n);
		assert_ok(aead_open(ikey_a, "key:ca-issuing", blob.p + 6, blob.len - 6, &out));
		assert_int_equal(out.len, 4 + n);
		assert_memory_equal(out.p, "keep", 4);
		if (n)
			assert_memory_equal(out.p + 4, pt, n);
		buf_free(&blob);
		buf_free(&out);
	}
}

static void test_aead_fresh_nonce(void **state)
{
	struct buf a, b;

	(void)state;
	buf_init(&a, 256);
	buf_init(&b, 256);
	assert_ok(aead_seal(ikey_a, "x", (const uint8_t *)"same", 4, &a));
	assert_ok(aead_seal(ikey_a, "x", (const uint8_t *)"same", 4, &b));
	assert_int_equal(a.len, b.len);
	assert_true(memcmp(a.p + 4, b.p + 4, AEAD_NONCE_LEN) != 0);
	assert_true(memcmp(a.p, b.p, a.len) != 0);
	buf_free(&a);
	buf_free(&b);
}

/* After a failed open the output holds its old bytes and nothing else. */
static void assert_open_fails(const uint8_t key[32], const char *aad, const uint8_t *blob, size_t len)
{
	struct buf out;
	enum tk_err rc;

	buf_init_secret(&out, 8192);
	assert_ok(buf_puts(&out, "old"));
	/* Room for any plaintext up front, zeroed, so whatever is left can be seen. */
	assert_ok(buf_reserve(&out, len + 16));
	memset(out.p + out.len, 0, out.cap - out.len);
	rc = aead_open(key, aad, blob, len, &out);
	if (rc != TK_ERR_CRYPTO)
		fail_msg("aead_open of a bad blob (len %zu) returned %d", len, (int)rc);
	assert_int_equal(out.len, 3);
	assert_memory_equal(out.p, "old", 3);
	for (size_t i = 3; i < out.cap; i++)
		if (out.p[i] != 0)
			fail_msg("unauthenticated bytes left in the output at %zu", i);
	buf_free(&out);
}

static void test_aead_wrong_key_and_aad(void **state)
{
	uint8_t other[32];
	struct buf blob;
	static const char secret[] = "very secret plaintext bytes!";

	(void)state;
	buf_init(&blob, 1024);
	assert_ok(aead_seal(ikey_a, "key:ca-issuing", (const uint8_t *)secret, sizeof(secret) - 1, &blob));
	for (size_t bit = 0; bit < 256; bit += 37) {
		memcpy(other, ikey_a, 32);
		other[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_open_fails(other, "key:ca-issuing", blob.p, blob.len);
	}
	assert_open_fails(ikey_a, "key:ca-root", blob.p, blob.len);
	assert_open_fails(ikey_a, "key:ca-issuin", blob.p, blob.len);
	assert_open_fails(ikey_a, "key:ca-issuing ", blob.p, blob.len);
	assert_open_fails(ikey_a, "", blob.p, blob.len);
	assert_open_fails(ikey_a, "KEY:CA-ISSUING", blob.p, blob.len);
	buf_free(&blob);

	/* Empty AAD is an AAD like any other. */
	buf_init(&blob, 1024);
	assert_ok(aead_seal(ikey_a, "", (const uint8_t *)secret, sizeof(secret) - 1, &blob));
	assert_open_fails(ikey_a, "x", blob.p, blob.len);
	buf_free(&blob);
}

static void test_aead_every_bit_flip_fails(void **state)
{
	struct buf blob;
	uint8_t *copy;
	size_t bit;

	(void)state;
	buf_init(&blob, 1024);
	assert_ok(aead_seal(ikey_a, "pii:nik", (const uint8_t *)"3201010101010001", 16, &blob));
	assert_int_equal(blob.len, 16 + AEAD_OVERHEAD);
	copy = malloc(blob.len);
	assert_non_null(copy);
	for (bit = 0; bit < blob.len * 8; bit++) {
		memcpy(copy, blob.p, blob.len);
		copy[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_open_fails(ikey_a, "pii:nik", copy, blob.len);
	}
	/* The untouched copy still opens. */
	memcpy(copy, blob.p, blob.len);
	{
		struct buf out;
		buf_init_secret(&out, 64);
		assert_ok(aead_open(ikey_a, "pii:nik", copy, blob.len, &out));
		assert_int_equal(out.len, 16);
		assert_memory_equal(out.p, "3201010101010001", 16);
		buf_free(&out);
	}
	free(copy);
	buf_free(&blob);
}

static void test_aead_truncated_and_extended(void **state)
{
	struct buf blob;
	size_t n;

	(void)state;
	buf_init(&blob, 1024);
	assert_ok(aead_seal(ikey_a, "t", (const uint8_t *)"0123456789", 10, &blob));
	/* Every truncation, in an exact-size block so over-reads are caught. */
	for (n = 0; n < blob.len; n++) {
		uint8_t *p = malloc(n ? n : 1);
		assert_non_null(p);
		memcpy(p, blob.p, n);
		assert_open_fails(ikey_a, "t", p, n);
		free(p);
	}
	/* A trailing byte moves the tag: rejected. */
	assert_ok(buf_putc(&blob, 0));
	assert_open_fails(ikey_a, "t", blob.p, blob.len);
	/* Wrong magic with an otherwise valid layout. */
	blob.len--;
	blob.p[3] = '2';
	assert_open_fails(ikey_a, "t", blob.p, blob.len);
	buf_free(&blob);

	/* The shortest valid blob (empty plaintext) has no ciphertext at all. */
	buf_init(&blob, 64);
	assert_ok(aead_seal(ikey_a, "t", (const uint8_t *)"", 0, &blob));
	assert_int_equal(blob.len, AEAD_OVERHEAD);
	for (n = 0; n < blob.len; n++)
		assert_open_fails(ikey_a, "t", blob.p, n);
	buf_free(&blob);
}

static void test_aead_output_limits(void **state)
{
	struct buf blob, small;
	uint8_t pt[100];

	(void)state;
	memset(pt, 'p', sizeof(pt));
	/* Sealing into a buffer that cannot hold the blob fails cleanly. */
	buf_init(&small, 100 + AEAD_OVERHEAD - 1);
	assert_err(aead_seal(ikey_a, "a", pt, sizeof(pt), &small), TK_ERR_LIMIT);
	assert_int_equal(small.len, 0);
	buf_free(&small);

	buf_init(&blob, 1024);
	assert_ok(aead_seal(ikey_a, "a", pt, sizeof(pt), &blob));
	/* Opening into a buffer smaller than the plaintext fails cleanly. */
	buf_init_secret(&small, 99);
	assert_err(aead_open(ikey_a, "a", blob.p, blob.len, &small), TK_ERR_LIMIT);
	assert_int_equal(small.len, 0);
	buf_free(&small);
	buf_init_secret(&small, 100);
	assert_ok(aead_open(ikey_a, "a", blob.p, blob.len, &small));
	assert_int_equal(small.len, 100);
	buf_free(&small);
	buf_free(&blob);
}

/* ------------------------------------------------------------------ */
/* key generation and algorithm names                                  */
/* ------------------------------------------------------------------ */

static void test_key_alg_valid(void **state)
{
	static const char *const bad[] = { "", "rsa", "rsa1024", "rsa8192", "RSA2048", "rsa2048 ", " rsa2048",
		"ec-p521", "ec-p256k", "ecp256", "ed25519", "ec-P256" };
	size_t i;

	(void)state;
	for (i = 0; i < NALGS; i++)
		assert_true(key_alg_valid(alg_names[i]));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (key_alg_valid(bad[i]))
			fail_msg("key_alg_valid accepted '%s'", bad[i]);
}

static void test_key_generate_all_algorithms(void **state)
{
	static const int bits[NALGS] = { 2048, 3072, 4096, 256, 384 };
	size_t i;

	(void)state;
	for (i = 0; i < NALGS; i++) {
		char name[16];
		EVP_PKEY *pub;
		BIGNUM *priv = NULL;

		assert_non_null(g_keys[i]);
		assert_int_equal(EVP_PKEY_get_bits(g_keys[i]), bits[i]);
		assert_true(EVP_PKEY_is_a(g_keys[i], i < P256 ? "RSA" : "EC"));
		/* A private key: the private component is present. */
		assert_int_equal(EVP_PKEY_get_bn_param(g_keys[i], i < P256 ? OSSL_PKEY_PARAM_RSA_D : OSSL_PKEY_PARAM_PRIV_KEY,
				     &priv),
		    1);
		BN_clear_free(priv);
		memset(name, 'x', sizeof(name));
		assert_ok(key_alg_of(g_keys[i], name));
		assert_string_equal(name, alg_names[i]);
		/* The public half has the same name. */
		pub = public_only(g_keys[i]);
		assert_ok(key_alg_of(pub, name));
		assert_string_equal(name, alg_names[i]);
		EVP_PKEY_free(pub);
	}
	if (EVP_PKEY_is_a(g_keys[RSA2048], "RSA")) {
		BIGNUM *e = NULL;
		assert_int_equal(EVP_PKEY_get_bn_param(g_keys[RSA2048], OSSL_PKEY_PARAM_RSA_E, &e), 1);
		assert_true(BN_is_word(e, 65537));
		BN_free(e);
	}
}

static void test_key_generate_fresh_keys_differ(void **state)
{
	EVP_PKEY *a = NULL, *b = NULL;

	(void)state;
	assert_ok(key_generate("ec-p256", &a));
	assert_ok(key_generate("ec-p256", &b));
	assert_int_not_equal(EVP_PKEY_eq(a, b), 1);
	assert_int_not_equal(EVP_PKEY_eq(a, g_keys[P256]), 1);
	EVP_PKEY_free(a);
	EVP_PKEY_free(b);
}

static void test_key_generate_unknown_algorithm(void **state)
{
	static const char *const bad[] = { "rsa1024", "", "RSA2048", "ec-p521", "dsa2048", "ed25519", "rsa2048\n" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EVP_PKEY *pk = NULL;
		enum tk_err rc = key_generate(bad[i], &pk);
		if (rc != TK_ERR_INVALID)
			fail_msg("key_generate('%s') returned %d", bad[i], (int)rc);
		assert_null(pk);
		assert_string_equal(tk_last_error()->code, "invalid_input");
		assert_non_null(strstr(tk_errmsg(), "unknown algorithm"));
	}
}

static void test_key_alg_of_unsupported(void **state)
{
	static const struct {
		const char *type;
		const char *param; /* curve name, or NULL for RSA-1024 */
	} cases[] = {
		{ "RSA", NULL },
		{ "EC", "P-521" },
		{ "EC", "secp256k1" },
		{ "EC", "P-224" },
		{ "ED25519", NULL },
		{ "X25519", NULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		EVP_PKEY *pk;
		char name[16];
		if (strcmp(cases[i].type, "RSA") == 0)
			pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
		else if (strcmp(cases[i].type, "EC") == 0)
			pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", cases[i].param);
		else
			pk = EVP_PKEY_Q_keygen(NULL, NULL, cases[i].type);
		assert_non_null(pk);
		if (key_alg_of(pk, name) != TK_ERR_INVALID)
			fail_msg("key_alg_of accepted case %zu (%s %s)", i, cases[i].type,
			    cases[i].param ? cases[i].param : "");
		assert_string_equal(tk_last_error()->code, "key_not_allowed");
		EVP_PKEY_free(pk);
	}
}

/* ------------------------------------------------------------------ */
/* sealing under the instance key                                      */
/* ------------------------------------------------------------------ */

static void test_soft_seal_open_roundtrip(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NALGS; i++) {
		struct buf blob;
		struct key *k = NULL;
		char name[16];

		buf_init(&blob, MAX_KEY_BLOB_BYTES);
		assert_ok(buf_puts(&blob, "hdr"));
		assert_ok(key_soft_seal(ikey_a, "ca-issuing", g_keys[i], &blob));
		assert_true(blob.len > 3 + AEAD_OVERHEAD);
		assert_memory_equal(blob.p, "hdrTKA1", 7);
		assert_ok(key_soft_open(ikey_a, "ca-issuing", blob.p + 3, blob.len - 3, &k));
		assert_non_null(k);
		assert_string_equal(key_name(k), "ca-issuing");
		assert_int_equal(key_kind(k), KEY_SOFT);
		assert_non_null(key_pkey(k));
		assert_int_equal(EVP_PKEY_eq(key_pkey(k), g_keys[i]), 1);
		assert_ok(key_alg_of(key_pkey(k), name));
		assert_string_equal(name, alg_names[i]);
		/* The opened key is a working private key. */
		{
			struct buf sig;
			EVP_MD_CTX *v = EVP_MD_CTX_new();
			buf_init(&sig, 4096);
			assert_ok(key_sign(k, EVP_sha256(), 0, (const uint8_t *)"m", 1, &sig));
			assert_int_equal(EVP_DigestVerifyInit(v, NULL, EVP_sha256(), NULL, g_keys[i]), 1);
			assert_int_equal(EVP_DigestVerify(v, sig.p, sig.len, (const uint8_t *)"m", 1), 1);
			EVP_MD_CTX_free(v);
			buf_free(&sig);
		}
		key_free(k);
		buf_free(&blob);
	}
}

static void test_soft_open_wrong_instance_key(void **state)
{
	struct buf blob;
	uint8_t other[32];
	struct key *k = NULL;

	(void)state;
	buf_init(&blob, MAX_KEY_BLOB_BYTES);
	assert_ok(key_soft_seal(ikey_a, "seal", g_keys[P256], &blob));
	memcpy(other, ikey_a, 32);
	other[31] ^= 0x80;
	assert_err(key_soft_open(other, "seal", blob.p, blob.len, &k), TK_ERR_CRYPTO);
	assert_null(k);
	memset(other, 0, 32);
	assert_err(key_soft_open(other, "seal", blob.p, blob.len, &k), TK_ERR_CRYPTO);
	assert_null(k);
	/* The message does not leak key material; it names the key. */
	assert_non_null(strstr(tk_errmsg(), "seal"));
	buf_free(&blob);
}

static void test_soft_open_bound_to_name(void **state)
{
	static const char *const others[] = { "ca-root", "ca-issuin", "ca-issuing ", "CA-ISSUING", "", "ca-issuing\n",
		"teken-key-v1:ca-issuing" };
	struct buf blob;
	size_t i;

	(void)state;
	buf_init(&blob, MAX_KEY_BLOB_BYTES);
	assert_ok(key_soft_seal(ikey_a, "ca-issuing", g_keys[P384], &blob));
	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		struct key *k = NULL;
		if (key_soft_open(ikey_a, others[i], blob.p, blob.len, &k) == TK_OK)
			fail_msg("blob sealed for 'ca-issuing' opened as '%s'", others[i]);
		assert_null(k);
	}
	buf_free(&blob);
}

static void test_soft_open_tampered_or_truncated(void **state)
{
	struct buf blob;
	uint8_t *copy;
	size_t i;

	(void)state;
	buf_init(&blob, MAX_KEY_BLOB_BYTES);
	assert_ok(key_soft_seal(ikey_a, "tsa", g_keys[P256], &blob));
	copy = malloc(blob.len);
	assert_non_null(copy);
	for (i = 0; i < blob.len; i++) {
		struct key *k = NULL;
		memcpy(copy, blob.p, blob.len);
		copy[i] ^= 0x01;
		assert_err(key_soft_open(ikey_a, "tsa", copy, blob.len, &k), TK_ERR_CRYPTO);
		assert_null(k);
	}
	for (i = 0; i < blob.len; i++) {
		struct key *k = NULL;
		uint8_t *p = malloc(i ? i : 1);
		assert_non_null(p);
		memcpy(p, blob.p, i);
		assert_err(key_soft_open(ikey_a, "tsa", p, i, &k), TK_ERR_CRYPTO);
		assert_null(k);
		free(p);
	}
	free(copy);
	buf_free(&blob);
}

static void test_soft_open_authentic_garbage(void **state)
{
	/* A blob that authenticates but does not hold a private key. */
	static const char *const junk[] = { "", "not a key", "\x30\x03\x02\x01\x00", "\x30\x82\xff\xff" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		struct buf blob;
		struct key *k = NULL;
		buf_init(&blob, 1024);
		assert_ok(aead_seal(ikey_a, "teken-key-v1:junk", (const uint8_t *)junk[i], strlen(junk[i]), &blob));
		assert_err(key_soft_open(ikey_a, "junk", blob.p, blob.len, &k), TK_ERR_CRYPTO);
		assert_null(k);
		buf_free(&blob);
	}
	/* A public key is not a private key. */
	{
		struct buf blob;
		struct key *k = NULL;
		unsigned char *der = NULL;
		int n = i2d_PUBKEY(g_keys[P256], &der);
		assert_true(n > 0);
		buf_init(&blob, 1024);
		assert_ok(aead_seal(ikey_a, "teken-key-v1:pub", der, (size_t)n, &blob));
		OPENSSL_free(der);
		assert_err(key_soft_open(ikey_a, "pub", blob.p, blob.len, &k), TK_ERR_CRYPTO);
		assert_null(k);
		buf_free(&blob);
	}
}

static void test_soft_seal_public_only_fails(void **state)
{
	EVP_PKEY *pub = public_only(g_keys[P256]);
	struct buf blob;

	(void)state;
	buf_init(&blob, MAX_KEY_BLOB_BYTES);
	assert_int_not_equal(key_soft_seal(ikey_a, "pub", pub, &blob), TK_OK);
	assert_int_equal(blob.len, 0);
	EVP_PKEY_free(pub);
	buf_free(&blob);
	ERR_clear_error();
}

static void test_soft_seal_output_limit(void **state)
{
	struct buf blob;

	(void)state;
	buf_init(&blob, 64); /* far too small for a PKCS#8 key */
	assert_err(key_soft_seal(ikey_a, "x", g_keys[RSA2048], &blob), TK_ERR_LIMIT);
	assert_int_equal(blob.len, 0);
	buf_free(&blob);
}

/*
 * A key that key_soft_seal() accepted must be openable under the same name:
 * otherwise the sealed key is lost. (Names of 64..114 bytes seal but their
 * blob can never be opened because struct key holds 63 bytes.)
 */
static void test_soft_seal_name_limits_consistent(void **state)
{
	static const size_t lens[] = { 1, 63, 64, 100, 114, 115, 200 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		char name[256];
		struct buf blob;
		struct key *k = NULL;
		enum tk_err seal_rc, open_rc;

		memset(name, 'n', lens[i]);
		name[lens[i]] = '\0';
		buf_init(&blob, MAX_KEY_BLOB_BYTES);
		seal_rc = key_soft_seal(ikey_a, name, g_keys[P256], &blob);
		if (seal_rc != TK_OK) {
			assert_int_equal(blob.len, 0);
			buf_free(&blob);
			continue;
		}
		open_rc = key_soft_open(ikey_a, name, blob.p, blob.len, &k);
		key_free(k);
		buf_free(&blob);
		if (open_rc != TK_OK)
			fail_msg("a key sealed under a %zu-byte name cannot be opened again: %s", lens[i], tk_errmsg());
	}
}

static void test_key_from_pkey(void **state)
{
	struct key *k = NULL;
	EVP_PKEY *pk = NULL;
	char longname[100];

	(void)state;
	assert_ok(key_generate("ec-p256", &pk));
	assert_ok(key_from_pkey("ocsp", pk, &k)); /* takes ownership */
	assert_string_equal(key_name(k), "ocsp");
	assert_int_equal(key_kind(k), KEY_SOFT);
	assert_ptr_equal(key_pkey(k), pk);
	key_free(k);
	key_free(NULL);

	/* On failure the key is still consumed (no leak under LSan). */
	assert_ok(key_generate("ec-p256", &pk));
	memset(longname, 'L', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	k = NULL;
	assert_int_not_equal(key_from_pkey(longname, pk, &k), TK_OK);
	assert_null(k);
}

/* ------------------------------------------------------------------ */
/* signing                                                             */
/* ------------------------------------------------------------------ */

enum pad { PAD_PKCS1,
	PAD_PSS,
	PAD_NONE };

/* 1 when sig verifies over msg with OpenSSL's verifier and the given padding. */
static int verify(EVP_PKEY *pk, const EVP_MD *md, enum pad pad, int saltlen, const uint8_t *msg, size_t len,
    const uint8_t *sig, size_t siglen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	int r;

	assert_non_null(ctx);
	assert_int_equal(EVP_DigestVerifyInit(ctx, &pctx, md, NULL, pk), 1);
	if (pad == PAD_PKCS1)
		assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING), 1);
	if (pad == PAD_PSS) {
		assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), 1);
		assert_int_equal(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, saltlen), 1);
	}
	r = EVP_DigestVerify(ctx, sig, siglen, msg, len);
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return r;
}

static void test_sign_rsa_pkcs1(void **state)
{
	static const uint8_t msg[] = "PKS article 3c: documents signed by the ministry";
	static const struct {
		int key;
		const char *md;
		size_t siglen;
	} cases[] = {
		{ RSA2048, "sha256", 256 },
		{ RSA3072, "sha384", 384 },
		{ RSA4096, "sha512", 512 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct key *k = wrap("ca", g_keys[cases[i].key]);
		const EVP_MD *md = EVP_get_digestbyname(cases[i].md);
		struct buf s1, s2;
		uint8_t bad[sizeof(msg)];

		buf_init(&s1, 4096);
		buf_init(&s2, 4096);
		assert_ok(key_sign(k, md, 0, msg, sizeof(msg) - 1, &s1));
		assert_int_equal(s1.len, cases[i].siglen);
		assert_int_equal(verify(g_keys[cases[i].key], md, PAD_PKCS1, 0, msg, sizeof(msg) - 1, s1.p, s1.len), 1);
		/* It is PKCS#1 v1.5, not PSS, and with this digest. */
		assert_int_not_equal(verify(g_keys[cases[i].key], md, PAD_PSS, RSA_PSS_SALTLEN_AUTO, msg, sizeof(msg) - 1,
					 s1.p, s1.len),
		    1);
		assert_int_not_equal(verify(g_keys[cases[i].key], EVP_sha1(), PAD_PKCS1, 0, msg, sizeof(msg) - 1, s1.p,
					 s1.len),
		    1);
		/* PKCS#1 v1.5 is deterministic. */
		assert_ok(key_sign(k, md, 0, msg, sizeof(msg) - 1, &s2));
		assert_int_equal(s1.len, s2.len);
		assert_memory_equal(s1.p, s2.p, s1.len);
		/* A changed message or signature does not verify. */
		memcpy(bad, msg, sizeof(msg));
		bad[0] ^= 1;
		assert_int_not_equal(verify(g_keys[cases[i].key], md, PAD_PKCS1, 0, bad, sizeof(msg) - 1, s1.p, s1.len), 1);
		s1.p[s1.len / 2] ^= 0x10;
		assert_int_not_equal(verify(g_keys[cases[i].key], md, PAD_PKCS1, 0, msg, sizeof(msg) - 1, s1.p, s1.len), 1);
		buf_free(&s1);
		buf_free(&s2);
		key_free(k);
	}
}

static void test_sign_rsa_pss(void **state)
{
	static const uint8_t msg[] = "tbs for PSS";
	static const struct {
		int key;
		const char *md;
		int salt;
	} cases[] = {
		{ RSA2048, "sha256", 32 },
		{ RSA3072, "sha384", 48 },
		{ RSA4096, "sha512", 64 },
		{ RSA2048, "sha512", 64 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct key *k = wrap("seal", g_keys[cases[i].key]);
		const EVP_MD *md = EVP_get_digestbyname(cases[i].md);
		EVP_PKEY *pk = g_keys[cases[i].key];
		struct buf s1, s2;

		buf_init(&s1, 4096);
		buf_init(&s2, 4096);
		assert_ok(key_sign(k, md, 1, msg, sizeof(msg) - 1, &s1));
		assert_int_equal(s1.len, (size_t)EVP_PKEY_get_size(pk));
		/* Salt length = digest length, exactly. */
		assert_int_equal(verify(pk, md, PAD_PSS, cases[i].salt, msg, sizeof(msg) - 1, s1.p, s1.len), 1);
		assert_int_equal(verify(pk, md, PAD_PSS, RSA_PSS_SALTLEN_DIGEST, msg, sizeof(msg) - 1, s1.p, s1.len), 1);
		assert_int_equal(verify(pk, md, PAD_PSS, RSA_PSS_SALTLEN_AUTO, msg, sizeof(msg) - 1, s1.p, s1.len), 1);
		assert_int_not_equal(verify(pk, md, PAD_PSS, 20, msg, sizeof(msg) - 1, s1.p, s1.len), 1);
		assert_int_not_equal(verify(pk, md, PAD_PKCS1, 0, msg, sizeof(msg) - 1, s1.p, s1.len), 1);
		assert_int_not_equal(verify(pk, md, PAD_PSS, cases[i].salt, (const uint8_t *)"tbs for PSs", sizeof(msg) - 1,
					 s1.p, s1.len),
		    1);
		/* PSS is randomised. */
		assert_ok(key_sign(k, md, 1, msg, sizeof(msg) - 1, &s2));
		assert_true(memcmp(s1.p, s2.p, s1.len) != 0);
		assert_int_equal(verify(pk, md, PAD_PSS, cases[i].salt, msg, sizeof(msg) - 1, s2.p, s2.len), 1);
		buf_free(&s1);
		buf_free(&s2);
		key_free(k);
	}
}

static void test_sign_ecdsa(void **state)
{
	static const uint8_t msg[] = "ECDSA message";
	static const struct {
		int key;
		const char *md;
	} cases[] = {
		{ P256, "sha256" },
		{ P384, "sha384" },
		{ P256, "sha512" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct key *k = wrap("tsa", g_keys[cases[i].key]);
		const EVP_MD *md = EVP_get_digestbyname(cases[i].md);
		EVP_PKEY *pk = g_keys[cases[i].key];
		struct buf sig;
		size_t start;

		buf_init(&sig, 4096);
		assert_ok(buf_puts(&sig, "pre"));
		start = sig.len;
		assert_ok(key_sign(k, md, 0, msg, sizeof(msg) - 1, &sig));
		assert_memory_equal(sig.p, "pre", 3); /* appended */
		assert_true(sig.len > start + 8 && sig.len - start <= (size_t)EVP_PKEY_get_size(pk));
		assert_int_equal(sig.p[start], 0x30); /* DER ECDSA-Sig-Value */
		assert_int_equal(verify(pk, md, PAD_NONE, 0, msg, sizeof(msg) - 1, sig.p + start, sig.len - start), 1);
		assert_int_not_equal(verify(pk, md, PAD_NONE, 0, msg, sizeof(msg) - 2, sig.p + start, sig.len - start), 1);
		/* pss has no meaning for EC keys: still plain ECDSA. */
		sig.len = 0;
		assert_ok(key_sign(k, md, 1, msg, sizeof(msg) - 1, &sig));
		assert_int_equal(verify(pk, md, PAD_NONE, 0, msg, sizeof(msg) - 1, sig.p, sig.len), 1);
		/* Empty input is signable. */
		sig.len = 0;
		assert_ok(key_sign(k, md, 0, (const uint8_t *)"", 0, &sig));
		assert_int_equal(verify(pk, md, PAD_NONE, 0, (const uint8_t *)"", 0, sig.p, sig.len), 1);
		buf_free(&sig);
		key_free(k);
	}
}

static void test_sign_limits_and_public_key(void **state)
{
	struct key *k = wrap("ca", g_keys[RSA2048]);
	struct buf sig;
	EVP_PKEY *pub;

	(void)state;
	/* Signature does not fit: refused, buffer unchanged. */
	buf_init(&sig, 255);
	assert_ok(buf_putc(&sig, 'x'));
	assert_err(key_sign(k, EVP_sha256(), 0, (const uint8_t *)"m", 1, &sig), TK_ERR_LIMIT);
	assert_int_equal(sig.len, 1);
	buf_free(&sig);
	buf_init(&sig, 256);
	assert_ok(key_sign(k, EVP_sha256(), 0, (const uint8_t *)"m", 1, &sig));
	assert_int_equal(sig.len, 256);
	buf_free(&sig);
	key_free(k);

	/* A public key cannot sign. */
	pub = public_only(g_keys[P256]);
	k = NULL;
	assert_ok(key_from_pkey("pub", pub, &k));
	buf_init(&sig, 1024);
	assert_err(key_sign(k, EVP_sha256(), 0, (const uint8_t *)"m", 1, &sig), TK_ERR_CRYPTO);
	assert_int_equal(sig.len, 0);
	buf_free(&sig);
	key_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_vectors),
		cmocka_unit_test(test_hmac_sha256_rfc4231),
		cmocka_unit_test(test_aead_roundtrip),
		cmocka_unit_test(test_aead_fresh_nonce),
		cmocka_unit_test(test_aead_wrong_key_and_aad),
		cmocka_unit_test(test_aead_every_bit_flip_fails),
		cmocka_unit_test(test_aead_truncated_and_extended),
		cmocka_unit_test(test_aead_output_limits),
		cmocka_unit_test(test_key_alg_valid),
		cmocka_unit_test(test_key_generate_all_algorithms),
		cmocka_unit_test(test_key_generate_fresh_keys_differ),
		cmocka_unit_test(test_key_generate_unknown_algorithm),
		cmocka_unit_test(test_key_alg_of_unsupported),
		cmocka_unit_test(test_soft_seal_open_roundtrip),
		cmocka_unit_test(test_soft_open_wrong_instance_key),
		cmocka_unit_test(test_soft_open_bound_to_name),
		cmocka_unit_test(test_soft_open_tampered_or_truncated),
		cmocka_unit_test(test_soft_open_authentic_garbage),
		cmocka_unit_test(test_soft_seal_public_only_fails),
		cmocka_unit_test(test_soft_seal_output_limit),
		cmocka_unit_test(test_soft_seal_name_limits_consistent),
		cmocka_unit_test(test_key_from_pkey),
		cmocka_unit_test(test_sign_rsa_pkcs1),
		cmocka_unit_test(test_sign_rsa_pss),
		cmocka_unit_test(test_sign_ecdsa),
		cmocka_unit_test(test_sign_limits_and_public_key),
	};

	return cmocka_run_group_tests_name("keys", tests, group_setup, group_teardown);
}

/* Software keys: generation, sealing under the instance key, signing. */
#include "keys/keys.h"
#include "keys/keys_int.h"

#include "crypto/crypto.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

struct key {
	_Atomic int refs;
	char name[64];
	enum key_kind kind;
	EVP_PKEY *pk;
};

static const struct {
	const char *name;
	int rsa_bits;
	const char *curve;
} algs[] = {
	{ "rsa2048", 2048, NULL },
	{ "rsa3072", 3072, NULL },
	{ "rsa4096", 4096, NULL },
	{ "ec-p256", 0, "P-256" },
	{ "ec-p384", 0, "P-384" },
};

int key_alg_valid(const char *alg)
{
	size_t i;

	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (strcmp(algs[i].name, alg) == 0)
			return 1;
	return 0;
}

enum tk_err key_generate(const char *alg, EVP_PKEY **out)
{
	size_t i;

	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		EVP_PKEY *pk;
		if (strcmp(algs[i].name, alg) != 0)
			continue;
		if (algs[i].rsa_bits)
			pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)algs[i].rsa_bits);
		else
			pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", algs[i].curve);
		if (pk == NULL)
			return tk_fail_ossl("key: generating %s", alg);
		*out = pk;
		return TK_OK;
	}
	return tk_fail(TK_ERR_INVALID, "key: unknown algorithm '%s' (rsa2048, rsa3072, rsa4096, ec-p256, ec-p384)", alg);
}

enum tk_err key_alg_of(const EVP_PKEY *pk, char out[16])
{
	if (EVP_PKEY_is_a(pk, "RSA")) {
		int bits = EVP_PKEY_get_bits(pk);
		if (bits == 2048 || bits == 3072 || bits == 4096) {
			return str_fmt(out, 16, "rsa%d", bits);
		}
		return tk_fail_code(TK_ERR_INVALID, "key_not_allowed", "key: RSA-%d is not supported (2048, 3072, 4096)", bits);
	}
	if (EVP_PKEY_is_a(pk, "EC")) {
		char curve[64] = "";
		size_t n = 0;
		if (EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, curve, sizeof(curve), &n) != 1)
			return tk_fail(TK_ERR_INVALID, "key: EC key without a named curve");
		if (strcmp(curve, "prime256v1") == 0 || strcmp(curve, "P-256") == 0)
			return str_copy(out, 16, "ec-p256");
		if (strcmp(curve, "secp384r1") == 0 || strcmp(curve, "P-384") == 0)
			return str_copy(out, 16, "ec-p384");
		return tk_fail_code(TK_ERR_INVALID, "key_not_allowed", "key: EC curve %s is not supported (P-256, P-384)", curve);
	}
	return tk_fail_code(TK_ERR_INVALID, "key_not_allowed", "key: unsupported key type (RSA or EC only)");
}

static enum tk_err aad_for(const char *name, char *aad, size_t sz)
{
	/* Names must fit struct key, or a sealed key could never be opened. */
	if (strlen(name) == 0 || strlen(name) >= sizeof(((struct key *)0)->name))
		return tk_fail(TK_ERR_INVALID, "key: name must be 1 to %zu bytes", sizeof(((struct key *)0)->name) - 1);
	return str_fmt(aad, sz, "teken-key-v1:%s", name);
}

enum tk_err key_soft_seal(const uint8_t ikey[32], const char *name, EVP_PKEY *pk, struct buf *out)
{
	uint8_t *der = NULL;
	int n;
	char aad[128];
	enum tk_err rc;

	if ((rc = aad_for(name, aad, sizeof(aad))) != TK_OK)
		return rc;
	n = i2d_PrivateKey(pk, &der);
	if (n <= 0)
		return tk_fail_ossl("key %s: encoding", name);
	rc = aead_seal(ikey, aad, der, (size_t)n, out);
	OPENSSL_clear_free(der, (size_t)n);
	return rc;
}

enum tk_err key_soft_open(const uint8_t ikey[32], const char *name, const uint8_t *blob, size_t len,
    struct key **out)
{
	struct buf pt;
	const uint8_t *q;
	EVP_PKEY *pk = NULL;
	char aad[128];
	enum tk_err rc;

	buf_init_secret(&pt, MAX_KEY_BLOB_BYTES);
	if ((rc = aad_for(name, aad, sizeof(aad))) != TK_OK)
		goto out;
	if ((rc = aead_open(ikey, aad, blob, len, &pt)) != TK_OK) {
		rc = tk_fail(TK_ERR_CRYPTO, "key %s: cannot decrypt (wrong instance key or tampered key blob)", name);
		goto out;
	}
	q = pt.p;
	pk = d2i_AutoPrivateKey(NULL, &q, (long)pt.len);
	if (pk == NULL) {
		rc = tk_fail_ossl("key %s: decoding", name);
		goto out;
	}
	rc = key_from_pkey(name, pk, out);
	pk = NULL;
out:
	EVP_PKEY_free(pk);
	buf_free(&pt);
	return rc;
}

enum tk_err key_from_pkey(const char *name, EVP_PKEY *pk, struct key **out)
{
	return key_new(name, KEY_SOFT, pk, out);
}

enum tk_err key_new(const char *name, enum key_kind kind, EVP_PKEY *pk, struct key **out)
{
	struct key *k = calloc(1, sizeof(*k));

	if (k == NULL || str_copy(k->name, sizeof(k->name), name) != TK_OK) {
		free(k);
		EVP_PKEY_free(pk);
		return tk_fail(TK_ERR_INVALID, "key: bad name");
	}
	k->refs = 1;
	k->kind = kind;
	k->pk = pk;
	*out = k;
	return TK_OK;
}

struct key *key_ref(struct key *k)
{
	k->refs++;
	return k;
}

void key_free(struct key *k)
{
	if (k == NULL || --k->refs > 0)
		return;
	EVP_PKEY_free(k->pk);
	free(k);
}

const char *key_name(const struct key *k) { return k->name; }
enum key_kind key_kind(const struct key *k) { return k->kind; }
EVP_PKEY *key_pkey(const struct key *k) { return k->pk; }

enum tk_err key_sign(const struct key *k, const EVP_MD *md, int pss, const uint8_t *tbs, size_t len,
    struct buf *sig)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	size_t n = 0;
	enum tk_err rc = TK_ERR_CRYPTO;

	if (ctx == NULL || EVP_DigestSignInit(ctx, &pctx, md, NULL, k->pk) != 1) {
		rc = tk_fail_ossl("key %s: sign init", k->name);
		goto out;
	}
	if (pss && EVP_PKEY_is_a(k->pk, "RSA") &&
	    (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
		EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1)) {
		rc = tk_fail_ossl("key %s: PSS", k->name);
		goto out;
	}
	if (EVP_DigestSign(ctx, NULL, &n, tbs, len) != 1) {
		rc = tk_fail_ossl("key %s: sign", k->name);
		goto out;
	}
	if ((rc = buf_reserve(sig, n)) != TK_OK)
		goto out;
	if (EVP_DigestSign(ctx, sig->p + sig->len, &n, tbs, len) != 1) {
		rc = tk_fail_ossl("key %s: sign", k->name);
		goto out;
	}
	sig->len += n;
	rc = TK_OK;
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

/* AES-256-GCM sealing and hashes on OpenSSL EVP. */
#include "crypto/crypto.h"

#include <argon2.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <limits.h>
#include <string.h>

static const uint8_t magic[4] = { 'T', 'K', 'A', '1' };

enum tk_err aead_seal(const uint8_t key[AEAD_KEY_LEN], const char *aad,
    const uint8_t *pt, size_t ptlen, struct buf *out)
{
	EVP_CIPHER_CTX *ctx = NULL;
	uint8_t nonce[AEAD_NONCE_LEN];
	size_t start = out->len;
	int n = 0, fin = 0;
	enum tk_err rc = TK_ERR_CRYPTO;

	if (ptlen > INT_MAX - 64)
		return tk_fail(TK_ERR_LIMIT, "seal: input too large");
	if ((rc = rand_bytes(nonce, sizeof(nonce))) != TK_OK)
		return rc;
	if ((rc = buf_reserve(out, AEAD_OVERHEAD + ptlen)) != TK_OK)
		return rc;
	rc = TK_ERR_CRYPTO;
	memcpy(out->p + out->len, magic, 4);
	memcpy(out->p + out->len + 4, nonce, sizeof(nonce));
	ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL || EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, nonce) != 1 ||
	    EVP_EncryptUpdate(ctx, NULL, &n, (const uint8_t *)aad, (int)strlen(aad)) != 1 ||
	    EVP_EncryptUpdate(ctx, out->p + out->len + 4 + AEAD_NONCE_LEN, &n, pt, (int)ptlen) != 1 ||
	    EVP_EncryptFinal_ex(ctx, out->p + out->len + 4 + AEAD_NONCE_LEN + n, &fin) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, AEAD_TAG_LEN,
		out->p + out->len + 4 + AEAD_NONCE_LEN + n + fin) != 1) {
		rc = tk_fail_ossl("seal: AES-256-GCM");
		goto out;
	}
	out->len += 4 + AEAD_NONCE_LEN + (size_t)n + (size_t)fin + AEAD_TAG_LEN;
	rc = TK_OK;
out:
	if (rc != TK_OK)
		out->len = start;
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

enum tk_err aead_open(const uint8_t key[AEAD_KEY_LEN], const char *aad,
    const uint8_t *blob, size_t len, struct buf *out)
{
	EVP_CIPHER_CTX *ctx = NULL;
	const uint8_t *nonce, *ct, *tag;
	size_t ctlen, start = out->len;
	int n = 0, fin = 0;
	enum tk_err rc;

	if (len < AEAD_OVERHEAD || memcmp(blob, magic, 4) != 0)
		return tk_fail(TK_ERR_CRYPTO, "open: not a sealed blob");
	nonce = blob + 4;
	ct = nonce + AEAD_NONCE_LEN;
	ctlen = len - AEAD_OVERHEAD;
	tag = ct + ctlen;
	if (ctlen > INT_MAX)
		return tk_fail(TK_ERR_LIMIT, "open: blob too large");
	if ((rc = buf_reserve(out, ctlen)) != TK_OK)
		return rc;
	rc = TK_ERR_CRYPTO;
	ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL || EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, nonce) != 1 ||
	    EVP_DecryptUpdate(ctx, NULL, &n, (const uint8_t *)aad, (int)strlen(aad)) != 1 ||
	    EVP_DecryptUpdate(ctx, out->p + out->len, &n, ct, (int)ctlen) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, AEAD_TAG_LEN, (void *)tag) != 1) {
		rc = tk_fail_ossl("open: AES-256-GCM");
		goto out;
	}
	if (EVP_DecryptFinal_ex(ctx, out->p + out->len + n, &fin) != 1) {
		rc = tk_fail(TK_ERR_CRYPTO, "open: authentication failed (wrong key or tampered data)");
		goto out;
	}
	out->len += (size_t)n + (size_t)fin;
	rc = TK_OK;
out:
	if (rc != TK_OK) {
		/* Never leave unauthenticated plaintext behind. */
		if (out->cap > start)
			OPENSSL_cleanse(out->p + start, out->cap - start);
		out->len = start;
	}
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

void sha256(const void *p, size_t len, uint8_t out[32])
{
	SHA256(p, len, out);
}

void sha256_hex(const void *p, size_t len, char out[65])
{
	uint8_t d[32];

	SHA256(p, len, d);
	hex_encode(d, sizeof(d), out);
}

void hmac_sha256(const uint8_t *key, size_t keylen, const void *p, size_t len, uint8_t out[32])
{
	unsigned int n = 32;

	HMAC(EVP_sha256(), key, (int)keylen, p, len, out, &n);
}

enum tk_err hkdf_sha256(const uint8_t key[32], const char *info, uint8_t out[32])
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	OSSL_PARAM p[4];
	enum tk_err rc = TK_OK;

	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
	p[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)key, 32);
	p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, strlen(info));
	p[3] = OSSL_PARAM_construct_end();
	if (ctx == NULL || EVP_KDF_derive(ctx, out, 32, p) != 1)
		rc = tk_fail_ossl("hkdf");
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return rc;
}

enum tk_err kdf_passphrase(const char *pass, const uint8_t salt[16], uint8_t out[32])
{
	if (argon2id_hash_raw(2, 19u * 1024u, 1, pass, strlen(pass), salt, 16, out, 32) != ARGON2_OK)
		return tk_fail(TK_ERR_INTERNAL, "kdf: Argon2id failed");
	return TK_OK;
}

/*
 * crypto: small symmetric primitives on OpenSSL used across teken:
 * AES-256-GCM sealing of secrets at rest, SHA-256 and HMAC-SHA-256.
 */
#ifndef TEKEN_CRYPTO_H
#define TEKEN_CRYPTO_H

#include "core/core.h"

#define AEAD_KEY_LEN 32u
#define AEAD_NONCE_LEN 12u
#define AEAD_TAG_LEN 16u
#define AEAD_OVERHEAD (4u + AEAD_NONCE_LEN + AEAD_TAG_LEN)

/*
 * Seals pt under key with a fresh random nonce; aad binds the blob to its
 * purpose (e.g. "key:ca-issuing") so blobs cannot be swapped. Appends
 * "TKA1" | nonce | ciphertext | tag to out. aead_open() reverses it.
 */
enum tk_err aead_seal(const uint8_t key[AEAD_KEY_LEN], const char *aad,
    const uint8_t *pt, size_t ptlen, struct buf *out) WARN_UNUSED;
/*
 * Opens a blob from aead_seal(); appends the plaintext to out (use a
 * secret buf). Fails with TK_ERR_CRYPTO on any tampering or a wrong key.
 */
enum tk_err aead_open(const uint8_t key[AEAD_KEY_LEN], const char *aad,
    const uint8_t *blob, size_t len, struct buf *out) WARN_UNUSED;

void sha256(const void *p, size_t len, uint8_t out[32]);
/* Lower-case hex SHA-256 (65 bytes with NUL). */
void sha256_hex(const void *p, size_t len, char out[65]);
/* HKDF-SHA-256 (RFC 5869) of a 32-byte key with an info label, 32 bytes out. */
enum tk_err hkdf_sha256(const uint8_t key[32], const char *info, uint8_t out[32]) WARN_UNUSED;
/* Argon2id raw key from a passphrase (19 MiB, t=2, p=1), for sealing. */
enum tk_err kdf_passphrase(const char *pass, const uint8_t salt[16], uint8_t out[32]) WARN_UNUSED;
void hmac_sha256(const uint8_t *key, size_t keylen, const void *p, size_t len, uint8_t out[32]);

#endif

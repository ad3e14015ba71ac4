/*
 * keys: the private-key interface. A key is either a software key (an
 * EVP_PKEY decrypted from an AES-256-GCM blob sealed under the instance key)
 * or a PKCS#11 key whose EVP_PKEY forwards signing to the token (pkcs11.c).
 * Everything above signs through key_sign() or hands key_pkey() to an
 * OpenSSL builder (X509_sign, CMS, TS, OCSP); nothing copies key material.
 */
#ifndef TEKEN_KEYS_H
#define TEKEN_KEYS_H

#include "core/core.h"

#include <openssl/evp.h>

enum key_kind { KEY_SOFT,
	KEY_PKCS11 };

struct key;

/* Algorithms by name: rsa2048 rsa3072 rsa4096 ec-p256 ec-p384. */
int key_alg_valid(const char *alg);
/* Generates a new key pair; caller frees with EVP_PKEY_free(). */
enum tk_err key_generate(const char *alg, EVP_PKEY **out) WARN_UNUSED;
/* Canonical algorithm name of a (public or private) key, e.g. "ec-p256". */
enum tk_err key_alg_of(const EVP_PKEY *pk, char out[16]) WARN_UNUSED;

/*
 * Seals a private key (PKCS#8 DER) under the 32-byte instance key, bound to
 * its name; appends the blob to out. key_soft_open() reverses it.
 */
enum tk_err key_soft_seal(const uint8_t ikey[32], const char *name, EVP_PKEY *pk, struct buf *out) WARN_UNUSED;
/* Opens a blob from key_soft_seal(); caller frees *out with key_free(). */
enum tk_err key_soft_open(const uint8_t ikey[32], const char *name, const uint8_t *blob, size_t len,
    struct key **out) WARN_UNUSED;
/* Wraps an EVP_PKEY (takes ownership of pk) as a software key. */
enum tk_err key_from_pkey(const char *name, EVP_PKEY *pk, struct key **out) WARN_UNUSED;
/* Takes another reference (keys are shared read-only between threads). */
struct key *key_ref(struct key *k);
/* Drops a reference; frees on the last one. Accepts NULL. */
void key_free(struct key *k);

const char *key_name(const struct key *k);
enum key_kind key_kind(const struct key *k);
/* The key as an EVP_PKEY for OpenSSL builders; owned by k. */
EVP_PKEY *key_pkey(const struct key *k);
/*
 * Signs tbs with digest md (PKCS#1 v1.5 for RSA, ECDSA for EC keys; pss
 * selects RSA-PSS with salt = digest length). Appends the signature to sig.
 */
enum tk_err key_sign(const struct key *k, const EVP_MD *md, int pss, const uint8_t *tbs, size_t len,
    struct buf *sig) WARN_UNUSED;

/* ---- PKCS#11 keys (keys/pkcs11.c, docs/hsm.md) ---- */

/* Longest reference key_p11_generate() writes, NUL included. */
#define KEY_P11_REF_MAX 1280

/*
 * Where token keys live. The PIN is read from pin_file (mode 0600 or
 * stricter) at each login and wiped after it; it is never stored.
 */
struct key_p11_token {
	const char *module; /* PKCS#11 module (shared library) path */
	const char *token;  /* token label */
	const char *pin_file;
};

/*
 * Generates a key pair named name (CKA_LABEL) with a random CKA_ID on the
 * token: the private key is sensitive and not extractable. *out signs on
 * the token (caller frees with key_free()); *pub is the public key (caller
 * frees with EVP_PKEY_free()); ref receives the reference to store, an
 * RFC 7512 PKCS#11 URI with the module path and without the PIN, that
 * key_p11_open() reads.
 */
enum tk_err key_p11_generate(const struct key_p11_token *t, const char *name, const char *alg, struct key **out,
    EVP_PKEY **pub, char ref[KEY_P11_REF_MAX]) WARN_UNUSED;
/*
 * Opens the token key that ref (from key_p11_generate()) names, logging in
 * with the PIN from t->pin_file. t->module and t->token, when not NULL,
 * take precedence over the ref's (a module installed elsewhere). Errors are
 * one line ("hsm: wrong PIN for token 'x'"). Caller frees with key_free().
 */
enum tk_err key_p11_open(const struct key_p11_token *t, const char *name, const char *ref, struct key **out)
    WARN_UNUSED;
/* Destroys the token objects of a key from key_p11_generate() (undoing a
 * failed init); k itself stays valid until key_free(). */
enum tk_err key_p11_destroy(struct key *k) WARN_UNUSED;

#endif

/*
 * keys: private interface between keys.c (struct key) and pkcs11.c (token
 * keys). Not for use outside src/keys/.
 */
#ifndef TEKEN_KEYS_INT_H
#define TEKEN_KEYS_INT_H

#include "keys/keys.h"

/*
 * Wraps an EVP_PKEY as a key of the given kind; takes ownership of pk (freed
 * on failure too). key_from_pkey() is this with KEY_SOFT.
 */
enum tk_err key_new(const char *name, enum key_kind kind, EVP_PKEY *pk, struct key **out) WARN_UNUSED;

#endif

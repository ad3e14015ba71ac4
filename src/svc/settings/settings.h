/*
 * svc/settings: a read-only view of how the instance is set up, for the
 * ministry's admins and the issuer's auditors (and the operator on the
 * machine): the effective teken.conf with every secret redacted, the build
 * version, the store backend, where the instance keys live, the public
 * base URL. Nothing here changes state.
 */
#ifndef TEKEN_SVC_SETTINGS_H
#define TEKEN_SVC_SETTINGS_H

#include "svc/base/base.h"

/*
 * The settings as JSON text (caller frees *out):
 *   {"version", "schema_version", "base_url", "mode",
 *    "store": {"backend": "sqlite"|"postgresql", "url"},
 *    "key_storage": {"kind": "file"|"pkcs11"|"mixed", "hsm_module"?, "keys": [{"name","kind","alg"}]},
 *    "sections": [{"name", "keys": [{"key", "value", "redacted"}]}]}
 * Redaction (settings_redact_value below): a key whose name contains
 * pass, secret, key, token or pin (case-insensitive) shows "[redacted]"
 * unless it is one of a few named algorithm and policy keys; in every other
 * value, the password of a URL's user information and libpq-style
 * "password=..." parameters are redacted. No PKCS#11 reference or PIN is
 * shown. Callers: admin, auditor (persons), the operator; others "forbidden".
 */
enum tk_err settings_json(struct svc_ctx *c, char **out) WARN_UNUSED;

/* settings_json's redaction of one entry, exposed for the unit test. */
#define SETTINGS_REDACTED "[redacted]"
/* Does a key of this name hold a secret (its whole value is hidden)? */
int settings_key_is_secret(const char *key);
/*
 * value with embedded credentials redacted into out (a fresh buffer the
 * caller frees with buf_free); *changed is 1 when anything was hidden.
 */
enum tk_err settings_redact_value(const char *value, struct buf *out, int *changed) WARN_UNUSED;

#endif

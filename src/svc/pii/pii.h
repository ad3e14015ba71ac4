/* svc/pii: personal data sealed at rest and the blind indexes. */
#ifndef TEKEN_SVC_PII_H
#define TEKEN_SVC_PII_H

#include "svc/base/base.h"

/* ---- personal data (svc/pii.c) ---- */

/* Seals a PII value under the instance PII key, bound to its field name. */
enum tk_err pii_seal(const struct instance *inst, const char *field, const char *value, struct buf *out) WARN_UNUSED;
/* Opens a sealed value into out as a NUL-terminated string (use a secret buf). */
enum tk_err pii_open(const struct instance *inst, const char *field, const uint8_t *blob, size_t len,
    struct buf *out) WARN_UNUSED;
/*
 * Seals a file (any bytes) under the instance PII key, bound to label: the
 * table and row it belongs to ("evidence-12", "assessment-report-3"), so a
 * blob copied to another row does not open. Appends to out. Used for RA
 * evidence files and security-assessment reports. pii_open_blob() reverses it.
 */
enum tk_err pii_seal_blob(const struct instance *inst, const char *label, const uint8_t *p, size_t len, struct buf *out) WARN_UNUSED;
/* Opens a blob of pii_seal_blob() with the same label; appends the bytes to out (a secret buf for secrets). */
enum tk_err pii_open_blob(const struct instance *inst, const char *label, const uint8_t *blob, size_t len, struct buf *out) WARN_UNUSED;
/* HMAC-SHA-256 blind index of a NIK, hex. */
void pii_nik_index(const struct instance *inst, const char *nik, char out[65]);
/* Blind index of an e-mail address (compared case-insensitively), hex. */
void pii_email_index(const struct instance *inst, const char *email, char out[65]);
/*
 * A stable pseudonym of a subscriber record: the first 12 hex digits of an
 * HMAC of its id under a key of the instance (no one without instance.key
 * can link it to the id, or the id to it). Shown to callers who may not see
 * who the person is (auditors, R16).
 */
#define PII_PSEUDONYM_LEN 12
void pii_pseudonym(const struct instance *inst, int64_t subscriber_id, char out[PII_PSEUDONYM_LEN + 1]);
/* 16 digits with a plausible province code and birth date part. */
enum tk_err nik_check(const char *nik) WARN_UNUSED;

#endif

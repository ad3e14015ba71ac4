/* Personal data at rest (UU 27/2022): sealed columns and the NIK blind index. */
#include "svc/base/base.h"
#include "svc/pii/pii.h"
#include "svc/base/base_int.h"

#include "crypto/crypto.h"

#include <ctype.h>
#include <string.h>

static enum tk_err aad_of(const char *field, char *out, size_t sz)
{
	return str_fmt(out, sz, "teken-pii-v1:%s", field);
}

enum tk_err pii_seal(const struct instance *inst, const char *field, const char *value, struct buf *out)
{
	char aad[64];
	enum tk_err rc;

	if ((rc = aad_of(field, aad, sizeof(aad))) != TK_OK)
		return rc;
	return aead_seal(inst->pii_key, aad, (const uint8_t *)value, strlen(value), out);
}

enum tk_err pii_open(const struct instance *inst, const char *field, const uint8_t *blob, size_t len, struct buf *out)
{
	char aad[64];
	enum tk_err rc;

	if ((rc = aad_of(field, aad, sizeof(aad))) != TK_OK)
		return rc;
	if ((rc = aead_open(inst->pii_key, aad, blob, len, out)) != TK_OK)
		return tk_fail(TK_ERR_CRYPTO, "personal data field %s cannot be opened (wrong instance key or tampered)", field);
	return buf_putc(out, 0) == TK_OK ? (out->len--, TK_OK) : TK_ERR_NOMEM;
}

enum tk_err pii_seal_blob(const struct instance *inst, const char *label, const uint8_t *p, size_t len, struct buf *out)
{
	return aead_seal(inst->pii_key, label, p, len, out);
}

enum tk_err pii_open_blob(const struct instance *inst, const char *label, const uint8_t *blob, size_t len, struct buf *out)
{
	if (aead_open(inst->pii_key, label, blob, len, out) != TK_OK)
		return tk_fail(TK_ERR_CRYPTO, "sealed file %s cannot be opened (wrong instance key or tampered)", label);
	return TK_OK;
}

void pii_nik_index(const struct instance *inst, const char *nik, char out[65])
{
	uint8_t mac[32];

	hmac_sha256(inst->index_key, sizeof(inst->index_key), nik, strlen(nik), mac);
	hex_encode(mac, sizeof(mac), out);
}

void pii_email_index(const struct instance *inst, const char *email, char out[65])
{
	char low[256];
	uint8_t mac[32];
	size_t i;

	for (i = 0; email[i] && i < sizeof(low) - 1; i++)
		low[i] = (char)tolower((unsigned char)email[i]);
	low[i] = '\0';
	/* A distinct label keeps e-mail and NIK indexes unrelated. */
	hmac_sha256(inst->index_key, sizeof(inst->index_key), "email:", 6, mac);
	hmac_sha256(mac, sizeof(mac), low, i, mac);
	hex_encode(mac, sizeof(mac), out);
}

void pii_pseudonym(const struct instance *inst, int64_t subscriber_id, char out[PII_PSEUDONYM_LEN + 1])
{
	char id[24], hex[65];
	uint8_t mac[32];

	if (str_fmt(id, sizeof(id), "%lld", (long long)subscriber_id) != TK_OK)
		id[0] = '\0'; /* cannot happen: 24 bytes hold any int64 */
	/* Its own label, as for the e-mail index: unrelated to both indexes. */
	hmac_sha256(inst->index_key, sizeof(inst->index_key), "pseudonym:", 10, mac);
	hmac_sha256(mac, sizeof(mac), id, strlen(id), mac);
	hex_encode(mac, sizeof(mac), hex);
	memcpy(out, hex, PII_PSEUDONYM_LEN);
	out[PII_PSEUDONYM_LEN] = '\0';
}

/* 16 digits: province (11..94), regency, district, birth date (day +40 for women), serial. */
enum tk_err nik_check(const char *nik)
{
	size_t i;
	int prov, day, month;

	if (strlen(nik) != 16)
		return tk_fail_code(TK_ERR_INVALID, "invalid_nik", "NIK must be exactly 16 digits");
	for (i = 0; i < 16; i++)
		if (!isdigit((unsigned char)nik[i]))
			return tk_fail_code(TK_ERR_INVALID, "invalid_nik", "NIK must be exactly 16 digits");
	prov = (nik[0] - '0') * 10 + (nik[1] - '0');
	day = (nik[6] - '0') * 10 + (nik[7] - '0');
	month = (nik[8] - '0') * 10 + (nik[9] - '0');
	if (prov < 11 || prov > 94 || !((day >= 1 && day <= 31) || (day >= 41 && day <= 71)) || month < 1 || month > 12)
		return tk_fail_code(TK_ERR_INVALID, "invalid_nik", "NIK is not a valid Indonesian NIK (province or birth date part)");
	return TK_OK;
}

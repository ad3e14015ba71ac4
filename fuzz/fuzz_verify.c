/*
 * libFuzzer target for the whole verification path (src/verify): PDF
 * loading, signature field walk, format checks, BER/DER framing of the CMS,
 * cms_parse, digests over the byte ranges, path validation, timestamps,
 * the /DSS reader, revision comparison and both report renderers.
 *
 * Input starting with "%PDF" is a PDF; anything else is CAdES: two bytes
 * (big endian) give the length of the signature, the rest is the content.
 * The trust store holds one fixed anchor so the path code runs, and the
 * validation time is fixed so a crash reproduces. Seeds: signed PDFs made
 * by tests/unit/test_verify.c (TEKEN_VERIFY_SEED_DIR=fuzz/corpus/fuzz_verify).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "verify/verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A self-signed P-256 certificate (CN=Fuzz Root, openssl req -x509), only so that chains are built. */
static const char anchor_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBfDCCASOgAwIBAgIULDDknkLtTMoAGmSeqTRKn08/2cswCgYIKoZIzj0EAwIw\n"
    "FDESMBAGA1UEAwwJRnV6eiBSb290MB4XDTI2MTEyNTE5MDkwMloXDTQ2MTEyMDE5\n"
    "MDkwMlowFDESMBAGA1UEAwwJRnV6eiBSb290MFkwEwYHKoZIzj0CAQYIKoZIzj0D\n"
    "AQcDQgAEa2M7JG4bw3/uc4VYshaIasN+xGngteKT4MqcjG0UQUhGiVy8rhx41llJ\n"
    "pPvr/x3I5bqncmVLln4S1mmdSHYfvqNTMFEwHQYDVR0OBBYEFOpt/CHUX8Z8UrhP\n"
    "wZKq9hMCKidSMB8GA1UdIwQYMBaAFOpt/CHUX8Z8UrhPwZKq9hMCKidSMA8GA1Ud\n"
    "EwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDRwAwRAIgJHnl+ZfokkvT6Zdcbx8N/hcS\n"
    "0w2m0j4hG2DLH9HDCvwCIESJzmXA2et5RahVR9PWl8xPlb6Wzy9LOnVemvujDnHT\n"
    "-----END CERTIFICATE-----\n";

static struct verify_trust *trust;

static void setup(void)
{
	if (trust != NULL)
		return;
	if (verify_trust_new(&trust) != TK_OK)
		abort();
	/* A bad fixed PEM would only leave the store empty; the path code still runs. */
	if (verify_trust_add_anchors(trust, (const uint8_t *)anchor_pem, sizeof(anchor_pem) - 1, "fuzz anchor") != TK_OK)
		tk_clear_error();
}

static void render(const struct verify_report *r)
{
	json_t *j = NULL;
	struct buf b;
	char *s;

	if (verify_report_json(r, "fuzz.pdf", &j) == TK_OK) {
		s = json_dumps(j, JSON_COMPACT);
		free(s);
		json_decref(j);
	}
	buf_init(&b, 4u << 20);
	if (verify_report_text(r, "fuzz.pdf", &b) != TK_OK)
		tk_clear_error();
	buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct verify_opts o;
	struct verify_report *r = NULL;
	enum tk_err rc;

	setup();
	memset(&o, 0, sizeof(o));
	o.trust = trust;
	o.now = 1798761600; /* 2027-01-01T00:00:00Z */
	o.max_seconds = 5;
	if (size >= 4 && memcmp(data, "%PDF", 4) == 0) {
		rc = verify_pdf(data, size, &o, &r);
	} else {
		size_t n;
		if (size < 2)
			return 0;
		n = (size_t)data[0] << 8 | data[1];
		if (n > size - 2)
			n = size - 2;
		rc = verify_cades(data + 2, n, data + 2 + n, size - 2 - n, &o, &r);
	}
	if (rc == TK_OK)
		render(r);
	verify_report_free(r);
	tk_clear_error();
	return 0;
}

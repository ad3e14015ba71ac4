/*
 * libFuzzer target for the TSA replies teken consumes when it signs
 * (src/svc/trust/timestamp.c timestamp_reply_token: RFC 3161 TimeStampResp,
 * status, version, imprint and nonce against our request) and for what it
 * does with an accepted token: adds it to a CMS signature as the
 * signature timestamp (cms_add_unsigned_attr_timestamp), parses that again
 * (cms_parse) and verifies the result (verify_cades: TSTInfo, TSA path,
 * genTime against the signing time).
 *
 * The request is the fixed TimeStampReq of fuzz/fixture_pki.h; the signed
 * CMS is the fixture's CAdES signature. Oracles: an accepted reply holds a
 * token whose TSTInfo has our imprint and our nonce (read again with
 * OpenSSL alone); a CMS the token was added to parses again.
 * Seeds: replies made by `openssl ts -reply` (fuzz/mkseeds.sh).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cms/cms.h"
#include "svc/trust/trust.h"
#include "verify/verify.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/ts.h>

#include "fixture_pki.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static TS_REQ *req;
static struct verify_trust *trust;

static void setup(void)
{
	const unsigned char *q = fx_tsq;

	if (req != NULL)
		return;
	if ((req = d2i_TS_REQ(NULL, &q, (long)sizeof(fx_tsq))) == NULL || verify_trust_new(&trust) != TK_OK ||
	    verify_trust_add_anchors(trust, (const uint8_t *)fx_root_pem, strlen(fx_root_pem), "fixture root") != TK_OK)
		abort();
}

/* The token's TSTInfo answers our request: same imprint, same nonce. */
static void check_token(const struct buf *token)
{
	const unsigned char *q = token->p;
	PKCS7 *p7 = d2i_PKCS7(NULL, &q, (long)token->len);
	TS_TST_INFO *ti = p7 != NULL ? PKCS7_to_TS_TST_INFO(p7) : NULL;
	const ASN1_OCTET_STRING *want, *got;

	if (ti == NULL)
		abort();
	want = TS_MSG_IMPRINT_get_msg(TS_REQ_get_msg_imprint(req));
	got = TS_MSG_IMPRINT_get_msg(TS_TST_INFO_get_msg_imprint(ti));
	if (ASN1_STRING_cmp(want, got) != 0 || TS_TST_INFO_get_nonce(ti) == NULL ||
	    ASN1_INTEGER_cmp(TS_TST_INFO_get_nonce(ti), TS_REQ_get_nonce(req)) != 0)
		abort();
	TS_TST_INFO_free(ti);
	PKCS7_free(p7);
}

static void use_token(const struct buf *token)
{
	struct buf signed_ts;
	struct cms_info *info = NULL;
	struct verify_report *r = NULL;
	struct verify_opts o;

	buf_init(&signed_ts, 1u << 20);
	if (cms_add_unsigned_attr_timestamp(fx_cades, sizeof(fx_cades), token->p, token->len, &signed_ts) != TK_OK) {
		tk_clear_error();
		goto out;
	}
	if (cms_parse(signed_ts.p, signed_ts.len, &info) != TK_OK)
		abort(); /* what we made must parse */
	memset(&o, 0, sizeof(o));
	o.trust = trust;
	o.now = 1811808000; /* 2027-06-01T00:00:00Z, inside the fixture's validity */
	o.max_seconds = 5;
	o.revocation_optional = 1;
	if (verify_cades(signed_ts.p, signed_ts.len, (const uint8_t *)fx_content, strlen(fx_content), &o, &r) != TK_OK)
		tk_clear_error();
	else if (getenv("TEKEN_FUZZ_DEBUG") != NULL && r->nsigs == 1)
		fprintf(stderr, "fuzz: level %s nts %zu ts ind %d: %s; sig ind %d: %s\n", r->sigs[0].level, r->sigs[0].nts,
		    r->sigs[0].nts ? (int)r->sigs[0].ts[0].ind : -1, r->sigs[0].nts ? r->sigs[0].ts[0].msg : "", (int)r->sigs[0].ind,
		    r->sigs[0].msg);
out:
	verify_report_free(r);
	cms_info_free(info);
	buf_free(&signed_ts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf token;

	setup();
	buf_init(&token, 1u << 20);
	if (timestamp_reply_token(req, data, size, &token) == TK_OK) {
		check_token(&token);
		use_token(&token);
	} else {
		if (getenv("TEKEN_FUZZ_DEBUG") != NULL)
			fprintf(stderr, "fuzz: reply refused: %s\n", tk_errmsg());
		tk_clear_error();
	}
	ERR_clear_error();
	buf_free(&token);
	return 0;
}

/*
 * libFuzzer target for src/cms: parses the input as a CMS SignedData and
 * checks what the parser promises (the raw spans agree with the framing
 * helpers, counts stay within the limits, verification refuses or passes
 * without crashing). Then, when the input is one DER element followed by
 * more bytes, adds the rest as a signature timestamp token to the first
 * element; whatever that accepts must parse again.
 *
 * Seeds (fuzz/corpus/fuzz_cms/) come from tests/unit/test_cms.c run with
 * TEKEN_CMS_SEED_DIR set: our signatures of each algorithm, one with a
 * timestamp, one made by the openssl CLI, a synthetic frame, a
 * signature followed by a matching token, and other signers' shapes: no
 * signed attributes, ecdsa-plain, signed attributes out of DER order.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cms/cms.h"

#include <openssl/err.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_parsed(const uint8_t *data, size_t size, const struct cms_info *info)
{
	const uint8_t *p;
	size_t plen;

	if (info->n_timestamps > CMS_MAX_TIMESTAMPS || info->n_signers == 0 || info->n_signers > CMS_MAX_SIGNERS ||
	    info->message_digest_len > CMS_MAX_DIGEST || info->signature_len == 0)
		abort();
	/* What parsed is framed: the helpers see the same bytes. */
	if (cms_signature_value(data, size, &p, &plen) != TK_OK || plen != info->signature_len ||
	    memcmp(p, info->signature, plen) != 0)
		abort();
	if (info->has_signed_attrs) {
		if (cms_signed_attrs(data, size, &p, &plen) != TK_OK || plen != info->signed_attrs_len || plen < 2 ||
		    p[0] != 0xa0 || info->signed_attrs_der[0] != 0x31 ||
		    memcmp(p + 1, info->signed_attrs_der + 1, plen - 1) != 0)
			abort();
	} else if (cms_signed_attrs(data, size, &p, &plen) != TK_ERR_NOT_FOUND) {
		abort();
	}
	/* Signed attributes out of DER order come with their sorted encoding, a permutation of the same length. */
	if ((info->signed_attrs_sorted != NULL) != (info->has_signed_attrs && info->signed_attrs_unsorted) ||
	    (info->signed_attrs_sorted != NULL &&
		(info->signed_attrs_sorted[0] != 0x31 || memcmp(info->signed_attrs_sorted, info->signed_attrs_der, info->signed_attrs_len) == 0)))
		abort();
	/* Runs the whole check (messageDigest matches by construction). */
	if (cms_verify_signature(info, info->message_digest, info->message_digest_len) != TK_OK)
		tk_clear_error();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cms_info *info = NULL;
	uint8_t tag;
	const uint8_t *v;
	size_t vl, tot;

	if (cms_parse(data, size, &info) == TK_OK)
		check_parsed(data, size, info);
	else if (info != NULL)
		abort();
	cms_info_free(info);
	tk_clear_error();

	if (size > 0 && der_read(data, size, &tag, &v, &vl, &tot) == TK_OK && tot < size) {
		struct buf out;
		buf_init(&out, CMS_MAX_BYTES);
		if (cms_add_unsigned_attr_timestamp(data, tot, data + tot, size - tot, &out) == TK_OK) {
			struct cms_info *i2 = NULL;
			if (cms_parse(out.p, out.len, &i2) != TK_OK || i2->n_timestamps == 0)
				abort();
			cms_info_free(i2);
		} else if (out.len != 0) {
			abort();
		}
		buf_free(&out);
	}
	tk_clear_error();
	ERR_clear_error();
	return 0;
}

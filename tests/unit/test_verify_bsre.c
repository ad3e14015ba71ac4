/*
 * Unit tests for the BSrE report mapping (src/svc/verify/verify_bsre.c,
 * verify_bsre_json()): reports are built by hand, so every branch of the
 * mapping (no signature, untrusted, tampered, changed later, DocMDP
 * permitted changes, document timestamps) is reached without a signer;
 * hostile /ByteRange and /Contents values must give empty fields, never a
 * read outside the buffer (run under ASan). The real signatures are in
 * tests/integration/test_bsre_verify.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "svc/verify/verify_svc.h"

#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#define assert_ok(expr) assert_int_equal((expr), TK_OK)

static void passed_sig(struct verify_sig *s, size_t index, size_t revision)
{
	int b;

	memset(s, 0, sizeof(*s));
	s->index = index;
	s->revision = revision;
	snprintf(s->field, sizeof(s->field), "Signature%zu", index);
	snprintf(s->signer, sizeof(s->signer), "Siti Rahmawati");
	snprintf(s->signer_dn, sizeof(s->signer_dn), "CN=Siti Rahmawati,C=ID");
	snprintf(s->issuer_dn, sizeof(s->issuer_dn), "CN=teken Issuing CA,C=ID");
	snprintf(s->level, sizeof(s->level), "PAdES-BASELINE-B");
	snprintf(s->digest, sizeof(s->digest), "sha256");
	s->signing_time = 1764900000; /* 2025-12-05 02:00:00 UTC */
	s->not_before = 1764800000;
	s->not_after = 1830000000;
	s->byte_range[1] = -1; /* no CMS to read unless a test sets one */
	for (b = 0; b < VERIFY_BB_COUNT_; b++) {
		s->bb[b].done = 1;
		s->bb[b].ind = VERIFY_TOTAL_PASSED;
	}
	s->ind = VERIFY_TOTAL_PASSED;
}

static json_t *map(const struct verify_report *r, const uint8_t *pdf, size_t len, enum verify_bsre_api api)
{
	json_t *j = NULL;

	assert_ok(verify_bsre_json(r, pdf, len, "surat.pdf", api, NULL, &j));
	assert_non_null(j);
	return j;
}

static const char *str(json_t *o, const char *path)
{
	json_t *v = json_object_get(o, path);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static void test_no_signature(void **state)
{
	struct verify_report r;
	json_t *j;
	(void)state;

	memset(&r, 0, sizeof(r));
	r.no_signature = 1;
	r.ind = VERIFY_INDETERMINATE;
	j = map(&r, (const uint8_t *)"%PDF-1.4\n", 9, VERIFY_BSRE_V1);
	assert_string_equal(str(j, "nama_dokumen"), "surat.pdf");
	assert_int_equal(json_integer_value(json_object_get(j, "jumlah_signature")), 0);
	assert_true(json_is_null(json_object_get(j, "notes")) && json_is_null(json_object_get(j, "summary")));
	assert_int_equal(json_array_size(json_object_get(j, "details")), 0);
	json_decref(j);
	j = map(&r, (const uint8_t *)"%PDF-1.4\n", 9, VERIFY_BSRE_V2);
	assert_string_equal(str(j, "conclusion"), "NO_SIGNATURE");
	assert_int_equal(json_integer_value(json_object_get(j, "signatureCount")), 0);
	json_decref(j);

	/* Nothing listed, but the engine did not call it unsigned (e.g. an encrypted PDF without its password). */
	r.no_signature = 0;
	j = map(&r, (const uint8_t *)"%PDF-1.4\n", 9, VERIFY_BSRE_V2);
	assert_string_equal(str(j, "conclusion"), "WARNING");
	json_decref(j);
	j = map(&r, (const uint8_t *)"%PDF-1.4\n", 9, VERIFY_BSRE_V1);
	assert_string_equal(str(j, "summary"), "DOCUMENT NOT VALID !!!");
	assert_int_equal(json_integer_value(json_object_get(j, "jumlah_signature")), 0);
	json_decref(j);
}

static void test_valid_then_untrusted(void **state)
{
	struct verify_report r;
	struct verify_sig s[2];
	json_t *j, *si;
	(void)state;

	memset(&r, 0, sizeof(r));
	passed_sig(&s[0], 1, 0);
	passed_sig(&s[1], 2, 1);
	r.sigs = s;
	r.nsigs = 2;
	j = map(&r, (const uint8_t *)"x", 1, VERIFY_BSRE_V2);
	assert_string_equal(str(j, "conclusion"), "VALID");
	si = json_object_get(j, "signatureInformations");
	assert_false(json_is_true(json_object_get(json_array_get(si, 0), "lastSignature")));
	assert_true(json_is_true(json_object_get(json_array_get(si, 1), "lastSignature")));
	assert_string_equal(str(json_array_get(si, 0), "signatureDate"), "2025-12-05T02:00:00.000+00:00");
	assert_true(json_is_null(json_object_get(json_array_get(si, 0), "timestampInfomation")));
	json_decref(j);
	j = map(&r, (const uint8_t *)"x", 1, VERIFY_BSRE_V1);
	assert_string_equal(str(j, "summary"), "DOCUMENT VALID !!!");
	/* WIB: UTC+7 */
	assert_string_equal(str(json_object_get(json_array_get(json_object_get(j, "details"), 0), "signature_document"), "signed_in"),
	    "2025-12-05 09:00:00");
	json_decref(j);

	/* No path to an anchor: INDETERMINATE, not trusted, WARNING / NOT VALID. */
	s[1].bb[VERIFY_BB_XCV].ind = VERIFY_INDETERMINATE;
	s[1].bb[VERIFY_BB_XCV].sub = VERIFY_SUB_NO_CERTIFICATE_CHAIN_FOUND;
	s[1].ind = VERIFY_INDETERMINATE;
	j = map(&r, (const uint8_t *)"x", 1, VERIFY_BSRE_V2);
	assert_string_equal(str(j, "conclusion"), "WARNING");
	assert_string_equal(str(j, "description"), "Dokumen valid, Sertifikat yang digunakan tidak terpercaya");
	si = json_array_get(json_object_get(j, "signatureInformations"), 1);
	assert_true(json_is_false(json_object_get(si, "certificateTrusted")) && json_is_true(json_object_get(si, "integrityValid")));
	json_decref(j);
	j = map(&r, (const uint8_t *)"x", 1, VERIFY_BSRE_V1);
	assert_string_equal(str(j, "summary"), "DOCUMENT NOT VALID !!!");
	assert_false(json_is_true(json_object_get(json_object_get(json_array_get(json_object_get(j, "details"), 1), "info_signer"),
	    "cert_user_certified")));
	json_decref(j);

	/* Revoked after a path was built: still "trusted" (the CA is ours), not valid. */
	s[1].bb[VERIFY_BB_XCV].sub = VERIFY_SUB_REVOKED_NO_POE;
	j = map(&r, (const uint8_t *)"x", 1, VERIFY_BSRE_V2);
	si = json_array_get(json_object_get(j, "signatureInformations"), 1);
	assert_true(json_is_true(json_object_get(si, "certificateTrusted")));
	assert_string_equal(str(j, "conclusion"), "WARNING");
	json_decref(j);
}

static void test_tampered_and_changed(void **state)
{
	struct verify_report r;
	struct verify_sig s[2];
	struct verify_change ch;
	json_t *j, *d;
	(void)state;

	memset(&r, 0, sizeof(r));
	passed_sig(&s[0], 1, 0);
	r.sigs = s;
	r.nsigs = 1;
	s[0].bb[VERIFY_BB_CV].ind = VERIFY_TOTAL_FAILED;
	s[0].bb[VERIFY_BB_CV].sub = VERIFY_SUB_HASH_FAILURE;
	s[0].ind = VERIFY_TOTAL_FAILED;
	j = map(&r, (const uint8_t *)"x", 1, VERIFY_BSRE_V1);
	assert_string_equal(str(j, "notes"), "Konten Dokumen mengalami perubahan oleh pihak yang tidak berhak");
	d = json_object_get(json_array_get(json_object_get(j, "details"), 0), "signature_document");
	assert_true(json_is_false(json_object_get(d, "document_integrity")));
	json_decref(j);
	j = map(&r, (const uint8_t *)"x", 1, VERIFY_BSRE_V2);
	assert_string_equal(str(j, "conclusion"), "INVALID");
	json_decref(j);

	/* Intact, but page content added in a later revision: modified. */
	passed_sig(&s[0], 1, 0);
	memset(&ch, 0, sizeof(ch));
	ch.revision = 1;
	ch.kinds = VERIFY_MOD_PAGE_CONTENT;
	r.changes = &ch;
	r.nchanges = 1;
	j = map(&r, (const uint8_t *)"x", 1, VERIFY_BSRE_V2);
	assert_string_equal(str(j, "conclusion"), "WARNING");
	assert_true(json_is_true(json_object_get(json_array_get(json_object_get(j, "signatureInformations"), 0), "modified")));
	json_decref(j);
	j = map(&r, (const uint8_t *)"x", 1, VERIFY_BSRE_V1);
	assert_string_equal(str(j, "summary"), "DOCUMENT NOT VALID !!!");
	json_decref(j);

	/* A later signature, or form fill under DocMDP P=2, is no modification; form fill after P=1 is (MDP fails). */
	ch.kinds = VERIFY_MOD_SIGNATURE | VERIFY_MOD_DSS;
	j = map(&r, (const uint8_t *)"x", 1, VERIFY_BSRE_V2);
	assert_string_equal(str(j, "conclusion"), "VALID");
	json_decref(j);
	ch.kinds = VERIFY_MOD_FORM_FILL;
	s[0].docmdp = 2;
	j = map(&r, (const uint8_t *)"x", 1, VERIFY_BSRE_V2);
	assert_string_equal(str(j, "conclusion"), "VALID");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(json_object_get(j, "signatureInformations"), 0), "certLevelCode")), 2);
	json_decref(j);
	s[0].docmdp = 1;
	s[0].bb[VERIFY_BB_MDP].ind = VERIFY_TOTAL_FAILED;
	s[0].ind = VERIFY_TOTAL_FAILED;
	j = map(&r, (const uint8_t *)"x", 1, VERIFY_BSRE_V2);
	assert_string_equal(str(j, "conclusion"), "INVALID");
	assert_true(json_is_true(json_object_get(json_array_get(json_object_get(j, "signatureInformations"), 0), "modified")));
	json_decref(j);

	/* A document timestamp is neither counted nor listed. */
	passed_sig(&s[0], 1, 0);
	passed_sig(&s[1], 2, 1);
	s[1].doc_timestamp = 1;
	r.nsigs = 2;
	r.nchanges = 0;
	j = map(&r, (const uint8_t *)"x", 1, VERIFY_BSRE_V1);
	assert_int_equal(json_integer_value(json_object_get(j, "jumlah_signature")), 1);
	assert_int_equal(json_array_size(json_object_get(j, "details")), 1);
	json_decref(j);
}

/* Strings that are not UTF-8 (a Latin-1 name, raw bytes) are shown with '?', never fail the answer. */
static void test_not_utf8(void **state)
{
	struct verify_report r;
	struct verify_sig s;
	json_t *j, *d;
	(void)state;

	memset(&r, 0, sizeof(r));
	passed_sig(&s, 1, 0);
	snprintf(s.field, sizeof(s.field), "Tanda\xfftangan");
	snprintf(s.signer, sizeof(s.signer), "Jos\xe9");
	snprintf(s.reason, sizeof(s.reason), "Setuju \xc3\xa9 \xc3");
	r.sigs = &s;
	r.nsigs = 1;
	assert_ok(verify_bsre_json(&r, (const uint8_t *)"x", 1, "surat\xff.pdf", VERIFY_BSRE_V1, NULL, &j));
	assert_string_equal(str(j, "nama_dokumen"), "surat?.pdf");
	d = json_array_get(json_object_get(j, "details"), 0);
	assert_string_equal(str(d, "signature_field"), "Tanda?tangan");
	assert_string_equal(str(json_object_get(d, "info_signer"), "signer_name"), "Jos?");
	assert_string_equal(str(json_object_get(d, "signature_document"), "reason"), "Setuju ?? ?");
	json_decref(j);
	j = map(&r, (const uint8_t *)"x", 1, VERIFY_BSRE_V2);
	assert_string_equal(str(json_array_get(json_object_get(j, "signatureInformations"), 0), "signerName"), "Jos?");
	json_decref(j);
}

/* /ByteRange and /Contents as an attacker writes them: no field, no read outside pdf. */
static void test_hostile_contents(void **state)
{
	static const char *const bodies[] = { "<>", "<3>", "<30>", "<3080>", "<zz>", "<30 82 ff ff>", "<308006092a864886f70d010702a080>", "<30820001>",
		"<3003020100>" };
	struct verify_report r;
	struct verify_sig s;
	uint8_t pdf[256];
	size_t i, k;
	(void)state;

	memset(&r, 0, sizeof(r));
	r.sigs = &s;
	r.nsigs = 1;
	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		size_t bl = strlen(bodies[i]);
		for (k = 0; k < 2; k++) {
			json_t *j;
			uint8_t *heap = malloc(10 + bl + 10);
			assert_non_null(heap);
			memset(heap, 'a', 10);
			memcpy(heap + 10, bodies[i], bl);
			memset(heap + 10 + bl, 'b', 10);
			passed_sig(&s, 1, 0);
			s.byte_range[0] = 0;
			s.byte_range[1] = 10;
			s.byte_range[2] = k == 0 ? (int64_t)(10 + bl) : (int64_t)(10 + bl + 1000); /* second: past the end */
			s.byte_range[3] = 10;
			j = map(&r, heap, 10 + bl + 10, i % 2 ? VERIFY_BSRE_V1 : VERIFY_BSRE_V2);
			json_decref(j);
			free(heap);
		}
	}
	/* Random /Contents. */
	for (i = 0; i < 200; i++) {
		json_t *j;
		size_t n = 2 + (size_t)(i % 120) * 2;
		memset(pdf, 'a', sizeof(pdf));
		pdf[4] = '<';
		assert_int_equal(RAND_bytes(pdf + 5, (int)n), 1);
		for (k = 0; k < n; k++)
			pdf[5 + k] = "0123456789abcdef"[pdf[5 + k] & 15];
		if (i % 3 == 0) {
			pdf[5] = '3';
			pdf[6] = '0';
		}
		pdf[5 + n] = '>';
		passed_sig(&s, 1, 0);
		s.byte_range[0] = 0;
		s.byte_range[1] = 4;
		s.byte_range[2] = (int64_t)(6 + n);
		s.byte_range[3] = (int64_t)(sizeof(pdf) - 6 - n);
		j = map(&r, pdf, sizeof(pdf), VERIFY_BSRE_V2);
		json_decref(j);
	}
	/* Negative and overflowing ranges. */
	passed_sig(&s, 1, 0);
	s.byte_range[0] = 0;
	s.byte_range[1] = INT64_MAX;
	s.byte_range[2] = 5;
	json_decref(map(&r, pdf, sizeof(pdf), VERIFY_BSRE_V1));
	s.byte_range[1] = -5;
	json_decref(map(&r, pdf, sizeof(pdf), VERIFY_BSRE_V1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_signature),
		cmocka_unit_test(test_valid_then_untrusted),
		cmocka_unit_test(test_tampered_and_changed),
		cmocka_unit_test(test_not_utf8),
		cmocka_unit_test(test_hostile_contents),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

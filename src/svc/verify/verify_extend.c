/*
 * Signed copies of PDFs teken rendered, signed by a person with their own
 * tool and uploaded back (the monev minutes, the review report): the one
 * check both use. The upload must be the file teken holds plus an
 * incremental update (its bytes a prefix), carry exactly the expected
 * number of signatures, each TOTAL_PASSED with the verification service
 * the public page uses, the newest covering the whole file before it.
 */
#include "svc/verify/verify_svc.h"

#include <stdio.h>
#include <string.h>

/* "<what>_<suffix>" as an error code (tk_fail_code copies it). */
static const char *code_of(char buf[64], const char *what, const char *suffix)
{
	if (snprintf(buf, 64, "%s_%s", what, suffix) >= 64)
		return NULL; /* the generic code of the error */
	return buf;
}

static enum tk_err check_report(const char *what, const struct verify_report *r, int64_t want, size_t prefix_len,
    const struct verify_sig **newest)
{
	const struct verify_sig *last = NULL;
	char code[64];
	int64_t n = 0;
	size_t i;

	if (r->needs_password || r->encryption[0] != '\0')
		return tk_fail_code(TK_ERR_INVALID, code_of(code, what, "encrypted"), "the signed %s must not be encrypted", what);
	for (i = 0; i < r->nsigs; i++) {
		const struct verify_sig *g = &r->sigs[i];
		if (g->ind != VERIFY_TOTAL_PASSED)
			return tk_fail_code(TK_ERR_INVALID, code_of(code, what, "signature_invalid"), "%s %zu (%s) is %s%s%s: %s",
			    g->doc_timestamp ? "document timestamp" : "signature", g->index, g->signer[0] ? g->signer : g->field, verify_ind_name(g->ind),
			    g->sub != VERIFY_SUB_NONE ? " " : "", verify_sub_name(g->sub), g->msg);
		if (!g->doc_timestamp) {
			n++;
			last = g;
		}
	}
	if (n != want || last == NULL)
		return tk_fail_code(TK_ERR_INVALID, code_of(code, what, "signature_count"),
		    "the %s must carry %lld signature%s at this step, this file has %lld", what, (long long)want, want == 1 ? "" : "s", (long long)n);
	/* The added signature covers everything before it: the file teken holds and any earlier signature. */
	if (last->byte_range[0] != 0 || last->byte_range[2] < 0 || last->byte_range[3] < 0 ||
	    (uint64_t)last->byte_range[2] + (uint64_t)last->byte_range[3] <= prefix_len)
		return tk_fail_code(TK_ERR_INVALID, code_of(code, what, "not_covered"), "signature %zu does not cover the whole of the %s it was added to",
		    last->index, what);
	*newest = last;
	return TK_OK;
}

enum tk_err verify_svc_extension(struct svc_ctx *c, const char *what, const uint8_t *base, size_t base_len, const uint8_t *p, size_t len,
    int64_t want, struct verify_report **report, const struct verify_sig **newest)
{
	struct verify_svc_in in;
	struct verify_trust *t = NULL;
	struct verify_report *r = NULL;
	char code[64];
	enum tk_err rc;

	*report = NULL;
	*newest = NULL;
	/* The prefix rule: the upload is the held file plus an incremental update, nothing else. */
	if (len <= base_len || memcmp(p, base, base_len) != 0)
		return tk_fail_code(TK_ERR_INVALID, code_of(code, what, "not_extended"),
		    "the upload must be the current %s (%zu bytes) with a signature added as an incremental update; this file %s", what, base_len,
		    len <= base_len ? "is not longer" : "changes bytes of it");
	memset(&in, 0, sizeof(in));
	in.data = p;
	in.len = len;
	if ((rc = verify_svc_trust(c, NULL, 0, NULL, 0, &t)) != TK_OK || (rc = verify_svc_run(c, t, &in, &r)) != TK_OK)
		goto out;
	if ((rc = check_report(what, r, want, base_len, newest)) != TK_OK)
		goto out;
	*report = r;
	r = NULL;
out:
	verify_report_free(r);
	verify_trust_free(t);
	return rc;
}

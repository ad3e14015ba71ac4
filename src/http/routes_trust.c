/*
 * Online trust services over HTTP: RFC 3161 time stamps (POST /tsa) and
 * OCSP (RFC 6960 appendix A, RFC 5019 5: POST /ocsp, GET /ocsp/{base64}).
 * Protocol errors are protocol answers (a TSA rejection, an OCSP error
 * status) with HTTP 200, never a JSON error page: clients of these
 * endpoints only understand their own formats.
 */
#include "http/routes.h"

#include "crypto/crypto.h"
#include "ocsp/ocsp.h"
#include "svc/trust/trust.h"
#include "tsa/tsa.h"

#include <string.h>
#include <strings.h>

#define TRUST_HTTP_RESP_MAX (64u * 1024u)

enum tk_err h_tsa(struct http_req *rq, struct http_resp *rs)
{
	struct buf out;
	int granted = 0;
	enum tk_err rc;

	buf_init(&out, TRUST_HTTP_RESP_MAX);
	if (!http_ctype_is(rq->content_type, "application/timestamp-query"))
		rc = tsa_reject(TSA_FAIL_BAD_REQUEST, "tsa: RFC 3161 3.4: Content-Type must be application/timestamp-query", &out);
	else
		rc = trust_tsa_serve(&rq->ctx, rq->body.p, rq->body.len, &out, &granted);
	if (rc == TK_OK && (rc = http_bytes(rs, 200, "application/timestamp-reply", out.p, out.len)) == TK_OK)
		rc = http_header(rs, "Cache-Control", "no-store");
	buf_free(&out);
	return rc;
}

/*
 * RFC 5019 6.2: a GET answer without nonce may be cached until nextUpdate;
 * the ETag is a hash of the response, so a refreshed response is a new
 * representation. POST answers and nonce answers are not cacheable.
 */
static enum tk_err send_answer(struct http_req *rq, struct http_resp *rs, const struct trust_ocsp_answer *a, int get)
{
	char etag[40], hex[65], date[40], cc[96];
	const char *inm;
	int64_t age;
	enum tk_err rc;

	if ((rc = http_bytes(rs, 200, "application/ocsp-response", a->der.p, a->der.len)) != TK_OK || !get)
		return rc;
	if (!a->cacheable)
		return http_header(rs, "Cache-Control", "no-store");
	sha256_hex(a->der.p, a->der.len, hex);
	hex[32] = '\0';
	age = a->next_update - tk_now();
	if ((rc = str_fmt(etag, sizeof(etag), "\"%s\"", hex)) != TK_OK ||
	    (rc = str_fmt(cc, sizeof(cc), "public, max-age=%lld, no-transform, must-revalidate", (long long)(age > 0 ? age : 0))) != TK_OK ||
	    (rc = http_header(rs, "Cache-Control", cc)) != TK_OK || (rc = http_header(rs, "ETag", etag)) != TK_OK)
		return rc;
	http_date(a->this_update, date);
	if ((rc = http_header(rs, "Last-Modified", date)) != TK_OK)
		return rc;
	http_date(a->next_update, date);
	if ((rc = http_header(rs, "Expires", date)) != TK_OK)
		return rc;
	inm = http_header_get(rq, "If-None-Match");
	if (inm != NULL && strcmp(inm, etag) == 0) {
		rs->status = 304;
		buf_reset(&rs->body);
	}
	return TK_OK;
}

static enum tk_err answer_error(struct http_req *rq, struct http_resp *rs, enum ocsp_resp_status st, int get)
{
	struct trust_ocsp_answer a;
	enum tk_err rc;

	memset(&a, 0, sizeof(a));
	buf_init(&a.der, 16);
	if ((rc = ocsp_resp_error(st, &a.der)) == TK_OK)
		rc = send_answer(rq, rs, &a, get);
	buf_free(&a.der);
	return rc;
}

enum tk_err h_ocsp_post(struct http_req *rq, struct http_resp *rs)
{
	struct trust_ocsp_answer a;
	enum tk_err rc;

	if (!http_ctype_is(rq->content_type, "application/ocsp-request"))
		return answer_error(rq, rs, OCSP_ST_MALFORMED, 0);
	if ((rc = trust_ocsp_answer(&rq->ctx, rq->body.p, rq->body.len, &a)) != TK_OK)
		return rc;
	rc = send_answer(rq, rs, &a, 0);
	buf_free(&a.der);
	return rc;
}

enum tk_err h_ocsp_get(struct http_req *rq, struct http_resp *rs)
{
	static const char prefix[] = "/ocsp/";
	struct trust_ocsp_answer a;
	struct buf der;
	enum tk_err rc;

	/* The whole rest of the path: base64 has '/' in it, so it may span segments. */
	if (strncmp(rq->path, prefix, sizeof(prefix) - 1) != 0)
		return answer_error(rq, rs, OCSP_ST_MALFORMED, 1);
	buf_init(&der, MAX_OCSP_REQ_BYTES);
	if (ocsp_b64_decode(rq->path + sizeof(prefix) - 1, strlen(rq->path + sizeof(prefix) - 1), &der) != TK_OK) {
		buf_free(&der);
		return answer_error(rq, rs, OCSP_ST_MALFORMED, 1);
	}
	rc = trust_ocsp_answer(&rq->ctx, der.p, der.len, &a);
	buf_free(&der);
	if (rc != TK_OK)
		return rc;
	rc = send_answer(rq, rs, &a, 1);
	buf_free(&a.der);
	return rc;
}

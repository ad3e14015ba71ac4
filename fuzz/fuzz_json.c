/*
 * libFuzzer target for JSON request bodies as the HTTP handlers read them,
 * without a server or a store: http_body_json (jansson with duplicate keys
 * refused, objects only, the MAX_JSON_BODY bound the server applies),
 * http_json_str, then the body-to-struct steps of representative handlers:
 *   - the signing options of /api/v1/sign/{pdf,cades,batch}
 *     (routes_sign_options), as an official and as an application;
 *   - the BSrE v2 sign and seal bodies (nik/email/passphrase/totp, idSubscriber,
 *     file[] as base64, signatureProperties[] via bsre_v2_props);
 *   - a signing policy's "rules" object (policy_rules_canon).
 *
 * Oracles: accepted options stay in their documented ranges (rect within
 * 0..20000 points, page a page index or "last"), a BSrE placement has a
 * positive width and height, accepted strings are within their length
 * bounds, and the canonical rules text is a fixed point (canon(canon(r)) ==
 * canon(r)). Seeds: hand-written bodies in the shapes docs/api.md and
 * docs/bsre-compat.md describe, and regressions.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/routes.h"
#include "svc/policy/policy.h"
#include "svc/sign/sign.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_str(const char *s, size_t max)
{
	if (s != NULL && strlen(s) > max)
		abort();
}

static void sign_options(struct http_req *rq, json_t *j, enum actor_kind kind)
{
	struct sign_in in;
	size_t i;

	memset(&in, 0, sizeof(in));
	rq->ctx.actor.kind = kind;
	if (routes_sign_options(rq, j, &in) != TK_OK) {
		tk_clear_error();
		return;
	}
	check_str(in.passphrase, 256);
	check_str(in.nik, 16);
	check_str(in.level, 8);
	check_str(in.field, 100);
	check_str(in.reason, 200);
	check_str(in.location, 200);
	check_str(in.anchor, 64);
	if (in.docmdp < 0 || in.docmdp > 3 || (in.page != SIZE_MAX && in.page >= 100000))
		abort();
	for (i = 0; in.visible && i < 4; i++)
		if (!(in.rect[i] >= 0 && in.rect[i] <= 20000))
			abort();
}

static void bsre_v2(json_t *j)
{
	const char *s = NULL;
	json_t *files = json_object_get(j, "file"), *props = json_object_get(j, "signatureProperties");
	struct buf pdf, img;
	size_t i, n;

	if (http_json_str(j, "nik", 0, 16, &s) != TK_OK || http_json_str(j, "email", 0, 254, &s) != TK_OK ||
	    http_json_str(j, "passphrase", 0, 256, &s) != TK_OK || http_json_str(j, "totp", 0, 16, &s) != TK_OK ||
	    http_json_str(j, "idSubscriber", 0, 200, &s) != TK_OK)
		tk_clear_error();
	buf_init(&pdf, MAX_REQ_BODY);
	buf_init(&img, 8u << 20);
	n = json_is_array(files) ? json_array_size(files) : json_is_string(files) ? 1
										  : 0;
	for (i = 0; i < n && i < 32; i++) {
		json_t *f = json_is_array(files) ? json_array_get(files, i) : files;
		json_t *p = json_is_array(props) ? json_array_get(props, json_array_size(props) > i ? i : 0) : NULL;
		struct sign_in in;
		memset(&in, 0, sizeof(in));
		buf_reset(&pdf);
		if (json_is_string(f) &&
		    (buf_reserve(&pdf, json_string_length(f)) != TK_OK ||
			b64_decode(json_string_value(f), json_string_length(f), pdf.p, pdf.cap, &pdf.len) != TK_OK))
			tk_clear_error();
		if (bsre_v2_props(p, &in, &img) != TK_OK) {
			tk_clear_error();
			continue;
		}
		check_str(in.reason, 200);
		check_str(in.location, 200);
		if (in.visible && (!(in.rect[2] > 0 && in.rect[3] > 0) || (in.page != SIZE_MAX && in.page >= 20000)))
			abort();
		for (size_t k = 0; in.visible && k < 4; k++)
			if (!(in.rect[k] >= 0 && in.rect[k] <= 20000))
				abort();
		if (in.image != NULL && (in.image != img.p || in.image_len != img.len))
			abort();
	}
	buf_free(&pdf);
	buf_free(&img);
}

static void rules(json_t *j)
{
	json_t *r = json_object_get(j, "rules"), *again;
	char *c1 = NULL, *c2 = NULL;

	if (r == NULL)
		r = j;
	if (policy_rules_canon(r, &c1) != TK_OK) {
		tk_clear_error();
		return;
	}
	if ((again = json_loads(c1, JSON_REJECT_DUPLICATES, NULL)) == NULL || policy_rules_canon(again, &c2) != TK_OK ||
	    strcmp(c1, c2) != 0)
		abort(); /* canonical text must parse and be its own canonical form */
	json_decref(again);
	free(c1);
	free(c2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_req rq;
	json_t *j = NULL;
	const char *s;

	if (size > MAX_JSON_BODY)
		return 0; /* the server refuses larger bodies before any handler */
	memset(&rq, 0, sizeof(rq));
	rq.method = "POST";
	rq.path = "/api/v1/fuzz";
	rq.content_type = "application/json";
	buf_init(&rq.body, MAX_JSON_BODY);
	if (buf_append(&rq.body, data, size) != TK_OK)
		abort();
	if (http_body_json(&rq, &j) != TK_OK) {
		tk_clear_error();
		goto out;
	}
	if (http_json_str(j, "name", 1, 200, &s) == TK_OK)
		check_str(s, 200);
	else
		tk_clear_error();
	sign_options(&rq, j, ACTOR_PERSON);
	sign_options(&rq, j, ACTOR_APPLICATION);
	bsre_v2(j);
	rules(j);
	json_decref(j);
out:
	buf_free(&rq.body);
	return 0;
}

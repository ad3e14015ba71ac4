/*
 * libFuzzer target for the form fields of the multipart signing routes,
 * without a server or a store: the body goes through mp_parse (boundary
 * XyZ, as fuzz_multipart), then
 *   - the BSrE v1 signing form (POST /api/sign/pdf: file, nik, passphrase,
 *     tampilan, page|halaman, xAxis, yAxis, width, height, tag_koordinat,
 *     image, imageTTD, linkQR, reason, location) via bsre_v1_fields;
 *   - the "options" part of /api/v1/sign/pdf (routes_form_options, then
 *     routes_sign_options as an application, as h_sign_pdf runs them).
 *
 * Oracles: an accepted form names a non-empty file lying inside the body,
 * NUL-free strings within their fields, a QR link starting with http(s)://,
 * a visible stamp of positive size at coordinates 0..20000; the image,
 * when there is one, lies inside the body too.
 * Seeds: hand-written forms shaped like those tests/integration/test_bsre_compat.py
 * sends, and regressions.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/multipart.h"
#include "http/routes.h"
#include "svc/sign/sign.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int inside(const void *p, size_t len, const uint8_t *data, size_t size)
{
	const uint8_t *q = p;

	return q >= data && len <= size && q <= data + size - len;
}

static void nul_free(const char *s, size_t cap)
{
	if (s != NULL && strnlen(s, cap) >= cap)
		abort();
}

static void bsre_v1(const struct mp_form *form, const uint8_t *data, size_t size)
{
	struct bsre_v1_form f;
	struct sign_in in;
	size_t i;

	memset(&f, 0, sizeof(f));
	memset(&in, 0, sizeof(in));
	if (bsre_v1_fields(form, &f, &in) != TK_OK) {
		tk_clear_error();
		return;
	}
	if (in.len == 0 || !inside(in.data, in.len, data, size) || in.passphrase != f.pass)
		abort();
	nul_free(f.nik, sizeof(f.nik));
	nul_free(f.pass, sizeof(f.pass));
	nul_free(in.reason, sizeof(f.reason));
	nul_free(in.location, sizeof(f.location));
	if (in.qr_url != NULL && strncmp(in.qr_url, "https://", 8) != 0 && strncmp(in.qr_url, "http://", 7) != 0)
		abort();
	if (in.image != NULL && (in.image_len == 0 || !inside(in.image, in.image_len, data, size)))
		abort();
	if (in.visible) {
		if (!(in.rect[2] > 0 && in.rect[3] > 0))
			abort();
		for (i = 0; i < 4; i++)
			if (!(in.rect[i] >= 0 && in.rect[i] <= 20000))
				abort();
		if (in.page != SIZE_MAX && in.page >= 20000)
			abort();
	}
}

static void sign_form(const struct mp_form *form)
{
	struct http_req rq;
	struct sign_in in;
	json_t *opts = NULL;

	if (routes_form_options(form, &opts) != TK_OK) {
		tk_clear_error();
		return;
	}
	memset(&rq, 0, sizeof(rq));
	rq.ctx.actor.kind = ACTOR_APPLICATION;
	memset(&in, 0, sizeof(in));
	if (routes_sign_options(&rq, opts, &in) != TK_OK)
		tk_clear_error();
	else if (!in.seal || in.passphrase != NULL)
		abort(); /* an application without nik signs with a seal, never with a passphrase */
	json_decref(opts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mp_form *form = calloc(1, sizeof(*form));

	if (form == NULL)
		abort();
	if (mp_parse("multipart/form-data; boundary=XyZ", data, size, form) == TK_OK) {
		bsre_v1(form, data, size);
		sign_form(form);
	} else {
		tk_clear_error();
	}
	free(form);
	return 0;
}

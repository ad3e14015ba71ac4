/* Request bodies several handlers read the same way. */
#include "http/http.h"
#include "http/multipart.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

int http_ctype_is(const char *ct, const char *want)
{
	size_t n = strlen(want);

	if (ct == NULL || strncasecmp(ct, want, n) != 0)
		return 0;
	ct += n;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}

enum tk_err http_pdf_body(struct http_req *rq, const char *what, struct mp_form **form, const uint8_t **p, size_t *len)
{
	const struct mp_part *f;
	enum tk_err rc;

	*form = NULL;
	*p = NULL;
	*len = 0;
	if (http_ctype_is(rq->content_type, "application/pdf") || http_ctype_is(rq->content_type, "application/octet-stream")) {
		*p = rq->body.p;
		*len = rq->body.len;
	} else if (http_ctype_is(rq->content_type, "multipart/form-data")) {
		if ((*form = calloc(1, sizeof(**form))) == NULL)
			return tk_fail(TK_ERR_NOMEM, "out of memory");
		if ((rc = mp_parse(rq->content_type, rq->body.p, rq->body.len, *form)) != TK_OK)
			return rc;
		if ((f = mp_get(*form, "file")) == NULL)
			return tk_fail_code(TK_ERR_INVALID, "missing_field", "multipart part 'file' (%s) is required", what);
		*p = f->data;
		*len = f->len;
	} else {
		return tk_fail_code(TK_ERR_INVALID, "unsupported_media_type", "send %s as application/pdf or multipart part 'file'", what);
	}
	if (*len == 0)
		return tk_fail_code(TK_ERR_INVALID, "missing_field", "the body holds no PDF (%s)", what);
	return TK_OK;
}

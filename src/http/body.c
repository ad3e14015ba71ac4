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

enum tk_err http_call(struct http_req *rq, struct http_resp *rs, enum tk_err (*fn)(struct svc_ctx *c, char **out))
{
	char *txt = NULL;
	enum tk_err rc;

	if ((rc = fn(&rq->ctx, &txt)) != TK_OK)
		return rc;
	return http_json_text(rs, 200, txt);
}

enum tk_err http_call_id(struct http_req *rq, struct http_resp *rs, enum tk_err (*fn)(struct svc_ctx *c, int64_t id, char **out))
{
	char *txt = NULL;
	int64_t id = 0;
	enum tk_err rc;

	if ((rc = http_id_param(rq->params[0], &id)) != TK_OK || (rc = fn(&rq->ctx, id, &txt)) != TK_OK)
		return rc;
	return http_json_text(rs, 200, txt);
}

enum tk_err http_call_json(struct http_req *rq, struct http_resp *rs, unsigned status,
    enum tk_err (*fn)(struct svc_ctx *c, json_t *in, char **out))
{
	json_t *j = NULL;
	char *txt = NULL;
	enum tk_err rc;

	if ((rc = http_body_json(rq, &j)) != TK_OK)
		return rc;
	if ((rc = fn(&rq->ctx, j, &txt)) == TK_OK)
		rc = http_json_text(rs, status, txt);
	json_decref(j);
	return rc;
}

enum tk_err http_call_id_json(struct http_req *rq, struct http_resp *rs, unsigned status,
    enum tk_err (*fn)(struct svc_ctx *c, int64_t id, json_t *in, char **out))
{
	json_t *j = NULL;
	char *txt = NULL;
	int64_t id = 0;
	enum tk_err rc;

	if ((rc = http_id_param(rq->params[0], &id)) != TK_OK || (rc = http_body_json(rq, &j)) != TK_OK)
		return rc;
	if ((rc = fn(&rq->ctx, id, j, &txt)) == TK_OK)
		rc = http_json_text(rs, status, txt);
	json_decref(j);
	return rc;
}

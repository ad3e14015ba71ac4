/*
 * Literacy, socialisation and training (R14, docs/literacy.md): events,
 * participants, attendance and materials (admins and auditors), the public
 * list of events and their materials, and the /literasi page text.
 * The service decides (svc/literacy).
 */
#include "http/multipart.h"
#include "http/routes.h"

#include "svc/literacy/literacy.h"

#include <stdlib.h>
#include <string.h>

static enum tk_err answer(struct http_resp *rs, enum tk_err rc, unsigned status, char *txt)
{
	if (rc != TK_OK) {
		free(txt);
		return rc;
	}
	return http_json_text(rs, status, txt);
}

/* ?year=YYYY, or 0 when absent. */
static enum tk_err year_param(struct http_req *rq, int *year)
{
	const char *y = http_query_get(rq, "year");
	uint64_t v = 0;

	*year = 0;
	if (y == NULL || y[0] == '\0')
		return TK_OK;
	if (parse_u64(y, strlen(y), 9999, &v) != TK_OK || v < 1) {
		tk_clear_error();
		return tk_fail_code(TK_ERR_INVALID, "invalid_year", "year must be a number such as 2026");
	}
	*year = (int)v;
	return TK_OK;
}

enum tk_err h_events_list(struct http_req *rq, struct http_resp *rs)
{
	char *txt = NULL;
	int year = 0;
	enum tk_err rc;

	if ((rc = year_param(rq, &year)) != TK_OK)
		return rc;
	rc = event_list(&rq->ctx, year, &txt);
	return answer(rs, rc, 200, txt);
}

enum tk_err h_events_public(struct http_req *rq, struct http_resp *rs)
{
	char *txt = NULL;
	enum tk_err rc = events_public(&rq->ctx, &txt);

	if ((rc = answer(rs, rc, 200, txt)) != TK_OK)
		return rc;
	return http_header(rs, "Cache-Control", "no-cache");
}

enum tk_err h_event_get(struct http_req *rq, struct http_resp *rs)
{
	char *txt = NULL;
	int64_t id = 0;
	enum tk_err rc;

	if ((rc = http_id_param(rq->params[0], &id)) != TK_OK)
		return rc;
	rc = event_get(&rq->ctx, id, &txt);
	return answer(rs, rc, 200, txt);
}

enum tk_err h_events_create(struct http_req *rq, struct http_resp *rs)
{
	json_t *j = NULL;
	char *txt = NULL;
	enum tk_err rc;

	if ((rc = http_body_json(rq, &j)) != TK_OK)
		return rc;
	rc = event_create(&rq->ctx, j, &txt);
	json_decref(j);
	return answer(rs, rc, 201, txt);
}

enum tk_err h_event_update(struct http_req *rq, struct http_resp *rs) { return http_call_id_json(rq, rs, 200, event_update); }
enum tk_err h_event_status(struct http_req *rq, struct http_resp *rs) { return http_call_id_json(rq, rs, 200, event_set_status); }
enum tk_err h_event_participant_add(struct http_req *rq, struct http_resp *rs) { return http_call_id_json(rq, rs, 201, event_participant_add); }
enum tk_err h_event_attendance(struct http_req *rq, struct http_resp *rs) { return http_call_id_json(rq, rs, 200, event_attendance); }

enum tk_err h_event_participant_remove(struct http_req *rq, struct http_resp *rs)
{
	char *txt = NULL;
	int64_t id = 0, pid = 0;
	enum tk_err rc;

	if ((rc = http_id_param(rq->params[0], &id)) != TK_OK || (rc = http_id_param(rq->params[1], &pid)) != TK_OK)
		return rc;
	rc = event_participant_remove(&rq->ctx, id, pid, &txt);
	return answer(rs, rc, 200, txt);
}

/* A material: multipart part 'file' (its filename and declared type are checked against the bytes). */
enum tk_err h_event_material_add(struct http_req *rq, struct http_resp *rs)
{
	struct mp_form *form = NULL;
	const struct mp_part *f;
	char *txt = NULL;
	int64_t id = 0;
	enum tk_err rc;

	if ((rc = http_id_param(rq->params[0], &id)) != TK_OK)
		return rc;
	if (!http_ctype_is(rq->content_type, "multipart/form-data"))
		return tk_fail_code(TK_ERR_INVALID, "invalid_content_type", "send the material as multipart/form-data with a part 'file'");
	if ((form = calloc(1, sizeof(*form))) == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	if ((rc = mp_parse(rq->content_type, rq->body.p, rq->body.len, form)) != TK_OK)
		goto out;
	if ((f = mp_get(form, "file")) == NULL) {
		rc = tk_fail_code(TK_ERR_INVALID, "missing_field", "multipart part 'file' (the material) is required");
		goto out;
	}
	rc = event_material_add(&rq->ctx, id, f->filename[0] ? f->filename : "materi", f->content_type, f->data, f->len, &txt);
	rc = answer(rs, rc, 201, txt);
out:
	free(form);
	return rc;
}

static enum tk_err material(struct http_req *rq, struct http_resp *rs)
{
	struct buf data;
	char filename[201], mime[32];
	int64_t id = 0, fid = 0;
	enum tk_err rc;

	if ((rc = http_id_param(rq->params[0], &id)) != TK_OK || (rc = http_id_param(rq->params[1], &fid)) != TK_OK)
		return rc;
	buf_init(&data, EVENT_MAX_FILE);
	/* The checked type (sniffed when stored); nosniff and attachment keep a browser from rendering it in our origin. */
	if ((rc = event_material_get(&rq->ctx, id, fid, &data, filename, mime)) == TK_OK)
		rc = http_attachment(rs, mime, data.p, data.len, filename);
	buf_free(&data);
	return rc;
}

enum tk_err h_event_material_get(struct http_req *rq, struct http_resp *rs) { return material(rq, rs); }
enum tk_err h_event_public_material_get(struct http_req *rq, struct http_resp *rs) { return material(rq, rs); }

enum tk_err h_literasi_get(struct http_req *rq, struct http_resp *rs)
{
	char *txt = NULL;
	enum tk_err rc = literacy_get(&rq->ctx, &txt);

	if ((rc = answer(rs, rc, 200, txt)) != TK_OK)
		return rc;
	return http_header(rs, "Cache-Control", "no-cache");
}

enum tk_err h_literasi_put(struct http_req *rq, struct http_resp *rs)
{
	json_t *j = NULL;
	char *txt = NULL;
	enum tk_err rc;

	if ((rc = http_body_json(rq, &j)) != TK_OK)
		return rc;
	rc = literacy_set(&rq->ctx, j, &txt);
	json_decref(j);
	return answer(rs, rc, 200, txt);
}

enum tk_err h_literasi_versions(struct http_req *rq, struct http_resp *rs)
{
	char *txt = NULL;
	enum tk_err rc = literacy_versions(&rq->ctx, &txt);

	return answer(rs, rc, 200, txt);
}

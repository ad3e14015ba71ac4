/*
 * The official's own registry: the documents they signed (history), the
 * copy of a file they signed through the web kept for [sign] keep_days
 * (re-download), and the periodic purge of kept files (docs/signing.md).
 */
#include "svc/audit/audit.h"
#include "svc/base/base.h"
#include "svc/base/base_int.h"
#include "svc/calendar/calendar.h"
#include "svc/sign/sign.h"

#include "config/config.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define HISTORY_DEFAULT_LIMIT 20u
#define HISTORY_MAX_QUERY 200u /* bytes of the search text */
#define HISTORY_MAX_CURSOR 64u

/* Length of the valid UTF-8 sequence at p (at most n bytes), 0 when invalid (RFC 3629 section 4). */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
	size_t len, i;
	unsigned cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, cp = p[0] & 0x1fu;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, cp = p[0] & 0x0fu;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, cp = p[0] & 0x07u;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0u) != 0x80u)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3fu);
	}
	/* Overlong forms, surrogates and code points past U+10FFFF. */
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

void sign_filename_clean(const char *in, char out[SIGN_FILENAME_MAX + 1])
{
	const unsigned char *p;
	size_t n, i = 0, o = 0;
	const char *slash;

	out[0] = '\0';
	if (in == NULL)
		return;
	/* Browsers send a bare name; older ones a whole path (either separator). */
	if ((slash = strrchr(in, '/')) != NULL)
		in = slash + 1;
	if ((slash = strrchr(in, '\\')) != NULL)
		in = slash + 1;
	p = (const unsigned char *)in;
	n = strlen(in);
	while (i < n) {
		size_t k = utf8_seq(p + i, n - i);
		if (k == 0 || (k == 1 && (p[i] < 0x20 || p[i] == 0x7f))) {
			if (o + 1 > SIGN_FILENAME_MAX)
				break;
			out[o++] = '_';
			i += k == 0 ? 1 : k;
			continue;
		}
		if (o + k > SIGN_FILENAME_MAX)
			break;
		memcpy(out + o, p + i, k);
		o += k;
		i += k;
	}
	out[o] = '\0';
	/* Nothing but dots and blanks is no name. */
	if (strspn(out, ". ") == o)
		out[0] = '\0';
}

/* Who may read whose history: an official their own, the operator anyone's. */
static enum tk_err history_subject(const struct svc_ctx *c, const char *subscriber, int *by_user)
{
	if (c->actor.kind == ACTOR_OPERATOR) {
		*by_user = subscriber != NULL;
		return TK_OK;
	}
	if (c->actor.kind == ACTOR_PERSON && strcmp(c->actor.role, "subscriber") == 0 &&
	    (subscriber == NULL || strcmp(subscriber, c->actor.user) == 0)) {
		*by_user = 1;
		return TK_OK;
	}
	return tk_fail_code(TK_ERR_DENIED, "forbidden", "officials see only the documents they signed");
}

/* "<signed_at>.<id>": the keyset cursor of the last row of a page (sign_history_json). */
static enum tk_err cursor_parse(const char *s, int64_t *at, char id[32])
{
	const char *dot;
	uint64_t v;
	size_t idlen;

	if (strlen(s) > HISTORY_MAX_CURSOR || (dot = strchr(s, '.')) == NULL || parse_u64(s, (size_t)(dot - s), INT64_MAX, &v) != TK_OK)
		return tk_fail_code(TK_ERR_INVALID, "invalid_cursor", "before must be the 'next' value of a previous page");
	idlen = strlen(dot + 1);
	if (idlen == 0 || idlen >= 32 || strspn(dot + 1, "abcdefghijklmnopqrstuvwxyz234567") != idlen)
		return tk_fail_code(TK_ERR_INVALID, "invalid_cursor", "before must be the 'next' value of a previous page");
	memcpy(id, dot + 1, idlen + 1);
	*at = (int64_t)v;
	return TK_OK;
}

/* %text% for LIKE ... ESCAPE '\', lower-cased (ASCII): what the search matches anywhere. */
static enum tk_err like_pattern(const char *q, struct buf *out)
{
	enum tk_err rc = buf_putc(out, '%');
	const char *p;

	for (p = q; rc == TK_OK && *p; p++) {
		char ch = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;
		if (ch == '%' || ch == '_' || ch == '\\')
			rc = buf_putc(out, '\\');
		if (rc == TK_OK)
			rc = buf_putc(out, (uint8_t)ch);
	}
	if (rc == TK_OK)
		rc = buf_putc(out, '%');
	if (rc == TK_OK)
		rc = buf_putc(out, '\0');
	return rc;
}

static int channel_valid(const char *ch)
{
	return strcmp(ch, "web") == 0 || strcmp(ch, "api") == 0 || strcmp(ch, "bsre") == 0 || strcmp(ch, "cli") == 0;
}

static json_t *history_row(struct store_stmt *s, const char *base_url, int64_t now)
{
	char wib[48], url[400];
	int64_t at = store_col_i64(s, 1);
	int kept = !store_col_null(s, 10) && store_col_i64(s, 11) == 1 && store_col_i64(s, 10) > now;
	const char *id = store_col_text(s, 0);

	time_wib(at, wib);
	if (str_fmt(url, sizeof(url), "%s/v/%s", base_url, id) != TK_OK)
		return NULL;
	return json_pack("{s:s, s:I, s:s, s:o, s:s, s:I, s:I, s:s, s:s, s:s, s:o, s:s, s:s, s:b, s:o}", "id", id, "signed_at",
	    (json_int_t)at, "signed_at_wib", wib, "filename", store_col_null(s, 2) ? json_null() : json_string(store_col_text(s, 2)),
	    "sha256", store_col_text(s, 3), "size", (json_int_t)store_col_i64(s, 4), "pages", (json_int_t)store_col_i64(s, 5), "level",
	    store_col_text(s, 6), "kind", store_col_text(s, 7), "channel", store_col_text(s, 8), "application",
	    store_col_null(s, 9) ? json_null() : json_string(store_col_text(s, 9)), "verify_url", url, "verify_path", url + strlen(base_url),
	    "downloadable", kept, "keep_until", kept ? json_integer(store_col_i64(s, 10)) : json_null());
}

enum tk_err sign_history_json(struct svc_ctx *c, const struct sign_history_q *q, char **out)
{
	struct buf sql, pat;
	struct store_stmt *s = NULL;
	json_t *docs = NULL, *res = NULL;
	char cur_id[32] = "", next[HISTORY_MAX_CURSOR + 1] = "";
	int64_t from = 0, to = 0, cur_at = 0, day, now = tk_now();
	uint64_t limit = q->limit ? q->limit : HISTORY_DEFAULT_LIMIT, n = 0;
	int by_user = 0, row = 0, i = 1;
	enum tk_err rc;

	*out = NULL;
	if ((rc = history_subject(c, q->subscriber, &by_user)) != TK_OK)
		return rc;
	if (limit > SIGN_HISTORY_MAX)
		return tk_fail_code(TK_ERR_INVALID, "invalid_limit", "limit must be 1 to %u", SIGN_HISTORY_MAX);
	if (q->q != NULL && strlen(q->q) > HISTORY_MAX_QUERY)
		return tk_fail_code(TK_ERR_INVALID, "invalid_query", "the search text is longer than %u bytes", HISTORY_MAX_QUERY);
	if (q->from != NULL) {
		if ((rc = cal_day_parse(q->from, "from", &day)) != TK_OK)
			return rc;
		from = cal_day_start(day);
	}
	if (q->to != NULL) {
		if ((rc = cal_day_parse(q->to, "to", &day)) != TK_OK)
			return rc;
		to = cal_day_start(day + 1);
	}
	if (q->from != NULL && q->to != NULL && to <= from)
		return tk_fail_code(TK_ERR_INVALID, "invalid_range", "to must not be before from");
	if (q->channel != NULL && !channel_valid(q->channel))
		return tk_fail_code(TK_ERR_INVALID, "invalid_channel", "channel must be web, api, bsre or cli");
	if (q->application != NULL && strlen(q->application) > 200)
		return tk_fail_code(TK_ERR_INVALID, "invalid_application", "application name is longer than 200 bytes");
	if (q->before != NULL && (rc = cursor_parse(q->before, &cur_at, cur_id)) != TK_OK)
		return rc;
	buf_init(&sql, 4096);
	buf_init(&pat, 3 * HISTORY_MAX_QUERY + 8);
	rc = buf_puts(&sql, "SELECT d.id, d.signed_at, d.filename, d.sha256, d.size, d.pages, d.level, d.kind, d.channel, d.application,"
			    " f.expires_at, f.owner_copy FROM documents d LEFT JOIN document_files f ON f.id = d.id WHERE 1 = 1");
	if (rc == TK_OK && by_user)
		rc = buf_puts(&sql, " AND d.subscriber_id IN (SELECT s.id FROM subscribers s JOIN users u ON u.id = s.user_id WHERE u.username = ?)");
	if (rc == TK_OK && q->q != NULL && q->q[0] != '\0') {
		rc = buf_puts(&sql, " AND (lower(COALESCE(d.filename, '')) LIKE ? ESCAPE '\\' OR d.id LIKE ? ESCAPE '\\')");
		if (rc == TK_OK)
			rc = like_pattern(q->q, &pat);
	}
	if (rc == TK_OK && q->from != NULL)
		rc = buf_puts(&sql, " AND d.signed_at >= ?");
	if (rc == TK_OK && q->to != NULL)
		rc = buf_puts(&sql, " AND d.signed_at < ?");
	if (rc == TK_OK && q->channel != NULL)
		rc = buf_puts(&sql, " AND d.channel = ?");
	if (rc == TK_OK && q->application != NULL)
		rc = buf_puts(&sql, " AND d.application = ?");
	if (rc == TK_OK && q->before != NULL)
		rc = buf_puts(&sql, " AND (d.signed_at < ? OR (d.signed_at = ? AND d.id < ?))");
	if (rc == TK_OK)
		rc = buf_puts(&sql, " ORDER BY d.signed_at DESC, d.id DESC LIMIT ?");
	if (rc == TK_OK)
		rc = buf_putc(&sql, '\0');
	if (rc != TK_OK || (rc = store_prepare(c->st, (const char *)sql.p, &s)) != TK_OK)
		goto out;
	if (by_user)
		rc = store_bind_text(s, i++, q->subscriber != NULL ? q->subscriber : c->actor.user);
	if (rc == TK_OK && pat.len > 0 && (rc = store_bind_text(s, i++, (const char *)pat.p)) == TK_OK)
		rc = store_bind_text(s, i++, (const char *)pat.p);
	if (rc == TK_OK && q->from != NULL)
		rc = store_bind_i64(s, i++, from);
	if (rc == TK_OK && q->to != NULL)
		rc = store_bind_i64(s, i++, to);
	if (rc == TK_OK && q->channel != NULL)
		rc = store_bind_text(s, i++, q->channel);
	if (rc == TK_OK && q->application != NULL)
		rc = store_bind_text(s, i++, q->application);
	if (rc == TK_OK && q->before != NULL && (rc = store_bind_i64(s, i++, cur_at)) == TK_OK && (rc = store_bind_i64(s, i++, cur_at)) == TK_OK)
		rc = store_bind_text(s, i++, cur_id);
	/* One row more than asked says whether there is a next page. */
	if (rc != TK_OK || (rc = store_bind_i64(s, i, (int64_t)limit + 1)) != TK_OK)
		goto out;
	if ((docs = json_array()) == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
		goto out;
	}
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		json_t *o;
		if (++n > limit)
			break;
		if ((o = history_row(s, c->inst->base_url, now)) == NULL || json_array_append_new(docs, o) != 0) {
			rc = tk_fail(TK_ERR_NOMEM, "out of memory");
			goto out;
		}
		if ((rc = str_fmt(next, sizeof(next), "%lld.%s", (long long)store_col_i64(s, 1), store_col_text(s, 0))) != TK_OK)
			goto out;
	}
	if (rc != TK_OK)
		goto out;
	res = json_pack("{s:O, s:o}", "documents", docs, "next", n > limit ? json_string(next) : json_null());
	if (res == NULL || (*out = json_dumps(res, JSON_COMPACT)) == NULL)
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
out:
	store_finalize(s);
	json_decref(docs);
	json_decref(res);
	buf_free(&sql);
	buf_free(&pat);
	return rc;
}

struct my_file_args {
	const char *id;
	struct buf *out;
	char *filename;
	char *ctype;
};

static enum tk_err my_file_tx(struct svc_ctx *c, void *arg)
{
	struct my_file_args *a = arg;
	struct store_stmt *s = NULL;
	const uint8_t *p;
	size_t len = 0;
	int row = 0, cades;
	enum tk_err rc;

	/* Only the official's own kept copy; everything else looks the same as a document that never was. */
	if ((rc = store_prepare(c->st, "SELECT f.data, d.filename, d.kind FROM document_files f JOIN documents d ON d.id = f.id"
				       " WHERE f.id = ? AND f.owner_copy = 1 AND f.expires_at > ? AND d.subscriber_id IN"
				       " (SELECT s.id FROM subscribers s WHERE s.user_id = ?)",
		 &s)) != TK_OK)
		return rc;
	if ((rc = store_bind_text(s, 1, a->id)) != TK_OK || (rc = store_bind_i64(s, 2, tk_now())) != TK_OK ||
	    (rc = store_bind_i64(s, 3, c->actor.id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_document", "no kept copy of that document (unknown, not yours, or its time is over)");
		goto out;
	}
	cades = strcmp(store_col_text(s, 2), "cades") == 0;
	p = store_col_blob(s, 0, &len);
	if ((rc = buf_append(a->out, p, len)) != TK_OK)
		goto out;
	if (!store_col_null(s, 1) && store_col_text(s, 1)[0] != '\0')
		rc = str_fmt(a->filename, SIGN_FILENAME_MAX + 8, "%s%s", store_col_text(s, 1), cades ? ".p7s" : "");
	else
		rc = str_fmt(a->filename, SIGN_FILENAME_MAX + 8, "%s.%s", a->id, cades ? "p7s" : "pdf");
	if (rc != TK_OK || (rc = str_copy(a->ctype, 40, cades ? "application/pkcs7-signature" : "application/pdf")) != TK_OK)
		goto out;
	rc = audit_append(c, "document.redownload", a->id, NULL);
out:
	store_finalize(s);
	return rc;
}

enum tk_err sign_my_file(struct svc_ctx *c, const char *document_id, struct buf *out, char filename[SIGN_FILENAME_MAX + 8], char ctype[40])
{
	struct my_file_args a = { document_id, out, filename, ctype };
	size_t n = strlen(document_id);

	filename[0] = '\0';
	ctype[0] = '\0';
	if (c->actor.kind != ACTOR_PERSON || strcmp(c->actor.role, "subscriber") != 0)
		return tk_fail_code(TK_ERR_DENIED, "forbidden", "only the official who signed a document downloads it again");
	if (n == 0 || n >= 32 || strspn(document_id, "abcdefghijklmnopqrstuvwxyz234567") != n)
		return tk_fail_code(TK_ERR_NOT_FOUND, "unknown_document", "no kept copy of that document (unknown, not yours, or its time is over)");
	return svc_in_tx(c, my_file_tx, &a);
}

struct purge_args {
	int64_t now;
	int64_t n;
};

static enum tk_err purge_tx(struct svc_ctx *c, void *arg)
{
	struct purge_args *a = arg;
	struct store_stmt *s = NULL;
	json_t *d = NULL;
	char *txt = NULL;
	int row = 0;
	enum tk_err rc;

	/* The delete claims the rows: a node running the same job at once finds them gone. */
	if ((rc = store_prepare(c->st, "DELETE FROM document_files WHERE id IN (SELECT id FROM document_files WHERE expires_at <= ?"
				       " ORDER BY expires_at LIMIT ?)",
		 &s)) != TK_OK)
		return rc;
	if ((rc = store_bind_i64(s, 1, a->now)) == TK_OK && (rc = store_bind_i64(s, 2, SIGN_PURGE_MAX_ROWS)) == TK_OK &&
	    (rc = store_step(s, &row)) == TK_OK)
		a->n = store_changes(s);
	store_finalize(s);
	if (rc != TK_OK || a->n == 0)
		return rc;
	if ((d = json_pack("{s:I}", "files", (json_int_t)a->n)) == NULL || (txt = json_dumps(d, JSON_COMPACT)) == NULL)
		rc = tk_fail(TK_ERR_NOMEM, "out of memory");
	else
		rc = audit_append(c, "document.files_purged", "document_files", txt);
	free(txt);
	json_decref(d);
	return rc;
}

enum tk_err sign_purge_files(struct svc_ctx *c, int64_t now, int64_t *n)
{
	struct purge_args a = { now, 0 };
	enum tk_err rc;

	*n = 0;
	if (c->actor.kind != ACTOR_OPERATOR)
		return tk_fail_code(TK_ERR_DENIED, "forbidden", "only the instance's own jobs purge kept files");
	if ((rc = svc_in_tx(c, purge_tx, &a)) == TK_OK)
		*n = a.n;
	return rc;
}

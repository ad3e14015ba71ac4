/*
 * The measuring instrument (alat ukur) of the implementation review: a
 * JSON catalogue checked strictly before it is stored (docs/review.md
 * "Instrument"), kept whole with its SHA-256 as the next version. The
 * shipped default (data/review-instrument.json, or [review]
 * instrument_file) becomes version 1 the first time a review needs one.
 */
#include "svc/review/review_int.h"

#include "svc/audit/audit.h"
#include "crypto/crypto.h"
#include "config/config.h"
#include "store/store.h"
#include "svc/base/base_int.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define INSTRUMENT_FORMAT "teken-review-instrument/1"
#define REVIEW_REQUIREMENTS 18 /* R1..R18 (DESIGN.md): the instrument covers every one */

/* ------------------------------------------------------------ helpers */

enum tk_err review_allowed(const struct svc_ctx *c, enum review_may what)
{
	int admin, auditor;

	if (c->actor.kind == ACTOR_OPERATOR)
		return TK_OK;
	admin = c->actor.kind == ACTOR_PERSON && strcmp(c->actor.role, "admin") == 0;
	auditor = c->actor.kind == ACTOR_PERSON && strcmp(c->actor.role, "auditor") == 0;
	switch (what) {
	case REVIEW_READ:
		if (admin || auditor)
			return TK_OK;
		return tk_fail_code(TK_ERR_DENIED, "forbidden", "the implementation review is for admins (ministry) and auditors (issuer)");
	case REVIEW_MINISTRY:
		if (admin)
			return TK_OK;
		return tk_fail_code(TK_ERR_DENIED, "forbidden", "only the ministry's admins answer a review and load instruments");
	case REVIEW_ISSUER:
		if (auditor)
			return TK_OK;
		return tk_fail_code(TK_ERR_DENIED, "forbidden", "only the issuer's auditors open, score, close and sign a review");
	}
	return tk_fail_code(TK_ERR_DENIED, "forbidden", "not allowed");
}

int review_wib_year(int64_t t)
{
	time_t w = (time_t)(t + REVIEW_WIB_OFFSET);
	struct tm tm;

	if (gmtime_r(&w, &tm) == NULL)
		return 1970;
	return tm.tm_year + 1900;
}

int64_t review_div_round(int64_t num, int64_t den)
{
	return (2 * num + den) / (2 * den);
}

json_t *review_instr_indicator(json_t *doc, const char *id)
{
	json_t *v;
	size_t i;

	json_array_foreach (json_object_get(doc, "indicators"), i, v) {
		if (strcmp(json_string_value(json_object_get(v, "id")), id) == 0)
			return v;
	}
	return NULL;
}

json_t *review_instr_scale(json_t *doc, json_t *ind)
{
	return json_object_get(json_object_get(doc, "scales"), json_string_value(json_object_get(ind, "scale")));
}

/* ------------------------------------------------------------ the strict check */

static enum tk_err bad(const char *where, const char *what)
{
	return tk_fail_code(TK_ERR_INVALID, "invalid_instrument", "instrument: %s: %s (docs/review.md \"Instrument\")", where, what);
}

/* An identifier: 1..REVIEW_MAX_ID of [a-z0-9_], starting with a letter. */
static int ident_ok(const char *s)
{
	size_t i, n = s != NULL ? strlen(s) : 0;

	if (n == 0 || n > REVIEW_MAX_ID || s[0] < 'a' || s[0] > 'z')
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

static int text_ok(json_t *v, size_t max)
{
	return json_is_string(v) && json_string_length(v) > 0 && json_string_length(v) <= max &&
	       memchr(json_string_value(v), '\0', json_string_length(v)) == NULL;
}

/* Only the members named in allowed (NULL-terminated); anything else is a typo worth refusing. */
static enum tk_err members_ok(const char *where, json_t *o, const char *const *allowed)
{
	const char *k;
	json_t *v;
	char msg[160];

	if (!json_is_object(o))
		return bad(where, "must be an object");
	json_object_foreach (o, k, v) {
		size_t i;
		int found = 0;
		for (i = 0; allowed[i] != NULL; i++)
			found |= strcmp(allowed[i], k) == 0;
		if (!found) {
			if (str_fmt(msg, sizeof(msg), "unknown member \"%.64s\"", k) != TK_OK)
				return bad(where, "unknown member");
			return bad(where, msg);
		}
		(void)v;
	}
	return TK_OK;
}

/* {"id": "...", "en": "..."} */
static enum tk_err title_ok(const char *where, json_t *t)
{
	static const char *const m[] = { "id", "en", NULL };
	enum tk_err rc;

	if ((rc = members_ok(where, t, m)) != TK_OK)
		return rc;
	if (!text_ok(json_object_get(t, "id"), REVIEW_MAX_TITLE) || !text_ok(json_object_get(t, "en"), REVIEW_MAX_TITLE))
		return bad(where, "needs an Indonesian (id) and an English (en) text");
	return TK_OK;
}

static int int_in(json_t *v, json_int_t lo, json_int_t hi)
{
	return json_is_integer(v) && json_integer_value(v) >= lo && json_integer_value(v) <= hi;
}

static enum tk_err scales_ok(json_t *scales)
{
	static const char *const sm[] = { "min", "max", "levels", NULL };
	static const char *const lm[] = { "level", "id", "en", NULL };
	const char *k;
	json_t *s;
	char where[128];
	enum tk_err rc;

	if (!json_is_object(scales) || json_object_size(scales) == 0)
		return bad("scales", "must be an object of at least one scale");
	json_object_foreach (scales, k, s) {
		json_t *levels, *l;
		json_int_t lo, hi;
		size_t i;
		if ((rc = str_fmt(where, sizeof(where), "scales.%.64s", k)) != TK_OK)
			return rc;
		if (!ident_ok(k))
			return bad(where, "a scale id is [a-z][a-z0-9_]*, at most 64 bytes");
		if ((rc = members_ok(where, s, sm)) != TK_OK)
			return rc;
		if (!int_in(json_object_get(s, "min"), 0, 100) || !int_in(json_object_get(s, "max"), 1, 100))
			return bad(where, "min and max must be integers 0..100");
		lo = json_integer_value(json_object_get(s, "min"));
		hi = json_integer_value(json_object_get(s, "max"));
		if (hi <= lo || hi - lo + 1 > (json_int_t)REVIEW_MAX_LEVELS)
			return bad(where, "max must be above min, with at most 11 levels");
		levels = json_object_get(s, "levels");
		if (!json_is_array(levels) || (json_int_t)json_array_size(levels) != hi - lo + 1)
			return bad(where, "levels must describe every level from min to max");
		json_array_foreach (levels, i, l) {
			if ((rc = str_fmt(where, sizeof(where), "scales.%.64s.levels[%zu]", k, i)) != TK_OK || (rc = members_ok(where, l, lm)) != TK_OK)
				return rc;
			if (!int_in(json_object_get(l, "level"), lo + (json_int_t)i, lo + (json_int_t)i))
				return bad(where, "levels are listed in order, from min to max");
			if (!text_ok(json_object_get(l, "id"), REVIEW_MAX_TITLE) || !text_ok(json_object_get(l, "en"), REVIEW_MAX_TITLE))
				return bad(where, "needs an Indonesian (id) and an English (en) description");
		}
	}
	return TK_OK;
}

static enum tk_err aspects_ok(json_t *aspects)
{
	static const char *const am[] = { "id", "title", "weight", NULL };
	json_t *a;
	size_t i, j;
	json_int_t sum = 0;
	char where[64];
	enum tk_err rc;

	if (!json_is_array(aspects) || json_array_size(aspects) == 0 || json_array_size(aspects) > REVIEW_MAX_ASPECTS)
		return bad("aspects", "must be an array of 1..16 aspects");
	json_array_foreach (aspects, i, a) {
		if ((rc = str_fmt(where, sizeof(where), "aspects[%zu]", i)) != TK_OK || (rc = members_ok(where, a, am)) != TK_OK)
			return rc;
		if (!ident_ok(json_string_value(json_object_get(a, "id"))))
			return bad(where, "id is [a-z][a-z0-9_]*, at most 64 bytes");
		for (j = 0; j < i; j++)
			if (strcmp(json_string_value(json_object_get(json_array_get(aspects, j), "id")), json_string_value(json_object_get(a, "id"))) == 0)
				return bad(where, "duplicate aspect id");
		if ((rc = title_ok(where, json_object_get(a, "title"))) != TK_OK)
			return rc;
		if (!int_in(json_object_get(a, "weight"), 1, 100))
			return bad(where, "weight must be an integer 1..100");
		sum += json_integer_value(json_object_get(a, "weight"));
	}
	if (sum != 100)
		return bad("aspects", "the aspect weights must sum to 100");
	return TK_OK;
}

static int aspect_known(json_t *aspects, const char *id)
{
	json_t *a;
	size_t i;

	json_array_foreach (aspects, i, a) {
		if (strcmp(json_string_value(json_object_get(a, "id")), id) == 0)
			return 1;
	}
	return 0;
}

/* "R<n>" with n in 1..99; *n set. */
static int req_parse(json_t *v, uint64_t *n)
{
	const char *s = json_string_value(v);
	size_t len = s != NULL ? strlen(s) : 0;

	return len >= 2 && len <= 3 && s[0] == 'R' && parse_u64(s + 1, len - 1, 99, n) == TK_OK && *n >= 1;
}

static enum tk_err indicators_ok(json_t *doc)
{
	static const char *const im[] = { "id", "aspect", "weight", "evaluation", "scale", "title", "article", "requirements", "guidance", NULL };
	json_t *inds = json_object_get(doc, "indicators"), *aspects = json_object_get(doc, "aspects"), *v, *a;
	uint8_t covered[100];
	size_t i, j;
	char where[96];
	enum tk_err rc;

	memset(covered, 0, sizeof(covered));
	if (!json_is_array(inds) || json_array_size(inds) == 0 || json_array_size(inds) > REVIEW_MAX_INDICATORS)
		return bad("indicators", "must be an array of 1..200 indicators");
	json_array_foreach (inds, i, v) {
		const char *id, *ev;
		json_t *reqs, *r;
		size_t k;
		if ((rc = str_fmt(where, sizeof(where), "indicators[%zu]", i)) != TK_OK || (rc = members_ok(where, v, im)) != TK_OK)
			return rc;
		id = json_string_value(json_object_get(v, "id"));
		if (!ident_ok(id))
			return bad(where, "id is [a-z][a-z0-9_]*, at most 64 bytes");
		if ((rc = str_fmt(where, sizeof(where), "indicators[%zu] (%s)", i, id)) != TK_OK)
			return rc;
		for (j = 0; j < i; j++)
			if (strcmp(json_string_value(json_object_get(json_array_get(inds, j), "id")), id) == 0)
				return bad(where, "duplicate indicator id");
		if (!json_is_string(json_object_get(v, "aspect")) || !aspect_known(aspects, json_string_value(json_object_get(v, "aspect"))))
			return bad(where, "aspect names none of the aspects");
		if (!int_in(json_object_get(v, "weight"), 1, REVIEW_MAX_WEIGHT))
			return bad(where, "weight must be an integer 1..1000");
		ev = json_string_value(json_object_get(v, "evaluation"));
		if (ev == NULL || (strcmp(ev, "auto") != 0 && strcmp(ev, "manual") != 0))
			return bad(where, "evaluation must be \"auto\" or \"manual\"");
		if (strcmp(ev, "auto") == 0 && !review_auto_known(id))
			return bad(where, "teken computes no automatic indicator of this id (docs/review.md \"Automatic indicators\")");
		if (!json_is_string(json_object_get(v, "scale")) || review_instr_scale(doc, v) == NULL)
			return bad(where, "scale names none of the scales");
		if ((rc = title_ok(where, json_object_get(v, "title"))) != TK_OK)
			return rc;
		if (!text_ok(json_object_get(v, "article"), REVIEW_MAX_TITLE))
			return bad(where, "article (of the agreement) is required");
		if (json_object_get(v, "guidance") != NULL && !text_ok(json_object_get(v, "guidance"), REVIEW_MAX_TEXT))
			return bad(where, "guidance must be a non-empty text");
		reqs = json_object_get(v, "requirements");
		if (!json_is_array(reqs) || json_array_size(reqs) == 0 || json_array_size(reqs) > 18)
			return bad(where, "requirements must list 1..18 requirement ids (R1..R18)");
		json_array_foreach (reqs, k, r) {
			uint64_t n = 0;
			if (!req_parse(r, &n) || n > REVIEW_REQUIREMENTS)
				return bad(where, "a requirement id is R1..R18");
			covered[n] = 1;
		}
	}
	json_array_foreach (aspects, i, a) {
		int used = 0;
		json_array_foreach (inds, j, v) {
			used |= strcmp(json_string_value(json_object_get(v, "aspect")), json_string_value(json_object_get(a, "id"))) == 0;
		}
		if (!used) {
			if ((rc = str_fmt(where, sizeof(where), "aspects[%zu]", i)) != TK_OK)
				return rc;
			return bad(where, "an aspect without indicators");
		}
	}
	for (i = 1; i <= REVIEW_REQUIREMENTS; i++) {
		if (!covered[i]) {
			if ((rc = str_fmt(where, sizeof(where), "requirement R%zu is covered by no indicator (every R1..R18 must be)", i)) != TK_OK)
				return rc;
			return bad("indicators", where);
		}
	}
	return TK_OK;
}

static enum tk_err maturity_ok(json_t *m)
{
	static const char *const mm[] = { "level", "min_x100", "name", NULL };
	json_t *v;
	size_t i;
	json_int_t prev = -1;
	char where[64];
	enum tk_err rc;

	if (!json_is_array(m) || json_array_size(m) < 2 || json_array_size(m) > 10)
		return bad("maturity", "must be an array of 2..10 levels");
	json_array_foreach (m, i, v) {
		if ((rc = str_fmt(where, sizeof(where), "maturity[%zu]", i)) != TK_OK || (rc = members_ok(where, v, mm)) != TK_OK)
			return rc;
		if (!int_in(json_object_get(v, "level"), (json_int_t)i + 1, (json_int_t)i + 1))
			return bad(where, "levels are numbered 1, 2, ... in order");
		if (!int_in(json_object_get(v, "min_x100"), 0, 10000) || json_integer_value(json_object_get(v, "min_x100")) <= prev)
			return bad(where, "min_x100 (lowest score in hundredths, 0..10000) must rise strictly");
		if (i == 0 && json_integer_value(json_object_get(v, "min_x100")) != 0)
			return bad(where, "the first level starts at 0");
		prev = json_integer_value(json_object_get(v, "min_x100"));
		if ((rc = title_ok(where, json_object_get(v, "name"))) != TK_OK)
			return rc;
	}
	return TK_OK;
}

/* Parses and checks; *doc owned by the caller. */
static enum tk_err instrument_parse(const uint8_t *p, size_t len, json_t **doc)
{
	static const char *const top[] = { "format", "title", "scales", "aspects", "indicators", "maturity", NULL };
	json_error_t jerr;
	json_t *d;
	enum tk_err rc;

	*doc = NULL;
	if (len > REVIEW_MAX_INSTRUMENT)
		return tk_fail_code(TK_ERR_LIMIT, "too_large", "instrument larger than %u bytes", REVIEW_MAX_INSTRUMENT);
	if ((d = json_loadb((const char *)p, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL)
		return tk_fail_code(TK_ERR_INVALID, "invalid_instrument", "instrument: not JSON (line %d: %s)", jerr.line, jerr.text);
	if ((rc = members_ok("instrument", d, top)) != TK_OK)
		goto out;
	if (!json_is_string(json_object_get(d, "format")) || strcmp(json_string_value(json_object_get(d, "format")), INSTRUMENT_FORMAT) != 0) {
		rc = bad("format", "must be \"" INSTRUMENT_FORMAT "\"");
		goto out;
	}
	if (!text_ok(json_object_get(d, "title"), REVIEW_MAX_TITLE)) {
		rc = bad("title", "is required (at most 300 bytes)");
		goto out;
	}
	if ((rc = scales_ok(json_object_get(d, "scales"))) != TK_OK || (rc = aspects_ok(json_object_get(d, "aspects"))) != TK_OK ||
	    (rc = indicators_ok(d)) != TK_OK || (rc = maturity_ok(json_object_get(d, "maturity"))) != TK_OK)
		goto out;
	*doc = d;
	d = NULL;
out:
	json_decref(d);
	return rc;
}

enum tk_err review_instrument_check(const uint8_t *p, size_t len)
{
	json_t *d = NULL;
	enum tk_err rc = instrument_parse(p, len, &d);

	json_decref(d);
	return rc;
}

/* ------------------------------------------------------------ storing */

struct store_arg {
	const uint8_t *p;
	size_t len;
	const char *title;
	char sha[65];
	int64_t version;
	int only_if_empty; /* the shipped default: only when nothing is stored (another node may have won) */
};

static enum tk_err store_tx(struct svc_ctx *c, void *arg)
{
	struct store_arg *a = arg;
	struct store_stmt *s = NULL;
	int64_t max = 0;
	int row;
	enum tk_err rc;

	if ((rc = store_query_i64(c->st, "SELECT COALESCE(MAX(version), 0) FROM review_instruments", NULL, &max)) != TK_OK)
		return rc;
	if (a->only_if_empty && max > 0) {
		a->version = max;
		return TK_OK;
	}
	a->version = max + 1;
	/* The default may race another node's first use (PostgreSQL): whoever inserts version 1 first wins, the other reads it. */
	if ((rc = store_prepare(c->st, a->only_if_empty ? "INSERT INTO review_instruments (version, title, body, sha256, loaded_by, loaded_at)"
							  " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (version) DO NOTHING"
							: "INSERT INTO review_instruments (version, title, body, sha256, loaded_by, loaded_at) VALUES (?, ?, ?, ?, ?, ?)",
		 &s)) != TK_OK)
		return rc;
	{
		/* body is TEXT: the bytes as loaded (checked UTF-8 JSON by then). */
		char *body = malloc(a->len + 1);
		if (body == NULL) {
			rc = tk_fail(TK_ERR_NOMEM, "review: out of memory");
			goto out;
		}
		memcpy(body, a->p, a->len);
		body[a->len] = '\0';
		rc = store_bind_text(s, 3, body);
		free(body);
		if (rc != TK_OK)
			goto out;
	}
	if ((rc = store_bind_i64(s, 1, a->version)) != TK_OK || (rc = store_bind_text(s, 2, a->title)) != TK_OK ||
	    (rc = store_bind_text(s, 4, a->sha)) != TK_OK || (rc = store_bind_text(s, 5, c->actor.user)) != TK_OK ||
	    (rc = store_bind_i64(s, 6, tk_now())) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (store_changes(s) != 1) /* another node stored the default just now */
		goto out;
	{
		char obj[48], *d = NULL;
		if ((rc = str_fmt(obj, sizeof(obj), "review_instrument:%lld", (long long)a->version)) != TK_OK ||
		    (rc = svc_json_dump(json_pack("{s:s, s:I, s:b}", "sha256", a->sha, "size", (json_int_t)a->len, "default", a->only_if_empty), &d)) !=
			TK_OK)
			goto out;
		rc = audit_append(c, "review.instrument.load", obj, d);
		free(d);
	}
out:
	store_finalize(s);
	return rc;
}

static enum tk_err store_instrument(struct svc_ctx *c, const uint8_t *p, size_t len, int only_if_empty, int64_t *version, char sha[65])
{
	struct store_arg a;
	json_t *doc = NULL;
	enum tk_err rc;

	if (memchr(p, '\0', len) != NULL)
		return bad("instrument", "holds a NUL byte");
	if ((rc = instrument_parse(p, len, &doc)) != TK_OK)
		return rc;
	memset(&a, 0, sizeof(a));
	a.p = p;
	a.len = len;
	a.title = json_string_value(json_object_get(doc, "title"));
	a.only_if_empty = only_if_empty;
	sha256_hex(p, len, a.sha);
	if ((rc = svc_in_tx(c, store_tx, &a)) == TK_OK) {
		*version = a.version;
		memcpy(sha, a.sha, 65);
	}
	json_decref(doc);
	return rc;
}

/* The shipped default as version 1 when nothing is stored. */
static enum tk_err ensure_default(struct svc_ctx *c)
{
	const char *path;
	uint8_t *p = NULL;
	size_t len = 0;
	int64_t n = 0, v = 0;
	char sha[65], dflt[PATH_MAX];
	enum tk_err rc;

	if ((rc = store_query_i64(c->st, "SELECT COUNT(*) FROM review_instruments", NULL, &n)) != TK_OK || n > 0)
		return rc;
	if ((rc = str_fmt(dflt, sizeof(dflt), "%s/review-instrument.json", tk_data_dir())) != TK_OK)
		return rc;
	path = config_get_or(c->inst->cfg, "review", "instrument_file", dflt);
	if ((rc = file_read(path, REVIEW_MAX_INSTRUMENT, &p, &len)) != TK_OK)
		return tk_fail_code(TK_ERR_INTERNAL, "no_instrument", "review: no instrument is loaded and the shipped default %s cannot be read", path);
	rc = store_instrument(c, p, len, 1, &v, sha);
	free(p);
	return rc;
}

enum tk_err review_instr_load(struct svc_ctx *c, int64_t version, json_t **doc, int64_t *ver, char sha[65])
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	*doc = NULL;
	if (version == 0 && (rc = ensure_default(c)) != TK_OK)
		return rc;
	if ((rc = store_prepare(c->st, version == 0 ? "SELECT version, body, sha256 FROM review_instruments ORDER BY version DESC LIMIT 1" : "SELECT version, body, sha256 FROM review_instruments WHERE version = ?",
		 &s)) != TK_OK ||
	    (version != 0 && (rc = store_bind_i64(s, 1, version)) != TK_OK) || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_instrument", "no review instrument version %lld", (long long)version);
		goto out;
	}
	*ver = store_col_i64(s, 0);
	if ((rc = str_copy(sha, 65, store_col_text(s, 2))) != TK_OK)
		goto out;
	{
		const char *body = store_col_text(s, 1);
		rc = instrument_parse((const uint8_t *)body, strlen(body), doc);
	}
out:
	store_finalize(s);
	return rc;
}

enum tk_err review_instrument_load(struct svc_ctx *c, const uint8_t *p, size_t len, char **out)
{
	int64_t v = 0;
	char sha[65];
	enum tk_err rc;

	if ((rc = review_allowed(c, REVIEW_MINISTRY)) != TK_OK)
		return rc;
	/* The default first, so a loaded instrument is never "version 1" by accident of order. */
	if ((rc = ensure_default(c)) != TK_OK || (rc = store_instrument(c, p, len, 0, &v, sha)) != TK_OK)
		return rc;
	return svc_json_dump(json_pack("{s:I, s:s, s:I}", "version", (json_int_t)v, "sha256", sha, "size", (json_int_t)len), out);
}

enum tk_err review_instrument_list(struct svc_ctx *c, char **out)
{
	struct store_stmt *s = NULL;
	json_t *arr = NULL;
	int row = 0;
	enum tk_err rc;

	if ((rc = review_allowed(c, REVIEW_READ)) != TK_OK || (rc = ensure_default(c)) != TK_OK)
		return rc;
	if ((arr = json_array()) == NULL)
		return tk_fail(TK_ERR_NOMEM, "review: out of memory");
	if ((rc = store_prepare(c->st, "SELECT version, title, sha256, loaded_by, loaded_at, LENGTH(body) FROM review_instruments ORDER BY version DESC",
		 &s)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		char t[32];
		time_iso_utc(store_col_i64(s, 4), t);
		if (json_array_append_new(arr, json_pack("{s:I, s:s, s:s, s:s, s:s, s:I}", "version", (json_int_t)store_col_i64(s, 0), "title",
						   store_col_text(s, 1), "sha256", store_col_text(s, 2), "loaded_by", store_col_text(s, 3), "loaded_at", t,
						   "size", (json_int_t)store_col_i64(s, 5))) != 0) {
			rc = tk_fail(TK_ERR_NOMEM, "review: out of memory");
			goto out;
		}
	}
	if (rc == TK_OK) {
		rc = svc_json_dump(arr, out);
		arr = NULL;
	}
out:
	store_finalize(s);
	json_decref(arr);
	return rc;
}

enum tk_err review_instrument_get(struct svc_ctx *c, int64_t version, struct buf *out)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	if ((rc = review_allowed(c, REVIEW_READ)) != TK_OK || (rc = ensure_default(c)) != TK_OK)
		return rc;
	if ((rc = store_prepare(c->st, version == 0 ? "SELECT body FROM review_instruments ORDER BY version DESC LIMIT 1" : "SELECT body FROM review_instruments WHERE version = ?",
		 &s)) != TK_OK ||
	    (version != 0 && (rc = store_bind_i64(s, 1, version)) != TK_OK) || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_instrument", "no review instrument version %lld", (long long)version);
		goto out;
	}
	rc = buf_append(out, (const uint8_t *)store_col_text(s, 0), strlen(store_col_text(s, 0)));
out:
	store_finalize(s);
	return rc;
}

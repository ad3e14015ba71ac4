/*
 * The audit browser (docs/audit-browser.md): search the hash-chained log by
 * time, actor, action, object, object type and outcome, newest first with
 * a seq cursor, and export a search as CSV (itself an audited event).
 *
 * Each row carries the state of its own link: its hash recomputes from its
 * fields (audit_chain_hash, the one definition audit.c appends and verifies
 * with) and its prev_hash is the hash of event seq-1. A search only reads;
 * the whole-chain answer comes from audit_verify() on the first page.
 */
#include "svc/audit/audit.h"
#include "svc/audit/audit_int.h"
#include "svc/base/base_int.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BINDS 12
#define PREV_BATCH 100 /* seq-1 hashes fetched per query */
#define TYPE_MAX 32    /* longest object_type */
#define SQL_MAX 2048
#define AUDIT_NARROW 5000 /* a filter with fewer matches than this uses its column's index */

/* outcome=failed: the action records a refusal (docs/audit-browser.md). */
#define FAILED_SQL "(action LIKE '%\\_failed' ESCAPE '\\' OR action LIKE '%\\_denied' ESCAPE '\\')"

/* Which index a search uses: its filter's (then sorts the few matches by seq), or the primary key. */
enum access { USE_PK = 0,
	USE_OBJECT,
	USE_ACTOR,
	USE_TS };

struct bind {
	int is_text;
	int64_t i;
	const char *s;
};

/* A checked query, ready to run. */
struct filter {
	char sql[SQL_MAX];
	struct bind b[MAX_BINDS];
	int nb;
	char prefix[AUDIT_FILTER_MAX + 2]; /* action prefix or object_type + "." */
	int64_t cursor;                    /* 0: from the newest */
	int has_from, has_to;
	int64_t from, to;
	size_t limit;
	int chain; /* the first page carries the chain status */
};

/* One fetched event; strings are owned. */
struct hit {
	int64_t seq, ts;
	char *actor, *role, *action, *object, *ip, *details, *prev, *hash;
	char *prev_stored; /* hash of event seq-1 as stored (NULL: not found) */
	int link_ok;
};

struct hits {
	struct hit *v;
	size_t n, cap;
};

static void hits_free(struct hits *h)
{
	size_t i;

	for (i = 0; i < h->n; i++) {
		struct hit *x = &h->v[i];
		free(x->actor);
		free(x->role);
		free(x->action);
		free(x->object);
		free(x->ip);
		free(x->details);
		free(x->prev);
		free(x->hash);
		free(x->prev_stored);
	}
	free(h->v);
	memset(h, 0, sizeof(*h));
}

static enum tk_err bad_filter(const char *fmt, const char *what)
{
	return tk_fail_code(TK_ERR_INVALID, "bad_filter", fmt, what);
}

static int given(const char *s)
{
	return s != NULL && s[0] != '\0';
}

/* Printable, bounded text (no control characters). */
static enum tk_err check_text(const char *name, const char *v)
{
	size_t i, n = strlen(v);

	if (n > AUDIT_FILTER_MAX)
		return tk_fail_code(TK_ERR_INVALID, "bad_filter", "audit search: %s longer than %d characters", name, AUDIT_FILTER_MAX);
	for (i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return bad_filter("audit search: %s holds a control character", name);
	return TK_OK;
}

/* [a-z0-9_.] only (action names); dot allowed when dots != 0. */
static int name_chars(const char *v, size_t n, int dots)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char ch = v[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || (dots && ch == '.')))
			return 0;
	}
	return 1;
}

/*
 * Unix seconds, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ. A bare date as the end
 * of a range means the end of that day, so from=to=a day selects the day.
 */
static enum tk_err parse_when(const char *name, const char *v, int is_end, int64_t *out)
{
	char full[32];
	size_t n = strlen(v);
	int64_t t = 0;

	if (n > 0 && n <= 12 && name_chars(v, n, 0) && strspn(v, "0123456789") == n) {
		if (parse_i64_str(v, 0, (int64_t)253402300799LL, out) != TK_OK)
			return bad_filter("audit search: %s is not a Unix time in range", name);
		return TK_OK;
	}
	if (n == 10) {
		if (str_fmt(full, sizeof(full), "%sT00:00:00Z", v) != TK_OK || time_parse_iso(full, &t) != TK_OK)
			return bad_filter("audit search: %s must be Unix seconds, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ", name);
		*out = is_end ? t + 86399 : t;
		return TK_OK;
	}
	if (n == 20 && time_parse_iso(v, &t) == TK_OK) {
		*out = t;
		return TK_OK;
	}
	return bad_filter("audit search: %s must be Unix seconds, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ", name);
}

static enum tk_err add_sql(struct filter *f, const char *clause)
{
	size_t used = strlen(f->sql);

	return str_copy(f->sql + used, sizeof(f->sql) - used, clause);
}

static enum tk_err add_text(struct filter *f, const char *clause, const char *v)
{
	if (f->nb >= MAX_BINDS)
		return tk_fail(TK_ERR_INTERNAL, "audit search: too many conditions");
	f->b[f->nb].is_text = 1;
	f->b[f->nb++].s = v;
	return add_sql(f, clause);
}

static enum tk_err add_int(struct filter *f, const char *clause, int64_t v)
{
	if (f->nb >= MAX_BINDS)
		return tk_fail(TK_ERR_INTERNAL, "audit search: too many conditions");
	f->b[f->nb].is_text = 0;
	f->b[f->nb++].i = v;
	return add_sql(f, clause);
}

/* The action name's category: what comes before its first dot ("" without one). */
static void type_of(const char *action, char out[TYPE_MAX + 1])
{
	size_t n = strcspn(action, ".");

	if (action[n] != '.' || n > TYPE_MAX)
		n = 0;
	memcpy(out, action, n);
	out[n] = '\0';
}

/*
 * Checks q and turns it into SQL for the access path use. A filter column
 * other than the chosen one is written so that no store uses its index
 * ("ts + 0", "actor || ''"). With an index (use != USE_PK) the matches,
 * fewer than AUDIT_NARROW, are sorted by seq ("seq + 0", so the store does
 * not walk the primary key instead); with USE_PK the primary key is walked
 * downwards from the cursor until a page is full. paged = 0 for the export
 * (no limit, no cursor).
 */
static enum tk_err filter_build(const struct audit_query *q, int paged, enum access use, struct filter *f)
{
	int64_t from = 0, to = 0;
	uint64_t u = 0;
	enum tk_err rc;

	memset(f, 0, sizeof(*f));
	f->limit = AUDIT_SEARCH_DEFAULT_LIMIT;
	if ((rc = str_copy(f->sql, sizeof(f->sql),
		 "SELECT seq, ts, actor, role, action, object, ip, details, prev_hash, hash FROM audit WHERE 1 = 1")) != TK_OK)
		return rc;
	if (given(q->from) && (rc = parse_when("from", q->from, 0, &from)) != TK_OK)
		return rc;
	if (given(q->to) && (rc = parse_when("to", q->to, 1, &to)) != TK_OK)
		return rc;
	if (given(q->from) && given(q->to) && from > to)
		return bad_filter("audit search: %s", "from is later than to");
	f->has_from = given(q->from);
	f->has_to = given(q->to);
	f->from = from;
	f->to = to;
	if (f->has_from && (rc = add_int(f, use == USE_TS ? " AND ts >= ?" : " AND ts + 0 >= ?", from)) != TK_OK)
		return rc;
	if (f->has_to && (rc = add_int(f, use == USE_TS ? " AND ts <= ?" : " AND ts + 0 <= ?", to)) != TK_OK)
		return rc;
	if (given(q->actor) && ((rc = check_text("actor", q->actor)) != TK_OK ||
				   (rc = add_text(f, use == USE_ACTOR ? " AND actor = ?" : " AND actor || '' = ?", q->actor)) != TK_OK))
		return rc;
	if (given(q->object) && ((rc = check_text("object", q->object)) != TK_OK ||
				    (rc = add_text(f, use == USE_OBJECT ? " AND object = ?" : " AND object || '' = ?", q->object)) != TK_OK))
		return rc;
	if (given(q->action)) {
		size_t n = strlen(q->action);
		int wild = q->action[n - 1] == '*';
		if (n > AUDIT_FILTER_MAX || !name_chars(q->action, n - (size_t)wild, 1))
			return bad_filter("audit search: action %s", "must be an action name (a-z, 0-9, _ and .), or a prefix ending in * such as cert.*");
		if (!wild) {
			rc = add_text(f, " AND action = ?", q->action);
		} else if (n > 1) {
			/* substr, not LIKE: case-sensitive and without wildcards on both stores. */
			memcpy(f->prefix, q->action, n - 1);
			f->prefix[n - 1] = '\0';
			if ((rc = str_fmt(f->sql + strlen(f->sql), sizeof(f->sql) - strlen(f->sql), " AND substr(action, 1, %zu) = ?", n - 1)) ==
			    TK_OK)
				rc = add_text(f, "", f->prefix);
		}
		if (rc != TK_OK)
			return rc;
	}
	if (given(q->object_type)) {
		char clause[64];
		size_t n = strlen(q->object_type);
		if (n > TYPE_MAX || !name_chars(q->object_type, n, 0))
			return bad_filter("audit search: object_type %s", "must be an action category such as cert, request, document, user, key");
		if (given(q->action) && q->action[strlen(q->action) - 1] == '*')
			return bad_filter("audit search: %s", "give object_type or an action prefix, not both");
		if ((rc = str_fmt(f->prefix, sizeof(f->prefix), "%s.", q->object_type)) != TK_OK ||
		    (rc = str_fmt(clause, sizeof(clause), " AND substr(action, 1, %zu) = ?", n + 1)) != TK_OK ||
		    (rc = add_text(f, clause, f->prefix)) != TK_OK)
			return rc;
	}
	if (given(q->outcome)) {
		/* A refusal is recorded under an action ending in _failed or _denied (auth.login_failed, key.unlock_failed). */
		if (strcmp(q->outcome, "failed") == 0)
			rc = add_sql(f, " AND " FAILED_SQL);
		else if (strcmp(q->outcome, "ok") == 0)
			rc = add_sql(f, " AND NOT " FAILED_SQL);
		else
			return bad_filter("audit search: outcome %s", "must be ok or failed");
		if (rc != TK_OK)
			return rc;
	}
	if (!paged)
		return add_sql(f, use == USE_PK ? " ORDER BY seq DESC" : " ORDER BY seq + 0 DESC");
	if (given(q->chain) && strcmp(q->chain, "no") != 0 && strcmp(q->chain, "yes") != 0)
		return bad_filter("audit search: chain %s", "must be yes or no");
	if (given(q->limit)) {
		if (parse_u64_str(q->limit, AUDIT_SEARCH_MAX_LIMIT, &u) != TK_OK || u == 0)
			return tk_fail_code(TK_ERR_INVALID, "bad_filter", "audit search: limit must be 1 to %d", AUDIT_SEARCH_MAX_LIMIT);
		f->limit = (size_t)u;
	}
	if (given(q->cursor)) {
		if (parse_u64_str(q->cursor, INT64_MAX, &u) != TK_OK || u < 2)
			return bad_filter("audit search: %s", "cursor is not one this server gave (use next_cursor as it is)");
		f->cursor = (int64_t)u;
		if ((rc = add_int(f, use == USE_PK ? " AND seq < ?" : " AND seq + 0 < ?", f->cursor)) != TK_OK)
			return rc;
	}
	f->chain = f->cursor == 0 && !(given(q->chain) && strcmp(q->chain, "no") == 0);
	/* One more than the page, to know whether another page follows. */
	return add_int(f, use == USE_PK ? " ORDER BY seq DESC LIMIT ?" : " ORDER BY seq + 0 DESC LIMIT ?", (int64_t)f->limit + 1);
}

static enum tk_err dup_col(struct store_stmt *s, int col, char **out)
{
	if ((*out = strdup(store_col_text(s, col))) == NULL)
		return tk_fail(TK_ERR_NOMEM, "audit search: out of memory");
	return TK_OK;
}

/* Runs f, keeping at most max rows; *more = 1 when there were more. */
static enum tk_err fetch(struct svc_ctx *c, const struct filter *f, size_t max, struct hits *h, int *more)
{
	struct store_stmt *s = NULL;
	int row = 0, i;
	enum tk_err rc;

	*more = 0;
	if ((rc = store_prepare(c->st, f->sql, &s)) != TK_OK)
		return rc;
	for (i = 0; i < f->nb && rc == TK_OK; i++)
		rc = f->b[i].is_text ? store_bind_text(s, i + 1, f->b[i].s) : store_bind_i64(s, i + 1, f->b[i].i);
	while (rc == TK_OK && (rc = store_step(s, &row)) == TK_OK && row) {
		struct hit *x;
		if (h->n == max) {
			*more = 1;
			break;
		}
		if (h->n == h->cap) {
			size_t cap = h->cap ? h->cap * 2 : 64;
			struct hit *v = realloc(h->v, cap * sizeof(*v));
			if (v == NULL) {
				rc = tk_fail(TK_ERR_NOMEM, "audit search: out of memory");
				break;
			}
			h->v = v;
			h->cap = cap;
		}
		x = &h->v[h->n++];
		memset(x, 0, sizeof(*x));
		x->seq = store_col_i64(s, 0);
		x->ts = store_col_i64(s, 1);
		if ((rc = dup_col(s, 2, &x->actor)) != TK_OK || (rc = dup_col(s, 3, &x->role)) != TK_OK ||
		    (rc = dup_col(s, 4, &x->action)) != TK_OK || (rc = dup_col(s, 5, &x->object)) != TK_OK ||
		    (rc = dup_col(s, 6, &x->ip)) != TK_OK || (rc = dup_col(s, 7, &x->details)) != TK_OK ||
		    (rc = dup_col(s, 8, &x->prev)) != TK_OK || (rc = dup_col(s, 9, &x->hash)) != TK_OK)
			break;
	}
	store_finalize(s);
	return rc;
}

/* Fills prev_stored (the stored hash of event seq-1) of the hits idx[0..n) with one IN query. */
static enum tk_err fetch_prev_batch(struct svc_ctx *c, struct hits *h, const size_t *idx, size_t n)
{
	struct store_stmt *s = NULL;
	char sql[64 + PREV_BATCH * 3];
	size_t i, j;
	int row = 0;
	enum tk_err rc;

	if ((rc = str_copy(sql, sizeof(sql), "SELECT seq, hash FROM audit WHERE seq IN (")) != TK_OK)
		return rc;
	for (i = 0; i < n; i++)
		if ((rc = str_copy(sql + strlen(sql), sizeof(sql) - strlen(sql), i ? ",?" : "?")) != TK_OK)
			return rc;
	if ((rc = str_copy(sql + strlen(sql), sizeof(sql) - strlen(sql), ")")) != TK_OK ||
	    (rc = store_prepare(c->st, sql, &s)) != TK_OK)
		return rc;
	for (i = 0; i < n && rc == TK_OK; i++)
		rc = store_bind_i64(s, (int)i + 1, h->v[idx[i]].seq - 1);
	while (rc == TK_OK && (rc = store_step(s, &row)) == TK_OK && row) {
		int64_t seq = store_col_i64(s, 0);
		for (j = 0; j < n; j++)
			if (h->v[idx[j]].seq - 1 == seq && h->v[idx[j]].prev_stored == NULL &&
			    (rc = dup_col(s, 1, &h->v[idx[j]].prev_stored)) != TK_OK)
				break;
	}
	store_finalize(s);
	return rc;
}

/*
 * Sets link_ok of every hit: its hash recomputes from its fields and its
 * prev_hash, and prev_hash is the stored hash of event seq-1 (the next hit
 * when it is that event, else fetched), or zeros for event 1.
 */
static enum tk_err check_links(struct svc_ctx *c, struct hits *h)
{
	size_t i, idx[PREV_BATCH], n = 0;
	enum tk_err rc;

	for (i = 0; i < h->n; i++) {
		struct hit *x = &h->v[i];
		if (x->seq <= 1 || (i + 1 < h->n && h->v[i + 1].seq == x->seq - 1))
			continue;
		idx[n++] = i;
		if (n == PREV_BATCH) {
			if ((rc = fetch_prev_batch(c, h, idx, n)) != TK_OK)
				return rc;
			n = 0;
		}
	}
	if (n > 0 && (rc = fetch_prev_batch(c, h, idx, n)) != TK_OK)
		return rc;
	for (i = 0; i < h->n; i++) {
		struct hit *x = &h->v[i];
		struct audit_row a;
		const char *want;
		char hash[65];
		a.seq = x->seq;
		a.ts = x->ts;
		a.actor = x->actor;
		a.role = x->role;
		a.action = x->action;
		a.object = x->object;
		a.ip = x->ip;
		a.details = x->details;
		a.prev = x->prev;
		if ((rc = audit_chain_hash(&a, hash)) != TK_OK)
			return rc;
		if (x->seq <= 1)
			want = AUDIT_ZERO_HASH;
		else if (i + 1 < h->n && h->v[i + 1].seq == x->seq - 1)
			want = h->v[i + 1].hash;
		else
			want = x->prev_stored; /* NULL: event seq-1 is gone */
		x->link_ok = strcmp(hash, x->hash) == 0 && want != NULL && strcmp(x->prev, want) == 0;
	}
	return TK_OK;
}

/*
 * Do fewer than AUDIT_NARROW events match column use's condition alone?
 * Counted on that column's index and stopped at the bound, so the answer
 * costs at most that many index entries whatever the size of the log.
 */
static enum tk_err is_narrow(struct svc_ctx *c, const struct audit_query *q, const struct filter *f, enum access use, int *narrow)
{
	static const char *const sql[] = {
		[USE_OBJECT] = "SELECT COUNT(*) FROM (SELECT 1 FROM audit WHERE object = ? LIMIT ?) r",
		[USE_ACTOR] = "SELECT COUNT(*) FROM (SELECT 1 FROM audit WHERE actor = ? LIMIT ?) r",
		[USE_TS] = "SELECT COUNT(*) FROM (SELECT 1 FROM audit WHERE ts >= ? AND ts <= ? LIMIT ?) r",
	};
	struct store_stmt *s = NULL;
	int row = 0, n = 1;
	enum tk_err rc;

	*narrow = 0;
	if ((rc = store_prepare(c->st, sql[use], &s)) != TK_OK)
		return rc;
	if (use == USE_OBJECT)
		rc = store_bind_text(s, n++, q->object);
	else if (use == USE_ACTOR)
		rc = store_bind_text(s, n++, q->actor);
	else if ((rc = store_bind_i64(s, n++, f->has_from ? f->from : INT64_MIN)) == TK_OK)
		rc = store_bind_i64(s, n++, f->has_to ? f->to : INT64_MAX);
	if (rc == TK_OK && (rc = store_bind_i64(s, n, AUDIT_NARROW)) == TK_OK && (rc = store_step(s, &row)) == TK_OK && row)
		*narrow = store_col_i64(s, 0) < AUDIT_NARROW;
	store_finalize(s);
	return rc;
}

/*
 * Checks q and picks the access path: the first of the object, actor and
 * time-range filters given that matches fewer than AUDIT_NARROW events
 * uses its index; when none does (or none is given) the primary key is
 * walked, which finds a page quickly exactly when many events match. The
 * caller holds a read transaction.
 */
static enum tk_err plan(struct svc_ctx *c, const struct audit_query *q, int paged, struct filter *f)
{
	const enum access order[] = { USE_OBJECT, USE_ACTOR, USE_TS };
	enum tk_err rc;
	size_t i;
	int narrow = 0;

	if ((rc = filter_build(q, paged, USE_PK, f)) != TK_OK)
		return rc;
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if ((order[i] == USE_OBJECT && !given(q->object)) || (order[i] == USE_ACTOR && !given(q->actor)) ||
		    (order[i] == USE_TS && !f->has_from && !f->has_to))
			continue;
		if ((rc = is_narrow(c, q, f, order[i], &narrow)) != TK_OK)
			return rc;
		if (narrow)
			return filter_build(q, paged, order[i], f);
	}
	return TK_OK;
}

/* Admins and auditors (logged in) and the operator. */
static enum tk_err may_browse(const struct svc_ctx *c)
{
	if (c->actor.kind == ACTOR_OPERATOR ||
	    (c->actor.kind == ACTOR_PERSON && (strcmp(c->actor.role, "admin") == 0 || strcmp(c->actor.role, "auditor") == 0)))
		return TK_OK;
	return tk_fail_code(TK_ERR_DENIED, "forbidden", "only admins and auditors search the audit log");
}

/*
 * Runs q (checked already by filter_build into f) in one read transaction:
 * picks the plan, fetches at most max rows and checks their links.
 */
static enum tk_err search_rows(struct svc_ctx *c, const struct audit_query *q, int paged, struct filter *f, size_t max,
    struct hits *h, int *more)
{
	enum tk_err rc;

	if ((rc = store_begin(c->st, STORE_TX_READ)) != TK_OK)
		return rc;
	if ((rc = plan(c, q, paged, f)) == TK_OK && (rc = fetch(c, f, max, h, more)) == TK_OK)
		rc = check_links(c, h);
	store_rollback(c->st);
	return rc;
}

static json_t *hit_json(const struct hit *x)
{
	char when[32], type[TYPE_MAX + 1];
	json_t *d = json_loads(x->details, JSON_REJECT_DUPLICATES, NULL);

	/* Details are JSON as appended; text that is not (a damaged row) is shown as it is. */
	if (d == NULL)
		d = json_string(x->details);
	time_iso_utc(x->ts, when);
	type_of(x->action, type);
	return json_pack("{s:I, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:s}", "seq", (json_int_t)x->seq, "ts", when, "time",
	    (json_int_t)x->ts, "actor", x->actor, "role", x->role, "action", x->action, "object_type", type, "object", x->object, "ip",
	    x->ip, "details", d != NULL ? d : json_null(), "link", x->link_ok ? "ok" : "broken");
}

/* {intact, events, first_bad_seq, problem, checkpoint} of the whole log now. */
static enum tk_err chain_json(struct svc_ctx *c, json_t **out)
{
	struct audit_report r;
	struct store_stmt *s = NULL;
	json_t *cp = NULL;
	char when[32];
	int row = 0;
	enum tk_err rc;

	if ((rc = audit_verify(c, &r)) != TK_OK)
		return rc;
	if ((rc = store_prepare(c->st, "SELECT num, seq, ts FROM audit_checkpoints WHERE num IS NOT NULL ORDER BY num DESC LIMIT 1", &s)) !=
		TK_OK ||
	    (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (row) {
		time_iso_utc(store_col_i64(s, 2), when);
		cp = json_pack("{s:I, s:I, s:s}", "num", (json_int_t)store_col_i64(s, 0), "seq", (json_int_t)store_col_i64(s, 1), "ts", when);
	} else {
		cp = json_null();
	}
	*out = json_pack("{s:b, s:I, s:I, s:I, s:s, s:s, s:o}", "intact", r.first_bad_seq == 0, "events", (json_int_t)r.events,
	    "checkpoints", (json_int_t)r.checkpoints, "first_bad_seq", (json_int_t)r.first_bad_seq, "problem", r.problem, "warning",
	    r.warning, "checkpoint", cp);
	if (*out == NULL)
		rc = tk_fail(TK_ERR_NOMEM, "audit search: out of memory");
out:
	store_finalize(s);
	return rc;
}

enum tk_err audit_search(struct svc_ctx *c, const struct audit_query *q, json_t **out)
{
	struct filter f;
	struct hits h;
	json_t *o = NULL, *rows = NULL, *chain = NULL;
	char next[24];
	size_t i;
	int more = 0;
	enum tk_err rc;

	*out = NULL;
	memset(&h, 0, sizeof(h));
	if ((rc = may_browse(c)) != TK_OK || (rc = filter_build(q, 1, USE_PK, &f)) != TK_OK)
		return rc;
	/* The chain status on the first page only: it reads the whole log. */
	if (f.chain && (rc = chain_json(c, &chain)) != TK_OK)
		goto out;
	if ((rc = search_rows(c, q, 1, &f, f.limit, &h, &more)) != TK_OK)
		goto out;
	if ((rows = json_array()) == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "audit search: out of memory");
		goto out;
	}
	for (i = 0; i < h.n; i++)
		if (json_array_append_new(rows, hit_json(&h.v[i])) != 0) {
			rc = tk_fail(TK_ERR_NOMEM, "audit search: out of memory");
			goto out;
		}
	if (more && (rc = str_fmt(next, sizeof(next), "%lld", (long long)h.v[h.n - 1].seq)) != TK_OK)
		goto out;
	o = json_pack("{s:O, s:I, s:o}", "rows", rows, "limit", (json_int_t)f.limit, "next_cursor", more ? json_string(next) : json_null());
	if (o == NULL || (chain != NULL && json_object_set(o, "chain", chain) != 0)) {
		rc = tk_fail(TK_ERR_NOMEM, "audit search: out of memory");
		goto out;
	}
	*out = o;
	o = NULL;
out:
	json_decref(o);
	json_decref(rows);
	json_decref(chain);
	hits_free(&h);
	return rc;
}

/* ------------------------------------------------------------ CSV export */

/*
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line
 * break. Text that a spreadsheet would run as a formula (= + - @ tab CR
 * first) gets a leading apostrophe (OWASP "CSV injection").
 */
static enum tk_err csv_field(struct buf *b, const char *v, int last)
{
	const char *p;
	enum tk_err rc = TK_OK;
	int quote = strpbrk(v, ",\"\r\n") != NULL;

	if (quote)
		rc = buf_putc(b, '"');
	if (rc == TK_OK && v[0] != '\0' && strchr("=+-@\t\r", v[0]) != NULL)
		rc = buf_putc(b, '\'');
	for (p = v; rc == TK_OK && *p != '\0'; p++) {
		if (*p == '"')
			rc = buf_putc(b, '"');
		if (rc == TK_OK)
			rc = buf_putc(b, (uint8_t)*p);
	}
	if (rc == TK_OK && quote)
		rc = buf_putc(b, '"');
	if (rc == TK_OK)
		rc = last ? buf_puts(b, "\r\n") : buf_putc(b, ',');
	return rc;
}

static enum tk_err csv_row(struct buf *b, const struct hit *x)
{
	char when[32], type[TYPE_MAX + 1];
	enum tk_err rc;

	time_iso_utc(x->ts, when);
	type_of(x->action, type);
	if ((rc = buf_printf(b, "%lld,", (long long)x->seq)) != TK_OK || (rc = csv_field(b, when, 0)) != TK_OK ||
	    (rc = csv_field(b, x->actor, 0)) != TK_OK || (rc = csv_field(b, x->role, 0)) != TK_OK ||
	    (rc = csv_field(b, x->action, 0)) != TK_OK || (rc = csv_field(b, type, 0)) != TK_OK ||
	    (rc = csv_field(b, x->object, 0)) != TK_OK || (rc = csv_field(b, x->ip, 0)) != TK_OK ||
	    (rc = csv_field(b, x->details, 0)) != TK_OK)
		return rc;
	return csv_field(b, x->link_ok ? "ok" : "broken", 1);
}

struct export_event {
	const char *details;
};

static enum tk_err log_export(struct svc_ctx *c, void *arg)
{
	const struct export_event *e = arg;

	return audit_append(c, "audit.export", "", e->details);
}

/* The filter as given, for the audit.export event. */
static json_t *query_json(const struct audit_query *q, size_t rows)
{
	const char *names[] = { "from", "to", "actor", "action", "object", "object_type", "outcome" };
	const char *vals[] = { q->from, q->to, q->actor, q->action, q->object, q->object_type, q->outcome };
	json_t *f = json_object(), *o;
	size_t i;

	if (f == NULL)
		return NULL;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (given(vals[i]) && json_object_set_new(f, names[i], json_string(vals[i])) != 0) {
			json_decref(f);
			return NULL;
		}
	o = json_pack("{s:s, s:o, s:I}", "format", "csv", "filter", f, "rows", (json_int_t)rows);
	return o;
}

enum tk_err audit_search_csv(struct svc_ctx *c, const struct audit_query *q, struct buf *out)
{
	struct filter f;
	struct hits h;
	struct export_event ev = { NULL };
	json_t *d = NULL;
	char *dtxt = NULL;
	size_t i;
	int more = 0;
	enum tk_err rc;

	memset(&h, 0, sizeof(h));
	if ((rc = may_browse(c)) != TK_OK || (rc = filter_build(q, 0, USE_PK, &f)) != TK_OK)
		return rc;
	if ((rc = search_rows(c, q, 0, &f, AUDIT_EXPORT_MAX_ROWS, &h, &more)) != TK_OK)
		goto out;
	if (more) {
		rc = tk_fail_code(TK_ERR_LIMIT, "export_too_large", "audit export: more than %u events match; narrow the filter (e.g. a time range)",
		    AUDIT_EXPORT_MAX_ROWS);
		goto out;
	}
	if ((rc = buf_puts(out, "seq,ts,actor,role,action,object_type,object,ip,details,link\r\n")) != TK_OK)
		goto out;
	for (i = 0; i < h.n; i++)
		if ((rc = csv_row(out, &h.v[i])) != TK_OK)
			goto out;
	/* Logged (and committed) before the caller hands the data out. */
	if ((d = query_json(q, h.n)) == NULL || (dtxt = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS)) == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "audit export: out of memory");
		goto out;
	}
	ev.details = dtxt;
	rc = svc_in_tx(c, log_export, &ev);
out:
	json_decref(d);
	free(dtxt);
	hits_free(&h);
	return rc;
}

/*
 * The annual usage report (R7): every figure counted from the store for
 * one calendar year in WIB, per month, per unit and per application
 * (docs/reports.md is the contract). Large registries are summed by the
 * store (GROUP BY day), certificates are walked once in C (renewals and
 * the state at each month end need their history).
 */
#include "svc/agreement/agreement.h"
#include "svc/base/base.h"
#include "svc/report/report.h"
#include "svc/report/report_int.h"
#include "svc/sign/sign.h"
#include "svc/sign/sign_int.h"
#include "svc/base/base_int.h"

#include "config/config.h"
#include "pdfgen/pdfgen.h"
#include "store/store.h"
#include "x509/x509.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WIB_OFFSET 25200
#define REPORT_MIN_YEAR 2000
#define REPORT_MAX_YEAR 9999

/* The figures of one row, in the order docs/reports.md lists them. */
enum fig {
	F_CERT_ISSUED,
	F_CERT_RENEWED,
	F_CERT_REVOKED,
	F_CERT_SUSPENDED,
	F_CERT_ACTIVE,
	F_CERT_EXPIRING,
	F_DOC,
	F_DOC_PADES,
	F_DOC_CADES,
	F_DOC_VISIBLE,
	F_DOC_INVISIBLE,
	F_DOC_OFFICIAL,
	F_DOC_SEAL,
	F_LVL_BB,
	F_LVL_BT,
	F_LVL_BLT,
	F_LVL_BLTA,
	F_VER,
	F_VER_WEB,
	F_VER_API,
	F_VER_QR,
	F_VER_BSRE,
	F_OCSP,
	F_TSA,
	F_CRL,
	F_SIGN_FAILED,
	F_APPROVALS,
	F_REJECTIONS,
	F_TICKETS,
	F_TRAINING_EVENTS,
	F_TRAINING_PEOPLE,
	F_COUNT
};

static const char *const fig_names[F_COUNT] = {
	"certificates_issued",
	"certificates_renewed",
	"certificates_revoked",
	"certificates_suspended",
	"certificates_active",
	"certificates_expiring_next_year",
	"documents_signed",
	"documents_pades",
	"documents_cades",
	"documents_visible",
	"documents_invisible",
	"documents_by_official",
	"documents_by_seal",
	"documents_level_b_b",
	"documents_level_b_t",
	"documents_level_b_lt",
	"documents_level_b_lta",
	"verifications",
	"verifications_web",
	"verifications_api",
	"verifications_qr",
	"verifications_bsre",
	"ocsp_requests",
	"tsa_requests",
	"crl_requests",
	"signing_failures",
	"verifikator_approvals",
	"verifikator_rejections",
	"support_tickets",
	"training_events",
	"training_participants",
};

/* Durations (seconds) whose median a row reports. */
struct durations {
	int64_t *v;
	size_t n, cap;
};

struct row {
	char *name; /* unit or application; NULL for totals and months */
	int64_t f[F_COUNT];
	struct durations decide;
};

struct rowset {
	struct row *r;
	size_t n, cap;
};

/* Everything one report sums into. */
struct tally {
	int year;
	const char *scope;     /* only this unit, or NULL */
	int64_t start, end;    /* [start, end) of the year, Unix time */
	int64_t month_end[12]; /* end of each month (exclusive) */
	int64_t state_at[12];  /* when each month's state is taken: its end, now while it runs, 0 before it began */
	struct row total;
	struct row month[12];
	struct rowset units, apps;
	json_t *reasons;            /* {reason: n} */
	json_t *causes;             /* {code: n} */
	json_t *channels;           /* documents by front door {web|api|bsre|cli: n} */
	struct rowset verifikators; /* f[F_APPROVALS], f[F_REJECTIONS], decide */
};

static enum tk_err dur_add(struct durations *d, int64_t v)
{
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		int64_t *p = realloc(d->v, cap * sizeof(*p));
		if (p == NULL)
			return tk_fail(TK_ERR_NOMEM, "report: out of memory");
		d->v = p;
		d->cap = cap;
	}
	d->v[d->n++] = v;
	return TK_OK;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* The median (lower middle of an even count averaged with the upper); -1 without values. */
static int64_t dur_median(struct durations *d)
{
	if (d->n == 0)
		return -1;
	qsort(d->v, d->n, sizeof(*d->v), cmp_i64);
	return d->n % 2 ? d->v[d->n / 2] : (d->v[d->n / 2 - 1] + d->v[d->n / 2]) / 2;
}

static void row_free(struct row *r)
{
	free(r->name);
	free(r->decide.v);
}

static void rowset_free(struct rowset *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		row_free(&s->r[i]);
	free(s->r);
}

/* The row named name (made when absent). Rows stay unsorted until the JSON is built. */
static enum tk_err rowset_get(struct rowset *s, const char *name, struct row **out)
{
	size_t i;

	for (i = s->n; i-- > 0;)
		if (strcmp(s->r[i].name, name) == 0) {
			*out = &s->r[i];
			return TK_OK;
		}
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct row *p = realloc(s->r, cap * sizeof(*p));
		if (p == NULL)
			return tk_fail(TK_ERR_NOMEM, "report: out of memory");
		s->r = p;
		s->cap = cap;
	}
	memset(&s->r[s->n], 0, sizeof(s->r[s->n]));
	if ((s->r[s->n].name = strdup(name)) == NULL)
		return tk_fail(TK_ERR_NOMEM, "report: out of memory");
	*out = &s->r[s->n++];
	return TK_OK;
}

/* Month (0..11) of a time inside the year. */
static int month_of(const struct tally *t, int64_t ts)
{
	int m = 0;

	while (m < 11 && ts >= t->month_end[m])
		m++;
	return m;
}

/* Is the record in the report's scope? Unit-limited reports take only that unit's records. */
static int in_scope(const struct tally *t, const char *unit)
{
	return t->scope == NULL || (unit != NULL && strcmp(t->scope, unit) == 0);
}

/*
 * Adds n of figure f to the totals, month m (-1: none) and the rows of
 * unit and application (when named). Returns TK_OK or TK_ERR_NOMEM.
 */
static enum tk_err add(struct tally *t, int m, const char *unit, const char *app, enum fig f, int64_t n)
{
	struct row *r;
	enum tk_err rc;

	t->total.f[f] += n;
	if (m >= 0)
		t->month[m].f[f] += n;
	if (unit != NULL && unit[0] != '\0') {
		if ((rc = rowset_get(&t->units, unit, &r)) != TK_OK)
			return rc;
		r->f[f] += n;
	}
	if (app != NULL && app[0] != '\0') {
		if ((rc = rowset_get(&t->apps, app, &r)) != TK_OK)
			return rc;
		r->f[f] += n;
	}
	return TK_OK;
}

static enum tk_err count_json(json_t *obj, const char *key, int64_t n)
{
	json_t *v = json_object_get(obj, key);
	if (json_object_set_new(obj, key, json_integer((v ? json_integer_value(v) : 0) + n)) != 0)
		return tk_fail(TK_ERR_NOMEM, "report: out of memory");
	return TK_OK;
}

/* ---------------------------------------------------------------- certificates */

/* Units of the seals issued on request (the request named the unit). */
struct seal_unit {
	char serial[65];
	char *unit;
};
struct seal_units {
	struct seal_unit *v;
	size_t n;
};

static void seal_units_free(struct seal_units *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i].unit);
	free(s->v);
}

static enum tk_err seal_units_load(struct svc_ctx *c, struct seal_units *out)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	memset(out, 0, sizeof(*out));
	if ((rc = store_prepare(c->st, "SELECT payload, result FROM requests WHERE kind = 'seal' AND status = 'approved' AND result IS NOT NULL", &s)) != TK_OK)
		return rc;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		json_t *p = json_loads(store_col_text(s, 0), 0, NULL), *r = json_loads(store_col_text(s, 1), 0, NULL);
		const char *unit = json_string_value(json_object_get(p, "unit")), *serial = json_string_value(json_object_get(r, "serial"));
		if (unit != NULL && serial != NULL && strlen(serial) < sizeof(out->v[0].serial)) {
			struct seal_unit *nv = realloc(out->v, (out->n + 1) * sizeof(*nv));
			if (nv == NULL || (nv[out->n].unit = strdup(unit)) == NULL) {
				if (nv != NULL)
					out->v = nv;
				rc = tk_fail(TK_ERR_NOMEM, "report: out of memory");
			} else {
				out->v = nv;
				memcpy(nv[out->n].serial, serial, strlen(serial) + 1);
				out->n++;
			}
		}
		json_decref(p);
		json_decref(r);
		if (rc != TK_OK)
			break;
	}
	store_finalize(s);
	return rc;
}

static const char *seal_unit_of(const struct seal_units *s, const char *serial)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->v[i].serial, serial) == 0)
			return s->v[i].unit;
	return NULL;
}

/*
 * Suspensions and releases from the audit log (cert.hold, cert.release):
 * certs keeps only the current status, so a certificate held in September
 * and released in October would otherwise look active at September's end.
 * Sorted by serial, then time.
 */
struct hold_ev {
	char serial[41];
	int64_t ts;
	int on; /* 1 hold, 0 release */
};

struct holds {
	struct hold_ev *v;
	size_t n, cap;
};

static int cmp_hold(const void *a, const void *b)
{
	const struct hold_ev *x = a, *y = b;
	int c = strcmp(x->serial, y->serial);
	return c ? c : (x->ts > y->ts) - (x->ts < y->ts);
}

static enum tk_err holds_load(struct svc_ctx *c, int64_t before, struct holds *h)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	memset(h, 0, sizeof(*h));
	if ((rc = store_prepare(c->st, "SELECT object, ts, action FROM audit WHERE action IN ('cert.hold', 'cert.release') AND ts < ? ORDER BY seq", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, before)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		struct hold_ev *e;
		if (strlen(store_col_text(s, 0)) >= sizeof(e->serial))
			continue;
		if (h->n == h->cap) {
			size_t cap = h->cap ? h->cap * 2 : 64;
			struct hold_ev *nv = realloc(h->v, cap * sizeof(*nv));
			if (nv == NULL) {
				rc = tk_fail(TK_ERR_NOMEM, "report: out of memory");
				goto out;
			}
			h->v = nv;
			h->cap = cap;
		}
		e = &h->v[h->n++];
		memcpy(e->serial, store_col_text(s, 0), strlen(store_col_text(s, 0)) + 1);
		e->ts = store_col_i64(s, 1);
		e->on = strcmp(store_col_text(s, 2), "cert.hold") == 0;
	}
	if (rc == TK_OK && h->n > 1)
		qsort(h->v, h->n, sizeof(*h->v), cmp_hold);
out:
	store_finalize(s);
	return rc;
}

/* The events of one serial: [*first, *first + *n). */
static void holds_of(const struct holds *h, const char *serial, size_t *first, size_t *n)
{
	size_t lo = 0, hi = h->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(h->v[mid].serial, serial) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = lo;
	for (hi = lo; hi < h->n && strcmp(h->v[hi].serial, serial) == 0; hi++)
		;
	*n = hi - lo;
}

/* Was the certificate on hold at time at (its last event by then a hold)? */
static int held_at(const struct holds *h, size_t first, size_t n, int64_t at)
{
	int on = 0;
	size_t i;

	for (i = first; i < first + n && h->v[i].ts <= at; i++)
		on = h->v[i].on;
	return on;
}

/* A certificate's state at time at: issued, not expired, not revoked by then, not on hold then. */
static int active_at(int64_t created, int64_t not_after, const char *status, int64_t revoked_at, int held, int64_t at)
{
	if (created > at || not_after <= at || held)
		return 0;
	return strcmp(status, "revoked") != 0 || revoked_at > at;
}

static enum tk_err tally_certs(struct svc_ctx *c, struct tally *t)
{
	struct seal_units seals;
	struct holds holds;
	struct store_stmt *s = NULL;
	int64_t prev_sub = -1, next_start, next_end;
	struct tm tm;
	int row = 0, m;
	enum tk_err rc;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = t->year + 2 - 1900;
	tm.tm_mday = 1;
	next_start = t->end;
	next_end = (int64_t)timegm(&tm) - WIB_OFFSET;
	if ((rc = seal_units_load(c, &seals)) != TK_OK)
		return rc;
	if ((rc = holds_load(c, t->end, &holds)) != TK_OK)
		goto out;
	/* Officials' certificates in issuance order per official (the first is new, later ones renewals); seals; not the instance's own. */
	if ((rc = store_prepare(c->st,
		 "SELECT c.serial, c.profile, c.created_at, c.not_after, c.status, COALESCE(c.revoked_at, 0), COALESCE(c.reason, 0),"
		 " COALESCE(c.subscriber_id, 0), COALESCE(s.unit, '')"
		 " FROM certs c LEFT JOIN subscribers s ON s.id = c.subscriber_id"
		 " WHERE (c.profile = 'individual' OR (c.profile = 'seal' AND c.serial NOT IN (SELECT value FROM meta WHERE key = 'cert.seal')))"
		 " AND c.created_at < ?"
		 " ORDER BY COALESCE(c.subscriber_id, 0), c.created_at, c.serial",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, t->end)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		const char *serial = store_col_text(s, 0), *status = store_col_text(s, 4);
		int seal = strcmp(store_col_text(s, 1), "seal") == 0;
		int64_t created = store_col_i64(s, 2), not_after = store_col_i64(s, 3), revoked_at = store_col_i64(s, 5);
		int64_t sub = store_col_i64(s, 7);
		const char *unit = seal ? seal_unit_of(&seals, serial) : store_col_text(s, 8);
		int first = seal || sub != prev_sub;
		size_t hfirst, hn, i;

		prev_sub = seal ? -1 : sub;
		if (unit == NULL)
			unit = "";
		if (!in_scope(t, unit))
			continue;
		holds_of(&holds, serial, &hfirst, &hn);
		if (created >= t->start && created < t->end) {
			m = month_of(t, created);
			if ((rc = add(t, m, unit, NULL, F_CERT_ISSUED, 1)) != TK_OK || (!first && (rc = add(t, m, unit, NULL, F_CERT_RENEWED, 1)) != TK_OK))
				goto out;
		}
		if (strcmp(status, "revoked") == 0 && revoked_at >= t->start && revoked_at < t->end) {
			const char *rn = x509_reason_name((int)store_col_i64(s, 6));
			if ((rc = add(t, month_of(t, revoked_at), unit, NULL, F_CERT_REVOKED, 1)) != TK_OK ||
			    (rc = count_json(t->reasons, rn ? rn : "unspecified", 1)) != TK_OK)
				goto out;
		}
		for (i = hfirst; i < hfirst + hn; i++)
			if (holds.v[i].on && holds.v[i].ts >= t->start && (rc = add(t, month_of(t, holds.v[i].ts), unit, NULL, F_CERT_SUSPENDED, 1)) != TK_OK)
				goto out;
		/* State at each month end (or now, in a month not over yet); the year end is December's. */
		for (m = 0; m < 12; m++)
			if (t->state_at[m] > 0 &&
			    active_at(created, not_after, status, revoked_at, held_at(&holds, hfirst, hn, t->state_at[m]), t->state_at[m])) {
				t->month[m].f[F_CERT_ACTIVE]++;
				if (m == 11 && (rc = add(t, -1, unit, NULL, F_CERT_ACTIVE, 1)) != TK_OK)
					goto out;
			}
		if (t->state_at[11] > 0 && active_at(created, not_after, status, revoked_at, held_at(&holds, hfirst, hn, t->state_at[11]), t->state_at[11]) &&
		    not_after >= next_start && not_after < next_end) {
			/* Months: in that month of the next year. */
			time_t tt = (time_t)(not_after + WIB_OFFSET);
			struct tm e;
			gmtime_r(&tt, &e);
			t->month[e.tm_mon].f[F_CERT_EXPIRING]++;
			if ((rc = add(t, -1, unit, NULL, F_CERT_EXPIRING, 1)) != TK_OK)
				goto out;
		}
	}
	if (rc != TK_OK)
		goto out;
	/* certificates_active of the year is the year-end state: the totals row's is December's. */
	t->total.f[F_CERT_ACTIVE] = t->month[11].f[F_CERT_ACTIVE];
out:
	store_finalize(s);
	free(holds.v);
	seal_units_free(&seals);
	return rc;
}

/* ---------------------------------------------------------------- documents and counters */

/* Prepares sql, whose two parameters are a range [from, to). */
static enum tk_err range_stmt(struct svc_ctx *c, const char *sql, int64_t from, int64_t to, struct store_stmt **s)
{
	enum tk_err rc;

	if ((rc = store_prepare(c->st, sql, s)) != TK_OK)
		return rc;
	if ((rc = store_bind_i64(*s, 1, from)) != TK_OK || (rc = store_bind_i64(*s, 2, to)) != TK_OK) {
		store_finalize(*s);
		*s = NULL;
	}
	return rc;
}

static enum fig level_fig(const char *level)
{
	/* "PAdES-BASELINE-B", "CAdES-BASELINE-T", ...: the part after the last '-'. */
	const char *p = strrchr(level, '-');
	p = p ? p + 1 : level;
	if (strcmp(p, "T") == 0)
		return F_LVL_BT;
	if (strcmp(p, "LT") == 0)
		return F_LVL_BLT;
	if (strcmp(p, "LTA") == 0)
		return F_LVL_BLTA;
	return F_LVL_BB;
}

static enum tk_err tally_documents(struct svc_ctx *c, struct tally *t)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	/* The store sums per WIB day: a million documents come back as a few thousand rows. */
	if ((rc = range_stmt(c,
		 "SELECT (signed_at + 25200) / 86400, kind, level, visible, CASE WHEN subscriber_id IS NULL THEN 1 ELSE 0 END,"
		 " COALESCE(unit, ''), COALESCE(application, ''), COUNT(*), channel"
		 " FROM documents WHERE signed_at >= ? AND signed_at < ?"
		 " GROUP BY (signed_at + 25200) / 86400, kind, level, visible, CASE WHEN subscriber_id IS NULL THEN 1 ELSE 0 END,"
		 " COALESCE(unit, ''), COALESCE(application, ''), channel",
		 t->start, t->end, &s)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		int m = month_of(t, store_col_i64(s, 0) * 86400 - WIB_OFFSET);
		int cades = strcmp(store_col_text(s, 1), "cades") == 0, visible = !cades && store_col_i64(s, 3) != 0;
		const char *unit = store_col_text(s, 5), *app = store_col_text(s, 6);
		int64_t n = store_col_i64(s, 7);
		if (!in_scope(t, unit))
			continue;
		if ((rc = add(t, m, unit, app, F_DOC, n)) != TK_OK || (rc = add(t, m, unit, app, cades ? F_DOC_CADES : F_DOC_PADES, n)) != TK_OK ||
		    (rc = add(t, m, unit, app, visible ? F_DOC_VISIBLE : F_DOC_INVISIBLE, n)) != TK_OK ||
		    (rc = add(t, m, unit, app, store_col_i64(s, 4) ? F_DOC_SEAL : F_DOC_OFFICIAL, n)) != TK_OK ||
		    (rc = add(t, m, unit, app, level_fig(store_col_text(s, 2)), n)) != TK_OK ||
		    (rc = count_json(t->channels, store_col_text(s, 8), n)) != TK_OK)
			break;
	}
out:
	store_finalize(s);
	return rc;
}

/*
 * Support tickets opened (R12, svc/support): by the month they were opened
 * in, the ticket's unit (an application's chosen unit, a subscriber's own,
 * a public ticket's document's) and the application that opened it.
 */
static enum tk_err tally_tickets(struct svc_ctx *c, struct tally *t)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	if ((rc = range_stmt(c, "SELECT created_at, unit, application FROM tickets WHERE created_at >= ? AND created_at < ?", t->start, t->end, &s)) !=
	    TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		const char *unit = store_col_text(s, 1);
		if (!in_scope(t, unit))
			continue;
		if ((rc = add(t, month_of(t, store_col_i64(s, 0)), unit, store_col_text(s, 2), F_TICKETS, 1)) != TK_OK)
			break;
	}
out:
	store_finalize(s);
	return rc;
}

/*
 * Training (R14, svc/literacy): events held (status held) that start in the
 * year (WIB calendar date), by their start month, and their participants
 * marked as attended. A ministry participant (party first) counts for
 * their unit, copied when they were added; the issuer's people and the
 * public count in the totals and months only. An event counts for each
 * unit with at least one attendee there; a unit-limited report counts the
 * events its unit attended and its own attendees.
 */
static enum tk_err tally_training(struct svc_ctx *c, struct tally *t)
{
	struct store_stmt *s = NULL;
	char from[16], to[16];
	int64_t cur = -1;
	int row = 0, counted = 0;
	struct rowset seen; /* units already counted for the current event */
	enum tk_err rc;

	memset(&seen, 0, sizeof(seen));
	if ((rc = str_fmt(from, sizeof(from), "%04d-01-01", t->year)) != TK_OK || (rc = str_fmt(to, sizeof(to), "%04d-01-01", t->year + 1)) != TK_OK)
		return rc;
	if ((rc = store_prepare(c->st, "SELECT e.id, e.starts_on, p.id, COALESCE(p.unit, ''), COALESCE(p.party, '') FROM events e"
				       " LEFT JOIN event_participants p ON p.event_id = e.id AND p.attended = 1"
				       " WHERE e.status = 'held' AND e.starts_on >= ? AND e.starts_on < ? ORDER BY e.id, p.id",
		 &s)) != TK_OK ||
	    (rc = store_bind_text(s, 1, from)) != TK_OK || (rc = store_bind_text(s, 2, to)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		int64_t id = store_col_i64(s, 0);
		const char *day = store_col_text(s, 1), *party = store_col_text(s, 4);
		const char *unit = strcmp(party, "first") == 0 ? store_col_text(s, 3) : "";
		int m = (day[5] - '0') * 10 + (day[6] - '0') - 1; /* YYYY-MM-DD, checked when stored */
		struct row *r;

		if (strlen(day) != 10 || m < 0 || m > 11)
			continue;
		if (id != cur) {
			cur = id;
			counted = 0;
			rowset_free(&seen);
			memset(&seen, 0, sizeof(seen));
		}
		/* The event once in the totals and its month: always, or with an attendee of the report's unit. */
		if (!counted && (t->scope == NULL || (!store_col_null(s, 2) && in_scope(t, unit) && unit[0] != '\0'))) {
			counted = 1;
			t->total.f[F_TRAINING_EVENTS]++;
			t->month[m].f[F_TRAINING_EVENTS]++;
		}
		if (store_col_null(s, 2))
			continue;
		if (t->scope != NULL && (unit[0] == '\0' || !in_scope(t, unit)))
			continue;
		if ((rc = add(t, m, unit, NULL, F_TRAINING_PEOPLE, 1)) != TK_OK)
			break;
		if (unit[0] != '\0') {
			size_t before = seen.n;
			if ((rc = rowset_get(&seen, unit, &r)) != TK_OK)
				break;
			if (seen.n > before) {
				if ((rc = rowset_get(&t->units, unit, &r)) != TK_OK)
					break;
				r->f[F_TRAINING_EVENTS]++;
			}
		}
	}
out:
	store_finalize(s);
	rowset_free(&seen);
	return rc;
}

static enum tk_err tally_counters(struct svc_ctx *c, struct tally *t)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	if ((rc = range_stmt(c, "SELECT day, metric, detail, unit, application, SUM(n) FROM usage_counters WHERE day >= ? AND day < ?"
				" GROUP BY day, metric, detail, unit, application",
		 (t->start + WIB_OFFSET) / 86400, (t->end + WIB_OFFSET) / 86400, &s)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		int m = month_of(t, store_col_i64(s, 0) * 86400 - WIB_OFFSET);
		const char *metric = store_col_text(s, 1), *detail = store_col_text(s, 2), *unit = store_col_text(s, 3), *app = store_col_text(s, 4);
		int64_t n = store_col_i64(s, 5);
		if (!in_scope(t, unit))
			continue;
		if (strcmp(metric, USAGE_VERIFY) == 0) {
			enum fig f = strcmp(detail, "web") == 0 ? F_VER_WEB : strcmp(detail, "qr") == 0 ? F_VER_QR
									  : strcmp(detail, "bsre") == 0 ? F_VER_BSRE
													: F_VER_API;
			if ((rc = add(t, m, unit, app, F_VER, n)) != TK_OK || (rc = add(t, m, unit, app, f, n)) != TK_OK)
				break;
		} else if (strcmp(metric, USAGE_SIGN_FAILED) == 0) {
			if ((rc = add(t, m, unit, app, F_SIGN_FAILED, n)) != TK_OK || (rc = count_json(t->causes, detail[0] ? detail : "unknown", n)) != TK_OK)
				break;
		} else if (strcmp(metric, USAGE_OCSP) == 0 || strcmp(metric, USAGE_TSA) == 0 || strcmp(metric, USAGE_CRL) == 0) {
			enum fig f = strcmp(metric, USAGE_OCSP) == 0 ? F_OCSP : strcmp(metric, USAGE_TSA) == 0 ? F_TSA
													       : F_CRL;
			if ((rc = add(t, m, unit, app, f, n)) != TK_OK)
				break;
		}
		/* Metrics this teken does not know (a newer node's) are left out, not guessed. */
	}
out:
	store_finalize(s);
	return rc;
}

/* The unit of the certificate a request's payload names by "serial" ("" when none). */
static enum tk_err unit_of_request(struct svc_ctx *c, const char *payload, char *out, size_t cap)
{
	json_t *p = json_loads(payload, 0, NULL);
	const char *serial = json_string_value(json_object_get(p, "serial"));
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc = TK_OK;

	out[0] = '\0';
	if (serial != NULL &&
	    (rc = store_prepare(c->st, "SELECT COALESCE(s.unit, '') FROM certs c LEFT JOIN subscribers s ON s.id = c.subscriber_id WHERE c.serial = ?", &s)) == TK_OK &&
	    (rc = store_bind_text(s, 1, serial)) == TK_OK && (rc = store_step(s, &row)) == TK_OK && row)
		rc = str_copy(out, cap, store_col_text(s, 0));
	store_finalize(s);
	json_decref(p);
	return rc;
}

/* Decisions on requests: the approval a Verifikator records by filing a request is part of filing, not a decision. */
static enum tk_err tally_verifikators(struct svc_ctx *c, struct tally *t)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	if ((rc = range_stmt(c, "SELECT a.verifikator, a.decision, a.at, r.created_at, COALESCE(s.unit, ''), r.payload"
				" FROM approvals a JOIN requests r ON r.id = a.request_id LEFT JOIN subscribers s ON s.id = r.subscriber_id"
				" WHERE a.at >= ? AND a.at < ? AND a.verifikator <> r.submitted_by",
		 t->start, t->end, &s)) != TK_OK)
		goto out;
	while ((rc = store_step(s, &row)) == TK_OK && row) {
		int approve = strcmp(store_col_text(s, 1), "approve") == 0, m = month_of(t, store_col_i64(s, 2));
		int64_t took = store_col_i64(s, 2) - store_col_i64(s, 3);
		const char *unit = store_col_text(s, 4);
		char cert_unit[256];
		struct row *v, *u = NULL;
		/* A request about a certificate (hold, release, revoke) names the serial, not the official. */
		if (unit[0] == '\0') {
			if ((rc = unit_of_request(c, store_col_text(s, 5), cert_unit, sizeof(cert_unit))) != TK_OK)
				break;
			unit = cert_unit;
		}
		if (!in_scope(t, unit))
			continue;
		if (took < 0)
			took = 0;
		if ((rc = add(t, m, unit, NULL, approve ? F_APPROVALS : F_REJECTIONS, 1)) != TK_OK ||
		    (rc = rowset_get(&t->verifikators, store_col_text(s, 0), &v)) != TK_OK)
			break;
		v->f[approve ? F_APPROVALS : F_REJECTIONS]++;
		if (unit[0] != '\0' && (rc = rowset_get(&t->units, unit, &u)) != TK_OK)
			break;
		if ((rc = dur_add(&t->total.decide, took)) != TK_OK || (rc = dur_add(&t->month[m].decide, took)) != TK_OK ||
		    (rc = dur_add(&v->decide, took)) != TK_OK || (u != NULL && (rc = dur_add(&u->decide, took)) != TK_OK))
			break;
	}
out:
	store_finalize(s);
	return rc;
}

/* ---------------------------------------------------------------- JSON */

static json_t *row_json(struct row *r, const char *label, json_t *label_value)
{
	json_t *o = json_object();
	int64_t med = dur_median(&r->decide);
	size_t i;

	if (o == NULL)
		return NULL;
	if (label != NULL && json_object_set_new(o, label, label_value) != 0) {
		json_decref(o);
		return NULL;
	}
	for (i = 0; i < F_COUNT; i++) {
		if (i == F_TICKETS)
			/* After the approvals, in the documented order. */
			if (json_object_set_new(o, "verifikator_median_decision_seconds", med < 0 ? json_null() : json_integer(med)) != 0)
				goto fail;
		if (json_object_set_new(o, fig_names[i], json_integer(r->f[i])) != 0)
			goto fail;
	}
	return o;
fail:
	json_decref(o);
	return NULL;
}

static int cmp_row(const void *a, const void *b)
{
	return strcmp(((const struct row *)a)->name, ((const struct row *)b)->name);
}

static json_t *rows_json(struct rowset *s, const char *label)
{
	json_t *a = json_array();
	size_t i;

	if (a == NULL)
		return NULL;
	if (s->n > 0)
		qsort(s->r, s->n, sizeof(*s->r), cmp_row);
	for (i = 0; i < s->n; i++) {
		json_t *o = row_json(&s->r[i], label, json_string(s->r[i].name));
		if (o == NULL || json_array_append_new(a, o) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *verifikators_json(struct rowset *s)
{
	json_t *a = json_array();
	size_t i;

	if (a == NULL)
		return NULL;
	if (s->n > 0)
		qsort(s->r, s->n, sizeof(*s->r), cmp_row);
	for (i = 0; i < s->n; i++) {
		int64_t med = dur_median(&s->r[i].decide);
		json_t *o = json_pack("{s:s, s:I, s:I, s:o}", "verifikator", s->r[i].name, "approvals", (json_int_t)s->r[i].f[F_APPROVALS],
		    "rejections", (json_int_t)s->r[i].f[F_REJECTIONS], "median_decision_seconds", med < 0 ? json_null() : json_integer(med));
		if (o == NULL || json_array_append_new(a, o) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/* The organisation and the agreement in force (svc/agreement: the register, else [agreement] in teken.conf); NULL on error. */
static json_t *instance_json(struct svc_ctx *c)
{
	const struct config *cfg = c->inst->cfg;
	struct agreement_info ai;

	if (agreement_current(c, &ai) != TK_OK)
		return NULL;
	return json_pack("{s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s}}",
	    "organization", config_get_or(cfg, "instance", "organization", ""),
	    "base_url", c->inst->base_url,
	    "issuer", ai.issuer,
	    "agreement",
	    "title", ai.title,
	    "user_number", ai.number_first,
	    "issuer_number", ai.number_second,
	    "signed_on", ai.signed_on);
}

static enum tk_err tally_json(struct svc_ctx *c, struct tally *t, json_t **out)
{
	json_t *j = NULL, *months = NULL;
	char now[32];
	int m;

	time_iso_utc(tk_now(), now);
	if ((months = json_array()) == NULL)
		goto nomem;
	for (m = 0; m < 12; m++) {
		json_t *o = row_json(&t->month[m], "month", json_integer(m + 1));
		if (o == NULL || json_array_append_new(months, o) != 0)
			goto nomem;
	}
	j = json_pack("{s:s, s:i, s:i, s:o, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:{s:O, s:O, s:O, s:o}}",
	    "report", "usage", "schema", 1, "year", t->year, "unit", t->scope ? json_string(t->scope) : json_null(),
	    "generated_at", now, "timezone", "Asia/Jakarta", "instance", instance_json(c),
	    "totals", row_json(&t->total, NULL, NULL), "by_month", months,
	    "by_unit", rows_json(&t->units, "unit"), "by_application", rows_json(&t->apps, "application"),
	    "breakdown", "revoked_by_reason", t->reasons, "signing_failures_by_cause", t->causes, "documents_by_channel", t->channels,
	    "verifikators", verifikators_json(&t->verifikators));
	months = NULL; /* json_pack "o" took it, even on failure */
	if (j == NULL)
		goto nomem;
	*out = j;
	return TK_OK;
nomem:
	json_decref(months);
	return tk_fail(TK_ERR_NOMEM, "report: out of memory");
}

static int may_read_reports(const struct actor *a)
{
	return a->kind == ACTOR_OPERATOR ||
	       (a->kind == ACTOR_PERSON && (strcmp(a->role, "admin") == 0 || strcmp(a->role, "auditor") == 0));
}

enum tk_err report_usage_json(struct svc_ctx *c, int year, const char *unit, json_t **out)
{
	struct tally t;
	struct tm tm;
	enum tk_err rc;
	int m;

	*out = NULL;
	if (!may_read_reports(&c->actor))
		return tk_fail_code(TK_ERR_DENIED, "forbidden", "usage reports are for admins and auditors");
	if (year < REPORT_MIN_YEAR || year > REPORT_MAX_YEAR)
		return tk_fail_code(TK_ERR_INVALID, "invalid_field", "year must be between %d and %d", REPORT_MIN_YEAR, REPORT_MAX_YEAR);
	if (unit != NULL && (unit[0] == '\0' || strlen(unit) > 200))
		return tk_fail_code(TK_ERR_INVALID, "invalid_field", "unit must be 1 to 200 characters");
	/* This node's counts first, so the report holds everything it answered. */
	if ((rc = usage_flush(c)) != TK_OK)
		return rc;
	memset(&t, 0, sizeof(t));
	t.year = year;
	t.scope = unit;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mday = 1;
	t.start = (int64_t)timegm(&tm) - WIB_OFFSET;
	for (m = 0; m < 12; m++) {
		tm.tm_mon = m + 1; /* timegm normalises month 12 into January of the next year */
		tm.tm_year = year - 1900;
		t.month_end[m] = (int64_t)timegm(&tm) - WIB_OFFSET;
	}
	t.end = t.month_end[11];
	{
		int64_t now = tk_now();
		for (m = 0; m < 12; m++) {
			int64_t begin = m == 0 ? t.start : t.month_end[m - 1];
			t.state_at[m] = now < begin ? 0 : now < t.month_end[m] ? now
									       : t.month_end[m];
		}
	}
	if ((t.reasons = json_object()) == NULL || (t.causes = json_object()) == NULL || (t.channels = json_object()) == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "report: out of memory");
		goto out;
	}
	/* One read transaction: every figure from the same state of the store. */
	if ((rc = store_begin(c->st, STORE_TX_READ)) != TK_OK)
		goto out;
	if ((rc = tally_certs(c, &t)) == TK_OK && (rc = tally_documents(c, &t)) == TK_OK &&
	    (rc = tally_counters(c, &t)) == TK_OK && (rc = tally_verifikators(c, &t)) == TK_OK && (rc = tally_tickets(c, &t)) == TK_OK &&
	    (rc = tally_training(c, &t)) == TK_OK)
		rc = store_commit(c->st);
	else
		store_rollback(c->st);
	if (rc == TK_OK)
		rc = tally_json(c, &t, out);
out:
	json_decref(t.reasons);
	json_decref(t.causes);
	json_decref(t.channels);
	row_free(&t.total);
	for (m = 0; m < 12; m++)
		row_free(&t.month[m]);
	rowset_free(&t.units);
	rowset_free(&t.apps);
	rowset_free(&t.verifikators);
	return rc;
}

/* ---------------------------------------------------------------- formats */

static const struct {
	const char *name, *mime, *ext;
} formats[] = {
	[REPORT_JSON] = { "json", "application/json", "json" },
	[REPORT_CSV] = { "csv", "application/zip", "zip" },
	[REPORT_XLSX] = { "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx" },
	[REPORT_PDF] = { "pdf", "application/pdf", "pdf" },
};

int report_format_parse(const char *s)
{
	size_t i;

	for (i = 0; s != NULL && i < sizeof(formats) / sizeof(formats[0]); i++)
		if (strcmp(s, formats[i].name) == 0)
			return (int)i;
	return -1;
}

const char *report_format_mime(enum report_format f)
{
	return formats[f].mime;
}

const char *report_format_ext(enum report_format f)
{
	return formats[f].ext;
}

/* The sealed PDF of a report's JSON (svc/report renderers, then the instance seal at B-LT). */
enum tk_err report_usage_sealed_pdf(struct svc_ctx *c, const json_t *rep, struct buf *out)
{
	struct buf pdf, tail;
	char level[24];
	enum tk_err rc;

	buf_init(&pdf, PDFGEN_MAX_BYTES);
	buf_init(&tail, MAX_PDF_BYTES);
	if ((rc = report_render_pdf(rep, sign_statement(c->inst), &pdf)) == TK_OK &&
	    (rc = sign_instance_document(c, pdf.p, pdf.len, "Laporan penggunaan sertifikat elektronik / Usage report", &tail, level)) == TK_OK &&
	    (rc = buf_append(out, pdf.p, pdf.len)) == TK_OK)
		rc = buf_append(out, tail.p, tail.len);
	buf_free(&pdf);
	buf_free(&tail);
	return rc;
}

enum tk_err report_render(struct svc_ctx *c, const json_t *rep, enum report_format f, struct buf *out)
{
	char *txt;
	enum tk_err rc;

	switch (f) {
	case REPORT_JSON:
		if ((txt = json_dumps(rep, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) == NULL)
			return tk_fail(TK_ERR_NOMEM, "report: out of memory");
		rc = buf_append(out, txt, strlen(txt));
		free(txt);
		return rc == TK_OK ? buf_append(out, "\n", 1) : rc;
	case REPORT_CSV:
		return report_render_csv_zip(rep, out);
	case REPORT_XLSX:
		return report_render_xlsx(rep, out);
	case REPORT_PDF:
		return report_usage_sealed_pdf(c, rep, out);
	}
	return tk_fail(TK_ERR_INVALID, "report: unknown format");
}

enum tk_err report_usage(struct svc_ctx *c, const struct report_usage_opts *o, struct buf *out)
{
	json_t *rep = NULL;
	enum tk_err rc;

	if ((rc = report_usage_json(c, o->year, o->unit, &rep)) == TK_OK)
		rc = report_render(c, rep, o->format, out);
	json_decref(rep);
	return rc;
}

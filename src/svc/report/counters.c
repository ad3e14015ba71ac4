/*
 * Request counters for the usage report (docs/reports.md). Counting must
 * not cost a store write on the hot paths (OCSP, TSA) and must count
 * refusals whose transaction rolled back, so each process keeps its counts
 * in memory and usage_flush() adds them to usage_counters in one write
 * transaction: "n = n + delta", so every node adds its own share.
 */
#include "svc/report/report.h"

#include "log/log.h"
#include "store/store.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* WIB (UTC+7) day numbers: the report's months are the ministry's. */
#define WIB_OFFSET 25200
/* Distinct (day, metric, detail, unit, application) keys held between flushes. */
#define USAGE_SLOTS 4096
#define USAGE_FIELD 96

struct usage_slot {
	int64_t day;
	uint64_t n;
	char metric[24];
	char detail[48];
	char unit[USAGE_FIELD];
	char app[USAGE_FIELD];
};

static pthread_mutex_t usage_lock = PTHREAD_MUTEX_INITIALIZER;
static struct usage_slot *usage_tab; /* USAGE_SLOTS entries, allocated on first count */
static size_t usage_used;
static uint64_t usage_dropped;

static int slot_is(const struct usage_slot *s, int64_t day, const char *metric, const char *detail, const char *unit, const char *app)
{
	return s->day == day && strcmp(s->metric, metric) == 0 && strcmp(s->detail, detail) == 0 && strcmp(s->unit, unit) == 0 &&
	       strcmp(s->app, app) == 0;
}

/* Adds n to a key; the caller holds usage_lock. 0 when the table is full. */
static int add_locked(int64_t day, const char *metric, const char *detail, const char *unit, const char *app, uint64_t n)
{
	size_t i;
	struct usage_slot *s;

	if (usage_tab == NULL && (usage_tab = calloc(USAGE_SLOTS, sizeof(*usage_tab))) == NULL)
		return 0;
	/* Few distinct keys live between two flushes: a linear scan from the newest is enough. */
	for (i = usage_used; i-- > 0;)
		if (slot_is(&usage_tab[i], day, metric, detail, unit, app)) {
			usage_tab[i].n += n;
			return 1;
		}
	if (usage_used == USAGE_SLOTS)
		return 0;
	s = &usage_tab[usage_used];
	if (str_copy(s->metric, sizeof(s->metric), metric) != TK_OK || str_copy(s->detail, sizeof(s->detail), detail) != TK_OK ||
	    str_copy(s->unit, sizeof(s->unit), unit) != TK_OK || str_copy(s->app, sizeof(s->app), app) != TK_OK) {
		tk_clear_error();
		return 0;
	}
	s->day = day;
	s->n = n;
	usage_used++;
	return 1;
}

void usage_count(struct svc_ctx *c, const char *metric, const char *detail, const char *unit)
{
	const char *app = c != NULL && c->actor.kind == ACTOR_APPLICATION ? c->actor.user : "";
	int64_t day = (tk_now() + WIB_OFFSET) / 86400;
	int ok;

	pthread_mutex_lock(&usage_lock);
	ok = add_locked(day, metric, detail ? detail : "", unit ? unit : "", app, 1);
	if (!ok)
		usage_dropped++;
	pthread_mutex_unlock(&usage_lock);
	if (!ok)
		log_msg(LOG_WARN, "usage.dropped", "a %s count was not kept (counter table full or field too long)", metric);
}

uint64_t usage_pending(void)
{
	uint64_t n = 0;
	size_t i;

	pthread_mutex_lock(&usage_lock);
	for (i = 0; i < usage_used; i++)
		n += usage_tab[i].n;
	pthread_mutex_unlock(&usage_lock);
	return n;
}

struct flush_args {
	const struct usage_slot *s;
	size_t n;
};

static enum tk_err flush_tx(struct svc_ctx *c, void *arg)
{
	struct flush_args *a = arg;
	struct store_stmt *st = NULL;
	size_t i;
	int row;
	enum tk_err rc = TK_OK;

	for (i = 0; i < a->n && rc == TK_OK; i++) {
		const struct usage_slot *s = &a->s[i];
		store_finalize(st);
		st = NULL;
		if ((rc = store_prepare(c->st, "INSERT INTO usage_counters (day, metric, detail, unit, application, n) VALUES (?, ?, ?, ?, ?, ?)"
					       " ON CONFLICT (day, metric, detail, unit, application) DO UPDATE SET n = usage_counters.n + excluded.n",
			 &st)) == TK_OK &&
		    (rc = store_bind_i64(st, 1, s->day)) == TK_OK &&
		    (rc = store_bind_text(st, 2, s->metric)) == TK_OK && (rc = store_bind_text(st, 3, s->detail)) == TK_OK &&
		    (rc = store_bind_text(st, 4, s->unit)) == TK_OK && (rc = store_bind_text(st, 5, s->app)) == TK_OK &&
		    (rc = store_bind_i64(st, 6, (int64_t)s->n)) == TK_OK)
			rc = store_step(st, &row);
	}
	store_finalize(st);
	return rc;
}

enum tk_err usage_flush(struct svc_ctx *c)
{
	struct flush_args a;
	struct usage_slot *taken;
	size_t i;
	enum tk_err rc;

	/* Take the counts out under the lock, write them without it. */
	pthread_mutex_lock(&usage_lock);
	taken = usage_tab;
	a.n = usage_used;
	usage_tab = NULL;
	usage_used = 0;
	pthread_mutex_unlock(&usage_lock);
	if (a.n == 0) {
		free(taken);
		return TK_OK;
	}
	a.s = taken;
	rc = svc_in_tx(c, flush_tx, &a);
	if (rc != TK_OK) {
		/* Put them back for the next try (what does not fit is logged as dropped). */
		pthread_mutex_lock(&usage_lock);
		for (i = 0; i < a.n; i++)
			if (!add_locked(taken[i].day, taken[i].metric, taken[i].detail, taken[i].unit, taken[i].app, taken[i].n))
				usage_dropped += taken[i].n;
		pthread_mutex_unlock(&usage_lock);
	}
	free(taken);
	return rc;
}

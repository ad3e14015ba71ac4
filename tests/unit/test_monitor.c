/*
 * Service-layer tests of readiness (src/svc/monitor) and job progress
 * (src/svc/jobs) on a real instance (SQLite, or TEKEN_PG_URL): the probe
 * commits its heartbeat and keeps the result for a few seconds, a real
 * jobs pass records itself for nodes without jobs, and which job is named
 * stuck.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/core.h"
#include "store/store.h"
#include "svc/base/base.h"
#include "testinst.h"
#include "svc/jobs/jobs.h"
#include "svc/monitor/monitor.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <unistd.h>

static char g_tmp[PATH_MAX], g_dir[PATH_MAX], g_clock[PATH_MAX];
static struct instance *g_inst;

#define must(x) assert_int_equal((x), TK_OK)

static int group_setup(void **state)
{
	(void)state;
	if (testinst_open("monitor", g_tmp, sizeof(g_tmp), g_dir, sizeof(g_dir), &g_inst) != 0 ||
	    str_fmt(g_clock, sizeof(g_clock), "%s/clock", g_tmp) != TK_OK)
		return -1;
	/* The test clock (test builds): absent file = the real clock; tk_now() reads it on every call. */
	setenv("TEKEN_TEST_CLOCK_FILE", g_clock, 1);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	testinst_close(g_tmp, g_inst);
	unsetenv("TEKEN_TEST_CLOCK_FILE");
	return 0;
}

static void set_clock(int64_t t)
{
	FILE *f = fopen(g_clock, "w");

	assert_non_null(f);
	fprintf(f, "%lld\n", (long long)t);
	fclose(f);
}

/* The meta value of key, "" when absent. */
static void meta(struct svc_ctx *c, const char *key, char out[64])
{
	struct store_stmt *s = NULL;
	int row = 0;

	out[0] = '\0';
	must(store_prepare(c->st, "SELECT value FROM meta WHERE key = ?", &s));
	must(store_bind_text(s, 1, key));
	must(store_step(s, &row));
	if (row)
		must(str_copy(out, 64, store_col_text(s, 0)));
	store_finalize(s);
}

static json_t *ready(struct svc_ctx *c, int *is_ready)
{
	char *txt = NULL;
	json_t *j;

	must(monitor_ready(c, is_ready, &txt));
	j = json_loads(txt, 0, NULL);
	free(txt);
	assert_non_null(j);
	return j;
}

static const char *check_of(json_t *j, const char *name)
{
	return json_string_value(json_object_get(json_object_get(j, "checks"), name));
}

static void test_ready_probe_and_jobs_record(void **state)
{
	struct svc_ctx c;
	struct jobs_state js = { 0, 0 };
	struct jobs_progress p[JOBS_MAX];
	char v1[64], v2[64], want[32];
	int64_t now = tk_now(), at = 0;
	int ok = 0, found = 0, in_process = 1;
	size_t n = 9, i;
	json_t *j;

	(void)state;
	must(svc_ctx_open(g_inst, "cli:test", "admin", "local", &c));
	/* No jobs thread here and no pass recorded yet: ready, jobs not checked. */
	jobs_progress(p, &n, &in_process);
	assert_int_equal(in_process, 0);
	assert_int_equal(n, 0);
	j = ready(&c, &ok);
	assert_int_equal(ok, 1);
	assert_string_equal(json_string_value(json_object_get(j, "status")), "ready");
	assert_string_equal(check_of(j, "store"), "ok");
	assert_string_equal(check_of(j, "keys"), "ok");
	assert_string_equal(check_of(j, "jobs"), "not checked");
	assert_int_equal(json_array_size(json_object_get(j, "failed")), 0);
	json_decref(j);
	/* The store check committed its heartbeat... */
	meta(&c, "readyz.probe", v1);
	assert_true(v1[0] != '\0');
	assert_false(store_in_tx(c.st));
	/* ...and within the cache window another probe writes nothing, even an hour later by the clock. */
	set_clock(now + 3600);
	j = ready(&c, &ok);
	json_decref(j);
	meta(&c, "readyz.probe", v2);
	assert_string_equal(v1, v2);
	unlink(g_clock);
	/* A real pass of the jobs records itself for nodes without jobs. */
	must(jobs_run(&c, now, &js));
	must(jobs_last_run(&c, &at, &found));
	assert_int_equal(found, 1);
	assert_int_equal(at, now);
	meta(&c, "jobs.last_run", v1);
	must(str_fmt(want, sizeof(want), "%lld", (long long)now));
	assert_string_equal(v1, want);
	j = ready(&c, &ok);
	assert_int_equal(ok, 1);
	assert_string_equal(check_of(j, "jobs"), "external");
	json_decref(j);
	/* Ten minutes without a pass: the node without jobs is not ready, and says why. */
	set_clock(now + 600);
	j = ready(&c, &ok);
	assert_int_equal(ok, 0);
	assert_string_equal(json_string_value(json_object_get(j, "status")), "not_ready");
	assert_non_null(strstr(check_of(j, "jobs"), "stuck"));
	assert_int_equal(json_array_size(json_object_get(j, "failed")), 1);
	assert_string_equal(json_string_value(json_array_get(json_object_get(j, "failed"), 0)), "jobs");
	json_decref(j);
	unlink(g_clock);
	/* With a jobs thread in this process, its own progress counts: every job done just now. */
	jobs_progress_start();
	must(jobs_run(&c, now + 1, &js));
	jobs_progress(p, &n, &in_process);
	assert_int_equal(in_process, 1);
	assert_int_equal(n, 8);
	for (i = 0; i < n; i++) {
		assert_false(p[i].running);
		assert_true(p[i].last_done >= jobs_monotonic_s() - 5);
	}
	assert_int_equal(jobs_stuck(p, n, jobs_monotonic_s()), -1);
	j = ready(&c, &ok);
	assert_int_equal(ok, 1);
	assert_string_equal(check_of(j, "jobs"), "ok");
	json_decref(j);
	svc_ctx_done(&c);
}

static void test_jobs_stuck_choice(void **state)
{
	struct jobs_progress p[3] = {
		{ "notify", 60, 1000, 0, 0, 0 },
		{ "crl", 3600, 1000, 0, 0, 0 },
		{ "audit", 60, 1000, 0, 0, 0 },
	};
	int64_t minute_limit = JOBS_STUCK_PERIODS * 60 + JOBS_STUCK_SLACK_S;

	(void)state;
	/* On the limit is not late; a second past it is. */
	assert_int_equal(jobs_stuck(p, 3, 1000 + minute_limit), -1);
	/* Both minute jobs late: the later one is named. */
	p[2].last_done = 999;
	assert_int_equal(jobs_stuck(p, 3, 1000 + minute_limit + 1), 2);
	/* While one job runs within its own budget, the jobs behind it only wait: nothing is stuck,
	 * however late the minute jobs are (an hourly OCSP refresh of many certificates). */
	p[1].running = 1;
	p[1].started = 1000 + minute_limit;
	assert_int_equal(jobs_stuck(p, 3, 1000 + 10 * minute_limit), -1);
	/* Over its budget, the running job is the one that hangs. */
	assert_int_equal(jobs_stuck(p, 3, p[1].started + JOBS_STUCK_PERIODS * 3600 + JOBS_STUCK_SLACK_S), -1);
	assert_int_equal(jobs_stuck(p, 3, p[1].started + JOBS_STUCK_PERIODS * 3600 + JOBS_STUCK_SLACK_S + 1), 1);
	/* Nothing to judge. */
	assert_int_equal(jobs_stuck(p, 0, 1000000), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ready_probe_and_jobs_record),
		cmocka_unit_test(test_jobs_stuck_choice),
	};
	return cmocka_run_group_tests_name("monitor", tests, group_setup, group_teardown);
}

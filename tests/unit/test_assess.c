/*
 * svc/assess against a real instance (SQLite in a temp dir): who may do
 * what, decided in the service for every kind of caller; hostile report
 * uploads (not a PDF, sizes, findings of the wrong shape or too many, file
 * names with paths, controls and a multibyte character at the cut); the
 * sealed columns hold no plaintext and do not open under another row's
 * label; overdue reminders with nobody to tell claim nothing. The whole
 * workflow over HTTP is tests/integration/test_assess.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "store/store.h"
#include "svc/calendar/calendar.h"
#include "svc/assess/assess.h"
#include "svc/base/base.h"
#include "testinst.h"
#include "svc/monev/monev.h"
#include "svc/pii/pii.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char g_tmp[PATH_MAX];
static char g_dir[PATH_MAX];
static struct instance *g_inst;

static const char PDF[] = "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
			  "trailer<</Root 1 0 R>>\n% MARKER-GAJAH-2207\n%%EOF\n";

static void must(enum tk_err rc)
{
	if (rc != TK_OK)
		fail_msg("call failed: %s", tk_errmsg());
}

static int group_setup(void **state)
{
	(void)state;
	return testinst_open("assess", g_tmp, sizeof(g_tmp), g_dir, sizeof(g_dir), &g_inst);
}

static int group_teardown(void **state)
{
	(void)state;
	testinst_close(g_tmp, g_inst);
	return 0;
}

/* A context as the operator, then as the caller kind/role given (NULL role: stay the operator). */
static void ctx_as(struct svc_ctx *c, enum actor_kind kind, const char *role)
{
	must(svc_ctx_open(g_inst, "cli:test", "admin", "local", c));
	if (role == NULL)
		return;
	c->actor.kind = kind;
	must(str_copy(c->actor.role, sizeof(c->actor.role), role));
	must(str_copy(c->actor.user, sizeof(c->actor.user), role));
}

static int has(const uint8_t *p, size_t len, const char *needle)
{
	size_t n = strlen(needle), i;

	for (i = 0; i + n <= len; i++)
		if (memcmp(p + i, needle, n) == 0)
			return 1;
	return 0;
}

static void today_plus(int days, char out[16])
{
	cal_day_str(cal_wib_day(tk_now()) + days, out);
}

/* A new request as the operator; its id. */
static int64_t new_request(const char *system)
{
	struct svc_ctx c;
	char due[16], *txt = NULL;
	json_t *in, *out;
	int64_t id;

	today_plus(10, due);
	ctx_as(&c, ACTOR_OPERATOR, NULL);
	in = json_pack("{s:s, s:s, s:s}", "system_name", system, "scope", "web", "due_on", due);
	must(assess_request(&c, in, &txt));
	json_decref(in);
	out = json_loads(txt, 0, NULL);
	id = (int64_t)json_integer_value(json_object_get(out, "id"));
	json_decref(out);
	free(txt);
	svc_ctx_done(&c);
	return id;
}

static json_t *meta_ok(void)
{
	char today[16];

	today_plus(0, today);
	return json_pack("{s:s, s:s, s:s, s:s, s:{s:i, s:i, s:i, s:i, s:i}}", "report_date", today, "scope", "web", "assessor", "Tim",
	    "remediation", "open", "counts", "critical", 0, "high", 1, "medium", 0, "low", 0, "info", 0);
}

static void test_roles(void **state)
{
	static const struct {
		enum actor_kind kind;
		const char *role;
		int request, upload, read;
	} who[] = {
		{ ACTOR_OPERATOR, NULL, 1, 1, 1 },
		{ ACTOR_PERSON, "auditor", 1, 0, 1 },
		{ ACTOR_PERSON, "admin", 0, 1, 1 },
		{ ACTOR_PERSON, "verifikator", 0, 0, 0 },
		{ ACTOR_PERSON, "subscriber", 0, 0, 0 },
		{ ACTOR_APPLICATION, "application", 0, 0, 0 },
		{ ACTOR_APPLICATION, "admin", 0, 0, 0 }, /* an API key is never a person, whatever its role text */
		{ ACTOR_ANONYMOUS, "public", 0, 0, 0 },
	};
	int64_t id = new_request("Sistem Peran"), idle = new_request("Sistem Tanpa Laporan");
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(who) / sizeof(who[0]); i++) {
		struct svc_ctx c;
		struct buf b;
		char due[16], fname[ASSESS_MAX_TITLE + 1], *txt = NULL;
		json_t *in, *meta = meta_ok();
		enum tk_err rc;

		today_plus(5, due);
		in = json_pack("{s:s, s:s, s:s}", "system_name", "X", "scope", "y", "due_on", due);
		ctx_as(&c, who[i].kind, who[i].role);
		rc = assess_request(&c, in, &txt);
		assert_int_equal(rc, who[i].request ? TK_OK : TK_ERR_DENIED);
		free(txt);
		txt = NULL;
		rc = assess_decide(&c, idle, 0, "alasan", &txt); /* nothing submitted: allowed callers get a conflict */
		assert_int_equal(rc, who[i].request ? TK_ERR_CONFLICT : TK_ERR_DENIED);
		free(txt);
		txt = NULL;
		rc = assess_list(&c, &txt);
		assert_int_equal(rc, who[i].read ? TK_OK : TK_ERR_DENIED);
		free(txt);
		txt = NULL;
		rc = assess_get(&c, id, &txt);
		assert_int_equal(rc, who[i].read ? TK_OK : TK_ERR_DENIED);
		free(txt);
		txt = NULL;
		buf_init(&b, 1 << 20);
		rc = assess_file(&c, idle, 0, &b, fname);
		assert_int_equal(rc, who[i].read ? TK_ERR_NOT_FOUND : TK_ERR_DENIED); /* no report there */
		assert_int_equal(b.len, 0);
		buf_free(&b);
		/* Each uploader answers its own request: a submitted one takes no second report. */
		rc = assess_upload(&c, new_request("Sistem Unggah"), meta, "r.pdf", (const uint8_t *)PDF, sizeof(PDF) - 1, &txt);
		assert_int_equal(rc, who[i].upload ? TK_OK : TK_ERR_DENIED);
		free(txt);
		json_decref(in);
		json_decref(meta);
		svc_ctx_done(&c);
	}
}

static void expect_upload(int64_t id, json_t *meta, const uint8_t *p, size_t len, enum tk_err want, const char *code)
{
	struct svc_ctx c;
	char *txt = NULL;
	enum tk_err rc;

	ctx_as(&c, ACTOR_OPERATOR, NULL);
	rc = assess_upload(&c, id, meta, "r.pdf", p, len, &txt);
	if (rc != want)
		fail_msg("upload: want %d (%s), got %d: %s", (int)want, code ? code : "", (int)rc, tk_errmsg());
	if (code != NULL)
		assert_string_equal(tk_last_error()->code, code);
	free(txt);
	svc_ctx_done(&c);
	json_decref(meta);
}

static void test_hostile_uploads(void **state)
{
	int64_t id = new_request("Sistem Masukan");
	uint8_t *big;
	uint8_t late[1200];
	json_t *m, *arr;
	size_t i;

	(void)state;
	/* Not a PDF by shape. */
	expect_upload(id, meta_ok(), (const uint8_t *)"GIF89a", 6, TK_ERR_INVALID, "not_pdf");
	expect_upload(id, meta_ok(), (const uint8_t *)"%PDF-1.4\nno end", 15, TK_ERR_INVALID, "not_pdf");
	memset(late, ' ', sizeof(late));
	memcpy(late + 1100, "%PDF-1.4\n%%EOF\n", 15); /* header past the first 1024 bytes */
	expect_upload(id, meta_ok(), late, sizeof(late), TK_ERR_INVALID, "not_pdf");
	memset(late, ' ', sizeof(late));
	memcpy(late, "%PDF-1.4\n%%EOF\n", 15); /* %%EOF only far from the end */
	expect_upload(id, meta_ok(), late, sizeof(late), TK_ERR_INVALID, "not_pdf");
	expect_upload(id, meta_ok(), (const uint8_t *)PDF, 0, TK_ERR_INVALID, "missing_file");
	/* Over the size limit (checked before anything is read or sealed). */
	big = calloc(1, (size_t)ASSESS_MAX_FILE + 1);
	assert_non_null(big);
	memcpy(big, "%PDF-1.4\n", 9);
	memcpy(big + ASSESS_MAX_FILE - 6, "%%EOF\n", 6);
	expect_upload(id, meta_ok(), big, (size_t)ASSESS_MAX_FILE + 1, TK_ERR_LIMIT, "too_large");
	free(big);

	/* Metadata of the wrong shape. */
	expect_upload(id, json_pack("[]"), (const uint8_t *)PDF, sizeof(PDF) - 1, TK_ERR_INVALID, "invalid_body");
	m = meta_ok();
	json_object_set_new(m, "counts", json_string("7"));
	expect_upload(id, m, (const uint8_t *)PDF, sizeof(PDF) - 1, TK_ERR_INVALID, "invalid_counts");
	m = meta_ok();
	json_object_set_new(json_object_get(m, "counts"), "high", json_integer(-1));
	expect_upload(id, m, (const uint8_t *)PDF, sizeof(PDF) - 1, TK_ERR_INVALID, "invalid_counts");
	m = meta_ok();
	json_object_set_new(json_object_get(m, "counts"), "low", json_integer((json_int_t)ASSESS_MAX_COUNT + 1));
	expect_upload(id, m, (const uint8_t *)PDF, sizeof(PDF) - 1, TK_ERR_INVALID, "invalid_counts");
	m = meta_ok();
	json_object_set_new(json_object_get(m, "counts"), "info", json_real(1.5));
	expect_upload(id, m, (const uint8_t *)PDF, sizeof(PDF) - 1, TK_ERR_INVALID, "invalid_counts");
	m = meta_ok();
	json_object_set_new(m, "findings", json_object());
	expect_upload(id, m, (const uint8_t *)PDF, sizeof(PDF) - 1, TK_ERR_INVALID, "invalid_findings");
	m = meta_ok();
	json_object_set_new(m, "findings", json_pack("[s]", "judul saja"));
	expect_upload(id, m, (const uint8_t *)PDF, sizeof(PDF) - 1, TK_ERR_INVALID, "invalid_findings");
	m = meta_ok();
	json_object_del(m, "counts");
	json_object_set_new(m, "findings", json_pack("[{s:s, s:s}]", "title", "", "severity", "high"));
	expect_upload(id, m, (const uint8_t *)PDF, sizeof(PDF) - 1, TK_ERR_INVALID, "missing_field");
	m = meta_ok();
	json_object_del(m, "counts");
	json_object_set_new(m, "findings", json_pack("[{s:s#, s:s}]", "title", "a\0b", (size_t)3, "severity", "high"));
	expect_upload(id, m, (const uint8_t *)PDF, sizeof(PDF) - 1, TK_ERR_INVALID, "invalid_field");
	m = meta_ok();
	json_object_del(m, "counts");
	json_object_set_new(m, "findings", json_pack("[{s:s, s:s, s:s}]", "title", "t", "severity", "high", "status", "done"));
	expect_upload(id, m, (const uint8_t *)PDF, sizeof(PDF) - 1, TK_ERR_INVALID, "invalid_findings");
	m = meta_ok();
	json_object_del(m, "counts");
	arr = json_array();
	for (i = 0; i <= ASSESS_MAX_FINDINGS; i++)
		json_array_append_new(arr, json_pack("{s:s, s:s}", "title", "t", "severity", "low"));
	json_object_set_new(m, "findings", arr);
	expect_upload(id, m, (const uint8_t *)PDF, sizeof(PDF) - 1, TK_ERR_LIMIT, "too_many_findings");
	m = meta_ok();
	json_object_set_new(m, "report_date", json_string("2026-02-30"));
	expect_upload(id, m, (const uint8_t *)PDF, sizeof(PDF) - 1, TK_ERR_INVALID, "invalid_date");
	m = meta_ok();
	json_object_del(m, "assessor");
	expect_upload(id, m, (const uint8_t *)PDF, sizeof(PDF) - 1, TK_ERR_INVALID, "missing_field");
	/* Unknown request. */
	expect_upload(999999, meta_ok(), (const uint8_t *)PDF, sizeof(PDF) - 1, TK_ERR_NOT_FOUND, "unknown_assessment");
	{
		struct svc_ctx c;
		int64_t n = -1;
		ctx_as(&c, ACTOR_OPERATOR, NULL);
		must(store_query_i64(c.st, "SELECT COUNT(*) FROM assessment_reports WHERE request_id = (SELECT MAX(id) FROM assessment_requests)", NULL, &n));
		assert_int_equal(n, 0);
		svc_ctx_done(&c);
	}
}

static void test_filename_and_seal(void **state)
{
	int64_t id = new_request("Sistem Nama Berkas");
	struct svc_ctx c;
	struct store_stmt *s = NULL;
	struct buf open_, b;
	char longname[400], fname[ASSESS_MAX_TITLE + 1], label[64], *txt = NULL;
	json_t *out, *m;
	const char *stored;
	int row = 0;
	size_t n;

	(void)state;
	/* A path, a control character, a quote, and a two-byte character cut at the limit. */
	memset(longname, 'a', sizeof(longname));
	memcpy(longname, "../..\\x/", 8);
	longname[8] = '\n';
	longname[9] = '"';
	longname[8 + ASSESS_MAX_TITLE - 1] = (char)0xC3; /* bytes 299-300 of the base name: an 'e' with acute accent split by the cut */
	longname[8 + ASSESS_MAX_TITLE] = (char)0xA9;
	longname[sizeof(longname) - 1] = '\0';
	ctx_as(&c, ACTOR_OPERATOR, NULL);
	m = meta_ok();
	json_object_del(m, "counts");
	json_object_set_new(m, "findings", json_pack("[{s:s, s:s}]", "title", "TEMUAN-BADAK-6613", "severity", "critical"));
	must(assess_upload(&c, id, m, longname, (const uint8_t *)PDF, sizeof(PDF) - 1, &txt));
	json_decref(m);
	out = json_loads(txt, 0, NULL);
	free(txt);
	stored = json_string_value(json_object_get(json_array_get(json_object_get(out, "reports"), 0), "filename"));
	assert_non_null(stored);
	n = strlen(stored);
	assert_true(n < ASSESS_MAX_TITLE && n > 250);
	assert_int_equal(stored[0], '_');
	assert_int_equal(stored[1], '_');
	assert_null(strchr(stored, '/'));
	assert_null(strchr(stored, '"'));
	assert_int_equal((unsigned char)stored[n - 1], 'a'); /* the split character is left out whole */
	assert_int_equal(json_integer_value(json_object_get(json_object_get(json_array_get(json_object_get(out, "reports"), 0), "counts"), "critical")), 1);
	json_decref(out);

	/* The sealed columns hold neither the file's nor the findings' text, and open only under their own row's label. */
	must(store_prepare(c.st, "SELECT id, sealed, findings_sealed FROM assessment_reports WHERE request_id = ?", &s));
	must(store_bind_i64(s, 1, id));
	must(store_step(s, &row));
	assert_true(row);
	{
		size_t fl = 0, gl = 0;
		const uint8_t *f = store_col_blob(s, 1, &fl), *g = store_col_blob(s, 2, &gl);
		int64_t rid = store_col_i64(s, 0);
		assert_false(has(f, fl, "MARKER-GAJAH"));
		assert_false(has(f, fl, "%PDF"));
		assert_false(has(g, gl, "BADAK"));
		buf_init(&open_, 1 << 20);
		must(str_fmt(label, sizeof(label), "assessment-report-%lld-file", (long long)rid));
		must(pii_open_blob(g_inst, label, f, fl, &open_));
		assert_int_equal(open_.len, sizeof(PDF) - 1);
		assert_memory_equal(open_.p, PDF, sizeof(PDF) - 1);
		buf_reset(&open_);
		must(str_fmt(label, sizeof(label), "assessment-report-%lld-file", (long long)rid + 1));
		assert_int_equal(pii_open_blob(g_inst, label, f, fl, &open_), TK_ERR_CRYPTO);
		must(str_fmt(label, sizeof(label), "assessment-report-%lld-findings", (long long)rid));
		assert_int_equal(pii_open_blob(g_inst, label, f, fl, &open_), TK_ERR_CRYPTO); /* the file under the findings' label */
		buf_free(&open_);
	}
	store_finalize(s);
	/* The download checks the hash and gives the bytes back. */
	buf_init(&b, 1 << 20);
	must(assess_file(&c, id, 0, &b, fname));
	assert_int_equal(b.len, sizeof(PDF) - 1);
	assert_memory_equal(b.p, PDF, sizeof(PDF) - 1);
	buf_reset(&b);
	assert_int_equal(assess_file(&c, id, 2, &b, fname), TK_ERR_NOT_FOUND);
	buf_free(&b);
	svc_ctx_done(&c);
}

static void test_decisions(void **state)
{
	int64_t id = new_request("Sistem Keputusan");
	struct svc_ctx c;
	char *txt = NULL;
	json_t *m;

	(void)state;
	ctx_as(&c, ACTOR_OPERATOR, NULL);
	m = meta_ok();
	must(assess_upload(&c, id, m, "a.pdf", (const uint8_t *)PDF, sizeof(PDF) - 1, &txt));
	free(txt);
	txt = NULL;
	assert_int_equal(assess_decide(&c, id, 0, NULL, &txt), TK_ERR_INVALID);
	assert_int_equal(assess_decide(&c, id, 0, "", &txt), TK_ERR_INVALID);
	must(assess_decide(&c, id, 0, "kurang bukti", &txt));
	assert_non_null(strstr(txt, "\"status\":\"returned\""));
	free(txt);
	txt = NULL;
	assert_int_equal(assess_decide(&c, id, 1, NULL, &txt), TK_ERR_CONFLICT);
	must(assess_upload(&c, id, m, "b.pdf", (const uint8_t *)PDF, sizeof(PDF) - 1, &txt));
	free(txt);
	txt = NULL;
	must(assess_decide(&c, id, 1, NULL, &txt));
	assert_non_null(strstr(txt, "\"status\":\"accepted\""));
	assert_non_null(strstr(txt, "\"return_reason\":null")); /* acceptance clears it; the return stays in the audit log */
	free(txt);
	txt = NULL;
	assert_int_equal(assess_upload(&c, id, m, "c.pdf", (const uint8_t *)PDF, sizeof(PDF) - 1, &txt), TK_ERR_CONFLICT);
	assert_int_equal(assess_decide(&c, 999999, 1, NULL, &txt), TK_ERR_NOT_FOUND);
	json_decref(m);
	svc_ctx_done(&c);
}

/* With no [monev] contacts nothing is claimed: the reminder waits for configuration. */
static void test_remind_nobody(void **state)
{
	struct svc_ctx c;
	int queued = -1;
	int64_t n = -1;

	(void)state;
	ctx_as(&c, ACTOR_OPERATOR, NULL);
	/* An overdue request: its due date moved into the past directly (the service refuses a past due date). */
	must(store_exec(c.st, "UPDATE assessment_requests SET due_on = '2001-01-01' WHERE status = 'requested'"));
	must(assess_reminders(&c, &queued));
	assert_int_equal(queued, 0);
	must(store_query_i64(c.st, "SELECT COUNT(*) FROM oversight_reminders_sent", NULL, &n));
	assert_int_equal(n, 0);
	{
		json_t *o = NULL;
		must(assess_open_items(&c, tk_now(), &o));
		assert_true(json_integer_value(json_object_get(o, "overdue")) >= 1);
		assert_int_equal(json_integer_value(json_object_get(o, "overdue")), (json_int_t)json_array_size(json_object_get(o, "overdue_list")));
		json_decref(o);
	}
	svc_ctx_done(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_hostile_uploads),
		cmocka_unit_test(test_filename_and_seal),
		cmocka_unit_test(test_decisions),
		cmocka_unit_test(test_remind_nobody),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

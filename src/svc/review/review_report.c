/*
 * Closing a review: the scores (docs/review.md "Scores": integers in
 * hundredths, rounded half up at each step), the maturity level, the
 * result JSON and the report PDF rendered with src/pdfgen (Indonesian),
 * kept with its SHA-256. Then the reviewer signs the report with their
 * own certificate and tool and uploads it: teken accepts only those exact
 * bytes plus one incremental update adding one signature that verifies
 * TOTAL_PASSED (verify_svc_extension, shared with the monev minutes), and
 * delivers it to the ministry (PKS art. 5(1)e): [monev] contacts are told
 * through the outbox.
 */
#include "svc/review/review_int.h"

#include "svc/agreement/agreement.h"
#include "svc/audit/audit.h"
#include "svc/notify/notify.h"
#include "svc/verify/verify_svc.h"
#include "config/config.h"
#include "crypto/crypto.h"
#include "pdfgen/pdfgen.h"
#include "store/store.h"
#include "svc/base/base_int.h"

#include <stdlib.h>
#include <string.h>

static enum tk_err nomem(void)
{
	return tk_fail(TK_ERR_NOMEM, "review: out of memory");
}

/* ------------------------------------------------------------ scores */

/*
 * From the review JSON (review_record_json) and its instrument: per
 * indicator score_x100 = round(10000 (level - min) / (max - min)); per
 * aspect the weight-average of its indicators; overall the aspect
 * weight-average; maturity the highest level whose min_x100 <= overall.
 */
static enum tk_err compute(json_t *rev, json_t *doc, json_t **result)
{
	json_t *aspects = json_array(), *inds = json_array(), *a, *v, *mat = NULL;
	int64_t overall_num = 0, overall_den = 0, overall;
	size_t i, j;

	*result = NULL;
	if (aspects == NULL || inds == NULL)
		goto nomem;
	json_array_foreach (json_object_get(rev, "indicators"), i, v) {
		json_t *sc = json_object_get(v, "scale");
		int64_t lo = json_integer_value(json_object_get(sc, "min")), hi = json_integer_value(json_object_get(sc, "max"));
		int64_t lv = json_integer_value(json_object_get(v, "level"));
		if (!json_is_integer(json_object_get(v, "level"))) {
			json_decref(aspects);
			json_decref(inds);
			return tk_fail_code(TK_ERR_CONFLICT, "unscored_indicators", "indicator %s has no score yet: every indicator is scored before closing",
			    json_string_value(json_object_get(v, "id")));
		}
		if (json_array_append_new(inds, json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "id", json_string_value(json_object_get(v, "id")),
						    "aspect", json_string_value(json_object_get(v, "aspect")), "weight",
						    json_integer_value(json_object_get(v, "weight")), "level", (json_int_t)lv, "min", (json_int_t)lo, "max",
						    (json_int_t)hi, "score_x100", (json_int_t)review_div_round(10000 * (lv - lo), hi - lo))) != 0)
			goto nomem;
	}
	json_array_foreach (json_object_get(doc, "aspects"), i, a) {
		const char *aid = json_string_value(json_object_get(a, "id"));
		int64_t num = 0, den = 0, score, w = json_integer_value(json_object_get(a, "weight"));
		json_array_foreach (inds, j, v) {
			if (strcmp(json_string_value(json_object_get(v, "aspect")), aid) != 0)
				continue;
			num += json_integer_value(json_object_get(v, "weight")) * json_integer_value(json_object_get(v, "score_x100"));
			den += json_integer_value(json_object_get(v, "weight"));
		}
		score = den > 0 ? review_div_round(num, den) : 0;
		overall_num += w * score;
		overall_den += w;
		if (json_array_append_new(aspects, json_pack("{s:s, s:O, s:I, s:I}", "id", aid, "title", json_object_get(a, "title"), "weight",
						       (json_int_t)w, "score_x100", (json_int_t)score)) != 0)
			goto nomem;
	}
	overall = overall_den > 0 ? review_div_round(overall_num, overall_den) : 0;
	json_array_foreach (json_object_get(doc, "maturity"), i, v) {
		if (json_integer_value(json_object_get(v, "min_x100")) <= overall)
			mat = v;
	}
	*result = json_pack("{s:I, s:I, s:O, s:o, s:o}", "score_x100", (json_int_t)overall, "maturity", json_integer_value(json_object_get(mat, "level")),
	    "maturity_name", json_object_get(mat, "name"), "aspects", aspects, "indicators", inds);
	return *result == NULL ? nomem() : TK_OK;
nomem:
	json_decref(aspects);
	json_decref(inds);
	return nomem();
}

/* ------------------------------------------------------------ the PDF */

/* A paragraph or cell built from a note or the findings (at most REVIEW_MAX_TEXT) and a little more. */
#define LONG_TEXT (REVIEW_MAX_TEXT + 2048u)

static void pct(int64_t x100, char out[16])
{
	if (str_fmt(out, 16, "%lld,%02lld", (long long)(x100 / 100), (long long)(x100 % 100)) != TK_OK)
		out[0] = '\0';
}

static const char *auto_label(json_t *ind)
{
	const char *st = json_string_value(json_object_get(json_object_get(ind, "auto"), "status"));

	if (st == NULL)
		return "penilaian mandiri";
	return strcmp(st, "pass") == 0 ? "otomatis: terpenuhi" : "otomatis: tidak terpenuhi";
}

/* A short summary of an indicator's evidence for the report (the whole evidence is in the result JSON). */
static enum tk_err evidence_summary(json_t *ind, char *out, size_t cap)
{
	json_t *a = json_object_get(ind, "auto");
	size_t nfiles = json_array_size(json_object_get(ind, "files"));
	char lv[24] = "tidak diisi";

	if (json_is_object(a)) {
		char *ev = json_dumps(json_object_get(a, "evidence"), JSON_COMPACT);
		enum tk_err rc;
		if (ev == NULL)
			return nomem();
		if (strlen(ev) > 600)
			memcpy(ev + 590, " ...", 5);
		rc = str_fmt(out, cap, "Bukti otomatis: %s", ev);
		free(ev);
		return rc;
	}
	if (json_is_integer(json_object_get(ind, "self_level")) &&
	    str_fmt(lv, sizeof(lv), "%lld", (long long)json_integer_value(json_object_get(ind, "self_level"))) != TK_OK)
		return nomem();
	return str_fmt(out, cap, "Penilaian mandiri: tingkat %s; %zu berkas bukti%s%s", lv, nfiles,
	    json_string_length(json_object_get(ind, "self_note")) > 0 ? "; catatan: " : "",
	    json_string_length(json_object_get(ind, "self_note")) > 0 ? json_string_value(json_object_get(ind, "self_note")) : "");
}

static enum tk_err render(struct svc_ctx *c, json_t *rev, json_t *result, struct buf *out)
{
	static const double aw[3] = { 0.58, 0.16, 0.26 };
	static const char *const ah[3] = { "Aspek", "Bobot", "Nilai (0-100)" };
	static const double iw[5] = { 0.40, 0.10, 0.16, 0.14, 0.20 };
	static const char *const ih[5] = { "Indikator", "Bobot", "Tingkat", "Nilai", "Cara evaluasi" };
	static const double rw[4] = { 0.44, 0.22, 0.16, 0.18 };
	static const char *const rh[4] = { "Rekomendasi", "Penanggung jawab", "Batas waktu", "Status" };
	const struct config *cfg = c->inst->cfg;
	struct pdfgen *g = NULL;
	struct pdfgen_opts o;
	json_t *instr = json_object_get(rev, "instrument"), *v, *a;
	char footer[160], when[48], buf[64], score[16], *long_text = NULL;
	struct agreement_info ai; /* the agreement in force (svc/agreement: the register, else teken.conf) */
	size_t i, j;
	enum tk_err rc;

	if ((rc = agreement_current(c, &ai)) != TK_OK)
		return rc;
	time_wib(tk_now(), when);
	if ((rc = str_fmt(footer, sizeof(footer), "Laporan tinjauan implementasi no. %lld, ditutup %s",
		 (long long)json_integer_value(json_object_get(rev, "id")), when)) != TK_OK)
		return rc;
	if ((long_text = malloc(LONG_TEXT)) == NULL)
		return nomem();
	memset(&o, 0, sizeof(o));
	o.title = json_string_value(json_object_get(rev, "title"));
	o.author = instance_base_url(c->inst);
	o.subject = "Laporan Tinjauan Implementasi Sertifikat Elektronik (PKS pasal 1d, 4(2)e, 5(1)e)";
	o.footer = footer;
	if ((rc = pdfgen_new(&o, &g)) != TK_OK)
		goto out;
	if ((rc = pdfgen_heading(g, 1, "Laporan Tinjauan Implementasi Sertifikat Elektronik")) != TK_OK ||
	    (rc = pdfgen_paragraph(g, "Tinjauan oleh Penerbit atas penerapan sertifikat elektronik di lingkungan Pengguna dengan alat ukur, "
				      "sesuai Perjanjian Kerja Sama pasal 1 huruf d, pasal 4 ayat (2) huruf e, dan hasilnya disampaikan kepada "
				      "Pengguna sesuai pasal 5 ayat (1) huruf e.",
		 0, 1)) != TK_OK)
		goto out;
	if ((rc = str_fmt(buf, sizeof(buf), "%lld", (long long)json_integer_value(json_object_get(rev, "id")))) != TK_OK ||
	    (rc = pdfgen_kv(g, "Nomor tinjauan", buf)) != TK_OK || (rc = pdfgen_kv(g, "Judul", json_string_value(json_object_get(rev, "title")))) != TK_OK ||
	    (rc = pdfgen_kv(g, "Pengguna (Kementerian)", config_get_or(cfg, "instance", "organization", "Kementerian"))) != TK_OK ||
	    (rc = pdfgen_kv(g, "Penerbit", ai.issuer)) !=
		TK_OK ||
	    (rc = pdfgen_kv(g, "Perjanjian", ai.title[0] ? ai.title : "(belum diisi)")) != TK_OK ||
	    (rc = str_fmt(long_text, LONG_TEXT, "%s / %s, tanggal %s", ai.number_first[0] ? ai.number_first : "(belum diisi)",
		 ai.number_second[0] ? ai.number_second : "(belum diisi)", ai.signed_on[0] ? ai.signed_on : "(belum diisi)")) != TK_OK ||
	    (rc = pdfgen_kv(g, "Nomor Pengguna / Penerbit", long_text)) != TK_OK)
		goto out;
	if ((rc = str_fmt(long_text, LONG_TEXT, "%s s.d. %s", json_string_value(json_object_get(rev, "period_from")),
		 json_string_value(json_object_get(rev, "period_to")))) != TK_OK ||
	    (rc = pdfgen_kv(g, "Periode", long_text)) != TK_OK ||
	    (rc = str_fmt(long_text, LONG_TEXT, "versi %lld, SHA-256 %s", (long long)json_integer_value(json_object_get(instr, "version")),
		 json_string_value(json_object_get(instr, "sha256")))) != TK_OK ||
	    (rc = pdfgen_kv(g, "Alat ukur", long_text)) != TK_OK)
		goto out;
	pct(json_integer_value(json_object_get(result, "score_x100")), score);
	if ((rc = str_fmt(long_text, LONG_TEXT, "Nilai keseluruhan %s dari 100; tingkat kematangan %lld (%s).", score,
		 (long long)json_integer_value(json_object_get(result, "maturity")),
		 json_string_value(json_object_get(json_object_get(result, "maturity_name"), "id")))) != TK_OK ||
	    (rc = pdfgen_notice(g, PDFGEN_INFO, "Hasil", long_text)) != TK_OK)
		goto out;
	if ((rc = pdfgen_heading(g, 2, "Nilai per aspek")) != TK_OK || (rc = pdfgen_table_begin(g, 3, aw, ah)) != TK_OK)
		goto out;
	json_array_foreach (json_object_get(result, "aspects"), i, a) {
		char w[16];
		const char *cells[3];
		pct(json_integer_value(json_object_get(a, "score_x100")), score);
		if ((rc = str_fmt(w, sizeof(w), "%lld", (long long)json_integer_value(json_object_get(a, "weight")))) != TK_OK)
			goto out;
		cells[0] = json_string_value(json_object_get(json_object_get(a, "title"), "id"));
		cells[1] = w;
		cells[2] = score;
		if ((rc = pdfgen_table_row(g, cells, PDFGEN_PLAIN)) != TK_OK)
			goto out;
	}
	if ((rc = pdfgen_table_end(g)) != TK_OK)
		goto out;
	json_array_foreach (json_object_get(result, "aspects"), i, a) {
		const char *aid = json_string_value(json_object_get(a, "id"));
		if ((rc = pdfgen_heading(g, 2, json_string_value(json_object_get(json_object_get(a, "title"), "id")))) != TK_OK ||
		    (rc = pdfgen_table_begin(g, 5, iw, ih)) != TK_OK)
			goto out;
		json_array_foreach (json_object_get(rev, "indicators"), j, v) {
			char w[16], lv[32];
			const char *cells[5];
			json_t *sc = json_object_get(v, "scale");
			int64_t s100 = 0;
			size_t k;
			json_t *r;
			if (strcmp(json_string_value(json_object_get(v, "aspect")), aid) != 0)
				continue;
			json_array_foreach (json_object_get(result, "indicators"), k, r) {
				if (strcmp(json_string_value(json_object_get(r, "id")), json_string_value(json_object_get(v, "id"))) == 0)
					s100 = json_integer_value(json_object_get(r, "score_x100"));
			}
			pct(s100, score);
			if ((rc = str_fmt(w, sizeof(w), "%lld", (long long)json_integer_value(json_object_get(v, "weight")))) != TK_OK ||
			    (rc = str_fmt(lv, sizeof(lv), "%lld (%lld-%lld)", (long long)json_integer_value(json_object_get(v, "level")),
				 (long long)json_integer_value(json_object_get(sc, "min")), (long long)json_integer_value(json_object_get(sc, "max")))) != TK_OK ||
			    (rc = str_fmt(long_text, LONG_TEXT, "%s [%s; pasal %s]", json_string_value(json_object_get(json_object_get(v, "title"), "id")),
				 json_string_value(json_object_get(v, "id")), json_string_value(json_object_get(v, "article")))) != TK_OK)
				goto out;
			cells[0] = long_text;
			cells[1] = w;
			cells[2] = lv;
			cells[3] = score;
			cells[4] = auto_label(v);
			if ((rc = pdfgen_table_row(g, cells, PDFGEN_PLAIN)) != TK_OK)
				goto out;
		}
		if ((rc = pdfgen_table_end(g)) != TK_OK)
			goto out;
		json_array_foreach (json_object_get(rev, "indicators"), j, v) {
			if (strcmp(json_string_value(json_object_get(v, "aspect")), aid) != 0)
				continue;
			if ((rc = evidence_summary(v, long_text, LONG_TEXT)) != TK_OK)
				goto out;
			if ((rc = pdfgen_paragraph(g, json_string_value(json_object_get(v, "id")), 1, 1)) != TK_OK ||
			    (rc = pdfgen_paragraph(g, long_text, 0, 1)) != TK_OK)
				goto out;
			if (json_string_length(json_object_get(v, "reviewer_note")) > 0 &&
			    ((rc = str_fmt(long_text, LONG_TEXT, "Catatan peninjau: %s", json_string_value(json_object_get(v, "reviewer_note")))) != TK_OK ||
				(rc = pdfgen_paragraph(g, long_text, 0, 1)) != TK_OK))
				goto out;
		}
	}
	if ((rc = pdfgen_heading(g, 2, "Temuan")) != TK_OK ||
	    (rc = pdfgen_paragraph(g, json_string_length(json_object_get(rev, "findings")) > 0 ? json_string_value(json_object_get(rev, "findings")) : "Tidak ada temuan yang dicatat.",
		 0, 0)) != TK_OK ||
	    (rc = pdfgen_heading(g, 2, "Rekomendasi")) != TK_OK)
		goto out;
	if (json_array_size(json_object_get(rev, "recommendations")) == 0) {
		if ((rc = pdfgen_paragraph(g, "Belum ada rekomendasi yang dicatat untuk tinjauan ini.", 0, 0)) != TK_OK)
			goto out;
	} else {
		if ((rc = pdfgen_table_begin(g, 4, rw, rh)) != TK_OK)
			goto out;
		json_array_foreach (json_object_get(rev, "recommendations"), i, v) {
			const char *cells[4] = { json_string_value(json_object_get(v, "title")), json_string_value(json_object_get(v, "owner")),
				json_string_value(json_object_get(v, "due_on")), json_string_value(json_object_get(v, "status")) };
			if ((rc = pdfgen_table_row(g, cells, PDFGEN_PLAIN)) != TK_OK)
				goto out;
		}
		if ((rc = pdfgen_table_end(g)) != TK_OK)
			goto out;
	}
	if ((rc = pdfgen_heading(g, 2, "Pengesahan")) != TK_OK ||
	    (rc = pdfgen_paragraph(g, "Laporan ini disahkan dengan tanda tangan elektronik peninjau (Penerbit) menggunakan sertifikat elektronik "
				      "miliknya, ditambahkan pada berkas ini sebagai pembaruan inkremental, lalu disampaikan kepada Pengguna.",
		 0, 0)) != TK_OK)
		goto out;
	rc = pdfgen_finish(g, out);
out:
	pdfgen_free(g);
	free(long_text);
	return rc;
}

/* ------------------------------------------------------------ close */

struct close_arg {
	int64_t id;
	struct buf pdf;
	char sha[65];
	int64_t score, maturity;
};

static enum tk_err close_tx(struct svc_ctx *c, void *arg)
{
	struct close_arg *a = arg;
	struct store_stmt *s = NULL;
	json_t *rev = NULL, *doc = NULL, *result = NULL;
	int64_t ver = 0;
	char sha[65], *rtxt = NULL;
	int row;
	enum tk_err rc;

	/* Read inside the transaction: the review scored is the review rendered. */
	if ((rc = review_record_json(c, a->id, &rev)) != TK_OK)
		goto out;
	if (strcmp(json_string_value(json_object_get(rev, "state")), "submitted") != 0) {
		rc = tk_fail_code(TK_ERR_CONFLICT, "review_state", "review %lld is %s: closing needs it submitted", (long long)a->id,
		    json_string_value(json_object_get(rev, "state")));
		goto out;
	}
	if ((rc = review_instr_load(c, json_integer_value(json_object_get(json_object_get(rev, "instrument"), "version")), &doc, &ver, sha)) != TK_OK ||
	    (rc = compute(rev, doc, &result)) != TK_OK || (rc = render(c, rev, result, &a->pdf)) != TK_OK)
		goto out;
	if (json_object_set_new(result, "review", json_integer(a->id)) != 0 ||
	    json_object_set_new(result, "instrument", json_pack("{s:I, s:s}", "version", (json_int_t)ver, "sha256", sha)) != 0 ||
	    json_object_set(result, "findings", json_object_get(rev, "findings")) != 0 || (rtxt = json_dumps(result, JSON_COMPACT | JSON_SORT_KEYS)) == NULL) {
		rc = nomem();
		goto out;
	}
	sha256_hex(a->pdf.p, a->pdf.len, a->sha);
	a->score = json_integer_value(json_object_get(result, "score_x100"));
	a->maturity = json_integer_value(json_object_get(result, "maturity"));
	if ((rc = store_prepare(c->st, "UPDATE reviews SET state = 'closed', score_x100 = ?, maturity = ?, result_json = ?, report_pdf = ?,"
				       " report_sha256 = ?, closed_by = ?, closed_at = ?, updated_at = ? WHERE id = ? AND state = 'submitted'",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, a->score)) != TK_OK || (rc = store_bind_i64(s, 2, a->maturity)) != TK_OK ||
	    (rc = store_bind_text(s, 3, rtxt)) != TK_OK || (rc = store_bind_blob(s, 4, a->pdf.p, a->pdf.len)) != TK_OK ||
	    (rc = store_bind_text(s, 5, a->sha)) != TK_OK || (rc = store_bind_text(s, 6, c->actor.user)) != TK_OK ||
	    (rc = store_bind_i64(s, 7, tk_now())) != TK_OK || (rc = store_bind_i64(s, 8, tk_now())) != TK_OK ||
	    (rc = store_bind_i64(s, 9, a->id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	{
		char obj[48], *d = NULL;
		if ((rc = str_fmt(obj, sizeof(obj), "review:%lld", (long long)a->id)) != TK_OK ||
		    (rc = svc_json_dump(json_pack("{s:I, s:I, s:s, s:I}", "score_x100", (json_int_t)a->score, "maturity", (json_int_t)a->maturity,
					    "report_sha256", a->sha, "size", (json_int_t)a->pdf.len),
			 &d)) != TK_OK)
			goto out;
		rc = audit_append(c, "review.close", obj, d);
		free(d);
	}
out:
	store_finalize(s);
	free(rtxt);
	json_decref(rev);
	json_decref(doc);
	json_decref(result);
	return rc;
}

enum tk_err review_close(struct svc_ctx *c, int64_t id, char **out)
{
	struct close_arg a;
	enum tk_err rc;

	if ((rc = review_allowed(c, REVIEW_ISSUER)) != TK_OK)
		return rc;
	memset(&a, 0, sizeof(a));
	a.id = id;
	buf_init(&a.pdf, PDFGEN_MAX_BYTES);
	if ((rc = svc_in_tx(c, close_tx, &a)) == TK_OK)
		rc = review_get(c, id, out);
	buf_free(&a.pdf);
	return rc;
}

/* ------------------------------------------------------------ the report and its signed copy */

/* The rendered report, its hash, and whether a signed copy is there; TK_ERR_CONFLICT before closing. */
static enum tk_err held_pdf(struct svc_ctx *c, int64_t id, int prefer_signed, struct buf *out, char sha[65], int *signed_already)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "SELECT state, report_pdf, report_sha256, signed_pdf, signed_sha256 FROM reviews WHERE id = ?", &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_review", "no review %lld", (long long)id);
		goto out;
	}
	if (store_col_null(s, 1)) {
		rc = tk_fail_code(TK_ERR_CONFLICT, "review_state", "review %lld is %s: its report exists once it is closed", (long long)id, store_col_text(s, 0));
		goto out;
	}
	*signed_already = !store_col_null(s, 3);
	{
		int col = prefer_signed && *signed_already ? 3 : 1;
		size_t len = 0;
		const uint8_t *p = store_col_blob(s, col, &len);
		if ((rc = buf_append(out, p, len)) != TK_OK || (rc = str_copy(sha, 65, store_col_text(s, col + 1))) != TK_OK)
			goto out;
	}
out:
	store_finalize(s);
	return rc;
}

enum tk_err review_report_pdf(struct svc_ctx *c, int64_t id, struct buf *out)
{
	char sha[65];
	int sgn = 0;
	enum tk_err rc;

	if ((rc = review_allowed(c, REVIEW_READ)) != TK_OK)
		return rc;
	return held_pdf(c, id, 1, out, sha, &sgn);
}

struct signed_arg {
	int64_t id;
	const uint8_t *p;
	size_t len;
	char base_sha[65], sha[65];
	const struct verify_sig *sig;
	size_t notified;
};

static enum tk_err signed_tx(struct svc_ctx *c, void *arg)
{
	struct signed_arg *a = arg;
	struct store_stmt *s = NULL;
	char subj[160], *body = NULL;
	int row;
	size_t blen = 4096; /* two fixed sentences, the signer (a CN), the base URL and a hash */
	enum tk_err rc;

	/* The reviewer who closed the review signs its result (or the operator uploads it). */
	if (c->actor.kind != ACTOR_OPERATOR) {
		char closer[64] = "";
		if ((rc = store_prepare(c->st, "SELECT closed_by FROM reviews WHERE id = ?", &s)) != TK_OK || (rc = store_bind_i64(s, 1, a->id)) != TK_OK ||
		    (rc = store_step(s, &row)) != TK_OK || (row && (rc = str_copy(closer, sizeof(closer), store_col_text(s, 0))) != TK_OK))
			goto out;
		store_finalize(s);
		s = NULL;
		if (strcmp(closer, c->actor.user) != 0) {
			rc = tk_fail_code(TK_ERR_DENIED, "not_reviewer", "the report of review %lld is signed and uploaded by %s, who closed it", (long long)a->id,
			    closer[0] ? closer : "its reviewer");
			goto out;
		}
	}
	/* Only once, and only over the report checked (nobody uploaded in between). */
	if ((rc = store_prepare(c->st, "UPDATE reviews SET signed_pdf = ?, signed_sha256 = ?, signer_dn = ?, delivered_at = ?, updated_at = ?"
				       " WHERE id = ? AND state = 'closed' AND signed_pdf IS NULL AND report_sha256 = ?",
		 &s)) != TK_OK ||
	    (rc = store_bind_blob(s, 1, a->p, a->len)) != TK_OK || (rc = store_bind_text(s, 2, a->sha)) != TK_OK ||
	    (rc = store_bind_text(s, 3, a->sig->signer_dn)) != TK_OK || (rc = store_bind_i64(s, 4, tk_now())) != TK_OK ||
	    (rc = store_bind_i64(s, 5, tk_now())) != TK_OK || (rc = store_bind_i64(s, 6, a->id)) != TK_OK ||
	    (rc = store_bind_text(s, 7, a->base_sha)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (store_changes(s) != 1) {
		rc = tk_fail_code(TK_ERR_CONFLICT, "report_signed", "the report of review %lld was signed already", (long long)a->id);
		goto out;
	}
	if ((body = malloc(blen)) == NULL) {
		rc = nomem();
		goto out;
	}
	if ((rc = str_fmt(subj, sizeof(subj), "Laporan tinjauan implementasi no. %lld / Implementation review report", (long long)a->id)) != TK_OK ||
	    (rc = str_fmt(body, blen,
		 "Laporan tinjauan implementasi no. %lld telah ditandatangani oleh peninjau (%s) dan disampaikan kepada Kementerian "
		 "(PKS pasal 5 ayat (1) huruf e). Unduh di %s/app (SHA-256 %s).\n\n"
		 "The implementation review report no. %lld was signed by the reviewer and delivered to the ministry.\n",
		 (long long)a->id, a->sig->signer, instance_base_url(c->inst), a->sha, (long long)a->id)) != TK_OK ||
	    (rc = notify_contacts_queue(c, subj, body, &a->notified)) != TK_OK)
		goto out;
	{
		char obj[48], *d = NULL;
		if ((rc = str_fmt(obj, sizeof(obj), "review:%lld", (long long)a->id)) != TK_OK ||
		    (rc = svc_json_dump(json_pack("{s:s, s:s, s:s, s:s, s:s, s:I}", "sha256", a->sha, "signer", a->sig->signer, "signer_dn", a->sig->signer_dn,
					    "issuer", a->sig->issuer_dn, "serial", a->sig->serial, "notified", (json_int_t)a->notified),
			 &d)) != TK_OK)
			goto out;
		rc = audit_append(c, "review.report.sign", obj, d);
		free(d);
	}
out:
	store_finalize(s);
	free(body);
	return rc;
}

enum tk_err review_signed_upload(struct svc_ctx *c, int64_t id, const uint8_t *p, size_t len, char **out)
{
	struct signed_arg a;
	struct verify_report *r = NULL;
	struct buf cur;
	int sgn = 0;
	enum tk_err rc;

	if ((rc = review_allowed(c, REVIEW_ISSUER)) != TK_OK)
		return rc;
	if (len > REVIEW_MAX_UPLOAD)
		return tk_fail_code(TK_ERR_LIMIT, "too_large", "signed report larger than %u bytes", REVIEW_MAX_UPLOAD);
	memset(&a, 0, sizeof(a));
	buf_init(&cur, REVIEW_MAX_UPLOAD);
	if ((rc = held_pdf(c, id, 0, &cur, a.base_sha, &sgn)) != TK_OK)
		goto out;
	if (sgn) {
		rc = tk_fail_code(TK_ERR_CONFLICT, "report_signed", "the report of review %lld was signed already", (long long)id);
		goto out;
	}
	if ((rc = verify_svc_extension(c, "report", cur.p, cur.len, p, len, 1, &r, &a.sig)) != TK_OK)
		goto out;
	a.id = id;
	a.p = p;
	a.len = len;
	sha256_hex(p, len, a.sha);
	if ((rc = svc_in_tx(c, signed_tx, &a)) == TK_OK)
		rc = review_get(c, id, out);
out:
	verify_report_free(r);
	buf_free(&cur);
	return rc;
}

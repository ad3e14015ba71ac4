/*
 * The minutes of an evaluation (berita acara): rendered by teken from the
 * record with pdfgen (Indonesian), frozen with its SHA-256, then signed by
 * both parties in turn, each with its own tool (a BSrE certificate held
 * elsewhere, or teken's own signing for an official or a seal), as the
 * agreement itself was. Each upload must be an incremental update of the
 * current file (its bytes a prefix), carry exactly one more signature and
 * verify TOTAL_PASSED with the same verification service the public page
 * uses. What teken cannot know is who the signer is inside the other
 * party's organisation: it records the name and issuer the certificate
 * states (docs/monev.md).
 */
#include "svc/monev/monev_int.h"
#include "svc/base/base_int.h"

#include "svc/audit/audit.h"
#include "svc/verify/verify_svc.h"
#include "crypto/crypto.h"
#include "pdfgen/pdfgen.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

static const char *party_label(const char *party)
{
	return strcmp(party, "ministry") == 0 ? "Kementerian" : "Penerbit (BSSN/BSrE)";
}

static const char *status_label(const char *st)
{
	if (strcmp(st, "open") == 0)
		return "terbuka";
	if (strcmp(st, "in_progress") == 0)
		return "dalam proses";
	if (strcmp(st, "done") == 0)
		return "selesai";
	return "dibatalkan";
}

/* The minutes PDF of record r (monev_record_json) into out. */
static enum tk_err render(struct svc_ctx *c, json_t *r, struct buf *out)
{
	static const double pw[3] = { 0.42, 0.23, 0.35 };
	static const char *const ph[3] = { "Nama", "Pihak", "Jabatan" };
	static const double aw[5] = { 0.06, 0.40, 0.22, 0.16, 0.16 };
	static const char *const ah[5] = { "No", "Uraian tindak lanjut", "Penanggung jawab", "Batas waktu", "Status" };
	struct pdfgen *g = NULL;
	struct pdfgen_opts o;
	char footer[160], when[48], idtxt[24];
	json_t *v;
	size_t i;
	enum tk_err rc;
	const char *title = json_string_value(json_object_get(r, "title"));

	time_wib(tk_now(), when);
	if ((rc = str_fmt(footer, sizeof(footer), "Berita acara monev no. %lld, dibekukan %s", (long long)json_integer_value(json_object_get(r, "id")),
		 when)) != TK_OK ||
	    (rc = str_fmt(idtxt, sizeof(idtxt), "%lld", (long long)json_integer_value(json_object_get(r, "id")))) != TK_OK)
		return rc;
	memset(&o, 0, sizeof(o));
	o.title = title;
	o.author = instance_base_url(c->inst);
	o.subject = "Berita Acara Monitoring dan Evaluasi (PKS pasal 12)";
	o.footer = footer;
	if ((rc = pdfgen_new(&o, &g)) != TK_OK)
		return rc;
	if ((rc = pdfgen_heading(g, 1, "Berita Acara Monitoring dan Evaluasi")) != TK_OK ||
	    (rc = pdfgen_paragraph(g, "Pelaksanaan Perjanjian Kerja Sama penyelenggaraan sertifikat elektronik, pasal 12: "
				      "pemantauan dan evaluasi bersama oleh Kementerian dan Penerbit (BSSN/BSrE).",
		 0, 1)) != TK_OK ||
	    (rc = pdfgen_kv(g, "Nomor catatan", idtxt)) != TK_OK || (rc = pdfgen_kv(g, "Judul", title)) != TK_OK ||
	    (rc = pdfgen_kv(g, "Tanggal", json_string_value(json_object_get(r, "held_on")))) != TK_OK ||
	    (rc = pdfgen_kv(g, "Tempat", json_string_value(json_object_get(r, "place")))) != TK_OK)
		goto out;
	if ((rc = pdfgen_heading(g, 2, "Peserta")) != TK_OK || (rc = pdfgen_table_begin(g, 3, pw, ph)) != TK_OK)
		goto out;
	json_array_foreach (json_object_get(r, "participants"), i, v) {
		const char *cells[3] = { json_string_value(json_object_get(v, "name")), party_label(json_string_value(json_object_get(v, "party"))),
			json_string_value(json_object_get(v, "role")) };
		if ((rc = pdfgen_table_row(g, cells, PDFGEN_PLAIN)) != TK_OK)
			goto out;
	}
	if ((rc = pdfgen_table_end(g)) != TK_OK || (rc = pdfgen_heading(g, 2, "Ringkasan")) != TK_OK ||
	    (rc = pdfgen_paragraph(g, json_string_value(json_object_get(r, "summary")), 0, 0)) != TK_OK)
		goto out;
	if (json_string_length(json_object_get(r, "findings")) > 0 &&
	    ((rc = pdfgen_heading(g, 2, "Temuan")) != TK_OK || (rc = pdfgen_paragraph(g, json_string_value(json_object_get(r, "findings")), 0, 0)) != TK_OK))
		goto out;
	if (json_string_length(json_object_get(r, "minutes")) > 0 &&
	    ((rc = pdfgen_heading(g, 2, "Notulen")) != TK_OK || (rc = pdfgen_paragraph(g, json_string_value(json_object_get(r, "minutes")), 0, 0)) != TK_OK))
		goto out;
	if ((rc = pdfgen_heading(g, 2, "Tindak lanjut")) != TK_OK)
		goto out;
	if (json_array_size(json_object_get(r, "actions")) == 0) {
		if ((rc = pdfgen_paragraph(g, "Tidak ada tindak lanjut yang dicatat.", 0, 0)) != TK_OK)
			goto out;
	} else {
		if ((rc = pdfgen_table_begin(g, 5, aw, ah)) != TK_OK)
			goto out;
		json_array_foreach (json_object_get(r, "actions"), i, v) {
			char no[16];
			const char *cells[5];
			if ((rc = str_fmt(no, sizeof(no), "%zu", i + 1)) != TK_OK)
				goto out;
			cells[0] = no;
			cells[1] = json_string_value(json_object_get(v, "description"));
			cells[2] = json_string_value(json_object_get(v, "owner"));
			cells[3] = json_string_value(json_object_get(v, "due_on"));
			cells[4] = status_label(json_string_value(json_object_get(v, "status")));
			if ((rc = pdfgen_table_row(g, cells, PDFGEN_PLAIN)) != TK_OK)
				goto out;
		}
		if ((rc = pdfgen_table_end(g)) != TK_OK)
			goto out;
	}
	if ((rc = pdfgen_heading(g, 2, "Pengesahan")) != TK_OK ||
	    (rc = pdfgen_paragraph(g, "Berita acara ini disahkan dengan tanda tangan elektronik kedua pihak secara berurutan, masing-masing "
				      "dengan perangkatnya sendiri: tanda tangan kedua ditambahkan pada berkas yang telah memuat tanda tangan pertama "
				      "(pembaruan inkremental), sehingga berkas ini tidak berubah setelah dibekukan.",
		 0, 0)) != TK_OK ||
	    (rc = pdfgen_notice(g, PDFGEN_INFO, "Pihak pertama / Pihak kedua",
		 "Kementerian dan Penerbit (BSSN/BSrE). Nama penanda tangan, penerbit sertifikat dan waktu penandatanganan dicatat oleh teken saat "
		 "berkas bertanda tangan diunggah.")) != TK_OK)
		goto out;
	rc = pdfgen_finish(g, out);
out:
	pdfgen_free(g);
	return rc;
}

struct freeze_arg {
	int64_t id;
	struct buf pdf;
	char sha[65];
};

static enum tk_err freeze_tx(struct svc_ctx *c, void *arg)
{
	struct freeze_arg *a = arg;
	struct store_stmt *s = NULL;
	json_t *r = NULL;
	int row;
	enum tk_err rc;

	/* Read inside the transaction: the record frozen is the record rendered. */
	if ((rc = monev_record_json(c, a->id, &r)) != TK_OK)
		goto out;
	if (strcmp(json_string_value(json_object_get(r, "state")), "draft") != 0) {
		rc = tk_fail_code(TK_ERR_CONFLICT, "minutes_frozen", "the minutes of evaluation %lld are frozen already", (long long)a->id);
		goto out;
	}
	if ((rc = render(c, r, &a->pdf)) != TK_OK)
		goto out;
	sha256_hex(a->pdf.p, a->pdf.len, a->sha);
	if ((rc = store_prepare(c->st, "UPDATE evaluations SET state = 'frozen', frozen_pdf = ?, frozen_sha256 = ?, frozen_by = ?, frozen_at = ?,"
				       " updated_at = ? WHERE id = ? AND state = 'draft'",
		 &s)) != TK_OK ||
	    (rc = store_bind_blob(s, 1, a->pdf.p, a->pdf.len)) != TK_OK || (rc = store_bind_text(s, 2, a->sha)) != TK_OK ||
	    (rc = store_bind_text(s, 3, c->actor.user)) != TK_OK || (rc = store_bind_i64(s, 4, tk_now())) != TK_OK ||
	    (rc = store_bind_i64(s, 5, tk_now())) != TK_OK || (rc = store_bind_i64(s, 6, a->id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	{
		char obj[48], *d = NULL;
		if ((rc = str_fmt(obj, sizeof(obj), "evaluation:%lld", (long long)a->id)) != TK_OK ||
		    (rc = svc_json_dump(json_pack("{s:s, s:I}", "sha256", a->sha, "size", (json_int_t)a->pdf.len), &d)) != TK_OK)
			goto out;
		rc = audit_append(c, "monev.minutes.freeze", obj, d);
		free(d);
	}
out:
	store_finalize(s);
	json_decref(r);
	return rc;
}

enum tk_err monev_minutes_freeze(struct svc_ctx *c, int64_t id, char **out)
{
	struct freeze_arg a;
	enum tk_err rc;

	if ((rc = monev_allowed(c)) != TK_OK)
		return rc;
	memset(&a, 0, sizeof(a));
	a.id = id;
	buf_init(&a.pdf, PDFGEN_MAX_BYTES);
	if ((rc = svc_in_tx(c, freeze_tx, &a)) == TK_OK)
		rc = monev_get(c, id, out);
	buf_free(&a.pdf);
	return rc;
}

/* The current minutes bytes and how many signatures they carry (0 frozen, 1, 2); TK_ERR_CONFLICT for a draft. */
static enum tk_err current_pdf(struct svc_ctx *c, int64_t id, struct buf *out, int64_t *nsigned, char sha[65])
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	if ((rc = store_prepare(c->st, "SELECT e.state, COALESCE((SELECT g.pdf FROM evaluation_signatures g WHERE g.evaluation_id = e.id"
				       " ORDER BY g.seq DESC LIMIT 1), e.frozen_pdf), (SELECT COUNT(*) FROM evaluation_signatures g WHERE g.evaluation_id = e.id)"
				       " FROM evaluations e WHERE e.id = ?",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	if (!row) {
		rc = tk_fail_code(TK_ERR_NOT_FOUND, "unknown_evaluation", "no evaluation %lld", (long long)id);
		goto out;
	}
	if (strcmp(store_col_text(s, 0), "draft") == 0) {
		rc = tk_fail_code(TK_ERR_CONFLICT, "minutes_not_frozen", "the minutes of evaluation %lld are a draft: freeze them first", (long long)id);
		goto out;
	}
	{
		size_t len = 0;
		const uint8_t *p = store_col_blob(s, 1, &len);
		*nsigned = store_col_i64(s, 2);
		if ((rc = buf_append(out, p, len)) != TK_OK)
			goto out;
		sha256_hex(p, len, sha);
	}
out:
	store_finalize(s);
	return rc;
}

enum tk_err monev_minutes_pdf(struct svc_ctx *c, int64_t id, struct buf *out)
{
	int64_t n = 0;
	char sha[65];
	enum tk_err rc;

	if ((rc = monev_allowed(c)) != TK_OK)
		return rc;
	return current_pdf(c, id, out, &n, sha);
}

/* What an accepted upload records. */
struct upload_arg {
	int64_t id, seq;
	const uint8_t *p;
	size_t len;
	char prev_sha[65], sha[65];
	const struct verify_sig *sig;
	const char *indication;
};

static enum tk_err upload_tx(struct svc_ctx *c, void *arg)
{
	static const char *const next_state[3] = { "", "signed_by_first", "signed_by_both" };
	struct upload_arg *a = arg;
	struct store_stmt *s = NULL;
	struct buf cur;
	char sha[65];
	int64_t n = 0;
	int row;
	enum tk_err rc;

	/* Nobody else uploaded in between: the file checked is still the current one. */
	buf_init(&cur, MONEV_MAX_UPLOAD);
	if ((rc = current_pdf(c, a->id, &cur, &n, sha)) != TK_OK)
		goto out;
	if (n + 1 != a->seq || strcmp(sha, a->prev_sha) != 0) {
		rc = tk_fail_code(TK_ERR_CONFLICT, "minutes_changed", "the minutes of evaluation %lld changed while this upload was checked: upload again",
		    (long long)a->id);
		goto out;
	}
	if ((rc = store_prepare(c->st, "INSERT INTO evaluation_signatures (evaluation_id, seq, pdf, sha256, signer, signer_dn, issuer_dn, cert_serial,"
				       " signing_time, indication, uploaded_by, uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		 &s)) != TK_OK ||
	    (rc = store_bind_i64(s, 1, a->id)) != TK_OK || (rc = store_bind_i64(s, 2, a->seq)) != TK_OK ||
	    (rc = store_bind_blob(s, 3, a->p, a->len)) != TK_OK || (rc = store_bind_text(s, 4, a->sha)) != TK_OK ||
	    (rc = store_bind_text(s, 5, a->sig->signer)) != TK_OK || (rc = store_bind_text(s, 6, a->sig->signer_dn)) != TK_OK ||
	    (rc = store_bind_text(s, 7, a->sig->issuer_dn)) != TK_OK || (rc = store_bind_text(s, 8, a->sig->serial)) != TK_OK ||
	    (rc = a->sig->has_signing_time ? store_bind_i64(s, 9, a->sig->signing_time) : store_bind_null(s, 9)) != TK_OK ||
	    (rc = store_bind_text(s, 10, a->indication)) != TK_OK || (rc = store_bind_text(s, 11, c->actor.user)) != TK_OK ||
	    (rc = store_bind_i64(s, 12, tk_now())) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	store_finalize(s);
	s = NULL;
	if ((rc = store_prepare(c->st, "UPDATE evaluations SET state = ?, updated_at = ? WHERE id = ?", &s)) != TK_OK ||
	    (rc = store_bind_text(s, 1, next_state[a->seq])) != TK_OK || (rc = store_bind_i64(s, 2, tk_now())) != TK_OK ||
	    (rc = store_bind_i64(s, 3, a->id)) != TK_OK || (rc = store_step(s, &row)) != TK_OK)
		goto out;
	{
		char obj[48], *d = NULL;
		if ((rc = str_fmt(obj, sizeof(obj), "evaluation:%lld", (long long)a->id)) != TK_OK ||
		    (rc = svc_json_dump(json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "seq", (json_int_t)a->seq, "sha256", a->sha, "signer", a->sig->signer,
					    "issuer", a->sig->issuer_dn, "serial", a->sig->serial, "indication", a->indication),
			 &d)) != TK_OK)
			goto out;
		rc = audit_append(c, "monev.minutes.sign", obj, d);
		free(d);
	}
out:
	store_finalize(s);
	buf_free(&cur);
	return rc;
}

enum tk_err monev_minutes_upload(struct svc_ctx *c, int64_t id, const uint8_t *p, size_t len, char **out)
{
	struct upload_arg a;
	struct verify_report *r = NULL;
	struct buf cur;
	int64_t n = 0;
	enum tk_err rc;

	if ((rc = monev_allowed(c)) != TK_OK)
		return rc;
	if (len > MONEV_MAX_UPLOAD)
		return tk_fail_code(TK_ERR_LIMIT, "too_large", "signed minutes larger than %u bytes", MONEV_MAX_UPLOAD);
	memset(&a, 0, sizeof(a));
	buf_init(&cur, MONEV_MAX_UPLOAD);
	if ((rc = current_pdf(c, id, &cur, &n, a.prev_sha)) != TK_OK)
		goto out;
	if (n >= 2) {
		rc = tk_fail_code(TK_ERR_CONFLICT, "minutes_signed", "the minutes of evaluation %lld carry both parties' signatures already", (long long)id);
		goto out;
	}
	/* The upload is the current file plus one more signature (the check the review report shares). */
	if ((rc = verify_svc_extension(c, "minutes", cur.p, cur.len, p, len, n + 1, &r, &a.sig)) != TK_OK)
		goto out;
	a.id = id;
	a.seq = n + 1;
	a.p = p;
	a.len = len;
	a.indication = verify_ind_name(a.sig->ind);
	sha256_hex(p, len, a.sha);
	if ((rc = svc_in_tx(c, upload_tx, &a)) == TK_OK)
		rc = monev_get(c, id, out);
out:
	verify_report_free(r);
	buf_free(&cur);
	return rc;
}

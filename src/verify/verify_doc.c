/*
 * The printable validation report: what it says, in which order, in
 * Indonesian first and English beside (verify_doc.h). A simple report for
 * anyone (verdict, who signed, when, at which level, what changed later),
 * then the detailed report with what the validation rests on (ETSI EN 319
 * 102-1 building blocks, chain, revocation data, timestamps, revisions).
 */
#include "verify/verify_doc.h"

#include <stdio.h>
#include <string.h>

#define T_SIZE 4096 /* one formatted cell; the report's own fields are far shorter */

struct w {
	const struct vdoc_sink *s;
	const struct verify_report *r;
	const struct verify_doc_info *info;
};

static const char *dash(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : "-";
}

static void when(int64_t t, char out[96])
{
	char wib[48], utc[32];

	if (t <= 0) {
		snprintf(out, 96, "-");
		return;
	}
	time_wib(t, wib);
	time_iso_utc(t, utc);
	snprintf(out, 96, "%s\n%s", wib, utc);
}

static enum vdoc_tone tone_of(enum verify_ind i)
{
	return i == VERIFY_TOTAL_PASSED ? VDOC_OK : i == VERIFY_TOTAL_FAILED ? VDOC_BAD
									     : VDOC_WARN;
}

static enum tk_err kv(struct w *w, const char *k, const char *v)
{
	const char *cells[2] = { k, dash(v) };
	return w->s->row(w->s->arg, cells, VDOC_PLAIN);
}

static enum tk_err kv_begin(struct w *w)
{
	static const double widths[2] = { 0.32, 0.68 };
	return w->s->table_begin(w->s->arg, 2, widths, NULL);
}

/* The kinds of change after signature s (all later revisions), as lines. */
static unsigned kinds_after(const struct verify_report *r, const struct verify_sig *s)
{
	unsigned after = 0;
	size_t j;

	for (j = 0; j < r->nchanges; j++)
		if (s->revision != SIZE_MAX && r->changes[j].revision > s->revision)
			after |= r->changes[j].kinds;
	return after;
}

static void kinds_text(unsigned kinds, char *out, size_t n)
{
	unsigned bit;
	size_t len = 0;

	out[0] = '\0';
	for (bit = 1; bit <= VERIFY_MOD_UNANALYSED; bit <<= 1)
		if (kinds & bit) {
			int k = snprintf(out + len, n - len, "%s%s", len ? "\n" : "", verify_mod_text(bit));
			if (k < 0 || (size_t)k >= n - len)
				break;
			len += (size_t)k;
		}
	if (len == 0)
		snprintf(out, n, "tidak ada / none");
}

static const char *bb_label(enum verify_bb b)
{
	switch (b) {
	case VERIFY_BB_FC: return "Pemeriksaan format / Format checking (FC)";
	case VERIFY_BB_ISC: return "Identifikasi sertifikat penanda tangan / Identification of the signing certificate (ISC)";
	case VERIFY_BB_XCV: return "Validasi sertifikat X.509 / X.509 certificate validation (XCV)";
	case VERIFY_BB_CV: return "Verifikasi kriptografis / Cryptographic verification (CV)";
	case VERIFY_BB_SAV: return "Penerimaan tanda tangan / Signature acceptance validation (SAV)";
	case VERIFY_BB_TS: return "Cap waktu dan bukti keberadaan / Timestamps and proof of existence";
	case VERIFY_BB_MDP: return "Perubahan setelah ditandatangani / Modifications after signing (DocMDP)";
	default: return "?";
	}
}

static const char *bb_result(enum verify_ind i)
{
	switch (i) {
	case VERIFY_TOTAL_PASSED: return "LULUS / PASSED";
	case VERIFY_TOTAL_FAILED: return "GAGAL / FAILED";
	default: return "BELUM PASTI / INDETERMINATE";
	}
}

static const char *rev_text(enum verify_rev_status s)
{
	switch (s) {
	case VERIFY_REV_GOOD: return "baik (tidak dicabut) / good (not revoked)";
	case VERIFY_REV_REVOKED: return "DICABUT / REVOKED";
	case VERIFY_REV_UNKNOWN: return "tidak diketahui / unknown";
	default: return "tidak diperiksa / not checked";
	}
}

static enum tk_err header(struct w *w)
{
	const struct verify_report *r = w->r;
	const struct vdoc_sink *s = w->s;
	char t[T_SIZE], tm[96];
	enum tk_err rc;

	if ((rc = s->heading(s->arg, 1, "Laporan Verifikasi Tanda Tangan Elektronik")) != TK_OK ||
	    (rc = s->para(s->arg, "Electronic Signature Validation Report", 0)) != TK_OK)
		return rc;
	if (s->pdf && w->info->sealed)
		snprintf(t, sizeof(t),
		    "Laporan ini ditandatangani secara elektronik dengan segel instans %s. Periksa tanda tangannya (mis. di %s/verify) "
		    "untuk memastikan isinya tidak diubah.\nThis report is electronically sealed by the instance %s. Check its signature "
		    "(e.g. at %s/verify) to make sure its content was not changed.",
		    dash(w->info->verifier), dash(w->info->verifier), dash(w->info->verifier), dash(w->info->verifier));
	else if (s->pdf)
		snprintf(t, sizeof(t), "LAPORAN INI TIDAK DITANDATANGANI. Laporan dibuat tanpa instans teken, sehingga tidak dapat "
				       "membuktikan keasliannya sendiri.\nTHIS REPORT IS NOT SIGNED. It was produced without a teken instance "
				       "and cannot prove its own authenticity.");
	else
		snprintf(t, sizeof(t), "Laporan HTML ini tidak ditandatangani; sebagai bukti bagi pihak ketiga gunakan laporan PDF yang "
				       "bersegel.\nThis HTML report is not signed; to show a third party, use the sealed PDF report.");
	if ((rc = s->notice(s->arg, s->pdf && w->info->sealed ? VDOC_INFO : VDOC_WARN,
		 s->pdf && w->info->sealed ? "Laporan bersegel / Sealed report" : "Tidak ditandatangani / Not signed", t)) != TK_OK)
		return rc;
	if ((rc = s->heading(s->arg, 2, "Dokumen yang diperiksa / Document examined")) != TK_OK || (rc = kv_begin(w)) != TK_OK ||
	    (rc = kv(w, "Nama berkas / File name", w->info->file)) != TK_OK || (rc = kv(w, "SHA-256", r->sha256)) != TK_OK)
		return rc;
	snprintf(t, sizeof(t), "%zu byte / bytes", r->size);
	if ((rc = kv(w, "Ukuran / Size", t)) != TK_OK)
		return rc;
	if (r->cades)
		snprintf(t, sizeof(t), "Tanda tangan CAdES terpisah / Detached CAdES signature");
	else
		snprintf(t, sizeof(t), "PDF %u.%u, %zu revisi / revisions", r->pdf_major, r->pdf_minor, r->nrevisions);
	if ((rc = kv(w, "Format", t)) != TK_OK)
		return rc;
	when(r->validation_time, tm);
	if ((rc = kv(w, "Waktu validasi / Validation time", tm)) != TK_OK)
		return rc;
	snprintf(t, sizeof(t), "%s", w->info->verifier ? w->info->verifier : "teken verify (tanpa instans / no instance)");
	if ((rc = kv(w, "Pemverifikasi / Verifier", t)) != TK_OK)
		return rc;
	if (w->info->registry_url != NULL &&
	    (rc = kv(w, "Catatan registri / Registry record", w->info->registry_url)) != TK_OK)
		return rc;
	if ((rc = kv(w, "Model validasi / Validation model",
		 "ETSI EN 319 102-1 (indikasi dan sub-indikasi / indications and sub-indications), PAdES ETSI EN 319 142-1")) != TK_OK)
		return rc;
	return s->table_end(s->arg);
}

static enum tk_err simple(struct w *w)
{
	static const double widths[6] = { 0.045, 0.22, 0.22, 0.19, 0.155, 0.17 };
	static const char *const head[6] = { "No", "Penanda tangan / Signer", "Waktu / Time", "Level", "Hasil / Result",
		"Perubahan setelahnya / Changes after" };
	const struct verify_report *r = w->r;
	const struct vdoc_sink *s = w->s;
	const char *id, *en, *title;
	char t[T_SIZE];
	size_t i;
	enum tk_err rc;

	if ((rc = s->heading(s->arg, 2, "1. Laporan ringkas / Simple report")) != TK_OK)
		return rc;
	verify_summary(r, &id, &en);
	title = r->no_signature                                             ? "TIDAK ADA TANDA TANGAN / NO SIGNATURE"
		: r->ind == VERIFY_TOTAL_PASSED && r->changed_after_signing ? "SAH, TETAPI DIUBAH SETELAH DITANDATANGANI / VALID, BUT CHANGED AFTER SIGNING"
									    : verify_ind_text(r->ind);
	/* The verdict names the document it is about. */
	snprintf(t, sizeof(t), "%s\n%s\nSHA-256: %s", id, en, r->sha256);
	if ((rc = s->notice(s->arg, r->no_signature ? VDOC_WARN : r->changed_after_signing && r->ind == VERIFY_TOTAL_PASSED ? VDOC_WARN
															    : tone_of(r->ind),
		 title, t)) != TK_OK)
		return rc;
	if (r->notice[0] && (rc = s->notice(s->arg, VDOC_WARN, "Catatan / Note", r->notice)) != TK_OK)
		return rc;
	if (r->damage[0]) {
		snprintf(t, sizeof(t), "Struktur PDF rusak dan harus diperbaiki saat dibaca / The PDF structure is damaged and was repaired "
				       "when read: %s",
		    r->damage);
		if ((rc = s->notice(s->arg, VDOC_WARN, "Peringatan / Warning", t)) != TK_OK)
			return rc;
	}
	if (r->no_signature)
		return s->para(s->arg,
		    "Berkas ini tidak memuat tanda tangan elektronik yang dapat diperiksa, jadi tidak ada yang dapat dinyatakan sah. / "
		    "This file holds no electronic signature that can be checked, so nothing can be declared valid.",
		    0);
	if ((rc = s->table_begin(s->arg, 6, widths, head)) != TK_OK)
		return rc;
	for (i = 0; i < r->nsigs; i++) {
		const struct verify_sig *g = &r->sigs[i];
		char no[16], who[600], tm[200], lvl[80], res[600], ch[1200];
		const char *cells[6] = { no, who, tm, lvl, res, ch };
		snprintf(no, sizeof(no), "%zu", g->index);
		if (g->doc_timestamp)
			snprintf(who, sizeof(who), "%s\n(cap waktu dokumen / document timestamp)", dash(g->signer));
		else
			snprintf(who, sizeof(who), "%s", dash(g->signer));
		if (g->poe && !g->doc_timestamp) {
			char a[96];
			when(g->best_signature_time, a);
			snprintf(tm, sizeof(tm), "%s\n(terbukti oleh cap waktu / proven by a timestamp)", a);
		} else if (g->has_signing_time) {
			char a[96];
			when(g->signing_time, a);
			snprintf(tm, sizeof(tm), "%s%s", a, g->doc_timestamp ? "" : "\n(klaim penanda tangan / claimed by the signer)");
		} else {
			snprintf(tm, sizeof(tm), "-");
		}
		snprintf(lvl, sizeof(lvl), "%s", dash(g->level));
		snprintf(res, sizeof(res), "%s%s%s", verify_ind_text(g->ind), g->sub ? "\n" : "", verify_sub_text(g->sub));
		if (r->cades)
			snprintf(ch, sizeof(ch), "-");
		else
			kinds_text(kinds_after(r, g), ch, sizeof(ch));
		if ((rc = s->row(s->arg, cells, tone_of(g->ind))) != TK_OK)
			return rc;
	}
	return s->table_end(s->arg);
}

static enum tk_err signature(struct w *w, const struct verify_sig *g)
{
	const struct verify_report *r = w->r;
	const struct vdoc_sink *s = w->s;
	char t[T_SIZE], a[96], b[96];
	size_t i;
	enum tk_err rc;

	snprintf(t, sizeof(t), "%s %zu: %s", g->doc_timestamp ? "Cap waktu dokumen / Document timestamp" : "Tanda tangan / Signature", g->index,
	    dash(g->field));
	if ((rc = s->heading(s->arg, 3, t)) != TK_OK || (rc = kv_begin(w)) != TK_OK)
		return rc;
	snprintf(t, sizeof(t), "%s (%s%s%s)", verify_ind_text(g->ind), verify_ind_name(g->ind), g->sub ? ", " : "", verify_sub_name(g->sub));
	if ((rc = kv(w, "Hasil / Result", t)) != TK_OK)
		return rc;
	if (g->sub && (rc = kv(w, "Sebab / Reason for the result", verify_sub_text(g->sub))) != TK_OK)
		return rc;
	if ((rc = kv(w, "Rincian / Details", g->msg)) != TK_OK ||
	    (rc = kv(w, g->doc_timestamp ? "Penerbit cap waktu / Timestamp authority" : "Penanda tangan / Signer", g->signer)) != TK_OK ||
	    (rc = kv(w, "Subjek sertifikat / Certificate subject", g->signer_dn)) != TK_OK ||
	    (rc = kv(w, "Penerbit sertifikat / Certificate issuer", g->issuer_dn)) != TK_OK ||
	    (rc = kv(w, "Nomor seri / Serial number", g->serial)) != TK_OK)
		return rc;
	when(g->not_before, a);
	when(g->not_after, b);
	snprintf(t, sizeof(t), "%s\ns.d. / until\n%s", a, b);
	if ((rc = kv(w, "Masa berlaku sertifikat / Certificate validity", g->not_before ? t : NULL)) != TK_OK)
		return rc;
	snprintf(t, sizeof(t), "%s, %s, %s", dash(g->key), dash(g->digest), dash(g->sig_alg));
	if ((rc = kv(w, "Kunci, hash, algoritme / Key, digest, algorithm", t)) != TK_OK)
		return rc;
	if (g->has_signing_time) {
		when(g->signing_time, a);
		snprintf(t, sizeof(t), "%s\n(%s)", a, dash(g->signing_time_source));
	}
	if ((rc = kv(w, "Waktu penandatanganan (klaim) / Signing time (claimed)", g->has_signing_time ? t : NULL)) != TK_OK)
		return rc;
	when(g->best_signature_time, a);
	snprintf(t, sizeof(t), "%s\n%s", a,
	    g->poe ? "bukti keberadaan dari cap waktu / proof of existence from a timestamp" : "tanpa bukti keberadaan / no proof of existence");
	if ((rc = kv(w, "Waktu validasi penanda tangan / Best signature time", t)) != TK_OK)
		return rc;
	snprintf(t, sizeof(t), "%s%s%s", dash(g->level), g->level_note[0] ? "\n" : "", g->level_note);
	if ((rc = kv(w, "Level", t)) != TK_OK)
		return rc;
	if (!r->cades) {
		snprintf(t, sizeof(t), "%s; /ByteRange [%lld %lld %lld %lld]; %s", dash(g->subfilter), (long long)g->byte_range[0],
		    (long long)g->byte_range[1], (long long)g->byte_range[2], (long long)g->byte_range[3],
		    g->covers_whole_document ? "mencakup seluruh dokumen / covers the whole document"
					     : "tidak mencakup seluruh dokumen / does not cover the whole document");
		if ((rc = kv(w, "Format", t)) != TK_OK)
			return rc;
		if (g->revision != SIZE_MAX) {
			snprintf(t, sizeof(t), "%zu / %zu", g->revision + 1, r->nrevisions);
			if ((rc = kv(w, "Revisi / Revision", t)) != TK_OK)
				return rc;
		}
		if (g->docmdp) {
			snprintf(t, sizeof(t), "DocMDP P=%d", g->docmdp);
			if ((rc = kv(w, "Sertifikasi / Certification", t)) != TK_OK)
				return rc;
		}
	}
	if ((g->reason[0] && (rc = kv(w, "Alasan / Reason", g->reason)) != TK_OK) ||
	    (g->location[0] && (rc = kv(w, "Lokasi / Location", g->location)) != TK_OK) ||
	    (g->name[0] && (rc = kv(w, "Nama (/Name) / Name", g->name)) != TK_OK))
		return rc;
	if ((rc = s->table_end(s->arg)) != TK_OK)
		return rc;

	/* Building blocks. */
	{
		static const double widths[3] = { 0.34, 0.2, 0.46 };
		static const char *const head[3] = { "Blok validasi / Building block", "Hasil / Result", "Keterangan / Message" };
		if ((rc = s->para(s->arg, "Blok validasi (ETSI EN 319 102-1) / Validation building blocks", VDOC_LABEL)) != TK_OK ||
		    (rc = s->table_begin(s->arg, 3, widths, head)) != TK_OK)
			return rc;
		for (i = 0; i < VERIFY_BB_COUNT_; i++) {
			const struct verify_block *bk = &g->bb[i];
			char res[200];
			const char *cells[3] = { bb_label((enum verify_bb)i), res, bk->done ? dash(bk->msg) : "-" };
			if (bk->done)
				snprintf(res, sizeof(res), "%s%s%s", bb_result(bk->ind), bk->sub ? "\n" : "", verify_sub_name(bk->sub));
			else
				snprintf(res, sizeof(res), "tidak dijalankan / not run");
			if ((rc = s->row(s->arg, cells, bk->done ? tone_of(bk->ind) : VDOC_PLAIN)) != TK_OK)
				return rc;
		}
		if ((rc = s->table_end(s->arg)) != TK_OK)
			return rc;
	}

	/* Chain and revocation. */
	if (g->nchain > 0) {
		static const double widths[2] = { 0.18, 0.82 };
		static const char *const head[2] = { "Posisi / Position", "Subjek / Subject" };
		if ((rc = s->para(s->arg, "Rantai sertifikat / Certificate chain", VDOC_LABEL)) != TK_OK || (rc = s->table_begin(s->arg, 2, widths, head)) != TK_OK)
			return rc;
		for (i = 0; i < g->nchain; i++) {
			char pos[96];
			const char *cells[2] = { pos, g->chain[i] };
			snprintf(pos, sizeof(pos), "%zu%s", i + 1,
			    i == 0 ? " penanda tangan / signer" : i + 1 == g->nchain ? " jangkar kepercayaan / trust anchor"
										     : " CA");
			if ((rc = s->row(s->arg, cells, VDOC_PLAIN)) != TK_OK)
				return rc;
		}
		if ((rc = s->table_end(s->arg)) != TK_OK)
			return rc;
	}
	if ((rc = s->para(s->arg, "Data pencabutan yang digunakan / Revocation data used", VDOC_LABEL)) != TK_OK || (rc = kv_begin(w)) != TK_OK ||
	    (rc = kv(w, "Status", rev_text(g->rev))) != TK_OK || (rc = kv(w, "Sumber / Source", g->rev_source)) != TK_OK)
		return rc;
	when(g->best_signature_time, a);
	if ((rc = kv(w, "Diperiksa untuk waktu / Checked for the time", g->rev != VERIFY_REV_NOT_CHECKED ? a : NULL)) != TK_OK)
		return rc;
	if (g->rev == VERIFY_REV_REVOKED) {
		when(g->revoked_at, a);
		snprintf(t, sizeof(t), "%s (RFC 5280 CRLReason %d)", a, g->revoked_reason);
		if ((rc = kv(w, "Dicabut pada / Revoked at", t)) != TK_OK)
			return rc;
	}
	if (!r->cades &&
	    (rc = kv(w, "Dalam DSS dokumen / In the document's DSS", g->rev_in_dss ? "ya / yes (B-LT)" : "tidak / no")) != TK_OK)
		return rc;
	if ((rc = s->table_end(s->arg)) != TK_OK)
		return rc;

	/* Timestamps. */
	if (g->nts > 0 || g->covering_doc_ts > 0) {
		static const double widths[5] = { 0.16, 0.2, 0.22, 0.22, 0.2 };
		static const char *const head[5] = { "Jenis / Type", "Hasil / Result", "Waktu (genTime) / Time", "TSA", "Keterangan / Message" };
		if ((rc = s->para(s->arg, "Cap waktu / Timestamps", VDOC_LABEL)) != TK_OK || (rc = s->table_begin(s->arg, 5, widths, head)) != TK_OK)
			return rc;
		for (i = 0; i < g->nts; i++) {
			const struct verify_ts *ts = &g->ts[i];
			char res[200], msg[600];
			const char *cells[5] = { ts->document ? "dokumen / document" : "tanda tangan / signature", res, a, ts->tsa, msg };
			snprintf(res, sizeof(res), "%s%s%s", bb_result(ts->ind), ts->sub ? "\n" : "", verify_sub_name(ts->sub));
			when(ts->gen_time, a);
			snprintf(msg, sizeof(msg), "%s%s%s", ts->md[0] ? ts->md : "", ts->md[0] && ts->msg[0] ? "; " : "", ts->msg);
			if ((rc = s->row(s->arg, cells, tone_of(ts->ind))) != TK_OK)
				return rc;
		}
		if (g->covering_doc_ts > 0) {
			char n[96];
			const char *cells[5] = { "dokumen / document", "-", "-", "-", n };
			snprintf(n, sizeof(n), "%zu cap waktu dokumen mencakupnya / document timestamps cover it", g->covering_doc_ts);
			if ((rc = s->row(s->arg, cells, VDOC_PLAIN)) != TK_OK)
				return rc;
		}
		if ((rc = s->table_end(s->arg)) != TK_OK)
			return rc;
	}
	return TK_OK;
}

static enum tk_err document_level(struct w *w)
{
	const struct verify_report *r = w->r;
	const struct vdoc_sink *s = w->s;
	char t[T_SIZE];
	size_t i;
	enum tk_err rc;

	if (r->cades)
		return TK_OK;
	if ((rc = s->heading(s->arg, 3, "Tingkat dokumen / Document level")) != TK_OK || (rc = kv_begin(w)) != TK_OK)
		return rc;
	snprintf(t, sizeof(t), "%zu", r->nrevisions);
	if ((rc = kv(w, "Revisi / Revisions", t)) != TK_OK)
		return rc;
	if (r->certified)
		snprintf(t, sizeof(t), "ya, DocMDP P=%d / yes, DocMDP P=%d", r->certified, r->certified);
	else
		snprintf(t, sizeof(t), "tidak / no");
	if ((rc = kv(w, "Dokumen tersertifikasi / Certified document", t)) != TK_OK ||
	    (rc = kv(w, "Diubah setelah ditandatangani / Changed after signing",
		 r->changed_after_signing ? "YA: ada perubahan selain tanda tangan, data validasi atau cap waktu / YES: changes other than "
					    "signatures, validation data or timestamps"
					  : "tidak / no")) != TK_OK ||
	    (rc = kv(w, "Kerusakan struktur / Structural damage", r->damage[0] ? r->damage : "tidak ada / none")) != TK_OK ||
	    (rc = s->table_end(s->arg)) != TK_OK)
		return rc;
	if (r->nchanges > 0) {
		static const double widths[4] = { 0.12, 0.2, 0.3, 0.38 };
		static const char *const head[4] = { "Revisi / Revision", "Byte", "Jenis / Kind", "Rincian / Details" };
		if ((rc = s->para(s->arg, "Revisi setelah tanda tangan pertama / Revisions after the first signature", VDOC_LABEL)) != TK_OK ||
		    (rc = s->table_begin(s->arg, 4, widths, head)) != TK_OK)
			return rc;
		for (i = 0; i < r->nchanges; i++) {
			const struct verify_change *c = &r->changes[i];
			char rev[64], bytes[96], kinds[1200], det[VERIFY_MAX_DETAILS * 124];
			const char *cells[4] = { rev, bytes, kinds, det };
			size_t j, len = 0;
			unsigned bad = c->kinds & ~verify_docmdp_allowed(r->certified);
			if (c->kinds & VERIFY_MOD_APPENDED)
				snprintf(rev, sizeof(rev), "-");
			else
				snprintf(rev, sizeof(rev), "%zu", c->revision + 1);
			snprintf(bytes, sizeof(bytes), "%zu-%zu", c->start, c->end);
			kinds_text(c->kinds, kinds, sizeof(kinds));
			det[0] = '\0';
			for (j = 0; j < c->ndetails && j < VERIFY_MAX_DETAILS; j++) {
				int k = snprintf(det + len, sizeof(det) - len, "%s%s", len ? "\n" : "", c->details[j]);
				if (k < 0 || (size_t)k >= sizeof(det) - len)
					break;
				len += (size_t)k;
			}
			bad &= ~(unsigned)(VERIFY_MOD_SIGNATURE | VERIFY_MOD_DSS | VERIFY_MOD_DOC_TIMESTAMP);
			if ((rc = s->row(s->arg, cells, bad ? VDOC_WARN : VDOC_PLAIN)) != TK_OK)
				return rc;
		}
		if ((rc = s->table_end(s->arg)) != TK_OK)
			return rc;
	}
	return TK_OK;
}

enum tk_err vdoc_walk(const struct verify_report *r, const struct verify_doc_info *info, const struct vdoc_sink *s)
{
	struct w w = { s, r, info };
	size_t i;
	enum tk_err rc;

	if ((rc = header(&w)) != TK_OK || (rc = simple(&w)) != TK_OK)
		return rc;
	if ((rc = s->heading(s->arg, 2, "2. Laporan rinci / Detailed report")) != TK_OK)
		return rc;
	for (i = 0; i < r->nsigs; i++)
		if ((rc = signature(&w, &r->sigs[i])) != TK_OK)
			return rc;
	if (r->nsigs == 0 &&
	    (rc = s->para(s->arg, "Tidak ada tanda tangan yang diperiksa. / No signature was examined.", 0)) != TK_OK)
		return rc;
	if ((rc = document_level(&w)) != TK_OK)
		return rc;
	return s->para(s->arg,
	    "Indikasi dan sub-indikasi mengikuti ETSI EN 319 102-1: SAH (TOTAL_PASSED), TIDAK SAH (TOTAL_FAILED), BELUM DAPAT DIPASTIKAN "
	    "(INDETERMINATE). Waktu ditampilkan dalam WIB (UTC+7) dan UTC. / Indications and sub-indications follow ETSI EN 319 102-1. "
	    "Times are shown in WIB (UTC+7) and UTC.",
	    VDOC_SMALL);
}

/*
 * The usage report as a PDF in Indonesian (docs/reports.md, "PDF") with
 * src/pdfgen: a cover naming both parties of the agreement and its
 * numbers ("belum diisi" when teken.conf has none), the year, the scope
 * and the time it was made (WIB); the year's figures under Indonesian
 * labels; monthly charts drawn as vector graphics and the monthly
 * figures; tables per unit, per application, of revocations by reason,
 * refused signing by cause and of each Verifikator; the R8 statement on
 * the cover and at the end. Unsigned: the caller seals it.
 *
 * Names from the report (units, applications, people) are cut at
 * PDF_MAX_NAME_CHARS characters with an ellipsis and wrap inside their
 * cells, so nothing is drawn off the page.
 */
#include "svc/report/report_int.h"
#include "svc/report/render.h"
#include "pdfgen/pdfgen.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PDF_MAX_NAME_CHARS 160u /* characters of a name in a table */

static const char *const month_short[12] = { "Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des" };
static const char *const month_long[12] = { "Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
	"Oktober", "November", "Desember" };

/* Indonesian labels of the documented figures, and the summary group each belongs to. */
static const struct {
	const char *key, *label;
	int group;
} labels[] = {
	{ "certificates_issued", "Sertifikat diterbitkan (termasuk pembaruan)", 0 },
	{ "certificates_renewed", "Sertifikat pembaruan (pejabat yang sudah memiliki sertifikat)", 0 },
	{ "certificates_revoked", "Sertifikat dicabut", 0 },
	{ "certificates_suspended", "Penangguhan sertifikat", 0 },
	{ "certificates_active", "Sertifikat aktif pada akhir tahun", 0 },
	{ "certificates_expiring_next_year", "Sertifikat aktif yang berakhir pada tahun berikutnya", 0 },
	{ "documents_signed", "Dokumen ditandatangani", 1 },
	{ "documents_pades", "Dokumen PAdES (PDF)", 1 },
	{ "documents_cades", "Dokumen CAdES", 1 },
	{ "documents_visible", "Dengan tanda tangan tampak", 1 },
	{ "documents_invisible", "Tanpa tanda tangan tampak", 1 },
	{ "documents_by_official", "Ditandatangani pejabat", 1 },
	{ "documents_by_seal", "Dengan segel elektronik", 1 },
	{ "documents_level_b_b", "Tingkat PAdES/CAdES B-B", 1 },
	{ "documents_level_b_t", "Tingkat B-T (dengan cap waktu)", 1 },
	{ "documents_level_b_lt", "Tingkat B-LT (validasi jangka panjang)", 1 },
	{ "documents_level_b_lta", "Tingkat B-LTA (dengan cap waktu arsip)", 1 },
	{ "verifications", "Verifikasi (semua kanal)", 2 },
	{ "verifications_web", "Verifikasi melalui halaman web publik", 2 },
	{ "verifications_api", "Verifikasi melalui API", 2 },
	{ "verifications_qr", "Verifikasi melalui kode QR", 2 },
	{ "verifications_bsre", "Verifikasi melalui layanan kompatibel BSrE", 2 },
	{ "ocsp_requests", "Permintaan OCSP", 3 },
	{ "tsa_requests", "Permintaan cap waktu (TSA)", 3 },
	{ "crl_requests", "Permintaan CRL", 3 },
	{ "signing_failures", "Penandatanganan yang ditolak atau gagal", 4 },
	{ "verifikator_approvals", "Persetujuan Verifikator", 4 },
	{ "verifikator_rejections", "Penolakan Verifikator", 4 },
	{ REPORT_MEDIAN_KEY, "Median waktu keputusan Verifikator", 4 },
	{ "support_tickets", "Tiket dukungan", 5 },
	{ "training_events", "Kegiatan pelatihan", 5 },
	{ "training_participants", "Peserta pelatihan", 5 },
};
static const char *const group_titles[7] = { "Sertifikat elektronik", "Dokumen yang ditandatangani", "Verifikasi", "Layanan daring (OCSP, TSA, CRL)",
	"Penandatanganan dan Verifikator", "Dukungan dan pelatihan", "Angka lain" };

/* RFC 5280 5.3.1 reason names in Indonesian. */
static const struct {
	const char *name, *label;
} reasons[] = {
	{ "unspecified", "Tidak disebutkan" },
	{ "keyCompromise", "Kunci privat bocor" },
	{ "cACompromise", "Kunci CA bocor" },
	{ "affiliationChanged", "Perubahan jabatan atau unit" },
	{ "superseded", "Digantikan sertifikat baru" },
	{ "cessationOfOperation", "Tidak digunakan lagi" },
	{ "certificateHold", "Ditangguhkan" },
	{ "removeFromCRL", "Dihapus dari CRL" },
	{ "privilegeWithdrawn", "Hak dicabut" },
	{ "aACompromise", "Kunci AA bocor" },
};

static const char *label_of(const char *key, int *group)
{
	size_t i;

	for (i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		if (strcmp(labels[i].key, key) == 0) {
			if (group != NULL)
				*group = labels[i].group;
			return labels[i].label;
		}
	if (group != NULL)
		*group = 6;
	return key;
}

/* A count with Indonesian digit groups: 12345 -> "12.345". */
static void fmt_count(double v, char out[40])
{
	char d[32];
	size_t n, i, o = 0;

	snprintf(d, sizeof(d), "%.0f", v < 0 ? 0 : v);
	n = strlen(d);
	for (i = 0; i < n && o + 2 < 40; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			out[o++] = '.';
		out[o++] = d[i];
	}
	out[o] = '\0';
}

/* A duration in seconds in Indonesian: "1 jam 23 menit (4.980 detik)"; null: "tidak ada keputusan". */
static void fmt_duration(double sec, int is_null, char out[96])
{
	char n[40];
	long long s = (long long)llround(sec < 0 ? 0 : sec > 1e15 ? 1e15
								  : sec);

	if (is_null) {
		snprintf(out, 96, "tidak ada keputusan");
		return;
	}
	fmt_count((double)s, n);
	if (s < 60)
		snprintf(out, 96, "%s detik", n);
	else if (s < 3600)
		snprintf(out, 96, "%lld menit %lld detik (%s detik)", s / 60, s % 60, n);
	else if (s < 86400)
		snprintf(out, 96, "%lld jam %lld menit (%s detik)", s / 3600, (s % 3600) / 60, n);
	else
		snprintf(out, 96, "%lld hari %lld jam (%s detik)", s / 86400, (s % 86400) / 3600, n);
}

/* A figure of a row as text for a table. */
static void fig(const json_t *row, const char *key, char out[96])
{
	int is_null;
	double v = report_num(row, key, &is_null);

	if (!report_is_count(key))
		fmt_duration(v, is_null, out);
	else
		fmt_count(v, out);
}

/* name cut at PDF_MAX_NAME_CHARS characters with an ellipsis (names are valid UTF-8: jansson checked). */
static enum tk_err cut_name(const char *s, struct buf *out)
{
	size_t i = 0, chars = 0;

	buf_reset(out);
	while (s[i] != '\0' && chars < PDF_MAX_NAME_CHARS) {
		i++;
		while (((unsigned char)s[i] & 0xC0) == 0x80)
			i++;
		chars++;
	}
	{
		enum tk_err rc = buf_append(out, s, i);
		if (rc == TK_OK && s[i] != '\0')
			rc = buf_puts(out, "\xE2\x80\xA6"); /* U+2026 */
		if (rc == TK_OK)
			rc = buf_putc(out, '\0');
		return rc;
	}
}

static const char *or_empty(const char *s)
{
	return s[0] != '\0' ? s : "belum diisi";
}

static enum tk_err cover(struct pdfgen *g, const json_t *rep, const char *statement)
{
	static const double w[2] = { 0.38, 0.62 };
	const json_t *inst = json_object_get(rep, "instance"), *agr = json_object_get(inst, "agreement");
	const json_t *unit = json_object_get(rep, "unit");
	long long year = (long long)json_integer_value(json_object_get(rep, "year"));
	char line[1200], made[48], period[128];
	int64_t t = 0;
	enum tk_err rc;

	if ((rc = time_parse_iso(report_str(rep, "generated_at"), &t)) != TK_OK)
		return rc;
	time_wib(t, made);
	snprintf(period, sizeof(period), "%lld (1 Januari %lld sampai dengan 31 Desember %lld, WIB)", year, year, year);
	if (json_is_string(unit))
		snprintf(line, sizeof(line), "Tahun %lld - Unit kerja: %s", year, json_string_value(unit));
	else
		snprintf(line, sizeof(line), "Tahun %lld - Seluruh kementerian", year);
	if ((rc = pdfgen_heading(g, 1, "Laporan Penggunaan Sertifikat Elektronik")) != TK_OK ||
	    (rc = pdfgen_paragraph(g, line, 1, 0)) != TK_OK || (rc = pdfgen_space(g, 8)) != TK_OK ||
	    (rc = pdfgen_table_begin(g, 2, w, NULL)) != TK_OK)
		return rc;
	{
		const char *rows[][2] = {
			{ "Pengguna sertifikat (instansi)", or_empty(report_str(inst, "organization")) },
			{ "Penerbit sertifikat (PSrE)", or_empty(report_str(inst, "issuer")) },
			{ "Perjanjian kerja sama", or_empty(report_str(agr, "title")) },
			{ "Nomor perjanjian pihak pengguna", or_empty(report_str(agr, "user_number")) },
			{ "Nomor perjanjian pihak penerbit", or_empty(report_str(agr, "issuer_number")) },
			{ "Tanggal perjanjian", or_empty(report_str(agr, "signed_on")) },
			{ "Tahun laporan", period },
			{ "Cakupan", json_is_string(unit) ? json_string_value(unit) : "Seluruh kementerian (semua unit kerja)" },
			{ "Dibuat pada", made },
			{ "Alamat layanan", or_empty(report_str(inst, "base_url")) },
		};
		size_t i;
		for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
			if ((rc = pdfgen_table_row(g, rows[i], PDFGEN_PLAIN)) != TK_OK)
				return rc;
	}
	if ((rc = pdfgen_table_end(g)) != TK_OK)
		return rc;
	if ((rc = pdfgen_paragraph(g,
		 "Laporan penggunaan sertifikat elektronik kepada penerbit sertifikat sesuai perjanjian kerja sama (PKS pasal 4 ayat (1) "
		 "huruf g). Semua angka disusun oleh teken dari catatannya sendiri: registri dokumen, basis data sertifikat, log audit, "
		 "permintaan Verifikator dan penghitung permintaan layanan. Tidak ada angka yang diketik atau diperkirakan. Periode "
		 "dihitung per bulan kalender dalam WIB (UTC+7).",
		 0, 1)) != TK_OK)
		return rc;
	return pdfgen_notice(g, PDFGEN_INFO, "Pernyataan", statement);
}

/* The year's figures in one table, a tinted row naming each group. */
static enum tk_err summary(struct pdfgen *g, const json_t *rep, const struct report_cols *cols)
{
	static const double w[2] = { 0.70, 0.30 };
	static const char *const head[2] = { "Uraian", "Jumlah" };
	const json_t *totals = json_object_get(rep, "totals");
	char v[96], title[64];
	int grp, k;
	size_t i;
	enum tk_err rc;

	snprintf(title, sizeof(title), "1. Ringkasan tahun %lld", (long long)json_integer_value(json_object_get(rep, "year")));
	if ((rc = pdfgen_page_break(g)) != TK_OK || (rc = pdfgen_heading(g, 2, title)) != TK_OK ||
	    (rc = pdfgen_table_begin(g, 2, w, head)) != TK_OK)
		return rc;
	for (k = 0; k < 7; k++) {
		int any = 0;
		for (i = 0; i < cols->n; i++) {
			(void)label_of(cols->key[i], &grp);
			if (grp != k)
				continue;
			if (!any) {
				const char *cells[2] = { group_titles[k], NULL };
				if ((rc = pdfgen_table_row(g, cells, PDFGEN_INFO)) != TK_OK)
					return rc;
				any = 1;
			}
			fig(totals, cols->key[i], v);
			{
				const char *cells[2] = { label_of(cols->key[i], NULL), v };
				if ((rc = pdfgen_table_row(g, cells, PDFGEN_PLAIN)) != TK_OK)
					return rc;
			}
		}
	}
	return pdfgen_table_end(g);
}

/*
 * One monthly chart of the given figures; a line has no point for the
 * months from begun on (not begun when the report was made).
 */
static enum tk_err month_chart(struct pdfgen *g, const json_t *months, const char *title, const char *ylab, enum pdfgen_chart_kind kind,
    size_t n, const char *const *keys, const char *const *names, size_t begun)
{
	double vals[PDFGEN_CHART_MAX_SERIES][12];
	struct pdfgen_series s[PDFGEN_CHART_MAX_SERIES];
	struct pdfgen_chart c;
	size_t i, m;

	for (i = 0; i < n && i < PDFGEN_CHART_MAX_SERIES; i++) {
		for (m = 0; m < 12; m++)
			vals[i][m] = kind == PDFGEN_CHART_LINES && m >= begun ? NAN : report_num(json_array_get(months, m), keys[i], NULL);
		s[i].name = names[i];
		s[i].values = vals[i];
	}
	memset(&c, 0, sizeof(c));
	c.title = title;
	c.y_label = ylab;
	c.ncats = 12;
	c.cats = month_short;
	c.nseries = n;
	c.series = s;
	c.kind = kind;
	c.height = 120;
	c.integer = 1;
	c.value_labels = 1;
	c.thousands = ".";
	return pdfgen_chart(g, &c);
}

static enum tk_err monthly(struct pdfgen *g, const json_t *rep)
{
	static const char *const k_docs[2] = { "documents_pades", "documents_cades" }, *const n_docs[2] = { "PAdES (PDF)", "CAdES" };
	static const char *const k_certs[3] = { "certificates_issued", "certificates_revoked", "certificates_suspended" },
				 *const n_certs[3] = { "Diterbitkan", "Dicabut", "Ditangguhkan" };
	static const char *const k_ver[4] = { "verifications_web", "verifications_api", "verifications_qr", "verifications_bsre" },
				 *const n_ver[4] = { "Halaman web", "API", "Kode QR", "Layanan kompatibel BSrE" };
	static const char *const k_on[3] = { "ocsp_requests", "tsa_requests", "crl_requests" }, *const n_on[3] = { "OCSP", "TSA", "CRL" };
	static const char *const k_act[1] = { "certificates_active" }, *const n_act[1] = { "Sertifikat aktif" };
	static const char *const k_tab[7] = { "documents_signed", "certificates_issued", "certificates_revoked", "verifications",
		"ocsp_requests", "tsa_requests", "crl_requests" };
	static const char *const head[8] = { "Bulan", "Dokumen", "Sert. terbit", "Sert. dicabut", "Verifikasi", "OCSP", "TSA", "CRL" };
	static const double w[8] = { 0.16, 0.12, 0.12, 0.12, 0.12, 0.12, 0.12, 0.12 };
	const json_t *months = json_object_get(rep, "by_month"), *totals = json_object_get(rep, "totals");
	char v[8][96];
	const char *cells[8];
	size_t m, k, begun = 0;
	int64_t t = 0;
	enum tk_err rc;

	/* Months begun (in WIB) when the report was made. */
	if ((rc = time_parse_iso(report_str(rep, "generated_at"), &t)) != TK_OK)
		return rc;
	for (m = 0; m < 12; m++) {
		struct tm tm;
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = (int)json_integer_value(json_object_get(rep, "year")) - 1900;
		tm.tm_mon = (int)m;
		tm.tm_mday = 1;
		if ((int64_t)timegm(&tm) - 7 * 3600 <= t)
			begun = m + 1;
	}

	if ((rc = pdfgen_page_break(g)) != TK_OK || (rc = pdfgen_heading(g, 2, "2. Grafik dan angka bulanan")) != TK_OK ||
	    (rc = month_chart(g, months, "Dokumen ditandatangani per bulan", "jumlah dokumen (PAdES dan CAdES bertumpuk)",
		 PDFGEN_CHART_STACKED, 2, k_docs, n_docs, begun)) != TK_OK ||
	    (rc = month_chart(g, months, "Sertifikat diterbitkan, dicabut dan ditangguhkan per bulan", "jumlah sertifikat", PDFGEN_CHART_GROUPED,
		 3, k_certs, n_certs, begun)) != TK_OK ||
	    (rc = month_chart(g, months, "Verifikasi per bulan menurut kanal", "jumlah verifikasi (kanal bertumpuk)", PDFGEN_CHART_STACKED, 4,
		 k_ver, n_ver, begun)) != TK_OK ||
	    (rc = month_chart(g, months, "Permintaan layanan daring per bulan", "jumlah permintaan", PDFGEN_CHART_GROUPED, 3, k_on, n_on, begun)) !=
		TK_OK ||
	    (rc = month_chart(g, months, "Sertifikat aktif pada akhir bulan", "jumlah sertifikat", PDFGEN_CHART_LINES, 1, k_act, n_act, begun)) != TK_OK)
		return rc;
	if ((rc = pdfgen_heading(g, 3, "Angka bulanan")) != TK_OK || (rc = pdfgen_table_begin(g, 8, w, head)) != TK_OK)
		return rc;
	for (m = 0; m <= 12; m++) {
		const json_t *r = m < 12 ? json_array_get(months, m) : totals;
		cells[0] = m < 12 ? month_long[m] : "Jumlah";
		for (k = 0; k < 7; k++) {
			fig(r, k_tab[k], v[k]);
			cells[k + 1] = v[k];
		}
		if ((rc = pdfgen_table_row(g, cells, m < 12 ? PDFGEN_PLAIN : PDFGEN_INFO)) != TK_OK)
			return rc;
	}
	return pdfgen_table_end(g);
}

/* A table of rows (by_unit, by_application): the name column, then the figures of keys. */
static enum tk_err rows_table(struct pdfgen *g, const json_t *rows, const char *label, const char *title, size_t n, const char *const *head,
    const char *const *keys, const double *w)
{
	struct buf name;
	char v[PDFGEN_MAX_COLS][96];
	const char *cells[PDFGEN_MAX_COLS];
	size_t i, k;
	enum tk_err rc;

	buf_init(&name, PDF_MAX_NAME_CHARS * 4 + 8);
	if ((rc = pdfgen_heading(g, 3, title)) != TK_OK || (rc = pdfgen_table_begin(g, n, w, head)) != TK_OK)
		goto out;
	for (i = 0; i < json_array_size(rows); i++) {
		const json_t *r = json_array_get(rows, i);
		if ((rc = cut_name(report_str(r, label), &name)) != TK_OK)
			goto out;
		cells[0] = (const char *)name.p;
		for (k = 1; k < n; k++) {
			fig(r, keys[k - 1], v[k]);
			cells[k] = v[k];
		}
		if ((rc = pdfgen_table_row(g, cells, PDFGEN_PLAIN)) != TK_OK)
			goto out;
	}
	rc = pdfgen_table_end(g);
out:
	buf_free(&name);
	return rc;
}

static enum tk_err units(struct pdfgen *g, const json_t *rep)
{
	static const char *const h1[7] = { "Unit kerja", "Terbit", "Pembaruan", "Dicabut", "Ditangguhkan", "Aktif", "Berakhir tahun depan" };
	static const char *const k1[6] = { "certificates_issued", "certificates_renewed", "certificates_revoked", "certificates_suspended",
		"certificates_active", "certificates_expiring_next_year" };
	static const char *const h2[8] = { "Unit kerja", "Dokumen", "PAdES", "CAdES", "Segel", "Verifikasi QR", "Gagal tanda tangan",
		"Persetujuan Verifikator" };
	static const char *const k2[7] = { "documents_signed", "documents_pades", "documents_cades", "documents_by_seal", "verifications_qr",
		"signing_failures", "verifikator_approvals" };
	static const double w1[7] = { 0.25, 0.10, 0.14, 0.12, 0.16, 0.09, 0.14 };
	static const double w2[8] = { 0.22, 0.12, 0.10, 0.10, 0.09, 0.13, 0.10, 0.14 };
	const json_t *rows = json_object_get(rep, "by_unit");
	enum tk_err rc;

	if ((rc = pdfgen_page_break(g)) != TK_OK || (rc = pdfgen_heading(g, 2, "3. Per unit kerja")) != TK_OK)
		return rc;
	if (json_array_size(rows) == 0)
		return pdfgen_paragraph(g, "Tidak ada unit kerja dengan kegiatan pada tahun ini.", 0, 0);
	if ((rc = pdfgen_paragraph(g,
		 "Sertifikat dihitung menurut unit kerja pejabat (segel menurut unit pada permohonannya), dokumen menurut unit penanda tangan, "
		 "verifikasi QR menurut unit dokumen. Verifikasi lain dan permintaan OCSP, TSA dan CRL tidak memiliki unit, sehingga jumlah per "
		 "unit tidak harus sama dengan ringkasan.",
		 0, 1)) != TK_OK)
		return rc;
	if ((rc = rows_table(g, rows, "unit", "Sertifikat per unit kerja", 7, h1, k1, w1)) != TK_OK)
		return rc;
	return rows_table(g, rows, "unit", "Dokumen dan verifikasi per unit kerja", 8, h2, k2, w2);
}

static enum tk_err applications(struct pdfgen *g, const json_t *rep)
{
	static const char *const h[6] = { "Aplikasi (kunci API)", "Dokumen", "Verifikasi API", "Verifikasi BSrE", "Gagal tanda tangan",
		"Dengan segel" };
	static const char *const k[5] = { "documents_signed", "verifications_api", "verifications_bsre", "signing_failures", "documents_by_seal" };
	static const double w[6] = { 0.30, 0.14, 0.14, 0.14, 0.14, 0.14 };
	const json_t *rows = json_object_get(rep, "by_application");
	enum tk_err rc;

	if ((rc = pdfgen_heading(g, 2, "4. Per aplikasi")) != TK_OK)
		return rc;
	if (json_array_size(rows) == 0)
		return pdfgen_paragraph(g, "Tidak ada aplikasi dengan kegiatan pada tahun ini.", 0, 0);
	return rows_table(g, rows, "application", "Kegiatan aplikasi melalui API", 6, h, k, w);
}

static int cmp_key(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* {name: n} as a two-column table sorted by name; reasons get their Indonesian label. */
static enum tk_err map_table(struct pdfgen *g, const json_t *m, const char *title, const char *col, int is_reason, const char *none)
{
	static const double w[2] = { 0.72, 0.28 };
	const char *head[2] = { col, "Jumlah" };
	const char **keys = NULL;
	const char *k;
	json_t *v;
	char num[40], text[400];
	size_t n = 0, i, j;
	enum tk_err rc;

	if ((rc = pdfgen_heading(g, 2, title)) != TK_OK)
		return rc;
	if (json_object_size(m) == 0)
		return pdfgen_paragraph(g, none, 0, 0);
	if ((keys = calloc(json_object_size(m) + 1, sizeof(*keys))) == NULL)
		return tk_fail(TK_ERR_NOMEM, "report: out of memory");
	json_object_foreach ((json_t *)m, k, v)
		keys[n++] = k;
	qsort(keys, n, sizeof(*keys), cmp_key);
	if ((rc = pdfgen_table_begin(g, 2, w, head)) != TK_OK)
		goto out;
	for (i = 0; i < n; i++) {
		const char *cells[2] = { keys[i], num };
		fmt_count((double)json_integer_value(json_object_get(m, keys[i])), num);
		for (j = 0; is_reason && j < sizeof(reasons) / sizeof(reasons[0]); j++)
			if (strcmp(reasons[j].name, keys[i]) == 0) {
				snprintf(text, sizeof(text), "%s (%s)", reasons[j].label, keys[i]);
				cells[0] = text;
			}
		if ((rc = pdfgen_table_row(g, cells, PDFGEN_PLAIN)) != TK_OK)
			goto out;
	}
	rc = pdfgen_table_end(g);
out:
	free(keys);
	return rc;
}

static enum tk_err verifikators(struct pdfgen *g, const json_t *rep)
{
	static const char *const h[4] = { "Verifikator", "Persetujuan", "Penolakan", "Median waktu keputusan" };
	static const double w[4] = { 0.36, 0.15, 0.15, 0.34 };
	const json_t *a = json_object_get(json_object_get(rep, "breakdown"), "verifikators");
	struct buf name;
	char v[3][96];
	size_t i;
	enum tk_err rc;

	if ((rc = pdfgen_heading(g, 2, "7. Kegiatan Verifikator")) != TK_OK)
		return rc;
	if (json_array_size(a) == 0)
		return pdfgen_paragraph(g, "Tidak ada keputusan Verifikator pada tahun ini.", 0, 0);
	buf_init(&name, PDF_MAX_NAME_CHARS * 4 + 8);
	if ((rc = pdfgen_table_begin(g, 4, w, h)) != TK_OK)
		goto out;
	for (i = 0; i < json_array_size(a); i++) {
		const json_t *r = json_array_get(a, i);
		const char *cells[4];
		int is_null;
		double med = report_num(r, "median_decision_seconds", &is_null);
		if ((rc = cut_name(report_str(r, "verifikator"), &name)) != TK_OK)
			goto out;
		fmt_count(report_num(r, "approvals", NULL), v[0]);
		fmt_count(report_num(r, "rejections", NULL), v[1]);
		fmt_duration(med, is_null, v[2]);
		cells[0] = (const char *)name.p;
		cells[1] = v[0];
		cells[2] = v[1];
		cells[3] = v[2];
		if ((rc = pdfgen_table_row(g, cells, PDFGEN_PLAIN)) != TK_OK)
			goto out;
	}
	rc = pdfgen_table_end(g);
out:
	buf_free(&name);
	return rc;
}

enum tk_err report_render_pdf(const json_t *rep, const char *statement, struct buf *out)
{
	struct report_cols cols;
	struct pdfgen *g = NULL;
	struct pdfgen_opts o;
	char title[96], footer[256];
	const json_t *bd, *inst;
	long long year;
	enum tk_err rc;

	if (statement == NULL || statement[0] == '\0')
		return tk_fail(TK_ERR_INVALID, "report: the PDF needs the R8 statement");
	if ((rc = report_check(rep, &cols)) != TK_OK)
		return rc;
	year = (long long)json_integer_value(json_object_get(rep, "year"));
	inst = json_object_get(rep, "instance");
	bd = json_object_get(rep, "breakdown");
	snprintf(title, sizeof(title), "Laporan Penggunaan Sertifikat Elektronik %lld", year);
	/* The footer is one line: pdfgen cuts what does not fit. */
	snprintf(footer, sizeof(footer), "Laporan penggunaan sertifikat elektronik %lld - %.180s", year,
	    or_empty(report_str(inst, "organization")));
	memset(&o, 0, sizeof(o));
	o.title = title;
	o.author = "teken";
	o.subject = "Usage report (PKS art. 4(1)g)";
	o.footer = footer;
	if ((rc = pdfgen_new(&o, &g)) != TK_OK)
		return rc;
	if ((rc = cover(g, rep, statement)) != TK_OK || (rc = summary(g, rep, &cols)) != TK_OK || (rc = monthly(g, rep)) != TK_OK ||
	    (rc = units(g, rep)) != TK_OK || (rc = pdfgen_page_break(g)) != TK_OK || (rc = applications(g, rep)) != TK_OK ||
	    (rc = map_table(g, json_object_get(bd, "revoked_by_reason"), "5. Pencabutan sertifikat menurut alasan", "Alasan (RFC 5280)", 1,
		 "Tidak ada sertifikat yang dicabut pada tahun ini.")) != TK_OK ||
	    (rc = map_table(g, json_object_get(bd, "signing_failures_by_cause"), "6. Penandatanganan yang ditolak menurut penyebab",
		 "Penyebab (kode kesalahan)", 0, "Tidak ada penandatanganan yang ditolak pada tahun ini.")) != TK_OK ||
	    (rc = verifikators(g, rep)) != TK_OK ||
	    (json_object_get(bd, "documents_by_channel") != NULL &&
		(rc = map_table(g, json_object_get(bd, "documents_by_channel"), "8. Dokumen menurut jalur penandatanganan",
		     "Jalur (web: sesi pejabat, api: aplikasi, bsre: layanan kompatibel BSrE, cli: operator)", 0,
		     "Tidak ada dokumen yang ditandatangani pada tahun ini.")) != TK_OK) ||
	    (rc = pdfgen_heading(g, 2, "Pernyataan")) != TK_OK ||
	    (rc = pdfgen_notice(g, PDFGEN_INFO, NULL, statement)) != TK_OK || (rc = pdfgen_finish(g, out)) != TK_OK)
		goto out;
out:
	pdfgen_free(g);
	return rc;
}

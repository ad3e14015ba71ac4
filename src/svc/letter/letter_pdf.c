/*
 * The ministry's letter layout (tata naskah dinas) on pdfgen: letterhead
 * (kop surat) with the ministry's name and address, number, sifat,
 * lampiran and hal with the place and date, the recipient block, the body
 * of the letter's kind filled from the register, the closing and the
 * signatory block with room for the visible signature stamp (placed by
 * svc/sign at LETTER_STAMP_ANCHOR). Built-in Helvetica (no_embed): the
 * stamp's anchor is found in simple-font text; Indonesian needs only Latin-1.
 */
#include "svc/letter/letter_int.h"

#include "pdfgen/pdfgen.h"

#include <stdlib.h>
#include <string.h>

static const char *const MONTHS[12] = { "Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
	"November", "Desember" };

void letter_date_id(const char *ymd, char out[40])
{
	int y = 0, m = 0, d = 0;
	size_t i;

	for (i = 0; i < 10; i++)
		if (ymd[i] == '\0')
			break;
	if (i != 10 || ymd[4] != '-' || ymd[7] != '-') {
		if (str_copy(out, 40, ymd) != TK_OK)
			out[0] = '\0';
		return;
	}
	y = (ymd[0] - '0') * 1000 + (ymd[1] - '0') * 100 + (ymd[2] - '0') * 10 + (ymd[3] - '0');
	m = (ymd[5] - '0') * 10 + (ymd[6] - '0');
	d = (ymd[8] - '0') * 10 + (ymd[9] - '0');
	if ((m < 1 || m > 12 || str_fmt(out, 40, "%d %s %d", d, MONTHS[m - 1], y) != TK_OK) && str_copy(out, 40, ymd) != TK_OK)
		out[0] = '\0';
}

static enum tk_err para(struct pdfgen *g, struct buf *b, const char *fmt, ...) PRINTF_LIKE(3, 4);

static enum tk_err para(struct pdfgen *g, struct buf *b, const char *fmt, ...)
{
	const char *t;
	va_list ap;
	enum tk_err rc;

	buf_reset(b);
	va_start(ap, fmt);
	rc = buf_vprintf(b, fmt, ap);
	va_end(ap);
	if (rc != TK_OK || (rc = buf_cstr(b, &t)) != TK_OK)
		return rc;
	return pdfgen_paragraph(g, t, 0, 0);
}

static enum tk_err contact_table(struct pdfgen *g, const struct letter_contact *ct)
{
	enum tk_err rc;

	if ((rc = pdfgen_kv(g, "Nama", ct->official)) != TK_OK || (rc = pdfgen_kv(g, "Jabatan", ct->position[0] ? ct->position : "-")) != TK_OK ||
	    (rc = pdfgen_kv(g, "Alamat", ct->address[0] ? ct->address : "-")) != TK_OK ||
	    (rc = pdfgen_kv(g, "Telepon", ct->phone[0] ? ct->phone : "-")) != TK_OK || (rc = pdfgen_kv(g, "Surel", ct->email[0] ? ct->email : "-")) != TK_OK)
		return rc;
	return TK_OK;
}

static enum tk_err body(struct pdfgen *g, struct buf *b, const struct letter_doc *d)
{
	const struct letter_row *r = d->r;
	const struct letter_agreement *ag = d->ag;
	char ev[40], due[40], on[40];
	enum tk_err rc = TK_OK;

	letter_date_id(r->event_date, ev);
	letter_date_id(r->reply_due, due);
	letter_date_id(ag->signed_on, on);
	if ((rc = para(g, b, "Sehubungan dengan Perjanjian Kerja Sama antara %s (PIHAK PERTAMA) dan %s (PIHAK KEDUA) Nomor %s dan Nomor %s"
			     " tanggal %s tentang %s, dengan hormat kami sampaikan hal-hal sebagai berikut.",
		 ag->party_first, ag->party_second, ag->number_first, ag->number_second, on, ag->title)) != TK_OK ||
	    (rc = pdfgen_space(g, 4)) != TK_OK)
		return rc;
	if (strcmp(r->kind, "contact_change") == 0) {
		if ((rc = para(g, b, "Sesuai Pasal 15 ayat (2) Perjanjian, kami memberitahukan bahwa terhitung sejak tanggal %s narahubung PIHAK PERTAMA"
				     " sebagaimana dimaksud dalam Pasal 15 ayat (1) berubah menjadi:",
			 ev)) != TK_OK ||
		    (rc = contact_table(g, d->changed)) != TK_OK || (rc = pdfgen_space(g, 4)) != TK_OK)
			return rc;
		if (d->previous != NULL && d->previous->id != 0 && (rc = para(g, b, "menggantikan %s%s%s.", d->previous->official, d->previous->position[0] ? ", " : "", d->previous->position)) != TK_OK)
			return rc;
		rc = para(g, b, "Segala surat-menyurat dan komunikasi terkait Perjanjian selanjutnya mohon ditujukan kepada narahubung tersebut."
				" Mohon konfirmasi penerimaan surat ini.");
	} else if (strcmp(r->kind, "termination") == 0) {
		if ((rc = para(g, b, "Sesuai Pasal 7 ayat (2) Perjanjian, dengan ini PIHAK PERTAMA memberitahukan secara tertulis maksud untuk mengakhiri"
				     " Perjanjian terhitung tanggal %s. Pemberitahuan ini disampaikan sekurang-kurangnya 60 (enam puluh) hari kalender"
				     " sebelum tanggal pengakhiran tersebut.",
			 ev)) != TK_OK)
			return rc;
		if (letter_field(r, "reason")[0] != '\0')
			rc = para(g, b, "Alasan pengakhiran: %s", letter_field(r, "reason"));
	} else if (strcmp(r->kind, "amendment_proposal") == 0) {
		if ((rc = para(g, b, "Sesuai Pasal 14 ayat (2) Perjanjian, PIHAK PERTAMA mengusulkan perubahan Perjanjian yang direncanakan berlaku"
				     " mulai tanggal %s, dengan pokok perubahan sebagai berikut:",
			 ev)) != TK_OK ||
		    (rc = para(g, b, "%s", letter_field(r, "summary")[0] ? letter_field(r, "summary") : "(lihat lampiran)")) != TK_OK)
			return rc;
		rc = para(g, b, "Mohon tanggapan tertulis PIHAK KEDUA paling lambat tanggal %s.", due);
	} else if (strcmp(r->kind, "amendment_answer") == 0) {
		char rd[40];
		if (d->reply_to != NULL) {
			letter_date_id(d->reply_to->letter_date, rd);
			rc = para(g, b, "Menanggapi surat PIHAK KEDUA Nomor %s tanggal %s perihal %s, bersama ini kami sampaikan tanggapan PIHAK PERTAMA"
					" sebagaimana diuraikan di bawah ini.",
			    d->reply_to->number, rd, d->reply_to->subject);
		}
	} else if (strcmp(r->kind, "force_majeure_written") == 0) {
		if ((rc = para(g, b, "Sesuai Pasal 11 ayat (3) Perjanjian, PIHAK PERTAMA memberitahukan secara tertulis terjadinya keadaan kahar"
				     " (force majeure) pada tanggal %s, yang telah dilaporkan secara lisan sebelumnya.",
			 ev)) != TK_OK)
			return rc;
		if (letter_field(r, "description")[0] != '\0' && (rc = para(g, b, "Uraian keadaan: %s", letter_field(r, "description"))) != TK_OK)
			return rc;
		if (d->nevidence > 0)
			rc = para(g, b, "Bukti pendukung terlampir (%zu berkas).", d->nevidence);
	} else if (strcmp(r->kind, "force_majeure_verbal") == 0) {
		rc = para(g, b, "Catatan laporan lisan keadaan kahar pada tanggal %s: dilaporkan oleh %s kepada %s melalui %s.", ev,
		    letter_field(r, "reported_by"), letter_field(r, "reported_to"), letter_field(r, "channel"));
	}
	if (rc == TK_OK && letter_field(r, "body")[0] != '\0')
		rc = para(g, b, "%s", letter_field(r, "body"));
	return rc;
}

enum tk_err letter_render(const struct letter_doc *d, struct buf *out)
{
	const struct letter_row *r = d->r;
	struct pdfgen_opts o;
	struct pdfgen *g = NULL;
	struct buf b;
	char date[40], ttl[600], lamp[100];
	enum tk_err rc;

	memset(&o, 0, sizeof(o));
	buf_init(&b, PDFGEN_MAX_TEXT);
	if ((rc = str_fmt(ttl, sizeof(ttl), "Surat %s: %s", r->number, r->subject)) != TK_OK)
		goto out;
	o.title = ttl;
	o.author = d->ag->party_first;
	o.subject = r->subject;
	o.footer = d->ag->party_first;
	o.no_embed = 1;
	letter_date_id(r->letter_date, date);
	if (letter_field(r, "lampiran")[0] != '\0')
		rc = str_copy(lamp, sizeof(lamp), letter_field(r, "lampiran"));
	else if (d->nevidence > 0)
		rc = str_fmt(lamp, sizeof(lamp), "%zu berkas", d->nevidence);
	else
		rc = str_copy(lamp, sizeof(lamp), "-");
	if (rc != TK_OK)
		goto out;
	/* Kop surat. */
	if ((rc = pdfgen_new(&o, &g)) != TK_OK || (rc = pdfgen_heading(g, 1, d->ag->party_first)) != TK_OK)
		goto out;
	if (d->from->address[0] != '\0' && (rc = pdfgen_paragraph(g, d->from->address, 0, 1)) != TK_OK)
		goto out;
	if ((rc = pdfgen_space(g, 10)) != TK_OK || (rc = para(g, &b, "%s, %s", letter_field(r, "place")[0] ? letter_field(r, "place") : "Jakarta", date)) != TK_OK ||
	    (rc = pdfgen_kv(g, "Nomor", r->number)) != TK_OK || (rc = pdfgen_kv(g, "Sifat", letter_field(r, "sifat")[0] ? letter_field(r, "sifat") : "Biasa")) != TK_OK ||
	    (rc = pdfgen_kv(g, "Lampiran", lamp)) != TK_OK || (rc = pdfgen_kv(g, "Hal", r->subject)) != TK_OK || (rc = pdfgen_space(g, 10)) != TK_OK)
		goto out;
	/* Yth. the other party's contact (art. 15(1)). */
	if ((rc = pdfgen_paragraph(g, "Yth.", 0, 0)) != TK_OK ||
	    (d->to->id != 0 && (rc = para(g, &b, "%s%s%s", d->to->official, d->to->position[0] ? ", " : "", d->to->position)) != TK_OK) ||
	    (rc = pdfgen_paragraph(g, d->ag->party_second, 0, 0)) != TK_OK ||
	    (d->to->address[0] != '\0' && (rc = pdfgen_paragraph(g, d->to->address, 0, 0)) != TK_OK) || (rc = pdfgen_space(g, 10)) != TK_OK)
		goto out;
	if ((rc = body(g, &b, d)) != TK_OK || (rc = pdfgen_space(g, 6)) != TK_OK ||
	    (rc = pdfgen_paragraph(g, "Atas perhatian dan kerja sama Saudara, kami ucapkan terima kasih.", 0, 0)) != TK_OK || (rc = pdfgen_space(g, 14)) != TK_OK)
		goto out;
	/* Signatory block: the stamp's lower-left corner goes to the anchor line, so the room is above it. */
	if (d->sg != NULL && d->sg->user[0] != '\0') {
		if ((rc = pdfgen_paragraph(g, "Hormat kami,", 0, 0)) != TK_OK || (rc = pdfgen_paragraph(g, d->sg->position, 0, 0)) != TK_OK ||
		    (rc = pdfgen_space(g, 76)) != TK_OK || (rc = pdfgen_paragraph(g, LETTER_STAMP_ANCHOR, 0, 1)) != TK_OK ||
		    (rc = pdfgen_paragraph(g, d->sg->name, 1, 0)) != TK_OK)
			goto out;
	}
	rc = pdfgen_finish(g, out);
out:
	pdfgen_free(g);
	buf_free(&b);
	return rc;
}

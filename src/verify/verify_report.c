/*
 * Names (ETSI EN 319 102-1 5.1.3) and the two renderings of a report: the
 * detailed JSON (every building block) and the simple text report in
 * Indonesian first, then English.
 */
#include "verify/verify_int.h"
#include "verify/verify_doc.h"

#include <stdio.h>
#include <string.h>

const char *verify_ind_name(enum verify_ind i)
{
	switch (i) {
	case VERIFY_TOTAL_PASSED: return "TOTAL_PASSED";
	case VERIFY_INDETERMINATE: return "INDETERMINATE";
	case VERIFY_TOTAL_FAILED: return "TOTAL_FAILED";
	}
	return "INDETERMINATE";
}

static const char *const sub_names[VERIFY_SUB_COUNT_] = {
	"",
	"FORMAT_FAILURE",
	"HASH_FAILURE",
	"SIG_CRYPTO_FAILURE",
	"REVOKED",
	"EXPIRED",
	"NOT_YET_VALID",
	"SIG_CONSTRAINTS_FAILURE",
	"CHAIN_CONSTRAINTS_FAILURE",
	"CERTIFICATE_CHAIN_GENERAL_FAILURE",
	"CRYPTO_CONSTRAINTS_FAILURE",
	"NO_SIGNING_CERTIFICATE_FOUND",
	"NO_CERTIFICATE_CHAIN_FOUND",
	"REVOKED_NO_POE",
	"REVOKED_CA_NO_POE",
	"OUT_OF_BOUNDS_NO_POE",
	"OUT_OF_BOUNDS_NOT_REVOKED",
	"TRY_LATER",
	"SIGNED_DATA_NOT_FOUND",
	"NO_POE",
};

const char *verify_sub_name(enum verify_sub s)
{
	return (unsigned)s < VERIFY_SUB_COUNT_ ? sub_names[s] : "";
}

const char *verify_bb_name(enum verify_bb b)
{
	static const char *const n[VERIFY_BB_COUNT_] = { "format_checking", "identification_of_signing_certificate",
		"x509_certificate_validation", "cryptographic_verification", "signature_acceptance_validation", "timestamp_validation",
		"modification_detection" };
	return (unsigned)b < VERIFY_BB_COUNT_ ? n[b] : "";
}

unsigned verify_docmdp_allowed(int p)
{
	unsigned a = VERIFY_MOD_DSS | VERIFY_MOD_DOC_TIMESTAMP;

	if (p >= 2)
		a |= VERIFY_MOD_SIGNATURE | VERIFY_MOD_FORM_FILL;
	if (p >= 3)
		a |= VERIFY_MOD_ANNOTATION;
	return a;
}

const char *verify_mod_name(unsigned bit)
{
	switch (bit) {
	case VERIFY_MOD_SIGNATURE: return "signature";
	case VERIFY_MOD_DSS: return "dss";
	case VERIFY_MOD_DOC_TIMESTAMP: return "document_timestamp";
	case VERIFY_MOD_FORM_FILL: return "form_fill";
	case VERIFY_MOD_ANNOTATION: return "annotation";
	case VERIFY_MOD_PAGE_CONTENT: return "page_content";
	case VERIFY_MOD_METADATA: return "metadata";
	case VERIFY_MOD_OTHER: return "other";
	case VERIFY_MOD_APPENDED: return "appended_bytes";
	case VERIFY_MOD_UNANALYSED: return "unanalysed";
	}
	return "unknown";
}

/* ---- JSON ---- */

static json_t *jtime(int64_t t)
{
	char s[32];

	if (t == 0)
		return json_null();
	time_iso_utc(t, s);
	return json_string(s);
}

static json_t *jstr(const char *s)
{
	return s != NULL && s[0] ? json_string(s) : json_null();
}

static const char *bb_result(enum verify_ind i)
{
	return i == VERIFY_TOTAL_PASSED ? "PASSED" : i == VERIFY_TOTAL_FAILED ? "FAILED"
									      : "INDETERMINATE";
}

static json_t *jkinds(unsigned kinds)
{
	json_t *a = json_array();
	unsigned bit;

	for (bit = 1; a != NULL && bit <= VERIFY_MOD_UNANALYSED; bit <<= 1)
		if (kinds & bit)
			json_array_append_new(a, json_string(verify_mod_name(bit)));
	return a;
}

static json_t *jpagelist(const uint32_t *l, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < n && i < VERIFY_MAX_PAGE_LIST; i++)
		json_array_append_new(a, json_integer((json_int_t)l[i]));
	return a != NULL ? a : json_null();
}

/* Shadow-attack class of visible changes: "hide", "replace", "hide_and_replace", or null. */
static json_t *jshadow(unsigned sh)
{
	if ((sh & VERIFY_SHADOW_HIDE) && (sh & VERIFY_SHADOW_REPLACE))
		return json_string("hide_and_replace");
	if (sh & VERIFY_SHADOW_HIDE)
		return json_string("hide");
	if (sh & VERIFY_SHADOW_REPLACE)
		return json_string("replace");
	return json_null();
}

static json_t *jpages(const struct verify_pages *pg)
{
	if (!pg->known)
		return json_null();
	return json_pack("{s:I, s:I, s:o, s:o, s:o, s:b, s:o}", "signed", (json_int_t)pg->signed_count, "now", (json_int_t)pg->now_count,
	    "added", jpagelist(pg->added, pg->nadded), "removed", jpagelist(pg->removed, pg->nremoved), "content_changed",
	    jpagelist(pg->changed, pg->nchanged), "reordered", pg->reordered, "shadow", jshadow(pg->shadow));
}

static json_t *jchange(const struct verify_change *c, int certified_p)
{
	json_t *d = json_array(), *o;
	size_t i;

	for (i = 0; d != NULL && i < c->ndetails; i++)
		json_array_append_new(d, json_string(c->details[i]));
	o = json_pack("{s:I, s:I, s:I, s:o, s:o}", "revision", (json_int_t)c->revision + 1, "start", (json_int_t)c->start, "end",
	    (json_int_t)c->end, "kinds", jkinds(c->kinds), "details", d ? d : json_array());
	if (o != NULL) {
		json_object_set_new(o, "pages", jpagelist(c->pages, c->npages));
		json_object_set_new(o, "pages_added", json_integer((json_int_t)c->pages_added));
		json_object_set_new(o, "pages_removed", json_integer((json_int_t)c->pages_removed));
		json_object_set_new(o, "shadow", jshadow(c->shadow));
	}
	if (o != NULL && certified_p)
		json_object_set_new(o, "allowed_by_docmdp",
		    json_boolean((c->kinds & ~verify_docmdp_allowed(certified_p)) == 0));
	return o;
}

static const char *rev_name(enum verify_rev_status s)
{
	switch (s) {
	case VERIFY_REV_GOOD: return "good";
	case VERIFY_REV_REVOKED: return "revoked";
	case VERIFY_REV_UNKNOWN: return "unknown";
	default: return "not_checked";
	}
}

static json_t *jsig(const struct verify_report *r, const struct verify_sig *s)
{
	json_t *o = json_object(), *bbs = json_object(), *mods = json_array(), *tss = json_array(), *chain = json_array(), *br;
	size_t i;

	if (o == NULL || bbs == NULL || mods == NULL || tss == NULL || chain == NULL) {
		json_decref(o);
		json_decref(bbs);
		json_decref(mods);
		json_decref(tss);
		json_decref(chain);
		return NULL;
	}
	json_object_set_new(o, "index", json_integer((json_int_t)s->index));
	json_object_set_new(o, "type", json_string(s->doc_timestamp ? "document_timestamp" : "signature"));
	json_object_set_new(o, "field", jstr(s->field));
	json_object_set_new(o, "indication", json_string(verify_ind_name(s->ind)));
	json_object_set_new(o, "subindication", jstr(verify_sub_name(s->sub)));
	json_object_set_new(o, "message", jstr(s->msg));
	json_object_set_new(o, "signer", jstr(s->signer));
	json_object_set_new(o, "signing_time", s->has_signing_time ? jtime(s->signing_time) : json_null());
	json_object_set_new(o, "level", jstr(s->level));
	json_object_set_new(o, "covers_whole_document", json_boolean(s->covers_whole_document));
	for (i = 0; i < r->nchanges; i++)
		if (s->revision != SIZE_MAX && r->changes[i].revision > s->revision) {
			json_t *c = jchange(&r->changes[i], s->docmdp);
			if (c != NULL)
				json_array_append_new(mods, c);
		}
	json_object_set_new(o, "modifications_after", mods);
	json_object_set_new(o, "pages", r->cades ? json_null() : jpages(&s->pages));
	json_object_set_new(o, "signing_time_source", jstr(s->signing_time_source));
	json_object_set_new(o, "best_signature_time", jtime(s->best_signature_time));
	json_object_set_new(o, "proof_of_existence", json_boolean(s->poe));
	json_object_set_new(o, "level_note", jstr(s->level_note));
	{
		json_t *w = json_array();
		for (i = 0; w != NULL && i < s->nwarnings; i++)
			json_array_append_new(w, json_string(s->warnings[i]));
		json_object_set_new(o, "warnings", w != NULL ? w : json_null());
	}
	json_object_set_new(o, "signer_subject", jstr(s->signer_dn));
	json_object_set_new(o, "issuer", jstr(s->issuer_dn));
	json_object_set_new(o, "serial", jstr(s->serial));
	json_object_set_new(o, "certificate_valid_from", jtime(s->not_before));
	json_object_set_new(o, "certificate_valid_to", jtime(s->not_after));
	json_object_set_new(o, "key", jstr(s->key));
	json_object_set_new(o, "digest", jstr(s->digest));
	json_object_set_new(o, "signature_algorithm", jstr(s->sig_alg));
	json_object_set_new(o, "subfilter", jstr(s->subfilter));
	br = json_array();
	for (i = 0; br != NULL && i < 4 && !r->cades; i++)
		json_array_append_new(br, json_integer((json_int_t)s->byte_range[i]));
	json_object_set_new(o, "byte_range", r->cades || br == NULL ? (json_decref(br), json_null()) : br);
	json_object_set_new(o, "revision", s->revision == SIZE_MAX ? json_null() : json_integer((json_int_t)s->revision + 1));
	json_object_set_new(o, "certification", s->docmdp ? json_pack("{s:i}", "docmdp_p", s->docmdp) : json_null());
	json_object_set_new(o, "reason", jstr(s->reason));
	json_object_set_new(o, "location", jstr(s->location));
	json_object_set_new(o, "name", jstr(s->name));
	for (i = 0; i < s->nts; i++) {
		const struct verify_ts *t = &s->ts[i];
		json_t *tj = json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "type", t->document ? "document" : "signature", "indication",
		    verify_ind_name(t->ind), "subindication", jstr(verify_sub_name(t->sub)), "message", jstr(t->msg), "gen_time", jtime(t->gen_time),
		    "tsa", jstr(t->tsa), "imprint_digest", jstr(t->md), "tsa_checked_at", jtime(t->checked_at));
		if (tj != NULL)
			json_array_append_new(tss, tj);
	}
	json_object_set_new(o, "timestamps", tss);
	json_object_set_new(o, "covering_document_timestamps", json_integer((json_int_t)s->covering_doc_ts));
	for (i = 0; i < s->nchain; i++)
		json_array_append_new(chain, json_string(s->chain[i]));
	json_object_set_new(o, "certificate_chain", chain);
	json_object_set_new(o, "revocation",
	    json_pack("{s:s, s:o, s:o, s:o}", "status", rev_name(s->rev), "source", jstr(s->rev_source), "revoked_at",
		s->rev == VERIFY_REV_REVOKED ? jtime(s->revoked_at) : json_null(), "reason",
		s->rev == VERIFY_REV_REVOKED ? json_integer(s->revoked_reason) : json_null()));
	for (i = 0; i < VERIFY_BB_COUNT_; i++) {
		const struct verify_block *b = &s->bb[i];
		json_object_set_new(bbs, verify_bb_name((enum verify_bb)i),
		    b->done ? json_pack("{s:s, s:o, s:o}", "result", bb_result(b->ind), "subindication", jstr(verify_sub_name(b->sub)), "message",
				  jstr(b->msg))
			    : json_pack("{s:s}", "result", "NOT_RUN"));
	}
	json_object_set_new(o, "building_blocks", bbs);
	return o;
}

/* One sentence per outcome, Indonesian then English. */
void verify_summary(const struct verify_report *r, const char **id, const char **en)
{
	if (r->needs_password) {
		*id = "Dokumen dilindungi kata sandi pengguna; tanda tangannya belum dapat diperiksa tanpa kata sandi itu.";
		*en = "The document is protected by a user password; its signatures cannot be checked without it.";
	} else if (r->nsigs == 0 && !r->no_signature && r->notice[0]) {
		*id = "Dokumen terenkripsi dengan cara yang tidak dapat dibuka; tanda tangannya belum dapat diperiksa.";
		*en = "The document is encrypted in a way that cannot be opened; its signatures could not be checked.";
	} else if (r->no_signature) {
		*id = "Dokumen ini tidak memuat tanda tangan elektronik.";
		*en = "This document holds no electronic signature.";
	} else if (r->ind == VERIFY_TOTAL_PASSED && !r->changed_after_signing) {
		*id = "Semua tanda tangan sah dan dokumen tidak diubah setelah ditandatangani.";
		*en = "All signatures are valid and the document was not changed after signing.";
	} else if (r->ind == VERIFY_TOTAL_PASSED) {
		*id = "Semua tanda tangan sah, tetapi dokumen diubah setelah ditandatangani; perubahan itu tidak dicakup tanda tangan.";
		*en = "All signatures are valid, but the document was changed after signing; those changes are not covered by a signature.";
	} else if (r->ind == VERIFY_TOTAL_FAILED) {
		*id = "Sedikitnya satu tanda tangan TIDAK SAH.";
		*en = "At least one signature is NOT VALID.";
	} else {
		*id = "Keabsahan sedikitnya satu tanda tangan belum dapat dipastikan.";
		*en = "The validity of at least one signature could not be established.";
	}
}

enum tk_err verify_report_json(const struct verify_report *r, const char *file, json_t **out)
{
	json_t *o = json_object(), *sigs = json_array(), *changes = json_array();
	const char *id, *en;
	size_t i;

	*out = NULL;
	if (o == NULL || sigs == NULL || changes == NULL)
		goto nomem;
	json_object_set_new(o, "file", jstr(file));
	for (i = 0; i < r->nsigs; i++) {
		json_t *s = jsig(r, &r->sigs[i]);
		if (s == NULL || json_array_append_new(sigs, s) != 0)
			goto nomem;
	}
	json_object_set_new(o, "signatures", sigs);
	sigs = NULL;
	/* NO_SIGNATURE is not an ETSI indication: it says there was nothing to validate (BSrE's conclusion of the same name). */
	json_object_set_new(o, "indication", json_string(r->no_signature ? "NO_SIGNATURE" : verify_ind_name(r->ind)));
	json_object_set_new(o, "subindication", jstr(verify_sub_name(r->sub)));
	verify_summary(r, &id, &en);
	json_object_set_new(o, "summary", json_pack("{s:s, s:s}", "id", id, "en", en));
	json_object_set_new(o, "notice", jstr(r->notice));
	json_object_set_new(o, "needs_password", json_boolean(r->needs_password));
	json_object_set_new(o, "changed_after_signing", json_boolean(r->changed_after_signing));
	json_object_set_new(o, "format", json_string(r->cades ? "cades" : "pdf"));
	json_object_set_new(o, "size", json_integer((json_int_t)r->size));
	json_object_set_new(o, "sha256", jstr(r->sha256));
	json_object_set_new(o, "validation_time", jtime(r->validation_time));
	if (!r->cades) {
		char ver[16];
		snprintf(ver, sizeof(ver), "%u.%u", r->pdf_major, r->pdf_minor);
		json_object_set_new(o, "pdf", json_pack("{s:s, s:I, s:o, s:o, s:o}", "version", ver, "revisions", (json_int_t)r->nrevisions, "damage", jstr(r->damage), "certified_docmdp", r->certified ? json_integer(r->certified) : json_null(), "encryption", jstr(r->encryption)));
		json_object_set_new(json_object_get(o, "pdf"), "unreadable", json_boolean(r->unreadable));
		for (i = 0; i < r->nchanges; i++) {
			json_t *c = jchange(&r->changes[i], r->certified);
			if (c == NULL || json_array_append_new(changes, c) != 0)
				goto nomem;
		}
		json_object_set_new(o, "changes", changes);
		changes = NULL;
	}
	json_decref(changes);
	*out = o;
	return TK_OK;
nomem:
	json_decref(o);
	json_decref(sigs);
	json_decref(changes);
	return tk_fail(TK_ERR_NOMEM, "verify: out of memory rendering the report");
}

/* ---- text ---- */

const char *verify_ind_text(enum verify_ind i)
{
	switch (i) {
	case VERIFY_TOTAL_PASSED: return "SAH / VALID";
	case VERIFY_TOTAL_FAILED: return "TIDAK SAH / NOT VALID";
	default: return "BELUM DAPAT DIPASTIKAN / INDETERMINATE";
	}
}

const char *verify_sub_text(enum verify_sub s)
{
	switch (s) {
	case VERIFY_SUB_FORMAT_FAILURE: return "Struktur tanda tangan rusak / The signature is malformed";
	case VERIFY_SUB_HASH_FAILURE: return "Isi dokumen berubah setelah ditandatangani / The signed content was changed";
	case VERIFY_SUB_SIG_CRYPTO_FAILURE: return "Nilai tanda tangan tidak cocok / The signature value does not verify";
	case VERIFY_SUB_REVOKED: return "Sertifikat penanda tangan telah dicabut / The signer's certificate was revoked";
	case VERIFY_SUB_EXPIRED: return "Sertifikat kedaluwarsa / The certificate had expired";
	case VERIFY_SUB_NOT_YET_VALID: return "Sertifikat belum berlaku saat itu / The certificate was not yet valid";
	case VERIFY_SUB_SIG_CONSTRAINTS_FAILURE:
		return "Perubahan yang dilarang oleh sertifikasi atau kebijakan / Changes the certification or the policy forbids";
	case VERIFY_SUB_CHAIN_CONSTRAINTS_FAILURE: return "Sertifikat tidak memenuhi batasan / A certificate breaks its constraints";
	case VERIFY_SUB_CERTIFICATE_CHAIN_GENERAL_FAILURE: return "Rantai sertifikat tidak sah / The certificate chain is invalid";
	case VERIFY_SUB_CRYPTO_CONSTRAINTS_FAILURE: return "Algoritme terlalu lemah / An algorithm is too weak";
	case VERIFY_SUB_NO_SIGNING_CERTIFICATE_FOUND: return "Sertifikat penanda tangan tidak ditemukan / The signing certificate is missing";
	case VERIFY_SUB_NO_CERTIFICATE_CHAIN_FOUND: return "Penerbit sertifikat tidak dipercaya / The certificate issuer is not trusted";
	case VERIFY_SUB_REVOKED_NO_POE: return "Sertifikat dicabut / The certificate was revoked";
	case VERIFY_SUB_REVOKED_CA_NO_POE: return "Sertifikat CA dicabut / A CA certificate was revoked";
	case VERIFY_SUB_OUT_OF_BOUNDS_NO_POE:
	case VERIFY_SUB_OUT_OF_BOUNDS_NOT_REVOKED:
		return "Sertifikat di luar masa berlaku, tanpa bukti waktu / The certificate is out of its validity, with no time proof";
	case VERIFY_SUB_TRY_LATER: return "Status pencabutan tidak tersedia / Revocation status unavailable";
	case VERIFY_SUB_SIGNED_DATA_NOT_FOUND: return "Data yang ditandatangani tidak ditemukan / The signed data was not found";
	case VERIFY_SUB_NO_POE: return "Tidak ada bukti waktu / No proof of existence";
	default: return "";
	}
}

const char *verify_mod_text(unsigned bit)
{
	switch (bit) {
	case VERIFY_MOD_SIGNATURE: return "tanda tangan ditambahkan / signature added";
	case VERIFY_MOD_DSS: return "data validasi (DSS) / validation data (DSS)";
	case VERIFY_MOD_DOC_TIMESTAMP: return "cap waktu dokumen / document timestamp";
	case VERIFY_MOD_FORM_FILL: return "isian formulir / form fill";
	case VERIFY_MOD_ANNOTATION: return "anotasi / annotations";
	case VERIFY_MOD_PAGE_CONTENT: return "ISI HALAMAN / PAGE CONTENT";
	case VERIFY_MOD_METADATA: return "metadata";
	case VERIFY_MOD_OTHER: return "objek lain / other objects";
	case VERIFY_MOD_APPENDED: return "byte tambahan di akhir berkas / bytes appended to the file";
	case VERIFY_MOD_UNANALYSED: return "tidak dapat dianalisis / could not be analysed";
	}
	return "?";
}

static enum tk_err page_list_text(struct buf *out, const char *label, const uint32_t *l, size_t n)
{
	size_t i;
	enum tk_err rc;

	if (n == 0)
		return TK_OK;
	if ((rc = buf_printf(out, "    - %s:", label)) != TK_OK)
		return rc;
	for (i = 0; i < n && i < VERIFY_MAX_PAGE_LIST; i++)
		if ((rc = buf_printf(out, "%s %u", i ? "," : "", l[i])) != TK_OK)
			return rc;
	return buf_printf(out, "%s\n", n > VERIFY_MAX_PAGE_LIST ? ", ..." : "");
}

/* Pages as signed and now, and the visible changes in plain words (shadow attacks: hide, replace, both). */
static enum tk_err pages_text(struct buf *out, const struct verify_pages *pg)
{
	enum tk_err rc;

	if (!pg->known)
		return TK_OK;
	if ((rc = buf_printf(out, "  Halaman / Pages: saat ditandatangani / when signed %zu, sekarang / now %zu\n", pg->signed_count,
		 pg->now_count)) != TK_OK ||
	    (rc = page_list_text(out, "halaman ditambahkan setelah ditandatangani / pages added after signing", pg->added, pg->nadded)) != TK_OK ||
	    (rc = page_list_text(out, "halaman dihapus setelah ditandatangani / pages removed after signing", pg->removed, pg->nremoved)) != TK_OK ||
	    (rc = page_list_text(out, "tampilan halaman berubah / visible content changed on page", pg->changed, pg->nchanged)) != TK_OK)
		return rc;
	if (pg->reordered && (rc = buf_printf(out, "    - urutan halaman diubah / the pages were reordered\n")) != TK_OK)
		return rc;
	if ((pg->shadow & VERIFY_SHADOW_HIDE) && (pg->shadow & VERIFY_SHADOW_REPLACE))
		return buf_printf(out, "    - POLA SERANGAN sembunyikan-dan-ganti: isi yang ditandatangani ditutupi dan diganti / ATTACK PATTERN "
				       "hide-and-replace: signed content was covered and replaced\n");
	if (pg->shadow & VERIFY_SHADOW_HIDE)
		return buf_printf(out, "    - POLA SERANGAN sembunyikan: isi yang ditandatangani ditutupi atau dibuang / ATTACK PATTERN hide: "
				       "signed content was covered or dropped\n");
	if (pg->shadow & VERIFY_SHADOW_REPLACE)
		return buf_printf(out, "    - POLA SERANGAN ganti: isi, huruf (font) atau gambar halaman diganti / ATTACK PATTERN replace: a "
				       "content stream, font or image of a page was swapped\n");
	return TK_OK;
}

enum tk_err verify_report_text(const struct verify_report *r, const char *file, struct buf *out)
{
	const char *id, *en;
	char t[48];
	size_t i, j, k;
	enum tk_err rc;

	verify_summary(r, &id, &en);
	time_wib(r->validation_time, t);
	if ((rc = buf_printf(out, "Laporan verifikasi tanda tangan elektronik / Electronic signature verification report\n")) != TK_OK ||
	    (rc = buf_printf(out, "Berkas / File: %s (%zu bytes)\n", file ? file : "-", r->size)) != TK_OK ||
	    (rc = buf_printf(out, "SHA-256: %s\n", r->sha256)) != TK_OK ||
	    (rc = buf_printf(out, "Waktu verifikasi / Validation time: %s\n\n", t)) != TK_OK ||
	    (rc = buf_printf(out, "KESIMPULAN / CONCLUSION: %s\n  %s\n  %s\n",
		 r->no_signature                                             ? "TIDAK ADA TANDA TANGAN / NO SIGNATURE"
		 : r->ind == VERIFY_TOTAL_PASSED && r->changed_after_signing ? "SAH, TETAPI DIUBAH SETELAH DITANDATANGANI / VALID, BUT CHANGED AFTER SIGNING"
									     : verify_ind_text(r->ind),
		 id, en)) != TK_OK)
		return rc;
	if (r->notice[0] && (rc = buf_printf(out, "  Catatan / Note: %s\n", r->notice)) != TK_OK)
		return rc;
	if (r->damage[0] && (rc = buf_printf(out, "  Peringatan / Warning: %s: %s\n",
				 r->unreadable ? "struktur PDF tidak dapat dibaca / the PDF structure cannot be read"
					       : "struktur PDF rusak dan diperbaiki / the PDF structure is damaged and was repaired",
				 r->damage)) != TK_OK)
		return rc;
	if (r->needs_password && (rc = buf_printf(out, "  Dokumen dilindungi kata sandi pengguna; berikan dengan --password-file\n")) != TK_OK)
		return rc;
	if (r->encryption[0] && r->nsigs > 0 &&
	    (rc = buf_printf(out, "  Dokumen terenkripsi / The document is encrypted: %s\n", r->encryption)) != TK_OK)
		return rc;
	for (i = 0; i < r->nsigs; i++) {
		const struct verify_sig *s = &r->sigs[i];
		unsigned after = 0;
		if ((rc = buf_printf(out, "\n%s %zu / %zu: %s\n", s->doc_timestamp ? "Cap waktu dokumen / Document timestamp" : "Tanda tangan / Signature",
			 s->index, r->nsigs, s->field[0] ? s->field : "-")) != TK_OK ||
		    (rc = buf_printf(out, "  Hasil / Result: %s (%s%s%s)\n", verify_ind_text(s->ind), verify_ind_name(s->ind), s->sub ? ", " : "",
			 verify_sub_name(s->sub))) != TK_OK)
			return rc;
		if (s->sub && (rc = buf_printf(out, "  Sebab / Reason: %s\n", verify_sub_text(s->sub))) != TK_OK)
			return rc;
		if (s->msg[0] && (rc = buf_printf(out, "  Rincian / Details: %s\n", s->msg)) != TK_OK)
			return rc;
		for (k = 0; k < s->nwarnings; k++)
			if ((rc = buf_printf(out, "  Peringatan / Warning: %s\n", s->warnings[k])) != TK_OK)
				return rc;
		if ((rc = buf_printf(out, "  %s: %s\n", s->doc_timestamp ? "Penerbit cap waktu / TSA" : "Penanda tangan / Signer",
			 s->signer[0] ? s->signer : "-")) != TK_OK)
			return rc;
		if (s->has_signing_time) {
			time_wib(s->signing_time, t);
			if ((rc = buf_printf(out, "  Waktu / Time: %s%s\n", t, s->doc_timestamp ? "" : " (klaim penanda tangan / claimed by the signer)")) != TK_OK)
				return rc;
		}
		if (s->poe && !s->doc_timestamp) {
			time_wib(s->best_signature_time, t);
			if ((rc = buf_printf(out, "  Terbukti ada pada / Proven to exist at: %s (cap waktu / timestamp)\n", t)) != TK_OK)
				return rc;
		}
		if (s->level[0] && (rc = buf_printf(out, "  Level: %s\n", s->level)) != TK_OK)
			return rc;
		if (s->docmdp && (rc = buf_printf(out, "  Sertifikasi / Certification: DocMDP P=%d\n", s->docmdp)) != TK_OK)
			return rc;
		if (!r->cades && (rc = buf_printf(out, "  Mencakup seluruh dokumen / Covers the whole document: %s\n",
				      s->covers_whole_document ? "ya / yes" : "tidak / no")) != TK_OK)
			return rc;
		for (j = 0; j < r->nchanges; j++)
			if (s->revision != SIZE_MAX && r->changes[j].revision > s->revision)
				after |= r->changes[j].kinds;
		if (!r->cades) {
			unsigned bit;
			if ((rc = buf_printf(out, "  Perubahan setelah ditandatangani / Changes after signing: %s\n", after ? "" : "tidak ada / none")) != TK_OK)
				return rc;
			for (bit = 1; bit <= VERIFY_MOD_UNANALYSED; bit <<= 1)
				if ((after & bit) && (rc = buf_printf(out, "    - %s\n", verify_mod_text(bit))) != TK_OK)
					return rc;
			for (j = 0; j < r->nchanges; j++) {
				if (s->revision == SIZE_MAX || r->changes[j].revision <= s->revision || r->changes[j].kinds == 0)
					continue;
				for (k = 0; k < r->changes[j].ndetails; k++)
					if ((rc = buf_printf(out, "      revisi / revision %zu: %s\n", r->changes[j].revision + 1, r->changes[j].details[k])) != TK_OK)
						return rc;
			}
			if ((rc = pages_text(out, &s->pages)) != TK_OK)
				return rc;
		}
		if (s->reason[0] && (rc = buf_printf(out, "  Alasan / Reason: %s\n", s->reason)) != TK_OK)
			return rc;
		if (s->location[0] && (rc = buf_printf(out, "  Lokasi / Location: %s\n", s->location)) != TK_OK)
			return rc;
	}
	return TK_OK;
}

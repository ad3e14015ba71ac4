/*
 * PAdES validation of a PDF (ISO 32000-1 12.8, ETSI EN 319 142-1,
 * ETSI EN 319 102-1): finds the signature fields, checks the format of
 * each signature dictionary, reads the /DSS, validates document
 * timestamps from the newest back (each gives proof of existence to what
 * it covers), validates the signatures, compares the revisions that came
 * after them and applies DocMDP. Also CAdES over a content buffer.
 */
#include "verify/verify_int.h"

#include "pdf/pdf.h"

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Work data of one signature field. */
struct psig {
	struct verify_sig *s;
	const struct pdf_obj *dict;
	uint32_t num;
	uint16_t gen;
	int fc_ok;
	const uint8_t *cms; /* decoded /Contents (owned by the document) framed to its DER */
	size_t cms_len;
	struct vranges rg;
	int sha1_enveloped;
	int ts_valid; /* document timestamp that validated */
	int64_t gen_time;
	int64_t end;   /* byte range end, for ordering */
	char why[160]; /* dict == NULL: why the signature dictionary could not be read */
	/* A signature that fails format checking but whose CMS can still be read (signer, what it signed). */
	int partial;
	int rg_ok; /* rg lies inside the file */
	/* Found by a raw scan of the bytes (raw_at: offset of its /ByteRange), not through the form. */
	int raw;
	int cut; /* only a signature field was found: its signature dictionary was cut off */
	size_t raw_at;
	uint8_t *own; /* decoded /Contents of a raw signature (owned) */
};

/* ---- PDF text strings (7.9.2.2) to UTF-8 ---- */

static size_t put_utf8(char *out, size_t pos, size_t cap, uint32_t c)
{
	uint8_t tmp[4];
	size_t n, i;

	if (c < 0x20 || c == 0x7f || (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		c = '?';
	if (c < 0x80) {
		tmp[0] = (uint8_t)c;
		n = 1;
	} else if (c < 0x800) {
		tmp[0] = (uint8_t)(0xc0 | (c >> 6));
		tmp[1] = (uint8_t)(0x80 | (c & 0x3f));
		n = 2;
	} else if (c < 0x10000) {
		tmp[0] = (uint8_t)(0xe0 | (c >> 12));
		tmp[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3f));
		tmp[2] = (uint8_t)(0x80 | (c & 0x3f));
		n = 3;
	} else {
		tmp[0] = (uint8_t)(0xf0 | (c >> 18));
		tmp[1] = (uint8_t)(0x80 | ((c >> 12) & 0x3f));
		tmp[2] = (uint8_t)(0x80 | ((c >> 6) & 0x3f));
		tmp[3] = (uint8_t)(0x80 | (c & 0x3f));
		n = 4;
	}
	if (pos + n + 1 > cap)
		return pos;
	for (i = 0; i < n; i++)
		out[pos + i] = (char)tmp[i];
	return pos + n;
}

/* Appends the text string o to out (cap bytes, NUL-terminated); non-strings add nothing. */
static void text_utf8(const struct pdf_obj *o, char *out, size_t cap)
{
	const uint8_t *p;
	size_t len, i, pos = strlen(out);

	if (cap == 0 || !pdf_as_string(o, &p, &len))
		return;
	if (len >= 2 && p[0] == 0xfe && p[1] == 0xff) {
		for (i = 2; i + 1 < len && pos + 1 < cap; i += 2) {
			uint32_t c = (uint32_t)p[i] << 8 | p[i + 1];
			if (c >= 0xd800 && c < 0xdc00 && i + 3 < len) {
				uint32_t lo = (uint32_t)p[i + 2] << 8 | p[i + 3];
				if (lo >= 0xdc00 && lo < 0xe000) {
					c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
					i += 2;
				}
			}
			pos = put_utf8(out, pos, cap, c);
		}
	} else if (len >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) {
		for (i = 3; i < len && pos + 1 < cap; i++)
			out[pos++] = (char)(p[i] < 0x20 ? '?' : p[i]);
	} else {
		for (i = 0; i < len && pos + 1 < cap; i++)
			pos = put_utf8(out, pos, cap, p[i]);
	}
	out[pos] = '\0';
}

/* "D:YYYYMMDDHHmmSSOHH'mm'" (7.9.4) to UTC seconds; 0 when unreadable. */
static int64_t pdf_date(const struct pdf_obj *o)
{
	const uint8_t *p;
	size_t len, i;
	int v[6] = { 0, 1, 1, 0, 0, 0 };
	static const int w[6] = { 4, 2, 2, 2, 2, 2 };
	struct tm tm;
	int64_t t, off = 0;

	if (!pdf_as_string(o, &p, &len))
		return 0;
	if (len >= 2 && p[0] == 'D' && p[1] == ':')
		p += 2, len -= 2;
	for (i = 0; i < 6; i++) {
		int k, x = 0;
		if (len < (size_t)w[i])
			break;
		for (k = 0; k < w[i]; k++) {
			if (p[k] < '0' || p[k] > '9')
				return 0;
			x = x * 10 + (p[k] - '0');
		}
		v[i] = x;
		p += w[i];
		len -= (size_t)w[i];
	}
	if (i == 0)
		return 0;
	if (len >= 3 && (p[0] == '+' || p[0] == '-') && p[1] >= '0' && p[1] <= '9' && p[2] >= '0' && p[2] <= '9') {
		int hh = (p[1] - '0') * 10 + (p[2] - '0'), mm = 0;
		if (len >= 6 && p[3] == '\'' && p[4] >= '0' && p[4] <= '9' && p[5] >= '0' && p[5] <= '9')
			mm = (p[4] - '0') * 10 + (p[5] - '0');
		off = (int64_t)(hh * 3600 + mm * 60) * (p[0] == '+' ? 1 : -1);
	}
	if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 || v[4] > 59 || v[5] > 60)
		return 0;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = v[0] - 1900;
	tm.tm_mon = v[1] - 1;
	tm.tm_mday = v[2];
	tm.tm_hour = v[3];
	tm.tm_min = v[4];
	tm.tm_sec = v[5];
	t = (int64_t)timegm(&tm);
	return t - off;
}

/* ---- finding the signature fields (12.7.3.1, 12.7.4.5) ---- */

struct fwalk {
	struct pdf_doc *doc;
	struct psig *sigs;
	size_t n, cap;
	uint8_t *seen; /* visited object numbers (bitmap) */
	uint32_t seen_size;
	size_t fields;
};

static int seen_test_set(struct fwalk *w, const struct pdf_obj *ref)
{
	uint32_t num;
	uint16_t gen;

	if (!pdf_as_ref(ref, &num, &gen) || num >= w->seen_size)
		return 0;
	if (w->seen[num >> 3] & (1u << (num & 7)))
		return 1;
	w->seen[num >> 3] |= (uint8_t)(1u << (num & 7));
	return 0;
}

static enum tk_err add_sig(struct fwalk *w, const struct pdf_obj *vref, const struct pdf_obj *sigdict, const char *name)
{
	struct psig *ps;
	size_t i;
	uint32_t num = 0;
	uint16_t gen = 0;

	if (pdf_as_ref(vref, &num, &gen))
		for (i = 0; i < w->n; i++)
			if (w->sigs[i].num == num)
				return TK_OK; /* one dictionary named by two fields */
	if (w->n >= VERIFY_MAX_SIGNATURES)
		return tk_fail_code(TK_ERR_LIMIT, "verify_limit", "verify: more than %u signatures (VERIFY_MAX_SIGNATURES)", VERIFY_MAX_SIGNATURES);
	if (w->n == w->cap) {
		size_t nc = w->cap ? w->cap * 2 : 4;
		struct psig *np = realloc(w->sigs, nc * sizeof(*np));
		if (np == NULL)
			return tk_fail(TK_ERR_NOMEM, "verify: out of memory");
		w->sigs = np;
		w->cap = nc;
	}
	ps = &w->sigs[w->n++];
	memset(ps, 0, sizeof(*ps));
	ps->dict = sigdict;
	ps->num = num;
	ps->gen = gen;
	if ((ps->s = calloc(1, sizeof(*ps->s))) == NULL)
		return tk_fail(TK_ERR_NOMEM, "verify: out of memory");
	snprintf(ps->s->field, sizeof(ps->s->field), "%s", name);
	return TK_OK;
}

struct fframe {
	const struct pdf_obj *kids;
	size_t i;
	int sig;        /* inherited /FT is /Sig */
	size_t namelen; /* length of the qualified name before this level */
};

static enum tk_err walk_fields(struct fwalk *w, const struct pdf_obj *fields)
{
	struct fframe st[VERIFY_MAX_FIELD_DEPTH];
	size_t depth = 0;
	char name[256] = "";
	enum tk_err rc;

	st[0].kids = fields;
	st[0].i = 0;
	st[0].sig = 0;
	st[0].namelen = 0;
	depth = 1;
	while (depth > 0) {
		struct fframe *f = &st[depth - 1];
		const struct pdf_obj *ref, *node = NULL, *ft, *v = NULL, *kids = NULL;
		int sig;
		size_t nl;
		if (f->i >= pdf_array_len(f->kids)) {
			depth--;
			continue;
		}
		ref = pdf_array_get(f->kids, f->i++);
		if (seen_test_set(w, ref))
			continue;
		if (++w->fields > VERIFY_MAX_FIELDS)
			return tk_fail_code(TK_ERR_LIMIT, "verify_limit", "verify: more than %u form fields (VERIFY_MAX_FIELDS)", VERIFY_MAX_FIELDS);
		if (pdf_resolve(w->doc, ref, &node) != TK_OK) {
			tk_clear_error();
			continue;
		}
		if (pdf_obj_type(node) != PDF_DICT)
			continue;
		ft = pdf_dict_get(node, "FT");
		sig = ft != NULL ? pdf_name_is(ft, "Sig") : f->sig;
		name[f->namelen] = '\0';
		nl = f->namelen;
		if (pdf_dict_get(node, "T") != NULL) {
			if (nl > 0 && nl + 1 < sizeof(name)) {
				name[nl] = '.';
				name[nl + 1] = '\0';
			}
			text_utf8(pdf_dict_get(node, "T"), name, sizeof(name));
			nl = strlen(name);
		}
		if (sig && pdf_dict_get(node, "V") != NULL) {
			if ((rc = pdf_dict_get_resolved(w->doc, node, "V", &v)) != TK_OK) {
				/* A value that does not parse is a broken signature, not a missing one. */
				char why[MAX_ERRMSG];
				snprintf(why, sizeof(why), "%s", tk_errmsg());
				tk_clear_error();
				if ((rc = add_sig(w, pdf_dict_get(node, "V"), NULL, name)) != TK_OK)
					return rc;
				snprintf(w->sigs[w->n - 1].why, sizeof(w->sigs[0].why), "%.150s", why);
			} else if (pdf_obj_type(v) == PDF_DICT && (rc = add_sig(w, pdf_dict_get(node, "V"), v, name)) != TK_OK) {
				return rc;
			}
		}
		if (pdf_dict_get_resolved(w->doc, node, "Kids", &kids) != TK_OK) {
			tk_clear_error();
			kids = NULL;
		}
		if (pdf_obj_type(kids) == PDF_ARRAY && pdf_array_len(kids) > 0) {
			if (depth >= VERIFY_MAX_FIELD_DEPTH)
				return tk_fail_code(TK_ERR_LIMIT, "verify_limit",
				    "pdf: ISO 32000-1 12.7.3.1: form fields nested deeper than %u levels (VERIFY_MAX_FIELD_DEPTH)", VERIFY_MAX_FIELD_DEPTH);
			st[depth].kids = kids;
			st[depth].i = 0;
			st[depth].sig = sig;
			st[depth].namelen = nl;
			depth++;
		}
	}
	return TK_OK;
}

static enum tk_err find_sigs(struct pdf_doc *doc, struct fwalk *w)
{
	const struct pdf_obj *cat = NULL, *acro = NULL, *fields = NULL;
	enum tk_err rc;

	w->doc = doc;
	w->seen_size = pdf_xref_size(doc);
	if ((w->seen = calloc((w->seen_size >> 3) + 1, 1)) == NULL)
		return tk_fail(TK_ERR_NOMEM, "verify: out of memory");
	if ((rc = pdf_catalog(doc, &cat)) != TK_OK)
		return rc;
	if ((rc = pdf_dict_get_resolved(doc, cat, "AcroForm", &acro)) != TK_OK)
		return rc;
	if (pdf_obj_type(acro) != PDF_DICT)
		return TK_OK;
	if ((rc = pdf_dict_get_resolved(doc, acro, "Fields", &fields)) != TK_OK)
		return rc;
	if (pdf_obj_type(fields) != PDF_ARRAY)
		return TK_OK;
	return walk_fields(w, fields);
}

/* ---- format checking of one signature dictionary ---- */

static int hexv(uint8_t c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
					    : c >= 'A' && c <= 'F'   ? c - 'A' + 10
								     : -1;
}

static int known_subfilter(const char *sf, int *doc_ts, int *sha1)
{
	*doc_ts = strcmp(sf, "ETSI.RFC3161") == 0;
	*sha1 = strcmp(sf, "adbe.pkcs7.sha1") == 0;
	return strcmp(sf, "ETSI.CAdES.detached") == 0 || strcmp(sf, "adbe.pkcs7.detached") == 0 || *doc_ts || *sha1;
}

static void fc_fail(struct psig *ps, const char *fmt, ...) PRINTF_LIKE(2, 3);
static void fc_fail(struct psig *ps, const char *fmt, ...)
{
	va_list ap;
	struct verify_block *b = &ps->s->bb[VERIFY_BB_FC];

	b->done = 1;
	b->ind = VERIFY_TOTAL_FAILED;
	b->sub = VERIFY_SUB_FORMAT_FAILURE;
	va_start(ap, fmt);
	vsnprintf(b->msg, sizeof(b->msg), fmt, ap);
	va_end(ap);
}

/* The byte ranges of ps->s->byte_range when they lie inside the file. */
static void set_ranges(struct psig *ps, const uint8_t *p, size_t len)
{
	const int64_t *b = ps->s->byte_range;

	ps->rg.p = p;
	ps->rg.n = 2;
	if (b[0] == 0 && b[1] > 0 && b[2] >= b[1] && b[3] >= 0 && (uint64_t)b[2] + (uint64_t)b[3] <= len) {
		ps->rg.off[0] = 0;
		ps->rg.len[0] = (size_t)b[1];
		ps->rg.off[1] = (size_t)b[2];
		ps->rg.len[1] = (size_t)b[3];
		ps->rg_ok = 1;
	}
}

/* Format checking failed: keep the CMS of /Contents when it can be read, to name the signer. */
static void partial_cms(struct psig *ps, const uint8_t *p, size_t len)
{
	const uint8_t *cp;
	size_t clen, total;

	if (ps->dict == NULL || !pdf_as_string(pdf_dict_get(ps->dict, "Contents"), &cp, &clen))
		return;
	total = clen > 0 && cp[0] == 0x30 ? vx_ber_size(cp, clen) : 0;
	if (total == 0)
		return;
	ps->cms = cp;
	ps->cms_len = total;
	ps->partial = 1;
	set_ranges(ps, p, len);
}

static void raw_format(struct psig *ps, size_t len);

static void check_format(struct pdf_doc *doc, const uint8_t *p, size_t len, const struct pdf_revision *revs, size_t nrevs, struct psig *ps)
{
	struct verify_sig *s = ps->s;
	const struct pdf_obj *br = pdf_dict_get(ps->dict, "ByteRange"), *sf = pdf_dict_get(ps->dict, "SubFilter"), *ct, *ref, *m;
	const uint8_t *cp;
	size_t clen, i, gap0, gap1, nhex;
	int64_t b[4];
	int doc_ts = 0, sha1 = 0;
	const char *sfn;
	size_t sfl;

	s->revision = SIZE_MAX;
	if (ps->raw) {
		raw_format(ps, len);
		return;
	}
	if (ps->dict == NULL) {
		fc_fail(ps, "the signature dictionary cannot be read (ISO 32000-1 12.8.1): %s", ps->why);
		return;
	}
	text_utf8(pdf_dict_get(ps->dict, "Reason"), s->reason, sizeof(s->reason));
	text_utf8(pdf_dict_get(ps->dict, "Location"), s->location, sizeof(s->location));
	text_utf8(pdf_dict_get(ps->dict, "Name"), s->name, sizeof(s->name));
	if ((m = pdf_dict_get(ps->dict, "M")) != NULL && (s->signing_time = pdf_date(m)) != 0) {
		s->has_signing_time = 1;
		snprintf(s->signing_time_source, sizeof(s->signing_time_source), "pdf-M");
	}
	if (pdf_as_name(sf, &sfn, &sfl))
		snprintf(s->subfilter, sizeof(s->subfilter), "%.*s", (int)(sfl < 63 ? sfl : 63), sfn);
	s->doc_timestamp = pdf_name_is(pdf_dict_get(ps->dict, "Type"), "DocTimeStamp") || strcmp(s->subfilter, "ETSI.RFC3161") == 0;

	/* DocMDP transform (12.8.2.2): /Reference [ << /TransformMethod /DocMDP /TransformParams << /P n >> >> ]. */
	if (pdf_dict_get_resolved(doc, ps->dict, "Reference", &ref) != TK_OK) {
		tk_clear_error();
		ref = NULL;
	}
	for (i = 0; i < pdf_array_len(ref); i++) {
		const struct pdf_obj *sr = NULL, *tp = NULL, *pv = NULL;
		int64_t pval = 2;
		if (pdf_resolve(doc, pdf_array_get(ref, i), &sr) != TK_OK || !pdf_name_is(pdf_dict_get(sr, "TransformMethod"), "DocMDP")) {
			tk_clear_error();
			continue;
		}
		if (pdf_dict_get_resolved(doc, sr, "TransformParams", &tp) == TK_OK && tp != NULL &&
		    pdf_dict_get_resolved(doc, tp, "P", &pv) == TK_OK && pv != NULL && pdf_as_int(pv, &pval) && (pval < 1 || pval > 3))
			pval = 2;
		tk_clear_error();
		s->docmdp = (int)pval;
	}

	if (s->subfilter[0] == '\0') {
		fc_fail(ps, "the signature dictionary has no /SubFilter (ISO 32000-1 12.8.1 Table 252)");
		return;
	}
	if (!known_subfilter(s->subfilter, &doc_ts, &sha1)) {
		fc_fail(ps, "SubFilter /%s is not supported (ETSI.CAdES.detached, adbe.pkcs7.detached, adbe.pkcs7.sha1, ETSI.RFC3161)", s->subfilter);
		return;
	}
	if (doc_ts != s->doc_timestamp) {
		fc_fail(ps, "a document timestamp needs /Type /DocTimeStamp with /SubFilter /ETSI.RFC3161 (ETSI EN 319 142-1 5.4.3)");
		return;
	}
	ps->sha1_enveloped = sha1;

	/* /ByteRange: [0 a b c], within the file, the gap exactly the /Contents string. */
	if (pdf_obj_type(br) != PDF_ARRAY || pdf_array_len(br) != 4) {
		fc_fail(ps, "/ByteRange is not an array of four integers (ISO 32000-1 12.8.1)");
		return;
	}
	for (i = 0; i < 4; i++)
		if (!pdf_as_int(pdf_array_get(br, i), &b[i]) || b[i] < 0 || (uint64_t)b[i] > (uint64_t)MAX_PDF_BYTES) {
			fc_fail(ps, "/ByteRange entry %zu is not a non-negative integer (ISO 32000-1 12.8.1)", i);
			return;
		}
	memcpy(s->byte_range, b, sizeof(b));
	ps->end = b[2] + b[3];
	/* The revision it closes is known from /ByteRange alone: later checks may fail, the change analysis still runs. */
	for (i = 0; i < nrevs; i++)
		if ((uint64_t)ps->end >= revs[i].eof && (uint64_t)ps->end <= revs[i].end) {
			s->revision = i;
			break;
		}
	if (b[0] != 0) {
		fc_fail(ps, "/ByteRange does not start at the beginning of the file (ISO 32000-1 12.8.1)");
		return;
	}
	if (b[1] < 1 || b[2] < b[0] + b[1] + 2) {
		fc_fail(ps, "/ByteRange ranges overlap or leave no room for /Contents (ISO 32000-1 12.8.1)");
		return;
	}
	if ((uint64_t)b[2] + (uint64_t)b[3] > len) {
		fc_fail(ps, "/ByteRange ends at byte %lld, past the end of the file (%zu bytes): the file is truncated or the signature "
			    "dictionary lies about what it signed (ISO 32000-1 12.8.1)",
		    (long long)b[2] + (long long)b[3], len);
		partial_cms(ps, p, len);
		return;
	}
	gap0 = (size_t)b[1];
	gap1 = (size_t)b[2];
	if (p[gap0] != '<' || p[gap1 - 1] != '>') {
		fc_fail(ps, "the bytes excluded by /ByteRange are not a hexadecimal string (ISO 32000-1 12.8.1)");
		return;
	}
	nhex = gap1 - gap0 - 2;
	for (i = gap0 + 1; i < gap1 - 1; i++)
		if (hexv(p[i]) < 0) {
			fc_fail(ps, "/Contents holds a byte other than a hexadecimal digit at offset %zu (ISO 32000-1 12.8.1)", i);
			return;
		}
	if (nhex % 2 != 0) {
		fc_fail(ps, "/Contents has an odd number of hexadecimal digits (ISO 32000-1 7.3.4.3)");
		return;
	}
	ct = pdf_dict_get(ps->dict, "Contents");
	if (!pdf_as_string(ct, &cp, &clen) || clen != nhex / 2) {
		fc_fail(ps, "/Contents is not the string the /ByteRange gap holds (ISO 32000-1 12.8.1)");
		return;
	}
	for (i = 0; i < clen; i++)
		if (cp[i] != (uint8_t)(hexv(p[gap0 + 1 + 2 * i]) << 4 | hexv(p[gap0 + 2 + 2 * i]))) {
			fc_fail(ps, "/Contents differs from the bytes the /ByteRange gap holds (ISO 32000-1 12.8.1)");
			return;
		}
	if (ps->num != 0) {
		struct pdf_xref_info xi;
		pdf_xref_get(doc, ps->num, &xi);
		if (xi.type == PDF_XREF_COMPRESSED || (xi.type == PDF_XREF_INUSE && xi.off >= gap0)) {
			fc_fail(ps, "the signature dictionary (object %u) does not enclose the /ByteRange gap (ISO 32000-1 12.8.1)", ps->num);
			return;
		}
	}

	/* The signature covers one whole revision (ETSI EN 319 142-1 5.1, ISO 32000-2 12.8.1). */
	if (s->revision == SIZE_MAX) {
		fc_fail(ps, "/ByteRange ends at byte %lld, which is not the end of a revision (%%%%EOF): the signed part is not a whole revision",
		    (long long)ps->end);
		partial_cms(ps, p, len);
		return;
	}
	if (s->revision > 0 && gap0 < revs[s->revision - 1].eof) {
		fc_fail(ps, "/Contents lies in an earlier revision than the one the signature covers (ISO 32000-1 7.5.6)");
		return;
	}
	s->covers_whole_document = (size_t)ps->end == len;

	/* The CMS inside: one DER element, then zero padding. */
	{
		size_t total = clen > 0 && cp[0] == 0x30 ? vx_ber_size(cp, clen) : 0;
		if (total == 0) {
			fc_fail(ps, "/Contents does not hold a DER or BER SEQUENCE (RFC 5652 3, ISO 32000-1 12.8.3.3)");
			return;
		}
		for (i = total; i < clen; i++)
			if (cp[i] != 0) {
				fc_fail(ps, "/Contents has non-zero bytes after its DER value (ISO 32000-1 12.8.1)");
				return;
			}
		ps->cms = cp;
		ps->cms_len = total;
	}
	ps->rg.p = p;
	ps->rg.off[0] = 0;
	ps->rg.len[0] = (size_t)b[1];
	ps->rg.off[1] = (size_t)b[2];
	ps->rg.len[1] = (size_t)b[3];
	ps->rg.n = 2;
	ps->fc_ok = 1;
	{
		char r0[32];
		snprintf(r0, sizeof(r0), "%zu", s->revision + 1);
		vb_set(s, VERIFY_BB_FC, VERIFY_TOTAL_PASSED, VERIFY_SUB_NONE,
		    "/ByteRange [0 %lld %lld %lld] covers revision %s except exactly its /Contents; SubFilter %s", (long long)b[1],
		    (long long)b[2], (long long)b[3], r0, s->subfilter);
	}
}

/* ---- raw scan: signature dictionaries in bytes that do not parse as a document ---- */

#define RAW_WINDOW (512u * 1024u) /* bytes searched around a /ByteRange for the rest of its dictionary */

static size_t mem_find(const uint8_t *p, size_t from, size_t to, const char *needle)
{
	size_t nl = strlen(needle);
	const uint8_t *r;

	if (from >= to || to - from < nl)
		return SIZE_MAX;
	r = memmem(p + from, to - from, needle, nl);
	return r != NULL ? (size_t)(r - p) : SIZE_MAX;
}

static size_t mem_rfind(const uint8_t *p, size_t from, size_t to, const char *needle)
{
	size_t nl = strlen(needle), i;

	if (from >= to || to - from < nl)
		return SIZE_MAX;
	for (i = to - nl + 1; i-- > from;)
		if (memcmp(p + i, needle, nl) == 0)
			return i;
	return SIZE_MAX;
}

static int is_pdf_ws(uint8_t c)
{
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == '\0';
}

/* A non-negative decimal integer at p[*i..to) after white space; advances *i. */
static int raw_int(const uint8_t *p, size_t *i, size_t to, int64_t *out)
{
	int64_t v = 0;
	size_t n = 0;

	while (*i < to && is_pdf_ws(p[*i]))
		(*i)++;
	while (*i < to && p[*i] >= '0' && p[*i] <= '9' && n < 15) {
		v = v * 10 + (p[*i] - '0');
		(*i)++;
		n++;
	}
	*out = v;
	return n > 0 && n < 15;
}

/* The name after key ("/SubFilter /ETSI.CAdES.detached") within p[from..to), into out. */
static void raw_name(const uint8_t *p, size_t from, size_t to, const char *key, char *out, size_t outsz)
{
	size_t i = mem_find(p, from, to, key), n = 0;

	out[0] = '\0';
	if (i == SIZE_MAX)
		return;
	i += strlen(key);
	while (i < to && is_pdf_ws(p[i]))
		i++;
	if (i >= to || p[i] != '/')
		return;
	for (i++; i < to && n + 1 < outsz && ((p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= 'a' && p[i] <= 'z') || (p[i] >= '0' && p[i] <= '9') || p[i] == '.' || p[i] == '_' || p[i] == '-'); i++)
		out[n++] = (char)p[i];
	out[n] = '\0';
}

/*
 * Finds "/ByteRange [a b c d]" in p[from..len) and, around each, the rest of
 * its signature dictionary by plain byte search: /SubFilter, /Type
 * /DocTimeStamp, /Contents <hex>. Each becomes a signature that fails format
 * checking (why says in what state the file is); its CMS is kept when it can
 * be read so that the report can still name the signer.
 */
static enum tk_err raw_scan(struct fwalk *w, const uint8_t *p, size_t from, size_t len, const char *why)
{
	size_t at = from;
	enum tk_err rc;

	while ((at = mem_find(p, at, len, "/ByteRange")) != SIZE_MAX) {
		size_t i = at + 10, os, oe, c, k;
		int64_t b[4];
		struct psig *ps;
		struct verify_sig *s;
		int good = 1;

		while (i < len && is_pdf_ws(p[i]))
			i++;
		if (i >= len || p[i] != '[') {
			at += 10;
			continue;
		}
		i++;
		for (k = 0; k < 4 && good; k++)
			good = raw_int(p, &i, len, &b[k]);
		at += 10;
		if (!good)
			continue;
		/* Skip one already found through the document's structure. */
		for (k = 0; k < w->n; k++)
			if (memcmp(w->sigs[k].s->byte_range, b, sizeof(b)) == 0)
				break;
		if (k < w->n)
			continue;
		os = at > RAW_WINDOW ? at - RAW_WINDOW : 0;
		if ((c = mem_rfind(p, os, at, "obj")) != SIZE_MAX)
			os = c;
		oe = mem_find(p, at, at + RAW_WINDOW < len ? at + RAW_WINDOW : len, "endobj");
		if (oe == SIZE_MAX)
			oe = at + RAW_WINDOW < len ? at + RAW_WINDOW : len;
		if ((rc = add_sig(w, NULL, NULL, "")) != TK_OK)
			return rc;
		ps = &w->sigs[w->n - 1];
		s = ps->s;
		ps->raw = 1;
		ps->raw_at = at - 10;
		snprintf(ps->why, sizeof(ps->why), "%s", why);
		snprintf(s->field, sizeof(s->field), "(signature dictionary at byte %zu)", ps->raw_at);
		memcpy(s->byte_range, b, sizeof(b));
		ps->end = b[2] + b[3];
		raw_name(p, os, oe, "/SubFilter", s->subfilter, sizeof(s->subfilter));
		s->doc_timestamp = mem_find(p, os, oe, "/DocTimeStamp") != SIZE_MAX || strcmp(s->subfilter, "ETSI.RFC3161") == 0;
		/* /Contents: the hex string, as much of it as the file holds. */
		if ((c = mem_find(p, os, oe, "/Contents")) != SIZE_MAX) {
			size_t h, nd = 0, cap;
			for (h = c + 9; h < len && is_pdf_ws(p[h]); h++)
				;
			if (h < len && p[h] == '<') {
				size_t e = ++h;
				while (e < len && e - h < 2 * (size_t)CMS_MAX_BYTES && hexv(p[e]) >= 0)
					e++;
				cap = (e - h) / 2;
				if (cap > 0 && (ps->own = malloc(cap)) == NULL)
					return tk_fail(TK_ERR_NOMEM, "verify: out of memory");
				for (; h + 1 < e && nd < cap; h += 2)
					ps->own[nd++] = (uint8_t)(hexv(p[h]) << 4 | hexv(p[h + 1]));
				if (nd > 0 && ps->own[0] == 0x30 && (k = vx_ber_size(ps->own, nd)) != 0) {
					ps->cms = ps->own;
					ps->cms_len = k;
					ps->partial = 1;
				}
			}
		}
		set_ranges(ps, p, len);
	}
	return TK_OK;
}

/*
 * After a cut in the middle of a signing revision there may be no /ByteRange
 * left, only the signature field that was to hold it: one signature whose
 * dictionary is missing, named after the field's /T when it can be read.
 */
static enum tk_err raw_scan_fields(struct fwalk *w, const uint8_t *p, size_t from, size_t len)
{
	static const char *const marks[] = { "/FT /Sig", "/FT/Sig", "/Type /Sig", "/Type/Sig" };
	size_t k, at = SIZE_MAX, os, oe, t;
	struct psig *ps;
	enum tk_err rc;

	for (k = 0; k < 4 && at == SIZE_MAX; k++)
		at = mem_find(p, from, len, marks[k]);
	if (at == SIZE_MAX)
		return TK_OK;
	if ((rc = add_sig(w, NULL, NULL, "")) != TK_OK)
		return rc;
	ps = &w->sigs[w->n - 1];
	ps->raw = 1;
	ps->cut = 1;
	ps->raw_at = at;
	ps->end = (int64_t)len;
	snprintf(ps->s->field, sizeof(ps->s->field), "(signature field at byte %zu)", at);
	os = at > 4096 ? at - 4096 : 0;
	if ((t = mem_rfind(p, os, at, "obj")) != SIZE_MAX)
		os = t;
	oe = at + 4096 < len ? at + 4096 : len;
	if ((t = mem_find(p, at, oe, "endobj")) != SIZE_MAX)
		oe = t;
	/* The field name: a literal string without escapes is enough to recognise it. */
	if ((t = mem_find(p, os, oe, "/T (")) != SIZE_MAX || (t = mem_find(p, os, oe, "/T(")) != SIZE_MAX) {
		size_t i = t + (p[t + 2] == ' ' ? 4 : 3), n = 0;
		char *f = ps->s->field;
		while (i < oe && p[i] != ')' && p[i] != '\\' && n + 1 < sizeof(ps->s->field) && p[i] >= 0x20 && p[i] < 0x7f)
			f[n++] = (char)p[i++];
		if (n > 0)
			f[n] = '\0';
	}
	return TK_OK;
}

/* Format checking of a signature found by the raw scan: it fails, and says what was found. */
static void raw_format(struct psig *ps, size_t len)
{
	struct verify_sig *s = ps->s;
	const int64_t *b = s->byte_range;

	s->revision = SIZE_MAX;
	if (ps->cut)
		fc_fail(ps, "a signature field was found after the last complete revision, but its signature dictionary was cut off: the file is "
			    "truncated (ETSI EN 319 102-1 5.2.2)");
	else if (!ps->rg_ok)
		fc_fail(ps, "%s; its /ByteRange [%lld %lld %lld %lld] runs past the end of the file (%zu bytes) (ETSI EN 319 102-1 5.2.2)",
		    ps->why, (long long)b[0], (long long)b[1], (long long)b[2], (long long)b[3], len);
	else
		fc_fail(ps, "%s (ETSI EN 319 102-1 5.2.2)", ps->why);
}

/*
 * Signature value and signer of a signature that failed format checking,
 * for the report only: its indication stays the format failure. When the
 * signed bytes are not all in the file the value is not checked at all.
 */
static enum tk_err partial_check(struct vctx *v, struct psig *ps, size_t len)
{
	struct verify_sig *s = ps->s;
	struct verify_block fc = s->bb[VERIFY_BB_FC];
	struct vranges none = { ps->rg.p, { 0, 0 }, { 0, 0 }, 1 };
	struct vsigned sd;
	enum tk_err rc;

	memset(&sd, 0, sizeof(sd));
	sd.ranges = ps->rg_ok ? &ps->rg : &none;
	sd.enveloped_sha1 = ps->sha1_enveloped;
	sd.pades = 1;
	if ((rc = vs_check_cms(v, s, ps->cms, ps->cms_len, &sd)) != TK_OK)
		return rc;
	if (s->bb[VERIFY_BB_FC].ind != VERIFY_TOTAL_PASSED && strcmp(s->bb[VERIFY_BB_FC].msg, fc.msg) != 0) {
		size_t l = strlen(fc.msg);
		snprintf(fc.msg + l, sizeof(fc.msg) - l, "; the CMS cannot be read either: %.200s", s->bb[VERIFY_BB_FC].msg);
	}
	s->bb[VERIFY_BB_FC] = fc;
	if (!ps->rg_ok)
		vb_set(s, VERIFY_BB_CV, VERIFY_INDETERMINATE, VERIFY_SUB_SIGNED_DATA_NOT_FOUND,
		    "the signed bytes are not all in the file (/ByteRange ends at byte %lld, the file has %zu bytes): the signature value "
		    "cannot be checked (ETSI EN 319 102-1 5.2.7)",
		    (long long)ps->end, len);
	vs_conclude(s);
	return TK_OK;
}

/* ---- /DSS (ETSI EN 319 142-1 5.4.2) ---- */

enum dss_kind { DSS_CERT,
	DSS_CRL,
	DSS_OCSP };

static enum tk_err dss_item(struct vctx *v, struct pdf_doc *doc, const struct pdf_obj *ref, enum dss_kind kind, struct buf *tmp)
{
	const struct pdf_obj *st = NULL;
	const uint8_t *q;
	enum tk_err rc;

	if (v->dss_items >= VERIFY_MAX_DSS_ITEMS || v->dss_bytes >= VERIFY_MAX_DSS_BYTES)
		return TK_OK; /* the rest is not read; what is missing shows as missing data */
	v->dss_items++;
	if (pdf_resolve(doc, ref, &st) != TK_OK || pdf_obj_type(st) != PDF_STREAM) {
		tk_clear_error();
		return TK_OK;
	}
	buf_reset(tmp);
	tmp->max = kind == DSS_CRL ? VERIFY_MAX_CRL_BYTES : CMS_MAX_BYTES;
	if ((rc = pdf_stream_decode(doc, st, tmp)) != TK_OK) {
		if (rc == TK_ERR_NOMEM)
			return rc;
		tk_clear_error();
		return TK_OK;
	}
	v->dss_bytes += tmp->len;
	q = tmp->p;
	if (kind == DSS_CERT) {
		X509 *c = d2i_X509(NULL, &q, (long)tmp->len);
		if (c != NULL && q == tmp->p + tmp->len && sk_X509_push(v->pool, c) > 0)
			c = NULL;
		X509_free(c);
	} else if (kind == DSS_CRL) {
		X509_CRL *c = d2i_X509_CRL(NULL, &q, (long)tmp->len);
		if (c != NULL && q == tmp->p + tmp->len && sk_X509_CRL_push(v->crls, c) > 0)
			c = NULL;
		X509_CRL_free(c);
	} else {
		OCSP_RESPONSE *r = d2i_OCSP_RESPONSE(NULL, &q, (long)tmp->len);
		OCSP_BASICRESP *bs = NULL;
		if (r != NULL && q == tmp->p + tmp->len && OCSP_response_status(r) == OCSP_RESPONSE_STATUS_SUCCESSFUL &&
		    (bs = OCSP_response_get1_basic(r)) != NULL) {
			if (v->nocsps == v->capocsps) {
				size_t nc = v->capocsps ? v->capocsps * 2 : 8;
				OCSP_BASICRESP **nb = realloc(v->ocsps, nc * sizeof(*nb));
				if (nb == NULL) {
					OCSP_BASICRESP_free(bs);
					OCSP_RESPONSE_free(r);
					return tk_fail(TK_ERR_NOMEM, "verify: out of memory");
				}
				v->ocsps = nb;
				v->capocsps = nc;
			}
			v->ocsps[v->nocsps++] = bs;
			bs = NULL;
		}
		OCSP_BASICRESP_free(bs);
		OCSP_RESPONSE_free(r);
	}
	ERR_clear_error();
	return TK_OK;
}

static enum tk_err dss_load(struct vctx *v, struct pdf_doc *doc)
{
	static const char *const keys[] = { "Certs", "CRLs", "OCSPs" };
	const struct pdf_obj *cat = NULL, *dss = NULL, *arr = NULL;
	struct buf tmp;
	size_t k, i;
	enum tk_err rc = TK_OK;

	buf_init(&tmp, VERIFY_MAX_CRL_BYTES);
	if (pdf_catalog(doc, &cat) != TK_OK || pdf_dict_get_resolved(doc, cat, "DSS", &dss) != TK_OK || pdf_obj_type(dss) != PDF_DICT) {
		tk_clear_error();
		goto out;
	}
	for (k = 0; k < 3 && rc == TK_OK; k++) {
		if (pdf_dict_get_resolved(doc, dss, keys[k], &arr) != TK_OK || pdf_obj_type(arr) != PDF_ARRAY) {
			tk_clear_error();
			continue;
		}
		for (i = 0; i < pdf_array_len(arr) && rc == TK_OK; i++)
			rc = dss_item(v, doc, pdf_array_get(arr, i), (enum dss_kind)k, &tmp);
	}
out:
	buf_free(&tmp);
	return rc;
}

/* ---- revisions after the signatures ---- */

static enum tk_err load_prefix(const struct vctx *v, const uint8_t *p, size_t end, struct pdf_doc **out)
{
	return pdf_doc_load_pw(p, end, PDF_LOAD_NO_REPAIR, v->o->password, out);
}

static enum tk_err analyse_revisions(struct vctx *v, const uint8_t *p, size_t len, const struct pdf_revision *revs, size_t nrevs,
    size_t first, struct verify_report *r)
{
	struct pdf_doc *prev = NULL, *cur = NULL;
	size_t k, work = 0, tail;
	enum tk_err rc = TK_OK;

	if ((r->changes = calloc(nrevs - first + 1, sizeof(*r->changes))) == NULL)
		return tk_fail(TK_ERR_NOMEM, "verify: out of memory");
	for (k = first + 1; k < nrevs; k++) {
		struct verify_change *ch = &r->changes[r->nchanges++];
		ch->revision = k;
		ch->start = revs[k - 1].end;
		ch->end = revs[k].end;
		if ((rc = vctx_check_time(v)) != TK_OK)
			goto out;
		if (k - first > VERIFY_MAX_REVISIONS) {
			ch->kinds = VERIFY_MOD_UNANALYSED;
			vd_detail(ch, "unanalysed: more than %u revisions after the first signature (VERIFY_MAX_REVISIONS)", VERIFY_MAX_REVISIONS);
			continue;
		}
		if (prev == NULL && (rc = load_prefix(v, p, revs[k - 1].end, &prev)) != TK_OK) {
			if (rc == TK_ERR_NOMEM)
				goto out;
			ch->kinds = VERIFY_MOD_UNANALYSED;
			vd_detail(ch, "unanalysed: revision %zu cannot be read on its own: %s", k, tk_errmsg());
			tk_clear_error();
			rc = TK_OK;
			prev = NULL;
			continue;
		}
		if ((rc = load_prefix(v, p, revs[k].end, &cur)) != TK_OK) {
			if (rc == TK_ERR_NOMEM)
				goto out;
			ch->kinds = VERIFY_MOD_UNANALYSED;
			vd_detail(ch, "unanalysed: revision %zu cannot be read on its own: %s", k + 1, tk_errmsg());
			tk_clear_error();
			rc = TK_OK;
			pdf_doc_free(prev);
			prev = NULL;
			continue;
		}
		if ((rc = vd_compare(v, prev, cur, ch, &work)) != TK_OK)
			goto out;
		if (ch->kinds == 0 && ch->ndetails == 0)
			vd_detail(ch, "no object changed");
		pdf_doc_free(prev);
		prev = cur;
		cur = NULL;
	}
	tail = nrevs > 0 ? revs[nrevs - 1].end : 0;
	if (tail < len) {
		struct verify_change *ch = &r->changes[r->nchanges++];
		size_t i, junk = 0;
		for (i = tail; i < len; i++)
			if (p[i] != ' ' && p[i] != '\r' && p[i] != '\n' && p[i] != '\t' && p[i] != '\f' && p[i] != '\0')
				junk++;
		ch->revision = nrevs;
		ch->start = tail;
		ch->end = len;
		if (junk) {
			ch->kinds = VERIFY_MOD_APPENDED;
			vd_detail(ch, "appended: %zu bytes after the last %%%%EOF are not a revision (ISO 32000-1 7.5.6)", len - tail);
		} else {
			vd_detail(ch, "%zu bytes of white space after the last %%%%EOF", len - tail);
		}
	}
	rc = TK_OK;
out:
	pdf_doc_free(prev);
	pdf_doc_free(cur);
	return rc;
}

/* ---- putting it together ---- */

static int sig_cmp(const void *x, const void *y)
{
	const struct psig *a = x, *b = y;

	if (a->end != b->end)
		return a->end < b->end ? -1 : 1;
	return strcmp(a->s->field, b->s->field);
}

static void kinds_text(unsigned kinds, char *out, size_t outsz)
{
	unsigned bit;
	size_t pos = 0;

	out[0] = '\0';
	for (bit = 1; bit <= VERIFY_MOD_UNANALYSED; bit <<= 1)
		if (kinds & bit) {
			int n = snprintf(out + pos, outsz - pos, "%s%s", pos ? ", " : "", verify_mod_name(bit));
			if (n < 0 || (size_t)n >= outsz - pos)
				break;
			pos += (size_t)n;
		}
}

#define BENIGN (VERIFY_MOD_SIGNATURE | VERIFY_MOD_DSS | VERIFY_MOD_DOC_TIMESTAMP)

static void pages_text(const struct verify_pages *pg, char *out, size_t outsz);

static void judge_changes(struct verify_report *r, struct verify_sig *s, size_t first_sig_rev, int pages_allowed)
{
	unsigned after = 0;
	size_t i, first_bad = SIZE_MAX;
	char kinds[160], pw[320] = "";

	for (i = 0; i < r->nchanges; i++)
		if (r->changes[i].revision > s->revision) {
			after |= r->changes[i].kinds;
			if ((r->changes[i].kinds & ~BENIGN) && first_bad == SIZE_MAX)
				first_bad = r->changes[i].revision;
		}
	if (s->docmdp) {
		unsigned forbidden = after & ~verify_docmdp_allowed(s->docmdp);
		if (forbidden) {
			for (i = 0; i < r->nchanges; i++)
				if (r->changes[i].revision > s->revision && (r->changes[i].kinds & forbidden))
					break;
			kinds_text(forbidden, kinds, sizeof(kinds));
			vb_set(s, VERIFY_BB_MDP, VERIFY_TOTAL_FAILED, VERIFY_SUB_SIG_CONSTRAINTS_FAILURE,
			    "certified with DocMDP P=%d, which forbids the changes made later (%s, from revision %zu; ISO 32000-1 12.8.2.2)", s->docmdp,
			    kinds, i < r->nchanges ? r->changes[i].revision + 1 : 0);
			return;
		}
	}
	/* Pages added or removed after signing: the signed document is not the one shown (policy page_changes). */
	if (s->pages.known && (s->pages.nadded > 0 || s->pages.nremoved > 0)) {
		char what[200];
		pages_text(&s->pages, what, sizeof(what));
		if (!pages_allowed) {
			vb_set(s, VERIFY_BB_MDP, VERIFY_TOTAL_FAILED, VERIFY_SUB_SIG_CONSTRAINTS_FAILURE,
			    "the pages changed after this signature (%s): it signed %zu pages, the document now has %zu; the validation policy "
			    "(page_changes = fail) does not accept that (ETSI EN 319 102-1 5.2.8)",
			    what, s->pages.signed_count, s->pages.now_count);
			return;
		}
		snprintf(pw, sizeof(pw), "; warning: the pages changed after this signature (%.150s): it signed %zu pages, the document now has %zu",
		    what, s->pages.signed_count, s->pages.now_count);
	}
	if (after & ~BENIGN) {
		kinds_text(after & ~BENIGN, kinds, sizeof(kinds));
		vb_set(s, VERIFY_BB_MDP, VERIFY_TOTAL_PASSED, VERIFY_SUB_NONE,
		    "the document was changed after this signature (%s, from revision %zu); those changes are not covered by it%s", kinds,
		    first_bad == r->nrevisions ? first_bad : first_bad + 1, s->docmdp ? ", but DocMDP allows them" : "");
	} else if (after) {
		kinds_text(after, kinds, sizeof(kinds));
		vb_set(s, VERIFY_BB_MDP, VERIFY_TOTAL_PASSED, VERIFY_SUB_NONE, "later revisions only add %s", kinds);
	} else {
		vb_set(s, VERIFY_BB_MDP, VERIFY_TOTAL_PASSED, VERIFY_SUB_NONE, "no change after this signature");
	}
	if (s->docmdp && s->revision != first_sig_rev)
		snprintf(s->bb[VERIFY_BB_MDP].msg + strlen(s->bb[VERIFY_BB_MDP].msg),
		    sizeof(s->bb[VERIFY_BB_MDP].msg) - strlen(s->bb[VERIFY_BB_MDP].msg),
		    "; note: a certification signature should be the first (ISO 32000-1 12.8.2.2.1)");
	if (pw[0])
		snprintf(s->bb[VERIFY_BB_MDP].msg + strlen(s->bb[VERIFY_BB_MDP].msg),
		    sizeof(s->bb[VERIFY_BB_MDP].msg) - strlen(s->bb[VERIFY_BB_MDP].msg), "%s", pw);
}

static void set_level_suffix(struct verify_sig *s, const char *suffix)
{
	char *dash = strrchr(s->level, '-');

	if (dash != NULL)
		snprintf(dash + 1, sizeof(s->level) - (size_t)(dash + 1 - s->level), "%s", suffix);
}

static void tsa_fields(struct verify_sig *s, X509 *tsa)
{
	vx_cert_cn(tsa, s->signer, sizeof(s->signer));
	vx_name(X509_get_subject_name(tsa), s->signer_dn, sizeof(s->signer_dn));
	vx_name(X509_get_issuer_name(tsa), s->issuer_dn, sizeof(s->issuer_dn));
	s->not_before = vx_time(X509_get0_notBefore(tsa));
	s->not_after = vx_time(X509_get0_notAfter(tsa));
	vx_key_name(X509_get0_pubkey(tsa), s->key, sizeof(s->key));
}

static void worst(struct verify_report *r)
{
	size_t i;

	r->ind = VERIFY_TOTAL_PASSED;
	r->sub = VERIFY_SUB_NONE;
	for (i = 0; i < r->nsigs; i++)
		if (r->sigs[i].ind > r->ind) {
			r->ind = r->sigs[i].ind;
			r->sub = r->sigs[i].sub;
		}
}

static void sha256_of(const uint8_t *p, size_t len, char out[65])
{
	struct vranges all = { p, { 0, 0 }, { len, 0 }, 1 };
	uint8_t h[EVP_MAX_MD_SIZE];
	size_t hl = 0;

	if (vx_digest(EVP_sha256(), &all, h, &hl) == TK_OK && hl == 32)
		hex_encode(h, 32, out);
	else
		out[0] = '\0';
	tk_clear_error();
}

/* "%PDF-1.7" anywhere in the first 1024 bytes (ISO 32000-1 7.5.2; readers allow leading junk). */
static const uint8_t *pdf_header(const uint8_t *p, size_t len)
{
	return len >= 5 ? memmem(p, len < 1024 ? len : 1024, "%PDF-", 5) : NULL;
}

/* Pages as signed against pages now, and the visible changes after, for every signature whose revision is known. */
static enum tk_err pages_summary(struct vctx *v, const uint8_t *p, const struct pdf_revision *revs, size_t nrevs, struct pdf_doc *doc,
    struct fwalk *w, struct verify_report *r)
{
	uint32_t *now = NULL, *then = NULL;
	size_t nnow = 0, nthen = 0, i, j, k, loaded = SIZE_MAX;
	enum tk_err rc;

	if ((rc = vd_page_list(doc, &now, &nnow)) != TK_OK) {
		if (rc != TK_ERR_NOMEM)
			rc = TK_OK; /* no page tree to count: nothing to compare */
		goto out;
	}
	for (i = 0; i < w->n; i++) {
		struct verify_sig *s = w->sigs[i].s;
		const uint32_t *a;
		size_t na;
		if (s->revision == SIZE_MAX || s->revision >= nrevs)
			continue;
		if (s->revision == nrevs - 1) {
			a = now;
			na = nnow;
		} else {
			if (s->revision != loaded) {
				struct pdf_doc *d = NULL;
				free(then);
				then = NULL;
				loaded = SIZE_MAX;
				if ((rc = vctx_check_time(v)) != TK_OK)
					goto out;
				if ((rc = load_prefix(v, p, revs[s->revision].end, &d)) != TK_OK) {
					if (rc == TK_ERR_NOMEM)
						goto out;
					tk_clear_error();
					rc = TK_OK;
					continue;
				}
				rc = vd_page_list(d, &then, &nthen);
				pdf_doc_free(d);
				if (rc == TK_ERR_NOMEM)
					goto out;
				if (rc != TK_OK) {
					rc = TK_OK;
					continue;
				}
				loaded = s->revision;
			}
			a = then;
			na = nthen;
		}
		if ((rc = vd_pages_compare(a, na, now, nnow, &s->pages)) != TK_OK)
			goto out;
		for (j = 0; j < r->nchanges; j++) {
			const struct verify_change *ch = &r->changes[j];
			if (ch->revision <= s->revision)
				continue;
			s->pages.shadow |= ch->shadow;
			for (k = 0; k < ch->npages && k < VERIFY_MAX_PAGE_LIST; k++) {
				size_t m;
				for (m = 0; m < s->pages.nchanged && m < VERIFY_MAX_PAGE_LIST; m++)
					if (s->pages.changed[m] == ch->pages[k])
						break;
				if (m < s->pages.nchanged && m < VERIFY_MAX_PAGE_LIST)
					continue;
				if (s->pages.nchanged < VERIFY_MAX_PAGE_LIST)
					s->pages.changed[s->pages.nchanged] = ch->pages[k];
				s->pages.nchanged++;
			}
		}
	}
	rc = TK_OK;
out:
	free(now);
	free(then);
	return rc;
}

/* "page 4 added; pages 2, 3 removed" into out. */
static void pages_text(const struct verify_pages *pg, char *out, size_t outsz)
{
	size_t pos = 0, i, k;

	out[0] = '\0';
	for (k = 0; k < 2; k++) {
		const uint32_t *l = k == 0 ? pg->added : pg->removed;
		size_t n = k == 0 ? pg->nadded : pg->nremoved;
		int m;
		if (n == 0)
			continue;
		m = snprintf(out + pos, outsz - pos, "%s%s ", pos ? "; " : "", n == 1 ? "page" : "pages");
		if (m < 0 || (size_t)m >= outsz - pos)
			return;
		pos += (size_t)m;
		for (i = 0; i < n && i < VERIFY_MAX_PAGE_LIST; i++) {
			m = snprintf(out + pos, outsz - pos, "%s%u", i ? ", " : "", l[i]);
			if (m < 0 || (size_t)m >= outsz - pos)
				return;
			pos += (size_t)m;
		}
		m = snprintf(out + pos, outsz - pos, "%s %s", n > VERIFY_MAX_PAGE_LIST ? ", ..." : "", k == 0 ? "added" : "removed");
		if (m < 0 || (size_t)m >= outsz - pos)
			return;
		pos += (size_t)m;
	}
}

static void raw_notice(struct verify_report *r, size_t nraw, size_t tail, size_t len)
{
	if (r->unreadable)
		snprintf(r->notice, sizeof(r->notice),
		    "the file starts like a PDF but its structure cannot be read (%.180s); %zu signature dictionar%s found by scanning its bytes, "
		    "none can pass",
		    r->damage, nraw, nraw == 1 ? "y was" : "ies were");
	else
		snprintf(r->notice, sizeof(r->notice),
		    "the %zu bytes after the last complete revision (%%%%EOF) hold %zu signature dictionar%s but no complete revision: the file "
		    "looks truncated",
		    len - tail, nraw, nraw == 1 ? "y" : "ies");
}

enum tk_err verify_pdf(const uint8_t *p, size_t len, const struct verify_opts *o, struct verify_report **out)
{
	struct verify_report *r = NULL;
	struct pdf_doc *doc = NULL;
	const struct pdf_revision *revs = NULL;
	const uint8_t *hp;
	size_t nrevs = 0, i, j, first = SIZE_MAX, tail = 0, nraw = 0;
	struct fwalk w;
	struct vctx v;
	enum tk_err rc;

	*out = NULL;
	memset(&w, 0, sizeof(w));
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return tk_fail(TK_ERR_NOMEM, "verify: out of memory");
	vctx_init(&v, o, r);
	if (o->trust == NULL) {
		rc = tk_fail(TK_ERR_INVALID, "verify: no trust store");
		goto out;
	}
	r->size = len;
	r->validation_time = v.now;
	if ((rc = vctx_check_time(&v)) != TK_OK)
		goto out;
	if ((uint64_t)len > MAX_PDF_BYTES) {
		rc = tk_fail(TK_ERR_LIMIT, "verify: file of %zu bytes exceeds MAX_PDF_BYTES", len);
		goto out;
	}
	if ((hp = pdf_header(p, len)) == NULL) {
		rc = tk_fail_code(TK_ERR_INVALID, "not_a_pdf", "verify: not a PDF file (no %%PDF- header in the first 1024 bytes, ISO 32000-1 7.5.2)");
		goto out;
	}
	if ((size_t)(hp - p) + 7 < len && hp[5] >= '0' && hp[5] <= '9' && hp[6] == '.' && hp[7] >= '0' && hp[7] <= '9') {
		r->pdf_major = (unsigned)(hp[5] - '0');
		r->pdf_minor = (unsigned)(hp[7] - '0');
	}
	sha256_of(p, len, r->sha256);
	if ((rc = pdf_doc_load_pw(p, len, 0, o->password, &doc)) != TK_OK) {
		char why[160];
		const char *code = tk_last_error()->code;
		/* An encrypted file we cannot open gets a verdict, not an error (docs/verification.md). */
		if (strcmp(code, "pdf_password") == 0 || strcmp(code, "pdf_crypt_unsupported") == 0) {
			r->needs_password = strcmp(code, "pdf_password") == 0;
			if (r->needs_password)
				snprintf(r->notice, sizeof(r->notice), "the document is protected by a user password%s; give it with --password-file "
								       "to verify its signatures",
				    o->password != NULL && o->password[0] != '\0' ? " and the password given is not right" : "");
			else
				snprintf(r->notice, sizeof(r->notice), "the document is encrypted in a way this verifier cannot open: %.250s", tk_errmsg());
			snprintf(r->encryption, sizeof(r->encryption), "%s", r->needs_password ? "standard security handler" : "unsupported");
			r->ind = VERIFY_INDETERMINATE;
			r->sub = VERIFY_SUB_NONE;
			tk_clear_error();
			*out = r;
			r = NULL;
			rc = TK_OK;
			goto out;
		}
		if (rc != TK_ERR_INVALID || strcmp(code, "pdf_encrypted") == 0 || strcmp(code, "pdf_encrypt_invalid") == 0)
			goto out;
		/* Not even a rebuilt structure: what the bytes show is still an answer (a verdict, never only an error). */
		snprintf(r->damage, sizeof(r->damage), "%s", tk_errmsg());
		tk_clear_error();
		r->unreadable = 1;
		snprintf(why, sizeof(why), "found by scanning the bytes of a file whose PDF structure cannot be read");
		if ((rc = raw_scan(&w, p, 0, len, why)) != TK_OK)
			goto out;
		nraw = w.n;
	} else {
		if (pdf_doc_encryption(doc) != NULL)
			snprintf(r->encryption, sizeof(r->encryption), "%s", pdf_doc_encryption(doc));
		if (o->max_objects != 0 && pdf_xref_size(doc) > o->max_objects) {
			rc = tk_fail_code(TK_ERR_LIMIT, "verify_limit", "verify: the document has %u object numbers, more than the %u this verifier accepts",
			    pdf_xref_size(doc), o->max_objects);
			goto out;
		}
		if (pdf_doc_damage(doc) != NULL)
			snprintf(r->damage, sizeof(r->damage), "%s", pdf_doc_damage(doc));
		if ((rc = pdf_revisions(doc, &revs, &nrevs)) != TK_OK)
			goto out;
		r->nrevisions = nrevs;
		if ((rc = find_sigs(doc, &w)) != TK_OK) {
			if (rc != TK_ERR_INVALID)
				goto out;
			/* A catalog or form that does not parse: the raw scan below still finds the signatures. */
			if (r->damage[0] == '\0')
				snprintf(r->damage, sizeof(r->damage), "%s", tk_errmsg());
			tk_clear_error();
			r->unreadable = 1;
			for (i = 0; i < w.n; i++)
				free(w.sigs[i].s);
			w.n = 0;
			tail = 0;
		} else {
			tail = nrevs > 0 ? revs[nrevs - 1].end : 0;
		}
		/* A cut file: the signature of the lost last revision is still in the bytes after the last %%EOF. */
		for (i = tail, j = r->unreadable; i < len && j == 0; i++)
			j = !(p[i] == ' ' || p[i] == '\r' || p[i] == '\n' || p[i] == '\t' || p[i] == '\f' || p[i] == '\0');
		if (j) {
			size_t before = w.n;
			if ((rc = raw_scan(&w, p, tail, len,
				 !r->unreadable ? "found after the last complete revision, in bytes that end before their own %%EOF: the file looks truncated"
						: "found by scanning the bytes of a file whose PDF structure cannot be read")) != TK_OK)
				goto out;
			if (w.n == before && tail > 0 && !r->unreadable && (rc = raw_scan_fields(&w, p, tail, len)) != TK_OK)
				goto out;
			nraw = w.n - before;
		}
	}
	if (w.n == 0) {
		/* A report, not an error: "this file holds no signature" is an answer. Say why when the file
		 * looks cut or damaged: a lost last revision leaves an unsigned one. */
		size_t junk = 0;
		if (r->unreadable) {
			snprintf(r->notice, sizeof(r->notice), "the file starts like a PDF but its structure cannot be read (%.200s); no signature "
							       "dictionary was found in its bytes",
			    r->damage);
		} else {
			tail = nrevs > 0 ? revs[nrevs - 1].end : 0;
			for (i = tail; i < len && junk == 0; i++)
				junk = !(p[i] == ' ' || p[i] == '\r' || p[i] == '\n' || p[i] == '\t' || p[i] == '\f' || p[i] == '\0');
			if (junk)
				snprintf(r->notice, sizeof(r->notice), "the document has no signed signature field (ISO 32000-1 12.7.4.5); the %zu bytes "
								       "after its last %%%%EOF are not a readable revision: the file may be truncated",
				    len - tail);
			else if (r->damage[0])
				snprintf(r->notice, sizeof(r->notice),
				    "the document has no signed signature field (ISO 32000-1 12.7.4.5); its structure is damaged: %.200s", r->damage);
			else
				snprintf(r->notice, sizeof(r->notice), "the document has no signed signature field (ISO 32000-1 12.7.4.5)");
		}
		r->no_signature = 1;
		r->ind = VERIFY_INDETERMINATE;
		*out = r;
		r = NULL;
		rc = TK_OK;
		goto out;
	}
	/* FC for every signature, then file order. */
	for (i = 0; i < w.n; i++)
		check_format(doc, p, len, revs, nrevs, &w.sigs[i]);
	qsort(w.sigs, w.n, sizeof(w.sigs[0]), sig_cmp);
	for (i = 0; i < w.n; i++) {
		w.sigs[i].s->index = i + 1;
		if (w.sigs[i].s->revision < first)
			first = w.sigs[i].s->revision;
	}
	if (doc != NULL && (rc = dss_load(&v, doc)) != TK_OK)
		goto out;

	/* Document timestamps, newest first: each is validated when the next one proves it existed. */
	for (i = w.n; i-- > 0;) {
		struct psig *ps = &w.sigs[i];
		struct verify_sig *s = ps->s;
		struct verify_ts *t = &s->ts[0];
		X509 *tsa = NULL;
		int64_t at = v.now;
		if (!s->doc_timestamp)
			continue;
		if (!ps->fc_ok) {
			vs_conclude(s);
			continue;
		}
		for (j = i + 1; j < w.n; j++)
			if (w.sigs[j].ts_valid && w.sigs[j].s->revision > s->revision && w.sigs[j].gen_time < at)
				at = w.sigs[j].gen_time;
		memset(t, 0, sizeof(*t));
		t->document = 1;
		s->nts = 1;
		if ((rc = vs_check_token(&v, ps->cms, ps->cms_len, &ps->rg, at, t, &tsa)) != TK_OK)
			goto out;
		if (tsa != NULL)
			tsa_fields(s, tsa);
		X509_free(tsa);
		snprintf(s->digest, sizeof(s->digest), "%s", t->md);
		s->has_signing_time = t->gen_time != 0;
		s->signing_time = t->gen_time;
		snprintf(s->signing_time_source, sizeof(s->signing_time_source), "tst-genTime");
		s->best_signature_time = t->gen_time;
		s->poe = 1;
		vb_set(s, VERIFY_BB_TS, t->ind, t->sub, "%s", t->msg);
		s->ind = t->ind;
		s->sub = t->sub;
		snprintf(s->msg, sizeof(s->msg), "%s", t->msg);
		if (t->ind == VERIFY_TOTAL_PASSED && r->damage[0] == '\0') {
			ps->ts_valid = 1;
			ps->gen_time = t->gen_time;
		}
	}

	/* Signatures. */
	for (i = 0; i < w.n; i++) {
		struct psig *ps = &w.sigs[i];
		struct vsigned sd;
		if (ps->s->doc_timestamp)
			continue;
		if (!ps->fc_ok) {
			if (ps->partial) {
				if ((rc = partial_check(&v, ps, len)) != TK_OK)
					goto out;
			} else {
				vs_conclude(ps->s);
			}
			continue;
		}
		memset(&sd, 0, sizeof(sd));
		sd.ranges = &ps->rg;
		sd.enveloped_sha1 = ps->sha1_enveloped;
		sd.pades = 1;
		for (j = 0; j < w.n; j++)
			if (w.sigs[j].ts_valid && w.sigs[j].s->revision > ps->s->revision && (sd.doc_poe == 0 || w.sigs[j].gen_time < sd.doc_poe))
				sd.doc_poe = w.sigs[j].gen_time;
		if ((rc = vs_check_cms(&v, ps->s, ps->cms, ps->cms_len, &sd)) != TK_OK)
			goto out;
		if (ps->s->covering_doc_ts == 0)
			for (j = 0; j < w.n; j++)
				if (w.sigs[j].ts_valid && w.sigs[j].s->revision > ps->s->revision)
					ps->s->covering_doc_ts++;
	}

	/* What came after: also after a signature that failed, as long as the revision it closes is known. */
	if (doc != NULL && first != SIZE_MAX && (rc = analyse_revisions(&v, p, len, revs, nrevs, first, r)) != TK_OK)
		goto out;
	if (doc != NULL && first != SIZE_MAX && (rc = pages_summary(&v, p, revs, nrevs, doc, &w, r)) != TK_OK)
		goto out;
	for (i = 0; i < r->nchanges; i++)
		if (r->changes[i].kinds & ~BENIGN)
			r->changed_after_signing = 1;
	for (i = 0; i < w.n; i++) {
		struct psig *ps = &w.sigs[i];
		struct verify_sig *s = ps->s;
		size_t last_dss = s->revision;
		if (s->revision == SIZE_MAX)
			continue;
		if (!ps->fc_ok) {
			judge_changes(r, s, first, o->page_changes_allowed);
			vs_conclude(s);
			continue;
		}
		if (s->docmdp && !s->doc_timestamp && (r->certified == 0 || s->index == 1))
			r->certified = s->docmdp;
		judge_changes(r, s, first, o->page_changes_allowed);
		if (s->doc_timestamp) {
			if (s->bb[VERIFY_BB_MDP].ind == VERIFY_TOTAL_FAILED)
				vs_conclude(s);
			continue;
		}
		vs_conclude(s);
		/* Level (ETSI EN 319 142-1 6): B-T with a timestamp, B-LT with validation data in /DSS, B-LTA with a document timestamp over it. */
		if (strlen(s->level) < 2 || strcmp(s->level + strlen(s->level) - 2, "-T") != 0 || s->bb[VERIFY_BB_CV].ind != VERIFY_TOTAL_PASSED)
			continue;
		if (!s->rev_in_dss || s->nchain == 0)
			continue;
		set_level_suffix(s, "LT");
		for (j = 0; j < r->nchanges; j++)
			if ((r->changes[j].kinds & VERIFY_MOD_DSS) && r->changes[j].revision > last_dss)
				last_dss = r->changes[j].revision;
		for (j = 0; j < w.n; j++)
			if (w.sigs[j].ts_valid && w.sigs[j].s->revision > last_dss) {
				set_level_suffix(s, "LTA");
				break;
			}
	}

	/*
	 * A damaged file. When no cross-reference section was usable and the
	 * whole file had to be rebuilt by scanning, what a reader shows depends
	 * on how it repairs the file, so it cannot be tied to what was signed:
	 * format failure (ETSI EN 319 102-1 5.2.2), even when the signature value
	 * itself is intact. Entries that merely point a few bytes off (sloppy
	 * producers do this, often in the unsigned original) are repaired the
	 * way every reader repairs them, to the one object of that number: the
	 * signatures keep their verdict, with a warning (pdfsig and Acrobat
	 * accept such files too).
	 */
	if (r->damage[0] != '\0' && !r->unreadable) {
		int rebuilt = pdf_xref_kind(doc) == PDF_XREF_REBUILT;
		for (i = 0; i < w.n; i++) {
			struct verify_sig *s = w.sigs[i].s;
			if (!w.sigs[i].fc_ok)
				continue;
			if (!rebuilt) {
				vs_warn(s, "cross-reference entries that point to the wrong place were repaired as readers do (ISO 32000-1 "
					   "7.5.4): %.90s",
				    r->damage);
				continue;
			}
			vb_set(s, VERIFY_BB_FC, VERIFY_TOTAL_FAILED, VERIFY_SUB_FORMAT_FAILURE,
			    "the file's cross-reference data is damaged (%.160s): what a reader shows cannot be tied to what was signed "
			    "(ISO 32000-1 7.5.4, ETSI EN 319 102-1 5.2.2)",
			    r->damage);
			vs_conclude(s);
		}
	}
	if (nraw > 0)
		raw_notice(r, nraw, tail, len);
	else if (tail > 0 && mem_find(p, tail, len, " obj") != SIZE_MAX && mem_find(p, tail, len, "%%EOF") == SIZE_MAX)
		snprintf(r->notice, sizeof(r->notice), "the %zu bytes after the last complete revision (%%%%EOF) hold objects but no "
						       "cross-reference section or %%%%EOF: the file looks truncated (or an update was left incomplete), and whatever that revision "
						       "held is lost",
		    len - tail);
	else if (r->damage[0] != '\0' && (doc == NULL || pdf_xref_kind(doc) == PDF_XREF_REBUILT))
		snprintf(r->notice, sizeof(r->notice), "the document's structure is damaged (%.240s); no signature in it can pass", r->damage);
	else if (r->damage[0] != '\0')
		snprintf(r->notice, sizeof(r->notice), "the document's cross-reference data has wrong entries (%.240s), repaired as readers do",
		    r->damage);

	if ((r->sigs = calloc(w.n, sizeof(*r->sigs))) == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "verify: out of memory");
		goto out;
	}
	for (i = 0; i < w.n; i++)
		r->sigs[i] = *w.sigs[i].s;
	r->nsigs = w.n;
	worst(r);
	*out = r;
	r = NULL;
	rc = TK_OK;
out:
	for (i = 0; i < w.n; i++) {
		free(w.sigs[i].s);
		free(w.sigs[i].own);
	}
	free(w.sigs);
	free(w.seen);
	pdf_doc_free(doc);
	vctx_done(&v);
	verify_report_free(r);
	ERR_clear_error();
	return rc;
}

enum tk_err verify_cades(const uint8_t *sig, size_t siglen, const uint8_t *content, size_t len, const struct verify_opts *o,
    struct verify_report **out)
{
	struct verify_report *r = NULL;
	struct verify_sig *s;
	struct vranges rg = { content, { 0, 0 }, { len, 0 }, 1 };
	struct vsigned sd;
	struct vctx v;
	enum tk_err rc;

	*out = NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL || (r->sigs = calloc(1, sizeof(*r->sigs))) == NULL) {
		free(r);
		return tk_fail(TK_ERR_NOMEM, "verify: out of memory");
	}
	vctx_init(&v, o, r);
	if (o->trust == NULL) {
		rc = tk_fail(TK_ERR_INVALID, "verify: no trust store");
		goto out;
	}
	r->cades = 1;
	r->size = len;
	r->validation_time = v.now;
	r->nsigs = 1;
	s = &r->sigs[0];
	s->index = 1;
	s->revision = SIZE_MAX;
	snprintf(s->subfilter, sizeof(s->subfilter), "CAdES");
	if (siglen == 0 || sig[0] != 0x30 || vx_ber_size(sig, siglen) != siglen) {
		rc = tk_fail_code(TK_ERR_INVALID, "cms_malformed", "verify: the signature file is not one DER or BER CMS SignedData (RFC 5652 3)");
		goto out;
	}
	sha256_of(content, len, r->sha256);
	s->covers_whole_document = 1;
	memset(&sd, 0, sizeof(sd));
	sd.ranges = &rg;
	sd.cades = 1;
	if ((rc = vs_check_cms(&v, s, sig, siglen, &sd)) != TK_OK)
		goto out;
	worst(r);
	*out = r;
	r = NULL;
	rc = TK_OK;
out:
	vctx_done(&v);
	verify_report_free(r);
	ERR_clear_error();
	return rc;
}

void verify_report_free(struct verify_report *r)
{
	if (r == NULL)
		return;
	free(r->sigs);
	free(r->changes);
	free(r);
}

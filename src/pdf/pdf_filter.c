/*
 * Stream filters (ISO 32000-1 7.4): FlateDecode with PNG and TIFF 2
 * predictors, ASCIIHexDecode, ASCII85Decode, in chains. Every stage writes
 * into a buffer whose maximum is the decompression budget, so a bomb stops
 * at the budget instead of growing.
 */
#include "pdf/pdf_int.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

struct fctx {
	uint32_t num;
	uint16_t gen;
	const char *filter;
};

static enum tk_err ferr(const struct fctx *c, enum tk_err err, const char *clause, const char *what)
{
	return tk_fail(err, "pdf: ISO 32000-1 %s: %s of object %u %u: %s", clause, c->filter, c->num, (unsigned)c->gen,
	    what);
}

static enum tk_err over(const struct fctx *c, size_t limit)
{
	return tk_fail(TK_ERR_LIMIT,
	    "pdf: ISO 32000-1 7.4: %s of object %u %u: decoded data exceeds the budget of %zu bytes "
	    "(MAX_INFLATE_BYTES, MAX_INFLATE_RATIO)",
	    c->filter, c->num, (unsigned)c->gen, limit);
}

static enum tk_err flate(const struct fctx *c, const uint8_t *in, size_t inlen, struct buf *out)
{
	z_stream zs;
	int zr = Z_OK;
	enum tk_err rc;

	memset(&zs, 0, sizeof(zs));
	if (inflateInit(&zs) != Z_OK)
		return tk_fail(TK_ERR_NOMEM, "pdf: zlib cannot start");
	zs.next_in = (Bytef *)(uintptr_t)in;
	for (;;) {
		size_t room;
		if (zs.avail_in == 0 && inlen > 0) {
			zs.avail_in = inlen > UINT32_MAX ? UINT32_MAX : (uInt)inlen;
			inlen -= zs.avail_in;
		}
		if (out->len >= out->max) {
			/* Full: one more byte of output means over budget. */
			uint8_t probe;
			zs.next_out = &probe;
			zs.avail_out = 1;
			zr = inflate(&zs, Z_NO_FLUSH);
			if (zs.avail_out == 0) {
				rc = over(c, out->max);
				goto out;
			}
			break;
		}
		room = out->max - out->len;
		if (room > 256u * 1024u)
			room = 256u * 1024u;
		if ((rc = buf_reserve(out, room)) != TK_OK)
			goto out;
		zs.next_out = out->p + out->len;
		zs.avail_out = (uInt)room;
		zr = inflate(&zs, Z_NO_FLUSH);
		out->len += room - zs.avail_out;
		if (zr == Z_STREAM_END)
			break;
		if (zr == Z_BUF_ERROR && zs.avail_in == 0 && inlen == 0)
			break; /* truncated data: keep what was decoded, as viewers do */
		if (zr != Z_OK)
			break;
	}
	if (zr == Z_DATA_ERROR && zs.msg != NULL && strcmp(zs.msg, "incorrect data check") == 0)
		zr = Z_STREAM_END; /* all data is there; only the Adler-32 is wrong */
	if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR) {
		char what[128];
		if (str_fmt(what, sizeof(what), "corrupt compressed data (%s)", zs.msg ? zs.msg : "zlib error") != TK_OK)
			what[0] = '\0';
		rc = ferr(c, TK_ERR_INVALID, "7.4.4", what);
		goto out;
	}
	rc = TK_OK;
out:
	inflateEnd(&zs);
	return rc;
}

static int hexv(uint8_t ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static enum tk_err ahx(const struct fctx *c, const uint8_t *in, size_t n, struct buf *out)
{
	int hi = -1;
	size_t i;
	enum tk_err rc;

	for (i = 0; i < n; i++) {
		int v;
		if (in[i] == '>')
			break;
		if (pdf_is_ws(in[i]))
			continue;
		if ((v = hexv(in[i])) < 0)
			return ferr(c, TK_ERR_INVALID, "7.4.2", "not a hexadecimal digit");
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (out->len >= out->max)
			return over(c, out->max);
		if ((rc = buf_putc(out, (uint8_t)(hi << 4 | v))) != TK_OK)
			return rc;
		hi = -1;
	}
	if (hi >= 0) {
		if (out->len >= out->max)
			return over(c, out->max);
		return buf_putc(out, (uint8_t)(hi << 4));
	}
	return TK_OK;
}

static enum tk_err a85(const struct fctx *c, const uint8_t *in, size_t n, struct buf *out)
{
	uint32_t v = 0;
	int k = 0;
	size_t i = 0;
	uint8_t b[4];
	enum tk_err rc;

	while (i < n && pdf_is_ws(in[i]))
		i++;
	if (n - i >= 2 && in[i] == '<' && in[i + 1] == '~')
		i += 2; /* some writers keep the PostScript prefix */
	for (; i < n; i++) {
		uint8_t ch = in[i];
		if (pdf_is_ws(ch))
			continue;
		if (ch == '~')
			break;
		if (ch == 'z' && k == 0) {
			memset(b, 0, 4);
			if (out->max - out->len < 4)
				return over(c, out->max);
			if ((rc = buf_append(out, b, 4)) != TK_OK)
				return rc;
			continue;
		}
		if (ch < '!' || ch > 'u')
			return ferr(c, TK_ERR_INVALID, "7.4.3", "character outside the ASCII base-85 range");
		if (k == 4 && (uint64_t)v * 85 + (ch - '!') > UINT32_MAX)
			return ferr(c, TK_ERR_INVALID, "7.4.3", "group of five characters exceeds 2^32 - 1");
		v = v * 85 + (uint32_t)(ch - '!');
		if (++k == 5) {
			b[0] = (uint8_t)(v >> 24);
			b[1] = (uint8_t)(v >> 16);
			b[2] = (uint8_t)(v >> 8);
			b[3] = (uint8_t)v;
			if (out->max - out->len < 4)
				return over(c, out->max);
			if ((rc = buf_append(out, b, 4)) != TK_OK)
				return rc;
			k = 0;
			v = 0;
		}
	}
	if (k == 1)
		return ferr(c, TK_ERR_INVALID, "7.4.3", "final group has a single character");
	if (k > 1) {
		int m;
		for (m = k; m < 5; m++)
			v = v * 85 + 84; /* pad with 'u' */
		b[0] = (uint8_t)(v >> 24);
		b[1] = (uint8_t)(v >> 16);
		b[2] = (uint8_t)(v >> 8);
		b[3] = (uint8_t)v;
		if (out->max - out->len < (size_t)(k - 1))
			return over(c, out->max);
		if ((rc = buf_append(out, b, (size_t)(k - 1))) != TK_OK)
			return rc;
	}
	return TK_OK;
}

static int64_t parm_int(struct pdf_doc *doc, const struct pdf_obj *parms, const char *key, int64_t dflt)
{
	const struct pdf_obj *v = NULL;
	int64_t i;

	if (parms == NULL || pdf_dict_get_resolved(doc, parms, key, &v) != TK_OK || !pdf_as_int(v, &i))
		return dflt;
	return i;
}

static uint8_t paeth(uint8_t a, uint8_t b, uint8_t cc)
{
	int p = (int)a + b - cc, pa = p > a ? p - a : a - p, pb = p > b ? p - b : b - p, pc = p > cc ? p - cc : cc - p;

	if (pa <= pb && pa <= pc)
		return a;
	return pb <= pc ? b : cc;
}

/* 7.4.4.4: undo a PNG (10..15) or TIFF (2) predictor in place into out. */
static enum tk_err predict(struct pdf_doc *doc, const struct fctx *c, const struct pdf_obj *parms, struct buf *in,
    struct buf *out)
{
	int64_t pred = parm_int(doc, parms, "Predictor", 1);
	int64_t colors = parm_int(doc, parms, "Colors", 1);
	int64_t bpc = parm_int(doc, parms, "BitsPerComponent", 8);
	int64_t cols = parm_int(doc, parms, "Columns", 1);
	size_t bpp, rowlen, i, pos;
	uint8_t *prev = NULL;
	enum tk_err rc;

	if (pred == 1) {
		buf_free(out);
		*out = *in;
		memset(in, 0, sizeof(*in));
		return TK_OK;
	}
	if (colors < 1 || colors > 32 || (bpc != 1 && bpc != 2 && bpc != 4 && bpc != 8 && bpc != 16) || cols < 1 ||
	    cols > (1 << 24))
		return ferr(c, TK_ERR_INVALID, "7.4.4.4", "predictor parameters out of range");
	bpp = (size_t)((colors * bpc + 7) / 8);
	rowlen = (size_t)((colors * bpc * cols + 7) / 8);
	if (pred == 2) {
		if (bpc != 8)
			return tk_fail_code(TK_ERR_INVALID, "pdf_unsupported_filter",
			    "pdf: ISO 32000-1 7.4.4.4: %s of object %u %u: TIFF predictor with %lld-bit components is not supported",
			    c->filter, c->num, (unsigned)c->gen, (long long)bpc);
		for (pos = 0; pos < in->len; pos += rowlen) {
			size_t n = in->len - pos < rowlen ? in->len - pos : rowlen;
			for (i = bpp; i < n; i++)
				in->p[pos + i] = (uint8_t)(in->p[pos + i] + in->p[pos + i - bpp]);
		}
		buf_free(out);
		*out = *in;
		memset(in, 0, sizeof(*in));
		return TK_OK;
	}
	if (pred < 10 || pred > 15)
		return tk_fail_code(TK_ERR_INVALID, "pdf_unsupported_filter",
		    "pdf: ISO 32000-1 7.4.4.4: %s of object %u %u: predictor %lld is not supported", c->filter, c->num,
		    (unsigned)c->gen, (long long)pred);
	/* Rows never exceed the input, whatever /Columns claims. */
	if ((prev = calloc(1, (rowlen < in->len ? rowlen : in->len) + 1)) == NULL)
		return tk_fail(TK_ERR_NOMEM, "pdf: out of memory");
	for (pos = 0; pos < in->len;) {
		uint8_t ft = in->p[pos++];
		size_t n = in->len - pos < rowlen ? in->len - pos : rowlen;
		uint8_t *row;
		if ((rc = buf_reserve(out, n)) != TK_OK)
			goto out;
		row = out->p + out->len;
		memcpy(row, in->p + pos, n);
		for (i = 0; i < n; i++) {
			uint8_t a = i >= bpp ? row[i - bpp] : 0, b = prev[i], cc = i >= bpp ? prev[i - bpp] : 0;
			switch (ft) {
			case 0: break;
			case 1: row[i] = (uint8_t)(row[i] + a); break;
			case 2: row[i] = (uint8_t)(row[i] + b); break;
			case 3: row[i] = (uint8_t)(row[i] + ((a + b) >> 1)); break;
			case 4: row[i] = (uint8_t)(row[i] + paeth(a, b, cc)); break;
			default:
				rc = ferr(c, TK_ERR_INVALID, "7.4.4.4", "PNG row has an unknown filter type");
				goto out;
			}
		}
		memcpy(prev, row, n);
		out->len += n;
		pos += n;
	}
	rc = TK_OK;
out:
	free(prev);
	return rc;
}

static bool name_eq(const struct pdf_obj *o, const char *a, const char *b)
{
	return pdf_name_is(o, a) || (b != NULL && pdf_name_is(o, b));
}

enum tk_err pdf_stream_decode(struct pdf_doc *doc, const struct pdf_obj *stream, struct buf *out)
{
	const struct pdf_obj *filt = NULL, *parms = NULL, *dict;
	const struct pdf_obj *fl[MAX_PDF_FILTERS], *pl[MAX_PDF_FILTERS];
	struct buf cur, nxt, dec;
	struct fctx c;
	size_t nf = 0, i, limit, first = 0, srclen;
	const uint8_t *src;
	enum pdf_cm cm = PDF_CM_NONE;
	enum tk_err rc;

	buf_init(&cur, 0);
	buf_init(&nxt, 0);
	buf_init(&dec, 0);
	if (stream == NULL || stream->type != PDF_STREAM)
		return tk_fail(TK_ERR_INVALID, "pdf: ISO 32000-1 7.3.8: object to decode is not a stream");
	dict = stream->u.st->dict;
	c.num = stream->u.st->num;
	c.gen = stream->u.st->gen;
	c.filter = "stream";
	if (pdf_dict_get(dict, "F") != NULL)
		return tk_fail_code(TK_ERR_INVALID, "pdf_unsupported_filter",
		    "pdf: ISO 32000-1 7.3.8.2: stream of object %u %u lives in an external file (/F): not supported", c.num,
		    (unsigned)c.gen);
	if ((rc = pdf_dict_get_resolved(doc, dict, "Filter", &filt)) != TK_OK ||
	    (rc = pdf_dict_get_resolved(doc, dict, "DecodeParms", &parms)) != TK_OK)
		return rc;
	if (pdf_obj_type(filt) == PDF_NAME) {
		fl[0] = filt;
		pl[0] = parms;
		nf = 1;
	} else if (pdf_obj_type(filt) == PDF_ARRAY) {
		nf = pdf_array_len(filt);
		if (nf > MAX_PDF_FILTERS)
			return tk_fail(TK_ERR_LIMIT, "pdf: ISO 32000-1 7.3.8.2: stream of object %u %u has %zu filters (MAX_PDF_FILTERS)",
			    c.num, (unsigned)c.gen, nf);
		for (i = 0; i < nf; i++) {
			if ((rc = pdf_resolve(doc, pdf_array_get(filt, i), &fl[i])) != TK_OK)
				return rc;
			pl[i] = NULL;
			if (pdf_obj_type(parms) == PDF_ARRAY && (rc = pdf_resolve(doc, pdf_array_get(parms, i), &pl[i])) != TK_OK)
				return rc;
		}
	} else if (!pdf_is_null(filt)) {
		return tk_fail(TK_ERR_INVALID, "pdf: ISO 32000-1 7.3.8.2: /Filter of object %u %u is a %s", c.num,
		    (unsigned)c.gen, pdf_type_name(pdf_obj_type(filt)));
	}
	/* 7.6.2, 7.4.10: an encrypted stream is decrypted before its filters run; a leading /Crypt filter picks how. */
	if (nf > 0 && pdf_name_is(fl[0], "Crypt"))
		first = 1;
	if ((rc = pdf_crypt_stream_method(doc, stream, first ? pl[0] : NULL, first == 1, &cm)) != TK_OK)
		return rc;
	src = stream->u.st->p;
	srclen = stream->u.st->len;
	if (cm != PDF_CM_NONE && cm != PDF_CM_IDENTITY && srclen > 0) {
		buf_init(&dec, srclen);
		if ((rc = buf_reserve(&dec, srclen)) != TK_OK ||
		    (rc = pdf_crypt_data(doc->crypt, cm, c.num, c.gen, src, srclen, dec.p, &dec.len)) != TK_OK)
			goto out;
		src = dec.p;
		srclen = dec.len;
	}
	if (nf == first) {
		rc = buf_append(out, src, srclen);
		goto out;
	}
	limit = MAX_INFLATE_BYTES;
	if (stream->u.st->len < limit / MAX_INFLATE_RATIO) {
		limit = stream->u.st->len * MAX_INFLATE_RATIO;
		if (limit < MAX_INFLATE_FLOOR)
			limit = MAX_INFLATE_FLOOR;
	}
	for (i = first; i < nf; i++) {
		const uint8_t *in = i == first ? src : cur.p;
		size_t inlen = i == first ? srclen : cur.len;
		const struct pdf_obj *pm = pdf_obj_type(pl[i]) == PDF_DICT ? pl[i] : NULL;
		const char *nm;
		size_t nl;

		buf_init(&nxt, limit);
		if (name_eq(fl[i], "FlateDecode", "Fl")) {
			c.filter = "FlateDecode";
			if ((rc = flate(&c, in, inlen, &nxt)) != TK_OK)
				goto out;
			if (pm != NULL && parm_int(doc, pm, "Predictor", 1) != 1) {
				struct buf pred;
				buf_init(&pred, limit);
				rc = predict(doc, &c, pm, &nxt, &pred);
				buf_free(&nxt);
				nxt = pred;
				if (rc != TK_OK)
					goto out;
			}
		} else if (name_eq(fl[i], "ASCIIHexDecode", "AHx")) {
			c.filter = "ASCIIHexDecode";
			if ((rc = ahx(&c, in, inlen, &nxt)) != TK_OK)
				goto out;
		} else if (name_eq(fl[i], "ASCII85Decode", "A85")) {
			c.filter = "ASCII85Decode";
			if ((rc = a85(&c, in, inlen, &nxt)) != TK_OK)
				goto out;
		} else if (pdf_as_name(fl[i], &nm, &nl)) {
			rc = tk_fail_code(TK_ERR_INVALID, "pdf_unsupported_filter",
			    "pdf: ISO 32000-1 7.4.1: filter /%.*s of object %u %u is not supported", (int)(nl > 64 ? 64 : nl), nm,
			    c.num, (unsigned)c.gen);
			goto out;
		} else {
			rc = tk_fail(TK_ERR_INVALID, "pdf: ISO 32000-1 7.3.8.2: /Filter of object %u %u holds a %s", c.num,
			    (unsigned)c.gen, pdf_type_name(pdf_obj_type(fl[i])));
			goto out;
		}
		buf_free(&cur);
		cur = nxt;
		buf_init(&nxt, 0);
	}
	rc = buf_append(out, cur.p, cur.len);
out:
	buf_free(&cur);
	buf_free(&nxt);
	buf_free(&dec);
	return rc;
}

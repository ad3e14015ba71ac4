/*
 * Signature images for visible stamps: JPEG passed through as DCTDecode
 * (ISO 32000-1 7.4.8) after reading its frame header, PNG decoded (RFC 2083 /
 * ISO 15948: zlib, scanline filters, palette, transparency) into 8-bit
 * samples plus an alpha channel that becomes the image's /SMask (11.6.5.3).
 * Outside input: every size is checked before memory grows.
 */
#include "pades/pades_int.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define IMG_MAX_DIM 4000u
#define IMG_MAX_PIXELS (4000u * 3000u)
#define IMG_MAX_CHUNKS 10000u

void image_free(struct stamp_image *im)
{
	if (im == NULL)
		return;
	buf_free(&im->data);
	buf_free(&im->alpha);
	memset(im, 0, sizeof(*im));
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* JPEG: the first SOFn marker gives size and components (ITU T.81 B.2.2). */
static enum tk_err jpeg(const uint8_t *p, size_t len, struct stamp_image *im)
{
	size_t i = 2;

	while (i + 4 <= len) {
		uint8_t m;
		size_t seg;
		if (p[i] != 0xff)
			return tk_fail_code(TK_ERR_INVALID, "bad_image", "image: JPEG marker expected at %zu", i);
		m = p[i + 1];
		if (m == 0xff) {
			i++;
			continue;
		}
		if (m == 0xd8 || (m >= 0xd0 && m <= 0xd7)) {
			i += 2;
			continue;
		}
		seg = (size_t)p[i + 2] << 8 | p[i + 3];
		if (seg < 2 || i + 2 + seg > len)
			return tk_fail_code(TK_ERR_INVALID, "bad_image", "image: JPEG segment runs past the end");
		if ((m >= 0xc0 && m <= 0xc3) || (m >= 0xc5 && m <= 0xc7) || (m >= 0xc9 && m <= 0xcb) || (m >= 0xcd && m <= 0xcf)) {
			if (seg < 8)
				return tk_fail_code(TK_ERR_INVALID, "bad_image", "image: short JPEG frame header");
			if (p[i + 4] != 8)
				return tk_fail_code(TK_ERR_INVALID, "bad_image", "image: only 8-bit JPEG is supported");
			im->height = (uint32_t)p[i + 5] << 8 | p[i + 6];
			im->width = (uint32_t)p[i + 7] << 8 | p[i + 8];
			im->components = p[i + 9];
			if (im->components != 1 && im->components != 3)
				return tk_fail_code(TK_ERR_INVALID, "bad_image", "image: JPEG with %u components (gray or RGB only)", im->components);
			if (im->width == 0 || im->height == 0 || im->width > IMG_MAX_DIM || im->height > IMG_MAX_DIM)
				return tk_fail_code(TK_ERR_INVALID, "bad_image", "image: JPEG of %ux%u (at most %u per side)", im->width, im->height, IMG_MAX_DIM);
			im->dct = 1;
			return buf_append(&im->data, p, len);
		}
		i += 2 + seg;
	}
	return tk_fail_code(TK_ERR_INVALID, "bad_image", "image: no JPEG frame header");
}

static int paeth(int a, int b, int c)
{
	int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);

	return pa <= pb && pa <= pc ? a : pb <= pc ? b
						   : c;
}

/* PNG (ISO/IEC 15948): 8-bit, non-interlaced; all colour types. */
static enum tk_err png(const uint8_t *p, size_t len, struct stamp_image *im)
{
	uint8_t plte[768], trns[256];
	size_t nplte = 0, ntrns = 0, pos = 8, chunks = 0, stride, bpp, y, x, channels;
	uint32_t w = 0, h = 0;
	int ctype = -1, have_end = 0;
	struct buf z, raw;
	z_stream zs;
	enum tk_err rc;

	memset(trns, 255, sizeof(trns));
	buf_init(&z, 64u << 20);
	buf_init(&raw, (size_t)IMG_MAX_PIXELS * 4 + IMG_MAX_DIM + 16);
	while (pos + 12 <= len && !have_end) {
		uint32_t n = be32(p + pos);
		const uint8_t *type = p + pos + 4, *d = p + pos + 8;
		if (++chunks > IMG_MAX_CHUNKS || n > len - pos - 12) {
			rc = tk_fail_code(TK_ERR_INVALID, "bad_image", "image: PNG chunk runs past the end");
			goto out;
		}
		if (memcmp(type, "IHDR", 4) == 0) {
			if (n != 13) {
				rc = tk_fail_code(TK_ERR_INVALID, "bad_image", "image: bad PNG header");
				goto out;
			}
			w = be32(d);
			h = be32(d + 4);
			ctype = d[9];
			if (d[8] != 8 || d[12] != 0 || (ctype != 0 && ctype != 2 && ctype != 3 && ctype != 4 && ctype != 6)) {
				rc = tk_fail_code(TK_ERR_INVALID, "bad_image", "image: only 8-bit, non-interlaced PNG is supported");
				goto out;
			}
			if (w == 0 || h == 0 || w > IMG_MAX_DIM || h > IMG_MAX_DIM || (size_t)w * h > IMG_MAX_PIXELS) {
				rc = tk_fail_code(TK_ERR_INVALID, "bad_image", "image: PNG of %ux%u is too large", w, h);
				goto out;
			}
		} else if (memcmp(type, "PLTE", 4) == 0) {
			if (n > sizeof(plte) || n % 3 != 0) {
				rc = tk_fail_code(TK_ERR_INVALID, "bad_image", "image: bad PNG palette");
				goto out;
			}
			memcpy(plte, d, n);
			nplte = n / 3;
		} else if (memcmp(type, "tRNS", 4) == 0) {
			ntrns = n < sizeof(trns) ? n : sizeof(trns);
			memcpy(trns, d, ntrns);
		} else if (memcmp(type, "IDAT", 4) == 0) {
			if ((rc = buf_append(&z, d, n)) != TK_OK)
				goto out;
		} else if (memcmp(type, "IEND", 4) == 0) {
			have_end = 1;
		}
		pos += 12 + (size_t)n;
	}
	if (ctype < 0 || z.len == 0 || (ctype == 3 && nplte == 0)) {
		rc = tk_fail_code(TK_ERR_INVALID, "bad_image", "image: PNG without header, data or palette");
		goto out;
	}
	channels = ctype == 0 ? 1 : ctype == 2 ? 3
				: ctype == 3   ? 1
				: ctype == 4   ? 2
					       : 4;
	bpp = channels;
	stride = (size_t)w * bpp;
	if ((rc = buf_reserve(&raw, (stride + 1) * h)) != TK_OK)
		goto out;
	memset(&zs, 0, sizeof(zs));
	if (inflateInit(&zs) != Z_OK) {
		rc = tk_fail(TK_ERR_NOMEM, "image: zlib");
		goto out;
	}
	zs.next_in = z.p;
	zs.avail_in = (uInt)z.len;
	zs.next_out = raw.p;
	zs.avail_out = (uInt)((stride + 1) * h);
	{
		int zr = inflate(&zs, Z_FINISH);
		raw.len = (size_t)((stride + 1) * h) - zs.avail_out;
		inflateEnd(&zs);
		if ((zr != Z_STREAM_END && zr != Z_BUF_ERROR && zr != Z_OK) || raw.len != (stride + 1) * h) {
			rc = tk_fail_code(TK_ERR_INVALID, "bad_image", "image: PNG data is corrupt or short");
			goto out;
		}
	}
	/* Scanline filters (ISO 15948 9), in place. */
	for (y = 0; y < h; y++) {
		uint8_t *row = raw.p + y * (stride + 1) + 1, *prev = y ? raw.p + (y - 1) * (stride + 1) + 1 : NULL;
		uint8_t f = row[-1];
		for (x = 0; x < stride; x++) {
			int a = x >= bpp ? row[x - bpp] : 0, b = prev ? prev[x] : 0, c = prev && x >= bpp ? prev[x - bpp] : 0;
			switch (f) {
			case 0: break;
			case 1: row[x] = (uint8_t)(row[x] + a); break;
			case 2: row[x] = (uint8_t)(row[x] + b); break;
			case 3: row[x] = (uint8_t)(row[x] + ((a + b) >> 1)); break;
			case 4: row[x] = (uint8_t)(row[x] + paeth(a, b, c)); break;
			default:
				rc = tk_fail_code(TK_ERR_INVALID, "bad_image", "image: unknown PNG filter %u", f);
				goto out;
			}
		}
	}
	im->width = w;
	im->height = h;
	im->components = (ctype == 0 || ctype == 4) ? 1 : 3;
	for (y = 0; y < h; y++) {
		const uint8_t *row = raw.p + y * (stride + 1) + 1;
		for (x = 0; x < w; x++) {
			const uint8_t *px = row + x * bpp;
			uint8_t rgb[3], alpha = 255;
			size_t nc = im->components;
			if (ctype == 3) {
				if (px[0] >= nplte) {
					rc = tk_fail_code(TK_ERR_INVALID, "bad_image", "image: PNG palette index out of range");
					goto out;
				}
				memcpy(rgb, plte + 3 * px[0], 3);
				alpha = px[0] < ntrns ? trns[px[0]] : 255;
			} else if (ctype == 0 || ctype == 4) {
				rgb[0] = px[0];
				alpha = ctype == 4 ? px[1] : 255;
			} else {
				memcpy(rgb, px, 3);
				alpha = ctype == 6 ? px[3] : 255;
			}
			if ((rc = buf_append(&im->data, rgb, nc)) != TK_OK || (rc = buf_putc(&im->alpha, alpha)) != TK_OK)
				goto out;
		}
	}
	/* A fully opaque image needs no soft mask. */
	for (x = 0; x < im->alpha.len && im->alpha.p[x] == 255; x++)
		;
	if (x == im->alpha.len)
		buf_free(&im->alpha);
	rc = TK_OK;
out:
	buf_free(&z);
	buf_free(&raw);
	return rc;
}

enum tk_err image_decode(const uint8_t *p, size_t len, struct stamp_image *im)
{
	enum tk_err rc;

	memset(im, 0, sizeof(*im));
	buf_init(&im->data, (size_t)IMG_MAX_PIXELS * 3 + (16u << 20));
	buf_init(&im->alpha, IMG_MAX_PIXELS);
	if (len >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff)
		rc = jpeg(p, len, im);
	else if (len >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
		rc = png(p, len, im);
	else
		rc = tk_fail_code(TK_ERR_INVALID, "bad_image", "image: the signature image must be PNG or JPEG");
	if (rc != TK_OK)
		image_free(im);
	return rc;
}

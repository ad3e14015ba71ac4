/* Minimal strict DER framing (ITU-T X.690 8.1, 10.1). */
#include "core.h"

enum tk_err der_put_header(struct buf *b, uint8_t tag, size_t len)
{
	uint8_t h[10];
	size_t n = 0, i;

	h[n++] = tag;
	if (len < 0x80) {
		h[n++] = (uint8_t)len;
	} else {
		uint8_t tmp[8];
		size_t k = 0, v = len;
		while (v > 0) {
			tmp[k++] = (uint8_t)(v & 0xff);
			v >>= 8;
		}
		h[n++] = (uint8_t)(0x80 | k);
		for (i = 0; i < k; i++)
			h[n++] = tmp[k - 1 - i];
	}
	return buf_append(b, h, n);
}

enum tk_err der_put_tlv(struct buf *b, uint8_t tag, const uint8_t *p, size_t len)
{
	enum tk_err rc = der_put_header(b, tag, len);

	if (rc == TK_OK)
		rc = buf_append(b, p, len);
	return rc;
}

enum tk_err der_read(const uint8_t *p, size_t len, uint8_t *tag, const uint8_t **val, size_t *vlen,
    size_t *total)
{
	size_t hl = 2, l;

	if (len < 2)
		return tk_fail(TK_ERR_INVALID, "der: X.690 8.1.1: truncated element");
	if ((p[0] & 0x1f) == 0x1f)
		return tk_fail(TK_ERR_INVALID, "der: X.690 8.1.2.4: multi-byte tags are not supported");
	if (p[1] < 0x80) {
		l = p[1];
	} else {
		size_t k = p[1] & 0x7f, i;
		if (k == 0)
			return tk_fail(TK_ERR_INVALID, "der: X.690 10.1: indefinite length");
		if (k > sizeof(size_t) || 2 + k > len)
			return tk_fail(TK_ERR_INVALID, "der: X.690 8.1.3: bad length");
		if (p[2] == 0)
			return tk_fail(TK_ERR_INVALID, "der: X.690 10.1: non-minimal length");
		l = 0;
		for (i = 0; i < k; i++)
			l = (l << 8) | p[2 + i];
		if (l < 0x80)
			return tk_fail(TK_ERR_INVALID, "der: X.690 10.1: non-minimal length");
		hl += k;
	}
	if (l > len - hl)
		return tk_fail(TK_ERR_INVALID, "der: X.690 8.1.3: element runs past its container");
	*tag = p[0];
	*val = p + hl;
	*vlen = l;
	*total = hl + l;
	return TK_OK;
}

/* Growable byte buffer bounded by a maximum fixed at creation. */
#include "core.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(struct buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

void buf_init_secret(struct buf *b, size_t max)
{
	buf_init(b, max);
	b->secret = 1;
}

enum tk_err buf_reserve(struct buf *b, size_t extra)
{
	size_t need, ncap;
	uint8_t *np;

	if (extra > b->max || b->len > b->max - extra)
		return tk_fail(TK_ERR_LIMIT, "buffer: %zu bytes exceed the limit of %zu", b->len + extra, b->max);
	need = b->len + extra + 1; /* room for a NUL terminator */
	if (need <= b->cap)
		return TK_OK;
	ncap = b->cap ? b->cap : 256;
	while (ncap < need)
		ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
	if (ncap > b->max + 1)
		ncap = b->max + 1;
	if (b->secret) {
		/* Never leave secret bytes behind in a freed block. */
		np = malloc(ncap);
		if (np == NULL)
			return tk_fail(TK_ERR_NOMEM, "buffer: out of memory");
		if (b->p != NULL) {
			memcpy(np, b->p, b->len);
			OPENSSL_cleanse(b->p, b->cap);
			free(b->p);
		}
	} else {
		np = realloc(b->p, ncap);
		if (np == NULL)
			return tk_fail(TK_ERR_NOMEM, "buffer: out of memory");
	}
	b->p = np;
	b->cap = ncap;
	return TK_OK;
}

enum tk_err buf_append(struct buf *b, const void *p, size_t n)
{
	enum tk_err rc;

	if (n == 0)
		return TK_OK;
	if ((rc = buf_reserve(b, n)) != TK_OK)
		return rc;
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return TK_OK;
}

enum tk_err buf_putc(struct buf *b, uint8_t c)
{
	return buf_append(b, &c, 1);
}

enum tk_err buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

enum tk_err buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;
	enum tk_err rc;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return tk_fail(TK_ERR_INTERNAL, "buffer: bad format");
	if ((rc = buf_reserve(b, (size_t)n)) != TK_OK)
		return rc;
	vsnprintf((char *)b->p + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return TK_OK;
}

enum tk_err buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	enum tk_err rc;

	va_start(ap, fmt);
	rc = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

enum tk_err buf_cstr(struct buf *b, const char **out)
{
	enum tk_err rc;

	if ((rc = buf_reserve(b, 0)) != TK_OK)
		return rc;
	b->p[b->len] = '\0';
	*out = (const char *)b->p;
	return TK_OK;
}

uint8_t *buf_take(struct buf *b, size_t *len)
{
	uint8_t *p = b->p;

	if (len != NULL)
		*len = b->len;
	b->p = NULL;
	b->len = b->cap = 0;
	return p;
}

void buf_reset(struct buf *b)
{
	if (b->secret && b->p != NULL)
		OPENSSL_cleanse(b->p, b->cap);
	b->len = 0;
}

void buf_free(struct buf *b)
{
	if (b == NULL)
		return;
	if (b->p != NULL && b->secret)
		OPENSSL_cleanse(b->p, b->cap);
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

enum tk_err str_copy(char *dst, size_t dstsz, const char *src)
{
	size_t n = strlen(src);

	if (n >= dstsz)
		return tk_fail(TK_ERR_LIMIT, "string of %zu bytes does not fit in %zu", n, dstsz);
	memcpy(dst, src, n + 1);
	return TK_OK;
}

enum tk_err str_fmt(char *dst, size_t dstsz, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(dst, dstsz, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= dstsz)
		return tk_fail(TK_ERR_LIMIT, "formatted string does not fit in %zu bytes", dstsz);
	return TK_OK;
}

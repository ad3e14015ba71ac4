/* Number parsing, hex, time, files and randomness. */
#include "core.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum tk_err parse_u64(const char *p, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0 || len > 20)
		return tk_fail(TK_ERR_INVALID, "not a number");
	for (i = 0; i < len; i++) {
		unsigned d;
		if (p[i] < '0' || p[i] > '9')
			return tk_fail(TK_ERR_INVALID, "not a number");
		d = (unsigned)(p[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return tk_fail(TK_ERR_INVALID, "number too large");
		v = v * 10 + d;
	}
	if (v > max)
		return tk_fail(TK_ERR_INVALID, "number %llu exceeds %llu", (unsigned long long)v, (unsigned long long)max);
	*out = v;
	return TK_OK;
}

enum tk_err parse_u64_str(const char *s, uint64_t max, uint64_t *out)
{
	return parse_u64(s, strlen(s), max, out);
}

enum tk_err parse_i64_str(const char *s, int64_t min, int64_t max, int64_t *out)
{
	uint64_t v;
	int neg = 0;
	enum tk_err rc;

	if (*s == '-') {
		neg = 1;
		s++;
	}
	if ((rc = parse_u64_str(s, (uint64_t)INT64_MAX + (neg ? 1u : 0u), &v)) != TK_OK)
		return rc;
	{
		/* -(2^63) is representable; negate in unsigned arithmetic. */
		int64_t r = neg ? (int64_t)(0 - v) : (int64_t)v;
		if (r < min || r > max)
			return tk_fail(TK_ERR_INVALID, "number out of range");
		*out = r;
	}
	return TK_OK;
}

void hex_encode(const uint8_t *p, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * len] = '\0';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

enum tk_err hex_decode(const char *s, size_t slen, uint8_t *out, size_t cap, size_t *outlen)
{
	size_t i;

	if (slen % 2 != 0)
		return tk_fail(TK_ERR_INVALID, "hex string has odd length");
	if (slen / 2 > cap)
		return tk_fail(TK_ERR_LIMIT, "hex string too long");
	for (i = 0; i < slen / 2; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return tk_fail(TK_ERR_INVALID, "not a hex string");
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*outlen = slen / 2;
	return TK_OK;
}

static int b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

enum tk_err b64_decode(const char *s, size_t slen, uint8_t *out, size_t cap, size_t *outlen)
{
	uint32_t acc = 0;
	size_t i, bits = 0, n = 0;

	while (slen > 0 && s[slen - 1] == '=')
		slen--;
	if (slen % 4 == 1)
		return tk_fail(TK_ERR_INVALID, "base64: RFC 4648 4: bad length");
	for (i = 0; i < slen; i++) {
		int v = b64val((unsigned char)s[i]);
		if (v < 0)
			return tk_fail(TK_ERR_INVALID, "base64: RFC 4648 4: invalid character at %zu", i);
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n >= cap)
				return tk_fail(TK_ERR_LIMIT, "base64: decoded data larger than %zu bytes", cap);
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	*outlen = n;
	return TK_OK;
}

enum tk_err b64_encode(const uint8_t *p, size_t len, struct buf *out)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;
	enum tk_err rc;

	if ((rc = buf_reserve(out, (len + 2) / 3 * 4)) != TK_OK)
		return rc;
	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		out->p[out->len++] = (uint8_t)a[v >> 18];
		out->p[out->len++] = (uint8_t)a[(v >> 12) & 63];
		out->p[out->len++] = (uint8_t)a[(v >> 6) & 63];
		out->p[out->len++] = (uint8_t)a[v & 63];
	}
	if (i < len) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < len ? (uint32_t)p[i + 1] << 8 : 0);
		out->p[out->len++] = (uint8_t)a[v >> 18];
		out->p[out->len++] = (uint8_t)a[(v >> 12) & 63];
		out->p[out->len++] = i + 1 < len ? (uint8_t)a[(v >> 6) & 63] : '=';
		out->p[out->len++] = '=';
	}
	return TK_OK;
}

#ifdef TEKEN_TEST_CLOCK
/*
 * Test builds only (cmake -DTEKEN_TEST_CLOCK=ON, `make test`): when
 * TEKEN_TEST_CLOCK_FILE names a file holding a decimal Unix time, that is
 * "now" for every service (read on each call, so a test moves the clock of
 * a running server by rewriting the file). Release builds have no such
 * hook. A missing or unreadable file means the real clock.
 */
static int64_t test_clock(void)
{
	const char *path = getenv("TEKEN_TEST_CLOCK_FILE");
	char txt[32];
	size_t n;
	FILE *f;
	char *end;
	long long v;

	if (path == NULL || (f = fopen(path, "r")) == NULL)
		return -1;
	n = fread(txt, 1, sizeof(txt) - 1, f);
	fclose(f);
	txt[n] = '\0';
	v = strtoll(txt, &end, 10);
	return end == txt || v <= 0 ? -1 : (int64_t)v;
}
#endif

int64_t tk_now(void)
{
#ifdef TEKEN_TEST_CLOCK
	int64_t t = test_clock();
	if (t > 0)
		return t;
#endif
	return (int64_t)time(NULL);
}

void time_iso_utc(int64_t t, char out[32])
{
	struct tm tm;
	time_t tt = (time_t)t;

	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void time_wib(int64_t t, char out[48])
{
	struct tm tm;
	time_t tt = (time_t)(t + 7 * 3600);

	gmtime_r(&tt, &tm);
	strftime(out, 48, "%Y-%m-%d %H:%M:%S WIB (UTC+07:00)", &tm);
}

enum tk_err time_parse_iso(const char *s, int64_t *out)
{
	struct tm tm;
	uint64_t v[6];
	static const size_t off[6] = { 0, 5, 8, 11, 14, 17 };
	static const size_t len[6] = { 4, 2, 2, 2, 2, 2 };
	int i;

	/* YYYY-MM-DDTHH:MM:SSZ exactly */
	if (strlen(s) != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z')
		return tk_fail(TK_ERR_INVALID, "time must be YYYY-MM-DDTHH:MM:SSZ");
	for (i = 0; i < 6; i++)
		if (parse_u64(s + off[i], len[i], 9999, &v[i]) != TK_OK)
			return tk_fail(TK_ERR_INVALID, "time must be YYYY-MM-DDTHH:MM:SSZ");
	{
		static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
		int leap = (v[0] % 4 == 0 && v[0] % 100 != 0) || v[0] % 400 == 0;
		if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[3] > 23 || v[4] > 59 || v[5] > 60 ||
		    (int)v[2] > mdays[v[1] - 1] + (v[1] == 2 && leap))
			return tk_fail(TK_ERR_INVALID, "time out of range");
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (int)v[0] - 1900;
	tm.tm_mon = (int)v[1] - 1;
	tm.tm_mday = (int)v[2];
	tm.tm_hour = (int)v[3];
	tm.tm_min = (int)v[4];
	tm.tm_sec = (int)v[5];
	*out = (int64_t)timegm(&tm);
	return TK_OK;
}

enum tk_err file_read(const char *path, size_t max, uint8_t **out, size_t *len)
{
	struct buf b;
	uint8_t tmp[65536];
	int fd;
	ssize_t n;
	enum tk_err rc = TK_ERR_IO;

	buf_init(&b, max);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return tk_fail(TK_ERR_IO, "cannot open %s: %s", path, strerror(errno));
	for (;;) {
		n = read(fd, tmp, sizeof(tmp));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			tk_fail(TK_ERR_IO, "cannot read %s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if ((rc = buf_append(&b, tmp, (size_t)n)) != TK_OK) {
			tk_wrap(rc, "%s", path);
			goto out;
		}
		rc = TK_ERR_IO;
	}
	/* Always NUL-terminated after the data (not counted in *len), for text users. */
	if ((rc = buf_reserve(&b, 0)) != TK_OK)
		goto out;
	b.p[b.len] = '\0';
	*out = buf_take(&b, len);
	rc = TK_OK;
out:
	close(fd);
	buf_free(&b);
	return rc;
}

/* A failed write: "storage_full" when the file system is full (HTTP 507), else a plain I/O error. */
static enum tk_err write_fail(const char *what, const char *path, int e)
{
	if (e == ENOSPC || e == EDQUOT)
		return tk_fail_code(TK_ERR_IO, "storage_full", "cannot %s %s: %s", what, path, strerror(e));
	return tk_fail(TK_ERR_IO, "cannot %s %s: %s", what, path, strerror(e));
}

static enum tk_err write_tmp(const char *path, const void *p, size_t len, unsigned mode, char *tmp, size_t tmpsz)
{
	const uint8_t *q = p;
	int fd;
	enum tk_err rc;

	if ((rc = str_fmt(tmp, tmpsz, "%s.tmp.XXXXXX", path)) != TK_OK)
		return rc;
	fd = mkstemp(tmp);
	if (fd < 0)
		return write_fail("create", path, errno);
	if (fchmod(fd, (mode_t)mode) != 0)
		goto fail;
	while (len > 0) {
		ssize_t n = write(fd, q, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		q += n;
		len -= (size_t)n;
	}
	if (fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	return TK_OK;
fail:
	rc = write_fail("write", path, errno);
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return rc;
}

enum tk_err file_write_atomic(const char *path, const void *p, size_t len, unsigned mode)
{
	char tmp[PATH_MAX];
	enum tk_err rc;

	if ((rc = write_tmp(path, p, len, mode, tmp, sizeof(tmp))) != TK_OK)
		return rc;
	if (rename(tmp, path) != 0) {
		rc = tk_fail(TK_ERR_IO, "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		return rc;
	}
	return TK_OK;
}

enum tk_err file_create_excl(const char *path, const void *p, size_t len, unsigned mode)
{
	char tmp[PATH_MAX];
	enum tk_err rc;

	if ((rc = write_tmp(path, p, len, mode, tmp, sizeof(tmp))) != TK_OK)
		return rc;
	/* link() fails with EEXIST instead of replacing: no race with another writer. */
	if (link(tmp, path) != 0) {
		int e = errno;
		unlink(tmp);
		if (e == EEXIST)
			return tk_fail(TK_ERR_EXISTS, "%s already exists", path);
		return tk_fail(TK_ERR_IO, "cannot create %s: %s", path, strerror(e));
	}
	unlink(tmp);
	return TK_OK;
}

enum tk_err path_join(char *out, size_t outsz, const char *dir, const char *name)
{
	return str_fmt(out, outsz, "%s/%s", dir, name);
}

enum tk_err rand_bytes(uint8_t *p, size_t n)
{
	if (n > INT_MAX || RAND_bytes(p, (int)n) != 1)
		return tk_fail_ossl("random generator");
	return TK_OK;
}

int str_list_has(const char *list, const char *item)
{
	size_t n = strlen(item);
	const char *p = list;

	while (p != NULL && *p) {
		const char *e = strchr(p, ',');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		while (l > 0 && *p == ' ')
			p++, l--;
		while (l > 0 && p[l - 1] == ' ')
			l--;
		if (l == n && strncmp(p, item, n) == 0)
			return 1;
		p = e ? e + 1 : NULL;
	}
	return 0;
}

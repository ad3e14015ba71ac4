/* multipart/form-data parser (RFC 7578, RFC 2046 5.1). */
#include "http/multipart.h"

#include <ctype.h>
#include <string.h>

#define BAD(...) tk_fail_code(TK_ERR_INVALID, "malformed_multipart", __VA_ARGS__)

static const uint8_t *find(const uint8_t *hay, size_t hlen, const uint8_t *needle, size_t nlen)
{
	return memmem(hay, hlen, needle, nlen);
}

/* Value of a parameter (name="value" or name=value) in a header line. */
static int header_param(const char *h, size_t hl, const char *param, char *out, size_t outsz)
{
	size_t pl = strlen(param), i = 0;

	while (i < hl) {
		/* Parameters follow ';' outside quoted strings: a file name "a; name=x" names no field. */
		int quoted = 0;
		while (i < hl && (quoted || h[i] != ';')) {
			if (quoted && h[i] == '\\' && i + 1 < hl)
				i++;
			else if (h[i] == '"')
				quoted = !quoted;
			i++;
		}
		if (i >= hl)
			break;
		i++;
		while (i < hl && h[i] == ' ')
			i++;
		if (hl - i > pl && strncasecmp(h + i, param, pl) == 0 && h[i + pl] == '=') {
			size_t j = i + pl + 1, k = 0;
			if (j < hl && h[j] == '"') {
				j++;
				while (j < hl && h[j] != '"') {
					if (h[j] == '\\' && j + 1 < hl)
						j++;
					if (k + 1 >= outsz)
						return -1;
					out[k++] = h[j++];
				}
				if (j >= hl)
					return -1;
			} else {
				while (j < hl && h[j] != ';' && h[j] != ' ') {
					if (k + 1 >= outsz)
						return -1;
					out[k++] = h[j++];
				}
			}
			out[k] = '\0';
			return 1;
		}
	}
	return 0;
}

static enum tk_err parse_headers(const char *h, size_t hl, struct mp_part *p)
{
	size_t i = 0;

	while (i < hl) {
		const char *line = h + i;
		const char *eol = memchr(line, '\r', hl - i);
		size_t ll = eol ? (size_t)(eol - line) : hl - i;
		if (ll > 20 && strncasecmp(line, "Content-Disposition:", 20) == 0) {
			int r;
			if (header_param(line, ll, "name", p->name, sizeof(p->name)) != 1)
				return BAD("multipart: RFC 7578 4.2: part without a name");
			r = header_param(line, ll, "filename", p->filename, sizeof(p->filename));
			if (r < 0)
				return BAD("multipart: file name too long or unterminated");
		} else if (ll > 13 && strncasecmp(line, "Content-Type:", 13) == 0) {
			size_t k = 13, n = 0;
			while (k < ll && line[k] == ' ')
				k++;
			while (k < ll && n + 1 < sizeof(p->content_type))
				p->content_type[n++] = line[k++];
			p->content_type[n] = '\0';
		}
		i += ll + 2;
	}
	if (p->name[0] == '\0')
		return BAD("multipart: RFC 7578 4.2: part without Content-Disposition name");
	return TK_OK;
}

enum tk_err mp_parse(const char *ct, const uint8_t *body, size_t len, struct mp_form *out)
{
	char boundary[80];
	uint8_t delim[84];
	size_t dl, pos;
	const uint8_t *p;
	int r;

	memset(out, 0, sizeof(*out));
	if (ct == NULL || strncasecmp(ct, "multipart/form-data", 19) != 0)
		return tk_fail_code(TK_ERR_INVALID, "unsupported_media_type", "expected Content-Type: multipart/form-data");
	r = header_param(ct, strlen(ct), "boundary", boundary, sizeof(boundary));
	if (r != 1 || strlen(boundary) == 0 || strlen(boundary) > 70)
		return BAD("multipart: RFC 2046 5.1.1: missing or over-long boundary");
	delim[0] = '-';
	delim[1] = '-';
	dl = strlen(boundary);
	memcpy(delim + 2, boundary, dl);
	dl += 2;
	/* First delimiter: at the start or after a preamble line. */
	if (len >= dl && memcmp(body, delim, dl) == 0)
		pos = dl;
	else {
		uint8_t crlfd[86] = { '\r', '\n' };
		memcpy(crlfd + 2, delim, dl);
		p = find(body, len, crlfd, dl + 2);
		if (p == NULL)
			return BAD("multipart: no boundary delimiter in the body");
		pos = (size_t)(p - body) + dl + 2;
	}
	for (;;) {
		struct mp_part *part;
		const uint8_t *hend, *next;
		uint8_t crlfd[86] = { '\r', '\n' };
		if (len - pos >= 2 && body[pos] == '-' && body[pos + 1] == '-')
			break; /* close delimiter */
		/* transport padding, then CRLF */
		while (pos < len && (body[pos] == ' ' || body[pos] == '\t'))
			pos++;
		if (len - pos < 2 || body[pos] != '\r' || body[pos + 1] != '\n')
			return BAD("multipart: RFC 2046 5.1.1: delimiter not followed by CRLF");
		pos += 2;
		hend = find(body + pos, len - pos < MULTIPART_MAX_HEADER ? len - pos : MULTIPART_MAX_HEADER, (const uint8_t *)"\r\n\r\n", 4);
		if (hend == NULL)
			return BAD("multipart: part headers missing or longer than %u bytes", MULTIPART_MAX_HEADER);
		if (out->n == MULTIPART_MAX_PARTS)
			return tk_fail_code(TK_ERR_LIMIT, "too_many_parts", "multipart: more than %u parts", MULTIPART_MAX_PARTS);
		part = &out->parts[out->n];
		if ((r = parse_headers((const char *)body + pos, (size_t)(hend - (body + pos)) + 2, part)) != TK_OK)
			return (enum tk_err)r;
		pos = (size_t)(hend - body) + 4;
		memcpy(crlfd + 2, delim, dl);
		next = find(body + pos, len - pos, crlfd, dl + 2);
		if (next == NULL)
			return BAD("multipart: part '%s' is not terminated by a boundary", part->name);
		part->data = body + pos;
		part->len = (size_t)(next - (body + pos));
		out->n++;
		pos = (size_t)(next - body) + dl + 2;
	}
	if (out->n == 0)
		return BAD("multipart: no parts");
	return TK_OK;
}

const struct mp_part *mp_get(const struct mp_form *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->parts[i].name, name) == 0)
			return &f->parts[i];
	return NULL;
}

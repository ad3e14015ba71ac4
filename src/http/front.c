/*
 * The pure parts of the front door, apart from libmicrohttpd so unit tests
 * reach them (tests/unit/test_http_front.c): route matching, the client
 * address behind trusted proxies, request ids.
 */
#include "http/http.h"

#include "log/log.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

int http_route_match(const char *pattern, const char *path, struct http_req *rq)
{
	size_t np = 0, used = 0;
	const char *p = pattern, *q = path;

	while (*p && *q) {
		const char *close = *p == '{' ? strchr(p, '}') : NULL;
		if (close != NULL && close - p >= 4 && memcmp(close - 3, "...", 3) == 0 && close[1] == '\0') {
			/* "{name...}" at the end takes the rest of the path, slashes included. */
			size_t n = strlen(q);
			if (n == 0 || np == HTTP_MAX_PARAMS || used + n + 1 > sizeof(rq->param_buf))
				return 0;
			memcpy(rq->param_buf + used, q, n + 1);
			rq->params[np++] = rq->param_buf + used;
			return 1;
		}
		if (*p == '{') {
			const char *qe = q, *lit, *lit_end;
			size_t n, litlen;
			if (close == NULL)
				return 0;
			/* The literal after the parameter up to the next '/' (".crl" in "{ca}.crl"). */
			lit = close + 1;
			lit_end = lit;
			while (*lit_end && *lit_end != '/' && *lit_end != '{')
				lit_end++;
			litlen = (size_t)(lit_end - lit);
			while (*qe && *qe != '/')
				qe++;
			if ((size_t)(qe - q) < litlen || memcmp(qe - litlen, lit, litlen) != 0)
				return 0;
			qe -= litlen;
			n = (size_t)(qe - q);
			/* A parameter is one non-empty segment with no dot-dot tricks. */
			if (n == 0 || np == HTTP_MAX_PARAMS || used + n + 1 > sizeof(rq->param_buf) ||
			    (n == 2 && q[0] == '.' && q[1] == '.'))
				return 0;
			memcpy(rq->param_buf + used, q, n);
			rq->param_buf[used + n] = '\0';
			rq->params[np++] = rq->param_buf + used;
			used += n + 1;
			p = lit_end;
			q = qe + litlen;
			continue;
		}
		if (*p != *q)
			return 0;
		p++;
		q++;
	}
	return *p == '\0' && *q == '\0';
}

const struct http_route *http_route_find(const struct http_route *routes, size_t n, struct http_req *rq, int *method_mismatch)
{
	size_t i;

	*method_mismatch = 0;
	for (i = 0; i < n; i++) {
		if (!http_route_match(routes[i].pattern, rq->path, rq))
			continue;
		if (strcmp(routes[i].method, rq->method) == 0 ||
		    (strcmp(rq->method, "HEAD") == 0 && strcmp(routes[i].method, "GET") == 0))
			return &routes[i];
		*method_mismatch = 1;
	}
	return NULL;
}

/* An address as inet_pton reads it (no port, no brackets, no zone); 1 when it is one. */
static int addr_ok(const char *s)
{
	struct in6_addr a6;
	struct in_addr a4;

	return strlen(s) < 48 && (inet_pton(AF_INET, s, &a4) == 1 || inet_pton(AF_INET6, s, &a6) == 1);
}

void http_client_addr(const char *trusted, const char *xff, char ip[48])
{
	char tmp[HTTP_XFF_MAX];
	size_t n;

	if (trusted == NULL || xff == NULL || !str_list_has(trusted, ip))
		return;
	n = strlen(xff);
	if (n == 0 || n >= sizeof(tmp))
		return;
	memcpy(tmp, xff, n + 1);
	/* From the right: each hop a trusted proxy appended, until the first one no proxy of ours is. */
	while (n > 0) {
		char *start, *end;
		tmp[n] = '\0';
		start = strrchr(tmp, ',');
		n = start != NULL ? (size_t)(start - tmp) : 0;
		start = start != NULL ? start + 1 : tmp;
		while (*start == ' ' || *start == '\t')
			start++;
		end = start + strlen(start);
		while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (*start == '\0')
			continue; /* an empty list element ("a,,b"): RFC 9110 5.6.1 lets recipients skip it */
		if (str_list_has(trusted, start))
			continue;
		/* Not a proxy of ours: the client, if it is an address at all; otherwise the peer stays. */
		if (addr_ok(start))
			memcpy(ip, start, strlen(start) + 1);
		return;
	}
}

int http_request_id_ok(const char *s)
{
	size_t i;

	if (s == NULL)
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (i == LOG_REQUEST_ID_MAX)
			return 0;
		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '-' || ch == '_' ||
			ch == '.' || ch == ':'))
			return 0;
	}
	return i > 0;
}

enum tk_err http_request_id_new(char out[33])
{
	uint8_t r[16];
	enum tk_err rc;

	if ((rc = rand_bytes(r, sizeof(r))) != TK_OK)
		return rc;
	hex_encode(r, sizeof(r), out);
	return TK_OK;
}

/*
 * Unit tests for the front door's pure parts (src/http/front.c,
 * src/http/sdnotify.c, src/log/log.c): route matching against the real
 * route table, the client address behind trusted proxies, request ids in
 * log lines, and the sd_notify datagram.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/core.h"
#include "http/http.h"
#include "log/log.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

/* ------------------------------------------------------------------ */
/* route matching                                                      */
/* ------------------------------------------------------------------ */

static const struct http_route *find(const char *method, const char *path, struct http_req *rq, int *mismatch)
{
	size_t n;
	const struct http_route *routes = http_routes(&n);

	memset(rq, 0, sizeof(*rq));
	rq->method = method;
	rq->path = path;
	return http_route_find(routes, n, rq, mismatch);
}

static void test_route_params(void **state)
{
	struct http_req rq;
	int mm = 0;
	const struct http_route *r;

	(void)state;
	r = find("GET", "/crl/issuing.crl", &rq, &mm);
	assert_non_null(r);
	assert_string_equal(r->pattern, "/crl/{ca}.crl");
	assert_string_equal(rq.params[0], "issuing");
	/* The literal suffix is required and the parameter is never empty. */
	assert_null(find("GET", "/crl/issuing.crt", &rq, &mm));
	assert_null(find("GET", "/crl/.crl", &rq, &mm));
	/* A parameter is one segment, not "..". */
	assert_null(find("GET", "/v/..", &rq, &mm));
	assert_null(find("GET", "/v/a/b", &rq, &mm));
	r = find("GET", "/v/42", &rq, &mm);
	assert_non_null(r);
	assert_string_equal(rq.params[0], "42");
	/* "{req...}" takes the rest, slashes included, but not nothing. */
	r = find("GET", "/ocsp/MEkw/RzBF+a/b==", &rq, &mm);
	assert_non_null(r);
	assert_string_equal(r->pattern, "/ocsp/{req...}");
	assert_string_equal(rq.params[0], "MEkw/RzBF+a/b==");
	assert_null(find("GET", "/ocsp/", &rq, &mm));
	/* Two parameters in one pattern, in order. */
	memset(&rq, 0, sizeof(rq));
	assert_int_equal(http_route_match("/a/{x}/b/{y}.pdf", "/a/one/b/two.pdf", &rq), 1);
	assert_string_equal(rq.params[0], "one");
	assert_string_equal(rq.params[1], "two");
	assert_int_equal(http_route_match("/a/{x}/b/{y}.pdf", "/a/one/b/.pdf", &rq), 0);
}

static void test_route_method_and_slash(void **state)
{
	struct http_req rq;
	int mm = 0;
	const struct http_route *r;

	(void)state;
	/* A path that exists with another method is 405, an unknown path 404. */
	assert_null(find("POST", "/healthz", &rq, &mm));
	assert_int_equal(mm, 1);
	assert_null(find("GET", "/healthz-not", &rq, &mm));
	assert_int_equal(mm, 0);
	assert_null(find("DELETE", "/readyz", &rq, &mm));
	assert_int_equal(mm, 1);
	/* HEAD finds GET routes. */
	r = find("HEAD", "/readyz", &rq, &mm);
	assert_non_null(r);
	assert_string_equal(r->method, "GET");
	/* No trailing-slash leniency, no prefix matches, no case folding. */
	assert_null(find("GET", "/healthz/", &rq, &mm));
	assert_int_equal(mm, 0);
	assert_null(find("GET", "/health", &rq, &mm));
	assert_null(find("GET", "/HEALTHZ", &rq, &mm));
	assert_null(find("GET", "/api/v1/documents/7/", &rq, &mm));
	assert_null(find("GET", "", &rq, &mm));
	/* A segment longer than the parameter buffer is no match, not an overflow. */
	{
		char path[1200];
		memset(path, 'a', sizeof(path));
		memcpy(path, "/v/", 3);
		path[sizeof(path) - 1] = '\0';
		assert_null(find("GET", path, &rq, &mm));
	}
}

/* A concrete path for a pattern: each {p} becomes "7", a final {p...} becomes "x/y". */
static void concrete(const char *pattern, char *out, size_t cap)
{
	size_t n = 0;
	const char *p = pattern;

	while (*p && n + 4 < cap) {
		if (*p == '{') {
			const char *e = strchr(p, '}');
			int rest = e - p >= 4 && memcmp(e - 3, "...", 3) == 0;
			memcpy(out + n, rest ? "x/y" : "7", rest ? 3 : 1);
			n += rest ? 3 : 1;
			p = e + 1;
		} else {
			out[n++] = *p++;
		}
	}
	out[n] = '\0';
}

static void test_route_table_no_shadowing(void **state)
{
	size_t n, i;
	const struct http_route *routes = http_routes(&n);

	(void)state;
	/*
	 * Every route is reachable: its own concrete path finds it and not an
	 * earlier route of the same method (a literal route listed after a
	 * template that also matches it would be dead). Duplicates fail too.
	 */
	assert_true(n > 50);
	for (i = 0; i < n; i++) {
		struct http_req rq;
		char path[512];
		int mm = 0;
		const struct http_route *r;
		concrete(routes[i].pattern, path, sizeof(path));
		r = find(routes[i].method, path, &rq, &mm);
		if (r != &routes[i])
			fail_msg("%s %s (as %s) is answered by %s %s", routes[i].method, routes[i].pattern, path, r ? r->method : "-",
			    r ? r->pattern : "nothing");
	}
}

/* ------------------------------------------------------------------ */
/* client address behind proxies                                       */
/* ------------------------------------------------------------------ */

static void addr_of(const char *trusted, const char *peer, const char *xff, const char *want)
{
	char ip[48];

	assert_int_equal(str_copy(ip, sizeof(ip), peer), TK_OK);
	http_client_addr(trusted, xff, ip);
	if (strcmp(ip, want) != 0)
		fail_msg("trusted=%s peer=%s xff=%s: got %s, want %s", trusted ? trusted : "(none)", peer, xff ? xff : "(none)", ip, want);
}

static void test_client_addr_trusted_hops(void **state)
{
	(void)state;
	/* Without trusted proxies, or from a peer that is not one, the header is the client's own words. */
	addr_of(NULL, "203.0.113.9", "198.51.100.1", "203.0.113.9");
	addr_of("10.0.0.1", "203.0.113.9", "198.51.100.1", "203.0.113.9");
	/* From a trusted proxy: the hop it saw. */
	addr_of("10.0.0.1", "10.0.0.1", "198.51.100.1", "198.51.100.1");
	addr_of("10.0.0.1", "10.0.0.1", NULL, "10.0.0.1");
	addr_of("10.0.0.1", "10.0.0.1", "", "10.0.0.1");
	/* A chain through two proxies of ours: the right-most hop that is not ours. */
	addr_of("10.0.0.1, 10.0.0.2", "10.0.0.1", "203.0.113.7, 10.0.0.2", "203.0.113.7");
	addr_of("10.0.0.1,10.0.0.2", "10.0.0.2", "198.51.100.4,203.0.113.7,10.0.0.1", "203.0.113.7");
	/* IPv6 hops; blanks and tabs around list elements; empty elements skipped. */
	addr_of("::1", "::1", "2001:db8::77", "2001:db8::77");
	addr_of("10.0.0.1", "10.0.0.1", " 203.0.113.7\t, ", "203.0.113.7");
	addr_of("10.0.0.1", "10.0.0.1", "203.0.113.7,,", "203.0.113.7");
	/* Only proxies of ours in the list: the peer stays. */
	addr_of("10.0.0.1,10.0.0.2", "10.0.0.1", "10.0.0.2", "10.0.0.1");
}

static void test_client_addr_spoofing(void **state)
{
	char big[HTTP_XFF_MAX + 16];

	(void)state;
	/* A client writes its own X-Forwarded-For; our proxy appends the real address: the left part is ignored. */
	addr_of("10.0.0.1", "10.0.0.1", "127.0.0.1, 10.0.0.2, 198.51.100.23", "198.51.100.23");
	/* A client naming one of our proxies as its "own" hop still ends up as itself, appended to the right. */
	addr_of("10.0.0.1,10.0.0.2", "10.0.0.1", "10.0.0.2, 198.51.100.23", "198.51.100.23");
	/* Garbage where the client should be: not believed, and nothing left of it is. */
	addr_of("10.0.0.1", "10.0.0.1", "192.0.2.5, not-an-address", "10.0.0.1");
	addr_of("10.0.0.1", "10.0.0.1", "192.0.2.5:4711", "10.0.0.1");
	addr_of("10.0.0.1", "10.0.0.1", "[2001:db8::1]", "10.0.0.1");
	addr_of("10.0.0.1", "10.0.0.1", "unknown", "10.0.0.1");
	addr_of("10.0.0.1", "10.0.0.1", "203.0.113.7\r\nX-Evil: 1", "10.0.0.1");
	addr_of("10.0.0.1", "10.0.0.1", "1.2.3.4.5", "10.0.0.1");
	/* A header longer than we read at all changes nothing. */
	memset(big, '1', sizeof(big));
	big[sizeof(big) - 1] = '\0';
	memcpy(big + sizeof(big) - 12, ",192.0.2.77", 12);
	addr_of("10.0.0.1", "10.0.0.1", big, "10.0.0.1");
	/* A trusted list entry is an exact address, not a prefix. */
	addr_of("10.0.0.1", "10.0.0.10", "198.51.100.1", "10.0.0.10");
}

/* ------------------------------------------------------------------ */
/* request ids                                                         */
/* ------------------------------------------------------------------ */

static void test_request_id_validation(void **state)
{
	char max[LOG_REQUEST_ID_MAX + 2];
	char a[33], b[33];
	size_t i;

	(void)state;
	assert_true(http_request_id_ok("0f3c2a"));
	assert_true(http_request_id_ok("f47ac10b-58cc-4372-a567-0e02b2c3d479"));
	assert_true(http_request_id_ok("lb-1:req_42.7"));
	memset(max, 'a', sizeof(max));
	max[LOG_REQUEST_ID_MAX] = '\0';
	assert_true(http_request_id_ok(max));
	max[LOG_REQUEST_ID_MAX] = 'a';
	max[LOG_REQUEST_ID_MAX + 1] = '\0';
	assert_false(http_request_id_ok(max));
	assert_false(http_request_id_ok(NULL));
	assert_false(http_request_id_ok(""));
	assert_false(http_request_id_ok("a b"));
	assert_false(http_request_id_ok("a\"b"));
	assert_false(http_request_id_ok("a\r\nSet-Cookie: x=1"));
	assert_false(http_request_id_ok("<script>"));
	assert_false(http_request_id_ok("\xc3\xa9t\xc3\xa9"));
	assert_false(http_request_id_ok("a/b"));
	/* Fresh ids: 128 bits as 32 lowercase hex digits, different every time. */
	assert_int_equal(http_request_id_new(a), TK_OK);
	assert_int_equal(http_request_id_new(b), TK_OK);
	assert_int_equal(strlen(a), 32);
	for (i = 0; i < 32; i++)
		assert_non_null(strchr("0123456789abcdef", a[i]));
	assert_string_not_equal(a, b);
	assert_true(http_request_id_ok(a));
}

/* The lines of a log file as JSON objects; returns how many (at most max). */
static size_t log_lines(const char *path, json_t **out, size_t max)
{
	char line[4096];
	size_t n = 0;
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	while (n < max && fgets(line, sizeof(line), f) != NULL) {
		out[n] = json_loads(line, 0, NULL);
		assert_non_null(out[n]);
		n++;
	}
	fclose(f);
	return n;
}

static void test_log_carries_request_id(void **state)
{
	char path[] = "/tmp/teken-log-XXXXXX";
	json_t *l[4];
	int fd;
	size_t n, i;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(log_open(LOG_INFO, path), TK_OK);
	assert_string_equal(log_request_id(), "");
	log_msg(LOG_INFO, "t.before", "outside a request");
	log_request_begin("4f1c0c9a0d2b4e6f8a7b6c5d4e3f2a1b");
	assert_string_equal(log_request_id(), "4f1c0c9a0d2b4e6f8a7b6c5d4e3f2a1b");
	log_msg(LOG_WARN, "t.during", "inside \"the\" request");
	/* Whatever it is given, the line stays valid JSON. */
	log_request_begin("odd\"id\\x");
	log_msg(LOG_INFO, "t.odd", "odd id");
	log_request_end();
	log_msg(LOG_INFO, "t.after", "after it");
	log_close();
	n = log_lines(path, l, 4);
	unlink(path);
	assert_int_equal(n, 4);
	assert_null(json_object_get(l[0], "request_id"));
	assert_string_equal(json_string_value(json_object_get(l[1], "request_id")), "4f1c0c9a0d2b4e6f8a7b6c5d4e3f2a1b");
	assert_string_equal(json_string_value(json_object_get(l[1], "event")), "t.during");
	assert_string_equal(json_string_value(json_object_get(l[1], "msg")), "inside \"the\" request");
	assert_string_equal(json_string_value(json_object_get(l[2], "request_id")), "odd\"id\\x");
	assert_null(json_object_get(l[3], "request_id"));
	for (i = 0; i < n; i++)
		json_decref(l[i]);
}

/* ------------------------------------------------------------------ */
/* sd_notify                                                           */
/* ------------------------------------------------------------------ */

/* Binds a datagram socket to name (a path or "@abstract"), returns it; recv times out after 2 s. */
static int notify_listener(const char *name)
{
	struct sockaddr_un sa;
	struct timeval tv = { 2, 0 };
	unsigned len = 0;
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(http_sd_notify_addr(name, &sa, &len), TK_OK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, (socklen_t)len), 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	return fd;
}

static void test_sd_notify(void **state)
{
	char abs_name[64], path[] = "/tmp/teken-notify-XXXXXX", sock[128], got[256];
	struct sockaddr_un sa;
	unsigned len = 0;
	ssize_t r;
	int fd;

	(void)state;
	/* Not under systemd: nothing to do, and that is no error. */
	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(http_sd_notify("READY=1"), 0);
	/* An abstract name ("@..."): the address starts with NUL and is exactly as long as the name. */
	assert_int_equal(str_fmt(abs_name, sizeof(abs_name), "@teken-test-%ld", (long)getpid()), TK_OK);
	fd = notify_listener(abs_name);
	assert_int_equal(http_sd_notify_addr(abs_name, &sa, &len), TK_OK);
	assert_int_equal(sa.sun_path[0], '\0');
	assert_int_equal(len, offsetof(struct sockaddr_un, sun_path) + strlen(abs_name));
	setenv("NOTIFY_SOCKET", abs_name, 1);
	assert_int_equal(http_sd_notify("READY=1\nSTATUS=listening"), 1);
	r = recv(fd, got, sizeof(got) - 1, 0);
	assert_int_equal(r, strlen("READY=1\nSTATUS=listening"));
	got[r] = '\0';
	assert_string_equal(got, "READY=1\nSTATUS=listening");
	close(fd);
	/* A path socket. */
	assert_non_null(mkdtemp(path));
	assert_int_equal(str_fmt(sock, sizeof(sock), "%s/notify", path), TK_OK);
	fd = notify_listener(sock);
	setenv("NOTIFY_SOCKET", sock, 1);
	assert_int_equal(http_sd_notify("STOPPING=1"), 1);
	r = recv(fd, got, sizeof(got) - 1, 0);
	assert_int_equal(r, 10);
	assert_memory_equal(got, "STOPPING=1", 10);
	close(fd);
	unlink(sock);
	rmdir(path);
	/* Nobody listening, relative or over-long names: -1, the server goes on. */
	assert_int_equal(http_sd_notify("READY=1"), -1);
	setenv("NOTIFY_SOCKET", "relative/notify", 1);
	assert_int_equal(http_sd_notify("READY=1"), -1);
	assert_int_equal(http_sd_notify_addr("@", &sa, &len), TK_ERR_INVALID);
	memset(got, 'x', sizeof(got));
	got[0] = '/';
	got[sizeof(sa.sun_path)] = '\0';
	assert_int_equal(http_sd_notify_addr(got, &sa, &len), TK_ERR_INVALID);
	got[sizeof(sa.sun_path) - 1] = '\0';
	assert_int_equal(http_sd_notify_addr(got, &sa, &len), TK_OK);
	unsetenv("NOTIFY_SOCKET");
	tk_clear_error();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_route_params),
		cmocka_unit_test(test_route_method_and_slash),
		cmocka_unit_test(test_route_table_no_shadowing),
		cmocka_unit_test(test_client_addr_trusted_hops),
		cmocka_unit_test(test_client_addr_spoofing),
		cmocka_unit_test(test_request_id_validation),
		cmocka_unit_test(test_log_carries_request_id),
		cmocka_unit_test(test_sd_notify),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

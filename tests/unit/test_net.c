/*
 * Unit tests for src/net: the RFC 6890 address classifier, allow-list
 * entries, URL checks and the policy from configuration need no network;
 * real fetches go to a small HTTP server on a loopback port run by a
 * thread of this test, which counts the requests it gets, so a refused
 * fetch can be shown to have sent nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "config/config.h"
#include "core/core.h"
#include "net/net.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define assert_ok(expr)                                                               \
	do {                                                                          \
		enum tk_err rc_ = (expr);                                             \
		if (rc_ != TK_OK)                                                     \
			fail_msg("%s failed (%d): %s", #expr, (int)rc_, tk_errmsg()); \
	} while (0)

#define assert_err_code(expr, want_err, want_code)                                    \
	do {                                                                          \
		enum tk_err rc_ = (expr);                                             \
		if (rc_ != (want_err))                                                \
			fail_msg("%s returned %d, expected %d (%s)", #expr, (int)rc_, \
			    (int)(want_err), tk_errmsg());                            \
		if (strcmp(tk_last_error()->code, (want_code)) != 0)                  \
			fail_msg("%s: code '%s', expected '%s' (%s)", #expr,          \
			    tk_last_error()->code, (want_code), tk_errmsg());         \
	} while (0)

static void assert_msg_has(const char *part)
{
	if (strstr(tk_errmsg(), part) == NULL)
		fail_msg("message '%s' lacks '%s'", tk_errmsg(), part);
}

/* ------------------------------------------------------------------ */
/* address classifier                                                  */
/* ------------------------------------------------------------------ */

static enum net_addr_kind classify(const char *text)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (strchr(text, ':') != NULL) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, text, &s6->sin6_addr), 1);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, text, &s4->sin_addr), 1);
	}
	return net_addr_classify((const struct sockaddr *)&ss);
}

static void test_classify(void **state)
{
	static const struct {
		const char *addr;
		enum net_addr_kind kind;
	} cases[] = {
		/* IPv4: public, and the edges of each special range */
		{ "8.8.8.8", NET_ADDR_PUBLIC },
		{ "1.1.1.1", NET_ADDR_PUBLIC },
		{ "103.28.12.1", NET_ADDR_PUBLIC },
		{ "127.0.0.1", NET_ADDR_LOOPBACK },
		{ "127.255.255.254", NET_ADDR_LOOPBACK },
		{ "126.255.255.255", NET_ADDR_PUBLIC },
		{ "128.0.0.1", NET_ADDR_PUBLIC },
		{ "10.0.0.0", NET_ADDR_PRIVATE },
		{ "10.255.255.255", NET_ADDR_PRIVATE },
		{ "11.0.0.1", NET_ADDR_PUBLIC },
		{ "9.255.255.255", NET_ADDR_PUBLIC },
		{ "172.16.0.1", NET_ADDR_PRIVATE },
		{ "172.31.255.255", NET_ADDR_PRIVATE },
		{ "172.15.255.255", NET_ADDR_PUBLIC },
		{ "172.32.0.0", NET_ADDR_PUBLIC },
		{ "192.168.0.1", NET_ADDR_PRIVATE },
		{ "192.168.255.255", NET_ADDR_PRIVATE },
		{ "192.169.0.0", NET_ADDR_PUBLIC },
		{ "169.254.169.254", NET_ADDR_LINK_LOCAL },
		{ "169.254.0.0", NET_ADDR_LINK_LOCAL },
		{ "169.255.0.0", NET_ADDR_PUBLIC },
		{ "100.64.0.0", NET_ADDR_CGNAT },
		{ "100.127.255.255", NET_ADDR_CGNAT },
		{ "100.63.255.255", NET_ADDR_PUBLIC },
		{ "100.128.0.0", NET_ADDR_PUBLIC },
		{ "224.0.0.1", NET_ADDR_MULTICAST },
		{ "239.255.255.255", NET_ADDR_MULTICAST },
		{ "0.0.0.0", NET_ADDR_UNSPECIFIED },
		{ "0.1.2.3", NET_ADDR_UNSPECIFIED },
		{ "240.0.0.1", NET_ADDR_RESERVED },
		{ "255.255.255.255", NET_ADDR_RESERVED },
		{ "192.0.2.1", NET_ADDR_RESERVED },
		{ "198.18.0.1", NET_ADDR_RESERVED },
		{ "198.19.255.255", NET_ADDR_RESERVED },
		{ "198.20.0.0", NET_ADDR_PUBLIC },
		{ "198.51.100.7", NET_ADDR_RESERVED },
		{ "203.0.113.9", NET_ADDR_RESERVED },
		{ "192.0.0.8", NET_ADDR_RESERVED },
		/* IPv6 */
		{ "2001:4860:4860::8888", NET_ADDR_PUBLIC },
		{ "2400:cb00::1", NET_ADDR_PUBLIC },
		{ "::1", NET_ADDR_LOOPBACK },
		{ "::", NET_ADDR_UNSPECIFIED },
		{ "fc00::1", NET_ADDR_PRIVATE },
		{ "fd12:3456::1", NET_ADDR_PRIVATE },
		{ "fec0::1", NET_ADDR_PRIVATE },
		{ "fe80::1", NET_ADDR_LINK_LOCAL },
		{ "febf::1", NET_ADDR_LINK_LOCAL },
		{ "ff02::1", NET_ADDR_MULTICAST },
		{ "ff0e::1", NET_ADDR_MULTICAST },
		{ "2001:db8::1", NET_ADDR_RESERVED },
		{ "2001::1", NET_ADDR_RESERVED },
		{ "100::1", NET_ADDR_RESERVED },
		{ "::2", NET_ADDR_RESERVED },
		{ "::7f00:1", NET_ADDR_RESERVED },
		/* IPv4 inside IPv6: mapped, NAT64, 6to4 follow the IPv4 address */
		{ "::ffff:127.0.0.1", NET_ADDR_LOOPBACK },
		{ "::ffff:10.1.2.3", NET_ADDR_PRIVATE },
		{ "::ffff:169.254.169.254", NET_ADDR_LINK_LOCAL },
		{ "::ffff:100.64.1.1", NET_ADDR_CGNAT },
		{ "::ffff:0.0.0.0", NET_ADDR_UNSPECIFIED },
		{ "::ffff:224.0.0.1", NET_ADDR_MULTICAST },
		{ "::ffff:8.8.8.8", NET_ADDR_PUBLIC },
		{ "64:ff9b::10.0.0.1", NET_ADDR_PRIVATE },
		{ "64:ff9b::8.8.8.8", NET_ADDR_PUBLIC },
		{ "64:ff9b:1::1", NET_ADDR_PRIVATE },
		{ "2002:7f00:1::", NET_ADDR_LOOPBACK },
		{ "2002:c0a8:101::1", NET_ADDR_PRIVATE },
		{ "2002:808:808::1", NET_ADDR_PUBLIC },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum net_addr_kind k = classify(cases[i].addr);
		if (k != cases[i].kind)
			fail_msg("%s: %s, expected %s", cases[i].addr, net_addr_kind_name(k), net_addr_kind_name(cases[i].kind));
	}
	{
		struct sockaddr sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_family = AF_UNIX;
		assert_int_equal(net_addr_classify(&sa), NET_ADDR_RESERVED);
	}
	assert_string_equal(net_addr_kind_name(NET_ADDR_LOOPBACK), "loopback");
}

/* ------------------------------------------------------------------ */
/* allow-list entries, URL checks, configuration                       */
/* ------------------------------------------------------------------ */

static void test_policy_entries(void **state)
{
	static const char *const bad[] = {
		"", "   ", ":80", "host:", "host:0", "host:65536", "host:8o", "host:-1", "::1", "2001:db8::1:80", "[::1", "[::1]x",
		"[::1]:", "[10.0.0.1]", "[nothex::1]", "a..b", ".a.com", "a.com.", "-a.com", "a-.com", "x_y.com", "ex ample.com",
		"127.1", "2130706433", "a.123", "h\xc3\xa9.com",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com", /* 64-byte label */
	};
	struct net_policy p;
	size_t i;

	(void)state;
	net_policy_init(&p);
	assert_ok(net_policy_add(&p, "CRL.Example.COM"));
	assert_ok(net_policy_add(&p, " ocsp.example.com:8080 "));
	assert_ok(net_policy_add(&p, "10.1.2.3:80"));
	assert_ok(net_policy_add(&p, "[0:0::1]:8443"));
	assert_ok(net_policy_add(&p, "[2001:DB8::7]"));
	assert_ok(net_policy_add(&p, "localhost"));
	assert_ok(net_policy_add(&p, "x-1.a9.id"));
	assert_int_equal(p.nallow, 7);
	assert_string_equal(p.allow[0].host, "crl.example.com");
	assert_int_equal(p.allow[0].port, 0);
	assert_false(p.allow[0].literal);
	assert_string_equal(p.allow[1].host, "ocsp.example.com");
	assert_int_equal(p.allow[1].port, 8080);
	assert_string_equal(p.allow[2].host, "10.1.2.3");
	assert_true(p.allow[2].literal);
	assert_string_equal(p.allow[3].host, "::1");
	assert_int_equal(p.allow[3].port, 8443);
	assert_true(p.allow[3].literal);
	assert_string_equal(p.allow[4].host, "2001:db8::7");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum tk_err rc = net_policy_add(&p, bad[i]);
		if (rc != TK_ERR_INVALID)
			fail_msg("entry '%s' accepted (%d)", bad[i], (int)rc);
	}
	assert_int_equal(p.nallow, 7);
	while (p.nallow < NET_MAX_ALLOW)
		assert_ok(net_policy_add(&p, "a.example.com"));
	assert_int_equal(net_policy_add(&p, "b.example.com"), TK_ERR_LIMIT);
}

static void test_url_check(void **state)
{
	struct net_policy p;
	struct net_target t;

	(void)state;
	net_policy_init(&p);
	assert_ok(net_policy_add(&p, "crl.example.com"));
	assert_ok(net_policy_add(&p, "ocsp.example.com:8080"));
	assert_ok(net_policy_add(&p, "[::1]:8443"));

	assert_ok(net_url_check(&p, "http://crl.example.com/ca.crl", &t));
	assert_string_equal(t.scheme, "http");
	assert_string_equal(t.host, "crl.example.com");
	assert_int_equal(t.port, 80);
	assert_ptr_equal(t.entry, &p.allow[0]);
	/* Case-insensitive scheme and host; a host entry takes any port. */
	assert_ok(net_url_check(&p, "HTTPS://CRL.Example.Com:9443/x", &t));
	assert_string_equal(t.scheme, "https");
	assert_int_equal(t.port, 9443);
	assert_ok(net_url_check(&p, "https://crl.example.com/x", &t));
	assert_int_equal(t.port, 443);
	assert_ok(net_url_check(&p, "http://ocsp.example.com:8080/", &t));
	assert_ok(net_url_check(&p, "http://[0::1]:8443/crl", &t));
	assert_string_equal(t.host, "::1");

	/* Exact match only: port, sub- and super-domains, look-alikes. */
	assert_err_code(net_url_check(&p, "http://ocsp.example.com/", &t), TK_ERR_DENIED, "fetch_refused");
	assert_msg_has("host ocsp.example.com:80 is not on the fetch allow-list");
	assert_err_code(net_url_check(&p, "http://evil.crl.example.com/", &t), TK_ERR_DENIED, "fetch_refused");
	assert_err_code(net_url_check(&p, "http://example.com/", &t), TK_ERR_DENIED, "fetch_refused");
	assert_err_code(net_url_check(&p, "http://crl.example.com.evil.id/", &t), TK_ERR_DENIED, "fetch_refused");
	assert_err_code(net_url_check(&p, "http://[::1]:8444/", &t), TK_ERR_DENIED, "fetch_refused");
	assert_msg_has("[::1]:8444");
	assert_err_code(net_url_check(&p, "http://127.0.0.1:8443/", &t), TK_ERR_DENIED, "fetch_refused");
	assert_err_code(net_url_check(&p, "http://169.254.169.254/latest/meta-data/", &t), TK_ERR_DENIED, "fetch_refused");

	/* Schemes other than http(s). */
	assert_err_code(net_url_check(&p, "ldap://crl.example.com/cn=CA?certificateRevocationList", &t), TK_ERR_DENIED, "fetch_refused");
	assert_msg_has("only http and https");
	assert_err_code(net_url_check(&p, "file:///etc/passwd", &t), TK_ERR_DENIED, "fetch_refused");
	assert_err_code(net_url_check(&p, "gopher://crl.example.com/", &t), TK_ERR_DENIED, "fetch_refused");
	assert_err_code(net_url_check(&p, "ftp://crl.example.com/ca.crl", &t), TK_ERR_DENIED, "fetch_refused");

	/* Credentials are refused and never echoed. */
	assert_err_code(net_url_check(&p, "http://admin:s3cr3t-pw@crl.example.com/", &t), TK_ERR_DENIED, "fetch_refused");
	assert_msg_has("crl.example.com carries user information");
	assert_null(strstr(tk_errmsg(), "s3cr3t"));
	assert_null(strstr(tk_errmsg(), "admin"));
	assert_err_code(net_url_check(&p, "http://tokenonly@crl.example.com/", &t), TK_ERR_DENIED, "fetch_refused");
	assert_null(strstr(tk_errmsg(), "tokenonly"));

	/* Malformed. */
	assert_err_code(net_url_check(&p, "crl.example.com/ca.crl", &t), TK_ERR_INVALID, "bad_url");
	assert_err_code(net_url_check(&p, "/ca.crl", &t), TK_ERR_INVALID, "bad_url");
	assert_err_code(net_url_check(&p, "http://", &t), TK_ERR_INVALID, "bad_url");
	assert_err_code(net_url_check(&p, "http://crl.example.com:99999/", &t), TK_ERR_INVALID, "bad_url");
	assert_err_code(net_url_check(&p, "http://crl_example.com/", &t), TK_ERR_INVALID, "bad_url");
	/* libcurl decodes a percent-encoded host; the check sees (and matches) what would be connected to. */
	assert_ok(net_url_check(&p, "http://%63rl.example.com/", &t));
	assert_string_equal(t.host, "crl.example.com");
	assert_err_code(net_url_check(&p, "http://crl.example.com%2f@evil.id/", &t), TK_ERR_DENIED, "fetch_refused");
	assert_err_code(net_url_check(&p, "http://[fe80::1%25eth0]/", &t), TK_ERR_DENIED, "fetch_refused");
	assert_err_code(net_url_check(&p, NULL, &t), TK_ERR_INVALID, "bad_url");
	{
		char *long_url = malloc(NET_MAX_URL + 64);
		assert_non_null(long_url);
		memcpy(long_url, "http://crl.example.com/", 23);
		memset(long_url + 23, 'a', NET_MAX_URL + 64 - 24);
		long_url[NET_MAX_URL + 63] = '\0';
		assert_err_code(net_url_check(&p, long_url, &t), TK_ERR_INVALID, "bad_url");
		free(long_url);
	}
	/* Numeric host forms that a resolver reads as 127.0.0.1 never pass as names. */
	{
		enum tk_err rc = net_url_check(&p, "http://2130706433/", &t);
		assert_int_not_equal(rc, TK_OK);
		rc = net_url_check(&p, "http://0x7f.1/", &t);
		assert_int_not_equal(rc, TK_OK);
	}
	/* An empty policy allows nothing. */
	net_policy_init(&p);
	assert_err_code(net_url_check(&p, "https://crl.example.com/", &t), TK_ERR_DENIED, "fetch_refused");
}

static void load(const char *ini, const char *default_url, struct net_policy *p, enum tk_err want)
{
	struct config *cfg = NULL;
	enum tk_err rc;

	assert_ok(config_parse(ini, strlen(ini), "test.conf", &cfg));
	rc = net_policy_load(cfg, "ltv", default_url, p);
	config_free(cfg);
	if (rc != want)
		fail_msg("net_policy_load of '%s': %d, expected %d (%s)", ini, (int)rc, (int)want, tk_errmsg());
}

static void test_policy_load(void **state)
{
	struct net_policy p;
	struct net_target t;

	(void)state;
	/* Default: this instance's own base URL, host and port. */
	load("[instance]\npublic_base_url = https://teken.example.go.id\n", "https://teken.example.go.id", &p, TK_OK);
	assert_int_equal(p.nallow, 1);
	assert_string_equal(p.allow[0].host, "teken.example.go.id");
	assert_int_equal(p.allow[0].port, 443);
	assert_false(p.private_ok);
	assert_ok(net_url_check(&p, "https://teken.example.go.id/crl/issuing.crl", &t));
	assert_err_code(net_url_check(&p, "http://teken.example.go.id/crl/issuing.crl", &t), TK_ERR_DENIED, "fetch_refused");
	load("", "http://127.0.0.1:8443", &p, TK_OK);
	assert_string_equal(p.allow[0].host, "127.0.0.1");
	assert_int_equal(p.allow[0].port, 8443);
	assert_true(p.allow[0].literal);
	load("", NULL, &p, TK_OK);
	assert_int_equal(p.nallow, 0);

	/* Given: replaces the default. */
	load("[ltv]\nfetch_allow = crl.bsre.id, Cvs.Example.ID:8080 ,[::1]:81,\n", "http://127.0.0.1:8443", &p, TK_OK);
	assert_int_equal(p.nallow, 3);
	assert_string_equal(p.allow[0].host, "crl.bsre.id");
	assert_string_equal(p.allow[1].host, "cvs.example.id");
	assert_int_equal(p.allow[1].port, 8080);
	assert_string_equal(p.allow[2].host, "::1");
	assert_err_code(net_url_check(&p, "http://127.0.0.1:8443/crl/issuing.crl", &t), TK_ERR_DENIED, "fetch_refused");
	/* Empty: nothing is fetched. */
	load("[ltv]\nfetch_allow =\n", "http://127.0.0.1:8443", &p, TK_OK);
	assert_int_equal(p.nallow, 0);
	load("[ltv]\nfetch_allow = crl.internal\nfetch_private = yes\n", NULL, &p, TK_OK);
	assert_true(p.private_ok);

	load("[ltv]\nfetch_allow = crl.bsre.id, bad_host\n", NULL, &p, TK_ERR_INVALID);
	assert_msg_has("config [ltv] fetch_allow");
	load("[ltv]\nfetch_private = maybe\n", NULL, &p, TK_ERR_INVALID);
	assert_msg_has("config [ltv] fetch_private");
	load("", "ftp://127.0.0.1/", &p, TK_ERR_DENIED);
}

/* ------------------------------------------------------------------ */
/* real fetches from a loopback server                                 */
/* ------------------------------------------------------------------ */

#define BODY "0123456789abcdef" /* the body of /ok */
#define BIG_LEN 100000u         /* bytes of /big and /big-nolen */
#define SLOW_SECONDS 3u

struct srv {
	int fd;
	uint16_t port;
	pthread_t th;
	atomic_int hits;
	atomic_int hits_target; /* requests for /target (the redirect's destination) */
	atomic_int stop;
};
static struct srv S;

static void send_all(int c, const void *p, size_t n)
{
	const char *q = p;
	while (n > 0) {
		ssize_t w = send(c, q, n, MSG_NOSIGNAL);
		if (w <= 0)
			return;
		q += w;
		n -= (size_t)w;
	}
}

static void serve_one(int c)
{
	char req[4096], hdr[256];
	size_t n = 0;
	static char big[BIG_LEN];

	while (n < sizeof(req) - 1) {
		ssize_t r = recv(c, req + n, sizeof(req) - 1 - n, 0);
		if (r <= 0)
			break;
		n += (size_t)r;
		req[n] = '\0';
		if (strstr(req, "\r\n\r\n") != NULL)
			break;
	}
	req[n] = '\0';
	if (S.stop)
		return;
	S.hits++;
	memset(big, 'x', sizeof(big));
	if (strncmp(req, "GET /ok ", 8) == 0) {
		snprintf(hdr, sizeof(hdr), "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n", strlen(BODY));
		send_all(c, hdr, strlen(hdr));
		send_all(c, BODY, strlen(BODY));
	} else if (strncmp(req, "GET /big ", 9) == 0) {
		snprintf(hdr, sizeof(hdr), "HTTP/1.1 200 OK\r\nContent-Length: %u\r\nConnection: close\r\n\r\n", BIG_LEN);
		send_all(c, hdr, strlen(hdr));
		send_all(c, big, sizeof(big));
	} else if (strncmp(req, "GET /big-nolen ", 15) == 0) {
		const char *h = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n";
		send_all(c, h, strlen(h));
		send_all(c, big, sizeof(big));
	} else if (strncmp(req, "GET /redirect ", 14) == 0) {
		snprintf(hdr, sizeof(hdr), "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:%u/target\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
		    (unsigned)S.port);
		send_all(c, hdr, strlen(hdr));
	} else if (strncmp(req, "GET /target ", 12) == 0) {
		const char *h = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi";
		S.hits_target++;
		send_all(c, h, strlen(h));
	} else if (strncmp(req, "GET /slow ", 10) == 0) {
		sleep(SLOW_SECONDS);
		send_all(c, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 38);
	} else {
		const char *h = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
		send_all(c, h, strlen(h));
	}
}

static void *srv_main(void *arg)
{
	(void)arg;
	while (!S.stop) {
		int c = accept(S.fd, NULL, NULL);
		if (c < 0)
			continue;
		serve_one(c);
		close(c);
	}
	return NULL;
}

static int group_setup(void **state)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	int one = 1;

	(void)state;
	memset(&S, 0, sizeof(S));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((S.fd = socket(AF_INET, SOCK_STREAM, 0)) < 0 || setsockopt(S.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(S.fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(S.fd, 16) != 0 ||
	    getsockname(S.fd, (struct sockaddr *)&a, &alen) != 0)
		return -1;
	S.port = ntohs(a.sin_port);
	return pthread_create(&S.th, NULL, srv_main, NULL) == 0 ? 0 : -1;
}

static int group_teardown(void **state)
{
	struct sockaddr_in a;
	int c;

	(void)state;
	S.stop = 1;
	/* Wake the accept() with one last connection. */
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons(S.port);
	if ((c = socket(AF_INET, SOCK_STREAM, 0)) >= 0) {
		if (connect(c, (struct sockaddr *)&a, sizeof(a)) != 0)
			(void)0;
		close(c);
	}
	pthread_join(S.th, NULL);
	close(S.fd);
	return 0;
}

static void url(char *out, size_t sz, const char *host, const char *path)
{
	assert_ok(str_fmt(out, sz, "http://%s:%u%s", host, (unsigned)S.port, path));
}

static void policy_with(struct net_policy *p, const char *fmt_entry)
{
	char e[64];

	net_policy_init(p);
	if (fmt_entry != NULL) {
		assert_ok(str_fmt(e, sizeof(e), fmt_entry, (unsigned)S.port));
		assert_ok(net_policy_add(p, e));
	}
}

static void test_fetch_allow_list(void **state)
{
	struct net_policy p;
	struct buf out;
	char u[128];
	int before;

	(void)state;
	buf_init(&out, 1u << 20);
	url(u, sizeof(u), "127.0.0.1", "/ok");

	/* Not on the list: refused, and not one byte went to the server. */
	before = S.hits;
	policy_with(&p, NULL);
	assert_err_code(net_fetch(&p, u, 1024, 5, &out), TK_ERR_DENIED, "fetch_refused");
	{
		char e[32];
		net_policy_init(&p);
		assert_ok(str_fmt(e, sizeof(e), "127.0.0.1:%u", S.port == 65535 ? 1u : (unsigned)S.port + 1));
		assert_ok(net_policy_add(&p, e));
	}
	assert_err_code(net_fetch(&p, u, 1024, 5, &out), TK_ERR_DENIED, "fetch_refused");
	policy_with(&p, "127.0.0.2");
	assert_err_code(net_fetch(&p, u, 1024, 5, &out), TK_ERR_DENIED, "fetch_refused");
	assert_int_equal(S.hits, before);
	assert_int_equal(out.len, 0);

	/* The operator listed this very address (loopback): allowed, with or without the port. */
	policy_with(&p, "127.0.0.1:%u");
	assert_ok(net_fetch(&p, u, 1024, 5, &out));
	assert_int_equal(out.len, strlen(BODY));
	assert_memory_equal(out.p, BODY, strlen(BODY));
	assert_int_equal(S.hits, before + 1);
	buf_reset(&out);
	policy_with(&p, "127.0.0.1");
	assert_ok(net_fetch(&p, u, strlen(BODY), 5, &out));
	assert_int_equal(out.len, strlen(BODY));
	buf_reset(&out);

	/* A listed name that resolves to loopback: refused unless private ranges are allowed. */
	url(u, sizeof(u), "localhost", "/ok");
	before = S.hits;
	policy_with(&p, "localhost:%u");
	assert_err_code(net_fetch(&p, u, 1024, 5, &out), TK_ERR_DENIED, "fetch_refused");
	assert_msg_has("resolves to loopback address");
	assert_msg_has("localhost:");
	assert_int_equal(S.hits, before);
	p.private_ok = 1;
	/* localhost may also resolve to ::1, where nothing listens: libcurl tries the next address. */
	assert_ok(net_fetch(&p, u, 1024, 5, &out));
	assert_int_equal(out.len, strlen(BODY));
	assert_int_equal(S.hits, before + 1);
	buf_reset(&out);

	/* "*": any host, but only public addresses: loopback by name or by number stays refused, private_ok or not. */
	before = S.hits;
	net_policy_init(&p);
	assert_ok(net_policy_add(&p, " * "));
	p.private_ok = 1;
	assert_err_code(net_fetch(&p, u, 1024, 5, &out), TK_ERR_DENIED, "fetch_refused");
	url(u, sizeof(u), "127.0.0.1", "/ok");
	assert_err_code(net_fetch(&p, u, 1024, 5, &out), TK_ERR_DENIED, "fetch_refused");
	assert_int_equal(S.hits, before);
	{
		struct net_target t;
		assert_ok(net_url_check(&p, "https://ocsp.example.org/x", &t));
		assert_string_equal(t.host, "ocsp.example.org");
	}
	buf_free(&out);
}

static void test_fetch_limits(void **state)
{
	struct net_policy p;
	struct buf out;
	char u[128];
	int before;

	(void)state;
	buf_init(&out, 1u << 20);
	policy_with(&p, "127.0.0.1:%u");

	/* Announced too large (Content-Length), and too large without announcing it. */
	url(u, sizeof(u), "127.0.0.1", "/big");
	assert_ok(net_fetch(&p, u, BIG_LEN, 5, &out));
	assert_int_equal(out.len, BIG_LEN);
	buf_reset(&out);
	assert_err_code(net_fetch(&p, u, BIG_LEN - 1, 5, &out), TK_ERR_LIMIT, "fetch_too_large");
	assert_msg_has("larger than 99999 bytes");
	buf_reset(&out);
	url(u, sizeof(u), "127.0.0.1", "/big-nolen");
	assert_err_code(net_fetch(&p, u, 1000, 5, &out), TK_ERR_LIMIT, "fetch_too_large");
	assert_true(out.len <= 1000);
	buf_reset(&out);
	/* The caller's buffer limit counts too. */
	{
		struct buf small;
		buf_init(&small, 10);
		url(u, sizeof(u), "127.0.0.1", "/ok");
		assert_int_not_equal(net_fetch(&p, u, 1024, 5, &small), TK_OK);
		buf_free(&small);
	}

	/* No redirects: a 302 is a failure and its target is never asked. */
	before = S.hits_target;
	url(u, sizeof(u), "127.0.0.1", "/redirect");
	assert_err_code(net_fetch(&p, u, 1024, 5, &out), TK_ERR_IO, "fetch_failed");
	assert_msg_has("answered HTTP 302");
	assert_int_equal(S.hits_target, before);
	url(u, sizeof(u), "127.0.0.1", "/missing");
	assert_err_code(net_fetch(&p, u, 1024, 5, &out), TK_ERR_IO, "fetch_failed");
	assert_msg_has("HTTP 404");

	/* Nothing listening. */
	net_policy_init(&p);
	assert_ok(net_policy_add(&p, "127.0.0.1:1"));
	assert_err_code(net_fetch(&p, "http://127.0.0.1:1/x.crl", 1024, 5, &out), TK_ERR_IO, "fetch_failed");
	assert_msg_has("host 127.0.0.1:1");

	/* The time limit holds for a server that does not answer. */
	policy_with(&p, "127.0.0.1:%u");
	url(u, sizeof(u), "127.0.0.1", "/slow");
	assert_err_code(net_fetch(&p, u, 1024, 1, &out), TK_ERR_IO, "fetch_failed");
	assert_msg_has("127.0.0.1:");
	buf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_policy_entries),
		cmocka_unit_test(test_url_check),
		cmocka_unit_test(test_policy_load),
		cmocka_unit_test(test_fetch_allow_list),
		cmocka_unit_test(test_fetch_limits),
	};

	return cmocka_run_group_tests_name("net", tests, group_setup, group_teardown);
}

/* Outbound fetches under an allow-list and an address policy (see net.h). */
#include "net/net.h"

#include "config/config.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <string.h>

/* "[" + IPv6 text + "]:" + port, or host + ":" + port, NUL included. */
#define NET_HOSTPORT_MAX (NET_MAX_HOST + 10u)
/* One CURLOPT_RESOLVE line: host:port: and up to NET_MAX_ADDRS bracketed addresses. */
#define NET_RESOLVE_MAX (NET_HOSTPORT_MAX + NET_MAX_ADDRS * (INET6_ADDRSTRLEN + 3u))
#define NET_MAX_LABEL 63u /* RFC 1035 2.3.4 */

static const char *const kind_names[] = {
	"public",
	"loopback",
	"private",
	"link-local",
	"shared (CGNAT)",
	"multicast",
	"unspecified",
	"reserved",
};

const char *net_addr_kind_name(enum net_addr_kind k)
{
	if ((size_t)k >= sizeof(kind_names) / sizeof(kind_names[0]))
		return "unknown";
	return kind_names[k];
}

/* RFC 6890 2.2.2 and RFC 6598: special-purpose IPv4 ranges; a is in host order. */
static enum net_addr_kind classify_v4(uint32_t a)
{
	static const struct {
		uint32_t net, mask;
		enum net_addr_kind kind;
	} ranges[] = {
		{ 0x00000000u, 0xff000000u, NET_ADDR_UNSPECIFIED }, /* 0.0.0.0/8 "this network" */
		{ 0x7f000000u, 0xff000000u, NET_ADDR_LOOPBACK },    /* 127.0.0.0/8 */
		{ 0x0a000000u, 0xff000000u, NET_ADDR_PRIVATE },     /* 10.0.0.0/8 */
		{ 0xac100000u, 0xfff00000u, NET_ADDR_PRIVATE },     /* 172.16.0.0/12 */
		{ 0xc0a80000u, 0xffff0000u, NET_ADDR_PRIVATE },     /* 192.168.0.0/16 */
		{ 0xa9fe0000u, 0xffff0000u, NET_ADDR_LINK_LOCAL },  /* 169.254.0.0/16 */
		{ 0x64400000u, 0xffc00000u, NET_ADDR_CGNAT },       /* 100.64.0.0/10 */
		{ 0xe0000000u, 0xf0000000u, NET_ADDR_MULTICAST },   /* 224.0.0.0/4 */
		{ 0xf0000000u, 0xf0000000u, NET_ADDR_RESERVED },    /* 240.0.0.0/4 and 255.255.255.255 */
		{ 0xc0000000u, 0xffffff00u, NET_ADDR_RESERVED },    /* 192.0.0.0/24 IETF protocol assignments */
		{ 0xc0000200u, 0xffffff00u, NET_ADDR_RESERVED },    /* 192.0.2.0/24 TEST-NET-1 */
		{ 0xc6120000u, 0xfffe0000u, NET_ADDR_RESERVED },    /* 198.18.0.0/15 benchmarking */
		{ 0xc6336400u, 0xffffff00u, NET_ADDR_RESERVED },    /* 198.51.100.0/24 TEST-NET-2 */
		{ 0xcb007100u, 0xffffff00u, NET_ADDR_RESERVED },    /* 203.0.113.0/24 TEST-NET-3 */
	};
	size_t i;

	for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
		if ((a & ranges[i].mask) == ranges[i].net)
			return ranges[i].kind;
	return NET_ADDR_PUBLIC;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* RFC 6890 2.2.3 and RFC 4291 2.4: special-purpose IPv6 ranges, and IPv4 addresses inside IPv6 ones. */
static enum net_addr_kind classify_v6(const uint8_t a[16])
{
	static const uint8_t zero12[12] = { 0 };
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const uint8_t nat64[12] = { 0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0 };
	size_t i;
	int rest_zero = 1;

	if (memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0) /* ::ffff:0:0/96, 64:ff9b::/96 */
		return classify_v4(be32(a + 12));
	if (memcmp(a, zero12, 12) == 0) {
		for (i = 12; i < 15; i++)
			rest_zero &= a[i] == 0;
		if (rest_zero && a[15] == 0)
			return NET_ADDR_UNSPECIFIED; /* :: */
		if (rest_zero && a[15] == 1)
			return NET_ADDR_LOOPBACK; /* ::1 */
		return NET_ADDR_RESERVED;         /* ::a.b.c.d, IPv4-compatible (deprecated, RFC 4291 2.5.5.1) */
	}
	if (a[0] == 0x20 && a[1] == 0x02) /* 2002::/16 6to4: the IPv4 address follows */
		return classify_v4(be32(a + 2));
	if (a[0] == 0xff)
		return NET_ADDR_MULTICAST; /* ff00::/8 */
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
		return NET_ADDR_LINK_LOCAL; /* fe80::/10 */
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0)
		return NET_ADDR_PRIVATE; /* fec0::/10, site-local (deprecated) */
	if ((a[0] & 0xfe) == 0xfc)
		return NET_ADDR_PRIVATE; /* fc00::/7 unique local */
	if (a[0] == 0x00 && a[1] == 0x64 && a[2] == 0xff && a[3] == 0x9b && a[4] == 0x00 && a[5] == 0x01)
		return NET_ADDR_PRIVATE; /* 64:ff9b:1::/48, local-use NAT64 (RFC 8215) */
	if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8)
		return NET_ADDR_RESERVED; /* 2001:db8::/32 documentation */
	if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x00 && a[3] == 0x00)
		return NET_ADDR_RESERVED; /* 2001::/32 Teredo: the IPv4 end is hidden */
	if (a[0] == 0x01 && memcmp(a + 1, zero12, 7) == 0)
		return NET_ADDR_RESERVED; /* 100::/64 discard-only */
	return NET_ADDR_PUBLIC;
}

enum net_addr_kind net_addr_classify(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)(const void *)sa;
		return classify_v4(ntohl(s4->sin_addr.s_addr));
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)sa;
		return classify_v6(s6->sin6_addr.s6_addr);
	}
	return NET_ADDR_RESERVED;
}

/* ------------------------------------------------------------ host names */

static char lower(char ch)
{
	return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

/*
 * Canonical form of a host of len bytes into out: IP literals through
 * inet_pton/inet_ntop (IPv6 given without brackets), names lower-cased and
 * checked as RFC 1123 2.1 host names. *literal tells which.
 */
static enum tk_err host_canon(const char *h, size_t len, char out[NET_MAX_HOST + 1], int *literal)
{
	char tmp[NET_MAX_HOST + 1];
	unsigned char bin[16];
	size_t i, label = 0;
	int digits_only = 1;

	if (len == 0 || len > NET_MAX_HOST)
		return tk_fail_code(TK_ERR_INVALID, "bad_url", "net: RFC 1035 2.3.4: host name empty or longer than %u bytes",
		    NET_MAX_HOST);
	for (i = 0; i < len; i++)
		tmp[i] = lower(h[i]);
	tmp[len] = '\0';
	if (inet_pton(AF_INET, tmp, bin) == 1) {
		*literal = 1;
		return inet_ntop(AF_INET, bin, out, NET_MAX_HOST + 1) != NULL ? TK_OK : tk_fail(TK_ERR_INTERNAL, "net: inet_ntop");
	}
	if (memchr(tmp, ':', len) != NULL) {
		if (inet_pton(AF_INET6, tmp, bin) != 1)
			return tk_fail_code(TK_ERR_INVALID, "bad_url", "net: RFC 4291 2.2: '%s' is not an IPv6 address", tmp);
		*literal = 1;
		return inet_ntop(AF_INET6, bin, out, NET_MAX_HOST + 1) != NULL ? TK_OK : tk_fail(TK_ERR_INTERNAL, "net: inet_ntop");
	}
	*literal = 0;
	for (i = 0; i <= len; i++) {
		char ch = tmp[i];
		if (i == len || ch == '.') {
			if (label == 0 || label > NET_MAX_LABEL || tmp[i - 1] == '-')
				return tk_fail_code(TK_ERR_INVALID, "bad_url",
				    "net: RFC 1123 2.1: '%s' is not a host name (empty, long or hyphen-ended label, or trailing dot)", tmp);
			label = 0;
			continue;
		}
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-'))
			return tk_fail_code(TK_ERR_INVALID, "bad_url", "net: RFC 1123 2.1: host name '%s' has a character other than a-z, 0-9, '-' and '.'", tmp);
		if (label == 0 && ch == '-')
			return tk_fail_code(TK_ERR_INVALID, "bad_url", "net: RFC 1123 2.1: a label of '%s' starts with '-'", tmp);
		if (label == 0)
			digits_only = 1;
		if (ch < '0' || ch > '9')
			digits_only = 0;
		label++;
	}
	/* "127.1" or "2130706433": an all-numeric last label is no top-level
	 * domain, and a resolver may read it as an address. */
	if (digits_only)
		return tk_fail_code(TK_ERR_INVALID, "bad_url", "net: RFC 3696 2: '%s' is neither a host name nor a dotted-quad IPv4 address", tmp);
	return str_copy(out, NET_MAX_HOST + 1, tmp);
}

static void hostport(const char *host, uint16_t port, char out[NET_HOSTPORT_MAX])
{
	int v6 = strchr(host, ':') != NULL;

	if (port == 0)
		snprintf(out, NET_HOSTPORT_MAX, "%s%s%s", v6 ? "[" : "", host, v6 ? "]" : "");
	else
		snprintf(out, NET_HOSTPORT_MAX, "%s%s%s:%u", v6 ? "[" : "", host, v6 ? "]" : "", (unsigned)port);
}

/* ------------------------------------------------------------ policy */

void net_policy_init(struct net_policy *p)
{
	memset(p, 0, sizeof(*p));
}

static enum tk_err add_entry(struct net_policy *p, const char *h, size_t hlen, uint16_t port)
{
	struct net_allow *e;
	enum tk_err rc;

	if (p->nallow == NET_MAX_ALLOW)
		return tk_fail(TK_ERR_LIMIT, "net: more than %u allow-list entries", NET_MAX_ALLOW);
	e = &p->allow[p->nallow];
	memset(e, 0, sizeof(*e));
	if ((rc = host_canon(h, hlen, e->host, &e->literal)) != TK_OK)
		return rc;
	e->port = port;
	p->nallow++;
	return TK_OK;
}

static enum tk_err port_parse(const char *s, size_t len, uint16_t *out)
{
	uint64_t v;

	if (parse_u64(s, len, 65535, &v) != TK_OK || v == 0)
		return tk_fail_code(TK_ERR_INVALID, "bad_url", "net: RFC 3986 3.2.3: port must be 1 to 65535");
	*out = (uint16_t)v;
	return TK_OK;
}

enum tk_err net_policy_add(struct net_policy *p, const char *entry)
{
	const char *s = entry, *e, *colon = NULL, *hend;
	uint16_t port = 0;
	enum tk_err rc;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if (e == s)
		return tk_fail_code(TK_ERR_INVALID, "bad_url", "net: empty allow-list entry");
	if (e == s + 1 && *s == '*') {
		p->any_public = 1;
		return TK_OK;
	}
	if (*s == '[') {
		const char *rb = memchr(s, ']', (size_t)(e - s));
		if (rb == NULL || (rb + 1 != e && rb[1] != ':'))
			return tk_fail_code(TK_ERR_INVALID, "bad_url", "net: RFC 3986 3.2.2: allow-list entry: '[' without a closing ']' before the port");
		if (rb + 1 != e && (rc = port_parse(rb + 2, (size_t)(e - rb - 2), &port)) != TK_OK)
			return rc;
		if (memchr(s + 1, ':', (size_t)(rb - s - 1)) == NULL)
			return tk_fail_code(TK_ERR_INVALID, "bad_url", "net: RFC 3986 3.2.2: brackets are for IPv6 addresses only");
		return add_entry(p, s + 1, (size_t)(rb - s - 1), port);
	}
	for (hend = s; hend < e; hend++)
		if (*hend == ':') {
			if (colon != NULL)
				return tk_fail_code(TK_ERR_INVALID, "bad_url", "net: RFC 3986 3.2.2: write IPv6 allow-list entries in brackets: [2001:db8::1]:80");
			colon = hend;
		}
	if (colon != NULL) {
		if ((rc = port_parse(colon + 1, (size_t)(e - colon - 1), &port)) != TK_OK)
			return rc;
		e = colon;
	}
	return add_entry(p, s, (size_t)(e - s), port);
}

/* Parsed URL; h stays valid for the fetch. */
struct parsed {
	CURLU *h;
	struct net_target t;
};

/* Parses an http(s) URL from outside; nothing about the allow-list yet. */
static enum tk_err url_parse(const char *url, struct parsed *out)
{
	char *scheme = NULL, *host = NULL, *port = NULL, *part = NULL;
	const char *hs;
	size_t hlen;
	int literal = 0;
	CURLUcode uc;
	enum tk_err rc = TK_ERR_INVALID;

	memset(out, 0, sizeof(*out));
	if (url == NULL || strlen(url) > NET_MAX_URL)
		return tk_fail_code(TK_ERR_INVALID, "bad_url", "net: URL missing or longer than %u bytes", NET_MAX_URL);
	if ((out->h = curl_url()) == NULL)
		return tk_fail(TK_ERR_NOMEM, "net: out of memory");
	/* Schemes libcurl does not know (or knows but we refuse) are told apart below. */
	if ((uc = curl_url_set(out->h, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME)) != CURLUE_OK) {
		rc = tk_fail_code(TK_ERR_INVALID, "bad_url", "net: RFC 3986 4.3: not an absolute URL (%s)", curl_url_strerror(uc));
		goto out;
	}
	if (curl_url_get(out->h, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
		rc = tk_fail_code(TK_ERR_DENIED, "fetch_refused", "net: RFC 9110 4.2: only http and https URLs are fetched, not %s",
		    scheme != NULL && strlen(scheme) < 16 ? scheme : "this scheme");
		goto out;
	}
	if ((uc = curl_url_get(out->h, CURLUPART_HOST, &host, 0)) != CURLUE_OK) {
		rc = tk_fail_code(TK_ERR_INVALID, "bad_url", "net: RFC 3986 3.2.2: URL without a host (%s)", curl_url_strerror(uc));
		goto out;
	}
	hs = host;
	hlen = strlen(host);
	if (hlen >= 2 && host[0] == '[' && host[hlen - 1] == ']') {
		hs++;
		hlen -= 2;
	}
	if ((rc = host_canon(hs, hlen, out->t.host, &literal)) != TK_OK)
		goto out;
	if (curl_url_get(out->h, CURLUPART_ZONEID, &part, 0) == CURLUE_OK) {
		rc = tk_fail_code(TK_ERR_DENIED, "fetch_refused", "net: RFC 6874 2: URL for host %s names an IPv6 zone; refused", out->t.host);
		goto out;
	}
	/* Credentials in a URL from outside: never used and never echoed. */
	if (curl_url_get(out->h, CURLUPART_USER, &part, 0) == CURLUE_OK ||
	    curl_url_get(out->h, CURLUPART_PASSWORD, &part, 0) == CURLUE_OK ||
	    curl_url_get(out->h, CURLUPART_OPTIONS, &part, 0) == CURLUE_OK) {
		rc = tk_fail_code(TK_ERR_DENIED, "fetch_refused", "net: RFC 3986 3.2.1: URL for host %s carries user information; refused",
		    out->t.host);
		goto out;
	}
	if (curl_url_get(out->h, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK ||
	    (rc = port_parse(port, strlen(port), &out->t.port)) != TK_OK) {
		rc = tk_fail_code(TK_ERR_INVALID, "bad_url", "net: RFC 3986 3.2.3: URL for host %s has a bad port", out->t.host);
		goto out;
	}
	rc = str_copy(out->t.scheme, sizeof(out->t.scheme), scheme);
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(part);
	if (rc != TK_OK) {
		curl_url_cleanup(out->h);
		out->h = NULL;
	}
	return rc;
}

/* Sets t->entry to the first allow-list entry for t's host and port. */
static enum tk_err allow_match(const struct net_policy *p, struct net_target *t)
{
	char hp[NET_HOSTPORT_MAX];
	size_t i;

	static const struct net_allow any = { "*", 0, 0 };

	for (i = 0; i < p->nallow; i++)
		if (strcmp(p->allow[i].host, t->host) == 0 && (p->allow[i].port == 0 || p->allow[i].port == t->port)) {
			t->entry = &p->allow[i];
			return TK_OK;
		}
	if (p->any_public) {
		t->entry = &any;
		return TK_OK;
	}
	hostport(t->host, t->port, hp);
	return tk_fail_code(TK_ERR_DENIED, "fetch_refused", "net: host %s is not on the fetch allow-list", hp);
}

enum tk_err net_url_check(const struct net_policy *p, const char *url, struct net_target *out)
{
	struct parsed u;
	enum tk_err rc;

	if ((rc = url_parse(url, &u)) != TK_OK)
		return rc;
	if ((rc = allow_match(p, &u.t)) == TK_OK)
		*out = u.t;
	curl_url_cleanup(u.h);
	return rc;
}

enum tk_err net_policy_add_url(struct net_policy *p, const char *url)
{
	struct parsed u;
	enum tk_err rc;

	if ((rc = url_parse(url, &u)) != TK_OK)
		return rc;
	rc = add_entry(p, u.t.host, strlen(u.t.host), u.t.port);
	curl_url_cleanup(u.h);
	return rc;
}

enum tk_err net_policy_load(const struct config *cfg, const char *section, const char *default_url, struct net_policy *out)
{
	const char *v = config_get(cfg, section, "fetch_allow");
	const char *pv = config_get_or(cfg, section, "fetch_private", "no");
	enum tk_err rc;

	net_policy_init(out);
	if (strcmp(pv, "yes") == 0 || strcmp(pv, "true") == 0)
		out->private_ok = 1;
	else if (strcmp(pv, "no") != 0 && strcmp(pv, "false") != 0)
		return tk_fail(TK_ERR_INVALID, "config [%s] fetch_private: '%s' is not yes or no", section, pv);
	if (v == NULL) {
		if (default_url != NULL && (rc = net_policy_add_url(out, default_url)) != TK_OK)
			return tk_wrap(rc, "config [%s] fetch_allow: default from the instance's base URL", section);
		return TK_OK;
	}
	while (*v) {
		char item[NET_HOSTPORT_MAX + 2];
		const char *e = strchr(v, ',');
		size_t n = e != NULL ? (size_t)(e - v) : strlen(v), k;
		int blank = 1;
		for (k = 0; k < n; k++)
			blank &= v[k] == ' ' || v[k] == '\t';
		if (!blank) {
			if (n >= sizeof(item))
				return tk_fail(TK_ERR_INVALID, "config [%s] fetch_allow: an entry is longer than %zu bytes", section, sizeof(item) - 1);
			memcpy(item, v, n);
			item[n] = '\0';
			if ((rc = net_policy_add(out, item)) != TK_OK)
				return tk_wrap(rc, "config [%s] fetch_allow", section);
		}
		v += n;
		if (*v == ',')
			v++;
	}
	return TK_OK;
}

/* ------------------------------------------------------------ fetch */

struct fetch {
	struct buf *out;
	size_t max, got;
	int over, append_err;
	int private_ok;
	int refused; /* opensocket saw an address outside the policy */
	enum net_addr_kind refused_kind;
};

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
	struct fetch *f = arg;
	size_t len = size * n;

	if (len > f->max - f->got) {
		f->over = 1;
		return 0;
	}
	if (buf_append(f->out, p, len) != TK_OK) {
		f->append_err = 1;
		return 0;
	}
	f->got += len;
	return len;
}

/* Last check at connect time: whatever libcurl was about to connect to must pass the address policy too. */
static curl_socket_t on_open(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct fetch *f = arg;
	enum net_addr_kind k;

	(void)purpose;
	if (a->family != AF_INET && a->family != AF_INET6) {
		f->refused = 1;
		f->refused_kind = NET_ADDR_RESERVED;
		return CURL_SOCKET_BAD;
	}
	/* a->addr is the start of storage large enough for the family's address. */
	k = net_addr_classify(&a->addr);
	if (k != NET_ADDR_PUBLIC && !f->private_ok) {
		f->refused = 1;
		f->refused_kind = k;
		return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

/*
 * Resolves t's host and checks every address. For a host name, line gets
 * the CURLOPT_RESOLVE entry pinning the checked addresses; for an IP
 * literal (which libcurl never resolves) it is left empty.
 */
static enum tk_err resolve_check(const struct net_target *t, int private_ok, const char *hp, char line[NET_RESOLVE_MAX])
{
	struct addrinfo hints, *res = NULL, *ai;
	char port[8], txt[INET6_ADDRSTRLEN];
	struct buf b;
	size_t n = 0;
	int gai;
	enum tk_err rc = TK_OK;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | (t->entry->literal ? AI_NUMERICHOST : 0);
	snprintf(port, sizeof(port), "%u", (unsigned)t->port);
	if ((gai = getaddrinfo(t->host, port, &hints, &res)) != 0)
		return tk_fail_code(TK_ERR_IO, "fetch_failed", "net: cannot resolve host %s: %s", hp, gai_strerror(gai));
	buf_init(&b, NET_RESOLVE_MAX - 1);
	rc = buf_printf(&b, "%s:%u:", t->host, (unsigned)t->port);
	for (ai = res; ai != NULL && rc == TK_OK; ai = ai->ai_next) {
		enum net_addr_kind k;
		const void *bin;
		if (ai->ai_family == AF_INET)
			bin = &((const struct sockaddr_in *)(const void *)ai->ai_addr)->sin_addr;
		else if (ai->ai_family == AF_INET6)
			bin = &((const struct sockaddr_in6 *)(const void *)ai->ai_addr)->sin6_addr;
		else
			continue;
		if (inet_ntop(ai->ai_family, bin, txt, sizeof(txt)) == NULL) {
			rc = tk_fail(TK_ERR_INTERNAL, "net: inet_ntop");
			break;
		}
		k = net_addr_classify(ai->ai_addr);
		if (k != NET_ADDR_PUBLIC && !private_ok) {
			rc = tk_fail_code(TK_ERR_DENIED, "fetch_refused",
			    "net: RFC 6890: host %s resolves to %s address %s; refused (list the address itself, or set fetch_private)",
			    hp, net_addr_kind_name(k), txt);
			break;
		}
		/* Every address is checked; the first NET_MAX_ADDRS are the ones libcurl may use. */
		if (n < NET_MAX_ADDRS) {
			rc = buf_printf(&b, ai->ai_family == AF_INET6 ? "%s[%s]" : "%s%s", n ? "," : "", txt);
			n++;
		}
	}
	freeaddrinfo(res);
	if (rc == TK_OK && n == 0)
		rc = tk_fail_code(TK_ERR_IO, "fetch_failed", "net: host %s has no IPv4 or IPv6 address", hp);
	line[0] = '\0';
	if (rc == TK_OK && !t->entry->literal) {
		const char *s;
		if ((rc = buf_cstr(&b, &s)) == TK_OK)
			rc = str_copy(line, NET_RESOLVE_MAX, s);
	}
	buf_free(&b);
	return rc;
}

enum tk_err net_fetch(const struct net_policy *p, const char *url, size_t max_bytes, long timeout_s, struct buf *out)
{
	struct parsed u;
	struct fetch f;
	struct curl_slist *pin = NULL;
	char hp[NET_HOSTPORT_MAX], line[NET_RESOLVE_MAX];
	CURL *curl = NULL;
	CURLcode cc = CURLE_OK;
	long code = 0;
	enum tk_err rc;

	memset(&f, 0, sizeof(f));
	if (timeout_s <= 0)
		return tk_fail(TK_ERR_INTERNAL, "net: timeout must be positive");
	if ((rc = url_parse(url, &u)) != TK_OK)
		return rc;
	if ((rc = allow_match(p, &u.t)) != TK_OK)
		goto out;
	hostport(u.t.host, u.t.port, hp);
	/* The operator named this very address, or allows internal hosts. */
	f.private_ok = u.t.entry->literal || (p->private_ok && strcmp(u.t.entry->host, "*") != 0);
	f.out = out;
	f.max = max_bytes;
	if ((rc = resolve_check(&u.t, f.private_ok, hp, line)) != TK_OK)
		goto out;
	if ((curl = curl_easy_init()) == NULL || (line[0] != '\0' && (pin = curl_slist_append(NULL, line)) == NULL)) {
		rc = tk_fail(TK_ERR_NOMEM, "net: out of memory");
		goto out;
	}
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(curl, CURLOPT_CURLU, u.h);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(curl, CURLOPT_PROXY, ""); /* no proxy from the environment */
	if (cc == CURLE_OK && pin != NULL)
		cc = curl_easy_setopt(curl, CURLOPT_RESOLVE, pin);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, on_open);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(curl, CURLOPT_OPENSOCKETDATA, &f);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(curl, CURLOPT_WRITEDATA, &f);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max_bytes);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(curl, CURLOPT_TIMEOUT, timeout_s);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, timeout_s);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(curl, CURLOPT_USERAGENT, "teken");
	if (cc != CURLE_OK) {
		rc = tk_fail(TK_ERR_INTERNAL, "net: libcurl option: %s", curl_easy_strerror(cc));
		goto out;
	}
	cc = curl_easy_perform(curl);
	if (f.over || cc == CURLE_FILESIZE_EXCEEDED)
		rc = tk_fail_code(TK_ERR_LIMIT, "fetch_too_large", "net: reply from host %s is larger than %zu bytes", hp, max_bytes);
	else if (f.append_err)
		rc = tk_wrap(tk_last_error()->err, "net: reply from host %s", hp);
	else if (f.refused)
		rc = tk_fail_code(TK_ERR_DENIED, "fetch_refused", "net: RFC 6890: connection to a %s address for host %s refused",
		    net_addr_kind_name(f.refused_kind), hp);
	else if (cc != CURLE_OK)
		rc = tk_fail_code(TK_ERR_IO, "fetch_failed", "net: fetch from host %s failed: %s", hp, curl_easy_strerror(cc));
	else if (curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code) != CURLE_OK || code != 200)
		rc = tk_fail_code(TK_ERR_IO, "fetch_failed", "net: host %s answered HTTP %ld", hp, code);
	else
		rc = TK_OK;
out:
	curl_easy_cleanup(curl);
	curl_slist_free_all(pin);
	curl_url_cleanup(u.h);
	return rc;
}

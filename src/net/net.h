/*
 * net: outbound HTTP(S) fetches of URLs that outside data chooses (CRL
 * distribution points and the like in certificates inside uploaded PDFs).
 * Such a URL must not turn teken into a proxy into the ministry's network
 * (server-side request forgery), so every fetch goes through a policy:
 *
 *   - only http and https, no user information in the URL, no redirects;
 *   - the URL's host must be on an allow-list of "host" (any port) or
 *     "host:port" entries, compared exactly and case-insensitively;
 *   - the host is resolved here and every address checked against the
 *     special-purpose ranges of RFC 6890 (loopback, private, link-local,
 *     CGNAT, multicast, unspecified, reserved, and IPv4-mapped forms of
 *     them): such addresses are refused unless the allow-list entry is that
 *     very IP address or the policy allows private ranges;
 *   - the connection goes to the addresses that were checked (pinned with
 *     CURLOPT_RESOLVE), never to a second DNS answer, and never through a
 *     proxy from the environment;
 *   - the reply has a byte limit and the whole transfer a time limit.
 */
#ifndef TEKEN_NET_H
#define TEKEN_NET_H

#include "core/core.h"

#include <sys/socket.h>

struct config;

#define NET_MAX_ALLOW 32u /* entries in one allow-list */
#define NET_MAX_HOST 253u /* RFC 1035 2.3.4: longest domain name in text form */
#define NET_MAX_ADDRS 8u  /* resolved addresses checked and pinned per fetch */
#define NET_MAX_URL 2048u
#define NET_FETCH_TIMEOUT 10L /* seconds for one whole fetch, when the caller has no reason to differ */

struct net_allow {
	char host[NET_MAX_HOST + 1]; /* lower case; IP literals in canonical form, IPv6 without brackets */
	uint16_t port;               /* 0: any port */
	int literal;                 /* host is an IP address */
};

struct net_policy {
	struct net_allow allow[NET_MAX_ALLOW];
	size_t nallow;
	int private_ok; /* listed host names may resolve to non-public addresses (internal CRL servers) */
	int any_public; /* entry "*": any host whose addresses are all public (never private, whatever private_ok says) */
};

/* What an address is, after RFC 6890 and RFC 4291 2.4; only NET_ADDR_PUBLIC is fetched from freely. */
enum net_addr_kind {
	NET_ADDR_PUBLIC = 0,
	NET_ADDR_LOOPBACK,    /* 127/8, ::1 */
	NET_ADDR_PRIVATE,     /* 10/8, 172.16/12, 192.168/16, fc00::/7, fec0::/10 */
	NET_ADDR_LINK_LOCAL,  /* 169.254/16, fe80::/10 */
	NET_ADDR_CGNAT,       /* 100.64/10 (RFC 6598) */
	NET_ADDR_MULTICAST,   /* 224/4, ff00::/8 */
	NET_ADDR_UNSPECIFIED, /* 0/8, :: */
	NET_ADDR_RESERVED,    /* 240/4 and broadcast, IETF, benchmarking and documentation ranges */
};

/* Starts an empty policy (nothing allowed). */
void net_policy_init(struct net_policy *p);
/*
 * Adds one allow-list entry: "host", "host:port", "[v6addr]" or
 * "[v6addr]:port" (surrounding spaces ignored), or "*" for any host whose
 * addresses are all public. Fails with TK_ERR_INVALID
 * on a malformed entry, TK_ERR_LIMIT past NET_MAX_ALLOW.
 */
enum tk_err net_policy_add(struct net_policy *p, const char *entry) WARN_UNUSED;
/* Adds the host and port (the scheme's default when absent) of an http(s) URL. */
enum tk_err net_policy_add_url(struct net_policy *p, const char *url) WARN_UNUSED;
/*
 * Reads the policy of config [section]: fetch_allow (comma list of entries;
 * when absent, default_url's host:port alone; when empty, nothing) and
 * fetch_private (yes/no, default no). Errors name the section and key.
 */
enum tk_err net_policy_load(const struct config *cfg, const char *section, const char *default_url,
    struct net_policy *out) WARN_UNUSED;

/* Classifies an AF_INET or AF_INET6 address (other families: NET_ADDR_RESERVED). */
enum net_addr_kind net_addr_classify(const struct sockaddr *sa);
/* "public", "loopback", "private", ... for messages. */
const char *net_addr_kind_name(enum net_addr_kind k);

/* A URL that passed the checks that need no network. */
struct net_target {
	char scheme[8];                /* "http" or "https" */
	char host[NET_MAX_HOST + 1];   /* as in net_allow.host */
	uint16_t port;                 /* explicit or the scheme's default */
	const struct net_allow *entry; /* the allow-list entry it matched (points into the policy) */
};

/*
 * Parses url and checks scheme, user information and the allow-list,
 * without resolving anything. Errors name the host, never the rest of the
 * URL: code "bad_url" (TK_ERR_INVALID) or "fetch_refused" (TK_ERR_DENIED).
 */
enum tk_err net_url_check(const struct net_policy *p, const char *url, struct net_target *out) WARN_UNUSED;

/*
 * Fetches url with GET under policy p and appends the body of a 200 reply
 * to out. At most max_bytes are accepted ("fetch_too_large",
 * TK_ERR_LIMIT) and the whole transfer takes at most timeout_s seconds.
 * Refusals by policy are "fetch_refused" (TK_ERR_DENIED); network and HTTP
 * failures "fetch_failed" (TK_ERR_IO). On failure out may hold a partial
 * body; the caller owns out either way.
 */
enum tk_err net_fetch(const struct net_policy *p, const char *url, size_t max_bytes, long timeout_s, struct buf *out)
    WARN_UNUSED;

#endif

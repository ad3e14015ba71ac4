/*
 * libmicrohttpd glue: request collection with limits, authentication,
 * routing, security headers, graceful shutdown. Each pool thread keeps its
 * own store connection (a pthread key closes it when the thread ends).
 */
#include "http/http.h"

#include "config/config.h"
#include "http/ratelimit.h"
#include "log/log.h"
#include "svc/auth/auth.h"
#include "svc/jobs/jobs.h"
#include "svc/report/report.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define HTTP_CONN_MEMORY (64u * 1024u) /* headers + buffers per connection */
#define HTTP_TIMEOUT_S 60u
#define HTTP_PER_IP_CONNECTIONS 32u /* [http] max_connections_per_ip default */
#define HTTP_RATE_PER_IP 50u        /* [http] rate_per_ip default: requests/s, burst twice that */
#define HTTP_MAX_RATE 1000000u
#define HTTP_MAX_SIGNING 4096u
#define HTTP_MAX_SIGNING_THREADS 256u

struct conn_state;

/*
 * The signing pool: signing requests run here, not on the pool thread that
 * read them. MHD ties a keep-alive connection to the pool thread that
 * accepted it, and accepts a burst of connections on one thread, so
 * signing on that thread left cores idle while requests queued behind each
 * other on another (measured: all connections of a benchmark client on one
 * of two threads, half the machine's signing rate). The connection is
 * suspended while a signing thread works and resumed with its answer.
 */
struct sign_pool {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct conn_state *head, *tail; /* waiting, oldest first */
	int draining;                   /* shutting down: nothing more is queued */
	unsigned nthreads;
	pthread_t *tids;
};

struct server {
	struct instance *inst;
	int tls;
	size_t doc_limit;            /* [http] max_document_mb: bodies of document routes */
	size_t json_limit;           /* [http] max_json_kb: every other body */
	const char *trusted_proxies; /* [http] trusted_proxies: peers whose X-Forwarded-For is believed */
	int tls_proxy;               /* [http] behind_tls_proxy: clients see https (Secure cookies, HSTS) */
	struct http_rl *rl;          /* [http] rate_per_ip; NULL when 0 (no limit) */
	unsigned rate_per_ip;
	unsigned max_signing;  /* [http] max_concurrent_signing; 0: no cap */
	atomic_uint signing;   /* signing requests admitted and not yet completed */
	struct sign_pool pool; /* [http] signing_threads; none: signing runs on the connection's thread */
};

struct xff_join {
	char *buf;
	size_t cap, len;
	int overflow;
};

static enum MHD_Result xff_collect(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct xff_join *j = cls;
	size_t n;

	(void)kind;
	if (key == NULL || value == NULL || strcasecmp(key, "X-Forwarded-For") != 0)
		return MHD_YES;
	n = strlen(value);
	if (j->len + n + 2 > j->cap) {
		j->overflow = 1;
		return MHD_NO;
	}
	if (j->len > 0)
		j->buf[j->len++] = ',';
	memcpy(j->buf + j->len, value, n);
	j->len += n;
	j->buf[j->len] = '\0';
	return MHD_YES;
}

/*
 * Behind a trusted reverse proxy the client is the right-most address of
 * X-Forwarded-For that is not itself a trusted proxy (http_client_addr);
 * the header of anyone else is ignored, since clients can write it.
 */
static void client_ip(const struct server *srv, struct MHD_Connection *conn, char ip[48])
{
	char tmp[HTTP_XFF_MAX];
	struct xff_join j = { tmp, sizeof(tmp), 0, 0 };

	if (srv->trusted_proxies == NULL || !str_list_has(srv->trusted_proxies, ip))
		return;
	/* Every X-Forwarded-For line in order, as one list (a proxy may add its own line). */
	MHD_get_connection_values(conn, MHD_HEADER_KIND, xff_collect, &j);
	if (j.overflow || j.len == 0)
		return;
	http_client_addr(srv->trusted_proxies, tmp, ip);
}

/*
 * The request's id: a trusted proxy's X-Request-Id when it is sane (the
 * proxy's logs and ours then share it), else 128 fresh random bits. ip is
 * the TCP peer here, before X-Forwarded-For is read.
 */
static void request_id(const struct server *srv, struct MHD_Connection *conn, const char *peer, char out[LOG_REQUEST_ID_MAX + 1])
{
	const char *in = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Request-Id");

	if (in != NULL && srv->trusted_proxies != NULL && str_list_has(srv->trusted_proxies, peer) && http_request_id_ok(in)) {
		memcpy(out, in, strlen(in) + 1);
		return;
	}
	if (http_request_id_new(out) != TK_OK) {
		log_msg(LOG_ERROR, "http.request_id", "%s", tk_errmsg());
		out[0] = '\0';
	}
}

/* Request counters for /metrics, by status class; atomics, no lock. */
static _Atomic uint64_t metric_requests[6];
static _Atomic uint64_t metric_bytes_in;
static _Atomic uint64_t metric_latency_us;
static int64_t metric_started;

void http_metrics(uint64_t by_class[6], uint64_t *bytes_in, uint64_t *latency_us, int64_t *started)
{
	size_t i;

	for (i = 0; i < 6; i++)
		by_class[i] = metric_requests[i];
	*bytes_in = metric_bytes_in;
	*latency_us = metric_latency_us;
	*started = metric_started;
}

/* Per-request state kept across MHD's calls for one request. */
struct conn_state {
	struct http_req rq;
	const struct http_route *route;
	int too_large;
	int signing_slot; /* holds one of [http] max_concurrent_signing until the request completes */
	struct timespec started;
	char rid[LOG_REQUEST_ID_MAX + 1]; /* X-Request-Id; every log line while handling it carries it */
	int offloaded;                    /* 1: queued for or on a signing thread (connection suspended); 2: answered in rs */
	struct conn_state *next;          /* in the signing pool's queue */
	struct http_resp rs;              /* the answer a signing thread made */
};

unsigned http_role_bit(const char *role)
{
	static const struct {
		const char *n;
		unsigned b;
	} m[] = {
		{ "admin", ROLE_ADMIN },
		{ "verifikator", ROLE_VERIFIKATOR },
		{ "subscriber", ROLE_SUBSCRIBER },
		{ "application", ROLE_APPLICATION },
		{ "auditor", ROLE_AUDITOR },
	};
	size_t i;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (strcmp(m[i].n, role) == 0)
			return m[i].b;
	return 0;
}

unsigned http_status_for(enum tk_err e)
{
	switch (e) {
	case TK_OK: return 200;
	case TK_ERR_INVALID: return 400;
	case TK_ERR_AUTH: return 401;
	case TK_ERR_DENIED: return 403;
	case TK_ERR_NOT_FOUND: return 404;
	case TK_ERR_EXISTS:
	case TK_ERR_CONFLICT: return 409;
	case TK_ERR_LIMIT: return 413;
	case TK_ERR_CRYPTO: return 422;
	case TK_ERR_STORE:
	case TK_ERR_IO: return 503;
	case TK_ERR_NOMEM:
	case TK_ERR_INTERNAL: return 500;
	}
	return 500;
}

enum tk_err http_header(struct http_resp *rs, const char *name, const char *value)
{
	enum tk_err rc;

	if (rs->nheaders == HTTP_MAX_HEADERS)
		return tk_fail(TK_ERR_INTERNAL, "http: too many headers");
	if ((rc = str_copy(rs->headers[rs->nheaders].name, sizeof(rs->headers[0].name), name)) != TK_OK ||
	    (rc = str_copy(rs->headers[rs->nheaders].value, sizeof(rs->headers[0].value), value)) != TK_OK)
		return rc;
	rs->nheaders++;
	return TK_OK;
}

enum tk_err http_json_text(struct http_resp *rs, unsigned status, char *txt)
{
	enum tk_err rc = http_bytes(rs, status, "application/json; charset=utf-8", txt, strlen(txt));

	free(txt);
	return rc;
}

enum tk_err http_bytes(struct http_resp *rs, unsigned status, const char *ctype, const void *p, size_t len)
{
	enum tk_err rc;

	rs->status = status;
	buf_reset(&rs->body);
	if ((rc = str_copy(rs->ctype, sizeof(rs->ctype), ctype)) != TK_OK)
		return rc;
	return buf_append(&rs->body, p, len);
}

enum tk_err http_attachment(struct http_resp *rs, const char *ctype, const void *p, size_t len, const char *filename)
{
	/* RFC 6266: an ASCII filename= for every client (other bytes, quotes and
	 * backslashes become '_') and the exact name as filename*=UTF-8''. */
	static const char hex[] = "0123456789ABCDEF";
	char ascii[256], ext[3 * 255 + 1], disp[sizeof(ascii) + sizeof(ext) + 64];
	size_t i, n = 0;
	enum tk_err rc;

	for (i = 0; filename[i] != '\0' && i < sizeof(ascii) - 1; i++) {
		unsigned char ch = (unsigned char)filename[i];
		ascii[i] = ch < 0x20 || ch > 0x7e || ch == '"' || ch == '\\' ? '_' : (char)ch;
		if (isalnum(ch) || strchr("!#$&+-.^_`|~", ch) != NULL) {
			ext[n++] = (char)ch;
		} else {
			ext[n++] = '%';
			ext[n++] = hex[ch >> 4];
			ext[n++] = hex[ch & 15];
		}
	}
	ascii[i] = '\0';
	ext[n] = '\0';
	if ((rc = http_bytes(rs, 200, ctype, p, len)) != TK_OK ||
	    (rc = str_fmt(disp, sizeof(disp), "attachment; filename=\"%s\"; filename*=UTF-8''%s", ascii, ext)) != TK_OK ||
	    (rc = http_header(rs, "Content-Disposition", disp)) != TK_OK || (rc = http_header(rs, "X-Content-Type-Options", "nosniff")) != TK_OK)
		return rc;
	return http_header(rs, "Cache-Control", "no-store");
}

enum tk_err http_json(struct http_resp *rs, unsigned status, json_t *j)
{
	char *txt;
	enum tk_err rc;

	if (j == NULL)
		return tk_fail(TK_ERR_NOMEM, "http: out of memory");
	txt = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (txt == NULL)
		return tk_fail(TK_ERR_NOMEM, "http: out of memory");
	rc = http_bytes(rs, status, "application/json; charset=utf-8", txt, strlen(txt));
	free(txt);
	return rc;
}

/*
 * The error body of DESIGN.md: {"error":{"code":"snake_case","message":"..."}}.
 * A 5xx ("see the server log") also names the request ("request_id", as in
 * the X-Request-Id header) so the operator finds its log lines; 4xx bodies
 * stay the same for the same refusal, so "unknown user" and "wrong
 * password" remain byte-identical answers.
 */
static void error_response(struct http_resp *rs, unsigned status, const char *code, const char *msg)
{
	const char *rid = log_request_id();
	json_t *j = status >= 500 && rid[0] != '\0' ? json_pack("{s:{s:s, s:s, s:s}}", "error", "code", code, "message", msg, "request_id", rid)
						    : json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", msg);

	if (http_json(rs, status, j) != TK_OK) {
		static const char fallback[] = "{\"error\":{\"code\":\"internal_error\",\"message\":\"out of memory\"}}";
		rs->status = 500;
		rs->body.len = 0;
		if (buf_append(&rs->body, fallback, sizeof(fallback) - 1) != TK_OK)
			rs->body.len = 0;
	}
}

/* 5xx codes that say something useful to a client and nothing about our insides. */
static int public_5xx_code(const char *code)
{
	return strcmp(code, "tsa_unavailable") == 0;
}

void http_error_public(enum tk_err e, const struct tk_error *le, struct http_public_error *out)
{
	const char *dflt = tk_err_code_default(e);

	out->status = http_status_for(e);
	out->code = le->code[0] ? le->code : dflt;
	out->message = le->msg[0] ? le->msg : "unknown error";
	out->withheld = 0;
	switch (e) {
	case TK_ERR_STORE:
	case TK_ERR_IO:
	case TK_ERR_NOMEM:
	case TK_ERR_INTERNAL:
		/* SQL text, file paths, host names: for the server log only. */
		if (!public_5xx_code(out->code))
			out->code = "internal_error";
		out->message = HTTP_INTERNAL_MESSAGE;
		out->withheld = 1;
		break;
	case TK_ERR_EXISTS:
	case TK_ERR_CONFLICT:
		/*
		 * A service that means "exists" or "conflict" says so with its own
		 * code; the default code means the store raised it (unique key,
		 * serialisation failure), and its text names tables and constraints.
		 */
		if (strcmp(out->code, dflt) == 0) {
			out->message = e == TK_ERR_EXISTS ? "the record already exists"
							  : "a concurrent request changed the same data; try again";
			out->withheld = 1;
		}
		break;
	default:
		break;
	}
	/*
	 * A full file system (store or files): 507 Insufficient Storage (RFC 4918 11.5) with
	 * its own code, so clients and monitoring tell it from a bug; nothing was stored,
	 * and the same request succeeds once the operator frees space (no restart).
	 */
	if ((e == TK_ERR_STORE || e == TK_ERR_IO) && strcmp(le->code, "storage_full") == 0) {
		out->status = 507;
		out->code = "storage_full";
		out->message = "the server's storage is full; nothing was stored; try again later";
	}
	/* Throttling is 429 (RFC 6585 4), not a body too large. */
	if (strcmp(out->code, "too_many_attempts") == 0)
		out->status = 429;
}

void http_error_public_last(enum tk_err e, struct http_public_error *out)
{
	http_error_public(e, tk_last_error(), out);
	if (out->withheld)
		log_msg(out->status >= 500 ? LOG_ERROR : LOG_WARN, "http.error", "%s", tk_errmsg());
}

static void error_from_last(struct http_resp *rs, enum tk_err e)
{
	struct http_public_error pe;

	http_error_public_last(e, &pe);
	int64_t wait = tk_last_error()->retry_after;
	char ra[24];

	error_response(rs, pe.status, pe.code, pe.message);
	if (pe.status == 429 && (str_fmt(ra, sizeof(ra), "%lld", (long long)(wait > 0 ? wait : 900)) != TK_OK ||
				    http_header(rs, "Retry-After", ra) != TK_OK))
		log_msg(LOG_WARN, "http.error", "Retry-After not set: %s", tk_errmsg());
}

const char *http_header_get(struct http_req *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, name);
}

const char *http_cookie_get(struct http_req *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->conn, MHD_COOKIE_KIND, name);
}

const char *http_query_get(struct http_req *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, name);
}

void http_date(int64_t t, char out[40])
{
	struct tm tm;
	time_t tt = (time_t)t;

	gmtime_r(&tt, &tm);
	strftime(out, 40, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

enum tk_err http_body_json(struct http_req *rq, json_t **out)
{
	json_error_t err;
	json_t *j;

	if (strncmp(rq->content_type, "application/json", 16) != 0)
		return tk_fail_code(TK_ERR_INVALID, "unsupported_media_type", "expected Content-Type: application/json");
	j = json_loadb((const char *)rq->body.p, rq->body.len, JSON_REJECT_DUPLICATES, &err);
	if (j == NULL && json_error_code(&err) == json_error_out_of_memory)
		return tk_fail(TK_ERR_NOMEM, "out of memory reading the JSON body");
	if (j == NULL)
		return tk_fail_code(TK_ERR_INVALID, "malformed_json", "malformed JSON at line %d: %s", err.line, err.text);
	if (!json_is_object(j)) {
		json_decref(j);
		return tk_fail_code(TK_ERR_INVALID, "malformed_json", "expected a JSON object");
	}
	*out = j;
	return TK_OK;
}

enum tk_err http_json_str(json_t *o, const char *key, int required, size_t maxlen, const char **out)
{
	json_t *v = json_object_get(o, key);

	*out = NULL;
	if (v == NULL || json_is_null(v)) {
		if (required)
			return tk_fail_code(TK_ERR_INVALID, "missing_field", "field '%s' is required", key);
		return TK_OK;
	}
	if (!json_is_string(v))
		return tk_fail_code(TK_ERR_INVALID, "invalid_field", "field '%s' must be a string", key);
	if (json_string_length(v) > maxlen || strlen(json_string_value(v)) != json_string_length(v))
		return tk_fail_code(TK_ERR_INVALID, "invalid_field", "field '%s' is longer than %zu bytes or holds NUL", key, maxlen);
	*out = json_string_value(v);
	return TK_OK;
}

enum tk_err http_id_param(const char *s, int64_t *out)
{
	uint64_t v;

	if (s == NULL || parse_u64_str(s, INT64_MAX, &v) != TK_OK || v == 0) {
		tk_clear_error();
		return tk_fail_code(TK_ERR_INVALID, "invalid_id", "id must be a positive number");
	}
	*out = (int64_t)v;
	return TK_OK;
}

/* Finds the route; *method_mismatch is set when only the method differs. */
static const struct http_route *route_find(struct http_req *rq, int *method_mismatch)
{
	size_t n;
	const struct http_route *routes = http_routes(&n);

	return http_route_find(routes, n, rq, method_mismatch);
}

/* Authenticates from the session cookie, Bearer or Basic header into rq->ctx.actor; anonymous otherwise. */
static enum tk_err authenticate(struct http_req *rq)
{
	const char *authz = http_header_get(rq, "Authorization");
	const char *cookie = MHD_lookup_connection_value(rq->conn, MHD_COOKIE_KIND, "teken_session");
	enum tk_err rc;

	if (authz != NULL && strncmp(authz, "Basic ", 6) == 0) {
		rc = auth_basic(&rq->ctx, authz + 6);
	} else if (authz != NULL) {
		if (strncmp(authz, "Bearer ", 7) != 0)
			return tk_fail_code(TK_ERR_AUTH, "unauthenticated", "unsupported Authorization scheme (use Bearer or Basic)");
		rc = auth_apikey(&rq->ctx, authz + 7);
	} else if (cookie != NULL) {
		rc = auth_session(&rq->ctx, cookie, rq->csrf);
		/* State changes with a cookie need the CSRF token of the session. */
		if (rc == TK_OK && strcmp(rq->method, "GET") != 0 && strcmp(rq->method, "HEAD") != 0) {
			const char *t = http_header_get(rq, "X-CSRF-Token");
			if (t == NULL || strlen(t) != strlen(rq->csrf) || CRYPTO_memcmp(t, rq->csrf, strlen(t)) != 0)
				return tk_fail_code(TK_ERR_DENIED, "csrf_failed", "missing or wrong X-CSRF-Token header");
		}
	} else {
		return TK_OK;
	}
	return rc;
}

/* The caller before authentication: anonymous, from this address. */
static enum tk_err actor_anonymous(struct http_req *rq)
{
	enum tk_err rc;

	memset(&rq->ctx.actor, 0, sizeof(rq->ctx.actor));
	rq->csrf[0] = '\0';
	if ((rc = str_copy(rq->ctx.actor.user, sizeof(rq->ctx.actor.user), "anonymous")) != TK_OK ||
	    (rc = str_copy(rq->ctx.actor.role, sizeof(rq->ctx.actor.role), "public")) != TK_OK)
		return rc;
	return str_copy(rq->ctx.actor.ip, sizeof(rq->ctx.actor.ip), rq->ip);
}

/* A refusal with Retry-After, in the BSrE format on BSrE routes ({"error": text, "status_code": n}). */
static void refuse(struct http_resp *rs, const struct http_route *r, unsigned status, const char *code, const char *msg,
    unsigned retry_after_s)
{
	char ra[16];

	if (r != NULL && (r->flags & HTTP_ROUTE_BSRE)) {
		if (http_json(rs, status, json_pack("{s:s, s:i}", "error", msg, "status_code", (int)status)) != TK_OK)
			error_response(rs, status, code, msg);
	} else {
		error_response(rs, status, code, msg);
	}
	if (retry_after_s > 0 && (str_fmt(ra, sizeof(ra), "%u", retry_after_s) != TK_OK || http_header(rs, "Retry-After", ra) != TK_OK))
		log_msg(LOG_WARN, "http.error", "Retry-After not set: %s", tk_errmsg());
}

static uint64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

/*
 * Decides a request from its request line and headers alone, before any of
 * its body is read: route, rate per address, credentials and role, declared
 * size, signing capacity. Returns 1 when the body may be read and the
 * handler run; 0 with the refusal in rs. A refused upload is never read: MHD
 * answers and closes the connection.
 */
static int admit(struct server *srv, struct conn_state *cs, struct http_resp *rs)
{
	struct http_req *rq = &cs->rq;
	const struct http_route *r;
	const char *clen;
	int mismatch = 0;
	unsigned retry = 0;
	size_t limit;
	enum tk_err rc;

	r = cs->route = route_find(rq, &mismatch);
	/* Every request counts, unknown paths and public routes included. */
	if (srv->rl != NULL && !http_rl_take(srv->rl, rq->ip, now_ms(), &retry)) {
		refuse(rs, r, 429, "rate_limited", "too many requests from this address; try again later", retry);
		return 0;
	}
	if (r == NULL) {
		if (mismatch)
			error_response(rs, 405, "method_not_allowed", "method not allowed for this path");
		else
			error_response(rs, 404, "not_found", "no such resource");
		return 0;
	}
	tk_clear_error();
	if ((rc = svc_ctx_thread(srv->inst, &rq->ctx)) != TK_OK) {
		error_from_last(rs, rc);
		return 0;
	}
	if (actor_anonymous(rq) != TK_OK) {
		error_response(rs, 500, "internal_error", HTTP_INTERNAL_MESSAGE);
		return 0;
	}
	if ((rc = authenticate(rq)) != TK_OK) {
		/* A public route still works for a caller with a stale cookie. */
		if ((!(r->roles & ROLE_PUBLIC) || rc == TK_ERR_DENIED) && !(r->flags & HTTP_ROUTE_BSRE)) {
			error_from_last(rs, rc);
			return 0;
		}
		if (actor_anonymous(rq) != TK_OK) {
			error_response(rs, 500, "internal_error", HTTP_INTERNAL_MESSAGE);
			return 0;
		}
	}
	/* A session whose password someone else chose is anonymous on public routes until it is changed. */
	if ((r->roles & ROLE_PUBLIC) && auth_session_admit(&rq->ctx, 0) != TK_OK && actor_anonymous(rq) != TK_OK) {
		error_response(rs, 500, "internal_error", HTTP_INTERNAL_MESSAGE);
		return 0;
	}
	if (!(r->roles & ROLE_PUBLIC)) {
		if (rq->ctx.actor.kind == ACTOR_ANONYMOUS && (r->flags & HTTP_ROUTE_BSRE)) {
			/* What clients of the BSrE Esign Client gateway expect (Spring's shape). */
			char ts[32];
			time_iso_utc(tk_now(), ts);
			if (http_json(rs, 401, json_pack("{s:s, s:i, s:s, s:s}", "timestamp", ts, "status", 401, "error", "Unauthorized", "path", rq->path)) == TK_OK && http_header(rs, "WWW-Authenticate", "Basic realm=\"teken\"") == TK_OK)
				return 0;
			error_response(rs, 401, "unauthenticated", "log in or send an API key");
			return 0;
		}
		if (rq->ctx.actor.kind == ACTOR_ANONYMOUS) {
			error_response(rs, 401, "unauthenticated", "log in or send an API key");
			return 0;
		}
		if (!(r->roles & http_role_bit(rq->ctx.actor.role))) {
			error_response(rs, 403, "forbidden", "your role may not use this resource");
			return 0;
		}
		/* A password someone else chose is changed before the session does anything else (public pages stay open). */
		if ((rc = auth_session_admit(&rq->ctx, (r->flags & HTTP_ROUTE_PW_CHANGE) != 0)) != TK_OK) {
			error_from_last(rs, rc);
			return 0;
		}
	}
	/* Document routes take the configured document limit (twice it for base64 JSON bodies). */
	if (r->max_body == 0)
		limit = srv->json_limit;
	else
		limit = r->max_body > MAX_REQ_BODY ? 2 * srv->doc_limit : srv->doc_limit;
	buf_init_secret(&rq->body, limit);
	clen = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "Content-Length");
	if (clen != NULL) {
		uint64_t v;
		if (parse_u64_str(clen, UINT64_MAX, &v) != TK_OK || v > limit) {
			char msg[96];
			if (str_fmt(msg, sizeof(msg), "request body exceeds the limit of %zu bytes", limit) != TK_OK)
				msg[0] = '\0';
			error_response(rs, 413, "too_large", msg);
			return 0;
		}
	}
	if ((r->flags & HTTP_ROUTE_SIGNING) && srv->max_signing > 0) {
		if (atomic_fetch_add(&srv->signing, 1) >= srv->max_signing) {
			atomic_fetch_sub(&srv->signing, 1);
			refuse(rs, r, 503, "server_busy", "all signing slots are busy; try again in a moment", 1);
			return 0;
		}
		cs->signing_slot = 1;
	}
	return 1;
}

/* Runs the handler of an admitted request whose body is complete. */
static void dispatch(struct server *srv, struct conn_state *cs, struct http_resp *rs)
{
	struct http_req *rq = &cs->rq;
	enum tk_err rc;

	struct actor admitted = rq->ctx.actor;

	tk_clear_error();
	/* MHD serves a connection from one pool thread: this is the store authentication used. */
	if ((rc = svc_ctx_thread(srv->inst, &rq->ctx)) != TK_OK) {
		error_from_last(rs, rc);
		return;
	}
	/*
	 * The caller again, now that the body is in: a slow upload must not
	 * outlive a logout, a deactivation, a role change or a revoked key.
	 */
	if (admitted.kind != ACTOR_ANONYMOUS) {
		if (actor_anonymous(rq) != TK_OK || (rc = authenticate(rq)) != TK_OK || rq->ctx.actor.kind != admitted.kind ||
		    rq->ctx.actor.id != admitted.id || strcmp(rq->ctx.actor.role, admitted.role) != 0) {
			error_response(rs, 401, "unauthenticated", "your session or key ended while the request was being sent; log in again");
			return;
		}
	}
	rc = cs->route->fn(rq, rs);
	svc_ctx_request_end(&rq->ctx); /* a handler must never leave a transaction open */
	if (rc != TK_OK)
		error_from_last(rs, rc);
}

static void add_security_headers(struct MHD_Response *resp, int tls, const char *path)
{
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "Content-Security-Policy",
	    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; worker-src 'self'; object-src 'none'; "
	    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
	if (tls)
		MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=31536000; includeSubDomains");
	if (strncmp(path, "/api/", 5) == 0)
		MHD_add_response_header(resp, "Cache-Control", "no-store");
}

static enum MHD_Result send_resp(struct server *srv, struct MHD_Connection *conn, const char *path, const char *rid,
    struct http_resp *rs)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	size_t i;

	resp = MHD_create_response_from_buffer(rs->body.len, rs->body.p ? rs->body.p : (void *)"", MHD_RESPMEM_MUST_COPY);
	if (resp == NULL)
		return MHD_NO;
	if (rs->ctype[0])
		MHD_add_response_header(resp, "Content-Type", rs->ctype);
	for (i = 0; i < rs->nheaders; i++)
		MHD_add_response_header(resp, rs->headers[i].name, rs->headers[i].value);
	add_security_headers(resp, srv->tls || srv->tls_proxy, path);
	if (rid[0] != '\0')
		MHD_add_response_header(resp, "X-Request-Id", rid);
	ret = MHD_queue_response(conn, rs->status ? rs->status : 200, resp);
	MHD_destroy_response(resp);
	return ret;
}

/*
 * What the request log says of a path: the route pattern when one matched
 * ("/api/user/status/{nik}"), otherwise the path with every segment that is
 * not a plain word replaced by "{…}", so NIKs, e-mail addresses and document
 * ids never reach the log. MHD has already taken the query string off.
 */
static void log_path(const struct conn_state *cs, char *out, size_t cap)
{
	static const char mask[] = "{\xe2\x80\xa6}";
	const char *p = cs->rq.path;
	size_t n = 0;

	if (cs->route != NULL) {
		if (str_copy(out, cap, cs->route->pattern) != TK_OK)
			out[0] = '\0';
		return;
	}
	out[0] = '\0';
	while (*p == '/') {
		const char *seg = ++p;
		size_t len, i;
		int plain;
		while (*p && *p != '/')
			p++;
		len = (size_t)(p - seg);
		plain = len <= 32;
		for (i = 0; i < len && plain; i++)
			plain = (seg[i] >= 'a' && seg[i] <= 'z') || (seg[i] >= 'A' && seg[i] <= 'Z') || seg[i] == '-' || seg[i] == '_' ||
				(seg[i] == '.' && i > 0);
		if (!plain) {
			seg = mask;
			len = sizeof(mask) - 1;
		}
		if (n + 1 + len + 1 > cap)
			break;
		out[n++] = '/';
		memcpy(out + n, seg, len);
		n += len;
		out[n] = '\0';
	}
	if (n == 0 && cap > 1) {
		out[0] = '/';
		out[1] = '\0';
	}
}

/* Logs, counts and queues the answer to a request, admitted or refused. */
static enum MHD_Result respond(struct server *srv, struct conn_state *cs, struct http_resp *rs)
{
	struct timespec now;
	char where[256];
	unsigned klass;
	enum MHD_Result ret;

	if (rs->status == 0)
		rs->status = 200;
	log_path(cs, where, sizeof(where));
	log_msg(LOG_INFO, "http.request", "%s %s %u %s", cs->rq.method, where, rs->status, cs->rq.ip);
	clock_gettime(CLOCK_MONOTONIC, &now);
	klass = rs->status / 100;
	metric_requests[klass < 6 ? klass : 0]++;
	metric_bytes_in += cs->rq.body.len;
	metric_latency_us += (uint64_t)((now.tv_sec - cs->started.tv_sec) * 1000000 + (now.tv_nsec - cs->started.tv_nsec) / 1000);
	ret = send_resp(srv, cs->rq.conn, cs->rq.path, cs->rid, rs);
	buf_free(&rs->body);
	return ret;
}

/* The one place a request's state ends: its body (passphrases, documents) is wiped here. */
static void conn_state_free(struct server *srv, struct conn_state *cs)
{
	if (cs == NULL)
		return;
	if (cs->signing_slot)
		atomic_fetch_sub(&srv->signing, 1);
	buf_free(&cs->rq.body); /* a secret buffer: cleansed before it is freed */
	buf_free(&cs->rs.body); /* a signing thread's answer, when the connection ended before it was sent */
	OPENSSL_cleanse(cs, sizeof(*cs));
	free(cs);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	(void)conn;
	(void)toe;
	conn_state_free(cls, *con_cls);
	*con_cls = NULL;
}

/*
 * Hands a complete signing request to the signing pool and suspends its
 * connection; returns 0 (the caller signs inline) when there is no pool or
 * the server is shutting down.
 */
static int sign_pool_submit(struct server *srv, struct conn_state *cs)
{
	struct sign_pool *p = &srv->pool;
	int queued = 0;

	if (p->nthreads == 0)
		return 0;
	pthread_mutex_lock(&p->lock);
	if (!p->draining) {
		cs->offloaded = 1;
		cs->next = NULL;
		memset(&cs->rs, 0, sizeof(cs->rs));
		buf_init(&cs->rs.body, (size_t)1 << 31);
		/* Suspended before a signing thread can see it: it resumes only a suspended connection. */
		MHD_suspend_connection(cs->rq.conn);
		if (p->tail != NULL)
			p->tail->next = cs;
		else
			p->head = cs;
		p->tail = cs;
		pthread_cond_signal(&p->wake);
		queued = 1;
	}
	pthread_mutex_unlock(&p->lock);
	return queued;
}

/* A signing thread: runs queued requests until the pool drains at shutdown. */
static void *sign_pool_main(void *arg)
{
	struct server *srv = arg;
	struct sign_pool *p = &srv->pool;

	for (;;) {
		struct conn_state *cs;
		pthread_mutex_lock(&p->lock);
		while (p->head == NULL && !p->draining)
			pthread_cond_wait(&p->wake, &p->lock);
		cs = p->head;
		if (cs == NULL) { /* draining and nothing left */
			pthread_mutex_unlock(&p->lock);
			break;
		}
		p->head = cs->next;
		if (p->head == NULL)
			p->tail = NULL;
		pthread_mutex_unlock(&p->lock);
		/* The request id is per thread in the log: this thread now speaks for cs. */
		log_request_begin(cs->rid);
		dispatch(srv, cs, &cs->rs);
		log_request_end();
		cs->offloaded = 2;
		/* MHD calls on_request again on the connection's own thread, which sends cs->rs. */
		MHD_resume_connection(cs->rq.conn);
	}
	return NULL;
}

/* Starts n signing threads; with fewer started, the pool runs with those (0: signing inline). */
static void sign_pool_start(struct server *srv, unsigned n)
{
	struct sign_pool *p = &srv->pool;
	unsigned i;

	if (n == 0 || (p->tids = calloc(n, sizeof(*p->tids))) == NULL)
		return;
	for (i = 0; i < n; i++) {
		if (pthread_create(&p->tids[i], NULL, sign_pool_main, srv) != 0) {
			log_msg(LOG_WARN, "http.start", "started %u of %u signing threads", i, n);
			break;
		}
		p->nthreads++;
	}
}

/*
 * Every queued request is signed and its connection resumed; later ones sign
 * inline (pool threads still run until MHD stops: the lock stays until
 * http_serve returns).
 */
static void sign_pool_stop(struct server *srv)
{
	struct sign_pool *p = &srv->pool;
	unsigned i;

	pthread_mutex_lock(&p->lock);
	p->draining = 1;
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->lock);
	for (i = 0; i < p->nthreads; i++)
		pthread_join(p->tids[i], NULL);
	free(p->tids);
	p->tids = NULL;
}

static enum MHD_Result request_step(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct server *srv = cls;
	struct conn_state *cs = *con_cls;
	struct http_resp rs;

	(void)version;
	if (cs == NULL) {
		const union MHD_ConnectionInfo *ci;
		const char *ct;
		cs = calloc(1, sizeof(*cs));
		if (cs == NULL)
			return MHD_NO;
		*con_cls = cs;
		clock_gettime(CLOCK_MONOTONIC, &cs->started);
		cs->rq.method = method;
		cs->rq.path = url;
		cs->rq.conn = conn;
		cs->rq.tls = srv->tls || srv->tls_proxy;
		ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
		cs->rq.content_type = ct ? ct : "";
		ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		if (ci != NULL && ci->client_addr != NULL) {
			const struct sockaddr *sa = ci->client_addr;
			if (sa->sa_family == AF_INET)
				inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, cs->rq.ip, sizeof(cs->rq.ip));
			else if (sa->sa_family == AF_INET6)
				inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, cs->rq.ip, sizeof(cs->rq.ip));
		}
		request_id(srv, conn, cs->rq.ip, cs->rid);
		log_request_begin(cs->rid);
		client_ip(srv, conn, cs->rq.ip);
		memset(&rs, 0, sizeof(rs));
		buf_init(&rs.body, (size_t)1 << 31);
		if (admit(srv, cs, &rs))
			return MHD_YES; /* read the body */
		/* Answered from the headers: MHD sends this and reads none of the body. */
		return respond(srv, cs, &rs);
	}
	log_request_begin(cs->rid);
	if (*upload_data_size != 0) {
		if (!cs->too_large && buf_append(&cs->rq.body, upload_data, *upload_data_size) != TK_OK)
			cs->too_large = 1;
		/* The bytes also sat in MHD's read buffer (a pool of this connection): wipe them there too. */
		OPENSSL_cleanse((void *)upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (cs->offloaded == 2) /* resumed: a signing thread has answered */
		return respond(srv, cs, &cs->rs);
	if (!cs->too_large && cs->route != NULL && (cs->route->flags & HTTP_ROUTE_SIGNING) && sign_pool_submit(srv, cs))
		return MHD_YES;
	memset(&rs, 0, sizeof(rs));
	buf_init(&rs.body, (size_t)1 << 31);
	if (cs->too_large) {
		char msg[96];
		if (str_fmt(msg, sizeof(msg), "request body exceeds the limit of %zu bytes", cs->rq.body.max) != TK_OK)
			msg[0] = '\0';
		error_response(&rs, 413, "too_large", msg);
	} else {
		dispatch(srv, cs, &rs);
	}
	return respond(srv, cs, &rs);
}

/* MHD's request callback: the thread's log lines carry the request id while it runs (request_step). */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	enum MHD_Result ret = request_step(cls, conn, url, method, version, upload_data, upload_data_size, con_cls);

	log_request_end();
	return ret;
}

static enum tk_err parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	uint64_t port;
	size_t hl;

	if (colon == NULL || parse_u64_str(colon + 1, 65535, &port) != TK_OK)
		return tk_fail(TK_ERR_INVALID, "serve: --listen must be HOST:PORT (e.g. 127.0.0.1:8443)");
	hl = (size_t)(colon - s);
	if (hl >= sizeof(host))
		return tk_fail(TK_ERR_INVALID, "serve: listen host too long");
	memcpy(host, s, hl);
	host[hl] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
		host[hl - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &a->sin6_addr) != 1)
			return tk_fail(TK_ERR_INVALID, "serve: bad IPv6 address in --listen");
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		*len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;
		if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
			return tk_fail(TK_ERR_INVALID, "serve: bad IPv4 address in --listen");
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		*len = sizeof(*a);
	}
	return TK_OK;
}

/*
 * The jobs thread: adds this node's usage counts to the store every
 * JOBS_FLUSH_S seconds and runs the svc jobs every minute, until the
 * server stops (the last counts are flushed when the instance closes).
 */
#define JOBS_FLUSH_S 10
struct jobs_thread {
	struct instance *inst;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int stop;
};

static void *jobs_main(void *arg)
{
	struct jobs_thread *jt = arg;
	struct jobs_state js = { 0, 0 };
	struct svc_ctx c;
	int64_t last_jobs = 0;

	pthread_mutex_lock(&jt->lock);
	while (!jt->stop) {
		struct timespec until;
		pthread_mutex_unlock(&jt->lock);
		if (svc_ctx_open(jt->inst, "teken-jobs", "admin", "local", &c) == TK_OK) {
			if (usage_flush(&c) != TK_OK)
				log_msg(LOG_WARN, "usage.flush", "%s", tk_errmsg());
			if (tk_now() - last_jobs >= 60 || tk_now() < last_jobs) {
				last_jobs = tk_now();
				if (jobs_run(&c, last_jobs, &js) != TK_OK)
					log_msg(LOG_WARN, "jobs", "%s", tk_errmsg());
			}
			svc_ctx_done(&c);
		} else {
			log_msg(LOG_WARN, "jobs", "no store connection: %s", tk_errmsg());
		}
		pthread_mutex_lock(&jt->lock);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += JOBS_FLUSH_S;
		while (!jt->stop && pthread_cond_timedwait(&jt->wake, &jt->lock, &until) == 0)
			;
	}
	pthread_mutex_unlock(&jt->lock);
	return NULL;
}

/* Reads the [http] limits of the front door into srv. */
static enum tk_err serve_limits(struct server *srv, const struct config *cfg, unsigned threads, unsigned *per_ip,
    unsigned *signing_threads)
{
	uint64_t mb = 0, kb = 0, conns = 0, rate = 0, signing = 0, sthreads = 0;
	enum tk_err rc;

	if ((rc = config_get_u64(cfg, "http", "max_document_mb", MAX_REQ_BODY >> 20, 1024, &mb)) != TK_OK ||
	    (rc = config_get_u64(cfg, "http", "max_json_kb", MAX_JSON_BODY >> 10, 16384, &kb)) != TK_OK)
		return rc;
	if (mb == 0 || kb == 0)
		return tk_fail(TK_ERR_INVALID, "config [http] max_document_mb and max_json_kb must be at least 1");
	srv->trusted_proxies = config_get(cfg, "http", "trusted_proxies");
	srv->tls_proxy = strcmp(config_get_or(cfg, "http", "behind_tls_proxy", "no"), "yes") == 0;
	srv->doc_limit = (size_t)mb << 20;
	srv->json_limit = (size_t)kb << 10;
	/*
	 * MHD counts connections by TCP peer: behind a trusted reverse proxy that
	 * is the proxy, so there the default is no per-address connection limit
	 * (the proxy limits its clients; the rate limit still sees them).
	 */
	if ((rc = config_get_u64(cfg, "http", "max_connections_per_ip", srv->trusted_proxies ? 0 : HTTP_PER_IP_CONNECTIONS, 65535,
		 &conns)) != TK_OK ||
	    (rc = config_get_u64(cfg, "http", "rate_per_ip", HTTP_RATE_PER_IP, HTTP_MAX_RATE, &rate)) != TK_OK ||
	    (rc = config_get_u64(cfg, "http", "max_concurrent_signing", 2u * threads, HTTP_MAX_SIGNING, &signing)) != TK_OK ||
	    /* Twice the cores: while one waits for its commit to reach the disk, another signs. */
	    (rc = config_get_u64(cfg, "http", "signing_threads", 2u * threads, HTTP_MAX_SIGNING_THREADS, &sthreads)) != TK_OK)
		return rc;
	*per_ip = (unsigned)conns;
	*signing_threads = (unsigned)sthreads;
	srv->max_signing = (unsigned)signing;
	srv->rate_per_ip = (unsigned)rate;
	if (rate > 0 && (rc = http_rl_new((uint32_t)rate, (uint32_t)(2 * rate), HTTP_RL_BUCKETS, &srv->rl)) != TK_OK)
		return rc;
	return TK_OK;
}

enum tk_err http_serve(struct instance *inst, const struct http_opts *o)
{
	struct jobs_thread jt = { inst, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0 };
	pthread_t jobs_tid;
	int jobs_started = 0;
	struct server srv;
	struct sockaddr_storage ss;
	socklen_t sl = 0;
	char host[INET6_ADDRSTRLEN];
	struct MHD_Daemon *d = NULL;
	uint8_t *cert = NULL, *key = NULL;
	size_t certlen = 0, keylen = 0;
	unsigned threads = o->threads ? o->threads : (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME;
	unsigned per_ip = 0, signing_threads = 0;
	const union MHD_DaemonInfo *di;
	sigset_t set;
	int sig = 0;
	enum tk_err rc;

	memset(&srv, 0, sizeof(srv));
	srv.inst = inst;
	atomic_init(&srv.signing, 0);
	pthread_mutex_init(&srv.pool.lock, NULL);
	pthread_cond_init(&srv.pool.wake, NULL);
	/* Request bodies are parsed by jansson: what it frees is wiped (idempotent; main does it first). */
	core_json_wiping_alloc_install();
	if (threads < 1 || threads > 256)
		threads = 2;
	if ((rc = parse_listen(o->listen, &ss, &sl)) != TK_OK || (rc = serve_limits(&srv, instance_config(inst), threads, &per_ip, &signing_threads)) != TK_OK)
		goto out;
	metric_started = tk_now();
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if ((o->tls_cert == NULL) != (o->tls_key == NULL)) {
		rc = tk_fail(TK_ERR_INVALID, "serve: --tls-cert and --tls-key go together");
		goto out;
	}
	if (o->tls_cert != NULL) {
		if ((rc = file_read(o->tls_cert, 1 << 20, &cert, &certlen)) != TK_OK ||
		    (rc = file_read(o->tls_key, 1 << 20, &key, &keylen)) != TK_OK)
			goto out;
		flags |= MHD_USE_TLS;
		srv.tls = 1;
	}
	/* Signals are taken by sigwait below: block them before threads start. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	sign_pool_start(&srv, signing_threads);
	if (srv.tls)
		d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, &srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		    MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_TIMEOUT, HTTP_TIMEOUT_S,
		    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONN_MEMORY, MHD_OPTION_NOTIFY_COMPLETED, on_completed, &srv,
		    MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip,
		    MHD_OPTION_HTTPS_MEM_CERT, (const char *)cert, MHD_OPTION_HTTPS_MEM_KEY, (const char *)key, MHD_OPTION_END);
	else
		d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, &srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		    MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_TIMEOUT, HTTP_TIMEOUT_S,
		    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONN_MEMORY, MHD_OPTION_NOTIFY_COMPLETED, on_completed, &srv,
		    MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip, MHD_OPTION_END);
	if (d == NULL) {
		rc = tk_fail(TK_ERR_IO, "serve: cannot listen on %s (address in use or not permitted)", o->listen);
		sign_pool_stop(&srv);
		goto out;
	}
	di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	if (getnameinfo((struct sockaddr *)&ss, sl, host, sizeof(host), NULL, 0, NI_NUMERICHOST) != 0)
		snprintf(host, sizeof(host), "?");
	printf("teken: listening on %s://%s%s%s:%u\n", srv.tls ? "https" : "http", ss.ss_family == AF_INET6 ? "[" : "", host,
	    ss.ss_family == AF_INET6 ? "]" : "", di ? (unsigned)di->port : 0);
	fflush(stdout);
	log_msg(LOG_INFO, "http.start",
	    "listening on %s with %u threads; per address: %u connections, %u requests/s; %u signing at once on %u signing threads",
	    o->listen, threads, per_ip, srv.rate_per_ip, srv.max_signing, srv.pool.nthreads);
	if (!o->no_jobs) {
		/* Before the thread runs: a /readyz right after READY=1 judges this process's jobs (a thread
		 * that never starts then shows as stuck, as it should). */
		jobs_progress_start();
		if (pthread_create(&jobs_tid, NULL, jobs_main, &jt) == 0)
			jobs_started = 1;
	}
	{
		/* systemd (Type=notify): the socket accepts connections from here on. */
		char state[160];
		if (str_fmt(state, sizeof(state), "READY=1\nSTATUS=listening on %s port %u, %u threads%s", host, di ? (unsigned)di->port : 0,
			threads, jobs_started ? ", running periodic jobs" : ", periodic jobs elsewhere") == TK_OK)
			(void)http_sd_notify(state);
	}
	while (sigwait(&set, &sig) != 0)
		;
	(void)http_sd_notify("STOPPING=1\nSTATUS=finishing in-flight requests");
	log_msg(LOG_INFO, "http.stop", "signal %d: finishing in-flight requests", sig);
	/* Stop accepting, then let workers finish what they have. */
	MHD_quiesce_daemon(d);
	if (jobs_started) {
		pthread_mutex_lock(&jt.lock);
		jt.stop = 1;
		pthread_cond_signal(&jt.wake);
		pthread_mutex_unlock(&jt.lock);
		pthread_join(jobs_tid, NULL);
	}
	/* No suspended connection may be left when MHD stops: the queue is signed and resumed first. */
	sign_pool_stop(&srv);
	MHD_stop_daemon(d);
	rc = TK_OK;
out:
	if (key != NULL)
		OPENSSL_cleanse(key, keylen);
	free(key);
	free(cert);
	http_rl_free(srv.rl);
	pthread_cond_destroy(&srv.pool.wake);
	pthread_mutex_destroy(&srv.pool.lock);
	return rc;
}

/*
 * http: the HTTP front end on libmicrohttpd. The server collects a request
 * (bounded body), authenticates it, finds its route in the one route table
 * and calls the handler, which decodes input, calls one service function
 * and encodes the result. Every route declares the roles it admits.
 */
#ifndef TEKEN_HTTP_H
#define TEKEN_HTTP_H

#include "core/core.h"
#include "svc/base/base.h"

#include <jansson.h>

/* Roles as bits; a route lists the roles it admits (or ROLE_PUBLIC). */
enum {
	ROLE_PUBLIC = 1u << 0,
	ROLE_ADMIN = 1u << 1,
	ROLE_VERIFIKATOR = 1u << 2,
	ROLE_SUBSCRIBER = 1u << 3,
	ROLE_APPLICATION = 1u << 4,
	ROLE_AUDITOR = 1u << 5,
};
#define ROLE_ANY_USER (ROLE_ADMIN | ROLE_VERIFIKATOR | ROLE_SUBSCRIBER | ROLE_APPLICATION | ROLE_AUDITOR)

unsigned http_role_bit(const char *role);

#define HTTP_MAX_PARAMS 4
#define HTTP_MAX_HEADERS 8

struct http_req {
	const char *method;
	const char *path;
	const char *content_type; /* "" when absent */
	struct buf body;
	char ip[48];
	int tls;
	void *conn;                          /* struct MHD_Connection */
	const char *params[HTTP_MAX_PARAMS]; /* {name} segments of the route, in order */
	char param_buf[512];
	struct svc_ctx ctx; /* store connection of this thread + the caller (ctx.actor) */
	char csrf[40];      /* CSRF token of the session, when the caller has one */
};

struct http_resp {
	unsigned status;
	char ctype[96];
	struct buf body;
	struct {
		char name[48];
		char value[512];
	} headers[HTTP_MAX_HEADERS];
	size_t nheaders;
};

typedef enum tk_err (*http_handler)(struct http_req *rq, struct http_resp *rs);

struct http_route {
	const char *method;
	const char *pattern; /* "/api/v1/requests/{id}/approve" */
	unsigned roles;
	http_handler fn;
	size_t max_body;     /* 0: MAX_JSON_BODY */
	const char *summary; /* for the OpenAPI document */
	unsigned flags;      /* HTTP_ROUTE_BSRE: errors in the BSrE Esign Client format */
};

#define HTTP_ROUTE_BSRE 0x1u
#define HTTP_ROUTE_SIGNING 0x2u   /* counts against [http] max_concurrent_signing */
#define HTTP_ROUTE_PW_CHANGE 0x4u /* open to a session that must change its password first (auth_session_admit) */

/* The one route table (src/http/routes.c). */
const struct http_route *http_routes(size_t *n);

struct http_opts {
	const char *listen;   /* "127.0.0.1:8443" */
	unsigned threads;     /* 0: number of cores */
	const char *tls_cert; /* PEM files; both or neither */
	const char *tls_key;
	int no_jobs; /* do not run periodic jobs in this process */
};

/* Runs the server until SIGTERM or SIGINT; finishes in-flight requests. */
enum tk_err http_serve(struct instance *inst, const struct http_opts *o) WARN_UNUSED;

/* Counters since start: requests by status class (index = status / 100), body bytes, total latency. */
void http_metrics(uint64_t by_class[6], uint64_t *bytes_in, uint64_t *latency_us, int64_t *started);

/* ---- helpers for handlers ---- */
enum tk_err http_json(struct http_resp *rs, unsigned status, json_t *j); /* steals j */
enum tk_err http_bytes(struct http_resp *rs, unsigned status, const char *ctype, const void *p, size_t len) WARN_UNUSED;
/* Answers with JSON text a service made; takes ownership of txt (freed). */
enum tk_err http_json_text(struct http_resp *rs, unsigned status, char *txt) WARN_UNUSED;
/* A 200 download: the bytes, Content-Disposition attachment with filename (RFC 6266, any UTF-8 name up to 255 bytes), nosniff, no-store. */
enum tk_err http_attachment(struct http_resp *rs, const char *ctype, const void *p, size_t len, const char *filename) WARN_UNUSED;
enum tk_err http_header(struct http_resp *rs, const char *name, const char *value) WARN_UNUSED;
/*
 * The usual thin handler: one service call whose JSON text is the answer.
 * http_call: fn(ctx); http_call_id: the route's first parameter as an id;
 * http_call_json: the JSON body; http_call_id_json: both. status: of success.
 */
enum tk_err http_call(struct http_req *rq, struct http_resp *rs, enum tk_err (*fn)(struct svc_ctx *c, char **out)) WARN_UNUSED;
enum tk_err http_call_id(struct http_req *rq, struct http_resp *rs, enum tk_err (*fn)(struct svc_ctx *c, int64_t id, char **out)) WARN_UNUSED;
enum tk_err http_call_json(struct http_req *rq, struct http_resp *rs, unsigned status,
    enum tk_err (*fn)(struct svc_ctx *c, json_t *in, char **out)) WARN_UNUSED;
enum tk_err http_call_id_json(struct http_req *rq, struct http_resp *rs, unsigned status,
    enum tk_err (*fn)(struct svc_ctx *c, int64_t id, json_t *in, char **out)) WARN_UNUSED;
/* Parses the body as a JSON object; a clear 400 error otherwise. Caller decrefs. */
enum tk_err http_body_json(struct http_req *rq, json_t **out) WARN_UNUSED;
/* String member of a JSON object: required or optional (NULL), bounded length. */
enum tk_err http_json_str(json_t *o, const char *key, int required, size_t maxlen, const char **out) WARN_UNUSED;
/* Media type equality, ignoring case and parameters (src/http/body.c). */
int http_ctype_is(const char *ct, const char *want);
/*
 * The one PDF of an upload: an application/pdf (or octet-stream) body, or
 * the multipart part 'file'; what names it in errors ("the signed
 * minutes"). *p points into the request or into *form, which the caller
 * frees with free() whatever the result.
 */
struct mp_form;
enum tk_err http_pdf_body(struct http_req *rq, const char *what, struct mp_form **form, const uint8_t **p, size_t *len) WARN_UNUSED;
/* A route's {id} segment: a positive decimal number (400 invalid_id otherwise). */
enum tk_err http_id_param(const char *s, int64_t *out) WARN_UNUSED;
/* Maps an error to its HTTP status. */
unsigned http_status_for(enum tk_err e);

/* The one message clients get for errors whose text is for the server log only. */
#define HTTP_INTERNAL_MESSAGE "internal error; see the server log"

/* What a client may see of an error (strings are static or point into the tk_error). */
struct http_public_error {
	unsigned status;
	const char *code;
	const char *message;
	int withheld; /* the real message is not for clients: log it */
};
/*
 * Maps an error to status, code and public message. Store, I/O, memory and
 * internal errors, and 409s raised by the store itself, get fixed messages
 * (HTTP_INTERNAL_MESSAGE, code internal_error for the 5xx ones), except a full
 * file system (code storage_full): 507 with a fixed message. Pure: logs nothing.
 */
void http_error_public(enum tk_err e, const struct tk_error *le, struct http_public_error *out);
/* The same for this thread's last error; logs the real message when it is withheld. */
void http_error_public_last(enum tk_err e, struct http_public_error *out);
const char *http_header_get(struct http_req *rq, const char *name);
const char *http_cookie_get(struct http_req *rq, const char *name);
const char *http_query_get(struct http_req *rq, const char *name);
/* HTTP-date (RFC 9110 5.6.7) of a UTC time. */
void http_date(int64_t t, char out[40]);

/* ---- the front door's pure parts (src/http/front.c), for the server and unit tests ---- */

/* Longest X-Forwarded-For (all its lines joined with ',') that is read at all. */
#define HTTP_XFF_MAX 512u

/*
 * Matches path against a route pattern: literal characters, "{name}" (one
 * non-empty segment, not "..", optionally followed by a literal suffix as
 * in "{ca}.crl") and a final "{name...}" (the rest of the path, slashes
 * included). Parameters go to rq->params (pointing into rq->param_buf).
 * Returns 1 on a match.
 */
int http_route_match(const char *pattern, const char *path, struct http_req *rq);
/*
 * The first route of the table whose pattern matches rq->path and whose
 * method is rq->method (HEAD also finds GET routes); NULL when none, and
 * *method_mismatch set when some pattern matched with another method (405).
 */
const struct http_route *http_route_find(const struct http_route *routes, size_t n, struct http_req *rq, int *method_mismatch);
/*
 * The client behind trusted reverse proxies. ip holds the TCP peer; when it
 * is in trusted (the comma list of [http] trusted_proxies) and xff (the
 * X-Forwarded-For lines joined with ',', NULL when absent) names a hop, ip
 * becomes the right-most hop that is not itself a trusted proxy, if that
 * hop is an IPv4 or IPv6 address. Anyone else's header is ignored (clients
 * write it); a garbage hop leaves the peer.
 */
void http_client_addr(const char *trusted, const char *xff, char ip[48]);
/* An incoming X-Request-Id worth keeping: 1..LOG_REQUEST_ID_MAX of [A-Za-z0-9._:-]. */
int http_request_id_ok(const char *s);
/* A new request id: 128 random bits as 32 lowercase hex digits. */
enum tk_err http_request_id_new(char out[33]) WARN_UNUSED;

/* ---- systemd readiness (src/http/sdnotify.c) ---- */
struct sockaddr_un;
/*
 * The socket address of a $NOTIFY_SOCKET value: an absolute path, or
 * "@name" for the abstract name "\0name"; *len is the address length to pass.
 */
enum tk_err http_sd_notify_addr(const char *name, struct sockaddr_un *sa, unsigned *len) WARN_UNUSED;
/*
 * Sends state ("READY=1\nSTATUS=...") to $NOTIFY_SOCKET as one datagram.
 * Returns 1 when sent, 0 when the variable is unset (not under systemd),
 * -1 on failure (logged; the server goes on).
 */
int http_sd_notify(const char *state);

#endif

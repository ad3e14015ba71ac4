/* Public, unauthenticated resources: health, CRLs, CA certificates, CPS, OpenAPI. */
#include "http/routes.h"
#include "svc/ca/ca.h"
#include "svc/monitor/monitor.h"

#include <stdlib.h>
#include <string.h>

enum tk_err h_healthz(struct http_req *rq, struct http_resp *rs)
{
	const char *failed = NULL;

	if (monitor_health(&rq->ctx, &failed) != TK_OK)
		return http_json(rs, 503, json_pack("{s:s, s:s}", "status", "fail", "check", failed ? failed : "unknown"));
	return http_json(rs, 200, json_pack("{s:s}", "status", "ok"));
}

enum tk_err h_readyz(struct http_req *rq, struct http_resp *rs)
{
	char *txt = NULL;
	int ready = 0;
	enum tk_err rc;

	if ((rc = monitor_ready(&rq->ctx, &ready, &txt)) != TK_OK)
		return rc;
	if ((rc = http_json_text(rs, ready ? 200 : 503, txt)) != TK_OK)
		return rc;
	return http_header(rs, "Cache-Control", "no-store");
}

/* Only the CA names we have; anything else is a 404 before any lookup. */
static int ca_name_ok(const char *n)
{
	return strcmp(n, "issuing") == 0 || strcmp(n, "root") == 0;
}

enum tk_err h_crl(struct http_req *rq, struct http_resp *rs)
{
	struct buf der;
	int64_t tu = 0, nu = 0;
	char date[40], cc[64];
	enum tk_err rc;

	if (!ca_name_ok(rq->params[0]))
		return tk_fail_code(TK_ERR_NOT_FOUND, "unknown_ca", "no CA named '%s'", rq->params[0]);
	buf_init(&der, (size_t)1 << 31);
	if ((rc = ca_crl_serve(&rq->ctx, rq->params[0], &der, &tu, &nu)) != TK_OK)
		goto out;
	if ((rc = http_bytes(rs, 200, "application/pkix-crl", der.p, der.len)) != TK_OK)
		goto out;
	/* Caches may keep it until the next refresh point (half-life). */
	http_date(tu, date);
	if ((rc = http_header(rs, "Last-Modified", date)) != TK_OK)
		goto out;
	http_date(nu, date);
	if ((rc = http_header(rs, "Expires", date)) != TK_OK)
		goto out;
	if ((rc = str_fmt(cc, sizeof(cc), "public, max-age=%lld", (long long)((nu - tu) / 2 > 0 ? (nu - tu) / 2 : 0))) == TK_OK)
		rc = http_header(rs, "Cache-Control", cc);
out:
	buf_free(&der);
	return rc;
}

enum tk_err h_ca_cert(struct http_req *rq, struct http_resp *rs)
{
	struct buf der;
	enum tk_err rc;

	if (!ca_name_ok(rq->params[0]))
		return tk_fail_code(TK_ERR_NOT_FOUND, "unknown_ca", "no CA named '%s'", rq->params[0]);
	buf_init(&der, MAX_CERT_BYTES);
	if ((rc = ca_cert_der(&rq->ctx, rq->params[0], &der)) == TK_OK &&
	    (rc = http_bytes(rs, 200, "application/pkix-cert", der.p, der.len)) == TK_OK)
		rc = http_header(rs, "Cache-Control", "public, max-age=86400");
	buf_free(&der);
	return rc;
}

/* Escapes text for HTML element content and attribute values. */
static enum tk_err html_escape(struct buf *b, const uint8_t *p, size_t len)
{
	size_t i;
	enum tk_err rc = TK_OK;

	for (i = 0; i < len && rc == TK_OK; i++) {
		switch (p[i]) {
		case '<': rc = buf_puts(b, "&lt;"); break;
		case '>': rc = buf_puts(b, "&gt;"); break;
		case '&': rc = buf_puts(b, "&amp;"); break;
		case '"': rc = buf_puts(b, "&quot;"); break;
		case '\'': rc = buf_puts(b, "&#39;"); break;
		default: rc = buf_putc(b, p[i]);
		}
	}
	return rc;
}

enum tk_err h_cps(struct http_req *rq, struct http_resp *rs)
{
	const char *fmt = http_query_get(rq, "format");
	const char *version = http_query_get(rq, "version");
	struct cps_doc d;
	struct buf html;
	char when[48];
	enum tk_err rc;

	if ((rc = cps_get(&rq->ctx, version, &d)) != TK_OK)
		return rc;
	if (fmt != NULL && strcmp(fmt, "md") == 0) {
		rc = http_bytes(rs, 200, "text/markdown; charset=utf-8", d.body.p, d.body.len);
		if (rc == TK_OK)
			rc = http_header(rs, "X-CPS-SHA256", d.sha256);
		buf_free(&d.body);
		return rc;
	}
	/* The Markdown is shown as preformatted text: exact, and nothing in it can script the page. */
	buf_init(&html, MAX_CPS_BYTES * 6 + 4096);
	time_wib(d.published_at, when);
	rc = buf_printf(&html,
	    "<!doctype html><html lang=\"id\"><head><meta charset=\"utf-8\"><title>Pernyataan Praktik Sertifikasi (CPS) %s</title>"
	    "<link rel=\"stylesheet\" href=\"/static/teken.css\"></head><body><main>"
	    "<h1>Pernyataan Praktik Sertifikasi / Certification Practice Statement</h1>"
	    "<p>Versi / version <b>%s</b>, terbit / published %s. SHA-256: <code>%s</code>. "
	    "<a href=\"/cps?format=md&amp;version=%s\">Markdown</a></p><pre class=\"cps\">",
	    d.version, d.version, when, d.sha256, d.version);
	if (rc == TK_OK)
		rc = html_escape(&html, d.body.p, d.body.len);
	if (rc == TK_OK)
		rc = buf_puts(&html, "</pre></main></body></html>");
	if (rc == TK_OK)
		rc = http_bytes(rs, 200, "text/html; charset=utf-8", html.p, html.len);
	if (rc == TK_OK)
		rc = http_header(rs, "X-CPS-SHA256", d.sha256);
	buf_free(&html);
	buf_free(&d.body);
	return rc;
}

static json_t *roles_json(unsigned roles)
{
	static const char *const names[] = { "public", "admin", "verifikator", "subscriber", "application", "auditor" };
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < 6; i++)
		if (roles & (1u << i))
			json_array_append_new(a, json_string(names[i]));
	return a;
}

enum tk_err h_openapi(struct http_req *rq, struct http_resp *rs)
{
	const struct http_route *r;
	json_t *doc, *paths;
	size_t n, i;

	(void)rq;
	r = http_routes(&n);
	paths = json_object();
	doc = json_pack("{s:s, s:{s:s, s:s, s:s}, s:o, s:{s:{s:{s:s, s:s}, s:{s:s, s:s, s:s}}}}",
	    "openapi", "3.0.3", "info", "title", "teken API", "version", "1", "description",
	    "Electronic certificates and document signing. Errors: {\"error\":{\"code\",\"message\"}}.",
	    "paths", paths, "components", "securitySchemes",
	    "session", "type", "apiKey", "in", "cookie",
	    "bearer", "type", "http", "scheme", "bearer", "bearerFormat", "teken API key");
	if (doc == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		json_t *item = json_object_get(paths, r[i].pattern), *op;
		char method[8];
		size_t k;
		if (item == NULL) {
			item = json_object();
			json_object_set_new(paths, r[i].pattern, item);
		}
		for (k = 0; r[i].method[k] && k < sizeof(method) - 1; k++)
			method[k] = (char)(r[i].method[k] | 0x20);
		method[k] = '\0';
		op = json_pack("{s:s, s:o, s:{s:{s:s}}}", "summary", r[i].summary, "x-roles", roles_json(r[i].roles),
		    "responses", "default", "description", "JSON result or error");
		if (op != NULL && !(r[i].roles & ROLE_PUBLIC))
			json_object_set_new(op, "security", json_pack("[{s:[]},{s:[]}]", "session", "bearer"));
		json_object_set_new(item, method, op);
	}
	return http_json(rs, 200, doc);
}

/* Prometheus text format (0.0.4): process counters and store-wide totals. */
enum tk_err h_metrics(struct http_req *rq, struct http_resp *rs)
{
	static const char *const classes[6] = { "other", "1xx", "2xx", "3xx", "4xx", "5xx" };
	uint64_t by[6], bytes, lat;
	int64_t started;
	struct buf b;
	size_t i;
	enum tk_err rc;

	buf_init(&b, 64 * 1024);
	http_metrics(by, &bytes, &lat, &started);
	rc = buf_printf(&b, "# HELP teken_http_requests_total HTTP requests since start by status class\n# TYPE teken_http_requests_total counter\n");
	for (i = 1; rc == TK_OK && i < 6; i++)
		rc = buf_printf(&b, "teken_http_requests_total{class=\"%s\"} %llu\n", classes[i], (unsigned long long)by[i]);
	if (rc == TK_OK)
		rc = buf_printf(&b, "# TYPE teken_http_request_body_bytes_total counter\nteken_http_request_body_bytes_total %llu\n"
				    "# TYPE teken_http_request_seconds_total counter\nteken_http_request_seconds_total %.6f\n"
				    "# TYPE teken_start_time_seconds gauge\nteken_start_time_seconds %lld\n",
		    (unsigned long long)bytes, (double)lat / 1e6, (long long)started);
	if (rc == TK_OK)
		rc = monitor_gauges(&rq->ctx, &b);
	if (rc == TK_OK)
		rc = monitor_ready_metrics(&rq->ctx, &b);
	if (rc == TK_OK)
		rc = http_bytes(rs, 200, "text/plain; version=0.0.4; charset=utf-8", b.p, b.len);
	buf_free(&b);
	return rc;
}

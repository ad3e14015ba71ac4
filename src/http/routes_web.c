/*
 * The static web UI (web/): pages and assets served as files. Names are a
 * flat, whitelisted character set, so no path can leave the web root.
 */
#include "http/routes.h"

#include "config/config.h"

#include <stdlib.h>

#include <string.h>

#define WEB_MAX_FILE (8u << 20)

static const char *mime_of(const char *name)
{
	static const struct {
		const char *ext, *type;
	} m[] = {
		{ ".html", "text/html; charset=utf-8" },
		{ ".js", "text/javascript; charset=utf-8" },
		{ ".mjs", "text/javascript; charset=utf-8" },
		{ ".css", "text/css; charset=utf-8" },
		{ ".svg", "image/svg+xml" },
		{ ".png", "image/png" },
		{ ".ico", "image/x-icon" },
		{ ".json", "application/json" },
		{ ".map", "application/json" },
		{ ".woff2", "font/woff2" },
		/* pdf.js data: the 14 standard fonts (.pfb, .ttf) and CJK character maps (.bcmap) */
		{ ".pfb", "application/octet-stream" },
		{ ".ttf", "font/ttf" },
		{ ".bcmap", "application/octet-stream" },
	};
	const char *dot = strrchr(name, '.');
	size_t i;

	for (i = 0; dot != NULL && i < sizeof(m) / sizeof(m[0]); i++)
		if (strcmp(dot, m[i].ext) == 0)
			return m[i].type;
	return NULL;
}

static enum tk_err serve_file(struct http_req *rq, struct http_resp *rs, const char *sub, const char *name, int cache)
{
	const char *root = config_get_or(instance_config(rq->ctx.inst), "http", "web_root", tk_web_dir());
	const char *type = mime_of(name);
	char path[4096];
	uint8_t *data = NULL;
	size_t len = 0, i;
	enum tk_err rc;

	for (i = 0; name[i]; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' && name[i] <= 'Z') || (name[i] >= '0' && name[i] <= '9') ||
			name[i] == '-' || name[i] == '_' ||
			(name[i] == '.' && i > 0 && name[i - 1] != '.')))
			return tk_fail_code(TK_ERR_NOT_FOUND, "not_found", "no such resource");
	if (type == NULL || i == 0 || i > 100)
		return tk_fail_code(TK_ERR_NOT_FOUND, "not_found", "no such resource");
	if ((rc = str_fmt(path, sizeof(path), "%s/%s%s", root, sub, name)) != TK_OK)
		return rc;
	if (file_read(path, WEB_MAX_FILE, &data, &len) != TK_OK)
		return tk_fail_code(TK_ERR_NOT_FOUND, "not_found", "no such resource");
	rc = http_bytes(rs, 200, type, data, len);
	free(data);
	if (rc == TK_OK)
		rc = http_header(rs, "Cache-Control", cache ? "public, max-age=300" : "no-cache");
	return rc;
}

enum tk_err h_static(struct http_req *rq, struct http_resp *rs) { return serve_file(rq, rs, "static/", rq->params[0], 1); }
/*
 * pdf.js (npm pdfjs-dist, installed into <web_root>/node_modules by
 * scripts/install-deps.sh from web/package-lock.json): the library and its
 * worker as ES modules, the standard fonts a PDF may use without embedding
 * them, and the CJK character maps. Same name check as the UI's own files.
 */
#define PDFJS_DIR "node_modules/pdfjs-dist/"

enum tk_err h_pdfjs(struct http_req *rq, struct http_resp *rs)
{
	const char *name = rq->params[0];

	if (strcmp(name, "pdf.min.mjs") != 0 && strcmp(name, "pdf.worker.min.mjs") != 0)
		return tk_fail_code(TK_ERR_NOT_FOUND, "not_found", "no such resource");
	return serve_file(rq, rs, PDFJS_DIR "build/", name, 1);
}
enum tk_err h_pdfjs_font(struct http_req *rq, struct http_resp *rs) { return serve_file(rq, rs, PDFJS_DIR "standard_fonts/", rq->params[0], 1); }
enum tk_err h_pdfjs_cmap(struct http_req *rq, struct http_resp *rs) { return serve_file(rq, rs, PDFJS_DIR "cmaps/", rq->params[0], 1); }

enum tk_err h_page_index(struct http_req *rq, struct http_resp *rs) { return serve_file(rq, rs, "", "index.html", 0); }
enum tk_err h_page_app(struct http_req *rq, struct http_resp *rs) { return serve_file(rq, rs, "", "app.html", 0); }
enum tk_err h_page_verify(struct http_req *rq, struct http_resp *rs) { return serve_file(rq, rs, "", "verify.html", 0); }
enum tk_err h_page_document(struct http_req *rq, struct http_resp *rs) { return serve_file(rq, rs, "", "document.html", 0); }
enum tk_err h_page_literasi(struct http_req *rq, struct http_resp *rs) { return serve_file(rq, rs, "", "literasi.html", 0); }
enum tk_err h_page_notices(struct http_req *rq, struct http_resp *rs) { return serve_file(rq, rs, "", "notices.html", 0); }

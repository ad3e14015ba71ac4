/* Verification service: the instance's trust, registry status and document registry around src/verify. */
#include "svc/base/base.h"
#include "svc/ca/ca.h"
#include "svc/report/report.h"
#include "svc/sign/sign_int.h"
#include "svc/verify/verify_svc.h"
#include "svc/base/base_int.h"

#include "config/config.h"
#include "x509/x509.h"

#include "pdfgen/pdfgen.h"

#include <stdlib.h>
#include <string.h>

/*
 * The instance's registry as a revocation source for the certificates it
 * issued: status, revocation time and reason as recorded by ca_revoke and
 * ra_hold (the same data its OCSP responder signs).
 */
static enum tk_err registry_status(void *arg, X509 *cert, X509 *issuer, int *known, int *revoked, int64_t *revoked_at, int *reason)
{
	static const char *const cas[] = { "issuing", "root" };
	struct svc_ctx *c = arg;
	struct store_stmt *s = NULL;
	int64_t ca_id = 0;
	char serial[72];
	size_t i;
	int row = 0;
	enum tk_err rc;

	*known = 0;
	for (i = 0; i < sizeof(cas) / sizeof(cas[0]) && ca_id == 0; i++) {
		X509 *ca = NULL;
		int64_t id = 0;
		if (ca_load(c, cas[i], &id, &ca, NULL) != TK_OK) {
			tk_clear_error();
			continue;
		}
		if (X509_cmp(ca, issuer) == 0)
			ca_id = id;
		X509_free(ca);
	}
	if (ca_id == 0)
		return TK_OK;
	if ((rc = x509_serial_hex(cert, serial, sizeof(serial))) != TK_OK) {
		tk_clear_error();
		return TK_OK;
	}
	if ((rc = store_prepare(c->st, "SELECT status, revoked_at, reason, der FROM certs WHERE serial = ? AND ca_id = ?", &s)) != TK_OK)
		return rc;
	if ((rc = store_bind_text(s, 1, serial)) == TK_OK && (rc = store_bind_i64(s, 2, ca_id)) == TK_OK && (rc = store_step(s, &row)) == TK_OK &&
	    row) {
		size_t dl = 0;
		const uint8_t *der = store_col_blob(s, 3, &dl);
		unsigned char *mine = NULL;
		int ml = i2d_X509(cert, &mine);
		/* Only the very certificate this instance issued. */
		if (ml > 0 && (size_t)ml == dl && memcmp(mine, der, dl) == 0) {
			const char *st = store_col_text(s, 0);
			*known = 1;
			*revoked = strcmp(st, "valid") != 0;
			*revoked_at = store_col_null(s, 1) ? 0 : store_col_i64(s, 1);
			*reason = strcmp(st, "hold") == 0 ? 6 : store_col_null(s, 2) ? 0
										     : (int)store_col_i64(s, 2);
		}
		OPENSSL_free(mine);
	}
	store_finalize(s);
	return rc;
}

enum tk_err verify_svc_trust(struct svc_ctx *c, const char *const *paths, size_t npaths, const char *const *crls, size_t ncrls,
    struct verify_trust **out)
{
	struct verify_trust *t = NULL;
	size_t i;
	enum tk_err rc;

	*out = NULL;
	if ((rc = verify_trust_new(&t)) != TK_OK)
		return rc;
	if (c != NULL) {
		X509 *root = NULL;
		const char *extra = config_get(c->inst->cfg, "verify", "trust");
		if ((rc = ca_load(c, "root", NULL, &root, NULL)) != TK_OK)
			goto out;
		rc = verify_trust_add_anchor(t, root);
		X509_free(root);
		if (rc != TK_OK)
			goto out;
		if (extra != NULL && extra[0] != '\0' && (rc = verify_trust_add_path(t, extra)) != TK_OK) {
			tk_wrap(rc, "[verify] trust");
			goto out;
		}
		verify_trust_set_status(t, registry_status, c);
		if (verify_svc_online_configured(c) && (rc = verify_svc_online(c, t)) != TK_OK) {
			tk_wrap(rc, "[verify] fetch_allow");
			goto out;
		}
	}
	for (i = 0; i < npaths; i++)
		if ((rc = verify_trust_add_path(t, paths[i])) != TK_OK)
			goto out;
	for (i = 0; i < ncrls; i++)
		if ((rc = verify_trust_add_crl_file(t, crls[i])) != TK_OK)
			goto out;
	*out = t;
	t = NULL;
	rc = TK_OK;
out:
	verify_trust_free(t);
	return rc;
}

enum tk_err verify_svc_run(struct svc_ctx *c, const struct verify_trust *t, const struct verify_svc_in *in, struct verify_report **out)
{
	struct verify_opts o;

	memset(&o, 0, sizeof(o));
	o.trust = t;
	o.now = in->at;
	o.revocation_optional = in->revocation_optional;
	o.max_seconds = in->max_seconds;
	o.password = in->password;
	if (o.max_seconds == 0 && c != NULL) {
		uint64_t v = 0;
		if (config_get_u64(c->inst->cfg, "verify", "max_seconds", VERIFY_SVC_MAX_SECONDS, 3600, &v) == TK_OK)
			o.max_seconds = (unsigned)v;
		tk_clear_error();
	}
	if (o.max_seconds == 0)
		o.max_seconds = VERIFY_SVC_MAX_SECONDS;
	o.max_objects = in->max_objects;
	if (o.max_objects == 0 && c != NULL) {
		uint64_t v = 0;
		if (config_get_u64(c->inst->cfg, "verify", "max_objects", VERIFY_SVC_MAX_OBJECTS, MAX_PDF_OBJECTS, &v) == TK_OK)
			o.max_objects = (uint32_t)v;
		tk_clear_error();
	}
	o.page_changes_allowed = in->page_changes == VERIFY_SVC_PAGES_WARN;
	if (in->page_changes == VERIFY_SVC_PAGES_CONFIG && c != NULL) {
		const char *pc = config_get(c->inst->cfg, "verify", "page_changes");
		if (pc != NULL && strcmp(pc, "warn") != 0 && strcmp(pc, "fail") != 0)
			return tk_fail_code(TK_ERR_INVALID, "config_invalid", "config: [verify] page_changes must be fail or warn, not '%.40s'", pc);
		o.page_changes_allowed = pc != NULL && strcmp(pc, "warn") == 0;
	}
	if (in->sig != NULL)
		return verify_cades(in->sig, in->sig_len, in->data, in->len, &o, out);
	return verify_pdf(in->data, in->len, &o, out);
}

/* The registry row of a document id (or of the file whose hash is sha256) as JSON; *out NULL when none. */
static enum tk_err registry_row(struct svc_ctx *c, const char *id, const char *sha256, json_t **out)
{
	struct store_stmt *s = NULL;
	int row = 0;
	enum tk_err rc;

	*out = NULL;
	rc = store_prepare(c->st,
	    id != NULL ? "SELECT d.id, d.sha256, d.size, d.pages, d.kind, d.level, d.signer, d.signed_at, d.application, d.unit,"
			 " d.cert_serial, c.status, c.revoked_at FROM documents d LEFT JOIN certs c ON c.serial = d.cert_serial WHERE d.id = ?"
		       : "SELECT d.id, d.sha256, d.size, d.pages, d.kind, d.level, d.signer, d.signed_at, d.application, d.unit,"
			 " d.cert_serial, c.status, c.revoked_at FROM documents d LEFT JOIN certs c ON c.serial = d.cert_serial"
			 " WHERE d.sha256 = ? ORDER BY d.signed_at LIMIT 1",
	    &s);
	if (rc != TK_OK)
		return rc;
	if ((rc = store_bind_text(s, 1, id != NULL ? id : sha256)) != TK_OK || (rc = store_step(s, &row)) != TK_OK || !row)
		goto out;
	{
		char at[32], wib[48], rat[32];
		int64_t t = store_col_i64(s, 7);
		time_iso_utc(t, at);
		time_wib(t, wib);
		if (!store_col_null(s, 12))
			time_iso_utc(store_col_i64(s, 12), rat);
		*out = json_pack("{s:s, s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:{s:s, s:s, s:o}}", "id", store_col_text(s, 0),
		    "sha256", store_col_text(s, 1), "size", (json_int_t)store_col_i64(s, 2), "pages", (json_int_t)store_col_i64(s, 3), "kind",
		    store_col_text(s, 4), "level", store_col_text(s, 5), "signer", store_col_text(s, 6), "signed_at", at, "signed_at_wib", wib,
		    "application", store_col_null(s, 8) ? json_null() : json_string(store_col_text(s, 8)), "unit",
		    store_col_null(s, 9) ? json_null() : json_string(store_col_text(s, 9)), "certificate", "serial", store_col_text(s, 10), "status",
		    store_col_null(s, 11) ? "unknown" : store_col_text(s, 11), "revoked_at", store_col_null(s, 12) ? json_null() : json_string(rat));
		if (*out == NULL)
			rc = tk_fail(TK_ERR_NOMEM, "verify: out of memory");
	}
out:
	store_finalize(s);
	return rc;
}

enum tk_err verify_svc_json(struct svc_ctx *c, const struct verify_report *r, const char *file, json_t **out)
{
	json_t *j = NULL, *reg = NULL;
	enum tk_err rc;

	*out = NULL;
	if ((rc = verify_report_json(r, file, &j)) != TK_OK)
		return rc;
	if (c != NULL && r->sha256[0] != '\0') {
		if ((rc = registry_row(c, NULL, r->sha256, &reg)) != TK_OK) {
			json_decref(j);
			return rc;
		}
		json_object_set_new(j, "registry", reg ? reg : json_null());
	}
	*out = j;
	return TK_OK;
}

enum tk_err verify_svc_request(struct svc_ctx *c, const struct verify_svc_in *in, const char *file, json_t **out)
{
	struct verify_trust *t = NULL;
	struct verify_report *r = NULL;
	enum tk_err rc;

	*out = NULL;
	if ((rc = verify_svc_trust(c, NULL, 0, NULL, 0, &t)) == TK_OK && (rc = verify_svc_run(c, t, in, &r)) == TK_OK &&
	    (rc = verify_svc_json(c, r, file, out)) == TK_OK)
		usage_count(c, USAGE_VERIFY, in->channel ? in->channel : "api", NULL);
	verify_report_free(r);
	verify_trust_free(t);
	return rc;
}

enum tk_err verify_svc_render(struct svc_ctx *c, const struct verify_report *r, const char *file, enum verify_svc_format fmt,
    struct buf *out, int *sealed)
{
	struct verify_doc_info info;
	char url[400];
	json_t *reg = NULL;
	enum tk_err rc;

	*sealed = 0;
	memset(&info, 0, sizeof(info));
	info.file = file;
	if (c != NULL) {
		info.verifier = c->inst->base_url;
		if (r->sha256[0] != '\0') {
			if ((rc = registry_row(c, NULL, r->sha256, &reg)) != TK_OK)
				return rc;
			if (reg != NULL && json_is_string(json_object_get(reg, "id"))) {
				if ((rc = str_fmt(url, sizeof(url), "%s/v/%s", c->inst->base_url, json_string_value(json_object_get(reg, "id")))) != TK_OK) {
					json_decref(reg);
					return rc;
				}
				info.registry_url = url;
			}
		}
	}
	if (fmt == VERIFY_SVC_HTML)
		rc = verify_report_html(r, &info, out);
	else if (fmt != VERIFY_SVC_PDF)
		rc = tk_fail(TK_ERR_INVALID, "verify: the printable report is HTML or PDF");
	else if (c == NULL)
		rc = verify_report_pdf(r, &info, out);
	else {
		/* Rendered here and sealed as generated: the seal signs only what this function wrote. */
		struct buf pdf, tail;
		char level[24];
		info.sealed = 1;
		buf_init(&pdf, PDFGEN_MAX_BYTES);
		buf_init(&tail, MAX_PDF_BYTES);
		if ((rc = verify_report_pdf(r, &info, &pdf)) == TK_OK &&
		    (rc = sign_instance_document(c, pdf.p, pdf.len, "Laporan verifikasi / Validation report", &tail, level)) == TK_OK &&
		    (rc = buf_append(out, pdf.p, pdf.len)) == TK_OK && (rc = buf_append(out, tail.p, tail.len)) == TK_OK)
			*sealed = 1;
		buf_free(&pdf);
		buf_free(&tail);
	}
	json_decref(reg);
	return rc;
}

enum tk_err verify_svc_request_report(struct svc_ctx *c, const struct verify_svc_in *in, const char *file, enum verify_svc_format fmt,
    struct buf *out)
{
	struct verify_trust *t = NULL;
	struct verify_report *r = NULL;
	int sealed = 0;
	enum tk_err rc;

	if ((rc = verify_svc_trust(c, NULL, 0, NULL, 0, &t)) == TK_OK && (rc = verify_svc_run(c, t, in, &r)) == TK_OK &&
	    (rc = verify_svc_render(c, r, file, fmt, out, &sealed)) == TK_OK)
		usage_count(c, USAGE_VERIFY, in->channel ? in->channel : "api", NULL);
	verify_report_free(r);
	verify_trust_free(t);
	return rc;
}

void verify_svc_file_name(const char *raw, char out[VERIFY_SVC_MAX_FILE_NAME + 1])
{
	const char *base = raw != NULL ? raw : "";
	size_t n = 0, i;

	for (i = 0; base[i] != '\0'; i++)
		if (base[i] == '/' || base[i] == '\\')
			base += i + 1, i = (size_t)-1;
	for (i = 0; base[i] != '\0'; i++) {
		unsigned char ch = (unsigned char)base[i];
		size_t len = ch < 0x80 ? 1 : (ch & 0xE0) == 0xC0 ? 2
					 : (ch & 0xF0) == 0xE0   ? 3
					 : (ch & 0xF8) == 0xF0   ? 4
								 : 0,
		       k;
		if (ch < 0x20 || ch == 0x7F || ch == '"' || len == 0)
			continue;
		for (k = 1; k < len; k++)
			if (((unsigned char)base[i + k] & 0xC0) != 0x80)
				break;
		if (k < len)
			continue; /* a broken sequence: dropped */
		/* Bidirectional controls (U+202A..U+202E, U+2066..U+2069) would let a name read backwards ("fdp.exe"). */
		if (len == 3 && ch == 0xE2 &&
		    (((unsigned char)base[i + 1] == 0x80 && (unsigned char)base[i + 2] >= 0xAA && (unsigned char)base[i + 2] <= 0xAE) ||
			((unsigned char)base[i + 1] == 0x81 && (unsigned char)base[i + 2] >= 0xA6 && (unsigned char)base[i + 2] <= 0xA9))) {
			i += len - 1;
			continue;
		}
		if (n + len > VERIFY_SVC_MAX_FILE_NAME)
			break;
		memcpy(out + n, base + i, len);
		n += len;
		i += len - 1;
	}
	out[n] = '\0';
	if (n == 0 || strcmp(out, ".") == 0 || strcmp(out, "..") == 0)
		memcpy(out, "upload.pdf", sizeof("upload.pdf"));
}

enum tk_err verify_svc_document(struct svc_ctx *c, const char *id, json_t **out)
{
	size_t i, n = strlen(id);
	enum tk_err rc;

	*out = NULL;
	/* Registry ids are 128 random bits in base32 (svc/sign.c): anything else cannot exist. */
	for (i = 0; i < n; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= '2' && id[i] <= '7')))
			break;
	if (n != 26 || i != n)
		return tk_fail_code(TK_ERR_NOT_FOUND, "document_not_found", "no signed document with this id");
	if ((rc = registry_row(c, id, NULL, out)) != TK_OK)
		return rc;
	if (*out == NULL)
		return tk_fail_code(TK_ERR_NOT_FOUND, "document_not_found", "no signed document with this id");
	/* A QR landing is a verification of one of our documents: its unit's. */
	usage_count(c, USAGE_VERIFY, "qr", json_string_value(json_object_get(*out, "unit")));
	return TK_OK;
}

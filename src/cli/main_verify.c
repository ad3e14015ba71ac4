/*
 * teken-verify: `teken verify` without an instance, in a binary that links
 * only what verification uses (OpenSSL's libcrypto, jansson, zlib and,
 * for the PDF report, libharu), not the store, the HTTP server or the
 * network libraries. A one-page verification per process is mostly
 * start-up; loading 40-odd shared libraries it never calls was most of it
 * (issue 13, bench/verify.sh). Same options, report and exit codes as
 * `teken verify --trust ...` for one document; several documents, --dir
 * (the registry) and online revocation are for `teken verify`.
 */
#include "cli/cli.h"
#include "log/log.h"
#include "pdf/pdf.h"
#include "verify/verify.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define SLIM_SECONDS 600u

static const char usage[] =
    "teken-verify - verify PDF (PAdES) and CAdES signatures, offline\n"
    "\n"
    "  teken-verify [--trust roots.pem|DIR...] [--crl F...] --in b.pdf [--format json|text|html|pdf] [-o F]\n"
    "               [--at TIME] [--revocation required|optional] [--password-file F|-] [--page-changes fail|warn]\n"
    "  teken-verify ... --in sig.p7s --content any.file   # CAdES\n"
    "\n"
    "Exit: 0 valid, 3 indeterminate, 4 failed, 5 changed after signing, 6 no signature, 1 error, 2 usage.\n"
    "Several files, an instance's registry (--dir) or --revocation online: teken verify. Docs: docs/verification.md\n";

static int render(const struct verify_report *r, const char *file, const char *format, const char *outp)
{
	struct buf b;
	int rc = 0;

	buf_init(&b, MAX_PDF_BYTES);
	if (format == NULL || strcmp(format, "json") == 0) {
		json_t *j = NULL;
		char *s = NULL;
		if (verify_report_json(r, file, &j) == TK_OK && (s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) != NULL &&
		    buf_puts(&b, s) == TK_OK && buf_putc(&b, '\n') == TK_OK)
			rc = cli_output(outp, b.p, b.len);
		else
			rc = cli_fail();
		free(s);
		json_decref(j);
	} else {
		struct verify_doc_info info = { file, NULL, NULL, 0 };
		enum tk_err e = strcmp(format, "text") == 0   ? verify_report_text(r, file, &b)
				: strcmp(format, "html") == 0 ? verify_report_html(r, &info, &b)
							      : verify_report_pdf(r, &info, &b);
		if (e == TK_OK && strcmp(format, "pdf") == 0)
			fprintf(stderr, "teken-verify: warning: the PDF report is not signed (teken verify --dir seals it)\n");
		rc = e == TK_OK ? cli_output(outp, b.p, b.len) : cli_fail();
	}
	buf_free(&b);
	return rc;
}

static int run(int argc, char **argv)
{
	const char *content = NULL, *format = NULL, *at = NULL, *revocation = NULL, *pwfile = NULL, *outp = NULL, *pages = NULL;
	struct cli_opt opts[] = {
		{ "content", 1, &content, NULL, 0 },
		{ "format", 1, &format, NULL, 0 },
		{ "at", 1, &at, NULL, 0 },
		{ "revocation", 1, &revocation, NULL, 0 },
		{ "password-file", 1, &pwfile, NULL, 0 },
		{ "o", 1, &outp, NULL, 0 },
		{ "page-changes", 1, &pages, NULL, 0 },
		{ NULL, 0, NULL, NULL, 0 },
	};
	const char *trust[VERIFY_CLI_MAX_FILES], *crls[VERIFY_CLI_MAX_FILES];
	const char **ins = calloc((size_t)argc + 1, sizeof(*ins));
	char **rest = calloc((size_t)argc + 1, sizeof(*rest));
	char pw[1024];
	size_t ntrust = 0, ncrls = 0, nins = 0, i;
	int nrest = 0, r;
	const uint8_t *data = NULL, *sig = NULL;
	size_t dlen = 0, slen = 0;
	struct verify_trust *t = NULL;
	struct verify_report *rep = NULL;
	struct verify_opts o;

	pw[0] = '\0';
	memset(&o, 0, sizeof(o));
	if (ins == NULL || rest == NULL) {
		tk_fail(TK_ERR_NOMEM, "out of memory");
		r = cli_fail();
		goto out;
	}
	if ((r = cli_verify_lists(argc, argv, rest, &nrest, trust, &ntrust, crls, &ncrls, ins, &nins)) != 0 ||
	    (r = cli_parse("teken-verify", nrest, rest, opts)) != 0)
		goto out;
	r = 2;
	if (nins != 1) {
		r = cli_usage_error("teken-verify", nins == 0 ? "--in FILE is required" : "one document at a time; teken verify takes several");
		goto out;
	}
	if (format != NULL && strcmp(format, "json") != 0 && strcmp(format, "text") != 0 && strcmp(format, "html") != 0 &&
	    strcmp(format, "pdf") != 0) {
		r = cli_usage_error("teken-verify", "--format must be json, text, html or pdf");
		goto out;
	}
	if (revocation != NULL && strcmp(revocation, "required") != 0 && strcmp(revocation, "optional") != 0) {
		r = cli_usage_error("teken-verify", "--revocation must be required or optional (online: teken verify)");
		goto out;
	}
	if (pages != NULL && strcmp(pages, "fail") != 0 && strcmp(pages, "warn") != 0) {
		r = cli_usage_error("teken-verify", "--page-changes must be fail or warn");
		goto out;
	}
	o.page_changes_allowed = pages != NULL && strcmp(pages, "warn") == 0;
	if (at != NULL && time_parse_iso(at, &o.now) != TK_OK) {
		r = cli_usage_error("teken-verify", "--at takes a UTC time like 2026-11-25T10:00:00Z");
		goto out;
	}
	if (pwfile != NULL && content != NULL) {
		r = cli_usage_error("teken-verify", "--password-file is for an encrypted PDF, not with --content");
		goto out;
	}
	if (pwfile != NULL) {
		if (cli_read_secret(pwfile, pw, sizeof(pw)) != TK_OK) {
			r = cli_fail();
			goto out;
		}
		o.password = pw;
	}
	if (cli_map_file(ins[0], content ? &sig : &data, content ? &slen : &dlen) != TK_OK ||
	    (content && cli_map_file(content, &data, &dlen) != TK_OK)) {
		r = cli_fail();
		goto out;
	}
	if (verify_trust_new(&t) != TK_OK) {
		r = cli_fail();
		goto out;
	}
	for (i = 0; i < ntrust; i++)
		if (verify_trust_add_path(t, trust[i]) != TK_OK) {
			r = cli_fail();
			goto out;
		}
	for (i = 0; i < ncrls; i++)
		if (verify_trust_add_crl_file(t, crls[i]) != TK_OK) {
			r = cli_fail();
			goto out;
		}
	o.trust = t;
	o.max_seconds = SLIM_SECONDS;
	o.revocation_optional = revocation != NULL && strcmp(revocation, "optional") == 0;
	o.max_objects = MAX_PDF_OBJECTS;
	if (content == NULL && !pdf_header_ok(data, dlen)) {
		tk_fail_code(TK_ERR_INVALID, "not_a_pdf", "%s is not a PDF (no %%PDF- header)", ins[0]);
		r = cli_fail();
		goto out;
	}
	if (verify_trust_anchor_count(t) == 0)
		fprintf(stderr, "teken-verify: warning: no trust anchors (use --trust): no certificate chain can be validated\n");
	if ((content ? verify_cades(sig, slen, data, dlen, &o, &rep) : verify_pdf(data, dlen, &o, &rep)) != TK_OK) {
		r = cli_fail();
		goto out;
	}
	r = render(rep, ins[0], format, outp);
	if (r == 0)
		r = cli_verify_exit(rep);
out:
	OPENSSL_cleanse(pw, sizeof(pw));
	verify_report_free(rep);
	verify_trust_free(t);
	if (data != NULL)
		munmap((void *)data, dlen);
	if (sig != NULL)
		munmap((void *)sig, slen);
	free(ins);
	free(rest);
	return r;
}

int main(int argc, char **argv)
{
	core_json_wiping_alloc_install();
	if (log_open(LOG_WARN, NULL) != TK_OK)
		return 1;
	if (argc < 2 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	return run(argc - 1, argv + 1);
}

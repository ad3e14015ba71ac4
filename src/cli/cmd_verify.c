/*
 * teken verify: validates the signatures of a PDF (PAdES) or a detached
 * CAdES signature and prints the report (docs/verification.md).
 *
 * Exit codes: 0 every signature (and document timestamp) is TOTAL_PASSED
 * and nothing but signatures, validation data or timestamps came after
 * them; 3 the worst result is INDETERMINATE; 4 the worst is TOTAL_FAILED;
 * 5 every signature passed but the document was changed after signing;
 * 1 the input could not be verified (not a PDF, no signature, I/O);
 * 2 bad usage. An encrypted PDF whose user password is not given (or is
 * wrong) is a report (INDETERMINATE, exit 3) that asks for --password-file;
 * the password is read from that file (first line, or stdin for "-"),
 * never from the command line.
 */
#include "cli/cli.h"
#include "svc/base/base.h"
#include "svc/verify/verify_svc.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define VERIFY_CLI_MAX_REPEAT 10000000u
#define VERIFY_CLI_MAX_THREADS 64u
#define VERIFY_CLI_SECONDS 600u /* time budget of one verification on the command line (a 2 GB file hashes in seconds) */

struct bench_arg {
	const struct verify_trust *t;
	const struct verify_svc_in *in;
	size_t n;
	enum tk_err rc;
	char err[MAX_ERRMSG];
};

static void *bench_thread(void *p)
{
	struct bench_arg *a = p;
	size_t i;

	a->rc = TK_OK;
	for (i = 0; i < a->n && a->rc == TK_OK; i++) {
		struct verify_report *r = NULL;
		a->rc = verify_svc_run(NULL, a->t, a->in, &r);
		verify_report_free(r);
	}
	if (a->rc != TK_OK)
		snprintf(a->err, sizeof(a->err), "%s", tk_errmsg());
	return NULL;
}

/* The hidden in-process loop of bench/verify.sh: N verifications on T threads, rate on stderr. */
static int repeat(const struct verify_trust *t, const struct verify_svc_in *in, uint64_t n, uint64_t threads)
{
	struct bench_arg args[VERIFY_CLI_MAX_THREADS];
	pthread_t th[VERIFY_CLI_MAX_THREADS];
	struct timespec t0, t1;
	uint64_t i, started = 0;
	double secs;
	int bad = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < threads; i++) {
		args[i].t = t;
		args[i].in = in;
		args[i].n = (size_t)(n / threads + (i < n % threads ? 1 : 0));
		args[i].rc = TK_OK;
		args[i].err[0] = '\0';
		if (pthread_create(&th[i], NULL, bench_thread, &args[i]) != 0) {
			tk_fail(TK_ERR_INTERNAL, "verify: cannot start thread");
			bad = 1;
			break;
		}
		started++;
	}
	for (i = 0; i < started; i++) {
		pthread_join(th[i], NULL);
		if (args[i].rc != TK_OK && !bad) {
			tk_fail(args[i].rc, "%s", args[i].err);
			bad = 1;
		}
	}
	if (bad)
		return cli_fail();
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	fprintf(stderr, "verify: %llu documents in %.3f s: %.1f documents/s (%llu threads, in-process)\n", (unsigned long long)n, secs,
	    secs > 0 ? (double)n / secs : 0.0, (unsigned long long)threads);
	return 0;
}

int cmd_verify(int argc, char **argv)
{
	const char *dir = NULL, *inp = NULL, *content = NULL, *format = NULL, *at = NULL, *revocation = NULL, *rep = NULL, *thr = NULL,
		   *pwfile = NULL, *outp = NULL;
	const char *pages = NULL;
	struct cli_opt opts[] = {
		{ "dir", 1, &dir, NULL, 0 },
		{ "content", 1, &content, NULL, 0 },
		{ "format", 1, &format, NULL, 0 },
		{ "at", 1, &at, NULL, 0 },
		{ "revocation", 1, &revocation, NULL, 0 },
		{ "repeat", 1, &rep, NULL, 0 },
		{ "threads", 1, &thr, NULL, 0 },
		{ "password-file", 1, &pwfile, NULL, 0 },
		{ "o", 1, &outp, NULL, 0 },
		{ "page-changes", 1, &pages, NULL, 0 },
		{ NULL, 0, NULL, NULL, 0 },
	};
	const char *trust[VERIFY_CLI_MAX_FILES], *crls[VERIFY_CLI_MAX_FILES];
	char **rest = NULL;
	size_t ntrust = 0, ncrls = 0;
	int nrest = 0, r, text = 0, many = 0;
	const char **ins = NULL;
	size_t nins = 0;
	enum verify_svc_format printable = VERIFY_SVC_JSON;
	uint64_t nrep = 0, nthreads = 1;
	struct instance *inst = NULL;
	struct svc_ctx c, *cp = NULL;
	struct verify_trust *t = NULL;
	struct verify_report *rep_out = NULL;
	struct verify_svc_in in;
	const uint8_t *data = NULL, *sig = NULL;
	size_t dlen = 0, slen = 0;
	json_t *j = NULL;
	char pw[1024];

	pw[0] = '\0';
	memset(&c, 0, sizeof(c));
	memset(&in, 0, sizeof(in));
	if ((rest = calloc((size_t)argc + 1, sizeof(*rest))) == NULL) {
		tk_fail(TK_ERR_NOMEM, "out of memory");
		return cli_fail();
	}
	if ((ins = calloc((size_t)argc + 1, sizeof(*ins))) == NULL) {
		tk_fail(TK_ERR_NOMEM, "out of memory");
		r = cli_fail();
		goto out;
	}
	if ((r = cli_verify_lists(argc, argv, rest, &nrest, trust, &ntrust, crls, &ncrls, ins, &nins)) != 0 ||
	    (r = cli_parse("verify", nrest, rest, opts)) != 0)
		goto out;
	r = 2;
	if (nins == 0) {
		r = cli_usage_error("verify", "--in FILE (or several files, or a folder) is required");
		goto out;
	}
	inp = ins[0];
	{
		struct stat sb;
		many = nins > 1 || (stat(inp, &sb) == 0 && S_ISDIR(sb.st_mode));
	}
	if (many && (content != NULL || rep != NULL || (format != NULL && strcmp(format, "text") == 0) ||
			((format != NULL && (strcmp(format, "html") == 0 || strcmp(format, "pdf") == 0)) != (outp != NULL)))) {
		r = cli_usage_error("verify", "several files or a folder give one JSON report per line (and with --format html|pdf -o DIR "
					      "one report each in DIR): no --content, --repeat or --format text");
		goto out;
	}
	if (format != NULL && strcmp(format, "json") != 0 && strcmp(format, "text") != 0 && strcmp(format, "html") != 0 &&
	    strcmp(format, "pdf") != 0) {
		r = cli_usage_error("verify", "--format must be json, text, html or pdf");
		goto out;
	}
	text = format != NULL && strcmp(format, "text") == 0;
	if (format != NULL && strcmp(format, "html") == 0)
		printable = VERIFY_SVC_HTML;
	else if (format != NULL && strcmp(format, "pdf") == 0)
		printable = VERIFY_SVC_PDF;
	if (revocation != NULL && strcmp(revocation, "required") != 0 && strcmp(revocation, "optional") != 0 &&
	    strcmp(revocation, "online") != 0) {
		r = cli_usage_error("verify", "--revocation must be required, optional or online");
		goto out;
	}
	in.revocation_optional = revocation != NULL && strcmp(revocation, "optional") == 0;
	if (pages != NULL && strcmp(pages, "fail") != 0 && strcmp(pages, "warn") != 0) {
		r = cli_usage_error("verify", "--page-changes must be fail or warn");
		goto out;
	}
	in.page_changes = pages == NULL ? VERIFY_SVC_PAGES_CONFIG : strcmp(pages, "warn") == 0 ? VERIFY_SVC_PAGES_WARN
											       : VERIFY_SVC_PAGES_FAIL;
	if (at != NULL && time_parse_iso(at, &in.at) != TK_OK) {
		r = cli_usage_error("verify", "--at takes a UTC time like 2026-11-25T10:00:00Z");
		goto out;
	}
	if (rep != NULL && (parse_u64_str(rep, VERIFY_CLI_MAX_REPEAT, &nrep) != TK_OK || nrep == 0)) {
		r = cli_usage_error("verify", "--repeat takes a count from 1 to %u", VERIFY_CLI_MAX_REPEAT);
		goto out;
	}
	if (thr != NULL && (parse_u64_str(thr, VERIFY_CLI_MAX_THREADS, &nthreads) != TK_OK || nthreads == 0 ||
			       (!many && (rep == NULL || dir != NULL)))) {
		r = cli_usage_error("verify", "--threads (1 to %u) goes with several files, or with --repeat and --trust", VERIFY_CLI_MAX_THREADS);
		goto out;
	}
	if (pwfile != NULL) {
		if (content != NULL) {
			r = cli_usage_error("verify", "--password-file is for an encrypted PDF, not with --content");
			goto out;
		}
		if (cli_read_secret(pwfile, pw, sizeof(pw)) != TK_OK) {
			r = cli_fail();
			goto out;
		}
		in.password = pw;
	}
	if (many) {
		struct verify_many_opts mo;
		if (dir != NULL && (r = cli_open(dir, &inst, &c)) != 0)
			goto out;
		in.max_seconds = VERIFY_CLI_SECONDS;
		in.max_objects = MAX_PDF_OBJECTS;
		memset(&mo, 0, sizeof(mo));
		mo.inst = inst;
		mo.ctx = inst != NULL ? &c : NULL;
		mo.actor = inst != NULL ? &c.actor : NULL;
		mo.trust = trust;
		mo.ntrust = ntrust;
		mo.crls = crls;
		mo.ncrls = ncrls;
		mo.online = revocation != NULL && strcmp(revocation, "online") == 0;
		mo.base = &in;
		mo.threads = thr != NULL ? (size_t)nthreads : 0;
		mo.report_format = format == NULL ? 0 : strcmp(format, "html") == 0 ? VERIFY_SVC_HTML
						    : strcmp(format, "pdf") == 0    ? VERIFY_SVC_PDF
										    : 0;
		mo.report_dir = outp;
		if (outp != NULL) {
			struct stat sb;
			if (stat(outp, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
				r = cli_usage_error("verify", "-o %s: with several files, -o names an existing directory for the reports", outp);
				goto out;
			}
		}
		r = verify_many(ins, nins, &mo);
		goto out;
	}
	if (cli_map_file(inp, content ? &sig : &data, content ? &slen : &dlen) != TK_OK || (content && cli_map_file(content, &data, &dlen) != TK_OK)) {
		r = cli_fail();
		goto out;
	}
	if (dir != NULL) {
		if ((r = cli_open(dir, &inst, &c)) != 0)
			goto out;
		cp = &c;
	}
	if (verify_svc_trust(cp, trust, ntrust, crls, ncrls, &t) != TK_OK) {
		r = cli_fail();
		goto out;
	}
	if (revocation != NULL && strcmp(revocation, "online") == 0 && verify_svc_online(cp, t) != TK_OK) {
		r = cli_fail();
		goto out;
	}
	if (verify_trust_anchor_count(t) == 0)
		fprintf(stderr, "teken: warning: no trust anchors (use --trust or --dir): no certificate chain can be validated\n");
	in.max_seconds = VERIFY_CLI_SECONDS;
	in.max_objects = MAX_PDF_OBJECTS; /* the operator's own file: the engine's limits only */
	in.data = data;
	in.len = dlen;
	in.sig = sig;
	in.sig_len = slen;
	if (nrep > 0) {
		r = repeat(t, &in, nrep, nthreads);
		goto out;
	}
	if (verify_svc_run(cp, t, &in, &rep_out) != TK_OK) {
		r = cli_fail();
		goto out;
	}
	if (printable != VERIFY_SVC_JSON) {
		/* The printable report; with --dir the PDF is sealed by the instance (verify_svc_render). */
		struct buf b;
		int sealed = 0;
		buf_init(&b, MAX_PDF_BYTES);
		if (verify_svc_render(cp, rep_out, inp, printable, &b, &sealed) != TK_OK) {
			buf_free(&b);
			r = cli_fail();
			goto out;
		}
		if (printable == VERIFY_SVC_PDF && !sealed)
			fprintf(stderr, "teken: warning: the PDF report is not signed (no --dir instance to seal it); it says so on every page\n");
		r = cli_output(outp, b.p, b.len);
		buf_free(&b);
	} else if (text) {
		struct buf b;
		buf_init(&b, 16u << 20);
		if (verify_report_text(rep_out, inp, &b) != TK_OK) {
			buf_free(&b);
			r = cli_fail();
			goto out;
		}
		r = cli_output(outp, b.p, b.len);
		buf_free(&b);
	} else {
		char *s = NULL;
		if (verify_svc_json(cp, rep_out, inp, &j) != TK_OK || (s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) == NULL) {
			if (s == NULL && tk_last_error()->err == TK_OK)
				tk_fail(TK_ERR_NOMEM, "out of memory");
			r = cli_fail();
			goto out;
		}
		/* One write, so -o F gets the whole report with its newline at once. */
		struct buf b;
		buf_init(&b, 64u << 20);
		if (buf_puts(&b, s) != TK_OK || buf_putc(&b, '\n') != TK_OK)
			r = cli_fail();
		else
			r = cli_output(outp, b.p, b.len);
		buf_free(&b);
		free(s);
	}
	if (r == 0)
		r = cli_verify_exit(rep_out);
out:
	json_decref(j);
	verify_report_free(rep_out);
	verify_trust_free(t);
	if (data != NULL)
		munmap((void *)data, dlen);
	if (sig != NULL)
		munmap((void *)sig, slen);
	if (inst != NULL)
		cli_close(inst, &c);
	free(rest);
	free(ins);
	OPENSSL_cleanse(pw, sizeof(pw));
	return r;
}

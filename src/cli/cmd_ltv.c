/* teken ltv extend: bring a signed PDF (ours or another tool's) to PAdES B-LTA. */
#include "cli/cli.h"
#include "svc/base/base.h"
#include "svc/trust/trust.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_ltv(int argc, char **argv)
{
	const char *dir = NULL, *inp = NULL, *outp = NULL;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { "in", 1, &inp, NULL, 1 }, { "out", 1, &outp, NULL, 1 }, { NULL, 0, NULL, NULL, 0 } };
	struct instance *inst;
	struct svc_ctx c;
	struct ltv_report rep;
	struct buf tail, whole;
	uint8_t *pdf = NULL;
	size_t len = 0;
	int r;

	if (argc < 1 || strcmp(argv[0], "extend") != 0)
		return cli_usage_error("ltv", "expected extend");
	if ((r = cli_parse("ltv extend", argc - 1, argv + 1, opts)) != 0)
		return r;
	if (file_read(inp, MAX_PDF_BYTES, &pdf, &len) != TK_OK)
		return cli_fail();
	if ((r = cli_open(dir, &inst, &c)) != 0) {
		free(pdf);
		return r;
	}
	buf_init(&tail, MAX_PDF_BYTES);
	buf_init(&whole, MAX_PDF_BYTES);
	if (ltv_extend(&c, pdf, len, 1, &tail, &rep) != TK_OK || buf_append(&whole, pdf, len) != TK_OK ||
	    buf_append(&whole, tail.p, tail.len) != TK_OK) {
		r = cli_fail();
	} else if ((r = cli_output(outp, whole.p, whole.len)) == 0) {
		/* The report goes to stderr when the PDF itself goes to stdout. */
		FILE *rep_out = strcmp(outp, "-") == 0 ? stderr : stdout;
		fprintf(rep_out, "%zu signature(s) preserved: %zu certificates, %zu CRLs, %zu OCSP responses; document timestamp added\n", rep.signatures,
		    rep.certs, rep.crls, rep.ocsps);
		if (rep.missing > 0)
			fprintf(rep_out, "warning: %zu certificate(s) without revocation data (%s)\n", rep.missing, rep.missing_what);
	}
	buf_free(&tail);
	buf_free(&whole);
	free(pdf);
	cli_close(inst, &c);
	return r;
}

/* teken ca chain|issue|show|revoke|crl */
#include "cli/cli.h"
#include "svc/base/base.h"
#include "svc/ca/ca.h"
#include "x509/x509.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int ca_chain(int argc, char **argv)
{
	const char *dir = NULL;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { NULL, 0, NULL, NULL, 0 } };
	struct instance *inst;
	struct svc_ctx c;
	struct buf pem;
	int r;

	if ((r = cli_parse("ca chain", argc, argv, opts)) != 0 || (r = cli_open(dir, &inst, &c)) != 0)
		return r;
	buf_init(&pem, 1 << 20);
	r = ca_chain_pem(&c, &pem) == TK_OK ? cli_output(NULL, pem.p, pem.len) : cli_fail();
	buf_free(&pem);
	cli_close(inst, &c);
	return r;
}

static int ca_issue_cmd(int argc, char **argv)
{
	const char *dir = NULL, *csr = NULL, *profile = NULL, *subject = NULL, *nik = NULL, *outp = NULL;
	struct cli_opt opts[] = {
		{ "dir", 1, &dir, NULL, 1 },
		{ "csr", 1, &csr, NULL, 1 },
		{ "profile", 1, &profile, NULL, 1 },
		{ "subject", 1, &subject, NULL, 0 },
		{ "subject-nik", 1, &nik, NULL, 0 },
		{ "o", 1, &outp, NULL, 0 },
		{ NULL, 0, NULL, NULL, 0 },
	};
	struct ca_issue_in in = { 0 };
	struct ca_issue_out out;
	struct instance *inst;
	struct svc_ctx c;
	uint8_t *csrbuf = NULL;
	size_t csrlen = 0;
	int r;

	if ((r = cli_parse("ca issue", argc, argv, opts)) != 0)
		return r;
	if (file_read(csr, MAX_CSR_BYTES, &csrbuf, &csrlen) != TK_OK)
		return cli_fail();
	if ((r = cli_open(dir, &inst, &c)) != 0) {
		free(csrbuf);
		return r;
	}
	in.csr = csrbuf;
	in.csr_len = csrlen;
	in.profile = profile;
	in.subject = subject;
	in.subject_nik = nik;
	if (ca_issue(&c, &in, &out) != TK_OK) {
		r = cli_fail();
	} else {
		struct buf pem;
		buf_init(&pem, 1 << 16);
		if (x509_der_to_pem("CERTIFICATE", out.der.p, out.der.len, &pem) != TK_OK)
			r = cli_fail();
		else
			r = cli_output(outp, pem.p, pem.len);
		if (r == 0 && outp != NULL)
			fprintf(stderr, "issued certificate serial %s\n", out.serial);
		buf_free(&pem);
		buf_free(&out.der);
	}
	free(csrbuf);
	cli_close(inst, &c);
	return r;
}

static int ca_show(int argc, char **argv)
{
	const char *dir = NULL, *serial = NULL;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { "serial", 1, &serial, NULL, 1 }, { NULL, 0, NULL, NULL, 0 } };
	struct instance *inst;
	struct svc_ctx c;
	struct buf pem;
	int r;

	if ((r = cli_parse("ca show", argc, argv, opts)) != 0 || (r = cli_open(dir, &inst, &c)) != 0)
		return r;
	buf_init(&pem, 1 << 16);
	r = ca_cert_pem(&c, serial, &pem) == TK_OK ? cli_output(NULL, pem.p, pem.len) : cli_fail();
	buf_free(&pem);
	cli_close(inst, &c);
	return r;
}

static int ca_revoke_cmd(int argc, char **argv)
{
	const char *dir = NULL, *serial = NULL, *reason = NULL;
	struct cli_opt opts[] = {
		{ "dir", 1, &dir, NULL, 1 },
		{ "serial", 1, &serial, NULL, 1 },
		{ "reason", 1, &reason, NULL, 1 },
		{ NULL, 0, NULL, NULL, 0 },
	};
	struct instance *inst;
	struct svc_ctx c;
	int r;

	if ((r = cli_parse("ca revoke", argc, argv, opts)) != 0 || (r = cli_open(dir, &inst, &c)) != 0)
		return r;
	r = ca_revoke(&c, serial, reason) == TK_OK ? 0 : cli_fail();
	if (r == 0)
		printf("revoked %s (%s)\n", serial, reason);
	cli_close(inst, &c);
	return r;
}

static int ca_crl_cmd(int argc, char **argv)
{
	const char *dir = NULL, *ca = "issuing", *outp = NULL;
	int pem = 0;
	struct cli_opt opts[] = {
		{ "dir", 1, &dir, NULL, 1 },
		{ "ca", 1, &ca, NULL, 0 },
		{ "o", 1, &outp, NULL, 0 },
		{ "pem", 0, NULL, &pem, 0 },
		{ NULL, 0, NULL, NULL, 0 },
	};
	struct instance *inst;
	struct svc_ctx c;
	struct buf der;
	int r;

	if ((r = cli_parse("ca crl", argc, argv, opts)) != 0 || (r = cli_open(dir, &inst, &c)) != 0)
		return r;
	buf_init(&der, (size_t)1 << 31);
	if (ca_crl(&c, ca, &der) != TK_OK) {
		r = cli_fail();
	} else if (pem) {
		struct buf p;
		buf_init(&p, (size_t)1 << 31);
		r = x509_der_to_pem("X509 CRL", der.p, der.len, &p) == TK_OK ? cli_output(outp, p.p, p.len) : cli_fail();
		buf_free(&p);
	} else {
		r = cli_output(outp, der.p, der.len);
	}
	buf_free(&der);
	cli_close(inst, &c);
	return r;
}

int cmd_ca(int argc, char **argv)
{
	if (argc < 1)
		return cli_usage_error("ca", "expected chain, issue, show, revoke or crl");
	if (strcmp(argv[0], "chain") == 0)
		return ca_chain(argc - 1, argv + 1);
	if (strcmp(argv[0], "issue") == 0)
		return ca_issue_cmd(argc - 1, argv + 1);
	if (strcmp(argv[0], "show") == 0)
		return ca_show(argc - 1, argv + 1);
	if (strcmp(argv[0], "revoke") == 0)
		return ca_revoke_cmd(argc - 1, argv + 1);
	if (strcmp(argv[0], "crl") == 0)
		return ca_crl_cmd(argc - 1, argv + 1);
	return cli_usage_error("ca", "unknown subcommand '%s'", argv[0]);
}

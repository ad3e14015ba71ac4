/*
 * teken bench issue: issuance throughput in-process, beside the raw
 * signature rate of the same issuing key measured in the same run.
 * Prints; asserts nothing (targets live in bench/issue.sh).
 */
#include "cli/cli.h"
#include "svc/base/base.h"
#include "svc/ca/ca.h"
#include "svc/sign/sign.h"
#include "x509/x509.h"
#include "pades/pades.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A CSR for "CN=bench <i>" signed by pk, as DER appended to out. */
static enum tk_err make_csr(EVP_PKEY *pk, size_t i, struct buf *out)
{
	X509_REQ *req = X509_REQ_new();
	X509_NAME *n = X509_NAME_new();
	char cn[64];
	unsigned char *der = NULL;
	int len;
	enum tk_err rc = TK_ERR_CRYPTO;

	if (req == NULL || n == NULL || str_fmt(cn, sizeof(cn), "bench %zu", i) != TK_OK ||
	    !X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0) ||
	    !X509_REQ_set_subject_name(req, n) || !X509_REQ_set_pubkey(req, pk) || X509_REQ_sign(req, pk, EVP_sha256()) <= 0 ||
	    (len = i2d_X509_REQ(req, &der)) <= 0) {
		rc = tk_fail_ossl("bench: CSR");
		goto out;
	}
	rc = buf_append(out, der, (size_t)len);
out:
	OPENSSL_free(der);
	X509_NAME_free(n);
	X509_REQ_free(req);
	return rc;
}

static int bench_issue(int argc, char **argv)
{
	const char *dir = NULL, *nstr = "200";
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { "n", 1, &nstr, NULL, 0 }, { NULL, 0, NULL, NULL, 0 } };
	struct instance *inst;
	struct svc_ctx c;
	struct buf *csrs = NULL;
	struct key *k = NULL;
	X509 *cacert = NULL;
	EVP_PKEY *pk = NULL;
	uint64_t n = 0;
	size_t i;
	double t0, t_issue, t_sign;
	int r;

	if ((r = cli_parse("bench issue", argc, argv, opts)) != 0)
		return r;
	if (parse_u64_str(nstr, 1000000, &n) != TK_OK || n == 0)
		return cli_usage_error("bench issue", "-n must be 1..1000000");
	if ((r = cli_open(dir, &inst, &c)) != 0)
		return r;
	csrs = calloc(n, sizeof(*csrs));
	if (csrs == NULL || key_generate("ec-p256", &pk) != TK_OK) {
		r = cli_fail();
		goto out;
	}
	for (i = 0; i < n; i++) {
		buf_init(&csrs[i], MAX_CSR_BYTES);
		if (make_csr(pk, i, &csrs[i]) != TK_OK) {
			r = cli_fail();
			goto out;
		}
	}
	/* Raw limit: the issuing key signing a certificate-sized message. */
	if (ca_load(&c, "issuing", NULL, &cacert, &k) != TK_OK) {
		r = cli_fail();
		goto out;
	}
	t0 = now_s();
	for (i = 0; i < n; i++) {
		struct buf sig;
		uint8_t tbs[1200];
		memset(tbs, (int)i, sizeof(tbs));
		buf_init(&sig, 8192);
		if (key_sign(k, EVP_get_digestbyname(instance_digest(inst)), 0, tbs, sizeof(tbs), &sig) != TK_OK) {
			buf_free(&sig);
			r = cli_fail();
			goto out;
		}
		buf_free(&sig);
	}
	t_sign = now_s() - t0;
	t0 = now_s();
	for (i = 0; i < n; i++) {
		struct ca_issue_in in = { 0 };
		struct ca_issue_out o;
		in.csr = csrs[i].p;
		in.csr_len = csrs[i].len;
		in.profile = "individual";
		if (ca_issue(&c, &in, &o) != TK_OK) {
			r = cli_fail();
			goto out;
		}
		buf_free(&o.der);
	}
	t_issue = now_s() - t0;
	printf("{\"n\":%llu,\"issue_per_s\":%.1f,\"raw_sign_per_s\":%.1f,\"ratio\":%.3f}\n", (unsigned long long)n,
	    (double)n / t_issue, (double)n / t_sign, t_sign / t_issue);
	r = 0;
out:
	if (csrs != NULL)
		for (i = 0; i < n; i++)
			buf_free(&csrs[i]);
	free(csrs);
	EVP_PKEY_free(pk);
	X509_free(cacert);
	key_free(k);
	cli_close(inst, &c);
	return r;
}

/*
 * teken bench sign: PAdES signatures per second with the seal key on one
 * PDF, in-process, without the registry write (pure signing path), beside
 * the raw signature rate of the same key.
 */
static int bench_sign(int argc, char **argv)
{
	const char *dir = NULL, *nstr = "200", *inp = NULL;
	struct cli_opt opts[] = {
		{ "dir", 1, &dir, NULL, 1 },
		{ "n", 1, &nstr, NULL, 0 },
		{ "in", 1, &inp, NULL, 1 },
		{ NULL, 0, NULL, NULL, 0 },
	};
	struct instance *inst;
	struct svc_ctx c;
	struct key *k = NULL;
	X509 *issuing = NULL, *cert = NULL;
	struct pades_opts po;
	uint8_t *pdf = NULL;
	size_t len = 0, pages = 0;
	uint64_t n = 0;
	size_t i;
	double t0, t_sign, t_raw;
	int r;

	if ((r = cli_parse("bench sign", argc, argv, opts)) != 0)
		return r;
	if (parse_u64_str(nstr, 1000000, &n) != TK_OK || n == 0)
		return cli_usage_error("bench sign", "-n must be 1..1000000");
	if (file_read(inp, MAX_PDF_BYTES, &pdf, &len) != TK_OK)
		return cli_fail();
	if ((r = cli_open(dir, &inst, &c)) != 0) {
		free(pdf);
		return r;
	}
	if (svc_key_load(&c, "seal", &k) != TK_OK || ca_load(&c, "issuing", NULL, &issuing, NULL) != TK_OK ||
	    ca_cert_by_meta(&c, "cert.seal", &cert) != TK_OK) {
		r = cli_fail();
		goto out;
	}
	memset(&po, 0, sizeof(po));
	po.key = k;
	po.cert = cert;
	po.chain = &issuing;
	po.nchain = 1;
	po.md = CMS_MD_SHA256;
	po.statement = sign_statement(inst);
	po.signer_name = "bench";
	t0 = now_s();
	for (i = 0; i < n; i++) {
		struct buf tail;
		buf_init(&tail, MAX_PDF_BYTES);
		if (pades_sign(pdf, len, &po, &tail, &pages) != TK_OK) {
			buf_free(&tail);
			r = cli_fail();
			goto out;
		}
		buf_free(&tail);
	}
	t_sign = now_s() - t0;
	t0 = now_s();
	for (i = 0; i < n; i++) {
		struct buf sig;
		uint8_t tbs[200];
		memset(tbs, (int)i, sizeof(tbs));
		buf_init(&sig, 8192);
		if (key_sign(k, EVP_sha256(), 0, tbs, sizeof(tbs), &sig) != TK_OK) {
			buf_free(&sig);
			r = cli_fail();
			goto out;
		}
		buf_free(&sig);
	}
	t_raw = now_s() - t0;
	printf("{\"n\":%llu,\"bytes\":%zu,\"sign_per_s\":%.1f,\"raw_sign_per_s\":%.1f,\"ratio\":%.3f,\"mb_per_s\":%.1f}\n",
	    (unsigned long long)n, len, (double)n / t_sign, (double)n / t_raw, t_raw / t_sign, (double)len * (double)n / t_sign / 1e6);
	r = 0;
out:
	free(pdf);
	X509_free(issuing);
	X509_free(cert);
	key_free(k);
	cli_close(inst, &c);
	return r;
}

int cmd_bench(int argc, char **argv)
{
	static const struct cli_sub subs[] = {
		{ "issue", bench_issue },
		{ "sign", bench_sign },
		{ NULL, NULL },
	};

	return cli_dispatch("bench", argc, argv, subs, "issue or sign");
}

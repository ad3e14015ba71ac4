/*
 * teken bench issue: issuance throughput in-process, beside the raw
 * signature rate of the same issuing key measured in the same run.
 * Prints; asserts nothing (targets live in bench/issue.sh).
 */
#include "cli/cli.h"
#include "svc/svc.h"
#include "x509/x509.h"

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
	struct cli_opt opts[] = {{"dir", 1, &dir, NULL, 1}, {"n", 1, &nstr, NULL, 0}, {NULL, 0, NULL, NULL, 0}};
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
		if (key_sign(k, EVP_get_digestbyname(inst->digest), 0, tbs, sizeof(tbs), &sig) != TK_OK) {
			buf_free(&sig);
			r = cli_fail();
			goto out;
		}
		buf_free(&sig);
	}
	t_sign = now_s() - t0;
	t0 = now_s();
	for (i = 0; i < n; i++) {
		struct ca_issue_in in = {0};
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

int cmd_bench(int argc, char **argv)
{
	if (argc >= 1 && strcmp(argv[0], "issue") == 0)
		return bench_issue(argc - 1, argv + 1);
	return cli_usage_error("bench", "expected issue");
}

/* teken subscriber list, teken request list|show|approve|reject, teken activate: the RA without the web UI. */
#include "cli/cli.h"
#include "svc/auth/auth.h"
#include "svc/base/base.h"
#include "svc/notify/notify.h"
#include "svc/ra/ra.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int subscriber_list(int argc, char **argv)
{
	const char *dir = NULL;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { NULL, 0, NULL, NULL, 0 } };
	struct instance *inst;
	struct svc_ctx c;
	char *txt = NULL;
	int r;

	if ((r = cli_parse("subscriber list", argc, argv, opts)) != 0 || (r = cli_open(dir, &inst, &c)) != 0)
		return r;
	r = cli_print_text(ra_subscribers_json(&c, &txt), &txt);
	cli_close(inst, &c);
	return r;
}

int cmd_subscriber(int argc, char **argv)
{
	static const struct cli_sub subs[] = {
		{ "list", subscriber_list },
		{ NULL, NULL },
	};

	return cli_dispatch("subscriber", argc, argv, subs, "list");
}

static int request_list(int argc, char **argv)
{
	const char *dir = NULL, *status = NULL;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { "status", 1, &status, NULL, 0 }, { NULL, 0, NULL, NULL, 0 } };
	struct instance *inst;
	struct svc_ctx c;
	char *txt = NULL;
	int r;

	if ((r = cli_parse("request list", argc, argv, opts)) != 0 || (r = cli_open(dir, &inst, &c)) != 0)
		return r;
	r = cli_print_text(ra_requests_json(&c, status, &txt), &txt);
	cli_close(inst, &c);
	return r;
}

static int request_show(int argc, char **argv)
{
	const char *dir = NULL, *ids = NULL;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { "id", 1, &ids, NULL, 1 }, { NULL, 0, NULL, NULL, 0 } };
	struct instance *inst;
	struct svc_ctx c;
	char *txt = NULL;
	uint64_t id;
	int r;

	if ((r = cli_parse("request show", argc, argv, opts)) != 0)
		return r;
	if (parse_u64_str(ids, INT64_MAX, &id) != TK_OK)
		return cli_usage_error("request show", "--id must be a number");
	if ((r = cli_open(dir, &inst, &c)) != 0)
		return r;
	r = cli_print_text(ra_request_json(&c, (int64_t)id, &txt), &txt);
	cli_close(inst, &c);
	return r;
}

/* Decisions need a Verifikator's own credentials even on the console (ra_decide refuses anyone else). */
static int request_approve(int argc, char **argv) { return cli_decide("request approve", argc, argv, 1, ra_decide); }
static int request_reject(int argc, char **argv) { return cli_decide("request reject", argc, argv, 0, ra_decide); }

int cmd_request(int argc, char **argv)
{
	static const struct cli_sub subs[] = {
		{ "list", request_list },
		{ "show", request_show },
		{ "approve", request_approve },
		{ "reject", request_reject },
		{ NULL, NULL },
	};

	return cli_dispatch("request", argc, argv, subs, "list, show, approve or reject");
}

/*
 * teken activate: the official's own first-login activation on the console.
 * Like the web form, it needs the official's login password (auth_login),
 * then their new passphrase or their own CSR; the operator's access to the
 * instance is not enough (sole control of the signing key). With both
 * secrets on standard input ("-"), the password is the first line and the
 * passphrase the second.
 */
int cmd_activate(int argc, char **argv)
{
	const char *dir = NULL, *as = NULL, *pwfile = NULL, *ppfile = NULL, *csrfile = NULL;
	struct cli_opt opts[] = {
		{ "dir", 1, &dir, NULL, 1 },
		{ "as", 1, &as, NULL, 1 },
		{ "password-file", 1, &pwfile, NULL, 1 },
		{ "passphrase-file", 1, &ppfile, NULL, 0 },
		{ "csr", 1, &csrfile, NULL, 0 },
		{ NULL, 0, NULL, NULL, 0 },
	};
	struct instance *inst = NULL;
	struct svc_ctx c;
	char pw[300], pp[300], *txt = NULL;
	uint8_t *csr = NULL;
	size_t csr_len = 0;
	int r;

	memset(pw, 0, sizeof(pw));
	memset(pp, 0, sizeof(pp));
	if ((r = cli_parse("activate", argc, argv, opts)) != 0)
		return r;
	if ((ppfile == NULL) == (csrfile == NULL))
		return cli_usage_error("activate", "give --passphrase-file or --csr");
	if (cli_read_secret(pwfile, pw, sizeof(pw)) != TK_OK || (ppfile != NULL && cli_read_secret(ppfile, pp, sizeof(pp)) != TK_OK) ||
	    (csrfile != NULL && file_read(csrfile, MAX_CSR_BYTES, &csr, &csr_len) != TK_OK)) {
		r = cli_fail();
		goto wipe;
	}
	if ((r = cli_open_as(dir, as, pw, &inst, &c)) != 0)
		goto wipe;
	if (ra_activate(&c, ppfile != NULL ? pp : NULL, csr, csr_len, &txt) != TK_OK) {
		r = cli_fail();
		goto out;
	}
	printf("%s\n", txt);
	r = 0;
out:
	cli_close(inst, &c);
wipe:
	OPENSSL_cleanse(pw, sizeof(pw));
	OPENSSL_cleanse(pp, sizeof(pp));
	free(txt);
	free(csr);
	return r;
}

/* teken notify send|reminders: deliver the outbox, queue expiry reminders. */
int cmd_notify(int argc, char **argv)
{
	const char *dir = NULL;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { NULL, 0, NULL, NULL, 0 } };
	struct instance *inst;
	struct svc_ctx c;
	int r, sent = 0, failed = 0, queued = 0;

	if (argc < 1 || (strcmp(argv[0], "send") != 0 && strcmp(argv[0], "reminders") != 0))
		return cli_usage_error("notify", "expected send or reminders");
	if ((r = cli_parse("notify", argc - 1, argv + 1, opts)) != 0 || (r = cli_open(dir, &inst, &c)) != 0)
		return r;
	if (strcmp(argv[0], "send") == 0) {
		r = notify_deliver(&c, &sent, &failed) == TK_OK ? 0 : cli_fail();
		if (r == 0)
			printf("sent %d, failed %d\n", sent, failed);
		if (r == 0 && failed > 0)
			r = 1;
	} else {
		r = notify_expiry_reminders(&c, &queued) == TK_OK ? 0 : cli_fail();
		if (r == 0)
			printf("queued %d reminders\n", queued);
	}
	cli_close(inst, &c);
	return r;
}

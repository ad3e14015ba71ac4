/* teken audit verify|checkpoint|export-heads|verify-heads|search */
#include "cli/cli.h"
#include "svc/audit/audit.h"
#include "svc/base/base.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int audit_verify_cmd(int argc, char **argv)
{
	const char *dir = NULL;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { NULL, 0, NULL, NULL, 0 } };
	struct instance *inst;
	struct svc_ctx c;
	struct audit_report rep;
	int r;

	if ((r = cli_parse("audit verify", argc, argv, opts)) != 0 || (r = cli_open(dir, &inst, &c)) != 0)
		return r;
	if (audit_verify(&c, &rep) != TK_OK) {
		r = cli_fail();
	} else if (rep.first_bad_seq != 0) {
		tk_fail_code(TK_ERR_CRYPTO, "audit_broken", "audit log damaged at %s", rep.problem);
		r = cli_fail();
	} else {
		printf("audit log intact: %lld events, %lld signed checkpoints\n", (long long)rep.events,
		    (long long)rep.checkpoints);
		if (rep.audit_cert_sha256[0] != '\0')
			printf("audit certificate sha256 %s\n", rep.audit_cert_sha256);
		/* A missed cadence is worth a look, but nothing was found altered. */
		if (rep.warning[0] != '\0')
			fprintf(stderr, "teken: warning: %s\n", rep.warning);
		r = 0;
	}
	cli_close(inst, &c);
	return r;
}

static int audit_checkpoint_cmd(int argc, char **argv)
{
	const char *dir = NULL;
	int if_due = 0;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { "if-due", 0, NULL, &if_due, 0 }, { NULL, 0, NULL, NULL, 0 } };
	struct instance *inst;
	struct svc_ctx c;
	int64_t seq = 0;
	int r;

	if ((r = cli_parse("audit checkpoint", argc, argv, opts)) != 0 || (r = cli_open(dir, &inst, &c)) != 0)
		return r;
	/* --if-due: what the jobs loop of teken serve does each minute, for cron without a server. */
	if (if_due)
		r = audit_checkpoint_due(&c, tk_now(), &seq) == TK_OK ? 0 : cli_fail();
	else
		r = audit_checkpoint(&c, &seq) == TK_OK ? 0 : cli_fail();
	if (r == 0 && seq > 0)
		printf("signed checkpoint at event %lld\n", (long long)seq);
	else if (r == 0)
		printf("no checkpoint due\n");
	cli_close(inst, &c);
	return r;
}

static int audit_export_heads_cmd(int argc, char **argv)
{
	const char *dir = NULL, *outp = NULL, *since_s = NULL;
	struct cli_opt opts[] = {
		{ "dir", 1, &dir, NULL, 1 },
		{ "o", 1, &outp, NULL, 1 },
		{ "since", 1, &since_s, NULL, 0 },
		{ NULL, 0, NULL, NULL, 0 },
	};
	struct instance *inst;
	struct svc_ctx c;
	struct buf doc;
	uint64_t since = 1;
	int r;

	if ((r = cli_parse("audit export-heads", argc, argv, opts)) != 0)
		return r;
	if (since_s != NULL && (parse_u64_str(since_s, INT64_MAX, &since) != TK_OK || since == 0))
		return cli_usage_error("audit export-heads", "--since takes a checkpoint number (1 or more)");
	if ((r = cli_open(dir, &inst, &c)) != 0)
		return r;
	buf_init(&doc, AUDIT_MAX_HEADS_BYTES);
	r = audit_export_heads(&c, (int64_t)since, &doc) == TK_OK ? cli_output(outp, doc.p, doc.len) : cli_fail();
	if (r == 0 && strcmp(outp, "-") != 0)
		printf("exported the checkpoint heads from number %llu to %s\n", (unsigned long long)since, outp);
	buf_free(&doc);
	cli_close(inst, &c);
	return r;
}

static int audit_verify_heads_cmd(int argc, char **argv)
{
	const char *dir = NULL, *inp = NULL;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { "i", 1, &inp, NULL, 1 }, { NULL, 0, NULL, NULL, 0 } };
	struct instance *inst;
	struct svc_ctx c;
	struct audit_heads_report rep;
	uint8_t *doc = NULL;
	size_t len = 0;
	int r;

	if ((r = cli_parse("audit verify-heads", argc, argv, opts)) != 0)
		return r;
	if (file_read(inp, AUDIT_MAX_HEADS_BYTES, &doc, &len) != TK_OK)
		return cli_fail();
	if ((r = cli_open(dir, &inst, &c)) != 0) {
		free(doc);
		return r;
	}
	if (audit_verify_heads(&c, doc, len, &rep) != TK_OK) {
		r = cli_fail();
	} else if (rep.problem[0] != '\0') {
		tk_fail_code(TK_ERR_CRYPTO, "audit_heads_mismatch", "audit heads do not match the store: %s", rep.problem);
		r = cli_fail();
	} else {
		printf("audit heads match the store: %lld checkpoints (%lld to %lld), timestamped %s\n", (long long)rep.heads,
		    (long long)rep.first, (long long)rep.last, rep.token_time[0] ? rep.token_time : "(no time)");
		r = 0;
	}
	free(doc);
	cli_close(inst, &c);
	return r;
}

/* The audit browser from the machine (docs/audit-browser.md): one page as JSON, or every match as CSV. */
static int audit_search_cmd(int argc, char **argv)
{
	const char *dir = NULL, *outp = NULL, *fmt = NULL;
	struct audit_query q;
	struct cli_opt opts[] = {
		{ "dir", 1, &dir, NULL, 1 },
		{ "from", 1, &q.from, NULL, 0 },
		{ "to", 1, &q.to, NULL, 0 },
		{ "actor", 1, &q.actor, NULL, 0 },
		{ "action", 1, &q.action, NULL, 0 },
		{ "object", 1, &q.object, NULL, 0 },
		{ "object-type", 1, &q.object_type, NULL, 0 },
		{ "outcome", 1, &q.outcome, NULL, 0 },
		{ "limit", 1, &q.limit, NULL, 0 },
		{ "cursor", 1, &q.cursor, NULL, 0 },
		{ "chain", 1, &q.chain, NULL, 0 },
		{ "format", 1, &fmt, NULL, 0 },
		{ "o", 1, &outp, NULL, 0 },
		{ NULL, 0, NULL, NULL, 0 },
	};
	struct instance *inst;
	struct svc_ctx c;
	struct buf out;
	json_t *j = NULL;
	char *txt = NULL;
	int r, csv;

	memset(&q, 0, sizeof(q));
	if ((r = cli_parse("audit search", argc, argv, opts)) != 0)
		return r;
	if (fmt != NULL && strcmp(fmt, "json") != 0 && strcmp(fmt, "csv") != 0)
		return cli_usage_error("audit search", "--format takes json or csv");
	csv = fmt != NULL && strcmp(fmt, "csv") == 0;
	if ((r = cli_open(dir, &inst, &c)) != 0)
		return r;
	buf_init(&out, AUDIT_EXPORT_MAX_BYTES);
	if (csv) {
		r = audit_search_csv(&c, &q, &out) == TK_OK ? cli_output(outp, out.p, out.len) : cli_fail();
	} else if (audit_search(&c, &q, &j) != TK_OK) {
		r = cli_fail();
	} else if ((txt = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS)) == NULL || buf_puts(&out, txt) != TK_OK ||
		   buf_putc(&out, '\n') != TK_OK) {
		tk_fail(TK_ERR_NOMEM, "audit search: out of memory");
		r = cli_fail();
	} else {
		r = cli_output(outp, out.p, out.len);
	}
	free(txt);
	json_decref(j);
	buf_free(&out);
	cli_close(inst, &c);
	return r;
}

int cmd_audit(int argc, char **argv)
{
	static const struct cli_sub subs[] = {
		{ "verify", audit_verify_cmd },
		{ "checkpoint", audit_checkpoint_cmd },
		{ "export-heads", audit_export_heads_cmd },
		{ "verify-heads", audit_verify_heads_cmd },
		{ "search", audit_search_cmd },
		{ NULL, NULL },
	};

	return cli_dispatch("audit", argc, argv, subs, "verify, checkpoint, export-heads, verify-heads or search");
}

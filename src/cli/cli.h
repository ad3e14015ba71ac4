/* cli: command-line front end. Each command parses options, calls one service function, prints. */
#ifndef TEKEN_CLI_H
#define TEKEN_CLI_H

#include "core/core.h"

#include <jansson.h>

/* One option of a command: --name VALUE (or --name=VALUE), or a flag. */
struct cli_opt {
	const char *name; /* without dashes; "o" also matches -o */
	int takes_value;
	const char **value; /* set when takes_value */
	int *flag;          /* set to 1 when given without value */
	int required;
};

/* Parses argv against opts; prints a usage error and returns non-zero on bad input. */
int cli_parse(const char *cmd, int argc, char **argv, struct cli_opt *opts);
/* Prints "teken: error: <last error>" on one line and returns the exit code 1. */
int cli_fail(void);
int cli_usage_error(const char *cmd, const char *fmt, ...) PRINTF_LIKE(2, 3);

/* One subcommand: "teken <cmd> <name> ...". A table ends with a NULL name. */
struct cli_sub {
	const char *name;
	int (*run)(int argc, char **argv);
};
/* Runs the subcommand argv[0] names with the rest of argv; otherwise a usage error "expected <expected>". */
int cli_dispatch(const char *cmd, int argc, char **argv, const struct cli_sub *subs, const char *expected);
/* Writes data to path (atomically) or to stdout when path is NULL or "-". */
int cli_output(const char *path, const void *p, size_t len);
/* Ends a command whose service call produced text: prints it (rc == TK_OK) or the
 * error, frees *text, and returns the exit code. */
int cli_print_text(enum tk_err rc, char **text);

struct instance;
struct svc_ctx;
/* Opens the instance in dir and a context acting as the local operator. */
int cli_open(const char *dir, struct instance **inst, struct svc_ctx *ctx);
/*
 * cli_open, then acts as the person user: logs in with their password (as
 * the web does, audited, throttled) and ends that session at once, so the
 * context's caller is that person. Decisions that need a person (approvals,
 * activation) are about people, not about who can read instance.key.
 * Returns 0, or an exit code with the error printed (nothing to close).
 */
int cli_open_as(const char *dir, const char *user, const char *password, struct instance **inst, struct svc_ctx *ctx);
/* cli_open_as(dir, as, <password from pwfile>) when as is given (pwfile then required), else cli_open(dir). */
int cli_open_opt_as(const char *dir, const char *as, const char *pwfile, struct instance **inst, struct svc_ctx *ctx);

/* A service decision on a numbered request: approve (1) or reject (0), optional reason, JSON out (caller frees). */
typedef enum tk_err (*cli_decide_fn)(struct svc_ctx *c, int64_t id, int approve, const char *reason, char **out);
/*
 * `<cmd> approve|reject --dir D --id N --as USER --password-file F [--reason R]`:
 * acts as that person (cli_open_as) and prints the request after fn. The
 * service decides whether that person may decide.
 */
int cli_decide(const char *cmd, int argc, char **argv, int approve, cli_decide_fn fn);
void cli_close(struct instance *inst, struct svc_ctx *ctx);
/* `<cmd> --dir D`: opens the instance as the operator, prints what one text-rendering service call returns. */
int cli_text_cmd(const char *cmd, int argc, char **argv, enum tk_err (*fn)(struct svc_ctx *c, char **out));
/* `<cmd> --dir D --id N`: opens the instance as the operator, prints what fn(c, N) returns. */
int cli_id_cmd(const char *cmd, int argc, char **argv, enum tk_err (*fn)(struct svc_ctx *c, int64_t id, char **out));
/* --<what> S as a positive number (the id of a record); 0, or a usage error naming the option. */
int cli_id_opt(const char *cmd, const char *what, const char *s, int64_t *out);
/* A JSON object read from path ("-": stdin), at most max bytes from a file, duplicate keys refused; 0, or a usage error. */

int cli_read_json_object(const char *cmd, const char *path, size_t max, json_t **out);
/* `<cmd> --dir D`: runs one reminder job as the operator and prints "queued N reminders". */
int cli_remind_cmd(const char *cmd, int argc, char **argv, enum tk_err (*fn)(struct svc_ctx *c, int *queued));

int cmd_agreement(int argc, char **argv);
int cmd_agreement_deadline(int argc, char **argv); /* cmd_calendar.c */
int cmd_agreement_holidays(int argc, char **argv); /* cmd_calendar.c */
int cmd_init(int argc, char **argv);
int cmd_ca(int argc, char **argv);
int cmd_cps(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_apikey(int argc, char **argv);
int cmd_ocsp(int argc, char **argv); /* cmd_trust.c */
int cmd_subscriber(int argc, char **argv);
int cmd_request(int argc, char **argv);
int cmd_activate(int argc, char **argv); /* cmd_ra.c */
int cmd_notify(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_documents(int argc, char **argv); /* cmd_documents.c */
int cmd_ltv(int argc, char **argv);
int cmd_backup(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_monev(int argc, char **argv);
int cmd_ticket(int argc, char **argv);
int cmd_assess(int argc, char **argv);
int cmd_reco(int argc, char **argv); /* cmd_policy.c */
int cmd_policy(int argc, char **argv);
int cmd_review(int argc, char **argv);
int cmd_event(int argc, char **argv);    /* cmd_event.c */
int cmd_literasi(int argc, char **argv); /* cmd_event.c */
int cmd_letter(int argc, char **argv);
int cmd_notice(int argc, char **argv);   /* cmd_notice.c */
int cmd_webhook(int argc, char **argv);  /* cmd_notice.c */
int cmd_settings(int argc, char **argv); /* cmd_settings.c */
int cmd_jobs(int argc, char **argv);     /* cmd_jobs.c */
/*
 * Maps a whole regular file read-only (1 byte to MAX_PDF_BYTES): documents
 * are hashed where they lie, never copied. Release with munmap.
 */
enum tk_err cli_map_file(const char *path, const uint8_t **p, size_t *len) WARN_UNUSED;

struct verify_report;
/* teken verify's exit code for a report: 0, 3, 4, 5 or 6 (docs/verification.md). */
int cli_verify_exit(const struct verify_report *r);
#define VERIFY_CLI_MAX_FILES 64u /* --trust / --crl values */
/*
 * Takes --trust, --crl and --in (each with one or more values) out of argv;
 * the rest goes to rest[0..*nrest) for cli_parse. ins needs argc slots.
 */
int cli_verify_lists(int argc, char **argv, char **rest, int *nrest, const char **trust, size_t *ntrust, const char **crls,
    size_t *ncrls, const char **ins, size_t *nins);

#define VERIFY_MANY_MAX_THREADS 64u
struct actor;
struct verify_svc_in;
/* Many documents in one run (cli/verify_many.c). */
struct verify_many_opts {
	struct instance *inst;     /* NULL: no instance */
	struct svc_ctx *ctx;       /* with inst: the command's context */
	const struct actor *actor; /* with inst: who verifies (each worker acts as this caller) */
	const char *const *trust, *const *crls;
	size_t ntrust, ncrls;
	int online;                       /* --revocation online */
	const struct verify_svc_in *base; /* validation time, budget, revocation policy for every file */
	size_t threads;                   /* 0: one per online CPU */
	int report_format;                /* 0: JSON lines only; VERIFY_SVC_HTML or VERIFY_SVC_PDF: also one report per file */
	const char *report_dir;           /* with report_format: an existing directory the reports go to */
};
/*
 * Verifies every file of inputs (PDF files, or directories walked for
 * *.pdf) and prints one JSON report per line in input order. Returns the
 * worst exit code over the files, 1 when one could not be read, or the
 * exit code of a usage or set-up error (printed).
 */
int verify_many(const char *const *inputs, size_t ninputs, const struct verify_many_opts *o);

/* Reads a secret: first line of a file, or of stdin when path is "-". */
enum tk_err cli_read_secret(const char *path, char *out, size_t sz) WARN_UNUSED;

#endif

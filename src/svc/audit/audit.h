/* svc/audit: the hash-chained audit log and its signed, continuous checkpoints. */
#ifndef TEKEN_SVC_AUDIT_H
#define TEKEN_SVC_AUDIT_H

#include "svc/base/base.h"

#include <jansson.h>

/* Largest heads file `teken audit verify-heads` reads (about 3 KB a checkpoint). */
#define AUDIT_MAX_HEADS_BYTES (256u * 1024u * 1024u)

/*
 * Extended key usage of the audit key's certificate. teken alone issues
 * it (no config profile carries it), and `teken audit verify` accepts a v2
 * checkpoint only from a certificate with it that chains to the issuing CA.
 * Under the same placeholder arc as the policy OIDs (docs/cps.md 1.2).
 */
#define AUDIT_EKU_OID "2.16.360.1.1.1.99.3"

/* ---- audit log (svc/audit/audit.c) ---- */

/*
 * Appends an event to the hash chain. Must run inside a write transaction
 * so the event commits or rolls back with the change it records.
 * details is a JSON object text (or NULL) and must hold no secret.
 * Every [audit] checkpoint_events-th event also gets a signed checkpoint in
 * the same transaction when the audit key exists (best effort: a failure
 * is logged and left to the jobs loop, never fails the caller).
 */
enum tk_err audit_append(struct svc_ctx *c, const char *action, const char *object, const char *details) WARN_UNUSED;

struct audit_report {
	int64_t events;
	int64_t checkpoints;
	int64_t first_bad_seq;        /* 0 when the chain is intact */
	int64_t first_bad_checkpoint; /* 0 when every checkpoint is intact */
	int64_t unanchored;           /* events after the last checkpoint */
	char audit_cert_sha256[65];   /* of the newest audit certificate, "" without one */
	char problem[256];
	char warning[256]; /* "" or why the cadence looks missed (not a failure) */
};
/*
 * Recomputes the chain and checks the signed checkpoints: consecutive
 * numbers, each linking to the one before, v2 ones signed by an audit
 * certificate of the issuing CA. r->first_bad_seq != 0 on damage; the
 * return value reports only failures to read.
 */
enum tk_err audit_verify(struct svc_ctx *c, struct audit_report *r) WARN_UNUSED;
/*
 * Signs a checkpoint of the current chain tip with the audit key (made
 * first on an instance that has none). *seq receives the event it covers.
 * Fails with code "checkpoint_exists" when the tip has one already.
 */
enum tk_err audit_checkpoint(struct svc_ctx *c, int64_t *seq) WARN_UNUSED;
/*
 * For the jobs loop: signs a checkpoint when events happened since the
 * last one and either [audit] checkpoint_seconds have passed or
 * checkpoint_events events have piled up. *seq is 0 when none was due.
 */
enum tk_err audit_checkpoint_due(struct svc_ctx *c, int64_t now, int64_t *seq) WARN_UNUSED;
/*
 * Makes the audit key and its certificate when the instance has none
 * (teken init, and the first checkpoint of an instance made before audit
 * keys existed): on the [hsm] token or in software like the other instance
 * keys, certified under the issuing CA, stored in one write transaction
 * with its audit events. Safe when several nodes race: one makes it, the
 * others find it. Must be called outside a transaction.
 */
enum tk_err audit_key_ensure(struct svc_ctx *c) WARN_UNUSED;

/*
 * Writes the checkpoint heads numbered since and later (0 or 1: all) as a
 * JSON document for the issuer to keep, with an RFC 3161 token over the
 * canonical JSON of the heads array (docs/security.md). Refuses a damaged
 * log. Appends the document to out.
 */
enum tk_err audit_export_heads(struct svc_ctx *c, int64_t since, struct buf *out) WARN_UNUSED;

struct audit_heads_report {
	int64_t heads;       /* heads in the file */
	int64_t first, last; /* their checkpoint numbers */
	int64_t first_bad;   /* 0 when every head matches the store */
	char token_time[32]; /* genTime of the token, ISO 8601 UTC */
	char problem[256];
};
/*
 * Checks a document from audit_export_heads() (untrusted bytes) against
 * the store: the log verifies, the token's imprint matches the heads, and
 * every head is still in the store unchanged. r->first_bad != 0 (or
 * r->problem set) on a mismatch; the token's signature is for the issuer
 * to check with its own copy of the TSA's chain.
 */
enum tk_err audit_verify_heads(struct svc_ctx *c, const uint8_t *doc, size_t len, struct audit_heads_report *r) WARN_UNUSED;

/* ---- audit browser (svc/audit/audit_query.c, docs/audit-browser.md) ---- */

#define AUDIT_SEARCH_DEFAULT_LIMIT 50
#define AUDIT_SEARCH_MAX_LIMIT 500
#define AUDIT_EXPORT_MAX_ROWS 100000u       /* CSV export cap */
#define AUDIT_EXPORT_MAX_BYTES (256u << 20) /* and its size cap */
#define AUDIT_FILTER_MAX 128                /* longest filter value */

/*
 * A search of the log. Every member is the caller's text as given (NULL or
 * "" when absent); the service checks them all, so the HTTP and CLI front
 * ends pass them through. from/to: Unix seconds, YYYY-MM-DD (to: the end
 * of that day) or YYYY-MM-DDTHH:MM:SSZ, both ends included. action: exact,
 * or a prefix with a trailing '*' ("cert.*"). object: exact. object_type:
 * the action's prefix before the dot ("cert", "request", "document", ...).
 * outcome: "ok" or "failed" (failed: the action names a refusal, it ends
 * in "_failed" or "_denied"). limit: 1 to AUDIT_SEARCH_MAX_LIMIT (default
 * AUDIT_SEARCH_DEFAULT_LIMIT). cursor: a next_cursor of an earlier answer.
 * chain: "no" leaves out the whole-chain status of the first page (it
 * reads the whole log: seconds on a log of millions of events).
 */
struct audit_query {
	const char *from, *to, *actor, *action, *object, *object_type, *outcome, *limit, *cursor, *chain;
};

/*
 * Newest events first that match q, for admins, auditors and the operator
 * (others: TK_ERR_DENIED; a bad filter: TK_ERR_INVALID, code "bad_filter").
 * *out (caller decrefs): {"rows": [{seq, ts, actor, role, action,
 * object_type, object, ip, details, link: "ok"|"broken"}], "limit",
 * "next_cursor" (string, null on the last page), and on the first page
 * (no cursor; unless q->chain is "no") "chain": {intact, events,
 * checkpoints, first_bad_seq, problem, warning, checkpoint: {num, seq, ts}
 * or null}, from audit_verify(). link is "ok" when the event's
 * hash recomputes from its fields and its prev_hash equals the hash of
 * event seq-1. Reading the log is not itself logged; exporting is.
 */
enum tk_err audit_search(struct svc_ctx *c, const struct audit_query *q, json_t **out) WARN_UNUSED;
/*
 * Every event matching q (limit and cursor ignored), newest first, up to
 * AUDIT_EXPORT_MAX_ROWS, as CSV (RFC 4180, header row, columns seq, ts,
 * actor, role, action, object_type, object, ip, details, link) appended to
 * out. Logs an audit.export event with the filter before it returns; more
 * matches than the cap fail with TK_ERR_LIMIT (code "export_too_large").
 */
enum tk_err audit_search_csv(struct svc_ctx *c, const struct audit_query *q, struct buf *out) WARN_UNUSED;

#endif

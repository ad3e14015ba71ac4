/*
 * svc/policy: the issuer's recommendations and the ministry's internal
 * policies (R5; PKS art. 4(1)d,f, 4(2)b; docs/policy.md).
 *
 *   - Recommendations (policy_reco.c): made by auditors (the issuer) from a
 *     review, an assessment, a monitoring-and-evaluation or its technical
 *     advice; owner, due date, severity; ministry admins move them
 *     open -> in_progress -> done with evidence files and a closing note;
 *     only an auditor sets accepted_risk (the issuer accepts the risk of
 *     not following its own recommendation). Overdue ones remind through
 *     the outbox once each (oversight_reminders_sent, kind 'reco.overdue').
 *   - Internal policies (policy.c): versioned documents. An admin drafts,
 *     auditors (and admins) comment, another admin approves (four eyes),
 *     an admin publishes; publishing supersedes the published version of
 *     that name. A signing policy names an application (API key name) and
 *     carries machine-readable rules that sign_document() enforces through
 *     policy_check_signing(). Any version not superseded may be withdrawn.
 * Every change runs in one write transaction with its audit event
 * (reco.*, policy.*).
 */
#ifndef TEKEN_SVC_POLICY_H
#define TEKEN_SVC_POLICY_H

#include "svc/base/base.h"

#include <jansson.h>

#define POLICY_MAX_TITLE 300u               /* bytes of a title, owner, name, application or source_ref */
#define POLICY_MAX_TEXT (16u * 1024u)       /* bytes of a body, a comment or a closing note */
#define POLICY_MAX_RULES (4u * 1024u)       /* bytes of a rules object (canonical JSON) */
#define POLICY_MAX_UNITS 32u                /* units in a signing rule */
#define POLICY_MAX_LIST 500u                /* rows in a list answer */
#define POLICY_MAX_COMMENTS 500u            /* comments on one policy version */
#define RECO_MAX_FILE (10u * 1024u * 1024u) /* one evidence file */
#define RECO_MAX_FILES 20u                  /* evidence files of one recommendation */
#define RECO_REMIND_BATCH 64u               /* overdue reminders queued per run (the rest on the next) */

/* ---- recommendations (policy_reco.c) ---- */

/*
 * Recommendations as a JSON array, newest first; status NULL or one of
 * open, in_progress, done, accepted_risk, or "overdue" (open or in
 * progress past due_on, WIB). Admins, auditors, the operator. Caller frees.
 */
enum tk_err reco_list(struct svc_ctx *c, const char *status, char **out) WARN_UNUSED;
/* One recommendation with its evidence files (metadata only). Caller frees. */
enum tk_err reco_get(struct svc_ctx *c, int64_t id, char **out) WARN_UNUSED;
/*
 * Records a recommendation from {source "review"|"assessment"|"advice"|
 * "monev", source_ref?, title, body, severity? (low|medium|high|critical,
 * default medium), owner, owner_email?, due_on "YYYY-MM-DD"}. Auditors
 * and the operator. *out: the new record. Caller frees.
 */
enum tk_err reco_create(struct svc_ctx *c, json_t *in, char **out) WARN_UNUSED;
/*
 * Moves a recommendation {status, closing_note?}: admins (and the
 * operator) open <-> in_progress -> done (done needs a closing note and at
 * least one evidence file); auditors (and the operator) -> accepted_risk
 * (with a closing note). done and accepted_risk are final. *out: the record.
 */
enum tk_err reco_set_status(struct svc_ctx *c, int64_t id, json_t *in, char **out) WARN_UNUSED;
/*
 * Adds an evidence file (at most RECO_MAX_FILE bytes, RECO_MAX_FILES per
 * recommendation) to an open or in-progress recommendation. Admins and the
 * operator. Does not take ownership of p. *out: the record.
 */
enum tk_err reco_file_add(struct svc_ctx *c, int64_t id, const char *filename, const char *mime, const uint8_t *p, size_t len,
    char **out) WARN_UNUSED;
/* An evidence file's bytes (appended to out), its name and media type. Admins, auditors, the operator; audited. */
enum tk_err reco_file_get(struct svc_ctx *c, int64_t id, int64_t file_id, struct buf *out, char filename[256], char mime[96]) WARN_UNUSED;
/*
 * For the jobs loop and `teken reco remind`: one reminder per overdue
 * recommendation to its owner's e-mail, else [monev] contacts; each at
 * most once (oversight_reminders_sent 'reco.overdue'), on any number of nodes.
 */
enum tk_err reco_reminders(struct svc_ctx *c, int *queued) WARN_UNUSED;
/*
 * The monitoring dashboard's "review_recommendations" open item:
 * {"available":true,"open","in_progress","overdue","overdue_list":[...]}.
 * No access check (the dashboard made it). *out: caller decrefs.
 */
enum tk_err reco_open_items(struct svc_ctx *c, int64_t now, json_t **out) WARN_UNUSED;

/* ---- internal policies (policy.c) ---- */

/* Policy versions as a JSON array (name, version, newest first), without bodies. Admins, auditors, the operator. */
enum tk_err policy_list(struct svc_ctx *c, char **out) WARN_UNUSED;
/* One version with its body, rules, comments and the other versions of its name. Caller frees. */
enum tk_err policy_get(struct svc_ctx *c, int64_t id, char **out) WARN_UNUSED;
/*
 * Drafts the next version of a policy {name, kind "signing"|"security"|
 * "other", title, body, application? (signing: required, an API key
 * name), rules? (signing: required, docs/policy.md "Signing rules"; other
 * kinds: none)}. Admins and the operator. *out: the new version.
 */
enum tk_err policy_draft(struct svc_ctx *c, json_t *in, char **out) WARN_UNUSED;
/* Changes members {title?, body?, application?, rules?} of a draft; TK_ERR_CONFLICT once approved. */
enum tk_err policy_update(struct svc_ctx *c, int64_t id, json_t *in, char **out) WARN_UNUSED;
/* Adds a comment {body} to a draft or approved version. Auditors, admins, the operator. */
enum tk_err policy_comment(struct svc_ctx *c, int64_t id, json_t *in, char **out) WARN_UNUSED;
/* draft -> approved by an admin who did not draft it (four eyes, code four_eyes). */
enum tk_err policy_approve(struct svc_ctx *c, int64_t id, char **out) WARN_UNUSED;
/* approved -> published; the published version of the same name becomes superseded. Admins, the operator. */
enum tk_err policy_publish(struct svc_ctx *c, int64_t id, char **out) WARN_UNUSED;
/*
 * draft, approved or published -> withdrawn: an abandoned draft (which
 * frees the name for a new draft) or a published version no longer in
 * force (its rules stop binding at once). Admins, the operator.
 */
enum tk_err policy_withdraw(struct svc_ctx *c, int64_t id, char **out) WARN_UNUSED;
/* The published signing policies naming the calling application (JSON array). Applications only. */
enum tk_err policy_mine(struct svc_ctx *c, char **out) WARN_UNUSED;

/* A signing request as the signing policy sees it. */
struct policy_sign_req {
	int cades;         /* CAdES (detached CMS) rather than PAdES */
	const char *level; /* "B-B", "B-T", "B-LT", "B-LTA" */
	int visible;       /* PAdES: a visible stamp */
	const char *unit;  /* the unit named in the request, NULL when none */
};

/*
 * For sign_document(), before any key is touched: when c->actor is an
 * application with published signing policies (application = its key
 * name), every one must admit the request; otherwise TK_ERR_DENIED with
 * code policy_level, policy_stamp, policy_kind or policy_unit and a
 * message naming the policy, its version and the rule. Callers that are
 * not applications, and applications without a published signing policy,
 * pass (docs/policy.md "Enforcement").
 */
enum tk_err policy_check_signing(struct svc_ctx *c, const struct policy_sign_req *r) WARN_UNUSED;
/*
 * Validates a signing rules object and returns its canonical JSON text
 * (members in a fixed order). Caller frees *out.
 */
enum tk_err policy_rules_canon(json_t *rules, char **out) WARN_UNUSED;

#endif

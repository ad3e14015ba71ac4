/*
 * svc/monev: monitoring and evaluation of the cooperation (R17, PKS art.
 * 12; docs/monev.md). The ministry (admins) and the issuer (BSSN/BSrE,
 * role auditor) evaluate the cooperation at least once a year:
 *   - a dashboard of live counts, signing volume and service health
 *     (monev_dashboard, built on svc/monitor's view of the store);
 *   - evaluation records: the meeting, its participants from both parties,
 *     summary, findings, minutes text and follow-up actions;
 *   - the minutes as a PDF teken renders and freezes, then signed by both
 *     parties in turn, each with its own tool, each upload an incremental
 *     update of the one before (draft -> frozen -> signed_by_first ->
 *     signed_by_both);
 *   - reminders through the outbox: eleven months after the last evaluation
 *     and for overdue follow-up actions, each once.
 * Every entry point admits admins and auditors (and the CLI operator);
 * every change commits with its audit event (monev.*).
 */
#ifndef TEKEN_SVC_MONEV_H
#define TEKEN_SVC_MONEV_H

#include "svc/base/base.h"

#include <jansson.h>

#define MONEV_MAX_TITLE 300u         /* bytes of a title, place, owner or participant field */
#define MONEV_MAX_TEXT (16u * 1024u) /* bytes of summary, findings, minutes, a description or a note (three fit in one JSON body, MAX_JSON_BODY) */
#define MONEV_MAX_PARTICIPANTS 64u
#define MONEV_MAX_ACTIONS 200u                 /* follow-up actions of one evaluation */
#define MONEV_MAX_LIST 500u                    /* evaluations in a list answer (newest first) */
#define MONEV_MAX_UPLOAD (64u * 1024u * 1024u) /* a signed minutes upload */
#define MONEV_REMIND_MONTHS 11                 /* months after the last evaluation before the reminder */
#define MONEV_EXPIRING_DAYS 30                 /* dashboard: certificates expiring within */
#define MONEV_VOLUME_DAYS 30                   /* dashboard: days of signing volume */
#define MONEV_EXPIRING_LIST 100u               /* dashboard: certificates listed (the count is exact) */

/*
 * The dashboard as JSON text (docs/monev.md "Dashboard"): counts, expiring
 * certificates, volume per WIB day, service health and open items. Admins,
 * auditors and the operator. Caller frees *out with free().
 */
enum tk_err monev_dashboard(struct svc_ctx *c, char **out) WARN_UNUSED;

/* Evaluations, newest held first (JSON array text, no minutes bytes). Caller frees. */
enum tk_err monev_list(struct svc_ctx *c, char **out) WARN_UNUSED;
/* One evaluation with its actions and signatures (JSON object text). Caller frees. */
enum tk_err monev_get(struct svc_ctx *c, int64_t id, char **out) WARN_UNUSED;
/*
 * Creates an evaluation from a JSON object {held_on "YYYY-MM-DD", title,
 * place, participants [{name, party "ministry"|"issuer", role}], summary,
 * findings, minutes?}; both parties must be among the participants.
 * *out: the new record as monev_get() shows it. Caller frees.
 */
enum tk_err monev_create(struct svc_ctx *c, json_t *in, char **out) WARN_UNUSED;
/* Changes the given members of a draft evaluation (the minutes are not frozen yet); TK_ERR_CONFLICT otherwise. */
enum tk_err monev_update(struct svc_ctx *c, int64_t id, json_t *in, char **out) WARN_UNUSED;
/* Adds a follow-up action {description, owner, owner_email?, due_on}. *out: the evaluation. */
enum tk_err monev_action_add(struct svc_ctx *c, int64_t id, json_t *in, char **out) WARN_UNUSED;
/* Changes an action {status?, closing_note?, due_on?}; done and cancelled need a closing note. *out: the evaluation. */
enum tk_err monev_action_update(struct svc_ctx *c, int64_t id, int64_t action_id, json_t *in, char **out) WARN_UNUSED;
/* Renders the minutes PDF from the draft record (svc/monev/monev_minutes.c), keeps it and its SHA-256: frozen. */
enum tk_err monev_minutes_freeze(struct svc_ctx *c, int64_t id, char **out) WARN_UNUSED;
/* The current minutes PDF: the second signed upload, else the first, else the frozen file. Appends to out. */
enum tk_err monev_minutes_pdf(struct svc_ctx *c, int64_t id, struct buf *out) WARN_UNUSED;
/*
 * A party's signed minutes: p[0..len) must begin with the current minutes
 * bytes (frozen, or the first signed upload), add to them, and hold exactly
 * one more signature (1 or 2 in all), every one TOTAL_PASSED under the
 * instance's verification policy (svc/verify) and the newest covering the
 * whole current file. Records signer, issuer, signing time and indication.
 * *out: the evaluation. Does not take ownership of p.
 */
enum tk_err monev_minutes_upload(struct svc_ctx *c, int64_t id, const uint8_t *p, size_t len, char **out) WARN_UNUSED;

/*
 * Shared with the other oversight domains (svc/assess, ...): WIB calendar
 * days (the [monev] contacts are read by svc/notify notify_contacts_load).
 */
/* Dates: svc/calendar (cal_wib_day, cal_day_str, cal_day_parse). */

/*
 * For the jobs loop and `teken monev remind`: queues the evaluation-due
 * reminder (eleven months since the last evaluation held, or since the
 * instance was made) to [monev] contacts, and one reminder per overdue
 * action to its owner's e-mail (else the contacts); each at most once
 * (notify_claim_once), on any number of nodes.
 */
enum tk_err monev_reminders(struct svc_ctx *c, int *queued) WARN_UNUSED;

#endif

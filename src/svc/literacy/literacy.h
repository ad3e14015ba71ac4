/*
 * svc/literacy: literacy, socialisation and training (R14; PKS art.
 * 4(1)h,i,k, 4(2)f, 3d-e; docs/literacy.md).
 *
 *   - Events: socialisation (sosialisasi), technical guidance (bimtek,
 *     bimbingan teknis) and media collaboration (media), with dates, place,
 *     organiser (first = the ministry, second = the issuer, joint), speakers
 *     of either party, audience (units, or the public), participants (from
 *     the subscriber register or free text), attendance and materials
 *     (svc/files, owner "events"). Admins (the ministry) and auditors (the
 *     issuer) record and read them; the organiser side changes them.
 *     Held events and their attended participants feed the usage report
 *     (training_events, training_participants; svc/report/usage.c).
 *   - The public /literasi page's text: versioned Indonesian and English
 *     bodies in a small Markdown subset (docs/literacy.md "Text format"),
 *     each save a new version; admins edit, everyone reads the current one.
 *   - The public list of upcoming public events (no participants).
 *
 * Every change commits in one write transaction with its audit event
 * (event.*, literasi.edit). JSON answers are text the caller frees.
 */
#ifndef TEKEN_SVC_LITERACY_H
#define TEKEN_SVC_LITERACY_H

#include "svc/base/base.h"

#include <jansson.h>

#define EVENT_MAX_TITLE 300u         /* bytes of a title, place, name, unit, position */
#define EVENT_MAX_TEXT (16u * 1024u) /* bytes of a description */
#define EVENT_MAX_SPEAKERS 32u
#define EVENT_MAX_AUDIENCE 64u               /* units named as the audience */
#define EVENT_MAX_PARTICIPANTS 1000u         /* per event */
#define EVENT_MAX_MATERIALS 50u              /* files per event */
#define EVENT_MAX_FILE (20u * 1024u * 1024u) /* one material */
#define EVENT_MAX_LIST 1000u                 /* events in one list answer */
#define EVENT_PUBLIC_PAST 20u                /* past public events on the public list */
#define LITERACY_MAX_TEXT (24u * 1024u)      /* bytes of one language's page text (both fit in MAX_JSON_BODY) */
#define LITERACY_MAX_VERSIONS 500u           /* versions in one list answer */

/* ---- events (admins, auditors and the CLI operator; others TK_ERR_DENIED) ---- */

/*
 * Events, the newest start first: {"events": [{id, kind, title, starts_on,
 * ends_on, place, online, organiser, is_public, status, participants,
 * attended, materials}]}; year > 0 keeps those starting in that year.
 */
enum tk_err event_list(struct svc_ctx *c, int year, char **out) WARN_UNUSED;
/* One event with speakers, audience, participants [{id, subscriber_id, user_id, name, unit, party, attended, ...}] and materials. */
enum tk_err event_get(struct svc_ctx *c, int64_t id, char **out) WARN_UNUSED;
/*
 * Records an event from {kind, title, description?, starts_on, ends_on?,
 * place?, online?, organiser, speakers? [{name, party, position?}],
 * audience? [unit...], is_public?}; status planned. The caller's side
 * (admin/operator first, auditor second) must be the organiser or the
 * event joint. *out: the event as event_get() shows it.
 */
enum tk_err event_create(struct svc_ctx *c, json_t *in, char **out) WARN_UNUSED;
/* Changes the given members of a planned or held event (not a cancelled one); organiser side only. */
enum tk_err event_update(struct svc_ctx *c, int64_t id, json_t *in, char **out) WARN_UNUSED;
/*
 * {status}: planned -> held (its start date has come, WIB), planned ->
 * cancelled, cancelled -> planned. Held is final (the usage report counts it).
 */
enum tk_err event_set_status(struct svc_ctx *c, int64_t id, json_t *in, char **out) WARN_UNUSED;
/*
 * Adds a participant: {subscriber_id} from the register (admins and the
 * operator: name and unit are copied now, party first) or free text
 * {name, unit?, party first|second|public}. Not on a cancelled event.
 */
enum tk_err event_participant_add(struct svc_ctx *c, int64_t id, json_t *in, char **out) WARN_UNUSED;
/* Removes a participant of a planned or held event. */
enum tk_err event_participant_remove(struct svc_ctx *c, int64_t id, int64_t pid, char **out) WARN_UNUSED;
/*
 * Marks attendance {participants: [{id, attended: bool}]} once the event
 * has started (WIB) and is not cancelled.
 */
enum tk_err event_attendance(struct svc_ctx *c, int64_t id, json_t *in, char **out) WARN_UNUSED;
/* Adds a material (PDF, PNG, JPEG or text/plain; files_check sniffs, at most EVENT_MAX_FILE). Does not take p. */
enum tk_err event_material_add(struct svc_ctx *c, int64_t id, const char *filename, const char *mime, const uint8_t *p, size_t len,
    char **out) WARN_UNUSED;
/*
 * One material's bytes (appended to data), name and type. Staff read any
 * event's; anyone else only a public, not cancelled event's (else
 * unknown_event / unknown_file, 404, whether or not it exists).
 */
enum tk_err event_material_get(struct svc_ctx *c, int64_t id, int64_t file_id, struct buf *data, char filename[201], char mime[32])
    WARN_UNUSED;

/*
 * The public list (anyone): {"upcoming": [...], "past": [...]} of public,
 * not cancelled events: upcoming (ending today or later, WIB) soonest
 * first, then the EVENT_PUBLIC_PAST latest past ones; with speakers and
 * materials (no added_by), never participants.
 */
enum tk_err events_public(struct svc_ctx *c, char **out) WARN_UNUSED;

/* ---- the /literasi page text ---- */

/*
 * The current page text (anyone): {"version", "body_id", "body_en",
 * "edited_at"}; version 0 with empty bodies and "builtin": true while no
 * version was saved (the page then shows its built-in text).
 */
enum tk_err literacy_get(struct svc_ctx *c, char **out) WARN_UNUSED;
/*
 * Saves a new version from {body_id?, body_en?} (admins and the operator):
 * a language left out keeps the current version's text. *out: as
 * literacy_get() with edited_by.
 */
enum tk_err literacy_set(struct svc_ctx *c, json_t *in, char **out) WARN_UNUSED;
/* Every version, newest first, with its bodies (admins and the operator). */
enum tk_err literacy_versions(struct svc_ctx *c, char **out) WARN_UNUSED;

#endif

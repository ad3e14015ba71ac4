/* Private to src/svc/monev: helpers shared by its files. */
#ifndef TEKEN_SVC_MONEV_INT_H
#define TEKEN_SVC_MONEV_INT_H

#include "svc/monev/monev.h"

#define MONEV_WIB_OFFSET (7 * 3600)

/* Admins, auditors (people) and the CLI operator; TK_ERR_DENIED otherwise. */
enum tk_err monev_allowed(const struct svc_ctx *c) WARN_UNUSED;
/* The WIB day number (days since 1970-01-01 in UTC+7) of a UTC time. */
int64_t monev_wib_day(int64_t t);
/* "YYYY-MM-DD" of a day number. */
void monev_day_str(int64_t day, char out[16]);
/* Parses a strict "YYYY-MM-DD" calendar date into its day number; what names the field in errors. */
enum tk_err monev_day_parse(const char *s, const char *what, int64_t *day) WARN_UNUSED;
/* The day number months calendar months after day (the day of month carried over, overflow rolls on). */
int64_t monev_add_months(int64_t day, int months);
/* The evaluation as JSON (record, participants, actions, signatures). Caller decrefs. */
enum tk_err monev_record_json(struct svc_ctx *c, int64_t id, json_t **out) WARN_UNUSED;
/* A plausible single e-mail address: one '@', a dot after it, nothing that could break a header. */
int monev_email_ok(const char *s);
/* Dumps j (stolen) into *out; caller frees. */
enum tk_err monev_dump(json_t *j, char **out) WARN_UNUSED;

#define MONEV_MAX_CONTACTS 16u

/* The addresses of [monev] contacts, who hear of reminders with no owner e-mail (also svc/policy's recommendations). */
struct monev_contacts {
	char addr[MONEV_MAX_CONTACTS][256];
	size_t n;
};

struct config;
/* Reads [monev] contacts (comma-separated); entries that are not e-mail addresses are logged and skipped. */
void monev_contacts_load(const struct config *cfg, struct monev_contacts *ct);

#endif

/*
 * Who is told about agreement-level deadlines ([monev] contacts) and the
 * once-only claim every reminder job takes before it queues mail, so that a
 * restart or a second node never sends the same reminder twice.
 */
#include "svc/notify/notify.h"

#include "svc/base/base_int.h"
#include "config/config.h"
#include "log/log.h"
#include "store/store.h"

#include <string.h>
#include <strings.h>

int notify_email_ok(const char *s)
{
	const char *at = strchr(s, '@');
	size_t dl;

	if (at == NULL || at == s || strchr(at + 1, '@') != NULL || strchr(at + 1, '.') == NULL || at[1] == '\0')
		return 0;
	/* The domain: labels separated by single dots, none empty. */
	dl = strlen(at + 1);
	if (at[1] == '.' || at[dl] == '.' || strstr(at + 1, "..") != NULL)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == '<' || *s == '>' || *s == ',' || *s == ';' || *s == '"' || *s == '\\' || *s == 0x7f)
			return 0;
	return 1;
}

void notify_contacts_load(const struct config *cfg, struct notify_contacts *ct)
{
	const char *p = config_get(cfg, "monev", "contacts");

	ct->n = 0;
	while (p != NULL && *p != '\0' && ct->n < NOTIFY_MAX_CONTACTS) {
		const char *e = strchr(p, ',');
		size_t len = e != NULL ? (size_t)(e - p) : strlen(p);
		while (len > 0 && (*p == ' ' || *p == '\t')) {
			p++;
			len--;
		}
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len > 0 && len < sizeof(ct->addr[0])) {
			memcpy(ct->addr[ct->n], p, len);
			ct->addr[ct->n][len] = '\0';
			if (notify_email_ok(ct->addr[ct->n]))
				ct->n++;
			else
				log_msg(LOG_WARN, "notify.contacts", "[monev] contacts: entry %zu is not an e-mail address; skipped", ct->n + 1);
		}
		p = e != NULL ? e + 1 : NULL;
	}
}

void notify_contacts_add(struct notify_contacts *ct, const char *addr)
{
	size_t i;

	if (addr == NULL || ct->n >= NOTIFY_MAX_CONTACTS || strlen(addr) >= sizeof(ct->addr[0]) || !notify_email_ok(addr))
		return;
	for (i = 0; i < ct->n; i++)
		if (strcasecmp(ct->addr[i], addr) == 0)
			return;
	memcpy(ct->addr[ct->n++], addr, strlen(addr) + 1);
}

enum tk_err notify_contacts_send(struct svc_ctx *c, const struct notify_contacts *ct, const char *subject, const char *body)
{
	size_t i;
	enum tk_err rc;

	for (i = 0; i < ct->n; i++)
		if ((rc = notify_queue(c, ct->addr[i], subject, body)) != TK_OK)
			return rc;
	return TK_OK;
}

enum tk_err notify_contacts_queue(struct svc_ctx *c, const char *subject, const char *body, size_t *n)
{
	struct notify_contacts ct;

	notify_contacts_load(c->inst->cfg, &ct);
	*n = ct.n;
	return notify_contacts_send(c, &ct, subject, body);
}

enum tk_err notify_claim_once(struct svc_ctx *c, const char *kind, const char *ref, int *claimed)
{
	struct store_stmt *s = NULL;
	int row;
	enum tk_err rc;

	*claimed = 0;
	if ((rc = store_prepare(c->st, "INSERT INTO oversight_reminders_sent (kind, ref, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", &s)) == TK_OK &&
	    (rc = store_bind_text(s, 1, kind)) == TK_OK && (rc = store_bind_text(s, 2, ref)) == TK_OK &&
	    (rc = store_bind_i64(s, 3, tk_now())) == TK_OK && (rc = store_step(s, &row)) == TK_OK)
		*claimed = store_changes(s) == 1;
	store_finalize(s);
	return rc;
}

/* Health and store-wide gauges (see monitor.h). */
#include "svc/monitor/monitor.h"
#include "svc/ca/ca.h"
#include "store/store.h"

#include <string.h>

enum tk_err monitor_health(struct svc_ctx *c, const char **failed)
{
	X509 *cert = NULL;
	struct key *k = NULL;
	enum tk_err rc;

	*failed = NULL;
	if ((rc = store_ping(c->st)) != TK_OK) {
		*failed = "store";
		return rc;
	}
	rc = ca_load(c, "issuing", NULL, &cert, &k);
	X509_free(cert);
	key_free(k);
	if (rc != TK_OK)
		*failed = "ca_keys";
	return rc;
}

enum tk_err monitor_gauges(struct svc_ctx *c, struct buf *out)
{
	static const struct { const char *name, *help, *sql; } gauges[] = {
		{"teken_documents_signed_total", "Documents in the registry", "SELECT COUNT(*) FROM documents"},
		{"teken_requests_pending", "Requests waiting for Verifikators", "SELECT COUNT(*) FROM requests WHERE status = 'pending'"},
		{"teken_verifikators_active", "Active Verifikators (R9 needs at least 2)", "SELECT COUNT(*) FROM users WHERE role = 'verifikator' AND active = 1"},
		{"teken_outbox_queued", "Notifications waiting for delivery", "SELECT COUNT(*) FROM outbox WHERE status = 'queued'"},
		{"teken_audit_events_total", "Events in the audit chain", "SELECT seq FROM audit_head WHERE id = 1"},
	};
	static const char *const status[3] = {"valid", "revoked", "hold"};
	int64_t v;
	size_t i;
	enum tk_err rc;

	rc = buf_printf(out, "# HELP teken_certificates Certificates in the store by status\n# TYPE teken_certificates gauge\n");
	for (i = 0; rc == TK_OK && i < 3; i++)
		if ((rc = store_query_i64(c->st, "SELECT COUNT(*) FROM certs WHERE status = ?", status[i], &v)) == TK_OK)
			rc = buf_printf(out, "teken_certificates{status=\"%s\"} %lld\n", status[i], (long long)v);
	for (i = 0; rc == TK_OK && i < sizeof(gauges) / sizeof(gauges[0]); i++)
		if ((rc = store_query_i64(c->st, gauges[i].sql, NULL, &v)) == TK_OK)
			rc = buf_printf(out, "# HELP %s %s\n# TYPE %s gauge\n%s %lld\n", gauges[i].name, gauges[i].help, gauges[i].name, gauges[i].name,
			    (long long)v);
	return rc;
}

/* The instance settings, read-only (svc/settings): admins and auditors. */
#include "http/routes.h"

#include "svc/settings/settings.h"

enum tk_err h_settings(struct http_req *rq, struct http_resp *rs)
{
	return http_call(rq, rs, settings_json);
}

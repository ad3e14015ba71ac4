/*
 * The one route table. Each route names the roles it admits; a test walks
 * this table and proves every route refuses every role it does not list.
 */
#include "http/routes.h"


static const struct http_route routes[] = {
	/* public */
	{"GET", "/healthz", ROLE_PUBLIC, h_healthz, 0, "Liveness: store reachable, CA keys loadable"},
	{"GET", "/crl/{ca}.crl", ROLE_PUBLIC, h_crl, 0, "Latest CRL of a CA (DER)"},
	{"GET", "/ca/{ca}.crt", ROLE_PUBLIC, h_ca_cert, 0, "CA certificate (DER), for AIA caIssuers"},
	{"GET", "/cps", ROLE_PUBLIC, h_cps, 0, "Current Certification Practice Statement"},
	{"GET", "/api/v1/openapi.json", ROLE_PUBLIC, h_openapi, 0, "This API description (OpenAPI 3.0)"},
	{"GET", "/api/v1/ca/chain", ROLE_PUBLIC, h_ca_chain, 0, "Issuing CA and root certificates (PEM)"},
	/* sessions */
	{"POST", "/api/v1/login", ROLE_PUBLIC, h_login, 0, "Log in with user and password; sets the session cookie"},
	{"POST", "/api/v1/logout", ROLE_ANY_USER & ~ROLE_APPLICATION, h_logout, 0, "End the current session"},
	{"GET", "/api/v1/me", ROLE_ANY_USER, h_me, 0, "Who am I"},
	/* administration */
	{"GET", "/api/v1/users", ROLE_ADMIN | ROLE_AUDITOR, h_users_list, 0, "List users"},
	{"POST", "/api/v1/users", ROLE_ADMIN, h_users_create, 0, "Create a user"},
	{"POST", "/api/v1/users/{user}/deactivate", ROLE_ADMIN, h_user_deactivate, 0, "Deactivate a user and end their sessions"},
	{"POST", "/api/v1/apikeys", ROLE_ADMIN, h_apikeys_create, 0, "Create an application API key (shown once)"},
	{"POST", "/api/v1/apikeys/{id}/revoke", ROLE_ADMIN, h_apikey_revoke, 0, "Revoke an application API key"},
	/* certificates */
	{"GET", "/api/v1/certificates/{serial}", ROLE_ANY_USER, h_cert_get, 0, "A certificate by serial (PEM)"},
	{"GET", "/api/v1/audit/verify", ROLE_ADMIN | ROLE_AUDITOR, h_audit_verify, 0, "Verify the audit hash chain"},
};

const struct http_route *http_routes(size_t *n)
{
	*n = sizeof(routes) / sizeof(routes[0]);
	return routes;
}

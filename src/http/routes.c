/*
 * The one route table. Each route names the roles it admits; a test walks
 * this table and proves every route refuses every role it does not list.
 */
#include "http/routes.h"
#include "svc/assess/assess.h"
#include "svc/monev/monev.h"

#define MONEV_UPLOAD_BODY MAX_REQ_BODY /* a document route: the configured document limit ([http]) */


/* Routes leave .flags out unless they need one: zero is the default. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

static const struct http_route routes[] = {
	/* public */
	{"GET", "/healthz", ROLE_PUBLIC, h_healthz, 0, "Liveness: store reachable, CA keys loadable"},
	{"GET", "/crl/{ca}.crl", ROLE_PUBLIC, h_crl, 0, "Latest CRL of a CA (DER)"},
	{"GET", "/ca/{ca}.crt", ROLE_PUBLIC, h_ca_cert, 0, "CA certificate (DER), for AIA caIssuers"},
	{"GET", "/cps", ROLE_PUBLIC, h_cps, 0, "Current Certification Practice Statement"},
	{"GET", "/metrics", ROLE_PUBLIC, h_metrics, 0, "Prometheus metrics (restrict at the proxy in production)"},
	{"GET", "/api/v1/openapi.json", ROLE_PUBLIC, h_openapi, 0, "This API description (OpenAPI 3.0)"},
	{"GET", "/api/v1/ca/chain", ROLE_PUBLIC, h_ca_chain, 0, "Issuing CA and root certificates (PEM)"},
	/* online trust services: small bodies (max_body 0: the JSON-sized limit; the handlers
	 * refuse more than 4 KiB at protocol level) */
	{"POST", "/tsa", ROLE_PUBLIC, h_tsa, 0, "RFC 3161 time stamp (application/timestamp-query)"},
	{"POST", "/ocsp", ROLE_PUBLIC, h_ocsp_post, 0, "RFC 6960 OCSP request (application/ocsp-request)"},
	{"GET", "/ocsp/{req...}", ROLE_PUBLIC, h_ocsp_get, 0, "RFC 6960 / RFC 5019 OCSP, base64 DER request in the path (may contain '/')"},
	/* web UI (web/) */
	{"GET", "/", ROLE_PUBLIC, h_page_index, 0, "Home page (Indonesian, English toggle)"},
	{"GET", "/app", ROLE_PUBLIC, h_page_app, 0, "Web application for officials, Verifikators, admins and auditors"},
	{"GET", "/verify", ROLE_PUBLIC, h_page_verify, 0, "Public document verification page"},
	{"GET", "/v/{id}", ROLE_PUBLIC, h_page_document, 0, "QR target: the registry record of a signed document"},
	{"GET", "/literasi", ROLE_PUBLIC, h_page_literasi, 0, "Literacy page on electronic signatures"},
	{"GET", "/static/{file}", ROLE_PUBLIC, h_static, 0, "Static assets of the web UI"},
	/* public verification (issue 7) */
	{"POST", "/api/v1/verify", ROLE_PUBLIC, h_verify, MAX_REQ_BODY,
	    "Verify the signatures of a PDF (application/pdf body, or multipart 'file' [+ 'signature' .p7s for CAdES]): ETSI EN 319 102-1 report; Accept text/html or application/pdf: printable report (PDF sealed by the instance)"},
	{"POST", "/api/v1/verify/batch", ROLE_ANY_USER, h_verify_batch, MAX_REQ_BODY,
	    "Verify many PDFs: multipart parts 'file' or one application/zip; one report (or error) per document"},
	{"GET", "/api/v1/documents/{id}", ROLE_PUBLIC, h_document_get, 0, "Registry record of a signed document (QR target), rate limited"},
	/* sessions */
	{"POST", "/api/v1/login", ROLE_PUBLIC, h_login, 0, "Log in with user and password; sets the session cookie"},
	{"POST", "/api/v1/logout", ROLE_ANY_USER & ~ROLE_APPLICATION, h_logout, 0, "End the current session"},
	{"GET", "/api/v1/me", ROLE_ANY_USER, h_me, 0, "Who am I; \"activation\":\"pending\" when an official's approved enrolment awaits activation"},
	/* administration */
	{"GET", "/api/v1/users", ROLE_ADMIN | ROLE_AUDITOR, h_users_list, 0, "List users"},
	{"POST", "/api/v1/users", ROLE_ADMIN, h_users_create, 0, "Create a user"},
	{"POST", "/api/v1/users/{user}/deactivate", ROLE_ADMIN, h_user_deactivate, 0, "Deactivate a user and end their sessions"},
	{"POST", "/api/v1/users/{user}/activate", ROLE_ADMIN, h_user_activate, 0, "Reactivate a user (200); an admin or Verifikator is an account request (202)"},
	{"POST", "/api/v1/users/{user}/role", ROLE_ADMIN, h_user_role, 0, "Change a user's role (200); to admin or verifikator an account request (202)"},
	{"GET", "/api/v1/account-requests", ROLE_ADMIN | ROLE_AUDITOR, h_account_requests_list, 0, "Staff account requests (?status=pending|approved|rejected)"},
	{"POST", "/api/v1/account-requests/{id}/approve", ROLE_ADMIN, h_account_request_approve, 0, "Approve a staff account request (N-of-M admins; not the filer)"},
	{"POST", "/api/v1/account-requests/{id}/reject", ROLE_ADMIN, h_account_request_reject, 0, "Reject a staff account request with a reason"},
	{"GET", "/api/v1/apikeys", ROLE_ADMIN | ROLE_AUDITOR, h_apikeys_list, 0, "List application API keys (never their secrets)"},
	{"POST", "/api/v1/apikeys", ROLE_ADMIN, h_apikeys_create, 0, "Create an application API key (shown once)"},
	{"POST", "/api/v1/apikeys/{id}/revoke", ROLE_ADMIN, h_apikey_revoke, 0, "Revoke an application API key"},
	/* certificates */
	{"GET", "/api/v1/certificates/{serial}", ROLE_ANY_USER, h_cert_get, 0, "A certificate by serial (PEM)"},
	{"GET", "/api/v1/audit/verify", ROLE_ADMIN | ROLE_AUDITOR, h_audit_verify, 0, "Verify the audit hash chain"},
	/* the annual usage report (docs/reports.md) */
	{"GET", "/api/v1/reports/usage", ROLE_ADMIN | ROLE_AUDITOR, h_report_usage, 0,
	    "Usage report of a year (?year=&unit=&format=json|csv|xlsx|pdf); the PDF is sealed by the instance"},
	{"GET", "/api/v1/reports/usage/{year}/versions", ROLE_ADMIN | ROLE_AUDITOR, h_report_versions, 0,
	    "Submission record of a year's report (?unit=): frozen versions, their steps, obligation met/late/pending/overdue"},
	{"POST", "/api/v1/reports/usage/{year}/versions", ROLE_ADMIN, h_report_freeze, 0, "Freeze the year's report as a new version (?unit=)"},
	{"GET", "/api/v1/reports/usage/{year}/versions/{version}", ROLE_ADMIN | ROLE_AUDITOR, h_report_version_get, 0,
	    "A frozen version byte for byte (?format=pdf|json&unit=)"},
	{"POST", "/api/v1/reports/usage/{year}/versions/{version}/approve", ROLE_ADMIN, h_report_approve, 0,
	    "Approve a frozen version (another admin than who froze it)"},
	{"POST", "/api/v1/reports/usage/{year}/versions/{version}/send", ROLE_ADMIN, h_report_send, 0,
	    "Send an approved version to the issuer's contact through the outbox, or record a delivery by hand ({by_hand, note})"},
	{"POST", "/api/v1/reports/usage/{year}/versions/{version}/acknowledge", ROLE_AUDITOR, h_report_acknowledge, 0,
	    "The issuer acknowledges receipt of a sent version"},
	{"GET", "/api/v1/audit", ROLE_ADMIN | ROLE_AUDITOR, h_audit_search, 0,
	    "Search the audit log (?from&to&actor&action&object&object_type&outcome&limit&cursor&chain=no&format=json|csv), newest first, each row's chain link checked; CSV export is logged"},
	/* signing */
	{"POST", "/api/v1/sign/pdf", ROLE_SUBSCRIBER | ROLE_APPLICATION, h_sign_pdf, MAX_REQ_BODY,
	    "Sign a PDF (PAdES): multipart 'file' + JSON 'options'; returns the PDF, X-Document-Id header", HTTP_ROUTE_SIGNING},
	{"POST", "/api/v1/sign/cades", ROLE_SUBSCRIBER | ROLE_APPLICATION, h_sign_cades, MAX_REQ_BODY,
	    "Detached CAdES signature (.p7s) of any file", HTTP_ROUTE_SIGNING},
	{"POST", "/api/v1/fields", ROLE_SUBSCRIBER | ROLE_APPLICATION, h_fields, MAX_REQ_BODY,
	    "Signature fields of a PDF (body or multipart part file): name, page, rect, signed"},
	{"POST", "/api/v1/sign/batch", ROLE_SUBSCRIBER | ROLE_APPLICATION, h_sign_batch, MAX_REQ_BODY,
	    "Sign several PDFs with one passphrase entry; per-file results", HTTP_ROUTE_SIGNING},
	/* BSrE Esign Client compatibility (HTTP Basic = the API key; docs/bsre-compat.md) */
	{"POST", "/api/sign/pdf", ROLE_APPLICATION, h_bsre_v1_sign, MAX_REQ_BODY, "BSrE v1: sign a PDF (multipart); PDF + id_dokumen header",
	    HTTP_ROUTE_BSRE | HTTP_ROUTE_SIGNING},
	{"GET", "/api/sign/download/{id}", ROLE_APPLICATION, h_bsre_v1_download, 0, "BSrE v1: download a signed PDF once", HTTP_ROUTE_BSRE},
	{"GET", "/api/user/status/{nik}", ROLE_APPLICATION, h_bsre_v1_status, 0, "BSrE v1: certificate status of an official", HTTP_ROUTE_BSRE},
	{"POST", "/api/v2/sign/pdf", ROLE_APPLICATION, h_bsre_v2_sign, (size_t)MAX_REQ_BODY * 2, "BSrE v2: sign base64 PDFs (JSON)",
	    HTTP_ROUTE_BSRE | HTTP_ROUTE_SIGNING},
	{"POST", "/api/v2/user/check/status", ROLE_APPLICATION, h_bsre_v2_status, 0, "BSrE v2: certificate status by nik or email", HTTP_ROUTE_BSRE},
	{"GET", "/api/v2/user/certificate/chain/{id}", ROLE_APPLICATION, h_bsre_v2_chain, 0,
	    "BSrE v2: certificate chain (base64 DER: signer, issuing CA, root) of an official of the key's units, by NIK or e-mail",
	    HTTP_ROUTE_BSRE},
	{"POST", "/api/v2/seal/pdf", ROLE_APPLICATION, h_bsre_v2_seal, (size_t)MAX_REQ_BODY * 2,
	    "BSrE v2: seal base64 PDFs with a unit seal of the key's units (idSubscriber: seal key or unit; totp ignored)",
	    HTTP_ROUTE_BSRE | HTTP_ROUTE_SIGNING},
	{"POST", "/api/sign/verify", ROLE_APPLICATION, h_bsre_v1_verify, MAX_REQ_BODY,
	    "BSrE v1: verify a PDF (multipart 'signed_file'); the vendor's report (nama_dokumen, details[], summary)", HTTP_ROUTE_BSRE},
	{"POST", "/api/v2/verify/pdf", ROLE_APPLICATION, h_bsre_v2_verify, (size_t)MAX_REQ_BODY * 2,
	    "BSrE v2: verify a base64 PDF (JSON {file, password?}); conclusion, signatureInformations[]", HTTP_ROUTE_BSRE},
	{"POST", "/api/v2/sign/get/totp", ROLE_APPLICATION, h_bsre_totp_unsupported, 0, "BSrE v2: TOTP request; not supported (501)",
	    HTTP_ROUTE_BSRE},
	{"POST", "/api/v2/seal/get/activation", ROLE_APPLICATION, h_bsre_totp_unsupported, 0,
	    "BSrE v2: seal TOTP activation; not supported (501), seals need none", HTTP_ROUTE_BSRE},
	{"POST", "/api/v2/seal/revoke/activation", ROLE_APPLICATION, h_bsre_totp_unsupported, 0,
	    "BSrE v2: revoke a seal TOTP activation; not supported (501)", HTTP_ROUTE_BSRE},
	{"POST", "/api/v2/seal/get/totp", ROLE_APPLICATION, h_bsre_totp_unsupported, 0, "BSrE v2: seal TOTP request; not supported (501)",
	    HTTP_ROUTE_BSRE},
	/* registration authority */
	{"POST", "/api/v1/enrollments", ROLE_SUBSCRIBER | ROLE_VERIFIKATOR | ROLE_ADMIN, h_enroll, 60u << 20,
	    "Enrol an official: multipart with JSON part 'data', evidence 'ktp' and 'sk', optional 'csr'"},
	{"GET", "/api/v1/requests", ROLE_VERIFIKATOR | ROLE_ADMIN | ROLE_AUDITOR | ROLE_SUBSCRIBER, h_requests_list, 0,
	    "Requests (?status=pending|approved|rejected); subscribers see their own"},
	{"GET", "/api/v1/requests/{id}", ROLE_VERIFIKATOR | ROLE_ADMIN | ROLE_AUDITOR | ROLE_SUBSCRIBER, h_request_get, 0,
	    "A request with decisions and the official's record as the caller may see it (reading PII is logged)"},
	{"POST", "/api/v1/requests/{id}/approve", ROLE_VERIFIKATOR, h_request_approve, 0, "Approve (N-of-M; no self-approval)"},
	{"POST", "/api/v1/requests/{id}/reject", ROLE_VERIFIKATOR, h_request_reject, 0, "Reject with a reason"},
	{"POST", "/api/v1/certificates/{serial}/revoke", ROLE_SUBSCRIBER | ROLE_VERIFIKATOR | ROLE_ADMIN, h_cert_revoke, 0,
	    "Revoke: at once for one's own certificate, otherwise a request for Verifikators"},
	{"POST", "/api/v1/certificates/{serial}/hold", ROLE_VERIFIKATOR | ROLE_ADMIN, h_cert_hold, 0, "Request suspension (certificateHold)"},
	{"POST", "/api/v1/certificates/{serial}/release", ROLE_VERIFIKATOR | ROLE_ADMIN, h_cert_release, 0, "Request resumption"},
	{"POST", "/api/v1/me/activate", ROLE_SUBSCRIBER, h_activate, 0,
	    "First-login activation by the official (once, after approval): {\"passphrase\"} or multipart 'csr'; issues the certificate"},
	{"POST", "/api/v1/me/passphrase", ROLE_SUBSCRIBER, h_passphrase_change, 0, "Change the signing passphrase (needs the old one)",
	    HTTP_ROUTE_SIGNING},
	{"POST", "/api/v1/me/reset", ROLE_SUBSCRIBER, h_passphrase_reset, 0, "Lost passphrase: new key, old one destroyed on approval"},
	{"POST", "/api/v1/unlock-requests", ROLE_SUBSCRIBER | ROLE_VERIFIKATOR | ROLE_ADMIN, h_unlock_request, 0,
	    "Ask Verifikators to end an official's wrong-passphrase delays ({\"user\"}, default oneself)"},
	{"POST", "/api/v1/me/renew", ROLE_SUBSCRIBER, h_renew, 0, "Renew: new key for the same verified identity"},
	{"GET", "/api/v1/me/certificates", ROLE_SUBSCRIBER, h_my_certs, 0, "My certificates and their status"},
	{"GET", "/api/v1/me/data", ROLE_SUBSCRIBER, h_my_data, 0, "Download all personal data held about me (UU 27/2022)"},
	{"POST", "/api/v1/me/erase", ROLE_SUBSCRIBER, h_my_erase, 0, "Ask for the erasure of my personal data (a request for Verifikators)"},
	{"POST", "/api/v1/seals", ROLE_ADMIN, h_seal_request, 0, "Request an organisational seal certificate (two approvals)"},
	{"GET", "/api/v1/subscribers", ROLE_ADMIN | ROLE_VERIFIKATOR | ROLE_AUDITOR, h_subscribers_list, 0,
	    "Subscribers (no sealed PII; auditors see pseudonyms instead of names)"},
	{"POST", "/api/v1/subscribers/{id}/erase", ROLE_ADMIN, h_subscriber_erase, 0,
	    "Request erasure of personal data (Verifikators approve; certificates and audit stay)"},
	{"POST", "/api/v1/pii-access", ROLE_AUDITOR | ROLE_ADMIN, h_pii_access_request, 0,
	    "Request time-limited access to one official's personal data (Verifikators approve)"},
	{"GET", "/api/v1/evidence/{id}", ROLE_VERIFIKATOR | ROLE_ADMIN | ROLE_AUDITOR, h_evidence_get, 0,
	    "An evidence file (Verifikators, or with an approved PII-access request; access logged)"},
	/* monitoring and evaluation (R17, docs/monev.md) */
	{"GET", "/api/v1/dashboard", ROLE_ADMIN | ROLE_AUDITOR, h_dashboard, 0,
	    "Monitoring dashboard: counts, expiring certificates, signing volume per WIB day, service health, open items"},
	{"GET", "/api/v1/evaluations", ROLE_ADMIN | ROLE_AUDITOR, h_evaluations_list, 0, "Evaluation records (PKS art. 12), newest first"},
	{"POST", "/api/v1/evaluations", ROLE_ADMIN | ROLE_AUDITOR, h_evaluations_create, 0,
	    "Record an evaluation meeting: held_on, title, place, participants [{name, party, role}], summary, findings, minutes"},
	{"GET", "/api/v1/evaluations/{id}", ROLE_ADMIN | ROLE_AUDITOR, h_evaluation_get, 0, "An evaluation with its actions and minutes signatures"},
	{"POST", "/api/v1/evaluations/{id}", ROLE_ADMIN | ROLE_AUDITOR, h_evaluation_update, 0, "Edit an evaluation whose minutes are not frozen"},
	{"POST", "/api/v1/evaluations/{id}/actions", ROLE_ADMIN | ROLE_AUDITOR, h_evaluation_action_add, 0,
	    "Add a follow-up action: description, owner, owner_email?, due_on"},
	{"POST", "/api/v1/evaluations/{id}/actions/{aid}", ROLE_ADMIN | ROLE_AUDITOR, h_evaluation_action_update, 0,
	    "Update a follow-up action: status, closing_note, due_on"},
	{"POST", "/api/v1/evaluations/{id}/minutes", ROLE_ADMIN | ROLE_AUDITOR, h_evaluation_minutes_freeze, 0,
	    "Render and freeze the minutes PDF (hash kept)"},
	{"GET", "/api/v1/evaluations/{id}/minutes.pdf", ROLE_ADMIN | ROLE_AUDITOR, h_evaluation_minutes_pdf, 0,
	    "The current minutes PDF: frozen, or with the signatures uploaded so far"},
	{"POST", "/api/v1/evaluations/{id}/minutes/signed", ROLE_ADMIN | ROLE_AUDITOR, h_evaluation_minutes_signed, MONEV_UPLOAD_BODY,
	    "Upload a party's signed minutes (application/pdf or multipart 'file'): an incremental update of the current file with one more valid signature"},
	/* security assessments (R6, docs/assessments.md): confidential, reads of findings and files are logged */
	{"GET", "/api/v1/assessments", ROLE_ADMIN | ROLE_AUDITOR, h_assessments_list, 0,
	    "Security-assessment requests, newest first: status, due date, overdue, the latest report's summary (no findings)"},
	{"POST", "/api/v1/assessments", ROLE_AUDITOR, h_assessments_request, 0,
	    "Request a security-assessment report: system_name, scope, due_on, note"},
	{"GET", "/api/v1/assessments/{id}", ROLE_ADMIN | ROLE_AUDITOR, h_assessment_get, 0,
	    "A request with every report version and its findings (logged: assess.read)"},
	{"POST", "/api/v1/assessments/{id}/reports", ROLE_ADMIN, h_assessment_upload, ASSESS_UPLOAD_BODY,
	    "Upload the report: multipart 'file' (PDF) + 'metadata' (JSON: report_date, scope, assessor, remediation, counts, findings)"},
	{"GET", "/api/v1/assessments/{id}/report.pdf", ROLE_ADMIN | ROLE_AUDITOR, h_assessment_file, 0,
	    "The report PDF (?version=N, default the latest), opened from its seal (logged: assess.download)"},
	{"POST", "/api/v1/assessments/{id}/accept", ROLE_AUDITOR, h_assessment_accept, 0, "Accept a submitted report"},
	{"POST", "/api/v1/assessments/{id}/return", ROLE_AUDITOR, h_assessment_return, 0, "Return a submitted report for correction: {reason}"},
};

const struct http_route *http_routes(size_t *n)
{
	*n = sizeof(routes) / sizeof(routes[0]);
	return routes;
}

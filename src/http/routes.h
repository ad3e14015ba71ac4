/* Private to src/http: handlers of the route table, grouped by area. */
#ifndef TEKEN_HTTP_ROUTES_H
#define TEKEN_HTTP_ROUTES_H

#include "http/http.h"

/* routes_public.c */
enum tk_err h_healthz(struct http_req *rq, struct http_resp *rs);
enum tk_err h_readyz(struct http_req *rq, struct http_resp *rs);
enum tk_err h_crl(struct http_req *rq, struct http_resp *rs);
enum tk_err h_ca_cert(struct http_req *rq, struct http_resp *rs);
enum tk_err h_cps(struct http_req *rq, struct http_resp *rs);
enum tk_err h_openapi(struct http_req *rq, struct http_resp *rs);
enum tk_err h_metrics(struct http_req *rq, struct http_resp *rs);

/* routes_auth.c */
enum tk_err h_login(struct http_req *rq, struct http_resp *rs);
enum tk_err h_logout(struct http_req *rq, struct http_resp *rs);
enum tk_err h_me(struct http_req *rq, struct http_resp *rs);
enum tk_err h_password_change(struct http_req *rq, struct http_resp *rs);
enum tk_err h_users_list(struct http_req *rq, struct http_resp *rs);
enum tk_err h_users_create(struct http_req *rq, struct http_resp *rs);
enum tk_err h_user_deactivate(struct http_req *rq, struct http_resp *rs);
enum tk_err h_user_activate(struct http_req *rq, struct http_resp *rs);
enum tk_err h_user_role(struct http_req *rq, struct http_resp *rs);
enum tk_err h_account_requests_list(struct http_req *rq, struct http_resp *rs);
enum tk_err h_account_request_approve(struct http_req *rq, struct http_resp *rs);
enum tk_err h_account_request_reject(struct http_req *rq, struct http_resp *rs);
enum tk_err h_apikeys_list(struct http_req *rq, struct http_resp *rs);
enum tk_err h_apikeys_create(struct http_req *rq, struct http_resp *rs);
enum tk_err h_apikey_revoke(struct http_req *rq, struct http_resp *rs);

/* routes_ca.c */
enum tk_err h_ca_chain(struct http_req *rq, struct http_resp *rs);
enum tk_err h_cert_get(struct http_req *rq, struct http_resp *rs);
enum tk_err h_audit_verify(struct http_req *rq, struct http_resp *rs);

/* routes_report.c */
enum tk_err h_report_usage(struct http_req *rq, struct http_resp *rs);
enum tk_err h_report_versions(struct http_req *rq, struct http_resp *rs);
enum tk_err h_report_freeze(struct http_req *rq, struct http_resp *rs);
enum tk_err h_report_version_get(struct http_req *rq, struct http_resp *rs);
enum tk_err h_report_approve(struct http_req *rq, struct http_resp *rs);
enum tk_err h_report_send(struct http_req *rq, struct http_resp *rs);
enum tk_err h_report_acknowledge(struct http_req *rq, struct http_resp *rs);
/* routes_audit.c */
enum tk_err h_audit_search(struct http_req *rq, struct http_resp *rs);

/* routes_trust.c */
enum tk_err h_tsa(struct http_req *rq, struct http_resp *rs);
enum tk_err h_ocsp_post(struct http_req *rq, struct http_resp *rs);
enum tk_err h_ocsp_get(struct http_req *rq, struct http_resp *rs);

/* routes_sign.c */
struct mp_form;
struct sign_in;
/*
 * Reads the signing options of /api/v1/sign/{pdf,cades,batch} (passphrase, nik, level,
 * field, reason, location, unit, new_field, certify, visible{page, x, y,
 * w, h, anchor}, seal_key for applications) from the JSON object j into
 * in; strings point into j.
 */
enum tk_err routes_sign_options(const struct http_req *rq, json_t *j, struct sign_in *in) WARN_UNUSED;
/* Parses the multipart part "options" (a JSON object; absent: {}). Caller decrefs *out. */
enum tk_err routes_form_options(const struct mp_form *f, json_t **out) WARN_UNUSED;

/* routes_bsre.c */
/* The text fields of a v1 signing form; sign_in strings point here. */
struct bsre_v1_form {
	char nik[20], pass[300], tampilan[16], reason[201], location[201], link[300], tag[128];
};
/*
 * Reads and checks the v1 signing form (file, nik, passphrase, tampilan,
 * page|halaman, xAxis, yAxis, width, height, tag_koordinat, image,
 * imageTTD, linkQR, reason, location) into in: data and image point into
 * form, strings into f (the caller wipes f: it holds the passphrase).
 * Nothing is looked up: who nik is, is the caller's next step.
 */
enum tk_err bsre_v1_fields(const struct mp_form *form, struct bsre_v1_form *f, struct sign_in *in) WARN_UNUSED;
/*
 * Applies one v2 signatureProperties entry p (any JSON; not an object:
 * nothing) to in: tampilan, reason, location, tag_koordinat, page,
 * originX, originY, width, height, and imageBase64 decoded into imgbuf.
 * Strings point into p.
 */
enum tk_err bsre_v2_props(json_t *p, struct sign_in *in, struct buf *imgbuf) WARN_UNUSED;
enum tk_err h_bsre_v1_sign(struct http_req *rq, struct http_resp *rs);
enum tk_err h_bsre_v1_download(struct http_req *rq, struct http_resp *rs);
enum tk_err h_bsre_v1_status(struct http_req *rq, struct http_resp *rs);
enum tk_err h_bsre_v2_sign(struct http_req *rq, struct http_resp *rs);
enum tk_err h_bsre_v2_status(struct http_req *rq, struct http_resp *rs);
enum tk_err h_bsre_v2_seal(struct http_req *rq, struct http_resp *rs);
enum tk_err h_bsre_v1_verify(struct http_req *rq, struct http_resp *rs);
enum tk_err h_bsre_v2_verify(struct http_req *rq, struct http_resp *rs);
enum tk_err h_bsre_v2_chain(struct http_req *rq, struct http_resp *rs);
enum tk_err h_bsre_totp_unsupported(struct http_req *rq, struct http_resp *rs);

/* routes_web.c */
enum tk_err h_static(struct http_req *rq, struct http_resp *rs);
enum tk_err h_pdfjs(struct http_req *rq, struct http_resp *rs);
enum tk_err h_pdfjs_font(struct http_req *rq, struct http_resp *rs);
enum tk_err h_pdfjs_cmap(struct http_req *rq, struct http_resp *rs);
enum tk_err h_page_index(struct http_req *rq, struct http_resp *rs);
enum tk_err h_page_app(struct http_req *rq, struct http_resp *rs);
enum tk_err h_page_verify(struct http_req *rq, struct http_resp *rs);
enum tk_err h_page_document(struct http_req *rq, struct http_resp *rs);
enum tk_err h_page_literasi(struct http_req *rq, struct http_resp *rs);
enum tk_err h_page_notices(struct http_req *rq, struct http_resp *rs);

/* routes_verify.c */
enum tk_err h_verify(struct http_req *rq, struct http_resp *rs);
enum tk_err h_verify_batch(struct http_req *rq, struct http_resp *rs);
enum tk_err h_document_get(struct http_req *rq, struct http_resp *rs);

/* routes_sign.c */
enum tk_err h_sign_pdf(struct http_req *rq, struct http_resp *rs);
enum tk_err h_sign_cades(struct http_req *rq, struct http_resp *rs);
enum tk_err h_sign_batch(struct http_req *rq, struct http_resp *rs);
enum tk_err h_fields(struct http_req *rq, struct http_resp *rs);
enum tk_err h_my_documents(struct http_req *rq, struct http_resp *rs);
enum tk_err h_my_document_file(struct http_req *rq, struct http_resp *rs);

/* routes_ra.c */
enum tk_err h_enroll(struct http_req *rq, struct http_resp *rs);
enum tk_err h_requests_list(struct http_req *rq, struct http_resp *rs);
enum tk_err h_request_get(struct http_req *rq, struct http_resp *rs);
enum tk_err h_request_approve(struct http_req *rq, struct http_resp *rs);
enum tk_err h_request_reject(struct http_req *rq, struct http_resp *rs);
enum tk_err h_cert_revoke(struct http_req *rq, struct http_resp *rs);
enum tk_err h_cert_hold(struct http_req *rq, struct http_resp *rs);
enum tk_err h_cert_release(struct http_req *rq, struct http_resp *rs);
enum tk_err h_passphrase_change(struct http_req *rq, struct http_resp *rs);
enum tk_err h_activate(struct http_req *rq, struct http_resp *rs);
enum tk_err h_passphrase_reset(struct http_req *rq, struct http_resp *rs);
enum tk_err h_renew(struct http_req *rq, struct http_resp *rs);
enum tk_err h_seal_request(struct http_req *rq, struct http_resp *rs);
enum tk_err h_unlock_request(struct http_req *rq, struct http_resp *rs);
enum tk_err h_subscribers_list(struct http_req *rq, struct http_resp *rs);
enum tk_err h_evidence_get(struct http_req *rq, struct http_resp *rs);
enum tk_err h_my_certs(struct http_req *rq, struct http_resp *rs);
enum tk_err h_my_data(struct http_req *rq, struct http_resp *rs);
enum tk_err h_subscriber_erase(struct http_req *rq, struct http_resp *rs);
enum tk_err h_my_erase(struct http_req *rq, struct http_resp *rs);
enum tk_err h_pii_access_request(struct http_req *rq, struct http_resp *rs);
enum tk_err h_unlock_throttles(struct http_req *rq, struct http_resp *rs);

/* routes_assess.c: security assessments (R6) */
enum tk_err h_agreement_holidays_get(struct http_req *rq, struct http_resp *rs);
enum tk_err h_agreement_holidays_put(struct http_req *rq, struct http_resp *rs);
enum tk_err h_agreement_holidays_delete(struct http_req *rq, struct http_resp *rs);
enum tk_err h_agreement_deadline(struct http_req *rq, struct http_resp *rs);
enum tk_err h_assessments_list(struct http_req *rq, struct http_resp *rs);
enum tk_err h_assessments_request(struct http_req *rq, struct http_resp *rs);
enum tk_err h_assessment_get(struct http_req *rq, struct http_resp *rs);
enum tk_err h_assessment_upload(struct http_req *rq, struct http_resp *rs);
enum tk_err h_assessment_file(struct http_req *rq, struct http_resp *rs);
enum tk_err h_assessment_accept(struct http_req *rq, struct http_resp *rs);
enum tk_err h_assessment_return(struct http_req *rq, struct http_resp *rs);
/* routes_monev.c: monitoring and evaluation (R17) */
enum tk_err h_dashboard(struct http_req *rq, struct http_resp *rs);
enum tk_err h_evaluations_list(struct http_req *rq, struct http_resp *rs);
enum tk_err h_evaluations_create(struct http_req *rq, struct http_resp *rs);
enum tk_err h_evaluation_get(struct http_req *rq, struct http_resp *rs);
enum tk_err h_evaluation_update(struct http_req *rq, struct http_resp *rs);
enum tk_err h_evaluation_action_add(struct http_req *rq, struct http_resp *rs);
enum tk_err h_evaluation_action_update(struct http_req *rq, struct http_resp *rs);
enum tk_err h_evaluation_minutes_freeze(struct http_req *rq, struct http_resp *rs);
enum tk_err h_evaluation_minutes_pdf(struct http_req *rq, struct http_resp *rs);
enum tk_err h_evaluation_minutes_signed(struct http_req *rq, struct http_resp *rs);
/* routes_support.c: technical-support tickets (R12) */
enum tk_err h_tickets_list(struct http_req *rq, struct http_resp *rs);
enum tk_err h_tickets_create(struct http_req *rq, struct http_resp *rs);
enum tk_err h_tickets_summary(struct http_req *rq, struct http_resp *rs);
enum tk_err h_ticket_get(struct http_req *rq, struct http_resp *rs);
enum tk_err h_ticket_reply(struct http_req *rq, struct http_resp *rs);
enum tk_err h_ticket_assign(struct http_req *rq, struct http_resp *rs);
enum tk_err h_ticket_resolve(struct http_req *rq, struct http_resp *rs);
enum tk_err h_ticket_close(struct http_req *rq, struct http_resp *rs);
enum tk_err h_ticket_file(struct http_req *rq, struct http_resp *rs);
enum tk_err h_public_ticket_open(struct http_req *rq, struct http_resp *rs);
enum tk_err h_public_ticket_get(struct http_req *rq, struct http_resp *rs);
enum tk_err h_public_ticket_reply(struct http_req *rq, struct http_resp *rs);

/* routes_literacy.c: literacy, socialisation and training (R14) */
enum tk_err h_events_list(struct http_req *rq, struct http_resp *rs);
enum tk_err h_events_public(struct http_req *rq, struct http_resp *rs);
enum tk_err h_events_create(struct http_req *rq, struct http_resp *rs);
enum tk_err h_event_get(struct http_req *rq, struct http_resp *rs);
enum tk_err h_event_update(struct http_req *rq, struct http_resp *rs);
enum tk_err h_event_status(struct http_req *rq, struct http_resp *rs);
enum tk_err h_event_participant_add(struct http_req *rq, struct http_resp *rs);
enum tk_err h_event_participant_remove(struct http_req *rq, struct http_resp *rs);
enum tk_err h_event_attendance(struct http_req *rq, struct http_resp *rs);
enum tk_err h_event_material_add(struct http_req *rq, struct http_resp *rs);
enum tk_err h_event_material_get(struct http_req *rq, struct http_resp *rs);
enum tk_err h_event_public_material_get(struct http_req *rq, struct http_resp *rs);
enum tk_err h_literasi_get(struct http_req *rq, struct http_resp *rs);
enum tk_err h_literasi_put(struct http_req *rq, struct http_resp *rs);
enum tk_err h_literasi_versions(struct http_req *rq, struct http_resp *rs);

/* routes_policy.c: recommendations and internal policies (R5) */
enum tk_err h_recos_list(struct http_req *rq, struct http_resp *rs);
enum tk_err h_recos_create(struct http_req *rq, struct http_resp *rs);
enum tk_err h_reco_get(struct http_req *rq, struct http_resp *rs);
enum tk_err h_reco_status(struct http_req *rq, struct http_resp *rs);
enum tk_err h_reco_file_add(struct http_req *rq, struct http_resp *rs);
enum tk_err h_reco_file_get(struct http_req *rq, struct http_resp *rs);
enum tk_err h_policies_list(struct http_req *rq, struct http_resp *rs);
enum tk_err h_policies_draft(struct http_req *rq, struct http_resp *rs);
enum tk_err h_policy_get(struct http_req *rq, struct http_resp *rs);
enum tk_err h_policy_update(struct http_req *rq, struct http_resp *rs);
enum tk_err h_policy_comment(struct http_req *rq, struct http_resp *rs);
enum tk_err h_policy_approve(struct http_req *rq, struct http_resp *rs);
enum tk_err h_policy_publish(struct http_req *rq, struct http_resp *rs);
enum tk_err h_policy_withdraw(struct http_req *rq, struct http_resp *rs);
enum tk_err h_my_signing_policy(struct http_req *rq, struct http_resp *rs);
/* routes_review.c: the implementation review (R11) */
enum tk_err h_review_indicators(struct http_req *rq, struct http_resp *rs);
enum tk_err h_review_instruments_list(struct http_req *rq, struct http_resp *rs);
enum tk_err h_review_instruments_load(struct http_req *rq, struct http_resp *rs);
enum tk_err h_review_instrument_get(struct http_req *rq, struct http_resp *rs);
enum tk_err h_reviews_list(struct http_req *rq, struct http_resp *rs);
enum tk_err h_reviews_open(struct http_req *rq, struct http_resp *rs);
enum tk_err h_review_get(struct http_req *rq, struct http_resp *rs);
enum tk_err h_review_answers(struct http_req *rq, struct http_resp *rs);
enum tk_err h_review_file_add(struct http_req *rq, struct http_resp *rs);
enum tk_err h_review_file_get(struct http_req *rq, struct http_resp *rs);
enum tk_err h_review_submit(struct http_req *rq, struct http_resp *rs);
enum tk_err h_review_scores(struct http_req *rq, struct http_resp *rs);
enum tk_err h_review_close(struct http_req *rq, struct http_resp *rs);
enum tk_err h_review_report_pdf(struct http_req *rq, struct http_resp *rs);
enum tk_err h_review_report_signed(struct http_req *rq, struct http_resp *rs);

/* routes_letter.c: signed correspondence (R15) */
enum tk_err h_letters_list(struct http_req *rq, struct http_resp *rs);
enum tk_err h_letters_create(struct http_req *rq, struct http_resp *rs);
enum tk_err h_letter_deadline(struct http_req *rq, struct http_resp *rs);
enum tk_err h_letters_incoming(struct http_req *rq, struct http_resp *rs);
enum tk_err h_letter_get(struct http_req *rq, struct http_resp *rs);
enum tk_err h_letter_update(struct http_req *rq, struct http_resp *rs);
enum tk_err h_letter_preview(struct http_req *rq, struct http_resp *rs);
enum tk_err h_letter_sign(struct http_req *rq, struct http_resp *rs);
enum tk_err h_letter_send(struct http_req *rq, struct http_resp *rs);
enum tk_err h_letter_ack(struct http_req *rq, struct http_resp *rs);
enum tk_err h_letter_evidence_add(struct http_req *rq, struct http_resp *rs);
enum tk_err h_letter_evidence_get(struct http_req *rq, struct http_resp *rs);
enum tk_err h_letter_pdf(struct http_req *rq, struct http_resp *rs);
/* routes_agreement.c: the agreement register (R15) */
enum tk_err h_agreements_list(struct http_req *rq, struct http_resp *rs);
enum tk_err h_agreements_create(struct http_req *rq, struct http_resp *rs);
enum tk_err h_agreement_get(struct http_req *rq, struct http_resp *rs);
enum tk_err h_agreement_update(struct http_req *rq, struct http_resp *rs);
enum tk_err h_agreement_end(struct http_req *rq, struct http_resp *rs);
enum tk_err h_agreement_pdf_upload(struct http_req *rq, struct http_resp *rs);
enum tk_err h_agreement_pdf_get(struct http_req *rq, struct http_resp *rs);
enum tk_err h_agreement_addendum_add(struct http_req *rq, struct http_resp *rs);
enum tk_err h_agreement_addendum_pdf_upload(struct http_req *rq, struct http_resp *rs);
enum tk_err h_agreement_addendum_pdf_get(struct http_req *rq, struct http_resp *rs);
enum tk_err h_agreement_contact_change(struct http_req *rq, struct http_resp *rs);
enum tk_err h_agreement_contacts(struct http_req *rq, struct http_resp *rs);

/* routes_trust.c: RFC 3161 TSA and RFC 6960 / 5019 OCSP */
enum tk_err h_tsa(struct http_req *rq, struct http_resp *rs);
enum tk_err h_ocsp_post(struct http_req *rq, struct http_resp *rs);
enum tk_err h_ocsp_get(struct http_req *rq, struct http_resp *rs);

/* routes_notice.c: change notices (R13) and their webhooks */
enum tk_err h_notices_atom(struct http_req *rq, struct http_resp *rs);
enum tk_err h_notices_json(struct http_req *rq, struct http_resp *rs);
enum tk_err h_notices_list(struct http_req *rq, struct http_resp *rs);
enum tk_err h_notices_create(struct http_req *rq, struct http_resp *rs);
enum tk_err h_notice_get(struct http_req *rq, struct http_resp *rs);
enum tk_err h_notice_update(struct http_req *rq, struct http_resp *rs);
enum tk_err h_notice_publish(struct http_req *rq, struct http_resp *rs);
enum tk_err h_notice_withdraw(struct http_req *rq, struct http_resp *rs);
enum tk_err h_notice_acknowledge(struct http_req *rq, struct http_resp *rs);
enum tk_err h_webhooks_list(struct http_req *rq, struct http_resp *rs);
enum tk_err h_webhooks_create(struct http_req *rq, struct http_resp *rs);
enum tk_err h_webhook_update(struct http_req *rq, struct http_resp *rs);
enum tk_err h_webhook_delete(struct http_req *rq, struct http_resp *rs);
enum tk_err h_webhook_rotate(struct http_req *rq, struct http_resp *rs);
enum tk_err h_webhook_test(struct http_req *rq, struct http_resp *rs);
enum tk_err h_webhook_deliveries(struct http_req *rq, struct http_resp *rs);

/* routes_settings.c: the instance settings, read-only (issue 14, staff pages) */
enum tk_err h_settings(struct http_req *rq, struct http_resp *rs);

#endif

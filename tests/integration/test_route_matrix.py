#!/usr/bin/env python3
"""Who may act for whom: the role-by-route matrix (issue "Who may act for whom").

EXPECTED below is written from the product's intent (DESIGN.md section 1 and 6),
NOT from src/http/routes.c. The test fails when the server serves a route the
table does not list, or the table lists a route the server does not serve: whoever
adds a route adds one line here, with the callers it admits and why.

Every route is called by every caller, on SQLite and on PostgreSQL:
  anon       nobody logged in
  admin      ministry IT                    verif   a Verifikator
  auditor    BSSN reviewer                  sub     the demo official (owner of its request,
  sub2       a subscriber who owns nothing          certificate, data)
  app        the demo application (unit Sekretariat Jenderal, owner of its documents)
  app2       an application of another unit ("Biro Lain")
A caller not admitted must be refused (anonymous 401, others 403; 404 where the
row is about someone else's object and hiding it is a refusal; the BSrE routes'
own shapes) and the store must not change. An admitted caller must get anything
but 401/403 (400/404/409/422 are fine: the point is the authorization decision)
and never a 5xx.
"""
import atexit
import base64
import json
import os
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from tekentest import Client, Server, check, finish, multipart, teken, tmpdir  # noqa: E402

SRC = os.environ.get("TEKEN_SRC", os.path.join(os.path.dirname(__file__), "..", ".."))
PDF = open(os.path.join(SRC, "tests", "data", "pdf", "gs-3pages.pdf"), "rb").read()

CALLERS = ("anon", "admin", "verif", "auditor", "sub", "sub2", "app", "app2")
EVERYONE = frozenset(CALLERS)
USERS = EVERYONE - {"anon"}                       # anyone authenticated
HUMANS = frozenset({"admin", "verif", "auditor", "sub", "sub2"})
SUBS = frozenset({"sub", "sub2"})                 # "me" routes: every subscriber for themself
OWNER_SUB = frozenset({"sub"})                    # only the official the object belongs to
APP = frozenset({"app"})                          # only the application of the object's unit
APPS = frozenset({"app", "app2"})
S = frozenset

# (METHOD, pattern): (callers admitted, why). One line per route.
EXPECTED = {
    # --- public (DESIGN 5: unauthenticated) and the web UI shell
    ("GET", "/healthz"): (EVERYONE, "liveness probe"),
    ("GET", "/readyz"): (EVERYONE, "readiness probe for load balancers and systemd; names checks, no secrets"),
    ("GET", "/metrics"): (EVERYONE, "Prometheus; restricted at the proxy, not by role"),
    ("GET", "/crl/{ca}.crl"): (EVERYONE, "CRLs are published to relying parties"),
    ("GET", "/ca/{ca}.crt"): (EVERYONE, "AIA caIssuers target"),
    ("GET", "/cps"): (EVERYONE, "the CPS is public (R10)"),
    ("GET", "/api/v1/openapi.json"): (EVERYONE, "API description"),
    ("GET", "/api/v1/ca/chain"): (EVERYONE, "trust anchors are public"),
    ("POST", "/tsa"): (EVERYONE, "RFC 3161 service for relying parties"),
    ("POST", "/ocsp"): (EVERYONE, "RFC 6960 service for relying parties"),
    ("GET", "/ocsp/{req...}"): (EVERYONE, "RFC 6960 GET form"),
    ("GET", "/"): (EVERYONE, "home page"),
    ("GET", "/app"): (EVERYONE, "web app shell; its API calls are what is guarded"),
    ("GET", "/verify"): (EVERYONE, "public verification page"),
    ("GET", "/v/{id}"): (EVERYONE, "QR target printed on documents"),
    ("GET", "/literasi"): (EVERYONE, "literacy page (R14)"),
    ("GET", "/static/{file}"): (EVERYONE, "static assets"),
    ("GET", "/static/pdfjs/{file}"): (EVERYONE, "pdf.js library and worker"),
    ("GET", "/static/pdfjs/fonts/{file}"): (EVERYONE, "pdf.js standard fonts"),
    ("GET", "/static/pdfjs/cmaps/{file}"): (EVERYONE, "pdf.js character maps"),
    ("POST", "/api/v1/verify"): (EVERYONE, "anyone holding a document verifies it"),
    ("POST", "/api/v1/verify/batch"): (USERS, "folders of documents: signed-in callers (one public document at a time stays open)"),
    ("GET", "/api/v1/documents/{id}"): (EVERYONE, "registry record behind the QR code"),
    ("POST", "/api/v1/login"): (EVERYONE, "logging in needs no prior login"),
    # --- sessions
    ("POST", "/api/v1/logout"): (HUMANS, "only humans have sessions; an API key has nothing to end"),
    ("GET", "/api/v1/me"): (USERS, "every authenticated caller may ask who it is"),
    ("POST", "/api/v1/me/password"): (HUMANS, "every person changes their own login password; an API key has none"),
    # --- administration (admin configures; auditor reads for the review)
    ("GET", "/api/v1/users"): (S({"admin", "auditor"}), "accounts: admin manages, auditor reviews"),
    ("POST", "/api/v1/users"): (S({"admin"}), "only admin creates accounts"),
    ("POST", "/api/v1/users/{user}/deactivate"): (S({"admin"}), "only admin deactivates accounts"),
    ("POST", "/api/v1/users/{user}/activate"): (S({"admin"}), "only admin reactivates (staff accounts then need a second admin)"),
    ("POST", "/api/v1/users/{user}/role"): (S({"admin"}), "only admin changes roles (to admin/verifikator: a second admin)"),
    ("GET", "/api/v1/account-requests"): (S({"admin", "auditor"}), "staff account requests: admins decide, the issuer's auditor reviews"),
    ("POST", "/api/v1/account-requests/{id}/approve"): (S({"admin"}), "a second admin approves staff accounts (R9)"),
    ("POST", "/api/v1/account-requests/{id}/reject"): (S({"admin"}), "admins reject staff account requests"),
    ("GET", "/api/v1/apikeys"): (S({"admin", "auditor"}), "applications: admin manages, auditor reviews"),
    ("POST", "/api/v1/apikeys"): (S({"admin"}), "only admin registers applications"),
    ("POST", "/api/v1/apikeys/{id}/revoke"): (S({"admin"}), "only admin revokes applications"),
    ("GET", "/api/v1/audit/verify"): (S({"admin", "auditor"}), "audit chain: auditor's job, admin operates it"),
    # --- the annual usage report (R7): the ministry prepares and sends it, the issuer reads and acknowledges it
    ("GET", "/api/v1/reports/usage"): (S({"admin", "auditor"}), "usage figures: the ministry reports them, the issuer receives them"),
    ("GET", "/api/v1/reports/usage/{year}/versions"): (S({"admin", "auditor"}), "the submission record is both parties' business"),
    ("POST", "/api/v1/reports/usage/{year}/versions"): (S({"admin"}), "the ministry freezes what it reports"),
    ("GET", "/api/v1/reports/usage/{year}/versions/{version}"): (S({"admin", "auditor"}), "a frozen report: sender and receiver"),
    ("POST", "/api/v1/reports/usage/{year}/versions/{version}/approve"): (S({"admin"}), "a second admin approves the ministry's report"),
    ("POST", "/api/v1/reports/usage/{year}/versions/{version}/send"): (S({"admin"}), "the ministry sends its report"),
    ("POST", "/api/v1/reports/usage/{year}/versions/{version}/acknowledge"): (S({"auditor"}), "the issuer acknowledges receipt"),
    ("GET", "/api/v1/audit"): (S({"admin", "auditor"}), "audit browser: the records behind the reports, for those who check them (R16)"),
    # --- certificates
    ("GET", "/api/v1/certificates/{serial}"): (USERS, "a certificate is public data (it is in every signed PDF)"),
    ("POST", "/api/v1/certificates/{serial}/revoke"): (S({"sub", "verif", "admin"}), "the owner at once; staff by request; never another official"),
    ("POST", "/api/v1/certificates/{serial}/hold"): (S({"verif", "admin"}), "suspension is a staff action"),
    ("POST", "/api/v1/certificates/{serial}/release"): (S({"verif", "admin"}), "resumption is a staff action"),
    # --- signing: the official with their own key; applications only for officials of their unit
    ("POST", "/api/v1/sign/pdf"): (S({"sub", "sub2", "app"}), "officials sign as themselves; app2 names an official of another unit"),
    ("POST", "/api/v1/sign/cades"): (S({"sub", "sub2", "app"}), "as sign/pdf"),
    ("POST", "/api/v1/sign/batch"): (S({"sub", "sub2", "app"}), "as sign/pdf"),
    ("POST", "/api/v1/fields"): (S({"sub", "sub2", "app", "app2"}), "signers list where a signature can go; no key, nothing stored"),
    # --- BSrE Esign Client compatibility: applications by HTTP Basic
    ("POST", "/api/sign/pdf"): (APP, "BSrE v1 sign; app2 names an official of another unit"),
    ("GET", "/api/sign/download/{id}"): (APP, "a signed document goes back only to the application that signed it"),
    ("GET", "/api/user/status/{nik}"): (APP, "NIK -> certificate status is personal data; only for the key's units (R16)"),
    ("POST", "/api/v2/sign/pdf"): (APP, "BSrE v2 sign; app2 names an official of another unit"),
    ("POST", "/api/v2/user/check/status"): (APP, "as /api/user/status"),
    ("POST", "/api/sign/verify"): (APPS, "BSrE v1 verify: Basic auth on every gateway route (reference 0); any application, not unit-bound"),
    ("POST", "/api/v2/verify/pdf"): (APPS, "BSrE v2 verify: as /api/sign/verify"),
    ("GET", "/api/v2/user/certificate/chain/{id}"): (APP, "an official's certificates only for the key's units; app2 gets the unknown-official 404"),
    ("POST", "/api/v2/seal/pdf"): (APP, "unit seals are unit-bound: app2 names the demo unit's seal and is refused (403)"),
    ("POST", "/api/v2/sign/get/totp"): (APPS, "no TOTP in teken: 501 for every application"),
    ("POST", "/api/v2/seal/get/activation"): (APPS, "no TOTP in teken: 501 for every application"),
    ("POST", "/api/v2/seal/revoke/activation"): (APPS, "no TOTP in teken: 501 for every application"),
    ("POST", "/api/v2/seal/get/totp"): (APPS, "no TOTP in teken: 501 for every application"),
    # --- registration authority
    ("POST", "/api/v1/enrollments"): (S({"sub", "sub2", "verif", "admin"}), "officials enrol themselves, staff enrol for them"),
    ("GET", "/api/v1/requests"): (S({"verif", "admin", "auditor", "sub", "sub2"}), "staff see all; a subscriber sees only their own (checked)"),
    ("GET", "/api/v1/requests/{id}"): (S({"verif", "admin", "auditor", "sub"}), "identity data: staff and the request's own official, never another"),
    ("POST", "/api/v1/requests/{id}/approve"): (S({"verif"}), "only Verifikators decide (R9)"),
    ("POST", "/api/v1/requests/{id}/reject"): (S({"verif"}), "only Verifikators decide (R9)"),
    ("POST", "/api/v1/me/passphrase"): (SUBS, "own passphrase"),
    ("POST", "/api/v1/me/reset"): (SUBS, "own lost passphrase"),
    ("POST", "/api/v1/me/renew"): (SUBS, "own renewal"),
    ("GET", "/api/v1/me/certificates"): (SUBS, "own certificates"),
    ("GET", "/api/v1/me/documents"): (SUBS, "an official's own signed documents (history)"),
    ("GET", "/api/v1/me/documents/{id}/file"): (SUBS, "re-download of one's own kept file (another official's: 404)"),
    ("GET", "/api/v1/me/data"): (SUBS, "own personal data export (UU 27/2022)"),
    ("POST", "/api/v1/me/activate"): (SUBS, "only the official activates their own approved enrolment (sole control)"),
    ("POST", "/api/v1/me/erase"): (SUBS, "an official asks for the erasure of their own data"),
    ("POST", "/api/v1/pii-access"): (S({"auditor", "admin"}), "staff without PII duties ask for access; Verifikators need none, officials and apps never"),
    ("POST", "/api/v1/unlock-requests"): (S({"sub", "verif", "admin"}), "the official or staff; never another official (sub2 names the demo official)"),
    ("GET", "/api/v1/unlock-throttles"): (S({"verif", "admin"}), "staff who file and decide unlock requests see whose keys have wrong-passphrase delays (names, no PII)"),
    ("GET", "/api/v1/settings"): (S({"admin", "auditor"}), "instance settings, secrets redacted: the ministry's IT and the issuer's reviewers"),
    ("POST", "/api/v1/seals"): (S({"admin"}), "organisational seals are requested by admin"),
    ("GET", "/api/v1/subscribers"): (S({"admin", "verif", "auditor"}), "staff list (no PII)"),
    ("POST", "/api/v1/subscribers/{id}/erase"): (S({"admin"}), "erasure is an admin action (second person follows)"),
    ("GET", "/api/v1/evidence/{id}"): (S({"verif"}), "KTP/SK scans: Verifikators check evidence (DESIGN 1), least privilege (R16); others only with an approved PII-access grant, which no caller here has"),
    # --- monitoring and evaluation (R17, PKS art. 12): the ministry (admins) and the issuer (auditors) evaluate together
    ("GET", "/api/v1/dashboard"): (S({"admin", "auditor"}), "monitoring dashboard for both parties of the agreement"),
    ("GET", "/api/v1/evaluations"): (S({"admin", "auditor"}), "evaluation records of both parties"),
    ("POST", "/api/v1/evaluations"): (S({"admin", "auditor"}), "either party records the joint evaluation"),
    ("GET", "/api/v1/evaluations/{id}"): (S({"admin", "auditor"}), "evaluation record"),
    ("POST", "/api/v1/evaluations/{id}"): (S({"admin", "auditor"}), "either party edits the draft record"),
    ("POST", "/api/v1/evaluations/{id}/actions"): (S({"admin", "auditor"}), "follow-up actions of the evaluation"),
    ("POST", "/api/v1/evaluations/{id}/actions/{aid}"): (S({"admin", "auditor"}), "follow-up status, by either party"),
    ("POST", "/api/v1/evaluations/{id}/minutes"): (S({"admin", "auditor"}), "freezing the minutes"),
    ("GET", "/api/v1/evaluations/{id}/minutes.pdf"): (S({"admin", "auditor"}), "the minutes both parties sign"),
    ("POST", "/api/v1/evaluations/{id}/minutes/signed"): (S({"admin", "auditor"}), "each party uploads its signed minutes"),
    # --- the agreement's calendar (R15): both parties read it; the ministry's admins load a year's decree
    ("GET", "/api/v1/agreement/holidays/{year}"): (S({"admin", "auditor"}), "the holidays deadlines count with: both parties"),
    ("PUT", "/api/v1/agreement/holidays/{year}"): (S({"admin"}), "loading a year's decree: ministry admins"),
    ("DELETE", "/api/v1/agreement/holidays/{year}"): (S({"admin"}), "dropping a loaded decree: ministry admins"),
    ("GET", "/api/v1/agreement/deadline"): (S({"admin", "auditor"}), "deadline arithmetic of the agreement: both parties"),
    # --- literacy, socialisation and training (R14): both parties record events; the page text is the ministry's; public reads
    ("GET", "/api/v1/literasi"): (EVERYONE, "the public /literasi page text (R14)"),
    ("PUT", "/api/v1/literasi"): (S({"admin"}), "the ministry's admins edit the page text"),
    ("GET", "/api/v1/literasi/versions"): (S({"admin"}), "the page text's history, for its editors"),
    ("GET", "/api/v1/events/public"): (EVERYONE, "upcoming public events, no participants"),
    ("GET", "/api/v1/events/public/{id}/materials/{fid}"): (EVERYONE, "materials of public events are handed out"),
    ("GET", "/api/v1/events"): (S({"admin", "auditor"}), "events of both parties"),
    ("POST", "/api/v1/events"): (S({"admin", "auditor"}), "either party records its events"),
    ("GET", "/api/v1/events/{id}"): (S({"admin", "auditor"}), "an event with its participants (personal data)"),
    ("POST", "/api/v1/events/{id}"): (S({"admin", "auditor"}), "the organiser side edits (service decides the side)"),
    ("POST", "/api/v1/events/{id}/status"): (S({"admin", "auditor"}), "the organiser side marks held or cancelled"),
    ("POST", "/api/v1/events/{id}/participants"): (S({"admin", "auditor"}), "participants recorded by the organiser side"),
    ("POST", "/api/v1/events/{id}/participants/{pid}/remove"): (S({"admin", "auditor"}), "participants removed by the organiser side"),
    ("POST", "/api/v1/events/{id}/attendance"): (S({"admin", "auditor"}), "attendance marked by the organiser side"),
    ("POST", "/api/v1/events/{id}/materials"): (S({"admin", "auditor"}), "materials added by the organiser side"),
    ("GET", "/api/v1/events/{id}/materials/{fid}"): (S({"admin", "auditor"}), "materials of any event, for staff"),
    # --- signed correspondence (R15): the ministry drafts and sends, its official signs, the issuer reads and acknowledges
    ("GET", "/api/v1/letters"): (S({"admin", "auditor"}) | SUBS, "letters: the ministry all, the issuer those sent to it, officials those they sign"),
    ("POST", "/api/v1/letters"): (S({"admin"}), "drafting a letter: ministry admins"),
    ("GET", "/api/v1/letters/deadline"): (S({"admin"}), "the drafting form's deadline hint: ministry admins"),
    ("POST", "/api/v1/letters/incoming"): (S({"admin"}), "registering an incoming letter: ministry admins"),
    ("GET", "/api/v1/letters/{id}"): (S({"admin", "auditor"}) | SUBS, "one letter (the service hides what the caller may not see)"),
    ("POST", "/api/v1/letters/{id}"): (S({"admin"}), "changing a draft: ministry admins"),
    ("GET", "/api/v1/letters/{id}/preview.pdf"): (S({"admin"}) | SUBS, "the draft as it would be signed: admins and the named official"),
    ("POST", "/api/v1/letters/{id}/sign"): (SUBS, "the named official signs as themself with their passphrase"),
    ("POST", "/api/v1/letters/{id}/send"): (S({"admin"}), "sending a signed letter: ministry admins"),
    ("POST", "/api/v1/letters/{id}/ack"): (S({"admin", "auditor"}), "the issuer acknowledges; an admin records one received by mail"),
    ("POST", "/api/v1/letters/{id}/evidence"): (S({"admin"}), "evidence of a letter (force majeure): ministry admins"),
    ("GET", "/api/v1/letters/{id}/evidence/{fid}"): (S({"admin", "auditor"}) | SUBS, "evidence of a letter the caller may see"),
    ("GET", "/api/v1/letters/{id}/pdf"): (S({"admin", "auditor"}) | SUBS, "the signed or received PDF of a letter the caller may see"),
    # --- the agreement register (R15): the ministry's admins keep it; the issuer's auditors read it and record their own contacts
    ("GET", "/api/v1/agreements"): (S({"admin", "auditor"}), "the agreement register: both parties"),
    ("POST", "/api/v1/agreements"): (S({"admin"}), "registering an agreement: ministry admins"),
    ("GET", "/api/v1/agreements/{id}"): (S({"admin", "auditor"}), "an agreement with addenda and contacts: both parties"),
    ("POST", "/api/v1/agreements/{id}"): (S({"admin"}), "correcting the particulars: ministry admins"),
    ("POST", "/api/v1/agreements/{id}/end"): (S({"admin"}), "recording the end: ministry admins"),
    ("POST", "/api/v1/agreements/{id}/pdf"): (S({"admin"}), "the signed agreement: uploaded by ministry admins"),
    ("GET", "/api/v1/agreements/{id}/pdf"): (S({"admin", "auditor"}), "the signed agreement: both parties"),
    ("POST", "/api/v1/agreements/{id}/addenda"): (S({"admin"}), "addenda: ministry admins"),
    ("POST", "/api/v1/agreements/{id}/addenda/{aid}/pdf"): (S({"admin"}), "a signed addendum: uploaded by ministry admins"),
    ("GET", "/api/v1/agreements/{id}/addenda/{aid}/pdf"): (S({"admin", "auditor"}), "a signed addendum: both parties"),
    ("GET", "/api/v1/agreements/{id}/contacts"): (S({"admin", "auditor"}), "contact history (art. 15): both parties"),
    ("POST", "/api/v1/agreements/{id}/contacts"): (S({"admin", "auditor"}),
                                                   "a contact change: admins for either party, auditors for PIHAK II only (the service splits)"),
    # --- security assessments (R6): the issuer requests and decides, the ministry answers; confidential to both
    ("GET", "/api/v1/assessments"): (S({"admin", "auditor"}), "assessment requests: both parties of the agreement"),
    ("POST", "/api/v1/assessments"): (S({"auditor"}), "the issuer requests a security-assessment report (PKS 4(1)e)"),
    ("GET", "/api/v1/assessments/{id}"): (S({"admin", "auditor"}), "findings: ministry admins and issuer auditors only (logged)"),
    ("POST", "/api/v1/assessments/{id}/reports"): (S({"admin"}), "the ministry uploads its report (PKS 5(2)b)"),
    ("GET", "/api/v1/assessments/{id}/report.pdf"): (S({"admin", "auditor"}), "the sealed report file: both parties only (logged)"),
    ("POST", "/api/v1/assessments/{id}/accept"): (S({"auditor"}), "the issuer accepts the report"),
    ("POST", "/api/v1/assessments/{id}/return"): (S({"auditor"}), "the issuer returns the report with a reason"),
    # --- recommendations and internal policies (R5, docs/policy.md)
    ("GET", "/api/v1/recommendations"): (S({"admin", "auditor"}), "the register: the issuer recommends, the ministry follows up"),
    ("POST", "/api/v1/recommendations"): (S({"auditor"}), "recommendations are the issuer's (PKS 4(2)b)"),
    ("GET", "/api/v1/recommendations/{id}"): (S({"admin", "auditor"}), "a recommendation and its evidence list"),
    ("POST", "/api/v1/recommendations/{id}/status"): (S({"admin", "auditor"}), "admins follow up; auditors accept a risk (the service splits)"),
    ("POST", "/api/v1/recommendations/{id}/files"): (S({"admin"}), "the ministry uploads its evidence of closure"),
    ("GET", "/api/v1/recommendations/{id}/files/{fid}"): (S({"admin", "auditor"}), "evidence is read by both parties, audited"),
    ("GET", "/api/v1/policies"): (S({"admin", "auditor"}), "internal policies: the ministry's, reviewed by the issuer"),
    ("POST", "/api/v1/policies"): (S({"admin"}), "the ministry drafts its own policies"),
    ("GET", "/api/v1/policies/{id}"): (S({"admin", "auditor"}), "a policy version with its comments"),
    ("POST", "/api/v1/policies/{id}"): (S({"admin"}), "the ministry edits its draft"),
    ("POST", "/api/v1/policies/{id}/comments"): (S({"admin", "auditor"}), "the issuer's assistance (PKS 4(2)b) and the ministry's answers"),
    ("POST", "/api/v1/policies/{id}/approve"): (S({"admin"}), "a second admin approves (four eyes)"),
    ("POST", "/api/v1/policies/{id}/publish"): (S({"admin"}), "the ministry publishes its policy"),
    ("POST", "/api/v1/policies/{id}/withdraw"): (S({"admin"}), "the ministry withdraws its own policy"),
    ("GET", "/api/v1/me/signing-policy"): (APPS, "an application reads the signing policy that binds it"),
    # --- implementation review (R11, docs/review.md): the issuer reviews, the ministry answers
    ("GET", "/api/v1/review/indicators"): (S({"admin", "auditor"}), "the automatic indicators and their evidence, for both parties"),
    ("GET", "/api/v1/review/instruments"): (S({"admin", "auditor"}), "instrument versions both parties review with"),
    ("POST", "/api/v1/review/instruments"): (S({"admin"}), "ministry IT loads a new instrument version (no code change)"),
    ("GET", "/api/v1/review/instruments/{version}"): (S({"admin", "auditor"}), "an instrument version as loaded"),
    ("GET", "/api/v1/reviews"): (S({"admin", "auditor"}), "reviews of the ministry by the issuer"),
    ("POST", "/api/v1/reviews"): (S({"auditor"}), "the issuer opens a review (PKS 4(2)e)"),
    ("GET", "/api/v1/reviews/{id}"): (S({"admin", "auditor"}), "a review, for both parties"),
    ("POST", "/api/v1/reviews/{id}/answers"): (S({"admin"}), "the ministry's self-assessment"),
    ("POST", "/api/v1/reviews/{id}/files"): (S({"admin"}), "the ministry's evidence uploads"),
    ("GET", "/api/v1/reviews/{id}/files/{fid}"): (S({"admin", "auditor"}), "evidence, read by both parties (audited)"),
    ("POST", "/api/v1/reviews/{id}/submit"): (S({"admin"}), "the ministry submits its answers"),
    ("POST", "/api/v1/reviews/{id}/scores"): (S({"auditor"}), "the reviewer scores"),
    ("POST", "/api/v1/reviews/{id}/close"): (S({"auditor"}), "the reviewer closes and the report is rendered"),
    ("GET", "/api/v1/reviews/{id}/report.pdf"): (S({"admin", "auditor"}), "the result delivered to the ministry (PKS 5(1)e)"),
    ("POST", "/api/v1/reviews/{id}/report/signed"): (S({"auditor"}), "the reviewer's signed report"),
    # --- technical-support tickets (R12, docs/support.md); the service hides others' tickets (404)
    ("GET", "/api/v1/tickets"): (USERS, "everyone signed in lists the tickets they may see (own; auditors and admins all)"),
    ("POST", "/api/v1/tickets"): (S({"admin", "verif", "sub", "sub2", "app", "app2"}), "ministry staff and applications open tickets; the issuer answers them"),
    ("GET", "/api/v1/tickets/summary"): (S({"admin", "auditor"}), "times to answer and resolve, for both parties"),
    ("GET", "/api/v1/tickets/{id}"): (USERS, "a ticket: its opener, auditors, admins (others get 404 from the service)"),
    ("POST", "/api/v1/tickets/{id}/messages"): (USERS, "replies: the opener, the issuer, the ministry's admins"),
    ("POST", "/api/v1/tickets/{id}/assign"): (S({"auditor"}), "assignees are on the issuer's side"),
    ("POST", "/api/v1/tickets/{id}/resolve"): (S({"auditor"}), "the issuer resolves"),
    ("POST", "/api/v1/tickets/{id}/close"): (USERS, "the opener or either party closes a resolved ticket"),
    ("GET", "/api/v1/tickets/{id}/files/{fid}"): (USERS, "the attached document, as visible as its ticket"),
    ("POST", "/api/v1/public/tickets"): (EVERYONE, "the verify page's report-a-problem form (rate limited)"),
    ("GET", "/api/v1/public/tickets/{ref}"): (EVERYONE, "follow-up: the token is the credential"),
    ("POST", "/api/v1/public/tickets/{ref}/messages"): (EVERYONE, "the public reporter answers with the token"),
    # --- change notices of the certificate service (R13, docs/notices.md)
    ("GET", "/notices"): (EVERYONE, "the public notices page (PKS 4(2)g: a channel the issuer provides)"),
    ("GET", "/notices.atom"): (EVERYONE, "public Atom feed of published and withdrawn notices"),
    ("GET", "/notices.json"): (EVERYONE, "public JSON feed of published and withdrawn notices"),
    ("GET", "/api/v1/notices"): (S({"admin", "auditor"}), "the issuer's admins (drafts too) and the ministry's admins (to acknowledge)"),
    ("POST", "/api/v1/notices"): (S({"auditor"}), "only the issuer drafts notices"),
    ("GET", "/api/v1/notices/{id}"): (S({"admin", "auditor"}), "a notice with its acknowledgement"),
    ("POST", "/api/v1/notices/{id}"): (S({"auditor"}), "the issuer edits its drafts"),
    ("POST", "/api/v1/notices/{id}/publish"): (S({"auditor"}), "the issuer publishes"),
    ("POST", "/api/v1/notices/{id}/withdraw"): (S({"auditor"}), "the issuer withdraws"),
    ("POST", "/api/v1/notices/{id}/acknowledge"): (S({"admin"}), "the ministry's admins acknowledge receipt"),
    ("GET", "/api/v1/webhooks"): (S({"admin"}), "the ministry's receivers of notices"),
    ("POST", "/api/v1/webhooks"): (S({"admin"}), "the ministry registers its receivers"),
    ("POST", "/api/v1/webhooks/{id}"): (S({"admin"}), "change or deactivate a receiver"),
    ("POST", "/api/v1/webhooks/{id}/delete"): (S({"admin"}), "delete a receiver"),
    ("POST", "/api/v1/webhooks/{id}/rotate"): (S({"admin"}), "a new HMAC secret"),
    ("POST", "/api/v1/webhooks/{id}/test"): (S({"admin"}), "a signed test ping"),
    ("GET", "/api/v1/webhooks/{id}/deliveries"): (S({"admin"}), "the delivery log"),
}

# Rows for routes being added on other branches today: checked like the others once the
# server serves them, not reported missing before. Move a row up into EXPECTED when it lands.
ANNOUNCED = {}

# Rows an admitted caller answers 501 Not Implemented (a documented "not supported"; docs/bsre-compat.md).
NOT_SUPPORTED = {("POST", "/api/v2/sign/get/totp"), ("POST", "/api/v2/seal/get/activation"), ("POST", "/api/v2/seal/revoke/activation"),
                 ("POST", "/api/v2/seal/get/totp")}
# Rows whose refusal may be a 404 (someone else's object; hiding it is a refusal).
OWNED = {("GET", "/api/v1/requests/{id}"), ("POST", "/api/v1/certificates/{serial}/revoke"),
         ("POST", "/api/v1/unlock-requests")}
# Rows run after all others, in this order (they change state for admitted callers).
LATE = [("POST", "/api/v1/certificates/{serial}/hold"), ("POST", "/api/v1/certificates/{serial}/release"),
        ("POST", "/api/v1/certificates/{serial}/revoke"), ("POST", "/api/v1/subscribers/{id}/erase")]


def is_bsre(pattern):
    return pattern.startswith("/api/sign/") or pattern.startswith("/api/user/") or pattern.startswith("/api/v2/")


def basic_of(key):
    # esign-<16 hex prefix> : <40 hex secret>
    return "Basic " + base64.b64encode(("esign-%s:%s" % (key[3:19], key[20:])).encode()).decode()


class Store:
    """Counts rows (and a few state columns) of every table, on either backend."""

    STATE = ["SELECT COUNT(*) FROM certs WHERE status <> 'valid'", "SELECT COALESCE(SUM(active), 0) FROM users",
             "SELECT COUNT(*) FROM api_keys WHERE revoked_at IS NOT NULL", "SELECT COUNT(*) FROM requests WHERE status <> 'pending'",
             "SELECT COUNT(*) FROM subscribers WHERE status <> 'active'",
             "SELECT COALESCE(SUM(failed_attempts), 0) FROM subscriber_keys", "SELECT COUNT(*) FROM subscriber_keys WHERE status <> 'active'"]

    def __init__(self, inst, pg_url=None):
        self.pg = pg_url
        self.db = os.path.join(inst, "teken.db")
        if pg_url:
            tables = self.psql("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
                               "AND table_type = 'BASE TABLE' ORDER BY 1").split()
        else:
            tables = [r[0] for r in self.sqlite("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1")]
        # usage_counters: the jobs thread adds the server's request counts every 10 s whatever the call
        # (and a refused call is itself counted, by design): not a change the refused caller made.
        tables = [t for t in tables if t != "usage_counters"]
        self.queries = ["SELECT COUNT(*) FROM %s" % t for t in tables] + self.STATE
        self.tables = tables

    def sqlite(self, sql):
        c = sqlite3.connect(self.db, timeout=30)
        try:
            return c.execute(sql).fetchall()
        finally:
            c.close()

    def psql(self, sql):
        # One psql for the whole run: a connection per snapshot costs more than the calls.
        if getattr(self, "proc", None) is None:
            self.proc = subprocess.Popen(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", self.pg],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            atexit.register(self.proc.kill)
        self.proc.stdin.write(sql + ";\n\\echo __end__\n")
        self.proc.stdin.flush()
        out = []
        while True:
            line = self.proc.stdout.readline()
            if line == "":
                raise AssertionError("psql ended on: " + sql)
            if line.strip() == "__end__":
                return "".join(out)
            out.append(line)

    def seal_name(self):
        """The demo unit's seal key name ("seal-<n>")."""
        sql = "SELECT substr(key, 6) FROM meta WHERE key LIKE 'cert.seal-%'"
        return self.psql(sql).split()[0] if self.pg else self.sqlite(sql)[0][0]

    def snapshot(self):
        if self.pg:
            sql = " UNION ALL ".join("SELECT %d, (%s)::bigint" % (i, q) for i, q in enumerate(self.queries))
            rows = dict(line.split("|") for line in self.psql(sql).split())
            return [int(rows[str(i)]) for i in range(len(self.queries))]
        c = sqlite3.connect(self.db, timeout=30)
        try:
            return [c.execute(q).fetchone()[0] for q in self.queries]
        finally:
            c.close()

    def diff(self, a, b):
        return ["%s: %s -> %s" % (q, x, y) for q, x, y in zip(self.queries, a, b) if x != y]


def run_matrix(backend, pg_url=None):
    t0 = time.time()
    d = os.path.join(tmpdir(), "inst")
    args = ["init", "--dir", d, "--demo", "--key-alg", "ec-p256"]
    if pg_url:
        args += ["--store", pg_url]
    teken(*args)
    demo = json.load(open(os.path.join(d, "demo.json")))
    sub = demo["subscriber"]
    teken("user", "add", "--dir", d, "--user", "pejabat2", "--role", "subscriber", "--name", "Bukan Pemilik",
          "--password-file", "-", input="pejabat2-password-1\n")
    teken("user", "add", "--dir", d, "--user", "throwaway", "--role", "auditor", "--name", "Sekali Pakai",
          "--password-file", "-", input="throwaway-password-1\n")
    key2 = teken("apikey", "create", "--dir", d, "--name", "Aplikasi Biro Lain", "--units", "Biro Lain").stdout.strip()
    teken("apikey", "create", "--dir", d, "--name", "Sekali Pakai", "--units", "Biro Lain")
    throwaway_key_id = [k["id"] for k in json.loads(teken("apikey", "list", "--dir", d).stdout) if k["name"] == "Sekali Pakai"][0]
    srv = Server(d)
    store = Store(d, pg_url)

    creds = {"admin": (demo["admin"]["user"], demo["admin"]["password"]),
             "verif": (demo["verifikators"][0]["user"], demo["verifikators"][0]["password"]),
             "auditor": (demo["auditor"]["user"], demo["auditor"]["password"]),
             "sub": (sub["user"], sub["password"]), "sub2": ("pejabat2", "pejabat2-password-1")}
    keys = {"app": demo["application"]["api_key"], "app2": key2}

    def client(who, fresh=False, bsre=False):
        c = Client(srv)
        if who in creds:
            if fresh or who not in sessions:
                r = c.login(*creds[who])
                check(r.status == 200, "%s: %s logs in: %s" % (backend, who, r.body[:200]))
                if fresh:
                    return c
                sessions[who] = (c.cookie, c.csrf)
            c.cookie, c.csrf = sessions[who]
        elif who in keys:
            if bsre:
                c.basic = basic_of(keys[who])
            else:
                c.bearer = keys[who]
        return c

    sessions = {}

    def send(c, method, path, body):
        h = {}
        if getattr(c, "basic", None):
            h["Authorization"] = c.basic
        if body is None:
            return c.request(method, path, headers=h)
        if isinstance(body, tuple):
            return c.request(method, path, body[0], ctype=body[1], raw=True, headers=h)
        return c.request(method, path, body, headers=h)

    # --- Objects the ownership rows are about (all the demo official's / demo application's).
    s = client("sub")
    serial = s.request("GET", "/api/v1/me/certificates").json()
    serial = (serial.get("certificates", serial) if isinstance(serial, dict) else serial)[0]["serial"]
    reqs = s.request("GET", "/api/v1/requests").json()
    reqs = reqs.get("requests", reqs) if isinstance(reqs, dict) else reqs
    req_id = reqs[0]["id"]
    subs = client("admin").request("GET", "/api/v1/subscribers").json()
    subs = subs.get("subscribers", subs) if isinstance(subs, dict) else subs
    sub_id = subs[0]["id"]
    body, ct = multipart({"nik": sub["nik"], "passphrase": sub["passphrase"], "tampilan": "invisible"}, [("file", "s.pdf", PDF)])
    r = send(client("app", bsre=True), "POST", "/api/sign/pdf", (body, ct))
    check(r.status == 200 and "id_dokumen" in r.headers, "%s: demo application signs through BSrE v1: %s" % (backend, r.body[:200]))
    doc_id = r.headers["id_dokumen"]

    params = {"{ca}": "issuing", "{req...}": "MAo=", "{id}": "999999", "{file}": "app.js", "{user}": "throwaway",
              "{serial}": serial, "{nik}": sub["nik"], "{year}": "2026", "{version}": "999", "{aid}": "999999",
              "{ref}": "TKT-2000-AAAAAA", "{fid}": "999999", "{pid}": "999999"}
    seal_name = store.seal_name()
    ids = {("GET", "/api/v1/requests/{id}"): req_id, ("POST", "/api/v1/requests/{id}/approve"): req_id,
           ("POST", "/api/v1/requests/{id}/reject"): req_id, ("GET", "/api/sign/download/{id}"): doc_id,
           ("POST", "/api/v1/apikeys/{id}/revoke"): throwaway_key_id, ("POST", "/api/v1/subscribers/{id}/erase"): sub_id,
           ("GET", "/api/v1/evidence/{id}"): 1, ("GET", "/api/v1/documents/{id}"): doc_id, ("GET", "/v/{id}"): doc_id,
           ("GET", "/api/v2/user/certificate/chain/{id}"): sub["nik"]}

    def path_of(key):
        p = key[1]
        for k, v in params.items():
            p = p.replace(k, str(ids.get(key, v)) if k == "{id}" else v)
        return p

    def sign_mp(opts, files=None):
        return multipart({"options": json.dumps(opts)}, files if files is not None else [("file", "s.pdf", PDF)])

    def body_of(key, who):
        m, p = key
        if m not in ("POST", "PUT"):
            return None
        # The signing rows name the demo official: its own unit's app may, the other unit's may not.
        # Subscribers sign as themselves (with no passphrase: the route admitted them, the key check follows).
        opts = {"nik": sub["nik"], "passphrase": sub["passphrase"]}
        if p == "/api/v1/sign/pdf":
            return sign_mp(opts if who in APPS else {})
        if p == "/api/v1/sign/cades":
            return sign_mp(opts if who in APPS else {}, [("file", "d.bin", b"data")])
        if p == "/api/v1/sign/batch":
            return sign_mp(opts if who in APPS else {}, [("file", "a.pdf", PDF), ("file", "b.pdf", PDF)])
        if p == "/api/sign/pdf":
            return multipart({"nik": sub["nik"], "passphrase": sub["passphrase"], "tampilan": "invisible"}, [("file", "s.pdf", PDF)])
        if p == "/api/v2/sign/pdf":
            return {"nik": sub["nik"], "passphrase": sub["passphrase"], "signatureProperties": [{"tampilan": "INVISIBLE"}],
                    "file": [base64.b64encode(PDF).decode()]}
        if p == "/api/v2/user/check/status":
            return {"nik": sub["nik"]}
        if p == "/api/sign/verify":
            return multipart({}, [("signed_file", "s.pdf", PDF)])
        if p == "/api/v2/verify/pdf":
            return {"file": base64.b64encode(PDF).decode()}
        if p == "/api/v2/seal/pdf":
            return {"idSubscriber": seal_name, "totp": "000000", "signatureProperties": [{"tampilan": "INVISIBLE"}],
                    "file": [base64.b64encode(PDF).decode()]}
        if p == "/api/v1/certificates/{serial}/revoke":
            return {"reason": "keyCompromise"}
        if p == "/api/v1/requests/{id}/reject":
            return {"reason": "uji matriks"}
        if p == "/api/v1/unlock-requests":
            return {"user": sub["user"]}
        if p == "/api/v1/enrollments":
            return multipart({}, [])
        if p in ("/tsa", "/ocsp"):
            return (b"\x30\x00", "application/octet-stream")
        if p == "/api/v1/verify":
            return (b"%PDF-1.4\n", "application/pdf")
        if p == "/api/v1/verify/batch":
            return multipart({}, [("file", "a.pdf", PDF)])
        if p == "/api/v1/fields":
            return (PDF, "application/pdf")
        return {}

    problems = []

    # --- Completeness: the served routes (OpenAPI, rendered from the route table) against EXPECTED.
    spec = Client(srv).request("GET", "/api/v1/openapi.json").json()
    served = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops
              if m in ("get", "post", "put", "patch", "delete")}
    for k in ANNOUNCED:
        if k in served:
            EXPECTED[k] = ANNOUNCED[k]
    for k in sorted(served - set(EXPECTED)):
        problems.append("served but not in the matrix (add a row): %s %s" % k)
    for k in sorted(set(EXPECTED) - served):
        problems.append("in the matrix but not served: %s %s" % k)

    order = [k for k in EXPECTED if k not in LATE] + LATE
    calls = 0
    for key in order:
        if key not in served:
            continue
        admitted, why = EXPECTED[key]
        bsre = is_bsre(key[1])
        # Refused callers first: an admitted call may consume the object (download once, revoke).
        for who in sorted(CALLERS, key=lambda w: (w in admitted, CALLERS.index(w))):
            c = client(who, fresh=(key == ("POST", "/api/v1/logout")), bsre=bsre)
            path = path_of(key)
            before = store.snapshot() if who not in admitted else None
            r = send(c, key[0], path, body_of(key, who))
            calls += 1
            tag = "%s %s %s as %s -> %d %s" % (backend, key[0], path, who, r.status, r.body[:160])
            if os.environ.get("MATRIX_VERBOSE"):
                print(("+ " if who in admitted else "- ") + tag)
            if who in admitted:
                # A wrong or missing signing passphrase is 401 passphrase_invalid: past the route's decision.
                if key in NOT_SUPPORTED:
                    if r.status != 501 or r.json().get("status_code") != 501:
                        problems.append("ADMITTED caller not answered 501 not supported: " + tag)
                    else:
                        check(True, tag)
                    continue
                if (r.status in (401, 403) and r.error_code() != "passphrase_invalid") or r.status >= 500:
                    problems.append("ADMITTED caller refused or crashed: " + tag)
                else:
                    check(True, tag)
                continue
            after = store.snapshot()
            changed = store.diff(before, after)
            if who == "anon":
                good = r.status == 401
                if good and bsre:
                    j = r.json()
                    good = j.get("status") == 401 and j.get("error") == "Unauthorized" and "www-authenticate" in r.headers
            elif bsre and "status" in key[1] and r.status == 200:
                # Status look-ups answer 200 in the vendor's API; outside the key's units the official is hidden.
                good = r.json().get("status") == "NOT_REGISTERED"
            elif bsre:
                good = r.status in (400, 403, 404) and not r.body.startswith(b"%PDF") and b'"file"' not in r.body
            elif key == ("POST", "/api/v1/sign/batch") and r.status == 200:
                good = r.json().get("signed") == 0  # per-file refusals of a batch
                changed = [x for x in changed if "unlock_throttle" not in x]
            elif key[1].startswith("/api/v1/sign/") and r.status == 401:
                # An official outside the key's units is nobody to it: the answer of an unknown NIK,
                # and the guess is counted against the caller (the throttle's row, nothing else).
                good = r.error_code() == "passphrase_invalid"
                changed = [x for x in changed if "unlock_throttle" not in x]
            else:
                good = r.status == 403 or (r.status == 404 and key in OWNED)
            if not good or changed:
                problems.append("NOT REFUSED (intent: %s): %s%s" % (why, tag, (" store changed: %s" % changed) if changed else ""))
            else:
                check(True, tag)
        # Content: a subscriber's list of requests never shows another official's.
        r = client("sub2").request("GET", "/api/v1/requests") if key == ("GET", "/api/v1/requests") else None
        if r is not None and r.status == 200:
            if str(req_id) in [str(x.get("id")) for x in (r.json().get("requests", []) if isinstance(r.json(), dict) else r.json())]:
                problems.append("%s GET /api/v1/requests as sub2 lists the demo official's request %s" % (backend, req_id))
    srv.stop()
    print("%s: %d calls, %d routes served, %.1fs" % (backend, calls, len(served), time.time() - t0))
    return problems


problems = run_matrix("sqlite")

pgdir = os.path.join(tmpdir(), "pg")
lib = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib", "pg.sh")
atexit.register(subprocess.run, ["bash", "-c", 'source "$0"; pg_stop "$1"', lib, pgdir])
p = subprocess.run(["bash", "-c", 'source "$0"; pg_start "$1"', lib, pgdir], capture_output=True, text=True)
if p.returncode != 0:
    raise AssertionError("pg_start failed: " + p.stderr)
problems += run_matrix("postgres", open(os.path.join(pgdir, "url")).read().strip())

if problems:
    print("\n".join(problems))
    raise AssertionError("%d authorization disagreements with the intended matrix" % len(problems))
finish("test_route_matrix")

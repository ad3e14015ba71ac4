/*
 * teken help, teken(1) and teken.conf(5) from one pair of tables (help.h).
 * The synopsis lines are the option reference; the summaries say what a
 * command is for and the doc page has the details. Keep the tables ASCII:
 * the roff writer escapes what it must, but terminals and man(1) on a
 * minimal machine should see the same text.
 */
#include "cli/help.h"
#include "cli/cli.h"

#include <errno.h>
#include <string.h>

#ifndef TEKEN_VERSION
#define TEKEN_VERSION "unknown"
#endif

/* ------------------------------------------------------------ commands */

static const struct help_cmd cmds[] = {
	{ "init",
	    "teken init   --dir D [--demo] [--store sqlite|postgres://...] [--key-alg A] [--leaf-key-alg A]\n"
	    "             [--base-url URL] [--org NAME] [--cps FILE] [--policy-oid OID]\n"
	    "             [--pkcs11-module SO --pkcs11-token LABEL --pkcs11-pin-file F]   # keys on an HSM (docs/hsm.md)",
	    "Creates an instance directory: writes teken.conf and instance.key, generates the root CA, issuing CA, TSA, "
	    "OCSP-signer and seal keys and certificates and the audit key, and records everything in the store and the "
	    "audit log. The directory must not hold a teken.conf or instance.key yet; on failure init removes what it made.",
	    "install.md" },
	{ "ca",
	    "teken ca chain  --dir D\n"
	    "teken ca issue  --dir D --csr F --profile P [--subject S] [--subject-nik N] [-o cert.pem]\n"
	    "teken ca show   --dir D --serial HEX\n"
	    "teken ca revoke --dir D --serial HEX --reason R\n"
	    "teken ca crl    --dir D [--ca issuing|root] [--pem] [-o crl.der]",
	    "The certification authority: prints the CA chain, issues a certificate from a CSR under a [profile NAME] "
	    "of teken.conf, shows or revokes a certificate by serial, and signs a fresh CRL of the issuing or root CA.",
	    "configuration.md" },
	{ "sign",
	    "teken sign   --dir D --in a.pdf --out b.pdf (--seal | --subscriber U | --nik N) [--passphrase-file F|-]\n"
	    "             [--level B-B] [--visible page,x,y,w,h] [--anchor TEXT] [--image sig.png] [--certify 1|2|3] [--field NAME | --new-field] [--reason R] [--location L]\n"
	    "             (a document with exactly one empty signature field is signed into it unless --visible/--anchor/--new-field)\n"
	    "teken sign fields --in a.pdf   # the signature fields of a PDF as JSON: name, page, rect, signed\n"
	    "teken sign   --dir D --cades --in any.file --out any.file.p7s (--seal | ...)",
	    "Signs a PDF (PAdES B-B to B-LTA) or any file (CAdES, detached) with the instance seal or an official's key, "
	    "visibly or invisibly, and records the document in the registry; `sign fields` lists a PDF's signature fields.",
	    "signing.md" },
	{ "verify",
	    "teken verify [--dir D] [--trust roots.pem|DIR...] [--crl F...] --in b.pdf [--format json|text|html|pdf] [-o F]\n"
	    "             [--at TIME] [--revocation required|optional|online] [--password-file F|-] [--page-changes fail|warn]\n"
	    "             (exit 0 valid, 3 indeterminate, 4 failed, 5 changed, 6 no signature)\n"
	    "teken verify ... --in sig.p7s --content any.file             # CAdES\n"
	    "teken verify ... --in a.pdf b.pdf ... | --in DIR [--threads N] [--format html|pdf -o DIR]  # many documents on all cores: JSON lines",
	    "Validates the signatures of PDFs and CAdES files (ETSI EN 319 102-1) against the instance's root and other "
	    "trust anchors, and reports per signature as JSON, text, HTML or a PDF report. teken-verify is the same "
	    "command as a smaller binary.",
	    "verification.md" },
	{ "ltv",
	    "teken ltv extend --dir D --in signed.pdf --out archived.pdf   # to PAdES B-LTA",
	    "Adds validation data (certificates, CRLs, OCSP responses) and a document timestamp to a signed PDF, "
	    "bringing it to PAdES B-LTA.",
	    "signing.md" },
	{ "backup",
	    "teken backup --dir D -o F [--include-instance-key]",
	    "Writes a consistent backup of a SQLite instance (database and configuration; the instance key only when asked).",
	    "backup-restore.md" },
	{ "restore",
	    "teken restore --dir NEW -i F [--key instance.key]",
	    "Restores a backup written by teken backup into a new instance directory.",
	    "backup-restore.md" },
	{ "jobs",
	    "teken jobs run --dir D   # one pass of the periodic jobs, for nodes serving with --no-jobs (teken-jobs.timer)",
	    "Runs every periodic job of teken serve once: mail and webhook delivery, purge of kept signed files, expiry and "
	    "other reminders, CRLs and OCSP responses when due, login-failure cleanup, an audit checkpoint when due. "
	    "Each job reports its own failure as a warning and the others still run.",
	    "install.md" },
	{ "cps",
	    "teken cps publish --dir D --file cps.md --version V\n"
	    "teken cps show    --dir D [--version V] [--meta]",
	    "Publishes a version of the Certification Practice Statement (served at /cps) and shows published versions.",
	    "cps.md" },
	{ "audit",
	    "teken audit verify     --dir D\n"
	    "teken audit checkpoint --dir D [--if-due]\n"
	    "teken audit export-heads --dir D -o heads.json [--since N]   /   teken audit verify-heads --dir D -i heads.json\n"
	    "teken audit search     --dir D [--from T] [--to T] [--actor A] [--action X|X.*] [--object O] [--object-type T]\n"
	    "                       [--outcome ok|failed] [--limit N] [--cursor C] [--chain no] [--format json|csv] [-o F]",
	    "The hash-chained audit log: verifies the chain and its signed checkpoints, signs a checkpoint (--if-due: only "
	    "when [audit] says one is due), exports checkpoint heads with a timestamp for the issuer and checks them later, "
	    "and searches events.",
	    "security.md" },
	{ "report",
	    "teken report usage --dir D --year Y [--unit U] [--format json|csv|xlsx|pdf] [-o F]   # the annual usage report (docs/reports.md)\n"
	    "teken report versions --dir D --year Y [--unit U]   /   teken report get --dir D --year Y --version N [--format pdf|json] -o F\n"
	    "teken report freeze|approve|acknowledge --dir D --year Y [--version N] [--unit U] [--as USER --password-file F|-]\n"
	    "teken report send --dir D --year Y --version N [--unit U] [--by-hand --note TEXT] [--as ADMIN --password-file F|-]",
	    "The annual usage report: computes it, freezes versions, records the four-eyes approval, sending and the "
	    "issuer's acknowledgement.",
	    "reports.md" },
	{ "serve",
	    "teken serve  --dir D [--listen 127.0.0.1:8443] [--threads N] [--tls-cert F --tls-key F] [--no-jobs]",
	    "Runs the HTTP server: the web UI, the API, the OCSP responder, the TSA, CRLs and /healthz and /metrics; "
	    "unless --no-jobs it also runs the periodic jobs (mail, reminders, CRLs, OCSP, audit checkpoints). Stops "
	    "cleanly on SIGTERM. Shipped as the systemd unit teken.service.",
	    "install.md" },
	{ "user",
	    "teken user add --dir D --user U --role R [--name N] --password-file F|-\n"
	    "teken user list|deactivate|activate --dir D [--user U]   /   teken user passwd --dir D --user U --password-file F|-\n"
	    "teken user role --dir D --user U --role R       # admin/verifikator: an account request (dual control)\n"
	    "teken user requests --dir D [--status S]   /   teken user approve|reject --dir D --id N --as ADMIN --password-file F|- [--reason R]",
	    "Staff and official accounts: add, list, block and unblock, set a password, change a role, and decide the "
	    "account requests that dual control of admin and Verifikator accounts creates.",
	    "install.md" },
	{ "apikey",
	    "teken apikey create --dir D --name N [--units U1,U2]   /   apikey list --dir D   /   apikey revoke --dir D --id ID",
	    "API keys of applications that sign through the API (the key is shown once; only its hash is stored).",
	    "api.md" },
	{ "subscriber",
	    "teken subscriber list --dir D",
	    "Lists the registered officials (subscribers) and their certificates.",
	    "registration.md" },
	{ "request",
	    "teken request list|show --dir D [--status S] [--id N]\n"
	    "teken request approve|reject --dir D --id N --as VERIFIKATOR --password-file F|- [--reason R]",
	    "Registration-authority requests (issue, renew, reset, hold, release, revoke, seal, erase, PII access, unlock) "
	    "and their Verifikator decisions.",
	    "registration.md" },
	{ "activate",
	    "teken activate --dir D --as OFFICIAL --password-file F|- (--passphrase-file G|- | --csr F)   # official's own first activation",
	    "An official's first activation: a server-held key under the official's passphrase, or the official's own CSR.",
	    "registration.md" },
	{ "ocsp",
	    "teken ocsp refresh --dir D [--force]   # re-sign stored OCSP responses (cron)",
	    "Re-signs stored OCSP responses that are due (all with --force); the serve jobs do it hourly.",
	    "trust-services.md" },
	{ "notify",
	    "teken notify send|reminders --dir D",
	    "Delivers queued e-mail ([smtp]) and queues certificate-expiry reminders; the serve jobs do both.",
	    "registration.md" },
	{ "letter",
	    "teken letter list|remind --dir D   /   teken letter get|send --dir D --id N   # signed correspondence (docs/agreements.md)\n"
	    "teken letter draft --dir D --file draft.json [--id N]   /   teken letter pdf --dir D --id N [--preview] [-o F]\n"
	    "teken letter sign --dir D --id N --as USER --password-file F --passphrase-file F\n"
	    "teken letter incoming --dir D --file meta.json --in letter.pdf   /   teken letter ack --dir D --id N --on YYYY-MM-DD\n"
	    "teken letter evidence add --dir D --id N --in F [--name N]   /   teken letter evidence get --dir D --id N --file-id F [-o F]",
	    "Correspondence under the agreement: letters from templates signed by the official and sent with the PDF, "
	    "incoming letters, acknowledgements, deadlines and evidence.",
	    "agreements.md" },
	{ "monev",
	    "teken monev dashboard|list|remind --dir D   /   teken monev show --dir D --id N   # monitoring and evaluation (docs/monev.md)\n"
	    "teken monev create --dir D --file rec.json   /   teken monev update --dir D --id N --file rec.json\n"
	    "teken monev action add --dir D --id N --description T --owner O [--owner-email E] --due YYYY-MM-DD\n"
	    "teken monev action update --dir D --id N --action A [--status open|in_progress|done|cancelled] [--note T] [--due D]\n"
	    "teken monev minutes freeze|get|upload --dir D --id N [-o minutes.pdf | --in signed.pdf]",
	    "Monitoring and evaluation of the cooperation: evaluation records, follow-up actions, minutes signed by both "
	    "parties, reminders.",
	    "monev.md" },
	{ "assess",
	    "teken assess list|remind --dir D   /   teken assess get --dir D --id N   # security assessments (docs/assessments.md)\n"
	    "teken assess request --dir D --system S --scope T --due YYYY-MM-DD [--note N]\n"
	    "teken assess upload --dir D --id N --file report.pdf --meta meta.json   /   teken assess download --dir D --id N [--version V] [-o F]\n"
	    "teken assess accept|return --dir D --id N --as AUDITOR --password-file F [--reason R]",
	    "Security-assessment reports: requests, sealed reports with findings, acceptance or return, overdue reminders.",
	    "assessments.md" },
	{ "reco",
	    "teken reco list [--status S] | show --id N | remind   --dir D   # the issuer's recommendations (docs/policy.md)\n"
	    "teken reco create --dir D --source review|assessment|advice|monev [--source-ref R] --title T --body B [--severity S] --owner O [--owner-email E] --due YYYY-MM-DD\n"
	    "teken reco status --dir D --id N --status open|in_progress|done|accepted_risk [--note T]   /   teken reco evidence add --dir D --id N --in F | get --id N --file-id F [-o OUT]",
	    "The issuer's recommendations to the ministry: status, evidence of closure, overdue reminders.",
	    "policy.md" },
	{ "policy",
	    "teken policy list | show --id N   --dir D   # internal policies; write commands take [--as USER --password-file F]\n"
	    "teken policy draft --dir D --name N --kind signing|security|other --title T (--body B | --body-file F) [--application APP --rules JSON]\n"
	    "teken policy update|comment|approve|publish|withdraw --dir D --id N [...]",
	    "The ministry's internal policies: drafts, comments, four-eyes approval, publication; signing policies whose "
	    "rules are enforced per application.",
	    "policy.md" },
	{ "review",
	    "teken review indicators --dir D [--format json|text]   # implementation review (docs/review.md)\n"
	    "teken review instrument load --dir D --file F   /   teken review instrument list|get --dir D [--version N] [-o F]\n"
	    "teken review list --dir D   /   teken review open --dir D --title T --from YYYY-MM-DD --to YYYY-MM-DD\n"
	    "teken review get|submit|close --dir D --id N   /   teken review answer|score --dir D --id N --file F.json\n"
	    "teken review evidence --dir D --id N --indicator I --in F --mime M [--name N]\n"
	    "teken review report --dir D --id N [-o report.pdf]   /   teken review upload --dir D --id N --in signed.pdf",
	    "The implementation review: indicators computed from the instance, the instrument (versions), answers, "
	    "scores, evidence and the signed report.",
	    "review.md" },
	{ "agreement",
	    "teken agreement deadline --dir D --rule termination|amendment|contact-change|force-majeure-verbal|force-majeure-written --date YYYY-MM-DD [--format json|text]\n"
	    "teken agreement holidays --dir D --year Y [--format json|text]   /   teken agreement holidays load|reset --dir D --year Y [--file decree.json]\n"
	    "teken agreement list|remind --dir D   /   teken agreement get --dir D --id N   # the agreement register (docs/agreements.md)\n"
	    "teken agreement create --dir D --file agr.json   /   update|addendum --dir D --id N --file F.json\n"
	    "teken agreement end --dir D --id N --on YYYY-MM-DD --reason T\n"
	    "teken agreement upload --dir D --id N [--addendum A] --in signed.pdf   /   download --dir D --id N [--addendum A] [-o F]\n"
	    "teken agreement contact change --dir D --id N --party first|second --changed-on YYYY-MM-DD --official O\n"
	    "                       [--position P] [--address A] [--phone T] [--email E]   /   contact history --dir D --id N [--party P]\n"
	    "                       (agreement commands: [--format json] [--as USER --password-file F])",
	    "The agreement register: term and status, the signed PDF (verified on upload), addenda, contacts, working-day "
	    "deadlines with holidays and cuti bersama, and reminders.",
	    "agreements.md" },
	{ "ticket",
	    "teken ticket list|summary --dir D [--status S | --year Y]   /   teken ticket get --dir D --id N [--file F -o doc.pdf]   # support tickets (docs/support.md)\n"
	    "teken ticket open --dir D --category C --subject S --body T|--body-file F [--document-id X] [--cert-serial S] [--file doc.pdf]\n"
	    "teken ticket reply|assign|resolve|close --dir D --id N [--body T|--note T|--assignee A]   (any: [--as USER --password-file F])",
	    "Technical-support tickets on authenticity, integrity and non-repudiation, with the verification report attached.",
	    "support.md" },
	{ "event",
	    "teken event list --dir D [--year Y] | get --id N   # training and socialisation events (docs/literacy.md)\n"
	    "teken event create --dir D --file ev.json   /   teken event update --dir D --id N --file ev.json\n"
	    "teken event status --dir D --id N --status planned|held|cancelled   /   teken event attend --dir D --id N --participant P [--absent]\n"
	    "teken event participant add --dir D --id N (--subscriber S | --name N [--unit U] --party first|second|public) | remove --id N --participant P\n"
	    "teken event material add --dir D --id N --in F [--name N] [--type MIME] | get --dir D --id N --file FID [-o OUT]",
	    "Literacy, socialisation and training events: speakers, participants, attendance and materials.",
	    "literacy.md" },
	{ "literasi",
	    "teken literasi get --dir D [--lang id|en] | set --dir D --file F --lang id|en | versions --dir D   # the /literasi page text",
	    "The text of the public /literasi page, in versions, in Indonesian and English.",
	    "literacy.md" },
	{ "notice",
	    "teken notice list|get|create|update|publish|withdraw|ack --dir D [--id N] [--json F | --category C --severity S --title-id T\n"
	    "    --title-en T --body-id B --body-en B --effective-on YYYY-MM-DD] [--reason R | --note N] [--as USER --password-file F]   # docs/notices.md\n"
	    "teken notice deliver --dir D                          # one webhook delivery pass",
	    "Change notices of the certificate service: drafts, publication (Atom and JSON feeds, e-mail, webhooks), "
	    "withdrawal and the ministry's acknowledgement.",
	    "notices.md" },
	{ "webhook",
	    "teken webhook list|add|remove|rotate|deliveries|test|enable|disable --dir D [--url U --description T | --id N]",
	    "Webhook subscriptions that receive change notices, signed with HMAC; their deliveries and secrets.",
	    "notices.md" },
	{ "settings",
	    "teken settings --dir D [--format json]              # effective teken.conf, secrets redacted; version, store, key storage",
	    "Shows the effective configuration with secrets redacted, the version, the store and where keys are kept.",
	    "staff-pages.md" },
	{ "documents",
	    "teken documents list --dir D [--subscriber U] [--q T] [--from D] [--to D] [--channel C] [--application A] [--limit N] [--before C]",
	    "Searches the registry of signed documents.",
	    "signing.md" },
	{ "bench",
	    "teken bench issue --dir D [-n N]",
	    "Measures certificate issuance on this machine (a throw-away load; use a test instance).",
	    "README.md" },
	{ "help",
	    "teken help [COMMAND | conf] [--man [-o FILE]]",
	    "Prints this overview, one command's entry, or every teken.conf key; with --man the manual page teken(1) "
	    "or teken.conf(5) as roff.",
	    "README.md" },
};

/* ------------------------------------------------------------ teken.conf keys */

#define BSRE "Balai Besar Sertifikasi Elektronik (BSrE), Badan Siber dan Sandi Negara"

static const struct help_key keys[] = {
	{ "instance", "name", "-", "display name (teken init writes it; not read by the current code)" },
	{ "instance", "organization", "Kementerian", "O= of certificates teken makes and the second line of seal stamps" },
	{ "instance", "country", "ID", "written by init; not read (certificates always carry C=ID)" },
	{ "instance", "public_base_url", "http://127.0.0.1:8443", "http(s) URL written into certificates (CRL, OCSP, CA, CPS) and QR codes" },
	{ "instance", "store", "sqlite:teken.db", "sqlite:FILE (relative to the instance) or postgres://... (use ?passfile=)" },
	{ "instance", "log_level", "info", "log level of teken serve: debug, info, warn, error, off" },
	{ "instance", "log_file", "-", "file teken serve appends its JSON log lines to (default: standard error)" },
	{ "instance", "mode", "production", "demo marks a demo instance (shown by teken settings)" },

	{ "ca", "key_alg", "rsa3072", "algorithm of the root and issuing CA keys, recorded by init; the audit key's fallback" },
	{ "ca", "leaf_key_alg", "ec-p256", "algorithm of the TSA, OCSP, seal and audit keys: rsa2048 rsa3072 rsa4096 ec-p256 ec-p384" },
	{ "ca", "digest", "sha256", "hash for certificates, CRLs and OCSP responses: sha256, sha384, sha512" },
	{ "ca", "policy_oid", "2.16.360.1.1.1.99.1", "certificate policy OID (a placeholder by default)" },
	{ "ca", "crl_validity_days", "7", "nextUpdate of the issuing CA's CRL in days, 1 to 3650" },
	{ "ca", "root_crl_validity_days", "90", "nextUpdate of the root CA's CRL in days, 1 to 3650" },

	{ "profile NAME", "key_usage", "-", "required: comma list of key usages; a section without it is not a profile" },
	{ "profile NAME", "ca", "no", "yes: basicConstraints CA:TRUE (init's CA profiles only)" },
	{ "profile NAME", "pathlen", "-", "pathLenConstraint of a CA profile, 0 to 16" },
	{ "profile NAME", "ext_key_usage", "-", "comma list of extended key usages (OpenSSL names, OIDs, documentSigning)" },
	{ "profile NAME", "eku_critical", "no", "mark extendedKeyUsage critical (TSA certificates)" },
	{ "profile NAME", "ocsp_nocheck", "no", "add id-pkix-ocsp-nocheck (OCSP signer certificates)" },
	{ "profile NAME", "validity_days", "730", "1 to 36500, cut to the issuing CA's notAfter" },
	{ "profile NAME", "allowed_keys", "rsa2048,rsa3072,rsa4096,ec-p256,ec-p384", "key algorithms accepted" },
	{ "profile NAME", "subject_required", "CN", "subject attributes that must be present" },
	{ "profile NAME", "subject_allowed", "CN,O,OU,C,L,ST,serialNumber,title,emailAddress", "the only subject attributes accepted" },

	{ "http", "web_root", "/usr/share/teken/web", "directory of the web UI (a build-tree binary: the source tree's web/)" },
	{ "http", "max_document_mb", "50", "largest body of document routes in MiB, 1 to 1024 (twice for base64 JSON)" },
	{ "http", "max_json_kb", "64", "largest body of every other route in KiB, 1 to 16384" },
	{ "http", "trusted_proxies", "-", "comma list of reverse-proxy addresses whose X-Forwarded-For is believed" },
	{ "http", "behind_tls_proxy", "no", "yes when a proxy terminates TLS: Secure cookies and HSTS" },
	{ "http", "max_connections_per_ip", "32", "concurrent connections per peer, 0 to 65535, 0 no limit (0 with trusted_proxies)" },
	{ "http", "rate_per_ip", "50", "requests per second per client address, 0 to 1000000, 0 off" },
	{ "http", "max_concurrent_signing", "twice the threads", "signing requests admitted at once, 0 to 4096, 0 no cap" },
	{ "http", "signing_threads", "twice the threads", "threads that sign (requests are handed to them from the connection threads), 0 to 256, 0 signs on the connection thread" },
	{ "http", "login_max_failures", "5", "failed logins per user name before a lock, 0 to 100" },
	{ "http", "login_lock_seconds", "900", "length of a login lock, 0 to 86400" },
	{ "http", "session_hours", "8", "lifetime of a session from login, 1 to 720" },
	{ "http", "ready_jobs_max_age", "210", "seconds without a finished jobs pass before /readyz names jobs stuck on a --no-jobs node, 0 not checked (cron)" },

	{ "auth", "staff_approvals", "2", "administrators approving a new admin or Verifikator account, 2 to 10" },
	{ "auth", "password_change_first_login", "no", "yes: a password someone else chose is changed at the next login" },

	{ "ra", "min_verifikators", "2", "active Verifikators needed before the RA accepts work, 2 to 100" },
	{ "ra", "approvals_issue", "1", "Verifikator approvals for a new official's certificate, 1 to 10" },
	{ "ra", "approvals_renew", "1", "approvals for a renewal" },
	{ "ra", "approvals_reset", "1", "approvals for a passphrase reset" },
	{ "ra", "approvals_hold", "1", "approvals to suspend a certificate" },
	{ "ra", "approvals_release", "1", "approvals to lift a suspension" },
	{ "ra", "approvals_revoke", "2", "approvals to revoke at a Verifikator's or admin's request" },
	{ "ra", "approvals_seal", "2", "approvals for an organisational seal certificate" },
	{ "ra", "approvals_erase", "2", "approvals to erase an official's personal data" },
	{ "ra", "approvals_pii_access", "2", "approvals to open one official's full record" },
	{ "ra", "approvals_unlock", "1", "approvals to end an official's wrong-passphrase delays" },
	{ "ra", "unlock_free_attempts", "3", "wrong passphrases per official before delays start, 0 to 100" },
	{ "ra", "unlock_free_attempts_caller", "50", "wrong passphrases per caller per window before its delays start" },
	{ "ra", "unlock_caller_window_seconds", "3600", "a caller's count restarts after this long without failures" },
	{ "ra", "unlock_max_delay_seconds", "3600", "longest passphrase delay, 30 to 86400" },
	{ "ra", "pii_access_hours", "24", "how long an approved PII-access request opens a record, 1 to 168" },
	{ "ra", "required_evidence", "ktp,sk", "evidence kinds every enrolment must include (ktp, sk, other)" },
	{ "ra", "max_evidence_bytes", "10485760", "largest evidence file, up to 52428800" },
	{ "ra", "passphrase_min_length", "8", "minimum length of a signing passphrase, up to 256" },
	{ "ra", "key_alg", "ec-p256", "algorithm of keys the server makes for officials" },
	{ "ra", "nik_in_certificate", "no", "yes puts serialNumber=IDCID-<NIK> into officials' certificates" },

	{ "sign", "statement", "the BSrE statement", "the statement put on every signed PDF, at most 185 bytes" },
	{ "sign", "statement_pages", "last", "every: the footer of invisible signatures on every page" },
	{ "sign", "digest", "sha256", "hash of PAdES and CAdES signatures: sha256, sha384, sha512" },
	{ "sign", "tsa_url", "-", "RFC 3161 TSA for timestamps (default: the instance's own TSA, in-process)" },
	{ "sign", "tsa_digest", "sha256", "hash sent to the TSA" },
	{ "sign", "keep_days", "0", "days a file an official signed on the web is kept for download, 0 to 3650" },

	{ "smtp", "url", "-", "libcurl SMTP URL (smtps://host:465); missing: mail stays queued" },
	{ "smtp", "from", "teken@localhost", "envelope and From: address" },
	{ "smtp", "starttls", "try", "for smtp:// URLs: try, required or no" },
	{ "smtp", "ca_file", "-", "PEM file of CAs trusted for the mail server (default: the system store)" },

	{ "monev", "contacts", "-", "comma list of e-mail addresses for monitoring reminders and notices, at most 16" },

	{ "review", "instrument_file", "/usr/share/teken/data/review-instrument.json",
	    "the review instrument stored as version 1 when none is stored (a build-tree binary: the source tree's data/)" },

	{ "notice", "ack_days", "14", "days a published notice may wait for acknowledgement, 1 to 3650" },
	{ "notice", "author", BSRE, "the Atom feed's author/name" },

	{ "tsa", "policy_oid", "2.16.360.1.1.1.99.2", "TSA policy OID in every timestamp token (a placeholder)" },
	{ "tsa", "digests", "sha256,sha384,sha512", "message-imprint hashes accepted" },
	{ "tsa", "sign_digest", "[ca] digest", "hash of the token signature" },
	{ "tsa", "accuracy_seconds", "1", "accuracy of timestamps, 0 to 3600, 0 leaves it out" },

	{ "ocsp", "validity_hours", "48", "nextUpdate - thisUpdate of OCSP responses, 1 to 240" },
	{ "ocsp", "produce_at_issuance", "yes", "sign the OCSP response when a certificate is issued" },
	{ "ocsp", "max_on_demand", "CPUs - 1", "responses signed at the same time on request, 1 to 1024" },
	{ "ocsp", "cache_ms", "0", "in-process cache of answers in ms, 0 to 60000, 0 off" },

	{ "ltv", "fetch_allow", "host of public_base_url", "comma list of host or host:port CRL fetches may reach; empty: none" },
	{ "ltv", "fetch_private", "no", "yes: listed host names may resolve to private addresses" },

	{ "verify", "trust", "-", "PEM file or directory of trust anchors besides the instance's root" },
	{ "verify", "max_seconds", "20", "time budget of one verification, 1 to 3600" },
	{ "verify", "max_objects", "1048576", "PDF object numbers one verification over HTTP may use" },
	{ "verify", "revocation", "offline", "online: fetch OCSP/CRL when nothing else knows a certificate's status" },
	{ "verify", "fetch_allow", "-", "comma list of hosts online fetches may reach (default: any public host)" },
	{ "verify", "fetch_private", "no", "yes: listed host names may resolve to private addresses" },
	{ "verify", "page_changes", "fail", "pages added or removed after a signature: fail or warn" },

	{ "audit", "checkpoint_events", "1000", "a signed checkpoint every N events, 1 to 1000000000" },
	{ "audit", "checkpoint_seconds", "3600", "a checkpoint when events are this old and unanchored, 1 to 604800" },

	{ "agreement", "title", "-", "fallback agreement title for the usage report (the register is the source)" },
	{ "agreement", "user_number", "-", "fallback: the ministry's agreement number" },
	{ "agreement", "issuer_number", "-", "fallback: the issuer's agreement number" },
	{ "agreement", "signed_on", "-", "fallback: the date the agreement was signed" },
	{ "agreement", "issuer", BSRE, "the issuer's name on the reports" },
	{ "agreement", "issuer_email", "-", "fallback contact of the issuer for reports and tickets" },
	{ "agreement", "remind_months", "6,3", "months before the agreement's end when reminders go out" },
	{ "agreement", "holidays_file", "/usr/share/teken/data/id-holidays.json",
	    "national holidays and cuti bersama by year (a build-tree binary: the source tree's data/)" },

	{ "report", "usage_due", "01-31", "MM-DD: the usage report of year Y is due by that day of year Y+1" },

	{ "support", "issuer_email", "[agreement] issuer_email", "where new support tickets are sent to the issuer" },

	{ "hsm", "module", "the module in each key's reference", "PKCS#11 module to load" },
	{ "hsm", "token", "the label in each key's reference", "PKCS#11 token label" },
	{ "hsm", "pin_file", "-", "file holding the user PIN, mode 0600 (required for token keys)" },
};

const struct help_cmd *help_cmds(size_t *n)
{
	*n = sizeof(cmds) / sizeof(cmds[0]);
	return cmds;
}

const struct help_key *help_keys(size_t *n)
{
	*n = sizeof(keys) / sizeof(keys[0]);
	return keys;
}

/* ------------------------------------------------------------ plain text */

/* Writes each line of s with prefix before it. */
static void put_lines(FILE *out, const char *prefix, const char *s)
{
	const char *e;

	for (;;) {
		e = strchr(s, '\n');
		fprintf(out, "%s%.*s\n", prefix, (int)(e ? (size_t)(e - s) : strlen(s)), s);
		if (e == NULL)
			break;
		s = e + 1;
	}
}

/* Writes s word-wrapped at width columns, each line after indent spaces. */
static void put_wrapped(FILE *out, int indent, size_t width, const char *s)
{
	size_t col = 0, w;

	while (*s) {
		while (*s == ' ')
			s++;
		w = strcspn(s, " ");
		if (w == 0)
			break;
		if (col > 0 && col + 1 + w > width) {
			fputc('\n', out);
			col = 0;
		}
		if (col == 0) {
			fprintf(out, "%*s", indent, "");
		} else {
			fputc(' ', out);
			col++;
		}
		fprintf(out, "%.*s", (int)w, s);
		col += w;
		s += w;
	}
	if (col > 0)
		fputc('\n', out);
}

void help_overview(FILE *out)
{
	size_t i;

	fputs("teken - electronic certificates and document signing\n\n", out);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		put_lines(out, "  ", cmds[i].synopsis);
	fputs("\nKey algorithms: rsa2048 rsa3072 rsa4096 ec-p256 ec-p384. Docs: docs/README.md\n"
	      "teken help COMMAND: one command; teken help conf: every teken.conf key; man teken, man teken.conf\n",
	    out);
}

static void help_one(FILE *out, const struct help_cmd *h)
{
	fprintf(out, "teken %s\n\n", h->name);
	put_lines(out, "  ", h->synopsis);
	fputc('\n', out);
	put_wrapped(out, 2, 78, h->summary);
	fprintf(out, "\n  Details: docs/%s\n", h->doc);
}

static void help_conf(FILE *out)
{
	const char *sec = NULL;
	size_t i;

	fputs("teken.conf: the instance configuration (INI) that teken init writes into the instance\n"
	      "directory. \"default\" is the value used when the key is missing. Details: docs/configuration.md\n",
	    out);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (sec == NULL || strcmp(sec, keys[i].section) != 0) {
			sec = keys[i].section;
			fprintf(out, "\n[%s]\n", sec);
		}
		fprintf(out, "  %s (default: %s)\n", keys[i].key, keys[i].dflt);
		put_wrapped(out, 6, 78, keys[i].meaning);
	}
}

/* ------------------------------------------------------------ roff */

/*
 * Writes s as roff text: backslashes as \e, a leading '.' or '\'' guarded
 * with \&, option dashes as \- (a '-' at the start of a word or after
 * another '-'), other bytes as they are (the tables are ASCII).
 */
static void roff_text(FILE *out, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char ch = s[i];

		if (i == 0 && (ch == '.' || ch == '\''))
			fputs("\\&", out);
		if (ch == '\\')
			fputs("\\e", out);
		else if (ch == '-' && (i == 0 || s[i - 1] == ' ' || s[i - 1] == '-' || s[i - 1] == '[' ||
					  s[i - 1] == '(' || s[i - 1] == '|'))
			fputs("\\-", out);
		else
			fputc(ch, out);
	}
}

static void roff_line(FILE *out, const char *s)
{
	roff_text(out, s, strlen(s));
	fputc('\n', out);
}

static void roff_lines(FILE *out, const char *s)
{
	const char *e;

	for (;;) {
		e = strchr(s, '\n');
		roff_text(out, s, e ? (size_t)(e - s) : strlen(s));
		fputc('\n', out);
		if (e == NULL)
			break;
		s = e + 1;
	}
}

static void man_head(FILE *out, const char *title, const char *sec, const char *manual)
{
	fprintf(out, ".\\\" Generated by teken help --man (src/cli/help.c); do not edit.\n");
	fprintf(out, ".TH %s %s \"\" \"teken %s\" \"%s\"\n", title, sec, TEKEN_VERSION, manual);
	fputs(".nh\n", out); /* no hyphenation: option and file names stay whole */
}

static void man_teken(FILE *out)
{
	size_t i;

	man_head(out, "TEKEN", "1", "teken manual");
	fputs(".SH NAME\nteken \\- electronic certificates and document signing\n"
	      ".SH SYNOPSIS\n.B teken\n.I command\n.RI [ options ]\n.br\n.B teken help\n.RI [ command ]\n"
	      ".SH DESCRIPTION\n"
	      "teken is one binary for a ministry's certification authority (registration, issuance, CRLs, OCSP, "
	      "timestamps), PAdES and CAdES signing, signature verification and the records around them. "
	      "Every command except \\fBverify\\fR without \\fB\\-\\-dir\\fR and \\fBsign fields\\fR works on an "
	      "instance directory (\\fB\\-\\-dir\\fR), which holds \\fIteken.conf\\fR (see \\fBteken.conf\\fR(5)), "
	      "\\fIinstance.key\\fR and, with SQLite, the database. Commands that change state write to the audit log "
	      "as \\fBcli:\\fR\\fIlogin\\fR.\n"
	      ".PP\nErrors are one line on standard error, \\fBteken: error: \\fR\\fImessage\\fR.\n"
	      ".SH COMMANDS\n",
	    out);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		fprintf(out, ".SS %s\n.nf\n", cmds[i].name);
		roff_lines(out, cmds[i].synopsis);
		fputs(".fi\n.PP\n", out);
		roff_line(out, cmds[i].summary);
		fputs(".PP\nDetails: \\fI/usr/share/doc/teken/", out);
		roff_text(out, cmds[i].doc, strlen(cmds[i].doc));
		fputs("\\fR\n", out);
	}
	fputs(".SH \"EXIT STATUS\"\n"
	      "0 on success, 1 on an error, 2 on a usage error. \\fBteken verify\\fR: 0 valid, 3 indeterminate, "
	      "4 failed, 5 changed, 6 no signature.\n"
	      ".SH FILES\n"
	      ".TP\n.I /var/lib/teken\nthe instance directory of the packaged service (created by the package for the "
	      "\\fBteken\\fR user; \\fBteken init\\fR fills it)\n"
	      ".TP\n.I /usr/share/teken/web\nthe web UI that \\fBteken serve\\fR serves ([http] web_root overrides it)\n"
	      ".TP\n.I /usr/share/teken/data\nshipped data: the review instrument and the holiday calendar\n"
	      ".TP\n.I /lib/systemd/system/teken.service\nthe hardened systemd unit running \\fBteken serve\\fR\n"
	      ".TP\n.I /etc/default/teken\nthe unit's options (instance directory, listen address)\n"
	      ".TP\n.I /usr/share/doc/teken\nthe documentation (Markdown)\n"
	      ".SH \"SEE ALSO\"\n.BR teken.conf (5),\n.BR systemctl (1),\n.BR openssl (1)\n",
	    out);
}

static void man_conf(FILE *out)
{
	const char *sec = NULL;
	size_t i;

	man_head(out, "TEKEN.CONF", "5", "teken manual");
	fputs(".SH NAME\nteken.conf \\- configuration of a teken instance\n"
	      ".SH SYNOPSIS\n.I DIR/teken.conf\n"
	      ".SH DESCRIPTION\n"
	      "\\fBteken init\\fR writes \\fIteken.conf\\fR into the instance directory. It is an INI file parsed with "
	      "libinih: \\fB[section]\\fR lines, or \\fB[profile \\fR\\fINAME\\fR\\fB]\\fR for a certificate profile, "
	      "and \\fIkey\\fR \\fB=\\fR \\fIvalue\\fR lines. Keys and sections are case-sensitive; a later duplicate "
	      "wins. Lines starting with ; or # are comments, and so is a ; after a space. Lines are at most 197 bytes. "
	      "Numbers are whole decimal numbers in the range given.\n"
	      ".PP\nEvery command reads the file when it starts; \\fBteken serve\\fR reads it once, so restart the "
	      "service after an edit. The default is the value used when a key is missing; the template that "
	      "\\fBteken init\\fR writes may set another. Certificates already issued never change.\n"
	      ".SH KEYS\n",
	    out);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (sec == NULL || strcmp(sec, keys[i].section) != 0) {
			sec = keys[i].section;
			fputs(".SS [", out);
			roff_text(out, sec, strlen(sec));
			fputs("]\n", out);
		}
		fputs(".TP\n.B ", out);
		roff_line(out, keys[i].key);
		roff_line(out, keys[i].meaning);
		fputs(".br\nDefault: ", out);
		roff_line(out, keys[i].dflt);
	}
	fputs(".SH FILES\n.TP\n.I /var/lib/teken/teken.conf\nthe packaged service's instance configuration\n"
	      ".TP\n.I /etc/teken/teken.conf.example\nan annotated example of the keys an operator usually adds\n"
	      ".SH \"SEE ALSO\"\n.BR teken (1);\n"
	      "\\fI/usr/share/doc/teken/configuration.md\\fR (every key with its allowed values and what changes "
	      "after init)\n",
	    out);
}

/* ------------------------------------------------------------ command */

int cmd_help(int argc, char **argv)
{
	const char *topic = NULL, *outpath = NULL;
	int man = 0, i, rc;
	size_t k;
	FILE *out = stdout;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--man") == 0)
			man = 1;
		else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
			outpath = argv[++i];
		else if (argv[i][0] != '-' && topic == NULL)
			topic = argv[i];
		else
			return cli_usage_error("help", "unexpected argument '%s'", argv[i]);
	}
	if (outpath != NULL && !man)
		return cli_usage_error("help", "-o needs --man");
	if (topic != NULL && strcmp(topic, "conf") != 0 && strcmp(topic, "teken.conf") != 0) {
		for (k = 0; k < sizeof(cmds) / sizeof(cmds[0]); k++)
			if (strcmp(topic, cmds[k].name) == 0)
				break;
		if (k == sizeof(cmds) / sizeof(cmds[0]))
			return cli_usage_error("help", "no command '%s'", topic);
		if (man)
			return cli_usage_error("help", "--man writes teken(1) or teken.conf(5): teken help --man [conf]");
		help_one(stdout, &cmds[k]);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	if (outpath != NULL && (out = fopen(outpath, "w")) == NULL) {
		fprintf(stderr, "teken: error: help: cannot write %s: %s\n", outpath, strerror(errno));
		return 1;
	}
	if (topic == NULL)
		man ? man_teken(out) : help_overview(out);
	else
		man ? man_conf(out) : help_conf(out);
	rc = ferror(out) ? 1 : 0;
	if (out != stdout ? fclose(out) != 0 : fflush(out) != 0)
		rc = 1;
	if (rc != 0)
		fprintf(stderr, "teken: error: help: write failed\n");
	return rc;
}

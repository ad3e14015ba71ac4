/* teken: one binary for the CLI and the server. */
#include "cli/cli.h"
#include "log/log.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
    "teken - electronic certificates and document signing\n"
    "\n"
    "  teken init   --dir D [--demo] [--store sqlite|postgres://...] [--key-alg A] [--leaf-key-alg A]\n"
    "               [--base-url URL] [--org NAME] [--cps FILE] [--policy-oid OID]\n"
    "               [--pkcs11-module SO --pkcs11-token LABEL --pkcs11-pin-file F]   # keys on an HSM (docs/hsm.md)\n"
    "  teken ca chain  --dir D\n"
    "  teken ca issue  --dir D --csr F --profile P [--subject S] [--subject-nik N] [-o cert.pem]\n"
    "  teken ca show   --dir D --serial HEX\n"
    "  teken ca revoke --dir D --serial HEX --reason R\n"
    "  teken ca crl    --dir D [--ca issuing|root] [--pem] [-o crl.der]\n"
    "  teken sign   --dir D --in a.pdf --out b.pdf (--seal | --subscriber U | --nik N) [--passphrase-file F|-]\n"
    "               [--level B-B] [--visible page,x,y,w,h] [--anchor TEXT] [--image sig.png] [--certify 1|2|3] [--field NAME | --new-field] [--reason R] [--location L]\n"
    "               (a document with exactly one empty signature field is signed into it unless --visible/--anchor/--new-field)\n"
    "  teken sign fields --in a.pdf   # the signature fields of a PDF as JSON: name, page, rect, signed\n"
    "  teken sign   --dir D --cades --in any.file --out any.file.p7s (--seal | ...)\n"
    "  teken verify [--dir D] [--trust roots.pem|DIR...] [--crl F...] --in b.pdf [--format json|text|html|pdf] [-o F]\n"
    "               [--at TIME] [--revocation required|optional|online] [--password-file F|-] [--page-changes fail|warn]\n"
    "               (exit 0 valid, 3 indeterminate, 4 failed, 5 changed, 6 no signature)\n"
    "  teken verify ... --in sig.p7s --content any.file             # CAdES\n"
    "  teken verify ... --in a.pdf b.pdf ... | --in DIR [--threads N] [--format html|pdf -o DIR]  # many documents on all cores: JSON lines\n"
    "  teken ltv extend --dir D --in signed.pdf --out archived.pdf   # to PAdES B-LTA\n"
    "  teken backup --dir D -o F [--include-instance-key]   /   teken restore --dir NEW -i F [--key instance.key]\n"
    "  teken cps publish --dir D --file cps.md --version V\n"
    "  teken cps show    --dir D [--version V] [--meta]\n"
    "  teken audit verify     --dir D\n"
    "  teken audit checkpoint --dir D [--if-due]\n"
    "  teken audit export-heads --dir D -o heads.json [--since N]   /   teken audit verify-heads --dir D -i heads.json\n"
    "  teken report usage --dir D --year Y [--unit U] [--format json|csv|xlsx|pdf] [-o F]   # the annual usage report (docs/reports.md)\n"
    "  teken report versions --dir D --year Y [--unit U]   /   teken report get --dir D --year Y --version N [--format pdf|json] -o F\n"
    "  teken report freeze|approve|acknowledge --dir D --year Y [--version N] [--unit U] [--as USER --password-file F|-]\n"
    "  teken report send --dir D --year Y --version N [--unit U] [--by-hand --note TEXT] [--as ADMIN --password-file F|-]\n"
    "  teken audit search     --dir D [--from T] [--to T] [--actor A] [--action X|X.*] [--object O] [--object-type T]\n"
    "                         [--outcome ok|failed] [--limit N] [--cursor C] [--chain no] [--format json|csv] [-o F]\n"
    "  teken serve  --dir D [--listen 127.0.0.1:8443] [--threads N] [--tls-cert F --tls-key F] [--no-jobs]\n"
    "  teken user add --dir D --user U --role R [--name N] --password-file F|-\n"
    "  teken user list|deactivate|activate --dir D [--user U]   /   teken user passwd --dir D --user U --password-file F|-\n"
    "  teken user role --dir D --user U --role R       # admin/verifikator: an account request (dual control)\n"
    "  teken user requests --dir D [--status S]   /   teken user approve|reject --dir D --id N --as ADMIN --password-file F|- [--reason R]\n"
    "  teken apikey create --dir D --name N [--units U1,U2]   /   apikey list --dir D   /   apikey revoke --dir D --id ID\n"
    "  teken subscriber list --dir D\n"
    "  teken request list|show --dir D [--status S] [--id N]\n"
    "  teken request approve|reject --dir D --id N --as VERIFIKATOR --password-file F|- [--reason R]\n"
    "  teken activate --dir D --as OFFICIAL --password-file F|- (--passphrase-file G|- | --csr F)   # official's own first activation\n"
    "  teken ocsp refresh --dir D [--force]   # re-sign stored OCSP responses (cron)\n"
    "  teken notify send|reminders --dir D\n"
    "  teken letter list|remind --dir D   /   teken letter get|send --dir D --id N   # signed correspondence (docs/agreements.md)\n"
    "  teken letter draft --dir D --file draft.json [--id N]   /   teken letter pdf --dir D --id N [--preview] [-o F]\n"
    "  teken letter sign --dir D --id N --as USER --password-file F --passphrase-file F\n"
    "  teken letter incoming --dir D --file meta.json --in letter.pdf   /   teken letter ack --dir D --id N --on YYYY-MM-DD\n"
    "  teken letter evidence add --dir D --id N --in F [--name N]   /   teken letter evidence get --dir D --id N --file-id F [-o F]\n"
    "  teken monev dashboard|list|remind --dir D   /   teken monev show --dir D --id N   # monitoring and evaluation (docs/monev.md)\n"
    "  teken monev create --dir D --file rec.json   /   teken monev update --dir D --id N --file rec.json\n"
    "  teken monev action add --dir D --id N --description T --owner O [--owner-email E] --due YYYY-MM-DD\n"
    "  teken monev action update --dir D --id N --action A [--status open|in_progress|done|cancelled] [--note T] [--due D]\n"
    "  teken monev minutes freeze|get|upload --dir D --id N [-o minutes.pdf | --in signed.pdf]\n"
    "  teken assess list|remind --dir D   /   teken assess get --dir D --id N   # security assessments (docs/assessments.md)\n"
    "  teken assess request --dir D --system S --scope T --due YYYY-MM-DD [--note N]\n"
    "  teken assess upload --dir D --id N --file report.pdf --meta meta.json   /   teken assess download --dir D --id N [--version V] [-o F]\n"
    "  teken assess accept|return --dir D --id N --as AUDITOR --password-file F [--reason R]\n"
    "  teken reco list [--status S] | show --id N | remind   --dir D   # the issuer's recommendations (docs/policy.md)\n"
    "  teken reco create --dir D --source review|assessment|advice|monev [--source-ref R] --title T --body B [--severity S] --owner O [--owner-email E] --due YYYY-MM-DD\n"
    "  teken reco status --dir D --id N --status open|in_progress|done|accepted_risk [--note T]   /   teken reco evidence add --dir D --id N --in F | get --id N --file-id F [-o OUT]\n"
    "  teken policy list | show --id N   --dir D   # internal policies; write commands take [--as USER --password-file F]\n"
    "  teken policy draft --dir D --name N --kind signing|security|other --title T (--body B | --body-file F) [--application APP --rules JSON]\n"
    "  teken policy update|comment|approve|publish|withdraw --dir D --id N [...]\n"
    "  teken review indicators --dir D [--format json|text]   # implementation review (docs/review.md)\n"
    "  teken review instrument load --dir D --file F   /   teken review instrument list|get --dir D [--version N] [-o F]\n"
    "  teken review list --dir D   /   teken review open --dir D --title T --from YYYY-MM-DD --to YYYY-MM-DD\n"
    "  teken review get|submit|close --dir D --id N   /   teken review answer|score --dir D --id N --file F.json\n"
    "  teken review evidence --dir D --id N --indicator I --in F --mime M [--name N]\n"
    "  teken review report --dir D --id N [-o report.pdf]   /   teken review upload --dir D --id N --in signed.pdf\n"
    "  teken agreement deadline --dir D --rule termination|amendment|contact-change|force-majeure-verbal|force-majeure-written --date YYYY-MM-DD [--format json|text]\n"
    "  teken agreement holidays --dir D --year Y [--format json|text]   /   teken agreement holidays load|reset --dir D --year Y [--file decree.json]\n"
    "  teken agreement list|remind --dir D   /   teken agreement get --dir D --id N   # the agreement register (docs/agreements.md)\n"
    "  teken agreement create --dir D --file agr.json   /   update|addendum --dir D --id N --file F.json\n"
    "  teken agreement end --dir D --id N --on YYYY-MM-DD --reason T\n"
    "  teken agreement upload --dir D --id N [--addendum A] --in signed.pdf   /   download --dir D --id N [--addendum A] [-o F]\n"
    "  teken agreement contact change --dir D --id N --party first|second --changed-on YYYY-MM-DD --official O\n"
    "                         [--position P] [--address A] [--phone T] [--email E]   /   contact history --dir D --id N [--party P]\n"
    "                         (agreement commands: [--format json] [--as USER --password-file F])\n"
    "  teken ticket list|summary --dir D [--status S | --year Y]   /   teken ticket get --dir D --id N [--file F -o doc.pdf]   # support tickets (docs/support.md)\n"
    "  teken ticket open --dir D --category C --subject S --body T|--body-file F [--document-id X] [--cert-serial S] [--file doc.pdf]\n"
    "  teken ticket reply|assign|resolve|close --dir D --id N [--body T|--note T|--assignee A]   (any: [--as USER --password-file F])\n"
    "  teken event list --dir D [--year Y] | get --id N   # training and socialisation events (docs/literacy.md)\n"
    "  teken event create --dir D --file ev.json   /   teken event update --dir D --id N --file ev.json\n"
    "  teken event status --dir D --id N --status planned|held|cancelled   /   teken event attend --dir D --id N --participant P [--absent]\n"
    "  teken event participant add --dir D --id N (--subscriber S | --name N [--unit U] --party first|second|public) | remove --id N --participant P\n"
    "  teken event material add --dir D --id N --in F [--name N] [--type MIME] | get --dir D --id N --file FID [-o OUT]\n"
    "  teken literasi get --dir D [--lang id|en] | set --dir D --file F --lang id|en | versions --dir D   # the /literasi page text\n"
    "  teken notice list|get|create|update|publish|withdraw|ack --dir D [--id N] [--json F | --category C --severity S --title-id T\n"
    "      --title-en T --body-id B --body-en B --effective-on YYYY-MM-DD] [--reason R | --note N] [--as USER --password-file F]   # docs/notices.md\n"
    "  teken notice deliver --dir D                          # one webhook delivery pass\n"
    "  teken webhook list|add|remove|rotate|deliveries|test|enable|disable --dir D [--url U --description T | --id N]\n"
    "  teken settings --dir D [--format json]              # effective teken.conf, secrets redacted; version, store, key storage\n"
    "  teken documents list --dir D [--subscriber U] [--q T] [--from D] [--to D] [--channel C] [--application A] [--limit N] [--before C]\n"
    "  teken bench issue --dir D [-n N]\n"
    "\n"
    "Key algorithms: rsa2048 rsa3072 rsa4096 ec-p256 ec-p384. Docs: docs/README.md\n";

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{"init", cmd_init}, {"ca", cmd_ca}, {"cps", cmd_cps}, {"audit", cmd_audit}, {"bench", cmd_bench},
		{"serve", cmd_serve}, {"user", cmd_user}, {"apikey", cmd_apikey},
		{"ocsp", cmd_ocsp},
		{"notice", cmd_notice}, {"webhook", cmd_webhook}, /* change notices (docs/notices.md) */
		{"subscriber", cmd_subscriber}, {"request", cmd_request}, {"activate", cmd_activate}, {"notify", cmd_notify}, {"sign", cmd_sign}, {"documents", cmd_documents}, {"ltv", cmd_ltv}, {"backup", cmd_backup}, {"restore", cmd_restore},
		{"verify", cmd_verify}, {"report", cmd_report}, {"monev", cmd_monev}, {"letter", cmd_letter}, {"assess", cmd_assess},
		{"reco", cmd_reco}, {"policy", cmd_policy},
		{"review", cmd_review}, {"ticket", cmd_ticket}, {"agreement", cmd_agreement},
		{"event", cmd_event}, {"literasi", cmd_literasi},
		{"settings", cmd_settings}, /* read-only, secrets redacted (docs/staff-pages.md) */
	};
	size_t i;

	/* Before any JSON work: jansson wipes what it frees (passphrases arrive in JSON). */
	core_json_wiping_alloc_install();
	if (log_open(LOG_WARN, NULL) != TK_OK)
		return 1;
	if (argc < 2 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 2, argv + 2);
	fprintf(stderr, "teken: error: unknown command '%s' (see teken help)\n", argv[1]);
	return 2;
}

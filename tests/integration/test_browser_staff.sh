#!/usr/bin/env bash
# Browser tests of the staff pages (issue 14): tests/browser/staff.test.mjs.
# The instance gets two-Verifikator issuance, secrets in teken.conf for the
# settings view to hide, and a clock that stands still (a key's wrong-
# passphrase delay cannot run out by itself during the test).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CLOCK=$(mktemp "${TMPDIR:-/tmp}/teken-staff-clock.XXXXXX")
trap 'rm -f "$CLOCK"' EXIT
date +%s >"$CLOCK"
export TEKEN_TEST_CLOCK_FILE="$CLOCK"
S1=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
S2=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
S3=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
export TEKEN_BROWSER_CONF="[ra]\napprovals_issue = 2\n[smtp]\nurl = smtp://mailer:mail-$S1@127.0.0.1:9\n[staff-test]\napi_token = tok-$S2\nreplica = host=db user=teken password=pg-$S3 sslmode=require"
bash "$HERE/../lib/browser-run.sh" staff.test.mjs 330

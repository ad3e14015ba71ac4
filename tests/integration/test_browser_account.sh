#!/usr/bin/env bash
# Browser tests of the official's tabs (issue 14): tests/browser/account.test.mjs.
# The instance asks for the forced password change (a production default; the demo turns it off).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export TEKEN_BROWSER_CONF='\n[auth]\npassword_change_first_login = yes\n'
exec bash "$HERE/../lib/browser-run.sh" account.test.mjs 300

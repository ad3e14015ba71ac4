#!/usr/bin/env bash
# Browser tests of security assessments (R6): tests/browser/assess.test.mjs.
# The server runs on a test clock (a file the test rewrites to make a
# request overdue); needs a build with -DTEKEN_TEST_CLOCK=ON.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CLOCK=$(mktemp "${TMPDIR:-/tmp}/teken-assess-clock.XXXXXX")
trap 'rm -f "$CLOCK"' EXIT
# Noon WIB today, so that "a day later" never crosses a WIB midnight by accident.
echo $((($(date +%s) + 25200) / 86400 * 86400 - 25200 + 43200)) >"$CLOCK"
export TEKEN_TEST_CLOCK_FILE="$CLOCK"
bash "$HERE/../lib/browser-run.sh" assess.test.mjs 240

#!/usr/bin/env bash
# Browser tests of signed correspondence (R15): tests/browser/letter.test.mjs.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
exec bash "$HERE/../lib/browser-run.sh" letter.test.mjs 240

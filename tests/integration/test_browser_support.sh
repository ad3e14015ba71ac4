#!/usr/bin/env bash
# Browser tests of the technical-support tickets (R12): tests/browser/support.test.mjs.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
exec bash "$HERE/../lib/browser-run.sh" support.test.mjs 240

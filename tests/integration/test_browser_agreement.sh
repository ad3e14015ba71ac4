#!/usr/bin/env bash
# Browser tests of the agreement register (R15): tests/browser/agreement.test.mjs.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
exec bash "$HERE/../lib/browser-run.sh" agreement.test.mjs 240

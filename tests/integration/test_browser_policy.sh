#!/usr/bin/env bash
# Browser tests of recommendations and internal policies (R5): tests/browser/policy.test.mjs.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
exec bash "$HERE/../lib/browser-run.sh" policy.test.mjs 240

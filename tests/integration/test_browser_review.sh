#!/usr/bin/env bash
# Browser tests of the implementation review (R11): tests/browser/review.test.mjs.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
exec bash "$HERE/../lib/browser-run.sh" review.test.mjs 240

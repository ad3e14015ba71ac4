#!/usr/bin/env bash
# Browser tests of literacy, socialisation and training (R14): tests/browser/literacy.test.mjs.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
exec bash "$HERE/../lib/browser-run.sh" literacy.test.mjs 240

#!/usr/bin/env bash
# Browser tests of monitoring and evaluation (R17): tests/browser/monev.test.mjs.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
exec bash "$HERE/../lib/browser-run.sh" monev.test.mjs 240

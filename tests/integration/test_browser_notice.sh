#!/usr/bin/env bash
# Browser tests of the change notices (R13): tests/browser/notice.test.mjs.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
exec bash "$HERE/../lib/browser-run.sh" notice.test.mjs 240

#!/usr/bin/env bash
# Browser test of the usage-report page: tests/browser/report.test.mjs.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
exec bash "$HERE/../lib/browser-run.sh" report.test.mjs 240

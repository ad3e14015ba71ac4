#!/usr/bin/env bash
# Browser test of the audit browser (auditor and admin): tests/browser/audit.test.mjs.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
exec bash "$HERE/../lib/browser-run.sh" audit.test.mjs 240

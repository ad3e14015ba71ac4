#!/usr/bin/env bash
# Browser tests of the web UI (web/) for every role: tests/browser/ui.test.mjs.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
exec bash "$HERE/../lib/browser-run.sh" ui.test.mjs 330

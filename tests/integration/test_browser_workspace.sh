#!/usr/bin/env bash
# Browser tests of the signing workspace (issue 14): tests/browser/workspace.test.mjs.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
exec bash "$HERE/../lib/browser-run.sh" workspace.test.mjs 480

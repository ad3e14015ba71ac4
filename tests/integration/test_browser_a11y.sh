#!/usr/bin/env bash
# Accessibility and small-screen sweep of every page and role: tests/browser/a11y.test.mjs.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
exec bash "$HERE/../lib/browser-run.sh" a11y.test.mjs 870

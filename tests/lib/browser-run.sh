#!/usr/bin/env bash
# Runs one browser test file (tests/browser/<name>.test.mjs) against a real
# `teken serve` on a fresh demo instance: Playwright (npm playwright-core,
# never a downloaded browser) drives Debian's Chromium. Missing Chromium or
# node_modules is a failure, not a skip: scripts/install-deps.sh installs both.
#
#   bash tests/lib/browser-run.sh ui.test.mjs [timeout seconds]
set -euo pipefail

: "${TEKEN_BIN:?TEKEN_BIN must point at the teken binary}"
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=${TEKEN_SRC:-$(cd "$HERE/../.." && pwd)}
FILE=${1:?usage: browser-run.sh NAME.test.mjs [timeout]}
LIMIT=${2:-330}
NAME=${FILE%.test.mjs}
BROWSER_DIR="$SRC/tests/browser"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

fail() { echo "FAIL: browser $NAME: $*" >&2; exit 1; }
[ -x "$CHROMIUM" ] || fail "Chromium not found at $CHROMIUM (Debian package 'chromium'); run scripts/install-deps.sh"
command -v node >/dev/null 2>&1 || fail "node not found; run scripts/install-deps.sh"
[ -f "$BROWSER_DIR/node_modules/playwright-core/package.json" ] ||
  fail "tests/browser/node_modules is missing; run scripts/install-deps.sh (npm ci in tests/browser)"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/teken-browser.XXXXXX")
SRV=""
cleanup() {
  local rc=$?
  if [ -n "$SRV" ] && kill -0 "$SRV" 2>/dev/null; then
    kill -TERM "$SRV" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$SRV" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SRV" 2>/dev/null || true
    wait "$SRV" 2>/dev/null || true
  fi
  if [ $rc -ne 0 ] && [ -s "$TMP/serve.log" ]; then
    echo "--- server log (last 20 lines)" >&2
    tail -n 20 "$TMP/serve.log" >&2
  fi
  rm -rf "$TMP"
  if [ $rc -eq 0 ]; then echo "PASS: browser $NAME"; else echo "FAIL: browser $NAME"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$TEKEN_BIN" init --dir "$TMP/inst" --demo >/dev/null
# The browser loads a page's assets in a burst from loopback: no per-address rate limit.
printf '\n[http]\nrate_per_ip = 0\n' >>"$TMP/inst/teken.conf"
# A wrapper may add configuration for its test (INI text with \n escapes), e.g. test_browser_account.sh.
if [ -n "${TEKEN_BROWSER_CONF:-}" ]; then printf '%b\n' "$TEKEN_BROWSER_CONF" >>"$TMP/inst/teken.conf"; fi

"$TEKEN_BIN" serve --dir "$TMP/inst" --listen 127.0.0.1:0 >"$TMP/serve.out" 2>"$TMP/serve.log" &
SRV=$!
BASE=""
for _ in $(seq 1 100); do
  if [ -s "$TMP/serve.out" ]; then
    line=$(head -n 1 "$TMP/serve.out")
    case "$line" in
      "teken: listening on http://"*) BASE=${line#teken: listening on }; break ;;
    esac
  fi
  kill -0 "$SRV" 2>/dev/null || fail "teken serve exited: $(tail -n 5 "$TMP/serve.log")"
  sleep 0.1
done
[ -n "$BASE" ] || fail "teken serve did not print its address within 10 s"

# Chromium's temporary profile (a fresh --user-data-dir) lands in TMP too.
TMPDIR="$TMP" CHROMIUM="$CHROMIUM" timeout "$LIMIT" node "$BROWSER_DIR/$FILE" \
  --base "$BASE" --demo "$TMP/inst/demo.json" --tmp "$TMP" --pdf "$SRC/tests/data/pdf/gs-3pages.pdf"

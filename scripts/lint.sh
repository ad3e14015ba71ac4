#!/usr/bin/env bash
# Static checks that need no build: banned C functions (STYLE.md) and shell syntax.
set -euo pipefail
cd "$(dirname "$0")/.."
fail=0
hits=$(grep -rnE '\b(sprintf|vsprintf|strcpy|strcat|strncpy|strtok|atoi|atol|sscanf|gets)[[:space:]]*\(' src fuzz tests/unit 2>/dev/null \
  | grep -vE '\b(snprintf|vsnprintf)\(' || true)
if [ -n "$hits" ]; then
  echo "lint: banned functions (see STYLE.md):" >&2
  echo "$hits" >&2
  fail=1
fi
# Layering (docs/security.md, "Where authorization is decided"): front ends parse, call one
# service function and render; only src/svc talks to the store or sees inside an instance.
hits=$(grep -rnE '#include "(store/|svc/[a-z_]+/[a-z_]+_int\.h)|\bstore_[a-z_]+\(|STORE_TX_' src/http src/cli 2>/dev/null || true)
if [ -n "$hits" ]; then
  echo "lint: handlers and CLI commands must go through src/svc (no store, no instance internals):" >&2
  echo "$hits" >&2
  fail=1
fi
for f in scripts/*.sh tests/integration/*.sh tests/lib/*.sh bench/*.sh .ci/run; do
  [ -f "$f" ] || continue
  bash -n "$f" || { echo "lint: syntax error in $f" >&2; fail=1; }
done
if [ $fail -ne 0 ]; then exit 1; fi
echo "lint: ok"

#!/usr/bin/env bash
# Static checks (make lint; make test runs it after build-asan):
#   1. banned C functions (STYLE.md)
#   2. layering: front ends go through src/svc; docs/architecture.md names every service domain
#   3. shell scripts: bash -n and shellcheck (settings in .shellcheckrc)
#   4. clang-format in check mode over src/ fuzz/ tests/unit (.clang-format; scripts/format.sh fixes)
#   5. clang-tidy (.clang-tidy) over every file of a compile_commands.json: $LINT_BUILD_DIR, else
#      build-asan, else a build-lint directory configured here (configure only, no build)
# A missing tool is a failure: scripts/install-deps.sh installs them all.
set -euo pipefail
cd "$(dirname "$0")/.."
fail=0
JOBS=$(nproc)

hits=$(grep -rnE '\b(sprintf|vsprintf|strcpy|strcat|strncpy|strtok|atoi|atol|sscanf|gets)[[:space:]]*\(' src fuzz tests/unit 2>/dev/null \
  | grep -vE '\b(snprintf|vsnprintf)\(' || true)
if [ -n "$hits" ]; then
  echo "lint: banned functions (see STYLE.md):" >&2
  echo "$hits" >&2
  fail=1
fi

# Layering (docs/architecture.md, docs/security.md "Where authorization is decided"): front ends
# parse, call one service function and render; only src/svc talks to the store or sees inside an
# instance.
hits=$(grep -rnE '#include "(store/|svc/[a-z_]+/[a-z_]+_int\.h)|\bstore_[a-z_]+\(|STORE_TX_' src/http src/cli 2>/dev/null || true)
if [ -n "$hits" ]; then
  echo "lint: handlers and CLI commands must go through src/svc (no store, no instance internals):" >&2
  echo "$hits" >&2
  fail=1
fi
# The architecture document names every service domain (a new src/svc/<domain> gets its line).
for d in src/svc/*/; do
  d=${d%/}
  if ! grep -qE "(^|[^a-z_])svc/${d#src/svc/}([^a-z_]|$)" docs/architecture.md; then
    echo "lint: docs/architecture.md does not name ${d} (add a line under \"The service domains\")" >&2
    fail=1
  fi
done

need() {
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "lint: $1 is missing (bash scripts/install-deps.sh)" >&2
    exit 1
  fi
}

# Every shell script of the project: *.sh and files with a sh/bash shebang.
scripts=()
while IFS= read -r -d '' f; do
  case "$f" in
    *.sh) scripts+=("$f") ;;
    *) if head -n 1 "$f" 2>/dev/null | grep -qE '^#!.*(/|env )(ba)?sh\b'; then scripts+=("$f"); fi ;;
  esac
done < <(find scripts tests bench packaging debian .ci -name node_modules -prune -o -type f -print0 2>/dev/null | sort -z)
for f in "${scripts[@]}"; do
  bash -n "$f" || { echo "lint: syntax error in $f" >&2; fail=1; }
done
need shellcheck
if ! shellcheck -f gcc "${scripts[@]}" >&2; then
  echo "lint: shellcheck findings above (fix them; a deliberate one gets '# shellcheck disable=SCnnnn' with a reason)" >&2
  fail=1
fi

# C formatting, check mode.
need clang-format
cfiles=()
while IFS= read -r -d '' f; do cfiles+=("$f"); done < <(find src fuzz tests/unit -type f \( -name '*.c' -o -name '*.h' \) -print0 | sort -z)
if ! printf '%s\0' "${cfiles[@]}" | xargs -0 -P"$JOBS" -n 16 clang-format --style=file --dry-run -Werror 2>/tmp/lint-format.$$; then
  grep -E '^[^ ].*:[0-9]+:[0-9]+: error:' /tmp/lint-format.$$ | sed -E 's/:[0-9]+:[0-9]+: error:.*//' | sort | uniq -c | head -50 >&2
  echo "lint: C files above (count of places) are not formatted as .clang-format says (bash scripts/format.sh)" >&2
  fail=1
fi
rm -f /tmp/lint-format.$$

# clang-tidy over the translation units of the build (src/ and tests/unit; headers of src/ through them).
need clang-tidy
bdir=${LINT_BUILD_DIR:-}
if [ -z "$bdir" ]; then
  if [ -f build-asan/compile_commands.json ]; then
    bdir=build-asan
  else
    bdir=build-lint
    cmake -S . -B "$bdir" -DCMAKE_BUILD_TYPE=Debug -DTEKEN_TEST_CLOCK=ON >/dev/null
  fi
fi
if [ ! -f "$bdir/compile_commands.json" ]; then
  echo "lint: no $bdir/compile_commands.json" >&2
  exit 1
fi
tus=$(python3 -c 'import json, sys; print("\n".join(sorted({e["file"] for e in json.load(open(sys.argv[1]))})))' "$bdir/compile_commands.json")
t0=$(date +%s)
if ! printf '%s\n' "$tus" | xargs -d '\n' -P"$JOBS" -n 4 clang-tidy -p "$bdir" --quiet >/tmp/lint-tidy.$$ 2>/dev/null; then
  grep -E ': (warning|error): ' /tmp/lint-tidy.$$ | sort -u >&2 || true
  echo "lint: clang-tidy findings above (.clang-tidy; fix them, or NOLINT(check): reason where it is not a bug)" >&2
  fail=1
fi
rm -f /tmp/lint-tidy.$$
echo "lint: clang-tidy over $(printf '%s\n' "$tus" | wc -l) files in $(( $(date +%s) - t0 )) s" >&2
# LINT_ANALYZER=1: also the path-sensitive clang static analyzer (10-30 s a file). Its findings are
# reported, not yet enforced: many are paths it cannot rule out across translation units.
if [ "${LINT_ANALYZER:-0}" = 1 ]; then
  printf '%s\n' "$tus" | xargs -d '\n' -P"$JOBS" -n 2 clang-tidy -p "$bdir" --quiet --warnings-as-errors= \
    --checks='-*,clang-analyzer-*,-clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling,-clang-analyzer-deadcode.DeadStores' \
    2>/dev/null | grep -E ': warning: .*\[clang-analyzer' | sort -u >&2 || true
fi

if [ $fail -ne 0 ]; then exit 1; fi
echo "lint: ok"

# shellcheck shell=bash
# Shared helpers for integration tests (bash). Source it first.
# Every test gets its own temp dir (removed on exit) so tests run in parallel.
set -euo pipefail

: "${TEKEN_BIN:?TEKEN_BIN must point at the teken binary}"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/teken-test.XXXXXX")
_cleanups=()
on_exit() {
  local rc=$?
  local i
  for ((i=${#_cleanups[@]}-1; i>=0; i--)); do eval "${_cleanups[$i]}" || true; done
  rm -rf "$TMP"
  if [ $rc -eq 0 ]; then echo "PASS: $(basename "$0") ($PASSES checks)"; else echo "FAIL: $(basename "$0")"; fi
  exit $rc
}
trap on_exit EXIT
at_exit() { _cleanups+=("$1"); }

PASSES=0
ok() { PASSES=$((PASSES+1)); }
die() { echo "not ok: $*" >&2; exit 1; }

teken() { "$TEKEN_BIN" "$@"; }

# expect_fail DESCRIPTION CMD...: the command must exit non-zero with exactly
# one line "teken: error: ..." on stderr.
expect_fail() {
  local what=$1; shift
  local err="$TMP/stderr.$$"
  if "$@" >/dev/null 2>"$err"; then die "$what: succeeded but should fail"; fi
  local lines; lines=$(wc -l <"$err")
  grep -q '^teken: error: ' "$err" || die "$what: stderr lacks 'teken: error:' ($(head -c 300 "$err"))"
  [ "$lines" -eq 1 ] || die "$what: stderr has $lines lines, want 1: $(cat "$err")"
  LAST_ERR=$(cat "$err")
  ok
}

# expect_err_contains TEXT: the last expect_fail message contains TEXT.
expect_err_contains() {
  case "$LAST_ERR" in *"$1"*) ok ;; *) die "error '$LAST_ERR' lacks '$1'" ;; esac
}

# no_rate_limit DIR: turns off the per-address request-rate limit of DIR's
# server ([http] rate_per_ip = 0); tests send bursts from loopback.
no_rate_limit() {
  printf '\n[http]\nrate_per_ip = 0\n' >>"$1/teken.conf"
}

# Counts rows of the main tables of a SQLite instance, for "changes nothing" checks.
db_counts() {
  sqlite3 "$1/teken.db" "SELECT (SELECT COUNT(*) FROM certs)||','||(SELECT COUNT(*) FROM audit)||','||(SELECT COUNT(*) FROM keys)||','||(SELECT COUNT(*) FROM cps)||','||(SELECT crl_number FROM cas WHERE name='issuing')"
}

# Splits a PEM bundle into files prefix1.pem, prefix2.pem, ...
split_pem() {
  awk -v p="$2" '/-----BEGIN/{n++} n>0 {print > (p n ".pem")}' "$1"
}

new_csr() { # new_csr KEYTYPE SUBJECT OUT.csr   KEYTYPE: ec256|rsa2048|rsa1024|ed25519
  local key="$3.key"
  case "$1" in
    ec256) openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$key" -subj "$2" -out "$3" 2>/dev/null ;;
    rsa*) openssl req -new -newkey "rsa:${1#rsa}" -nodes -keyout "$key" -subj "$2" -out "$3" 2>/dev/null ;;
    ed25519) openssl req -new -newkey ed25519 -nodes -keyout "$key" -subj "$2" -out "$3" 2>/dev/null ;;
  esac
}

#!/usr/bin/env bash
# HTTP throughput of an authenticated read (GET /api/v1/me with a session
# cookie) and of a public cached read (GET /api/v1/ca/chain), driven by wrk
# on loopback for a bounded time. Prints; asserts nothing.
# Target (issue 4): >= 20k req/s on 2 cores for a cached read, p99 < 10 ms.
set -euo pipefail
cd "$(dirname "$0")/.."
T=${TEKEN_BIN:-build/teken}
SECS=${SECS:-10}
W=$(mktemp -d /tmp/teken-bench.XXXXXX)
cleanup() { [ -n "${PID:-}" ] && kill -TERM "$PID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$W"; }
trap cleanup EXIT

"$T" init --dir "$W/i" --key-alg ec-p256 >/dev/null
sed -i 's/^log_level = info/log_level = warn/' "$W/i/teken.conf"
# wrk hammers from one loopback address: no per-address rate or connection limit.
printf '\n[http]\nrate_per_ip = 0\nmax_connections_per_ip = 0\n' >>"$W/i/teken.conf"
echo "bench-password-1" | "$T" user add --dir "$W/i" --user bench --role auditor --password-file - >/dev/null
"$T" serve --dir "$W/i" --listen 127.0.0.1:0 --threads "$(nproc)" >"$W/out" 2>"$W/err" &
PID=$!
for _ in $(seq 1 50); do grep -q listening "$W/out" 2>/dev/null && break; sleep 0.1; done
PORT=$(sed -n 's/.*127.0.0.1:\([0-9]*\).*/\1/p' "$W/out" | head -1)
BASE="http://127.0.0.1:$PORT"
COOKIE=$(curl -s -i -X POST -H 'Content-Type: application/json' -d '{"user":"bench","password":"bench-password-1"}' "$BASE/api/v1/login" \
  | sed -n 's/^Set-Cookie: \(teken_session=[0-9a-f]*\).*/\1/p')
[ -n "$COOKIE" ] || { echo "login failed"; exit 1; }

run() { # name path [header]
  echo "== $1"
  if [ -n "${3:-}" ]; then
    wrk -t2 -c32 -d"${SECS}s" --latency -H "$3" "$BASE$2" | grep -E "Requests/sec|99%|50%|Non-2xx"
  else
    wrk -t2 -c32 -d"${SECS}s" --latency "$BASE$2" | grep -E "Requests/sec|99%|50%|Non-2xx"
  fi
}
run "authenticated read: GET /api/v1/me (session lookup in the store)" /api/v1/me "Cookie: $COOKIE"
run "public read: GET /api/v1/ca/chain (cached CA certificates)" /api/v1/ca/chain
run "health: GET /healthz" /healthz

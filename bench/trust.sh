#!/usr/bin/env bash
# Online trust service benchmarks on loopback. Prints figures and ratios; asserts nothing.
#   - OCSP responses/s: teken's responder (stored responses; POST, GET, and POST with
#     the optional in-process cache) beside `openssl ocsp -index ... -port` answering
#     for the same certificate, both driven by wrk with the same DER request (no nonce);
#   - TSA tokens/s: teken's /tsa (wrk) beside `openssl ts -reply` in a loop, beside
#     the raw signature rate of the TSA key's algorithm (openssl speed).
# Each is run for every key algorithm in ALGS (the TSA and OCSP keys; the CA is EC).
# Targets (issue 6): OCSP >= 30k responses/s on 2 cores and >= 20x openssl's
# responder; TSA >= 70% of the raw sign rate.
# Knobs: TEKEN_BIN, ALGS (default "rsa3072 ec-p256"; rsa3072 is teken init's default),
# SECS (seconds per wrk run, default 8), THREADS (server threads, default nproc),
# CONNS (wrk connections, default 32).
set -euo pipefail
cd "$(dirname "$0")/.."
T=${TEKEN_BIN:-build/teken}
ALGS=${ALGS:-rsa3072 ec-p256}
SECS=${SECS:-8}
NPROC=$(nproc)
THREADS=${THREADS:-$NPROC}
CONNS=${CONNS:-32}
W=$(mktemp -d /tmp/teken-bench-trust.XXXXXX)
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$W"
}
trap cleanup EXIT
command -v wrk >/dev/null || { echo "bench/trust.sh: wrk is missing (scripts/install-deps.sh)"; exit 0; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
# wrk_post FILE CTYPE OUT.lua: a wrk script posting FILE.
wrk_post() {
  cat >"$3" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "$2"
local f = io.open("$1", "rb"); wrk.body = f:read("*a"); f:close()
-- wrk probes each address with a connect-and-close before the run; openssl 3.0's
-- responder then spins on that connection forever, so skip the probe.
function wrk.resolve(host, service) wrk.addrs = wrk.lookup(host, service) end
EOF
}
# wrk_rate URL SCRIPT: prints requests/s (non-2xx and socket errors go to stderr)
wrk_rate() {
  local out
  out=$(wrk -t2 -c"$CONNS" -d"${SECS}s" -s "$2" "$1" 2>&1)
  grep -E "Non-2xx|Socket errors" <<<"$out" >&2 || true
  awk '/^Requests\/sec:/ {print $2}' <<<"$out"
}
# serve DIR: starts teken serve, sets BASE and SRV
serve() {
  local port; port=$(free_port)
  "$T" serve --dir "$1" --listen "127.0.0.1:$port" --threads "$THREADS" >"$W/serve.out" 2>>"$W/serve.log" &
  SRV=$!; PIDS+=("$SRV")
  for _ in $(seq 1 100); do grep -q listening "$W/serve.out" 2>/dev/null && break; sleep 0.1; done
  BASE="http://127.0.0.1:$port"
}
speed_sign() { # speed_sign ALG [multi]: sign/s of openssl speed
  local sp pat col
  case "$1" in
    rsa*) sp=rsa${1#rsa}; pat="^rsa ${1#rsa} bits"; col=6 ;;
    ec-p256) sp=ecdsap256; pat="256 bits ecdsa"; col=7 ;;
    ec-p384) sp=ecdsap384; pat="384 bits ecdsa"; col=7 ;;
  esac
  if [ -n "${2:-}" ]; then
    openssl speed -seconds 3 -multi "$2" "$sp" 2>/dev/null
  else
    openssl speed -seconds 3 "$sp" 2>/dev/null
  fi | awk -v p="$pat" -v c="$col" '$0 ~ p && /[0-9]/ {v=$c} END {print v}'
}
peer_key() { # peer_key ALG OUT
  case "$1" in
    rsa*) openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:${1#rsa}" -out "$2" 2>/dev/null ;;
    ec-p256) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$2" 2>/dev/null ;;
    ec-p384) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$2" 2>/dev/null ;;
  esac
}

echo "teken trust services bench: $NPROC cores, $THREADS server threads, wrk -t2 -c$CONNS, ${SECS}s per run"
echo "(wrk runs on the same cores as the servers; per-request access logging on, as shipped)"
printf 'Dokumen bench\n' >"$W/doc.txt"
openssl ts -query -data "$W/doc.txt" -sha256 -cert -out "$W/q.tsq" 2>/dev/null
wrk_post "$W/q.tsq" application/timestamp-query "$W/tsa.lua"
first=1
for ALG in $ALGS; do
  D="$W/i-$ALG"
  echo
  echo "======== TSA and OCSP keys: $ALG"
  "$T" init --dir "$D" --key-alg ec-p256 --leaf-key-alg "$ALG" >/dev/null
  # wrk hammers from one loopback address (CONNS connections): no per-address limits.
  printf '\n[http]\nrate_per_ip = 0\nmax_connections_per_ip = 0\n' >>"$D/teken.conf"
  "$T" ca chain --dir "$D" >"$W/chain.pem"
  awk '/BEGIN/{n++} n==1' "$W/chain.pem" >"$W/issuing.pem"
  awk '/BEGIN/{n++} n==2' "$W/chain.pem" >"$W/root.pem"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$W/u.key" -subj "/CN=bench" -out "$W/u.csr" 2>/dev/null
  "$T" ca issue --dir "$D" --csr "$W/u.csr" --profile individual -o "$W/leaf.pem" 2>/dev/null
  openssl ocsp -issuer "$W/issuing.pem" -cert "$W/leaf.pem" -no_nonce -reqout "$W/req.der" >/dev/null 2>&1
  serial=$(openssl x509 -in "$W/leaf.pem" -noout -serial | cut -d= -f2)
  wrk_post "$W/req.der" application/ocsp-request "$W/ocsp.lua"
  printf 'function wrk.resolve(host, service) wrk.addrs = wrk.lookup(host, service) end\n' >"$W/get.lua"
  b64=$(python3 -c 'import sys, base64, urllib.parse; print(urllib.parse.quote(base64.b64encode(open(sys.argv[1], "rb").read()).decode(), safe=""))' "$W/req.der")

  serve "$D"
  openssl ocsp -issuer "$W/issuing.pem" -cert "$W/leaf.pem" -url "$BASE/ocsp" -CAfile "$W/chain.pem" -no_nonce 2>&1 | grep -q ": good" \
    || { echo "teken responder does not answer correctly"; exit 1; }
  curl -s -H 'Content-Type: application/timestamp-query' --data-binary @"$W/q.tsq" "$BASE/tsa" -o "$W/r.tsr"
  openssl ts -verify -in "$W/r.tsr" -queryfile "$W/q.tsq" -CAfile "$W/root.pem" -untrusted "$W/chain.pem" >/dev/null 2>&1 \
    || { echo "teken TSA token does not verify"; exit 1; }

  echo "-- OCSP (stored responses, no nonce)"
  ours_post=$(wrk_rate "$BASE/ocsp" "$W/ocsp.lua")
  echo "teken POST /ocsp:              $ours_post responses/s"
  ours_get=0; ours_cache=0
  if [ $first = 1 ]; then
    ours_get=$(wrk_rate "$BASE/ocsp/$b64" "$W/get.lua")
    echo "teken GET /ocsp/{b64}:         $ours_get responses/s"
  fi
  echo "-- TSA"
  ours_tsa=$(wrk_rate "$BASE/tsa" "$W/tsa.lua")
  echo "teken POST /tsa:               $ours_tsa tokens/s"
  stop "$SRV"
  if [ $first = 1 ]; then
    printf '\n[ocsp]\ncache_ms = 1000\n' >>"$D/teken.conf"
    serve "$D"
    ours_cache=$(wrk_rate "$BASE/ocsp" "$W/ocsp.lua")
    echo "teken POST /ocsp, cache_ms=1000: $ours_cache responses/s (opt-in; up to 1 s stale across processes)"
    stop "$SRV"
  fi

  # openssl's responder for the same certificate: same issuer (our issuing CA), a fresh
  # signer of the same algorithm (its key must be in clear), an index listing the leaf.
  peer_key "$ALG" "$W/peer.key"
  openssl req -x509 -new -key "$W/peer.key" -subj "/CN=peer OCSP" -days 30 -out "$W/peer.pem" 2>/dev/null
  printf 'V\t%s\t\t%s\tunknown\t/CN=bench\n' "$(date -u -d '+1 year' +%y%m%d%H%M%SZ)" "$serial" >"$W/index.txt"
  pport=$(free_port)
  openssl ocsp -index "$W/index.txt" -port "$pport" -rsigner "$W/peer.pem" -rkey "$W/peer.key" -CA "$W/issuing.pem" \
    -nmin 60 -ignore_err >/dev/null 2>"$W/peer.log" &
  PEER=$!; PIDS+=("$PEER")
  sleep 0.5
  openssl ocsp -issuer "$W/issuing.pem" -cert "$W/leaf.pem" -url "http://127.0.0.1:$pport/" -no_nonce -noverify 2>&1 | grep -q ": good" \
    || echo "warning: openssl responder did not answer 'good' (see $W/peer.log)"
  peer=$(wrk_rate "http://127.0.0.1:$pport/" "$W/ocsp.lua")
  echo "openssl ocsp -index -port:     $peer responses/s (one process, as shipped)"
  stop "$PEER"

  openssl req -new -key "$W/peer.key" -subj "/CN=peer TSA" -out "$W/ptsa.csr" 2>/dev/null
  printf 'extendedKeyUsage = critical,timeStamping\nkeyUsage = digitalSignature\n' >"$W/ptsa.ext"
  openssl x509 -req -in "$W/ptsa.csr" -signkey "$W/peer.key" -days 30 -extfile "$W/ptsa.ext" -out "$W/ptsa.pem" 2>/dev/null
  cat >"$W/ts.cnf" <<EOF
[ tsa ]
default_tsa = t
[ t ]
serial = $W/tsaserial
signer_digest = sha256
default_policy = 2.16.360.1.1.1.99.2
digests = sha256, sha384, sha512
accuracy = secs:1
ess_cert_id_alg = sha256
EOF
  echo 01 >"$W/tsaserial"
  n=0; start=$(date +%s.%N); deadline=$(( $(date +%s) + SECS ))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    openssl ts -reply -config "$W/ts.cnf" -queryfile "$W/q.tsq" -signer "$W/ptsa.pem" -inkey "$W/peer.key" -out /dev/null 2>/dev/null
    n=$((n + 1))
  done
  end=$(date +%s.%N)
  peer_tsa=$(echo "$n / ($end - $start)" | bc -l)
  printf 'openssl ts -reply loop:        %.1f tokens/s (a process per token)\n' "$peer_tsa"
  speed1=$(speed_sign "$ALG")
  speedN=$(speed_sign "$ALG" "$NPROC")
  echo "openssl speed $ALG sign/s:    $speed1 (1 process), $speedN ($NPROC processes)"

  echo "-- ratios ($ALG)"
  python3 - "$ours_post" "$ours_get" "$ours_cache" "$peer" "$ours_tsa" "$peer_tsa" "$speed1" "$speedN" "$NPROC" <<'PY'
import sys
post, get, cache, peer, tsa, ptsa, s1, sn, ncpu = (float(x or 0) for x in sys.argv[1:])
f = lambda a, b: a / b if b else float('nan')
print(f"OCSP teken POST / openssl responder: {f(post, peer):.1f}x (target >= 20x)")
print(f"OCSP teken POST: {post:.0f}/s with {ncpu:.0f} cores shared with wrk (target >= 30000/s on 2 cores)")
if get:
    print(f"OCSP teken GET / POST: {f(get, post):.2f}")
if cache:
    print(f"OCSP teken POST with cache_ms=1000 / openssl responder: {f(cache, peer):.1f}x")
# All-core raw rate: the larger of the -multi figure and N x the one-process figure
# (on a busy machine -multi under-reports; the larger one is the stricter reference).
allcores = max(sn, ncpu * s1)
print(f"TSA teken / raw sign rate of {ncpu:.0f} cores ({allcores:.0f}/s): {f(tsa, allcores):.2f} (target >= 0.70)")
print(f"TSA teken / raw sign rate of 1 core: {f(tsa, s1):.2f}")
print(f"TSA teken / openssl ts -reply loop: {f(tsa, ptsa):.0f}x")
PY
  first=0
done

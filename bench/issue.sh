#!/usr/bin/env bash
# Issuance and CRL benchmarks. Prints figures and ratios; asserts nothing.
#   - certificates/s from CSRs in-process (teken bench issue) beside the raw
#     signature rate of the same key type (openssl speed) and beside
#     `openssl x509 -req` issuing the same number in a loop;
#   - CRL generation time and peak RSS for 100k and 1M revoked entries.
# Targets (issue 3): issuance >= 70% of the raw sign limit; 1M-entry CRL < 5 s and < 1 GiB RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
T=${TEKEN_BIN:-build/teken}
N=${N:-500}
ALG=${ALG:-rsa3072}
W=$(mktemp -d /tmp/teken-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT

echo "== issuance ($ALG issuing key, N=$N)"
"$T" init --dir "$W/i" --key-alg "$ALG" --leaf-key-alg ec-p256 >/dev/null
ours=$("$T" bench issue --dir "$W/i" -n "$N")
echo "teken in-process: $ours"
case "$ALG" in
  rsa*) speed=$(openssl speed -seconds 3 "rsa${ALG#rsa}" 2>/dev/null | awk '/^rsa/ {print $6; exit}') ;;
  ec-p256) speed=$(openssl speed -seconds 3 ecdsap256 2>/dev/null | awk '/ecdsa \(nistp256\)/ {print $6; exit}') ;;
  ec-p384) speed=$(openssl speed -seconds 3 ecdsap384 2>/dev/null | awk '/ecdsa \(nistp384\)/ {print $6; exit}') ;;
esac
echo "openssl speed sign/s: $speed"
"$T" ca chain --dir "$W/i" | awk '/BEGIN/{n++} n==1' >"$W/ca.pem"
# openssl needs the CA key in clear: use a fresh key of the same type for the peer loop.
case "$ALG" in
  rsa*) openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:${ALG#rsa}" -out "$W/peer.key" 2>/dev/null ;;
  ec-p256) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$W/peer.key" 2>/dev/null ;;
  ec-p384) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$W/peer.key" 2>/dev/null ;;
esac
openssl req -x509 -new -key "$W/peer.key" -subj "/CN=peer CA" -days 30 -out "$W/peer.pem" 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$W/u.key" -subj "/CN=u" -out "$W/u.csr" 2>/dev/null
start=$(date +%s.%N)
for i in $(seq 1 "$N"); do
  openssl x509 -req -in "$W/u.csr" -CA "$W/peer.pem" -CAkey "$W/peer.key" -set_serial "$i" -days 30 -out /dev/null 2>/dev/null
done
end=$(date +%s.%N)
peer=$(echo "$N / ($end - $start)" | bc -l)
printf 'openssl x509 -req loop: %.1f certs/s\n' "$peer"
python3 - "$ours" "$speed" "$peer" <<'PY'
import json, sys
o = json.loads(sys.argv[1]); speed = float(sys.argv[2]); peer = float(sys.argv[3])
print(f"ratio teken/openssl-speed: {o['issue_per_s']/speed:.2f} (target >= 0.70)")
print(f"ratio teken/same-key raw sign in-process: {o['ratio']:.2f}")
print(f"ratio teken/openssl-x509-loop: {o['issue_per_s']/peer:.1f}x")
PY

for n in 100000 1000000; do
  echo "== CRL with $n revoked entries"
  rm -rf "$W/c"; "$T" init --dir "$W/c" --key-alg "$ALG" >/dev/null
  ca=$(sqlite3 "$W/c/teken.db" "SELECT id FROM cas WHERE name='issuing'")
  sqlite3 "$W/c/teken.db" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < $n)
    INSERT INTO certs (serial, ca_id, profile, subject, not_before, not_after, der, status, revoked_at, reason, created_at)
    SELECT printf('%040x', i + 4611686018427387904), $ca, 'individual', 'CN=bench', 0, 0, x'00', 'revoked', 1700000000 + i, i % 6, 0 FROM n;"
  /usr/bin/time -f "%e s elapsed, %M KiB max RSS" "$T" ca crl --dir "$W/c" -o "$W/c.crl" 2>&1 | tail -1
  echo "size: $(stat -c %s "$W/c.crl") bytes; openssl crl parses it: $(openssl crl -inform DER -in "$W/c.crl" -noout 2>&1 && echo yes)"
  /usr/bin/time -f "openssl crl -text (peer parse): %e s, %M KiB" openssl crl -inform DER -in "$W/c.crl" -noout -text 2>&1 >/dev/null | tail -1
done

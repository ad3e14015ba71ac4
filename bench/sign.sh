#!/usr/bin/env bash
# Signing benchmarks, printed side by side in one run (asserts nothing):
#   - PAdES signatures/s on a 1-page PDF in-process (teken bench sign, RSA-2048 seal)
#     beside the raw RSA-2048 sign rate (openssl speed) and @signpdf (npm) in a Node loop;
#   - MB/s signing a 100 MB PDF with the CLI beside sha256sum of the same file, and peak RSS.
#   - HTTP: POST /api/v1/sign/pdf of a 1-page PDF with an application's unit seal (RSA-3072)
#     at concurrency 2 x nproc (wrk, keep-alive) for HTTP_SECS seconds, beside
#     `openssl speed -multi $(nproc) rsa3072` and the in-process rate of the same key type.
# Targets (issue 5): >= 80% of the raw sign rate; >= 50x @signpdf; large files >= 70% of sha256sum.
# Target (issue 16): HTTP signs/s >= 0.60 x raw RSA-3072 signs/s on all cores.
# ONLY=http runs the HTTP section alone; THREADS sets `teken serve --threads` (default: its own);
# PERF=1 records the server with `perf record -g` during the HTTP run and prints where time went.
set -euo pipefail
cd "$(dirname "$0")/.."
T=${TEKEN_BIN:-build/teken}
N=${N:-500}
W=$(mktemp -d /tmp/teken-bench.XXXXXX)
SRV_PID=""
cleanup() {
  if [ -n "$SRV_PID" ]; then kill "$SRV_PID" 2>/dev/null || true; wait "$SRV_PID" 2>/dev/null || true; fi
  rm -rf "$W"
}
trap cleanup EXIT
PDF=tests/data/pdf/gs-pdf13.pdf

http_section() {
  local cpus conc secs key port speed_a speed_b inproc perf_pid=""
  cpus=$(nproc)
  conc=$((2 * cpus))
  secs=${HTTP_SECS:-15}
  if ! command -v wrk >/dev/null; then
    echo "== HTTP: wrk is not installed (scripts/install-deps.sh installs it); section left out"
    return 0
  fi
  "$T" init --dir "$W/h" --demo --key-alg rsa3072 --leaf-key-alg rsa3072 >/dev/null
  # A benchmark client hammers from one address: no per-address limits.
  printf '\n[http]\nrate_per_ip = 0\nmax_connections_per_ip = 0\n' >>"$W/h/teken.conf"
  key=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["application"]["api_key"])' "$W/h/demo.json")
  python3 - "$PDF" "$W/body.bin" <<'PY'
import sys
pdf = open(sys.argv[1], "rb").read()
b = "tekenbenchboundary"
head = ('--%s\r\nContent-Disposition: form-data; name="options"\r\n\r\n{}\r\n'
        '--%s\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
        'Content-Type: application/pdf\r\n\r\n' % (b, b)).encode()
open(sys.argv[2], "wb").write(head + pdf + ("\r\n--%s--\r\n" % b).encode())
PY
  cat >"$W/post.lua" <<'LUA'
local f = assert(io.open(os.getenv("BENCH_BODY"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "multipart/form-data; boundary=tekenbenchboundary"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_KEY")
LUA
  "$T" serve --dir "$W/h" --listen 127.0.0.1:0 --no-jobs ${THREADS:+--threads "$THREADS"} >"$W/serve.out" 2>"$W/serve.err" &
  SRV_PID=$!
  for _ in $(seq 100); do grep -q "listening on" "$W/serve.out" 2>/dev/null && break; sleep 0.1; done
  port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$W/serve.out")
  [ -n "$port" ] || { echo "teken serve did not start:"; cat "$W/serve.err"; return 1; }
  echo "== HTTP: POST /api/v1/sign/pdf, 1-page PDF, application unit seal RSA-3072, $conc connections, ${secs}s, $cpus CPUs"
  # Warm up (first key load, statement caches), then measure.
  BENCH_BODY="$W/body.bin" BENCH_KEY="$key" wrk -t1 -c"$conc" -d2s -s "$W/post.lua" "http://127.0.0.1:$port/api/v1/sign/pdf" >/dev/null
  speed_a=$(openssl speed -seconds 5 -multi "$cpus" rsa3072 2>/dev/null | awk '/^rsa 3072/ {print $6; exit}')
  if [ "${PERF:-0}" = 1 ]; then
    perf record -g -o "$W/perf.data" -p "$SRV_PID" -- sleep "$((secs > 2 ? secs - 2 : 1))" >/dev/null 2>&1 &
    perf_pid=$!
  fi
  BENCH_BODY="$W/body.bin" BENCH_KEY="$key" wrk -t1 -c"$conc" -d"${secs}s" -s "$W/post.lua" "http://127.0.0.1:$port/api/v1/sign/pdf" >"$W/wrk.txt"
  if [ -n "$perf_pid" ]; then wait "$perf_pid" || true; fi
  speed_b=$(openssl speed -seconds 5 -multi "$cpus" rsa3072 2>/dev/null | awk '/^rsa 3072/ {print $6; exit}')
  kill "$SRV_PID"; wait "$SRV_PID" 2>/dev/null || true; SRV_PID=""
  grep -E "requests in|Non-2xx|Socket errors|Latency" "$W/wrk.txt" | sed 's/^ */wrk: /'
  inproc=$("$T" bench sign --dir "$W/h" --in "$PDF" -n "${N_HTTP_INPROC:-100}")
  echo "teken in-process (1 thread, RSA-3072 instance seal): $inproc"
  python3 - "$W/wrk.txt" "$speed_a" "$speed_b" "$inproc" "$cpus" <<'PY'
import json, re, sys
txt = open(sys.argv[1]).read()
rps = float(re.search(r"Requests/sec:\s*([0-9.]+)", txt).group(1))
bad = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", txt)
raw = (float(sys.argv[2]) + float(sys.argv[3])) / 2
o = json.loads(sys.argv[4]); cpus = int(sys.argv[5])
print(f"openssl speed -multi {cpus} rsa3072 sign/s: {float(sys.argv[2]):.1f} before, {float(sys.argv[3]):.1f} after")
print(f"HTTP sign/s: {rps:.1f}" + (f" ({bad.group(1)} responses not 2xx: not counted as signatures)" if bad else ""))
if bad:
    rps = max(0.0, rps - int(bad.group(1)) / float(re.search(r"requests in ([0-9.]+)s", txt).group(1)))
print(f"ratio HTTP/raw RSA-3072 on all cores: {rps/raw:.2f} (target >= 0.60)")
print(f"ratio in-process PAdES/raw sign of the same key (1 thread, no registry): {o['ratio']:.2f}")
PY
  if [ "${PERF:-0}" = 1 ] && [ -s "$W/perf.data" ]; then
    echo "-- perf: where the server's CPU went (self time by library and symbol)"
    perf report -i "$W/perf.data" --no-children --sort dso --stdio 2>/dev/null | grep -E '^ +[0-9.]+%' | head -8
    perf report -i "$W/perf.data" --no-children --sort symbol --stdio -g none 2>/dev/null | grep -E '^ +[0-9.]+%' | head -25
  fi
}

if [ "${ONLY:-}" = http ]; then
  http_section
  exit 0
fi

"$T" init --dir "$W/i" --leaf-key-alg rsa2048 --key-alg rsa2048 >/dev/null
echo "== 1-page PDF, RSA-2048 seal, N=$N"
ours=$("$T" bench sign --dir "$W/i" --in "$PDF" -n "$N")
echo "teken in-process: $ours"
speed=$(openssl speed -seconds 3 rsa2048 2>/dev/null | awk '/^rsa 2048/ {print $6; exit}')
echo "openssl speed rsa2048 sign/s: $speed"

peer=""
if command -v node >/dev/null && command -v npm >/dev/null; then
  (cd bench/node && { [ -d node_modules/@signpdf ] || npm install --no-audit --no-fund --silent >/dev/null 2>&1; }) || true
  if [ -d bench/node/node_modules/@signpdf ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/k.pem" -subj "/CN=bench" -days 2 -out "$W/c.pem" 2>/dev/null
    openssl pkcs12 -export -certpbe PBE-SHA1-3DES -keypbe PBE-SHA1-3DES -macalg sha1 -inkey "$W/k.pem" -in "$W/c.pem" -passout pass:bench -out "$W/b.p12" 2>/dev/null
    M=$(( N / 10 > 20 ? N / 10 : 20 ))
    peer=$(node bench/node/signpdf-loop.js "$PDF" "$W/b.p12" "$M" 2>"$W/node.err" || true); [ -n "$peer" ] || sed "s/^/@signpdf: /" "$W/node.err"
    echo "@signpdf (Node $(node --version)), N=$M: $peer"
  fi
fi
python3 - "$ours" "$speed" "${peer:-}" <<'PY'
import json, sys
o = json.loads(sys.argv[1]); speed = float(sys.argv[2])
print(f"ratio teken/openssl-speed: {o['sign_per_s']/speed:.2f} (target >= 0.80)")
print(f"ratio teken/same-key raw sign in-process: {o['ratio']:.2f}")
if sys.argv[3]:
    p = json.loads(sys.argv[3])
    print(f"ratio teken/@signpdf: {o['sign_per_s']/p['sign_per_s']:.1f}x (target >= 50x)")
PY

echo "== 100 MB PDF"
python3 - "$W/big.pdf" <<'PY'
import sys
# One page and one 100 MB uncompressed stream object, with a correct xref.
path = sys.argv[1]
size = 100 * 1024 * 1024
objs = []
out = open(path, "wb")
out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
def obj(n, body):
    objs.append((n, out.tell()))
    out.write(b"%d 0 obj\n" % n + body + b"\nendobj\n")
obj(1, b"<</Type/Catalog/Pages 2 0 R>>")
obj(2, b"<</Type/Pages/Kids[3 0 R]/Count 1>>")
obj(3, b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R/Resources<<>>>>")
objs.append((4, out.tell()))
out.write(b"4 0 obj\n<</Length %d>>\nstream\n" % size)
chunk = (b"% filler data for a large document\n" * 30000)[: 1 << 20]
left = size
while left:
    n = min(left, len(chunk)); out.write(chunk[:n]); left -= n
out.write(b"\nendstream\nendobj\n")
x = out.tell()
out.write(b"xref\n0 5\n0000000000 65535 f \n")
for n, off in sorted(objs):
    out.write(b"%010d 00000 n \n" % off)
out.write(b"trailer\n<</Size 5/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % x)
PY
cat "$W/big.pdf" >/dev/null # warm the page cache for both
s0=$(date +%s.%N); sha256sum "$W/big.pdf" >/dev/null; s1=$(date +%s.%N)
/usr/bin/time -f "%e %M" -o "$W/time" "$T" sign --dir "$W/i" --in "$W/big.pdf" --out "$W/big.signed.pdf" --seal >/dev/null
read -r secs rss <"$W/time"
python3 - "$s0" "$s1" "$secs" "$rss" "$(stat -c %s "$W/big.pdf")" <<'PY'
import sys
s0, s1, secs, rss, size = map(float, sys.argv[1:])
mb = size / 1e6
sha = mb / (s1 - s0)
ours = mb / secs
print(f"sha256sum: {sha:.0f} MB/s; teken sign (whole CLI run incl. writing the output): {ours:.0f} MB/s; ratio {ours/sha:.2f} (target >= 0.70)")
print(f"peak RSS of teken sign: {rss/1024:.0f} MiB for a {mb:.0f} MB file")
PY
pdfsig -no-ocsp "$W/big.signed.pdf" | grep -E "Signature Validation|Total document" | sed 's/^/pdfsig: /'

http_section

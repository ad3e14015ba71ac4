#!/usr/bin/env bash
# Signing benchmarks, printed side by side in one run (asserts nothing):
#   - PAdES signatures/s on a 1-page PDF in-process (teken bench sign, RSA-2048 seal)
#     beside the raw RSA-2048 sign rate (openssl speed) and @signpdf (npm) in a Node loop;
#   - MB/s signing a 100 MB PDF with the CLI beside sha256sum of the same file, and peak RSS.
# Targets (issue 5): >= 80% of the raw sign rate; >= 50x @signpdf; large files >= 70% of sha256sum.
set -euo pipefail
cd "$(dirname "$0")/.."
T=${TEKEN_BIN:-build/teken}
N=${N:-500}
W=$(mktemp -d /tmp/teken-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT
PDF=tests/data/pdf/gs-pdf13.pdf

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

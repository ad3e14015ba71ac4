#!/usr/bin/env bash
# PAdES B-T, B-LT and B-LTA and CAdES-T, judged by openssl ts/crl/ocsp, pdfsig and qpdf.
source "$(dirname "$0")/../lib/common.sh"
SRC=${TEKEN_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
export PYTHONPATH="$SRC/tests/lib"
PDF="$SRC/tests/data/pdf/gs-3pages.pdf"

D="$TMP/inst"
teken init --dir "$D" --demo --key-alg ec-p256 >/dev/null
teken ca chain --dir "$D" >"$TMP/chain.pem"; split_pem "$TMP/chain.pem" "$TMP/ca"
cat "$TMP/ca1.pem" >"$TMP/untrusted.pem"
tsa=$(sqlite3 "$D/teken.db" "SELECT value FROM meta WHERE key='cert.tsa'")
teken ca show --dir "$D" --serial "$tsa" >>"$TMP/untrusted.pem"

for level in B-T B-LT B-LTA; do
  out=$(teken sign --dir "$D" --in "$PDF" --out "$TMP/$level.pdf" --seal --level "$level")
  grep -q "PAdES-BASELINE-${level#B-}" <<<"$out" || die "level reported: $out"
  pdfsig -no-ocsp "$TMP/$level.pdf" | grep -q "Signature is Valid" || die "$level: signature not valid"; ok
  qpdf --check "$TMP/$level.pdf" >/dev/null 2>&1 || die "$level: qpdf --check"; ok
  # The signature timestamp covers the signature value (openssl ts -verify).
  python3 - "$TMP/$level.pdf" "$TMP/$level" <<'PY'
import sys, pdfsigs
s = [x for x in pdfsigs.signatures(sys.argv[1]) if x["subfilter"] == "ETSI.CAdES.detached"][0]
cms = pdfsigs.strip_padding(s["contents"])
toks = pdfsigs.timestamp_tokens(cms)
assert len(toks) == 1, toks
open(sys.argv[2] + ".tst", "wb").write(toks[0])
open(sys.argv[2] + ".sigval", "wb").write(pdfsigs.signature_value(cms))
PY
  openssl ts -verify -in "$TMP/$level.tst" -token_in -data "$TMP/$level.sigval" -CAfile "$TMP/ca2.pem" -untrusted "$TMP/untrusted.pem" >/dev/null 2>&1 \
    || die "$level: openssl ts -verify rejects the signature timestamp"; ok
done

# B-LT: a /DSS with the chain, CRLs that verify, and OCSP responses that say good.
python3 - "$TMP/B-LT.pdf" "$TMP/dss" <<'PY' || die "DSS structure"
import re, sys, zlib
d = open(sys.argv[1], "rb").read()
assert b"/DSS " in d or b"/DSS" in d
cat_dss = re.findall(rb"/DSS\s+(\d+)\s+0\s+R", d)
assert cat_dss, "catalog has no /DSS reference"
num = cat_dss[-1].decode()
m = list(re.finditer((r"\n%s 0 obj\s*(<<.*?>>)\s*endobj" % num).encode(), d, re.S))[-1]
dss = m.group(1)
assert b"/VRI" in dss and b"/Certs" in dss and b"/CRLs" in dss and b"/OCSPs" in dss, dss[:300]
def refs(key):
    arr = re.search(rb"/" + key + rb"\s*\[([^\]]*)\]", dss).group(1)
    return [int(x) for x in re.findall(rb"(\d+)\s+0\s+R", arr)]
def stream(n):
    m = list(re.finditer((r"\n%d 0 obj\s*<<(.*?)>>\s*stream\r?\n" % n).encode(), d, re.S))[-1]
    length = int(re.search(rb"/Length\s+(\d+)", m.group(1)).group(1))
    raw = d[m.end():m.end() + length]
    return zlib.decompress(raw) if b"FlateDecode" in m.group(1) else raw
for kind, ext in (("Certs", "crt"), ("CRLs", "crl"), ("OCSPs", "ocsp")):
    for i, n in enumerate(refs(kind.encode())):
        open("%s.%s.%d" % (sys.argv[2], ext, i), "wb").write(stream(n))
PY
ncrt=$(find "$TMP" -maxdepth 1 -name 'dss.crt.*' | wc -l); [ "$ncrt" -ge 4 ] || die "DSS has $ncrt certificates"; ok
for f in "$TMP"/dss.crl.*; do
  out=$(openssl crl -inform DER -in "$f" -CAfile <(cat "$TMP/ca1.pem" "$TMP/ca2.pem") -noout 2>&1)
  grep -q "verify OK" <<<"$out" || die "DSS CRL does not verify: $out"; ok
done
for f in "$TMP"/dss.ocsp.*; do
  out=$(openssl ocsp -respin "$f" -CAfile "$TMP/ca2.pem" -verify_other "$TMP/untrusted.pem" -resp_text 2>&1)
  grep -q "Response verify OK" <<<"$out" || die "DSS OCSP response does not verify: $out"
  grep -q "Cert Status: good" <<<"$out" || die "DSS OCSP response not good"; ok
done

# B-LTA: a document timestamp over the whole file, verified by openssl; the signature stays valid.
python3 - "$TMP/B-LTA.pdf" "$TMP/docts" <<'PY'
import sys, pdfsigs
sigs = pdfsigs.signatures(sys.argv[1])
ts = [x for x in sigs if x["subfilter"] == "ETSI.RFC3161"]
assert len(ts) == 1, [x["subfilter"] for x in sigs]
a, b, c, e = ts[0]["byterange"]
assert c + e == ts[0]["file_len"], "document timestamp must cover the whole file"
open(sys.argv[2] + ".tst", "wb").write(pdfsigs.strip_padding(ts[0]["contents"]))
open(sys.argv[2] + ".digest", "w").write(ts[0]["digest_sha256"])
PY
openssl ts -verify -in "$TMP/docts.tst" -token_in -digest "$(cat "$TMP/docts.digest")" -CAfile "$TMP/ca2.pem" -untrusted "$TMP/untrusted.pem" >/dev/null 2>&1 \
  || die "openssl ts -verify rejects the document timestamp"; ok
pdfsig -no-ocsp "$TMP/B-LTA.pdf" | grep -q "Signature is Valid" || die "signature invalid after DSS + document timestamp"; ok
mutool draw -q -o /dev/null "$TMP/B-LTA.pdf" || die "mutool"; ok
cmp -n "$(stat -c %s "$PDF")" "$PDF" "$TMP/B-LTA.pdf" || die "original bytes changed"; ok

# CAdES-T: the token covers the signature value.
teken sign --dir "$D" --cades --level B-T --in "$PDF" --out "$TMP/c.p7s" --seal >/dev/null
openssl cms -verify -binary -inform DER -in "$TMP/c.p7s" -content "$PDF" -CAfile "$TMP/ca2.pem" -purpose any -out /dev/null 2>/dev/null || die "CAdES-T signature"; ok
python3 - "$TMP/c.p7s" "$TMP/c" <<'PY'
import sys, pdfsigs
cms = open(sys.argv[1], "rb").read()
open(sys.argv[2] + ".tst", "wb").write(pdfsigs.timestamp_tokens(cms)[0])
open(sys.argv[2] + ".sigval", "wb").write(pdfsigs.signature_value(cms))
PY
openssl ts -verify -in "$TMP/c.tst" -token_in -data "$TMP/c.sigval" -CAfile "$TMP/ca2.pem" -untrusted "$TMP/untrusted.pem" >/dev/null 2>&1 || die "CAdES-T timestamp"; ok
expect_fail "CAdES at B-LTA" teken sign --dir "$D" --cades --level B-LTA --in "$PDF" --out "$TMP/x.p7s" --seal

# teken ltv extend on a document signed elsewhere (instance B, its CRLs served over HTTP) and here.
port=$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1]); s.close()")
B="$TMP/other"
teken init --dir "$B" --demo --key-alg ec-p256 --base-url "http://127.0.0.1:$port" >/dev/null
no_rate_limit "$B"
"$TEKEN_BIN" serve --dir "$B" --listen "127.0.0.1:$port" --no-jobs >"$TMP/b.out" 2>"$TMP/b.err" &
bpid=$!
at_exit "kill -TERM $bpid 2>/dev/null; wait $bpid 2>/dev/null"
for _ in $(seq 1 50); do grep -q listening "$TMP/b.out" && break; sleep 0.1; done
teken sign --dir "$B" --in "$PDF" --out "$TMP/foreign.pdf" --seal >/dev/null
# Outside CRLs are fetched only from hosts on the allow-list (tests/integration/test_ltv_fetch.py).
printf '\n[ltv]\nfetch_allow = 127.0.0.1:%s\n' "$port" >>"$D/teken.conf"
teken sign --dir "$D" --in "$TMP/foreign.pdf" --out "$TMP/mixed.pdf" --seal --level B-T >/dev/null
out=$(teken ltv extend --dir "$D" --in "$TMP/mixed.pdf" --out "$TMP/mixed.lta.pdf")
grep -q "2 signature(s) preserved" <<<"$out" || die "ltv extend: $out"; ok
! grep -q "warning" <<<"$out" || die "revocation data missing although reachable: $out"; ok
[ "$(pdfsig -no-ocsp "$TMP/mixed.lta.pdf" | grep -c 'Signature is Valid')" = 2 ] || die "signatures broken by ltv extend"; ok
qpdf --check "$TMP/mixed.lta.pdf" >/dev/null 2>&1 || die "qpdf after ltv extend"; ok
python3 - "$TMP/mixed.lta.pdf" "$TMP/mts" <<'PY'
import sys, pdfsigs
ts = [x for x in pdfsigs.signatures(sys.argv[1]) if x["subfilter"] == "ETSI.RFC3161"][-1]
open(sys.argv[2] + ".tst", "wb").write(pdfsigs.strip_padding(ts["contents"]))
open(sys.argv[2] + ".digest", "w").write(ts["digest_sha256"])
PY
openssl ts -verify -in "$TMP/mts.tst" -token_in -digest "$(cat "$TMP/mts.digest")" -CAfile "$TMP/ca2.pem" -untrusted "$TMP/untrusted.pem" >/dev/null 2>&1 \
  || die "document timestamp of ltv extend"; ok
# With the other CA unreachable, the report says what is missing instead of pretending.
kill -TERM $bpid; wait $bpid 2>/dev/null || true
out=$(teken ltv extend --dir "$D" --in "$TMP/foreign.pdf" --out "$TMP/f.lta.pdf")
grep -q "warning: .* without revocation data" <<<"$out" || die "missing revocation data not reported: $out"; ok
expect_fail "ltv extend of an unsigned PDF" teken ltv extend --dir "$D" --in "$PDF" --out "$TMP/x.pdf"

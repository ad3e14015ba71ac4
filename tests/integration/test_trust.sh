#!/usr/bin/env bash
# Online trust services against a real `teken serve`: the RFC 3161 TSA and
# the RFC 6960 / 5019 OCSP responder, judged by `openssl ts` and
# `openssl ocsp`; hostile requests get protocol-level error answers.
source "$(dirname "$0")/../lib/common.sh"
source "$(dirname "$0")/../lib/pg.sh"

D="$TMP/inst"
teken init --dir "$D" --key-alg ec-p256 >/dev/null
teken ca chain --dir "$D" >"$TMP/chain.pem"
split_pem "$TMP/chain.pem" "$TMP/ca"      # ca1 = issuing, ca2 = root
cp "$TMP/ca1.pem" "$TMP/issuing.pem"; cp "$TMP/ca2.pem" "$TMP/root.pem"
teken ca show --dir "$D" --serial "$(sqlite3 "$D/teken.db" "SELECT value FROM meta WHERE key='cert.tsa'")" >"$TMP/tsa.pem"
teken ca show --dir "$D" --serial "$(sqlite3 "$D/teken.db" "SELECT value FROM meta WHERE key='cert.ocsp'")" >"$TMP/ocsp.pem"

# Issue a leaf before the server starts, so the issuance hook runs in the CLI.
issue() { # issue NAME -> $TMP/NAME.pem, prints the serial as openssl shows it
  new_csr ec256 "/CN=$1" "$TMP/$1.csr"
  teken ca issue --dir "$D" --csr "$TMP/$1.csr" --profile individual -o "$TMP/$1.pem" 2>/dev/null
  openssl x509 -in "$TMP/$1.pem" -noout -serial | cut -d= -f2
}
s_leaf=$(issue leaf)
openssl ocsp -issuer "$TMP/ca1.pem" -cert "$TMP/leaf.pem" -no_nonce -reqout "$TMP/req.der" >/dev/null 2>&1
lower=$(tr 'A-F' 'a-f' <<<"$s_leaf")
[ "$(sqlite3 "$D/teken.db" "SELECT cert_status FROM ocsp_responses WHERE serial='$lower'")" = valid ] || die "issuance did not pre-produce an OCSP response"; ok

SRV_OUT="$TMP/serve.out"
no_rate_limit "$D"
"$TEKEN_BIN" serve --dir "$D" --listen 127.0.0.1:0 --threads 2 >"$SRV_OUT" 2>"$TMP/serve.log" &
SRV_PID=$!
at_exit "kill -TERM $SRV_PID 2>/dev/null; wait $SRV_PID 2>/dev/null"
for _ in $(seq 1 200); do grep -q "listening on" "$SRV_OUT" 2>/dev/null && break; sleep 0.05; done
PORT=$(head -1 "$SRV_OUT" | sed -n 's/^teken: listening on http:\/\/127.0.0.1:\([0-9]*\)$/\1/p')
[ -n "$PORT" ] || die "server did not start: $(cat "$SRV_OUT" "$TMP/serve.log")"
BASE="http://127.0.0.1:$PORT"

# ------------------------------------------------------------------ TSA
printf 'Dokumen resmi untuk dicap waktu.\n' >"$TMP/doc.txt"
tsa_post() { # tsa_post QUERY REPLY [CTYPE] -> "HTTP content-type"
  curl -sS -H "Content-Type: ${3:-application/timestamp-query}" --data-binary @"$1" -o "$2" -w '%{http_code} %{content_type}' "$BASE/tsa"
}
tsa_text() { openssl ts -reply -in "$1" -text 2>/dev/null; }
expect_reject() { # expect_reject WHAT REPLY FAILINFO-TEXT
  local t; t=$(tsa_text "$2")
  grep -q "^Status: Rejected." <<<"$t" || die "$1: not rejected: $t"
  grep -q "^Failure info: $3" <<<"$t" || die "$1: failure info is not '$3': $t"
  ok
}

openssl ts -query -data "$TMP/doc.txt" -sha256 -cert -out "$TMP/q.tsq" 2>/dev/null
[ "$(tsa_post "$TMP/q.tsq" "$TMP/r.tsr")" = "200 application/timestamp-reply" ] || die "TSA HTTP status or type"; ok
openssl ts -verify -in "$TMP/r.tsr" -data "$TMP/doc.txt" -CAfile "$TMP/root.pem" -untrusted "$TMP/chain.pem" >/dev/null 2>&1 \
  || die "openssl ts -verify rejects our token"; ok
openssl ts -verify -in "$TMP/r.tsr" -queryfile "$TMP/q.tsq" -CAfile "$TMP/root.pem" -untrusted "$TMP/chain.pem" >/dev/null 2>&1 \
  || die "token does not match its query (nonce, imprint, policy)"; ok
txt=$(tsa_text "$TMP/r.tsr")
grep -q "^Policy OID: 2.16.360.1.1.1.99.2" <<<"$txt" || die "default TSA policy OID: $txt"; ok
grep -q "^Accuracy: 0x01 seconds" <<<"$txt" || die "accuracy"; ok
qnonce=$(openssl ts -query -in "$TMP/q.tsq" -text 2>/dev/null | sed -n 's/^Nonce: //p')
grep -q "^Nonce: $qnonce" <<<"$txt" || die "nonce not echoed"; ok
grep -q "^TSA: DirName:.*teken Time Stamping Authority" <<<"$txt" || die "TSA name"; ok
openssl ts -reply -in "$TMP/r.tsr" -token_out -out "$TMP/tok.der" 2>/dev/null
openssl pkcs7 -inform DER -in "$TMP/tok.der" -print_certs 2>/dev/null >"$TMP/tokcerts.txt"
grep -q "teken Time Stamping Authority" "$TMP/tokcerts.txt" && grep -q "teken Issuing CA" "$TMP/tokcerts.txt" \
  || die "certReq: TSA certificate and chain must be in the token"; ok
openssl asn1parse -inform DER -in "$TMP/tok.der" 2>/dev/null | grep -q "id-smime-aa-signingCertificateV2" || die "ESSCertIDv2 missing"; ok

# Without certReq the token carries no certificates; it verifies with them given.
openssl ts -query -data "$TMP/doc.txt" -sha256 -no_nonce -out "$TMP/q2.tsq" 2>/dev/null
tsa_post "$TMP/q2.tsq" "$TMP/r2.tsr" >/dev/null
openssl ts -reply -in "$TMP/r2.tsr" -token_out -out "$TMP/tok2.der" 2>/dev/null
[ -z "$(openssl pkcs7 -inform DER -in "$TMP/tok2.der" -print_certs 2>/dev/null)" ] || die "certs sent without certReq"; ok
cat "$TMP/tsa.pem" "$TMP/issuing.pem" >"$TMP/untrusted.pem"
openssl ts -verify -in "$TMP/r2.tsr" -data "$TMP/doc.txt" -CAfile "$TMP/root.pem" -untrusted "$TMP/untrusted.pem" >/dev/null 2>&1 \
  || die "token without certReq"; ok
tsa_text "$TMP/r2.tsr" | grep -q "^Nonce: unspecified" || die "nonce appeared without being asked"; ok

# Other accepted digests; SHA-1 and MD5 are not accepted by default (badAlg).
for a in sha384 sha512; do
  openssl ts -query -data "$TMP/doc.txt" -"$a" -cert -out "$TMP/q$a.tsq" 2>/dev/null
  tsa_post "$TMP/q$a.tsq" "$TMP/r$a.tsr" >/dev/null
  openssl ts -verify -in "$TMP/r$a.tsr" -data "$TMP/doc.txt" -CAfile "$TMP/root.pem" -untrusted "$TMP/chain.pem" >/dev/null 2>&1 \
    || die "$a token does not verify"; ok
done
for a in sha1 md5; do
  openssl ts -query -data "$TMP/doc.txt" -"$a" -out "$TMP/q$a.tsq" 2>/dev/null
  [ "$(tsa_post "$TMP/q$a.tsq" "$TMP/r$a.tsr")" = "200 application/timestamp-reply" ] || die "$a: HTTP"; ok
  expect_reject "$a imprint" "$TMP/r$a.tsr" "unrecognized or unsupported algorithm identifier"
done
openssl ts -query -data "$TMP/doc.txt" -sha256 -tspolicy 1.2.3.4 -out "$TMP/qp.tsq" 2>/dev/null
tsa_post "$TMP/qp.tsq" "$TMP/rp.tsr" >/dev/null
expect_reject "foreign policy" "$TMP/rp.tsr" "the requested TSA policy is not supported"
openssl ts -query -data "$TMP/doc.txt" -sha256 -tspolicy 2.16.360.1.1.1.99.2 -out "$TMP/qp2.tsq" 2>/dev/null
tsa_post "$TMP/qp2.tsq" "$TMP/rp2.tsr" >/dev/null
tsa_text "$TMP/rp2.tsr" | grep -q "^Status: Granted." || die "our own policy OID asked explicitly"; ok

# Hostile and malformed queries: rejections in a 200 timestamp-reply.
head -c 300 /dev/urandom >"$TMP/garbage.tsq"
head -c 30 "$TMP/q.tsq" >"$TMP/trunc.tsq"
{ cat "$TMP/q.tsq"; printf '\x00\x00'; } >"$TMP/trail.tsq"
: >"$TMP/empty.tsq"
python3 - "$TMP/q.tsq" "$TMP/big.tsq" "$TMP/ber.tsq" "$TMP/v2.tsq" <<'PY'
import sys
q = open(sys.argv[1], 'rb').read()
def tlv(tag, v):
    n = len(v)
    if n < 0x80: h = bytes([n])
    elif n < 0x100: h = bytes([0x81, n])
    else: h = bytes([0x82, n >> 8, n & 0xff])
    return bytes([tag]) + h + v
# Over MAX_TSA_REQ_BYTES but under the HTTP limit: a valid shape with a huge extension.
inner = q[2:] if q[1] < 0x80 else q[2 + (q[1] & 0x7f):]
ext = tlv(0x30, tlv(0x06, b'\x2a\x03\x04') + tlv(0x04, b'A' * 6000))
open(sys.argv[2], 'wb').write(tlv(0x30, inner + tlv(0xa0, ext)))
# BER: the same request with a non-minimal length (0x81 for a short value).
open(sys.argv[3], 'wb').write(bytes([0x30, 0x81, len(inner)]) + inner)
# version 2
assert inner[:3] == b'\x02\x01\x01'
open(sys.argv[4], 'wb').write(tlv(0x30, b'\x02\x01\x02' + inner[3:]))
PY
for f in garbage trunc trail empty big ber; do
  [ "$(tsa_post "$TMP/$f.tsq" "$TMP/x.tsr")" = "200 application/timestamp-reply" ] || die "$f: HTTP"; ok
  expect_reject "$f query" "$TMP/x.tsr" "the data submitted has the wrong format"
done
tsa_post "$TMP/v2.tsq" "$TMP/x.tsr" >/dev/null
expect_reject "version 2" "$TMP/x.tsr" "transaction not permitted or supported"
tsa_post "$TMP/q.tsq" "$TMP/x.tsr" "application/x-www-form-urlencoded" >/dev/null
expect_reject "wrong content type" "$TMP/x.tsr" "transaction not permitted or supported"
head -c 100000 /dev/zero >"$TMP/huge.tsq"
[ "$(tsa_post "$TMP/huge.tsq" "$TMP/x.tsr" | cut -d' ' -f1)" = 413 ] || die "body over the HTTP limit must be 413"; ok

# Serials are unique, also under concurrent requests.
seq 1 40 | xargs -P 8 -I{} curl -sS -H 'Content-Type: application/timestamp-query' --data-binary @"$TMP/q.tsq" \
  -o "$TMP/par{}.tsr" "$BASE/tsa"
for i in $(seq 1 40); do tsa_text "$TMP/par$i.tsr" | sed -n 's/^Serial number: //p'; done | sort -u >"$TMP/serials"
[ "$(wc -l <"$TMP/serials")" = 40 ] || die "40 tokens, $(wc -l <"$TMP/serials") unique serials"; ok
openssl ts -verify -in "$TMP/par17.tsr" -data "$TMP/doc.txt" -CAfile "$TMP/root.pem" -untrusted "$TMP/chain.pem" >/dev/null 2>&1 \
  || die "concurrent token does not verify"; ok

# ----------------------------------------------------------------- OCSP
cat "$TMP/root.pem" "$TMP/issuing.pem" >"$TMP/cafile.pem"
ocsp() { # ocsp CERT [extra openssl ocsp options]: prints openssl's verdict lines
  local c=$1; shift
  openssl ocsp "$@" -issuer "$TMP/issuing.pem" -cert "$TMP/$c.pem" -url "$BASE/ocsp" -CAfile "$TMP/cafile.pem" 2>&1 || true
}
ocsp_post() { # ocsp_post REQ.der OUT.der [CTYPE] -> HTTP code
  curl -sS -H "Content-Type: ${3:-application/ocsp-request}" --data-binary @"$1" -o "$2" -w '%{http_code}' "$BASE/ocsp"
}
expect_status() { # expect_status WHAT RESP.der HEX-STATUS (01 malformed, 03 tryLater, 06 unauthorized)
  [ "$(xxd -p "$2" | tr -d '\n')" = "30030a01$3" ] || die "$1: want unsigned status $3, got $(xxd -p "$2" | head -c 80)"
  ok
}

out=$(ocsp leaf)
grep -q "Response verify OK" <<<"$out" && grep -q "leaf.pem: good" <<<"$out" || die "nonce request: $out"; ok
! grep -q "WARNING" <<<"$out" || die "nonce not echoed: $out"; ok
out=$(ocsp leaf -no_nonce)
grep -q "Response verify OK" <<<"$out" && grep -q "leaf.pem: good" <<<"$out" || die "no-nonce request: $out"; ok
out=$(ocsp leaf -no_nonce -sha256)
grep -q "leaf.pem: good" <<<"$out" || die "SHA-256 CertID: $out"; ok
[ "$(sqlite3 "$D/teken.db" "SELECT der_sha256 IS NOT NULL FROM ocsp_responses WHERE serial='$lower'")" = 1 ] || die "SHA-256 response not stored"; ok
ocsp leaf -no_nonce -resp_text | grep -q "Responder Id: [0-9A-F]\{40\}" || die "responder id must be by key hash"; ok

# The stored response is served as stored: the same bytes twice.
ocsp_post "$TMP/req.der" "$TMP/a1.der" >/dev/null; ocsp_post "$TMP/req.der" "$TMP/a2.der" >/dev/null
cmp -s "$TMP/a1.der" "$TMP/a2.der" || die "no-nonce answers should be the stored response"; ok
[ "$(sqlite3 "$D/teken.db" "SELECT hex(der) FROM ocsp_responses WHERE serial='$lower'")" = "$(xxd -p "$TMP/a1.der" | tr -d '\n' | tr a-f A-F)" ] \
  || die "POST answer differs from the stored row"; ok

# GET: base64 in the path (URL-encoded), cache headers from the response.
get() { # get REQ.der OUT.der [raw] -> headers in $TMP/h.txt, prints the HTTP code
  local b; b=$(base64 -w0 "$1")
  [ "${3:-}" = raw ] || b=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$b")
  curl -sS -D "$TMP/h.txt" -o "$2" -w '%{http_code}' "$BASE/ocsp/$b"
}
[ "$(get "$TMP/req.der" "$TMP/g.der")" = 200 ] || die "GET"; ok
cmp -s "$TMP/g.der" "$TMP/a1.der" || die "GET and POST answers differ"; ok
hdr() { grep -i "^$1:" "$TMP/h.txt" | head -1 | cut -d' ' -f2- | tr -d '\r'; }
[ "$(hdr Content-Type)" = application/ocsp-response ] || die "GET content type"; ok
cc=$(hdr Cache-Control); maxage=$(sed -n 's/.*max-age=\([0-9]*\).*/\1/p' <<<"$cc")
nu=$(sqlite3 "$D/teken.db" "SELECT next_update FROM ocsp_responses WHERE serial='$lower'")
[ -n "$maxage" ] && [ "$maxage" -gt 0 ] && [ "$maxage" -le $((nu - $(date +%s) + 2)) ] || die "max-age $maxage beyond nextUpdate"; ok
grep -q "public" <<<"$cc" && grep -q "no-transform" <<<"$cc" || die "Cache-Control: $cc"; ok
etag=$(hdr ETag); [ -n "$etag" ] || die "ETag"; ok
lm=$(hdr Last-Modified); ex=$(hdr Expires)
[ "$(date -u -d "$lm" +%s)" = "$(sqlite3 "$D/teken.db" "SELECT this_update FROM ocsp_responses WHERE serial='$lower'")" ] || die "Last-Modified is not thisUpdate"; ok
[ "$(date -u -d "$ex" +%s)" = "$nu" ] || die "Expires is not nextUpdate"; ok
code=$(curl -sS -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$BASE/ocsp/$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$(base64 -w0 "$TMP/req.der")")")
[ "$code" = 304 ] || die "If-None-Match must give 304, got $code"; ok
openssl ocsp -respin "$TMP/g.der" -issuer "$TMP/issuing.pem" -cert "$TMP/leaf.pem" -CAfile "$TMP/cafile.pem" 2>&1 | grep -q "leaf.pem: good" \
  || die "GET answer does not verify"; ok

# GET with '/' in the base64, raw and %2F-encoded: the route takes the rest of the
# path. We add a nonce (RFC 8954) of our choosing to the leaf's request, so the
# base64 has "//", many '/' and, with the right length, a trailing '/', whatever
# the CA's hashes and the serial encode to.
ocsp_slashes() { # ocsp_slashes IN.der OUT.der NONCE_LEN
  python3 - "$@" <<'PY'
import sys
def tlv(tag, body):
    n = len(body)
    ln = bytes([n]) if n < 128 else bytes([0x81, n]) if n < 256 else bytes([0x82, n >> 8, n & 255])
    return bytes([tag]) + ln + body
def inner(der):  # the content of a TLV (definite lengths only)
    l = der[1]
    if l < 128:
        return der[2:2 + l]
    k = l & 0x7f
    return der[2 + k:2 + k + int.from_bytes(der[2:2 + k], 'big')]
req = open(sys.argv[1], 'rb').read()
request_list = inner(inner(req))  # OCSPRequest > TBSRequest > requestList
nonce = b'\xff' * int(sys.argv[3])
oid = bytes.fromhex('06092b0601050507300102')  # id-pkix-ocsp-nonce
ext = tlv(0xa2, tlv(0x30, tlv(0x30, oid + tlv(0x04, tlv(0x04, nonce)))))
open(sys.argv[2], 'wb').write(tlv(0x30, tlv(0x30, request_list + ext)))
PY
}
trailing=0
for n in 16 17 18; do
  ocsp_slashes "$TMP/req.der" "$TMP/gs.der" $n
  b=$(base64 -w0 "$TMP/gs.der")
  case "$b" in *////*) ;; *) die "crafted request has no '////': $b" ;; esac
  case "$b" in */) trailing=1 ;; esac
  for mode in enc raw; do
    [ "$(get "$TMP/gs.der" "$TMP/gg.der" $mode)" = 200 ] || die "GET with '/' ($mode): $b"; ok
    # -no_nonce: openssl cannot check the echo without the request; we do below.
    out=$(openssl ocsp -respin "$TMP/gg.der" -issuer "$TMP/issuing.pem" -cert "$TMP/leaf.pem" -CAfile "$TMP/cafile.pem" -no_nonce -resp_text 2>&1)
    grep -q "leaf.pem: good" <<<"$out" || die "GET with '/' ($mode) answer: $out"; ok
    tr -d ' \n:' <<<"$out" | grep -qi "04$(printf %02x $n)$(printf 'ff%.0s' $(seq $n))" || die "GET with '/' ($mode): nonce not echoed"; ok
  done
done
[ $trailing = 1 ] || die "no crafted request ended in '/'"; ok
for i in $(seq 1 12); do issue "g$i" >/dev/null; done

# Revocation shows at once, without a restart, with reason and time; hold is revoked/certificateHold.
teken ca revoke --dir "$D" --serial "$s_leaf" --reason keyCompromise >/dev/null
for v in "" -no_nonce; do
  out=$(ocsp leaf $v -resp_text)
  grep -q "leaf.pem: revoked" <<<"$out" || die "revocation not visible ($v): $out"; ok
  grep -q "Reason: keyCompromise" <<<"$out" || die "revocation reason ($v)"; ok
  grep -q "Revocation Time:" <<<"$out" || die "revocation time ($v)"; ok
done
[ "$(get "$TMP/req.der" "$TMP/g2.der")" = 200 ] || die "GET after revocation"; ok
openssl ocsp -respin "$TMP/g2.der" -issuer "$TMP/issuing.pem" -cert "$TMP/leaf.pem" -CAfile "$TMP/cafile.pem" 2>&1 | grep -q "leaf.pem: revoked" \
  || die "GET after revocation still good"; ok
[ "$(hdr ETag)" != "$etag" ] || die "ETag unchanged after revocation"; ok
s_hold=$(issue held)
teken ca revoke --dir "$D" --serial "$s_hold" --reason certificateHold >/dev/null
out=$(ocsp held -no_nonce)
grep -q "held.pem: revoked" <<<"$out" && grep -q "Reason: certificateHold" <<<"$out" || die "hold: $out"; ok

# Another node (or a tool) changing the status behind this process's back: never a stale answer.
s_other=$(issue other)
ocsp other -no_nonce | grep -q "other.pem: good" || die "other good"; ok
sqlite3 "$D/teken.db" "UPDATE certs SET status='revoked', revoked_at=strftime('%s','now'), reason=4 WHERE serial='$(tr 'A-F' 'a-f' <<<"$s_other")'"
out=$(ocsp other -no_nonce)
grep -q "other.pem: revoked" <<<"$out" && grep -q "Reason: superseded" <<<"$out" || die "status changed in the store: $out"; ok

# Several certificates in one request, and a serial we never issued.
out=$(openssl ocsp -issuer "$TMP/issuing.pem" -cert "$TMP/g1.pem" -cert "$TMP/leaf.pem" -serial 0x0123456789 -url "$BASE/ocsp" -CAfile "$TMP/cafile.pem" 2>&1)
grep -q "g1.pem: good" <<<"$out" && grep -q "leaf.pem: revoked" <<<"$out" && grep -q "0x0123456789: unknown" <<<"$out" \
  || die "multi-certificate request: $out"; ok
out=$(openssl ocsp -issuer "$TMP/issuing.pem" -serial 0x77 -url "$BASE/ocsp" -CAfile "$TMP/cafile.pem" -no_nonce 2>&1)
grep -q "Response verify OK" <<<"$out" && grep -q "0x77: unknown" <<<"$out" || die "unknown serial: $out"; ok
serial_ica=$(openssl x509 -in "$TMP/issuing.pem" -noout -serial | cut -d= -f2)
out=$(openssl ocsp -issuer "$TMP/issuing.pem" -serial "0x$serial_ica" -url "$BASE/ocsp" -CAfile "$TMP/cafile.pem" 2>&1)
grep -q ": unknown" <<<"$out" || die "a CA certificate is not issued by the issuing CA: $out"; ok

# Issuers we do not serve, and CertID hashes other than SHA-1/SHA-256: unauthorized (6).
openssl ocsp -issuer "$TMP/root.pem" -cert "$TMP/issuing.pem" -no_nonce -reqout "$TMP/rootreq.der" >/dev/null 2>&1
openssl ocsp -issuer "$TMP/leaf.pem" -serial 0x01 -no_nonce -reqout "$TMP/otherreq.der" >/dev/null 2>&1
openssl ocsp -sha384 -issuer "$TMP/issuing.pem" -cert "$TMP/g1.pem" -no_nonce -reqout "$TMP/sha384req.der" >/dev/null 2>&1
openssl ocsp -md5 -issuer "$TMP/issuing.pem" -cert "$TMP/g1.pem" -reqout "$TMP/md5req.der" >/dev/null 2>&1
openssl ocsp -issuer "$TMP/issuing.pem" -cert "$TMP/g1.pem" -issuer "$TMP/root.pem" -cert "$TMP/issuing.pem" -no_nonce -reqout "$TMP/mixreq.der" >/dev/null 2>&1
for f in rootreq otherreq sha384req md5req mixreq; do
  [ "$(ocsp_post "$TMP/$f.der" "$TMP/x.der")" = 200 ] || die "$f: HTTP"; ok
  expect_status "$f" "$TMP/x.der" 06
done
out=$(openssl ocsp -issuer "$TMP/root.pem" -cert "$TMP/issuing.pem" -url "$BASE/ocsp" -CAfile "$TMP/cafile.pem" 2>&1 || true)
grep -q "Responder Error: unauthorized (6)" <<<"$out" || die "openssl ocsp must report unauthorized for the root's certificates: $out"; ok

# Malformed requests: malformedRequest (1), over POST and GET.
head -c 200 /dev/urandom >"$TMP/garbage.der"
head -c 40 "$TMP/req.der" >"$TMP/trunc.der"
{ cat "$TMP/req.der"; printf '\x05\x00'; } >"$TMP/trail.der"
: >"$TMP/empty.der"
python3 - "$TMP/req.der" "$TMP" <<'PY'
import sys
req = open(sys.argv[1], 'rb').read(); d = sys.argv[2]
def tlv(tag, v):
    n = len(v)
    h = bytes([n]) if n < 0x80 else (bytes([0x81, n]) if n < 0x100 else bytes([0x82, n >> 8, n & 0xff]))
    return bytes([tag]) + h + v
def body(b):  # value of the outer SEQUENCE
    return b[2:] if b[1] < 0x80 else b[2 + (b[1] & 0x7f):]
tbs = body(req)                 # TBSRequest TLV
reqlist = body(tbs)             # requestList TLV
def with_ext(ext):
    return tlv(0x30, tlv(0x30, reqlist + tlv(0xa2, tlv(0x30, ext))))
nonce_oid = bytes.fromhex('06092b0601050507300102')
open(d + '/nonce32.der', 'wb').write(with_ext(tlv(0x30, nonce_oid + tlv(0x04, tlv(0x04, b'N' * 32)))))
open(d + '/nonce33.der', 'wb').write(with_ext(tlv(0x30, nonce_oid + tlv(0x04, tlv(0x04, b'N' * 33)))))
open(d + '/nonce0.der', 'wb').write(with_ext(tlv(0x30, nonce_oid + tlv(0x04, tlv(0x04, b'')))))
crit = tlv(0x30, tlv(0x06, b'\x2a\x03\x04') + b'\x01\x01\xff' + tlv(0x04, b'\x05\x00'))
open(d + '/critext.der', 'wb').write(with_ext(crit))
noncrit = tlv(0x30, tlv(0x06, b'\x2a\x03\x04') + tlv(0x04, b'\x05\x00'))
open(d + '/noncritext.der', 'wb').write(with_ext(noncrit))
open(d + '/v2.der', 'wb').write(tlv(0x30, tlv(0x30, tlv(0xa0, b'\x02\x01\x01') + reqlist)))
open(d + '/v1explicit.der', 'wb').write(tlv(0x30, tlv(0x30, tlv(0xa0, b'\x02\x01\x00') + reqlist)))
open(d + '/emptylist.der', 'wb').write(tlv(0x30, tlv(0x30, tlv(0x30, b''))))
one = body(reqlist)
open(d + '/many.der', 'wb').write(tlv(0x30, tlv(0x30, tlv(0x30, one * 17))))
open(d + '/ber.der', 'wb').write(bytes([0x30, 0x81, len(tbs)]) + tbs)
open(d + '/indef.der', 'wb').write(b'\x30\x80' + tbs + b'\x00\x00')
# Over MAX_OCSP_REQ_BYTES, under the HTTP body limit: a valid shape with a large extension.
open(d + '/big.der', 'wb').write(with_ext(tlv(0x30, tlv(0x06, b'\x2a\x03\x04') + tlv(0x04, b'B' * 6000))))
PY
for f in garbage trunc trail empty nonce33 nonce0 critext v2 emptylist many ber indef big; do
  [ "$(ocsp_post "$TMP/$f.der" "$TMP/x.der")" = 200 ] || die "$f: HTTP"; ok
  expect_status "$f request" "$TMP/x.der" 01
done
for f in nonce32 noncritext v1explicit; do
  ocsp_post "$TMP/$f.der" "$TMP/x.der" >/dev/null
  openssl ocsp -respin "$TMP/x.der" -CAfile "$TMP/cafile.pem" -resp_text 2>&1 | grep -q "Response verify OK" || die "$f must be answered"; ok
done
ocsp_post "$TMP/nonce32.der" "$TMP/x.der" >/dev/null
openssl ocsp -respin "$TMP/x.der" -resp_text -noverify 2>/dev/null | grep -q "OCSP Nonce" || die "32-byte nonce echoed"; ok
[ "$(ocsp_post "$TMP/req.der" "$TMP/x.der" text/plain)" = 200 ] || die "wrong content type: HTTP"; ok
expect_status "wrong content type" "$TMP/x.der" 01
head -c 100000 /dev/zero >"$TMP/huge.der"
[ "$(ocsp_post "$TMP/huge.der" "$TMP/x.der")" = 413 ] || die "body over the HTTP limit must be 413"; ok
for bad in '!!!notbase64' 'QUJD=' 'A' 'MA%3D%3D%3D'; do
  [ "$(curl -sS -o "$TMP/x.der" -w '%{http_code}' "$BASE/ocsp/$bad")" = 200 ] || die "GET $bad: HTTP"; ok
  expect_status "GET $bad" "$TMP/x.der" 01
done
printf 'not an OCSP request at all' >"$TMP/notreq.der"   # its base64 has no '/'
[ "$(get "$TMP/notreq.der" "$TMP/x.der")" = 200 ] || die "GET garbage: HTTP"; ok
expect_status "GET garbage" "$TMP/x.der" 01
grep -qi "^Cache-Control: no-store" "$TMP/h.txt" || die "error answers must not be cached"; ok

# Refresh: stale rows are re-signed by `teken ocsp refresh`, expired ones on the next request.
sqlite3 "$D/teken.db" "UPDATE ocsp_responses SET this_update = this_update - 100000, next_update = next_update - 100000"
out=$(teken ocsp refresh --dir "$D")
grep -q "responses refreshed, 0 failed" <<<"$out" || die "refresh: $out"; ok
n=$(sed -n 's/^ocsp: \([0-9]*\) responses.*/\1/p' <<<"$out")
want=$(sqlite3 "$D/teken.db" "SELECT COUNT(*) FROM certs WHERE ca_id = (SELECT id FROM cas WHERE name='issuing')")
[ "$n" = "$want" ] || die "refresh made $n responses for $want certificates"; ok
[ "$(sqlite3 "$D/teken.db" "SELECT COUNT(*) FROM ocsp_responses WHERE this_update < strftime('%s','now') - 3600")" = 0 ] || die "stale rows remain"; ok
teken ocsp refresh --dir "$D" | grep -q "^ocsp: 0 responses refreshed" || die "second refresh should have nothing to do"; ok
sqlite3 "$D/teken.db" "UPDATE ocsp_responses SET this_update = 1000, next_update = 2000 WHERE serial = (SELECT serial FROM certs WHERE subject LIKE 'CN=g1%')"
out=$(ocsp g1 -no_nonce -resp_text)
grep -q "g1.pem: good" <<<"$out" || die "expired stored response: $out"; ok
[ "$(sqlite3 "$D/teken.db" "SELECT this_update > 2000 FROM ocsp_responses WHERE serial = (SELECT serial FROM certs WHERE subject LIKE 'CN=g1%')")" = 1 ] \
  || die "expired row not replaced"; ok
teken audit verify --dir "$D" >/dev/null || die "audit chain after refresh"; ok

# Load: many parallel requests, all answered with the stored response.
ocsp_post "$TMP/req.der" "$TMP/g3.der" >/dev/null
seq 1 60 | xargs -P 8 -I{} curl -sS -H 'Content-Type: application/ocsp-request' --data-binary @"$TMP/req.der" \
  -o "$TMP/p{}.der" "$BASE/ocsp"
for i in $(seq 1 60); do cmp -s "$TMP/p$i.der" "$TMP/g3.der" || die "parallel POST $i differs"; done; ok
# shellcheck disable=SC2016 # the inner sh expands "$1".."$3", not this shell
seq 1 60 | xargs -P 8 -I{} sh -c 'curl -sS -o "$1/q{}.der" "$2/ocsp/$3"' _ "$TMP" "$BASE" \
  "$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$(base64 -w0 "$TMP/req.der")")"
for i in $(seq 1 60); do cmp -s "$TMP/q$i.der" "$TMP/g3.der" || die "parallel GET $i differs"; done; ok

# Clean shutdown: exit status 0 (under ASan this includes the leak check).
kill -TERM "$SRV_PID"; rc=0; wait "$SRV_PID" || rc=$?
[ "$rc" = 0 ] || die "server exit status $rc: $(tail -20 "$TMP/serve.log")"; ok
! grep -q '"level":"error"' "$TMP/serve.log" || die "server logged errors: $(grep '"level":"error"' "$TMP/serve.log" | head -3)"; ok

# ------------------------------------------- two nodes on one PostgreSQL store
# Node A serves; node B (same config and instance key) issues and revokes: the
# shared stored row makes B's revocation visible on A at once, no restart.
pg_start "$TMP/pg" >/dev/null
at_exit "pg_stop '$TMP/pg'"
A="$TMP/nodeA"; B="$TMP/nodeB"
teken init --dir "$A" --store "$PG_URL" --key-alg ec-p256 >/dev/null
no_rate_limit "$A"
mkdir -m 750 "$B"; cp -p "$A/teken.conf" "$A/instance.key" "$B/"
teken ca chain --dir "$A" >"$TMP/pgchain.pem"; split_pem "$TMP/pgchain.pem" "$TMP/pgca"
new_csr ec256 "/CN=Node Leaf" "$TMP/pgleaf.csr"
teken ca issue --dir "$B" --csr "$TMP/pgleaf.csr" --profile individual -o "$TMP/pgleaf.pem" 2>/dev/null
pgserial=$(openssl x509 -in "$TMP/pgleaf.pem" -noout -serial | cut -d= -f2)
[ "$(psql -qtA "$PG_URL" -c "SELECT cert_status FROM ocsp_responses WHERE serial=lower('$pgserial')")" = valid ] \
  || die "issuance on PostgreSQL did not pre-produce the response"; ok
"$TEKEN_BIN" serve --dir "$A" --listen 127.0.0.1:0 --threads 2 >"$TMP/serveA.out" 2>"$TMP/serveA.log" &
APID=$!
at_exit "kill -TERM $APID 2>/dev/null; wait $APID 2>/dev/null"
for _ in $(seq 1 200); do grep -q "listening on" "$TMP/serveA.out" 2>/dev/null && break; sleep 0.05; done
APORT=$(head -1 "$TMP/serveA.out" | sed -n 's/^teken: listening on http:\/\/127.0.0.1:\([0-9]*\)$/\1/p')
[ -n "$APORT" ] || die "node A did not start"
cat "$TMP/pgca1.pem" "$TMP/pgca2.pem" >"$TMP/pgcafile.pem"
pgocsp() { openssl ocsp "$@" -issuer "$TMP/pgca1.pem" -cert "$TMP/pgleaf.pem" -url "http://127.0.0.1:$APORT/ocsp" -CAfile "$TMP/pgcafile.pem" 2>&1 || true; }
pgocsp -no_nonce | grep -q "pgleaf.pem: good" || die "PostgreSQL: good"; ok
pgocsp -no_nonce -sha256 | grep -q "pgleaf.pem: good" || die "PostgreSQL: SHA-256 CertID"; ok
[ "$(psql -qtA "$PG_URL" -c "SELECT der_sha256 IS NOT NULL FROM ocsp_responses WHERE serial=lower('$pgserial')")" = t ] \
  || die "PostgreSQL: SHA-256 response not stored"; ok
teken ca revoke --dir "$B" --serial "$pgserial" --reason affiliationChanged >/dev/null
out=$(pgocsp -no_nonce)
grep -q "pgleaf.pem: revoked" <<<"$out" && grep -q "Reason: affiliationChanged" <<<"$out" || die "revocation on node B not visible on node A: $out"; ok
pgocsp | grep -q "pgleaf.pem: revoked" || die "PostgreSQL: nonce request"; ok
psql -q "$PG_URL" -c "UPDATE ocsp_responses SET this_update = this_update - 200000, next_update = next_update - 200000" >/dev/null
out=$(teken ocsp refresh --dir "$B")
grep -q "0 failed" <<<"$out" || die "PostgreSQL refresh: $out"; ok
[ "$(psql -qtA "$PG_URL" -c "SELECT COUNT(*) FROM ocsp_responses WHERE next_update < extract(epoch FROM now())")" = 0 ] \
  || die "PostgreSQL refresh left expired rows"; ok
pgocsp -no_nonce | grep -q "pgleaf.pem: revoked" || die "after refresh"; ok
teken audit verify --dir "$A" >/dev/null || die "PostgreSQL audit chain"; ok
kill -TERM "$APID"; rc=0; wait "$APID" || rc=$?
[ "$rc" = 0 ] || die "node A exit status $rc: $(tail -5 "$TMP/serveA.log")"; ok

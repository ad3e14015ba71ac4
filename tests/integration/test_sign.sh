#!/usr/bin/env bash
# PAdES and CAdES signing, judged by pdfsig (NSS), qpdf, mutool, pdftotext,
# zbarimg and openssl cms, on PDFs from independent producers.
source "$(dirname "$0")/../lib/common.sh"
SRC=${TEKEN_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
DATA="$SRC/tests/data/pdf"

D="$TMP/inst"
teken init --dir "$D" --demo --key-alg ec-p256 --base-url http://127.0.0.1:9999 >/dev/null
PP=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['subscriber']['passphrase'])" "$D/demo.json")
teken ca chain --dir "$D" >"$TMP/chain.pem"; split_pem "$TMP/chain.pem" "$TMP/ca"
NSS="$TMP/nss"; mkdir "$NSS"
certutil -N -d "sql:$NSS" --empty-password
certutil -A -d "sql:$NSS" -n teken-root -t "CT,C,C" -i "$TMP/ca2.pem"

# pdfsig_ok FILE N: exactly N signatures, every one valid and trusted; the last covers the whole file.
pdfsig_ok() {
  local out; out=$(pdfsig -no-ocsp -nssdir "sql:$NSS" "$1" 2>&1) || true
  [ "$(grep -c '^Signature #' <<<"$out")" = "$2" ] || die "$1: want $2 signatures: $out"
  [ "$(grep -c 'Signature Validation: Signature is Valid.' <<<"$out")" = "$2" ] || die "$1: a signature is not valid: $out"
  [ "$(grep -c 'Certificate Validation: Certificate is Trusted.' <<<"$out")" = "$2" ] || die "$1: certificate not trusted: $out"
  grep -q "Total document signed" <<<"$out" || die "$1: last signature does not cover the whole document: $out"
  ok
}
oracles_ok() { # FILE: qpdf and mutool accept it
  qpdf --check "$1" >/dev/null 2>&1 || die "qpdf --check fails on $1: $(qpdf --check "$1" 2>&1 | tail -3)"
  mutool draw -q -o /dev/null "$1" 2>/dev/null || die "mutool draw fails on $1"
  ok
}
statement_ok() { # FILE: the R8 statement is on the page text
  pdftotext "$1" - | tr -s ' \n' ' ' | grep -q "Balai Besar Sertifikasi Elektronik (BSrE)" || die "R8 statement missing in $1"; ok
}

# Invisible seal signature on every good file of the corpus (gs, qpdf, mutool, hand-written).
n=0
for f in "$DATA"/gs-*.pdf "$DATA"/qpdf-*.pdf "$DATA"/mu-*.pdf "$DATA"/hw-*.pdf; do
  b=$(basename "$f" .pdf)
  out=$(teken sign --dir "$D" --in "$f" --out "$TMP/$b.signed.pdf" --seal) || die "signing $b failed"
  cmp -n "$(stat -c %s "$f")" "$f" "$TMP/$b.signed.pdf" || die "$b: earlier bytes changed"
  pdfsig_ok "$TMP/$b.signed.pdf" 1
  oracles_ok "$TMP/$b.signed.pdf"
  statement_ok "$TMP/$b.signed.pdf"
  [ "$(pdfinfo "$f" | awk '/^Pages/{print $2}')" = "$(pdfinfo "$TMP/$b.signed.pdf" | awk '/^Pages/{print $2}')" ] || die "$b: page count changed"
  n=$((n+1))
done
[ $n -ge 15 ] || die "corpus too small ($n)"; ok

# Visible subscriber signature: stamp with QR code pointing at the registry.
f="$DATA/gs-3pages.pdf"
out=$(echo "$PP" | teken sign --dir "$D" --in "$f" --out "$TMP/vis.pdf" --subscriber pejabat --passphrase-file - --visible 2,320,40,250,90 --reason "Disetujui")
docid=$(awk '{print $1}' <<<"$out")
pdfsig_ok "$TMP/vis.pdf" 1
oracles_ok "$TMP/vis.pdf"
pdftoppm -r 150 -png -f 2 -l 2 "$TMP/vis.pdf" "$TMP/vis"
qr=$(zbarimg -q --raw "$TMP"/vis-*2.png 2>/dev/null)
[ "$qr" = "http://127.0.0.1:9999/v/$docid" ] || die "QR decodes to '$qr', want http://127.0.0.1:9999/v/$docid"; ok
pdftotext -f 2 -l 2 "$TMP/vis.pdf" - | grep -q "Siti Rahmawati" || die "signer name not on the stamp"; ok
statement_ok "$TMP/vis.pdf"
[ "$(sqlite3 "$D/teken.db" "SELECT level || ' ' || pages FROM documents WHERE id='$docid'")" = "PAdES-BASELINE-B 3" ] || die "registry row"; ok
h=$(sha256sum "$TMP/vis.pdf" | cut -d' ' -f1)
[ "$(sqlite3 "$D/teken.db" "SELECT sha256 FROM documents WHERE id='$docid'")" = "$h" ] || die "registry hash differs from the output"; ok

# Rotated page: the stamp still lands inside the page and verifies.
qpdf --rotate=+90:1 "$DATA/gs-pdf13.pdf" "$TMP/rot.pdf"
teken sign --dir "$D" --in "$TMP/rot.pdf" --out "$TMP/rot.signed.pdf" --seal --visible 1,20,20,240,80 >/dev/null
pdfsig_ok "$TMP/rot.signed.pdf" 1
oracles_ok "$TMP/rot.signed.pdf"
pdftoppm -r 150 -png "$TMP/rot.signed.pdf" "$TMP/rot"
zbarimg -q --raw "$TMP"/rot-1.png 2>/dev/null | grep -q "/v/" || die "QR unreadable on a rotated page"; ok

# R18: the agreement signed by both parties, one after the other.
pks="$SRC/docs/samples/pks-demo.pdf"
echo "$PP" | teken sign --dir "$D" --in "$pks" --out "$TMP/pks1.pdf" --subscriber pejabat --passphrase-file - --visible 2,60,320,220,90 >/dev/null
teken sign --dir "$D" --in "$TMP/pks1.pdf" --out "$TMP/pks2.pdf" --seal --visible 2,320,320,220,90 >/dev/null
pdfsig_ok "$TMP/pks2.pdf" 2
oracles_ok "$TMP/pks2.pdf"
cmp -n "$(stat -c %s "$TMP/pks1.pdf")" "$TMP/pks1.pdf" "$TMP/pks2.pdf" || die "second signature rewrote the first revision"; ok

# Certification: P=2 allows a later approval signature, P=1 refuses it.
teken sign --dir "$D" --in "$DATA/gs-pdf13.pdf" --out "$TMP/cert2.pdf" --seal --certify 2 >/dev/null
# An invisible signature carries the statement in its widget: signing allowed by P=2, nothing else changes.
echo "$PP" | teken sign --dir "$D" --in "$TMP/cert2.pdf" --out "$TMP/cert2i.pdf" --subscriber pejabat --passphrase-file - >/dev/null
pdfsig_ok "$TMP/cert2i.pdf" 2
statement_ok "$TMP/cert2i.pdf"
teken verify --dir "$D" --revocation optional --in "$TMP/cert2i.pdf" >/dev/null || die "certification broken by an invisible approval signature ($?)"; ok
echo "$PP" | teken sign --dir "$D" --in "$TMP/cert2.pdf" --out "$TMP/cert2b.pdf" --subscriber pejabat --passphrase-file - --visible 1,300,40,250,90 >/dev/null
pdfsig_ok "$TMP/cert2b.pdf" 2
teken sign --dir "$D" --in "$DATA/gs-pdf13.pdf" --out "$TMP/cert1.pdf" --seal --certify 1 >/dev/null
expect_fail "signing a P=1 certified document" teken sign --dir "$D" --in "$TMP/cert1.pdf" --out "$TMP/x.pdf" --seal
expect_err_contains "DocMDP P=1"
expect_fail "certifying a signed document" teken sign --dir "$D" --in "$TMP/cert2b.pdf" --out "$TMP/x.pdf" --seal --certify 2

# CAdES for any file, checked by openssl cms.
head -c 100000 /dev/urandom >"$TMP/data.bin"
teken sign --dir "$D" --cades --in "$TMP/data.bin" --out "$TMP/data.p7s" --seal >/dev/null
openssl cms -verify -binary -inform DER -in "$TMP/data.p7s" -content "$TMP/data.bin" -CAfile "$TMP/ca2.pem" -purpose any -out /dev/null 2>/dev/null || die "CAdES does not verify"; ok
# Flip one bit (writing a fixed byte left the random data unchanged one time in 256).
python3 -c 'import sys; f = open(sys.argv[1], "r+b"); f.seek(5000); b = f.read(1)[0]; f.seek(5000); f.write(bytes([b ^ 1]))' "$TMP/data.bin"
if openssl cms -verify -binary -inform DER -in "$TMP/data.p7s" -content "$TMP/data.bin" -CAfile "$TMP/ca2.pem" -purpose any -out /dev/null 2>/dev/null; then die "tampered content verifies"; fi; ok

# Bad input: a one-line error, no output file, no registry row.
rows=$(sqlite3 "$D/teken.db" "SELECT COUNT(*) FROM documents")
for bad in bad-truncated bad-garbage bad-notpdf bad-encrypted bad-prev-cycle bad-nested bad-huge-objnum bad-empty; do
  f=$(find "$DATA" -maxdepth 1 -name "$bad.*" | sort | head -1)
  rm -f "$TMP/x.pdf"
  if teken sign --dir "$D" --in "$f" --out "$TMP/x.pdf" --seal >/dev/null 2>"$TMP/err"; then
    # A damaged file that the parser repairs may be signed; it must then be valid.
    pdfsig_ok "$TMP/x.pdf" 1
    rows=$((rows+1))
  else
    [ "$(wc -l <"$TMP/err")" = 1 ] && grep -q '^teken: error: ' "$TMP/err" || die "$bad: error not one line: $(cat "$TMP/err")"
    [ ! -e "$TMP/x.pdf" ] || die "$bad: output written on failure"
    ok
  fi
done
expect_fail "encrypted PDF" teken sign --dir "$D" --in "$DATA/bad-encrypted.pdf" --out "$TMP/x.pdf" --seal
expect_err_contains "encrypt"
expect_fail "wrong passphrase" bash -c "echo salah-salah-salah | '$TEKEN_BIN' sign --dir '$D' --in '$DATA/gs-pdf13.pdf' --out '$TMP/x.pdf' --subscriber pejabat --passphrase-file -"
expect_err_contains "passphrase"
expect_fail "unknown subscriber looks the same" bash -c "echo salah-salah-salah | '$TEKEN_BIN' sign --dir '$D' --in '$DATA/gs-pdf13.pdf' --out '$TMP/x.pdf' --subscriber nobody --passphrase-file -"
expect_err_contains "passphrase"
expect_fail "stamp outside the page" teken sign --dir "$D" --in "$DATA/gs-pdf13.pdf" --out "$TMP/x.pdf" --seal --visible 1,500,700,300,200
expect_fail "page that does not exist" teken sign --dir "$D" --in "$DATA/gs-pdf13.pdf" --out "$TMP/x.pdf" --seal --visible 9,10,10,200,80
expect_fail "unknown level" teken sign --dir "$D" --in "$DATA/gs-pdf13.pdf" --out "$TMP/x.pdf" --seal --level B-X
expect_fail "no signer" teken sign --dir "$D" --in "$DATA/gs-pdf13.pdf" --out "$TMP/x.pdf"
[ ! -e "$TMP/x.pdf" ] || die "output written on failure"; ok
[ "$(sqlite3 "$D/teken.db" "SELECT COUNT(*) FROM documents")" = "$rows" ] || die "failed signings changed the registry"; ok
teken audit verify --dir "$D" >/dev/null || die "audit chain"; ok

# Anchor placement: the stamp goes where the tag text is drawn.
gs -q -sDEVICE=pdfwrite -o "$TMP/anchor.pdf" -c "/Helvetica findfont 12 scalefont setfont 72 700 moveto (Surat) show showpage 72 700 moveto (Halaman dua) show 100 200 moveto (Tanda tangan: #TTD#) show showpage"
teken sign --dir "$D" --in "$TMP/anchor.pdf" --out "$TMP/anchor.signed.pdf" --seal --anchor '#TTD#' >/dev/null
pdfsig_ok "$TMP/anchor.signed.pdf" 1
python3 - "$TMP/anchor.signed.pdf" <<'PY' || die "stamp not placed at the anchor on page 2"
import re, sys, zlib
d = open(sys.argv[1], "rb").read()
rect = re.findall(rb"/Rect\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\]", d)[-1]
x0, y0 = float(rect[0]), float(rect[1])
# "#TTD#" is drawn at x = 100 + width("Tanda tangan: ") ~ 178, y = 200 on page 2
assert 150 < x0 < 200 and abs(y0 - 200) < 1, rect
assert b"/P " in d
PY
ok
expect_fail "anchor not in the document" teken sign --dir "$D" --in "$TMP/anchor.pdf" --out "$TMP/x.pdf" --seal --anchor 'TIDAK-ADA'
expect_err_contains "not found"

# Signature images on the stamp: PNG with alpha (soft mask) and JPEG.
for img in "$SRC"/fuzz/corpus/fuzz_image/rgba.png "$SRC"/fuzz/corpus/fuzz_image/palette.png "$SRC"/fuzz/corpus/fuzz_image/gray.jpg; do
  teken sign --dir "$D" --in "$DATA/gs-pdf13.pdf" --out "$TMP/img.pdf" --seal --visible 1,300,40,250,100 --image "$img" >/dev/null
  pdfsig_ok "$TMP/img.pdf" 1
  oracles_ok "$TMP/img.pdf"
  pdfimages -list "$TMP/img.pdf" | grep -q -E "image|smask" || die "no image in the stamp for $img"; ok
done
pdfimages -list "$TMP/img.pdf" >/dev/null
teken sign --dir "$D" --in "$DATA/gs-pdf13.pdf" --out "$TMP/img.pdf" --seal --visible 1,300,40,250,100 --image "$SRC/fuzz/corpus/fuzz_image/rgba.png" >/dev/null
pdfimages -list "$TMP/img.pdf" | grep -q smask || die "PNG alpha not kept as a soft mask"; ok
head -c 2000 /dev/urandom >"$TMP/bad.png"
expect_fail "image that is not PNG/JPEG" teken sign --dir "$D" --in "$DATA/gs-pdf13.pdf" --out "$TMP/x.pdf" --seal --visible 1,300,40,250,100 --image "$TMP/bad.png"
expect_fail "image without a visible stamp" teken sign --dir "$D" --in "$DATA/gs-pdf13.pdf" --out "$TMP/x.pdf" --seal --image "$SRC/fuzz/corpus/fuzz_image/rgba.png"

#!/usr/bin/env bash
# PKCS#11 keys (docs/hsm.md) on a throwaway SoftHSM2 token: `teken init`
# generates the instance keys (and the audit key) on the token; certificates, CRLs, PDF
# seals, audit checkpoints, timestamps and OCSP responses are signed there
# and judged by openssl, pdfsig and pkcs11-tool. The store and the config
# hold references only; a wrong or badly protected PIN file fails with one
# clear line and changes nothing.
#
# The token lives in this test's temp dir (its own SOFTHSM2_CONF and token
# directory), so the test runs in parallel with the others, as root or not.
source "$(dirname "$0")/../lib/common.sh"
SRC=${TEKEN_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
MODULE=${TEKEN_PKCS11_MODULE:-/usr/lib/softhsm/libsofthsm2.so}

command -v softhsm2-util >/dev/null && command -v pkcs11-tool >/dev/null && [ -r "$MODULE" ] \
  || die "softhsm2 and opensc are needed (scripts/install-deps.sh)"

# ------------------------------------------------------------- the token
export SOFTHSM2_CONF="$TMP/softhsm2.conf"
mkdir -m 700 "$TMP/tokens"
cat >"$SOFTHSM2_CONF" <<EOF
directories.tokendir = $TMP/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = false
EOF
LABEL=teken-hsm
PIN=$(openssl rand -hex 8)
softhsm2-util --init-token --free --label "$LABEL" --pin "$PIN" --so-pin "$(openssl rand -hex 8)" >/dev/null
(umask 077; printf '%s\n' "$PIN" >"$TMP/pin"; printf 'wrong-%s\n' "$PIN" >"$TMP/badpin")
cp "$TMP/pin" "$TMP/loosepin"; chmod 644 "$TMP/loosepin"
p11() { pkcs11-tool --module "$MODULE" --token-label "$LABEL" "$@" 2>/dev/null; }
token_objects() { p11 --login --pin "$PIN" --list-objects | grep -c '^Private Key Object' || true; }

# ------------------------------------------- failures change nothing
D="$TMP/inst"
hsm_init() { # hsm_init DIR PINFILE [more options]
  local dir=$1 pin=$2; shift 2
  teken init --dir "$dir" --pkcs11-module "$MODULE" --pkcs11-token "$LABEL" --pkcs11-pin-file "$pin" "$@"
}
expect_fail "wrong PIN" hsm_init "$D" "$TMP/badpin" --key-alg ec-p256
expect_err_contains "hsm: wrong PIN for token '$LABEL'"
case "$LAST_ERR" in *"$PIN"*) die "the error shows the PIN" ;; esac; ok
[ ! -e "$D" ] || die "failed init left $D behind"; ok
[ "$(token_objects)" = 0 ] || die "failed init left keys on the token"; ok
expect_fail "PIN file readable by others" hsm_init "$D" "$TMP/loosepin"
expect_err_contains "permissions 644 are too open (need 0600)"
expect_fail "no such token" teken init --dir "$D" --pkcs11-module "$MODULE" --pkcs11-token nope --pkcs11-pin-file "$TMP/pin"
expect_err_contains "hsm: token 'nope' not found"
expect_fail "no such module" teken init --dir "$D" --pkcs11-module "$TMP/libnothing.so" --pkcs11-token "$LABEL" \
  --pkcs11-pin-file "$TMP/pin"
expect_err_contains "cannot be loaded"
expect_fail "options go together" teken init --dir "$D" --pkcs11-module "$MODULE" --pkcs11-token "$LABEL"
expect_err_contains "go together"
[ ! -e "$D" ] && [ "$(token_objects)" = 0 ] || die "failed inits changed something"; ok
# A failure after the keys were made (the CPS file is read last) removes them from the token again.
expect_fail "init failing late" hsm_init "$D" "$TMP/pin" --key-alg ec-p256 --cps "$TMP/no-such-cps.md"
[ ! -e "$D" ] || die "late failure left $D behind"; ok
[ "$(token_objects)" = 0 ] || die "late failure left keys on the token: $(p11 --login --pin "$PIN" --list-objects)"; ok

# --------------------------------------------------------------- init
# RSA CA keys and EC service keys: both kinds of token signature in one instance.
hsm_init "$D" "$TMP/pin" --key-alg rsa2048 --leaf-key-alg ec-p256 >/dev/null
[ "$(sqlite3 "$D/teken.db" "SELECT COUNT(*) FROM keys WHERE kind='pkcs11' AND blob IS NULL AND ref LIKE 'pkcs11:token=$LABEL;object=' || name || ';id=%'")" = 6 ] \
  || die "keys table: $(sqlite3 "$D/teken.db" "SELECT name, kind, length(blob), ref FROM keys")"; ok
[ "$(sqlite3 "$D/teken.db" "SELECT group_concat(name || ':' || alg, ' ') FROM (SELECT * FROM keys ORDER BY name)")" \
  = "audit:ec-p256 ca-issuing:rsa2048 ca-root:rsa2048 ocsp:ec-p256 seal:ec-p256 tsa:ec-p256" ] || die "key algorithms"; ok
sqlite3 "$D/teken.db" "SELECT ref FROM keys" | grep -q "module-path=$MODULE" || die "ref lacks the module path"; ok
grep -q "^\[hsm\]" "$D/teken.conf" && grep -q "^module = $MODULE$" "$D/teken.conf" && grep -q "^token = $LABEL$" "$D/teken.conf" \
  && grep -q "^pin_file = $TMP/pin$" "$D/teken.conf" || die "[hsm] in teken.conf: $(cat "$D/teken.conf")"; ok
for f in "$D"/*; do
  if grep -aq -- "$PIN" "$f"; then die "the PIN is in $f"; fi
done; ok
# On the token: six private keys, sensitive and never extractable, labelled by name.
objs=$(p11 --login --pin "$PIN" --list-objects)
for k in ca-root ca-issuing tsa ocsp seal audit; do
  grep -A6 '^Private Key Object' <<<"$objs" | grep -q "label: *$k$" || die "private key $k not on the token: $objs"
done; ok
[ "$(grep -c 'Access: *sensitive, always sensitive, never extractable' <<<"$objs")" = 6 ] || die "key access flags: $objs"; ok

# ------------------------------------------------------ CA operations
teken ca chain --dir "$D" >"$TMP/chain.pem"; split_pem "$TMP/chain.pem" "$TMP/ca"   # ca1 issuing, ca2 root
openssl verify -CAfile "$TMP/ca2.pem" "$TMP/ca2.pem" >/dev/null || die "root does not verify"; ok
openssl verify -CAfile "$TMP/ca2.pem" "$TMP/ca1.pem" >/dev/null || die "chain does not verify"; ok
openssl x509 -in "$TMP/ca1.pem" -noout -text | grep -q "Signature Algorithm: sha256WithRSAEncryption" || die "issuing CA sigalg"; ok
new_csr ec256 "/CN=Pejabat HSM" "$TMP/leaf.csr"
teken ca issue --dir "$D" --csr "$TMP/leaf.csr" --profile individual -o "$TMP/leaf.pem" >/dev/null 2>&1
openssl verify -CAfile "$TMP/ca2.pem" -untrusted "$TMP/ca1.pem" "$TMP/leaf.pem" >/dev/null || die "leaf does not verify"; ok
serial=$(openssl x509 -in "$TMP/leaf.pem" -noout -serial | cut -d= -f2)
new_csr ec256 "/CN=Pejabat Lain" "$TMP/other.csr"
teken ca issue --dir "$D" --csr "$TMP/other.csr" --profile individual -o "$TMP/other.pem" >/dev/null 2>&1
teken ca revoke --dir "$D" --serial "$serial" --reason keyCompromise >/dev/null
teken ca crl --dir "$D" -o "$TMP/crl.der" >/dev/null
openssl crl -inform DER -in "$TMP/crl.der" -CAfile "$TMP/ca1.pem" -noout 2>&1 | grep -q "verify OK" || die "CRL does not verify"; ok
openssl crl -inform DER -in "$TMP/crl.der" -noout -text | grep -qi "Serial Number: $serial" || die "revoked serial not in CRL"; ok
teken ca crl --dir "$D" --ca root -o "$TMP/rootcrl.der" >/dev/null
openssl crl -inform DER -in "$TMP/rootcrl.der" -CAfile "$TMP/ca2.pem" -noout 2>&1 | grep -q "verify OK" || die "root CRL"; ok

# ------------------------------------------------------------ signing
NSS="$TMP/nss"; mkdir "$NSS"
certutil -N -d "sql:$NSS" --empty-password
certutil -A -d "sql:$NSS" -n teken-root -t "CT,C,C" -i "$TMP/ca2.pem"
pdfsig_valid() { # FILE: one valid, trusted signature over the whole file
  local out; out=$(pdfsig -no-ocsp -nssdir "sql:$NSS" "$1" 2>&1) || true
  grep -q 'Signature Validation: Signature is Valid.' <<<"$out" || die "$1: signature not valid: $out"
  grep -q 'Certificate Validation: Certificate is Trusted.' <<<"$out" || die "$1: certificate not trusted: $out"
  grep -q 'Total document signed' <<<"$out" || die "$1: not the whole document: $out"
  ok
}
teken sign --dir "$D" --in "$SRC/tests/data/pdf/gs-pdf13.pdf" --out "$TMP/sealed.pdf" --seal >/dev/null
pdfsig_valid "$TMP/sealed.pdf"
# B-T: the signature timestamp comes from the instance TSA, whose key is on the token too.
teken sign --dir "$D" --in "$SRC/tests/data/pdf/gs-pdf13.pdf" --out "$TMP/sealed-t.pdf" --seal --level B-T >/dev/null
pdfsig_valid "$TMP/sealed-t.pdf"
teken sign --dir "$D" --cades --in "$SRC/tests/data/pdf/gs-pdf13.pdf" --out "$TMP/doc.p7s" --seal >/dev/null
openssl cms -verify -binary -inform DER -in "$TMP/doc.p7s" -content "$SRC/tests/data/pdf/gs-pdf13.pdf" \
  -CAfile "$TMP/ca2.pem" -certfile "$TMP/chain.pem" -purpose any -out /dev/null 2>/dev/null || die "CAdES does not verify"; ok

# ---------------------------------------------------------------- audit
# Signed with the audit key on the token; verify checks it against the audit certificate.
teken audit checkpoint --dir "$D" >/dev/null
[ "$(sqlite3 "$D/teken.db" "SELECT COUNT(*) FROM audit_checkpoints WHERE version = 2 AND cert_serial = (SELECT value FROM meta WHERE key = 'cert.audit')")" = 1 ] \
  || die "checkpoint not signed by the audit key"; ok
teken audit verify --dir "$D" >/dev/null || die "audit verify"; ok

# ------------------------------------- online TSA and OCSP via teken serve
SRV_OUT="$TMP/serve.out"
no_rate_limit "$D"
"$TEKEN_BIN" serve --dir "$D" --listen 127.0.0.1:0 --threads 4 >"$SRV_OUT" 2>"$TMP/serve.log" &
SRV_PID=$!
at_exit "kill -TERM $SRV_PID 2>/dev/null; wait $SRV_PID 2>/dev/null"
for _ in $(seq 1 200); do grep -q "listening on" "$SRV_OUT" 2>/dev/null && break; sleep 0.05; done
PORT=$(head -1 "$SRV_OUT" | sed -n 's/^teken: listening on http:\/\/127.0.0.1:\([0-9]*\)$/\1/p')
[ -n "$PORT" ] || die "server did not start: $(cat "$SRV_OUT" "$TMP/serve.log")"
BASE="http://127.0.0.1:$PORT"

# Several requests at once: the server's threads sign on the token concurrently.
for i in $(seq 1 8); do
  printf 'Dokumen %s untuk dicap waktu.\n' "$i" >"$TMP/doc$i.txt"
  openssl ts -query -data "$TMP/doc$i.txt" -sha256 -cert -out "$TMP/q$i.tsq" 2>/dev/null
done
for i in $(seq 1 8); do
  curl -sS -H "Content-Type: application/timestamp-query" --data-binary @"$TMP/q$i.tsq" -o "$TMP/r$i.tsr" "$BASE/tsa" &
done
wait_curls() { local p; for p in $(jobs -p); do [ "$p" = "$SRV_PID" ] || wait "$p"; done; }
wait_curls
for i in $(seq 1 8); do
  openssl ts -verify -in "$TMP/r$i.tsr" -queryfile "$TMP/q$i.tsq" -CAfile "$TMP/ca2.pem" -untrusted "$TMP/chain.pem" >/dev/null 2>&1 \
    || die "timestamp $i does not verify: $(openssl ts -reply -in "$TMP/r$i.tsr" -text 2>&1 | head -5)"
done; ok
cat "$TMP/ca2.pem" "$TMP/ca1.pem" >"$TMP/cafile.pem"
out=$(openssl ocsp -issuer "$TMP/ca1.pem" -cert "$TMP/leaf.pem" -url "$BASE/ocsp" -CAfile "$TMP/cafile.pem" 2>&1 || true)
grep -q "Response verify OK" <<<"$out" && grep -q "leaf.pem: revoked" <<<"$out" || die "OCSP (nonce, signed on the token): $out"; ok
out=$(openssl ocsp -issuer "$TMP/ca1.pem" -cert "$TMP/other.pem" -url "$BASE/ocsp" -CAfile "$TMP/cafile.pem" 2>&1 || true)
grep -q "Response verify OK" <<<"$out" && grep -q "other.pem: good" <<<"$out" || die "OCSP good: $out"; ok
kill -TERM "$SRV_PID"; wait "$SRV_PID" 2>/dev/null || true
grep -qi "leak\|AddressSanitizer" "$TMP/serve.log" && die "server sanitizer report: $(cat "$TMP/serve.log")"; ok

# ------------------------------ a wrong or exposed PIN file at use time
before=$(db_counts "$D")
cp "$TMP/pin" "$TMP/pin.good"
(umask 077; printf 'wrong-%s\n' "$PIN" >"$TMP/pin")
expect_fail "CRL with a wrong PIN" teken ca crl --dir "$D" -o "$TMP/crl2.der"
expect_err_contains "hsm: wrong PIN for token '$LABEL'"
case "$LAST_ERR" in *"$PIN"*) die "the error shows a PIN" ;; esac; ok
expect_fail "seal with a wrong PIN" teken sign --dir "$D" --in "$SRC/tests/data/pdf/gs-pdf13.pdf" --out "$TMP/x.pdf" --seal
expect_err_contains "hsm: wrong PIN"
[ ! -e "$TMP/crl2.der" ] && [ ! -e "$TMP/x.pdf" ] || die "output written despite the failed login"; ok
cp "$TMP/pin.good" "$TMP/pin"; chmod 644 "$TMP/pin"
expect_fail "PIN file readable by others" teken ca crl --dir "$D" -o "$TMP/crl2.der"
expect_err_contains "permissions 644 are too open"
[ "$(db_counts "$D")" = "$before" ] || die "failed operations changed the store: $before -> $(db_counts "$D")"; ok
chmod 600 "$TMP/pin"
teken ca crl --dir "$D" -o "$TMP/crl3.der" >/dev/null || die "CRL after restoring the PIN file"; ok
[ "$(token_objects)" = 6 ] || die "token should hold exactly the five instance keys and the audit key"; ok

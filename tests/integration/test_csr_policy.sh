#!/usr/bin/env bash
# Public-key policy of `teken ca issue` (RFC 5480 2.1.1, CA/B BR 6.1.5-6.1.6):
# CSRs made by the openssl CLI with refused keys get one error line and
# change nothing; a named-curve P-256 CSR still issues and verifies.
source "$(dirname "$0")/../lib/common.sh"

D="$TMP/inst"
teken init --dir "$D" --key-alg ec-p256 --base-url http://127.0.0.1:9999/ >/dev/null
teken ca chain --dir "$D" >"$TMP/chain.pem"
split_pem "$TMP/chain.pem" "$TMP/ca"
certs() { sqlite3 "$D/teken.db" "SELECT COUNT(*) FROM certs"; }

# csr_from_key KEYFILE OUT.csr: a CSR for CN=Uji signed by that key.
csr_from_key() { openssl req -new -key "$1" -subj "/C=ID/O=Kementerian Contoh/CN=Uji" -out "$2" 2>/dev/null; }

openssl ecparam -name prime256v1 -param_enc explicit -genkey -out "$TMP/explicit.key" 2>/dev/null
csr_from_key "$TMP/explicit.key" "$TMP/explicit.csr"
openssl req -in "$TMP/explicit.csr" -noout -text | grep -q "Field Type: prime-field" || die "fixture: CSR lacks explicit parameters"; ok
openssl ecparam -name secp256k1 -genkey -out "$TMP/k1.key" 2>/dev/null
csr_from_key "$TMP/k1.key" "$TMP/k1.csr"
openssl ecparam -name secp521r1 -genkey -out "$TMP/p521.key" 2>/dev/null
csr_from_key "$TMP/p521.key" "$TMP/p521.csr"
openssl genrsa 1024 >"$TMP/rsa1024.key" 2>/dev/null
csr_from_key "$TMP/rsa1024.key" "$TMP/rsa1024.csr"
openssl genrsa -3 2048 >"$TMP/e3.key" 2>/dev/null
csr_from_key "$TMP/e3.key" "$TMP/e3.csr"
new_csr ed25519 "/CN=Ed" "$TMP/ed.csr"

before=$(certs)
counts=$(db_counts "$D")
refuse() { # refuse NAME CSR TEXT
  expect_fail "$1" teken ca issue --dir "$D" --csr "$2" --profile individual -o "$TMP/x.pem"
  expect_err_contains "$3"
}
refuse "explicit EC parameters" "$TMP/explicit.csr" \
  "x509: RFC 5480 2.1.1: explicit EC parameters are not accepted; use a named curve (P-256 or P-384)"
refuse "secp256k1" "$TMP/k1.csr" "EC curve secp256k1 is not accepted; use P-256 or P-384"
refuse "P-521" "$TMP/p521.csr" "EC curve secp521r1 is not accepted"
refuse "RSA-1024" "$TMP/rsa1024.csr" "RSA modulus of 1024 bits is not accepted"
refuse "RSA e=3" "$TMP/e3.csr" "RSA public exponent must be odd, at least 65537"
refuse "Ed25519" "$TMP/ed.csr" "ED25519 public keys are not accepted"
# The policy holds whatever the subject or profile options say.
expect_fail "explicit EC, subject given" teken ca issue --dir "$D" --csr "$TMP/explicit.csr" --profile seal \
  --subject "CN=Segel, O=Kementerian Contoh" -o "$TMP/x.pem"
expect_err_contains "explicit EC parameters"
[ "$(certs)" = "$before" ] || die "refused CSRs added certificates: $before -> $(certs)"; ok
[ "$(db_counts "$D")" = "$counts" ] || die "refused CSRs changed the store"; ok
[ ! -e "$TMP/x.pem" ] || die "a refused CSR wrote an output file"; ok

# Named curves P-256 and P-384 and RSA-2048 (e=65537) still issue.
new_csr ec256 "/C=ID/O=Kementerian Contoh/CN=Siti Aminah" "$TMP/p256.csr"
teken ca issue --dir "$D" --csr "$TMP/p256.csr" --profile individual -o "$TMP/p256.pem" 2>/dev/null
openssl verify -CAfile "$TMP/ca2.pem" -untrusted "$TMP/ca1.pem" "$TMP/p256.pem" >/dev/null || die "P-256 certificate does not verify"; ok
openssl x509 -in "$TMP/p256.pem" -noout -text | grep -q "NIST CURVE: P-256" || die "P-256 certificate lacks the named curve"; ok
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout "$TMP/p384.key" -subj "/CN=P384" -out "$TMP/p384.csr" 2>/dev/null
teken ca issue --dir "$D" --csr "$TMP/p384.csr" --profile individual -o "$TMP/p384.pem" 2>/dev/null
openssl verify -CAfile "$TMP/ca2.pem" -untrusted "$TMP/ca1.pem" "$TMP/p384.pem" >/dev/null || die "P-384 certificate does not verify"; ok
new_csr rsa2048 "/CN=RSA" "$TMP/rsa.csr"
teken ca issue --dir "$D" --csr "$TMP/rsa.csr" --profile individual -o "$TMP/rsa.pem" 2>/dev/null
openssl verify -CAfile "$TMP/ca2.pem" -untrusted "$TMP/ca1.pem" "$TMP/rsa.pem" >/dev/null || die "RSA-2048 certificate does not verify"; ok
[ "$(certs)" = $((before + 3)) ] || die "want 3 new certificates, have $(( $(certs) - before ))"; ok

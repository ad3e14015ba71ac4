#!/usr/bin/env bash
# The certificate authority through the CLI, judged by the openssl CLI.
source "$(dirname "$0")/../lib/common.sh"

D="$TMP/inst"
teken init --dir "$D" --key-alg ec-p256 --base-url http://127.0.0.1:9999/ >/dev/null
[ "$(stat -c %a "$D/instance.key")" = 600 ] || die "instance.key must be 0600"; ok
expect_fail "init twice" teken init --dir "$D"
expect_err_contains "already a teken instance"

# Chain: issuing first, then root; openssl verifies it.
teken ca chain --dir "$D" >"$TMP/chain.pem"
split_pem "$TMP/chain.pem" "$TMP/ca"
openssl x509 -in "$TMP/ca1.pem" -noout -subject | grep -q "teken Issuing CA" || die "first in chain is not the issuing CA"; ok
openssl x509 -in "$TMP/ca2.pem" -noout -subject | grep -q "teken Root CA" || die "second in chain is not the root"; ok
openssl verify -CAfile "$TMP/ca2.pem" "$TMP/ca1.pem" >/dev/null || die "issuing CA does not verify"; ok
openssl x509 -in "$TMP/ca1.pem" -noout -ext basicConstraints | grep -q "CA:TRUE, pathlen:0" || die "issuing CA basicConstraints"; ok

# Service certificates made by init.
sqlite3 "$D/teken.db" "SELECT serial FROM certs WHERE profile IN ('tsa','ocsp','seal') ORDER BY profile" >"$TMP/svc_serials"
[ "$(wc -l <"$TMP/svc_serials")" = 3 ] || die "init must make tsa, ocsp and seal certificates"; ok
for prof in tsa ocsp seal; do
  s=$(sqlite3 "$D/teken.db" "SELECT serial FROM certs WHERE profile='$prof'")
  teken ca show --dir "$D" --serial "$s" >"$TMP/$prof.pem"
  openssl verify -CAfile "$TMP/ca2.pem" -untrusted "$TMP/ca1.pem" "$TMP/$prof.pem" >/dev/null || die "$prof cert does not verify"; ok
done
openssl x509 -in "$TMP/tsa.pem" -noout -text | grep -A1 "Extended Key Usage: critical" | grep -q "Time Stamping" || die "TSA EKU must be critical timeStamping"; ok
openssl x509 -in "$TMP/ocsp.pem" -noout -text | grep -q "OCSP No Check" || die "OCSP signer lacks id-pkix-ocsp-nocheck"; ok
openssl x509 -in "$TMP/ocsp.pem" -noout -text | grep -A1 "Extended Key Usage" | grep -q "OCSP Signing" || die "OCSP EKU"; ok

# Issue an individual certificate from a CSR.
new_csr ec256 "/C=ID/O=Kementerian Contoh/CN=Siti Aminah" "$TMP/u.csr"
teken ca issue --dir "$D" --csr "$TMP/u.csr" --profile individual --subject-nik 3174014107900002 -o "$TMP/u.pem" 2>/dev/null
openssl verify -CAfile "$TMP/ca2.pem" -untrusted "$TMP/ca1.pem" "$TMP/u.pem" >/dev/null || die "leaf does not verify"; ok
txt=$(openssl x509 -in "$TMP/u.pem" -noout -text)
grep -q "Digital Signature, Non Repudiation" <<<"$txt" || die "leaf key usage"; ok
grep -q "E-mail Protection, 1.3.6.1.5.5.7.3.36" <<<"$txt" || die "leaf EKU"; ok
grep -q "URI:http://127.0.0.1:9999/crl/issuing.crl" <<<"$txt" || die "CRL DP"; ok
grep -q "OCSP - URI:http://127.0.0.1:9999/ocsp" <<<"$txt" || die "AIA OCSP"; ok
grep -q "CA Issuers - URI:http://127.0.0.1:9999/ca/issuing.crt" <<<"$txt" || die "AIA caIssuers"; ok
grep -q "CPS: http://127.0.0.1:9999/cps" <<<"$txt" || die "CPS qualifier"; ok
grep -q "serialNumber = IDCID-3174014107900002" <<<"$txt" || die "NIK semantics identifier"; ok
serial=$(openssl x509 -in "$TMP/u.pem" -noout -serial | cut -d= -f2)
[ ${#serial} -eq 40 ] || die "serial must be 20 bytes, got $serial"; ok

# Subject override, RSA CSR.
new_csr rsa2048 "/CN=ignored" "$TMP/r.csr"
teken ca issue --dir "$D" --csr "$TMP/r.csr" --profile individual --subject "CN=Andi Wijaya, O=Kementerian Contoh, C=ID" -o "$TMP/r.pem" 2>/dev/null
openssl x509 -in "$TMP/r.pem" -noout -subject | grep -q "subject=C = ID, O = Kementerian Contoh, CN = Andi Wijaya" || die "subject override order: $(openssl x509 -in "$TMP/r.pem" -noout -subject)"; ok

# Bad input: each a one-line error and no change to the store.
before=$(db_counts "$D")
cp "$TMP/u.csr" "$TMP/bad.csr"
openssl req -in "$TMP/u.csr" -outform DER -out "$TMP/u.der"
python3 - "$TMP/u.der" "$TMP/tampered.der" <<'PY'
import sys
d = bytearray(open(sys.argv[1], 'rb').read())
i = d.find(b'Siti')
d[i] ^= 0x01   # change the signed subject: signature no longer matches
open(sys.argv[2], 'wb').write(d)
PY
expect_fail "tampered CSR" teken ca issue --dir "$D" --csr "$TMP/tampered.der" --profile individual -o "$TMP/x.pem"
expect_err_contains "self-signature does not verify"
head -c 300 /dev/urandom >"$TMP/garbage.csr"
expect_fail "garbage CSR" teken ca issue --dir "$D" --csr "$TMP/garbage.csr" --profile individual -o "$TMP/x.pem"
expect_fail "certificate given as CSR" teken ca issue --dir "$D" --csr "$TMP/u.pem" --profile individual -o "$TMP/x.pem"
: >"$TMP/empty.csr"
expect_fail "empty CSR" teken ca issue --dir "$D" --csr "$TMP/empty.csr" --profile individual -o "$TMP/x.pem"
expect_fail "unknown profile" teken ca issue --dir "$D" --csr "$TMP/u.csr" --profile nosuch -o "$TMP/x.pem"
expect_err_contains "unknown certificate profile"
expect_fail "CA profile" teken ca issue --dir "$D" --csr "$TMP/u.csr" --profile issuing-ca -o "$TMP/x.pem"
new_csr rsa1024 "/CN=weak" "$TMP/weak.csr"
expect_fail "RSA-1024 key" teken ca issue --dir "$D" --csr "$TMP/weak.csr" --profile individual -o "$TMP/x.pem"
new_csr ed25519 "/CN=ed" "$TMP/ed.csr"
expect_fail "Ed25519 key" teken ca issue --dir "$D" --csr "$TMP/ed.csr" --profile individual -o "$TMP/x.pem"
expect_fail "seal without O" teken ca issue --dir "$D" --csr "$TMP/u.csr" --profile seal --subject "CN=Segel" -o "$TMP/x.pem"
expect_fail "bad NIK" teken ca issue --dir "$D" --csr "$TMP/u.csr" --profile individual --subject-nik 12345 -o "$TMP/x.pem"
expect_fail "SQL metacharacters in subject attr" teken ca issue --dir "$D" --csr "$TMP/u.csr" --profile individual --subject "CN=x'; DROP TABLE certs; --, ZZ=1" -o "$TMP/x.pem"
expect_fail "missing --profile" teken ca issue --dir "$D" --csr "$TMP/u.csr"
expect_fail "unknown reason" teken ca revoke --dir "$D" --serial "$serial" --reason because
expect_fail "unknown serial" teken ca revoke --dir "$D" --serial 0102030405 --reason keyCompromise
expect_fail "non-hex serial" teken ca revoke --dir "$D" --serial zz --reason keyCompromise
root_serial=$(openssl x509 -in "$TMP/ca2.pem" -noout -serial | cut -d= -f2)
expect_fail "revoke root" teken ca revoke --dir "$D" --serial "$root_serial" --reason keyCompromise
expect_fail "missing instance" teken ca chain --dir "$TMP/nope"
[ "$(db_counts "$D")" = "$before" ] || die "bad input changed the store: $before -> $(db_counts "$D")"; ok
[ ! -e "$TMP/x.pem" ] || die "failed issuance wrote an output file"; ok

# SQL metacharacters in a valid subject are stored literally.
teken ca issue --dir "$D" --csr "$TMP/u.csr" --profile individual --subject "CN=O'Brien; DROP TABLE certs; --" -o "$TMP/q.pem" 2>/dev/null
openssl x509 -in "$TMP/q.pem" -noout -subject | grep -q "O'Brien; DROP TABLE certs; --" || die "metacharacters not literal"; ok

# Revocation (uppercase serial as openssl prints it), duplicate refused, CRL verifies and lists it.
teken ca revoke --dir "$D" --serial "$serial" --reason keyCompromise >/dev/null
before=$(db_counts "$D")
expect_fail "duplicate revocation" teken ca revoke --dir "$D" --serial "$serial" --reason superseded
expect_err_contains "already revoked"
[ "$(db_counts "$D")" = "$before" ] || die "duplicate revocation changed the store"; ok
hold_serial=$(openssl x509 -in "$TMP/r.pem" -noout -serial | cut -d= -f2)
teken ca revoke --dir "$D" --serial "$hold_serial" --reason certificateHold >/dev/null
teken ca crl --dir "$D" -o "$TMP/crl.der"
openssl crl -inform DER -in "$TMP/crl.der" -CAfile "$TMP/ca1.pem" -noout 2>&1 | grep -q "verify OK" || die "CRL does not verify"; ok
crltxt=$(openssl crl -inform DER -in "$TMP/crl.der" -noout -text)
grep -q "Serial Number: $serial" <<<"$crltxt" || die "revoked serial not in CRL"; ok
grep -A4 "Serial Number: $serial" <<<"$crltxt" | grep -q "Key Compromise" || die "reason missing"; ok
grep -A4 "Serial Number: $hold_serial" <<<"$crltxt" | grep -q "Certificate Hold" || die "hold missing"; ok
grep -q "Next Update" <<<"$crltxt" || die "nextUpdate missing"; ok
n1=$(openssl crl -inform DER -in "$TMP/crl.der" -noout -crlnumber | cut -d= -f2 | sed "s/^0x//")
teken ca crl --dir "$D" --pem -o "$TMP/crl2.pem"
n2=$(openssl crl -in "$TMP/crl2.pem" -noout -crlnumber | cut -d= -f2 | sed "s/^0x//")
[ $((16#$n2)) -gt $((16#$n1)) ] || die "CRL number must grow ($n1 -> $n2)"; ok
cat "$TMP/ca1.pem" "$TMP/ca2.pem" >"$TMP/both.pem"
if openssl verify -crl_check -CRLfile "$TMP/crl2.pem" -CAfile "$TMP/both.pem" "$TMP/u.pem" >/dev/null 2>&1; then die "revoked cert still verifies with CRL"; fi; ok
teken ca crl --dir "$D" --ca root -o "$TMP/root.crl"
openssl crl -inform DER -in "$TMP/root.crl" -CAfile "$TMP/ca2.pem" -noout 2>&1 | grep -q "verify OK" || die "root CRL"; ok

# CPS: publish, show, versions immutable.
printf '# CPS\n\nIsi kebijakan.\n' >"$TMP/cps.md"
teken cps publish --dir "$D" --file "$TMP/cps.md" --version 1.0 >/dev/null
teken cps show --dir "$D" | cmp - "$TMP/cps.md" || die "cps show differs"; ok
teken cps show --dir "$D" --meta | grep -q "sha256: $(sha256sum "$TMP/cps.md" | cut -d' ' -f1)" || die "cps hash"; ok
expect_fail "cps version twice" teken cps publish --dir "$D" --file "$TMP/cps.md" --version 1.0
expect_fail "cps bad version" teken cps publish --dir "$D" --file "$TMP/cps.md" --version "../x"
expect_fail "cps unknown version" teken cps show --dir "$D" --version 9.9

# Audit chain: intact, then every kind of tampering is detected.
teken audit checkpoint --dir "$D" >/dev/null
teken audit verify --dir "$D" | grep -q "audit log intact" || die "audit not intact"; ok
cp "$D/teken.db" "$TMP/pristine.db"
sqlite3 "$D/teken.db" "UPDATE audit SET actor='mallory' WHERE seq=3"
expect_fail "edited audit event" teken audit verify --dir "$D"
expect_err_contains "event 3"
cp "$TMP/pristine.db" "$D/teken.db"
sqlite3 "$D/teken.db" "DELETE FROM audit WHERE seq=5"
expect_fail "deleted audit event" teken audit verify --dir "$D"
cp "$TMP/pristine.db" "$D/teken.db"
last=$(sqlite3 "$D/teken.db" "SELECT MAX(seq) FROM audit")
sqlite3 "$D/teken.db" "DELETE FROM audit WHERE seq=$last; UPDATE audit_head SET seq=seq-1, hash=(SELECT hash FROM audit WHERE seq=$last-1)"
expect_fail "truncated audit tail behind a checkpoint" teken audit verify --dir "$D"
cp "$TMP/pristine.db" "$D/teken.db"
rm -f "$D/teken.db-wal" "$D/teken.db-shm"

# Key material: tampered key blob, wrong instance key, loose permissions.
sqlite3 "$D/teken.db" "UPDATE keys SET blob = substr(blob,1,40) || x'00' || substr(blob,42) WHERE name='ca-issuing'"
expect_fail "tampered key blob" teken ca issue --dir "$D" --csr "$TMP/u.csr" --profile individual -o "$TMP/x.pem"
expect_err_contains "cannot decrypt"
cp "$TMP/pristine.db" "$D/teken.db"
cp "$D/instance.key" "$TMP/ikey.bak"
head -c 32 /dev/urandom >"$D/instance.key"
expect_fail "wrong instance key" teken ca issue --dir "$D" --csr "$TMP/u.csr" --profile individual -o "$TMP/x.pem"
cp "$TMP/ikey.bak" "$D/instance.key"; chmod 600 "$D/instance.key"
chmod 644 "$D/instance.key"
expect_fail "instance key readable by others" teken ca chain --dir "$D"
expect_err_contains "too open"
chmod 600 "$D/instance.key"
head -c 16 /dev/urandom >"$D/instance.key"
expect_fail "short instance key" teken ca chain --dir "$D"
cp "$TMP/ikey.bak" "$D/instance.key"; chmod 600 "$D/instance.key"

# Corrupted store: a one-line error, no crash.
cp "$D/teken.db" "$TMP/good.db"
dd if=/dev/urandom of="$D/teken.db" bs=1 count=4096 seek=0 conv=notrunc 2>/dev/null
expect_fail "corrupt store" teken ca chain --dir "$D"
cp "$TMP/good.db" "$D/teken.db"
teken ca chain --dir "$D" >/dev/null || die "restored store unusable"; ok

# Serial uniqueness under two concurrent issuing processes.
new_csr ec256 "/CN=Paralel" "$TMP/p.csr"
for w in 1 2; do
  ( for i in $(seq 1 15); do teken ca issue --dir "$D" --csr "$TMP/p.csr" --profile individual -o "$TMP/p$w-$i.pem" 2>/dev/null || exit 1; done ) &
done
wait %1 || die "worker 1 failed"; wait %2 || die "worker 2 failed"; ok
total=$(find "$TMP" -maxdepth 1 -name 'p[12]-*.pem' | wc -l)
uniq=$(for f in "$TMP"/p[12]-*.pem; do openssl x509 -in "$f" -noout -serial; done | sort -u | wc -l)
[ "$total" = 30 ] && [ "$uniq" = 30 ] || die "concurrent issuance: $total certs, $uniq unique serials"; ok
[ "$(sqlite3 "$D/teken.db" "SELECT COUNT(*) FROM certs WHERE subject LIKE 'CN=Paralel%'")" = 30 ] || die "store lost concurrent certs"; ok
teken audit verify --dir "$D" >/dev/null || die "audit chain broken by concurrent writers"; ok

# A failed init leaves nothing behind.
expect_fail "init with bad key alg" teken init --dir "$TMP/i2" --key-alg dsa1024
[ ! -e "$TMP/i2" ] || die "failed init left $(ls -A "$TMP/i2")"; ok
expect_fail "init with missing CPS" teken init --dir "$TMP/i3" --cps "$TMP/none.md"
[ ! -e "$TMP/i3/teken.conf" ] || die "failed init left a config"; ok

# RSA hierarchy with demo data.
teken init --dir "$TMP/rsa" --demo --key-alg rsa2048 >/dev/null
[ -f "$TMP/rsa/demo.json" ] && python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d['base_url']" "$TMP/rsa/demo.json" || die "demo.json"; ok
teken ca chain --dir "$TMP/rsa" >"$TMP/rchain.pem"; split_pem "$TMP/rchain.pem" "$TMP/rca"
openssl verify -CAfile "$TMP/rca2.pem" "$TMP/rca1.pem" >/dev/null || die "RSA chain"; ok

# --store forms and the policy OID chosen at init.
teken init --dir "$TMP/s1" --store sqlite --key-alg ec-p256 --policy-oid 2.16.360.1.2.3.4 >/dev/null
[ -f "$TMP/s1/teken.db" ] || die "--store sqlite must use teken.db in the instance"; ok
teken ca chain --dir "$TMP/s1" | awk '/BEGIN/{n++} n==1' | openssl x509 -noout -text | grep -q "Policy: 2.16.360.1.2.3.4" || die "policy OID"; ok
expect_fail "bad store URL" teken init --dir "$TMP/s2" --store mysql://x
expect_fail "bad policy OID" teken init --dir "$TMP/s3" --policy-oid "not-an-oid"

#!/usr/bin/env bash
# The CA on the PostgreSQL backend, with two nodes sharing one cluster.
source "$(dirname "$0")/../lib/common.sh"
source "$(dirname "$0")/../lib/pg.sh"

pg_start "$TMP/pg" >/dev/null
at_exit "pg_stop '$TMP/pg'"

A="$TMP/nodeA"
teken init --dir "$A" --store "$PG_URL" --key-alg ec-p384 >/dev/null
expect_fail "second init on the same store" teken init --dir "$TMP/other" --store "$PG_URL"
expect_err_contains "already holds a CA hierarchy"
[ ! -e "$TMP/other/teken.conf" ] || die "refused init left a config"; ok

# Node B: same config and instance key, no local data.
B="$TMP/nodeB"; mkdir -m 750 "$B"
cp -p "$A/teken.conf" "$A/instance.key" "$B/"

teken ca chain --dir "$A" >"$TMP/chain.pem"; split_pem "$TMP/chain.pem" "$TMP/ca"
teken ca chain --dir "$B" | cmp - "$TMP/chain.pem" || die "nodes disagree on the chain"; ok
new_csr ec256 "/C=ID/O=Kementerian Contoh/CN=Dewi Lestari" "$TMP/u.csr"
teken ca issue --dir "$A" --csr "$TMP/u.csr" --profile individual -o "$TMP/u.pem" 2>/dev/null
openssl verify -CAfile "$TMP/ca2.pem" -untrusted "$TMP/ca1.pem" "$TMP/u.pem" >/dev/null || die "leaf on PG"; ok
serial=$(openssl x509 -in "$TMP/u.pem" -noout -serial | cut -d= -f2)
teken ca show --dir "$B" --serial "$serial" | openssl x509 -noout -serial | grep -qi "$serial" || die "node B cannot see node A's certificate"; ok
teken ca revoke --dir "$B" --serial "$serial" --reason superseded >/dev/null
expect_fail "duplicate revocation across nodes" teken ca revoke --dir "$A" --serial "$serial" --reason keyCompromise
teken ca crl --dir "$A" -o "$TMP/crl.der"
openssl crl -inform DER -in "$TMP/crl.der" -CAfile "$TMP/ca1.pem" -noout 2>&1 | grep -q "verify OK" || die "CRL on PG"; ok
openssl crl -inform DER -in "$TMP/crl.der" -noout -text | grep -q "Serial Number: $serial" || die "revoked serial not in CRL"; ok

# Two nodes issuing at the same time: unique serials, intact audit chain.
for n in A B; do
  d=$A; [ $n = B ] && d=$B
  ( for i in $(seq 1 12); do teken ca issue --dir "$d" --csr "$TMP/u.csr" --profile individual -o "$TMP/p$n-$i.pem" 2>/dev/null || exit 1; done ) &
done
wait %1 || die "node A worker failed"; wait %2 || die "node B worker failed"; ok
uniq=$(for f in "$TMP"/p[AB]-*.pem; do openssl x509 -in "$f" -noout -serial; done | sort -u | wc -l)
[ "$uniq" = 24 ] || die "expected 24 unique serials, got $uniq"; ok
teken audit checkpoint --dir "$B" >/dev/null
teken audit verify --dir "$A" | grep -q "audit log intact" || die "audit chain on PG"; ok

# Tampering in PostgreSQL is detected like in SQLite.
psql -q "$PG_URL" -c "UPDATE audit SET object='forged' WHERE seq=2" >/dev/null
expect_fail "edited audit event on PG" teken audit verify --dir "$A"

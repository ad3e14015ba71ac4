#!/usr/bin/env bash
# teken backup / restore: a consistent copy taken while the server writes,
# read by tar, restored and checked; damage and misuse refused cleanly.
source "$(dirname "$0")/../lib/common.sh"
SRC=${TEKEN_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}

D="$TMP/inst"
teken init --dir "$D" --demo --key-alg ec-p256 >/dev/null
no_rate_limit "$D"
"$TEKEN_BIN" serve --dir "$D" --listen 127.0.0.1:0 --no-jobs >"$TMP/out" 2>"$TMP/err" &
pid=$!
at_exit "kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null"
for _ in $(seq 1 50); do grep -q listening "$TMP/out" && break; sleep 0.1; done
# Writes while the backup is taken.
( for i in $(seq 1 10); do teken sign --dir "$D" --in "$SRC/tests/data/pdf/gs-pdf13.pdf" --out "$TMP/s$i.pdf" --seal >/dev/null; done ) &
writer=$!
teken backup --dir "$D" -o "$TMP/b.tar" >/dev/null
wait $writer || die "signing during the backup failed"; ok
[ "$(stat -c %a "$TMP/b.tar")" = 600 ] || die "backup file must be 0600"; ok
tar -tf "$TMP/b.tar" | sort | tr '\n' ' ' | grep -q "MANIFEST.json teken.conf teken.db" || die "tar cannot list the backup"; ok
! tar -tf "$TMP/b.tar" | grep -q instance.key || die "instance key included without being asked"; ok

teken restore --dir "$TMP/r1" -i "$TMP/b.tar" --key "$D/instance.key" | grep -q "audit log intact" || die "restore"; ok
teken ca chain --dir "$TMP/r1" | cmp - <(teken ca chain --dir "$D") || die "restored chain differs"; ok
teken sign --dir "$TMP/r1" --in "$SRC/tests/data/pdf/gs-pdf13.pdf" --out "$TMP/r.pdf" --seal >/dev/null || die "restored instance cannot sign"; ok
pdfsig -no-ocsp "$TMP/r.pdf" 2>/dev/null | grep -q "Signature is Valid" || die "signature from the restored instance"; ok
n1=$(teken ca crl --dir "$D" -o - | openssl crl -inform DER -noout -crlnumber | cut -d= -f2)
n2=$(teken ca crl --dir "$TMP/r1" -o - | openssl crl -inform DER -noout -crlnumber | cut -d= -f2)
[ $((16#${n2#0x})) -ge $((16#${n1#0x})) ] || die "CRL number went back after restore ($n1 -> $n2)"; ok

teken backup --dir "$D" -o "$TMP/bk.tar" --include-instance-key >/dev/null
teken restore --dir "$TMP/r2" -i "$TMP/bk.tar" >/dev/null || die "restore with the key inside"; ok

expect_fail "restore without a key" teken restore --dir "$TMP/r3" -i "$TMP/b.tar"
[ ! -e "$TMP/r3" ] || die "failed restore left a directory"; ok
expect_fail "restore over an instance" teken restore --dir "$TMP/r1" -i "$TMP/b.tar" --key "$D/instance.key"
cp "$TMP/b.tar" "$TMP/bad.tar"
# Flip one bit: writing a fixed byte could leave it as it was.
python3 -c 'import sys; f = open(sys.argv[1], "r+b"); f.seek(20000); b = f.read(1)[0]; f.seek(20000); f.write(bytes([b ^ 1]))' "$TMP/bad.tar"
expect_fail "damaged backup" teken restore --dir "$TMP/r4" -i "$TMP/bad.tar" --key "$D/instance.key"
[ ! -e "$TMP/r4" ] || die "damaged restore left files"; ok
head -c 10000 /dev/urandom >"$TMP/garbage.tar"
expect_fail "not a backup" teken restore --dir "$TMP/r5" -i "$TMP/garbage.tar" --key "$D/instance.key"
head -c 32 /dev/urandom >"$TMP/wrong.key"; chmod 600 "$TMP/wrong.key"
expect_fail "wrong instance key" teken restore --dir "$TMP/r6" -i "$TMP/b.tar" --key "$TMP/wrong.key"
[ ! -e "$TMP/r6" ] || die "restore with a wrong key left files"; ok

# A backup of an instance whose store has an absolute path restores onto its own copy.
A="$TMP/abs"
teken init --dir "$A" --store "sqlite:$TMP/abs-store.db" --key-alg ec-p256 >/dev/null
teken backup --dir "$A" -o "$TMP/abs.tar" >/dev/null
teken restore --dir "$TMP/abs-r" -i "$TMP/abs.tar" --key "$A/instance.key" >/dev/null
grep -q "^store = sqlite:teken.db" "$TMP/abs-r/teken.conf" || die "restored config still points at the original store"; ok
before=$(sqlite3 "$TMP/abs-store.db" "SELECT COUNT(*) FROM audit")
teken ca crl --dir "$TMP/abs-r" -o "$TMP/x.crl"
[ "$(sqlite3 "$TMP/abs-store.db" "SELECT COUNT(*) FROM audit")" = "$before" ] || die "the restored instance wrote to the original store"; ok

#!/usr/bin/env bash
# Audit anchoring (docs/security.md): the dedicated audit key, continuous
# checkpoints at their cadence, `audit verify` refusing gaps, forged links
# and foreign signers, and exported heads with an RFC 3161 token that
# openssl verifies and that catch a history rewritten after export. Then
# an instance from before audit keys (schema 5) upgrades on first need, and
# the same runs once on PostgreSQL with two nodes.
source "$(dirname "$0")/../lib/common.sh"
source "$(dirname "$0")/../lib/pg.sh"
SRC=${TEKEN_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
EKU=2.16.360.1.1.1.99.3

q() { sqlite3 "$1/teken.db" "$2"; }
add_users() { # add_users DIR PREFIX N: N audit events
  local i
  for i in $(seq 1 "$3"); do
    printf 'password-%s-%s-long\n' "$2" "$i" | teken user add --dir "$1" --user "$2$i" --role auditor --password-file - >/dev/null
  done
}
set_conf() { # set_conf DIR KEY VALUE: in the [audit] section (appended by this test)
  sed -i "s/^$2 = .*/$2 = $3/" "$1/teken.conf"
}
# An independent copy of an instance (the store and the files next to it).
fork() { rm -rf "$2"; cp -a "$1" "$2"; }
# canon_heads HEADS.JSON OUT TOKEN.DER: the canonical heads array (compact JSON,
# sorted keys) and the token, rebuilt with Python rather than by teken.
canon_heads() {
  python3 - "$1" "$2" "$3" <<'EOF'
import base64, json, sys
d = json.load(open(sys.argv[1]))
open(sys.argv[2], "w").write(json.dumps(d["heads"], separators=(",", ":"), sort_keys=True))
open(sys.argv[3], "wb").write(base64.b64decode(d["timestamp_token"]))
EOF
}

# ------------------------------------------------------- the audit key
D="$TMP/inst"
teken init --dir "$D" --key-alg ec-p256 >/dev/null
[ "$(q "$D" "SELECT kind || ':' || alg FROM keys WHERE name='audit'")" = "soft:ec-p256" ] || die "init made no audit key"; ok
aserial=$(q "$D" "SELECT value FROM meta WHERE key='cert.audit'")
[ -n "$aserial" ] && [ "$(q "$D" "SELECT profile FROM certs WHERE serial='$aserial'")" = audit ] || die "no audit certificate"; ok
[ "$(q "$D" "SELECT COUNT(*) FROM audit WHERE action='key.create' AND object='audit'")" = 1 ] || die "audit key creation not audited"; ok
teken ca chain --dir "$D" >"$TMP/chain.pem"; split_pem "$TMP/chain.pem" "$TMP/ca"
teken ca show --dir "$D" --serial "$aserial" >"$TMP/audit.pem"
openssl verify -CAfile "$TMP/ca2.pem" -untrusted "$TMP/ca1.pem" "$TMP/audit.pem" >/dev/null || die "audit cert does not chain"; ok
txt=$(openssl x509 -in "$TMP/audit.pem" -noout -text)
grep -A1 "Extended Key Usage: critical" <<<"$txt" | grep -q "$EKU" || die "audit cert lacks the critical audit EKU: $txt"; ok
grep -q "Non Repudiation\|Document Signing\|E-mail Protection" <<<"$txt" && die "audit cert is fit for documents"; ok
# Applications sign with seals only; nobody issues another audit certificate.
expect_fail "sign with the audit key" teken sign --dir "$D" --in "$SRC/tests/data/pdf/gs-pdf13.pdf" --out "$TMP/x.pdf" --seal-key audit
expect_err_contains "seal key must be"
new_csr ec256 "/C=ID/O=Kementerian Contoh/CN=Mallory" "$TMP/m.csr"
expect_fail "CSR for the audit profile" teken ca issue --dir "$D" --csr "$TMP/m.csr" --profile audit -o "$TMP/x.pem"
expect_err_contains "unknown certificate profile"

# ------------------------------------------------------------ cadence
printf '\n[audit]\ncheckpoint_events = 4\ncheckpoint_seconds = 3600\n' >>"$D/teken.conf"
add_users "$D" usr 9
# Inline, in the appending transaction: every 4th event, exactly.
[ "$(q "$D" "SELECT COUNT(*) FROM audit_checkpoints")" -ge 2 ] || die "no inline checkpoints"; ok
[ "$(q "$D" "SELECT COUNT(*) FROM audit_checkpoints WHERE seq % 4 != 0")" = 0 ] || die "inline checkpoint off the cadence"; ok
[ "$(q "$D" "SELECT group_concat(num) FROM (SELECT num FROM audit_checkpoints ORDER BY seq)")" = \
  "$(q "$D" "SELECT group_concat(n) FROM (SELECT ROW_NUMBER() OVER (ORDER BY seq) AS n FROM audit_checkpoints)")" ] || die "numbers not consecutive"; ok
[ "$(q "$D" "SELECT COUNT(*) FROM audit_checkpoints WHERE version != 2 OR cert_serial != '$aserial'")" = 0 ] || die "checkpoint not by the audit key"; ok
# From here on no inline checkpoint gets in the way.
set_conf "$D" checkpoint_events 1000
# The jobs loop's rule (teken serve, or cron with --if-due): nothing due yet, then due by time.
teken audit checkpoint --dir "$D" | grep -q "signed checkpoint at event" || die "checkpoint"; ok
add_users "$D" due 1
teken audit checkpoint --dir "$D" --if-due | grep -q "no checkpoint due" || die "checkpoint due too early"; ok
set_conf "$D" checkpoint_seconds 1; sleep 2
teken audit checkpoint --dir "$D" --if-due | grep -q "signed checkpoint at event" || die "hourly rule did not fire"; ok
teken audit checkpoint --dir "$D" --if-due | grep -q "no checkpoint due" || die "a checkpoint without new events"; ok
expect_fail "checkpoint twice at one tip" teken audit checkpoint --dir "$D"
expect_err_contains "exists already"
# Events left unanchored longer than the cadence allows: a warning, not a failure.
add_users "$D" late 1; sleep 3
teken audit verify --dir "$D" >"$TMP/v.out" 2>"$TMP/v.err" || die "a missed cadence must not fail verify"; ok
grep -q "^teken: warning: .*not anchored" "$TMP/v.err" || die "no cadence warning: $(cat "$TMP/v.err")"; ok
set_conf "$D" checkpoint_seconds 3600
teken audit checkpoint --dir "$D" >/dev/null
teken audit verify --dir "$D" >"$TMP/v.out" 2>"$TMP/v.err" || die "verify"; ok
[ ! -s "$TMP/v.err" ] || die "warning without cause: $(cat "$TMP/v.err")"; ok
grep -q "audit log intact: .* events, [0-9]* signed checkpoints" "$TMP/v.out" || die "verify output"; ok
grep -q "audit certificate sha256 $(openssl x509 -in "$TMP/audit.pem" -outform DER | sha256sum | cut -d' ' -f1)" "$TMP/v.out" \
  || die "verify does not name the audit certificate: $(cat "$TMP/v.out")"; ok
ncp=$(q "$D" "SELECT MAX(num) FROM audit_checkpoints")
[ "$ncp" -ge 5 ] || die "want at least 5 checkpoints, have $ncp"

# ------------------------------------------------------- export heads
teken audit export-heads --dir "$D" -o "$TMP/heads.json" >/dev/null
canon_heads "$TMP/heads.json" "$TMP/heads.bin" "$TMP/heads.tst"
openssl ts -verify -data "$TMP/heads.bin" -in "$TMP/heads.tst" -token_in -CAfile "$TMP/chain.pem" >/dev/null 2>&1 \
  || die "openssl ts -verify rejects the heads token: $(openssl ts -verify -data "$TMP/heads.bin" -in "$TMP/heads.tst" -token_in -CAfile "$TMP/chain.pem" 2>&1)"; ok
[ "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["heads_digest"]["hex"])' "$TMP/heads.json")" = \
  "$(sha256sum "$TMP/heads.bin" | cut -d' ' -f1)" ] || die "heads_digest"; ok
[ "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["heads"]), d["heads"][-1]["number"], d["certs"][0]["sha256"])' "$TMP/heads.json")" = \
  "$ncp $ncp $(openssl x509 -in "$TMP/audit.pem" -outform DER | sha256sum | cut -d' ' -f1)" ] || die "heads content"; ok
teken audit verify-heads --dir "$D" -i "$TMP/heads.json" | grep -q "audit heads match the store: $ncp checkpoints (1 to $ncp)" || die "verify-heads"; ok
teken audit export-heads --dir "$D" -o "$TMP/heads3.json" --since 3 >/dev/null
[ "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["heads"][0]["number"])' "$TMP/heads3.json")" = 3 ] || die "--since"; ok
teken audit verify-heads --dir "$D" -i "$TMP/heads3.json" >/dev/null || die "verify-heads --since"; ok
expect_fail "export past the last checkpoint" teken audit export-heads --dir "$D" -o "$TMP/none.json" --since 999
expect_err_contains "no checkpoint numbered 999"
# An edited heads file no longer matches its token.
sed 's/"seq": \([0-9]*\),/"seq": 1\1,/' "$TMP/heads.json" >"$TMP/edited.json"
expect_fail "edited heads file" teken audit verify-heads --dir "$D" -i "$TMP/edited.json"
expect_err_contains "does not cover these heads"
echo '{"format":"nope"}' >"$TMP/junk.json"
expect_fail "not a heads file" teken audit verify-heads --dir "$D" -i "$TMP/junk.json"
expect_err_contains "heads file"

# ------------------------------------------------------------ tampering
T="$TMP/t"
expect_broken() { # expect_broken WHAT TEXT...: verify fails and names TEXT
  local what=$1; shift
  expect_fail "$what" teken audit verify --dir "$T"
  local t; for t in "$@"; do expect_err_contains "$t"; done
}
fork "$D" "$T"; q "$T" "DELETE FROM audit_checkpoints WHERE num = 2"
expect_broken "deleted checkpoint" "checkpoint 2" "missing (deleted): checkpoint 1 is followed by 3"
fork "$D" "$T"; q "$T" "DELETE FROM audit_checkpoints WHERE num = 2; UPDATE audit_checkpoints SET num = num - 1 WHERE num > 2"
expect_broken "renumbered checkpoints" "checkpoint 2 " "does not link to checkpoint 1"
fork "$D" "$T"; q "$T" "UPDATE audit SET object = 'forged' WHERE seq = 5"
expect_broken "edited event" "event 5"
fork "$D" "$T"; q "$T" "UPDATE audit_checkpoints SET signature = randomblob(71) WHERE num = 3"
expect_broken "replaced signature" "checkpoint 3 " "signature does not verify"
fork "$D" "$T"; q "$T" "UPDATE audit_checkpoints SET prev = '$(printf '%064d' 1)' WHERE num = 3"
expect_broken "broken link" "checkpoint 3 " "does not link to checkpoint 2"
fork "$D" "$T"; q "$T" "UPDATE audit_checkpoints SET version = 1 WHERE num = $ncp"
expect_broken "downgrade to a seal-key checkpoint" "checkpoint $ncp " "v1 (seal key) checkpoint after"
# Re-signed by someone holding another certificate of this CA: a seal from a
# CSR whose key we hold, and even with cert.audit pointed at it.
teken ca issue --dir "$D" --csr "$TMP/m.csr" --profile seal -o "$TMP/m.pem" 2>/dev/null
mserial=$(openssl x509 -in "$TMP/m.pem" -noout -serial | cut -d= -f2 | tr 'A-F' 'a-f')
fork "$D" "$T"
IFS='|' read -r n p s h ts < <(q "$T" "SELECT num, prev, seq, hash, ts FROM audit_checkpoints WHERE num = 3")
printf 'teken-audit-checkpoint-v2|%s|%s|%s|%s|%s' "$n" "$p" "$s" "$h" "$ts" \
  | openssl dgst -sha256 -sign "$TMP/m.csr.key" -out "$TMP/forged.sig"
printf 'teken-audit-checkpoint-v2|%s|%s|%s|%s|%s' "$n" "$p" "$s" "$h" "$ts" \
  | openssl dgst -sha256 -verify <(openssl x509 -in "$TMP/m.pem" -pubkey -noout) -signature "$TMP/forged.sig" >/dev/null \
  || die "the test's forged signature is not even valid"
q "$T" "UPDATE audit_checkpoints SET signature = x'$(od -An -tx1 -v "$TMP/forged.sig" | tr -d ' \n')', cert_serial = '$mserial' WHERE num = 3"
expect_broken "re-signed with a seal key" "checkpoint 3 " "not the audit certificate"
q "$T" "UPDATE meta SET value = '$mserial' WHERE key = 'cert.audit'"
expect_broken "cert.audit pointed at a seal" "checkpoint 3 " "not the audit certificate"
# The instance seal's own certificate is no audit certificate either.
fork "$D" "$T"; q "$T" "UPDATE audit_checkpoints SET cert_serial = (SELECT value FROM meta WHERE key = 'cert.seal') WHERE num = 3"
expect_broken "seal certificate as signer" "checkpoint 3 " "not the audit certificate"

# Truncating the newest checkpoint leaves a store that verifies on its own,
# but not against the heads the issuer holds.
fork "$D" "$T"; q "$T" "DELETE FROM audit_checkpoints WHERE num = $ncp"
teken audit verify --dir "$T" >/dev/null 2>&1 || die "truncated store should verify on its own"; ok
expect_fail "truncated after export" teken audit verify-heads --dir "$T" -i "$TMP/heads.json"
expect_err_contains "checkpoint $ncp of the export is not in the store"
# An insider with every key rewrites history after the export: the store is
# consistent and every checkpoint properly signed, yet the heads disagree.
fork "$D" "$TMP/before"
add_users "$D" real 2
teken audit checkpoint --dir "$D" >/dev/null
teken audit export-heads --dir "$D" -o "$TMP/heads2.json" >/dev/null
fork "$TMP/before" "$T"
add_users "$T" fake 2
teken audit checkpoint --dir "$T" >/dev/null
teken audit verify --dir "$T" 2>/dev/null | grep -q "audit log intact" || die "rewritten store should verify on its own"; ok
expect_fail "history rewritten after export" teken audit verify-heads --dir "$T" -i "$TMP/heads2.json"
expect_err_contains "checkpoint $((ncp + 1)) differs from the exported head"
teken audit verify-heads --dir "$D" -i "$TMP/heads2.json" >/dev/null || die "the honest store matches"; ok

# -------------------------------------- an instance from before audit keys
# tests/data/audit/v5-instance: made by teken at schema 5 (two v1 checkpoints,
# signed with the seal key), kept as SQL text with its instance key.
U="$TMP/v5"
mkdir -m 750 "$U"
cp "$SRC/tests/data/audit/v5-instance/teken.conf" "$U/"
python3 -c 'import sys; open(sys.argv[2], "wb").write(bytes.fromhex(open(sys.argv[1]).read().strip()))' \
  "$SRC/tests/data/audit/v5-instance/instance.key.hex" "$U/instance.key"
chmod 600 "$U/instance.key"
sqlite3 "$U/teken.db" <"$SRC/tests/data/audit/v5-instance/teken.sql"
[ "$(q "$U" "SELECT MAX(version) FROM schema_migrations")" = 5 ] || die "fixture is not schema 5"
fork "$U" "$TMP/v5copy"
teken audit verify --dir "$U" 2>/dev/null | grep -q "audit log intact: 14 events, 2 signed checkpoints" || die "v1 checkpoints after the migration"; ok
[ "$(q "$U" "SELECT group_concat(num || ':' || version) FROM audit_checkpoints")" = "1:1,2:1" ] || die "v1 checkpoints numbered"; ok
[ "$(q "$U" "SELECT COUNT(*) FROM keys WHERE name = 'audit'")" = 0 ] || die "migration must not make keys"; ok
# Several processes want the first checkpoint at once: one audit key results.
for w in 1 2 3; do teken audit checkpoint --dir "$U" >"$TMP/up$w.out" 2>&1 & done
wait
cat "$TMP"/up[123].out | grep -c "signed checkpoint at event" | grep -qx 1 || die "upgrade race: $(cat "$TMP"/up[123].out)"; ok
[ "$(q "$U" "SELECT COUNT(*) FROM keys WHERE name = 'audit'")" = 1 ] && [ "$(q "$U" "SELECT COUNT(*) FROM audit WHERE action = 'key.create' AND object = 'audit'")" = 1 ] \
  || die "upgrade made the audit key more than once"; ok
[ "$(q "$U" "SELECT num || ':' || version FROM audit_checkpoints ORDER BY seq DESC LIMIT 1")" = "3:2" ] || die "first v2 checkpoint"; ok
teken audit verify --dir "$U" | grep -q "audit log intact: 16 events, 3 signed checkpoints" || die "upgraded instance verify"; ok
teken audit export-heads --dir "$U" -o "$TMP/v5heads.json" >/dev/null
teken audit verify-heads --dir "$U" -i "$TMP/v5heads.json" >/dev/null || die "heads with v1 checkpoints"; ok
# The first v2 checkpoint links to the last v1 one: removing that is a gap.
fork "$U" "$T"; q "$T" "DELETE FROM audit_checkpoints WHERE num = 2"
expect_broken "deleted v1 checkpoint" "checkpoint 2" "missing (deleted)"
# The jobs loop alone also makes the key on an old instance.
printf '\n[audit]\ncheckpoint_seconds = 1\n' >>"$TMP/v5copy/teken.conf"
teken audit checkpoint --dir "$TMP/v5copy" --if-due | grep -q "signed checkpoint at event" || die "--if-due on an old instance"; ok
teken audit verify --dir "$TMP/v5copy" | grep -q "audit log intact" || die "old instance after --if-due"; ok

# --------------------------------------------------------- PostgreSQL
pg_start "$TMP/pg" >/dev/null
at_exit "pg_stop '$TMP/pg'"
A="$TMP/nodeA"; B="$TMP/nodeB"
teken init --dir "$A" --store "$PG_URL" --key-alg ec-p256 >/dev/null
mkdir -m 750 "$B"; cp -p "$A/teken.conf" "$A/instance.key" "$B/"
printf '\n[audit]\ncheckpoint_events = 3\n' >>"$A/teken.conf"; cp -p "$A/teken.conf" "$B/teken.conf"
( add_users "$A" pga 6 ) & ( add_users "$B" pgb 6 ) &
wait
for n in "$A" "$B"; do teken audit checkpoint --dir "$n" --if-due >/dev/null & done
wait
teken audit verify --dir "$B" | grep -q "audit log intact" || die "audit on PostgreSQL"; ok
[ "$(psql -X -At "$PG_URL" -c "SELECT COUNT(*) FROM audit_checkpoints WHERE version = 2")" -ge 4 ] || die "too few checkpoints on PostgreSQL"; ok
teken audit export-heads --dir "$A" -o "$TMP/pgheads.json" >/dev/null
canon_heads "$TMP/pgheads.json" "$TMP/pgheads.bin" "$TMP/pgheads.tst"
teken ca chain --dir "$A" >"$TMP/pgchain.pem"
openssl ts -verify -data "$TMP/pgheads.bin" -in "$TMP/pgheads.tst" -token_in -CAfile "$TMP/pgchain.pem" >/dev/null 2>&1 || die "PG heads token"; ok
teken audit verify-heads --dir "$B" -i "$TMP/pgheads.json" >/dev/null || die "verify-heads on PostgreSQL"; ok
psql -X -q "$PG_URL" -c "DELETE FROM audit_checkpoints WHERE num = 2" >/dev/null
expect_fail "deleted checkpoint on PostgreSQL" teken audit verify --dir "$A"
expect_err_contains "checkpoint 2"
expect_fail "verify-heads on a damaged PostgreSQL store" teken audit verify-heads --dir "$A" -i "$TMP/pgheads.json"

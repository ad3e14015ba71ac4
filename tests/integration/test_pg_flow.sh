#!/usr/bin/env bash
# The registration, signing and trust paths on PostgreSQL: a demo instance
# (enrolment + approval + issuance) on a throwaway cluster, signing at every
# level, LTV, reminders and the server's routes.
source "$(dirname "$0")/../lib/common.sh"
source "$(dirname "$0")/../lib/pg.sh"
SRC=${TEKEN_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
PDF="$SRC/tests/data/pdf/gs-3pages.pdf"

pg_start "$TMP/pg" >/dev/null
at_exit "pg_stop '$TMP/pg'"
D="$TMP/inst"
teken init --dir "$D" --demo --store "$PG_URL" --key-alg ec-p256 >/dev/null
PP=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['subscriber']['passphrase'])" "$D/demo.json")
[ "$(teken request list --dir "$D" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["status"])')" = approved ] || die "demo request on PG"; ok
for level in B-B B-T B-LT B-LTA; do
  echo "$PP" | teken sign --dir "$D" --in "$PDF" --out "$TMP/$level.pdf" --subscriber pejabat --passphrase-file - --level "$level" >/dev/null
  pdfsig -no-ocsp "$TMP/$level.pdf" 2>/dev/null | grep -q "Signature is Valid" || die "$level on PG"; ok
done
teken ltv extend --dir "$D" --in "$TMP/B-B.pdf" --out "$TMP/ext.pdf" | grep -q "1 signature(s) preserved" || die "ltv extend on PG"; ok
teken notify reminders --dir "$D" >/dev/null || die "reminders on PG"; ok
echo "salah-salah-salah" | "$TEKEN_BIN" sign --dir "$D" --in "$PDF" --out "$TMP/x.pdf" --subscriber pejabat --passphrase-file - 2>/dev/null && die "wrong passphrase accepted"
[ "$(psql -tA "$PG_URL" -c "SELECT failed_attempts FROM subscriber_keys WHERE status = 'active'")" = 1 ] || die "failed attempt not counted on PG"; ok
teken audit checkpoint --dir "$D" >/dev/null
teken audit verify --dir "$D" | grep -q intact || die "audit chain on PG"; ok
[ "$(psql -tA "$PG_URL" -c "SELECT COUNT(*) FROM documents")" = 4 ] || die "registry rows on PG"; ok

#!/usr/bin/env bash
# test_readyz.py on PostgreSQL: readiness with the database made read-only
# (503 naming the store), jobs run elsewhere, a key gone, request ids and
# sd_notify, on a throwaway cluster.
source "$(dirname "$0")/../lib/common.sh"
source "$(dirname "$0")/../lib/pg.sh"

pg_start "$TMP/pg" >/dev/null
at_exit "pg_stop '$TMP/pg'"
TEKEN_TEST_STORE="$PG_URL" PG_ADMIN_URL="$PG_ADMIN_URL" python3 "$(dirname "$0")/test_readyz.py" >"$TMP/out" 2>&1 || { cat "$TMP/out" >&2; die "test_readyz.py on PostgreSQL"; }
grep -q "^PASS" "$TMP/out" || die "no PASS line: $(tail -n 3 "$TMP/out")"; ok

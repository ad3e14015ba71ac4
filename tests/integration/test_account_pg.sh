#!/usr/bin/env bash
# test_account.py on PostgreSQL: password change, forced change, history
# filters and paging, re-download and the purge job on a throwaway cluster.
source "$(dirname "$0")/../lib/common.sh"
source "$(dirname "$0")/../lib/pg.sh"

pg_start "$TMP/pg" >/dev/null
at_exit "pg_stop '$TMP/pg'"
TEKEN_TEST_STORE="$PG_URL" python3 "$(dirname "$0")/test_account.py" >"$TMP/out" 2>&1 || { cat "$TMP/out" >&2; die "test_account.py on PostgreSQL"; }
grep -q "^PASS" "$TMP/out" || die "no PASS line: $(tail -n 3 "$TMP/out")"; ok

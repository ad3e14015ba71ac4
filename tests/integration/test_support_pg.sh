#!/usr/bin/env bash
# test_support.py on PostgreSQL: public, staff and application tickets, the
# verification report attached, follow-up by token, summary, usage report and
# dashboard figures on a throwaway cluster.
source "$(dirname "$0")/../lib/common.sh"
source "$(dirname "$0")/../lib/pg.sh"

pg_start "$TMP/pg" >/dev/null
at_exit "pg_stop '$TMP/pg'"
TEKEN_TEST_STORE="$PG_URL" python3 "$(dirname "$0")/test_support.py" >"$TMP/out" 2>&1 || { cat "$TMP/out" >&2; die "test_support.py on PostgreSQL"; }
grep -q "^PASS" "$TMP/out" || die "no PASS line: $(tail -n 3 "$TMP/out")"; ok

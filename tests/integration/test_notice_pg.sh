#!/usr/bin/env bash
# test_notice.py on PostgreSQL: drafts, publication, the Atom and JSON feeds, signed
# webhook deliveries with a retry (claimed row by row), acknowledgement and the review
# indicator on a throwaway cluster.
source "$(dirname "$0")/../lib/common.sh"
source "$(dirname "$0")/../lib/pg.sh"

pg_start "$TMP/pg" >/dev/null
at_exit "pg_stop '$TMP/pg'"
TEKEN_TEST_STORE="$PG_URL" python3 "$(dirname "$0")/test_notice.py" >"$TMP/out" 2>&1 || { cat "$TMP/out" >&2; die "test_notice.py on PostgreSQL"; }
grep -q "^PASS" "$TMP/out" || die "no PASS line: $(tail -n 3 "$TMP/out")"; ok

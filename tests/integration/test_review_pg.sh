#!/usr/bin/env bash
# test_review.py on PostgreSQL: the automatic indicators, the full review cycle,
# the signed report and instrument versions on a throwaway cluster (the
# tampered-statement check runs on the instance itself there, at the end).
source "$(dirname "$0")/../lib/common.sh"
source "$(dirname "$0")/../lib/pg.sh"

pg_start "$TMP/pg" >/dev/null
at_exit "pg_stop '$TMP/pg'"
TEKEN_TEST_STORE="$PG_URL" python3 "$(dirname "$0")/test_review.py" >"$TMP/out" 2>&1 || { cat "$TMP/out" >&2; die "test_review.py on PostgreSQL"; }
grep -q "^PASS" "$TMP/out" || die "no PASS line: $(tail -n 3 "$TMP/out")"; ok

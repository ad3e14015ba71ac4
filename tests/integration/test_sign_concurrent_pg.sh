#!/usr/bin/env bash
# test_sign_concurrent.py on PostgreSQL: concurrent signing on the signing pool,
# every acknowledged signature recorded, the audit chain verified, a SIGTERM
# mid-burst drained, on a throwaway cluster.
# shellcheck source=../lib/common.sh disable=SC1091
source "$(dirname "$0")/../lib/common.sh"
# shellcheck source=../lib/pg.sh disable=SC1091
source "$(dirname "$0")/../lib/pg.sh"

pg_start "$TMP/pg" >/dev/null
at_exit "pg_stop '$TMP/pg'"
TEKEN_TEST_STORE="$PG_URL" python3 "$(dirname "$0")/test_sign_concurrent.py" >"$TMP/out" 2>&1 || { cat "$TMP/out" >&2; die "test_sign_concurrent.py on PostgreSQL"; }
grep -q "^PASS" "$TMP/out" || die "no PASS line: $(tail -n 3 "$TMP/out")"; ok

#!/usr/bin/env bash
# test_staff_settings.py on PostgreSQL: the settings view (store backend, redaction),
# the throttled-keys list with its unlock request, approvals and decisions in request lists.
source "$(dirname "$0")/../lib/common.sh"
source "$(dirname "$0")/../lib/pg.sh"

pg_start "$TMP/pg" >/dev/null
at_exit "pg_stop '$TMP/pg'"
TEKEN_TEST_STORE="$PG_URL" python3 "$(dirname "$0")/test_staff_settings.py" >"$TMP/out" 2>&1 || { cat "$TMP/out" >&2; die "test_staff_settings.py on PostgreSQL"; }
grep -q "^PASS" "$TMP/out" || die "no PASS line: $(tail -n 3 "$TMP/out")"; ok

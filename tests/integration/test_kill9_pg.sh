#!/usr/bin/env bash
# test_kill9.py on PostgreSQL with two `teken serve` nodes on the same store:
# the driver spreads signing, issuance and revocation over both and the test
# kills one node or both with SIGKILL at random moments, restarting them;
# afterwards every acknowledged operation has its record, no serial is
# duplicated and the audit chain (appended by both nodes at once) verifies.
# PostgreSQL itself is not killed (its own crash safety is not ours to test).
# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
# shellcheck source=../lib/pg.sh
source "$(dirname "$0")/../lib/pg.sh"

pg_start "$TMP/pg" >/dev/null
at_exit "pg_stop '$TMP/pg'"
TEKEN_TEST_STORE="$PG_URL" KILL9_NODES=2 python3 "$(dirname "$0")/test_kill9.py" >"$TMP/out" 2>&1 ||
	{ cat "$TMP/out" >&2; die "test_kill9.py on PostgreSQL with two nodes"; }
grep -q "^PASS" "$TMP/out" || die "no PASS line: $(tail -n 3 "$TMP/out")"
ok
grep "^kills survived" "$TMP/out"

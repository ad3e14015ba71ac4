#!/usr/bin/env bash
# The shared store suite (tests/unit/test_store.c) against PostgreSQL: starts
# a throwaway cluster, runs test_store with TEKEN_PG_URL, always cleans up.
# Then the auth suite (tests/unit/test_auth.c) on the cluster's own database.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib/pg.sh
. "$here/../lib/pg.sh"

: "${TEKEN_BUILD:?TEKEN_BUILD must point at the build directory holding test_store}"
bin=$TEKEN_BUILD/test_store
[ -x "$bin" ] || { echo "test_store_pg: $bin not built" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/teken-store-pg.XXXXXX")
cleanup() { pg_stop "$tmp/pg"; rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

pg_start "$tmp/pg" >/dev/null
# The SQLite half runs in its own temp dir under tmp.
TMPDIR=$tmp TEKEN_PG_URL=$PG_URL "$bin"
TMPDIR=$tmp TEKEN_PG_URL=$PG_URL "$TEKEN_BUILD/test_auth"

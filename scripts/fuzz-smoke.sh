#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan+UBSan, coverage on the whole
# library) in build-fuzz/ and runs each fuzz/fuzz_*.c for FUZZ_SECONDS
# against its seed corpus fuzz/corpus/<target>/. New inputs go to
# build-fuzz/corpus/<target>/, crashes to build-fuzz/artifacts/<target>/.
# Fails when a target crashes, leaks, times out or runs out of memory.
#
#   FUZZ_SECONDS=20        seconds per target (`make fuzz`: 300)
#   FUZZ_TARGETS="csr crl" only these targets (names with or without fuzz_; default all)
#   FUZZ_JOBS=2            targets fuzzed at the same time (default 2, at most nproc)
#   FUZZ_MERGE=1           afterwards merge the inputs that add coverage into
#                          fuzz/corpus/<target>/ (libFuzzer -merge=1; `make fuzz` does)
#   FUZZ_BUILD=build-fuzz  build directory
# Prints a summary table (target, executions, exec/s, coverage, new inputs,
# crashes) and writes it to $FUZZ_BUILD/summary.md.
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZ_SECONDS=${FUZZ_SECONDS:-20}
BUILD=${FUZZ_BUILD:-build-fuzz}
JOBS=${JOBS:-$(nproc)}
ncpu=$(nproc)
FUZZ_JOBS=${FUZZ_JOBS:-$((ncpu < 2 ? ncpu : 2))}
FUZZ_MERGE=${FUZZ_MERGE:-0}

command -v clang >/dev/null || { echo "fuzz-smoke: clang is missing (apt-get install clang)" >&2; exit 1; }
ls fuzz/fuzz_*.c >/dev/null 2>&1 || { echo "fuzz-smoke: no fuzz targets"; exit 0; }

targets=()
if [ -n "${FUZZ_TARGETS:-}" ]; then
  for t in ${FUZZ_TARGETS//,/ }; do
    t=fuzz_${t#fuzz_}
    [ -f "fuzz/$t.c" ] || { echo "fuzz-smoke: no target $t (fuzz/$t.c)" >&2; exit 2; }
    targets+=("$t")
  done
else
  for src in fuzz/fuzz_*.c; do
    targets+=("$(basename "$src" .c)")
  done
fi

# -fsanitize=fuzzer-no-link on every source: without it libFuzzer sees no
# coverage inside the library and fuzzes blind.
CC=clang cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Debug -DTEKEN_FUZZ=ON -DTEKEN_SANITIZE=ON \
  -DCMAKE_C_FLAGS="-fsanitize=fuzzer-no-link" >/dev/null
cmake --build "$BUILD" -j"$JOBS" --target "${targets[@]}" >/dev/null

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# Runs one target; its exit status goes to $BUILD/<t>.rc.
fuzz_one() {
  local t=$1 work="$BUILD/corpus/$1" art="$BUILD/artifacts/$1" log="$BUILD/$1.log"
  local dirs opts rc=0
  mkdir -p "$work" "$art"
  dirs=("$work")
  [ -d "fuzz/corpus/$t" ] && dirs+=("fuzz/corpus/$t")
  opts=(-max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1
        -artifact_prefix="$art/")
  [ -f "fuzz/$t.dict" ] && opts+=(-dict="fuzz/$t.dict")
  "$BUILD/$t" "${opts[@]}" "${dirs[@]}" >"$log" 2>&1 || rc=$?
  if [ "$rc" -eq 0 ] && [ "$FUZZ_MERGE" = 1 ]; then
    mkdir -p "fuzz/corpus/$t"
    "$BUILD/$t" -merge=1 -timeout=10 -rss_limit_mb=2048 -max_len=65536 "fuzz/corpus/$t" "$work" \
      >"$BUILD/$t.merge.log" 2>&1 || rc=$?
  fi
  echo "$rc" >"$BUILD/$t.rc"
}

stat_of() { # log name
  grep -o "stat::$2: *[0-9]*" "$1" | grep -o '[0-9]*$' | tail -1 || true
}

start=$(date +%s)
touch "$BUILD/.fuzz-start"
running=0
for t in "${targets[@]}"; do
  rm -f "$BUILD/$t.rc"
  if [ "$running" -ge "$FUZZ_JOBS" ]; then
    wait -n || true
    running=$((running - 1))
  fi
  fuzz_one "$t" &
  running=$((running + 1))
done
wait || true

status=0
table="$BUILD/summary.md"
{
  echo "| target | seconds | executions | exec/s | coverage (edges) | features | corpus | new inputs | crashes |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
} >"$table"
for t in "${targets[@]}"; do
  log="$BUILD/$t.log"
  rc=$(cat "$BUILD/$t.rc" 2>/dev/null || echo 1)
  execs=$(stat_of "$log" number_of_executed_units)
  eps=$(stat_of "$log" average_exec_per_sec)
  newu=$(stat_of "$log" new_units_added)
  last=$(grep -E '^#[0-9]+' "$log" | grep -E 'cov: [0-9]+' | tail -1 || true)
  cov=$(grep -o 'cov: [0-9]*' <<<"$last" | grep -o '[0-9]*' || true)
  ft=$(grep -o 'ft: [0-9]*' <<<"$last" | grep -o '[0-9]*' || true)
  corp=$(grep -o 'corp: [0-9]*' <<<"$last" | grep -o '[0-9]*' || true)
  crashes=$(find "$BUILD/artifacts/$t" -type f -newer "$BUILD/.fuzz-start" 2>/dev/null | wc -l)
  echo "| $t | $FUZZ_SECONDS | ${execs:-?} | ${eps:-?} | ${cov:-?} | ${ft:-?} | ${corp:-?} | ${newu:-?} | $crashes |" >>"$table"
  if [ "$rc" -ne 0 ]; then
    echo "fuzz-smoke: $t FAILED (log $log, inputs in $BUILD/artifacts/$t/):" >&2
    grep -E 'ERROR|SUMMARY|Test unit written|#[0-9]+ 0x' "$log" | head -40 >&2 || tail -40 "$log" >&2
    status=1
  fi
done
cat "$table"
if [ "$FUZZ_MERGE" = 1 ]; then
  for t in "${targets[@]}"; do
    m=$(grep -o 'MERGE-OUTER: [0-9]* new files' "$BUILD/$t.merge.log" 2>/dev/null | grep -o '[0-9]*' || true)
    echo "fuzz-smoke: $t: ${m:-no} new inputs merged into fuzz/corpus/$t/"
  done
fi
echo "fuzz-smoke: ${#targets[@]} targets, $FUZZ_JOBS at a time, ${FUZZ_SECONDS}s each, $(($(date +%s) - start))s in all;" \
  "$([ "$status" = 0 ] && echo "no failures" || echo "FAILURES above")"
exit $status

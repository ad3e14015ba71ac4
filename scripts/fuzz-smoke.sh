#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan+UBSan, coverage on the whole
# library) in build-fuzz/ and runs every fuzz/fuzz_*.c for FUZZ_SECONDS
# (default 20) against its seed corpus fuzz/corpus/<target>/. New inputs go
# to build-fuzz/corpus/<target>/, crashes to build-fuzz/artifacts/<target>/.
# Fails when a target crashes, leaks, times out or runs out of memory.
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZ_SECONDS=${FUZZ_SECONDS:-20}
BUILD=${FUZZ_BUILD:-build-fuzz}
JOBS=${JOBS:-$(nproc)}

command -v clang >/dev/null || { echo "fuzz-smoke: clang is missing (apt-get install clang)" >&2; exit 1; }
ls fuzz/fuzz_*.c >/dev/null 2>&1 || { echo "fuzz-smoke: no fuzz targets"; exit 0; }

# -fsanitize=fuzzer-no-link on every source: without it libFuzzer sees no
# coverage inside the library and fuzzes blind.
CC=clang cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Debug -DTEKEN_FUZZ=ON -DTEKEN_SANITIZE=ON \
  -DCMAKE_C_FLAGS="-fsanitize=fuzzer-no-link" >/dev/null
cmake --build "$BUILD" -j"$JOBS" >/dev/null

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
for src in fuzz/fuzz_*.c; do
  t=$(basename "$src" .c)
  work="$BUILD/corpus/$t"
  art="$BUILD/artifacts/$t"
  mkdir -p "$work" "$art"
  dirs=("$work")
  [ -d "fuzz/corpus/$t" ] && dirs+=("fuzz/corpus/$t")
  log="$BUILD/$t.log"
  opts=(-max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1
        -artifact_prefix="$art/")
  [ -f "fuzz/$t.dict" ] && opts+=(-dict="fuzz/$t.dict")
  if "$BUILD/$t" "${opts[@]}" "${dirs[@]}" >"$log" 2>&1; then
    echo "fuzz-smoke: $t ok ($(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?') runs in ${FUZZ_SECONDS}s)"
  else
    echo "fuzz-smoke: $t FAILED (log $log, inputs in $art/):" >&2
    grep -E 'ERROR|SUMMARY|Test unit written|#[0-9]+ 0x' "$log" | head -40 >&2 || tail -40 "$log" >&2
    status=1
  fi
done
exit $status

#!/usr/bin/env bash
# Formats every C file of src/ fuzz/ tests/unit in place with .clang-format (clang-format 14).
# scripts/lint.sh checks the same files in check mode. Give file names to format only those.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null 2>&1 || { echo "format: clang-format is missing (bash scripts/install-deps.sh)" >&2; exit 1; }
if [ $# -gt 0 ]; then
  clang-format --style=file -i "$@"
  exit 0
fi
find src fuzz tests/unit -type f \( -name '*.c' -o -name '*.h' \) -print0 | sort -z \
  | xargs -0 -P"$(nproc)" -n 16 clang-format --style=file -i
git diff --shortstat -- src fuzz tests/unit 2>/dev/null || true

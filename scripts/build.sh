#!/usr/bin/env bash
# Configures and builds comframe.
#   scripts/build.sh              release-with-debug-info build in build/
#   scripts/build.sh --sanitize   AddressSanitizer + UBSan build in build-asan/ (tests only)
set -euo pipefail
cd "$(dirname "$0")/.."

dir=build
args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
if [ "${1:-}" = "--sanitize" ]; then
  dir=build-asan
  args=(-DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS=-O1 -DCOMFRAME_SANITIZE=ON -DCOMFRAME_BUILD_BENCH=OFF)
fi
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B "$dir" "${args[@]}" > "$dir.configure.log" 2>&1 || { cat "$dir.configure.log"; exit 1; }
cmake --build "$dir" -j "$jobs"

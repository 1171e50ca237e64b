#!/usr/bin/env bash
# Installs, builds and runs every test.
#   scripts/test.sh              the normal build
#   scripts/test.sh --sanitize   the same tests under AddressSanitizer + UBSan
#   scripts/test.sh --tsan       the tests of every concurrent path (scripts/tsan_tests.txt) under
#                                ThreadSanitizer; any report fails them
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh "$@"
dir=build
if [ "${1:-}" = "--sanitize" ]; then
  dir=build-asan
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fi
select=()
if [ "${1:-}" = "--tsan" ]; then
  dir=build-tsan
  export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$PWD/tests/tsan.supp"
  # ThreadSanitizer slows code 5-15 times: tests stretch their timeouts by this factor.
  export COMFRAME_TEST_TIME_SCALE="${COMFRAME_TEST_TIME_SCALE:-10}"
  select=(-L "^($(grep -v '^#' scripts/tsan_tests.txt | paste -sd'|'))\$")
fi
cd "$dir"
ctest --output-on-failure -j "$(nproc 2>/dev/null || echo 2)" "${select[@]}"

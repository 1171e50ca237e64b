#!/usr/bin/env bash
# Installs, builds and runs every test.
#   scripts/test.sh           every test, built with AddressSanitizer + UBSan (build-asan/):
#                             any report fails its test (what CI runs first); then the Python
#                             package's tests, on its plain build (build-python/)
#   scripts/test.sh --tsan    the tests of every concurrent path (scripts/tsan_tests.txt) under
#                             ThreadSanitizer; any report fails them
#   scripts/test.sh --plain   every test in the normal optimized build (build/), no sanitizer
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-}"
case "$mode" in
  "") build=(--sanitize) dir=build-asan ;;
  --tsan) build=(--tsan) dir=build-tsan ;;
  --plain) build=() dir=build ;;
  *) echo "usage: scripts/test.sh [--tsan | --plain]" >&2; exit 2 ;;
esac
bash scripts/setup.sh
bash scripts/build.sh "${build[@]}"
select=()
case "$mode" in
  "")
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ;;
  --tsan)
    export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$PWD/tests/tsan.supp"
    # ThreadSanitizer slows code 5-15 times: tests stretch their timeouts by this factor.
    export COMFRAME_TEST_TIME_SCALE="${COMFRAME_TEST_TIME_SCALE:-10}"
    # The build holds only the folders' test programs of scripts/tsan_tests.txt's files
    # (labelled with the program's name, PREFIX_tests); the other tests' programs are not built.
    select=(-L '_tests$') ;;
esac
jobs=$(nproc 2>/dev/null || echo 2)
python_build=""
if [[ -z "$mode" ]]; then
  # An ASan-built Python module cannot load into a plain interpreter: the package is built on
  # its own (docs/python.md), at low priority while the sanitizer tests run (they spend most of
  # their time waiting on ptys and timers), and tested after them.
  # In a process group of its own (set -m), so that a failure here stops the whole build.
  set -m
  nice -n 10 bash scripts/build.sh --python > build-python.log 2>&1 &
  python_build=$!
  set +m
  trap 'kill -- "-$python_build" 2> /dev/null || true' EXIT
fi
(cd "$dir" && ctest --output-on-failure --no-tests=error -j "$jobs" "${select[@]}")
if [[ -z "$mode" ]]; then
  wait "$python_build" || { cat build-python.log; echo "test.sh: building the Python package failed" >&2; exit 1; }
  trap - EXIT
  # The programs the package's tests run in processes of their own: this run's sanitizer builds of them.
  export COMFRAME_TOOL="$PWD/build-asan/tools/comframe"
  export COMFRAME_FIRMWARE_THERMO="$PWD/build-asan/examples/firmware_thermo/firmware_thermo"
  (cd build-python && ctest --output-on-failure --no-tests=error -L '^python$' -j "$jobs")
fi

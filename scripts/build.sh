#!/usr/bin/env bash
# Configures and builds comframe.
#   scripts/build.sh              everything (libraries, tools, examples, tests, benchmarks) in build/
#   scripts/build.sh --demo       only what scripts/demo.sh runs (the comframe tool, the host example) in build/
#   scripts/build.sh --sanitize   everything but the benchmarks, with AddressSanitizer + UBSan, in
#                                 build-asan/ (what scripts/test.sh runs)
#   scripts/build.sh --tsan       ThreadSanitizer build, in build-tsan/, of the tests of every
#                                 concurrent path (scripts/tsan_tests.txt) and the comframe tool
#   scripts/build.sh --python     the Python package alone (no sanitizer: it loads into a plain
#                                 interpreter), in build-python/: what scripts/test.sh tests it in
# The sanitizer builds are -O1 with line tables only (-g1): sanitizer reports still name
# file and line, and compiling takes a third less than with full debug information.
# Compiles through ccache when it is installed (scripts/setup.sh installs it); the
# cache is keyed on paths relative to this folder, so every clone shares it.
set -euo pipefail
cd "$(dirname "$0")/.."

dir=build
targets=()
args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOMFRAME_BUILD_TESTS=ON -DCOMFRAME_BUILD_BENCH=ON)
sanitizer_flags=(-DCMAKE_CXX_FLAGS=-O1 -DCMAKE_C_FLAGS=-O1 -DCMAKE_CXX_FLAGS_DEBUG=-g1 -DCMAKE_C_FLAGS_DEBUG=-g1)
case "${1:-}" in
  "") ;;
  --demo)
    args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOMFRAME_BUILD_TESTS=OFF -DCOMFRAME_BUILD_BENCH=OFF)
    targets=(--target comframe thermo_host) ;;
  --sanitize)
    dir=build-asan
    # The benchmarks are left out: no test runs them, and a sanitizer build is for what is tested.
    args=(-DCMAKE_BUILD_TYPE=Debug "${sanitizer_flags[@]}" -DCOMFRAME_SANITIZE=ON -DCOMFRAME_BUILD_TESTS=ON
          -DCOMFRAME_BUILD_BENCH=OFF) ;;
  --tsan)
    dir=build-tsan
    args=(-DCMAKE_BUILD_TYPE=Debug "${sanitizer_flags[@]}" -DCOMFRAME_TSAN=ON -DCOMFRAME_BUILD_TESTS=ON
          -DCOMFRAME_BUILD_BENCH=OFF -DCOMFRAME_BUILD_EXAMPLES=OFF -DCOMFRAME_TEST_SELECT_FILE="$PWD/scripts/tsan_tests.txt")
    targets=(--target comframe comframe_test_programs) ;;
  --python)
    dir=build-python
    args=(-DCMAKE_BUILD_TYPE=Release -DCOMFRAME_BUILD_TESTS=OFF -DCOMFRAME_BUILD_BENCH=OFF -DCOMFRAME_BUILD_EXAMPLES=OFF
          -DCOMFRAME_BUILD_TOOLS=OFF)
    targets=(--target comframe_python) ;;
  *) echo "usage: scripts/build.sh [--demo | --sanitize | --tsan | --python]" >&2; exit 2 ;;
esac
# The Python package is built for Debian's interpreter (the machine's default python3 may be another).
args+=(-DPython_EXECUTABLE=/usr/bin/python3)
if command -v ccache > /dev/null; then
  args+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}" CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-1}"
fi
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B "$dir" "${args[@]}" > "$dir.configure.log" 2>&1 || { cat "$dir.configure.log"; exit 1; }
cmake --build "$dir" -j "$jobs" "${targets[@]}"

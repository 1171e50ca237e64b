#!/usr/bin/env bash
# Builds the fuzz targets (fuzz/, docs/reliability.md) with clang 14, libFuzzer,
# AddressSanitizer and UBSan in build-fuzz/, and runs each of them.
#   scripts/fuzz.sh                          every target for 30 s (what CI runs), one per core at a time
#   scripts/fuzz.sh --seconds 600 framing    the named targets, each for 600 s
#   scripts/fuzz.sh --list                   the targets' names
# Each run starts from the seed corpus fuzz/corpus/<name>/, the regression inputs
# fuzz/regressions/<name>/ and what earlier runs on this machine kept
# (build-fuzz/corpus/<name>/, where new inputs go),
# with the dictionary fuzz/<name>.dict where there is one. A crash, a sanitizer
# report, a leak, an input running over 10 s, more than 2048 MB resident or
# one allocation over 256 MB fails the run, and libFuzzer writes the input to
# build-fuzz/findings/<name>/: fix the bug and add the input to
# fuzz/regressions/<name>/, which the normal test build replays.
set -euo pipefail
cd "$(dirname "$0")/.."

all=($(sed -n 's/^set(fuzz_targets \(.*\))$/\1/p' fuzz/CMakeLists.txt))
seconds=30
targets=()
while (($#)); do
  case "$1" in
    --seconds) seconds="${2:?--seconds needs a number}"; shift 2 ;;
    --list) printf '%s\n' "${all[@]}"; exit 0 ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) [[ " ${all[*]} " == *" $1 "* ]] || { echo "fuzz.sh: no target \"$1\"; targets: ${all[*]}" >&2; exit 2; }
       targets+=("$1"); shift ;;
  esac
done
[[ "$seconds" =~ ^[0-9]+$ && "$seconds" -gt 0 ]] || { echo "fuzz.sh: --seconds needs a positive whole number, got \"$seconds\"" >&2; exit 2; }
((${#targets[@]})) || targets=("${all[@]}")

bash scripts/setup.sh --fuzz
args=(-DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=Debug
      -DCMAKE_CXX_FLAGS=-O1 -DCMAKE_C_FLAGS=-O1
      -DCMAKE_CXX_FLAGS_DEBUG=-g1 -DCMAKE_C_FLAGS_DEBUG=-g1 -DCOMFRAME_FUZZ=ON -DCOMFRAME_BUILD_TESTS=OFF
      -DCOMFRAME_BUILD_BENCH=OFF -DCOMFRAME_BUILD_TOOLS=OFF -DCOMFRAME_BUILD_EXAMPLES=OFF)
if command -v ccache > /dev/null; then
  args+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}" CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-1}"
fi
cmake -S . -B build-fuzz "${args[@]}" > build-fuzz.configure.log 2>&1 || { cat build-fuzz.configure.log; exit 1; }
cmake --build build-fuzz -j "$(nproc 2>/dev/null || echo 2)" --target "${targets[@]/#/fuzz_}"

export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# One target per core at a time (FUZZ_JOBS to change it); each writes its result
# line to build-fuzz/findings/<name>/result, printed in order at the end.
run_one() {
  local t=$1 rc=0
  mkdir -p "build-fuzz/corpus/$t" "build-fuzz/findings/$t"
  local dict=(); [ -f "fuzz/$t.dict" ] && dict=("-dict=fuzz/$t.dict")
  local log="build-fuzz/findings/$t/last.log"
  # New inputs go to the first folder; the regression inputs are run first, under ASan + UBSan.
  local regressions=(); [ -d "fuzz/regressions/$t" ] && regressions=("fuzz/regressions/$t")
  "build-fuzz/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=256 \
      -print_final_stats=1 -artifact_prefix="build-fuzz/findings/$t/" "${dict[@]}" \
      "build-fuzz/corpus/$t" "fuzz/corpus/$t" "${regressions[@]}" > "$log" 2>&1 || rc=$?
  local runs speed cov ft result=ok
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$({ grep -ao 'cov: [0-9]*' "$log" || true; } | tail -1 | cut -d' ' -f2)
  ft=$({ grep -ao 'ft: [0-9]*' "$log" || true; } | tail -1 | cut -d' ' -f2)
  [ "$rc" -eq 0 ] || result="FAILED (rc $rc): see $log"
  printf '%-16s %10s %10s %8s %8s  %s\n' "$t" "${runs:--}" "${speed:--}" "${cov:--}" "${ft:--}" "$result" \
    > "build-fuzz/findings/$t/result"
}
parallel="${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}"
[[ "$parallel" =~ ^[1-9][0-9]*$ ]] || { echo "fuzz.sh: FUZZ_JOBS needs a positive whole number, got \"$parallel\"" >&2; exit 2; }
# Stopped (Ctrl-C, SIGTERM, an error), the script stops the fuzzers it started.
trap 'kill $(jobs -p) 2> /dev/null || true' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
for t in "${targets[@]}"; do
  rm -f "build-fuzz/findings/$t/result"
  while (($(jobs -rp | wc -l) >= parallel)); do wait -n || true; done
  run_one "$t" &
done
wait
failed=()
printf '%-16s %10s %10s %8s %8s  %s\n' target runs "runs/s" cov ft result
for t in "${targets[@]}"; do
  if [ -f "build-fuzz/findings/$t/result" ]; then cat "build-fuzz/findings/$t/result"; else echo "$t: no result"; fi
  grep -q ' ok$' "build-fuzz/findings/$t/result" 2>/dev/null || failed+=("$t")
done
if ((${#failed[@]})); then
  for t in "${failed[@]}"; do echo "--- $t"; grep -E -A25 'ERROR|fuzz check failed|deadly signal|Test unit written' "build-fuzz/findings/$t/last.log" | head -60; done
  echo "fuzz.sh: ${#failed[@]} target(s) failed: ${failed[*]}" >&2
  exit 1
fi

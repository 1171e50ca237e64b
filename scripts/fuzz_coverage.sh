#!/usr/bin/env bash
# Line coverage of each fuzz target (docs/reliability.md): builds the targets'
# replay programs (fuzz/replay_main.cpp) with clang 14's source-based coverage
# in build-cov/, runs each over its inputs — the seed corpus fuzz/corpus/<name>/,
# the regression inputs and what scripts/fuzz.sh kept in build-fuzz/corpus/<name>/
# (so run that first, as long as you like) — and prints, with llvm-cov, the
# lines covered in the parser's own source files and in every comframe library
# source the target links.
#   scripts/fuzz_coverage.sh               every target
#   scripts/fuzz_coverage.sh framing ...   the named ones
# Reports: build-cov/coverage/<name>.txt (per file), <name>.profdata for
# `llvm-cov-14 show` (line by line).
set -euo pipefail
cd "$(dirname "$0")/.."

all=($(sed -n 's/^set(fuzz_targets \(.*\))$/\1/p' fuzz/CMakeLists.txt))
targets=("$@")
for t in "${targets[@]}"; do
  [[ " ${all[*]} " == *" $t "* ]] || { echo "fuzz_coverage.sh: no target \"$t\"; targets: ${all[*]}" >&2; exit 2; }
done
((${#targets[@]})) || targets=("${all[@]}")

# The parser each target aims at: the files whose coverage is the target's figure.
declare -A focus=(
  [frame_stream]="transport/src/frame.cpp transport/src/cobs.cpp"
  [framing]="transport/src/framing.cpp transport/src/spec_framing.cpp transport/src/framing_check.cpp"
  [schema]="core/src/schema.cpp"
  [dynamic_decode]="core/src/dynamic_codec.cpp"
  [dynamic_encode]="core/src/dynamic_codec.cpp"
  [random_schema]="core/src/dynamic_codec.cpp core/src/schema.cpp"
  [profile]="devices/src/profile.cpp transport/src/framing_spec.cpp"
  [sim_file]="firmware-sim/src/sim_definition.cpp"
  [capture]="transport/src/capture.cpp"
  [text_parsers]="core/src/hex.cpp transport/src/url.cpp"
  [firmware_kit]="firmware/src/decoder.c firmware/src/device.c firmware/src/cobs.c"
  [bridge]="transport/src/bridge.cpp"
  [static_decode]="core/include/comframe/core/codec.hpp"
  [describe_reply]="devices/src/session.cpp"
  [generated_c]="generated/f_l_profile.c generated/f_b_profile.c generated/f_n_profile.c"
)

bash scripts/setup.sh --fuzz
args=(-DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=Debug
      -DCMAKE_CXX_FLAGS=-O1 -DCMAKE_C_FLAGS=-O1 -DCOMFRAME_COVERAGE=ON -DCOMFRAME_BUILD_TESTS=OFF
      -DCOMFRAME_BUILD_BENCH=OFF -DCOMFRAME_BUILD_TOOLS=OFF -DCOMFRAME_BUILD_EXAMPLES=OFF)
if command -v ccache > /dev/null; then
  args+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}" CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-1}"
fi
cmake -S . -B build-cov "${args[@]}" > build-cov.configure.log 2>&1 || { cat build-cov.configure.log; exit 1; }
cmake --build build-cov -j "$(nproc 2>/dev/null || echo 2)" --target "${targets[@]/#/fuzz_replay_}"

out=build-cov/coverage
mkdir -p "$out"
# Lines covered of llvm-cov's per-file table: of its TOTAL row, or (with file
# names) of the rows of those files. The build names files relative to its
# folder (ccache's base dir) and llvm-cov drops the folders all its files
# share, so a file is matched by the end of its name.
lines() {
  awk -v files="$*" 'BEGIN { n = split(files, want, " ") }
    n == 0 && /^TOTAL/ { all = $8; missed = $9 }
    function ends(a, b) { return length(a) >= length(b) && substr(a, length(a) - length(b) + 1) == b }
    n > 0 { for (i = 1; i <= n; i++) if (ends($1, want[i]) || ends(want[i], "/" $1)) { all += $8; missed += $9 } }
    END { if (all) printf "%d/%d (%.1f%%)", all - missed, all, 100 * (all - missed) / all; else printf "-" }'
}
printf '%-16s %8s  %-28s %s\n' target inputs "lines of the parser" "lines of the libraries it links"
for t in "${targets[@]}"; do
  inputs=(fuzz/corpus/"$t")
  [ -d "fuzz/regressions/$t" ] && inputs+=("fuzz/regressions/$t")
  [ -d "build-fuzz/corpus/$t" ] && [ -n "$(ls -A "build-fuzz/corpus/$t")" ] && inputs+=("build-fuzz/corpus/$t")
  n=$(find "${inputs[@]}" -type f ! -name README.md | wc -l)
  rm -f "$out/$t".*.profraw
  LLVM_PROFILE_FILE="$out/$t.%p.profraw" "build-cov/fuzz/fuzz_replay_$t" "${inputs[@]}" > "$out/$t.replay.log" 2>&1 ||
    { echo "fuzz_coverage.sh: fuzz_replay_$t failed on its inputs: see $out/$t.replay.log" >&2; exit 1; }
  llvm-profdata-14 merge -sparse "$out/$t".*.profraw -o "$out/$t.profdata"
  rm -f "$out/$t".*.profraw
  bin="build-cov/fuzz/fuzz_replay_$t"
  llvm-cov-14 report "$bin" -instr-profile="$out/$t.profdata" -ignore-filename-regex='^/usr/|/tests/|fuzz/[a-z_]+\.(cpp|hpp)$' \
    > "$out/$t.txt"
  printf '%-16s %8s  %-28s %s\n' "$t" "$n" "$(lines ${focus[$t]:-} < "$out/$t.txt")" "$(lines < "$out/$t.txt")"
done

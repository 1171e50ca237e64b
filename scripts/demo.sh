#!/usr/bin/env bash
# The main job on a fresh machine: install, build, and run comframe on the
# embedded default — the simulated thermo sensor board on a pseudo-terminal,
# publishing every frame on a shared-memory bridge, the host example talking to
# it, and `comframe tap` printing the frames from the bridge.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --demo
bash scripts/build.sh --demo

run_dir=$(mktemp -d)
link="$run_dir/thermo"
bridge="demo-$$"
cleanup() {
  if [ -n "${tap_pid:-}" ] && kill -0 "$tap_pid" 2>/dev/null; then
    kill -INT "$tap_pid"
    wait "$tap_pid" || true
  fi
  if [ -n "${sim_pid:-}" ] && kill -0 "$sim_pid" 2>/dev/null; then
    kill -INT "$sim_pid"
    wait "$sim_pid" || true
  fi
  rm -rf "$run_dir"
}
trap cleanup EXIT

echo
echo "== the thermo simulator on a pseudo-terminal, publishing on the bridge \"$bridge\" =="
build/tools/comframe sim --device thermo --symlink "$link" --bridge "$bridge" > "$run_dir/sim.log" 2>&1 < /dev/null &
sim_pid=$!
for _ in $(seq 1 100); do grep -q '^port: ' "$run_dir/sim.log" 2>/dev/null && break; sleep 0.1; done
if ! grep -q '^port: ' "$run_dir/sim.log"; then
  echo "the simulator did not start:" >&2
  cat "$run_dir/sim.log" >&2
  exit 1
fi
cat "$run_dir/sim.log"

# A subscriber in its own process: every frame from the bridge, decoded by the
# profile the simulator keeps on the bridge.
build/tools/comframe tap "$bridge" > "$run_dir/tap.log" 2>&1 < /dev/null &
tap_pid=$!
for _ in $(seq 1 100); do grep -q "^tap: $bridge" "$run_dir/tap.log" 2>/dev/null && break; sleep 0.1; done

echo
echo "== the host example: build/examples/thermo_host/thermo_host $link =="
build/examples/thermo_host/thermo_host "$link"

echo
echo "== the comframe CLI on the same port: comframe call $link read_sensors =="
build/tools/comframe call "$link" read_sensors

echo
echo "== what comframe tap $bridge printed meanwhile, from another process =="
kill -INT "$tap_pid"
wait "$tap_pid" || true
tap_pid=
grep -v ' describe ' "$run_dir/tap.log"

echo
echo "== stopping the simulator (SIGINT) =="
kill -INT "$sim_pid"
wait "$sim_pid"
sim_pid=
tail -n 1 "$run_dir/sim.log"

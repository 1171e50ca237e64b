#!/bin/sh
# Runs the thermo firmware's Cortex-M3 image in QEMU (TI LM3S6965 board), its
# UART0 on a new pseudo-terminal, and prints where, as comframe sim does:
#   port: /dev/pts/N
#   qemu: pid P
# then stays until Ctrl-C or SIGTERM, which stop QEMU.
#   run_qemu.sh [build/examples/firmware_thermo/cortex-m3/firmware_thermo.elf]
# Then, in another terminal: comframe call /dev/pts/N get_info
set -eu
image=${1:-build/examples/firmware_thermo/cortex-m3/firmware_thermo.elf}
if ! command -v qemu-system-arm > /dev/null 2>&1; then
  echo "run_qemu.sh: qemu-system-arm is not installed (Debian package qemu-system-arm; scripts/setup.sh --firmware)" >&2
  exit 77
fi
if [ ! -f "$image" ]; then
  echo "run_qemu.sh: no firmware image at $image (build it: cmake --build build --target firmware_thermo_cortex_m3)" >&2
  exit 2
fi

log=$(mktemp "${TMPDIR:-/tmp}/run_qemu.XXXXXX")
qemu-system-arm -M lm3s6965evb -nographic -monitor none -serial pty -kernel "$image" > "$log" 2>&1 &
qemu=$!
stop() {
  kill "$qemu" 2> /dev/null || true
  wait "$qemu" 2> /dev/null || true
  rm -f "$log"
}
trap 'stop; exit 0' INT TERM
trap 'stop' EXIT

# QEMU says "char device redirected to /dev/pts/N (label serial0)" once the pty exists.
port=""
while [ -z "$port" ]; do
  if ! kill -0 "$qemu" 2> /dev/null; then
    echo "run_qemu.sh: qemu-system-arm stopped:" >&2
    cat "$log" >&2
    exit 1
  fi
  port=$(sed -n 's|^char device redirected to \(/dev/[^ ]*\) (label serial0).*|\1|p' "$log")
  [ -n "$port" ] || sleep 0.05
done
echo "port: $port"
echo "qemu: pid $qemu"
wait "$qemu"

#!/usr/bin/env bash
# Installs what comframe needs, from Debian's packages only.
#   scripts/setup.sh          everything the build and every test need
#   scripts/setup.sh --demo   only what the demo needs (the libraries and the command line)
#   scripts/setup.sh --firmware  only the firmware toolchains: the Cortex-M3 cross compiler,
#                             its C library and QEMU (the firmware example and its tests)
#   scripts/setup.sh --fuzz   the libraries and clang 14 with libFuzzer (scripts/fuzz.sh)
# Run as root (or with sudo). Safe to run again: it installs only what is missing.
set -euo pipefail

demo_packages=(
  build-essential cmake pkg-config
  ccache                    # the build scripts compile through it when it is there
  libboost1.81-dev          # Asio, Describe, Mp11 (header-only parts)
  libserialport-dev         # port listing with USB metadata
  nlohmann-json3-dev
  libcli11-dev
)
test_packages=(
  googletest libgtest-dev libgmock-dev
  libbenchmark-dev
  python3 python3-serial    # pyserial, the independent client in the simulator tests
  tshark                    # Wireshark's command line: opens comframe captures in the logging tests
  libmodbus-dev             # libmodbus: the Modbus RTU server and client that tests/modbus builds
  python3-pymodbus          # pymodbus 3.0: the second independent Modbus client and server (tests/modbus)
  python3-serial-asyncio    # pymodbus's serial client needs it and its package does not depend on it
  socat                     # joins two ptys: a Modbus server on one end, a client on the other
  python3-dev pybind11-dev  # the Python package (python/): Python's headers and pybind11's CMake package
  python3-pytest            # the Python package's tests and its pytest plugin
  python3-pytest-xdist      # the plugin's parallel runs (pytest -n)
)
firmware_packages=(
  gcc-arm-none-eabi         # the Cortex-M3 build of the firmware kit and examples/firmware_thermo
  libnewlib-arm-none-eabi   # its C library headers (<stdint.h>, <string.h>)
  qemu-system-arm           # runs that firmware on an emulated lm3s6965evb board
)

fuzz_packages=(
  clang-14                  # the fuzz targets' compiler (scripts/fuzz.sh)
  libclang-rt-14-dev        # libFuzzer and the sanitizer runtimes: only recommended by clang-14
  libfuzzer-14-dev          # libFuzzer's library and headers
  llvm-14                   # llvm-profdata and llvm-cov: coverage of the fuzz targets
)

packages=("${demo_packages[@]}")
case "${1:-}" in
  --demo) ;;
  --firmware) packages=("${firmware_packages[@]}") ;;
  --fuzz) packages+=("${fuzz_packages[@]}") ;;
  "") packages+=("${test_packages[@]}" "${firmware_packages[@]}" "${fuzz_packages[@]}") ;;
  *) echo "usage: scripts/setup.sh [--demo | --firmware | --fuzz]" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages are installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"

#!/bin/sh
# Compiles every source of the C firmware kit for a Cortex-M3 as a firmware
# project would, warnings as errors, with the table-driven and the table-less
# CRC-32C, and prints the sizes. Exits 77 (skipped) when arm-none-eabi-gcc is
# not installed.
#   compile_for_cortex_m3.sh FIRMWARE_DIR WORK_DIR
set -eu
src=$1
work=$2
if ! command -v arm-none-eabi-gcc > /dev/null 2>&1; then
  echo "skipped: arm-none-eabi-gcc is not installed (Debian package gcc-arm-none-eabi)"
  exit 77
fi
mkdir -p "$work"
for variant in table tableless; do
  defs=""
  [ "$variant" = tableless ] && defs="-DCOMFRAME_CRC32C_TABLELESS"
  objs=""
  for c in "$src"/src/*.c; do
    o="$work/$variant-$(basename "$c" .c).o"
    arm-none-eabi-gcc -mcpu=cortex-m3 -mthumb -Os -ffreestanding -std=c99 -Wall -Wextra -Wpedantic -Wconversion \
      -Werror -ffunction-sections -fdata-sections $defs -I"$src/include" -c "$c" -o "$o"
    objs="$objs $o"
  done
  echo "kit, $variant CRC-32C:"
  # shellcheck disable=SC2086
  arm-none-eabi-size -t $objs
done

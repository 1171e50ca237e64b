#!/bin/sh
# Flash, RAM and worst stack depth of the C firmware kit (firmware/) for a
# Cortex-M3 at -Os, with the table-driven and the table-less CRC-32C
# (docs/performance.md, "The C firmware kit").
#   scripts/firmware_sizes.sh [WORK_DIR]     (default: a temporary folder, removed after)
# Prints a report, then summary lines the size test reads:
#   FLASH_TABLE=n FLASH_TABLELESS=n RAM_COUNT=n
# Exits 77 when arm-none-eabi-gcc is not installed (Debian gcc-arm-none-eabi;
# scripts/setup.sh --firmware), 1 on any other failure.
#
# What is counted:
#   flash  text + data of the five objects (arm-none-eabi-size; .rodata is in
#          text), every function of the kit, none left out by --gc-sections;
#   RAM    data + bss of the objects (the kit has no mutable static data: 0),
#          + sizeof(cf_device) + sizeof(cf_decoder) (read from symbols of those
#          sizes: `char size_of_X[sizeof(X)]`, arm-none-eabi-nm -S), which hold
#          every byte of the kit's state: the COBS lookahead, counters, the
#          decoder's bookkeeping; not the caller's slots, reply buffer or handler table,
#          + the deepest stack of the main loop's entry points (cf_device_*)
#          + the deepest stack of the receive entry points (cf_decoder_push and
#            cf_decoder_feed, run from an interrupt that may preempt the
#            main loop at its deepest), the kit's frames only: the caller's
#            callbacks (putc, command handlers) add their own frames to the
#            depth at which they are entered, which is printed.
#          The 32-byte exception frame the core stacks on interrupt entry is the
#          board's (any interrupt has it) and is not counted.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
kit=$here/firmware
if ! command -v arm-none-eabi-gcc > /dev/null 2>&1; then
  echo "skipped: arm-none-eabi-gcc is not installed (Debian package gcc-arm-none-eabi; scripts/setup.sh --firmware)"
  exit 77
fi
if [ $# -ge 1 ]; then
  work=$1
  mkdir -p "$work"
else
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi
cc="arm-none-eabi-gcc -mcpu=cortex-m3 -mthumb"
flags="-Os -ffreestanding -std=c99 -Wall -Wextra -Wpedantic -Wconversion -Werror -ffunction-sections -fdata-sections"
libc=$($cc -print-file-name=libc.a)

echo "The C firmware kit for a Cortex-M3: $(arm-none-eabi-gcc --version | head -n 1)"
echo "  $cc $flags -fstack-usage -fcallgraph-info=su"
for variant in table tableless; do
  defs=""
  [ "$variant" = tableless ] && defs="-DCOMFRAME_CRC32C_TABLELESS"
  rm -rf "${work:?}/$variant"
  mkdir -p "$work/$variant"
  for c in "$kit"/src/*.c; do
    # shellcheck disable=SC2086
    (cd "$work/$variant" && $cc $flags -fstack-usage -fcallgraph-info=su $defs -I"$kit/include" -c "$c" \
      -o "$(basename "$c" .c).o")
  done
  echo
  echo "== $variant CRC-32C${defs:+ ($defs)}: arm-none-eabi-size -t"
  arm-none-eabi-size -t "$work/$variant"/*.o | sed "s|$work/$variant/||"
  # The TOTALS line: text data bss.
  set -- $(arm-none-eabi-size -t "$work/$variant"/*.o | tail -n 1)
  eval "text_$variant=$1 data_$variant=$2 bss_$variant=$3"
  echo "flash (text + data): $(($1 + $2)) bytes; static RAM (data + bss): $(($2 + $3)) bytes"
  echo "worst stack depth per entry point (bytes; kit frames only; 'callback at' = depth when a putc or handler is entered):"
  /usr/bin/python3 "$here/scripts/firmware_stack.py" "$libc" "$work/$variant" > "$work/$variant/stack.txt"
  awk '/^#/ { print "  (" $2 " " $3 ": " $4 " bytes, from the disassembly of libc.a)"; next }
       { printf "  %-28s %4d%s\n", $1, $2, ($3 == "-" ? "" : "   callback at " $3) }' "$work/$variant/stack.txt"
  eval "main_$variant=$(awk '$1 ~ /^cf_device_/ && $2 > m { m = $2 } END { print m + 0 }' "$work/$variant/stack.txt")"
  eval "rx_$variant=$(awk '($1 == "cf_decoder_push" || $1 == "cf_decoder_feed") && $2 > m { m = $2 } END { print m + 0 }' \
    "$work/$variant/stack.txt")"
done

# sizeof of the context structs for the target, as symbol sizes.
cat > "$work/sizes.c" << 'EOF'
#include "comframe/firmware/device.h"
char size_of_cf_device[sizeof(cf_device)];
char size_of_cf_device_config[sizeof(cf_device_config)];
char size_of_cf_device_stats[sizeof(cf_device_stats)];
char size_of_cf_frame_writer[sizeof(cf_frame_writer)];
char size_of_cf_cobs_encoder[sizeof(cf_cobs_encoder)];
char size_of_cf_decoder[sizeof(cf_decoder)];
char size_of_cf_decoder_stats[sizeof(cf_decoder_stats)];
char size_of_cf_frame[sizeof(cf_frame)];
EOF
# shellcheck disable=SC2086
$cc $flags -I"$kit/include" -c "$work/sizes.c" -o "$work/sizes.o"
arm-none-eabi-nm -S "$work/sizes.o" | awk '$4 ~ /^size_of_/ { sub(/^size_of_/, "", $4); print $4, $2 }' | sort > "$work/sizes.txt"
echo
echo "== sizeof for the target (arm-none-eabi-nm -S of char size_of_X[sizeof(X)]):"
while read -r name hex; do
  printf "  %-20s %4d\n" "$name" "$((0x$hex))"
  eval "sizeof_$name=$((0x$hex))"
done < "$work/sizes.txt"

echo
echo "== RAM of the kit besides the caller's buffers (slots, reply buffer), tableless build:"
ram=$((data_tableless + bss_tableless + sizeof_cf_device + sizeof_cf_decoder + main_tableless + rx_tableless))
echo "  static data + bss $((data_tableless + bss_tableless)) + cf_device $sizeof_cf_device + cf_decoder $sizeof_cf_decoder" \
  "+ main-loop stack $main_tableless + receive stack $rx_tableless = $ram bytes"
ram_table=$((data_table + bss_table + sizeof_cf_device + sizeof_cf_decoder + main_table + rx_table))
echo "  (table build: the same with stacks $main_table + $rx_table = $ram_table bytes)"
echo
echo "FLASH_TABLE=$((text_table + data_table)) FLASH_TABLELESS=$((text_tableless + data_tableless)) RAM_COUNT=$ram"

#!/usr/bin/env bash
# The main job on a fresh machine: install, build, and run comframe on the
# embedded default.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh

echo
echo "== a typed message: encoded big-endian, decoded back =="
build/examples/typed_message/typed_message | tee build/demo.out
hex=$(sed -n 's/^hex: *//p' build/demo.out)

echo
echo "== the same bytes decoded by the comframe CLI from the type's exported schema =="
echo "\$ comframe decode --schema examples/typed_message/telemetry.schema.json --endian big \"$hex\""
build/tools/comframe decode --schema examples/typed_message/telemetry.schema.json --endian big "$hex"

#!/usr/bin/env bash
# Builds bitsink (scripts/build.sh) and runs the CPU bit-plane GEMV benchmark
# with the system python3 (numpy only). Extra arguments go to run.py.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
bash "$ROOT/scripts/setup.sh" >&2
BUILD_DIR="$BUILD_DIR" bash "$ROOT/scripts/build.sh" >&2
exec "${PYTHON:-python3}" "$ROOT/bench/bitplane_cpu/run.py" \
  --run "$BUILD_DIR/bin/bitsink-run" "$@"

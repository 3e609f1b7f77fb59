#!/usr/bin/env bash
# Builds bitsink (scripts/build.sh), sets up the benchmark venv (torch), runs
# the CPU attention benchmark. Extra arguments go to run.py.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
bash "$ROOT/scripts/setup.sh" >&2
BUILD_DIR="$BUILD_DIR" bash "$ROOT/scripts/build.sh" >&2
PY="$(bash "$ROOT/bench/setup.sh" | tail -1)"
exec "$PY" "$ROOT/bench/attention_cpu/run.py" --opt "$BUILD_DIR/bin/bitsink-opt" "$@"

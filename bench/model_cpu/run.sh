#!/usr/bin/env bash
# One command for bench/model_cpu: scripts/setup.sh and scripts/build.sh,
# then the bench venv (bench/setup.sh: torch, onnxruntime, torch-mlir,
# llama-cpp-python, the model weights), then run.py with the built bitsink
# Python package. Arguments go to run.py (--report, --only, --shapes, ...).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
bash "$ROOT/scripts/setup.sh" >&2
BUILD_DIR="$BUILD_DIR" bash "$ROOT/scripts/build.sh" >&2
BENCH_PYTHON="$(bash "$ROOT/bench/setup.sh" | tail -1)"
export PYTHONPATH="$BUILD_DIR/python_packages${PYTHONPATH:+:$PYTHONPATH}"
exec "$BENCH_PYTHON" "$ROOT/bench/model_cpu/run.py" "$@"

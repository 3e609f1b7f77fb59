#!/usr/bin/env bash
# The README's main command: sets up, builds, installs the torch venv of
# bench/ (the PyTorch timing peer; gigabytes on the first run), then runs
# examples/minilm/demo.py: the real all-MiniLM-L6-v2 imported by torch-mlir,
# attention raised to bitsink.sink_attention, sparsified, weights quantized
# to 3 bit-planes, compiled for this CPU from Python, run on 16 sentences,
# with a table of weight bytes, cosine to fp32 and time per sentence against
# PyTorch. On a machine with an NVIDIA GPU it also builds the CUDA artifact
# of the 3-bit model (bitsink-compile --target=cuda).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
export BUILD_DIR

echo "demo: setup and build"
bash "$ROOT/scripts/setup.sh"
bash "$ROOT/scripts/build.sh" >/dev/null
echo "demo: torch venv for the PyTorch peer (bench/setup.sh)"
BENCH_PYTHON="$(bash "$ROOT/bench/setup.sh")"

PYTHONPATH="$BUILD_DIR/python_packages" "$BENCH_PYTHON" \
  "$ROOT/examples/minilm/demo.py" "$@"

#!/usr/bin/env bash
# The README's main command: sets up, builds, installs the venv of bench/
# (torch and llama-cpp-python, the peers; gigabytes and a llama.cpp build on
# the first run), then runs examples/smollm2/demo.py (a decoder LLM from a
# GGUF, 3-bit weights, streamed text, perplexity and tokens/s against
# llama.cpp) and examples/minilm/demo.py: the real all-MiniLM-L6-v2 imported by torch-mlir,
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

# The decoder first (SmolLM2-135M streaming on 3-bit weights against
# llama.cpp), then the encoder (all-MiniLM-L6-v2 against PyTorch).
# `scripts/demo.sh smollm2` or `scripts/demo.sh minilm` runs one of them.
which="${1:-all}"
if [[ "$which" == all || "$which" == smollm2 ]]; then
  echo "demo: SmolLM2-135M-Instruct (examples/smollm2/demo.py)"
  PYTHONPATH="$BUILD_DIR/python_packages" "$BENCH_PYTHON" \
    "$ROOT/examples/smollm2/demo.py"
fi
if [[ "$which" == all || "$which" == minilm ]]; then
  echo "demo: all-MiniLM-L6-v2 (examples/minilm/demo.py)"
  PYTHONPATH="$BUILD_DIR/python_packages" "$BENCH_PYTHON" \
    "$ROOT/examples/minilm/demo.py"
fi

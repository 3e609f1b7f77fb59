#!/usr/bin/env bash
# The README's main command: sets up, builds, then lowers the example in
# examples/ with bitsink-opt and prints the result.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
export BUILD_DIR

bash "$ROOT/scripts/setup.sh"
bash "$ROOT/scripts/build.sh" >/dev/null

"$BUILD_DIR/bin/bitsink-opt" "$ROOT/examples/decoder_step.mlir" \
  --bitsink-sparsify-attention="num-sinks=4 window=256" \
  --transform-preload-library="transform-library-paths=$ROOT/examples/tile_attention.transform.mlir" \
  --transform-interpreter \
  --canonicalize --cse \
  --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" \
  --canonicalize

#!/usr/bin/env bash
# The README's main command: sets up, builds, then
#  1. lowers the example decoder step in examples/ with bitsink-opt
#     (sparsify, tile with the transform dialect, bufferize) and prints it;
#  2. compiles the same step for this CPU (bitsink-cpu-pipeline), runs it on
#     random inputs against the reference interpreter, and times it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
export BUILD_DIR

bash "$ROOT/scripts/setup.sh"
bash "$ROOT/scripts/build.sh" >/dev/null

echo "== examples/decoder_step.mlir: sparsified, tiled, bufferized =="
"$BUILD_DIR/bin/bitsink-opt" "$ROOT/examples/decoder_step.mlir" \
  --bitsink-sparsify-attention="num-sinks=4 window=256" \
  --transform-preload-library="transform-library-paths=$ROOT/examples/tile_attention.transform.mlir" \
  --transform-interpreter \
  --canonicalize --cse \
  --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" \
  --canonicalize

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
"$BUILD_DIR/bin/bitsink-opt" "$ROOT/examples/decoder_step.mlir" \
  --bitsink-sparsify-attention="num-sinks=4 window=256" -o "$WORK/step.mlir"
echo
echo "== the same step compiled for this CPU, checked against the reference =="
"$BUILD_DIR/bin/bitsink-run" "$WORK/step.mlir" -e decoder_step --seed=1 \
  --int-max=600 --check-reference --atol=1e-2 --rtol=1e-2
"$BUILD_DIR/bin/bitsink-run" "$WORK/step.mlir" -e decoder_step --seed=1 \
  --int-max=600 --time-runs=50

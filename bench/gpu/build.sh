#!/usr/bin/env bash
# Builds every bench/gpu artifact on this machine (no GPU needed): the IR of
# make_ir.py compiled by bitsink-compile --target=cuda into OUT/<case>.so
# (host code + embedded cubin; libbitsink_cuda_runtime.so beside them), plus
# run.py. OUT is what a GPU machine needs: carry it and run
#   python3 OUT/run.py OUT
# there (torch + the NVIDIA driver; see bench/gpu/README.md).
#
# Usage: bench/gpu/build.sh [OUT] [CHIP]   (default OUT bench/gpu/artifacts,
#                                          CHIP sm_90)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
OUT="${1:-$ROOT/bench/gpu/artifacts}"
CHIP="${2:-sm_90}"
COMPILE="$BUILD_DIR/bin/bitsink-compile"
[[ -x "$COMPILE" ]] || { echo "bench/gpu: build bitsink first ($COMPILE)" >&2; exit 1; }

mkdir -p "$OUT"
IR="$OUT/ir"
python3 "$ROOT/bench/gpu/make_ir.py" "$IR" >/dev/null
cp "$ROOT/bench/gpu/run.py" "$OUT/"
for ir in "$IR"/*.mlir; do
  name="$(basename "$ir" .mlir)"
  echo "bench/gpu: $name"
  "$COMPILE" "$ir" --target=cuda --chip="$CHIP" --features=+ptx80 \
    -o "$OUT/$name.so" --header="$OUT/$name.h"
done
du -sh "$OUT"

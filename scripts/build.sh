#!/usr/bin/env bash
# Configures (once) and builds bitsink into build/ (BUILD_DIR overrides)
# against the installed LLVM/MLIR 22, with clang-22, lld and ccache.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
LLVM_PREFIX=/usr/lib/llvm-22

if [[ ! -f "$BUILD_DIR/build.ninja" ]]; then
  cmake -G Ninja -S "$ROOT" -B "$BUILD_DIR" \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DLLVM_USE_LINKER=lld \
    -DMLIR_DIR="$LLVM_PREFIX/lib/cmake/mlir" \
    -DPython_EXECUTABLE="$(command -v "${PYTHON:-python3}")" \
    "$@"
fi
cmake --build "$BUILD_DIR"

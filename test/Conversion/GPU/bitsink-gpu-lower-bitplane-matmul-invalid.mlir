// REQUIRES: nvptx
// RUN: bitsink-opt %s -split-input-file -verify-diagnostics --bitsink-gpu-lower-bitplane-matmul
// RUN: not bitsink-opt %s -split-input-file --bitsink-gpu-lower-bitplane-matmul="tile-k=48" 2>&1 | FileCheck %s --check-prefix=TILE
// RUN: not bitsink-opt %s -split-input-file --bitsink-gpu-lower-bitplane-matmul="tile-m=256 tile-n=256" 2>&1 | FileCheck %s --check-prefix=THREADS
// RUN: not bitsink-opt %s -split-input-file --bitsink-gpu-lower-bitplane-matmul="gemv-columns-per-thread=3" 2>&1 | FileCheck %s --check-prefix=WIDTH
// RUN: not bitsink-opt %s -split-input-file --bitsink-gpu-lower-bitplane-matmul="gemv-max-rows=64" 2>&1 | FileCheck %s --check-prefix=ROWS

// TILE: bitsink-gpu-lower-bitplane-matmul: tile-k must be a positive multiple of 32, got 48
// THREADS: bitsink-gpu-lower-bitplane-matmul: tile-m × tile-n needs more than 1024 threads (one warp per 32 × 32 block), got 256 × 256
// The options are checked by the shared OptionChecker, whose set rule reads
// "must be one of ..." (it said "must be 1, 2 or 4").
// WIDTH: bitsink-gpu-lower-bitplane-matmul: gemv-columns-per-thread must be one of 1, 2, 4, got 3
// ROWS: bitsink-gpu-lower-bitplane-matmul: gemv-max-rows must be in [0, 32], got 64

// Blocked layouts are not lowered: the canonical layout already coalesces.
func.func @blocked(%x: memref<1x64xf32>, %planes: memref<2x1x2x4x16xi32>,
                   %coeffs: memref<1x3x32xf32>, %acc: memref<1x32xf32>) {
  // expected-error @+1 {{with a blocked #bitsink.layout is not supported by bitsink-gpu-lower-bitplane-matmul}}
  bitsink.bitplane_matmul ins(%x, %planes, %coeffs : memref<1x64xf32>,
      memref<2x1x2x4x16xi32>, memref<1x3x32xf32>) outs(%acc : memref<1x32xf32>)
      {plane_kind = #bitsink.plane_kind<binary>, group_size = 64,
       layout = #bitsink.layout<n_tile = 16, k_tile = 4>}
  return
}

// -----

// Device memrefs must have identity layouts (the kernels index them
// directly and rely on contiguous rows).
func.func @strided(%x: memref<1x64xf32>, %planes: memref<2x2x32xi32, strided<[128, 64, 1]>>,
                   %coeffs: memref<1x3x32xf32>, %acc: memref<1x32xf32>) {
  // expected-error @+1 {{expects memrefs with identity layouts on the GPU}}
  bitsink.bitplane_matmul ins(%x, %planes, %coeffs : memref<1x64xf32>,
      memref<2x2x32xi32, strided<[128, 64, 1]>>, memref<1x3x32xf32>)
      outs(%acc : memref<1x32xf32>)
      {plane_kind = #bitsink.plane_kind<binary>, group_size = 64}
  return
}

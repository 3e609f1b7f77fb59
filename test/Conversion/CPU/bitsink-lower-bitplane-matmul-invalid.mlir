// RUN: bitsink-opt %s -split-input-file -verify-diagnostics --bitsink-lower-bitplane-matmul
// RUN: not bitsink-opt %s --bitsink-lower-bitplane-matmul="column-tile=0" 2>&1 | FileCheck %s --check-prefix=COLUMN
// RUN: not bitsink-opt %s --bitsink-lower-bitplane-matmul="gemv-column-tile=-16" 2>&1 | FileCheck %s --check-prefix=GEMV-COLUMN
// RUN: not bitsink-opt %s --bitsink-lower-bitplane-matmul="gemv-min-tasks=0" 2>&1 | FileCheck %s --check-prefix=MIN-TASKS
// RUN: not bitsink-opt %s --bitsink-cpu-pipeline="gemv-min-tasks=-2" 2>&1 | FileCheck %s --check-prefix=MIN-TASKS-PIPE
// RUN: not bitsink-opt %s --bitsink-lower-bitplane-matmul="prefetch-distance=-1" 2>&1 | FileCheck %s --check-prefix=PREFETCH
// RUN: not bitsink-opt %s --bitsink-lower-bitplane-matmul="gemv-max-rows=-1" 2>&1 | FileCheck %s --check-prefix=ROWS
// What the CPU lowering rejects, with a diagnostic on the op.

// Options outside their range are errors on the root op (they used to be
// clamped silently: a column tile of 0 to 1, a negative prefetch distance to
// no prefetch), reported before any IR is created.
// COLUMN: error: bitsink-lower-bitplane-matmul: column-tile must be positive, got 0
// COLUMN-NOT: scf.parallel
// GEMV-COLUMN: error: bitsink-lower-bitplane-matmul: gemv-column-tile must be positive, got -16
// MIN-TASKS: error: bitsink-lower-bitplane-matmul: gemv-min-tasks must be positive, got 0
// MIN-TASKS-NOT: scf.parallel
// MIN-TASKS-PIPE: error: bitsink-lower-bitplane-matmul: gemv-min-tasks must be positive, got -2
// PREFETCH: error: bitsink-lower-bitplane-matmul: prefetch-distance must be >= 0, got -1
// ROWS: error: bitsink-lower-bitplane-matmul: gemv-max-rows must be >= 0, got -1

// Blocked planes (#bitsink.layout) are read by whole 16-column vectors: an
// n_tile that is not a multiple of 16 is refused.
func.func @blocked_layout(%x: tensor<4x64xf32>, %p: tensor<2x2x2x1x8xi32>,
                          %c: tensor<1x3x10xf32>, %acc: tensor<4x10xf32>) -> tensor<4x10xf32> {
  // expected-error @+1 {{'bitsink.bitplane_matmul' op with blocked planes needs an n_tile that is a multiple of 16 for bitsink-lower-bitplane-matmul, got 8}}
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<4x64xf32>, tensor<2x2x2x1x8xi32>, tensor<1x3x10xf32>)
         outs(%acc : tensor<4x10xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 128, layout = #bitsink.layout<n_tile = 8, k_tile = 1>} -> tensor<4x10xf32>
  return %y : tensor<4x10xf32>
}

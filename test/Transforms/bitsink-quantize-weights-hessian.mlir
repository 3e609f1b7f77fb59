// RUN: %python %S/../Inputs/write-hessian.py %t.mlir %t.rows.npz fc1.weight=rows fc2.weight=rows
// RUN: %python %S/../Inputs/write-hessian.py %t.mlir %t.hessian.npz fc1.weight.hessian=hessian fc2.weight.hessian=hessian-f32
// RUN: bitsink-opt %t.mlir --bitsink-quantize-weights="planes=3 calibration=%t.rows.npz" > %t.from-rows.mlir
// RUN: bitsink-opt %t.mlir --bitsink-quantize-weights="planes=3 calibration=%t.hessian.npz" > %t.from-hessian.mlir
// RUN: FileCheck %s --input-file=%t.from-hessian.mlir
// RUN: sed -e 's/\.hessian"/"/' %t.from-hessian.mlir > %t.from-hessian-renamed.mlir
// RUN: diff %t.from-rows.mlir %t.from-hessian-renamed.mlir
//
// The budget measures the same candidates from the Hessians, for both
// objectives: the same remark table and the same rewritten ops.
// RUN: bitsink-opt %t.mlir --bitsink-quantize-weights="budget=2.5 calibration=%t.rows.npz" > %t.budget-rows.mlir 2>&1
// RUN: bitsink-opt %t.mlir --bitsink-quantize-weights="budget=2.5 calibration=%t.hessian.npz" > %t.budget-hessian.mlir 2>&1
// RUN: sed -e 's/\.hessian"/"/' %t.budget-hessian.mlir > %t.budget-hessian-renamed.mlir
// RUN: diff %t.budget-rows.mlir %t.budget-hessian-renamed.mlir
// RUN: FileCheck %s --check-prefix=BUDGET --input-file=%t.budget-hessian.mlir
// RUN: bitsink-opt %t.mlir --bitsink-quantize-weights="budget=2.5 budget-objective=relative calibration=%t.rows.npz" > %t.relative-rows.mlir 2>&1
// RUN: bitsink-opt %t.mlir --bitsink-quantize-weights="budget=2.5 budget-objective=relative calibration=%t.hessian.npz" > %t.relative-hessian.mlir 2>&1
// RUN: sed -e 's/\.hessian"/"/' %t.relative-hessian.mlir > %t.relative-hessian-renamed.mlir
// RUN: diff %t.relative-rows.mlir %t.relative-hessian-renamed.mlir
//
// Malformed entries are errors at the op that reads the weight.
// RUN: %python %S/../Inputs/write-hessian.py %t.mlir %t.both.npz fc1.weight=rows fc1.weight.hessian=hessian fc2.weight.hessian=short
// RUN: not bitsink-opt %t.mlir --bitsink-quantize-weights="calibration=%t.both.npz" 2>&1 | FileCheck %s --check-prefix=BOTH -DFILE=%t.mlir
// RUN: not bitsink-opt %t.mlir --bitsink-quantize-weights="budget=3 calibration=%t.both.npz" 2>&1 | FileCheck %s --check-prefix=BOTH -DFILE=%t.mlir
// RUN: %python %S/../Inputs/write-hessian.py %t.mlir %t.asymmetric.npz fc1.weight.hessian=asymmetric
// RUN: not bitsink-opt %t.mlir --bitsink-quantize-weights="calibration=%t.asymmetric.npz" 2>&1 | FileCheck %s --check-prefix=ASYMMETRIC -DFILE=%t.mlir
// RUN: %python %S/../Inputs/write-hessian.py %t.mlir %t.negative.npz fc1.weight.hessian=negative
// RUN: not bitsink-opt %t.mlir --bitsink-quantize-weights="calibration=%t.negative.npz" 2>&1 | FileCheck %s --check-prefix=NEGATIVE -DFILE=%t.mlir
// RUN: %python %S/../Inputs/write-hessian.py %t.mlir %t.nan.npz fc1.weight.hessian=nan
// RUN: not bitsink-opt %t.mlir --bitsink-quantize-weights="calibration=%t.nan.npz" 2>&1 | FileCheck %s --check-prefix=NAN -DFILE=%t.mlir
// RUN: %python %S/../Inputs/write-hessian.py %t.mlir %t.int.npz fc1.weight.hessian=int
// RUN: not bitsink-opt %t.mlir --bitsink-quantize-weights="calibration=%t.int.npz" 2>&1 | FileCheck %s --check-prefix=INT -DFILE=%t.mlir
//
// A calibration archive may hold, for a weight, its activations X[..., K]
// under the weight's name or their Hessian H[K][K] (f32 or f64; XᵀX/T as
// bitsink.HessianAccumulator returns it) under `<name>.hessian`. The rows of
// write-hessian.py are small integers, so the Hessian it writes is the very
// XᵀX/T the quantizer forms from the rows (also in f32, fc2's): the packed
// planes and coefficients are bit-identical, and with T = 64 > K/2 so is
// the report; only its `calibration` key names the Hessian entry.

// CHECK: bitsink.bitplane_matmul ins({{.*}} : tensor<4x64xf32>, tensor<3x2x16xi32>, tensor<1x4x16xf16>)
// CHECK-SAME: calibration = "fc1.weight.hessian"
// CHECK: bitsink.bitplane_matmul ins({{.*}} : tensor<4x64xf32>, tensor<3x2x16xi32>, tensor<1x4x16xf16>)
// CHECK-SAME: calibration = "fc2.weight.hessian"

// BUDGET: remark: bitsink-quantize-weights: budget 2.5 bits per weight over 2 weights (exact; error = ||X(W - W^)||^2 / T per weight):
// BUDGET-NEXT: layer         weights planes  group   bits/w        error
// BUDGET-NEXT: fc1.weight       1024
// BUDGET-NEXT: fc2.weight       1024
// BUDGET: calibration = "fc1.weight.hessian"
// BUDGET: calibration = "fc2.weight.hessian"

// An archive with both entries for a weight names both keys; a Hessian
// that is not K x K is an error too (both reported in one run).
// BOTH-DAG: [[FILE]]:3:9: error: the calibration archive has both 'fc1.weight' (activations) and 'fc1.weight.hessian' (their Hessian) for the weight; keep one
// BOTH-DAG: [[FILE]]:5:9: error: calibration Hessian 'fc2.weight.hessian' must be K x K = 64 x 64 (the weight's input features), got shape [64, 63]

// ASYMMETRIC: [[FILE]]:3:9: error: calibration Hessian 'fc1.weight.hessian' is not symmetric: H[1][0] != H[0][1]
// NEGATIVE: [[FILE]]:3:9: error: calibration Hessian 'fc1.weight.hessian' has a negative diagonal entry at row 2
// NAN: [[FILE]]:3:9: error: calibration Hessian 'fc1.weight.hessian' has a non-finite value
// INT: [[FILE]]:3:9: error: calibration Hessian 'fc1.weight.hessian' must be f32 or f64, got int64

// RUN: %python %S/../Inputs/write-budget-module.py %t.mlir %t.npz %t.importance.npz
// RUN: bitsink-opt %t.mlir --bitsink-quantize-weights="budget=3 calibration=%t.npz" 2>&1 | FileCheck %s
// With budget-sub-blocks the per-channel configurations with scale codes
// are candidates too; the table gains a column of sub-block sizes and the
// op of a weight that takes codes reads them.
// RUN: bitsink-opt %t.mlir --bitsink-quantize-weights="budget=3 calibration=%t.npz budget-sub-blocks=16" 2>&1 | FileCheck %s --check-prefix=CODES
// RUN: bitsink-opt %t.mlir --bitsink-quantize-weights="budget=3 calibration=%t.npz layer-config=fixed=4:128" 2>&1 | FileCheck %s --check-prefix=FIXED
// RUN: not bitsink-opt %t.mlir --bitsink-quantize-weights="budget=1 calibration=%t.npz" 2>&1 | FileCheck %s --check-prefix=BELOW -DFILE=%t.mlir
// RUN: not bitsink-opt %t.mlir --bitsink-quantize-weights="budget=-1" 2>&1 | FileCheck %s --check-prefix=NEGATIVE -DFILE=%t.mlir
// RUN: not bitsink-opt %t.mlir --bitsink-quantize-weights="budget=33" 2>&1 | FileCheck %s --check-prefix=ABOVE -DFILE=%t.mlir
// RUN: bitsink-opt %t.mlir --bitsink-quantize-weights="budget=3 calibration=%t.npz importance=%t.importance.npz layer-config=fixed=4:128" 2>&1 | FileCheck %s --check-prefix=IMPORTANCE
// RUN: not bitsink-opt %t.mlir --bitsink-quantize-weights="budget=3 calibration=%t.npz importance=%t.importance.npz" 2>&1 | FileCheck %s --check-prefix=NO-IMPORTANCE -DFILE=%t.mlir
// RUN: not bitsink-opt %t.mlir --bitsink-quantize-weights="calibration=%t.npz importance=%t.importance.npz" 2>&1 | FileCheck %s --check-prefix=IMPORTANCE-NO-BUDGET -DFILE=%t.mlir
// RUN: not bitsink-opt %t.mlir --bitsink-quantize-weights="budget=3 importance=%t.npz" 2>&1 | FileCheck %s --check-prefix=IMPORTANCE-NOT-SCALAR -DFILE=%t.mlir
// RUN: bitsink-opt %t.mlir --bitsink-quantize-weights="budget=3 calibration=%t.npz budget-objective=absolute" 2>&1 | FileCheck %s
// RUN: bitsink-opt %t.mlir --bitsink-quantize-weights="budget=3 calibration=%t.npz budget-objective=relative" 2>&1 | FileCheck %s --check-prefix=RELATIVE
// RUN: bitsink-opt %t.mlir --bitsink-quantize-weights="budget=3 calibration=%t.npz importance=%t.importance.npz layer-config=fixed=4:128 budget-objective=relative" 2>&1 | FileCheck %s --check-prefix=RELATIVE-IMPORTANCE
// RUN: not bitsink-opt %t.mlir --bitsink-quantize-weights="budget=3 calibration=%t.npz budget-objective=squared" 2>&1 | FileCheck %s --check-prefix=BAD-OBJECTIVE -DFILE=%t.mlir
// RUN: not bitsink-opt %t.mlir --bitsink-quantize-weights="calibration=%t.npz budget-objective=relative" 2>&1 | FileCheck %s --check-prefix=OBJECTIVE-NO-BUDGET -DFILE=%t.mlir
//
// `budget=B`: every weight is quantized with each candidate (planes 1-4 x
// groups 64/128/256; K = 128 makes groups of 128 and 256 the same one group
// per channel, measured once) and the allocator picks one per weight with a
// weighted average of at most B stored bits per weight and the least summed
// ||X(W - W^)||^2 / T. The three 128 x 16 weights of write-budget-module.py
// share their calibration rows; "small" is "big" scaled by 0.1 (its
// absolute error is ~100x smaller), so it gets the fewest planes and "big"
// the most. Stored bits per weight: P + 16·(P + 1)·G / 128 with G = 2
// groups of 64 or 1 group.

// CHECK: remark: bitsink-quantize-weights: budget 3 bits per weight over 3 weights (exact; error = ||X(W - W^)||^2 / T per weight):
// CHECK-NEXT: layer    weights planes  group   bits/w        error
// CHECK-NEXT: small       2048      1     64   1.5000
// CHECK-NEXT: big         2048      3     64   4.0000
// CHECK-NEXT: fixed       2048      3    128   3.5000
// CHECK-NEXT: total 6144 weights: 3.000000 bits per weight (budget 3.0000)
// CHECK: bitsink.bitplane_matmul ins({{.*}}tensor<1x4x16xi32>, tensor<2x2x16xf16>)
// CHECK-SAME: bits_per_weight = 1.500000e+00 : f64, calibration = "small"
// CHECK-SAME: group_size = 64
// CHECK: bitsink.bitplane_matmul ins({{.*}}tensor<3x4x16xi32>, tensor<2x4x16xf16>)
// CHECK-SAME: bits_per_weight = 4.000000e+00 : f64, calibration = "big"
// CHECK: bitsink.bitplane_matmul ins({{.*}}tensor<3x4x16xi32>, tensor<1x4x16xf16>)
// CHECK-SAME: bits_per_weight = 3.500000e+00 : f64, calibration = "fixed"
// CHECK-SAME: group_size = 128

// A layer-config entry fixes its weights' configuration; their bits count
// toward the budget (4.625 here), so the others get fewer:
// (1.5 + 2.75 + 4.625) / 3 = 2.958 <= 3.
// FIXED: small       2048      1     64   1.5000
// FIXED-NEXT: big         2048      2     64   2.7500
// FIXED-NEXT: fixed       2048      4    128   4.6250 {{.*}} (layer-config)
// FIXED-NEXT: total 6144 weights: 2.958333 bits per weight (budget 3.0000)
// FIXED: tensor<1x4x16xi32>
// FIXED: tensor<2x4x16xi32>
// FIXED: tensor<4x4x16xi32>, tensor<1x5x16xf16>

// BELOW: [[FILE]]:0:0: error: bitsink-quantize-weights: budget=1: the budget of 1.0000 bits per weight is below the smallest average the candidates reach, 1.2500
// NEGATIVE: [[FILE]]:0:0: error: bitsink-quantize-weights: budget must be 0 (off) or in (0, 32] bits per weight, got -1
// ABOVE: [[FILE]]:0:0: error: bitsink-quantize-weights: budget must be 0 (off) or in (0, 32] bits per weight, got 33

// importance=FILE.npz multiplies each weight's errors by its scalar:
// "small" weighs 1000 (its error now ~10x the big one's), "big" 1, so the
// planes go the other way than in FIXED; the layer-config weight needs no
// importance. Every other weight the budget chooses for needs one.
// IMPORTANCE: (exact; error = importance x ||X(W - W^)||^2 / T per weight):
// IMPORTANCE: small       2048      2     64   2.7500
// IMPORTANCE-NEXT: big         2048      1     64   1.5000
// IMPORTANCE-NEXT: fixed       2048      4    128   4.6250 {{.*}} (layer-config)
// IMPORTANCE-NEXT: total 6144 weights: 2.958333 bits per weight (budget 3.0000)
// IMPORTANCE: tensor<2x4x16xi32>
// IMPORTANCE: tensor<1x4x16xi32>
// IMPORTANCE: tensor<4x4x16xi32>, tensor<1x5x16xf16>
// NO-IMPORTANCE: [[FILE]]:7:9: error: no importance for the weight in '{{.*}}.importance.npz' (looked up 'fixed')
// IMPORTANCE-NO-BUDGET: [[FILE]]:0:0: error: bitsink-quantize-weights: importance needs a budget (budget=B)
// IMPORTANCE-NOT-SCALAR: [[FILE]]:0:0: error: bitsink-quantize-weights: importance 'big' must be one non-negative finite number, got 8192 values

// budget-objective=relative sums ||X(W - W^)||^2 / ||XW||^2 instead, so a
// weight's scale no longer matters: "small" is "big" times 0.1 (with
// another phase), their relative errors are about equal, and they get the
// same planes (absolute, the default above: 1 and 3).
// RELATIVE: (exact; error = ||X(W - W^)||^2 / ||XW||^2 per weight):
// RELATIVE-NEXT: layer    weights planes  group   bits/w        error
// RELATIVE-NEXT: small       2048      2     64   2.7500    0.0198
// RELATIVE-NEXT: big         2048      2     64   2.7500    0.0199
// RELATIVE-NEXT: fixed       2048      3    128   3.5000
// RELATIVE-NEXT: total 6144 weights: 3.000000 bits per weight (budget 3.0000)
// RELATIVE: tensor<2x4x16xi32>, tensor<2x3x16xf16>
// RELATIVE-SAME: calibration = "small"
// RELATIVE: tensor<2x4x16xi32>, tensor<2x3x16xf16>
// RELATIVE-SAME: calibration = "big"

// The importance multiplies relative errors too.
// RELATIVE-IMPORTANCE: (exact; error = importance x ||X(W - W^)||^2 / ||XW||^2 per weight):
// RELATIVE-IMPORTANCE: small       2048      2     64   2.7500      19.8
// RELATIVE-IMPORTANCE-NEXT: big         2048      1     64   1.5000     0.1498
// RELATIVE-IMPORTANCE-NEXT: fixed       2048      4    128   4.6250 {{.*}} (layer-config)

// BAD-OBJECTIVE: [[FILE]]:0:0: error: bitsink-quantize-weights: budget-objective must be one of absolute, relative, got 'squared'
// OBJECTIVE-NO-BUDGET: [[FILE]]:0:0: error: bitsink-quantize-weights: budget-objective=relative needs a budget (budget=B)

// CODES: remark: bitsink-quantize-weights: budget 3 bits per weight over 3 weights (exact;
// CODES-NEXT: layer    weights planes  group   sub   bits/w        error
// CODES-NEXT: small       2048      1    128     0   1.2500
// CODES-NEXT: big         2048      3     64     0   4.0000
// CODES-NEXT: fixed       2048      3      0    16   3.7500
// CODES-NEXT: total 6144 weights: 3.000000 bits per weight (budget 3.0000)
// CODES: bitsink.bitplane_matmul {{.+}} scales({{.+}} : tensor<1x16xi32>) {{.+}}sub_block = 16 : i64

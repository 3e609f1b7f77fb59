// RUN: bitsink-opt %s -split-input-file -verify-diagnostics --bitsink-quantize-weights="method=rtn planes=2" | FileCheck %s
// RUN: bitsink-opt %s -split-input-file --bitsink-quantize-weights="method=rtn planes=2 coefficient-type=f32" 2>/dev/null | FileCheck %s --check-prefix=F32
// RUN: bitsink-opt %s -split-input-file --bitsink-quantize-weights="method=trit planes=2" 2>/dev/null | FileCheck %s --check-prefix=TRIT
// RUN: bitsink-opt %s -split-input-file --bitsink-quantize-weights="method=bpdq planes=3 group-size=0" 2>/dev/null | FileCheck %s --check-prefix=BPDQ
//
// Constant weights of matmul-like contractions become packed bit-planes.
// Every case below that is quantized uses the same 32x2 weight W (K = 32
// input features, N = 2 outputs), an exact 2-bit grid per column:
//   W[k][0] = -1 + 0.5 * (k mod 4)        offset -1, scale 0.5
//   W[k][1] =  2 * ((k / 8) mod 4)        offset  0, scale 2
// so rtn at 2 bits reproduces it exactly (rel_error = 0) with one group of
// 32 rows: W = c0 + c1 * b0 + c2 * b1, c = (offset, scale, 2 * scale), and
// the bits b_p = bit p of the code q = (W - offset) / scale, row k in bit k:
//   column 0: q = k mod 4        b0 = 0xAAAAAAAA, b1 = 0xCCCCCCCC
//   column 1: q = (k / 8) mod 4  b0 = 0xFF00FF00, b1 = 0xFFFF0000
// (as i32: -1431655766, -858993460, -16711936, -65536).

// y = acc + x * W with W stored K x N (plain linalg.matmul).
// CHECK-LABEL: func @matmul
// CHECK-SAME: (%[[X:.*]]: tensor<4x32xf32>, %[[ACC:.*]]: tensor<4x2xf32>)
// CHECK-NOT: tensor<32x2xf32>
// CHECK-DAG: %[[P:.*]] = arith.constant dense<{{\[\[\[}}-1431655766, -16711936]], {{\[\[}}-858993460, -65536]]]> : tensor<2x1x2xi32>
// CHECK-DAG: %[[C:.*]] = arith.constant dense<{{\[\[\[}}-1.000000e+00, 0.000000e+00], [5.000000e-01, 2.000000e+00], [1.000000e+00, 4.000000e+00]]]> : tensor<1x3x2xf16>
// CHECK: %[[Y:.*]] = bitsink.bitplane_matmul ins(%[[X]], %[[P]], %[[C]] : tensor<4x32xf32>, tensor<2x1x2xi32>, tensor<1x3x2xf16>)
// CHECK-SAME: outs(%[[ACC]] : tensor<4x2xf32>)
// CHECK-SAME: bitsink.quant_error = {{[{]}}bits_per_weight = 3.500000e+00 : f64, method = "rtn", rel_error = 0.000000e+00 : f64, weight_rel_error = 0.000000e+00 : f64}
// CHECK-SAME: group_size = 32 : i64, plane_kind = #bitsink.plane_kind<binary>
// CHECK-NOT: linalg.matmul
// CHECK: return %[[Y]]
// f32 coefficients: same values, f32 storage (4 + 32 * 3 / 32 bits per weight).
// F32-LABEL: func @matmul
// F32: arith.constant dense<{{\[\[\[}}-1.000000e+00, 0.000000e+00], [5.000000e-01, 2.000000e+00], [1.000000e+00, 4.000000e+00]]]> : tensor<1x3x2xf32>
// F32: bitsink.bitplane_matmul {{.*}} tensor<1x3x2xf32>)
// F32-SAME: bits_per_weight = 5.000000e+00
// One trit-plane: 2 stored bits (magnitude, sign), C = 2 coefficients.
// TRIT-LABEL: func @matmul
// TRIT: bitsink.bitplane_matmul {{.*}} tensor<2x1x2xi32>, tensor<1x2x2xf16>)
// TRIT-SAME: method = "trit"
// TRIT-SAME: plane_kind = #bitsink.plane_kind<ternary>
// bpdq, 3 planes, per channel (group-size <= 0: one group of K rows).
// BPDQ-LABEL: func @matmul
// BPDQ: bitsink.bitplane_matmul {{.*}} tensor<3x1x2xi32>, tensor<1x4x2xf16>)
// BPDQ-SAME: method = "bpdq"
// BPDQ-SAME: group_size = 32 : i64, plane_kind = #bitsink.plane_kind<binary>
func.func @matmul(%x: tensor<4x32xf32>, %acc: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<[[-1.0, 0.0], [-0.5, 0.0], [0.0, 0.0], [0.5, 0.0], [-1.0, 0.0], [-0.5, 0.0], [0.0, 0.0], [0.5, 0.0], [-1.0, 2.0], [-0.5, 2.0], [0.0, 2.0], [0.5, 2.0], [-1.0, 2.0], [-0.5, 2.0], [0.0, 2.0], [0.5, 2.0], [-1.0, 4.0], [-0.5, 4.0], [0.0, 4.0], [0.5, 4.0], [-1.0, 4.0], [-0.5, 4.0], [0.0, 4.0], [0.5, 4.0], [-1.0, 6.0], [-0.5, 6.0], [0.0, 6.0], [0.5, 6.0], [-1.0, 6.0], [-0.5, 6.0], [0.0, 6.0], [0.5, 6.0]]> : tensor<32x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<4x32xf32>, tensor<32x2xf32>) outs(%acc : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// torch's linear: y = acc + x * Wt^T with Wt stored N x K (matmul with
// indexing_maps). The weight is transposed before quantizing: same planes.
// CHECK-LABEL: func @linear
// CHECK-SAME: (%[[X:.*]]: tensor<4x32xf32>, %[[ACC:.*]]: tensor<4x2xf32>)
// CHECK-DAG: %[[P:.*]] = arith.constant dense<{{\[\[\[}}-1431655766, -16711936]], {{\[\[}}-858993460, -65536]]]> : tensor<2x1x2xi32>
// CHECK-DAG: %[[C:.*]] = arith.constant dense<{{\[\[\[}}-1.000000e+00, 0.000000e+00], [5.000000e-01, 2.000000e+00], [1.000000e+00, 4.000000e+00]]]> : tensor<1x3x2xf16>
// CHECK: bitsink.bitplane_matmul ins(%[[X]], %[[P]], %[[C]] : {{.*}}) outs(%[[ACC]] : tensor<4x2xf32>)
// CHECK-SAME: rel_error = 0.000000e+00
// CHECK-NOT: linalg.matmul
func.func @linear(%x: tensor<4x32xf32>, %acc: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<[[-1.0, -0.5, 0.0, 0.5, -1.0, -0.5, 0.0, 0.5, -1.0, -0.5, 0.0, 0.5, -1.0, -0.5, 0.0, 0.5, -1.0, -0.5, 0.0, 0.5, -1.0, -0.5, 0.0, 0.5, -1.0, -0.5, 0.0, 0.5, -1.0, -0.5, 0.0, 0.5], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 6.0, 6.0, 6.0, 6.0, 6.0, 6.0, 6.0, 6.0]]> : tensor<2x32xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w : tensor<4x32xf32>, tensor<2x32xf32>) outs(%acc : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// linalg.contract in the linear form, f16 input and weight, f32
// accumulator (the body widens with arith.extf).
// CHECK-LABEL: func @contract
// CHECK-SAME: (%[[X:.*]]: tensor<4x32xf16>, %[[ACC:.*]]: tensor<4x2xf32>)
// CHECK-DAG: %[[P:.*]] = arith.constant dense<{{\[\[\[}}-1431655766, -16711936]], {{\[\[}}-858993460, -65536]]]> : tensor<2x1x2xi32>
// CHECK-DAG: %[[C:.*]] = arith.constant dense<{{\[\[\[}}-1.000000e+00, 0.000000e+00], [5.000000e-01, 2.000000e+00], [1.000000e+00, 4.000000e+00]]]> : tensor<1x3x2xf16>
// CHECK: bitsink.bitplane_matmul ins(%[[X]], %[[P]], %[[C]] : tensor<4x32xf16>, tensor<2x1x2xi32>, tensor<1x3x2xf16>) outs(%[[ACC]] : tensor<4x2xf32>)
// CHECK-NOT: linalg.contract
func.func @contract(%x: tensor<4x32xf16>, %acc: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<[[-1.0, -0.5, 0.0, 0.5, -1.0, -0.5, 0.0, 0.5, -1.0, -0.5, 0.0, 0.5, -1.0, -0.5, 0.0, 0.5, -1.0, -0.5, 0.0, 0.5, -1.0, -0.5, 0.0, 0.5, -1.0, -0.5, 0.0, 0.5, -1.0, -0.5, 0.0, 0.5], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 6.0, 6.0, 6.0, 6.0, 6.0, 6.0, 6.0, 6.0]]> : tensor<2x32xf16>
  %y = linalg.contract indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w : tensor<4x32xf16>, tensor<2x32xf16>) outs(%acc : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// batch_matmul whose weight is broadcast over the batch: the batch and M
// dimensions are collapsed into the rows of one bitplane_matmul,
// y[b, m, :] = acc[b, m, :] + x[b, m, :] * W.
// CHECK-LABEL: func @batch_matmul_shared
// CHECK-SAME: (%[[X:.*]]: tensor<3x4x32xf32>, %[[ACC:.*]]: tensor<3x4x2xf32>)
// CHECK-DAG: %[[X2:.*]] = tensor.collapse_shape %[[X]] {{\[\[}}0, 1], [2]] : tensor<3x4x32xf32> into tensor<12x32xf32>
// CHECK-DAG: %[[ACC2:.*]] = tensor.collapse_shape %[[ACC]] {{\[\[}}0, 1], [2]] : tensor<3x4x2xf32> into tensor<12x2xf32>
// CHECK-DAG: %[[P:.*]] = arith.constant dense<{{\[\[\[}}-1431655766, -16711936]], {{\[\[}}-858993460, -65536]]]> : tensor<2x1x2xi32>
// CHECK-DAG: %[[C:.*]] = arith.constant dense<{{\[\[\[}}-1.000000e+00, 0.000000e+00], [5.000000e-01, 2.000000e+00], [1.000000e+00, 4.000000e+00]]]> : tensor<1x3x2xf16>
// CHECK: %[[Y:.*]] = bitsink.bitplane_matmul ins(%[[X2]], %[[P]], %[[C]] : {{.*}}) outs(%[[ACC2]] : tensor<12x2xf32>)
// CHECK: %[[E:.*]] = tensor.expand_shape %[[Y]] {{\[\[}}0, 1], [2]] output_shape [3, 4, 2] : tensor<12x2xf32> into tensor<3x4x2xf32>
// CHECK: return %[[E]]
func.func @batch_matmul_shared(%x: tensor<3x4x32xf32>, %acc: tensor<3x4x2xf32>) -> tensor<3x4x2xf32> {
  %w = arith.constant dense<[[-1.0, 0.0], [-0.5, 0.0], [0.0, 0.0], [0.5, 0.0], [-1.0, 0.0], [-0.5, 0.0], [0.0, 0.0], [0.5, 0.0], [-1.0, 2.0], [-0.5, 2.0], [0.0, 2.0], [0.5, 2.0], [-1.0, 2.0], [-0.5, 2.0], [0.0, 2.0], [0.5, 2.0], [-1.0, 4.0], [-0.5, 4.0], [0.0, 4.0], [0.5, 4.0], [-1.0, 4.0], [-0.5, 4.0], [0.0, 4.0], [0.5, 4.0], [-1.0, 6.0], [-0.5, 6.0], [0.0, 6.0], [0.5, 6.0], [-1.0, 6.0], [-0.5, 6.0], [0.0, 6.0], [0.5, 6.0]]> : tensor<32x2xf32>
  %y = linalg.batch_matmul indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, affine_map<(b, m, n, k) -> (k, n)>, affine_map<(b, m, n, k) -> (b, m, n)>]
         ins(%x, %w : tensor<3x4x32xf32>, tensor<32x2xf32>) outs(%acc : tensor<3x4x2xf32>) -> tensor<3x4x2xf32>
  return %y : tensor<3x4x2xf32>
}

// -----

// A dynamic batch: the expanded result takes its size from the init.
// CHECK-LABEL: func @batch_matmul_dynamic
// CHECK-SAME: (%[[X:.*]]: tensor<?x4x32xf32>, %[[ACC:.*]]: tensor<?x4x2xf32>)
// CHECK: %[[Y:.*]] = bitsink.bitplane_matmul {{.*}} outs(%{{.*}} : tensor<?x2xf32>)
// CHECK: %[[B:.*]] = tensor.dim %[[ACC]], %{{.*}} : tensor<?x4x2xf32>
// CHECK: tensor.expand_shape %[[Y]] {{\[\[}}0, 1], [2]] output_shape [%[[B]], 4, 2] : tensor<?x2xf32> into tensor<?x4x2xf32>
func.func @batch_matmul_dynamic(%x: tensor<?x4x32xf32>, %acc: tensor<?x4x2xf32>) -> tensor<?x4x2xf32> {
  %w = arith.constant dense<[[-1.0, 0.0], [-0.5, 0.0], [0.0, 0.0], [0.5, 0.0], [-1.0, 0.0], [-0.5, 0.0], [0.0, 0.0], [0.5, 0.0], [-1.0, 2.0], [-0.5, 2.0], [0.0, 2.0], [0.5, 2.0], [-1.0, 2.0], [-0.5, 2.0], [0.0, 2.0], [0.5, 2.0], [-1.0, 4.0], [-0.5, 4.0], [0.0, 4.0], [0.5, 4.0], [-1.0, 4.0], [-0.5, 4.0], [0.0, 4.0], [0.5, 4.0], [-1.0, 6.0], [-0.5, 6.0], [0.0, 6.0], [0.5, 6.0], [-1.0, 6.0], [-0.5, 6.0], [0.0, 6.0], [0.5, 6.0]]> : tensor<32x2xf32>
  %y = linalg.batch_matmul indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, affine_map<(b, m, n, k) -> (k, n)>, affine_map<(b, m, n, k) -> (b, m, n)>]
         ins(%x, %w : tensor<?x4x32xf32>, tensor<32x2xf32>) outs(%acc : tensor<?x4x2xf32>) -> tensor<?x4x2xf32>
  return %y : tensor<?x4x2xf32>
}

// -----

// A batched weight whose slices are all equal is one shared weight.
// CHECK-LABEL: func @batch_matmul_repeated
// CHECK-DAG: %[[P:.*]] = arith.constant dense<{{\[\[\[}}-1431655766, -16711936]], {{\[\[}}-858993460, -65536]]]> : tensor<2x1x2xi32>
// CHECK-DAG: %[[C:.*]] = arith.constant dense<{{\[\[\[}}-1.000000e+00, 0.000000e+00], [5.000000e-01, 2.000000e+00], [1.000000e+00, 4.000000e+00]]]> : tensor<1x3x2xf16>
// CHECK: bitsink.bitplane_matmul ins(%{{.*}}, %[[P]], %[[C]] : tensor<8x32xf32>, {{.*}}) outs(%{{.*}} : tensor<8x2xf32>)
// CHECK-NOT: linalg.batch_matmul
func.func @batch_matmul_repeated(%x: tensor<2x4x32xf32>, %acc: tensor<2x4x2xf32>) -> tensor<2x4x2xf32> {
  %w = arith.constant dense<[[[-1.0, 0.0], [-0.5, 0.0], [0.0, 0.0], [0.5, 0.0], [-1.0, 0.0], [-0.5, 0.0], [0.0, 0.0], [0.5, 0.0], [-1.0, 2.0], [-0.5, 2.0], [0.0, 2.0], [0.5, 2.0], [-1.0, 2.0], [-0.5, 2.0], [0.0, 2.0], [0.5, 2.0], [-1.0, 4.0], [-0.5, 4.0], [0.0, 4.0], [0.5, 4.0], [-1.0, 4.0], [-0.5, 4.0], [0.0, 4.0], [0.5, 4.0], [-1.0, 6.0], [-0.5, 6.0], [0.0, 6.0], [0.5, 6.0], [-1.0, 6.0], [-0.5, 6.0], [0.0, 6.0], [0.5, 6.0]], [[-1.0, 0.0], [-0.5, 0.0], [0.0, 0.0], [0.5, 0.0], [-1.0, 0.0], [-0.5, 0.0], [0.0, 0.0], [0.5, 0.0], [-1.0, 2.0], [-0.5, 2.0], [0.0, 2.0], [0.5, 2.0], [-1.0, 2.0], [-0.5, 2.0], [0.0, 2.0], [0.5, 2.0], [-1.0, 4.0], [-0.5, 4.0], [0.0, 4.0], [0.5, 4.0], [-1.0, 4.0], [-0.5, 4.0], [0.0, 4.0], [0.5, 4.0], [-1.0, 6.0], [-0.5, 6.0], [0.0, 6.0], [0.5, 6.0], [-1.0, 6.0], [-0.5, 6.0], [0.0, 6.0], [0.5, 6.0]]]> : tensor<2x32x2xf32>
  %y = linalg.batch_matmul ins(%x, %w : tensor<2x4x32xf32>, tensor<2x32x2xf32>) outs(%acc : tensor<2x4x2xf32>) -> tensor<2x4x2xf32>
  return %y : tensor<2x4x2xf32>
}

// -----

// The equivalent linalg.generic with a k-major input x^T (32 x 4): the
// input is transposed to M x K first.
// CHECK-LABEL: func @generic_k_major_input
// CHECK-SAME: (%[[XT:.*]]: tensor<32x4xf32>, %[[ACC:.*]]: tensor<4x2xf32>)
// CHECK: %[[E:.*]] = tensor.empty() : tensor<4x32xf32>
// CHECK: %[[X:.*]] = linalg.transpose ins(%[[XT]] : tensor<32x4xf32>) outs(%[[E]] : tensor<4x32xf32>) permutation = [1, 0]
// CHECK-DAG: %[[P:.*]] = arith.constant dense<{{\[\[\[}}-1431655766, -16711936]], {{\[\[}}-858993460, -65536]]]> : tensor<2x1x2xi32>
// CHECK-DAG: %[[C:.*]] = arith.constant dense<{{\[\[\[}}-1.000000e+00, 0.000000e+00], [5.000000e-01, 2.000000e+00], [1.000000e+00, 4.000000e+00]]]> : tensor<1x3x2xf16>
// CHECK: bitsink.bitplane_matmul ins(%[[X]], %[[P]], %[[C]] : {{.*}}) outs(%[[ACC]] : tensor<4x2xf32>)
// CHECK-NOT: linalg.generic
func.func @generic_k_major_input(%xt: tensor<32x4xf32>, %acc: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<[[-1.0, 0.0], [-0.5, 0.0], [0.0, 0.0], [0.5, 0.0], [-1.0, 0.0], [-0.5, 0.0], [0.0, 0.0], [0.5, 0.0], [-1.0, 2.0], [-0.5, 2.0], [0.0, 2.0], [0.5, 2.0], [-1.0, 2.0], [-0.5, 2.0], [0.0, 2.0], [0.5, 2.0], [-1.0, 4.0], [-0.5, 4.0], [0.0, 4.0], [0.5, 4.0], [-1.0, 4.0], [-0.5, 4.0], [0.0, 4.0], [0.5, 4.0], [-1.0, 6.0], [-0.5, 6.0], [0.0, 6.0], [0.5, 6.0], [-1.0, 6.0], [-0.5, 6.0], [0.0, 6.0], [0.5, 6.0]]> : tensor<32x2xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (k, m)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>],
                       iterator_types = ["parallel", "parallel", "reduction"]}
         ins(%xt, %w : tensor<32x4xf32>, tensor<32x2xf32>) outs(%acc : tensor<4x2xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// A generic that stores its result transposed (y^T = W^T x^T, N x M): the
// init is transposed to M x N, and the result back.
// CHECK-LABEL: func @generic_transposed_result
// CHECK-SAME: (%[[X:.*]]: tensor<4x32xf32>, %[[ACCT:.*]]: tensor<2x4xf32>)
// CHECK: %[[ACC:.*]] = linalg.transpose ins(%[[ACCT]] : tensor<2x4xf32>) outs(%{{.*}} : tensor<4x2xf32>) permutation = [1, 0]
// CHECK: %[[Y:.*]] = bitsink.bitplane_matmul ins(%[[X]], {{.*}}) outs(%[[ACC]] : tensor<4x2xf32>)
// CHECK: %[[YT:.*]] = linalg.transpose ins(%[[Y]] : tensor<4x2xf32>) outs(%{{.*}} : tensor<2x4xf32>) permutation = [1, 0]
// CHECK: return %[[YT]]
func.func @generic_transposed_result(%x: tensor<4x32xf32>, %acct: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %w = arith.constant dense<[[-1.0, 0.0], [-0.5, 0.0], [0.0, 0.0], [0.5, 0.0], [-1.0, 0.0], [-0.5, 0.0], [0.0, 0.0], [0.5, 0.0], [-1.0, 2.0], [-0.5, 2.0], [0.0, 2.0], [0.5, 2.0], [-1.0, 2.0], [-0.5, 2.0], [0.0, 2.0], [0.5, 2.0], [-1.0, 4.0], [-0.5, 4.0], [0.0, 4.0], [0.5, 4.0], [-1.0, 4.0], [-0.5, 4.0], [0.0, 4.0], [0.5, 4.0], [-1.0, 6.0], [-0.5, 6.0], [0.0, 6.0], [0.5, 6.0], [-1.0, 6.0], [-0.5, 6.0], [0.0, 6.0], [0.5, 6.0]]> : tensor<32x2xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (n, m)>],
                       iterator_types = ["parallel", "parallel", "reduction"]}
         ins(%x, %w : tensor<4x32xf32>, tensor<32x2xf32>) outs(%acct : tensor<2x4xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// A dense_resource f32 weight (K x N) reads the blob.
// CHECK-LABEL: func @resource_f32
// CHECK-DAG: %[[P:.*]] = arith.constant dense<{{\[\[\[}}-1431655766, -16711936]], {{\[\[}}-858993460, -65536]]]> : tensor<2x1x2xi32>
// CHECK-DAG: %[[C:.*]] = arith.constant dense<{{\[\[\[}}-1.000000e+00, 0.000000e+00], [5.000000e-01, 2.000000e+00], [1.000000e+00, 4.000000e+00]]]> : tensor<1x3x2xf16>
// CHECK: bitsink.bitplane_matmul ins(%{{.*}}, %[[P]], %[[C]] : {{.*}})
// CHECK-SAME: rel_error = 0.000000e+00
// CHECK-NOT: dense_resource<fc_weight>
func.func @resource_f32(%x: tensor<4x32xf32>, %acc: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense_resource<fc_weight> : tensor<32x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<4x32xf32>, tensor<32x2xf32>) outs(%acc : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

{-#
  dialect_resources: {
    builtin: {
      fc_weight: "0x04000000000080BF00000000000000BF0000000000000000000000000000003F00000000000080BF00000000000000BF0000000000000000000000000000003F00000000000080BF00000040000000BF0000004000000000000000400000003F00000040000080BF00000040000000BF0000004000000000000000400000003F00000040000080BF00008040000000BF0000804000000000000080400000003F00008040000080BF00008040000000BF0000804000000000000080400000003F00008040000080BF0000C040000000BF0000C040000000000000C0400000003F0000C040000080BF0000C040000000BF0000C040000000000000C0400000003F0000C040"
    }
  }
#-}

// -----

// A dense_resource bf16 weight in torch's linear form (N x K), bf16 input.
// CHECK-LABEL: func @resource_bf16_linear
// CHECK-DAG: %[[P:.*]] = arith.constant dense<{{\[\[\[}}-1431655766, -16711936]], {{\[\[}}-858993460, -65536]]]> : tensor<2x1x2xi32>
// CHECK-DAG: %[[C:.*]] = arith.constant dense<{{\[\[\[}}-1.000000e+00, 0.000000e+00], [5.000000e-01, 2.000000e+00], [1.000000e+00, 4.000000e+00]]]> : tensor<1x3x2xf16>
// CHECK: bitsink.bitplane_matmul ins(%{{.*}}, %[[P]], %[[C]] : tensor<4x32xbf16>, {{.*}}) outs(%{{.*}} : tensor<4x2xf32>)
func.func @resource_bf16_linear(%x: tensor<4x32xbf16>, %acc: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense_resource<linear_weight> : tensor<2x32xbf16>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w : tensor<4x32xbf16>, tensor<2x32xbf16>) outs(%acc : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

{-#
  dialect_resources: {
    builtin: {
      linear_weight: "0x0200000080BF00BF0000003F80BF00BF0000003F80BF00BF0000003F80BF00BF0000003F80BF00BF0000003F80BF00BF0000003F80BF00BF0000003F80BF00BF0000003F000000000000000000000000000000000040004000400040004000400040004080408040804080408040804080408040C040C040C040C040C040C040C040C040"
    }
  }
#-}

// -----

// One constant used by two matmuls is quantized once (both get the same
// packed constants); the dead original is erased.
// CHECK-LABEL: func @shared_constant
// CHECK-NOT: tensor<32x2xf32>
// CHECK: arith.constant dense<{{\[\[\[}}-1431655766
// CHECK: bitsink.bitplane_matmul
// CHECK: arith.constant dense<{{\[\[\[}}-1431655766
// CHECK: bitsink.bitplane_matmul
// CHECK-NOT: linalg.matmul
func.func @shared_constant(%x: tensor<4x32xf32>, %x2: tensor<4x32xf32>, %acc: tensor<4x2xf32>) -> (tensor<4x2xf32>, tensor<4x2xf32>) {
  %w = arith.constant dense<[[-1.0, 0.0], [-0.5, 0.0], [0.0, 0.0], [0.5, 0.0], [-1.0, 0.0], [-0.5, 0.0], [0.0, 0.0], [0.5, 0.0], [-1.0, 2.0], [-0.5, 2.0], [0.0, 2.0], [0.5, 2.0], [-1.0, 2.0], [-0.5, 2.0], [0.0, 2.0], [0.5, 2.0], [-1.0, 4.0], [-0.5, 4.0], [0.0, 4.0], [0.5, 4.0], [-1.0, 4.0], [-0.5, 4.0], [0.0, 4.0], [0.5, 4.0], [-1.0, 6.0], [-0.5, 6.0], [0.0, 6.0], [0.5, 6.0], [-1.0, 6.0], [-0.5, 6.0], [0.0, 6.0], [0.5, 6.0]]> : tensor<32x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<4x32xf32>, tensor<32x2xf32>) outs(%acc : tensor<4x2xf32>) -> tensor<4x2xf32>
  %z = linalg.matmul ins(%x2, %w : tensor<4x32xf32>, tensor<32x2xf32>) outs(%acc : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y, %z : tensor<4x2xf32>, tensor<4x2xf32>
}

// -----

// An immutable ml_program.global read by global_load_const is a constant
// too; the private global is erased once nothing reads it.
// CHECK-NOT: ml_program.global
// CHECK-LABEL: func @ml_program_global
// CHECK-DAG: %[[P:.*]] = arith.constant dense<{{\[\[\[}}-1431655766, -16711936]], {{\[\[}}-858993460, -65536]]]> : tensor<2x1x2xi32>
// CHECK-DAG: %[[C:.*]] = arith.constant dense<{{\[\[\[}}-1.000000e+00, 0.000000e+00], [5.000000e-01, 2.000000e+00], [1.000000e+00, 4.000000e+00]]]> : tensor<1x3x2xf16>
// CHECK: bitsink.bitplane_matmul ins(%{{.*}}, %[[P]], %[[C]] : {{.*}})
// CHECK-NOT: ml_program
ml_program.global private @fc1.weight(dense<[[-1.0, 0.0], [-0.5, 0.0], [0.0, 0.0], [0.5, 0.0], [-1.0, 0.0], [-0.5, 0.0], [0.0, 0.0], [0.5, 0.0], [-1.0, 2.0], [-0.5, 2.0], [0.0, 2.0], [0.5, 2.0], [-1.0, 2.0], [-0.5, 2.0], [0.0, 2.0], [0.5, 2.0], [-1.0, 4.0], [-0.5, 4.0], [0.0, 4.0], [0.5, 4.0], [-1.0, 4.0], [-0.5, 4.0], [0.0, 4.0], [0.5, 4.0], [-1.0, 6.0], [-0.5, 6.0], [0.0, 6.0], [0.5, 6.0], [-1.0, 6.0], [-0.5, 6.0], [0.0, 6.0], [0.5, 6.0]]> : tensor<32x2xf32>) : tensor<32x2xf32>
func.func @ml_program_global(%x: tensor<4x32xf32>, %acc: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %w = ml_program.global_load_const @fc1.weight : tensor<32x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<4x32xf32>, tensor<32x2xf32>) outs(%acc : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// K = 40 is not a multiple of 32: KW = 2 words per column, and the default
// group size 128 >= K means one group of K rows (group_size = K).
// CHECK-LABEL: func @odd_k
// CHECK: bitsink.bitplane_matmul ins(%{{.*}} : tensor<3x40xf16>, tensor<2x2x8xi32>, tensor<1x3x8xf16>) outs(%{{.*}} : tensor<3x8xf16>)
// CHECK-SAME: group_size = 40 : i64
func.func @odd_k(%x: tensor<3x40xf16>, %acc: tensor<3x8xf16>) -> tensor<3x8xf16> {
  %wc = arith.constant dense<1.5> : tensor<40x8xf16>
  %y = linalg.matmul ins(%x, %wc : tensor<3x40xf16>, tensor<40x8xf16>) outs(%acc : tensor<3x8xf16>) -> tensor<3x8xf16>
  return %y : tensor<3x8xf16>
}

// -----

// Large packed constants are dense_resource blobs (a splat weight: every
// code is 0 and the offset is the value).
// CHECK-LABEL: func @large_weight
// CHECK-DAG: %[[P:.*]] = arith.constant dense_resource<bitsink_planes{{.*}}> : tensor<2x32x64xi32>
// CHECK-DAG: %[[C:.*]] = arith.constant dense_resource<bitsink_coeffs{{.*}}> : tensor<8x3x64xf16>
// CHECK: bitsink.bitplane_matmul ins(%{{.*}}, %[[P]], %[[C]] : tensor<2x1024xf32>, tensor<2x32x64xi32>, tensor<8x3x64xf16>)
// CHECK-SAME: group_size = 128
// CHECK: dialect_resources
// CHECK: bitsink_planes
func.func @large_weight(%x: tensor<2x1024xf32>, %acc: tensor<2x64xf32>) -> tensor<2x64xf32> {
  %w = arith.constant dense<0.25> : tensor<1024x64xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x1024xf32>, tensor<1024x64xf32>) outs(%acc : tensor<2x64xf32>) -> tensor<2x64xf32>
  return %y : tensor<2x64xf32>
}

// -----

// Left alone: the weight is not a constant.
// CHECK-LABEL: func @non_constant_weight
// CHECK: linalg.matmul
// CHECK-NOT: bitsink.bitplane_matmul
func.func @non_constant_weight(%x: tensor<4x32xf32>, %w: tensor<32x2xf32>, %acc: tensor<4x2xf32>) -> tensor<4x2xf32> {
  // expected-remark @+1 {{not quantized: its weight (operand #1) is not a constant (a dense or dense_resource arith.constant or immutable ml_program.global)}}
  %y = linalg.matmul ins(%x, %w : tensor<4x32xf32>, tensor<32x2xf32>) outs(%acc : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// Left alone: a mutable global may change between calls.
// CHECK-LABEL: func @mutable_global
// CHECK: linalg.matmul
ml_program.global private mutable @state(dense<0.5> : tensor<32x2xf32>) : tensor<32x2xf32>
func.func @mutable_global(%x: tensor<4x32xf32>, %acc: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %w = ml_program.global_load @state : tensor<32x2xf32>
  // expected-remark @+1 {{not quantized: its weight (operand #1) is not a constant (a dense or dense_resource arith.constant or immutable ml_program.global)}}
  %y = linalg.matmul ins(%x, %w : tensor<4x32xf32>, tensor<32x2xf32>) outs(%acc : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// Left alone: the constant is the left operand (y = W * x).
// CHECK-LABEL: func @constant_on_the_left
// CHECK: linalg.matmul
func.func @constant_on_the_left(%x: tensor<32x4xf32>, %acc: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %w = arith.constant dense<0.5> : tensor<2x32xf32>
  // expected-remark @+1 {{not quantized: its constant is the first input (y = W * x); bitplane_matmul takes the weight as the second}}
  %y = linalg.matmul ins(%w, %x : tensor<2x32xf32>, tensor<32x4xf32>) outs(%acc : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// Left alone: a dense_resource weight whose data is not in the file.
// CHECK-LABEL: func @elided_resource
// CHECK: linalg.matmul
func.func @elided_resource(%x: tensor<4x32xf32>, %acc: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense_resource<__elided__> : tensor<32x2xf32>
  // expected-remark @+1 {{not quantized: its dense_resource weight holds 0 bytes, expected 256 (the blob is missing or elided)}}
  %y = linalg.matmul ins(%x, %w : tensor<4x32xf32>, tensor<32x2xf32>) outs(%acc : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// Left alone: an integer weight (already quantized some other way).
// CHECK-LABEL: func @integer_weight
// CHECK: linalg.matmul
// CHECK-NOT: bitsink.bitplane_matmul
func.func @integer_weight(%x: tensor<4x32xf32>, %acc: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<3> : tensor<32x2xi8>
  // expected-remark @+1 {{not quantized: its weight has element type i8; only f32, f16 and bf16 weights are quantized}}
  %y = linalg.matmul ins(%x, %w : tensor<4x32xf32>, tensor<32x2xi8>) outs(%acc : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// Left alone: an integer contraction written as a generic.
// CHECK-LABEL: func @integer_generic
// CHECK: linalg.generic
func.func @integer_generic(%x: tensor<4x32xi32>, %acc: tensor<4x2xi32>) -> tensor<4x2xi32> {
  %w = arith.constant dense<3> : tensor<32x2xi32>
  // expected-remark @+1 {{not quantized: its weight has element type i32; only f32, f16 and bf16 weights are quantized}}
  %y = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>],
                       iterator_types = ["parallel", "parallel", "reduction"]}
         ins(%x, %w : tensor<4x32xi32>, tensor<32x2xi32>) outs(%acc : tensor<4x2xi32>) {
  ^bb0(%a: i32, %b: i32, %c: i32):
    %p = arith.muli %a, %b : i32
    %s = arith.addi %c, %p : i32
    linalg.yield %s : i32
  } -> tensor<4x2xi32>
  return %y : tensor<4x2xi32>
}

// -----

// Left alone: a batched weight that differs between batch entries.
// CHECK-LABEL: func @batch_matmul_varying
// CHECK: linalg.batch_matmul
func.func @batch_matmul_varying(%x: tensor<2x4x32xf32>, %acc: tensor<2x4x2xf32>) -> tensor<2x4x2xf32> {
  %w = arith.constant dense<[[[-1.0, 0.0], [-0.5, 0.0], [0.0, 0.0], [0.5, 0.0], [-1.0, 0.0], [-0.5, 0.0], [0.0, 0.0], [0.5, 0.0], [-1.0, 2.0], [-0.5, 2.0], [0.0, 2.0], [0.5, 2.0], [-1.0, 2.0], [-0.5, 2.0], [0.0, 2.0], [0.5, 2.0], [-1.0, 4.0], [-0.5, 4.0], [0.0, 4.0], [0.5, 4.0], [-1.0, 4.0], [-0.5, 4.0], [0.0, 4.0], [0.5, 4.0], [-1.0, 6.0], [-0.5, 6.0], [0.0, 6.0], [0.5, 6.0], [-1.0, 6.0], [-0.5, 6.0], [0.0, 6.0], [0.5, 6.0]], [[-1.0, 0.0], [-0.5, 0.0], [0.0, 0.0], [0.5, 0.0], [-1.0, 0.0], [-0.5, 0.0], [0.0, 0.0], [0.5, 0.0], [-1.0, 3.0], [-0.5, 3.0], [0.0, 3.0], [0.5, 3.0], [-1.0, 3.0], [-0.5, 3.0], [0.0, 3.0], [0.5, 3.0], [-1.0, 4.0], [-0.5, 4.0], [0.0, 4.0], [0.5, 4.0], [-1.0, 4.0], [-0.5, 4.0], [0.0, 4.0], [0.5, 4.0], [-1.0, 6.0], [-0.5, 6.0], [0.0, 6.0], [0.5, 6.0], [-1.0, 6.0], [-0.5, 6.0], [0.0, 6.0], [0.5, 6.0]]]> : tensor<2x32x2xf32>
  // expected-remark @+1 {{not quantized: its weight differs across the batch dimension (bitplane_matmul has one weight for all rows)}}
  %y = linalg.batch_matmul ins(%x, %w : tensor<2x4x32xf32>, tensor<2x32x2xf32>) outs(%acc : tensor<2x4x2xf32>) -> tensor<2x4x2xf32>
  return %y : tensor<2x4x2xf32>
}

// -----

// Left alone: a body that is not a multiply-accumulate (x * -w).
// CHECK-LABEL: func @negated_weight_generic
// CHECK: linalg.generic
func.func @negated_weight_generic(%x: tensor<4x32xf32>, %acc: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<0.5> : tensor<32x2xf32>
  // expected-remark @+1 {{not quantized: its body is not a float multiply-accumulate}}
  %y = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>],
                       iterator_types = ["parallel", "parallel", "reduction"]}
         ins(%x, %w : tensor<4x32xf32>, tensor<32x2xf32>) outs(%acc : tensor<4x2xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %nb = arith.negf %b : f32
    %p = arith.mulf %a, %nb : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// Left alone: f16 accumulation of an f32 input is not a bitplane_matmul type.
// CHECK-LABEL: func @narrow_accumulator
// CHECK: linalg.matmul
func.func @narrow_accumulator(%x: tensor<4x32xf32>, %acc: tensor<4x2xf16>) -> tensor<4x2xf16> {
  %w = arith.constant dense<0.5> : tensor<32x2xf32>
  // expected-remark @+1 {{not quantized: its init has element type f16; bitplane_matmul accumulates into the input type (f32) or f32}}
  %y = linalg.matmul ins(%x, %w : tensor<4x32xf32>, tensor<32x2xf32>) outs(%acc : tensor<4x2xf16>) -> tensor<4x2xf16>
  return %y : tensor<4x2xf16>
}

// -----

// Left alone: a matrix-vector product has no N dimension.
// CHECK-LABEL: func @matvec_generic
// CHECK: linalg.generic
func.func @matvec_generic(%x: tensor<4x32xf32>, %acc: tensor<4xf32>) -> tensor<4xf32> {
  %w = arith.constant dense<0.5> : tensor<32xf32>
  // expected-remark @+1 {{not quantized: its indexing maps are not a matmul with one N and one K dimension}}
  %y = linalg.generic {indexing_maps = [affine_map<(m, k) -> (m, k)>, affine_map<(m, k) -> (k)>, affine_map<(m, k) -> (m)>],
                       iterator_types = ["parallel", "reduction"]}
         ins(%x, %w : tensor<4x32xf32>, tensor<32xf32>) outs(%acc : tensor<4xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// Left alone: on memrefs (after bufferization).
// CHECK-LABEL: func @memref_matmul
// CHECK: linalg.matmul
func.func @memref_matmul(%x: memref<4x32xf32>, %w: memref<32x2xf32>, %acc: memref<4x2xf32>) {
  // expected-remark @+1 {{not quantized: it works on memrefs (the pass runs before bufferization)}}
  linalg.matmul ins(%x, %w : memref<4x32xf32>, memref<32x2xf32>) outs(%acc : memref<4x2xf32>)
  return
}

// -----

// Not a contraction at all: skipped without a remark.
// CHECK-LABEL: func @elementwise_generic
// CHECK: linalg.generic
func.func @elementwise_generic(%x: tensor<4x2xf32>, %acc: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<0.5> : tensor<4x2xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(m, n) -> (m, n)>, affine_map<(m, n) -> (m, n)>, affine_map<(m, n) -> (m, n)>],
                       iterator_types = ["parallel", "parallel"]}
         ins(%x, %w : tensor<4x2xf32>, tensor<4x2xf32>) outs(%acc : tensor<4x2xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// bitsink-quantize-weights{rotation=B}: the weight is quantized as RᵀW and
// the input goes through x·R first, R = diag(signs)·blockdiag(H_b, …)
// (docs/quantizer.md, "Rotation"). Numbers: python-bindings/tests/
// test_rotation.py (compiled against numpy).
// RUN: bitsink-opt %s --bitsink-quantize-weights="planes=2 group-size=32 rotation=64 rotation-seed=7" --cse | FileCheck %s
// Without the option nothing is rotated.
// RUN: bitsink-opt %s --bitsink-quantize-weights="planes=2 group-size=32" | FileCheck %s --check-prefix=PLAIN
// Another seed gives other signs, the same form.
// RUN: bitsink-opt %s --bitsink-quantize-weights="planes=2 group-size=32 rotation=64 rotation-seed=8" --cse -o %t.seed8.mlir
// RUN: bitsink-opt %s --bitsink-quantize-weights="planes=2 group-size=32 rotation=64 rotation-seed=7" --cse -o %t.seed7.mlir
// RUN: not diff -q %t.seed7.mlir %t.seed8.mlir
// With a budget the candidates are measured rotated too: every op the
// allocation picks carries the rotation.
// RUN: bitsink-opt %s --bitsink-quantize-weights="budget=3 rotation=64" --cse 2>&1 | FileCheck %s --check-prefix=BUDGET
// An odd K is not rotated.
// RUN: bitsink-opt %s --bitsink-quantize-weights="planes=2 group-size=0 rotation=64" | FileCheck %s --check-prefix=ODD

// CHECK-DAG: #[[X:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG: #[[R:.+]] = affine_map<(d0, d1, d2, d3) -> (d1, d3, d2)>
// CHECK-DAG: #[[Y:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>

// K = 96 = 3 · 32: blocks of 32 (the largest power of two <= 64 dividing
// K); the two weights of the shared input share one rotation after CSE.
// CHECK-LABEL: func.func @shared_input
// CHECK-SAME: (%[[IN:.+]]: tensor<4x96xf32>)
// CHECK: %[[BLOCKED:.+]] = tensor.expand_shape %[[IN]] {{\[\[}}0], [1, 2]] output_shape [4, 3, 32] : tensor<4x96xf32> into tensor<4x3x32xf32>
// CHECK: %[[RC:.+]] = arith.constant dense_resource<bitsink_rotation> : tensor<3x32x32xf32>
// CHECK: %[[ZERO:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%{{.+}} : tensor<4x3x32xf32>)
// CHECK: %[[ROT:.+]] = linalg.generic {indexing_maps = [#[[X]], #[[R]], #[[Y]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[BLOCKED]], %[[RC]] : tensor<4x3x32xf32>, tensor<3x32x32xf32>) outs(%[[ZERO]] : tensor<4x3x32xf32>)
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: %[[ROWS:.+]] = tensor.collapse_shape %[[ROT]] {{\[\[}}0], [1, 2]] : tensor<4x3x32xf32> into tensor<4x96xf32>
// CHECK: bitsink.bitplane_matmul ins(%[[ROWS]], {{.*}} {bitsink.quant_error = {{{.*}}rotation_block = 32 : i64{{.*}}}
// CHECK-NOT: linalg.generic
// CHECK: bitsink.bitplane_matmul ins(%[[ROWS]], {{.*}} {bitsink.quant_error = {{{.*}}rotation_block = 32 : i64{{.*}}}
// BUDGET: remark: bitsink-quantize-weights: budget 3 bits per weight over 4 weights
// BUDGET-LABEL: func.func @shared_input
// BUDGET-COUNT-2: rotation_block = 32 : i64
// BUDGET-LABEL: func.func @f16_batch
// BUDGET: rotation_block = 64 : i64
// BUDGET-LABEL: func.func @odd_k
// BUDGET-NOT: rotation_block
// PLAIN-LABEL: func.func @shared_input
// PLAIN-NOT: linalg.generic
// PLAIN-NOT: rotation_block
func.func @shared_input(%x: tensor<4x96xf32>) -> (tensor<4x8xf32>, tensor<4x6xf32>) {
  %w0 = arith.constant dense<0.5> : tensor<96x8xf32>
  %w1 = arith.constant dense<-1.5> : tensor<96x6xf32>
  %e0 = tensor.empty() : tensor<4x8xf32>
  %e1 = tensor.empty() : tensor<4x6xf32>
  %c = arith.constant 0.0 : f32
  %a0 = linalg.fill ins(%c : f32) outs(%e0 : tensor<4x8xf32>) -> tensor<4x8xf32>
  %a1 = linalg.fill ins(%c : f32) outs(%e1 : tensor<4x6xf32>) -> tensor<4x6xf32>
  %y0 = linalg.matmul ins(%x, %w0 : tensor<4x96xf32>, tensor<96x8xf32>) outs(%a0 : tensor<4x8xf32>) -> tensor<4x8xf32>
  %y1 = linalg.matmul ins(%x, %w1 : tensor<4x96xf32>, tensor<96x6xf32>) outs(%a1 : tensor<4x6xf32>) -> tensor<4x6xf32>
  return %y0, %y1 : tensor<4x8xf32>, tensor<4x6xf32>
}

// A batch of rows with f16 activations (B x S x K collapsed to rows): the
// rotation constant is f16 and K = 64 is one block.
// CHECK-LABEL: func.func @f16_batch
// CHECK: tensor.collapse_shape %{{.+}} {{\[\[}}0, 1], [2]] : tensor<2x3x64xf16> into tensor<6x64xf16>
// CHECK: tensor.expand_shape %{{.+}} {{\[\[}}0], [1, 2]] output_shape [6, 1, 64] : tensor<6x64xf16> into tensor<6x1x64xf16>
// CHECK: arith.constant dense<{{.+}}> : tensor<1x64x64xf16>
// CHECK: linalg.generic
// CHECK-SAME: ins({{.*}} : tensor<6x1x64xf16>, tensor<1x64x64xf16>)
// CHECK: bitsink.bitplane_matmul {{.*}}rotation_block = 64 : i64
func.func @f16_batch(%x: tensor<2x3x64xf16>) -> tensor<2x3x5xf16> {
  %w = arith.constant dense<0.25> : tensor<64x5xf16>
  %e = tensor.empty() : tensor<2x3x5xf16>
  %c = arith.constant 0.0 : f16
  %a = linalg.fill ins(%c : f16) outs(%e : tensor<2x3x5xf16>) -> tensor<2x3x5xf16>
  %y = linalg.batch_matmul indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, affine_map<(b, m, n, k) -> (k, n)>, affine_map<(b, m, n, k) -> (b, m, n)>]
         ins(%x, %w : tensor<2x3x64xf16>, tensor<64x5xf16>) outs(%a : tensor<2x3x5xf16>) -> tensor<2x3x5xf16>
  return %y : tensor<2x3x5xf16>
}

// ODD-LABEL: func.func @odd_k
// ODD-NOT: linalg.generic
// ODD: bitsink.bitplane_matmul
// ODD-NOT: rotation_block
func.func @odd_k(%x: tensor<4x33xf32>) -> tensor<4x3xf32> {
  %w = arith.constant dense<0.5> : tensor<33x3xf32>
  %e = tensor.empty() : tensor<4x3xf32>
  %c = arith.constant 0.0 : f32
  %a = linalg.fill ins(%c : f32) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %y = linalg.matmul ins(%x, %w : tensor<4x33xf32>, tensor<33x3xf32>) outs(%a : tensor<4x3xf32>) -> tensor<4x3xf32>
  return %y : tensor<4x3xf32>
}

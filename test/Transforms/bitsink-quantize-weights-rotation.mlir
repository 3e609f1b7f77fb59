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

// CHECK-DAG: #[[ID:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[COL:.+]] = affine_map<(d0, d1) -> (d1)>

// K = 96 = 3 · 32: blocks of 32 (the largest power of two <= 64 dividing
// K); the two weights of the shared input share one rotation after CSE.
// x·R = (x·diag(s)) then every block of 32 times H_32: the signs along K
// (an element-wise product), the rows viewed as 12 × 32, one matmul with
// the 32 × 32 Hadamard matrix, and back.
// CHECK-LABEL: func.func @shared_input
// CHECK-SAME: (%[[IN:.+]]: tensor<4x96xf32>)
// CHECK: %[[SIGNS:.+]] = arith.constant dense<{{.+}}> : tensor<96xf32>
// CHECK: %[[SIGNED:.+]] = linalg.generic {indexing_maps = [#[[ID]], #[[COL]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[IN]], %[[SIGNS]] : tensor<4x96xf32>, tensor<96xf32>)
// CHECK: arith.mulf
// CHECK: %[[BLOCKED:.+]] = tensor.expand_shape %[[SIGNED]] {{\[\[}}0], [1, 2]] output_shape [4, 3, 32] : tensor<4x96xf32> into tensor<4x3x32xf32>
// CHECK: %[[FLAT:.+]] = tensor.collapse_shape %[[BLOCKED]] {{\[\[}}0, 1], [2]] : tensor<4x3x32xf32> into tensor<12x32xf32>
// CHECK: %[[H:.+]] = arith.constant dense<{{.+}}> : tensor<32x32xf32>
// CHECK: %[[ZERO:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%{{.+}} : tensor<12x32xf32>)
// CHECK: %[[ROT:.+]] = linalg.matmul ins(%[[FLAT]], %[[H]] : tensor<12x32xf32>, tensor<32x32xf32>) outs(%[[ZERO]] : tensor<12x32xf32>)
// CHECK: %[[BACK:.+]] = tensor.expand_shape %[[ROT]] {{\[\[}}0, 1], [2]] output_shape [4, 3, 32] : tensor<12x32xf32> into tensor<4x3x32xf32>
// CHECK: %[[ROWS:.+]] = tensor.collapse_shape %[[BACK]] {{\[\[}}0], [1, 2]] : tensor<4x3x32xf32> into tensor<4x96xf32>
// CHECK: bitsink.bitplane_matmul ins(%[[ROWS]], {{.*}} {bitsink.quant_error = {{{.*}}rotation_block = 32 : i64{{.*}}}
// CHECK-NOT: linalg.generic
// CHECK: bitsink.bitplane_matmul ins(%[[ROWS]], {{.*}} {bitsink.quant_error = {{{.*}}rotation_block = 32 : i64{{.*}}}
// BUDGET: remark: bitsink-quantize-weights: budget 3 bits per weight over 5 weights
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
// rotation constants (signs and Hadamard matrix) are f16 and K = 64 is one
// block.
// CHECK-LABEL: func.func @f16_batch
// CHECK: tensor.collapse_shape %{{.+}} {{\[\[}}0, 1], [2]] : tensor<2x3x64xf16> into tensor<6x64xf16>
// CHECK: arith.constant dense<{{.+}}> : tensor<64xf16>
// CHECK: linalg.generic
// CHECK-SAME: ins({{.*}} : tensor<6x64xf16>, tensor<64xf16>)
// CHECK: tensor.expand_shape %{{.+}} {{\[\[}}0], [1, 2]] output_shape [6, 1, 64] : tensor<6x64xf16> into tensor<6x1x64xf16>
// CHECK: arith.constant dense<{{.+}}> : tensor<64x64xf16>
// CHECK: linalg.matmul ins({{.*}} : tensor<6x64xf16>, tensor<64x64xf16>)
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

// A dynamic number of rows: the flat view of the blocks is dynamic too, and
// the matmul's init takes its size from it.
// CHECK-LABEL: func.func @dynamic_rows
// CHECK: %[[FLAT:.+]] = tensor.collapse_shape %{{.+}} {{\[\[}}0, 1], [2]] : tensor<?x1x64xf32> into tensor<?x64xf32>
// CHECK: %[[N:.+]] = tensor.dim %[[FLAT]], %{{.+}} : tensor<?x64xf32>
// CHECK: tensor.empty(%[[N]]) : tensor<?x64xf32>
// CHECK: linalg.matmul ins(%[[FLAT]], %{{.+}} : tensor<?x64xf32>, tensor<64x64xf32>)
// CHECK: bitsink.bitplane_matmul {{.*}}rotation_block = 64 : i64
func.func @dynamic_rows(%x: tensor<?x64xf32>) -> tensor<?x8xf32> {
  %w = arith.constant dense<0.5> : tensor<64x8xf32>
  %c0 = arith.constant 0 : index
  %m = tensor.dim %x, %c0 : tensor<?x64xf32>
  %e = tensor.empty(%m) : tensor<?x8xf32>
  %c = arith.constant 0.0 : f32
  %a = linalg.fill ins(%c : f32) outs(%e : tensor<?x8xf32>) -> tensor<?x8xf32>
  %y = linalg.matmul ins(%x, %w : tensor<?x64xf32>, tensor<64x8xf32>) outs(%a : tensor<?x8xf32>) -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
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


// RUN: bitsink-opt %s -split-input-file --bitsink-decompose-aggregates --verify-diagnostics | FileCheck %s

// linalg.softmax over dimension 1 becomes the generics of its own
// decomposition: a max reduction over d1 (NaN-initialised maxnumf, so the
// first element wins), exp(x - max), a sum reduction over d1 and a divide.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @softmax_rows
// CHECK-SAME:    (%[[X:.*]]: tensor<7x37xf32>)
// CHECK-NOT:   linalg.softmax
// CHECK:       %[[MAXINIT:.*]] = linalg.fill {{.*}} -> tensor<7xf32>
// CHECK:       %[[MAX:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]]], iterator_types = ["parallel", "reduction"]} ins(%[[X]] : tensor<7x37xf32>) outs(%[[MAXINIT]] : tensor<7xf32>)
// CHECK:         arith.maxnumf
// CHECK:       %[[EXP:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[X]], %[[MAX]] : tensor<7x37xf32>, tensor<7xf32>)
// CHECK:         arith.subf
// CHECK:         math.exp
// CHECK:       %[[SUM:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%[[EXP]] : tensor<7x37xf32>)
// CHECK:         arith.addf
// CHECK:       %[[Y:.*]] = linalg.generic {{.*}} ins(%[[EXP]], %[[SUM]] : tensor<7x37xf32>, tensor<7xf32>)
// CHECK:         arith.divf
// CHECK:       return %[[Y]]
func.func @softmax_rows(%x: tensor<7x37xf32>) -> tensor<7x37xf32> {
  %e = tensor.empty() : tensor<7x37xf32>
  %s = linalg.softmax dimension(1) ins(%x : tensor<7x37xf32>) outs(%e : tensor<7x37xf32>) -> tensor<7x37xf32>
  return %s : tensor<7x37xf32>
}

// -----

// Ops that are not aggregates are left alone.
// CHECK-LABEL: func.func @no_aggregate
// CHECK:       linalg.add
func.func @no_aggregate(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  %e = tensor.empty() : tensor<4xf32>
  %s = linalg.add ins(%a, %b : tensor<4xf32>, tensor<4xf32>) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  return %s : tensor<4xf32>
}

// -----

// On buffers the decomposition has nothing to build with: an error on the
// op, not a crash or an op left for convert-linalg-to-loops to miss.
func.func @softmax_buffers(%x: memref<7x37xf32>, %y: memref<7x37xf32>) {
  // expected-error @+1 {{bitsink-decompose-aggregates: 'linalg.softmax' on buffers cannot be decomposed; give it on tensors (before bufferization)}}
  linalg.softmax dimension(1) ins(%x : memref<7x37xf32>) outs(%y : memref<7x37xf32>)
  return
}

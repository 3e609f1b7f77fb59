// bitsink-run end to end on a linalg program: @inputs writes two .npy files
// (-o), @main reads them (-i), multiplies and exponentiates, and prints.
// By hand: a = [[1, 2, 3], [0, 1, 0]], b = [[1, 0], [0, 1], [0, 0.5]],
// a·b = [[1, 2 + 1.5], [0, 1]] = [[1, 3.5], [0, 1]],
// exp(a·b) = [[e, e^3.5], [1, e]] = [[2.71828, 33.1155], [1, 2.71828]].

// RUN: bitsink-run %s -e inputs -o %t.a.npy -o %t.b.npy
// RUN: bitsink-run %s -i %t.a.npy -i %t.b.npy --print | FileCheck %s
// The pipeline with its builtin.module(...) anchor is the same pipeline.
// RUN: bitsink-run %s -i %t.a.npy -i %t.b.npy --print --pipeline='builtin.module(bitsink-cpu-pipeline)' | FileCheck %s

// CHECK:      output 0: tensor<2x2xf32>
// CHECK-NEXT: {{\[}}[1, 3.5],
// CHECK-NEXT:  [0, 1]]
// CHECK-NEXT: output 1: tensor<2x2xf32>
// CHECK-NEXT: {{\[}}[2.71828, 33.1155],
// CHECK-NEXT:  [1, 2.71828]]

// The reference interpreter evaluates @inputs (constants only) the same way.
// RUN: bitsink-run %s -e inputs --reference --print | FileCheck %s --check-prefix=REF
// REF:      output 0: tensor<2x3xf32>
// REF-NEXT: {{\[}}[1, 2, 3],
// REF-NEXT:  [0, 1, 0]]
// REF-NEXT: output 1: tensor<3x2xf32>
// REF-NEXT: {{\[}}[1, 0],
// REF-NEXT:  [0, 1],
// REF-NEXT:  [0, 0.5]]

// Random inputs are a function of --seed only: saving them and feeding them
// back gives the same outputs; another seed gives other outputs.
// RUN: bitsink-run %s --seed=7 --print > %t.seed7
// RUN: bitsink-run %s --seed=7 --save-inputs=%t.in_ --print > %t.seed7.saved
// RUN: bitsink-run %s -i %t.in_arg0.npy -i %t.in_arg1.npy --print > %t.seed7.fed
// RUN: bitsink-run %s --seed=8 --print > %t.seed8
// RUN: diff %t.seed7 %t.seed7.saved
// RUN: diff %t.seed7 %t.seed7.fed
// RUN: not diff %t.seed7 %t.seed8

// --time-runs prints one line with the median and the minimum.
// RUN: bitsink-run %s --time-runs=3 | FileCheck %s --check-prefix=TIME
// TIME: time_ms: median={{[0-9.]+}} min={{[0-9.]+}} runs=3

func.func @inputs() -> (tensor<2x3xf32>, tensor<3x2xf32>) {
  %a = arith.constant dense<[[1.0, 2.0, 3.0], [0.0, 1.0, 0.0]]> : tensor<2x3xf32>
  %b = arith.constant dense<[[1.0, 0.0], [0.0, 1.0], [0.0, 0.5]]> : tensor<3x2xf32>
  return %a, %b : tensor<2x3xf32>, tensor<3x2xf32>
}

func.func @main(%a: tensor<2x3xf32>, %b: tensor<3x2xf32>)
    -> (tensor<2x2xf32>, tensor<2x2xf32>) {
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<2x2xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%empty : tensor<2x2xf32>) -> tensor<2x2xf32>
  %mm = linalg.matmul ins(%a, %b : tensor<2x3xf32>, tensor<3x2xf32>)
                      outs(%acc : tensor<2x2xf32>) -> tensor<2x2xf32>
  %exp = linalg.generic {
      indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
      iterator_types = ["parallel", "parallel"]}
      ins(%mm : tensor<2x2xf32>) outs(%empty : tensor<2x2xf32>) {
  ^bb0(%x: f32, %out: f32):
    %y = math.exp %x : f32
    linalg.yield %y : f32
  } -> tensor<2x2xf32>
  return %mm, %exp : tensor<2x2xf32>, tensor<2x2xf32>
}

// RUN: bitsink-opt %s --bitsink-raise-attention --split-input-file | FileCheck %s
// RUN: bitsink-opt %s --bitsink-raise-attention --canonicalize --split-input-file | FileCheck %s --check-prefix=CANON

// The attention of one BERT layer as torch-mlir's FX importer gives it
// (linalg-on-tensors, torch 2.15): examples/minilm/import_minilm.py's
// attention on B = 2, S = 8, 2 heads of D = 4, trimmed to the attention
// (q, k, v projections are arguments). Head split by expand_shape +
// transpose, B·H collapsed for batch_matmul, scale after Q·K^T (divf by a
// truncf'd constant in the body), HF's additive mask (1 - m) * finfo.min
// from an i64 attention mask, softmax decomposed with an argmax-style max.

// CHECK-LABEL: func.func @bert_attention
// CHECK-SAME: %[[MASK:.*]]: tensor<2x8xi64>
// CHECK: %[[KM:[a-z0-9_]+]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<2x1x1x8xf32>) outs(%{{.*}} : tensor<2x8xi1>)
// CHECK: arith.cmpf oeq
// CHECK: %[[ATT:[a-z0-9_]+]] = bitsink.sink_attention ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<2x2x8x4xf32>, tensor<2x2x8x4xf32>, tensor<2x2x8x4xf32>) key_mask(%[[KM]] : tensor<2x8xi1>)
// CHECK-SAME: {scale = 5.000000e-01 : f32}
// CHECK-NOT: linalg.batch_matmul
// CHECK-NOT: math.exp
// CHECK: return
// After canonicalization Q, K and V are each one transpose of the head
// split (K's two transposes fold into one).
// CANON-LABEL: func.func @bert_attention
// CANON-COUNT-4: linalg.transpose
// CANON-NOT: linalg.transpose
// CANON: return
func.func @bert_attention(%arg0: tensor<2x8x8xf32>, %arg1: tensor<2x8x8xf32>, %arg2: tensor<2x8x8xf32>, %arg3: tensor<2x8xi64>) -> tensor<2x8x8xf32> {
  %cst = arith.constant 0.000000e+00 : f32
  %c0_i64 = arith.constant 0 : i64
  %cst_0 = arith.constant 0xFF800000 : f32
  %cst_1 = arith.constant dense<1.000000e+00> : tensor<f32>
  %cst_2 = arith.constant -3.40282347E+38 : f32
  %cst_3 = arith.constant 2.000000e+00 : f32
  %expanded = tensor.expand_shape %arg3 [[0], [1, 2, 3]] output_shape [2, 1, 1, 8] : tensor<2x8xi64> into tensor<2x1x1x8xi64>
  %0 = tensor.empty() : tensor<2x1x1x8xf32>
  %1 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%expanded : tensor<2x1x1x8xi64>) outs(%0 : tensor<2x1x1x8xf32>) {
  ^bb0(%in: i64, %out: f32):
    %27 = arith.sitofp %in : i64 to f32
    linalg.yield %27 : f32
  } -> tensor<2x1x1x8xf32>
  %2 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> ()>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%cst_1, %1 : tensor<f32>, tensor<2x1x1x8xf32>) outs(%0 : tensor<2x1x1x8xf32>) {
  ^bb0(%in: f32, %in_17: f32, %out: f32):
    %27 = arith.subf %in, %in_17 : f32
    linalg.yield %27 : f32
  } -> tensor<2x1x1x8xf32>
  %3 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%2 : tensor<2x1x1x8xf32>) outs(%0 : tensor<2x1x1x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %27 = arith.mulf %in, %cst_2 : f32
    linalg.yield %27 : f32
  } -> tensor<2x1x1x8xf32>
  %expanded_4 = tensor.expand_shape %arg0 [[0], [1], [2, 3]] output_shape [2, 8, 2, 4] : tensor<2x8x8xf32> into tensor<2x8x2x4xf32>
  %4 = tensor.empty() : tensor<2x2x8x4xf32>
  %transposed = linalg.transpose ins(%expanded_4 : tensor<2x8x2x4xf32>) outs(%4 : tensor<2x2x8x4xf32>) permutation = [0, 2, 1, 3] 
  %expanded_5 = tensor.expand_shape %arg1 [[0], [1], [2, 3]] output_shape [2, 8, 2, 4] : tensor<2x8x8xf32> into tensor<2x8x2x4xf32>
  %5 = tensor.empty() : tensor<2x2x4x8xf32>
  %transposed_6 = linalg.transpose ins(%expanded_5 : tensor<2x8x2x4xf32>) outs(%5 : tensor<2x2x4x8xf32>) permutation = [0, 2, 3, 1] 
  %collapsed = tensor.collapse_shape %transposed [[0, 1], [2], [3]] : tensor<2x2x8x4xf32> into tensor<4x8x4xf32>
  %collapsed_7 = tensor.collapse_shape %transposed_6 [[0, 1], [2], [3]] : tensor<2x2x4x8xf32> into tensor<4x4x8xf32>
  %6 = tensor.empty() : tensor<4x8x8xf32>
  %7 = linalg.fill ins(%cst : f32) outs(%6 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %8 = linalg.batch_matmul ins(%collapsed, %collapsed_7 : tensor<4x8x4xf32>, tensor<4x4x8xf32>) outs(%7 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %expanded_8 = tensor.expand_shape %8 [[0, 1], [2], [3]] output_shape [2, 2, 8, 8] : tensor<4x8x8xf32> into tensor<2x2x8x8xf32>
  %9 = tensor.empty() : tensor<2x2x8x8xf32>
  %10 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%expanded_8 : tensor<2x2x8x8xf32>) outs(%9 : tensor<2x2x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %27 = arith.divf %in, %cst_3 : f32
    linalg.yield %27 : f32
  } -> tensor<2x2x8x8xf32>
  %11 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, 0, 0, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%10, %3 : tensor<2x2x8x8xf32>, tensor<2x1x1x8xf32>) outs(%9 : tensor<2x2x8x8xf32>) {
  ^bb0(%in: f32, %in_17: f32, %out: f32):
    %27 = arith.addf %in, %in_17 : f32
    linalg.yield %27 : f32
  } -> tensor<2x2x8x8xf32>
  %12 = tensor.empty() : tensor<2x2x8xi64>
  %13 = linalg.fill ins(%c0_i64 : i64) outs(%12 : tensor<2x2x8xi64>) -> tensor<2x2x8xi64>
  %14 = tensor.empty() : tensor<2x2x8xf32>
  %15 = linalg.fill ins(%cst_0 : f32) outs(%14 : tensor<2x2x8xf32>) -> tensor<2x2x8xf32>
  %16:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%11 : tensor<2x2x8x8xf32>) outs(%15, %13 : tensor<2x2x8xf32>, tensor<2x2x8xi64>) {
  ^bb0(%in: f32, %out: f32, %out_17: i64):
    %27 = linalg.index 3 : index
    %28 = arith.index_cast %27 : index to i64
    %29 = arith.maximumf %in, %out : f32
    %30 = arith.cmpf ogt, %in, %out : f32
    %31 = arith.select %30, %28, %out_17 : i64
    linalg.yield %29, %31 : f32, i64
  } -> (tensor<2x2x8xf32>, tensor<2x2x8xi64>)
  %expanded_9 = tensor.expand_shape %16#0 [[0], [1], [2, 3]] output_shape [2, 2, 8, 1] : tensor<2x2x8xf32> into tensor<2x2x8x1xf32>
  %17 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%11, %expanded_9 : tensor<2x2x8x8xf32>, tensor<2x2x8x1xf32>) outs(%9 : tensor<2x2x8x8xf32>) {
  ^bb0(%in: f32, %in_17: f32, %out: f32):
    %27 = arith.subf %in, %in_17 : f32
    linalg.yield %27 : f32
  } -> tensor<2x2x8x8xf32>
  %18 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%17 : tensor<2x2x8x8xf32>) outs(%9 : tensor<2x2x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %27 = math.exp %in : f32
    linalg.yield %27 : f32
  } -> tensor<2x2x8x8xf32>
  %19 = tensor.empty() : tensor<2x2x8x1xf32>
  %20 = linalg.fill ins(%cst : f32) outs(%19 : tensor<2x2x8x1xf32>) -> tensor<2x2x8x1xf32>
  %21 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%18 : tensor<2x2x8x8xf32>) outs(%20 : tensor<2x2x8x1xf32>) {
  ^bb0(%in: f32, %out: f32):
    %27 = arith.addf %in, %out : f32
    linalg.yield %27 : f32
  } -> tensor<2x2x8x1xf32>
  %22 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%18, %21 : tensor<2x2x8x8xf32>, tensor<2x2x8x1xf32>) outs(%9 : tensor<2x2x8x8xf32>) {
  ^bb0(%in: f32, %in_17: f32, %out: f32):
    %27 = arith.divf %in, %in_17 : f32
    linalg.yield %27 : f32
  } -> tensor<2x2x8x8xf32>
  %expanded_10 = tensor.expand_shape %arg2 [[0], [1], [2, 3]] output_shape [2, 8, 2, 4] : tensor<2x8x8xf32> into tensor<2x8x2x4xf32>
  %transposed_11 = linalg.transpose ins(%expanded_10 : tensor<2x8x2x4xf32>) outs(%4 : tensor<2x2x8x4xf32>) permutation = [0, 2, 1, 3] 
  %collapsed_12 = tensor.collapse_shape %22 [[0, 1], [2], [3]] : tensor<2x2x8x8xf32> into tensor<4x8x8xf32>
  %collapsed_13 = tensor.collapse_shape %transposed_11 [[0, 1], [2], [3]] : tensor<2x2x8x4xf32> into tensor<4x8x4xf32>
  %23 = tensor.empty() : tensor<4x8x4xf32>
  %24 = linalg.fill ins(%cst : f32) outs(%23 : tensor<4x8x4xf32>) -> tensor<4x8x4xf32>
  %25 = linalg.batch_matmul ins(%collapsed_12, %collapsed_13 : tensor<4x8x8xf32>, tensor<4x8x4xf32>) outs(%24 : tensor<4x8x4xf32>) -> tensor<4x8x4xf32>
  %expanded_14 = tensor.expand_shape %25 [[0, 1], [2], [3]] output_shape [2, 2, 8, 4] : tensor<4x8x4xf32> into tensor<2x2x8x4xf32>
  %26 = tensor.empty() : tensor<2x8x2x4xf32>
  %transposed_15 = linalg.transpose ins(%expanded_14 : tensor<2x2x8x4xf32>) outs(%26 : tensor<2x8x2x4xf32>) permutation = [0, 2, 1, 3] 
  %collapsed_16 = tensor.collapse_shape %transposed_15 [[0], [1], [2, 3]] : tensor<2x8x2x4xf32> into tensor<2x8x8xf32>
  return %collapsed_16 : tensor<2x8x8xf32>
}

// -----

// CHECK-LABEL: func.func @generic_softmax_op
// CHECK-SAME: (%[[Q:.*]]: tensor<2x3x5x8xf32>, %[[K:.*]]: tensor<2x3x7x8xf32>, %[[V:.*]]: tensor<2x3x7x4xf32>)
// CHECK: %[[INIT:[a-z0-9_]+]] = tensor.empty() : tensor<2x3x5x4xf32>
// CHECK: %[[O:[a-z0-9_]+]] = bitsink.sink_attention ins(%[[Q]], %[[K]], %[[V]] : {{.*}}) outs(%[[INIT]] : tensor<2x3x5x4xf32>) {scale = 1.250000e-01 : f32}
// CHECK-NEXT: return %[[O]]
// scale after the contraction, linalg.softmax, no mask.
func.func @generic_softmax_op(%q: tensor<2x3x5x8xf32>, %k: tensor<2x3x7x8xf32>,
                              %v: tensor<2x3x7x4xf32>) -> tensor<2x3x5x4xf32> {
  %zero = arith.constant 0.0 : f32
  %c = arith.constant 0.125 : f32
  %e0 = tensor.empty() : tensor<2x3x5x7xf32>
  %f0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<2x3x5x7xf32>) -> tensor<2x3x5x7xf32>
  %s = linalg.generic {
      indexing_maps = [affine_map<(b, h, i, j, d) -> (b, h, i, d)>,
                       affine_map<(b, h, i, j, d) -> (b, h, j, d)>,
                       affine_map<(b, h, i, j, d) -> (b, h, i, j)>],
      iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %k : tensor<2x3x5x8xf32>, tensor<2x3x7x8xf32>) outs(%f0 : tensor<2x3x5x7xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<2x3x5x7xf32>
  %scaled = linalg.generic {
      indexing_maps = [affine_map<(b, h, i, j) -> (b, h, i, j)>,
                       affine_map<(b, h, i, j) -> (b, h, i, j)>],
      iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%s : tensor<2x3x5x7xf32>) outs(%e0 : tensor<2x3x5x7xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.mulf %c, %a : f32
    linalg.yield %r : f32
  } -> tensor<2x3x5x7xf32>
  %p = linalg.softmax dimension(3) ins(%scaled : tensor<2x3x5x7xf32>)
      outs(%e0 : tensor<2x3x5x7xf32>) -> tensor<2x3x5x7xf32>
  %e1 = tensor.empty() : tensor<2x3x5x4xf32>
  %f1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<2x3x5x4xf32>) -> tensor<2x3x5x4xf32>
  %o = linalg.generic {
      indexing_maps = [affine_map<(b, h, i, n, j) -> (b, h, i, j)>,
                       affine_map<(b, h, i, n, j) -> (b, h, j, n)>,
                       affine_map<(b, h, i, n, j) -> (b, h, i, n)>],
      iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%p, %v : tensor<2x3x5x7xf32>, tensor<2x3x7x4xf32>) outs(%f1 : tensor<2x3x5x4xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<2x3x5x4xf32>
  return %o : tensor<2x3x5x4xf32>
}

// -----

// CHECK-LABEL: func.func @matmul_scale_before
// CHECK-SAME: (%[[Q:.*]]: tensor<6x16xf32>, %[[K:.*]]: tensor<9x16xf32>, %[[V:.*]]: tensor<9x16xf32>)
// CHECK-DAG: %[[Q4:[a-z0-9_]+]] = tensor.expand_shape %[[Q]] {{\[}}[0, 1, 2], [3]] output_shape [1, 1, 6, 16]
// CHECK-DAG: %[[K4:[a-z0-9_]+]] = tensor.expand_shape %[[K]] {{\[}}[0, 1, 2], [3]] output_shape [1, 1, 9, 16]
// CHECK-DAG: %[[V4:[a-z0-9_]+]] = tensor.expand_shape %[[V]] {{\[}}[0, 1, 2], [3]] output_shape [1, 1, 9, 16]
// CHECK: %[[O:[a-z0-9_]+]] = bitsink.sink_attention ins(%[[Q4]], %[[K4]], %[[V4]] : {{.*}}) outs(%{{.*}}) {scale = 2.500000e-01 : f32}
// CHECK: %[[R:[a-z0-9_]+]] = tensor.collapse_shape %[[O]] {{\[}}[0, 1, 2], [3]] : tensor<1x1x6x16xf32> into tensor<6x16xf32>
// CHECK-NOT: linalg.matmul
// CHECK: return %[[R]]
// One head, no batch: the scale is applied to Q before a linalg.matmul
// whose indexing_maps read K as keys x D (no transpose op); the softmax is
// exp(x - max) in one generic, a row sum and a division.
func.func @matmul_scale_before(%q: tensor<6x16xf32>, %k: tensor<9x16xf32>,
                               %v: tensor<9x16xf32>) -> tensor<6x16xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %c = arith.constant 4.0 : f32
  %eq = tensor.empty() : tensor<6x16xf32>
  %qs = linalg.generic {
      indexing_maps = [affine_map<(i, d) -> (i, d)>, affine_map<(i, d) -> (i, d)>],
      iterator_types = ["parallel", "parallel"]}
      ins(%q : tensor<6x16xf32>) outs(%eq : tensor<6x16xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.divf %a, %c : f32
    linalg.yield %r : f32
  } -> tensor<6x16xf32>
  %es = tensor.empty() : tensor<6x9xf32>
  %fs = linalg.fill ins(%zero : f32) outs(%es : tensor<6x9xf32>) -> tensor<6x9xf32>
  %s = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                                      affine_map<(m, n, k) -> (n, k)>,
                                      affine_map<(m, n, k) -> (m, n)>]
      ins(%qs, %k : tensor<6x16xf32>, tensor<9x16xf32>) outs(%fs : tensor<6x9xf32>) -> tensor<6x9xf32>
  %er = tensor.empty() : tensor<6xf32>
  %fm = linalg.fill ins(%ninf : f32) outs(%er : tensor<6xf32>) -> tensor<6xf32>
  %max = linalg.generic {
      indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>],
      iterator_types = ["parallel", "reduction"]}
      ins(%s : tensor<6x9xf32>) outs(%fm : tensor<6xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.maximumf %a, %acc : f32
    linalg.yield %r : f32
  } -> tensor<6xf32>
  %e = linalg.generic {
      indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>,
                       affine_map<(i, j) -> (i, j)>],
      iterator_types = ["parallel", "parallel"]}
      ins(%s, %max : tensor<6x9xf32>, tensor<6xf32>) outs(%es : tensor<6x9xf32>) {
  ^bb0(%a: f32, %m: f32, %o: f32):
    %d = arith.subf %a, %m : f32
    %x = math.exp %d : f32
    linalg.yield %x : f32
  } -> tensor<6x9xf32>
  %fz = linalg.fill ins(%zero : f32) outs(%er : tensor<6xf32>) -> tensor<6xf32>
  %sum = linalg.generic {
      indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>],
      iterator_types = ["parallel", "reduction"]}
      ins(%e : tensor<6x9xf32>) outs(%fz : tensor<6xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.addf %a, %acc : f32
    linalg.yield %r : f32
  } -> tensor<6xf32>
  %p = linalg.generic {
      indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>,
                       affine_map<(i, j) -> (i, j)>],
      iterator_types = ["parallel", "parallel"]}
      ins(%e, %sum : tensor<6x9xf32>, tensor<6xf32>) outs(%es : tensor<6x9xf32>) {
  ^bb0(%a: f32, %t: f32, %o: f32):
    %r = arith.divf %a, %t : f32
    linalg.yield %r : f32
  } -> tensor<6x9xf32>
  %fo = linalg.fill ins(%zero : f32) outs(%eq : tensor<6x16xf32>) -> tensor<6x16xf32>
  %o = linalg.matmul ins(%p, %v : tensor<6x9xf32>, tensor<9x16xf32>)
      outs(%fo : tensor<6x16xf32>) -> tensor<6x16xf32>
  return %o : tensor<6x16xf32>
}

// -----

// CHECK-LABEL: func.func @bool_mask_contract
// CHECK-SAME: %[[KT:[a-z0-9]+]]: tensor<4x8x7xf32>, %[[V:.*]]: tensor<4x7x8xf32>, %[[MASK:.*]]: tensor<4x7xi1>)
// CHECK: %[[BIAS:[a-z0-9_]+]] = linalg.generic {{.*}} ins(%[[MASK]] : tensor<4x7xi1>)
// CHECK: %[[KTT:[a-z0-9_]+]] = linalg.transpose ins(%[[KT]] : tensor<4x8x7xf32>) {{.*}} permutation = [0, 2, 1]
// CHECK: %[[K4:[a-z0-9_]+]] = tensor.expand_shape %[[KTT]] {{\[}}[0, 1], [2], [3]] output_shape [4, 1, 7, 8]
// CHECK: %[[KM:[a-z0-9_]+]] = linalg.generic {{.*}} ins(%[[BIAS]] : tensor<4x7xf32>) outs(%{{.*}} : tensor<4x7xi1>)
// CHECK: bitsink.sink_attention ins(%{{.*}}, %[[K4]], %{{.*}} : tensor<4x1x5x8xf32>, tensor<4x1x7x8xf32>, tensor<4x1x7x8xf32>) key_mask(%[[KM]] : tensor<4x7xi1>) {{.*}} {scale = 1.000000e+00 : f32}
// CHECK-NOT: linalg.contract
// batch·heads collapsed (no split): batch_matmul for Q·K^T, a boolean
// padding mask turned into 0 / -inf by a select, linalg.contract for P·V.
func.func @bool_mask_contract(%q: tensor<4x5x8xf32>, %kt: tensor<4x8x7xf32>,
                              %v: tensor<4x7x8xf32>, %mask: tensor<4x7xi1>) -> tensor<4x5x8xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %es = tensor.empty() : tensor<4x5x7xf32>
  %fs = linalg.fill ins(%zero : f32) outs(%es : tensor<4x5x7xf32>) -> tensor<4x5x7xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<4x5x8xf32>, tensor<4x8x7xf32>)
      outs(%fs : tensor<4x5x7xf32>) -> tensor<4x5x7xf32>
  %eb = tensor.empty() : tensor<4x7xf32>
  %bias = linalg.generic {
      indexing_maps = [affine_map<(g, j) -> (g, j)>, affine_map<(g, j) -> (g, j)>],
      iterator_types = ["parallel", "parallel"]}
      ins(%mask : tensor<4x7xi1>) outs(%eb : tensor<4x7xf32>) {
  ^bb0(%m: i1, %o: f32):
    %r = arith.select %m, %zero, %ninf : f32
    linalg.yield %r : f32
  } -> tensor<4x7xf32>
  %masked = linalg.generic {
      indexing_maps = [affine_map<(g, i, j) -> (g, j)>, affine_map<(g, i, j) -> (g, i, j)>,
                       affine_map<(g, i, j) -> (g, i, j)>],
      iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%bias, %s : tensor<4x7xf32>, tensor<4x5x7xf32>) outs(%es : tensor<4x5x7xf32>) {
  ^bb0(%b: f32, %a: f32, %o: f32):
    %r = arith.addf %b, %a : f32
    linalg.yield %r : f32
  } -> tensor<4x5x7xf32>
  %p = linalg.softmax dimension(2) ins(%masked : tensor<4x5x7xf32>)
      outs(%es : tensor<4x5x7xf32>) -> tensor<4x5x7xf32>
  %eo = tensor.empty() : tensor<4x5x8xf32>
  %fo = linalg.fill ins(%zero : f32) outs(%eo : tensor<4x5x8xf32>) -> tensor<4x5x8xf32>
  %o = linalg.contract
      indexing_maps = [affine_map<(g, i, n, j) -> (g, i, j)>,
                       affine_map<(g, i, n, j) -> (g, j, n)>,
                       affine_map<(g, i, n, j) -> (g, i, n)>]
      ins(%p, %v : tensor<4x5x7xf32>, tensor<4x7x8xf32>)
      outs(%fo : tensor<4x5x8xf32>) -> tensor<4x5x8xf32>
  return %o : tensor<4x5x8xf32>
}

// -----

// Llama-style GQA as torch-mlir imports it: repeat_kv (a broadcast generic
// to B x Hkv x R x N x D, collapsed to B x Hq x N x D; for K also
// transposed and collapsed with the batch, for V collapsed to B·Hq
// directly), scale by a multiplication, no mask. The repeat is looked
// through: the op reads the 2 kv heads itself.

// CHECK-LABEL: func.func @llama_gqa_attention
// CHECK-SAME: (%[[Q:[a-z0-9_]+]]: tensor<1x4x8x4xf32>, %[[K:[a-z0-9_]+]]: tensor<1x2x8x4xf32>, %[[V:[a-z0-9_]+]]: tensor<1x2x8x4xf32>)
// CHECK: bitsink.sink_attention ins(%[[Q]], %[[K]], %[[V]] : tensor<1x4x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) outs(%{{.*}}) {scale = 5.000000e-01 : f32}
// CANON-LABEL: func.func @llama_gqa_attention
// CANON-NOT: linalg.generic
// CANON-NOT: linalg.transpose
// CANON: bitsink.sink_attention
func.func @llama_gqa_attention(%arg0: tensor<1x4x8x4xf32>, %arg1: tensor<1x2x8x4xf32>, %arg2: tensor<1x2x8x4xf32>) -> tensor<1x4x8x4xf32> {
  %c0_i64 = arith.constant 0 : i64
  %cst = arith.constant 0.000000e+00 : f32
  %cst_0 = arith.constant 0xFF800000 : f32
  %cst_1 = arith.constant 5.000000e-01 : f32
  %0 = tensor.empty() : tensor<1x2x2x8x4xf32>
  %1 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d3, d4)>, affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%arg1 : tensor<1x2x8x4xf32>) outs(%0 : tensor<1x2x2x8x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x2x2x8x4xf32>
  %collapsed = tensor.collapse_shape %1 [[0], [1, 2], [3], [4]] : tensor<1x2x2x8x4xf32> into tensor<1x4x8x4xf32>
  %2 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d3, d4)>, affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%arg2 : tensor<1x2x8x4xf32>) outs(%0 : tensor<1x2x2x8x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x2x2x8x4xf32>
  %3 = tensor.empty() : tensor<1x4x4x8xf32>
  %transposed = linalg.transpose ins(%collapsed : tensor<1x4x8x4xf32>) outs(%3 : tensor<1x4x4x8xf32>) permutation = [0, 1, 3, 2] 
  %collapsed_2 = tensor.collapse_shape %arg0 [[0, 1], [2], [3]] : tensor<1x4x8x4xf32> into tensor<4x8x4xf32>
  %collapsed_3 = tensor.collapse_shape %transposed [[0, 1], [2], [3]] : tensor<1x4x4x8xf32> into tensor<4x4x8xf32>
  %4 = tensor.empty() : tensor<4x8x8xf32>
  %5 = linalg.fill ins(%cst : f32) outs(%4 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %6 = linalg.batch_matmul ins(%collapsed_2, %collapsed_3 : tensor<4x8x4xf32>, tensor<4x4x8xf32>) outs(%5 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %expanded = tensor.expand_shape %6 [[0, 1], [2], [3]] output_shape [1, 4, 8, 8] : tensor<4x8x8xf32> into tensor<1x4x8x8xf32>
  %7 = tensor.empty() : tensor<1x4x8x8xf32>
  %8 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%expanded : tensor<1x4x8x8xf32>) outs(%7 : tensor<1x4x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %23 = arith.mulf %in, %cst_1 : f32
    linalg.yield %23 : f32
  } -> tensor<1x4x8x8xf32>
  %9 = tensor.empty() : tensor<1x4x8xi64>
  %10 = linalg.fill ins(%c0_i64 : i64) outs(%9 : tensor<1x4x8xi64>) -> tensor<1x4x8xi64>
  %11 = tensor.empty() : tensor<1x4x8xf32>
  %12 = linalg.fill ins(%cst_0 : f32) outs(%11 : tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
  %13:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%8 : tensor<1x4x8x8xf32>) outs(%12, %10 : tensor<1x4x8xf32>, tensor<1x4x8xi64>) {
  ^bb0(%in: f32, %out: f32, %out_8: i64):
    %23 = linalg.index 3 : index
    %24 = arith.index_cast %23 : index to i64
    %25 = arith.maximumf %in, %out : f32
    %26 = arith.cmpf ogt, %in, %out : f32
    %27 = arith.select %26, %24, %out_8 : i64
    linalg.yield %25, %27 : f32, i64
  } -> (tensor<1x4x8xf32>, tensor<1x4x8xi64>)
  %expanded_4 = tensor.expand_shape %13#0 [[0], [1], [2, 3]] output_shape [1, 4, 8, 1] : tensor<1x4x8xf32> into tensor<1x4x8x1xf32>
  %14 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%8, %expanded_4 : tensor<1x4x8x8xf32>, tensor<1x4x8x1xf32>) outs(%7 : tensor<1x4x8x8xf32>) {
  ^bb0(%in: f32, %in_8: f32, %out: f32):
    %23 = arith.subf %in, %in_8 : f32
    linalg.yield %23 : f32
  } -> tensor<1x4x8x8xf32>
  %15 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%14 : tensor<1x4x8x8xf32>) outs(%7 : tensor<1x4x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %23 = math.exp %in : f32
    linalg.yield %23 : f32
  } -> tensor<1x4x8x8xf32>
  %16 = tensor.empty() : tensor<1x4x8x1xf32>
  %17 = linalg.fill ins(%cst : f32) outs(%16 : tensor<1x4x8x1xf32>) -> tensor<1x4x8x1xf32>
  %18 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%15 : tensor<1x4x8x8xf32>) outs(%17 : tensor<1x4x8x1xf32>) {
  ^bb0(%in: f32, %out: f32):
    %23 = arith.addf %in, %out : f32
    linalg.yield %23 : f32
  } -> tensor<1x4x8x1xf32>
  %19 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%15, %18 : tensor<1x4x8x8xf32>, tensor<1x4x8x1xf32>) outs(%7 : tensor<1x4x8x8xf32>) {
  ^bb0(%in: f32, %in_8: f32, %out: f32):
    %23 = arith.divf %in, %in_8 : f32
    linalg.yield %23 : f32
  } -> tensor<1x4x8x8xf32>
  %collapsed_5 = tensor.collapse_shape %19 [[0, 1], [2], [3]] : tensor<1x4x8x8xf32> into tensor<4x8x8xf32>
  %collapsed_6 = tensor.collapse_shape %2 [[0, 1, 2], [3], [4]] : tensor<1x2x2x8x4xf32> into tensor<4x8x4xf32>
  %20 = tensor.empty() : tensor<4x8x4xf32>
  %21 = linalg.fill ins(%cst : f32) outs(%20 : tensor<4x8x4xf32>) -> tensor<4x8x4xf32>
  %22 = linalg.batch_matmul ins(%collapsed_5, %collapsed_6 : tensor<4x8x8xf32>, tensor<4x8x4xf32>) outs(%21 : tensor<4x8x4xf32>) -> tensor<4x8x4xf32>
  %expanded_7 = tensor.expand_shape %22 [[0, 1], [2], [3]] output_shape [1, 4, 8, 4] : tensor<4x8x4xf32> into tensor<1x4x8x4xf32>
  return %expanded_7 : tensor<1x4x8x4xf32>
}

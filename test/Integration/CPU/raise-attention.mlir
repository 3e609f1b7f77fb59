// REQUIRES: numpy
// RUN: bitsink-opt %s --bitsink-raise-attention -o %t.raised.mlir
// RUN: FileCheck %s --check-prefix=RAISED --input-file=%t.raised.mlir
// RUN: bitsink-run %s -e bert_attention --seed=3 --int-min=0 --int-max=1 -o %t.bert.a.npy
// RUN: bitsink-run %t.raised.mlir -e bert_attention --seed=3 --int-min=0 --int-max=1 -o %t.bert.b.npy
// RUN: %numpy_python %S/../../Inputs/compare-npy.py %t.bert.a.npy %t.bert.b.npy | FileCheck %s
// RUN: bitsink-run %s -e llama_gqa_attention --seed=4 -o %t.gqa.a.npy
// RUN: bitsink-run %t.raised.mlir -e llama_gqa_attention --seed=4 -o %t.gqa.b.npy
// RUN: %numpy_python %S/../../Inputs/compare-npy.py %t.gqa.a.npy %t.gqa.b.npy | FileCheck %s
//
// bitsink-raise-attention keeps the numbers: two attention graphs as
// torch-mlir's FX importer gives them (torch 2.15; made with the attention
// code of examples/minilm/import_minilm.py and a Llama-style repeat_kv),
// compiled by bitsink-cpu-pipeline before and after raising, on the same
// random inputs (the i64 attention mask is random 0/1; seed 3 masks 4 and 3
// of the 8 keys). The outputs must agree to f32 rounding.
//
// RAISED-LABEL: func.func @bert_attention
// RAISED: bitsink.sink_attention {{.*}} key_mask(
// RAISED-LABEL: func.func @llama_gqa_attention
// The repeat_kv broadcast is looked through: K and V keep their 2 heads.
// RAISED: bitsink.sink_attention ins(%arg0, %arg1, %arg2 : tensor<1x4x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>)
// CHECK: PASS

// B = 2, S = 8, 2 heads of D = 4: BERT (eager) attention with HF's mask.
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

// B = 1, 4 query heads, 2 key/value heads (repeat_kv), S = 8, D = 4.
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

// all-MiniLM-L6-v2 imported by examples/minilm/import_minilm.py --batch 16 --seq 16
// (torch 2.15.0+cu132, torch-mlir FX importer, linalg-on-tensors). Arguments: input_ids, attention_mask, then the 101 weights of minilm.params.json.
#map = affine_map<(d0) -> (d0)>
#map1 = affine_map<(d0, d1, d2) -> (d0, d1)>
#map2 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#map3 = affine_map<(d0, d1) -> (d0)>
#map4 = affine_map<(d0, d1) -> (d0, d1)>
#map5 = affine_map<(d0, d1, d2) -> (0, d1, d2)>
#map6 = affine_map<(d0, d1, d2) -> (0, 0, d2)>
#map7 = affine_map<(d0, d1, d2) -> (d0, d1, 0)>
#map8 = affine_map<(d0, d1, d2) -> (d2)>
#map9 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#map10 = affine_map<(d0, d1, d2, d3) -> ()>
#map11 = affine_map<(d0, d1) -> (d1)>
#map12 = affine_map<(d0, d1, d2, d3) -> (d0, 0, 0, d3)>
#map13 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
#map14 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>
#map15 = affine_map<(d0, d1, d2) -> (d0, d2)>
#map16 = affine_map<(d0, d1) -> (d0, 0)>
module {
  func.func @main(%arg0: tensor<16x16xi64>, %arg1: tensor<16x16xi64>, %arg2: tensor<30522x384xf32>, %arg3: tensor<512x384xf32>, %arg4: tensor<2x384xf32>, %arg5: tensor<384xf32>, %arg6: tensor<384xf32>, %arg7: tensor<384x384xf32>, %arg8: tensor<384xf32>, %arg9: tensor<384x384xf32>, %arg10: tensor<384xf32>, %arg11: tensor<384x384xf32>, %arg12: tensor<384xf32>, %arg13: tensor<384x384xf32>, %arg14: tensor<384xf32>, %arg15: tensor<384xf32>, %arg16: tensor<384xf32>, %arg17: tensor<1536x384xf32>, %arg18: tensor<1536xf32>, %arg19: tensor<384x1536xf32>, %arg20: tensor<384xf32>, %arg21: tensor<384xf32>, %arg22: tensor<384xf32>, %arg23: tensor<384x384xf32>, %arg24: tensor<384xf32>, %arg25: tensor<384x384xf32>, %arg26: tensor<384xf32>, %arg27: tensor<384x384xf32>, %arg28: tensor<384xf32>, %arg29: tensor<384x384xf32>, %arg30: tensor<384xf32>, %arg31: tensor<384xf32>, %arg32: tensor<384xf32>, %arg33: tensor<1536x384xf32>, %arg34: tensor<1536xf32>, %arg35: tensor<384x1536xf32>, %arg36: tensor<384xf32>, %arg37: tensor<384xf32>, %arg38: tensor<384xf32>, %arg39: tensor<384x384xf32>, %arg40: tensor<384xf32>, %arg41: tensor<384x384xf32>, %arg42: tensor<384xf32>, %arg43: tensor<384x384xf32>, %arg44: tensor<384xf32>, %arg45: tensor<384x384xf32>, %arg46: tensor<384xf32>, %arg47: tensor<384xf32>, %arg48: tensor<384xf32>, %arg49: tensor<1536x384xf32>, %arg50: tensor<1536xf32>, %arg51: tensor<384x1536xf32>, %arg52: tensor<384xf32>, %arg53: tensor<384xf32>, %arg54: tensor<384xf32>, %arg55: tensor<384x384xf32>, %arg56: tensor<384xf32>, %arg57: tensor<384x384xf32>, %arg58: tensor<384xf32>, %arg59: tensor<384x384xf32>, %arg60: tensor<384xf32>, %arg61: tensor<384x384xf32>, %arg62: tensor<384xf32>, %arg63: tensor<384xf32>, %arg64: tensor<384xf32>, %arg65: tensor<1536x384xf32>, %arg66: tensor<1536xf32>, %arg67: tensor<384x1536xf32>, %arg68: tensor<384xf32>, %arg69: tensor<384xf32>, %arg70: tensor<384xf32>, %arg71: tensor<384x384xf32>, %arg72: tensor<384xf32>, %arg73: tensor<384x384xf32>, %arg74: tensor<384xf32>, %arg75: tensor<384x384xf32>, %arg76: tensor<384xf32>, %arg77: tensor<384x384xf32>, %arg78: tensor<384xf32>, %arg79: tensor<384xf32>, %arg80: tensor<384xf32>, %arg81: tensor<1536x384xf32>, %arg82: tensor<1536xf32>, %arg83: tensor<384x1536xf32>, %arg84: tensor<384xf32>, %arg85: tensor<384xf32>, %arg86: tensor<384xf32>, %arg87: tensor<384x384xf32>, %arg88: tensor<384xf32>, %arg89: tensor<384x384xf32>, %arg90: tensor<384xf32>, %arg91: tensor<384x384xf32>, %arg92: tensor<384xf32>, %arg93: tensor<384x384xf32>, %arg94: tensor<384xf32>, %arg95: tensor<384xf32>, %arg96: tensor<384xf32>, %arg97: tensor<1536x384xf32>, %arg98: tensor<1536xf32>, %arg99: tensor<384x1536xf32>, %arg100: tensor<384xf32>, %arg101: tensor<384xf32>, %arg102: tensor<384xf32>) -> tensor<16x384xf32> {
    %c0_i64 = arith.constant 0 : i64
    %c30522 = arith.constant 30522 : index
    %c512 = arith.constant 512 : index
    %cst = arith.constant 0.000000e+00 : f32
    %cst_0 = arith.constant 0.000000e+00 : f64
    %cst_1 = arith.constant 0xFF800000 : f32
    %cst_2 = arith.constant 1.000000e+00 : f32
    %cst_3 = arith.constant 5.000000e-01 : f32
    %cst_4 = arith.constant dense<1.000000e+00> : tensor<f32>
    %cst_5 = arith.constant 1.000000e-09 : f64
    %cst_6 = arith.constant 5.6568542494923806 : f64
    %cst_7 = arith.constant 9.9999999999999998E-13 : f64
    %cst_8 = arith.constant 3.840000e+02 : f64
    %cst_9 = arith.constant 3.840000e+02 : f32
    %cst_10 = arith.constant -3.40282347E+38 : f32
    %cst_11 = arith.constant 1.41421354 : f32
    %cst_12 = arith.constant 2.000000e+00 : f32
    %0 = tensor.empty() : tensor<16xi64>
    %1 = linalg.generic {indexing_maps = [#map], iterator_types = ["parallel"]} outs(%0 : tensor<16xi64>) {
    ^bb0(%out: i64):
      %441 = linalg.index 0 : index
      %442 = arith.index_cast %441 : index to i64
      linalg.yield %442 : i64
    } -> tensor<16xi64>
    %2 = tensor.empty() : tensor<16x16x384xf32>
    %3 = linalg.generic {indexing_maps = [#map1, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%arg0 : tensor<16x16xi64>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: i64, %out: f32):
      %441 = arith.index_cast %in : i64 to index
      %442 = linalg.index 2 : index
      %443 = arith.cmpi slt, %441, %c30522 : index
      cf.assert %443, "index must be smaller than dim size"
      %444 = arith.cmpi sge, %in, %c0_i64 : i64
      cf.assert %444, "index must be larger or equal to 0"
      %extracted = tensor.extract %arg2[%441, %442] : tensor<30522x384xf32>
      linalg.yield %extracted : f32
    } -> tensor<16x16x384xf32>
    %4 = tensor.empty() : tensor<16x384xf32>
    %5 = linalg.generic {indexing_maps = [#map3, #map4], iterator_types = ["parallel", "parallel"]} ins(%1 : tensor<16xi64>) outs(%4 : tensor<16x384xf32>) {
    ^bb0(%in: i64, %out: f32):
      %441 = arith.index_cast %in : i64 to index
      %442 = linalg.index 1 : index
      %443 = arith.cmpi slt, %441, %c512 : index
      cf.assert %443, "index must be smaller than dim size"
      %444 = arith.cmpi sge, %in, %c0_i64 : i64
      cf.assert %444, "index must be larger or equal to 0"
      %extracted = tensor.extract %arg3[%441, %442] : tensor<512x384xf32>
      linalg.yield %extracted : f32
    } -> tensor<16x384xf32>
    %expanded = tensor.expand_shape %5 [[0, 1], [2]] output_shape [1, 16, 384] : tensor<16x384xf32> into tensor<1x16x384xf32>
    %6 = linalg.generic {indexing_maps = [#map2, #map5, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%3, %expanded : tensor<16x16x384xf32>, tensor<1x16x384xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %extracted_slice = tensor.extract_slice %arg4[0, 0] [1, 384] [1, 1] : tensor<2x384xf32> to tensor<1x384xf32>
    %expanded_13 = tensor.expand_shape %extracted_slice [[0], [1, 2]] output_shape [1, 1, 384] : tensor<1x384xf32> into tensor<1x1x384xf32>
    %7 = linalg.generic {indexing_maps = [#map2, #map6, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%6, %expanded_13 : tensor<16x16x384xf32>, tensor<1x1x384xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %8 = tensor.empty() : tensor<16x16x384xf64>
    %9 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%7 : tensor<16x16x384xf32>) outs(%8 : tensor<16x16x384xf64>) {
    ^bb0(%in: f32, %out: f64):
      %441 = arith.extf %in : f32 to f64
      linalg.yield %441 : f64
    } -> tensor<16x16x384xf64>
    %10 = tensor.empty() : tensor<16x16x1xf64>
    %11 = linalg.fill ins(%cst_0 : f64) outs(%10 : tensor<16x16x1xf64>) -> tensor<16x16x1xf64>
    %12 = linalg.generic {indexing_maps = [#map2, #map7], iterator_types = ["parallel", "parallel", "reduction"]} ins(%9 : tensor<16x16x384xf64>) outs(%11 : tensor<16x16x1xf64>) {
    ^bb0(%in: f64, %out: f64):
      %441 = arith.addf %in, %out : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x1xf64>
    %13 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%12 : tensor<16x16x1xf64>) outs(%10 : tensor<16x16x1xf64>) {
    ^bb0(%in: f64, %out: f64):
      %441 = arith.divf %in, %cst_8 : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x1xf64>
    %14 = linalg.generic {indexing_maps = [#map2, #map7, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%9, %13 : tensor<16x16x384xf64>, tensor<16x16x1xf64>) outs(%8 : tensor<16x16x384xf64>) {
    ^bb0(%in: f64, %in_177: f64, %out: f64):
      %441 = arith.subf %in, %in_177 : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x384xf64>
    %15 = linalg.generic {indexing_maps = [#map2, #map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%14, %14 : tensor<16x16x384xf64>, tensor<16x16x384xf64>) outs(%8 : tensor<16x16x384xf64>) {
    ^bb0(%in: f64, %in_177: f64, %out: f64):
      %441 = arith.mulf %in, %in_177 : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x384xf64>
    %16 = linalg.generic {indexing_maps = [#map2, #map7], iterator_types = ["parallel", "parallel", "reduction"]} ins(%15 : tensor<16x16x384xf64>) outs(%11 : tensor<16x16x1xf64>) {
    ^bb0(%in: f64, %out: f64):
      %441 = arith.addf %in, %out : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x1xf64>
    %17 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%16 : tensor<16x16x1xf64>) outs(%10 : tensor<16x16x1xf64>) {
    ^bb0(%in: f64, %out: f64):
      %441 = arith.divf %in, %cst_8 : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x1xf64>
    %18 = tensor.empty() : tensor<16x16x1xf32>
    %19 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%17 : tensor<16x16x1xf64>) outs(%18 : tensor<16x16x1xf32>) {
    ^bb0(%in: f64, %out: f32):
      %441 = arith.truncf %in : f64 to f32
      linalg.yield %441 : f32
    } -> tensor<16x16x1xf32>
    %20 = linalg.fill ins(%cst : f32) outs(%18 : tensor<16x16x1xf32>) -> tensor<16x16x1xf32>
    %21 = linalg.generic {indexing_maps = [#map2, #map7], iterator_types = ["parallel", "parallel", "reduction"]} ins(%7 : tensor<16x16x384xf32>) outs(%20 : tensor<16x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.addf %in, %out : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x1xf32>
    %22 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%21 : tensor<16x16x1xf32>) outs(%18 : tensor<16x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.divf %in, %cst_9 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x1xf32>
    %23 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%19 : tensor<16x16x1xf32>) outs(%18 : tensor<16x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.truncf %cst_7 : f64 to f32
      %442 = arith.addf %in, %441 : f32
      linalg.yield %442 : f32
    } -> tensor<16x16x1xf32>
    %24 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%23 : tensor<16x16x1xf32>) outs(%18 : tensor<16x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = math.rsqrt %in : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x1xf32>
    %25 = linalg.generic {indexing_maps = [#map2, #map7, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%7, %22 : tensor<16x16x384xf32>, tensor<16x16x1xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.subf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %26 = linalg.generic {indexing_maps = [#map2, #map7, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%25, %24 : tensor<16x16x384xf32>, tensor<16x16x1xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.mulf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %27 = linalg.generic {indexing_maps = [#map2, #map8, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%26, %arg5 : tensor<16x16x384xf32>, tensor<384xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.mulf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %28 = linalg.generic {indexing_maps = [#map2, #map8, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%27, %arg6 : tensor<16x16x384xf32>, tensor<384xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %expanded_14 = tensor.expand_shape %arg1 [[0], [1, 2, 3]] output_shape [16, 1, 1, 16] : tensor<16x16xi64> into tensor<16x1x1x16xi64>
    %29 = tensor.empty() : tensor<16x1x1x16xf32>
    %30 = linalg.generic {indexing_maps = [#map9, #map9], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%expanded_14 : tensor<16x1x1x16xi64>) outs(%29 : tensor<16x1x1x16xf32>) {
    ^bb0(%in: i64, %out: f32):
      %441 = arith.sitofp %in : i64 to f32
      linalg.yield %441 : f32
    } -> tensor<16x1x1x16xf32>
    %31 = linalg.generic {indexing_maps = [#map10, #map9, #map9], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%cst_4, %30 : tensor<f32>, tensor<16x1x1x16xf32>) outs(%29 : tensor<16x1x1x16xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.subf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x1x1x16xf32>
    %32 = linalg.generic {indexing_maps = [#map9, #map9], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%31 : tensor<16x1x1x16xf32>) outs(%29 : tensor<16x1x1x16xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.mulf %in, %cst_10 : f32
      linalg.yield %441 : f32
    } -> tensor<16x1x1x16xf32>
    %collapsed = tensor.collapse_shape %28 [[0, 1], [2]] : tensor<16x16x384xf32> into tensor<256x384xf32>
    %33 = tensor.empty() : tensor<384x384xf32>
    %transposed = linalg.transpose ins(%arg7 : tensor<384x384xf32>) outs(%33 : tensor<384x384xf32>) permutation = [1, 0] 
    %34 = tensor.empty() : tensor<256x384xf32>
    %35 = linalg.fill ins(%cst : f32) outs(%34 : tensor<256x384xf32>) -> tensor<256x384xf32>
    %36 = linalg.matmul ins(%collapsed, %transposed : tensor<256x384xf32>, tensor<384x384xf32>) outs(%35 : tensor<256x384xf32>) -> tensor<256x384xf32>
    %37 = linalg.generic {indexing_maps = [#map11, #map4], iterator_types = ["parallel", "parallel"]} ins(%arg8 : tensor<384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<256x384xf32>
    %38 = linalg.generic {indexing_maps = [#map4, #map4, #map4], iterator_types = ["parallel", "parallel"]} ins(%36, %37 : tensor<256x384xf32>, tensor<256x384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<256x384xf32>
    %expanded_15 = tensor.expand_shape %38 [[0, 1], [2, 3]] output_shape [16, 16, 12, 32] : tensor<256x384xf32> into tensor<16x16x12x32xf32>
    %39 = tensor.empty() : tensor<16x12x16x32xf32>
    %transposed_16 = linalg.transpose ins(%expanded_15 : tensor<16x16x12x32xf32>) outs(%39 : tensor<16x12x16x32xf32>) permutation = [0, 2, 1, 3] 
    %transposed_17 = linalg.transpose ins(%arg9 : tensor<384x384xf32>) outs(%33 : tensor<384x384xf32>) permutation = [1, 0] 
    %40 = linalg.matmul ins(%collapsed, %transposed_17 : tensor<256x384xf32>, tensor<384x384xf32>) outs(%35 : tensor<256x384xf32>) -> tensor<256x384xf32>
    %41 = linalg.generic {indexing_maps = [#map11, #map4], iterator_types = ["parallel", "parallel"]} ins(%arg10 : tensor<384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<256x384xf32>
    %42 = linalg.generic {indexing_maps = [#map4, #map4, #map4], iterator_types = ["parallel", "parallel"]} ins(%40, %41 : tensor<256x384xf32>, tensor<256x384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<256x384xf32>
    %expanded_18 = tensor.expand_shape %42 [[0, 1], [2, 3]] output_shape [16, 16, 12, 32] : tensor<256x384xf32> into tensor<16x16x12x32xf32>
    %transposed_19 = linalg.transpose ins(%arg11 : tensor<384x384xf32>) outs(%33 : tensor<384x384xf32>) permutation = [1, 0] 
    %43 = linalg.matmul ins(%collapsed, %transposed_19 : tensor<256x384xf32>, tensor<384x384xf32>) outs(%35 : tensor<256x384xf32>) -> tensor<256x384xf32>
    %44 = linalg.generic {indexing_maps = [#map11, #map4], iterator_types = ["parallel", "parallel"]} ins(%arg12 : tensor<384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<256x384xf32>
    %45 = linalg.generic {indexing_maps = [#map4, #map4, #map4], iterator_types = ["parallel", "parallel"]} ins(%43, %44 : tensor<256x384xf32>, tensor<256x384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<256x384xf32>
    %expanded_20 = tensor.expand_shape %45 [[0, 1], [2, 3]] output_shape [16, 16, 12, 32] : tensor<256x384xf32> into tensor<16x16x12x32xf32>
    %transposed_21 = linalg.transpose ins(%expanded_20 : tensor<16x16x12x32xf32>) outs(%39 : tensor<16x12x16x32xf32>) permutation = [0, 2, 1, 3] 
    %46 = tensor.empty() : tensor<16x12x32x16xf32>
    %transposed_22 = linalg.transpose ins(%expanded_18 : tensor<16x16x12x32xf32>) outs(%46 : tensor<16x12x32x16xf32>) permutation = [0, 2, 3, 1] 
    %collapsed_23 = tensor.collapse_shape %transposed_16 [[0, 1], [2], [3]] : tensor<16x12x16x32xf32> into tensor<192x16x32xf32>
    %collapsed_24 = tensor.collapse_shape %transposed_22 [[0, 1], [2], [3]] : tensor<16x12x32x16xf32> into tensor<192x32x16xf32>
    %47 = tensor.empty() : tensor<192x16x16xf32>
    %48 = linalg.fill ins(%cst : f32) outs(%47 : tensor<192x16x16xf32>) -> tensor<192x16x16xf32>
    %49 = linalg.batch_matmul ins(%collapsed_23, %collapsed_24 : tensor<192x16x32xf32>, tensor<192x32x16xf32>) outs(%48 : tensor<192x16x16xf32>) -> tensor<192x16x16xf32>
    %expanded_25 = tensor.expand_shape %49 [[0, 1], [2], [3]] output_shape [16, 12, 16, 16] : tensor<192x16x16xf32> into tensor<16x12x16x16xf32>
    %50 = tensor.empty() : tensor<16x12x16x16xf32>
    %51 = linalg.generic {indexing_maps = [#map9, #map9], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%expanded_25 : tensor<16x12x16x16xf32>) outs(%50 : tensor<16x12x16x16xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.truncf %cst_6 : f64 to f32
      %442 = arith.divf %in, %441 : f32
      linalg.yield %442 : f32
    } -> tensor<16x12x16x16xf32>
    %52 = linalg.generic {indexing_maps = [#map9, #map12, #map9], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%51, %32 : tensor<16x12x16x16xf32>, tensor<16x1x1x16xf32>) outs(%50 : tensor<16x12x16x16xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x12x16x16xf32>
    %53 = tensor.empty() : tensor<16x12x16xi64>
    %54 = linalg.fill ins(%c0_i64 : i64) outs(%53 : tensor<16x12x16xi64>) -> tensor<16x12x16xi64>
    %55 = tensor.empty() : tensor<16x12x16xf32>
    %56 = linalg.fill ins(%cst_1 : f32) outs(%55 : tensor<16x12x16xf32>) -> tensor<16x12x16xf32>
    %57:2 = linalg.generic {indexing_maps = [#map9, #map13, #map13], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%52 : tensor<16x12x16x16xf32>) outs(%56, %54 : tensor<16x12x16xf32>, tensor<16x12x16xi64>) {
    ^bb0(%in: f32, %out: f32, %out_177: i64):
      %441 = linalg.index 3 : index
      %442 = arith.index_cast %441 : index to i64
      %443 = arith.maximumf %in, %out : f32
      %444 = arith.cmpf ogt, %in, %out : f32
      %445 = arith.select %444, %442, %out_177 : i64
      linalg.yield %443, %445 : f32, i64
    } -> (tensor<16x12x16xf32>, tensor<16x12x16xi64>)
    %expanded_26 = tensor.expand_shape %57#0 [[0], [1], [2, 3]] output_shape [16, 12, 16, 1] : tensor<16x12x16xf32> into tensor<16x12x16x1xf32>
    %58 = linalg.generic {indexing_maps = [#map9, #map14, #map9], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%52, %expanded_26 : tensor<16x12x16x16xf32>, tensor<16x12x16x1xf32>) outs(%50 : tensor<16x12x16x16xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.subf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x12x16x16xf32>
    %59 = linalg.generic {indexing_maps = [#map9, #map9], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%58 : tensor<16x12x16x16xf32>) outs(%50 : tensor<16x12x16x16xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = math.exp %in : f32
      linalg.yield %441 : f32
    } -> tensor<16x12x16x16xf32>
    %60 = tensor.empty() : tensor<16x12x16x1xf32>
    %61 = linalg.fill ins(%cst : f32) outs(%60 : tensor<16x12x16x1xf32>) -> tensor<16x12x16x1xf32>
    %62 = linalg.generic {indexing_maps = [#map9, #map14], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%59 : tensor<16x12x16x16xf32>) outs(%61 : tensor<16x12x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.addf %in, %out : f32
      linalg.yield %441 : f32
    } -> tensor<16x12x16x1xf32>
    %63 = linalg.generic {indexing_maps = [#map9, #map14, #map9], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%59, %62 : tensor<16x12x16x16xf32>, tensor<16x12x16x1xf32>) outs(%50 : tensor<16x12x16x16xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.divf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x12x16x16xf32>
    %collapsed_27 = tensor.collapse_shape %63 [[0, 1], [2], [3]] : tensor<16x12x16x16xf32> into tensor<192x16x16xf32>
    %collapsed_28 = tensor.collapse_shape %transposed_21 [[0, 1], [2], [3]] : tensor<16x12x16x32xf32> into tensor<192x16x32xf32>
    %64 = tensor.empty() : tensor<192x16x32xf32>
    %65 = linalg.fill ins(%cst : f32) outs(%64 : tensor<192x16x32xf32>) -> tensor<192x16x32xf32>
    %66 = linalg.batch_matmul ins(%collapsed_27, %collapsed_28 : tensor<192x16x16xf32>, tensor<192x16x32xf32>) outs(%65 : tensor<192x16x32xf32>) -> tensor<192x16x32xf32>
    %expanded_29 = tensor.expand_shape %66 [[0, 1], [2], [3]] output_shape [16, 12, 16, 32] : tensor<192x16x32xf32> into tensor<16x12x16x32xf32>
    %67 = tensor.empty() : tensor<16x16x12x32xf32>
    %transposed_30 = linalg.transpose ins(%expanded_29 : tensor<16x12x16x32xf32>) outs(%67 : tensor<16x16x12x32xf32>) permutation = [0, 2, 1, 3] 
    %collapsed_31 = tensor.collapse_shape %transposed_30 [[0, 1], [2, 3]] : tensor<16x16x12x32xf32> into tensor<256x384xf32>
    %transposed_32 = linalg.transpose ins(%arg13 : tensor<384x384xf32>) outs(%33 : tensor<384x384xf32>) permutation = [1, 0] 
    %68 = linalg.matmul ins(%collapsed_31, %transposed_32 : tensor<256x384xf32>, tensor<384x384xf32>) outs(%35 : tensor<256x384xf32>) -> tensor<256x384xf32>
    %69 = linalg.generic {indexing_maps = [#map11, #map4], iterator_types = ["parallel", "parallel"]} ins(%arg14 : tensor<384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<256x384xf32>
    %70 = linalg.generic {indexing_maps = [#map4, #map4, #map4], iterator_types = ["parallel", "parallel"]} ins(%68, %69 : tensor<256x384xf32>, tensor<256x384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<256x384xf32>
    %expanded_33 = tensor.expand_shape %70 [[0, 1], [2]] output_shape [16, 16, 384] : tensor<256x384xf32> into tensor<16x16x384xf32>
    %71 = linalg.generic {indexing_maps = [#map2, #map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%expanded_33, %28 : tensor<16x16x384xf32>, tensor<16x16x384xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %72 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%71 : tensor<16x16x384xf32>) outs(%8 : tensor<16x16x384xf64>) {
    ^bb0(%in: f32, %out: f64):
      %441 = arith.extf %in : f32 to f64
      linalg.yield %441 : f64
    } -> tensor<16x16x384xf64>
    %73 = linalg.generic {indexing_maps = [#map2, #map7], iterator_types = ["parallel", "parallel", "reduction"]} ins(%72 : tensor<16x16x384xf64>) outs(%11 : tensor<16x16x1xf64>) {
    ^bb0(%in: f64, %out: f64):
      %441 = arith.addf %in, %out : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x1xf64>
    %74 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%73 : tensor<16x16x1xf64>) outs(%10 : tensor<16x16x1xf64>) {
    ^bb0(%in: f64, %out: f64):
      %441 = arith.divf %in, %cst_8 : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x1xf64>
    %75 = linalg.generic {indexing_maps = [#map2, #map7, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%72, %74 : tensor<16x16x384xf64>, tensor<16x16x1xf64>) outs(%8 : tensor<16x16x384xf64>) {
    ^bb0(%in: f64, %in_177: f64, %out: f64):
      %441 = arith.subf %in, %in_177 : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x384xf64>
    %76 = linalg.generic {indexing_maps = [#map2, #map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%75, %75 : tensor<16x16x384xf64>, tensor<16x16x384xf64>) outs(%8 : tensor<16x16x384xf64>) {
    ^bb0(%in: f64, %in_177: f64, %out: f64):
      %441 = arith.mulf %in, %in_177 : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x384xf64>
    %77 = linalg.generic {indexing_maps = [#map2, #map7], iterator_types = ["parallel", "parallel", "reduction"]} ins(%76 : tensor<16x16x384xf64>) outs(%11 : tensor<16x16x1xf64>) {
    ^bb0(%in: f64, %out: f64):
      %441 = arith.addf %in, %out : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x1xf64>
    %78 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%77 : tensor<16x16x1xf64>) outs(%10 : tensor<16x16x1xf64>) {
    ^bb0(%in: f64, %out: f64):
      %441 = arith.divf %in, %cst_8 : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x1xf64>
    %79 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%78 : tensor<16x16x1xf64>) outs(%18 : tensor<16x16x1xf32>) {
    ^bb0(%in: f64, %out: f32):
      %441 = arith.truncf %in : f64 to f32
      linalg.yield %441 : f32
    } -> tensor<16x16x1xf32>
    %80 = linalg.generic {indexing_maps = [#map2, #map7], iterator_types = ["parallel", "parallel", "reduction"]} ins(%71 : tensor<16x16x384xf32>) outs(%20 : tensor<16x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.addf %in, %out : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x1xf32>
    %81 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%80 : tensor<16x16x1xf32>) outs(%18 : tensor<16x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.divf %in, %cst_9 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x1xf32>
    %82 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%79 : tensor<16x16x1xf32>) outs(%18 : tensor<16x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.truncf %cst_7 : f64 to f32
      %442 = arith.addf %in, %441 : f32
      linalg.yield %442 : f32
    } -> tensor<16x16x1xf32>
    %83 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%82 : tensor<16x16x1xf32>) outs(%18 : tensor<16x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = math.rsqrt %in : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x1xf32>
    %84 = linalg.generic {indexing_maps = [#map2, #map7, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%71, %81 : tensor<16x16x384xf32>, tensor<16x16x1xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.subf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %85 = linalg.generic {indexing_maps = [#map2, #map7, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%84, %83 : tensor<16x16x384xf32>, tensor<16x16x1xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.mulf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %86 = linalg.generic {indexing_maps = [#map2, #map8, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%85, %arg15 : tensor<16x16x384xf32>, tensor<384xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.mulf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %87 = linalg.generic {indexing_maps = [#map2, #map8, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%86, %arg16 : tensor<16x16x384xf32>, tensor<384xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %collapsed_34 = tensor.collapse_shape %87 [[0, 1], [2]] : tensor<16x16x384xf32> into tensor<256x384xf32>
    %88 = tensor.empty() : tensor<384x1536xf32>
    %transposed_35 = linalg.transpose ins(%arg17 : tensor<1536x384xf32>) outs(%88 : tensor<384x1536xf32>) permutation = [1, 0] 
    %89 = tensor.empty() : tensor<256x1536xf32>
    %90 = linalg.fill ins(%cst : f32) outs(%89 : tensor<256x1536xf32>) -> tensor<256x1536xf32>
    %91 = linalg.matmul ins(%collapsed_34, %transposed_35 : tensor<256x384xf32>, tensor<384x1536xf32>) outs(%90 : tensor<256x1536xf32>) -> tensor<256x1536xf32>
    %92 = linalg.generic {indexing_maps = [#map11, #map4], iterator_types = ["parallel", "parallel"]} ins(%arg18 : tensor<1536xf32>) outs(%89 : tensor<256x1536xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<256x1536xf32>
    %93 = linalg.generic {indexing_maps = [#map4, #map4, #map4], iterator_types = ["parallel", "parallel"]} ins(%91, %92 : tensor<256x1536xf32>, tensor<256x1536xf32>) outs(%89 : tensor<256x1536xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<256x1536xf32>
    %expanded_36 = tensor.expand_shape %93 [[0, 1], [2]] output_shape [16, 16, 1536] : tensor<256x1536xf32> into tensor<16x16x1536xf32>
    %94 = tensor.empty() : tensor<16x16x1536xf32>
    %95 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%expanded_36 : tensor<16x16x1536xf32>) outs(%94 : tensor<16x16x1536xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.divf %in, %cst_11 : f32
      %442 = math.erf %441 : f32
      %443 = arith.addf %442, %cst_2 : f32
      %444 = arith.mulf %443, %cst_3 : f32
      %445 = arith.mulf %in, %444 : f32
      linalg.yield %445 : f32
    } -> tensor<16x16x1536xf32>
    %collapsed_37 = tensor.collapse_shape %95 [[0, 1], [2]] : tensor<16x16x1536xf32> into tensor<256x1536xf32>
    %96 = tensor.empty() : tensor<1536x384xf32>
    %transposed_38 = linalg.transpose ins(%arg19 : tensor<384x1536xf32>) outs(%96 : tensor<1536x384xf32>) permutation = [1, 0] 
    %97 = linalg.matmul ins(%collapsed_37, %transposed_38 : tensor<256x1536xf32>, tensor<1536x384xf32>) outs(%35 : tensor<256x384xf32>) -> tensor<256x384xf32>
    %98 = linalg.generic {indexing_maps = [#map11, #map4], iterator_types = ["parallel", "parallel"]} ins(%arg20 : tensor<384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<256x384xf32>
    %99 = linalg.generic {indexing_maps = [#map4, #map4, #map4], iterator_types = ["parallel", "parallel"]} ins(%97, %98 : tensor<256x384xf32>, tensor<256x384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<256x384xf32>
    %expanded_39 = tensor.expand_shape %99 [[0, 1], [2]] output_shape [16, 16, 384] : tensor<256x384xf32> into tensor<16x16x384xf32>
    %100 = linalg.generic {indexing_maps = [#map2, #map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%expanded_39, %87 : tensor<16x16x384xf32>, tensor<16x16x384xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %101 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%100 : tensor<16x16x384xf32>) outs(%8 : tensor<16x16x384xf64>) {
    ^bb0(%in: f32, %out: f64):
      %441 = arith.extf %in : f32 to f64
      linalg.yield %441 : f64
    } -> tensor<16x16x384xf64>
    %102 = linalg.generic {indexing_maps = [#map2, #map7], iterator_types = ["parallel", "parallel", "reduction"]} ins(%101 : tensor<16x16x384xf64>) outs(%11 : tensor<16x16x1xf64>) {
    ^bb0(%in: f64, %out: f64):
      %441 = arith.addf %in, %out : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x1xf64>
    %103 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%102 : tensor<16x16x1xf64>) outs(%10 : tensor<16x16x1xf64>) {
    ^bb0(%in: f64, %out: f64):
      %441 = arith.divf %in, %cst_8 : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x1xf64>
    %104 = linalg.generic {indexing_maps = [#map2, #map7, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%101, %103 : tensor<16x16x384xf64>, tensor<16x16x1xf64>) outs(%8 : tensor<16x16x384xf64>) {
    ^bb0(%in: f64, %in_177: f64, %out: f64):
      %441 = arith.subf %in, %in_177 : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x384xf64>
    %105 = linalg.generic {indexing_maps = [#map2, #map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%104, %104 : tensor<16x16x384xf64>, tensor<16x16x384xf64>) outs(%8 : tensor<16x16x384xf64>) {
    ^bb0(%in: f64, %in_177: f64, %out: f64):
      %441 = arith.mulf %in, %in_177 : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x384xf64>
    %106 = linalg.generic {indexing_maps = [#map2, #map7], iterator_types = ["parallel", "parallel", "reduction"]} ins(%105 : tensor<16x16x384xf64>) outs(%11 : tensor<16x16x1xf64>) {
    ^bb0(%in: f64, %out: f64):
      %441 = arith.addf %in, %out : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x1xf64>
    %107 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%106 : tensor<16x16x1xf64>) outs(%10 : tensor<16x16x1xf64>) {
    ^bb0(%in: f64, %out: f64):
      %441 = arith.divf %in, %cst_8 : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x1xf64>
    %108 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%107 : tensor<16x16x1xf64>) outs(%18 : tensor<16x16x1xf32>) {
    ^bb0(%in: f64, %out: f32):
      %441 = arith.truncf %in : f64 to f32
      linalg.yield %441 : f32
    } -> tensor<16x16x1xf32>
    %109 = linalg.generic {indexing_maps = [#map2, #map7], iterator_types = ["parallel", "parallel", "reduction"]} ins(%100 : tensor<16x16x384xf32>) outs(%20 : tensor<16x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.addf %in, %out : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x1xf32>
    %110 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%109 : tensor<16x16x1xf32>) outs(%18 : tensor<16x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.divf %in, %cst_9 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x1xf32>
    %111 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%108 : tensor<16x16x1xf32>) outs(%18 : tensor<16x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.truncf %cst_7 : f64 to f32
      %442 = arith.addf %in, %441 : f32
      linalg.yield %442 : f32
    } -> tensor<16x16x1xf32>
    %112 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%111 : tensor<16x16x1xf32>) outs(%18 : tensor<16x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = math.rsqrt %in : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x1xf32>
    %113 = linalg.generic {indexing_maps = [#map2, #map7, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%100, %110 : tensor<16x16x384xf32>, tensor<16x16x1xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.subf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %114 = linalg.generic {indexing_maps = [#map2, #map7, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%113, %112 : tensor<16x16x384xf32>, tensor<16x16x1xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.mulf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %115 = linalg.generic {indexing_maps = [#map2, #map8, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%114, %arg21 : tensor<16x16x384xf32>, tensor<384xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.mulf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %116 = linalg.generic {indexing_maps = [#map2, #map8, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%115, %arg22 : tensor<16x16x384xf32>, tensor<384xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %collapsed_40 = tensor.collapse_shape %116 [[0, 1], [2]] : tensor<16x16x384xf32> into tensor<256x384xf32>
    %transposed_41 = linalg.transpose ins(%arg23 : tensor<384x384xf32>) outs(%33 : tensor<384x384xf32>) permutation = [1, 0] 
    %117 = linalg.matmul ins(%collapsed_40, %transposed_41 : tensor<256x384xf32>, tensor<384x384xf32>) outs(%35 : tensor<256x384xf32>) -> tensor<256x384xf32>
    %118 = linalg.generic {indexing_maps = [#map11, #map4], iterator_types = ["parallel", "parallel"]} ins(%arg24 : tensor<384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<256x384xf32>
    %119 = linalg.generic {indexing_maps = [#map4, #map4, #map4], iterator_types = ["parallel", "parallel"]} ins(%117, %118 : tensor<256x384xf32>, tensor<256x384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<256x384xf32>
    %expanded_42 = tensor.expand_shape %119 [[0, 1], [2, 3]] output_shape [16, 16, 12, 32] : tensor<256x384xf32> into tensor<16x16x12x32xf32>
    %transposed_43 = linalg.transpose ins(%expanded_42 : tensor<16x16x12x32xf32>) outs(%39 : tensor<16x12x16x32xf32>) permutation = [0, 2, 1, 3] 
    %transposed_44 = linalg.transpose ins(%arg25 : tensor<384x384xf32>) outs(%33 : tensor<384x384xf32>) permutation = [1, 0] 
    %120 = linalg.matmul ins(%collapsed_40, %transposed_44 : tensor<256x384xf32>, tensor<384x384xf32>) outs(%35 : tensor<256x384xf32>) -> tensor<256x384xf32>
    %121 = linalg.generic {indexing_maps = [#map11, #map4], iterator_types = ["parallel", "parallel"]} ins(%arg26 : tensor<384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<256x384xf32>
    %122 = linalg.generic {indexing_maps = [#map4, #map4, #map4], iterator_types = ["parallel", "parallel"]} ins(%120, %121 : tensor<256x384xf32>, tensor<256x384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<256x384xf32>
    %expanded_45 = tensor.expand_shape %122 [[0, 1], [2, 3]] output_shape [16, 16, 12, 32] : tensor<256x384xf32> into tensor<16x16x12x32xf32>
    %transposed_46 = linalg.transpose ins(%arg27 : tensor<384x384xf32>) outs(%33 : tensor<384x384xf32>) permutation = [1, 0] 
    %123 = linalg.matmul ins(%collapsed_40, %transposed_46 : tensor<256x384xf32>, tensor<384x384xf32>) outs(%35 : tensor<256x384xf32>) -> tensor<256x384xf32>
    %124 = linalg.generic {indexing_maps = [#map11, #map4], iterator_types = ["parallel", "parallel"]} ins(%arg28 : tensor<384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<256x384xf32>
    %125 = linalg.generic {indexing_maps = [#map4, #map4, #map4], iterator_types = ["parallel", "parallel"]} ins(%123, %124 : tensor<256x384xf32>, tensor<256x384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<256x384xf32>
    %expanded_47 = tensor.expand_shape %125 [[0, 1], [2, 3]] output_shape [16, 16, 12, 32] : tensor<256x384xf32> into tensor<16x16x12x32xf32>
    %transposed_48 = linalg.transpose ins(%expanded_47 : tensor<16x16x12x32xf32>) outs(%39 : tensor<16x12x16x32xf32>) permutation = [0, 2, 1, 3] 
    %transposed_49 = linalg.transpose ins(%expanded_45 : tensor<16x16x12x32xf32>) outs(%46 : tensor<16x12x32x16xf32>) permutation = [0, 2, 3, 1] 
    %collapsed_50 = tensor.collapse_shape %transposed_43 [[0, 1], [2], [3]] : tensor<16x12x16x32xf32> into tensor<192x16x32xf32>
    %collapsed_51 = tensor.collapse_shape %transposed_49 [[0, 1], [2], [3]] : tensor<16x12x32x16xf32> into tensor<192x32x16xf32>
    %126 = linalg.batch_matmul ins(%collapsed_50, %collapsed_51 : tensor<192x16x32xf32>, tensor<192x32x16xf32>) outs(%48 : tensor<192x16x16xf32>) -> tensor<192x16x16xf32>
    %expanded_52 = tensor.expand_shape %126 [[0, 1], [2], [3]] output_shape [16, 12, 16, 16] : tensor<192x16x16xf32> into tensor<16x12x16x16xf32>
    %127 = linalg.generic {indexing_maps = [#map9, #map9], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%expanded_52 : tensor<16x12x16x16xf32>) outs(%50 : tensor<16x12x16x16xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.truncf %cst_6 : f64 to f32
      %442 = arith.divf %in, %441 : f32
      linalg.yield %442 : f32
    } -> tensor<16x12x16x16xf32>
    %128 = linalg.generic {indexing_maps = [#map9, #map12, #map9], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%127, %32 : tensor<16x12x16x16xf32>, tensor<16x1x1x16xf32>) outs(%50 : tensor<16x12x16x16xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x12x16x16xf32>
    %129:2 = linalg.generic {indexing_maps = [#map9, #map13, #map13], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%128 : tensor<16x12x16x16xf32>) outs(%56, %54 : tensor<16x12x16xf32>, tensor<16x12x16xi64>) {
    ^bb0(%in: f32, %out: f32, %out_177: i64):
      %441 = linalg.index 3 : index
      %442 = arith.index_cast %441 : index to i64
      %443 = arith.maximumf %in, %out : f32
      %444 = arith.cmpf ogt, %in, %out : f32
      %445 = arith.select %444, %442, %out_177 : i64
      linalg.yield %443, %445 : f32, i64
    } -> (tensor<16x12x16xf32>, tensor<16x12x16xi64>)
    %expanded_53 = tensor.expand_shape %129#0 [[0], [1], [2, 3]] output_shape [16, 12, 16, 1] : tensor<16x12x16xf32> into tensor<16x12x16x1xf32>
    %130 = linalg.generic {indexing_maps = [#map9, #map14, #map9], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%128, %expanded_53 : tensor<16x12x16x16xf32>, tensor<16x12x16x1xf32>) outs(%50 : tensor<16x12x16x16xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.subf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x12x16x16xf32>
    %131 = linalg.generic {indexing_maps = [#map9, #map9], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%130 : tensor<16x12x16x16xf32>) outs(%50 : tensor<16x12x16x16xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = math.exp %in : f32
      linalg.yield %441 : f32
    } -> tensor<16x12x16x16xf32>
    %132 = linalg.generic {indexing_maps = [#map9, #map14], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%131 : tensor<16x12x16x16xf32>) outs(%61 : tensor<16x12x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.addf %in, %out : f32
      linalg.yield %441 : f32
    } -> tensor<16x12x16x1xf32>
    %133 = linalg.generic {indexing_maps = [#map9, #map14, #map9], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%131, %132 : tensor<16x12x16x16xf32>, tensor<16x12x16x1xf32>) outs(%50 : tensor<16x12x16x16xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.divf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x12x16x16xf32>
    %collapsed_54 = tensor.collapse_shape %133 [[0, 1], [2], [3]] : tensor<16x12x16x16xf32> into tensor<192x16x16xf32>
    %collapsed_55 = tensor.collapse_shape %transposed_48 [[0, 1], [2], [3]] : tensor<16x12x16x32xf32> into tensor<192x16x32xf32>
    %134 = linalg.batch_matmul ins(%collapsed_54, %collapsed_55 : tensor<192x16x16xf32>, tensor<192x16x32xf32>) outs(%65 : tensor<192x16x32xf32>) -> tensor<192x16x32xf32>
    %expanded_56 = tensor.expand_shape %134 [[0, 1], [2], [3]] output_shape [16, 12, 16, 32] : tensor<192x16x32xf32> into tensor<16x12x16x32xf32>
    %transposed_57 = linalg.transpose ins(%expanded_56 : tensor<16x12x16x32xf32>) outs(%67 : tensor<16x16x12x32xf32>) permutation = [0, 2, 1, 3] 
    %collapsed_58 = tensor.collapse_shape %transposed_57 [[0, 1], [2, 3]] : tensor<16x16x12x32xf32> into tensor<256x384xf32>
    %transposed_59 = linalg.transpose ins(%arg29 : tensor<384x384xf32>) outs(%33 : tensor<384x384xf32>) permutation = [1, 0] 
    %135 = linalg.matmul ins(%collapsed_58, %transposed_59 : tensor<256x384xf32>, tensor<384x384xf32>) outs(%35 : tensor<256x384xf32>) -> tensor<256x384xf32>
    %136 = linalg.generic {indexing_maps = [#map11, #map4], iterator_types = ["parallel", "parallel"]} ins(%arg30 : tensor<384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<256x384xf32>
    %137 = linalg.generic {indexing_maps = [#map4, #map4, #map4], iterator_types = ["parallel", "parallel"]} ins(%135, %136 : tensor<256x384xf32>, tensor<256x384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<256x384xf32>
    %expanded_60 = tensor.expand_shape %137 [[0, 1], [2]] output_shape [16, 16, 384] : tensor<256x384xf32> into tensor<16x16x384xf32>
    %138 = linalg.generic {indexing_maps = [#map2, #map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%expanded_60, %116 : tensor<16x16x384xf32>, tensor<16x16x384xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %139 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%138 : tensor<16x16x384xf32>) outs(%8 : tensor<16x16x384xf64>) {
    ^bb0(%in: f32, %out: f64):
      %441 = arith.extf %in : f32 to f64
      linalg.yield %441 : f64
    } -> tensor<16x16x384xf64>
    %140 = linalg.generic {indexing_maps = [#map2, #map7], iterator_types = ["parallel", "parallel", "reduction"]} ins(%139 : tensor<16x16x384xf64>) outs(%11 : tensor<16x16x1xf64>) {
    ^bb0(%in: f64, %out: f64):
      %441 = arith.addf %in, %out : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x1xf64>
    %141 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%140 : tensor<16x16x1xf64>) outs(%10 : tensor<16x16x1xf64>) {
    ^bb0(%in: f64, %out: f64):
      %441 = arith.divf %in, %cst_8 : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x1xf64>
    %142 = linalg.generic {indexing_maps = [#map2, #map7, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%139, %141 : tensor<16x16x384xf64>, tensor<16x16x1xf64>) outs(%8 : tensor<16x16x384xf64>) {
    ^bb0(%in: f64, %in_177: f64, %out: f64):
      %441 = arith.subf %in, %in_177 : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x384xf64>
    %143 = linalg.generic {indexing_maps = [#map2, #map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%142, %142 : tensor<16x16x384xf64>, tensor<16x16x384xf64>) outs(%8 : tensor<16x16x384xf64>) {
    ^bb0(%in: f64, %in_177: f64, %out: f64):
      %441 = arith.mulf %in, %in_177 : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x384xf64>
    %144 = linalg.generic {indexing_maps = [#map2, #map7], iterator_types = ["parallel", "parallel", "reduction"]} ins(%143 : tensor<16x16x384xf64>) outs(%11 : tensor<16x16x1xf64>) {
    ^bb0(%in: f64, %out: f64):
      %441 = arith.addf %in, %out : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x1xf64>
    %145 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%144 : tensor<16x16x1xf64>) outs(%10 : tensor<16x16x1xf64>) {
    ^bb0(%in: f64, %out: f64):
      %441 = arith.divf %in, %cst_8 : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x1xf64>
    %146 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%145 : tensor<16x16x1xf64>) outs(%18 : tensor<16x16x1xf32>) {
    ^bb0(%in: f64, %out: f32):
      %441 = arith.truncf %in : f64 to f32
      linalg.yield %441 : f32
    } -> tensor<16x16x1xf32>
    %147 = linalg.generic {indexing_maps = [#map2, #map7], iterator_types = ["parallel", "parallel", "reduction"]} ins(%138 : tensor<16x16x384xf32>) outs(%20 : tensor<16x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.addf %in, %out : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x1xf32>
    %148 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%147 : tensor<16x16x1xf32>) outs(%18 : tensor<16x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.divf %in, %cst_9 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x1xf32>
    %149 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%146 : tensor<16x16x1xf32>) outs(%18 : tensor<16x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.truncf %cst_7 : f64 to f32
      %442 = arith.addf %in, %441 : f32
      linalg.yield %442 : f32
    } -> tensor<16x16x1xf32>
    %150 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%149 : tensor<16x16x1xf32>) outs(%18 : tensor<16x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = math.rsqrt %in : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x1xf32>
    %151 = linalg.generic {indexing_maps = [#map2, #map7, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%138, %148 : tensor<16x16x384xf32>, tensor<16x16x1xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.subf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %152 = linalg.generic {indexing_maps = [#map2, #map7, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%151, %150 : tensor<16x16x384xf32>, tensor<16x16x1xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.mulf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %153 = linalg.generic {indexing_maps = [#map2, #map8, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%152, %arg31 : tensor<16x16x384xf32>, tensor<384xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.mulf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %154 = linalg.generic {indexing_maps = [#map2, #map8, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%153, %arg32 : tensor<16x16x384xf32>, tensor<384xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %collapsed_61 = tensor.collapse_shape %154 [[0, 1], [2]] : tensor<16x16x384xf32> into tensor<256x384xf32>
    %transposed_62 = linalg.transpose ins(%arg33 : tensor<1536x384xf32>) outs(%88 : tensor<384x1536xf32>) permutation = [1, 0] 
    %155 = linalg.matmul ins(%collapsed_61, %transposed_62 : tensor<256x384xf32>, tensor<384x1536xf32>) outs(%90 : tensor<256x1536xf32>) -> tensor<256x1536xf32>
    %156 = linalg.generic {indexing_maps = [#map11, #map4], iterator_types = ["parallel", "parallel"]} ins(%arg34 : tensor<1536xf32>) outs(%89 : tensor<256x1536xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<256x1536xf32>
    %157 = linalg.generic {indexing_maps = [#map4, #map4, #map4], iterator_types = ["parallel", "parallel"]} ins(%155, %156 : tensor<256x1536xf32>, tensor<256x1536xf32>) outs(%89 : tensor<256x1536xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<256x1536xf32>
    %expanded_63 = tensor.expand_shape %157 [[0, 1], [2]] output_shape [16, 16, 1536] : tensor<256x1536xf32> into tensor<16x16x1536xf32>
    %158 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%expanded_63 : tensor<16x16x1536xf32>) outs(%94 : tensor<16x16x1536xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.divf %in, %cst_11 : f32
      %442 = math.erf %441 : f32
      %443 = arith.addf %442, %cst_2 : f32
      %444 = arith.mulf %443, %cst_3 : f32
      %445 = arith.mulf %in, %444 : f32
      linalg.yield %445 : f32
    } -> tensor<16x16x1536xf32>
    %collapsed_64 = tensor.collapse_shape %158 [[0, 1], [2]] : tensor<16x16x1536xf32> into tensor<256x1536xf32>
    %transposed_65 = linalg.transpose ins(%arg35 : tensor<384x1536xf32>) outs(%96 : tensor<1536x384xf32>) permutation = [1, 0] 
    %159 = linalg.matmul ins(%collapsed_64, %transposed_65 : tensor<256x1536xf32>, tensor<1536x384xf32>) outs(%35 : tensor<256x384xf32>) -> tensor<256x384xf32>
    %160 = linalg.generic {indexing_maps = [#map11, #map4], iterator_types = ["parallel", "parallel"]} ins(%arg36 : tensor<384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<256x384xf32>
    %161 = linalg.generic {indexing_maps = [#map4, #map4, #map4], iterator_types = ["parallel", "parallel"]} ins(%159, %160 : tensor<256x384xf32>, tensor<256x384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<256x384xf32>
    %expanded_66 = tensor.expand_shape %161 [[0, 1], [2]] output_shape [16, 16, 384] : tensor<256x384xf32> into tensor<16x16x384xf32>
    %162 = linalg.generic {indexing_maps = [#map2, #map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%expanded_66, %154 : tensor<16x16x384xf32>, tensor<16x16x384xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %163 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%162 : tensor<16x16x384xf32>) outs(%8 : tensor<16x16x384xf64>) {
    ^bb0(%in: f32, %out: f64):
      %441 = arith.extf %in : f32 to f64
      linalg.yield %441 : f64
    } -> tensor<16x16x384xf64>
    %164 = linalg.generic {indexing_maps = [#map2, #map7], iterator_types = ["parallel", "parallel", "reduction"]} ins(%163 : tensor<16x16x384xf64>) outs(%11 : tensor<16x16x1xf64>) {
    ^bb0(%in: f64, %out: f64):
      %441 = arith.addf %in, %out : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x1xf64>
    %165 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%164 : tensor<16x16x1xf64>) outs(%10 : tensor<16x16x1xf64>) {
    ^bb0(%in: f64, %out: f64):
      %441 = arith.divf %in, %cst_8 : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x1xf64>
    %166 = linalg.generic {indexing_maps = [#map2, #map7, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%163, %165 : tensor<16x16x384xf64>, tensor<16x16x1xf64>) outs(%8 : tensor<16x16x384xf64>) {
    ^bb0(%in: f64, %in_177: f64, %out: f64):
      %441 = arith.subf %in, %in_177 : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x384xf64>
    %167 = linalg.generic {indexing_maps = [#map2, #map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%166, %166 : tensor<16x16x384xf64>, tensor<16x16x384xf64>) outs(%8 : tensor<16x16x384xf64>) {
    ^bb0(%in: f64, %in_177: f64, %out: f64):
      %441 = arith.mulf %in, %in_177 : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x384xf64>
    %168 = linalg.generic {indexing_maps = [#map2, #map7], iterator_types = ["parallel", "parallel", "reduction"]} ins(%167 : tensor<16x16x384xf64>) outs(%11 : tensor<16x16x1xf64>) {
    ^bb0(%in: f64, %out: f64):
      %441 = arith.addf %in, %out : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x1xf64>
    %169 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%168 : tensor<16x16x1xf64>) outs(%10 : tensor<16x16x1xf64>) {
    ^bb0(%in: f64, %out: f64):
      %441 = arith.divf %in, %cst_8 : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x1xf64>
    %170 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%169 : tensor<16x16x1xf64>) outs(%18 : tensor<16x16x1xf32>) {
    ^bb0(%in: f64, %out: f32):
      %441 = arith.truncf %in : f64 to f32
      linalg.yield %441 : f32
    } -> tensor<16x16x1xf32>
    %171 = linalg.generic {indexing_maps = [#map2, #map7], iterator_types = ["parallel", "parallel", "reduction"]} ins(%162 : tensor<16x16x384xf32>) outs(%20 : tensor<16x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.addf %in, %out : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x1xf32>
    %172 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%171 : tensor<16x16x1xf32>) outs(%18 : tensor<16x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.divf %in, %cst_9 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x1xf32>
    %173 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%170 : tensor<16x16x1xf32>) outs(%18 : tensor<16x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.truncf %cst_7 : f64 to f32
      %442 = arith.addf %in, %441 : f32
      linalg.yield %442 : f32
    } -> tensor<16x16x1xf32>
    %174 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%173 : tensor<16x16x1xf32>) outs(%18 : tensor<16x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = math.rsqrt %in : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x1xf32>
    %175 = linalg.generic {indexing_maps = [#map2, #map7, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%162, %172 : tensor<16x16x384xf32>, tensor<16x16x1xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.subf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %176 = linalg.generic {indexing_maps = [#map2, #map7, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%175, %174 : tensor<16x16x384xf32>, tensor<16x16x1xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.mulf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %177 = linalg.generic {indexing_maps = [#map2, #map8, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%176, %arg37 : tensor<16x16x384xf32>, tensor<384xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.mulf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %178 = linalg.generic {indexing_maps = [#map2, #map8, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%177, %arg38 : tensor<16x16x384xf32>, tensor<384xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %collapsed_67 = tensor.collapse_shape %178 [[0, 1], [2]] : tensor<16x16x384xf32> into tensor<256x384xf32>
    %transposed_68 = linalg.transpose ins(%arg39 : tensor<384x384xf32>) outs(%33 : tensor<384x384xf32>) permutation = [1, 0] 
    %179 = linalg.matmul ins(%collapsed_67, %transposed_68 : tensor<256x384xf32>, tensor<384x384xf32>) outs(%35 : tensor<256x384xf32>) -> tensor<256x384xf32>
    %180 = linalg.generic {indexing_maps = [#map11, #map4], iterator_types = ["parallel", "parallel"]} ins(%arg40 : tensor<384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<256x384xf32>
    %181 = linalg.generic {indexing_maps = [#map4, #map4, #map4], iterator_types = ["parallel", "parallel"]} ins(%179, %180 : tensor<256x384xf32>, tensor<256x384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<256x384xf32>
    %expanded_69 = tensor.expand_shape %181 [[0, 1], [2, 3]] output_shape [16, 16, 12, 32] : tensor<256x384xf32> into tensor<16x16x12x32xf32>
    %transposed_70 = linalg.transpose ins(%expanded_69 : tensor<16x16x12x32xf32>) outs(%39 : tensor<16x12x16x32xf32>) permutation = [0, 2, 1, 3] 
    %transposed_71 = linalg.transpose ins(%arg41 : tensor<384x384xf32>) outs(%33 : tensor<384x384xf32>) permutation = [1, 0] 
    %182 = linalg.matmul ins(%collapsed_67, %transposed_71 : tensor<256x384xf32>, tensor<384x384xf32>) outs(%35 : tensor<256x384xf32>) -> tensor<256x384xf32>
    %183 = linalg.generic {indexing_maps = [#map11, #map4], iterator_types = ["parallel", "parallel"]} ins(%arg42 : tensor<384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<256x384xf32>
    %184 = linalg.generic {indexing_maps = [#map4, #map4, #map4], iterator_types = ["parallel", "parallel"]} ins(%182, %183 : tensor<256x384xf32>, tensor<256x384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<256x384xf32>
    %expanded_72 = tensor.expand_shape %184 [[0, 1], [2, 3]] output_shape [16, 16, 12, 32] : tensor<256x384xf32> into tensor<16x16x12x32xf32>
    %transposed_73 = linalg.transpose ins(%arg43 : tensor<384x384xf32>) outs(%33 : tensor<384x384xf32>) permutation = [1, 0] 
    %185 = linalg.matmul ins(%collapsed_67, %transposed_73 : tensor<256x384xf32>, tensor<384x384xf32>) outs(%35 : tensor<256x384xf32>) -> tensor<256x384xf32>
    %186 = linalg.generic {indexing_maps = [#map11, #map4], iterator_types = ["parallel", "parallel"]} ins(%arg44 : tensor<384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<256x384xf32>
    %187 = linalg.generic {indexing_maps = [#map4, #map4, #map4], iterator_types = ["parallel", "parallel"]} ins(%185, %186 : tensor<256x384xf32>, tensor<256x384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<256x384xf32>
    %expanded_74 = tensor.expand_shape %187 [[0, 1], [2, 3]] output_shape [16, 16, 12, 32] : tensor<256x384xf32> into tensor<16x16x12x32xf32>
    %transposed_75 = linalg.transpose ins(%expanded_74 : tensor<16x16x12x32xf32>) outs(%39 : tensor<16x12x16x32xf32>) permutation = [0, 2, 1, 3] 
    %transposed_76 = linalg.transpose ins(%expanded_72 : tensor<16x16x12x32xf32>) outs(%46 : tensor<16x12x32x16xf32>) permutation = [0, 2, 3, 1] 
    %collapsed_77 = tensor.collapse_shape %transposed_70 [[0, 1], [2], [3]] : tensor<16x12x16x32xf32> into tensor<192x16x32xf32>
    %collapsed_78 = tensor.collapse_shape %transposed_76 [[0, 1], [2], [3]] : tensor<16x12x32x16xf32> into tensor<192x32x16xf32>
    %188 = linalg.batch_matmul ins(%collapsed_77, %collapsed_78 : tensor<192x16x32xf32>, tensor<192x32x16xf32>) outs(%48 : tensor<192x16x16xf32>) -> tensor<192x16x16xf32>
    %expanded_79 = tensor.expand_shape %188 [[0, 1], [2], [3]] output_shape [16, 12, 16, 16] : tensor<192x16x16xf32> into tensor<16x12x16x16xf32>
    %189 = linalg.generic {indexing_maps = [#map9, #map9], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%expanded_79 : tensor<16x12x16x16xf32>) outs(%50 : tensor<16x12x16x16xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.truncf %cst_6 : f64 to f32
      %442 = arith.divf %in, %441 : f32
      linalg.yield %442 : f32
    } -> tensor<16x12x16x16xf32>
    %190 = linalg.generic {indexing_maps = [#map9, #map12, #map9], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%189, %32 : tensor<16x12x16x16xf32>, tensor<16x1x1x16xf32>) outs(%50 : tensor<16x12x16x16xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x12x16x16xf32>
    %191:2 = linalg.generic {indexing_maps = [#map9, #map13, #map13], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%190 : tensor<16x12x16x16xf32>) outs(%56, %54 : tensor<16x12x16xf32>, tensor<16x12x16xi64>) {
    ^bb0(%in: f32, %out: f32, %out_177: i64):
      %441 = linalg.index 3 : index
      %442 = arith.index_cast %441 : index to i64
      %443 = arith.maximumf %in, %out : f32
      %444 = arith.cmpf ogt, %in, %out : f32
      %445 = arith.select %444, %442, %out_177 : i64
      linalg.yield %443, %445 : f32, i64
    } -> (tensor<16x12x16xf32>, tensor<16x12x16xi64>)
    %expanded_80 = tensor.expand_shape %191#0 [[0], [1], [2, 3]] output_shape [16, 12, 16, 1] : tensor<16x12x16xf32> into tensor<16x12x16x1xf32>
    %192 = linalg.generic {indexing_maps = [#map9, #map14, #map9], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%190, %expanded_80 : tensor<16x12x16x16xf32>, tensor<16x12x16x1xf32>) outs(%50 : tensor<16x12x16x16xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.subf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x12x16x16xf32>
    %193 = linalg.generic {indexing_maps = [#map9, #map9], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%192 : tensor<16x12x16x16xf32>) outs(%50 : tensor<16x12x16x16xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = math.exp %in : f32
      linalg.yield %441 : f32
    } -> tensor<16x12x16x16xf32>
    %194 = linalg.generic {indexing_maps = [#map9, #map14], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%193 : tensor<16x12x16x16xf32>) outs(%61 : tensor<16x12x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.addf %in, %out : f32
      linalg.yield %441 : f32
    } -> tensor<16x12x16x1xf32>
    %195 = linalg.generic {indexing_maps = [#map9, #map14, #map9], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%193, %194 : tensor<16x12x16x16xf32>, tensor<16x12x16x1xf32>) outs(%50 : tensor<16x12x16x16xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.divf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x12x16x16xf32>
    %collapsed_81 = tensor.collapse_shape %195 [[0, 1], [2], [3]] : tensor<16x12x16x16xf32> into tensor<192x16x16xf32>
    %collapsed_82 = tensor.collapse_shape %transposed_75 [[0, 1], [2], [3]] : tensor<16x12x16x32xf32> into tensor<192x16x32xf32>
    %196 = linalg.batch_matmul ins(%collapsed_81, %collapsed_82 : tensor<192x16x16xf32>, tensor<192x16x32xf32>) outs(%65 : tensor<192x16x32xf32>) -> tensor<192x16x32xf32>
    %expanded_83 = tensor.expand_shape %196 [[0, 1], [2], [3]] output_shape [16, 12, 16, 32] : tensor<192x16x32xf32> into tensor<16x12x16x32xf32>
    %transposed_84 = linalg.transpose ins(%expanded_83 : tensor<16x12x16x32xf32>) outs(%67 : tensor<16x16x12x32xf32>) permutation = [0, 2, 1, 3] 
    %collapsed_85 = tensor.collapse_shape %transposed_84 [[0, 1], [2, 3]] : tensor<16x16x12x32xf32> into tensor<256x384xf32>
    %transposed_86 = linalg.transpose ins(%arg45 : tensor<384x384xf32>) outs(%33 : tensor<384x384xf32>) permutation = [1, 0] 
    %197 = linalg.matmul ins(%collapsed_85, %transposed_86 : tensor<256x384xf32>, tensor<384x384xf32>) outs(%35 : tensor<256x384xf32>) -> tensor<256x384xf32>
    %198 = linalg.generic {indexing_maps = [#map11, #map4], iterator_types = ["parallel", "parallel"]} ins(%arg46 : tensor<384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<256x384xf32>
    %199 = linalg.generic {indexing_maps = [#map4, #map4, #map4], iterator_types = ["parallel", "parallel"]} ins(%197, %198 : tensor<256x384xf32>, tensor<256x384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<256x384xf32>
    %expanded_87 = tensor.expand_shape %199 [[0, 1], [2]] output_shape [16, 16, 384] : tensor<256x384xf32> into tensor<16x16x384xf32>
    %200 = linalg.generic {indexing_maps = [#map2, #map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%expanded_87, %178 : tensor<16x16x384xf32>, tensor<16x16x384xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %201 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%200 : tensor<16x16x384xf32>) outs(%8 : tensor<16x16x384xf64>) {
    ^bb0(%in: f32, %out: f64):
      %441 = arith.extf %in : f32 to f64
      linalg.yield %441 : f64
    } -> tensor<16x16x384xf64>
    %202 = linalg.generic {indexing_maps = [#map2, #map7], iterator_types = ["parallel", "parallel", "reduction"]} ins(%201 : tensor<16x16x384xf64>) outs(%11 : tensor<16x16x1xf64>) {
    ^bb0(%in: f64, %out: f64):
      %441 = arith.addf %in, %out : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x1xf64>
    %203 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%202 : tensor<16x16x1xf64>) outs(%10 : tensor<16x16x1xf64>) {
    ^bb0(%in: f64, %out: f64):
      %441 = arith.divf %in, %cst_8 : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x1xf64>
    %204 = linalg.generic {indexing_maps = [#map2, #map7, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%201, %203 : tensor<16x16x384xf64>, tensor<16x16x1xf64>) outs(%8 : tensor<16x16x384xf64>) {
    ^bb0(%in: f64, %in_177: f64, %out: f64):
      %441 = arith.subf %in, %in_177 : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x384xf64>
    %205 = linalg.generic {indexing_maps = [#map2, #map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%204, %204 : tensor<16x16x384xf64>, tensor<16x16x384xf64>) outs(%8 : tensor<16x16x384xf64>) {
    ^bb0(%in: f64, %in_177: f64, %out: f64):
      %441 = arith.mulf %in, %in_177 : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x384xf64>
    %206 = linalg.generic {indexing_maps = [#map2, #map7], iterator_types = ["parallel", "parallel", "reduction"]} ins(%205 : tensor<16x16x384xf64>) outs(%11 : tensor<16x16x1xf64>) {
    ^bb0(%in: f64, %out: f64):
      %441 = arith.addf %in, %out : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x1xf64>
    %207 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%206 : tensor<16x16x1xf64>) outs(%10 : tensor<16x16x1xf64>) {
    ^bb0(%in: f64, %out: f64):
      %441 = arith.divf %in, %cst_8 : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x1xf64>
    %208 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%207 : tensor<16x16x1xf64>) outs(%18 : tensor<16x16x1xf32>) {
    ^bb0(%in: f64, %out: f32):
      %441 = arith.truncf %in : f64 to f32
      linalg.yield %441 : f32
    } -> tensor<16x16x1xf32>
    %209 = linalg.generic {indexing_maps = [#map2, #map7], iterator_types = ["parallel", "parallel", "reduction"]} ins(%200 : tensor<16x16x384xf32>) outs(%20 : tensor<16x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.addf %in, %out : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x1xf32>
    %210 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%209 : tensor<16x16x1xf32>) outs(%18 : tensor<16x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.divf %in, %cst_9 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x1xf32>
    %211 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%208 : tensor<16x16x1xf32>) outs(%18 : tensor<16x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.truncf %cst_7 : f64 to f32
      %442 = arith.addf %in, %441 : f32
      linalg.yield %442 : f32
    } -> tensor<16x16x1xf32>
    %212 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%211 : tensor<16x16x1xf32>) outs(%18 : tensor<16x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = math.rsqrt %in : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x1xf32>
    %213 = linalg.generic {indexing_maps = [#map2, #map7, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%200, %210 : tensor<16x16x384xf32>, tensor<16x16x1xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.subf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %214 = linalg.generic {indexing_maps = [#map2, #map7, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%213, %212 : tensor<16x16x384xf32>, tensor<16x16x1xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.mulf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %215 = linalg.generic {indexing_maps = [#map2, #map8, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%214, %arg47 : tensor<16x16x384xf32>, tensor<384xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.mulf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %216 = linalg.generic {indexing_maps = [#map2, #map8, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%215, %arg48 : tensor<16x16x384xf32>, tensor<384xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %collapsed_88 = tensor.collapse_shape %216 [[0, 1], [2]] : tensor<16x16x384xf32> into tensor<256x384xf32>
    %transposed_89 = linalg.transpose ins(%arg49 : tensor<1536x384xf32>) outs(%88 : tensor<384x1536xf32>) permutation = [1, 0] 
    %217 = linalg.matmul ins(%collapsed_88, %transposed_89 : tensor<256x384xf32>, tensor<384x1536xf32>) outs(%90 : tensor<256x1536xf32>) -> tensor<256x1536xf32>
    %218 = linalg.generic {indexing_maps = [#map11, #map4], iterator_types = ["parallel", "parallel"]} ins(%arg50 : tensor<1536xf32>) outs(%89 : tensor<256x1536xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<256x1536xf32>
    %219 = linalg.generic {indexing_maps = [#map4, #map4, #map4], iterator_types = ["parallel", "parallel"]} ins(%217, %218 : tensor<256x1536xf32>, tensor<256x1536xf32>) outs(%89 : tensor<256x1536xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<256x1536xf32>
    %expanded_90 = tensor.expand_shape %219 [[0, 1], [2]] output_shape [16, 16, 1536] : tensor<256x1536xf32> into tensor<16x16x1536xf32>
    %220 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%expanded_90 : tensor<16x16x1536xf32>) outs(%94 : tensor<16x16x1536xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.divf %in, %cst_11 : f32
      %442 = math.erf %441 : f32
      %443 = arith.addf %442, %cst_2 : f32
      %444 = arith.mulf %443, %cst_3 : f32
      %445 = arith.mulf %in, %444 : f32
      linalg.yield %445 : f32
    } -> tensor<16x16x1536xf32>
    %collapsed_91 = tensor.collapse_shape %220 [[0, 1], [2]] : tensor<16x16x1536xf32> into tensor<256x1536xf32>
    %transposed_92 = linalg.transpose ins(%arg51 : tensor<384x1536xf32>) outs(%96 : tensor<1536x384xf32>) permutation = [1, 0] 
    %221 = linalg.matmul ins(%collapsed_91, %transposed_92 : tensor<256x1536xf32>, tensor<1536x384xf32>) outs(%35 : tensor<256x384xf32>) -> tensor<256x384xf32>
    %222 = linalg.generic {indexing_maps = [#map11, #map4], iterator_types = ["parallel", "parallel"]} ins(%arg52 : tensor<384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<256x384xf32>
    %223 = linalg.generic {indexing_maps = [#map4, #map4, #map4], iterator_types = ["parallel", "parallel"]} ins(%221, %222 : tensor<256x384xf32>, tensor<256x384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<256x384xf32>
    %expanded_93 = tensor.expand_shape %223 [[0, 1], [2]] output_shape [16, 16, 384] : tensor<256x384xf32> into tensor<16x16x384xf32>
    %224 = linalg.generic {indexing_maps = [#map2, #map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%expanded_93, %216 : tensor<16x16x384xf32>, tensor<16x16x384xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %225 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%224 : tensor<16x16x384xf32>) outs(%8 : tensor<16x16x384xf64>) {
    ^bb0(%in: f32, %out: f64):
      %441 = arith.extf %in : f32 to f64
      linalg.yield %441 : f64
    } -> tensor<16x16x384xf64>
    %226 = linalg.generic {indexing_maps = [#map2, #map7], iterator_types = ["parallel", "parallel", "reduction"]} ins(%225 : tensor<16x16x384xf64>) outs(%11 : tensor<16x16x1xf64>) {
    ^bb0(%in: f64, %out: f64):
      %441 = arith.addf %in, %out : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x1xf64>
    %227 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%226 : tensor<16x16x1xf64>) outs(%10 : tensor<16x16x1xf64>) {
    ^bb0(%in: f64, %out: f64):
      %441 = arith.divf %in, %cst_8 : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x1xf64>
    %228 = linalg.generic {indexing_maps = [#map2, #map7, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%225, %227 : tensor<16x16x384xf64>, tensor<16x16x1xf64>) outs(%8 : tensor<16x16x384xf64>) {
    ^bb0(%in: f64, %in_177: f64, %out: f64):
      %441 = arith.subf %in, %in_177 : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x384xf64>
    %229 = linalg.generic {indexing_maps = [#map2, #map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%228, %228 : tensor<16x16x384xf64>, tensor<16x16x384xf64>) outs(%8 : tensor<16x16x384xf64>) {
    ^bb0(%in: f64, %in_177: f64, %out: f64):
      %441 = arith.mulf %in, %in_177 : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x384xf64>
    %230 = linalg.generic {indexing_maps = [#map2, #map7], iterator_types = ["parallel", "parallel", "reduction"]} ins(%229 : tensor<16x16x384xf64>) outs(%11 : tensor<16x16x1xf64>) {
    ^bb0(%in: f64, %out: f64):
      %441 = arith.addf %in, %out : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x1xf64>
    %231 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%230 : tensor<16x16x1xf64>) outs(%10 : tensor<16x16x1xf64>) {
    ^bb0(%in: f64, %out: f64):
      %441 = arith.divf %in, %cst_8 : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x1xf64>
    %232 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%231 : tensor<16x16x1xf64>) outs(%18 : tensor<16x16x1xf32>) {
    ^bb0(%in: f64, %out: f32):
      %441 = arith.truncf %in : f64 to f32
      linalg.yield %441 : f32
    } -> tensor<16x16x1xf32>
    %233 = linalg.generic {indexing_maps = [#map2, #map7], iterator_types = ["parallel", "parallel", "reduction"]} ins(%224 : tensor<16x16x384xf32>) outs(%20 : tensor<16x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.addf %in, %out : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x1xf32>
    %234 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%233 : tensor<16x16x1xf32>) outs(%18 : tensor<16x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.divf %in, %cst_9 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x1xf32>
    %235 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%232 : tensor<16x16x1xf32>) outs(%18 : tensor<16x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.truncf %cst_7 : f64 to f32
      %442 = arith.addf %in, %441 : f32
      linalg.yield %442 : f32
    } -> tensor<16x16x1xf32>
    %236 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%235 : tensor<16x16x1xf32>) outs(%18 : tensor<16x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = math.rsqrt %in : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x1xf32>
    %237 = linalg.generic {indexing_maps = [#map2, #map7, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%224, %234 : tensor<16x16x384xf32>, tensor<16x16x1xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.subf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %238 = linalg.generic {indexing_maps = [#map2, #map7, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%237, %236 : tensor<16x16x384xf32>, tensor<16x16x1xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.mulf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %239 = linalg.generic {indexing_maps = [#map2, #map8, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%238, %arg53 : tensor<16x16x384xf32>, tensor<384xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.mulf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %240 = linalg.generic {indexing_maps = [#map2, #map8, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%239, %arg54 : tensor<16x16x384xf32>, tensor<384xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %collapsed_94 = tensor.collapse_shape %240 [[0, 1], [2]] : tensor<16x16x384xf32> into tensor<256x384xf32>
    %transposed_95 = linalg.transpose ins(%arg55 : tensor<384x384xf32>) outs(%33 : tensor<384x384xf32>) permutation = [1, 0] 
    %241 = linalg.matmul ins(%collapsed_94, %transposed_95 : tensor<256x384xf32>, tensor<384x384xf32>) outs(%35 : tensor<256x384xf32>) -> tensor<256x384xf32>
    %242 = linalg.generic {indexing_maps = [#map11, #map4], iterator_types = ["parallel", "parallel"]} ins(%arg56 : tensor<384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<256x384xf32>
    %243 = linalg.generic {indexing_maps = [#map4, #map4, #map4], iterator_types = ["parallel", "parallel"]} ins(%241, %242 : tensor<256x384xf32>, tensor<256x384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<256x384xf32>
    %expanded_96 = tensor.expand_shape %243 [[0, 1], [2, 3]] output_shape [16, 16, 12, 32] : tensor<256x384xf32> into tensor<16x16x12x32xf32>
    %transposed_97 = linalg.transpose ins(%expanded_96 : tensor<16x16x12x32xf32>) outs(%39 : tensor<16x12x16x32xf32>) permutation = [0, 2, 1, 3] 
    %transposed_98 = linalg.transpose ins(%arg57 : tensor<384x384xf32>) outs(%33 : tensor<384x384xf32>) permutation = [1, 0] 
    %244 = linalg.matmul ins(%collapsed_94, %transposed_98 : tensor<256x384xf32>, tensor<384x384xf32>) outs(%35 : tensor<256x384xf32>) -> tensor<256x384xf32>
    %245 = linalg.generic {indexing_maps = [#map11, #map4], iterator_types = ["parallel", "parallel"]} ins(%arg58 : tensor<384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<256x384xf32>
    %246 = linalg.generic {indexing_maps = [#map4, #map4, #map4], iterator_types = ["parallel", "parallel"]} ins(%244, %245 : tensor<256x384xf32>, tensor<256x384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<256x384xf32>
    %expanded_99 = tensor.expand_shape %246 [[0, 1], [2, 3]] output_shape [16, 16, 12, 32] : tensor<256x384xf32> into tensor<16x16x12x32xf32>
    %transposed_100 = linalg.transpose ins(%arg59 : tensor<384x384xf32>) outs(%33 : tensor<384x384xf32>) permutation = [1, 0] 
    %247 = linalg.matmul ins(%collapsed_94, %transposed_100 : tensor<256x384xf32>, tensor<384x384xf32>) outs(%35 : tensor<256x384xf32>) -> tensor<256x384xf32>
    %248 = linalg.generic {indexing_maps = [#map11, #map4], iterator_types = ["parallel", "parallel"]} ins(%arg60 : tensor<384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<256x384xf32>
    %249 = linalg.generic {indexing_maps = [#map4, #map4, #map4], iterator_types = ["parallel", "parallel"]} ins(%247, %248 : tensor<256x384xf32>, tensor<256x384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<256x384xf32>
    %expanded_101 = tensor.expand_shape %249 [[0, 1], [2, 3]] output_shape [16, 16, 12, 32] : tensor<256x384xf32> into tensor<16x16x12x32xf32>
    %transposed_102 = linalg.transpose ins(%expanded_101 : tensor<16x16x12x32xf32>) outs(%39 : tensor<16x12x16x32xf32>) permutation = [0, 2, 1, 3] 
    %transposed_103 = linalg.transpose ins(%expanded_99 : tensor<16x16x12x32xf32>) outs(%46 : tensor<16x12x32x16xf32>) permutation = [0, 2, 3, 1] 
    %collapsed_104 = tensor.collapse_shape %transposed_97 [[0, 1], [2], [3]] : tensor<16x12x16x32xf32> into tensor<192x16x32xf32>
    %collapsed_105 = tensor.collapse_shape %transposed_103 [[0, 1], [2], [3]] : tensor<16x12x32x16xf32> into tensor<192x32x16xf32>
    %250 = linalg.batch_matmul ins(%collapsed_104, %collapsed_105 : tensor<192x16x32xf32>, tensor<192x32x16xf32>) outs(%48 : tensor<192x16x16xf32>) -> tensor<192x16x16xf32>
    %expanded_106 = tensor.expand_shape %250 [[0, 1], [2], [3]] output_shape [16, 12, 16, 16] : tensor<192x16x16xf32> into tensor<16x12x16x16xf32>
    %251 = linalg.generic {indexing_maps = [#map9, #map9], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%expanded_106 : tensor<16x12x16x16xf32>) outs(%50 : tensor<16x12x16x16xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.truncf %cst_6 : f64 to f32
      %442 = arith.divf %in, %441 : f32
      linalg.yield %442 : f32
    } -> tensor<16x12x16x16xf32>
    %252 = linalg.generic {indexing_maps = [#map9, #map12, #map9], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%251, %32 : tensor<16x12x16x16xf32>, tensor<16x1x1x16xf32>) outs(%50 : tensor<16x12x16x16xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x12x16x16xf32>
    %253:2 = linalg.generic {indexing_maps = [#map9, #map13, #map13], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%252 : tensor<16x12x16x16xf32>) outs(%56, %54 : tensor<16x12x16xf32>, tensor<16x12x16xi64>) {
    ^bb0(%in: f32, %out: f32, %out_177: i64):
      %441 = linalg.index 3 : index
      %442 = arith.index_cast %441 : index to i64
      %443 = arith.maximumf %in, %out : f32
      %444 = arith.cmpf ogt, %in, %out : f32
      %445 = arith.select %444, %442, %out_177 : i64
      linalg.yield %443, %445 : f32, i64
    } -> (tensor<16x12x16xf32>, tensor<16x12x16xi64>)
    %expanded_107 = tensor.expand_shape %253#0 [[0], [1], [2, 3]] output_shape [16, 12, 16, 1] : tensor<16x12x16xf32> into tensor<16x12x16x1xf32>
    %254 = linalg.generic {indexing_maps = [#map9, #map14, #map9], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%252, %expanded_107 : tensor<16x12x16x16xf32>, tensor<16x12x16x1xf32>) outs(%50 : tensor<16x12x16x16xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.subf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x12x16x16xf32>
    %255 = linalg.generic {indexing_maps = [#map9, #map9], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%254 : tensor<16x12x16x16xf32>) outs(%50 : tensor<16x12x16x16xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = math.exp %in : f32
      linalg.yield %441 : f32
    } -> tensor<16x12x16x16xf32>
    %256 = linalg.generic {indexing_maps = [#map9, #map14], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%255 : tensor<16x12x16x16xf32>) outs(%61 : tensor<16x12x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.addf %in, %out : f32
      linalg.yield %441 : f32
    } -> tensor<16x12x16x1xf32>
    %257 = linalg.generic {indexing_maps = [#map9, #map14, #map9], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%255, %256 : tensor<16x12x16x16xf32>, tensor<16x12x16x1xf32>) outs(%50 : tensor<16x12x16x16xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.divf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x12x16x16xf32>
    %collapsed_108 = tensor.collapse_shape %257 [[0, 1], [2], [3]] : tensor<16x12x16x16xf32> into tensor<192x16x16xf32>
    %collapsed_109 = tensor.collapse_shape %transposed_102 [[0, 1], [2], [3]] : tensor<16x12x16x32xf32> into tensor<192x16x32xf32>
    %258 = linalg.batch_matmul ins(%collapsed_108, %collapsed_109 : tensor<192x16x16xf32>, tensor<192x16x32xf32>) outs(%65 : tensor<192x16x32xf32>) -> tensor<192x16x32xf32>
    %expanded_110 = tensor.expand_shape %258 [[0, 1], [2], [3]] output_shape [16, 12, 16, 32] : tensor<192x16x32xf32> into tensor<16x12x16x32xf32>
    %transposed_111 = linalg.transpose ins(%expanded_110 : tensor<16x12x16x32xf32>) outs(%67 : tensor<16x16x12x32xf32>) permutation = [0, 2, 1, 3] 
    %collapsed_112 = tensor.collapse_shape %transposed_111 [[0, 1], [2, 3]] : tensor<16x16x12x32xf32> into tensor<256x384xf32>
    %transposed_113 = linalg.transpose ins(%arg61 : tensor<384x384xf32>) outs(%33 : tensor<384x384xf32>) permutation = [1, 0] 
    %259 = linalg.matmul ins(%collapsed_112, %transposed_113 : tensor<256x384xf32>, tensor<384x384xf32>) outs(%35 : tensor<256x384xf32>) -> tensor<256x384xf32>
    %260 = linalg.generic {indexing_maps = [#map11, #map4], iterator_types = ["parallel", "parallel"]} ins(%arg62 : tensor<384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<256x384xf32>
    %261 = linalg.generic {indexing_maps = [#map4, #map4, #map4], iterator_types = ["parallel", "parallel"]} ins(%259, %260 : tensor<256x384xf32>, tensor<256x384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<256x384xf32>
    %expanded_114 = tensor.expand_shape %261 [[0, 1], [2]] output_shape [16, 16, 384] : tensor<256x384xf32> into tensor<16x16x384xf32>
    %262 = linalg.generic {indexing_maps = [#map2, #map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%expanded_114, %240 : tensor<16x16x384xf32>, tensor<16x16x384xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %263 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%262 : tensor<16x16x384xf32>) outs(%8 : tensor<16x16x384xf64>) {
    ^bb0(%in: f32, %out: f64):
      %441 = arith.extf %in : f32 to f64
      linalg.yield %441 : f64
    } -> tensor<16x16x384xf64>
    %264 = linalg.generic {indexing_maps = [#map2, #map7], iterator_types = ["parallel", "parallel", "reduction"]} ins(%263 : tensor<16x16x384xf64>) outs(%11 : tensor<16x16x1xf64>) {
    ^bb0(%in: f64, %out: f64):
      %441 = arith.addf %in, %out : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x1xf64>
    %265 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%264 : tensor<16x16x1xf64>) outs(%10 : tensor<16x16x1xf64>) {
    ^bb0(%in: f64, %out: f64):
      %441 = arith.divf %in, %cst_8 : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x1xf64>
    %266 = linalg.generic {indexing_maps = [#map2, #map7, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%263, %265 : tensor<16x16x384xf64>, tensor<16x16x1xf64>) outs(%8 : tensor<16x16x384xf64>) {
    ^bb0(%in: f64, %in_177: f64, %out: f64):
      %441 = arith.subf %in, %in_177 : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x384xf64>
    %267 = linalg.generic {indexing_maps = [#map2, #map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%266, %266 : tensor<16x16x384xf64>, tensor<16x16x384xf64>) outs(%8 : tensor<16x16x384xf64>) {
    ^bb0(%in: f64, %in_177: f64, %out: f64):
      %441 = arith.mulf %in, %in_177 : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x384xf64>
    %268 = linalg.generic {indexing_maps = [#map2, #map7], iterator_types = ["parallel", "parallel", "reduction"]} ins(%267 : tensor<16x16x384xf64>) outs(%11 : tensor<16x16x1xf64>) {
    ^bb0(%in: f64, %out: f64):
      %441 = arith.addf %in, %out : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x1xf64>
    %269 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%268 : tensor<16x16x1xf64>) outs(%10 : tensor<16x16x1xf64>) {
    ^bb0(%in: f64, %out: f64):
      %441 = arith.divf %in, %cst_8 : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x1xf64>
    %270 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%269 : tensor<16x16x1xf64>) outs(%18 : tensor<16x16x1xf32>) {
    ^bb0(%in: f64, %out: f32):
      %441 = arith.truncf %in : f64 to f32
      linalg.yield %441 : f32
    } -> tensor<16x16x1xf32>
    %271 = linalg.generic {indexing_maps = [#map2, #map7], iterator_types = ["parallel", "parallel", "reduction"]} ins(%262 : tensor<16x16x384xf32>) outs(%20 : tensor<16x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.addf %in, %out : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x1xf32>
    %272 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%271 : tensor<16x16x1xf32>) outs(%18 : tensor<16x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.divf %in, %cst_9 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x1xf32>
    %273 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%270 : tensor<16x16x1xf32>) outs(%18 : tensor<16x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.truncf %cst_7 : f64 to f32
      %442 = arith.addf %in, %441 : f32
      linalg.yield %442 : f32
    } -> tensor<16x16x1xf32>
    %274 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%273 : tensor<16x16x1xf32>) outs(%18 : tensor<16x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = math.rsqrt %in : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x1xf32>
    %275 = linalg.generic {indexing_maps = [#map2, #map7, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%262, %272 : tensor<16x16x384xf32>, tensor<16x16x1xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.subf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %276 = linalg.generic {indexing_maps = [#map2, #map7, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%275, %274 : tensor<16x16x384xf32>, tensor<16x16x1xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.mulf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %277 = linalg.generic {indexing_maps = [#map2, #map8, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%276, %arg63 : tensor<16x16x384xf32>, tensor<384xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.mulf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %278 = linalg.generic {indexing_maps = [#map2, #map8, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%277, %arg64 : tensor<16x16x384xf32>, tensor<384xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %collapsed_115 = tensor.collapse_shape %278 [[0, 1], [2]] : tensor<16x16x384xf32> into tensor<256x384xf32>
    %transposed_116 = linalg.transpose ins(%arg65 : tensor<1536x384xf32>) outs(%88 : tensor<384x1536xf32>) permutation = [1, 0] 
    %279 = linalg.matmul ins(%collapsed_115, %transposed_116 : tensor<256x384xf32>, tensor<384x1536xf32>) outs(%90 : tensor<256x1536xf32>) -> tensor<256x1536xf32>
    %280 = linalg.generic {indexing_maps = [#map11, #map4], iterator_types = ["parallel", "parallel"]} ins(%arg66 : tensor<1536xf32>) outs(%89 : tensor<256x1536xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<256x1536xf32>
    %281 = linalg.generic {indexing_maps = [#map4, #map4, #map4], iterator_types = ["parallel", "parallel"]} ins(%279, %280 : tensor<256x1536xf32>, tensor<256x1536xf32>) outs(%89 : tensor<256x1536xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<256x1536xf32>
    %expanded_117 = tensor.expand_shape %281 [[0, 1], [2]] output_shape [16, 16, 1536] : tensor<256x1536xf32> into tensor<16x16x1536xf32>
    %282 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%expanded_117 : tensor<16x16x1536xf32>) outs(%94 : tensor<16x16x1536xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.divf %in, %cst_11 : f32
      %442 = math.erf %441 : f32
      %443 = arith.addf %442, %cst_2 : f32
      %444 = arith.mulf %443, %cst_3 : f32
      %445 = arith.mulf %in, %444 : f32
      linalg.yield %445 : f32
    } -> tensor<16x16x1536xf32>
    %collapsed_118 = tensor.collapse_shape %282 [[0, 1], [2]] : tensor<16x16x1536xf32> into tensor<256x1536xf32>
    %transposed_119 = linalg.transpose ins(%arg67 : tensor<384x1536xf32>) outs(%96 : tensor<1536x384xf32>) permutation = [1, 0] 
    %283 = linalg.matmul ins(%collapsed_118, %transposed_119 : tensor<256x1536xf32>, tensor<1536x384xf32>) outs(%35 : tensor<256x384xf32>) -> tensor<256x384xf32>
    %284 = linalg.generic {indexing_maps = [#map11, #map4], iterator_types = ["parallel", "parallel"]} ins(%arg68 : tensor<384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<256x384xf32>
    %285 = linalg.generic {indexing_maps = [#map4, #map4, #map4], iterator_types = ["parallel", "parallel"]} ins(%283, %284 : tensor<256x384xf32>, tensor<256x384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<256x384xf32>
    %expanded_120 = tensor.expand_shape %285 [[0, 1], [2]] output_shape [16, 16, 384] : tensor<256x384xf32> into tensor<16x16x384xf32>
    %286 = linalg.generic {indexing_maps = [#map2, #map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%expanded_120, %278 : tensor<16x16x384xf32>, tensor<16x16x384xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %287 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%286 : tensor<16x16x384xf32>) outs(%8 : tensor<16x16x384xf64>) {
    ^bb0(%in: f32, %out: f64):
      %441 = arith.extf %in : f32 to f64
      linalg.yield %441 : f64
    } -> tensor<16x16x384xf64>
    %288 = linalg.generic {indexing_maps = [#map2, #map7], iterator_types = ["parallel", "parallel", "reduction"]} ins(%287 : tensor<16x16x384xf64>) outs(%11 : tensor<16x16x1xf64>) {
    ^bb0(%in: f64, %out: f64):
      %441 = arith.addf %in, %out : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x1xf64>
    %289 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%288 : tensor<16x16x1xf64>) outs(%10 : tensor<16x16x1xf64>) {
    ^bb0(%in: f64, %out: f64):
      %441 = arith.divf %in, %cst_8 : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x1xf64>
    %290 = linalg.generic {indexing_maps = [#map2, #map7, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%287, %289 : tensor<16x16x384xf64>, tensor<16x16x1xf64>) outs(%8 : tensor<16x16x384xf64>) {
    ^bb0(%in: f64, %in_177: f64, %out: f64):
      %441 = arith.subf %in, %in_177 : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x384xf64>
    %291 = linalg.generic {indexing_maps = [#map2, #map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%290, %290 : tensor<16x16x384xf64>, tensor<16x16x384xf64>) outs(%8 : tensor<16x16x384xf64>) {
    ^bb0(%in: f64, %in_177: f64, %out: f64):
      %441 = arith.mulf %in, %in_177 : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x384xf64>
    %292 = linalg.generic {indexing_maps = [#map2, #map7], iterator_types = ["parallel", "parallel", "reduction"]} ins(%291 : tensor<16x16x384xf64>) outs(%11 : tensor<16x16x1xf64>) {
    ^bb0(%in: f64, %out: f64):
      %441 = arith.addf %in, %out : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x1xf64>
    %293 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%292 : tensor<16x16x1xf64>) outs(%10 : tensor<16x16x1xf64>) {
    ^bb0(%in: f64, %out: f64):
      %441 = arith.divf %in, %cst_8 : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x1xf64>
    %294 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%293 : tensor<16x16x1xf64>) outs(%18 : tensor<16x16x1xf32>) {
    ^bb0(%in: f64, %out: f32):
      %441 = arith.truncf %in : f64 to f32
      linalg.yield %441 : f32
    } -> tensor<16x16x1xf32>
    %295 = linalg.generic {indexing_maps = [#map2, #map7], iterator_types = ["parallel", "parallel", "reduction"]} ins(%286 : tensor<16x16x384xf32>) outs(%20 : tensor<16x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.addf %in, %out : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x1xf32>
    %296 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%295 : tensor<16x16x1xf32>) outs(%18 : tensor<16x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.divf %in, %cst_9 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x1xf32>
    %297 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%294 : tensor<16x16x1xf32>) outs(%18 : tensor<16x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.truncf %cst_7 : f64 to f32
      %442 = arith.addf %in, %441 : f32
      linalg.yield %442 : f32
    } -> tensor<16x16x1xf32>
    %298 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%297 : tensor<16x16x1xf32>) outs(%18 : tensor<16x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = math.rsqrt %in : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x1xf32>
    %299 = linalg.generic {indexing_maps = [#map2, #map7, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%286, %296 : tensor<16x16x384xf32>, tensor<16x16x1xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.subf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %300 = linalg.generic {indexing_maps = [#map2, #map7, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%299, %298 : tensor<16x16x384xf32>, tensor<16x16x1xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.mulf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %301 = linalg.generic {indexing_maps = [#map2, #map8, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%300, %arg69 : tensor<16x16x384xf32>, tensor<384xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.mulf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %302 = linalg.generic {indexing_maps = [#map2, #map8, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%301, %arg70 : tensor<16x16x384xf32>, tensor<384xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %collapsed_121 = tensor.collapse_shape %302 [[0, 1], [2]] : tensor<16x16x384xf32> into tensor<256x384xf32>
    %transposed_122 = linalg.transpose ins(%arg71 : tensor<384x384xf32>) outs(%33 : tensor<384x384xf32>) permutation = [1, 0] 
    %303 = linalg.matmul ins(%collapsed_121, %transposed_122 : tensor<256x384xf32>, tensor<384x384xf32>) outs(%35 : tensor<256x384xf32>) -> tensor<256x384xf32>
    %304 = linalg.generic {indexing_maps = [#map11, #map4], iterator_types = ["parallel", "parallel"]} ins(%arg72 : tensor<384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<256x384xf32>
    %305 = linalg.generic {indexing_maps = [#map4, #map4, #map4], iterator_types = ["parallel", "parallel"]} ins(%303, %304 : tensor<256x384xf32>, tensor<256x384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<256x384xf32>
    %expanded_123 = tensor.expand_shape %305 [[0, 1], [2, 3]] output_shape [16, 16, 12, 32] : tensor<256x384xf32> into tensor<16x16x12x32xf32>
    %transposed_124 = linalg.transpose ins(%expanded_123 : tensor<16x16x12x32xf32>) outs(%39 : tensor<16x12x16x32xf32>) permutation = [0, 2, 1, 3] 
    %transposed_125 = linalg.transpose ins(%arg73 : tensor<384x384xf32>) outs(%33 : tensor<384x384xf32>) permutation = [1, 0] 
    %306 = linalg.matmul ins(%collapsed_121, %transposed_125 : tensor<256x384xf32>, tensor<384x384xf32>) outs(%35 : tensor<256x384xf32>) -> tensor<256x384xf32>
    %307 = linalg.generic {indexing_maps = [#map11, #map4], iterator_types = ["parallel", "parallel"]} ins(%arg74 : tensor<384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<256x384xf32>
    %308 = linalg.generic {indexing_maps = [#map4, #map4, #map4], iterator_types = ["parallel", "parallel"]} ins(%306, %307 : tensor<256x384xf32>, tensor<256x384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<256x384xf32>
    %expanded_126 = tensor.expand_shape %308 [[0, 1], [2, 3]] output_shape [16, 16, 12, 32] : tensor<256x384xf32> into tensor<16x16x12x32xf32>
    %transposed_127 = linalg.transpose ins(%arg75 : tensor<384x384xf32>) outs(%33 : tensor<384x384xf32>) permutation = [1, 0] 
    %309 = linalg.matmul ins(%collapsed_121, %transposed_127 : tensor<256x384xf32>, tensor<384x384xf32>) outs(%35 : tensor<256x384xf32>) -> tensor<256x384xf32>
    %310 = linalg.generic {indexing_maps = [#map11, #map4], iterator_types = ["parallel", "parallel"]} ins(%arg76 : tensor<384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<256x384xf32>
    %311 = linalg.generic {indexing_maps = [#map4, #map4, #map4], iterator_types = ["parallel", "parallel"]} ins(%309, %310 : tensor<256x384xf32>, tensor<256x384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<256x384xf32>
    %expanded_128 = tensor.expand_shape %311 [[0, 1], [2, 3]] output_shape [16, 16, 12, 32] : tensor<256x384xf32> into tensor<16x16x12x32xf32>
    %transposed_129 = linalg.transpose ins(%expanded_128 : tensor<16x16x12x32xf32>) outs(%39 : tensor<16x12x16x32xf32>) permutation = [0, 2, 1, 3] 
    %transposed_130 = linalg.transpose ins(%expanded_126 : tensor<16x16x12x32xf32>) outs(%46 : tensor<16x12x32x16xf32>) permutation = [0, 2, 3, 1] 
    %collapsed_131 = tensor.collapse_shape %transposed_124 [[0, 1], [2], [3]] : tensor<16x12x16x32xf32> into tensor<192x16x32xf32>
    %collapsed_132 = tensor.collapse_shape %transposed_130 [[0, 1], [2], [3]] : tensor<16x12x32x16xf32> into tensor<192x32x16xf32>
    %312 = linalg.batch_matmul ins(%collapsed_131, %collapsed_132 : tensor<192x16x32xf32>, tensor<192x32x16xf32>) outs(%48 : tensor<192x16x16xf32>) -> tensor<192x16x16xf32>
    %expanded_133 = tensor.expand_shape %312 [[0, 1], [2], [3]] output_shape [16, 12, 16, 16] : tensor<192x16x16xf32> into tensor<16x12x16x16xf32>
    %313 = linalg.generic {indexing_maps = [#map9, #map9], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%expanded_133 : tensor<16x12x16x16xf32>) outs(%50 : tensor<16x12x16x16xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.truncf %cst_6 : f64 to f32
      %442 = arith.divf %in, %441 : f32
      linalg.yield %442 : f32
    } -> tensor<16x12x16x16xf32>
    %314 = linalg.generic {indexing_maps = [#map9, #map12, #map9], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%313, %32 : tensor<16x12x16x16xf32>, tensor<16x1x1x16xf32>) outs(%50 : tensor<16x12x16x16xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x12x16x16xf32>
    %315:2 = linalg.generic {indexing_maps = [#map9, #map13, #map13], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%314 : tensor<16x12x16x16xf32>) outs(%56, %54 : tensor<16x12x16xf32>, tensor<16x12x16xi64>) {
    ^bb0(%in: f32, %out: f32, %out_177: i64):
      %441 = linalg.index 3 : index
      %442 = arith.index_cast %441 : index to i64
      %443 = arith.maximumf %in, %out : f32
      %444 = arith.cmpf ogt, %in, %out : f32
      %445 = arith.select %444, %442, %out_177 : i64
      linalg.yield %443, %445 : f32, i64
    } -> (tensor<16x12x16xf32>, tensor<16x12x16xi64>)
    %expanded_134 = tensor.expand_shape %315#0 [[0], [1], [2, 3]] output_shape [16, 12, 16, 1] : tensor<16x12x16xf32> into tensor<16x12x16x1xf32>
    %316 = linalg.generic {indexing_maps = [#map9, #map14, #map9], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%314, %expanded_134 : tensor<16x12x16x16xf32>, tensor<16x12x16x1xf32>) outs(%50 : tensor<16x12x16x16xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.subf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x12x16x16xf32>
    %317 = linalg.generic {indexing_maps = [#map9, #map9], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%316 : tensor<16x12x16x16xf32>) outs(%50 : tensor<16x12x16x16xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = math.exp %in : f32
      linalg.yield %441 : f32
    } -> tensor<16x12x16x16xf32>
    %318 = linalg.generic {indexing_maps = [#map9, #map14], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%317 : tensor<16x12x16x16xf32>) outs(%61 : tensor<16x12x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.addf %in, %out : f32
      linalg.yield %441 : f32
    } -> tensor<16x12x16x1xf32>
    %319 = linalg.generic {indexing_maps = [#map9, #map14, #map9], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%317, %318 : tensor<16x12x16x16xf32>, tensor<16x12x16x1xf32>) outs(%50 : tensor<16x12x16x16xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.divf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x12x16x16xf32>
    %collapsed_135 = tensor.collapse_shape %319 [[0, 1], [2], [3]] : tensor<16x12x16x16xf32> into tensor<192x16x16xf32>
    %collapsed_136 = tensor.collapse_shape %transposed_129 [[0, 1], [2], [3]] : tensor<16x12x16x32xf32> into tensor<192x16x32xf32>
    %320 = linalg.batch_matmul ins(%collapsed_135, %collapsed_136 : tensor<192x16x16xf32>, tensor<192x16x32xf32>) outs(%65 : tensor<192x16x32xf32>) -> tensor<192x16x32xf32>
    %expanded_137 = tensor.expand_shape %320 [[0, 1], [2], [3]] output_shape [16, 12, 16, 32] : tensor<192x16x32xf32> into tensor<16x12x16x32xf32>
    %transposed_138 = linalg.transpose ins(%expanded_137 : tensor<16x12x16x32xf32>) outs(%67 : tensor<16x16x12x32xf32>) permutation = [0, 2, 1, 3] 
    %collapsed_139 = tensor.collapse_shape %transposed_138 [[0, 1], [2, 3]] : tensor<16x16x12x32xf32> into tensor<256x384xf32>
    %transposed_140 = linalg.transpose ins(%arg77 : tensor<384x384xf32>) outs(%33 : tensor<384x384xf32>) permutation = [1, 0] 
    %321 = linalg.matmul ins(%collapsed_139, %transposed_140 : tensor<256x384xf32>, tensor<384x384xf32>) outs(%35 : tensor<256x384xf32>) -> tensor<256x384xf32>
    %322 = linalg.generic {indexing_maps = [#map11, #map4], iterator_types = ["parallel", "parallel"]} ins(%arg78 : tensor<384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<256x384xf32>
    %323 = linalg.generic {indexing_maps = [#map4, #map4, #map4], iterator_types = ["parallel", "parallel"]} ins(%321, %322 : tensor<256x384xf32>, tensor<256x384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<256x384xf32>
    %expanded_141 = tensor.expand_shape %323 [[0, 1], [2]] output_shape [16, 16, 384] : tensor<256x384xf32> into tensor<16x16x384xf32>
    %324 = linalg.generic {indexing_maps = [#map2, #map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%expanded_141, %302 : tensor<16x16x384xf32>, tensor<16x16x384xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %325 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%324 : tensor<16x16x384xf32>) outs(%8 : tensor<16x16x384xf64>) {
    ^bb0(%in: f32, %out: f64):
      %441 = arith.extf %in : f32 to f64
      linalg.yield %441 : f64
    } -> tensor<16x16x384xf64>
    %326 = linalg.generic {indexing_maps = [#map2, #map7], iterator_types = ["parallel", "parallel", "reduction"]} ins(%325 : tensor<16x16x384xf64>) outs(%11 : tensor<16x16x1xf64>) {
    ^bb0(%in: f64, %out: f64):
      %441 = arith.addf %in, %out : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x1xf64>
    %327 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%326 : tensor<16x16x1xf64>) outs(%10 : tensor<16x16x1xf64>) {
    ^bb0(%in: f64, %out: f64):
      %441 = arith.divf %in, %cst_8 : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x1xf64>
    %328 = linalg.generic {indexing_maps = [#map2, #map7, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%325, %327 : tensor<16x16x384xf64>, tensor<16x16x1xf64>) outs(%8 : tensor<16x16x384xf64>) {
    ^bb0(%in: f64, %in_177: f64, %out: f64):
      %441 = arith.subf %in, %in_177 : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x384xf64>
    %329 = linalg.generic {indexing_maps = [#map2, #map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%328, %328 : tensor<16x16x384xf64>, tensor<16x16x384xf64>) outs(%8 : tensor<16x16x384xf64>) {
    ^bb0(%in: f64, %in_177: f64, %out: f64):
      %441 = arith.mulf %in, %in_177 : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x384xf64>
    %330 = linalg.generic {indexing_maps = [#map2, #map7], iterator_types = ["parallel", "parallel", "reduction"]} ins(%329 : tensor<16x16x384xf64>) outs(%11 : tensor<16x16x1xf64>) {
    ^bb0(%in: f64, %out: f64):
      %441 = arith.addf %in, %out : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x1xf64>
    %331 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%330 : tensor<16x16x1xf64>) outs(%10 : tensor<16x16x1xf64>) {
    ^bb0(%in: f64, %out: f64):
      %441 = arith.divf %in, %cst_8 : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x1xf64>
    %332 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%331 : tensor<16x16x1xf64>) outs(%18 : tensor<16x16x1xf32>) {
    ^bb0(%in: f64, %out: f32):
      %441 = arith.truncf %in : f64 to f32
      linalg.yield %441 : f32
    } -> tensor<16x16x1xf32>
    %333 = linalg.generic {indexing_maps = [#map2, #map7], iterator_types = ["parallel", "parallel", "reduction"]} ins(%324 : tensor<16x16x384xf32>) outs(%20 : tensor<16x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.addf %in, %out : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x1xf32>
    %334 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%333 : tensor<16x16x1xf32>) outs(%18 : tensor<16x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.divf %in, %cst_9 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x1xf32>
    %335 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%332 : tensor<16x16x1xf32>) outs(%18 : tensor<16x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.truncf %cst_7 : f64 to f32
      %442 = arith.addf %in, %441 : f32
      linalg.yield %442 : f32
    } -> tensor<16x16x1xf32>
    %336 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%335 : tensor<16x16x1xf32>) outs(%18 : tensor<16x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = math.rsqrt %in : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x1xf32>
    %337 = linalg.generic {indexing_maps = [#map2, #map7, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%324, %334 : tensor<16x16x384xf32>, tensor<16x16x1xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.subf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %338 = linalg.generic {indexing_maps = [#map2, #map7, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%337, %336 : tensor<16x16x384xf32>, tensor<16x16x1xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.mulf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %339 = linalg.generic {indexing_maps = [#map2, #map8, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%338, %arg79 : tensor<16x16x384xf32>, tensor<384xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.mulf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %340 = linalg.generic {indexing_maps = [#map2, #map8, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%339, %arg80 : tensor<16x16x384xf32>, tensor<384xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %collapsed_142 = tensor.collapse_shape %340 [[0, 1], [2]] : tensor<16x16x384xf32> into tensor<256x384xf32>
    %transposed_143 = linalg.transpose ins(%arg81 : tensor<1536x384xf32>) outs(%88 : tensor<384x1536xf32>) permutation = [1, 0] 
    %341 = linalg.matmul ins(%collapsed_142, %transposed_143 : tensor<256x384xf32>, tensor<384x1536xf32>) outs(%90 : tensor<256x1536xf32>) -> tensor<256x1536xf32>
    %342 = linalg.generic {indexing_maps = [#map11, #map4], iterator_types = ["parallel", "parallel"]} ins(%arg82 : tensor<1536xf32>) outs(%89 : tensor<256x1536xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<256x1536xf32>
    %343 = linalg.generic {indexing_maps = [#map4, #map4, #map4], iterator_types = ["parallel", "parallel"]} ins(%341, %342 : tensor<256x1536xf32>, tensor<256x1536xf32>) outs(%89 : tensor<256x1536xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<256x1536xf32>
    %expanded_144 = tensor.expand_shape %343 [[0, 1], [2]] output_shape [16, 16, 1536] : tensor<256x1536xf32> into tensor<16x16x1536xf32>
    %344 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%expanded_144 : tensor<16x16x1536xf32>) outs(%94 : tensor<16x16x1536xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.divf %in, %cst_11 : f32
      %442 = math.erf %441 : f32
      %443 = arith.addf %442, %cst_2 : f32
      %444 = arith.mulf %443, %cst_3 : f32
      %445 = arith.mulf %in, %444 : f32
      linalg.yield %445 : f32
    } -> tensor<16x16x1536xf32>
    %collapsed_145 = tensor.collapse_shape %344 [[0, 1], [2]] : tensor<16x16x1536xf32> into tensor<256x1536xf32>
    %transposed_146 = linalg.transpose ins(%arg83 : tensor<384x1536xf32>) outs(%96 : tensor<1536x384xf32>) permutation = [1, 0] 
    %345 = linalg.matmul ins(%collapsed_145, %transposed_146 : tensor<256x1536xf32>, tensor<1536x384xf32>) outs(%35 : tensor<256x384xf32>) -> tensor<256x384xf32>
    %346 = linalg.generic {indexing_maps = [#map11, #map4], iterator_types = ["parallel", "parallel"]} ins(%arg84 : tensor<384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<256x384xf32>
    %347 = linalg.generic {indexing_maps = [#map4, #map4, #map4], iterator_types = ["parallel", "parallel"]} ins(%345, %346 : tensor<256x384xf32>, tensor<256x384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<256x384xf32>
    %expanded_147 = tensor.expand_shape %347 [[0, 1], [2]] output_shape [16, 16, 384] : tensor<256x384xf32> into tensor<16x16x384xf32>
    %348 = linalg.generic {indexing_maps = [#map2, #map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%expanded_147, %340 : tensor<16x16x384xf32>, tensor<16x16x384xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %349 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%348 : tensor<16x16x384xf32>) outs(%8 : tensor<16x16x384xf64>) {
    ^bb0(%in: f32, %out: f64):
      %441 = arith.extf %in : f32 to f64
      linalg.yield %441 : f64
    } -> tensor<16x16x384xf64>
    %350 = linalg.generic {indexing_maps = [#map2, #map7], iterator_types = ["parallel", "parallel", "reduction"]} ins(%349 : tensor<16x16x384xf64>) outs(%11 : tensor<16x16x1xf64>) {
    ^bb0(%in: f64, %out: f64):
      %441 = arith.addf %in, %out : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x1xf64>
    %351 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%350 : tensor<16x16x1xf64>) outs(%10 : tensor<16x16x1xf64>) {
    ^bb0(%in: f64, %out: f64):
      %441 = arith.divf %in, %cst_8 : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x1xf64>
    %352 = linalg.generic {indexing_maps = [#map2, #map7, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%349, %351 : tensor<16x16x384xf64>, tensor<16x16x1xf64>) outs(%8 : tensor<16x16x384xf64>) {
    ^bb0(%in: f64, %in_177: f64, %out: f64):
      %441 = arith.subf %in, %in_177 : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x384xf64>
    %353 = linalg.generic {indexing_maps = [#map2, #map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%352, %352 : tensor<16x16x384xf64>, tensor<16x16x384xf64>) outs(%8 : tensor<16x16x384xf64>) {
    ^bb0(%in: f64, %in_177: f64, %out: f64):
      %441 = arith.mulf %in, %in_177 : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x384xf64>
    %354 = linalg.generic {indexing_maps = [#map2, #map7], iterator_types = ["parallel", "parallel", "reduction"]} ins(%353 : tensor<16x16x384xf64>) outs(%11 : tensor<16x16x1xf64>) {
    ^bb0(%in: f64, %out: f64):
      %441 = arith.addf %in, %out : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x1xf64>
    %355 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%354 : tensor<16x16x1xf64>) outs(%10 : tensor<16x16x1xf64>) {
    ^bb0(%in: f64, %out: f64):
      %441 = arith.divf %in, %cst_8 : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x1xf64>
    %356 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%355 : tensor<16x16x1xf64>) outs(%18 : tensor<16x16x1xf32>) {
    ^bb0(%in: f64, %out: f32):
      %441 = arith.truncf %in : f64 to f32
      linalg.yield %441 : f32
    } -> tensor<16x16x1xf32>
    %357 = linalg.generic {indexing_maps = [#map2, #map7], iterator_types = ["parallel", "parallel", "reduction"]} ins(%348 : tensor<16x16x384xf32>) outs(%20 : tensor<16x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.addf %in, %out : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x1xf32>
    %358 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%357 : tensor<16x16x1xf32>) outs(%18 : tensor<16x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.divf %in, %cst_9 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x1xf32>
    %359 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%356 : tensor<16x16x1xf32>) outs(%18 : tensor<16x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.truncf %cst_7 : f64 to f32
      %442 = arith.addf %in, %441 : f32
      linalg.yield %442 : f32
    } -> tensor<16x16x1xf32>
    %360 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%359 : tensor<16x16x1xf32>) outs(%18 : tensor<16x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = math.rsqrt %in : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x1xf32>
    %361 = linalg.generic {indexing_maps = [#map2, #map7, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%348, %358 : tensor<16x16x384xf32>, tensor<16x16x1xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.subf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %362 = linalg.generic {indexing_maps = [#map2, #map7, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%361, %360 : tensor<16x16x384xf32>, tensor<16x16x1xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.mulf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %363 = linalg.generic {indexing_maps = [#map2, #map8, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%362, %arg85 : tensor<16x16x384xf32>, tensor<384xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.mulf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %364 = linalg.generic {indexing_maps = [#map2, #map8, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%363, %arg86 : tensor<16x16x384xf32>, tensor<384xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %collapsed_148 = tensor.collapse_shape %364 [[0, 1], [2]] : tensor<16x16x384xf32> into tensor<256x384xf32>
    %transposed_149 = linalg.transpose ins(%arg87 : tensor<384x384xf32>) outs(%33 : tensor<384x384xf32>) permutation = [1, 0] 
    %365 = linalg.matmul ins(%collapsed_148, %transposed_149 : tensor<256x384xf32>, tensor<384x384xf32>) outs(%35 : tensor<256x384xf32>) -> tensor<256x384xf32>
    %366 = linalg.generic {indexing_maps = [#map11, #map4], iterator_types = ["parallel", "parallel"]} ins(%arg88 : tensor<384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<256x384xf32>
    %367 = linalg.generic {indexing_maps = [#map4, #map4, #map4], iterator_types = ["parallel", "parallel"]} ins(%365, %366 : tensor<256x384xf32>, tensor<256x384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<256x384xf32>
    %expanded_150 = tensor.expand_shape %367 [[0, 1], [2, 3]] output_shape [16, 16, 12, 32] : tensor<256x384xf32> into tensor<16x16x12x32xf32>
    %transposed_151 = linalg.transpose ins(%expanded_150 : tensor<16x16x12x32xf32>) outs(%39 : tensor<16x12x16x32xf32>) permutation = [0, 2, 1, 3] 
    %transposed_152 = linalg.transpose ins(%arg89 : tensor<384x384xf32>) outs(%33 : tensor<384x384xf32>) permutation = [1, 0] 
    %368 = linalg.matmul ins(%collapsed_148, %transposed_152 : tensor<256x384xf32>, tensor<384x384xf32>) outs(%35 : tensor<256x384xf32>) -> tensor<256x384xf32>
    %369 = linalg.generic {indexing_maps = [#map11, #map4], iterator_types = ["parallel", "parallel"]} ins(%arg90 : tensor<384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<256x384xf32>
    %370 = linalg.generic {indexing_maps = [#map4, #map4, #map4], iterator_types = ["parallel", "parallel"]} ins(%368, %369 : tensor<256x384xf32>, tensor<256x384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<256x384xf32>
    %expanded_153 = tensor.expand_shape %370 [[0, 1], [2, 3]] output_shape [16, 16, 12, 32] : tensor<256x384xf32> into tensor<16x16x12x32xf32>
    %transposed_154 = linalg.transpose ins(%arg91 : tensor<384x384xf32>) outs(%33 : tensor<384x384xf32>) permutation = [1, 0] 
    %371 = linalg.matmul ins(%collapsed_148, %transposed_154 : tensor<256x384xf32>, tensor<384x384xf32>) outs(%35 : tensor<256x384xf32>) -> tensor<256x384xf32>
    %372 = linalg.generic {indexing_maps = [#map11, #map4], iterator_types = ["parallel", "parallel"]} ins(%arg92 : tensor<384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<256x384xf32>
    %373 = linalg.generic {indexing_maps = [#map4, #map4, #map4], iterator_types = ["parallel", "parallel"]} ins(%371, %372 : tensor<256x384xf32>, tensor<256x384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<256x384xf32>
    %expanded_155 = tensor.expand_shape %373 [[0, 1], [2, 3]] output_shape [16, 16, 12, 32] : tensor<256x384xf32> into tensor<16x16x12x32xf32>
    %transposed_156 = linalg.transpose ins(%expanded_155 : tensor<16x16x12x32xf32>) outs(%39 : tensor<16x12x16x32xf32>) permutation = [0, 2, 1, 3] 
    %transposed_157 = linalg.transpose ins(%expanded_153 : tensor<16x16x12x32xf32>) outs(%46 : tensor<16x12x32x16xf32>) permutation = [0, 2, 3, 1] 
    %collapsed_158 = tensor.collapse_shape %transposed_151 [[0, 1], [2], [3]] : tensor<16x12x16x32xf32> into tensor<192x16x32xf32>
    %collapsed_159 = tensor.collapse_shape %transposed_157 [[0, 1], [2], [3]] : tensor<16x12x32x16xf32> into tensor<192x32x16xf32>
    %374 = linalg.batch_matmul ins(%collapsed_158, %collapsed_159 : tensor<192x16x32xf32>, tensor<192x32x16xf32>) outs(%48 : tensor<192x16x16xf32>) -> tensor<192x16x16xf32>
    %expanded_160 = tensor.expand_shape %374 [[0, 1], [2], [3]] output_shape [16, 12, 16, 16] : tensor<192x16x16xf32> into tensor<16x12x16x16xf32>
    %375 = linalg.generic {indexing_maps = [#map9, #map9], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%expanded_160 : tensor<16x12x16x16xf32>) outs(%50 : tensor<16x12x16x16xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.truncf %cst_6 : f64 to f32
      %442 = arith.divf %in, %441 : f32
      linalg.yield %442 : f32
    } -> tensor<16x12x16x16xf32>
    %376 = linalg.generic {indexing_maps = [#map9, #map12, #map9], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%375, %32 : tensor<16x12x16x16xf32>, tensor<16x1x1x16xf32>) outs(%50 : tensor<16x12x16x16xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x12x16x16xf32>
    %377:2 = linalg.generic {indexing_maps = [#map9, #map13, #map13], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%376 : tensor<16x12x16x16xf32>) outs(%56, %54 : tensor<16x12x16xf32>, tensor<16x12x16xi64>) {
    ^bb0(%in: f32, %out: f32, %out_177: i64):
      %441 = linalg.index 3 : index
      %442 = arith.index_cast %441 : index to i64
      %443 = arith.maximumf %in, %out : f32
      %444 = arith.cmpf ogt, %in, %out : f32
      %445 = arith.select %444, %442, %out_177 : i64
      linalg.yield %443, %445 : f32, i64
    } -> (tensor<16x12x16xf32>, tensor<16x12x16xi64>)
    %expanded_161 = tensor.expand_shape %377#0 [[0], [1], [2, 3]] output_shape [16, 12, 16, 1] : tensor<16x12x16xf32> into tensor<16x12x16x1xf32>
    %378 = linalg.generic {indexing_maps = [#map9, #map14, #map9], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%376, %expanded_161 : tensor<16x12x16x16xf32>, tensor<16x12x16x1xf32>) outs(%50 : tensor<16x12x16x16xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.subf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x12x16x16xf32>
    %379 = linalg.generic {indexing_maps = [#map9, #map9], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%378 : tensor<16x12x16x16xf32>) outs(%50 : tensor<16x12x16x16xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = math.exp %in : f32
      linalg.yield %441 : f32
    } -> tensor<16x12x16x16xf32>
    %380 = linalg.generic {indexing_maps = [#map9, #map14], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%379 : tensor<16x12x16x16xf32>) outs(%61 : tensor<16x12x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.addf %in, %out : f32
      linalg.yield %441 : f32
    } -> tensor<16x12x16x1xf32>
    %381 = linalg.generic {indexing_maps = [#map9, #map14, #map9], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%379, %380 : tensor<16x12x16x16xf32>, tensor<16x12x16x1xf32>) outs(%50 : tensor<16x12x16x16xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.divf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x12x16x16xf32>
    %collapsed_162 = tensor.collapse_shape %381 [[0, 1], [2], [3]] : tensor<16x12x16x16xf32> into tensor<192x16x16xf32>
    %collapsed_163 = tensor.collapse_shape %transposed_156 [[0, 1], [2], [3]] : tensor<16x12x16x32xf32> into tensor<192x16x32xf32>
    %382 = linalg.batch_matmul ins(%collapsed_162, %collapsed_163 : tensor<192x16x16xf32>, tensor<192x16x32xf32>) outs(%65 : tensor<192x16x32xf32>) -> tensor<192x16x32xf32>
    %expanded_164 = tensor.expand_shape %382 [[0, 1], [2], [3]] output_shape [16, 12, 16, 32] : tensor<192x16x32xf32> into tensor<16x12x16x32xf32>
    %transposed_165 = linalg.transpose ins(%expanded_164 : tensor<16x12x16x32xf32>) outs(%67 : tensor<16x16x12x32xf32>) permutation = [0, 2, 1, 3] 
    %collapsed_166 = tensor.collapse_shape %transposed_165 [[0, 1], [2, 3]] : tensor<16x16x12x32xf32> into tensor<256x384xf32>
    %transposed_167 = linalg.transpose ins(%arg93 : tensor<384x384xf32>) outs(%33 : tensor<384x384xf32>) permutation = [1, 0] 
    %383 = linalg.matmul ins(%collapsed_166, %transposed_167 : tensor<256x384xf32>, tensor<384x384xf32>) outs(%35 : tensor<256x384xf32>) -> tensor<256x384xf32>
    %384 = linalg.generic {indexing_maps = [#map11, #map4], iterator_types = ["parallel", "parallel"]} ins(%arg94 : tensor<384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<256x384xf32>
    %385 = linalg.generic {indexing_maps = [#map4, #map4, #map4], iterator_types = ["parallel", "parallel"]} ins(%383, %384 : tensor<256x384xf32>, tensor<256x384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<256x384xf32>
    %expanded_168 = tensor.expand_shape %385 [[0, 1], [2]] output_shape [16, 16, 384] : tensor<256x384xf32> into tensor<16x16x384xf32>
    %386 = linalg.generic {indexing_maps = [#map2, #map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%expanded_168, %364 : tensor<16x16x384xf32>, tensor<16x16x384xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %387 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%386 : tensor<16x16x384xf32>) outs(%8 : tensor<16x16x384xf64>) {
    ^bb0(%in: f32, %out: f64):
      %441 = arith.extf %in : f32 to f64
      linalg.yield %441 : f64
    } -> tensor<16x16x384xf64>
    %388 = linalg.generic {indexing_maps = [#map2, #map7], iterator_types = ["parallel", "parallel", "reduction"]} ins(%387 : tensor<16x16x384xf64>) outs(%11 : tensor<16x16x1xf64>) {
    ^bb0(%in: f64, %out: f64):
      %441 = arith.addf %in, %out : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x1xf64>
    %389 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%388 : tensor<16x16x1xf64>) outs(%10 : tensor<16x16x1xf64>) {
    ^bb0(%in: f64, %out: f64):
      %441 = arith.divf %in, %cst_8 : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x1xf64>
    %390 = linalg.generic {indexing_maps = [#map2, #map7, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%387, %389 : tensor<16x16x384xf64>, tensor<16x16x1xf64>) outs(%8 : tensor<16x16x384xf64>) {
    ^bb0(%in: f64, %in_177: f64, %out: f64):
      %441 = arith.subf %in, %in_177 : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x384xf64>
    %391 = linalg.generic {indexing_maps = [#map2, #map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%390, %390 : tensor<16x16x384xf64>, tensor<16x16x384xf64>) outs(%8 : tensor<16x16x384xf64>) {
    ^bb0(%in: f64, %in_177: f64, %out: f64):
      %441 = arith.mulf %in, %in_177 : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x384xf64>
    %392 = linalg.generic {indexing_maps = [#map2, #map7], iterator_types = ["parallel", "parallel", "reduction"]} ins(%391 : tensor<16x16x384xf64>) outs(%11 : tensor<16x16x1xf64>) {
    ^bb0(%in: f64, %out: f64):
      %441 = arith.addf %in, %out : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x1xf64>
    %393 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%392 : tensor<16x16x1xf64>) outs(%10 : tensor<16x16x1xf64>) {
    ^bb0(%in: f64, %out: f64):
      %441 = arith.divf %in, %cst_8 : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x1xf64>
    %394 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%393 : tensor<16x16x1xf64>) outs(%18 : tensor<16x16x1xf32>) {
    ^bb0(%in: f64, %out: f32):
      %441 = arith.truncf %in : f64 to f32
      linalg.yield %441 : f32
    } -> tensor<16x16x1xf32>
    %395 = linalg.generic {indexing_maps = [#map2, #map7], iterator_types = ["parallel", "parallel", "reduction"]} ins(%386 : tensor<16x16x384xf32>) outs(%20 : tensor<16x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.addf %in, %out : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x1xf32>
    %396 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%395 : tensor<16x16x1xf32>) outs(%18 : tensor<16x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.divf %in, %cst_9 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x1xf32>
    %397 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%394 : tensor<16x16x1xf32>) outs(%18 : tensor<16x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.truncf %cst_7 : f64 to f32
      %442 = arith.addf %in, %441 : f32
      linalg.yield %442 : f32
    } -> tensor<16x16x1xf32>
    %398 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%397 : tensor<16x16x1xf32>) outs(%18 : tensor<16x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = math.rsqrt %in : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x1xf32>
    %399 = linalg.generic {indexing_maps = [#map2, #map7, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%386, %396 : tensor<16x16x384xf32>, tensor<16x16x1xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.subf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %400 = linalg.generic {indexing_maps = [#map2, #map7, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%399, %398 : tensor<16x16x384xf32>, tensor<16x16x1xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.mulf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %401 = linalg.generic {indexing_maps = [#map2, #map8, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%400, %arg95 : tensor<16x16x384xf32>, tensor<384xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.mulf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %402 = linalg.generic {indexing_maps = [#map2, #map8, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%401, %arg96 : tensor<16x16x384xf32>, tensor<384xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %collapsed_169 = tensor.collapse_shape %402 [[0, 1], [2]] : tensor<16x16x384xf32> into tensor<256x384xf32>
    %transposed_170 = linalg.transpose ins(%arg97 : tensor<1536x384xf32>) outs(%88 : tensor<384x1536xf32>) permutation = [1, 0] 
    %403 = linalg.matmul ins(%collapsed_169, %transposed_170 : tensor<256x384xf32>, tensor<384x1536xf32>) outs(%90 : tensor<256x1536xf32>) -> tensor<256x1536xf32>
    %404 = linalg.generic {indexing_maps = [#map11, #map4], iterator_types = ["parallel", "parallel"]} ins(%arg98 : tensor<1536xf32>) outs(%89 : tensor<256x1536xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<256x1536xf32>
    %405 = linalg.generic {indexing_maps = [#map4, #map4, #map4], iterator_types = ["parallel", "parallel"]} ins(%403, %404 : tensor<256x1536xf32>, tensor<256x1536xf32>) outs(%89 : tensor<256x1536xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<256x1536xf32>
    %expanded_171 = tensor.expand_shape %405 [[0, 1], [2]] output_shape [16, 16, 1536] : tensor<256x1536xf32> into tensor<16x16x1536xf32>
    %406 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%expanded_171 : tensor<16x16x1536xf32>) outs(%94 : tensor<16x16x1536xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.divf %in, %cst_11 : f32
      %442 = math.erf %441 : f32
      %443 = arith.addf %442, %cst_2 : f32
      %444 = arith.mulf %443, %cst_3 : f32
      %445 = arith.mulf %in, %444 : f32
      linalg.yield %445 : f32
    } -> tensor<16x16x1536xf32>
    %collapsed_172 = tensor.collapse_shape %406 [[0, 1], [2]] : tensor<16x16x1536xf32> into tensor<256x1536xf32>
    %transposed_173 = linalg.transpose ins(%arg99 : tensor<384x1536xf32>) outs(%96 : tensor<1536x384xf32>) permutation = [1, 0] 
    %407 = linalg.matmul ins(%collapsed_172, %transposed_173 : tensor<256x1536xf32>, tensor<1536x384xf32>) outs(%35 : tensor<256x384xf32>) -> tensor<256x384xf32>
    %408 = linalg.generic {indexing_maps = [#map11, #map4], iterator_types = ["parallel", "parallel"]} ins(%arg100 : tensor<384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<256x384xf32>
    %409 = linalg.generic {indexing_maps = [#map4, #map4, #map4], iterator_types = ["parallel", "parallel"]} ins(%407, %408 : tensor<256x384xf32>, tensor<256x384xf32>) outs(%34 : tensor<256x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<256x384xf32>
    %expanded_174 = tensor.expand_shape %409 [[0, 1], [2]] output_shape [16, 16, 384] : tensor<256x384xf32> into tensor<16x16x384xf32>
    %410 = linalg.generic {indexing_maps = [#map2, #map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%expanded_174, %402 : tensor<16x16x384xf32>, tensor<16x16x384xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %411 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%410 : tensor<16x16x384xf32>) outs(%8 : tensor<16x16x384xf64>) {
    ^bb0(%in: f32, %out: f64):
      %441 = arith.extf %in : f32 to f64
      linalg.yield %441 : f64
    } -> tensor<16x16x384xf64>
    %412 = linalg.generic {indexing_maps = [#map2, #map7], iterator_types = ["parallel", "parallel", "reduction"]} ins(%411 : tensor<16x16x384xf64>) outs(%11 : tensor<16x16x1xf64>) {
    ^bb0(%in: f64, %out: f64):
      %441 = arith.addf %in, %out : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x1xf64>
    %413 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%412 : tensor<16x16x1xf64>) outs(%10 : tensor<16x16x1xf64>) {
    ^bb0(%in: f64, %out: f64):
      %441 = arith.divf %in, %cst_8 : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x1xf64>
    %414 = linalg.generic {indexing_maps = [#map2, #map7, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%411, %413 : tensor<16x16x384xf64>, tensor<16x16x1xf64>) outs(%8 : tensor<16x16x384xf64>) {
    ^bb0(%in: f64, %in_177: f64, %out: f64):
      %441 = arith.subf %in, %in_177 : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x384xf64>
    %415 = linalg.generic {indexing_maps = [#map2, #map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%414, %414 : tensor<16x16x384xf64>, tensor<16x16x384xf64>) outs(%8 : tensor<16x16x384xf64>) {
    ^bb0(%in: f64, %in_177: f64, %out: f64):
      %441 = arith.mulf %in, %in_177 : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x384xf64>
    %416 = linalg.generic {indexing_maps = [#map2, #map7], iterator_types = ["parallel", "parallel", "reduction"]} ins(%415 : tensor<16x16x384xf64>) outs(%11 : tensor<16x16x1xf64>) {
    ^bb0(%in: f64, %out: f64):
      %441 = arith.addf %in, %out : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x1xf64>
    %417 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%416 : tensor<16x16x1xf64>) outs(%10 : tensor<16x16x1xf64>) {
    ^bb0(%in: f64, %out: f64):
      %441 = arith.divf %in, %cst_8 : f64
      linalg.yield %441 : f64
    } -> tensor<16x16x1xf64>
    %418 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%417 : tensor<16x16x1xf64>) outs(%18 : tensor<16x16x1xf32>) {
    ^bb0(%in: f64, %out: f32):
      %441 = arith.truncf %in : f64 to f32
      linalg.yield %441 : f32
    } -> tensor<16x16x1xf32>
    %419 = linalg.generic {indexing_maps = [#map2, #map7], iterator_types = ["parallel", "parallel", "reduction"]} ins(%410 : tensor<16x16x384xf32>) outs(%20 : tensor<16x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.addf %in, %out : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x1xf32>
    %420 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%419 : tensor<16x16x1xf32>) outs(%18 : tensor<16x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.divf %in, %cst_9 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x1xf32>
    %421 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%418 : tensor<16x16x1xf32>) outs(%18 : tensor<16x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.truncf %cst_7 : f64 to f32
      %442 = arith.addf %in, %441 : f32
      linalg.yield %442 : f32
    } -> tensor<16x16x1xf32>
    %422 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%421 : tensor<16x16x1xf32>) outs(%18 : tensor<16x16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = math.rsqrt %in : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x1xf32>
    %423 = linalg.generic {indexing_maps = [#map2, #map7, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%410, %420 : tensor<16x16x384xf32>, tensor<16x16x1xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.subf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %424 = linalg.generic {indexing_maps = [#map2, #map7, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%423, %422 : tensor<16x16x384xf32>, tensor<16x16x1xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.mulf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %425 = linalg.generic {indexing_maps = [#map2, #map8, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%424, %arg101 : tensor<16x16x384xf32>, tensor<384xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.mulf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %426 = linalg.generic {indexing_maps = [#map2, #map8, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%425, %arg102 : tensor<16x16x384xf32>, tensor<384xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.addf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %expanded_175 = tensor.expand_shape %arg1 [[0], [1, 2]] output_shape [16, 16, 1] : tensor<16x16xi64> into tensor<16x16x1xi64>
    %427 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%expanded_175 : tensor<16x16x1xi64>) outs(%18 : tensor<16x16x1xf32>) {
    ^bb0(%in: i64, %out: f32):
      %441 = arith.sitofp %in : i64 to f32
      linalg.yield %441 : f32
    } -> tensor<16x16x1xf32>
    %428 = linalg.generic {indexing_maps = [#map2, #map7, #map2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%426, %427 : tensor<16x16x384xf32>, tensor<16x16x1xf32>) outs(%2 : tensor<16x16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.mulf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x16x384xf32>
    %429 = linalg.fill ins(%cst : f32) outs(%4 : tensor<16x384xf32>) -> tensor<16x384xf32>
    %430 = linalg.generic {indexing_maps = [#map2, #map15], iterator_types = ["parallel", "reduction", "parallel"]} ins(%428 : tensor<16x16x384xf32>) outs(%429 : tensor<16x384xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.addf %in, %out : f32
      linalg.yield %441 : f32
    } -> tensor<16x384xf32>
    %431 = tensor.empty() : tensor<16x1xf32>
    %432 = linalg.fill ins(%cst : f32) outs(%431 : tensor<16x1xf32>) -> tensor<16x1xf32>
    %433 = linalg.generic {indexing_maps = [#map2, #map15], iterator_types = ["parallel", "reduction", "parallel"]} ins(%427 : tensor<16x16x1xf32>) outs(%432 : tensor<16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.addf %in, %out : f32
      linalg.yield %441 : f32
    } -> tensor<16x1xf32>
    %434 = linalg.generic {indexing_maps = [#map4, #map4], iterator_types = ["parallel", "parallel"]} ins(%433 : tensor<16x1xf32>) outs(%431 : tensor<16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.truncf %cst_5 : f64 to f32
      %442 = arith.cmpf ult, %in, %441 : f32
      %443 = arith.select %442, %441, %in : f32
      linalg.yield %443 : f32
    } -> tensor<16x1xf32>
    %435 = linalg.generic {indexing_maps = [#map4, #map16, #map4], iterator_types = ["parallel", "parallel"]} ins(%430, %434 : tensor<16x384xf32>, tensor<16x1xf32>) outs(%4 : tensor<16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.divf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x384xf32>
    %436 = linalg.generic {indexing_maps = [#map4, #map16], iterator_types = ["parallel", "reduction"]} ins(%435 : tensor<16x384xf32>) outs(%432 : tensor<16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = math.absf %in : f32
      %442 = math.powf %441, %cst_12 : f32
      %443 = arith.addf %442, %out : f32
      linalg.yield %443 : f32
    } -> tensor<16x1xf32>
    %437 = linalg.generic {indexing_maps = [#map4, #map4], iterator_types = ["parallel", "parallel"]} ins(%436 : tensor<16x1xf32>) outs(%431 : tensor<16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = math.powf %in, %cst_3 : f32
      linalg.yield %441 : f32
    } -> tensor<16x1xf32>
    %438 = linalg.generic {indexing_maps = [#map4, #map4], iterator_types = ["parallel", "parallel"]} ins(%437 : tensor<16x1xf32>) outs(%431 : tensor<16x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %441 = arith.truncf %cst_7 : f64 to f32
      %442 = arith.cmpf ult, %in, %441 : f32
      %443 = arith.select %442, %441, %in : f32
      linalg.yield %443 : f32
    } -> tensor<16x1xf32>
    %collapsed_176 = tensor.collapse_shape %438 [[0, 1]] : tensor<16x1xf32> into tensor<16xf32>
    %439 = linalg.generic {indexing_maps = [#map3, #map4], iterator_types = ["parallel", "parallel"]} ins(%collapsed_176 : tensor<16xf32>) outs(%4 : tensor<16x384xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<16x384xf32>
    %440 = linalg.generic {indexing_maps = [#map4, #map4, #map4], iterator_types = ["parallel", "parallel"]} ins(%435, %439 : tensor<16x384xf32>, tensor<16x384xf32>) outs(%4 : tensor<16x384xf32>) {
    ^bb0(%in: f32, %in_177: f32, %out: f32):
      %441 = arith.divf %in, %in_177 : f32
      linalg.yield %441 : f32
    } -> tensor<16x384xf32>
    return %440 : tensor<16x384xf32>
  }
}

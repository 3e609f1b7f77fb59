// RUN: bitsink-opt %s --bitsink-block-planes="n-tile=16 k-tile=2" --split-input-file --verify-diagnostics --mlir-print-elementsattrs-with-hex-if-larger=-1 | FileCheck %s
// RUN: bitsink-opt %s --bitsink-block-planes="n-tile=16 k-tile=2 max-rows=-1" --split-input-file 2>/dev/null | FileCheck %s --check-prefix=ALL
// RUN: bitsink-opt %s --bitsink-block-planes --split-input-file 2>/dev/null | FileCheck %s --check-prefix=AUTO
// RUN: not bitsink-opt %s --bitsink-block-planes="n-tile=-1" --split-input-file 2>&1 | FileCheck %s --check-prefix=BAD

// The planes of a GEMV (M = 1) are repacked: P = 2, KW = 3, N = 17 into
// blocks of 2 words by 16 columns, [2, 2, 2, 2, 16], zero padded (the
// expected values are computed independently: planes[nb, kb, p, w, nn] =
// canonical[p, 2·kb + w, 16·nb + nn], canonical[p, w, n] = 51p + 17w + n + 1).
// CHECK-LABEL: func @gemv
// CHECK-NOT: tensor<2x3x17xi32>
// CHECK: %[[P:.*]] = arith.constant dense<{{\[}}{{\[}}{{\[}}{{\[}}{{\[}}1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], {{\[}}18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33]], {{\[}}{{\[}}52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67], {{\[}}69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84]]], {{\[}}{{\[}}{{\[}}35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50], {{\[}}0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]], {{\[}}{{\[}}86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 100, 101], {{\[}}0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]]], {{\[}}{{\[}}{{\[}}{{\[}}17, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], {{\[}}34, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]], {{\[}}{{\[}}68, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], {{\[}}85, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]], {{\[}}{{\[}}{{\[}}51, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], {{\[}}0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]], {{\[}}{{\[}}102, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], {{\[}}0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]]]]> : tensor<2x2x2x2x16xi32>
// CHECK: bitsink.bitplane_matmul ins(%{{.*}}, %[[P]], %{{.*}} : tensor<1x96xf32>, tensor<2x2x2x2x16xi32>, tensor<3x3x17xf32>)
// CHECK-SAME: layout = #bitsink.layout<n_tile = 16, k_tile = 2>
// BAD: error: bitsink-block-planes: n-tile must be at least 0 and k-tile at least 1, got n-tile=-1 k-tile=4
// By default (n-tile = 0, k-tile = 4) a block is the GEMV's strip of N = 17
// columns, min(512, 64·ceil(17/512)) = 64, by 4 words.
// AUTO-LABEL: func @gemv
// AUTO: arith.constant {{.*}} : tensor<1x1x2x4x64xi32>
// AUTO: layout = #bitsink.layout<n_tile = 64, k_tile = 4>
func.func @gemv(%x: tensor<1x96xf32>, %c: tensor<3x3x17xf32>, %acc: tensor<1x17xf32>) -> tensor<1x17xf32> {
  %p = arith.constant dense<[[[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17], [18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34], [35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51]], [[52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68], [69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85], [86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 100, 101, 102]]]> : tensor<2x3x17xi32>
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<1x96xf32>, tensor<2x3x17xi32>, tensor<3x3x17xf32>)
         outs(%acc : tensor<1x17xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 32} -> tensor<1x17xf32>
  return %y : tensor<1x17xf32>
}

// -----

// Two GEMVs on one constant share one blocked copy; a GEMM (M = 20 above
// max-rows = 8) keeps the canonical constant, with a remark. With
// max-rows = -1 the GEMM is blocked too and the canonical constant is gone.
// CHECK-LABEL: func @shared
// CHECK-DAG: %[[C:.*]] = arith.constant dense<7> : tensor<1x2x16xi32>
// CHECK-DAG: %[[B:.*]] = arith.constant dense<7> : tensor<1x1x1x2x16xi32>
// CHECK: bitsink.bitplane_matmul ins(%{{.*}}, %[[B]], %{{.*}} : tensor<1x64xf32>, tensor<1x1x1x2x16xi32>
// CHECK: bitsink.bitplane_matmul ins(%{{.*}}, %[[B]], %{{.*}} : tensor<2x64xf32>, tensor<1x1x1x2x16xi32>
// CHECK: bitsink.bitplane_matmul ins(%{{.*}}, %[[C]], %{{.*}} : tensor<20x64xf32>, tensor<1x2x16xi32>
// CHECK-NOT: layout
// ALL-LABEL: func @shared
// ALL-NOT: tensor<1x2x16xi32>
// ALL-COUNT-3: tensor<1x1x1x2x16xi32>, tensor<1x2x16xf32>)
func.func @shared(%x1: tensor<1x64xf32>, %x2: tensor<2x64xf32>, %x20: tensor<20x64xf32>,
    %c: tensor<1x2x16xf32>, %a1: tensor<1x16xf32>, %a2: tensor<2x16xf32>, %a20: tensor<20x16xf32>)
    -> (tensor<1x16xf32>, tensor<2x16xf32>, tensor<20x16xf32>) {
  %p = arith.constant dense<7> : tensor<1x2x16xi32>
  %y1 = bitsink.bitplane_matmul ins(%x1, %p, %c : tensor<1x64xf32>, tensor<1x2x16xi32>, tensor<1x2x16xf32>)
          outs(%a1 : tensor<1x16xf32>)
          {plane_kind = #bitsink.plane_kind<binary>, group_size = 64} -> tensor<1x16xf32>
  %y2 = bitsink.bitplane_matmul ins(%x2, %p, %c : tensor<2x64xf32>, tensor<1x2x16xi32>, tensor<1x2x16xf32>)
          outs(%a2 : tensor<2x16xf32>)
          {plane_kind = #bitsink.plane_kind<binary>, group_size = 64} -> tensor<2x16xf32>
  // expected-remark @+1 {{planes left canonical: M = 20 is above max-rows = 8}}
  %y20 = bitsink.bitplane_matmul ins(%x20, %p, %c : tensor<20x64xf32>, tensor<1x2x16xi32>, tensor<1x2x16xf32>)
          outs(%a20 : tensor<20x16xf32>)
          {plane_kind = #bitsink.plane_kind<binary>, group_size = 64} -> tensor<20x16xf32>
  return %y1, %y2, %y20 : tensor<1x16xf32>, tensor<2x16xf32>, tensor<20x16xf32>
}

// -----

// Planes that are not a constant (an argument) stay canonical, with a
// remark; so do planes already blocked.
// CHECK-LABEL: func @argument
// CHECK: tensor<1x2x16xi32>
// CHECK-NOT: layout
func.func @argument(%x: tensor<1x64xf32>, %p: tensor<1x2x16xi32>, %c: tensor<1x2x16xf32>,
    %acc: tensor<1x16xf32>) -> tensor<1x16xf32> {
  // expected-remark @+1 {{planes left canonical: they are not a dense or dense_resource arith.constant}}
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<1x64xf32>, tensor<1x2x16xi32>, tensor<1x2x16xf32>)
         outs(%acc : tensor<1x16xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 64} -> tensor<1x16xf32>
  return %y : tensor<1x16xf32>
}


// RUN: bitsink-opt %s --pass-pipeline='builtin.module(func.func(bitsink-tile-contractions{cache-tile-m=8 cache-tile-n=32 cache-tile-k=16 register-tile-m=4 register-tile-n=16}))' | FileCheck %s
// RUN: not bitsink-opt %s --pass-pipeline='builtin.module(func.func(bitsink-tile-contractions{register-tile-n=0}))' 2>&1 | FileCheck %s --check-prefix=ERR

// ERR: error: bitsink-tile-contractions: register-tile-n must be positive, got 0

// Full tiles only: a parallel loop over 8x32 cache tiles, a loop over K
// slabs of 16, 4x16 register tiles whose C rows are loaded once, carried
// through the K loop in vectors (one broadcast FMA per row and K step) and
// stored after it.
// CHECK-LABEL: func.func @static_nn(
//  CHECK-SAME:     %[[A:.*]]: memref<16x24xf32>, %[[B:.*]]: memref<24x64xf32>, %[[C:.*]]: memref<16x64xf32>)
//       CHECK:   scf.parallel (%{{.*}}, %{{.*}}) = (%{{.*}}, %{{.*}}) to (%c16{{.*}}, %c64{{.*}}) step (%c8{{.*}}, %c32{{.*}})
//       CHECK:     scf.for %{{.*}} = %{{.*}} to %c24{{.*}} step %c16
//       CHECK:       scf.for %{{.*}} = %{{.*}} to %c8{{.*}} step %c4
//       CHECK:         scf.for %{{.*}} = %{{.*}} to %c32{{.*}} step %c16
// CHECK-COUNT-4:         vector.load %[[C]]{{.*}} : memref<16x64xf32>, vector<16xf32>
//       CHECK:           scf.for {{.*}} iter_args(%{{.*}} = %{{.*}}) -> (vector<4x16xf32>)
//   CHECK-NOT:             %[[C]]
//       CHECK:             vector.load %[[B]]{{.*}} : memref<24x64xf32>, vector<16xf32>
// CHECK-COUNT-4:           vector.fma {{.*}} : vector<16xf32>
//   CHECK-NOT:             %[[C]]
//       CHECK:             scf.yield
// CHECK-COUNT-4:         vector.store %{{.*}}, %[[C]]{{.*}} : memref<16x64xf32>, vector<16xf32>
//   CHECK-NOT:   linalg.matmul
//       CHECK:   return
func.func @static_nn(%a: memref<16x24xf32>, %b: memref<24x64xf32>, %c: memref<16x64xf32>) {
  linalg.matmul ins(%a, %b : memref<16x24xf32>, memref<24x64xf32>) outs(%c : memref<16x64xf32>)
  return
}

// Dynamic sizes: the register loops are peeled; the full tiles are
// vectorised, the remainders (N, then M with any N) stay linalg.matmul on
// sub-views of dynamic size for convert-linalg-to-loops.
// CHECK-LABEL: func.func @dynamic(
//       CHECK:   scf.parallel
//       CHECK:           scf.for {{.*}} iter_args(%{{.*}} = %{{.*}}) -> (vector<4x16xf32>)
// CHECK-COUNT-4:           vector.fma
//       CHECK:           linalg.matmul ins(%{{.*}}, %{{.*}} : memref<4x1xf32, {{.*}}>, memref<1x?xf32, {{.*}}>) outs(%{{.*}} : memref<4x?xf32, {{.*}}>)
//       CHECK:           linalg.matmul ins(%{{.*}}, %{{.*}} : memref<?x1xf32, {{.*}}>, memref<1x16xf32, {{.*}}>) outs(%{{.*}} : memref<?x16xf32, {{.*}}>)
//       CHECK:           linalg.matmul ins(%{{.*}}, %{{.*}} : memref<?x1xf32, {{.*}}>, memref<1x?xf32, {{.*}}>) outs(%{{.*}} : memref<?x?xf32, {{.*}}>)
//       CHECK:   return
func.func @dynamic(%a: memref<?x?xf32>, %b: memref<?x?xf32>, %c: memref<?x?xf32>) {
  linalg.matmul ins(%a, %b : memref<?x?xf32>, memref<?x?xf32>) outs(%c : memref<?x?xf32>)
  return
}

// Batch dimensions become parallel loop dimensions with tile 1, dropped
// from the register tiles.
// CHECK-LABEL: func.func @batch(
//       CHECK:   scf.parallel (%{{.*}}, %{{.*}}, %{{.*}}) = {{.*}} to (%c2{{.*}}, %c8{{.*}}, %c16{{.*}}) step (%c1{{.*}}, %c8{{.*}}, %c32{{.*}})
//       CHECK:         scf.for {{.*}} -> (vector<4x16xf32>)
// CHECK-COUNT-4:         vector.fma
//   CHECK-NOT:   linalg.batch_matmul
//       CHECK:   return
func.func @batch(%a: memref<2x8x4xf32>, %b: memref<2x4x16xf32>, %c: memref<2x8x16xf32>) {
  linalg.batch_matmul ins(%a, %b : memref<2x8x4xf32>, memref<2x4x16xf32>) outs(%c : memref<2x8x16xf32>)
  return
}

// A generic with two M, two N and two K dimensions (torch-mlir linear
// layers after elementwise fusion and reshape propagation). Each pair is
// one run in every operand and the buffers have identity layouts, so the
// pairs are merged (memref.collapse_shape) into a 16 x 96 x 12 contraction
// and cache tiles span both M and both N dimensions. (This test used to
// check the outer ones tiled by 1: (2, 8, 3, 32) step (1, 8, 1, 32); the
// merge replaced that, @multi_dim_strided below keeps it.)
// CHECK-LABEL: func.func @multi_dim(
//   CHECK-DAG:   memref.collapse_shape %{{.*}} {{\[\[}}0, 1], [2, 3]] : memref<2x8x3x4xf32> into memref<16x12xf32>
//   CHECK-DAG:   memref.collapse_shape %{{.*}} {{\[\[}}0, 1], [2, 3]] : memref<3x4x3x32xf32> into memref<12x96xf32>
//   CHECK-DAG:   memref.collapse_shape %{{.*}} {{\[\[}}0, 1], [2, 3]] : memref<2x8x3x32xf32> into memref<16x96xf32>
//       CHECK:   scf.parallel (%{{.*}}, %{{.*}}) = {{.*}} to (%c16{{.*}}, %c96{{.*}}) step (%c8{{.*}}, %c32{{.*}})
//       CHECK:           scf.for {{.*}} -> (vector<4x16xf32>)
// CHECK-COUNT-4:           vector.fma {{.*}} : vector<16xf32>
//   CHECK-NOT:   linalg.generic
//       CHECK:   return
func.func @multi_dim(%a: memref<2x8x3x4xf32>, %b: memref<3x4x3x32xf32>, %c: memref<2x8x3x32xf32>) {
  linalg.generic {indexing_maps = [affine_map<(b, s, h, d, k1, k2) -> (b, s, k1, k2)>,
                                   affine_map<(b, s, h, d, k1, k2) -> (k1, k2, h, d)>,
                                   affine_map<(b, s, h, d, k1, k2) -> (b, s, h, d)>],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]}
      ins(%a, %b : memref<2x8x3x4xf32>, memref<3x4x3x32xf32>) outs(%c : memref<2x8x3x32xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// The same contraction on a C with a non-identity layout (a strided
// sub-view) is not merged: the inner M, N and K dimensions are tiled, the
// others by 1.
// CHECK-LABEL: func.func @multi_dim_strided(
//   CHECK-NOT:   memref.collapse_shape
//       CHECK:   scf.parallel (%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) = {{.*}} to (%c2{{.*}}, %c8{{.*}}, %c3{{.*}}, %c32{{.*}}) step (%c1{{.*}}, %c8{{.*}}, %c1{{.*}}, %c32{{.*}})
//       CHECK:           scf.for {{.*}} -> (vector<4x16xf32>)
// CHECK-COUNT-4:           vector.fma {{.*}} : vector<16xf32>
//   CHECK-NOT:   linalg.generic
//       CHECK:   return
func.func @multi_dim_strided(%a: memref<2x8x3x4xf32>, %b: memref<3x4x3x32xf32>, %big: memref<2x8x3x64xf32>) {
  %c = memref.subview %big[0, 0, 0, 0] [2, 8, 3, 32] [1, 1, 1, 1] : memref<2x8x3x64xf32> to memref<2x8x3x32xf32, strided<[1536, 192, 64, 1]>>
  linalg.generic {indexing_maps = [affine_map<(b, s, h, d, k1, k2) -> (b, s, k1, k2)>,
                                   affine_map<(b, s, h, d, k1, k2) -> (k1, k2, h, d)>,
                                   affine_map<(b, s, h, d, k1, k2) -> (b, s, h, d)>],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]}
      ins(%a, %b : memref<2x8x3x4xf32>, memref<3x4x3x32xf32>) outs(%c : memref<2x8x3x32xf32, strided<[1536, 192, 64, 1]>>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// An elementwise producer fused into the contraction (GELU before the second
// FFN projection after linalg-fuse-elementwise-ops) is computed once per
// element of A into a new buffer; the plain contraction is then tiled.
// CHECK-LABEL: func.func @fused_prologue(
//  CHECK-SAME:     %[[H:[a-z0-9]+]]: memref<8x64xf32>, %[[BIAS:[a-z0-9]+]]: memref<64xf32>,
//       CHECK:   %[[T:.*]] = memref.alloc() : memref<8x64xf32>
//       CHECK:   linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]} ins(%[[H]], %[[BIAS]] : {{.*}}) outs(%[[T]] : memref<8x64xf32>)
//       CHECK:     math.erf
//       CHECK:   scf.parallel
//       CHECK:     vector.load %[[T]]
//       CHECK:     vector.fma
//   CHECK-NOT:   math.erf
//       CHECK:   memref.dealloc %[[T]] : memref<8x64xf32>
//       CHECK:   return
func.func @fused_prologue(%h: memref<8x64xf32>, %bias: memref<64xf32>, %w: memref<64x32xf32>, %c: memref<8x32xf32>) {
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k)>,
                                   affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%h, %bias, %w : memref<8x64xf32>, memref<64xf32>, memref<64x32xf32>) outs(%c : memref<8x32xf32>) {
  ^bb0(%x: f32, %b: f32, %y: f32, %acc: f32):
    %s = arith.addf %x, %b : f32
    %e = math.erf %s : f32
    %g = arith.mulf %s, %e : f32
    %p = arith.mulf %g, %y : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  }
  return
}

// Not handled, left as is: integer contractions, mixed precision, tensors.
// CHECK-LABEL: func.func @left_alone(
//   CHECK-NOT:   scf.parallel
//       CHECK:   linalg.matmul ins(%{{.*}}, %{{.*}} : memref<8x4xi32>, memref<4x16xi32>)
//       CHECK:   linalg.matmul ins(%{{.*}}, %{{.*}} : memref<8x4xf16>, memref<4x16xf16>) outs(%{{.*}} : memref<8x16xf32>)
//       CHECK:   linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<8x4xf32>, tensor<4x16xf32>)
func.func @left_alone(%a: memref<8x4xi32>, %b: memref<4x16xi32>, %c: memref<8x16xi32>,
                      %ah: memref<8x4xf16>, %bh: memref<4x16xf16>, %cf: memref<8x16xf32>,
                      %at: tensor<8x4xf32>, %bt: tensor<4x16xf32>, %ct: tensor<8x16xf32>) -> tensor<8x16xf32> {
  linalg.matmul ins(%a, %b : memref<8x4xi32>, memref<4x16xi32>) outs(%c : memref<8x16xi32>)
  linalg.matmul ins(%ah, %bh : memref<8x4xf16>, memref<4x16xf16>) outs(%cf : memref<8x16xf32>)
  %r = linalg.matmul ins(%at, %bt : tensor<8x4xf32>, tensor<4x16xf32>) outs(%ct : tensor<8x16xf32>) -> tensor<8x16xf32>
  return %r : tensor<8x16xf32>
}

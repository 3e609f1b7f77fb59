// RUN: bitsink-opt %s --pass-pipeline='builtin.module(func.func(bitsink-vectorize-linalg{vector-bits=512}),canonicalize,cse)' | FileCheck %s
// RUN: bitsink-opt %s --pass-pipeline='builtin.module(func.func(bitsink-vectorize-linalg{vector-bits=256}),canonicalize,cse)' | FileCheck %s --check-prefix=AVX2

// Transposes: square tiles of one vector length (16 f32 with AVX-512, 8
// with AVX2), read as rows of the input, transposed in registers
// (vector.shuffle), written as rows of the output. Parallel over the tiles
// of the input's innermost dimension (and the other dimensions), a loop
// over the tiles of the output's; partial tiles masked.
// CHECK-LABEL: func.func @transpose(
//  CHECK-SAME:     %[[A:.*]]: memref<37x45xf32>, %[[C:.*]]: memref<45x37xf32>)
//       CHECK:   scf.parallel (%[[I:.*]]) = (%{{.*}}) to (%c45) step (%c16)
//       CHECK:     scf.for %[[J:.*]] = %{{.*}} to %c32 step %c16
// CHECK-COUNT-16:      vector.maskedload %[[A]][%{{.*}}, %[[I]]], {{.*}} : memref<37x45xf32>, vector<16xi1>, vector<16xf32> into vector<16xf32>
//       CHECK:       vector.shuffle {{.*}} : vector<16xf32>, vector<16xf32>
// CHECK-COUNT-16:      vector.maskedstore %[[C]][%{{.*}}, %[[J]]], {{.*}} : memref<45x37xf32>, vector<16xi1>, vector<16xf32>
//       CHECK:     vector.maskedstore %[[C]][%{{.*}}, %c32], {{.*}} : memref<45x37xf32>, vector<16xi1>, vector<16xf32>
//   CHECK-NOT:   linalg.transpose
// AVX2-LABEL: func.func @transpose(
//       AVX2:   scf.parallel (%{{.*}}) = (%{{.*}}) to (%c45) step (%c8)
//       AVX2:     scf.for %{{.*}} = %{{.*}} to %c32 step %c8
//       AVX2:       vector.shuffle {{.*}} : vector<64xf32>, vector<64xf32>
func.func @transpose(%a: memref<37x45xf32>, %c: memref<45x37xf32>) {
  linalg.transpose ins(%a : memref<37x45xf32>) outs(%c : memref<45x37xf32>) permutation = [1, 0]
  return
}

// The per-call weight transpose of the MiniLM import (12 x 32 x 384 ->
// 384 x 12 x 32): full 16 x 16 tiles, unmasked.
// CHECK-LABEL: func.func @heads(
//       CHECK:   scf.parallel (%[[K:.*]], %[[H:.*]]) = (%{{.*}}, %{{.*}}) to (%c384, %c12) step (%c16, %c1)
//       CHECK:     scf.for %[[D:.*]] = %{{.*}} to %c32 step %c16
// CHECK-COUNT-16:      vector.load %{{.*}}[%[[H]], %{{.*}}, %[[K]]] : memref<12x32x384xf32>, vector<16xf32>
//       CHECK:       vector.shuffle
// CHECK-COUNT-16:      vector.store %{{.*}}, %{{.*}}[%{{.*}}, %[[H]], %[[D]]] : memref<384x12x32xf32>, vector<16xf32>
func.func @heads(%a: memref<12x32x384xf32>, %c: memref<384x12x32xf32>) {
  linalg.transpose ins(%a : memref<12x32x384xf32>) outs(%c : memref<384x12x32xf32>) permutation = [2, 0, 1]
  return
}

// The innermost dimension stays innermost (heads split and merged): rows
// copied, no tile transpose.
// CHECK-LABEL: func.func @swap_keep_inner(
//       CHECK:   scf.parallel (%[[B:.*]], %[[H:.*]], %[[S:.*]]) = (%{{.*}}, %{{.*}}, %{{.*}}) to (%c4, %c12, %c16) step (%c1, %c1, %c1)
//       CHECK:     %[[R:.*]] = vector.load %{{.*}}[%[[B]], %[[S]], %[[H]], %c0] : memref<4x16x12x32xf32>, vector<32xf32>
//       CHECK:     vector.store %[[R]], %{{.*}}[%[[B]], %[[H]], %[[S]], %c0] : memref<4x12x16x32xf32>, vector<32xf32>
//   CHECK-NOT:   vector.shuffle
func.func @swap_keep_inner(%a: memref<4x16x12x32xf32>, %c: memref<4x12x16x32xf32>) {
  linalg.transpose ins(%a : memref<4x16x12x32xf32>) outs(%c : memref<4x12x16x32xf32>) permutation = [0, 2, 1, 3]
  return
}

// A generic reading one input transposed: the same tiles, the other input
// read along the output's rows.
// CHECK-LABEL: func.func @transposed_add(
//       CHECK:   scf.parallel (%{{.*}}) = (%{{.*}}) to (%c37) step (%c16)
//       CHECK:     scf.for
//       CHECK:       vector.shuffle
//       CHECK:       arith.addf {{.*}} : vector<16xf32>
func.func @transposed_add(%a: memref<45x37xf32>, %b: memref<37x45xf32>, %c: memref<37x45xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (j, i)>, affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%a, %b : memref<45x37xf32>, memref<37x45xf32>) outs(%c : memref<37x45xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  }
  return
}

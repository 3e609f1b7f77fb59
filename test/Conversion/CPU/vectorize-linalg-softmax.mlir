// RUN: bitsink-opt %s --pass-pipeline='builtin.module(func.func(bitsink-vectorize-linalg{vector-bits=512}),canonicalize,cse)' | FileCheck %s

// Softmax over rows: a max reduction and an exp-sum reduction (each a
// partial vector carried through the chunk loop, one horizontal reduction
// per row), then the element-wise normalisation.
// CHECK-LABEL: func.func @softmax(
//  CHECK-SAME:     %[[X:[^:]*]]: memref<3x1000xf32>, %[[MAX:[^:]*]]: memref<3xf32>, %[[SUM:[^:]*]]: memref<3xf32>, %[[Y:[^:]*]]: memref<3x1000xf32>)
//       CHECK:   %[[NEG_INF:.*]] = arith.constant dense<0xFF800000> : vector<64xf32>
//       CHECK:   scf.parallel (%[[I:.*]]) = (%{{.*}}) to (%c3) step (%c1)
//       CHECK:     %[[M:.*]] = scf.for %[[J:.*]] = %{{.*}} to %c960 step %c64 iter_args(%[[P:.*]] = %[[NEG_INF]]) -> (vector<64xf32>)
//       CHECK:       %[[V:.*]] = vector.load %[[X]][%[[I]], %[[J]]] : memref<3x1000xf32>, vector<64xf32>
//       CHECK:       %[[MX:.*]] = arith.maximumf %[[V]], %[[P]] : vector<64xf32>
//       CHECK:       scf.yield %[[MX]] : vector<64xf32>
//       CHECK:     vector.reduction <maximumf>, %[[M]], %{{.*}} : vector<64xf32> into f32
//       CHECK:     vector.reduction <maximumf>, %{{.*}}, %{{.*}} : vector<40xf32> into f32
//       CHECK:   scf.parallel
//       CHECK:     scf.for {{.*}} -> (vector<64xf32>)
//       CHECK:       arith.subf
//       CHECK:       math.exp %{{.*}} : vector<64xf32>
//       CHECK:       arith.addf
//       CHECK:     vector.reduction <add>, {{.*}} fastmath<reassoc> : vector<64xf32> into f32
//       CHECK:     math.exp %{{.*}} : vector<40xf32>
//       CHECK:     vector.reduction <add>, {{.*}} fastmath<reassoc> : vector<40xf32> into f32
//       CHECK:   scf.parallel
//       CHECK:     scf.for
//       CHECK:       math.exp %{{.*}} : vector<64xf32>
//       CHECK:       arith.divf %{{.*}}, %{{.*}} : vector<64xf32>
//       CHECK:       vector.store %{{.*}}, %[[Y]]{{.*}} : memref<3x1000xf32>, vector<64xf32>
//   CHECK-NOT:   linalg.generic
//       CHECK:   return
func.func @softmax(%x: memref<3x1000xf32>, %max: memref<3xf32>, %sum: memref<3xf32>, %y: memref<3x1000xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<3x1000xf32>) outs(%max : memref<3xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %m = arith.maximumf %a, %acc : f32
    linalg.yield %m : f32
  }
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>, affine_map<(i, j) -> (i)>], iterator_types = ["parallel", "reduction"]}
      ins(%x, %max : memref<3x1000xf32>, memref<3xf32>) outs(%sum : memref<3xf32>) {
  ^bb0(%a: f32, %m: f32, %acc: f32):
    %d = arith.subf %a, %m : f32
    %e = math.exp %d : f32
    %s = arith.addf %e, %acc : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>, affine_map<(i, j) -> (i)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%x, %max, %sum : memref<3x1000xf32>, memref<3xf32>, memref<3xf32>) outs(%y : memref<3x1000xf32>) {
  ^bb0(%a: f32, %m: f32, %s: f32, %o: f32):
    %d = arith.subf %a, %m : f32
    %e = math.exp %d : f32
    %r = arith.divf %e, %s : f32
    linalg.yield %r : f32
  }
  return
}

// Dynamic row length: the partial chunk is a masked load and a masked
// reduction into the row's result.
// CHECK-LABEL: func.func @dynamic_sum(
//       CHECK:   scf.parallel
//       CHECK:     scf.for {{.*}} -> (vector<64xf32>)
//       CHECK:     vector.reduction <add>
//       CHECK:     scf.for
//       CHECK:       %[[MASK:.*]] = vector.create_mask %{{.*}} : vector<64xi1>
//       CHECK:       %[[V:.*]] = vector.maskedload %{{.*}}, %[[MASK]], %{{.*}} : memref<?x?xf32>, vector<64xi1>, vector<64xf32> into vector<64xf32>
//       CHECK:       vector.mask %[[MASK]] { vector.reduction <add>, %[[V]], %{{.*}} fastmath<reassoc> : vector<64xf32> into f32 } : vector<64xi1> -> f32
func.func @dynamic_sum(%x: memref<?x?xf32>, %sum: memref<?xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<?x?xf32>) outs(%sum : memref<?xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %a, %acc : f32
    linalg.yield %s : f32
  }
  return
}

// A reduction over a middle dimension (mean pooling over tokens): the
// innermost dimension is parallel, so the output chunk is the vector
// carried through the reduction loop (one load and one store per chunk).
// CHECK-LABEL: func.func @columns(
//       CHECK:   scf.parallel (%[[I:.*]]) = (%{{.*}}) to (%c16) step (%c1)
//       CHECK:     scf.for %[[J:.*]] = %{{.*}} to %c384 step %c64
//       CHECK:       %[[INIT:.*]] = vector.load %{{.*}}[%[[I]], %[[J]]] : memref<16x384xf32>, vector<64xf32>
//       CHECK:       scf.for %[[T:.*]] = %{{.*}} to %c7 step %c1 iter_args
//       CHECK:         vector.load %{{.*}}[%[[I]], %[[T]], %[[J]]] : memref<16x7x384xf32>, vector<64xf32>
//       CHECK:         arith.addf
//       CHECK:       vector.store %{{.*}}, %{{.*}}[%[[I]], %[[J]]] : memref<16x384xf32>, vector<64xf32>
func.func @columns(%x: memref<16x7x384xf32>, %sum: memref<16x384xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, t, j) -> (i, t, j)>, affine_map<(i, t, j) -> (i, j)>], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%x : memref<16x7x384xf32>) outs(%sum : memref<16x384xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %a, %acc : f32
    linalg.yield %s : f32
  }
  return
}

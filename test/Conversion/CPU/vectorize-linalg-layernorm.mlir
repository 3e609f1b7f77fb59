// RUN: bitsink-opt %s --pass-pipeline='builtin.module(func.func(bitsink-vectorize-linalg{vector-bits=512}),canonicalize,cse)' | FileCheck %s
// RUN: bitsink-opt %s --pass-pipeline='builtin.module(func.func(bitsink-vectorize-linalg{vector-bits=512 reductions=false}))' | FileCheck %s --check-prefix=OFF

// LayerNorm as the torch-mlir import of MiniLM has it (sums in f64 into a
// kept unit dimension, then one element-wise op reading the row sums).
// Each reduction is one parallel loop over rows; within a row the chunks
// are added into a partial vector carried through the chunk loop (f64: 32
// lanes in 4 zmm), reduced once after it (reassociation allowed), then the
// static partial chunk (100 = 3 x 32 + 4) is reduced into the result.
// CHECK-LABEL: func.func @layernorm(
//  CHECK-SAME:     %[[X:[^:]*]]: memref<2x3x100xf32>, %{{[^:]*}}: memref<100xf32>, %{{[^:]*}}: memref<100xf32>, %[[X64:[^:]*]]: memref<2x3x100xf64>, %[[SUM64:[^:]*]]: memref<2x3x1xf64>, %[[VAR:[^:]*]]: memref<2x3x1xf64>, %[[SUM:[^:]*]]: memref<2x3x1xf32>, %[[Y:[^:]*]]: memref<2x3x100xf32>)
// The f32 -> f64 copy.
//       CHECK:   scf.parallel
//       CHECK:     arith.extf %{{.*}} : vector<32xf32> to vector<32xf64>
// sum(x):
//       CHECK:   scf.parallel (%[[A:.*]], %[[B:.*]]) = (%{{.*}}, %{{.*}}) to (%c2, %c3) step (%c1, %c1)
//       CHECK:     %[[INIT:.*]] = memref.load %[[SUM64]][%[[A]], %[[B]], %c0]
//       CHECK:     %[[PARTIAL:.*]] = scf.for %[[K:.*]] = %{{.*}} to %c96 step %c32 iter_args(%[[P:.*]] = %{{.*}}) -> (vector<32xf64>)
//       CHECK:       %[[V:.*]] = vector.load %[[X64]][%[[A]], %[[B]], %[[K]]] : memref<2x3x100xf64>, vector<32xf64>
//       CHECK:       %[[ADD:.*]] = arith.addf %[[V]], %[[P]] : vector<32xf64>
//       CHECK:       scf.yield %[[ADD]] : vector<32xf64>
//       CHECK:     %[[R:.*]] = vector.reduction <add>, %[[PARTIAL]], %[[INIT]] fastmath<reassoc> : vector<32xf64> into f64
//       CHECK:     %[[RV:.*]] = vector.broadcast %[[R]] : f64 to vector<1xf64>
//       CHECK:     vector.store %[[RV]], %[[SUM64]][%[[A]], %[[B]], %c0]
//       CHECK:     %[[TAIL:.*]] = vector.load %[[X64]][%[[A]], %[[B]], %c96] : memref<2x3x100xf64>, vector<4xf64>
//       CHECK:     vector.reduction <add>, %[[TAIL]], %{{.*}} fastmath<reassoc> : vector<4xf64> into f64
// sum((x - mean)^2), the mean computed once per row:
//       CHECK:   scf.parallel
//       CHECK:     arith.divf %{{.*}}, %{{.*}} : vector<32xf64>
//       CHECK:     scf.for {{.*}} -> (vector<32xf64>)
//       CHECK:       arith.subf
//       CHECK:       arith.mulf
//       CHECK:       arith.addf
//       CHECK:     vector.reduction <add>
// The f32 sum: 100 elements are one chunk of 64 and one of 36, no loop.
//       CHECK:   scf.parallel
//   CHECK-NOT:     scf.for
//       CHECK:     vector.reduction <add>, %{{.*}}, %{{.*}} fastmath<reassoc> : vector<64xf32> into f32
//       CHECK:     vector.reduction <add>, %{{.*}}, %{{.*}} fastmath<reassoc> : vector<36xf32> into f32
// The normalisation: rsqrt once per row, then the chunks.
//       CHECK:   scf.parallel
//       CHECK:     math.rsqrt
//       CHECK:     scf.for
//       CHECK:       arith.subf %{{.*}}, %{{.*}} : vector<32xf32>
//       CHECK:       vector.store %{{.*}}, %[[Y]]{{.*}} : memref<2x3x100xf32>, vector<32xf32>
//   CHECK-NOT:   linalg.generic
//       CHECK:   return
// OFF-LABEL: func.func @layernorm(
//       OFF:   scf.parallel
//       OFF:   linalg.generic {{.*}}"reduction"
//       OFF:   linalg.generic {{.*}}"reduction"
//       OFF:   linalg.generic {{.*}}"reduction"
//       OFF:   scf.parallel
func.func @layernorm(%x: memref<2x3x100xf32>, %g: memref<100xf32>, %b: memref<100xf32>, %x64: memref<2x3x100xf64>, %sum64: memref<2x3x1xf64>, %var: memref<2x3x1xf64>, %sum: memref<2x3x1xf32>, %y: memref<2x3x100xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x : memref<2x3x100xf32>) outs(%x64 : memref<2x3x100xf64>) {
  ^bb0(%in: f32, %out: f64):
    %0 = arith.extf %in : f32 to f64
    linalg.yield %0 : f64
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x64 : memref<2x3x100xf64>) outs(%sum64 : memref<2x3x1xf64>) {
  ^bb0(%in: f64, %out: f64):
    %0 = arith.addf %in, %out : f64
    linalg.yield %0 : f64
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x64, %sum64 : memref<2x3x100xf64>, memref<2x3x1xf64>) outs(%var : memref<2x3x1xf64>) {
  ^bb0(%in: f64, %s: f64, %out: f64):
    %n = arith.constant 100.0 : f64
    %0 = arith.divf %s, %n : f64
    %1 = arith.subf %in, %0 : f64
    %2 = arith.mulf %1, %1 : f64
    %3 = arith.addf %2, %out : f64
    linalg.yield %3 : f64
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x : memref<2x3x100xf32>) outs(%sum : memref<2x3x1xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.addf %in, %out : f32
    linalg.yield %0 : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>, affine_map<(d0, d1, d2) -> (d2)>, affine_map<(d0, d1, d2) -> (d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x, %sum, %var, %g, %b : memref<2x3x100xf32>, memref<2x3x1xf32>, memref<2x3x1xf64>, memref<100xf32>, memref<100xf32>) outs(%y : memref<2x3x100xf32>) {
  ^bb0(%in: f32, %s: f32, %v: f64, %gg: f32, %bb: f32, %out: f32):
    %n64 = arith.constant 100.0 : f64
    %n = arith.constant 100.0 : f32
    %eps = arith.constant 9.9999999999999998E-13 : f64
    %0 = arith.divf %v, %n64 : f64
    %1 = arith.truncf %0 : f64 to f32
    %2 = arith.truncf %eps : f64 to f32
    %3 = arith.addf %1, %2 : f32
    %4 = math.rsqrt %3 : f32
    %5 = arith.divf %s, %n : f32
    %6 = arith.subf %in, %5 : f32
    %7 = arith.mulf %6, %4 : f32
    %8 = arith.mulf %7, %gg : f32
    %9 = arith.addf %8, %bb : f32
    linalg.yield %9 : f32
  }
  return
}

// RMSNorm (Llama): sum of squares per row, then x * rsqrt(mean + eps) * w.
// CHECK-LABEL: func.func @rmsnorm(
//       CHECK:   scf.parallel
//       CHECK:     scf.for {{.*}} -> (vector<64xf32>)
//       CHECK:       %[[V:.*]] = vector.load {{.*}} : memref<3x1000xf32>, vector<64xf32>
//       CHECK:       %[[SQ:.*]] = arith.mulf %[[V]], %[[V]] : vector<64xf32>
//       CHECK:       arith.addf %[[SQ]], %{{.*}} : vector<64xf32>
//       CHECK:     vector.reduction <add>, {{.*}} : vector<64xf32> into f32
//       CHECK:     vector.reduction <add>, {{.*}} : vector<40xf32> into f32
//       CHECK:   scf.parallel
//       CHECK:     math.rsqrt
//       CHECK:     scf.for
//       CHECK:       arith.mulf {{.*}} : vector<64xf32>
func.func @rmsnorm(%x: memref<3x1000xf32>, %w: memref<1000xf32>, %ss: memref<3xf32>, %y: memref<3x1000xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<3x1000xf32>) outs(%ss : memref<3xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %sq = arith.mulf %a, %a : f32
    %r = arith.addf %acc, %sq : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%x, %ss, %w : memref<3x1000xf32>, memref<3xf32>, memref<1000xf32>) outs(%y : memref<3x1000xf32>) {
  ^bb0(%a: f32, %s: f32, %ww: f32, %o: f32):
    %inv = arith.constant 1.0e-3 : f32
    %eps = arith.constant 1.0e-5 : f32
    %mean = arith.mulf %s, %inv : f32
    %var = arith.addf %mean, %eps : f32
    %rs = math.rsqrt %var : f32
    %n = arith.mulf %a, %rs : f32
    %r = arith.mulf %n, %ww : f32
    linalg.yield %r : f32
  }
  return
}

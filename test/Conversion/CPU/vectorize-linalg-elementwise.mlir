// RUN: bitsink-opt %s --pass-pipeline='builtin.module(func.func(bitsink-vectorize-linalg{target-features=+avx,+avx2,+avx512f}),canonicalize,cse)' | FileCheck %s
// RUN: bitsink-opt %s --pass-pipeline='builtin.module(func.func(bitsink-vectorize-linalg{target-features=+avx,+avx2}),canonicalize,cse)' | FileCheck %s --check-prefix=AVX2
// RUN: bitsink-opt %s --pass-pipeline='builtin.module(func.func(bitsink-vectorize-linalg{target-features=+sse2}),canonicalize,cse)' | FileCheck %s --check-prefix=SSE
// RUN: bitsink-opt %s --pass-pipeline='builtin.module(func.func(bitsink-vectorize-linalg{vector-bits=512 elementwise=false}))' | FileCheck %s --check-prefix=OFF
// RUN: not bitsink-opt %s --pass-pipeline='builtin.module(func.func(bitsink-vectorize-linalg{unroll=0}))' 2>&1 | FileCheck %s --check-prefix=ERR
//
// The whole pipeline: the vector math (erf, tanh, exp) becomes polynomials,
// no libm call per lane.
// RUN: bitsink-opt %s --pass-pipeline='builtin.module(func.func(bitsink-vectorize-linalg{vector-bits=512}),bitsink-approximate-math)' | FileCheck %s --check-prefix=APPROX
// RUN: bitsink-opt %s --bitsink-cpu-pipeline | FileCheck %s --check-prefix=LLVM

// ERR: error: bitsink-vectorize-linalg: unroll must be positive, got 0

// An element-wise chain: one parallel loop over rows; each row in chunks
// of 4 vectors (64 f32 lanes with AVX-512, 32 with AVX2, 16 with SSE), the
// last partial chunk (1000 = 15 x 64 + 40) a static vector of its size.
// CHECK-LABEL: func.func @chain(
//  CHECK-SAME:     %[[A:.*]]: memref<3x1000xf32>, %[[B:.*]]: memref<3x1000xf32>, %[[C:.*]]: memref<3x1000xf32>)
//       CHECK:   scf.parallel (%[[I:.*]]) = (%{{.*}}) to (%c3) step (%c1)
//       CHECK:     scf.for %[[J:.*]] = %{{.*}} to %c960 step %c64
//       CHECK:       %[[X:.*]] = vector.load %[[A]][%[[I]], %[[J]]] : memref<3x1000xf32>, vector<64xf32>
//       CHECK:       %[[Y:.*]] = vector.load %[[B]][%[[I]], %[[J]]] : memref<3x1000xf32>, vector<64xf32>
//       CHECK:       %[[S:.*]] = arith.addf %[[X]], %[[Y]] : vector<64xf32>
//       CHECK:       %[[E:.*]] = math.erf %[[S]] : vector<64xf32>
//       CHECK:       %[[T:.*]] = math.tanh %[[E]] : vector<64xf32>
//       CHECK:       %[[X2:.*]] = math.exp %[[T]] : vector<64xf32>
//       CHECK:       vector.store %[[X2]], %[[C]][%[[I]], %[[J]]] : memref<3x1000xf32>, vector<64xf32>
//       CHECK:     math.exp %{{.*}} : vector<40xf32>
//       CHECK:     vector.store %{{.*}}, %[[C]][%[[I]], %c960] : memref<3x1000xf32>, vector<40xf32>
//   CHECK-NOT:   linalg.generic
// AVX2-LABEL: func.func @chain(
//       AVX2:     scf.for %{{.*}} = %{{.*}} to %c992 step %c32
//       AVX2:       math.erf %{{.*}} : vector<32xf32>
//       AVX2:     math.erf %{{.*}} : vector<8xf32>
// SSE-LABEL: func.func @chain(
//       SSE:     scf.for %{{.*}} = %{{.*}} to %c992 step %c16
//       SSE:       math.erf %{{.*}} : vector<16xf32>
//       SSE:     math.erf %{{.*}} : vector<8xf32>
// OFF-LABEL: func.func @chain(
//       OFF:   linalg.generic
// APPROX-LABEL: func.func @chain(
//   APPROX-NOT:   math.erf
//   APPROX-NOT:   math.tanh
//   APPROX-NOT:   math.exp
//   APPROX-NOT:   call
//       APPROX:   return
// LLVM-LABEL: llvm.func @chain(
//       LLVM:   omp.wsloop
//   LLVM-NOT:   llvm.call
//       LLVM:   llvm.intr.fma
//   LLVM-NOT:   llvm.call
//       LLVM:   llvm.return
func.func @chain(%a: memref<3x1000xf32>, %b: memref<3x1000xf32>, %c: memref<3x1000xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%a, %b : memref<3x1000xf32>, memref<3x1000xf32>) outs(%c : memref<3x1000xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    %e = math.erf %s : f32
    %t = math.tanh %e : f32
    %x2 = math.exp %t : f32
    linalg.yield %x2 : f32
  }
  return
}

// Dynamic sizes: the full chunks unmasked, the partial one (peeled) masked
// loads and stores of a whole chunk. A long row is also split into parallel
// tasks of 4096 elements.
// CHECK-LABEL: func.func @dynamic(
//       CHECK:   scf.parallel (%{{.*}}, %{{.*}}) = (%{{.*}}, %{{.*}}) to (%{{.*}}, %{{.*}}) step (%c1, %c4096)
//       CHECK:     scf.for
//       CHECK:       vector.load {{.*}} : memref<?x?xf32>, vector<64xf32>
//       CHECK:       math.exp %{{.*}} : vector<64xf32>
//       CHECK:       vector.store {{.*}} : memref<?x?xf32>, vector<64xf32>
//       CHECK:     scf.for
//       CHECK:       %[[M:.*]] = vector.create_mask %{{.*}} : vector<64xi1>
//       CHECK:       vector.maskedload {{.*}}, %[[M]], {{.*}} : memref<?x?xf32>, vector<64xi1>, vector<64xf32> into vector<64xf32>
//       CHECK:       math.exp %{{.*}} : vector<64xf32>
//       CHECK:       vector.maskedstore {{.*}}, %[[M]], {{.*}} : memref<?x?xf32>, vector<64xi1>, vector<64xf32>
func.func @dynamic(%a: memref<?x?xf32>, %c: memref<?x?xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%a : memref<?x?xf32>) outs(%c : memref<?x?xf32>) {
  ^bb0(%x: f32, %o: f32):
    %e = math.exp %x : f32
    linalg.yield %e : f32
  }
  return
}

// Named ops (fill, add) on 577 elements: 9 chunks and one element; a
// single row has no parallel loop.
// CHECK-LABEL: func.func @named(
//       CHECK:   scf.for %{{.*}} = %{{.*}} to %c576 step %c64
//       CHECK:     vector.store %{{.*}} : memref<577xf32>, vector<64xf32>
//       CHECK:   vector.store %{{.*}}, %{{.*}}[%c576] : memref<577xf32>, vector<1xf32>
//       CHECK:   scf.for %{{.*}} = %{{.*}} to %c576 step %c64
//       CHECK:     arith.addf %{{.*}}, %{{.*}} : vector<64xf32>
//   CHECK-NOT:   linalg.
//       CHECK:   return
func.func @named(%a: memref<577xf32>, %b: memref<577xf32>, %c: memref<577xf32>) {
  %z = arith.constant 0.0 : f32
  linalg.fill ins(%z : f32) outs(%c : memref<577xf32>)
  linalg.add ins(%a, %b : memref<577xf32>, memref<577xf32>) outs(%c : memref<577xf32>)
  return
}

// Mixed widths: chunks of 4 vectors of the widest type (f64: 32 lanes).
// CHECK-LABEL: func.func @widen(
//       CHECK:   scf.for %{{.*}} = %{{.*}} to %c96 step %c32
//       CHECK:     arith.extf %{{.*}} : vector<32xf32> to vector<32xf64>
//       CHECK:   arith.extf %{{.*}} : vector<4xf32> to vector<4xf64>
func.func @widen(%a: memref<16x100xf32>, %c: memref<16x100xf64>) {
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%a : memref<16x100xf32>) outs(%c : memref<16x100xf64>) {
  ^bb0(%x: f32, %o: f64):
    %e = arith.extf %x : f32 to f64
    linalg.yield %e : f64
  }
  return
}

// Left alone: a gather through memref.load whose rows are not contiguous
// along the vectorised dimension (the table is read down a column; a
// gather of rows is vectorised, vectorize-linalg-gather.mlir) and i1
// results (vectors of i1 are bit-packed in memory, buffers of i1 are not).
// CHECK-LABEL: func.func @gather(
//       CHECK:   linalg.generic
// CHECK-LABEL: func.func @mask(
//       CHECK:   linalg.generic
func.func @gather(%ids: memref<4xi64>, %table: memref<64x100xf32>, %c: memref<4x64xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%ids : memref<4xi64>) outs(%c : memref<4x64xf32>) {
  ^bb0(%id: i64, %o: f32):
    %r = arith.index_cast %id : i64 to index
    %j = linalg.index 1 : index
    %v = memref.load %table[%j, %r] : memref<64x100xf32>
    linalg.yield %v : f32
  }
  return
}
func.func @mask(%a: memref<16x16xf32>, %c: memref<16x16xi1>) {
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%a : memref<16x16xf32>) outs(%c : memref<16x16xi1>) {
  ^bb0(%x: f32, %o: i1):
    %z = arith.constant 0.0 : f32
    %m = arith.cmpf oeq, %x, %z : f32
    linalg.yield %m : i1
  }
  return
}

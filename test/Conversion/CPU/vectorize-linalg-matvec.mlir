// RUN: bitsink-opt %s --pass-pipeline='builtin.module(func.func(bitsink-vectorize-linalg{vector-bits=512 elementwise=false reductions=false}),canonicalize,cse)' | FileCheck %s
// RUN: bitsink-opt %s --pass-pipeline='builtin.module(func.func(bitsink-vectorize-linalg{vector-bits=512 contraction-max-rows=0}))' | FileCheck %s --check-prefix=OFF
// RUN: bitsink-opt %s --pass-pipeline='builtin.module(func.func(bitsink-vectorize-linalg{vector-bits=512 contraction-max-rows=0}),canonicalize,cse)' | FileCheck %s --check-prefix=STEP
//
// In bitsink-cpu-pipeline the contraction part runs before
// bitsink-tile-contractions (which would read the N x K weight one lane
// per column), the rest after it:
// RUN: bitsink-opt %s --bitsink-cpu-pipeline --dump-pass-pipeline -o /dev/null 2>&1 | FileCheck %s --check-prefix=PIPE
// PIPE: bitsink-vectorize-linalg{contraction-max-rows=8 elementwise=false {{.*}}reductions=false
// PIPE-SAME: }
// PIPE-NEXT: bitsink-tile-contractions
// PIPE-NEXT: bitsink-vectorize-linalg{contraction-max-rows=0 elementwise=true {{.*}}reductions=true
// PIPE-SAME: }
// PIPE-NEXT: convert-linalg-to-loops
// RUN: bitsink-opt %s --bitsink-cpu-pipeline="vectorize-linalg=false" --dump-pass-pipeline -o /dev/null 2>&1 | FileCheck %s --check-prefix=PIPEOFF
// PIPEOFF-NOT: bitsink-vectorize-linalg

// A decode matvec against an N x K weight (x W^T, the Llama linear): K is
// the innermost dimension of both inputs, so every output is a dot product
// along K: a parallel loop over the columns of C, the chunks of K
// multiplied and added into a partial vector, one reduction per column,
// then the last element of K (577 = 9 x 64 + 1).
// CHECK-LABEL: func.func @matvec_nt(
//  CHECK-SAME:     %[[A:.*]]: memref<1x577xf32>, %[[B:.*]]: memref<100x577xf32>, %[[C:.*]]: memref<1x100xf32>)
//       CHECK:   %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : vector<64xf32>
//       CHECK:   scf.parallel (%[[N:.*]]) = (%{{.*}}) to (%c100) step (%c1)
//       CHECK:     %[[P:.*]] = scf.for %[[K:.*]] = %{{.*}} to %c576 step %c64 iter_args(%[[ACC:.*]] = %[[ZERO]]) -> (vector<64xf32>)
//       CHECK:       %[[AV:.*]] = vector.load %[[A]][%c0, %[[K]]] : memref<1x577xf32>, vector<64xf32>
//       CHECK:       %[[BV:.*]] = vector.load %[[B]][%[[N]], %[[K]]] : memref<100x577xf32>, vector<64xf32>
//       CHECK:       %[[PROD:.*]] = arith.mulf %[[AV]], %[[BV]] : vector<64xf32>
//       CHECK:       %[[SUM:.*]] = arith.addf %[[PROD]], %[[ACC]] : vector<64xf32>
//       CHECK:       scf.yield %[[SUM]] : vector<64xf32>
//       CHECK:     vector.reduction <add>, %[[P]], %{{.*}} fastmath<reassoc> : vector<64xf32> into f32
//       CHECK:     vector.store %{{.*}}, %[[C]][%c0, %[[N]]] : memref<1x100xf32>, vector<1xf32>
//       CHECK:     vector.load %[[B]][%[[N]], %c576] : memref<100x577xf32>, vector<1xf32>
// OFF-LABEL: func.func @matvec_nt(
//       OFF:   linalg.matmul
func.func @matvec_nt(%a: memref<1x577xf32>, %b: memref<100x577xf32>, %c: memref<1x100xf32>) {
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%a, %b : memref<1x577xf32>, memref<100x577xf32>) outs(%c : memref<1x100xf32>)
  return
}

// Three rows: parallel over (M, N), one 64-lane dot product each.
// CHECK-LABEL: func.func @three_rows(
//       CHECK:   scf.parallel (%[[M:.*]], %[[N:.*]]) = (%{{.*}}, %{{.*}}) to (%c3, %c10) step (%c1, %c1)
//       CHECK:     %[[AV:.*]] = vector.load %{{.*}}[%[[M]], %c0] : memref<3x64xf32>, vector<64xf32>
//       CHECK:     %[[BV:.*]] = vector.load %{{.*}}[%[[N]], %c0] : memref<10x64xf32>, vector<64xf32>
//       CHECK:     %[[PROD:.*]] = arith.mulf %[[AV]], %[[BV]] : vector<64xf32>
//       CHECK:     vector.reduction <add>, %[[PROD]], %{{.*}} fastmath<reassoc> : vector<64xf32> into f32
func.func @three_rows(%a: memref<3x64xf32>, %b: memref<10x64xf32>, %c: memref<3x10xf32>) {
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%a, %b : memref<3x64xf32>, memref<10x64xf32>) outs(%c : memref<3x10xf32>)
  return
}

// Left to bitsink-tile-contractions: a full register tile of rows (M = 8)
// and B laid out K x N (its N dimension is contiguous; the register tiles
// vectorise along it).
// CHECK-LABEL: func.func @eight_rows(
//       CHECK:   linalg.matmul
// CHECK-LABEL: func.func @matvec_nn(
//       CHECK:   linalg.matmul
func.func @eight_rows(%a: memref<8x64xf32>, %b: memref<10x64xf32>, %c: memref<8x10xf32>) {
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%a, %b : memref<8x64xf32>, memref<10x64xf32>) outs(%c : memref<8x10xf32>)
  return
}
func.func @matvec_nn(%a: memref<1x64xf32>, %b: memref<64x100xf32>, %c: memref<1x100xf32>) {
  linalg.matmul ins(%a, %b : memref<1x64xf32>, memref<64x100xf32>) outs(%c : memref<1x100xf32>)
  return
}

// One K step of a partial register tile, as bitsink-tile-contractions
// leaves them for dynamic sizes (C[m, n] += A[m, 0] * B[0, n]): an
// element-wise update of C, vectorised along N with a masked partial chunk
// (the element-wise part of the pass, not the small-M one).
// STEP-LABEL: func.func @k_step(
//       STEP:   scf.parallel
//       STEP:     %[[A:.*]] = vector.broadcast %{{.*}} : f32 to vector<64xf32>
//       STEP:     scf.for
//       STEP:       %[[B:.*]] = vector.load {{.*}} : memref<1x?xf32, strided<[?, 1], offset: ?>>, vector<64xf32>
//       STEP:       %[[C:.*]] = vector.load {{.*}} : memref<?x?xf32, strided<[?, 1], offset: ?>>, vector<64xf32>
//       STEP:       %[[P:.*]] = arith.mulf %[[A]], %[[B]] : vector<64xf32>
//       STEP:       %[[S:.*]] = arith.addf %[[C]], %[[P]] : vector<64xf32>
//       STEP:       vector.store %[[S]]
//       STEP:     scf.for
//       STEP:       vector.create_mask
//       STEP:       vector.maskedstore
func.func @k_step(%a: memref<?x1xf32, strided<[?, 1], offset: ?>>, %b: memref<1x?xf32, strided<[?, 1], offset: ?>>, %c: memref<?x?xf32, strided<[?, 1], offset: ?>>) {
  linalg.matmul ins(%a, %b : memref<?x1xf32, strided<[?, 1], offset: ?>>, memref<1x?xf32, strided<[?, 1], offset: ?>>) outs(%c : memref<?x?xf32, strided<[?, 1], offset: ?>>)
  return
}

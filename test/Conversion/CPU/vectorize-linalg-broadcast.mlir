// RUN: bitsink-opt %s --pass-pipeline='builtin.module(func.func(bitsink-vectorize-linalg{vector-bits=512}),canonicalize,cse)' | FileCheck %s

// Broadcast operands: a row vector (b[j]) is loaded as a chunk like any
// input, a per-row scalar (s[i]) is loaded and broadcast once per row,
// outside the chunk loop.
// CHECK-LABEL: func.func @bias_rows_cols(
//  CHECK-SAME:     %[[X:.*]]: memref<5x577xf32>, %[[B:.*]]: memref<577xf32>, %[[S:.*]]: memref<5xf32>, %[[C:.*]]: memref<5x577xf32>)
//       CHECK:   scf.parallel (%[[I:.*]]) = (%{{.*}}) to (%c5) step (%c1)
//       CHECK:     %[[SV:.*]] = vector.load %[[S]][%[[I]]] : memref<5xf32>, vector<1xf32>
//       CHECK:     %[[SE:.*]] = vector.extract %[[SV]][0]
//       CHECK:     %[[SB:.*]] = vector.broadcast %[[SE]] : f32 to vector<64xf32>
//       CHECK:     scf.for %[[J:.*]] = %{{.*}} to %c576 step %c64
//       CHECK:       %[[XV:.*]] = vector.load %[[X]][%[[I]], %[[J]]] : memref<5x577xf32>, vector<64xf32>
//       CHECK:       %[[BV:.*]] = vector.load %[[B]][%[[J]]] : memref<577xf32>, vector<64xf32>
//       CHECK:       %[[A:.*]] = arith.addf %[[XV]], %[[BV]] : vector<64xf32>
//       CHECK:       %[[M:.*]] = arith.mulf %[[A]], %[[SB]] : vector<64xf32>
//       CHECK:       vector.store %[[M]], %[[C]][%[[I]], %[[J]]] : memref<5x577xf32>, vector<64xf32>
//       CHECK:     vector.store %{{.*}}, %[[C]][%[[I]], %c576] : memref<5x577xf32>, vector<1xf32>
func.func @bias_rows_cols(%x: memref<5x577xf32>, %b: memref<577xf32>, %s: memref<5xf32>, %c: memref<5x577xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%x, %b, %s : memref<5x577xf32>, memref<577xf32>, memref<5xf32>) outs(%c : memref<5x577xf32>) {
  ^bb0(%v: f32, %bb: f32, %ss: f32, %o: f32):
    %a = arith.addf %v, %bb : f32
    %m = arith.mulf %a, %ss : f32
    linalg.yield %m : f32
  }
  return
}

// A kept reduction dimension (x - mean[a, b, 0], as LayerNorm imports
// have it): one scalar per row, parallel over both outer dimensions.
// CHECK-LABEL: func.func @keepdim(
//       CHECK:   scf.parallel (%[[A:.*]], %[[B:.*]]) = (%{{.*}}, %{{.*}}) to (%c4, %c6) step (%c1, %c1)
//       CHECK:     %[[X:.*]] = vector.load %{{.*}}[%[[A]], %[[B]], %c0] : memref<4x6x100xf32>, vector<64xf32>
//       CHECK:     %[[MV:.*]] = vector.load %{{.*}}[%[[A]], %[[B]], %c0] : memref<4x6x1xf32>, vector<f32>
//       CHECK:     %[[ME:.*]] = vector.extract %[[MV]][]
//       CHECK:     %[[MB:.*]] = vector.broadcast %[[ME]] : f32 to vector<64xf32>
//       CHECK:     arith.subf %[[X]], %[[MB]] : vector<64xf32>
//       CHECK:     arith.subf %{{.*}}, %{{.*}} : vector<36xf32>
func.func @keepdim(%x: memref<4x6x100xf32>, %mean: memref<4x6x1xf32>, %c: memref<4x6x100xf32>) {
  linalg.generic {indexing_maps = [affine_map<(a, b, c) -> (a, b, c)>, affine_map<(a, b, c) -> (a, b, 0)>, affine_map<(a, b, c) -> (a, b, c)>], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x, %mean : memref<4x6x100xf32>, memref<4x6x1xf32>) outs(%c : memref<4x6x100xf32>) {
  ^bb0(%v: f32, %m: f32, %o: f32):
    %d = arith.subf %v, %m : f32
    linalg.yield %d : f32
  }
  return
}

// linalg.broadcast of a row to every row.
// CHECK-LABEL: func.func @broadcast(
//       CHECK:   scf.parallel (%[[I:.*]]) = (%{{.*}}) to (%c7) step (%c1)
//       CHECK:     %[[R:.*]] = vector.load %{{.*}}[%c0] : memref<48xf32>, vector<48xf32>
//       CHECK:     vector.store %[[R]], %{{.*}}[%[[I]], %c0] : memref<7x48xf32>, vector<48xf32>
func.func @broadcast(%b: memref<48xf32>, %c: memref<7x48xf32>) {
  linalg.broadcast ins(%b : memref<48xf32>) outs(%c : memref<7x48xf32>) dimensions = [0]
  return
}

// A bias per head (attention projections split into heads): the rows of
// the three outer dimensions in one parallel loop, 32 lanes each.
// CHECK-LABEL: func.func @heads(
//       CHECK:   scf.parallel (%[[A:.*]], %[[B:.*]], %[[H:.*]]) = (%{{.*}}, %{{.*}}, %{{.*}}) to (%c2, %c16, %c12) step (%c1, %c1, %c1)
//       CHECK:     %[[X:.*]] = vector.load %{{.*}}[%[[A]], %[[B]], %[[H]], %c0] : memref<2x16x12x32xf32>, vector<32xf32>
//       CHECK:     %[[BIAS:.*]] = vector.load %{{.*}}[%[[H]], %c0] : memref<12x32xf32>, vector<32xf32>
//       CHECK:     %[[S:.*]] = arith.addf %[[X]], %[[BIAS]] : vector<32xf32>
//       CHECK:     vector.store %[[S]], %{{.*}}[%[[A]], %[[B]], %[[H]], %c0] : memref<2x16x12x32xf32>, vector<32xf32>
func.func @heads(%x: memref<2x16x12x32xf32>, %b: memref<12x32xf32>, %c: memref<2x16x12x32xf32>) {
  linalg.generic {indexing_maps = [affine_map<(a, b, c, d) -> (a, b, c, d)>, affine_map<(a, b, c, d) -> (c, d)>, affine_map<(a, b, c, d) -> (a, b, c, d)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x, %b : memref<2x16x12x32xf32>, memref<12x32xf32>) outs(%c : memref<2x16x12x32xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %r = arith.addf %p, %q : f32
    linalg.yield %r : f32
  }
  return
}

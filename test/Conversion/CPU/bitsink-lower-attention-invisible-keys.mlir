// RUN: bitsink-opt %s -split-input-file \
// RUN:   --bitsink-lower-attention="query-tile=16 key-tile=4 split-size=16" \
// RUN:   --canonicalize --cse | FileCheck %s

// docs/semantics.md §2.1: invisible keys contribute nothing even when their v rows hold
// NaN or Inf. On a boundary tile (the predicate that also guards the score
// mask) the lowering first checks the tile's value rows for a non-finite
// element (exponent bits all ones, or-reduced), once for all rows; only then
// does the P·V update drop the term of a (row, key) pair whose probability
// is exactly 0 with a select. Interior tiles, and boundary tiles with finite
// values, run the plain FMA chain.
//
// Canonicalisation folds the predicate's negation by swapping the regions:
// the `then` regions below are the interior tiles (full visibility).

// CHECK-LABEL: func.func @prefill
// CHECK:         scf.for
// The score mask: boundary tiles only.
// CHECK:           %{{.*}}:4 = scf.if %[[FULL:[a-z0-9_]+]] -> (vector<16xf32>
// CHECK-NEXT:        scf.yield
// CHECK-NEXT:      } else {
// CHECK:             arith.select {{.*}} : vector<16xi1>, vector<16xf32>
// The non-finite check of the value rows, boundary tiles only.
// CHECK:           %[[GUARD:.*]] = scf.if %[[FULL]] -> (i1) {
// CHECK-NEXT:        scf.yield %false
// CHECK-NEXT:      } else {
// CHECK:             %[[EXP:.*]] = arith.andi %{{.*}}, %{{.*}} : vector<8xi32>
// CHECK-NEXT:        arith.cmpi eq, %[[EXP]]
// CHECK:             vector.reduction <or>
// CHECK:           }
// The guarded P·V (prefill: the accumulator is Dv x Tq, query rows in
// lanes): a lane whose p == 0 leaves o unchanged.
// CHECK:           scf.if %[[GUARD]] {
// CHECK:             %[[Z0:.*]] = arith.cmpf oeq, %{{.*}}, %{{.*}} : vector<16xf32>
// CHECK:             scf.for
// CHECK:               %[[T0:.*]] = vector.fma {{.*}} : vector<16xf32>
// CHECK-NEXT:          arith.select %[[Z0]], %{{.*}}, %[[T0]] : vector<16xi1>, vector<16xf32>
// The plain P·V.
// CHECK:           } else {
// CHECK:             scf.for
// CHECK-NOT:           arith.select
// CHECK-NOT:           arith.cmpf
// CHECK:               vector.fma
// CHECK-NOT:           arith.select
// CHECK:           }
func.func @prefill(%q: memref<1x1x40x8xf32>, %k: memref<1x1x40x8xf32>,
                   %v: memref<1x1x40x8xf32>, %o: memref<1x1x40x8xf32>) {
  bitsink.sink_attention ins(%q, %k, %v : memref<1x1x40x8xf32>, memref<1x1x40x8xf32>, memref<1x1x40x8xf32>)
      outs(%o : memref<1x1x40x8xf32>) {num_sinks = 4 : i64, window = 12 : i64, causal = true}
  return
}

// -----

// The decode split (Nq = 1, kv_len): the same guard inside each split.

// CHECK-LABEL: func.func @decode
// CHECK:         scf.parallel
// CHECK:           scf.if %[[FULL:[a-z0-9_]+]] -> (vector<16xf32>
// CHECK:           %[[GUARD:.*]] = scf.if %[[FULL]] -> (i1) {
// CHECK:             vector.reduction <or>
// CHECK:           scf.if %[[GUARD]] {
// CHECK:             arith.cmpf oeq
// CHECK:             vector.fma
// CHECK-NEXT:        arith.select
// CHECK:           } else {
// CHECK-NOT:         arith.select
// CHECK:           }
func.func @decode(%q: memref<2x2x1x8xf32>, %k: memref<2x2x64x8xf32>,
                  %v: memref<2x2x64x8xf32>, %len: memref<2xi64>,
                  %o: memref<2x2x1x8xf32>) {
  bitsink.sink_attention ins(%q, %k, %v : memref<2x2x1x8xf32>, memref<2x2x64x8xf32>, memref<2x2x64x8xf32>)
      kv_len(%len : memref<2xi64>)
      outs(%o : memref<2x2x1x8xf32>) {num_sinks = 4 : i64, window = 32 : i64, causal = true}
  return
}

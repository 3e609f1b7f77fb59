// RUN: bitsink-opt %s --bitsink-lower-cache-append --split-input-file | FileCheck %s

// Memref form (after bufferization): the caches are written in place.
// Token t of this append is stream token L + t with L = max(length[b], 0)
// (a negative length must not index outside the caches); its slot
// is L + t when L + t < S, else S + (L + t - S) mod (C - S). Each kv head's
// key row and value row is copied to that slot; then length[b] = L + T and
// positions[b, :] is rebuilt for the new length in one loop over the C
// slots (cache mode: sinks keep 0..S-1, the window gets S + k).

// CHECK-LABEL: func.func @append_memref
// CHECK-SAME: (%[[K:[^:]+]]: memref<2x3x5x8xf16>, %[[V:[^:]+]]: memref<2x3x5x4xf16>, %[[KC:[^:]+]]: memref<2x3x16x8xf16>, %[[VC:[^:]+]]: memref<2x3x16x4xf16>, %[[POS:[^:]+]]: memref<2x16xi64>, %[[LEN:[^:]+]]: memref<2xi64>)
// The sizes are static here, and the lowering folds its index arithmetic as
// it builds it: B = 2, H = 3, T = 5, D = 8, Dv = 4, C = 16 and the ring
// C - S = 12 are constants (not memref.dim and arith.subi), and a constant
// operand of a commutative op (maxsi, addi) comes last.
// CHECK-DAG: %[[C0:c0]] = arith.constant 0 : index
// CHECK-DAG: %[[S:c4]] = arith.constant 4 : index
// CHECK-DAG: %[[EMPTY:.*]] = arith.constant -1 : i64
// CHECK-DAG: %[[T:c5]] = arith.constant 5 : index
// CHECK-DAG: %[[RING:c12]] = arith.constant 12 : index
// CHECK: scf.for %[[BI:.*]] = %[[C0]] to %c2
// CHECK:   %[[L64:.*]] = memref.load %[[LEN]][%[[BI]]] : memref<2xi64>
// CHECK:   %[[LRAW:.*]] = arith.index_cast %[[L64]] : i64 to index
// CHECK:   %[[L:.*]] = arith.maxsi %[[LRAW]], %[[C0]] : index
// CHECK:   scf.for %[[TI:.*]] = %[[C0]] to %[[T]]
// CHECK:     %[[TOK:.*]] = arith.addi %[[L]], %[[TI]] : index
// CHECK:     %[[ISSINK:.*]] = arith.cmpi ult, %[[TOK]], %[[S]] : index
// CHECK:     %[[REL:.*]] = arith.subi %[[TOK]], %[[S]] : index
// CHECK:     %[[RELNN:.*]] = arith.select %[[ISSINK]], %[[C0]], %[[REL]] : index
// CHECK:     %[[MOD:.*]] = arith.remui %[[RELNN]], %[[RING]] : index
// CHECK:     %[[RS:.*]] = arith.addi %[[MOD]], %[[S]] : index
// CHECK:     %[[SLOT:.*]] = arith.select %[[ISSINK]], %[[TOK]], %[[RS]] : index
// CHECK:     scf.for %[[HI:.*]] = %[[C0]] to %c3
// CHECK:       scf.for %[[DI:.*]] = %[[C0]] to %c8
// CHECK:         %[[KV:.*]] = memref.load %[[K]][%[[BI]], %[[HI]], %[[TI]], %[[DI]]]
// CHECK:         memref.store %[[KV]], %[[KC]][%[[BI]], %[[HI]], %[[SLOT]], %[[DI]]]
// CHECK:       scf.for %[[DI2:.*]] = %[[C0]] to %c4
// CHECK:         %[[VV:.*]] = memref.load %[[V]][%[[BI]], %[[HI]], %[[TI]], %[[DI2]]]
// CHECK:         memref.store %[[VV]], %[[VC]][%[[BI]], %[[HI]], %[[SLOT]], %[[DI2]]]
// CHECK:   %[[NL:.*]] = arith.addi %[[L]], %[[T]] : index
// CHECK:   %[[NL64:.*]] = arith.index_cast %[[NL]] : index to i64
// CHECK:   memref.store %[[NL64]], %[[LEN]][%[[BI]]] : memref<2xi64>
// CHECK:   scf.for %[[SI:.*]] = %[[C0]] to %c16
// CHECK:     arith.cmpi ult, %[[SI]], %[[S]] : index
// CHECK:     %[[PRESENT:.*]] = arith.cmpi slt, %{{.*}}, %[[NL]] : index
// CHECK:     %[[P:.*]] = arith.index_cast %{{.*}} : index to i64
// CHECK:     %[[PV:.*]] = arith.select %[[PRESENT]], %[[P]], %[[EMPTY]] : i64
// CHECK:     memref.store %[[PV]], %[[POS]][%[[BI]], %[[SI]]] : memref<2x16xi64>
// CHECK-NOT: bitsink.cache_append
// CHECK-NOT: memref.copy
// CHECK: return
func.func @append_memref(%k: memref<2x3x5x8xf16>, %v: memref<2x3x5x4xf16>,
                         %kc: memref<2x3x16x8xf16>, %vc: memref<2x3x16x4xf16>,
                         %pos: memref<2x16xi64>, %len: memref<2xi64>) {
  bitsink.cache_append ins(%k, %v : memref<2x3x5x8xf16>, memref<2x3x5x4xf16>)
      outs(%kc, %vc, %pos, %len : memref<2x3x16x8xf16>, memref<2x3x16x4xf16>,
           memref<2x16xi64>, memref<2xi64>)
      {num_sinks = 4, position_mode = #bitsink.position_mode<cache>}
  return
}

// -----

// Original mode with dynamic sizes: C, T and the widths come from memref.dim;
// a position is the token index itself.

// CHECK-LABEL: func.func @append_dynamic_original
// CHECK-SAME: (%[[K:[^:]+]]: memref<?x?x?x?xf32>, %{{[^:]+}}: memref<?x?x?x?xf32>, %[[KC:[^:]+]]: memref<?x?x?x?xf32>
// CHECK-DAG: %[[S:.*]] = arith.constant 2 : index
// CHECK: %[[C:.*]] = memref.dim %[[KC]], %{{.*}} : memref<?x?x?x?xf32>
// CHECK: arith.subi %[[C]], %[[S]] : index
// CHECK: scf.for
// CHECK:   scf.for
// CHECK:     arith.remui
// CHECK:   scf.for %[[SI:.*]] = %{{.*}} to %[[C]]
// CHECK:     %[[TOKEN:.*]] = arith.select %{{.*}}, %[[SI]], %{{.*}} : index
// CHECK-NEXT: %[[PRESENT:.*]] = arith.cmpi slt, %[[TOKEN]], %{{.*}} : index
// CHECK-NEXT: %[[P:.*]] = arith.index_cast %[[TOKEN]] : index to i64
// CHECK:     arith.select %[[PRESENT]], %[[P]], %{{.*}} : i64
func.func @append_dynamic_original(%k: memref<?x?x?x?xf32>, %v: memref<?x?x?x?xf32>,
                                   %kc: memref<?x?x?x?xf32>, %vc: memref<?x?x?x?xf32>,
                                   %pos: memref<?x?xi64>, %len: memref<?xi64>) {
  bitsink.cache_append ins(%k, %v : memref<?x?x?x?xf32>, memref<?x?x?x?xf32>)
      outs(%kc, %vc, %pos, %len : memref<?x?x?x?xf32>, memref<?x?x?x?xf32>,
           memref<?x?xi64>, memref<?xi64>) {num_sinks = 2}
  return
}

// -----

// Tensor form (the pass used alone, before bufferization): the inits are
// copied into fresh buffers (cache_append reads them), the loops update
// those, and the results are their tensors.

// CHECK-LABEL: func.func @append_tensor
// CHECK-SAME: (%[[K:[^:]+]]: tensor<1x2x1x8xf32>, %{{[^:]+}}: tensor<1x2x1x8xf32>, %[[KC:[^:]+]]: tensor<1x2x16x8xf32>
// CHECK: %[[KB:.*]] = bufferization.to_buffer %[[K]] read_only
// CHECK: %[[KCB:.*]] = memref.alloc() : memref<1x2x16x8xf32>
// CHECK: %[[KCIN:.*]] = bufferization.to_buffer %[[KC]] read_only
// CHECK: memref.copy %[[KCIN]], %[[KCB]]
// CHECK: scf.for
// CHECK:   memref.store %{{.*}}, %[[KCB]]
// CHECK: %[[KCOUT:.*]] = bufferization.to_tensor %[[KCB]]
// CHECK-NOT: bitsink.cache_append
// CHECK: return %[[KCOUT]]
func.func @append_tensor(%k: tensor<1x2x1x8xf32>, %v: tensor<1x2x1x8xf32>,
                         %kc: tensor<1x2x16x8xf32>, %vc: tensor<1x2x16x8xf32>,
                         %pos: tensor<1x16xi64>, %len: tensor<1xi64>)
    -> (tensor<1x2x16x8xf32>, tensor<1x16xi64>) {
  %r:4 = bitsink.cache_append ins(%k, %v : tensor<1x2x1x8xf32>, tensor<1x2x1x8xf32>)
      outs(%kc, %vc, %pos, %len : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>,
           tensor<1x16xi64>, tensor<1xi64>) {num_sinks = 4}
      -> tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x16xi64>, tensor<1xi64>
  return %r#0, %r#2 : tensor<1x2x16x8xf32>, tensor<1x16xi64>
}

// REQUIRES: nvptx
// RUN: bitsink-opt %s -split-input-file --bitsink-gpu-lower-cache-append \
// RUN:   --canonicalize --cse | FileCheck %s
// RUN: bitsink-opt %s -split-input-file --bitsink-gpu-lower-cache-append \
// RUN:   --gpu-kernel-outlining \
// RUN:   --gpu-lower-to-nvvm-pipeline="cubin-chip=sm_90 cubin-features=+ptx80 cubin-format=isa" \
// RUN:   | FileCheck %s --check-prefix=PTX

// Memref form in device memory: one CTA of 256 threads per batch entry.
// Token t of this append is stream token L + t, L = max(length[b], 0); its
// slot is L + t when L + t < S = 4, else 4 + (L + t - 4) mod (C - S = 12).
// With T = 5 new tokens no two land in the same ring slot unless
// t + 12 < 5, never: the "last writer" test folds to the sink check. Key
// rows (8 x f16) move as one aligned 16-byte vector, value rows (4 x f16)
// as 8 bytes: one ld/st.global.v4.b32 per key row.
// positions[b, :] is rebuilt for L' = L + 5 (cache mode: sinks keep 0..3,
// the window gets 4 + k), and length[b] = L' is stored by thread 0 after a
// barrier that follows every thread's read of length[b].

// CHECK-LABEL: func.func @append
// CHECK-SAME:    (%[[K:[^:]+]]: memref<2x3x5x8xf16>, %[[V:[^:]+]]: memref<2x3x5x4xf16>, %[[KC:[^:]+]]: memref<2x3x16x8xf16>, %[[VC:[^:]+]]: memref<2x3x16x4xf16>, %[[POS:[^:]+]]: memref<2x16xi64>, %[[LEN:[^:]+]]: memref<2xi64>)
// CHECK:         gpu.launch blocks(%[[B:.*]], %{{.*}}, %{{.*}}) in ({{.*}} = %c2, {{.*}} = %c1, {{.*}} = %c1) threads(%[[TID:.*]], %{{.*}}, %{{.*}}) in ({{.*}} = %c256, {{.*}} = %c1, {{.*}} = %c1)
// CHECK:           %[[L64:.*]] = memref.load %[[LEN]][%[[B]]] : memref<2xi64>
// CHECK:           %[[LRAW:.*]] = arith.index_cast %[[L64]] : i64 to index
// CHECK:           %[[L:.*]] = arith.maxsi %[[LRAW]], %c0 : index
// CHECK-NEXT:      gpu.barrier
// 5 tokens x 3 heads x 1 vector of keys, strided over the threads.
// CHECK:           scf.for %[[E:.*]] = %[[TID]] to %c15 step %c256 {
// CHECK:             %[[T:.*]] = arith.divui %[[E]], %c3 : index
// CHECK:             %[[H:.*]] = arith.remui %[[E]], %c3 : index
// CHECK:             %[[TOK:.*]] = arith.addi %[[L]], %[[T]] : index
// CHECK:             %[[ISSINK:.*]] = arith.cmpi ult, %[[TOK]], %c4 : index
// CHECK:             %[[REL:.*]] = arith.subi %[[TOK]], %c4 : index
// CHECK:             %[[RELS:.*]] = arith.select %[[ISSINK]], %c0, %[[REL]] : index
// CHECK:             %[[MOD:.*]] = arith.remui %[[RELS]], %c12 : index
// CHECK:             %[[RSLOT:.*]] = arith.addi %[[MOD]], %c4 : index
// CHECK:             %[[SLOT:.*]] = arith.select %[[ISSINK]], %[[TOK]], %[[RSLOT]] : index
// CHECK:             scf.if
// CHECK:               %[[ROW:.*]] = vector.load %[[K]][%[[B]], %[[H]], %[[T]], %c0] {alignment = 16 : i64} : memref<2x3x5x8xf16>, vector<8xf16>
// CHECK:               vector.store %[[ROW]], %[[KC]][%[[B]], %[[H]], %[[SLOT]], %c0] {alignment = 16 : i64} : memref<2x3x16x8xf16>, vector<8xf16>
// CHECK:           scf.for %{{.*}} = %[[TID]] to %c15 step %c256 {
// CHECK:               vector.load %[[V]]{{.*}} {alignment = 8 : i64} : memref<2x3x5x4xf16>, vector<4xf16>
// CHECK:               vector.store %{{.*}}, %[[VC]]{{.*}} {alignment = 8 : i64} : memref<2x3x16x4xf16>, vector<4xf16>
// CHECK:           %[[NEWLEN:.*]] = arith.addi %[[L]], %c5 : index
// CHECK:           scf.for %[[SL:.*]] = %[[TID]] to %c16 step %c256 {
// CHECK:             memref.store %{{.*}}, %[[POS]][%[[B]], %[[SL]]] : memref<2x16xi64>
// CHECK:           %[[FIRST:.*]] = arith.cmpi eq, %[[TID]], %c0 : index
// CHECK:           scf.if %[[FIRST]] {
// CHECK:             %[[N64:.*]] = arith.index_cast %[[NEWLEN]] : index to i64
// CHECK:             memref.store %[[N64]], %[[LEN]][%[[B]]] : memref<2xi64>

// PTX-LABEL: gpu.binary @append_kernel
// PTX-DAG:   bar.sync
// PTX-DAG:   ld.global.v4.b32
// PTX-DAG:   st.global.v4.b32
func.func @append(%k: memref<2x3x5x8xf16>, %v: memref<2x3x5x4xf16>,
                  %kc: memref<2x3x16x8xf16>, %vc: memref<2x3x16x4xf16>,
                  %pos: memref<2x16xi64>, %len: memref<2xi64>) {
  bitsink.cache_append ins(%k, %v : memref<2x3x5x8xf16>, memref<2x3x5x4xf16>)
      outs(%kc, %vc, %pos, %len : memref<2x3x16x8xf16>, memref<2x3x16x4xf16>,
           memref<2x16xi64>, memref<2xi64>)
      {num_sinks = 4, position_mode = #bitsink.position_mode<cache>}
  return
}

// -----

// One append wraps the ring (T = 9 > C - S = 6): ring token t is written
// only when no later token of the append takes its slot, t + 6 >= 9; sink
// tokens always are. Dynamic C: the slot arithmetic uses C - S at run time.

// CHECK-LABEL: func.func @wrap
// CHECK-SAME:    (%{{.*}}: memref<1x2x9x16xf32>, %{{.*}}: memref<1x2x9x16xf32>, %[[KC:[^:]+]]: memref<1x2x?x16xf32>
// CHECK:         %[[C:.*]] = memref.dim %[[KC]], %c2
// CHECK:         %[[RING:.*]] = arith.subi %[[C]], %c2 : index
// CHECK:         gpu.launch
// 9 tokens x 2 heads x 4 vectors of 4 x f32.
// CHECK:           scf.for %[[E:.*]] = %{{.*}} to %c72 step %c256 {
// CHECK:             %[[T:.*]] = arith.divui %[[E]], %c8 : index
// CHECK:             %[[TOK:.*]] = arith.addi %{{.*}}, %[[T]] : index
// CHECK:             %[[ISRING:.*]] = arith.cmpi uge, %[[TOK]], %c2 : index
// CHECK:             %[[NEXT:.*]] = arith.addi %[[T]], %[[RING]] : index
// CHECK:             %[[LATER:.*]] = arith.cmpi ult, %[[NEXT]], %c9 : index
// CHECK:             %[[OVER:.*]] = arith.andi %[[ISRING]], %[[LATER]] : i1
// CHECK:             %[[KEEP:.*]] = arith.xori %[[OVER]], %true : i1
// CHECK:             scf.if %[[KEEP]] {
// CHECK:               vector.load {{.*}} : memref<1x2x9x16xf32>, vector<4xf32>
func.func @wrap(%k: memref<1x2x9x16xf32>, %v: memref<1x2x9x16xf32>,
                %kc: memref<1x2x?x16xf32>, %vc: memref<1x2x?x16xf32>,
                %pos: memref<1x?xi64>, %len: memref<1xi64>) {
  bitsink.cache_append ins(%k, %v : memref<1x2x9x16xf32>, memref<1x2x9x16xf32>)
      outs(%kc, %vc, %pos, %len : memref<1x2x?x16xf32>, memref<1x2x?x16xf32>,
           memref<1x?xi64>, memref<1xi64>)
      {num_sinks = 2, position_mode = #bitsink.position_mode<original>}
  return
}

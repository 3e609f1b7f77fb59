// RUN: bitsink-opt %s -split-input-file --transform-interpreter --canonicalize | FileCheck %s
// TilingInterface of the bitsink ops, driven by the transform dialect.

// sink_attention tiles over (B, Hq, Dv). With GQA ratio 4 (Hq = 8, Hkv = 2),
// a tile of 4 query heads starting at h reads kv head h floordiv 4; the
// query length Nq and key length Nk stay whole (positions are aligned to
// Nq). sink_logits follow the query heads, kv_len the batch.
// CHECK-DAG: #[[KV:.*]] = affine_map<(d0) -> (d0 floordiv 4)>
// CHECK-LABEL: func @attention_gqa
// CHECK-SAME: (%[[Q:[a-zA-Z0-9]+]]: tensor<2x8x16x32xf32>, %[[K:[a-zA-Z0-9]+]]: tensor<2x2x64x32xf32>, %[[V:[a-zA-Z0-9]+]]: tensor<2x2x64x24xf32>, %[[S:[a-zA-Z0-9]+]]: tensor<8xf32>, %[[L:[a-zA-Z0-9]+]]: tensor<2xi64>, %[[INIT:[a-zA-Z0-9]+]]: tensor<2x8x16x24xf32>)
// CHECK: scf.for %[[B:[a-zA-Z0-9_]+]] = %{{.*}} to %{{.*}} step
// CHECK: scf.for %[[H:[a-zA-Z0-9_]+]] = %{{.*}} to %{{.*}} step
// CHECK: scf.for %[[DV:[a-zA-Z0-9_]+]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC:.*]] =
// CHECK: %[[HKV:.*]] = affine.apply #[[KV]](%[[H]])
// CHECK: %[[QS:.*]] = tensor.extract_slice %[[Q]][%[[B]], %[[H]], 0, 0] [1, 4, 16, 32]
// CHECK: %[[KS:.*]] = tensor.extract_slice %[[K]][%[[B]], %[[HKV]], 0, 0] [1, 1, 64, 32]
// CHECK: %[[VS:.*]] = tensor.extract_slice %[[V]][%[[B]], %[[HKV]], 0, %[[DV]]] [1, 1, 64, 8]
// CHECK: %[[SS:.*]] = tensor.extract_slice %[[S]][%[[H]]] [4]
// CHECK: %[[LS:.*]] = tensor.extract_slice %[[L]][%[[B]]] [1]
// CHECK: %[[OS:.*]] = tensor.extract_slice %[[ACC]][%[[B]], %[[H]], 0, %[[DV]]] [1, 4, 16, 8]
// CHECK: %[[T:.*]] = bitsink.sink_attention ins(%[[QS]], %[[KS]], %[[VS]] : tensor<1x4x16x32xf32>, tensor<1x1x64x32xf32>, tensor<1x1x64x8xf32>) sink_logits(%[[SS]] : tensor<4xf32>) kv_len(%[[LS]] : tensor<1xi64>) outs(%[[OS]] : tensor<1x4x16x8xf32>) {causal = true, num_sinks = 4 : i64, window = 16 : i64}
// CHECK: tensor.insert_slice %[[T]] into %[[ACC]][%[[B]], %[[H]], 0, %[[DV]]] [1, 4, 16, 8]
func.func @attention_gqa(%q: tensor<2x8x16x32xf32>, %k: tensor<2x2x64x32xf32>,
    %v: tensor<2x2x64x24xf32>, %s: tensor<8xf32>, %len: tensor<2xi64>,
    %init: tensor<2x8x16x24xf32>) -> tensor<2x8x16x24xf32> {
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<2x8x16x32xf32>, tensor<2x2x64x32xf32>, tensor<2x2x64x24xf32>)
         sink_logits(%s : tensor<8xf32>) kv_len(%len : tensor<2xi64>)
         outs(%init : tensor<2x8x16x24xf32>) {num_sinks = 4, window = 16, causal = true} -> tensor<2x8x16x24xf32>
  return %o : tensor<2x8x16x24xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %op = transform.structured.match ops{["bitsink.sink_attention"]} in %root : (!transform.any_op) -> !transform.any_op
    %t, %l:3 = transform.structured.tile_using_for %op tile_sizes [1, 4, 8] : (!transform.any_op) -> (!transform.any_op, !transform.any_op, !transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

// Without GQA (Hq = Hkv) k/v heads follow the query heads one to one; key
// mask and positions are sliced by batch. On memrefs tiling makes subviews.
// CHECK-LABEL: func @attention_memref
// CHECK-SAME: (%[[Q:[a-zA-Z0-9]+]]: memref<2x4x8x16xf16>, %[[K:[a-zA-Z0-9]+]]: memref<2x4x32x16xf16>, %[[V:[a-zA-Z0-9]+]]: memref<2x4x32x16xf16>, %[[M:[a-zA-Z0-9]+]]: memref<2x32xi1>, %[[P:[a-zA-Z0-9]+]]: memref<2x32xi64>, %[[O:[a-zA-Z0-9]+]]: memref<2x4x8x16xf16>)
// CHECK: scf.for %[[B:[a-zA-Z0-9_]+]] =
// CHECK: scf.for %[[H:[a-zA-Z0-9_]+]] =
// CHECK: memref.subview %[[Q]][%[[B]], %[[H]], 0, 0] [1, 2, 8, 16]
// CHECK: memref.subview %[[K]][%[[B]], %[[H]], 0, 0] [1, 2, 32, 16]
// CHECK: memref.subview %[[V]][%[[B]], %[[H]], 0, 0] [1, 2, 32, 16]
// CHECK: memref.subview %[[M]][%[[B]], 0] [1, 32]
// CHECK: memref.subview %[[P]][%[[B]], 0] [1, 32]
// CHECK: memref.subview %[[O]][%[[B]], %[[H]], 0, 0] [1, 2, 8, 16]
// CHECK: bitsink.sink_attention
// CHECK-SAME: memref<1x2x8x16xf16, strided<[512, 128, 16, 1], offset: ?>>
func.func @attention_memref(%q: memref<2x4x8x16xf16>, %k: memref<2x4x32x16xf16>,
    %v: memref<2x4x32x16xf16>, %m: memref<2x32xi1>, %p: memref<2x32xi64>,
    %o: memref<2x4x8x16xf16>) {
  bitsink.sink_attention ins(%q, %k, %v : memref<2x4x8x16xf16>, memref<2x4x32x16xf16>, memref<2x4x32x16xf16>)
    key_mask(%m : memref<2x32xi1>) key_positions(%p : memref<2x32xi64>)
    outs(%o : memref<2x4x8x16xf16>) {num_sinks = 1, window = 8, causal = true}
  return
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %op = transform.structured.match ops{["bitsink.sink_attention"]} in %root : (!transform.any_op) -> !transform.any_op
    %t, %l:2 = transform.structured.tile_using_for %op tile_sizes [1, 2, 0] : (!transform.any_op) -> (!transform.any_op, !transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

// A per-head window is kept whole when the heads are not tiled.
// CHECK-LABEL: func @attention_per_head_window
// CHECK: scf.forall (%[[B:.*]]) in (2)
// CHECK: bitsink.sink_attention
// CHECK-SAME: window = array<i64: 4, -1, 0, 9>
func.func @attention_per_head_window(%q: tensor<2x4x8x16xf32>, %k: tensor<2x2x32x16xf32>,
    %v: tensor<2x2x32x16xf32>, %init: tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32> {
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<2x4x8x16xf32>, tensor<2x2x32x16xf32>, tensor<2x2x32x16xf32>)
         outs(%init : tensor<2x4x8x16xf32>) {num_sinks = 1, window = array<i64: 4, -1, 0, 9>, causal = true} -> tensor<2x4x8x16xf32>
  return %o : tensor<2x4x8x16xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %op = transform.structured.match ops{["bitsink.sink_attention"]} in %root : (!transform.any_op) -> !transform.any_op
    %t, %l = transform.structured.tile_using_forall %op tile_sizes [1, 0, 0] : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

// The rotary embedding stays on every tile: positions come from kv_len and
// key_positions (sliced by batch) and the query index, which tiling over
// (B, Hq, Dv) leaves whole, so each tile rotates exactly as the op would.
// CHECK-LABEL: func @attention_rope
// CHECK: scf.for
// CHECK: scf.for
// CHECK: scf.for
// CHECK: bitsink.sink_attention
// CHECK-SAME: tensor<1x3x4x64xf32>, tensor<1x1x48x64xf32>, tensor<1x1x48x16xf32>
// CHECK-SAME: key_positions(%{{.*}} : tensor<1x48xi64>)
// CHECK-SAME: rope = #bitsink.rope<theta = 5.000000e+05, dims = 32, style = interleaved>
func.func @attention_rope(%q: tensor<2x9x4x64xf32>, %k: tensor<2x3x48x64xf32>,
    %v: tensor<2x3x48x32xf32>, %len: tensor<2xi64>, %p: tensor<2x48xi64>,
    %init: tensor<2x9x4x32xf32>) -> tensor<2x9x4x32xf32> {
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<2x9x4x64xf32>, tensor<2x3x48x64xf32>, tensor<2x3x48x32xf32>)
         kv_len(%len : tensor<2xi64>) key_positions(%p : tensor<2x48xi64>)
         outs(%init : tensor<2x9x4x32xf32>)
         {num_sinks = 4, causal = true,
          rope = #bitsink.rope<theta = 500000.0, dims = 32, style = interleaved>} -> tensor<2x9x4x32xf32>
  return %o : tensor<2x9x4x32xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %op = transform.structured.match ops{["bitsink.sink_attention"]} in %root : (!transform.any_op) -> !transform.any_op
    %t, %l:3 = transform.structured.tile_using_for %op tile_sizes [1, 3, 16] : (!transform.any_op) -> (!transform.any_op, !transform.any_op, !transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

// bitplane_matmul tiles over (M, N): x by rows, planes and coefficients by
// output columns (all planes, all words, all groups), acc by both.
// CHECK-LABEL: func @bitplane
// CHECK-SAME: (%[[X:[a-zA-Z0-9]+]]: tensor<8x100xf16>, %[[P:[a-zA-Z0-9]+]]: tensor<3x4x64xi32>, %[[C:[a-zA-Z0-9]+]]: tensor<2x4x64xf16>, %[[ACC:[a-zA-Z0-9]+]]: tensor<8x64xf32>)
// CHECK: scf.for %[[M:[a-zA-Z0-9_]+]] =
// CHECK: scf.for %[[N:[a-zA-Z0-9_]+]] =
// CHECK-DAG: tensor.extract_slice %[[X]][%[[M]], 0] [4, 100]
// CHECK-DAG: tensor.extract_slice %[[P]][0, 0, %[[N]]] [3, 4, 16]
// CHECK-DAG: tensor.extract_slice %[[C]][0, 0, %[[N]]] [2, 4, 16]
// CHECK: bitsink.bitplane_matmul ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<4x100xf16>, tensor<3x4x16xi32>, tensor<2x4x16xf16>) outs(%{{.*}} : tensor<4x16xf32>)
func.func @bitplane(%x: tensor<8x100xf16>, %p: tensor<3x4x64xi32>, %c: tensor<2x4x64xf16>,
    %acc: tensor<8x64xf32>) -> tensor<8x64xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<8x100xf16>, tensor<3x4x64xi32>, tensor<2x4x64xf16>)
         outs(%acc : tensor<8x64xf32>) {plane_kind = #bitsink.plane_kind<signed>, group_size = 64} -> tensor<8x64xf32>
  return %y : tensor<8x64xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %op = transform.structured.match ops{["bitsink.bitplane_matmul"]} in %root : (!transform.any_op) -> !transform.any_op
    %t, %l:2 = transform.structured.tile_using_for %op tile_sizes [4, 16] : (!transform.any_op) -> (!transform.any_op, !transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

// Blocked planes (n_tile = 8) are cut at whole blocks: a tile of 16 outputs
// starting at n reads blocks [n floordiv 8, +2).
// CHECK: #[[BLK:.*]] = affine_map<(d0) -> (d0 floordiv 8)>
// CHECK-LABEL: func @bitplane_blocked
// CHECK: scf.for %[[N:[a-zA-Z0-9_]+]] =
// CHECK: %[[NB:.*]] = affine.apply #[[BLK]](%[[N]])
// CHECK: tensor.extract_slice %{{.*}}[%[[NB]], 0, 0, 0, 0] [2, 2, 2, 2, 8]
// CHECK: bitsink.bitplane_matmul
// CHECK-SAME: tensor<2x2x2x2x8xi32>
// CHECK-SAME: layout = #bitsink.layout<n_tile = 8, k_tile = 2>
func.func @bitplane_blocked(%x: tensor<1x128xf32>, %p: tensor<4x2x2x2x8xi32>, %c: tensor<1x3x32xf32>,
    %acc: tensor<1x32xf32>) -> tensor<1x32xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<1x128xf32>, tensor<4x2x2x2x8xi32>, tensor<1x3x32xf32>)
         outs(%acc : tensor<1x32xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 128, layout = #bitsink.layout<n_tile = 8, k_tile = 2>} -> tensor<1x32xf32>
  return %y : tensor<1x32xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %op = transform.structured.match ops{["bitsink.bitplane_matmul"]} in %root : (!transform.any_op) -> !transform.any_op
    %t, %l = transform.structured.tile_using_for %op tile_sizes [0, 16] : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

// cache_append tiles over the batch only: every operand is sliced by batch
// and keeps its heads, slots and tokens.
// CHECK-LABEL: func @cache_append
// CHECK: scf.forall (%[[B:.*]]) in (4)
// CHECK-DAG: tensor.extract_slice %{{.*}}[%[[B]], 0, 0, 0] [1, 2, 1, 8]
// CHECK-DAG: tensor.extract_slice %{{.*}}[%[[B]], 0, 0, 0] [1, 2, 16, 8]
// CHECK-DAG: tensor.extract_slice %{{.*}}[%[[B]], 0] [1, 16]
// CHECK-DAG: tensor.extract_slice %{{.*}}[%[[B]]] [1]
// CHECK: bitsink.cache_append {{.*}} -> tensor<1x2x16x8xf16>, tensor<1x2x16x8xf16>, tensor<1x16xi64>, tensor<1xi64>
// CHECK: scf.forall.in_parallel
// CHECK-DAG: tensor.parallel_insert_slice %{{.*}} into %{{.*}}[%[[B]], 0] [1, 16]
// CHECK-DAG: tensor.parallel_insert_slice %{{.*}} into %{{.*}}[%[[B]]] [1]
func.func @cache_append(%k: tensor<4x2x1x8xf16>, %v: tensor<4x2x1x8xf16>,
    %kc: tensor<4x2x16x8xf16>, %vc: tensor<4x2x16x8xf16>, %pos: tensor<4x16xi64>,
    %len: tensor<4xi64>) -> (tensor<4x2x16x8xf16>, tensor<4x2x16x8xf16>, tensor<4x16xi64>, tensor<4xi64>) {
  %r:4 = bitsink.cache_append ins(%k, %v : tensor<4x2x1x8xf16>, tensor<4x2x1x8xf16>)
           outs(%kc, %vc, %pos, %len : tensor<4x2x16x8xf16>, tensor<4x2x16x8xf16>, tensor<4x16xi64>, tensor<4xi64>)
           {num_sinks = 2} -> tensor<4x2x16x8xf16>, tensor<4x2x16x8xf16>, tensor<4x16xi64>, tensor<4xi64>
  return %r#0, %r#1, %r#2, %r#3 : tensor<4x2x16x8xf16>, tensor<4x2x16x8xf16>, tensor<4x16xi64>, tensor<4xi64>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %op = transform.structured.match ops{["bitsink.cache_append"]} in %root : (!transform.any_op) -> !transform.any_op
    %t, %l = transform.structured.tile_using_forall %op tile_sizes [1] : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

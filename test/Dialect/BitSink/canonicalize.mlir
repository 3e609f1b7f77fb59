// RUN: bitsink-opt %s -canonicalize -split-input-file | FileCheck %s
// Canonical forms of the bitsink ops.

// A per-head window whose entries agree is the scalar window.
// CHECK-LABEL: func @uniform_per_head_window
// CHECK: bitsink.sink_attention
// CHECK-SAME: {causal = true, num_sinks = 4 : i64, window = 64 : i64}
func.func @uniform_per_head_window(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x32x16xf32>,
    %v: tensor<1x2x32x16xf32>, %init: tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32> {
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>)
         outs(%init : tensor<1x4x8x16xf32>)
         {num_sinks = 4, window = array<i64: 64, 64, 64, 64>, causal = true} -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

// Mixed spans stay per head, also when one head is dense (-1).
// CHECK-LABEL: func @mixed_per_head_window
// CHECK: {causal = true, num_sinks = 4 : i64, window = array<i64: 64, -1, 64, 64>}
func.func @mixed_per_head_window(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x32x16xf32>,
    %v: tensor<1x2x32x16xf32>, %init: tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32> {
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>)
         outs(%init : tensor<1x4x8x16xf32>)
         {num_sinks = 4, window = array<i64: 64, -1, 64, 64>, causal = true} -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

// Every head unbounded (W < 0): each query sees every key, sinks add
// nothing, so the canonical dense form has no window and no sinks.
// CHECK-LABEL: func @unbounded_window_is_dense
// CHECK: bitsink.sink_attention
// CHECK-SAME: outs(%{{.*}} : tensor<1x4x8x16xf32>) {causal = true} -> tensor<1x4x8x16xf32>
func.func @unbounded_window_is_dense(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x32x16xf32>,
    %v: tensor<1x2x32x16xf32>, %init: tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32> {
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>)
         outs(%init : tensor<1x4x8x16xf32>)
         {num_sinks = 4, window = array<i64: -1, -1, -1, -1>, causal = true} -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

// W = 0 means "sinks only": it is not dense and keeps its sinks.
// CHECK-LABEL: func @sinks_only_kept
// CHECK: {causal = true, num_sinks = 4 : i64, window = 0 : i64}
func.func @sinks_only_kept(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x32x16xf32>,
    %v: tensor<1x2x32x16xf32>, %init: tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32> {
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>)
         outs(%init : tensor<1x4x8x16xf32>)
         {num_sinks = 4, window = 0, causal = true} -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

// Optional operands equal to their defaults are dropped: kv_len = Nk (32)
// for every batch, an all-true key mask, and sink logits of -inf
// (e^{-inf - m} = 0 adds nothing to the softmax denominator).
// CHECK-LABEL: func @drop_default_operands
// CHECK-NOT: arith.constant
// CHECK: bitsink.sink_attention ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<2x4x8x16xf32>, tensor<2x2x32x16xf32>, tensor<2x2x32x16xf32>) outs(%{{.*}} : tensor<2x4x8x16xf32>) {num_sinks = 2 : i64, window = 8 : i64} -> tensor<2x4x8x16xf32>
func.func @drop_default_operands(%q: tensor<2x4x8x16xf32>, %k: tensor<2x2x32x16xf32>,
    %v: tensor<2x2x32x16xf32>, %init: tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32> {
  %len = arith.constant dense<32> : tensor<2xi64>
  %mask = arith.constant dense<true> : tensor<2x32xi1>
  %sinks = arith.constant dense<0xFF800000> : tensor<4xf32>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<2x4x8x16xf32>, tensor<2x2x32x16xf32>, tensor<2x2x32x16xf32>)
         sink_logits(%sinks : tensor<4xf32>) kv_len(%len : tensor<2xi64>) key_mask(%mask : tensor<2x32xi1>)
         outs(%init : tensor<2x4x8x16xf32>) {num_sinks = 2, window = 8} -> tensor<2x4x8x16xf32>
  return %o : tensor<2x4x8x16xf32>
}

// -----

// Operands that change the result are kept: a shorter kv_len in one batch,
// a mask with a false entry, and a finite sink logit.
// CHECK-LABEL: func @keep_meaningful_operands
// CHECK: bitsink.sink_attention
// CHECK-SAME: sink_logits(%{{.*}} : tensor<4xf32>) kv_len(%{{.*}} : tensor<2xi64>) key_mask(%{{.*}} : tensor<2x32xi1>)
func.func @keep_meaningful_operands(%q: tensor<2x4x8x16xf32>, %k: tensor<2x2x32x16xf32>,
    %v: tensor<2x2x32x16xf32>, %init: tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32> {
  %len = arith.constant dense<[32, 31]> : tensor<2xi64>
  %mask = arith.constant dense<[[true, false, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true], [true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true]]> : tensor<2x32xi1>
  %sinks = arith.constant dense<[0xFF800000, 0xFF800000, 0.5, 0xFF800000]> : tensor<4xf32>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<2x4x8x16xf32>, tensor<2x2x32x16xf32>, tensor<2x2x32x16xf32>)
         sink_logits(%sinks : tensor<4xf32>) kv_len(%len : tensor<2xi64>) key_mask(%mask : tensor<2x32xi1>)
         outs(%init : tensor<2x4x8x16xf32>) {num_sinks = 2, window = 8} -> tensor<2x4x8x16xf32>
  return %o : tensor<2x4x8x16xf32>
}

// -----

// No queries (Nq = 0): the empty result is the init.
// CHECK-LABEL: func @empty_attention
// CHECK-SAME: %[[INIT:[a-zA-Z0-9]+]]: tensor<1x4x0x16xf32>) ->
// CHECK-NOT: bitsink.sink_attention
// CHECK: return %[[INIT]]
func.func @empty_attention(%q: tensor<1x4x0x16xf32>, %k: tensor<1x2x32x16xf32>,
    %v: tensor<1x2x32x16xf32>, %init: tensor<1x4x0x16xf32>) -> tensor<1x4x0x16xf32> {
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x0x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>)
         outs(%init : tensor<1x4x0x16xf32>) {causal = true} -> tensor<1x4x0x16xf32>
  return %o : tensor<1x4x0x16xf32>
}

// -----

// y = acc + x·Ŵ with K = 0: nothing to add, y = acc.
// CHECK-LABEL: func @bitplane_empty_reduction
// CHECK-SAME: %[[ACC:[a-zA-Z0-9]+]]: tensor<4x10xf32>
// CHECK-NOT: bitsink.bitplane_matmul
// CHECK: return %[[ACC]]
func.func @bitplane_empty_reduction(%x: tensor<4x0xf16>, %p: tensor<2x0x10xi32>,
    %c: tensor<0x3x10xf16>, %acc: tensor<4x10xf32>) -> tensor<4x10xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<4x0xf16>, tensor<2x0x10xi32>, tensor<0x3x10xf16>)
         outs(%acc : tensor<4x10xf32>) {plane_kind = #bitsink.plane_kind<binary>, group_size = 32} -> tensor<4x10xf32>
  return %y : tensor<4x10xf32>
}

// -----

// M = 0: the empty result is the init.
// CHECK-LABEL: func @bitplane_empty_output
// CHECK-SAME: %[[ACC:[a-zA-Z0-9]+]]: tensor<0x10xf32>
// CHECK-NOT: bitsink.bitplane_matmul
// CHECK: return %[[ACC]]
func.func @bitplane_empty_output(%x: tensor<0x64xf16>, %p: tensor<2x2x10xi32>,
    %c: tensor<1x3x10xf16>, %acc: tensor<0x10xf32>) -> tensor<0x10xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<0x64xf16>, tensor<2x2x10xi32>, tensor<1x3x10xf16>)
         outs(%acc : tensor<0x10xf32>) {plane_kind = #bitsink.plane_kind<binary>, group_size = 64} -> tensor<0x10xf32>
  return %y : tensor<0x10xf32>
}

// -----

// A real matmul is kept.
// CHECK-LABEL: func @bitplane_kept
// CHECK: bitsink.bitplane_matmul
func.func @bitplane_kept(%x: tensor<4x64xf16>, %p: tensor<2x2x10xi32>,
    %c: tensor<1x3x10xf16>, %acc: tensor<4x10xf32>) -> tensor<4x10xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<4x64xf16>, tensor<2x2x10xi32>, tensor<1x3x10xf16>)
         outs(%acc : tensor<4x10xf32>) {plane_kind = #bitsink.plane_kind<binary>, group_size = 64} -> tensor<4x10xf32>
  return %y : tensor<4x10xf32>
}

// -----

// cache_append has no canonicalization: even with no new tokens (T = 0) it
// rewrites the positions (derived from length), so it is not a no-op.
// CHECK-LABEL: func @cache_append_kept
// CHECK: bitsink.cache_append
func.func @cache_append_kept(%k: tensor<1x2x0x8xf16>, %v: tensor<1x2x0x8xf16>,
    %kc: tensor<1x2x16x8xf16>, %vc: tensor<1x2x16x8xf16>, %pos: tensor<1x16xi64>,
    %len: tensor<1xi64>) -> tensor<1x16xi64> {
  %r:4 = bitsink.cache_append ins(%k, %v : tensor<1x2x0x8xf16>, tensor<1x2x0x8xf16>)
           outs(%kc, %vc, %pos, %len : tensor<1x2x16x8xf16>, tensor<1x2x16x8xf16>, tensor<1x16xi64>, tensor<1xi64>)
           {num_sinks = 2} -> tensor<1x2x16x8xf16>, tensor<1x2x16x8xf16>, tensor<1x16xi64>, tensor<1xi64>
  return %r#2 : tensor<1x16xi64>
}

// -----

// A rotary embedding over no dimensions rotates nothing: it is dropped. One
// over some dimensions stays as written.
// CHECK-LABEL: func @empty_rope
// CHECK: bitsink.sink_attention
// CHECK-SAME: {causal = true}
// CHECK: bitsink.sink_attention
// CHECK-SAME: rope = #bitsink.rope<theta = 5.000000e+05, dims = 8, style = interleaved>
func.func @empty_rope(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x32x16xf32>,
    %v: tensor<1x2x32x16xf32>, %init: tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32> {
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>)
         outs(%init : tensor<1x4x8x16xf32>)
         {causal = true, rope = #bitsink.rope<theta = 10000.0, dims = 0, style = half>} -> tensor<1x4x8x16xf32>
  %p = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>)
         outs(%o : tensor<1x4x8x16xf32>)
         {causal = true, rope = #bitsink.rope<theta = 500000.0, dims = 8, style = interleaved>} -> tensor<1x4x8x16xf32>
  return %p : tensor<1x4x8x16xf32>
}

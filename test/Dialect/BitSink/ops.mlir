// RUN: bitsink-opt %s | bitsink-opt | FileCheck %s
// RUN: bitsink-opt %s --mlir-print-op-generic | bitsink-opt | FileCheck %s
// Round trip of every bitsink op, attribute and optional operand, on tensors
// and on memrefs (the bufferized form).

// Dense GQA attention (Hq = 4 reads Hkv = 2): the form raise-attention makes.
// CHECK-LABEL: func @attention_dense
// CHECK-SAME: (%[[Q:.*]]: tensor<2x4x8x16xf32>, %[[K:.*]]: tensor<2x2x32x16xf32>, %[[V:.*]]: tensor<2x2x32x16xf32>, %[[INIT:.*]]: tensor<2x4x8x16xf32>)
// CHECK: %[[O:.*]] = bitsink.sink_attention ins(%[[Q]], %[[K]], %[[V]] : tensor<2x4x8x16xf32>, tensor<2x2x32x16xf32>, tensor<2x2x32x16xf32>) outs(%[[INIT]] : tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32>
// CHECK: return %[[O]]
func.func @attention_dense(%q: tensor<2x4x8x16xf32>, %k: tensor<2x2x32x16xf32>,
                           %v: tensor<2x2x32x16xf32>, %init: tensor<2x4x8x16xf32>)
    -> tensor<2x4x8x16xf32> {
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<2x4x8x16xf32>, tensor<2x2x32x16xf32>, tensor<2x2x32x16xf32>)
         outs(%init : tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32>
  return %o : tensor<2x4x8x16xf32>
}

// Sink + window with learned sinks (gpt-oss) and every optional operand,
// bf16 with f32 sink logits and an explicit scale; Dv != D.
// CHECK-LABEL: func @attention_all_operands
// CHECK: bitsink.sink_attention ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<1x8x1x64xbf16>, tensor<1x8x128x64xbf16>, tensor<1x8x128x32xbf16>)
// CHECK-SAME: sink_logits(%{{.*}} : tensor<8xf32>) kv_len(%{{.*}} : tensor<1xi64>)
// CHECK-SAME: key_mask(%{{.*}} : tensor<1x128xi1>) key_positions(%{{.*}} : tensor<1x128xi64>)
// CHECK-SAME: outs(%{{.*}} : tensor<1x8x1x32xbf16>)
// CHECK-SAME: {causal = true, num_sinks = 4 : i64, scale = 1.250000e-01 : f32, window = 1024 : i64} -> tensor<1x8x1x32xbf16>
func.func @attention_all_operands(%q: tensor<1x8x1x64xbf16>, %k: tensor<1x8x128x64xbf16>,
    %v: tensor<1x8x128x32xbf16>, %s: tensor<8xf32>, %len: tensor<1xi64>,
    %mask: tensor<1x128xi1>, %pos: tensor<1x128xi64>, %init: tensor<1x8x1x32xbf16>)
    -> tensor<1x8x1x32xbf16> {
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x8x1x64xbf16>, tensor<1x8x128x64xbf16>, tensor<1x8x128x32xbf16>)
         sink_logits(%s : tensor<8xf32>) kv_len(%len : tensor<1xi64>)
         key_mask(%mask : tensor<1x128xi1>) key_positions(%pos : tensor<1x128xi64>)
         outs(%init : tensor<1x8x1x32xbf16>)
         {num_sinks = 4, window = 1024, causal = true, scale = 0.125 : f32}
         -> tensor<1x8x1x32xbf16>
  return %o : tensor<1x8x1x32xbf16>
}

// Per-head windows (MoA / DuoAttention spans: head 2 stays dense), MQA
// (Hkv = 1), f16, dynamic lengths and only some optional operands.
// CHECK-LABEL: func @attention_per_head_window
// CHECK: bitsink.sink_attention
// CHECK-SAME: kv_len(%{{.*}} : tensor<?xi64>) key_positions(%{{.*}} : tensor<?x?xi64>)
// CHECK-SAME: {causal = true, num_sinks = 2 : i64, window = array<i64: 16, 64, -1, 0>} -> tensor<?x4x?x8xf16>
func.func @attention_per_head_window(%q: tensor<?x4x?x8xf16>, %k: tensor<?x1x?x8xf16>,
    %v: tensor<?x1x?x8xf16>, %len: tensor<?xi64>, %pos: tensor<?x?xi64>,
    %init: tensor<?x4x?x8xf16>) -> tensor<?x4x?x8xf16> {
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<?x4x?x8xf16>, tensor<?x1x?x8xf16>, tensor<?x1x?x8xf16>)
         kv_len(%len : tensor<?xi64>) key_positions(%pos : tensor<?x?xi64>)
         outs(%init : tensor<?x4x?x8xf16>)
         {num_sinks = 2, window = array<i64: 16, 64, -1, 0>, causal = true}
         -> tensor<?x4x?x8xf16>
  return %o : tensor<?x4x?x8xf16>
}

// The bufferized form: memrefs, no results.
// CHECK-LABEL: func @attention_memref
// CHECK: bitsink.sink_attention ins(%{{.*}}, %{{.*}}, %{{.*}} : memref<1x2x4x8xf32>, memref<1x2x16x8xf32>, memref<1x2x16x8xf32>) sink_logits(%{{.*}} : memref<2xf16>) outs(%{{.*}} : memref<1x2x4x8xf32>) {num_sinks = 1 : i64, window = 4 : i64}
// CHECK-NOT: ->
func.func @attention_memref(%q: memref<1x2x4x8xf32>, %k: memref<1x2x16x8xf32>,
    %v: memref<1x2x16x8xf32>, %s: memref<2xf16>, %o: memref<1x2x4x8xf32>) {
  bitsink.sink_attention ins(%q, %k, %v : memref<1x2x4x8xf32>, memref<1x2x16x8xf32>, memref<1x2x16x8xf32>)
    sink_logits(%s : memref<2xf16>) outs(%o : memref<1x2x4x8xf32>) {num_sinks = 1, window = 4}
  return
}

// Streaming cache append, both position modes, one decode token.
// CHECK-LABEL: func @cache_append
// CHECK: %{{.*}}:4 = bitsink.cache_append ins(%{{.*}}, %{{.*}} : tensor<1x8x1x64xf16>, tensor<1x8x1x64xf16>) outs(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<1x8x256x64xf16>, tensor<1x8x256x64xf16>, tensor<1x256xi64>, tensor<1xi64>) {num_sinks = 4 : i64, position_mode = #bitsink.position_mode<cache>} -> tensor<1x8x256x64xf16>, tensor<1x8x256x64xf16>, tensor<1x256xi64>, tensor<1xi64>
// CHECK: bitsink.cache_append
// CHECK-SAME: {num_sinks = 4 : i64}
func.func @cache_append(%k: tensor<1x8x1x64xf16>, %v: tensor<1x8x1x64xf16>,
    %kc: tensor<1x8x256x64xf16>, %vc: tensor<1x8x256x64xf16>,
    %pos: tensor<1x256xi64>, %len: tensor<1xi64>)
    -> (tensor<1x8x256x64xf16>, tensor<1x256xi64>, tensor<1xi64>) {
  %0:4 = bitsink.cache_append ins(%k, %v : tensor<1x8x1x64xf16>, tensor<1x8x1x64xf16>)
           outs(%kc, %vc, %pos, %len : tensor<1x8x256x64xf16>, tensor<1x8x256x64xf16>, tensor<1x256xi64>, tensor<1xi64>)
           {num_sinks = 4, position_mode = #bitsink.position_mode<cache>}
           -> tensor<1x8x256x64xf16>, tensor<1x8x256x64xf16>, tensor<1x256xi64>, tensor<1xi64>
  %1:4 = bitsink.cache_append ins(%k, %v : tensor<1x8x1x64xf16>, tensor<1x8x1x64xf16>)
           outs(%0#0, %0#1, %0#2, %0#3 : tensor<1x8x256x64xf16>, tensor<1x8x256x64xf16>, tensor<1x256xi64>, tensor<1xi64>)
           {num_sinks = 4, position_mode = #bitsink.position_mode<original>}
           -> tensor<1x8x256x64xf16>, tensor<1x8x256x64xf16>, tensor<1x256xi64>, tensor<1xi64>
  return %1#0, %1#2, %1#3 : tensor<1x8x256x64xf16>, tensor<1x256xi64>, tensor<1xi64>
}

// CHECK-LABEL: func @cache_append_memref
// CHECK: bitsink.cache_append ins(%{{.*}}, %{{.*}} : memref<2x2x3x8xbf16>, memref<2x2x3x4xbf16>) outs(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : memref<2x2x16x8xbf16>, memref<2x2x16x4xbf16>, memref<2x16xi64>, memref<2xi64>) {num_sinks = 2 : i64}
func.func @cache_append_memref(%k: memref<2x2x3x8xbf16>, %v: memref<2x2x3x4xbf16>,
    %kc: memref<2x2x16x8xbf16>, %vc: memref<2x2x16x4xbf16>,
    %pos: memref<2x16xi64>, %len: memref<2xi64>) {
  bitsink.cache_append ins(%k, %v : memref<2x2x3x8xbf16>, memref<2x2x3x4xbf16>)
    outs(%kc, %vc, %pos, %len : memref<2x2x16x8xbf16>, memref<2x2x16x4xbf16>, memref<2x16xi64>, memref<2xi64>)
    {num_sinks = 2}
  return
}

// 2-bit BPDQ (binary planes), group 128: P = 2, KW = 4096/32, G = 32, C = 3.
// CHECK-LABEL: func @bitplane_binary
// CHECK: bitsink.bitplane_matmul ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<16x4096xf16>, tensor<2x128x1024xi32>, tensor<32x3x1024xf16>) outs(%{{.*}} : tensor<16x1024xf32>) {group_size = 128 : i64, plane_kind = #bitsink.plane_kind<binary>} -> tensor<16x1024xf32>
func.func @bitplane_binary(%x: tensor<16x4096xf16>, %p: tensor<2x128x1024xi32>,
    %c: tensor<32x3x1024xf16>, %acc: tensor<16x1024xf32>) -> tensor<16x1024xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<16x4096xf16>, tensor<2x128x1024xi32>, tensor<32x3x1024xf16>)
         outs(%acc : tensor<16x1024xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 128} -> tensor<16x1024xf32>
  return %y : tensor<16x1024xf32>
}

// Signed planes, K = 100 (not a multiple of 32: KW = 4), per-channel group
// (group_size >= K: G = 1), bf16 output, dynamic M.
// CHECK-LABEL: func @bitplane_signed_per_channel
// CHECK: plane_kind = #bitsink.plane_kind<signed>
func.func @bitplane_signed_per_channel(%x: tensor<?x100xbf16>, %p: tensor<3x4x10xi32>,
    %c: tensor<1x4x10xf32>, %acc: tensor<?x10xbf16>) -> tensor<?x10xbf16> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<?x100xbf16>, tensor<3x4x10xi32>, tensor<1x4x10xf32>)
         outs(%acc : tensor<?x10xbf16>)
         {plane_kind = #bitsink.plane_kind<signed>, group_size = 100} -> tensor<?x10xbf16>
  return %y : tensor<?x10xbf16>
}

// Sub-block scale codes: K = 100 per channel, S = 8 (13 sub-blocks in 2
// words of codes).
// CHECK-LABEL: func.func @bitplane_scales
// CHECK: bitsink.bitplane_matmul ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<2x100xf32>, tensor<2x4x10xi32>, tensor<1x3x10xf16>) scales(%{{.*}} : tensor<2x10xi32>) outs(%{{.*}} : tensor<2x10xf32>) {group_size = 100 : i64, plane_kind = #bitsink.plane_kind<binary>, sub_block = 8 : i64} -> tensor<2x10xf32>
func.func @bitplane_scales(%x: tensor<2x100xf32>, %p: tensor<2x4x10xi32>,
    %c: tensor<1x3x10xf16>, %s: tensor<2x10xi32>, %acc: tensor<2x10xf32>) -> tensor<2x10xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<2x100xf32>, tensor<2x4x10xi32>, tensor<1x3x10xf16>)
         scales(%s : tensor<2x10xi32>) outs(%acc : tensor<2x10xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 100, sub_block = 8} -> tensor<2x10xf32>
  return %y : tensor<2x10xf32>
}

// Two trit-planes (P = 4 stored bits, L = 2 terms, C = 3), group 64, and a
// blocked plane layout on memrefs: ceil(48/16) x ceil(ceil(200/32)/4) x P x 4 x 16.
// CHECK-LABEL: func @bitplane_ternary_blocked
// CHECK: bitsink.bitplane_matmul ins(%{{.*}}, %{{.*}}, %{{.*}} : memref<3x200xf32>, memref<3x2x4x4x16xi32>, memref<4x3x48xf16>) outs(%{{.*}} : memref<3x48xf32>) {group_size = 64 : i64, layout = #bitsink.layout<n_tile = 16, k_tile = 4>, plane_kind = #bitsink.plane_kind<ternary>}
func.func @bitplane_ternary_blocked(%x: memref<3x200xf32>, %p: memref<3x2x4x4x16xi32>,
    %c: memref<4x3x48xf16>, %acc: memref<3x48xf32>) {
  bitsink.bitplane_matmul ins(%x, %p, %c : memref<3x200xf32>, memref<3x2x4x4x16xi32>, memref<4x3x48xf16>)
    outs(%acc : memref<3x48xf32>)
    {plane_kind = #bitsink.plane_kind<ternary>, group_size = 64,
     layout = #bitsink.layout<n_tile = 16, k_tile = 4>}
  return
}

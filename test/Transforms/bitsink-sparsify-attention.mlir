// RUN: bitsink-opt %s -split-input-file -verify-diagnostics --bitsink-sparsify-attention="num-sinks=4 window=256" | FileCheck %s
// RUN: bitsink-opt %s -split-input-file --bitsink-sparsify-attention="num-sinks=2 window=64 include-non-causal=true" 2>/dev/null | FileCheck %s --check-prefix=ENC
// RUN: bitsink-opt %s -split-input-file --bitsink-sparsify-attention="num-sinks=4 head-windows=128,-1,0,512 layers=1" 2>/dev/null | FileCheck %s --check-prefix=HEADS
// Sparsification policy: dense causal attention becomes sink + window
// attention (each query sees keys at positions < S and the W most recent).

// CHECK-LABEL: func @decoder
// CHECK: bitsink.sink_attention {{.*}} {causal = true, num_sinks = 4 : i64, window = 256 : i64}
// CHECK: bitsink.sink_attention {{.*}} {causal = true, num_sinks = 4 : i64, window = 256 : i64}
// ENC-LABEL: func @decoder
// ENC: {causal = true, num_sinks = 2 : i64, window = 64 : i64}
// ENC: {causal = true, num_sinks = 2 : i64, window = 64 : i64}
// Only layer #1 gets per-head spans (head 1 stays dense: a retrieval head).
// HEADS-LABEL: func @decoder
// HEADS: bitsink.sink_attention {{.*}} {causal = true} ->
// HEADS: bitsink.sink_attention {{.*}} {causal = true, num_sinks = 4 : i64, window = array<i64: 128, -1, 0, 512>}
func.func @decoder(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x32x16xf32>,
    %v: tensor<1x2x32x16xf32>, %init: tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32> {
  %0 = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>)
         outs(%init : tensor<1x4x8x16xf32>) {causal = true} -> tensor<1x4x8x16xf32>
  %1 = bitsink.sink_attention ins(%0, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>)
         outs(%init : tensor<1x4x8x16xf32>) {causal = true} -> tensor<1x4x8x16xf32>
  return %1 : tensor<1x4x8x16xf32>
}

// -----

// Encoder (non-causal) attention is left dense unless asked for.
// CHECK-LABEL: func @encoder
// CHECK: bitsink.sink_attention
// CHECK-SAME: outs(%{{.*}} : tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
// ENC-LABEL: func @encoder
// ENC: {num_sinks = 2 : i64, window = 64 : i64}
func.func @encoder(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>,
    %v: tensor<1x2x8x16xf32>, %init: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  // expected-remark @+1 {{attention #0 left dense: it is not causal (set include-non-causal to sparsify it)}}
  %0 = bitsink.sink_attention ins(%q, %k, %v : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>)
         outs(%init : tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %0 : tensor<1x2x8x16xf32>
}

// -----

// Attention that is already sparse keeps its own spans.
// CHECK-LABEL: func @already_sparse
// CHECK: {causal = true, num_sinks = 1 : i64, window = 16 : i64}
func.func @already_sparse(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>,
    %v: tensor<1x2x8x16xf32>, %init: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  // expected-remark @+1 {{attention #0 left alone: it is already sparse}}
  %0 = bitsink.sink_attention ins(%q, %k, %v : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>)
         outs(%init : tensor<1x2x8x16xf32>) {causal = true, num_sinks = 1, window = 16} -> tensor<1x2x8x16xf32>
  return %0 : tensor<1x2x8x16xf32>
}

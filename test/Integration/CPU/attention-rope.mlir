// Rotary embeddings (the `rope` attribute, docs/semantics.md "Rotary
// embeddings") through bitsink-cpu-pipeline against the naive reference on
// random normal inputs: prefill (keys rotated once per kv head, query rows
// per tile) and decode (query rows per task, keys per visited tile, with
// split-KV), both pair styles, partial dims, kv_len, key_positions, GQA,
// f32, f16 and bf16.
// Bounds: the kernels turn f32 angles (position · f32 frequency, one
// rounding: about 2^-24 · position radians) where the reference uses
// doubles; at positions below a few hundred that is below 3e-5 in a score,
// so f32 cases use 1e-4. f16 and bf16 keep the output rounding bounds of
// attention-masks-decode.mlir (2e-3, 1e-2).
//
// RUN: bitsink-run %s -e prefill_half_gqa --seed=41 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s -e prefill_interleaved_partial --seed=42 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s -e prefill_ring_f16 --seed=43 --check-reference --atol=2e-3 --rtol=2e-3 | FileCheck %s
// RUN: bitsink-run %s -e prefill_bf16_odd_dims --seed=44 --check-reference --atol=1e-2 --rtol=1e-2 | FileCheck %s
// RUN: bitsink-run %s -e prefill_chunk_window --seed=49 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s -e prefill_per_head_windows --pipeline="bitsink-cpu-pipeline{query-tile=8}" --seed=50 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s -e decode_half_gqa3 --pipeline="bitsink-cpu-pipeline{split-size=64}" --seed=45 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s -e decode_ring_interleaved_bf16 --seed=46 --check-reference --atol=1e-2 --rtol=1e-2 | FileCheck %s
// RUN: bitsink-run %s -e decode_nq3_partial_f16 --pipeline="bitsink-cpu-pipeline{split-size=32}" --seed=47 --check-reference --atol=2e-3 --rtol=2e-3 | FileCheck %s
// RUN: bitsink-run %s -e decode_per_head_windows --seed=48 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
//
// CHECK: output 0: {{.*}} PASS

// Causal sink + window prefill, GQA 2, all 64 dims rotated (rotate-half).
func.func @prefill_half_gqa(%q: tensor<1x4x20x64xf32>, %k: tensor<1x2x40x64xf32>,
                            %v: tensor<1x2x40x64xf32>) -> tensor<1x4x20x64xf32> {
  %e = tensor.empty() : tensor<1x4x20x64xf32>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x20x64xf32>,
      tensor<1x2x40x64xf32>, tensor<1x2x40x64xf32>) outs(%e : tensor<1x4x20x64xf32>)
      {num_sinks = 2, window = 16, causal = true,
       rope = #bitsink.rope<theta = 10000.0, dims = 64, style = half>}
      -> tensor<1x4x20x64xf32>
  return %o : tensor<1x4x20x64xf32>
}

// Adjacent pairs on the first 32 of 64 dims, two batches padded to 40 and
// 9 keys, non-causal window: batch 1's queries sit at positions -3 .. 8
// (kv_len 9 < Nq 12), so some angles are negative.
func.func @prefill_interleaved_partial(%q: tensor<2x2x12x64xf32>, %k: tensor<2x1x48x64xf32>,
                                       %v: tensor<2x1x48x64xf32>) -> tensor<2x2x12x64xf32> {
  %len = arith.constant dense<[40, 9]> : tensor<2xi64>
  %e = tensor.empty() : tensor<2x2x12x64xf32>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<2x2x12x64xf32>,
      tensor<2x1x48x64xf32>, tensor<2x1x48x64xf32>) kv_len(%len : tensor<2xi64>)
      outs(%e : tensor<2x2x12x64xf32>)
      {num_sinks = 1, window = 10, causal = false,
       rope = #bitsink.rope<theta = 10000.0, dims = 32, style = interleaved>}
      -> tensor<2x2x12x64xf32>
  return %o : tensor<2x2x12x64xf32>
}

// A 24-slot ring in original position mode after 30 tokens (2 sinks): slots
// hold tokens [0 1 | 24 .. 29 | 8 .. 23]; kv_len is the stream length 30,
// so the 16 queries sit at 14 .. 29. f16, Llama-3's theta.
func.func @prefill_ring_f16(%q: tensor<1x2x16x32xf16>, %k: tensor<1x2x24x32xf16>,
                            %v: tensor<1x2x24x32xf16>) -> tensor<1x2x16x32xf16> {
  %pos = arith.constant dense<[[0, 1, 24, 25, 26, 27, 28, 29, 8, 9, 10, 11, 12,
                                13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23]]> : tensor<1x24xi64>
  %len = arith.constant dense<30> : tensor<1xi64>
  %e = tensor.empty() : tensor<1x2x16x32xf16>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x2x16x32xf16>,
      tensor<1x2x24x32xf16>, tensor<1x2x24x32xf16>) kv_len(%len : tensor<1xi64>)
      key_positions(%pos : tensor<1x24xi64>) outs(%e : tensor<1x2x16x32xf16>)
      {num_sinks = 2, causal = true,
       rope = #bitsink.rope<theta = 500000.0, dims = 32, style = half>}
      -> tensor<1x2x16x32xf16>
  return %o : tensor<1x2x16x32xf16>
}

// bf16, GQA 4, D = 48 with 16 rotated dims (adjacent pairs), Dv = 40.
func.func @prefill_bf16_odd_dims(%q: tensor<1x8x30x48xbf16>, %k: tensor<1x2x30x48xbf16>,
                                 %v: tensor<1x2x30x40xbf16>) -> tensor<1x8x30x40xbf16> {
  %e = tensor.empty() : tensor<1x8x30x40xbf16>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x8x30x48xbf16>,
      tensor<1x2x30x48xbf16>, tensor<1x2x30x40xbf16>) outs(%e : tensor<1x8x30x40xbf16>)
      {num_sinks = 2, window = 7, causal = true,
       rope = #bitsink.rope<theta = 10000.0, dims = 16, style = interleaved>}
      -> tensor<1x8x30x40xbf16>
  return %o : tensor<1x8x30x40xbf16>
}

// A chunk of 24 queries at the end of 300 keys with a window of 16 (and
// one from another batch with 100 keys): only the sink tile and the last
// tiles are rotated and read.
func.func @prefill_chunk_window(%q: tensor<2x2x24x32xf32>, %k: tensor<2x1x300x32xf32>,
                                %v: tensor<2x1x300x32xf32>) -> tensor<2x2x24x32xf32> {
  %len = arith.constant dense<[300, 100]> : tensor<2xi64>
  %e = tensor.empty() : tensor<2x2x24x32xf32>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<2x2x24x32xf32>,
      tensor<2x1x300x32xf32>, tensor<2x1x300x32xf32>) kv_len(%len : tensor<2xi64>)
      outs(%e : tensor<2x2x24x32xf32>)
      {num_sinks = 2, window = 16, causal = true,
       rope = #bitsink.rope<theta = 10000.0, dims = 32, style = half>}
      -> tensor<2x2x24x32xf32>
  return %o : tensor<2x2x24x32xf32>
}

// Per-head windows in prefill (sinks only, 5, 40 and non-causal 12),
// GQA 2: the keys are rotated for the widest window.
func.func @prefill_per_head_windows(%q: tensor<1x4x40x32xf32>, %k: tensor<1x2x120x32xf32>,
                                    %v: tensor<1x2x120x32xf32>) -> tensor<1x4x40x32xf32> {
  %e = tensor.empty() : tensor<1x4x40x32xf32>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x40x32xf32>,
      tensor<1x2x120x32xf32>, tensor<1x2x120x32xf32>) outs(%e : tensor<1x4x40x32xf32>)
      {num_sinks = 3, window = array<i64: 0, 5, 40, 12>, causal = false,
       rope = #bitsink.rope<theta = 10000.0, dims = 24, style = interleaved>}
      -> tensor<1x4x40x32xf32>
  return %o : tensor<1x4x40x32xf32>
}

// SmolLM2's head layout (Hq 9, Hkv 3, D 64) in decode: the group's three
// heads share one task; 250 of 300 keys, split into chunks of 4 tiles.
func.func @decode_half_gqa3(%q: tensor<1x9x1x64xf32>, %k: tensor<1x3x300x64xf32>,
                            %v: tensor<1x3x300x64xf32>) -> tensor<1x9x1x64xf32> {
  %len = arith.constant dense<250> : tensor<1xi64>
  %e = tensor.empty() : tensor<1x9x1x64xf32>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x9x1x64xf32>,
      tensor<1x3x300x64xf32>, tensor<1x3x300x64xf32>) kv_len(%len : tensor<1xi64>)
      outs(%e : tensor<1x9x1x64xf32>)
      {num_sinks = 4, window = 100, causal = true,
       rope = #bitsink.rope<theta = 100000.0, dims = 64, style = half>}
      -> tensor<1x9x1x64xf32>
  return %o : tensor<1x9x1x64xf32>
}

// A StreamingLLM ring of 10 slots in cache position mode after 13 tokens:
// slots hold cache positions [0 1 | 7 8 9 2 3 4 5 6] (keys rotated by
// their place in the cache, not by their stream index), plus a second
// batch whose cache is half empty (-1 slots); bf16, 32 of 64 dims in
// adjacent pairs.
func.func @decode_ring_interleaved_bf16(%q: tensor<2x2x1x64xbf16>, %k: tensor<2x1x10x64xbf16>,
                                        %v: tensor<2x1x10x64xbf16>) -> tensor<2x2x1x64xbf16> {
  %pos = arith.constant dense<[[0, 1, 7, 8, 9, 2, 3, 4, 5, 6],
                               [0, 1, 2, 3, 4, -1, -1, -1, -1, -1]]> : tensor<2x10xi64>
  %len = arith.constant dense<[10, 5]> : tensor<2xi64>
  %e = tensor.empty() : tensor<2x2x1x64xbf16>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<2x2x1x64xbf16>,
      tensor<2x1x10x64xbf16>, tensor<2x1x10x64xbf16>) kv_len(%len : tensor<2xi64>)
      key_positions(%pos : tensor<2x10xi64>) outs(%e : tensor<2x2x1x64xbf16>)
      {num_sinks = 2, causal = true,
       rope = #bitsink.rope<theta = 10000.0, dims = 32, style = interleaved>}
      -> tensor<2x2x1x64xbf16>
  return %o : tensor<2x2x1x64xbf16>
}

// Nq = 3 (speculative decode), f16, learned sinks, D = 32 with 16 rotated
// dims, GQA 2, split into chunks of 2 tiles.
func.func @decode_nq3_partial_f16(%q: tensor<1x4x3x32xf16>, %k: tensor<1x2x200x32xf16>,
                                  %v: tensor<1x2x200x32xf16>, %s: tensor<4xf16>) -> tensor<1x4x3x32xf16> {
  %e = tensor.empty() : tensor<1x4x3x32xf16>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x3x32xf16>,
      tensor<1x2x200x32xf16>, tensor<1x2x200x32xf16>) sink_logits(%s : tensor<4xf16>)
      outs(%e : tensor<1x4x3x32xf16>)
      {num_sinks = 1, window = 64, causal = true,
       rope = #bitsink.rope<theta = 10000.0, dims = 16, style = half>}
      -> tensor<1x4x3x32xf16>
  return %o : tensor<1x4x3x32xf16>
}

// Per-head windows: one decode task per query head (no grouping).
func.func @decode_per_head_windows(%q: tensor<1x4x1x32xf32>, %k: tensor<1x2x300x32xf32>,
                                   %v: tensor<1x2x300x32xf32>) -> tensor<1x4x1x32xf32> {
  %e = tensor.empty() : tensor<1x4x1x32xf32>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x1x32xf32>,
      tensor<1x2x300x32xf32>, tensor<1x2x300x32xf32>) outs(%e : tensor<1x4x1x32xf32>)
      {num_sinks = 2, window = array<i64: 16, -1, 0, 100>, causal = true,
       rope = #bitsink.rope<theta = 10000.0, dims = 32, style = interleaved>}
      -> tensor<1x4x1x32xf32>
  return %o : tensor<1x4x1x32xf32>
}

// Padding, masks, ring-cache positions, low precision and decode (split-KV),
// compiled through bitsink-cpu-pipeline and checked against the naive
// reference on random inputs.
// Bounds: f32 |err| <= 2e-5 + 1e-4|ref|; f16 output rounding (2^-11
// relative) gives 2e-3; bf16 (2^-8) gives 1e-2.
//
// RUN: bitsink-run %s -e kv_len_padding --seed=21 --check-reference --atol=2e-5 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s -e key_mask_noncausal --seed=22 --check-reference --atol=2e-5 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s -e ring_positions_decode --seed=23 --check-reference --atol=2e-5 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s -e f16_sinks --seed=24 --check-reference --atol=2e-3 --rtol=2e-3 | FileCheck %s
// RUN: bitsink-run %s -e bf16_gqa --seed=25 --check-reference --atol=1e-2 --rtol=1e-2 | FileCheck %s
// RUN: bitsink-run %s -e decode_splits --pipeline="bitsink-cpu-pipeline{split-size=64}" --seed=26 --check-reference --atol=2e-5 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s -e decode_dense_kv_len --pipeline="bitsink-cpu-pipeline{split-size=32}" --seed=27 --check-reference --atol=2e-5 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s -e decode_nq3_learned --seed=28 --check-reference --atol=2e-5 --rtol=1e-4 | FileCheck %s
// A GQA group of 32 heads in one decode task (decode-lanes 32: more rows
// than the 16 lanes the scores are summed in) and in tasks of 16:
// RUN: bitsink-run %s -e gqa32_decode --pipeline="bitsink-cpu-pipeline{query-tile=32 decode-lanes=32}" --seed=29 --check-reference --atol=2e-5 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s -e gqa32_decode --seed=29 --check-reference --atol=2e-5 --rtol=1e-4 | FileCheck %s
// D = 40 (a full 16-lane chunk plus a narrower tail, summed apart) and 9
// decode rows (a GQA group of 3 heads x 3 queries: a key's rows straddle
// two of the summed vectors), odd key count:
// RUN: bitsink-run %s -e decode_d40_rows9 --seed=30 --check-reference --atol=2e-5 --rtol=1e-4 | FileCheck %s
// RUN: %if host-avx2 %{ bitsink-run %s -e decode_d40_rows9 --cpu=x86-64-v3 --seed=30 --check-reference --atol=2e-5 --rtol=1e-4 | FileCheck %s %}
// The AVX2 kernels (prefill 16 x 6, decode lanes 8):
// RUN: %if host-avx2 %{ bitsink-run %s -e kv_len_padding --cpu=x86-64-v3 --seed=21 --check-reference --atol=2e-5 --rtol=1e-4 | FileCheck %s %}
// RUN: %if host-avx2 %{ bitsink-run %s -e f16_sinks --cpu=x86-64-v3 --seed=24 --check-reference --atol=2e-3 --rtol=2e-3 | FileCheck %s %}
// RUN: %if host-avx2 %{ bitsink-run %s -e decode_nq3_learned --cpu=x86-64-v3 --seed=28 --check-reference --atol=2e-5 --rtol=1e-4 | FileCheck %s %}
// RUN: %if host-avx2 %{ bitsink-run %s -e ring_positions_decode --cpu=x86-64-v3 --seed=23 --check-reference --atol=2e-5 --rtol=1e-4 | FileCheck %s %}
//
// CHECK: output 0: {{.*}} PASS

// kv_len < Nk (right padding): batch 0 sees 40 of 64 keys, batch 1 sees 13;
// queries are bottom-right aligned to each batch's length.
func.func @kv_len_padding(%q: tensor<2x4x20x32xf32>, %k: tensor<2x2x64x32xf32>,
                          %v: tensor<2x2x64x32xf32>) -> tensor<2x4x20x32xf32> {
  %len = arith.constant dense<[40, 13]> : tensor<2xi64>
  %e = tensor.empty() : tensor<2x4x20x32xf32>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<2x4x20x32xf32>,
      tensor<2x2x64x32xf32>, tensor<2x2x64x32xf32>) kv_len(%len : tensor<2xi64>)
      outs(%e : tensor<2x4x20x32xf32>) {num_sinks = 2, window = 8, causal = true}
      -> tensor<2x4x20x32xf32>
  return %o : tensor<2x4x20x32xf32>
}

// A key mask (every third key and the last ones hidden) with a non-causal
// window: every tile is a boundary tile.
func.func @key_mask_noncausal(%q: tensor<1x2x16x16xf32>, %k: tensor<1x2x16x16xf32>,
                              %v: tensor<1x2x16x16xf32>) -> tensor<1x2x16x16xf32> {
  %m = arith.constant dense<[[true, true, false, true, true, false, true, true,
                              false, true, true, false, true, false, false, false]]> : tensor<1x16xi1>
  %e = tensor.empty() : tensor<1x2x16x16xf32>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x2x16x16xf32>,
      tensor<1x2x16x16xf32>, tensor<1x2x16x16xf32>) key_mask(%m : tensor<1x16xi1>)
      outs(%e : tensor<1x2x16x16xf32>) {num_sinks = 1, window = 4, causal = false}
      -> tensor<1x2x16x16xf32>
  return %o : tensor<1x2x16x16xf32>
}

// A StreamingLLM ring of 10 slots (2 sinks + 8 window slots) after 13
// tokens, positions re-indexed in cache order: slots hold logical positions
// [0 1 | 7 8 9 2 3 4 5 6]; kv_len = 10 slots; one decode query at p = 9.
func.func @ring_positions_decode(%q: tensor<1x2x1x32xf32>, %k: tensor<1x1x10x32xf32>,
                                 %v: tensor<1x1x10x32xf32>) -> tensor<1x2x1x32xf32> {
  %pos = arith.constant dense<[[0, 1, 7, 8, 9, 2, 3, 4, 5, 6]]> : tensor<1x10xi64>
  %len = arith.constant dense<10> : tensor<1xi64>
  %e = tensor.empty() : tensor<1x2x1x32xf32>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x2x1x32xf32>,
      tensor<1x1x10x32xf32>, tensor<1x1x10x32xf32>) kv_len(%len : tensor<1xi64>)
      key_positions(%pos : tensor<1x10xi64>)
      outs(%e : tensor<1x2x1x32xf32>) {num_sinks = 2, window = 6, causal = true}
      -> tensor<1x2x1x32xf32>
  return %o : tensor<1x2x1x32xf32>
}

// f16 inputs and output, f32 accumulation, learned sinks, GQA 2.
func.func @f16_sinks(%q: tensor<1x4x45x64xf16>, %k: tensor<1x2x45x64xf16>,
                     %v: tensor<1x2x45x64xf16>, %s: tensor<4xf16>) -> tensor<1x4x45x64xf16> {
  %e = tensor.empty() : tensor<1x4x45x64xf16>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x45x64xf16>,
      tensor<1x2x45x64xf16>, tensor<1x2x45x64xf16>) sink_logits(%s : tensor<4xf16>)
      outs(%e : tensor<1x4x45x64xf16>) {num_sinks = 4, window = 8, causal = true}
      -> tensor<1x4x45x64xf16>
  return %o : tensor<1x4x45x64xf16>
}

// bf16, GQA 4, non-power-of-two head dims (D = 48, Dv = 40).
func.func @bf16_gqa(%q: tensor<1x8x30x48xbf16>, %k: tensor<1x2x30x48xbf16>,
                    %v: tensor<1x2x30x40xbf16>) -> tensor<1x8x30x40xbf16> {
  %e = tensor.empty() : tensor<1x8x30x40xbf16>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x8x30x48xbf16>,
      tensor<1x2x30x48xbf16>, tensor<1x2x30x40xbf16>) outs(%e : tensor<1x8x30x40xbf16>)
      {num_sinks = 2, window = 7, causal = true} -> tensor<1x8x30x40xbf16>
  return %o : tensor<1x8x30x40xbf16>
}

// Decode over 1000 keys with a 300-key window, split into chunks of 4 tiles.
func.func @decode_splits(%q: tensor<2x4x1x64xf32>, %k: tensor<2x2x1000x64xf32>,
                         %v: tensor<2x2x1000x64xf32>) -> tensor<2x4x1x64xf32> {
  %e = tensor.empty() : tensor<2x4x1x64xf32>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<2x4x1x64xf32>,
      tensor<2x2x1000x64xf32>, tensor<2x2x1000x64xf32>) outs(%e : tensor<2x4x1x64xf32>)
      {num_sinks = 4, window = 300, causal = true} -> tensor<2x4x1x64xf32>
  return %o : tensor<2x4x1x64xf32>
}

// Dense decode over a padded cache: batch lengths 300 and 1.
func.func @decode_dense_kv_len(%q: tensor<2x2x1x32xf32>, %k: tensor<2x2x333x32xf32>,
                               %v: tensor<2x2x333x32xf32>) -> tensor<2x2x1x32xf32> {
  %len = arith.constant dense<[300, 1]> : tensor<2xi64>
  %e = tensor.empty() : tensor<2x2x1x32xf32>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<2x2x1x32xf32>,
      tensor<2x2x333x32xf32>, tensor<2x2x333x32xf32>) kv_len(%len : tensor<2xi64>)
      outs(%e : tensor<2x2x1x32xf32>) {causal = true} -> tensor<2x2x1x32xf32>
  return %o : tensor<2x2x1x32xf32>
}

// Nq = 3 (speculative decode), learned sinks, no sink tokens.
func.func @decode_nq3_learned(%q: tensor<1x8x3x64xf32>, %k: tensor<1x1x600x64xf32>,
                              %v: tensor<1x1x600x64xf32>, %s: tensor<8xf32>) -> tensor<1x8x3x64xf32> {
  %e = tensor.empty() : tensor<1x8x3x64xf32>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x8x3x64xf32>,
      tensor<1x1x600x64xf32>, tensor<1x1x600x64xf32>) sink_logits(%s : tensor<8xf32>)
      outs(%e : tensor<1x8x3x64xf32>) {window = 128, causal = true} -> tensor<1x8x3x64xf32>
  return %o : tensor<1x8x3x64xf32>
}

// Empty shapes: no queries, and keys of length 0 (every row sees nothing:
// zeros, also with a learned sink).
// RUN: bitsink-run %s -e no_keys --seed=29 --check-reference --atol=0 --rtol=0 | FileCheck %s
func.func @no_keys(%q: tensor<1x2x1x8xf32>, %k: tensor<1x2x0x8xf32>,
                   %v: tensor<1x2x0x8xf32>, %s: tensor<2xf32>) -> tensor<1x2x1x8xf32> {
  %e = tensor.empty() : tensor<1x2x1x8xf32>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x2x1x8xf32>,
      tensor<1x2x0x8xf32>, tensor<1x2x0x8xf32>) sink_logits(%s : tensor<2xf32>)
      outs(%e : tensor<1x2x1x8xf32>) {num_sinks = 4, window = 3, causal = true}
      -> tensor<1x2x1x8xf32>
  return %o : tensor<1x2x1x8xf32>
}

// Decode with GQA 8 and Nq = 2: the group's 8 heads x 2 queries fill the 16
// lanes of one task; learned sinks and per-batch lengths.
// RUN: bitsink-run %s -e decode_gqa8_group --pipeline="bitsink-cpu-pipeline{split-size=64}" --seed=30 --check-reference --atol=2e-5 --rtol=1e-4 | FileCheck %s
func.func @decode_gqa8_group(%q: tensor<2x16x2x64xf32>, %k: tensor<2x2x700x64xf32>,
                             %v: tensor<2x2x700x64xf32>, %s: tensor<16xf32>) -> tensor<2x16x2x64xf32> {
  %len = arith.constant dense<[650, 90]> : tensor<2xi64>
  %e = tensor.empty() : tensor<2x16x2x64xf32>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<2x16x2x64xf32>,
      tensor<2x2x700x64xf32>, tensor<2x2x700x64xf32>) sink_logits(%s : tensor<16xf32>)
      kv_len(%len : tensor<2xi64>) outs(%e : tensor<2x16x2x64xf32>)
      {num_sinks = 4, window = 200, causal = true} -> tensor<2x16x2x64xf32>
  return %o : tensor<2x16x2x64xf32>
}

// Decode with per-head windows (one task per head: the lanes of a group
// would need different windows).
// RUN: bitsink-run %s -e decode_per_head_windows --seed=31 --check-reference --atol=2e-5 --rtol=1e-4 | FileCheck %s
func.func @decode_per_head_windows(%q: tensor<1x4x1x32xf32>, %k: tensor<1x2x300x32xf32>,
                                   %v: tensor<1x2x300x32xf32>) -> tensor<1x4x1x32xf32> {
  %e = tensor.empty() : tensor<1x4x1x32xf32>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x1x32xf32>,
      tensor<1x2x300x32xf32>, tensor<1x2x300x32xf32>) outs(%e : tensor<1x4x1x32xf32>)
      {num_sinks = 2, window = array<i64: 16, -1, 0, 100>, causal = true}
      -> tensor<1x4x1x32xf32>
  return %o : tensor<1x4x1x32xf32>
}

// 32 query heads on one kv head, one query (decode).
func.func @gqa32_decode(%q: tensor<1x32x1x64xf32>, %k: tensor<1x1x100x64xf32>,
                        %v: tensor<1x1x100x64xf32>) -> tensor<1x32x1x64xf32> {
  %e = tensor.empty() : tensor<1x32x1x64xf32>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x32x1x64xf32>,
      tensor<1x1x100x64xf32>, tensor<1x1x100x64xf32>) outs(%e : tensor<1x32x1x64xf32>)
      {num_sinks = 4, window = 50, causal = true} -> tensor<1x32x1x64xf32>
  return %o : tensor<1x32x1x64xf32>
}

// 9 query heads on 3 kv heads, 3 queries, D 40 (decode).
func.func @decode_d40_rows9(%q: tensor<1x9x3x40xf32>, %k: tensor<1x3x77x40xf32>,
                            %v: tensor<1x3x77x40xf32>) -> tensor<1x9x3x40xf32> {
  %e = tensor.empty() : tensor<1x9x3x40xf32>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x9x3x40xf32>,
      tensor<1x3x77x40xf32>, tensor<1x3x77x40xf32>) outs(%e : tensor<1x9x3x40xf32>)
      {num_sinks = 2, window = 30, causal = true} -> tensor<1x9x3x40xf32>
  return %o : tensor<1x9x3x40xf32>
}

// Sink + window attention, f32, compiled through bitsink-cpu-pipeline and
// checked against the naive double-precision reference (bitsink-run
// --check-reference) on random inputs. Bound: |got - ref| <= 2e-5 + 1e-4|ref|
// (f32 scores, sums and P·V over at most a few hundred keys).
//
// RUN: bitsink-run %s -e gqa4_odd --seed=1 --check-reference --atol=2e-5 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s -e mqa_sinks_learned --seed=2 --check-reference --atol=2e-5 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s -e noncausal_nq_lt_nk --seed=3 --check-reference --atol=2e-5 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s -e window0_sinks_only --seed=4 --check-reference --atol=2e-5 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s -e window1 --seed=5 --check-reference --atol=2e-5 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s -e window_ge_n --seed=6 --check-reference --atol=2e-5 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s -e sinks_gt_nk --seed=7 --check-reference --atol=2e-5 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s -e per_head_windows --seed=8 --check-reference --atol=2e-5 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s -e nq_gt_nk --seed=9 --check-reference --atol=2e-5 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s -e dense_causal --seed=10 --check-reference --atol=2e-5 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s -e s0_w_sum_ge_n --seed=11 --check-reference --atol=2e-5 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s -e gqa8_small_tiles --pipeline="bitsink-cpu-pipeline{query-tile=8 key-tile=4}" --seed=12 --check-reference --atol=2e-5 --rtol=1e-4 | FileCheck %s
// The AVX2 kernel (16 x 6 tiles, JIT for an AVX2 CPU model on any AVX2
// host) and the SSE one (8 x 8) on the same entries:
// RUN: %if host-avx2 %{ bitsink-run %s -e gqa4_odd --cpu=x86-64-v3 --seed=1 --check-reference --atol=2e-5 --rtol=1e-4 | FileCheck %s %}
// RUN: %if host-avx2 %{ bitsink-run %s -e per_head_windows --cpu=x86-64-v3 --seed=8 --check-reference --atol=2e-5 --rtol=1e-4 | FileCheck %s %}
// RUN: %if host-avx2 %{ bitsink-run %s -e dense_causal --cpu=x86-64-v3 --seed=10 --check-reference --atol=2e-5 --rtol=1e-4 | FileCheck %s %}
// RUN: %if host-avx2 %{ bitsink-run %s -e mqa_sinks_learned --cpu=x86-64-v3 --seed=2 --check-reference --atol=2e-5 --rtol=1e-4 | FileCheck %s %}
// RUN: %if host-avx2 %{ bitsink-run %s -e gqa4_odd --cpu=x86-64 --seed=1 --check-reference --atol=2e-5 --rtol=1e-4 | FileCheck %s %}
//
// CHECK: output 0: {{.*}} PASS

// GQA 4, odd sizes (37 queries, 53 keys: not multiples of the tiles),
// S = 3, W = 10, causal.
func.func @gqa4_odd(%q: tensor<2x8x37x32xf32>, %k: tensor<2x2x53x32xf32>,
                    %v: tensor<2x2x53x24xf32>) -> tensor<2x8x37x24xf32> {
  %e = tensor.empty() : tensor<2x8x37x24xf32>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<2x8x37x32xf32>,
      tensor<2x2x53x32xf32>, tensor<2x2x53x24xf32>) outs(%e : tensor<2x8x37x24xf32>)
      {num_sinks = 3, window = 10, causal = true} -> tensor<2x8x37x24xf32>
  return %o : tensor<2x8x37x24xf32>
}

// MQA (Hkv = 1) with learned per-head sink logits (gpt-oss).
func.func @mqa_sinks_learned(%q: tensor<1x4x40x64xf32>, %k: tensor<1x1x40x64xf32>,
                             %v: tensor<1x1x40x64xf32>, %s: tensor<4xf32>) -> tensor<1x4x40x64xf32> {
  %e = tensor.empty() : tensor<1x4x40x64xf32>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x40x64xf32>,
      tensor<1x1x40x64xf32>, tensor<1x1x40x64xf32>) sink_logits(%s : tensor<4xf32>)
      outs(%e : tensor<1x4x40x64xf32>) {num_sinks = 0, window = 16, causal = true}
      -> tensor<1x4x40x64xf32>
  return %o : tensor<1x4x40x64xf32>
}

// Non-causal (encoder) window |p - pos| < 16 with Nq < Nk (bottom-right
// aligned positions) and 4 sinks.
func.func @noncausal_nq_lt_nk(%q: tensor<1x8x21x64xf32>, %k: tensor<1x2x70x64xf32>,
                              %v: tensor<1x2x70x64xf32>) -> tensor<1x8x21x64xf32> {
  %e = tensor.empty() : tensor<1x8x21x64xf32>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x8x21x64xf32>,
      tensor<1x2x70x64xf32>, tensor<1x2x70x64xf32>) outs(%e : tensor<1x8x21x64xf32>)
      {num_sinks = 4, window = 16, causal = false} -> tensor<1x8x21x64xf32>
  return %o : tensor<1x8x21x64xf32>
}

// W = 0: only the 2 sinks are visible (and the diagonal rule still applies).
func.func @window0_sinks_only(%q: tensor<1x2x19x16xf32>, %k: tensor<1x2x19x16xf32>,
                              %v: tensor<1x2x19x16xf32>) -> tensor<1x2x19x16xf32> {
  %e = tensor.empty() : tensor<1x2x19x16xf32>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x2x19x16xf32>,
      tensor<1x2x19x16xf32>, tensor<1x2x19x16xf32>) outs(%e : tensor<1x2x19x16xf32>)
      {num_sinks = 2, window = 0, causal = true} -> tensor<1x2x19x16xf32>
  return %o : tensor<1x2x19x16xf32>
}

// W = 1: each query sees itself and the sink.
func.func @window1(%q: tensor<1x2x50x32xf32>, %k: tensor<1x1x50x32xf32>,
                   %v: tensor<1x1x50x32xf32>) -> tensor<1x2x50x32xf32> {
  %e = tensor.empty() : tensor<1x2x50x32xf32>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x2x50x32xf32>,
      tensor<1x1x50x32xf32>, tensor<1x1x50x32xf32>) outs(%e : tensor<1x2x50x32xf32>)
      {num_sinks = 1, window = 1, causal = true} -> tensor<1x2x50x32xf32>
  return %o : tensor<1x2x50x32xf32>
}

// W >= N: equal to dense causal attention.
func.func @window_ge_n(%q: tensor<1x2x33x32xf32>, %k: tensor<1x2x33x32xf32>,
                       %v: tensor<1x2x33x32xf32>) -> tensor<1x2x33x32xf32> {
  %e = tensor.empty() : tensor<1x2x33x32xf32>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x2x33x32xf32>,
      tensor<1x2x33x32xf32>, tensor<1x2x33x32xf32>) outs(%e : tensor<1x2x33x32xf32>)
      {num_sinks = 4, window = 100, causal = true} -> tensor<1x2x33x32xf32>
  return %o : tensor<1x2x33x32xf32>
}

// More sinks than keys (S is clamped to Nk).
func.func @sinks_gt_nk(%q: tensor<1x2x20x32xf32>, %k: tensor<1x2x20x32xf32>,
                       %v: tensor<1x2x20x32xf32>) -> tensor<1x2x20x32xf32> {
  %e = tensor.empty() : tensor<1x2x20x32xf32>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x2x20x32xf32>,
      tensor<1x2x20x32xf32>, tensor<1x2x20x32xf32>) outs(%e : tensor<1x2x20x32xf32>)
      {num_sinks = 30, window = 5, causal = true} -> tensor<1x2x20x32xf32>
  return %o : tensor<1x2x20x32xf32>
}

// Per-head spans (MoA / DuoAttention): window 4, dense, sinks-only, 100.
func.func @per_head_windows(%q: tensor<1x4x33x64xf32>, %k: tensor<1x2x33x64xf32>,
                            %v: tensor<1x2x33x64xf32>) -> tensor<1x4x33x64xf32> {
  %e = tensor.empty() : tensor<1x4x33x64xf32>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x33x64xf32>,
      tensor<1x2x33x64xf32>, tensor<1x2x33x64xf32>) outs(%e : tensor<1x4x33x64xf32>)
      {num_sinks = 2, window = array<i64: 4, -1, 0, 100>, causal = true}
      -> tensor<1x4x33x64xf32>
  return %o : tensor<1x4x33x64xf32>
}

// Nq > Nk: the first Nq - Nk causal rows have p_i < 0 and see nothing (zero).
func.func @nq_gt_nk(%q: tensor<1x2x12x16xf32>, %k: tensor<1x2x8x16xf32>,
                    %v: tensor<1x2x8x16xf32>) -> tensor<1x2x12x16xf32> {
  %e = tensor.empty() : tensor<1x2x12x16xf32>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x2x12x16xf32>,
      tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) outs(%e : tensor<1x2x12x16xf32>)
      {num_sinks = 2, window = 3, causal = true} -> tensor<1x2x12x16xf32>
  return %o : tensor<1x2x12x16xf32>
}

// Dense causal (no window attribute).
func.func @dense_causal(%q: tensor<1x2x70x32xf32>, %k: tensor<1x2x70x32xf32>,
                        %v: tensor<1x2x70x32xf32>) -> tensor<1x2x70x32xf32> {
  %e = tensor.empty() : tensor<1x2x70x32xf32>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x2x70x32xf32>,
      tensor<1x2x70x32xf32>, tensor<1x2x70x32xf32>) outs(%e : tensor<1x2x70x32xf32>)
      {causal = true} -> tensor<1x2x70x32xf32>
  return %o : tensor<1x2x70x32xf32>
}

// S = 0 and S + W >= N (non-causal).
func.func @s0_w_sum_ge_n(%q: tensor<1x2x24x32xf32>, %k: tensor<1x2x24x32xf32>,
                         %v: tensor<1x2x24x32xf32>) -> tensor<1x2x24x32xf32> {
  %e = tensor.empty() : tensor<1x2x24x32xf32>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x2x24x32xf32>,
      tensor<1x2x24x32xf32>, tensor<1x2x24x32xf32>) outs(%e : tensor<1x2x24x32xf32>)
      {num_sinks = 0, window = 30, causal = false} -> tensor<1x2x24x32xf32>
  return %o : tensor<1x2x24x32xf32>
}

// GQA 8 with tiles of 8 queries x 4 keys (many boundary tiles).
func.func @gqa8_small_tiles(%q: tensor<1x8x45x32xf32>, %k: tensor<1x1x45x32xf32>,
                            %v: tensor<1x1x45x32xf32>) -> tensor<1x8x45x32xf32> {
  %e = tensor.empty() : tensor<1x8x45x32xf32>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x8x45x32xf32>,
      tensor<1x1x45x32xf32>, tensor<1x1x45x32xf32>) outs(%e : tensor<1x8x45x32xf32>)
      {num_sinks = 3, window = 9, causal = true} -> tensor<1x8x45x32xf32>
  return %o : tensor<1x8x45x32xf32>
}

// Entry points shared by the harness tests: compiled by bitsink-compile for
// the CPU (test/tools/bitsink-gpu-check) and for CUDA (test/Integration/GPU,
// scripts/gpu-check.sh), then run by bitsink-gpu-check, whose flags restate
// each case (see the RUN lines of those tests).

// GQA 2, odd sizes (37 queries, 53 keys), S = 3, W = 10, causal, f32.
func.func @attn_f32_gqa2(%q: tensor<2x4x37x32xf32>, %k: tensor<2x2x53x32xf32>,
                         %v: tensor<2x2x53x24xf32>) -> tensor<2x4x37x24xf32> {
  %e = tensor.empty() : tensor<2x4x37x24xf32>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<2x4x37x32xf32>,
      tensor<2x2x53x32xf32>, tensor<2x2x53x24xf32>) outs(%e : tensor<2x4x37x24xf32>)
      {num_sinks = 3, window = 10, causal = true} -> tensor<2x4x37x24xf32>
  return %o : tensor<2x4x37x24xf32>
}

// f16 with learned sink logits, MQA, D = Dv = 64, window 16.
func.func @attn_f16_sinks(%q: tensor<1x4x40x64xf16>, %k: tensor<1x1x40x64xf16>,
                          %v: tensor<1x1x40x64xf16>, %s: tensor<4xf16>) -> tensor<1x4x40x64xf16> {
  %e = tensor.empty() : tensor<1x4x40x64xf16>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x40x64xf16>,
      tensor<1x1x40x64xf16>, tensor<1x1x40x64xf16>) sink_logits(%s : tensor<4xf16>)
      outs(%e : tensor<1x4x40x64xf16>) {num_sinks = 0, window = 16, causal = true}
      -> tensor<1x4x40x64xf16>
  return %o : tensor<1x4x40x64xf16>
}

// bf16 decode step (Nq = 1) over a padded cache: kv_len < Nk, GQA 4.
func.func @attn_bf16_decode(%q: tensor<2x8x1x64xbf16>, %k: tensor<2x2x300x64xbf16>,
                            %v: tensor<2x2x300x64xbf16>, %len: tensor<2xi64>) -> tensor<2x8x1x64xbf16> {
  %e = tensor.empty() : tensor<2x8x1x64xbf16>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<2x8x1x64xbf16>,
      tensor<2x2x300x64xbf16>, tensor<2x2x300x64xbf16>) kv_len(%len : tensor<2xi64>)
      outs(%e : tensor<2x8x1x64xbf16>) {num_sinks = 4, window = 128, causal = true}
      -> tensor<2x8x1x64xbf16>
  return %o : tensor<2x8x1x64xbf16>
}

// Binary P = 2 GEMV (M = 1), g = 128, K = 257 (a partial word and group),
// f16 coefficients; the result starts from zero.
func.func @gemv_binary_p2(%x: tensor<1x257xf32>, %p: tensor<2x9x129xi32>,
                          %c: tensor<3x3x129xf16>) -> tensor<1x129xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x129xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<1x129xf32>) -> tensor<1x129xf32>
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<1x257xf32>, tensor<2x9x129xi32>, tensor<3x3x129xf16>)
         outs(%acc : tensor<1x129xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 128} -> tensor<1x129xf32>
  return %y : tensor<1x129xf32>
}

// Ternary P = 4 GEMM (M = 37), g = 32, f16 activations, accumulating into
// the caller's buffer in place (bitsink.result_aliases = [3]).
func.func @gemm_ternary_p4_acc(%x: tensor<37x96xf16>, %p: tensor<4x3x80xi32>,
                               %c: tensor<3x3x80xf32>, %acc: tensor<37x80xf16>) -> tensor<37x80xf16> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<37x96xf16>, tensor<4x3x80xi32>, tensor<3x3x80xf32>)
         outs(%acc : tensor<37x80xf16>)
         {plane_kind = #bitsink.plane_kind<ternary>, group_size = 32} -> tensor<37x80xf16>
  return %y : tensor<37x80xf16>
}

// The tensor-core prefill (bf16, D = 128) at odd sizes (77 queries and keys:
// partial 64-query and 64-key tiles), GQA 8, f32 learned sinks, S = 4,
// W = 24.
func.func @attn_bf16_gqa8_tc(%q: tensor<1x8x77x128xbf16>, %k: tensor<1x1x77x128xbf16>,
                             %v: tensor<1x1x77x128xbf16>, %s: tensor<8xf32>) -> tensor<1x8x77x128xbf16> {
  %e = tensor.empty() : tensor<1x8x77x128xbf16>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x8x77x128xbf16>,
      tensor<1x1x77x128xbf16>, tensor<1x1x77x128xbf16>) sink_logits(%s : tensor<8xf32>)
      outs(%e : tensor<1x8x77x128xbf16>) {num_sinks = 4, window = 24, causal = true}
      -> tensor<1x8x77x128xbf16>
  return %o : tensor<1x8x77x128xbf16>
}

// f16 split-KV decode (Nq = 1) over 1000 keys with W = 512: several splits
// and the merge kernel, GQA 8 (Hq = 16 over Hkv = 2), batch 2.
func.func @attn_f16_gqa8_decode(%q: tensor<2x16x1x128xf16>, %k: tensor<2x2x1000x128xf16>,
                                %v: tensor<2x2x1000x128xf16>) -> tensor<2x16x1x128xf16> {
  %e = tensor.empty() : tensor<2x16x1x128xf16>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<2x16x1x128xf16>,
      tensor<2x2x1000x128xf16>, tensor<2x2x1000x128xf16>)
      outs(%e : tensor<2x16x1x128xf16>) {num_sinks = 4, window = 512, causal = true}
      -> tensor<2x16x1x128xf16>
  return %o : tensor<2x16x1x128xf16>
}

// Signed P = 3 GEMV at M = 16 (weights rebuilt in registers, not tables),
// g = 64, K = 320, N = 200, bf16 activations and f32 result.
func.func @gemv_signed_p3_m16(%x: tensor<16x320xbf16>, %p: tensor<3x10x200xi32>,
                              %c: tensor<5x4x200xf16>) -> tensor<16x200xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<16x200xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<16x200xf32>) -> tensor<16x200xf32>
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<16x320xbf16>, tensor<3x10x200xi32>, tensor<5x4x200xf16>)
         outs(%acc : tensor<16x200xf32>)
         {plane_kind = #bitsink.plane_kind<signed>, group_size = 64} -> tensor<16x200xf32>
  return %y : tensor<16x200xf32>
}

// Binary P = 2 GEMM at M = 48 with bf16 activations (the TF32 tensor-core
// path), per-channel coefficients (g >= K = 256), N = 96.
func.func @gemm_binary_p2_bf16(%x: tensor<48x256xbf16>, %p: tensor<2x8x96xi32>,
                               %c: tensor<1x3x96xf32>) -> tensor<48x96xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<48x96xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<48x96xf32>) -> tensor<48x96xf32>
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<48x256xbf16>, tensor<2x8x96xi32>, tensor<1x3x96xf32>)
         outs(%acc : tensor<48x96xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 256} -> tensor<48x96xf32>
  return %y : tensor<48x96xf32>
}

// A GEMM with a long K (128 steps of the default tile-k) and an M that
// leaves a partial CTA tile: f16 x, 3 planes, f16 coefficients, f32 out.
func.func @gemm_f16_longk(%x: tensor<40x4096xf16>, %p: tensor<3x128x192xi32>,
                          %c: tensor<32x4x192xf16>) -> tensor<40x192xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<40x192xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<40x192xf32>) -> tensor<40x192xf32>
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<40x4096xf16>, tensor<3x128x192xi32>, tensor<32x4x192xf16>)
         outs(%acc : tensor<40x192xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 128} -> tensor<40x192xf32>
  return %y : tensor<40x192xf32>
}

// Sub-block scale codes (docs/semantics.md §2.3), random code words whose
// nibbles past ceil(K/S) must be ignored. GEMV, M = 1 (tables), S = 16:
// K = 257 ends inside a word and inside a sub-block; N = 132 (runs of 4
// columns).
func.func @gemv_codes_s16(%x: tensor<1x257xf32>, %p: tensor<2x9x132xi32>,
                          %c: tensor<3x3x132xf16>, %s: tensor<3x132xi32>) -> tensor<1x132xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x132xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<1x132xf32>) -> tensor<1x132xf32>
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<1x257xf32>, tensor<2x9x132xi32>, tensor<3x3x132xf16>)
         scales(%s : tensor<3x132xi32>) outs(%acc : tensor<1x132xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 128, sub_block = 16} -> tensor<1x132xf32>
  return %y : tensor<1x132xf32>
}

// GEMV, M = 5 (weights rebuilt), S = 8 (four sub-blocks per plane word),
// signed planes, bf16 x.
func.func @gemv_codes_s8_m5(%x: tensor<5x320xbf16>, %p: tensor<3x10x200xi32>,
                            %c: tensor<5x4x200xf16>, %s: tensor<5x200xi32>) -> tensor<5x200xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<5x200xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<5x200xf32>) -> tensor<5x200xf32>
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<5x320xbf16>, tensor<3x10x200xi32>, tensor<5x4x200xf16>)
         scales(%s : tensor<5x200xi32>) outs(%acc : tensor<5x200xf32>)
         {plane_kind = #bitsink.plane_kind<signed>, group_size = 64, sub_block = 8} -> tensor<5x200xf32>
  return %y : tensor<5x200xf32>
}

// GEMM, M = 40, S = 32, K = 1000 (a partial last word and CTA k-tile), f16 x.
func.func @gemm_codes_s32(%x: tensor<40x1000xf16>, %p: tensor<3x32x192xi32>,
                          %c: tensor<8x4x192xf32>, %s: tensor<4x192xi32>) -> tensor<40x192xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<40x192xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<40x192xf32>) -> tensor<40x192xf32>
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<40x1000xf16>, tensor<3x32x192xi32>, tensor<8x4x192xf32>)
         scales(%s : tensor<4x192xi32>) outs(%acc : tensor<40x192xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 128, sub_block = 32} -> tensor<40x192xf32>
  return %y : tensor<40x192xf32>
}

// Invisible keys (docs/semantics.md §2.1): the harness runs these with
// --poison-invisible, which writes NaN keys and NaN/+Inf/-Inf values into
// every key row no query of the batch entry and GQA group can see. The
// output must equal that of clean inputs.

// Tensor-core prefill (f16, D = Dv = 64) over a padded cache: kv_len = 131
// < Nk = 200 for one batch entry, causal, S = 4, W = 48. The first 64-key
// tile holds the sinks and invisible keys (a boundary tile with non-finite
// V); keys past kv_len sit in partly visible tiles.
func.func @attn_f16_tc_kvlen(%q: tensor<2x4x77x64xf16>, %k: tensor<2x2x200x64xf16>,
                             %v: tensor<2x2x200x64xf16>, %len: tensor<2xi64>) -> tensor<2x4x77x64xf16> {
  %e = tensor.empty() : tensor<2x4x77x64xf16>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<2x4x77x64xf16>,
      tensor<2x2x200x64xf16>, tensor<2x2x200x64xf16>) kv_len(%len : tensor<2xi64>)
      outs(%e : tensor<2x4x77x64xf16>) {num_sinks = 4, window = 48, causal = true}
      -> tensor<2x4x77x64xf16>
  return %o : tensor<2x4x77x64xf16>
}

// Tensor-core prefill (bf16, D = 128, Dv = 64), non-causal window 20, S = 2,
// kv_len = 150 < Nk = 160, f32 learned sinks: keys 2..66 and 150..159 are
// invisible to every query; each of the three 64-key tiles mixes them with
// visible keys.
func.func @attn_bf16_tc_window(%q: tensor<1x2x64x128xbf16>, %k: tensor<1x1x160x128xbf16>,
                               %v: tensor<1x1x160x64xbf16>, %s: tensor<2xf32>,
                               %len: tensor<1xi64>) -> tensor<1x2x64x64xbf16> {
  %e = tensor.empty() : tensor<1x2x64x64xbf16>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x2x64x128xbf16>,
      tensor<1x1x160x128xbf16>, tensor<1x1x160x64xbf16>) sink_logits(%s : tensor<2xf32>)
      kv_len(%len : tensor<1xi64>) outs(%e : tensor<1x2x64x64xbf16>)
      {num_sinks = 2, window = 20, causal = false} -> tensor<1x2x64x64xbf16>
  return %o : tensor<1x2x64x64xbf16>
}

// SIMT prefill (f32) over a padded cache: kv_len = 61 < Nk = 90 for one
// batch entry, causal, S = 3, W = 10.
func.func @attn_f32_kvlen(%q: tensor<2x2x37x32xf32>, %k: tensor<2x1x90x32xf32>,
                          %v: tensor<2x1x90x24xf32>, %len: tensor<2xi64>) -> tensor<2x2x37x24xf32> {
  %e = tensor.empty() : tensor<2x2x37x24xf32>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<2x2x37x32xf32>,
      tensor<2x1x90x32xf32>, tensor<2x1x90x24xf32>) kv_len(%len : tensor<2xi64>)
      outs(%e : tensor<2x2x37x24xf32>) {num_sinks = 3, window = 10, causal = true}
      -> tensor<2x2x37x24xf32>
  return %o : tensor<2x2x37x24xf32>
}

// Split-KV decode (f16, Nq = 2, GQA 4) with f16 learned sinks; kv_len = 0
// for the second batch entry (nothing visible: every split is empty, the
// output is 0), 600 = Nk for the first (W = 100: keys 4..500 invisible).
func.func @attn_f16_decode_empty(%q: tensor<2x4x2x64xf16>, %k: tensor<2x1x600x64xf16>,
                                 %v: tensor<2x1x600x64xf16>, %s: tensor<4xf16>,
                                 %len: tensor<2xi64>) -> tensor<2x4x2x64xf16> {
  %e = tensor.empty() : tensor<2x4x2x64xf16>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<2x4x2x64xf16>,
      tensor<2x1x600x64xf16>, tensor<2x1x600x64xf16>) sink_logits(%s : tensor<4xf16>)
      kv_len(%len : tensor<2xi64>) outs(%e : tensor<2x4x2x64xf16>)
      {num_sinks = 4, window = 100, causal = true} -> tensor<2x4x2x64xf16>
  return %o : tensor<2x4x2x64xf16>
}

// Rotary embeddings (docs/semantics.md §2.1, docs/gpu-attention.md "Rotary
// embeddings"): q_i turns by p_i = i + L_b - Nq and k_j by pos_j before the
// scores. The cases cover every GPU kernel (SIMT and tensor-core prefill,
// split-KV decode), both pair styles, partial dims, kv_len, key_positions
// and positions near 10^5 (large angles).

// SIMT prefill (f32), GQA 2, odd sizes, rotate-half over all 32 dims;
// kv_len moves the query positions of the second batch entry.
func.func @attn_f32_rope_half(%q: tensor<2x4x37x32xf32>, %k: tensor<2x2x53x32xf32>,
                              %v: tensor<2x2x53x24xf32>, %len: tensor<2xi64>) -> tensor<2x4x37x24xf32> {
  %e = tensor.empty() : tensor<2x4x37x24xf32>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<2x4x37x32xf32>,
      tensor<2x2x53x32xf32>, tensor<2x2x53x24xf32>) kv_len(%len : tensor<2xi64>)
      outs(%e : tensor<2x4x37x24xf32>)
      {num_sinks = 3, window = 10, causal = true,
       rope = #bitsink.rope<theta = 10000.0, dims = 32, style = half>}
      -> tensor<2x4x37x24xf32>
  return %o : tensor<2x4x37x24xf32>
}

// SIMT prefill (f32), D = 36, three rotate-half pairs (dims = 6: one pair
// per chunk), theta = 5e5, non-causal window.
func.func @attn_f32_rope_odd_pairs(%q: tensor<1x2x21x36xf32>, %k: tensor<1x1x45x36xf32>,
                                   %v: tensor<1x1x45x20xf32>) -> tensor<1x2x21x20xf32> {
  %e = tensor.empty() : tensor<1x2x21x20xf32>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x2x21x36xf32>,
      tensor<1x1x45x36xf32>, tensor<1x1x45x20xf32>) outs(%e : tensor<1x2x21x20xf32>)
      {num_sinks = 1, window = 12, causal = false,
       rope = #bitsink.rope<theta = 500000.0, dims = 6, style = half>}
      -> tensor<1x2x21x20xf32>
  return %o : tensor<1x2x21x20xf32>
}

// SIMT prefill (f32) with kv_len = 100000 >> Nk = 64 and no window: the 16
// queries sit at positions 99984 .. 99999, so pair 0 turns by about 10^5
// radians (the range reduction of large angles).
func.func @attn_f32_rope_far(%q: tensor<1x2x16x32xf32>, %k: tensor<1x2x64x32xf32>,
                             %v: tensor<1x2x64x32xf32>, %len: tensor<1xi64>) -> tensor<1x2x16x32xf32> {
  %e = tensor.empty() : tensor<1x2x16x32xf32>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x2x16x32xf32>,
      tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>) kv_len(%len : tensor<1xi64>)
      outs(%e : tensor<1x2x16x32xf32>)
      {causal = true, rope = #bitsink.rope<theta = 10000.0, dims = 32, style = half>}
      -> tensor<1x2x16x32xf32>
  return %o : tensor<1x2x16x32xf32>
}

// Tensor-core prefill (f16, D = Dv = 64), kv_len, rotate-half over all 64
// dims: Q and every K tile rotated in shared memory (rounded to f16 once).
func.func @attn_f16_tc_rope(%q: tensor<2x4x77x64xf16>, %k: tensor<2x2x200x64xf16>,
                            %v: tensor<2x2x200x64xf16>, %len: tensor<2xi64>) -> tensor<2x4x77x64xf16> {
  %e = tensor.empty() : tensor<2x4x77x64xf16>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<2x4x77x64xf16>,
      tensor<2x2x200x64xf16>, tensor<2x2x200x64xf16>) kv_len(%len : tensor<2xi64>)
      outs(%e : tensor<2x4x77x64xf16>)
      {num_sinks = 4, window = 48, causal = true,
       rope = #bitsink.rope<theta = 10000.0, dims = 64, style = half>}
      -> tensor<2x4x77x64xf16>
  return %o : tensor<2x4x77x64xf16>
}

// Tensor-core prefill (bf16, D = 128, Dv = 64), interleaved pairs on the
// first 64 dims, theta = 5e5, non-causal window, f32 learned sinks.
func.func @attn_bf16_tc_rope_il(%q: tensor<1x2x64x128xbf16>, %k: tensor<1x1x160x128xbf16>,
                                %v: tensor<1x1x160x64xbf16>, %s: tensor<2xf32>,
                                %len: tensor<1xi64>) -> tensor<1x2x64x64xbf16> {
  %e = tensor.empty() : tensor<1x2x64x64xbf16>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x2x64x128xbf16>,
      tensor<1x1x160x128xbf16>, tensor<1x1x160x64xbf16>) sink_logits(%s : tensor<2xf32>)
      kv_len(%len : tensor<1xi64>) outs(%e : tensor<1x2x64x64xbf16>)
      {num_sinks = 2, window = 20, causal = false,
       rope = #bitsink.rope<theta = 500000.0, dims = 64, style = interleaved>}
      -> tensor<1x2x64x64xbf16>
  return %o : tensor<1x2x64x64xbf16>
}

// Tensor-core prefill (f16, D = 64) over a shuffled ring (key_positions):
// keys turn by their positions, not their slots; rotate-half on 32 dims.
func.func @attn_f16_tc_rope_ring(%q: tensor<1x2x64x64xf16>, %k: tensor<1x1x128x64xf16>,
                                 %v: tensor<1x1x128x64xf16>, %pos: tensor<1x128xi64>) -> tensor<1x2x64x64xf16> {
  %e = tensor.empty() : tensor<1x2x64x64xf16>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x2x64x64xf16>,
      tensor<1x1x128x64xf16>, tensor<1x1x128x64xf16>) key_positions(%pos : tensor<1x128xi64>)
      outs(%e : tensor<1x2x64x64xf16>)
      {num_sinks = 2, window = 32, causal = true,
       rope = #bitsink.rope<theta = 10000.0, dims = 32, style = half>}
      -> tensor<1x2x64x64xf16>
  return %o : tensor<1x2x64x64xf16>
}

// Split-KV decode (f16, Nq = 1, GQA 8), 1000 keys, rotate-half over all 128
// dims: query rows rotated once per split, each K tile as it is staged.
func.func @attn_f16_decode_rope(%q: tensor<2x16x1x128xf16>, %k: tensor<2x2x1000x128xf16>,
                                %v: tensor<2x2x1000x128xf16>) -> tensor<2x16x1x128xf16> {
  %e = tensor.empty() : tensor<2x16x1x128xf16>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<2x16x1x128xf16>,
      tensor<2x2x1000x128xf16>, tensor<2x2x1000x128xf16>) outs(%e : tensor<2x16x1x128xf16>)
      {num_sinks = 4, window = 512, causal = true,
       rope = #bitsink.rope<theta = 10000.0, dims = 128, style = half>}
      -> tensor<2x16x1x128xf16>
  return %o : tensor<2x16x1x128xf16>
}

// Split-KV decode (bf16, Nq = 2, GQA 4) over a shuffled 300-slot ring with
// kv_len, interleaved pairs on all 64 dims (StreamingLLM's cache frame).
func.func @attn_bf16_decode_rope_ring(%q: tensor<2x4x2x64xbf16>, %k: tensor<2x1x300x64xbf16>,
                                      %v: tensor<2x1x300x64xbf16>, %len: tensor<2xi64>,
                                      %pos: tensor<2x300xi64>) -> tensor<2x4x2x64xbf16> {
  %e = tensor.empty() : tensor<2x4x2x64xbf16>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<2x4x2x64xbf16>,
      tensor<2x1x300x64xbf16>, tensor<2x1x300x64xbf16>) kv_len(%len : tensor<2xi64>)
      key_positions(%pos : tensor<2x300xi64>) outs(%e : tensor<2x4x2x64xbf16>)
      {num_sinks = 4, window = 128, causal = true,
       rope = #bitsink.rope<theta = 10000.0, dims = 64, style = interleaved>}
      -> tensor<2x4x2x64xbf16>
  return %o : tensor<2x4x2x64xbf16>
}

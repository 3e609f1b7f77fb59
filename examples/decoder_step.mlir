// One decode step of a small GQA decoder layer, as a user's front end would
// hand it to bitsink: append the new token's keys/values to a streaming KV
// cache (4 sinks + a ring), attend over the cache, then project the output
// with 2-bit bit-plane weights (binary planes, group 128).
//
// scripts/demo.sh sparsifies the attention to sink + window, tiles it over
// (batch, head groups) with the transform dialect, and bufferizes: the cache
// is updated in place.

func.func @decoder_step(
    %q: tensor<1x8x1x64xf16>,              // B x Hq x 1 x D
    %k_new: tensor<1x2x1x64xf16>,          // B x Hkv x 1 x D
    %v_new: tensor<1x2x1x64xf16>,
    %k_cache: tensor<1x2x512x64xf16>,      // B x Hkv x C x D, C = 512 slots
    %v_cache: tensor<1x2x512x64xf16>,
    %positions: tensor<1x512xi64>,         // absolute position of each slot
    %length: tensor<1xi64>,                // tokens seen so far
    %sinks: tensor<8xf32>,                 // learned per-head sink logits
    %w_planes: tensor<2x16x512xi32>,       // P=2 planes x ceil(512/32) x N
    %w_coeffs: tensor<4x3x512xf16>)        // G=512/128 x C=3 x N
    -> (tensor<1x512xf32>, tensor<1x2x512x64xf16>, tensor<1x2x512x64xf16>,
        tensor<1x512xi64>, tensor<1xi64>) {
  %kc, %vc, %pos, %len = bitsink.cache_append
      ins(%k_new, %v_new : tensor<1x2x1x64xf16>, tensor<1x2x1x64xf16>)
      outs(%k_cache, %v_cache, %positions, %length
           : tensor<1x2x512x64xf16>, tensor<1x2x512x64xf16>, tensor<1x512xi64>, tensor<1xi64>)
      {num_sinks = 4, position_mode = #bitsink.position_mode<original>}
      -> tensor<1x2x512x64xf16>, tensor<1x2x512x64xf16>, tensor<1x512xi64>, tensor<1xi64>

  // Dense causal attention over the cache, as raise-attention produces it;
  // the sparsify pass turns it into sink + window attention. Slots carry
  // absolute positions (position_mode original), so kv_len is the number of
  // tokens seen and the newest token's position is kv_len - 1.
  %attn_init = tensor.empty() : tensor<1x8x1x64xf16>
  %attn = bitsink.sink_attention
      ins(%q, %kc, %vc : tensor<1x8x1x64xf16>, tensor<1x2x512x64xf16>, tensor<1x2x512x64xf16>)
      sink_logits(%sinks : tensor<8xf32>)
      kv_len(%len : tensor<1xi64>)
      key_positions(%pos : tensor<1x512xi64>)
      outs(%attn_init : tensor<1x8x1x64xf16>)
      {causal = true}
      -> tensor<1x8x1x64xf16>

  %flat = tensor.collapse_shape %attn [[0], [1, 2, 3]]
      : tensor<1x8x1x64xf16> into tensor<1x512xf16>
  %zero = arith.constant 0.0 : f32
  %acc_init = tensor.empty() : tensor<1x512xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%acc_init : tensor<1x512xf32>) -> tensor<1x512xf32>
  %out = bitsink.bitplane_matmul
      ins(%flat, %w_planes, %w_coeffs : tensor<1x512xf16>, tensor<2x16x512xi32>, tensor<4x3x512xf16>)
      outs(%acc : tensor<1x512xf32>)
      {plane_kind = #bitsink.plane_kind<binary>, group_size = 128}
      -> tensor<1x512xf32>
  return %out, %kc, %vc, %pos, %len
      : tensor<1x512xf32>, tensor<1x2x512x64xf16>, tensor<1x2x512x64xf16>,
        tensor<1x512xi64>, tensor<1xi64>
}

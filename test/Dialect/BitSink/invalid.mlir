// RUN: bitsink-opt %s -split-input-file -verify-diagnostics
// Every verifier rule of the bitsink ops (docs/semantics.md §2) has a case
// here; each diagnostic names the operand or attribute and the expected value.

func.func @mixed_tensor_memref(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x32x16xf32>, %v: memref<1x2x32x16xf32>, %init: tensor<1x4x8x16xf32>) {
  // expected-error @+1 {{expects all operands to be tensors or all to be memrefs}}
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x32x16xf32>, memref<1x2x32x16xf32>) outs(%init : tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @memref_with_result(%q: memref<1x4x8x16xf32>, %k: memref<1x2x32x16xf32>, %v: memref<1x2x32x16xf32>, %init: memref<1x4x8x16xf32>) {
  // expected-error @+1 {{expects no results on memrefs, got 1}}
  %o = bitsink.sink_attention ins(%q, %k, %v : memref<1x4x8x16xf32>, memref<1x2x32x16xf32>, memref<1x2x32x16xf32>) outs(%init : memref<1x4x8x16xf32>) -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @tensor_without_result(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x32x16xf32>, %v: tensor<1x2x32x16xf32>, %init: tensor<1x4x8x16xf32>) {
  // expected-error @+1 {{expects one result per init (1), got 0}}
  bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>) outs(%init : tensor<1x4x8x16xf32>)
  return
}

// -----

func.func @result_type(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x32x16xf32>, %v: tensor<1x2x32x16xf32>, %init: tensor<1x4x8x16xf32>) {
  // expected-error @+1 {{expects result #0 to have the type of its init 'tensor<1x4x8x16xf32>', got 'tensor<1x4x8x16xf16>'}}
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>) outs(%init : tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf16>
  return
}

// -----

func.func @q_rank(%q: tensor<4x8x16xf32>, %k: tensor<1x2x32x16xf32>, %v: tensor<1x2x32x16xf32>, %init: tensor<1x4x8x16xf32>) {
  // expected-error @+1 {{expects q to have rank 4 (B x Hq x Nq x D), got 3}}
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<4x8x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>) outs(%init : tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @k_rank(%q: tensor<1x4x8x16xf32>, %k: tensor<2x32x16xf32>, %v: tensor<1x2x32x16xf32>, %init: tensor<1x4x8x16xf32>) {
  // expected-error @+1 {{expects k to have rank 4 (B x Hkv x Nk x D), got 3}}
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<2x32x16xf32>, tensor<1x2x32x16xf32>) outs(%init : tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @v_rank(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x32x16xf32>, %v: tensor<1x2x32x16x1xf32>, %init: tensor<1x4x8x16xf32>) {
  // expected-error @+1 {{expects v to have rank 4 (B x Hkv x Nk x Dv), got 5}}
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16x1xf32>) outs(%init : tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @init_rank(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x32x16xf32>, %v: tensor<1x2x32x16xf32>, %init: tensor<4x8x16xf32>) {
  // expected-error @+1 {{expects init to have rank 4 (B x Hq x Nq x Dv), got 3}}
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>) outs(%init : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return
}

// -----

func.func @q_element_type(%q: tensor<1x4x8x16xi32>, %k: tensor<1x2x32x16xi32>, %v: tensor<1x2x32x16xi32>, %init: tensor<1x4x8x16xi32>) {
  // expected-error @+1 {{expects q element type to be f32, f16 or bf16, got 'i32'}}
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x8x16xi32>, tensor<1x2x32x16xi32>, tensor<1x2x32x16xi32>) outs(%init : tensor<1x4x8x16xi32>) -> tensor<1x4x8x16xi32>
  return
}

// -----

func.func @k_element_type(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x32x16xf16>, %v: tensor<1x2x32x16xf32>, %init: tensor<1x4x8x16xf32>) {
  // expected-error @+1 {{expects k element type to match q ('f32'), got 'f16'}}
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x32x16xf16>, tensor<1x2x32x16xf32>) outs(%init : tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @v_element_type(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x32x16xf32>, %v: tensor<1x2x32x16xbf16>, %init: tensor<1x4x8x16xf32>) {
  // expected-error @+1 {{expects v element type to match q ('f32'), got 'bf16'}}
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xbf16>) outs(%init : tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @init_element_type(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x32x16xf32>, %v: tensor<1x2x32x16xf32>, %init: tensor<1x4x8x16xf16>) {
  // expected-error @+1 {{expects init element type to match q ('f32'), got 'f16'}}
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>) outs(%init : tensor<1x4x8x16xf16>) -> tensor<1x4x8x16xf16>
  return
}

// -----

func.func @batch_k(%q: tensor<1x4x8x16xf32>, %k: tensor<2x2x32x16xf32>, %v: tensor<1x2x32x16xf32>, %init: tensor<1x4x8x16xf32>) {
  // expected-error @+1 {{expects q and k to agree on the batch size B, got 1 and 2}}
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<2x2x32x16xf32>, tensor<1x2x32x16xf32>) outs(%init : tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @batch_v(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x32x16xf32>, %v: tensor<2x2x32x16xf32>, %init: tensor<1x4x8x16xf32>) {
  // expected-error @+1 {{expects q and v to agree on the batch size B, got 1 and 2}}
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x32x16xf32>, tensor<2x2x32x16xf32>) outs(%init : tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @batch_init(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x32x16xf32>, %v: tensor<1x2x32x16xf32>, %init: tensor<3x4x8x16xf32>) {
  // expected-error @+1 {{expects q and init to agree on the batch size B, got 1 and 3}}
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>) outs(%init : tensor<3x4x8x16xf32>) -> tensor<3x4x8x16xf32>
  return
}

// -----

func.func @query_heads(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x32x16xf32>, %v: tensor<1x2x32x16xf32>, %init: tensor<1x2x8x16xf32>) {
  // expected-error @+1 {{expects q and init to agree on the query head count Hq, got 4 and 2}}
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>) outs(%init : tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return
}

// -----

func.func @kv_heads(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x32x16xf32>, %v: tensor<1x1x32x16xf32>, %init: tensor<1x4x8x16xf32>) {
  // expected-error @+1 {{expects k and v to agree on the key/value head count Hkv, got 2 and 1}}
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x32x16xf32>, tensor<1x1x32x16xf32>) outs(%init : tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @query_length(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x32x16xf32>, %v: tensor<1x2x32x16xf32>, %init: tensor<1x4x9x16xf32>) {
  // expected-error @+1 {{expects q and init to agree on the query length Nq, got 8 and 9}}
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>) outs(%init : tensor<1x4x9x16xf32>) -> tensor<1x4x9x16xf32>
  return
}

// -----

func.func @key_length(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x32x16xf32>, %v: tensor<1x2x31x16xf32>, %init: tensor<1x4x8x16xf32>) {
  // expected-error @+1 {{expects k and v to agree on the key length Nk, got 32 and 31}}
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x31x16xf32>) outs(%init : tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @head_dim(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x32x8xf32>, %v: tensor<1x2x32x16xf32>, %init: tensor<1x4x8x16xf32>) {
  // expected-error @+1 {{expects q and k to agree on the head dim D, got 16 and 8}}
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x32x8xf32>, tensor<1x2x32x16xf32>) outs(%init : tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @value_head_dim(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x32x16xf32>, %v: tensor<1x2x32x8xf32>, %init: tensor<1x4x8x16xf32>) {
  // expected-error @+1 {{expects v and init to agree on the value head dim Dv, got 8 and 16}}
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x8xf32>) outs(%init : tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @zero_kv_heads(%q: tensor<1x4x8x16xf32>, %k: tensor<1x0x32x16xf32>, %v: tensor<1x0x32x16xf32>, %init: tensor<1x4x8x16xf32>) {
  // expected-error @+1 {{expects k to have at least one head (Hkv > 0)}}
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x0x32x16xf32>, tensor<1x0x32x16xf32>) outs(%init : tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @gqa_ratio(%q: tensor<1x3x8x16xf32>, %k: tensor<1x2x32x16xf32>, %v: tensor<1x2x32x16xf32>, %init: tensor<1x3x8x16xf32>) {
  // expected-error @+1 {{expects the query head count (Hq = 3) to be a multiple of the key/value head count (Hkv = 2)}}
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x3x8x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>) outs(%init : tensor<1x3x8x16xf32>) -> tensor<1x3x8x16xf32>
  return
}

// -----

func.func @sink_logits_rank(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x32x16xf32>, %v: tensor<1x2x32x16xf32>, %init: tensor<1x4x8x16xf32>, %s: tensor<1x4xf32>) {
  // expected-error @+1 {{expects sink_logits to have rank 1 (Hq), got 2}}
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>) sink_logits(%s : tensor<1x4xf32>) outs(%init : tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @sink_logits_type(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x32x16xf32>, %v: tensor<1x2x32x16xf32>, %init: tensor<1x4x8x16xf32>, %s: tensor<4xi32>) {
  // expected-error @+1 {{expects sink_logits element type to be f32, f16 or bf16, got 'i32'}}
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>) sink_logits(%s : tensor<4xi32>) outs(%init : tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @sink_logits_heads(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x32x16xf32>, %v: tensor<1x2x32x16xf32>, %init: tensor<1x4x8x16xf32>, %s: tensor<2xf32>) {
  // expected-error @+1 {{expects sink_logits dimension 0 (Hq) to be 4, got 2}}
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>) sink_logits(%s : tensor<2xf32>) outs(%init : tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @kv_len_rank(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x32x16xf32>, %v: tensor<1x2x32x16xf32>, %init: tensor<1x4x8x16xf32>, %l: tensor<1x1xi64>) {
  // expected-error @+1 {{expects kv_len to have rank 1 (B), got 2}}
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>) kv_len(%l : tensor<1x1xi64>) outs(%init : tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @kv_len_type(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x32x16xf32>, %v: tensor<1x2x32x16xf32>, %init: tensor<1x4x8x16xf32>, %l: tensor<1xi32>) {
  // expected-error @+1 {{expects kv_len element type to be i64, got 'i32'}}
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>) kv_len(%l : tensor<1xi32>) outs(%init : tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @kv_len_batch(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x32x16xf32>, %v: tensor<1x2x32x16xf32>, %init: tensor<1x4x8x16xf32>, %l: tensor<2xi64>) {
  // expected-error @+1 {{expects kv_len dimension 0 (B) to be 1, got 2}}
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>) kv_len(%l : tensor<2xi64>) outs(%init : tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @key_mask_rank(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x32x16xf32>, %v: tensor<1x2x32x16xf32>, %init: tensor<1x4x8x16xf32>, %m: tensor<32xi1>) {
  // expected-error @+1 {{expects key_mask to have rank 2 (B x Nk), got 1}}
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>) key_mask(%m : tensor<32xi1>) outs(%init : tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @key_mask_type(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x32x16xf32>, %v: tensor<1x2x32x16xf32>, %init: tensor<1x4x8x16xf32>, %m: tensor<1x32xi8>) {
  // expected-error @+1 {{expects key_mask element type to be i1, got 'i8'}}
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>) key_mask(%m : tensor<1x32xi8>) outs(%init : tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @key_mask_batch(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x32x16xf32>, %v: tensor<1x2x32x16xf32>, %init: tensor<1x4x8x16xf32>, %m: tensor<2x32xi1>) {
  // expected-error @+1 {{expects key_mask dimension 0 (B) to be 1, got 2}}
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>) key_mask(%m : tensor<2x32xi1>) outs(%init : tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @key_mask_keys(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x32x16xf32>, %v: tensor<1x2x32x16xf32>, %init: tensor<1x4x8x16xf32>, %m: tensor<1x16xi1>) {
  // expected-error @+1 {{expects key_mask dimension 1 (Nk) to be 32, got 16}}
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>) key_mask(%m : tensor<1x16xi1>) outs(%init : tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @key_positions_rank(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x32x16xf32>, %v: tensor<1x2x32x16xf32>, %init: tensor<1x4x8x16xf32>, %p: tensor<1x32x1xi64>) {
  // expected-error @+1 {{expects key_positions to have rank 2 (B x Nk), got 3}}
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>) key_positions(%p : tensor<1x32x1xi64>) outs(%init : tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @key_positions_type(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x32x16xf32>, %v: tensor<1x2x32x16xf32>, %init: tensor<1x4x8x16xf32>, %p: tensor<1x32xi32>) {
  // expected-error @+1 {{expects key_positions element type to be i64, got 'i32'}}
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>) key_positions(%p : tensor<1x32xi32>) outs(%init : tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @key_positions_batch(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x32x16xf32>, %v: tensor<1x2x32x16xf32>, %init: tensor<1x4x8x16xf32>, %p: tensor<3x32xi64>) {
  // expected-error @+1 {{expects key_positions dimension 0 (B) to be 1, got 3}}
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>) key_positions(%p : tensor<3x32xi64>) outs(%init : tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @key_positions_keys(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x32x16xf32>, %v: tensor<1x2x32x16xf32>, %init: tensor<1x4x8x16xf32>, %p: tensor<1x33xi64>) {
  // expected-error @+1 {{expects key_positions dimension 1 (Nk) to be 32, got 33}}
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>) key_positions(%p : tensor<1x33xi64>) outs(%init : tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @negative_sinks(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x32x16xf32>, %v: tensor<1x2x32x16xf32>, %init: tensor<1x4x8x16xf32>) {
  // expected-error @+1 {{expects num_sinks to be non-negative, got -1}}
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>) outs(%init : tensor<1x4x8x16xf32>) {num_sinks = -1} -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @window_length(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x32x16xf32>, %v: tensor<1x2x32x16xf32>, %init: tensor<1x4x8x16xf32>) {
  // expected-error @+1 {{expects window to have one entry per query head (4), got 3}}
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>) outs(%init : tensor<1x4x8x16xf32>) {window = array<i64: 1, 2, 3>} -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @window_dynamic_heads(%q: tensor<1x?x8x16xf32>, %k: tensor<1x2x32x16xf32>, %v: tensor<1x2x32x16xf32>, %init: tensor<1x?x8x16xf32>) {
  // expected-error @+1 {{expects a static query head count Hq with a per-head window}}
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x?x8x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>) outs(%init : tensor<1x?x8x16xf32>) {window = array<i64: 1, 2, 3, 4>} -> tensor<1x?x8x16xf32>
  return
}

// -----

func.func @window_type(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x32x16xf32>, %v: tensor<1x2x32x16xf32>, %init: tensor<1x4x8x16xf32>) {
  // expected-error @+1 {{attribute 'window' failed to satisfy constraint}}
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>) outs(%init : tensor<1x4x8x16xf32>) {window = 2.0 : f32} -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @scale_infinite(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x32x16xf32>, %v: tensor<1x2x32x16xf32>, %init: tensor<1x4x8x16xf32>) {
  // expected-error @+1 {{expects scale to be finite, got inf}}
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>) outs(%init : tensor<1x4x8x16xf32>) {scale = 0x7F800000 : f32} -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @causal_type(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x32x16xf32>, %v: tensor<1x2x32x16xf32>, %init: tensor<1x4x8x16xf32>) {
  // expected-error @+1 {{attribute 'causal' failed to satisfy constraint}}
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>) outs(%init : tensor<1x4x8x16xf32>) {causal = 1 : i64} -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @cache_new_keys_rank(%kn: tensor<2x1x8xf16>, %vn: tensor<1x2x1x4xf16>, %kc: tensor<1x2x16x8xf16>, %vc: tensor<1x2x16x4xf16>, %pos: tensor<1x16xi64>, %len: tensor<1xi64>) {
  // expected-error @+1 {{expects new_keys to have rank 4 (B x Hkv x T x D), got 3}}
  %r:4 = bitsink.cache_append ins(%kn, %vn : tensor<2x1x8xf16>, tensor<1x2x1x4xf16>) outs(%kc, %vc, %pos, %len : tensor<1x2x16x8xf16>, tensor<1x2x16x4xf16>, tensor<1x16xi64>, tensor<1xi64>) -> tensor<1x2x16x8xf16>, tensor<1x2x16x4xf16>, tensor<1x16xi64>, tensor<1xi64>
  return
}

// -----

func.func @cache_new_values_rank(%kn: tensor<1x2x1x8xf16>, %vn: tensor<2x1x4xf16>, %kc: tensor<1x2x16x8xf16>, %vc: tensor<1x2x16x4xf16>, %pos: tensor<1x16xi64>, %len: tensor<1xi64>) {
  // expected-error @+1 {{expects new_values to have rank 4 (B x Hkv x T x Dv), got 3}}
  %r:4 = bitsink.cache_append ins(%kn, %vn : tensor<1x2x1x8xf16>, tensor<2x1x4xf16>) outs(%kc, %vc, %pos, %len : tensor<1x2x16x8xf16>, tensor<1x2x16x4xf16>, tensor<1x16xi64>, tensor<1xi64>) -> tensor<1x2x16x8xf16>, tensor<1x2x16x4xf16>, tensor<1x16xi64>, tensor<1xi64>
  return
}

// -----

func.func @cache_key_cache_rank(%kn: tensor<1x2x1x8xf16>, %vn: tensor<1x2x1x4xf16>, %kc: tensor<2x16x8xf16>, %vc: tensor<1x2x16x4xf16>, %pos: tensor<1x16xi64>, %len: tensor<1xi64>) {
  // expected-error @+1 {{expects key_cache to have rank 4 (B x Hkv x C x D), got 3}}
  %r:4 = bitsink.cache_append ins(%kn, %vn : tensor<1x2x1x8xf16>, tensor<1x2x1x4xf16>) outs(%kc, %vc, %pos, %len : tensor<2x16x8xf16>, tensor<1x2x16x4xf16>, tensor<1x16xi64>, tensor<1xi64>) -> tensor<2x16x8xf16>, tensor<1x2x16x4xf16>, tensor<1x16xi64>, tensor<1xi64>
  return
}

// -----

func.func @cache_value_cache_rank(%kn: tensor<1x2x1x8xf16>, %vn: tensor<1x2x1x4xf16>, %kc: tensor<1x2x16x8xf16>, %vc: tensor<2x16x4xf16>, %pos: tensor<1x16xi64>, %len: tensor<1xi64>) {
  // expected-error @+1 {{expects value_cache to have rank 4 (B x Hkv x C x Dv), got 3}}
  %r:4 = bitsink.cache_append ins(%kn, %vn : tensor<1x2x1x8xf16>, tensor<1x2x1x4xf16>) outs(%kc, %vc, %pos, %len : tensor<1x2x16x8xf16>, tensor<2x16x4xf16>, tensor<1x16xi64>, tensor<1xi64>) -> tensor<1x2x16x8xf16>, tensor<2x16x4xf16>, tensor<1x16xi64>, tensor<1xi64>
  return
}

// -----

func.func @cache_positions_rank(%kn: tensor<1x2x1x8xf16>, %vn: tensor<1x2x1x4xf16>, %kc: tensor<1x2x16x8xf16>, %vc: tensor<1x2x16x4xf16>, %pos: tensor<16xi64>, %len: tensor<1xi64>) {
  // expected-error @+1 {{expects positions to have rank 2 (B x C), got 1}}
  %r:4 = bitsink.cache_append ins(%kn, %vn : tensor<1x2x1x8xf16>, tensor<1x2x1x4xf16>) outs(%kc, %vc, %pos, %len : tensor<1x2x16x8xf16>, tensor<1x2x16x4xf16>, tensor<16xi64>, tensor<1xi64>) -> tensor<1x2x16x8xf16>, tensor<1x2x16x4xf16>, tensor<16xi64>, tensor<1xi64>
  return
}

// -----

func.func @cache_length_rank(%kn: tensor<1x2x1x8xf16>, %vn: tensor<1x2x1x4xf16>, %kc: tensor<1x2x16x8xf16>, %vc: tensor<1x2x16x4xf16>, %pos: tensor<1x16xi64>, %len: tensor<1x1xi64>) {
  // expected-error @+1 {{expects length to have rank 1 (B), got 2}}
  %r:4 = bitsink.cache_append ins(%kn, %vn : tensor<1x2x1x8xf16>, tensor<1x2x1x4xf16>) outs(%kc, %vc, %pos, %len : tensor<1x2x16x8xf16>, tensor<1x2x16x4xf16>, tensor<1x16xi64>, tensor<1x1xi64>) -> tensor<1x2x16x8xf16>, tensor<1x2x16x4xf16>, tensor<1x16xi64>, tensor<1x1xi64>
  return
}

// -----

func.func @cache_element_type(%kn: tensor<1x2x1x8xi8>, %vn: tensor<1x2x1x4xi8>, %kc: tensor<1x2x16x8xi8>, %vc: tensor<1x2x16x4xi8>, %pos: tensor<1x16xi64>, %len: tensor<1xi64>) {
  // expected-error @+1 {{expects new_keys element type to be f32, f16 or bf16, got 'i8'}}
  %r:4 = bitsink.cache_append ins(%kn, %vn : tensor<1x2x1x8xi8>, tensor<1x2x1x4xi8>) outs(%kc, %vc, %pos, %len : tensor<1x2x16x8xi8>, tensor<1x2x16x4xi8>, tensor<1x16xi64>, tensor<1xi64>) -> tensor<1x2x16x8xi8>, tensor<1x2x16x4xi8>, tensor<1x16xi64>, tensor<1xi64>
  return
}

// -----

func.func @cache_new_values_type(%kn: tensor<1x2x1x8xf16>, %vn: tensor<1x2x1x4xf32>, %kc: tensor<1x2x16x8xf16>, %vc: tensor<1x2x16x4xf16>, %pos: tensor<1x16xi64>, %len: tensor<1xi64>) {
  // expected-error @+1 {{expects new_values element type to match new_keys ('f16'), got 'f32'}}
  %r:4 = bitsink.cache_append ins(%kn, %vn : tensor<1x2x1x8xf16>, tensor<1x2x1x4xf32>) outs(%kc, %vc, %pos, %len : tensor<1x2x16x8xf16>, tensor<1x2x16x4xf16>, tensor<1x16xi64>, tensor<1xi64>) -> tensor<1x2x16x8xf16>, tensor<1x2x16x4xf16>, tensor<1x16xi64>, tensor<1xi64>
  return
}

// -----

func.func @cache_key_cache_type(%kn: tensor<1x2x1x8xf16>, %vn: tensor<1x2x1x4xf16>, %kc: tensor<1x2x16x8xbf16>, %vc: tensor<1x2x16x4xf16>, %pos: tensor<1x16xi64>, %len: tensor<1xi64>) {
  // expected-error @+1 {{expects key_cache element type to match new_keys ('f16'), got 'bf16'}}
  %r:4 = bitsink.cache_append ins(%kn, %vn : tensor<1x2x1x8xf16>, tensor<1x2x1x4xf16>) outs(%kc, %vc, %pos, %len : tensor<1x2x16x8xbf16>, tensor<1x2x16x4xf16>, tensor<1x16xi64>, tensor<1xi64>) -> tensor<1x2x16x8xbf16>, tensor<1x2x16x4xf16>, tensor<1x16xi64>, tensor<1xi64>
  return
}

// -----

func.func @cache_value_cache_type(%kn: tensor<1x2x1x8xf16>, %vn: tensor<1x2x1x4xf16>, %kc: tensor<1x2x16x8xf16>, %vc: tensor<1x2x16x4xf32>, %pos: tensor<1x16xi64>, %len: tensor<1xi64>) {
  // expected-error @+1 {{expects value_cache element type to match new_keys ('f16'), got 'f32'}}
  %r:4 = bitsink.cache_append ins(%kn, %vn : tensor<1x2x1x8xf16>, tensor<1x2x1x4xf16>) outs(%kc, %vc, %pos, %len : tensor<1x2x16x8xf16>, tensor<1x2x16x4xf32>, tensor<1x16xi64>, tensor<1xi64>) -> tensor<1x2x16x8xf16>, tensor<1x2x16x4xf32>, tensor<1x16xi64>, tensor<1xi64>
  return
}

// -----

func.func @cache_positions_type(%kn: tensor<1x2x1x8xf16>, %vn: tensor<1x2x1x4xf16>, %kc: tensor<1x2x16x8xf16>, %vc: tensor<1x2x16x4xf16>, %pos: tensor<1x16xi32>, %len: tensor<1xi64>) {
  // expected-error @+1 {{expects positions element type to be i64, got 'i32'}}
  %r:4 = bitsink.cache_append ins(%kn, %vn : tensor<1x2x1x8xf16>, tensor<1x2x1x4xf16>) outs(%kc, %vc, %pos, %len : tensor<1x2x16x8xf16>, tensor<1x2x16x4xf16>, tensor<1x16xi32>, tensor<1xi64>) -> tensor<1x2x16x8xf16>, tensor<1x2x16x4xf16>, tensor<1x16xi32>, tensor<1xi64>
  return
}

// -----

func.func @cache_length_type(%kn: tensor<1x2x1x8xf16>, %vn: tensor<1x2x1x4xf16>, %kc: tensor<1x2x16x8xf16>, %vc: tensor<1x2x16x4xf16>, %pos: tensor<1x16xi64>, %len: tensor<1xi32>) {
  // expected-error @+1 {{expects length element type to be i64, got 'i32'}}
  %r:4 = bitsink.cache_append ins(%kn, %vn : tensor<1x2x1x8xf16>, tensor<1x2x1x4xf16>) outs(%kc, %vc, %pos, %len : tensor<1x2x16x8xf16>, tensor<1x2x16x4xf16>, tensor<1x16xi64>, tensor<1xi32>) -> tensor<1x2x16x8xf16>, tensor<1x2x16x4xf16>, tensor<1x16xi64>, tensor<1xi32>
  return
}

// -----

func.func @cache_batch(%kn: tensor<1x2x1x8xf16>, %vn: tensor<2x2x1x4xf16>, %kc: tensor<1x2x16x8xf16>, %vc: tensor<1x2x16x4xf16>, %pos: tensor<1x16xi64>, %len: tensor<1xi64>) {
  // expected-error @+1 {{expects new_keys and new_values to agree on the batch size B, got 1 and 2}}
  %r:4 = bitsink.cache_append ins(%kn, %vn : tensor<1x2x1x8xf16>, tensor<2x2x1x4xf16>) outs(%kc, %vc, %pos, %len : tensor<1x2x16x8xf16>, tensor<1x2x16x4xf16>, tensor<1x16xi64>, tensor<1xi64>) -> tensor<1x2x16x8xf16>, tensor<1x2x16x4xf16>, tensor<1x16xi64>, tensor<1xi64>
  return
}

// -----

func.func @cache_batch_key_cache(%kn: tensor<1x2x1x8xf16>, %vn: tensor<1x2x1x4xf16>, %kc: tensor<2x2x16x8xf16>, %vc: tensor<1x2x16x4xf16>, %pos: tensor<1x16xi64>, %len: tensor<1xi64>) {
  // expected-error @+1 {{expects new_keys and key_cache to agree on the batch size B, got 1 and 2}}
  %r:4 = bitsink.cache_append ins(%kn, %vn : tensor<1x2x1x8xf16>, tensor<1x2x1x4xf16>) outs(%kc, %vc, %pos, %len : tensor<2x2x16x8xf16>, tensor<1x2x16x4xf16>, tensor<1x16xi64>, tensor<1xi64>) -> tensor<2x2x16x8xf16>, tensor<1x2x16x4xf16>, tensor<1x16xi64>, tensor<1xi64>
  return
}

// -----

func.func @cache_batch_value_cache(%kn: tensor<1x2x1x8xf16>, %vn: tensor<1x2x1x4xf16>, %kc: tensor<1x2x16x8xf16>, %vc: tensor<2x2x16x4xf16>, %pos: tensor<1x16xi64>, %len: tensor<1xi64>) {
  // expected-error @+1 {{expects new_keys and value_cache to agree on the batch size B, got 1 and 2}}
  %r:4 = bitsink.cache_append ins(%kn, %vn : tensor<1x2x1x8xf16>, tensor<1x2x1x4xf16>) outs(%kc, %vc, %pos, %len : tensor<1x2x16x8xf16>, tensor<2x2x16x4xf16>, tensor<1x16xi64>, tensor<1xi64>) -> tensor<1x2x16x8xf16>, tensor<2x2x16x4xf16>, tensor<1x16xi64>, tensor<1xi64>
  return
}

// -----

func.func @cache_batch_positions(%kn: tensor<1x2x1x8xf16>, %vn: tensor<1x2x1x4xf16>, %kc: tensor<1x2x16x8xf16>, %vc: tensor<1x2x16x4xf16>, %pos: tensor<2x16xi64>, %len: tensor<1xi64>) {
  // expected-error @+1 {{expects new_keys and positions to agree on the batch size B, got 1 and 2}}
  %r:4 = bitsink.cache_append ins(%kn, %vn : tensor<1x2x1x8xf16>, tensor<1x2x1x4xf16>) outs(%kc, %vc, %pos, %len : tensor<1x2x16x8xf16>, tensor<1x2x16x4xf16>, tensor<2x16xi64>, tensor<1xi64>) -> tensor<1x2x16x8xf16>, tensor<1x2x16x4xf16>, tensor<2x16xi64>, tensor<1xi64>
  return
}

// -----

func.func @cache_batch_length(%kn: tensor<1x2x1x8xf16>, %vn: tensor<1x2x1x4xf16>, %kc: tensor<1x2x16x8xf16>, %vc: tensor<1x2x16x4xf16>, %pos: tensor<1x16xi64>, %len: tensor<3xi64>) {
  // expected-error @+1 {{expects new_keys and length to agree on the batch size B, got 1 and 3}}
  %r:4 = bitsink.cache_append ins(%kn, %vn : tensor<1x2x1x8xf16>, tensor<1x2x1x4xf16>) outs(%kc, %vc, %pos, %len : tensor<1x2x16x8xf16>, tensor<1x2x16x4xf16>, tensor<1x16xi64>, tensor<3xi64>) -> tensor<1x2x16x8xf16>, tensor<1x2x16x4xf16>, tensor<1x16xi64>, tensor<3xi64>
  return
}

// -----

func.func @cache_heads_values(%kn: tensor<1x2x1x8xf16>, %vn: tensor<1x1x1x4xf16>, %kc: tensor<1x2x16x8xf16>, %vc: tensor<1x2x16x4xf16>, %pos: tensor<1x16xi64>, %len: tensor<1xi64>) {
  // expected-error @+1 {{expects new_keys and new_values to agree on the head count Hkv, got 2 and 1}}
  %r:4 = bitsink.cache_append ins(%kn, %vn : tensor<1x2x1x8xf16>, tensor<1x1x1x4xf16>) outs(%kc, %vc, %pos, %len : tensor<1x2x16x8xf16>, tensor<1x2x16x4xf16>, tensor<1x16xi64>, tensor<1xi64>) -> tensor<1x2x16x8xf16>, tensor<1x2x16x4xf16>, tensor<1x16xi64>, tensor<1xi64>
  return
}

// -----

func.func @cache_heads_key_cache(%kn: tensor<1x2x1x8xf16>, %vn: tensor<1x2x1x4xf16>, %kc: tensor<1x4x16x8xf16>, %vc: tensor<1x2x16x4xf16>, %pos: tensor<1x16xi64>, %len: tensor<1xi64>) {
  // expected-error @+1 {{expects new_keys and key_cache to agree on the head count Hkv, got 2 and 4}}
  %r:4 = bitsink.cache_append ins(%kn, %vn : tensor<1x2x1x8xf16>, tensor<1x2x1x4xf16>) outs(%kc, %vc, %pos, %len : tensor<1x4x16x8xf16>, tensor<1x2x16x4xf16>, tensor<1x16xi64>, tensor<1xi64>) -> tensor<1x4x16x8xf16>, tensor<1x2x16x4xf16>, tensor<1x16xi64>, tensor<1xi64>
  return
}

// -----

func.func @cache_heads_value_cache(%kn: tensor<1x2x1x8xf16>, %vn: tensor<1x2x1x4xf16>, %kc: tensor<1x2x16x8xf16>, %vc: tensor<1x4x16x4xf16>, %pos: tensor<1x16xi64>, %len: tensor<1xi64>) {
  // expected-error @+1 {{expects new_keys and value_cache to agree on the head count Hkv, got 2 and 4}}
  %r:4 = bitsink.cache_append ins(%kn, %vn : tensor<1x2x1x8xf16>, tensor<1x2x1x4xf16>) outs(%kc, %vc, %pos, %len : tensor<1x2x16x8xf16>, tensor<1x4x16x4xf16>, tensor<1x16xi64>, tensor<1xi64>) -> tensor<1x2x16x8xf16>, tensor<1x4x16x4xf16>, tensor<1x16xi64>, tensor<1xi64>
  return
}

// -----

func.func @cache_tokens(%kn: tensor<1x2x1x8xf16>, %vn: tensor<1x2x2x4xf16>, %kc: tensor<1x2x16x8xf16>, %vc: tensor<1x2x16x4xf16>, %pos: tensor<1x16xi64>, %len: tensor<1xi64>) {
  // expected-error @+1 {{expects new_keys and new_values to agree on the new token count T, got 1 and 2}}
  %r:4 = bitsink.cache_append ins(%kn, %vn : tensor<1x2x1x8xf16>, tensor<1x2x2x4xf16>) outs(%kc, %vc, %pos, %len : tensor<1x2x16x8xf16>, tensor<1x2x16x4xf16>, tensor<1x16xi64>, tensor<1xi64>) -> tensor<1x2x16x8xf16>, tensor<1x2x16x4xf16>, tensor<1x16xi64>, tensor<1xi64>
  return
}

// -----

func.func @cache_capacity(%kn: tensor<1x2x1x8xf16>, %vn: tensor<1x2x1x4xf16>, %kc: tensor<1x2x16x8xf16>, %vc: tensor<1x2x8x4xf16>, %pos: tensor<1x16xi64>, %len: tensor<1xi64>) {
  // expected-error @+1 {{expects key_cache and value_cache to agree on the capacity C, got 16 and 8}}
  %r:4 = bitsink.cache_append ins(%kn, %vn : tensor<1x2x1x8xf16>, tensor<1x2x1x4xf16>) outs(%kc, %vc, %pos, %len : tensor<1x2x16x8xf16>, tensor<1x2x8x4xf16>, tensor<1x16xi64>, tensor<1xi64>) -> tensor<1x2x16x8xf16>, tensor<1x2x8x4xf16>, tensor<1x16xi64>, tensor<1xi64>
  return
}

// -----

func.func @cache_capacity_positions(%kn: tensor<1x2x1x8xf16>, %vn: tensor<1x2x1x4xf16>, %kc: tensor<1x2x16x8xf16>, %vc: tensor<1x2x16x4xf16>, %pos: tensor<1x8xi64>, %len: tensor<1xi64>) {
  // expected-error @+1 {{expects key_cache and positions to agree on the capacity C, got 16 and 8}}
  %r:4 = bitsink.cache_append ins(%kn, %vn : tensor<1x2x1x8xf16>, tensor<1x2x1x4xf16>) outs(%kc, %vc, %pos, %len : tensor<1x2x16x8xf16>, tensor<1x2x16x4xf16>, tensor<1x8xi64>, tensor<1xi64>) -> tensor<1x2x16x8xf16>, tensor<1x2x16x4xf16>, tensor<1x8xi64>, tensor<1xi64>
  return
}

// -----

func.func @cache_head_dim(%kn: tensor<1x2x1x8xf16>, %vn: tensor<1x2x1x4xf16>, %kc: tensor<1x2x16x4xf16>, %vc: tensor<1x2x16x4xf16>, %pos: tensor<1x16xi64>, %len: tensor<1xi64>) {
  // expected-error @+1 {{expects new_keys and key_cache to agree on the head dim D, got 8 and 4}}
  %r:4 = bitsink.cache_append ins(%kn, %vn : tensor<1x2x1x8xf16>, tensor<1x2x1x4xf16>) outs(%kc, %vc, %pos, %len : tensor<1x2x16x4xf16>, tensor<1x2x16x4xf16>, tensor<1x16xi64>, tensor<1xi64>) -> tensor<1x2x16x4xf16>, tensor<1x2x16x4xf16>, tensor<1x16xi64>, tensor<1xi64>
  return
}

// -----

func.func @cache_value_head_dim(%kn: tensor<1x2x1x8xf16>, %vn: tensor<1x2x1x4xf16>, %kc: tensor<1x2x16x8xf16>, %vc: tensor<1x2x16x8xf16>, %pos: tensor<1x16xi64>, %len: tensor<1xi64>) {
  // expected-error @+1 {{expects new_values and value_cache to agree on the value head dim Dv, got 4 and 8}}
  %r:4 = bitsink.cache_append ins(%kn, %vn : tensor<1x2x1x8xf16>, tensor<1x2x1x4xf16>) outs(%kc, %vc, %pos, %len : tensor<1x2x16x8xf16>, tensor<1x2x16x8xf16>, tensor<1x16xi64>, tensor<1xi64>) -> tensor<1x2x16x8xf16>, tensor<1x2x16x8xf16>, tensor<1x16xi64>, tensor<1xi64>
  return
}

// -----

func.func @cache_negative_sinks(%kn: tensor<1x2x1x8xf16>, %vn: tensor<1x2x1x4xf16>, %kc: tensor<1x2x16x8xf16>, %vc: tensor<1x2x16x4xf16>, %pos: tensor<1x16xi64>, %len: tensor<1xi64>) {
  // expected-error @+1 {{expects num_sinks to be non-negative, got -2}}
  %r:4 = bitsink.cache_append ins(%kn, %vn : tensor<1x2x1x8xf16>, tensor<1x2x1x4xf16>) outs(%kc, %vc, %pos, %len : tensor<1x2x16x8xf16>, tensor<1x2x16x4xf16>, tensor<1x16xi64>, tensor<1xi64>) {num_sinks = -2} -> tensor<1x2x16x8xf16>, tensor<1x2x16x4xf16>, tensor<1x16xi64>, tensor<1xi64>
  return
}

// -----

func.func @cache_sinks_fill_capacity(%kn: tensor<1x2x1x8xf16>, %vn: tensor<1x2x1x4xf16>, %kc: tensor<1x2x16x8xf16>, %vc: tensor<1x2x16x4xf16>, %pos: tensor<1x16xi64>, %len: tensor<1xi64>) {
  // expected-error @+1 {{expects num_sinks (16) to be smaller than the cache capacity C (16) so the ring keeps at least one slot}}
  %r:4 = bitsink.cache_append ins(%kn, %vn : tensor<1x2x1x8xf16>, tensor<1x2x1x4xf16>) outs(%kc, %vc, %pos, %len : tensor<1x2x16x8xf16>, tensor<1x2x16x4xf16>, tensor<1x16xi64>, tensor<1xi64>) {num_sinks = 16} -> tensor<1x2x16x8xf16>, tensor<1x2x16x4xf16>, tensor<1x16xi64>, tensor<1xi64>
  return
}

// -----

func.func @cache_position_mode(%kn: tensor<1x2x1x8xf16>, %vn: tensor<1x2x1x4xf16>, %kc: tensor<1x2x16x8xf16>, %vc: tensor<1x2x16x4xf16>, %pos: tensor<1x16xi64>, %len: tensor<1xi64>) {
  // expected-error @+1 {{attribute 'position_mode' failed to satisfy constraint}}
  %r:4 = bitsink.cache_append ins(%kn, %vn : tensor<1x2x1x8xf16>, tensor<1x2x1x4xf16>) outs(%kc, %vc, %pos, %len : tensor<1x2x16x8xf16>, tensor<1x2x16x4xf16>, tensor<1x16xi64>, tensor<1xi64>) {position_mode = #bitsink.plane_kind<binary>} -> tensor<1x2x16x8xf16>, tensor<1x2x16x4xf16>, tensor<1x16xi64>, tensor<1xi64>
  return
}

// -----

func.func @cache_results(%kn: tensor<1x2x1x8xf16>, %vn: tensor<1x2x1x4xf16>, %kc: tensor<1x2x16x8xf16>, %vc: tensor<1x2x16x4xf16>, %pos: tensor<1x16xi64>, %len: tensor<1xi64>) {
  // expected-error @+1 {{expects one result per init (4), got 3}}
  %r:3 = bitsink.cache_append ins(%kn, %vn : tensor<1x2x1x8xf16>, tensor<1x2x1x4xf16>) outs(%kc, %vc, %pos, %len : tensor<1x2x16x8xf16>, tensor<1x2x16x4xf16>, tensor<1x16xi64>, tensor<1xi64>) -> tensor<1x2x16x8xf16>, tensor<1x2x16x4xf16>, tensor<1x16xi64>
  return
}

// -----

func.func @bpm_input_rank(%x: tensor<4x100x1xf16>, %p: tensor<2x4x10xi32>, %c: tensor<1x3x10xf16>, %acc: tensor<4x10xf32>) {
  // expected-error @+1 {{expects input to have rank 2 (M x K), got 3}}
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<4x100x1xf16>, tensor<2x4x10xi32>, tensor<1x3x10xf16>) outs(%acc : tensor<4x10xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 128} -> tensor<4x10xf32>
  return
}

// -----

func.func @bpm_planes_rank(%x: tensor<4x100xf16>, %p: tensor<2x4x10x1xi32>, %c: tensor<1x3x10xf16>, %acc: tensor<4x10xf32>) {
  // expected-error @+1 {{expects planes to have rank 3 (P x KW x N), got 4}}
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<4x100xf16>, tensor<2x4x10x1xi32>, tensor<1x3x10xf16>) outs(%acc : tensor<4x10xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 128} -> tensor<4x10xf32>
  return
}

// -----

func.func @bpm_planes_rank_layout(%x: tensor<4x100xf16>, %p: tensor<2x4x10xi32>, %c: tensor<1x3x10xf16>, %acc: tensor<4x10xf32>) {
  // expected-error @+1 {{expects planes to have rank 5 (ceil(N/n_tile) x ceil(KW/k_tile) x P x k_tile x n_tile), got 3}}
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<4x100xf16>, tensor<2x4x10xi32>, tensor<1x3x10xf16>) outs(%acc : tensor<4x10xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 128, layout = #bitsink.layout<n_tile = 8, k_tile = 1>} -> tensor<4x10xf32>
  return
}

// -----

func.func @bpm_coeffs_rank(%x: tensor<4x100xf16>, %p: tensor<2x4x10xi32>, %c: tensor<3x10xf16>, %acc: tensor<4x10xf32>) {
  // expected-error @+1 {{expects coeffs to have rank 3 (G x C x N), got 2}}
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<4x100xf16>, tensor<2x4x10xi32>, tensor<3x10xf16>) outs(%acc : tensor<4x10xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 128} -> tensor<4x10xf32>
  return
}

// -----

func.func @bpm_acc_rank(%x: tensor<4x100xf16>, %p: tensor<2x4x10xi32>, %c: tensor<1x3x10xf16>, %acc: tensor<40xf32>) {
  // expected-error @+1 {{expects acc to have rank 2 (M x N), got 1}}
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<4x100xf16>, tensor<2x4x10xi32>, tensor<1x3x10xf16>) outs(%acc : tensor<40xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 128} -> tensor<40xf32>
  return
}

// -----

func.func @bpm_input_type(%x: tensor<4x100xi8>, %p: tensor<2x4x10xi32>, %c: tensor<1x3x10xf16>, %acc: tensor<4x10xf32>) {
  // expected-error @+1 {{expects input element type to be f32, f16 or bf16, got 'i8'}}
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<4x100xi8>, tensor<2x4x10xi32>, tensor<1x3x10xf16>) outs(%acc : tensor<4x10xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 128} -> tensor<4x10xf32>
  return
}

// -----

func.func @bpm_planes_type(%x: tensor<4x100xf16>, %p: tensor<2x4x10xi64>, %c: tensor<1x3x10xf16>, %acc: tensor<4x10xf32>) {
  // expected-error @+1 {{expects planes element type to be i32, got 'i64'}}
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<4x100xf16>, tensor<2x4x10xi64>, tensor<1x3x10xf16>) outs(%acc : tensor<4x10xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 128} -> tensor<4x10xf32>
  return
}

// -----

func.func @bpm_coeffs_type(%x: tensor<4x100xf16>, %p: tensor<2x4x10xi32>, %c: tensor<1x3x10xbf16>, %acc: tensor<4x10xf32>) {
  // expected-error @+1 {{expects coeffs element type to be f16 or f32, got 'bf16'}}
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<4x100xf16>, tensor<2x4x10xi32>, tensor<1x3x10xbf16>) outs(%acc : tensor<4x10xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 128} -> tensor<4x10xf32>
  return
}

// -----

func.func @bpm_acc_type(%x: tensor<4x100xf16>, %p: tensor<2x4x10xi32>, %c: tensor<1x3x10xf16>, %acc: tensor<4x10xbf16>) {
  // expected-error @+1 {{expects acc element type to be f32 or the input element type ('f16'), got 'bf16'}}
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<4x100xf16>, tensor<2x4x10xi32>, tensor<1x3x10xf16>) outs(%acc : tensor<4x10xbf16>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 128} -> tensor<4x10xbf16>
  return
}

// -----

func.func @bpm_rows(%x: tensor<4x100xf16>, %p: tensor<2x4x10xi32>, %c: tensor<1x3x10xf16>, %acc: tensor<5x10xf32>) {
  // expected-error @+1 {{expects input and acc to agree on the row count M, got 4 and 5}}
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<4x100xf16>, tensor<2x4x10xi32>, tensor<1x3x10xf16>) outs(%acc : tensor<5x10xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 128} -> tensor<5x10xf32>
  return
}

// -----

func.func @bpm_coeff_outputs(%x: tensor<4x100xf16>, %p: tensor<2x4x10xi32>, %c: tensor<1x3x12xf16>, %acc: tensor<4x10xf32>) {
  // expected-error @+1 {{expects coeffs and acc to agree on the output count N, got 12 and 10}}
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<4x100xf16>, tensor<2x4x10xi32>, tensor<1x3x12xf16>) outs(%acc : tensor<4x10xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 128} -> tensor<4x10xf32>
  return
}

// -----

func.func @bpm_plane_outputs(%x: tensor<4x100xf16>, %p: tensor<2x4x12xi32>, %c: tensor<1x3x10xf16>, %acc: tensor<4x10xf32>) {
  // expected-error @+1 {{expects planes and acc to agree on the output count N, got 12 and 10}}
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<4x100xf16>, tensor<2x4x12xi32>, tensor<1x3x10xf16>) outs(%acc : tensor<4x10xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 128} -> tensor<4x10xf32>
  return
}

// -----

func.func @bpm_dynamic_planes(%x: tensor<4x100xf16>, %p: tensor<?x4x10xi32>, %c: tensor<1x3x10xf16>, %acc: tensor<4x10xf32>) {
  // expected-error @+1 {{expects a static plane count P}}
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<4x100xf16>, tensor<?x4x10xi32>, tensor<1x3x10xf16>) outs(%acc : tensor<4x10xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 128} -> tensor<4x10xf32>
  return
}

// -----

func.func @bpm_too_many_planes(%x: tensor<4x100xf16>, %p: tensor<5x4x10xi32>, %c: tensor<1x6x10xf16>, %acc: tensor<4x10xf32>) {
  // expected-error @+1 {{expects 1 to 4 stored planes (P) for binary planes, got 5}}
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<4x100xf16>, tensor<5x4x10xi32>, tensor<1x6x10xf16>) outs(%acc : tensor<4x10xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 128} -> tensor<4x10xf32>
  return
}

// -----

func.func @bpm_no_signed_planes(%x: tensor<4x100xf16>, %p: tensor<0x4x10xi32>, %c: tensor<1x1x10xf16>, %acc: tensor<4x10xf32>) {
  // expected-error @+1 {{expects 1 to 4 stored planes (P) for signed planes, got 0}}
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<4x100xf16>, tensor<0x4x10xi32>, tensor<1x1x10xf16>) outs(%acc : tensor<4x10xf32>)
         {plane_kind = #bitsink.plane_kind<signed>, group_size = 128} -> tensor<4x10xf32>
  return
}

// -----

func.func @bpm_ternary_planes(%x: tensor<4x100xf16>, %p: tensor<3x4x10xi32>, %c: tensor<1x2x10xf16>, %acc: tensor<4x10xf32>) {
  // expected-error @+1 {{expects 2 or 4 stored planes (P) for ternary planes, got 3}}
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<4x100xf16>, tensor<3x4x10xi32>, tensor<1x2x10xf16>) outs(%acc : tensor<4x10xf32>)
         {plane_kind = #bitsink.plane_kind<ternary>, group_size = 128} -> tensor<4x10xf32>
  return
}

// -----

func.func @bpm_words(%x: tensor<4x100xf16>, %p: tensor<2x3x10xi32>, %c: tensor<1x3x10xf16>, %acc: tensor<4x10xf32>) {
  // expected-error @+1 {{expects planes dimension 1 (KW = ceil(K/32)) to be 4, got 3}}
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<4x100xf16>, tensor<2x3x10xi32>, tensor<1x3x10xf16>) outs(%acc : tensor<4x10xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 128} -> tensor<4x10xf32>
  return
}

// -----

func.func @bpm_group_size_zero(%x: tensor<4x100xf16>, %p: tensor<2x4x10xi32>, %c: tensor<1x3x10xf16>, %acc: tensor<4x10xf32>) {
  // expected-error @+1 {{expects group_size to be positive, got 0}}
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<4x100xf16>, tensor<2x4x10xi32>, tensor<1x3x10xf16>) outs(%acc : tensor<4x10xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 0} -> tensor<4x10xf32>
  return
}

// -----

func.func @bpm_group_size(%x: tensor<4x256xf16>, %p: tensor<2x8x10xi32>, %c: tensor<6x3x10xf16>, %acc: tensor<4x10xf32>) {
  // expected-error @+1 {{expects group_size to be a multiple of 32 or at least K (256), got 48}}
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<4x256xf16>, tensor<2x8x10xi32>, tensor<6x3x10xf16>) outs(%acc : tensor<4x10xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 48} -> tensor<4x10xf32>
  return
}

// -----

func.func @bpm_group_size_dynamic_k(%x: tensor<4x?xf16>, %p: tensor<2x4x10xi32>, %c: tensor<1x3x10xf16>, %acc: tensor<4x10xf32>) {
  // expected-error @+1 {{expects group_size to be a multiple of 32 or at least K (?), got 100}}
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<4x?xf16>, tensor<2x4x10xi32>, tensor<1x3x10xf16>) outs(%acc : tensor<4x10xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 100} -> tensor<4x10xf32>
  return
}

// -----

func.func @bpm_groups(%x: tensor<4x256xf16>, %p: tensor<2x8x10xi32>, %c: tensor<1x3x10xf16>, %acc: tensor<4x10xf32>) {
  // expected-error @+1 {{expects coeffs dimension 0 (G = ceil(K/group_size)) to be 4, got 1}}
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<4x256xf16>, tensor<2x8x10xi32>, tensor<1x3x10xf16>) outs(%acc : tensor<4x10xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 64} -> tensor<4x10xf32>
  return
}

// -----

func.func @bpm_coefficients(%x: tensor<4x100xf16>, %p: tensor<2x4x10xi32>, %c: tensor<1x2x10xf16>, %acc: tensor<4x10xf32>) {
  // expected-error @+1 {{expects coeffs dimension 1 (C = terms + 1) to be 3, got 2}}
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<4x100xf16>, tensor<2x4x10xi32>, tensor<1x2x10xf16>) outs(%acc : tensor<4x10xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 128} -> tensor<4x10xf32>
  return
}

// -----

func.func @bpm_ternary_coefficients(%x: tensor<4x100xf16>, %p: tensor<4x4x10xi32>, %c: tensor<1x5x10xf16>, %acc: tensor<4x10xf32>) {
  // expected-error @+1 {{expects coeffs dimension 1 (C = terms + 1) to be 3, got 5}}
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<4x100xf16>, tensor<4x4x10xi32>, tensor<1x5x10xf16>) outs(%acc : tensor<4x10xf32>)
         {plane_kind = #bitsink.plane_kind<ternary>, group_size = 128} -> tensor<4x10xf32>
  return
}

// -----

func.func @bpm_layout_blocks(%x: tensor<4x100xf16>, %p: tensor<1x4x2x1x8xi32>, %c: tensor<1x3x10xf16>, %acc: tensor<4x10xf32>) {
  // expected-error @+1 {{expects planes dimension 0 (ceil(N/n_tile)) to be 2, got 1}}
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<4x100xf16>, tensor<1x4x2x1x8xi32>, tensor<1x3x10xf16>) outs(%acc : tensor<4x10xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 128, layout = #bitsink.layout<n_tile = 8, k_tile = 1>} -> tensor<4x10xf32>
  return
}

// -----

func.func @bpm_layout_words(%x: tensor<4x100xf16>, %p: tensor<2x4x2x2x8xi32>, %c: tensor<1x3x10xf16>, %acc: tensor<4x10xf32>) {
  // expected-error @+1 {{expects planes dimension 1 (ceil(ceil(K/32)/k_tile)) to be 2, got 4}}
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<4x100xf16>, tensor<2x4x2x2x8xi32>, tensor<1x3x10xf16>) outs(%acc : tensor<4x10xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 128, layout = #bitsink.layout<n_tile = 8, k_tile = 2>} -> tensor<4x10xf32>
  return
}

// -----

func.func @bpm_layout_k_tile(%x: tensor<4x100xf16>, %p: tensor<2x2x2x1x8xi32>, %c: tensor<1x3x10xf16>, %acc: tensor<4x10xf32>) {
  // expected-error @+1 {{expects planes dimension 3 (k_tile) to be 2, got 1}}
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<4x100xf16>, tensor<2x2x2x1x8xi32>, tensor<1x3x10xf16>) outs(%acc : tensor<4x10xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 128, layout = #bitsink.layout<n_tile = 8, k_tile = 2>} -> tensor<4x10xf32>
  return
}

// -----

func.func @bpm_layout_n_tile(%x: tensor<4x100xf16>, %p: tensor<2x4x2x1x5xi32>, %c: tensor<1x3x10xf16>, %acc: tensor<4x10xf32>) {
  // expected-error @+1 {{expects planes dimension 4 (n_tile) to be 8, got 5}}
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<4x100xf16>, tensor<2x4x2x1x5xi32>, tensor<1x3x10xf16>) outs(%acc : tensor<4x10xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 128, layout = #bitsink.layout<n_tile = 8, k_tile = 1>} -> tensor<4x10xf32>
  return
}

// -----

func.func @bpm_layout_zero_tile(%x: tensor<4x100xf16>, %p: tensor<2x4x2x1x8xi32>, %c: tensor<1x3x10xf16>, %acc: tensor<4x10xf32>) {
  // expected-error @+2 {{expects n_tile to be at least 1, got 0}}
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<4x100xf16>, tensor<2x4x2x1x8xi32>, tensor<1x3x10xf16>) outs(%acc : tensor<4x10xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 128, layout = #bitsink.layout<n_tile = 0, k_tile = 1>} -> tensor<4x10xf32>
  return
}

// -----

func.func @bpm_layout_zero_k_tile(%x: tensor<4x100xf16>, %p: tensor<2x4x2x1x8xi32>, %c: tensor<1x3x10xf16>, %acc: tensor<4x10xf32>) {
  // expected-error @+2 {{expects k_tile to be at least 1, got 0}}
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<4x100xf16>, tensor<2x4x2x1x8xi32>, tensor<1x3x10xf16>) outs(%acc : tensor<4x10xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 128, layout = #bitsink.layout<n_tile = 8, k_tile = 0>} -> tensor<4x10xf32>
  return
}

// -----

func.func @bpm_plane_kind(%x: tensor<4x100xf16>, %p: tensor<2x4x10xi32>, %c: tensor<1x3x10xf16>, %acc: tensor<4x10xf32>) {
  // expected-error @+3 {{expected ::bitsink::PlaneKind to be one of: binary, signed, ternary}}
  // expected-error @+2 {{failed to parse BitSink_PlaneKindAttr parameter 'value'}}
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<4x100xf16>, tensor<2x4x10xi32>, tensor<1x3x10xf16>) outs(%acc : tensor<4x10xf32>)
         {plane_kind = #bitsink.plane_kind<quaternary>, group_size = 128} -> tensor<4x10xf32>
  return
}

// -----

// Shapes whose byte size does not fit 64-bit index arithmetic are rejected,
// not wrapped: 2 · 3037000500² f32 elements are 2^66 bytes.
func.func @attention_too_large(%q: tensor<1x2x3037000500x3037000500xf32>, %k: tensor<1x2x3037000500x3037000500xf32>, %v: tensor<1x2x3037000500x4xf32>, %init: tensor<1x2x3037000500x4xf32>) -> tensor<1x2x3037000500x4xf32> {
  // expected-error @+1 {{expects operand #0 ('tensor<1x2x3037000500x3037000500xf32>') to hold fewer than 2^63 bytes}}
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x2x3037000500x3037000500xf32>, tensor<1x2x3037000500x3037000500xf32>, tensor<1x2x3037000500x4xf32>) outs(%init : tensor<1x2x3037000500x4xf32>) {causal = true} -> tensor<1x2x3037000500x4xf32>
  return %o : tensor<1x2x3037000500x4xf32>
}

// -----

// 2^32 · 2^30 i32 words of planes: 2^64 bytes.
func.func @bitplane_too_large(%x: tensor<1x137438953472xf32>, %p: tensor<1x4294967296x1073741824xi32>, %c: tensor<1x2x1073741824xf32>, %acc: tensor<1x1073741824xf32>) -> tensor<1x1073741824xf32> {
  // expected-error @+1 {{expects operand #1 ('tensor<1x4294967296x1073741824xi32>') to hold fewer than 2^63 bytes}}
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<1x137438953472xf32>, tensor<1x4294967296x1073741824xi32>, tensor<1x2x1073741824xf32>) outs(%acc : tensor<1x1073741824xf32>) {plane_kind = #bitsink.plane_kind<binary>, group_size = 137438953472} -> tensor<1x1073741824xf32>
  return %y : tensor<1x1073741824xf32>
}

// -----

func.func @attention_zero_head_dim(%q: tensor<1x2x3x0xf32>, %k: tensor<1x1x5x0xf32>, %v: tensor<1x1x5x4xf32>, %init: tensor<1x2x3x4xf32>) -> tensor<1x2x3x4xf32> {
  // expected-error @+1 {{expects a positive head dim D, got 0}}
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x2x3x0xf32>, tensor<1x1x5x0xf32>, tensor<1x1x5x4xf32>) outs(%init : tensor<1x2x3x4xf32>) {causal = true} -> tensor<1x2x3x4xf32>
  return %o : tensor<1x2x3x4xf32>
}

// -----

func.func @rope_dims_above_head_dim(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x32x16xf32>, %v: tensor<1x2x32x16xf32>, %init: tensor<1x4x8x16xf32>) {
  // expected-error @+1 {{expects rope dims (32) to be at most the head dim D (16)}}
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>) outs(%init : tensor<1x4x8x16xf32>) {rope = #bitsink.rope<theta = 10000.0, dims = 32, style = half>} -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @rope_odd_dims(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x32x16xf32>, %v: tensor<1x2x32x16xf32>, %init: tensor<1x4x8x16xf32>) {
  // expected-error @+1 {{expects rope dims to be even and non-negative, got 7}}
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>) outs(%init : tensor<1x4x8x16xf32>) {rope = #bitsink.rope<theta = 10000.0, dims = 7, style = half>} -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @rope_bad_theta(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x32x16xf32>, %v: tensor<1x2x32x16xf32>, %init: tensor<1x4x8x16xf32>) {
  // expected-error @+1 {{expects rope theta to be positive, finite and normal, got 0.000000e+00}}
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>) outs(%init : tensor<1x4x8x16xf32>) {rope = #bitsink.rope<theta = 0.0, dims = 8, style = half>} -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @rope_bad_style(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x32x16xf32>, %v: tensor<1x2x32x16xf32>, %init: tensor<1x4x8x16xf32>) {
  // expected-error @+1 {{expects rope style 'half' or 'interleaved', got 'neox'}}
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>) outs(%init : tensor<1x4x8x16xf32>) {rope = #bitsink.rope<theta = 10000.0, dims = 8, style = neox>} -> tensor<1x4x8x16xf32>
  return
}

// -----

// A hex literal is read as the bits of a double: 0x47C35000 (1e5 as an f32)
// is a denormal theta here, which is refused rather than silently used.
func.func @rope_hex_theta(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x32x16xf32>, %v: tensor<1x2x32x16xf32>, %init: tensor<1x4x8x16xf32>) {
  // expected-error @+1 {{expects rope theta to be positive, finite and normal}}
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>) outs(%init : tensor<1x4x8x16xf32>) {rope = #bitsink.rope<theta = 0x47C35000, dims = 8, style = half>} -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @bpm_scales_without_sub_block(%x: tensor<4x100xf16>, %p: tensor<2x4x10xi32>, %c: tensor<1x3x10xf16>, %s: tensor<1x10xi32>, %acc: tensor<4x10xf32>) {
  // expected-error @+1 {{expects sub_block (8, 16 or 32) with a scales operand}}
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<4x100xf16>, tensor<2x4x10xi32>, tensor<1x3x10xf16>) scales(%s : tensor<1x10xi32>) outs(%acc : tensor<4x10xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 128} -> tensor<4x10xf32>
  return
}

// -----

func.func @bpm_scales_bad_sub_block(%x: tensor<4x100xf16>, %p: tensor<2x4x10xi32>, %c: tensor<1x3x10xf16>, %s: tensor<1x10xi32>, %acc: tensor<4x10xf32>) {
  // expected-error @+1 {{expects sub_block to be 8, 16 or 32, got 24}}
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<4x100xf16>, tensor<2x4x10xi32>, tensor<1x3x10xf16>) scales(%s : tensor<1x10xi32>) outs(%acc : tensor<4x10xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 128, sub_block = 24} -> tensor<4x10xf32>
  return
}

// -----

func.func @bpm_scales_sub_block_group(%x: tensor<4x100xf16>, %p: tensor<2x4x10xi32>, %c: tensor<1x3x10xf16>, %s: tensor<1x10xi32>, %acc: tensor<4x10xf32>) {
  // expected-error @+1 {{expects sub_block to be 8, 16 or 32, got 64}}
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<4x100xf16>, tensor<2x4x10xi32>, tensor<1x3x10xf16>) scales(%s : tensor<1x10xi32>) outs(%acc : tensor<4x10xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 128, sub_block = 64} -> tensor<4x10xf32>
  return
}

// -----

func.func @bpm_scales_rows(%x: tensor<4x100xf16>, %p: tensor<2x4x10xi32>, %c: tensor<1x3x10xf16>, %s: tensor<1x10xi32>, %acc: tensor<4x10xf32>) {
  // expected-error @+1 {{expects scales dimension 0 (SW = ceil(ceil(K/sub_block)/8)) to be 2, got 1}}
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<4x100xf16>, tensor<2x4x10xi32>, tensor<1x3x10xf16>) scales(%s : tensor<1x10xi32>) outs(%acc : tensor<4x10xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 128, sub_block = 8} -> tensor<4x10xf32>
  return
}

// -----

func.func @bpm_scales_columns(%x: tensor<4x100xf16>, %p: tensor<2x4x10xi32>, %c: tensor<1x3x10xf16>, %s: tensor<1x11xi32>, %acc: tensor<4x10xf32>) {
  // expected-error @+1 {{expects scales and acc to agree on the output count N, got 11 and 10}}
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<4x100xf16>, tensor<2x4x10xi32>, tensor<1x3x10xf16>) scales(%s : tensor<1x11xi32>) outs(%acc : tensor<4x10xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 128, sub_block = 16} -> tensor<4x10xf32>
  return
}

// -----

func.func @bpm_scales_type(%x: tensor<4x100xf16>, %p: tensor<2x4x10xi32>, %c: tensor<1x3x10xf16>, %s: tensor<1x10xi64>, %acc: tensor<4x10xf32>) {
  // expected-error @+1 {{expects scales element type to be i32, got 'i64'}}
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<4x100xf16>, tensor<2x4x10xi32>, tensor<1x3x10xf16>) scales(%s : tensor<1x10xi64>) outs(%acc : tensor<4x10xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 128, sub_block = 16} -> tensor<4x10xf32>
  return
}

// -----

func.func @bpm_scales_rank(%x: tensor<4x100xf16>, %p: tensor<2x4x10xi32>, %c: tensor<1x3x10xf16>, %s: tensor<10xi32>, %acc: tensor<4x10xf32>) {
  // expected-error @+1 {{expects scales to have rank 2 (SW x N), got 1}}
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<4x100xf16>, tensor<2x4x10xi32>, tensor<1x3x10xf16>) scales(%s : tensor<10xi32>) outs(%acc : tensor<4x10xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 128, sub_block = 16} -> tensor<4x10xf32>
  return
}

// -----

func.func @bpm_sub_block_without_scales(%x: tensor<4x100xf16>, %p: tensor<2x4x10xi32>, %c: tensor<1x3x10xf16>, %acc: tensor<4x10xf32>) {
  // expected-error @+1 {{has sub_block = 16 but no scales operand}}
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<4x100xf16>, tensor<2x4x10xi32>, tensor<1x3x10xf16>) outs(%acc : tensor<4x10xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 128, sub_block = 16} -> tensor<4x10xf32>
  return
}

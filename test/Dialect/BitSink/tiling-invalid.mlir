// RUN: bitsink-opt %s -split-input-file --transform-interpreter -verify-diagnostics
// Tilings that cannot be expressed fail with a diagnostic instead of
// producing wrong slices (the tiling driver adds its own two errors).

// GQA ratio 4: a tile of 2 query heads would split a kv head's group.
func.func @gqa_tile_splits_group(%q: tensor<1x8x16x32xf32>, %k: tensor<1x2x64x32xf32>,
    %v: tensor<1x2x64x32xf32>, %init: tensor<1x8x16x32xf32>) -> tensor<1x8x16x32xf32> {
  // expected-error @+3 {{expects query head tiles of a constant size that is a multiple of the GQA ratio (4)}}
  // expected-error @+2 {{faild to tile operation}}
  // expected-error @+1 {{failed to generate tiling loops}}
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x8x16x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>)
         outs(%init : tensor<1x8x16x32xf32>) {causal = true} -> tensor<1x8x16x32xf32>
  return %o : tensor<1x8x16x32xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %op = transform.structured.match ops{["bitsink.sink_attention"]} in %root : (!transform.any_op) -> !transform.any_op
    %t, %l0 = transform.structured.tile_using_for %op tile_sizes [0, 2, 0] : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

// A per-head window cannot be sliced at a loop-variant head offset.
func.func @per_head_window_tiled(%q: tensor<1x8x16x32xf32>, %k: tensor<1x2x64x32xf32>,
    %v: tensor<1x2x64x32xf32>, %init: tensor<1x8x16x32xf32>) -> tensor<1x8x16x32xf32> {
  // expected-error @+3 {{expects constant query head tiles with a per-head window}}
  // expected-error @+2 {{faild to tile operation}}
  // expected-error @+1 {{failed to generate tiling loops}}
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x8x16x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>)
         outs(%init : tensor<1x8x16x32xf32>) {causal = true, window = array<i64: 1, 2, 3, 4, 5, 6, 7, 8>} -> tensor<1x8x16x32xf32>
  return %o : tensor<1x8x16x32xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %op = transform.structured.match ops{["bitsink.sink_attention"]} in %root : (!transform.any_op) -> !transform.any_op
    %t, %l0 = transform.structured.tile_using_for %op tile_sizes [0, 4, 0] : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

// Blocked planes (n_tile = 8) cannot be cut into tiles of 12 outputs.
func.func @blocked_planes_partial_block(%x: tensor<1x128xf32>, %p: tensor<3x2x2x2x8xi32>, %c: tensor<1x3x24xf32>,
    %acc: tensor<1x24xf32>) -> tensor<1x24xf32> {
  // expected-error @+3 {{expects output tiles of a constant size that is a multiple of the layout's n_tile (8)}}
  // expected-error @+2 {{faild to tile operation}}
  // expected-error @+1 {{failed to generate tiling loops}}
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<1x128xf32>, tensor<3x2x2x2x8xi32>, tensor<1x3x24xf32>)
         outs(%acc : tensor<1x24xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 128, layout = #bitsink.layout<n_tile = 8, k_tile = 2>} -> tensor<1x24xf32>
  return %y : tensor<1x24xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %op = transform.structured.match ops{["bitsink.bitplane_matmul"]} in %root : (!transform.any_op) -> !transform.any_op
    %t, %l0 = transform.structured.tile_using_for %op tile_sizes [0, 12] : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

// Query heads of dynamic count cannot be mapped to kv heads.
func.func @dynamic_heads(%q: tensor<1x?x16x32xf32>, %k: tensor<1x?x64x32xf32>,
    %v: tensor<1x?x64x32xf32>, %init: tensor<1x?x16x32xf32>) -> tensor<1x?x16x32xf32> {
  // expected-error @+3 {{expects static Hq and Hkv to tile query heads}}
  // expected-error @+2 {{faild to tile operation}}
  // expected-error @+1 {{failed to generate tiling loops}}
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x?x16x32xf32>, tensor<1x?x64x32xf32>, tensor<1x?x64x32xf32>)
         outs(%init : tensor<1x?x16x32xf32>) -> tensor<1x?x16x32xf32>
  return %o : tensor<1x?x16x32xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %op = transform.structured.match ops{["bitsink.sink_attention"]} in %root : (!transform.any_op) -> !transform.any_op
    %t, %l0 = transform.structured.tile_using_for %op tile_sizes [0, 4, 0] : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

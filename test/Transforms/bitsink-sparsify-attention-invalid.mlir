// RUN: bitsink-opt %s -split-input-file -verify-diagnostics --bitsink-sparsify-attention="head-windows=1,2,3"
// RUN: not bitsink-opt %s --bitsink-sparsify-attention="num-sinks=-1" 2>&1 | FileCheck %s --check-prefix=SINKS
// RUN: not bitsink-opt %s --bitsink-sparsify-attention="layer-windows=8,8" 2>&1 | FileCheck %s --check-prefix=LAYERS
// RUN: not bitsink-opt %s --bitsink-sparsify-attention="layers=0 layer-sinks=1,2" 2>&1 | FileCheck %s --check-prefix=SELECTED
// RUN: not bitsink-opt %s --bitsink-sparsify-attention="layer-sinks=-3" 2>&1 | FileCheck %s --check-prefix=NEG
// Bad policies are reported on the op (or the module) and fail the pass.

// SINKS: error: bitsink-sparsify-attention: num-sinks must be non-negative, got -1
// LAYERS: error: bitsink-sparsify-attention: layer-windows has 2 entries but the module has 1 attention ops
// SELECTED: error: bitsink-sparsify-attention: layer-sinks has 2 entries but `layers` selects 1 attention ops
// NEG: error: bitsink-sparsify-attention: layer-sinks entries must be non-negative, got -3
func.func @head_count_mismatch(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x32x16xf32>,
    %v: tensor<1x2x32x16xf32>, %init: tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32> {
  // expected-error @+1 {{bitsink-sparsify-attention: head-windows has 3 entries but attention #0 has 4 query heads}}
  %0 = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>)
         outs(%init : tensor<1x4x8x16xf32>) {causal = true} -> tensor<1x4x8x16xf32>
  return %0 : tensor<1x4x8x16xf32>
}

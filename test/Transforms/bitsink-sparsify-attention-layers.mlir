// RUN: bitsink-opt %s --bitsink-sparsify-attention="layer-windows=32,-1,128 layer-sinks=2,0,4 include-non-causal=true" | FileCheck %s
// RUN: bitsink-opt %s --bitsink-sparsify-attention="layers=2,0 layer-windows=16,64 include-non-causal=true" 2>/dev/null | FileCheck %s --check-prefix=SELECT
// RUN: bitsink-opt %s --bitsink-sparsify-attention="num-sinks=1 window=8 causal=true" | FileCheck %s --check-prefix=CAUSAL
// Per-layer policies: one window and sink count per attention op in walk
// order (or per selected op, in the order of `layers`), and `causal`, which
// makes the rewritten attention causal (a decoder whose causal mask was not
// raised into the op, or an encoder turned into a streaming one on purpose).

// CHECK-LABEL: func @three_layers
// CHECK: %[[A:.*]] = bitsink.sink_attention {{.*}} {num_sinks = 2 : i64, window = 32 : i64}
// A negative window and no sinks keep layer #1 dense.
// CHECK: %[[B:.*]] = bitsink.sink_attention {{.*}} {window = -1 : i64}
// CHECK: %[[C:.*]] = bitsink.sink_attention {{.*}} {causal = true, num_sinks = 4 : i64, window = 128 : i64}

// `layers=2,0` with `layer-windows=16,64`: op #2 gets 16, op #0 gets 64.
// SELECT-LABEL: func @three_layers
// SELECT: bitsink.sink_attention {{.*}} {num_sinks = 4 : i64, window = 64 : i64}
// SELECT: bitsink.sink_attention {{.*}} outs(%{{.*}} : tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
// SELECT: bitsink.sink_attention {{.*}} {causal = true, num_sinks = 4 : i64, window = 16 : i64}

// CAUSAL-LABEL: func @three_layers
// CAUSAL-COUNT-3: bitsink.sink_attention {{.*}} {causal = true, num_sinks = 1 : i64, window = 8 : i64}
func.func @three_layers(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>,
    %v: tensor<1x2x8x16xf32>, %init: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  %0 = bitsink.sink_attention ins(%q, %k, %v : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>)
         outs(%init : tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  %1 = bitsink.sink_attention ins(%0, %k, %v : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>)
         outs(%init : tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  %2 = bitsink.sink_attention ins(%1, %k, %v : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>)
         outs(%init : tensor<1x2x8x16xf32>) {causal = true} -> tensor<1x2x8x16xf32>
  return %2 : tensor<1x2x8x16xf32>
}

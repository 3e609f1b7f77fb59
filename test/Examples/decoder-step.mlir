// RUN: bitsink-opt %S/../../examples/decoder_step.mlir \
// RUN:   --bitsink-sparsify-attention="num-sinks=4 window=256" \
// RUN:   --transform-preload-library="transform-library-paths=%S/../../examples/tile_attention.transform.mlir" \
// RUN:   --transform-interpreter --canonicalize --cse \
// RUN:   --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" \
// RUN:   --canonicalize | FileCheck %s
// The README's demo pipeline on examples/decoder_step.mlir: attention made
// sparse (4 sinks + 256-token window), tiled per kv-head group, and the
// streaming cache updated in place after bufferization.

// CHECK-LABEL: func @decoder_step
// CHECK-SAME: %[[KC:[a-zA-Z0-9]+]]: memref<1x2x512x64xf16>, %[[VC:[a-zA-Z0-9]+]]: memref<1x2x512x64xf16>, %[[POS:[a-zA-Z0-9]+]]: memref<1x512xi64>, %[[LEN:[a-zA-Z0-9]+]]: memref<1xi64>
// CHECK: bitsink.cache_append {{.*}} outs(%[[KC]], %[[VC]], %[[POS]], %[[LEN]] :
// CHECK: scf.forall (%[[G:.*]]) in (2)
// CHECK: bitsink.sink_attention {{.*}} : memref<1x4x1x64xf16, {{.*}}>, memref<1x1x512x64xf16, {{.*}}>, memref<1x1x512x64xf16, {{.*}}>) sink_logits({{.*}}) kv_len(%[[LEN]] : memref<1xi64>) key_positions(%[[POS]] : memref<1x512xi64>) {{.*}} {causal = true, num_sinks = 4 : i64, window = 256 : i64}
// CHECK: bitsink.bitplane_matmul {{.*}} : memref<1x512xf16>, memref<2x16x512xi32>, memref<4x3x512xf16>) outs(%{{.*}} : memref<1x512xf32>)
// CHECK: return %{{.*}}, %[[KC]], %[[VC]], %[[POS]], %[[LEN]]

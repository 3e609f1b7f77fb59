// RUN: bitsink-opt %s -bitsink-lower-to-cpu-kernels -verify-diagnostics -o /dev/null

// A refusal is the refusing lowering's error, and the pass fails.
func.func @dynamic_head_dim(%q: memref<1x2x4x?xf32>, %k: memref<1x2x4x?xf32>,
                            %v: memref<1x2x4x8xf32>, %o: memref<1x2x4x8xf32>) {
  // expected-error @+1 {{lowering needs static head dimensions D and Dv, got D = ?, Dv = 8}}
  bitsink.sink_attention ins(%q, %k, %v : memref<1x2x4x?xf32>,
      memref<1x2x4x?xf32>, memref<1x2x4x8xf32>)
      outs(%o : memref<1x2x4x8xf32>) {causal = true}
  return
}

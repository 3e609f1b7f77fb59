// RUN: bitsink-opt %s --bitsink-lower-attention -split-input-file -verify-diagnostics
// RUN: not bitsink-opt %s --bitsink-lower-attention="key-tile=0" 2>&1 | FileCheck %s --check-prefix=TILE
// RUN: not bitsink-opt %s --bitsink-lower-attention="key-tile=32 split-size=16" 2>&1 | FileCheck %s --check-prefix=SPLIT
// RUN: not bitsink-opt %s --bitsink-lower-attention="decode-lanes=65" 2>&1 | FileCheck %s --check-prefix=LANES

// TILE: error: bitsink-lower-attention: key-tile must be in [1, 64], got 0
// SPLIT: error: bitsink-lower-attention: split-size must be at least key-tile, got 16
// LANES: error: bitsink-lower-attention: decode-lanes must be in [1, 64], got 65

// The kernels keep D and Dv in registers: a dynamic head dimension is
// rejected with the sizes it saw.
func.func @dynamic_head_dim(%q: memref<1x2x4x?xf32>, %k: memref<1x2x4x?xf32>,
                            %v: memref<1x2x4x8xf32>, %o: memref<1x2x4x8xf32>) {
  // expected-error @+1 {{lowering needs static head dimensions D and Dv, got D = ?, Dv = 8}}
  bitsink.sink_attention ins(%q, %k, %v : memref<1x2x4x?xf32>,
      memref<1x2x4x?xf32>, memref<1x2x4x8xf32>)
      outs(%o : memref<1x2x4x8xf32>) {causal = true}
  return
}

// REQUIRES: nvptx
// RUN: bitsink-opt %s --bitsink-gpu-lower-cache-append -verify-diagnostics

// The kernel indexes the caches as dense rows (and moves them as aligned
// vectors): a strided cache is rejected.
func.func @strided_cache(%k: memref<1x2x1x8xf16>, %v: memref<1x2x1x8xf16>,
                         %kc: memref<1x2x16x8xf16, strided<[512, 256, 16, 1]>>,
                         %vc: memref<1x2x16x8xf16>, %pos: memref<1x16xi64>,
                         %len: memref<1xi64>) {
  // expected-error @+1 {{GPU lowering needs memrefs with identity layouts, got 'memref<1x2x16x8xf16, strided<[512, 256, 16, 1]>>'}}
  bitsink.cache_append ins(%k, %v : memref<1x2x1x8xf16>, memref<1x2x1x8xf16>)
      outs(%kc, %vc, %pos, %len : memref<1x2x16x8xf16, strided<[512, 256, 16, 1]>>,
           memref<1x2x16x8xf16>, memref<1x16xi64>, memref<1xi64>)
      {num_sinks = 4, position_mode = #bitsink.position_mode<original>}
  return
}

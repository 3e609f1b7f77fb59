// REQUIRES: nvptx
// RUN: bitsink-opt %s --bitsink-gpu-lower-attention -split-input-file -verify-diagnostics
// RUN: not bitsink-opt %s --bitsink-gpu-lower-attention="query-tile=24" 2>&1 | FileCheck %s --check-prefix=QTILE
// RUN: not bitsink-opt %s --bitsink-gpu-lower-attention="key-tile=256" 2>&1 | FileCheck %s --check-prefix=KTILE
// RUN: not bitsink-opt %s --bitsink-gpu-lower-attention="simt-query-tile=0" 2>&1 | FileCheck %s --check-prefix=SIMTQ
// RUN: not bitsink-opt %s --bitsink-gpu-lower-attention="decode-max-queries=-1" 2>&1 | FileCheck %s --check-prefix=DECODE
// RUN: not bitsink-opt %s --bitsink-gpu-lower-attention="decode-key-tile=64 split-size=32" 2>&1 | FileCheck %s --check-prefix=SPLIT

// QTILE: error: bitsink-gpu-lower-attention: query-tile must be a multiple of 16 in [16, 128], got 24
// KTILE: error: bitsink-gpu-lower-attention: key-tile must be a multiple of 16 in [16, 128], got 256
// SIMTQ: error: bitsink-gpu-lower-attention: simt-query-tile must be in [1, 128], got 0
// DECODE: error: bitsink-gpu-lower-attention: decode-max-queries must be in [0, 128], got -1
// SPLIT: error: bitsink-gpu-lower-attention: split-size must be at least decode-key-tile, got 32

// The kernels size shared memory and fragments from D and Dv: a dynamic
// head dimension is rejected with the sizes it saw.
func.func @dynamic_head_dim(%q: memref<1x2x4x?xf16>, %k: memref<1x2x4x?xf16>,
                            %v: memref<1x2x4x8xf16>, %o: memref<1x2x4x8xf16>) {
  // expected-error @+1 {{GPU lowering needs static head dimensions D and Dv, got D = ?, Dv = 8}}
  bitsink.sink_attention ins(%q, %k, %v : memref<1x2x4x?xf16>,
      memref<1x2x4x?xf16>, memref<1x2x4x8xf16>)
      outs(%o : memref<1x2x4x8xf16>) {causal = true}
  return
}

// -----

// cp.async and the vector loads assume dense rows.
func.func @strided(%q: memref<1x2x4x8xf32, strided<[128, 64, 16, 1]>>,
                   %k: memref<1x2x4x8xf32>, %v: memref<1x2x4x8xf32>,
                   %o: memref<1x2x4x8xf32>) {
  // expected-error @+1 {{GPU lowering needs memrefs with identity layouts, got 'memref<1x2x4x8xf32, strided<[128, 64, 16, 1]>>'}}
  bitsink.sink_attention ins(%q, %k, %v : memref<1x2x4x8xf32, strided<[128, 64, 16, 1]>>,
      memref<1x2x4x8xf32>, memref<1x2x4x8xf32>)
      outs(%o : memref<1x2x4x8xf32>) {causal = true}
  return
}

// -----

// A head dimension whose K/V tiles cannot fit 48 KiB of shared memory even
// with one key and one query row per tile.
func.func @huge_head_dim(%q: memref<1x1x8x8192xf32>, %k: memref<1x1x8x8192xf32>,
                         %v: memref<1x1x8x8192xf32>, %o: memref<1x1x8x8192xf32>) {
  // expected-error @+1 {{head dimensions D = 8192, Dv = 8192 do not fit the SIMT kernel's shared memory (49152 bytes)}}
  bitsink.sink_attention ins(%q, %k, %v : memref<1x1x8x8192xf32>,
      memref<1x1x8x8192xf32>, memref<1x1x8x8192xf32>)
      outs(%o : memref<1x1x8x8192xf32>) {causal = false}
  return
}

// RUN: bitsink-opt %s --bitsink-quantize-weights="method=bpdq planes=2 group-size=32 layer-config=layer.1.=4:64,layer.=3" | FileCheck %s
// RUN: bitsink-opt %s --bitsink-quantize-weights="method=bpdq planes=2 group-size=32 layer-config=nothing=3" 2>&1 | FileCheck %s --check-prefix=UNMATCHED
// RUN: bitsink-opt %s --bitsink-quantize-weights="method=bpdq planes=2 group-size=32 layer-config=head=none,layer.=3" 2>&1 | FileCheck %s --check-prefix=NONE
// RUN: not bitsink-opt %s --bitsink-quantize-weights="layer-config=layer.0" 2>&1 | FileCheck %s --check-prefix=SYNTAX
// RUN: not bitsink-opt %s --bitsink-quantize-weights="layer-config=layer.0=x" 2>&1 | FileCheck %s --check-prefix=NUMBER
// RUN: not bitsink-opt %s --bitsink-quantize-weights="layer-config==3" 2>&1 | FileCheck %s --check-prefix=EMPTY
// RUN: not bitsink-opt %s --bitsink-quantize-weights="layer-config=layer.0=5" 2>&1 | FileCheck %s --check-prefix=PLANES
// RUN: not bitsink-opt %s --bitsink-quantize-weights="layer-config=layer.0=3:48" 2>&1 | FileCheck %s --check-prefix=GROUP
// RUN: not bitsink-opt %s --bitsink-quantize-weights="method=trit planes=2 layer-config=layer.0=3" 2>&1 | FileCheck %s --check-prefix=TRIT
//
// Mixed precision: `layer-config` entries PATTERN=P[:G] pick the planes (and
// group size) of the weights whose names contain PATTERN; the first match
// wins and the rest use planes / group-size. The op's plane count, group
// size and the reported bits per weight follow the entry.

// CHECK-LABEL: func @mixed
// layer.0 matches only "layer.=3": 3 planes, group 32 (3 + 16*4/32 = 5 bits).
// CHECK: bitsink.bitplane_matmul ins({{.*}}tensor<3x2x8xi32>, tensor<2x4x8xf16>)
// CHECK-SAME: bits_per_weight = 5.000000e+00
// CHECK-SAME: group_size = 32 : i64
// layer.1 matches "layer.1.=4:64" first: 4 planes, one group of 64 rows.
// CHECK: bitsink.bitplane_matmul ins({{.*}}tensor<4x2x8xi32>, tensor<1x5x8xf16>)
// CHECK-SAME: bits_per_weight = 5.250000e+00
// CHECK-SAME: group_size = 64 : i64
// head matches nothing: the pass-wide planes=2, group-size=32.
// CHECK: bitsink.bitplane_matmul ins({{.*}}tensor<2x2x8xi32>, tensor<2x3x8xf16>)
// CHECK-SAME: bits_per_weight = 3.500000e+00
// CHECK-SAME: group_size = 32 : i64

// PATTERN=none keeps the matching weight float (a tied output projection),
// with a remark; the other entries still apply.
// NONE: remark: not quantized: layer-config entry 'head=none' keeps it float
// NONE: bitsink.bitplane_matmul ins({{.*}}tensor<3x2x8xi32>
// NONE: bitsink.bitplane_matmul ins({{.*}}tensor<3x2x8xi32>
// NONE: linalg.matmul ins({{.*}}tensor<64x8xf32>)
// NONE-NOT: warning

// UNMATCHED: warning: bitsink-quantize-weights: layer-config pattern 'nothing' matched no quantized weight
// SYNTAX: error: bitsink-quantize-weights: layer-config entry 'layer.0' is not PATTERN=P, PATTERN=P:G or PATTERN=none
// NUMBER: error: bitsink-quantize-weights: layer-config entry 'layer.0=x' is not PATTERN=P, PATTERN=P:G or PATTERN=none
// EMPTY: error: bitsink-quantize-weights: layer-config entry '=3' is not PATTERN=P, PATTERN=P:G or PATTERN=none
// PLANES: error: bitsink-quantize-weights: planes must be in 1-4, got 5 (layer-config entry 'layer.0=5')
// GROUP: error: bitsink-quantize-weights: group-size must be a multiple of 32 (or <= 0 for one group per output channel), got 48 (layer-config entry 'layer.0=3:48')
// TRIT: error: bitsink-quantize-weights: method trit needs planes=2 or planes=4 (one or two trit-planes), got 3 (layer-config entry 'layer.0=3')

func.func @mixed(%x: tensor<4x64xf32>, %acc: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %w0 = arith.constant {bitsink.name = "layer.0.fc"} dense<0.25> : tensor<64x8xf32>
  %w1 = arith.constant dense<0.5> : tensor<64x8xf32> loc("layer.1.fc")
  %w2 = arith.constant {bitsink.name = "head"} dense<0.75> : tensor<64x8xf32>
  %y0 = linalg.matmul ins(%x, %w0 : tensor<4x64xf32>, tensor<64x8xf32>) outs(%acc : tensor<4x8xf32>) -> tensor<4x8xf32>
  %y1 = linalg.matmul ins(%x, %w1 : tensor<4x64xf32>, tensor<64x8xf32>) outs(%y0 : tensor<4x8xf32>) -> tensor<4x8xf32>
  %y2 = linalg.matmul ins(%x, %w2 : tensor<4x64xf32>, tensor<64x8xf32>) outs(%y1 : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y2 : tensor<4x8xf32>
}

// RUN: bitsink-opt %s --bitsink-block-planes --verify-diagnostics

// Planes whose dense_resource data is not in the file cannot be blocked:
// an error at the op, and the pass fails.
func.func @elided_planes(%x: tensor<1x64xf32>, %c: tensor<1x2x16xf32>,
    %acc: tensor<1x16xf32>) -> tensor<1x16xf32> {
  %p = arith.constant dense_resource<__elided__> : tensor<1x2x16xi32>
  // expected-error @+1 {{'bitsink.bitplane_matmul' op planes cannot be blocked: its dense_resource constant holds 0 bytes, expected 128 (the blob is missing or elided)}}
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<1x64xf32>, tensor<1x2x16xi32>, tensor<1x2x16xf32>)
         outs(%acc : tensor<1x16xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 64} -> tensor<1x16xf32>
  return %y : tensor<1x16xf32>
}

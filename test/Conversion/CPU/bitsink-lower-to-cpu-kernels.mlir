// RUN: bitsink-opt %s -bitsink-lower-to-cpu-kernels | FileCheck %s
// The one walk gives what the three lowerings give one after the other
// (same defaults), op for op:
// RUN: bitsink-opt %s -bitsink-lower-to-cpu-kernels -canonicalize -cse > %t.one
// RUN: bitsink-opt %s -bitsink-lower-cache-append -bitsink-lower-attention -bitsink-lower-bitplane-matmul -canonicalize -cse > %t.three
// RUN: diff %t.one %t.three

// A decoder step's three ops, on tensors: every one is lowered.
// CHECK-LABEL: func.func @step
// CHECK-NOT: bitsink.
// CHECK: scf.parallel
// CHECK: return
func.func @step(%k: tensor<1x2x1x16xf32>, %v: tensor<1x2x1x16xf32>,
                %kc: tensor<1x2x32x16xf32>, %vc: tensor<1x2x32x16xf32>,
                %pos: tensor<1x32xi64>, %len: tensor<1xi64>,
                %q: tensor<1x4x1x16xf32>, %o: tensor<1x4x1x16xf32>,
                %x: tensor<1x128xf32>, %p: tensor<2x4x64xi32>,
                %c: tensor<1x3x64xf32>, %acc: tensor<1x64xf32>)
    -> (tensor<1x4x1x16xf32>, tensor<1x64xf32>) {
  %r:4 = bitsink.cache_append ins(%k, %v : tensor<1x2x1x16xf32>, tensor<1x2x1x16xf32>)
      outs(%kc, %vc, %pos, %len : tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>,
           tensor<1x32xi64>, tensor<1xi64>)
      {num_sinks = 4, position_mode = #bitsink.position_mode<cache>}
      -> tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>, tensor<1x32xi64>, tensor<1xi64>
  %a = bitsink.sink_attention ins(%q, %r#0, %r#1 : tensor<1x4x1x16xf32>,
      tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>)
      outs(%o : tensor<1x4x1x16xf32>) {num_sinks = 4, window = 16, causal = true}
      -> tensor<1x4x1x16xf32>
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<1x128xf32>, tensor<2x4x64xi32>, tensor<1x3x64xf32>)
      outs(%acc : tensor<1x64xf32>) {plane_kind = #bitsink.plane_kind<binary>, group_size = 128}
      -> tensor<1x64xf32>
  return %a, %y : tensor<1x4x1x16xf32>, tensor<1x64xf32>
}

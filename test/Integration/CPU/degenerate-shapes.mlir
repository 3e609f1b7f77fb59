// Degenerate shapes run and agree with the reference: zero-sized B, Hq, Nq,
// Nk, Dv (attention) and M, K, N (bit-plane matmul), and all-ones shapes.
// An empty key range gives zero rows; K = 0 leaves acc unchanged. (A zero
// head dim D is rejected by the verifier: test/Dialect/BitSink/invalid.mlir.)
//
// RUN: bitsink-run %s -e nk0 --seed=1 --int-min=-2147483648 --int-max=2147483647 --check-reference | FileCheck %s
// RUN: bitsink-run %s -e nq0 --seed=1 --int-min=-2147483648 --int-max=2147483647 --check-reference | FileCheck %s
// RUN: bitsink-run %s -e b0 --seed=1 --int-min=-2147483648 --int-max=2147483647 --check-reference | FileCheck %s
// RUN: bitsink-run %s -e hq0 --seed=1 --int-min=-2147483648 --int-max=2147483647 --check-reference | FileCheck %s
// RUN: bitsink-run %s -e m0 --seed=1 --int-min=-2147483648 --int-max=2147483647 --check-reference | FileCheck %s
// RUN: bitsink-run %s -e k0 --seed=1 --int-min=-2147483648 --int-max=2147483647 --check-reference | FileCheck %s
// RUN: bitsink-run %s -e n0 --seed=1 --int-min=-2147483648 --int-max=2147483647 --check-reference | FileCheck %s
// RUN: bitsink-run %s -e dv0 --seed=1 --int-min=-2147483648 --int-max=2147483647 --check-reference | FileCheck %s
// RUN: bitsink-run %s -e ones --seed=1 --int-min=-2147483648 --int-max=2147483647 --check-reference | FileCheck %s
// RUN: bitsink-run %s -e k1 --seed=1 --int-min=-2147483648 --int-max=2147483647 --check-reference | FileCheck %s
//
// CHECK: output 0: {{.*}} PASS

func.func @nk0(%q: tensor<1x2x3x8xf32>, %k: tensor<1x1x0x8xf32>, %v: tensor<1x1x0x4xf32>) -> tensor<1x2x3x4xf32> {
  %init = tensor.empty() : tensor<1x2x3x4xf32>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x2x3x8xf32>, tensor<1x1x0x8xf32>, tensor<1x1x0x4xf32>) outs(%init : tensor<1x2x3x4xf32>) {causal = true, num_sinks = 2 : i64, window = 4 : i64} -> tensor<1x2x3x4xf32>
  return %o : tensor<1x2x3x4xf32>
}
func.func @nq0(%q: tensor<1x2x0x8xf32>, %k: tensor<1x1x5x8xf32>, %v: tensor<1x1x5x4xf32>) -> tensor<1x2x0x4xf32> {
  %init = tensor.empty() : tensor<1x2x0x4xf32>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x2x0x8xf32>, tensor<1x1x5x8xf32>, tensor<1x1x5x4xf32>) outs(%init : tensor<1x2x0x4xf32>) {causal = true} -> tensor<1x2x0x4xf32>
  return %o : tensor<1x2x0x4xf32>
}
func.func @b0(%q: tensor<0x2x3x8xf32>, %k: tensor<0x1x5x8xf32>, %v: tensor<0x1x5x4xf32>) -> tensor<0x2x3x4xf32> {
  %init = tensor.empty() : tensor<0x2x3x4xf32>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<0x2x3x8xf32>, tensor<0x1x5x8xf32>, tensor<0x1x5x4xf32>) outs(%init : tensor<0x2x3x4xf32>) {causal = true} -> tensor<0x2x3x4xf32>
  return %o : tensor<0x2x3x4xf32>
}
func.func @hq0(%q: tensor<1x0x3x8xf32>, %k: tensor<1x1x5x8xf32>, %v: tensor<1x1x5x4xf32>) -> tensor<1x0x3x4xf32> {
  %init = tensor.empty() : tensor<1x0x3x4xf32>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x0x3x8xf32>, tensor<1x1x5x8xf32>, tensor<1x1x5x4xf32>) outs(%init : tensor<1x0x3x4xf32>) {causal = true} -> tensor<1x0x3x4xf32>
  return %o : tensor<1x0x3x4xf32>
}
func.func @m0(%x: tensor<0x40xf32>, %p: tensor<2x2x5xi32>, %c: tensor<1x3x5xf32>, %acc: tensor<0x5xf32>) -> tensor<0x5xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<0x40xf32>, tensor<2x2x5xi32>, tensor<1x3x5xf32>) outs(%acc : tensor<0x5xf32>) {plane_kind = #bitsink.plane_kind<binary>, group_size = 64} -> tensor<0x5xf32>
  return %y : tensor<0x5xf32>
}
func.func @k0(%x: tensor<2x0xf32>, %p: tensor<2x0x5xi32>, %c: tensor<0x3x5xf32>, %acc: tensor<2x5xf32>) -> tensor<2x5xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<2x0xf32>, tensor<2x0x5xi32>, tensor<0x3x5xf32>) outs(%acc : tensor<2x5xf32>) {plane_kind = #bitsink.plane_kind<binary>, group_size = 64} -> tensor<2x5xf32>
  return %y : tensor<2x5xf32>
}
func.func @n0(%x: tensor<2x40xf32>, %p: tensor<2x2x0xi32>, %c: tensor<1x3x0xf32>, %acc: tensor<2x0xf32>) -> tensor<2x0xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<2x40xf32>, tensor<2x2x0xi32>, tensor<1x3x0xf32>) outs(%acc : tensor<2x0xf32>) {plane_kind = #bitsink.plane_kind<binary>, group_size = 64} -> tensor<2x0xf32>
  return %y : tensor<2x0xf32>
}
func.func @dv0(%q: tensor<1x2x3x8xf32>, %k: tensor<1x1x5x8xf32>, %v: tensor<1x1x5x0xf32>) -> tensor<1x2x3x0xf32> {
  %init = tensor.empty() : tensor<1x2x3x0xf32>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x2x3x8xf32>, tensor<1x1x5x8xf32>, tensor<1x1x5x0xf32>) outs(%init : tensor<1x2x3x0xf32>) {causal = true} -> tensor<1x2x3x0xf32>
  return %o : tensor<1x2x3x0xf32>
}
func.func @ones(%q: tensor<1x1x1x1xf32>, %k: tensor<1x1x1x1xf32>, %v: tensor<1x1x1x1xf32>) -> tensor<1x1x1x1xf32> {
  %init = tensor.empty() : tensor<1x1x1x1xf32>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x1x1x1xf32>, tensor<1x1x1x1xf32>, tensor<1x1x1x1xf32>) outs(%init : tensor<1x1x1x1xf32>) {causal = true, num_sinks = 1 : i64, window = 1 : i64} -> tensor<1x1x1x1xf32>
  return %o : tensor<1x1x1x1xf32>
}
func.func @k1(%x: tensor<1x1xf32>, %p: tensor<1x1x1xi32>, %c: tensor<1x2x1xf32>, %acc: tensor<1x1xf32>) -> tensor<1x1xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<1x1xf32>, tensor<1x1x1xi32>, tensor<1x2x1xf32>) outs(%acc : tensor<1x1xf32>) {plane_kind = #bitsink.plane_kind<signed>, group_size = 1} -> tensor<1x1xf32>
  return %y : tensor<1x1xf32>
}

// RUN: not bitsink-opt %s 2>&1 | FileCheck %s
// Malformed input: a located diagnostic and a non-zero exit, no crash.

// CHECK: malformed.mlir:[[@LINE+2]]:{{[0-9]+}}: error:
func.func @f(%q: tensor<1x2x4x8xf32>) {
  %o = bitsink.sink_attention ins(%q, %q : tensor<1x2x4x8xf32>)
  return
}

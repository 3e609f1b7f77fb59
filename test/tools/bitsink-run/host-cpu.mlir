// REQUIRES: host-avx2
// bitsink-run JIT-compiles for the host's CPU name and features: a
// vectorisable elementwise add uses 256-bit (ymm) or 512-bit (zmm)
// registers. Code for the default x86-64 target would use xmm only.

// RUN: bitsink-run %s --dump-object=%t.o
// RUN: llvm-objdump -d %t.o | FileCheck %s
// CHECK: <main>:
// CHECK: vaddps {{.*}}%{{[yz]}}mm
// CHECK: <_mlir_main>:

func.func @main(%a: tensor<4096xf32>, %b: tensor<4096xf32>) -> tensor<4096xf32> {
  %empty = tensor.empty() : tensor<4096xf32>
  %sum = linalg.add ins(%a, %b : tensor<4096xf32>, tensor<4096xf32>)
                    outs(%empty : tensor<4096xf32>) -> tensor<4096xf32>
  return %sum : tensor<4096xf32>
}

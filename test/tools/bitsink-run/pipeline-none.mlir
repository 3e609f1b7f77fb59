// A module lowered once (here by bitsink-opt) runs with --pipeline=none when
// its entry keeps the `bitsink.signature` attribute, which bitsink-run reads
// in place of the lowered llvm.func's memref-descriptor arguments.
// c + c with c = [1, 2, 3, 4] is [2, 4, 6, 8].

// RUN: bitsink-opt %s --bitsink-cpu-pipeline -o %t.lowered.mlir
// RUN: bitsink-run %t.lowered.mlir --pipeline=none --print | FileCheck %s
// CHECK:      output 0: tensor<4xf32>
// CHECK-NEXT: [2, 4, 6, 8]

// RUN: not bitsink-run %t.lowered.mlir -e unsigned --pipeline=none 2>&1 | FileCheck %s --check-prefix=NOSIG
// NOSIG: bitsink-run: error: entry 'unsigned' has no tensor signature: a module lowered elsewhere must keep the `bitsink.signature` attribute on its entry

// RUN: not bitsink-run %s --pipeline=none 2>&1 | FileCheck %s --check-prefix=UNLOWERED
// UNLOWERED: bitsink-run: error: after the pipeline, 'main' is not an llvm.func: the module is not fully lowered to the LLVM dialect

func.func @main() -> tensor<4xf32>
    attributes {bitsink.signature = () -> tensor<4xf32>} {
  %c = arith.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %empty = tensor.empty() : tensor<4xf32>
  %sum = linalg.add ins(%c, %c : tensor<4xf32>, tensor<4xf32>)
                    outs(%empty : tensor<4xf32>) -> tensor<4xf32>
  return %sum : tensor<4xf32>
}

func.func @unsigned() -> tensor<4xf32> {
  %c = arith.constant dense<1.0> : tensor<4xf32>
  return %c : tensor<4xf32>
}

// A result the entry updates in place through an argument (here linalg.fill
// into %x, bufferized into %x's own buffer) has no out-param after
// bitsink-cpu-pipeline: bitsink-drop-aliased-results records it in
// `bitsink.result_aliases` and bitsink-run hands the argument's buffer back.
// Output 0 is %x filled with 7; output 1 is a fresh buffer, x + 1 of the
// (now filled) argument.

// RUN: bitsink-run %s -e step --print | FileCheck %s
// CHECK:      output 0: tensor<4xf32>
// CHECK-NEXT: [7, 7, 7, 7]
// CHECK:      output 1: tensor<4xf32>
// CHECK-NEXT: [8, 8, 8, 8]

// RUN: bitsink-opt %s --bitsink-cpu-pipeline -o %t.lowered.mlir
// RUN: FileCheck %s --check-prefix=LOWERED < %t.lowered.mlir
// LOWERED: llvm.func @step({{.*}}) attributes {{{.*}}bitsink.result_aliases = array<i64: 0, -1>

// A module lowered elsewhere (its entry keeps `bitsink.signature`) whose
// record does not fit the signature is rejected, not run.
// RUN: sed -e 's/array<i64: 0, -1>/array<i64: 3, -1>/' %t.lowered.mlir > %t.bad-index.mlir
// RUN: not bitsink-run %t.bad-index.mlir -e step --pipeline=none 2>&1 | FileCheck %s --check-prefix=BADINDEX
// BADINDEX: bitsink-run: error: result 0 of 'step' is recorded as updated in place in argument 3, which does not have its type
// RUN: sed -e 's/array<i64: 0, -1>/array<i64: 0>/' %t.lowered.mlir > %t.bad-count.mlir
// RUN: not bitsink-run %t.bad-count.mlir -e step --pipeline=none 2>&1 | FileCheck %s --check-prefix=BADCOUNT
// BADCOUNT: bitsink-run: error: bitsink.result_aliases of 'step' has 1 entries, the entry has 2 results

func.func @step(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
    attributes {bitsink.signature = (tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)} {
  %c7 = arith.constant 7.0 : f32
  %c1 = arith.constant 1.0 : f32
  %filled = linalg.fill ins(%c7 : f32) outs(%x : tensor<4xf32>) -> tensor<4xf32>
  %e = tensor.empty() : tensor<4xf32>
  %plus = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>],
                          iterator_types = ["parallel"]}
      ins(%filled : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %a, %c1 : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  return %filled, %plus : tensor<4xf32>, tensor<4xf32>
}

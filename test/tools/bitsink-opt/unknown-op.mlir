// RUN: not bitsink-opt %s 2>&1 | FileCheck %s
// An op that does not exist in the dialect is reported at its location.

// CHECK: unknown-op.mlir:[[@LINE+2]]:3: error: custom op 'bitsink.no_such_op' is unknown
func.func @f() {
  bitsink.no_such_op
  return
}

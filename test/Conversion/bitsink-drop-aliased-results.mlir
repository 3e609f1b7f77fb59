// RUN: bitsink-opt %s --bitsink-drop-aliased-results | FileCheck %s

// After bufferization a decode step returns the caches it updated in place:
// those results are dropped (no out-param, no copy at the boundary) and
// recorded per original result as the argument that holds them; a fresh
// buffer (the attention output) stays a result.

// CHECK-LABEL: func.func @decode_step
// CHECK-SAME:    (%[[O:.*]]: memref<4xf32>, %[[KC:.*]]: memref<8xf32>, %[[LEN:.*]]: memref<1xi64>) -> memref<4xf32>
// CHECK-SAME:    attributes {bitsink.result_aliases = array<i64: -1, 1, 2>}
// CHECK:         %[[NEW:.*]] = memref.alloc() : memref<4xf32>
// CHECK:         return %[[NEW]] : memref<4xf32>
func.func @decode_step(%o: memref<4xf32>, %kc: memref<8xf32>, %len: memref<1xi64>)
    -> (memref<4xf32>, memref<8xf32>, memref<1xi64>) {
  %new = memref.alloc() : memref<4xf32>
  memref.copy %o, %new : memref<4xf32> to memref<4xf32>
  return %new, %kc, %len : memref<4xf32>, memref<8xf32>, memref<1xi64>
}

// A function with callers keeps its signature (its call sites would need
// rewriting), as does one that returns nothing aliased.

// CHECK-LABEL: func.func private @callee
// CHECK-SAME:    -> memref<8xf32>
// CHECK-NOT:     bitsink.result_aliases
func.func private @callee(%kc: memref<8xf32>) -> memref<8xf32> {
  return %kc : memref<8xf32>
}

// CHECK-LABEL: func.func @caller
// CHECK-SAME:    -> memref<8xf32>
// CHECK-NOT:     bitsink.result_aliases
func.func @caller(%kc: memref<8xf32>) -> memref<8xf32> {
  %r = call @callee(%kc) : (memref<8xf32>) -> memref<8xf32>
  %n = memref.alloc() : memref<8xf32>
  memref.copy %r, %n : memref<8xf32> to memref<8xf32>
  return %n : memref<8xf32>
}

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

// A private function called only by func.call that returns its own
// argument (a decoder block shared by every layer, updating that layer's
// cache in place) loses that result; its calls use the operand they passed.
// (This used to keep the callee's signature; the shared-layer decoder
// entries then copied every cache through out-params.)

// CHECK-LABEL: func.func private @callee
// CHECK-SAME:    (%{{.*}}: memref<8xf32>) {
// CHECK:         return{{$}}
func.func private @callee(%kc: memref<8xf32>) -> memref<8xf32> {
  return %kc : memref<8xf32>
}

// CHECK-LABEL: func.func @caller
// CHECK-SAME:    (%[[KC:.*]]: memref<8xf32>) -> memref<8xf32>
// CHECK-NOT:     bitsink.result_aliases
// CHECK:         call @callee(%[[KC]]) : (memref<8xf32>) -> ()
// CHECK:         memref.copy %[[KC]], %{{.*}}
func.func @caller(%kc: memref<8xf32>) -> memref<8xf32> {
  %r = call @callee(%kc) : (memref<8xf32>) -> memref<8xf32>
  %n = memref.alloc() : memref<8xf32>
  memref.copy %r, %n : memref<8xf32> to memref<8xf32>
  return %n : memref<8xf32>
}

// Two layers through the shared block: the entry returns what the calls
// returned, which are its own caches once the callee is done, so both are
// results updated in place; the block's fresh output stays a result.

// CHECK-LABEL: func.func private @layer
// CHECK-SAME:    -> memref<4xf32>
// CHECK-LABEL: func.func @two_layers
// CHECK-SAME:    -> memref<4xf32> attributes {bitsink.result_aliases = array<i64: -1, 1, 2>}
// CHECK:         %[[X0:.*]] = call @layer(%arg0, %arg1) : (memref<4xf32>, memref<8xf32>) -> memref<4xf32>
// CHECK:         %[[X1:.*]] = call @layer(%[[X0]], %arg2) : (memref<4xf32>, memref<8xf32>) -> memref<4xf32>
// CHECK:         return %[[X1]] : memref<4xf32>
func.func private @layer(%x: memref<4xf32>, %kc: memref<8xf32>) -> (memref<4xf32>, memref<8xf32>) {
  %y = memref.alloc() : memref<4xf32>
  memref.copy %x, %y : memref<4xf32> to memref<4xf32>
  return %y, %kc : memref<4xf32>, memref<8xf32>
}
func.func @two_layers(%x: memref<4xf32>, %kc0: memref<8xf32>, %kc1: memref<8xf32>)
    -> (memref<4xf32>, memref<8xf32>, memref<8xf32>) {
  %x0, %c0 = call @layer(%x, %kc0) : (memref<4xf32>, memref<8xf32>) -> (memref<4xf32>, memref<8xf32>)
  %x1, %c1 = call @layer(%x0, %kc1) : (memref<4xf32>, memref<8xf32>) -> (memref<4xf32>, memref<8xf32>)
  return %x1, %c0, %c1 : memref<4xf32>, memref<8xf32>, memref<8xf32>
}

// A public function with callers keeps its signature (another module may
// call it).

// CHECK-LABEL: func.func @public_callee
// CHECK-SAME:    -> memref<8xf32>
func.func @public_callee(%kc: memref<8xf32>) -> memref<8xf32> {
  return %kc : memref<8xf32>
}
func.func @public_caller(%kc: memref<8xf32>) -> memref<8xf32> {
  %r = call @public_callee(%kc) : (memref<8xf32>) -> memref<8xf32>
  %n = memref.alloc() : memref<8xf32>
  memref.copy %r, %n : memref<8xf32> to memref<8xf32>
  return %n : memref<8xf32>
}

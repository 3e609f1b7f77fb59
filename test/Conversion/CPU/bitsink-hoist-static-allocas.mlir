// RUN: bitsink-opt %s --bitsink-hoist-static-allocas | FileCheck %s

// After convert-scf-to-openmp: a static tile buffer inside the loop nest (in
// the alloca_scope the conversion adds) moves to the entry of omp.parallel,
// one buffer per thread, and the emptied scope is inlined.

// CHECK-LABEL: func.func @in_parallel
// CHECK:         omp.parallel {
// CHECK-NEXT:      %[[BUF:.*]] = memref.alloca() : memref<16xf32>
// CHECK:           omp.wsloop
// CHECK-NOT:       memref.alloca_scope
// CHECK:           memref.store %{{.*}}, %[[BUF]]
func.func @in_parallel(%n: index, %x: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%n) step (%c1) {
        memref.alloca_scope {
          %buf = memref.alloca() : memref<16xf32>
          memref.store %x, %buf[%c0] : memref<16xf32>
        }
        omp.yield
      }
    }
    omp.terminator
  }
  return
}

// Outside OpenMP, a static alloca in a loop body moves to the function entry
// (an alloca in a loop body would otherwise grow the stack per iteration).
// A dynamically sized alloca stays where it is, inside its scope.

// CHECK-LABEL: func.func @in_loop
// CHECK-NEXT:    %[[S:.*]] = memref.alloca() : memref<4xf32>
// CHECK:         scf.for
// CHECK:           memref.alloca_scope {
// CHECK-NEXT:        memref.alloca(%{{.*}}) : memref<?xf32>
func.func @in_loop(%n: index, %x: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %n step %c1 {
    %s = memref.alloca() : memref<4xf32>
    memref.store %x, %s[%c0] : memref<4xf32>
    memref.alloca_scope {
      %d = memref.alloca(%i) : memref<?xf32>
      memref.store %x, %d[%c0] : memref<?xf32>
    }
  }
  return
}

// RUN: bitsink-opt %s --bitsink-outline-kernels --split-input-file | FileCheck %s

// Two layers with the same kernel on different buffers share one function;
// the third loop differs (a multiply) and gets its own. Constants are
// cloned into the kernels (static bounds stay static), buffers become
// arguments in the order of first use. Kernels precede the function that
// calls them.
//       CHECK: func.func private @[[ADD:layers_kernel]](%{{.*}}: memref<64xf32>, %{{.*}}: memref<64xf32>) attributes {bitsink.kernel, llvm.linkage = #llvm.linkage<internal>}
//   CHECK-DAG:   arith.constant 64 : index
//       CHECK:   scf.parallel
//       CHECK:     arith.addf
//       CHECK: func.func private @[[MUL:layers_kernel_0]](%{{.*}}: memref<64xf32>, %{{.*}}: memref<64xf32>) attributes {bitsink.kernel, llvm.linkage = #llvm.linkage<internal>}
//       CHECK:     arith.mulf
//       CHECK: func.func @layers(
//  CHECK-SAME:     %[[A:[^:]*]]: memref<64xf32>, %[[B:[^:]*]]: memref<64xf32>, %[[C:[^:]*]]: memref<64xf32>, %[[D:[^:]*]]: memref<64xf32>)
//   CHECK-NOT:   scf.parallel
//       CHECK:   call @[[ADD]](%[[A]], %[[B]])
//       CHECK:   call @[[ADD]](%[[C]], %[[D]])
//       CHECK:   call @[[MUL]](%[[A]], %[[D]])
//       CHECK:   return
func.func @layers(%a: memref<64xf32>, %b: memref<64xf32>, %c: memref<64xf32>, %d: memref<64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  scf.parallel (%i) = (%c0) to (%c64) step (%c1) {
    %x = memref.load %a[%i] : memref<64xf32>
    %y = arith.addf %x, %x : f32
    memref.store %y, %b[%i] : memref<64xf32>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%c64) step (%c1) {
    %x = memref.load %c[%i] : memref<64xf32>
    %y = arith.addf %x, %x : f32
    memref.store %y, %d[%i] : memref<64xf32>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%c64) step (%c1) {
    %x = memref.load %a[%i] : memref<64xf32>
    %y = arith.mulf %x, %x : f32
    memref.store %y, %d[%i] : memref<64xf32>
    scf.reduce
  }
  return
}

// -----

// A loop inside a layer loop is outlined with the induction variable and
// dynamic sizes as arguments (its operands first, then what its body
// uses); a nested parallel loop stays in its kernel. Kernels with equal
// bodies but different argument types are not merged.
//       CHECK: func.func private @[[K1:nested_kernel]](%{{.*}}: index, %{{.*}}: index, %{{.*}}: memref<4x?xf32>)
//       CHECK:   scf.parallel
//       CHECK:     scf.parallel
//       CHECK: func.func private @[[K2:nested_kernel_0]](%{{.*}}: index, %{{.*}}: memref<4x?xf64>)
//       CHECK: func.func @nested(%[[M:[^:]*]]: memref<4x?xf32>, %[[N:[^:]*]]: index, %[[W:[^:]*]]: memref<4x?xf64>)
//       CHECK:   scf.for %[[L:[^ ]*]] =
//       CHECK:     func.call @[[K1]](%[[N]], %[[L]], %[[M]])
//       CHECK:   call @[[K2]](%[[N]], %[[W]])
func.func @nested(%m: memref<4x?xf32>, %n: index, %w: memref<4x?xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.for %l = %c0 to %c4 step %c1 {
    scf.parallel (%i) = (%c0) to (%n) step (%c1) {
      scf.parallel (%j) = (%c0) to (%c4) step (%c1) {
        %x = arith.index_cast %l : index to i64
        %f = arith.uitofp %x : i64 to f32
        memref.store %f, %m[%j, %i] : memref<4x?xf32>
        scf.reduce
      }
      scf.reduce
    }
  }
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    scf.parallel (%j) = (%c0) to (%c4) step (%c1) {
      %x = arith.index_cast %c1 : index to i64
      %f = arith.uitofp %x : i64 to f64
      memref.store %f, %w[%j, %i] : memref<4x?xf64>
      scf.reduce
    }
    scf.reduce
  }
  return
}

// -----

// A parallel loop with a reduction: the kernel returns the reduced value and
// the call's result replaces the loop's.
//       CHECK: func.func private @[[K:sum_kernel]](%{{.*}}: index, %{{.*}}: memref<?xf32>) -> f32
//       CHECK:   %[[R:.*]] = scf.parallel
//       CHECK:   return %[[R]] : f32
//       CHECK: func.func @sum(%[[X:[^:]*]]: memref<?xf32>, %[[N:[^:]*]]: index) -> f32
//       CHECK:   %[[S:.*]] = call @[[K]](%[[N]], %[[X]]) : (index, memref<?xf32>) -> f32
//       CHECK:   return %[[S]] : f32
func.func @sum(%x: memref<?xf32>, %n: index) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %s = scf.parallel (%i) = (%c0) to (%n) step (%c1) init (%zero) -> f32 {
    %v = memref.load %x[%i] : memref<?xf32>
    scf.reduce(%v : f32) {
    ^bb0(%a: f32, %b: f32):
      %r = arith.addf %a, %b : f32
      scf.reduce.return %r : f32
    }
  }
  return %s : f32
}

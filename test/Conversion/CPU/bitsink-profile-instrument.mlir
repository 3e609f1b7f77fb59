// bitsink-profile-instrument wraps every kernel of a bufferized program in
// bitsink_profile_begin(id) / bitsink_profile_end(id) and labels each id in
// the module's bitsink.profile_labels (docs/profiling.md).
//
// RUN: bitsink-opt %s -split-input-file -bitsink-profile-instrument | FileCheck %s

// The labels: op, kind and body ops of a linalg.generic, loop ranges
// (M x N x K of a matmul) or the first operand's shape, element type and
// location (file base name, a NameLoc's name in front).
// CHECK-LABEL: module attributes {bitsink.profile_labels = [
// CHECK-SAME: "linalg.fill 16x96 f32 ([[FILE:bitsink-profile-instrument.mlir]]:[[@LINE+39]]:3)",
// CHECK-SAME: "linalg.matmul 16x96x64 f32 ([[FILE]]:[[@LINE+39]]:3)",
// CHECK-SAME: "linalg.generic reduction(1 op: arith.maximumf) 16x96 f32 (\22row max\22 softmax.mlir:3:7)",
// CHECK-SAME: "linalg.generic elementwise(3 ops: arith.subf, math.exp, arith.mulf) 16x96 f32 ([[FILE]]:[[@LINE+47]]:3)",
// CHECK-SAME: "bitsink.sink_attention q 1x2x16x32 kv 1x2x24x32 f32 ([[FILE]]:[[@LINE+56]]:3)",
// CHECK-SAME: "memref.copy 16x96 f32 ([[FILE]]:[[@LINE+58]]:3)",
// CHECK-SAME: "func.call @external_kernel ([[FILE]]:[[@LINE+58]]:3)",
// CHECK-SAME: "linalg.fill 16 f32 ([[FILE]]:[[@LINE+66]]:5)",
// CHECK-SAME: "scf.for loop nest ([[FILE]]:[[@LINE+67]]:3)",
// CHECK-SAME: "scf.parallel ([[FILE]]:[[@LINE+69]]:3)"]}

// The runtime functions are declared once, private.
// CHECK-DAG: func.func private @bitsink_profile_begin(i64)
// CHECK-DAG: func.func private @bitsink_profile_end(i64)

// Allocations, views and calls of functions with a body are not kernels;
// the kernels inside an scf.for that holds some are wrapped one by one; a
// loop nest without any is one kernel, an scf.parallel too.
// CHECK-LABEL: func.func @model
// CHECK-NEXT:    %[[CST:.*]] = arith.constant
// CHECK-NEXT:    memref.alloc
// CHECK-NEXT:    %[[ID0:.*]] = arith.constant 0 : i64
// CHECK-NEXT:    call @bitsink_profile_begin(%[[ID0]]) : (i64) -> ()
// CHECK-NEXT:    linalg.fill
// CHECK-NEXT:    call @bitsink_profile_end(%[[ID0]]) : (i64) -> ()
// CHECK-NEXT:    %[[ID1:.*]] = arith.constant 1 : i64
// CHECK-NEXT:    call @bitsink_profile_begin(%[[ID1]])
// CHECK-NEXT:    linalg.matmul
// CHECK-NEXT:    call @bitsink_profile_end(%[[ID1]])
func.func private @external_kernel(memref<16x96xf32>)
func.func private @helper(%a: memref<16x96xf32>) {
  return
}
func.func @model(%x: memref<16x64xf32>, %w: memref<64x96xf32>,
                 %q: memref<1x2x16x32xf32>, %k: memref<1x2x24x32xf32>,
                 %v: memref<1x2x24x32xf32>, %o: memref<1x2x16x32xf32>,
                 %out: memref<16x96xf32>, %rows: memref<3x16xf32>) {
  %zero = arith.constant 0.0 : f32
  %mm = memref.alloc() : memref<16x96xf32>
  linalg.fill ins(%zero : f32) outs(%mm : memref<16x96xf32>)
  linalg.matmul ins(%x, %w : memref<16x64xf32>, memref<64x96xf32>)
                outs(%mm : memref<16x96xf32>)
  %max = memref.alloc() : memref<16xf32>
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%mm : memref<16x96xf32>) outs(%max : memref<16xf32>) {
  ^bb0(%a: f32, %m: f32):
    %r = arith.maximumf %a, %m : f32
    linalg.yield %r : f32
  } loc("row max"("softmax.mlir":3:7))
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>,
                                   affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%mm, %max : memref<16x96xf32>, memref<16xf32>) outs(%out : memref<16x96xf32>) {
  ^bb0(%a: f32, %m: f32, %y: f32):
    %d = arith.subf %a, %m : f32
    %e = math.exp %d : f32
    %s = arith.mulf %e, %e : f32
    linalg.yield %s : f32
  }
  bitsink.sink_attention ins(%q, %k, %v : memref<1x2x16x32xf32>,
      memref<1x2x24x32xf32>, memref<1x2x24x32xf32>)
      outs(%o : memref<1x2x16x32xf32>) {causal = true, num_sinks = 2, window = 8}
  memref.copy %out, %mm : memref<16x96xf32> to memref<16x96xf32>
  call @external_kernel(%mm) : (memref<16x96xf32>) -> ()
  call @helper(%mm) : (memref<16x96xf32>) -> ()
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c16 = arith.constant 16 : index
  scf.for %i = %c0 to %c3 step %c1 {
    %row = memref.subview %rows[%i, 0] [1, 16] [1, 1]
        : memref<3x16xf32> to memref<16xf32, strided<[1], offset: ?>>
    linalg.fill ins(%zero : f32) outs(%row : memref<16xf32, strided<[1], offset: ?>>)
  }
  scf.for %i = %c0 to %c16 step %c1 {
    memref.store %zero, %max[%i] : memref<16xf32>
  }
  scf.parallel (%i) = (%c0) to (%c16) step (%c1) {
    memref.store %zero, %max[%i] : memref<16xf32>
  }
  memref.dealloc %max : memref<16xf32>
  memref.dealloc %mm : memref<16x96xf32>
  return
}
// CHECK:         arith.constant 5 : i64
// CHECK-NEXT:    call @bitsink_profile_begin
// CHECK-NEXT:    memref.copy
// CHECK-NEXT:    call @bitsink_profile_end
// CHECK-NEXT:    arith.constant 6 : i64
// CHECK-NEXT:    call @bitsink_profile_begin
// CHECK-NEXT:    call @external_kernel
// CHECK-NEXT:    call @bitsink_profile_end
// CHECK-NEXT:    call @helper
// CHECK:         scf.for
// CHECK-NEXT:      memref.subview
// CHECK-NEXT:      arith.constant 7 : i64
// CHECK-NEXT:      call @bitsink_profile_begin
// CHECK-NEXT:      linalg.fill
// CHECK-NEXT:      call @bitsink_profile_end
// CHECK-NEXT:    }
// CHECK-NEXT:    arith.constant 8 : i64
// CHECK-NEXT:    call @bitsink_profile_begin
// CHECK-NEXT:    scf.for
// CHECK-NEXT:      memref.store
// CHECK-NEXT:    }
// CHECK-NEXT:    call @bitsink_profile_end
// CHECK-NEXT:    arith.constant 9 : i64
// CHECK-NEXT:    call @bitsink_profile_begin
// CHECK-NEXT:    scf.parallel
// CHECK:         call @bitsink_profile_end
// CHECK-NEXT:    memref.dealloc
// CHECK-NEXT:    memref.dealloc
// CHECK-NEXT:    return

// -----

// A program without kernels still gets its (empty) label list.
// CHECK-LABEL: module attributes {bitsink.profile_labels = []}
// CHECK-NOT:   call
func.func @nothing(%a: memref<4xf32>) {
  return
}

// -----

// A generic that multiplies two different values and accumulates is a
// contraction, also with more inputs and an activation in its body; a sum
// of squares is a reduction; a generic that only moves elements is a copy.
// CHECK-LABEL: module attributes {bitsink.profile_labels = [
// CHECK-SAME: "linalg.generic contraction(4 ops: arith.addf, math.tanh, arith.mulf) 8x16x32 f32
// CHECK-SAME: "linalg.generic reduction(2 ops: arith.mulf, arith.addf) 8x32 f32
// CHECK-SAME: "linalg.generic copy 32x8 f32
#mk = affine_map<(m, n, k) -> (m, k)>
#k = affine_map<(m, n, k) -> (k)>
#kn = affine_map<(m, n, k) -> (k, n)>
#mn = affine_map<(m, n, k) -> (m, n)>
func.func @kinds(%x: memref<8x32xf32>, %b: memref<32xf32>, %w: memref<32x16xf32>,
                 %y: memref<8x16xf32>, %s: memref<8xf32>, %t: memref<32x8xf32>) {
  linalg.generic {indexing_maps = [#mk, #k, #kn, #mn],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %b, %w : memref<8x32xf32>, memref<32xf32>, memref<32x16xf32>)
      outs(%y : memref<8x16xf32>) {
  ^bb0(%a: f32, %c: f32, %v: f32, %o: f32):
    %h = arith.addf %a, %c : f32
    %g = math.tanh %h : f32
    %p = arith.mulf %g, %v : f32
    %r = arith.addf %o, %p : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<8x32xf32>) outs(%s : memref<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %q = arith.mulf %a, %a : f32
    %r = arith.addf %o, %q : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (j, i)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<8x32xf32>) outs(%t : memref<32x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    linalg.yield %a : f32
  }
  return
}

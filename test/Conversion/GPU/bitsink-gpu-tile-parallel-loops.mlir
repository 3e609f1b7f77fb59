// REQUIRES: nvptx
// RUN: bitsink-opt %s -split-input-file -bitsink-gpu-tile-parallel-loops | FileCheck %s
// RUN: bitsink-opt %s -split-input-file -bitsink-gpu-tile-parallel-loops="block-size=128" | FileCheck %s --check-prefix=B128
// RUN: not bitsink-opt %s -split-input-file -bitsink-gpu-tile-parallel-loops="block-size=2048" 2>&1 | FileCheck %s --check-prefix=BAD

// The innermost dimension of a host parallel loop is tiled: an outer loop
// over tiles (the grid) and an inner loop of `block-size` iterations (the
// threads), guarded by `j < 1000` because 1000 is not a multiple of 256.
// CHECK-LABEL: func.func @two_dims
// CHECK:         %[[C1000:.*]] = arith.constant 1000 : index
// CHECK:         %[[C256:.*]] = arith.constant 256 : index
// CHECK:         %[[STEP:.*]] = arith.muli %{{.*}}, %[[C256]]
// CHECK:         scf.parallel (%{{.*}}, %[[J0:.*]]) = (%{{.*}}, %{{.*}}) to (%{{.*}}, %[[C1000]]) step (%{{.*}}, %[[STEP]])
// CHECK:           scf.parallel (%{{.*}}, %[[T:.*]]) = (%{{.*}}, %{{.*}}) to (%{{.*}}, %[[STEP]])
// CHECK:             %[[J:.*]] = arith.addi %[[T]], %[[J0]]
// CHECK:             arith.cmpi ult, %{{.*}}, %[[C1000]]
// CHECK:             scf.if
// CHECK:               memref.store %{{.*}}, %{{.*}}[%{{.*}}, %[[J]]]
// B128-LABEL: func.func @two_dims
// B128:         arith.constant 128 : index
func.func @two_dims(%a: memref<8x1000xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c1000 = arith.constant 1000 : index
  %f = arith.constant 0.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%c8, %c1000) step (%c1, %c1) {
    memref.store %f, %a[%i, %j] : memref<8x1000xf32>
  }
  return
}

// -----

// A short static extent gets the next power of two, at least a warp: 24 -> 32.
// CHECK-LABEL: func.func @short
// CHECK:         %[[C32:.*]] = arith.constant 32 : index
// CHECK:         %[[STEP:.*]] = arith.muli %{{.*}}, %[[C32]]
// CHECK:         scf.parallel (%{{.*}}) = (%{{.*}}) to (%{{.*}}) step (%[[STEP]])
// CHECK:           scf.parallel (%{{.*}}) = (%{{.*}}) to (%[[STEP]])
func.func @short(%a: memref<24xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c24 = arith.constant 24 : index
  %f = arith.constant 0.0 : f32
  scf.parallel (%j) = (%c0) to (%c24) step (%c1) {
    memref.store %f, %a[%j] : memref<24xf32>
  }
  return
}

// -----

// Loops inside a kernel are left alone.
// CHECK-LABEL: func.func @in_kernel
// CHECK:         gpu.launch
// CHECK-NEXT:      scf.parallel (%{{.*}}) = (%{{.*}}) to (%{{.*}}) step (%{{.*}}) {
// CHECK-NEXT:        memref.store
func.func @in_kernel(%a: memref<24xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c24 = arith.constant 24 : index
  %f = arith.constant 0.0 : f32
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c1, %v = %c1, %w = %c1) {
    scf.parallel (%j) = (%c0) to (%c24) step (%c1) {
      memref.store %f, %a[%j] : memref<24xf32>
    }
    gpu.terminator
  }
  return
}

// BAD: error: bitsink-gpu-tile-parallel-loops: block-size must be in [1, 1024], got 2048

// REQUIRES: nvptx
// RUN: bitsink-opt %s -split-input-file -bitsink-gpu-host-to-device-memory -verify-diagnostics | FileCheck %s

// Host buffers become device buffers: a temporary (alloc/dealloc), a dense
// copy (one gpu.memcpy), a strided copy (a linalg.copy, which the pipeline
// turns into a kernel) and a constant (a device copy of the host global,
// freed before the block ends). Kernel bodies are left alone.

memref.global "private" constant @table : memref<4xf32> = dense<[1.0, 2.0, 3.0, 4.0]>

// CHECK-LABEL: func.func @host_buffers
// CHECK-SAME:    (%[[A:.*]]: memref<8x4xf32>, %[[B:.*]]: memref<8x4xf32>, %[[C:.*]]: memref<4x4xf32>)
// CHECK:         %[[G:.*]] = memref.get_global @table : memref<4xf32>
// CHECK:         %[[GD:.*]] = gpu.alloc () : memref<4xf32>
// CHECK:         gpu.memcpy %[[GD]], %[[G]] : memref<4xf32>, memref<4xf32>
// CHECK:         %[[T:.*]] = gpu.alloc () : memref<8x4xf32>
// CHECK:         gpu.memcpy %[[T]], %[[A]] : memref<8x4xf32>, memref<8x4xf32>
// CHECK:         %[[SV:.*]] = memref.subview %[[T]][0, 0] [4, 4] [2, 1]
// CHECK:         linalg.copy ins(%[[SV]] : memref<4x4xf32, strided<[8, 1]>>) outs(%[[C]] : memref<4x4xf32>)
// CHECK:         gpu.launch
// CHECK:           memref.load %[[GD]]
// CHECK:           memref.store %{{.*}}, %[[T]]
// CHECK:         gpu.memcpy %[[B]], %[[T]] : memref<8x4xf32>, memref<8x4xf32>
// CHECK:         gpu.dealloc %[[T]] : memref<8x4xf32>
// CHECK:         gpu.dealloc %[[GD]] : memref<4xf32>
// CHECK-NEXT:    return
// CHECK-NOT:     memref.alloc
// CHECK-NOT:     memref.copy
func.func @host_buffers(%a: memref<8x4xf32>, %b: memref<8x4xf32>, %c: memref<4x4xf32>) {
  %g = memref.get_global @table : memref<4xf32>
  %t = memref.alloc() : memref<8x4xf32>
  memref.copy %a, %t : memref<8x4xf32> to memref<8x4xf32>
  %sv = memref.subview %t[0, 0] [4, 4] [2, 1] : memref<8x4xf32> to memref<4x4xf32, strided<[8, 1]>>
  memref.copy %sv, %c : memref<4x4xf32, strided<[8, 1]>> to memref<4x4xf32>
  %one = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%x = %one, %y = %one, %z = %one)
             threads(%tx, %ty, %tz) in (%u = %one, %v = %one, %w = %one) {
    %v0 = memref.load %g[%tx] : memref<4xf32>
    memref.store %v0, %t[%tx, %tx] : memref<8x4xf32>
    gpu.terminator
  }
  memref.copy %t, %b : memref<8x4xf32> to memref<8x4xf32>
  memref.dealloc %t : memref<8x4xf32>
  return
}

// -----

// Dynamic sizes carry over.
// CHECK-LABEL: func.func @dynamic
// CHECK:         %[[N:.*]] = memref.dim
// CHECK:         gpu.alloc (%[[N]]) : memref<?xf32>
func.func @dynamic(%a: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %a, %c0 : memref<?xf32>
  %t = memref.alloc(%n) : memref<?xf32>
  memref.copy %a, %t : memref<?xf32> to memref<?xf32>
  memref.dealloc %t : memref<?xf32>
  return
}

// -----

// Fills of dense buffers with 16- or 32-bit elements are memsets (0-d
// included, where no kernel would be made); others stay linalg.fill, which
// the pipeline turns into a kernel.
// CHECK-LABEL: func.func @fills
// CHECK-SAME:    (%[[S:.*]]: memref<f32>, %[[H:.*]]: memref<4x5xbf16>, %[[D:.*]]: memref<8xf64>)
// CHECK-DAG:     %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-DAG:     %[[ONE:.*]] = arith.constant 1.000000e+00 : bf16
// CHECK:         gpu.memset %[[S]], %[[ZERO]] : memref<f32>, f32
// CHECK:         gpu.memset %[[H]], %[[ONE]] : memref<4x5xbf16>, bf16
// CHECK:         linalg.fill ins(%{{.*}} : f64) outs(%[[D]] : memref<8xf64>)
func.func @fills(%s: memref<f32>, %h: memref<4x5xbf16>, %d: memref<8xf64>) {
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : bf16
  %two = arith.constant 2.0 : f64
  linalg.fill ins(%zero : f32) outs(%s : memref<f32>)
  linalg.fill ins(%one : bf16) outs(%h : memref<4x5xbf16>)
  linalg.fill ins(%two : f64) outs(%d : memref<8xf64>)
  return
}

// -----

// A gather (an embedding lookup, as torch-mlir imports it): the loads in the
// body of a linalg op run in the kernel the op becomes, not on the host.
// CHECK-LABEL: func.func @gather
// CHECK:         linalg.generic
// CHECK:           memref.load %{{.*}}[%{{.*}}, %{{.*}}] : memref<100x8xf32>
func.func @gather(%table: memref<100x8xf32>, %ids: memref<4xi64>, %out: memref<4x8xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%ids : memref<4xi64>) outs(%out : memref<4x8xf32>) {
  ^bb0(%id: i64, %o: f32):
    %row = arith.index_cast %id : i64 to index
    %col = linalg.index 1 : index
    %v = memref.load %table[%row, %col] : memref<100x8xf32>
    linalg.yield %v : f32
  }
  return
}

// -----

func.func @host_load(%a: memref<4xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  // expected-error @below {{'memref.load' op reads or writes a buffer in host code, but buffers are device memory in bitsink-nvptx-pipeline}}
  %v = memref.load %a[%c0] : memref<4xf32>
  return %v : f32
}

// -----

func.func @host_alloca() {
  // expected-error @below {{'memref.alloca' op allocates on the host stack, but kernels need device memory}}
  %t = memref.alloca() : memref<4xf32>
  return
}

// -----

// A full reduction has no parallel dimension: it would be a host loop.
func.func @full_reduction(%a: memref<16xf32>, %out: memref<f32>) {
  // expected-error @below {{'linalg.reduce' op has no parallel dimension to map to GPU threads (it would run as a host loop over device memory)}}
  linalg.reduce ins(%a : memref<16xf32>) outs(%out : memref<f32>) dimensions = [0]
    (%in: f32, %acc: f32) {
      %s = arith.addf %in, %acc : f32
      linalg.yield %s : f32
    }
  return
}

// -----

func.func @no_gpu_lowering(%kc: memref<1x2x8x4xf32>, %vc: memref<1x2x8x4xf32>, %pos: memref<1x8xi64>,
                           %len: memref<1xi64>, %k: memref<1x2x1x4xf32>, %v: memref<1x2x1x4xf32>) {
  // expected-error @below {{'bitsink.cache_append' op has no GPU lowering: bitsink-nvptx-pipeline cannot compile it (bitsink-cpu-pipeline can)}}
  bitsink.cache_append ins(%k, %v : memref<1x2x1x4xf32>, memref<1x2x1x4xf32>)
      outs(%kc, %vc, %pos, %len : memref<1x2x8x4xf32>, memref<1x2x8x4xf32>, memref<1x8xi64>, memref<1xi64>)
      {num_sinks = 2}
  return
}

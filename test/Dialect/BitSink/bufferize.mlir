// RUN: bitsink-opt %s -split-input-file --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --canonicalize | FileCheck %s
// BufferizableOpInterface: results alias their inits (destination-passing
// style), inputs are only read; sink_attention overwrites its init,
// bitplane_matmul and cache_append read it.

// The attention output is written into the init buffer; an init that is
// only written (tensor.empty) becomes an allocation without a copy.
// CHECK-LABEL: func @attention_into_empty
// CHECK-SAME: (%[[Q:.*]]: memref<1x4x8x16xf32>, %[[K:.*]]: memref<1x2x32x16xf32>, %[[V:.*]]: memref<1x2x32x16xf32>) -> memref<1x4x8x16xf32>
// CHECK: %[[O:.*]] = memref.alloc() {{.*}}: memref<1x4x8x16xf32>
// CHECK-NOT: memref.copy
// CHECK: bitsink.sink_attention ins(%[[Q]], %[[K]], %[[V]] : memref<1x4x8x16xf32>, memref<1x2x32x16xf32>, memref<1x2x32x16xf32>) outs(%[[O]] : memref<1x4x8x16xf32>) {causal = true, num_sinks = 2 : i64, window = 4 : i64}
// CHECK: return %[[O]]
func.func @attention_into_empty(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x32x16xf32>,
    %v: tensor<1x2x32x16xf32>) -> tensor<1x4x8x16xf32> {
  %init = tensor.empty() : tensor<1x4x8x16xf32>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>)
         outs(%init : tensor<1x4x8x16xf32>) {causal = true, num_sinks = 2, window = 4} -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

// y = acc + x·Ŵ reads acc: when the caller still needs the old acc, the
// accumulator is copied first; the planes and coefficients are not.
// CHECK-LABEL: func @bitplane_keeps_acc
// CHECK-SAME: (%[[X:.*]]: memref<4x64xf16>, %[[P:.*]]: memref<2x2x8xi32>, %[[C:.*]]: memref<1x3x8xf16>, %[[ACC:.*]]: memref<4x8xf32>)
// CHECK: %[[NEW:.*]] = memref.alloc() {{.*}}: memref<4x8xf32>
// CHECK: memref.copy %[[ACC]], %[[NEW]]
// CHECK: bitsink.bitplane_matmul ins(%[[X]], %[[P]], %[[C]] : memref<4x64xf16>, memref<2x2x8xi32>, memref<1x3x8xf16>) outs(%[[NEW]] : memref<4x8xf32>)
// CHECK: return %[[NEW]], %[[ACC]]
func.func @bitplane_keeps_acc(%x: tensor<4x64xf16>, %p: tensor<2x2x8xi32>, %c: tensor<1x3x8xf16>,
    %acc: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<4x64xf16>, tensor<2x2x8xi32>, tensor<1x3x8xf16>)
         outs(%acc : tensor<4x8xf32>) {plane_kind = #bitsink.plane_kind<binary>, group_size = 64} -> tensor<4x8xf32>
  return %y, %acc : tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// A decode loop appends one token per step to a 1024-slot cache: the cache,
// positions and length are updated in place, with no allocation or copy
// per token (docs/semantics.md §2.2).
// CHECK-LABEL: func @decode_loop_in_place
// CHECK-SAME: %[[KC:[a-zA-Z0-9]+]]: memref<1x8x1024x64xf16>, %[[VC:[a-zA-Z0-9]+]]: memref<1x8x1024x64xf16>, %[[POS:[a-zA-Z0-9]+]]: memref<1x1024xi64>, %[[LEN:[a-zA-Z0-9]+]]: memref<1xi64>
// CHECK: scf.for
// CHECK-NOT: memref.alloc
// CHECK-NOT: memref.copy
// CHECK: bitsink.cache_append ins(%{{.*}}, %{{.*}} : memref<1x8x1x64xf16>, memref<1x8x1x64xf16>) outs(%[[KC]], %[[VC]], %[[POS]], %[[LEN]] : memref<1x8x1024x64xf16>, memref<1x8x1024x64xf16>, memref<1x1024xi64>, memref<1xi64>) {num_sinks = 4 : i64, position_mode = #bitsink.position_mode<cache>}
// CHECK-NOT: memref.copy
// CHECK: }
// CHECK: return
func.func @decode_loop_in_place(%k: tensor<1x8x1x64xf16>, %v: tensor<1x8x1x64xf16>,
    %kc: tensor<1x8x1024x64xf16>, %vc: tensor<1x8x1024x64xf16>,
    %pos: tensor<1x1024xi64>, %len: tensor<1xi64>, %steps: index)
    -> (tensor<1x8x1024x64xf16>, tensor<1x8x1024x64xf16>, tensor<1x1024xi64>, tensor<1xi64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r:4 = scf.for %i = %c0 to %steps step %c1
      iter_args(%a = %kc, %b = %vc, %p = %pos, %n = %len)
      -> (tensor<1x8x1024x64xf16>, tensor<1x8x1024x64xf16>, tensor<1x1024xi64>, tensor<1xi64>) {
    %u:4 = bitsink.cache_append ins(%k, %v : tensor<1x8x1x64xf16>, tensor<1x8x1x64xf16>)
             outs(%a, %b, %p, %n : tensor<1x8x1024x64xf16>, tensor<1x8x1024x64xf16>, tensor<1x1024xi64>, tensor<1xi64>)
             {num_sinks = 4, position_mode = #bitsink.position_mode<cache>}
             -> tensor<1x8x1024x64xf16>, tensor<1x8x1024x64xf16>, tensor<1x1024xi64>, tensor<1xi64>
    scf.yield %u#0, %u#1, %u#2, %u#3 : tensor<1x8x1024x64xf16>, tensor<1x8x1024x64xf16>, tensor<1x1024xi64>, tensor<1xi64>
  }
  return %r#0, %r#1, %r#2, %r#3 : tensor<1x8x1024x64xf16>, tensor<1x8x1024x64xf16>, tensor<1x1024xi64>, tensor<1xi64>
}

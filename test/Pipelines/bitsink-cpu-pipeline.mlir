// RUN: bitsink-opt %s --bitsink-cpu-pipeline | FileCheck %s
// RUN: bitsink-opt %s --bitsink-cpu-pipeline="openmp=false" | FileCheck %s --check-prefix=SERIAL
// RUN: bitsink-opt %s --bitsink-cpu-pipeline="c-interface=true" | FileCheck %s --check-prefix=CIFACE

// sink_attention on tensors all the way to the LLVM dialect: the result
// becomes a caller-allocated out-param, the (batch, head, query tile) loop
// becomes an OpenMP worksharing loop, exp is a vector polynomial (no libm
// call), and nothing but the LLVM and OpenMP dialects is left.

// CHECK-LABEL: llvm.func @attn
// CHECK-SAME:    !llvm.ptr
// CHECK:         omp.parallel
// CHECK:           omp.wsloop
// CHECK:             llvm.intr.fma({{.*}}) : (vector<32xf32>, vector<32xf32>, vector<32xf32>) -> vector<32xf32>
// CHECK-NOT:     llvm.call @expf
// CHECK-NOT:     scf.
// CHECK-NOT:     memref.
// (llvm.intr.vector.reduce.* is LLVM; a vector dialect op is not.)
// CHECK-NOT:     {{[^.a-z]}}vector.
// CHECK-NOT:     bitsink.

// SERIAL-LABEL: llvm.func @attn
// SERIAL-NOT:     omp.
// SERIAL:         llvm.intr.fma

// CIFACE: llvm.func @_mlir_ciface_attn(%{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr)
func.func @attn(%q: tensor<1x4x40x64xf32>, %k: tensor<1x2x40x64xf32>,
                %v: tensor<1x2x40x64xf32>) -> tensor<1x4x40x64xf32> {
  %e = tensor.empty() : tensor<1x4x40x64xf32>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x40x64xf32>,
      tensor<1x2x40x64xf32>, tensor<1x2x40x64xf32>) outs(%e : tensor<1x4x40x64xf32>)
      {num_sinks = 2, window = 8, causal = true} -> tensor<1x4x40x64xf32>
  return %o : tensor<1x4x40x64xf32>
}

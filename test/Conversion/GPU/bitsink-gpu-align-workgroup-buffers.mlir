// REQUIRES: nvptx
// RUN: bitsink-opt %s -split-input-file \
// RUN:   --pass-pipeline="builtin.module(gpu.module(bitsink-gpu-align-workgroup-buffers))" \
// RUN:   | FileCheck %s
// RUN: bitsink-opt %s -split-input-file \
// RUN:   --pass-pipeline="builtin.module(gpu.module(bitsink-gpu-align-workgroup-buffers,convert-gpu-to-nvvm))" \
// RUN:   | FileCheck %s --check-prefix=NVVM
// RUN: not bitsink-opt %s -split-input-file \
// RUN:   --pass-pipeline="builtin.module(gpu.module(bitsink-gpu-align-workgroup-buffers{alignment=12}))" \
// RUN:   2>&1 | FileCheck %s --check-prefix=BAD

// Two f16 buffers: without the pass each global is `.align 2`, so the second
// one can start at a 2-byte boundary; cp.async / ldmatrix need 16. A larger
// alignment already given is kept.
// CHECK-LABEL: gpu.func @two_buffers
// CHECK-SAME: workgroup(%{{.*}}: memref<72xf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64},
// CHECK-SAME: %{{.*}}: memref<64xf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64},
// CHECK-SAME: %{{.*}}: memref<8xf32, #gpu.address_space<workgroup>> {llvm.align = 64 : i64})
// NVVM: llvm.mlir.global internal @__wg_two_buffers_0() {addr_space = 3 : i32, alignment = 16 : i64} : !llvm.array<72 x f16>
// NVVM: llvm.mlir.global internal @__wg_two_buffers_1() {addr_space = 3 : i32, alignment = 16 : i64} : !llvm.array<64 x f16>
// NVVM: llvm.mlir.global internal @__wg_two_buffers_2() {addr_space = 3 : i32, alignment = 64 : i64} : !llvm.array<8 x f32>
// BAD: alignment must be a positive power of two, got 12
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @two_buffers(%out: memref<4xf16>)
        workgroup(%a: memref<72xf16, #gpu.address_space<workgroup>>,
                  %b: memref<64xf16, #gpu.address_space<workgroup>>,
                  %c: memref<8xf32, #gpu.address_space<workgroup>> {llvm.align = 64 : i64})
        kernel {
      %i = arith.constant 0 : index
      %x = memref.load %a[%i] : memref<72xf16, #gpu.address_space<workgroup>>
      %y = memref.load %b[%i] : memref<64xf16, #gpu.address_space<workgroup>>
      %s = arith.addf %x, %y : f16
      memref.store %s, %out[%i] : memref<4xf16>
      gpu.return
    }
  }
}

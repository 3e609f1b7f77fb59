// REQUIRES: nvptx
// RUN: bitsink-opt %s --bitsink-nvptx-pipeline="chip=sm_90 cubin-format=isa c-interface=true" | FileCheck %s
// RUN: bitsink-opt %s --bitsink-nvptx-pipeline="chip=sm_80 features=+ptx70 opt-level=2 cubin-format=isa" | FileCheck %s --check-prefix=SM80

// Linalg on tensors through bitsink-nvptx-pipeline: y = exp(x * w) with a
// constant row w (bufferized to a host global: it gets a device copy), a
// temporary y*y (a device buffer: gpu.alloc -> mgpuMemAlloc) and its row sums
// (fill, a memset, + reduce). Both results become out-params; every linalg op becomes a
// kernel in a gpu.binary holding PTX for the chosen chip (innermost dimension
// on the threads of a block); the host function calls only the bitsink CUDA
// runtime (mgpu*), on one stream per call.

// CHECK-LABEL: llvm.func @scale_exp_rowsum
// CHECK-SAME:    (%[[X:arg0]]: !llvm.ptr,
// CHECK:         %[[S:.*]] = llvm.call @mgpuStreamCreate()
// The constant row, copied to the device.
// CHECK:         %[[W:.*]] = llvm.call @mgpuMemAlloc(%{{.*}}, %[[S]], %{{.*}}) : (i64, !llvm.ptr, i8) -> !llvm.ptr
// CHECK:         llvm.call @mgpuMemcpy(%{{.*}}, %{{.*}}, %{{.*}}, %[[S]])
// CHECK:         gpu.launch_func <%[[S]] : !llvm.ptr> @scale_exp_rowsum_kernel::@scale_exp_rowsum_kernel
// The y*y temporary.
// CHECK:         %[[T:.*]] = llvm.call @mgpuMemAlloc(%{{.*}}, %[[S]], %{{.*}})
// CHECK:         gpu.launch_func <%[[S]] : !llvm.ptr> @scale_exp_rowsum_kernel_0::
// The fill of the row sums is a memset, the reduction a kernel.
// CHECK:         llvm.call @mgpuMemset32(%{{.*}}, %{{.*}}, %{{.*}}, %[[S]]) : (!llvm.ptr, i32, i64, !llvm.ptr) -> ()
// CHECK:         gpu.launch_func <%[[S]] : !llvm.ptr> @scale_exp_rowsum_kernel_1::
// CHECK-DAG:     llvm.call @mgpuMemFree(%{{.*}}, %[[S]])
// CHECK-DAG:     llvm.call @mgpuMemFree(%{{.*}}, %[[S]])
// CHECK:         llvm.call @mgpuStreamSynchronize(%[[S]])
// CHECK-NEXT:    llvm.call @mgpuStreamDestroy(%[[S]])
// CHECK-NOT:     llvm.call @malloc
// CHECK-NOT:     llvm.call @free

// Input, then the two out-params.
// CHECK-LABEL: llvm.func @_mlir_ciface_scale_exp_rowsum(%{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr)

// PTX for sm_90, PTX ISA 8.0; exp through libdevice's __nv_expf, linked in.
// CHECK:       gpu.binary @scale_exp_rowsum_kernel  [#gpu.object<#nvvm.target<O = 3, chip = "sm_90", features = "+ptx80">, {{.*}}assembly = "{{.*}}.version 8.0\0A.target sm_90\0A
// CHECK-SAME:    .visible .entry scale_exp_rowsum_kernel(
// The 32 columns are the threads of a block, the 16 rows the grid.
// CHECK-SAME:    .maxntid 32, 1, 1
// CHECK-SAME:    ex2.approx
// CHECK-NOT:     .extern .func __nv_expf
// CHECK:       gpu.binary @scale_exp_rowsum_kernel_0
// CHECK:       gpu.binary @scale_exp_rowsum_kernel_1
// CHECK-NOT:   gpu.binary
// CHECK-NOT:   linalg.
// CHECK-NOT:   memref.
// CHECK-NOT:   gpu.alloc
// CHECK-NOT:   gpu.module

// SM80:       gpu.binary @scale_exp_rowsum_kernel  [#gpu.object<#nvvm.target<chip = "sm_80", features = "+ptx70">, properties = {{{.*}}O = 2 : i32}, assembly = "{{.*}}.version 7.0\0A.target sm_80\0A
// SM80-NOT:   llvm.func @_mlir_ciface_

func.func @scale_exp_rowsum(%x: tensor<16x32xf32>) -> (tensor<16x32xf32>, tensor<16xf32>) {
  %w = arith.constant dense<[[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]]> : tensor<1x32xf32>
  %e = tensor.empty() : tensor<16x32xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (0, j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%x, %w : tensor<16x32xf32>, tensor<1x32xf32>) outs(%e : tensor<16x32xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    %ex = math.exp %m : f32
    linalg.yield %ex : f32
  } -> tensor<16x32xf32>
  %t = tensor.empty() : tensor<16x32xf32>
  %sq = linalg.mul ins(%y, %y : tensor<16x32xf32>, tensor<16x32xf32>) outs(%t : tensor<16x32xf32>) -> tensor<16x32xf32>
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<16xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e1 : tensor<16xf32>) -> tensor<16xf32>
  %sum = linalg.reduce ins(%sq : tensor<16x32xf32>) outs(%acc : tensor<16xf32>) dimensions = [1]
    (%in: f32, %init: f32) {
      %s = arith.addf %in, %init : f32
      linalg.yield %s : f32
    }
  return %y, %sum : tensor<16x32xf32>, tensor<16xf32>
}

// REQUIRES: nvptx
// RUN: bitsink-opt %s --bitsink-nvptx-pipeline="chip=sm_90 cubin-format=isa" | FileCheck %s

// linalg.softmax (no lowering of its own) is decomposed on tensors by
// bitsink-decompose-aggregates at the start of bitsink-nvptx-pipeline: its
// max and exp-sum reductions, exp and divide become kernels like any other
// generics, in a gpu.binary with PTX for sm_90.
// max, exp, sum and divide: four kernels, four launches from @main.
// CHECK-NOT: linalg.softmax
// CHECK-DAG: llvm.func @main
// CHECK-DAG: gpu.binary @main_kernel_2 {{.*}}chip = "sm_90"
// CHECK-DAG: gpu.launch_func {{.*}} @main_kernel_2::@main_kernel
func.func @main(%x: tensor<7x37xf32>) -> tensor<7x37xf32> {
  %e = tensor.empty() : tensor<7x37xf32>
  %s = linalg.softmax dimension(1) ins(%x : tensor<7x37xf32>) outs(%e : tensor<7x37xf32>) -> tensor<7x37xf32>
  return %s : tensor<7x37xf32>
}

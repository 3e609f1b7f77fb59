// RUN: bitsink-opt --help | FileCheck %s
// bitsink-opt lists our passes next to the upstream ones a linalg/gpu user
// needs.

// CHECK: bitsink optimizer driver
// CHECK-DAG: --bitsink-sparsify-attention
// CHECK-DAG: --convert-linalg-to-loops
// CHECK-DAG: --one-shot-bufferize
// CHECK-DAG: --gpu-module-to-binary
// CHECK-DAG: --convert-scf-to-openmp
// CHECK-DAG: --transform-interpreter
// CHECK-DAG: --gpu-lower-to-nvvm-pipeline

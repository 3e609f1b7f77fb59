// bitsink-gpu-check reports bad command lines and artifacts, exit code 2.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: not bitsink-gpu-check 2>&1 | FileCheck %s --check-prefix=USAGE
// USAGE: usage: bitsink-gpu-check ARTIFACT.so --entry=NAME --op=OP [options]
//
// RUN: not bitsink-gpu-check %t/missing.so --entry=f --op=sink_attention --shape=1,1,1,1,1,1,1 2>&1 | FileCheck %s --check-prefix=NOFILE
// NOFILE: bitsink-gpu-check: error: cannot load {{.*}}missing.so: {{.*}}No such file
//
// RUN: not bitsink-gpu-check %t/missing.so --entry=f --op=softmax 2>&1 | FileCheck %s --check-prefix=OP
// OP: bitsink-gpu-check: error: unknown --op 'softmax' (expected sink_attention or bitplane_matmul)
//
// RUN: not bitsink-gpu-check %t/missing.so --entry=f --op=sink_attention --shape=1,2,3 2>&1 | FileCheck %s --check-prefix=SHAPE
// SHAPE: bitsink-gpu-check: error: --shape expects B,Hq,Hkv,Nq,Nk,D,Dv for sink_attention
//
// RUN: not bitsink-gpu-check %t/missing.so --entry=f --op=bitplane_matmul --m=x 2>&1 | FileCheck %s --check-prefix=INT
// INT: bitsink-gpu-check: error: --m expects an integer, got 'x'
//
// RUN: bitsink-compile %s -o %t/f.so
// RUN: not bitsink-gpu-check %t/f.so --entry=g --op=bitplane_matmul --m=1 --k=32 --n=4 --planes=1 --group-size=32 2>&1 | FileCheck %s --check-prefix=ENTRY
// ENTRY: bitsink-gpu-check: error: {{.*}}f.so has no entry _mlir_ciface_g (compile with bitsink-compile, which turns on the C interface)

func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}

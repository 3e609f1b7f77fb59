// The harness end to end on the host: bitsink-compile builds a CPU .so of the
// GPU test cases (test/Integration/GPU/Inputs/cases.mlir) and its C header;
// the header compiles as C and C++; bitsink-gpu-check loads the .so, runs each
// entry on random inputs and compares with lib/Reference. The same harness
// runs the CUDA build of the same cases on a GPU (test/Integration/GPU).
// Bounds: f32 2e-5 + 1e-4|ref| (attention) and 1e-4 + 1e-4|ref| (bit-plane);
// f16 about one output rounding (2e-3); bf16 1e-2.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: bitsink-compile %S/../../Integration/GPU/Inputs/cases.mlir -o %t/cases.so --header=%t/cases.h
// RUN: clang-22 -fsyntax-only -Wall -Werror -x c %t/cases.h
// RUN: clang-22 -fsyntax-only -Wall -Werror -x c++ %t/cases.h
// RUN: llvm-nm -D --undefined-only %t/cases.so | FileCheck %s --check-prefix=SYMS
// RUN: bitsink-gpu-check %t/cases.so --entry=attn_f32_gqa2 --op=sink_attention --shape=2,4,2,37,53,32,24 --num-sinks=3 --window=10 --causal --seed=1 | FileCheck %s --check-prefix=A1
// RUN: bitsink-gpu-check %t/cases.so --entry=attn_f16_sinks --op=sink_attention --shape=1,4,1,40,40,64,64 --window=16 --causal --sink-logits --dtype=f16 --seed=2 | FileCheck %s --check-prefix=A2
// RUN: bitsink-gpu-check %t/cases.so --entry=attn_bf16_decode --op=sink_attention --shape=2,8,2,1,300,64,64 --num-sinks=4 --window=128 --causal --kv-len=300,173 --dtype=bf16 --seed=3 | FileCheck %s --check-prefix=A3
// RUN: bitsink-gpu-check %t/cases.so --entry=gemv_binary_p2 --op=bitplane_matmul --m=1 --k=257 --n=129 --planes=2 --group-size=128 --coeff-dtype=f16 --seed=4 | FileCheck %s --check-prefix=B1
// RUN: bitsink-gpu-check %t/cases.so --entry=gemm_ternary_p4_acc --op=bitplane_matmul --m=37 --k=96 --n=80 --planes=4 --group-size=32 --kind=ternary --dtype=f16 --acc-arg --seed=5 | FileCheck %s --check-prefix=B2
//
// The same case from an args file.
// RUN: printf -- '--op=sink_attention  # the op\n--shape=2,4,2,37,53,32,24 --num-sinks=3\n--window=10 --causal --seed=1\n' > %t/attn.args
// RUN: bitsink-gpu-check %t/cases.so --entry=attn_f32_gqa2 --args-file=%t/attn.args | FileCheck %s --check-prefix=A1
//
// A case that disagrees with the compiled op (window 11, not 10) fails.
// RUN: not bitsink-gpu-check %t/cases.so --entry=attn_f32_gqa2 --op=sink_attention --shape=2,4,2,37,53,32,24 --num-sinks=3 --window=11 --causal --seed=1 | FileCheck %s --check-prefix=WRONG
//
// Only libc and libomp: no MLIR, LLVM or CUDA runtime.
// SYMS-NOT: mgpu
// SYMS-NOT: mlir
// SYMS-NOT: memrefCopy
// SYMS: __kmpc_fork_call
//
// A1: attn_f32_gqa2 sink_attention: elements=7104 {{.*}} atol=2e-05 rtol=0.0001 PASS
// A2: attn_f16_sinks sink_attention: elements=10240 {{.*}} atol=0.002 rtol=0.002 PASS
// A3: attn_bf16_decode sink_attention: elements=1024 {{.*}} atol=0.01 rtol=0.01 PASS
// B1: gemv_binary_p2 bitplane_matmul: elements=129 {{.*}} atol=0.0001 rtol=0.0001 PASS
// B2: gemm_ternary_p4_acc bitplane_matmul: elements=2960 {{.*}} atol=0.001 rtol=0.002 PASS
// WRONG: attn_f32_gqa2 sink_attention: {{.*}} FAIL

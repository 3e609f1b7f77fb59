// REQUIRES: host-avx2
// Artifacts for CPU models without native half or bfloat conversions, on
// any x86 host: x86-64-v3 (AVX2, F16C; no AVX-512, no AVX-512 BF16) and
// generic x86-64 (SSE2: f16 conversions are calls too; the default CPU of
// CUDA host code). Their conversions call __truncsfbf2 / __truncsfhf2 /
// __extendhfsf2, which come from LLVM's compiler-rt builtins linked into
// the .so (Debian 12's libgcc has no bfloat builtin, and `-z defs` would
// fail the link): the .so imports none of them, has them as local symbols,
// and runs the GPU test cases (f32 / f16 / bf16 attention, bit-plane GEMV
// and GEMM) through bitsink-gpu-check against the reference, with the
// bounds of test/tools/bitsink-gpu-check/cpu-artifact.mlir. The x86-64-v3
// code uses no zmm register (the bit-plane GEMV takes the bit-test kernel
// there, the table kernel needs AVX-512).
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: bitsink-compile %S/../../Integration/GPU/Inputs/cases.mlir --cpu=x86-64-v3 -o %t/v3.so
// RUN: llvm-nm -D --undefined-only %t/v3.so | FileCheck %s --check-prefix=IMPORTS --implicit-check-not=__truncsfbf2 --implicit-check-not=__extendbfsf2 --implicit-check-not=__truncsfhf2 --implicit-check-not=__extendhfsf2
// RUN: llvm-nm %t/v3.so | FileCheck %s --check-prefix=V3LOCAL
// RUN: llvm-objdump -d %t/v3.so | FileCheck %s --check-prefix=ISA --implicit-check-not=%%zmm
// RUN: bitsink-gpu-check %t/v3.so --entry=attn_f32_gqa2 --op=sink_attention --shape=2,4,2,37,53,32,24 --num-sinks=3 --window=10 --causal --seed=1 | FileCheck %s
// RUN: bitsink-gpu-check %t/v3.so --entry=attn_f16_sinks --op=sink_attention --shape=1,4,1,40,40,64,64 --window=16 --causal --sink-logits --dtype=f16 --seed=2 | FileCheck %s
// RUN: bitsink-gpu-check %t/v3.so --entry=attn_bf16_decode --op=sink_attention --shape=2,8,2,1,300,64,64 --num-sinks=4 --window=128 --causal --kv-len=300,173 --dtype=bf16 --seed=3 | FileCheck %s
// RUN: bitsink-gpu-check %t/v3.so --entry=gemv_binary_p2 --op=bitplane_matmul --m=1 --k=257 --n=129 --planes=2 --group-size=128 --coeff-dtype=f16 --seed=4 | FileCheck %s
// RUN: bitsink-gpu-check %t/v3.so --entry=attn_bf16_gqa8_tc --op=sink_attention --shape=1,8,1,77,77,128,128 --num-sinks=4 --window=24 --causal --sink-logits --sink-dtype=f32 --dtype=bf16 --seed=6 | FileCheck %s
// RUN: bitsink-gpu-check %t/v3.so --entry=attn_f16_gqa8_decode --op=sink_attention --shape=2,16,2,1,1000,128,128 --num-sinks=4 --window=512 --causal --dtype=f16 --seed=7 | FileCheck %s
// RUN: bitsink-gpu-check %t/v3.so --entry=gemv_signed_p3_m16 --op=bitplane_matmul --m=16 --k=320 --n=200 --planes=3 --group-size=64 --kind=signed --dtype=bf16 --acc-dtype=f32 --coeff-dtype=f16 --seed=8 | FileCheck %s
// RUN: bitsink-gpu-check %t/v3.so --entry=gemm_binary_p2_bf16 --op=bitplane_matmul --m=48 --k=256 --n=96 --planes=2 --group-size=256 --dtype=bf16 --acc-dtype=f32 --seed=9 | FileCheck %s
//
// RUN: bitsink-compile %S/../../Integration/GPU/Inputs/cases.mlir --cpu=generic -o %t/generic.so
// RUN: llvm-nm -D --undefined-only %t/generic.so | FileCheck %s --check-prefix=IMPORTS --implicit-check-not=__truncsfbf2 --implicit-check-not=__extendbfsf2 --implicit-check-not=__truncsfhf2 --implicit-check-not=__extendhfsf2
// RUN: llvm-nm %t/generic.so | FileCheck %s --check-prefix=GENERICLOCAL
// RUN: bitsink-gpu-check %t/generic.so --entry=attn_f16_sinks --op=sink_attention --shape=1,4,1,40,40,64,64 --window=16 --causal --sink-logits --dtype=f16 --seed=2 | FileCheck %s
// RUN: bitsink-gpu-check %t/generic.so --entry=attn_bf16_decode --op=sink_attention --shape=2,8,2,1,300,64,64 --num-sinks=4 --window=128 --causal --kv-len=300,173 --dtype=bf16 --seed=3 | FileCheck %s
// RUN: bitsink-gpu-check %t/generic.so --entry=gemm_ternary_p4_acc --op=bitplane_matmul --m=37 --k=96 --n=80 --planes=4 --group-size=32 --kind=ternary --dtype=f16 --acc-arg --seed=5 | FileCheck %s
//
// CHECK: {{.*}} PASS
// IMPORTS: __kmpc_fork_call
// V3LOCAL: t __truncsfbf2
// GENERICLOCAL-DAG: t __extendhfsf2
// GENERICLOCAL-DAG: t __truncsfbf2
// GENERICLOCAL-DAG: t __truncsfhf2
// ISA: %ymm
//
// Unknown CPUs and the table kernel for a CPU without AVX-512F or AVX2 are
// errors. (The latter was checked on x86-64-v3 while only AVX-512 had a
// table kernel; x86-64-v3 now gets the AVX2 one, so it is 'generic' here.)
// RUN: not bitsink-compile %S/../../Integration/GPU/Inputs/cases.mlir --cpu=pentium9 -o %t/bad.so 2>&1 | FileCheck %s --check-prefix=BADCPU
// BADCPU: bitsink-compile: error: unknown CPU 'pentium9' for {{.*}} (expected host, generic or an LLVM CPU name such as x86-64-v3)
// (--cpu reaches bitsink-cpu-pipeline as target-cpu, whose features the
// bit-plane lowering checks: the refusal is its diagnostic, before any IR is
// made, rather than the later intrinsic check of the lowered module.)
// RUN: not bitsink-compile %S/../../Integration/GPU/Inputs/cases.mlir --cpu=generic --pipeline-options=gemv-lut=true -o %t/lut.so 2>&1 | FileCheck %s --check-prefix=LUT
// LUT: error: bitsink-lower-bitplane-matmul: gemv-lut {{.*}}avx512f
// The CPU may also be given as the pipeline's target-cpu; given twice, the
// two must agree.
// RUN: not bitsink-compile %S/../../Integration/GPU/Inputs/cases.mlir --pipeline-options="target-cpu=generic gemv-lut=true" -o %t/lut.so 2>&1 | FileCheck %s --check-prefix=LUT
// RUN: not bitsink-compile %S/../../Integration/GPU/Inputs/cases.mlir --cpu=generic --pipeline-options=target-cpu=x86-64-v3 -o %t/two.so 2>&1 | FileCheck %s --check-prefix=TWOCPUS
// TWOCPUS: bitsink-compile: error: target-cpu=x86-64-v3 in the pipeline options and CPU 'generic' disagree (give one of them)

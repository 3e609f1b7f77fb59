// REQUIRES: nvptx
// A CUDA artifact built without a GPU: kernels embedded as cubins (ptxas at
// compile time), host code calling only the bitsink CUDA runtime, which is
// copied next to the .so and found through RUNPATH $ORIGIN. It needs no
// MLIR, LLVM or CUDA toolkit library; without a driver it fails with a
// message when loaded, and never crashes.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: bitsink-compile %S/../../Integration/GPU/Inputs/cases.mlir --target=cuda --chip=sm_90 -o %t/cases.so --header=%t/cases.h
// RUN: llvm-nm -D --undefined-only %t/cases.so | FileCheck %s --check-prefix=SYMS
// RUN: llvm-readelf -d %t/cases.so | FileCheck %s --check-prefix=DYN
// RUN: llvm-readelf -S %t/cases.so | FileCheck %s --check-prefix=SECTIONS
// RUN: llvm-readelf -d %t/libbitsink_cuda_runtime.so | FileCheck %s --check-prefix=RTDYN
// RUN: clang-22 -fsyntax-only -Wall -Werror -x c %t/cases.h
// RUN: FileCheck %s --check-prefix=HEADER < %t/cases.h
//
// PTX instead of a cubin: loaded with the driver's JIT.
// RUN: bitsink-compile %S/../../Integration/GPU/Inputs/cases.mlir --target=cuda --pipeline-options="chip=sm_80 features=+ptx70 cubin-format=isa" -o %t/cases-ptx.so
// RUN: llvm-nm -D --undefined-only %t/cases-ptx.so | FileCheck %s --check-prefix=PTX
//
// Without a driver: one clear message, exit code 2.
// RUN: env BITSINK_CUDA_LIBRARY=%t/no-libcuda.so.1 not bitsink-gpu-check %t/cases.so --entry=gemv_binary_p2 --op=bitplane_matmul --m=1 --k=257 --n=129 --planes=2 --group-size=128 --coeff-dtype=f16 2>&1 | FileCheck %s --check-prefix=NODRIVER
//
// With a fake driver (host memory, kernels not run): the kernels load from
// the artifact's constructors, every launch goes through, the harness gets a
// wrong result (FAIL, exit 1) and nothing crashes; a cubin for sm_80 on the
// fake sm_90 device is named in the error.
// RUN: env BITSINK_CUDA_LIBRARY=%fake_libcuda not bitsink-gpu-check %t/cases.so --entry=attn_f32_gqa2 --op=sink_attention --shape=2,4,2,37,53,32,24 --num-sinks=3 --window=10 --causal 2>&1 | FileCheck %s --check-prefix=FAKE
// RUN: mkdir -p %t/sm80
// RUN: bitsink-compile %S/../../Integration/GPU/Inputs/cases.mlir --target=cuda --chip=sm_80 -o %t/sm80/cases.so
// RUN: env BITSINK_CUDA_LIBRARY=%fake_libcuda not bitsink-gpu-check %t/sm80/cases.so --entry=attn_f32_gqa2 --op=sink_attention --shape=2,4,2,37,53,32,24 --num-sinks=3 --window=10 --causal 2>&1 | FileCheck %s --check-prefix=FAKEARCH
//
// A kernel that does not finish (the fake driver's streams stay busy) with
// BITSINK_CUDA_TIMEOUT_S: the runtime names the kernels in flight, the
// harness fails with exit 1 and the process ends.
// RUN: env BITSINK_CUDA_LIBRARY=%fake_libcuda FAKE_CUDA_BUSY=1 BITSINK_CUDA_TIMEOUT_S=0.1 not bitsink-gpu-check %t/cases.so --entry=gemv_binary_p2 --op=bitplane_matmul --m=1 --k=257 --n=129 --planes=2 --group-size=128 --coeff-dtype=f16 2>&1 | FileCheck %s --check-prefix=HUNG
//
// Bad GPU options are reported before lowering.
// RUN: not bitsink-compile %S/../../Integration/GPU/Inputs/cases.mlir --target=cuda --chip=sm_90 --features=+ptx60 -o %t/bad.so 2>&1 | FileCheck %s --check-prefix=BADPTX
//
// SYMS-NOT: {{ U (mlir|llvm|cu[A-Z]|cuda)}}
// SYMS-DAG: U mgpuLaunchKernel
// SYMS-DAG: U mgpuModuleLoad
// SYMS-DAG: U mgpuModuleGetFunction
// SYMS-DAG: U mgpuModuleUnload
// SYMS-DAG: U mgpuStreamCreate
// SYMS-DAG: U mgpuStreamSynchronize
// SYMS-DAG: U mgpuStreamDestroy
// SYMS-NOT: {{ U (mlir|llvm|cu[A-Z]|cuda)}}
//
// DYN:     (RUNPATH) Library runpath: [$ORIGIN]
// DYN-NOT: NEEDED{{.*}}(MLIR|LLVM|cuda|stdc)
// DYN:     (NEEDED) Shared library: [libbitsink_cuda_runtime.so]
// DYN-NOT: NEEDED{{.*}}(MLIR|LLVM|cuda|stdc)
//
// The kernels are loaded by constructors in .init_array (not .ctors, which
// lld leaves unrun).
// SECTIONS-NOT: .ctors
// SECTIONS:     .init_array
// SECTIONS-NOT: .ctors
//
// RTDYN-NOT: NEEDED{{.*}}(cuda|stdc|LLVM|MLIR)
// RTDYN:     (SONAME) Library soname: [libbitsink_cuda_runtime.so]
// RTDYN-NOT: NEEDED{{.*}}(cuda|stdc|LLVM|MLIR)
//
// HEADER: every buffer (arguments and out-params) is DEVICE memory
// HEADER: void _mlir_ciface_attn_f32_gqa2(bitsink_memref_4d *arg0, bitsink_memref_4d *arg1, bitsink_memref_4d *arg2, bitsink_memref_4d *result0);
// HEADER:  *   result0: tensor<37x80xf16> (f16 bits as uint16_t), returned in place in arg3
// HEADER: void _mlir_ciface_gemm_ternary_p4_acc(bitsink_memref_2d *arg0, bitsink_memref_3d *arg1, bitsink_memref_3d *arg2, bitsink_memref_2d *arg3);
//
// PTX: U mgpuModuleLoadJIT
//
// NODRIVER: bitsink-cuda: error: cannot load the CUDA driver library '{{.*}}no-libcuda.so.1' ({{.*}}); an NVIDIA driver is needed to run GPU code
// NODRIVER: bitsink-gpu-check: error: loading the artifact's kernels: cannot load the CUDA driver library
//
// FAKE-NOT: error
// FAKE:     device: Fake GPU (sm_90)
// FAKE-NOT: error
// FAKE:     attn_f32_gqa2 sink_attention: elements=7104 {{.*}} FAIL
//
// FAKEARCH: bitsink-cuda: error: cuModuleLoadData (a cubin for sm_80) failed (CUDA_ERROR_NO_BINARY_FOR_GPU: reported by the fake driver); the kernel binary has no code for device 0 (sm_90): compile with bitsink-nvptx-pipeline chip=sm_90
// FAKEARCH: bitsink-gpu-check: error: loading the artifact's kernels: cuModuleLoadData (a cubin for sm_80) failed
//
// BADPTX: bitsink-compile: error: bitsink-nvptx-pipeline: chip sm_90 needs PTX ISA 7.8 or newer (features=+ptx78 or above), got '+ptx60'

// HUNG: bitsink-cuda: error: work on a stream did not finish within 0.1 s (BITSINK_CUDA_TIMEOUT_S); 1 kernel launch on stream 0x{{[0-9a-f]+}} since its last synchronisation, the last 1: 'gemv_binary_p2_kernel' grid (5, 1, 1) block (32, 4, 1); the device is left busy and later GPU calls of this process are skipped
// HUNG: bitsink-gpu-check: error: synchronizing: work on a stream did not finish

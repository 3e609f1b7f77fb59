// RUN: bitsink-opt %s --bitsink-cpu-pipeline | FileCheck %s
// RUN: bitsink-opt %s --bitsink-cpu-pipeline="openmp=false" | FileCheck %s --check-prefix=SERIAL
// RUN: bitsink-opt %s --bitsink-cpu-pipeline="c-interface=true" | FileCheck %s --check-prefix=CIFACE
//
// target-cpu (x86 CPU names: only on x86 hosts) decides the bit-plane GEMV
// kernel: x86-64 (SSE2) gets the bit-test kernel, x86-64-v3 (AVX2, no
// AVX-512F) the AVX2 table kernel (vpermps on ymm), skylake-avx512 the
// AVX-512 table kernel (vpermps on zmm), unless gemv-lut=false is given;
// --dump-pass-pipeline shows the CPU's features handed to
// bitsink-lower-bitplane-matmul as target-features.
// (x86-64-v3 used to get the bit-test kernel, gemv-lut=false below: the
// AVX2 table kernel now exists, and the bit-test case is checked on x86-64.)
// RUN: %if host-avx2 %{ bitsink-opt %s --bitsink-cpu-pipeline="target-cpu=x86-64" | FileCheck %s --check-prefix=NOLUT %}
// RUN: %if host-avx2 %{ bitsink-opt %s --bitsink-cpu-pipeline="target-cpu=x86-64-v3 gemv-lut=false" | FileCheck %s --check-prefix=NOLUT %}
// RUN: %if host-avx2 %{ bitsink-opt %s --bitsink-cpu-pipeline="target-cpu=x86-64-v3" | FileCheck %s --check-prefix=LUT2 %}
// RUN: %if host-avx2 %{ bitsink-opt %s --bitsink-cpu-pipeline="target-cpu=skylake-avx512 gemv-lut=false" | FileCheck %s --check-prefix=NOLUT %}
// RUN: %if host-avx2 %{ bitsink-opt %s --bitsink-cpu-pipeline="target-cpu=skylake-avx512" | FileCheck %s --check-prefix=LUT %}
// gemv-lut-int8 (off by default) takes the int8 table kernel: vpshufb on ymm
// for x86-64-v3, on zmm for skylake-avx512 (AVX-512BW).
// RUN: %if host-avx2 %{ bitsink-opt %s --bitsink-cpu-pipeline="target-cpu=x86-64-v3 gemv-lut-int8=true" | FileCheck %s --check-prefix=INT8-V3 %}
// RUN: %if host-avx2 %{ bitsink-opt %s --bitsink-cpu-pipeline="target-cpu=skylake-avx512 gemv-lut-int8=true" | FileCheck %s --check-prefix=INT8-SKX %}
// gemm-int8 (off by default) takes the int8 GEMM for M > gemv-max-rows:
// vpdpbusd on zmm for cascadelake (AVX512-VNNI), on ymm for alderlake
// (AVX-VNNI), refused for x86-64-v3 (no VNNI).
// RUN: %if host-avx2 %{ bitsink-opt %s --bitsink-cpu-pipeline="target-cpu=cascadelake gemm-int8=true" | FileCheck %s --check-prefix=GEMM-I8 %}
// RUN: %if host-avx2 %{ bitsink-opt %s --bitsink-cpu-pipeline="target-cpu=alderlake gemm-int8=true" | FileCheck %s --check-prefix=GEMM-I8-YMM %}
// RUN: %if host-avx2 %{ not bitsink-opt %s --bitsink-cpu-pipeline="target-cpu=x86-64-v3 gemm-int8=true" 2>&1 | FileCheck %s --check-prefix=GEMM-I8-NO %}
// RUN: %if host-avx2 %{ bitsink-opt %s --bitsink-cpu-pipeline="target-cpu=x86-64-v3" --dump-pass-pipeline -o /dev/null 2>&1 | FileCheck %s --check-prefix=V3PIPE %}
// RUN: %if host-avx2 %{ bitsink-opt %s --bitsink-cpu-pipeline="target-cpu=skylake-avx512" --dump-pass-pipeline -o /dev/null 2>&1 | FileCheck %s --check-prefix=SKXPIPE %}
// RUN: %if host-avx2 %{ bitsink-opt %s --bitsink-cpu-pipeline="target-cpu=x86-64" --dump-pass-pipeline -o /dev/null 2>&1 | FileCheck %s --check-prefix=GENPIPE %}
// RUN: %if host-avx2 %{ bitsink-opt %s --bitsink-cpu-pipeline="target-cpu=x86-64-v3 query-tile=4 decode-lanes=4" --dump-pass-pipeline -o /dev/null 2>&1 | FileCheck %s --check-prefix=GIVENPIPE %}
// An unknown CPU is an error naming it, before any pass runs.
// RUN: %if host-avx2 %{ bitsink-opt %s --bitsink-cpu-pipeline="target-cpu=x86-64-v3 gemv-min-tasks=3 gemv-prefetch-distance=7" --dump-pass-pipeline -o /dev/null 2>&1 | FileCheck %s --check-prefix=GEMVOPTS %}
// RUN: bitsink-opt %s --bitsink-cpu-pipeline --dump-pass-pipeline -o /dev/null 2>&1 | FileCheck %s --check-prefix=HOSTPIPE
// RUN: not bitsink-opt %s --bitsink-cpu-pipeline="target-cpu=pentium9" 2>&1 | FileCheck %s --check-prefix=BADCPU

// sink_attention on tensors all the way to the LLVM dialect: the result
// becomes a caller-allocated out-param, the (batch, head, query tile) loop
// becomes an OpenMP worksharing loop, exp is a vector polynomial (no libm
// call), and nothing but the LLVM and OpenMP dialects is left.

// The kernel is outlined into @attn_kernel (bitsink-outline-kernels,
// which marks it with the bitsink.kernel attribute), @attn calls it.
// (The label used to be @attn: the loop nest was inline there.)
// CHECK-LABEL: llvm.func internal @attn_kernel(
// CHECK-SAME:    !llvm.ptr
// CHECK-SAME:    bitsink.kernel
// CHECK:         omp.parallel
// CHECK:           omp.wsloop
// CHECK:             llvm.intr.roundeven({{.*}}) : (vector<32xf32>) -> vector<32xf32>
// CHECK:             llvm.intr.fmuladd({{.*}}) : (vector<32xf32>, vector<32xf32>, vector<32xf32>) -> vector<32xf32>
// CHECK-NOT:     llvm.call @expf
// CHECK-NOT:     scf.
// CHECK-NOT:     memref.
// (llvm.intr.vector.reduce.* is LLVM; a vector dialect op is not.)
// CHECK-NOT:     {{[^.a-z]}}vector.
// No bitsink op (the bitsink.kernel attribute is fine: this used to be
// "CHECK-NOT: bitsink.").
// CHECK-NOT:     {{"?bitsink\.[a-z_]+"?[ (]}}
// CHECK-LABEL: llvm.func @attn(
// CHECK:         llvm.call @attn_kernel(

// (The loop nest is in the outlined kernel; this label used to be @attn.)
// SERIAL-LABEL: llvm.func internal @attn_kernel
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

// The GEMV loop nest is in the outlined kernel @gemv_kernel (these labels
// used to be @gemv).
// NOLUT-LABEL: llvm.func internal @gemv_kernel
// NOLUT-NOT:     llvm.x86.avx
// LUT2-LABEL:  llvm.func internal @gemv_kernel
// LUT2-NOT:      llvm.x86.avx512
// LUT2:          llvm.call_intrinsic "llvm.x86.avx2.permps"
// LUT2-NOT:      llvm.x86.avx512
// LUT-LABEL:   llvm.func internal @gemv_kernel
// LUT:           llvm.call_intrinsic "llvm.x86.avx512.permvar.sf.512"
// INT8-V3-LABEL: llvm.func internal @gemv_kernel
// INT8-V3-NOT:     llvm.x86.avx512
// INT8-V3:         llvm.call_intrinsic "llvm.x86.avx2.pshuf.b"
// INT8-V3-NOT:     llvm.x86.avx512
// INT8-SKX-LABEL: llvm.func internal @gemv_kernel
// INT8-SKX:        llvm.call_intrinsic "llvm.x86.avx512.pshuf.b.512"

// (The pass's options now include gemv-lut-int8, off by default.)
// The attention tiles follow the target's registers (AVX-512: 32 x 8, two
// zmm per key; AVX2: 16 x 6, two ymm per key; otherwise 8 x 8) and a decode
// task's lanes one register; options given win.
// V3PIPE:      bitsink-lower-attention{decode-lanes=8 decode-max-queries=4 key-tile=6 query-tile=16 split-size=512}
// SKXPIPE:     bitsink-lower-attention{decode-lanes=16 decode-max-queries=4 key-tile=8 query-tile=32 split-size=512}
// GENPIPE:     bitsink-lower-attention{decode-lanes=8 decode-max-queries=4 key-tile=8 query-tile=8 split-size=512}
// GIVENPIPE:   bitsink-lower-attention{decode-lanes=4 decode-max-queries=4 key-tile=6 query-tile=4 split-size=512}
// V3PIPE:      bitsink-lower-bitplane-matmul{column-tile=64 gemm-int8=false gemv-column-tile=4096 gemv-lut=true gemv-lut-int16=false gemv-lut-int8=false gemv-max-rows=8 gemv-min-tasks=8 prefetch-distance=4 target-features=+64bit,
// V3PIPE-NOT:  avx512
// V3PIPE-SAME: +avx2,
// V3PIPE-NOT:  avx512
// V3PIPE-SAME: +fma,
// V3PIPE-NOT:  avx512
// V3PIPE-SAME: },
// SKXPIPE:      bitsink-lower-bitplane-matmul{column-tile=64 gemm-int8=false gemv-column-tile=4096 gemv-lut=true gemv-lut-int16=false gemv-lut-int8=false gemv-max-rows=8 gemv-min-tasks=8 prefetch-distance=4 target-features=+64bit,
// SKXPIPE-SAME: +avx512f,
// The GEMV's task multiple and prefetch distance are handed on; compiling
// for the host, the task multiple is its hardware thread count (at least 1).
// GEMVOPTS:     bitsink-lower-bitplane-matmul{{.*}} gemv-min-tasks=3 prefetch-distance=7
// HOSTPIPE:     bitsink-lower-bitplane-matmul{{.*}} gemv-min-tasks={{[1-9][0-9]*}} prefetch-distance=4

// BADCPU: error: bitsink-cpu-pipeline: target-cpu: unknown CPU 'pentium9' for {{.*}} (expected host, generic or an LLVM CPU name such as x86-64-v3)
func.func @gemv(%x: tensor<1x256xf32>, %p: tensor<2x8x64xi32>,
                %c: tensor<2x3x64xf32>) -> tensor<1x64xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x64xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<1x64xf32>) -> tensor<1x64xf32>
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<1x256xf32>, tensor<2x8x64xi32>, tensor<2x3x64xf32>)
         outs(%acc : tensor<1x64xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 128} -> tensor<1x64xf32>
  return %y : tensor<1x64xf32>
}

// GEMM-I8-LABEL: llvm.func internal @gemm_kernel
// GEMM-I8:         llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// GEMM-I8-YMM-LABEL: llvm.func internal @gemm_kernel
// GEMM-I8-YMM-NOT:   vpdpbusd.512
// GEMM-I8-YMM:       llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.256"
// GEMM-I8-YMM-NOT:   vpdpbusd.512
// GEMM-I8-NO: error: bitsink-lower-bitplane-matmul: gemm-int8 needs a target with avx512vnni or avxvnni, target-features = '+64bit,
func.func @gemm(%x: tensor<16x256xf32>, %p: tensor<2x8x64xi32>,
                %c: tensor<2x3x64xf32>) -> tensor<16x64xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<16x64xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<16x64xf32>) -> tensor<16x64xf32>
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<16x256xf32>, tensor<2x8x64xi32>, tensor<2x3x64xf32>)
         outs(%acc : tensor<16x64xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 128} -> tensor<16x64xf32>
  return %y : tensor<16x64xf32>
}

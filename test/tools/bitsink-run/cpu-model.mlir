// REQUIRES: host-avx2
// bitsink-run --cpu JIT-compiles for a named CPU model instead of the host:
// x86-64-v3 (AVX2, FMA, F16C; no AVX-512, no native bfloat conversion) runs
// on any AVX2 host, so an AVX-512 machine also runs the code an AVX2-only
// machine gets. Its bf16 stores call __truncsfbf2, which the JIT takes from
// LLVM's compiler-rt builtins; the pipeline's CPU-dependent defaults follow
// the named CPU (the bit-plane GEMV takes the AVX2 table kernel, not the
// AVX-512 one; 'generic' the bit-test kernel); no zmm register appears in
// the machine code.
// Bounds as in test/Integration/CPU: one output rounding for f16 / bf16.
//
// RUN: bitsink-run %s -e bf16_gqa --cpu=x86-64-v3 --seed=25 --check-reference --atol=1e-2 --rtol=1e-2 | FileCheck %s
// RUN: bitsink-run %s -e f16_sinks --cpu=x86-64-v3 --seed=24 --check-reference --atol=2e-3 --rtol=2e-3 | FileCheck %s
// RUN: bitsink-run %s -e gemv_bf16 --cpu=x86-64-v3 --seed=8 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-2 --rtol=1e-2 | FileCheck %s
// 'generic' x86-64 (SSE2 only: f16 conversions are calls too).
// RUN: bitsink-run %s -e f16_sinks --cpu=generic --seed=24 --check-reference --atol=2e-3 --rtol=2e-3 | FileCheck %s
// RUN: bitsink-run %s -e bf16_gqa --cpu=generic --seed=25 --check-reference --atol=1e-2 --rtol=1e-2 | FileCheck %s
// CHECK: output 0: {{.*}} PASS
//
// RUN: bitsink-run %s -e bf16_gqa --cpu=x86-64-v3 --dump-object=%t.bf16.o
// RUN: llvm-objdump -dr %t.bf16.o | FileCheck %s --check-prefix=ISA --implicit-check-not=%%zmm
// RUN: bitsink-run %s -e gemv_bf16 --cpu=x86-64-v3 --dump-object=%t.gemv.o
// RUN: llvm-objdump -dr %t.gemv.o | FileCheck %s --check-prefix=ISA --implicit-check-not=%%zmm
// ISA: %ymm
// ISA: __truncsfbf2
//
// An unknown CPU is a one-line error before anything is compiled.
// RUN: not bitsink-run %s -e bf16_gqa --cpu=pentium9 2>&1 | FileCheck %s --check-prefix=BADCPU
// BADCPU: bitsink-run: error: unknown CPU 'pentium9' for {{.*}} (expected host, generic or an LLVM CPU name such as x86-64-v3)

// bf16, GQA 4, non-power-of-two head dims (D = 48, Dv = 40).
func.func @bf16_gqa(%q: tensor<1x8x30x48xbf16>, %k: tensor<1x2x30x48xbf16>,
                    %v: tensor<1x2x30x40xbf16>) -> tensor<1x8x30x40xbf16> {
  %e = tensor.empty() : tensor<1x8x30x40xbf16>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x8x30x48xbf16>,
      tensor<1x2x30x48xbf16>, tensor<1x2x30x40xbf16>) outs(%e : tensor<1x8x30x40xbf16>)
      {num_sinks = 2, window = 7, causal = true} -> tensor<1x8x30x40xbf16>
  return %o : tensor<1x8x30x40xbf16>
}

// f16 inputs and output, f32 accumulation, learned sinks, GQA 2.
func.func @f16_sinks(%q: tensor<1x4x45x64xf16>, %k: tensor<1x2x45x64xf16>,
                     %v: tensor<1x2x45x64xf16>, %s: tensor<4xf16>) -> tensor<1x4x45x64xf16> {
  %e = tensor.empty() : tensor<1x4x45x64xf16>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x45x64xf16>,
      tensor<1x2x45x64xf16>, tensor<1x2x45x64xf16>) sink_logits(%s : tensor<4xf16>)
      outs(%e : tensor<1x4x45x64xf16>) {num_sinks = 4, window = 8, causal = true}
      -> tensor<1x4x45x64xf16>
  return %o : tensor<1x4x45x64xf16>
}

// Bit-plane GEMV (M = 1), signed planes, bf16 input and output, f16
// coefficients; the default pipeline picks its kernel from the CPU.
func.func @gemv_bf16(%x: tensor<1x257xbf16>, %p: tensor<4x9x37xi32>,
    %c: tensor<3x5x37xf16>, %acc: tensor<1x37xbf16>) -> tensor<1x37xbf16> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<1x257xbf16>, tensor<4x9x37xi32>, tensor<3x5x37xf16>)
         outs(%acc : tensor<1x37xbf16>)
         {plane_kind = #bitsink.plane_kind<signed>, group_size = 128} -> tensor<1x37xbf16>
  return %y : tensor<1x37xbf16>
}

// The table kernel, asked for explicitly, is refused for a CPU without
// AVX-512F or AVX2 (LLVM's code generator would abort on its intrinsic).
// --cpu reaches bitsink-cpu-pipeline as target-cpu, whose features the
// bit-plane lowering checks: the refusal is now its diagnostic, before any
// IR is made, rather than the later intrinsic check of the lowered module.
// (This was x86-64-v3, refused while only AVX-512 had a table kernel; it
// now gets the AVX2 one, so the refusal is checked on 'generic'.)
// RUN: not bitsink-run %s -e gemv_bf16 --cpu=generic --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" 2>&1 | FileCheck %s --check-prefix=LUT
// LUT: error: bitsink-lower-bitplane-matmul: gemv-lut {{.*}}avx512f

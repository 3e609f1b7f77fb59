// The machine code of the bit-plane GEMV's table kernels (gemv-lut) for an
// AVX2 and an AArch64 NEON target, compiled by llc from the lowered module
// (any host: nothing runs). The lowering to the LLVM dialect is the CPU
// pipeline's, without the OpenMP and bufferization steps (the input is
// already on memrefs).
//
// RUN: bitsink-opt %s --bitsink-lower-bitplane-matmul="gemv-lut=true target-features=+avx2,+fma" \
// RUN:   --convert-vector-to-scf --convert-scf-to-cf --expand-strided-metadata --lower-affine \
// RUN:   --convert-vector-to-llvm --finalize-memref-to-llvm --convert-to-llvm --reconcile-unrealized-casts \
// RUN: | mlir-translate --mlir-to-llvmir | llc -O2 -mtriple=x86_64-unknown-linux-gnu -mcpu=x86-64-v3 \
// RUN: | FileCheck %s --check-prefix=AVX2 --implicit-check-not=%%zmm
// RUN: bitsink-opt %s --bitsink-lower-bitplane-matmul="gemv-lut=true target-features=+neon" \
// RUN:   --convert-vector-to-scf --convert-scf-to-cf --expand-strided-metadata --lower-affine \
// RUN:   --convert-vector-to-llvm --finalize-memref-to-llvm --convert-to-llvm --reconcile-unrealized-casts \
// RUN: | mlir-translate --mlir-to-llvmir | llc -O2 -mtriple=aarch64-unknown-linux-gnu -mattr=+neon \
// RUN: | FileCheck %s --check-prefix=NEON
//
// With AVX2, per 3 rows and 8 columns one shift (by 3c), one vpermps on a ymm
// table (LLVM may pick the integer-domain vpermd, the same lookup) and one
// add; no zmm register anywhere.
// AVX2-LABEL: gemv_lut:
// AVX2:       vpsrld $3, %ymm
// AVX2:       vperm{{d|ps}} %ymm{{[0-9]+}}, %ymm{{[0-9]+}}, %ymm{{[0-9]+}}
// AVX2:       vaddps {{.*}}%ymm
// AVX2:       vpsrld $6, %ymm
// AVX2:       vperm{{d|ps}} %ymm
//
// With NEON, per 4 rows and 4 columns one tbl over the four registers of a
// 16-float table.
// NEON-LABEL: gemv_lut:
// NEON:       tbl v{{[0-9]+}}.16b, { v{{[0-9]+}}.16b, v{{[0-9]+}}.16b, v{{[0-9]+}}.16b, v{{[0-9]+}}.16b }, v{{[0-9]+}}.16b
// NEON:       fadd v{{[0-9]+}}.4s

// 2-bit binary planes, K = 100 (a partial last word), N = 40.
func.func @gemv_lut(%x: memref<1x100xf32>, %planes: memref<2x4x40xi32>,
                    %coeffs: memref<1x3x40xf16>, %y: memref<1x40xf32>) {
  bitsink.bitplane_matmul ins(%x, %planes, %coeffs : memref<1x100xf32>,
      memref<2x4x40xi32>, memref<1x3x40xf16>) outs(%y : memref<1x40xf32>)
      {plane_kind = #bitsink.plane_kind<binary>, group_size = 128}
  return
}

// bitsink.bitplane_matmul through bitsink-cpu-pipeline on the GEMM path
// (M > gemv-max-rows: 9, 10, 13, 64, 77, 130 rows, so whole and partial
// 8-row register tiles and 64-row cache tiles of the matmul that
// bitsink-tile-contractions tiles; K up to 300, so several 128-row
// dequantized slabs and a partial one; N up to 150, so several 64-column
// tasks and a partial one),
// checked against the naive reference of bitsink-run --check-reference on
// random inputs. Random 32-bit plane words set the bits of rows k >= K,
// which must not count. The last RUN lines push M = 1 and M = 3 through the
// GEMM path and M = 9 through GEMV with the gemv-max-rows pipeline option.
// Bounds: f32 results 1e-4 + 1e-4|ref|; f16 / bf16 results one rounding.
//
// RUN: bitsink-run %s -e binary_p1_m64_g32 --seed=1 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s -e binary_p2_m64_g128_f16c --seed=2 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s -e binary_p3_m9_channel_bf16 --seed=3 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-2 --rtol=1e-2 | FileCheck %s
// RUN: bitsink-run %s -e binary_p4_m64_g32_f16 --seed=4 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-3 --rtol=2e-3 | FileCheck %s
// RUN: bitsink-run %s -e signed_p1_m64_g128 --seed=5 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s -e signed_p2_m13_channel --seed=6 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s -e signed_p3_m64_g32 --seed=7 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s -e signed_p4_m64_bf16 --seed=8 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-2 --rtol=1e-2 | FileCheck %s
// RUN: bitsink-run %s -e ternary_p2_m64_g128 --seed=9 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s -e ternary_p4_m64_g32 --seed=10 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s -e ternary_p2_m10_channel_f16 --seed=11 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-3 --rtol=2e-3 | FileCheck %s
// RUN: bitsink-run %s -e ternary_p4_m64_exact --seed=12 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s -e binary_p2_m77_g128_f16c --seed=13 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s -e ternary_p2_m130_g64_bf16 --seed=14 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-2 --rtol=1e-2 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv.mlir -e binary_p2_m3_g128_f16c --pipeline="bitsink-cpu-pipeline{gemv-max-rows=0}" --seed=21 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv.mlir -e ternary_p2_m1_g128 --pipeline="bitsink-cpu-pipeline{gemv-max-rows=0}" --seed=22 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s -e binary_p3_m9_channel_bf16 --pipeline="bitsink-cpu-pipeline{gemv-max-rows=16}" --seed=23 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-2 --rtol=1e-2 | FileCheck %s
//
// CHECK: output 0: {{.*}} PASS

// Binary P = 1, M = 64, g = 32, K = 257 (three 128-row chunks, the last
// 1 row), N = 129 (3 column tiles, the last 1 column).
func.func @binary_p1_m64_g32(%x: tensor<64x257xf32>, %p: tensor<1x9x129xi32>,
    %c: tensor<9x2x129xf32>, %acc: tensor<64x129xf32>) -> tensor<64x129xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<64x257xf32>, tensor<1x9x129xi32>, tensor<9x2x129xf32>)
         outs(%acc : tensor<64x129xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 32} -> tensor<64x129xf32>
  return %y : tensor<64x129xf32>
}

// Binary P = 2, g = 128, f16 coefficients.
func.func @binary_p2_m64_g128_f16c(%x: tensor<64x257xf32>, %p: tensor<2x9x37xi32>,
    %c: tensor<3x3x37xf16>, %acc: tensor<64x37xf32>) -> tensor<64x37xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<64x257xf32>, tensor<2x9x37xi32>, tensor<3x3x37xf16>)
         outs(%acc : tensor<64x37xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 128} -> tensor<64x37xf32>
  return %y : tensor<64x37xf32>
}

// Binary P = 3, M = 9 (two 4-row blocks + 1 row), per-channel, bf16 x and acc.
func.func @binary_p3_m9_channel_bf16(%x: tensor<9x100xbf16>, %p: tensor<3x4x129xi32>,
    %c: tensor<1x4x129xf16>, %acc: tensor<9x129xbf16>) -> tensor<9x129xbf16> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<9x100xbf16>, tensor<3x4x129xi32>, tensor<1x4x129xf16>)
         outs(%acc : tensor<9x129xbf16>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 100} -> tensor<9x129xbf16>
  return %y : tensor<9x129xbf16>
}

// Binary P = 4, f16 x and acc, g = 32.
func.func @binary_p4_m64_g32_f16(%x: tensor<64x100xf16>, %p: tensor<4x4x37xi32>,
    %c: tensor<4x5x37xf32>, %acc: tensor<64x37xf16>) -> tensor<64x37xf16> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<64x100xf16>, tensor<4x4x37xi32>, tensor<4x5x37xf32>)
         outs(%acc : tensor<64x37xf16>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 32} -> tensor<64x37xf16>
  return %y : tensor<64x37xf16>
}

// Signed P = 1, g = 128.
func.func @signed_p1_m64_g128(%x: tensor<64x257xf32>, %p: tensor<1x9x37xi32>,
    %c: tensor<3x2x37xf16>, %acc: tensor<64x37xf32>) -> tensor<64x37xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<64x257xf32>, tensor<1x9x37xi32>, tensor<3x2x37xf16>)
         outs(%acc : tensor<64x37xf32>)
         {plane_kind = #bitsink.plane_kind<signed>, group_size = 128} -> tensor<64x37xf32>
  return %y : tensor<64x37xf32>
}

// Signed P = 2, M = 13, per-channel with group_size > K.
func.func @signed_p2_m13_channel(%x: tensor<13x100xf32>, %p: tensor<2x4x129xi32>,
    %c: tensor<1x3x129xf32>, %acc: tensor<13x129xf32>) -> tensor<13x129xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<13x100xf32>, tensor<2x4x129xi32>, tensor<1x3x129xf32>)
         outs(%acc : tensor<13x129xf32>)
         {plane_kind = #bitsink.plane_kind<signed>, group_size = 4096} -> tensor<13x129xf32>
  return %y : tensor<13x129xf32>
}

// Signed P = 3, g = 32.
func.func @signed_p3_m64_g32(%x: tensor<64x257xf32>, %p: tensor<3x9x129xi32>,
    %c: tensor<9x4x129xf32>, %acc: tensor<64x129xf32>) -> tensor<64x129xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<64x257xf32>, tensor<3x9x129xi32>, tensor<9x4x129xf32>)
         outs(%acc : tensor<64x129xf32>)
         {plane_kind = #bitsink.plane_kind<signed>, group_size = 32} -> tensor<64x129xf32>
  return %y : tensor<64x129xf32>
}

// Signed P = 4, bf16 x and acc.
func.func @signed_p4_m64_bf16(%x: tensor<64x257xbf16>, %p: tensor<4x9x37xi32>,
    %c: tensor<3x5x37xf16>, %acc: tensor<64x37xbf16>) -> tensor<64x37xbf16> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<64x257xbf16>, tensor<4x9x37xi32>, tensor<3x5x37xf16>)
         outs(%acc : tensor<64x37xbf16>)
         {plane_kind = #bitsink.plane_kind<signed>, group_size = 128} -> tensor<64x37xbf16>
  return %y : tensor<64x37xbf16>
}

// Ternary P = 2, g = 128.
func.func @ternary_p2_m64_g128(%x: tensor<64x257xf32>, %p: tensor<2x9x129xi32>,
    %c: tensor<3x2x129xf16>, %acc: tensor<64x129xf32>) -> tensor<64x129xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<64x257xf32>, tensor<2x9x129xi32>, tensor<3x2x129xf16>)
         outs(%acc : tensor<64x129xf32>)
         {plane_kind = #bitsink.plane_kind<ternary>, group_size = 128} -> tensor<64x129xf32>
  return %y : tensor<64x129xf32>
}

// Ternary P = 4, g = 32.
func.func @ternary_p4_m64_g32(%x: tensor<64x100xf32>, %p: tensor<4x4x37xi32>,
    %c: tensor<4x3x37xf32>, %acc: tensor<64x37xf32>) -> tensor<64x37xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<64x100xf32>, tensor<4x4x37xi32>, tensor<4x3x37xf32>)
         outs(%acc : tensor<64x37xf32>)
         {plane_kind = #bitsink.plane_kind<ternary>, group_size = 32} -> tensor<64x37xf32>
  return %y : tensor<64x37xf32>
}

// Ternary P = 2, M = 10, per-channel, f16 everywhere.
func.func @ternary_p2_m10_channel_f16(%x: tensor<10x257xf16>, %p: tensor<2x9x37xi32>,
    %c: tensor<1x2x37xf16>, %acc: tensor<10x37xf16>) -> tensor<10x37xf16> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<10x257xf16>, tensor<2x9x37xi32>, tensor<1x2x37xf16>)
         outs(%acc : tensor<10x37xf16>)
         {plane_kind = #bitsink.plane_kind<ternary>, group_size = 257} -> tensor<10x37xf16>
  return %y : tensor<10x37xf16>
}

// Ternary P = 4, K = 256 (two whole chunks), N = 64 (one whole tile).
func.func @ternary_p4_m64_exact(%x: tensor<64x256xf32>, %p: tensor<4x8x64xi32>,
    %c: tensor<2x3x64xf32>, %acc: tensor<64x64xf32>) -> tensor<64x64xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<64x256xf32>, tensor<4x8x64xi32>, tensor<2x3x64xf32>)
         outs(%acc : tensor<64x64xf32>)
         {plane_kind = #bitsink.plane_kind<ternary>, group_size = 128} -> tensor<64x64xf32>
  return %y : tensor<64x64xf32>
}

// Binary P = 2, M = 77 (a whole 64-row cache tile, then 13 rows: one whole
// 8-row register tile and 5 leftover rows), K = 300 (slabs of 128, 128 and
// 44 rows; the last group of 128 holds 44), N = 150 (tasks of 64, 64 and 22
// columns), f16 coefficients.
func.func @binary_p2_m77_g128_f16c(%x: tensor<77x300xf32>, %p: tensor<2x10x150xi32>,
    %c: tensor<3x3x150xf16>, %acc: tensor<77x150xf32>) -> tensor<77x150xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<77x300xf32>, tensor<2x10x150xi32>, tensor<3x3x150xf16>)
         outs(%acc : tensor<77x150xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 128} -> tensor<77x150xf32>
  return %y : tensor<77x150xf32>
}

// Ternary P = 2, M = 130 (cache tiles of 64, 64 and 2 rows), K = 200
// (slabs of 128 and 72 rows, groups of 64, the last 8 rows), N = 75 (tasks
// of 64 and 11 columns), bf16 x and acc.
func.func @ternary_p2_m130_g64_bf16(%x: tensor<130x200xbf16>, %p: tensor<2x7x75xi32>,
    %c: tensor<4x2x75xf32>, %acc: tensor<130x75xbf16>) -> tensor<130x75xbf16> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<130x200xbf16>, tensor<2x7x75xi32>, tensor<4x2x75xf32>)
         outs(%acc : tensor<130x75xbf16>)
         {plane_kind = #bitsink.plane_kind<ternary>, group_size = 64} -> tensor<130x75xbf16>
  return %y : tensor<130x75xbf16>
}

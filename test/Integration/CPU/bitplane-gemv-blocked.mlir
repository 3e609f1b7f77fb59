// bitsink.bitplane_matmul with blocked planes (#bitsink.layout<n_tile,
// k_tile>, docs/semantics.md §2.3) through bitsink-cpu-pipeline: the GEMV
// kernels (bit tests, f32 tables, int8 tables) and the GEMM kernel read the
// rank-5 planes directly, checked against the reference interpreter, which
// unblocks them (bitsink-run --check-reference) on random inputs. The planes
// are random 32-bit words, so the padding words and columns of the last
// blocks and the bits of rows k >= K are set: the kernels must ignore them.
// Bounds: f32 results 1e-4 + 1e-4|ref|, f16 outputs or inputs one rounding;
// the int8 tables round their sums (bitplane-gemv-lut.mlir's bound).
// bitplane-gemv-blocked-int16.mlir runs the GEMV entries through the int16
// tables.
//
// REQUIRES: host-avx2
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=false}" -e binary_p2_m1_g128 --seed=1 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=false}" -e binary_p3_m3_g32_n40 --seed=2 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=false}" -e signed_p1_m1_channel_bf16x --seed=3 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-2 --rtol=1e-2 | FileCheck %s
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=false}" -e signed_p4_m3_g128_f16 --seed=4 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-2 --rtol=1e-2 | FileCheck %s
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=false}" -e ternary_p2_m1_g128 --seed=5 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=false}" -e ternary_p4_m3_g32 --seed=6 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=false}" -e binary_p1_m1_exact --seed=7 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=false}" -e binary_p2_m20_gemm --seed=8 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=false}" -e signed_p3_m12_gemm_f16 --seed=9 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-2 --rtol=1e-2 | FileCheck %s
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e binary_p2_m1_g128 --seed=10 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e binary_p3_m3_g32_n40 --seed=11 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e signed_p1_m1_channel_bf16x --seed=12 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-2 --rtol=1e-2 | FileCheck %s
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e signed_p4_m3_g128_f16 --seed=13 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-2 --rtol=1e-2 | FileCheck %s
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e ternary_p2_m1_g128 --seed=14 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e ternary_p4_m3_g32 --seed=15 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e binary_p1_m1_exact --seed=16 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
//
// CHECK: output 0: {{.*}} PASS

// Binary P = 2 (2-bit BPDQ), M = 1, g = 128, f16 coefficients, K = 257 (last
// word 1 row, KW = 9: the last word block holds 1 word and 3 padding words),
// N = 129 (9 blocks, the last with 1 column).
func.func @binary_p2_m1_g128(%x: tensor<1x257xf32>, %p: tensor<9x3x2x4x16xi32>,
    %c: tensor<3x3x129xf16>, %acc: tensor<1x129xf32>) -> tensor<1x129xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<1x257xf32>, tensor<9x3x2x4x16xi32>, tensor<3x3x129xf16>)
         outs(%acc : tensor<1x129xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 128, layout = #bitsink.layout<n_tile = 16, k_tile = 4>} -> tensor<1x129xf32>
  return %y : tensor<1x129xf32>
}

// Binary P = 3, M = 3, g = 32, k_tile = 1, N = 40 (3 blocks, 3 column
// vectors, one task with 8 padding columns).
func.func @binary_p3_m3_g32_n40(%x: tensor<3x100xf32>, %p: tensor<3x4x3x1x16xi32>,
    %c: tensor<4x4x40xf32>, %acc: tensor<3x40xf32>) -> tensor<3x40xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<3x100xf32>, tensor<3x4x3x1x16xi32>, tensor<4x4x40xf32>)
         outs(%acc : tensor<3x40xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 32, layout = #bitsink.layout<n_tile = 16, k_tile = 1>} -> tensor<3x40xf32>
  return %y : tensor<3x40xf32>
}

// Signed P = 1, per-channel (group_size = K = 100), bf16 x, N = 1040 (65
// column vectors: the last task's other vectors lie past N).
func.func @signed_p1_m1_channel_bf16x(%x: tensor<1x100xbf16>, %p: tensor<65x1x1x4x16xi32>,
    %c: tensor<1x2x1040xf16>, %acc: tensor<1x1040xf32>) -> tensor<1x1040xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<1x100xbf16>, tensor<65x1x1x4x16xi32>, tensor<1x2x1040xf16>)
         outs(%acc : tensor<1x1040xf32>)
         {plane_kind = #bitsink.plane_kind<signed>, group_size = 100, layout = #bitsink.layout<n_tile = 16, k_tile = 4>} -> tensor<1x1040xf32>
  return %y : tensor<1x1040xf32>
}

// Signed P = 4, M = 3, f16 x and acc, n_tile = 32 (two column vectors per
// block), k_tile = 3 (blocks across group boundaries).
func.func @signed_p4_m3_g128_f16(%x: tensor<3x257xf16>, %p: tensor<2x3x4x3x32xi32>,
    %c: tensor<3x5x37xf32>, %acc: tensor<3x37xf16>) -> tensor<3x37xf16> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<3x257xf16>, tensor<2x3x4x3x32xi32>, tensor<3x5x37xf32>)
         outs(%acc : tensor<3x37xf16>)
         {plane_kind = #bitsink.plane_kind<signed>, group_size = 128, layout = #bitsink.layout<n_tile = 32, k_tile = 3>} -> tensor<3x37xf16>
  return %y : tensor<3x37xf16>
}

// Ternary P = 2, M = 1, g = 128, N = 160 (10 whole vectors).
func.func @ternary_p2_m1_g128(%x: tensor<1x257xf32>, %p: tensor<10x3x2x4x16xi32>,
    %c: tensor<3x2x160xf16>, %acc: tensor<1x160xf32>) -> tensor<1x160xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<1x257xf32>, tensor<10x3x2x4x16xi32>, tensor<3x2x160xf16>)
         outs(%acc : tensor<1x160xf32>)
         {plane_kind = #bitsink.plane_kind<ternary>, group_size = 128, layout = #bitsink.layout<n_tile = 16, k_tile = 4>} -> tensor<1x160xf32>
  return %y : tensor<1x160xf32>
}

// Ternary P = 4, M = 3, g = 32, k_tile = 2.
func.func @ternary_p4_m3_g32(%x: tensor<3x100xf32>, %p: tensor<3x2x4x2x16xi32>,
    %c: tensor<4x3x37xf32>, %acc: tensor<3x37xf32>) -> tensor<3x37xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<3x100xf32>, tensor<3x2x4x2x16xi32>, tensor<4x3x37xf32>)
         outs(%acc : tensor<3x37xf32>)
         {plane_kind = #bitsink.plane_kind<ternary>, group_size = 32, layout = #bitsink.layout<n_tile = 16, k_tile = 2>} -> tensor<3x37xf32>
  return %y : tensor<3x37xf32>
}

// Binary P = 1, M = 1, K = 64, N = 16: one block, no padding.
func.func @binary_p1_m1_exact(%x: tensor<1x64xf32>, %p: tensor<1x1x1x2x16xi32>,
    %c: tensor<1x2x16xf32>, %acc: tensor<1x16xf32>) -> tensor<1x16xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<1x64xf32>, tensor<1x1x1x2x16xi32>, tensor<1x2x16xf32>)
         outs(%acc : tensor<1x16xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 64, layout = #bitsink.layout<n_tile = 16, k_tile = 2>} -> tensor<1x16xf32>
  return %y : tensor<1x16xf32>
}

// Binary P = 2, M = 20 (> gemv-max-rows: the GEMM kernel reads the blocked
// planes a tile at a time), N = 70.
func.func @binary_p2_m20_gemm(%x: tensor<20x257xf32>, %p: tensor<5x3x2x4x16xi32>,
    %c: tensor<3x3x70xf16>, %acc: tensor<20x70xf32>) -> tensor<20x70xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<20x257xf32>, tensor<5x3x2x4x16xi32>, tensor<3x3x70xf16>)
         outs(%acc : tensor<20x70xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 128, layout = #bitsink.layout<n_tile = 16, k_tile = 4>} -> tensor<20x70xf32>
  return %y : tensor<20x70xf32>
}

// Signed P = 3, M = 12 (GEMM), f16 x, n_tile = 32, k_tile = 1.
func.func @signed_p3_m12_gemm_f16(%x: tensor<12x100xf16>, %p: tensor<2x4x3x1x32xi32>,
    %c: tensor<4x4x33xf32>, %acc: tensor<12x33xf32>) -> tensor<12x33xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<12x100xf16>, tensor<2x4x3x1x32xi32>, tensor<4x4x33xf32>)
         outs(%acc : tensor<12x33xf32>)
         {plane_kind = #bitsink.plane_kind<signed>, group_size = 32, layout = #bitsink.layout<n_tile = 32, k_tile = 1>} -> tensor<12x33xf32>
  return %y : tensor<12x33xf32>
}

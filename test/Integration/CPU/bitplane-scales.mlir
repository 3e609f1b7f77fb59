// bitsink.bitplane_matmul with sub-block scale codes (`scales`, sub_block =
// 8, 16, 32: Ŵ = (q + 1)/16 · the §2.3 value, q a 4-bit code per sub-block
// and column) through bitsink-cpu-pipeline, checked against the naive
// reference of bitsink-run --check-reference (lib/Reference) on random
// inputs. Random 32-bit scale words set the codes of sub-blocks past
// ceil(K/S) too, and random plane words the bits of rows >= K: neither may
// count. GEMV entries (M <= 8) run through the bit-test kernel
// (gemv-lut=false), the f32 table kernel (gemv-lut=true; 4-row chunks on
// this AVX-512 or AVX2 host model: the AVX2 model takes the bit-test kernel,
// its 3-row chunks straddle sub-blocks) and with gemv-lut-int16 /
// gemv-lut-int8, which take the f32 table kernel for an op with codes; GEMM
// entries (M > 8) through the f32 GEMM and with gemm-int8 (the f32 GEMM for
// codes). Odd K and N leave partial words, sub-blocks, groups and column
// vectors; per-channel entries have K not a multiple of S. Bounds: f32
// results 1e-4 + 1e-4|ref|, f16 / bf16 inputs one rounding more.
//
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=false}" -e binary_p2_m1_g128_s16 --seed=1 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e binary_p2_m1_g128_s16 --seed=1 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: %if host-avx512 %{ bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut-int16=true}" -e binary_p2_m1_g128_s16 --seed=1 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s %}
// RUN: %if host-avx2 %{ bitsink-run %s --cpu=x86-64-v3 --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e binary_p2_m1_g128_s16 --seed=1 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s %}
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=false}" -e binary_p3_m3_channel_s8 --seed=2 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e binary_p3_m3_channel_s8 --seed=2 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: %if host-avx512 %{ bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut-int8=true}" -e binary_p3_m3_channel_s8 --seed=2 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s %}
// RUN: %if host-avx2 %{ bitsink-run %s --cpu=x86-64-v3 --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e binary_p3_m3_channel_s8 --seed=2 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s %}
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=false}" -e signed_p2_m1_g64_s32 --seed=3 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e signed_p2_m1_g64_s32 --seed=3 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: %if host-avx512 %{ bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut-int16=true}" -e signed_p2_m1_g64_s32 --seed=3 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s %}
// RUN: %if host-avx2 %{ bitsink-run %s --cpu=x86-64-v3 --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e signed_p2_m1_g64_s32 --seed=3 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s %}
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=false}" -e ternary_p2_m3_g32_s8 --seed=4 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-3 --rtol=2e-3 | FileCheck %s
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e ternary_p2_m3_g32_s8 --seed=4 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-3 --rtol=2e-3 | FileCheck %s
// RUN: %if host-avx512 %{ bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut-int8=true}" -e ternary_p2_m3_g32_s8 --seed=4 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-3 --rtol=2e-3 | FileCheck %s %}
// RUN: %if host-avx2 %{ bitsink-run %s --cpu=x86-64-v3 --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e ternary_p2_m3_g32_s8 --seed=4 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-3 --rtol=2e-3 | FileCheck %s %}
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=false}" -e binary_p4_m1_channel_s16 --seed=5 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e binary_p4_m1_channel_s16 --seed=5 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: %if host-avx512 %{ bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut-int16=true}" -e binary_p4_m1_channel_s16 --seed=5 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s %}
// RUN: %if host-avx2 %{ bitsink-run %s --cpu=x86-64-v3 --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e binary_p4_m1_channel_s16 --seed=5 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s %}
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline" -e binary_p2_m20_g128_s16 --seed=6 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: %if host-avx512 %{ bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemm-int8=true}" -e binary_p2_m20_g128_s16 --seed=6 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s %}
// RUN: %if host-avx2 %{ bitsink-run %s --cpu=x86-64-v3 --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e binary_p2_m20_g128_s16 --seed=6 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s %}
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline" -e ternary_p4_m9_channel_s8 --seed=7 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: %if host-avx512 %{ bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemm-int8=true}" -e ternary_p4_m9_channel_s8 --seed=7 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s %}
// RUN: %if host-avx2 %{ bitsink-run %s --cpu=x86-64-v3 --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e ternary_p4_m9_channel_s8 --seed=7 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s %}
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline" -e signed_p3_m13_g32_s32 --seed=8 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-3 --rtol=2e-3 | FileCheck %s
// RUN: %if host-avx512 %{ bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemm-int8=true}" -e signed_p3_m13_g32_s32 --seed=8 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-3 --rtol=2e-3 | FileCheck %s %}
// RUN: %if host-avx2 %{ bitsink-run %s --cpu=x86-64-v3 --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e signed_p3_m13_g32_s32 --seed=8 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-3 --rtol=2e-3 | FileCheck %s %}
//
// CHECK: output 0: {{.*}} PASS

// Binary P = 2, M = 1, K = 257, N = 129, group_size = 128, sub_block = 16
// (17 sub-blocks in 3 scale words), f32 x.
func.func @binary_p2_m1_g128_s16(%x: tensor<1x257xf32>, %p: tensor<2x9x129xi32>,
    %c: tensor<3x3x129xf16>, %s: tensor<3x129xi32>, %acc: tensor<1x129xf32>) -> tensor<1x129xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<1x257xf32>, tensor<2x9x129xi32>, tensor<3x3x129xf16>)
         scales(%s : tensor<3x129xi32>)
         outs(%acc : tensor<1x129xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 128, sub_block = 16} -> tensor<1x129xf32>
  return %y : tensor<1x129xf32>
}

// Binary P = 3, M = 3, K = 100, N = 37, group_size = 100, sub_block = 8
// (13 sub-blocks in 2 scale words), f32 x.
func.func @binary_p3_m3_channel_s8(%x: tensor<3x100xf32>, %p: tensor<3x4x37xi32>,
    %c: tensor<1x4x37xf32>, %s: tensor<2x37xi32>, %acc: tensor<3x37xf32>) -> tensor<3x37xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<3x100xf32>, tensor<3x4x37xi32>, tensor<1x4x37xf32>)
         scales(%s : tensor<2x37xi32>)
         outs(%acc : tensor<3x37xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 100, sub_block = 8} -> tensor<3x37xf32>
  return %y : tensor<3x37xf32>
}

// Signed P = 2, M = 1, K = 200, N = 70, group_size = 64, sub_block = 32
// (7 sub-blocks in 1 scale words), f32 x.
func.func @signed_p2_m1_g64_s32(%x: tensor<1x200xf32>, %p: tensor<2x7x70xi32>,
    %c: tensor<4x3x70xf16>, %s: tensor<1x70xi32>, %acc: tensor<1x70xf32>) -> tensor<1x70xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<1x200xf32>, tensor<2x7x70xi32>, tensor<4x3x70xf16>)
         scales(%s : tensor<1x70xi32>)
         outs(%acc : tensor<1x70xf32>)
         {plane_kind = #bitsink.plane_kind<signed>, group_size = 64, sub_block = 32} -> tensor<1x70xf32>
  return %y : tensor<1x70xf32>
}

// Ternary P = 2, M = 3, K = 95, N = 33, group_size = 32, sub_block = 8
// (12 sub-blocks in 2 scale words), bf16 x.
func.func @ternary_p2_m3_g32_s8(%x: tensor<3x95xbf16>, %p: tensor<2x3x33xi32>,
    %c: tensor<3x2x33xf16>, %s: tensor<2x33xi32>, %acc: tensor<3x33xf32>) -> tensor<3x33xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<3x95xbf16>, tensor<2x3x33xi32>, tensor<3x2x33xf16>)
         scales(%s : tensor<2x33xi32>)
         outs(%acc : tensor<3x33xf32>)
         {plane_kind = #bitsink.plane_kind<ternary>, group_size = 32, sub_block = 8} -> tensor<3x33xf32>
  return %y : tensor<3x33xf32>
}

// Binary P = 4, M = 1, K = 62, N = 48, group_size = 62, sub_block = 16
// (4 sub-blocks in 1 scale words), f32 x.
func.func @binary_p4_m1_channel_s16(%x: tensor<1x62xf32>, %p: tensor<4x2x48xi32>,
    %c: tensor<1x5x48xf32>, %s: tensor<1x48xi32>, %acc: tensor<1x48xf32>) -> tensor<1x48xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<1x62xf32>, tensor<4x2x48xi32>, tensor<1x5x48xf32>)
         scales(%s : tensor<1x48xi32>)
         outs(%acc : tensor<1x48xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 62, sub_block = 16} -> tensor<1x48xf32>
  return %y : tensor<1x48xf32>
}

// Binary P = 2, M = 20, K = 300, N = 150, group_size = 128, sub_block = 16
// (19 sub-blocks in 3 scale words), f32 x.
func.func @binary_p2_m20_g128_s16(%x: tensor<20x300xf32>, %p: tensor<2x10x150xi32>,
    %c: tensor<3x3x150xf16>, %s: tensor<3x150xi32>, %acc: tensor<20x150xf32>) -> tensor<20x150xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<20x300xf32>, tensor<2x10x150xi32>, tensor<3x3x150xf16>)
         scales(%s : tensor<3x150xi32>)
         outs(%acc : tensor<20x150xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 128, sub_block = 16} -> tensor<20x150xf32>
  return %y : tensor<20x150xf32>
}

// Ternary P = 4, M = 9, K = 100, N = 65, group_size = 100, sub_block = 8
// (13 sub-blocks in 2 scale words), f32 x.
func.func @ternary_p4_m9_channel_s8(%x: tensor<9x100xf32>, %p: tensor<4x4x65xi32>,
    %c: tensor<1x3x65xf32>, %s: tensor<2x65xi32>, %acc: tensor<9x65xf32>) -> tensor<9x65xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<9x100xf32>, tensor<4x4x65xi32>, tensor<1x3x65xf32>)
         scales(%s : tensor<2x65xi32>)
         outs(%acc : tensor<9x65xf32>)
         {plane_kind = #bitsink.plane_kind<ternary>, group_size = 100, sub_block = 8} -> tensor<9x65xf32>
  return %y : tensor<9x65xf32>
}

// Signed P = 3, M = 13, K = 257, N = 70, group_size = 32, sub_block = 32
// (9 sub-blocks in 2 scale words), f16 x.
func.func @signed_p3_m13_g32_s32(%x: tensor<13x257xf16>, %p: tensor<3x9x70xi32>,
    %c: tensor<9x4x70xf16>, %s: tensor<2x70xi32>, %acc: tensor<13x70xf16>) -> tensor<13x70xf16> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<13x257xf16>, tensor<3x9x70xi32>, tensor<9x4x70xf16>)
         scales(%s : tensor<2x70xi32>)
         outs(%acc : tensor<13x70xf16>)
         {plane_kind = #bitsink.plane_kind<signed>, group_size = 32, sub_block = 32} -> tensor<13x70xf16>
  return %y : tensor<13x70xf16>
}

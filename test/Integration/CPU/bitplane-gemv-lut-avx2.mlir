// The bit-plane GEMV through the AVX2 table kernel (gemv-lut on an x86-64-v3
// target: AVX2 + FMA, no AVX-512; vpermps on ymm, 8-entry tables of 3-row
// partial sums, 11 chunks per 32-row word), JIT-compiled for that CPU model,
// so it runs on any AVX2 host, AVX-512 ones included. The entries of
// bitplane-gemv.mlir with the same seeds and bounds as there (the table
// kernels sum in f32 like the bit-test kernel), then entries of this file
// for the rest of M = 1..4 and the 3-row chunk edges: K = 95 (the last
// word's last chunk has one row < K), K = 190 (its last chunk is all >= K),
// K = 62 per channel, and N = 300 in strips of 48 columns (several
// parallel tasks, a partial last step).
//
// REQUIRES: host-avx2
//
// RUN: bitsink-run %S/bitplane-gemv.mlir --cpu=x86-64-v3 --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e binary_p1_m1_g32 --seed=1 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv.mlir --cpu=x86-64-v3 --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e binary_p2_m3_g128_f16c --seed=2 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv.mlir --cpu=x86-64-v3 --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e binary_p3_m1_channel_bf16x --seed=3 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv.mlir --cpu=x86-64-v3 --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e binary_p4_m3_g32_f16 --seed=4 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-3 --rtol=2e-3 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv.mlir --cpu=x86-64-v3 --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e signed_p1_m3_g128 --seed=5 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv.mlir --cpu=x86-64-v3 --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e signed_p2_m1_channel --seed=6 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv.mlir --cpu=x86-64-v3 --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e signed_p3_m3_g32 --seed=7 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv.mlir --cpu=x86-64-v3 --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e signed_p4_m1_bf16 --seed=8 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-2 --rtol=1e-2 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv.mlir --cpu=x86-64-v3 --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e ternary_p2_m1_g128 --seed=9 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv.mlir --cpu=x86-64-v3 --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e ternary_p4_m3_g32 --seed=10 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv.mlir --cpu=x86-64-v3 --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e ternary_p2_m3_channel_bf16x --seed=11 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv.mlir --cpu=x86-64-v3 --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e ternary_p4_m1_exact_f16x --seed=12 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv.mlir --cpu=x86-64-v3 --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e signed_p2_m3_n160 --seed=13 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv.mlir --cpu=x86-64-v3 --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e binary_p2_m1_n64 --seed=14 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv.mlir --cpu=x86-64-v3 --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e binary_p3_m1_n1040 --seed=15 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s --cpu=x86-64-v3 --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e binary_p2_m2_g128_k95 --seed=15 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s --cpu=x86-64-v3 --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e signed_p3_m4_g32_k190 --seed=16 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s --cpu=x86-64-v3 --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e ternary_p4_m4_g64_k161 --seed=17 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s --cpu=x86-64-v3 --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e binary_p1_m2_channel_k62 --seed=18 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s --cpu=x86-64-v3 --pipeline="bitsink-cpu-pipeline{gemv-lut=true gemv-column-tile=48}" -e signed_p2_m1_g128_n300 --seed=19 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
//
// CHECK: output 0: {{.*}} PASS
//
// The JIT's machine code: vpermps (or the integer-domain vpermd) on ymm
// tables, no zmm register.
// RUN: bitsink-run %s --cpu=x86-64-v3 -e signed_p3_m4_g32_k190 --dump-object=%t.o
// RUN: llvm-objdump -d %t.o | FileCheck %s --check-prefix=ISA --implicit-check-not=%%zmm
// ISA: vperm{{d|ps}} %ymm{{[0-9]+}}, %ymm{{[0-9]+}}, %ymm{{[0-9]+}}

// Binary P = 2, M = 2, g = 128, K = 95: 2 words + 31 rows.
func.func @binary_p2_m2_g128_k95(%x: tensor<2x95xf32>, %p: tensor<2x3x33xi32>,
    %c: tensor<1x3x33xf32>, %acc: tensor<2x33xf32>) -> tensor<2x33xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<2x95xf32>, tensor<2x3x33xi32>, tensor<1x3x33xf32>)
         outs(%acc : tensor<2x33xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 128} -> tensor<2x33xf32>
  return %y : tensor<2x33xf32>
}

// Signed P = 3, M = 4, g = 32, K = 190: 5 words + 30 rows.
func.func @signed_p3_m4_g32_k190(%x: tensor<4x190xf32>, %p: tensor<3x6x45xi32>,
    %c: tensor<6x4x45xf16>, %acc: tensor<4x45xf32>) -> tensor<4x45xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<4x190xf32>, tensor<3x6x45xi32>, tensor<6x4x45xf16>)
         outs(%acc : tensor<4x45xf32>)
         {plane_kind = #bitsink.plane_kind<signed>, group_size = 32} -> tensor<4x45xf32>
  return %y : tensor<4x45xf32>
}

// Ternary P = 4 (two trit-planes), M = 4, g = 64, K = 161: 5 words + 1 row.
func.func @ternary_p4_m4_g64_k161(%x: tensor<4x161xf32>, %p: tensor<4x6x23xi32>,
    %c: tensor<3x3x23xf32>, %acc: tensor<4x23xf32>) -> tensor<4x23xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<4x161xf32>, tensor<4x6x23xi32>, tensor<3x3x23xf32>)
         outs(%acc : tensor<4x23xf32>)
         {plane_kind = #bitsink.plane_kind<ternary>, group_size = 64} -> tensor<4x23xf32>
  return %y : tensor<4x23xf32>
}

// Binary P = 1, M = 2, per channel (group_size = K = 62).
func.func @binary_p1_m2_channel_k62(%x: tensor<2x62xf32>, %p: tensor<1x2x17xi32>,
    %c: tensor<1x2x17xf32>, %acc: tensor<2x17xf32>) -> tensor<2x17xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<2x62xf32>, tensor<1x2x17xi32>, tensor<1x2x17xf32>)
         outs(%acc : tensor<2x17xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 62} -> tensor<2x17xf32>
  return %y : tensor<2x17xf32>
}

// Signed P = 2, M = 1, g = 128, K = 257, N = 300.
func.func @signed_p2_m1_g128_n300(%x: tensor<1x257xf32>, %p: tensor<2x9x300xi32>,
    %c: tensor<3x3x300xf16>, %acc: tensor<1x300xf32>) -> tensor<1x300xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<1x257xf32>, tensor<2x9x300xi32>, tensor<3x3x300xf16>)
         outs(%acc : tensor<1x300xf32>)
         {plane_kind = #bitsink.plane_kind<signed>, group_size = 128} -> tensor<1x300xf32>
  return %y : tensor<1x300xf32>
}

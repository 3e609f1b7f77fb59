// bitsink.bitplane_matmul through bitsink-cpu-pipeline on the GEMV path
// (M = 1 and 3 <= gemv-max-rows = 8), checked against the naive reference
// y = acc + x · dequantize(planes, coeffs) of bitsink-run --check-reference
// on random inputs. The planes are random 32-bit words (--int-min/max), so the
// bits of rows k >= K in the last word are set too: the kernel must ignore
// them (a zero bit is not a zero weight). Odd K and N leave partial words,
// groups and column vectors. Bounds: f32 results 1e-4 + 1e-4|ref| (f32 sums
// over at most 257 rows); f16 / bf16 results one rounding of the output.
// These runs use the bit-test kernel (gemv-lut=false, any x86 host);
// bitplane-gemv-lut.mlir runs the same entries through the table kernel.
//
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=false}" -e binary_p1_m1_g32 --seed=1 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=false}" -e binary_p2_m3_g128_f16c --seed=2 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=false}" -e binary_p3_m1_channel_bf16x --seed=3 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=false}" -e binary_p4_m3_g32_f16 --seed=4 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-3 --rtol=2e-3 | FileCheck %s
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=false}" -e signed_p1_m3_g128 --seed=5 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=false}" -e signed_p2_m1_channel --seed=6 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=false}" -e signed_p3_m3_g32 --seed=7 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=false}" -e signed_p4_m1_bf16 --seed=8 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-2 --rtol=1e-2 | FileCheck %s
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=false}" -e ternary_p2_m1_g128 --seed=9 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=false}" -e ternary_p4_m3_g32 --seed=10 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=false}" -e ternary_p2_m3_channel_bf16x --seed=11 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=false}" -e ternary_p4_m1_exact_f16x --seed=12 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=false}" -e signed_p2_m3_n160 --seed=13 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=false}" -e binary_p2_m1_n64 --seed=14 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=false}" -e binary_p3_m1_n1040 --seed=15 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
//
// CHECK: output 0: {{.*}} PASS

// Binary P = 1, M = 1, g = 32, K = 257 (8 words + 1 row), N = 129 (8 vectors
// + 1 lane).
func.func @binary_p1_m1_g32(%x: tensor<1x257xf32>, %p: tensor<1x9x129xi32>,
    %c: tensor<9x2x129xf32>, %acc: tensor<1x129xf32>) -> tensor<1x129xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<1x257xf32>, tensor<1x9x129xi32>, tensor<9x2x129xf32>)
         outs(%acc : tensor<1x129xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 32} -> tensor<1x129xf32>
  return %y : tensor<1x129xf32>
}

// Binary P = 2 (2-bit BPDQ), M = 3, g = 128 (last group 1 row), f16
// coefficients.
func.func @binary_p2_m3_g128_f16c(%x: tensor<3x257xf32>, %p: tensor<2x9x37xi32>,
    %c: tensor<3x3x37xf16>, %acc: tensor<3x37xf32>) -> tensor<3x37xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<3x257xf32>, tensor<2x9x37xi32>, tensor<3x3x37xf16>)
         outs(%acc : tensor<3x37xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 128} -> tensor<3x37xf32>
  return %y : tensor<3x37xf32>
}

// Binary P = 3, per-channel (group_size = K = 100, not a multiple of 32),
// bf16 x.
func.func @binary_p3_m1_channel_bf16x(%x: tensor<1x100xbf16>, %p: tensor<3x4x129xi32>,
    %c: tensor<1x4x129xf16>, %acc: tensor<1x129xf32>) -> tensor<1x129xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<1x100xbf16>, tensor<3x4x129xi32>, tensor<1x4x129xf16>)
         outs(%acc : tensor<1x129xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 100} -> tensor<1x129xf32>
  return %y : tensor<1x129xf32>
}

// Binary P = 4, M = 3, f16 x and acc, g = 32 (last group 4 rows).
func.func @binary_p4_m3_g32_f16(%x: tensor<3x100xf16>, %p: tensor<4x4x37xi32>,
    %c: tensor<4x5x37xf32>, %acc: tensor<3x37xf16>) -> tensor<3x37xf16> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<3x100xf16>, tensor<4x4x37xi32>, tensor<4x5x37xf32>)
         outs(%acc : tensor<3x37xf16>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 32} -> tensor<3x37xf16>
  return %y : tensor<3x37xf16>
}

// Signed P = 1 (t = 2b - 1), M = 3, g = 128.
func.func @signed_p1_m3_g128(%x: tensor<3x257xf32>, %p: tensor<1x9x37xi32>,
    %c: tensor<3x2x37xf16>, %acc: tensor<3x37xf32>) -> tensor<3x37xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<3x257xf32>, tensor<1x9x37xi32>, tensor<3x2x37xf16>)
         outs(%acc : tensor<3x37xf32>)
         {plane_kind = #bitsink.plane_kind<signed>, group_size = 128} -> tensor<3x37xf32>
  return %y : tensor<3x37xf32>
}

// Signed P = 2, per-channel with group_size > K.
func.func @signed_p2_m1_channel(%x: tensor<1x100xf32>, %p: tensor<2x4x129xi32>,
    %c: tensor<1x3x129xf32>, %acc: tensor<1x129xf32>) -> tensor<1x129xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<1x100xf32>, tensor<2x4x129xi32>, tensor<1x3x129xf32>)
         outs(%acc : tensor<1x129xf32>)
         {plane_kind = #bitsink.plane_kind<signed>, group_size = 4096} -> tensor<1x129xf32>
  return %y : tensor<1x129xf32>
}

// Signed P = 3, M = 3, g = 32.
func.func @signed_p3_m3_g32(%x: tensor<3x257xf32>, %p: tensor<3x9x129xi32>,
    %c: tensor<9x4x129xf32>, %acc: tensor<3x129xf32>) -> tensor<3x129xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<3x257xf32>, tensor<3x9x129xi32>, tensor<9x4x129xf32>)
         outs(%acc : tensor<3x129xf32>)
         {plane_kind = #bitsink.plane_kind<signed>, group_size = 32} -> tensor<3x129xf32>
  return %y : tensor<3x129xf32>
}

// Signed P = 4, bf16 x and acc, f16 coefficients.
func.func @signed_p4_m1_bf16(%x: tensor<1x257xbf16>, %p: tensor<4x9x37xi32>,
    %c: tensor<3x5x37xf16>, %acc: tensor<1x37xbf16>) -> tensor<1x37xbf16> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<1x257xbf16>, tensor<4x9x37xi32>, tensor<3x5x37xf16>)
         outs(%acc : tensor<1x37xbf16>)
         {plane_kind = #bitsink.plane_kind<signed>, group_size = 128} -> tensor<1x37xbf16>
  return %y : tensor<1x37xbf16>
}

// Ternary, one trit-plane (P = 2: m, s), t = m(2s - 1), g = 128.
func.func @ternary_p2_m1_g128(%x: tensor<1x257xf32>, %p: tensor<2x9x129xi32>,
    %c: tensor<3x2x129xf16>, %acc: tensor<1x129xf32>) -> tensor<1x129xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<1x257xf32>, tensor<2x9x129xi32>, tensor<3x2x129xf16>)
         outs(%acc : tensor<1x129xf32>)
         {plane_kind = #bitsink.plane_kind<ternary>, group_size = 128} -> tensor<1x129xf32>
  return %y : tensor<1x129xf32>
}

// Ternary, two trit-planes (P = 4), M = 3, g = 32.
func.func @ternary_p4_m3_g32(%x: tensor<3x100xf32>, %p: tensor<4x4x37xi32>,
    %c: tensor<4x3x37xf32>, %acc: tensor<3x37xf32>) -> tensor<3x37xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<3x100xf32>, tensor<4x4x37xi32>, tensor<4x3x37xf32>)
         outs(%acc : tensor<3x37xf32>)
         {plane_kind = #bitsink.plane_kind<ternary>, group_size = 32} -> tensor<3x37xf32>
  return %y : tensor<3x37xf32>
}

// Ternary P = 2, per-channel (group_size = K = 257), bf16 x.
func.func @ternary_p2_m3_channel_bf16x(%x: tensor<3x257xbf16>, %p: tensor<2x9x37xi32>,
    %c: tensor<1x2x37xf16>, %acc: tensor<3x37xf32>) -> tensor<3x37xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<3x257xbf16>, tensor<2x9x37xi32>, tensor<1x2x37xf16>)
         outs(%acc : tensor<3x37xf32>)
         {plane_kind = #bitsink.plane_kind<ternary>, group_size = 257} -> tensor<3x37xf32>
  return %y : tensor<3x37xf32>
}

// Ternary P = 4 with K = 64 (no partial word) and N = 16 (one full vector).
func.func @ternary_p4_m1_exact_f16x(%x: tensor<1x64xf16>, %p: tensor<4x2x16xi32>,
    %c: tensor<2x3x16xf16>, %acc: tensor<1x16xf32>) -> tensor<1x16xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<1x64xf16>, tensor<4x2x16xi32>, tensor<2x3x16xf16>)
         outs(%acc : tensor<1x16xf32>)
         {plane_kind = #bitsink.plane_kind<ternary>, group_size = 32} -> tensor<1x16xf32>
  return %y : tensor<1x16xf32>
}

// N = 160 (a multiple of 16): the tiles start at the column that makes
// the plane loads 64-byte aligned, wherever the planes were allocated.
func.func @signed_p2_m3_n160(%x: tensor<3x257xf32>, %p: tensor<2x9x160xi32>,
    %c: tensor<3x3x160xf16>, %acc: tensor<3x160xf32>) -> tensor<3x160xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<3x257xf32>, tensor<2x9x160xi32>, tensor<3x3x160xf16>)
         outs(%acc : tensor<3x160xf32>)
         {plane_kind = #bitsink.plane_kind<signed>, group_size = 128} -> tensor<3x160xf32>
  return %y : tensor<3x160xf32>
}

// N = 64, one tile (aligned origin as above), K = 100.
func.func @binary_p2_m1_n64(%x: tensor<1x100xf32>, %p: tensor<2x4x64xi32>,
    %c: tensor<4x3x64xf16>, %acc: tensor<1x64xf32>) -> tensor<1x64xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<1x100xf32>, tensor<2x4x64xi32>, tensor<4x3x64xf16>)
         outs(%acc : tensor<1x64xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 32} -> tensor<1x64xf32>
  return %y : tensor<1x64xf32>
}

// N = 1040 (65 vectors, 16–17 steps of 64 from the aligned origin): 8 tasks
// of 2–3 steps, the column range of each computed from its index.
func.func @binary_p3_m1_n1040(%x: tensor<1x100xf32>, %p: tensor<3x4x1040xi32>,
    %c: tensor<1x4x1040xf16>, %acc: tensor<1x1040xf32>) -> tensor<1x1040xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<1x100xf32>, tensor<3x4x1040xi32>, tensor<1x4x1040xf16>)
         outs(%acc : tensor<1x1040xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 128} -> tensor<1x1040xf32>
  return %y : tensor<1x1040xf32>
}

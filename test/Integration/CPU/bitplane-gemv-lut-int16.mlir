// The GEMV entries of bitplane-gemv.mlir through the int16 table kernel
// (gemv-lut-int16=true: 4 bits of each 16-bit half of a plane word index a
// 32-entry table of partial sums rounded to 16-bit integers, AVX-512BW
// vpermw), against the same reference interpreter. The rounding adds up to
// half a step per lookup (docs/bitplane-lowering.md, "The word-table
// kernel"; up to about 6e-4 of the outputs' norm on random data): outputs
// here are up to 120 in magnitude and K up to 1040, so the absolute bound
// is 0.1 (an error of the kernel's indexing is whole units). The exact
// contract is checked in python-bindings/tests/test_bitplane_gemv_int16.py;
// these entries add bf16 inputs and outputs and f16 / f32 coefficients, odd
// K and N, per-channel groups, M = 1 and 3, every plane kind. The planes are
// random words, so the bits of rows k >= K are set and must not matter.
//
// REQUIRES: host-avx512bw
// RUN: bitsink-run %S/bitplane-gemv.mlir --pipeline="bitsink-cpu-pipeline{gemv-lut-int16=true}" -e binary_p1_m1_g32 --seed=1 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=0.1 --rtol=5e-3 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv.mlir --pipeline="bitsink-cpu-pipeline{gemv-lut-int16=true}" -e binary_p2_m3_g128_f16c --seed=2 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=0.1 --rtol=5e-3 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv.mlir --pipeline="bitsink-cpu-pipeline{gemv-lut-int16=true}" -e binary_p3_m1_channel_bf16x --seed=3 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=0.1 --rtol=5e-3 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv.mlir --pipeline="bitsink-cpu-pipeline{gemv-lut-int16=true}" -e binary_p4_m3_g32_f16 --seed=4 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=0.1 --rtol=5e-3 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv.mlir --pipeline="bitsink-cpu-pipeline{gemv-lut-int16=true}" -e signed_p1_m3_g128 --seed=5 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=0.1 --rtol=5e-3 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv.mlir --pipeline="bitsink-cpu-pipeline{gemv-lut-int16=true}" -e signed_p2_m1_channel --seed=6 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=0.1 --rtol=5e-3 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv.mlir --pipeline="bitsink-cpu-pipeline{gemv-lut-int16=true}" -e signed_p3_m3_g32 --seed=7 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=0.1 --rtol=5e-3 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv.mlir --pipeline="bitsink-cpu-pipeline{gemv-lut-int16=true}" -e signed_p4_m1_bf16 --seed=8 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=0.1 --rtol=1e-2 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv.mlir --pipeline="bitsink-cpu-pipeline{gemv-lut-int16=true}" -e ternary_p2_m1_g128 --seed=9 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=0.1 --rtol=5e-3 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv.mlir --pipeline="bitsink-cpu-pipeline{gemv-lut-int16=true}" -e ternary_p4_m3_g32 --seed=10 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=0.1 --rtol=5e-3 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv.mlir --pipeline="bitsink-cpu-pipeline{gemv-lut-int16=true}" -e ternary_p2_m3_channel_bf16x --seed=11 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=0.1 --rtol=5e-3 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv.mlir --pipeline="bitsink-cpu-pipeline{gemv-lut-int16=true}" -e ternary_p4_m1_exact_f16x --seed=12 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=0.1 --rtol=5e-3 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv.mlir --pipeline="bitsink-cpu-pipeline{gemv-lut-int16=true}" -e signed_p2_m3_n160 --seed=13 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=0.1 --rtol=5e-3 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv.mlir --pipeline="bitsink-cpu-pipeline{gemv-lut-int16=true}" -e binary_p2_m1_n64 --seed=14 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=0.1 --rtol=5e-3 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv.mlir --pipeline="bitsink-cpu-pipeline{gemv-lut-int16=true}" -e binary_p3_m1_n1040 --seed=15 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=0.1 --rtol=5e-3 | FileCheck %s
//
// CHECK: output 0: {{.*}} PASS

// The GEMV entries of bitplane-gemv.mlir through the table-lookup kernel
// (gemv-lut=true: 4 plane bits index a 16-entry table of partial sums of 4
// input rows, AVX-512 vpermps), against the same reference with the same
// bounds. Rows k >= K read as 0 in the tables, so the random bits of the
// partial last word must not matter here either.
//
// REQUIRES: host-avx512
// RUN: bitsink-run %S/bitplane-gemv.mlir --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e binary_p1_m1_g32 --seed=1 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv.mlir --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e binary_p2_m3_g128_f16c --seed=2 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv.mlir --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e binary_p3_m1_channel_bf16x --seed=3 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv.mlir --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e binary_p4_m3_g32_f16 --seed=4 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-3 --rtol=2e-3 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv.mlir --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e signed_p1_m3_g128 --seed=5 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv.mlir --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e signed_p2_m1_channel --seed=6 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv.mlir --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e signed_p3_m3_g32 --seed=7 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv.mlir --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e signed_p4_m1_bf16 --seed=8 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-2 --rtol=1e-2 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv.mlir --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e ternary_p2_m1_g128 --seed=9 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv.mlir --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e ternary_p4_m3_g32 --seed=10 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv.mlir --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e ternary_p2_m3_channel_bf16x --seed=11 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv.mlir --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e ternary_p4_m1_exact_f16x --seed=12 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv.mlir --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e signed_p2_m3_n160 --seed=13 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv.mlir --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e binary_p2_m1_n64 --seed=14 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv.mlir --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e binary_p3_m1_n1040 --seed=15 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
//
// CHECK: output 0: {{.*}} PASS

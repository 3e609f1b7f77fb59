// The GEMV entries of bitplane-gemv-blocked.mlir (blocked planes) through
// the int16 and int8 table kernels, against the same reference interpreter,
// with the table kernels' bounds: the tables round their sums (up to about
// 6e-4 of the outputs' norm for int16, 1e-2 for int8; measured here up to
// 0.03 and 0.1 on outputs up to about 120, plus one f16 rounding, 0.0625,
// for f16 outputs), while an indexing error of the layout costs whole units.
//
// REQUIRES: host-avx512bw
// RUN: bitsink-run %S/bitplane-gemv-blocked.mlir --pipeline="bitsink-cpu-pipeline{gemv-lut-int16=true}" -e binary_p2_m1_g128 --seed=17 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=0.1 --rtol=1e-2 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv-blocked.mlir --pipeline="bitsink-cpu-pipeline{gemv-lut-int16=true}" -e binary_p3_m3_g32_n40 --seed=18 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=0.1 --rtol=1e-2 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv-blocked.mlir --pipeline="bitsink-cpu-pipeline{gemv-lut-int16=true}" -e signed_p1_m1_channel_bf16x --seed=19 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=0.1 --rtol=1e-2 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv-blocked.mlir --pipeline="bitsink-cpu-pipeline{gemv-lut-int16=true}" -e signed_p4_m3_g128_f16 --seed=20 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=0.1 --rtol=1e-2 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv-blocked.mlir --pipeline="bitsink-cpu-pipeline{gemv-lut-int16=true}" -e ternary_p2_m1_g128 --seed=21 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=0.1 --rtol=1e-2 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv-blocked.mlir --pipeline="bitsink-cpu-pipeline{gemv-lut-int16=true}" -e ternary_p4_m3_g32 --seed=22 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=0.1 --rtol=1e-2 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv-blocked.mlir --pipeline="bitsink-cpu-pipeline{gemv-lut-int16=true}" -e binary_p1_m1_exact --seed=23 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=0.1 --rtol=1e-2 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv-blocked.mlir --pipeline="bitsink-cpu-pipeline{gemv-lut-int8=true}" -e binary_p2_m1_g128 --seed=24 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=0.3 --rtol=1e-2 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv-blocked.mlir --pipeline="bitsink-cpu-pipeline{gemv-lut-int8=true}" -e binary_p3_m3_g32_n40 --seed=25 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=0.3 --rtol=1e-2 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv-blocked.mlir --pipeline="bitsink-cpu-pipeline{gemv-lut-int8=true}" -e signed_p1_m1_channel_bf16x --seed=26 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=0.3 --rtol=1e-2 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv-blocked.mlir --pipeline="bitsink-cpu-pipeline{gemv-lut-int8=true}" -e signed_p4_m3_g128_f16 --seed=27 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=0.3 --rtol=1e-2 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv-blocked.mlir --pipeline="bitsink-cpu-pipeline{gemv-lut-int8=true}" -e ternary_p2_m1_g128 --seed=28 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=0.3 --rtol=1e-2 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv-blocked.mlir --pipeline="bitsink-cpu-pipeline{gemv-lut-int8=true}" -e ternary_p4_m3_g32 --seed=29 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=0.3 --rtol=1e-2 | FileCheck %s
// RUN: bitsink-run %S/bitplane-gemv-blocked.mlir --pipeline="bitsink-cpu-pipeline{gemv-lut-int8=true}" -e binary_p1_m1_exact --seed=30 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=0.3 --rtol=1e-2 | FileCheck %s
//
// CHECK: output 0: {{.*}} PASS

// RUN: bitsink-opt %s --bitsink-approximate-math | FileCheck %s

// math.exp on a vector becomes a polynomial in vector arithmetic (range
// reduction by ln 2, a polynomial, exponent bits set with a shift), so no
// scalar expf call per lane is left for LLVM.

// CHECK-LABEL: func.func @vector_exp
// CHECK-NOT:     math.exp
// CHECK:         math.fma %{{.*}} : vector<16xf32>
// CHECK:         arith.shli %{{.*}} : vector<16xi32>
// CHECK:         arith.bitcast %{{.*}} : vector<16xi32> to vector<16xf32>
// CHECK-NOT:     math.exp
// CHECK:         return
func.func @vector_exp(%x: vector<16xf32>) -> vector<16xf32> {
  %e = math.exp %x : vector<16xf32>
  return %e : vector<16xf32>
}

// f16 math is computed in f32 and truncated back.
// CHECK-LABEL: func.func @half_tanh
// CHECK:         arith.extf %{{.*}} : vector<8xf16> to vector<8xf32>
// CHECK-NOT:     math.tanh
// CHECK:         arith.truncf %{{.*}} : vector<8xf32> to vector<8xf16>
func.func @half_tanh(%x: vector<8xf16>) -> vector<8xf16> {
  %e = math.tanh %x : vector<8xf16>
  return %e : vector<8xf16>
}

// RUN: bitsink-opt %s --bitsink-lower-bitplane-matmul="gemv-lut=true target-features=+avx512f" --canonicalize --cse | FileCheck %s
// RUN: bitsink-opt %s --bitsink-lower-bitplane-matmul="gemv-lut=true target-features=+avx2,+fma,+avx512f,+avx512bw" --canonicalize --cse | FileCheck %s
// RUN: not bitsink-opt %s --bitsink-lower-bitplane-matmul="gemv-lut=true target-features=+avx2" 2>&1 | FileCheck %s --check-prefix=NO-AVX512
// RUN: not bitsink-opt %s --bitsink-lower-bitplane-matmul="gemv-lut=true target-features=+avx512f,+avx2,-avx512f" 2>&1 | FileCheck %s --check-prefix=NO-AVX512-LAST
// RUN: bitsink-opt %s --bitsink-lower-bitplane-matmul="gemv-lut=false target-features=+avx2" | FileCheck %s --check-prefix=BIT-TEST

// The target is given explicitly (target-features), so these checks do not
// depend on the host: the table kernel is emitted for any target with
// avx512f (its vpermps intrinsic needs it), and refused with a diagnostic,
// before any IR is created, for a target without it (the last mention of a
// feature counts). The bit-test kernel (gemv-lut=false) needs no feature.
// NO-AVX512: error: bitsink-lower-bitplane-matmul: gemv-lut needs a target with avx512f, target-features = '+avx2'
// NO-AVX512-NOT: llvm.call_intrinsic
// NO-AVX512-LAST: error: bitsink-lower-bitplane-matmul: gemv-lut needs a target with avx512f, target-features = '+avx512f,+avx2,-avx512f'
// BIT-TEST-LABEL: func.func @gemv_lut
// BIT-TEST-NOT: llvm.call_intrinsic
// BIT-TEST: vector.maskedstore

// GEMV through 4-row partial-sum tables (gemv-lut). For each input row r and
// chunk c of 4 rows, table[r][c][t] = sum of x[r, 4c + i] over the bits i of
// t (4 FMAs with constant 0/1 patterns; rows >= K read as 0). In the word
// loop each plane word is inverted once (the kernel sums over clear bits, as
// the bit-test kernel does), then each 4-row chunk costs one shift, one
// vpermps (the low 4 bits of each lane pick a table entry) and one add per
// 16 columns. 2-bit binary planes, K = 100 (a partial last word), N = 40.

// CHECK-LABEL: func.func @gemv_lut
// CHECK-SAME:    %[[X:[a-z0-9]+]]: memref<1x100xf32>, %[[P:[a-z0-9]+]]: memref<2x4x40xi32>
// Tables: M x 8*KW x 16 = 1 x 32 x 16.
// CHECK:         %[[T:.*]] = memref.alloc() : memref<1x32x16xf32>
// CHECK:         scf.for %[[C:.*]] = %c0 to %c32 step %c1 {
// CHECK:           vector.fma %{{.*}}, %cst{{.*}}, %{{.*}} : vector<16xf32>
// CHECK:           vector.store %{{.*}}, %[[T]][%c0, %[[C]], %c0] : memref<1x32x16xf32>, vector<16xf32>
// Clear bits: the words are inverted once.
// CHECK:           arith.xori %{{.*}}, %cst{{.*}} : vector<16xi32>
// CHECK:           llvm.call_intrinsic "llvm.x86.avx512.permvar.sf.512"(%{{.*}}, %{{.*}}) : (vector<16xf32>, vector<16xi32>) -> vector<16xf32>
// CHECK:           arith.shrui %{{.*}} : vector<16xi32>
// CHECK:           llvm.call_intrinsic "llvm.x86.avx512.permvar.sf.512"
// CHECK:         memref.dealloc %[[T]]
func.func @gemv_lut(%x: memref<1x100xf32>, %planes: memref<2x4x40xi32>,
                    %coeffs: memref<1x3x40xf16>, %y: memref<1x40xf32>) {
  bitsink.bitplane_matmul ins(%x, %planes, %coeffs : memref<1x100xf32>,
      memref<2x4x40xi32>, memref<1x3x40xf16>) outs(%y : memref<1x40xf32>)
      {plane_kind = #bitsink.plane_kind<binary>, group_size = 128}
  return
}

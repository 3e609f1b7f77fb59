// RUN: bitsink-opt %s --bitsink-lower-bitplane-matmul="gemv-lut=true target-features=+avx512f" --canonicalize --cse | FileCheck %s
// RUN: bitsink-opt %s --bitsink-lower-bitplane-matmul="gemv-lut=true target-features=+avx2,+fma,+avx512f,+avx512bw" --canonicalize --cse | FileCheck %s
// RUN: bitsink-opt %s --bitsink-lower-bitplane-matmul="gemv-lut=true target-features=+avx2,+fma" --canonicalize --cse | FileCheck %s --check-prefix=AVX2
// RUN: bitsink-opt %s --bitsink-lower-bitplane-matmul="gemv-lut=true target-features=+avx512f,+avx2,-avx512f" --canonicalize --cse | FileCheck %s --check-prefix=AVX2
// RUN: bitsink-opt %s --bitsink-lower-bitplane-matmul="gemv-lut=true target-features=+neon" --canonicalize --cse | FileCheck %s --check-prefix=NEON
// RUN: not bitsink-opt %s --bitsink-lower-bitplane-matmul="gemv-lut=true target-features=+sse4.2,+popcnt" 2>&1 | FileCheck %s --check-prefix=NO-TABLE
// RUN: not bitsink-opt %s --bitsink-lower-bitplane-matmul="gemv-lut=true target-features=+avx512f,+avx2,-avx512f,-avx2" 2>&1 | FileCheck %s --check-prefix=NO-TABLE-LAST
// RUN: bitsink-opt %s --bitsink-lower-bitplane-matmul="gemv-lut=false target-features=+avx2" | FileCheck %s --check-prefix=BIT-TEST

// The target is given explicitly (target-features), so these checks do not
// depend on the host: the table kernel's lookup is the target's (vpermps on
// zmm with avx512f, vpermps on ymm with avx2 and no avx512f, tbl with neon;
// LLVM cannot lower another ISA's intrinsic), and the option is refused
// with a diagnostic, before any IR is created, for a target with none of
// them (the last mention of a feature counts). The bit-test kernel
// (gemv-lut=false) needs no feature.
// (The refusal used to be checked on +avx2 targets and named avx512f only:
// avx2 targets now get the AVX2 table kernel, so it is checked on an SSE
// target and names the three ISAs.)
// NO-TABLE: error: bitsink-lower-bitplane-matmul: gemv-lut needs a target with avx512f, avx2 or neon, target-features = '+sse4.2,+popcnt'
// NO-TABLE-NOT: llvm.call_intrinsic
// NO-TABLE-LAST: error: bitsink-lower-bitplane-matmul: gemv-lut needs a target with avx512f, avx2 or neon, target-features = '+avx512f,+avx2,-avx512f,-avx2'
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

// With avx2 (no avx512f), vpermps on ymm reads 3 index bits, so the tables hold 8 partial sums
// of 3 rows (one ymm register): 11 chunks per 32-row word, the last one
// rows 30 and 31 only, M x 11*KW x 8 = 1 x 44 x 8. Each 16-lane index
// vector is looked up as two 8-lane halves with the same table, and the
// index shifts by 3 rows per chunk.
// AVX2-LABEL: func.func @gemv_lut
// AVX2:         %[[T:.*]] = memref.alloc() : memref<1x44x8xf32>
// AVX2:         scf.for %[[C:.*]] = %c0 to %c44 step %c1 {
// AVX2:           vector.fma %{{.*}}, %cst{{.*}}, %{{.*}} : vector<8xf32>
// AVX2:           vector.store %{{.*}}, %[[T]][%c0, %[[C]], %c0] : memref<1x44x8xf32>, vector<8xf32>
// AVX2:           arith.xori %{{.*}}, %cst{{.*}} : vector<16xi32>
// AVX2:           %[[TAB:.*]] = vector.load %[[T]][%c0, %{{.*}}, %c0] : memref<1x44x8xf32>, vector<8xf32>
// AVX2:           %[[LO:.*]] = vector.extract_strided_slice %[[W:.*]] {offsets = [0], sizes = [8], strides = [1]} : vector<16xi32> to vector<8xi32>
// AVX2:           %[[A:.*]] = llvm.call_intrinsic "llvm.x86.avx2.permps"(%[[TAB]], %[[LO]]) : (vector<8xf32>, vector<8xi32>) -> vector<8xf32>
// AVX2:           %[[HI:.*]] = vector.extract_strided_slice %[[W]] {offsets = [8], sizes = [8], strides = [1]} : vector<16xi32> to vector<8xi32>
// AVX2:           %[[B:.*]] = llvm.call_intrinsic "llvm.x86.avx2.permps"(%[[TAB]], %[[HI]])
// AVX2:           vector.shuffle %[[A]], %[[B]] [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15] : vector<8xf32>, vector<8xf32>
// AVX2:           arith.shrui %[[W]], %{{.*}} : vector<16xi32>
// AVX2:           llvm.call_intrinsic "llvm.x86.avx2.permps"
// AVX2-NOT:       llvm.x86.avx512
// AVX2:         memref.dealloc %[[T]]

// With neon, tbl with four table registers reads a whole 16-float table (the
// AVX-512 kernel's tables: M x 8*KW x 16); per 4 lanes the index bytes of
// entry e are 4e .. 4e+3 (e * 0x04040404 + 0x03020100, e the low 4 bits).
// NEON-LABEL: func.func @gemv_lut
// NEON:         %[[T:.*]] = memref.alloc() : memref<1x32x16xf32>
// NEON:         %[[TAB:.*]] = vector.load %[[T]][%c0, %{{.*}}, %c0] : memref<1x32x16xf32>, vector<16xf32>
// NEON:         vector.bitcast %{{.*}} : vector<4xf32> to vector<16xi8>
// NEON:         arith.andi %{{.*}}, %cst{{.*}} : vector<16xi32>
// NEON:         arith.muli
// NEON:         arith.addi
// NEON:         llvm.call_intrinsic "llvm.aarch64.neon.tbl4.v16i8"(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) : (vector<16xi8>, vector<16xi8>, vector<16xi8>, vector<16xi8>, vector<16xi8>) -> vector<16xi8>
// NEON:         vector.bitcast %{{.*}} : vector<16xi8> to vector<4xf32>
// NEON-NOT:     llvm.x86
// NEON:         memref.dealloc %[[T]]

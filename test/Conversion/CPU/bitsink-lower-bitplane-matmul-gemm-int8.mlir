// RUN: bitsink-opt %s --bitsink-lower-bitplane-matmul="gemm-int8=true target-features=+avx2,+fma,+avx512f,+avx512vnni" --canonicalize --cse | FileCheck %s
// RUN: bitsink-opt %s --bitsink-lower-bitplane-matmul="gemm-int8=true target-features=+avx2,+fma,+avxvnni" --canonicalize --cse | FileCheck %s --check-prefix=YMM
// RUN: bitsink-opt %s --bitsink-lower-bitplane-matmul="gemm-int8=true target-features=+avx2,+fma,+avx512f,+avx512vnni,+avx512vbmi" --canonicalize --cse | FileCheck %s --check-prefix=VBMI
// RUN: bitsink-opt %s --bitsink-lower-bitplane-matmul="gemm-int8=true target-features=+avx512f,+avx512vnni,+avx512vbmi" \
// RUN:   --convert-vector-to-scf --convert-scf-to-cf --expand-strided-metadata --lower-affine \
// RUN:   --convert-vector-to-llvm --finalize-memref-to-llvm --convert-to-llvm --reconcile-unrealized-casts \
// RUN: | mlir-translate --mlir-to-llvmir | llc -O2 -mtriple=x86_64-unknown-linux-gnu -mcpu=icelake-server \
// RUN: | FileCheck %s --check-prefix=ASM-VBMI
// RUN: not bitsink-opt %s --bitsink-lower-bitplane-matmul="gemm-int8=true target-features=+avx2,+fma,+avx512f,+avx512bw" 2>&1 | FileCheck %s --check-prefix=NO-VNNI
// RUN: not bitsink-opt %s --bitsink-lower-bitplane-matmul="gemm-int8=true target-features=+neon" 2>&1 | FileCheck %s --check-prefix=NEON
// RUN: bitsink-opt %s --bitsink-lower-bitplane-matmul="gemm-int8=true target-features=+avx512f,+avx512vnni" \
// RUN:   --convert-vector-to-scf --convert-scf-to-cf --expand-strided-metadata --lower-affine \
// RUN:   --convert-vector-to-llvm --finalize-memref-to-llvm --convert-to-llvm --reconcile-unrealized-casts \
// RUN: | mlir-translate --mlir-to-llvmir | llc -O2 -mtriple=x86_64-unknown-linux-gnu -mcpu=cascadelake \
// RUN: | FileCheck %s --check-prefix=ASM
// RUN: bitsink-opt %s --bitsink-lower-bitplane-matmul="gemm-int8=true target-features=+avx2,+fma,+avxvnni" \
// RUN:   --convert-vector-to-scf --convert-scf-to-cf --expand-strided-metadata --lower-affine \
// RUN:   --convert-vector-to-llvm --finalize-memref-to-llvm --convert-to-llvm --reconcile-unrealized-casts \
// RUN: | mlir-translate --mlir-to-llvmir | llc -O2 -mtriple=x86_64-unknown-linux-gnu -mcpu=alderlake \
// RUN: | FileCheck %s --check-prefix=ASM-YMM --implicit-check-not=%%zmm

// The GEMM on int8 inputs (gemm-int8; docs/bitplane-lowering.md, "The int8
// GEMM"). It needs avx512vnni (vpdpbusd on zmm) or avxvnni (on ymm) and is
// refused before any IR is created on a target with neither.
// NO-VNNI: error: bitsink-lower-bitplane-matmul: gemm-int8 needs a target with avx512vnni or avxvnni, target-features = '+avx2,+fma,+avx512f,+avx512bw'
// NEON: error: bitsink-lower-bitplane-matmul: gemm-int8 needs a target with avx512vnni or avxvnni, target-features = '+neon'

// M = 10 (above gemv-max-rows; a partial register tile of 6 rows), K = 300
// (3 slabs of 128 rows, the last partial; not a multiple of 32), N = 40 (a
// partial tile of 64 columns), 2 binary planes, groups of 128.
// CHECK-LABEL: func.func @gemm_int8
// CHECK-SAME:    %[[X:[a-z0-9]+]]: memref<10x300xf32>, %[[P:[a-z0-9]+]]: memref<2x10x40xi32>, %[[C:[a-z0-9]+]]: memref<3x3x40xf32>, %[[ACC:[a-z0-9]+]]: memref<10x40xf32>
// The input as bytes (32 words of 4 rows per slab), the scale and the
// offset (128 · the sum of the bytes) of each row and slab, made in a
// parallel loop over rows.
// CHECK:         %[[XQ:.*]] = memref.alloc() {alignment = 64 : i64} : memref<10x96xi32>
// CHECK:         %[[XS:.*]] = memref.alloc() : memref<10x3xf32>
// CHECK:         %[[XO:.*]] = memref.alloc() : memref<10x3xi32>
// CHECK:         scf.parallel (%[[ROW:.*]]) = (%c0) to (%c10) step (%c1) {
// CHECK:           scf.for %[[SLAB:.*]] = %c0 to %c3 step %c1 {
// CHECK:             vector.maskedload %[[X]][%[[ROW]], %{{.*}}], %{{.*}}, %{{.*}} : memref<10x300xf32>, vector<16xi1>, vector<16xf32>
// CHECK:             arith.maximumf
// CHECK:             vector.reduction <maximumf>
// CHECK:             math.roundeven %{{.*}} : vector<16xf32>
// CHECK:             arith.maxnumf
// CHECK:             arith.minnumf
// CHECK:             arith.fptosi %{{.*}} : vector<16xf32> to vector<16xi32>
// CHECK:             %[[B:.*]] = arith.trunci %{{.*}} : vector<16xi32> to vector<16xi8>
// CHECK:             %[[W:.*]] = vector.bitcast %[[B]] : vector<16xi8> to vector<4xi32>
// CHECK:             vector.store %[[W]], %[[XQ]][%[[ROW]], %{{.*}}] : memref<10x96xi32>, vector<4xi32>
// CHECK:             vector.reduction <add>
// CHECK:             memref.store %{{.*}}, %[[XS]][%[[ROW]], %[[SLAB]]]
// CHECK:             memref.store %{{.*}}, %[[XO]][%[[ROW]], %[[SLAB]]]
// Per task: the slab's weight bytes (32 words x 64 columns) and the scales
// and inverse scales of its columns.
// CHECK:         %[[WQ:.*]] = memref.alloc() {alignment = 64 : i64} : memref<32x64xi32>
// CHECK:         %[[WS:.*]] = memref.alloc() {alignment = 64 : i64} : memref<64xf32>
// CHECK:         %[[WI:.*]] = memref.alloc() {alignment = 64 : i64} : memref<64xf32>
// CHECK:         scf.for %[[K0:.*]] = %c0 to %c300 step %c128 {
// Scales from the coefficients of the slab's groups: binary codes give
// c0 + the positive or the negative coefficients at the extremes.
// CHECK:           scf.for {{.*}} iter_args({{.*}}) -> (vector<16xf32>) {
// CHECK:             arith.maximumf
// CHECK:             arith.minimumf
// CHECK:             math.absf
// CHECK:           vector.store %{{.*}}, %[[WS]][%c0]
// CHECK:           vector.store %{{.*}}, %[[WI]][%c0]
// The weights: coefficients times the inverse scale, the select chain of
// the f32 GEMM, rounded, + 128, 4 rows packed into a word.
// CHECK:           scf.for
// CHECK:             %[[INV:.*]] = vector.load %[[WI]][%c0] : memref<64xf32>, vector<16xf32>
// CHECK:             %[[C0:.*]] = vector.load %[[C]][%{{.*}}, %c0, %c0] : memref<3x3x40xf32>, vector<16xf32>
// CHECK:             arith.mulf %[[C0]], %[[INV]] : vector<16xf32>
// CHECK:             math.roundeven
// CHECK:             arith.fptosi
// CHECK:             arith.addi %{{.*}}, %cst{{.*}} : vector<16xi32>
// CHECK:             arith.shli
// CHECK:             arith.ori
// CHECK:             vector.store %{{.*}}, %[[WQ]][%{{.*}}, %c0] : memref<32x64xi32>, vector<16xi32>
// Register tiles of 6 rows (rows past M repeat the last row) x 4 vectors:
// 24 i32 accumulators through the slab's words, one broadcast word of the
// input per row and one vpdpbusd per vector.
// CHECK:           scf.for %[[R0:.*]] = %c0 to %c10 step %c6 {
// CHECK:             arith.minsi %[[R0]], %c9 : index
// CHECK:             scf.for {{.*}} -> (vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>) {
// CHECK:               %[[WV:.*]] = vector.load %[[WQ]][%{{.*}}, %c0] : memref<32x64xi32>, vector<16xi32>
// CHECK:               %[[XW:.*]] = memref.load %[[XQ]]
// CHECK:               %[[XB:.*]] = vector.broadcast %[[XW]] : i32 to vector<16xi32>
// CHECK:               %[[U:.*]] = vector.bitcast %[[WV]] : vector<16xi32> to vector<64xi8>
// CHECK:               %[[S:.*]] = vector.bitcast %[[XB]] : vector<16xi32> to vector<64xi8>
// CHECK:               llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"(%{{.*}}, %[[U]], %[[S]]) : (vector<16xi32>, vector<64xi8>, vector<64xi8>) -> vector<16xi32>
// CHECK-COUNT-23:      llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// CHECK:               scf.yield
// The slab's sums: minus the offset, to f32, times the column scales and
// the row's scale, added to the output (rows < M only).
// CHECK:             scf.if
// CHECK:               memref.load %[[XS]]
// CHECK:               memref.load %[[XO]]
// CHECK:               arith.subi
// CHECK:               arith.sitofp %{{.*}} : vector<16xi32> to vector<16xf32>
// CHECK:               arith.mulf
// CHECK:               vector.fma
// CHECK:               vector.store %{{.*}}, %[[ACC]]
// CHECK:         memref.dealloc %[[WI]]
// CHECK:         memref.dealloc %[[WS]]
// CHECK:         memref.dealloc %[[WQ]]
// CHECK:         memref.dealloc %[[XO]]
// CHECK:         memref.dealloc %[[XS]]
// CHECK:         memref.dealloc %[[XQ]]

// AVX-VNNI: register tiles of 6 rows x 2 vectors of 8 i32 (12 accumulators
// of the 16 ymm registers), two tiles per 64 columns.
// YMM-LABEL: func.func @gemm_int8
// YMM:         scf.for {{.*}} -> (vector<8xi32>, vector<8xi32>, vector<8xi32>, vector<8xi32>, vector<8xi32>, vector<8xi32>, vector<8xi32>, vector<8xi32>, vector<8xi32>, vector<8xi32>, vector<8xi32>, vector<8xi32>) {
// YMM-COUNT-12:  llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.256"{{.*}} : (vector<8xi32>, vector<32xi8>, vector<32xi8>) -> vector<8xi32>
// YMM-NOT:       vpdpbusd.512

// With AVX512-VBMI the weight's bytes come from lookups: per group and
// vector of 16 columns the byte of each of the 4 codes of 2 binary planes
// (the select chain's arithmetic with the code's bits, rounded, + 128) in a
// 128-byte table (4 codes x 16 columns, the upper half unused); per 4 rows,
// vpermd spreads each plane's nibble to bits 4 + s of the 4 row bytes, the
// column is OR-ed in (16 * code + column) and vpermi2b looks the bytes up.
// VBMI-LABEL: func.func @gemm_int8
// VBMI:         %[[COLS:.*]] = arith.constant dense<[0, 16843009, 33686018, 50529027, {{.*}}]> : vector<16xi32>
// VBMI:         scf.for %{{.*}} = %c0 to %c300 step %c128 {
// VBMI:           %[[Q:.*]] = arith.trunci %{{.*}} : vector<16xi32> to vector<16xi8>
// VBMI:           vector.shuffle %[[Q]], %{{.*}} [0, 1, 2, {{.*}}, 31] : vector<16xi8>, vector<16xi8>
// VBMI:           scf.for
// VBMI:             %[[P0:.*]] = vector.load %[[PL:.*]][%c0, %{{.*}}, %c0] : memref<2x10x40xi32>, vector<16xi32>
// VBMI:             %[[S0:.*]] = llvm.call_intrinsic "llvm.x86.avx512.permvar.si.512"(%{{.*}}, %[[P0]]) : (vector<16xi32>, vector<16xi32>) -> vector<16xi32>
// VBMI:             %[[I0:.*]] = arith.ori %[[S0]], %[[COLS]] : vector<16xi32>
// VBMI:             llvm.call_intrinsic "llvm.x86.avx512.permvar.si.512"
// VBMI:             %[[IDX:.*]] = arith.ori %[[I0]], %{{.*}} : vector<16xi32>
// VBMI:             %[[IB:.*]] = vector.bitcast %[[IDX]] : vector<16xi32> to vector<64xi8>
// VBMI:             llvm.call_intrinsic "llvm.x86.avx512.vpermi2var.qi.512"(%{{.*}}, %[[IB]], %{{.*}}) : (vector<64xi8>, vector<64xi8>, vector<64xi8>) -> vector<64xi8>
// VBMI:           llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// ASM-VBMI-LABEL: gemm_int8:
// ASM-VBMI:       vpermd
// ASM-VBMI:       vperm{{[it]}}2b
// ASM-VBMI:       vpdpbusd

// The inner loop in machine code: the input word broadcast from memory,
// vpdpbusd with the weight bytes as the unsigned operand.
// ASM-LABEL: gemm_int8:
// ASM:         vpbroadcastd ({{.*}}), %[[BC:zmm[0-9]+]]
// ASM:         vpdpbusd %[[BC]], %zmm{{[0-9]+}}, %zmm{{[0-9]+}}
// ASM-YMM-LABEL: gemm_int8:
// ASM-YMM:     {vex} vpdpbusd %ymm{{[0-9]+}}, %ymm{{[0-9]+}}, %ymm{{[0-9]+}}
func.func @gemm_int8(%x: memref<10x300xf32>, %p: memref<2x10x40xi32>, %c: memref<3x3x40xf32>, %acc: memref<10x40xf32>) {
  bitsink.bitplane_matmul ins(%x, %p, %c : memref<10x300xf32>, memref<2x10x40xi32>, memref<3x3x40xf32>) outs(%acc : memref<10x40xf32>) {plane_kind = #bitsink.plane_kind<binary>, group_size = 128}
  return
}

// A dynamic M (prefill of any length): the buffers and the row loops take
// M from the input.
// CHECK-LABEL: func.func @gemm_int8_dynamic_rows
// CHECK:         %[[M:.*]] = memref.dim %{{.*}}, %c0 : memref<?x256xf32>
// CHECK:         memref.alloc(%[[M]]) {alignment = 64 : i64} : memref<?x64xi32>
// CHECK:         scf.parallel (%{{.*}}) = (%c0) to (%[[M]]) step (%c1)
// CHECK:         scf.parallel (%{{.*}}) = (%c0) to (%c512) step (%c64)
// CHECK:           scf.for %{{.*}} = %c0 to %[[M]] step %c6
// CHECK:             llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// ASM-LABEL: gemm_int8_dynamic_rows:
// ASM:         vpdpbusd
func.func @gemm_int8_dynamic_rows(%x: memref<?x256xf32>, %p: memref<3x8x512xi32>, %c: memref<4x4x512xf32>, %acc: memref<?x512xf32>) {
  bitsink.bitplane_matmul ins(%x, %p, %c : memref<?x256xf32>, memref<3x8x512xi32>, memref<4x4x512xf32>) outs(%acc : memref<?x512xf32>) {plane_kind = #bitsink.plane_kind<binary>, group_size = 64}
  return
}

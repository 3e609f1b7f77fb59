// RUN: bitsink-opt %s --bitsink-lower-bitplane-matmul="gemv-lut-int8=true target-features=+avx2,+fma" --canonicalize --cse | FileCheck %s
// RUN: bitsink-opt %s --bitsink-lower-bitplane-matmul="gemv-lut-int8=true gemv-lut=true target-features=+avx2,+fma,+avx512f" --canonicalize --cse | FileCheck %s
// RUN: bitsink-opt %s --bitsink-lower-bitplane-matmul="gemv-lut-int8=true target-features=+avx2,+fma,+avx512f,+avx512bw" --canonicalize --cse | FileCheck %s --check-prefix=ZMM
// RUN: not bitsink-opt %s --bitsink-lower-bitplane-matmul="gemv-lut-int8=true target-features=+sse4.2,+popcnt" 2>&1 | FileCheck %s --check-prefix=NO-AVX2
// RUN: not bitsink-opt %s --bitsink-lower-bitplane-matmul="gemv-lut-int8=true target-features=+neon" 2>&1 | FileCheck %s --check-prefix=NEON
// RUN: bitsink-opt %s --bitsink-lower-bitplane-matmul="gemv-lut-int8=true target-features=+avx2,+fma" \
// RUN:   --convert-vector-to-scf --convert-scf-to-cf --expand-strided-metadata --lower-affine \
// RUN:   --convert-vector-to-llvm --finalize-memref-to-llvm --convert-to-llvm --reconcile-unrealized-casts \
// RUN: | mlir-translate --mlir-to-llvmir | llc -O2 -mtriple=x86_64-unknown-linux-gnu -mcpu=x86-64-v3 \
// RUN: | FileCheck %s --check-prefix=ASM --implicit-check-not=%%zmm

// The GEMV through int8 tables (gemv-lut-int8; docs/bitplane-lowering.md).
// It needs avx2 (vpshufb on ymm, also on AVX-512F targets without
// avx512bw) or avx512bw (vpshufb on zmm), takes precedence over the f32
// tables of gemv-lut, and is refused before any IR is created on a target
// with neither.
// NO-AVX2: error: bitsink-lower-bitplane-matmul: gemv-lut-int8 needs a target with avx2 or avx512bw, target-features = '+sse4.2,+popcnt'
// NEON: error: bitsink-lower-bitplane-matmul: gemv-lut-int8 needs a target with avx2 or avx512bw, target-features = '+neon'

// 2-bit binary planes, K = 100 (KW = 4 words, a partial last one), N = 40
// (a partial step of 32 columns), group 128: one block of 4 words.
// CHECK-LABEL: func.func @gemv_lut_int8
// CHECK-SAME:    %[[X:[a-z0-9]+]]: memref<1x100xf32>, %[[P:[a-z0-9]+]]: memref<2x4x40xi32>
// The group sums S, then the f32 tables of 4-row partial sums (M x 8*KW x 16).
// CHECK:         %[[S:.*]] = memref.alloc() : memref<1x1xf32>
// CHECK:         %[[T:.*]] = memref.alloc() : memref<1x32x16xf32>
// Rounded per block to 11 bits, q = round(e * 1023 / max|e|), kept as two
// byte tables per chunk: q & 0xFF, then (q >> 8) + 4; and the scale.
// CHECK:         %[[Q:.*]] = memref.alloc() : memref<1x32x32xi8>
// CHECK:         %[[SC:.*]] = memref.alloc() : memref<1x1xf32>
// CHECK:         vector.reduction <maxnumf>
// CHECK:         memref.store %{{.*}}, %[[SC]][%c0, %c0]
// CHECK:         math.round %{{.*}} : vector<16xf32>
// CHECK:         %[[QI:.*]] = arith.fptosi %{{.*}} : vector<16xf32> to vector<16xi32>
// CHECK:         %[[HI:.*]] = arith.shrsi %[[QI]], %{{.*}} : vector<16xi32>
// CHECK:         %[[HIB:.*]] = arith.addi %[[HI]], %{{.*}} : vector<16xi32>
// CHECK:         %[[LO8:.*]] = arith.trunci %[[QI]] : vector<16xi32> to vector<16xi8>
// CHECK:         vector.store %[[LO8]], %[[Q]][%c0, %{{.*}}, %c0]
// CHECK:         %[[HI8:.*]] = arith.trunci %[[HIB]] : vector<16xi32> to vector<16xi8>
// CHECK:         vector.store %[[HI8]], %[[Q]][%c0, %{{.*}}, %c16]
// Steps of 32 columns inside [0, N) load their words without masks. Per
// step, Z (in registers) starts at S, the group's blocks (one here: its
// loop of one trip is folded) subtract the set bits' sums, the streams
// (planes) taking turns, each with its own word loop.
// CHECK:         %[[Y:.*]] = memref.alloca() : memref<1x32xf32>
// CHECK-NOT:     memref.alloca
// CHECK:         scf.if
// CHECK:           memref.load %[[S]]
// CHECK:           scf.for {{.*}} -> (vector<16xi16>, vector<16xi16>, vector<32xi8>)
// CHECK:             vector.load %[[P]][%c0, %{{.*}}] : memref<2x4x40xi32>, vector<16xi32>
// The byte transpose: bytes grouped by position in each 128-bit half, then
// 32- and 64-bit unpacks.
// CHECK:             vector.shuffle %{{.*}} [0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15, 16, 20, 24, 28, 17, 21, 25, 29, 18, 22, 26, 30, 19, 23, 27, 31] : vector<32xi8>, vector<32xi8>
// CHECK:             vector.shuffle %{{.*}} [0, 8, 1, 9, 4, 12, 5, 13] : vector<8xi32>, vector<8xi32>
// CHECK:             vector.shuffle %{{.*}} [0, 4, 2, 6] : vector<4xi64>, vector<4xi64>
// Low nibble: the chunk's low-byte table, broadcast to both halves, vpshufb,
// the 16-bit sums W (the byte pair) and H (its high byte); its high-byte
// table, vpshufb, the byte sum L.
// CHECK:             %[[LO:.*]] = arith.andi %{{.*}}, %cst{{.*}} : vector<32xi8>
// CHECK:             %[[TAB:.*]] = vector.load %[[Q]][%c0, %[[C:.*]], %c0] : memref<1x32x32xi8>, vector<16xi8>
// CHECK:             %[[TAB2:.*]] = vector.shuffle %[[TAB]], %[[TAB]] [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]
// CHECK:             %[[FOUND:.*]] = llvm.call_intrinsic "llvm.x86.avx2.pshuf.b"(%[[TAB2]], %[[LO]]) : (vector<32xi8>, vector<32xi8>) -> vector<32xi8>
// CHECK:             %[[F16:.*]] = vector.bitcast %[[FOUND]] : vector<32xi8> to vector<16xi16>
// CHECK:             %[[HTAB:.*]] = vector.load %[[Q]][%c0, %[[C]], %c16] : memref<1x32x32xi8>, vector<16xi8>
// CHECK:             %[[HFOUND:.*]] = llvm.call_intrinsic "llvm.x86.avx2.pshuf.b"(%{{.*}}, %[[LO]])
// CHECK:             arith.addi %{{.*}}, %[[F16]] : vector<16xi16>
// CHECK:             arith.shrui %[[F16]], %{{.*}} : vector<16xi16>
// CHECK:             arith.addi %{{.*}}, %[[HFOUND]] : vector<32xi8>
// CHECK:             scf.yield
// At the end of the block: even low bytes W - 256 H, odd H, plus 256 times
// the even and odd bytes of L, to f32 minus 1024 per lookup, into column
// order, times -scale into Z.
// CHECK:           %[[H:.*]] = arith.shli %{{.*}}, %{{.*}} : vector<16xi16>
// CHECK:           %[[EVEN:.*]] = arith.subi %{{.*}}, %[[H]] : vector<16xi16>
// CHECK:           arith.sitofp %[[EVEN]] : vector<16xi16> to vector<16xf32>
// CHECK:           vector.shuffle %{{.*}}, %{{.*}} [0, 16, 1, 17, 8, 24, 9, 25, 2, 18, 3, 19, 10, 26, 11, 27] : vector<16xf32>, vector<16xf32>
// CHECK:           vector.fma
// The second stream's word loop.
// CHECK:           scf.for {{.*}} -> (vector<16xi16>, vector<16xi16>, vector<32xi8>)
// CHECK:             vector.load %[[P]][%c1, %{{.*}}] : memref<2x4x40xi32>, vector<16xi32>
// Then the coefficients, Z still in registers: y (the strip's buffer) += ...
// CHECK:           vector.load %[[Y]]
// CHECK:           vector.store %{{.*}}, %[[Y]]
// The edge steps: masked loads, the same sums.
// CHECK:         } else {
// CHECK:           vector.maskedload %[[P]]
// CHECK:           llvm.call_intrinsic "llvm.x86.avx2.pshuf.b"
// CHECK:         memref.dealloc %[[T]]
// CHECK:         memref.dealloc %[[Q]]
// CHECK:         memref.dealloc %[[SC]]
// CHECK-NOT:     llvm.x86.avx512

// With avx512bw the same kernel on zmm: 64 columns per step (four 16-word
// vectors transposed), 64-byte lookups, 32-lane 16-bit sums.
// ZMM-LABEL: func.func @gemv_lut_int8
// ZMM:         scf.for {{.*}} -> (vector<32xi16>, vector<32xi16>, vector<64xi8>)
// ZMM:           vector.shuffle %{{.*}} [0, 16, 1, 17, 4, 20, 5, 21, 8, 24, 9, 25, 12, 28, 13, 29] : vector<16xi32>, vector<16xi32>
// ZMM:           vector.shuffle %{{.*}} [0, 8, 2, 10, 4, 12, 6, 14] : vector<8xi64>, vector<8xi64>
// ZMM:           llvm.call_intrinsic "llvm.x86.avx512.pshuf.b.512"(%{{.*}}, %{{.*}}) : (vector<64xi8>, vector<64xi8>) -> vector<64xi8>
// ZMM-NOT:       llvm.x86.avx2.pshuf.b

// The machine code (x86-64-v3): per 4 rows and 32 columns two vpshufb on
// tables broadcast from memory, 16-bit and byte adds; no zmm register.
// ASM-LABEL: gemv_lut_int8:
// ASM:       vpunpckldq %ymm
// ASM:       vpunpcklqdq %ymm
// ASM:       vbroadcasti128
// ASM:       vpshufb %ymm{{[0-9]+}}, %ymm{{[0-9]+}}, %ymm{{[0-9]+}}
// ASM:       vpaddw %ymm
// ASM:       vpsrlw $8, %ymm
// ASM:       vpaddb %ymm
func.func @gemv_lut_int8(%x: memref<1x100xf32>, %planes: memref<2x4x40xi32>,
                         %coeffs: memref<1x3x40xf16>, %y: memref<1x40xf32>) {
  bitsink.bitplane_matmul ins(%x, %planes, %coeffs : memref<1x100xf32>,
      memref<2x4x40xi32>, memref<1x3x40xf16>) outs(%y : memref<1x40xf32>)
      {plane_kind = #bitsink.plane_kind<binary>, group_size = 128}
  return
}

// RUN: bitsink-opt %s --bitsink-lower-bitplane-matmul="gemv-lut-int16=true target-features=+avx2,+fma,+avx512f,+avx512bw" --canonicalize --cse | FileCheck %s
// RUN: bitsink-opt %s --bitsink-lower-bitplane-matmul="gemv-lut-int16=true gemv-lut-int8=true gemv-lut=true target-features=+avx2,+fma,+avx512f,+avx512bw" --canonicalize --cse | FileCheck %s
// RUN: not bitsink-opt %s --bitsink-lower-bitplane-matmul="gemv-lut-int16=true target-features=+avx2,+fma,+avx512f" 2>&1 | FileCheck %s --check-prefix=NO-BW
// RUN: not bitsink-opt %s --bitsink-lower-bitplane-matmul="gemv-lut-int16=true target-features=+neon" 2>&1 | FileCheck %s --check-prefix=NEON
// RUN: bitsink-opt %s --bitsink-lower-bitplane-matmul="gemv-lut-int16=true target-features=+avx2,+fma,+avx512f,+avx512bw" \
// RUN:   --convert-vector-to-scf --convert-scf-to-cf --expand-strided-metadata --lower-affine \
// RUN:   --convert-vector-to-llvm --finalize-memref-to-llvm --convert-to-llvm --reconcile-unrealized-casts \
// RUN: | mlir-translate --mlir-to-llvmir | llc -O2 -mtriple=x86_64-unknown-linux-gnu -mcpu=x86-64-v4 \
// RUN: | FileCheck %s --check-prefix=ASM

// The GEMV through int16 tables (gemv-lut-int16; docs/bitplane-lowering.md).
// It needs avx512bw (vpermw), takes precedence over gemv-lut-int8 and the
// f32 tables of gemv-lut, and is refused before any IR is created on a
// target without it.
// NO-BW: error: bitsink-lower-bitplane-matmul: gemv-lut-int16 needs a target with avx512bw, target-features = '+avx2,+fma,+avx512f'
// NEON: error: bitsink-lower-bitplane-matmul: gemv-lut-int16 needs a target with avx512bw, target-features = '+neon'

// 2-bit binary planes, K = 100 (KW = 4 words, a partial last one), N = 40
// (one step of 64 columns, partly outside), group 128: one block of 4
// words, entries rounded to at most 32767 / 16 = 2047.
// CHECK-LABEL: func.func @gemv_lut_int16
// CHECK-SAME:    %[[X:[a-z0-9]+]]: memref<1x100xf32>, %[[P:[a-z0-9]+]]: memref<2x4x40xi32>
// The index constants: the 4 bits of each half (0x000F000F), and bit 4 of
// the high half (0x00100000).
// CHECK-DAG:     %[[LOW4:.*]] = arith.constant dense<983055> : vector<16xi32>
// CHECK-DAG:     %[[HIGH:.*]] = arith.constant dense<1048576> : vector<16xi32>
// The group sums S, then the f32 tables of 4-row partial sums (M x 8*KW x 16).
// CHECK:         %[[S:.*]] = memref.alloc() : memref<1x1xf32>
// CHECK:         %[[T:.*]] = memref.alloc() : memref<1x32x16xf32>
// Rounded per block, q = round(e * 2047 / max|e|), two chunks per table
// of 32 i16 entries (M x 4*KW x 32), and the scale max|e| / 2047.
// CHECK:         %[[Q:.*]] = memref.alloc() : memref<1x16x32xi16>
// CHECK:         %[[SC:.*]] = memref.alloc() : memref<1x1xf32>
// CHECK:         vector.reduction <maxnumf>
// CHECK:         arith.divf %{{.*}}, %cst{{.*}} : f32
// CHECK:         memref.store %{{.*}}, %[[SC]][%c0, %c0]
// CHECK:         math.round %{{.*}} : vector<16xf32>
// CHECK:         arith.maxnumf %{{.*}}, %[[MIN:.*]] : vector<16xf32>
// CHECK:         arith.minnumf
// CHECK:         %[[QI:.*]] = arith.fptosi %{{.*}} : vector<16xf32> to vector<16xi32>
// CHECK:         %[[Q16:.*]] = arith.trunci %[[QI]] : vector<16xi32> to vector<16xi16>
// CHECK:         vector.store %[[Q16]], %[[Q]][%c0, %{{.*}}, %{{.*}}] : memref<1x16x32xi16>, vector<16xi16>
// Per step of 4 vectors of 16 columns, Z (in registers) starts at S; the
// streams (planes) take turns, each with its own word loop over the block
// and one 32-lane 16-bit sum per column vector.
// CHECK:         memref.load %[[S]]
// CHECK:         scf.for {{.*}} -> (vector<32xi16>, vector<32xi16>, vector<32xi16>, vector<32xi16>)
// CHECK:           vector.load %[[P]][%c0, %{{.*}}, %{{.*}}] : memref<2x4x40xi32>, vector<16xi32>
// Chunk position 0: the table of chunks 8w and 8w + 4; the index is the
// word's two 16-bit halves masked to 4 bits, bit 4 set in the high half.
// CHECK:           %[[TAB:.*]] = vector.load %[[Q]][%c0, %{{.*}}, %c0] : memref<1x16x32xi16>, vector<32xi16>
// CHECK:           %[[M:.*]] = arith.andi %{{.*}}, %[[LOW4]] : vector<16xi32>
// CHECK:           %[[I:.*]] = arith.ori %[[M]], %[[HIGH]] : vector<16xi32>
// CHECK:           %[[IH:.*]] = vector.bitcast %[[I]] : vector<16xi32> to vector<32xi16>
// CHECK:           %[[FOUND:.*]] = llvm.call_intrinsic "llvm.x86.avx512.permvar.hi.512"(%[[TAB]], %[[IH]]) : (vector<32xi16>, vector<32xi16>) -> vector<32xi16>
// CHECK:           arith.addi %{{.*}}, %[[FOUND]] : vector<32xi16>
// Positions 1..3 shift the word by 4, 8, 12 first.
// CHECK:           arith.shrui %{{.*}}, %{{.*}} : vector<16xi32>
// CHECK:           llvm.call_intrinsic "llvm.x86.avx512.permvar.hi.512"
// CHECK:           scf.yield
// After the block: vpmaddwd with ones adds each column's two halves into
// 32 bits, to f32, times -scale into Z.
// CHECK:         %[[D:.*]] = llvm.call_intrinsic "llvm.x86.avx512.pmaddw.d.512"(%{{.*}}, %{{.*}}) : (vector<32xi16>, vector<32xi16>) -> vector<16xi32>
// CHECK:         %[[F:.*]] = arith.sitofp %[[D]] : vector<16xi32> to vector<16xf32>
// CHECK:         vector.fma %{{.*}}, %[[F]], %{{.*}} : vector<16xf32>
// The second stream's word loop.
// CHECK:         scf.for {{.*}} -> (vector<32xi16>, vector<32xi16>, vector<32xi16>, vector<32xi16>)
// CHECK:           vector.load %[[P]][%c1, %{{.*}}, %{{.*}}] : memref<2x4x40xi32>, vector<16xi32>
// CHECK-NOT:     llvm.x86.avx512.permvar.sf.512
// CHECK-NOT:     llvm.x86.avx512.pshuf.b.512

// The machine code (x86-64-v4): per 4 rows of each half and 16 columns one
// vpternlogd (mask and bit 4) and one vpermw; 16-bit adds; vpmaddwd per
// block.
// ASM-LABEL: gemv_lut_int16:
// ASM:       vpternlogd
// ASM:       vpermw %zmm{{[0-9]+}}, %zmm{{[0-9]+}}, %zmm{{[0-9]+}}
// ASM:       vpaddw %zmm
// ASM:       vpmaddwd
func.func @gemv_lut_int16(%x: memref<1x100xf32>, %planes: memref<2x4x40xi32>,
                          %coeffs: memref<1x3x40xf16>, %y: memref<1x40xf32>) {
  bitsink.bitplane_matmul ins(%x, %planes, %coeffs : memref<1x100xf32>,
      memref<2x4x40xi32>, memref<1x3x40xf16>) outs(%y : memref<1x40xf32>)
      {plane_kind = #bitsink.plane_kind<binary>, group_size = 128}
  return
}

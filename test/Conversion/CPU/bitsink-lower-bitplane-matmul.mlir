// RUN: bitsink-opt %s -split-input-file --bitsink-lower-bitplane-matmul --cse | FileCheck %s
// RUN: bitsink-opt %s -split-input-file --bitsink-lower-bitplane-matmul="gemv-max-rows=0 column-tile=32" --cse | FileCheck %s --check-prefix=FORCE-GEMM
// RUN: bitsink-opt %s -split-input-file --bitsink-lower-bitplane-matmul --bitsink-tile-contractions --cse | FileCheck %s --check-prefix=TILED

// The lowering of y = acc + x·Ŵ, Ŵ[k,n] = c[g,0,n] + Σ_l c[g,l+1,n]·t_l[k,n].
// GEMV (M ≤ gemv-max-rows): per group, sums Z of x over the rows whose bit
// is clear, combined with the coefficients once per group; Ŵ never exists.
// Each task walks a strip of columns word row by word row, Z and y of the
// strip in stack buffers: a multiple of gemv-min-tasks = 8 tasks where N
// has that many steps of 64 columns, each a balanced run of whole steps, as
// few as strips of at most gemv-column-tile = 4096 columns allow (computed
// at run time for a dynamic N).
// GEMM: a 128-row × column-tile slab of Ŵ is dequantized into a buffer and
// multiplied by a linalg.matmul on sub-views, which bitsink-tile-contractions
// tiles and vectorises later. Both are exactly one scf.parallel over column
// tiles.

// M = 1, K = 256 (two groups of 128), N = 256, P = 2.
// CHECK-LABEL: func.func @gemv_binary
// CHECK-SAME: (%[[X:.*]]: memref<1x256xf16>, %[[P:.*]]: memref<2x8x256xi32>, %[[C:.*]]: memref<2x3x256xf16>, %[[ACC:.*]]: memref<1x256xf32>)
// S[r, g] = Σ_{k∈g} x[r, k], shared by every column.
// CHECK: %[[S:.*]] = memref.alloc(%{{.*}}, %{{.*}}) : memref<?x?xf32>
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK: memref.store %{{.*}}, %[[S]]
// Column origin o = -((aligned pointer / 4 + offset) mod 16) (N % 16 == 0),
// so that the 16-lane plane loads from column o + 16j are whole cache lines.
// CHECK: %[[PTR:.*]] = memref.extract_aligned_pointer_as_index %[[P]]
// CHECK: %{{.*}}, %[[OFF:.*]], %{{.*}}:3, %{{.*}}:3 = memref.extract_strided_metadata %[[P]]
// CHECK: %[[ELT:.*]] = arith.divui %[[PTR]]
// CHECK: %[[ELT2:.*]] = arith.addi %[[ELT]], %[[OFF]]
// CHECK: %[[MIS:.*]] = arith.remui %[[ELT2]]
// (The lowering folds its index arithmetic as it builds it: with N static
// the test N % 16 == 0 is a constant, so the origin is the negated
// misalignment itself, without a select.)
// CHECK: %[[ORIGIN:.*]] = arith.subi %{{.*}}, %[[MIS]]
// The steps of 64 columns from the origin: ceil((N - origin) / 64).
// CHECK: %[[EXTENT:.*]] = arith.subi %{{.*}}, %[[ORIGIN]]
// CHECK: %[[ROUNDED:.*]] = arith.addi %[[EXTENT]], %{{.*}}
// CHECK: %[[STEPS:.*]] = arith.divui %[[ROUNDED]], %c64
// The only parallel loop: N - origin ≤ 271 takes at most 5 steps, so 5
// tasks; task t starts at step t·steps / 5.
// CHECK: scf.parallel (%[[T:[a-z0-9_]+]]) = (%{{.*}}) to (%c5) step (%c1) {
// CHECK-NOT: scf.parallel
// CHECK: %[[TS:.*]] = arith.muli %[[T]], %[[STEPS]]
// CHECK: %[[FIRST:.*]] = arith.divui %[[TS]], %c5
// CHECK: %[[COL:.*]] = arith.muli %[[FIRST]], %c64
// CHECK: arith.addi %[[ORIGIN]], %[[COL]]
// Per-thread y and Z (2 streams) of the strip: one step at most.
// CHECK-DAG: %[[Y:.*]] = memref.alloca() : memref<1x64xf32>
// CHECK-DAG: %[[Z:.*]] = memref.alloca() : memref<2x64xf32>
// y = acc, four 16-column vectors per step; a vector starting before
// column 0 is clipped to it.
// CHECK: arith.maxsi
// CHECK: vector.maskedload %[[ACC]]
// CHECK: vector.store %{{.*}}, %[[Y]]
// Group loop; Z = 0.
// CHECK: scf.for %[[G:[a-z0-9_]+]] =
// CHECK: vector.store %{{.*}}, %[[Z]]
// Word rows of the group, then the column steps of the strip.
// CHECK: scf.for %[[W:[a-z0-9_]+]] =
// CHECK: scf.for
// Prefetch the words 4 rows ahead, load this row's words and the sums.
// CHECK: memref.prefetch %[[P]]
// CHECK: vector.maskedload %[[P]][%{{.*}}, %[[W]], %{{.*}}]
// CHECK: vector.load %[[Z]]
// The 32 bits: loop-carried bit vector, doubled each row.
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args({{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xi32>)
// Row 32w + i: Z += x[k] where bit i is clear.
// CHECK: %[[XK:.*]] = memref.load %[[X]]
// CHECK: %[[XF:.*]] = arith.extf %[[XK]] : f16 to f32
// CHECK: %[[XB:.*]] = vector.broadcast %[[XF]] : f32 to vector<16xf32>
// CHECK: %[[BIT:.*]] = arith.andi
// CHECK: %[[CLEAR:.*]] = arith.cmpi eq, %[[BIT]]
// CHECK: %[[ADD:.*]] = arith.addf %{{.*}}, %[[XB]] : vector<16xf32>
// CHECK: arith.select %[[CLEAR]], %[[ADD]], %{{.*}} : vector<16xi1>, vector<16xf32>
// CHECK: arith.addi %{{.*}}, %{{.*}} : vector<16xi32>
// CHECK: vector.store %{{.*}}, %[[Z]]
// Group epilogue: y += c0·S + c1·(S − Z_0) + c2·(S − Z_1).
// CHECK: vector.maskedload %[[C]][%[[G]], %{{.*}}, %{{.*}}]{{.*}} into vector<16xf16>
// CHECK: arith.extf %{{.*}} : vector<16xf16> to vector<16xf32>
// CHECK: %[[SG:.*]] = memref.load %[[S]][%{{.*}}, %[[G]]]
// CHECK: %[[SB:.*]] = vector.broadcast %[[SG]]
// CHECK: %[[YV:.*]] = vector.load %[[Y]]
// CHECK: vector.fma %{{.*}}, %[[SB]], %[[YV]] : vector<16xf32>
// CHECK: arith.subf %[[SB]], %{{.*}} : vector<16xf32>
// CHECK: vector.fma
// CHECK: vector.store %{{.*}}, %[[Y]]
// Finally acc = y.
// CHECK: vector.load %[[Y]]
// CHECK: vector.maskedstore %[[ACC]]
// No dequantized weight, and S is freed.
// CHECK-NOT: memref.alloca() : memref<128x
// CHECK: memref.dealloc %[[S]]
// CHECK: return

// With gemv-max-rows=0 the same op takes the GEMM path. (The product used to
// be FMAs of a micro-kernel of this pass; it is now a linalg.matmul that
// bitsink-tile-contractions vectorises, so the check looks for that.)
// FORCE-GEMM-LABEL: func.func @gemv_binary
// FORCE-GEMM: scf.parallel
// FORCE-GEMM: memref.alloc() {alignment = 64 : i64} : memref<128x32xf32>
// FORCE-GEMM: linalg.matmul
func.func @gemv_binary(%x: memref<1x256xf16>, %p: memref<2x8x256xi32>,
                       %c: memref<2x3x256xf16>, %acc: memref<1x256xf32>) {
  bitsink.bitplane_matmul ins(%x, %p, %c : memref<1x256xf16>, memref<2x8x256xi32>, memref<2x3x256xf16>)
      outs(%acc : memref<1x256xf32>) {plane_kind = #bitsink.plane_kind<binary>, group_size = 128}
  return
}

// -----

// Signed planes (t = 2b − 1), M = 3, K = 100 (three whole words and a tail
// of 4 rows), N = 37: the per-group term is S − 2·Z.
// CHECK-LABEL: func.func @gemv_signed_tail
// CHECK-SAME: (%[[X:.*]]: memref<3x100xf32>, %[[P:.*]]: memref<1x4x37xi32>
// K / 32 = 3 whole words and K % 32 = 4 tail rows. (The lowering folds its
// index arithmetic as it builds it: with K static these are constants, and
// so are the origin and the test K % 32 != 0 below.)
// CHECK-DAG: %[[FULL:.*]] = arith.constant 3 : index
// CHECK-DAG: %[[TAIL:.*]] = arith.constant 4 : index
// N % 16 != 0: the rows differ in alignment, the origin is 0.
// CHECK: scf.parallel (%{{.*}}) = (%[[C0:.*]]) to (%c1) step
// Whole words, then the tail rows: a loop of one trip in the last group
// (K % 32 != 0 here).
// CHECK: %[[LAST:.*]] = arith.cmpi eq, %{{.*}}, %{{.*}} : index
// CHECK: %[[TRIPS:.*]] = arith.select %[[LAST]], %{{.*}}, %{{.*}} : index
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[TRIPS]] step
// The tail word is word K / 32, its rows i < K % 32, its bit i is 1 << i.
// CHECK: vector.maskedload %[[P]][%{{.*}}, %[[FULL]], %{{.*}}]
// CHECK: scf.for %[[I:[a-z0-9_]+]] = %{{.*}} to %[[TAIL]] step
// CHECK: %[[I32:.*]] = arith.index_cast %[[I]] : index to i32
// CHECK: %[[SH:.*]] = vector.broadcast %[[I32]] : i32 to vector<16xi32>
// CHECK: arith.shli %{{.*}}, %[[SH]] : vector<16xi32>
// Epilogue: term = −2·Z + S.
// CHECK: vector.fma %[[M2:.*]], %{{.*}}, %{{.*}} : vector<16xf32>
// CHECK: vector.maskedstore
// CHECK: return
func.func @gemv_signed_tail(%x: memref<3x100xf32>, %p: memref<1x4x37xi32>,
                            %c: memref<4x2x37xf32>, %acc: memref<3x37xf32>) {
  bitsink.bitplane_matmul ins(%x, %p, %c : memref<3x100xf32>, memref<1x4x37xi32>, memref<4x2x37xf32>)
      outs(%acc : memref<3x37xf32>) {plane_kind = #bitsink.plane_kind<signed>, group_size = 32}
  return
}

// -----

// Ternary trit-planes (m, s): the bit streams are m and m & s, and the term
// per group is S − 2·Z_{m&s} + Z_m.
// CHECK-LABEL: func.func @gemv_ternary
// CHECK-SAME: (%{{.*}}: memref<1x64xbf16>, %[[P:.*]]: memref<2x2x16xi32>
// CHECK: %[[M:.*]] = vector.maskedload %[[P]][%[[C0:.*]], %{{.*}}, %{{.*}}]
// CHECK: %[[S:.*]] = vector.maskedload %[[P]][%[[C1:.*]], %{{.*}}, %{{.*}}]
// CHECK: %[[MS:.*]] = arith.andi %[[M]], %[[S]] : vector<16xi32>
// CHECK: arith.andi %[[M]]
// CHECK: arith.andi %[[MS]]
// CHECK: %[[ZM:.*]] = arith.addf %{{.*}}, %{{.*}} : vector<16xf32>
// CHECK: vector.fma %{{.*}}, %{{.*}}, %{{.*}} : vector<16xf32>
// CHECK: vector.maskedstore
// CHECK-NOT: memref.alloca() : memref<128x
func.func @gemv_ternary(%x: memref<1x64xbf16>, %p: memref<2x2x16xi32>,
                        %c: memref<1x2x16xf16>, %acc: memref<1x16xbf16>) {
  bitsink.bitplane_matmul ins(%x, %p, %c : memref<1x64xbf16>, memref<2x2x16xi32>, memref<1x2x16xf16>)
      outs(%acc : memref<1x16xbf16>) {plane_kind = #bitsink.plane_kind<ternary>, group_size = 64}
  return
}

// -----

// M = 16 > gemv-max-rows: GEMM. x and acc are bf16, so the product reads
// an f32 copy of x and sums into an f32 copy of acc; each 64-column task
// dequantizes 128 rows at a time into a 128 × 64 f32 buffer and multiplies
// it with all rows of x by a linalg.matmul on sub-views.
// (The IR changed when the hand-written 4-row × 4-vector FMA micro-kernel
// gave way to the linalg.matmul that bitsink-tile-contractions tiles like
// every f32 matmul, docs/bitplane-lowering.md; x is now converted to f32
// once instead of at every use.)
// CHECK-LABEL: func.func @gemm_bf16_acc
// CHECK-SAME: (%[[X:.*]]: memref<16x100xbf16>, %[[P:.*]]: memref<4x4x37xi32>, %[[C:.*]]: memref<1x3x37xf16>, %[[ACC:.*]]: memref<16x37xbf16>)
// CHECK: %[[XF:.*]] = memref.alloc(%{{.*}}, %{{.*}}) : memref<?x?xf32>
// CHECK: memref.load %[[X]]
// CHECK: arith.extf %{{.*}} : bf16 to f32
// CHECK: %[[Y:.*]] = memref.alloc(%{{.*}}, %{{.*}}) : memref<?x?xf32>
// CHECK: memref.load %[[ACC]]
// CHECK: arith.extf %{{.*}} : bf16 to f32
// CHECK: scf.parallel (%[[N0:[a-z0-9_]+]]) =
// CHECK-NOT: scf.parallel
// The tile buffer is a static heap buffer per task (it was an alloca; LLVM
// 22's SROA broke the IR of one static shape promoting it, see Gemm.cpp).
// CHECK: %[[W:.*]] = memref.alloc() {alignment = 64 : i64} : memref<128x64xf32>
// CHECK: scf.for %[[SLAB:[a-z0-9_]+]] =
// Dequantize: start from F = c0 + c1 + c2, correct per clear bit.
// CHECK: vector.maskedload %[[C]]
// CHECK: arith.cmpi eq
// CHECK: arith.select
// CHECK: vector.store %{{.*}}, %[[W]][%{{.*}}, %{{.*}}] : memref<128x64xf32>, vector<16xf32>
// Multiply: all 16 rows of x by the dequantized slab, into the tile's
// columns of the f32 sums.
// CHECK: %[[XS:.*]] = memref.subview %[[XF]][0, %[[SLAB]]] [16, %{{.*}}] [1, 1]
// CHECK: %[[WS:.*]] = memref.subview %[[W]][0, 0] [%{{.*}}, %{{.*}}] [1, 1]
// CHECK: %[[YS:.*]] = memref.subview %[[Y]][0, %[[N0]]] [16, %{{.*}}] [1, 1]
// CHECK: linalg.matmul ins(%[[XS]], %[[WS]] : {{.*}}) outs(%[[YS]] : {{.*}})
// The task frees its slab.
// CHECK: memref.dealloc %[[W]]
// The result is rounded back into acc.
// CHECK: arith.truncf %{{.*}} : f32 to bf16
// CHECK: memref.store %{{.*}}, %[[ACC]]
// The pipeline places deallocations before this pass: the lowering frees
// its own heap buffers.
// CHECK-DAG: memref.dealloc %[[Y]]
// CHECK-DAG: memref.dealloc %[[XF]]
func.func @gemm_bf16_acc(%x: memref<16x100xbf16>, %p: memref<4x4x37xi32>,
                         %c: memref<1x3x37xf16>, %acc: memref<16x37xbf16>) {
  bitsink.bitplane_matmul ins(%x, %p, %c : memref<16x100xbf16>, memref<4x4x37xi32>, memref<1x3x37xf16>)
      outs(%acc : memref<16x37xbf16>) {plane_kind = #bitsink.plane_kind<ternary>, group_size = 100}
  return
}

// -----

// Dynamic M cannot be unrolled into GEMV registers: GEMM, accumulating in
// the f32 acc directly (no copy).
// CHECK-LABEL: func.func @gemm_dynamic_rows
// CHECK-SAME: %[[ACC:[a-z0-9]+]]: memref<?x64xf32>)
// CHECK-NOT: memref.alloc(
// CHECK: scf.parallel
// (The slab is a heap buffer per task; it was an alloca, see Gemm.cpp.)
// CHECK: %[[W:.*]] = memref.alloc() {alignment = 64 : i64} : memref<128x64xf32>
// (Was a vector.maskedstore into acc by the old FMA micro-kernel; the sums
// now go to acc through the linalg.matmul's output sub-view.)
// CHECK: %[[YS:.*]] = memref.subview %[[ACC]][0, %{{.*}}] [%{{.*}}, %{{.*}}] [1, 1]
// CHECK: linalg.matmul ins({{.*}}) outs(%[[YS]] :
// Only the slab is freed: acc is used in place.
// CHECK: memref.dealloc %[[W]]
// CHECK-NOT: memref.dealloc
// bitsink-tile-contractions then tiles that matmul like every f32 matmul:
// 8 x 32 register tiles carried through the K loop, broadcast FMAs. Its
// cache tiles are scf.for loops here, since the matmul already runs inside
// the op's scf.parallel: one parallel loop, one omp.parallel, per op.
// TILED-LABEL: func.func @gemm_dynamic_rows
// TILED: scf.parallel
// TILED-NOT: scf.parallel
// TILED: memref.alloc() {alignment = 64 : i64} : memref<128x64xf32>
// TILED-NOT: scf.parallel
// TILED: scf.for {{.*}} iter_args({{.*}}) -> (vector<8x32xf32>)
// TILED: vector.fma {{.*}} : vector<32xf32>
// TILED-NOT: scf.parallel
// TILED: return
func.func @gemm_dynamic_rows(%x: memref<?x64xf32>, %p: memref<1x2x64xi32>,
                             %c: memref<1x2x64xf32>, %acc: memref<?x64xf32>) {
  bitsink.bitplane_matmul ins(%x, %p, %c : memref<?x64xf32>, memref<1x2x64xi32>, memref<1x2x64xf32>)
      outs(%acc : memref<?x64xf32>) {plane_kind = #bitsink.plane_kind<binary>, group_size = 64}
  return
}

// -----

// N = 1536 (24 steps of 64, 25 with the origin): 8 tasks of 3–4 steps, not
// three strips of 512 (a second thread would get one third of the work).
// CHECK-LABEL: func.func @gemv_static_tasks
// CHECK: scf.parallel (%{{.*}}) = (%{{.*}}) to (%c8) step (%c1) {
// CHECK-DAG: memref.alloca() : memref<1x256xf32>
// CHECK-DAG: memref.alloca() : memref<1x256xf32>
func.func @gemv_static_tasks(%x: memref<1x64xf32>, %p: memref<1x2x1536xi32>,
                             %c: memref<1x2x1536xf32>, %acc: memref<1x1536xf32>) {
  bitsink.bitplane_matmul ins(%x, %p, %c : memref<1x64xf32>, memref<1x2x1536xi32>, memref<1x2x1536xf32>)
      outs(%acc : memref<1x1536xf32>) {plane_kind = #bitsink.plane_kind<binary>, group_size = 64}
  return
}

// -----

// A dynamic N: S = ceil((N - origin) / 64) steps cut at run time into
// T = min(S, 8·ceil(ceil(S / 64) / 8)) tasks (a multiple of gemv-min-tasks,
// strips of at most gemv-column-tile = 4096 columns = 64 steps); task t
// starts at step t·S/T; the buffers hold the widest strip.
// CHECK-LABEL: func.func @gemv_dynamic_columns
// CHECK: %[[ORIGIN:.*]] = arith.select
// CHECK: %[[SPAN:.*]] = arith.subi %{{.*}}, %[[ORIGIN]]
// CHECK: %[[SPAN63:.*]] = arith.addi %[[SPAN]], %c63
// CHECK: %[[S:.*]] = arith.divui %[[SPAN63]], %c64
// CHECK: %[[WANTED:.*]] = arith.ceildivui %[[S]], %c64
// CHECK: %[[ROUNDS:.*]] = arith.ceildivui %[[WANTED]], %c8
// CHECK: %[[MULT:.*]] = arith.muli %[[ROUNDS]], %c8
// CHECK: %[[T:.*]] = arith.minsi %[[S]], %[[MULT]]
// CHECK: scf.parallel (%[[TASK:[a-z0-9_]+]]) = (%{{.*}}) to (%[[T]]) step (%c1) {
// CHECK-NOT: scf.parallel
// CHECK: %[[FIRST:.*]] = arith.muli %[[TASK]], %[[S]]
// CHECK: arith.divui %[[FIRST]], %[[T]]
// CHECK-DAG: memref.alloca() : memref<1x4096xf32>
func.func @gemv_dynamic_columns(%x: memref<1x64xf32>, %p: memref<1x2x?xi32>,
                                %c: memref<1x2x?xf32>, %acc: memref<1x?xf32>) {
  bitsink.bitplane_matmul ins(%x, %p, %c : memref<1x64xf32>, memref<1x2x?xi32>, memref<1x2x?xf32>)
      outs(%acc : memref<1x?xf32>) {plane_kind = #bitsink.plane_kind<binary>, group_size = 64}
  return
}

// -----

// On tensors the op is bridged to memrefs first: inputs through to_buffer,
// acc copied into a fresh buffer (it is accumulated into), the result read
// back with to_tensor.
// CHECK-LABEL: func.func @tensor_form
// CHECK-SAME: %[[ACC:[a-z0-9]+]]: tensor<1x32xf32>)
// CHECK: %[[BUF:.*]] = memref.alloc() : memref<1x32xf32>
// CHECK: memref.copy %{{.*}}, %[[BUF]]
// CHECK: vector.maskedstore %[[BUF]][
// CHECK: %[[R:.*]] = bufferization.to_tensor %[[BUF]]
// CHECK: return %[[R]]
func.func @tensor_form(%x: tensor<1x32xf32>, %p: tensor<3x1x32xi32>,
                       %c: tensor<1x4x32xf16>, %acc: tensor<1x32xf32>) -> tensor<1x32xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<1x32xf32>, tensor<3x1x32xi32>, tensor<1x4x32xf16>)
      outs(%acc : tensor<1x32xf32>) {plane_kind = #bitsink.plane_kind<binary>, group_size = 32} -> tensor<1x32xf32>
  return %y : tensor<1x32xf32>
}

// RUN: bitsink-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(bitsink-tile-contractions{cache-tile-m=8 cache-tile-n=32 cache-tile-k=16 register-tile-m=4 register-tile-n=16 pack-rhs=always pack-tile-m=8}))' | FileCheck %s --check-prefix=ALWAYS
// RUN: bitsink-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(bitsink-tile-contractions{cache-tile-m=8 cache-tile-n=32 cache-tile-k=16 register-tile-m=4 register-tile-n=16 pack-rhs=always pack-tile-m=8},bitsink-vectorize-linalg{vector-bits=512 unroll=1}))' | FileCheck %s --check-prefix=VEC
// RUN: bitsink-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(bitsink-tile-contractions))' | FileCheck %s --check-prefix=AUTO
// RUN: bitsink-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(bitsink-tile-contractions{pack-rhs=never}))' | FileCheck %s --check-prefix=NEVER
// RUN: bitsink-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(bitsink-tile-contractions{cache-tile-m=8 cache-tile-n=32 cache-tile-k=16 register-tile-m=4 register-tile-n=16 pack-rhs=always pack-tile-m=8 prefetch-rhs=true}))' | FileCheck %s --check-prefix=PREFETCH
// RUN: bitsink-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(bitsink-tile-contractions{pack-rhs=always}))' | FileCheck %s --check-prefix=NOPF
// RUN: not bitsink-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(bitsink-tile-contractions{pack-rhs=sometimes}))' 2>&1 | FileCheck %s --check-prefix=ERR
// RUN: not bitsink-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(bitsink-tile-contractions{pack-tile-m=0}))' 2>&1 | FileCheck %s --check-prefix=ERR-ROWS

// ERR: error: bitsink-tile-contractions: pack-rhs must be one of auto, always, never, got 'sometimes'
// ERR-ROWS: error: bitsink-tile-contractions: pack-tile-m must be positive, got 0

// B packed (pack-rhs=always): per parallel task one aligned buffer of a
// K x N cache tile (16 x 32), allocated before the K loop and freed after
// it; each K slab first copies its tile of B into it (a linalg.copy, which
// bitsink-vectorize-linalg makes whole-vector row copies: VEC), then the
// register tiles read B from the buffer, not from %b.
// ALWAYS-LABEL: func.func @static_nn(
//  ALWAYS-SAME:     %[[A:.*]]: memref<16x24xf32>, %[[B:.*]]: memref<24x64xf32>, %[[C:.*]]: memref<16x64xf32>)
//       ALWAYS:   scf.parallel {{.*}} step (%c8{{.*}}, %c32{{.*}})
//       ALWAYS:     %[[P:.*]] = memref.alloc() {alignment = 64 : i64} : memref<16x32xf32>
//       ALWAYS:     scf.for %{{.*}} = %{{.*}} to %c24{{.*}} step %c16
//       ALWAYS:       %[[SRC:.*]] = memref.subview %[[B]]
//       ALWAYS:       %[[DST:.*]] = memref.subview %[[P]]
//       ALWAYS:       linalg.copy ins(%[[SRC]] : {{.*}}) outs(%[[DST]] : {{.*}})
//       ALWAYS:       scf.for %{{.*}} = %{{.*}} to %c8{{.*}} step %c4
//       ALWAYS:         scf.for %{{.*}} = %{{.*}} to %c32{{.*}} step %c16
//       ALWAYS:           scf.for {{.*}} iter_args(%{{.*}} = %{{.*}}) -> (vector<4x16xf32>)
//   ALWAYS-NOT:             %[[B]]
//       ALWAYS:             vector.load %[[P]]{{.*}} : memref<16x32xf32>, vector<16xf32>
// ALWAYS-COUNT-4:           vector.fma {{.*}} : vector<16xf32>
//       ALWAYS:             scf.yield
//       ALWAYS:     memref.dealloc %[[P]] : memref<16x32xf32>
//       ALWAYS:     scf.reduce
//       ALWAYS:   return
// VEC-LABEL: func.func @static_nn(
//  VEC-SAME:     %{{.*}}: memref<16x24xf32>, %[[B:[a-z0-9]+]]: memref<24x64xf32>, %{{.*}}: memref<16x64xf32>)
//       VEC:     %[[P:.*]] = memref.alloc() {alignment = 64 : i64} : memref<16x32xf32>
//       VEC:     scf.for %{{.*}} = %{{.*}} to %c24{{.*}} step %c16
//       VEC:       scf.for %[[ROW:.*]] = %{{.*}} to %{{.*}} step %c1{{(_[0-9]+)?}} {
//       VEC:         scf.for %[[COL:.*]] = %{{.*}} to %c32{{.*}} step %c16
//       VEC:           %[[V:.*]] = vector.load %[[B]][%{{.*}}, %{{.*}}] : memref<24x64xf32>, vector<16xf32>
//       VEC:           vector.store %[[V]], %[[P]][%[[ROW]], %[[COL]]] : memref<16x32xf32>, vector<16xf32>
//   VEC-NOT:       linalg.copy
// By the cost rule, or never: not packed (B is 6 KiB, in L1 as it is).
//   AUTO-LABEL: func.func @static_nn(
//     AUTO-NOT:   memref.alloc
//       AUTO:   return
//  NEVER-LABEL: func.func @static_nn(
//    NEVER-NOT:   memref.alloc
//        NEVER:   return
// prefetch-rhs: after each copy, the tile the next copy reads is
// prefetched from B: the next K slab (rows k0 + 16 up to 24) of the same
// columns, or after the last slab the first slab of the next 32 columns
// (clamped to B). Off by default: no prefetch.
// PREFETCH-LABEL: func.func @static_nn(
//  PREFETCH-SAME:     %{{.*}}: memref<16x24xf32>, %[[B:[a-z0-9]+]]: memref<24x64xf32>
//       PREFETCH:   scf.parallel (%{{.*}}, %[[N0:.*]]) =
//       PREFETCH:     %[[NEXTN:.*]] = arith.addi %[[N0]], %c32
//       PREFETCH:     scf.for %[[K0:.*]] = %{{.*}} to %c24{{.*}} step %c16
//       PREFETCH:       linalg.copy
//       PREFETCH:       %[[KN:.*]] = arith.addi %[[K0]], %c16
//       PREFETCH:       %[[SAME:.*]] = arith.cmpi slt, %[[KN]], %c24
//       PREFETCH:       %[[KB:.*]] = arith.select %[[SAME]], %[[KN]], %c0
//       PREFETCH:       %[[NB:.*]] = arith.select %[[SAME]], %[[N0]], %[[NEXTN]]
//       PREFETCH:       %[[KE:.*]] = arith.minsi %{{.*}}, %c24
//       PREFETCH:       %[[NE:.*]] = arith.minsi %{{.*}}, %c64
//       PREFETCH:       scf.for %[[R:.*]] = %[[KB]] to %[[KE]] step %c1
//       PREFETCH:         scf.for %[[COL:.*]] = %[[NB]] to %[[NE]] step %c16
//       PREFETCH:           memref.prefetch %[[B]][%[[R]], %[[COL]]], read, locality<2>, data : memref<24x64xf32>
//       PREFETCH:       vector.fma
//   NOPF-LABEL: func.func @static_nn(
//     NOPF-NOT:   memref.prefetch
//         NOPF:   return
func.func @static_nn(%a: memref<16x24xf32>, %b: memref<24x64xf32>, %c: memref<16x64xf32>) {
  linalg.matmul ins(%a, %b : memref<16x24xf32>, memref<24x64xf32>) outs(%c : memref<16x64xf32>)
  return
}

// -----

// Dynamic sizes: the buffer has the cache tile's size; the copy (VEC) does
// whole vectors up to the last multiple of 16 columns of the tile and the
// rest with masked loads and stores. The cost
// rule packs a B of unknown size (by default a 256 x 128 tile, and
// pack-tile-m = 256 rows per task).
// ALWAYS-LABEL: func.func @dynamic(
//  ALWAYS-SAME:     %[[A:.*]]: memref<?x?xf32>, %[[B:.*]]: memref<?x?xf32>, %[[C:.*]]: memref<?x?xf32>)
//       ALWAYS:   scf.parallel
//       ALWAYS:     %[[P:.*]] = memref.alloc() {alignment = 64 : i64} : memref<16x32xf32>
//       ALWAYS:     scf.for
//       ALWAYS:       %[[SRC:.*]] = memref.subview %[[B]]
//       ALWAYS:       %[[DST:.*]] = memref.subview %[[P]][0, 0] [%{{.*}}, %{{.*}}] [1, 1] : memref<16x32xf32> to memref<?x?xf32, strided<[32, 1]>>
//       ALWAYS:       linalg.copy ins(%[[SRC]] : memref<?x?xf32, strided<[?, 1], offset: ?>>) outs(%[[DST]] : memref<?x?xf32, strided<[32, 1]>>)
//       ALWAYS:     memref.dealloc %[[P]]
// VEC-LABEL: func.func @dynamic(
//  VEC-SAME:     %{{.*}}: memref<?x?xf32>, %[[B:[a-z0-9]+]]: memref<?x?xf32>, %{{.*}}: memref<?x?xf32>)
//       VEC:     %[[P:.*]] = memref.alloc() {alignment = 64 : i64} : memref<16x32xf32>
//       VEC:       scf.for
//       VEC:         scf.for
//       VEC:           vector.load %[[B]]
//       VEC:           vector.store %{{.*}}, %[[P]]
//       VEC:         scf.for
//       VEC:           %[[M:.*]] = vector.create_mask %{{.*}} : vector<16xi1>
//       VEC:           %[[T:.*]] = vector.maskedload %[[B]][%{{.*}}], %[[M]]
//       VEC:           vector.maskedstore %[[P]][%{{.*}}], %[[M]], %[[T]]
//       VEC:     memref.dealloc %[[P]]
//   AUTO-LABEL: func.func @dynamic(
//        AUTO:   scf.parallel {{.*}} step (%c256{{.*}}, %c128{{.*}})
//        AUTO:     memref.alloc() {alignment = 64 : i64} : memref<256x128xf32>
//  NEVER-LABEL: func.func @dynamic(
//    NEVER-NOT:   memref.alloc
//        NEVER:   return
func.func @dynamic(%a: memref<?x?xf32>, %b: memref<?x?xf32>, %c: memref<?x?xf32>) {
  linalg.matmul ins(%a, %b : memref<?x?xf32>, memref<?x?xf32>) outs(%c : memref<?x?xf32>)
  return
}

// -----

// The cost rule on static sizes with the default tiles. A MiniLM-sized
// projection (B 384 x 1152, 1.7 MiB, row stride 1152 > the 128-column
// tile): packed; 9 column tasks, so each task takes all 128 rows
// (pack-tile-m = 256 covers them) and 128 columns.
//   AUTO-LABEL: func.func @minilm_qkv(
//        AUTO:   scf.parallel {{.*}} step (%c256{{.*}}, %c128{{.*}})
//        AUTO:     %[[P:.*]] = memref.alloc() {alignment = 64 : i64} : memref<256x128xf32>
//        AUTO:     linalg.copy ins(%{{.*}} : memref<?x128xf32, strided<[1152, 1], offset: ?>>) outs(%{{.*}} : memref<?x128xf32, strided<[128, 1]>>)
//        AUTO:     scf.for {{.*}} -> (vector<8x32xf32>)
//        AUTO:       vector.load %[[P]]{{.*}} : memref<256x128xf32>, vector<32xf32>
//        AUTO:     memref.dealloc %[[P]]
//  NEVER-LABEL: func.func @minilm_qkv(
//    NEVER-NOT:   memref.alloc
//        NEVER:   scf.parallel {{.*}} step (%c64{{.*}}, %c128{{.*}})
//        NEVER:   return
func.func @minilm_qkv(%a: memref<128x384xf32>, %b: memref<384x1152xf32>, %c: memref<128x1152xf32>) {
  linalg.matmul ins(%a, %b : memref<128x384xf32>, memref<384x1152xf32>) outs(%c : memref<128x1152xf32>)
  return
}

// -----

// Few column tasks: the tiles per task shrink until there are at least 6
// tasks, the columns first (down to two register tiles), then the rows.
// 256 x 384 (MiniLM's attention output and second FFN projection, rows of
// B 1.5 KiB apart; here B a view of a wider buffer): 3 tasks of 128
// columns, 6 of 64, each of all 256 rows. 256 x 256: 4 tasks of 64
// columns, then 8 of 128 rows.
//   AUTO-LABEL: func.func @few_columns(
//        AUTO:   scf.parallel {{.*}} to (%c256{{.*}}, %c384{{.*}}) step (%c256{{.*}}, %c64{{.*}})
//        AUTO:     memref.alloc() {alignment = 64 : i64} : memref<256x64xf32>
//   AUTO-LABEL: func.func @few_columns_and_rows(
//        AUTO:   scf.parallel {{.*}} to (%c256{{.*}}, %c256{{.*}}) step (%c128{{.*}}, %c64{{.*}})
//        AUTO:     memref.alloc() {alignment = 64 : i64} : memref<256x64xf32>
func.func @few_columns(%a: memref<256x1536xf32>, %b: memref<1536x384xf32, strided<[2048, 1]>>, %c: memref<256x384xf32>) {
  linalg.matmul ins(%a, %b : memref<256x1536xf32>, memref<1536x384xf32, strided<[2048, 1]>>) outs(%c : memref<256x384xf32>)
  return
}
func.func @few_columns_and_rows(%a: memref<256x1536xf32>, %b: memref<1536x256xf32>, %c: memref<256x256xf32>) {
  linalg.matmul ins(%a, %b : memref<256x1536xf32>, memref<1536x256xf32>) outs(%c : memref<256x256xf32>)
  return
}

// -----

// Not packed by the cost rule: fewer than 8 register tiles of rows (16 <
// 64) reuse each tile of B; rows of B less than 1 KiB apart (N = 200);
// B already contiguous (each K x N tile is a contiguous block: row stride 128 = the
// tile width); a batched attention product whose B (32 x 128 per head, 16
// KiB) fits in L1.
//   AUTO-LABEL: func.func @few_rows(
//     AUTO-NOT:   memref.alloc
//        AUTO:   return
//   AUTO-LABEL: func.func @short_rows(
//     AUTO-NOT:   memref.alloc
//        AUTO:   return
//   AUTO-LABEL: func.func @contiguous_b(
//     AUTO-NOT:   memref.alloc
//        AUTO:   return
//   AUTO-LABEL: func.func @attention_scores(
//     AUTO-NOT:   memref.alloc
//        AUTO:   return
func.func @few_rows(%a: memref<16x384xf32>, %b: memref<384x1536xf32>, %c: memref<16x1536xf32>) {
  linalg.matmul ins(%a, %b : memref<16x384xf32>, memref<384x1536xf32>) outs(%c : memref<16x1536xf32>)
  return
}
func.func @short_rows(%a: memref<256x1536xf32>, %b: memref<1536x200xf32>, %c: memref<256x200xf32>) {
  linalg.matmul ins(%a, %b : memref<256x1536xf32>, memref<1536x200xf32>) outs(%c : memref<256x200xf32>)
  return
}
func.func @contiguous_b(%a: memref<256x512xf32>, %b: memref<512x128xf32>, %c: memref<256x128xf32>) {
  linalg.matmul ins(%a, %b : memref<256x512xf32>, memref<512x128xf32>) outs(%c : memref<256x128xf32>)
  return
}
func.func @attention_scores(%q: memref<12x128x32xf32>, %kt: memref<12x32x128xf32>, %s: memref<12x128x128xf32>) {
  linalg.batch_matmul ins(%q, %kt : memref<12x128x32xf32>, memref<12x32x128xf32>) outs(%s : memref<12x128x128xf32>)
  return
}
// B laid out N x K (`x Wᵀ`, the decoder's linear): packed by a transposing
// copy, a linalg.transpose of the slab's N x K tile of B into the K x N
// buffer (bitsink-vectorize-linalg, later in the pipeline, turns it into
// register-tile transposes); the register tiles then read the buffer as
// K x N. Unpacked they would read B one lane per column. The cost rule
// packs it too (64 rows, B of 576 KiB).
// ALWAYS-LABEL: func.func @transposed_b(
//  ALWAYS-SAME:     %[[A:.*]]: memref<64x384xf32>, %[[B:.*]]: memref<384x384xf32>, %[[C:.*]]: memref<64x384xf32>)
//       ALWAYS:   scf.parallel
//       ALWAYS:     %[[P:.*]] = memref.alloc() {alignment = 64 : i64} : memref<16x32xf32>
//       ALWAYS:     %[[PC:.*]] = memref.cast %[[P]]
//       ALWAYS:     scf.for
//       ALWAYS:       %[[T:.*]] = memref.subview %[[B]]
//       ALWAYS:       linalg.transpose ins(%[[T]] : memref<32x16xf32, {{.*}}>) outs(%[[PC]] : memref<16x32xf32, {{.*}}>) permutation = [1, 0]
//       ALWAYS:           scf.for {{.*}} iter_args(%{{.*}} = %{{.*}}) -> (vector<4x16xf32>)
//   ALWAYS-NOT:             %[[B]]
//       ALWAYS:             vector.load %[[P]]{{.*}} : memref<16x32xf32>, vector<16xf32>
//       ALWAYS:     memref.dealloc %[[P]] : memref<16x32xf32>
//   AUTO-LABEL: func.func @transposed_b(
//        AUTO:   memref.alloc
//        AUTO:   linalg.transpose
//  NEVER-LABEL: func.func @transposed_b(
//    NEVER-NOT:   linalg.transpose
//        NEVER:   return
func.func @transposed_b(%a: memref<64x384xf32>, %b: memref<384x384xf32>, %c: memref<64x384xf32>) {
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%a, %b : memref<64x384xf32>, memref<384x384xf32>) outs(%c : memref<64x384xf32>)
  return
}

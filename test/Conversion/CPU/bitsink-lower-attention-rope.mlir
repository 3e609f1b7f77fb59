// RUN: bitsink-opt %s -split-input-file \
// RUN:   --bitsink-lower-attention="query-tile=16 key-tile=16 split-size=64" \
// RUN:   --canonicalize --cse | FileCheck %s

// Rotary embeddings in the CPU kernels (docs/attention-lowering.md, "Rotary
// embeddings"). Prefill rotates every key a query tile will read once per
// (batch, kv head), before the query tiles, into an f32 buffer that the
// scores read instead of k; each query tile rotates its rows once as it
// loads them. A head is rotated as one vector: the angles are the position
// times the f32 frequencies θ^(−2m/R), their cos and sin come from a
// Cody–Waite reduction to [−π/4, π/4] and polynomials in vector FMAs (no
// math.cos / math.sin and no libm call per lane), the pairs (here
// rotate-half on the first 32 of 64 dims: lanes 0..15 and 16..31) are
// gathered with vector.shuffle, and a last shuffle puts them back in front
// of the unrotated lanes 32..63.

// CHECK-LABEL: func.func @prefill_half
// CHECK-SAME:    %[[Q:[a-z0-9]+]]: memref<1x4x?x64xf16>, %[[K:[a-z0-9]+]]: memref<1x2x?x64xf16>
// CHECK-NOT:     math.cos
// CHECK-NOT:     math.sin
// CHECK-DAG:     %[[FREQ:.*]] = arith.constant dense<[1.000000e+00, 0.562341332, 0.316227764, {{.*}}, 1.7782794E-4]> : vector<16xf32>
// CHECK-DAG:     %[[NK:.*]] = memref.dim %[[K]], %c2
// CHECK:         %[[ROT:.*]] = memref.alloc(%[[NK]]) : memref<1x2x?x64xf32>
// One task per (kv head, part): min(ceil(Nk / 16), 8) parts, each a
// balanced run [p·n / parts, (p+1)·n / parts) of the n key tiles that some
// query tile visits.
// CHECK:         %[[PARTS:.*]] = arith.minsi %{{.*}}, %c8 : index
// CHECK:         scf.parallel (%[[KVH:.*]], %{{.*}}) = (%c0, %c0) to (%c2, %[[PARTS]])
// CHECK:           %[[FIRST:.*]] = arith.divui %{{.*}}, %[[PARTS]]
// CHECK:           %[[LAST:.*]] = arith.divui %{{.*}}, %[[PARTS]]
// CHECK:           scf.for %{{.*}} = %[[FIRST]] to %[[LAST]] step %c1
// CHECK:             scf.for %[[J:.*]] =
// CHECK:               %[[KROW:.*]] = vector.load %[[K]][%c0, %[[KVH]], %[[J]], %c0] : memref<1x2x?x64xf16>, vector<64xf16>
// CHECK:               %[[KF:.*]] = arith.extf %[[KROW]] : vector<64xf16> to vector<64xf32>
// CHECK:               %[[JI:.*]] = arith.index_cast %[[J]] : index to i64
// CHECK:               %[[POS:.*]] = arith.sitofp %[[JI]] : i64 to f32
// CHECK:               %[[POSV:.*]] = vector.broadcast %[[POS]] : f32 to vector<16xf32>
// CHECK:               arith.mulf %[[POSV]], %[[FREQ]] : vector<16xf32>
// CHECK:               arith.fptosi {{.*}} : vector<16xf32> to vector<16xi32>
// CHECK-COUNT-9:       vector.fma {{.*}} : vector<16xf32>
// CHECK:               vector.shuffle %[[KF]], %[[KF]] [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]
// CHECK:               vector.shuffle %[[KF]], %[[KF]] [16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31]
// CHECK:               %[[PAIRS:.*]] = vector.shuffle %{{.*}}, %{{.*}} [0, 1, {{.*}}, 31] : vector<16xf32>, vector<16xf32>
// CHECK:               %[[OUT:.*]] = vector.shuffle %[[PAIRS]], %[[KF]] [0, 1, {{.*}}, 31, 64, 65, {{.*}}, 95] : vector<32xf32>, vector<64xf32>
// CHECK:               vector.store %[[OUT]], %[[ROT]][%c0, %[[KVH]], %[[J]], %c0]
// CHECK:         scf.parallel (%[[H:.*]], %{{.*}}) = (%c0, %c0) to (%c4, %{{.*}})
// Query rows: loaded whole, rotated at p_i, scaled, transposed into Qt.
// CHECK:           scf.for
// CHECK:             vector.load %[[Q]][%c0, %[[H]], %{{.*}}, %c0] : memref<1x4x?x64xf16>, vector<64xf16>
// CHECK:             vector.shuffle
// CHECK:             arith.mulf %{{.*}}, %{{.*}} : vector<64xf32>
// The scores read the rotated keys.
// CHECK:           scf.for %{{.*}} iter_args
// CHECK:             scf.for %[[D:.*]] = %c0 to %c64 step %c1 iter_args
// CHECK-COUNT-16:      memref.load %[[ROT]][%c0, %{{.*}}, %{{.*}}, %[[D]]] : memref<1x2x?x64xf32>
// CHECK-NOT:         memref.load %[[K]]
// CHECK:         memref.dealloc %[[ROT]]
func.func @prefill_half(%q: memref<1x4x?x64xf16>, %k: memref<1x2x?x64xf16>,
                        %v: memref<1x2x?x64xf16>, %o: memref<1x4x?x64xf16>) {
  bitsink.sink_attention ins(%q, %k, %v : memref<1x4x?x64xf16>, memref<1x2x?x64xf16>, memref<1x2x?x64xf16>)
      outs(%o : memref<1x4x?x64xf16>)
      {num_sinks = 4, window = 256, causal = true,
       rope = #bitsink.rope<theta = 10000.0, dims = 32, style = half>}
  return
}

// -----

// Decode on a ring cache (key_positions), adjacent pairs, two kv heads: the
// keys' cos and sin are computed once per (batch, key) before the tasks
// (two tasks, one per kv head, read each key), into a table of
// B × Nk × 2 × R/2. The query rows of the GQA group (3 heads, one
// position) are rotated once per task, with one cos/sin for all of them;
// each key of a visited tile is loaded whole, turned by the table's cos
// and sin (even lanes with odd lanes) and cut into the chunks of the dot
// products. No buffer of rotated keys.

// CHECK-LABEL: func.func @decode_interleaved
// CHECK-SAME:    %[[Q:[a-z0-9]+]]: memref<1x6x1x64xf16>, %[[K:[a-z0-9]+]]: memref<1x2x?x64xf16>, %{{.*}}: memref<1x2x?x64xf16>, %[[POS:[a-z0-9]+]]: memref<1x?xi64>
// CHECK-NOT:     math.cos
// CHECK-NOT:     memref.alloc({{.*}}) : memref<1x2x?x64xf32>
// Splits: ceil(tiles / 4), but at least min(tiles, 4) so that the 2 kv
// heads make 8 tasks.
// CHECK:         %[[TILES:.*]] = arith.ceildivsi %{{.*}}, %c16 : index
// CHECK:         %[[BYSIZE:.*]] = arith.ceildivsi %[[TILES]], %c4 : index
// CHECK:         %[[BYSIZE1:.*]] = arith.maxsi %[[BYSIZE]], %c1 : index
// CHECK:         %[[TILES1:.*]] = arith.maxsi %[[TILES]], %c1 : index
// CHECK:         %[[FOUR:.*]] = arith.minsi %[[TILES1]], %c4 : index
// CHECK:         %[[SPLITS:.*]] = arith.maxsi %[[BYSIZE1]], %[[FOUR]] : index
// CHECK:         memref.alloc(%[[SPLITS]]) : memref<1x6x?x1x64xf32>
// CHECK:         %[[TABLE:.*]] = memref.alloc(%{{.*}}) : memref<1x?x2x16xf32>
// CHECK:         scf.parallel
// CHECK:           scf.for
// CHECK:             scf.for %[[J:.*]] =
// CHECK:             %[[P:.*]] = memref.load %[[POS]][%c0, %[[J]]] : memref<1x?xi64>
// CHECK:             arith.sitofp %[[P]] : i64 to f32
// CHECK:             arith.fptosi
// CHECK:             vector.store %{{.*}}, %[[TABLE]][%c0, %[[J]], %c0, %c0] : memref<1x?x2x16xf32>, vector<16xf32>
// CHECK:             vector.store %{{.*}}, %[[TABLE]][%c0, %[[J]], %c1, %c0] : memref<1x?x2x16xf32>, vector<16xf32>
// CHECK:         scf.parallel
// CHECK:           %[[Q0:.*]] = vector.load %[[Q]]{{.*}} : memref<1x6x1x64xf16>, vector<64xf16>
// CHECK:           %[[Q0F:.*]] = arith.extf %[[Q0]]
// CHECK:           arith.fptosi
// CHECK-COUNT-9:   vector.fma {{.*}} : vector<16xf32>
// CHECK:           vector.shuffle %[[Q0F]], %[[Q0F]] [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30]
// CHECK:           vector.shuffle %[[Q0F]], %[[Q0F]] [1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31]
// CHECK:           vector.shuffle %{{.*}}, %{{.*}} [0, 16, 1, 17, {{.*}}, 15, 31, 64, 65, {{.*}}, 95] : vector<32xf32>, vector<64xf32>
// CHECK-COUNT-4:   vector.extract_strided_slice
// The second and third heads reuse the first one's cos and sin.
// CHECK:           vector.load %[[Q]]
// CHECK-NOT:       arith.fptosi
// CHECK:           vector.load %[[Q]]
// CHECK-NOT:       arith.fptosi
// CHECK:           scf.for %{{.*}} iter_args
// CHECK-NOT:         arith.fptosi
// CHECK:             vector.load %[[K]][%c0, %{{.*}}, %[[J0:.*]], %c0] : memref<1x2x?x64xf16>, vector<64xf16>
// CHECK:             %[[C:.*]] = vector.load %[[TABLE]][%c0, %[[J0]], %c0, %c0]
// CHECK:             %[[S:.*]] = vector.load %[[TABLE]][%c0, %[[J0]], %c1, %c0]
// CHECK:             vector.shuffle
// CHECK:             arith.mulf %{{.*}}, %[[C]]
// CHECK-COUNT-4:     vector.extract_strided_slice
// No reduction per key: the tile's (key, row) lane sums come from one
// shuffle tree after the last key.
// CHECK-NOT:         vector.reduction <add>
// CHECK:             vector.load %[[K]]
// CHECK:             vector.shuffle %{{.*}}, %{{.*}} [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23]
// CHECK:         memref.dealloc %[[TABLE]]
func.func @decode_interleaved(%q: memref<1x6x1x64xf16>, %k: memref<1x2x?x64xf16>,
                              %v: memref<1x2x?x64xf16>, %pos: memref<1x?xi64>,
                              %len: memref<1xi64>, %o: memref<1x6x1x64xf16>) {
  bitsink.sink_attention ins(%q, %k, %v : memref<1x6x1x64xf16>, memref<1x2x?x64xf16>, memref<1x2x?x64xf16>)
      kv_len(%len : memref<1xi64>) key_positions(%pos : memref<1x?xi64>)
      outs(%o : memref<1x6x1x64xf16>)
      {num_sinks = 4, causal = true,
       rope = #bitsink.rope<theta = 10000.0, dims = 32, style = interleaved>}
  return
}

// -----

// All dims rotated, rotate-half, one kv head (one task per batch and
// split: no table, each visited key's cos and sin are computed in the task).
// The rotated pairs are the head (one shuffle of the two halves, no
// unrotated lanes to merge).

// CHECK-LABEL: func.func @decode_full_half
// CHECK-NOT:     memref.alloc({{.*}}) : memref<1x?x2x16xf32>
// CHECK:         scf.for %{{.*}} iter_args
// CHECK:           vector.load %{{.*}} : memref<1x1x?x32xf32>, vector<32xf32>
// CHECK:           arith.fptosi {{.*}} : vector<16xf32> to vector<16xi32>
// CHECK:           vector.shuffle %{{.*}}, %{{.*}} [0, 1, 2, {{.*}}, 15] : vector<32xf32>, vector<32xf32>
// CHECK:           vector.shuffle %{{.*}}, %{{.*}} [16, 17, {{.*}}, 31] : vector<32xf32>, vector<32xf32>
// CHECK:           vector.shuffle %{{.*}}, %{{.*}} [0, 1, 2, {{.*}}, 31] : vector<16xf32>, vector<16xf32>
// CHECK-NOT:     vector<64xf32>
func.func @decode_full_half(%q: memref<1x2x1x32xf32>, %k: memref<1x1x?x32xf32>,
                            %v: memref<1x1x?x32xf32>, %o: memref<1x2x1x32xf32>) {
  bitsink.sink_attention ins(%q, %k, %v : memref<1x2x1x32xf32>, memref<1x1x?x32xf32>, memref<1x1x?x32xf32>)
      outs(%o : memref<1x2x1x32xf32>)
      {causal = true, rope = #bitsink.rope<theta = 10000.0, dims = 32, style = half>}
  return
}

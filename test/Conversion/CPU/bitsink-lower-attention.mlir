// RUN: bitsink-opt %s -split-input-file \
// RUN:   --bitsink-lower-attention="query-tile=16 key-tile=16 split-size=64" \
// RUN:   --canonicalize --cse | FileCheck %s

// Causal sink + window attention, S = 4, W = 1024, with Nk unknown at compile
// time. For the query tile [i0, i0 + rows) the positions are p_min = i0 +
// Nk - Nq and p_max = p_min + rows - 1; hi = min(p_max + 1, L) is the end of
// the causal range. The key loop runs over the sink tiles [0, ceil(min(S,
// hi)/Tk)) and the window tiles from floor(max(p_min - W + 1, 0)/Tk) to
// ceil(hi/Tk): its trip count is computed from W, p_min and hi only, so it
// is at most ceil(S/Tk) + ceil((W + Tq - 2)/Tk) + 1 whatever Nk is. Nk
// enters only through the clamp of hi to the key length.

// CHECK-LABEL: func.func @causal_window
// CHECK-SAME:    %[[Q:[a-z0-9]+]]: memref<1x8x?x64xf32>, %[[K:[a-z0-9]+]]: memref<1x2x?x64xf32>
// CHECK-DAG:     %[[NQ:.*]] = memref.dim %[[Q]], %c2
// CHECK-DAG:     %[[NK:.*]] = memref.dim %[[K]], %c2
// CHECK:         %[[QTILES:.*]] = arith.ceildivsi %[[NQ]], %c16
// One parallel iteration per (head, query tile); B = 1 folds away.
// CHECK:         scf.parallel (%[[H:.*]], %[[QT:.*]]) = (%c0, %c0) to (%c8, %[[QTILES]])
// GQA: query head h reads kv head h / 4.
// CHECK:           arith.divui %[[H]], %c4
// CHECK:           %[[SINKTILES:.*]] = arith.ceildivsi %{{.*}}, %c16
// CHECK:           %[[LO:.*]] = arith.addi %[[PMIN:.*]], %c-1023 : index
// CHECK:           %[[WLO:.*]] = arith.maxsi %[[LO]], %c0
// CHECK:           %[[WHI:.*]] = arith.maxsi %{{.*}}, %[[WLO]]
// CHECK:           %[[WB0:.*]] = arith.divsi %[[WLO]], %c16
// CHECK:           %[[WBEGIN:.*]] = arith.maxsi %[[WB0]], %[[SINKTILES]]
// CHECK:           %[[WE0:.*]] = arith.ceildivsi %[[WHI]], %c16
// CHECK:           %[[WEND:.*]] = arith.maxsi %[[WE0]], %[[WBEGIN]]
// CHECK:           %[[NWIN:.*]] = arith.subi %[[WEND]], %[[WBEGIN]]
// CHECK:           %[[COUNT:.*]] = arith.addi %[[SINKTILES]], %[[NWIN]]
// CHECK-NOT:       arith.ceildivsi %[[NK]]
// CHECK:           scf.for %[[T:.*]] = %c0 to %[[COUNT]] step %c1 iter_args({{.*}}) -> (vector<16xf32>, vector<16xf32>)
// Loop index -> key tile: sink tiles first, then the window tiles.
// CHECK:             %[[ISSINK:.*]] = arith.cmpi slt, %[[T]], %[[SINKTILES]]
// CHECK:             arith.select %[[ISSINK]], %[[T]], %{{.*}} : index
// Scores of 16 keys for 16 query rows: one FMA chain over D per key.
// CHECK:             scf.for %{{.*}} = %c0 to %c64 step %c1 iter_args({{.*}}) -> (vector<16xf32>
// CHECK-COUNT-16:      vector.fma {{.*}} : vector<16xf32>
// Interior tiles skip the mask; boundary tiles select -inf per element.
// CHECK:             scf.if %{{.*}} -> (vector<16xf32>
// CHECK:               scf.yield
// CHECK:             } else {
// CHECK:               arith.select %{{.*}}, %{{.*}}, %{{.*}} : vector<16xi1>, vector<16xf32>
// Online softmax in vector lanes; the max is `x > y ? x : y` (one maxps),
// a balanced tree over the keys, then the running max.
// CHECK:             %[[GT:.*]] = arith.cmpf ogt, %{{.*}} : vector<16xf32>
// CHECK-NEXT:        arith.select %[[GT]], %{{.*}}, %{{.*}} : vector<16xi1>, vector<16xf32>
// CHECK-NOT:         arith.maximumf
// CHECK:             %[[MGT:.*]] = arith.cmpf ogt, %[[M:arg[0-9]+]], %{{.*}} : vector<16xf32>
// CHECK-NEXT:        %[[MNEW:.*]] = arith.select %[[MGT]], %[[M]], %{{.*}} : vector<16xi1>, vector<16xf32>
// e^x for the exponents x <= 0 as a polynomial (no math.exp in the key
// loop): k = round(x log2 e), r = x - k ln 2, a degree-6 polynomial in r
// times 2^k in the exponent bits, 0 below -87.3. alpha first, then p_0.
// CHECK-NOT:         math.exp
// CHECK:             math.roundeven %{{.*}} : vector<16xf32>
// CHECK-COUNT-8:     vector.fma
// CHECK:             arith.fptosi %{{.*}} : vector<16xf32> to vector<16xi32>
// CHECK:             arith.shli
// CHECK:             %[[ALPHA:.*]] = arith.select %{{.*}}, %{{.*}}, %{{.*}} : vector<16xi1>, vector<16xf32>
// CHECK-NOT:         math.exp
// CHECK:             math.roundeven
// CHECK:             %[[P0:.*]] = arith.select %{{.*}}, %{{.*}}, %{{.*}} : vector<16xi1>, vector<16xf32>
// P·V into the Dv x Tq accumulator (lanes = query rows). The rescale by
// alpha is a loop of its own, run only when some lane's max moved (decided
// on the max, not on alpha: the branch does not wait for the exponentials).
// CHECK:             %[[MOVED:.*]] = arith.cmpf une, %[[MNEW]], %[[M]] : vector<16xf32>
// CHECK:             %[[ANY:.*]] = vector.reduction <or>, %[[MOVED]] : vector<16xi1> into i1
// CHECK:             scf.if %[[ANY]] {
// CHECK:               scf.for %[[D0:.*]] = %c0 to %c64 step %c1 {
// CHECK:                 %[[O0:.*]] = vector.load %[[ACC:.*]][%[[D0]], %c0] : memref<64x16xf32>, vector<16xf32>
// CHECK:                 %[[S0:.*]] = arith.mulf %[[O0]], %[[ALPHA]] : vector<16xf32>
// CHECK:                 vector.store %[[S0]], %[[ACC]][%[[D0]], %c0]
// Boundary tiles whose value rows hold NaN or Inf drop zero-probability
// terms by a select; every other tile is the plain chain: per element d of
// Dv, one broadcast of v[j][d] per key, one FMA for all rows.
// CHECK:             scf.if %{{.*}} {
// CHECK:               arith.cmpf oeq, %[[P0]], %{{.*}} : vector<16xf32>
// CHECK:             } else {
// CHECK:               scf.for %[[D:.*]] = %c0 to %c64 step %c1 {
// CHECK:                 %[[O:.*]] = vector.load %[[ACC]][%[[D]], %c0] : memref<64x16xf32>, vector<16xf32>
// CHECK:                 %[[V0:.*]] = memref.load %{{.*}}[%c0, %{{.*}}, %{{.*}}, %[[D]]] : memref<1x2x?x64xf32>
// CHECK:                 %[[B0:.*]] = vector.broadcast %[[V0]] : f32 to vector<16xf32>
// CHECK:                 vector.fma %[[P0]], %[[B0]], %[[O]] : vector<16xf32>
// CHECK-COUNT-15:        vector.fma
// CHECK:                 vector.store %{{.*}}, %[[ACC]][%[[D]], %c0]
func.func @causal_window(%q: memref<1x8x?x64xf32>, %k: memref<1x2x?x64xf32>,
                         %v: memref<1x2x?x64xf32>, %o: memref<1x8x?x64xf32>) {
  bitsink.sink_attention ins(%q, %k, %v : memref<1x8x?x64xf32>,
      memref<1x2x?x64xf32>, memref<1x2x?x64xf32>)
      outs(%o : memref<1x8x?x64xf32>) {num_sinks = 4, window = 1024, causal = true}
  return
}

// -----

// Dense causal attention (no window): one range of ceil(hi / Tk) tiles, hi =
// min(p_max + 1, L): the causal triangle, still never past the diagonal.

// CHECK-LABEL: func.func @dense_causal
// CHECK:         scf.parallel
// CHECK:           %[[HI:.*]] = arith.maxsi %{{.*}}, %c0 : index
// CHECK:           %[[N:.*]] = arith.ceildivsi %[[HI]], %c16 : index
// CHECK:           scf.for %{{.*}} = %c0 to %[[N]] step %c1 iter_args
func.func @dense_causal(%q: memref<2x4x100x32xf16>, %k: memref<2x4x100x32xf16>,
                        %v: memref<2x4x100x32xf16>, %o: memref<2x4x100x32xf16>) {
  bitsink.sink_attention ins(%q, %k, %v : memref<2x4x100x32xf16>,
      memref<2x4x100x32xf16>, memref<2x4x100x32xf16>)
      outs(%o : memref<2x4x100x32xf16>) {causal = true}
  return
}

// -----

// Decode (Nq = 1 <= decode-max-queries): the key-tile list of each (batch,
// head) is cut into splits of split-size / key-tile = 4 tiles that run in
// parallel, each a balanced run of the n tiles of the list ([s·n/5,
// (s+1)·n/5): split s no longer takes tiles [4s, 4s + 4), which left the
// last splits empty when the cache is partly filled); a second parallel
// loop merges the partial (m, l, O) with
// log-sum-exp, adding the learned sink logit once. The number of splits
// comes from the window, not from Nk: sinks and a 256-key window span at
// most 1 + 16 + 1 tiles of 16 keys, so 5 splits (not 4096 / 64 = 64).

// CHECK-LABEL: func.func @decode
// CHECK:         %[[PO:.*]] = memref.alloc() : memref<4x32x5x1x128xf32>
// CHECK:         %[[PS:.*]] = memref.alloc() : memref<4x32x5x2x1xf32>
// The 4 query heads of a GQA group share one task (one read of each K/V
// tile): the split loop runs over (batch, kv head, split), the group's heads
// in the lanes.
// CHECK:         scf.parallel (%{{.*}}, %[[G:.*]], %[[S:.*]]) = (%c0, %c0, %c0) to (%c4, %c8, %c5)
// CHECK:           %[[H0:.*]] = arith.muli %[[G]], %c4
// CHECK:           %[[SN:.*]] = arith.muli %[[S]], %[[N:.*]] : index
// CHECK:           %[[BEGIN:.*]] = arith.divui %[[SN]], %c5
// CHECK:           %[[S1:.*]] = arith.addi %[[S]], %c1
// CHECK:           %[[S1N:.*]] = arith.muli %[[S1]], %[[N]] : index
// CHECK:           %[[END:.*]] = arith.divui %[[S1N]], %c5
// CHECK:           scf.for %{{.*}} = %[[BEGIN]] to %[[END]] step %c1 iter_args
// Each (key, query row) pair accumulates its dot product along D lane-wise
// (FMAs over 16-lane chunks of the key row); the tile's 64 pairs are then
// summed together by a shuffle tree (lanes 0-7 of a and of b, plus lanes
// 8-15 of each, and so on), not by one reduction each.
// CHECK:             vector.fma %{{.*}} : vector<16xf32>
// CHECK-NOT:         vector.reduction <add>
// CHECK:             %[[LO:.*]] = vector.shuffle %{{.*}}, %{{.*}} [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23] : vector<16xf32>, vector<16xf32>
// CHECK:             %[[HI:.*]] = vector.shuffle %{{.*}}, %{{.*}} [8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31] : vector<16xf32>, vector<16xf32>
// CHECK:             arith.addf %[[LO]], %[[HI]] : vector<16xf32>
// The last level leaves one pair per lane.
// CHECK:             vector.shuffle %{{.*}}, %{{.*}} [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30] : vector<16xf32>, vector<16xf32>
// CHECK:           memref.store %{{.*}}, %[[PS]]
// CHECK:           vector.store %{{.*}}, %[[PO]]
// CHECK:         scf.parallel (%[[B:.*]], %[[H:.*]]) = (%c0, %c0) to (%c4, %c32)
// CHECK:           memref.load %{{.*}}[%[[H]]] : memref<32xbf16>
// CHECK:           arith.maximumf
// CHECK:           math.exp
// CHECK:           arith.truncf %{{.*}} : vector<16xf32> to vector<16xbf16>
// CHECK:         memref.dealloc %[[PO]]
// CHECK:         memref.dealloc %[[PS]]
func.func @decode(%q: memref<4x32x1x128xbf16>, %k: memref<4x8x4096x128xbf16>,
                  %v: memref<4x8x4096x128xbf16>, %s: memref<32xbf16>,
                  %len: memref<4xi64>, %o: memref<4x32x1x128xbf16>) {
  bitsink.sink_attention ins(%q, %k, %v : memref<4x32x1x128xbf16>,
      memref<4x8x4096x128xbf16>, memref<4x8x4096x128xbf16>)
      sink_logits(%s : memref<32xbf16>) kv_len(%len : memref<4xi64>)
      outs(%o : memref<4x32x1x128xbf16>) {num_sinks = 4, window = 256, causal = true}
  return
}

// -----

// On tensors the pass bridges through bufferization.to_buffer / to_tensor
// (the init is not read: a fresh buffer receives the output).

// CHECK-LABEL: func.func @on_tensors
// CHECK:         %[[QB:.*]] = bufferization.to_buffer %{{.*}} read_only
// CHECK:         %[[OUT:.*]] = memref.alloc() : memref<1x2x5x8xf32>
// CHECK:         scf.parallel
// CHECK:         %[[R:.*]] = bufferization.to_tensor %[[OUT]] restrict writable
// CHECK:         return %[[R]]
func.func @on_tensors(%q: tensor<1x2x5x8xf32>, %k: tensor<1x1x9x8xf32>,
                      %v: tensor<1x1x9x8xf32>) -> tensor<1x2x5x8xf32> {
  %e = tensor.empty() : tensor<1x2x5x8xf32>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x2x5x8xf32>,
      tensor<1x1x9x8xf32>, tensor<1x1x9x8xf32>)
      outs(%e : tensor<1x2x5x8xf32>) {num_sinks = 1, window = 3, causal = false}
      -> tensor<1x2x5x8xf32>
  return %o : tensor<1x2x5x8xf32>
}

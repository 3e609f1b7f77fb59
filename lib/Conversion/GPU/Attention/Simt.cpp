//===- Simt.cpp - the SIMT attention kernel ---------------------*- C++ -*-===//
//
// The SIMT kernel: prefill of any element type and head dimension, and the
// split kernel of the split-KV decode (Decode.cpp). 128 threads per CTA, K
// and V tiles staged in shared memory as f32, scores and P·V spread over the
// threads.
//
//===----------------------------------------------------------------------===//

#include "GPUAttentionEmitter.h"

using namespace mlir;
using namespace bitsink;
using namespace bitsink::gpu_attention;

// Shared memory of the SIMT kernel, all f32: Q (rows × D+1), K (Tk × D+1),
// V (Tk × Dv), P (rows × Tk+1) and the row statistics (3 × rows), plus the
// rope frequency table with rope. The +1 pads keep the column walks of Q·Kᵀ
// free of bank conflicts.
int64_t GPUAttentionPlanner::simtSharedBytes(SimtTiles tiles) const {
  int64_t rows = tiles.rows, keyTile = tiles.keyTile;
  return 4 * (rows * (headDim + 1) + keyTile * (headDim + 1) +
              keyTile * valueDim + rows * (keyTile + 1) + 3 * rows) +
         ropeTableBytes;
}

// Halves the key tile, then the rows (not below minRows), until the tiles fit
// the static shared memory.
std::optional<SimtTiles>
GPUAttentionPlanner::fitSimtTiles(SimtTiles tiles, int64_t minRows) const {
  int64_t &rows = tiles.rows, &keyTile = tiles.keyTile;
  while (simtSharedBytes(tiles) > kSharedMemoryBytes) {
    if (keyTile > 8)
      keyTile /= 2;
    else if (rows > std::max<int64_t>(minRows, 8))
      rows = std::max(rows / 2, minRows);
    else if (keyTile > 1)
      keyTile /= 2;
    else if (rows > minRows)
      rows = std::max(rows / 2, minRows);
    else
      return std::nullopt;
  }
  return tiles;
}

// dst[r][c] = scaleBy · f32(src[rowSource(r), c]) for the numRows rows of
// rowLen elements, columns [colBegin, rowLen) (0 for rows that are not
// valid). Threads walk the rows in 16-byte vectors, consecutive threads on
// consecutive vectors (coalesced).
void GPUAttentionEmitter::stageRowsF32(
    Value src, int64_t rowLen, int64_t numRows, Value tid,
    function_ref<std::pair<SmallVector<Value>, Value>(Value)> rowSource,
    Value dst, Value scaleBy, int64_t colBegin) {
  int64_t width = 16 / (elemType.getIntOrFloatBitWidth() / 8);
  if (rowLen % width != 0 || colBegin % width != 0)
    width = 1;
  int64_t chunksPerRow = (rowLen - colBegin) / width;
  int64_t total = numRows * chunksPerRow;
  int64_t perThread = llvm::divideCeil(total, kSimtThreads);
  forEach(idx(0), idx(perThread), idx(1), [&](Value it) {
    Value e = add(tid, mul(it, idx(kSimtThreads)));
    auto copy = [&] {
      Value r = divU(e, idx(chunksPerRow));
      Value c = mul(remU(e, idx(chunksPerRow)), idx(width));
      if (colBegin != 0)
        c = add(c, idx(colBegin));
      auto [indices, valid] = rowSource(r);
      indices.push_back(c);
      // Aligned to its size (rows of identity-layout buffers start at
      // multiples of `width`): one ld.global.v* per vector.
      Value x = alignedLoad(
          VectorType::get({width}, elemType), src, indices,
          llvm::MaybeAlign(width * elemType.getIntOrFloatBitWidth() / 8));
      x = toF32(x);
      auto f32Vec = VectorType::get({width}, b.getF32Type());
      if (scaleBy)
        x = fmul(x, splat(scaleBy, width));
      Value zeros = constant(f32Vec, 0);
      x = select(valid, x, zeros);
      for (int64_t l = 0; l < width; ++l)
        store(vector::ExtractOp::create(b, x, ArrayRef<int64_t>{l}), dst,
              {r, add(c, idx(l))});
    };
    if (total % kSimtThreads == 0)
      copy();
    else
      ifThen(slt(e, idx(total)), copy);
  });
}

void GPUAttentionEmitter::emitSimtKernel(const SimtLaunch &launchInfo) {
  auto f32Type = b.getF32Type();
  int64_t rows = launchInfo.tiles.rows, tk = launchInfo.tiles.keyTile;
  SmallVector<Type> shared = {workgroupBuffer({rows, headDim + 1}, f32Type),
                              workgroupBuffer({tk, headDim + 1}, f32Type),
                              workgroupBuffer({tk, valueDim}, f32Type),
                              workgroupBuffer({rows, tk + 1}, f32Type),
                              workgroupBuffer({3, rows}, f32Type)};
  if (rope)
    shared.push_back(ropeTableType());
  LaunchDims grid;
  if (launchInfo.decode) {
    grid.x = launchInfo.numSplits;
    grid.y = plan.groupHeads > 1 ? numKvHeads : numHeads;
  } else {
    grid.x = ceilDivS(numQueries, idx(rows));
    grid.y = numHeads;
  }
  grid.z = numBatch;
  launch(grid, kSimtThreads, 1, shared, [&](gpu::LaunchOp launchOp) {
    SmallVector<Value> buffers(launchOp.getWorkgroupAttributions());
    emitSimtBody(launchInfo, launchOp.getBlockIds(), launchOp.getThreadIds().x,
                 buffers);
  });
}

// One CTA: rows × Dv outputs of one (query tile, head, batch), or of one
// decode split of a (batch, GQA group). Per key tile:
//   stage K, V (f32)                 -- barrier
//   S[r][j] = Q[r]·K[j] (+ mask)     -- R·Tk scores over 128 threads; barrier
//   online softmax, row r by thread r: m, l, α = e^{m_old - m_new}, P in
//   place                            -- barrier
//   O[r][c] = α[r]·O[r][c] + Σ_j P[r][j]·V[j][c], O in registers -- barrier
void GPUAttentionEmitter::emitSimtBody(const SimtLaunch &launchInfo,
                                       gpu::KernelDim3 blocks, Value tid,
                                       ArrayRef<Value> shared) {
  Value qs = shared[0], ks = shared[1], vs = shared[2], ps = shared[3],
        stats = shared[4];
  // Rope: the frequency table; q and k rows are rotated as they are staged.
  Value ropeTable = rope ? shared[5] : Value();
  bool decode = launchInfo.decode;
  int64_t rows = launchInfo.tiles.rows, tk = launchInfo.tiles.keyTile;
  int64_t decodeQueries = plan.decodeQueries;
  Value batch = blocks.z;
  Value firstHead, firstQuery, rowsInRange;
  if (decode) {
    firstHead = mul(blocks.y, idx(plan.groupHeads));
    firstQuery = idx(0);
    rowsInRange = numQueries;
  } else {
    firstHead = blocks.y;
    firstQuery = mul(blocks.x, idx(rows));
    rowsInRange = minS(idx(rows), sub(numQueries, firstQuery));
  }
  Value kvHead = divU(firstHead, groupRatio);
  attention::RowBounds bounds =
      attention::rowBounds(*this, op, *this, batch, firstHead, firstQuery,
                           rowsInRange, numKeys, numQueries);
  // Row r of the CTA: head and query index; decode rows are head-major.
  auto rowHead = [&](Value r) {
    return decode ? add(firstHead, divU(r, idx(decodeQueries))) : firstHead;
  };
  auto rowQuery = [&](Value r) {
    return decode ? remU(r, idx(decodeQueries)) : add(firstQuery, r);
  };
  Value lastQuery = sub(numQueries, idx(1));
  Value lastKey = sub(numKeys, idx(1));

  auto queryRow = [&](Value r) -> std::pair<SmallVector<Value>, Value> {
    Value query = rowQuery(r);
    return {{batch, rowHead(r), minS(query, lastQuery)},
            slt(query, numQueries)};
  };
  if (rope) {
    fillRopeTable(ropeTable, tid);
    barrier();
    // Row r turns by p = query + L_b - Nq.
    stageRopeRowsF32(
        q, headDim, rows, tid, queryRow, qs, f32(scale), ropeTable,
        [&](Value r) { return intToF32(add(rowQuery(r), bounds.offset)); });
  } else {
    stageRowsF32(q, headDim, rows, tid, queryRow, qs, f32(scale));
  }
  ifThen(slt(tid, idx(rows)), [&] {
    store(minusInf(), stats, {idx(0), tid});
    store(f32(0), stats, {idx(1), tid});
  });
  barrier();

  attention::TileList list =
      attention::tileList(*this, bounds, numSinks, tk, causal,
                          /*hasKeyPositions=*/bool(keyPositions));
  Value tBegin = idx(0), tEnd = list.count;
  if (decode) {
    Value tps = idx(launchInfo.tilesPerSplit);
    tBegin = minS(mul(blocks.x, tps), list.count);
    tEnd = minS(add(tBegin, tps), list.count);
  }

  // Thread tid owns the elements e = tid + 128·n of a rows × cols tile.
  struct Owned {
    Value e, r, c;
  };
  auto owned = [&](int64_t cols) {
    SmallVector<Owned> items;
    int64_t n = llvm::divideCeil(rows * cols, kSimtThreads);
    for (int64_t it = 0; it < n; ++it) {
      Value e = add(tid, idx(it * kSimtThreads));
      // Past the tile (when 128 does not divide it) read the last row; the
      // result is not written.
      Value r = minS(divU(e, idx(cols)), idx(rows - 1));
      items.push_back({e, r, remU(e, idx(cols))});
    }
    return items;
  };
  auto guarded = [&](const Owned &o, int64_t cols, auto &&fn) {
    if ((rows * cols) % kSimtThreads == 0)
      fn();
    else
      ifThen(slt(o.e, idx(rows * cols)), fn);
  };
  SmallVector<Owned> scoreItems = owned(tk);
  SmallVector<Owned> outItems = owned(valueDim);
  auto f32Type = b.getF32Type();
  Type indexType = b.getIndexType();

  SmallVector<Value> accInit(outItems.size(), f32(0));
  SmallVector<Value> acc =
      forLoop(tBegin, tEnd, accInit, [&](Value t, ValueRange accIn) {
        Value j0 = mul(attention::tileIndex(*this, list, t), idx(tk));
        auto keyRow = [&](Value jj) -> std::pair<SmallVector<Value>, Value> {
          Value j = add(j0, jj);
          return {{batch, kvHead, minS(j, lastKey)}, slt(j, numKeys)};
        };
        if (rope)
          stageRopeRowsF32(
              k, headDim, tk, tid, keyRow, ks, Value(), ropeTable,
              [&](Value jj) { return ropeKeyPosition(batch, add(j0, jj)); });
        else
          stageRowsF32(k, headDim, tk, tid, keyRow, ks, Value());
        stageRowsF32(v, valueDim, tk, tid, keyRow, vs, Value());
        barrier();

        SmallVector<Value> sInit(scoreItems.size(), f32(0));
        SmallVector<Value> scores =
            forLoop(idx(0), idx(headDim), sInit, [&](Value d, ValueRange s) {
              SmallVector<Value> next;
              for (auto [o, sum] : llvm::zip(scoreItems, s))
                next.push_back(
                    mulAdd(load(qs, {o.r, d}), load(ks, {o.c, d}), sum));
              return next;
            });
        SmallVector<Type> types(scores.size(), f32Type);
        Value boundary =
            attention::tileNeedsMask(*this, *this, bounds, numSinks, j0, tk);
        SmallVector<Value> maskedScores = ifElse(
            boundary, types,
            [&] {
              SmallVector<Value> masked;
              for (auto [o, s] : llvm::zip(scoreItems, scores)) {
                Value rowPos = add(rowQuery(o.r), bounds.offset);
                attention::KeyFacts key =
                    attention::keyFacts(*this, *this, batch, add(j0, o.c),
                                        bounds.lenVisible, numKeys, indexType);
                Value visible = attention::keyVisible(
                    *this, rowPos, key, bounds.window, numSinks, causal);
                masked.push_back(select(visible, s, minusInf()));
              }
              return masked;
            },
            [&] { return scores; });
        for (auto [o, s] : llvm::zip(scoreItems, maskedScores))
          guarded(o, tk, [&, o = o, s = s] { store(s, ps, {o.r, o.c}); });
        barrier();

        // Online softmax of row tid: m_new = max(m, max_j s_j); α = e^{m -
        // m_new}; p_j = e^{s_j - m_new}; l = α·l + Σ p_j. A row that has
        // seen nothing keeps m = -inf and uses 0 as its exponent base.
        ifThen(slt(tid, idx(rows)), [&] {
          Value mOld = load(stats, {idx(0), tid});
          Value tileMax =
              forLoop(
                  idx(0), idx(tk), ValueRange{minusInf()},
                  [&](Value jj, ValueRange m) {
                    return SmallVector<Value>{fmax(m[0], load(ps, {tid, jj}))};
                  })
                  .front();
          Value mNew = fmax(mOld, tileMax);
          Value base = attention::exponentBase(*this, mNew).second;
          Value sum = forLoop(idx(0), idx(tk), ValueRange{f32(0)},
                              [&](Value jj, ValueRange l) {
                                Value p = exp(fsub(load(ps, {tid, jj}), base));
                                store(p, ps, {tid, jj});
                                return SmallVector<Value>{fadd(l[0], p)};
                              })
                          .front();
          Value alpha = exp(fsub(mOld, base));
          Value lOld = load(stats, {idx(1), tid});
          store(mNew, stats, {idx(0), tid});
          store(mulAdd(alpha, lOld, sum), stats, {idx(1), tid});
          store(alpha, stats, {idx(2), tid});
        });
        barrier();

        SmallVector<Value> scaled;
        for (auto [o, a] : llvm::zip(outItems, accIn))
          scaled.push_back(fmul(a, load(stats, {idx(2), o.r})));
        // O += P·V. On a boundary tile an invisible key has p = 0 and may
        // hold NaN or Inf in V (docs/gpu-attention.md, invisible keys): the
        // term of a pair with p = 0 is skipped by a select, since 0·NaN =
        // NaN. Interior tiles keep the plain FMA.
        auto productLoop = [&](bool skipZero) {
          return forLoop(idx(0), idx(tk), scaled, [&](Value jj, ValueRange a) {
            SmallVector<Value> res;
            for (auto [o, x] : llvm::zip(outItems, a)) {
              Value p = load(ps, {o.r, jj});
              Value sum = mulAdd(p, load(vs, {jj, o.c}), x);
              if (skipZero)
                sum =
                    select(fcmp(arith::CmpFPredicate::OEQ, p, f32(0)), x, sum);
              res.push_back(sum);
            }
            return res;
          });
        };
        SmallVector<Value> next = ifElse(
            boundary, SmallVector<Type>(outItems.size(), f32Type),
            [&] { return productLoop(/*skipZero=*/true); },
            [&] { return productLoop(/*skipZero=*/false); });
        // K, V and P are overwritten by the next tile.
        barrier();
        return next;
      });

  if (decode) {
    // Partial results of this split: unnormalised O, and (m, l) per row.
    for (auto [o, a] : llvm::zip(outItems, acc))
      guarded(o, valueDim, [&, o = o, a = a] {
        store(a, launchInfo.partO,
              {batch, rowHead(o.r), blocks.x, rowQuery(o.r), o.c});
      });
    ifThen(slt(tid, idx(rows)), [&] {
      for (int64_t s = 0; s < 2; ++s)
        store(load(stats, {idx(s), tid}), launchInfo.partStats,
              {batch, rowHead(tid), blocks.x, idx(s), rowQuery(tid)});
    });
    return;
  }
  Value sinkLogit = attention::sinkLogitFor(*this, *this, firstHead);
  for (auto [o, a] : llvm::zip(outItems, acc))
    guarded(o, valueDim, [&, o = o, a = a] {
      Value query = rowQuery(o.r);
      ifThen(slt(query, numQueries), [&] {
        Value factor = attention::finalFactor(
            *this, load(stats, {idx(0), o.r}), load(stats, {idx(1), o.r}),
            sinkLogit, [&](Value x) { return exp(x); });
        store(fromF32(fmul(a, factor), elemType), out,
              {batch, firstHead, query, o.c});
      });
    });
}

//===- Decode.cpp - sink_attention split-KV decode kernel (CPU) -*- C++ -*-===//
//
// Decode (few static query rows): each (batch, head) has few query rows, all
// in one lane group, and a long key range, so the key-tile list is cut into
// splits of `split-size` keys that run in parallel. Each split leaves its
// partial (m, l, O); a second parallel loop merges them with log-sum-exp,
// adding the sink logit exactly once. The query rows stay in registers and
// each key is scored with dot products along D.
//
//===----------------------------------------------------------------------===//

#include "AttentionEmitter.h"

using namespace mlir;
using namespace bitsink;
using namespace bitsink::cpu;

/// Lanes [offset, offset + width) of the 1-D vector `x`.
static Value slice(ImplicitLocOpBuilder &b, Value x, int64_t offset,
                   int64_t width) {
  return vector::ExtractStridedSliceOp::create(b, x, ArrayRef<int64_t>{offset},
                                               ArrayRef<int64_t>{width},
                                               ArrayRef<int64_t>{1});
}

void AttentionEmitter::emitLoadQueryRows(const TileContext &ctx) {
  queryRows.assign(decodeRows, {});
  if (rope) {
    // Row i (query i % Nq, at p = i % Nq + L_b − Nq) rotated whole, scaled
    // and cut into chunks.
    for (int64_t i = 0; i < decodeRows; ++i) {
      Value head = add(ctx.head, idx(i / decodeQueries));
      Value row =
          toF32(vload(VectorType::get({headDim}, elemType), q,
                      {ctx.batch, head, idx(i % decodeQueries), idx(0)}));
      Value position = intToF32(add(ctx.bounds.posMin, idx(i % decodeQueries)));
      row = fmul(rotateHead(row, position), splat(f32(scale), headDim));
      for (int64_t c0 = 0; c0 < headDim; c0 += kChunk)
        queryRows[i].push_back(
            slice(b, row, c0, std::min(kChunk, headDim - c0)));
    }
    return;
  }
  for (int64_t i = 0; i < decodeRows; ++i)
    for (int64_t c0 = 0; c0 < headDim; c0 += kChunk) {
      int64_t width = std::min(kChunk, headDim - c0);
      Value head = add(ctx.head, idx(i / decodeQueries));
      Value row =
          toF32(vload(VectorType::get({width}, elemType), q,
                      {ctx.batch, head, idx(i % decodeQueries), idx(c0)}));
      queryRows[i].push_back(fmul(row, splat(f32(scale), width)));
    }
}

void AttentionEmitter::emitRopeTable() {
  int64_t pairs = rope.getDims() / 2;
  int64_t dyn = ShapedType::kDynamic;
  ropeTable = memref::AllocOp::create(
      b, MemRefType::get({dyn, dyn, 2, pairs}, b.getF32Type()),
      ValueRange{numBatch, numKeys});
  Value parts = visitParts();
  parallelLoop(ValueRange{numBatch, parts}, {}, [&](ValueRange ivs) {
    forEachVisitedKey(ivs[0], ivs[1], parts, [&](Value j) {
      auto [cos, sin] = ropeCosSinAt(
          attention::ropeKeyPosition(*this, operands(), ivs[0], j));
      vstore(cos, ropeTable, {ivs[0], j, idx(0), idx(0)});
      vstore(sin, ropeTable, {ivs[0], j, idx(1), idx(0)});
    });
  });
}

/// The lane sums of `vectors` (each kChunk lanes, kChunk a power of two),
/// kChunk to a vector: lane l of result g is the sum of vectors[g·kChunk +
/// l] (missing vectors count as 0). A shuffle tree: at each level two
/// vectors whose items occupy segments of s lanes become one whose items
/// occupy s/2, by adding the segments' halves (two shuffles and one add
/// per pair), so n vectors take about 3n ops instead of a log2(kChunk)-step
/// reduction and an insert each.
static SmallVector<Value> sumLanesOfEach(EmitBuilder &e,
                                         ImplicitLocOpBuilder &b,
                                         ArrayRef<Value> vectors) {
  auto type = VectorType::get({kChunk}, b.getF32Type());
  Value zero = e.constant(type, 0.0);
  SmallVector<Value> results;
  for (size_t first = 0; first < vectors.size(); first += kChunk) {
    SmallVector<Value> level;
    for (int64_t v = 0; v < kChunk; ++v)
      level.push_back(first + v < vectors.size() ? vectors[first + v] : zero);
    for (int64_t segment = kChunk; segment > 1; segment /= 2) {
      int64_t half = segment / 2;
      // Lane l < kChunk / 2 takes item l / half of a, l >= kChunk / 2 item
      // (l - kChunk / 2) / half of b (b's lanes follow a's in the shuffle).
      SmallVector<int64_t> low, high;
      for (int64_t l = 0; l < kChunk; ++l) {
        int64_t from = l < kChunk / 2 ? 0 : kChunk;
        int64_t local = l % (kChunk / 2);
        int64_t lane = from + (local / half) * segment + local % half;
        low.push_back(lane);
        high.push_back(lane + half);
      }
      SmallVector<Value> next;
      for (size_t i = 0; i < level.size(); i += 2) {
        Value x = vector::ShuffleOp::create(b, level[i], level[i + 1], low);
        Value y = vector::ShuffleOp::create(b, level[i], level[i + 1], high);
        next.push_back(e.fadd(x, y));
      }
      level = std::move(next);
    }
    results.push_back(level.front());
  }
  return results;
}

// s[jj][i] = Σ_d q_i[d] · k[keyRows[jj], d]: the key row is loaded once in
// chunks and multiplied with each query row, full chunks accumulating
// lane-wise; the (key, row) lane vectors of the whole tile are then summed
// together by sumLanesOfEach and each key's rows picked into its score
// vector by one shuffle. A narrower last chunk is reduced on its own. With
// RoPE the key row is loaded whole and rotated at pos_j first (once per key
// of the tile, by the cos and sin of the table when there is one), and the
// chunks are cut from it.
SmallVector<Value> AttentionEmitter::emitDecodeScores(const TileContext &ctx,
                                                      ArrayRef<Value> keyRows) {
  // lanes[jj·R + i] and tails[jj·R + i] for key jj and row i (R rows).
  SmallVector<Value> lanes(opts.keyTile * decodeRows),
      tails(opts.keyTile * decodeRows);
  for (int64_t jj = 0; jj < opts.keyTile; ++jj) {
    Value rotated;
    if (rope) {
      Value row = toF32(vload(VectorType::get({headDim}, elemType), k,
                              {ctx.batch, ctx.kvHead, keyRows[jj], idx(0)}));
      if (ropeTable) {
        auto pairType = VectorType::get({rope.getDims() / 2}, b.getF32Type());
        Value cos = vload(pairType, ropeTable,
                          {ctx.batch, keyRows[jj], idx(0), idx(0)});
        Value sin = vload(pairType, ropeTable,
                          {ctx.batch, keyRows[jj], idx(1), idx(0)});
        rotated = attention::ropeRotateHeadBy(*this, rope, row, cos, sin);
      } else {
        rotated =
            rotateHead(row, attention::ropeKeyPosition(*this, operands(),
                                                       ctx.batch, keyRows[jj]));
      }
    }
    for (int64_t c0 = 0, c = 0; c0 < headDim; c0 += kChunk, ++c) {
      int64_t width = std::min(kChunk, headDim - c0);
      Value kx =
          rotated ? slice(b, rotated, c0, width)
                  : toF32(vload(VectorType::get({width}, elemType), k,
                                {ctx.batch, ctx.kvHead, keyRows[jj], idx(c0)}));
      for (int64_t i = 0; i < decodeRows; ++i) {
        Value &acc = lanes[jj * decodeRows + i];
        if (width < kChunk)
          tails[jj * decodeRows + i] = vector::ReductionOp::create(
              b, vector::CombiningKind::ADD, fmul(kx, queryRows[i][c]));
        else
          acc = acc ? vectorFma(kx, queryRows[i][c], acc)
                    : fmul(kx, queryRows[i][c]);
      }
    }
  }
  SmallVector<Value> sums;
  if (headDim >= kChunk)
    sums = sumLanesOfEach(*this, b, lanes);
  SmallVector<Value> scores;
  Value zeros = constant(laneF32, 0.0);
  SmallVector<bool> isRow;
  for (int64_t l = 0; l < opts.queryTile; ++l)
    isRow.push_back(l < decodeRows);
  Value rowLanes = arith::ConstantOp::create(
      b,
      DenseElementsAttr::get(VectorType::get({opts.queryTile}, b.getI1Type()),
                             ArrayRef<bool>(isRow)));
  for (int64_t jj = 0; jj < opts.keyTile; ++jj) {
    Value score = zeros;
    if (!sums.empty() && decodeRows > kChunk) {
      // More rows than a sums vector has lanes (decode-lanes above 16):
      // lane by lane.
      for (int64_t i = 0; i < decodeRows; ++i) {
        int64_t item = jj * decodeRows + i;
        Value sum =
            vector::ExtractOp::create(b, sums[item / kChunk], item % kChunk);
        score = vector::InsertOp::create(b, sum, score, ArrayRef<int64_t>{i});
      }
    } else if (!sums.empty()) {
      // Items jj·R .. jj·R + R - 1 lie in sums[g] and maybe sums[g + 1];
      // lanes past the rows pick lane 0 and are cleared by the select.
      int64_t firstItem = jj * decodeRows;
      int64_t g = firstItem / kChunk;
      Value second = g + 1 < static_cast<int64_t>(sums.size())
                         ? sums[g + 1]
                         : constant(sums[g].getType(), 0.0);
      SmallVector<int64_t> mask;
      for (int64_t l = 0; l < opts.queryTile; ++l)
        mask.push_back(l < decodeRows ? firstItem + l - g * kChunk : 0);
      score = vector::ShuffleOp::create(b, sums[g], second, mask);
      score = select(rowLanes, score, zeros);
    }
    for (int64_t i = 0; i < decodeRows; ++i)
      if (Value tail = tails[jj * decodeRows + i]) {
        Value sum = fadd(vector::ExtractOp::create(b, score, i), tail);
        score = vector::InsertOp::create(b, sum, score, ArrayRef<int64_t>{i});
      }
    scores.push_back(score);
  }
  return scores;
}

void AttentionEmitter::emitDecode() {
  int64_t tilesPerSplit = std::max<int64_t>(1, opts.splitSize / opts.keyTile);
  Value tps = idx(tilesPerSplit);
  Value maxTiles = ceilDivS(numKeys, idx(opts.keyTile));
  int64_t maxWindow = op.getMaxWindow();
  auto queriesType = cast<MemRefType>(q.getType());
  if (!keyPositions && maxWindow >= 0) {
    // The bound on the tiles one query range visits
    // (docs/attention-lowering.md, structural tile skipping).
    int64_t tq = queriesType.getDimSize(2);
    int64_t reach = causal ? 0 : std::max<int64_t>(maxWindow - 1, 0);
    int64_t sinkBound = llvm::divideCeil(op.getNumSinks(), opts.keyTile);
    int64_t windowBound = llvm::divideCeil(
        std::max<int64_t>(maxWindow + reach + tq - 2, 0), opts.keyTile);
    maxTiles = minS(maxTiles, idx(sinkBound + windowBound + 1));
  }
  // Tasks per batch and split (kDynamic when the heads are): one per group
  // of query heads sharing a kv head, else one per query head.
  int64_t staticTasks = groupHeads > 1
                            ? cast<MemRefType>(k.getType()).getDimSize(1)
                            : queriesType.getDimSize(1);
  // Splits of at most split-size keys, and enough of them for
  // kVisitParts tasks when batch and heads are static (Hkv = 3 and 540
  // keys made tasks of 512 and 28 keys). Each split then takes a balanced
  // run of the tiles its list has (below), not tiles [s·tps, (s+1)·tps).
  Value numSplits = maxS(ceilDivS(maxTiles, tps), idx(1));
  int64_t staticBatch = queriesType.getDimSize(0);
  if (!ShapedType::isDynamic(staticBatch) &&
      !ShapedType::isDynamic(staticTasks)) {
    int64_t minSplits =
        llvm::divideCeil(kVisitParts, staticBatch * staticTasks);
    numSplits = maxS(numSplits, minS(idx(minSplits), maxS(maxTiles, idx(1))));
  }
  auto f32Type = b.getF32Type();
  int64_t dyn = ShapedType::kDynamic;
  Value partO = memref::AllocOp::create(
      b, MemRefType::get({dyn, dyn, dyn, dyn, valueDim}, f32Type),
      ValueRange{numBatch, numHeads, numSplits, numQueries});
  Value partStats = memref::AllocOp::create(
      b, MemRefType::get({dyn, dyn, dyn, 2, dyn}, f32Type),
      ValueRange{numBatch, numHeads, numSplits, numQueries});

  // One task per (batch, group of query heads sharing a kv head, split):
  // the group's heads × queries fill the lanes, so each K/V tile is read
  // once for the whole group.
  Value numTasks = groupHeads > 1 ? numKvHeads : numHeads;
  // RoPE: the keys' cos and sin once per batch when several tasks read each
  // key (a single task per batch and split computes its own).
  if (rope && staticTasks != 1)
    emitRopeTable();
  parallelLoop(
      ValueRange{numBatch, numTasks, numSplits}, {}, [&](ValueRange ivs) {
        TileBuffers buffers = tileBuffers();
        Value qt = buffers.qt, acc = buffers.acc, probs = buffers.probs,
              alphaBuf = buffers.alphaBuf, stats = buffers.stats;
        Value firstHead = mul(ivs[1], idx(groupHeads));
        TileContext ctx = makeContext(ivs[0], firstHead, idx(0), numQueries);
        ctx.rows = idx(decodeRows); // lanes in use; positions stay per query
        attention::TileList list =
            attention::tileList(*this, ctx.bounds, numSinks, opts.keyTile,
                                causal, static_cast<bool>(keyPositions));
        Value tBegin = divU(mul(ivs[2], list.count), numSplits);
        Value tEnd = divU(mul(add(ivs[2], idx(1)), list.count), numSplits);
        emitLoadQueryRows(ctx);
        zeroFill(acc, opts.queryTile, valueDim);
        auto [m, l] =
            emitKeyTiles(ctx, list, tBegin, tEnd, qt, acc, probs, alphaBuf);
        vstore(m, stats, {idx(0), idx(0)});
        vstore(l, stats, {idx(1), idx(0)});
        for (int64_t lane = 0; lane < decodeRows; ++lane) {
          Value head = add(firstHead, idx(lane / decodeQueries));
          Value i = idx(lane % decodeQueries);
          for (int64_t s = 0; s < 2; ++s) {
            Value x = load(stats, {idx(s), idx(lane)});
            store(x, partStats, {ivs[0], head, ivs[2], idx(s), i});
          }
          for (int64_t c0 = 0; c0 < valueDim; c0 += kChunk) {
            auto type =
                VectorType::get({std::min(kChunk, valueDim - c0)}, f32Type);
            Value o = vload(type, acc, {idx(lane), idx(c0)});
            vstore(o, partO, {ivs[0], head, ivs[2], i, idx(c0)});
          }
        }
      });

  // Merge: M = max(σ, max_s m_s); O = Σ_s e^{m_s - M}·O_s / (Σ_s
  // e^{m_s - M}·l_s + e^{σ - M}).
  parallelLoop(ValueRange{numBatch, numHeads}, {}, [&](ValueRange ivs) {
    Value acc = stackBuffer({1, valueDim});
    Value sinkLogit = attention::sinkLogitFor(*this, operands(), ivs[1]);
    forEach(idx(0), numQueries, idx(1), [&](Value i) {
      auto stat = [&](Value s, int64_t which) -> Value {
        return load(partStats, {ivs[0], ivs[1], s, idx(which), i});
      };
      Value mAll = forLoop(idx(0), numSplits, ValueRange{sinkLogit},
                           [&](Value s, ValueRange st) {
                             return SmallVector<Value>{fmax(st[0], stat(s, 0))};
                           })
                       .front();
      Value empty, base;
      std::tie(empty, base) = attention::exponentBase(*this, mAll);
      zeroFill(acc, 1, valueDim);
      Value denom =
          forLoop(
              idx(0), numSplits, ValueRange{f32(0)},
              [&](Value s, ValueRange st) {
                Value w = exp(fsub(stat(s, 0), base));
                for (int64_t c0 = 0; c0 < valueDim; c0 += kChunk) {
                  int64_t width = std::min(kChunk, valueDim - c0);
                  auto type = VectorType::get({width}, f32Type);
                  Value o = vload(type, partO, {ivs[0], ivs[1], s, i, idx(c0)});
                  Value a = vload(type, acc, {idx(0), idx(c0)});
                  a = vectorFma(splat(w, width), o, a);
                  vstore(a, acc, {idx(0), idx(c0)});
                }
                return SmallVector<Value>{fadd(st[0], fmul(stat(s, 1), w))};
              })
              .front();
      denom = fadd(denom, attention::sinkTerm(*this, sinkLogit, base,
                                              [&](Value x) { return exp(x); }));
      Value factor = fdiv(f32(1), denom);
      factor = select(empty, f32(0), factor);
      emitStoreRow(ivs[0], ivs[1], i, factor,
                   [&](int64_t c0, int64_t width) -> Value {
                     return vload(VectorType::get({width}, f32Type), acc,
                                  {idx(0), idx(c0)});
                   });
    });
  });
  memref::DeallocOp::create(b, partO);
  memref::DeallocOp::create(b, partStats);
  if (ropeTable)
    memref::DeallocOp::create(b, ropeTable);
}

//===- Prefill.cpp - sink_attention prefill kernel (CPU) --------*- C++ -*-===//
//
// One task per (batch, query head, tile of Tq queries): the query tile is
// transposed once (D × Tq, scaled), each key tile's scores are one FMA chain
// over D with the query rows in the lanes, and the tile's rows are stored
// after the last key tile.
//
//===----------------------------------------------------------------------===//

#include "AttentionEmitter.h"

using namespace mlir;
using namespace bitsink;
using namespace bitsink::cpu;

// Qt[d][lane] = scale · q[b, h, firstQuery + lane, d]; lanes past the query
// range are zero.
void AttentionEmitter::emitLoadQueries(const TileContext &ctx, Value qt) {
  Value lastQuery = sub(numQueries, idx(1));
  Value scaleV = f32(scale);
  Value zeroF = f32(0);
  forEach(idx(0), idx(opts.queryTile), idx(1), [&](Value lane) {
    Value inRange = slt(lane, ctx.rows);
    Value row = minS(add(ctx.firstQuery, lane), lastQuery);
    forEach(idx(0), idx(headDim), idx(1), [&](Value d) {
      Value x = load(q, {ctx.batch, ctx.head, row, d});
      Value scaled = fmul(toF32(x), scaleV);
      Value val = select(inRange, scaled, zeroF);
      store(val, qt, {d, lane});
    });
  });
}

void AttentionEmitter::emitLoadRotatedQueries(const TileContext &ctx,
                                              Value qt) {
  Value lastQuery = sub(numQueries, idx(1));
  auto rowType = VectorType::get({headDim}, b.getF32Type());
  Value scaleV = splat(f32(scale), headDim);
  Value zeros = constant(rowType, 0.0);
  Value rowBuf = stackBuffer({headDim});
  forEach(idx(0), idx(opts.queryTile), idx(1), [&](Value lane) {
    Value inRange = slt(lane, ctx.rows);
    Value row = minS(add(ctx.firstQuery, lane), lastQuery);
    Value x = toF32(vload(VectorType::get({headDim}, elemType), q,
                          {ctx.batch, ctx.head, row, idx(0)}));
    // p_i of this row (lanes past the range are zeroed below).
    Value position = intToF32(add(ctx.bounds.posMin, lane));
    x = fmul(rotateHead(x, position), scaleV);
    vstore(select(inRange, x, zeros), rowBuf, {idx(0)});
    forEach(idx(0), idx(headDim), idx(1), [&](Value d) {
      store(load(rowBuf, {d}), qt, {d, lane});
    });
  });
}

void AttentionEmitter::emitRotateKeys() {
  int64_t dyn = ShapedType::kDynamic;
  rotatedKeys = memref::AllocOp::create(
      b, MemRefType::get({dyn, dyn, dyn, headDim}, b.getF32Type()),
      ValueRange{numBatch, numKvHeads, numKeys});
  auto rowType = VectorType::get({headDim}, elemType);
  Value parts = visitParts();
  parallelLoop(
      ValueRange{numBatch, numKvHeads, parts}, {}, [&](ValueRange ivs) {
        forEachVisitedKey(ivs[0], ivs[2], parts, [&](Value j) {
          Value x = toF32(vload(rowType, k, {ivs[0], ivs[1], j, idx(0)}));
          Value position =
              attention::ropeKeyPosition(*this, operands(), ivs[0], j);
          vstore(rotateHead(x, position), rotatedKeys,
                 {ivs[0], ivs[1], j, idx(0)});
        });
      });
}

// scores[jj] (lanes = query rows) = Σ_d Qt[d] · k[keyRows[jj], d] (the
// rotated keys with RoPE).
SmallVector<Value> AttentionEmitter::emitPrefillScores(const TileContext &ctx,
                                                       ArrayRef<Value> keyRows,
                                                       Value qt) {
  SmallVector<Value> init(opts.keyTile, constant(laneF32, 0.0));
  Value keys = rope ? rotatedKeys : k;
  return forLoop(idx(0), idx(headDim), init, [&](Value d, ValueRange acc) {
    Value qv = vload(laneF32, qt, {d, idx(0)});
    SmallVector<Value> next;
    for (int64_t jj = 0; jj < opts.keyTile; ++jj) {
      Value kx = load(keys, {ctx.batch, ctx.kvHead, keyRows[jj], d});
      Value kv = splat(toF32(kx), opts.queryTile);
      next.push_back(vectorFma(qv, kv, acc[jj]));
    }
    return next;
  });
}

void AttentionEmitter::emitPrefill() {
  if (rope)
    emitRotateKeys();
  Value numTiles = ceilDivS(numQueries, idx(opts.queryTile));
  parallelLoop(
      ValueRange{numBatch, numHeads, numTiles}, {}, [&](ValueRange ivs) {
        TileBuffers buffers = tileBuffers();
        Value qt = buffers.qt, acc = buffers.acc, probs = buffers.probs,
              alphaBuf = buffers.alphaBuf, stats = buffers.stats;
        Value i0 = mul(ivs[2], idx(opts.queryTile));
        Value rows = minS(idx(opts.queryTile), sub(numQueries, i0));
        TileContext ctx = makeContext(ivs[0], ivs[1], i0, rows);
        if (rope)
          emitLoadRotatedQueries(ctx, qt);
        else
          emitLoadQueries(ctx, qt);
        zeroFill(acc, valueDim, opts.queryTile);
        attention::TileList list =
            attention::tileList(*this, ctx.bounds, numSinks, opts.keyTile,
                                causal, static_cast<bool>(keyPositions));
        auto [m, l] = emitKeyTiles(ctx, list, idx(0), list.count, qt, acc,
                                   probs, alphaBuf);
        vstore(m, stats, {idx(0), idx(0)});
        vstore(l, stats, {idx(1), idx(0)});
        forEach(idx(0), rows, idx(1), [&](Value i) {
          Value mi = load(stats, {idx(0), i});
          Value li = load(stats, {idx(1), i});
          Value factor = attention::finalFactor(
              *this, mi, li, ctx.sinkLogit, [&](Value x) { return exp(x); });
          // Row i is column i of the Dv × Tq accumulator.
          emitStoreRow(ctx.batch, ctx.head, add(i0, i), factor,
                       [&](int64_t c0, int64_t width) -> Value {
                         SmallVector<Value> column;
                         for (int64_t d = c0; d < c0 + width; ++d)
                           column.push_back(load(acc, {idx(d), i}));
                         return vector::FromElementsOp::create(
                             b, VectorType::get({width}, b.getF32Type()),
                             column);
                       });
        });
      });
  if (rope)
    memref::DeallocOp::create(b, rotatedKeys);
}

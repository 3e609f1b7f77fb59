//===- LowerAttention.cpp - sink_attention to tiled loops -------*- C++ -*-===//
//
// Lowers `bitsink.sink_attention` (memref form) to flash-style loops:
//
//   scf.parallel (b, h, query tile)            -- threads (OpenMP later)
//     Qt := scale · Q[tile]ᵀ                   -- D × Tq, f32, once per tile
//     scf.for t in key tiles(sinks ∪ window)   -- structural tile skipping
//       S := Qt-lanes · K[tile]                -- Tk vectors of Tq lanes
//       scf.if boundary tile: S := mask(S)     -- only tiles that cross a
//                                              -- visibility boundary
//       online softmax (running max m, sum l, rescale O by e^{m_old-m_new})
//       O += P · V[tile]                       -- rows × Dv, f32
//     O /= l (+ the learned sink logit), store
//
// Query rows live in vector lanes (vector<Tq x f32>): the score of one key
// for all rows of the tile is one fused multiply-add chain over D, so the
// key tile never needs transposing and the softmax statistics are plain
// lane-wise vector ops. The decode variant (Nq small) parallelises over
// splits of the key-tile list instead of query tiles and merges the
// partial (m, l, O) with log-sum-exp in a second parallel loop.
//
//===----------------------------------------------------------------------===//

#include "bitsink/Conversion/Passes.h"
#include "bitsink/Dialect/BitSink/IR/BitSinkOps.h"

#include "../../Utils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/TypeUtilities.h"

#include <limits>

namespace bitsink {
#define GEN_PASS_DEF_BITSINKLOWERATTENTION
#include "bitsink/Conversion/Passes.h.inc"
} // namespace bitsink

using namespace mlir;
using namespace bitsink;

namespace {

/// Lane width for the Dv chunks of the P·V product.
constexpr int64_t kChunk = 16;

using LoweringOptions = BitSinkLowerAttentionOptions;

/// The per-(batch, head, query range) quantities every key tile needs.
struct TileContext {
  Value batch, head, kvHead;
  Value firstQuery, rows; // query range [firstQuery, firstQuery + rows)
  Value lenVisible;       // keys j >= lenVisible are invisible
  Value posMin, posMax;   // positions of the first and last query row
  Value window;           // index; < 0 unbounded, 0 sinks only
  Value sinkLogit;        // f32, -inf when absent
};

/// Generates the loops for one sink_attention op on memrefs.
class AttentionEmitter : KernelBuilder, AttentionOperands {
public:
  AttentionEmitter(ImplicitLocOpBuilder &b, SinkAttentionOp op,
                   const LoweringOptions &options)
      : KernelBuilder(b), op(op), opts(options) {}

  LogicalResult emit();

private:
  // Small builders.
  Value f32(double v) {
    return arith::ConstantOp::create(b, b.getF32FloatAttr(v));
  }
  Value splat(Value scalar, int64_t lanes) {
    return vector::BroadcastOp::create(
        b, VectorType::get({lanes}, scalar.getType()), scalar);
  }
  Value maxIdx(Value x, Value y) { return arith::MaxSIOp::create(b, x, y); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, x, y); }
  Value sub(Value x, Value y) { return arith::SubIOp::create(b, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, x, y); }
  Value ceilDiv(Value x, Value y) {
    return arith::CeilDivSIOp::create(b, x, y);
  }
  Value cmp(arith::CmpIPredicate p, Value x, Value y) {
    return arith::CmpIOp::create(b, p, x, y);
  }
  Value zeroF32Vector() {
    return arith::ConstantOp::create(b, DenseElementsAttr::get(laneF32, 0.0f));
  }

  Value scratch(ArrayRef<int64_t> shape) {
    return memref::AllocaOp::create(b, MemRefType::get(shape, b.getF32Type()));
  }
  void zeroFill(Value buffer, int64_t rows, int64_t cols);
  /// Per-task buffers: the transposed query tile (D × Tq; prefill only,
  /// decode keeps query rows in registers), the output accumulator (Tq ×
  /// Dv), probabilities (Tk × Tq), the rescale factors (Tq) and the final
  /// running max and sum (2 × Tq).
  struct TileBuffers {
    Value qt, acc, probs, alphaBuf, stats;
  };
  TileBuffers tileBuffers() {
    return {decodeRows ? Value() : scratch({headDim, opts.queryTile}),
            scratch({opts.queryTile, valueDim}),
            scratch({opts.keyTile, opts.queryTile}), scratch({opts.queryTile}),
            scratch({2, opts.queryTile})};
  }

  Value windowForHead(Value head);
  /// f32 sink logit of query head `head`, -inf without sink_logits.
  Value sinkLogitFor(Value head);
  /// (m == -inf, m == -inf ? 0 : m) for a running max m.
  std::pair<Value, Value> exponentBase(Value m);
  TileContext makeContext(Value batch, Value head, Value firstQuery,
                          Value rows);
  /// Number of key tiles to visit and the map from loop index to tile index.
  struct TileList {
    Value sinkTiles, windowBegin, count;
  };
  TileList tileList(const TileContext &ctx);
  Value tileIndex(const TileList &list, Value t);

  void emitLoadQueries(const TileContext &ctx, Value qt);
  /// Decode: queryRows[i] = scale · q[b, h, i, :] in chunks along D.
  void emitLoadQueryRows(const TileContext &ctx);
  /// Runs key tiles [tBegin, tEnd) of `list`, accumulating into `acc`
  /// (rows × Dv); returns the final running max and sum (vectors).
  std::pair<Value, Value> emitKeyTiles(const TileContext &ctx,
                                       const TileList &list, Value tBegin,
                                       Value tEnd, Value qt, Value acc,
                                       Value probs, Value alphaBuf);
  SmallVector<Value> emitScores(const TileContext &ctx, Value j0, Value qt);
  SmallVector<Value> emitMask(const TileContext &ctx, Value j0,
                              ArrayRef<Value> scores);
  Value emitNeedsMask(const TileContext &ctx, Value j0);
  Value emitValuesNonFinite(const TileContext &ctx, Value j0);
  void emitPV(const TileContext &ctx, Value j0, Value acc, Value probs,
              Value alphaBuf, bool skipInvisible);
  void emitStoreRow(Value batch, Value head, Value query, Value acc,
                    Value accRow, Value factor);
  Value finalFactor(Value m, Value l, Value sinkLogit);

  void emitPrefill();
  void emitDecode();

  SinkAttentionOp op;
  LoweringOptions opts;

  Value numBatch, numHeads, numKvHeads, numQueries, numKeys, groupRatio;
  Value numSinks; // min(num_sinks, Nk)
  /// Decode: the static number of query rows (0 for prefill), and per row
  /// the scaled query in chunks of kChunk lanes along D.
  int64_t decodeRows = 0;
  SmallVector<SmallVector<Value>> queryRows;
  /// Decode: query heads per task (the GQA group, or 1) and query rows per
  /// head; lane l holds head `first + l / decodeQueries`, query
  /// `l % decodeQueries`.
  int64_t groupHeads = 1, decodeQueries = 0;
  VectorType laneF32, laneI64;
};

} // namespace

Value AttentionEmitter::windowForHead(Value head) {
  auto attr = op.getWindowAttr();
  if (!attr)
    return idx(-1);
  if (auto scalar = dyn_cast<IntegerAttr>(attr))
    return idx(scalar.getInt());
  ArrayRef<int64_t> windows = cast<DenseI64ArrayAttr>(attr).asArrayRef();
  bool uniform = llvm::all_equal(windows);
  if (uniform)
    return idx(windows.front());
  // One entry per query head: a small constant vector indexed by the head.
  auto type =
      VectorType::get({static_cast<int64_t>(windows.size())}, b.getI64Type());
  Value table =
      arith::ConstantOp::create(b, DenseElementsAttr::get(type, windows));
  Value w = vector::ExtractOp::create(b, table, ArrayRef<OpFoldResult>{head});
  return arith::IndexCastOp::create(b, b.getIndexType(), w);
}

TileContext AttentionEmitter::makeContext(Value batch, Value head,
                                          Value firstQuery, Value rows) {
  TileContext ctx;
  ctx.batch = batch;
  ctx.head = head;
  ctx.kvHead = arith::DivUIOp::create(b, head, groupRatio);
  ctx.firstQuery = firstQuery;
  ctx.rows = rows;
  Value lenRaw = numKeys;
  if (kvLen) {
    Value len = memref::LoadOp::create(b, kvLen, ValueRange{batch});
    lenRaw = arith::IndexCastOp::create(b, b.getIndexType(), len);
  }
  ctx.lenVisible = minIdx(maxIdx(lenRaw, idx(0)), numKeys);
  Value offset = sub(lenRaw, numQueries); // p_i = i + L_b - Nq
  ctx.posMin = add(firstQuery, offset);
  ctx.posMax = sub(add(ctx.posMin, rows), idx(1));
  ctx.window = windowForHead(head);
  ctx.sinkLogit = sinkLogitFor(head);
  return ctx;
}

Value AttentionEmitter::sinkLogitFor(Value head) {
  if (!sinkLogits)
    return f32(-std::numeric_limits<float>::infinity());
  return toF32(memref::LoadOp::create(b, sinkLogits, ValueRange{head}));
}

// A running max m (scalar or lanes) that is still -inf means nothing was
// seen: exponents then use 0 as their base, so e^{x - base} is 0, not NaN.
std::pair<Value, Value> AttentionEmitter::exponentBase(Value m) {
  auto constant = [&](float v) -> Value {
    if (auto type = dyn_cast<VectorType>(m.getType()))
      return arith::ConstantOp::create(b, DenseElementsAttr::get(type, v));
    return f32(v);
  };
  Value empty =
      arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ, m,
                            constant(-std::numeric_limits<float>::infinity()));
  return {empty, arith::SelectOp::create(b, empty, constant(0.0f), m)};
}

// The key tiles a query range must visit: sink tiles [0, sinkTiles), then
// window tiles [windowBegin, windowBegin + count - sinkTiles). Without
// key_positions a key's position is its index, so both ranges are exact
// index ranges; with key_positions (a ring cache) every tile below the
// visible length is visited and masked.
AttentionEmitter::TileList AttentionEmitter::tileList(const TileContext &ctx) {
  Value tk = idx(opts.keyTile);
  Value zero = idx(0);
  TileList list;
  if (keyPositions) {
    list.sinkTiles = zero;
    list.windowBegin = zero;
    list.count = ceilDiv(ctx.lenVisible, tk);
    return list;
  }
  // Exclusive end of the candidate keys.
  Value hi = ctx.lenVisible;
  if (causal)
    hi = maxIdx(minIdx(add(ctx.posMax, idx(1)), ctx.lenVisible), zero);
  Value unbounded = cmp(arith::CmpIPredicate::slt, ctx.window, zero);
  // Bounded window: sinks [0, min(S, hi)), window [wlo, whi).
  Value sinkTiles = ceilDiv(minIdx(numSinks, hi), tk);
  Value wlo = maxIdx(add(sub(ctx.posMin, ctx.window), idx(1)), zero);
  Value whi = hi;
  if (!causal)
    whi = minIdx(add(ctx.posMax, ctx.window), ctx.lenVisible);
  Value noWindow = cmp(arith::CmpIPredicate::eq, ctx.window, zero);
  whi = arith::SelectOp::create(b, noWindow, wlo, whi);
  whi = maxIdx(whi, wlo);
  Value windowBegin = maxIdx(arith::DivSIOp::create(b, wlo, tk), sinkTiles);
  Value windowEnd = maxIdx(ceilDiv(whi, tk), windowBegin);
  Value count = add(sinkTiles, sub(windowEnd, windowBegin));
  // Unbounded: one range [0, hi).
  list.sinkTiles = arith::SelectOp::create(b, unbounded, zero, sinkTiles);
  list.windowBegin = arith::SelectOp::create(b, unbounded, zero, windowBegin);
  list.count = arith::SelectOp::create(b, unbounded, ceilDiv(hi, tk), count);
  return list;
}

Value AttentionEmitter::tileIndex(const TileList &list, Value t) {
  Value inSinks = cmp(arith::CmpIPredicate::slt, t, list.sinkTiles);
  Value windowTile = add(list.windowBegin, sub(t, list.sinkTiles));
  return arith::SelectOp::create(b, inSinks, t, windowTile);
}

// Qt[d][lane] = scale · q[b, h, firstQuery + lane, d]; lanes past the query
// range are zero.
void AttentionEmitter::emitLoadQueries(const TileContext &ctx, Value qt) {
  Value lastQuery = sub(numQueries, idx(1));
  Value scaleV = f32(scale);
  Value zeroF = f32(0);
  forLoop(idx(0), idx(opts.queryTile), {}, [&](Value lane, ValueRange) {
    Value inRange = cmp(arith::CmpIPredicate::slt, lane, ctx.rows);
    Value row = minIdx(add(ctx.firstQuery, lane), lastQuery);
    forLoop(idx(0), idx(headDim), {}, [&](Value d, ValueRange) {
      Value x =
          memref::LoadOp::create(b, q, ValueRange{ctx.batch, ctx.head, row, d});
      Value scaled = arith::MulFOp::create(b, toF32(x), scaleV);
      Value val = arith::SelectOp::create(b, inRange, scaled, zeroF);
      memref::StoreOp::create(b, val, qt, ValueRange{d, lane});
      return SmallVector<Value>{};
    });
    return SmallVector<Value>{};
  });
}

void AttentionEmitter::emitLoadQueryRows(const TileContext &ctx) {
  queryRows.assign(decodeRows, {});
  for (int64_t i = 0; i < decodeRows; ++i)
    for (int64_t c0 = 0; c0 < headDim; c0 += kChunk) {
      int64_t width = std::min(kChunk, headDim - c0);
      Value head = add(ctx.head, idx(i / decodeQueries));
      Value row = toF32(vector::LoadOp::create(
          b, VectorType::get({width}, elemType), q,
          ValueRange{ctx.batch, head, idx(i % decodeQueries), idx(c0)}));
      queryRows[i].push_back(
          arith::MulFOp::create(b, row, splat(f32(scale), width)));
    }
}

void AttentionEmitter::zeroFill(Value buffer, int64_t rows, int64_t cols) {
  forLoop(idx(0), idx(rows), {}, [&](Value r, ValueRange) {
    for (int64_t c0 = 0; c0 < cols; c0 += kChunk) {
      int64_t width = std::min(kChunk, cols - c0);
      auto type = VectorType::get({width}, b.getF32Type());
      Value zero =
          arith::ConstantOp::create(b, DenseElementsAttr::get(type, 0.0f));
      vector::StoreOp::create(b, zero, buffer, ValueRange{r, idx(c0)});
    }
    return SmallVector<Value>{};
  });
}

// scores[jj] (lanes = query rows) = Σ_d Qt[d] · k[j0 + jj, d]. Keys past Nk
// read the last key instead (their scores are masked).
SmallVector<Value> AttentionEmitter::emitScores(const TileContext &ctx,
                                                Value j0, Value qt) {
  Value lastKey = sub(numKeys, idx(1));
  SmallVector<Value> keyRows;
  for (int64_t jj = 0; jj < opts.keyTile; ++jj)
    keyRows.push_back(minIdx(add(j0, idx(jj)), lastKey));
  if (decodeRows) {
    // s[jj][i] = Σ_d q_i[d] · k[j0 + jj, d]: the key row is loaded once in
    // chunks, multiplied with each query row and reduced.
    SmallVector<Value> scores;
    for (int64_t jj = 0; jj < opts.keyTile; ++jj) {
      // Full chunks accumulate lane-wise (one FMA each); one reduction per
      // row at the end, plus one for a narrower last chunk.
      SmallVector<Value> lanes(decodeRows), tails(decodeRows);
      for (int64_t c0 = 0, c = 0; c0 < headDim; c0 += kChunk, ++c) {
        int64_t width = std::min(kChunk, headDim - c0);
        Value kx = toF32(vector::LoadOp::create(
            b, VectorType::get({width}, elemType), k,
            ValueRange{ctx.batch, ctx.kvHead, keyRows[jj], idx(c0)}));
        for (int64_t i = 0; i < decodeRows; ++i) {
          if (width < kChunk) {
            tails[i] = vector::ReductionOp::create(
                b, vector::CombiningKind::ADD,
                arith::MulFOp::create(b, kx, queryRows[i][c]));
            continue;
          }
          if (lanes[i])
            lanes[i] = vector::FMAOp::create(b, kx, queryRows[i][c], lanes[i]);
          else
            lanes[i] = arith::MulFOp::create(b, kx, queryRows[i][c]);
        }
      }
      SmallVector<Value> partial(decodeRows);
      for (int64_t i = 0; i < decodeRows; ++i) {
        if (lanes[i])
          partial[i] = vector::ReductionOp::create(
              b, vector::CombiningKind::ADD, lanes[i]);
        if (tails[i])
          partial[i] =
              partial[i] ? Value(arith::AddFOp::create(b, partial[i], tails[i]))
                         : tails[i];
      }
      Value score = zeroF32Vector();
      for (int64_t i = 0; i < decodeRows; ++i)
        score = vector::InsertOp::create(b, partial[i], score,
                                         ArrayRef<int64_t>{i});
      scores.push_back(score);
    }
    return scores;
  }
  SmallVector<Value> init(opts.keyTile, zeroF32Vector());
  return forLoop(idx(0), idx(headDim), init, [&](Value d, ValueRange acc) {
    Value qv = vector::LoadOp::create(b, laneF32, qt, ValueRange{d, idx(0)});
    SmallVector<Value> next;
    for (int64_t jj = 0; jj < opts.keyTile; ++jj) {
      Value kx = memref::LoadOp::create(
          b, k, ValueRange{ctx.batch, ctx.kvHead, keyRows[jj], d});
      Value kv = splat(toF32(kx), opts.queryTile);
      next.push_back(vector::FMAOp::create(b, qv, kv, acc[jj]));
    }
    return next;
  });
}

// True when some (row, key) pair of the tile may be invisible, so the tile
// needs the per-element mask. Interior tiles of the sink or window range
// skip it.
Value AttentionEmitter::emitNeedsMask(const TileContext &ctx, Value j0) {
  if (keyMask || keyPositions)
    return arith::ConstantOp::create(b, b.getBoolAttr(true));
  Value tk = idx(opts.keyTile);
  Value jEnd = add(j0, tk); // exclusive
  Value jLast = sub(jEnd, idx(1));
  Value full = cmp(arith::CmpIPredicate::sle, jEnd, ctx.lenVisible);
  if (causal)
    full = arith::AndIOp::create(
        b, full, cmp(arith::CmpIPredicate::sle, jLast, ctx.posMin));
  Value unbounded = cmp(arith::CmpIPredicate::slt, ctx.window, idx(0));
  Value allSinks = cmp(arith::CmpIPredicate::sle, jEnd, numSinks);
  // Every key within the window of every row.
  Value windowLo = add(sub(ctx.posMax, ctx.window), idx(1));
  Value inWindow = cmp(arith::CmpIPredicate::sge, j0, windowLo);
  if (!causal) {
    Value windowHi = sub(add(ctx.posMin, ctx.window), idx(1));
    inWindow = arith::AndIOp::create(
        b, inWindow, cmp(arith::CmpIPredicate::sle, jLast, windowHi));
  }
  Value positive = cmp(arith::CmpIPredicate::sgt, ctx.window, idx(0));
  inWindow = arith::AndIOp::create(b, inWindow, positive);
  Value visible = arith::OrIOp::create(
      b, unbounded, arith::OrIOp::create(b, allSinks, inWindow));
  full = arith::AndIOp::create(b, full, visible);
  Value trueV = arith::ConstantOp::create(b, b.getBoolAttr(true));
  return arith::XOrIOp::create(b, full, trueV);
}

// scores[jj] := visible(row, j0 + jj) ? scores[jj] : -inf, DESIGN §2.1.
SmallVector<Value> AttentionEmitter::emitMask(const TileContext &ctx, Value j0,
                                              ArrayRef<Value> scores) {
  Value minusInf = arith::ConstantOp::create(
      b,
      DenseElementsAttr::get(laneF32, -std::numeric_limits<float>::infinity()));
  auto toI64 = [&](Value x) {
    return arith::IndexCastOp::create(b, b.getI64Type(), x);
  };
  // Query index of each lane: the lane itself, or in a decode group the
  // lane modulo the queries per head.
  Value lanes;
  if (decodeRows) {
    SmallVector<int64_t> queryOfLane;
    for (int64_t l = 0; l < opts.queryTile; ++l)
      queryOfLane.push_back(l % decodeQueries);
    lanes = arith::ConstantOp::create(
        b, DenseElementsAttr::get(
               VectorType::get({opts.queryTile}, b.getIndexType()),
               ArrayRef<int64_t>(queryOfLane)));
  } else {
    lanes = vector::StepOp::create(
        b, VectorType::get({opts.queryTile}, b.getIndexType()));
  }
  Value rowPos = arith::IndexCastOp::create(
      b, laneI64,
      arith::AddIOp::create(b, lanes, splat(ctx.posMin, opts.queryTile)));
  Value w = toI64(ctx.window);
  Value wVec = splat(w, opts.queryTile);
  Value unbounded = cmp(arith::CmpIPredicate::slt, ctx.window, idx(0));
  Value sinks = toI64(numSinks);
  Value lastKey = sub(numKeys, idx(1));
  SmallVector<Value> masked;
  for (auto [jj, score] : llvm::enumerate(scores)) {
    Value j = add(j0, idx(jj));
    Value jc = minIdx(j, lastKey);
    Value keyOk = cmp(arith::CmpIPredicate::slt, j, ctx.lenVisible);
    Value pos = toI64(j);
    if (keyPositions)
      pos = memref::LoadOp::create(b, keyPositions, ValueRange{ctx.batch, jc});
    keyOk = arith::AndIOp::create(
        b, keyOk,
        cmp(arith::CmpIPredicate::sge, pos,
            arith::ConstantOp::create(b, b.getI64IntegerAttr(0))));
    if (keyMask)
      keyOk = arith::AndIOp::create(
          b, keyOk,
          memref::LoadOp::create(b, keyMask, ValueRange{ctx.batch, jc}));
    Value isSink = cmp(arith::CmpIPredicate::slt, pos, sinks);
    Value posVec = splat(pos, opts.queryTile);
    // inWindow: causal p - W < pos <= p; otherwise |p - pos| < W.
    Value diff = arith::SubIOp::create(b, rowPos, posVec);
    Value inWindow;
    if (causal) {
      inWindow = cmp(arith::CmpIPredicate::slt, diff, wVec);
    } else {
      Value absDiff = math::AbsIOp::create(b, diff);
      inWindow = cmp(arith::CmpIPredicate::slt, absDiff, wVec);
    }
    inWindow =
        arith::OrIOp::create(b, inWindow, splat(unbounded, opts.queryTile));
    Value ok = arith::OrIOp::create(b, inWindow, splat(isSink, opts.queryTile));
    if (causal) {
      Value notFuture =
          cmp(arith::CmpIPredicate::sge, diff,
              arith::ConstantOp::create(
                  b, DenseElementsAttr::get(laneI64, int64_t(0))));
      ok = arith::AndIOp::create(b, ok, notFuture);
    }
    ok = arith::AndIOp::create(b, ok, splat(keyOk, opts.queryTile));
    masked.push_back(arith::SelectOp::create(b, ok, score, minusInf));
  }
  return masked;
}

// True when some element of the tile's value rows v[j0 .. j0 + Tk) (slots
// past Nk re-read the last key) is NaN or ±Inf. Checked once per boundary
// tile, for all its rows: only then can a zero probability meet a
// non-finite value.
Value AttentionEmitter::emitValuesNonFinite(const TileContext &ctx, Value j0) {
  Value lastKey = sub(numKeys, idx(1));
  // One lane-wise accumulator per Dv chunk (the last may be narrower).
  SmallVector<Value> anyNonFinite;
  for (int64_t jj = 0; jj < opts.keyTile; ++jj) {
    Value row = minIdx(add(j0, idx(jj)), lastKey);
    for (int64_t c0 = 0, c = 0; c0 < valueDim; c0 += kChunk, ++c) {
      int64_t width = std::min(kChunk, valueDim - c0);
      Value vx = vector::LoadOp::create(
          b, VectorType::get({width}, elemType), v,
          ValueRange{ctx.batch, ctx.kvHead, row, idx(c0)});
      Value bad = isNonFinite(b, vx);
      if (jj == 0)
        anyNonFinite.push_back(bad);
      else
        anyNonFinite[c] = arith::OrIOp::create(b, anyNonFinite[c], bad);
    }
  }
  Value result = arith::ConstantOp::create(b, b.getBoolAttr(false));
  for (Value lanes : anyNonFinite)
    result = arith::OrIOp::create(
        b, result,
        vector::ReductionOp::create(b, vector::CombiningKind::OR, lanes));
  return result;
}

// acc[i] = acc[i] · alpha[i] + Σ_jj probs[jj][i] · v[j0 + jj] for the rows
// of the range; Dv in chunks of up to kChunk lanes. With `skipInvisible`
// (boundary tiles whose value rows hold a NaN or Inf) a term whose probability
// is exactly 0 is dropped by a select instead of added: such a key is invisible
// to the row (its score was masked to -inf), or its weight underflowed, and
// either way it contributes nothing, even when its value row holds NaN or Inf
// (DESIGN §2.1), where fma(0, v, o) would give NaN. Tile slots past Nk re-read
// the last key and are invisible too. Every other tile keeps the select-free
// loop.
void AttentionEmitter::emitPV(const TileContext &ctx, Value j0, Value acc,
                              Value probs, Value alphaBuf, bool skipInvisible) {
  Value lastKey = sub(numKeys, idx(1));
  SmallVector<Value> valueRows;
  for (int64_t jj = 0; jj < opts.keyTile; ++jj)
    valueRows.push_back(minIdx(add(j0, idx(jj)), lastKey));
  forLoop(idx(0), ctx.rows, {}, [&](Value i, ValueRange) {
    Value alpha = memref::LoadOp::create(b, alphaBuf, ValueRange{i});
    SmallVector<Value> ps;
    for (int64_t jj = 0; jj < opts.keyTile; ++jj)
      ps.push_back(memref::LoadOp::create(b, probs, ValueRange{idx(jj), i}));
    SmallVector<Value> invisible;
    if (skipInvisible)
      for (Value p : ps)
        invisible.push_back(
            arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ, p, f32(0)));
    for (int64_t c0 = 0; c0 < valueDim; c0 += kChunk) {
      int64_t width = std::min(kChunk, valueDim - c0);
      auto chunkF32 = VectorType::get({width}, b.getF32Type());
      auto chunkT = VectorType::get({width}, elemType);
      Value o =
          vector::LoadOp::create(b, chunkF32, acc, ValueRange{i, idx(c0)});
      o = arith::MulFOp::create(b, o, splat(alpha, width));
      for (int64_t jj = 0; jj < opts.keyTile; ++jj) {
        Value vx = vector::LoadOp::create(
            b, chunkT, v,
            ValueRange{ctx.batch, ctx.kvHead, valueRows[jj], idx(c0)});
        Value term =
            vector::FMAOp::create(b, splat(ps[jj], width), toF32(vx), o);
        o = skipInvisible
                ? Value(arith::SelectOp::create(b, invisible[jj], o, term))
                : term;
      }
      vector::StoreOp::create(b, o, acc, ValueRange{i, idx(c0)});
    }
    return SmallVector<Value>{};
  });
}

std::pair<Value, Value>
AttentionEmitter::emitKeyTiles(const TileContext &ctx, const TileList &list,
                               Value tBegin, Value tEnd, Value qt, Value acc,
                               Value probs, Value alphaBuf) {
  float inf = std::numeric_limits<float>::infinity();
  Value mInit =
      arith::ConstantOp::create(b, DenseElementsAttr::get(laneF32, -inf));
  Value lInit =
      arith::ConstantOp::create(b, DenseElementsAttr::get(laneF32, 0.0f));
  SmallVector<Value> state = forLoop(
      tBegin, tEnd, ValueRange{mInit, lInit}, [&](Value t, ValueRange state) {
        Value j0 = mul(tileIndex(list, t), idx(opts.keyTile));
        SmallVector<Value> scores = emitScores(ctx, j0, qt);
        Value needMask = emitNeedsMask(ctx, j0);
        SmallVector<Type> types(scores.size(), laneF32);
        auto ifOp = scf::IfOp::create(b, types, needMask,
                                      /*withElseRegion=*/true);
        {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPointToStart(ifOp.thenBlock());
          scf::YieldOp::create(b, emitMask(ctx, j0, scores));
          b.setInsertionPointToStart(ifOp.elseBlock());
          scf::YieldOp::create(b, scores);
        }
        scores = SmallVector<Value>(ifOp.getResults());
        // Online softmax: m_new = max(m, max_j s_j); a = e^{m - m_new};
        // p_j = e^{s_j - m_new}; l = a·l + Σ p_j. A row that has seen
        // nothing keeps m = -inf and uses 0 as its exponent base.
        Value tileMax = scores.front();
        for (Value s : ArrayRef(scores).drop_front())
          tileMax = arith::MaximumFOp::create(b, tileMax, s);
        Value mNew = arith::MaximumFOp::create(b, state[0], tileMax);
        Value base = exponentBase(mNew).second;
        Value alpha =
            math::ExpOp::create(b, arith::SubFOp::create(b, state[0], base));
        Value sum = zeroF32Vector();
        for (auto [jj, s] : llvm::enumerate(scores)) {
          Value p = math::ExpOp::create(b, arith::SubFOp::create(b, s, base));
          sum = arith::AddFOp::create(b, sum, p);
          vector::StoreOp::create(b, p, probs, ValueRange{idx(jj), idx(0)});
        }
        vector::StoreOp::create(b, alpha, alphaBuf, ValueRange{idx(0)});
        Value lNew = vector::FMAOp::create(b, alpha, state[1], sum);
        // The guarded P·V only on boundary tiles whose value rows hold a
        // non-finite element; every other tile keeps the plain FMA chain.
        auto guardIf = scf::IfOp::create(b, b.getI1Type(), needMask,
                                         /*withElseRegion=*/true);
        {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPointToStart(guardIf.thenBlock());
          scf::YieldOp::create(b, emitValuesNonFinite(ctx, j0));
          b.setInsertionPointToStart(guardIf.elseBlock());
          scf::YieldOp::create(b, ValueRange{arith::ConstantOp::create(
                                      b, b.getBoolAttr(false))});
        }
        auto pvIf = scf::IfOp::create(b, TypeRange{}, guardIf.getResult(0),
                                      /*withElseRegion=*/true);
        {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPointToStart(pvIf.thenBlock());
          emitPV(ctx, j0, acc, probs, alphaBuf, /*skipInvisible=*/true);
          b.setInsertionPointToStart(pvIf.elseBlock());
          emitPV(ctx, j0, acc, probs, alphaBuf, /*skipInvisible=*/false);
        }
        return SmallVector<Value>{mNew, lNew};
      });
  return {state[0], state[1]};
}

// Final scale of a row with running max m and sum l: the sink logit σ joins
// the denominator once. Returns e^{m - M} / (l·e^{m - M} + e^{σ - M}) with
// M = max(m, σ), and 0 when M = -inf (nothing visible).
Value AttentionEmitter::finalFactor(Value m, Value l, Value sinkLogit) {
  Value mAll = arith::MaximumFOp::create(b, m, sinkLogit);
  auto [empty, base] = exponentBase(mAll);
  Value corr = math::ExpOp::create(b, arith::SubFOp::create(b, m, base));
  Value sinkTerm =
      math::ExpOp::create(b, arith::SubFOp::create(b, sinkLogit, base));
  Value denom =
      arith::AddFOp::create(b, arith::MulFOp::create(b, l, corr), sinkTerm);
  Value factor = arith::DivFOp::create(b, corr, denom);
  return arith::SelectOp::create(b, empty, f32(0), factor);
}

void AttentionEmitter::emitStoreRow(Value batch, Value head, Value query,
                                    Value acc, Value accRow, Value factor) {
  for (int64_t c0 = 0; c0 < valueDim; c0 += kChunk) {
    int64_t width = std::min(kChunk, valueDim - c0);
    auto chunkF32 = VectorType::get({width}, b.getF32Type());
    Value o =
        vector::LoadOp::create(b, chunkF32, acc, ValueRange{accRow, idx(c0)});
    o = arith::MulFOp::create(b, o, splat(factor, width));
    if (elemType != b.getF32Type())
      o = arith::TruncFOp::create(b, VectorType::get({width}, elemType), o);
    vector::StoreOp::create(b, o, out, ValueRange{batch, head, query, idx(c0)});
  }
}

void AttentionEmitter::emitPrefill() {
  Value numTiles = ceilDiv(numQueries, idx(opts.queryTile));
  parallelLoop(
      ValueRange{numBatch, numHeads, numTiles}, {}, [&](ValueRange ivs) {
        TileBuffers buffers = tileBuffers();
        Value qt = buffers.qt, acc = buffers.acc, probs = buffers.probs,
              alphaBuf = buffers.alphaBuf, stats = buffers.stats;
        Value i0 = mul(ivs[2], idx(opts.queryTile));
        Value rows = minIdx(idx(opts.queryTile), sub(numQueries, i0));
        TileContext ctx = makeContext(ivs[0], ivs[1], i0, rows);
        emitLoadQueries(ctx, qt);
        zeroFill(acc, opts.queryTile, valueDim);
        TileList list = tileList(ctx);
        auto [m, l] = emitKeyTiles(ctx, list, idx(0), list.count, qt, acc,
                                   probs, alphaBuf);
        vector::StoreOp::create(b, m, stats, ValueRange{idx(0), idx(0)});
        vector::StoreOp::create(b, l, stats, ValueRange{idx(1), idx(0)});
        forLoop(idx(0), rows, {}, [&](Value i, ValueRange) {
          Value mi = memref::LoadOp::create(b, stats, ValueRange{idx(0), i});
          Value li = memref::LoadOp::create(b, stats, ValueRange{idx(1), i});
          Value factor = finalFactor(mi, li, ctx.sinkLogit);
          emitStoreRow(ctx.batch, ctx.head, add(i0, i), acc, i, factor);
          return SmallVector<Value>{};
        });
      });
}

// Decode: each (batch, head) has few query rows (all in one lane group) and
// a long key range, so the key-tile list is cut into splits of `split-size`
// keys that run in parallel; each split leaves its (m, l, O) and a second
// loop merges them with log-sum-exp, adding the sink logit exactly once.
void AttentionEmitter::emitDecode() {
  int64_t tilesPerSplit = std::max<int64_t>(1, opts.splitSize / opts.keyTile);
  Value tps = idx(tilesPerSplit);
  Value maxTiles = ceilDiv(numKeys, idx(opts.keyTile));
  int64_t maxWindow = op.getMaxWindow();
  auto queriesType = cast<MemRefType>(q.getType());
  if (!keyPositions && maxWindow >= 0) {
    // DESIGN §2.1's bound on the tiles one query range visits.
    int64_t tq = queriesType.getDimSize(2);
    int64_t reach = causal ? 0 : std::max<int64_t>(maxWindow - 1, 0);
    int64_t sinkBound = llvm::divideCeil(op.getNumSinks(), opts.keyTile);
    int64_t windowBound = llvm::divideCeil(
        std::max<int64_t>(maxWindow + reach + tq - 2, 0), opts.keyTile);
    maxTiles = minIdx(maxTiles, idx(sinkBound + windowBound + 1));
  }
  Value numSplits = maxIdx(ceilDiv(maxTiles, tps), idx(1));
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
  parallelLoop(
      ValueRange{numBatch, numTasks, numSplits}, {}, [&](ValueRange ivs) {
        TileBuffers buffers = tileBuffers();
        Value qt = buffers.qt, acc = buffers.acc, probs = buffers.probs,
              alphaBuf = buffers.alphaBuf, stats = buffers.stats;
        Value firstHead = mul(ivs[1], idx(groupHeads));
        TileContext ctx = makeContext(ivs[0], firstHead, idx(0), numQueries);
        ctx.rows = idx(decodeRows); // lanes in use; positions stay per query
        TileList list = tileList(ctx);
        Value tBegin = minIdx(mul(ivs[2], tps), list.count);
        Value tEnd = minIdx(add(tBegin, tps), list.count);
        emitLoadQueryRows(ctx);
        zeroFill(acc, opts.queryTile, valueDim);
        auto [m, l] =
            emitKeyTiles(ctx, list, tBegin, tEnd, qt, acc, probs, alphaBuf);
        vector::StoreOp::create(b, m, stats, ValueRange{idx(0), idx(0)});
        vector::StoreOp::create(b, l, stats, ValueRange{idx(1), idx(0)});
        for (int64_t lane = 0; lane < decodeRows; ++lane) {
          Value head = add(firstHead, idx(lane / decodeQueries));
          Value i = idx(lane % decodeQueries);
          for (int64_t s = 0; s < 2; ++s) {
            Value x =
                memref::LoadOp::create(b, stats, ValueRange{idx(s), idx(lane)});
            memref::StoreOp::create(
                b, x, partStats, ValueRange{ivs[0], head, ivs[2], idx(s), i});
          }
          for (int64_t c0 = 0; c0 < valueDim; c0 += kChunk) {
            auto type =
                VectorType::get({std::min(kChunk, valueDim - c0)}, f32Type);
            Value o = vector::LoadOp::create(b, type, acc,
                                             ValueRange{idx(lane), idx(c0)});
            vector::StoreOp::create(
                b, o, partO, ValueRange{ivs[0], head, ivs[2], i, idx(c0)});
          }
        }
      });

  parallelLoop(ValueRange{numBatch, numHeads}, {}, [&](ValueRange ivs) {
    Value acc = scratch({1, valueDim});
    Value sinkLogit = sinkLogitFor(ivs[1]);
    forLoop(idx(0), numQueries, {}, [&](Value i, ValueRange) {
      auto stat = [&](Value s, int64_t which) -> Value {
        return memref::LoadOp::create(
            b, partStats, ValueRange{ivs[0], ivs[1], s, idx(which), i});
      };
      // M = max(σ, max_s m_s).
      Value mAll =
          forLoop(idx(0), numSplits, ValueRange{sinkLogit},
                  [&](Value s, ValueRange st) {
                    return SmallVector<Value>{
                        arith::MaximumFOp::create(b, st[0], stat(s, 0))};
                  })
              .front();
      Value empty, base;
      std::tie(empty, base) = exponentBase(mAll);
      zeroFill(acc, 1, valueDim);
      Value denom =
          forLoop(idx(0), numSplits, ValueRange{f32(0)},
                  [&](Value s, ValueRange st) {
                    Value w = math::ExpOp::create(
                        b, arith::SubFOp::create(b, stat(s, 0), base));
                    for (int64_t c0 = 0; c0 < valueDim; c0 += kChunk) {
                      int64_t width = std::min(kChunk, valueDim - c0);
                      auto type = VectorType::get({width}, f32Type);
                      Value o = vector::LoadOp::create(
                          b, type, partO,
                          ValueRange{ivs[0], ivs[1], s, i, idx(c0)});
                      Value a = vector::LoadOp::create(
                          b, type, acc, ValueRange{idx(0), idx(c0)});
                      a = vector::FMAOp::create(b, splat(w, width), o, a);
                      vector::StoreOp::create(b, a, acc,
                                              ValueRange{idx(0), idx(c0)});
                    }
                    return SmallVector<Value>{arith::AddFOp::create(
                        b, st[0], arith::MulFOp::create(b, stat(s, 1), w))};
                  })
              .front();
      Value sinkTerm =
          math::ExpOp::create(b, arith::SubFOp::create(b, sinkLogit, base));
      denom = arith::AddFOp::create(b, denom, sinkTerm);
      Value factor = arith::DivFOp::create(b, f32(1), denom);
      factor = arith::SelectOp::create(b, empty, f32(0), factor);
      emitStoreRow(ivs[0], ivs[1], i, acc, idx(0), factor);
      return SmallVector<Value>{};
    });
  });
  memref::DeallocOp::create(b, partO);
  memref::DeallocOp::create(b, partStats);
}

LogicalResult AttentionEmitter::emit() {
  if (failed(read(op, "lowering")))
    return failure();
  auto qType = cast<MemRefType>(q.getType());
  int64_t staticQueries = qType.getDimSize(2);
  // (Nq = 0 has nothing to compute: the prefill loop has no iterations.)
  bool decode = !ShapedType::isDynamic(staticQueries) && staticQueries > 0 &&
                staticQueries <= opts.decodeMaxQueries &&
                staticQueries <= opts.queryTile;
  if (decode) {
    // Few query rows: score each key with dot products along D (rows of q
    // kept in registers) instead of one FMA per element of D for every
    // lane, and keep the softmax vectors at one register.
    decodeQueries = staticQueries;
    opts.queryTile = std::min<int64_t>(opts.queryTile, kChunk);
    // A GQA group shares one task when its heads × queries fit the lanes
    // and its heads share one window (per-head windows differ per lane).
    auto kType = cast<MemRefType>(k.getType());
    int64_t hq = qType.getDimSize(1), hkv = kType.getDimSize(1);
    auto perHead = dyn_cast_or_null<DenseI64ArrayAttr>(op.getWindowAttr());
    bool uniformWindow = !perHead || llvm::all_equal(perHead.asArrayRef());
    if (!ShapedType::isDynamic(hq) && !ShapedType::isDynamic(hkv) && hkv > 0 &&
        hq % hkv == 0 && uniformWindow &&
        (hq / hkv) * staticQueries <= opts.queryTile)
      groupHeads = hq / hkv;
    decodeRows = groupHeads * staticQueries;
  }
  laneF32 = VectorType::get({opts.queryTile}, b.getF32Type());
  laneI64 = VectorType::get({opts.queryTile}, b.getI64Type());

  numBatch = dim(q, 0);
  numHeads = dim(q, 1);
  numQueries = dim(q, 2);
  numKvHeads = dim(k, 1);
  numKeys = dim(k, 2);
  groupRatio = arith::DivUIOp::create(b, numHeads, numKvHeads);
  numSinks = minIdx(idx(static_cast<int64_t>(op.getNumSinks())), numKeys);

  if (decode)
    emitDecode();
  else
    emitPrefill();
  return success();
}

namespace {
struct LowerAttentionPass
    : bitsink::impl::BitSinkLowerAttentionBase<LowerAttentionPass> {
  using BitSinkLowerAttentionBase::BitSinkLowerAttentionBase;

  void runOnOperation() override {
    auto bad = [&](StringRef name, int64_t value, StringRef want) {
      reportBadOption(getOperation(), "bitsink-lower-attention", name, value,
                      want);
      signalPassFailure();
    };
    if (queryTile < 1 || queryTile > 64)
      return bad("query-tile", queryTile, "in [1, 64]");
    if (keyTile < 1 || keyTile > 64)
      return bad("key-tile", keyTile, "in [1, 64]");
    if (decodeMaxQueries < 0)
      return bad("decode-max-queries", decodeMaxQueries, "non-negative");
    if (splitSize < keyTile)
      return bad("split-size", splitSize, "at least key-tile");
    LoweringOptions options{queryTile, keyTile, decodeMaxQueries, splitSize};
    if (failed(lowerAllWith<SinkAttentionOp, AttentionEmitter>(getOperation(),
                                                               options)))
      signalPassFailure();
  }
};
} // namespace

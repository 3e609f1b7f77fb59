//===- AttentionEmitter.cpp - what prefill and decode share -----*- C++ -*-===//
//
// The choice of kernel, the per-task context and buffers, and the loop over
// key tiles that both kernels run: scores, the mask of boundary tiles, the
// online softmax, P·V (with the invisible-key guard) and the final store.
//
//===----------------------------------------------------------------------===//

#include "AttentionEmitter.h"

#include "mlir/Dialect/Math/IR/Math.h"

using namespace mlir;
using namespace bitsink;
using namespace bitsink::cpu;

AttentionEmitter::AttentionEmitter(ImplicitLocOpBuilder &b, SinkAttentionOp op,
                                   const BitSinkLowerAttentionOptions &options)
    : EmitBuilder(b), op(op), opts(options) {
  assert(opts.queryTile >= 1 && opts.queryTile <= 64 && opts.keyTile >= 1 &&
         opts.keyTile <= 64 && opts.splitSize >= opts.keyTile &&
         opts.decodeLanes >= 1 && opts.decodeLanes <= 64 &&
         "unchecked options");
  read(op);
  rope = op.getRopeAttr();
}

Value AttentionEmitter::exp(Value x) { return math::ExpOp::create(b, x); }

// e^x = 2^k · e^r with k = round(x / ln 2) and r = x − k·ln 2 (ln 2 in two
// parts, so that r is exact), |r| ≤ ln 2 / 2, e^r by its Taylor polynomial
// of degree 6 (truncation below 1.7e-7 relative), 2^k put into the
// exponent field. Only x ≤ 0 is handled: below -87.3 (under the smallest
// normal f32) the result is 0, so that masked keys (-inf) get exactly 0; NaN
// stays NaN. 17 vector ops against the ~22 and two clamps of math.exp's
// general approximation.
Value AttentionEmitter::expNonPositive(Value x) {
  auto type = cast<VectorType>(x.getType());
  auto intType = type.clone(b.getI32Type());
  auto c = [&](double v) { return constant(type, v); };
  constexpr double kLowest = -87.3;
  // max(kLowest, x), one maxps; NaN stays NaN.
  Value tooSmall = fcmp(arith::CmpFPredicate::OGT, c(kLowest), x);
  Value xc = select(tooSmall, c(kLowest), x);
  Value k = math::RoundEvenOp::create(b, fmul(xc, c(1.4426950408889634)));
  Value r = vectorFma(k, c(-0.693359375), xc);
  r = vectorFma(k, c(2.12194440054690583e-4), r);
  Value poly = c(1.0 / 720);
  for (double coef : {1.0 / 120, 1.0 / 24, 1.0 / 6, 0.5, 1.0, 1.0})
    poly = vectorFma(poly, r, c(coef));
  Value bits = arith::ShLIOp::create(
      b,
      arith::AddIOp::create(b, arith::FPToSIOp::create(b, intType, k),
                            constant(intType, 127)),
      constant(intType, 23));
  Value scale = arith::BitcastOp::create(b, type, bits);
  return select(tooSmall, c(0.0), fmul(poly, scale));
}

// The reduced angles' cos and sin as Taylor polynomials in vector FMAs
// (attention::ropeTaylorCosSin): no math.cos / math.sin, whose polynomials
// would repeat the range reduction.
std::pair<Value, Value> AttentionEmitter::ropeCosSinAt(Value position) {
  return attention::ropePairCosSin(*this, rope, position, [&](Value r) {
    return attention::ropeTaylorCosSin(
        *this, r,
        [&](Value x, Value y, Value z) { return vectorFma(x, y, z); });
  });
}

Value AttentionEmitter::rotateHead(Value head, Value position) {
  auto [cos, sin] = ropeCosSinAt(position);
  return attention::ropeRotateHeadBy(*this, rope, head, cos, sin);
}

Value AttentionEmitter::visitParts() {
  return minS(ceilDivS(numKeys, idx(opts.keyTile)), idx(kVisitParts));
}

void AttentionEmitter::forEachVisitedKey(Value batch, Value part,
                                         Value numParts,
                                         function_ref<void(Value)> body) {
  attention::RowBounds bounds =
      attention::rowBounds(*this, op, operands(), batch, idx(0), idx(0),
                           numQueries, numKeys, numQueries);
  bounds.window = idx(op.getMaxWindow());
  attention::TileList list =
      attention::tileList(*this, bounds, numSinks, opts.keyTile, causal,
                          static_cast<bool>(keyPositions));
  // Balanced over the tiles the list has, not over ceil(Nk / Tk): with a
  // cache half full, the parts past kv_len had nothing to do.
  Value first = divU(mul(part, list.count), numParts);
  Value last = divU(mul(add(part, idx(1)), list.count), numParts);
  forEach(first, last, idx(1), [&](Value t) {
    // Up to Nk, not L_b: the slots past L_b that a tile reads get defined
    // values too (their scores are masked).
    Value j0 = mul(attention::tileIndex(*this, list, t), idx(opts.keyTile));
    forEach(j0, minS(add(j0, idx(opts.keyTile)), numKeys), idx(1), body);
  });
}

AttentionEmitter::TileBuffers AttentionEmitter::tileBuffers() {
  if (!decodeRows)
    return {stackBuffer({headDim, opts.queryTile}),
            stackBuffer({valueDim, opts.queryTile}), Value(), Value(),
            stackBuffer({2, opts.queryTile})};
  return {Value(), stackBuffer({opts.queryTile, valueDim}),
          stackBuffer({opts.keyTile, opts.queryTile}),
          stackBuffer({opts.queryTile}), stackBuffer({2, opts.queryTile})};
}

void AttentionEmitter::zeroFill(Value buffer, int64_t rows, int64_t cols) {
  forEach(idx(0), idx(rows), idx(1), [&](Value r) {
    for (int64_t c0 = 0; c0 < cols; c0 += kChunk) {
      int64_t width = std::min(kChunk, cols - c0);
      Value zero = constant(VectorType::get({width}, b.getF32Type()), 0.0);
      vstore(zero, buffer, {r, idx(c0)});
    }
  });
}

TileContext AttentionEmitter::makeContext(Value batch, Value head,
                                          Value firstQuery, Value rows) {
  TileContext ctx;
  ctx.batch = batch;
  ctx.head = head;
  ctx.kvHead = divU(head, groupRatio);
  ctx.firstQuery = firstQuery;
  ctx.rows = rows;
  ctx.bounds = attention::rowBounds(*this, op, operands(), batch, head,
                                    firstQuery, rows, numKeys, numQueries);
  ctx.sinkLogit = attention::sinkLogitFor(*this, operands(), head);
  return ctx;
}

SmallVector<Value> AttentionEmitter::emitScores(const TileContext &ctx,
                                                Value j0, Value qt) {
  // Keys past Nk read the last key instead (their scores are masked).
  Value lastKey = sub(numKeys, idx(1));
  SmallVector<Value> keyRows;
  for (int64_t jj = 0; jj < opts.keyTile; ++jj)
    keyRows.push_back(minS(add(j0, idx(jj)), lastKey));
  if (decodeRows)
    return emitDecodeScores(ctx, keyRows);
  return emitPrefillScores(ctx, keyRows, qt);
}

// scores[jj] := visible(row, j0 + jj) ? scores[jj] : -inf, by the
// visibility rule of AttentionCommon.
SmallVector<Value> AttentionEmitter::emitMask(const TileContext &ctx, Value j0,
                                              ArrayRef<Value> scores) {
  Value minusInfs = constant(laneF32, -std::numeric_limits<double>::infinity());
  // Query index of each lane: the lane itself, or in a decode group the
  // lane modulo the queries per head.
  auto laneIndexType = VectorType::get({opts.queryTile}, b.getIndexType());
  Value lanes;
  if (decodeRows) {
    SmallVector<int64_t> queryOfLane;
    for (int64_t l = 0; l < opts.queryTile; ++l)
      queryOfLane.push_back(l % decodeQueries);
    lanes = arith::ConstantOp::create(
        b,
        DenseElementsAttr::get(laneIndexType, ArrayRef<int64_t>(queryOfLane)));
  } else {
    lanes = vector::StepOp::create(b, laneIndexType);
  }
  Value rowPos = indexCast(add(lanes, splat(ctx.bounds.posMin, opts.queryTile)),
                           b.getI64Type());
  SmallVector<Value> masked;
  for (auto [jj, score] : llvm::enumerate(scores)) {
    Value j = add(j0, idx(jj));
    attention::KeyFacts key =
        attention::keyFacts(*this, operands(), ctx.batch, j,
                            ctx.bounds.lenVisible, numKeys, b.getI64Type());
    Value ok = attention::keyVisible(*this, rowPos, key, ctx.bounds.window,
                                     numSinks, causal);
    masked.push_back(select(ok, score, minusInfs));
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
    Value row = minS(add(j0, idx(jj)), lastKey);
    for (int64_t c0 = 0, c = 0; c0 < valueDim; c0 += kChunk, ++c) {
      int64_t width = std::min(kChunk, valueDim - c0);
      Value vx = vload(VectorType::get({width}, elemType), v,
                       {ctx.batch, ctx.kvHead, row, idx(c0)});
      Value bad = attention::isNonFinite(*this, vx);
      if (jj == 0)
        anyNonFinite.push_back(bad);
      else
        anyNonFinite[c] = orI(anyNonFinite[c], bad);
    }
  }
  Value result = boolean(false);
  for (Value lanes : anyNonFinite)
    result =
        orI(result,
            vector::ReductionOp::create(b, vector::CombiningKind::OR, lanes));
  return result;
}

// acc[i] = acc[i] · alpha[i] + Σ_jj probs[jj][i] · v[j0 + jj] for the rows
// of the range; Dv in chunks of up to kChunk lanes. With `skipInvisible`
// (boundary tiles whose value rows hold a NaN or Inf) a term whose
// probability is exactly 0 is dropped by a select instead of added: such a
// key is invisible to the row (its score was masked to -inf), or its weight
// underflowed, and either way it contributes nothing, even when its value
// row holds NaN or Inf (docs/attention-lowering.md), where fma(0, v, o)
// would give NaN. Tile slots past Nk re-read the last key and are invisible
// too. Every other tile keeps the select-free loop.
void AttentionEmitter::emitPV(const TileContext &ctx, Value j0, Value acc,
                              Value probs, Value alphaBuf, bool skipInvisible) {
  Value lastKey = sub(numKeys, idx(1));
  SmallVector<Value> valueRows;
  for (int64_t jj = 0; jj < opts.keyTile; ++jj)
    valueRows.push_back(minS(add(j0, idx(jj)), lastKey));
  forEach(idx(0), ctx.rows, idx(1), [&](Value i) {
    Value alpha = load(alphaBuf, {i});
    SmallVector<Value> ps;
    for (int64_t jj = 0; jj < opts.keyTile; ++jj)
      ps.push_back(load(probs, {idx(jj), i}));
    SmallVector<Value> invisible;
    if (skipInvisible)
      for (Value p : ps)
        invisible.push_back(fcmp(arith::CmpFPredicate::OEQ, p, f32(0)));
    for (int64_t c0 = 0; c0 < valueDim; c0 += kChunk) {
      int64_t width = std::min(kChunk, valueDim - c0);
      auto chunkF32 = VectorType::get({width}, b.getF32Type());
      auto chunkT = VectorType::get({width}, elemType);
      Value o = vload(chunkF32, acc, {i, idx(c0)});
      o = fmul(o, splat(alpha, width));
      for (int64_t jj = 0; jj < opts.keyTile; ++jj) {
        Value vx =
            vload(chunkT, v, {ctx.batch, ctx.kvHead, valueRows[jj], idx(c0)});
        Value term = vectorFma(splat(ps[jj], width), toF32(vx), o);
        o = skipInvisible ? select(invisible[jj], o, term) : term;
      }
      vstore(o, acc, {i, idx(c0)});
    }
  });
}

// acc[d] (lanes = query rows) = acc[d] · alpha + Σ_jj probs[jj] · v[j0 +
// jj, d]: the prefill form of P·V, with the probabilities still in
// registers and the accumulator transposed (Dv × Tq), so that each value
// element is one broadcast feeding one FMA for all rows of the tile. The
// rescale is a loop of its own, run only when some lane's running max moved
// (`maxMoved`, lane-wise): alpha = e^0 is exactly 1 in every lane otherwise
// (or the lane has seen nothing and its accumulator is 0; a NaN max counts
// as moved). Deciding on the max rather than on alpha settles the branch
// before the exponentials. `guard` selects the invisible-key form of emitPV
// (a zero probability drops its term).
void AttentionEmitter::emitPrefillPV(const TileContext &ctx, Value j0,
                                     Value acc, ArrayRef<Value> probs,
                                     Value alpha, Value maxMoved, Value guard) {
  Value lastKey = sub(numKeys, idx(1));
  SmallVector<Value> valueRows;
  for (int64_t jj = 0; jj < opts.keyTile; ++jj)
    valueRows.push_back(minS(add(j0, idx(jj)), lastKey));
  Value moved =
      vector::ReductionOp::create(b, vector::CombiningKind::OR, maxMoved);
  ifThen(moved, [&] {
    forEach(idx(0), idx(valueDim), idx(1), [&](Value d) {
      vstore(fmul(vload(laneF32, acc, {d, idx(0)}), alpha), acc, {d, idx(0)});
    });
  });
  auto accumulate = [&](bool skipInvisible) {
    SmallVector<Value> invisible;
    if (skipInvisible)
      for (Value p : probs)
        invisible.push_back(
            fcmp(arith::CmpFPredicate::OEQ, p, constant(laneF32, 0.0)));
    forEach(idx(0), idx(valueDim), idx(1), [&](Value d) {
      Value o = vload(laneF32, acc, {d, idx(0)});
      for (int64_t jj = 0; jj < opts.keyTile; ++jj) {
        Value vx = toF32(load(v, {ctx.batch, ctx.kvHead, valueRows[jj], d}));
        Value term = vectorFma(probs[jj], splat(vx, opts.queryTile), o);
        o = skipInvisible ? select(invisible[jj], o, term) : term;
      }
      vstore(o, acc, {d, idx(0)});
    });
  };
  ifThenElse(
      guard, [&] { accumulate(/*skipInvisible=*/true); },
      [&] { accumulate(/*skipInvisible=*/false); });
}

std::pair<Value, Value> AttentionEmitter::emitKeyTiles(
    const TileContext &ctx, const attention::TileList &list, Value tBegin,
    Value tEnd, Value qt, Value acc, Value probs, Value alphaBuf) {
  Value mInit = constant(laneF32, -std::numeric_limits<double>::infinity());
  Value lInit = constant(laneF32, 0.0);
  SmallVector<Value> state = forLoop(
      tBegin, tEnd, ValueRange{mInit, lInit}, [&](Value t, ValueRange state) {
        Value j0 = mul(attention::tileIndex(*this, list, t), idx(opts.keyTile));
        SmallVector<Value> scores = emitScores(ctx, j0, qt);
        Value needMask = attention::tileNeedsMask(*this, operands(), ctx.bounds,
                                                  numSinks, j0, opts.keyTile);
        SmallVector<Type> types(scores.size(), laneF32);
        scores = ifElse(
            needMask, types, [&] { return emitMask(ctx, j0, scores); },
            [&] { return scores; });
        // Online softmax: m_new = max(m, max_j s_j); a = e^{m - m_new};
        // p_j = e^{s_j - m_new}; l = a·l + Σ p_j. A row that has seen
        // nothing keeps m = -inf and uses 0 as its exponent base. The max
        // need not propagate NaN: a NaN score makes its p_j, and so l and
        // the row's output, NaN anyway.
        // A balanced tree: the max is on the way to every exponential.
        SmallVector<Value> level(scores.begin(), scores.end());
        while (level.size() > 1) {
          SmallVector<Value> next;
          for (size_t i = 0; i + 1 < level.size(); i += 2)
            next.push_back(fmaxOrdered(level[i], level[i + 1]));
          if (level.size() % 2)
            next.push_back(level.back());
          level = std::move(next);
        }
        Value mNew = fmaxOrdered(state[0], level.front());
        Value base = attention::exponentBase(*this, mNew).second;
        Value alpha = expNonPositive(fsub(state[0], base));
        Value sum = constant(laneF32, 0.0);
        SmallVector<Value> ps;
        for (Value s : scores) {
          ps.push_back(expNonPositive(fsub(s, base)));
          sum = fadd(sum, ps.back());
        }
        Value lNew = vectorFma(alpha, state[1], sum);
        // The guarded P·V only on boundary tiles whose value rows hold a
        // non-finite element; every other tile keeps the plain FMA chain.
        Value guard = ifElse(
            needMask, TypeRange{b.getI1Type()},
            [&] { return SmallVector<Value>{emitValuesNonFinite(ctx, j0)}; },
            [&] { return SmallVector<Value>{boolean(false)}; })[0];
        if (!decodeRows) {
          emitPrefillPV(ctx, j0, acc, ps, alpha,
                        fcmp(arith::CmpFPredicate::UNE, mNew, state[0]), guard);
          return SmallVector<Value>{mNew, lNew};
        }
        for (auto [jj, p] : llvm::enumerate(ps))
          vstore(p, probs, {idx(jj), idx(0)});
        vstore(alpha, alphaBuf, {idx(0)});
        ifThenElse(
            guard,
            [&] {
              emitPV(ctx, j0, acc, probs, alphaBuf, /*skipInvisible=*/true);
            },
            [&] {
              emitPV(ctx, j0, acc, probs, alphaBuf, /*skipInvisible=*/false);
            });
        return SmallVector<Value>{mNew, lNew};
      });
  return {state[0], state[1]};
}

void AttentionEmitter::emitStoreRow(
    Value batch, Value head, Value query, Value factor,
    function_ref<Value(int64_t c0, int64_t width)> chunk) {
  for (int64_t c0 = 0; c0 < valueDim; c0 += kChunk) {
    int64_t width = std::min(kChunk, valueDim - c0);
    Value o = fmul(chunk(c0, width), splat(factor, width));
    vstore(fromF32(o, elemType), out, {batch, head, query, idx(c0)});
  }
}

void AttentionEmitter::emit() {
  auto qType = cast<MemRefType>(q.getType());
  int64_t staticQueries = qType.getDimSize(2);
  // (Nq = 0 has nothing to compute: the prefill loop has no iterations.)
  bool decode = !ShapedType::isDynamic(staticQueries) && staticQueries > 0 &&
                staticQueries <= opts.decodeMaxQueries &&
                staticQueries <= std::min(opts.queryTile, opts.decodeLanes);
  if (decode) {
    // Few query rows: score each key with dot products along D (rows of q
    // kept in registers) instead of one FMA per element of D for every
    // lane, and keep the softmax vectors at one register.
    decodeQueries = staticQueries;
    opts.queryTile = std::min(opts.queryTile, opts.decodeLanes);
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

  static_cast<attention::AttentionSizes &>(*this) =
      attention::sizes(*this, operands(), op);

  if (decode)
    emitDecode();
  else
    emitPrefill();
}

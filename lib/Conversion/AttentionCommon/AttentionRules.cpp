//===- AttentionRules.cpp - attention math of CPU and GPU -------*- C++ -*-===//

#include "AttentionRules.h"

#include <cmath>
#include <string>

using namespace mlir;
using namespace bitsink;
using namespace bitsink::attention;

void AttentionOperands::read(SinkAttentionOp op) {
  q = op.getQuery();
  k = op.getKey();
  v = op.getValue();
  out = op.getInit();
  sinkLogits = op.getSinkLogits();
  kvLen = op.getKvLen();
  keyMask = op.getKeyMask();
  keyPositions = op.getKeyPositions();
  auto qType = cast<ShapedType>(q.getType());
  elemType = qType.getElementType();
  headDim = qType.getDimSize(3);
  valueDim = cast<ShapedType>(v.getType()).getDimSize(3);
  causal = op.getCausal();
  double defaultScale =
      ShapedType::isDynamic(headDim) ? 1.0 : 1.0 / std::sqrt(double(headDim));
  scale = static_cast<float>(op.getEffectiveScale().value_or(defaultScale));
}

AttentionSizes attention::sizes(EmitBuilder &eb,
                                const AttentionOperands &operands,
                                SinkAttentionOp op) {
  AttentionSizes s;
  s.numBatch = eb.dim(operands.q, 0);
  s.numHeads = eb.dim(operands.q, 1);
  s.numQueries = eb.dim(operands.q, 2);
  s.numKvHeads = eb.dim(operands.k, 1);
  s.numKeys = eb.dim(operands.k, 2);
  s.groupRatio = eb.divU(s.numHeads, s.numKvHeads);
  s.numSinks =
      eb.minS(eb.idx(static_cast<int64_t>(op.getNumSinks())), s.numKeys);
  return s;
}

LogicalResult AttentionOperands::checkStaticHeadDims(SinkAttentionOp op,
                                                     StringRef lowering) {
  int64_t d = cast<ShapedType>(op.getQuery().getType()).getDimSize(3);
  int64_t dv = cast<ShapedType>(op.getValue().getType()).getDimSize(3);
  auto text = [](int64_t n) {
    return ShapedType::isDynamic(n) ? std::string("?") : std::to_string(n);
  };
  if (ShapedType::isDynamic(d) || ShapedType::isDynamic(dv))
    return op.emitOpError()
           << lowering
           << " needs static head dimensions D and Dv, got D = " << text(d)
           << ", Dv = " << text(dv);
  return success();
}

Value attention::windowForHead(EmitBuilder &eb, SinkAttentionOp op,
                               Value head) {
  Attribute attr = op.getWindowAttr();
  if (!attr)
    return eb.idx(-1);
  if (auto scalar = dyn_cast<IntegerAttr>(attr))
    return eb.idx(scalar.getInt());
  // One entry per query head: a select chain over the entries that differ
  // from the last (a handful of heads; no memory table, which the GPU would
  // place in local memory).
  ArrayRef<int64_t> windows = cast<DenseI64ArrayAttr>(attr).asArrayRef();
  Value w = eb.idx(windows.back());
  for (int64_t h = static_cast<int64_t>(windows.size()) - 2; h >= 0; --h)
    if (windows[h] != windows.back())
      w = eb.select(eb.eq(head, eb.idx(h)), eb.idx(windows[h]), w);
  return w;
}

RowBounds attention::rowBounds(EmitBuilder &eb, SinkAttentionOp op,
                               const AttentionOperands &operands, Value batch,
                               Value head, Value firstQuery, Value rows,
                               Value numKeys, Value numQueries) {
  RowBounds bounds;
  Value lenRaw = numKeys;
  if (operands.kvLen)
    lenRaw = eb.toIndex(eb.load(operands.kvLen, ValueRange{batch}));
  bounds.lenVisible = eb.minS(eb.maxS(lenRaw, eb.idx(0)), numKeys);
  bounds.offset = eb.sub(lenRaw, numQueries);
  bounds.posMin = eb.add(firstQuery, bounds.offset);
  bounds.posMax = eb.sub(eb.add(bounds.posMin, rows), eb.idx(1));
  bounds.window = windowForHead(eb, op, head);
  return bounds;
}

Value attention::sinkLogitFor(EmitBuilder &eb,
                              const AttentionOperands &operands, Value head) {
  if (!operands.sinkLogits)
    return eb.minusInf();
  return eb.toF32(eb.load(operands.sinkLogits, ValueRange{head}));
}

KeyFacts attention::keyFacts(EmitBuilder &eb, const AttentionOperands &operands,
                             Value batch, Value key, Value lenVisible,
                             Value numKeys, Type posType) {
  Value clamped = eb.minS(key, eb.sub(numKeys, eb.idx(1)));
  KeyFacts facts;
  facts.ok = eb.slt(key, lenVisible);
  if (operands.keyPositions) {
    facts.pos = eb.indexCast(
        eb.load(operands.keyPositions, ValueRange{batch, clamped}), posType);
    facts.ok = eb.andI(facts.ok, eb.sge(facts.pos, eb.constant(posType, 0)));
  } else {
    facts.pos = eb.indexCast(key, posType);
  }
  if (operands.keyMask)
    facts.ok = eb.andI(facts.ok,
                       eb.load(operands.keyMask, ValueRange{batch, clamped}));
  return facts;
}

Value attention::keyVisible(EmitBuilder &eb, Value rowPos, KeyFacts key,
                            Value window, Value numSinks, bool causal) {
  auto vecType = dyn_cast<VectorType>(rowPos.getType());
  Type posType = getElementTypeOrSelf(rowPos.getType());
  // A scalar as a value of rowPos's shape.
  auto like = [&](Value scalar) {
    return vecType ? eb.splat(scalar, vecType.getNumElements()) : scalar;
  };
  Value diff = eb.sub(rowPos, like(key.pos));
  // Causal: p - W < pos_j (and pos_j <= p below); otherwise |p - pos_j| < W.
  Value dist = causal
                   ? diff
                   : eb.maxS(diff, eb.sub(like(eb.constant(posType, 0)), diff));
  Value inWindow = eb.orI(eb.slt(dist, like(eb.indexCast(window, posType))),
                          like(eb.slt(window, eb.idx(0))));
  Value isSink = eb.slt(key.pos, eb.indexCast(numSinks, posType));
  Value allowed = eb.orI(inWindow, like(isSink));
  if (causal)
    allowed = eb.andI(allowed, eb.sge(diff, like(eb.constant(posType, 0))));
  return eb.andI(allowed, like(key.ok));
}

TileList attention::tileList(EmitBuilder &eb, const RowBounds &bounds,
                             Value numSinks, int64_t keyTile, bool causal,
                             bool hasKeyPositions) {
  Value tk = eb.idx(keyTile);
  Value zero = eb.idx(0);
  if (hasKeyPositions)
    return {zero, zero, eb.ceilDivS(bounds.lenVisible, tk)};
  // Exclusive end of the candidate keys.
  Value hi = bounds.lenVisible;
  if (causal)
    hi = eb.maxS(eb.minS(eb.add(bounds.posMax, eb.idx(1)), bounds.lenVisible),
                 zero);
  Value unbounded = eb.slt(bounds.window, zero);
  // Bounded window: sinks [0, min(S, hi)), window [wlo, whi).
  Value sinkTiles = eb.ceilDivS(eb.minS(numSinks, hi), tk);
  Value wlo =
      eb.maxS(eb.add(eb.sub(bounds.posMin, bounds.window), eb.idx(1)), zero);
  Value whi = hi;
  if (!causal)
    whi = eb.minS(eb.add(bounds.posMax, bounds.window), bounds.lenVisible);
  whi = eb.select(eb.eq(bounds.window, zero), wlo, whi);
  whi = eb.maxS(whi, wlo);
  Value windowBegin = eb.maxS(eb.divS(wlo, tk), sinkTiles);
  Value windowEnd = eb.maxS(eb.ceilDivS(whi, tk), windowBegin);
  Value count = eb.add(sinkTiles, eb.sub(windowEnd, windowBegin));
  // Unbounded: one range [0, hi).
  return {eb.select(unbounded, zero, sinkTiles),
          eb.select(unbounded, zero, windowBegin),
          eb.select(unbounded, eb.ceilDivS(hi, tk), count)};
}

Value attention::tileIndex(EmitBuilder &eb, const TileList &list, Value t) {
  Value windowTile = eb.add(list.windowBegin, eb.sub(t, list.sinkTiles));
  return eb.select(eb.slt(t, list.sinkTiles), t, windowTile);
}

Value attention::tileNeedsMask(EmitBuilder &eb,
                               const AttentionOperands &operands,
                               const RowBounds &bounds, Value numSinks,
                               Value j0, int64_t keyTile) {
  if (operands.keyMask || operands.keyPositions)
    return eb.boolean(true);
  bool causal = operands.causal;
  Value jEnd = eb.add(j0, eb.idx(keyTile)); // exclusive
  Value jLast = eb.sub(jEnd, eb.idx(1));
  Value full = eb.sle(jEnd, bounds.lenVisible);
  if (causal)
    full = eb.andI(full, eb.sle(jLast, bounds.posMin));
  Value unbounded = eb.slt(bounds.window, eb.idx(0));
  Value allSinks = eb.sle(jEnd, numSinks);
  // Every key within the window of every row.
  Value windowLo = eb.add(eb.sub(bounds.posMax, bounds.window), eb.idx(1));
  Value inWindow = eb.sge(j0, windowLo);
  if (!causal) {
    Value windowHi = eb.sub(eb.add(bounds.posMin, bounds.window), eb.idx(1));
    inWindow = eb.andI(inWindow, eb.sle(jLast, windowHi));
  }
  inWindow = eb.andI(inWindow, eb.sgt(bounds.window, eb.idx(0)));
  full = eb.andI(full, eb.orI(unbounded, eb.orI(allSinks, inWindow)));
  return eb.notI(full);
}

std::pair<Value, Value> attention::exponentBase(EmitBuilder &eb, Value m) {
  Value minusInf =
      eb.constant(m.getType(), -std::numeric_limits<double>::infinity());
  Value empty = eb.fcmp(arith::CmpFPredicate::OEQ, m, minusInf);
  return {empty, eb.select(empty, eb.constant(m.getType(), 0), m)};
}

Value attention::finalFactor(EmitBuilder &eb, Value m, Value l, Value sinkLogit,
                             ExpFn exp) {
  auto [empty, base] = exponentBase(eb, eb.fmax(m, sinkLogit));
  Value corr = exp(eb.fsub(m, base));
  Value denom = eb.fadd(eb.fmul(l, corr), sinkTerm(eb, sinkLogit, base, exp));
  return eb.select(empty, eb.constant(m.getType(), 0), eb.fdiv(corr, denom));
}

Value attention::sinkTerm(EmitBuilder &eb, Value sinkLogit, Value base,
                          ExpFn exp) {
  return exp(eb.fsub(sinkLogit, base));
}

Value attention::isNonFinite(EmitBuilder &eb, Value x) {
  auto floatType = cast<FloatType>(getElementTypeOrSelf(x.getType()));
  Type intType = eb.b.getIntegerType(floatType.getWidth());
  if (auto vecType = dyn_cast<VectorType>(x.getType()))
    intType = vecType.clone(intType);
  APInt exponent =
      APFloat::getInf(floatType.getFloatSemantics()).bitcastToAPInt();
  Value mask;
  if (auto shaped = dyn_cast<ShapedType>(intType))
    mask = arith::ConstantOp::create(eb.b,
                                     DenseElementsAttr::get(shaped, exponent));
  else
    mask =
        arith::ConstantOp::create(eb.b, eb.b.getIntegerAttr(intType, exponent));
  Value bits = eb.b.createOrFold<arith::BitcastOp>(intType, x);
  return eb.eq(eb.andI(bits, mask), mask);
}

Value attention::ropeAngle(EmitBuilder &eb, RopeAttr rope, Value position,
                           int64_t pair) {
  return eb.fmul(position,
                 eb.constant(position.getType(),
                             static_cast<float>(rope.inverseFrequency(pair))));
}

std::pair<Value, Value> attention::ropeRotate(EmitBuilder &eb, Value a, Value b,
                                              Value cos, Value sin) {
  return {eb.fsub(eb.fmul(a, cos), eb.fmul(b, sin)),
          eb.fadd(eb.fmul(a, sin), eb.fmul(b, cos))};
}

Value attention::ropeFrequencies(EmitBuilder &eb, RopeAttr rope,
                                 int64_t firstPair, int64_t count) {
  SmallVector<float> frequencies;
  for (int64_t m = firstPair; m < firstPair + count; ++m)
    frequencies.push_back(static_cast<float>(rope.inverseFrequency(m)));
  auto type = VectorType::get({count}, eb.b.getF32Type());
  return arith::ConstantOp::create(
      eb.b, DenseElementsAttr::get(type, ArrayRef<float>(frequencies)));
}

std::pair<Value, Value> attention::ropeCosSin(EmitBuilder &eb, Value angle,
                                              CosSinFn cosSin) {
  Type type = angle.getType();
  Type intType = eb.b.getI32Type();
  if (auto vecType = dyn_cast<VectorType>(type))
    intType = vecType.clone(intType);
  // k = round(angle·2/π) to nearest even by adding and subtracting 1.5·2^23
  // (exact while |angle·2/π| < 2^22; float ops are not reassociated).
  Value t = eb.fmul(angle, eb.constant(type, 0.63661977236758134308));
  Value magic = eb.constant(type, 12582912.0);
  Value kf = eb.fsub(eb.fadd(t, magic), magic);
  Value k = arith::FPToSIOp::create(eb.b, intType, kf);
  // r = angle − k·(c1 + c2 + c3), c1 and c2 short enough that k·c1 and
  // k·c2 are exact (8 and 11 significant bits).
  Value minusK = arith::NegFOp::create(eb.b, kf);
  Value r = eb.mulAdd(minusK, eb.constant(type, 1.5703125), angle);
  r = eb.mulAdd(minusK, eb.constant(type, 4.837512969970703125e-4), r);
  r = eb.mulAdd(minusK, eb.constant(type, 7.54978995489188216e-8), r);
  auto [cosR, sinR] = cosSin(r);
  // angle = r + k·π/2: odd k swaps cos and sin; cos is negated in quadrants
  // 1 and 2, sin in quadrants 2 and 3 (k mod 4, two's complement).
  Value quadrant = eb.andI(k, eb.constant(intType, 3));
  Value zero = eb.constant(intType, 0);
  Value swap = eb.ne(eb.andI(quadrant, eb.constant(intType, 1)), zero);
  Value negCos = eb.ne(eb.andI(eb.add(quadrant, eb.constant(intType, 1)),
                               eb.constant(intType, 2)),
                       zero);
  Value negSin = eb.ne(eb.andI(quadrant, eb.constant(intType, 2)), zero);
  Value cos = eb.select(swap, sinR, cosR);
  Value sin = eb.select(swap, cosR, sinR);
  cos = eb.select(negCos, arith::NegFOp::create(eb.b, cos), cos);
  sin = eb.select(negSin, arith::NegFOp::create(eb.b, sin), sin);
  return {cos, sin};
}

std::pair<Value, Value> attention::ropePairCosSin(EmitBuilder &eb,
                                                  RopeAttr rope, Value position,
                                                  CosSinFn cosSin) {
  int64_t pairs = rope.getDims() / 2;
  Value angles =
      eb.fmul(eb.splat(position, pairs), ropeFrequencies(eb, rope, 0, pairs));
  return ropeCosSin(eb, angles, cosSin);
}

Value attention::ropeRotateHeadBy(EmitBuilder &eb, RopeAttr rope, Value head,
                                  Value cos, Value sin) {
  int64_t dims = rope.getDims();
  int64_t lanes = cast<VectorType>(head.getType()).getNumElements();
  assert(dims % 2 == 0 && dims <= lanes && "rope dims outside the head");
  int64_t pairs = dims / 2;
  SmallVector<int64_t> firstOf, secondOf;
  for (int64_t m = 0; m < pairs; ++m) {
    auto [first, second] = rope.pairDims(m);
    firstOf.push_back(first);
    secondOf.push_back(second);
  }
  Value a = vector::ShuffleOp::create(eb.b, head, head, firstOf);
  Value b = vector::ShuffleOp::create(eb.b, head, head, secondOf);
  auto [ra, rb] = ropeRotate(eb, a, b, cos, sin);
  // [ra | rb] (dims lanes) then head: lane d takes ra[m] or rb[m] when it is
  // the first or second dimension of pair m, else head[d].
  // With dims = N one shuffle of ra and rb is the result.
  SmallVector<int64_t> mask;
  for (int64_t d = 0; d < lanes; ++d)
    mask.push_back(dims + d);
  for (int64_t m = 0; m < pairs; ++m) {
    mask[firstOf[m]] = m;
    mask[secondOf[m]] = pairs + m;
  }
  if (dims == lanes)
    return vector::ShuffleOp::create(eb.b, ra, rb, mask);
  SmallVector<int64_t> both;
  for (int64_t l = 0; l < dims; ++l)
    both.push_back(l);
  Value rotated = vector::ShuffleOp::create(eb.b, ra, rb, both);
  return vector::ShuffleOp::create(eb.b, rotated, head, mask);
}

Value attention::ropeRotateHead(EmitBuilder &eb, RopeAttr rope, Value head,
                                Value position, CosSinFn cosSin) {
  auto [cos, sin] = ropePairCosSin(eb, rope, position, cosSin);
  return ropeRotateHeadBy(eb, rope, head, cos, sin);
}

Value attention::ropeKeyPosition(EmitBuilder &eb,
                                 const AttentionOperands &operands, Value batch,
                                 Value key) {
  if (!operands.keyPositions)
    return eb.intToF32(key);
  return eb.intToF32(eb.load(operands.keyPositions, ValueRange{batch, key}));
}

std::pair<Value, Value> attention::ropeTaylorCosSin(EmitBuilder &eb, Value r,
                                                    FmaFn fma) {
  Type type = r.getType();
  Value r2 = eb.fmul(r, r);
  // Σ coefficients[n] · r2^(N−n), highest power first.
  auto horner = [&](ArrayRef<double> coefficients) {
    Value p = eb.constant(type, coefficients.front());
    for (double c : coefficients.drop_front())
      p = fma(p, r2, eb.constant(type, c));
    return p;
  };
  Value cos = horner(
      {-1.0 / 3628800, 1.0 / 40320, -1.0 / 720, 1.0 / 24, -1.0 / 2, 1.0});
  Value sin =
      eb.fmul(r, horner({1.0 / 362880, -1.0 / 5040, 1.0 / 120, -1.0 / 6, 1.0}));
  return {cos, sin};
}

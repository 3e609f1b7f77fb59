//===- Common.cpp - what the GPU attention kernels share --------*- C++ -*-===//
//
// The emitter's driver (host-side sizes, then the planned kernels) and the
// device-side pieces every kernel uses: the positions of a CTA's query rows,
// its key-tile list, the per-element visibility rule and the online
// softmax's exponent base and final factor. The rules are those of the CPU
// lowering (lib/Conversion/CPU/Attention), evaluated per CTA on the device.
//
//===----------------------------------------------------------------------===//

#include "GPUAttentionEmitter.h"

using namespace mlir;
using namespace bitsink;
using namespace bitsink::gpu_attention;

GPUAttentionEmitter::GPUAttentionEmitter(ImplicitLocOpBuilder &b,
                                         SinkAttentionOp op,
                                         const GPUAttentionPlan &plan)
    : GPUEmitBuilder(b), op(op), plan(plan) {
  read(op);
}

void GPUAttentionEmitter::emit() {
  if (plan.kernel == GPUAttentionPlan::Kernel::None)
    return;
  numBatch = dim(q, 0);
  numHeads = dim(q, 1);
  numQueries = dim(q, 2);
  numKvHeads = dim(k, 1);
  numKeys = dim(k, 2);
  groupRatio = divU(numHeads, numKvHeads);
  numSinks = minS(idx(static_cast<int64_t>(op.getNumSinks())), numKeys);
  switch (plan.kernel) {
  case GPUAttentionPlan::Kernel::None:
    return;
  case GPUAttentionPlan::Kernel::Decode:
    return emitDecode();
  case GPUAttentionPlan::Kernel::TensorCore:
    return emitTensorCoreKernel();
  case GPUAttentionPlan::Kernel::Simt: {
    SimtLaunch launch;
    launch.tiles = plan.simt;
    return emitSimtKernel(launch);
  }
  }
  llvm_unreachable("unknown kernel");
}

//===----------------------------------------------------------------------===//
// Device-side pieces shared by the kernels
//===----------------------------------------------------------------------===//

// One window per query head: a select chain over the distinct entries (a
// handful of heads; no local-memory table on the device).
Value GPUAttentionEmitter::windowForHead(Value head) {
  auto attr = op.getWindowAttr();
  if (!attr)
    return idx(-1);
  if (auto scalar = dyn_cast<IntegerAttr>(attr))
    return idx(scalar.getInt());
  ArrayRef<int64_t> windows = cast<DenseI64ArrayAttr>(attr).asArrayRef();
  Value w = idx(windows.back());
  for (int64_t h = static_cast<int64_t>(windows.size()) - 2; h >= 0; --h)
    if (windows[h] != windows.back())
      w = select(eq(head, idx(h)), idx(windows[h]), w);
  return w;
}

Value GPUAttentionEmitter::sinkLogitFor(Value head) {
  if (!sinkLogits)
    return minusInf();
  return toF32(load(sinkLogits, ValueRange{head}));
}

// A running max that is still -inf means nothing was seen: exponents then use
// 0 as their base, so e^{x - base} is 0, not NaN.
std::pair<Value, Value> GPUAttentionEmitter::exponentBase(Value m) {
  Value empty = fcmp(arith::CmpFPredicate::OEQ, m, minusInf());
  return {empty, select(empty, f32(0), m)};
}

// e^{m - M} / (l·e^{m - M} + e^{σ - M}) with M = max(m, σ): the sink logit
// joins the denominator once; 0 when M = -inf (nothing visible).
Value GPUAttentionEmitter::finalFactor(Value m, Value l, Value sinkLogit) {
  auto [empty, base] = exponentBase(fmax(m, sinkLogit));
  Value corr = exp(fsub(m, base));
  Value denom = fadd(fmul(l, corr), exp(fsub(sinkLogit, base)));
  return select(empty, f32(0), fdiv(corr, denom));
}

RowContext GPUAttentionEmitter::makeContext(Value batch, Value head,
                                            Value kvHead, Value firstQuery,
                                            Value rows) {
  RowContext ctx;
  ctx.batch = batch;
  ctx.head = head;
  ctx.kvHead = kvHead;
  Value lenRaw = numKeys;
  if (kvLen)
    lenRaw = toIndex(load(kvLen, ValueRange{batch}));
  ctx.lenVisible = minS(maxS(lenRaw, idx(0)), numKeys);
  ctx.offset = sub(lenRaw, numQueries);
  ctx.posMin = add(firstQuery, ctx.offset);
  ctx.posMax = sub(add(ctx.posMin, rows), idx(1));
  ctx.window = windowForHead(head);
  return ctx;
}

// Without key_positions a key's position is its index, so the sink range and
// the window range are exact index ranges (as on the CPU); with
// key_positions (a ring cache) every tile below the visible length is
// visited and masked.
TileList GPUAttentionEmitter::tileList(const RowContext &ctx, int64_t keyTile) {
  Value tk = idx(keyTile);
  Value zero = idx(0);
  if (keyPositions)
    return {zero, zero, ceilDivS(ctx.lenVisible, tk)};
  // Exclusive end of the candidate keys.
  Value hi = ctx.lenVisible;
  if (causal)
    hi = maxS(minS(add(ctx.posMax, idx(1)), ctx.lenVisible), zero);
  Value unbounded = slt(ctx.window, zero);
  // Bounded window: sinks [0, min(S, hi)), window [wlo, whi).
  Value sinkTiles = ceilDivS(minS(numSinks, hi), tk);
  Value wlo = maxS(add(sub(ctx.posMin, ctx.window), idx(1)), zero);
  Value whi = hi;
  if (!causal)
    whi = minS(add(ctx.posMax, ctx.window), ctx.lenVisible);
  whi = select(eq(ctx.window, zero), wlo, whi);
  whi = maxS(whi, wlo);
  Value windowBegin = maxS(divS(wlo, tk), sinkTiles);
  Value windowEnd = maxS(ceilDivS(whi, tk), windowBegin);
  Value count = add(sinkTiles, sub(windowEnd, windowBegin));
  // Unbounded: one range [0, hi).
  return {select(unbounded, zero, sinkTiles),
          select(unbounded, zero, windowBegin),
          select(unbounded, ceilDivS(hi, tk), count)};
}

Value GPUAttentionEmitter::tileIndex(const TileList &list, Value t) {
  Value windowTile = add(list.windowBegin, sub(t, list.sinkTiles));
  return select(slt(t, list.sinkTiles), t, windowTile);
}

// True when some (row, key) pair of the tile [j0, j0 + keyTile) may be
// invisible, so the tile needs the per-element mask; interior tiles of the
// sink or window range skip it. Uniform over the CTA.
Value GPUAttentionEmitter::needsMask(const RowContext &ctx, Value j0,
                                     int64_t keyTile) {
  if (keyMask || keyPositions)
    return boolean(true);
  Value jEnd = add(j0, idx(keyTile)); // exclusive
  Value jLast = sub(jEnd, idx(1));
  Value full = sle(jEnd, ctx.lenVisible);
  if (causal)
    full = andI(full, sle(jLast, ctx.posMin));
  Value unbounded = slt(ctx.window, idx(0));
  Value allSinks = sle(jEnd, numSinks);
  Value windowLo = add(sub(ctx.posMax, ctx.window), idx(1));
  Value inWindow = sge(j0, windowLo);
  if (!causal) {
    Value windowHi = sub(add(ctx.posMin, ctx.window), idx(1));
    inWindow = andI(inWindow, sle(jLast, windowHi));
  }
  inWindow = andI(inWindow, sgt(ctx.window, idx(0)));
  full = andI(full, orI(unbounded, orI(allSinks, inWindow)));
  return notI(full);
}

// Key j is visible to the row at position p iff j < L_b, pos_j >= 0,
// key_mask, (pos_j < S or inWindow) and (!causal or pos_j <= p)
// (docs/gpu-attention.md).
Value GPUAttentionEmitter::isVisible(const RowContext &ctx, Value rowPos,
                                     Value j) {
  Value jc = minS(j, sub(numKeys, idx(1)));
  Value ok = slt(j, ctx.lenVisible);
  Value pos = j;
  if (keyPositions) {
    pos = toIndex(load(keyPositions, {ctx.batch, jc}));
    ok = andI(ok, sge(pos, idx(0)));
  }
  if (keyMask)
    ok = andI(ok, load(keyMask, {ctx.batch, jc}));
  Value diff = sub(rowPos, pos);
  Value dist = causal ? diff : maxS(diff, sub(idx(0), diff));
  Value inWindow = orI(slt(dist, ctx.window), slt(ctx.window, idx(0)));
  Value allowed = orI(inWindow, slt(pos, numSinks));
  if (causal)
    allowed = andI(allowed, sge(diff, idx(0)));
  return andI(ok, allowed);
}

//===- LowerCacheAppend.cpp - cache_append to in-place slot writes --------===//
//
// Per batch entry b with L = length[b]: new token t is the stream's token
// L + t and goes to slot(L + t) = L + t if L + t < S, else
// S + (L + t − S) mod (C − S); its key/value rows are copied there for every
// kv head, tokens in order (so with T > C − S later tokens overwrite earlier
// ones, as appending one at a time does). Then positions[b, :] is rebuilt
// from the new length in O(C) and length[b] becomes L + T. Only the written
// rows and the positions are touched: the caches are never copied.
//
//===----------------------------------------------------------------------===//

#include "bitsink/Conversion/Passes.h"
#include "bitsink/Conversion/Patterns.h"
#include "bitsink/Dialect/BitSink/IR/BitSinkOps.h"

#include "../Common/EmitBuilder.h"
#include "../Common/LoweringPattern.h"

namespace bitsink {
#define GEN_PASS_DEF_BITSINKLOWERCACHEAPPEND
#include "bitsink/Conversion/Passes.h.inc"
} // namespace bitsink

using namespace mlir;
using namespace bitsink;

namespace {

/// Emits the loops of one memref-form cache_append.
class CacheAppendEmitter : EmitBuilder {
public:
  CacheAppendEmitter(ImplicitLocOpBuilder &b, CacheAppendOp op)
      : EmitBuilder(b), op(op) {}

  void emit();

private:
  /// `scf.for %i = 0 to %n { body(%i) }`, with the bounds' constants made
  /// once before the op.
  template <typename Fn> void loop(Value n, Fn &&body) {
    forEach(zero, n, one, std::forward<Fn>(body));
  }
  /// Copies row `src[b, h, t, 0..width)` to `dst[b, h, slot, 0..width)`.
  void copyRow(Value src, Value dst, Value width, Value batch, Value head,
               Value token, Value slot) {
    loop(width, [&](Value d) {
      store(load(src, {batch, head, token, d}), dst, {batch, head, slot, d});
    });
  }

  CacheAppendOp op;
  Value zero, one;
};

} // namespace

void CacheAppendEmitter::emit() {
  Value newKeys = op.getNewKeys(), newValues = op.getNewValues();
  Value keyCache = op.getKeyCache(), valueCache = op.getValueCache();
  Value positions = op.getPositions(), length = op.getLength();
  const bool cacheMode = op.getPositionMode() == PositionMode::Cache;

  zero = idx(0);
  one = idx(1);
  Value sinks = idx(static_cast<int64_t>(op.getNumSinks()));
  Value empty = i64(-1);
  Value batchSize = dim(newKeys, 0);
  Value heads = dim(newKeys, 1);
  Value newTokens = dim(newKeys, 2);
  Value keyWidth = dim(newKeys, 3);
  Value valueWidth = dim(newValues, 3);
  Value capacity = dim(keyCache, 2);
  // C − S ≥ 1: the verifier requires S < C.
  Value ring = sub(capacity, sinks);

  loop(batchSize, [&](Value batch) {
    // A negative length (invalid input) counts as 0, and the slot
    // arithmetic below is unsigned: whatever length[b] holds, every store
    // stays inside the caches.
    Value oldLength = maxS(zero, toIndex(load(length, {batch})));

    // Key/value rows of the new tokens into their slots.
    loop(newTokens, [&](Value t) {
      Value token = add(oldLength, t);
      Value isSink = ult(token, sinks);
      // (token − S) mod (C − S), on a non-negative operand for sink tokens
      // too (their value is not used).
      Value rel = select(isSink, zero, sub(token, sinks));
      Value ringSlot = add(sinks, remU(rel, ring));
      Value slot = select(isSink, token, ringSlot);
      loop(heads, [&](Value head) {
        copyRow(newKeys, keyCache, keyWidth, batch, head, t, slot);
        copyRow(newValues, valueCache, valueWidth, batch, head, t, slot);
      });
    });

    Value newLength = add(oldLength, newTokens);
    store(indexCast(newLength, b.getI64Type()), length, {batch});

    // Positions from the new length L'. Sink slot s < S holds token s when
    // s < L'. The window holds tokens first..L'−1 with
    // first = max(S, L' − (C − S)); ring slot S + r holds the one token t of
    // that range with (t − S) mod (C − S) = r, if any:
    // t = first + k, k = (r − (first − S) mod (C − S)) mod (C − S).
    Value first = maxS(sinks, sub(newLength, ring));
    Value firstOffset = remU(sub(first, sinks), ring);
    loop(capacity, [&](Value slot) {
      Value isSinkSlot = ult(slot, sinks);
      // r = slot − S for ring slots (0 for sink slots, unused).
      Value r = select(isSinkSlot, zero, sub(slot, sinks));
      // k = (r − firstOffset) mod (C − S) with both in [0, C − S): one
      // compare instead of a division per slot.
      Value wraps = ult(r, firstOffset);
      Value k = sub(select(wraps, add(r, ring), r), firstOffset);
      Value windowToken = add(first, k);
      Value token = select(isSinkSlot, slot, windowToken);
      Value present = slt(token, newLength);
      Value position = token;
      if (cacheMode)
        position = select(isSinkSlot, slot, add(sinks, k));
      Value value = select(present, indexCast(position, b.getI64Type()), empty);
      store(value, positions, {batch, slot});
    });
  });
}

namespace {

struct LowerCacheAppendPattern : BitSinkLoweringPattern<CacheAppendOp> {
  using BitSinkLoweringPattern::BitSinkLoweringPattern;

  void lower(CacheAppendOp op, ImplicitLocOpBuilder &b) const override {
    CacheAppendEmitter(b, op).emit();
  }
};

struct LowerCacheAppendPass
    : bitsink::impl::BitSinkLowerCacheAppendBase<LowerCacheAppendPass> {
  using BitSinkLowerCacheAppendBase::BitSinkLowerCacheAppendBase;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateBitSinkLowerCacheAppendPatterns(patterns);
    if (failed(applyLoweringPatterns(getOperation(), std::move(patterns),
                                     {CacheAppendOp::getOperationName()})))
      signalPassFailure();
  }
};

} // namespace

void bitsink::populateBitSinkLowerCacheAppendPatterns(
    RewritePatternSet &patterns) {
  patterns.add<LowerCacheAppendPattern>(patterns.getContext());
}

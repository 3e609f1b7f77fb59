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
#include "bitsink/Support/OptionChecks.h"

#include "../CacheAppendCommon/CacheAppendRules.h"
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
  cache_append::SlotLayout layout =
      cache_append::slotLayout(*this, sinks, capacity);
  layout.zero = zero;
  layout.empty = empty;

  loop(batchSize, [&](Value batch) {
    // A negative length (invalid input) counts as 0, and the slot
    // arithmetic below is unsigned: whatever length[b] holds, every store
    // stays inside the caches.
    Value oldLength = maxS(zero, toIndex(load(length, {batch})));

    // Key/value rows of the new tokens into their slots.
    loop(newTokens, [&](Value t) {
      Value slot =
          cache_append::tokenSlot(*this, layout, add(oldLength, t)).slot;
      loop(heads, [&](Value head) {
        copyRow(newKeys, keyCache, keyWidth, batch, head, t, slot);
        copyRow(newValues, valueCache, valueWidth, batch, head, t, slot);
      });
    });

    Value newLength = add(oldLength, newTokens);
    store(indexCast(newLength, b.getI64Type()), length, {batch});

    // Positions from the new length L'.
    cache_append::CacheWindow window =
        cache_append::cacheWindow(*this, layout, newLength);
    loop(capacity, [&](Value slot) {
      store(cache_append::slotPosition(*this, layout, window, newLength, slot,
                                       op.getPositionMode()),
            positions, {batch, slot});
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
    // No options to check.
    if (failed(runLowering(getOperation(), OptionChecker(getArgument()),
                           populateBitSinkLowerCacheAppendPatterns,
                           {CacheAppendOp::getOperationName()})))
      signalPassFailure();
  }
};

} // namespace

void bitsink::populateBitSinkLowerCacheAppendPatterns(
    RewritePatternSet &patterns) {
  patterns.add<LowerCacheAppendPattern>(patterns.getContext());
}

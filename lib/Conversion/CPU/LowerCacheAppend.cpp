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
#include "bitsink/Dialect/BitSink/IR/BitSinkOps.h"

#include "../Utils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

namespace bitsink {
#define GEN_PASS_DEF_BITSINKLOWERCACHEAPPEND
#include "bitsink/Conversion/Passes.h.inc"
} // namespace bitsink

using namespace mlir;
using namespace bitsink;

namespace {

/// Index constants and loops, with the constants created once at the
/// rewriter's insertion point (before the op).
struct LoopBuilder {
  Location loc;
  Value zero, one;

  /// Emits `scf.for %i = 0 to %n { body(%i) }`.
  void loop(OpBuilder &b, Value n,
            llvm::function_ref<void(OpBuilder &, Value)> body) const {
    scf::ForOp::create(b, loc, zero, n, one, ValueRange(),
                       [&](OpBuilder &nested, Location, Value iv, ValueRange) {
                         body(nested, iv);
                         scf::YieldOp::create(nested, loc);
                       });
  }

  /// Copies row `src[b, h, t, 0..width)` to `dst[b, h, slot, 0..width)`.
  void copyRow(OpBuilder &b, Value src, Value dst, Value width, Value batch,
               Value head, Value token, Value slot) const {
    loop(b, width, [&](OpBuilder &nb, Value d) {
      Value v = memref::LoadOp::create(nb, loc, src,
                                       ValueRange{batch, head, token, d});
      memref::StoreOp::create(nb, loc, v, dst,
                              ValueRange{batch, head, slot, d});
    });
  }
};

LogicalResult lowerCacheAppend(RewriterBase &rewriter, CacheAppendOp op) {
  Location loc = op.getLoc();
  OpBuilder &b = rewriter;
  Value newKeys = op.getNewKeys(), newValues = op.getNewValues();
  Value keyCache = op.getKeyCache(), valueCache = op.getValueCache();
  Value positions = op.getPositions(), length = op.getLength();
  const bool cacheMode = op.getPositionMode() == PositionMode::Cache;

  auto index = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  LoopBuilder lb{loc, index(0), index(1)};
  Value zero = lb.zero;
  Value sinks = index(static_cast<int64_t>(op.getNumSinks()));
  Value empty = arith::ConstantIntOp::create(b, loc, b.getI64Type(), -1);
  Value batchSize = memref::DimOp::create(b, loc, newKeys, 0);
  Value heads = memref::DimOp::create(b, loc, newKeys, 1);
  Value newTokens = memref::DimOp::create(b, loc, newKeys, 2);
  Value keyWidth = memref::DimOp::create(b, loc, newKeys, 3);
  Value valueWidth = memref::DimOp::create(b, loc, newValues, 3);
  Value capacity = memref::DimOp::create(b, loc, keyCache, 2);
  // C − S ≥ 1: the verifier requires S < C.
  Value ring = arith::SubIOp::create(b, loc, capacity, sinks);

  lb.loop(b, batchSize, [&](OpBuilder &b, Value batch) {
    // A negative length (invalid input) counts as 0, and the slot
    // arithmetic below is unsigned: whatever length[b] holds, every store
    // stays inside the caches.
    Value oldLength = arith::MaxSIOp::create(
        b, loc, zero,
        arith::IndexCastOp::create(
            b, loc, b.getIndexType(),
            memref::LoadOp::create(b, loc, length, ValueRange{batch})));

    // Key/value rows of the new tokens into their slots.
    lb.loop(b, newTokens, [&](OpBuilder &b, Value t) {
      Value token = arith::AddIOp::create(b, loc, oldLength, t);
      Value isSink = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                           token, sinks);
      // (token − S) mod (C − S), on a non-negative operand for sink tokens
      // too (their value is not used).
      Value rel = arith::SelectOp::create(
          b, loc, isSink, zero, arith::SubIOp::create(b, loc, token, sinks));
      Value ringSlot = arith::AddIOp::create(
          b, loc, sinks, arith::RemUIOp::create(b, loc, rel, ring));
      Value slot = arith::SelectOp::create(b, loc, isSink, token, ringSlot);
      lb.loop(b, heads, [&](OpBuilder &b, Value head) {
        lb.copyRow(b, newKeys, keyCache, keyWidth, batch, head, t, slot);
        lb.copyRow(b, newValues, valueCache, valueWidth, batch, head, t, slot);
      });
    });

    Value newLength = arith::AddIOp::create(b, loc, oldLength, newTokens);
    memref::StoreOp::create(
        b, loc, arith::IndexCastOp::create(b, loc, b.getI64Type(), newLength),
        length, ValueRange{batch});

    // Positions from the new length L'. Sink slot s < S holds token s when
    // s < L'. The window holds tokens first..L'−1 with
    // first = max(S, L' − (C − S)); ring slot S + r holds the one token t of
    // that range with (t − S) mod (C − S) = r, if any:
    // t = first + k, k = (r − (first − S) mod (C − S)) mod (C − S).
    Value first = arith::MaxSIOp::create(
        b, loc, sinks, arith::SubIOp::create(b, loc, newLength, ring));
    Value firstOffset = arith::RemUIOp::create(
        b, loc, arith::SubIOp::create(b, loc, first, sinks), ring);
    lb.loop(b, capacity, [&](OpBuilder &b, Value slot) {
      Value isSinkSlot =
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, slot, sinks);
      // r = slot − S for ring slots (0 for sink slots, unused).
      Value r = arith::SelectOp::create(
          b, loc, isSinkSlot, zero, arith::SubIOp::create(b, loc, slot, sinks));
      // k = (r − firstOffset) mod (C − S) with both in [0, C − S): one
      // compare instead of a division per slot.
      Value wraps = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, r,
                                          firstOffset);
      Value k = arith::SubIOp::create(
          b, loc,
          arith::SelectOp::create(b, loc, wraps,
                                  arith::AddIOp::create(b, loc, r, ring), r),
          firstOffset);
      Value windowToken = arith::AddIOp::create(b, loc, first, k);
      Value token =
          arith::SelectOp::create(b, loc, isSinkSlot, slot, windowToken);
      Value present = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt,
                                            token, newLength);
      Value position = token;
      if (cacheMode)
        position = arith::SelectOp::create(
            b, loc, isSinkSlot, slot, arith::AddIOp::create(b, loc, sinks, k));
      Value value = arith::SelectOp::create(
          b, loc, present,
          arith::IndexCastOp::create(b, loc, b.getI64Type(), position), empty);
      memref::StoreOp::create(b, loc, value, positions,
                              ValueRange{batch, slot});
    });
  });
  rewriter.eraseOp(op);
  return success();
}

struct LowerCacheAppendPass
    : bitsink::impl::BitSinkLowerCacheAppendBase<LowerCacheAppendPass> {
  using BitSinkLowerCacheAppendBase::BitSinkLowerCacheAppendBase;

  void runOnOperation() override {
    if (failed(lowerAll<CacheAppendOp>(getOperation(), lowerCacheAppend)))
      signalPassFailure();
  }
};

} // namespace

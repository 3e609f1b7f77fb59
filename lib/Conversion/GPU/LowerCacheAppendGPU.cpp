//===- LowerCacheAppendGPU.cpp - cache_append to a GPU kernel ---*- C++ -*-===//
//
// Lowers `bitsink.cache_append` (memref form, device memory) to one
// `gpu.launch` with a CTA per batch entry. The slot arithmetic is the CPU
// lowering's (CacheAppendCommon/CacheAppendRules.h): with L = max(length[b],
// 0), new token t is stream token L + t and goes to slot L + t if L + t < S,
// else S + (L + t − S) mod (C − S). Threads copy the rows of all tokens and kv
// heads in parallel; a ring slot hit by several tokens of one append is written
// only by the last of them (token t is overwritten iff t + (C − S) < T), which
// is what appending them in order leaves.
//
//===----------------------------------------------------------------------===//

#include "bitsink/Conversion/GPU/Passes.h"
#include "bitsink/Conversion/GPU/Patterns.h"
#include "bitsink/Dialect/BitSink/IR/BitSinkOps.h"
#include "bitsink/Support/OptionChecks.h"

#include "../CacheAppendCommon/CacheAppendRules.h"
#include "../Common/LoweringPattern.h"
#include "Common/GPUEmitBuilder.h"

namespace bitsink {
#define GEN_PASS_DEF_BITSINKGPULOWERCACHEAPPEND
#include "bitsink/Conversion/GPU/Passes.h.inc"
} // namespace bitsink

using namespace mlir;
using namespace bitsink;

namespace {

constexpr int64_t kThreads = 256;

class CacheAppendEmitter : GPUEmitBuilder {
public:
  CacheAppendEmitter(ImplicitLocOpBuilder &b, CacheAppendOp op)
      : GPUEmitBuilder(b), op(op) {}

  void emit();

private:
  void emitRows(Value tid, Value batch, Value oldLength, Value src, Value dst);
  void emitPositions(Value tid, Value batch, Value newLength);

  CacheAppendOp op;
  cache_append::SlotLayout layout;
  Value heads, tokens, capacity;
};

} // namespace

// dst[b, h, slot(t), :] = src[b, h, t, :] for every token t that is the last
// one of this append to land in its slot; vectors of up to 16 bytes along
// the row (the widest that divides it), consecutive threads on consecutive
// vectors.
void CacheAppendEmitter::emitRows(Value tid, Value batch, Value oldLength,
                                  Value src, Value dst) {
  auto srcType = cast<MemRefType>(src.getType());
  Type elem = srcType.getElementType();
  int64_t width = srcType.getDimSize(3);
  int64_t lanes = std::max<int64_t>(1, 128 / elem.getIntOrFloatBitWidth());
  if (ShapedType::isDynamic(width))
    lanes = 1;
  while (lanes > 1 && width % lanes != 0)
    lanes /= 2;
  Value rowLen = dim(src, 3);
  Value chunks = lanes > 1 ? divU(rowLen, idx(lanes)) : rowLen;
  Value perToken = mul(heads, chunks);
  ctaStrided(tid, mul(tokens, perToken), kThreads, [&](Value e) {
    Value t = divU(e, perToken);
    Value rest = remU(e, perToken);
    Value head = divU(rest, chunks);
    Value col = mul(remU(rest, chunks), idx(lanes));
    cache_append::TokenSlot dest =
        cache_append::tokenSlot(*this, layout, add(oldLength, t));
    Value slot = dest.slot;
    // A later token of this append takes the same ring slot.
    Value overwritten =
        andI(notI(dest.isSink), ult(add(t, layout.ring), tokens));
    ifThen(notI(overwritten), [&] {
      if (lanes == 1) {
        store(load(src, {batch, head, t, col}), dst, {batch, head, slot, col});
        return;
      }
      // Rows start at multiples of `lanes` elements of identity-layout
      // buffers: the vectors are aligned to their size, which lets NVPTX
      // use one ld/st.global.v* per vector.
      auto type = VectorType::get({lanes}, elem);
      llvm::MaybeAlign align(lanes * elem.getIntOrFloatBitWidth() / 8);
      Value x = alignedLoad(type, src, {batch, head, t, col}, align);
      alignedStore(x, dst, {batch, head, slot, col}, align);
    });
  });
}

// positions[b, slot] for the new length L' (CacheAppendRules.h), the
// threads of the CTA on consecutive slots.
void CacheAppendEmitter::emitPositions(Value tid, Value batch,
                                       Value newLength) {
  cache_append::CacheWindow window =
      cache_append::cacheWindow(*this, layout, newLength);
  Value positions = op.getPositions();
  ctaStrided(tid, capacity, kThreads, [&](Value slot) {
    store(cache_append::slotPosition(*this, layout, window, newLength, slot,
                                     op.getPositionMode()),
          positions, {batch, slot});
  });
}

void CacheAppendEmitter::emit() {
  Value newKeys = op.getNewKeys();
  Value numBatch = dim(newKeys, 0);
  heads = dim(newKeys, 1);
  tokens = dim(newKeys, 2);
  capacity = dim(op.getKeyCache(), 2);
  layout = cache_append::slotLayout(
      *this, idx(static_cast<int64_t>(op.getNumSinks())), capacity);

  launch(
      {numBatch, idx(1), idx(1)}, kThreads, 1, {}, [&](gpu::LaunchOp launchOp) {
        Value batch = launchOp.getBlockIds().x;
        Value tid = launchOp.getThreadIds().x;
        Value length = op.getLength();
        // A negative length counts as 0; the slot arithmetic is unsigned, so
        // every store stays inside the caches whatever length[b] holds.
        Value oldLength = maxS(idx(0), toIndex(load(length, {batch})));
        // Every thread has read length[b] before thread 0 replaces it.
        barrier();
        emitRows(tid, batch, oldLength, newKeys, op.getKeyCache());
        emitRows(tid, batch, oldLength, op.getNewValues(), op.getValueCache());
        Value newLength = add(oldLength, tokens);
        emitPositions(tid, batch, newLength);
        ifThen(eq(tid, idx(0)), [&] {
          store(indexCast(newLength, b.getI64Type()), length, {batch});
        });
      });
}

namespace {

/// One cache_append: a kernel with a CTA per batch entry.
struct LowerCacheAppendGPU : BitSinkLoweringPattern<CacheAppendOp> {
  using BitSinkLoweringPattern::BitSinkLoweringPattern;

  LogicalResult checkLowerable(CacheAppendOp op) const override {
    // The kernel indexes the caches as dense rows and moves them as aligned
    // vectors.
    return checkIdentityLayouts(
        op, "GPU lowering needs memrefs with identity layouts, got ");
  }

  void lower(CacheAppendOp op, ImplicitLocOpBuilder &b) const override {
    CacheAppendEmitter(b, op).emit();
  }
};

struct LowerCacheAppendGPUPass
    : bitsink::impl::BitSinkGPULowerCacheAppendBase<LowerCacheAppendGPUPass> {
  using BitSinkGPULowerCacheAppendBase::BitSinkGPULowerCacheAppendBase;

  void runOnOperation() override {
    // No options to check.
    if (failed(runLowering(getOperation(), OptionChecker(getArgument()),
                           populateBitSinkGPULowerCacheAppendPatterns,
                           {CacheAppendOp::getOperationName()})))
      signalPassFailure();
  }
};

} // namespace

void bitsink::populateBitSinkGPULowerCacheAppendPatterns(
    RewritePatternSet &patterns) {
  patterns.add<LowerCacheAppendGPU>(patterns.getContext());
}

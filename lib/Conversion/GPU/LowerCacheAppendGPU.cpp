//===- LowerCacheAppendGPU.cpp - cache_append to a GPU kernel ---*- C++ -*-===//
//
// Lowers `bitsink.cache_append` (memref form, device memory) to one
// `gpu.launch` with a CTA per batch entry. The slot arithmetic is the CPU
// lowering's (LowerCacheAppend.cpp): with L = max(length[b], 0), new token t
// is stream token L + t and goes to slot L + t if L + t < S, else
// S + (L + t − S) mod (C − S). Threads copy the rows of all tokens and kv
// heads in parallel; a ring slot hit by several tokens of one append is
// written only by the last of them (token t is overwritten iff t + (C − S) <
// T), which is what appending them in order leaves.
//
//===----------------------------------------------------------------------===//

#include "bitsink/Conversion/GPU/Passes.h"
#include "bitsink/Dialect/BitSink/IR/BitSinkOps.h"

#include "../Utils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

namespace bitsink {
#define GEN_PASS_DEF_BITSINKGPULOWERCACHEAPPEND
#include "bitsink/Conversion/GPU/Passes.h.inc"
} // namespace bitsink

using namespace mlir;
using namespace bitsink;

namespace {

constexpr int64_t kThreads = 256;

class CacheAppendEmitter : KernelBuilder {
public:
  CacheAppendEmitter(ImplicitLocOpBuilder &b, CacheAppendOp op)
      : KernelBuilder(b), op(op) {}

  LogicalResult emit();

private:
  Value add(Value x, Value y) { return arith::AddIOp::create(b, x, y); }
  Value sub(Value x, Value y) { return arith::SubIOp::create(b, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, x, y); }
  Value divu(Value x, Value y) { return arith::DivUIOp::create(b, x, y); }
  Value remu(Value x, Value y) { return arith::RemUIOp::create(b, x, y); }
  Value ult(Value x, Value y) {
    return arith::CmpIOp::create(b, arith::CmpIPredicate::ult, x, y);
  }
  Value select(Value c, Value x, Value y) {
    return arith::SelectOp::create(b, c, x, y);
  }
  template <typename Fn> void ifThen(Value cond, Fn &&body) {
    auto ifOp = scf::IfOp::create(b, TypeRange{}, cond, /*withElse=*/false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    body();
  }
  /// for (e = tid; e < total; e += kThreads) body(e).
  template <typename Fn> void strided(Value tid, Value total, Fn &&body) {
    forLoop(tid, total, idx(kThreads), {}, [&](Value e, ValueRange) {
      body(e);
      return SmallVector<Value>{};
    });
  }
  void emitRows(Value tid, Value batch, Value oldLength, Value src, Value dst);
  void emitPositions(Value tid, Value batch, Value newLength);

  CacheAppendOp op;
  Value sinks, ring, heads, tokens, capacity;
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
  Value chunks = lanes > 1 ? divu(rowLen, idx(lanes)) : rowLen;
  Value perToken = mul(heads, chunks);
  strided(tid, mul(tokens, perToken), [&](Value e) {
    Value t = divu(e, perToken);
    Value rest = remu(e, perToken);
    Value head = divu(rest, chunks);
    Value col = mul(remu(rest, chunks), idx(lanes));
    Value token = add(oldLength, t);
    Value isSink = ult(token, sinks);
    // (token − S) mod (C − S) on a non-negative operand for sink tokens too
    // (their value is not used).
    Value rel = select(isSink, idx(0), sub(token, sinks));
    Value slot = select(isSink, token, add(sinks, remu(rel, ring)));
    // A later token of this append takes the same ring slot.
    Value overwritten = arith::AndIOp::create(
        b,
        arith::XOrIOp::create(
            b, isSink, arith::ConstantOp::create(b, b.getBoolAttr(true))),
        ult(add(t, ring), tokens));
    Value keep = arith::XOrIOp::create(
        b, overwritten, arith::ConstantOp::create(b, b.getBoolAttr(true)));
    ifThen(keep, [&] {
      if (lanes == 1) {
        Value x =
            memref::LoadOp::create(b, src, ValueRange{batch, head, t, col});
        memref::StoreOp::create(b, x, dst, ValueRange{batch, head, slot, col});
        return;
      }
      // Rows start at multiples of `lanes` elements of identity-layout
      // buffers: the vectors are aligned to their size, which lets NVPTX
      // use one ld/st.global.v* per vector.
      auto type = VectorType::get({lanes}, elem);
      llvm::MaybeAlign align(lanes * elem.getIntOrFloatBitWidth() / 8);
      Value x =
          vector::LoadOp::create(b, type, src, ValueRange{batch, head, t, col},
                                 /*nontemporal=*/false, align);
      vector::StoreOp::create(b, x, dst, ValueRange{batch, head, slot, col},
                              /*nontemporal=*/false, align);
    });
  });
}

// positions[b, slot] for the new length L', as the CPU lowering computes it:
// sink slot s < S holds token s when s < L'; the window holds tokens
// first..L'−1 with first = max(S, L' − (C − S)), ring slot S + r the one
// with (t − S) mod (C − S) = r; −1 marks an empty slot.
void CacheAppendEmitter::emitPositions(Value tid, Value batch,
                                       Value newLength) {
  bool cacheMode = op.getPositionMode() == PositionMode::Cache;
  Value first = arith::MaxSIOp::create(b, sinks, sub(newLength, ring));
  Value firstOffset = remu(sub(first, sinks), ring);
  Value positions = op.getPositions();
  strided(tid, capacity, [&](Value slot) {
    Value isSinkSlot = ult(slot, sinks);
    Value r = select(isSinkSlot, idx(0), sub(slot, sinks));
    Value wraps = ult(r, firstOffset);
    Value k = sub(select(wraps, add(r, ring), r), firstOffset);
    Value token = select(isSinkSlot, slot, add(first, k));
    Value present =
        arith::CmpIOp::create(b, arith::CmpIPredicate::slt, token, newLength);
    Value position = token;
    if (cacheMode)
      position = select(isSinkSlot, slot, add(sinks, k));
    Value value =
        select(present, arith::IndexCastOp::create(b, b.getI64Type(), position),
               arith::ConstantIntOp::create(b, b.getI64Type(), -1));
    memref::StoreOp::create(b, value, positions, ValueRange{batch, slot});
  });
}

LogicalResult CacheAppendEmitter::emit() {
  for (Value operand : op->getOperands())
    if (auto type = dyn_cast<MemRefType>(operand.getType());
        type && !type.getLayout().isIdentity())
      return op.emitOpError("GPU lowering needs memrefs with identity "
                            "layouts, got ")
             << type;
  Value newKeys = op.getNewKeys();
  Value numBatch = dim(newKeys, 0);
  heads = dim(newKeys, 1);
  tokens = dim(newKeys, 2);
  capacity = dim(op.getKeyCache(), 2);
  sinks = idx(static_cast<int64_t>(op.getNumSinks()));
  // C − S ≥ 1: the verifier requires S < C.
  ring = sub(capacity, sinks);

  Value nonEmpty =
      arith::CmpIOp::create(b, arith::CmpIPredicate::sgt, numBatch, idx(0));
  ifThen(nonEmpty, [&] {
    auto launch = gpu::LaunchOp::create(b, numBatch, idx(1), idx(1),
                                        idx(kThreads), idx(1), idx(1));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&launch.getBody().front());
    Value batch = launch.getBlockIds().x;
    Value tid = launch.getThreadIds().x;
    Value length = op.getLength();
    // A negative length counts as 0; the slot arithmetic is unsigned, so
    // every store stays inside the caches whatever length[b] holds.
    Value oldLength = arith::MaxSIOp::create(
        b, idx(0),
        arith::IndexCastOp::create(
            b, b.getIndexType(),
            memref::LoadOp::create(b, length, ValueRange{batch})));
    // Every thread has read length[b] before thread 0 replaces it.
    gpu::BarrierOp::create(b);
    emitRows(tid, batch, oldLength, newKeys, op.getKeyCache());
    emitRows(tid, batch, oldLength, op.getNewValues(), op.getValueCache());
    Value newLength = add(oldLength, tokens);
    emitPositions(tid, batch, newLength);
    ifThen(arith::CmpIOp::create(b, arith::CmpIPredicate::eq, tid, idx(0)),
           [&] {
             memref::StoreOp::create(
                 b, arith::IndexCastOp::create(b, b.getI64Type(), newLength),
                 length, ValueRange{batch});
           });
    gpu::TerminatorOp::create(b);
  });
  return success();
}

namespace {
struct LowerCacheAppendGPUPass
    : bitsink::impl::BitSinkGPULowerCacheAppendBase<LowerCacheAppendGPUPass> {
  using BitSinkGPULowerCacheAppendBase::BitSinkGPULowerCacheAppendBase;

  void runOnOperation() override {
    if (failed(lowerAllWith<CacheAppendOp, CacheAppendEmitter>(getOperation())))
      signalPassFailure();
  }
};
} // namespace

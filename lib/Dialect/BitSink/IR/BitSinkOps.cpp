//===- BitSinkOps.cpp - bitsink op verifiers and folds ----------*- C++ -*-===//
//
// Verifiers (every rule of docs/semantics.md §2, each message naming the
// operand and the expected value), accessors, folds and canonicalization
// patterns of the bitsink ops. Tiling and bufferization hooks are in
// BitSinkInterfaces.cpp.
//
//===----------------------------------------------------------------------===//

#include "bitsink/Dialect/BitSink/IR/BitSinkOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/MathExtras.h"

#include <cmath>

using namespace mlir;
using namespace bitsink;

#define GET_OP_CLASSES
#include "bitsink/Dialect/BitSink/IR/BitSinkOps.cpp.inc"

//===----------------------------------------------------------------------===//
// Verification helpers
//===----------------------------------------------------------------------===//

namespace {
/// An operand under verification: its name in diagnostics and its type.
struct NamedShape {
  StringRef name;
  ShapedType type;
};

/// Prints a dimension for diagnostics, `?` when dynamic.
std::string dimToString(int64_t dim) {
  return ShapedType::isDynamic(dim) ? "?" : std::to_string(dim);
}

/// Shared checks on the operand of a bitsink op.
class OperandChecker {
public:
  explicit OperandChecker(Operation *op) : op(op) {}

  LogicalResult rank(NamedShape v, int64_t rank, StringRef dims) {
    if (v.type.getRank() == rank)
      return success();
    return op->emitOpError() << "expects " << v.name << " to have rank " << rank
                             << " (" << dims << "), got " << v.type.getRank();
  }

  /// Element type must be one of `allowed`; `what` names the set.
  LogicalResult elementType(NamedShape v, ArrayRef<Type> allowed,
                            StringRef what) {
    if (llvm::is_contained(allowed, v.type.getElementType()))
      return success();
    return op->emitOpError() << "expects " << v.name << " element type to be "
                             << what << ", got " << v.type.getElementType();
  }

  LogicalResult sameElementType(NamedShape v, NamedShape ref) {
    if (v.type.getElementType() == ref.type.getElementType())
      return success();
    return op->emitOpError()
           << "expects " << v.name << " element type to match " << ref.name
           << " (" << ref.type.getElementType() << "), got "
           << v.type.getElementType();
  }

  /// Dimension `da` of `a` and `db` of `b` must agree when both are static.
  LogicalResult sameDim(NamedShape a, int64_t da, NamedShape b, int64_t db,
                        StringRef what) {
    int64_t x = a.type.getDimSize(da), y = b.type.getDimSize(db);
    if (ShapedType::isDynamic(x) || ShapedType::isDynamic(y) || x == y)
      return success();
    return op->emitOpError()
           << "expects " << a.name << " and " << b.name << " to agree on "
           << what << ", got " << x << " and " << y;
  }

  /// Dimension `d` of `v` must equal `expected` when both are static.
  LogicalResult dimEquals(NamedShape v, int64_t d, int64_t expected,
                          StringRef what) {
    int64_t x = v.type.getDimSize(d);
    if (ShapedType::isDynamic(x) || ShapedType::isDynamic(expected) ||
        x == expected)
      return success();
    return op->emitOpError()
           << "expects " << v.name << " dimension " << d << " (" << what
           << ") to be " << expected << ", got " << x;
  }

private:
  Operation *op;
};

/// Destination-passing style: operands are all tensors (one result per
/// init, of the init's type) or all memrefs (no results).
LogicalResult verifyTensorOrBufferForm(DestinationStyleOpInterface op) {
  Operation *operation = op.getOperation();
  bool anyTensor = llvm::any_of(operation->getOperandTypes(),
                                llvm::IsaPred<RankedTensorType>);
  bool anyMemRef =
      llvm::any_of(operation->getOperandTypes(), llvm::IsaPred<MemRefType>);
  if (anyTensor && anyMemRef)
    return op.emitOpError()
           << "expects all operands to be tensors or all to be memrefs";
  // Lowerings linearise offsets in 64-bit index arithmetic: a static shape
  // whose byte size does not fit would wrap silently.
  for (OpOperand &operand : operation->getOpOperands()) {
    auto shaped = dyn_cast<ShapedType>(operand.get().getType());
    if (!shaped || !shaped.hasRank())
      continue;
    int64_t bytes = std::max<int64_t>(
        1, llvm::divideCeil(shaped.getElementTypeBitWidth(), 8));
    bool overflow = false;
    for (int64_t dim : shaped.getShape()) {
      if (ShapedType::isDynamic(dim))
        continue;
      overflow |= llvm::MulOverflow(bytes, dim, bytes);
    }
    if (overflow)
      return op.emitOpError()
             << "expects operand #" << operand.getOperandNumber() << " ("
             << shaped << ") to hold fewer than 2^63 bytes";
  }
  if (anyMemRef) {
    if (operation->getNumResults() != 0)
      return op.emitOpError() << "expects no results on memrefs, got "
                              << operation->getNumResults();
    return success();
  }
  if (operation->getNumResults() != static_cast<unsigned>(op.getNumDpsInits()))
    return op.emitOpError()
           << "expects one result per init (" << op.getNumDpsInits()
           << "), got " << operation->getNumResults();
  for (OpOperand &init : op.getDpsInitsMutable()) {
    Type initType = init.get().getType();
    Type resultType = op.getTiedOpResult(&init).getType();
    if (initType != resultType)
      return op.emitOpError() << "expects result #"
                              << op.getTiedOpResult(&init).getResultNumber()
                              << " to have the type of its init " << initType
                              << ", got " << resultType;
  }
  return success();
}

NamedShape named(StringRef name, Value v) {
  return {name, cast<ShapedType>(v.getType())};
}

/// The element types kernels compute in: f32, f16, bf16.
SmallVector<Type> computeElementTypes(MLIRContext *ctx) {
  Builder b(ctx);
  return {b.getF32Type(), b.getF16Type(), b.getBF16Type()};
}

/// Reports memory effects of a destination-style op on memrefs: inputs are
/// read, inits are written and, if OpTy::readsInits(), read.
template <typename OpTy>
void getDpsEffects(
    OpTy op, SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
                 &effects) {
  for (OpOperand &operand : op->getOpOperands()) {
    if (!isa<MemRefType>(operand.get().getType()))
      continue;
    if (!op.isDpsInit(&operand) || OpTy::readsInits())
      effects.emplace_back(MemoryEffects::Read::get(), &operand,
                           SideEffects::DefaultResource::get());
    if (op.isDpsInit(&operand))
      effects.emplace_back(MemoryEffects::Write::get(), &operand,
                           SideEffects::DefaultResource::get());
  }
}

/// True if a static dimension of `type` is zero.
bool hasZeroDim(ShapedType type) {
  return llvm::is_contained(type.getShape(), 0);
}
} // namespace

//===----------------------------------------------------------------------===//
// SinkAttentionOp
//===----------------------------------------------------------------------===//

LogicalResult SinkAttentionOp::verify() {
  if (failed(verifyTensorOrBufferForm(*this)))
    return failure();
  OperandChecker check(*this);
  NamedShape q = named("q", getQuery()), k = named("k", getKey()),
             v = named("v", getValue()), init = named("init", getInit());

  if (failed(check.rank(q, 4, "B x Hq x Nq x D")) ||
      failed(check.rank(k, 4, "B x Hkv x Nk x D")) ||
      failed(check.rank(v, 4, "B x Hkv x Nk x Dv")) ||
      failed(check.rank(init, 4, "B x Hq x Nq x Dv")))
    return failure();
  if (failed(check.elementType(q, computeElementTypes(getContext()),
                               "f32, f16 or bf16")) ||
      failed(check.sameElementType(k, q)) ||
      failed(check.sameElementType(v, q)) ||
      failed(check.sameElementType(init, q)))
    return failure();

  // B, heads, lengths and head dims.
  if (failed(check.sameDim(q, 0, k, 0, "the batch size B")) ||
      failed(check.sameDim(q, 0, v, 0, "the batch size B")) ||
      failed(check.sameDim(q, 0, init, 0, "the batch size B")) ||
      failed(check.sameDim(q, 1, init, 1, "the query head count Hq")) ||
      failed(check.sameDim(k, 1, v, 1, "the key/value head count Hkv")) ||
      failed(check.sameDim(q, 2, init, 2, "the query length Nq")) ||
      failed(check.sameDim(k, 2, v, 2, "the key length Nk")) ||
      failed(check.sameDim(q, 3, k, 3, "the head dim D")) ||
      failed(check.sameDim(v, 3, init, 3, "the value head dim Dv")))
    return failure();

  // D = 0 leaves scores without a value (the default scale is 1/sqrt(D)).
  if (q.type.getDimSize(3) == 0)
    return emitOpError() << "expects a positive head dim D, got 0";
  int64_t hq = q.type.getDimSize(1), hkv = k.type.getDimSize(1);
  if (!ShapedType::isDynamic(hkv) && hkv == 0)
    return emitOpError() << "expects k to have at least one head (Hkv > 0)";
  if (!ShapedType::isDynamic(hq) && !ShapedType::isDynamic(hkv) &&
      hq % hkv != 0)
    return emitOpError() << "expects the query head count (Hq = " << hq
                         << ") to be a multiple of the key/value head count "
                            "(Hkv = "
                         << hkv << ")";

  int64_t batch = q.type.getDimSize(0), nk = k.type.getDimSize(2);
  Builder b(getContext());
  if (Value s = getSinkLogits()) {
    NamedShape sinks = named("sink_logits", s);
    if (failed(check.rank(sinks, 1, "Hq")) ||
        failed(check.elementType(sinks, computeElementTypes(getContext()),
                                 "f32, f16 or bf16")) ||
        failed(check.dimEquals(sinks, 0, hq, "Hq")))
      return failure();
  }
  if (Value len = getKvLen()) {
    NamedShape kvLen = named("kv_len", len);
    if (failed(check.rank(kvLen, 1, "B")) ||
        failed(check.elementType(kvLen, {b.getI64Type()}, "i64")) ||
        failed(check.dimEquals(kvLen, 0, batch, "B")))
      return failure();
  }
  if (Value m = getKeyMask()) {
    NamedShape mask = named("key_mask", m);
    if (failed(check.rank(mask, 2, "B x Nk")) ||
        failed(check.elementType(mask, {b.getI1Type()}, "i1")) ||
        failed(check.dimEquals(mask, 0, batch, "B")) ||
        failed(check.dimEquals(mask, 1, nk, "Nk")))
      return failure();
  }
  if (Value p = getKeyPositions()) {
    NamedShape pos = named("key_positions", p);
    if (failed(check.rank(pos, 2, "B x Nk")) ||
        failed(check.elementType(pos, {b.getI64Type()}, "i64")) ||
        failed(check.dimEquals(pos, 0, batch, "B")) ||
        failed(check.dimEquals(pos, 1, nk, "Nk")))
      return failure();
  }

  // I64Attr getters are unsigned: read the attribute as signed.
  int64_t numSinks = static_cast<int64_t>(getNumSinks());
  if (numSinks < 0)
    return emitOpError() << "expects num_sinks to be non-negative, got "
                         << numSinks;
  if (auto perHead = dyn_cast_or_null<DenseI64ArrayAttr>(getWindowAttr())) {
    if (ShapedType::isDynamic(hq))
      return emitOpError()
             << "expects a static query head count Hq with a per-head window";
    if (perHead.size() != hq)
      return emitOpError() << "expects window to have one entry per query "
                              "head ("
                           << hq << "), got " << perHead.size();
  }
  if (std::optional<APFloat> scale = getScale())
    if (!scale->isFinite())
      return emitOpError() << "expects scale to be finite, got "
                           << std::to_string(scale->convertToDouble());
  if (RopeAttr rope = getRopeAttr()) {
    int64_t d = q.type.getDimSize(3);
    if (!ShapedType::isDynamic(d) && rope.getDims() > d)
      return emitOpError() << "expects rope dims (" << rope.getDims()
                           << ") to be at most the head dim D (" << d << ")";
  }
  return success();
}

int64_t SinkAttentionOp::getWindowForHead(int64_t head) {
  Attribute window = getWindowAttr();
  if (!window)
    return -1;
  if (auto scalar = dyn_cast<IntegerAttr>(window))
    return scalar.getInt();
  return cast<DenseI64ArrayAttr>(window)[head];
}

bool SinkAttentionOp::hasUnboundedWindow() {
  Attribute window = getWindowAttr();
  if (auto perHead = dyn_cast_or_null<DenseI64ArrayAttr>(window))
    return llvm::all_of(perHead.asArrayRef(), [](int64_t w) { return w < 0; });
  return getMaxWindow() < 0;
}

int64_t SinkAttentionOp::getMaxWindow() {
  Attribute window = getWindowAttr();
  if (!window)
    return -1;
  if (auto scalar = dyn_cast<IntegerAttr>(window))
    return scalar.getInt();
  ArrayRef<int64_t> windows = cast<DenseI64ArrayAttr>(window).asArrayRef();
  if (llvm::any_of(windows, [](int64_t w) { return w < 0; }))
    return -1;
  return *llvm::max_element(windows);
}

std::optional<double> SinkAttentionOp::getEffectiveScale() {
  if (std::optional<APFloat> scale = getScale())
    return scale->convertToDouble();
  int64_t d = cast<ShapedType>(getQuery().getType()).getDimSize(3);
  if (ShapedType::isDynamic(d) || d == 0)
    return std::nullopt;
  return 1.0 / std::sqrt(static_cast<double>(d));
}

std::optional<int64_t> SinkAttentionOp::getGroupRatio() {
  int64_t hq = cast<ShapedType>(getQuery().getType()).getDimSize(1);
  int64_t hkv = cast<ShapedType>(getKey().getType()).getDimSize(1);
  if (ShapedType::isDynamic(hq) || ShapedType::isDynamic(hkv) || hkv == 0)
    return std::nullopt;
  return hq / hkv;
}

void SinkAttentionOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  getDpsEffects(*this, effects);
}

namespace {
/// A per-head window whose entries are all equal is the scalar window.
struct FoldUniformPerHeadWindow : OpRewritePattern<SinkAttentionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SinkAttentionOp op,
                                PatternRewriter &rewriter) const override {
    auto perHead = dyn_cast_or_null<DenseI64ArrayAttr>(op.getWindowAttr());
    if (!perHead || perHead.empty() || !llvm::all_equal(perHead.asArrayRef()))
      return failure();
    rewriter.modifyOpInPlace(
        op, [&] { op.setWindowAttr(rewriter.getI64IntegerAttr(perHead[0])); });
    return success();
  }
};

/// With every window unbounded each query sees all keys, so sinks add
/// nothing: the canonical form of dense attention has no window attribute
/// and num_sinks = 0.
struct CanonicalizeDenseAttention : OpRewritePattern<SinkAttentionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SinkAttentionOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasUnboundedWindow() ||
        (!op.getWindowAttr() && op.getNumSinks() == 0))
      return failure();
    rewriter.modifyOpInPlace(op, [&] {
      op.removeWindowAttr();
      op.setNumSinks(0);
    });
    return success();
  }
};

/// Drops optional operands that are constants equal to their default: a
/// kv_len of Nk for every batch, an all-true key_mask, and sink logits that
/// are all −∞ (e^{−∞} adds nothing to the denominator).
struct DropDefaultOptionalOperands : OpRewritePattern<SinkAttentionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SinkAttentionOp op,
                                PatternRewriter &rewriter) const override {
    bool changed = false;
    int64_t nk = cast<ShapedType>(op.getKey().getType()).getDimSize(2);
    DenseIntElementsAttr ints;
    if (op.getKvLen() && !ShapedType::isDynamic(nk) &&
        matchPattern(op.getKvLen(), m_Constant(&ints)) &&
        llvm::all_of(ints.getValues<APInt>(),
                     [&](const APInt &len) { return len == nk; })) {
      rewriter.modifyOpInPlace(op, [&] { op.getKvLenMutable().clear(); });
      changed = true;
    }
    if (op.getKeyMask() && matchPattern(op.getKeyMask(), m_Constant(&ints)) &&
        llvm::all_of(ints.getValues<bool>(), [](bool bit) { return bit; })) {
      rewriter.modifyOpInPlace(op, [&] { op.getKeyMaskMutable().clear(); });
      changed = true;
    }
    DenseFPElementsAttr floats;
    if (op.getSinkLogits() &&
        matchPattern(op.getSinkLogits(), m_Constant(&floats)) &&
        llvm::all_of(floats.getValues<APFloat>(), [](const APFloat &x) {
          return x.isInfinity() && x.isNegative();
        })) {
      rewriter.modifyOpInPlace(op, [&] { op.getSinkLogitsMutable().clear(); });
      changed = true;
    }
    return success(changed);
  }
};

/// A rotary embedding over no dimensions rotates nothing.
struct DropEmptyRope : OpRewritePattern<SinkAttentionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SinkAttentionOp op,
                                PatternRewriter &rewriter) const override {
    RopeAttr rope = op.getRopeAttr();
    if (!rope || rope.getDims() != 0)
      return failure();
    rewriter.modifyOpInPlace(op, [&] { op.removeRopeAttr(); });
    return success();
  }
};

/// An empty output tensor (a static zero dimension) is its init.
template <typename OpTy> struct FoldEmptyOutput : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    if (op->getNumResults() != 1)
      return failure();
    Value init = op.getDpsInitOperand(0)->get();
    if (!hasZeroDim(cast<ShapedType>(init.getType())))
      return failure();
    rewriter.replaceOp(op, init);
    return success();
  }
};
} // namespace

void SinkAttentionOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                                  MLIRContext *context) {
  results.add<FoldUniformPerHeadWindow, CanonicalizeDenseAttention,
              DropDefaultOptionalOperands, DropEmptyRope,
              FoldEmptyOutput<SinkAttentionOp>>(context);
}

//===----------------------------------------------------------------------===//
// CacheAppendOp
//===----------------------------------------------------------------------===//

LogicalResult CacheAppendOp::verify() {
  if (failed(verifyTensorOrBufferForm(*this)))
    return failure();
  OperandChecker check(*this);
  NamedShape kNew = named("new_keys", getNewKeys()),
             vNew = named("new_values", getNewValues()),
             kCache = named("key_cache", getKeyCache()),
             vCache = named("value_cache", getValueCache()),
             pos = named("positions", getPositions()),
             len = named("length", getLength());
  Builder b(getContext());
  if (failed(check.rank(kNew, 4, "B x Hkv x T x D")) ||
      failed(check.rank(vNew, 4, "B x Hkv x T x Dv")) ||
      failed(check.rank(kCache, 4, "B x Hkv x C x D")) ||
      failed(check.rank(vCache, 4, "B x Hkv x C x Dv")) ||
      failed(check.rank(pos, 2, "B x C")) || failed(check.rank(len, 1, "B")))
    return failure();
  if (failed(check.elementType(kNew, computeElementTypes(getContext()),
                               "f32, f16 or bf16")) ||
      failed(check.sameElementType(vNew, kNew)) ||
      failed(check.sameElementType(kCache, kNew)) ||
      failed(check.sameElementType(vCache, kNew)) ||
      failed(check.elementType(pos, {b.getI64Type()}, "i64")) ||
      failed(check.elementType(len, {b.getI64Type()}, "i64")))
    return failure();
  if (failed(check.sameDim(kNew, 0, vNew, 0, "the batch size B")) ||
      failed(check.sameDim(kNew, 0, kCache, 0, "the batch size B")) ||
      failed(check.sameDim(kNew, 0, vCache, 0, "the batch size B")) ||
      failed(check.sameDim(kNew, 0, pos, 0, "the batch size B")) ||
      failed(check.sameDim(kNew, 0, len, 0, "the batch size B")) ||
      failed(check.sameDim(kNew, 1, vNew, 1, "the head count Hkv")) ||
      failed(check.sameDim(kNew, 1, kCache, 1, "the head count Hkv")) ||
      failed(check.sameDim(kNew, 1, vCache, 1, "the head count Hkv")) ||
      failed(check.sameDim(kNew, 2, vNew, 2, "the new token count T")) ||
      failed(check.sameDim(kCache, 2, vCache, 2, "the capacity C")) ||
      failed(check.sameDim(kCache, 2, pos, 1, "the capacity C")) ||
      failed(check.sameDim(kNew, 3, kCache, 3, "the head dim D")) ||
      failed(check.sameDim(vNew, 3, vCache, 3, "the value head dim Dv")))
    return failure();

  // I64Attr getters are unsigned: read the attribute as signed.
  int64_t numSinks = static_cast<int64_t>(getNumSinks());
  if (numSinks < 0)
    return emitOpError() << "expects num_sinks to be non-negative, got "
                         << numSinks;
  int64_t capacity = kCache.type.getDimSize(2);
  if (!ShapedType::isDynamic(capacity) && numSinks >= capacity)
    return emitOpError() << "expects num_sinks (" << numSinks
                         << ") to be smaller than the cache capacity C ("
                         << capacity << ") so the ring keeps at least one slot";
  return success();
}

void CacheAppendOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  getDpsEffects(*this, effects);
}

//===----------------------------------------------------------------------===//
// BitplaneMatmulOp
//===----------------------------------------------------------------------===//

int64_t BitplaneMatmulOp::getNumPlanes() {
  ShapedType planes = cast<ShapedType>(getPlanes().getType());
  return planes.getDimSize(getLayout() ? 2 : 0);
}

LogicalResult BitplaneMatmulOp::verify() {
  if (failed(verifyTensorOrBufferForm(*this)))
    return failure();
  OperandChecker check(*this);
  NamedShape x = named("input", getInput()),
             planes = named("planes", getPlanes()),
             coeffs = named("coeffs", getCoeffs()),
             acc = named("acc", getAcc());
  Builder b(getContext());
  PlaneLayoutAttr layout = getLayoutAttr();

  if (failed(check.rank(x, 2, "M x K")) ||
      failed(layout ? check.rank(planes, 5,
                                 "ceil(N/n_tile) x ceil(KW/k_tile) x P x "
                                 "k_tile x n_tile")
                    : check.rank(planes, 3, "P x KW x N")) ||
      failed(check.rank(coeffs, 3, "G x C x N")) ||
      failed(check.rank(acc, 2, "M x N")))
    return failure();
  Type xType = x.type.getElementType();
  if (failed(check.elementType(x, computeElementTypes(getContext()),
                               "f32, f16 or bf16")) ||
      failed(check.elementType(planes, {b.getI32Type()}, "i32")) ||
      failed(check.elementType(coeffs, {b.getF16Type(), b.getF32Type()},
                               "f16 or f32")))
    return failure();
  if (acc.type.getElementType() != xType &&
      acc.type.getElementType() != b.getF32Type())
    return emitOpError() << "expects acc element type to be f32 or the input "
                            "element type ("
                         << xType << "), got " << acc.type.getElementType();

  int64_t k = x.type.getDimSize(1), n = acc.type.getDimSize(1);
  if (failed(check.sameDim(x, 0, acc, 0, "the row count M")) ||
      failed(check.sameDim(coeffs, 2, acc, 1, "the output count N")))
    return failure();

  // Stored planes P: static, and allowed for the plane kind.
  int64_t numPlanes = getNumPlanes();
  PlaneKind kind = getPlaneKind();
  if (ShapedType::isDynamic(numPlanes))
    return emitOpError() << "expects a static plane count P";
  if (kind == PlaneKind::Ternary) {
    if (numPlanes != 2 && numPlanes != 4)
      return emitOpError() << "expects 2 or 4 stored planes (P) for ternary "
                              "planes, got "
                           << numPlanes;
  } else if (numPlanes < 1 || numPlanes > 4) {
    return emitOpError() << "expects 1 to 4 stored planes (P) for "
                         << stringifyPlaneKind(kind) << " planes, got "
                         << numPlanes;
  }

  int64_t kw = ShapedType::isDynamic(k) ? k : llvm::divideCeil(k, 32);
  if (layout) {
    int64_t nTile = layout.getNTile(), kTile = layout.getKTile();
    int64_t nBlocks = ShapedType::isDynamic(n) ? n : llvm::divideCeil(n, nTile);
    int64_t kBlocks =
        ShapedType::isDynamic(kw) ? kw : llvm::divideCeil(kw, kTile);
    if (failed(check.dimEquals(planes, 0, nBlocks, "ceil(N/n_tile)")) ||
        failed(
            check.dimEquals(planes, 1, kBlocks, "ceil(ceil(K/32)/k_tile)")) ||
        failed(check.dimEquals(planes, 3, kTile, "k_tile")) ||
        failed(check.dimEquals(planes, 4, nTile, "n_tile")))
      return failure();
  } else if (failed(check.dimEquals(planes, 1, kw, "KW = ceil(K/32)")) ||
             failed(check.sameDim(planes, 2, acc, 1, "the output count N"))) {
    return failure();
  }

  int64_t groupSize = static_cast<int64_t>(getGroupSize());
  if (groupSize < 1)
    return emitOpError() << "expects group_size to be positive, got "
                         << groupSize;
  bool perChannel = !ShapedType::isDynamic(k) && groupSize >= k;
  if (groupSize % 32 != 0 && !perChannel)
    return emitOpError() << "expects group_size to be a multiple of 32 or at "
                            "least K ("
                         << dimToString(k) << "), got " << groupSize;
  int64_t numGroups =
      ShapedType::isDynamic(k) ? k : llvm::divideCeil(k, groupSize);
  if (failed(check.dimEquals(coeffs, 0, numGroups, "G = ceil(K/group_size)")) ||
      failed(check.dimEquals(coeffs, 1, getNumCoefficients(), "C = terms + 1")))
    return failure();

  // Sub-block scale codes: both the operand and sub_block, or neither.
  std::optional<uint64_t> subBlock = getSubBlock();
  if (!getScales()) {
    if (subBlock)
      return emitOpError() << "has sub_block = " << *subBlock
                           << " but no scales operand";
    return success();
  }
  if (!subBlock)
    return emitOpError() << "expects sub_block (8, 16 or 32) with a scales "
                            "operand";
  int64_t rows = static_cast<int64_t>(*subBlock);
  if (rows != 8 && rows != 16 && rows != 32)
    return emitOpError() << "expects sub_block to be 8, 16 or 32, got " << rows;
  // (Every group_size that is not per channel is a multiple of 32, so S
  // divides it: sub-blocks never straddle groups.)
  NamedShape scales = named("scales", getScales());
  if (failed(check.rank(scales, 2, "SW x N")) ||
      failed(check.elementType(scales, {b.getI32Type()}, "i32")))
    return failure();
  int64_t scaleWords = ShapedType::isDynamic(k)
                           ? k
                           : llvm::divideCeil(llvm::divideCeil(k, rows), 8);
  if (failed(check.dimEquals(scales, 0, scaleWords,
                             "SW = ceil(ceil(K/sub_block)/8)")) ||
      failed(check.sameDim(scales, 1, acc, 1, "the output count N")))
    return failure();
  return success();
}

void BitplaneMatmulOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  getDpsEffects(*this, effects);
}

namespace {
/// With K = 0 the weight has no rows: y = acc.
struct FoldEmptyReduction : OpRewritePattern<BitplaneMatmulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(BitplaneMatmulOp op,
                                PatternRewriter &rewriter) const override {
    if (op->getNumResults() != 1 ||
        cast<ShapedType>(op.getInput().getType()).getDimSize(1) != 0)
      return failure();
    rewriter.replaceOp(op, op.getAcc());
    return success();
  }
};
} // namespace

void BitplaneMatmulOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                                   MLIRContext *context) {
  results.add<FoldEmptyReduction, FoldEmptyOutput<BitplaneMatmulOp>>(context);
}

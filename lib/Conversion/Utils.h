//===- Utils.h - helpers shared by the bitsink lowerings --------*- C++ -*-===//
//
// Private to lib/Conversion.
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_LIB_CONVERSION_UTILS_H
#define BITSINK_LIB_CONVERSION_UTILS_H

#include "bitsink/Dialect/BitSink/IR/BitSinkOps.h"

#include "Common/EmitBuilder.h"
#include "Common/LoweringPattern.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"

namespace bitsink {

/// Applies toMemrefForm to every op of type OpTy under `root`, then calls
/// `lower` on each memref-form op (with the rewriter positioned before it);
/// `lower` erases the op on success. Stops at the first failure.
template <typename OpTy, typename Fn>
mlir::LogicalResult lowerAll(mlir::Operation *root, Fn &&lower) {
  llvm::SmallVector<OpTy> ops;
  root->walk([&](OpTy op) { ops.push_back(op); });
  mlir::IRRewriter rewriter(root->getContext());
  for (OpTy op : ops) {
    rewriter.setInsertionPoint(op);
    auto memrefOp = llvm::cast<OpTy>(toMemrefForm(
        rewriter, llvm::cast<mlir::DestinationStyleOpInterface>(*op),
        OpTy::readsInits()));
    rewriter.setInsertionPoint(memrefOp);
    if (mlir::failed(lower(rewriter, memrefOp)))
      return mlir::failure();
  }
  return mlir::success();
}

/// lowerAll with an emitter class: each memref-form op is lowered by
/// `EmitterTy(builder, op, args...).emit()` and erased when that succeeds.
template <typename OpTy, typename EmitterTy, typename... Args>
mlir::LogicalResult lowerAllWith(mlir::Operation *root, const Args &...args) {
  return lowerAll<OpTy>(root, [&](mlir::RewriterBase &rewriter, OpTy op) {
    mlir::ImplicitLocOpBuilder builder(op.getLoc(), rewriter);
    builder.setInsertionPoint(op);
    EmitterTy emitter(builder, op, args...);
    if (mlir::failed(emitter.emit()))
      return mlir::failure();
    rewriter.eraseOp(op);
    return mlir::success();
  });
}

/// True where `x` (a float or a vector of floats) is NaN or ±Inf: its
/// exponent field is all ones. Tested on the bits, so it needs no float
/// compare of the type (half-precision compares need soft promotion where
/// the target has no f16 / bf16 arithmetic).
inline mlir::Value isNonFinite(mlir::ImplicitLocOpBuilder &b, mlir::Value x) {
  auto floatType =
      llvm::cast<mlir::FloatType>(mlir::getElementTypeOrSelf(x.getType()));
  mlir::Type intType = b.getIntegerType(floatType.getWidth());
  if (auto vecType = llvm::dyn_cast<mlir::VectorType>(x.getType()))
    intType = vecType.clone(intType);
  llvm::APInt exponent =
      llvm::APFloat::getInf(floatType.getFloatSemantics()).bitcastToAPInt();
  mlir::Value mask = mlir::arith::ConstantOp::create(
      b,
      llvm::isa<mlir::VectorType>(intType)
          ? llvm::cast<mlir::TypedAttr>(mlir::DenseElementsAttr::get(
                llvm::cast<mlir::ShapedType>(intType), exponent))
          : llvm::cast<mlir::TypedAttr>(b.getIntegerAttr(intType, exponent)));
  mlir::Value bits = mlir::arith::BitcastOp::create(b, intType, x);
  return mlir::arith::CmpIOp::create(b, mlir::arith::CmpIPredicate::eq,
                                     mlir::arith::AndIOp::create(b, bits, mask),
                                     mask);
}

/// Reports a pass option outside its range on `root`:
/// "<pass>: <option> must be <requirement>, got <value>".
inline void reportBadOption(mlir::Operation *root, llvm::StringRef pass,
                            llvm::StringRef option, int64_t value,
                            llvm::StringRef requirement) {
  root->emitError() << pass << ": " << option << " must be " << requirement
                    << ", got " << value;
}

/// The operands and static facts of a memref-form `sink_attention` that the
/// CPU and GPU attention emitters both start from.
struct AttentionOperands {
  mlir::Value q, k, v, out, sinkLogits, kvLen, keyMask, keyPositions;
  mlir::Type elemType;
  int64_t headDim = 0, valueDim = 0;
  bool causal = false;
  /// The op's scale, 1/sqrt(D) by default.
  float scale = 1;

  /// Reads them from `op`. Fails, with "<lowering> needs static head
  /// dimensions D and Dv", when D or Dv is dynamic.
  mlir::LogicalResult read(bitsink::SinkAttentionOp op,
                           llvm::StringRef lowering);
};

/// Transitional, while the emitters move to EmitBuilder.
class KernelBuilder : public EmitBuilder {
protected:
  using EmitBuilder::EmitBuilder;
  mlir::Value minIdx(mlir::Value x, mlir::Value y) { return minS(x, y); }
};

} // namespace bitsink

#endif // BITSINK_LIB_CONVERSION_UTILS_H

//===- Utils.h - helpers shared by the bitsink lowerings --------*- C++ -*-===//
//
// Private to lib/Conversion.
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_LIB_CONVERSION_UTILS_H
#define BITSINK_LIB_CONVERSION_UTILS_H

#include "bitsink/Dialect/BitSink/IR/BitSinkOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"

namespace bitsink {

/// Rewrites a bitsink op on tensors into the same op on memrefs: inputs
/// through `bufferization.to_buffer`, each init into a fresh buffer (copied
/// from the init when the op reads it), results as `bufferization.to_tensor`
/// of those buffers. Returns the memref-form op; an op already on memrefs is
/// returned as is. Lets each lowering pass run on tensor IR by itself; the
/// CPU pipeline bufferizes first, so there the caches stay in place.
mlir::Operation *toMemrefForm(mlir::RewriterBase &rewriter,
                              mlir::DestinationStyleOpInterface op,
                              bool readsInits);

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

/// Builders shared by the kernel emitters. `b` stays where the next op goes;
/// the structured builders emit their body with `b` moved into the new
/// region and restore it afterwards.
class KernelBuilder {
protected:
  explicit KernelBuilder(mlir::ImplicitLocOpBuilder &b) : b(b) {}

  mlir::Value idx(int64_t v) {
    return mlir::arith::ConstantIndexOp::create(b, v);
  }
  mlir::Value minIdx(mlir::Value x, mlir::Value y) {
    return mlir::arith::MinSIOp::create(b, x, y);
  }
  /// Size `d` of `memref`: a constant when static.
  mlir::Value dim(mlir::Value memref, int64_t d) {
    return b.createOrFold<mlir::memref::DimOp>(memref, d);
  }
  /// `v` (a scalar or vector of f16/bf16/f32) as f32.
  mlir::Value toF32(mlir::Value v) {
    mlir::Type f32 = b.getF32Type();
    if (mlir::getElementTypeOrSelf(v.getType()) == f32)
      return v;
    mlir::Type type = f32;
    if (auto vecType = llvm::dyn_cast<mlir::VectorType>(v.getType()))
      type = vecType.clone(f32);
    return mlir::arith::ExtFOp::create(b, type, v);
  }
  /// scf.for whose body `body(iv, iterArgs)` returns the values to yield;
  /// returns the loop results.
  template <typename Fn>
  llvm::SmallVector<mlir::Value> forLoop(mlir::Value lb, mlir::Value ub,
                                         mlir::Value step,
                                         mlir::ValueRange inits, Fn &&body) {
    auto loop = mlir::scf::ForOp::create(
        b, lb, ub, step, inits,
        [&](mlir::OpBuilder &ob, mlir::Location, mlir::Value iv,
            mlir::ValueRange iterArgs) {
          mlir::OpBuilder::InsertionGuard guard(b);
          b.restoreInsertionPoint(ob.saveInsertionPoint());
          mlir::scf::YieldOp::create(b, body(iv, iterArgs));
        });
    return loop.getResults();
  }
  template <typename Fn>
  llvm::SmallVector<mlir::Value> forLoop(mlir::Value lb, mlir::Value ub,
                                         mlir::ValueRange inits, Fn &&body) {
    return forLoop(lb, ub, idx(1), inits, std::forward<Fn>(body));
  }
  /// scf.parallel over [0, ubs) with `steps` (unit steps when empty):
  /// convert-scf-to-openmp makes it the kernel's one OpenMP loop.
  template <typename Fn>
  void parallelLoop(mlir::ValueRange ubs, mlir::ValueRange steps, Fn &&body) {
    llvm::SmallVector<mlir::Value> zeros(ubs.size(), idx(0));
    llvm::SmallVector<mlir::Value> stepValues(steps);
    if (stepValues.empty())
      stepValues.assign(ubs.size(), idx(1));
    mlir::scf::ParallelOp::create(
        b, zeros, ubs, stepValues,
        [&](mlir::OpBuilder &ob, mlir::Location, mlir::ValueRange ivs) {
          mlir::OpBuilder::InsertionGuard guard(b);
          b.restoreInsertionPoint(ob.saveInsertionPoint());
          body(ivs);
        });
  }

  mlir::ImplicitLocOpBuilder &b;
};

} // namespace bitsink

#endif // BITSINK_LIB_CONVERSION_UTILS_H

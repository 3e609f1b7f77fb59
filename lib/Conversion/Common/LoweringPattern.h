//===- LoweringPattern.h - the shape of each op lowering --------*- C++ -*-===//
//
// Each lowering of a bitsink op (CPU or GPU) is a BitSinkLoweringPattern:
//
//   1. `checkLowerable(op)` states every reason to refuse the op and reports
//      it as an error on the op, before any IR is created;
//   2. the op is put in memref form (toMemrefForm; an op already on
//      memrefs stays as it is);
//   3. `lower(memrefOp, b)` emits the kernel before the op, which is then
//      erased. It cannot fail.
//
// The patterns are exported by populateBitSink...Patterns functions
// (include/bitsink/Conversion/Patterns.h, GPU/Patterns.h); the passes are
// thin wrappers around runLowering.
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_LIB_CONVERSION_COMMON_LOWERINGPATTERN_H
#define BITSINK_LIB_CONVERSION_COMMON_LOWERINGPATTERN_H

#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Rewrite/FrozenRewritePatternSet.h"

#include "llvm/ADT/STLFunctionalExtras.h"

namespace bitsink {
class OptionChecker;
} // namespace bitsink

namespace bitsink {

/// Rewrites a bitsink op on tensors into the same op on memrefs: inputs
/// through `bufferization.to_buffer`, each init into a fresh buffer (copied
/// from the init when the op reads it), results as `bufferization.to_tensor`
/// of those buffers. Returns the memref-form op; an op already on memrefs is
/// returned as is. Lets each lowering run on tensor IR by itself; the
/// pipelines bufferize first, so there the caches stay in place.
mlir::Operation *toMemrefForm(mlir::RewriterBase &rewriter,
                              mlir::DestinationStyleOpInterface op,
                              bool readsInits);

template <typename OpTy>
class BitSinkLoweringPattern : public mlir::OpRewritePattern<OpTy> {
public:
  using mlir::OpRewritePattern<OpTy>::OpRewritePattern;

  /// Reports why `op` cannot be lowered (an error on the op) and fails;
  /// creates no IR.
  virtual mlir::LogicalResult checkLowerable(OpTy op) const {
    return mlir::success();
  }
  /// Emits the lowering of `op` (memref form) at `b`'s insertion point.
  virtual void lower(OpTy op, mlir::ImplicitLocOpBuilder &b) const = 0;

  mlir::LogicalResult
  matchAndRewrite(OpTy op, mlir::PatternRewriter &rewriter) const final {
    if (mlir::failed(checkLowerable(op)))
      return mlir::failure();
    rewriter.setInsertionPoint(op);
    auto memrefOp = llvm::cast<OpTy>(toMemrefForm(
        rewriter, llvm::cast<mlir::DestinationStyleOpInterface>(*op),
        OpTy::readsInits()));
    mlir::ImplicitLocOpBuilder b(memrefOp.getLoc(), rewriter);
    b.setInsertionPoint(memrefOp);
    lower(memrefOp, b);
    rewriter.eraseOp(memrefOp);
    return mlir::success();
  }
};

/// Applies `patterns` once to every op under `root` (walkAndApplyPatterns:
/// each op is visited once, so a refusal is reported once). Fails when an op
/// named `opName` is left: its pattern refused it and said why.
mlir::LogicalResult
applyLoweringPatterns(mlir::Operation *root,
                      const mlir::FrozenRewritePatternSet &patterns,
                      llvm::ArrayRef<llvm::StringRef> opNames);

/// The body of every lowering pass: reports the first option `options`
/// refuses (an error on `root`) and fails; otherwise applies the patterns
/// that `populate` adds (applyLoweringPatterns) and fails when an op named
/// in `opNames` is left.
mlir::LogicalResult
runLowering(mlir::Operation *root, const OptionChecker &options,
            llvm::function_ref<void(mlir::RewritePatternSet &)> populate,
            llvm::ArrayRef<llvm::StringRef> opNames);

/// runLowering for a pass that lowers the ops `OpTy` with the patterns of
/// `populate(patterns, options)`.
template <typename OpTy, typename OptionsTy>
mlir::LogicalResult
runLowering(mlir::Operation *root, const OptionChecker &checker,
            void (*populate)(mlir::RewritePatternSet &, const OptionsTy &),
            const OptionsTy &options) {
  return runLowering(
      root, checker,
      [&](mlir::RewritePatternSet &patterns) { populate(patterns, options); },
      {OpTy::getOperationName()});
}

} // namespace bitsink

#endif // BITSINK_LIB_CONVERSION_COMMON_LOWERINGPATTERN_H

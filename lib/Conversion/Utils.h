//===- Utils.h - helpers shared by the bitsink lowerings --------*- C++ -*-===//
//
// Private to lib/Conversion.
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_LIB_CONVERSION_UTILS_H
#define BITSINK_LIB_CONVERSION_UTILS_H

#include "mlir/IR/PatternMatch.h"
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

} // namespace bitsink

#endif // BITSINK_LIB_CONVERSION_UTILS_H

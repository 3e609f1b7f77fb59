//===- TilingSupport.h - shared steps of the CPU tiling passes --*- C++ -*-===//
//
// Upstream linalg tiling and the canonicalization that follows it, as
// bitsink-tile-contractions and bitsink-vectorize-linalg both use them on
// buffers.
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_LIB_CONVERSION_CPU_TILINGSUPPORT_H
#define BITSINK_LIB_CONVERSION_CPU_TILINGSUPPORT_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Transforms/Patterns.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace bitsink {

/// Tiles `op` with upstream linalg tiling and erases it (on buffers the
/// tiled loop nest has no results to replace it with).
inline mlir::FailureOr<mlir::linalg::TiledLinalgOp>
tileAndErase(mlir::RewriterBase &rewriter, mlir::linalg::LinalgOp op,
             llvm::ArrayRef<int64_t> sizes,
             llvm::ArrayRef<unsigned> interchange,
             mlir::linalg::LinalgTilingLoopType loopType) {
  mlir::linalg::LinalgTilingOptions options;
  options.setTileSizes(sizes).setLoopType(loopType);
  if (!interchange.empty())
    options.setInterchange(interchange);
  rewriter.setInsertionPoint(op);
  mlir::FailureOr<mlir::linalg::TiledLinalgOp> tiled =
      mlir::linalg::tileLinalgOp(rewriter, op, options);
  if (mlir::failed(tiled))
    return mlir::failure();
  rewriter.eraseOp(op);
  return tiled;
}

/// Canonicalizes the ops nested in `root` (affine.min against loop bounds,
/// constant sub-view sizes, single-iteration loops), so that full tiles get
/// static shapes.
inline void simplifyTiles(mlir::Operation *root) {
  mlir::MLIRContext *ctx = root->getContext();
  mlir::RewritePatternSet patterns(ctx);
  for (mlir::Dialect *dialect : ctx->getLoadedDialects())
    dialect->getCanonicalizationPatterns(patterns);
  for (mlir::RegisteredOperationName name : ctx->getRegisteredOperations())
    name.getCanonicalizationPatterns(patterns, ctx);
  mlir::scf::populateSCFForLoopCanonicalizationPatterns(patterns);
  (void)mlir::applyPatternsGreedily(root, std::move(patterns));
}

} // namespace bitsink

#endif // BITSINK_LIB_CONVERSION_CPU_TILINGSUPPORT_H

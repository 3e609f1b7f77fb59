//===- TileParallelLoops.cpp - parallel loops to blocks x threads ---------===//
//
// The linalg glue that bitsink-nvptx-pipeline turns into kernels arrives as
// one scf.parallel per op. Tiling its innermost dimension gives the nested
// loop that gpu-map-parallel-loops maps to threads; without it every block
// would run a single thread.
//
//===----------------------------------------------------------------------===//

#include "bitsink/Conversion/GPU/Passes.h"
#include "bitsink/Support/OptionChecks.h"

#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "llvm/Support/MathExtras.h"

namespace bitsink {
#define GEN_PASS_DEF_BITSINKGPUTILEPARALLELLOOPS
#include "bitsink/Conversion/GPU/Passes.h.inc"
} // namespace bitsink

using namespace mlir;

namespace {

/// Threads along the innermost dimension: `blockSize`, or for a smaller
/// static trip count the next power of two of it, at least a warp.
int64_t innermostTile(scf::ParallelOp loop, int64_t blockSize) {
  unsigned last = loop.getNumLoops() - 1;
  std::optional<int64_t> lb = getConstantIntValue(loop.getLowerBound()[last]);
  std::optional<int64_t> ub = getConstantIntValue(loop.getUpperBound()[last]);
  std::optional<int64_t> step = getConstantIntValue(loop.getStep()[last]);
  if (!lb || !ub || !step || *step <= 0)
    return blockSize;
  int64_t trips = llvm::divideCeil(std::max<int64_t>(*ub - *lb, 0), *step);
  return std::min<int64_t>(
      blockSize, std::max<int64_t>(32, llvm::PowerOf2Ceil(uint64_t(trips))));
}

struct TileParallelLoopsPass
    : bitsink::impl::BitSinkGPUTileParallelLoopsBase<TileParallelLoopsPass> {
  using Base::Base;

  void runOnOperation() override {
    if (failed(bitsink::OptionChecker("bitsink-gpu-tile-parallel-loops")
                   .inRange("block-size", blockSize, 1, 1024)
                   .emit(getOperation())))
      return signalPassFailure();
    SmallVector<scf::ParallelOp> loops;
    getOperation()->walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (isa<gpu::LaunchOp, gpu::GPUModuleOp>(op))
        return WalkResult::skip();
      if (auto loop = dyn_cast<scf::ParallelOp>(op)) {
        loops.push_back(loop); // Outermost loops only.
        return WalkResult::skip();
      }
      return WalkResult::advance();
    });
    for (scf::ParallelOp loop : loops) {
      SmallVector<int64_t> tileSizes(loop.getNumLoops(), 1);
      tileSizes.back() = innermostTile(loop, blockSize);
      scf::tileParallelLoop(loop, tileSizes, /*noMinMaxBounds=*/true);
    }
  }
};

} // namespace

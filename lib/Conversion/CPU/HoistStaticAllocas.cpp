//===- HoistStaticAllocas.cpp - stack buffers out of loops ------*- C++ -*-===//

#include "bitsink/Conversion/Passes.h"

#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/FunctionInterfaces.h"

namespace bitsink {
#define GEN_PASS_DEF_BITSINKHOISTSTATICALLOCAS
#include "bitsink/Conversion/Passes.h.inc"
} // namespace bitsink

using namespace mlir;

namespace {
struct HoistStaticAllocasPass
    : bitsink::impl::BitSinkHoistStaticAllocasBase<HoistStaticAllocasPass> {
  void runOnOperation() override {
    SmallVector<memref::AllocaOp> allocas;
    getOperation()->walk([&](memref::AllocaOp op) {
      if (op->getNumOperands() == 0 && op.getType().hasStaticShape())
        allocas.push_back(op);
    });
    for (memref::AllocaOp op : allocas) {
      Operation *scope = op->getParentOp();
      while (scope && !isa<omp::ParallelOp, FunctionOpInterface>(scope))
        scope = scope->getParentOp();
      if (!scope || scope->getNumRegions() == 0 || scope->getRegion(0).empty())
        continue;
      op->moveBefore(&scope->getRegion(0).front().front());
    }
    // Inline alloca scopes that no longer own an alloca.
    SmallVector<memref::AllocaScopeOp> scopes;
    getOperation()->walk(
        [&](memref::AllocaScopeOp op) { scopes.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (memref::AllocaScopeOp scope : llvm::reverse(scopes)) {
      Block &body = scope.getBodyRegion().front();
      bool ownsAlloca = llvm::any_of(
          body, [](Operation &op) { return isa<memref::AllocaOp>(op); });
      if (ownsAlloca || !scope.getBodyRegion().hasOneBlock())
        continue;
      Operation *terminator = body.getTerminator();
      SmallVector<Value> results(terminator->getOperands());
      rewriter.eraseOp(terminator);
      rewriter.inlineBlockBefore(&body, scope);
      rewriter.replaceOp(scope, results);
    }
  }
};
} // namespace

//===- ApproximateMath.cpp - math ops to polynomials ------------*- C++ -*-===//
//
// Wraps MLIR's math polynomial-approximation patterns in a pass: upstream
// has them only as populate functions (and a test pass).
//
//===----------------------------------------------------------------------===//

#include "bitsink/Conversion/Passes.h"
#include "bitsink/Conversion/Patterns.h"

#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace bitsink {
#define GEN_PASS_DEF_BITSINKAPPROXIMATEMATH
#include "bitsink/Conversion/Passes.h.inc"
} // namespace bitsink

using namespace mlir;

void bitsink::populateBitSinkApproximateMathPatterns(
    RewritePatternSet &patterns) {
  populateMathPolynomialApproximationPatterns(patterns);
}

namespace {
struct ApproximateMathPass
    : bitsink::impl::BitSinkApproximateMathBase<ApproximateMathPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    bitsink::populateBitSinkApproximateMathPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace

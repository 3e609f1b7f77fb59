//===- ApproximateMath.cpp - math ops to polynomials ------------*- C++ -*-===//
//
// Wraps MLIR's math polynomial-approximation patterns in a pass: upstream
// has them only as populate functions (and a test pass).
//
//===----------------------------------------------------------------------===//

#include "bitsink/Conversion/Passes.h"

#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace bitsink {
#define GEN_PASS_DEF_BITSINKAPPROXIMATEMATH
#include "bitsink/Conversion/Passes.h.inc"
} // namespace bitsink

using namespace mlir;

namespace {
struct ApproximateMathPass
    : bitsink::impl::BitSinkApproximateMathBase<ApproximateMathPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateMathPolynomialApproximationPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace

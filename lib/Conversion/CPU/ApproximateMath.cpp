//===- ApproximateMath.cpp - math ops to polynomials ------------*- C++ -*-===//
//
// Wraps MLIR's math polynomial-approximation patterns in a pass: upstream
// has them only as populate functions (and a test pass). It also expands
// bf16 <-> f32 conversions into integer arithmetic (upstream's
// populateExpandBFloat16Patterns): the x86 backend of LLVM 22 aborts
// ("Do not know how to soft promote this operator's operand!") on some
// `fpext <9 x bfloat>` the attention kernels emit for an odd head dimension,
// found by fuzz/FuzzLower.cpp (docs/toolchain.md).
//
//===----------------------------------------------------------------------===//

#include "bitsink/Conversion/Passes.h"
#include "bitsink/Conversion/Patterns.h"

#include "mlir/Dialect/Arith/Transforms/Passes.h"
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
  arith::populateExpandBFloat16Patterns(patterns);
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

//===- ApproximateMath.cpp - math ops to polynomials ------------*- C++ -*-===//
//
// Wraps MLIR's math polynomial-approximation patterns in a pass: upstream
// has them only as populate functions (and a test pass). It also rewrites
// bf16 -> f32 extensions as integer arithmetic (the bf16 bits are the high
// half of the f32: exact): the x86 backend of LLVM 22 aborts ("Do not know
// how to soft promote this operator's operand!") on some `fpext <9 x
// bfloat>` the attention kernels emit for an odd head dimension, found by
// fuzz/FuzzLower.cpp (docs/toolchain.md). Truncations stay `arith.truncf`
// (native on AVX-512 BF16, a compiler-rt call elsewhere); upstream's
// populateExpandBFloat16Patterns would expand both.
//
//===----------------------------------------------------------------------===//

#include "bitsink/Conversion/Passes.h"
#include "bitsink/Conversion/Patterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace bitsink {
#define GEN_PASS_DEF_BITSINKAPPROXIMATEMATH
#include "bitsink/Conversion/Passes.h.inc"
} // namespace bitsink

using namespace mlir;

namespace {
/// arith.extf bf16 -> f32 (scalar or vector) as bitcast to i16, zero
/// extension to i32, shift left by 16, bitcast to f32.
struct ExtendBF16ThroughBits : OpRewritePattern<arith::ExtFOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(arith::ExtFOp op,
                                PatternRewriter &rewriter) const override {
    Type in = getElementTypeOrSelf(op.getIn().getType());
    Type out = getElementTypeOrSelf(op.getType());
    if (!in.isBF16() || !out.isF32())
      return failure();
    auto like = [&](Type elem) -> Type {
      if (auto vec = dyn_cast<VectorType>(op.getType()))
        return vec.clone(elem);
      return elem;
    };
    Location loc = op.getLoc();
    Type i16 = like(rewriter.getI16Type()), i32 = like(rewriter.getI32Type());
    Value bits = arith::BitcastOp::create(rewriter, loc, i16, op.getIn());
    Value wide = arith::ExtUIOp::create(rewriter, loc, i32, bits);
    TypedAttr shift = rewriter.getI32IntegerAttr(16);
    if (auto vec = dyn_cast<VectorType>(i32))
      shift = DenseElementsAttr::get(vec, llvm::APInt(32, 16));
    Value sixteen = arith::ConstantOp::create(rewriter, loc, shift);
    Value high = arith::ShLIOp::create(rewriter, loc, wide, sixteen);
    rewriter.replaceOpWithNewOp<arith::BitcastOp>(op, op.getType(), high);
    return success();
  }
};
} // namespace

void bitsink::populateBitSinkApproximateMathPatterns(
    RewritePatternSet &patterns) {
  populateMathPolynomialApproximationPatterns(patterns);
  patterns.add<ExtendBF16ThroughBits>(patterns.getContext());
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

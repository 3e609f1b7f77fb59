//===- LowerAttention.cpp - sink_attention to tiled loops -------*- C++ -*-===//
//
// The lowering of `bitsink.sink_attention` to the CPU kernels of
// AttentionEmitter.h (prefill, or split-KV decode for few static queries)
// as a BitSinkLoweringPattern, and bitsink-lower-attention, which checks
// its options and applies the pattern.
//
//===----------------------------------------------------------------------===//

#include "bitsink/Conversion/Passes.h"
#include "bitsink/Conversion/Patterns.h"
#include "bitsink/Dialect/BitSink/IR/BitSinkOps.h"
#include "bitsink/Support/OptionChecks.h"

#include "../../Common/LoweringPattern.h"
#include "AttentionEmitter.h"

namespace bitsink {
#define GEN_PASS_DEF_BITSINKLOWERATTENTION
#include "bitsink/Conversion/Passes.h.inc"
} // namespace bitsink

using namespace mlir;
using namespace bitsink;

static OptionChecker checkOptions(const BitSinkLowerAttentionOptions &options) {
  OptionChecker checker("bitsink-lower-attention");
  checker.inRange("query-tile", options.queryTile, 1, 64)
      .inRange("key-tile", options.keyTile, 1, 64)
      .atLeast("decode-max-queries", options.decodeMaxQueries, 0)
      .inRange("decode-lanes", options.decodeLanes, 1, 64)
      .require(options.splitSize >= options.keyTile,
               "split-size must be at least key-tile, got " +
                   Twine(options.splitSize));
  return checker;
}

namespace {

struct LowerAttentionPattern : BitSinkLoweringPattern<SinkAttentionOp> {
  LowerAttentionPattern(MLIRContext *context,
                        const BitSinkLowerAttentionOptions &options)
      : BitSinkLoweringPattern(context), options(options) {}

  /// The kernels keep D and Dv in registers.
  LogicalResult checkLowerable(SinkAttentionOp op) const override {
    return attention::AttentionOperands::checkStaticHeadDims(op, "lowering");
  }

  void lower(SinkAttentionOp op, ImplicitLocOpBuilder &b) const override {
    cpu::AttentionEmitter(b, op, options).emit();
  }

  BitSinkLowerAttentionOptions options;
};

struct LowerAttentionPass
    : bitsink::impl::BitSinkLowerAttentionBase<LowerAttentionPass> {
  using BitSinkLowerAttentionBase::BitSinkLowerAttentionBase;

  void runOnOperation() override {
    BitSinkLowerAttentionOptions options{queryTile, keyTile, decodeMaxQueries,
                                         splitSize, decodeLanes};
    if (failed(runLowering<SinkAttentionOp>(
            getOperation(), checkOptions(options),
            populateBitSinkLowerAttentionPatterns, options)))
      signalPassFailure();
  }
};

} // namespace

void bitsink::populateBitSinkLowerAttentionPatterns(
    RewritePatternSet &patterns, const BitSinkLowerAttentionOptions &options) {
  assert(checkOptions(options).ok() && "options the pass would refuse");
  patterns.add<LowerAttentionPattern>(patterns.getContext(), options);
}

//===- LowerToCPUKernels.cpp - every bitsink op to CPU kernels -*- C++ -*-===//
//
// bitsink-lower-to-cpu-kernels: the three CPU op lowerings, with their
// passes' default options, applied in one walk. It only combines the
// populate functions of include/bitsink/Conversion/Patterns.h, the way a
// pipeline outside bitsink would.
//
//===----------------------------------------------------------------------===//

#include "bitsink/Conversion/Passes.h"
#include "bitsink/Conversion/Patterns.h"
#include "bitsink/Dialect/BitSink/IR/BitSinkOps.h"
#include "bitsink/Support/OptionChecks.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include "../Common/LoweringPattern.h"

namespace bitsink {
#define GEN_PASS_DEF_BITSINKLOWERTOCPUKERNELS
#include "bitsink/Conversion/Passes.h.inc"
} // namespace bitsink

using namespace mlir;
using namespace bitsink;

namespace {

struct LowerToCPUKernelsPass
    : bitsink::impl::BitSinkLowerToCPUKernelsBase<LowerToCPUKernelsPass> {
  void runOnOperation() override {
    auto populate = [](RewritePatternSet &patterns) {
      populateBitSinkLowerCacheAppendPatterns(patterns);
      populateBitSinkLowerAttentionPatterns(patterns,
                                            BitSinkLowerAttentionOptions());
      populateBitSinkLowerBitplaneMatmulPatterns(
          patterns, BitSinkLowerBitplaneMatmulOptions());
    };
    if (failed(runLowering(getOperation(), OptionChecker(getArgument()),
                           populate,
                           {CacheAppendOp::getOperationName(),
                            SinkAttentionOp::getOperationName(),
                            BitplaneMatmulOp::getOperationName()})))
      signalPassFailure();
  }
};

} // namespace

//===- LowerAttentionGPU.cpp ---------------------------------------*- C++ -*-===//
//
// (Placeholder while the kernel is written: reports an error.)
//
//===----------------------------------------------------------------------===//

#include "bitsink/Conversion/GPU/Passes.h"

namespace bitsink {
#define GEN_PASS_DEF_BITSINKGPULOWERATTENTION
#include "bitsink/Conversion/GPU/Passes.h.inc"
} // namespace bitsink

namespace {
struct Pass : bitsink::impl::BitSinkGPULowerAttentionBase<Pass> {
  void runOnOperation() override {
    getOperation()->emitError("not written yet");
    signalPassFailure();
  }
};
} // namespace

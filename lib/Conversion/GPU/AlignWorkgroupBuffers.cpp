//===- AlignWorkgroupBuffers.cpp - align shared-memory attributions -------===//
//
// Sets `llvm.align` on the workgroup attributions of outlined kernels, so
// that the shared-memory globals convert-gpu-to-nvvm makes of them are
// aligned for 16-byte cp.async, ldmatrix and vector accesses.
//
//===----------------------------------------------------------------------===//

#include "bitsink/Conversion/GPU/Passes.h"
#include "bitsink/Support/OptionChecks.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "llvm/Support/MathExtras.h"

namespace bitsink {
#define GEN_PASS_DEF_BITSINKGPUALIGNWORKGROUPBUFFERS
#include "bitsink/Conversion/GPU/Passes.h.inc"
} // namespace bitsink

using namespace mlir;

namespace {
struct AlignWorkgroupBuffersPass
    : bitsink::impl::BitSinkGPUAlignWorkgroupBuffersBase<
          AlignWorkgroupBuffersPass> {
  using Base::Base;

  void runOnOperation() override {
    if (failed(bitsink::OptionChecker("bitsink-gpu-align-workgroup-buffers")
                   .require(alignment > 0 && llvm::isPowerOf2_64(alignment),
                            "alignment must be a positive power of two, got " +
                                Twine(static_cast<int64_t>(alignment)))
                   .emit(getOperation())))
      return signalPassFailure();
    StringRef name = LLVM::LLVMDialect::getAlignAttrName();
    Builder b(&getContext());
    getOperation().walk([&](gpu::GPUFuncOp func) {
      for (unsigned i = 0, e = func.getNumWorkgroupAttributions(); i < e; ++i) {
        auto current = dyn_cast_or_null<IntegerAttr>(
            func.getWorkgroupAttributionAttr(i, name));
        if (current && current.getInt() >= alignment)
          continue;
        func.setWorkgroupAttributionAttr(i, name,
                                         b.getI64IntegerAttr(alignment));
      }
    });
  }
};
} // namespace

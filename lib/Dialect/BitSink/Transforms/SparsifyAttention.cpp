//===- SparsifyAttention.cpp - dense to sink + window attention -*- C++ -*-===//
//
// The sparsification policy pass: sets num_sinks and window (scalar or per
// head) on the dense sink_attention ops it selects.
//
//===----------------------------------------------------------------------===//

#include "bitsink/Dialect/BitSink/IR/BitSinkOps.h"
#include "bitsink/Dialect/BitSink/Transforms/Passes.h"

#include "llvm/ADT/DenseSet.h"

namespace bitsink {
#define GEN_PASS_DEF_BITSINKSPARSIFYATTENTION
#include "bitsink/Dialect/BitSink/Transforms/Passes.h.inc"
} // namespace bitsink

using namespace mlir;
using namespace bitsink;

namespace {
struct SparsifyAttentionPass
    : bitsink::impl::BitSinkSparsifyAttentionBase<SparsifyAttentionPass> {
  using BitSinkSparsifyAttentionBase::BitSinkSparsifyAttentionBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (numSinks < 0) {
      module.emitError() << "bitsink-sparsify-attention: num-sinks must be "
                            "non-negative, got "
                         << static_cast<int64_t>(numSinks);
      return signalPassFailure();
    }
    llvm::DenseSet<int64_t> selected(layers.begin(), layers.end());
    int64_t index = 0;
    WalkResult walk = module.walk([&](SinkAttentionOp op) {
      int64_t layer = index++;
      if (!selected.empty() && !selected.contains(layer))
        return WalkResult::advance();
      if (!op.getCausal() && !includeNonCausal) {
        op.emitRemark() << "attention #" << layer
                        << " left dense: it is not causal (set "
                           "include-non-causal to sparsify it)";
        return WalkResult::advance();
      }
      if (!op.hasUnboundedWindow() || op.getNumSinks() != 0) {
        op.emitRemark() << "attention #" << layer
                        << " left alone: it is already sparse";
        return WalkResult::advance();
      }
      Attribute windowAttr;
      if (!headWindows.empty()) {
        int64_t hq = cast<ShapedType>(op.getQuery().getType()).getDimSize(1);
        if (ShapedType::isDynamic(hq) ||
            hq != static_cast<int64_t>(headWindows.size())) {
          op.emitError() << "bitsink-sparsify-attention: head-windows has "
                         << headWindows.size() << " entries but attention #"
                         << layer << " has "
                         << (ShapedType::isDynamic(hq) ? std::string("?")
                                                       : std::to_string(hq))
                         << " query heads";
          return WalkResult::interrupt();
        }
        windowAttr = DenseI64ArrayAttr::get(&getContext(), headWindows);
      } else {
        windowAttr = IntegerAttr::get(IntegerType::get(&getContext(), 64),
                                      window.getValue());
      }
      op.setNumSinks(numSinks);
      op.setWindowAttr(windowAttr);
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace

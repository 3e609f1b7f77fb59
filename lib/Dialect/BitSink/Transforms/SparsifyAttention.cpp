//===- SparsifyAttention.cpp - dense to sink + window attention -*- C++ -*-===//
//
// The sparsification policy pass: sets num_sinks and window (scalar, per
// head or per layer) on the dense sink_attention ops it selects, and makes
// them causal when asked to.
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
    // Per-layer lists: one entry per selected op (in the order of `layers`)
    // or, without `layers`, one per attention op of the module.
    int64_t numOps = 0;
    module.walk([&](SinkAttentionOp) { ++numOps; });
    size_t expected = layers.empty() ? static_cast<size_t>(numOps)
                                     : static_cast<size_t>(layers.size());
    for (auto [list, name] : {std::make_pair(&layerWindows, "layer-windows"),
                              std::make_pair(&layerSinks, "layer-sinks")}) {
      if (list->empty() || list->size() == expected)
        continue;
      module.emitError() << "bitsink-sparsify-attention: " << name << " has "
                         << list->size() << " entries but "
                         << (layers.empty() ? "the module has "
                                            : "`layers` selects ")
                         << expected << " attention ops";
      return signalPassFailure();
    }
    for (int64_t sinks : layerSinks) {
      if (sinks < 0) {
        module.emitError() << "bitsink-sparsify-attention: layer-sinks "
                              "entries must be non-negative, got "
                           << sinks;
        return signalPassFailure();
      }
    }
    auto slotOf = [&](int64_t layer) -> size_t {
      if (layers.empty())
        return static_cast<size_t>(layer);
      return static_cast<size_t>(llvm::find(layers, layer) - layers.begin());
    };
    int64_t index = 0;
    WalkResult walk = module.walk([&](SinkAttentionOp op) {
      int64_t layer = index++;
      if (!selected.empty() && !selected.contains(layer))
        return WalkResult::advance();
      if (!op.getCausal() && !includeNonCausal && !causal) {
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
      if (!layerWindows.empty()) {
        windowAttr = IntegerAttr::get(IntegerType::get(&getContext(), 64),
                                      layerWindows[slotOf(layer)]);
      } else if (!headWindows.empty()) {
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
      op.setNumSinks(layerSinks.empty() ? static_cast<int64_t>(numSinks)
                                        : layerSinks[slotOf(layer)]);
      op.setWindowAttr(windowAttr);
      if (causal)
        op.setCausal(true);
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace

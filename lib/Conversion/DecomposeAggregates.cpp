//===- DecomposeAggregates.cpp - bitsink-decompose-aggregates ---*- C++ -*-===//
//
// Replaces linalg ops that implement AggregatedOpInterface (linalg.softmax)
// by the linalg ops of their own decomposeOperation, so that pipelines that
// fuse, vectorise and lower generics handle them; convert-linalg-to-loops
// has no lowering of the aggregate ops.
//
//===----------------------------------------------------------------------===//

#include "bitsink/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

namespace bitsink {
#define GEN_PASS_DEF_BITSINKDECOMPOSEAGGREGATES
#include "bitsink/Conversion/Passes.h.inc"
} // namespace bitsink

using namespace mlir;

namespace {
struct DecomposeAggregatesPass
    : bitsink::impl::BitSinkDecomposeAggregatesBase<DecomposeAggregatesPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<linalg::AggregatedOpInterface> aggregates;
    getOperation()->walk(
        [&](linalg::AggregatedOpInterface op) { aggregates.push_back(op); });
    IRRewriter rewriter(&getContext());
    bool failed = false;
    for (linalg::AggregatedOpInterface aggregate : aggregates) {
      Operation *op = aggregate.getOperation();
      // The decompositions build tensor ops (tensor.empty, generics with
      // results): on buffers there is nothing to replace the op with.
      if (llvm::any_of(op->getOperandTypes(), llvm::IsaPred<MemRefType>)) {
        op->emitError() << "bitsink-decompose-aggregates: '" << op->getName()
                        << "' on buffers cannot be decomposed; give it "
                           "on tensors (before bufferization)";
        failed = true;
        continue;
      }
      rewriter.setInsertionPoint(op);
      FailureOr<SmallVector<Value>> values =
          aggregate.decomposeOperation(rewriter);
      if (::mlir::failed(values)) {
        op->emitError() << "bitsink-decompose-aggregates: '" << op->getName()
                        << "' could not be decomposed";
        failed = true;
        continue;
      }
      rewriter.replaceOp(op, *values);
    }
    if (failed)
      signalPassFailure();
  }
};
} // namespace

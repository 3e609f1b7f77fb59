//===- QuantizeWeights.cpp - matmuls to bitplane_matmul ---------*- C++ -*-===//
//
// PLACEHOLDER being written in this session; replaced before commit.
//
//===----------------------------------------------------------------------===//

#include "bitsink/Dialect/BitSink/IR/BitSinkOps.h"
#include "bitsink/Dialect/BitSink/Transforms/Passes.h"

namespace bitsink {
#define GEN_PASS_DEF_BITSINKQUANTIZEWEIGHTS
#include "bitsink/Dialect/BitSink/Transforms/Passes.h.inc"
} // namespace bitsink

using namespace mlir;

namespace {
struct QuantizeWeightsPass
    : bitsink::impl::BitSinkQuantizeWeightsBase<QuantizeWeightsPass> {
  using BitSinkQuantizeWeightsBase::BitSinkQuantizeWeightsBase;
  void runOnOperation() override {}
};
} // namespace

//===- LowerAttention.cpp - lower bitsink ops to loops ----------------*- C++ -*-===//
//
// PLACEHOLDER being written in this session; replaced before commit.
//
//===----------------------------------------------------------------------===//

#include "bitsink/Conversion/Passes.h"
#include "bitsink/Dialect/BitSink/IR/BitSinkOps.h"

#include "Utils.h"

namespace bitsink {
#define GEN_PASS_DEF_BITSINKLOWERATTENTION
#include "bitsink/Conversion/Passes.h.inc"
} // namespace bitsink

using namespace mlir;
using namespace bitsink;

namespace {
struct LowerAttentionPass
    : bitsink::impl::BitSinkLowerAttentionBase<LowerAttentionPass> {
  using BitSinkLowerAttentionBase::BitSinkLowerAttentionBase;

  void runOnOperation() override {}
};
} // namespace

//===- LowerCacheAppend.cpp - lower bitsink ops to loops ----------------*- C++ -*-===//
//
// PLACEHOLDER being written in this session; replaced before commit.
//
//===----------------------------------------------------------------------===//

#include "bitsink/Conversion/Passes.h"
#include "bitsink/Dialect/BitSink/IR/BitSinkOps.h"

#include "Utils.h"

namespace bitsink {
#define GEN_PASS_DEF_BITSINKLOWERCACHEAPPEND
#include "bitsink/Conversion/Passes.h.inc"
} // namespace bitsink

using namespace mlir;
using namespace bitsink;

namespace {
struct LowerCacheAppendPass
    : bitsink::impl::BitSinkLowerCacheAppendBase<LowerCacheAppendPass> {
  using BitSinkLowerCacheAppendBase::BitSinkLowerCacheAppendBase;

  void runOnOperation() override {}
};
} // namespace

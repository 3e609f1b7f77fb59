//===- CacheAppendRulesTest.cpp - the shared cache_append rules -*- C++ -*-===//
//
// Evaluates lib/Conversion/CacheAppendCommon on constant inputs (the integer
// ops fold as they are built, so the emitted rules are constants) and checks
// them against the reference semantics of lib/Reference, for every
// capacity C <= 12, sink count S < C and length up to 3·C:
//   - tokenSlot gives reference::cacheSlot for every token;
//   - slotPosition rebuilds reference::cachePositions, in both position
//     modes.
//
//===----------------------------------------------------------------------===//

#include "../../lib/Conversion/CacheAppendCommon/CacheAppendRules.h"

#include "bitsink/Dialect/BitSink/IR/BitSinkDialect.h"
#include "bitsink/Reference/Reference.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Parser/Parser.h"

#include "gtest/gtest.h"

#include <optional>
#include <string>

using namespace mlir;
using namespace bitsink;
using namespace bitsink::cache_append;

namespace {

class CacheAppendRulesTest : public ::testing::Test {
protected:
  CacheAppendRulesTest() {
    context.loadDialect<BitSinkDialect, arith::ArithDialect, func::FuncDialect,
                        memref::MemRefDialect>();
  }

  /// Parses a function holding one memref-form cache_append with capacity
  /// `capacity` and `sinks` sinks and points `eb` before it.
  CacheAppendOp build(int64_t capacity, int64_t sinks, bool cacheMode) {
    std::string c = std::to_string(capacity);
    std::string attrs = "num_sinks = " + std::to_string(sinks);
    if (cacheMode)
      attrs += ", position_mode = #bitsink.position_mode<cache>";
    std::string text =
        "func.func @f(%k: memref<1x1x1x4xf32>, %kc: memref<1x1x" + c +
        "x4xf32>, %pos: memref<1x" + c +
        "xi64>, %len: memref<1xi64>) {\n"
        "  bitsink.cache_append ins(%k, %k : memref<1x1x1x4xf32>, "
        "memref<1x1x1x4xf32>) outs(%kc, %kc, %pos, %len : memref<1x1x" +
        c + "x4xf32>, memref<1x1x" + c + "x4xf32>, memref<1x" + c +
        "xi64>, memref<1xi64>) {" + attrs + "}\n  return\n}\n";
    module = parseSourceString<ModuleOp>(text, &context);
    EXPECT_TRUE(module) << text;
    CacheAppendOp op;
    module->walk([&](CacheAppendOp found) { op = found; });
    builder.emplace(op.getLoc(), &context);
    builder->setInsertionPoint(op);
    eb.emplace(*builder);
    return op;
  }

  int64_t mustConstant(Value v) {
    std::optional<int64_t> c = getConstantIntValue(v);
    EXPECT_TRUE(c.has_value()) << "the rule did not fold to a constant";
    return c.value_or(-2);
  }

  MLIRContext context;
  OwningOpRef<ModuleOp> module;
  std::optional<ImplicitLocOpBuilder> builder;
  std::optional<EmitBuilder> eb;
};

TEST_F(CacheAppendRulesTest, TokenSlotMatchesReference) {
  for (int64_t capacity = 1; capacity <= 12; ++capacity)
    for (int64_t sinks = 0; sinks < capacity; ++sinks) {
      build(capacity, sinks, /*cacheMode=*/false);
      SlotLayout layout = slotLayout(*eb, eb->idx(sinks), eb->idx(capacity));
      for (int64_t token = 0; token < 3 * capacity; ++token) {
        TokenSlot slot = tokenSlot(*eb, layout, eb->idx(token));
        EXPECT_EQ(mustConstant(slot.slot),
                  reference::cacheSlot(token, sinks, capacity))
            << "C = " << capacity << ", S = " << sinks << ", t = " << token;
        EXPECT_EQ(mustConstant(slot.isSink) != 0, token < sinks);
      }
    }
}

TEST_F(CacheAppendRulesTest, SlotPositionsMatchReference) {
  for (bool cacheMode : {false, true})
    for (int64_t capacity = 1; capacity <= 12; ++capacity)
      for (int64_t sinks = 0; sinks < capacity; ++sinks) {
        CacheAppendOp op = build(capacity, sinks, cacheMode);
        SlotLayout layout = slotLayout(*eb, eb->idx(sinks), eb->idx(capacity));
        // Both ways of getting the constants: made by the rules, passed in.
        if (cacheMode) {
          layout.zero = eb->idx(0);
          layout.empty = eb->i64(-1);
        }
        for (int64_t length = 0; length <= 3 * capacity; ++length) {
          std::vector<int64_t> expected = reference::cachePositions(
              length, sinks, capacity,
              cacheMode ? reference::PositionMode::Cache
                        : reference::PositionMode::Original);
          Value newLength = eb->idx(length);
          CacheWindow window = cacheWindow(*eb, layout, newLength);
          for (int64_t slot = 0; slot < capacity; ++slot)
            EXPECT_EQ(
                mustConstant(slotPosition(*eb, layout, window, newLength,
                                          eb->idx(slot), op.getPositionMode())),
                expected[slot])
                << "C = " << capacity << ", S = " << sinks
                << ", L' = " << length << ", slot = " << slot
                << (cacheMode ? " (cache mode)" : "");
        }
      }
}

} // namespace

//===- AttentionRulesTest.cpp - the shared attention rules ------*- C++ -*-===//
//
// Evaluates lib/Conversion/AttentionCommon on constant inputs (the integer
// ops fold as they are built, so the emitted rules are constants) and checks
// them against the reference semantics of lib/Reference:
//   - keyVisible agrees with reference::keyVisible on every (row, key) pair,
//     as a scalar (GPU form) and across vector lanes (CPU form);
//   - the tile list of every row range visits each tile at most once, in
//     increasing order, and every tile holding a key some row sees;
//   - a tile that tileNeedsMask says needs no mask is visible everywhere;
//   - isNonFinite flags exactly NaN and ±Inf in f16, bf16 and f32.
//
//===----------------------------------------------------------------------===//

#include "../../lib/Conversion/AttentionCommon/AttentionRules.h"

#include "bitsink/Dialect/BitSink/IR/BitSinkDialect.h"
#include "bitsink/Reference/Reference.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Parser/Parser.h"

#include "gtest/gtest.h"

#include <optional>
#include <random>
#include <set>
#include <string>

using namespace mlir;
using namespace bitsink;
using namespace bitsink::attention;

namespace {

struct Config {
  int64_t heads = 2, numQueries = 1, numKeys = 1, numSinks = 0;
  std::vector<int64_t> window; // empty: none; one entry or one per head
  bool causal = false;
};

class AttentionRulesTest : public ::testing::Test {
protected:
  AttentionRulesTest() {
    context.loadDialect<BitSinkDialect, arith::ArithDialect, func::FuncDialect,
                        memref::MemRefDialect, scf::SCFDialect,
                        vector::VectorDialect>();
  }

  /// Parses a function holding one memref-form sink_attention of `config`
  /// and points `b` before it.
  SinkAttentionOp build(const Config &config) {
    std::string attrs = "num_sinks = " + std::to_string(config.numSinks) +
                        (config.causal ? ", causal = true" : "");
    if (config.window.size() == 1)
      attrs += ", window = " + std::to_string(config.window[0]);
    if (config.window.size() > 1) {
      attrs += ", window = array<i64: ";
      for (size_t h = 0; h < config.window.size(); ++h)
        attrs += (h ? ", " : "") + std::to_string(config.window[h]);
      attrs += ">";
    }
    std::string hq = std::to_string(config.heads);
    std::string q =
        "memref<1x" + hq + "x" + std::to_string(config.numQueries) + "x4xf32>";
    std::string kv = "memref<1x1x" + std::to_string(config.numKeys) + "x4xf32>";
    std::string text = "func.func @f(%q: " + q + ", %k: " + kv + ", %v: " + kv +
                       ", %o: " + q +
                       ") {\n"
                       "  bitsink.sink_attention ins(%q, %k, %v : " +
                       q + ", " + kv + ", " + kv + ") outs(%o : " + q + ") {" +
                       attrs + "}\n  return\n}\n";
    module = parseSourceString<ModuleOp>(text, &context);
    EXPECT_TRUE(module) << text;
    SinkAttentionOp op;
    module->walk([&](SinkAttentionOp found) { op = found; });
    builder.emplace(op.getLoc(), &context);
    builder->setInsertionPoint(op);
    eb.emplace(*builder);
    operands.read(op);
    return op;
  }

  reference::SinkAttentionProblem problem(const Config &config) {
    reference::SinkAttentionProblem p;
    p.queryHeads = config.heads;
    p.numQueries = config.numQueries;
    p.numKeys = config.numKeys;
    p.numSinks = config.numSinks;
    p.window = config.window;
    p.causal = config.causal;
    return p;
  }

  static std::optional<int64_t> constant(Value v) {
    return getConstantIntValue(v);
  }
  int64_t mustConstant(Value v) {
    std::optional<int64_t> c = constant(v);
    EXPECT_TRUE(c.has_value()) << "the rule did not fold to a constant";
    return c.value_or(-1);
  }

  MLIRContext context;
  OwningOpRef<ModuleOp> module;
  std::optional<ImplicitLocOpBuilder> builder;
  std::optional<EmitBuilder> eb;
  AttentionOperands operands;
};

/// A spread of configurations: windows unbounded / sinks only / bounded /
/// per head, with and without sinks, causal or not, Nq <= Nk.
std::vector<Config> configs() {
  std::vector<Config> out;
  std::mt19937 rng(7);
  const std::vector<std::vector<int64_t>> windows = {
      {}, {-1}, {0}, {1}, {3}, {5}, {16}, {2, 7}, {0, 4}, {-1, 3}};
  for (const auto &window : windows)
    for (bool causal : {false, true})
      for (int64_t sinks : {0, 1, 4})
        for (int64_t rep = 0; rep < 2; ++rep) {
          Config c;
          c.window = window;
          c.causal = causal;
          c.numSinks = sinks;
          c.numKeys = 1 + rng() % 40;
          c.numQueries = 1 + rng() % c.numKeys;
          out.push_back(c);
        }
  return out;
}

TEST_F(AttentionRulesTest, ScalarVisibilityMatchesReference) {
  for (const Config &config : configs()) {
    SinkAttentionOp op = build(config);
    reference::SinkAttentionProblem p = problem(config);
    Value numKeys = eb->idx(config.numKeys);
    Value numSinks = eb->minS(eb->idx(config.numSinks), numKeys);
    for (int64_t h = 0; h < config.heads; ++h) {
      RowBounds bounds = rowBounds(*eb, op, operands, eb->idx(0), eb->idx(h),
                                   eb->idx(0), eb->idx(config.numQueries),
                                   numKeys, eb->idx(config.numQueries));
      for (int64_t i = 0; i < config.numQueries; ++i)
        for (int64_t j = 0; j < config.numKeys; ++j) {
          KeyFacts key =
              keyFacts(*eb, operands, eb->idx(0), eb->idx(j), bounds.lenVisible,
                       numKeys, builder->getIndexType());
          Value rowPos = eb->add(eb->idx(i), bounds.offset);
          Value visible = keyVisible(*eb, rowPos, key, bounds.window, numSinks,
                                     config.causal);
          ASSERT_EQ(mustConstant(visible) != 0,
                    reference::keyVisible(p, 0, h, i, j))
              << "h " << h << " i " << i << " j " << j << " Nq "
              << config.numQueries << " Nk " << config.numKeys << " S "
              << config.numSinks << " causal " << config.causal;
        }
    }
  }
}

TEST_F(AttentionRulesTest, LaneVisibilityMatchesReference) {
  // The CPU form: rows in the lanes of an i64 vector.
  for (const Config &config : configs()) {
    SinkAttentionOp op = build(config);
    reference::SinkAttentionProblem p = problem(config);
    Value numKeys = eb->idx(config.numKeys);
    Value numSinks = eb->minS(eb->idx(config.numSinks), numKeys);
    int64_t lanes = config.numQueries;
    for (int64_t h = 0; h < config.heads; ++h) {
      RowBounds bounds = rowBounds(*eb, op, operands, eb->idx(0), eb->idx(h),
                                   eb->idx(0), eb->idx(config.numQueries),
                                   numKeys, eb->idx(config.numQueries));
      std::vector<int64_t> rows;
      int64_t offset = mustConstant(bounds.offset);
      for (int64_t i = 0; i < lanes; ++i)
        rows.push_back(i + offset);
      auto type = VectorType::get({lanes}, builder->getI64Type());
      Value rowPos = arith::ConstantOp::create(
          *builder, DenseElementsAttr::get(type, ArrayRef<int64_t>(rows)));
      for (int64_t j = 0; j < config.numKeys; ++j) {
        KeyFacts key =
            keyFacts(*eb, operands, eb->idx(0), eb->idx(j), bounds.lenVisible,
                     numKeys, builder->getI64Type());
        Value visible = keyVisible(*eb, rowPos, key, bounds.window, numSinks,
                                   config.causal);
        DenseElementsAttr attr;
        ASSERT_TRUE(matchPattern(visible, m_Constant(&attr)));
        auto values = llvm::to_vector(attr.getValues<bool>());
        for (int64_t i = 0; i < lanes; ++i)
          ASSERT_EQ(values[i], reference::keyVisible(p, 0, h, i, j))
              << "h " << h << " lane " << i << " j " << j;
      }
    }
  }
}

TEST_F(AttentionRulesTest, TileListCoversVisibleKeysAndMaskIsSound) {
  for (const Config &config : configs()) {
    SinkAttentionOp op = build(config);
    reference::SinkAttentionProblem p = problem(config);
    Value numKeys = eb->idx(config.numKeys);
    Value numSinks = eb->minS(eb->idx(config.numSinks), numKeys);
    for (int64_t keyTile : {1, 4, 16})
      for (int64_t rowsPerRange : {1, 3, 8})
        for (int64_t h = 0; h < config.heads; ++h)
          for (int64_t first = 0; first < config.numQueries;
               first += rowsPerRange) {
            int64_t rows = std::min(rowsPerRange, config.numQueries - first);
            RowBounds bounds = rowBounds(
                *eb, op, operands, eb->idx(0), eb->idx(h), eb->idx(first),
                eb->idx(rows), numKeys, eb->idx(config.numQueries));
            TileList list = tileList(*eb, bounds, numSinks, keyTile,
                                     config.causal, /*hasKeyPositions=*/false);
            int64_t count = mustConstant(list.count);
            std::set<int64_t> listed;
            int64_t previous = -1;
            for (int64_t t = 0; t < count; ++t) {
              int64_t tile = mustConstant(tileIndex(*eb, list, eb->idx(t)));
              ASSERT_GT(tile, previous) << "tiles out of order or repeated";
              ASSERT_LT(tile * keyTile, config.numKeys) << "tile past Nk";
              previous = tile;
              listed.insert(tile);
              bool needsMask = mustConstant(tileNeedsMask(
                                   *eb, operands, bounds, numSinks,
                                   eb->idx(tile * keyTile), keyTile)) != 0;
              if (needsMask)
                continue;
              for (int64_t i = first; i < first + rows; ++i)
                for (int64_t j = tile * keyTile; j < (tile + 1) * keyTile; ++j)
                  ASSERT_TRUE(j < config.numKeys &&
                              reference::keyVisible(p, 0, h, i, j))
                      << "tile " << tile << " skipped its mask but row " << i
                      << " does not see key " << j;
            }
            for (int64_t i = first; i < first + rows; ++i)
              for (int64_t j = 0; j < config.numKeys; ++j)
                if (reference::keyVisible(p, 0, h, i, j))
                  ASSERT_TRUE(listed.count(j / keyTile))
                      << "row " << i << " sees key " << j << " but tile "
                      << j / keyTile << " (Tk " << keyTile << ") is not listed";
          }
  }
}

TEST_F(AttentionRulesTest, NonFiniteIsExactlyNanAndInf) {
  build(Config{});
  auto check = [&](FloatType type) {
    const llvm::fltSemantics &sem = type.getFloatSemantics();
    std::vector<std::pair<APFloat, bool>> cases = {
        {APFloat::getZero(sem), false},
        {APFloat::getZero(sem, /*Negative=*/true), false},
        {APFloat::getSmallest(sem), false},
        {APFloat::getLargest(sem, /*Negative=*/true), false},
        {APFloat::getLargest(sem), false},
        {APFloat::getInf(sem), true},
        {APFloat::getInf(sem, /*Negative=*/true), true},
        {APFloat::getQNaN(sem), true},
        {APFloat::getSNaN(sem), true}};
    for (auto &[value, expected] : cases) {
      Value x = arith::ConstantOp::create(*builder,
                                          builder->getFloatAttr(type, value));
      EXPECT_EQ(mustConstant(isNonFinite(*eb, x)) != 0, expected)
          << "value " << value.convertToDouble();
    }
  };
  check(builder->getF16Type());
  check(builder->getBF16Type());
  check(builder->getF32Type());
}

} // namespace

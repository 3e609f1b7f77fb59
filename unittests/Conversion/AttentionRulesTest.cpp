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
//   - isNonFinite flags exactly NaN and ±Inf in f16, bf16 and f32;
//   - the RoPE rules: ropeFrequencies are θ^(−2m/R) rounded to f32,
//     ropeCosSin (reduction to [−π/4, π/4], quadrants) gives cos and sin of
//     f32 angles from −20000 to 20000 within a few ulp, and ropeRotateHead
//     rotates the pairs of both styles like reference::applyRope (float ops
//     are folded after building: they do not fold as built).
//
//===----------------------------------------------------------------------===//

#include "../../lib/Conversion/AttentionCommon/AttentionRules.h"

#include "bitsink/Dialect/BitSink/IR/BitSinkDialect.h"
#include "bitsink/Reference/Reference.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include "gtest/gtest.h"

#include <cmath>
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
                        math::MathDialect, memref::MemRefDialect,
                        scf::SCFDialect, vector::VectorDialect>();
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

  /// The f32 elements of `values` (scalars or vectors) after folding the
  /// function they were built in (float ops do not fold as they are built):
  /// each is kept alive by a vector.print, folded, and read back.
  std::vector<std::vector<float>> foldFloats(ArrayRef<Value> values) {
    for (Value v : values)
      vector::PrintOp::create(*builder, v);
    if (failed(applyPatternsGreedily(module->getOperation(),
                                     RewritePatternSet(&context))))
      ADD_FAILURE() << "folding failed";
    std::vector<std::vector<float>> out;
    module->walk([&](vector::PrintOp print) {
      Attribute attr;
      std::vector<float> elements;
      if (!matchPattern(print.getSource(), m_Constant(&attr))) {
        ADD_FAILURE() << "did not fold to a constant";
      } else if (auto scalar = dyn_cast<FloatAttr>(attr)) {
        elements.push_back(scalar.getValue().convertToFloat());
      } else {
        for (APFloat x : cast<DenseElementsAttr>(attr).getValues<APFloat>())
          elements.push_back(x.convertToFloat());
      }
      out.push_back(elements);
      print.erase();
    });
    return out;
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

/// math.cos and math.sin: they fold constants (with the host's cosf and
/// sinf), so the RoPE rules can be evaluated here.
std::pair<Value, Value> hostCosSin(ImplicitLocOpBuilder &b, Value r) {
  return {math::CosOp::create(b, r), math::SinOp::create(b, r)};
}

TEST_F(AttentionRulesTest, RopeFrequenciesAreRoundedOnce) {
  build(Config{});
  auto rope = RopeAttr::get(&context, 500000.0, 8, RopeStyle::Half);
  std::vector<float> f = foldFloats({ropeFrequencies(*eb, rope, 1, 3)})[0];
  ASSERT_EQ(f.size(), 3u);
  for (int64_t m = 1; m < 4; ++m)
    EXPECT_EQ(f[m - 1], static_cast<float>(std::pow(500000.0, -2.0 * m / 8)));
}

TEST_F(AttentionRulesTest, RopeCosSinOfF32Angles) {
  build(Config{});
  std::vector<float> angles = {
      0.0f,       1e-7f,      -1e-7f,     0.78f,       0.79f,     -0.79f,
      1.5707964f, 2.3561945f, 3.1415927f, -3.1415927f, 4.712389f, 6.2831855f,
      100.0f,     -1000.5f,   12345.678f, 19999.0f,    -20000.0f};
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> wide(-20000.0f, 20000.0f);
  for (int i = 0; i < 40; ++i)
    angles.push_back(wide(rng));
  std::vector<Value> values;
  for (float a : angles) {
    auto [cos, sin] = ropeCosSin(
        *eb, eb->f32(a), [&](Value r) { return hostCosSin(*builder, r); });
    values.push_back(cos);
    values.push_back(sin);
  }
  std::vector<std::vector<float>> got = foldFloats(values);
  ASSERT_EQ(got.size(), 2 * angles.size());
  for (size_t i = 0; i < angles.size(); ++i) {
    // The reduction is exact to about 2^-24 · |angle| / 2^12 radians, then
    // cos and sin of r in [−π/4, π/4] round once each.
    double a = angles[i];
    double tolerance = 3e-7 + 1e-11 * std::fabs(a);
    EXPECT_NEAR(got[2 * i][0], std::cos(a), tolerance) << "cos of " << a;
    EXPECT_NEAR(got[2 * i + 1][0], std::sin(a), tolerance) << "sin of " << a;
  }
}

TEST_F(AttentionRulesTest, RopeTaylorCosSinAfterReduction) {
  build(Config{});
  // ropeTaylorCosSin on the reduced angles of ropeCosSin (the GPU kernels'
  // cos and sin), with mulAdd as the FMA (folded here as a multiply and an
  // add, so each step rounds twice: a looser evaluation than fma.rn.f32).
  std::vector<float> angles = {0.0f,      1e-7f,      -0.7853982f, 0.7853982f,
                               0.80f,     1.5707964f, 3.1415927f,  -4.712389f,
                               -1000.25f, 12345.678f, 19999.0f,    -20000.0f};
  std::mt19937 rng(13);
  std::uniform_real_distribution<float> wide(-20000.0f, 20000.0f);
  for (int i = 0; i < 40; ++i)
    angles.push_back(wide(rng));
  std::vector<Value> values;
  for (float a : angles) {
    auto [cos, sin] = ropeCosSin(*eb, eb->f32(a), [&](Value r) {
      return ropeTaylorCosSin(*eb, r, [&](Value x, Value y, Value z) {
        return eb->mulAdd(x, y, z);
      });
    });
    values.push_back(cos);
    values.push_back(sin);
  }
  std::vector<std::vector<float>> got = foldFloats(values);
  ASSERT_EQ(got.size(), 2 * angles.size());
  for (size_t i = 0; i < angles.size(); ++i) {
    double a = angles[i];
    double tolerance = 3e-7 + 1e-11 * std::fabs(a);
    EXPECT_NEAR(got[2 * i][0], std::cos(a), tolerance) << "cos of " << a;
    EXPECT_NEAR(got[2 * i + 1][0], std::sin(a), tolerance) << "sin of " << a;
  }
}

TEST_F(AttentionRulesTest, RopeRotateHeadMatchesReference) {
  build(Config{});
  std::mt19937 rng(5);
  std::normal_distribution<float> normal;
  const int64_t lanes = 12;
  for (RopeStyle style : {RopeStyle::Half, RopeStyle::Interleaved})
    for (int64_t dims : {2, 8, 12})
      for (int64_t position : {0, 1, 7, -3, 300, 4099}) {
        build(Config{});
        auto rope = RopeAttr::get(&context, 10000.0, dims, style);
        std::vector<float> head(lanes);
        for (float &x : head)
          x = normal(rng);
        auto type = VectorType::get({lanes}, builder->getF32Type());
        Value headValue = arith::ConstantOp::create(
            *builder, DenseElementsAttr::get(type, ArrayRef<float>(head)));
        Value rotated = ropeRotateHead(
            *eb, rope, headValue, eb->f32(static_cast<float>(position)),
            [&](Value r) { return hostCosSin(*builder, r); });
        std::vector<float> got = foldFloats({rotated})[0];
        ASSERT_EQ(got.size(), static_cast<size_t>(lanes));
        // The reference rotates in double; the rule by the f32 angle
        // (position · f32 frequency, one rounding: 2^-24 · |position|).
        std::vector<double> expected(head.begin(), head.end());
        reference::SinkAttentionProblem::Rope ref{
            10000.0, dims, style == RopeStyle::Interleaved};
        reference::applyRope(ref, position, expected);
        double tolerance = 2e-6 + 1.2e-7 * std::abs(position);
        for (int64_t d = 0; d < lanes; ++d) {
          double scale = 1 + std::fabs(head[d]) + std::fabs(expected[d]);
          EXPECT_NEAR(got[d], expected[d], tolerance * scale)
              << "lane " << d << ", dims " << dims << ", position " << position
              << ", " << (style == RopeStyle::Half ? "half" : "interleaved");
          if (d >= dims)
            EXPECT_EQ(got[d], head[d]) << "lane " << d << " past dims moved";
        }
      }
}

} // namespace

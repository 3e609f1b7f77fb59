//===- ReferenceTest.cpp - the reference semantics on hand-worked cases ---===//
//
// Each expected value below is worked out by hand in the comment next to it.
//
//===----------------------------------------------------------------------===//

#include "bitsink/Reference/Reference.h"

#include "gtest/gtest.h"

#include <cmath>

using namespace bitsink::reference;

namespace {

/// One batch, one head, D = Dv = 1, scale 1: query q, keys k_j, values v_j.
SinkAttentionProblem scalarProblem(float q, std::vector<float> keys,
                                   std::vector<float> values) {
  SinkAttentionProblem p;
  p.numKeys = static_cast<int64_t>(keys.size());
  p.scale = 1.0;
  p.query = {q};
  p.key = std::move(keys);
  p.value = std::move(values);
  return p;
}

std::vector<double> run(const SinkAttentionProblem &p) {
  std::vector<double> out;
  std::string error;
  EXPECT_TRUE(sinkAttention(p, out, error)) << error;
  return out;
}

TEST(SinkAttention, OneQueryByHand) {
  // s = (0, ln 3): weights 1 and 3, o = (1·10 + 3·20) / 4 = 17.5.
  auto p = scalarProblem(1.0f, {0.0f, std::log(3.0f)}, {10.0f, 20.0f});
  EXPECT_NEAR(run(p)[0], 17.5, 1e-6);
  // Default scale is 1/sqrt(D) = 1 for D = 1; with scale 2 the weights are
  // 1 and 9: o = (10 + 180) / 10 = 19.
  p.scale = 2.0;
  EXPECT_NEAR(run(p)[0], 19.0, 1e-5);
}

TEST(SinkAttention, DefaultScaleIsOneOverSqrtD) {
  // D = 4, q = (1,1,1,1), k_1 = (0,0,0,ln 9): s = (0, ln 9 / 2 = ln 3).
  SinkAttentionProblem p;
  p.numKeys = 2;
  p.headDim = 4;
  p.query = {1, 1, 1, 1};
  p.key = {0, 0, 0, 0, 0, 0, 0, std::log(9.0f)};
  p.value = {10, 20};
  EXPECT_NEAR(run(p)[0], 17.5, 1e-6);
}

TEST(SinkAttention, SinkLogitIsOneMoreTermInTheDenominator) {
  // σ = ln 4: o = (1·10 + 3·20) / (1 + 3 + 4) = 8.75.
  auto p = scalarProblem(1.0f, {0.0f, std::log(3.0f)}, {10.0f, 20.0f});
  p.sinkLogits = {std::log(4.0f)};
  EXPECT_NEAR(run(p)[0], 8.75, 1e-6);
  // σ = −inf changes nothing.
  p.sinkLogits = {-INFINITY};
  EXPECT_NEAR(run(p)[0], 17.5, 1e-6);
}

TEST(SinkAttention, RowsWithNothingVisibleAreZero) {
  // Nq = 3 > L = 1, causal: p_i = i − 2; rows 0 and 1 see nothing, row 2
  // sees key 0 alone (o = v_0 = 5), even with a finite sink logit in the
  // denominator of the others.
  SinkAttentionProblem p;
  p.numQueries = 3;
  p.causal = true;
  p.query = {1, 1, 1};
  p.key = {1};
  p.value = {5};
  auto out = run(p);
  EXPECT_EQ(out, (std::vector<double>{0, 0, 5}));
  p.sinkLogits = {0.0f};
  out = run(p);
  EXPECT_EQ(out[0], 0.0);
  EXPECT_EQ(out[1], 0.0);
  // Row 2: s = 1, σ = 0: o = 5·e / (e + 1).
  EXPECT_NEAR(out[2], 5 * std::exp(1.0) / (std::exp(1.0) + 1), 1e-6);
  // W = 0 without sinks: nothing is visible anywhere.
  p.window = {0};
  out = run(p);
  EXPECT_EQ(out, (std::vector<double>{0, 0, 0}));
  // All scores −inf and no sink: m = −inf, the row is zero, not NaN.
  auto q = scalarProblem(1.0f, {-INFINITY}, {1.0f});
  EXPECT_EQ(run(q)[0], 0.0);
}

/// Nq = 1, Nk = 6, q = 0 so every visible key has weight 1 and the output is
/// the mean of the visible values v_j = 2^j (which identifies the set).
SinkAttentionProblem meanProblem(int64_t numQueries = 1) {
  SinkAttentionProblem p;
  p.numQueries = numQueries;
  p.numKeys = 6;
  p.query.assign(numQueries, 0.0f);
  p.key.assign(6, 1.0f);
  for (int j = 0; j < 6; ++j)
    p.value.push_back(static_cast<float>(1 << j));
  return p;
}

TEST(SinkAttention, SinksAndCausalWindow) {
  // S = 1, W = 2, p = 5: visible {0} ∪ {4, 5}: (1 + 16 + 32) / 3.
  auto p = meanProblem();
  p.causal = true;
  p.numSinks = 1;
  p.window = {2};
  EXPECT_NEAR(run(p)[0], 49.0 / 3, 1e-9);
  // W = 1: {0, 5}.
  p.window = {1};
  EXPECT_NEAR(run(p)[0], 33.0 / 2, 1e-9);
  // S larger than Nk: every key is a sink.
  p.numSinks = 10;
  EXPECT_NEAR(run(p)[0], 63.0 / 6, 1e-9);
  // kv_len = 4: p = 3, S = 1, W = 2: {0} ∪ {2, 3} = (1 + 4 + 8) / 3.
  p.numSinks = 1;
  p.window = {2};
  p.kvLen = {4};
  EXPECT_NEAR(run(p)[0], 13.0 / 3, 1e-9);
}

TEST(SinkAttention, NonCausalWindowIsSymmetric) {
  // Nq = Nk = 6, row 2 at p = 2, W = 2, S = 1: |2 − pos| < 2 → {1, 2, 3}
  // plus sink 0: (1 + 2 + 4 + 8) / 4. Row 5: {4, 5} plus sink 0.
  auto p = meanProblem(6);
  p.numSinks = 1;
  p.window = {2};
  auto out = run(p);
  EXPECT_NEAR(out[2], 15.0 / 4, 1e-9);
  EXPECT_NEAR(out[5], 49.0 / 3, 1e-9);
  // Unbounded (W < 0): every key.
  p.window = {-1};
  EXPECT_NEAR(run(p)[2], 63.0 / 6, 1e-9);
}

TEST(SinkAttention, KeyMaskAndKeyPositions) {
  // Mask out key 5: causal unbounded row sees 0..4: 31 / 5.
  auto p = meanProblem();
  p.causal = true;
  p.keyMask = {1, 1, 1, 1, 1, 0};
  EXPECT_NEAR(run(p)[0], 31.0 / 5, 1e-9);
  // A ring cache: slots hold positions (0, 4, 5, −1, 2, 3), p = 5, S = 1,
  // W = 2: visible positions 0, 4, 5 in slots 0, 1, 2: (1 + 2 + 4) / 3.
  p.keyMask.clear();
  p.keyPositions = {0, 4, 5, -1, 2, 3};
  p.numSinks = 1;
  p.window = {2};
  EXPECT_NEAR(run(p)[0], 7.0 / 3, 1e-9);
}

TEST(SinkAttention, GroupedQueryHeadsReadTheirKvHead) {
  // Hq = 4, Hkv = 2, one key: head h outputs v of kv head h / 2.
  SinkAttentionProblem p;
  p.queryHeads = 4;
  p.kvHeads = 2;
  p.valueDim = 2;
  p.query = {1, 2, 3, 4};
  p.key = {1, 1};
  p.value = {10, 11, 20, 21};
  EXPECT_EQ(run(p), (std::vector<double>{10, 11, 10, 11, 20, 21, 20, 21}));
  // Per-head windows: heads 0..3 get W = (0, 1, 0, −1); W = 0 with no sinks
  // hides the key.
  p.causal = true;
  p.window = {0, 1, 0, -1};
  EXPECT_EQ(run(p), (std::vector<double>{0, 0, 10, 11, 0, 0, 20, 21}));
}

TEST(SinkAttention, RejectsMismatchedSizes) {
  auto p = scalarProblem(1.0f, {0.0f, 1.0f}, {1.0f});
  std::vector<double> out;
  std::string error;
  EXPECT_FALSE(sinkAttention(p, out, error));
  EXPECT_EQ(error, "value has 1 elements, expected 2");
  p = scalarProblem(1.0f, {0.0f}, {1.0f});
  p.queryHeads = 3;
  p.kvHeads = 2;
  EXPECT_FALSE(sinkAttention(p, out, error));
}

TEST(CacheAppend, SlotsAndPositionsThroughARollover) {
  // C = 4, S = 1: token 0 → slot 0, tokens 1, 2, 3 → slots 1, 2, 3, then
  // 4, 5, 6 → 1, 2, 3 again.
  EXPECT_EQ(cacheSlot(0, 1, 4), 0);
  EXPECT_EQ(cacheSlot(3, 1, 4), 3);
  EXPECT_EQ(cacheSlot(4, 1, 4), 1);
  EXPECT_EQ(cacheSlot(6, 1, 4), 3);
  // After 5 tokens the slots hold (0, 4, 2, 3). In cache order the window
  // is 2, 3, 4 → positions 1, 2, 3.
  EXPECT_EQ(cachePositions(5, 1, 4, PositionMode::Original),
            (std::vector<int64_t>{0, 4, 2, 3}));
  EXPECT_EQ(cachePositions(5, 1, 4, PositionMode::Cache),
            (std::vector<int64_t>{0, 3, 1, 2}));
  // Fewer tokens than sinks: the rest is empty.
  EXPECT_EQ(cachePositions(2, 3, 5, PositionMode::Cache),
            (std::vector<int64_t>{0, 1, -1, -1, -1}));
  EXPECT_EQ(cachePositions(0, 0, 2, PositionMode::Original),
            (std::vector<int64_t>{-1, -1}));
}

TEST(CacheAppend, AppendsTokensOneAtATimeOrTogether) {
  // B = 1, Hkv = 2, D = 1, Dv = 1, C = 4, S = 1. Key of token t at head h
  // is 10·h + t, its value −(10·h + t).
  auto makeProblem = [](int64_t first, int64_t count) {
    CacheAppendProblem p;
    p.kvHeads = 2;
    p.newTokens = count;
    p.capacity = 4;
    p.numSinks = 1;
    for (int h = 0; h < 2; ++h)
      for (int64_t t = first; t < first + count; ++t) {
        p.newKeys.push_back(static_cast<float>(10 * h + t));
        p.newValues.push_back(-static_cast<float>(10 * h + t));
      }
    return p;
  };
  CacheState oneByOne{std::vector<float>(8, 0),
                      std::vector<float>(8, 0),
                      std::vector<int64_t>(4, -1),
                      {0}};
  CacheState together = oneByOne;
  std::string error;
  for (int64_t t = 0; t < 7; ++t)
    ASSERT_TRUE(cacheAppend(makeProblem(t, 1), oneByOne, error)) << error;
  // T = 7 > C − S = 3: later tokens overwrite earlier ones.
  ASSERT_TRUE(cacheAppend(makeProblem(0, 7), together, error)) << error;
  // After tokens 0..6 the slots hold (0, 4, 5, 6).
  std::vector<float> keys{0, 4, 5, 6, 10, 14, 15, 16};
  for (CacheState *s : {&oneByOne, &together}) {
    EXPECT_EQ(s->keys, keys);
    for (size_t i = 0; i < keys.size(); ++i)
      EXPECT_EQ(s->values[i], -keys[i]);
    EXPECT_EQ(s->length, std::vector<int64_t>{7});
    EXPECT_EQ(s->positions, (std::vector<int64_t>{0, 4, 5, 6}));
  }
  // T = 0 keeps the caches and recomputes positions in the other mode.
  auto empty = makeProblem(7, 0);
  empty.positionMode = PositionMode::Cache;
  ASSERT_TRUE(cacheAppend(empty, together, error)) << error;
  EXPECT_EQ(together.keys, keys);
  EXPECT_EQ(together.positions, (std::vector<int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(together.length, std::vector<int64_t>{7});
}

TEST(CacheAppend, RejectsBadSinkCountAndLength) {
  CacheAppendProblem p;
  p.capacity = 2;
  p.numSinks = 2;
  CacheState s{{0, 0}, {0, 0}, {-1, -1}, {0}};
  std::string error;
  EXPECT_FALSE(cacheAppend(p, s, error));
  EXPECT_NE(error.find("num_sinks"), std::string::npos);
  p.numSinks = 0;
  s.length = {-3};
  EXPECT_FALSE(cacheAppend(p, s, error));
  EXPECT_NE(error.find("negative"), std::string::npos);
}

/// K = 2, N = 2, M = 1, one group: x = (1, 10), acc = (100, 200),
/// c[0, 0, :] = (0.5, −1), c[0, 1, :] = (2, 3).
BitplaneMatmulProblem twoByTwo(PlaneKind kind, std::vector<uint32_t> planes) {
  BitplaneMatmulProblem p;
  p.k = 2;
  p.n = 2;
  p.kind = kind;
  p.numPlanes = static_cast<int64_t>(planes.size()) / 2;
  p.input = {1, 10};
  p.planes = std::move(planes);
  p.coeffs = {0.5f, -1.0f, 2.0f, 3.0f};
  p.acc = {100, 200};
  return p;
}

std::vector<double> run(const BitplaneMatmulProblem &p) {
  std::vector<double> out;
  std::string error;
  EXPECT_TRUE(bitplaneMatmul(p, out, error)) << error;
  return out;
}

TEST(BitplaneMatmul, BinaryTwoByTwo) {
  // Column 0 bits (k0, k1) = (1, 0), column 1 = (1, 1). Bit 2 is set in
  // column 0 but row 2 does not exist.
  // Ŵ = [[2.5, 2], [0.5, 2]]; y = (100 + 2.5 + 5, 200 + 2 + 20).
  auto p = twoByTwo(PlaneKind::Binary, {0b101, 0b11});
  EXPECT_EQ(run(p), (std::vector<double>{107.5, 222}));
}

TEST(BitplaneMatmul, SignedTwoByTwo) {
  // Terms ±1: Ŵ = [[2.5, 2], [−1.5, 2]]; y = (100 + 2.5 − 15, 222).
  auto p = twoByTwo(PlaneKind::Signed, {0b01, 0b11});
  EXPECT_EQ(run(p), (std::vector<double>{87.5, 222}));
}

TEST(BitplaneMatmul, TernaryTwoByTwo) {
  // Plane 0 is m, plane 1 is s. Column 0: m = (1, 0), s = (0, 0) → terms
  // (−1, 0); column 1: m = (1, 1), s = (1, 0) → (+1, −1).
  // Ŵ = [[−1.5, 2], [0.5, −4]]; y = (100 − 1.5 + 5, 200 + 2 − 40).
  auto p = twoByTwo(PlaneKind::Ternary, {0b01, 0b11, 0b00, 0b01});
  EXPECT_EQ(run(p), (std::vector<double>{103.5, 162}));
}

TEST(BitplaneMatmul, GroupsPickTheirCoefficients) {
  // K = 40, group_size = 32: rows 0..31 use group 0, rows 32..39 group 1.
  // One binary plane, all bits set, N = 1: Ŵ[k] = 1 + 2 = 3 in group 0 and
  // 10 + 20 = 30 in group 1. x = 1 everywhere: y = 32·3 + 8·30 = 336.
  BitplaneMatmulProblem p;
  p.k = 40;
  p.n = 1;
  p.groupSize = 32;
  p.input.assign(40, 1.0f);
  p.planes = {0xffffffffu, 0xffffffffu};
  p.coeffs = {1, 2, 10, 20};
  p.acc = {0};
  EXPECT_EQ(run(p), std::vector<double>{336});
  std::vector<double> out;
  std::string error;
  p.coeffs.pop_back();
  EXPECT_FALSE(bitplaneMatmul(p, out, error));
  EXPECT_EQ(error, "coeffs has 3 elements, expected 4");
}

} // namespace

//===- SubBlockTest.cpp - sub-block scale codes ---------------------------===//
//
// Options::subBlock: a 4-bit code per S rows and column multiplies the grid
// by (q + 1)/16 (docs/semantics.md §2.3, docs/quantizer.md "Sub-block scale
// codes"). The packed codes against an independent unpacking of the
// formula, the error they buy over the same grid without them, the
// solver's objective against the measured error, determinism across
// threads, bits per weight, and bad arguments and buffers.
//
//===----------------------------------------------------------------------===//

#include "bitsink/Quant/Budget.h"
#include "bitsink/Quant/Quantizer.h"

#include "QuantTestSupport.h"
#include "TestRandom.h"
#include "gtest/gtest.h"

#include <cmath>

using namespace bitsink::quant;
using bitsink::quant::test::dequantized;
using bitsink::quant::test::normalMatrix;
using bitsink::quant::test::outputError;
using bitsink::quant::test::quantizeOrDie;
using bitsink::quant::test::Random;

namespace {

/// A weight whose scale varies along K in blocks of 32 rows (what sub-block
/// codes are for): rows 32b..32b+31 of column n are scaled by a random
/// factor in [0.1, 1].
std::vector<float> rowScaledWeight(int64_t K, int64_t N, uint64_t seed) {
  std::vector<float> W = normalMatrix(K, N, seed);
  Random random(seed + 7);
  int64_t blocks = (K + 31) / 32;
  std::vector<double> scale(blocks * N);
  for (double &s : scale)
    s = 0.1 + 0.9 * random.uniform();
  for (int64_t k = 0; k < K; ++k)
    for (int64_t n = 0; n < N; ++n)
      W[k * N + n] *= static_cast<float>(scale[(k / 32) * N + n]);
  return W;
}

/// Correlated activations X = Z·A (T×K), A with a decaying spectrum.
std::vector<float> correlatedRows(int64_t T, int64_t K, uint64_t seed) {
  std::vector<float> Z = normalMatrix(T, K, seed);
  std::vector<float> A = normalMatrix(K, K, seed + 1);
  std::vector<float> X(T * K, 0.0f);
  for (int64_t t = 0; t < T; ++t)
    for (int64_t i = 0; i < K; ++i) {
      float z = Z[t * K + i] / (1.0f + 0.2f * static_cast<float>(i));
      for (int64_t j = 0; j < K; ++j)
        X[t * K + j] += z * A[i * K + j];
    }
  return X;
}

/// Ŵ from the packed buffers by the formula, in f64, reading bits and
/// nibbles directly (binary planes).
std::vector<double> formulaWeight(const Packed &p) {
  std::vector<double> W(p.K * p.N);
  for (int64_t k = 0; k < p.K; ++k)
    for (int64_t n = 0; n < p.N; ++n) {
      int64_t g = k / p.groupSize;
      double w = p.coeffs[(g * p.numCoeffs) * p.N + n];
      for (int64_t l = 0; l < p.numPlanes; ++l) {
        uint32_t word = p.planes[(l * p.numWords + k / 32) * p.N + n];
        w += p.coeffs[(g * p.numCoeffs + l + 1) * p.N + n] *
             static_cast<double>((word >> (k % 32)) & 1);
      }
      int64_t s = k / p.subBlock;
      uint32_t code = (p.scales[(s / 8) * p.N + n] >> (4 * (s % 8))) & 15;
      W[k * p.N + n] = w * (code + 1) / 16.0;
    }
  return W;
}

Options codeOptions(Method method, int planes, int64_t groupSize,
                    int64_t subBlock) {
  Options options;
  options.method = method;
  options.planes = planes;
  options.groupSize = groupSize;
  options.subBlock = subBlock;
  return options;
}

} // namespace

TEST(QuantSubBlock, PackedCodesFollowTheFormula) {
  // K = 100 per channel (S = 8: 13 sub-blocks, the last of 4 rows, in 2
  // words of codes) and K = 160 in groups of 64 (S = 16, 32).
  struct Case {
    int64_t K, group, S;
  };
  for (Case c : {Case{100, 0, 8}, Case{160, 64, 16}, Case{160, 64, 32}}) {
    const int64_t N = 37, T = 300;
    std::vector<float> W = rowScaledWeight(c.K, N, 11);
    std::vector<float> X = correlatedRows(T, c.K, 12);
    Result result = quantizeOrDie(
        W, c.K, N, codeOptions(Method::BPDQ, 2, c.group, c.S), &X, T);
    const Packed &p = result.packed;
    ASSERT_EQ(p.subBlock, c.S);
    int64_t numSub = (c.K + c.S - 1) / c.S;
    ASSERT_EQ(p.numScaleWords, (numSub + 7) / 8);
    ASSERT_EQ(static_cast<int64_t>(p.scales.size()), p.numScaleWords * N);
    std::vector<double> expected = formulaWeight(p);
    std::vector<float> What = dequantized(p);
    for (int64_t i = 0; i < c.K * N; ++i)
      ASSERT_NEAR(What[i], expected[i], 1e-6 * (1 + std::fabs(expected[i])))
          << "K = " << c.K << " S = " << c.S << " at " << i;
    // The codes are used: not all 15 (multiplier 1).
    int64_t notOne = 0;
    for (int64_t s = 0; s < numSub; ++s)
      for (int64_t n = 0; n < N; ++n)
        notOne += ((p.scales[(s / 8) * N + n] >> (4 * (s % 8))) & 15) != 15;
    EXPECT_GT(notOne, numSub * N / 4);
  }
}

TEST(QuantSubBlock, CodesLowerTheErrorOfTheSameGrid) {
  // Per-channel grids with and without codes, P = 2 and 3, bpdq and trit,
  // on calibration rows; the solver's objective (relError) is the measured
  // error of the dequantized weight.
  const int64_t K = 192, N = 48, T = 400;
  std::vector<float> W = rowScaledWeight(K, N, 21);
  std::vector<float> X = correlatedRows(T, K, 22);
  struct Case {
    Method method;
    int planes;
  };
  for (Case c :
       {Case{Method::BPDQ, 2}, Case{Method::BPDQ, 3}, Case{Method::Trit, 2}}) {
    Result plain =
        quantizeOrDie(W, K, N, codeOptions(c.method, c.planes, 0, 0), &X, T);
    for (int64_t S : {8, 16, 32}) {
      Result coded =
          quantizeOrDie(W, K, N, codeOptions(c.method, c.planes, 0, S), &X, T);
      double measured = outputError(X, T, W, dequantized(coded.packed), K, N);
      EXPECT_NEAR(coded.report.relError, measured, 1e-4 * measured);
      EXPECT_LT(coded.report.relError, 0.9 * plain.report.relError)
          << methodName(c.method) << " P = " << c.planes << " S = " << S;
    }
  }
  // Without calibration (diagonal metric) too.
  Result plain = quantizeOrDie(W, K, N, codeOptions(Method::BPDQ, 2, 0, 0));
  Result coded = quantizeOrDie(W, K, N, codeOptions(Method::BPDQ, 2, 0, 16));
  EXPECT_LT(coded.report.weightRelError, 0.9 * plain.report.weightRelError);
}

TEST(QuantSubBlock, BitsPerWeightCountTheCodes) {
  // K = 100, S = 8: 13 codes in 2 words; P = 3 per channel: 3 planes of 4
  // words, 4 f16 coefficients, 2 code words per column.
  EXPECT_DOUBLE_EQ(storedBitsPerWeight(100, 3, 4, 0, 16, 8),
                   (3 * 4 * 32 + 4 * 16 + 2 * 32) / 100.0);
  EXPECT_DOUBLE_EQ(storedBitsPerWeight(576, 2, 3, 0, 16, 16),
                   (2 * 18 * 32 + 3 * 16 + 5 * 32) / 576.0);
  const int64_t K = 100, N = 5;
  std::vector<float> W = normalMatrix(K, N, 31);
  Result result = quantizeOrDie(W, K, N, codeOptions(Method::BPDQ, 3, 0, 8));
  EXPECT_DOUBLE_EQ(result.report.bitsPerWeight,
                   storedBitsPerWeight(K, 3, 4, 0, 16, 8));
}

TEST(QuantSubBlock, IndependentOfThreadCount) {
  const int64_t K = 160, N = 70, T = 200;
  std::vector<float> W = rowScaledWeight(K, N, 41);
  std::vector<float> X = correlatedRows(T, K, 42);
  for (bool calibrated : {true, false}) {
    Options options = codeOptions(Method::BPDQ, 2, 64, 16);
    std::vector<Result> results;
    for (int threads : {1, 2, 3, 0}) {
      options.threads = threads;
      results.push_back(quantizeOrDie(
          W, K, N, options, calibrated ? &X : nullptr, calibrated ? T : 0));
    }
    for (const Result &result : results) {
      EXPECT_EQ(result.packed.planes, results[0].packed.planes);
      EXPECT_EQ(result.packed.coeffs, results[0].packed.coeffs);
      EXPECT_EQ(result.packed.scales, results[0].packed.scales);
      EXPECT_EQ(result.report.relError, results[0].report.relError);
    }
  }
}

TEST(QuantSubBlock, PackScaleCodesLayout) {
  // 10 sub-blocks, 2 columns: sub-block s of column n holds (s + n) % 16.
  std::vector<uint8_t> codes(10 * 2);
  for (int s = 0; s < 10; ++s)
    for (int n = 0; n < 2; ++n)
      codes[s * 2 + n] = static_cast<uint8_t>((s + n) % 16);
  std::vector<uint32_t> words = packScaleCodes(codes.data(), 10, 2);
  ASSERT_EQ(words.size(), 4u);
  EXPECT_EQ(words[0], 0x76543210u);
  EXPECT_EQ(words[1], 0x87654321u);
  EXPECT_EQ(words[2], 0x00000098u);
  EXPECT_EQ(words[3], 0x000000A9u);
}

TEST(QuantSubBlock, BadArgumentsAreRejected) {
  const int64_t K = 64, N = 4;
  std::vector<float> W = normalMatrix(K, N, 51);
  auto rejects = [&](const Options &options, const std::string &needle) {
    Result result;
    std::string error;
    EXPECT_FALSE(quantize(W.data(), K, N, nullptr, 0, options, result, error));
    EXPECT_NE(error.find(needle), std::string::npos) << error;
  };
  rejects(codeOptions(Method::BPDQ, 2, 32, 12), "sub-block size must be");
  rejects(codeOptions(Method::BPDQ, 2, 32, -8), "sub-block size must be");
  rejects(codeOptions(Method::RTN, 2, 32, 16), "need method bpdq or trit");
  Options actOrder = codeOptions(Method::BPDQ, 2, 32, 16);
  actOrder.actOrder = true;
  rejects(actOrder, "natural order");
}

TEST(QuantSubBlock, MalformedCodesAreRejected) {
  const int64_t K = 40, N = 3;
  std::vector<float> W = normalMatrix(K, N, 61);
  // S = 8: 5 sub-blocks, nibbles 5..7 of the one word unused.
  Result good = quantizeOrDie(W, K, N, codeOptions(Method::BPDQ, 2, 32, 8));
  auto invalid = [&](const std::function<void(Packed &)> &mutate,
                     const std::string &needle) {
    Packed packed = good.packed;
    mutate(packed);
    std::string error;
    EXPECT_FALSE(validate(packed, error));
    EXPECT_NE(error.find(needle), std::string::npos) << error;
  };
  invalid([](Packed &p) { p.subBlock = 24; }, "sub-block size must be");
  invalid([](Packed &p) { p.numScaleWords = 2; }, "scale words");
  invalid([](Packed &p) { p.scales.pop_back(); }, "scale codes hold");
  invalid([](Packed &p) { p.scales[1] |= 0xFu << 20; }, "past the last");
  invalid(
      [](Packed &p) {
        p.subBlock = 0;
        p.numScaleWords = 0;
      },
      "without a sub-block size");
}

TEST(QuantSubBlock, BudgetCandidatesWithCodes) {
  std::vector<BudgetConfig> configs =
      budgetCandidateConfigs(Method::BPDQ, {8, 32});
  ASSERT_EQ(configs.size(), 12u + 8u);
  EXPECT_TRUE(configs[12] == BudgetConfig(1, 0, 8));
  EXPECT_TRUE(configs[19] == BudgetConfig(4, 0, 32));
  // Per channel with and without codes, and with other codes, are
  // distinct; two per-channel group sizes with the same codes are not.
  std::vector<BudgetConfig> distinct = distinctBudgetConfigs(
      {{3, 0, 16}, {3, 1000, 16}, {3, 0, 8}, {3, 0}, {3, 128, 16}}, 576);
  ASSERT_EQ(distinct.size(), 4u);
  EXPECT_TRUE(distinct[1] == BudgetConfig(3, 0, 8));
  EXPECT_TRUE(distinct[3] == BudgetConfig(3, 128, 16));

  // A candidate with codes is the quantizer's result with them.
  const int64_t K = 96, N = 20, T = 150;
  std::vector<float> W = rowScaledWeight(K, N, 71);
  std::vector<float> X = correlatedRows(T, K, 72);
  BudgetMeasurement measurement;
  std::string error;
  ASSERT_TRUE(measureBudgetCandidates(
      W.data(), K, N, X.data(), T, nullptr, Options(), {{2, 0, 16}, {2, 0}},
      BudgetObjective::Relative, 1.0, /*keepResults=*/true, measurement, error))
      << error;
  Result direct =
      quantizeOrDie(W, K, N, codeOptions(Method::BPDQ, 2, 0, 16), &X, T);
  const BudgetCandidate &coded = measurement.candidates[0];
  EXPECT_EQ(coded.subBlock, 16);
  EXPECT_EQ(measurement.candidates[1].subBlock, 0);
  EXPECT_DOUBLE_EQ(coded.bitsPerWeight, direct.report.bitsPerWeight);
  EXPECT_DOUBLE_EQ(coded.error,
                   direct.report.relError * direct.report.relError);
  EXPECT_EQ(measurement.results[0].packed.scales, direct.packed.scales);
  EXPECT_LT(coded.error, measurement.candidates[1].error);
}

//===- BudgetTest.cpp - the bit-budget allocator ---------------*- C++ -*-===//
//
// allocateBudget (include/bitsink/Quant/Budget.h) on synthetic rate-error
// curves against brute force over every allocation; the budget objectives
// and measureBudgetCandidates on quantized weights.
//
//===----------------------------------------------------------------------===//

#include "bitsink/Quant/Budget.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <random>

using namespace bitsink::quant;

namespace {

/// Random layers: sizes 1..5 (x 384·32 or x 1001), candidates at planes 1-4 and
/// groups 64/128/256 with bits of a K = 384 weight and errors that fall with
/// bits roughly like 4^-bits times a per-layer scale, with noise (so some
/// candidates are off the hull or dominated).
std::vector<BudgetLayer> randomLayers(std::mt19937 &rng, int numLayers,
                                      int numCandidates, bool integral) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::vector<BudgetLayer> layers(numLayers);
  for (int i = 0; i < numLayers; ++i) {
    BudgetLayer &layer = layers[i];
    layer.name = "l" + std::to_string(i);
    // K = 384 rows times N columns: integral stored bits (the exact
    // program); 1001 * n weights are not (the marginal analysis).
    layer.numWeights = (integral ? 384 * 32 : 1001) * (1 + rng() % 5);
    double scale = std::pow(10.0, 2 * unit(rng));
    std::vector<BudgetConfig> configs = budgetCandidateConfigs(Method::BPDQ);
    std::shuffle(configs.begin(), configs.end(), rng);
    configs.resize(numCandidates);
    for (const BudgetConfig &config : configs) {
      int planes = config.planes;
      int64_t group = config.groupSize;
      BudgetCandidate c;
      c.planes = planes;
      c.groupSize = group;
      c.bitsPerWeight = storedBitsPerWeight(384, planes, planes + 1, group, 16);
      c.error = scale * std::pow(4.0, -c.bitsPerWeight) * (0.5 + unit(rng));
      layer.candidates.push_back(c);
    }
  }
  return layers;
}

/// The least summed error over every allocation within `budget`, or +inf.
double bruteForce(const std::vector<BudgetLayer> &layers, double budget) {
  double weights = 0;
  for (const BudgetLayer &layer : layers)
    weights += layer.numWeights;
  double best = std::numeric_limits<double>::infinity();
  std::vector<int> choice(layers.size(), 0);
  for (;;) {
    double bits = 0, error = 0;
    bool allowed = true;
    for (size_t i = 0; i < layers.size(); ++i) {
      if (layers[i].fixed >= 0 && choice[i] != layers[i].fixed)
        allowed = false;
      const BudgetCandidate &c = layers[i].candidates[choice[i]];
      bits += c.bitsPerWeight * layers[i].numWeights;
      error += c.error;
    }
    if (allowed && bits <= budget * weights * (1 + 1e-12))
      best = std::min(best, error);
    size_t i = 0;
    for (; i < layers.size(); ++i) {
      if (++choice[i] < static_cast<int>(layers[i].candidates.size()))
        break;
      choice[i] = 0;
    }
    if (i == layers.size())
      return best;
  }
}

/// The largest error difference between two candidates of one layer: the
/// bound on how far the allocator may be from the optimum.
double largestStep(const std::vector<BudgetLayer> &layers) {
  double step = 0;
  for (const BudgetLayer &layer : layers)
    for (const BudgetCandidate &a : layer.candidates)
      for (const BudgetCandidate &b : layer.candidates)
        step = std::max(step, a.error - b.error);
  return step;
}

/// Checks what every allocation must satisfy (fixed layers kept, the budget
/// met, its reported bits and error those of its choice, no better than the
/// brute-force optimum) and returns that optimum.
static double checkAgainstBruteForce(const std::vector<BudgetLayer> &layers,
                                     double budget,
                                     const BudgetAllocation &allocation) {
  EXPECT_EQ(allocation.choice.size(), layers.size());
  if (allocation.choice.size() != layers.size())
    return bruteForce(layers, budget);
  double bits = 0, weights = 0, sum = 0;
  for (size_t i = 0; i < layers.size(); ++i) {
    if (layers[i].fixed >= 0)
      EXPECT_EQ(allocation.choice[i], layers[i].fixed);
    const BudgetCandidate &c = layers[i].candidates[allocation.choice[i]];
    bits += c.bitsPerWeight * layers[i].numWeights;
    weights += layers[i].numWeights;
    sum += c.error;
  }
  EXPECT_LE(bits, budget * weights * (1 + 1e-12));
  EXPECT_DOUBLE_EQ(allocation.bitsPerWeight, bits / weights);
  EXPECT_DOUBLE_EQ(allocation.error, sum);
  double optimum = bruteForce(layers, budget);
  EXPECT_GE(allocation.error, optimum * (1 - 1e-12));
  return optimum;
}

TEST(BudgetTest, ExactMatchesBruteForce) {
  std::mt19937 rng(1234);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<BudgetLayer> layers =
        randomLayers(rng, 2 + trial % 4, 3 + trial % 4, true);
    if (trial % 5 == 0)
      layers[0].fixed = static_cast<int>(rng() % layers[0].candidates.size());
    BudgetAllocation probe;
    std::string error;
    ASSERT_TRUE(allocateBudget(layers, 32, probe, error)) << error;
    for (int b = 0; b <= 8; ++b) {
      double budget = probe.minBitsPerWeight +
                      (probe.maxBitsPerWeight - probe.minBitsPerWeight) * b / 8;
      BudgetAllocation allocation;
      ASSERT_TRUE(allocateBudget(layers, budget, allocation, error)) << error;
      double optimum = checkAgainstBruteForce(layers, budget, allocation);
      EXPECT_TRUE(allocation.exact);
      EXPECT_DOUBLE_EQ(allocation.error, optimum);
    }
  }
}

TEST(BudgetTest, MarginalAnalysisWithinOneStep) {
  std::mt19937 rng(1234);
  int exact = 0, total = 0;
  double worst = 1;
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<BudgetLayer> layers =
        randomLayers(rng, 2 + trial % 4, 3 + trial % 4, false);
    if (trial % 5 == 0)
      layers[0].fixed = static_cast<int>(rng() % layers[0].candidates.size());
    BudgetAllocation probe;
    std::string error;
    ASSERT_TRUE(allocateBudget(layers, 32, probe, error)) << error;
    for (int b = 0; b <= 8; ++b) {
      double budget = probe.minBitsPerWeight +
                      (probe.maxBitsPerWeight - probe.minBitsPerWeight) * b / 8;
      BudgetAllocation allocation;
      ASSERT_TRUE(allocateBudget(layers, budget, allocation, error)) << error;
      double optimum = checkAgainstBruteForce(layers, budget, allocation);
      EXPECT_LE(allocation.error, optimum + largestStep(layers));
      EXPECT_FALSE(allocation.exact);
      worst = std::max(worst, allocation.error / optimum);
      exact += allocation.error <= optimum * (1 + 1e-12);
      ++total;
    }
  }
  // The bound above is loose: most cases are optimal.
  EXPECT_GE(exact, total * 9 / 10)
      << exact << " of " << total << ", worst ratio " << worst;
}

TEST(BudgetTest, OptimalAtItsOwnBreakpoints) {
  // Every allocation the marginal analysis passes through is optimal for
  // its own bit total: run with exactly that total as the budget.
  std::mt19937 rng(99);
  for (int trial = 0; trial < 100; ++trial) {
    std::vector<BudgetLayer> layers = randomLayers(rng, 3, 5, false);
    BudgetAllocation low;
    std::string error;
    ASSERT_TRUE(allocateBudget(layers, 32, low, error)) << error;
    // The cheapest allocation, then the budgets of those stepping up by one
    // candidate in one layer.
    for (size_t i = 0; i < layers.size(); ++i) {
      for (size_t c = 0; c < layers[i].candidates.size(); ++c) {
        BudgetAllocation minimum;
        ASSERT_TRUE(
            allocateBudget(layers, low.minBitsPerWeight, minimum, error));
        double weights = 0, bits = 0;
        for (size_t j = 0; j < layers.size(); ++j) {
          weights += layers[j].numWeights;
          int pick = j == i ? static_cast<int>(c) : minimum.choice[j];
          bits +=
              layers[j].candidates[pick].bitsPerWeight * layers[j].numWeights;
        }
        BudgetAllocation allocation;
        ASSERT_TRUE(allocateBudget(layers, bits / weights, allocation, error));
        EXPECT_LE(allocation.error,
                  bruteForce(layers, bits / weights) + largestStep(layers));
      }
    }
  }
}

TEST(BudgetTest, PicksDifferentConfigsByError) {
  // Two equal layers, one with ten times the error: at a budget between
  // uniform 2 and 3 planes the noisier one gets the extra plane.
  BudgetLayer quiet, loud;
  quiet.name = "quiet";
  loud.name = "loud";
  quiet.numWeights = loud.numWeights = 384 * 384;
  for (int p = 1; p <= 4; ++p) {
    double bits = storedBitsPerWeight(384, p, p + 1, 128, 16);
    quiet.candidates.push_back({p, 128, bits, std::pow(4.0, -p)});
    loud.candidates.push_back({p, 128, bits, 10 * std::pow(4.0, -p)});
  }
  BudgetAllocation allocation;
  std::string error;
  ASSERT_TRUE(allocateBudget({quiet, loud}, 3.0, allocation, error)) << error;
  EXPECT_EQ(quiet.candidates[allocation.choice[0]].planes, 2);
  EXPECT_EQ(loud.candidates[allocation.choice[1]].planes, 3);
  EXPECT_DOUBLE_EQ(allocation.bitsPerWeight, (2.375 + 3.5) / 2);
  std::string table = formatBudgetAllocation({quiet, loud}, allocation, 3.0);
  EXPECT_NE(table.find("loud"), std::string::npos);
  EXPECT_NE(table.find("2.937500 bits per weight"), std::string::npos) << table;
}

TEST(BudgetTest, FixedLayersCountTowardTheBudget) {
  BudgetLayer fixed, free;
  fixed.name = "fixed";
  free.name = "free";
  fixed.numWeights = free.numWeights = 1000;
  for (int p = 1; p <= 4; ++p) {
    fixed.candidates.push_back({p, 0, double(p), std::pow(4.0, -p)});
    free.candidates.push_back({p, 0, double(p), std::pow(4.0, -p)});
  }
  fixed.fixed = 3; // 4 bits
  BudgetAllocation allocation;
  std::string error;
  ASSERT_TRUE(allocateBudget({fixed, free}, 3.0, allocation, error)) << error;
  EXPECT_EQ(allocation.choice[0], 3);
  EXPECT_EQ(allocation.choice[1], 1); // 2 bits: (4 + 2) / 2 = 3
  EXPECT_DOUBLE_EQ(allocation.bitsPerWeight, 3.0);
  EXPECT_DOUBLE_EQ(allocation.minBitsPerWeight, 2.5);
  EXPECT_DOUBLE_EQ(allocation.maxBitsPerWeight, 4.0);
}

TEST(BudgetTest, RejectsBadBudgetsAndInputs) {
  BudgetLayer layer;
  layer.name = "w";
  layer.numWeights = 10;
  layer.candidates = {{1, 64, 1.25, 1.0}, {2, 64, 2.375, 0.25}};
  BudgetAllocation allocation;
  std::string error;
  EXPECT_FALSE(allocateBudget({layer}, 1.0, allocation, error));
  EXPECT_NE(error.find("below the smallest average the candidates reach, "
                       "1.2500"),
            std::string::npos)
      << error;
  EXPECT_DOUBLE_EQ(allocation.minBitsPerWeight, 1.25);
  for (double bad : {-1.0, 0.0, 33.0, std::nan("")}) {
    EXPECT_FALSE(allocateBudget({layer}, bad, allocation, error));
    EXPECT_NE(error.find("must be in (0, 32]"), std::string::npos) << error;
  }
  BudgetLayer empty = layer;
  empty.candidates.clear();
  EXPECT_FALSE(allocateBudget({empty}, 3, allocation, error));
  EXPECT_NE(error.find("no candidates"), std::string::npos);
  BudgetLayer negative = layer;
  negative.candidates[0].error = -1;
  EXPECT_FALSE(allocateBudget({negative}, 3, allocation, error));
  BudgetLayer outOfRange = layer;
  outOfRange.fixed = 2;
  EXPECT_FALSE(allocateBudget({outOfRange}, 3, allocation, error));
  // Above the largest candidate: everything at its best.
  ASSERT_TRUE(allocateBudget({layer}, 32, allocation, error)) << error;
  EXPECT_EQ(allocation.choice[0], 1);
}

/// A K x N weight of smooth values plus `spikes` large entries per column,
/// times `scale`, and T calibration rows; deterministic.
struct Weight {
  int64_t K, N;
  std::vector<float> W;
};

Weight makeWeight(int64_t K, int64_t N, double scale, int spikes,
                  uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> unit(-1.0, 1.0);
  Weight w{K, N, std::vector<float>(K * N)};
  for (int64_t i = 0; i < K * N; ++i)
    w.W[i] = static_cast<float>(scale * unit(rng));
  for (int64_t n = 0; n < N; ++n)
    for (int s = 0; s < spikes; ++s)
      w.W[(rng() % K) * N + n] = static_cast<float>(scale * 12 * unit(rng));
  return w;
}

/// T x K calibration rows, uniform in [-1, 1); deterministic.
std::vector<float> uniformRows(int64_t T, int64_t K, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> unit(-1.0, 1.0);
  std::vector<float> X(T * K);
  for (float &x : X)
    x = static_cast<float>(unit(rng));
  return X;
}

/// XᵀX/T of T x K rows, as the library's accumulator forms it.
std::vector<double> hessianOf(const std::vector<float> &X, int64_t T,
                              int64_t K) {
  HessianAccumulator accumulator(K);
  std::string error;
  EXPECT_TRUE(accumulator.add(X.data(), T, error)) << error;
  return accumulator.hessian();
}

TEST(BudgetTest, ObjectivesParseAndScale) {
  BudgetObjective objective;
  EXPECT_TRUE(parseBudgetObjective("relative", objective));
  EXPECT_EQ(objective, BudgetObjective::Relative);
  EXPECT_TRUE(parseBudgetObjective("absolute", objective));
  EXPECT_EQ(objective, BudgetObjective::Absolute);
  EXPECT_FALSE(parseBudgetObjective("squared", objective));
  EXPECT_STREQ(budgetObjectiveName(BudgetObjective::Relative), "relative");
  double error = 0;
  std::string message;
  ASSERT_TRUE(
      budgetError(BudgetObjective::Absolute, 0.5, 8.0, 3.0, error, message));
  EXPECT_EQ(error, 3.0 * (0.25 * 8.0));
  ASSERT_TRUE(
      budgetError(BudgetObjective::Relative, 0.5, 8.0, 3.0, error, message));
  EXPECT_EQ(error, 3.0 * 0.25);
  EXPECT_FALSE(budgetError(BudgetObjective::Relative, INFINITY, 0.0, 1.0, error,
                           message));
  EXPECT_NE(message.find("vanishes"), std::string::npos) << message;
  EXPECT_FALSE(
      budgetError(BudgetObjective::Absolute, 0.1, 1.0, -1.0, error, message));
  // outputEnergy: ‖XW‖²/T from H = XᵀX/T, and ‖W‖² without H.
  std::vector<float> W = {1, 2, 3, 4, 5, 6}; // 2 x 3
  std::vector<double> H = {2, 1, 1, 3};
  // Columns (1,4), (2,5), (3,6): wᵀHw = 2a² + 2ab + 3b².
  EXPECT_EQ(outputEnergy(W.data(), 2, 3, H.data()),
            (2 + 8 + 48) + (8 + 20 + 75) + (18 + 36 + 108));
  EXPECT_EQ(outputEnergy(W.data(), 2, 3, nullptr), 91);
}

TEST(BudgetTest, RelativeObjectivePicksADifferentAllocation) {
  // "loud": uniform values times 10 (an easy weight with a large output);
  // "spiky": the same kind of values times 0.1 with large spikes in every
  // column (a hard weight with a small output). The absolute error puts
  // the extra plane where the output is large; the relative error, which
  // weighs both alike, where the weight is hard to quantize.
  const int64_t K = 128, N = 32, T = 256;
  Weight loud = makeWeight(K, N, 10.0, 0, 1);
  Weight spiky = makeWeight(K, N, 0.1, 3, 2);
  std::vector<float> X = uniformRows(T, K, 3);
  Options options;
  options.method = Method::BPDQ;
  std::vector<BudgetConfig> configs = {{2, 64}, {3, 64}};
  std::map<BudgetObjective, std::vector<int>> planes;
  for (BudgetObjective objective :
       {BudgetObjective::Absolute, BudgetObjective::Relative}) {
    std::vector<BudgetLayer> layers;
    for (const Weight *w : {&loud, &spiky}) {
      BudgetMeasurement measurement;
      std::string error;
      ASSERT_TRUE(measureBudgetCandidates(
          w->W.data(), K, N, X.data(), T, nullptr, options, configs, objective,
          1.0, /*keepResults=*/true, measurement, error))
          << error;
      ASSERT_EQ(measurement.candidates.size(), 2u);
      ASSERT_EQ(measurement.results.size(), 2u);
      for (size_t c = 0; c < 2; ++c) {
        double rel = measurement.results[c].report.relError;
        double expected = objective == BudgetObjective::Relative
                              ? rel * rel
                              : rel * rel * measurement.energy;
        EXPECT_EQ(measurement.candidates[c].error, expected);
        EXPECT_EQ(measurement.candidates[c].bitsPerWeight,
                  measurement.results[c].report.bitsPerWeight);
      }
      BudgetLayer layer;
      layer.name = w == &loud ? "loud" : "spiky";
      layer.numWeights = K * N;
      layer.candidates = measurement.candidates;
      layers.push_back(layer);
    }
    // Room for one layer at three planes.
    double budget = (layers[0].candidates[0].bitsPerWeight +
                     layers[0].candidates[1].bitsPerWeight) /
                    2;
    BudgetAllocation allocation;
    std::string error;
    ASSERT_TRUE(allocateBudget(layers, budget, allocation, error)) << error;
    for (size_t i = 0; i < layers.size(); ++i)
      planes[objective].push_back(
          layers[i].candidates[allocation.choice[i]].planes);
  }
  EXPECT_EQ(planes[BudgetObjective::Absolute], (std::vector<int>{3, 2}));
  EXPECT_EQ(planes[BudgetObjective::Relative], (std::vector<int>{2, 3}));
}

TEST(BudgetTest, MeasuredCandidatesAreTheQuantizersResults) {
  // measureBudgetCandidates sums XᵀX/T once and quantizes every candidate
  // from it: each result is quantize()'s with the rows, bit for bit, with
  // few rows (T <= K/2: relError measured on the rows) and with many, for
  // the Hessian-aware methods.
  const int64_t K = 128, N = 32;
  Weight w = makeWeight(K, N, 1.0, 2, 6);
  std::vector<BudgetConfig> configs = {{2, 64}, {3, 128}, {4, 32}};
  for (Method method : {Method::BPDQ, Method::Trit})
    for (int64_t T : {int64_t(40), int64_t(64), int64_t(300)}) {
      std::vector<float> X = uniformRows(T, K, 7);
      Options options;
      options.method = method;
      options.threads = 2;
      std::vector<BudgetConfig> used = configs;
      if (method == Method::Trit)
        used = {{2, 64}, {4, 128}};
      BudgetMeasurement measurement;
      std::string error;
      ASSERT_TRUE(
          measureBudgetCandidates(w.W.data(), K, N, X.data(), T, nullptr,
                                  options, used, BudgetObjective::Absolute, 1.0,
                                  /*keepResults=*/true, measurement, error))
          << error;
      ASSERT_EQ(measurement.results.size(), used.size());
      for (size_t c = 0; c < used.size(); ++c) {
        Options configured = options;
        configured.planes = used[c].planes;
        configured.groupSize = used[c].groupSize;
        Result direct;
        ASSERT_TRUE(
            quantize(w.W.data(), K, N, X.data(), T, configured, direct, error))
            << error;
        const Result &measured = measurement.results[c];
        EXPECT_EQ(measured.packed.planes, direct.packed.planes)
            << "T = " << T << ", config " << c;
        EXPECT_EQ(measured.packed.coeffs, direct.packed.coeffs);
        EXPECT_EQ(measured.report.relError, direct.report.relError)
            << "T = " << T << ", config " << c;
        EXPECT_EQ(measured.report.weightRelError, direct.report.weightRelError);
        EXPECT_EQ(measured.report.damp, direct.report.damp);
        EXPECT_EQ(measured.report.rtnColumns, direct.report.rtnColumns);
        EXPECT_EQ(measurement.candidates[c].error, direct.report.relError *
                                                       direct.report.relError *
                                                       measurement.energy);
      }
    }
}

TEST(BudgetTest, MeasureCandidatesRejectsBadCalibration) {
  const int64_t K = 64, N = 8, T = 40;
  Weight w = makeWeight(K, N, 1.0, 0, 8);
  std::vector<float> X = uniformRows(T, K, 9);
  std::vector<double> H = hessianOf(X, T, K);
  std::string error;
  BudgetMeasurement measurement;
  auto measure = [&](const float *rows, int64_t count, const double *hessian) {
    return measureBudgetCandidates(
        w.W.data(), K, N, rows, count, hessian, Options(), {{2, 32}},
        BudgetObjective::Absolute, 1.0, false, measurement, error);
  };
  // Rows or their Hessian, not both.
  EXPECT_FALSE(measure(X.data(), T, H.data()));
  EXPECT_NE(error.find("not both"), std::string::npos) << error;
  // Rows as quantize() checks them.
  EXPECT_FALSE(measure(X.data(), 0, nullptr));
  EXPECT_NE(error.find("at least one row"), std::string::npos) << error;
  std::vector<float> bad = X;
  bad[5 * K + 3] = NAN;
  EXPECT_FALSE(measure(bad.data(), T, nullptr));
  EXPECT_NE(error.find("non-finite value at row 5, column 3"),
            std::string::npos)
      << error;
  // A Hessian as checkHessian checks it.
  std::vector<double> asymmetric = H;
  asymmetric[1 * K + 0] += 1;
  EXPECT_FALSE(measure(nullptr, 0, asymmetric.data()));
  EXPECT_NE(error.find("the calibration Hessian is not symmetric"),
            std::string::npos)
      << error;
  std::vector<double> negative = H;
  negative[3 * K + 3] = -1;
  EXPECT_FALSE(measure(nullptr, 0, negative.data()));
  EXPECT_NE(error.find("negative diagonal entry at row 3"), std::string::npos)
      << error;
  std::vector<double> infinite = H;
  infinite[2] = INFINITY;
  EXPECT_FALSE(measure(nullptr, 0, infinite.data()));
  EXPECT_NE(error.find("non-finite"), std::string::npos) << error;
  // Neither: the identity, errors ‖W − Ŵ‖²_F and energy ‖W‖²_F.
  ASSERT_TRUE(measure(nullptr, 0, nullptr)) << error;
  EXPECT_EQ(measurement.energy, outputEnergy(w.W.data(), K, N, nullptr));
}

TEST(BudgetTest, MeasuredCandidatesFromAHessianMatchTheRows) {
  const int64_t K = 96, N = 16, T = 300;
  Weight w = makeWeight(K, N, 1.0, 1, 4);
  std::vector<float> X = uniformRows(T, K, 5);
  std::vector<double> H = hessianOf(X, T, K);
  std::string error;
  std::vector<BudgetConfig> configs =
      distinctBudgetConfigs(budgetCandidateConfigs(Method::RTN), K);
  // Groups of 128 and 256 are both one group for K = 96.
  EXPECT_EQ(configs.size(), 8u);
  for (BudgetObjective objective :
       {BudgetObjective::Absolute, BudgetObjective::Relative}) {
    BudgetMeasurement rows, hessian;
    ASSERT_TRUE(measureBudgetCandidates(w.W.data(), K, N, X.data(), T, nullptr,
                                        Options(), configs, objective, 2.0,
                                        false, rows, error))
        << error;
    ASSERT_TRUE(measureBudgetCandidates(w.W.data(), K, N, nullptr, 0, H.data(),
                                        Options(), configs, objective, 2.0,
                                        false, hessian, error))
        << error;
    EXPECT_TRUE(rows.results.empty());
    EXPECT_EQ(rows.energy, hessian.energy);
    for (size_t c = 0; c < configs.size(); ++c) {
      EXPECT_EQ(rows.candidates[c].bitsPerWeight,
                hessian.candidates[c].bitsPerWeight);
      EXPECT_EQ(rows.candidates[c].error, hessian.candidates[c].error);
    }
  }
  // A zero output with a nonzero error has no relative error (rtn: the
  // grid ignores the data, so row 0 is not fitted exactly).
  Options rtn;
  rtn.method = Method::RTN;
  std::vector<float> zeroRows(T * K, 0.0f);
  for (int64_t t = 0; t < T; ++t)
    zeroRows[t * K] = 1.0f;
  std::vector<float> W = w.W;
  for (int64_t n = 0; n < N; ++n)
    W[n] = 0.0f; // row 0 of W, the only row X reads, is zero
  BudgetMeasurement measurement;
  EXPECT_FALSE(measureBudgetCandidates(
      W.data(), K, N, zeroRows.data(), T, nullptr, rtn, {{2, 32}},
      BudgetObjective::Relative, 1.0, false, measurement, error));
  EXPECT_NE(error.find("relative budget error of P = 2, g = 32"),
            std::string::npos)
      << error;
  // The absolute one measures it directly.
  ASSERT_TRUE(measureBudgetCandidates(
      W.data(), K, N, zeroRows.data(), T, nullptr, rtn, {{2, 32}},
      BudgetObjective::Absolute, 1.0, false, measurement, error))
      << error;
  EXPECT_EQ(measurement.energy, 0.0);
  EXPECT_GT(measurement.candidates[0].error, 0.0);
  EXPECT_TRUE(std::isfinite(measurement.candidates[0].error));
}

} // namespace

//===- QuantCAPITest.cpp - the quantizer through the C API ----------------===//
//
// What the C API adds to the library: the thread count reaches the solver
// (results bit-identical for 1 and 2 threads, a negative count rejected),
// the report carries the stored bits per weight, held-out rows (or
// their Hessian) are measured beside the calibration rows, calibration
// given as a Hessian (accumulated over batches) quantizes like the rows,
// the budget's candidates are measured as the pass measures them, and the
// rtn search option reaches the quantizer.
//
//===----------------------------------------------------------------------===//

#include "bitsink/CAPI/BitSink.h"

#include "QuantTestSupport.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

using bitsink::quant::test::outputError;

namespace {

struct QuantCAPI : ::testing::Test {
  BitSinkContext context = bitsinkContextCreate();
  ~QuantCAPI() override { bitsinkContextDestroy(context); }
  std::string diagnostics() { return bitsinkContextGetDiagnostics(context); }
};

/// Pseudo-random values in [-1, 1) from a splitmix64 hash of (seed, i),
/// with a smooth part scaled by `a` and `b`.
std::vector<float> pattern(int64_t count, double a, double b) {
  std::vector<float> values(count);
  uint64_t seed = static_cast<uint64_t>(a * 1e6 + b * 1e9);
  for (int64_t i = 0; i < count; ++i) {
    uint64_t z = seed + 0x9e3779b97f4a7c15ull * static_cast<uint64_t>(i + 1);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    double noise = static_cast<double>(z >> 11) * 0x1.0p-52 - 1;
    values[i] = static_cast<float>(0.5 * noise + 0.5 * std::sin(a * i + 0.3) *
                                                     std::cos(b * i));
  }
  return values;
}

std::vector<char> bytesOf(BitSinkArray array) {
  int64_t count = 1;
  for (int64_t d = 0; d < array.rank; ++d)
    count *= array.shape[d];
  const char *data = static_cast<const char *>(array.data);
  return std::vector<char>(data, data + count * 4);
}

TEST_F(QuantCAPI, ThreadCountReachesTheSolverAndChangesNothing) {
  // K = 200 (not a multiple of the group size), N = 70: three column tiles.
  const int64_t K = 200, N = 70, T = 96;
  std::vector<float> W = pattern(K * N, 0.37, 0.011);
  std::vector<float> X = pattern(T * K, 0.13, 0.007);
  for (const char *method : {"rtn", "bpdq", "trit"}) {
    std::vector<std::vector<char>> planes, coeffs;
    std::vector<double> errors;
    for (int threads : {1, 2}) {
      BitSinkQuantizeOptions options = bitsinkQuantizeOptionsDefault();
      EXPECT_EQ(options.threads, 0);
      options.method = method;
      options.planes = 2;
      options.groupSize = 64;
      options.threads = threads;
      BitSinkQuantizeResult result = nullptr;
      ASSERT_EQ(bitsinkQuantize(context, W.data(), K, N, X.data(), T, &options,
                                &result),
                BITSINK_SUCCESS)
          << diagnostics();
      planes.push_back(bytesOf(bitsinkQuantizeResultGetPlanes(result)));
      coeffs.push_back(bytesOf(bitsinkQuantizeResultGetCoefficients(result)));
      BitSinkQuantizeReport report = bitsinkQuantizeResultGetReport(result);
      errors.push_back(report.relError);
      // 2 planes of 7 words and 4 groups of C coefficients per column.
      int64_t C = std::strcmp(method, "trit") == 0 ? 2 : 3;
      EXPECT_DOUBLE_EQ(report.bitsPerWeight,
                       (2 * 32 * 7 + 16.0 * C * 4) / static_cast<double>(K));
      bitsinkQuantizeResultDestroy(result);
    }
    EXPECT_EQ(planes[0], planes[1]) << method;
    EXPECT_EQ(coeffs[0], coeffs[1]) << method;
    EXPECT_EQ(errors[0], errors[1]) << method;
  }
}

TEST_F(QuantCAPI, RtnSearchOptionReachesTheQuantizer) {
  // rtnSearch (default 1) searches rtn's grids; 0 keeps the min-max grid:
  // offset = min and 3·scale = max - min per group and column, up to f16.
  const int64_t K = 96, N = 7, G = 3;
  std::vector<float> W = pattern(K * N, 0.23, 0.019);
  EXPECT_EQ(bitsinkQuantizeOptionsDefault().rtnSearch, 1);
  double errors[2];
  for (int search : {1, 0}) {
    BitSinkQuantizeOptions options = bitsinkQuantizeOptionsDefault();
    options.method = "rtn";
    options.planes = 2;
    options.groupSize = 32;
    options.rtnSearch = search;
    BitSinkQuantizeResult result = nullptr;
    ASSERT_EQ(
        bitsinkQuantize(context, W.data(), K, N, nullptr, 0, &options, &result),
        BITSINK_SUCCESS)
        << diagnostics();
    errors[search] = bitsinkQuantizeResultGetReport(result).weightRelError;
    BitSinkArray coeffs = bitsinkQuantizeResultGetCoefficients(result);
    ASSERT_EQ(coeffs.rank, 3);
    ASSERT_EQ(coeffs.shape[0], G);
    const float *c = static_cast<const float *>(coeffs.data);
    int minMax = 0;
    for (int64_t g = 0; g < G; ++g)
      for (int64_t n = 0; n < N; ++n) {
        float lo = W[g * 32 * N + n], hi = lo;
        for (int64_t k = g * 32; k < (g + 1) * 32; ++k) {
          lo = std::min(lo, W[k * N + n]);
          hi = std::max(hi, W[k * N + n]);
        }
        float offset = c[(g * 3 + 0) * N + n], scale = c[(g * 3 + 1) * N + n];
        minMax += std::fabs(offset - lo) <= 1e-3 * std::fabs(lo) &&
                  std::fabs(3 * scale - (hi - lo)) <= 2e-3 * (hi - lo);
      }
    if (search)
      EXPECT_LT(minMax, G * N / 2) << "searched grids are mostly not min-max";
    else
      EXPECT_EQ(minMax, G * N);
    bitsinkQuantizeResultDestroy(result);
  }
  EXPECT_LT(errors[1], errors[0]);
}

TEST_F(QuantCAPI, HeldOutRowsAreMeasured) {
  const int64_t K = 96, N = 33, T = 40, Th = 120;
  std::vector<float> W = pattern(K * N, 0.41, 0.013);
  std::vector<float> X = pattern(T * K, 0.17, 0.005);
  std::vector<float> Xh = pattern(Th * K, 0.29, 0.003);
  std::vector<double> Hh(K * K, 0.0);
  for (int64_t t = 0; t < Th; ++t)
    for (int64_t i = 0; i < K; ++i)
      for (int64_t j = 0; j < K; ++j)
        Hh[i * K + j] += static_cast<double>(Xh[t * K + i]) * Xh[t * K + j];
  BitSinkQuantizeOptions options = bitsinkQuantizeOptionsDefault();
  options.planes = 3;
  options.groupSize = 32;
  BitSinkQuantizeResult rows = nullptr, hessian = nullptr, plain = nullptr;
  ASSERT_EQ(bitsinkQuantizeHeldOut(context, W.data(), K, N, X.data(), T,
                                   Xh.data(), Th, nullptr, &options, &rows),
            BITSINK_SUCCESS)
      << diagnostics();
  ASSERT_EQ(bitsinkQuantizeHeldOut(context, W.data(), K, N, X.data(), T,
                                   nullptr, 0, Hh.data(), &options, &hessian),
            BITSINK_SUCCESS)
      << diagnostics();
  ASSERT_EQ(
      bitsinkQuantize(context, W.data(), K, N, X.data(), T, &options, &plain),
      BITSINK_SUCCESS)
      << diagnostics();
  const float *What = static_cast<const float *>(
      bitsinkQuantizeResultGetDequantized(rows).data);
  BitSinkQuantizeReport a = bitsinkQuantizeResultGetReport(rows);
  BitSinkQuantizeReport b = bitsinkQuantizeResultGetReport(hessian);
  BitSinkQuantizeReport c = bitsinkQuantizeResultGetReport(plain);
  EXPECT_EQ(a.hasHeldOut, 1);
  EXPECT_EQ(b.hasHeldOut, 1);
  EXPECT_EQ(c.hasHeldOut, 0);
  EXPECT_NEAR(a.heldOutRelError, outputError(Xh, Th, W.data(), What, K, N),
              1e-6);
  EXPECT_NEAR(a.relError, outputError(X, T, W.data(), What, K, N), 1e-6);
  // Both are f32 products (XᵀX against X·E); they agree to ~1e-8.
  EXPECT_NEAR(b.heldOutRelError, a.heldOutRelError, 1e-7);
  EXPECT_EQ(a.relError, c.relError);
  bitsinkQuantizeResultDestroy(rows);
  bitsinkQuantizeResultDestroy(hessian);
  bitsinkQuantizeResultDestroy(plain);

  BitSinkQuantizeResult bad = nullptr;
  EXPECT_EQ(bitsinkQuantizeHeldOut(context, W.data(), K, N, X.data(), T,
                                   Xh.data(), 0, nullptr, &options, &bad),
            BITSINK_FAILURE);
  EXPECT_NE(diagnostics().find("held-out"), std::string::npos);
}

TEST_F(QuantCAPI, NegativeThreadCountIsRejected) {
  std::vector<float> W = pattern(64 * 4, 0.5, 0.1);
  BitSinkQuantizeOptions options = bitsinkQuantizeOptionsDefault();
  options.threads = -1;
  BitSinkQuantizeResult result = nullptr;
  EXPECT_EQ(
      bitsinkQuantize(context, W.data(), 64, 4, nullptr, 0, &options, &result),
      BITSINK_FAILURE);
  EXPECT_NE(diagnostics().find("threads"), std::string::npos) << diagnostics();
}

/// XᵀX/T of X[T][K] through the C accumulator, fed in batches of `batch`.
std::vector<double> accumulate(BitSinkContext context, const float *X,
                               int64_t T, int64_t K, int64_t batch) {
  BitSinkHessianAccumulator accumulator = nullptr;
  EXPECT_EQ(bitsinkHessianAccumulatorCreate(context, K, 0, &accumulator),
            BITSINK_SUCCESS);
  std::vector<double> H(K * K);
  if (!accumulator)
    return H;
  EXPECT_EQ(bitsinkHessianAccumulatorGetK(accumulator), K);
  for (int64_t t = 0; t < T; t += batch) {
    EXPECT_EQ(bitsinkHessianAccumulatorAdd(context, accumulator, X + t * K,
                                           std::min(batch, T - t)),
              BITSINK_SUCCESS);
    // Reading it changes nothing that follows.
    bitsinkHessianAccumulatorGetHessian(accumulator, H.data());
  }
  EXPECT_EQ(bitsinkHessianAccumulatorGetRows(accumulator), T);
  bitsinkHessianAccumulatorGetHessian(accumulator, H.data());
  bitsinkHessianAccumulatorDestroy(accumulator);
  return H;
}

TEST_F(QuantCAPI, HessianCalibrationQuantizesLikeTheRows) {
  // T > K/2: rel_error is measured on the Hessian either way, so it is the
  // same bits too.
  const int64_t K = 160, N = 24, T = 700;
  std::vector<float> W = pattern(K * N, 0.41, 0.013);
  std::vector<float> X = pattern(T * K, 0.17, 0.003);
  std::vector<double> H = accumulate(context, X.data(), T, K, T);
  for (int64_t batch : {1, 100, 256, 333})
    EXPECT_EQ(accumulate(context, X.data(), T, K, batch), H) << batch;
  for (const char *method : {"rtn", "bpdq", "trit"}) {
    BitSinkQuantizeOptions options = bitsinkQuantizeOptionsDefault();
    options.method = method;
    options.planes = 2;
    options.groupSize = 64;
    BitSinkQuantizeResult rows = nullptr, hessian = nullptr;
    ASSERT_EQ(
        bitsinkQuantize(context, W.data(), K, N, X.data(), T, &options, &rows),
        BITSINK_SUCCESS)
        << diagnostics();
    ASSERT_EQ(bitsinkQuantizeWithHessian(context, W.data(), K, N, H.data(),
                                         nullptr, 0, nullptr, &options,
                                         &hessian),
              BITSINK_SUCCESS)
        << diagnostics();
    EXPECT_EQ(bytesOf(bitsinkQuantizeResultGetPlanes(rows)),
              bytesOf(bitsinkQuantizeResultGetPlanes(hessian)))
        << method;
    EXPECT_EQ(bytesOf(bitsinkQuantizeResultGetCoefficients(rows)),
              bytesOf(bitsinkQuantizeResultGetCoefficients(hessian)))
        << method;
    EXPECT_EQ(bitsinkQuantizeResultGetReport(rows).relError,
              bitsinkQuantizeResultGetReport(hessian).relError)
        << method;
    bitsinkQuantizeResultDestroy(rows);
    bitsinkQuantizeResultDestroy(hessian);
  }

  // Bad Hessians fail with the reason.
  BitSinkQuantizeOptions options = bitsinkQuantizeOptionsDefault();
  std::vector<double> bad = H;
  bad[3 * K + 5] = NAN;
  BitSinkQuantizeResult result = nullptr;
  EXPECT_EQ(bitsinkQuantizeWithHessian(context, W.data(), K, N, bad.data(),
                                       nullptr, 0, nullptr, &options, &result),
            BITSINK_FAILURE);
  EXPECT_NE(diagnostics().find("non-finite"), std::string::npos)
      << diagnostics();
  bad = H;
  bad[7 * K + 2] += 1;
  EXPECT_EQ(bitsinkCheckHessian(context, bad.data(), K, "calibration_hessian"),
            BITSINK_FAILURE);
  EXPECT_NE(diagnostics().find("calibration_hessian is not symmetric"),
            std::string::npos)
      << diagnostics();
  EXPECT_EQ(bitsinkCheckHessian(context, H.data(), K, "calibration_hessian"),
            BITSINK_SUCCESS);
  EXPECT_EQ(bitsinkQuantizeWithHessian(context, W.data(), K, N, nullptr,
                                       nullptr, 0, nullptr, &options, &result),
            BITSINK_FAILURE);
  std::vector<float> nan(2 * K, 1.0f);
  nan[K + 1] = NAN;
  BitSinkHessianAccumulator accumulator = nullptr;
  ASSERT_EQ(bitsinkHessianAccumulatorCreate(context, K, 1, &accumulator),
            BITSINK_SUCCESS);
  EXPECT_EQ(bitsinkHessianAccumulatorAdd(context, accumulator, nan.data(), 2),
            BITSINK_FAILURE);
  EXPECT_NE(diagnostics().find("row 1, column 1"), std::string::npos)
      << diagnostics();
  EXPECT_EQ(bitsinkHessianAccumulatorGetRows(accumulator), 0);
  bitsinkHessianAccumulatorDestroy(accumulator);
  EXPECT_EQ(bitsinkHessianAccumulatorCreate(context, 0, 0, &accumulator),
            BITSINK_FAILURE);
}

TEST_F(QuantCAPI, BudgetCandidatesAreThePassErrors) {
  const int64_t K = 128, N = 16, T = 200;
  std::vector<float> W = pattern(K * N, 0.29, 0.017);
  std::vector<float> X = pattern(T * K, 0.11, 0.005);
  BitSinkQuantizeOptions options = bitsinkQuantizeOptionsDefault();
  std::vector<int32_t> planes = {2, 3};
  std::vector<int64_t> groups = {64, 128};
  double energy = 0;
  ASSERT_EQ(bitsinkBudgetOutputEnergy(context, W.data(), K, N, X.data(), T,
                                      nullptr, &energy),
            BITSINK_SUCCESS)
      << diagnostics();
  for (const char *objective : {"absolute", "relative"}) {
    std::vector<BitSinkBudgetCandidate> candidates(2);
    std::vector<BitSinkQuantizeResult> results(2, nullptr);
    ASSERT_EQ(bitsinkMeasureBudgetCandidates(
                  context, W.data(), K, N, X.data(), T, nullptr, &options, 2,
                  planes.data(), groups.data(), objective, 0.5,
                  candidates.data(), results.data()),
              BITSINK_SUCCESS)
        << diagnostics();
    for (int c = 0; c < 2; ++c) {
      // The error of the quantizer's own report, by the same formula.
      BitSinkQuantizeOptions one = options;
      one.planes = planes[c];
      one.groupSize = groups[c];
      BitSinkQuantizeResult alone = nullptr;
      ASSERT_EQ(
          bitsinkQuantize(context, W.data(), K, N, X.data(), T, &one, &alone),
          BITSINK_SUCCESS);
      BitSinkQuantizeReport report = bitsinkQuantizeResultGetReport(alone);
      EXPECT_EQ(bytesOf(bitsinkQuantizeResultGetPlanes(alone)),
                bytesOf(bitsinkQuantizeResultGetPlanes(results[c])));
      double error = -1;
      ASSERT_EQ(bitsinkBudgetError(context, objective, report.relError, energy,
                                   0.5, &error),
                BITSINK_SUCCESS);
      EXPECT_EQ(candidates[c].error, error) << objective << " " << c;
      EXPECT_EQ(candidates[c].bitsPerWeight, report.bitsPerWeight);
      EXPECT_EQ(candidates[c].planes, planes[c]);
      EXPECT_EQ(candidates[c].groupSize, groups[c]);
      bitsinkQuantizeResultDestroy(alone);
      bitsinkQuantizeResultDestroy(results[c]);
    }
  }
  // The rows' Hessian XᵀX/T (the accumulator's) in place of the rows: the
  // same candidates (T > K/2, so relError is measured alike) and results.
  BitSinkHessianAccumulator accumulator = nullptr;
  ASSERT_EQ(bitsinkHessianAccumulatorCreate(context, K, 0, &accumulator),
            BITSINK_SUCCESS);
  ASSERT_EQ(bitsinkHessianAccumulatorAdd(context, accumulator, X.data(), T),
            BITSINK_SUCCESS);
  std::vector<double> H(K * K);
  bitsinkHessianAccumulatorGetHessian(accumulator, H.data());
  bitsinkHessianAccumulatorDestroy(accumulator);
  std::vector<BitSinkBudgetCandidate> fromRows(2), fromHessian(2);
  std::vector<BitSinkQuantizeResult> rowResults(2), hessianResults(2);
  ASSERT_EQ(bitsinkMeasureBudgetCandidates(context, W.data(), K, N, X.data(), T,
                                           nullptr, &options, 2, planes.data(),
                                           groups.data(), "absolute", 1.0,
                                           fromRows.data(), rowResults.data()),
            BITSINK_SUCCESS)
      << diagnostics();
  ASSERT_EQ(bitsinkMeasureBudgetCandidates(
                context, W.data(), K, N, nullptr, 0, H.data(), &options, 2,
                planes.data(), groups.data(), "absolute", 1.0,
                fromHessian.data(), hessianResults.data()),
            BITSINK_SUCCESS)
      << diagnostics();
  for (int c = 0; c < 2; ++c) {
    EXPECT_EQ(fromRows[c].error, fromHessian[c].error) << c;
    EXPECT_EQ(fromRows[c].bitsPerWeight, fromHessian[c].bitsPerWeight);
    EXPECT_EQ(bytesOf(bitsinkQuantizeResultGetPlanes(rowResults[c])),
              bytesOf(bitsinkQuantizeResultGetPlanes(hessianResults[c])));
    EXPECT_EQ(bytesOf(bitsinkQuantizeResultGetCoefficients(rowResults[c])),
              bytesOf(bitsinkQuantizeResultGetCoefficients(hessianResults[c])));
    bitsinkQuantizeResultDestroy(rowResults[c]);
    bitsinkQuantizeResultDestroy(hessianResults[c]);
  }
  // Both, or a malformed Hessian: the call fails and says why.
  BitSinkBudgetCandidate one;
  auto measureOne = [&](const float *rows, int64_t count,
                        const double *hessian) {
    return bitsinkMeasureBudgetCandidates(
        context, W.data(), K, N, rows, count, hessian, &options, 1,
        planes.data(), groups.data(), "absolute", 1.0, &one, nullptr);
  };
  EXPECT_EQ(measureOne(X.data(), T, H.data()), BITSINK_FAILURE);
  EXPECT_NE(diagnostics().find("not both"), std::string::npos) << diagnostics();
  std::vector<double> asymmetric = H;
  asymmetric[5 * K + 1] += 1;
  EXPECT_EQ(measureOne(nullptr, 0, asymmetric.data()), BITSINK_FAILURE);
  EXPECT_NE(diagnostics().find("the calibration Hessian is not symmetric"),
            std::string::npos)
      << diagnostics();
  std::vector<double> negative = H;
  negative[2 * K + 2] = -0.5;
  EXPECT_EQ(measureOne(nullptr, 0, negative.data()), BITSINK_FAILURE);
  EXPECT_NE(diagnostics().find("negative diagonal entry at row 2"),
            std::string::npos)
      << diagnostics();
  double error = 0;
  EXPECT_EQ(bitsinkBudgetError(context, "squared", 0.1, 1.0, 1.0, &error),
            BITSINK_FAILURE);
  EXPECT_NE(diagnostics().find("expected absolute or relative"),
            std::string::npos)
      << diagnostics();
  BitSinkBudgetCandidate candidate;
  EXPECT_EQ(bitsinkMeasureBudgetCandidates(context, W.data(), K, N, X.data(), T,
                                           nullptr, &options, 1, planes.data(),
                                           groups.data(), "bogus", 1.0,
                                           &candidate, nullptr),
            BITSINK_FAILURE);
}

} // namespace

TEST_F(QuantCAPI, RotationOptionReachesTheQuantizer) {
  // rotationBlock (default 0) quantizes RᵀW; the report says which block K
  // allowed, the signs come back, and the dequantized weight is in W's
  // basis (its error is the report's).
  const int64_t K = 96, N = 5;
  std::vector<float> W = pattern(K * N, 0.31, 0.027);
  EXPECT_EQ(bitsinkQuantizeOptionsDefault().rotationBlock, 0);
  EXPECT_EQ(bitsinkQuantizeOptionsDefault().rotationSeed, 0u);
  BitSinkQuantizeOptions options = bitsinkQuantizeOptionsDefault();
  options.groupSize = 32;
  options.rotationBlock = 64;
  options.rotationSeed = 4;
  BitSinkQuantizeResult result = nullptr;
  ASSERT_EQ(
      bitsinkQuantize(context, W.data(), K, N, nullptr, 0, &options, &result),
      BITSINK_SUCCESS)
      << diagnostics();
  BitSinkQuantizeReport report = bitsinkQuantizeResultGetReport(result);
  EXPECT_EQ(report.rotationBlock, 32);
  BitSinkArray signs = bitsinkQuantizeResultGetRotationSigns(result);
  ASSERT_EQ(signs.rank, 1);
  ASSERT_EQ(signs.shape[0], K);
  for (int64_t k = 0; k < K; ++k) {
    float s = static_cast<const float *>(signs.data)[k];
    EXPECT_TRUE(s == 1.0f || s == -1.0f);
  }
  BitSinkArray What = bitsinkQuantizeResultGetDequantized(result);
  const float *w = static_cast<const float *>(What.data);
  double error = 0, norm = 0;
  for (int64_t i = 0; i < K * N; ++i) {
    error += (double(W[i]) - w[i]) * (double(W[i]) - w[i]);
    norm += double(W[i]) * W[i];
  }
  EXPECT_NEAR(std::sqrt(error / norm), report.weightRelError, 1e-5);
  bitsinkQuantizeResultDestroy(result);

  options.rotationBlock = 12;
  EXPECT_NE(
      bitsinkQuantize(context, W.data(), K, N, nullptr, 0, &options, &result),
      BITSINK_SUCCESS);
  EXPECT_NE(diagnostics().find("rotation block must be 0 (none) or a power "
                               "of two, got 12"),
            std::string::npos);
}

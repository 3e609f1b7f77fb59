//===- RotationTest.cpp - the Walsh–Hadamard rotation of the quantizer ----===//
//
// makeRotation's blocks and signs, the fast transforms against the dense R
// they stand for (x·R, RᵀW, R·W, RᵀHR), and quantize() with a rotation: its
// errors are those of the weight it hands back in the input's basis.
//
//===----------------------------------------------------------------------===//

#include "bitsink/Quant/Budget.h"
#include "bitsink/Quant/Quantizer.h"

#include "QuantTestSupport.h"
#include "TestRandom.h"
#include "gtest/gtest.h"

#include <cmath>
#include <tuple>

using namespace bitsink::quant;
using bitsink::quant::test::normalMatrix;

namespace {

/// The dense K×K R from rotationBlocks, checked to be block-diagonal.
std::vector<double> denseRotation(const Rotation &rotation) {
  int64_t K = rotation.K, b = rotation.block;
  std::vector<float> blocks = rotationBlocks(rotation);
  EXPECT_EQ(static_cast<int64_t>(blocks.size()), K * b);
  std::vector<double> R(K * K, 0.0);
  for (int64_t i = 0; i < K / b; ++i)
    for (int64_t l = 0; l < b; ++l)
      for (int64_t j = 0; j < b; ++j)
        R[(i * b + l) * K + i * b + j] = blocks[(i * b + l) * b + j];
  return R;
}

/// C[n][m] = A[n][k]·B[k][m] in double.
std::vector<double> multiply(const std::vector<double> &A,
                             const std::vector<double> &B, int64_t n, int64_t k,
                             int64_t m) {
  std::vector<double> C(n * m, 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t l = 0; l < k; ++l)
      for (int64_t j = 0; j < m; ++j)
        C[i * m + j] += A[i * k + l] * B[l * m + j];
  return C;
}

std::vector<double> transpose(const std::vector<double> &A, int64_t n,
                              int64_t m) {
  std::vector<double> T(n * m);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < m; ++j)
      T[j * n + i] = A[i * m + j];
  return T;
}

std::vector<double> toDouble(const std::vector<float> &v) {
  return std::vector<double>(v.begin(), v.end());
}

} // namespace

TEST(Rotation, BlockIsTheLargestPowerOfTwoDividingK) {
  EXPECT_EQ(effectiveRotationBlock(64, 576), 64);
  EXPECT_EQ(effectiveRotationBlock(128, 576), 64); // 576 = 64 · 9
  EXPECT_EQ(effectiveRotationBlock(512, 1536), 512);
  EXPECT_EQ(effectiveRotationBlock(4096, 384), 128);
  EXPECT_EQ(effectiveRotationBlock(64, 96), 32);
  EXPECT_EQ(effectiveRotationBlock(2, 6), 2);
  EXPECT_EQ(effectiveRotationBlock(64, 33), 0); // odd K: none
  EXPECT_EQ(effectiveRotationBlock(0, 64), 0);
  EXPECT_EQ(effectiveRotationBlock(1, 64), 0);
  Rotation none = makeRotation(33, 64, 1);
  EXPECT_FALSE(none.enabled());
  EXPECT_TRUE(none.signs.empty());
}

TEST(Rotation, SignsDependOnlyOnTheSeed) {
  Rotation a = makeRotation(512, 64, 5), b = makeRotation(512, 64, 5);
  Rotation c = makeRotation(512, 64, 6);
  EXPECT_EQ(a.signs, b.signs);
  EXPECT_NE(a.signs, c.signs);
  int64_t negative = 0;
  for (float s : a.signs) {
    EXPECT_TRUE(s == 1.0f || s == -1.0f);
    negative += s < 0;
  }
  EXPECT_GT(negative, 200); // about half of 512
  EXPECT_LT(negative, 312);
}

TEST(Rotation, FastTransformsMatchTheDenseMatrix) {
  const int64_t K = 96, N = 7, T = 5;
  Rotation rotation = makeRotation(K, 64, 11); // blocks of 32
  ASSERT_EQ(rotation.block, 32);
  std::vector<double> R = denseRotation(rotation);
  std::vector<double> Rt = transpose(R, K, K);
  // Orthogonal.
  std::vector<double> identity = multiply(Rt, R, K, K, K);
  for (int64_t i = 0; i < K; ++i)
    for (int64_t j = 0; j < K; ++j)
      EXPECT_NEAR(identity[i * K + j], i == j ? 1.0 : 0.0, 1e-6);

  std::vector<float> X = normalMatrix(T, K, 1), W = normalMatrix(K, N, 2);
  std::vector<double> XR = multiply(toDouble(X), R, T, K, K);
  std::vector<float> rows = X;
  rotateRows(rotation, rows.data(), T);
  for (int64_t i = 0; i < T * K; ++i)
    EXPECT_NEAR(rows[i], XR[i], 1e-5);

  std::vector<double> RtW = multiply(Rt, toDouble(W), K, K, N);
  std::vector<float> rotated = W;
  rotateWeight(rotation, rotated.data(), N);
  for (int64_t i = 0; i < K * N; ++i)
    EXPECT_NEAR(rotated[i], RtW[i], 1e-5);
  // x·W = (x·R)·(RᵀW).
  std::vector<double> direct = multiply(toDouble(X), toDouble(W), T, K, N);
  std::vector<double> viaR =
      multiply(toDouble(rows), toDouble(rotated), T, K, N);
  for (int64_t i = 0; i < T * N; ++i)
    EXPECT_NEAR(viaR[i], direct[i], 1e-4);
  // R·(RᵀW) = W.
  unrotateWeight(rotation, rotated.data(), N);
  for (int64_t i = 0; i < K * N; ++i)
    EXPECT_NEAR(rotated[i], W[i], 1e-5);

  // RᵀHR from the lower triangle of H = XᵀX (upper left garbage).
  std::vector<float> Y = normalMatrix(40, K, 3);
  std::vector<double> H =
      multiply(transpose(toDouble(Y), 40, K), toDouble(Y), K, 40, K);
  std::vector<double> expected = multiply(multiply(Rt, H, K, K, K), R, K, K, K);
  std::vector<double> lower = H;
  for (int64_t i = 0; i < K; ++i)
    for (int64_t j = i + 1; j < K; ++j)
      lower[i * K + j] = 1e30;
  rotateHessian(rotation, lower.data());
  for (int64_t i = 0; i < K; ++i)
    for (int64_t j = 0; j < K; ++j) {
      EXPECT_NEAR(lower[i * K + j], expected[i * K + j], 1e-9 * 40 * K);
      EXPECT_EQ(lower[i * K + j], lower[j * K + i]);
    }
}

TEST(Rotation, QuantizeReportsTheErrorOfTheWeightItHandsBack) {
  const int64_t K = 128, N = 24, T = 300;
  std::vector<float> W = normalMatrix(K, N, 4), X = normalMatrix(T, K, 5);
  for (int64_t n = 0; n < N; ++n)
    W[7 * N + n] *= 15; // an outlier row
  Options options;
  options.planes = 2;
  options.groupSize = 64;
  options.rotationBlock = 128;
  options.rotationSeed = 3;
  Result rotated = bitsink::quant::test::quantizeOrDie(W, K, N, options, &X, T);
  ASSERT_EQ(rotated.rotation.block, 128);
  std::vector<float> What(K * N);
  dequantizeResult(rotated, What.data());
  double error = 0, reference = 0;
  for (int64_t t = 0; t < T; ++t)
    for (int64_t n = 0; n < N; ++n) {
      double e = 0, r = 0;
      for (int64_t k = 0; k < K; ++k) {
        e += double(X[t * K + k]) * (double(W[k * N + n]) - What[k * N + n]);
        r += double(X[t * K + k]) * W[k * N + n];
      }
      error += e * e;
      reference += r * r;
    }
  EXPECT_NEAR(rotated.report.relError, std::sqrt(error / reference),
              1e-5 * rotated.report.relError);
  // The same as quantizing RᵀW given the rotated rows, and better than
  // quantizing W on this layer.
  Options plain = options;
  plain.rotationBlock = 0;
  std::vector<float> RtW = W, XR = X;
  rotateWeight(rotated.rotation, RtW.data(), N);
  rotateRows(rotated.rotation, XR.data(), T);
  Result manual = bitsink::quant::test::quantizeOrDie(RtW, K, N, plain, &XR, T);
  EXPECT_EQ(manual.packed.planes, rotated.packed.planes);
  EXPECT_EQ(manual.packed.coeffs, rotated.packed.coeffs);
  Result unrotated = bitsink::quant::test::quantizeOrDie(W, K, N, plain, &X, T);
  EXPECT_LT(rotated.report.relError, unrotated.report.relError);
}

TEST(Rotation, RejectsABlockThatIsNotAPowerOfTwo) {
  std::vector<float> W(64 * 2, 1.0f);
  Options options;
  options.rotationBlock = 48;
  Result result;
  std::string error;
  EXPECT_FALSE(quantize(W.data(), 64, 2, nullptr, 0, options, result, error));
  EXPECT_NE(error.find("rotation block must be 0 (none) or a power of two"),
            std::string::npos);
  options.rotationBlock = -2;
  EXPECT_FALSE(quantize(W.data(), 64, 2, nullptr, 0, options, result, error));
}

TEST(Rotation, RotatedWeightOutsideTheF16RangeIsAnError) {
  // W's column 0 is 65000·s on a block of 64 rows: RᵀW puts 8·65000 in one
  // row, beyond what f16 coefficients hold, though W itself fits.
  const int64_t K = 64, N = 2;
  Rotation rotation = makeRotation(K, 64, 0);
  std::vector<float> W(K * N, 0.5f);
  for (int64_t k = 0; k < K; ++k)
    W[k * N] = 65000.0f * rotation.signs[k];
  Options options;
  options.rotationBlock = 64;
  Result result;
  std::string error;
  EXPECT_FALSE(quantize(W.data(), K, N, nullptr, 0, options, result, error));
  EXPECT_NE(error.find("the rotated weight RᵀW 520000"), std::string::npos)
      << error;
  EXPECT_NE(error.find("outside the f16 range"), std::string::npos) << error;
  // The budget's measurement rotates once for its candidates: the same
  // error.
  BudgetMeasurement measurement;
  std::string budgetError;
  EXPECT_FALSE(measureBudgetCandidates(
      W.data(), K, N, nullptr, 0, nullptr, options, {{2, 64}},
      BudgetObjective::Absolute, 1.0, false, measurement, budgetError));
  EXPECT_EQ(budgetError, error);
  // Unrotated, or with f32 coefficients, it quantizes.
  options.f16Coefficients = false;
  EXPECT_TRUE(quantize(W.data(), K, N, nullptr, 0, options, result, error))
      << error;
  options.f16Coefficients = true;
  options.rotationBlock = 0;
  EXPECT_TRUE(quantize(W.data(), K, N, nullptr, 0, options, result, error))
      << error;
}

TEST(Rotation, BudgetCandidatesEqualRotatedQuantizations) {
  // measureBudgetCandidates rotates once for every candidate; each kept
  // result is the one quantize() gives with the rotation, bit for bit, from
  // rows and from their Hessian.
  const int64_t K = 96, N = 10, T = 120;
  std::vector<float> W = normalMatrix(K, N, 21), X = normalMatrix(T, K, 22);
  Options options;
  options.rotationBlock = 64;
  options.rotationSeed = 4;
  std::vector<BudgetConfig> configs = {{2, 32}, {3, 96}};
  HessianAccumulator accumulator(K);
  std::string error;
  ASSERT_TRUE(accumulator.add(X.data(), T, error)) << error;
  std::vector<double> H = accumulator.hessian();
  for (bool rows : {true, false}) {
    BudgetMeasurement measurement;
    ASSERT_TRUE(measureBudgetCandidates(
        W.data(), K, N, rows ? X.data() : nullptr, rows ? T : 0,
        rows ? nullptr : H.data(), options, configs, BudgetObjective::Absolute,
        1.0, true, measurement, error))
        << error;
    ASSERT_EQ(measurement.results.size(), configs.size());
    for (size_t c = 0; c < configs.size(); ++c) {
      Options one = options;
      one.planes = configs[c].planes;
      one.groupSize = configs[c].groupSize;
      Result expected;
      ASSERT_TRUE(
          rows ? quantize(W.data(), K, N, X.data(), T, one, expected, error)
               : quantizeWithHessian(W.data(), K, N, H.data(), one, expected,
                                     error))
          << error;
      const Result &got = measurement.results[c];
      EXPECT_EQ(got.packed.planes, expected.packed.planes);
      EXPECT_EQ(got.packed.coeffs, expected.packed.coeffs);
      EXPECT_EQ(got.report.relError, expected.report.relError);
      EXPECT_EQ(got.rotation.block, 32);
      EXPECT_EQ(got.rotation.signs, expected.rotation.signs);
    }
  }
}

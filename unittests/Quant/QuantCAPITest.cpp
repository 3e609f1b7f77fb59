//===- QuantCAPITest.cpp - the quantizer through the C API ----------------===//
//
// What the C API adds to the library: the thread count reaches the solver
// (results bit-identical for 1 and 2 threads, a negative count rejected),
// the report carries the stored bits per weight, and held-out rows (or
// their Hessian) are measured beside the calibration rows.
//
//===----------------------------------------------------------------------===//

#include "bitsink/CAPI/BitSink.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

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

/// ||X(W - W^)||_F / ||XW||_F from the rows, in double.
double outputError(const std::vector<float> &X, int64_t T, const float *W,
                   const float *What, int64_t K, int64_t N) {
  double num = 0, den = 0;
  for (int64_t t = 0; t < T; ++t)
    for (int64_t n = 0; n < N; ++n) {
      double y = 0, dy = 0;
      for (int64_t k = 0; k < K; ++k) {
        y += static_cast<double>(X[t * K + k]) * W[k * N + n];
        dy += static_cast<double>(X[t * K + k]) *
              (static_cast<double>(W[k * N + n]) - What[k * N + n]);
      }
      num += dy * dy;
      den += y * y;
    }
  return std::sqrt(num / den);
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

} // namespace

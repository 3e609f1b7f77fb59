//===- QuantCAPITest.cpp - the quantizer through the C API ----------------===//
//
// What the C API adds to the library: the thread count reaches the solver
// (results bit-identical for 1 and 2 threads, a negative count rejected)
// and the report carries the stored bits per weight.
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

std::vector<float> pattern(int64_t count, double a, double b) {
  std::vector<float> values(count);
  for (int64_t i = 0; i < count; ++i)
    values[i] = static_cast<float>(std::sin(a * i + 0.3) * std::cos(b * i));
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

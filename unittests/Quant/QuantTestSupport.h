//===- QuantTestSupport.h - quantize in gtest tests ------------*- C++ -*-===//
//
// The quantizer's gtest tests call quantize() expecting success and a valid
// packed result, and compare against the dequantized weight.
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_UNITTESTS_QUANT_QUANTTESTSUPPORT_H
#define BITSINK_UNITTESTS_QUANT_QUANTTESTSUPPORT_H

#include "bitsink/Quant/Quantizer.h"

#include "gtest/gtest.h"

#include <cmath>
#include <string>
#include <vector>

namespace bitsink::quant::test {

/// quantize() of the K x N weight `W` (calibration rows `X`, T x K, if
/// given), expected to succeed with a valid packed result.
inline Result quantizeOrDie(const std::vector<float> &W, int64_t K, int64_t N,
                            const Options &options,
                            const std::vector<float> *X = nullptr,
                            int64_t T = 0) {
  Result result;
  std::string error;
  bool ok = quantize(W.data(), K, N, X ? X->data() : nullptr, T, options,
                     result, error);
  EXPECT_TRUE(ok) << error;
  std::string invalid;
  EXPECT_TRUE(validate(result.packed, invalid)) << invalid;
  return result;
}

/// ‖X(W - Ŵ)‖_F / ‖XW‖_F computed directly from X, in double.
inline double outputError(const std::vector<float> &X, int64_t T,
                          const float *W, const float *What, int64_t K,
                          int64_t N) {
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
inline double outputError(const std::vector<float> &X, int64_t T,
                          const std::vector<float> &W,
                          const std::vector<float> &What, int64_t K,
                          int64_t N) {
  return outputError(X, T, W.data(), What.data(), K, N);
}

/// Ŵ of `packed`, K x N.
inline std::vector<float> dequantized(const Packed &packed) {
  std::vector<float> What(packed.K * packed.N);
  dequantize(packed, What.data());
  return What;
}

} // namespace bitsink::quant::test

#endif // BITSINK_UNITTESTS_QUANT_QUANTTESTSUPPORT_H

//===- QuantizerTest.cpp - rtn / bpdq / trit and the packed layout --------===//
//
// Packing round trips, the §2.3 formula per plane kind, rtn against the
// textbook formula, bpdq against rtn (identity Hessian) and against itself
// without data (calibrated), trit, odd shapes, group sizes, determinism
// across thread counts and argument checking. Random data comes from a
// fixed-seed splitmix64 so every platform sees the same cases.
//
//===----------------------------------------------------------------------===//

#include "bitsink/Quant/Quantizer.h"
#include "bitsink/Support/Npy.h"

#include "QuantTestSupport.h"
#include "TestRandom.h"
#include "gtest/gtest.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace bitsink::quant;
using bitsink::quant::test::dequantized;
using bitsink::quant::test::outputError;
using bitsink::quant::test::quantizeOrDie;
using bitsink::quant::test::Random;

namespace {

enum class Distribution { Normal, Uniform, HeavyTailed, Shifted };

std::vector<float>
randomMatrix(int64_t rows, int64_t cols, uint64_t seed,
             Distribution distribution = Distribution::Normal) {
  Random random(seed);
  std::vector<float> m(rows * cols);
  for (float &value : m) {
    switch (distribution) {
    case Distribution::Normal:
      value = static_cast<float>(random.normal());
      break;
    case Distribution::Uniform:
      value = static_cast<float>(2 * random.uniform() - 1);
      break;
    case Distribution::HeavyTailed: {
      // Normal over a random scale: occasional large outliers.
      double scale = random.uniform() < 0.05 ? 8.0 : 1.0;
      value = static_cast<float>(scale * random.normal());
      break;
    }
    case Distribution::Shifted:
      value = static_cast<float>(3.0 + 0.25 * random.normal());
      break;
    }
  }
  return m;
}

/// Correlated activations X = Z·A (T×K), A with a decaying spectrum.
std::vector<float> correlatedActivations(int64_t T, int64_t K, uint64_t seed) {
  std::vector<float> Z = randomMatrix(T, K, seed);
  std::vector<float> A = randomMatrix(K, K, seed + 1);
  for (int64_t i = 0; i < K; ++i)
    for (int64_t j = 0; j < K; ++j)
      A[i * K + j] *= static_cast<float>(1.0 / (1.0 + 0.2 * i));
  std::vector<float> X(T * K, 0.0f);
  for (int64_t t = 0; t < T; ++t)
    for (int64_t i = 0; i < K; ++i) {
      float z = Z[t * K + i];
      for (int64_t j = 0; j < K; ++j)
        X[t * K + j] += z * A[i * K + j];
    }
  return X;
}

double weightError(const std::vector<float> &W,
                   const std::vector<float> &What) {
  double num = 0, den = 0;
  for (size_t i = 0; i < W.size(); ++i) {
    double d = static_cast<double>(W[i]) - What[i];
    num += d * d;
    den += static_cast<double>(W[i]) * W[i];
  }
  return den == 0 ? std::sqrt(num) : std::sqrt(num / den);
}

/// The sizes of a packed K x N weight with P planes of `kind` in groups of
/// `groupSize` rows (docs/semantics.md §2.3); planes and coefficients left
/// empty.
Packed packedLayout(int64_t K, int64_t N, PlaneKind kind, int64_t P,
                    int64_t groupSize) {
  Packed packed;
  packed.K = K;
  packed.N = N;
  packed.kind = kind;
  packed.numPlanes = P;
  packed.groupSize = groupSize;
  packed.numGroups = (K + groupSize - 1) / groupSize;
  packed.numCoeffs = (kind == PlaneKind::Ternary ? P / 2 : P) + 1;
  packed.numWords = (K + 31) / 32;
  return packed;
}

Options makeOptions(Method method, int planes, int64_t groupSize) {
  Options options;
  options.method = method;
  options.planes = planes;
  options.groupSize = groupSize;
  return options;
}

TEST(QuantPacking, RoundTripIsExact) {
  for (int64_t K : {1, 31, 32, 33, 100, 257})
    for (int64_t N : {1, 3, 7})
      for (int64_t P = 1; P <= 4; ++P) {
        Random random(static_cast<uint64_t>(K * 131 + N * 7 + P));
        std::vector<uint8_t> bits(K * N);
        for (uint8_t &b : bits)
          b = static_cast<uint8_t>(random.next() & ((1u << P) - 1));
        Packed packed = packedLayout(K, N, PlaneKind::Binary, P, K);
        packed.planes = packPlanes(bits.data(), K, N, P);
        packed.coeffs.assign((P + 1) * N, 1.0f);
        ASSERT_EQ(static_cast<int64_t>(packed.planes.size()),
                  P * packed.numWords * N);
        std::string error;
        EXPECT_TRUE(validate(packed, error)) << error;
        EXPECT_EQ(unpackPlanes(packed), bits) << "K=" << K << " N=" << N;
      }
}

TEST(QuantPacking, CanonicalBitPositions) {
  // Row k = 32w + i of plane p and column n is bit i of planes[p][w][n].
  const int64_t K = 70, N = 3, P = 2;
  std::vector<uint8_t> bits(K * N, 0);
  bits[33 * N + 2] = 0b10; // plane 1, word 1, bit 1
  bits[0 * N + 0] = 0b01;  // plane 0, word 0, bit 0
  bits[69 * N + 1] = 0b11; // both planes, word 2, bit 5
  std::vector<uint32_t> planes = packPlanes(bits.data(), K, N, P);
  const int64_t KW = 3;
  ASSERT_EQ(planes.size(), static_cast<size_t>(P * KW * N));
  std::vector<uint32_t> expected(P * KW * N, 0);
  expected[(1 * KW + 1) * N + 2] = 1u << 1;
  expected[(0 * KW + 0) * N + 0] = 1u << 0;
  expected[(0 * KW + 2) * N + 1] = 1u << 5;
  expected[(1 * KW + 2) * N + 1] = 1u << 5;
  EXPECT_EQ(planes, expected);
}

TEST(QuantPacking, QuantizedPlanesRepackIdentically) {
  const int64_t K = 100, N = 9;
  std::vector<float> W = randomMatrix(K, N, 5);
  for (Method method : {Method::RTN, Method::BPDQ, Method::Trit}) {
    Result result = quantizeOrDie(
        W, K, N, makeOptions(method, method == Method::Trit ? 4 : 3, 64));
    std::vector<uint8_t> bits = unpackPlanes(result.packed);
    EXPECT_EQ(packPlanes(bits.data(), K, N, result.packed.numPlanes),
              result.packed.planes);
  }
}

TEST(QuantPacking, EachKindDequantizesPerFormula) {
  const int64_t K = 45, N = 4, groupSize = 32;
  for (PlaneKind kind :
       {PlaneKind::Binary, PlaneKind::Signed, PlaneKind::Ternary}) {
    for (int64_t P : {1, 2, 3, 4}) {
      if (kind == PlaneKind::Ternary && P % 2 != 0)
        continue;
      int64_t L = kind == PlaneKind::Ternary ? P / 2 : P;
      Random random(static_cast<uint64_t>(P * 10 + static_cast<int>(kind)));
      std::vector<uint8_t> bits(K * N);
      for (uint8_t &b : bits)
        b = static_cast<uint8_t>(random.next() & ((1u << P) - 1));
      Packed packed = packedLayout(K, N, kind, P, groupSize);
      packed.planes = packPlanes(bits.data(), K, N, P);
      packed.coeffs.resize(2 * (L + 1) * N);
      for (float &c : packed.coeffs)
        c = static_cast<float>(random.normal());
      std::string error;
      ASSERT_TRUE(validate(packed, error)) << error;
      std::vector<float> What = dequantized(packed);
      for (int64_t k = 0; k < K; ++k)
        for (int64_t n = 0; n < N; ++n) {
          int64_t g = k / groupSize;
          auto c = [&](int64_t l) {
            return static_cast<double>(
                packed.coeffs[(g * (L + 1) + l) * N + n]);
          };
          unsigned b = bits[k * N + n];
          double expected = c(0);
          for (int64_t l = 0; l < L; ++l) {
            double t;
            if (kind == PlaneKind::Binary)
              t = (b >> l) & 1;
            else if (kind == PlaneKind::Signed)
              t = 2.0 * ((b >> l) & 1) - 1;
            else
              t = ((b >> (2 * l)) & 1) * (2.0 * ((b >> (2 * l + 1)) & 1) - 1);
            expected += c(l + 1) * t;
          }
          EXPECT_NEAR(What[k * N + n], expected, 1e-5)
              << planeKindName(kind) << " P=" << P << " k=" << k;
        }
    }
  }
}

TEST(QuantRtn, EqualsTextbookFormula) {
  // The plain min-max grid (rtnSearch = false) exactly; the searched grid
  // is checked against it in QuantRtnSearch below.
  for (bool f16 : {false, true})
    for (int64_t K : {1, 31, 100, 257})
      for (int planes = 1; planes <= 4; ++planes)
        for (int64_t groupSize : {32, 128, 0}) {
          const int64_t N = 5;
          std::vector<float> W =
              randomMatrix(K, N, static_cast<uint64_t>(K + planes),
                           Distribution::HeavyTailed);
          Options options = makeOptions(Method::RTN, planes, groupSize);
          options.f16Coefficients = f16;
          options.rtnSearch = false;
          Result result = quantizeOrDie(W, K, N, options);
          const Packed &packed = result.packed;
          int64_t g = groupSize <= 0 || groupSize >= K ? K : groupSize;
          ASSERT_EQ(packed.groupSize, g);
          std::vector<uint8_t> bits = unpackPlanes(packed);
          std::vector<float> What = dequantized(packed);
          float maxCode = static_cast<float>((1 << planes) - 1);
          for (int64_t n = 0; n < N; ++n)
            for (int64_t group = 0; group < packed.numGroups; ++group) {
              int64_t k0 = group * g, k1 = std::min(K, k0 + g);
              float lo = W[k0 * N + n], hi = lo;
              for (int64_t k = k0; k < k1; ++k) {
                lo = std::min(lo, W[k * N + n]);
                hi = std::max(hi, W[k * N + n]);
              }
              const float *c =
                  packed.coeffs.data() + group * packed.numCoeffs * N + n;
              float offset = c[0], scale = c[N];
              if (!f16) {
                EXPECT_EQ(offset, lo);
                EXPECT_EQ(scale, (hi - lo) / maxCode);
              } else {
                using namespace bitsink::npy;
                EXPECT_EQ(halfToFloat(floatToHalf(lo)), offset);
                EXPECT_EQ(halfToFloat(floatToHalf((hi - lo) / maxCode)), scale);
              }
              for (int p = 0; p < planes; ++p)
                EXPECT_EQ(c[(p + 1) * N], std::ldexp(scale, p));
              for (int64_t k = k0; k < k1; ++k) {
                float q = scale > 0
                              ? std::round((W[k * N + n] - offset) / scale)
                              : 0.0f;
                q = std::min(std::max(q, 0.0f), maxCode);
                EXPECT_EQ(bits[k * N + n], static_cast<uint8_t>(q));
                EXPECT_NEAR(What[k * N + n], offset + scale * q,
                            1e-5 * (std::fabs(offset) + scale * maxCode));
              }
            }
        }
}

TEST(QuantRtn, ErrorReportMatchesDequantized) {
  const int64_t K = 96, N = 11, T = 64;
  std::vector<float> W = randomMatrix(K, N, 21);
  std::vector<float> X = correlatedActivations(T, K, 22);
  Result plain = quantizeOrDie(W, K, N, makeOptions(Method::RTN, 3, 32));
  std::vector<float> What = dequantized(plain.packed);
  EXPECT_NEAR(plain.report.weightRelError, weightError(W, What), 1e-9);
  EXPECT_EQ(plain.report.relError, plain.report.weightRelError);
  EXPECT_DOUBLE_EQ(plain.report.bitsPerWeight, 3 + 16.0 * 4 / 32);
  Result data = quantizeOrDie(W, K, N, makeOptions(Method::RTN, 3, 32), &X, T);
  EXPECT_NEAR(data.report.relError,
              outputError(X, T, W, dequantized(data.packed), K, N), 1e-6);
}

TEST(QuantBpdq, IdentityHessianNeverWorseThanRtn) {
  // bpdq's rtn candidate is the rtn of the same options: the plain min-max
  // grid with rtnSearch = false, the searched grid by default.
  for (bool search : {false, true}) {
    int strictlyBetter = 0, cases = 0;
    double ratioSum = 0;
    uint64_t seed = 100;
    for (Distribution distribution :
         {Distribution::Normal, Distribution::Uniform,
          Distribution::HeavyTailed, Distribution::Shifted})
      for (int64_t K : {31, 64, 257})
        for (int planes = 1; planes <= 4; ++planes)
          for (int64_t groupSize : {32, 128, 0}) {
            const int64_t N = 6;
            std::vector<float> W = randomMatrix(K, N, ++seed, distribution);
            Options rtnOptions = makeOptions(Method::RTN, planes, groupSize);
            Options bpdqOptions = makeOptions(Method::BPDQ, planes, groupSize);
            rtnOptions.rtnSearch = bpdqOptions.rtnSearch = search;
            Result rtn = quantizeOrDie(W, K, N, rtnOptions);
            Result bpdq = quantizeOrDie(W, K, N, bpdqOptions);
            double rtnError = weightError(W, dequantized(rtn.packed));
            double bpdqError = weightError(W, dequantized(bpdq.packed));
            EXPECT_LE(bpdqError, rtnError * (1 + 1e-12))
                << "K=" << K << " P=" << planes << " g=" << groupSize
                << " search=" << search;
            EXPECT_NEAR(bpdq.report.weightRelError, bpdqError, 1e-9);
            ++cases;
            strictlyBetter += bpdqError < rtnError * (1 - 1e-6);
            ratioSum += rtnError > 0 ? bpdqError / rtnError : 1;
          }
    // The rtn candidate makes "<=" hold by construction; the refit must
    // also actually improve on it in most cases. Measured: 144 of 144 cases
    // and 0.677 of the error on average against the plain grid, 116 and
    // 0.952 against the searched one.
    EXPECT_GT(strictlyBetter, cases * 3 / 4) << "search=" << search;
    EXPECT_LT(ratioSum / cases, search ? 0.97 : 0.95) << "search=" << search;
  }
}

TEST(QuantBpdq, IdentityHessianReachesLloydMaxOnGaussians) {
  // Large per-channel groups of N(0, 1) samples: the best 2- and 4-level
  // quantizers (Lloyd-Max) have MSE 1 - 2/π (relative error 0.603) and
  // 0.1175 (0.343). Both grids are expressible with binary planes; rtn's
  // min/max grids are far off (about 1.9 and 0.5).
  const int64_t K = 2048, N = 4;
  std::vector<float> W = randomMatrix(K, N, 2024);
  Result one = quantizeOrDie(W, K, N, makeOptions(Method::BPDQ, 1, 0));
  Result two = quantizeOrDie(W, K, N, makeOptions(Method::BPDQ, 2, 0));
  EXPECT_LT(one.report.weightRelError, 0.603 * 1.03);
  EXPECT_LT(two.report.weightRelError, 0.343 * 1.03);
}

TEST(QuantBpdq, CalibratedNotWorseThanIdentityInOutputError) {
  for (int planes : {2, 3})
    for (bool actOrder : {false, true}) {
      const int64_t K = 128, N = 24, T = 384;
      std::vector<float> W = randomMatrix(K, N, 300 + planes);
      std::vector<float> X = correlatedActivations(T, K, 400 + planes);
      Options options = makeOptions(Method::BPDQ, planes, 64);
      options.actOrder = actOrder;
      Result calibrated = quantizeOrDie(W, K, N, options, &X, T);
      Result identity = quantizeOrDie(W, K, N, options);
      Result rtn =
          quantizeOrDie(W, K, N, makeOptions(Method::RTN, planes, 64), &X, T);
      double calibratedError =
          outputError(X, T, W, dequantized(calibrated.packed), K, N);
      double identityError =
          outputError(X, T, W, dequantized(identity.packed), K, N);
      EXPECT_NEAR(calibrated.report.relError, calibratedError, 1e-6);
      EXPECT_LE(calibratedError, identityError)
          << "P=" << planes << " act-order=" << actOrder;
      // On strongly correlated activations GPTQ-style propagation wins by a
      // wide margin (measured: about 0.35x; 0.65x without propagation).
      EXPECT_LT(calibratedError, 0.5 * identityError);
      EXPECT_LE(calibratedError, rtn.report.relError);
      EXPECT_GT(calibrated.report.weightRelError, 0);
    }
}

/// Textbook GPTQ (Frantar et al.) on rtn's min/max grid, fitted to the
/// error-updated weights on entering each group; an independent yardstick.
std::vector<float> gptqReference(const std::vector<float> &W, int64_t K,
                                 int64_t N, const std::vector<float> &X,
                                 int64_t T, int bits, int64_t groupSize) {
  std::vector<double> H(K * K, 0.0);
  for (int64_t t = 0; t < T; ++t)
    for (int64_t i = 0; i < K; ++i)
      for (int64_t j = 0; j < K; ++j)
        H[i * K + j] += static_cast<double>(X[t * K + i]) * X[t * K + j] / T;
  double mean = 0;
  for (int64_t k = 0; k < K; ++k)
    mean += H[k * K + k] / K;
  for (int64_t k = 0; k < K; ++k)
    H[k * K + k] += 0.01 * mean;
  // Hinv by Gauss-Jordan, then its upper Cholesky factor U (Hinv = UᵀU).
  std::vector<double> A = H, inv(K * K, 0.0);
  for (int64_t k = 0; k < K; ++k)
    inv[k * K + k] = 1;
  for (int64_t c = 0; c < K; ++c) {
    double pivot = A[c * K + c];
    for (int64_t j = 0; j < K; ++j) {
      A[c * K + j] /= pivot;
      inv[c * K + j] /= pivot;
    }
    for (int64_t r = 0; r < K; ++r) {
      if (r == c)
        continue;
      double f = A[r * K + c];
      for (int64_t j = 0; j < K; ++j) {
        A[r * K + j] -= f * A[c * K + j];
        inv[r * K + j] -= f * inv[c * K + j];
      }
    }
  }
  std::vector<double> U(K * K, 0.0);
  for (int64_t i = 0; i < K; ++i)
    for (int64_t j = i; j < K; ++j) {
      double sum = inv[i * K + j];
      for (int64_t m = 0; m < i; ++m)
        sum -= U[m * K + i] * U[m * K + j];
      U[i * K + j] = i == j ? std::sqrt(sum) : sum / U[i * K + i];
    }
  std::vector<double> Wc(W.begin(), W.end());
  std::vector<float> Q(K * N);
  std::vector<double> lo(N), scale(N);
  double levels = (1 << bits) - 1;
  for (int64_t k = 0; k < K; ++k) {
    if (k % groupSize == 0)
      for (int64_t n = 0; n < N; ++n) {
        double mn = Wc[k * N + n], mx = mn;
        for (int64_t k2 = k; k2 < std::min(K, k + groupSize); ++k2) {
          mn = std::min(mn, Wc[k2 * N + n]);
          mx = std::max(mx, Wc[k2 * N + n]);
        }
        lo[n] = mn;
        scale[n] = mx > mn ? (mx - mn) / levels : 1;
      }
    for (int64_t n = 0; n < N; ++n) {
      double q = std::round((Wc[k * N + n] - lo[n]) / scale[n]);
      q = lo[n] + scale[n] * std::min(std::max(q, 0.0), levels);
      Q[k * N + n] = static_cast<float>(q);
      double err = (Wc[k * N + n] - q) / U[k * K + k];
      for (int64_t k2 = k + 1; k2 < K; ++k2)
        Wc[k2 * N + n] -= err * U[k * K + k2];
    }
  }
  return Q;
}

TEST(QuantBpdq, CalibratedBeatsTextbookGptq) {
  const int64_t K = 128, N = 16, T = 256;
  std::vector<float> W = randomMatrix(K, N, 71, Distribution::HeavyTailed);
  std::vector<float> X = correlatedActivations(T, K, 72);
  for (int planes : {2, 3}) {
    Options options = makeOptions(Method::BPDQ, planes, 32);
    options.f16Coefficients = false;
    Result bpdq = quantizeOrDie(W, K, N, options, &X, T);
    double gptq =
        outputError(X, T, W, gptqReference(W, K, N, X, T, planes, 32), K, N);
    double rtn =
        quantizeOrDie(W, K, N, makeOptions(Method::RTN, planes, 32), &X, T)
            .report.relError;
    EXPECT_LT(gptq, rtn) << "the reference itself must work";
    // Measured: 0.53x (P = 2) and 0.60x (P = 3) of GPTQ's error.
    EXPECT_LT(bpdq.report.relError, 0.8 * gptq) << "P=" << planes;
  }
}

TEST(QuantBpdq, KeepsRtnWhereRtnIsExact) {
  // Every group holds exactly the 4 uniform levels 0.5 + 0.25·q: rtn at 2
  // bits is exact (f16 represents all of it), so no iterate can beat it.
  const int64_t K = 64, N = 3;
  std::vector<float> W(K * N);
  for (int64_t k = 0; k < K; ++k)
    for (int64_t n = 0; n < N; ++n)
      W[k * N + n] = 0.5f + 0.25f * static_cast<float>((k * 7 + n) % 4);
  Result bpdq = quantizeOrDie(W, K, N, makeOptions(Method::BPDQ, 2, 32));
  EXPECT_EQ(bpdq.report.weightRelError, 0);
  EXPECT_EQ(bpdq.report.rtnColumns, N);
  EXPECT_TRUE(bpdq.report.rtnChosen);
  Result rtn = quantizeOrDie(W, K, N, makeOptions(Method::RTN, 2, 32));
  EXPECT_EQ(bpdq.packed.planes, rtn.packed.planes);
  EXPECT_EQ(bpdq.packed.coeffs, rtn.packed.coeffs);
  // On Gaussian weights the refit wins in every column.
  std::vector<float> G = randomMatrix(256, N, 17);
  Result fitted = quantizeOrDie(G, 256, N, makeOptions(Method::BPDQ, 2, 128));
  EXPECT_EQ(fitted.report.rtnColumns, 0);
  EXPECT_FALSE(fitted.report.rtnChosen);
}

TEST(QuantBpdq, KeepsRtnWhereRtnIsExactOnLargeLayers) {
  // From K = 4096 rows the rtn candidate's objective is first bounded from
  // below and computed only where the bound does not rule it out. Columns
  // 0-4 hold exact 2-bit levels (rtn's error is 0, so it must win them);
  // the others are Gaussian, where bpdq must never be worse than rtn in
  // the calibration metric, measured here on the rows directly.
  const int64_t K = 4096, N = 40, T = 300, exact = 5, factors = 64;
  std::vector<float> W = randomMatrix(K, N, 81);
  for (int64_t k = 0; k < K; ++k)
    for (int64_t n = 0; n < exact; ++n)
      W[k * N + n] = 0.5f + 0.25f * static_cast<float>((k * 7 + n) % 4);
  // Rows from a few correlated factors plus noise: a dense Hessian.
  std::vector<float> Z = randomMatrix(T, factors, 82),
                     A = randomMatrix(factors, K, 83),
                     X = randomMatrix(T, K, 84);
  for (int64_t t = 0; t < T; ++t)
    for (int64_t f = 0; f < factors; ++f)
      for (int64_t k = 0; k < K; ++k)
        X[t * K + k] = (f == 0 ? 0.3f * X[t * K + k] : X[t * K + k]) +
                       Z[t * factors + f] * A[f * K + k];
  Options options = makeOptions(Method::BPDQ, 2, 128);
  Result bpdq = quantizeOrDie(W, K, N, options, &X, T);
  Result rtn = quantizeOrDie(W, K, N, makeOptions(Method::RTN, 2, 128), &X, T);
  EXPECT_EQ(bpdq.report.rtnColumns, exact);
  std::vector<float> Wb(K * N), Wr(K * N);
  dequantize(bpdq.packed, Wb.data());
  dequantize(rtn.packed, Wr.data());
  for (int64_t n = 0; n < N; ++n) {
    double eb = 0, er = 0;
    for (int64_t t = 0; t < T; ++t) {
      double yb = 0, yr = 0;
      for (int64_t k = 0; k < K; ++k) {
        double x = X[t * K + k], w = W[k * N + n];
        yb += x * (w - Wb[k * N + n]);
        yr += x * (w - Wr[k * N + n]);
      }
      eb += yb * yb;
      er += yr * yr;
    }
    if (n < exact) {
      EXPECT_EQ(eb, 0) << n;
    } else {
      EXPECT_GT(er, 0) << n;
      EXPECT_LT(eb, er) << n;
    }
  }
}

TEST(QuantBpdq, PrecomputedHessianMeasuresTheSameError) {
  const int64_t K = 96, N = 10, T = 200;
  std::vector<float> W = randomMatrix(K, N, 61);
  std::vector<float> X = correlatedActivations(T, K, 62);
  std::vector<double> H(K * K, 0.0);
  for (int64_t t = 0; t < T; ++t)
    for (int64_t i = 0; i < K; ++i)
      for (int64_t j = 0; j < K; ++j)
        H[i * K + j] += static_cast<double>(X[t * K + i]) * X[t * K + j] / T;
  Options options = makeOptions(Method::BPDQ, 2, 32);
  Result fromH;
  std::string error;
  ASSERT_TRUE(
      quantizeWithHessian(W.data(), K, N, H.data(), options, fromH, error))
      << error;
  EXPECT_NEAR(fromH.report.relError,
              outputError(X, T, W, dequantized(fromH.packed), K, N), 1e-6);
  Result fromX = quantizeOrDie(W, K, N, options, &X, T);
  EXPECT_NEAR(fromH.report.relError, fromX.report.relError,
              0.02 * fromX.report.relError);
}

TEST(QuantHeldOut, ReportsCalibrationAndHeldOutError) {
  // Few calibration rows (T < K): the fit follows them and the error on
  // other rows of the same distribution is larger.
  const int64_t K = 160, N = 40, T = 48, Th = 300;
  std::vector<float> W = randomMatrix(K, N, 81, Distribution::HeavyTailed);
  std::vector<float> all = correlatedActivations(T + Th, K, 82);
  std::vector<float> X(all.begin(), all.begin() + T * K);
  std::vector<float> Xh(all.begin() + T * K, all.end());
  std::vector<double> Hh(K * K, 0.0);
  for (int64_t t = 0; t < Th; ++t)
    for (int64_t i = 0; i < K; ++i)
      for (int64_t j = 0; j < K; ++j)
        Hh[i * K + j] += static_cast<double>(Xh[t * K + i]) * Xh[t * K + j];
  for (Method method : {Method::RTN, Method::BPDQ, Method::Trit}) {
    Options options = makeOptions(method, method == Method::Trit ? 2 : 3, 64);
    HeldOut rows;
    rows.X = Xh.data();
    rows.T = Th;
    Result result;
    std::string error;
    ASSERT_TRUE(
        quantize(W.data(), K, N, X.data(), T, options, result, error, &rows))
        << error;
    std::vector<float> What = dequantized(result.packed);
    EXPECT_TRUE(result.report.hasHeldOut);
    EXPECT_NEAR(result.report.relError, outputError(X, T, W, What, K, N), 1e-6);
    EXPECT_NEAR(result.report.heldOutRelError,
                outputError(Xh, Th, W, What, K, N), 1e-6);
    if (method != Method::RTN)
      EXPECT_GT(result.report.heldOutRelError, 1.2 * result.report.relError)
          << methodName(method);
    // The held-out Hessian (unnormalised XᵀX) measures the same error, and
    // the packed result does not depend on the held-out rows.
    HeldOut hessian;
    hessian.H = Hh.data();
    Result fromH;
    ASSERT_TRUE(
        quantize(W.data(), K, N, X.data(), T, options, fromH, error, &hessian))
        << error;
    // Both are f32 products (XᵀX against X·E); they agree to ~1e-8.
    EXPECT_NEAR(fromH.report.heldOutRelError, result.report.heldOutRelError,
                1e-7);
    EXPECT_EQ(fromH.packed.planes, result.packed.planes);
    EXPECT_EQ(fromH.packed.coeffs, result.packed.coeffs);
    // Without held-out rows the report says so.
    Result plain = quantizeOrDie(W, K, N, options, &X, T);
    EXPECT_FALSE(plain.report.hasHeldOut);
    EXPECT_EQ(plain.report.relError, result.report.relError);
    // quantizeWithHessian takes them too; no calibration: weight metric.
    std::vector<double> H(K * K, 0.0);
    for (int64_t i = 0; i < K; ++i)
      H[i * K + i] = 1;
    Result identity;
    ASSERT_TRUE(quantizeWithHessian(W.data(), K, N, H.data(), options, identity,
                                    error, &rows))
        << error;
    EXPECT_NEAR(identity.report.heldOutRelError,
                outputError(Xh, Th, W, dequantized(identity.packed), K, N),
                1e-6);
  }
}

TEST(QuantHeldOut, BadHeldOutRowsAreRejected) {
  const int64_t K = 64, N = 4;
  std::vector<float> W = randomMatrix(K, N, 5);
  std::vector<float> Xh = randomMatrix(8, K, 6);
  Options options = makeOptions(Method::BPDQ, 2, 32);
  auto message = [&](const HeldOut &rows) {
    Result result;
    std::string error;
    EXPECT_FALSE(
        quantize(W.data(), K, N, nullptr, 0, options, result, error, &rows));
    return error;
  };
  HeldOut rows;
  EXPECT_NE(message(rows).find("held-out"), std::string::npos);
  rows.X = Xh.data();
  rows.T = 0;
  EXPECT_NE(message(rows).find("at least one row"), std::string::npos);
  Xh[3 * K + 5] = NAN;
  rows.T = 8;
  EXPECT_NE(message(rows).find("held-out data has a non-finite value at row 3"),
            std::string::npos);
  std::vector<double> H(K * K, 0.0);
  H[1] = 1;
  HeldOut hessian;
  hessian.H = H.data();
  EXPECT_NE(message(hessian).find("held-out Hessian is not symmetric"),
            std::string::npos);
}

TEST(QuantTrit, OneAndTwoTritPlanes) {
  const int64_t K = 100, N = 8;
  std::vector<float> W = randomMatrix(K, N, 77);
  Result rtn1 = quantizeOrDie(W, K, N, makeOptions(Method::RTN, 1, 32));
  Result rtn2 = quantizeOrDie(W, K, N, makeOptions(Method::RTN, 2, 32));
  double previous = 0;
  for (int planes : {2, 4}) {
    Result trit = quantizeOrDie(W, K, N, makeOptions(Method::Trit, planes, 32));
    const Packed &packed = trit.packed;
    EXPECT_EQ(packed.kind, PlaneKind::Ternary);
    EXPECT_EQ(packed.numPlanes, planes);
    EXPECT_EQ(packed.numCoeffs, planes / 2 + 1);
    // Everything stored per weight: K = 100 rows take 128 rows of plane
    // words and four groups of coefficients (the last one of 4 rows).
    EXPECT_DOUBLE_EQ(trit.report.bitsPerWeight,
                     (planes * 128 + 16.0 * (planes / 2 + 1) * 4) / 100);
    // Zero trits are stored canonically as m = s = 0.
    std::vector<uint8_t> bits = unpackPlanes(packed);
    for (uint8_t b : bits)
      for (int l = 0; l < planes / 2; ++l)
        if (!((b >> (2 * l)) & 1))
          EXPECT_EQ((b >> (2 * l + 1)) & 1, 0);
    double error = trit.report.weightRelError;
    EXPECT_NEAR(error, weightError(W, dequantized(packed)), 1e-9);
    if (planes == 2) {
      // Three levels with fitted scales beat two uniform levels.
      EXPECT_LT(error, rtn1.report.weightRelError);
    } else {
      // Nine levels beat one trit-plane and rtn's four levels.
      EXPECT_LT(error, previous);
      EXPECT_LT(error, rtn2.report.weightRelError);
    }
    previous = error;
  }
}

TEST(QuantTrit, CalibratedTritUsesTheHessian) {
  const int64_t K = 96, N = 16, T = 256;
  std::vector<float> W = randomMatrix(K, N, 91);
  std::vector<float> X = correlatedActivations(T, K, 92);
  Options options = makeOptions(Method::Trit, 4, 32);
  Result calibrated = quantizeOrDie(W, K, N, options, &X, T);
  Result identity = quantizeOrDie(W, K, N, options);
  EXPECT_LT(calibrated.report.relError,
            outputError(X, T, W, dequantized(identity.packed), K, N));
}

TEST(QuantShapes, GroupSizes) {
  const int64_t K = 300, N = 5;
  std::vector<float> W = randomMatrix(K, N, 11);
  for (Method method : {Method::RTN, Method::BPDQ, Method::Trit})
    for (int64_t groupSize : {32, 64, 128, 256, 0, 300, 512}) {
      int planes = method == Method::Trit ? 2 : 2;
      Result result =
          quantizeOrDie(W, K, N, makeOptions(method, planes, groupSize));
      int64_t effective = groupSize <= 0 || groupSize >= K ? K : groupSize;
      EXPECT_EQ(result.packed.groupSize, effective);
      EXPECT_EQ(result.packed.numGroups, (K + effective - 1) / effective);
      // Stored bits over K = 300 weights per column: 320 rows of plane
      // words and every group's coefficients, the short last group whole
      // (P + 16·C/g would under-report it).
      EXPECT_DOUBLE_EQ(result.report.bitsPerWeight,
                       (planes * 320.0 + 16.0 * result.packed.numCoeffs *
                                             result.packed.numGroups) /
                           K);
      EXPECT_LT(result.report.weightRelError, 0.8);
    }
}

TEST(QuantShapes, BitsPerWeightCountsWhatIsStored) {
  // K = 576, groups of 128: five groups of coefficients per column are
  // stored (the last of 64 rows), 3 + 16·4·5/576 = 3.556 bits, not 3.5.
  EXPECT_DOUBLE_EQ(storedBitsPerWeight(576, 3, 4, 128, 16),
                   3 + 16.0 * 4 * 5 / 576);
  EXPECT_NEAR(storedBitsPerWeight(576, 3, 4, 128, 16), 3.5556, 1e-4);
  EXPECT_DOUBLE_EQ(storedBitsPerWeight(512, 3, 4, 128, 16), 3.5);
  EXPECT_DOUBLE_EQ(storedBitsPerWeight(512, 2, 3, 0, 32), 2 + 32.0 * 3 / 512);
  EXPECT_DOUBLE_EQ(storedBitsPerWeight(576, 2, 3, 1000, 16),
                   2 + 16.0 * 3 / 576);
  // Rows past K in the last plane word are stored too.
  EXPECT_DOUBLE_EQ(storedBitsPerWeight(33, 1, 2, 32, 16),
                   (64.0 + 16 * 2 * 2) / 33);
  for (int64_t K : {576, 200, 1000})
    for (Method method : {Method::RTN, Method::BPDQ, Method::Trit})
      for (bool f16 : {true, false}) {
        const int64_t N = 3;
        std::vector<float> W = randomMatrix(K, N, static_cast<uint64_t>(K));
        Options options =
            makeOptions(method, method == Method::Trit ? 2 : 3, 128);
        options.f16Coefficients = f16;
        options.iterations = 1;
        Result result = quantizeOrDie(W, K, N, options);
        const Packed &packed = result.packed;
        double storedBits =
            32.0 * packed.planes.size() +
            (f16 ? 16.0 : 32.0) * static_cast<double>(packed.coeffs.size());
        EXPECT_DOUBLE_EQ(result.report.bitsPerWeight,
                         storedBits / static_cast<double>(K * N))
            << "K=" << K << " " << methodName(method);
      }
}

TEST(QuantShapes, OddRowCounts) {
  for (int64_t K : {1, 31, 33, 100, 257})
    for (Method method : {Method::RTN, Method::BPDQ, Method::Trit}) {
      const int64_t N = 3;
      std::vector<float> W = randomMatrix(K, N, static_cast<uint64_t>(K));
      Options options = makeOptions(method, method == Method::Trit ? 4 : 3, 32);
      options.f16Coefficients = false;
      std::vector<float> X = correlatedActivations(8, K, 5);
      Result plain = quantizeOrDie(W, K, N, options);
      Result data = quantizeOrDie(W, K, N, options, &X, 8);
      for (const Result *result : {&plain, &data}) {
        EXPECT_EQ(result->packed.numWords, (K + 31) / 32);
        EXPECT_TRUE(std::isfinite(result->report.relError));
        EXPECT_LT(result->report.weightRelError, 0.5) << "K=" << K;
        // One row per group column: the offset alone is exact.
        if (K == 1)
          EXPECT_EQ(result->report.weightRelError, 0);
      }
    }
}

TEST(QuantShapes, DegenerateWeightsAndHessians) {
  const int64_t K = 64, N = 4;
  std::vector<float> zeros(K * N, 0.0f);
  std::vector<float> constant(K * N, 0.375f);
  std::vector<float> X = correlatedActivations(16, K, 8); // rank 16 < K
  std::vector<float> zeroX(16 * K, 0.0f);
  for (Method method : {Method::RTN, Method::BPDQ, Method::Trit}) {
    Options options = makeOptions(method, method == Method::Trit ? 2 : 2, 32);
    Result a = quantizeOrDie(zeros, K, N, options);
    EXPECT_EQ(a.report.weightRelError, 0);
    EXPECT_EQ(a.report.relError, 0);
    Result b = quantizeOrDie(constant, K, N, options, &X, 16);
    EXPECT_EQ(b.report.weightRelError, 0);
    EXPECT_EQ(b.report.relError, 0);
    std::vector<float> W = randomMatrix(K, N, 9);
    Result c = quantizeOrDie(W, K, N, options, &zeroX, 16);
    EXPECT_EQ(c.report.relError, 0);
    EXPECT_LT(c.report.weightRelError, 0.6);
    Options undamped = options;
    undamped.damp = 0;
    Result d = quantizeOrDie(W, K, N, undamped, &X, 16);
    if (method != Method::RTN)
      EXPECT_GT(d.report.damp, 0);
    EXPECT_TRUE(std::isfinite(d.report.relError));
  }
}

TEST(QuantShapes, ExtremeActivationScales) {
  // The f32 products scale H to its mean diagonal and the rows by powers of
  // two: activations near f32's largest and smallest magnitudes give the
  // same result as the same activations near 1 (the metric does not
  // depend on the scale of X).
  const int64_t K = 40, N = 6, T = 12;
  std::vector<float> W = randomMatrix(K, N, 31);
  std::vector<float> X = correlatedActivations(T, K, 32);
  float largest = 0;
  for (float x : X)
    largest = std::max(largest, std::fabs(x));
  for (Method method : {Method::RTN, Method::BPDQ, Method::Trit}) {
    Options options = makeOptions(method, method == Method::Trit ? 2 : 3, 32);
    options.f16Coefficients = false;
    Result plain = quantizeOrDie(W, K, N, options, &X, T);
    for (double target : {1e37, 1e-37}) {
      std::vector<float> scaled(X);
      for (float &x : scaled)
        x = static_cast<float>(x / largest * target);
      Result result = quantizeOrDie(W, K, N, options, &scaled, T);
      EXPECT_TRUE(std::isfinite(result.report.relError)) << target;
      EXPECT_NEAR(result.report.relError, plain.report.relError,
                  1e-3 * plain.report.relError)
          << methodName(method) << " " << target;
      HeldOut heldOut;
      heldOut.X = scaled.data();
      heldOut.T = T;
      Result withHeldOut;
      std::string error;
      ASSERT_TRUE(quantize(W.data(), K, N, scaled.data(), T, options,
                           withHeldOut, error, &heldOut))
          << error;
      EXPECT_NEAR(withHeldOut.report.heldOutRelError, plain.report.relError,
                  1e-3 * plain.report.relError);
    }
  }
}

TEST(QuantDeterminism, IndependentOfThreadCount) {
  const int64_t K = 160, N = 70, T = 200;
  std::vector<float> W = randomMatrix(K, N, 55, Distribution::HeavyTailed);
  std::vector<float> X = correlatedActivations(T, K, 56);
  for (Method method : {Method::RTN, Method::BPDQ, Method::Trit}) {
    Options options = makeOptions(method, method == Method::Trit ? 4 : 2, 64);
    options.actOrder = method == Method::BPDQ;
    std::vector<Result> results;
    for (int threads : {1, 2, 3, 0}) {
      options.threads = threads;
      results.push_back(quantizeOrDie(W, K, N, options, &X, T));
    }
    for (const Result &result : results) {
      EXPECT_EQ(result.packed.planes, results[0].packed.planes);
      EXPECT_EQ(result.packed.coeffs, results[0].packed.coeffs);
      EXPECT_EQ(result.report.relError, results[0].report.relError);
    }
  }
}

// The default schedule (iterations 0, sweeps -1) by layer size: 8 rounds
// and 2 last sweeps below kLargeLayerGroups groups per column, the large
// layers' schedule from there; explicit values are kept. A default run is
// the resolved one, bit for bit.
TEST(QuantSchedule, ByLayerSize) {
  Options defaults;
  EXPECT_EQ(defaults.iterations, 0);
  EXPECT_EQ(defaults.sweeps, -1);
  Options small = resolveSchedule(defaults, 1536); // 12 groups of 128
  EXPECT_EQ(small.iterations, 8);
  EXPECT_EQ(small.sweeps, 2);
  Options large = resolveSchedule(defaults, 4095); // 32 groups, the last short
  EXPECT_EQ(large.iterations, kLargeLayerIterations);
  EXPECT_EQ(large.sweeps, kLargeLayerSweeps);
  Options perChannel = defaults;
  perChannel.groupSize = 0;
  EXPECT_EQ(resolveSchedule(perChannel, 14336).iterations, 8);
  Options given = defaults;
  given.iterations = 5;
  given.sweeps = 0;
  Options kept = resolveSchedule(given, 14336);
  EXPECT_EQ(kept.iterations, 5);
  EXPECT_EQ(kept.sweeps, 0);

  const int64_t N = 12, T = 96;
  for (int64_t K : {int64_t{1024}, int64_t{992}}) { // 32 and 31 groups of 32
    std::vector<float> W = randomMatrix(K, N, 71, Distribution::HeavyTailed);
    std::vector<float> X = correlatedActivations(T, K, 72);
    Options options = makeOptions(Method::BPDQ, 3, 32);
    Result byDefault = quantizeOrDie(W, K, N, options, &X, T);
    Options resolved = resolveSchedule(options, K);
    EXPECT_EQ(resolved.iterations, K == 1024 ? kLargeLayerIterations : 8);
    Result explicitly = quantizeOrDie(W, K, N, resolved, &X, T);
    EXPECT_EQ(byDefault.packed.planes, explicitly.packed.planes);
    EXPECT_EQ(byDefault.packed.coeffs, explicitly.packed.coeffs);
    EXPECT_EQ(byDefault.report.relError, explicitly.report.relError);
  }
}

TEST(QuantArguments, BadArgumentsAreRejected) {
  const int64_t K = 64, N = 4;
  std::vector<float> W = randomMatrix(K, N, 1);
  std::vector<float> X = randomMatrix(8, K, 2);
  Result result;
  std::string error;
  auto rejects = [&](const float *w, int64_t k, int64_t n, const float *x,
                     int64_t t, const Options &options) {
    error.clear();
    bool ok = quantize(w, k, n, x, t, options, result, error);
    return !ok && !error.empty();
  };
  Options good = makeOptions(Method::BPDQ, 2, 32);
  EXPECT_TRUE(rejects(nullptr, K, N, nullptr, 0, good));
  EXPECT_TRUE(rejects(W.data(), 0, N, nullptr, 0, good));
  EXPECT_TRUE(rejects(W.data(), K, -1, nullptr, 0, good));
  for (int planes : {0, 5})
    EXPECT_TRUE(rejects(W.data(), K, N, nullptr, 0,
                        makeOptions(Method::RTN, planes, 32)));
  for (int planes : {1, 3})
    EXPECT_TRUE(rejects(W.data(), K, N, nullptr, 0,
                        makeOptions(Method::Trit, planes, 32)));
  EXPECT_TRUE(
      rejects(W.data(), K, N, nullptr, 0, makeOptions(Method::BPDQ, 2, 48)));
  EXPECT_NE(error.find("group size"), std::string::npos) << error;
  Options bad = good;
  bad.iterations = -1;
  EXPECT_TRUE(rejects(W.data(), K, N, nullptr, 0, bad));
  bad = good;
  bad.sweeps = -2;
  EXPECT_TRUE(rejects(W.data(), K, N, nullptr, 0, bad));
  EXPECT_NE(error.find("sweeps"), std::string::npos) << error;
  bad = good;
  bad.damp = -0.5;
  EXPECT_TRUE(rejects(W.data(), K, N, nullptr, 0, bad));
  bad = good;
  bad.ridge = std::numeric_limits<double>::quiet_NaN();
  EXPECT_TRUE(rejects(W.data(), K, N, nullptr, 0, bad));
  bad = good;
  bad.threads = -2;
  EXPECT_TRUE(rejects(W.data(), K, N, nullptr, 0, bad));

  std::vector<float> nanW = W;
  nanW[5 * N + 2] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_TRUE(rejects(nanW.data(), K, N, nullptr, 0, good));
  EXPECT_NE(error.find("row 5, column 2"), std::string::npos) << error;
  std::vector<float> infW = W;
  infW[0] = std::numeric_limits<float>::infinity();
  EXPECT_TRUE(
      rejects(infW.data(), K, N, nullptr, 0, makeOptions(Method::RTN, 2, 32)));
  std::vector<float> hugeW = W;
  hugeW[7] = 1e6f;
  EXPECT_TRUE(rejects(hugeW.data(), K, N, nullptr, 0, good));
  EXPECT_NE(error.find("f16"), std::string::npos) << error;
  Options f32 = good;
  f32.f16Coefficients = false;
  EXPECT_FALSE(rejects(hugeW.data(), K, N, nullptr, 0, f32)) << error;
  std::vector<float> infX = X;
  infX[3] = -std::numeric_limits<float>::infinity();
  EXPECT_TRUE(rejects(W.data(), K, N, infX.data(), 8, good));
  EXPECT_TRUE(rejects(W.data(), K, N, X.data(), 0, good));

  std::vector<double> H(K * K, 0.0);
  for (int64_t k = 0; k < K; ++k)
    H[k * K + k] = 1;
  EXPECT_FALSE(
      quantizeWithHessian(W.data(), K, N, nullptr, good, result, error));
  H[3 * K + 3] = -1;
  EXPECT_FALSE(
      quantizeWithHessian(W.data(), K, N, H.data(), good, result, error));
  H[3 * K + 3] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_FALSE(
      quantizeWithHessian(W.data(), K, N, H.data(), good, result, error));
  H[3 * K + 3] = 1;
  H[1 * K + 2] = 0.5; // H[2][1] stays 0
  EXPECT_FALSE(
      quantizeWithHessian(W.data(), K, N, H.data(), good, result, error));
  EXPECT_NE(error.find("symmetric"), std::string::npos) << error;
  H[1 * K + 2] = 0;
  EXPECT_TRUE(
      quantizeWithHessian(W.data(), K, N, H.data(), good, result, error))
      << error;
}

TEST(QuantArguments, MalformedPackedBuffersAreRejected) {
  const int64_t K = 40, N = 3;
  std::vector<float> W = randomMatrix(K, N, 3);
  Result good = quantizeOrDie(W, K, N, makeOptions(Method::BPDQ, 2, 32));
  std::string error;
  auto invalid = [&](const std::function<void(Packed &)> &mutate) {
    Packed packed = good.packed;
    mutate(packed);
    error.clear();
    return !validate(packed, error) && !error.empty();
  };
  EXPECT_TRUE(invalid([](Packed &p) { p.numPlanes = 5; }));
  EXPECT_TRUE(invalid([](Packed &p) { p.kind = PlaneKind::Ternary; }));
  EXPECT_TRUE(invalid([](Packed &p) { p.groupSize = 16; }));
  EXPECT_TRUE(invalid([](Packed &p) { p.numGroups = 1; }));
  EXPECT_TRUE(invalid([](Packed &p) { p.numCoeffs = 2; }));
  EXPECT_TRUE(invalid([](Packed &p) { p.numWords = 1; }));
  EXPECT_TRUE(invalid([](Packed &p) { p.planes.pop_back(); }));
  EXPECT_TRUE(invalid([](Packed &p) { p.coeffs.push_back(0); }));
  EXPECT_TRUE(invalid([](Packed &p) { p.coeffs[1] = INFINITY; }));
  EXPECT_TRUE(invalid([](Packed &p) { p.K = 0; }));
  // Row 40 = word 1, bit 8 does not exist.
  EXPECT_TRUE(invalid([](Packed &p) { p.planes[1 * N + 2] |= 1u << 8; }));
  EXPECT_NE(error.find("rows >= K"), std::string::npos) << error;
  // Finite coefficients whose sum overflows f32 would dequantize to ±inf.
  EXPECT_TRUE(invalid([](Packed &p) {
    for (float &c : p.coeffs)
      c = 2e38f;
  }));
  EXPECT_NE(error.find("beyond the f32 range"), std::string::npos) << error;
  // Hostile sizes are rejected before any size arithmetic can overflow.
  EXPECT_TRUE(invalid([](Packed &p) { p.K = INT64_MAX; }));
  EXPECT_TRUE(invalid([](Packed &p) { p.N = int64_t(1) << 62; }));
  EXPECT_TRUE(invalid([](Packed &p) { p.groupSize = INT64_MAX; }));
}

// ||XW|| = 0 with a non-zero ||X(W - Ŵ)||: the relative error is +inf by
// definition (found by fuzz/FuzzQuant.cpp, which now accepts +inf there and
// nothing else non-finite); a zero numerator gives 0.
TEST(QuantArguments, RelativeErrorOfAnUnseenWeight) {
  const int64_t K = 64, N = 2, T = 3;
  std::vector<float> W = randomMatrix(K, N, 7);
  // Calibration rows see only rows 0 and 1 of W, where W is zeroed.
  for (int64_t n = 0; n < N; ++n)
    W[0 * N + n] = W[1 * N + n] = 0;
  std::vector<float> X(T * K, 0.0f);
  for (int64_t t = 0; t < T; ++t)
    X[t * K + t % 2] = 1.0f;
  Options options = makeOptions(Method::RTN, 2, 32);
  Result result;
  std::string error;
  ASSERT_TRUE(quantize(W.data(), K, N, X.data(), T, options, result, error))
      << error;
  std::vector<float> What(K * N);
  dequantize(result.packed, What.data());
  double seen = 0;
  for (int64_t n = 0; n < N; ++n)
    seen += std::fabs(What[n]) + std::fabs(What[N + n]);
  if (seen > 0)
    EXPECT_TRUE(std::isinf(result.report.relError));
  else
    EXPECT_EQ(result.report.relError, 0.0);
  EXPECT_TRUE(std::isfinite(result.report.weightRelError));
}

TEST(QuantArguments, MethodNames) {
  for (Method method : {Method::RTN, Method::BPDQ, Method::Trit}) {
    Method parsed;
    ASSERT_TRUE(parseMethod(methodName(method), parsed));
    EXPECT_EQ(parsed, method);
  }
  Method parsed;
  EXPECT_FALSE(parseMethod("gptq", parsed));
  EXPECT_STREQ(planeKindName(PlaneKind::Signed), "signed");
}

} // namespace

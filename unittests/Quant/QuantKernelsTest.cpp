//===- QuantKernelsTest.cpp - the dense kernels behind the quantizers -----===//
//
// gemm against a double-precision product and bit-identical under any
// split of its inner dimension; the Hessian accumulator against XᵀX/T and
// independent of batches and threads; the factorization of the damped
// Hessian (RRᵀ = H + δI, UᵀU = (H + δI)^-1) on sizes that are not multiples
// of its blocks; and whole quantizations bit-identical across instruction
// sets, thread counts and panel widths.
//
//===----------------------------------------------------------------------===//

#include "QuantInternal.h"

#include "gtest/gtest.h"

#include <cmath>
#include <vector>

using namespace bitsink::quant;
using namespace bitsink::quant::detail;

namespace {

std::vector<float> values(int64_t count, uint64_t seed) {
  std::vector<float> out(count);
  uint64_t state = seed;
  for (float &value : out) {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    value = static_cast<float>(static_cast<double>(z >> 11) * 0x1.0p-52 - 1);
  }
  return out;
}

/// Correlated rows X[T][K] = Z·B with a decaying spectrum.
std::vector<float> correlatedRows(int64_t T, int64_t K, uint64_t seed) {
  std::vector<float> Z = values(T * K, seed), B = values(K * K, seed + 1);
  std::vector<float> X(T * K, 0.0f);
  for (int64_t t = 0; t < T; ++t)
    for (int64_t i = 0; i < K; ++i) {
      float z = Z[t * K + i] / (1.0f + 0.1f * static_cast<float>(i));
      for (int64_t j = 0; j < K; ++j)
        X[t * K + j] += z * B[i * K + j];
    }
  return X;
}

TEST(QuantKernels, GemmMatchesDoubleProductOnOddSizes) {
  for (auto [M, N, inner] : {std::tuple<int64_t, int64_t, int64_t>{1, 1, 1},
                             {7, 33, 300},
                             {65, 129, 257},
                             {9, 8, 513}}) {
    int64_t lda = inner + 3, ldb = N + 5, ldc = N + 1;
    std::vector<float> A = values(M * lda, 1), B = values(inner * ldb, 2),
                       C = values(M * ldc, 3);
    std::vector<float> before = C;
    gemm(M, N, inner, A.data(), lda, B.data(), ldb, C.data(), ldc);
    for (int64_t r = 0; r < M; ++r)
      for (int64_t j = 0; j < N; ++j) {
        double expected = before[r * ldc + j];
        for (int64_t k = 0; k < inner; ++k)
          expected += static_cast<double>(A[r * lda + k]) * B[k * ldb + j];
        EXPECT_NEAR(C[r * ldc + j], expected, 1e-4 * std::sqrt(inner))
            << M << "x" << N << "x" << inner;
      }
    // Columns past N are untouched.
    for (int64_t r = 0; r < M; ++r)
      EXPECT_EQ(C[r * ldc + N], before[r * ldc + N]);
  }
}

TEST(QuantKernels, GemmPackedPathSameBitsAsUnpacked) {
  // 45 rows and 70 columns take the packed path (rows >= 16, a full strip
  // of 32 columns); the same product one row at a time the unpacked one.
  // Both sum in inner order, so the bits agree; and they match a double
  // product. N = 70: two packed strips and 6 unpacked columns; M = 45:
  // five tiles of 8, then 4 + 1 rows; inner = 600: three slices; B's rows
  // 1000 floats apart.
  const int64_t M = 45, N = 70, inner = 600, lda = 1000, ldb = 1000;
  std::vector<float> A = values(M * lda, 11), B = values(inner * ldb, 12),
                     C = values(M * N, 13);
  std::vector<float> packed = C, unpacked = C;
  gemm(M, N, inner, A.data(), lda, B.data(), ldb, packed.data(), N);
  for (int64_t r = 0; r < M; ++r)
    gemm(1, N, inner, A.data() + r * lda, lda, B.data(), ldb,
         unpacked.data() + r * N, N);
  for (int64_t i = 0; i < M * N; ++i)
    ASSERT_EQ(packed[i], unpacked[i]) << i;
  for (int64_t r = 0; r < M; ++r)
    for (int64_t j = 0; j < N; ++j) {
      double expected = C[r * N + j];
      for (int64_t k = 0; k < inner; ++k)
        expected += static_cast<double>(A[r * lda + k]) * B[k * ldb + j];
      EXPECT_NEAR(packed[r * N + j], expected, 1e-4 * std::sqrt(inner));
    }
}

TEST(QuantKernels, TriangleProductsMatchDoubleProducts) {
  // K = 300: a 256-row block and a short one, 16-row sub-blocks with a
  // remainder of 12; N = 40: a packed strip and 8 unpacked columns. Only
  // the strict triangles count: the other half and the diagonal of the
  // matrix hold values that must not enter.
  const int64_t K = 300, N = 40, ld = 48;
  std::vector<float> M = values(K * K, 14), X = values(K * ld, 15),
                     start = values(K * ld, 16);
  std::vector<float> lower = start, upper = start;
  lowerTimes(M.data(), K, N, X.data(), ld, lower.data());
  upperTimes(M.data(), K, N, X.data(), ld, upper.data());
  for (int64_t i = 0; i < K; ++i)
    for (int64_t j = 0; j < ld; ++j) {
      if (j >= N) {
        EXPECT_EQ(lower[i * ld + j], start[i * ld + j]);
        EXPECT_EQ(upper[i * ld + j], start[i * ld + j]);
        continue;
      }
      double below = start[i * ld + j], above = start[i * ld + j];
      for (int64_t k = 0; k < i; ++k)
        below += static_cast<double>(M[i * K + k]) * X[k * ld + j];
      for (int64_t k = i + 1; k < K; ++k)
        above += static_cast<double>(M[i * K + k]) * X[k * ld + j];
      EXPECT_NEAR(lower[i * ld + j], below, 1e-4 * std::sqrt(K)) << i;
      EXPECT_NEAR(upper[i * ld + j], above, 1e-4 * std::sqrt(K)) << i;
    }
}

TEST(QuantKernels, GemmSumsInInnerOrderWhateverTheSplit) {
  const int64_t M = 37, N = 70, inner = 700;
  std::vector<float> A = values(M * inner, 4), B = values(inner * N, 5);
  std::vector<float> whole(M * N, 0.5f), split(M * N, 0.5f), rows(M * N, 0.5f);
  gemm(M, N, inner, A.data(), inner, B.data(), N, whole.data(), N);
  for (int64_t k0 = 0; k0 < inner; k0 += 37)
    gemm(M, N, std::min<int64_t>(37, inner - k0), A.data() + k0, inner,
         B.data() + k0 * N, N, split.data(), N);
  for (int64_t r = 0; r < M; ++r)
    for (int64_t j = 0; j < N; j += 9)
      gemm(1, std::min<int64_t>(9, N - j), inner, A.data() + r * inner, inner,
           B.data() + j, N, rows.data() + r * N + j, N);
  EXPECT_EQ(whole, split);
  EXPECT_EQ(whole, rows);
}

TEST(QuantKernels, HessianAccumulatorIndependentOfBatchesAndThreads) {
  const int64_t K = 150, T = 700;
  std::vector<float> X = correlatedRows(T, K, 6);
  std::vector<double> reference(K * K, 0.0);
  for (int64_t t = 0; t < T; ++t)
    for (int64_t i = 0; i < K; ++i)
      for (int64_t j = 0; j < K; ++j)
        reference[i * K + j] +=
            static_cast<double>(X[t * K + i]) * X[t * K + j] / T;
  std::string error;
  std::vector<std::vector<double>> results;
  for (auto [batch, threads] :
       {std::pair<int64_t, int>{T, 1}, {1, 2}, {100, 3}, {257, 0}}) {
    HessianAccumulator accumulator(K, threads);
    for (int64_t t = 0; t < T; t += batch)
      ASSERT_TRUE(
          accumulator.add(X.data() + t * K, std::min(batch, T - t), error))
          << error;
    EXPECT_EQ(accumulator.rows(), T);
    results.push_back(accumulator.hessian());
    EXPECT_EQ(accumulator.rows(), 0);
  }
  double scale = 0;
  for (int64_t k = 0; k < K; ++k)
    scale = std::max(scale, reference[k * K + k]);
  for (const std::vector<double> &H : results) {
    EXPECT_EQ(H, results[0]);
    for (int64_t i = 0; i < K * K; ++i)
      ASSERT_NEAR(H[i], reference[i], 1e-5 * scale) << i;
  }
  HessianAccumulator bad(K);
  std::vector<float> row(K, 1.0f);
  row[3] = NAN;
  EXPECT_FALSE(bad.add(row.data(), 1, error));
  EXPECT_NE(error.find("non-finite"), std::string::npos);
}

TEST(QuantKernels, FactorsOfTheDampedHessian) {
  // K = 300: two full blocks of 128 and a short one; with act-order the
  // rows are permuted.
  const int64_t K = 300, T = 500;
  std::vector<float> X = correlatedRows(T, K, 7);
  HessianAccumulator accumulator(K);
  std::string error;
  ASSERT_TRUE(accumulator.add(X.data(), T, error)) << error;
  std::vector<double> H = accumulator.hessian();
  for (bool actOrder : {false, true}) {
    Options options;
    options.actOrder = actOrder;
    HessianContext context;
    ASSERT_TRUE(buildHessianContext(H.data(), K, 64, options,
                                    /*factorize=*/true, context, error))
        << error;
    ASSERT_FALSE(context.diagonal);
    // The factors are of H in units of its mean diagonal.
    const std::vector<int64_t> &order = context.order;
    double mean = 0;
    for (int64_t k = 0; k < K; ++k)
      mean += H[k * K + k] / K;
    EXPECT_EQ(context.meanDiag, 1);
    double delta = context.delta, scale = 1;
    auto R = [&](int64_t i, int64_t m) -> double {
      if (m < i)
        return 0;
      return m == i ? context.rDiag[i] : context.HR[i * K + m];
    };
    auto UT = [&](int64_t i, int64_t m) -> double {
      return m <= i ? context.UT[i * K + m] : 0.0;
    };
    double worstFactor = 0, worstInverse = 0;
    for (int64_t i = 0; i < K; i += 7)
      for (int64_t j = 0; j < K; j += 5) {
        // (RRᵀ)[i][j] = H_order[i][j] + δ[i == j].
        double rr = 0;
        for (int64_t m = std::max(i, j); m < K; ++m)
          rr += R(i, m) * R(j, m);
        double h = H[order[i] * K + order[j]] / mean + (i == j ? delta : 0.0);
        worstFactor = std::max(worstFactor, std::fabs(rr - h) / scale);
        // (UT·UTᵀ... ) U = R^-1: (Uᵀ Rᵀ)[i][j] = δ_ij, Uᵀ = UT.
        double identity = 0;
        for (int64_t m = j; m <= i; ++m)
          identity += UT(i, m) * R(j, m);
        worstInverse =
            std::max(worstInverse, std::fabs(identity - (i == j ? 1.0 : 0.0)));
      }
    EXPECT_LT(worstFactor, 1e-4) << "act-order " << actOrder;
    EXPECT_LT(worstInverse, 1e-3) << "act-order " << actOrder;
    for (int64_t i = 0; i < K; ++i)
      EXPECT_EQ(context.uDiag[i], context.UT[i * K + i]);
  }
}

Result quantizeOrDie(const std::vector<float> &W, int64_t K, int64_t N,
                     const std::vector<float> &X, int64_t T,
                     const Options &options) {
  Result result;
  std::string error;
  EXPECT_TRUE(quantize(W.data(), K, N, X.data(), T, options, result, error))
      << error;
  return result;
}

TEST(QuantKernels, SameBitsForEveryInstructionSetThreadCountAndPanel) {
  // N = 300: panels of 64 columns with one thread, 128 with three.
  const int64_t K = 200, N = 300, T = 256;
  EXPECT_NE(panelWidth(N, K, 1), panelWidth(N, K, 3));
  std::vector<float> W = values(K * N, 8);
  std::vector<float> X = correlatedRows(T, K, 9);
  CpuLevel best = cpuLevel();
  for (Method method : {Method::BPDQ, Method::Trit})
    for (bool actOrder : {false, true}) {
      Options options;
      options.method = method;
      options.planes = method == Method::Trit ? 4 : 3;
      options.groupSize = 64;
      options.actOrder = actOrder;
      options.iterations = 3;
      std::vector<Result> results;
      for (CpuLevel level :
           {CpuLevel::Avx512, CpuLevel::Avx2, CpuLevel::Baseline}) {
        if (setCpuLevel(level) != level)
          continue;
        for (int threads : {1, 3}) {
          options.threads = threads;
          results.push_back(quantizeOrDie(W, K, N, X, T, options));
        }
      }
      setCpuLevel(best);
      ASSERT_GE(results.size(), 2u);
      for (const Result &result : results) {
        EXPECT_EQ(result.packed.planes, results[0].packed.planes);
        EXPECT_EQ(result.packed.coeffs, results[0].packed.coeffs);
        EXPECT_EQ(result.report.relError, results[0].report.relError);
      }
    }
}

} // namespace

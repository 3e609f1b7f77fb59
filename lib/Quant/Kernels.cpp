//===- Kernels.cpp - the dense loops of the quantizers --------------------===//
//
// Everything of order K²·N or K³ in the quantizers is a product of f32
// matrices through gemm(): GPTQ's lazy block updates, the gradient H·e, the
// factorization of the damped Hessian, XᵀX. The kernel is register-blocked
// (MR rows × 32 columns of accumulators) and cache-blocked (256-deep slices
// of the inner dimension, 64-row by 256-column blocks of C), and compiled
// three times on x86-64: AVX-512, AVX2 and baseline, picked once at load
// time. Every product uses std::fma and every element of C sums its
// products in increasing inner index, so the three variants, any blocking
// and any split of the work across threads give bit-identical results (the
// baseline variant is slow on x86-64 CPUs without FMA, where std::fma is a
// library call).
//
//===----------------------------------------------------------------------===//

#include "QuantInternal.h"

#include <algorithm>
#include <atomic>
#include <cmath>

using namespace bitsink::quant;
using namespace bitsink::quant::detail;

namespace {

constexpr int64_t kInnerBlock = 256, kRowBlock = 64, kColumnBlock = 256;

/// C[MR][NR] += A[MR][inner] · B[inner][NR], accumulators in registers.
template <int MR, int NR>
BITSINK_ALWAYS_INLINE void tile(const float *A, int64_t lda, const float *B,
                                int64_t ldb, float *C, int64_t ldc,
                                int64_t inner) {
  float acc[MR][NR];
  for (int r = 0; r < MR; ++r)
    for (int j = 0; j < NR; ++j)
      acc[r][j] = C[r * ldc + j];
  for (int64_t k = 0; k < inner; ++k) {
    const float *b = B + k * ldb;
    for (int r = 0; r < MR; ++r) {
      float a = A[r * lda + k];
      for (int j = 0; j < NR; ++j)
        acc[r][j] = std::fma(a, b[j], acc[r][j]);
    }
  }
  for (int r = 0; r < MR; ++r)
    for (int j = 0; j < NR; ++j)
      C[r * ldc + j] = acc[r][j];
}

/// All rows of one column strip of width NR.
template <int MR, int NR>
BITSINK_ALWAYS_INLINE void strip(int64_t M, const float *A, int64_t lda,
                                 const float *B, int64_t ldb, float *C,
                                 int64_t ldc, int64_t inner) {
  int64_t r = 0;
  for (; r + MR <= M; r += MR)
    tile<MR, NR>(A + r * lda, lda, B, ldb, C + r * ldc, ldc, inner);
  for (; r < M; ++r)
    tile<1, NR>(A + r * lda, lda, B, ldb, C + r * ldc, ldc, inner);
}

template <int MR>
BITSINK_ALWAYS_INLINE void
gemmBlocked(int64_t M, int64_t N, int64_t inner, const float *A, int64_t lda,
            const float *B, int64_t ldb, float *C, int64_t ldc) {
  for (int64_t k0 = 0; k0 < inner; k0 += kInnerBlock) {
    int64_t kc = std::min(kInnerBlock, inner - k0);
    for (int64_t c0 = 0; c0 < N; c0 += kColumnBlock) {
      int64_t c1 = std::min(N, c0 + kColumnBlock);
      for (int64_t r0 = 0; r0 < M; r0 += kRowBlock) {
        int64_t rows = std::min(kRowBlock, M - r0);
        const float *a = A + r0 * lda + k0;
        float *c = C + r0 * ldc;
        int64_t j = c0;
        for (; j + 32 <= c1; j += 32)
          strip<MR, 32>(rows, a, lda, B + k0 * ldb + j, ldb, c + j, ldc, kc);
        for (; j + 8 <= c1; j += 8)
          strip<MR, 8>(rows, a, lda, B + k0 * ldb + j, ldb, c + j, ldc, kc);
        for (; j < c1; ++j)
          strip<MR, 1>(rows, a, lda, B + k0 * ldb + j, ldb, c + j, ldc, kc);
      }
    }
  }
}

CpuLevel detectCpuLevel() {
#ifdef BITSINK_QUANT_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("fma"))
    return CpuLevel::Avx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return CpuLevel::Avx2;
#endif
  return CpuLevel::Baseline;
}

const CpuLevel detectedLevel = detectCpuLevel();
std::atomic<int> activeLevel{static_cast<int>(detectedLevel)};

} // namespace

CpuLevel detail::cpuLevel() {
  return static_cast<CpuLevel>(activeLevel.load(std::memory_order_relaxed));
}

CpuLevel detail::setCpuLevel(CpuLevel level) {
  CpuLevel used = static_cast<int>(level) < static_cast<int>(detectedLevel)
                      ? level
                      : detectedLevel;
  activeLevel.store(static_cast<int>(used));
  return used;
}

namespace {

using GemmFunction = void (*)(int64_t, int64_t, int64_t, const float *, int64_t,
                              const float *, int64_t, float *, int64_t);

void gemmBaseline(int64_t M, int64_t N, int64_t inner, const float *A,
                  int64_t lda, const float *B, int64_t ldb, float *C,
                  int64_t ldc) {
  gemmBlocked<2>(M, N, inner, A, lda, B, ldb, C, ldc);
}

#ifdef BITSINK_QUANT_X86
// 8 rows × 32 columns: 16 zmm accumulators of the 32.
__attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma"))) void
gemmAvx512(int64_t M, int64_t N, int64_t inner, const float *A, int64_t lda,
           const float *B, int64_t ldb, float *C, int64_t ldc) {
  gemmBlocked<8>(M, N, inner, A, lda, B, ldb, C, ldc);
}

// 2 rows × 32 columns: 8 ymm accumulators of the 16.
__attribute__((target("avx2,fma"))) void
gemmAvx2(int64_t M, int64_t N, int64_t inner, const float *A, int64_t lda,
         const float *B, int64_t ldb, float *C, int64_t ldc) {
  gemmBlocked<2>(M, N, inner, A, lda, B, ldb, C, ldc);
}
#endif

GemmFunction selectGemm(CpuLevel level) {
  switch (level) {
#ifdef BITSINK_QUANT_X86
  case CpuLevel::Avx512:
    return gemmAvx512;
  case CpuLevel::Avx2:
    return gemmAvx2;
#endif
  default:
    return gemmBaseline;
  }
}

} // namespace

void detail::gemm(int64_t M, int64_t N, int64_t inner, const float *A,
                  int64_t lda, const float *B, int64_t ldb, float *C,
                  int64_t ldc) {
  if (M <= 0 || N <= 0 || inner <= 0)
    return;
  selectGemm(cpuLevel())(M, N, inner, A, lda, B, ldb, C, ldc);
}

void detail::lowerTimes(const float *L, int64_t K, int64_t N, const float *X,
                        int64_t ld, float *Y) {
  for (int64_t i0 = 0; i0 < K; i0 += kRowBlock) {
    int64_t i1 = std::min(K, i0 + kRowBlock);
    // Columns below the block, then the triangle inside it: increasing k.
    gemm(i1 - i0, N, i0, L + i0 * K, K, X, ld, Y + i0 * ld, ld);
    for (int64_t i = i0 + 1; i < i1; ++i)
      gemm(1, N, i - i0, L + i * K + i0, K, X + i0 * ld, ld, Y + i * ld, ld);
  }
}

void detail::upperTimes(const float *R, int64_t K, int64_t N, const float *X,
                        int64_t ld, float *Y) {
  for (int64_t i0 = 0; i0 < K; i0 += kRowBlock) {
    int64_t i1 = std::min(K, i0 + kRowBlock);
    // The triangle inside the block, then the columns past it.
    for (int64_t i = i0; i + 1 < i1; ++i)
      gemm(1, N, i1 - i - 1, R + i * K + i + 1, K, X + (i + 1) * ld, ld,
           Y + i * ld, ld);
    gemm(i1 - i0, N, K - i1, R + i0 * K + i1, K, X + i1 * ld, ld, Y + i0 * ld,
         ld);
  }
}

void detail::quadraticForms(const float *L, const std::vector<double> &diag,
                            int64_t K, int64_t N, const float *X, int64_t ld,
                            double *out) {
  std::vector<float> Y(K * ld, 0.0f);
  lowerTimes(L, K, N, X, ld, Y.data());
  std::fill(out, out + N, 0.0);
  for (int64_t k = 0; k < K; ++k) {
    const float *x = X + k * ld;
    const float *y = Y.data() + k * ld;
    for (int64_t j = 0; j < N; ++j) {
      double xj = x[j];
      out[j] += xj * (diag[k] * xj + 2.0 * static_cast<double>(y[j]));
    }
  }
}

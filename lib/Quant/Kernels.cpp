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
#include <vector>

using namespace bitsink::quant;
using namespace bitsink::quant::detail;

namespace {

constexpr int64_t kInnerBlock = 256, kRowBlock = 64, kColumnBlock = 256;
/// Row blocks of lowerTimes / upperTimes: each block's rectangle is one
/// product with that many rows; the triangles inside a block go by
/// sub-blocks of 16 rows.
constexpr int64_t kTriangleBlock = 256, kTriangleSubBlock = 16;

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

#if defined(__clang__)
#if __has_builtin(__builtin_elementwise_fma)
#define BITSINK_QUANT_VECTOR_TILE 1
#endif
#endif
#ifdef BITSINK_QUANT_VECTOR_TILE
/// tile<MR, 32> with explicit vectors of 16 floats (two per row; the
/// compiler splits them on narrower instruction sets): the same fused
/// multiply-adds in the same order, written so that no unrolling or
/// vectorization heuristic decides whether the accumulators stay in
/// registers. B's rows are 32 floats apart (a packed strip).
template <int MR>
BITSINK_ALWAYS_INLINE void vectorTile(const float *A, int64_t lda,
                                      const float *B, float *C, int64_t ldc,
                                      int64_t inner) {
  using Vector = float __attribute__((ext_vector_type(16)));
  Vector acc[MR][2];
  for (int r = 0; r < MR; ++r)
    for (int h = 0; h < 2; ++h)
      __builtin_memcpy(&acc[r][h], C + r * ldc + 16 * h, sizeof(Vector));
  for (int64_t k = 0; k < inner; ++k) {
    Vector b[2];
    __builtin_memcpy(b, B + k * 32, sizeof(b));
    for (int r = 0; r < MR; ++r) {
      Vector a = A[r * lda + k];
      for (int h = 0; h < 2; ++h)
        acc[r][h] = __builtin_elementwise_fma(a, b[h], acc[r][h]);
    }
  }
  for (int r = 0; r < MR; ++r)
    for (int h = 0; h < 2; ++h)
      __builtin_memcpy(C + r * ldc + 16 * h, &acc[r][h], sizeof(Vector));
}
#endif

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

/// The packed path: per 256-deep slice, B's columns in strips of 32
/// (kPackColumns at a time) and A's rows (kPackRows at a time) are copied
/// into contiguous buffers, so that the register tiles read both at small
/// strides whatever the leading dimensions (a leading dimension of a
/// multiple of 4 KiB otherwise maps every row of a strip of B, and of a
/// tile of A, to the same cache sets). Each B strip (32 KiB) stays in L1
/// while the tiles of A pass. Columns past the last full strip take the
/// unpacked tiles. The order of every element's sum is that of the
/// unpacked path.
constexpr int64_t kPackRows = 128, kPackColumns = 512, kPackMinRows = 16;

template <int MR>
BITSINK_ALWAYS_INLINE void
gemmPacked(int64_t M, int64_t N, int64_t inner, const float *A, int64_t lda,
           const float *B, int64_t ldb, float *C, int64_t ldc) {
  constexpr int64_t NR = 32;
  thread_local std::vector<float> packedA, packedB;
  packedA.resize(kPackRows * kInnerBlock);
  packedB.resize(kInnerBlock * kPackColumns);
  int64_t fullN = N / NR * NR;
  for (int64_t k0 = 0; k0 < inner; k0 += kInnerBlock) {
    int64_t kc = std::min(kInnerBlock, inner - k0);
    for (int64_t c0 = 0; c0 < fullN; c0 += kPackColumns) {
      int64_t c1 = std::min(fullN, c0 + kPackColumns);
      // B[k0 + k][c0 + s·32 + j] -> packedB[(s·kc + k)·32 + j].
      for (int64_t s = 0; s < (c1 - c0) / NR; ++s)
        for (int64_t k = 0; k < kc; ++k)
          std::copy_n(B + (k0 + k) * ldb + c0 + s * NR, NR,
                      packedB.data() + (s * kc + k) * NR);
      for (int64_t r0 = 0; r0 < M; r0 += kPackRows) {
        int64_t r1 = std::min(M, r0 + kPackRows);
        int64_t tiles = (r1 - r0) / MR;
        // A[r0 + r][k0 + k] -> packedA[r·kc + k].
        for (int64_t r = 0; r < r1 - r0; ++r)
          std::copy_n(A + (r0 + r) * lda + k0, kc, packedA.data() + r * kc);
        for (int64_t s = 0; s < (c1 - c0) / NR; ++s) {
          const float *b = packedB.data() + s * kc * NR;
          float *c = C + c0 + s * NR;
          for (int64_t t = 0; t < tiles; ++t) {
            // The next tile's rows of C (far apart when C is a block of a
            // large matrix) are requested while this one runs.
            if (t + 1 < tiles)
              for (int r = 0; r < MR; ++r) {
                const float *next = c + (r0 + (t + 1) * MR + r) * ldc;
                __builtin_prefetch(next);
                __builtin_prefetch(next + 16);
              }
#ifdef BITSINK_QUANT_VECTOR_TILE
            vectorTile<MR>(packedA.data() + t * MR * kc, kc, b,
                           c + (r0 + t * MR) * ldc, ldc, kc);
#else
            tile<MR, NR>(packedA.data() + t * MR * kc, kc, b, NR,
                         c + (r0 + t * MR) * ldc, ldc, kc);
#endif
          }
          int64_t r = tiles * MR;
#ifdef BITSINK_QUANT_VECTOR_TILE
          const float *pa = packedA.data();
          for (; r + 4 <= r1 - r0; r += 4)
            vectorTile<4>(pa + r * kc, kc, b, c + (r0 + r) * ldc, ldc, kc);
          for (; r < r1 - r0; ++r)
            vectorTile<1>(pa + r * kc, kc, b, c + (r0 + r) * ldc, ldc, kc);
#else
          for (; r < r1 - r0; ++r)
            tile<1, NR>(packedA.data() + r * kc, kc, b, NR, c + (r0 + r) * ldc,
                        ldc, kc);
#endif
        }
      }
    }
    // Columns past the last full strip, unpacked.
    if (fullN < N) {
      const float *a = A + k0;
      const float *b = B + k0 * ldb;
      int64_t j = fullN;
      for (; j + 8 <= N; j += 8)
        strip<MR, 8>(M, a, lda, b + j, ldb, C + j, ldc, kc);
      for (; j < N; ++j)
        strip<MR, 1>(M, a, lda, b + j, ldb, C + j, ldc, kc);
    }
  }
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

/// The packed path when the copies pay (enough rows to reuse each packed
/// strip of B, a full strip of columns), else the unpacked one. Packed,
/// the solver's 128 × 256 products with rows of H and Uᵀ K apart run
/// about 8 % faster (one thread, 57 -> 62 GMAC/s), and products whose B
/// rows are K apart up to twice as fast (64 × 128 × 7000: 18 -> 32).
template <int MR, int PMR>
BITSINK_ALWAYS_INLINE void gemmAny(int64_t M, int64_t N, int64_t inner,
                                   const float *A, int64_t lda, const float *B,
                                   int64_t ldb, float *C, int64_t ldc) {
  if (M >= kPackMinRows && N >= 32)
    gemmPacked<PMR>(M, N, inner, A, lda, B, ldb, C, ldc);
  else
    gemmBlocked<MR>(M, N, inner, A, lda, B, ldb, C, ldc);
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
  gemmAny<2, 2>(M, N, inner, A, lda, B, ldb, C, ldc);
}

#ifdef BITSINK_QUANT_X86
// 8 rows × 32 columns: 16 zmm accumulators of the 32.
__attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma"))) void
gemmAvx512(int64_t M, int64_t N, int64_t inner, const float *A, int64_t lda,
           const float *B, int64_t ldb, float *C, int64_t ldc) {
  gemmAny<8, 8>(M, N, inner, A, lda, B, ldb, C, ldc);
}

// 2 rows × 32 columns: 8 ymm accumulators of the 16.
__attribute__((target("avx2,fma"))) void
gemmAvx2(int64_t M, int64_t N, int64_t inner, const float *A, int64_t lda,
         const float *B, int64_t ldb, float *C, int64_t ldc) {
  gemmAny<2, 2>(M, N, inner, A, lda, B, ldb, C, ldc);
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
  // Per block of kTriangleBlock rows: the columns before the block in one
  // product, then per 16-row sub-block the block's columns before it, then
  // each row's triangle: every row sums in increasing k.
  for (int64_t s0 = 0; s0 < K; s0 += kTriangleBlock) {
    int64_t s1 = std::min(K, s0 + kTriangleBlock);
    gemm(s1 - s0, N, s0, L + s0 * K, K, X, ld, Y + s0 * ld, ld);
    for (int64_t b0 = s0; b0 < s1; b0 += kTriangleSubBlock) {
      int64_t b1 = std::min(s1, b0 + kTriangleSubBlock);
      gemm(b1 - b0, N, b0 - s0, L + b0 * K + s0, K, X + s0 * ld, ld,
           Y + b0 * ld, ld);
      for (int64_t i = b0 + 1; i < b1; ++i)
        gemm(1, N, i - b0, L + i * K + b0, K, X + b0 * ld, ld, Y + i * ld, ld);
    }
  }
}

void detail::upperTimes(const float *R, int64_t K, int64_t N, const float *X,
                        int64_t ld, float *Y) {
  // The mirror of lowerTimes: per row its triangle, then the rest of its
  // 16-row sub-block's block, then the columns past the block.
  for (int64_t s0 = 0; s0 < K; s0 += kTriangleBlock) {
    int64_t s1 = std::min(K, s0 + kTriangleBlock);
    for (int64_t b0 = s0; b0 < s1; b0 += kTriangleSubBlock) {
      int64_t b1 = std::min(s1, b0 + kTriangleSubBlock);
      for (int64_t i = b0; i + 1 < b1; ++i)
        gemm(1, N, b1 - i - 1, R + i * K + i + 1, K, X + (i + 1) * ld, ld,
             Y + i * ld, ld);
      gemm(b1 - b0, N, s1 - b1, R + b0 * K + b1, K, X + b1 * ld, ld,
           Y + b0 * ld, ld);
    }
    gemm(s1 - s0, N, K - s1, R + s0 * K + s1, K, X + s1 * ld, ld, Y + s0 * ld,
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

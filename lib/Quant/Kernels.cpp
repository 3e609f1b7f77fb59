//===- Kernels.cpp - the dense loops of the quantizers --------------------===//
//
// The products that dominate bpdq/trit (H·E, the GPTQ block updates) and
// the Hessian XᵀX. On x86-64 ELF targets each kernel is also compiled for
// AVX2 and picked at load time (target_clones). AVX2 without FMA performs
// the same IEEE operations in the same order per element, so the result
// does not depend on which clone runs.
//
//===----------------------------------------------------------------------===//

#include "QuantInternal.h"

#if defined(__x86_64__) && defined(__ELF__) &&                                 \
    (defined(__clang__) || defined(__GNUC__))
#define BITSINK_MULTIVERSION __attribute__((target_clones("avx2", "default")))
#else
#define BITSINK_MULTIVERSION
#endif

using namespace bitsink::quant;
using namespace bitsink::quant::detail;

BITSINK_MULTIVERSION
void detail::multiplyAccumulateTile(const double *A, int64_t lda, int64_t rows,
                                    int64_t inner, const double *B, double *C) {
  for (int64_t r = 0; r < rows; ++r) {
    const double *a = A + r * lda;
    double *c = C + r * kTileWidth;
    double acc[kTileWidth];
    for (int64_t j = 0; j < kTileWidth; ++j)
      acc[j] = c[j];
    for (int64_t k = 0; k < inner; ++k) {
      double factor = a[k];
      const double *b = B + k * kTileWidth;
      for (int64_t j = 0; j < kTileWidth; ++j)
        acc[j] += factor * b[j];
    }
    for (int64_t j = 0; j < kTileWidth; ++j)
      c[j] = acc[j];
  }
}

BITSINK_MULTIVERSION
void detail::accumulateGram(const float *X, int64_t rows, int64_t K, int64_t i0,
                            int64_t i1, float *acc) {
  for (int64_t t = 0; t < rows; ++t) {
    const float *x = X + t * K;
    for (int64_t i = i0; i < i1; ++i) {
      float xi = x[i];
      if (xi == 0)
        continue;
      float *a = acc + (i - i0) * K;
      for (int64_t j = 0; j <= i; ++j)
        a[j] += xi * x[j];
    }
  }
}

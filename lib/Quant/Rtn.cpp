//===- Rtn.cpp - per-group uniform round-to-nearest -----------------------===//
//
// The rtn baseline of docs/semantics.md §3 as binary planes: for each group g
// and column n, with m = min and s = (max - min) / (2^P - 1) rounded to the
// stored precision, q = clamp(round((w - m) / s), 0, 2^P - 1) (in f32) and
// c = [m, s, 2s, ..., 2^(P-1)s], so Ŵ = m + s·q = c_0 + Σ_p c_{p+1}·bit_p(q).
//
//===----------------------------------------------------------------------===//

#include "QuantInternal.h"

#include <algorithm>
#include <cmath>

using namespace bitsink::quant;
using namespace bitsink::quant::detail;

void detail::solveRtn(const float *W, int64_t K, int64_t N, int64_t groupSize,
                      int planes, bool f16, int threads, Unpacked &out) {
  int64_t G = (K + groupSize - 1) / groupSize;
  int64_t C = planes + 1;
  out.K = K;
  out.N = N;
  out.groupSize = groupSize;
  out.numGroups = G;
  out.numCoeffs = C;
  out.codes.assign(K * N, 0);
  out.coeffs.assign(G * C * N, 0.0f);
  float maxCode = static_cast<float>((1 << planes) - 1);
  parallelFor(G, threads, [&](int64_t g) {
    int64_t k0 = g * groupSize, k1 = std::min(K, k0 + groupSize);
    float *coeffs = out.coeffs.data() + g * C * N;
    for (int64_t n = 0; n < N; ++n) {
      float lo = W[k0 * N + n], hi = lo;
      for (int64_t k = k0 + 1; k < k1; ++k) {
        lo = std::min(lo, W[k * N + n]);
        hi = std::max(hi, W[k * N + n]);
      }
      float offset = roundCoefficient(lo, f16);
      float scale = roundCoefficient((hi - lo) / maxCode, f16);
      coeffs[n] = offset;
      for (int p = 0; p < planes; ++p)
        coeffs[(p + 1) * N + n] = roundCoefficient(std::ldexp(scale, p), f16);
      if (!(scale > 0))
        continue;
      for (int64_t k = k0; k < k1; ++k) {
        float q = std::round((W[k * N + n] - offset) / scale);
        q = std::min(std::max(q, 0.0f), maxCode);
        out.codes[k * N + n] = static_cast<uint8_t>(q);
      }
    }
  });
}

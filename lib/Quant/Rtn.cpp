//===- Rtn.cpp - per-group uniform round-to-nearest -----------------------===//
//
// The rtn method of docs/semantics.md §3 as binary planes: for each group g
// and column n a uniform grid m + s·q, q = 0..2^P - 1, stored as
// c = [m, s, 2s, ..., 2^(P-1)s], so Ŵ = m + s·q = c_0 + Σ_p c_{p+1}·bit_p(q).
//
// The plain grid is the group's min–max grid: m = min, s = (max - min) /
// (2^P - 1) rounded to the stored precision, q = clamp(round((w - m) / s),
// 0, 2^P - 1) (in f32). With the search (Options::rtnSearch, the default)
// that grid is the first of several candidates, and each (group, column)
// keeps the candidate of least squared weight error Σ(w - ŵ)², measured on
// ŵ exactly as dequantize() computes it from the stored coefficients; a
// later candidate replaces an earlier one only if strictly better, so the
// error is never above the plain grid's and a grid the plain one fits
// exactly is kept as it is. The other candidates start from the codes of
// the grid anchored at the minimum whose range is stretched to
// 2^P - 1 + r steps, r ∈ {-1, -1/2, 0, 1/2, 1} (r > 0 clips the largest
// weights), and alternate up to kRounds times: least-squares (m, s) for the
// codes, rounded to the stored precision (s first, then the mean offset
// for the rounded s), then each weight takes the code nearest to it on the
// new grid; every grid met on the way is a candidate (docs/quantizer.md).
// No random numbers: the search is a fixed sequence per (group, column).
//
//===----------------------------------------------------------------------===//

#include "QuantInternal.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace bitsink::quant;
using namespace bitsink::quant::detail;

namespace {

/// Refit / assignment rounds per start of the search.
constexpr int kRounds = 6;
/// The starts: range stretches r (in grid steps) of the min-anchored grid.
constexpr float kStarts[] = {-1.0f, -0.5f, 0.0f, 0.5f, 1.0f};
/// Columns per task of the search, and per vector chunk of its passes.
/// Every column's arithmetic is the same in any block or chunk (a column
/// whose codes stopped changing repeats its last round exactly), so the
/// result depends on neither.
constexpr int64_t kBlock = 16, kChunk = 16;

/// The plain min-max grid of one group and column (the rtn of earlier
/// versions, unchanged). `codes` points at row k0 of the [K][N] codes.
void plainColumn(const float *W, int64_t k0, int64_t k1, int64_t N, int64_t n,
                 int planes, bool f16, float &offset, float &scale,
                 uint8_t *codes) {
  float maxCode = static_cast<float>((1 << planes) - 1);
  float lo = W[k0 * N + n], hi = lo;
  for (int64_t k = k0 + 1; k < k1; ++k) {
    lo = std::min(lo, W[k * N + n]);
    hi = std::max(hi, W[k * N + n]);
  }
  offset = roundCoefficient(lo, f16);
  scale = roundCoefficient((hi - lo) / maxCode, f16);
  for (int64_t k = k0; k < k1; ++k) {
    float q = 0;
    if (scale > 0) {
      q = std::round((W[k * N + n] - offset) / scale);
      q = std::min(std::max(q, 0.0f), maxCode);
    }
    codes[(k - k0) * N + n] = static_cast<uint8_t>(q);
  }
}

void storeCoefficients(float offset, float scale, int planes, bool f16,
                       int64_t N, int64_t n, float *coeffs) {
  coeffs[n] = offset;
  for (int p = 0; p < planes; ++p)
    coeffs[(p + 1) * N + n] = roundCoefficient(std::ldexp(scale, p), f16);
}

/// One pass of the search over `rows` rows of X[rows][ld] (the columns
/// [0, width), width a multiple of kChunk): code = round(clamp((x - anchor) /
/// divisor, 0, 2^P - 1)) into `codes`, rounding halves up as std::round
/// does for t >= 0 (t - trunc(t) is exact), so with anchor = m and divisor
/// = s it is the plain grid's code; the code sums Σq, Σq², Σxq; whether any
/// code differs from `old`; and with `Error` the squared error Σ(x - ŵ)² of
/// ŵ = offset + Σ_p coeffs[p]·bit_p(code), formed as dequantValue() forms
/// it. Only IEEE operations and exact conversions: every instruction set
/// gives the same bits.
template <int P, bool Error>
BITSINK_ALWAYS_INLINE void
searchPassImpl(int64_t rows, int64_t width, const float *__restrict X,
               int64_t ld, const float *__restrict anchor,
               const float *__restrict divisor, const float *__restrict offset,
               const float *__restrict coeffs, const int32_t *__restrict old,
               int32_t *__restrict codes, double *__restrict sumQ,
               double *__restrict sumQQ, double *__restrict sumXQ,
               double *__restrict error, int32_t *__restrict changed) {
  constexpr float maxCode = static_cast<float>((1 << P) - 1);
  for (int64_t j0 = 0; j0 < width; j0 += kChunk) {
    double q1[kChunk] = {}, q2[kChunk] = {}, xq[kChunk] = {}, e2[kChunk] = {};
    int32_t diff[kChunk] = {};
    float a[kChunk], d[kChunk], m[kChunk], c[P][kChunk];
    for (int j = 0; j < kChunk; ++j) {
      a[j] = anchor[j0 + j];
      d[j] = divisor[j0 + j];
      m[j] = Error ? offset[j0 + j] : 0.0f;
      for (int p = 0; p < P; ++p)
        c[p][j] = Error ? coeffs[p * width + j0 + j] : 0.0f;
    }
    for (int64_t i = 0; i < rows; ++i) {
      const float *x = X + i * ld + j0;
      int32_t *q = codes + i * width + j0;
      const int32_t *o = old + i * width + j0;
      for (int j = 0; j < kChunk; ++j) {
        float t = (x[j] - a[j]) / d[j];
        t = t > 0.0f ? t : 0.0f;
        t = t < maxCode ? t : maxCode;
        int32_t code = static_cast<int32_t>(t);
        code += t - static_cast<float>(code) >= 0.5f ? 1 : 0;
        q[j] = code;
        diff[j] |= code ^ o[j];
        double qd = static_cast<double>(code);
        q1[j] += qd;
        q2[j] += qd * qd;
        xq[j] += static_cast<double>(x[j]) * qd;
        if (Error) {
          float value = m[j];
          for (int p = 0; p < P; ++p)
            value += c[p][j] * static_cast<float>((code >> p) & 1);
          double e = static_cast<double>(x[j]) - static_cast<double>(value);
          e2[j] += e * e;
        }
      }
    }
    for (int j = 0; j < kChunk; ++j) {
      sumQ[j0 + j] = q1[j];
      sumQQ[j0 + j] = q2[j];
      sumXQ[j0 + j] = xq[j];
      error[j0 + j] = e2[j];
      changed[j0 + j] = diff[j];
    }
  }
}

using SearchPass = void (*)(int64_t, int64_t, const float *, int64_t,
                            const float *, const float *, const float *,
                            const float *, const int32_t *, int32_t *, double *,
                            double *, double *, double *, int32_t *);

#define BITSINK_RTN_PASSES(SUFFIX, ATTRIBUTE)                                  \
  template <int P, bool Error>                                                 \
  ATTRIBUTE void searchPass##SUFFIX(                                           \
      int64_t rows, int64_t width, const float *X, int64_t ld,                 \
      const float *anchor, const float *divisor, const float *offset,          \
      const float *coeffs, const int32_t *old, int32_t *codes, double *sumQ,   \
      double *sumQQ, double *sumXQ, double *error, int32_t *changed) {         \
    searchPassImpl<P, Error>(rows, width, X, ld, anchor, divisor, offset,      \
                             coeffs, old, codes, sumQ, sumQQ, sumXQ, error,    \
                             changed);                                         \
  }

BITSINK_RTN_PASSES(Baseline, )
#ifdef BITSINK_QUANT_X86
BITSINK_RTN_PASSES(
    Avx512,
    __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma"))))
BITSINK_RTN_PASSES(Avx2, __attribute__((target("avx2,fma"))))
#endif
#undef BITSINK_RTN_PASSES

template <bool Error> SearchPass selectPass(int planes, CpuLevel level) {
#define BITSINK_RTN_SELECT(SUFFIX)                                             \
  switch (planes) {                                                            \
  case 1:                                                                      \
    return searchPass##SUFFIX<1, Error>;                                       \
  case 2:                                                                      \
    return searchPass##SUFFIX<2, Error>;                                       \
  case 3:                                                                      \
    return searchPass##SUFFIX<3, Error>;                                       \
  default:                                                                     \
    return searchPass##SUFFIX<4, Error>;                                       \
  }
#ifdef BITSINK_QUANT_X86
  if (level == CpuLevel::Avx512)
    BITSINK_RTN_SELECT(Avx512)
  if (level == CpuLevel::Avx2)
    BITSINK_RTN_SELECT(Avx2)
#endif
  (void)level;
  BITSINK_RTN_SELECT(Baseline)
#undef BITSINK_RTN_SELECT
}

/// The search over one group (rows [k0, k1)) and the columns [n0, n1).
class GroupSearch {
public:
  GroupSearch(const float *W, int64_t k0, int64_t k1, int64_t N, int64_t n0,
              int64_t n1, int planes, bool f16)
      : W(W), k0(k0), rows(k1 - k0), N(N), n0(n0), columns(n1 - n0),
        width((columns + kChunk - 1) / kChunk * kChunk), planes(planes),
        f16(f16), maxCode(static_cast<float>((1 << planes) - 1)),
        X(rows * width, 0.0f), codes(rows * width), next(rows * width),
        lo(width), hi(width), sumX(width), anchor(width), divisor(width),
        offset(width), scale(width), coeffs(planes * width), sumQ(width),
        sumQQ(width), sumXQ(width), error(width), changed(width),
        bestError(width, std::numeric_limits<double>::infinity()),
        bestOffset(width), bestScale(width) {
    CpuLevel level = cpuLevel();
    startPass = selectPass<false>(planes, level);
    gridPass = selectPass<true>(planes, level);
  }

  void run(uint8_t *outCodes, float *outCoeffs);

private:
  /// The least-squares grid of the current code sums, rounded as stored
  /// (the scale, then the mean offset for it).
  void refit();
  /// Each weight takes its nearest code on the grid (offset, scale) into
  /// `next`, with its squared error as stored, code sums and changes.
  void assign();
  /// Keeps (offset, scale) of the columns whose error is strictly below
  /// their best.
  void keepBetter();

  const float *W;
  int64_t k0, rows, N, n0, columns, width;
  int planes;
  bool f16;
  float maxCode;
  SearchPass startPass, gridPass;
  std::vector<float> X;             // [rows][width], zero past `columns`
  std::vector<int32_t> codes, next; // [rows][width]
  std::vector<float> lo, hi;
  std::vector<double> sumX;
  std::vector<float> anchor, divisor, offset, scale;
  std::vector<float> coeffs; // [planes][width]: c_1 .. c_P as stored
  std::vector<double> sumQ, sumQQ, sumXQ, error;
  std::vector<int32_t> changed;
  std::vector<double> bestError;
  std::vector<float> bestOffset, bestScale;
};

void GroupSearch::refit() {
  double n = static_cast<double>(rows);
  for (int64_t j = 0; j < width; ++j) {
    // The code sums are integers below 2^53: det is exact.
    double det = n * sumQQ[j] - sumQ[j] * sumQ[j];
    double s = 0;
    if (det > 0)
      s = (n * sumXQ[j] - sumX[j] * sumQ[j]) / det;
    float rounded = roundCoefficient(static_cast<float>(std::max(s, 0.0)), f16);
    scale[j] = rounded;
    offset[j] = roundCoefficient(
        static_cast<float>((sumX[j] - static_cast<double>(rounded) * sumQ[j]) /
                           n),
        f16);
  }
}

void GroupSearch::assign() {
  const float inf = std::numeric_limits<float>::infinity();
  for (int64_t j = 0; j < width; ++j) {
    // A zero scale puts every weight on code 0: (w - m) / inf = ±0.
    anchor[j] = offset[j];
    divisor[j] = scale[j] > 0 ? scale[j] : inf;
    // roundCoefficient(2^p·s) for s as stored and >= 0: exact, or the f16
    // saturation.
    for (int p = 0; p < planes; ++p) {
      float value = scale[j] * static_cast<float>(1 << p);
      coeffs[p * width + j] = f16 && value > 65504.0f ? 65504.0f : value;
    }
  }
  gridPass(rows, width, X.data(), width, anchor.data(), divisor.data(),
           offset.data(), coeffs.data(), codes.data(), next.data(), sumQ.data(),
           sumQQ.data(), sumXQ.data(), error.data(), changed.data());
}

void GroupSearch::keepBetter() {
  for (int64_t j = 0; j < columns; ++j)
    if (error[j] < bestError[j]) {
      bestError[j] = error[j];
      bestOffset[j] = offset[j];
      bestScale[j] = scale[j];
    }
}

void GroupSearch::run(uint8_t *outCodes, float *outCoeffs) {
  for (int64_t i = 0; i < rows; ++i)
    std::copy(W + (k0 + i) * N + n0, W + (k0 + i) * N + n0 + columns,
              X.begin() + i * width);
  for (int64_t j = 0; j < width; ++j) {
    lo[j] = hi[j] = X[j];
    sumX[j] = 0;
  }
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < width; ++j) {
      float x = X[i * width + j];
      lo[j] = std::min(lo[j], x);
      hi[j] = std::max(hi[j], x);
      sumX[j] += static_cast<double>(x);
    }

  // The plain min-max grid first (its codes are plainColumn's).
  for (int64_t j = 0; j < width; ++j) {
    offset[j] = roundCoefficient(lo[j], f16);
    scale[j] = roundCoefficient((hi[j] - lo[j]) / maxCode, f16);
  }
  assign();
  keepBetter();

  for (float stretch : kStarts) {
    // Start codes: the grid from lo with 2^P - 1 + stretch steps over the
    // range (a constant column starts, and stays, at code 0).
    for (int64_t j = 0; j < width; ++j) {
      float range = hi[j] - lo[j];
      anchor[j] = lo[j];
      divisor[j] = range > 0 && maxCode + stretch > 0
                       ? range / (maxCode + stretch)
                       : std::numeric_limits<float>::infinity();
    }
    startPass(rows, width, X.data(), width, anchor.data(), divisor.data(),
              nullptr, nullptr, next.data(), codes.data(), sumQ.data(),
              sumQQ.data(), sumXQ.data(), error.data(), changed.data());
    for (int round = 0; round < kRounds; ++round) {
      refit();
      assign();
      keepBetter();
      // Columns whose codes did not change are at a fixed point: further
      // rounds would repeat this one.
      if (std::all_of(changed.begin(), changed.begin() + columns,
                      [](int32_t c) { return c == 0; }))
        break;
      codes.swap(next);
    }
  }

  // The kept grids and their codes, by the same assignment.
  for (int64_t j = 0; j < width; ++j) {
    offset[j] = j < columns ? bestOffset[j] : 0.0f;
    scale[j] = j < columns ? bestScale[j] : 0.0f;
  }
  assign();
  for (int64_t j = 0; j < columns; ++j) {
    for (int64_t i = 0; i < rows; ++i)
      outCodes[i * N + n0 + j] = static_cast<uint8_t>(next[i * width + j]);
    storeCoefficients(bestOffset[j], bestScale[j], planes, f16, N, n0 + j,
                      outCoeffs);
  }
}

} // namespace

void detail::solveRtn(const float *W, int64_t K, int64_t N, int64_t groupSize,
                      int planes, bool f16, bool search, int threads,
                      Unpacked &out) {
  int64_t G = (K + groupSize - 1) / groupSize;
  int64_t C = planes + 1;
  out.K = K;
  out.N = N;
  out.groupSize = groupSize;
  out.numGroups = G;
  out.numCoeffs = C;
  out.codes.assign(K * N, 0);
  out.coeffs.assign(G * C * N, 0.0f);
  if (!search) {
    parallelFor(G, threads, [&](int64_t g) {
      int64_t k0 = g * groupSize, k1 = std::min(K, k0 + groupSize);
      float *coeffs = out.coeffs.data() + g * C * N;
      for (int64_t n = 0; n < N; ++n) {
        float offset, scale;
        plainColumn(W, k0, k1, N, n, planes, f16, offset, scale,
                    out.codes.data() + k0 * N);
        storeCoefficients(offset, scale, planes, f16, N, n, coeffs);
      }
    });
    return;
  }
  int64_t blocks = (N + kBlock - 1) / kBlock;
  parallelFor(G * blocks, threads, [&](int64_t task) {
    int64_t g = task / blocks, n0 = (task % blocks) * kBlock;
    int64_t k0 = g * groupSize, k1 = std::min(K, k0 + groupSize);
    GroupSearch search(W, k0, k1, N, n0, std::min(N, n0 + kBlock), planes, f16);
    search.run(out.codes.data() + k0 * N, out.coeffs.data() + g * C * N);
  });
}

//===- QuantInternal.h - shared pieces of the quantizers --------*- C++ -*-===//
//
// Internal to lib/Quant: the value grid of a plane kind, the unpacked form of
// a quantized matrix (one code per weight), the Hessian context shared by the
// Hessian-aware solvers, and a deterministic parallel-for.
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_LIB_QUANT_QUANTINTERNAL_H
#define BITSINK_LIB_QUANT_QUANTINTERNAL_H

#include "bitsink/Quant/Quantizer.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace bitsink::quant::detail {

/// The values a weight of one group can take: code c stands for the plane
/// bits `bits[c]` (bit p = plane p) and the terms `t_l = terms[c*L + l]`, so
/// that Ŵ = c_0 + Σ_l c_{l+1}·t_l. Binary and signed kinds have 2^P codes,
/// ternary has 3^L (L = P/2) with t = 0 stored as m = s = 0.
struct Grid {
  PlaneKind kind = PlaneKind::Binary;
  int planes = 0;
  int terms = 0;
  int numCodes = 0;
  std::vector<uint32_t> bits;
  std::vector<float> termValues;

  int numCoeffs() const { return terms + 1; }
  const float *termsOf(int code) const {
    return termValues.data() + static_cast<size_t>(code) * terms;
  }
};

/// Number of terms L for P stored planes of `kind` (P/2 for ternary).
int termsFor(PlaneKind kind, int planes);
Grid makeGrid(PlaneKind kind, int planes);

/// The one place that evaluates docs/semantics.md §2.3's formula: `coeffs`
/// points at c[g][0][n] and consecutive coefficients are `stride` floats apart.
/// The solvers and dequantize() both use it, so an error measured while solving
/// is the error of the dequantized matrix, bit for bit.
inline float dequantValue(const float *coeffs, int64_t stride,
                          const float *terms, int numTerms) {
  float value = coeffs[0];
  for (int l = 0; l < numTerms; ++l)
    value += coeffs[(l + 1) * stride] * terms[l];
  return value;
}

/// A quantized matrix before packing.
struct Unpacked {
  int64_t K = 0, N = 0;
  int64_t groupSize = 0, numGroups = 0, numCoeffs = 0;
  std::vector<uint8_t> codes; // [K][N] grid codes
  std::vector<float> coeffs;  // [G][C][N]
};

/// Packs codes and coefficients into the canonical layout.
Packed pack(const Grid &grid, const Unpacked &unpacked);

/// Rounds a coefficient to what is stored: f16 (round to nearest even,
/// saturating at ±65504) or f32 (unchanged).
float roundCoefficient(float value, bool toF16);

/// Runs `body(task)` for every task in [0, numTasks) on up to `threads`
/// threads. Tasks must be independent; then the result does not depend on
/// the thread count.
void parallelFor(int64_t numTasks, int threads,
                 const std::function<void(int64_t)> &body);
int resolveThreads(int requested);

/// The metric and the GPTQ factor shared by all column tiles.
struct HessianContext {
  int64_t K = 0;
  /// True when H (and hence U) is diagonal: products become scalings and
  /// GPTQ propagates nothing.
  bool diagonal = true;
  std::vector<double> diag; // H[k][k]
  /// [K][K], borrowed from the caller, when !diagonal.
  const double *H = nullptr;
  /// Mean of diag(H); the unit of the damping and ridge options.
  double meanDiag = 1;
  /// Processing order of the rows (act-order or identity) and its inverse:
  /// row order[i] is processed at position i = position[order[i]].
  std::vector<int64_t> order, position;
  /// UT = Uᵀ (lower triangular) with (H_order + δI)^-1 = UᵀU, rows and
  /// columns in processing order; [K][K] when !diagonal, else only uDiag.
  std::vector<double> UT;
  std::vector<double> uDiag;
  /// Damping actually used (after retries), relative to meanDiag.
  double damp = 0;
};

/// Column tiles of the solvers and the report: every per-tile array has
/// rows of this many values (zero-padded past the last column).
constexpr int64_t kTileWidth = 32;

/// C[r][0..kTileWidth) += Σ_k A[r·lda + k]·B[k][0..kTileWidth) for r < rows,
/// k < inner, summing k in increasing order for every element.
void multiplyAccumulateTile(const double *A, int64_t lda, int64_t rows,
                            int64_t inner, const double *B, double *C);

/// acc[i - i0][j] += Σ_t X[t][i]·X[t][j] for i0 <= i < i1, j <= i, over
/// `rows` rows of X[.][K] (f32, t in increasing order).
void accumulateGram(const float *X, int64_t rows, int64_t K, int64_t i0,
                    int64_t i1, float *acc);

/// Builds the context from H (nullptr: identity). Fails only if no damping
/// up to a large multiple makes H positive definite.
bool buildHessianContext(const double *H, int64_t K, const Options &options,
                         HessianContext &context, std::string &error);

/// Per-group uniform round-to-nearest (the rtn method and bpdq's baseline).
void solveRtn(const float *W, int64_t K, int64_t N, int64_t groupSize,
              int planes, bool f16, int threads, Unpacked &out);

/// bpdq (binary grid) and trit (ternary grid), the two kinds it supports:
/// alternating GPTQ-style assignment and Hessian-metric ridge refit, best
/// iterate per column. `baseline` (may be null) is one more candidate;
/// `baselineColumns` returns how many columns kept it.
void solveGrid(const float *W, int64_t K, int64_t N, int64_t groupSize,
               const Grid &grid, const HessianContext &context,
               const Options &options, const Unpacked *baseline, Unpacked &out,
               int64_t &baselineColumns);

} // namespace bitsink::quant::detail

#endif // BITSINK_LIB_QUANT_QUANTINTERNAL_H

//===- GridSolver.cpp - bpdq and trit: assignment and refit ---------------===//
//
// Both methods minimise, per output column n, the true objective
//   f(n) = (w_n - ŵ_n)ᵀ H (w_n - ŵ_n)
// (columns are separable: H = XᵀX/T is shared, coefficients are per column),
// over a grid of values c_0 + Σ_l c_{l+1}·t_l per group. They alternate
//  (a) assignment: rows in processing order take the nearest grid value of
//      their current target, and the rounding error of row i, divided by
//      U[i][i], is subtracted times U[i][i2] from every later row i2 (GPTQ;
//      UᵀU = (H + δI)^-1), with GPTQ's lazy block updates;
//  (b) refit: one Gauss-Seidel sweep over the groups; for group g with its
//      codes fixed, the coefficient change Δ solves the ridge system
//      (DᵀH_gg D + λI) Δ = Dᵀ r_g - λ c  with r = H(w - ŵ) and D the design
//      (1, t_0, ...) of the rows' codes, which minimises f exactly in c_g
//      given the other groups; r is updated for the groups after g.
// Every iterate (after (a) and after (b)) is a candidate, as is an optional
// baseline (rtn for bpdq); each column keeps its best candidate by f.
//
// Columns are processed in tiles of fixed width, one task per tile, and no
// sum runs across columns, so results do not depend on the thread count.
//
//===----------------------------------------------------------------------===//

#include "QuantInternal.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace bitsink::quant;
using namespace bitsink::quant::detail;

namespace {

constexpr int64_t kLazyBlock = 64;
constexpr int kMaxCoeffs = 5;
constexpr int kMaxCodes = 16;

/// Solves the SPD system (A + λI)x = b of size n <= kMaxCoeffs by Cholesky,
/// raising λ if A + λI is numerically singular.
bool solveRidge(const double *A, const double *b, int n, double lambda,
                double *x) {
  double trace = 0;
  for (int a = 0; a < n; ++a)
    trace += std::fabs(A[a * n + a]);
  double tiny = 1e-12 * trace / n + std::numeric_limits<double>::min();
  for (int attempt = 0; attempt < 4; ++attempt) {
    double L[kMaxCoeffs * kMaxCoeffs] = {};
    bool ok = true;
    for (int i = 0; i < n && ok; ++i)
      for (int j = 0; j <= i; ++j) {
        double sum = A[i * n + j] + (i == j ? lambda : 0.0);
        for (int m = 0; m < j; ++m)
          sum -= L[i * n + m] * L[j * n + m];
        if (i == j) {
          if (!(sum > 0) || !std::isfinite(sum)) {
            ok = false;
            break;
          }
          L[i * n + i] = std::sqrt(sum);
        } else {
          L[i * n + j] = sum / L[j * n + j];
        }
      }
    if (ok) {
      double y[kMaxCoeffs];
      for (int i = 0; i < n; ++i) {
        double sum = b[i];
        for (int m = 0; m < i; ++m)
          sum -= L[i * n + m] * y[m];
        y[i] = sum / L[i * n + i];
      }
      for (int i = n - 1; i >= 0; --i) {
        double sum = y[i];
        for (int m = i + 1; m < n; ++m)
          sum -= L[m * n + i] * x[m];
        x[i] = sum / L[i * n + i];
      }
      return true;
    }
    lambda = std::max(lambda * 100, tiny);
  }
  return false;
}

class TileSolver {
public:
  TileSolver(const float *W, int64_t K, int64_t N, int64_t groupSize,
             const Grid &grid, const HessianContext &context,
             const Options &options, int64_t n0, int64_t width)
      : K(K), N(N), groupSize(groupSize),
        numGroups((K + groupSize - 1) / groupSize), grid(grid),
        context(context), options(options), n0(n0), nc(width),
        C(grid.numCoeffs()), numCodes(grid.numCodes) {
    w.resize(K * ld);
    for (int64_t k = 0; k < K; ++k)
      for (int64_t j = 0; j < nc; ++j)
        w[k * ld + j] = W[k * N + n0 + j];
    codes.assign(K * ld, 0);
    coeffs.assign(numGroups * C * ld, 0.0f);
    values.resize(numGroups * numCodes * ld);
    e.resize(K * ld);
    r.resize(K * ld);
    objective.resize(nc);
    bestObjective.assign(nc, std::numeric_limits<double>::infinity());
    bestCodes.assign(K * ld, 0);
    bestCoeffs.assign(numGroups * C * ld, 0.0f);
    bestSource.assign(nc, -1);
    lambda = options.ridge * context.meanDiag;
  }

  /// Runs the method and writes the tile's best codes and coefficients into
  /// `out`; returns the number of columns where `baseline` won.
  int64_t run(const Unpacked *baseline, Unpacked &out) {
    constexpr int kBaseline = 0, kIterate = 1;
    if (baseline) {
      for (int64_t k = 0; k < K; ++k)
        for (int64_t j = 0; j < nc; ++j)
          codes[k * ld + j] = baseline->codes[k * N + n0 + j];
      for (int64_t i = 0; i < numGroups * C; ++i)
        for (int64_t j = 0; j < nc; ++j)
          coeffs[i * ld + j] = baseline->coeffs[i * N + n0 + j];
      computeValues();
      evaluate();
      record(kBaseline);
    }
    initialCoefficients();
    computeValues();
    int rounds = std::max(1, options.iterations);
    for (int round = 0; round < rounds; ++round) {
      std::vector<double> before = bestObjective;
      assign();
      evaluate();
      record(kIterate);
      refit();
      record(kIterate);
      computeValues();
      bool improved = false;
      for (int64_t j = 0; j < nc && !improved; ++j)
        improved = !std::isfinite(before[j]) ||
                   bestObjective[j] < before[j] * (1 - 1e-9);
      if (!improved)
        break;
    }
    int64_t baselineColumns = 0;
    for (int64_t j = 0; j < nc; ++j)
      baselineColumns += bestSource[j] == kBaseline;
    for (int64_t k = 0; k < K; ++k)
      for (int64_t j = 0; j < nc; ++j)
        out.codes[k * N + n0 + j] = bestCodes[k * ld + j];
    for (int64_t i = 0; i < numGroups * C; ++i)
      for (int64_t j = 0; j < nc; ++j)
        out.coeffs[i * N + n0 + j] = bestCoeffs[i * ld + j];
    return baselineColumns;
  }

private:
  int64_t groupBegin(int64_t g) const { return g * groupSize; }
  int64_t groupEnd(int64_t g) const { return std::min(K, (g + 1) * groupSize); }
  float *coeffAt(int64_t g, int c) { return &coeffs[(g * C + c) * ld]; }

  /// bpdq: the top P bits of an 8-bit uniform code, c_{l+1} = s·2^(8-P+l)
  /// and c_0 = min + s·(2^(8-P) - 1)/2 (the middle of the dropped range).
  /// trit: a uniform grid over [min, max] (3 or 9 levels).
  void initialCoefficients() {
    bool f16 = options.f16Coefficients;
    int L = grid.terms;
    for (int64_t g = 0; g < numGroups; ++g) {
      for (int64_t j = 0; j < nc; ++j) {
        double lo = w[groupBegin(g) * ld + j], hi = lo;
        for (int64_t k = groupBegin(g) + 1; k < groupEnd(g); ++k) {
          lo = std::min(lo, w[k * ld + j]);
          hi = std::max(hi, w[k * ld + j]);
        }
        double offset = 0, half = (hi - lo) / 2, mid = (hi + lo) / 2;
        double terms[kMaxCoeffs - 1] = {};
        if (grid.kind == PlaneKind::Binary) {
          double step = (hi - lo) / 255.0;
          int dropped = 8 - L;
          offset = lo + step * (std::ldexp(1.0, dropped) - 1) / 2;
          for (int l = 0; l < L; ++l)
            terms[l] = step * std::ldexp(1.0, dropped + l);
        } else {
          // Ternary. L = 1: levels mid + {-1, 0, 1}·2h/3; L = 2: levels
          // mid + {-4..4}·2h/9.
          offset = mid;
          terms[0] = 2 * half / 3;
          if (L == 2)
            terms[1] = 2 * half / 9;
        }
        coeffAt(g, 0)[j] = roundCoefficient(static_cast<float>(offset), f16);
        for (int l = 0; l < L; ++l)
          coeffAt(g, l + 1)[j] =
              roundCoefficient(static_cast<float>(terms[l]), f16);
      }
    }
  }

  void computeValues() {
    for (int64_t g = 0; g < numGroups; ++g)
      for (int code = 0; code < numCodes; ++code)
        for (int64_t j = 0; j < nc; ++j)
          values[(g * numCodes + code) * ld + j] = dequantValue(
              coeffAt(g, 0) + j, ld, grid.termsOf(code), grid.terms);
  }

  float valueOf(int64_t k, int64_t j, int code) const {
    return values[((k / groupSize) * numCodes + code) * ld + j];
  }

  int nearest(int64_t k, int64_t j, double target) const {
    const float *v = &values[(k / groupSize) * numCodes * ld + j];
    int best = 0;
    double bestDistance = std::fabs(target - v[0]);
    for (int code = 1; code < numCodes; ++code) {
      double distance = std::fabs(target - v[code * ld]);
      if (distance < bestDistance) {
        bestDistance = distance;
        best = code;
      }
    }
    return best;
  }

  /// (a): nearest grid value with GPTQ error propagation.
  void assign() {
    if (context.diagonal) {
      for (int64_t k = 0; k < K; ++k)
        for (int64_t j = 0; j < nc; ++j)
          codes[k * ld + j] =
              static_cast<uint8_t>(nearest(k, j, w[k * ld + j]));
      return;
    }
    const std::vector<int64_t> &order = context.order;
    const double *UT = context.UT.data();
    // negErr holds -(x - q)/U[i][i], so that the lazy update of the rows
    // after a block is one accumulating product with Uᵀ.
    std::vector<double> target(K * ld), negErr(kLazyBlock * ld, 0.0);
    std::vector<char> entered(numGroups, 0);
    for (int64_t i = 0; i < K; ++i)
      std::copy_n(&w[order[i] * ld], ld, &target[i * ld]);
    for (int64_t b0 = 0; b0 < K; b0 += kLazyBlock) {
      int64_t b1 = std::min(K, b0 + kLazyBlock);
      for (int64_t i = b0; i < b1; ++i) {
        int64_t k = order[i];
        int64_t g = k / groupSize;
        if (!entered[g]) {
          entered[g] = 1;
          fitGroupToTargets(g, target, negErr, b0, i, b1);
        }
        double *x = &target[i * ld];
        double *ei = &negErr[(i - b0) * ld];
        for (int64_t j = 0; j < nc; ++j) {
          int code = nearest(k, j, x[j]);
          codes[k * ld + j] = static_cast<uint8_t>(code);
          ei[j] = (valueOf(k, j, code) - x[j]) / context.uDiag[i];
        }
        for (int64_t i2 = i + 1; i2 < b1; ++i2) {
          double factor = UT[i2 * K + i];
          double *x2 = &target[i2 * ld];
          for (int64_t j = 0; j < nc; ++j)
            x2[j] += factor * ei[j];
        }
      }
      if (b1 < K)
        multiplyAccumulateTile(UT + b1 * K + b0, K, K - b1, b1 - b0,
                               negErr.data(), &target[b1 * ld]);
    }
  }

  /// Refits group g's coefficients to the current GPTQ targets of its rows
  /// before the row at position `i` (its first) is quantized: a few rounds
  /// of nearest assignment and ridge least squares weighted by 1/U[p][p]²,
  /// the factor by which GPTQ's objective charges a rounding error at
  /// position p. Grids then follow the targets that error propagation
  /// produced, as GPTQ's per-group grids do. `target` is in processing
  /// order; rows past the lazy block [b0, b1) get the block's pending
  /// updates (rows b0..i-1) added here, so every target is current.
  void fitGroupToTargets(int64_t g, const std::vector<double> &target,
                         const std::vector<double> &negErr, int64_t b0,
                         int64_t i, int64_t b1) {
    constexpr int kEntryRounds = 2;
    int64_t k0 = groupBegin(g), k1 = groupEnd(g);
    bool f16 = options.f16Coefficients;
    int L = grid.terms;
    const double *UT = context.UT.data();
    std::vector<double> current((k1 - k0) * ld);
    for (int64_t k = k0; k < k1; ++k) {
      int64_t p = context.position[k];
      double *x = &current[(k - k0) * ld];
      std::copy_n(&target[p * ld], ld, x);
      if (p < b1)
        continue;
      for (int64_t q = b0; q < i; ++q) {
        double factor = UT[p * K + q];
        const double *eq = &negErr[(q - b0) * ld];
        for (int64_t j = 0; j < nc; ++j)
          x[j] += factor * eq[j];
      }
    }
    for (int64_t j = 0; j < nc; ++j) {
      for (int round = 0; round < kEntryRounds; ++round) {
        double A[kMaxCoeffs * kMaxCoeffs] = {}, b[kMaxCoeffs] = {};
        double weightSum = 0;
        for (int64_t k = k0; k < k1; ++k) {
          int64_t p = context.position[k];
          double x = current[(k - k0) * ld + j];
          double weight = 1.0 / (context.uDiag[p] * context.uDiag[p]);
          weightSum += weight;
          const float *terms = grid.termsOf(nearest(k, j, x));
          for (int a = 0; a < C; ++a) {
            double da = a == 0 ? 1.0 : terms[a - 1];
            b[a] += weight * da * x;
            for (int c = 0; c < C; ++c)
              A[a * C + c] += weight * da * (c == 0 ? 1.0 : terms[c - 1]);
          }
        }
        double fit[kMaxCoeffs];
        double ridge = options.ridge * weightSum / static_cast<double>(k1 - k0);
        if (!solveRidge(A, b, C, ridge, fit))
          break;
        float fresh[kMaxCoeffs];
        bool finite = true;
        for (int a = 0; a < C; ++a) {
          fresh[a] = roundCoefficient(static_cast<float>(fit[a]), f16);
          finite = finite && std::isfinite(fresh[a]);
        }
        if (!finite)
          break;
        for (int a = 0; a < C; ++a)
          coeffAt(g, a)[j] = fresh[a];
        for (int code = 0; code < numCodes; ++code)
          values[(g * numCodes + code) * ld + j] =
              dequantValue(coeffAt(g, 0) + j, ld, grid.termsOf(code), L);
      }
    }
  }

  /// e = w - ŵ, r = He, objective = eᵀr per column.
  void evaluate() {
    for (int64_t k = 0; k < K; ++k)
      for (int64_t j = 0; j < nc; ++j)
        e[k * ld + j] = w[k * ld + j] - valueOf(k, j, codes[k * ld + j]);
    if (context.diagonal) {
      for (int64_t k = 0; k < K; ++k)
        for (int64_t j = 0; j < nc; ++j)
          r[k * ld + j] = context.diag[k] * e[k * ld + j];
    } else {
      std::fill(r.begin(), r.end(), 0.0);
      multiplyAccumulateTile(context.H, K, K, K, e.data(), r.data());
    }
    std::fill(objective.begin(), objective.end(), 0.0);
    for (int64_t k = 0; k < K; ++k)
      for (int64_t j = 0; j < nc; ++j)
        objective[j] += e[k * ld + j] * r[k * ld + j];
  }

  void record(int source) {
    for (int64_t j = 0; j < nc; ++j) {
      if (!(objective[j] < bestObjective[j]))
        continue;
      bestObjective[j] = objective[j];
      bestSource[j] = source;
      for (int64_t k = 0; k < K; ++k)
        bestCodes[k * ld + j] = codes[k * ld + j];
      for (int64_t i = 0; i < numGroups * C; ++i)
        bestCoeffs[i * ld + j] = coeffs[i * ld + j];
    }
  }

  /// (b): one Gauss-Seidel sweep of ridge refits over the groups, in code
  /// space: with M[c1][c2] = Σ H[k][k2] over group rows k, k2 of codes c1,
  /// c2 and ρ[c] = Σ r[k] over group rows of code c, the system is
  /// A = DᵀMD, Dᵀr_g = Dᵀρ for the numCodes×C design D. New coefficients
  /// change the error of every row of code c by the same δe[c], and f by
  /// exactly Δf = 2·δeᵀρ + δeᵀMδe.
  void refit() {
    const double *H = context.diagonal ? nullptr : context.H;
    bool f16 = options.f16Coefficients;
    int L = grid.terms;
    std::vector<double> deltaE(groupSize * ld);
    std::vector<uint8_t> groupCodes(groupSize);
    for (int64_t g = 0; g < numGroups; ++g) {
      int64_t k0 = groupBegin(g), k1 = groupEnd(g), rows = k1 - k0;
      bool anyChange = false;
      std::fill(deltaE.begin(), deltaE.end(), 0.0);
      for (int64_t j = 0; j < nc; ++j) {
        for (int64_t k = k0; k < k1; ++k)
          groupCodes[k - k0] = codes[k * ld + j];
        double M[kMaxCodes * kMaxCodes] = {};
        double rho[kMaxCodes] = {};
        for (int64_t k = k0; k < k1; ++k) {
          int ck = groupCodes[k - k0];
          rho[ck] += r[k * ld + j];
          M[ck * numCodes + ck] += context.diag[k];
        }
        if (H) {
          // Off-diagonal pairs k < k2 once, then symmetrised.
          double upper[kMaxCodes * kMaxCodes] = {};
          for (int64_t k = k0; k < k1; ++k) {
            double partial[kMaxCodes] = {};
            const double *row = H + k * K;
            for (int64_t k2 = k + 1; k2 < k1; ++k2)
              partial[groupCodes[k2 - k0]] += row[k2];
            double *dst = upper + groupCodes[k - k0] * numCodes;
            for (int c = 0; c < numCodes; ++c)
              dst[c] += partial[c];
          }
          for (int c1 = 0; c1 < numCodes; ++c1)
            for (int c2 = 0; c2 < numCodes; ++c2)
              M[c1 * numCodes + c2] +=
                  upper[c1 * numCodes + c2] + upper[c2 * numCodes + c1];
        }
        // Design row of code c: (1, t_0(c), ..., t_{L-1}(c)).
        auto design = [&](int c, int a) {
          return a == 0 ? 1.0 : static_cast<double>(grid.termsOf(c)[a - 1]);
        };
        double MD[kMaxCodes * kMaxCoeffs] = {};
        for (int c1 = 0; c1 < numCodes; ++c1)
          for (int c2 = 0; c2 < numCodes; ++c2) {
            double m = M[c1 * numCodes + c2];
            if (m == 0)
              continue;
            for (int a = 0; a < C; ++a)
              MD[c1 * C + a] += m * design(c2, a);
          }
        double A[kMaxCoeffs * kMaxCoeffs] = {}, rhs[kMaxCoeffs] = {};
        for (int c = 0; c < numCodes; ++c)
          for (int a = 0; a < C; ++a) {
            double d = design(c, a);
            if (d == 0)
              continue;
            rhs[a] += d * rho[c];
            for (int b = 0; b < C; ++b)
              A[a * C + b] += d * MD[c * C + b];
          }
        double old[kMaxCoeffs];
        for (int a = 0; a < C; ++a) {
          old[a] = coeffAt(g, a)[j];
          rhs[a] -= lambda * old[a];
        }
        double delta[kMaxCoeffs];
        if (!solveRidge(A, rhs, C, lambda, delta))
          continue;
        float fresh[kMaxCoeffs];
        bool finite = true;
        for (int a = 0; a < C; ++a) {
          fresh[a] =
              roundCoefficient(static_cast<float>(old[a] + delta[a]), f16);
          finite = finite && std::isfinite(fresh[a]);
        }
        if (!finite)
          continue;
        // Exact change of every grid value, as dequantize computes it.
        float oldCoeffs[kMaxCoeffs];
        for (int a = 0; a < C; ++a)
          oldCoeffs[a] = static_cast<float>(old[a]);
        double dE[kMaxCodes];
        for (int c = 0; c < numCodes; ++c)
          dE[c] =
              static_cast<double>(
                  dequantValue(oldCoeffs, 1, grid.termsOf(c), L)) -
              static_cast<double>(dequantValue(fresh, 1, grid.termsOf(c), L));
        double change = 0;
        for (int c1 = 0; c1 < numCodes; ++c1) {
          double md = 0;
          for (int c2 = 0; c2 < numCodes; ++c2)
            md += M[c1 * numCodes + c2] * dE[c2];
          change += dE[c1] * (2 * rho[c1] + md);
        }
        if (!(change < 0))
          continue;
        objective[j] += change;
        for (int a = 0; a < C; ++a)
          coeffAt(g, a)[j] = fresh[a];
        for (int64_t k = k0; k < k1; ++k) {
          double d = dE[groupCodes[k - k0]];
          e[k * ld + j] += d;
          deltaE[(k - k0) * ld + j] = d;
        }
        anyChange = true;
      }
      if (!H || !anyChange)
        continue;
      // Later groups see the new errors of this one: r += H[:, g]·δe.
      if (k1 < K)
        multiplyAccumulateTile(H + k1 * K + k0, K, K - k1, rows, deltaE.data(),
                               &r[k1 * ld]);
    }
  }

  int64_t K, N, groupSize, numGroups;
  const Grid &grid;
  const HessianContext &context;
  const Options &options;
  int64_t n0, nc;
  /// Row stride of every per-tile array; columns nc..ld-1 stay zero.
  static constexpr int64_t ld = kTileWidth;
  int C, numCodes;
  double lambda = 0;

  std::vector<double> w, e, r, objective, bestObjective;
  std::vector<uint8_t> codes, bestCodes;
  std::vector<float> coeffs, values, bestCoeffs;
  std::vector<int> bestSource;
};

} // namespace

void detail::solveGrid(const float *W, int64_t K, int64_t N, int64_t groupSize,
                       const Grid &grid, const HessianContext &context,
                       const Options &options, const Unpacked *baseline,
                       Unpacked &out, int64_t &baselineColumns) {
  int64_t G = (K + groupSize - 1) / groupSize;
  out.K = K;
  out.N = N;
  out.groupSize = groupSize;
  out.numGroups = G;
  out.numCoeffs = grid.numCoeffs();
  out.codes.assign(K * N, 0);
  out.coeffs.assign(G * out.numCoeffs * N, 0.0f);
  int64_t tiles = (N + kTileWidth - 1) / kTileWidth;
  std::vector<int64_t> perTile(tiles, 0);
  parallelFor(tiles, options.threads, [&](int64_t tile) {
    int64_t n0 = tile * kTileWidth;
    int64_t width = std::min(kTileWidth, N - n0);
    TileSolver solver(W, K, N, groupSize, grid, context, options, n0, width);
    perTile[tile] = solver.run(baseline, out);
  });
  baselineColumns = 0;
  for (int64_t count : perTile)
    baselineColumns += count;
}

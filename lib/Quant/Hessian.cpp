//===- Hessian.cpp - XᵀX, damping, act-order and the GPTQ factor ----------===//
//
// GPTQ quantizes rows one at a time and spreads each row's error over the
// rows not yet quantized with the upper factor U of the damped inverse
// Hessian, (H + δI)^-1 = UᵀU. With H + δI = RRᵀ, R upper triangular (a
// Cholesky factorization run from the last row up, H + δI = LᵀL with
// L = Rᵀ lower), U = R^-1, so Uᵀ = L^-1: one blocked factorization and one
// blocked in-place triangular inversion, both made of gemm() products
// (about K³/3 multiply-adds in all). R is kept too: the solver gets the
// gradient (H + δI)e of a GPTQ pass from it (docs/quantizer.md). When the
// factorization fails the damping grows tenfold and it retries.
//
//===----------------------------------------------------------------------===//

#include "QuantInternal.h"

#include <algorithm>
#include <cmath>
#include <numeric>

using namespace bitsink::quant;
using namespace bitsink::quant::detail;

namespace {

constexpr int64_t kFactorBlock = 128;

/// A pivot of the f32 factorization must exceed this fraction of its
/// diagonal entry (or half the damping, when that is smaller): below it
/// the matrix is singular to working precision.
constexpr double kRelativePivot = 1e-5;

/// In-place A = LᵀL of the lower triangle of A[K][K] (row stride K), L lower,
/// from the last row up: row m of L is (A[m][0..m] - updates) / sqrt(pivot).
/// The strict upper triangle is scratch. Pivot m must exceed floor[m].
bool factorLtL(FactorMatrix &A, int64_t K, const std::vector<double> &floor,
               int threads) {
  std::vector<double> block;
  std::vector<float> negT;
  for (int64_t b1 = K; b1 > 0;) {
    int64_t b0 = std::max<int64_t>(0, b1 - kFactorBlock), n = b1 - b0;
    // 1. The diagonal block, in f64.
    block.assign(n * n, 0.0);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j <= i; ++j)
        block[i * n + j] = A[(b0 + i) * K + b0 + j];
    for (int64_t m = n - 1; m >= 0; --m) {
      double pivot = block[m * n + m];
      if (!(pivot > floor[b0 + m]) || !std::isfinite(pivot))
        return false;
      double root = std::sqrt(pivot);
      block[m * n + m] = root;
      for (int64_t j = 0; j < m; ++j)
        block[m * n + j] /= root;
      for (int64_t i = 0; i < m; ++i) {
        double lmi = block[m * n + i];
        if (lmi == 0)
          continue;
        for (int64_t j = 0; j <= i; ++j)
          block[i * n + j] -= lmi * block[m * n + j];
      }
    }
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j <= i; ++j)
        A[(b0 + i) * K + b0 + j] = static_cast<float>(block[i * n + j]);
    if (b0 == 0)
      break;
    // 2. The panel P = A[b0:b1][0:b0]: L_bbᵀ X = P, rows from the last up,
    // by independent column chunks.
    constexpr int64_t kChunk = 512;
    int64_t chunks = (b0 + kChunk - 1) / kChunk;
    parallelFor(chunks, threads, [&](int64_t chunk) {
      int64_t c0 = chunk * kChunk, c1 = std::min(b0, c0 + kChunk);
      float factors[kFactorBlock];
      for (int64_t i = b1 - 1; i >= b0; --i) {
        float *row = A.data() + i * K;
        // row -= Σ_{m > i} L[m][i]·row_m, m increasing.
        for (int64_t m = i + 1; m < b1; ++m)
          factors[m - i - 1] = -A[m * K + i];
        gemm(1, c1 - c0, b1 - i - 1, factors, b1 - i - 1,
             A.data() + (i + 1) * K + c0, K, row + c0, K);
        float inverse = 1.0f / A[i * K + i];
        for (int64_t j = c0; j < c1; ++j)
          row[j] *= inverse;
      }
    });
    // 3. The rows above: A[0:b0][0:b0] -= Pᵀ P (lower part), by row blocks.
    negT.resize(b0 * n);
    constexpr int64_t kCopyRows = 512;
    parallelFor((b0 + kCopyRows - 1) / kCopyRows, threads, [&](int64_t chunk) {
      int64_t i0 = chunk * kCopyRows, i1 = std::min(b0, i0 + kCopyRows);
      for (int64_t m = 0; m < n; ++m)
        for (int64_t i = i0; i < i1; ++i)
          negT[i * n + m] = -A[(b0 + m) * K + i];
    });
    constexpr int64_t kRows = 64;
    int64_t rowBlocks = (b0 + kRows - 1) / kRows;
    parallelFor(rowBlocks, threads, [&](int64_t task) {
      // Largest blocks (the last rows) first.
      int64_t blockIndex = rowBlocks - 1 - task;
      int64_t i0 = blockIndex * kRows, i1 = std::min(b0, i0 + kRows);
      gemm(i1 - i0, i1, n, negT.data() + i0 * n, n, A.data() + b0 * K, K,
           A.data() + i0 * K, K);
    });
    b1 = b0;
  }
  return true;
}

/// In-place inverse of the lower triangle of A[K][K] (LAPACK's trtri, blocked
/// from the last block up): with the rows below block j already inverted
/// (X22), A21 := -(X22 · A21) · inv(A11), then A11 := inv(A11).
void invertLower(FactorMatrix &A, int64_t K, int threads) {
  std::vector<double> block;
  std::vector<float> inverse, panel, product, result;
  int64_t lastStart = ((K - 1) / kFactorBlock) * kFactorBlock;
  for (int64_t j0 = lastStart; j0 >= 0; j0 -= kFactorBlock) {
    int64_t j1 = std::min(K, j0 + kFactorBlock), n = j1 - j0;
    // inv(A11) in f64 (column by column, forward substitution).
    block.assign(n * n, 0.0);
    for (int64_t c = 0; c < n; ++c) {
      block[c * n + c] = 1.0 / A[(j0 + c) * K + j0 + c];
      for (int64_t i = c + 1; i < n; ++i) {
        double sum = 0;
        for (int64_t m = c; m < i; ++m)
          sum +=
              static_cast<double>(A[(j0 + i) * K + j0 + m]) * block[m * n + c];
        block[i * n + c] = -sum / A[(j0 + i) * K + j0 + i];
      }
    }
    inverse.assign(n * n, 0.0f);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t c = 0; c <= i; ++c)
        inverse[i * n + c] = static_cast<float>(-block[i * n + c]);
    int64_t below = K - j1;
    if (below > 0) {
      // product = X22 · A21 (X22 lower, rows j1..K), then
      // result = product · (-inv(A11)); written back once all rows are done.
      // A21 is copied first: every task reads it whole, and its rows
      // contiguous (n apart instead of K) stream from memory as they are.
      panel.resize(below * n);
      constexpr int64_t kCopyRows = 512;
      int64_t copyChunks = (below + kCopyRows - 1) / kCopyRows;
      parallelFor(copyChunks, threads, [&](int64_t chunk) {
        for (int64_t r = chunk * kCopyRows;
             r < std::min(below, (chunk + 1) * kCopyRows); ++r)
          std::copy_n(A.data() + (j1 + r) * K + j0, n, panel.data() + r * n);
      });
      product.assign(below * n, 0.0f);
      result.assign(below * n, 0.0f);
      // 128-row tasks: each reads all of A21 above its rows once.
      constexpr int64_t kRows = 128;
      int64_t rowBlocks = (below + kRows - 1) / kRows;
      parallelFor(rowBlocks, threads, [&](int64_t task) {
        int64_t blockIndex = rowBlocks - 1 - task;
        int64_t r0 = blockIndex * kRows, r1 = std::min(below, r0 + kRows);
        float *p = product.data();
        const float *a21 = panel.data();
        // Rectangular part m < r0, then the triangle m in [r0, i].
        gemm(r1 - r0, n, r0, A.data() + (j1 + r0) * K + j1, K, a21, n,
             p + r0 * n, n);
        for (int64_t r = r0; r < r1; ++r)
          gemm(1, n, r - r0 + 1, A.data() + (j1 + r) * K + j1 + r0, K,
               a21 + r0 * n, n, p + r * n, n);
        gemm(r1 - r0, n, n, p + r0 * n, n, inverse.data(), n,
             result.data() + r0 * n, n);
      });
      parallelFor(copyChunks, threads, [&](int64_t chunk) {
        for (int64_t r = chunk * kCopyRows;
             r < std::min(below, (chunk + 1) * kCopyRows); ++r)
          std::copy_n(result.data() + r * n, n, A.data() + (j1 + r) * K + j0);
      });
    }
    for (int64_t i = 0; i < n; ++i)
      for (int64_t c = 0; c <= i; ++c)
        A[(j0 + i) * K + j0 + c] = static_cast<float>(block[i * n + c]);
  }
}

} // namespace

bool detail::buildHessianContext(const double *H, int64_t K, int64_t groupSize,
                                 const Options &options, bool factorize,
                                 HessianContext &context, std::string &error) {
  PhaseTimer setupTimer(Phase::Context);
  context = HessianContext();
  context.K = K;
  context.diag.assign(K, 1.0);
  context.diagonal = true;
  if (H) {
    double trace = 0;
    for (int64_t k = 0; k < K; ++k)
      trace += H[k * K + k];
    // A zero Hessian (all-zero calibration data) measures nothing: solve in
    // the identity metric instead.
    if (trace > 0) {
      context.meanDiag = trace / static_cast<double>(K);
      for (int64_t k = 0; k < K; ++k)
        context.diag[k] = H[k * K + k];
      for (int64_t i = 0; i < K && context.diagonal; ++i)
        for (int64_t j = 0; j < i; ++j)
          if (H[i * K + j] != 0) {
            context.diagonal = false;
            break;
          }
    }
  }

  context.order.resize(K);
  std::iota(context.order.begin(), context.order.end(), 0);
  if (options.actOrder)
    std::sort(context.order.begin(), context.order.end(),
              [&](int64_t a, int64_t b) {
                if (context.diag[a] != context.diag[b])
                  return context.diag[a] > context.diag[b];
                return a < b;
              });
  context.position.resize(K);
  for (int64_t i = 0; i < K; ++i)
    context.position[context.order[i]] = i;

  const std::vector<int64_t> &order = context.order;
  if (!context.diagonal) {
    // H below the diagonal, f32, natural order, in units of its mean
    // diagonal (so that f32 holds any H; the objective's scale does not
    // matter, and damping and ridge are relative to the mean diagonal).
    double scale = 1.0 / context.meanDiag;
    for (double &d : context.diag)
      d *= scale;
    context.meanDiag = 1;
    // Every row written (zeros on and above the diagonal) by the threads:
    // the first touch of 4·K² bytes is not serial.
    context.HR.resize(K * K);
    parallelFor(K, options.threads, [&](int64_t i) {
      float *row = &context.HR[i * K];
      for (int64_t j = 0; j < i; ++j)
        row[j] = static_cast<float>(H[i * K + j] * scale);
      std::fill(row + i, row + K, 0.0f);
    });
    if (!factorize)
      return true;
    int64_t g = groupSize;
    context.groupSize = g;
    context.numGroups = (K + g - 1) / g;
    context.blocks.assign(context.numGroups * g * g, 0.0f);
    context.blockOnes.assign(context.numGroups * g, 0.0f);
    std::vector<float> ones(g, 1.0f);
    for (int64_t group = 0; group < context.numGroups; ++group) {
      int64_t k0 = group * g, k1 = std::min(K, k0 + g);
      float *block = context.blocks.data() + group * g * g;
      for (int64_t i = k0; i < k1; ++i) {
        block[(i - k0) * g + (i - k0)] = static_cast<float>(context.diag[i]);
        for (int64_t j = k0; j < i; ++j) {
          float h = context.HR[i * K + j];
          block[(i - k0) * g + (j - k0)] = h;
          block[(j - k0) * g + (i - k0)] = h;
        }
      }
      gemm(k1 - k0, 1, k1 - k0, block, g, ones.data(), 1,
           context.blockOnes.data() + k0, 1);
    }
  }

  setupTimer.stop();
  // The factorization, with the copy of H + δI it works on.
  PhaseTimer factorTimer(Phase::Factor);
  double damp = options.damp;
  for (int attempt = 0; attempt < 12; ++attempt) {
    double delta = damp * context.meanDiag;
    bool ok = true;
    if (context.diagonal) {
      context.uDiag.resize(K);
      for (int64_t i = 0; i < K && ok; ++i) {
        double value = context.diag[order[i]] + delta;
        ok = value > 1e-12 * context.meanDiag;
        context.uDiag[i] = ok ? 1.0 / std::sqrt(value) : 0.0;
      }
    } else {
      // A = H_order + δI in the UT buffer, factorized in place.
      FactorMatrix &A = context.UT;
      A.resize(K * K);
      std::vector<double> floor(K);
      parallelFor(K, options.threads, [&](int64_t i) {
        int64_t a = order[i];
        std::fill(&A[i * K + i], &A[i * K] + K, 0.0f);
        if (!options.actOrder) {
          std::copy_n(&context.HR[i * K], i, &A[i * K]);
          return;
        }
        for (int64_t j = 0; j < i; ++j) {
          int64_t b = order[j];
          A[i * K + j] = a > b ? context.HR[a * K + b] : context.HR[b * K + a];
        }
      });
      for (int64_t i = 0; i < K; ++i) {
        int64_t a = order[i];
        double value = context.diag[a] + delta;
        A[i * K + i] = static_cast<float>(value);
        floor[i] = kRelativePivot * value;
        if (delta > 0)
          floor[i] = std::min(floor[i], 0.5 * delta);
      }
      ok = factorLtL(A, K, floor, options.threads);
    }
    if (ok) {
      context.damp = damp;
      context.delta = delta;
      break;
    }
    if (attempt == 11) {
      error = "Hessian is not positive definite even with damping " +
              std::to_string(damp) + " x mean diagonal";
      return false;
    }
    damp = damp > 0 ? damp * 10 : 1e-6;
  }
  factorTimer.stop();
  if (context.diagonal)
    return true;

  PhaseTimer transposeTimer(Phase::Context);
  // R = Lᵀ above the diagonal of HR, then Uᵀ = L^-1 in place.
  context.rDiag.resize(K);
  for (int64_t i = 0; i < K; ++i)
    context.rDiag[i] = context.UT[i * K + i];
  // Transposed by 64 x 64 tiles (rows of tiles are independent tasks).
  constexpr int64_t kTile = 64;
  int64_t tiles = (K + kTile - 1) / kTile;
  parallelFor(tiles, options.threads, [&](int64_t ti) {
    int64_t i0 = ti * kTile, i1 = std::min(K, i0 + kTile);
    for (int64_t m0 = i0; m0 < K; m0 += kTile) {
      int64_t m1 = std::min(K, m0 + kTile);
      for (int64_t i = i0; i < i1; ++i)
        for (int64_t m = std::max(m0, i + 1); m < m1; ++m)
          context.HR[i * K + m] = context.UT[m * K + i];
    }
  });
  transposeTimer.stop();
  PhaseTimer invertTimer(Phase::Invert);
  invertLower(context.UT, K, options.threads);
  invertTimer.stop();
  PhaseTimer transposeBackTimer(Phase::Context);
  // H above the diagonal of UT (natural order), for products with all of H.
  parallelFor(tiles, options.threads, [&](int64_t ti) {
    int64_t i0 = ti * kTile, i1 = std::min(K, i0 + kTile);
    for (int64_t m0 = i0; m0 < K; m0 += kTile) {
      int64_t m1 = std::min(K, m0 + kTile);
      for (int64_t i = i0; i < i1; ++i)
        for (int64_t m = std::max(m0, i + 1); m < m1; ++m)
          context.UT[i * K + m] = context.HR[m * K + i];
    }
  });
  context.uDiag.resize(K);
  for (int64_t i = 0; i < K; ++i)
    context.uDiag[i] = context.UT[i * K + i];
  return true;
}

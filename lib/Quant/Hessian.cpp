//===- Hessian.cpp - damping, act-order and the GPTQ factor ---------------===//
//
// GPTQ quantizes rows one at a time and spreads each row's error over the
// rows not yet quantized with the upper factor U of the damped inverse
// Hessian, (H + δI)^-1 = UᵀU. U is computed without forming the inverse:
// with J the row reversal, Cholesky J(H + δI)J = LLᵀ gives
// (H + δI)^-1 = (J L^-1 J)ᵀ (J L^-1 J), and J L^-1 J is upper triangular.
// When the factorisation fails the damping grows tenfold and it retries.
//
//===----------------------------------------------------------------------===//

#include "QuantInternal.h"

#include <algorithm>
#include <cmath>
#include <numeric>

using namespace bitsink::quant;
using namespace bitsink::quant::detail;

namespace {

/// In-place right-looking Cholesky of the lower triangle of A[n][n]; a pivot
/// must exceed `relativePivot` times the original diagonal entry.
bool choleskyInPlace(std::vector<double> &A, int64_t n, double relativePivot) {
  std::vector<double> column(n), original(n);
  for (int64_t j = 0; j < n; ++j)
    original[j] = A[j * n + j];
  for (int64_t j = 0; j < n; ++j) {
    double *rowJ = A.data() + j * n;
    double pivot = rowJ[j];
    double floor = relativePivot * std::fabs(original[j]);
    if (!(pivot > floor) || !std::isfinite(pivot))
      return false;
    double root = std::sqrt(pivot);
    rowJ[j] = root;
    for (int64_t i = j + 1; i < n; ++i) {
      A[i * n + j] /= root;
      column[i] = A[i * n + j];
    }
    for (int64_t i = j + 1; i < n; ++i) {
      double lij = column[i];
      if (lij == 0)
        continue;
      double *rowI = A.data() + i * n;
      for (int64_t m = j + 1; m <= i; ++m)
        rowI[m] -= lij * column[m];
    }
  }
  return true;
}

} // namespace

bool detail::buildHessianContext(const double *H, int64_t K,
                                 const Options &options,
                                 HessianContext &context, std::string &error) {
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
        for (int64_t j = 0; j < K; ++j)
          if (i != j && H[i * K + j] != 0) {
            context.diagonal = false;
            break;
          }
      if (!context.diagonal)
        context.H = H;
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

  double damp = options.damp;
  for (int attempt = 0; attempt < 12; ++attempt) {
    double delta = damp * context.meanDiag;
    if (context.diagonal) {
      context.uDiag.resize(K);
      bool ok = true;
      for (int64_t i = 0; i < K && ok; ++i) {
        double value = context.diag[context.order[i]] + delta;
        ok = value > 1e-12 * context.meanDiag;
        context.uDiag[i] = ok ? 1.0 / std::sqrt(value) : 0.0;
      }
      if (ok) {
        context.damp = damp;
        return true;
      }
    } else {
      // A = J (H_order + δI) J, kept with its diagonal for the pivot test.
      std::vector<double> A(K * K);
      for (int64_t i = 0; i < K; ++i) {
        int64_t ki = context.order[K - 1 - i];
        for (int64_t j = 0; j < K; ++j)
          A[i * K + j] = H[ki * K + context.order[K - 1 - j]];
        A[i * K + i] += delta;
      }
      if (choleskyInPlace(A, K, 1e-12)) {
        // Columns of L^-1 by forward substitution on Lᵀ rows (contiguous),
        // written reversed into U.
        std::vector<double> LT(K * K, 0.0);
        for (int64_t i = 0; i < K; ++i)
          for (int64_t j = 0; j <= i; ++j)
            LT[j * K + i] = A[i * K + j];
        std::vector<double>().swap(A);
        context.UT.assign(K * K, 0.0);
        parallelFor(K, options.threads, [&](int64_t j) {
          std::vector<double> x(K, 0.0);
          x[j] = 1.0;
          for (int64_t m = j; m < K; ++m) {
            const double *lt = LT.data() + m * K;
            double xm = x[m] / lt[m];
            x[m] = xm;
            if (xm == 0)
              continue;
            for (int64_t i = m + 1; i < K; ++i)
              x[i] -= lt[i] * xm;
          }
          // U[K-1-i][K-1-j] = x[i]: row K-1-j of Uᵀ.
          double *row = context.UT.data() + (K - 1 - j) * K;
          for (int64_t i = j; i < K; ++i)
            row[K - 1 - i] = x[i];
        });
        context.uDiag.resize(K);
        for (int64_t i = 0; i < K; ++i)
          context.uDiag[i] = context.UT[i * K + i];
        context.damp = damp;
        return true;
      }
    }
    damp = damp > 0 ? damp * 10 : 1e-6;
  }
  error = "Hessian is not positive definite even with damping " +
          std::to_string(damp) + " x mean diagonal";
  return false;
}

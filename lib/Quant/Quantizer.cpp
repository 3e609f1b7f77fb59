//===- Quantizer.cpp - quantizer entry points -----------------------------===//
//
// Argument checks, the Hessian from calibration data, dispatch to the rtn /
// bpdq / trit solvers, and the error report measured on the dequantized
// result.
//
//===----------------------------------------------------------------------===//

#include "QuantInternal.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <thread>

using namespace bitsink::quant;
using namespace bitsink::quant::detail;

bool bitsink::quant::parseMethod(const std::string &name, Method &method) {
  if (name == "rtn")
    method = Method::RTN;
  else if (name == "bpdq")
    method = Method::BPDQ;
  else if (name == "trit")
    method = Method::Trit;
  else
    return false;
  return true;
}

const char *bitsink::quant::methodName(Method method) {
  switch (method) {
  case Method::RTN:
    return "rtn";
  case Method::BPDQ:
    return "bpdq";
  case Method::Trit:
    return "trit";
  }
  return "unknown";
}

const char *bitsink::quant::planeKindName(PlaneKind kind) {
  switch (kind) {
  case PlaneKind::Binary:
    return "binary";
  case PlaneKind::Signed:
    return "signed";
  case PlaneKind::Ternary:
    return "ternary";
  }
  return "unknown";
}

int detail::resolveThreads(int requested) {
  if (requested > 0)
    return requested;
  unsigned hardware = std::thread::hardware_concurrency();
  return hardware == 0 ? 1 : static_cast<int>(hardware);
}

void detail::parallelFor(int64_t numTasks, int threads,
                         const std::function<void(int64_t)> &body) {
  int64_t workers = std::min<int64_t>(resolveThreads(threads), numTasks);
  if (workers <= 1) {
    for (int64_t task = 0; task < numTasks; ++task)
      body(task);
    return;
  }
  std::atomic<int64_t> next{0};
  auto worker = [&] {
    for (int64_t task = next++; task < numTasks; task = next++)
      body(task);
  };
  std::vector<std::thread> pool;
  for (int64_t i = 1; i < workers; ++i)
    pool.emplace_back(worker);
  worker();
  for (std::thread &thread : pool)
    thread.join();
}

double bitsink::quant::storedBitsPerWeight(int64_t K, int64_t planes,
                                           int64_t numCoeffs, int64_t groupSize,
                                           int coefficientBits) {
  if (K <= 0)
    return 0;
  int64_t groups =
      groupSize <= 0 || groupSize >= K ? 1 : (K + groupSize - 1) / groupSize;
  double planeBits =
      static_cast<double>(planes) * 32.0 * static_cast<double>((K + 31) / 32);
  double coeffBits = static_cast<double>(coefficientBits) *
                     static_cast<double>(numCoeffs) *
                     static_cast<double>(groups);
  return (planeBits + coeffBits) / static_cast<double>(K);
}

namespace {

bool checkArguments(const float *W, int64_t K, int64_t N,
                    const Options &options, std::string &error) {
  auto fail = [&](const std::string &message) {
    error = message;
    return false;
  };
  if (!W)
    return fail("weight pointer is null");
  if (K <= 0 || N <= 0)
    return fail("weight shape must be positive, got K = " + std::to_string(K) +
                ", N = " + std::to_string(N));
  if (K > (int64_t(1) << 31) || N > (int64_t(1) << 31) ||
      K * N > (int64_t(1) << 40))
    return fail("weight of " + std::to_string(K) + " x " + std::to_string(N) +
                " is too large");
  int P = options.planes;
  if (options.method == Method::Trit) {
    if (P != 2 && P != 4)
      return fail("trit needs planes = 2 or 4 (one or two trit-planes), got " +
                  std::to_string(P));
  } else if (P < 1 || P > 4) {
    return fail(std::string(methodName(options.method)) +
                " needs planes in 1..4, got " + std::to_string(P));
  }
  int64_t g = options.groupSize;
  if (g > 0 && g < K && g % 32 != 0)
    return fail("group size must be a multiple of 32, or <= 0 / >= K (" +
                std::to_string(K) + ") for per-channel, got " +
                std::to_string(g));
  if (options.iterations < 0)
    return fail("iterations must be >= 0, got " +
                std::to_string(options.iterations));
  if (!(options.damp >= 0) || !std::isfinite(options.damp))
    return fail("damp must be finite and >= 0");
  if (!(options.ridge >= 0) || !std::isfinite(options.ridge))
    return fail("ridge must be finite and >= 0");
  if (options.threads < 0)
    return fail("threads must be >= 0, got " + std::to_string(options.threads));
  // Beyond ±65504 an f16 offset or scale cannot represent the group; far
  // beyond that, ranges and Hessian products would overflow f32/f64.
  float limit = options.f16Coefficients ? 65504.0f : 1e30f;
  for (int64_t i = 0; i < K * N; ++i) {
    if (!std::isfinite(W[i]))
      return fail("weight has a non-finite value at row " +
                  std::to_string(i / N) + ", column " + std::to_string(i % N));
    if (std::fabs(W[i]) > limit)
      return fail("weight " + std::to_string(W[i]) + " at row " +
                  std::to_string(i / N) + ", column " + std::to_string(i % N) +
                  (options.f16Coefficients
                       ? " is outside the f16 range of the coefficients; use "
                         "f32 coefficients"
                       : " is too large to quantize (limit 1e30)"));
  }
  return true;
}

int64_t effectiveGroupSize(int64_t groupSize, int64_t K) {
  return groupSize <= 0 || groupSize >= K ? K : groupSize;
}

/// Σ_n e_nᵀ M e_n and Σ_n w_nᵀ M w_n for E = W - Ŵ and the metric M: H
/// (K×K), XᵀX of the rows X[T][K], or the identity when both are null.
struct ErrorSums {
  double error = 0, reference = 0;
};

/// By column tiles whose sums are added in tile order, so the result does
/// not depend on the threads.
ErrorSums measureErrors(const float *W, const float *What, int64_t K, int64_t N,
                        const double *H, const float *X, int64_t T,
                        int threads) {
  constexpr int64_t kRowChunk = 64;
  int64_t tiles = (N + kTileWidth - 1) / kTileWidth;
  std::vector<ErrorSums> partial(tiles);
  parallelFor(tiles, threads, [&](int64_t tile) {
    int64_t n0 = tile * kTileWidth, width = std::min(kTileWidth, N - n0);
    std::vector<double> E(K * kTileWidth, 0.0), Wt(K * kTileWidth, 0.0);
    for (int64_t k = 0; k < K; ++k)
      for (int64_t j = 0; j < width; ++j) {
        double w = W[k * N + n0 + j];
        Wt[k * kTileWidth + j] = w;
        E[k * kTileWidth + j] = w - static_cast<double>(What[k * N + n0 + j]);
      }
    ErrorSums sums;
    if (H) {
      std::vector<double> product(K * kTileWidth);
      for (auto [block, sum] :
           {std::pair{&E, &sums.error}, std::pair{&Wt, &sums.reference}}) {
        std::fill(product.begin(), product.end(), 0.0);
        multiplyAccumulateTile(H, K, K, K, block->data(), product.data());
        for (int64_t i = 0; i < K * kTileWidth; ++i)
          *sum += (*block)[i] * product[i];
      }
    } else if (X) {
      std::vector<double> rows(kRowChunk * K), Y(kRowChunk * kTileWidth);
      for (int64_t t0 = 0; t0 < T; t0 += kRowChunk) {
        int64_t count = std::min(kRowChunk, T - t0);
        for (int64_t i = 0; i < count * K; ++i)
          rows[i] = X[t0 * K + i];
        for (auto [block, sum] :
             {std::pair{&E, &sums.error}, std::pair{&Wt, &sums.reference}}) {
          std::fill(Y.begin(), Y.end(), 0.0);
          multiplyAccumulateTile(rows.data(), K, count, K, block->data(),
                                 Y.data());
          for (int64_t i = 0; i < count * kTileWidth; ++i)
            *sum += Y[i] * Y[i];
        }
      }
    } else {
      for (int64_t i = 0; i < K * kTileWidth; ++i) {
        sums.error += E[i] * E[i];
        sums.reference += Wt[i] * Wt[i];
      }
    }
    partial[tile] = sums;
  });
  ErrorSums total;
  for (const ErrorSums &sums : partial) {
    total.error += sums.error;
    total.reference += sums.reference;
  }
  return total;
}

double ratio(double numerator, double denominator) {
  if (numerator <= 0)
    return 0;
  if (denominator <= 0)
    return INFINITY;
  return std::sqrt(numerator / denominator);
}

/// `what` is "Hessian" or "held-out Hessian".
bool checkHessian(const double *H, int64_t K, const std::string &what,
                  std::string &error) {
  for (int64_t i = 0; i < K * K; ++i)
    if (!std::isfinite(H[i]))
      return (error = what + " has a non-finite value", false);
  double maxDiag = 0;
  for (int64_t k = 0; k < K; ++k) {
    if (H[k * K + k] < 0)
      return (error = what + " has a negative diagonal entry at row " +
                      std::to_string(k),
              false);
    maxDiag = std::max(maxDiag, H[k * K + k]);
  }
  for (int64_t i = 0; i < K; ++i)
    for (int64_t j = 0; j < i; ++j)
      if (std::fabs(H[i * K + j] - H[j * K + i]) > 1e-6 * maxDiag)
        return (error = what + " is not symmetric: H[" + std::to_string(i) +
                        "][" + std::to_string(j) + "] != H[" +
                        std::to_string(j) + "][" + std::to_string(i) + "]",
                false);
  return true;
}

/// `what` is "calibration data" or "held-out data".
bool checkRows(const float *X, int64_t T, int64_t K, const std::string &what,
               std::string &error) {
  if (T <= 0)
    return (error =
                what + " needs at least one row, got T = " + std::to_string(T),
            false);
  for (int64_t i = 0; i < T * K; ++i)
    if (!std::isfinite(X[i]))
      return (error = what + " has a non-finite value at row " +
                      std::to_string(i / K) + ", column " +
                      std::to_string(i % K),
              false);
  return true;
}

bool checkHeldOut(const HeldOut *heldOut, int64_t K, std::string &error) {
  if (!heldOut)
    return true;
  if (heldOut->X)
    return checkRows(heldOut->X, heldOut->T, K, "held-out data", error);
  if (heldOut->H)
    return checkHessian(heldOut->H, K, "held-out Hessian", error);
  return (error = "held-out rows need activations or a Hessian", false);
}

bool quantizeImpl(const float *W, int64_t K, int64_t N, const double *H,
                  const Options &options, const HeldOut *heldOut,
                  Result &result, std::string &error) {
  // The callers have run checkArguments and checkHeldOut.
  if (H && !checkHessian(H, K, "Hessian", error))
    return false;
  int threads = resolveThreads(options.threads);
  int64_t groupSize = effectiveGroupSize(options.groupSize, K);
  bool f16 = options.f16Coefficients;
  PlaneKind kind =
      options.method == Method::Trit ? PlaneKind::Ternary : PlaneKind::Binary;
  Grid grid = makeGrid(kind, options.planes);

  Unpacked unpacked;
  Report report;
  if (options.method == Method::RTN) {
    solveRtn(W, K, N, groupSize, options.planes, f16, threads, unpacked);
  } else {
    HessianContext context;
    if (!buildHessianContext(H, K, options, context, error))
      return false;
    report.damp = context.damp;
    Unpacked rtn;
    if (options.method == Method::BPDQ)
      solveRtn(W, K, N, groupSize, options.planes, f16, threads, rtn);
    int64_t rtnColumns = 0;
    solveGrid(W, K, N, groupSize, grid, context, options,
              options.method == Method::BPDQ ? &rtn : nullptr, unpacked,
              rtnColumns);
    report.rtnColumns = rtnColumns;
    report.rtnChosen = options.method == Method::BPDQ && rtnColumns == N;
  }

  result.packed = pack(grid, unpacked);
  std::vector<float> What(K * N);
  dequantize(result.packed, What.data());
  auto relative = [&](const double *M, const float *X, int64_t T) {
    ErrorSums sums = measureErrors(W, What.data(), K, N, M, X, T, threads);
    return ratio(sums.error, sums.reference);
  };
  report.weightRelError = relative(nullptr, nullptr, 0);
  report.relError = H ? relative(H, nullptr, 0) : report.weightRelError;
  if (heldOut) {
    report.hasHeldOut = true;
    report.heldOutRelError =
        relative(heldOut->X ? nullptr : heldOut->H, heldOut->X, heldOut->T);
  }
  report.bitsPerWeight =
      storedBitsPerWeight(K, result.packed.numPlanes, result.packed.numCoeffs,
                          groupSize, f16 ? 16 : 32);
  result.report = report;
  return true;
}

} // namespace

bool bitsink::quant::quantizeWithHessian(const float *W, int64_t K, int64_t N,
                                         const double *H,
                                         const Options &options, Result &result,
                                         std::string &error,
                                         const HeldOut *heldOut) {
  if (!H)
    return (error = "Hessian pointer is null", false);
  if (!checkArguments(W, K, N, options, error) ||
      !checkHeldOut(heldOut, K, error))
    return false;
  return quantizeImpl(W, K, N, H, options, heldOut, result, error);
}

bool bitsink::quant::quantize(const float *W, int64_t K, int64_t N,
                              const float *X, int64_t T, const Options &options,
                              Result &result, std::string &error,
                              const HeldOut *heldOut) {
  // Reject bad weights, options and data before spending time on XᵀX.
  if (!checkArguments(W, K, N, options, error) ||
      !checkHeldOut(heldOut, K, error))
    return false;
  if (!X)
    return quantizeImpl(W, K, N, nullptr, options, heldOut, result, error);
  if (!checkRows(X, T, K, "calibration data", error))
    return false;
  // H = XᵀX / T, lower triangle by blocks of rows: each block of H rows
  // accumulates chunks of X rows in f32 (vectorisable axpys) and flushes
  // every chunk into f64. Blocks are independent tasks, so the sums run in
  // the same order for any thread count.
  constexpr int64_t kRowBlock = 16, kChunk = 64;
  std::vector<double> H(K * K, 0.0);
  int64_t blocks = (K + kRowBlock - 1) / kRowBlock;
  parallelFor(blocks, options.threads, [&](int64_t block) {
    int64_t i0 = block * kRowBlock, i1 = std::min(K, i0 + kRowBlock);
    std::vector<float> acc((i1 - i0) * K);
    for (int64_t t0 = 0; t0 < T; t0 += kChunk) {
      std::fill(acc.begin(), acc.end(), 0.0f);
      int64_t t1 = std::min(T, t0 + kChunk);
      accumulateGram(X + t0 * K, t1 - t0, K, i0, i1, acc.data());
      for (int64_t i = i0; i < i1; ++i)
        for (int64_t j = 0; j <= i; ++j)
          H[i * K + j] += acc[(i - i0) * K + j];
    }
  });
  double invT = 1.0 / static_cast<double>(T);
  for (int64_t i = 0; i < K; ++i)
    for (int64_t j = 0; j <= i; ++j) {
      H[i * K + j] *= invT;
      H[j * K + i] = H[i * K + j];
    }
  return quantizeImpl(W, K, N, H.data(), options, heldOut, result, error);
}

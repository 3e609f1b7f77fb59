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
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
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

namespace {
std::atomic<int64_t> phaseNanoseconds[static_cast<int>(Phase::Count)];

int64_t nowNanoseconds() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
} // namespace

bool detail::profiling() {
  static const bool enabled = [] {
    const char *value = std::getenv("BITSINK_QUANT_PROFILE");
    return value && *value && std::strcmp(value, "0") != 0;
  }();
  return enabled;
}

namespace {
/// The innermost running Solve* timer of this thread.
thread_local PhaseTimer *innermostTimer = nullptr;
bool exclusivePhase(Phase phase) {
  return static_cast<int>(phase) >= static_cast<int>(Phase::AssignGemm);
}
} // namespace

detail::PhaseTimer::PhaseTimer(Phase phase) : phase(phase) {
  if (!profiling())
    return;
  running = true;
  start = nowNanoseconds();
  if (!exclusivePhase(phase))
    return;
  outer = innermostTimer;
  if (outer && outer->running)
    phaseNanoseconds[static_cast<int>(outer->phase)] += start - outer->start;
  innermostTimer = this;
}

void detail::PhaseTimer::stop() {
  if (!running)
    return;
  running = false;
  int64_t now = nowNanoseconds();
  phaseNanoseconds[static_cast<int>(phase)] += now - start;
  if (!exclusivePhase(phase))
    return;
  innermostTimer = outer;
  if (outer && outer->running)
    outer->start = now;
}

void detail::printProfile(int64_t K, int64_t N) {
  if (!profiling())
    return;
  static const char *const names[] = {
      "hessian",    "context",      "factor",      "invert",       "rtn",
      "solve",      "report",       "assign-gemm", "assign-other", "gradient",
      "refit-gemm", "refit-normal", "refit-other", "solve-other"};
  static_assert(sizeof(names) / sizeof(names[0]) ==
                    static_cast<size_t>(Phase::Count),
                "one name per phase");
  std::string line = "bitsink-quant profile " + std::to_string(K) + "x" +
                     std::to_string(N) + " (s; solve parts in thread-s):";
  for (int phase = 0; phase < static_cast<int>(Phase::Count); ++phase) {
    double seconds =
        1e-9 * static_cast<double>(phaseNanoseconds[phase].exchange(0));
    char item[64];
    std::snprintf(item, sizeof(item), " %s %.2f", names[phase], seconds);
    line += item;
  }
  std::fprintf(stderr, "%s\n", line.c_str());
}

double bitsink::quant::storedBitsPerWeight(int64_t K, int64_t planes,
                                           int64_t numCoeffs, int64_t groupSize,
                                           int coefficientBits,
                                           int64_t subBlock) {
  if (K <= 0)
    return 0;
  int64_t groups =
      groupSize <= 0 || groupSize >= K ? 1 : (K + groupSize - 1) / groupSize;
  double planeBits =
      static_cast<double>(planes) * 32.0 * static_cast<double>((K + 31) / 32);
  double coeffBits = static_cast<double>(coefficientBits) *
                     static_cast<double>(numCoeffs) *
                     static_cast<double>(groups);
  double scaleBits =
      subBlock > 0 ? 32.0 * static_cast<double>(numScaleWords(K, subBlock))
                   : 0.0;
  return (planeBits + coeffBits + scaleBits) / static_cast<double>(K);
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
    return fail("iterations must be >= 0 (0: by layer size), got " +
                std::to_string(options.iterations));
  if (options.sweeps < -1)
    return fail("sweeps must be >= 0, or -1 for by layer size, got " +
                std::to_string(options.sweeps));
  if (!(options.damp >= 0) || !std::isfinite(options.damp))
    return fail("damp must be finite and >= 0");
  if (!(options.ridge >= 0) || !std::isfinite(options.ridge))
    return fail("ridge must be finite and >= 0");
  if (options.threads < 0)
    return fail("threads must be >= 0, got " + std::to_string(options.threads));
  if (options.rotationBlock < 0 ||
      (options.rotationBlock & (options.rotationBlock - 1)) != 0)
    return fail("rotation block must be 0 (none) or a power of two, got " +
                std::to_string(options.rotationBlock));
  if (options.subBlock != 0) {
    int64_t S = options.subBlock;
    if (!isSubBlockSize(S))
      return fail("sub-block size must be 0 (none), 8, 16 or 32, got " +
                  std::to_string(S));
    if (options.method == Method::RTN)
      return fail("sub-block scale codes need method bpdq or trit, not rtn");
    if (options.actOrder)
      return fail("sub-block scale codes need rows in natural order (no "
                  "act-order)");
  }
  return detail::checkWeightRange(W, K, N, options, "weight", error);
}

} // namespace

bool detail::checkWeightRange(const float *W, int64_t K, int64_t N,
                              const Options &options, const char *what,
                              std::string &error) {
  // Beyond ±65504 an f16 offset or scale cannot represent the group; far
  // beyond that, ranges and Hessian products would overflow f32/f64.
  float limit = options.f16Coefficients ? 65504.0f : 1e30f;
  for (int64_t i = 0; i < K * N; ++i) {
    if (!std::isfinite(W[i]))
      return (error = std::string(what) + " has a non-finite value at row " +
                      std::to_string(i / N) + ", column " +
                      std::to_string(i % N),
              false);
    if (std::fabs(W[i]) > limit)
      return (error = std::string(what) + " " + std::to_string(W[i]) +
                      " at row " + std::to_string(i / N) + ", column " +
                      std::to_string(i % N) +
                      (options.f16Coefficients
                           ? " is outside the f16 range of the coefficients; "
                             "use f32 coefficients"
                           : " is too large to quantize (limit 1e30)"),
              false);
  }
  return true;
}

namespace {

int64_t effectiveGroupSize(int64_t groupSize, int64_t K) {
  return groupSize <= 0 || groupSize >= K ? K : groupSize;
}

/// The metric of an error measurement: the identity, a diagonal, a dense H
/// (strictly lower triangle in f32, row stride K, and its diagonal), or
/// XᵀX of activation rows X[T][K].
struct Metric {
  const std::vector<double> *diag = nullptr;
  const float *lower = nullptr;
  const float *rows = nullptr;
  int64_t T = 0;
};

/// out[n] = x_nᵀ M x_n for the columns of X = W (What null) or W - Ŵ, by
/// panels of columns; every column's value is computed the same way
/// whatever the panel, so sums over columns in order do not depend on the
/// threads.
void columnForms(const float *W, const float *What, int64_t K, int64_t N,
                 const Metric &metric, int threads, std::vector<double> &out) {
  out.assign(N, 0.0);
  int64_t width = panelWidth(N, K, threads);
  int64_t panels = (N + width - 1) / width;
  parallelFor(panels, threads, [&](int64_t panel) {
    int64_t n0 = panel * width, columns = std::min(width, N - n0);
    int64_t ld = (columns + kTileWidth - 1) / kTileWidth * kTileWidth;
    double *result = out.data() + n0;
    if (!metric.lower && !metric.rows) {
      for (int64_t k = 0; k < K; ++k) {
        double h = metric.diag ? (*metric.diag)[k] : 1.0;
        for (int64_t j = 0; j < columns; ++j) {
          double x = W[k * N + n0 + j];
          if (What)
            x -= What[k * N + n0 + j];
          result[j] += h * (x * x);
        }
      }
      return;
    }
    std::vector<float> X(K * ld, 0.0f);
    for (int64_t k = 0; k < K; ++k)
      for (int64_t j = 0; j < columns; ++j)
        X[k * ld + j] =
            What ? W[k * N + n0 + j] - What[k * N + n0 + j] : W[k * N + n0 + j];
    if (metric.lower) {
      std::vector<double> values(ld);
      quadraticForms(metric.lower, *metric.diag, K, ld, X.data(), ld,
                     values.data());
      std::copy_n(values.data(), columns, result);
      return;
    }
    constexpr int64_t kRowChunk = 256;
    std::vector<float> Y(kRowChunk * ld);
    // metric.rows are scaled by metric.rowScale (a power of two) already.
    for (int64_t t0 = 0; t0 < metric.T; t0 += kRowChunk) {
      int64_t count = std::min(kRowChunk, metric.T - t0);
      std::fill(Y.begin(), Y.end(), 0.0f);
      gemm(count, ld, K, metric.rows + t0 * K, K, X.data(), ld, Y.data(), ld);
      for (int64_t t = 0; t < count; ++t)
        for (int64_t j = 0; j < columns; ++j) {
          double y = Y[t * ld + j];
          result[j] += y * y;
        }
    }
  });
}

/// X[T][K] scaled by a power of two (exactly) so that its largest magnitude
/// is below 1: f32 products with errors of any stored size stay finite, and
/// ratios of ‖X·‖² do not change.
std::vector<float> normalizedRows(const float *X, int64_t T, int64_t K) {
  std::vector<float> scaled(X, X + T * K);
  float largest = 0;
  for (float x : scaled)
    largest = std::max(largest, std::fabs(x));
  if (largest > 0) {
    int exponent = 0;
    std::frexp(largest, &exponent);
    double factor = std::ldexp(1.0, -exponent);
    for (float &x : scaled)
      x = static_cast<float>(x * factor);
  }
  return scaled;
}

double sumOf(const std::vector<double> &values) {
  double total = 0;
  for (double value : values)
    total += value;
  return total;
}

double ratio(double numerator, double denominator) {
  if (numerator <= 0)
    return 0;
  if (denominator <= 0)
    return INFINITY;
  return std::sqrt(numerator / denominator);
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

/// `H` is read below and on its diagonal only. `ownedH` (may be null) is
/// the caller's buffer behind H, released once the solver has its copy.
/// `rows` (may be null) are the rowCount calibration rows H came from.
bool quantizeImpl(const float *W, int64_t K, int64_t N, const double *H,
                  std::vector<double> *ownedH, const float *rows,
                  int64_t rowCount, const Options &given,
                  const HeldOut *heldOut, Result &result, std::string &error) {
  // The callers have run checkArguments, checkHeldOut and checkHessian.
  Options options = resolveSchedule(given, K);
  int threads = resolveThreads(options.threads);
  int64_t groupSize = effectiveGroupSize(options.groupSize, K);
  bool f16 = options.f16Coefficients;
  PlaneKind kind =
      options.method == Method::Trit ? PlaneKind::Ternary : PlaneKind::Binary;
  Grid grid = makeGrid(kind, options.planes);

  Unpacked unpacked;
  Report report;
  HessianContext context;
  std::vector<double> objective;
  bool solved = options.method != Method::RTN;
  std::vector<double> hDiag(H ? K : 0);
  for (int64_t k = 0; k < static_cast<int64_t>(hDiag.size()); ++k)
    hDiag[k] = H[k * K + k];
  if (!buildHessianContext(H, K, groupSize, options, /*factorize=*/solved,
                           context, error))
    return false;
  PhaseTimer rtnTimer(Phase::Rtn);
  if (ownedH)
    std::vector<double>().swap(*ownedH);
  if (!solved) {
    solveRtn(W, K, N, groupSize, options.planes, f16, options.rtnSearch,
             threads, unpacked);
    rtnTimer.stop();
  } else {
    report.damp = context.damp;
    Unpacked rtn;
    if (options.method == Method::BPDQ)
      solveRtn(W, K, N, groupSize, options.planes, f16, options.rtnSearch,
               threads, rtn);
    rtnTimer.stop();
    PhaseTimer solveTimer(Phase::Solve);
    int64_t rtnColumns = 0;
    solveGrid(W, K, N, groupSize, grid, context, options,
              options.method == Method::BPDQ ? &rtn : nullptr, unpacked,
              rtnColumns, objective);
    report.rtnColumns = rtnColumns;
    report.rtnChosen = options.method == Method::BPDQ && rtnColumns == N;
  }
  PhaseTimer reportTimer(Phase::Report);
  // The large factors are not needed past this point.
  FactorMatrix().swap(context.UT);
  std::vector<float>().swap(context.blocks);

  result.packed = pack(grid, unpacked);
  std::vector<float> What(K * N);
  dequantize(result.packed, What.data());
  std::vector<double> errors, references;
  auto relative = [&](const Metric &metric) {
    columnForms(W, What.data(), K, N, metric, threads, errors);
    columnForms(W, nullptr, K, N, metric, threads, references);
    return ratio(sumOf(errors), sumOf(references));
  };
  report.weightRelError = relative(Metric());
  if (!H) {
    report.relError = report.weightRelError;
  } else if (context.diagonal) {
    // A diagonal (or zero) H: exact in f64 from its diagonal (the solver
    // used the identity for a zero H).
    Metric metric;
    metric.diag = &hDiag;
    report.relError = relative(metric);
  } else {
    // With few calibration rows at hand (T <= K/2: H is singular, and its
    // f32 rounding would show first-order in tiny eᵀHe), both sums come
    // from them, ‖XE‖² and ‖XW‖²: 2·T·K multiply-adds per column. Otherwise
    // the solver's objective of the kept candidates over wᵀHw (K²/2).
    Metric metric;
    if (rows && 2 * rowCount <= K) {
      std::vector<float> scaled = normalizedRows(rows, rowCount, K);
      metric.rows = scaled.data();
      metric.T = rowCount;
      report.relError = relative(metric);
    } else {
      metric.diag = &context.diag;
      metric.lower = context.HR.data();
      if (solved) {
        columnForms(W, nullptr, K, N, metric, threads, references);
        report.relError = ratio(sumOf(objective), sumOf(references));
      } else {
        report.relError = relative(metric);
      }
    }
  }
  FactorMatrix().swap(context.HR);
  if (heldOut) {
    report.hasHeldOut = true;
    Metric metric;
    std::vector<float> lower, scaled;
    std::vector<double> diag;
    if (heldOut->X) {
      scaled = normalizedRows(heldOut->X, heldOut->T, K);
      metric.rows = scaled.data();
      metric.T = heldOut->T;
    } else {
      // In units of its mean diagonal, so that f32 holds it.
      double trace = 0;
      for (int64_t i = 0; i < K; ++i)
        trace += heldOut->H[i * K + i];
      double scale = trace > 0 ? static_cast<double>(K) / trace : 1.0;
      lower.assign(K * K, 0.0f);
      diag.resize(K);
      for (int64_t i = 0; i < K; ++i) {
        diag[i] = heldOut->H[i * K + i] * scale;
        for (int64_t j = 0; j < i; ++j)
          lower[i * K + j] = static_cast<float>(heldOut->H[i * K + j] * scale);
      }
      metric.lower = lower.data();
      metric.diag = &diag;
    }
    report.heldOutRelError = relative(metric);
  }
  report.bitsPerWeight =
      storedBitsPerWeight(K, result.packed.numPlanes, result.packed.numCoeffs,
                          groupSize, f16 ? 16 : 32, result.packed.subBlock);
  result.report = report;
  reportTimer.stop();
  printProfile(K, N);
  return true;
}

} // namespace

bitsink::quant::Options bitsink::quant::resolveSchedule(const Options &options,
                                                        int64_t K) {
  Options resolved = options;
  int64_t groupSize = effectiveGroupSize(options.groupSize, K);
  bool large = K > 0 && (K + groupSize - 1) / groupSize >= kLargeLayerGroups;
  if (resolved.iterations == 0)
    resolved.iterations = large ? kLargeLayerIterations : 8;
  if (resolved.sweeps < 0)
    resolved.sweeps = large ? kLargeLayerSweeps : 2;
  return resolved;
}

bool bitsink::quant::checkHessian(const double *H, int64_t K,
                                  const std::string &what, std::string &error) {
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

namespace {
/// What quantizeImpl works on under Options::rotationBlock: RᵀW, the
/// rotated calibration (RᵀHR or X·R) and held-out data (same), each a copy.
struct Rotated {
  Rotation rotation;
  std::vector<float> W, rows, heldOutRows;
  std::vector<double> H, heldOutH;
  HeldOut heldOut;

  Rotated(const float *w, int64_t K, int64_t N, const Options &options,
          const HeldOut *given)
      : rotation(makeRotation(K, options.rotationBlock, options.rotationSeed)) {
    if (!rotation.enabled())
      return;
    W.assign(w, w + K * N);
    rotateWeight(rotation, W.data(), N);
    if (given) {
      heldOut.T = given->T;
      if (given->X) {
        heldOutRows.assign(given->X, given->X + given->T * K);
        rotateRows(rotation, heldOutRows.data(), given->T);
        heldOut.X = heldOutRows.data();
      } else {
        heldOutH.assign(given->H, given->H + K * K);
        rotateHessian(rotation, heldOutH.data());
        heldOut.H = heldOutH.data();
      }
    }
  }
  /// The rotated weight must fit the coefficients as the weight does
  /// (|RᵀW| can exceed max |W| by up to √b).
  bool checkRange(int64_t N, const Options &options, std::string &error) const {
    return !rotation.enabled() ||
           detail::checkWeightRange(W.data(), rotation.K, N, options,
                                    "the rotated weight RᵀW", error);
  }
  const float *weight(const float *w) const {
    return rotation.enabled() ? W.data() : w;
  }
  const HeldOut *held(const HeldOut *given) const {
    return rotation.enabled() && given ? &heldOut : given;
  }
  const double *hessian(const double *h, int64_t K) {
    if (!rotation.enabled() || !h)
      return h;
    H.assign(h, h + K * K);
    rotateHessian(rotation, H.data());
    return H.data();
  }
  const float *calibrationRows(const float *x, int64_t T) {
    if (!rotation.enabled() || !x)
      return x;
    rows.assign(x, x + T * rotation.K);
    rotateRows(rotation, rows.data(), T);
    return rows.data();
  }
};
} // namespace

bool bitsink::quant::quantizeWithHessian(const float *W, int64_t K, int64_t N,
                                         const double *H,
                                         const Options &options, Result &result,
                                         std::string &error,
                                         const HeldOut *heldOut) {
  if (!H)
    return (error = "Hessian pointer is null", false);
  if (!checkArguments(W, K, N, options, error) ||
      !checkHeldOut(heldOut, K, error) || !checkHessian(H, K, "Hessian", error))
    return false;
  Rotated rotated(W, K, N, options, heldOut);
  if (!rotated.checkRange(N, options, error))
    return false;
  const double *hessian = rotated.hessian(H, K);
  if (!quantizeImpl(rotated.weight(W), K, N, hessian, nullptr, nullptr, 0,
                    options, rotated.held(heldOut), result, error))
    return false;
  result.rotation = std::move(rotated.rotation);
  return true;
}

bool bitsink::quant::quantize(const float *W, int64_t K, int64_t N,
                              const float *X, int64_t T, const Options &options,
                              Result &result, std::string &error,
                              const HeldOut *heldOut) {
  // Reject bad weights, options and data before spending time on XᵀX.
  if (!checkArguments(W, K, N, options, error) ||
      !checkHeldOut(heldOut, K, error))
    return false;
  if (X && !checkRows(X, T, K, "calibration data", error))
    return false;
  Rotated rotated(W, K, N, options, heldOut);
  if (!rotated.checkRange(N, options, error))
    return false;
  bool ok;
  if (!X) {
    ok = quantizeImpl(rotated.weight(W), K, N, nullptr, nullptr, nullptr, 0,
                      options, rotated.held(heldOut), result, error);
  } else {
    const float *rows = rotated.calibrationRows(X, T);
    PhaseTimer hessianTimer(Phase::Hessian);
    HessianAccumulator accumulator(K, options.threads);
    if (!accumulator.add(rows, T, error))
      return false;
    std::vector<double> H = accumulator.takeHessian(/*symmetric=*/false);
    hessianTimer.stop();
    ok = quantizeImpl(rotated.weight(W), K, N, H.data(), &H, rows, T, options,
                      rotated.held(heldOut), result, error);
  }
  if (ok)
    result.rotation = std::move(rotated.rotation);
  return ok;
}

bool detail::quantizeWithHessianOfRows(const float *W, int64_t K, int64_t N,
                                       const double *H, const float *X,
                                       int64_t T, const Options &options,
                                       Result &result, std::string &error) {
  // quantize()'s checks, in its order; H comes from these rows.
  if (!checkArguments(W, K, N, options, error))
    return false;
  if (!X || !H)
    return (error = "calibration rows and their Hessian are both needed",
            false);
  if (!checkRows(X, T, K, "calibration data", error))
    return false;
  if (options.rotationBlock)
    return (error = "quantizeWithHessianOfRows takes rotated data, not a "
                    "rotation",
            false);
  return quantizeImpl(W, K, N, H, nullptr, X, T, options, nullptr, result,
                      error);
}

void bitsink::quant::dequantizeResult(const Result &result, float *What) {
  dequantize(result.packed, What);
  unrotateWeight(result.rotation, What, result.packed.N);
}

//===----------------------------------------------------------------------===//
// HessianAccumulator
//===----------------------------------------------------------------------===//

namespace {
/// Rows per f32 partial sum; partial sums are flushed into f64.
constexpr int64_t kGramChunk = 256;
} // namespace

HessianAccumulator::HessianAccumulator(int64_t K, int threads)
    : K(K), threads(threads) {
  pending.reserve(kGramChunk * std::max<int64_t>(K, 0));
}

bool HessianAccumulator::add(const float *X, int64_t rows, std::string &error) {
  if (K <= 0)
    return (error = "the Hessian needs K > 0, got K = " + std::to_string(K),
            false);
  if (rows < 0 || (rows > 0 && !X))
    return (error = "calibration rows must be a non-null T x K matrix", false);
  if (rows > 0 && !checkRows(X, rows, K, "calibration data", error))
    return false;
  if (sum.empty() && K > 0)
    sum.assign(K * K, 0.0);
  for (int64_t t = 0; t < rows;) {
    int64_t take = std::min(
        rows - t, kGramChunk - static_cast<int64_t>(pending.size()) / K);
    pending.insert(pending.end(), X + t * K, X + (t + take) * K);
    t += take;
    count += take;
    if (static_cast<int64_t>(pending.size()) == kGramChunk * K)
      flush();
  }
  return true;
}

namespace {
/// sum[i][j] += Σ_t x_t[i]·x_t[j] (j <= i) over `rows` rows X[rows][K]
/// (scaled in place): per block of 64 rows of H one gemm of
/// Xᵀ[block][t] · X[t][0..block end) in f32, then added into f64. Blocks
/// are independent tasks and every element's sums run in the same order,
/// so the result does not depend on the threads; HessianAccumulator calls
/// it on chunks of kGramChunk rows, which makes its result independent of
/// how the rows were split into add() calls.
void addGram(std::vector<float> &X, int64_t rows, int64_t K, int threads,
             std::vector<double> &sum) {
  // Values far from 1 are scaled by a power of two (exact) so that f32
  // products and their sums neither overflow nor underflow; the f64 sums
  // get the scale back.
  float largest = 0;
  for (float x : X)
    largest = std::max(largest, std::fabs(x));
  double unscale = 1;
  if (largest > 0x1p40f || (largest > 0 && largest < 0x1p-40f)) {
    int exponent = 0;
    std::frexp(largest, &exponent);
    // In f64: 2^-exponent itself may be outside f32's range.
    double factor = std::ldexp(1.0, -exponent);
    for (float &x : X)
      x = static_cast<float>(x * factor);
    unscale = std::ldexp(1.0, 2 * exponent);
  }
  std::vector<float> transposed(K * rows);
  for (int64_t t = 0; t < rows; ++t)
    for (int64_t k = 0; k < K; ++k)
      transposed[k * rows + t] = X[t * K + k];
  constexpr int64_t kRows = 64;
  int64_t blocks = (K + kRows - 1) / kRows;
  parallelFor(blocks, threads, [&](int64_t task) {
    int64_t block = blocks - 1 - task;
    int64_t i0 = block * kRows, i1 = std::min(K, i0 + kRows);
    std::vector<float> acc((i1 - i0) * i1, 0.0f);
    gemm(i1 - i0, i1, rows, transposed.data() + i0 * rows, rows, X.data(), K,
         acc.data(), i1);
    for (int64_t i = i0; i < i1; ++i)
      for (int64_t j = 0; j <= i; ++j)
        sum[i * K + j] += unscale * acc[(i - i0) * i1 + j];
  });
}

/// H = sum / rows in the lower triangle (and the upper one, mirrored, when
/// `symmetric`).
void scaleHessian(std::vector<double> &H, int64_t K, int64_t rows,
                  bool symmetric) {
  if (H.empty())
    H.assign(K * K, 0.0);
  double scale = rows > 0 ? 1.0 / static_cast<double>(rows) : 0.0;
  for (int64_t i = 0; i < K; ++i)
    for (int64_t j = 0; j <= i; ++j) {
      H[i * K + j] *= scale;
      if (symmetric)
        H[j * K + i] = H[i * K + j];
    }
}
} // namespace

void HessianAccumulator::flush() {
  int64_t rows = static_cast<int64_t>(pending.size()) / std::max<int64_t>(K, 1);
  if (rows == 0)
    return;
  addGram(pending, rows, K, threads, sum);
  pending.clear();
}

std::vector<double> HessianAccumulator::takeHessian(bool symmetric) {
  flush();
  std::vector<double> H;
  H.swap(sum);
  scaleHessian(H, K, count, symmetric);
  count = 0;
  return H;
}

std::vector<double> HessianAccumulator::currentHessian() const {
  std::vector<double> H = sum;
  if (H.empty() && K > 0)
    H.assign(K * K, 0.0);
  int64_t rows = static_cast<int64_t>(pending.size()) / std::max<int64_t>(K, 1);
  if (rows > 0) {
    std::vector<float> copy = pending;
    addGram(copy, rows, K, threads, H);
  }
  scaleHessian(H, K, count, /*symmetric=*/true);
  return H;
}

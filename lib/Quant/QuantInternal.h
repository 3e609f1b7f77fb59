//===- QuantInternal.h - shared pieces of the quantizers --------*- C++ -*-===//
//
// Internal to lib/Quant: the value grid of a plane kind, the unpacked form of
// a quantized matrix (one code per weight), the Hessian context shared by the
// Hessian-aware solvers, the dense f32 kernels, and a deterministic
// parallel-for.
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_LIB_QUANT_QUANTINTERNAL_H
#define BITSINK_LIB_QUANT_QUANTINTERNAL_H

#include "bitsink/Quant/Quantizer.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

/// The vector kernels' build switches (Kernels.cpp, Rtn.cpp): x86 copies
/// with target attributes where the compiler supports them, and forced
/// inlining of their helpers.
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define BITSINK_QUANT_X86 1
#endif

#if defined(__clang__) || defined(__GNUC__)
#define BITSINK_ALWAYS_INLINE __attribute__((always_inline)) inline
#else
#define BITSINK_ALWAYS_INLINE inline
#endif

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
  /// Sub-block scale codes (Options::subBlock; 0: none): [ceil(K/S)][N].
  int64_t subBlock = 0;
  std::vector<uint8_t> scaleCodes;
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

/// Where quantize()'s time goes, printed to stderr after every call when
/// the environment variable BITSINK_QUANT_PROFILE is set (to anything but
/// "0"; `bitsink-quant-speed --profile` sets it). The top-level phases are
/// wall seconds; the Solve* phases are summed over the threads that run
/// column panels (thread-seconds). Timing changes no result.
enum class Phase : int {
  Hessian,     // XᵀX into f64
  Context,     // H into f32, group blocks, reordering, transposes
  Factor,      // blocked Cholesky of H + δI
  Invert,      // blocked triangular inversion
  Rtn,         // the rtn solution (rtn itself or bpdq's candidate)
  Solve,       // bpdq / trit on all panels
  Report,      // packing, dequantization and the error report
  AssignGemm,  // GPTQ passes: the products with Uᵀ
  AssignOther, // GPTQ passes: nearest values, group-entry fits, ν
  Gradient,    // r = He = -Rν - δe after a pass, and f
  RefitGemm,   // refit sweeps: left-looking products with H
  RefitNormal, // refit sweeps: H_gg·D and the normal matrices
  RefitOther,  // refit sweeps: the small solves and updates
  SolveOther,  // the rtn candidate's f, record, setup, results
  Count
};
bool profiling();
/// Adds the seconds it lives to `phase` (when profiling). The Solve*
/// parts count exclusive time: a timer of one of them started inside
/// another on the same thread pauses the outer one until it stops. Timers
/// stop in the reverse order of their start.
class PhaseTimer {
public:
  explicit PhaseTimer(Phase phase);
  ~PhaseTimer() { stop(); }
  PhaseTimer(const PhaseTimer &) = delete;
  PhaseTimer &operator=(const PhaseTimer &) = delete;
  /// Adds the time so far and stops; later calls do nothing.
  void stop();

private:
  Phase phase;
  bool running = false;
  int64_t start = 0;
  PhaseTimer *outer = nullptr;
};
/// Prints the phases' seconds since the last call (when profiling) and
/// resets them.
void printProfile(int64_t K, int64_t N);

/// std::allocator that leaves new elements of trivial types uninitialized
/// on resize(), so that the threads that write a large matrix first also
/// touch its pages first (a value-initializing resize() would zero it on
/// one thread).
template <typename T> struct UninitializedAllocator : std::allocator<T> {
  template <typename U> struct rebind {
    using other = UninitializedAllocator<U>;
  };
  UninitializedAllocator() = default;
  template <typename U>
  UninitializedAllocator(const UninitializedAllocator<U> &) noexcept {}
  template <typename U> void construct(U *p) noexcept {
    ::new (static_cast<void *>(p)) U;
  }
  template <typename U, typename... Args> void construct(U *p, Args &&...args) {
    ::new (static_cast<void *>(p)) U(std::forward<Args>(args)...);
  }
};
/// The K×K f32 matrices of HessianContext; every element is written
/// before it is read.
using FactorMatrix = std::vector<float, UninitializedAllocator<float>>;

/// The metric and the GPTQ factor shared by all column panels. Large
/// matrices are f32 (what GPTQ uses; half the memory and twice the speed
/// of f64), the small per-row quantities f64.
struct HessianContext {
  int64_t K = 0;
  /// True when H (and hence U) is diagonal: products become scalings and
  /// GPTQ propagates nothing.
  bool diagonal = true;
  std::vector<double> diag; // H[k][k]
  /// Mean of diag(H); the unit of the damping and ridge options.
  double meanDiag = 1;
  /// Processing order of the rows (act-order or identity) and its inverse:
  /// row order[i] is processed at position i = position[order[i]].
  std::vector<int64_t> order, position;
  /// Damping actually used (after retries), relative to meanDiag, and the
  /// absolute δ = damp · meanDiag added to the diagonal.
  double damp = 0, delta = 0;
  /// U[i][i] for position i, where (H_order + δI)^-1 = UᵀU (U upper,
  /// rows in processing order): GPTQ charges a rounding error at position
  /// i with weight 1/U[i][i]².
  std::vector<double> uDiag;

  // Only when !diagonal. Then `diag`, HR, R, Uᵀ and the blocks are in
  // units of H's mean diagonal (and meanDiag is 1), so f32 holds any H.
  /// [K][K] f32. Strictly below the diagonal: H[k][k2] (k2 < k) in natural
  /// row order. Strictly above: R[i][m] (m > i) in processing order, the
  /// upper factor of H_order + δI = RRᵀ (R = U^-1). Diagonals: `diag` and
  /// rDiag.
  FactorMatrix HR;
  std::vector<float> rDiag;
  /// [K][K] f32. On and below the diagonal (m <= i): UT = Uᵀ in processing
  /// order. Strictly above: H[k][k2] (k2 > k) in natural order, so that
  /// H·x is lowerTimes(HR) + upperTimes(UT) + diag·x.
  FactorMatrix UT;
  /// Groups of `groupSize` rows in natural order, and their dense diagonal
  /// blocks H_gg ([G][groupSize][groupSize], f32, zero-padded past K).
  int64_t groupSize = 0, numGroups = 0;
  std::vector<float> blocks;
  /// [G·groupSize]: H_gg·1 for the group of each row.
  std::vector<float> blockOnes;
};

/// The instruction sets the kernels and the solver are compiled for;
/// cpuLevel() is the best one this CPU has (x86-64 only; elsewhere
/// Baseline), unless setCpuLevel() picked a lower one (tests compare them);
/// it returns the level it set.
enum class CpuLevel { Baseline, Avx2, Avx512 };
CpuLevel cpuLevel();
CpuLevel setCpuLevel(CpuLevel level);

/// C[M][N] += A[M][inner] · B[inner][N] (row-major with leading dimensions
/// lda, ldb, ldc), f32 with fused multiply-adds. Every element sums its
/// products in increasing inner index from its value in C, whatever the
/// blocking, ISA or caller, so results are bit-identical across machines
/// with FMA, threads and panel widths.
void gemm(int64_t M, int64_t N, int64_t inner, const float *A, int64_t lda,
          const float *B, int64_t ldb, float *C, int64_t ldc);

/// Y[i][0..N) += Σ_{k < i} L[i][k] · X[k][0..N) for i < K: the strictly
/// lower triangle of the K×K matrix L (row stride K) times X (ldx = ldy).
void lowerTimes(const float *L, int64_t K, int64_t N, const float *X,
                int64_t ld, float *Y);
/// Y[i][0..N) += Σ_{m > i} R[i][m] · X[m][0..N): the strictly upper
/// triangle of R (row stride K) times X.
void upperTimes(const float *R, int64_t K, int64_t N, const float *X,
                int64_t ld, float *Y);

/// xᵀHx per column n < N of X[K][ld] with H given by its strictly lower
/// triangle `L` (row stride K) and its diagonal: Σ_k x_k (H_kk x_k +
/// 2 Σ_{k2<k} H_kk2 x_k2), in f64 from an f32 product.
void quadraticForms(const float *L, const std::vector<double> &diag, int64_t K,
                    int64_t N, const float *X, int64_t ld, double *out);

/// Builds the context from H (nullptr: identity; read below and on the
/// diagonal only). Without `factorize` only the metric (diag, HR below the
/// diagonal) is built. Fails only if no damping up to a large multiple
/// makes H positive definite.
bool buildHessianContext(const double *H, int64_t K, int64_t groupSize,
                         const Options &options, bool factorize,
                         HessianContext &context, std::string &error);

/// Fails with a message naming `what` when W has a non-finite value or one
/// outside what the coefficients can hold (f16: ±65504).
bool checkWeightRange(const float *W, int64_t K, int64_t N,
                      const Options &options, const char *what,
                      std::string &error);

/// quantize(W, K, N, X, T, options, result, error) when H = XᵀX/T of the
/// rows X[T][K] is at hand (HessianAccumulator's; read below and on the
/// diagonal only): the same checks and the same result, bit for bit, report
/// included (which measures relError on the rows when T <= K/2), without
/// forming XᵀX again. measureBudgetCandidates quantizes every candidate of
/// a weight with it. It takes no rotation (options.rotationBlock = 0): for
/// quantize()'s rotated result pass RᵀW, X·R and the XᵀX of those rows
/// (measureBudgetCandidates rotates once for every candidate) and set
/// result.rotation.
bool quantizeWithHessianOfRows(const float *W, int64_t K, int64_t N,
                               const double *H, const float *X, int64_t T,
                               const Options &options, Result &result,
                               std::string &error);

/// Per-group uniform grids (the rtn method and bpdq's baseline): the plain
/// min-max grid, or with `search` the best of it and the searched grids by
/// squared weight error per group and column (docs/quantizer.md, rtn).
void solveRtn(const float *W, int64_t K, int64_t N, int64_t groupSize,
              int planes, bool f16, bool search, int threads, Unpacked &out);

/// bpdq (binary grid) and trit (ternary grid), the two kinds it supports:
/// alternating GPTQ-style assignment and Hessian-metric ridge refit, best
/// iterate per column. `baseline` (may be null) is one more candidate;
/// `baselineColumns` returns how many columns kept it, `objective[n]` the
/// kept candidate's (w_n - ŵ_n)ᵀ H (w_n - ŵ_n) in the metric of `context`.
void solveGrid(const float *W, int64_t K, int64_t N, int64_t groupSize,
               const Grid &grid, const HessianContext &context,
               const Options &options, const Unpacked *baseline, Unpacked &out,
               int64_t &baselineColumns, std::vector<double> &objective);

/// Column panels: widths are multiples of kTileWidth; results do not depend
/// on the width, which is chosen for speed from N, K and the thread count.
constexpr int64_t kTileWidth = 32, kWidePanelRows = 4096;
int64_t panelWidth(int64_t N, int64_t K, int threads);

} // namespace bitsink::quant::detail

#endif // BITSINK_LIB_QUANT_QUANTINTERNAL_H

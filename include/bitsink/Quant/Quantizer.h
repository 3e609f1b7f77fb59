//===- Quantizer.h - bit-plane weight quantizers ----------------*- C++ -*-===//
//
// The quantizer library of docs/semantics.md §3: rtn, bpdq and trit quantizers
// that turn a row-major float matrix W[K][N] (K input features, N outputs) into
// the packed bit-planes and per-group coefficients of `bitsink.bitplane_matmul`
// (docs/semantics.md §2.3, canonical layout), with an error report. Plain
// C++17, no MLIR or LLVM dependency: the pass, the C API, tools and Python
// share it.
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_QUANT_QUANTIZER_H
#define BITSINK_QUANT_QUANTIZER_H

#include <cstdint>
#include <string>
#include <vector>

namespace bitsink::quant {

enum class Method { RTN, BPDQ, Trit };
enum class PlaneKind { Binary, Signed, Ternary };

/// Parses "rtn" / "bpdq" / "trit"; returns false on anything else.
bool parseMethod(const std::string &name, Method &method);
const char *methodName(Method method);
const char *planeKindName(PlaneKind kind);

struct Options {
  Method method = Method::BPDQ;
  /// Stored bit-planes P: 1-4 for rtn/bpdq, 2 or 4 for trit.
  int planes = 2;
  /// Rows per coefficient group: a multiple of 32, or <= 0 (or >= K) for
  /// one group per output column (per channel).
  int64_t groupSize = 128;
  /// bpdq: alternating refit / assignment rounds; trit: scale-fit rounds.
  /// 0 (the default): by layer size, 8, or kLargeLayerIterations for layers
  /// with at least kLargeLayerGroups groups per column (docs/quantizer.md,
  /// "Speed": on those a sweep lowers the error more than a round, at a
  /// third of its work).
  int iterations = 0;
  /// bpdq and trit: coefficient refit sweeps over the groups after the
  /// rounds, from each column's best candidate (its codes fixed), in
  /// alternating directions (docs/quantizer.md, step 5). -1 (the default):
  /// by layer size, 2, or kLargeLayerSweeps.
  int sweeps = -1;
  /// Hessian damping as a fraction of the mean diagonal (GPTQ's percdamp).
  double damp = 0.01;
  /// Ridge term of the coefficient refit, relative to the mean diagonal.
  double ridge = 1e-4;
  /// bpdq: process rows in order of decreasing Hessian diagonal.
  bool actOrder = false;
  /// Round coefficients to f16 (what the pass stores by default) before the
  /// error is measured and before they are returned.
  bool f16Coefficients = true;
  /// Worker threads; 0 = hardware concurrency. Results do not depend on it.
  int threads = 0;
  /// rtn (and bpdq's rtn candidate): search each group's uniform grid for
  /// the least squared weight error, never above the plain min-max grid's;
  /// false keeps the plain min-max grid (docs/quantizer.md, rtn).
  bool rtnSearch = true;
  /// Incoherence rotation (docs/quantizer.md, "Rotation"): 0 (the default)
  /// quantizes W; a power of two b quantizes RᵀW instead, R the orthogonal
  /// K×K matrix diag(s)·blockdiag(H_b', …) of makeRotation (H_b' the
  /// normalized Walsh–Hadamard matrix of the largest power of two b' <= b
  /// that divides K; no rotation when that is 1), and the input of the
  /// product must be multiplied by R first: x·W ≈ (x·R)·Ŵ.
  int64_t rotationBlock = 0;
  /// Seed of the rotation's ±1 signs s (rotationSigns).
  uint64_t rotationSeed = 0;
  /// Sub-block scale codes (docs/semantics.md §2.3, "Sub-block scale
  /// codes"): 0 (the default) for none; 8, 16 or 32 gives every `subBlock`
  /// rows of a column a 4-bit code q that multiplies the group's grid by
  /// (q + 1)/16, chosen with the planes. bpdq and trit only, in natural row
  /// order (no actOrder). Sub-blocks never straddle groups (a group size
  /// is a multiple of 32); K need not be a multiple of S.
  int64_t subBlock = 0;
};

/// Bits of one sub-block scale code, and the multiplier code q stands for:
/// (q + 1) / 2^kScaleCodeBits (exact in f32).
constexpr int kScaleCodeBits = 4;
inline float scaleMultiplier(unsigned code) {
  return static_cast<float>(code + 1) / static_cast<float>(1 << kScaleCodeBits);
}
/// Whether S is a sub-block size the format has (8, 16 or 32).
inline bool isSubBlockSize(int64_t S) { return S == 8 || S == 16 || S == 32; }
/// Sub-blocks of S rows in K rows, ceil(K/S), and the 32-bit words their
/// codes take per column, ceil(ceil(K/S)/8).
inline int64_t numSubBlocks(int64_t K, int64_t S) { return (K + S - 1) / S; }
inline int64_t numScaleWords(int64_t K, int64_t S) {
  return (numSubBlocks(K, S) + 7) / 8;
}

/// The rotation R = diag(signs)·blockdiag(H_b, …, H_b) of K rows, H_b the
/// b×b Walsh–Hadamard matrix divided by √b (symmetric and orthogonal), so
/// that RᵀR = I and x·W = (x·R)·(RᵀW). block = 0: none (R = I).
struct Rotation {
  int64_t K = 0;
  int64_t block = 0;
  std::vector<float> signs; // K entries of ±1; empty without a rotation
  bool enabled() const { return block > 0; }
};

/// The block Options::rotationBlock = `requested` gives for K rows: the
/// largest power of two <= requested that divides K, or 0 when that is 1
/// (K odd) or requested <= 0.
int64_t effectiveRotationBlock(int64_t requested, int64_t K);

/// R for K rows with the block effectiveRotationBlock(requested, K) and
/// signs drawn from `seed` (the same on every platform).
Rotation makeRotation(int64_t K, int64_t requested, uint64_t seed);

/// rows[T][K] ← rows·R (what the consumer of a rotated weight does to its
/// input).
void rotateRows(const Rotation &rotation, float *rows, int64_t T);
/// W[K][N] ← RᵀW (the weight the quantizer packs).
void rotateWeight(const Rotation &rotation, float *W, int64_t N);
/// W[K][N] ← R·W (a rotated weight back in the input's basis).
void unrotateWeight(const Rotation &rotation, float *W, int64_t N);
/// H[K][K] ← RᵀHR (the Hessian of the rotated rows), read from its lower
/// triangle and diagonal; the result is symmetric.
void rotateHessian(const Rotation &rotation, double *H);
/// R's diagonal blocks [K/b][b][b]: block i holds R[i·b + l][i·b + j] at
/// [i][l][j], the constant bitsink-quantize-weights multiplies by.
std::vector<float> rotationBlocks(const Rotation &rotation);

/// The schedule of Options::iterations = 0 and sweeps = -1 for layers with
/// at least kLargeLayerGroups coefficient groups per column.
constexpr int64_t kLargeLayerGroups = 32;
constexpr int kLargeLayerIterations = 2;
constexpr int kLargeLayerSweeps = 6;

/// Options::iterations and Options::sweeps with their by-size defaults
/// resolved for a layer of K rows.
Options resolveSchedule(const Options &options, int64_t K);

/// docs/semantics.md §2.3 canonical layout.
struct Packed {
  int64_t K = 0, N = 0;
  PlaneKind kind = PlaneKind::Binary;
  int64_t numPlanes = 0;        // P
  int64_t groupSize = 0;        // effective rows per group (>= K: per channel)
  int64_t numGroups = 0;        // G = ceil(K / groupSize)
  int64_t numCoeffs = 0;        // C = terms + 1
  int64_t numWords = 0;         // KW = ceil(K / 32)
  std::vector<uint32_t> planes; // [P][KW][N], bit i of word w is row 32w+i
  std::vector<float> coeffs;    // [G][C][N]; c[g][0] is the offset
  /// Sub-block scale codes: 0 for none, else S rows per code; then
  /// numScaleWords = ceil(ceil(K/S)/8) and scales [numScaleWords][N] holds
  /// the code of sub-block 8w + j in bits 4j..4j+3 of word w (codes of
  /// sub-blocks >= ceil(K/S) are zero). Ŵ[k][n] is the §2.3 value times
  /// scaleMultiplier(code of sub-block k/S).
  int64_t subBlock = 0;
  int64_t numScaleWords = 0;
  std::vector<uint32_t> scales;
  bool hasScales() const { return subBlock > 0; }
};

struct Report {
  /// ||X(W - Ŵ)||_F / ||XW||_F on the calibration rows (the rows the
  /// quantizer fits to) with calibration data, else ||W-Ŵ||/||W||; 0 when
  /// the numerator is 0, +inf when only the denominator is.
  double relError = 0;
  /// Whether held-out rows were given, and ||X(W - Ŵ)||_F / ||XW||_F on
  /// them (same conventions as relError). A held-out error well above
  /// relError means the quantizer overfits the calibration rows.
  bool hasHeldOut = false;
  double heldOutRelError = 0;
  /// ||W - Ŵ||_F / ||W||_F always.
  double weightRelError = 0;
  /// Bits stored per weight: storedBitsPerWeight() of the packed result
  /// (P·32·ceil(K/32)/K + 16·C·G/K with f16 coefficients, 32 with f32; the
  /// last group counts whole when the group size does not divide K).
  double bitsPerWeight = 0;
  /// bpdq: whether the rtn candidate won.
  bool rtnChosen = false;
  /// bpdq picks the best candidate per output column (columns are separable
  /// in tr((W-Ŵ)ᵀH(W-Ŵ))): the number of columns where rtn won.
  /// rtnChosen is true when that is every column.
  int64_t rtnColumns = 0;
  /// Damping actually used, relative to the mean Hessian diagonal (larger
  /// than Options::damp when H needed more to be positive definite).
  double damp = 0;
};

struct Result {
  /// With Options::rotationBlock: the planes and coefficients of RᵀW.
  Packed packed;
  Report report;
  /// The rotation applied (enabled() only with Options::rotationBlock).
  Rotation rotation;
};

/// Activation rows the quantizer does not fit to, for the report's
/// heldOutRelError: X[T][K] (row-major), or, when X is null, their Hessian
/// H[K][K] (symmetric, e.g. XᵀX/T; the scale does not matter).
struct HeldOut {
  const float *X = nullptr;
  int64_t T = 0;
  const double *H = nullptr;
};

/// Quantizes W[K][N]. `X` (T rows of K activations, row-major) is optional
/// calibration data (nullptr: identity Hessian). `heldOut` (optional) adds
/// the error on other rows to the report. Returns false and sets `error` on
/// bad arguments (sizes, planes, group size, non-finite W, X or held-out
/// rows).
bool quantize(const float *W, int64_t K, int64_t N, const float *X, int64_t T,
              const Options &options, Result &result, std::string &error,
              const HeldOut *heldOut = nullptr);

/// Same with a precomputed Hessian H[K][K] (symmetric, e.g. XᵀX/T).
bool quantizeWithHessian(const float *W, int64_t K, int64_t N, const double *H,
                         const Options &options, Result &result,
                         std::string &error, const HeldOut *heldOut = nullptr);

/// Checks a Hessian H[K][K] as quantizeWithHessian and the held-out Hessian
/// of HeldOut need it: every entry finite, the diagonal non-negative and H
/// symmetric (|H[i][j] - H[j][i]| <= 1e-6 of the largest diagonal entry).
/// Returns false with a message starting with `what` otherwise.
bool checkHessian(const double *H, int64_t K, const std::string &what,
                  std::string &error);

/// Bits stored per weight of a K-row weight: per output column, P planes of
/// ceil(K/32) 32-bit words and ceil(K/groupSize) groups of `numCoeffs`
/// coefficients of `coefficientBits` bits, plus with sub-block codes
/// (`subBlock` > 0) ceil(ceil(K/subBlock)/8) 32-bit words of codes, divided
/// by K. `groupSize` <= 0 or >= K means one group. For K = 576, P = 3, 4 f16
/// coefficients per group of 128: 3 + 16·4·5/576 = 3.556 (five groups, the
/// last one of 64 rows).
double storedBitsPerWeight(int64_t K, int64_t planes, int64_t numCoeffs,
                           int64_t groupSize, int coefficientBits,
                           int64_t subBlock = 0);

/// Packs scale codes[ceil(K/S)][N] (each < 16) into the words of
/// Packed::scales.
std::vector<uint32_t> packScaleCodes(const uint8_t *codes, int64_t numSubBlocks,
                                     int64_t N);

/// Accumulates the Hessian H = XᵀX/T of calibration rows given in batches,
/// without keeping them: K² doubles (plus 256 pending rows), whatever T is.
/// The result depends only on the rows in order, not on how they were split
/// into batches or on the thread count. quantize() with X uses it.
class HessianAccumulator {
public:
  explicit HessianAccumulator(int64_t K, int threads = 0);
  /// Adds rows X[rows][K]; false with a message on non-finite values.
  bool add(const float *X, int64_t rows, std::string &error);
  int64_t rows() const { return count; }
  /// H = Σ_t x_tᵀx_t / rows (K×K, symmetric, row-major; zero without rows),
  /// for quantizeWithHessian. Hands over the accumulated sums (no copy of
  /// the K² doubles): the accumulator starts again from no rows.
  std::vector<double> hessian() { return takeHessian(/*symmetric=*/true); }
  /// The same with only the lower triangle and the diagonal filled.
  std::vector<double> takeHessian(bool symmetric);
  /// H of the rows added so far (symmetric), leaving the accumulator as it
  /// is: the pending rows are added to a copy of the sums exactly as the
  /// next flush would add them, so the result equals what hessian() would
  /// hand over now, and later rows are summed as if it had not been called.
  std::vector<double> currentHessian() const;

private:
  void flush();
  int64_t K;
  int threads;
  int64_t count = 0;
  std::vector<float> pending;
  std::vector<double> sum;
};

/// Ŵ[K][N] from packed planes and coefficients (docs/semantics.md §2.3
/// formula).
void dequantize(const Packed &packed, float *What);

/// Ŵ[K][N] of a result in the basis of the weight given to the quantizer:
/// dequantize(), then R·Ŵ when the result is rotated.
void dequantizeResult(const Result &result, float *What);

/// Packs per-weight plane bits `bits[K][N]` (bit p = plane p) into the
/// planes [P][KW][N] of the canonical layout; bits of rows >= K are zero.
std::vector<uint32_t> packPlanes(const uint8_t *bits, int64_t K, int64_t N,
                                 int64_t numPlanes);

/// Inverse of packPlanes: bits[K][N] of `packed.planes`.
std::vector<uint8_t> unpackPlanes(const Packed &packed);

/// Checks that a packed buffer is self-consistent (sizes, P for the kind,
/// group size, finite coefficients, zero bits in rows >= K); returns false
/// with a message otherwise.
bool validate(const Packed &packed, std::string &error);

} // namespace bitsink::quant

#endif // BITSINK_QUANT_QUANTIZER_H

//===- Reference.h - naive reference semantics of the bitsink ops -*- C++
//-*-===//
//
// The math of docs/semantics.md §2 as plain loops in double precision, written
// to be obviously correct rather than fast. Tests and `bitsink-run --reference`
// compare compiled kernels against these. No MLIR dependency: inputs are
// dense C-order float arrays (callers convert f16/bf16 first).
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_REFERENCE_REFERENCE_H
#define BITSINK_REFERENCE_REFERENCE_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace bitsink::reference {

/// `bitsink.sink_attention`. Shapes: query B×Hq×Nq×D, key B×Hkv×Nk×D,
/// value B×Hkv×Nk×Dv, output B×Hq×Nq×Dv.
struct SinkAttentionProblem {
  int64_t batch = 1, queryHeads = 1, kvHeads = 1, numQueries = 1, numKeys = 1,
          headDim = 1, valueDim = 1;
  int64_t numSinks = 0;
  /// Empty: unbounded. One entry: every head. Hq entries: per query head.
  /// W < 0 is unbounded, W = 0 sinks only.
  std::vector<int64_t> window;
  bool causal = false;
  /// Absent: 1/sqrt(D).
  std::optional<double> scale;
  /// Rotary embedding applied to q (at p_i) and k (at pos_j) before the dot
  /// product; absent: none.
  struct Rope {
    double theta = 10000.0;
    /// Even, at most D.
    int64_t dims = 0;
    /// false: rotate-half pairs (m, m + dims/2); true: pairs (2m, 2m + 1).
    bool interleaved = false;
  };
  std::optional<Rope> rope;

  std::vector<float> query, key, value;
  /// Optional operands; empty vectors mean absent.
  std::vector<float> sinkLogits;     // Hq
  std::vector<int64_t> kvLen;        // B
  std::vector<uint8_t> keyMask;      // B×Nk, non-zero = visible
  std::vector<int64_t> keyPositions; // B×Nk, −1 = empty slot
};

/// docs/semantics.md §2.1's visibility rule: is key `j` of batch entry `b`
/// visible to query `i` of query head `h`? The optional arrays must have their
/// problem's sizes (sinkAttention checks them).
bool keyVisible(const SinkAttentionProblem &problem, int64_t b, int64_t h,
                int64_t i, int64_t j);

/// Rotates the head vector `x` (D entries) in place by position `pos` with
/// `rope` (docs/semantics.md §2.1): pair m turns by pos·theta^(−2m/dims).
void applyRope(const SinkAttentionProblem::Rope &rope, int64_t pos,
               std::vector<double> &x);

/// Computes the B×Hq×Nq×Dv output. Returns false (and says why in `error`)
/// when an array's size does not match the problem's shape.
bool sinkAttention(const SinkAttentionProblem &problem,
                   std::vector<double> &output, std::string &error);

/// `bitsink.cache_append` state: key cache B×Hkv×C×D, value cache
/// B×Hkv×C×Dv, positions B×C, length B.
struct CacheState {
  std::vector<float> keys, values;
  std::vector<int64_t> positions, length;
};

enum class PositionMode { Original, Cache };

struct CacheAppendProblem {
  int64_t batch = 1, kvHeads = 1, newTokens = 0, capacity = 1, headDim = 1,
          valueDim = 1;
  int64_t numSinks = 0;
  PositionMode positionMode = PositionMode::Original;
  /// B×Hkv×T×D and B×Hkv×T×Dv.
  std::vector<float> newKeys, newValues;
};

/// Slot of absolute token `t` in a cache of `capacity` slots with
/// `numSinks` sinks: `t` if `t < S`, else `S + (t − S) mod (C − S)`.
int64_t cacheSlot(int64_t token, int64_t numSinks, int64_t capacity);

/// The positions row (C entries) of a cache holding `length` tokens.
std::vector<int64_t> cachePositions(int64_t length, int64_t numSinks,
                                    int64_t capacity, PositionMode mode);

/// Appends the new tokens one at a time to `state` (in place), recomputes
/// positions and advances length. Fails on mismatched sizes, `S ≥ C` or a
/// negative length.
bool cacheAppend(const CacheAppendProblem &problem, CacheState &state,
                 std::string &error);

enum class PlaneKind { Binary, Signed, Ternary };

/// `bitsink.bitplane_matmul` with canonical packing: x M×K, planes P×KW×N
/// (KW = ceil(K/32), bit i of planes[p, w, n] is row 32·w + i), coeffs
/// G×C×N (G = ceil(K/groupSize)), acc M×N.
struct BitplaneMatmulProblem {
  int64_t m = 1, k = 1, n = 1, numPlanes = 1, groupSize = 32;
  PlaneKind kind = PlaneKind::Binary;
  std::vector<float> input;
  std::vector<uint32_t> planes;
  std::vector<float> coeffs;
  std::vector<float> acc;
  /// Sub-block scale codes: 0 for none, else rows per code S, with
  /// `scales` [ceil(ceil(K/S)/8)][N] (nibble j of word w: sub-block 8w+j)
  /// multiplying a weight by (q + 1)/16.
  int64_t subBlock = 0;
  std::vector<uint32_t> scales;
};

/// The dequantized weight Ŵ (K×N) of §2.3.
bool dequantizeBitplanes(const BitplaneMatmulProblem &problem,
                         std::vector<double> &weight, std::string &error);

/// `acc + x · Ŵ` (M×N).
bool bitplaneMatmul(const BitplaneMatmulProblem &problem,
                    std::vector<double> &output, std::string &error);

} // namespace bitsink::reference

#endif // BITSINK_REFERENCE_REFERENCE_H

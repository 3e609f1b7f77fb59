//===- AttentionRules.h - attention math shared by CPU and GPU --*- C++ -*-===//
//
// The one copy of the rules of `bitsink.sink_attention`
// (docs/semantics.md §2.1) that every attention kernel emits, CPU and GPU,
// prefill and decode:
//
//   - which keys a query row sees (keyFacts + keyVisible),
//   - the positions of a range of query rows (rowBounds),
//   - which key tiles a range of rows must visit, and in which order
//     (tileList, tileIndex), and whether a tile needs the per-element mask
//     (tileNeedsMask),
//   - the online-softmax pieces that handle "nothing seen yet", the learned
//     sink logit and the merge of split-KV partial results (exponentBase,
//     finalFactor, sinkTerm),
//   - the invisible-key guard's test for non-finite values (isNonFinite),
//   - the rotary embedding's angle and pair rotation (ropeAngle, ropeRotate).
//
// Each function emits IR through an EmitBuilder. The integer ops fold as
// they are built, so with constant inputs every result here is a constant:
// unittests/Conversion/AttentionRulesTest.cpp evaluates the rules that way
// against the reference semantics (lib/Reference).
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_LIB_CONVERSION_ATTENTIONCOMMON_ATTENTIONRULES_H
#define BITSINK_LIB_CONVERSION_ATTENTIONCOMMON_ATTENTIONRULES_H

#include "../Common/EmitBuilder.h"

#include "bitsink/Dialect/BitSink/IR/BitSinkOps.h"

#include "llvm/ADT/STLFunctionalExtras.h"

namespace bitsink {
namespace attention {

/// The operands and static facts of a memref-form `sink_attention` that the
/// CPU and GPU attention emitters both start from.
struct AttentionOperands {
  mlir::Value q, k, v, out, sinkLogits, kvLen, keyMask, keyPositions;
  mlir::Type elemType;
  int64_t headDim = 0, valueDim = 0;
  bool causal = false;
  /// The op's scale, 1/sqrt(D) by default.
  float scale = 1;

  /// Reads them from `op` (tensor or memref form).
  void read(SinkAttentionOp op);
  /// Fails, with "<lowering> needs static head dimensions D and Dv", when D
  /// or Dv of `op` is dynamic. Creates no IR.
  static mlir::LogicalResult checkStaticHeadDims(SinkAttentionOp op,
                                                 llvm::StringRef lowering);
};

/// The host-side sizes every attention kernel uses (index values).
struct AttentionSizes {
  mlir::Value numBatch, numHeads, numKvHeads, numQueries, numKeys;
  /// Hq / Hkv: query head h reads kv head h / groupRatio.
  mlir::Value groupRatio;
  /// min(num_sinks, Nk).
  mlir::Value numSinks;
};

/// Reads the sizes of `op` (memref form) from `operands`' shapes.
AttentionSizes sizes(EmitBuilder &eb, const AttentionOperands &operands,
                     SinkAttentionOp op);

/// Where a range of query rows [firstQuery, firstQuery + rows) of one
/// (batch, query head) stands. All index values.
struct RowBounds {
  /// Keys j >= lenVisible are invisible: clamp(L_b, 0, Nk).
  mlir::Value lenVisible;
  /// Query i has position p_i = i + offset, offset = L_b - Nq.
  mlir::Value offset;
  /// Positions of the first and the last row of the range.
  mlir::Value posMin, posMax;
  /// The head's window W: < 0 unbounded, 0 sinks only.
  mlir::Value window;
};

/// The bounds of rows [firstQuery, firstQuery + rows) of query head `head`
/// in batch `batch` (reads kv_len[batch] when the op has it).
RowBounds rowBounds(EmitBuilder &eb, SinkAttentionOp op,
                    const AttentionOperands &operands, mlir::Value batch,
                    mlir::Value head, mlir::Value firstQuery, mlir::Value rows,
                    mlir::Value numKeys, mlir::Value numQueries);

/// The window of query head `head` as an index (-1 when the op has none):
/// a constant, or a select chain over the per-head windows.
mlir::Value windowForHead(EmitBuilder &eb, SinkAttentionOp op,
                          mlir::Value head);

/// The learned sink logit of query head `head` as f32; -inf without
/// sink_logits (then the sink term e^{σ - M} is 0).
mlir::Value sinkLogitFor(EmitBuilder &eb, const AttentionOperands &operands,
                         mlir::Value head);

/// What a key contributes to visibility on its own: its position pos_j (of
/// `posType`, index or an integer type) and whether it can be seen at all
/// (j < lenVisible, pos_j >= 0 with key_positions, key_mask[b, j]). Keys
/// past Nk read entry Nk - 1 (they are invisible by j < lenVisible).
struct KeyFacts {
  mlir::Value pos, ok;
};
KeyFacts keyFacts(EmitBuilder &eb, const AttentionOperands &operands,
                  mlir::Value batch, mlir::Value key, mlir::Value lenVisible,
                  mlir::Value numKeys, mlir::Type posType);

/// Whether the rows at `rowPos` (a scalar or vector of the key position's
/// type) see `key`: key.ok and (pos_j < S or |p - pos_j| < W or W < 0), and
/// with causal pos_j <= p (then the window test is p - pos_j < W). `window`
/// and `numSinks` are index scalars. The result has `rowPos`'s shape.
mlir::Value keyVisible(EmitBuilder &eb, mlir::Value rowPos, KeyFacts key,
                       mlir::Value window, mlir::Value numSinks, bool causal);

/// The key tiles a range of rows visits: the sink tiles [0, sinkTiles),
/// then the window tiles [windowBegin, windowBegin + count - sinkTiles).
struct TileList {
  mlir::Value sinkTiles, windowBegin, count;
};

/// The tile list of `bounds` with `keyTile` keys per tile. `numSinks` is
/// min(num_sinks, Nk). With key_positions (a ring cache) a key's position is
/// not its index, so every tile below lenVisible is listed.
TileList tileList(EmitBuilder &eb, const RowBounds &bounds,
                  mlir::Value numSinks, int64_t keyTile, bool causal,
                  bool hasKeyPositions);

/// The tile index of the `t`-th entry of `list`.
mlir::Value tileIndex(EmitBuilder &eb, const TileList &list, mlir::Value t);

/// True when some (row, key) pair of the tile [j0, j0 + keyTile) may be
/// invisible to the rows of `bounds`, so the tile needs the per-element
/// mask; interior tiles of the sink or window range do not. Always true with
/// key_mask or key_positions.
mlir::Value tileNeedsMask(EmitBuilder &eb, const AttentionOperands &operands,
                          const RowBounds &bounds, mlir::Value numSinks,
                          mlir::Value j0, int64_t keyTile);

/// e^x for the online softmax; each target passes its own (math.exp on the
/// CPU, ex2.approx on the GPU).
using ExpFn = llvm::function_ref<mlir::Value(mlir::Value)>;

/// For a running max `m` (scalar or vector): (m == -inf, m == -inf ? 0 : m).
/// A max that is still -inf means nothing was seen; exponents then use 0 as
/// their base, so e^{x - base} is 0, not NaN.
std::pair<mlir::Value, mlir::Value> exponentBase(EmitBuilder &eb,
                                                 mlir::Value m);

/// The final scale of a row with running max m and sum l: the sink logit σ
/// joins the denominator once. e^{m - M} / (l·e^{m - M} + e^{σ - M}) with
/// M = max(m, σ), and 0 when M = -inf (nothing visible, no sink).
mlir::Value finalFactor(EmitBuilder &eb, mlir::Value m, mlir::Value l,
                        mlir::Value sinkLogit, ExpFn exp);

/// The sink's share e^{σ - base} of a merged denominator (split-KV decode:
/// M = max(σ, max_s m_s), base from exponentBase(M)).
mlir::Value sinkTerm(EmitBuilder &eb, mlir::Value sinkLogit, mlir::Value base,
                     ExpFn exp);

/// Rotary embeddings (`rope`, docs/semantics.md §2.1). A head vector is
/// rotated pair by pair; pair m < dims/2 (RopeAttr::pairDims) turns by the
/// angle pos·theta^(−2m/dims). Kernels compute the angle in f32 from an f32
/// position, take its cos and sin with their target's math, and rotate:

/// The angle of pair `pair` at `position` (f32, scalar or vector):
/// position · theta^(−2·pair/dims), the frequency rounded once to f32.
mlir::Value ropeAngle(EmitBuilder &eb, RopeAttr rope, mlir::Value position,
                      int64_t pair);

/// The pair (a, b) turned by the angle whose cosine and sine are `cos` and
/// `sin` (all f32 of one shape): (a·cos − b·sin, a·sin + b·cos).
std::pair<mlir::Value, mlir::Value> ropeRotate(EmitBuilder &eb, mlir::Value a,
                                               mlir::Value b, mlir::Value cos,
                                               mlir::Value sin);

/// The f32 inverse frequencies of pairs [firstPair, firstPair + count) as a
/// constant vector<count x f32>: the factors ropeAngle multiplies by, so
/// splat(position) times it is the angles of `count` pairs at once.
mlir::Value ropeFrequencies(EmitBuilder &eb, RopeAttr rope, int64_t firstPair,
                            int64_t count);

/// The target's cosine and sine of f32 values (scalar or vector); ropeCosSin
/// calls it on arguments in [−π/4, π/4] only.
using CosSinFn =
    llvm::function_ref<std::pair<mlir::Value, mlir::Value>(mlir::Value)>;

/// (cos, sin) of the f32 `angle` (scalar or vector). The angle is reduced to
/// r = angle − k·π/2 in [−π/4, π/4], k = round(angle·2/π), with π/2 in three
/// parts (Cody–Waite: exact products for |k| < 2^13, that is angles below
/// about 12000, and with the multiply-adds contracted to fma beyond); `cosSin`
/// evaluates r and the quadrant k mod 4 swaps and negates the pair. So the
/// result stays within a few ulp of cos and sin of the f32 angle at any
/// position, where a polynomial's own reduction by one f32 π/2 would add an
/// error that grows with the position.
std::pair<mlir::Value, mlir::Value>
ropeCosSin(EmitBuilder &eb, mlir::Value angle, CosSinFn cosSin);

/// The head vector `head` (vector<N x f32>, N >= dims) rotated at the f32
/// scalar `position`: ropeRotateHeadBy with the cos and sin of
/// ropePairCosSin.
mlir::Value ropeRotateHead(EmitBuilder &eb, RopeAttr rope, mlir::Value head,
                           mlir::Value position, CosSinFn cosSin);

/// cos and sin (each vector<dims/2 x f32>, pair m in lane m) of the pair
/// angles at the f32 scalar `position`: splat(position) · ropeFrequencies,
/// then ropeCosSin. A kernel that rotates several heads at one position
/// computes them once.
std::pair<mlir::Value, mlir::Value> ropePairCosSin(EmitBuilder &eb,
                                                   RopeAttr rope,
                                                   mlir::Value position,
                                                   CosSinFn cosSin);

/// `head` (vector<N x f32>, N >= dims) with pair m turned by cos[m] and
/// sin[m] (vector<dims/2 x f32>): the pairs (of `rope`'s style) gathered
/// into two vector<dims/2 x f32> with vector.shuffle, ropeRotate, and
/// scattered back; lanes >= dims unchanged.
mlir::Value ropeRotateHeadBy(EmitBuilder &eb, RopeAttr rope, mlir::Value head,
                             mlir::Value cos, mlir::Value sin);

/// The position a key is rotated by, as f32: key_positions[batch, key] with
/// key_positions, else `key` (an index below Nk; a slot past Nk reads the
/// clamped entry, it is invisible anyway).
mlir::Value ropeKeyPosition(EmitBuilder &eb, const AttentionOperands &operands,
                            mlir::Value batch, mlir::Value key);

/// A target's fused multiply-add x·y + z (EmitBuilder::vectorFma,
/// EmitBuilder::mulAdd).
using FmaFn =
    llvm::function_ref<mlir::Value(mlir::Value, mlir::Value, mlir::Value)>;

/// cos and sin of r in [−π/4, π/4] (the reduced angles ropeCosSin passes its
/// CosSinFn; f32, scalar or vector): Taylor polynomials to degree 10 and 9
/// in r², whose truncation error there is below 2e-9 (under half an f32
/// ulp), evaluated with `fma`. No range reduction of their own, no branch,
/// no table: the GPU kernels' cos and sin (lib/Conversion/GPU/Attention).
std::pair<mlir::Value, mlir::Value> ropeTaylorCosSin(EmitBuilder &eb,
                                                     mlir::Value r, FmaFn fma);

/// True where `x` (a float or a vector of floats) is NaN or ±Inf: its
/// exponent field is all ones. Tested on the bits, so it needs no float
/// compare of the type (half-precision compares need soft promotion where
/// the target has no f16 / bf16 arithmetic). The invisible-key guard
/// (docs/semantics.md §2.1) runs P·V with selects only on tiles whose value
/// rows have such elements.
mlir::Value isNonFinite(EmitBuilder &eb, mlir::Value x);

} // namespace attention
} // namespace bitsink

#endif // BITSINK_LIB_CONVERSION_ATTENTIONCOMMON_ATTENTIONRULES_H

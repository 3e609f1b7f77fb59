//===- AttentionEmitter.h - sink_attention CPU kernels ----------*- C++ -*-===//
//
// The emitter of the CPU kernels of `bitsink.sink_attention` (memref form),
// flash-style loops:
//
//   scf.parallel (b, h, query tile)            -- threads (OpenMP later)
//     Qt := scale · Q[tile]ᵀ                   -- D × Tq, f32, once per tile
//     scf.for t in key tiles(sinks ∪ window)   -- structural tile skipping
//       S := Qt-lanes · K[tile]                -- Tk vectors of Tq lanes
//       scf.if boundary tile: S := mask(S)     -- only tiles that cross a
//                                              -- visibility boundary
//       online softmax (running max m, sum l, rescale O by e^{m_old-m_new})
//       O += P · V[tile]                       -- rows × Dv, f32
//     O /= l (+ the learned sink logit), store
//
// Query rows live in vector lanes (vector<Tq x f32>): the score of one key
// for all rows of the tile is one fused multiply-add chain over D, so the
// key tile never needs transposing and the softmax statistics are plain
// lane-wise vector ops. The decode variant (Nq small) parallelises over
// splits of the key-tile list instead of query tiles and merges the
// partial (m, l, O) with log-sum-exp in a second parallel loop.
//
// With a `rope` attribute the query rows are rotated once where they are
// loaded (per query tile, or per decode task) and the keys once per
// (batch, kv head) before the prefill tiles, or once per visited key tile
// in decode; tiles without RoPE emit the same IR as before.
//
// Prefill.cpp and Decode.cpp hold the two kernels, AttentionEmitter.cpp
// what they share (the key-tile loop, masks, P·V); the attention rules
// themselves (visibility, tile lists, softmax edge cases) come from
// AttentionCommon. Private to lib/Conversion/CPU/Attention; see
// docs/attention-lowering.md.
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_LIB_CONVERSION_CPU_ATTENTION_ATTENTIONEMITTER_H
#define BITSINK_LIB_CONVERSION_CPU_ATTENTION_ATTENTIONEMITTER_H

#include "bitsink/Conversion/Passes.h"
#include "bitsink/Dialect/BitSink/IR/BitSinkOps.h"

#include "../../AttentionCommon/AttentionRules.h"
#include "../../Common/EmitBuilder.h"

namespace bitsink::cpu {

/// Lane width for the D and Dv chunks of the decode scores and of P·V.
constexpr int64_t kChunk = 16;
/// Parallel parts of the loops over visited keys (RoPE's key rotation and
/// cos / sin table), and the fewest tasks of a decode step with static
/// batch and heads: each a balanced run of the visited tiles, so that a few
/// threads share them within 1/8 of even whatever kv_len is.
constexpr int64_t kVisitParts = 8;

/// The per-(batch, head, query range) quantities every key tile needs.
struct TileContext {
  mlir::Value batch, head, kvHead;
  /// The query range [firstQuery, firstQuery + rows).
  mlir::Value firstQuery, rows;
  /// Visible length, row positions and window of the range.
  attention::RowBounds bounds;
  /// f32, -inf when the op has no sink logits.
  mlir::Value sinkLogit;
};

/// Generates the loops for one sink_attention op on memrefs.
class AttentionEmitter : EmitBuilder,
                         attention::AttentionOperands,
                         attention::AttentionSizes {
public:
  /// `options` hold the pass's checked values (tiles in [1, 64], split-size
  /// at least key-tile). The op's head dimensions D and Dv are static.
  AttentionEmitter(mlir::ImplicitLocOpBuilder &b, SinkAttentionOp op,
                   const BitSinkLowerAttentionOptions &options);

  void emit();

private:
  const attention::AttentionOperands &operands() const { return *this; }
  /// math.exp, the CPU's e^x for the shared softmax rules.
  mlir::Value exp(mlir::Value x);
  /// e^x of an f32 vector whose lanes are ≤ 0, -inf or NaN (the online
  /// softmax's exponents): a reduced-range polynomial, relative error
  /// below 3e-7.
  mlir::Value expNonPositive(mlir::Value x);
  /// cos and sin of the op's rope pairs at the f32 `position`
  /// (attention::ropePairCosSin, the reduced angles through
  /// attention::ropeTaylorCosSin in vector FMAs).
  std::pair<mlir::Value, mlir::Value> ropeCosSinAt(mlir::Value position);
  /// `head` (vector<D x f32>) rotated at the f32 `position`.
  mlir::Value rotateHead(mlir::Value head, mlir::Value position);

  //===--------------------------------------------------------------------===//
  // Shared by both kernels (AttentionEmitter.cpp)
  //===--------------------------------------------------------------------===//

  /// Per-task buffers: the transposed query tile (D × Tq; prefill only,
  /// decode keeps query rows in registers), the output accumulator (prefill
  /// Dv × Tq, lanes = query rows; decode Tq × Dv), probabilities (Tk × Tq)
  /// and the rescale factors (Tq) for decode's P·V (prefill keeps both in
  /// registers), and the final running max and sum (2 × Tq).
  struct TileBuffers {
    mlir::Value qt, acc, probs, alphaBuf, stats;
  };
  TileBuffers tileBuffers();
  /// Zeroes buffer[0..rows)[0..cols) in chunks of kChunk lanes.
  void zeroFill(mlir::Value buffer, int64_t rows, int64_t cols);
  TileContext makeContext(mlir::Value batch, mlir::Value head,
                          mlir::Value firstQuery, mlir::Value rows);
  /// RoPE work done once before the tasks: body(j) for every key j < Nk of
  /// the key tiles some query row of batch `batch` visits (the tile list of
  /// all Nq rows under the widest window of the heads, which holds every
  /// task's list): of its n tiles, those of part `part` of `numParts`
  /// balanced runs, [part·n / numParts, (part + 1)·n / numParts).
  void forEachVisitedKey(mlir::Value batch, mlir::Value part,
                         mlir::Value numParts,
                         llvm::function_ref<void(mlir::Value)> body);
  /// The parts of forEachVisitedKey's parallel loops: enough for the
  /// threads to share the visited tiles evenly (kVisitParts), at most one
  /// per tile of Nk.
  mlir::Value visitParts();
  /// Runs key tiles [tBegin, tEnd) of `list`, accumulating into `acc`
  /// (tileBuffers' layout); returns the final running max and sum
  /// (vectors).
  std::pair<mlir::Value, mlir::Value>
  emitKeyTiles(const TileContext &ctx, const attention::TileList &list,
               mlir::Value tBegin, mlir::Value tEnd, mlir::Value qt,
               mlir::Value acc, mlir::Value probs, mlir::Value alphaBuf);
  /// scores[jj] (lanes = query rows) of the keys j0 + jj: prefill or decode.
  llvm::SmallVector<mlir::Value> emitScores(const TileContext &ctx,
                                            mlir::Value j0, mlir::Value qt);
  llvm::SmallVector<mlir::Value> emitMask(const TileContext &ctx,
                                          mlir::Value j0,
                                          llvm::ArrayRef<mlir::Value> scores);
  mlir::Value emitValuesNonFinite(const TileContext &ctx, mlir::Value j0);
  void emitPV(const TileContext &ctx, mlir::Value j0, mlir::Value acc,
              mlir::Value probs, mlir::Value alphaBuf, bool skipInvisible);
  /// Prefill's P·V into the transposed accumulator (Dv × Tq), the
  /// probabilities (one vector per key) and alpha in registers.
  void emitPrefillPV(const TileContext &ctx, mlir::Value j0, mlir::Value acc,
                     llvm::ArrayRef<mlir::Value> probs, mlir::Value alpha,
                     mlir::Value maxMoved, mlir::Value guard);
  /// out[batch, head, query, :] = factor · the output row, whose f32
  /// chunks `chunk(c0, width)` gives (lanes [c0, c0 + width) of Dv).
  void emitStoreRow(
      mlir::Value batch, mlir::Value head, mlir::Value query,
      mlir::Value factor,
      llvm::function_ref<mlir::Value(int64_t c0, int64_t width)> chunk);

  //===--------------------------------------------------------------------===//
  // Prefill (Prefill.cpp)
  //===--------------------------------------------------------------------===//

  void emitPrefill();
  void emitLoadQueries(const TileContext &ctx, mlir::Value qt);
  /// emitLoadQueries with RoPE: each row rotated at its position, scaled,
  /// then transposed into Qt.
  void emitLoadRotatedQueries(const TileContext &ctx, mlir::Value qt);
  /// RoPE: rotatedKeys[b, kvh, j, :] := k[b, kvh, j, :] rotated at pos_j
  /// (f32), once before the query tiles that all read them, for the keys
  /// of the tiles some query tile visits (forEachVisitedKey).
  void emitRotateKeys();
  /// Scores as one FMA chain over D per key, the query rows in lanes.
  llvm::SmallVector<mlir::Value>
  emitPrefillScores(const TileContext &ctx, llvm::ArrayRef<mlir::Value> keyRows,
                    mlir::Value qt);

  //===--------------------------------------------------------------------===//
  // Decode: split-KV and merge (Decode.cpp)
  //===--------------------------------------------------------------------===//

  void emitDecode();
  /// queryRows[i] = scale · q[b, h, i, :] in chunks along D.
  void emitLoadQueryRows(const TileContext &ctx);
  /// RoPE, when more than one task reads each key (kv heads, or query heads
  /// without grouping): ropeTable[b, j, 0 / 1, :] := cos / sin of key j's
  /// pair angles, once per (batch, visited key) before the tasks.
  void emitRopeTable();
  /// Scores as dot products along D of each key row with each query row.
  llvm::SmallVector<mlir::Value>
  emitDecodeScores(const TileContext &ctx, llvm::ArrayRef<mlir::Value> keyRows);

  SinkAttentionOp op;
  BitSinkLowerAttentionOptions opts;
  /// The op's rotary embedding (null without one).
  RopeAttr rope;
  /// Prefill with RoPE: the rotated keys (B × Hkv × Nk × D, f32) that the
  /// scores read instead of k.
  mlir::Value rotatedKeys;
  /// Decode with RoPE: the keys' cos and sin (B × Nk × 2 × dims/2, f32), or
  /// null where each task computes its own.
  mlir::Value ropeTable;

  /// Decode: the static number of query rows (0 for prefill), and per row
  /// the scaled query in chunks of kChunk lanes along D.
  int64_t decodeRows = 0;
  llvm::SmallVector<llvm::SmallVector<mlir::Value>> queryRows;
  /// Decode: query heads per task (the GQA group, or 1) and query rows per
  /// head; lane l holds head `first + l / decodeQueries`, query
  /// `l % decodeQueries`.
  int64_t groupHeads = 1, decodeQueries = 0;
  mlir::VectorType laneF32;
};

} // namespace bitsink::cpu

#endif // BITSINK_LIB_CONVERSION_CPU_ATTENTION_ATTENTIONEMITTER_H

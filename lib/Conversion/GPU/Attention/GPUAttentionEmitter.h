//===- GPUAttentionEmitter.h - sink_attention GPU kernels -------*- C++ -*-===//
//
// Private to lib/Conversion/GPU/Attention. The GPU lowering of
// `bitsink.sink_attention` in two steps:
//
//   - GPUAttentionPlanner decides, from static facts alone (element type,
//     head dimensions, static sizes, attributes, pass options), which
//     kernels lower an op and with which tiles, or why none can; it creates
//     no IR (LowerAttentionGPU.cpp runs it in the pattern's checkLowerable);
//   - GPUAttentionEmitter emits the planned kernels: a tensor-core prefill
//     kernel (mma.sync m16n8k16 on f16/bf16, TensorCore.cpp), a SIMT prefill
//     kernel for every other case (Simt.cpp), or a split-KV decode kernel
//     followed by a log-sum-exp merge kernel (Decode.cpp). The rules they
//     share with the CPU kernels (row positions, tile list, visibility,
//     the online softmax's exponent base and final factor) are
//     AttentionCommon's (lib/Conversion/AttentionCommon/AttentionRules.h),
//     evaluated per CTA on the device.
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_LIB_CONVERSION_GPU_ATTENTION_GPUATTENTIONEMITTER_H
#define BITSINK_LIB_CONVERSION_GPU_ATTENTION_GPUATTENTIONEMITTER_H

#include "../../AttentionCommon/AttentionRules.h"
#include "../Common/GPUEmitBuilder.h"

#include "bitsink/Conversion/GPU/Passes.h"
#include "bitsink/Dialect/BitSink/IR/BitSinkOps.h"

#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

#include <optional>

namespace bitsink {
namespace gpu_attention {

using Options = BitSinkGPULowerAttentionOptions;

/// Static shared memory a kernel may use without opting in to more.
constexpr int64_t kSharedMemoryBytes = 48 * 1024;
/// Threads per CTA of the SIMT and decode kernels.
constexpr int64_t kSimtThreads = 128;
/// Elements per cp.async of the tensor-core kernel (16 bytes of f16 or bf16).
constexpr int64_t kCopyElements = 8;
/// Shared-memory row padding of the tensor-core kernel, in elements: rows of
/// D + 8 halves put the eight 16-byte rows an ldmatrix reads in different
/// banks.
constexpr int64_t kRowPad = 8;
/// Rope pairs one thread of the tensor-core kernel rotates at a time: more
/// values in flight next to the Q and O fragments cost registers (at D = 256
/// eight pairs spill).
constexpr int64_t kTensorCoreRopePairs = 4;

/// The rope the kernels apply: the op's, or null when it has none or its
/// dims are 0 (nothing is rotated; canonicalisation drops such an attribute).
inline RopeAttr activeRope(SinkAttentionOp op) {
  RopeAttr rope = op.getRopeAttr();
  return rope && rope.getDims() > 0 ? rope : RopeAttr();
}

/// Tiles of the tensor-core kernel: query rows per CTA (16 per warp) and
/// keys per tile.
struct TensorCoreTiles {
  int64_t queryTile = 0, keyTile = 0;
};

/// Tiles of the SIMT kernel: query rows per CTA (decode: the heads of a GQA
/// group times the queries) and keys per tile.
struct SimtTiles {
  int64_t rows = 0, keyTile = 0;
};

/// Which kernels lower one sink_attention, with which tiles.
struct GPUAttentionPlan {
  enum class Kernel {
    /// Dv = 0: the output is empty, nothing is emitted.
    None,
    TensorCore,
    Simt,
    /// The split-KV decode kernel (the SIMT kernel on `simt` tiles) and the
    /// merge kernel.
    Decode,
  };
  Kernel kernel = Kernel::None;
  /// Kernel::TensorCore.
  TensorCoreTiles tensorCore;
  /// Kernel::Simt, and the split kernel of Kernel::Decode.
  SimtTiles simt;
  /// Kernel::Decode: static query rows per head, query heads per CTA and key
  /// tiles per split.
  int64_t decodeQueries = 0, groupHeads = 1, tilesPerSplit = 1;
};

/// Decides the GPUAttentionPlan of an op, in tensor or memref form, from its
/// static facts and the pass options. Creates no IR.
class GPUAttentionPlanner {
public:
  GPUAttentionPlanner(SinkAttentionOp op, const Options &opts);

  /// The plan of the op; when there is none, reports why as an error on the
  /// op and fails.
  mlir::FailureOr<GPUAttentionPlan> plan() const;

private:
  // Tensor-core kernel (TensorCore.cpp).
  /// Whether the element type, head dimensions and options allow the
  /// tensor-core kernel (f16/bf16, D and Dv non-zero multiples of 16,
  /// tensor-cores on). A query: it does not look at the tiles.
  bool tensorCoresApply() const;
  /// The options' tensor-core tiles, halved (keys first) until they fit the
  /// static shared memory; none when even 16 × 16 tiles do not.
  std::optional<TensorCoreTiles> fitTensorCoreTiles() const;

  // SIMT kernel (Simt.cpp).
  int64_t simtSharedBytes(SimtTiles tiles) const;
  /// `tiles` halved (keys first, rows not below `minRows`) until they fit
  /// the static shared memory; none when they cannot.
  std::optional<SimtTiles> fitSimtTiles(SimtTiles tiles, int64_t minRows) const;

  // Decode (Decode.cpp).
  /// The decode plan for `queries` static query rows per head; reports an
  /// error on the op and fails when even one head per CTA cannot fit the
  /// shared memory.
  mlir::FailureOr<GPUAttentionPlan> planDecode(int64_t queries) const;

  /// Mutable: op handles are not const-correct (reading an attribute or
  /// emitting a diagnostic is a non-const member).
  mutable SinkAttentionOp op;
  Options opts;
  mlir::Type elemType;
  int64_t headDim = 0, valueDim = 0;
  /// Bytes of the rope frequency table a kernel adds to its shared memory
  /// (0 without rope).
  int64_t ropeTableBytes = 0;
};

/// One launch of the SIMT kernel: the prefill, or the decode split writing
/// its partial results to `partO` and `partStats`.
struct SimtLaunch {
  SimtTiles tiles;
  bool decode = false;
  // Decode only.
  mlir::Value numSplits, partO, partStats;
  int64_t tilesPerSplit = 1;
};

/// Emits the kernels of a GPUAttentionPlan for a memref-form op.
class GPUAttentionEmitter : GPUEmitBuilder,
                            attention::AttentionOperands,
                            attention::AttentionSizes {
public:
  GPUAttentionEmitter(mlir::ImplicitLocOpBuilder &b, SinkAttentionOp op,
                      const GPUAttentionPlan &plan);

  /// Emits the host code and kernels before the op.
  void emit();

private:
  /// e^x as 2^(x·log2 e) with PTX's ex2.approx.ftz (what FlashAttention
  /// uses): math.exp would become libdevice's __nv_expf, which needs
  /// libdevice linked and costs a dozen instructions. e^{-inf} = 0. The
  /// exp the kernels pass to AttentionCommon's finalFactor and sinkTerm.
  mlir::Value exp(mlir::Value x) {
    mlir::Value scaled = fmul(x, f32(1.4426950408889634));
    return mlir::NVVM::InlinePtxOp::create(
               b, mlir::TypeRange{b.getF32Type()}, mlir::ValueRange{scaled},
               mlir::ValueRange{}, "ex2.approx.ftz.f32 $0, $1;",
               /*predicate=*/mlir::Value())
        .getResult(0);
  }

  // SIMT kernel (Simt.cpp).
  void emitSimtKernel(const SimtLaunch &launch);
  void emitSimtBody(const SimtLaunch &launch, mlir::gpu::KernelDim3 blocks,
                    mlir::Value tid, llvm::ArrayRef<mlir::Value> shared);
  /// dst[r][c] = scaleBy · f32(src[rowSource(r), c]) for the columns
  /// [colBegin, rowLen) of numRows rows (0 for rows that are not valid).
  void stageRowsF32(
      mlir::Value src, int64_t rowLen, int64_t numRows, mlir::Value tid,
      llvm::function_ref<
          std::pair<llvm::SmallVector<mlir::Value>, mlir::Value>(mlir::Value)>
          rowSource,
      mlir::Value dst, mlir::Value scaleBy, int64_t colBegin = 0);

  // Rotary embeddings (Rope.cpp; docs/gpu-attention.md, "Rotary
  // embeddings").
  /// Pairs a rope kernel rotates per row (dims / 2); 0 without rope.
  int64_t ropePairs() const { return rope ? rope.getDims() / 2 : 0; }
  /// The shared-memory table of the rope frequencies (ropePairs() f32).
  mlir::MemRefType ropeTableType() {
    return workgroupBuffer({ropePairs()}, b.getF32Type());
  }
  /// Thread 0 writes the frequency of every pair (rounded once to f32, as
  /// attention::ropeAngle and attention::ropeFrequencies round it) into
  /// `table`.
  /// A barrier must follow before other threads read it.
  void fillRopeTable(mlir::Value table, mlir::Value tid);
  /// Position pos_j of key `key` (an index) as f32: key_positions[batch, key]
  /// (the entry is clamped to Nk - 1) when the op has them, else `key`
  /// (attention::ropeKeyPosition).
  mlir::Value ropeKeyPosition(mlir::Value batch, mlir::Value key);
  /// The pairs one chunk of a rope walk rotates: the most pairs, at most
  /// `maxPairs`, whose vector accesses have a power of two of at most
  /// `maxElements` elements and tile the pairs (half style: a vector of first
  /// and one of second members; interleaved: one vector of whole pairs).
  int64_t ropePairsPerChunk(int64_t maxElements, int64_t maxPairs) const;
  /// Rotates pairs [chunk·pairsPerChunk, (chunk + 1)·pairsPerChunk) of one
  /// row at `position` (f32). `loadRow(column, n)` reads n elements of
  /// the row from `column` as a vector<n x f32>; `storeRow(column, x)` writes
  /// such a vector back. Angle = position · table[m]; cos and sin by
  /// attention::ropeCosSin's reduction and ropeTaylorCosSin (fma.rn.f32; no
  /// libdevice call, no slow path for large angles); the rotation
  /// attention::ropeRotate; all in f32.
  void
  rotateRopeChunk(mlir::Value chunk, int64_t pairsPerChunk,
                  mlir::Value position, mlir::Value table,
                  llvm::function_ref<mlir::Value(mlir::Value, int64_t)> loadRow,
                  llvm::function_ref<void(mlir::Value, mlir::Value)> storeRow);
  /// stageRowsF32 with the first `dims` elements of each row rotated at
  /// `position(r)` (f32) before `scaleBy`: the pairs are read from
  /// `src` in vectors and rotated in registers on their way to `dst`.
  void stageRopeRowsF32(
      mlir::Value src, int64_t rowLen, int64_t numRows, mlir::Value tid,
      llvm::function_ref<
          std::pair<llvm::SmallVector<mlir::Value>, mlir::Value>(mlir::Value)>
          rowSource,
      mlir::Value dst, mlir::Value scaleBy, mlir::Value table,
      llvm::function_ref<mlir::Value(mlir::Value)> position);
  /// Rotates rows [0, numRows) of the shared-memory tile `buf` (rows of the
  /// element type) in place, row r at `position(r)` (f32), with
  /// `threads` threads: each pair is read, turned in f32 and rounded back
  /// to the element type once.
  void rotateSharedRows(mlir::Value buf, int64_t numRows, mlir::Value tid,
                        int64_t threads, mlir::Value table,
                        llvm::function_ref<mlir::Value(mlir::Value)> position);

  // Split-KV decode (Decode.cpp).
  void emitDecode();
  void emitMergeKernel(mlir::Value numSplits, mlir::Value partO,
                       mlir::Value partStats);

  // Tensor-core kernel (TensorCore.cpp).
  void emitTensorCoreKernel();
  /// `ropeTable`: the rope frequency table, null without rope.
  void emitTensorCoreBody(mlir::gpu::KernelDim3 blocks, mlir::Value tid,
                          mlir::Value qkBuf, mlir::Value vBuf,
                          mlir::Value ropeTable);
  /// D = A·B + C for one m16n8k16 tile (fragments as nvgpu.mma.sync types).
  mlir::Value mmaSync(mlir::Value a, mlir::Value bFrag, mlir::Value c);
  /// Registers [2·half, 2·half + 2) of an ldmatrix.x4 result: one B fragment.
  mlir::Value fragmentHalf(mlir::Value x4, int64_t half);
  /// The (row, column) of each 16-byte chunk of a numRows × rowLen tile that
  /// thread `tid` of `threads` copies (asyncCopyRows) and scans.
  llvm::SmallVector<std::pair<mlir::Value, mlir::Value>>
  copyChunks(int64_t numRows, int64_t rowLen, mlir::Value tid, int64_t threads);
  /// The boundary-tile guard of the tensor-core P·V for non-finite values
  /// in V (docs/gpu-attention.md, invisible keys); returns O.
  llvm::SmallVector<mlir::Value>
  guardNonFiniteValues(mlir::Value boundary, mlir::Value vBuf, mlir::Value tid,
                       mlir::Value lane, int64_t threads,
                       llvm::ArrayRef<mlir::Value> pFrag,
                       llvm::ArrayRef<mlir::Value> o);
  mlir::Value asyncCopyRows(mlir::Value src, mlir::ValueRange prefix,
                            mlir::Value rowBase, int64_t numRows,
                            int64_t rowLen, mlir::Value limit, mlir::Value dst,
                            mlir::Value tid, int64_t threads,
                            mlir::Value enabled = mlir::Value());

  SinkAttentionOp op;
  GPUAttentionPlan plan;
  /// The op's rope; null without one or when it rotates nothing (dims = 0).
  RopeAttr rope;
};

} // namespace gpu_attention
} // namespace bitsink

#endif // BITSINK_LIB_CONVERSION_GPU_ATTENTION_GPUATTENTIONEMITTER_H

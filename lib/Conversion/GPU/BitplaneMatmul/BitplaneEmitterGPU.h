//===- BitplaneEmitterGPU.h - bitplane_matmul kernels on GPUs ---*- C++ -*-===//
//
// Private to lib/Conversion/GPU/BitplaneMatmul: the emitter of the kernels
// of one memref-form bitplane_matmul and the weights-from-bits helpers they
// share. Gemv.cpp emits the split-K GEMV (GemvLut.cpp its partial-sum-table
// variant for the smallest M), Gemm.cpp the tiled GEMMs (tensor-core and
// CUDA-core); LowerBitplaneMatmulGPU.cpp picks one per op. See
// docs/gpu-bitplane.md.
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_LIB_CONVERSION_GPU_BITPLANEMATMUL_BITPLANEEMITTERGPU_H
#define BITSINK_LIB_CONVERSION_GPU_BITPLANEMATMUL_BITPLANEEMITTERGPU_H

#include "bitsink/Conversion/GPU/Passes.h"
#include "bitsink/Dialect/BitSink/IR/BitSinkOps.h"

#include "../../BitplaneCommon/BitplaneOperands.h"
#include "../Common/GPUEmitBuilder.h"

namespace bitsink {

/// Emits the kernels of one memref-form bitplane_matmul.
///
/// Math (docs/gpu-bitplane.md): Ŵ[k,n] = c[g,0,n] + Σ_{l<L} c[g,l+1,n]·t_l[k,n]
/// with g = k / group_size and t_l from bit k%32 of word k/32 of the planes;
/// y = acc + x·Ŵ accumulated in f32. A weight is rebuilt from its bits as
/// c0 plus, per term, a select among {c, 0} (binary), {c, −c} (signed) or
/// {c, −c, 0} (ternary, magnitude bit m and sign bit s); the table GEMV
/// applies the same coefficients to sums of x instead.
class BitplaneEmitterGPU : GPUEmitBuilder, BitplaneOperands {
public:
  using Options = BitSinkGPULowerBitplaneMatmulOptions;

  /// `options` must have passed the pass's option checks.
  BitplaneEmitterGPU(mlir::ImplicitLocOpBuilder &b, BitplaneMatmulOp op,
                     const Options &options);

  /// Small static M: y = acc + x·Ŵ without materialising Ŵ (Gemv.cpp).
  void emitGemv(int64_t rows);
  /// Any M: Ŵ tile by tile through shared memory (Gemm.cpp).
  void emitGemm();

private:
  /// Shared memory a GEMV CTA may use for its x rows (bytes); the static
  /// limit of a CTA is 48 KiB.
  static constexpr int64_t kGemvStagingBytes = 32 * 1024;
  /// Row padding (in 16-bit elements) of the GEMM's f16 tiles: a 16-byte
  /// shift per row spreads the eight rows an ldmatrix phase reads over all
  /// 32 banks.
  static constexpr int64_t kHalfTilePad = 8;

  //===--------------------------------------------------------------------===//
  // Vector runs along N
  //===--------------------------------------------------------------------===//

  /// The `width` elements of `memref[prefix..., col : col + width]` as f32
  /// scalars: one aligned vector load (the caller guarantees alignment: N is
  /// a multiple of `width` and the buffer is allocation-aligned).
  llvm::SmallVector<mlir::Value> loadRun(mlir::Value memref,
                                         mlir::ValueRange prefix,
                                         mlir::Value col, int64_t width) {
    llvm::SmallVector<mlir::Value> indices(prefix);
    indices.push_back(col);
    if (width == 1)
      return {toF32(load(memref, indices))};
    mlir::Type type = elementType(memref);
    return extractAll(
        toF32(alignedLoad(mlir::VectorType::get({width}, type), memref, indices,
                          runAlign(type, width))));
  }
  /// The `width` i32 words of `memref[prefix..., col : col + width]`: one
  /// aligned vector load (as loadRun, without the conversion).
  llvm::SmallVector<mlir::Value> loadWordRun(mlir::Value memref,
                                             mlir::ValueRange prefix,
                                             mlir::Value col, int64_t width) {
    llvm::SmallVector<mlir::Value> indices(prefix);
    indices.push_back(col);
    if (width == 1)
      return {load(memref, indices)};
    return extractAll(alignedLoad(mlir::VectorType::get({width}, i32Type),
                                  memref, indices, runAlign(i32Type, width)));
  }
  /// Stores the f32 `values` to `memref[prefix..., col : col + width]`.
  void storeRun(llvm::ArrayRef<mlir::Value> values, mlir::Value memref,
                mlir::ValueRange prefix, mlir::Value col) {
    llvm::SmallVector<mlir::Value> indices(prefix);
    indices.push_back(col);
    mlir::Type type = elementType(memref);
    int64_t width = values.size();
    if (width == 1) {
      store(fromF32(values[0], type), memref, indices);
      return;
    }
    mlir::Value vec = constant(mlir::VectorType::get({width}, f32Type), 0);
    for (auto [v, value] : llvm::enumerate(values))
      vec = mlir::vector::InsertOp::create(b, value, vec, v);
    alignedStore(fromF32(vec, type), memref, indices, runAlign(type, width));
  }
  /// A run of `width` elements of `type` is aligned to its size.
  static llvm::Align runAlign(mlir::Type type, int64_t width) {
    return llvm::Align(width * type.getIntOrFloatBitWidth() / 8);
  }

  //===--------------------------------------------------------------------===//
  // Weights from bits
  //===--------------------------------------------------------------------===//

  /// The group of row `row` (clamped into the coefficients: rows past K of
  /// a partial last word are computed but never used).
  mlir::Value groupOf(mlir::Value row) {
    if (groupSize % 32 != 0)
      return idx(0); // Per channel: group_size >= K.
    return minS(divU(row, idx(groupSize)), sub(numGroups, idx(1)));
  }
  /// The coefficients c_0..c_L of one group and column (f32), and the
  /// negated c_1..c_L that signed and ternary terms select.
  struct GroupCoefficients {
    llvm::SmallVector<mlir::Value> c, negC;
  };
  GroupCoefficients negate(llvm::SmallVector<mlir::Value> c) {
    GroupCoefficients result{std::move(c), {}};
    if (kind != PlaneKind::Binary)
      for (mlir::Value v : result.c)
        result.negC.push_back(mlir::arith::NegFOp::create(b, v));
    return result;
  }
  /// Ŵ for the row whose bit is `mask` (a one-bit i32) in the plane `words`.
  mlir::Value weightFromBits(llvm::ArrayRef<mlir::Value> words,
                             mlir::Value mask, const GroupCoefficients &cs) {
    mlir::Value zero = f32(0), zeroI = i32(0);
    auto isSet = [&](mlir::Value word) { return ne(andI(word, mask), zeroI); };
    mlir::Value w = cs.c[0];
    for (int64_t l = 0; l < numTerms; ++l) {
      mlir::Value term;
      switch (kind) {
      case PlaneKind::Binary: // t ∈ {0, 1}
        term = select(isSet(words[l]), cs.c[l + 1], zero);
        break;
      case PlaneKind::Signed: // t = 2b − 1
        term = select(isSet(words[l]), cs.c[l + 1], cs.negC[l + 1]);
        break;
      case PlaneKind::Ternary: // t = m·(2s − 1)
        term = select(
            isSet(words[2 * l]),
            select(isSet(words[2 * l + 1]), cs.c[l + 1], cs.negC[l + 1]), zero);
        break;
      }
      w = fadd(w, term);
    }
    return w;
  }
  /// With sub-block scale codes: the code word of plane word `word` (an
  /// index below KW) and column `col` — all 32/S sub-blocks of a plane word
  /// lie in one word of codes (docs/semantics.md §2.3: nibble u mod 8 of
  /// word u / 8 holds sub-block u).
  mlir::Value codeWordOf(mlir::Value word) {
    return divU(mul(word, idx(32)), idx(8 * subBlock));
  }
  mlir::Value loadCodeWord(mlir::Value word, mlir::Value col) {
    return load(scales, {codeWordOf(word), col});
  }
  /// The code words of plane word `word` for columns `col : col + width`.
  llvm::SmallVector<mlir::Value> loadCodeRun(mlir::Value word, mlir::Value col,
                                             int64_t width) {
    return loadWordRun(scales, {codeWordOf(word)}, col, width);
  }
  /// The multiplier (q + 1)/16 of row `row` (index; static or dynamic) from
  /// the code word holding its sub-block.
  mlir::Value multiplierOf(mlir::Value codeWord, mlir::Value row) {
    mlir::Value nibble = remU(divU(row, idx(subBlock)), idx(8));
    mlir::Value q =
        andI(shrU(codeWord, indexCast(mul(nibble, idx(4)), i32Type)), i32(15));
    return fmul(intToF32(add(q, i32(1))), f32(1.0f / 16));
  }
  mlir::Value bitMask(int64_t i) { return i32(static_cast<int32_t>(1u << i)); }
  mlir::Value bitMask(mlir::Value i) {
    return shl(i32(1), indexCast(i, i32Type));
  }

  //===--------------------------------------------------------------------===//
  // GEMV (Gemv.cpp, GemvLut.cpp)
  //===--------------------------------------------------------------------===//

  struct GemvShape {
    int64_t rows, width, warpsK, chunkWords, stepRows, sharedQuads;
    /// Partial-sum tables instead of rebuilt weights (M <= gemv-lut-max-
    /// rows): `tableFloats` f32 of shared memory for them.
    bool lut;
    int64_t tableFloats;
  };
  GemvShape chooseGemvShape(int64_t rows);
  /// What a GEMV chunk reads first: its first plane word and, for each of
  /// the thread's `s.width` columns from `col0`, the coefficients c_0..c_L
  /// of the chunk's group (columns[v][l]).
  struct ChunkCoefficients {
    mlir::Value firstWord;
    llvm::SmallVector<llvm::SmallVector<mlir::Value>> columns;
  };
  ChunkCoefficients loadChunkCoefficients(const GemvShape &s, mlir::Value chunk,
                                          mlir::Value col0);
  /// The P words of plane row `word` for each of the thread's `s.width`
  /// columns from `col0` (result[v][p]).
  llvm::SmallVector<llvm::SmallVector<mlir::Value>>
  loadPlaneWords(const GemvShape &s, mlir::Value word, mlir::Value col0);
  /// The GEMV kernel. With `workspace`, CTA (x, z) writes its partial sums
  /// to workspace[z]; without, it adds them to acc.
  void emitGemvKernel(const GemvShape &s, mlir::Value splitK,
                      mlir::Value numChunks, mlir::Value workspace);
  /// x[r, row : row + 4] as f32 (zeros past K).
  mlir::Value loadInputQuad(mlir::Value r, mlir::Value row, llvm::Align align);
  /// Stages x[:, rows rowBase.. of the step] into `smem` as f32 quads.
  void stageInputQuads(const GemvShape &s, mlir::Value smem, mlir::Value tid,
                       mlir::Value rowBase, mlir::Value stepQuads,
                       llvm::Align xQuadAlign);
  /// Adds the products of one chunk (words of one group) to `y`
  /// (rows × width, row-major), rebuilding each weight and reading x from
  /// the step's f32 quads in `smem`.
  llvm::SmallVector<mlir::Value>
  emitGemvChunk(const GemvShape &s, mlir::Value smem, mlir::Value chunk,
                mlir::Value localRow, mlir::Value col0,
                llvm::SmallVector<mlir::Value> y);
  /// Builds the partial-sum tables of the step's rows in `tables`.
  void stageLutTables(const GemvShape &s, mlir::Value tables, mlir::Value tid,
                      mlir::Value rowBase, mlir::Value stepQuads,
                      llvm::Align xQuadAlign);
  /// The same as emitGemvChunk, summing x through the partial-sum tables of
  /// the step in `tables`.
  llvm::SmallVector<mlir::Value>
  emitGemvChunkLut(const GemvShape &s, mlir::Value tables, mlir::Value chunk,
                   mlir::Value localRow, mlir::Value col0,
                   llvm::SmallVector<mlir::Value> y);
  /// acc[r, n] += Σ_z workspace[z, r, n], z in order.
  void emitSplitKReduction(mlir::Value workspace, mlir::Value splitK,
                           int64_t rows);

  //===--------------------------------------------------------------------===//
  // GEMM (Gemm.cpp)
  //===--------------------------------------------------------------------===//

  /// A row-major tile inside the CTA's one shared buffer (a single
  /// workgroup buffer starts at the base of the CTA's shared window).
  struct Tile {
    mlir::Value buffer;
    int64_t offset, rowStride;
    /// Ŵ tiles only: stored transposed, Bs[n][k], so that the 8 rows a
    /// thread rebuilds are one 16-byte vector store.
    bool columnMajor = false;
  };
  mlir::Value tileIndex(const Tile &tile, mlir::Value row, mlir::Value col) {
    return add(idx(tile.offset), add(mul(row, idx(tile.rowStride)), col));
  }
  /// Stages x[m0 : m0+BM, k0 : k0+BK] into `tile` (zeros outside x),
  /// rounded to the tile's element type.
  void stageInputTile(const Tile &tile, mlir::Value tid, int64_t threads,
                      mlir::Value m0, mlir::Value k0);
  /// Dequantizes Ŵ[k0 : k0+BK, n0 : n0+BN] into `tile` (zeros for rows
  /// >= K and columns >= N): each thread rebuilds 8 rows of one column.
  void dequantizeWeightTile(const Tile &tile, mlir::Value tid, int64_t threads,
                            mlir::Value k0, mlir::Value n0);
  /// acc += the warp's 2 × 4 m16n8 accumulator tiles at (row0, col0).
  void storeWarpAccumulators(llvm::ArrayRef<mlir::Value> accs, mlir::Value row0,
                             mlir::Value col0, mlir::Value lane);

  /// What the tensor-core GEMMs differ in besides their fragment loads.
  struct MmaTiles {
    /// Element type of As and Bs in shared memory.
    mlir::Type elementType;
    /// Row strides of As[BM][aStride] and of Bs, which is Bs[BN][bStride]
    /// (Ŵ transposed) with `bColumnMajor`, else Bs[BK][bStride].
    int64_t aStride, bStride;
    bool bColumnMajor;
    /// Depth of one mma (m16n8k<kStep>), and whether it multiplies in TF32.
    int64_t kStep;
    bool tf32;
  };
  /// The CTA and warp of a tensor-core GEMM, as its callbacks see them:
  /// CTA (bx, by) computes y[m0 : +BM, n0 : +BN], warp `tid / 32` the 32×32
  /// block at (warpRow, warpCol) of it.
  struct WarpTiling {
    mlir::Value shared;
    Tile aTile, bTile;
    mlir::Value tid, lane, warpRow, warpCol, n0, m0;
  };
  /// The A fragments of the warp's two m16 rows and the B fragments of its
  /// four n8 columns for one kStep-deep slice.
  struct MmaFragments {
    mlir::Value a[2], b[4];
  };
  /// The tensor-core GEMM skeleton: (BM/32)·(BN/32) warps per CTA, each
  /// accumulating 2 × 4 m16n8 f32 tiles. Per BK step: stage x into As,
  /// dequantize Ŵ into Bs, barrier, then for each kStep-deep slice kk the
  /// fragments from `loadFragments(tiling, kk)` and the 8 mma.sync; barrier;
  /// at the end, acc += the tiles. `prologue(tiling)` emits the per-thread
  /// values the fragment loads use, once, before the k loop.
  void emitWarpTiledMmaGemm(
      const MmaTiles &tiles,
      llvm::function_ref<void(const WarpTiling &)> prologue,
      llvm::function_ref<MmaFragments(const WarpTiling &, int64_t kk)>
          loadFragments);
  void emitTensorCoreGemm();
  void emitTf32TensorCoreGemm();
  void emitSimtGemm();

  const Options &options;
  mlir::Type f32Type, i32Type;
};

} // namespace bitsink

#endif // BITSINK_LIB_CONVERSION_GPU_BITPLANEMATMUL_BITPLANEEMITTERGPU_H

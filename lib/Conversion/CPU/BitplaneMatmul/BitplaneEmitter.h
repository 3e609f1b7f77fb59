//===- BitplaneEmitter.h - bitplane_matmul CPU kernels ----------*- C++ -*-===//
//
// The emitter of the CPU kernels of bitsink.bitplane_matmul (on memrefs):
// vectorised loops that read the packed planes directly, a GEMV kernel for
// small M that never builds the dequantized weight (Gemv.cpp; its table
// variant in GemvLut.cpp, with the lookups of each ISA in
// X86/GemvLutAVX512.cpp, X86/GemvLutAVX2.cpp and AArch64/GemvLutNeon.cpp),
// and a GEMM kernel that
// dequantizes a tile into a stack buffer and multiplies it with a
// linalg.matmul that bitsink-tile-contractions tiles (Gemm.cpp). Both
// are one scf.parallel over column tiles. Private to
// lib/Conversion/CPU/BitplaneMatmul; see docs/bitplane-lowering.md.
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_LIB_CONVERSION_CPU_BITPLANEMATMUL_BITPLANEEMITTER_H
#define BITSINK_LIB_CONVERSION_CPU_BITPLANEMATMUL_BITPLANEEMITTER_H

#include "bitsink/Conversion/Passes.h"
#include "bitsink/Dialect/BitSink/IR/BitSinkOps.h"

#include "../../BitplaneCommon/BitplaneOperands.h"
#include "../../Common/EmitBuilder.h"
#include "../TargetFeatures.h"

namespace bitsink::cpu {

/// Lanes of one column vector: 16 f32 = one AVX-512 register (two on AVX2).
constexpr int64_t kLanes = 16;
/// Rows of the weight dequantized per GEMM step (a multiple of 32). With the
/// default 64-column tile the dequantized slab is 32 KiB, so it stays in L1
/// while the register tiles of the matmul walk it (docs/bitplane-lowering.md).
constexpr int64_t kGemmSlabRows = 128;
/// Vector registers the GEMV kernel may keep live in its bit loop.
constexpr int64_t kGemvRegisterBudget = 28;
/// The same for the AVX2 table kernel, in 16-lane vectors (two ymm
/// registers each): 10 of the 16 ymm registers, the rest hold the table, the
/// shifted index words and the lookups.
constexpr int64_t kGemvRegisterBudgetAVX2 = 5;
/// The same for the NEON table kernel, in 16-lane vectors (four q registers
/// each): 24 of the 32 q registers, the rest hold the table and the lookup.
constexpr int64_t kGemvRegisterBudgetNeon = 6;

/// Emits the kernels for one memref-form bitplane_matmul.
///
/// Math shared by both kernels (docs/bitplane-lowering.md): with t_l the
/// weight terms, Ŵ[k,n] = c[g,0,n] + Σ_l c[g,l+1,n]·t_l[k,n]. Rows k ≥ K are
/// never visited (the bit loops stop at K), so their stored bits do not
/// matter.
class BitplaneMatmulEmitter : EmitBuilder, BitplaneOperands {
public:
  /// `options` hold the pass's checked values (positive tiles, a
  /// non-negative prefetch distance); `tableIsa` is the table kernel of the
  /// GEMV (None: the bit-test kernel), one the target has.
  /// `gemmIsa` is the byte dot product of the GEMM with int8 inputs
  /// (None: the f32 GEMM), one the target has.
  BitplaneMatmulEmitter(mlir::ImplicitLocOpBuilder &b, BitplaneMatmulOp op,
                        const BitSinkLowerBitplaneMatmulOptions &options,
                        GemvTableIsa tableIsa, GemmInt8Isa gemmIsa);

  /// y = acc + x·Ŵ without materialising Ŵ (small, static M). Gemv.cpp.
  void emitGemv();
  /// y = acc + x·Ŵ through dequantized tiles of Ŵ in a heap buffer per
  /// task, multiplied by linalg.matmul ops (bitsink-tile-contractions tiles
  /// and vectorises them), or with `gemm-int8` by byte dot products
  /// (X86/GemmInt8.cpp). Gemm.cpp.
  void emitGemm();

private:
  //===--------------------------------------------------------------------===//
  // Column vectors and bit streams (both kernels)
  //===--------------------------------------------------------------------===//

  /// Mask of the lanes of the column vector at `col` that are < `end`.
  mlir::Value columnMask(mlir::Value col, mlir::Value end) {
    return mlir::vector::CreateMaskOp::create(b, vecI1,
                                              mlir::ValueRange{sub(end, col)});
  }
  /// Masked load of `memref[prefix..., col : col+16]`, zeros outside; a
  /// plain load when `mask` is null (the caller knows the columns exist).
  mlir::Value loadColumns(mlir::Value memref, mlir::ValueRange prefix,
                          mlir::Value col, mlir::Value mask) {
    auto type = mlir::VectorType::get({kLanes}, elementType(memref));
    llvm::SmallVector<mlir::Value> indices(prefix);
    indices.push_back(col);
    if (!mask)
      return vload(type, memref, indices);
    mlir::Value zero = constant(type, 0);
    return mlir::vector::MaskedLoadOp::create(b, type, memref, indices, mask,
                                              zero);
  }
  /// The indices of plane `p`'s word row `word` at column `col` in the
  /// planes memref: [p, word, col] canonical; blocked
  /// (`#bitsink.layout<n_tile = a, k_tile = b>`, a a multiple of 16)
  /// [col / a, word / b, p, word % b, col % a], where the 16 columns at a
  /// `col` that is a multiple of 16 are contiguous too.
  llvm::SmallVector<mlir::Value> planeIndices(int64_t p, mlir::Value word,
                                              mlir::Value col) {
    if (!blocked())
      return {idx(p), word, col};
    return {divU(col, idx(nTile)), divU(word, idx(kTile)), idx(p),
            remU(word, idx(kTile)), remU(col, idx(nTile))};
  }
  /// The words of plane `p`, row `word`, for the 16 columns at `col` (a
  /// multiple of 16 with blocked planes), as loadColumns.
  mlir::Value loadPlaneColumns(int64_t p, mlir::Value word, mlir::Value col,
                               mlir::Value mask) {
    auto type = mlir::VectorType::get({kLanes}, elementType(planes));
    llvm::SmallVector<mlir::Value> indices = planeIndices(p, word, col);
    if (!mask)
      return vload(type, planes, indices);
    return mlir::vector::MaskedLoadOp::create(b, type, planes, indices, mask,
                                              constant(type, 0));
  }
  /// Whether the planes are blocked (a #bitsink.layout) rather than
  /// canonical P × KW × N.
  bool blocked() const { return nTile != 0; }
  /// Masked store of the f32 vector `value`, rounded to `memref`'s element
  /// type, to `memref[prefix..., col : col+16]`.
  void storeColumns(mlir::Value value, mlir::Value memref,
                    mlir::ValueRange prefix, mlir::Value col,
                    mlir::Value mask) {
    value = fromF32(value, elementType(memref));
    llvm::SmallVector<mlir::Value> indices(prefix);
    indices.push_back(col);
    mlir::vector::MaskedStoreOp::create(b, memref, indices, mask, value);
  }
  /// x[row, col] as f32, broadcast to a vector.
  mlir::Value broadcastInput(mlir::Value row, mlir::Value col) {
    return splat(toF32(load(x, {row, col})), kLanes);
  }
  /// The bit vectors the kernels test, for the 16 columns at `col` of word
  /// row `word`: plane l for binary/signed; for ternary pair l the magnitude
  /// m and m & s (the two sums the GEMV needs, and what the GEMM selects on).
  llvm::SmallVector<mlir::Value>
  loadBitStreams(mlir::Value word, mlir::Value col, mlir::Value mask) {
    llvm::SmallVector<mlir::Value> words;
    for (int64_t p = 0; p < numPlanes; ++p)
      words.push_back(loadPlaneColumns(p, word, col, mask));
    if (kind != PlaneKind::Ternary)
      return words;
    llvm::SmallVector<mlir::Value> streams;
    for (int64_t l = 0; l < numTerms; ++l) {
      streams.push_back(words[2 * l]);
      streams.push_back(andI(words[2 * l], words[2 * l + 1]));
    }
    return streams;
  }
  /// Lanes whose bit `bit` (a vector of one set bit) is clear in `word`.
  mlir::Value testBitClear(mlir::Value word, mlir::Value bit) {
    mlir::Value masked = andI(word, bit);
    return eq(masked, constant(vecI32, 0));
  }
  /// Whether the op has sub-block scale codes (then subBlock = S).
  bool hasScales() const { return subBlock != 0; }
  /// The multipliers (q + 1)/16 of sub-block `unit` for the 16 columns at
  /// `col` (nibble unit mod 8 of scales[unit / 8, col..]); columns outside
  /// `mask` read code 0.
  mlir::Value loadMultipliers(mlir::Value unit, mlir::Value col,
                              mlir::Value mask) {
    return multipliersOf(loadColumns(scales, {divU(unit, idx(8))}, col, mask),
                         unit);
  }
  /// The multipliers (q + 1)/16 = q/16 + 1/16 of sub-block `unit` from the
  /// word of codes that holds it (`codeWords`, 16 columns).
  mlir::Value multipliersOf(mlir::Value codeWords, mlir::Value unit) {
    mlir::Value shift =
        indexCast(mul(remU(unit, idx(8)), idx(4)), b.getI32Type());
    mlir::Value codes =
        andI(shrU(codeWords, splat(shift, kLanes)), constant(vecI32, 15));
    mlir::Value sixteenth = constant(vecF32, 1.0 / 16);
    return vectorFma(intToF32(codes), sixteenth, sixteenth);
  }
  /// The vector of bit `i` in every lane.
  mlir::Value bitVector(int64_t i) {
    return constant(vecI32, static_cast<int32_t>(1u << i));
  }
  mlir::Value bitVector(mlir::Value i) {
    mlir::Value bitIndex = indexCast(i, b.getI32Type());
    return shl(constant(vecI32, 1), splat(bitIndex, kLanes));
  }

  //===--------------------------------------------------------------------===//
  // GEMV (Gemv.cpp)
  //===--------------------------------------------------------------------===//

  /// One GEMV task: a strip of columns [max(col0, 0), end) and its
  /// per-thread buffers, the outputs `ybuf` (rows × strip) and the bit sums
  /// `zbuf` (rows·streams × strip).
  struct GemvStrip {
    int64_t rows, streams, vectors, stepCols;
    mlir::Value col0, end, ybuf, zbuf;
    /// Row of zbuf that holds the sums of input row `r` and stream `j`.
    int64_t sumRow(int64_t r, int64_t j) const { return r * streams + j; }
  };
  /// One step of `vectors` column vectors of a strip: vector v holds columns
  /// [max(start, 0), min(start + 16, end)), start = col + 16v, and buffer
  /// columns [start − col0, +16).
  struct GemvStep {
    llvm::SmallVector<mlir::Value> cols, masks, slots;
    /// i1: every column of the step exists (its loads need no masks).
    mlir::Value interior;
  };
  /// Runs `body` on each step of the strip.
  void forEachStep(const GemvStrip &strip,
                   llvm::function_ref<void(const GemvStep &)> body);
  /// The step's bit sums from zbuf, indexed [sumRow(r, j) · vectors + v].
  llvm::SmallVector<mlir::Value> loadSums(const GemvStrip &strip,
                                          const GemvStep &step);
  void storeSums(const GemvStrip &strip, const GemvStep &step,
                 mlir::ValueRange sums);
  /// The step's bit streams of word row `word`, indexed [j · vectors + v].
  llvm::SmallVector<mlir::Value>
  loadWords(const GemvStrip &strip, const GemvStep &step, mlir::Value word);
  /// Adds input row `kIdx` to the sums of the lanes whose `bit` is clear.
  void accumulateBit(const GemvStrip &strip, llvm::ArrayRef<mlir::Value> words,
                     llvm::SmallVector<mlir::Value> &sums, mlir::Value bit,
                     mlir::Value kIdx);
  /// `sums` plus the input rows firstRow.. firstRow + count of the lanes
  /// whose bit is clear, bit `firstBit` (a vector of one set bit) first,
  /// in a loop that doubles it.
  llvm::SmallVector<mlir::Value>
  accumulateBits(const GemvStrip &strip, llvm::ArrayRef<mlir::Value> words,
                 llvm::SmallVector<mlir::Value> sums, mlir::Value firstBit,
                 mlir::Value count, mlir::Value firstRow);
  /// The bit sums of group `g` by testing one bit at a time.
  void emitGemvBitSums(const GemvStrip &strip, mlir::Value g);
  /// With scale codes: the bit sums Z of sub-block `unit` (its S rows of
  /// one plane word) for one step, in registers from zero (indexed as
  /// loadSums), by testing one bit at a time.
  llvm::SmallVector<mlir::Value> emitGemvUnitBitSums(const GemvStrip &strip,
                                                     const GemvStep &step,
                                                     mlir::Value unit);

  /// y (the strip's ybuf) += the terms of group `g` for the step, from the
  /// sums Z over clear bits (`sums`, indexed as loadSums) and the input
  /// sums S (column `sumIndex` of `groupSums`, g when null): binary c0·S +
  /// Σ c·(S − Z), signed and ternary likewise (Gemv.cpp); with
  /// `multipliers` (one vector per column vector of the step) every
  /// coefficient times its column's multiplier; with `columnSums`
  /// (indexed [r · vectors + v]) S per column from them instead.
  void applyCoefficients(const GemvStrip &strip, const GemvStep &step,
                         mlir::Value g, mlir::Value groupSums,
                         llvm::ArrayRef<mlir::Value> sums,
                         mlir::Value sumIndex = {},
                         llvm::ArrayRef<mlir::Value> multipliers = {},
                         llvm::ArrayRef<mlir::Value> columnSums = {});
  /// With scale codes and the tables, zbuf holds after the rows·P sums Z a
  /// row of per-column input sums S = Σ m·x per input row r (row
  /// rows·P + r); these load and store them, indexed [r · vectors + v].
  llvm::SmallVector<mlir::Value> loadColumnSums(const GemvStrip &strip,
                                                const GemvStep &step);
  void storeColumnSums(const GemvStrip &strip, const GemvStep &step,
                       mlir::ValueRange sums);
  /// Σ x[r, k] over the rows k < K of each of `count` runs of `rowsPer`
  /// rows (the groups, or the sub-blocks), into a fresh M × count buffer.
  mlir::Value emitGroupSums(int64_t rowsPer, mlir::Value count);
  /// The column origin (in (-16, 0]) that makes the GEMV's 16-lane plane
  /// loads 64-byte aligned, i.e. whole cache lines: a load that straddles
  /// two lines costs two, and the prefetch covers one. Inputs from malloc are
  /// often 16 bytes off. Rows share an alignment only when N % 16 == 0; 0
  /// otherwise.
  mlir::Value emitAlignedColumnOrigin();
  /// Prefetches the plane words `prefetchDistance` rows below `word` for
  /// the column vectors at `cols` (one cache line each), clamped into the
  /// planes.
  void prefetchWords(mlir::Value word, llvm::ArrayRef<mlir::Value> cols);
  /// The words [first, last) of group g below `limit`: `fullWords` for the
  /// bit-test kernel (the partial last word, K % 32 rows, is handled
  /// separately), every word for the table kernel.
  std::pair<mlir::Value, mlir::Value> groupWordRange(mlir::Value g,
                                                     mlir::Value limit);

  //===--------------------------------------------------------------------===//
  // GEMV with partial-sum tables (GemvLut.cpp; the lookup of each ISA in
  // X86/GemvLutAVX512.cpp, X86/GemvLutAVX2.cpp, AArch64/GemvLutNeon.cpp)
  //===--------------------------------------------------------------------===//

  /// Input rows per table lookup: 4 (16-entry tables: one zmm, or the 64
  /// bytes NEON's tbl reads) for AVX-512, NEON and the int8 tables, 3 (8
  /// entries: one ymm) for AVX2's f32 tables.
  int64_t lutChunkRows() const {
    return tableIsa == GemvTableIsa::AVX2 ? 3 : 4;
  }
  /// Whether the GEMV uses the int8 tables (`gemv-lut-int8`).
  bool int8Tables() const {
    return tableIsa == GemvTableIsa::AVX2Int8 ||
           tableIsa == GemvTableIsa::AVX512Int8;
  }
  /// Whether the GEMV uses the int16 tables (`gemv-lut-int16`).
  bool int16Tables() const { return tableIsa == GemvTableIsa::AVX512Int16; }
  /// Whether the GEMV rounds its tables to integers (int8 or int16): Z then
  /// lives in registers per step (emitIntTableGroup), not in zbuf.
  bool integerTables() const { return int8Tables() || int16Tables(); }
  /// 128-bit halves of the int8 kernel's byte vectors: 2 (ymm, AVX2) or 4
  /// (zmm, AVX-512BW); it looks up 16 columns per half.
  int64_t int8Lanes() const {
    return tableIsa == GemvTableIsa::AVX512Int8 ? 4 : 2;
  }
  int64_t lutEntries() const { return int64_t{1} << lutChunkRows(); }
  /// Chunks of lutChunkRows() rows per 32-row word; with 3 rows the last of
  /// the 11 covers rows 30 and 31 only.
  int64_t lutChunksPerWord() const {
    return llvm::divideCeil(32, lutChunkRows());
  }
  /// The GEMV's partial-sum tables: for input row r and chunk c (of word
  /// w = c / lutChunksPerWord(), first row 32w + lutChunkRows()·(c mod
  /// lutChunksPerWord())), lut[r][c][t] = Σ_{i, bit i of t} x[r, first + i]
  /// over the chunk's rows, rows ≥ K read as 0; into a fresh
  /// M × (lutChunksPerWord()·KW) × lutEntries() buffer.
  mlir::Value emitPartialSumTables();
  /// Lanes of `table` (lutEntries() floats) picked by the low
  /// lutChunkRows() bits of each lane of `index` (16 lanes); higher bits
  /// are ignored, so callers need not mask them.
  mlir::Value lookupTable(mlir::Value table, mlir::Value index);
  /// AVX-512 vpermps (reads the low 4 bits of each index lane).
  mlir::Value lookupAVX512(mlir::Value table, mlir::Value index);
  /// AVX2 vpermps on each 8-lane half (reads the low 3 bits).
  mlir::Value lookupAVX2(mlir::Value table, mlir::Value index);
  /// NEON tbl on 64 table bytes per 4 lanes (masks the index itself).
  mlir::Value lookupNeon(mlir::Value table, mlir::Value index);
  /// The bit sums of group `g` through the tables, lutChunkRows() rows at a
  /// time.
  void emitGemvLutSums(const GemvStrip &strip, mlir::Value g,
                       mlir::Value tables);
  /// The same with scale codes (4-row tables): every lookup, and each
  /// sub-block's input sum (`unitSums`, M × `numUnits`) into the column
  /// sums, times the sub-block's multiplier for the column, so that Z and S
  /// stay per group and applyCoefficients applies the coefficients once.
  void emitGemvLutCodeSums(const GemvStrip &strip, mlir::Value g,
                           mlir::Value tables, mlir::Value unitSums,
                           mlir::Value numUnits);

  //===--------------------------------------------------------------------===//
  // GEMV with int8 tables (X86/GemvLutInt8.cpp, `gemv-lut-int8`)
  //===--------------------------------------------------------------------===//

  /// Words of the planes per block of one table scale: at most 4 (128
  /// rows), a divisor of the words of a group, so blocks never straddle
  /// groups.
  int64_t int8BlockWords() const;
  /// The f32 tables of emitPartialSumTables() (4-row chunks) rounded per
  /// input row and block of int8BlockWords() words: scale s = max |entry| /
  /// `limit` (0 for an all-zero block), entry e to round(e / s) clamped to
  /// [-limit, limit] (NaN to -limit), a vector of 16 i32 handed to
  /// `storeEntries` with its row and chunk. Returns the M × blocks scales.
  mlir::Value
  emitRoundedTables(mlir::Value tables, int64_t limit,
                    llvm::function_ref<void(mlir::Value row, mlir::Value chunk,
                                            mlir::Value entries)>
                        storeEntries);
  /// The plane words of stream `j` (loadBitStreams' order) at word row
  /// `word` for the step's column vectors; plain loads when `interior`.
  llvm::SmallVector<mlir::Value> loadStreamWords(const GemvStrip &strip,
                                                 const GemvStep &step,
                                                 mlir::Value word,
                                                 bool interior, int64_t j);
  /// Group `g` of an integer-table kernel, step by step: Z (in registers)
  /// starts at the group sums S, `block(step, interior, word0, blockEnd,
  /// sums)` subtracts the set bits' sums of the words [word0, blockEnd) (a
  /// block of at most `blockWords`), then applyCoefficients. Steps inside
  /// [0, end) are `interior`.
  void emitIntTableGroup(const GemvStrip &strip, mlir::Value g,
                         mlir::Value groupSums, int64_t blockWords,
                         llvm::function_ref<llvm::SmallVector<mlir::Value>(
                             const GemvStep &, bool, mlir::Value, mlir::Value,
                             llvm::SmallVector<mlir::Value>)>
                             block);
  /// The tables of emitPartialSumTables() (4-row chunks) rounded by
  /// emitRoundedTables to 11 bits (s = max |entry| / 1023) and kept as two
  /// byte tables per chunk: q & 0xFF, then (q >> 8) + 4. Into fresh buffers
  /// M × chunks × 32 (i8) and M × blocks (f32, s).
  std::pair<mlir::Value, mlir::Value> emitInt8Tables(mlir::Value tables);
  /// Group `g` of the int8 kernel, step by step: Z (in registers) starts at
  /// the group sums S, each block subtracts the sums of the input over the
  /// set bits of each stream (a byte transpose of the plane words of the
  /// step, two vpshufb per 4 rows, 16-bit and byte accumulators, then one
  /// conversion to f32 and the block's scale), then applyCoefficients.
  void emitGemvInt8Group(const GemvStrip &strip, mlir::Value g,
                         mlir::Value int8Tables, mlir::Value scales,
                         mlir::Value groupSums);
  /// The 4 byte vectors E_b (16·int8Lanes() bytes), byte b of each plane
  /// word of the columns in `words` (int8Lanes() / 2 vectors of 16
  /// columns), in a fixed permuted column order (int8ColumnOfByte).
  llvm::SmallVector<mlir::Value>
  transposeWordBytes(llvm::ArrayRef<mlir::Value> words);
  /// `vpshufb`: the bytes of `table` (the same 16 bytes in every 128-bit
  /// half) picked by the low 4 bits of each byte of `index` (bit 7 clear).
  mlir::Value lookupBytes(mlir::Value table, mlir::Value index);

  //===--------------------------------------------------------------------===//
  // GEMV with int16 tables (X86/GemvLutInt16.cpp, `gemv-lut-int16`)
  //===--------------------------------------------------------------------===//

  /// Largest |entry| of the int16 tables: the 4·int8BlockWords() lookups
  /// of a 16-bit lane in a block sum to at most 32767.
  int64_t int16EntryLimit() const { return 32767 / (4 * int8BlockWords()); }
  /// The tables of emitPartialSumTables() rounded to int16 (per input row
  /// and block, s = max |entry| / int16EntryLimit()), two chunks per table
  /// of 32 entries: table 4w + c holds chunk 8w + c (rows 32w + 4c ..,
  /// bits 4c.. of a word) in entries 0..15 and chunk 8w + 4 + c (bits
  /// 16 + 4c..) in entries 16..31. Into fresh buffers M × 4·KW × 32 (i16)
  /// and M × blocks (f32, s).
  std::pair<mlir::Value, mlir::Value> emitInt16Tables(mlir::Value tables);
  /// Group `g` of the int16 kernel: per word, stream and 16 columns, four
  /// `vpermw` on the words' 16-bit halves (index (w >> 4c) & 0x000F000F |
  /// 0x00100000: the low half picks entries 0..15, the high half 16..31),
  /// summed in 16-bit lanes; per block `vpmaddwd` adds the halves into 32
  /// bits, then the block's scale into Z.
  void emitGemvInt16Group(const GemvStrip &strip, mlir::Value g,
                          mlir::Value int16Tables, mlir::Value scales,
                          mlir::Value groupSums);

  //===--------------------------------------------------------------------===//
  // GEMM (Gemm.cpp)
  //===--------------------------------------------------------------------===//

  /// The value of a weight of group `g` with every bit set, F = c0 + Σ c_l,
  /// and the correction each clear bit of a stream (loadBitStreams) adds,
  /// for the 16 columns at `col`; all coefficients times `scale` when it is
  /// given (a vector of 16 f32).
  struct WeightTerms {
    mlir::Value full;
    llvm::SmallVector<mlir::Value> corrections;
  };
  WeightTerms loadWeightTerms(mlir::Value g, mlir::Value col, mlir::Value mask,
                              mlir::Value scale = {});
  /// The weights of row `i` (0..31) of a word: `terms.full` plus the
  /// corrections of the streams whose bit i is clear.
  mlir::Value selectWeight(const WeightTerms &terms,
                           llvm::ArrayRef<mlir::Value> streams, int64_t i);
  /// A word row of the planes in a chunk of a GEMM task, and one vector of
  /// 16 of the task's columns.
  struct ChunkWord {
    mlir::Value localWord, word, group, col, mask;
    int64_t vector;
  };
  /// Runs `body` for each of the `chunkWords` words from row `chunk` (a
  /// loop) and each column vector of the task at `col0` (unrolled).
  void forEachChunkWord(mlir::Value chunk, mlir::Value chunkWords,
                        mlir::Value col0, mlir::Value end,
                        llvm::function_ref<void(const ChunkWord &)> body);
  void emitDequantizeChunk(mlir::Value wbuf, mlir::Value col0, mlir::Value end,
                           mlir::Value chunk, mlir::Value chunkWords);
  /// ybuf[:, col0 : col0 + cols] += xbuf[:, slab : slab + rows] ·
  /// wbuf[0 : rows, 0 : cols] as a linalg.matmul (all f32), which
  /// bitsink-tile-contractions tiles into register tiles later.
  void emitSlabProduct(mlir::Value xbuf, mlir::Value wbuf, mlir::Value ybuf,
                       mlir::Value slab, mlir::Value rows, mlir::Value col0,
                       mlir::Value cols);

  //===--------------------------------------------------------------------===//
  // GEMM with int8 inputs (X86/GemmInt8.cpp, `gemm-int8`)
  //===--------------------------------------------------------------------===//

  /// The input rounded to int8 (emitQuantizeInput).
  struct Int8Input {
    /// M × (32·slabs) i32: 4 bytes (4 consecutive rows k of one slab of
    /// 128) per word, 0 past K.
    mlir::Value words;
    /// M × slabs f32: the scale of each row and slab.
    mlir::Value scales;
    /// M × slabs i32: 128 · the sum of the row's bytes in the slab.
    mlir::Value offsets;
  };
  /// i32 lanes of one vpdpbusd: 16 (zmm) or 8 (ymm).
  int64_t vnniLanes() const { return gemmIsa == GemmInt8Isa::AVXVNNI ? 8 : 16; }
  /// ybuf (f32, M × N) += x·Ŵ with the input and weight rounded to int8.
  void emitGemmInt8(mlir::Value ybuf);
  Int8Input emitQuantizeInput();
  /// The scale (`scales`) and its inverse (`inverses`) of each column of
  /// the tile at `col0` for the slab of `rows` rows at `slab`: the largest
  /// |weight| any code of the slab's groups can give, over 127.
  void emitWeightScales(mlir::Value scales, mlir::Value inverses,
                        mlir::Value col0, mlir::Value end, mlir::Value slab,
                        mlir::Value rows);
  /// wq[j, c] = the bytes round(Ŵ[slab + 4j + t, col0 + c] / scale) + 128
  /// for t = 0..3 (rows of the slab's words; past K: any byte).
  void emitQuantizeWeights(mlir::Value wq, mlir::Value inverses,
                           mlir::Value col0, mlir::Value end, mlir::Value slab,
                           mlir::Value rows);
  /// The same bytes through lookups (AVX512-VBMI): per group and vector of
  /// 16 columns, the byte of every code of the streams in a table of 16 ·
  /// codes bytes; per 4 rows, `vpermd` spreads each stream's nibble to the
  /// code bits of 4 bytes and `vpermi2b` looks the bytes up.
  void emitQuantizeWeightsByTable(mlir::Value wq, mlir::Value inverses,
                                  mlir::Value col0, mlir::Value end,
                                  mlir::Value slab, mlir::Value rows);
  /// ybuf[:, col0 : end] += the slab's products of the int8 input and
  /// weight, in register tiles of byte dot products.
  void emitInt8SlabProduct(const Int8Input &input, mlir::Value wq,
                           mlir::Value wscales, mlir::Value ybuf,
                           mlir::Value slabIndex, mlir::Value rows,
                           mlir::Value col0, mlir::Value end);
  /// `vpdpbusd`: acc + the sums of 4 products of the unsigned bytes of
  /// `unsignedBytes` and the signed bytes of `signedBytes` per i32 lane.
  mlir::Value dotBytes(mlir::Value acc, mlir::Value unsignedBytes,
                       mlir::Value signedBytes);

  int64_t columnTile, gemvColumnTile, gemvMinTasks, prefetchDistance;
  GemvTableIsa tableIsa;
  GemmInt8Isa gemmIsa;
  mlir::Type f32Type;
  mlir::VectorType vecF32, vecI32, vecI1;
  mlir::Value fullWords, tailRows;
  /// Word rows of the planes, KW = ceil(K/32) (not a dimension of blocked
  /// planes, whose word blocks are padded).
  mlir::Value planeWords;
  /// The blocked layout's tiles; 0 for canonical planes.
  int64_t nTile = 0, kTile = 0;
};

} // namespace bitsink::cpu

#endif // BITSINK_LIB_CONVERSION_CPU_BITPLANEMATMUL_BITPLANEEMITTER_H

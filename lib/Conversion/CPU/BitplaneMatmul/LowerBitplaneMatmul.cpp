//===- LowerBitplaneMatmul.cpp - bitplane_matmul to CPU kernels -*- C++ -*-===//
//
// Lowers bitsink.bitplane_matmul (on memrefs) to vectorised loops that read
// the packed planes directly: a GEMV kernel for small M that never builds the
// dequantized weight, and a GEMM kernel that dequantizes a tile into a stack
// buffer and multiplies it. Both are one scf.parallel over column tiles.
//
//===----------------------------------------------------------------------===//

#include "bitsink/Conversion/Passes.h"
#include "bitsink/Dialect/BitSink/IR/BitSinkOps.h"

#include "../../Utils.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/TypeUtilities.h"

namespace bitsink {
#define GEN_PASS_DEF_BITSINKLOWERBITPLANEMATMUL
#include "bitsink/Conversion/Passes.h.inc"
} // namespace bitsink

using namespace mlir;
using namespace bitsink;

namespace {

/// Lanes of one column vector: 16 f32 = one AVX-512 register (two on AVX2).
constexpr int64_t kLanes = 16;
/// Rows of x per GEMM micro-kernel step.
constexpr int64_t kGemmRows = 4;
/// Rows of the weight dequantized per GEMM step (a multiple of 32).
constexpr int64_t kGemmChunkRows = 128;
/// Vector registers the GEMV kernel may keep live in its bit loop.
constexpr int64_t kGemvRegisterBudget = 28;

/// Emits the kernels for one memref-form bitplane_matmul.
///
/// Math shared by both kernels (DESIGN §2.3): with t_l the weight terms,
/// Ŵ[k,n] = c[g,0,n] + Σ_l c[g,l+1,n]·t_l[k,n]. Rows k ≥ K are never visited
/// (the bit loops stop at K), so their stored bits do not matter.
class BitplaneMatmulEmitter : KernelBuilder {
public:
  BitplaneMatmulEmitter(ImplicitLocOpBuilder &b, BitplaneMatmulOp op,
                        int64_t columnTile, int64_t gemvColumnTile,
                        int64_t prefetchDistance, bool gemvLut)
      : KernelBuilder(b), kind(op.getPlaneKind()), numPlanes(op.getNumPlanes()),
        numTerms(op.getNumTerms()),
        groupSize(static_cast<int64_t>(op.getGroupSize())),
        columnTile(llvm::alignTo(std::max<int64_t>(columnTile, 1), kLanes)),
        gemvColumnTile(gemvColumnTile), prefetchDistance(prefetchDistance),
        gemvLut(gemvLut) {
    f32 = b.getF32Type();
    vecF32 = VectorType::get({kLanes}, f32);
    vecI32 = VectorType::get({kLanes}, b.getI32Type());
    vecI1 = VectorType::get({kLanes}, b.getI1Type());
    x = op.getInput();
    planes = op.getPlanes();
    coeffs = op.getCoeffs();
    acc = op.getAcc();
    m = dim(x, 0);
    k = dim(x, 1);
    n = dim(acc, 1);
    numGroups = dim(coeffs, 0);
    // Whole 32-row words of the planes, and the rows of the partial last one.
    fullWords = arith::DivUIOp::create(b, k, idx(32));
    tailRows = arith::RemUIOp::create(b, k, idx(32));
  }

  /// y = acc + x·Ŵ without materialising Ŵ (small M).
  void emitGemv();
  /// y = acc + x·Ŵ through dequantized tiles of Ŵ in a stack buffer.
  void emitGemm();

private:
  /// The one parallel loop of a kernel: over column tiles [0, upper).
  template <typename Fn>
  void parallelOverColumns(Value upper, Value step, Fn &&body) {
    parallelLoop(ValueRange{upper}, ValueRange{step},
                 [&](ValueRange ivs) { body(ivs[0]); });
  }
  Value splatF32(float v) {
    return arith::ConstantOp::create(
        b, vecF32, DenseElementsAttr::get(vecF32, b.getF32FloatAttr(v)));
  }
  Value splatI32(int32_t v) {
    return arith::ConstantOp::create(
        b, vecI32, DenseElementsAttr::get(vecI32, b.getI32IntegerAttr(v)));
  }
  /// Mask of the lanes of the column vector at `col` that are < `end`.
  Value columnMask(Value col, Value end) {
    return vector::CreateMaskOp::create(
        b, vecI1, ValueRange{arith::SubIOp::create(b, end, col)});
  }
  /// Masked load of `memref[prefix..., col : col+16]`, zeros outside.
  Value loadColumns(Value memref, ValueRange prefix, Value col, Value mask) {
    Type elemType = cast<MemRefType>(memref.getType()).getElementType();
    auto type = VectorType::get({kLanes}, elemType);
    Value zero = arith::ConstantOp::create(
        b, type, DenseElementsAttr::get(type, b.getZeroAttr(elemType)));
    SmallVector<Value> indices(prefix);
    indices.push_back(col);
    return vector::MaskedLoadOp::create(b, type, memref, indices, mask, zero);
  }
  void storeColumns(Value value, Value memref, ValueRange prefix, Value col,
                    Value mask) {
    Type elemType = cast<MemRefType>(memref.getType()).getElementType();
    if (elemType != f32)
      value = arith::TruncFOp::create(b, vecI32.clone(elemType), value);
    SmallVector<Value> indices(prefix);
    indices.push_back(col);
    vector::MaskedStoreOp::create(b, memref, indices, mask, value);
  }
  /// x[row, col] as f32, broadcast to a vector.
  Value broadcastInput(Value row, Value col) {
    Value scalar = toF32(memref::LoadOp::create(b, x, ValueRange{row, col}));
    return vector::BroadcastOp::create(b, vecF32, scalar);
  }
  /// The bit vectors the kernels test, for the 16 columns at `col` of word
  /// row `word`: plane l for binary/signed; for ternary pair l the magnitude
  /// m and m & s (the two sums the GEMV needs, and what the GEMM selects on).
  SmallVector<Value> loadBitStreams(Value word, Value col, Value mask) {
    SmallVector<Value> words;
    for (int64_t p = 0; p < numPlanes; ++p)
      words.push_back(loadColumns(planes, {idx(p), word}, col, mask));
    if (kind != PlaneKind::Ternary)
      return words;
    SmallVector<Value> streams;
    for (int64_t l = 0; l < numTerms; ++l) {
      streams.push_back(words[2 * l]);
      streams.push_back(
          arith::AndIOp::create(b, words[2 * l], words[2 * l + 1]));
    }
    return streams;
  }
  /// Lanes whose bit `bit` (a vector of one set bit) is clear in `word`.
  Value testBitClear(Value word, Value bit) {
    Value masked = arith::AndIOp::create(b, word, bit);
    return arith::CmpIOp::create(b, arith::CmpIPredicate::eq, masked,
                                 splatI32(0));
  }
  Value bitVector(int64_t i) { return splatI32(static_cast<int32_t>(1u << i)); }
  Value bitVector(Value i) {
    Value i32 = arith::IndexCastOp::create(b, b.getI32Type(), i);
    return arith::ShLIOp::create(b, splatI32(1),
                                 vector::BroadcastOp::create(b, vecI32, i32));
  }
  /// The column origin (in (-16, 0]) that makes the GEMV's 16-lane plane
  /// loads 64-byte aligned, i.e. whole cache lines: a load that straddles two
  /// lines costs two, and the prefetch covers one. Inputs from malloc are
  /// often 16 bytes off. Rows share an alignment only when N % 16 == 0; 0
  /// otherwise.
  Value emitAlignedColumnOrigin() {
    Value base = memref::ExtractAlignedPointerAsIndexOp::create(b, planes);
    auto metadata = memref::ExtractStridedMetadataOp::create(b, planes);
    Value element = arith::AddIOp::create(
        b, arith::DivUIOp::create(b, base, idx(4)), metadata.getOffset());
    Value misalignment = arith::RemUIOp::create(b, element, idx(kLanes));
    Value wholeRows = arith::CmpIOp::create(
        b, arith::CmpIPredicate::eq, arith::RemUIOp::create(b, n, idx(kLanes)),
        idx(0));
    return arith::SelectOp::create(
        b, wholeRows, arith::SubIOp::create(b, idx(0), misalignment), idx(0));
  }
  /// Prefetches the plane words `prefetchDistance` rows below `word` for
  /// the column vectors at `cols` (one cache line each), clamped into the
  /// planes.
  void prefetchWords(Value word, ArrayRef<Value> cols) {
    if (prefetchDistance <= 0)
      return;
    Value lastWord = arith::SubIOp::create(b, dim(planes, 1), idx(1));
    Value ahead =
        minIdx(arith::AddIOp::create(b, word, idx(prefetchDistance)), lastWord);
    Value lastCol = arith::SubIOp::create(b, n, idx(1));
    for (Value col : cols)
      for (int64_t p = 0; p < numPlanes; ++p)
        memref::PrefetchOp::create(
            b, planes, ValueRange{idx(p), ahead, minIdx(col, lastCol)},
            /*isWrite=*/false, /*localityHint=*/3, /*isDataCache=*/true);
  }
  /// The words [first, last) of group g below `limit`: `fullWords` for the
  /// bit-test kernel (the partial last word, K % 32 rows, is handled
  /// separately), every word for the table kernel.
  std::pair<Value, Value> groupWordRange(Value g, Value limit) {
    // A group spans group_size/32 words; per channel (group_size ≥ K, maybe
    // not a multiple of 32) the only group spans every word.
    Value wordsPerGroup =
        groupSize % 32 == 0 ? idx(groupSize / 32) : dim(planes, 1);
    Value first = arith::MulIOp::create(b, g, wordsPerGroup);
    Value last = minIdx(arith::AddIOp::create(b, first, wordsPerGroup), limit);
    return {minIdx(first, last), last};
  }

  /// Σ x[r, k] over the rows k < K of each group, into a fresh M × G buffer.
  Value emitGroupSums();
  void emitDequantizeChunk(Value wbuf, Value col0, Value end, Value chunk,
                           Value chunkWords);
  void emitGemmMicroKernel(Value wbuf, Value ybuf, Value col0, Value end,
                           Value chunk, Value chunkRows, Value row0,
                           int64_t rows);

  /// The GEMV's 4-row partial-sum tables: for input row r and chunk c of
  /// four rows, lut[r][c][t] = Σ_{i<4, bit i of t} x[r, 4c + i] (rows ≥ K
  /// read as 0), into a fresh M × (8·KW) × 16 buffer.
  Value emitPartialSumTables();
  /// Lanes of `table` picked by `index` (AVX-512 vpermps, which reads only
  /// the low 4 bits of each index lane: callers need not mask them).
  Value permute(Value table, Value index) {
    return LLVM::CallIntrinsicOp::create(
               b, vecF32, b.getStringAttr("llvm.x86.avx512.permvar.sf.512"),
               ValueRange{table, index})
        .getResult(0);
  }

  PlaneKind kind;
  int64_t numPlanes, numTerms, groupSize, columnTile, gemvColumnTile,
      prefetchDistance;
  bool gemvLut;
  Type f32;
  VectorType vecF32, vecI32, vecI1;
  Value x, planes, coeffs, acc;
  Value m, k, n, numGroups, fullWords, tailRows;
};

} // namespace

Value BitplaneMatmulEmitter::emitGroupSums() {
  auto type =
      MemRefType::get({ShapedType::kDynamic, ShapedType::kDynamic}, f32);
  Value sums = memref::AllocOp::create(b, type, ValueRange{m, numGroups});
  Value zero = arith::ConstantOp::create(b, b.getF32FloatAttr(0.0f));
  Value gs = idx(groupSize);
  forLoop(idx(0), m, idx(1), {}, [&](Value row, ValueRange) {
    forLoop(idx(0), numGroups, idx(1), {}, [&](Value g, ValueRange) {
      Value first = arith::MulIOp::create(b, g, gs);
      Value last = minIdx(arith::AddIOp::create(b, first, gs), k);
      SmallVector<Value> sum =
          forLoop(first, last, idx(1), zero, [&](Value col, ValueRange it) {
            Value v = toF32(memref::LoadOp::create(b, x, ValueRange{row, col}));
            return SmallVector<Value>{arith::AddFOp::create(b, it[0], v)};
          });
      memref::StoreOp::create(b, sum[0], sums, ValueRange{row, g});
      return SmallVector<Value>{};
    });
    return SmallVector<Value>{};
  });
  return sums;
}

Value BitplaneMatmulEmitter::emitPartialSumTables() {
  Value chunks = arith::MulIOp::create(b, dim(planes, 1), idx(8));
  auto type = MemRefType::get(
      {ShapedType::kDynamic, ShapedType::kDynamic, kLanes}, f32);
  Value tables = memref::AllocOp::create(b, type, ValueRange{m, chunks});
  // Lane t of pattern i is bit i of t.
  SmallVector<Value> patterns;
  for (int64_t i = 0; i < 4; ++i) {
    SmallVector<float> lanes;
    for (int64_t t = 0; t < kLanes; ++t)
      lanes.push_back((t >> i) & 1 ? 1.0f : 0.0f);
    patterns.push_back(arith::ConstantOp::create(
        b, DenseElementsAttr::get(vecF32, ArrayRef<float>(lanes))));
  }
  Value zero = arith::ConstantOp::create(b, b.getF32FloatAttr(0.0f));
  Value lastRow = arith::SubIOp::create(b, k, idx(1));
  forLoop(idx(0), m, idx(1), {}, [&](Value row, ValueRange) {
    forLoop(idx(0), chunks, idx(1), {}, [&](Value c, ValueRange) {
      Value table = splatF32(0.0f);
      Value first = arith::MulIOp::create(b, c, idx(4));
      for (int64_t i = 0; i < 4; ++i) {
        Value kIdx = arith::AddIOp::create(b, first, idx(i));
        Value inRange =
            arith::CmpIOp::create(b, arith::CmpIPredicate::slt, kIdx, k);
        Value xv = toF32(memref::LoadOp::create(
            b, x, ValueRange{row, minIdx(kIdx, lastRow)}));
        xv = arith::SelectOp::create(b, inRange, xv, zero);
        table = vector::FMAOp::create(
            b, vector::BroadcastOp::create(b, vecF32, xv), patterns[i], table);
      }
      vector::StoreOp::create(b, table, tables, ValueRange{row, c, idx(0)});
      return SmallVector<Value>{};
    });
    return SmallVector<Value>{};
  });
  return tables;
}

// GEMV (small M): Ŵ is never built.
//
// Per group g, row r and bit stream j it sums the input over the rows whose
// bit is clear, Z[r][j] = Σ_{k∈g, bit_j(k)=0} x[r,k], with one bit test and
// one masked add per 16 weights and stream. (Summing over clear bits keeps
// the select in the form LLVM matches to a merge-masked vaddps after
// InstCombine has canonicalised `!= 0` tests to `== 0`.) With
// S = Σ_{k∈g} x[r,k] the sum over set bits is S − Z, so per group
//   binary:  y += c0·S + Σ_l c_{l+1}·(S − Z_l)
//   signed:  y += c0·S + Σ_l c_{l+1}·(S − 2·Z_l)            (t = 2b − 1)
//   ternary: y += c0·S + Σ_l c_{l+1}·(S − 2·Z_{m&s} + Z_m)  (t = m·(2s − 1))
//
// Each task owns a strip of `gemvColumnTile` columns and walks it word row
// by word row, so that it reads the planes in runs of 4·strip contiguous
// bytes (DRAM pages and hardware prefetchers want long runs; a narrow strip
// touches a new page per 256 bytes). Z and y of the strip live in per-thread
// stack buffers; each step of `vectors` column vectors loads its Z, runs the
// 32 bits of a word in registers and stores Z back.
void BitplaneMatmulEmitter::emitGemv() {
  // The row loops are unrolled: M is static on this path.
  int64_t rows = cast<MemRefType>(x.getType()).getDimSize(0);
  int64_t streams = numPlanes;
  // Live vectors in the bit loop: the sums (rows·P per column vector) and
  // the plane words (P). Take as many column vectors per step as fit in the
  // register file, at most 4.
  int64_t perVector = rows * streams + streams;
  int64_t vectors = std::clamp<int64_t>(kGemvRegisterBudget / perVector, 1, 4);
  int64_t stepCols = vectors * kLanes;
  int64_t strip = llvm::alignTo(std::max<int64_t>(gemvColumnTile, 1), stepCols);
  auto sumRow = [&](int64_t r, int64_t j) { return r * streams + j; };

  Value groupSums = emitGroupSums();
  Value tables = gemvLut ? emitPartialSumTables() : Value();
  Value stripStep = idx(strip);
  // Strips start at `origin` (≤ 0): column vectors are origin + 16j, the
  // first one clipped to column 0.
  Value origin = emitAlignedColumnOrigin();
  parallelOverColumns(
      arith::SubIOp::create(b, n, origin), stripStep, [&](Value iv) {
        Value col0 = arith::AddIOp::create(b, origin, iv);
        Value end = minIdx(arith::AddIOp::create(b, col0, stripStep), n);
        Value ybuf =
            memref::AllocaOp::create(b, MemRefType::get({rows, strip}, f32));
        Value zbuf = memref::AllocaOp::create(
            b, MemRefType::get({rows * streams, strip}, f32));

        // Runs `body` on each step of `vectors` column vectors of the strip:
        // vector v holds columns [max(start, 0), min(start + 16, end)),
        // start = col + 16v, and buffer columns [start − col0, +16).
        struct Step {
          SmallVector<Value> cols, masks, slots;
        };
        auto forEachStep = [&](function_ref<void(const Step &)> body) {
          forLoop(col0, end, idx(stepCols), {}, [&](Value col, ValueRange) {
            Step step;
            Value slot0 = arith::SubIOp::create(b, col, col0);
            for (int64_t v = 0; v < vectors; ++v) {
              Value start = arith::AddIOp::create(b, col, idx(v * kLanes));
              Value stop =
                  minIdx(arith::AddIOp::create(b, start, idx(kLanes)), end);
              step.cols.push_back(arith::MaxSIOp::create(b, start, idx(0)));
              step.masks.push_back(columnMask(step.cols.back(), stop));
              step.slots.push_back(
                  arith::AddIOp::create(b, slot0, idx(v * kLanes)));
            }
            body(step);
            return SmallVector<Value>{};
          });
        };
        auto loadSums = [&](const Step &step) {
          SmallVector<Value> sums;
          for (int64_t r = 0; r < rows; ++r)
            for (int64_t j = 0; j < streams; ++j)
              for (int64_t v = 0; v < vectors; ++v)
                sums.push_back(vector::LoadOp::create(
                    b, vecF32, zbuf,
                    ValueRange{idx(sumRow(r, j)), step.slots[v]}));
          return sums;
        };
        auto storeSums = [&](const Step &step, ValueRange sums) {
          for (int64_t r = 0; r < rows; ++r)
            for (int64_t j = 0; j < streams; ++j)
              for (int64_t v = 0; v < vectors; ++v)
                vector::StoreOp::create(
                    b, sums[sumRow(r, j) * vectors + v], zbuf,
                    ValueRange{idx(sumRow(r, j)), step.slots[v]});
        };
        auto loadWords = [&](const Step &step, Value word) {
          SmallVector<Value> words(streams * vectors);
          for (int64_t v = 0; v < vectors; ++v)
            for (auto [j, w] : llvm::enumerate(
                     loadBitStreams(word, step.cols[v], step.masks[v])))
              words[j * vectors + v] = w;
          return words;
        };
        // Adds input row `kIdx` to the sums of the lanes whose `bit` is clear.
        auto accumulateBit = [&](ArrayRef<Value> words,
                                 SmallVector<Value> &sums, Value bit,
                                 Value kIdx) {
          SmallVector<Value> inputs;
          for (int64_t r = 0; r < rows; ++r)
            inputs.push_back(broadcastInput(idx(r), kIdx));
          for (int64_t j = 0; j < streams; ++j)
            for (int64_t v = 0; v < vectors; ++v) {
              Value clear = testBitClear(words[j * vectors + v], bit);
              for (int64_t r = 0; r < rows; ++r) {
                Value &s = sums[sumRow(r, j) * vectors + v];
                Value added = arith::AddFOp::create(b, s, inputs[r]);
                s = arith::SelectOp::create(b, clear, added, s);
              }
            }
        };

        // y = acc.
        forEachStep([&](const Step &step) {
          for (int64_t r = 0; r < rows; ++r)
            for (int64_t v = 0; v < vectors; ++v)
              vector::StoreOp::create(
                  b,
                  toF32(
                      loadColumns(acc, {idx(r)}, step.cols[v], step.masks[v])),
                  ybuf, ValueRange{idx(r), step.slots[v]});
        });
        forLoop(idx(0), numGroups, idx(1), {}, [&](Value g, ValueRange) {
          forEachStep([&](const Step &step) {
            SmallVector<Value> zeros(rows * streams * vectors, splatF32(0.0f));
            storeSums(step, zeros);
          });
          if (gemvLut) {
            // Table lookups, 4 rows at a time: the clear bits of 4 rows
            // index the group's partial sums of those rows (vpermps), one
            // shift, permute and add per 4 rows and 16 columns. Every
            // word of the group, the partial last one included: the tables
            // read rows >= K as 0.
            auto [first, last] = groupWordRange(g, dim(planes, 1));
            forLoop(first, last, idx(1), {}, [&](Value word, ValueRange) {
              Value chunk0 = arith::MulIOp::create(b, word, idx(8));
              forEachStep([&](const Step &step) {
                prefetchWords(word, step.cols);
                SmallVector<Value> words = loadWords(step, word);
                for (Value &w : words)
                  w = arith::XOrIOp::create(b, w, splatI32(-1));
                SmallVector<Value> sums = loadSums(step);
                for (int64_t c = 0; c < 8; ++c) {
                  SmallVector<Value> rowTables;
                  for (int64_t r = 0; r < rows; ++r)
                    rowTables.push_back(vector::LoadOp::create(
                        b, vecF32, tables,
                        ValueRange{idx(r),
                                   arith::AddIOp::create(b, chunk0, idx(c)),
                                   idx(0)}));
                  for (int64_t j = 0; j < streams; ++j)
                    for (int64_t v = 0; v < vectors; ++v) {
                      Value index = words[j * vectors + v];
                      if (c)
                        index =
                            arith::ShRUIOp::create(b, index, splatI32(4 * c));
                      for (int64_t r = 0; r < rows; ++r) {
                        Value &sum = sums[sumRow(r, j) * vectors + v];
                        sum = arith::AddFOp::create(
                            b, sum, permute(rowTables[r], index));
                      }
                    }
                }
                storeSums(step, sums);
              });
              return SmallVector<Value>{};
            });
          } else {
            // Whole words.
            auto [firstWord, lastWord] = groupWordRange(g, fullWords);
            forLoop(
                firstWord, lastWord, idx(1), {}, [&](Value word, ValueRange) {
                  Value base = arith::MulIOp::create(b, word, idx(32));
                  forEachStep([&](const Step &step) {
                    prefetchWords(word, step.cols);
                    SmallVector<Value> words = loadWords(step, word);
                    // A loop over the 32 bits, the bit vector carried and
                    // doubled: unrolled, its 32 constant bit vectors would be
                    // hoisted out of the column loop and crowd the sums out of
                    // the registers.
                    SmallVector<Value> inits = loadSums(step);
                    inits.push_back(splatI32(1));
                    SmallVector<Value> sums = forLoop(
                        idx(0), idx(32), idx(1), inits,
                        [&](Value i, ValueRange it) {
                          SmallVector<Value> sums(it.drop_back());
                          Value bit = it.back();
                          accumulateBit(words, sums, bit,
                                        arith::AddIOp::create(b, base, i));
                          sums.push_back(arith::AddIOp::create(b, bit, bit));
                          return sums;
                        });
                    sums.pop_back();
                    storeSums(step, sums);
                  });
                  return SmallVector<Value>{};
                });
            // The K % 32 rows of the partial last word, in the last group only
            // (a loop of zero or one trip).
            Value hasTail = arith::AndIOp::create(
                b,
                arith::CmpIOp::create(
                    b, arith::CmpIPredicate::eq, g,
                    arith::SubIOp::create(b, numGroups, idx(1))),
                arith::CmpIOp::create(b, arith::CmpIPredicate::ne, tailRows,
                                      idx(0)));
            Value tailTrips =
                arith::SelectOp::create(b, hasTail, idx(1), idx(0));
            Value tailBase = arith::MulIOp::create(b, fullWords, idx(32));
            forLoop(idx(0), tailTrips, idx(1), {}, [&](Value, ValueRange) {
              forEachStep([&](const Step &step) {
                SmallVector<Value> words = loadWords(step, fullWords);
                SmallVector<Value> sums = forLoop(
                    idx(0), tailRows, idx(1), loadSums(step),
                    [&](Value i, ValueRange it) {
                      SmallVector<Value> sums(it);
                      accumulateBit(words, sums, bitVector(i),
                                    arith::AddIOp::create(b, tailBase, i));
                      return sums;
                    });
                storeSums(step, sums);
              });
              return SmallVector<Value>{};
            });
          }
          // Apply the coefficients of group g.
          forEachStep([&](const Step &step) {
            SmallVector<Value> sums = loadSums(step);
            Value minusTwo = splatF32(-2.0f);
            for (int64_t v = 0; v < vectors; ++v) {
              SmallVector<Value> c;
              for (int64_t l = 0; l <= numTerms; ++l)
                c.push_back(toF32(loadColumns(coeffs, {g, idx(l)}, step.cols[v],
                                              step.masks[v])));
              for (int64_t r = 0; r < rows; ++r) {
                auto z = [&](int64_t j) {
                  return sums[sumRow(r, j) * vectors + v];
                };
                Value s = vector::BroadcastOp::create(
                    b, vecF32,
                    memref::LoadOp::create(b, groupSums,
                                           ValueRange{idx(r), g}));
                Value y = vector::LoadOp::create(
                    b, vecF32, ybuf, ValueRange{idx(r), step.slots[v]});
                y = vector::FMAOp::create(b, c[0], s, y);
                for (int64_t l = 0; l < numTerms; ++l) {
                  Value term;
                  switch (kind) {
                  case PlaneKind::Binary:
                    term = arith::SubFOp::create(b, s, z(l));
                    break;
                  case PlaneKind::Signed:
                    term = vector::FMAOp::create(b, minusTwo, z(l), s);
                    break;
                  case PlaneKind::Ternary:
                    term = vector::FMAOp::create(
                        b, minusTwo, z(2 * l + 1),
                        arith::AddFOp::create(b, s, z(2 * l)));
                    break;
                  }
                  y = vector::FMAOp::create(b, c[l + 1], term, y);
                }
                vector::StoreOp::create(b, y, ybuf,
                                        ValueRange{idx(r), step.slots[v]});
              }
            }
          });
          return SmallVector<Value>{};
        });
        forEachStep([&](const Step &step) {
          for (int64_t r = 0; r < rows; ++r)
            for (int64_t v = 0; v < vectors; ++v)
              storeColumns(
                  vector::LoadOp::create(b, vecF32, ybuf,
                                         ValueRange{idx(r), step.slots[v]}),
                  acc, {idx(r)}, step.cols[v], step.masks[v]);
        });
      });
  memref::DeallocOp::create(b, groupSums);
  if (tables)
    memref::DeallocOp::create(b, tables);
}

// Dequantizes rows [chunk, chunk + 32·chunkWords) of the column tile at
// `col0` into wbuf[row - chunk, col - col0]. Every weight starts from the
// value with all bits set, F = c0 + Σ_l c_{l+1}, and each clear bit of a
// stream (see loadBitStreams) adds that stream's correction:
//   binary:  −c_{l+1}            (b = 0 drops the term)
//   signed:  −2c_{l+1}           (t = −1 instead of +1)
//   ternary: m: +c_{l+1}, m&s: −2c_{l+1}
//            (m=1,s=1: F; m=1,s=0: F − 2c; m=0: F − 2c + c, the term is 0)
// Rows ≥ K of the last word are written too but never read.
void BitplaneMatmulEmitter::emitDequantizeChunk(Value wbuf, Value col0,
                                                Value end, Value chunk,
                                                Value chunkWords) {
  Value firstWord = arith::DivUIOp::create(b, chunk, idx(32));
  forLoop(idx(0), chunkWords, idx(1), {}, [&](Value localWord, ValueRange) {
    Value word = arith::AddIOp::create(b, firstWord, localWord);
    Value g = arith::DivUIOp::create(b, arith::MulIOp::create(b, word, idx(32)),
                                     idx(groupSize));
    Value localRow = arith::MulIOp::create(b, localWord, idx(32));
    for (int64_t v = 0; v < columnTile / kLanes; ++v) {
      Value col = arith::AddIOp::create(b, col0, idx(v * kLanes));
      Value mask = columnMask(col, end);
      Value full;
      SmallVector<Value> corrections;
      for (int64_t l = 0; l <= numTerms; ++l) {
        Value c = toF32(loadColumns(coeffs, {g, idx(l)}, col, mask));
        full = l == 0 ? c : arith::AddFOp::create(b, full, c);
        if (l == 0)
          continue;
        Value minusTwoC = arith::MulFOp::create(b, splatF32(-2.0f), c);
        switch (kind) {
        case PlaneKind::Binary:
          corrections.push_back(arith::NegFOp::create(b, c));
          break;
        case PlaneKind::Signed:
          corrections.push_back(minusTwoC);
          break;
        case PlaneKind::Ternary:
          corrections.push_back(c);
          corrections.push_back(minusTwoC);
          break;
        }
      }
      SmallVector<Value> streams = loadBitStreams(word, col, mask);
      for (int64_t i = 0; i < 32; ++i) {
        Value bit = bitVector(i);
        Value w = full;
        for (auto [stream, correction] :
             llvm::zip_equal(streams, corrections)) {
          Value corrected = arith::AddFOp::create(b, w, correction);
          w = arith::SelectOp::create(b, testBitClear(stream, bit), corrected,
                                      w);
        }
        Value row = arith::AddIOp::create(b, localRow, idx(i));
        vector::StoreOp::create(b, w, wbuf, ValueRange{row, idx(v * kLanes)});
      }
    }
    return SmallVector<Value>{};
  });
}

// ybuf[row0+r, tile] += Σ_{k<chunkRows} x[row0+r, chunk+k] · wbuf[k, tile]
// for r < rows, four column vectors at a time, accumulators in registers.
void BitplaneMatmulEmitter::emitGemmMicroKernel(Value wbuf, Value ybuf,
                                                Value col0, Value end,
                                                Value chunk, Value chunkRows,
                                                Value row0, int64_t rows) {
  int64_t tileVectors = columnTile / kLanes;
  for (int64_t v0 = 0; v0 < tileVectors; v0 += 4) {
    int64_t vectors = std::min<int64_t>(4, tileVectors - v0);
    SmallVector<Value> cols, masks, rowIdx, init;
    for (int64_t r = 0; r < rows; ++r)
      rowIdx.push_back(arith::AddIOp::create(b, row0, idx(r)));
    for (int64_t v = 0; v < vectors; ++v) {
      cols.push_back(arith::AddIOp::create(b, col0, idx((v0 + v) * kLanes)));
      masks.push_back(columnMask(cols.back(), end));
    }
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t v = 0; v < vectors; ++v)
        init.push_back(loadColumns(ybuf, {rowIdx[r]}, cols[v], masks[v]));
    SmallVector<Value> sums =
        forLoop(idx(0), chunkRows, idx(1), init, [&](Value kk, ValueRange it) {
          SmallVector<Value> sums(it), w;
          for (int64_t v = 0; v < vectors; ++v)
            w.push_back(vector::LoadOp::create(
                b, vecF32, wbuf, ValueRange{kk, idx((v0 + v) * kLanes)}));
          Value kIdx = arith::AddIOp::create(b, chunk, kk);
          for (int64_t r = 0; r < rows; ++r) {
            Value xr = broadcastInput(rowIdx[r], kIdx);
            for (int64_t v = 0; v < vectors; ++v) {
              Value &s = sums[r * vectors + v];
              s = vector::FMAOp::create(b, xr, w[v], s);
            }
          }
          return sums;
        });
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t v = 0; v < vectors; ++v)
        storeColumns(sums[r * vectors + v], ybuf, {rowIdx[r]}, cols[v],
                     masks[v]);
  }
}

void BitplaneMatmulEmitter::emitGemm() {
  // Accumulate in f32: in acc itself when it is f32, else in an f32 copy.
  Value ybuf = acc;
  auto accType = cast<MemRefType>(acc.getType());
  bool widen = accType.getElementType() != f32;
  auto forEachOutput = [&](function_ref<void(Value, Value)> body) {
    forLoop(idx(0), m, idx(1), {}, [&](Value row, ValueRange) {
      forLoop(idx(0), n, idx(1), {}, [&](Value col, ValueRange) {
        body(row, col);
        return SmallVector<Value>{};
      });
      return SmallVector<Value>{};
    });
  };
  if (widen) {
    auto type =
        MemRefType::get({ShapedType::kDynamic, ShapedType::kDynamic}, f32);
    ybuf = memref::AllocOp::create(b, type, ValueRange{m, n});
    forEachOutput([&](Value row, Value col) {
      Value v = memref::LoadOp::create(b, acc, ValueRange{row, col});
      memref::StoreOp::create(b, toF32(v), ybuf, ValueRange{row, col});
    });
  }

  Value step = idx(columnTile);
  Value chunkStep = idx(kGemmChunkRows);
  Value mainRows =
      arith::SubIOp::create(b, m, arith::RemUIOp::create(b, m, idx(kGemmRows)));
  parallelOverColumns(n, step, [&](Value col0) {
    Value end = minIdx(arith::AddIOp::create(b, col0, step), n);
    // One dequantized chunk of the tile per task, on the stack (static
    // shape: bitsink-hoist-static-allocas gives each thread one buffer).
    Value wbuf = memref::AllocaOp::create(
        b, MemRefType::get({kGemmChunkRows, columnTile}, f32));
    forLoop(idx(0), k, chunkStep, {}, [&](Value chunk, ValueRange) {
      Value chunkRows = minIdx(chunkStep, arith::SubIOp::create(b, k, chunk));
      Value chunkWords = arith::CeilDivUIOp::create(b, chunkRows, idx(32));
      emitDequantizeChunk(wbuf, col0, end, chunk, chunkWords);
      forLoop(idx(0), mainRows, idx(kGemmRows), {},
              [&](Value row0, ValueRange) {
                emitGemmMicroKernel(wbuf, ybuf, col0, end, chunk, chunkRows,
                                    row0, kGemmRows);
                return SmallVector<Value>{};
              });
      forLoop(mainRows, m, idx(1), {}, [&](Value row0, ValueRange) {
        emitGemmMicroKernel(wbuf, ybuf, col0, end, chunk, chunkRows, row0, 1);
        return SmallVector<Value>{};
      });
      return SmallVector<Value>{};
    });
  });

  if (widen) {
    forEachOutput([&](Value row, Value col) {
      Value v = memref::LoadOp::create(b, ybuf, ValueRange{row, col});
      memref::StoreOp::create(
          b, arith::TruncFOp::create(b, accType.getElementType(), v), acc,
          ValueRange{row, col});
    });
    // The CPU pipeline places deallocations before the lowerings run: free
    // what is allocated here.
    memref::DeallocOp::create(b, ybuf);
  }
}

namespace {
struct LowerBitplaneMatmulPass
    : bitsink::impl::BitSinkLowerBitplaneMatmulBase<LowerBitplaneMatmulPass> {
  using BitSinkLowerBitplaneMatmulBase::BitSinkLowerBitplaneMatmulBase;

  void runOnOperation() override {
    int64_t maxGemvRows = gemvMaxRows;
    int64_t tile = columnTile;
    int64_t distance = prefetchDistance;
    int64_t gemvTile = gemvColumnTile;
    bool lut = gemvLut;
    auto lower = [&](RewriterBase &rewriter,
                     BitplaneMatmulOp op) -> LogicalResult {
      if (op.getLayout())
        return op.emitOpError(
            "with a blocked #bitsink.layout is not supported by "
            "bitsink-lower-bitplane-matmul; expects canonical P x KW x N "
            "planes");
      ImplicitLocOpBuilder b(op.getLoc(), rewriter);
      int64_t rows = cast<MemRefType>(op.getInput().getType()).getDimSize(0);
      BitplaneMatmulEmitter emitter(b, op, tile, gemvTile, distance, lut);
      if (!ShapedType::isDynamic(rows) && rows <= maxGemvRows)
        emitter.emitGemv();
      else
        emitter.emitGemm();
      rewriter.eraseOp(op);
      return success();
    };
    if (failed(lowerAll<BitplaneMatmulOp>(getOperation(), lower)))
      return signalPassFailure();
  }
};
} // namespace

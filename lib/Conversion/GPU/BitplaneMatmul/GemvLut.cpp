//===- GemvLut.cpp - the GEMV's partial-sum tables on GPUs ------*- C++ -*-===//
//
// For M <= gemv-lut-max-rows the GEMV kernel (Gemv.cpp) does not rebuild
// the weights: it sums x through four-row partial-sum tables in shared
// memory and applies the coefficients once per chunk (docs/gpu-bitplane.md,
// "GEMV"). This file builds the tables of a step and sums one chunk
// through them.
//
//===----------------------------------------------------------------------===//

#include "BitplaneEmitterGPU.h"

using namespace mlir;
using namespace bitsink;

// For input row r and four rows 4q.. of the step, table[r][q][t] =
// Σ_{i<4, bit i of t} x[r, 4q + i] (rows past K are 0).
void BitplaneEmitterGPU::stageLutTables(const GemvShape &s, Value tables,
                                        Value tid, Value rowBase,
                                        Value stepQuads,
                                        llvm::Align xQuadAlign) {
  ctaStrided(tid, idx(s.tableFloats), kWarpSize * s.warpsK, [&](Value e) {
    Value t = remU(e, idx(16));
    Value quadIndex = divU(e, idx(16));
    Value r = divU(quadIndex, stepQuads);
    Value row = add(rowBase, mul(remU(quadIndex, stepQuads), idx(4)));
    Value xq = loadInputQuad(r, row, xQuadAlign);
    Value sum = f32(0);
    for (int64_t i = 0; i < 4; ++i) {
      Value set = ne(andI(t, idx(int64_t{1} << i)), idx(0));
      sum = fadd(sum, select(set, vector::ExtractOp::create(b, xq, i), f32(0)));
    }
    store(sum, tables, {e});
  });
}

// Per stream (a binary/signed plane; for ternary pairs m and m & s) and
// input row, Z = Σ x[k] over the chunk's rows whose bit is set, four rows
// per table lookup (one shared load, conflict-free: a table is 16
// consecutive floats, one per bank); S = Σ x[k] (entry 15). Then once per
// chunk, with the group's coefficients (with scale codes, every lookup
// times its sub-block's multiplier m, and S per column: Σ m·x):
//   binary:  y += c0·S + Σ_l c_{l+1}·Z_l
//   signed:  y += c0·S + Σ_l c_{l+1}·(2·Z_l − S)
//   ternary: y += c0·S + Σ_l c_{l+1}·(2·Z_{m&s} − Z_m)
// Rows past K have x = 0 in the tables, so the stored bits there (and of
// the clamped words past the planes) add nothing: no tail case.
SmallVector<Value>
BitplaneEmitterGPU::emitGemvChunkLut(const GemvShape &s, Value tables,
                                     Value chunk, Value localRow, Value col0,
                                     SmallVector<Value> y) {
  ChunkCoefficients chunkCoeffs = loadChunkCoefficients(s, chunk, col0);
  Value firstWord = chunkCoeffs.firstWord;
  const SmallVector<SmallVector<Value>> &c = chunkCoeffs.columns;
  Value lastWord = sub(numWords, idx(1));
  int64_t streams = kind == PlaneKind::Ternary ? 2 * numTerms : numPlanes;
  // words[j][v][stream]; with scale codes, codes[j][v] (the word of codes
  // of word j and column v).
  SmallVector<SmallVector<SmallVector<Value>>> words(s.chunkWords);
  SmallVector<SmallVector<Value>> codes(s.chunkWords);
  SmallVector<Value> wordIndex(s.chunkWords);
  for (int64_t j = 0; j < s.chunkWords; ++j) {
    wordIndex[j] = minS(add(firstWord, idx(j)), lastWord);
    words[j] = loadPlaneWords(s, wordIndex[j], col0);
    if (scales)
      codes[j] = loadCodeRun(wordIndex[j], col0, s.width);
    if (kind == PlaneKind::Ternary)
      for (int64_t v = 0; v < s.width; ++v)
        for (int64_t l = 0; l < numTerms; ++l)
          words[j][v][2 * l + 1] =
              andI(words[j][v][2 * l], words[j][v][2 * l + 1]);
  }
  int64_t stepQuads = s.stepRows / 4;
  Value zero = f32(0);
  // z[(r·streams + j)·width + v]; sum[r·width + v] (the same for every v
  // without codes: then only sum[r·width] is kept).
  SmallVector<Value> z(s.rows * streams * s.width, zero),
      sum(s.rows * s.width, zero);
  Value fifteen = i32(15);
  // With scale codes each lookup (4 rows, inside one sub-block) is scaled by
  // its sub-block's multiplier for the column: z += m·entry, sum += m·S.
  SmallVector<Value> multipliers(s.width);
  for (int64_t j = 0; j < s.chunkWords; ++j) {
    // The table quad of rows 32·word + 4·nib.. of this step.
    Value quad0 = divU(add(localRow, idx(32 * j)), idx(4));
    Value wordRow = mul(wordIndex[j], idx(32));
    for (int64_t nib = 0; nib < 8; ++nib) {
      if (scales && (4 * nib) % subBlock == 0)
        for (int64_t v = 0; v < s.width; ++v)
          multipliers[v] =
              multiplierOf(codes[j][v], add(wordRow, idx(4 * nib)));
      auto accumulate = [&](Value &acc, Value entry, int64_t v) {
        acc = scales ? mulAdd(multipliers[v], entry, acc) : fadd(acc, entry);
      };
      Value quadIndex = add(quad0, idx(nib));
      SmallVector<Value> tableBase;
      for (int64_t r = 0; r < s.rows; ++r) {
        tableBase.push_back(mul(add(idx(r * stepQuads), quadIndex), idx(16)));
        Value all = load(tables, {add(tableBase[r], idx(15))});
        for (int64_t v = 0; v < (scales ? s.width : 1); ++v)
          accumulate(sum[r * s.width + v], all, v);
      }
      for (int64_t v = 0; v < s.width; ++v)
        for (int64_t st = 0; st < streams; ++st) {
          Value bits = words[j][v][st];
          if (nib)
            bits = shrU(bits, i32(4 * nib));
          Value entry = arith::IndexCastUIOp::create(b, b.getIndexType(),
                                                     andI(bits, fifteen));
          for (int64_t r = 0; r < s.rows; ++r)
            accumulate(z[(r * streams + st) * s.width + v],
                       load(tables, {add(tableBase[r], entry)}), v);
        }
    }
  }
  Value two = f32(2);
  for (int64_t r = 0; r < s.rows; ++r)
    for (int64_t v = 0; v < s.width; ++v) {
      auto zOf = [&](int64_t st) {
        return z[(r * streams + st) * s.width + v];
      };
      Value all = sum[r * s.width + (scales ? v : 0)];
      Value &out = y[r * s.width + v];
      out = mulAdd(c[v][0], all, out);
      for (int64_t l = 0; l < numTerms; ++l) {
        Value term;
        switch (kind) {
        case PlaneKind::Binary:
          term = zOf(l);
          break;
        case PlaneKind::Signed:
          term = fsub(fmul(two, zOf(l)), all);
          break;
        case PlaneKind::Ternary:
          term = fsub(fmul(two, zOf(2 * l + 1)), zOf(2 * l));
          break;
        }
        out = mulAdd(c[v][l + 1], term, out);
      }
    }
  return y;
}

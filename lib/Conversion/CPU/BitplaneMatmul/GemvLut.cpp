//===- GemvLut.cpp - GEMV through partial-sum tables ------------*- C++ -*-===//
//
// The table variant of the GEMV's bit sums (`gemv-lut`, T-MAC style):
// instead of testing one bit at a time, lutChunkRows() bits of a plane word
// index a table of the partial sums of as many input rows, one lookup per
// chunk of rows and column vector. The tables are built once per call and
// shared by every column. The sums are f32 throughout: the same numbers as
// the bit-test kernel up to the order of the additions.
//
// The lookup is the one instruction the ISAs do differently (and the reason
// the chunk is 4 rows on AVX-512 and NEON, 3 on AVX2): X86/GemvLutAVX512.cpp,
// X86/GemvLutAVX2.cpp, AArch64/GemvLutNeon.cpp. LowerBitplaneMatmul.cpp
// picks the ISA from the target's features (TargetFeatures.h); LLVM cannot
// lower an intrinsic of another ISA.
//
//===----------------------------------------------------------------------===//

#include "BitplaneEmitter.h"

using namespace mlir;
using namespace bitsink;
using namespace bitsink::cpu;

Value BitplaneMatmulEmitter::lookupTable(Value table, Value index) {
  switch (tableIsa) {
  case GemvTableIsa::AVX512:
    return lookupAVX512(table, index);
  case GemvTableIsa::AVX2:
    return lookupAVX2(table, index);
  case GemvTableIsa::Neon:
    return lookupNeon(table, index);
  case GemvTableIsa::AVX2Int8:
  case GemvTableIsa::AVX512Int8:
  case GemvTableIsa::AVX512Int16:
  case GemvTableIsa::None:
    break;
  }
  llvm_unreachable("the f32 table kernel without an f32 table ISA");
}

Value BitplaneMatmulEmitter::emitPartialSumTables() {
  int64_t chunkRows = lutChunkRows(), entries = lutEntries();
  int64_t perWord = lutChunksPerWord();
  Value chunks = mul(planeWords, idx(perWord));
  auto type = MemRefType::get(
      {ShapedType::kDynamic, ShapedType::kDynamic, entries}, f32Type);
  auto tableType = VectorType::get({entries}, f32Type);
  Value tables = memref::AllocOp::create(b, type, ValueRange{m, chunks});
  // Lane t of pattern i is bit i of t.
  SmallVector<Value> patterns;
  for (int64_t i = 0; i < chunkRows; ++i) {
    SmallVector<float> lanes;
    for (int64_t t = 0; t < entries; ++t)
      lanes.push_back((t >> i) & 1 ? 1.0f : 0.0f);
    patterns.push_back(arith::ConstantOp::create(
        b, DenseElementsAttr::get(tableType, ArrayRef<float>(lanes))));
  }
  Value zero = f32(0.0);
  Value lastRow = sub(k, idx(1));
  forEach(idx(0), m, idx(1), [&](Value row) {
    forEach(idx(0), chunks, idx(1), [&](Value c) {
      Value table = constant(tableType, 0.0);
      // 4-row chunks tile the words: chunk c starts at row 4c. 3-row chunks
      // start afresh in each word, and the word's last one has 2 rows.
      Value first, offset;
      if (32 % chunkRows == 0) {
        first = mul(c, idx(chunkRows));
      } else {
        offset = mul(remU(c, idx(perWord)), idx(chunkRows));
        first = add(mul(divU(c, idx(perWord)), idx(32)), offset);
      }
      for (int64_t i = 0; i < chunkRows; ++i) {
        Value kIdx = add(first, idx(i));
        Value inRange = slt(kIdx, k);
        if (offset)
          inRange = andI(inRange, ult(add(offset, idx(i)), idx(32)));
        Value xv = toF32(load(x, {row, minS(kIdx, lastRow)}));
        xv = select(inRange, xv, zero);
        table = vectorFma(splat(xv, entries), patterns[i], table);
      }
      vstore(table, tables, {row, c, idx(0)});
    });
  });
  return tables;
}

// Table lookups, lutChunkRows() rows at a time: the clear bits of the
// chunk's rows index the partial sums of those rows, one shift, lookup and
// add per chunk and 16 columns. Every word of the group, the partial last
// one included: the tables read rows >= K as 0.
void BitplaneMatmulEmitter::emitGemvLutSums(const GemvStrip &strip, Value g,
                                            Value tables) {
  int64_t chunkRows = lutChunkRows(), perWord = lutChunksPerWord();
  auto tableType = VectorType::get({lutEntries()}, f32Type);
  auto [first, last] = groupWordRange(g, planeWords);
  forEach(first, last, idx(1), [&](Value word) {
    Value chunk0 = mul(word, idx(perWord));
    forEachStep(strip, [&](const GemvStep &step) {
      prefetchWords(word, step.cols);
      SmallVector<Value> words = loadWords(strip, step, word);
      for (Value &w : words)
        w = xorI(w, constant(vecI32, -1));
      SmallVector<Value> sums = loadSums(strip, step);
      for (int64_t c = 0; c < perWord; ++c) {
        SmallVector<Value> rowTables;
        for (int64_t r = 0; r < strip.rows; ++r)
          rowTables.push_back(
              vload(tableType, tables, {idx(r), add(chunk0, idx(c)), idx(0)}));
        for (int64_t j = 0; j < strip.streams; ++j)
          for (int64_t v = 0; v < strip.vectors; ++v) {
            Value index = words[j * strip.vectors + v];
            if (c)
              index = shrU(index, constant(vecI32, chunkRows * c));
            for (int64_t r = 0; r < strip.rows; ++r) {
              Value &sum = sums[strip.sumRow(r, j) * strip.vectors + v];
              sum = fadd(sum, lookupTable(rowTables[r], index));
            }
          }
      }
      storeSums(strip, step, sums);
    });
  });
}

// With scale codes (4-row tables): the words of group `g` as
// emitGemvLutSums walks them, and within each word its 32/S sub-blocks,
// whose multipliers (one vector per column vector, from the word of codes
// they share) scale each lookup (an FMA where the plain kernel adds) and
// the sub-block's input sum added to the column sums. Sub-blocks past
// ceil(K/S) in the last word add nothing: their tables hold zeros and their
// input sums are taken as 0.
void BitplaneMatmulEmitter::emitGemvLutCodeSums(const GemvStrip &strip, Value g,
                                                Value tables, Value unitSums,
                                                Value numUnits) {
  assert(lutChunkRows() == 4 && "sub-blocks of 8 rows need 4-row chunks");
  int64_t unitsPerWord = 32 / subBlock, chunksPerUnit = subBlock / 4;
  auto tableType = VectorType::get({lutEntries()}, f32Type);
  Value lastUnit = sub(numUnits, idx(1));
  auto [first, last] = groupWordRange(g, planeWords);
  forEach(first, last, idx(1), [&](Value word) {
    Value chunk0 = mul(word, idx(lutChunksPerWord()));
    Value unit0 = mul(word, idx(unitsPerWord));
    Value codeRow = divU(unit0, idx(8));
    forEachStep(strip, [&](const GemvStep &step) {
      prefetchWords(word, step.cols);
      SmallVector<Value> words = loadWords(strip, step, word);
      for (Value &w : words)
        w = xorI(w, constant(vecI32, -1));
      SmallVector<Value> codeWords;
      for (int64_t v = 0; v < strip.vectors; ++v)
        codeWords.push_back(
            loadColumns(scales, {codeRow}, step.cols[v], step.masks[v]));
      SmallVector<Value> sums = loadSums(strip, step);
      SmallVector<Value> columnSums = loadColumnSums(strip, step);
      for (int64_t u = 0; u < unitsPerWord; ++u) {
        Value unit = add(unit0, idx(u));
        SmallVector<Value> multipliers;
        for (Value codes : codeWords)
          multipliers.push_back(multipliersOf(codes, unit));
        Value exists = slt(unit, numUnits);
        for (int64_t r = 0; r < strip.rows; ++r) {
          Value sum = load(unitSums, {idx(r), minS(unit, lastUnit)});
          Value input = splat(select(exists, sum, f32(0.0)), kLanes);
          for (int64_t v = 0; v < strip.vectors; ++v) {
            Value &s = columnSums[r * strip.vectors + v];
            s = vectorFma(multipliers[v], input, s);
          }
        }
        for (int64_t c = 0; c < chunksPerUnit; ++c) {
          int64_t chunk = u * chunksPerUnit + c;
          SmallVector<Value> rowTables;
          for (int64_t r = 0; r < strip.rows; ++r)
            rowTables.push_back(vload(
                tableType, tables, {idx(r), add(chunk0, idx(chunk)), idx(0)}));
          for (int64_t j = 0; j < strip.streams; ++j)
            for (int64_t v = 0; v < strip.vectors; ++v) {
              Value index = words[j * strip.vectors + v];
              if (chunk)
                index = shrU(index, constant(vecI32, 4 * chunk));
              for (int64_t r = 0; r < strip.rows; ++r) {
                Value &sum = sums[strip.sumRow(r, j) * strip.vectors + v];
                sum = vectorFma(multipliers[v],
                                lookupTable(rowTables[r], index), sum);
              }
            }
        }
      }
      storeSums(strip, step, sums);
      storeColumnSums(strip, step, columnSums);
    });
  });
}

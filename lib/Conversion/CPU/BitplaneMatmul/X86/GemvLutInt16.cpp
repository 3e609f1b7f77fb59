//===- GemvLutInt16.cpp - GEMV through 16-bit tables, AVX-512BW -*- C++ -*-===//
//
// The int16 table kernel of the GEMV (`gemv-lut-int16`): the f32 partial-sum
// tables of 4 input rows (GemvLut.cpp) rounded to 16-bit integers, one
// scale per block of at most 128 rows, and `vpermw` (AVX-512BW) looking up
// 32 16-bit lanes at once, straight from the canonical plane words.
//
// A plane word holds 32 rows of one column: its low 16-bit half rows 0..15,
// its high half rows 16..31. One table of 32 entries serves both halves of
// chunk position c: entries 0..15 are the chunk of rows 4c..4c+3, entries
// 16..31 the chunk of rows 16+4c..16+4c+3. The index of a lookup is
//   (w >> 4c) & 0x000F000F | 0x00100000
// (`vpsrld` and one `vpternlogd`): each half's 4 bits of the chunk, and bit
// 4 set in the high half to pick its half of the table. `vpermw` reads the
// low 5 bits of each 16-bit lane. So per word, stream and 16 columns the
// kernel does 3 shifts, 4 ternary logic ops, 4 lookups and 4 adds, against
// 1 + 7 + 8 + 8 for the f32 kernel (`vpermps`, 16 lanes of 4 rows), and no
// byte transpose as the int8 kernel needs.
//
// Sums: each 16-bit lane adds 4 lookups per word, so a block of B words
// adds 4B entries of at most int16EntryLimit() = 32767 / (4B) in magnitude
// (2047 for B = 4): no overflow. Per block, `vpmaddwd` with ones adds the
// two halves of each column into 32 bits, then Z -= s · that sum (Z starts
// at the group sum S, so that it is the sum over clear bits as for the
// other kernels).
//
// Precision: each entry is off by at most s/2 with s = max |entry| / limit
// over the block (limit 2047 for blocks of 4 words, more for smaller
// ones): twice the int8 kernel's 1023 (docs/bitplane-lowering.md).
//
//===----------------------------------------------------------------------===//

#include "../BitplaneEmitter.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

using namespace mlir;
using namespace bitsink;
using namespace bitsink::cpu;

/// Entries of a 4-row table, and of a two-chunk int16 table.
static constexpr int64_t kChunkEntries = 16;
static constexpr int64_t kTableEntries = 32;
/// Chunks of 4 rows per 16-bit half of a word.
static constexpr int64_t kChunksPerHalf = 4;

std::pair<Value, Value> BitplaneMatmulEmitter::emitInt16Tables(Value tables) {
  Type i16 = b.getI16Type();
  auto i16Chunk = VectorType::get({kChunkEntries}, i16);
  // [row][4·word + c][chunk 8w + c (16), chunk 8w + 4 + c (16)].
  Value words = planeWords;
  Value packed = memref::AllocOp::create(
      b,
      MemRefType::get(
          {ShapedType::kDynamic, ShapedType::kDynamic, kTableEntries}, i16),
      ValueRange{m, mul(words, idx(kChunksPerHalf))});
  Value scales = emitRoundedTables(
      tables, int16EntryLimit(), [&](Value row, Value c, Value qi) {
        // Chunk c = 8w + 4h + p goes to table 4w + p, half h.
        Value inWord = remU(c, idx(2 * kChunksPerHalf));
        Value table =
            add(mul(divU(c, idx(2 * kChunksPerHalf)), idx(kChunksPerHalf)),
                remU(inWord, idx(kChunksPerHalf)));
        Value half = mul(divU(inWord, idx(kChunksPerHalf)), idx(kChunkEntries));
        vstore(arith::TruncIOp::create(b, i16Chunk, qi), packed,
               {row, table, half});
      });
  return {packed, scales};
}

void BitplaneMatmulEmitter::emitGemvInt16Group(const GemvStrip &strip, Value g,
                                               Value int16Tables, Value scales,
                                               Value groupSums) {
  Type i16 = b.getI16Type();
  auto halvesType = VectorType::get({2 * kLanes}, i16);
  int64_t rows = strip.rows, vectors = strip.vectors;
  int64_t streams = strip.streams, blockWords = int8BlockWords();
  Value chunkBits = constant(vecI32, 0x000F000F);
  Value highHalf = constant(vecI32, 0x00100000);
  Value ones = constant(halvesType, 1);
  auto lookup = [&](Value table, Value index) {
    return LLVM::CallIntrinsicOp::create(
               b, halvesType, b.getStringAttr("llvm.x86.avx512.permvar.hi.512"),
               ValueRange{table, index})
        .getResult(0);
  };
  auto addHalves = [&](Value sums) {
    return LLVM::CallIntrinsicOp::create(
               b, vecI32, b.getStringAttr("llvm.x86.avx512.pmaddw.d.512"),
               ValueRange{sums, ones})
        .getResult(0);
  };
  // One block of the step: Z -= the set bits' sums. The streams take turns,
  // so that only one stream's accumulators are live in the word loop.
  auto block = [&](const GemvStep &step, bool interior, Value word0,
                   Value blockEnd, SmallVector<Value> sums) {
    Value blk = divU(word0, idx(blockWords));
    for (int64_t j = 0; j < streams; ++j) {
      SmallVector<Value> zeros(rows * vectors, constant(halvesType, 0));
      SmallVector<Value> acc = forLoop(
          word0, blockEnd, idx(1), zeros, [&](Value word, ValueRange it) {
            SmallVector<Value> acc(it);
            if (j == 0)
              prefetchWords(word, step.cols);
            SmallVector<Value> words =
                loadStreamWords(strip, step, word, interior, j);
            Value table0 = mul(word, idx(kChunksPerHalf));
            for (int64_t c = 0; c < kChunksPerHalf; ++c) {
              SmallVector<Value> rowTables;
              for (int64_t r = 0; r < rows; ++r)
                rowTables.push_back(
                    vload(halvesType, int16Tables,
                          {idx(r), add(table0, idx(c)), idx(0)}));
              for (int64_t v = 0; v < vectors; ++v) {
                Value index = words[v];
                if (c)
                  index = shrU(index, constant(vecI32, 4 * c));
                index = orI(andI(index, chunkBits), highHalf);
                index = vector::BitCastOp::create(b, halvesType, index);
                for (int64_t r = 0; r < rows; ++r) {
                  Value &sum = acc[r * vectors + v];
                  sum = add(sum, lookup(rowTables[r], index));
                }
              }
            }
            return acc;
          });
      for (int64_t r = 0; r < rows; ++r) {
        Value minusScale =
            splat(fsub(f32(0.0), load(scales, {idx(r), blk})), kLanes);
        for (int64_t v = 0; v < vectors; ++v) {
          Value set = intToF32(addHalves(acc[r * vectors + v]));
          Value &z = sums[strip.sumRow(r, j) * vectors + v];
          z = vectorFma(minusScale, set, z);
        }
      }
    }
    return sums;
  };
  emitIntTableGroup(strip, g, groupSums, blockWords, block);
}

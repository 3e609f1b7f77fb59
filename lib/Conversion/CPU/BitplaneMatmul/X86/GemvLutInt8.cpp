//===- GemvLutInt8.cpp - GEMV through int8 tables, x86 ----------*- C++ -*-===//
//
// The int8 table kernel of the GEMV (`gemv-lut-int8`, T-MAC's form): the
// f32 partial-sum tables of 4 input rows (GemvLut.cpp) are rounded to
// bytes, one scale per block of at most 128 rows, and `vpshufb` looks up 32
// (AVX2, ymm) or 64 (AVX-512BW, zmm) columns at once from a 16-byte table.
//
// Per block, step of 32 (64) columns and stream:
//   1. The plane words of the step's columns (4 registers of 8 (16) words)
//      are transposed to bytes: E_b (one register) holds byte b (rows
//      8b..8b+7 of the word) of every column, by an in-lane byte shuffle and
//      two rounds of 32- and 64-bit unpacks (12 shuffles per word and
//      step). The columns of E_b come in a fixed permuted order
//      (int8ColumnOfByte).
//   2. The low and high nibbles of E_b index the tables of rows 8b..8b+3
//      and 8b+4..8b+7: one vpshufb each gives 32 (64) bytes e + 128.
//   3. The bytes are summed in 16-bit lanes without widening: W += the byte
//      pair as one 16-bit word, H += its high byte. At the end of the block
//      the even bytes' sum is W − 256·H (exact: at most 32 lookups of 255
//      fit in 15 bits) and the odd bytes' sum is H.
//   4. Per block: both sums to f32, unpermuted into column order, minus 128
//      per lookup, times the block's scale, subtracted from Z (which starts
//      at S, so that Z is the sum over clear bits as for the other kernels).
//
// Precision: each entry is off by at most half a scale step, s/2 with
// s = max |entry| / 127 over the block, so the sums are not the f32
// kernels' (docs/bitplane-lowering.md has the bound and measurements).
//
//===----------------------------------------------------------------------===//

#include "../BitplaneEmitter.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"

#include <numeric>

using namespace mlir;
using namespace bitsink;
using namespace bitsink::cpu;

/// Entries of a 4-row table.
static constexpr int64_t kEntries = 16;
/// Chunks of 4 rows per 32-row word.
static constexpr int64_t kChunksPerWord = 8;

/// The column of byte `i` of the transposed vectors E_b of `lanes` 128-bit
/// halves: byte q of half L is dword q / 4 (source register d: columns
/// 4·lanes·d ..) and column q % 4 of that register's half L (its columns
/// 4L..4L+3).
static int64_t int8ColumnOfByte(int64_t i, int64_t lanes) {
  int64_t half = i / 16, q = i % 16;
  return 4 * lanes * (q / 4) + 4 * half + q % 4;
}

int64_t BitplaneMatmulEmitter::int8BlockWords() const {
  // A group of group_size ≥ K (per channel) is the only group: any block
  // size divides it.
  if (groupSize % 32 != 0)
    return 4;
  return std::gcd<int64_t>(groupSize / 32, 4);
}

Value BitplaneMatmulEmitter::lookupBytes(Value table, Value index) {
  StringRef name = int8Lanes() == 4 ? "llvm.x86.avx512.pshuf.b.512"
                                    : "llvm.x86.avx2.pshuf.b";
  return LLVM::CallIntrinsicOp::create(b, index.getType(),
                                       b.getStringAttr(name),
                                       ValueRange{table, index})
      .getResult(0);
}

std::pair<Value, Value> BitplaneMatmulEmitter::emitInt8Tables(Value tables) {
  Type i8 = b.getI8Type();
  auto f32Table = VectorType::get({kEntries}, f32Type);
  auto i32Table = VectorType::get({kEntries}, b.getI32Type());
  auto i8Table = VectorType::get({kEntries}, i8);
  int64_t blockWords = int8BlockWords();
  Value chunks = dim(tables, 1);
  Value blocks = ceilDivU(dim(planes, 1), idx(blockWords));
  Value bytes = memref::AllocOp::create(
      b,
      MemRefType::get({ShapedType::kDynamic, ShapedType::kDynamic, kEntries},
                      i8),
      ValueRange{m, chunks});
  Value scales = memref::AllocOp::create(
      b, MemRefType::get({ShapedType::kDynamic, ShapedType::kDynamic}, f32Type),
      ValueRange{m, blocks});
  Value blockChunks = idx(blockWords * kChunksPerWord);
  forEach(idx(0), m, idx(1), [&](Value row) {
    forEach(idx(0), blocks, idx(1), [&](Value blk) {
      Value first = mul(blk, blockChunks);
      Value last = minS(add(first, blockChunks), chunks);
      // The largest |entry| of the block.
      SmallVector<Value> peak =
          forLoop(first, last, idx(1), constant(f32Table, 0.0),
                  [&](Value c, ValueRange it) {
                    Value t = vload(f32Table, tables, {row, c, idx(0)});
                    return SmallVector<Value>{
                        fmax(it[0], math::AbsFOp::create(b, t).getResult())};
                  });
      Value top = vector::ReductionOp::create(b, vector::CombiningKind::MAXNUMF,
                                              peak[0]);
      // s = top / 127; an all-zero block gets s = 0 and entries 0.
      Value positive = fcmp(arith::CmpFPredicate::OGT, top, f32(0.0));
      Value scale = fdiv(top, f32(127.0));
      Value inverse = select(positive, fdiv(f32(127.0), top), f32(0.0));
      store(scale, scales, {row, blk});
      Value inverseVec = splat(inverse, kEntries);
      forEach(first, last, idx(1), [&](Value c) {
        Value t = vload(f32Table, tables, {row, c, idx(0)});
        Value q = math::RoundOp::create(b, fmul(t, inverseVec));
        Value qi = arith::FPToSIOp::create(b, i32Table, q);
        qi = add(qi, constant(i32Table, 128));
        vstore(arith::TruncIOp::create(b, i8Table, qi), bytes,
               {row, c, idx(0)});
      });
    });
  });
  return {bytes, scales};
}

SmallVector<Value>
BitplaneMatmulEmitter::transposeWordBytes(ArrayRef<Value> words) {
  int64_t lanes = int8Lanes(), dwords = 4 * lanes;
  auto wordsType = VectorType::get({dwords}, b.getI32Type());
  auto bytesType = VectorType::get({16 * lanes}, b.getI8Type());
  auto quadsType = VectorType::get({2 * lanes}, b.getI64Type());
  auto cast = [&](Type type, Value v) {
    return vector::BitCastOp::create(b, type, v).getResult();
  };
  // The 4 registers of 4·lanes words, each with its bytes grouped by
  // position within each 128-bit half: dword b of a half holds byte b of
  // the half's 4 words.
  SmallVector<int64_t> group;
  for (int64_t half = 0; half < lanes; ++half)
    for (int64_t pos = 0; pos < 4; ++pos)
      for (int64_t word = 0; word < 4; ++word)
        group.push_back(16 * half + 4 * word + pos);
  SmallVector<Value> d;
  for (Value v : words)
    for (int64_t first = 0; first < kLanes; first += dwords) {
      Value part = v;
      if (dwords < kLanes)
        part = vector::ExtractStridedSliceOp::create(
            b, v, ArrayRef<int64_t>{first}, ArrayRef<int64_t>{dwords},
            ArrayRef<int64_t>{1});
      Value bytes = cast(bytesType, part);
      d.push_back(
          cast(wordsType, vector::ShuffleOp::create(b, bytes, bytes, group)));
    }
  assert(d.size() == 4 && "four registers of words per step");
  // 4x4 transposes of dwords within each half: unpack 32-bit, then 64-bit
  // (vpunpck{l,h}dq and vpunpck{l,h}qdq per 128-bit half).
  SmallVector<int64_t> lo32, hi32, lo64, hi64;
  for (int64_t h = 0; h < lanes; ++h) {
    for (int64_t i : {0, 1}) {
      lo32.append({4 * h + i, dwords + 4 * h + i});
      hi32.append({4 * h + 2 + i, dwords + 4 * h + 2 + i});
    }
    lo64.append({2 * h, 2 * lanes + 2 * h});
    hi64.append({2 * h + 1, 2 * lanes + 2 * h + 1});
  }
  auto unpack = [&](Value x, Value y, ArrayRef<int64_t> mask) {
    return vector::ShuffleOp::create(b, x, y, mask).getResult();
  };
  Value t0 = cast(quadsType, unpack(d[0], d[1], lo32));
  Value t1 = cast(quadsType, unpack(d[0], d[1], hi32));
  Value t2 = cast(quadsType, unpack(d[2], d[3], lo32));
  Value t3 = cast(quadsType, unpack(d[2], d[3], hi32));
  return {cast(bytesType, unpack(t0, t2, lo64)),
          cast(bytesType, unpack(t0, t2, hi64)),
          cast(bytesType, unpack(t1, t3, lo64)),
          cast(bytesType, unpack(t1, t3, hi64))};
}

void BitplaneMatmulEmitter::emitGemvInt8Sums(const GemvStrip &strip, Value g,
                                             Value int8Tables, Value scales) {
  int64_t lanes = int8Lanes(), byteLanes = 16 * lanes;
  assert(strip.vectors % lanes == 0 && "int8 steps are whole units");
  Type i8 = b.getI8Type(), i16 = b.getI16Type();
  auto bytesType = VectorType::get({byteLanes}, i8);
  auto pairsType = VectorType::get({byteLanes / 2}, i16);
  auto table16 = VectorType::get({kEntries}, i8);
  int64_t units = strip.vectors / lanes, rows = strip.rows;
  int64_t streams = strip.streams, blockWords = int8BlockWords();
  // Accumulators per row, stream and unit: W and H.
  auto accIndex = [&](int64_t r, int64_t j, int64_t u) {
    return 2 * ((r * streams + j) * units + u);
  };
  // The byte table of row r and chunk c, in every 128-bit half.
  SmallVector<int64_t> copies;
  for (int64_t h = 0; h < lanes; ++h)
    for (int64_t e = 0; e < kEntries; ++e)
      copies.push_back(e);
  auto byteTable = [&](int64_t r, Value c) {
    Value t = vload(table16, int8Tables, {idx(r), c, idx(0)});
    return vector::ShuffleOp::create(b, t, t, copies).getResult();
  };
  // Where the columns of the unit come from in the f32 sums [even bytes
  // (byteLanes / 2 lanes), odd bytes (as many)].
  SmallVector<int64_t> source(byteLanes);
  for (int64_t i = 0; i < byteLanes; ++i)
    source[int8ColumnOfByte(i, lanes)] = (i % 2) * (byteLanes / 2) + i / 2;

  auto [first, last] = groupWordRange(g, dim(planes, 1));
  forEach(first, last, idx(blockWords), [&](Value word0) {
    Value blockEnd = minS(add(word0, idx(blockWords)), last);
    Value blk = divU(word0, idx(blockWords));
    // Steps inside [0, end) (all but the strip's edges) load their words
    // without masks: AVX2's masked loads cost more and hold mask registers.
    auto blockStep = [&](const GemvStep &step, bool interior) {
      SmallVector<Value> zeros(2 * rows * streams * units,
                               constant(pairsType, 0));
      SmallVector<Value> acc = forLoop(
          word0, blockEnd, idx(1), zeros, [&](Value word, ValueRange it) {
            SmallVector<Value> acc(it);
            prefetchWords(word, step.cols);
            SmallVector<Value> words = loadWords(strip, step, word, interior);
            Value chunk0 = mul(word, idx(kChunksPerWord));
            Value lowNibble = constant(bytesType, 0x0F);
            for (int64_t j = 0; j < streams; ++j)
              for (int64_t u = 0; u < units; ++u) {
                SmallVector<Value> e =
                    transposeWordBytes(ArrayRef<Value>(words).slice(
                        j * strip.vectors + u * lanes, lanes));
                for (int64_t pos = 0; pos < 4; ++pos) {
                  Value nibbles[2] = {
                      andI(e[pos], lowNibble),
                      andI(shrU(e[pos], constant(bytesType, 4)), lowNibble)};
                  for (int64_t half = 0; half < 2; ++half) {
                    Value c = add(chunk0, idx(2 * pos + half));
                    for (int64_t r = 0; r < rows; ++r) {
                      Value found = vector::BitCastOp::create(
                          b, pairsType,
                          lookupBytes(byteTable(r, c), nibbles[half]));
                      Value &w = acc[accIndex(r, j, u)];
                      Value &h = acc[accIndex(r, j, u) + 1];
                      w = add(w, found);
                      h = add(h, shrU(found, constant(pairsType, 8)));
                    }
                  }
                }
              }
            return acc;
          });
      // 128 per lookup: kChunksPerWord per word of the block.
      Value lookups = mul(sub(blockEnd, word0), idx(kChunksPerWord));
      Value bias = splat(fmul(intToF32(lookups), f32(128.0)), byteLanes / 2);
      SmallVector<Value> sums = loadSums(strip, step);
      for (int64_t r = 0; r < rows; ++r) {
        Value minusScale =
            splat(fsub(f32(0.0), load(scales, {idx(r), blk})), kLanes);
        for (int64_t j = 0; j < streams; ++j)
          for (int64_t u = 0; u < units; ++u) {
            Value w = acc[accIndex(r, j, u)], h = acc[accIndex(r, j, u) + 1];
            Value even = sub(w, shl(h, constant(pairsType, 8)));
            Value evenF = fsub(intToF32(even), bias);
            Value oddF = fsub(intToF32(h), bias);
            for (int64_t v = 0; v < lanes; ++v) {
              Value set = vector::ShuffleOp::create(
                  b, evenF, oddF,
                  ArrayRef<int64_t>(source).slice(v * kLanes, kLanes));
              Value &z =
                  sums[strip.sumRow(r, j) * strip.vectors + u * lanes + v];
              z = vectorFma(minusScale, set, z);
            }
          }
      }
      storeSums(strip, step, sums);
    };
    forEachStep(strip, [&](const GemvStep &step) {
      Value start = add(strip.col0, step.slots[0]);
      Value interior = andI(sge(start, idx(0)),
                            sle(add(start, idx(strip.stepCols)), strip.end));
      ifThenElse(
          interior, [&] { blockStep(step, /*interior=*/true); },
          [&] { blockStep(step, /*interior=*/false); });
    });
  });
}

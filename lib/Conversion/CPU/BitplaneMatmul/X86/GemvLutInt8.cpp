//===- GemvLutInt8.cpp - GEMV through byte tables, x86 ----------*- C++ -*-===//
//
// The byte-table kernel of the GEMV (`gemv-lut-int8`, T-MAC's form): the
// f32 partial-sum tables of 4 input rows (GemvLut.cpp) are rounded to
// 11-bit integers, one scale per block of at most 128 rows, kept as two
// 16-byte tables (the low bytes, and the high bytes plus 4), and `vpshufb`
// looks up 32 (AVX2, ymm) or 64 (AVX-512BW, zmm) columns at once.
//
// Per block, step of 32 (64) columns and stream:
//   1. The plane words of the step's columns (4 registers of 8 (16) words)
//      are transposed to bytes: E_b (one register) holds byte b (rows
//      8b..8b+7 of the word) of every column, by an in-lane byte shuffle and
//      two rounds of 32- and 64-bit unpacks (12 shuffles per word and
//      step). The columns of E_b come in a fixed permuted order
//      (int8ColumnOfByte).
//   2. The low and high nibbles of E_b index the tables of rows 8b..8b+3
//      and 8b+4..8b+7: two vpshufb each (low and high bytes).
//   3. The sums need no widening. Low bytes, in 16-bit lanes: W += the byte
//      pair as one 16-bit word, H += its high byte; at the end of the block
//      the even bytes' sum is W − 256·H (exact: at most 32 lookups of 255
//      fit in 15 bits) and the odd bytes' sum is H. High bytes (0..7) are
//      summed as bytes (at most 32 · 7 = 224).
//   4. Per block: low + 256 · high to f32, unpermuted into column order,
//      minus 256 · 4 per lookup, times the block's scale, subtracted from Z
//      (which starts at S, so that Z is the sum over clear bits as for the
//      other kernels).
//
// Precision: each entry is off by at most half a scale step, s/2 with
// s = max |entry| / 1023 over the block, so the sums are not the f32
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
/// Rounded entries lie in [-kEntryLimit, kEntryLimit] (11 bits).
static constexpr int64_t kEntryLimit = 1023;
/// An entry e is stored as two byte tables: e & 0xFF and (e >> 8) +
/// kHighBias, in 0..7, so that the high bytes of a block's at most 32
/// lookups sum in a byte (32 · 7 < 256).
static constexpr int64_t kHighBias = 4;

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

Value BitplaneMatmulEmitter::emitRoundedTables(
    Value tables, int64_t limit,
    function_ref<void(Value row, Value chunk, Value entries)> storeEntries) {
  auto f32Table = VectorType::get({kEntries}, f32Type);
  auto i32Table = VectorType::get({kEntries}, b.getI32Type());
  int64_t blockWords = int8BlockWords();
  Value chunks = dim(tables, 1);
  Value blocks = ceilDivU(planeWords, idx(blockWords));
  Value scales = memref::AllocOp::create(
      b, MemRefType::get({ShapedType::kDynamic, ShapedType::kDynamic}, f32Type),
      ValueRange{m, blocks});
  Value blockChunks = idx(blockWords * kChunksPerWord);
  Value limitF = f32(static_cast<double>(limit));
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
      // s = top / limit; an all-zero block gets s = 0 and entries 0.
      Value positive = fcmp(arith::CmpFPredicate::OGT, top, f32(0.0));
      Value scale = fdiv(top, limitF);
      Value inverse = select(positive, fdiv(limitF, top), f32(0.0));
      store(scale, scales, {row, blk});
      Value inverseVec = splat(inverse, kEntries);
      forEach(first, last, idx(1), [&](Value c) {
        Value t = vload(f32Table, tables, {row, c, idx(0)});
        Value q = math::RoundOp::create(b, fmul(t, inverseVec));
        // Into [-limit, limit], NaN (a non-finite input) to -limit: the
        // conversion below needs a number. Such an input makes its group
        // sum S, hence the output, non-finite anyway.
        q = arith::MaxNumFOp::create(
            b, q, constant(f32Table, -static_cast<double>(limit)));
        q = arith::MinNumFOp::create(
            b, q, constant(f32Table, static_cast<double>(limit)));
        storeEntries(row, c, arith::FPToSIOp::create(b, i32Table, q));
      });
    });
  });
  return scales;
}

std::pair<Value, Value> BitplaneMatmulEmitter::emitInt8Tables(Value tables) {
  Type i8 = b.getI8Type();
  auto i32Table = VectorType::get({kEntries}, b.getI32Type());
  auto i8Table = VectorType::get({kEntries}, i8);
  // [row][chunk][low bytes (16), high bytes (16)].
  Value bytes = memref::AllocOp::create(
      b,
      MemRefType::get(
          {ShapedType::kDynamic, ShapedType::kDynamic, 2 * kEntries}, i8),
      ValueRange{m, dim(tables, 1)});
  Value scales =
      emitRoundedTables(tables, kEntryLimit, [&](Value row, Value c, Value qi) {
        Value high = arith::ShRSIOp::create(b, qi, constant(i32Table, 8));
        high = add(high, constant(i32Table, kHighBias));
        vstore(arith::TruncIOp::create(b, i8Table, qi), bytes,
               {row, c, idx(0)});
        vstore(arith::TruncIOp::create(b, i8Table, high), bytes,
               {row, c, idx(kEntries)});
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

void BitplaneMatmulEmitter::emitGemvInt8Group(const GemvStrip &strip, Value g,
                                              Value int8Tables, Value scales,
                                              Value groupSums) {
  int64_t lanes = int8Lanes(), byteLanes = 16 * lanes;
  assert(strip.vectors == lanes && "an int8 step is one register of bytes");
  Type i8 = b.getI8Type(), i16 = b.getI16Type();
  auto bytesType = VectorType::get({byteLanes}, i8);
  auto pairsType = VectorType::get({byteLanes / 2}, i16);
  auto table16 = VectorType::get({kEntries}, i8);
  int64_t rows = strip.rows;
  int64_t streams = strip.streams, blockWords = int8BlockWords();
  // Accumulators of one stream per row: W and H (16-bit lanes) for the low
  // bytes, L (bytes) for the high bytes.
  auto accIndex = [&](int64_t r) { return 3 * r; };
  // A byte table (`part` 0: low bytes, 1: high bytes) of row r and chunk c,
  // in every 128-bit half.
  SmallVector<int64_t> copies;
  for (int64_t h = 0; h < lanes; ++h)
    for (int64_t e = 0; e < kEntries; ++e)
      copies.push_back(e);
  auto byteTable = [&](int64_t r, Value c, int64_t part) {
    Value t = vload(table16, int8Tables, {idx(r), c, idx(part * kEntries)});
    return vector::ShuffleOp::create(b, t, t, copies).getResult();
  };
  // Where the columns of the step come from in the f32 sums [even bytes
  // (byteLanes / 2 lanes), odd bytes (as many)].
  SmallVector<int64_t> source(byteLanes);
  for (int64_t i = 0; i < byteLanes; ++i)
    source[int8ColumnOfByte(i, lanes)] = (i % 2) * (byteLanes / 2) + i / 2;

  Value by256 = constant(VectorType::get({byteLanes / 2}, f32Type), 256.0);
  Value lowByte = constant(pairsType, 0xFF);
  Value lowNibble = constant(bytesType, 0x0F);
  // One block of the step: Z -= the set bits' sums. The streams take turns,
  // so that only one stream's accumulators are live in the word loop (AVX2
  // has 16 registers).
  auto block = [&](const GemvStep &step, bool interior, Value word0,
                   Value blockEnd, SmallVector<Value> sums) {
    Value blk = divU(word0, idx(blockWords));
    // 256·kHighBias per lookup: kChunksPerWord per word of the block.
    Value lookups = mul(sub(blockEnd, word0), idx(kChunksPerWord));
    Value bias =
        splat(fmul(intToF32(lookups), f32(256.0 * kHighBias)), byteLanes / 2);
    for (int64_t j = 0; j < streams; ++j) {
      SmallVector<Value> zeros;
      for (int64_t i = 0; i < rows; ++i)
        zeros.append({constant(pairsType, 0), constant(pairsType, 0),
                      constant(bytesType, 0)});
      SmallVector<Value> acc = forLoop(
          word0, blockEnd, idx(1), zeros, [&](Value word, ValueRange it) {
            SmallVector<Value> acc(it);
            if (j == 0)
              prefetchWords(word, step.cols);
            SmallVector<Value> words =
                loadStreamWords(strip, step, word, interior, j);
            Value chunk0 = mul(word, idx(kChunksPerWord));
            SmallVector<Value> e = transposeWordBytes(words);
            for (int64_t pos = 0; pos < 4; ++pos) {
              Value nibbles[2] = {
                  andI(e[pos], lowNibble),
                  andI(shrU(e[pos], constant(bytesType, 4)), lowNibble)};
              for (int64_t half = 0; half < 2; ++half) {
                Value c = add(chunk0, idx(2 * pos + half));
                for (int64_t r = 0; r < rows; ++r) {
                  Value low = vector::BitCastOp::create(
                      b, pairsType,
                      lookupBytes(byteTable(r, c, 0), nibbles[half]));
                  Value high = lookupBytes(byteTable(r, c, 1), nibbles[half]);
                  Value &w = acc[accIndex(r)];
                  Value &h = acc[accIndex(r) + 1];
                  Value &l = acc[accIndex(r) + 2];
                  w = add(w, low);
                  h = add(h, shrU(low, constant(pairsType, 8)));
                  l = add(l, high);
                }
              }
            }
            return acc;
          });
      for (int64_t r = 0; r < rows; ++r) {
        Value minusScale =
            splat(fsub(f32(0.0), load(scales, {idx(r), blk})), kLanes);
        Value w = acc[accIndex(r)], h = acc[accIndex(r) + 1];
        Value l = vector::BitCastOp::create(b, pairsType, acc[accIndex(r) + 2]);
        // Low bytes: even W − 256·H, odd H; high bytes: even and odd
        // bytes of L.
        Value even = sub(w, shl(h, constant(pairsType, 8)));
        Value evenHigh = andI(l, lowByte);
        Value oddHigh = shrU(l, constant(pairsType, 8));
        Value evenF =
            fsub(vectorFma(intToF32(evenHigh), by256, intToF32(even)), bias);
        Value oddF =
            fsub(vectorFma(intToF32(oddHigh), by256, intToF32(h)), bias);
        for (int64_t v = 0; v < lanes; ++v) {
          Value set = vector::ShuffleOp::create(
              b, evenF, oddF,
              ArrayRef<int64_t>(source).slice(v * kLanes, kLanes));
          Value &z = sums[strip.sumRow(r, j) * strip.vectors + v];
          z = vectorFma(minusScale, set, z);
        }
      }
    }
    return sums;
  };
  emitIntTableGroup(strip, g, groupSums, blockWords, block);
}

SmallVector<Value>
BitplaneMatmulEmitter::loadStreamWords(const GemvStrip &strip,
                                       const GemvStep &step, Value word,
                                       bool interior, int64_t j) {
  SmallVector<Value> out;
  for (int64_t v = 0; v < strip.vectors; ++v) {
    Value mask = interior ? Value() : step.masks[v];
    auto plane = [&](int64_t p) {
      return loadPlaneColumns(p, word, step.cols[v], mask);
    };
    // Ternary pair l: streams m = plane 2l and m & s (plane 2l + 1).
    if (kind == PlaneKind::Ternary && j % 2 == 1)
      out.push_back(andI(plane(j - 1), plane(j)));
    else
      out.push_back(plane(j));
  }
  return out;
}

void BitplaneMatmulEmitter::emitIntTableGroup(
    const GemvStrip &strip, Value g, Value groupSums, int64_t blockWords,
    function_ref<SmallVector<Value>(const GemvStep &, bool, Value, Value,
                                    SmallVector<Value>)>
        block) {
  auto [first, last] = groupWordRange(g, planeWords);
  // Per step: Z = S, the blocks of the group, the coefficients. Steps
  // inside [0, end) (all but the strip's edges) load their words without
  // masks: AVX2's masked loads cost more and hold mask registers.
  auto groupStep = [&](const GemvStep &step, bool interior) {
    SmallVector<Value> sums;
    for (int64_t r = 0; r < strip.rows; ++r)
      sums.append(strip.streams * strip.vectors,
                  splat(load(groupSums, {idx(r), g}), kLanes));
    sums = forLoop(
        first, last, idx(blockWords), sums, [&](Value word0, ValueRange it) {
          Value blockEnd = minS(add(word0, idx(blockWords)), last);
          return block(step, interior, word0, blockEnd, SmallVector<Value>(it));
        });
    applyCoefficients(strip, step, g, groupSums, sums);
  };
  forEachStep(strip, [&](const GemvStep &step) {
    ifThenElse(
        step.interior, [&] { groupStep(step, /*interior=*/true); },
        [&] { groupStep(step, /*interior=*/false); });
  });
}

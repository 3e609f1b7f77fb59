//===- GemmInt8.cpp - GEMM on int8 inputs with vpdpbusd, x86 ----*- C++ -*-===//
//
// The GEMM of `gemm-int8` (docs/bitplane-lowering.md, "GEMM on int8
// inputs"):
//
//   1. The input is rounded to int8 once per call, per row and slab of 128
//      rows of K: s_x = max |x| / 127, q = round(x / s_x), 4 consecutive
//      bytes per i32 word, and the offset 128 · Σ q of the row and slab.
//   2. Per task (a tile of columns) and slab, the weight is dequantized
//      straight to bytes: the scale of each column is the largest |Ŵ| any
//      code of the slab's groups can give (from the coefficients), over 127;
//      the coefficients are divided by it, the select chain of the f32 GEMM
//      builds each weight, and round(·) + 128 (1..255) is packed 4 rows to
//      a word, the layout vpdpbusd reads. With AVX512-VBMI the same bytes
//      come from lookups: a table of every code's byte per group and 16
//      columns, vpermd / vpermi2b per 4 rows (emitQuantizeWeightsByTable).
//   3. Register tiles of 6 rows × 4 (zmm) or 2 (ymm) vectors of columns
//      accumulate `vpdpbusd` (unsigned weight bytes times signed input
//      bytes, broadcast per row) over the slab's words in i32; at the end of
//      the slab, (sum − offset) · s_w · s_x is added to the f32 output.
//
// The products of bytes are exact (at most 128 · 255 · 127 per slab fits in
// i32); the two roundings make the result differ from the f32 GEMM by about
// 1e-2 relative (docs/bitplane-lowering.md has the measurements).
//
//===----------------------------------------------------------------------===//

#include "../BitplaneEmitter.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"

using namespace mlir;
using namespace bitsink;
using namespace bitsink::cpu;

/// Words of 4 input rows per slab.
static constexpr int64_t kSlabWords = kGemmSlabRows / 4;
/// Rounded values lie in [-kByteLimit, kByteLimit].
static constexpr int64_t kByteLimit = 127;
/// Weight bytes are stored as q + kByteBias (unsigned for vpdpbusd).
static constexpr int64_t kByteBias = 128;
/// Rows of a register tile.
static constexpr int64_t kTileRows = 6;

/// round(v), clamped into [-127, 127] (NaN to -127: the conversion needs a
/// number; a non-finite input or coefficient makes its scale, hence the
/// output, non-finite anyway), as i32.
static Value roundToByte(ImplicitLocOpBuilder &b, Value v) {
  auto type = cast<VectorType>(v.getType());
  Value r = math::RoundEvenOp::create(b, v);
  r = arith::MaxNumFOp::create(
      b, r,
      arith::ConstantOp::create(
          b, DenseElementsAttr::get(
                 type, b.getF32FloatAttr(-static_cast<float>(kByteLimit)))));
  r = arith::MinNumFOp::create(
      b, r,
      arith::ConstantOp::create(
          b, DenseElementsAttr::get(
                 type, b.getF32FloatAttr(static_cast<float>(kByteLimit)))));
  return arith::FPToSIOp::create(b, type.clone(b.getI32Type()), r);
}

Value BitplaneMatmulEmitter::dotBytes(Value acc, Value unsignedBytes,
                                      Value signedBytes) {
  int64_t lanes = vnniLanes();
  auto bytes = VectorType::get({4 * lanes}, b.getI8Type());
  StringRef name = lanes == 16 ? "llvm.x86.avx512.vpdpbusd.512"
                               : "llvm.x86.avx512.vpdpbusd.256";
  Value u = vector::BitCastOp::create(b, bytes, unsignedBytes);
  Value s = vector::BitCastOp::create(b, bytes, signedBytes);
  return LLVM::CallIntrinsicOp::create(b, acc.getType(), b.getStringAttr(name),
                                       ValueRange{acc, u, s})
      .getResult(0);
}

BitplaneMatmulEmitter::Int8Input BitplaneMatmulEmitter::emitQuantizeInput() {
  Type i32Type = b.getI32Type();
  auto dynamic2d = [&](Type elem) {
    return MemRefType::get({ShapedType::kDynamic, ShapedType::kDynamic}, elem);
  };
  Value slabs = ceilDivU(k, idx(kGemmSlabRows));
  Int8Input input;
  input.words = memref::AllocOp::create(
      b, dynamic2d(i32Type), ValueRange{m, mul(slabs, idx(kSlabWords))},
      b.getI64IntegerAttr(64));
  input.scales =
      memref::AllocOp::create(b, dynamic2d(f32Type), ValueRange{m, slabs});
  input.offsets =
      memref::AllocOp::create(b, dynamic2d(i32Type), ValueRange{m, slabs});
  auto bytes16 = VectorType::get({kLanes}, b.getI8Type());
  auto words4 = VectorType::get({kLanes / 4}, i32Type);
  Value limit = f32(static_cast<double>(kByteLimit));
  parallelLoop(ValueRange{m}, ValueRange{idx(1)}, [&](ValueRange ivs) {
    Value row = ivs[0];
    forEach(idx(0), slabs, idx(1), [&](Value slab) {
      Value first = mul(slab, idx(kGemmSlabRows));
      SmallVector<Value> values;
      Value peak = constant(vecF32, 0.0);
      for (int64_t c = 0; c < kGemmSlabRows / kLanes; ++c) {
        Value col = add(first, idx(c * kLanes));
        Value v = toF32(loadColumns(x, {row}, col, columnMask(col, k)));
        values.push_back(v);
        // maximumf: a NaN input gives a NaN scale.
        peak = fmax(peak, math::AbsFOp::create(b, v).getResult());
      }
      Value top =
          vector::ReductionOp::create(b, vector::CombiningKind::MAXIMUMF, peak);
      // s = top / 127; an all-zero slab gets s = 0 and bytes 0.
      Value positive = fcmp(arith::CmpFPredicate::OGT, top, f32(0.0));
      Value inverse =
          splat(select(positive, fdiv(limit, top), f32(0.0)), kLanes);
      Value sum = constant(vecI32, 0);
      for (auto [c, v] : llvm::enumerate(values)) {
        Value q = roundToByte(b, fmul(v, inverse));
        sum = add(sum, q);
        Value packed = vector::BitCastOp::create(
            b, words4, arith::TruncIOp::create(b, bytes16, q));
        vstore(packed, input.words,
               {row, add(mul(slab, idx(kSlabWords)), idx(c * kLanes / 4))});
      }
      Value total =
          vector::ReductionOp::create(b, vector::CombiningKind::ADD, sum);
      store(fdiv(top, limit), input.scales, {row, slab});
      store(mul(total, i32(kByteBias)), input.offsets, {row, slab});
    });
  });
  return input;
}

void BitplaneMatmulEmitter::emitWeightScales(Value scales, Value inverses,
                                             Value col0, Value end, Value slab,
                                             Value rows) {
  Value firstGroup = divU(slab, idx(groupSize));
  Value lastGroup =
      add(divU(add(slab, sub(rows, idx(1))), idx(groupSize)), idx(1));
  Value zero = constant(vecF32, 0.0);
  Value limit = constant(vecF32, static_cast<double>(kByteLimit));
  for (int64_t v = 0; v < columnTile / kLanes; ++v) {
    Value col = add(col0, idx(v * kLanes));
    Value mask = columnMask(col, end);
    SmallVector<Value> peak = forLoop(
        firstGroup, lastGroup, idx(1), zero, [&](Value g, ValueRange it) {
          // The extreme codes: binary terms are 0 or 1, signed and ternary
          // ones -1 or +1 (ternary 0 lies between).
          Value c0 = toF32(loadColumns(coeffs, {g, idx(0)}, col, mask));
          Value high = c0, low = c0;
          for (int64_t l = 1; l <= numTerms; ++l) {
            Value c = toF32(loadColumns(coeffs, {g, idx(l)}, col, mask));
            if (kind == PlaneKind::Binary) {
              high = fadd(high, fmax(c, zero));
              low = fadd(low, arith::MinimumFOp::create(b, c, zero));
            } else {
              Value magnitude = math::AbsFOp::create(b, c);
              high = fadd(high, magnitude);
              low = fsub(low, magnitude);
            }
          }
          Value bound = fmax(math::AbsFOp::create(b, high).getResult(),
                             math::AbsFOp::create(b, low).getResult());
          return SmallVector<Value>{fmax(it[0], bound)};
        });
    Value positive = fcmp(arith::CmpFPredicate::OGT, peak[0], zero);
    vstore(fdiv(peak[0], limit), scales, {idx(v * kLanes)});
    vstore(select(positive, fdiv(limit, peak[0]), zero), inverses,
           {idx(v * kLanes)});
  }
}

void BitplaneMatmulEmitter::emitQuantizeWeights(Value wq, Value inverses,
                                                Value col0, Value end,
                                                Value slab, Value rows) {
  forEachChunkWord(
      slab, ceilDivU(rows, idx(32)), col0, end, [&](const ChunkWord &at) {
        Value inverse = vload(vecF32, inverses, {idx(at.vector * kLanes)});
        WeightTerms terms = loadWeightTerms(at.group, at.col, at.mask, inverse);
        SmallVector<Value> streams = loadBitStreams(at.word, at.col, at.mask);
        Value firstByteWord = mul(at.localWord, idx(8));
        for (int64_t i = 0; i < 32; i += 4) {
          Value packed;
          for (int64_t t = 0; t < 4; ++t) {
            Value q = roundToByte(b, selectWeight(terms, streams, i + t));
            q = add(q, constant(vecI32, kByteBias));
            if (t > 0)
              q = shl(q, constant(vecI32, 8 * t));
            packed = t == 0 ? q : orI(packed, q);
          }
          vstore(packed, wq,
                 {add(firstByteWord, idx(i / 4)), idx(at.vector * kLanes)});
        }
      });
}

/// `vpermd`: the lanes of `table` picked by the low 4 bits of each lane of
/// `index`.
static Value permuteDwords(ImplicitLocOpBuilder &b, Value table, Value index) {
  return LLVM::CallIntrinsicOp::create(
             b, table.getType(),
             b.getStringAttr("llvm.x86.avx512.permvar.si.512"),
             ValueRange{table, index})
      .getResult(0);
}

/// `vpermi2b`: byte i is low[index_i & 63] or, with bit 6 of index_i set,
/// high[index_i & 63] (bit 7 is ignored).
static Value permuteBytes(ImplicitLocOpBuilder &b, Value low, Value index,
                          Value high) {
  return LLVM::CallIntrinsicOp::create(
             b, low.getType(),
             b.getStringAttr("llvm.x86.avx512.vpermi2var.qi.512"),
             ValueRange{low, index, high})
      .getResult(0);
}

/// Codes per vpermi2b lookup: 8 codes × 16 columns = its 128 bytes.
static constexpr int64_t kCodesPerLookup = 8;

void BitplaneMatmulEmitter::emitQuantizeWeightsByTable(Value wq, Value inverses,
                                                       Value col0, Value end,
                                                       Value slab, Value rows) {
  auto bytes16 = VectorType::get({kLanes}, b.getI8Type());
  auto bytes32 = VectorType::get({2 * kLanes}, b.getI8Type());
  auto bytes64 = VectorType::get({4 * kLanes}, b.getI8Type());
  // Stream s of a weight is bit s of its code (loadBitStreams: the planes,
  // or m and m & s per ternary pair).
  int64_t streams = kind == PlaneKind::Ternary ? 2 * numTerms : numPlanes;
  int64_t codes = int64_t{1} << streams;
  int64_t lookups = llvm::divideCeil(codes, kCodesPerLookup);
  // spread[s][t]: the bits of nibble t as bit 4 + s of bytes 0..3 (the
  // rows of a word of bytes), so that byte r of the OR over the streams is
  // 16 · code + column once the column is added.
  SmallVector<Value> spread;
  for (int64_t st = 0; st < streams; ++st) {
    SmallVector<int32_t> entries;
    for (int64_t t = 0; t < 16; ++t) {
      uint32_t entry = 0;
      for (int64_t r = 0; r < 4; ++r)
        if ((t >> r) & 1)
          entry |= uint32_t{1} << (8 * r + 4 + st);
      entries.push_back(static_cast<int32_t>(entry));
    }
    spread.push_back(arith::ConstantOp::create(
        b, DenseElementsAttr::get(vecI32, ArrayRef<int32_t>(entries))));
  }
  SmallVector<int32_t> columnBytes;
  for (int64_t c = 0; c < kLanes; ++c)
    columnBytes.push_back(static_cast<int32_t>(c * 0x01010101));
  Value columns = arith::ConstantOp::create(
      b, DenseElementsAttr::get(vecI32, ArrayRef<int32_t>(columnBytes)));
  auto concat = [&](Value x, Value y, VectorType type) -> Value {
    SmallVector<int64_t> order;
    for (int64_t i = 0; i < type.getNumElements(); ++i)
      order.push_back(i);
    return vector::ShuffleOp::create(b, type, x, y, order);
  };

  Value slabWord = divU(slab, idx(32));
  Value slabWordEnd = add(slabWord, ceilDivU(rows, idx(32)));
  Value firstGroup = divU(slab, idx(groupSize));
  Value lastGroup =
      add(divU(add(slab, sub(rows, idx(1))), idx(groupSize)), idx(1));
  forEach(firstGroup, lastGroup, idx(1), [&](Value g) {
    // The group's words in the slab (group_size is a multiple of 32, or
    // the only group).
    Value wordBegin = maxS(slabWord, divU(mul(g, idx(groupSize)), idx(32)));
    Value wordEnd = minS(
        slabWordEnd, ceilDivU(mul(add(g, idx(1)), idx(groupSize)), idx(32)));
    for (int64_t v = 0; v < columnTile / kLanes; ++v) {
      Value col = add(col0, idx(v * kLanes));
      Value mask = columnMask(col, end);
      Value inverse = vload(vecF32, inverses, {idx(v * kLanes)});
      WeightTerms terms = loadWeightTerms(g, col, mask, inverse);
      // The byte of each code: the select chain of selectWeight with the
      // code's bits, so the same f32 operations in the same order.
      SmallVector<Value> levels;
      for (int64_t code = 0; code < lookups * kCodesPerLookup; ++code) {
        if (code >= codes) {
          levels.push_back(constant(bytes16, 0));
          continue;
        }
        Value w = terms.full;
        for (auto [st, correction] : llvm::enumerate(terms.corrections))
          if (!((code >> st) & 1))
            w = fadd(w, correction);
        Value q = add(roundToByte(b, w), constant(vecI32, kByteBias));
        levels.push_back(arith::TruncIOp::create(b, bytes16, q));
      }
      // Per lookup: codes 8l..8l+3 (index bit 6 clear) and 8l+4..8l+7.
      SmallVector<Value> low, high;
      for (int64_t l = 0; l < lookups; ++l) {
        auto half = [&](int64_t first) {
          return concat(concat(levels[first], levels[first + 1], bytes32),
                        concat(levels[first + 2], levels[first + 3], bytes32),
                        bytes64);
        };
        low.push_back(half(kCodesPerLookup * l));
        high.push_back(half(kCodesPerLookup * l + 4));
      }
      forEach(wordBegin, wordEnd, idx(1), [&](Value word) {
        SmallVector<Value> bits = loadBitStreams(word, col, mask);
        Value firstByteWord = mul(sub(word, slabWord), idx(8));
        for (int64_t j = 0; j < 8; ++j) {
          Value index = columns;
          for (int64_t st = 0; st < streams; ++st) {
            // vpermd reads the low 4 bits: rows 4j..4j+3.
            Value nibbles =
                j == 0 ? bits[st] : shrU(bits[st], constant(vecI32, 4 * j));
            index = orI(index, permuteDwords(b, spread[st], nibbles));
          }
          Value byteIndex = vector::BitCastOp::create(b, bytes64, index);
          Value out = permuteBytes(b, low[0], byteIndex, high[0]);
          if (lookups == 2) {
            // Codes 8..15 have bit 7 of the index set.
            Value upper = permuteBytes(b, low[1], byteIndex, high[1]);
            out = select(slt(byteIndex, constant(bytes64, 0)), upper, out);
          }
          vstore(vector::BitCastOp::create(b, vecI32, out), wq,
                 {add(firstByteWord, idx(j)), idx(v * kLanes)});
        }
      });
    }
  });
}

void BitplaneMatmulEmitter::emitInt8SlabProduct(const Int8Input &input,
                                                Value wq, Value wscales,
                                                Value ybuf, Value slabIndex,
                                                Value rows, Value col0,
                                                Value end) {
  int64_t lanes = vnniLanes();
  // Vectors of columns per register tile: 4 zmm (24 accumulators, 4
  // weights and the broadcast of 32 registers) or 2 ymm (12, 2 and 1 of
  // 16), a divisor of the task's columnTile / lanes vectors.
  int64_t tileVectors = lanes == 16 ? 4 : 2;
  while ((columnTile / lanes) % tileVectors != 0)
    tileVectors /= 2;
  int64_t tileCols = tileVectors * lanes;
  auto vecI32L = VectorType::get({lanes}, b.getI32Type());
  auto vecF32L = VectorType::get({lanes}, f32Type);
  auto vecI1L = VectorType::get({lanes}, b.getI1Type());
  Value words = ceilDivU(rows, idx(4));
  Value firstInputWord = mul(slabIndex, idx(kSlabWords));
  Value lastRow = sub(m, idx(1));
  forEach(idx(0), idx(columnTile), idx(tileCols), [&](Value tile) {
    Value tileCol = add(col0, tile);
    ifThen(slt(tileCol, end), [&] {
      forEach(idx(0), m, idx(kTileRows), [&](Value row0) {
        // Rows past M repeat the last row (their sums are not stored).
        SmallVector<Value> inputRows;
        for (int64_t r = 0; r < kTileRows; ++r)
          inputRows.push_back(minS(add(row0, idx(r)), lastRow));
        SmallVector<Value> init(kTileRows * tileVectors, constant(vecI32L, 0));
        SmallVector<Value> sums =
            forLoop(idx(0), words, idx(1), init, [&](Value w, ValueRange acc) {
              SmallVector<Value> weights;
              for (int64_t v = 0; v < tileVectors; ++v)
                weights.push_back(
                    vload(vecI32L, wq, {w, add(tile, idx(v * lanes))}));
              Value inputWord = add(firstInputWord, w);
              SmallVector<Value> next;
              for (int64_t r = 0; r < kTileRows; ++r) {
                Value xw =
                    splat(load(input.words, {inputRows[r], inputWord}), lanes);
                for (int64_t v = 0; v < tileVectors; ++v)
                  next.push_back(
                      dotBytes(acc[r * tileVectors + v], weights[v], xw));
              }
              return next;
            });
        SmallVector<Value> weightScales;
        for (int64_t v = 0; v < tileVectors; ++v)
          weightScales.push_back(
              vload(vecF32L, wscales, {add(tile, idx(v * lanes))}));
        for (int64_t r = 0; r < kTileRows; ++r) {
          Value row = add(row0, idx(r));
          ifThen(slt(row, m), [&] {
            Value scale = splat(load(input.scales, {row, slabIndex}), lanes);
            Value offset = splat(load(input.offsets, {row, slabIndex}), lanes);
            for (int64_t v = 0; v < tileVectors; ++v) {
              Value col = add(tileCol, idx(v * lanes));
              Value mask = vector::CreateMaskOp::create(
                  b, vecI1L, ValueRange{sub(end, col)});
              Value sum = intToF32(sub(sums[r * tileVectors + v], offset));
              Value product = fmul(sum, weightScales[v]);
              Value y = vector::MaskedLoadOp::create(b, vecF32L, ybuf,
                                                     ValueRange{row, col}, mask,
                                                     constant(vecF32L, 0.0));
              vector::MaskedStoreOp::create(b, ybuf, ValueRange{row, col}, mask,
                                            vectorFma(product, scale, y));
            }
          });
        }
      });
    });
  });
}

void BitplaneMatmulEmitter::emitGemmInt8(Value ybuf) {
  Int8Input input = emitQuantizeInput();
  Value step = idx(columnTile);
  Value slabStep = idx(kGemmSlabRows);
  parallelLoop(ValueRange{n}, ValueRange{step}, [&](ValueRange ivs) {
    Value col0 = ivs[0];
    Value end = minS(add(col0, step), n);
    // Per task, on the heap (see emitGemm): the slab's weight bytes and the
    // scales of its columns.
    auto align = b.getI64IntegerAttr(64);
    Value wq = memref::AllocOp::create(
        b, MemRefType::get({kSlabWords, columnTile}, b.getI32Type()), align);
    auto scaleType = MemRefType::get({columnTile}, f32Type);
    Value scales = memref::AllocOp::create(b, scaleType, align);
    Value inverses = memref::AllocOp::create(b, scaleType, align);
    forEach(idx(0), k, slabStep, [&](Value slab) {
      Value rows = minS(slabStep, sub(k, slab));
      emitWeightScales(scales, inverses, col0, end, slab, rows);
      if (gemmIsa == GemmInt8Isa::AVX512VBMI)
        emitQuantizeWeightsByTable(wq, inverses, col0, end, slab, rows);
      else
        emitQuantizeWeights(wq, inverses, col0, end, slab, rows);
      emitInt8SlabProduct(input, wq, scales, ybuf, divU(slab, slabStep), rows,
                          col0, end);
    });
    memref::DeallocOp::create(b, inverses);
    memref::DeallocOp::create(b, scales);
    memref::DeallocOp::create(b, wq);
  });
  memref::DeallocOp::create(b, input.offsets);
  memref::DeallocOp::create(b, input.scales);
  memref::DeallocOp::create(b, input.words);
}

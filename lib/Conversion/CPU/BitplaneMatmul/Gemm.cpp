//===- Gemm.cpp - bitplane_matmul GEMM kernel (large M) ---------*- C++ -*-===//
//
// GEMM (M > gemv-max-rows or dynamic M): per column tile (a task) and slab
// of 128 rows of K, the slab of Ŵ is dequantized into a stack buffer once
// and multiplied with all M rows of x by a linalg.matmul on sub-views, which
// bitsink-tile-contractions later tiles and vectorises like every f32
// matmul (register tiles kept in vectors across K, broadcast FMAs).
//
//===----------------------------------------------------------------------===//

#include "BitplaneEmitter.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;
using namespace bitsink;
using namespace bitsink::cpu;

// Every weight starts from the value with all bits set, F = c0 + Σ_l
// c_{l+1}, and each clear bit of a stream (see loadBitStreams) adds that
// stream's correction:
//   binary:  −c_{l+1}            (b = 0 drops the term)
//   signed:  −2c_{l+1}           (t = −1 instead of +1)
//   ternary: m: +c_{l+1}, m&s: −2c_{l+1}
//            (m=1,s=1: F; m=1,s=0: F − 2c; m=0: F − 2c + c, the term is 0)
BitplaneMatmulEmitter::WeightTerms
BitplaneMatmulEmitter::loadWeightTerms(Value g, Value col, Value mask,
                                       Value scale) {
  WeightTerms terms;
  for (int64_t l = 0; l <= numTerms; ++l) {
    Value c = toF32(loadColumns(coeffs, {g, idx(l)}, col, mask));
    if (scale)
      c = fmul(c, scale);
    terms.full = l == 0 ? c : fadd(terms.full, c);
    if (l == 0)
      continue;
    Value minusTwoC = fmul(constant(vecF32, -2.0), c);
    switch (kind) {
    case PlaneKind::Binary:
      terms.corrections.push_back(arith::NegFOp::create(b, c));
      break;
    case PlaneKind::Signed:
      terms.corrections.push_back(minusTwoC);
      break;
    case PlaneKind::Ternary:
      terms.corrections.push_back(c);
      terms.corrections.push_back(minusTwoC);
      break;
    }
  }
  return terms;
}

Value BitplaneMatmulEmitter::selectWeight(const WeightTerms &terms,
                                          ArrayRef<Value> streams, int64_t i) {
  Value bit = bitVector(i);
  Value w = terms.full;
  for (auto [stream, correction] :
       llvm::zip_equal(streams, terms.corrections)) {
    Value corrected = fadd(w, correction);
    w = select(testBitClear(stream, bit), corrected, w);
  }
  return w;
}

// Dequantizes rows [chunk, chunk + 32·chunkWords) of the column tile at
// `col0` into wbuf[row - chunk, col - col0]. Rows ≥ K of the last word are
// written too but never read.
void BitplaneMatmulEmitter::forEachChunkWord(
    Value chunk, Value chunkWords, Value col0, Value end,
    llvm::function_ref<void(const ChunkWord &)> body) {
  Value firstWord = divU(chunk, idx(32));
  forEach(idx(0), chunkWords, idx(1), [&](Value localWord) {
    ChunkWord at;
    at.localWord = localWord;
    at.word = add(firstWord, localWord);
    at.group = divU(mul(at.word, idx(32)), idx(groupSize));
    for (at.vector = 0; at.vector < columnTile / kLanes; ++at.vector) {
      at.col = add(col0, idx(at.vector * kLanes));
      at.mask = columnMask(at.col, end);
      body(at);
    }
  });
}

void BitplaneMatmulEmitter::emitDequantizeChunk(Value wbuf, Value col0,
                                                Value end, Value chunk,
                                                Value chunkWords) {
  forEachChunkWord(chunk, chunkWords, col0, end, [&](const ChunkWord &at) {
    WeightTerms terms = loadWeightTerms(at.group, at.col, at.mask);
    SmallVector<Value> streams = loadBitStreams(at.word, at.col, at.mask);
    // With scale codes, the multipliers of the word's 32/S sub-blocks (all
    // in one word of codes: the word's first row exists).
    SmallVector<Value> multipliers;
    if (hasScales()) {
      int64_t perWord = 32 / subBlock;
      Value unit0 = mul(at.word, idx(perWord));
      for (int64_t t = 0; t < perWord; ++t)
        multipliers.push_back(
            loadMultipliers(add(unit0, idx(t)), at.col, at.mask));
    }
    Value localRow = mul(at.localWord, idx(32));
    for (int64_t i = 0; i < 32; ++i) {
      Value row = add(localRow, idx(i));
      Value weight = selectWeight(terms, streams, i);
      if (hasScales())
        weight = fmul(weight, multipliers[i / subBlock]);
      vstore(weight, wbuf, {row, idx(at.vector * kLanes)});
    }
  });
}

// ybuf[:, col0 : col0 + cols] += xbuf[:, slab : slab + rows] ·
// wbuf[0 : rows, 0 : cols] as a linalg.matmul on sub-views; the product is
// left to bitsink-tile-contractions (docs/cpu-matmul.md).
void BitplaneMatmulEmitter::emitSlabProduct(Value xbuf, Value wbuf, Value ybuf,
                                            Value slab, Value rows, Value col0,
                                            Value cols) {
  auto subview = [&](Value source, ArrayRef<Value> offsets,
                     ArrayRef<Value> sizes) -> Value {
    SmallVector<OpFoldResult> one(2, b.getIndexAttr(1));
    return memref::SubViewOp::create(b, source,
                                     getAsOpFoldResult(ValueRange(offsets)),
                                     getAsOpFoldResult(ValueRange(sizes)), one);
  };
  Value lhs = subview(xbuf, {idx(0), slab}, {m, rows});
  Value rhs = subview(wbuf, {idx(0), idx(0)}, {rows, cols});
  Value out = subview(ybuf, {idx(0), col0}, {m, cols});
  linalg::MatmulOp::create(b, ValueRange{lhs, rhs}, ValueRange{out});
}

void BitplaneMatmulEmitter::emitGemm() {
  // The sums in acc itself when it is f32, else in an f32 copy.
  auto copyToF32 = [&](Value source, Value rows, Value cols) {
    auto type =
        MemRefType::get({ShapedType::kDynamic, ShapedType::kDynamic}, f32Type);
    Value copy = memref::AllocOp::create(b, type, ValueRange{rows, cols});
    forEach(idx(0), rows, idx(1), [&](Value row) {
      forEach(idx(0), cols, idx(1), [&](Value col) {
        store(toF32(load(source, {row, col})), copy, {row, col});
      });
    });
    return copy;
  };
  Type accElem = elementType(acc);
  Value xbuf, ybuf;
  if (gemmIsa != GemmInt8Isa::None) {
    ybuf = accElem == f32Type ? acc : copyToF32(acc, m, n);
    emitGemmInt8(ybuf);
  } else {
    // The product is an f32 matmul (bitsink-tile-contractions takes one
    // element type): x as it is when it is f32, else an f32 copy.
    xbuf = elementType(x) == f32Type ? x : copyToF32(x, m, k);
    ybuf = accElem == f32Type ? acc : copyToF32(acc, m, n);
    Value step = idx(columnTile);
    Value slabStep = idx(kGemmSlabRows);
    parallelLoop(ValueRange{n}, ValueRange{step}, [&](ValueRange ivs) {
      Value col0 = ivs[0];
      Value end = minS(add(col0, step), n);
      Value cols = sub(end, col0);
      // One dequantized slab of the tile per task, on the heap, not the
      // stack: LLVM 22's SROA breaks the IR (a use before its definition,
      // then a crash in ADCE) when it promotes this buffer on AVX-512 for
      // static shapes whose loops fold away (M = 1, K = 1, N = 33 found by
      // fuzz/FuzzLower.cpp; docs/toolchain.md). One 32 KiB malloc per task
      // is small beside the task's slab products. Aligned to a cache line,
      // as its 64-lane rows are read by the matmul's vector loads.
      auto slabType = MemRefType::get({kGemmSlabRows, columnTile}, f32Type);
      Value wbuf =
          memref::AllocOp::create(b, slabType, b.getI64IntegerAttr(64));
      forEach(idx(0), k, slabStep, [&](Value slab) {
        Value rows = minS(slabStep, sub(k, slab));
        emitDequantizeChunk(wbuf, col0, end, slab, ceilDivU(rows, idx(32)));
        // Dequantized once, used by all M rows.
        emitSlabProduct(xbuf, wbuf, ybuf, slab, rows, col0, cols);
      });
      memref::DeallocOp::create(b, wbuf);
    });
  }

  if (ybuf != acc) {
    forEach(idx(0), m, idx(1), [&](Value row) {
      forEach(idx(0), n, idx(1), [&](Value col) {
        Value v = load(ybuf, {row, col});
        store(fromF32(v, accElem), acc, {row, col});
      });
    });
  }
  // The CPU pipeline places deallocations before the lowerings run: free
  // what is allocated here.
  if (ybuf != acc)
    memref::DeallocOp::create(b, ybuf);
  if (xbuf && xbuf != x)
    memref::DeallocOp::create(b, xbuf);
}

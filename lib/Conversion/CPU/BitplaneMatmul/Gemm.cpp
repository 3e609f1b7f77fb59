//===- Gemm.cpp - bitplane_matmul GEMM kernel (large M) ---------*- C++ -*-===//
//
// GEMM (M > gemv-max-rows or dynamic M): per column tile (a task) and chunk
// of 128 rows, the chunk of Ŵ is dequantized into a stack buffer and
// multiplied with a micro-kernel of 4 rows × 4 column vectors, leftover rows
// one at a time.
//
//===----------------------------------------------------------------------===//

#include "BitplaneEmitter.h"

using namespace mlir;
using namespace bitsink;
using namespace bitsink::cpu;

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
  Value firstWord = divU(chunk, idx(32));
  forEach(idx(0), chunkWords, idx(1), [&](Value localWord) {
    Value word = add(firstWord, localWord);
    Value g = divU(mul(word, idx(32)), idx(groupSize));
    Value localRow = mul(localWord, idx(32));
    for (int64_t v = 0; v < columnTile / kLanes; ++v) {
      Value col = add(col0, idx(v * kLanes));
      Value mask = columnMask(col, end);
      Value full;
      SmallVector<Value> corrections;
      for (int64_t l = 0; l <= numTerms; ++l) {
        Value c = toF32(loadColumns(coeffs, {g, idx(l)}, col, mask));
        full = l == 0 ? c : fadd(full, c);
        if (l == 0)
          continue;
        Value minusTwoC = fmul(constant(vecF32, -2.0), c);
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
          Value corrected = fadd(w, correction);
          w = select(testBitClear(stream, bit), corrected, w);
        }
        Value row = add(localRow, idx(i));
        vstore(w, wbuf, {row, idx(v * kLanes)});
      }
    }
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
      rowIdx.push_back(add(row0, idx(r)));
    for (int64_t v = 0; v < vectors; ++v) {
      cols.push_back(add(col0, idx((v0 + v) * kLanes)));
      masks.push_back(columnMask(cols.back(), end));
    }
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t v = 0; v < vectors; ++v)
        init.push_back(loadColumns(ybuf, {rowIdx[r]}, cols[v], masks[v]));
    SmallVector<Value> sums =
        forLoop(idx(0), chunkRows, idx(1), init, [&](Value kk, ValueRange it) {
          SmallVector<Value> sums(it), w;
          for (int64_t v = 0; v < vectors; ++v)
            w.push_back(vload(vecF32, wbuf, {kk, idx((v0 + v) * kLanes)}));
          Value kIdx = add(chunk, kk);
          for (int64_t r = 0; r < rows; ++r) {
            Value xr = broadcastInput(rowIdx[r], kIdx);
            for (int64_t v = 0; v < vectors; ++v) {
              Value &s = sums[r * vectors + v];
              s = vectorFma(xr, w[v], s);
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
  Type accElem = elementType(acc);
  bool widen = accElem != f32Type;
  auto forEachOutput = [&](function_ref<void(Value, Value)> body) {
    forEach(idx(0), m, idx(1), [&](Value row) {
      forEach(idx(0), n, idx(1), [&](Value col) { body(row, col); });
    });
  };
  if (widen) {
    auto type =
        MemRefType::get({ShapedType::kDynamic, ShapedType::kDynamic}, f32Type);
    ybuf = memref::AllocOp::create(b, type, ValueRange{m, n});
    forEachOutput([&](Value row, Value col) {
      Value v = load(acc, {row, col});
      store(toF32(v), ybuf, {row, col});
    });
  }

  Value step = idx(columnTile);
  Value chunkStep = idx(kGemmChunkRows);
  Value mainRows = sub(m, remU(m, idx(kGemmRows)));
  parallelLoop(ValueRange{n}, ValueRange{step}, [&](ValueRange ivs) {
    Value col0 = ivs[0];
    Value end = minS(add(col0, step), n);
    // One dequantized chunk of the tile per task, on the stack (static
    // shape: bitsink-hoist-static-allocas gives each thread one buffer).
    Value wbuf = stackBuffer({kGemmChunkRows, columnTile});
    forEach(idx(0), k, chunkStep, [&](Value chunk) {
      Value chunkRows = minS(chunkStep, sub(k, chunk));
      Value chunkWords = ceilDivU(chunkRows, idx(32));
      emitDequantizeChunk(wbuf, col0, end, chunk, chunkWords);
      forEach(idx(0), mainRows, idx(kGemmRows), [&](Value row0) {
        emitGemmMicroKernel(wbuf, ybuf, col0, end, chunk, chunkRows, row0,
                            kGemmRows);
      });
      forEach(mainRows, m, idx(1), [&](Value row0) {
        emitGemmMicroKernel(wbuf, ybuf, col0, end, chunk, chunkRows, row0, 1);
      });
    });
  });

  if (widen) {
    forEachOutput([&](Value row, Value col) {
      Value v = load(ybuf, {row, col});
      store(fromF32(v, accElem), acc, {row, col});
    });
    // The CPU pipeline places deallocations before the lowerings run: free
    // what is allocated here.
    memref::DeallocOp::create(b, ybuf);
  }
}

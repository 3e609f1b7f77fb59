//===- GemvLutAVX512.cpp - GEMV through partial-sum tables, AVX-512 -------===//
//
// The x86 variant of the GEMV's bit sums (`gemv-lut`, T-MAC style): instead
// of testing one bit at a time, 4 bits of a plane word index a 16-entry
// table of the partial sums of 4 input rows, one AVX-512 `vpermps` per 4
// rows and 16 columns. The tables are built once per call and shared by
// every column. Only for targets with avx512f: LowerBitplaneMatmul.cpp
// refuses the option for other targets (see TargetFeatures.h), as LLVM
// cannot lower the intrinsic there.
//
//===----------------------------------------------------------------------===//

#include "../BitplaneEmitter.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

using namespace mlir;
using namespace bitsink;
using namespace bitsink::cpu;

Value BitplaneMatmulEmitter::permute(Value table, Value index) {
  return LLVM::CallIntrinsicOp::create(
             b, vecF32, b.getStringAttr("llvm.x86.avx512.permvar.sf.512"),
             ValueRange{table, index})
      .getResult(0);
}

Value BitplaneMatmulEmitter::emitPartialSumTables() {
  Value chunks = mul(dim(planes, 1), idx(8));
  auto type = MemRefType::get(
      {ShapedType::kDynamic, ShapedType::kDynamic, kLanes}, f32Type);
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
  Value zero = f32(0.0);
  Value lastRow = sub(k, idx(1));
  forEach(idx(0), m, idx(1), [&](Value row) {
    forEach(idx(0), chunks, idx(1), [&](Value c) {
      Value table = constant(vecF32, 0.0);
      Value first = mul(c, idx(4));
      for (int64_t i = 0; i < 4; ++i) {
        Value kIdx = add(first, idx(i));
        Value inRange = slt(kIdx, k);
        Value xv = toF32(load(x, {row, minS(kIdx, lastRow)}));
        xv = select(inRange, xv, zero);
        table = vectorFma(splat(xv, kLanes), patterns[i], table);
      }
      vstore(table, tables, {row, c, idx(0)});
    });
  });
  return tables;
}

// Table lookups, 4 rows at a time: the clear bits of 4 rows index the
// group's partial sums of those rows (vpermps), one shift, permute and add
// per 4 rows and 16 columns. Every word of the group, the partial last one
// included: the tables read rows >= K as 0.
void BitplaneMatmulEmitter::emitGemvLutSums(const GemvStrip &strip, Value g,
                                            Value tables) {
  auto [first, last] = groupWordRange(g, dim(planes, 1));
  forEach(first, last, idx(1), [&](Value word) {
    Value chunk0 = mul(word, idx(8));
    forEachStep(strip, [&](const GemvStep &step) {
      prefetchWords(word, step.cols);
      SmallVector<Value> words = loadWords(strip, step, word);
      for (Value &w : words)
        w = xorI(w, constant(vecI32, -1));
      SmallVector<Value> sums = loadSums(strip, step);
      for (int64_t c = 0; c < 8; ++c) {
        SmallVector<Value> rowTables;
        for (int64_t r = 0; r < strip.rows; ++r)
          rowTables.push_back(
              vload(vecF32, tables, {idx(r), add(chunk0, idx(c)), idx(0)}));
        for (int64_t j = 0; j < strip.streams; ++j)
          for (int64_t v = 0; v < strip.vectors; ++v) {
            Value index = words[j * strip.vectors + v];
            if (c)
              index = shrU(index, constant(vecI32, 4 * c));
            for (int64_t r = 0; r < strip.rows; ++r) {
              Value &sum = sums[strip.sumRow(r, j) * strip.vectors + v];
              sum = fadd(sum, permute(rowTables[r], index));
            }
          }
      }
      storeSums(strip, step, sums);
    });
  });
}

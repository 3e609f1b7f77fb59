//===- GemvLutAVX2.cpp - GEMV table lookups, AVX2 ---------------*- C++ -*-===//
//
// The lookup of the GEMV's table kernel (GemvLut.cpp) on x86 with AVX2 and
// no AVX-512: `vpermps` on ymm registers picks, for 8 columns, the entries
// of an 8-float table (one register) named by the low 3 bits of each index
// lane, so a lookup covers 3 input rows; the 16 columns of a column vector
// take two. Per 3 rows and 8 columns: one shift, one vpermps, one add,
// against 4 ops per row and 8 columns (and, compare, and, add) for the
// bit-test kernel on AVX2.
//
// Why not `vpshufb` with int8 tables (T-MAC on AVX2): a byte lookup cannot
// return an f32 entry without 4 lookups and a merge, and int8 (or int16)
// entries mean quantising the activations, which the table kernels do not
// do (their results are the bit-test kernel's up to the order of the f32
// additions). docs/bitplane-lowering.md has the comparison.
//
//===----------------------------------------------------------------------===//

#include "../BitplaneEmitter.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

using namespace mlir;
using namespace bitsink;
using namespace bitsink::cpu;

Value BitplaneMatmulEmitter::lookupAVX2(Value table, Value index) {
  constexpr int64_t kHalf = kLanes / 2;
  auto halfF32 = VectorType::get({kHalf}, f32Type);
  SmallVector<Value> halves;
  for (int64_t h = 0; h < 2; ++h) {
    Value half = vector::ExtractStridedSliceOp::create(
        b, index, ArrayRef<int64_t>{h * kHalf}, ArrayRef<int64_t>{kHalf},
        ArrayRef<int64_t>{1});
    halves.push_back(LLVM::CallIntrinsicOp::create(
                         b, halfF32, b.getStringAttr("llvm.x86.avx2.permps"),
                         ValueRange{table, half})
                         .getResult(0));
  }
  SmallVector<int64_t> lanes = llvm::to_vector(llvm::seq<int64_t>(0, kLanes));
  return vector::ShuffleOp::create(b, halves[0], halves[1], lanes);
}

//===- GemvLutNeon.cpp - GEMV table lookups, AArch64 NEON -------*- C++ -*-===//
//
// The lookup of the GEMV's table kernel (GemvLut.cpp) on AArch64: `tbl`
// with four table registers reads 64 bytes, a whole 16-float table of
// 4-row partial sums, and picks one byte per lane of a 16-byte index; an
// f32 entry e is the bytes 4e .. 4e + 3, so the index of each 32-bit lane
// is e · 0x04040404 + 0x03020100 (little-endian) and one tbl returns the
// entries of 4 columns. Only for targets with neon: LowerBitplaneMatmul.cpp
// picks this ISA from the target's features (TargetFeatures.h).
//
//===----------------------------------------------------------------------===//

#include "../BitplaneEmitter.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

using namespace mlir;
using namespace bitsink;
using namespace bitsink::cpu;

Value BitplaneMatmulEmitter::lookupNeon(Value table, Value index) {
  constexpr int64_t kQuarter = 4;
  auto bytes = VectorType::get({16}, b.getI8Type());
  auto quarterF32 = VectorType::get({kQuarter}, f32Type);
  auto slice = [&](Value vector, int64_t q) -> Value {
    return vector::ExtractStridedSliceOp::create(
        b, vector, ArrayRef<int64_t>{q * kQuarter}, ArrayRef<int64_t>{kQuarter},
        ArrayRef<int64_t>{1});
  };
  // The table as four 16-byte registers.
  SmallVector<Value> operands;
  for (int64_t q = 0; q < 4; ++q)
    operands.push_back(vector::BitCastOp::create(b, bytes, slice(table, q)));
  // Entry e of each lane (tbl gives 0 for bytes past 63: mask the word's
  // higher bits first), then its 4 byte indices.
  Value entry = andI(index, constant(vecI32, 15));
  Value byteIndex = add(mul(entry, constant(vecI32, 0x04040404)),
                        constant(vecI32, 0x03020100));
  SmallVector<Value> quarters;
  for (int64_t q = 0; q < 4; ++q) {
    SmallVector<Value> args(operands);
    args.push_back(vector::BitCastOp::create(b, bytes, slice(byteIndex, q)));
    Value picked =
        LLVM::CallIntrinsicOp::create(
            b, bytes, b.getStringAttr("llvm.aarch64.neon.tbl4.v16i8"), args)
            .getResult(0);
    quarters.push_back(vector::BitCastOp::create(b, quarterF32, picked));
  }
  auto concat = [&](Value lo, Value hi) -> Value {
    int64_t n = cast<VectorType>(lo.getType()).getNumElements();
    SmallVector<int64_t> lanes = llvm::to_vector(llvm::seq<int64_t>(0, 2 * n));
    return vector::ShuffleOp::create(b, lo, hi, lanes);
  };
  return concat(concat(quarters[0], quarters[1]),
                concat(quarters[2], quarters[3]));
}

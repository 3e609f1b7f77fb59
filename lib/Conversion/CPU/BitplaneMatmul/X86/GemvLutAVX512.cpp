//===- GemvLutAVX512.cpp - GEMV table lookups, AVX-512 ----------*- C++ -*-===//
//
// The lookup of the GEMV's table kernel (GemvLut.cpp) on x86 with AVX-512F:
// one `vpermps` picks, for 16 columns, the entries of a 16-float table of
// 4-row partial sums named by the low 4 bits of each index lane. Only for
// targets with avx512f: LowerBitplaneMatmul.cpp picks this ISA from the
// target's features (TargetFeatures.h).
//
//===----------------------------------------------------------------------===//

#include "../BitplaneEmitter.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

using namespace mlir;
using namespace bitsink;
using namespace bitsink::cpu;

Value BitplaneMatmulEmitter::lookupAVX512(Value table, Value index) {
  return LLVM::CallIntrinsicOp::create(
             b, vecF32, b.getStringAttr("llvm.x86.avx512.permvar.sf.512"),
             ValueRange{table, index})
      .getResult(0);
}

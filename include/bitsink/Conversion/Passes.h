//===- Passes.h - bitsink lowering passes -----------------------*- C++ -*-===//
//
// Declarations of the passes that lower bitsink ops to upstream dialects.
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_CONVERSION_PASSES_H
#define BITSINK_CONVERSION_PASSES_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"

namespace bitsink {

#define GEN_PASS_DECL
#include "bitsink/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "bitsink/Conversion/Passes.h.inc"

} // namespace bitsink

#endif // BITSINK_CONVERSION_PASSES_H

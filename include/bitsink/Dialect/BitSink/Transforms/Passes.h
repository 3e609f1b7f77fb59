//===- Passes.h - bitsink dialect passes ------------------------*- C++ -*-===//
//
// Declarations and registration of the bitsink graph-level passes (from
// Passes.td).
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_DIALECT_BITSINK_TRANSFORMS_PASSES_H
#define BITSINK_DIALECT_BITSINK_TRANSFORMS_PASSES_H

#include "bitsink/Dialect/BitSink/IR/BitSinkDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace bitsink {

#define GEN_PASS_DECL
#include "bitsink/Dialect/BitSink/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "bitsink/Dialect/BitSink/Transforms/Passes.h.inc"

} // namespace bitsink

#endif // BITSINK_DIALECT_BITSINK_TRANSFORMS_PASSES_H

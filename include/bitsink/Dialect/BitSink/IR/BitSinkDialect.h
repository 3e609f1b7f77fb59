//===- BitSinkDialect.h - bitsink dialect -----------------------*- C++ -*-===//
//
// Declares the bitsink dialect class (generated from BitSinkDialect.td).
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_DIALECT_BITSINK_IR_BITSINKDIALECT_H
#define BITSINK_DIALECT_BITSINK_IR_BITSINKDIALECT_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Dialect.h"

#include "bitsink/Dialect/BitSink/IR/BitSinkDialect.h.inc"

#endif // BITSINK_DIALECT_BITSINK_IR_BITSINKDIALECT_H

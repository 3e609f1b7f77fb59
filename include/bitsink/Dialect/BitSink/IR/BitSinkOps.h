//===- BitSinkOps.h - bitsink operations ------------------------*- C++ -*-===//
//
// The ops of the bitsink dialect (from BitSinkOps.td) and the interfaces they
// implement.
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_DIALECT_BITSINK_IR_BITSINKOPS_H
#define BITSINK_DIALECT_BITSINK_IR_BITSINKOPS_H

#include "bitsink/Dialect/BitSink/IR/BitSinkAttrs.h"
#include "bitsink/Dialect/BitSink/IR/BitSinkDialect.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/TilingInterface.h"

#define GET_OP_CLASSES
#include "bitsink/Dialect/BitSink/IR/BitSinkOps.h.inc"

#endif // BITSINK_DIALECT_BITSINK_IR_BITSINKOPS_H

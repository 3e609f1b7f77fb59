//===- BitSinkAttrs.h - bitsink attributes ----------------------*- C++ -*-===//
//
// Enum and layout attributes of the bitsink dialect (from BitSinkAttrs.td).
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_DIALECT_BITSINK_IR_BITSINKATTRS_H
#define BITSINK_DIALECT_BITSINK_IR_BITSINKATTRS_H

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"

#include "bitsink/Dialect/BitSink/IR/BitSinkEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "bitsink/Dialect/BitSink/IR/BitSinkAttrs.h.inc"

#endif // BITSINK_DIALECT_BITSINK_IR_BITSINKATTRS_H

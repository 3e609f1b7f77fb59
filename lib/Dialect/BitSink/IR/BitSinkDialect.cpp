//===- BitSinkDialect.cpp - bitsink dialect registration --------*- C++ -*-===//
//
// Registers the ops and attributes of the bitsink dialect and verifies the
// layout attribute's parameters.
//
//===----------------------------------------------------------------------===//

#include "bitsink/Dialect/BitSink/IR/BitSinkDialect.h"
#include "bitsink/Dialect/BitSink/IR/BitSinkOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace bitsink;

#include "bitsink/Dialect/BitSink/IR/BitSinkDialect.cpp.inc"
#include "bitsink/Dialect/BitSink/IR/BitSinkEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "bitsink/Dialect/BitSink/IR/BitSinkAttrs.cpp.inc"

void BitSinkDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "bitsink/Dialect/BitSink/IR/BitSinkOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "bitsink/Dialect/BitSink/IR/BitSinkAttrs.cpp.inc"
      >();
  attachBufferizationModels();
}

LogicalResult
PlaneLayoutAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                        int64_t nTile, int64_t kTile) {
  if (nTile < 1)
    return emitError() << "expects n_tile to be at least 1, got " << nTile;
  if (kTile < 1)
    return emitError() << "expects k_tile to be at least 1, got " << kTile;
  return success();
}

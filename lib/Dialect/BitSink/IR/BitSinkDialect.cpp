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

#include <cmath>

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

//===----------------------------------------------------------------------===//
// RopeAttr
//===----------------------------------------------------------------------===//

LogicalResult RopeAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                               APFloat theta, int64_t dims, RopeStyle style) {
  // A denormal theta is almost surely a hex literal read as the bits of a
  // double (`0x47C35000` is 1e5 as an f32 but 6e-315 as a double).
  if (!theta.isFinite() || theta.isNegative() || theta.isZero() ||
      theta.isDenormal())
    return emitError()
           << "expects rope theta to be positive, finite and normal, got "
           << theta.convertToDouble();
  if (dims < 0 || dims % 2 != 0)
    return emitError() << "expects rope dims to be even and non-negative, got "
                       << dims;
  return success();
}

double RopeAttr::inverseFrequency(int64_t pair) const {
  return std::pow(getThetaValue(), -2.0 * static_cast<double>(pair) /
                                       static_cast<double>(getDims()));
}

std::pair<int64_t, int64_t> RopeAttr::pairDims(int64_t pair) const {
  if (getStyle() == RopeStyle::Half)
    return {pair, pair + getDims() / 2};
  return {2 * pair, 2 * pair + 1};
}

/// `<theta = 10000.0, dims = 64, style = half>`.
Attribute RopeAttr::parse(AsmParser &parser, Type) {
  double theta = 0.0;
  int64_t dims = 0;
  StringRef styleName;
  SMLoc styleLoc;
  if (parser.parseLess() || parser.parseKeyword("theta") ||
      parser.parseEqual() || parser.parseFloat(theta) || parser.parseComma() ||
      parser.parseKeyword("dims") || parser.parseEqual() ||
      parser.parseInteger(dims) || parser.parseComma() ||
      parser.parseKeyword("style") || parser.parseEqual())
    return {};
  styleLoc = parser.getCurrentLocation();
  if (parser.parseKeyword(&styleName) || parser.parseGreater())
    return {};
  std::optional<RopeStyle> style = symbolizeRopeStyle(styleName);
  if (!style) {
    parser.emitError(styleLoc)
        << "expects rope style 'half' or 'interleaved', got '" << styleName
        << "'";
    return {};
  }
  return getChecked([&] { return parser.emitError(styleLoc); },
                    parser.getContext(), APFloat(theta), dims, *style);
}

void RopeAttr::print(AsmPrinter &printer) const {
  printer << "<theta = ";
  printer.printFloat(getTheta());
  printer << ", dims = " << getDims()
          << ", style = " << stringifyRopeStyle(getStyle()) << ">";
}
